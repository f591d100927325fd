//! What every part of the suite shares: the tracee program, process
//! creation that is safe after fork, the census of what a run left behind,
//! and small helpers.

use std::ffi::CString;
use std::path::PathBuf;

/// The environment variable every process of a run inherits; the census
/// finds what a run left behind by it.
pub const TAG_VAR: &str = "BSDTRACE_FAULT_TAG";

const TRACEE_C: &str = include_str!("tracee.c");

/// The tracee, compiled once per source version into a directory every
/// user can read (the `nobody` runs exec it too).
pub fn tracee() -> &'static str {
    static P: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    P.get_or_init(|| {
        let mut h: u64 = 0xcbf29ce484222325;
        for b in TRACEE_C.bytes() {
            h = (h ^ b as u64).wrapping_mul(0x100000001b3);
        }
        let dir = PathBuf::from(format!("/tmp/bsdtrace-fault-{h:016x}"));
        let exe = dir.join("fault-tracee");
        if !exe.exists() {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::create_dir_all(&dir);
            let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755));
            let src = dir.join(format!("tracee.{}.c", std::process::id()));
            std::fs::write(&src, TRACEE_C).expect("write tracee.c");
            let tmp = dir.join(format!("fault-tracee.{}", std::process::id()));
            let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
            let st = std::process::Command::new(&cc)
                .args(["-O1", "-g", "-static", "-no-pie", "-pthread", "-Wall", "-o"])
                .arg(&tmp)
                .arg(&src)
                .status()
                .unwrap_or_else(|e| panic!("{cc}: {e}"));
            assert!(st.success(), "compiling the fault tracee failed");
            let _ = std::fs::remove_file(&src);
            std::fs::rename(&tmp, &exe).expect("install the fault tracee");
        }
        exe.to_string_lossy().into_owned()
    })
}

/// Fixed addresses in the (static, non-PIE) tracee.
#[derive(Clone, Copy, Debug)]
pub struct Addrs {
    pub scratch: u64,
    pub scratch_len: u64,
    pub code: u64,
}

pub fn addrs() -> Addrs {
    static A: std::sync::OnceLock<Addrs> = std::sync::OnceLock::new();
    *A.get_or_init(|| {
        let out = std::process::Command::new(tracee()).arg("addrs").output().expect("run tracee addrs");
        let text = String::from_utf8_lossy(&out.stdout);
        let mut a = Addrs { scratch: 0, scratch_len: 0, code: 0 };
        for line in text.lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            let hex = |s: &str| u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap_or(0);
            match f.as_slice() {
                ["scratch", at, len] => {
                    a.scratch = hex(at);
                    a.scratch_len = len.parse().unwrap_or(0);
                }
                ["code", at] => a.code = hex(at),
                _ => {}
            }
        }
        assert!(a.scratch != 0 && a.code != 0, "tracee addrs: {text}");
        a
    })
}

/// argv for execv, prepared before fork (nothing may allocate after it).
pub struct Argv {
    _strings: Vec<CString>,
    ptrs: Vec<*const libc::c_char>,
}

impl Argv {
    pub fn new<S: AsRef<str>>(args: &[S]) -> Argv {
        let strings: Vec<CString> = args.iter().map(|a| CString::new(a.as_ref()).unwrap()).collect();
        let mut ptrs: Vec<*const libc::c_char> = strings.iter().map(|s| s.as_ptr()).collect();
        ptrs.push(std::ptr::null());
        Argv { _strings: strings, ptrs }
    }

    pub fn tracee(args: &[&str]) -> Argv {
        let mut v = vec![tracee().to_string()];
        v.extend(args.iter().map(|s| s.to_string()));
        Argv::new(&v)
    }

    /// execv in a forked child; never returns.
    pub fn exec(&self) -> ! {
        // SAFETY: NULL-terminated array of valid C strings.
        unsafe {
            libc::execv(self.ptrs[0], self.ptrs.as_ptr());
            libc::_exit(127)
        }
    }
}

/// fork(); in the child run `child` (only async-signal-safe work) and exit.
/// Standard input and output become /dev/null in the child.
pub fn fork_with(child: impl FnOnce() -> i32) -> i32 {
    // SAFETY: the child only runs `child`, which the callers keep to
    // async-signal-safe calls (ptrace, raise, execv, _exit).
    unsafe {
        let pid = libc::fork();
        assert!(pid >= 0, "fork: {}", std::io::Error::last_os_error());
        if pid == 0 {
            let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
            if null >= 0 {
                libc::dup2(null, 0);
                libc::dup2(null, 1);
            }
            libc::_exit(child());
        }
        pid
    }
}

/// Fork a child that runs `before` (PT_TRACE_ME), says so, and execs the
/// tracee with `args`; returns once `before` has run, so the parent knows
/// the child is traced (or has failed and exited).
pub fn spawn_synced(args: &[&str], before: impl FnOnce() -> bool) -> i32 {
    let argv = Argv::tracee(args);
    let mut fds = [0; 2];
    // SAFETY: valid array.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    let pid = fork_with(|| {
        if !before() {
            return 120;
        }
        // SAFETY: async-signal-safe write of one byte.
        unsafe { libc::write(fds[1], b"t".as_ptr() as *const _, 1) };
        argv.exec()
    });
    let mut b = [0u8; 1];
    // SAFETY: our fds; reading one byte.
    unsafe {
        libc::close(fds[1]);
        libc::read(fds[0], b.as_mut_ptr() as *mut _, 1);
        libc::close(fds[0]);
    }
    pid
}

/// A child that sleeps `us` microseconds, sends `sig` to `pid` (or to the
/// thread `tid` of it when nonzero), and exits.
pub fn killer(pid: i32, tid: i32, sig: i32, us: u64) -> i32 {
    // Made before the fork: the child of a threaded worker must not allocate.
    let task = std::ffi::CString::new(format!("/proc/{pid}/task/{tid}")).expect("no NUL");
    let cmdline = std::ffi::CString::new(format!("/proc/{pid}/cmdline")).expect("no NUL");
    let stat = std::ffi::CString::new(format!("/proc/{pid}/stat")).expect("no NUL");
    let mut before = [0u8; 256];
    let before_len = read_raw(&cmdline, &mut before);
    fork_with(move || {
        // Never freed in the child (it only _exits).
        let (task, cmdline, stat) = (std::mem::ManuallyDrop::new(task), std::mem::ManuallyDrop::new(cmdline), std::mem::ManuallyDrop::new(stat));
        let ts = libc::timespec { tv_sec: (us / 1_000_000) as i64, tv_nsec: ((us % 1_000_000) * 1000) as i64 };
        // SAFETY: plain system calls.
        unsafe {
            libc::nanosleep(&ts, std::ptr::null_mut());
            // A thread that is gone already: the process, then.
            if tid == 0 || libc::syscall(libc::SYS_tgkill, pid, tid, sig) != 0 {
                libc::kill(pid, sig);
            }
            // A signal aimed at one thread is that thread's until it is
            // delivered, and dies with it: an execve kills every other
            // thread, a churning thread may end first. One aimed at the
            // process is taken by one thread, held at its
            // signal-delivery-stop until the tracer resumes it, and dies
            // with it too if an execve kills that thread first. The
            // process then lives on, an `execer` for ever. If the thread
            // is gone or an exec happened, and the process still lives a
            // while later, aim at the process (again) (R2's runs that
            // never ended: rounds.rs `check_signal_landed`).
            // (Looked at each ms for 200 ms, from 20 ms on: an exec may
            // come later than the signal.)
            let ms = libc::timespec { tv_sec: 0, tv_nsec: 1_000_000 };
            let mut buf = [0u8; 256];
            for i in 0..200 {
                libc::nanosleep(&ms, std::ptr::null_mut());
                let n = read_raw(&stat, &mut buf);
                let state = buf[..n].iter().rposition(|b| *b == b')').and_then(|i| buf.get(i + 2).copied());
                if n == 0 || matches!(state, Some(b'Z' | b'X')) {
                    return 0;
                }
                if i < 20 {
                    continue;
                }
                let n = read_raw(&cmdline, &mut buf);
                if n > 0 && (tid != 0 && libc::access(task.as_ptr(), libc::F_OK) != 0 || buf[..n] != before[..before_len]) {
                    libc::kill(pid, sig);
                    return 0;
                }
            }
        }
        0
    })
}

/// Read what fits of a file into `buf` with plain system calls (no
/// allocation: also for a forked child); 0 when it cannot be read.
fn read_raw(path: &std::ffi::CStr, buf: &mut [u8]) -> usize {
    // SAFETY: plain system calls on a valid path and buffer.
    unsafe {
        let fd = libc::open(path.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC);
        if fd < 0 {
            return 0;
        }
        let n = libc::read(fd, buf.as_mut_ptr().cast(), buf.len());
        libc::close(fd);
        n.max(0) as usize
    }
}

pub fn sleep_us(us: u64) {
    std::thread::sleep(std::time::Duration::from_micros(us));
}

/// Reap one exited child with the kernel's own wait (never libbsdtrace's).
pub fn raw_wait(pid: i32, flags: i32) -> Option<(i32, i32)> {
    let mut st = 0;
    // SAFETY: valid out-pointer; a raw system call, not libc's (possibly
    // interposed) waitpid.
    let r = unsafe { libc::syscall(libc::SYS_wait4, pid, &mut st as *mut i32, flags, 0usize) };
    (r > 0).then_some((r as i32, st))
}

/// What /proc says about a process.
#[derive(Clone, Debug)]
pub struct ProcInfo {
    pub state: char,
    pub tracer: i32,
    pub ppid: i32,
    pub uid: u32,
    pub cmd: String,
}

pub fn proc_info(pid: i32) -> Option<ProcInfo> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let mut i = ProcInfo { state: '?', tracer: 0, ppid: 0, uid: 0, cmd: String::new() };
    for line in s.lines() {
        let (k, v) = line.split_once(':')?;
        let v = v.trim();
        match k {
            "Name" => i.cmd = v.to_string(),
            "State" => i.state = v.chars().next().unwrap_or('?'),
            "TracerPid" => i.tracer = v.parse().unwrap_or(0),
            "PPid" => i.ppid = v.parse().unwrap_or(0),
            "Uid" => i.uid = v.split_whitespace().next().and_then(|u| u.parse().ok()).unwrap_or(0),
            _ => {}
        }
    }
    Some(i)
}

/// Every thread of `pid` with its state letter and tracer.
pub fn thread_states(pid: i32) -> Vec<(i32, char, i32)> {
    let Ok(d) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return vec![] };
    let mut v = vec![];
    for e in d.flatten() {
        let Ok(tid) = e.file_name().to_string_lossy().parse::<i32>() else { continue };
        let Ok(s) = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/status")) else { continue };
        let mut st = '?';
        let mut tr = 0;
        for line in s.lines() {
            if let Some(v) = line.strip_prefix("State:") {
                st = v.trim().chars().next().unwrap_or('?');
            } else if let Some(v) = line.strip_prefix("TracerPid:") {
                tr = v.trim().parse().unwrap_or(0);
            }
        }
        v.push((tid, st, tr));
    }
    v
}

/// Processes carrying `TAG_VAR=tag...` in their environment (a prefix
/// match), except `except`.
pub fn tagged(tag_prefix: &str, except: &[i32]) -> Vec<i32> {
    let needle = format!("{TAG_VAR}={tag_prefix}");
    let mut out = vec![];
    let Ok(d) = std::fs::read_dir("/proc") else { return out };
    for e in d.flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else { continue };
        if except.contains(&pid) {
            continue;
        }
        let Ok(env) = std::fs::read(format!("/proc/{pid}/environ")) else { continue };
        if env.split(|&b| b == 0).any(|kv| kv.starts_with(needle.as_bytes())) {
            out.push(pid);
        }
    }
    out
}

/// Processes whose parent or tracer is `pid` (zombies included: their
/// environment is gone, so the tag does not find them).
pub fn related(pid: i32) -> Vec<i32> {
    let mut out = vec![];
    let Ok(d) = std::fs::read_dir("/proc") else { return out };
    for e in d.flatten() {
        let Ok(p) = e.file_name().to_string_lossy().parse::<i32>() else { continue };
        if let Some(i) = proc_info(p) {
            if i.ppid == pid || i.tracer == pid {
                out.push(p);
            }
        }
    }
    out
}

/// One line about a process for a defect report.
pub fn describe(pid: i32) -> String {
    match proc_info(pid) {
        Some(i) => {
            let th = thread_states(pid);
            let mut kinds: std::collections::BTreeMap<(char, bool), usize> = Default::default();
            for (_, s, t) in &th {
                *kinds.entry((*s, *t != 0)).or_default() += 1;
            }
            let k: Vec<String> = kinds.iter().map(|((s, t), n)| format!("{n}x{s}{}", if *t { "(traced)" } else { "" })).collect();
            format!("pid {pid} {} state {} tracer {} ppid {} uid {} threads [{}]", i.cmd, i.state, i.tracer, i.ppid, i.uid, k.join(" "))
        }
        None => format!("pid {pid} gone"),
    }
}

/// Each thread's signal state (pending, shared pending, blocked, ignored,
/// caught) and wait channel, for hang reports: a round that never ends is
/// most often a fatal signal that went missing, and where it went (still
/// pending and blocked, taken, or gone) tells which.
pub fn signal_states(pid: i32) -> String {
    per_thread(pid, |task| {
        let st = std::fs::read_to_string(format!("{task}/status")).unwrap_or_default();
        let f: Vec<&str> = st.lines().filter(|l| ["State", "SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt"].iter().any(|k| l.starts_with(k))).collect();
        f.join(" ").replace('\t', " ")
    })
}

/// The kernel stacks of a process's threads (root only), for hang reports.
pub fn kernel_stacks(pid: i32) -> String {
    per_thread(pid, |task| {
        let stack = std::fs::read_to_string(format!("{task}/stack")).unwrap_or_default();
        let top: Vec<&str> = stack.lines().take(4).map(|l| l.split_whitespace().nth(1).unwrap_or(l)).collect();
        top.join("<")
    })
}

/// " [TID WCHAN: what]" for each thread of `pid`, `what` made from the
/// thread's /proc/PID/task/TID directory.
fn per_thread(pid: i32, what: impl Fn(&str) -> String) -> String {
    let mut out = String::new();
    let Ok(d) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return out };
    for e in d.flatten() {
        let tid = e.file_name().to_string_lossy().into_owned();
        let task = format!("/proc/{pid}/task/{tid}");
        let w = what(&task);
        let wchan = std::fs::read_to_string(format!("{task}/wchan")).unwrap_or_default();
        out.push_str(&format!(" [{tid} {wchan}: {w}]"));
    }
    out
}

pub fn errno_name(e: i32) -> &'static str {
    match e {
        0 => "ok",
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::ESRCH => "ESRCH",
        libc::EINTR => "EINTR",
        libc::EIO => "EIO",
        libc::EBADF => "EBADF",
        libc::ECHILD => "ECHILD",
        libc::ENOMEM => "ENOMEM",
        libc::EFAULT => "EFAULT",
        libc::EBUSY => "EBUSY",
        libc::EINVAL => "EINVAL",
        libc::EPIPE => "EPIPE",
        libc::ENAMETOOLONG => "ENAMETOOLONG",
        libc::ENOSYS => "ENOSYS",
        libc::ENOTSUP => "ENOTSUP",
        libc::EACCES => "EACCES",
        _ => "E?",
    }
}

/// Drop to uid/gid 65534 (`nobody`), staying dumpable as a real user's
/// processes are.
pub fn become_nobody() -> bool {
    // SAFETY: plain credential calls in a single-threaded child.
    unsafe {
        if libc::setgroups(0, std::ptr::null()) != 0 || libc::setgid(65534) != 0 || libc::setuid(65534) != 0 {
            return false;
        }
        libc::prctl(libc::PR_SET_DUMPABLE, 1, 0, 0, 0);
    }
    true
}
