//! Compile the tracee programs: the test suite's tracee.c (getppid, bp,
//! threads, spinners modes) and the bench-only tracee (mem, maps modes).
use std::path::PathBuf;
use std::process::Command;

fn cc(src: &PathBuf, out: &PathBuf) {
    println!("cargo:rerun-if-changed={}", src.display());
    let st = Command::new("cc")
        .args(["-O1", "-g", "-pthread", "-o"])
        .arg(out)
        .arg(src)
        .status()
        .expect("cc runs");
    assert!(st.success(), "compiling {} failed", src.display());
}

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let tracee = out.join("tracee");
    let bench = out.join("bench_tracee");
    cc(&dir.join("../../crates/bsdtrace/tests/tracees/tracee.c"), &tracee);
    cc(&dir.join("tracees/bench_tracee.c"), &bench);
    println!("cargo:rustc-env=BENCH_TRACEE={}", bench.display());
    println!("cargo:rustc-env=TEST_TRACEE={}", tracee.display());
    println!("cargo:rerun-if-changed=build.rs");
}
