//! The threads, signals, tsignals, cpuset and kstack views.

use super::*;

#[test]
fn threads_lists_every_thread_with_its_name_and_state() {
    let h = Holder::spawn("threads");
    let pid = h.pid();
    h.stop();
    let lines = ok_lines(&procstat(&["-t", &pid.to_string()]));
    assert_eq!(
        lines[0],
        format!(
            "{:>5} {:>6} {:<19} {:<19} {:>2} {:>4} {:<7} {:<9}",
            "PID", "TID", "COMM", "TDNAME", "CPU", "PRI", "STATE", "WCHAN"
        )
    );
    let tids = h.tids();
    assert_eq!(lines.len(), 1 + tids.len());
    let mut names = Vec::new();
    for (line, tid) in lines[1..].iter().zip(&tids) {
        let f: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(f[0], pid.to_string());
        assert_eq!(f[1], tid.to_string());
        assert_eq!(f[2], "psholder");
        names.push(f[3].to_string());
        let stat = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/stat")).unwrap();
        let sf: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
        let prio: i64 = sf[15].parse().unwrap();
        assert_eq!(f[5], (prio + 100).to_string(), "PRI is the kernel priority");
        assert_eq!(f[6], "stop");
        let cpus = proc_status(pid, "Cpus_allowed_list");
        assert!(f[4].parse::<usize>().is_ok(), "CPU {} in {cpus}", f[4]);
    }
    assert_eq!(names, ["-", "worker-a", "blocker"], "TDNAME is - when it is the process name");
    // The word command is the same table.
    let words = ok_lines(&procstat(&["threads", &pid.to_string()]));
    assert_eq!(words.len(), lines.len());
    assert_eq!(ok_lines(&procstat(&["thread", &pid.to_string()])).len(), lines.len());
}

/// The FLAGS field of signal `sig`'s row.
fn sig_flags<'a>(lines: &'a [String], sig: &str) -> &'a str {
    let row = lines.iter().find(|l| l.split_whitespace().nth(2) == Some(sig)).unwrap();
    row.split_whitespace().nth(3).unwrap()
}

#[test]
fn signals_show_caught_ignored_and_pending() {
    let h = Holder::spawn("sigs");
    let pid = h.pid().to_string();
    let lines = ok_lines(&procstat(&["-i", &pid]));
    assert_eq!(lines[0], format!("{:>5} {:<16} {:<7} {:>4}", "PID", "COMM", "SIG", "FLAGS"));
    assert_eq!(lines.len(), 1 + 64);
    assert_eq!(lines[1], format!("{pid:>5} {:<16} {:<7}  ---", "psholder", "HUP"));
    assert_eq!(sig_flags(&lines, "USR1"), "--C");
    assert_eq!(sig_flags(&lines, "USR2"), "-I-");
    assert_eq!(sig_flags(&lines, "TERM"), "---");
    // -n: numbers, in the same %-7 column.
    let n = ok_lines(&procstat(&["-i", "-n", &pid]));
    assert_eq!(n[10], format!("{pid:>5} {:<16} {:<7}  --C", "psholder", 10));
    let w = ok_lines(&procstat(&["signals", "-n", &pid]));
    assert_eq!(w, n);
    let w = ok_lines(&procstat(&["sig", &pid]));
    assert_eq!(w, lines);
}

#[test]
fn signals_pending_on_a_stopped_process_show_p() {
    use bsdtrace::sys;
    let h = Holder::spawn("sigpend");
    let pid = h.pid();
    // A stopped process keeps a caught signal pending until it continues.
    h.stop();
    sys::kill(pid, libc::SIGUSR1).unwrap();
    let lines = ok_lines(&procstat(&["-h", "-i", &pid.to_string()]));
    assert_eq!(sig_flags(&lines, "USR1"), "P-C");
    assert_eq!(sig_flags(&lines, "USR2"), "-I-");
    let lines = ok_lines(&procstat(&["-h", "-j", &pid.to_string()]));
    let usr1: Vec<&str> = lines
        .iter()
        .filter(|l| l.split_whitespace().nth(3) == Some("USR1"))
        .map(|l| l.split_whitespace().nth(4).unwrap())
        .collect();
    assert_eq!(usr1, ["P-", "P-", "P-"], "process-directed: pending for every thread");
    sys::kill(pid, libc::SIGCONT).unwrap();
}

#[test]
fn tsignals_show_each_threads_blocked_mask() {
    let h = Holder::spawn("tsigs");
    let pid = h.pid().to_string();
    let lines = ok_lines(&procstat(&["-j", &pid]));
    assert_eq!(lines[0], format!("{:>5} {:>6} {:<16} {:<7} {:>4}", "PID", "TID", "COMM", "SIG", "FLAGS"));
    let tids = h.tids();
    assert_eq!(lines.len(), 1 + 64 * tids.len());
    let hup: Vec<(String, String)> = lines[1..]
        .iter()
        .map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .filter(|f| f[3] == "HUP")
        .map(|f| (f[1].clone(), f[4].clone()))
        .collect();
    let want: Vec<(String, String)> = tids
        .iter()
        .enumerate()
        .map(|(i, t)| (t.to_string(), if i == 2 { "-B".to_string() } else { "--".to_string() }))
        .collect();
    assert_eq!(hup, want, "only the thread named blocker blocks SIGHUP");
    assert_eq!(ok_lines(&procstat(&["tsignals", &pid])), lines);
}

#[test]
fn cpuset_masks_match_the_kernels_affinity() {
    let h = Holder::spawn("cpuset");
    let pid = h.pid();
    let lines = ok_lines(&procstat(&["-S", &pid.to_string()]));
    assert_eq!(
        lines[0],
        format!(
            "{:>5} {:>6} {:<19} {:<19} {:>2} {:>4} {:<7}",
            "PID", "TID", "COMM", "TDNAME", "CPU", "CSID", "CPU MASK"
        )
    );
    for (line, tid) in lines[1..].iter().zip(h.tids()) {
        let f: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(f[1], tid.to_string());
        let s = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/status")).unwrap();
        let want = s.lines().find_map(|l| l.strip_prefix("Cpus_allowed_list:")).unwrap().trim();
        assert_eq!(*f.last().unwrap(), want);
    }
    assert_eq!(ok_lines(&procstat(&["cs", &pid.to_string()])), lines);
}

#[test]
fn kstack_shows_each_threads_kernel_stack_or_says_why_not() {
    let h = Holder::spawn("kstack");
    h.stop();
    let pid = h.pid().to_string();
    let o = procstat(&["-k", &pid]);
    let lines: Vec<String> = stdout(&o).lines().map(str::to_string).collect();
    assert_eq!(lines[0], format!("{:>5} {:>6} {:<19} {:<19} {:<29}", "PID", "TID", "COMM", "TDNAME", "KSTACK"));
    let readable = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/stack")).is_ok();
    if !readable {
        assert!(!is_root() || lines.len() == 1);
        assert!(stderr(&o).contains("stack"), "{}", stderr(&o));
        return;
    }
    assert_eq!(o.status.code(), Some(0));
    let tids = h.tids();
    assert_eq!(lines.len(), 1 + tids.len());
    for (line, tid) in lines[1..].iter().zip(&tids) {
        let f: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(f[1], tid.to_string());
        let raw = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/stack")).unwrap();
        let first =
            raw.lines().next().and_then(|l| l.split("] ").nth(1)).map(|s| s.split('+').next().unwrap().to_string());
        if let Some(func) = first {
            assert_eq!(f[4], func, "innermost frame first, no offset with -k");
            assert!(!line.contains("+0x"));
        }
    }
    let kk = ok_lines(&procstat(&["-kk", &pid]));
    assert!(kk[1..].iter().all(|l| l.contains("+0x") || l.contains("<running>")), "{kk:?}");
    assert_eq!(ok_lines(&procstat(&["kstack", "-v", &pid])).len(), kk.len());
    let o = procstat(&["-kkk", &pid]);
    assert_eq!(o.status.code(), Some(64));
}
