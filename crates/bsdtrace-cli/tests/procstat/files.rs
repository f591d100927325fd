//! The files, vm, rlimit, credentials, rusage, auxv and advlock views,
//! and what an unprivileged user, the test itself and a zombie show.

use super::*;

#[test]
fn files_map_linux_descriptors_to_freebsd_types() {
    let h = Holder::spawn("files");
    let pid = h.pid();
    let dir = h.dir.to_str().unwrap();
    let lines = ok_lines(&procstat(&["-f", &pid.to_string()]));
    assert_eq!(
        lines[0],
        format!(
            "{:>5} {:<16} {:>5} {:>1} {:>1} {:<8} {:>3} {:>7} {:<3} {:<12}",
            "PID", "COMM", "FD", "T", "V", "FLAGS", "REF", "OFFSET", "PRO", "NAME"
        )
    );
    let row = |fd: &str| -> Vec<String> {
        lines
            .iter()
            .find(|l| l.split_whitespace().nth(2) == Some(fd))
            .unwrap_or_else(|| panic!("no fd {fd} in {lines:#?}"))
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    let exe = helper_bin().to_str().unwrap().to_string();
    assert_eq!(row("text"), [&pid.to_string(), "psholder", "text", "v", "r", "r-------", "-", "-", "-", &exe]);
    assert_eq!(row("cwd")[3..], ["v", "d", "r-------", "-", "-", "-", dir]);
    assert_eq!(row("root")[3..], ["v", "d", "r-------", "-", "-", "-", "/"]);
    // O_RDWR|O_APPEND, 5 bytes written.
    let data = format!("{dir}/data.txt");
    assert_eq!(row(&h.file_fd.to_string())[3..], ["v", "r", "rwa----l", "-", "5", "-", &data]);
    assert_eq!(row(&h.pipe_r.to_string())[3..], ["p", "-", "r-------", "-", "0", "-", "-"]);
    assert_eq!(row(&h.pipe_w.to_string())[3..], ["p", "-", "-w------", "-", "0", "-", "-"]);
    let port = h.tcp_port.to_string();
    assert_eq!(
        row(&h.tcp_fd.to_string())[3..],
        ["s", "-", "rw------", "-", "0", "TCP", "0", "0", &format!("127.0.0.1:{port}"), "*:0"]
    );
    assert_eq!(
        row(&h.unix_fd.to_string())[3..],
        ["s", "-", "rw------", "-", "0", "UDS", "0", "0", &format!("{dir}/sock")]
    );
    assert_eq!(row(&h.event_fd.to_string())[3..], ["E", "-", "rw------", "-", "0", "-", "anon_inode:[eventfd]"]);
    // Descriptors in order, after text/cwd/root.
    let fds: Vec<i32> = lines[1..].iter().filter_map(|l| l.split_whitespace().nth(2)?.parse().ok()).collect();
    let mut sorted = fds.clone();
    sorted.sort_unstable();
    assert_eq!(fds, sorted);
    let want: Vec<i32> = {
        let mut v: Vec<i32> = std::fs::read_dir(format!("/proc/{pid}/fd"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_str().unwrap().parse().unwrap())
            .collect();
        v.sort_unstable();
        v
    };
    assert_eq!(fds, want);
    assert_eq!(ok_lines(&procstat(&["files", &pid.to_string()])), lines);
    assert_eq!(ok_lines(&procstat(&["fds", &pid.to_string()])), lines);
}

#[test]
fn vm_lists_every_mapping_of_proc_maps() {
    let h = Holder::spawn("vm");
    h.stop();
    let pid = h.pid();
    let lines = ok_lines(&procstat(&["-v", &pid.to_string()]));
    assert_eq!(
        lines[0],
        format!(
            "{:>5} {:>18} {:>18} {:>3} {:>4} {:>4} {:>3} {:>3} {:<5} {:<2} {}",
            "PID", "START", "END", "PRT", "RES", "PRES", "REF", "SHD", "FLAG", "TP", "PATH"
        )
    );
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
    let maps: Vec<&str> = maps.lines().collect();
    assert_eq!(lines.len(), 1 + maps.len());
    let exe = helper_bin().to_str().unwrap();
    let mut exe_rows = 0;
    for (line, m) in lines[1..].iter().zip(&maps) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let mf: Vec<&str> = m.split_whitespace().collect();
        let (s, e) = mf[0].split_once('-').unwrap();
        assert_eq!(f[1], format!("0x{}", s.trim_start_matches('0')));
        assert_eq!(f[2], format!("0x{}", e.trim_start_matches('0')), "END is exclusive, as in maps");
        assert_eq!(f[3], mf[1][..3].to_string());
        assert_eq!(f[8].len(), 5, "FLAG is five characters");
        assert_eq!(f[8].starts_with('C'), mf[1].ends_with('p'), "C: private (copy-on-write)");
        if mf.get(5) == Some(&exe) {
            exe_rows += 1;
            assert_eq!(f[9], "vn");
            assert_eq!(f[10], exe);
        }
        if mf.get(5) == Some(&"[stack]") {
            assert_eq!(&f[8][3..4], "D", "the stack grows down");
            assert_eq!(f[9], "sw");
        }
    }
    assert!(exe_rows >= 2);
    // REF of the executable's mappings is how many there are.
    let refs: Vec<&str> =
        lines[1..].iter().filter(|l| l.ends_with(exe)).map(|l| l.split_whitespace().nth(6).unwrap()).collect();
    assert!(refs.iter().all(|r| *r == exe_rows.to_string()), "{refs:?}");
}

#[test]
fn rlimit_shows_the_limits_the_process_set() {
    let h = Holder::spawn("rlimit");
    let pid = h.pid().to_string();
    let lines = ok_lines(&procstat(&["-l", &pid]));
    assert_eq!(
        lines[0],
        format!("{:>5} {:<16} {:<16} {:>16} {:>16}", "PID", "COMM", "RLIMIT", "SOFT     ", "HARD     ")
    );
    let open = lines.iter().find(|l| l.split_whitespace().nth(2) == Some("openfiles")).unwrap();
    assert_eq!(*open, format!("{pid:>5} {:<16} {:<16} {:>16} {:>16}", "psholder", "openfiles", "100     ", "200     "));
    let names: Vec<&str> = lines[1..].iter().map(|l| l.split_whitespace().nth(2).unwrap()).collect();
    assert_eq!(
        names[..10],
        [
            "cputime",
            "filesize",
            "datasize",
            "stacksize",
            "coredumpsize",
            "memoryuse",
            "memorylocked",
            "maxprocesses",
            "openfiles",
            "vmemoryuse"
        ]
    );
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    assert_eq!(names.len(), limits.lines().count() - 1, "every Linux limit");
    assert_eq!(ok_lines(&procstat(&["rlimit", &pid])), lines);
}

#[test]
fn credentials_match_proc_status() {
    let h = Holder::spawn("cred");
    let pid = h.pid();
    let lines = ok_lines(&procstat(&["-s", &pid.to_string()]));
    assert_eq!(
        lines[0],
        format!(
            "{:>5} {:<16} {:>5} {:>5} {:>5} {:>5} {:>5} {:>5} {:>5} {:>5} {:<15}",
            "PID", "COMM", "EUID", "RUID", "SVUID", "EGID", "RGID", "SVGID", "UMASK", "FLAGS", "GROUPS"
        )
    );
    let u: Vec<String> = proc_status(pid, "Uid").split_whitespace().map(str::to_string).collect();
    let g: Vec<String> = proc_status(pid, "Gid").split_whitespace().map(str::to_string).collect();
    let groups: Vec<String> = std::iter::once(g[1].clone())
        .chain(proc_status(pid, "Groups").split_whitespace().map(str::to_string))
        .collect();
    assert_eq!(
        lines[1],
        format!(
            "{pid:>5} {:<16} {:>5} {:>5} {:>5} {:>5} {:>5} {:>5} {:>5} -     {}",
            "psholder",
            u[1],
            u[0],
            u[2],
            g[1],
            g[0],
            g[2],
            "027",
            groups.join(",")
        )
    );
    assert_eq!(ok_lines(&procstat(&["credentials", &pid.to_string()])), lines);
    assert_eq!(ok_lines(&procstat(&["cred", &pid.to_string()])), lines);
}

#[test]
fn rusage_rows_and_values_from_proc() {
    let h = Holder::spawn("rusage");
    h.stop();
    let pid = h.pid();
    let lines = ok_lines(&procstat(&["-r", &pid.to_string()]));
    assert_eq!(lines[0], format!("{:>5} {:<16} {:<32} {:>14}", "PID", "COMM", "RESOURCE", "VALUE        "));
    assert_eq!(lines.len(), 1 + 16);
    assert!(lines[1].contains(" user time ") && lines[2].contains(" system time "));
    let time = lines[1].split_whitespace().nth(4).unwrap();
    assert_eq!(time.len(), "00:00:00.000000".len(), "{time}");
    let hwm: u64 = proc_status(pid, "VmHWM").trim_end_matches("kB").trim().parse().unwrap();
    assert_eq!(lines[3], format!("{pid:>5} {:<16} {:<32} {:>14}", "psholder", "maximum RSS", format!("{hwm} KB")));
    assert!(lines[4].ends_with("0.0 KB"), "{}", lines[4]);
    let names: Vec<String> = lines[3..].iter().map(|l| l[23..55].trim_end().to_string()).collect();
    assert_eq!(
        names,
        [
            "maximum RSS",
            "integral shared memory",
            "integral unshared data",
            "integral unshared stack",
            "page reclaims",
            "page faults",
            "swaps",
            "block reads",
            "block writes",
            "messages sent",
            "messages received",
            "signals received",
            "voluntary context switches",
            "involuntary context switches"
        ]
    );
    let per_thread = ok_lines(&procstat(&["-r", "-H", &pid.to_string()]));
    assert_eq!(
        per_thread[0],
        format!("{:>5} {:>6} {:<16} {:<32} {:>14}", "PID", "TID", "COMM", "RESOURCE", "VALUE        ")
    );
    assert_eq!(per_thread.len(), 1 + 16 * h.tids().len());
    assert_eq!(ok_lines(&procstat(&["rusage", "-t", &pid.to_string()])).len(), per_thread.len());
}

#[test]
fn auxv_names_the_entries() {
    let h = Holder::spawn("auxv");
    let pid = h.pid();
    let lines = ok_lines(&procstat(&["-x", &pid.to_string()]));
    assert_eq!(lines[0], format!("{:>5} {:<19} {:<16} {:<16}", "PID", "COMM", "AUXV", "VALUE"));
    let raw = std::fs::read(format!("/proc/{pid}/auxv")).unwrap();
    let n = raw.chunks_exact(16).take_while(|c| c[..8] != [0; 8]).count();
    assert_eq!(lines.len(), 1 + n, "one row per entry before AT_NULL");
    let page = format!("{pid:>5} {:<19}{:<16}4096", "psholder", "AT_PAGESZ");
    assert!(lines.contains(&page), "{lines:#?}");
    let uid = proc_status(pid, "Uid").split_whitespace().next().unwrap().to_string();
    assert!(lines.contains(&format!("{pid:>5} {:<19}{:<16}{uid}", "psholder", "AT_UID")));
    assert!(lines.iter().any(|l| l.contains("AT_ENTRY        0x")));
    assert_eq!(ok_lines(&procstat(&["auxv", &pid.to_string()])), lines);
}

#[test]
fn the_test_process_itself_can_be_described() {
    let me = std::process::id().to_string();
    for cmd in
        ["basic", "threads", "vm", "files", "signals", "rlimit", "credentials", "rusage", "auxv", "binary", "cpuset"]
    {
        let lines = ok_lines(&procstat(&["-h", cmd, &me]));
        assert!(!lines.is_empty(), "{cmd}");
        assert!(lines.iter().all(|l| l.trim_start().starts_with(&me)), "{cmd}: {lines:?}");
    }
    let exe = std::fs::read_link("/proc/self/exe").unwrap();
    let bin = ok_lines(&procstat(&["-h", "-b", &me]));
    assert!(bin[0].ends_with(&exe.display().to_string()));
}

#[test]
fn an_unprivileged_user_sees_what_linux_lets_it_see_and_is_told_why_not_the_rest() {
    if !is_root() {
        eprintln!("skipped: needs root to run procstat as nobody against a root process");
        return;
    }
    use std::os::unix::process::CommandExt;
    let h = Holder::spawn("nobody");
    let pid = h.pid().to_string();
    let as_nobody =
        |args: &[&str]| Command::new(BIN).arg("procstat").args(args).uid(65534).gid(65534).output().unwrap();
    // Public: the basic table, credentials, the command line.
    let basic = ok_lines(&as_nobody(&["-h", &pid]));
    assert!(basic[0].trim_start().starts_with(&pid));
    assert!(ok_lines(&as_nobody(&["-h", "-s", &pid]))[0].contains(" 027 "));
    assert!(ok_lines(&as_nobody(&["-h", "-c", &pid]))[0].ends_with(" second argument"));
    // Private: the environment prints "-", as FreeBSD's does.
    let env = ok_lines(&as_nobody(&["-h", "-e", &pid]));
    assert_eq!(env, [format!("{pid:>5} {:<16} -", "psholder")]);
    // Files, memory and kernel stacks warn with the /proc file and errno;
    // like FreeBSD's warn(), that does not change the exit status.
    for (args, want) in [
        (&["-f"][..], format!("bsdtrace procstat: /proc/{pid}/fd: Permission denied\n")),
        (&["-v"][..], format!("bsdtrace procstat: /proc/{pid}/smaps: Permission denied\n")),
        (&["-x"][..], format!("bsdtrace procstat: /proc/{pid}/auxv: Permission denied\n")),
    ] {
        let o = as_nobody(&[args, &["-h", &pid][..]].concat());
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        assert_eq!(stderr(&o), want, "{args:?}");
        assert!(o.stdout.is_empty(), "{args:?}: {}", stdout(&o));
    }
    let o = as_nobody(&["-h", "-k", &pid]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o).contains(&format!("kstack: /proc/{pid}/task/{pid}/stack: ")), "{}", stderr(&o));
    assert!(stderr(&o).contains("needs CAP_SYS_ADMIN"), "{}", stderr(&o));
    // pwdx exists to print that one directory: like procps' pwdx, failing
    // to read it is exit status 1.
    let o = Command::new(BIN).args(["pwdx", &pid]).uid(65534).gid(65534).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stderr(&o), format!("bsdtrace pwdx: /proc/{pid}/cwd: Permission denied\n"));
}

#[test]
fn a_zombie_has_no_executable_memory_or_files() {
    let h = Holder::spawn("zombie");
    let z = h.zombie.to_string();
    let basic = ok_lines(&procstat(&["-h", &z]));
    let f: Vec<&str> = basic[0].split_whitespace().collect();
    assert_eq!(f[1], h.pid().to_string(), "PPID");
    assert_eq!(f[5], "1", "THR");
    assert_eq!(f[8], "-", "EMUL: a zombie has no ABI left");
    let t = ok_lines(&procstat(&["-h", "-t", &z]));
    assert_eq!(t[0].split_whitespace().nth(6), Some("zomb"));
    for cmd in ["-f", "-v", "-x"] {
        assert!(ok_lines(&procstat(&["-h", cmd, &z])).is_empty(), "{cmd}");
    }
    assert_eq!(ok_lines(&procstat(&["-h", "-c", &z])), [format!("{z:>5} {:<16} -", "psholder")]);
    assert_eq!(stdout(&alias("pargs", &[&z])), format!("{z}:  psholder\n-\n"));
    if is_root() {
        let k = ok_lines(&procstat(&["-h", "-k", &z]));
        assert!(k[0].contains("<unknown>"), "{k:?}");
    }
}

#[test]
fn advlock_lists_flock_and_fcntl_locks_with_their_files() {
    let h = Holder::spawn("advlock");
    let pid = h.pid();
    let data = format!("{}/data.txt", h.dir.display());
    let lines = ok_lines(&procstat(&["advlock"]));
    assert_eq!(
        lines[0],
        format!(
            "{:>2} {:>5} {:>5} {:>5} {:>18} {:>18} {:>8} {:>9} {:>9} PATH",
            "RW", "TYPE", "PID", "SYSID", "FSID", "RDEV", "INO", "START", "LEN"
        )
    );
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(&data).unwrap();
    let mine: Vec<Vec<String>> = lines[1..]
        .iter()
        .map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .filter(|f| f[2] == pid.to_string())
        .collect();
    let fsid = format!("{:#x}", m.dev());
    let ino = m.ino().to_string();
    let mut want = vec![
        ["RW", "FLOCK", &pid.to_string(), "0", &fsid, "0", &ino, "0", "0", &data]
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>(),
        ["RO", "FCNTL", &pid.to_string(), "0", &fsid, "0", &ino, "1", "2", &data]
            .iter()
            .map(|s| s.to_string())
            .collect(),
    ];
    let mut got = mine.clone();
    got.sort();
    want.sort();
    assert_eq!(got, want, "{lines:#?}");
    // No pids needed; -h drops the header.
    let h2 = ok_lines(&procstat(&["-h", "advlock"]));
    assert!(h2.iter().all(|l| !l.contains("SYSID")));
}
