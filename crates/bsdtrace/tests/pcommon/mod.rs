//! Shared test harness: the `pnode` tree helper (compiled once with `cc`),
//! process-isolated tests for process-wide state, and /proc readers.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::OnceLock;

const PNODE_C: &str = include_str!("../helpers/pnode.c");

/// Path of the compiled tree helper (built once per test binary; the rename
/// makes concurrent builds from several test binaries safe).
pub fn pnode() -> &'static PathBuf {
    static P: OnceLock<PathBuf> = OnceLock::new();
    P.get_or_init(|| {
        if let Some(p) = std::env::var_os("BSDTRACE_PNODE") {
            return PathBuf::from(p);
        }
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let src = dir.join(format!("pnode-{}.c", std::process::id()));
        let tmp = dir.join(format!("pnode-{}", std::process::id()));
        let out = dir.join("pnode");
        std::fs::write(&src, PNODE_C).unwrap();
        let st = Command::new("cc")
            .args(["-O2", "-Wall", "-Wno-infinite-recursion", "-o"])
            .arg(&tmp)
            .arg(&src)
            .status()
            .expect("cc");
        assert!(st.success(), "compiling pnode failed");
        std::fs::rename(&tmp, &out).unwrap();
        let _ = std::fs::remove_file(&src);
        // Tests run it (and the test binary) as nobody too.
        for d in [dir.as_path(), dir.parent().unwrap()] {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755));
        }
        out
    })
}

/// A running pnode tree. Dropping it closes the tree's stdin: every node
/// reaps its children and exits, and the root is waited for.
pub struct Tree {
    pub child: Child,
    stdin: Option<ChildStdin>,
    out: BufReader<ChildStdout>,
    /// (pid, ppid) of every node that has reported, in report order.
    pub nodes: Vec<(i32, i32)>,
}

impl Tree {
    /// Start `pnode args` in a new process group and wait for `n` reports.
    pub fn spawn(args: &[&str], n: usize) -> Tree {
        let mut cmd = Command::new(pnode());
        cmd.args(args);
        Tree::spawn_cmd(cmd, n)
    }

    pub fn spawn_cmd(mut cmd: Command, n: usize) -> Tree {
        use std::os::unix::process::CommandExt;
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).process_group(0);
        let mut child = cmd.spawn().expect("spawn pnode");
        let stdin = child.stdin.take();
        let out = BufReader::new(child.stdout.take().unwrap());
        let mut t = Tree { child, stdin, out, nodes: Vec::new() };
        for _ in 0..n {
            t.read_node();
        }
        t
    }

    pub fn root(&self) -> i32 {
        self.child.id() as i32
    }

    pub fn pids(&self) -> Vec<i32> {
        self.nodes.iter().map(|n| n.0).collect()
    }

    /// Wait for the next "P pid ppid" report.
    pub fn read_node(&mut self) -> (i32, i32) {
        let mut line = String::new();
        self.out.read_line(&mut line).unwrap();
        let f: Vec<i32> = line.split_whitespace().skip(1).map(|x| x.parse().unwrap()).collect();
        assert_eq!(f.len(), 2, "bad report {line:?}");
        self.nodes.push((f[0], f[1]));
        (f[0], f[1])
    }

    /// Make node `pid` fork one more leaf; returns the leaf's pid once it runs.
    pub fn fork_leaf(&mut self, pid: i32) -> i32 {
        bsdtrace::sys::kill(pid, libc::SIGUSR1).unwrap();
        let (leaf, parent) = self.read_node();
        assert_eq!(parent, pid);
        leaf
    }

    /// Close stdin and wait for the root.
    pub fn finish(mut self) {
        self.stdin.take();
        let _ = self.child.wait();
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        self.stdin.take();
        let _ = self.child.wait();
    }
}

pub fn oom(pid: i32) -> i32 {
    std::fs::read_to_string(format!("/proc/{pid}/oom_score_adj")).unwrap().trim().parse().unwrap()
}

pub fn set_oom(pid: i32, v: i32) {
    std::fs::write(format!("/proc/{pid}/oom_score_adj"), format!("{v}\n")).unwrap();
}

/// Run `body` in a fresh copy of this test binary (one test, one thread's
/// worth of process-wide state: subreaper, dumpable, MDWE, credentials).
pub fn isolated(name: &str, body: impl FnOnce()) {
    isolated_as(name, None, body)
}

/// Like [`isolated`], started as `uid` (gid = uid, no supplementary groups).
pub fn isolated_as(name: &str, uid: Option<u32>, body: impl FnOnce()) {
    if std::env::var("BSDTRACE_ISOLATED").as_deref() == Ok(name) {
        body();
        return;
    }
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([name, "--exact", "--test-threads=1", "--nocapture"]).env("BSDTRACE_ISOLATED", name);
    cmd.env("BSDTRACE_PNODE", pnode()); // built once, before dropping privileges
    if let Some(u) = uid {
        use std::os::unix::process::CommandExt;
        cmd.uid(u).gid(u);
    }
    let out = cmd.output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && text.contains("1 passed"), "isolated test {name} failed:\n{text}");
}

/// Reap every child (we are a subreaper in reaper tests, so orphans count)
/// until none is left.
pub fn reap_all() {
    loop {
        let r = unsafe { libc::waitpid(-1, std::ptr::null_mut(), libc::__WALL) };
        if r < 0 && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            break;
        }
    }
}

/// Drop to `uid` for good (every thread; glibc broadcasts setresuid).
pub fn become_user(uid: u32) {
    unsafe {
        assert_eq!(libc::setgroups(0, std::ptr::null()), 0);
        assert_eq!(libc::setresgid(uid, uid, uid), 0);
        assert_eq!(libc::setresuid(uid, uid, uid), 0);
    }
}

pub const NOBODY: u32 = 65534;

/// State letter of /proc/PID/stat.
pub fn state(pid: i32) -> char {
    bsdtrace::sys::proc::stat(pid).map(|s| s.state).unwrap_or('-')
}
