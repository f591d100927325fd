//! `bsdtrace truss` end to end, on real programs (small C programs compiled
//! here with `cc`, and the system's `sh` and `cat`).
//!
//! The oracle is strace: for each program, the per-thread sequence of
//! syscall names and results truss prints must equal what `strace -f -qq`
//! records of the same program. Known, documented differences are
//! normalised away before comparing, never papered over by skipping lines:
//!
//! * truss starts at the command's exec stop, so strace's first `execve`
//!   of the command has no truss line;
//! * strace's `<unfinished ...>`/`<... resumed>` halves are joined;
//!   `+++ exited` lines are events, not calls;
//! * addresses (mmap, brk, mremap) and process ids (clone, wait4, getpid,
//!   getppid...) differ from run to run: they are compared as "an address"
//!   and "a pid"; threads and children are matched by the order their
//!   creating call returned them;
//! * a call interrupted to be restarted (strace `= ? ERESTART*`, truss
//!   `ERESTART`) is dropped with its `restart_syscall` continuation: the
//!   engine's whole-process stop interrupts threads sleeping in a syscall
//!   (as FreeBSD's does), which restarts them, where strace stops one thread;
//! * calls whose count depends on timing (futex waits in pthread_join, the
//!   shell's SIGCHLD-driven wait4 loop) are listed per test and dropped.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

const BIN: &str = env!("CARGO_BIN_EXE_bsdtrace");

// ---- helpers ------------------------------------------------------------

fn tmpdir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
}

/// A test program from tests/truss_progs, compiled once per test binary.
fn prog(name: &str) -> PathBuf {
    static BUILT: OnceLock<std::sync::Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let m = BUILT.get_or_init(Default::default);
    let mut m = m.lock().unwrap();
    if let Some(p) = m.get(name) {
        return p.clone();
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/truss_progs").join(format!("{name}.c"));
    let tmp = tmpdir().join(format!("truss-{name}-{}", std::process::id()));
    let out = tmpdir().join(format!("truss-{name}"));
    let st = Command::new("cc").args(["-O2", "-Wall", "-pthread", "-o"]).arg(&tmp).arg(&src).status().expect("cc");
    assert!(st.success(), "compiling {name}.c failed");
    std::fs::rename(&tmp, &out).unwrap();
    m.insert(name.to_string(), out.clone());
    out
}

/// A test program from tests/truss_progs built as a 32-bit (i386) program
/// (`cc -m32`: Debian's gcc-multilib, which CI installs), once per test
/// binary.
fn prog32(name: &str) -> PathBuf {
    static BUILT: OnceLock<std::sync::Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let m = BUILT.get_or_init(Default::default);
    let mut m = m.lock().unwrap();
    if let Some(p) = m.get(name) {
        return p.clone();
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/truss_progs").join(format!("{name}.c"));
    let tmp = tmpdir().join(format!("truss32-{name}-{}", std::process::id()));
    let out = tmpdir().join(format!("truss32-{name}"));
    let st = Command::new("cc").args(["-m32", "-O2", "-Wall", "-pthread", "-o"]).arg(&tmp).arg(&src).status().expect("cc");
    assert!(st.success(), "compiling {name}.c with -m32 failed (it needs gcc-multilib)");
    std::fs::rename(&tmp, &out).unwrap();
    m.insert(name.to_string(), out.clone());
    out
}

/// A fresh output file path for this test.
fn out_file(tag: &str) -> PathBuf {
    tmpdir().join(format!("truss-out-{tag}-{}", std::process::id()))
}

fn truss(args: &[&str]) -> Output {
    Command::new(BIN).arg("truss").args(args).stdin(Stdio::null()).output().unwrap()
}

/// Runs truss with `-o FILE` and returns (status, lines of FILE).
fn truss_to_file(tag: &str, args: &[&str]) -> (Output, Vec<String>) {
    let f = out_file(tag);
    let mut all = vec!["-o", f.to_str().unwrap()];
    all.extend_from_slice(args);
    let o = truss(&all);
    let text = std::fs::read_to_string(&f).unwrap_or_default();
    let _ = std::fs::remove_file(&f);
    (o, text.lines().map(str::to_string).collect())
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

// ---- parsing both tools' output ------------------------------------------

/// How a call ended, normalised.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Ret {
    Val(i64),
    Err(i32),
    Restart,
    /// Never returned (exit, exit_group).
    None,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Item {
    Call(String, Ret),
    Signal(i32),
}

/// Per-thread items, and the order threads first appeared.
#[derive(Debug, Default)]
struct Trace {
    by_tid: HashMap<i32, Vec<Item>>,
    order: Vec<i32>,
}

impl Trace {
    fn push(&mut self, tid: i32, item: Item) {
        if !self.by_tid.contains_key(&tid) {
            self.order.push(tid);
        }
        self.by_tid.entry(tid).or_default().push(item);
    }
}

fn errno_by_name(name: &str) -> i32 {
    match name {
        "EPERM" => 1,
        "ENOENT" => 2,
        "ESRCH" => 3,
        "EINTR" => 4,
        "EBADF" => 9,
        "ECHILD" => 10,
        "EAGAIN" => 11,
        "EACCES" => 13,
        "EFAULT" => 14,
        "EEXIST" => 17,
        "ENOTDIR" => 20,
        "EISDIR" => 21,
        "EINVAL" => 22,
        "ENOTTY" => 25,
        "ESPIPE" => 29,
        "ERANGE" => 34,
        "ENOSYS" => 38,
        "ENOTEMPTY" => 39,
        "ENODATA" => 61,
        "ENOTSOCK" => 88,
        "EOPNOTSUPP" => 95,
        "EAFNOSUPPORT" => 97,
        other => panic!("errno {other} missing from the test's table"),
    }
}

fn signal_by_name(name: &str) -> i32 {
    match name {
        "SIGINT" => 2,
        "SIGUSR1" => 10,
        "SIGSEGV" => 11,
        "SIGUSR2" => 12,
        "SIGPIPE" => 13,
        "SIGALRM" => 14,
        "SIGTERM" => 15,
        "SIGCHLD" => 17,
        other => panic!("signal {other} missing from the test's table"),
    }
}

/// `truss -f -H` lines: `  pid    tid: call = 3 (0x3)` / ` ERR#2 '...'`.
fn parse_truss(lines: &[String]) -> Trace {
    let mut t = Trace::default();
    for l in lines {
        let (pfx, rest) = l.split_once(": ").unwrap_or_else(|| panic!("no prefix: {l}"));
        let tid: i32 = pfx.split_whitespace().nth(1).unwrap_or_else(|| panic!("no tid: {l}")).parse().unwrap();
        if let Some(s) = rest.strip_prefix("SIGNAL ") {
            t.push(tid, Item::Signal(s.split(' ').next().unwrap().parse().unwrap()));
            continue;
        }
        if rest.starts_with('<') || rest.starts_with("process ") || rest.starts_with("-- UNKNOWN") {
            continue;
        }
        let name = rest[..rest.find('(').unwrap_or_else(|| panic!("not a call: {l}"))].to_string();
        let ret = if let Some((_, e)) = rest.rsplit_once(" ERR#") {
            Ret::Err(e.split(' ').next().unwrap().parse().unwrap())
        } else if rest.ends_with(" ERESTART") {
            Ret::Restart
        } else if let Some((_, v)) = rest.rsplit_once(" = ").filter(|(_, v)| v.ends_with(')') && v.contains(" (0x")) {
            Ret::Val(v.split(' ').next().unwrap().parse().unwrap())
        } else {
            Ret::None
        };
        t.push(tid, Item::Call(name, ret));
    }
    t
}

fn parse_strace_ret(r: &str) -> Ret {
    let mut w = r.split_whitespace();
    match w.next() {
        Some("?") => match w.next() {
            Some(e) if e.starts_with("ERESTART") => Ret::Restart,
            _ => Ret::None,
        },
        Some("-1") => Ret::Err(errno_by_name(w.next().unwrap())),
        Some(v) if v.starts_with("0x") => Ret::Val(u64::from_str_radix(&v[2..], 16).unwrap() as i64),
        Some(v) => Ret::Val(v.parse().unwrap_or_else(|_| panic!("strace return {r}"))),
        None => Ret::None,
    }
}

/// `strace -f -qq -o FILE` lines: `pid call = ret`, unfinished/resumed
/// halves, `--- SIG... ---`, `+++ ... +++`.
fn parse_strace(text: &str) -> Trace {
    let mut t = Trace::default();
    let mut unfinished: HashMap<i32, String> = HashMap::new();
    for l in text.lines() {
        // strace pads the pid column: `384   read(...)`.
        let (tid, rest) = l.split_once(' ').unwrap();
        let (tid, rest): (i32, &str) = (tid.parse().unwrap(), rest.trim_start());
        if let Some(s) = rest.strip_prefix("--- ") {
            t.push(tid, Item::Signal(signal_by_name(s.split(' ').next().unwrap())));
            continue;
        }
        if rest.starts_with("+++") {
            continue;
        }
        if rest.ends_with("<unfinished ...>") {
            let name = rest[..rest.find('(').unwrap()].to_string();
            unfinished.insert(tid, name);
            continue;
        }
        let name = if let Some(r) = rest.strip_prefix("<... ") {
            let n = r.split(' ').next().unwrap().to_string();
            assert_eq!(unfinished.remove(&tid).as_deref(), Some(n.as_str()), "{l}");
            n
        } else {
            rest[..rest.find('(').unwrap_or_else(|| panic!("strace line {l}"))].to_string()
        };
        let ret = rest.rsplit_once(" = ").map(|(_, r)| parse_strace_ret(r)).unwrap_or(Ret::None);
        t.push(tid, Item::Call(name, ret));
    }
    // A call left unfinished (a thread killed in it) never returned.
    for (tid, name) in unfinished {
        t.push(tid, Item::Call(name, Ret::None));
    }
    t
}

const ADDR_CALLS: &[&str] = &["mmap", "mmap2", "brk", "mremap", "shmat"];
const PID_CALLS: &[&str] =
    &["clone", "clone3", "fork", "vfork", "wait4", "waitid", "getpid", "gettid", "getppid", "set_tid_address"];
const SPAWN_CALLS: &[&str] = &["clone", "clone3", "fork", "vfork"];
/// System V IPC identifiers: the kernel picks them, two runs differ.
const IPC_ID_CALLS: &[&str] = &["semget", "shmget", "msgget"];

/// A comparable form of one thread's items (see the module doc).
fn normalise(items: &[Item], pids: &HashSet<i64>, drop: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut restarted: Option<String> = None;
    for it in items {
        match it {
            Item::Signal(s) => {
                let s = format!("--- signal {s}");
                if !drop.contains(&s.as_str()) {
                    out.push(s);
                }
            }
            Item::Call(name, ret) => {
                if *ret == Ret::Restart {
                    restarted = Some(name.clone());
                    continue;
                }
                let name = match (name.as_str(), restarted.take()) {
                    ("restart_syscall", Some(orig)) => orig,
                    _ => name.clone(),
                };
                if drop.contains(&name.as_str()) {
                    continue;
                }
                let r = match ret {
                    Ret::Val(_) if ADDR_CALLS.contains(&name.as_str()) => "ADDR".to_string(),
                    Ret::Val(_) if IPC_ID_CALLS.contains(&name.as_str()) => "IPC_ID".to_string(),
                    Ret::Val(v) if PID_CALLS.contains(&name.as_str()) || pids.contains(v) => {
                        let _ = v;
                        "PID".to_string()
                    }
                    Ret::Val(v) => v.to_string(),
                    Ret::Err(e) => format!("ERR#{e}"),
                    Ret::None => "?".to_string(),
                    Ret::Restart => unreachable!(),
                };
                out.push(format!("{name} = {r}"));
            }
        }
    }
    out
}

/// Threads and processes in creation order: the root, then each one a
/// spawning call returned, depth first, in the order they were returned.
fn tree_order(t: &Trace, root: i32) -> Vec<i32> {
    let mut order = vec![root];
    let mut i = 0;
    while i < order.len() {
        let tid = order[i];
        for it in t.by_tid.get(&tid).map(Vec::as_slice).unwrap_or(&[]) {
            if let Item::Call(n, Ret::Val(v)) = it {
                if SPAWN_CALLS.contains(&n.as_str()) && *v > 0 {
                    order.push(*v as i32);
                }
            }
        }
        i += 1;
    }
    order
}

/// Runs `argv` under strace and under truss (with `extra` truss flags) and
/// compares them; returns the truss lines for further checks.
fn compare_with_strace(tag: &str, argv: &[&str], drop: &[&str]) -> Vec<String> {
    let sfile = out_file(&format!("{tag}-strace"));
    let st = Command::new("strace")
        .args(["-f", "-qq", "-o"])
        .arg(&sfile)
        .args(argv)
        .stdout(Stdio::null())
        .stdin(Stdio::null())
        .status()
        .expect("strace");
    let stext = std::fs::read_to_string(&sfile).unwrap();
    let _ = std::fs::remove_file(&sfile);
    let mut args = vec!["-f", "-H"];
    args.extend_from_slice(argv);
    let tfile = out_file(&format!("{tag}-truss"));
    let mut targs = vec!["-o", tfile.to_str().unwrap()];
    targs.extend_from_slice(&args);
    let o = Command::new(BIN).arg("truss").args(&targs).stdout(Stdio::null()).stdin(Stdio::null()).output().unwrap();
    let ttext = std::fs::read_to_string(&tfile).unwrap();
    let _ = std::fs::remove_file(&tfile);
    assert_eq!(o.status.code(), st.code(), "truss and strace exit statuses\n{}", stderr(&o));
    let tlines: Vec<String> = ttext.lines().map(str::to_string).collect();

    let mut s = parse_strace(&stext);
    let t = parse_truss(&tlines);
    let sroot = s.order[0];
    let troot = t.order[0];
    // truss starts after the command's execve.
    let first = s.by_tid.get_mut(&sroot).unwrap();
    assert!(matches!(&first[0], Item::Call(n, Ret::Val(0)) if n == "execve"), "{:?}", first[0]);
    first.remove(0);

    let sorder = tree_order(&s, sroot);
    let torder = tree_order(&t, troot);
    assert_eq!(sorder.len(), torder.len(), "threads/processes: strace {sorder:?} truss {torder:?}\n{ttext}");
    let spids: HashSet<i64> = s.order.iter().map(|&p| p as i64).collect();
    let tpids: HashSet<i64> = t.order.iter().map(|&p| p as i64).collect();
    for (sp, tp) in sorder.iter().zip(&torder) {
        let a = normalise(s.by_tid.get(sp).map(Vec::as_slice).unwrap_or(&[]), &spids, drop);
        let b = normalise(t.by_tid.get(tp).map(Vec::as_slice).unwrap_or(&[]), &tpids, drop);
        if a != b {
            let n = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
            panic!(
                "{tag}: thread {tp} (strace {sp}) differs at item {n}:\n  strace: {:?}\n  truss:  {:?}\n--- strace\n{stext}\n--- truss\n{ttext}",
                &a[n.saturating_sub(2)..(n + 3).min(a.len())],
                &b[n.saturating_sub(2)..(n + 3).min(b.len())]
            );
        }
        assert!(!b.is_empty() || tp != &troot);
    }
    tlines
}

// ---- against strace -----------------------------------------------------

#[test]
fn a_shell_pipeline_with_forks_matches_strace() {
    // dash's SIGCHLD handler and wait4 loop run as often as the children's
    // timing makes them: those are the calls left out.
    let lines = compare_with_strace("pipeline", &["sh", "-c", "echo hi | cat"], &["wait4", "rt_sigreturn", "--- signal 17"]);
    assert!(lines.iter().filter(|l| l.ends_with("<new process>")).count() == 2, "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("execve(\"/usr/bin/cat\"") || l.contains("execve(\"/bin/cat\"")));
    assert!(lines.iter().filter(|l| l.contains("process exit, rval = 0")).count() == 3);
}

#[test]
fn a_multithreaded_program_matches_strace() {
    // pthread_join waits on a futex only if the thread is still running.
    let lines = compare_with_strace("threads", &[prog("threads").to_str().unwrap()], &["futex"]);
    let born: Vec<&String> = lines.iter().filter(|l| l.contains("<new thread ")).collect();
    let gone: Vec<&String> = lines.iter().filter(|l| l.contains("exited>")).collect();
    assert_eq!((born.len(), gone.len()), (2, 2), "{lines:?}");
    // The tid column is the Linux tid, and the thread's lines carry it.
    let tid = born[0].split_whitespace().nth(1).unwrap().trim_end_matches(':');
    assert!(born[0].ends_with(&format!("<new thread {tid}>")), "{}", born[0]);
    assert!(lines.iter().any(|l| l.contains(&format!(" {tid}: getppid()"))), "{lines:?}");
    assert!(lines.iter().any(|l| l.contains(&format!(" {tid}: exit(0)"))), "{lines:?}");
}

#[test]
fn a_program_that_execs_matches_strace() {
    let lines = compare_with_strace("execs", &[prog("execs").to_str().unwrap()], &[]);
    assert!(lines.iter().any(|l| l.contains("execve(\"/nonexistent/true\"") && l.ends_with("ERR#2 'No such file or directory'")));
    assert!(lines.iter().any(|l| l.contains("execve(\"/bin/true\"") && l.ends_with(" = 0 (0x0)")));
}

#[test]
fn a_program_that_takes_signals_matches_strace() {
    let lines = compare_with_strace("signals", &[prog("signals").to_str().unwrap()], &[]);
    assert!(lines.iter().any(|l| l.contains("SIGNAL 10 (SIGUSR1) code=SI_TKILL pid=")), "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("SIGNAL 12 (SIGUSR2) code=SI_USER pid=")), "{lines:?}");
}

#[test]
fn a_program_whose_syscalls_fail_matches_strace() {
    let lines = compare_with_strace("fails", &[prog("fails").to_str().unwrap()], &[]);
    for want in [
        "openat(AT_FDCWD,\"/nonexistent/file\",O_RDONLY",
        "close(-1)",
        "mkdir(\"/\",0755)",
        "ioctl(",
    ] {
        assert!(lines.iter().any(|l| l.contains(want) && l.contains(" ERR#")), "{want}: {lines:?}");
    }
    assert!(lines.iter().any(|l| l.contains("lseek(") && l.ends_with("ERR#29 'Illegal seek'")), "{lines:?}");
}

// ---- 32-bit programs (i386 calls) ----------------------------------------

#[test]
fn a_32_bit_ls_like_program_matches_strace() {
    let dir = tmpdir().join(format!("lsdir-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["a", "bb", "ccc"] {
        std::fs::write(dir.join(f), f).unwrap();
    }
    let p = prog32("lsdir");
    let lines = compare_with_strace("lsdir32", &[p.to_str().unwrap(), dir.to_str().unwrap()], &[]);
    // Announced once, before the program's first call.
    assert_eq!(lines.iter().filter(|l| l.ends_with("<runs in 32 bit mode>")).count(), 1, "{lines:?}");
    assert!(lines[0].ends_with("<runs in 32 bit mode>"), "{lines:?}");
    // The i386 calls by name, with their arguments read in i386's layouts:
    // a split 64-bit offset is one argument, mmap2's offset is in bytes;
    // structures shown by content (user_desc, _llseek's result, statx by
    // the per-call decoder).
    for want in [
        "mmap2(0x0,",
        "_llseek(3,0,[0],SEEK_SET)",
        "pread64(3,\"",
        ",10,2) = 10 (0xa)",
        "clock_nanosleep(CLOCK_REALTIME,0,{ 0.000001000 },",
        "set_thread_area({ entry_number=-1,base_addr=0x",
        "statx(3,\"\",AT_STATX_SYNC_AS_STAT|AT_NO_AUTOMOUNT|AT_EMPTY_PATH,STATX_BASIC_STATS,{ stx_mask=",
        "ugetrlimit(RLIMIT_STACK,{ cur=",
        "O_LARGEFILE",
    ] {
        assert!(lines.iter().any(|l| l.contains(want)), "{want}: {lines:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_32_bit_program_whose_syscalls_fail_matches_strace() {
    let lines = compare_with_strace("fails32", &[prog32("fails").to_str().unwrap()], &[]);
    assert!(lines.iter().any(|l| l.contains("close(-1)") && l.contains(" ERR#9")), "{lines:?}");
}

#[test]
fn a_32_bit_multithreaded_program_matches_strace() {
    let lines = compare_with_strace("threads32", &[prog32("threads").to_str().unwrap()], &["futex", "futex_time64"]);
    // Every thread is announced in 32-bit mode once.
    let born = lines.iter().filter(|l| l.contains("<new thread ")).count();
    let modes = lines.iter().filter(|l| l.ends_with("<runs in 32 bit mode>")).count();
    assert_eq!((born, modes), (2, 3), "{lines:?}");
}

/// The calls only i386 has (tests/truss_progs/compat32.c): socketcall
/// and ipc shown as their sub-calls (strace's names and arguments), the
/// old stat family and getdents read in their i386 layouts, msghdrs and
/// mmsghdrs in i386's.
#[test]
fn a_32_bit_programs_multiplexed_and_old_calls_match_strace() {
    let lines = compare_with_strace("compat32", &[prog32("compat32").to_str().unwrap()], &[]);
    for want in [
        "oldstat(\"/etc/passwd\",{ mode=-rw-r--r-- ,inode=",
        "oldfstat(3,{ mode=-rw-r--r-- ,inode=",
        "stat(\"/etc/passwd\",{ mode=-rw-r--r-- ,inode=",
        "lstat(\"/dev/null\",{ mode=crw-rw-rw- ,inode=",
        ",rdev=makedev(0x1,0x3) })",
        "getdents(3,0x",
        "readdir(3,{ d_ino=",
        "socket(AF_INET,SOCK_STREAM,IPPROTO_IP)",
        "bind(3,{ AF_INET 127.0.0.1:0 },16)",
        "send(4,\"ping\",4,0)",
        "recv(5,\"ping\",4096,0)",
        "shutdown(4,SHUT_WR)",
        "sendmsg(6,{ msg_name=NULL,msg_namelen=0,msg_iov=[{\"ab\",2},{\"cde\",3}],msg_iovlen=2,msg_control=[{ cmsg_len=16,cmsg_level=SOL_SOCKET,cmsg_type=SCM_RIGHTS,cmsg_data=[6] }],msg_controllen=16,msg_flags=0 },0) = 5",
        "recvmsg(7,{ msg_name=NULL,msg_namelen=0,msg_iov=[{\"abcde\",8}],msg_iovlen=1,msg_control=[{ cmsg_len=16,",
        "recvmmsg(7,[{ msg_hdr={ msg_name=NULL,msg_namelen=0,msg_iov=[{\"ab\",4}],msg_iovlen=1,",
        "msg_len=3 }],2,MSG_DONTWAIT,NULL) = 2",
        "semget(IPC_PRIVATE,1,IPC_CREAT|0600)",
        ",[{ sem_num=0,sem_op=1,sem_flg=IPC_NOWAIT }],1) = 0",
        ",0,IPC_RMID,[NULL])",
        "shmget(IPC_PRIVATE,4096,IPC_CREAT|0600)",
        " = 0 (0x0) (shmaddr 0x",
        ",{ mtype=1,mtext=\"hi\\0\" },3,0)",
        ",{ mtype=1,mtext=\"hi\\0\\0\\0\\0\\0\\0\" },8,0,0) = 3",
    ] {
        assert!(lines.iter().any(|l| l.contains(want)), "{want}: {lines:?}");
    }
    assert!(!lines.iter().any(|l| l.contains("socketcall(") || l.contains("ipc(")), "{lines:?}");
}

#[test]
fn a_trace_filter_picks_i386_calls_by_their_x86_64_twins() {
    // -e trace=lseek,pread64 shows i386's _llseek and pread64; nothing else.
    let p = prog32("lsdir");
    let (o, lines) = truss_to_file("filter32", &["-e", "trace=lseek,pread64", p.to_str().unwrap(), "/"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let calls: Vec<&String> = lines.iter().filter(|l| l.contains('(')).collect();
    assert_eq!(calls.len(), 2, "{lines:?}");
    assert!(calls[0].starts_with("_llseek(") && calls[1].starts_with("pread64("), "{lines:?}");
}

#[test]
fn a_trace_filter_picks_socketcall_and_ipc_sub_calls_by_name() {
    // strace's filters see a socketcall or ipc as its sub-call; so do ours.
    let p = prog32("compat32");
    let (o, lines) = truss_to_file("filter-sub32", &["-e", "trace=socket,semop,%ipc", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let names: Vec<&str> = lines.iter().filter(|l| l.contains('(')).map(|l| &l[..l.find('(').unwrap()]).collect();
    assert_eq!(
        names,
        ["socket", "socket", "socket", "semget", "semop", "semctl", "shmget", "shmat", "shmdt", "shmctl", "msgget", "msgsnd", "msgrcv", "msgctl"],
        "{lines:?}"
    );
}

// ---- truss's own interface ----------------------------------------------

#[test]
fn output_goes_to_the_o_file_and_not_to_stderr() {
    let (o, lines) = truss_to_file("o", &[prog("writes").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stderr(&o), "");
    assert_eq!(o.stdout, vec![b'a'; 100]);
    assert_eq!(lines.last().unwrap(), "process exit, rval = 0");
    // Without -f there is no pid column.
    assert!(lines.iter().any(|l| l.starts_with("write(1,")), "{lines:?}");
}

#[test]
fn without_o_lines_go_to_stderr() {
    let o = truss(&[prog("writes").to_str().unwrap()]);
    let e = stderr(&o);
    assert!(e.contains("write(1,\"aaaa") && e.ends_with("process exit, rval = 0\n"), "{e}");
}

#[test]
fn s_limits_strings_and_marks_the_cut() {
    let (_, lines) = truss_to_file("s", &["-s", "10", prog("writes").to_str().unwrap()]);
    let w = lines.iter().find(|l| l.starts_with("write(1,")).unwrap();
    assert!(w.starts_with("write(1,\"aaaaaaaaaa\"...,100)"), "{w}");
    assert!(w.ends_with(" = 100 (0x64)"), "{w}");
    let (_, lines) = truss_to_file("s32", &[prog("writes").to_str().unwrap()]);
    let w = lines.iter().find(|l| l.starts_with("write(1,")).unwrap();
    assert!(w.starts_with(&format!("write(1,\"{}\"...,100)", "a".repeat(32))), "{w}");
}

#[test]
fn c_prints_only_the_summary_table() {
    let (o, lines) = truss_to_file("c", &["-c", prog("getppid").to_str().unwrap(), "1000"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(lines[0], format!("{:<20}{:>15}{:>8}{:>8}", "syscall", "seconds", "calls", "errors"));
    let sep = lines.iter().position(|l| l.trim_start().starts_with("-------------")).expect("separator");
    assert_eq!(sep, lines.len() - 2, "{lines:?}");
    let row = lines.iter().find(|l| l.starts_with("getppid ")).expect("getppid row");
    let cols: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cols[2..], ["1000", "0"], "{row}");
    // Rows are `%-20s%5d.%09d%8d%8d`.
    for l in &lines[1..sep] {
        assert_eq!(l.len(), 20 + 15 + 8 + 8, "{l:?}");
        assert_eq!(&l[25..26], ".", "{l:?}");
    }
    let total: u64 = lines[sep + 1].split_whitespace().nth(1).unwrap().parse().unwrap();
    let sum: u64 = lines[1..sep].iter().map(|l| l.split_whitespace().nth(2).unwrap().parse::<u64>().unwrap()).sum();
    assert_eq!(total, sum);
    assert!(!lines.iter().any(|l| l.contains("process exit")));
}

#[test]
fn e_trace_openat_shows_only_openat_through_the_seccomp_filter() {
    let (o, lines) = truss_to_file("eopen", &["-e", "trace=openat", "cat", "/etc/hostname"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(o.stdout, std::fs::read("/etc/hostname").unwrap());
    let (last, calls) = lines.split_last().unwrap();
    assert_eq!(last, "process exit, rval = 0");
    assert!(calls.iter().all(|l| l.starts_with("openat(")), "{lines:?}");
    assert!(calls.iter().any(|l| l.starts_with("openat(AT_FDCWD,\"/etc/hostname\",O_RDONLY")), "{lines:?}");
    // The same lines without the filter, filtering in truss.
    let (_, user) = truss_to_file("eopen-user", &["--no-seccomp", "-e", "trace=openat", "cat", "/etc/hostname"]);
    let strip = |v: &[String]| v.iter().map(|l| l.split(") ").next().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(strip(&lines), strip(&user));
}

#[test]
fn filtered_children_keep_working_and_are_shown_only_with_f() {
    // The seccomp filter is inherited: an untraced child would get ENOSYS
    // from openat, so truss follows it silently without -f. (Fails about
    // once in 100 runs until the engine bug shown by
    // `engine_bug_early_fork_child_is_lost` is fixed.)
    let argv = ["-e", "trace=openat", "sh", "-c", "cat /etc/hostname; true"];
    let (o, lines) = truss_to_file("echild", &argv);
    assert_eq!(o.stdout, std::fs::read("/etc/hostname").unwrap(), "{}\n{lines:?}", stderr(&o));
    assert!(!lines.iter().any(|l| l.contains("/etc/hostname")), "{lines:?}");
    let mut f = vec!["-f"];
    f.extend_from_slice(&argv);
    let (o, lines) = truss_to_file("echild-f", &f);
    assert_eq!(o.stdout, std::fs::read("/etc/hostname").unwrap());
    assert!(lines.iter().any(|l| l.contains("openat(AT_FDCWD,\"/etc/hostname\"") && l.ends_with("(0x3)")), "{lines:?}");
    // Only openat calls; signals and process events stay.
    assert!(lines.iter().all(|l| [": openat(", ": process exit", ": <new process>", ": SIGNAL 17 (SIGCHLD)"].iter().any(|k| l.contains(k))), "{lines:?}");
}

#[test]
fn e_signal_and_s_choose_the_signal_lines() {
    let p = prog("signals");
    let (_, lines) = truss_to_file("esig", &["-e", "signal=SIGUSR2", p.to_str().unwrap()]);
    let sigs: Vec<&String> = lines.iter().filter(|l| l.starts_with("SIGNAL")).collect();
    assert_eq!(sigs.len(), 1, "{lines:?}");
    assert!(sigs[0].starts_with("SIGNAL 12 (SIGUSR2)"));
    let (o, lines) = truss_to_file("S", &["-S", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "the signals were still delivered");
    assert!(!lines.iter().any(|l| l.starts_with("SIGNAL")), "{lines:?}");
}

#[test]
fn y_shows_the_paths_of_descriptors() {
    let (_, lines) = truss_to_file("y", &["-y", "cat", "/etc/hostname"]);
    assert!(lines.iter().any(|l| l.starts_with("read(3</etc/hostname>,")), "{lines:?}");
    assert!(lines.iter().any(|l| l.starts_with("close(3</etc/hostname>)")), "{lines:?}");
    assert!(lines.iter().any(|l| l.starts_with("openat(AT_FDCWD,\"/etc/hostname\"") && l.contains(" = 3</etc/hostname> (0x3)")), "{lines:?}");
}

#[test]
fn json_gives_one_object_per_event() {
    let (_, lines) = truss_to_file("json", &["--json", "-f", "sh", "-c", "true | true"]);
    assert!(lines.iter().all(|l| l.starts_with("{\"type\":\"") && l.ends_with('}')), "{lines:?}");
    assert!(lines.iter().any(|l| l.starts_with("{\"type\":\"syscall\"") && l.contains("\"name\":\"pipe2\"")));
    assert_eq!(lines.iter().filter(|l| l.starts_with("{\"type\":\"new_process\"")).count(), 2, "{lines:?}");
    assert_eq!(lines.iter().filter(|l| l.starts_with("{\"type\":\"exit\"")).count(), 3);
}

#[test]
fn timestamps_and_the_tid_column_prefix_each_line() {
    let (_, lines) = truss_to_file("dD", &["-d", "-D", "-H", prog("writes").to_str().unwrap()]);
    for l in &lines {
        let (tid, rest) = l.split_once(": ").unwrap();
        assert_eq!(tid.len(), 6, "{l}");
        let mut w = rest.split(' ');
        for _ in 0..2 {
            let ts = w.next().unwrap();
            let (s, ns) = ts.split_once('.').unwrap_or_else(|| panic!("{l}"));
            assert!(s.parse::<u64>().is_ok() && ns.len() == 9, "{l}");
        }
    }
}

#[test]
fn the_commands_exit_status_is_truss_exit_status() {
    assert_eq!(truss(&["sh", "-c", "exit 7"]).status.code(), Some(7));
    let (o, lines) = truss_to_file("kill", &["sh", "-c", "kill -TERM $$"]);
    assert_eq!(o.status.code(), Some(128 + 15));
    assert_eq!(lines.last().unwrap(), "process killed, signal = 15");
    let o = truss(&["/nonexistent/program"]);
    assert_eq!(o.status.code(), Some(127));
    assert!(stderr(&o).contains("/nonexistent/program"), "{}", stderr(&o));
}

#[test]
fn usage_errors_exit_1() {
    for args in [&[][..], &["-p", "1", "true"], &["-j", "true"], &["-e", "trace=nosuch", "true"]] {
        let o = truss(args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(stderr(&o).contains("usage: bsdtrace truss [-facedDHS]"), "{}", stderr(&o));
    }
}

#[test]
fn attaching_to_itself_is_refused() {
    let o = Command::new("sh").arg("-c").arg(format!("exec {BIN} truss -p $$")).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o), "bsdtrace truss: attempt to grab self.\n");
}

fn proc_status(pid: i32, field: &str) -> String {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    s.lines().find_map(|l| l.strip_prefix(&format!("{field}:")).map(|v| v.trim().to_string())).unwrap()
}

#[test]
fn p_attaches_and_sigint_detaches_leaving_the_process_running() {
    for sig in [libc::SIGINT, libc::SIGTERM] {
        let mut target = Command::new(prog("loop")).stdout(Stdio::piped()).spawn().unwrap();
        let pid = target.id() as i32;
        let mut tout = BufReader::new(target.stdout.take().unwrap());
        let mut line = String::new();
        tout.read_line(&mut line).unwrap();
        assert_eq!(line, format!("ready {pid}\n"));
        let state_before = proc_status(pid, "State");

        let mut tr = Command::new(BIN).args(["truss", "-p", &pid.to_string()]).stderr(Stdio::piped()).spawn().unwrap();
        let mut err = BufReader::new(tr.stderr.take().unwrap());
        // An attached trace is line-buffered: wait for a whole call.
        let mut seen = Vec::new();
        loop {
            let mut l = String::new();
            assert!(err.read_line(&mut l).unwrap() > 0, "truss ended early: {seen:?}");
            let done = l.starts_with("getppid()") && l.contains(" = ");
            seen.push(l);
            if done {
                break;
            }
        }
        assert_eq!(proc_status(pid, "TracerPid"), tr.id().to_string());
        unsafe { libc::kill(tr.id() as i32, sig) };
        let st = tr.wait().unwrap();
        let mut rest = String::new();
        err.read_to_string(&mut rest).unwrap();
        assert_eq!(st.code(), Some(0), "{rest}");

        // Detached: no tracer, not stopped, and still ticking.
        assert_eq!(proc_status(pid, "TracerPid"), "0");
        let state = proc_status(pid, "State");
        assert!(!state.starts_with('t') && !state.starts_with('T'), "state {state} (before: {state_before})");
        for _ in 0..3 {
            line.clear();
            tout.read_line(&mut line).unwrap();
            assert_eq!(line, "tick\n");
        }
        target.kill().unwrap();
        target.wait().unwrap();
    }
}

#[test]
fn p_reports_the_process_exit_when_it_ends_first() {
    let mut target = Command::new("sh").arg("-c").arg("read x; exit 4").stdin(Stdio::piped()).spawn().unwrap();
    let pid = target.id() as i32;
    let f = out_file("pexit");
    let mut tr = Command::new(BIN).args(["truss", "-o", f.to_str().unwrap(), "-p", &pid.to_string()]).spawn().unwrap();
    // The shell blocks in read(0): once truss is its tracer, let it go on.
    while proc_status(pid, "TracerPid") == "0" {
        std::thread::yield_now();
    }
    drop(target.stdin.take());
    assert_eq!(tr.wait().unwrap().code(), Some(0));
    let _ = target.wait();
    let text = std::fs::read_to_string(&f).unwrap();
    let _ = std::fs::remove_file(&f);
    // (Closing stdin races with the attach: the shell may be past its
    // exit_group before the attach stop, so only the exit line is sure.)
    assert!(text.ends_with("process exit, rval = 4\n"), "{text}");
}

#[test]
fn p_traces_every_thread_and_sigquit_detaches_them_all() {
    let mut target = Command::new(prog("loop")).arg("threads").stdout(Stdio::piped()).spawn().unwrap();
    let pid = target.id() as i32;
    let mut tout = BufReader::new(target.stdout.take().unwrap());
    let mut line = String::new();
    tout.read_line(&mut line).unwrap();
    let mut tr = Command::new(BIN).args(["truss", "-H", "-p", &pid.to_string()]).stderr(Stdio::piped()).spawn().unwrap();
    let mut err = BufReader::new(tr.stderr.take().unwrap());
    // Both threads' calls show up, each under its own tid.
    let (mut main_seen, mut other_seen) = (false, false);
    while !(main_seen && other_seen) {
        let mut l = String::new();
        assert!(err.read_line(&mut l).unwrap() > 0, "truss ended early");
        let (tid, call) = l.split_once(": ").unwrap();
        let tid: i32 = tid.trim().parse().unwrap();
        main_seen |= tid == pid && call.starts_with("getppid()");
        other_seen |= tid != pid && call.starts_with("getuid()");
    }
    unsafe { libc::kill(tr.id() as i32, libc::SIGQUIT) };
    assert_eq!(tr.wait().unwrap().code(), Some(0));
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).unwrap() {
        let s = std::fs::read_to_string(task.unwrap().path().join("status")).unwrap();
        let field = |f: &str| s.lines().find_map(|l| l.strip_prefix(f).map(|v| v.trim().to_string())).unwrap();
        assert_eq!(field("TracerPid:"), "0");
        let state = field("State:");
        assert!(!state.starts_with('t') && !state.starts_with('T'), "{state}");
    }
    line.clear();
    tout.read_line(&mut line).unwrap();
    assert_eq!(line, "tick\n");
    target.kill().unwrap();
    target.wait().unwrap();
}

/// Engine bug reproducer, for the engine's owner (run with `--ignored`;
/// fails within a few hundred rounds here): a followed (v)fork child whose
/// first stop (PTRACE_EVENT_STOP) is reaped before its parent's
/// PTRACE_EVENT_FORK/VFORK is taken for a PT_TRACE_ME child
/// (`engine/mod.rs` `dispatch_unknown` asks `adoptable()` before keeping
/// the stop in `early`). `adopt_traceme` then PTRACE_DETACHes it (the
/// SIGSTOP is ignored at an event stop), its `wait4(tid)` fails with ECHILD
/// (not our child) and it returns: the child runs on untraced and is never
/// reported. Under a seccomp filter its traced calls fail with ENOSYS
/// (`filtered_children_keep_working...` then fails, ~1 run in 100).
/// dash's vfork makes it likely. Suggested fix: a first stop with
/// `status >> 16 == PTRACE_EVENT_STOP` is an auto-attached child (early),
/// never a PT_TRACE_ME one.
#[test]
#[ignore]
fn engine_bug_early_fork_child_is_lost() {
    // Two truss processes at a time, as the full suite runs them; seen
    // within 500-1500 runs here. (The same loop inside one process, with
    // the engine driven directly, did not trip it in 3000 rounds.)
    let workers: Vec<_> = (0..2)
        .map(|_| {
            std::thread::spawn(|| {
                let want = std::fs::read("/etc/hostname").unwrap();
                for round in 0..2000 {
                    let o = truss(&["-o", "/dev/null", "-e", "trace=openat", "sh", "-c", "cat /etc/hostname; true"]);
                    assert_eq!(o.stdout, want, "round {round}: the vfork child ran untraced: {}", stderr(&o));
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
}

#[test]
fn p_detaches_from_an_idle_process_blocked_in_a_read() {
    let mut target = Command::new("sh")
        .args(["-c", "read x; echo got $x"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = target.id() as i32;
    let mut tr = Command::new(BIN).args(["truss", "-o", "/dev/null", "-p", &pid.to_string()]).spawn().unwrap();
    while proc_status(pid, "TracerPid") != tr.id().to_string() {
        std::thread::yield_now();
    }
    unsafe { libc::kill(tr.id() as i32, libc::SIGINT) };
    // No syscall of the target will wake truss: the detach must not need one.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let st = loop {
        if let Some(st) = tr.try_wait().unwrap() {
            break st;
        }
        assert!(std::time::Instant::now() < deadline, "truss -p did not detach from an idle process");
        std::thread::yield_now();
    };
    assert_eq!(st.code(), Some(0));
    assert_eq!(proc_status(pid, "TracerPid"), "0");
    let state = proc_status(pid, "State");
    assert!(state.starts_with('S'), "{state}");
    use std::io::Write;
    target.stdin.take().unwrap().write_all(b"it\n").unwrap();
    let mut out = String::new();
    target.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    assert_eq!(out, "got it\n");
    assert!(target.wait().unwrap().success());
}
