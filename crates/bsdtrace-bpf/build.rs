//! Compiles src/bpf/truss.bpf.c with clang (`-target bpf`, with BTF for
//! CO-RE) and generates its libbpf-rs skeleton into OUT_DIR.

use std::path::PathBuf;

use libbpf_cargo::SkeletonBuilder;

const SRC: &str = "src/bpf/truss.bpf.c";

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    let clang = std::env::var_os("BPF_CLANG").unwrap_or_else(|| "clang".into());
    SkeletonBuilder::new()
        .source(SRC)
        .clang(&clang)
        .clang_args([
            "-I/usr/include/x86_64-linux-gnu",
            "-Isrc/bpf",
            "-D__TARGET_ARCH_x86",
            "-Wall",
            "-Wno-unused-function",
        ])
        .build_and_generate(out.join("truss.skel.rs"))
        .unwrap_or_else(|e| {
            panic!(
                "bsdtrace-bpf: cannot compile {SRC} ({e:#}). It needs clang (Debian: apt-get install clang); \
                 set BPF_CLANG to use another one, or build bsdtrace-cli with --no-default-features to leave --bpf out"
            )
        });
    println!("cargo:rerun-if-changed=src/bpf");
    println!("cargo:rerun-if-env-changed=BPF_CLANG");
}
