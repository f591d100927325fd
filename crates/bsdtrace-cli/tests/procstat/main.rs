//! `bsdtrace procstat` end to end, on real processes: a helper program
//! (compiled once with cc) that names two threads, blocks SIGHUP in one,
//! catches SIGUSR1, ignores SIGUSR2, sets a umask and an rlimit, and holds
//! a file, a pipe, TCP and unix sockets and an eventfd open until its stdin
//! closes. Every table is checked against /proc and ps(1); the interface
//! (headers, -h, aliases, word commands, errors, exit statuses) against
//! FreeBSD's procstat(1).
//!
//! This file holds the helper programs and what the tests share; the tests
//! are beside it, a file per group of views (as src/procstat/ is).

mod args;
mod basic;
mod files;
mod i386;
mod libxo;
mod threads;

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
    /* Its own dispositions, not inherited ones (a suite run under nohup
     * would show SIGHUP ignored). */
    signal(SIGHUP, SIG_DFL);
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
