//! The C face, reached the way a C program reaches it: libbsdtrace.so's
//! exported `ptrace()`, `waitpid()`, `wait4()`, `waitid()` and `procctl()`,
//! called with raw pointers (bad ones included) and `errno` read back.
//!
//! The library is opened with `dlopen` and its symbols taken from its own
//! handle, so this process's libc keeps its own `waitpid` (the harness's
//! bookkeeping must not go through the engine) while every call the fuzzer
//! makes lands in exactly the functions a linked C program would call.

use std::ffi::{c_char, c_int, c_void, CString};

type PtraceFn = unsafe extern "C" fn(c_int, libc::pid_t, *mut c_char, c_int) -> c_int;
type Wait4Fn = unsafe extern "C" fn(libc::pid_t, *mut c_int, c_int, *mut libc::rusage) -> libc::pid_t;
type WaitidFn = unsafe extern "C" fn(libc::idtype_t, libc::id_t, *mut libc::siginfo_t, c_int) -> c_int;
type ProcctlFn = unsafe extern "C" fn(libc::idtype_t, libc::id_t, c_int, *mut c_void) -> c_int;
type DumpFn = unsafe extern "C" fn(c_int);
type DumpRawFn = unsafe extern "C" fn(c_int, u64) -> u64;

#[derive(Clone, Copy)]
pub struct Lib {
    ptrace: PtraceFn,
    wait4: Wait4Fn,
    waitid: WaitidFn,
    procctl: ProcctlFn,
    /// The engine's flight recorder (`bsdtrace_debug_ring_dump`), if
    /// this build of the library has one.
    dump: Option<DumpFn>,
}

/// `BSDTRACE_FAULT_RING=DIR`: at each defect a worker finds, write the
/// engines' flight recorders (the C face's, in libbsdtrace.so, and this
/// program's own for the Rust face: their last events, see
/// bsdtrace's `engine/ring.rs`) to a file in DIR, named on stderr.
/// Recording costs no system call, so it leaves the timing alone, unlike
/// `BSDTRACE_FAULT_LOG`.
pub fn dump_rings(kind: &str) {
    use std::io::Write;
    use std::os::fd::AsRawFd;
    let Some(dir) = std::env::var_os("BSDTRACE_FAULT_RING") else { return };
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let k = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::path::Path::new(&dir).join(format!("ring.{}.{k}.{kind}", std::process::id()));
    let Ok(mut f) = std::fs::File::create(&path) else { return };
    let _ = writeln!(f, "== the fuzzer's calls (BSDTRACE_FAULT_LOG=ring)");
    for l in crate::fuzz::lazy_lines() {
        let _ = writeln!(f, "{l}");
    }
    let _ = writeln!(f, "== libbsdtrace (C face)");
    let _ = f.flush();
    if let Some(Ok(lib)) = OPENED.get() {
        if let Some(d) = lib.dump {
            // SAFETY: the library's own symbol, given an open descriptor.
            unsafe { d(f.as_raw_fd()) };
        }
    }
    let _ = writeln!(f, "== bsdtrace (Rust face, this program)");
    let _ = f.write_all(bsdtrace::engine::ring::text().as_bytes());
    eprintln!("ring dump: {}", path.display());
}

static OPENED: std::sync::OnceLock<Result<Lib, String>> = std::sync::OnceLock::new();

/// The library's `bsdtrace_debug_ring_dump_raw`, once it is open (read
/// in a signal handler: an atomic, not the OnceLock's Result).
static DUMP_RAW: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
static HANG_PATH: std::sync::OnceLock<CString> = std::sync::OnceLock::new();
static FORWARD_TO: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

/// `BSDTRACE_FAULT_RING=DIR`: a worker stuck in a call (the supervisor
/// sends SIGUSR2 a second before it declares the hang and kills it)
/// writes the rings, raw, to `DIR/hang.PID.raw` from the signal handler
/// (`bsdtrace-fault ring-decode FILE` prints them). A hung call cannot
/// report itself, and the hang's own moment is what the ring must show.
pub fn install_hang_dump() {
    let Some(dir) = std::env::var_os("BSDTRACE_FAULT_RING") else { return };
    let path = std::path::Path::new(&dir).join(format!("hang.{}.raw", std::process::id()));
    let Ok(c) = CString::new(path.to_string_lossy().as_bytes()) else { return };
    if HANG_PATH.set(c).is_err() {
        return;
    }
    set_usr2(on_usr2 as extern "C" fn(c_int) as usize);
}

/// A fuzz-nobody parent passes the supervisor's SIGUSR2 to its child.
pub fn forward_hang_dump(child: i32) {
    if std::env::var_os("BSDTRACE_FAULT_RING").is_none() {
        return;
    }
    FORWARD_TO.store(child, std::sync::atomic::Ordering::Relaxed);
    set_usr2(forward_usr2 as extern "C" fn(c_int) as usize);
}

fn set_usr2(handler: usize) {
    // SAFETY: installs a handler that makes async-signal-safe calls only.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = handler;
        sa.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut sa.sa_mask);
        libc::sigaction(libc::SIGUSR2, &sa, std::ptr::null_mut());
    }
}

extern "C" fn forward_usr2(_: c_int) {
    let c = FORWARD_TO.load(std::sync::atomic::Ordering::Relaxed);
    if c > 0 {
        // SAFETY: kill(2) is async-signal-safe.
        unsafe { libc::kill(c, libc::SIGUSR2) };
    }
}

extern "C" fn on_usr2(_: c_int) {
    let Some(path) = HANG_PATH.get() else { return };
    // SAFETY: open/pwrite/close are async-signal-safe; the dump functions
    // write atomics' values with pwrite only.
    unsafe {
        let saved = *libc::__errno_location();
        let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC | libc::O_CLOEXEC, 0o644);
        if fd >= 0 {
            let mut off = 0u64;
            let f = DUMP_RAW.load(std::sync::atomic::Ordering::Acquire);
            if f != 0 {
                libc::pwrite(fd, b"C-face  ".as_ptr().cast(), 8, off as i64);
                off = std::mem::transmute::<usize, DumpRawFn>(f)(fd, off + 8);
            }
            libc::pwrite(fd, b"Rustface".as_ptr().cast(), 8, off as i64);
            off = bsdtrace::engine::ring::dump_raw(fd, off + 8);
            // The fuzzer's in-memory call log (BSDTRACE_FAULT_LOG=ring),
            // if its lock is free: the stuck thread holds it only while
            // it appends a line, never across a call.
            crate::fuzz::with_lazy_lines(|lines| {
                libc::pwrite(fd, b"Fuzzlog ".as_ptr().cast(), 8, off as i64);
                let start = off + 16;
                let mut at = start;
                for l in lines {
                    libc::pwrite(fd, l.as_ptr().cast(), l.len(), at as i64);
                    libc::pwrite(fd, b"\n".as_ptr().cast(), 1, (at + l.len() as u64) as i64);
                    at += l.len() as u64 + 1;
                }
                libc::pwrite(fd, (at - start).to_ne_bytes().as_ptr().cast(), 8, (off + 8) as i64);
            });
            libc::close(fd);
        }
        *libc::__errno_location() = saved;
    }
}

/// `bsdtrace-fault ring-decode FILE`: the rings of a hang dump as text.
pub fn decode_hang_dump(raw: &[u8]) -> String {
    let mut out = String::new();
    let mut at = 0;
    while at + 8 <= raw.len() {
        let tag = String::from_utf8_lossy(&raw[at..at + 8]).trim().to_string();
        if tag == "Fuzzlog" && at + 16 <= raw.len() {
            let n = u64::from_ne_bytes(raw[at + 8..at + 16].try_into().expect("8 bytes")) as usize;
            let text = raw.get(at + 16..at + 16 + n).unwrap_or(&raw[at + 16..]);
            out.push_str(&format!("== the fuzzer's calls\n{}", String::from_utf8_lossy(text)));
            at += 16 + n;
            continue;
        }
        let Some(t) = bsdtrace::engine::ring::decode_raw(&raw[at + 8..]) else { break };
        out.push_str(&format!("== {tag}\n{t}"));
        at += 8 + bsdtrace::engine::ring::RAW_LEN;
    }
    out
}

/// Where libbsdtrace.so is: `$BSDTRACE_FAULT_LIB`, else next to this program
/// (cargo puts both in `target/<profile>`).
pub fn lib_path() -> std::path::PathBuf {
    if let Ok(p) = std::env::var("BSDTRACE_FAULT_LIB") {
        return p.into();
    }
    let exe = std::env::current_exe().expect("current_exe");
    exe.parent().expect("exe dir").join("libbsdtrace.so")
}

impl Lib {
    /// Open the library (once per process).
    pub fn open() -> Result<Lib, String> {
        OPENED.get_or_init(|| {
            let path = lib_path();
            let c = CString::new(path.to_string_lossy().as_bytes()).map_err(|e| e.to_string())?;
            // SAFETY: dlopen/dlsym with valid C strings; the handle is never
            // closed, so the function pointers stay valid.
            unsafe {
                let h = libc::dlopen(c.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL);
                if h.is_null() {
                    let e = std::ffi::CStr::from_ptr(libc::dlerror()).to_string_lossy().into_owned();
                    return Err(format!("dlopen {}: {e} (build it: cargo build -p bsdtrace-c)", path.display()));
                }
                let sym = |name: &str| -> Result<*mut c_void, String> {
                    let n = CString::new(name).unwrap();
                    let p = libc::dlsym(h, n.as_ptr());
                    if p.is_null() {
                        Err(format!("{name} not in {}", path.display()))
                    } else {
                        Ok(p)
                    }
                };
                if let Ok(p) = sym("bsdtrace_debug_ring_dump_raw") {
                    DUMP_RAW.store(p as usize, std::sync::atomic::Ordering::Release);
                }
                Ok(Lib {
                    ptrace: std::mem::transmute::<*mut c_void, PtraceFn>(sym("ptrace")?),
                    wait4: std::mem::transmute::<*mut c_void, Wait4Fn>(sym("wait4")?),
                    waitid: std::mem::transmute::<*mut c_void, WaitidFn>(sym("waitid")?),
                    procctl: std::mem::transmute::<*mut c_void, ProcctlFn>(sym("procctl")?),
                    dump: sym("bsdtrace_debug_ring_dump").ok().map(|p| std::mem::transmute::<*mut c_void, DumpFn>(p)),
                })
            }
        })
        .clone()
    }

    /// `ptrace(req, pid, addr, data)`: the value, or the errno.
    pub fn ptrace(&self, req: i32, pid: i32, addr: usize, data: i32) -> Result<i32, i32> {
        // SAFETY: the library validates every pointer it is given (a bad
        // one is EFAULT); good ones point into our live buffers.
        unsafe {
            *libc::__errno_location() = 0;
            let r = (self.ptrace)(req, pid, addr as *mut c_char, data);
            if r == -1 && *libc::__errno_location() != 0 {
                Err(*libc::__errno_location())
            } else {
                Ok(r)
            }
        }
    }

    /// `wait4(pid, &status, options, rusage?)`: (pid, status) or errno;
    /// pid 0 when WNOHANG found nothing.
    pub fn wait4(&self, pid: i32, options: i32, status: usize, rusage: usize) -> Result<i32, i32> {
        // SAFETY: as for ptrace.
        unsafe {
            let r = (self.wait4)(pid, status as *mut c_int, options, rusage as *mut libc::rusage);
            if r == -1 {
                Err(*libc::__errno_location())
            } else {
                Ok(r)
            }
        }
    }

    pub fn waitid(&self, idtype: libc::idtype_t, id: u32, info: usize, options: i32) -> Result<(), i32> {
        // SAFETY: as for ptrace.
        unsafe {
            if (self.waitid)(idtype, id, info as *mut libc::siginfo_t, options) == -1 {
                Err(*libc::__errno_location())
            } else {
                Ok(())
            }
        }
    }

    pub fn procctl(&self, idtype: libc::idtype_t, id: u32, cmd: i32, data: usize) -> Result<(), i32> {
        // SAFETY: as for ptrace.
        unsafe {
            if (self.procctl)(idtype, id, cmd, data as *mut c_void) == -1 {
                Err(*libc::__errno_location())
            } else {
                Ok(())
            }
        }
    }
}
