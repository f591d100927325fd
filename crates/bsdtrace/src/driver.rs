//! [`Engine`]: a [`Tracer`] driven by a thread of its own, so traced
//! processes make progress while the program that traces them is busy
//! elsewhere.
//!
//! A direct [`Tracer`] does its work inside its caller's `wait()` and
//! requests: every Linux stop that FreeBSD would not report (an ignored
//! signal, the untraced half of a syscall, a new thread, a thread's exit, a
//! whole-process stop's stragglers) is handled only when the tracer calls in
//! again. A tracer blocked in `read()` on a pipe its tracee writes to would
//! wait forever. FreeBSD's kernel never needs the debugger for those.
//!
//! The engine thread is the Linux tracer of everything an `Engine` traces
//! (Linux accepts ptrace requests only from the thread that attached). It
//! sleeps until either a tracee has a status or another thread hands it a
//! request ([`crate::sys::wakeup`]: one `io_uring_enter` over a `waitid`
//! peek and a futex, or a doorbell child where io_uring is missing); it
//! reaps and dispatches every status, resumes what FreeBSD would not
//! report, and *publishes* what it would: waits ([`Engine::wait`]) take
//! published statuses under a lock, without a thread hop, and a descriptor
//! ([`Engine::ready_fd`]) is readable while one is waiting, for `poll`,
//! `epoll` or an async runtime.
//!
//! Requests run on the engine thread ([`Engine::with`]: one hop each way).
//! A published stop is not "waited for" (FreeBSD's `P_WAITED`) until a
//! wait took it, so requests before that see `EBUSY`, as on FreeBSD.
//!
//! It must never: block a waiter while a status it asked for is published,
//! run a request anywhere but on the engine thread, or leave a job un-run
//! (a caller blocked on it would hang).

use crate::engine::{Pid, Tracer, WaitOptions, WaitStatus};
use crate::error::{Errno, Result};
use crate::sys::{self, wakeup};
use std::cell::UnsafeCell;
use std::collections::VecDeque;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

pub use crate::sys::wakeup::Backend;

/// A status an [`Engine`] reports: what [`Engine::wait_rusage`] returns.
#[derive(Clone, Copy, Debug)]
pub struct Report {
    /// The process (or untraced child of the engine thread).
    pub pid: Pid,
    pub status: WaitStatus,
    /// The resource usage reaped with an exit.
    pub rusage: Option<sys::Rusage>,
    /// For an exit of a traced process: its process group as last known.
    pub pgid: Option<i32>,
}

/// A [`Tracer`] on a thread of its own. Cloning gives another handle to the
/// same engine; it is `Send` and `Sync`, so any thread may wait and issue
/// requests. The engine thread ends, and everything still traced is killed
/// (or detached, see [`Tracer::set_kill_on_exit`]), when the last handle is
/// dropped.
#[derive(Clone)]
pub struct Engine {
    shared: Arc<Shared>,
    _handle: Arc<Handle>,
}

/// Dropped with the last `Engine` clone: stops the engine thread.
struct Handle {
    shared: Arc<Shared>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shared.lock().closing = true;
        self.shared.bell.ring();
        if let Some(t) = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take() {
            if t.thread().id() != std::thread::current().id() {
                let _ = t.join();
            }
        }
    }
}

struct Shared {
    bell: wakeup::Bell,
    state: Mutex<State>,
    /// Waiters sleep here until a publication.
    cv: Condvar,
    /// Readable (non-zero) while a report is published and not taken.
    ready: OwnedFd,
    /// The engine thread's id, once it runs.
    engine_tid: AtomicI32,
    backend: Mutex<Option<Backend>>,
}

type Job = Box<dyn FnOnce(&mut Tracer) + Send>;

#[derive(Default)]
struct State {
    jobs: VecDeque<JobBox>,
    published: VecDeque<Report>,
    /// Processes the engine traces, and its own untraced children: a wait
    /// for another pid is ECHILD.
    known: Vec<i32>,
    /// Stops waiters took since the engine last ran a job: marked
    /// "waited" before the next one runs.
    marks: Vec<Pid>,
    closing: bool,
    /// The engine thread is gone (it failed to start, or panicked).
    dead: bool,
    /// The eventfd holds a count.
    signalled: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What a blocked caller of [`Engine::with`] waits on: the job's result,
/// written by the engine thread, and the flag set when the job is done
/// (or dropped unrun: no value).
struct Slot<R> {
    value: UnsafeCell<Option<std::thread::Result<R>>>,
    done: AtomicBool,
}

/// A queued job with the completion flag of its slot, set even if the job
/// is dropped unrun, so its caller never hangs.
struct JobBox {
    job: Option<Job>,
    done: *const AtomicBool,
    thread: std::thread::Thread,
}

// SAFETY: `done` points into a `Slot` that its caller keeps alive (it
// blocks in `with`) until the flag is set; only the flag is touched
// through it, atomically.
unsafe impl Send for JobBox {}

impl JobBox {
    /// Run the job; its caller is released when the box is dropped (after
    /// the engine published what the job made reportable, so the caller's
    /// next wait sees it).
    fn run(&mut self, t: &mut Tracer) {
        if let Some(job) = self.job.take() {
            job(t);
        }
    }
}

impl Drop for JobBox {
    fn drop(&mut self) {
        // Ran or not, release the caller (an unrun job leaves no value).
        self.job = None;
        let th = self.thread.clone();
        // SAFETY: the slot is alive until `done` is set (see above).
        unsafe { (*self.done).store(true, Ordering::Release) };
        th.unpark();
    }
}

/// How an [`Engine`] is started.
#[derive(Clone, Copy, Debug, Default)]
pub struct EngineOptions {
    /// Force a wake-up backend (tests, benchmarks); `None` picks io_uring
    /// when the kernel has it, else the doorbell.
    pub backend: Option<Backend>,
    /// Wait for children of the whole process, not only the engine
    /// thread's (see [`Tracer::process_wide`]); off by default, so that the
    /// program's own children are never reaped behind its back.
    pub process_wide: bool,
}

impl Engine {
    /// Start an engine thread with default options.
    pub fn new() -> Result<Engine> {
        Engine::with_options(EngineOptions::default())
    }

    /// Start an engine thread.
    pub fn with_options(opts: EngineOptions) -> Result<Engine> {
        let efd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if efd < 0 {
            return Err(Errno::last().into());
        }
        let shared = Arc::new(Shared {
            bell: wakeup::Bell::default(),
            state: Mutex::new(State::default()),
            cv: Condvar::new(),
            // SAFETY: a fresh descriptor we own.
            ready: unsafe { OwnedFd::from_raw_fd(efd) },
            engine_tid: AtomicI32::new(0),
            backend: Mutex::new(None),
        });
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<()>>(1);
        let s2 = shared.clone();
        let thread = spawn_quiet("bsdtrace-engine", move || engine_main(s2, opts, tx))?;
        match rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                let _ = thread.join();
                return Err(e);
            }
            Err(_) => return Err(Errno::EIO.into()),
        }
        let handle = Arc::new(Handle { shared: shared.clone(), thread: Mutex::new(Some(thread)) });
        Ok(Engine { shared, _handle: handle })
    }

    /// Which wake-up backend the engine thread uses.
    pub fn backend(&self) -> Backend {
        self.shared.backend.lock().unwrap_or_else(|e| e.into_inner()).expect("set before start returns")
    }

    /// The engine thread's Linux tid (the tracer of every tracee, as
    /// `/proc/PID/status`'s TracerPid shows).
    pub fn engine_tid(&self) -> i32 {
        self.shared.engine_tid.load(Ordering::Relaxed)
    }

    /// Is the calling thread the engine thread (inside a job)?
    pub fn on_engine_thread(&self) -> bool {
        sys::gettid() == self.engine_tid()
    }

    /// Run `f` on the engine thread with its [`Tracer`] and return its
    /// result: every request goes this way (`engine.with(|t| t.get_regs(pid.into()))`).
    /// `f` runs after the stops taken by earlier waits of any thread are
    /// marked collected. A panic in `f` is raised again here. Calling `with`
    /// from inside `f` panics (the Tracer is already lent), and so does
    /// [`Tracer::wait`] inside `f` fail with `EDEADLK`: use [`Engine::wait`].
    pub fn with<'a, R: Send + 'a>(&self, f: impl FnOnce(&mut Tracer) -> R + Send + 'a) -> R {
        assert!(!self.on_engine_thread(), "Engine::with called from inside an engine job");
        let slot = Slot { value: UnsafeCell::new(None), done: AtomicBool::new(false) };
        let sp = SlotPtr(&slot as *const Slot<R>);
        let job: Box<dyn FnOnce(&mut Tracer) + Send + 'a> = Box::new(move |t: &mut Tracer| {
            let sp = sp;
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(t)));
            // SAFETY: the caller blocks until `done` (set when the JobBox
            // is dropped, after this); nothing else writes the value.
            unsafe { *(*sp.0).value.get() = Some(r) };
        });
        // SAFETY: the job borrows data of lifetime 'a; this function does
        // not return before the job ran or was dropped unrun (`done` is set
        // either way), so the borrow never outlives 'a.
        let job: Job = unsafe { std::mem::transmute::<Box<dyn FnOnce(&mut Tracer) + Send + 'a>, Job>(job) };
        let boxed = JobBox { job: Some(job), done: &slot.done, thread: std::thread::current() };
        {
            let mut st = self.shared.lock();
            if st.dead {
                drop(st);
                drop(boxed);
                panic!("the bsdtrace engine thread is gone");
            }
            st.jobs.push_back(boxed);
        }
        self.shared.bell.ring();
        while !slot.done.load(Ordering::Acquire) {
            std::thread::park();
        }
        match slot.value.into_inner() {
            Some(Ok(r)) => r,
            Some(Err(p)) => std::panic::resume_unwind(p),
            None => panic!("the bsdtrace engine thread is gone"),
        }
    }

    /// FreeBSD's `wait4()` for what the engine traces (and the engine
    /// thread's own untraced children): a whole-process stop, an exit, a
    /// job-control stop (`untraced`), a continue (`continued`). `pid`: -1
    /// any, > 0 that one, 0 our process group, < -1 that group. Taking a
    /// stop marks it collected. `Ok(None)` only with `nohang`; ECHILD when
    /// nothing selected is traced or known. Never hops to the engine thread.
    pub fn wait(&self, pid: i32, opts: WaitOptions) -> Result<Option<(Pid, WaitStatus)>> {
        Ok(self.wait_rusage(pid, opts)?.map(|r| (r.pid, r.status)))
    }

    /// [`Engine::wait`] with the resource usage of an exit.
    pub fn wait_rusage(&self, pid: i32, opts: WaitOptions) -> Result<Option<Report>> {
        let mut st = self.shared.lock();
        loop {
            if let Some(r) = self.take(&mut st, pid, opts, None) {
                return Ok(Some(r));
            }
            if st.dead {
                return Err(Errno::ECHILD.into());
            }
            if !self.selects_any(&st, pid) {
                return Err(Errno::ECHILD.into());
            }
            if opts.nohang {
                return Ok(None);
            }
            st = self.shared.cv.wait(st).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Take the first published report `pid` and `opts` select (and that
    /// `keep` does not refuse), marking a stop collected. `pgid_of` lets a
    /// caller with its own process-group knowledge select (else getpgid).
    fn take(&self, st: &mut State, pid: i32, opts: WaitOptions, keep: Option<&dyn Fn(&Report) -> bool>) -> Option<Report> {
        let my_pgid = if pid == 0 { sys::getpgid(0).unwrap_or(-2) } else { 0 };
        let i = st.published.iter().position(|r| {
            let wanted = match r.status {
                WaitStatus::Stopped(_) | WaitStatus::Exited(_) | WaitStatus::Signaled { .. } => true,
                WaitStatus::JobStopped(_) => opts.untraced,
                WaitStatus::Continued => opts.continued,
            };
            wanted && selects(pid, my_pgid, r) && keep.is_none_or(|k| k(r))
        })?;
        let r = st.published.remove(i)?;
        if matches!(r.status, WaitStatus::Stopped(_)) {
            st.marks.push(r.pid);
        }
        if st.published.is_empty() && st.signalled {
            st.signalled = false;
            let mut v = 0u64;
            // SAFETY: an 8-byte read from our eventfd (non-blocking).
            unsafe { libc::read(self.shared.ready.as_raw_fd(), (&mut v as *mut u64).cast(), 8) };
        }
        Some(r)
    }

    fn selects_any(&self, st: &State, pid: i32) -> bool {
        match pid {
            p if p > 0 => st.known.contains(&p) || st.published.iter().any(|r| r.pid.0 == p),
            _ => !st.known.is_empty() || !st.published.is_empty(),
        }
    }

    /// Is `pid` traced by the engine, one of its own children, or the
    /// subject of a published report?
    pub fn knows(&self, pid: i32) -> bool {
        let st = self.shared.lock();
        st.known.contains(&pid) || st.published.iter().any(|r| r.pid.0 == pid)
    }

    /// A descriptor that is readable while a report is published and not
    /// yet taken by a wait: put it in `poll`/`epoll` (or an async runtime's
    /// reactor) and call [`Engine::wait`] with `nohang` when it fires.
    pub fn ready_fd(&self) -> BorrowedFd<'_> {
        self.shared.ready.as_fd()
    }
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new().expect("cannot start the bsdtrace engine thread")
    }
}

struct SlotPtr<R>(*const Slot<R>);
// SAFETY: the pointer is only dereferenced on the engine thread while the
// owning caller is blocked waiting for it; R: Send travels with it.
unsafe impl<R: Send> Send for SlotPtr<R> {}
impl<R> Clone for SlotPtr<R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<R> Copy for SlotPtr<R> {}

fn selects(want: i32, my_pgid: i32, r: &Report) -> bool {
    match want {
        -1 => true,
        w if w > 0 => r.pid.0 == w,
        w => {
            let g = r.pgid.or_else(|| sys::getpgid(r.pid.0).ok()).unwrap_or(-1);
            if w == 0 {
                g == my_pgid
            } else {
                g == -w
            }
        }
    }
}

/// A thread of ours with every signal blocked, so the program's
/// process-directed signals and their handlers never land on it. The mask
/// is set in the spawning thread around the spawn, so the new thread starts
/// with it (blocking from inside leaves a window in which a handler could
/// run on it before Rust has set it up).
pub fn spawn_quiet<T: Send + 'static>(name: &str, f: impl FnOnce() -> T + Send + 'static) -> Result<std::thread::JoinHandle<T>> {
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
    r.map_err(|e| Errno::from(e).into())
}

fn engine_main(shared: Arc<Shared>, opts: EngineOptions, started: std::sync::mpsc::SyncSender<Result<()>>) {
    shared.engine_tid.store(sys::gettid(), Ordering::Relaxed);
    let mut tracer = if opts.process_wide { Tracer::process_wide() } else { Tracer::new() };
    tracer.driven = true;
    let mut sleeper = match wakeup::Sleeper::new(&shared.bell, opts.backend) {
        Ok(s) => s,
        Err(e) => {
            shared.lock().dead = true;
            let _ = started.send(Err(e.into()));
            return;
        }
    };
    tracer.doorbell = sleeper.doorbell();
    *shared.backend.lock().unwrap_or_else(|e| e.into_inner()) = Some(sleeper.backend());
    let _ = started.send(Ok(()));
    let mut known_stamp = (usize::MAX, 0i64);
    loop {
        // Requests first, in order; each sees the stops taken before it.
        loop {
            let job = {
                let mut st = shared.lock();
                for pid in std::mem::take(&mut st.marks) {
                    tracer.mark_waited(pid);
                }
                st.jobs.pop_front()
            };
            let Some(mut job) = job else { break };
            job.run(&mut tracer);
            publish(&shared, &mut tracer, &mut sleeper, &mut known_stamp);
            drop(job);
        }
        if shared.lock().closing {
            break;
        }
        let seen = sleeper.prepare(&shared.bell);
        {
            let st = shared.lock();
            if !st.jobs.is_empty() || st.closing {
                drop(st);
                sleeper.cancel(&shared.bell);
                continue;
            }
        }
        match sleeper.sleep(&shared.bell, seen, true) {
            Ok(wakeup::Woken::Kernel) => {
                let _ = tracer.pump();
            }
            Ok(wakeup::Woken::Reaped { tid, status, rusage }) => {
                tracer.dispatch_reaped(tid, status, rusage);
                let _ = tracer.pump();
            }
            Ok(wakeup::Woken::Jobs) => {}
            Err(e) => {
                tracing::error!(?e, "engine thread cannot sleep");
                break;
            }
        }
        publish(&shared, &mut tracer, &mut sleeper, &mut known_stamp);
    }
    // Closing: drop the tracer here, on its own thread (it kills or
    // detaches what it still traces), and release anyone still queued.
    let mut st = shared.lock();
    st.dead = true;
    let jobs = std::mem::take(&mut st.jobs);
    drop(st);
    drop(jobs);
    drop(tracer);
    drop(sleeper);
    shared.cv.notify_all();
}

/// Move what the tracer has to report into the published queue and wake
/// waiters; refresh the set of pids a wait may name.
fn publish(shared: &Shared, tracer: &mut Tracer, sleeper: &mut wakeup::Sleeper, stamp: &mut (usize, i64)) {
    for st in std::mem::take(&mut tracer.doorbell_statuses) {
        if !sleeper.doorbell_status(&shared.bell, st) {
            tracing::error!("the engine's doorbell child cannot be recreated");
        }
    }
    let mut new = Vec::new();
    while let Some(r) = tracer.take_reported() {
        new.push(Report { pid: r.pid, status: r.status, rusage: r.rusage, pgid: r.pgid });
    }
    let fp = (
        tracer.procs.len() + tracer.children.len(),
        tracer.procs.keys().map(|p| p.0 as i64).sum::<i64>() + tracer.children.iter().map(|p| *p as i64 * 31).sum::<i64>(),
    );
    let known_changed = fp != *stamp;
    if new.is_empty() && !known_changed {
        return;
    }
    *stamp = fp;
    let mut st = shared.lock();
    if known_changed {
        st.known.clear();
        st.known.extend(tracer.procs.keys().map(|p| p.0));
        st.known.extend(tracer.children.iter().copied());
    }
    if !new.is_empty() {
        st.published.extend(new);
        if !st.signalled {
            st.signalled = true;
            let v = 1u64;
            // SAFETY: an 8-byte write to our eventfd.
            unsafe { libc::write(shared.ready.as_raw_fd(), (&v as *const u64).cast(), 8) };
        }
    }
    drop(st);
    shared.cv.notify_all();
}
