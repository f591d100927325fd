//! bsdtrace engine benchmarks, each beside a raw-ptrace equivalent written
//! directly with libc and measured in the same process run.
//!
//!   bsdtrace-bench all [--scale F] [--only NAME,..] [--tag PLACEMENT RUN]
//!   bsdtrace-bench syscall N | pio MIB | bp N | allstop T CYCLES sleep|spin | vm N REPS
//!   bsdtrace-bench report RESULTS... --out docs/BENCHMARKS.md --command CMD --notes TEXT
//!
//! Every measurement prints one line
//!   R <placement> <run> <bench> <param> <variant> <metric> <value>
//! which `report` aggregates (median, min–max over runs, ratios to raw).

use bsdtrace::{Event, Pid, Resume, Tracer, WaitOptions, WaitStatus};
use std::ffi::CString;
use std::io::{BufRead, BufReader};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod report;

const TRACEE: &str = env!("TEST_TRACEE");
const BENCH_TRACEE: &str = env!("BENCH_TRACEE");

struct Out {
    placement: String,
    run: String,
}

impl Out {
    fn emit(&self, bench: &str, param: impl std::fmt::Display, variant: &str, metric: &str, value: f64) {
        println!("R {} {} {} {} {} {} {:.3}", self.placement, self.run, bench, param, variant, metric, value);
    }
}

// ---- raw ptrace helpers (libc only, no bsdtrace) ---------------------------

fn ptrace(req: libc::c_uint, pid: i32, addr: usize, data: usize) -> libc::c_long {
    unsafe { libc::syscall(libc::SYS_ptrace, req as libc::c_long, pid as libc::c_long, addr, data) }
}

fn pt(req: libc::c_uint, pid: i32, addr: usize, data: usize) {
    let r = ptrace(req, pid, addr, data);
    assert!(r != -1, "ptrace({req:#x}, {pid}) failed: {}", std::io::Error::last_os_error());
}

fn waitpid(pid: i32, flags: i32) -> (i32, i32) {
    let mut st = 0;
    loop {
        let r = unsafe { libc::waitpid(pid, &mut st, flags) };
        if r == -1 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
            continue;
        }
        assert!(r > 0, "waitpid({pid}) failed: {}", std::io::Error::last_os_error());
        return (r, st);
    }
}

/// fork + PTRACE_TRACEME + execv; returns once the child sits in its exec
/// SIGTRAP stop, with TRACESYSGOOD | EXITKILL set.
fn raw_spawn(argv: &[&str]) -> i32 {
    let c: Vec<CString> = argv.iter().map(|a| CString::new(*a).unwrap()).collect();
    let mut ptrs: Vec<*const libc::c_char> = c.iter().map(|s| s.as_ptr()).collect();
    ptrs.push(std::ptr::null());
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0);
    if pid == 0 {
        unsafe {
            libc::syscall(libc::SYS_ptrace, libc::PTRACE_TRACEME as libc::c_long, 0, 0, 0);
            libc::execv(ptrs[0], ptrs.as_ptr());
            libc::_exit(127);
        }
    }
    let (_, st) = waitpid(pid, libc::__WALL);
    assert!(libc::WIFSTOPPED(st) && libc::WSTOPSIG(st) == libc::SIGTRAP, "raw exec stop: {st:#x}");
    pt(libc::PTRACE_SETOPTIONS, pid, 0, (libc::PTRACE_O_TRACESYSGOOD | libc::PTRACE_O_EXITKILL) as usize);
    pid
}

fn raw_regs(pid: i32) -> libc::user_regs_struct {
    let mut r: libc::user_regs_struct = unsafe { std::mem::zeroed() };
    pt(libc::PTRACE_GETREGS, pid, 0, &mut r as *mut _ as usize);
    r
}

fn open_mem(pid: i32) -> OwnedFd {
    let p = CString::new(format!("/proc/{pid}/mem")).unwrap();
    let fd = unsafe { libc::open(p.as_ptr(), libc::O_RDWR | libc::O_CLOEXEC) };
    assert!(fd >= 0);
    unsafe { OwnedFd::from_raw_fd(fd) }
}

fn pwrite1(fd: &OwnedFd, addr: u64, b: u8) {
    let r = unsafe { libc::pwrite(fd.as_raw_fd(), &b as *const u8 as *const _, 1, addr as i64) };
    assert_eq!(r, 1);
}

fn pread1(fd: &OwnedFd, addr: u64) -> u8 {
    let mut b = 0u8;
    let r = unsafe { libc::pread(fd.as_raw_fd(), &mut b as *mut u8 as *mut _, 1, addr as i64) };
    assert_eq!(r, 1);
    b
}

// ---- engine helpers ---------------------------------------------------------

fn ewait(t: &mut Tracer, pid: Pid) -> WaitStatus {
    t.wait(pid.0, WaitOptions::BLOCK).expect("wait").expect("blocking wait").1
}

fn espawn(t: &mut Tracer, argv: &[&str]) -> Pid {
    let pid = t.spawn(argv).expect("spawn");
    assert_eq!(ewait(t, pid), WaitStatus::Stopped(libc::SIGTRAP));
    pid
}

fn tmpfile(name: &str) -> String {
    format!("/tmp/bsdtrace-bench-{}-{}", name, std::process::id())
}

fn read_addrs(path: &str) -> Vec<u64> {
    std::fs::read_to_string(path)
        .unwrap()
        .split_whitespace()
        .map(|s| u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap())
        .collect()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn ns(d: Duration) -> f64 {
    d.as_nanos() as f64
}

// ---- 1. syscall-stop round trip --------------------------------------------

/// One tracee doing `n` getppid, PT_SYSCALL + wait until it exits.
/// Returns ns per stop.
fn syscall_engine(n: u64, regs: bool) -> f64 {
    let mut t = Tracer::new();
    let ns_arg = n.to_string();
    let pid = espawn(&mut t, &[TRACEE, "getppid", &ns_arg]);
    let mut stops = 0u64;
    let start = Instant::now();
    loop {
        t.resume(pid.into(), Resume::Syscall, None, 0).expect("resume");
        match ewait(&mut t, pid) {
            WaitStatus::Stopped(_) => {
                stops += 1;
                let (_, ev) = t.stop_event(pid.into()).expect("stop_event");
                debug_assert!(matches!(ev, Some(Event::SyscallEntry | Event::SyscallExit)));
                if regs {
                    std::hint::black_box(t.get_regs(pid.into()).expect("regs"));
                }
            }
            WaitStatus::Exited(0) => break,
            other => panic!("syscall_engine: {other:?}"),
        }
    }
    let el = start.elapsed();
    assert!(stops >= 2 * n, "stops {stops}");
    ns(el) / stops as f64
}

fn syscall_raw(n: u64, regs: bool) -> f64 {
    let ns_arg = n.to_string();
    let pid = raw_spawn(&[TRACEE, "getppid", &ns_arg]);
    let mut stops = 0u64;
    let start = Instant::now();
    loop {
        pt(libc::PTRACE_SYSCALL, pid, 0, 0);
        let (_, st) = waitpid(pid, libc::__WALL);
        if libc::WIFEXITED(st) {
            break;
        }
        assert_eq!(libc::WSTOPSIG(st), libc::SIGTRAP | 0x80, "raw syscall stop {st:#x}");
        stops += 1;
        if regs {
            std::hint::black_box(raw_regs(pid));
        }
    }
    let el = start.elapsed();
    assert!(stops >= 2 * n);
    ns(el) / stops as f64
}

/// The host is noisy: split `n` into ROUNDS alternating raw/engine rounds
/// (fresh tracee each) and report each variant's median round.
const ROUNDS: u64 = 5;

fn bench_syscall(o: &Out, n: u64) {
    for regs in [false, true] {
        let suffix = if regs { "+getregs" } else { "" };
        let (mut rv, mut ev) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            rv.push(syscall_raw(n / ROUNDS, regs));
            ev.push(syscall_engine(n / ROUNDS, regs));
        }
        o.emit("syscall", n, &format!("raw{suffix}"), "ns_per_stop", median(&mut rv));
        o.emit("syscall", n, &format!("engine{suffix}"), "ns_per_stop", median(&mut ev));
    }
}

// ---- 2. PT_IO bulk read -----------------------------------------------------

fn bench_pio(o: &Out, mib: usize, reps: usize) {
    let file = tmpfile("pio");
    let mut t = Tracer::new();
    let arg = mib.to_string();
    let pid = espawn(&mut t, &[BENCH_TRACEE, "mem", &arg, &file]);
    t.resume(pid.into(), Resume::Continue, None, 0).unwrap();
    assert_eq!(ewait(&mut t, pid), WaitStatus::Stopped(libc::SIGSTOP));
    let base = read_addrs(&file)[0];
    let _ = std::fs::remove_file(&file);
    let chunk = 1usize << 20;
    let total = mib << 20;
    let mut buf = vec![0u8; chunk];
    let (mut ev, mut rv) = (Vec::new(), Vec::new());
    for rep in 0..reps + 1 {
        // engine: PT_IO-style read_memory, 1 MiB per call
        let s = Instant::now();
        let mut off = 0;
        while off < total {
            t.read_memory(pid.into(), base + off as u64, &mut buf).expect("read_memory");
            off += chunk;
        }
        let e = s.elapsed();
        assert_eq!(buf[0], ((total - chunk) >> 12) as u8);
        // raw: process_vm_readv, 1 MiB per call
        let s = Instant::now();
        let mut off = 0;
        while off < total {
            let local = libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: chunk };
            let remote = libc::iovec { iov_base: (base + off as u64) as *mut _, iov_len: chunk };
            let r = unsafe { libc::process_vm_readv(pid.0, &local, 1, &remote, 1, 0) };
            assert_eq!(r as usize, chunk);
            off += chunk;
        }
        let r = s.elapsed();
        if rep > 0 {
            // rep 0 is a warm-up
            ev.push(total as f64 / ns(e));
            rv.push(total as f64 / ns(r));
        }
    }
    o.emit("pio", mib, "raw", "GBps", median(&mut rv));
    o.emit("pio", mib, "engine", "GBps", median(&mut ev));
    t.kill(pid.into()).unwrap();
    let _ = ewait(&mut t, pid);
}

// ---- 3. breakpoint hit cycle -------------------------------------------------

/// tracee.c `bp N FILE`: stops itself, then calls bp_target() N times.
/// `stepover`: restore byte, rip-1, PT_STEP, re-insert, continue.
/// else: bare int3 over the 1-byte nop at bp_target + GETREGS + continue.
/// Returns hits per second.
fn bp_engine(n: u64, stepover: bool) -> f64 {
    let file = tmpfile("bp-e");
    let mut t = Tracer::new();
    let arg = n.to_string();
    let pid = espawn(&mut t, &[TRACEE, "bp", &arg, &file]);
    t.resume(pid.into(), Resume::Continue, None, 0).unwrap();
    assert_eq!(ewait(&mut t, pid), WaitStatus::Stopped(libc::SIGSTOP));
    let addr = read_addrs(&file)[0];
    let _ = std::fs::remove_file(&file);
    let tg = pid.into();
    let mut orig = [0u8; 1];
    t.read_memory(tg, addr, &mut orig).unwrap();
    assert_eq!(orig[0], 0x90, "bp_target must start with a nop");
    t.write_memory(tg, addr, &[0xcc]).unwrap();
    let mut hits = 0u64;
    let start = Instant::now();
    t.resume(tg, Resume::Continue, None, 0).unwrap();
    loop {
        match ewait(&mut t, pid) {
            WaitStatus::Stopped(libc::SIGTRAP) => {
                hits += 1;
                let mut r = t.get_regs(tg).unwrap();
                debug_assert_eq!(r.r_rip as u64, addr + 1);
                if stepover {
                    t.write_memory(tg, addr, &orig).unwrap();
                    r.r_rip -= 1;
                    t.set_regs(tg, &r).unwrap();
                    t.resume(tg, Resume::Step, None, 0).unwrap();
                    assert_eq!(ewait(&mut t, pid), WaitStatus::Stopped(libc::SIGTRAP));
                    t.write_memory(tg, addr, &[0xcc]).unwrap();
                }
                t.resume(tg, Resume::Continue, None, 0).unwrap();
            }
            WaitStatus::Exited(_) => break,
            other => panic!("bp_engine: {other:?}"),
        }
    }
    let el = start.elapsed();
    assert_eq!(hits, n);
    hits as f64 / el.as_secs_f64()
}

fn bp_raw(n: u64, stepover: bool) -> f64 {
    let file = tmpfile("bp-r");
    let arg = n.to_string();
    let pid = raw_spawn(&[TRACEE, "bp", &arg, &file]);
    pt(libc::PTRACE_CONT, pid, 0, 0);
    let (_, st) = waitpid(pid, libc::__WALL);
    assert!(libc::WIFSTOPPED(st) && libc::WSTOPSIG(st) == libc::SIGSTOP);
    let addr = read_addrs(&file)[0];
    let _ = std::fs::remove_file(&file);
    let mem = open_mem(pid);
    let orig = pread1(&mem, addr);
    assert_eq!(orig, 0x90);
    pwrite1(&mem, addr, 0xcc);
    let mut hits = 0u64;
    let start = Instant::now();
    pt(libc::PTRACE_CONT, pid, 0, 0);
    loop {
        let (_, st) = waitpid(pid, libc::__WALL);
        if libc::WIFEXITED(st) {
            break;
        }
        assert_eq!(libc::WSTOPSIG(st), libc::SIGTRAP);
        hits += 1;
        let mut r = raw_regs(pid);
        if stepover {
            pwrite1(&mem, addr, orig);
            r.rip -= 1;
            pt(libc::PTRACE_SETREGS, pid, 0, &r as *const _ as usize);
            pt(libc::PTRACE_SINGLESTEP, pid, 0, 0);
            let (_, st) = waitpid(pid, libc::__WALL);
            assert!(libc::WIFSTOPPED(st) && libc::WSTOPSIG(st) == libc::SIGTRAP);
            pwrite1(&mem, addr, 0xcc);
        }
        pt(libc::PTRACE_CONT, pid, 0, 0);
    }
    let el = start.elapsed();
    assert_eq!(hits, n);
    hits as f64 / el.as_secs_f64()
}

fn bench_bp(o: &Out, n: u64) {
    for stepover in [true, false] {
        let name = if stepover { "stepover" } else { "int3" };
        let (mut rv, mut ev) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            rv.push(bp_raw(n / ROUNDS, stepover));
            ev.push(bp_engine(n / ROUNDS, stepover));
        }
        o.emit(&format!("bp-{name}"), n, "raw", "hits_per_s", median(&mut rv));
        o.emit(&format!("bp-{name}"), n, "engine", "hits_per_s", median(&mut ev));
    }
}

// ---- 4. whole-process stop + resume vs threads -------------------------------

struct Untraced {
    child: std::process::Child,
}

impl Untraced {
    fn start(args: &[&str]) -> Untraced {
        let mut fds = [0; 2];
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        let child = Command::new(TRACEE)
            .args(args)
            .env("READY_FD", w.as_raw_fd().to_string())
            .stdin(Stdio::null())
            .spawn()
            .expect("spawn tracee");
        drop(w);
        let mut line = String::new();
        BufReader::new(std::fs::File::from(r)).read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "ready");
        Untraced { child }
    }
    fn pid(&self) -> i32 {
        self.child.id() as i32
    }
}

impl Drop for Untraced {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tasks(pid: i32) -> Vec<i32> {
    let mut v: Vec<i32> = std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    v.sort();
    v
}

/// How the engine's all-stop cycle is triggered.
#[derive(Clone, Copy)]
enum Trigger {
    /// `Tracer::interrupt`: the engine's own stop, no signal in the way.
    Interrupt,
    /// `kill(pid, sig)`. SIGSTOP is how a FreeBSD debugger interrupts a
    /// running process; a catchable signal (SIGUSR2) also pays FreeBSD's
    /// "is it ignored?" check, a /proc read.
    Signal(i32),
}

/// Engine: trigger -> wait for the whole-process stop -> PT_CONTINUE
/// (discarding the signal). Returns per-cycle ns.
fn allstop_engine(pid: i32, cycles: usize, warm: usize, how: Trigger) -> Vec<f64> {
    let mut t = Tracer::new();
    let p = t.attach(Pid(pid).into()).expect("attach");
    assert_eq!(ewait(&mut t, p), WaitStatus::Stopped(libc::SIGSTOP));
    t.resume(p.into(), Resume::Continue, None, 0).unwrap();
    let stop = |t: &mut Tracer| {
        let sig = match how {
            Trigger::Interrupt => {
                assert!(t.interrupt(p.into()).unwrap());
                libc::SIGSTOP
            }
            Trigger::Signal(sig) => {
                unsafe { libc::kill(pid, sig) };
                sig
            }
        };
        assert_eq!(ewait(t, p), WaitStatus::Stopped(sig));
    };
    let mut v = Vec::with_capacity(cycles);
    for i in 0..cycles + warm {
        let s = Instant::now();
        stop(&mut t);
        t.resume(p.into(), Resume::Continue, None, 0).unwrap();
        if i >= warm {
            v.push(ns(s.elapsed()));
        }
    }
    stop(&mut t);
    t.detach(p.into(), 0).unwrap();
    v
}

/// Raw, as perf-baselines section 5's best case: PTRACE_INTERRUPT each
/// thread, waitpid per tid, PTRACE_CONT each.
fn allstop_raw_tid(pid: i32, cycles: usize, warm: usize) -> Vec<f64> {
    let tids = tasks(pid);
    for &t in &tids {
        pt(libc::PTRACE_SEIZE, t, 0, 0);
    }
    let stop_all = || {
        for &t in &tids {
            pt(libc::PTRACE_INTERRUPT, t, 0, 0);
        }
        for &t in &tids {
            let (_, st) = waitpid(t, libc::__WALL);
            debug_assert!(libc::WIFSTOPPED(st));
        }
    };
    let mut v = Vec::with_capacity(cycles);
    for i in 0..cycles + warm {
        let s = Instant::now();
        stop_all();
        for &t in &tids {
            pt(libc::PTRACE_CONT, t, 0, 0);
        }
        if i >= warm {
            v.push(ns(s.elapsed()));
        }
    }
    stop_all();
    for &t in &tids {
        pt(libc::PTRACE_DETACH, t, 0, 0);
    }
    v
}

/// Raw, mirroring the engine's mechanism: kill(SIGUSR2), waitpid(-1, __WALL)
/// for the signal stop, PTRACE_INTERRUPT the others, waitpid(-1, __WALL)
/// until all stopped, PTRACE_CONT all (signal discarded).
fn allstop_raw_sig(pid: i32, cycles: usize, warm: usize) -> Vec<f64> {
    let tids = tasks(pid);
    for &t in &tids {
        pt(libc::PTRACE_SEIZE, t, 0, 0);
    }
    let mut v = Vec::with_capacity(cycles);
    for i in 0..cycles + warm {
        let s = Instant::now();
        unsafe { libc::kill(pid, libc::SIGUSR2) };
        let (first, st) = waitpid(-1, libc::__WALL);
        assert!(libc::WIFSTOPPED(st) && libc::WSTOPSIG(st) == libc::SIGUSR2 && st >> 16 == 0, "{st:#x}");
        for &t in &tids {
            if t != first {
                pt(libc::PTRACE_INTERRUPT, t, 0, 0);
            }
        }
        for _ in 1..tids.len() {
            let (_, st) = waitpid(-1, libc::__WALL);
            debug_assert!(libc::WIFSTOPPED(st));
        }
        for &t in &tids {
            pt(libc::PTRACE_CONT, t, 0, 0);
        }
        if i >= warm {
            v.push(ns(s.elapsed()));
        }
    }
    for &t in &tids {
        pt(libc::PTRACE_INTERRUPT, t, 0, 0);
    }
    for &t in &tids {
        waitpid(t, libc::__WALL);
    }
    for &t in &tids {
        pt(libc::PTRACE_DETACH, t, 0, 0);
    }
    v
}

fn bench_allstop(o: &Out, threads: usize, cycles: usize, spin: bool) {
    let mode = if spin { "spinners" } else { "threads" };
    let extra = (threads - 1).to_string();
    let tr = Untraced::start(&[mode, &extra]);
    let pid = tr.pid();
    assert_eq!(tasks(pid).len(), threads);
    let warm = 5.max(cycles / 20);
    let bench = if spin { "allstop-spin" } else { "allstop-sleep" };
    // BENCH_VARIANTS=engine,raw,raw-sig selects (for debugging); default all.
    let sel = std::env::var("BENCH_VARIANTS").unwrap_or_else(|_| "raw,engine-int,engine-stop,engine,raw-sig".into());
    for v in sel.split(',') {
        let mut x = match v {
            "raw" => allstop_raw_tid(pid, cycles, warm),
            "engine-int" => allstop_engine(pid, cycles, warm, Trigger::Interrupt),
            "engine-stop" => allstop_engine(pid, cycles, warm, Trigger::Signal(libc::SIGSTOP)),
            "engine" => allstop_engine(pid, cycles, warm, Trigger::Signal(libc::SIGUSR2)),
            "raw-sig" => allstop_raw_sig(pid, cycles, warm),
            _ => continue,
        };
        o.emit(bench, threads, v, "us_per_cycle", median(&mut x) / 1e3);
    }
}

// ---- 5. PT_VM_ENTRY enumeration -----------------------------------------------

struct RawMap {
    start: u64,
    end: u64,
    prot: u8,
    offset: u64,
    dev: (u32, u32),
    inode: u64,
    path: Option<String>,
}

fn hex(s: &str) -> u64 {
    u64::from_str_radix(s, 16).unwrap_or(0)
}

/// One read + parse of /proc/PID/maps into owned entries.
fn raw_maps(pid: i32) -> Vec<RawMap> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
    let mut v = Vec::with_capacity(text.len() / 60);
    for line in text.lines() {
        let mut it = line.splitn(6, ' ');
        let (range, perms, off, dev, inode) =
            (it.next().unwrap(), it.next().unwrap(), it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
        let path = it.next().map(|p| p.trim_start()).filter(|p| !p.is_empty()).map(String::from);
        let (a, b) = range.split_once('-').unwrap();
        let (ma, mi) = dev.split_once(':').unwrap();
        let pb = perms.as_bytes();
        v.push(RawMap {
            start: hex(a),
            end: hex(b),
            prot: (pb[0] == b'r') as u8 | ((pb[1] == b'w') as u8) << 1 | ((pb[2] == b'x') as u8) << 2,
            offset: hex(off),
            dev: (hex(ma) as u32, hex(mi) as u32),
            inode: inode.parse().unwrap_or(0),
            path,
        });
    }
    v
}

fn bench_vm(o: &Out, n: usize, reps: usize) {
    let mut t = Tracer::new();
    let arg = n.to_string();
    let pid = espawn(&mut t, &[BENCH_TRACEE, "maps", &arg]);
    let tg = pid.into();
    t.resume(tg, Resume::Continue, None, 0).unwrap();
    assert_eq!(ewait(&mut t, pid), WaitStatus::Stopped(libc::SIGSTOP));
    let (mut ev, mut rv) = (Vec::new(), Vec::new());
    let mut count = 0usize;
    for rep in 0..reps + 1 {
        // A fresh stop: the engine's snapshot is dropped on every resume.
        t.resume(tg, Resume::Syscall, None, 0).unwrap();
        assert_eq!(ewait(&mut t, pid), WaitStatus::Stopped(libc::SIGTRAP));
        let s = Instant::now();
        let mut i = 0;
        let mut sum = 0u64;
        loop {
            match t.vm_entry(tg, i) {
                Ok(e) => {
                    sum = sum.wrapping_add(e.start ^ e.end ^ e.offset ^ e.prot as u64 ^ e.fileid as u64);
                    std::hint::black_box(&e.path);
                    i = e.entry;
                }
                Err(e) if e.errno() == bsdtrace::Errno::ENOENT => break,
                Err(e) => panic!("vm_entry: {e:?}"),
            }
        }
        let el_e = s.elapsed();
        std::hint::black_box(sum);
        let s = Instant::now();
        let m = raw_maps(pid.0);
        std::hint::black_box(m.iter().fold(0u64, |a, e| {
            a.wrapping_add(e.start ^ e.end ^ e.offset ^ e.prot as u64 ^ e.inode ^ e.dev.0 as u64)
                .wrapping_add(e.path.as_ref().map_or(0, |p| p.len() as u64))
        }));
        let el_r = s.elapsed();
        assert_eq!(i as usize, m.len(), "engine and /proc entry counts differ");
        count = m.len();
        if rep > 0 {
            ev.push(ns(el_e) / 1e3);
            rv.push(ns(el_r) / 1e3);
        }
    }
    o.emit("vm", n, "entries", "count", count as f64);
    o.emit("vm", n, "raw", "us", median(&mut rv));
    o.emit("vm", n, "engine", "us", median(&mut ev));
    t.kill(tg).unwrap();
    let _ = ewait(&mut t, pid);
}

// ---- driver --------------------------------------------------------------------

fn usage() -> ! {
    eprintln!(
        "usage: bsdtrace-bench all [--scale F] [--only a,b] [--tag PLACEMENT RUN]\n\
         \x20      bsdtrace-bench syscall N | pio MIB | bp N | allstop T CYCLES sleep|spin | vm N REPS\n\
         \x20      bsdtrace-bench report RESULTS... --out FILE --command CMD [--notes TEXT]"
    );
    std::process::exit(2)
}

fn main() {
    // The all-stop cycle stops the tracee with SIGUSR2. An ignored signal is
    // discarded without a stop (FreeBSD semantics, which the engine keeps),
    // and SIG_IGN is inherited across fork and exec: `perf record` starts its
    // workload with SIGUSR2 ignored, which would hang the engine side. Reset
    // it so the tracees inherit the default action.
    unsafe { libc::signal(libc::SIGUSR2, libc::SIG_DFL) };
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        usage();
    }
    if args[0] == "report" {
        return report::main(&args[1..]);
    }
    let mut o = Out { placement: "adhoc".into(), run: "0".into() };
    let mut scale = 1.0f64;
    let mut only: Option<Vec<String>> = None;
    let mut pos = Vec::new();
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--tag" => {
                o.placement = args[i + 1].clone();
                o.run = args[i + 2].clone();
                i += 3;
            }
            "--scale" => {
                scale = args[i + 1].parse().unwrap();
                i += 2;
            }
            "--only" => {
                only = Some(args[i + 1].split(',').map(String::from).collect());
                i += 2;
            }
            a => {
                pos.push(a.to_string());
                i += 1;
            }
        }
    }
    let num = |k: usize| -> usize { pos.get(k).and_then(|s| s.parse().ok()).unwrap_or_else(|| usage()) };
    let sc = |n: f64| -> usize { ((n * scale) as usize).max(1) };
    let want = |name: &str| only.as_ref().is_none_or(|v| v.iter().any(|x| x == name));
    match pos.first().map(String::as_str) {
        Some("all") => {
            if want("syscall") {
                bench_syscall(&o, sc(50_000.0) as u64);
            }
            if want("pio") {
                bench_pio(&o, 256, 5);
            }
            if want("bp") {
                bench_bp(&o, sc(20_000.0) as u64);
            }
            if want("allstop") {
                for (th, cyc) in [(1, 400.0), (8, 300.0), (64, 100.0), (512, 30.0)] {
                    bench_allstop(&o, th, sc(cyc).max(10), false);
                }
            }
            // Spinning threads on one CPU measure the scheduler, not ptrace
            // (a SCHED_OTHER tracer waits for a tick to preempt them:
            // perf-baselines section 5), so only on request.
            if only.as_ref().is_some_and(|v| v.iter().any(|x| x == "allstop-spin")) {
                for (th, cyc) in [(1, 400.0), (8, 50.0)] {
                    bench_allstop(&o, th, sc(cyc).max(10), true);
                }
            }
            if want("vm") {
                for n in [50, 5_000, 30_000] {
                    bench_vm(&o, n, 5);
                }
            }
        }
        Some("syscall") => bench_syscall(&o, num(1) as u64),
        Some("pio") => bench_pio(&o, num(1), 5),
        Some("bp") => bench_bp(&o, num(1) as u64),
        Some("allstop") => bench_allstop(&o, num(1), num(2), pos.get(3).map(String::as_str) == Some("spin")),
        Some("vm") => bench_vm(&o, num(1), num(2)),
        _ => usage(),
    }
}
