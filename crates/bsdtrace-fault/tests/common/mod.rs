//! Running `bsdtrace-fault` from a test: it needs libbsdtrace.so and the
//! `bsdtrace` command next to it, which cargo does not build for this
//! crate's tests; build them here, once per test binary, with this test's
//! profile and target directory.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap().to_path_buf()
}

/// `target/<profile>` with libbsdtrace.so and bsdtrace built in it.
pub fn built() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let release = !cfg!(debug_assertions);
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml");
        let mut cmd = Command::new(env!("CARGO"));
        cmd.args(["build", "-p", "bsdtrace-c", "-p", "bsdtrace-cli", "--manifest-path"])
            .arg(&manifest)
            .arg("--target-dir")
            .arg(target_dir());
        if release {
            cmd.arg("--release");
        }
        let out = cmd.output().expect("cargo build");
        assert!(out.status.success(), "building libbsdtrace and bsdtrace failed:\n{}", String::from_utf8_lossy(&out.stderr));
        target_dir().join(if release { "release" } else { "debug" })
    })
}

/// Run `bsdtrace-fault ARGS`; returns its output.
pub fn fault(args: &[&str]) -> Output {
    let dir = built();
    Command::new(env!("CARGO_BIN_EXE_bsdtrace-fault"))
        .args(args)
        .env("BSDTRACE_FAULT_LIB", dir.join("libbsdtrace.so"))
        .env("BSDTRACE_FAULT_CLI", dir.join("bsdtrace"))
        .output()
        .expect("run bsdtrace-fault")
}

/// Run it and insist on exit status 0 (no defect found), showing its
/// summary either way.
pub fn fault_ok(args: &[&str]) {
    let out = fault(args);
    let text = String::from_utf8_lossy(&out.stdout);
    println!("{text}");
    assert!(out.status.success(), "bsdtrace-fault {args:?} found defects ({}):\n{text}\n--- stderr\n{}", out.status, String::from_utf8_lossy(&out.stderr));
}
