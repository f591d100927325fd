//! scripts/install.sh installs the `bsdtrace` command with its links, its
//! manual pages and completions, and a libbsdtrace that `pkg-config` finds
//! and a C program can be built with, both into a prefix and staged under
//! DESTDIR.
//!
//! Needs `pkg-config` on PATH (Debian: `apt-get install -y pkg-config`);
//! renders the pages with man(1) and loads the bash completion when those
//! are installed.

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
            // `cargo test` builds no cdylib/staticlib for integration tests,
            // nor another package's binary.
            let mut cargo = Command::new(env!("CARGO"));
            cargo
                .current_dir(workspace_dir())
                .args(["build", "-p", "bsdtrace-c", "-p", "bsdtrace-cli"]);
            if dir.file_name().unwrap() == "release" {
                cargo.arg("--release");
            }
            cargo.env("CARGO_TARGET_DIR", dir.parent().unwrap());
            run_ok(&mut cargo);
            for f in ["libbsdtrace.so", "libbsdtrace.a", "bsdtrace"] {
                assert!(dir.join(f).is_file(), "{f} was not built");
            }
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
        .env_remove("BINDIR")
        .env_remove("LIBDIR")
        .env_remove("INCLUDEDIR")
        .env_remove("DATADIR")
        .env_remove("MANDIR");
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

const LINKS: [&str; 6] = ["truss", "procstat", "pargs", "penv", "pwdx", "protect"];

/// The command, its links, pages and completions under `root`.
fn check_command(root: &Path) {
    let bin = root.join("bin");
    let out = run_ok(Command::new(bin.join("bsdtrace")).arg("--version"));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("bsdtrace {}\n", env!("CARGO_PKG_VERSION"))
    );
    // Each link runs its command: pwdx of ourselves prints our directory.
    for l in LINKS {
        assert!(bin.join(l).exists(), "{l} not linked");
    }
    let me = std::process::id().to_string();
    let out = run_ok(Command::new(bin.join("pwdx")).arg(&me));
    let cwd = std::env::current_dir().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{me}:  {}\n", cwd.display())
    );
    let out = run(Command::new(bin.join("protect")).arg("-h"));
    assert!(String::from_utf8_lossy(&out.stdout).contains("PROTECT(1)"));
    let man1 = root.join("share/man/man1");
    for page in [
        "bsdtrace",
        "bsdtrace-truss",
        "bsdtrace-procstat",
        "bsdtrace-protect",
        "bsdtrace-gdbserver",
    ] {
        let text = std::fs::read_to_string(man1.join(format!("{page}.1")))
            .unwrap_or_else(|e| panic!("{page}.1: {e}"));
        assert!(text.contains(".TH ") && text.contains(".SH SYNOPSIS"), "{page}.1");
    }
    for l in LINKS {
        let text = std::fs::read_to_string(man1.join(format!("{l}.1"))).unwrap();
        assert!(text.starts_with(".so man1/bsdtrace-"), "{l}.1: {text}");
    }
    // man(1) finds and renders the pages by name, links included.
    if Command::new("man").arg("-w").arg("man").output().is_ok() {
        for name in ["procstat", "truss", "bsdtrace-gdbserver"] {
            let out = run(Command::new("man")
                .args(["-P", "cat"])
                .arg(name)
                .env("MANPATH", root.join("share/man"))
                .env("MANWIDTH", "80"));
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success() && text.contains("SYNOPSIS"),
                "man {name}: {text} {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    let share = root.join("share");
    for f in [
        "bash-completion/completions/bsdtrace",
        "bash-completion/completions/procstat",
        "zsh/site-functions/_bsdtrace",
        "fish/vendor_completions.d/bsdtrace.fish",
        "fish/vendor_completions.d/truss.fish",
    ] {
        assert!(share.join(f).exists(), "{f} not installed");
    }
    // bash: completing `bsdtrace procstat --li` offers --libxo, and
    // `procstat ` offers the command words.
    let script = share.join("bash-completion/completions/bsdtrace");
    let complete = |words: &str| {
        let out = run_ok(Command::new("bash").arg("-c").arg(format!(
            "source '{}'; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); \
             _bsdtrace; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display()
        )));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(complete("bsdtrace procstat --li"), "--libxo\n");
    assert!(complete("procstat th").lines().any(|l| l == "thread"));
    assert!(complete("bsdtrace tr").lines().any(|l| l == "truss"));
    assert!(complete("truss -p ''").lines().any(|l| l == "1"));
    assert!(complete("procstat --libxo j").lines().any(|l| l == "json"));
}

#[test]
fn install_puts_the_command_links_pages_and_completions_in_place() {
    let dir = scratch("install-command");
    let prefix = dir.join("usr");
    install(prefix.to_str().unwrap(), None);
    check_command(&prefix);
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
    check_command(&root);
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
