//! `truss -p` never hurts the process it attached to: whatever signal ends
//! truss (SIGHUP, SIGPIPE, SIGUSR1, SIGALRM, SIGTERM, SIGKILL...), whether
//! its output breaks (a closed pipe, a full disk), the target runs on,
//! untraced and not stopped. Processes truss started keep FreeBSD's
//! kill-on-exit. And `-o FILE` does not follow another user's symlink in a
//! sticky directory.

mod truss_common;

use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use truss_common::*;

/// Attaches `truss ARGS -p PID`, waits for a whole getppid line (or, with
/// `-o`, for the attach), sends truss `sig`, and checks the target lives.
fn survives(sig: i32, threads: bool, extra: &[&str]) {
    let (mut target, pid, mut out) = ticking(threads);
    let mut args = vec!["truss".to_string()];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(["-p".to_string(), pid.to_string()]);
    let mut tr = Command::new(BIN).args(&args).stderr(Stdio::piped()).spawn().unwrap();
    let trpid = tr.id() as i32;
    let mut err = BufReader::new(tr.stderr.take().unwrap());
    if extra.is_empty() {
        loop {
            let mut l = String::new();
            assert!(err.read_line(&mut l).unwrap() > 0, "truss ended early");
            if l.contains("getppid()") && l.contains(" = ") {
                break;
            }
        }
    } else {
        wait_until("the attach", || proc_status(pid, "TracerPid").as_deref() == Some(trpid.to_string().as_str()));
    }
    unsafe { libc::kill(trpid, sig) };
    // Keep draining truss's stderr so it never blocks on it.
    let drain = std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = err.read_to_string(&mut rest);
        rest
    });
    let st = tr.wait().unwrap();
    let _ = drain.join();
    if sig == libc::SIGKILL {
        assert_eq!(std::os::unix::process::ExitStatusExt::signal(&st), Some(libc::SIGKILL));
    } else {
        assert_eq!(st.code(), Some(0), "truss after signal {sig}: {st:?}");
    }
    assert_runs_untraced(pid, &mut out);
    target.kill().unwrap();
    target.wait().unwrap();
}

#[test]
fn an_attached_process_survives_sighup() {
    survives(libc::SIGHUP, false, &[]);
}

#[test]
fn an_attached_process_survives_sigpipe() {
    survives(libc::SIGPIPE, false, &[]);
}

#[test]
fn an_attached_process_survives_sigusr1_and_sigusr2() {
    survives(libc::SIGUSR1, false, &[]);
    survives(libc::SIGUSR2, false, &[]);
}

#[test]
fn an_attached_process_survives_sigalrm() {
    survives(libc::SIGALRM, false, &[]);
}

#[test]
fn an_attached_process_survives_sigterm_with_all_its_threads() {
    survives(libc::SIGTERM, true, &[]);
}

#[test]
fn an_attached_process_survives_sigkill_of_truss() {
    survives(libc::SIGKILL, false, &[]);
    survives(libc::SIGKILL, true, &["-o", "/dev/null"]);
}

#[test]
fn an_attached_process_survives_sigxcpu_and_sigvtalrm() {
    survives(libc::SIGXCPU, false, &["-o", "/dev/null"]);
    survives(libc::SIGVTALRM, false, &["-o", "/dev/null"]);
}

#[test]
fn two_attached_processes_both_survive() {
    let (mut a, pa, mut oa) = ticking(false);
    let (mut b, pb, mut ob) = ticking(true);
    let mut tr = Command::new(BIN)
        .args(["truss", "-o", "/dev/null", "-p", &format!("{pa},{pb}")])
        .spawn()
        .unwrap();
    let me = tr.id().to_string();
    wait_until("both attaches", || {
        proc_status(pa, "TracerPid").as_deref() == Some(me.as_str()) && proc_status(pb, "TracerPid").as_deref() == Some(me.as_str())
    });
    unsafe { libc::kill(tr.id() as i32, libc::SIGHUP) };
    assert_eq!(tr.wait().unwrap().code(), Some(0));
    assert_runs_untraced(pa, &mut oa);
    assert_runs_untraced(pb, &mut ob);
    for c in [&mut a, &mut b] {
        c.kill().unwrap();
        c.wait().unwrap();
    }
}

/// `truss -p P | head`: the reader goes away; truss detaches, says why,
/// exits 1, and P runs on.
#[test]
fn a_closed_output_pipe_detaches_and_the_process_survives() {
    let (mut target, pid, mut out) = ticking(false);
    let mut tr = Command::new(BIN)
        .args(["truss", "-o", "/dev/stdout", "-p", &pid.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(tr.stdout.take().unwrap());
    for _ in 0..3 {
        let mut l = String::new();
        assert!(lines.read_line(&mut l).unwrap() > 0);
    }
    drop(lines);
    let st = tr.wait().unwrap();
    let mut err = String::new();
    tr.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert_eq!(st.code(), Some(1), "{err}");
    assert!(err.contains("Broken pipe"), "{err}");
    assert_runs_untraced(pid, &mut out);
    target.kill().unwrap();
    target.wait().unwrap();
}

#[test]
fn a_full_output_is_reported_once_and_truss_exits_1() {
    let o = truss(&["-o", "/dev/full", "sh", "-c", "echo hi >/dev/null; exit 0"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.matches("No space left on device").count(), 1, "{err}");
    assert!(err.contains("/dev/full"), "{err}");

    // Attached: truss detaches at once and the process runs on.
    let (mut target, pid, mut out) = ticking(false);
    let tr = Command::new(BIN).args(["truss", "-o", "/dev/full", "-p", &pid.to_string()]).output().unwrap();
    assert_eq!(tr.status.code(), Some(1), "{}", stderr(&tr));
    assert_runs_untraced(pid, &mut out);
    target.kill().unwrap();
    target.wait().unwrap();
}

#[test]
fn a_started_command_still_dies_with_truss() {
    // FreeBSD's kill-on-exit stays for what truss started.
    let mut tr = Command::new(BIN).args(["truss", "-o", "/dev/null", &prog("loop").to_string_lossy()]).stdout(Stdio::piped()).spawn().unwrap();
    let mut out = BufReader::new(tr.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let pid: i32 = line.trim().strip_prefix("ready ").unwrap().parse().unwrap();
    unsafe { libc::kill(tr.id() as i32, libc::SIGKILL) };
    tr.wait().unwrap();
    wait_until("the command to die", || {
        proc_status(pid, "State").is_none_or(|s| s.starts_with('Z') || s.starts_with('X'))
    });
}

fn nobody() -> (u32, u32) {
    (65534, 65534)
}

#[test]
fn o_refuses_another_users_symlink_in_a_sticky_directory() {
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("needs root to plant a symlink owned by nobody: skipped");
        return;
    }
    let dir = tmpdir().join(format!("sticky-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let victim = tmpdir().join(format!("victim-{}", std::process::id()));
    std::fs::write(&victim, "precious\n").unwrap();
    let link = dir.join("trace.out");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let (u, g) = nobody();
    std::os::unix::fs::lchown(&link, Some(u), Some(g)).unwrap();

    let o = truss(&["-o", link.to_str().unwrap(), "true"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("symbolic link"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");

    // Our own link (or the directory owner's) is followed, as the kernel's
    // protected_symlinks would.
    std::fs::remove_file(&link).unwrap();
    let ours = tmpdir().join(format!("ours-{}", std::process::id()));
    std::os::unix::fs::symlink(&ours, &link).unwrap();
    let o = truss(&["-o", link.to_str().unwrap(), "true"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(std::fs::read_to_string(&ours).unwrap().contains("exit"));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&victim);
    let _ = std::fs::remove_file(&ours);
}

/// The window between the attach and truss's first stop: a SIGKILL then
/// must not take the process with it either (it is never armed to die).
#[test]
fn an_attached_process_survives_sigkill_right_after_the_attach() {
    let (mut target, pid, mut out) = ticking(true);
    for _ in 0..20 {
        let mut tr = Command::new(BIN).args(["truss", "-o", "/dev/null", "-p", &pid.to_string()]).spawn().unwrap();
        let me = tr.id().to_string();
        wait_until("the attach", || proc_status(pid, "TracerPid").as_deref() == Some(me.as_str()));
        tr.kill().unwrap();
        tr.wait().unwrap();
        assert_runs_untraced(pid, &mut out);
    }
    target.kill().unwrap();
    target.wait().unwrap();
}
