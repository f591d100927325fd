//! The basic view, and the interface: errors, usage, the manual, -h and
//! the interval.

use super::*;

#[test]
fn basic_is_the_default_and_matches_ps() {
    let h = Holder::spawn("basic");
    let pid = h.pid().to_string();
    let lines = ok_lines(&procstat(&[&pid]));
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(
        lines[0],
        format!(
            "{:>5} {:>5} {:>5} {:>5} {:>5} {:>3} {:<8} {:<9} {:<13} {:<12}",
            "PID", "PPID", "PGID", "SID", "TSID", "THR", "LOGIN", "WCHAN", "EMUL", "COMM"
        )
    );
    let f: Vec<&str> = lines[1].split_whitespace().collect();
    let ps = Command::new("ps").args(["-o", "pid=,ppid=,pgid=,sid=,nlwp=,comm=", "-p", &pid]).output().unwrap();
    let want: Vec<String> = stdout(&ps).split_whitespace().map(str::to_string).collect();
    assert_eq!(f[..4], [&want[0], &want[1], &want[2], &want[3]]);
    assert_eq!(f[5], want[4], "THR");
    assert_eq!(f[5], "3");
    assert_eq!(f.last().unwrap(), &want[5], "COMM");
    assert!(lines[1].contains(" Linux ELF64 "), "{}", lines[1]);
    // Widths: the row's PID is right-aligned in five columns.
    assert_eq!(&lines[1][..5], format!("{pid:>5}"));
}

#[test]
fn basic_terminal_session_is_zero_without_a_controlling_terminal() {
    let h = Holder::spawn("tsid");
    let lines = ok_lines(&procstat(&["-h", &h.pid().to_string()]));
    let f: Vec<&str> = lines[0].split_whitespace().collect();
    let tty_nr: u32 = std::fs::read_to_string(format!("/proc/{}/stat", h.pid()))
        .unwrap()
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .nth(4)
        .unwrap()
        .parse()
        .unwrap();
    if tty_nr == 0 {
        assert_eq!(f[4], "0");
    } else {
        assert_eq!(f[4], f[3], "TSID is the session");
    }
}

#[test]
fn h_suppresses_the_header_and_it_is_printed_once_for_many_pids() {
    let a = Holder::spawn("hdr-a");
    let b = Holder::spawn("hdr-b");
    let (pa, pb) = (a.pid().to_string(), b.pid().to_string());
    let lines = ok_lines(&procstat(&["-h", &pa]));
    assert_eq!(lines.len(), 1);
    assert!(lines[0].trim_start().starts_with(&pa));
    let lines = ok_lines(&procstat(&[&pa, &pb]));
    assert_eq!(lines.len(), 3);
    assert!(lines[0].trim_start().starts_with("PID"));
    assert!(lines[1].trim_start().starts_with(&pa) && lines[2].trim_start().starts_with(&pb));
    let lines = ok_lines(&procstat(&["-h", "threads", &pa, &pb]));
    assert_eq!(lines.len(), 6, "three threads each, no header: {lines:?}");
}

#[test]
fn all_processes_include_init_and_ourselves_with_one_header() {
    let me = std::process::id().to_string();
    let lines = ok_lines(&procstat(&["-a"]));
    assert_eq!(lines.iter().filter(|l| l.trim_start().starts_with("PID ")).count(), 1);
    let pids: Vec<&str> = lines[1..].iter().map(|l| l.split_whitespace().next().unwrap()).collect();
    assert!(pids.contains(&"1"));
    assert!(pids.contains(&me.as_str()));
    let nums: Vec<i64> = pids.iter().map(|p| p.parse().unwrap()).collect();
    assert!(nums.windows(2).all(|w| w[0] < w[1]), "sorted by pid");
}

// ---- errors and usage ---------------------------------------------------

#[test]
fn a_missing_pid_is_skipped_with_a_warning_and_exit_status_1() {
    let h = Holder::spawn("missing");
    let pid = h.pid().to_string();
    let o = procstat(&["2147483647", &pid]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o), "bsdtrace procstat: 2147483647: No such process\n");
    let lines: Vec<String> = stdout(&o).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 2, "the header and the existing process: {lines:?}");
    assert!(lines[1].trim_start().starts_with(&pid));
    let o = alias("procstat", &["-h", "2147483647"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o), "procstat: 2147483647: No such process\n");
    assert!(o.stdout.is_empty());
}

#[test]
fn usage_errors_exit_64_like_ex_usage() {
    for args in [
        &[][..],
        &["-a", "1"][..],
        &["-t", "-v", "1"][..],
        &["-k", "-k", "-k", "1"][..],
        &["-w", "0", "1"][..],
        &["-w", "x", "1"][..],
        &["-Q", "1"][..],
        &["-n", "signals", "1"][..],
        &["-1"][..],
    ] {
        let o = procstat(args);
        assert_eq!(o.status.code(), Some(64), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("usage: bsdtrace procstat [--libxo] [-h] [-w interval] command [pid ...]"),
            "{}",
            stderr(&o)
        );
        assert!(o.stdout.is_empty());
    }
    let o = alias("pargs", &[]);
    assert_eq!(o.status.code(), Some(64));
    assert_eq!(stderr(&o), "usage: pargs [--libxo] pid ...\n");
    let o = alias("pwdx", &["notapid"]);
    assert_eq!(o.status.code(), Some(64));
}

#[test]
fn what_linux_lacks_is_refused_with_a_reason() {
    for args in [&["kqueue", "1"][..], &["-L", "core"][..], &["-M", "core", "1"][..], &["-f", "-C", "1"][..]] {
        let o = procstat(args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(stderr(&o).starts_with("bsdtrace procstat: "), "{}", stderr(&o));
        assert!(o.stdout.is_empty());
    }
    // An operand that names a file is a core file to FreeBSD.
    let o = procstat(&["-h", "/etc/hostname"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("/etc/hostname: not a process id (core files"), "{}", stderr(&o));
    let o = procstat(&["-t", "not-a-pid"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not-a-pid: not a process id"), "{}", stderr(&o));
}

#[test]
fn a_word_that_is_no_command_and_no_file_is_an_unknown_command() {
    let o = procstat(&["nosuchcmd", "1"]);
    assert_eq!(o.status.code(), Some(64));
    let e = stderr(&o);
    assert!(e.starts_with("bsdtrace procstat: unknown command: nosuchcmd\n"), "{e}");
    assert!(!e.contains("core file"), "{e}");
}

#[test]
fn help_prints_the_manual() {
    let o = procstat(&["--help"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0));
    for s in ["PROCSTAT(1)", "SYNOPSIS", "Linux ELF64", "EXIT STATUS", "pwdx"] {
        assert!(out.contains(s), "{s}");
    }
}

#[test]
fn interval_repeats_until_the_process_is_gone() {
    let h = Holder::spawn("interval");
    let pid = h.pid().to_string();
    let mut child = Command::new(BIN)
        .args(["procstat", "-w", "1", &pid])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut header = String::new();
    let mut row = String::new();
    out.read_line(&mut header).unwrap();
    out.read_line(&mut row).unwrap();
    assert!(header.trim_start().starts_with("PID"));
    assert!(row.trim_start().starts_with(&pid));
    drop(h); // the helper exits and is reaped
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains(&format!("{pid}: No such process")));
    assert!(!rest.contains("PID"), "the header is printed once: {rest:?}");
    assert!(rest.lines().all(|l| l.trim_start().starts_with(&pid)));
}
