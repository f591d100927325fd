//! Where this process's one `Tracer` lives, and which thread may call it.
//!
//! Linux accepts ptrace requests for a tracee only from the thread that
//! attached it, and the engine issues requests while it reaps (it stops
//! every LWP of a process before reporting), so every engine call must run
//! on one thread: the *executor*. FreeBSD lets any thread of the tracer
//! issue requests and wait. The design (docs/c-api.md, "Threads"):
//!
//! * **Direct mode.** If the process has one thread when it first calls
//!   `ptrace()` or a wait function, that thread is the executor. Its calls
//!   run inline on a thread-local `Tracer`: no lock, no thread hop. A
//!   blocking wait is a `WNOHANG` engine wait plus a `waitid(WNOWAIT)` peek
//!   in the same thread (two system calls more than a plain blocking wait,
//!   so that the thread can be woken, see below).
//! * **Thread mode.** If the process already has several threads (or
//!   `BSDTRACE_ENGINE_THREAD=1`), a dedicated engine thread is the executor
//!   and every call is forwarded to it.
//! * **Forwarding.** A call from any other thread is queued for the
//!   executor and the caller sleeps until it ran. In direct mode the owner
//!   serves the queue whenever it is inside libbsdtrace, including while it
//!   blocks in a wait; a call from another thread while the owner is
//!   outside libbsdtrace waits until it comes back (documented limit; thread
//!   mode has none).
//! * **Blocking waits with several threads** never block in the kernel on
//!   the executor: the waiter sleeps on a condition variable, and a watcher
//!   thread (it makes no ptrace requests) peeks with `waitid(WNOWAIT)` and
//!   wakes the waiters when the kernel has a status. A sequence number,
//!   bumped after every engine call, wakes waiters whose status another
//!   thread's call made ready (the engine reaps with `wait4(-1)` and can
//!   report a pending event without any new kernel status).
//! * **Doorbell.** A thread blocked in `waitid` can only be woken by a child
//!   status. When the direct-mode owner is blocked in its peek and another
//!   thread needs it, or the watcher peeks with narrower options than a new
//!   waiter needs, we create a child that exits at once (`clone` with no
//!   exit signal, so nobody gets SIGCHLD); its status wakes the peek, and
//!   the wait functions never report it.
//!
//! What it must never do: run an engine call on a thread other than the
//! executor, sleep and re-poll, or hold the lock while an engine call runs.

use bsdtrace::{Errno, Pid, Tracer, WaitStatus};
use std::cell::RefCell;
use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

/// A status the engine handed out that the wait which took it could not
/// report (a `waitid()` without `WEXITED`, or with `WNOWAIT`): it is handed
/// out again first.
#[derive(Clone, Copy, Debug)]
pub struct Stashed {
    pub pid: Pid,
    /// Its process group when it was taken (it may be reaped since).
    pub pgid: i32,
    pub status: WaitStatus,
    /// Resource usage reaped with an exit (wait3/wait4 report it).
    pub rusage: Option<bsdtrace::sys::Rusage>,
}

/// What the executor owns.
pub struct Ctx {
    pub tracer: Tracer,
    pub stash: VecDeque<Stashed>,
}

impl Ctx {
    fn new() -> Ctx {
        Ctx {
            tracer: Tracer::process_wide(),
            stash: VecDeque::new(),
        }
    }
}

type Job = Box<dyn FnOnce(&mut Ctx) + Send>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Direct { owner: i32 },
    Thread,
}

struct Inner {
    jobs: VecDeque<Job>,
    /// Bumped after every engine call and whenever the watcher sees a status.
    seq: u64,
    /// Linux wait options (WSTOPPED, WCONTINUED) of each blocked waiter.
    waiters: Vec<i32>,
    watcher_started: bool,
    /// The options the watcher is peeking with, 0 when it is not in the kernel.
    watcher_flags: i32,
    /// The direct-mode owner is blocked in its own peek.
    owner_peeking: bool,
    doorbells: HashSet<i32>,
}

struct Global {
    mode: Mode,
    /// Another thread has called in direct mode: the owner serves the queue.
    shared: AtomicBool,
    m: Mutex<Inner>,
    cv: Condvar,
}

static GLOBAL: AtomicPtr<Global> = AtomicPtr::new(std::ptr::null_mut());

thread_local! {
    /// The Tracer of the direct-mode owner.
    static CTX: RefCell<Option<Ctx>> = const { RefCell::new(None) };
}

thread_local! {
    /// This thread's id, cached: every call compares it with the owner's.
    static TID: std::cell::Cell<i32> = const { std::cell::Cell::new(0) };
}

fn gettid() -> i32 {
    TID.with(|t| match t.get() {
        0 => {
            let tid = bsdtrace::sys::gettid();
            t.set(tid);
            tid
        }
        tid => tid,
    })
}

fn lock(g: &Global) -> MutexGuard<'_, Inner> {
    g.m.lock().unwrap_or_else(|e| e.into_inner())
}

fn thread_count() -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|d| d.count())
        .unwrap_or(2)
}

fn global() -> &'static Global {
    let p = GLOBAL.load(Ordering::Acquire);
    if !p.is_null() {
        // SAFETY: a published Global is never freed (after fork the child
        // drops the pointer and leaks the copy).
        return unsafe { &*p };
    }
    let forced = std::env::var("BSDTRACE_ENGINE_THREAD").ok();
    let thread = match forced.as_deref() {
        Some("1") => true,
        Some("0") => false,
        _ => thread_count() > 1,
    };
    let mode = if thread {
        Mode::Thread
    } else {
        Mode::Direct { owner: gettid() }
    };
    let g = Box::into_raw(Box::new(Global {
        mode,
        shared: AtomicBool::new(false),
        m: Mutex::new(Inner {
            jobs: VecDeque::new(),
            seq: 0,
            waiters: Vec::new(),
            watcher_started: false,
            watcher_flags: 0,
            owner_peeking: false,
            doorbells: HashSet::new(),
        }),
        cv: Condvar::new(),
    }));
    match GLOBAL.compare_exchange(std::ptr::null_mut(), g, Ordering::AcqRel, Ordering::Acquire) {
        Ok(_) => {
            // SAFETY: just published, never freed.
            let g: &'static Global = unsafe { &*g };
            if g.mode == Mode::Thread {
                spawn_quiet("bsdtrace-engine", move || engine_thread(g));
            }
            g
        }
        Err(winner) => {
            // SAFETY: `g` was never published; `winner` is, and is never freed.
            unsafe {
                drop(Box::from_raw(g));
                &*winner
            }
        }
    }
}

/// A thread of ours with every signal blocked, so the application's
/// process-directed signals and their handlers never land on it. The mask
/// is set in the spawning thread around the spawn, so the new thread starts
/// with it: blocking from inside the new thread left a window in which a
/// handler (a SIGCHLD handler calling waitpid) could run on it before Rust
/// had set up the thread, which aborted the program ("current thread handle
/// already set during thread spawn").
fn spawn_quiet(name: &str, f: impl FnOnce() + Send + 'static) {
    // SAFETY: fully initialised sets, applied to this thread only, and the
    // old mask is put back before returning.
    let mut old: libc::sigset_t = unsafe { std::mem::zeroed() };
    unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_BLOCK, &all, &mut old);
    }
    let r = std::thread::Builder::new().name(name.into()).spawn(f);
    unsafe {
        libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
    }
    r.expect("cannot start a libbsdtrace thread");
}

/// After fork() the child has none of our threads and traces nothing:
/// forget (leak) the parent's state so the child starts afresh.
extern "C" fn atfork_child() {
    GLOBAL.store(std::ptr::null_mut(), Ordering::Release);
    // The child's only thread has a new id.
    let _ = TID.try_with(|t| t.set(0));
    let _ = CTX.try_with(|c| {
        if let Ok(mut c) = c.try_borrow_mut() {
            if let Some(ctx) = c.take() {
                std::mem::forget(ctx);
            }
        }
    });
}

thread_local! {
    /// This thread forked since its children were last found settled (see
    /// [`forked_since_settled`]).
    static FORKED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

extern "C" fn atfork_parent() {
    let _ = FORKED.try_with(|f| f.set(true));
}

/// Did this thread fork a child that might still become its PT_TRACE_ME
/// tracee? Cleared by [`children_settled`].
pub fn forked_since_settled() -> bool {
    FORKED.with(|f| f.get())
}

/// Every child of this thread is traced by the engine, by someone else, or
/// gone: none can become a PT_TRACE_ME tracee of this thread before it forks
/// again.
pub fn children_settled() {
    FORKED.with(|f| f.set(false));
}

/// Register the fork handlers when the library is loaded, so that forks made
/// before the first libbsdtrace call are seen too.
extern "C" fn on_load() {
    // SAFETY: registers handlers that only touch our own statics and
    // thread-locals.
    unsafe { libc::pthread_atfork(None, Some(atfork_parent), Some(atfork_child)) };
}

#[used]
#[link_section = ".init_array"]
static ON_LOAD: extern "C" fn() = on_load;

fn engine_thread(g: &'static Global) {
    let mut ctx = Ctx::new();
    let mut i = lock(g);
    loop {
        match i.jobs.pop_front() {
            Some(job) => {
                drop(i);
                // A panic must not take the executor (and every thread
                // waiting on it) down; its caller sees a closed channel.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut ctx)));
                i = lock(g);
            }
            None => i = g.cv.wait(i).unwrap_or_else(|e| e.into_inner()),
        }
    }
}

/// Bump the sequence after an engine call; returns the new value.
fn bump(g: &Global) -> u64 {
    let mut i = lock(g);
    i.seq += 1;
    g.cv.notify_all();
    i.seq
}

thread_local! {
    /// This thread is inside a libbsdtrace entry point.
    static INSIDE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Marks the calling thread as inside libbsdtrace until dropped.
pub struct Inside(());

impl Drop for Inside {
    fn drop(&mut self) {
        INSIDE.with(|i| i.set(false));
    }
}

/// Enter libbsdtrace; `None` if this thread already is inside it, which
/// can only be a signal handler that interrupted it and called in again.
/// libbsdtrace is not async-signal-safe (it takes locks, allocates and may
/// be in the middle of an engine call), so such a call must fail at once.
pub fn enter() -> Option<Inside> {
    INSIDE.with(|i| (!i.replace(true)).then(|| Inside(())))
}

/// Run `f` on the owner's engine; `None` if the engine is busy on this very
/// thread: a signal handler that interrupted a libbsdtrace call called in
/// again (the engine is not async-signal-safe; failing beats corrupting it).
fn with_owner_ctx<R>(f: impl FnOnce(&mut Ctx) -> R) -> Option<R> {
    CTX.with(|c| {
        c.try_borrow_mut()
            .ok()
            .map(|mut c| f(c.get_or_insert_with(Ctx::new)))
    })
}

/// Run the queued calls of other threads (direct-mode owner only).
fn serve_queue(g: &Global) {
    loop {
        let job = lock(g).jobs.pop_front();
        let Some(job) = job else { return };
        let _ = with_owner_ctx(job);
    }
}

/// Run `f` on the executor; returns its result and the sequence number right
/// after it (for [`block`]). `None`: called from a signal handler that
/// interrupted the direct-mode owner inside the engine.
fn call_seq<R: Send + 'static>(f: impl FnOnce(&mut Ctx) -> R + Send + 'static) -> Option<(R, u64)> {
    let g = global();
    let me = gettid();
    match g.mode {
        Mode::Direct { owner } if owner == me => {
            if !g.shared.load(Ordering::Acquire) {
                return with_owner_ctx(f).map(|r| (r, 0));
            }
            serve_queue(g);
            let r = with_owner_ctx(f)?;
            let s = bump(g);
            serve_queue(g);
            Some((r, s))
        }
        mode => {
            let (tx, rx) = std::sync::mpsc::sync_channel(1);
            let job: Job = Box::new(move |ctx| {
                let r = f(ctx);
                let s = bump(global());
                let _ = tx.send((r, s));
            });
            {
                let mut i = lock(g);
                i.jobs.push_back(job);
                if matches!(mode, Mode::Direct { .. }) {
                    g.shared.store(true, Ordering::Release);
                    if i.owner_peeking {
                        ring_doorbell(&mut i);
                    }
                }
                g.cv.notify_all();
            }
            Some(rx.recv().expect("the libbsdtrace executor is gone"))
        }
    }
}

/// Run `f` on the executor (inline when the caller is it). `None` only for
/// a re-entrant call from a signal handler (see [`with_owner_ctx`]).
pub fn call<R: Send + 'static>(f: impl FnOnce(&mut Ctx) -> R + Send + 'static) -> Option<R> {
    call_seq(f).map(|(r, _)| r)
}

/// Is `pid` one of our doorbell children? (Forgets it: each is reported once.)
pub fn take_doorbell(pid: i32) -> bool {
    lock(global()).doorbells.remove(&pid)
}

/// A child that exits at once, without a signal to us: its exit status is
/// what wakes a thread blocked in waitid().
fn ring_doorbell(i: &mut Inner) {
    // SAFETY: a raw clone without CLONE_VM: the child has its own copy of
    // our memory and only makes the exit_group system call, touching nothing
    // (no locks, no allocation), so it is sound in a threaded process.
    let pid = unsafe {
        libc::syscall(
            libc::SYS_clone,
            0 as libc::c_ulong,
            0usize,
            0usize,
            0usize,
            0usize,
        )
    };
    if pid == 0 {
        // SAFETY: the child leaves at once.
        unsafe { libc::syscall(libc::SYS_exit_group, 0) };
        unreachable!();
    }
    if pid > 0 {
        i.doorbells.insert(pid as i32);
    }
}

/// `waitid(P_ALL, WNOWAIT | __WALL | flags)`: the child the kernel would
/// report next, as (pid, si_code, si_status), without reaping it; `None`
/// when WNOHANG found nothing.
fn waitid_peek(flags: i32) -> Result<Option<(i32, i32, i32)>, Errno> {
    // SAFETY: an all-zero siginfo_t is valid; the kernel writes into it.
    let mut si: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: plain system call with a valid out-pointer.
    let r = unsafe {
        libc::syscall(
            libc::SYS_waitid,
            libc::P_ALL,
            0,
            &mut si as *mut libc::siginfo_t,
            flags | libc::WNOWAIT | bsdtrace::sys::WALL,
            0usize,
        )
    };
    if r == -1 {
        return Err(Errno::last());
    }
    // SAFETY: waitid filled the SIGCHLD member (or left si_pid 0).
    let (pid, status) = unsafe { (si.si_pid(), si.si_status()) };
    Ok((pid != 0).then_some((pid, si.si_code, status)))
}

/// Block until some child has a status these options report.
fn peek(flags: i32) -> Result<(), Errno> {
    waitid_peek(flags | libc::WEXITED).map(drop)
}

/// The next job-control stop (CLD_STOPPED) of a child, if it is the first
/// stopped child the kernel has: (pid, signal). Not reaped.
pub fn peek_job_stop() -> Option<(i32, i32)> {
    match waitid_peek(libc::WSTOPPED | libc::WNOHANG) {
        Ok(Some((pid, code, sig))) if code == libc::CLD_STOPPED => Some((pid, sig)),
        _ => None,
    }
}

/// Block until something may have changed for a waiter whose last attempt
/// ended at sequence `seen`. `flags` are the Linux options (WSTOPPED,
/// WCONTINUED) the wait reports. EINTR only from the owner's own peek (a
/// signal handler without SA_RESTART ran, as the kernel's wait would say).
fn block(seen: u64, flags: i32) -> Result<(), Errno> {
    let g = global();
    let owner = matches!(g.mode, Mode::Direct { owner } if owner == gettid());
    if owner {
        let peeking = {
            let mut i = lock(g);
            // Checked under the lock a forwarding thread takes to set it.
            i.owner_peeking = !g.shared.load(Ordering::Acquire);
            i.owner_peeking
        };
        if peeking {
            let r = peek(flags);
            lock(g).owner_peeking = false;
            return match r {
                Err(Errno::EINTR) => Err(Errno::EINTR),
                _ => Ok(()),
            };
        }
    }
    let mut i = lock(g);
    i.waiters.push(flags);
    if !i.watcher_started {
        i.watcher_started = true;
        spawn_quiet("bsdtrace-wait", move || watcher(g));
    } else if i.watcher_flags != 0 && flags & !i.watcher_flags != 0 {
        // The watcher peeks with narrower options than we need.
        ring_doorbell(&mut i);
    }
    g.cv.notify_all();
    while i.seq == seen {
        if owner {
            if let Some(job) = i.jobs.pop_front() {
                drop(i);
                let _ = with_owner_ctx(job);
                i = lock(g);
                continue;
            }
        }
        i = g.cv.wait(i).unwrap_or_else(|e| e.into_inner());
    }
    let pos = i
        .waiters
        .iter()
        .position(|f| *f == flags)
        .expect("registered");
    i.waiters.swap_remove(pos);
    g.cv.notify_all();
    Ok(())
}

/// The watcher: peeks for kernel statuses on behalf of blocked waiters and
/// wakes them; then waits until one of them called the engine (which reaps
/// what it can) before it peeks again, so it never spins on a status.
fn watcher(g: &'static Global) {
    let mut i = lock(g);
    loop {
        if i.waiters.is_empty() {
            i = g.cv.wait(i).unwrap_or_else(|e| e.into_inner());
            continue;
        }
        let flags = i.waiters.iter().fold(libc::WEXITED, |a, f| a | f);
        i.watcher_flags = flags;
        drop(i);
        let r = loop {
            match peek(flags) {
                Err(Errno::EINTR) => continue,
                r => break r,
            }
        };
        i = lock(g);
        i.watcher_flags = 0;
        i.seq += 1;
        let s = i.seq;
        g.cv.notify_all();
        let _ = r;
        while i.seq == s && !i.waiters.is_empty() {
            i = g.cv.wait(i).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// A wait: run `attempt` (which must not block) on the executor until it
/// yields a result; between attempts block as [`block`] does, unless
/// `nohang`. `flags` are the Linux options the wait reports; `before` runs
/// in the calling thread before each attempt and before blocking; when it
/// returns true the attempt is repeated at once.
pub fn wait_loop<R: Send + 'static>(
    nohang: bool,
    flags: i32,
    before: impl Fn() -> bool,
    attempt: impl Fn(&mut Ctx) -> Result<Option<R>, Errno> + Send + Sync + Clone + 'static,
) -> Result<Option<R>, Errno> {
    loop {
        before();
        let Some((r, seen)) = call_seq(attempt.clone()) else {
            // Re-entered from a signal handler: nothing can be reaped now.
            return if nohang { Ok(None) } else { Err(Errno::EINTR) };
        };
        match r {
            Ok(Some(x)) => return Ok(Some(x)),
            Err(e) => return Err(e),
            // `before` may have something for the engine now.
            Ok(None) if before() => continue,
            Ok(None) if nohang => return Ok(None),
            Ok(None) => block(seen, flags)?,
        }
    }
}

/// Does the calling thread run the engine itself?
pub fn is_executor() -> bool {
    matches!(global().mode, Mode::Direct { owner } if owner == gettid())
}

/// Which executor design this process runs (for tests and the benchmark).
pub fn mode_name() -> &'static str {
    match global().mode {
        Mode::Direct { .. } if global().shared.load(Ordering::Acquire) => "direct+forwarding",
        Mode::Direct { .. } => "direct",
        Mode::Thread => "engine-thread",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_reentry_leaves_the_thread_inside() {
        let outer = enter().expect("first entry");
        assert!(enter().is_none());
        // The refusal must not have cleared the flag of the outer call.
        assert!(enter().is_none());
        drop(outer);
        assert!(enter().is_some());
    }
}
