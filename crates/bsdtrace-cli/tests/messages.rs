//! Errors speak the tool's language: strerror(3)'s words, as C tools print
//! them, never Rust's " (os error N)" suffix. Each case drives one error
//! path of a command and reads what it says.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_bsdtrace");

fn stderr_of(args: &[&str]) -> String {
    let o = Command::new(BIN).args(args).env("BSDTRACE_PROTECT_SIMULATE", "500").output().unwrap();
    assert!(!o.status.success(), "{args:?} succeeded");
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn no_message_carries_an_os_error_suffix() {
    let cases: &[(&[&str], &str)] = &[
        (&["truss", "-o", "/nonexistent/dir/out", "true"], "cannot open /nonexistent/dir/out: No such file or directory"),
        (&["truss", "-p", "2147483646"], "No such process"),
        (&["truss", "/nonexistent/program"], "No such file or directory"),
        (&["gdbserver", "--once", "192.0.2.1:1", "/bin/true"], "Cannot assign requested address"),
        (&["gdbserver", "--attach", "-", "2147483646"], "No such process"),
        (&["protect", "/nonexistent/program"], "/nonexistent/program: No such file or directory"),
        (&["manpage", "-d", "/proc/version/x"], "Not a directory"),
        (&["procstat", "2147483646"], "No such process"),
    ];
    for (args, want) in cases {
        let e = stderr_of(args);
        assert!(e.contains(want), "{args:?}: {e}");
        assert!(!e.contains("os error"), "{args:?}: {e}");
    }
}
