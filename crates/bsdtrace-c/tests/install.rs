//! scripts/install.sh installs a libbsdtrace that `pkg-config` finds and a
//! C program can be built with, both into a prefix and staged under DESTDIR.
//!
//! Needs `pkg-config` on PATH (Debian: `apt-get install -y pkg-config`).

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The profile directory this test was built into (target/debug): the
/// library is built there, so the script installs this build's artifacts.
fn build_dir() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let exe = std::env::current_exe().unwrap();
            // target/debug/deps/install-HASH -> target/debug
            let dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
            // `cargo test` builds no cdylib/staticlib for integration tests.
            let mut cargo = Command::new(env!("CARGO"));
            cargo
                .current_dir(workspace_dir())
                .args(["build", "-p", "bsdtrace-c"]);
            if dir.file_name().unwrap() == "release" {
                cargo.arg("--release");
            }
            cargo.env("CARGO_TARGET_DIR", dir.parent().unwrap());
            run_ok(&mut cargo);
            assert!(dir.join("libbsdtrace.so").is_file() && dir.join("libbsdtrace.a").is_file());
            dir
        })
        .clone()
}

fn install(prefix: &str, destdir: Option<&Path>) {
    let mut cmd = Command::new("sh");
    cmd.arg(workspace_dir().join("scripts/install.sh"))
        .arg("--no-build")
        .env("PREFIX", prefix)
        .env("BUILD_DIR", build_dir())
        .env_remove("DESTDIR")
        .env_remove("LIBDIR")
        .env_remove("INCLUDEDIR");
    if let Some(d) = destdir {
        cmd.env("DESTDIR", d);
    }
    run_ok(&mut cmd);
}

fn pkg_config(pc_dir: &Path, sysroot: Option<&Path>, args: &[&str]) -> String {
    let mut cmd = Command::new("pkg-config");
    cmd.args(args)
        .arg("bsdtrace")
        .env("PKG_CONFIG_PATH", pc_dir)
        .env_remove("PKG_CONFIG_LIBDIR");
    match sysroot {
        Some(s) => cmd.env("PKG_CONFIG_SYSROOT_DIR", s),
        None => cmd.env_remove("PKG_CONFIG_SYSROOT_DIR"),
    };
    let out = cmd
        .output()
        .expect("pkg-config is installed (apt-get install -y pkg-config)");
    assert!(
        out.status.success(),
        "pkg-config {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

const PROGRAM: &str = r#"#include <sys/types.h>
#include <sys/ptrace.h>
#include <sys/procctl.h>
#include <sys/wait.h>
#include <stdio.h>

int
trace(pid_t pid)
{
	struct ptrace_lwpinfo pl;
	struct procctl_reaper_status rs;

	if (ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof(pl)) == -1)
		return (-1);
	return (procctl(P_PID, pid, PROC_REAP_STATUS, &rs));
}
"#;

const MAIN: &str = "#include <sys/ptrace.h>\n#include <stdio.h>\n\
                    int main(void) { printf(\"%d %d\\n\", PT_LWPINFO, PT_GETXSTATE); return 0; }\n";

/// Compile PROGRAM and link-and-run MAIN with the given pkg-config flags.
fn build_with(dir: &Path, cflags: &str, libs: &str, lib_dir: &Path) {
    let split = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
    std::fs::write(dir.join("trace.c"), PROGRAM).unwrap();
    run_ok(
        Command::new(cc())
            .args(["-std=gnu11", "-Wall", "-Wextra", "-Werror"])
            .args(split(cflags))
            .args(["-c"])
            .arg(dir.join("trace.c"))
            .arg("-o")
            .arg(dir.join("trace.o")),
    );
    std::fs::write(dir.join("main.c"), MAIN).unwrap();
    // --no-as-needed: keep libbsdtrace.so a dependency although MAIN calls
    // nothing from it, so running MAIN proves the library loads.
    run_ok(
        Command::new(cc())
            .args(split(cflags))
            .arg(dir.join("main.c"))
            .arg("-Wl,--no-as-needed")
            .args(split(libs))
            .arg("-o")
            .arg(dir.join("main")),
    );
    let out = run_ok(Command::new(dir.join("main")).env("LD_LIBRARY_PATH", lib_dir));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "13 69\n");
    let ldd = run_ok(
        Command::new("ldd")
            .arg(dir.join("main"))
            .env("LD_LIBRARY_PATH", lib_dir),
    );
    let ldd = String::from_utf8_lossy(&ldd.stdout).into_owned();
    assert!(
        ldd.contains(&format!(
            "libbsdtrace.so => {}",
            lib_dir.join("libbsdtrace.so").display()
        )),
        "{ldd}"
    );
}

#[test]
fn install_into_a_prefix_gives_a_working_pkg_config() {
    let dir = scratch("install-prefix");
    let prefix = dir.join("usr");
    install(prefix.to_str().unwrap(), None);
    // Every header of the source tree, the private ones and the shims of
    // glibc's headers included.
    let mut headers = Vec::new();
    for sub in ["", "sys", "machine"] {
        for e in std::fs::read_dir(include_dir().join(sub)).unwrap() {
            let name = e.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".h") {
                headers.push(format!("include/bsdtrace/{sub}/{name}").replace("//", "/"));
            }
        }
    }
    assert!(headers.iter().any(|h| h.ends_with("/sys/ptrace.h")), "{headers:?}");
    for f in &headers {
        assert!(prefix.join(f).is_file(), "{f} not installed");
    }
    for f in [
        "lib/libbsdtrace.so",
        "lib/libbsdtrace.a",
        "lib/pkgconfig/bsdtrace.pc",
    ] {
        assert!(prefix.join(f).is_file(), "{f} not installed");
    }
    let pc_dir = prefix.join("lib/pkgconfig");
    let flags = pkg_config(&pc_dir, None, &["--cflags", "--libs"]);
    assert_eq!(
        flags,
        format!(
            "-I{}/include/bsdtrace -L{}/lib -lbsdtrace",
            prefix.display(),
            prefix.display()
        )
    );
    let version = pkg_config(&pc_dir, None, &["--modversion"]);
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
    let cflags = pkg_config(&pc_dir, None, &["--cflags"]);
    let libs = pkg_config(&pc_dir, None, &["--libs"]);
    build_with(&dir, &cflags, &libs, &prefix.join("lib"));
    // A static link takes the Rust runtime's native libraries from Libs.private.
    let static_libs = pkg_config(&pc_dir, None, &["--static", "--libs"]);
    assert!(
        static_libs.contains("-lpthread") && static_libs.contains("-ldl"),
        "{static_libs}"
    );
}

#[test]
fn an_installed_prefix_can_be_moved_with_define_prefix() {
    let dir = scratch("install-relocate");
    let prefix = dir.join("built");
    install(prefix.to_str().unwrap(), None);
    let moved = dir.join("moved");
    std::fs::rename(&prefix, &moved).unwrap();
    let flags = pkg_config(
        &moved.join("lib/pkgconfig"),
        None,
        &["--define-prefix", "--cflags", "--libs"],
    );
    assert_eq!(
        flags,
        format!(
            "-I{}/include/bsdtrace -L{}/lib -lbsdtrace",
            moved.display(),
            moved.display()
        )
    );
}

#[test]
fn install_staged_under_destdir_points_at_the_final_prefix() {
    let dir = scratch("install-destdir");
    let stage = dir.join("stage");
    install("/opt/bsdtrace", Some(&stage));
    let root = stage.join("opt/bsdtrace");
    assert!(root.join("include/bsdtrace/sys/ptrace.h").is_file());
    assert!(root.join("lib/libbsdtrace.so").is_file());
    let pc_dir = root.join("lib/pkgconfig");
    // Without a sysroot the flags name the final locations...
    assert_eq!(
        pkg_config(&pc_dir, None, &["--cflags", "--libs"]),
        "-I/opt/bsdtrace/include/bsdtrace -L/opt/bsdtrace/lib -lbsdtrace"
    );
    // ...and with PKG_CONFIG_SYSROOT_DIR the staged ones, which build.
    let cflags = pkg_config(&pc_dir, Some(&stage), &["--cflags"]);
    let libs = pkg_config(&pc_dir, Some(&stage), &["--libs"]);
    assert_eq!(
        cflags,
        format!("-I{}/opt/bsdtrace/include/bsdtrace", stage.display())
    );
    build_with(&dir, &cflags, &libs, &root.join("lib"));
}

#[test]
fn install_rejects_a_relative_prefix() {
    let out = run(Command::new("sh")
        .arg(workspace_dir().join("scripts/install.sh"))
        .args(["--no-build", "--prefix", "relative/dir"]));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("PREFIX must be absolute"));
}
