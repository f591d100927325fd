//! `bsdtrace procstat` end to end, on real processes: a helper program
//! (compiled once with cc) that names two threads, blocks SIGHUP in one,
//! catches SIGUSR1, ignores SIGUSR2, sets a umask and an rlimit, and holds
//! a file, a pipe, TCP and unix sockets and an eventfd open until its stdin
//! closes. Every table is checked against /proc and ps(1); the interface
//! (headers, -h, aliases, word commands, errors, exit statuses) against
//! FreeBSD's procstat(1).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;

const BIN: &str = env!("CARGO_BIN_EXE_bsdtrace");

const HELPER_C: &str = r#"
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_barrier_t bar;
static void on_usr1(int s) { (void)s; }

static void *worker(void *name) {
    pthread_setname_np(pthread_self(), (const char *)name);
    if (strcmp(name, "blocker") == 0) {
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &s, NULL);
    }
    pthread_barrier_wait(&bar);
    for (;;)
        pause();
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2)
        return 2;
    umask(027);
    struct rlimit rl = { 100, 200 };
    setrlimit(RLIMIT_NOFILE, &rl);
    signal(SIGUSR1, on_usr1);
    signal(SIGUSR2, SIG_IGN);
    char path[4096];
    snprintf(path, sizeof path, "%s/data.txt", argv[1]);
    int f = open(path, O_RDWR | O_CREAT | O_APPEND, 0600);
    if (f < 0 || write(f, "hello", 5) != 5)
        return 3;
    /* An flock(2) lock on the whole file and an fcntl(2) read lock on bytes 1-2. */
    struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 1, .l_len = 2 };
    if (flock(f, LOCK_EX) != 0 || fcntl(f, F_SETLK, &fl) != 0)
        return 8;
    int p[2];
    if (pipe(p) != 0)
        return 4;
    int t = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t sl = sizeof sin;
    if (bind(t, (struct sockaddr *)&sin, sizeof sin) || listen(t, 1) ||
        getsockname(t, (struct sockaddr *)&sin, &sl))
        return 5;
    int u = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s/sock", argv[1]);
    if (bind(u, (struct sockaddr *)&sun, sizeof sun) || listen(u, 1))
        return 6;
    int e = eventfd(0, 0);
    pthread_t a, b;
    pthread_barrier_init(&bar, NULL, 3);
    pthread_create(&a, NULL, worker, "worker-a");
    pthread_create(&b, NULL, worker, "blocker");
    pthread_barrier_wait(&bar);
    /* A child left unreaped: a zombie to describe. */
    pid_t z = fork();
    if (z == 0)
        _exit(0);
    siginfo_t si;
    if (z < 0 || waitid(P_PID, z, &si, WEXITED | WNOWAIT) != 0)
        return 7;
    printf("%d %d %d %d %d %d %d %d\n", f, p[0], p[1], t, ntohs(sin.sin_port), u, e, (int)z);
    fflush(stdout);
    char c;
    while (read(0, &c, 1) > 0)
        ;
    return 0;
}
"#;

fn helper_bin() -> &'static PathBuf {
    static P: OnceLock<PathBuf> = OnceLock::new();
    P.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let src = dir.join(format!("psholder-{}.c", std::process::id()));
        let tmp = dir.join(format!("psholder-{}", std::process::id()));
        let out = dir.join("psholder");
        std::fs::write(&src, HELPER_C).unwrap();
        let st = Command::new("cc").args(["-O2", "-Wall", "-pthread", "-o"]).arg(&tmp).arg(&src).status().expect("cc");
        assert!(st.success(), "compiling the helper failed");
        std::fs::rename(&tmp, &out).unwrap();
        let _ = std::fs::remove_file(&src);
        out
    })
}

/// A running helper. Dropping it closes its stdin and reaps it.
struct Holder {
    child: Child,
    dir: PathBuf,
    file_fd: i32,
    pipe_r: i32,
    pipe_w: i32,
    tcp_fd: i32,
    tcp_port: u16,
    unix_fd: i32,
    event_fd: i32,
    /// An exited, unreaped child of the helper.
    zombie: i32,
}

impl Holder {
    fn spawn(tag: &str) -> Holder {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("procstat-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut child = Command::new(helper_bin())
            .arg(&dir)
            .arg("second argument")
            .current_dir(&dir)
            .env_clear()
            // Command passes the environment sorted by name.
            .env("PROCSTAT_TEST", "known value")
            .env("OTHER", "x=y")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // Not our stderr: when that is a log file that grows while the
            // tests run, its offset would change between two listings.
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let v: Vec<i64> = line.split_whitespace().map(|s| s.parse().unwrap()).collect();
        assert_eq!(v.len(), 8, "helper said {line:?}");
        Holder {
            child,
            dir,
            file_fd: v[0] as i32,
            pipe_r: v[1] as i32,
            pipe_w: v[2] as i32,
            tcp_fd: v[3] as i32,
            tcp_port: v[4] as u16,
            unix_fd: v[5] as i32,
            event_fd: v[6] as i32,
            zombie: v[7] as i32,
        }
    }

    fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Stop the helper and wait (wait4(WUNTRACED): it is our child) until
    /// every thread has stopped, so its threads hold still while examined.
    fn stop(&self) {
        bsdtrace::sys::kill(self.pid(), libc::SIGSTOP).unwrap();
        let (_, st) = bsdtrace::sys::wait4(self.pid(), bsdtrace::sys::WUNTRACED).unwrap().unwrap();
        assert!(libc::WIFSTOPPED(st));
    }

    fn tids(&self) -> Vec<i32> {
        let mut v: Vec<i32> = std::fs::read_dir(format!("/proc/{}/task", self.pid()))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_str().unwrap().parse().unwrap())
            .collect();
        v.sort_unstable();
        v
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        let _ = bsdtrace::sys::kill(self.pid(), libc::SIGCONT);
        drop(self.child.stdin.take());
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn procstat(args: &[&str]) -> Output {
    Command::new(BIN).arg("procstat").args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// stdout of a successful run, as lines.
fn ok_lines(o: &Output) -> Vec<String> {
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(o));
    stdout(o).lines().map(str::to_string).collect()
}

fn proc_status(pid: i32, key: &str) -> String {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    s.lines().find_map(|l| l.strip_prefix(&format!("{key}:"))).unwrap_or("").trim().to_string()
}

fn is_root() -> bool {
    proc_status(std::process::id() as i32, "Uid").split_whitespace().nth(1) == Some("0")
}

/// A directory holding links to the binary under the alias names.
fn alias_dir() -> &'static PathBuf {
    static D: OnceLock<PathBuf> = OnceLock::new();
    D.get_or_init(|| {
        let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("procstat-aliases-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        for name in ["procstat", "pargs", "penv", "pwdx"] {
            let _ = std::os::unix::fs::symlink(BIN, d.join(name));
        }
        d
    })
}

fn alias(name: &str, args: &[&str]) -> Output {
    Command::new(alias_dir().join(name)).args(args).output().unwrap()
}

// ---- basic --------------------------------------------------------------

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

// ---- threads, signals, cpuset, kstack ------------------------------------

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

// ---- arguments, environment, binary, aliases -----------------------------

#[test]
fn arguments_environment_and_binary() {
    let h = Holder::spawn("args");
    let pid = h.pid().to_string();
    let dir = h.dir.to_str().unwrap();
    let lines = ok_lines(&procstat(&["-c", &pid]));
    assert_eq!(lines[0], format!("{:>5} {:<16} {:<53}", "PID", "COMM", "ARGS"));
    assert_eq!(lines[1], format!("{pid:>5} {:<16} {} {dir} second argument", "psholder", helper_bin().display()));
    assert_eq!(ok_lines(&procstat(&["arguments", &pid])), lines);
    assert_eq!(ok_lines(&procstat(&["args", &pid])), lines);

    let lines = ok_lines(&procstat(&["-e", &pid]));
    assert_eq!(lines[0], format!("{:>5} {:<16} {:<53}", "PID", "COMM", "ENVIRONMENT"));
    assert_eq!(lines[1], format!("{pid:>5} {:<16} OTHER=x=y PROCSTAT_TEST=known value", "psholder"));
    assert_eq!(ok_lines(&procstat(&["env", &pid])), lines);

    let lines = ok_lines(&procstat(&["-b", &pid]));
    assert_eq!(lines[0], format!("{:>5} {:<16} {:>8} {}", "PID", "COMM", "OSREL", "PATH"));
    assert_eq!(lines[1], format!("{pid:>5} {:<16} {:>8} {}", "psholder", 0, helper_bin().display()));
    assert_eq!(ok_lines(&procstat(&["bin", &pid])), lines);
}

#[test]
fn pargs_penv_pwdx_by_alias_by_subcommand_and_by_word() {
    let h = Holder::spawn("alias");
    let pid = h.pid().to_string();
    let dir = h.dir.to_str().unwrap();
    let argv =
        format!("{pid}:  psholder\nargv[0]: {}\nargv[1]: {dir}\nargv[2]: second argument\n", helper_bin().display());
    let envp = format!("{pid}:  psholder\nenvp[0]: OTHER=x=y\nenvp[1]: PROCSTAT_TEST=known value\n");
    let cwd = format!("{pid}:  {dir}\n");
    for (name, want) in [("pargs", &argv), ("penv", &envp), ("pwdx", &cwd)] {
        assert_eq!(stdout(&alias(name, &[&pid])), *want, "{name} by argv[0]");
        assert_eq!(stdout(&run(&[name, &pid])), *want, "bsdtrace {name}");
        assert_eq!(stdout(&procstat(&[name, &pid])), *want, "procstat {name}");
    }
    // No header, even for several processes.
    let two = stdout(&alias("pwdx", &[&pid, &pid]));
    assert_eq!(two, format!("{cwd}{cwd}"));
    // The procstat alias is procstat itself.
    assert_eq!(stdout(&alias("procstat", &["-c", &pid])), stdout(&procstat(&["-c", &pid])));
}

// ---- files, vm, rlimit, credentials, rusage, auxv ------------------------

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

// ---- --libxo json / xml ----------------------------------------------------

/// `procstat --libxo json ARGS`, parsed; the object of process `pid` in
/// container `container` (FreeBSD: {"procstat": {CONTAINER: {PID: {...}}}}).
fn xo_json(args: &[&str]) -> serde_json::Value {
    let o = procstat(&[&["--libxo", "json"][..], args].concat());
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    let text = stdout(&o);
    assert_eq!(text.lines().count(), 1, "one document per round: {text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: {e}: {text}"));
    assert_eq!(v["__version"], "1");
    v
}

fn xo_proc(args: &[&str], container: &str, pid: i32) -> serde_json::Value {
    let v = xo_json(args);
    let p = &v["procstat"][container][pid.to_string()];
    assert!(p.is_object(), "{args:?}: no procstat.{container}.{pid} in {v}");
    p.clone()
}

#[test]
fn libxo_json_basic_binary_credentials_use_freebsds_names() {
    let h = Holder::spawn("xo-basic");
    let pid = h.pid();
    let p = xo_proc(&[&pid.to_string()], "basic", pid);
    assert_eq!(p["process_id"], pid);
    assert_eq!(p["parent_process_id"], std::process::id());
    assert_eq!(p["threads"], 3);
    assert_eq!(p["command"], "psholder");
    assert_eq!(p["emulation"], "Linux ELF64");
    for k in ["process_group_id", "session_id", "terminal_session_id", "login", "wait_channel"] {
        assert!(!p[k].is_null(), "{k} in {p}");
    }
    let p = xo_proc(&["-b", &pid.to_string()], "binary", pid);
    assert_eq!(p["pathname"], helper_bin().to_str().unwrap());
    assert_eq!(p["osrel"], 0);
    let p = xo_proc(&["-s", &pid.to_string()], "credentials", pid);
    assert_eq!(p["umask"], "027");
    assert_eq!(p["uid"].as_u64().unwrap().to_string(), proc_status(pid, "Uid").split_whitespace().nth(1).unwrap());
    assert!(p["groups"].as_array().is_some_and(|g| !g.is_empty()), "{p}");
    for k in ["ruid", "svuid", "group", "rgid", "svgid", "cr_flags"] {
        assert!(!p[k].is_null(), "{k} in {p}");
    }
}

#[test]
fn libxo_json_arguments_environment_auxv_and_the_aliases() {
    let h = Holder::spawn("xo-args");
    let pid = h.pid();
    let ps = pid.to_string();
    let dir = h.dir.to_str().unwrap();
    let p = xo_proc(&["-c", &ps], "arguments", pid);
    assert_eq!(p["args"], serde_json::json!([helper_bin().to_str().unwrap(), dir, "second argument"]));
    let p = xo_proc(&["-e", &ps], "environment", pid);
    assert_eq!(p["env"], serde_json::json!(["OTHER=x=y", "PROCSTAT_TEST=known value"]));
    let p = xo_proc(&["-x", &ps], "auxv", pid);
    assert_eq!(p["AT_PAGESZ"], 4096);
    assert!(p["AT_ENTRY"].as_str().is_some_and(|s| s.starts_with("0x")), "{p}");
    // procstat pargs: the "args" container; invoked as pargs: top "pargs".
    let p = xo_proc(&["pargs", &ps], "args", pid);
    assert_eq!(p["argv"][2], "second argument");
    let o = alias("penv", &["--libxo", "json", &ps]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["penv"]["env"][&ps]["envp"][1], "PROCSTAT_TEST=known value");
    let o = alias("pwdx", &["--libxo=json", &ps]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["pwdx"]["pwd"][&ps]["cwd"], dir);
}

#[test]
fn libxo_json_threads_signals_cpuset_kstack() {
    let h = Holder::spawn("xo-threads");
    let pid = h.pid();
    h.stop();
    let ps = pid.to_string();
    let tids = h.tids();
    let p = xo_proc(&["-t", &ps], "threads", pid);
    let threads = p["threads"].as_object().unwrap();
    assert_eq!(threads.len(), tids.len());
    let names: Vec<&str> = tids.iter().map(|t| threads[&t.to_string()]["thread_name"].as_str().unwrap()).collect();
    assert!(names.contains(&"worker-a") && names.contains(&"blocker"), "{names:?}");
    for t in &tids {
        let t = &threads[&t.to_string()];
        assert_eq!(t["run_state"], "stop");
        for k in ["thread_id", "cpu", "priority", "wait_channel"] {
            assert!(!t[k].is_null(), "{k} in {t}");
        }
    }
    let p = xo_proc(&["-i", &ps], "signals", pid);
    assert_eq!(p["signals"]["USR1"], serde_json::json!({"list": false, "ignore": false, "catch": true}));
    assert_eq!(p["signals"]["USR2"]["ignore"], true);
    assert_eq!(p["signals"].as_object().unwrap().len(), 64);
    let p = xo_proc(&["-j", "-n", &ps], "thread_signals", pid);
    let masks: Vec<bool> =
        tids.iter().map(|t| p["threads"][t.to_string()]["signals"]["1"]["mask"].as_bool().unwrap()).collect();
    assert_eq!(masks.iter().filter(|m| **m).count(), 1, "only the blocker blocks SIGHUP: {masks:?}");
    let p = xo_proc(&["-S", &ps], "cs", pid);
    let t = &p["threads"][pid.to_string()];
    assert_eq!(t["cpu_set"], proc_status(pid, "Cpus_allowed_list"));
    assert_eq!(t["cpu_set_id"], -1);
    // kstack: a trace list, or the warning when Linux does not allow it.
    let o = procstat(&["--libxo", "json", "-k", &ps]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let threads = &v["procstat"]["kstack"][&ps]["threads"];
    if stderr(&o).is_empty() {
        let t = &threads[pid.to_string()];
        assert!(t["trace"].as_array().is_some_and(|a| !a.is_empty()) || t["state"].is_string(), "{t}");
    }
}

#[test]
fn libxo_json_files_vm_rlimit_rusage() {
    let h = Holder::spawn("xo-files");
    let pid = h.pid();
    let ps = pid.to_string();
    let p = xo_proc(&["-f", &ps], "files", pid);
    let files = p["files"].as_array().unwrap();
    let by_fd = |fd: serde_json::Value| files.iter().find(|f| f["fd"] == fd).unwrap_or_else(|| panic!("{fd} in {p}"));
    assert_eq!(by_fd("cwd".into())["path"], h.dir.to_str().unwrap());
    let f = by_fd(h.file_fd.into());
    assert_eq!(f["fd_type"], "vnode");
    assert_eq!(f["vode_type"], "regular");
    assert_eq!(f["fd_flags"], serde_json::json!(["read", "write", "append", "lock_held"]));
    assert_eq!(f["offset"], 5);
    assert_eq!(by_fd(h.pipe_r.into())["fd_type"], "pipe");
    assert_eq!(by_fd(h.event_fd.into())["fd_type"], "eventfd");
    let t = by_fd(h.tcp_fd.into());
    assert_eq!(t["protocol"], "TCP");
    assert_eq!(t["path"], format!("127.0.0.1:{} *:0", h.tcp_port));
    assert_eq!(by_fd(h.unix_fd.into())["protocol"], "UDS");

    let p = xo_proc(&["-v", &ps], "vm", pid);
    let vm = p["vm"].as_array().unwrap();
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
    assert_eq!(vm.len(), maps.lines().count());
    let first = &vm[0];
    let start = u64::from_str_radix(first["kve_start"].as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
    assert_eq!(format!("{start:x}"), maps.lines().next().unwrap().split('-').next().unwrap().trim_start_matches('0'));
    assert!(vm.iter().any(|e| e["kve_type"] == "vnode" && e["kve_path"] == helper_bin().to_str().unwrap()));
    assert!(vm.iter().all(|e| e["kve_protection"]["read"].is_boolean() && e["kve_flags"]["wired"].is_boolean()));

    let p = xo_proc(&["-l", &ps], "rlimit", pid);
    assert_eq!(p["openfiles"], serde_json::json!({"soft_limit": 100, "hard_limit": 200}));
    assert_eq!(p["cputime"]["soft_limit"], "infinity");

    let p = xo_proc(&["-r", &ps], "rusage", pid);
    assert!(p["user time"].as_str().is_some_and(|t| t.contains(':')), "{p}");
    assert!(p["maximum RSS"].as_u64().is_some_and(|kb| kb > 0), "{p}");
    let p = xo_proc(&["rusage", "-H", &ps], "rusage", pid);
    assert_eq!(p["threads"].as_object().unwrap().len(), h.tids().len());
}

#[test]
fn libxo_json_advlock_lists_the_locks() {
    let h = Holder::spawn("xo-advlock");
    let v = xo_json(&["advlock"]);
    let locks = v["procstat"]["advisory_locks"]["advisory_lock"].as_array().unwrap();
    let mine: Vec<&serde_json::Value> = locks.iter().filter(|l| l["pid"] == h.pid()).collect();
    assert!(mine.iter().any(|l| l["type"] == "FLOCK" && l["rw"] == "RW"), "{mine:?}");
    assert!(mine.iter().any(|l| l["type"] == "FCNTL" && l["rw"] == "RO" && l["start"] == 1 && l["len"] == 2));
}

#[test]
fn libxo_json_with_many_pids_and_all_processes_is_one_document() {
    let h = Holder::spawn("xo-many");
    let me = std::process::id() as i32;
    let v = xo_json(&["-t", &h.pid().to_string(), &me.to_string()]);
    let t = v["procstat"]["threads"].as_object().unwrap();
    assert!(t.contains_key(&h.pid().to_string()) && t.contains_key(&me.to_string()));
    let v = xo_json(&["-a"]);
    assert!(v["procstat"]["basic"]["1"].is_object());
}

#[test]
fn libxo_xml_parses_for_every_view() {
    let h = Holder::spawn("xo-xml");
    let ps = h.pid().to_string();
    for args in [
        &[][..],
        &["-b"],
        &["-c"],
        &["-e"],
        &["-f"],
        &["-i"],
        &["-j"],
        &["-l"],
        &["-r"],
        &["-s"],
        &["-S"],
        &["-t"],
        &["-v"],
        &["-x"],
        &["pwdx"],
    ] {
        let o = procstat(&[&["--libxo", "xml"][..], args, &[ps.as_str()][..]].concat());
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        let text = stdout(&o);
        let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{args:?}: {e}: {text}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "procstat");
        assert_eq!(root.attribute("version"), Some("1"));
        let entry = root.first_element_child().and_then(|c| c.first_element_child()).unwrap();
        assert_eq!(entry.attribute("name"), Some(ps.as_str()), "{args:?}: {text}");
    }
    let o = procstat(&["--libxo", "xml,pretty", "-c", &ps]);
    let doc = roxmltree::Document::parse(std::str::from_utf8(&o.stdout).unwrap()).unwrap();
    let args: Vec<&str> = doc.descendants().filter(|n| n.has_tag_name("args")).filter_map(|n| n.text()).collect();
    assert_eq!(args[2], "second argument");
}

#[test]
fn libxo_rejects_formats_it_does_not_write() {
    let o = procstat(&["--libxo", "html", "1"]);
    assert_eq!(o.status.code(), Some(64));
    assert!(stderr(&o).contains("--libxo: unsupported option 'html'"), "{}", stderr(&o));
}

/// A 32-bit (i386, `cc -m32`) program with two threads, until its stdin
/// closes.
const HELPER32_C: &str = r#"
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
static void *worker(void *a) { for (;;) pause(); return a; }
int main(void) {
    pthread_t t;
    char c;
    pthread_create(&t, NULL, worker, NULL);
    printf("ready\n");
    fflush(stdout);
    while (read(0, &c, 1) > 0)
        ;
    return 0;
}
"#;

#[test]
fn a_32_bit_process_in_every_table_that_differs() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let src = dir.join(format!("ps32-{}.c", std::process::id()));
    let bin = dir.join(format!("ps32-{}", std::process::id()));
    std::fs::write(&src, HELPER32_C).unwrap();
    let st = Command::new("cc").args(["-m32", "-O2", "-Wall", "-pthread", "-o"]).arg(&bin).arg(&src).status().expect("cc");
    assert!(st.success(), "compiling with -m32 failed (it needs gcc-multilib)");
    let mut child = Command::new(&bin).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    let mut ready = String::new();
    BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut ready).unwrap();
    assert_eq!(ready, "ready\n");
    let pid = child.id().to_string();

    // EMUL: FreeBSD's "FreeBSD ELF32" in Linux words; two threads.
    let basic = ok_lines(&procstat(&["-h", &pid]));
    let cols: Vec<&str> = basic[0].split_whitespace().collect();
    assert_eq!((cols[5], cols[8], cols[9]), ("2", "Linux", "ELF32"), "{basic:?}");
    // The auxiliary vector in 32-bit words: i386's AT_SYSINFO, 32-byte
    // program headers.
    let auxv = ok_lines(&procstat(&["-h", "-x", &pid]));
    let val = |k: &str| auxv.iter().find_map(|l| {
        let w: Vec<&str> = l.split_whitespace().collect();
        (w.get(2) == Some(&k)).then(|| w[3].to_string())
    });
    assert_eq!(val("AT_PHENT").as_deref(), Some("32"), "{auxv:?}");
    assert_eq!(val("AT_PAGESZ").as_deref(), Some("4096"), "{auxv:?}");
    assert!(val("AT_SYSINFO").is_some(), "{auxv:?}");
    // Every mapping below 4 GiB.
    let vm = ok_lines(&procstat(&["-h", "-v", &pid]));
    assert!(vm.len() > 5, "{vm:?}");
    for l in &vm {
        let end = l.split_whitespace().nth(2).unwrap();
        let end = u64::from_str_radix(end.trim_start_matches("0x"), 16).unwrap();
        assert!(end <= 1 << 32, "{l}");
    }
    assert_eq!(ok_lines(&procstat(&["-h", "-t", &pid])).len(), 2);

    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    let _ = std::fs::remove_file(&src);
    let _ = std::fs::remove_file(&bin);
}
