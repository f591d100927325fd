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
//! With [`EngineOptions::process_waits`] (the C face), a blocked wait also
//! covers the program's own children, forked by any of its threads, as
//! FreeBSD's process-wide `wait()` does: while such a waiter exists the
//! engine watches every child of the process and reaps what is not its own
//! into the published queue, so waiters never reap anything themselves
//! (from any thread but the engine's, `wait4` could swallow a tracee's
//! ptrace stop). A child that another thread of the program traces with
//! PT_TRACE_ME is left for that thread to hand over ([`Engine::take_traceme`]).
//!
//! It must never: block a waiter while a status it asked for is published,
//! run a request anywhere but on the engine thread, or leave a job un-run
//! (a caller blocked on it would hang).

use crate::engine::{LwpStatus, Pid, Tracer, WaitOptions, WaitStatus};
use crate::error::{Errno, Result};
use crate::sys::{self, wakeup, Tid};
use std::cell::UnsafeCell;
use std::collections::VecDeque;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

pub use crate::sys::wakeup::Backend;

mod app;
mod reports;
mod thread;
use app::*;
use reports::*;
use thread::engine_main;

/// A status an [`Engine`] reports: what [`Engine::wait_rusage`] returns.
#[derive(Clone, Copy, Debug)]
pub struct Report {
    /// The process (or untraced child).
    pub pid: Pid,
    pub status: WaitStatus,
    /// The resource usage reaped with an exit.
    pub rusage: Option<sys::Rusage>,
    /// For an exit: the process group it had (the process is gone;
    /// `wait(0)` and `wait(-pgid)` select by it).
    pub pgid: Option<i32>,
}

/// A child that a thread of the program traces with PT_TRACE_ME (Linux
/// made the forking thread its tracer) has stopped; only that thread can
/// hand it to the engine. Its stop notification was reaped by the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceMeStop {
    pub child: Pid,
    /// The tracing thread (Linux tid).
    pub tracer: Tid,
    /// The raw wait status of its stop.
    pub status: i32,
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
    /// Waiters sleep here until something they may want changes.
    cv: Condvar,
    /// Readable (non-zero) while a report is published and not taken.
    ready: OwnedFd,
    /// The engine thread's id, once it runs.
    engine_tid: AtomicI32,
    backend: Mutex<Option<Backend>>,
    process_waits: bool,
}

type Job = Box<dyn FnOnce(&mut Tracer) + Send>;

#[derive(Default)]
struct State {
    jobs: VecDeque<JobBox>,
    published: VecDeque<Report>,
    /// Reports of per-LWP processes ([`Engine::wait_lwp`]); each LWP stop
    /// is collected as it is published.
    lwp_published: VecDeque<(LwpStatus, Option<sys::Rusage>)>,
    /// Processes the engine traces, and its own untraced children: a wait
    /// for another pid is ECHILD (unless process waits cover it).
    known: Vec<i32>,
    /// Stops waiters took since the engine last ran a job: marked
    /// "waited" before the next one runs.
    marks: Vec<Pid>,
    /// Blocked waiters that want the program's own children too.
    app_waiters: usize,
    /// ... of which accept "continued" reports: while there are none, the
    /// process-wide peek leaves out WCONTINUED (see [`WaitFor::continued`]).
    cont_waiters: usize,
    /// Bumped at each such waiter's arrival: a watch that found nothing it
    /// could act on (no child at all, or only a child no waiter wanted
    /// then) stays parked until this moves.
    watch_gen: u64,
    /// The engine's process-wide peek (io_uring) is parked at this
    /// `watch_gen`; `None` while armed or never used.
    app_parked: Option<u64>,
    /// A waiter ever wanted the program's children: from then on the
    /// engine keeps its process-wide peek armed (re-arming it costs nothing
    /// at a stop it wakes for anyway), so a waiter's arrival needs no ring.
    app_ever: bool,
    /// Stopped PT_TRACE_ME children of the program's threads.
    traceme: Vec<TraceMeStop>,
    /// Children a thread of the program is handing to the engine (between
    /// its detach and the engine's seize): their job-control stop is the
    /// hand-over's, not to be reported; the watch pauses meanwhile.
    handover: Vec<i32>,
    /// Bumped at every change a waiter may care about.
    seq: u64,
    closing: bool,
    /// The engine thread is gone (it failed to start, or ended).
    dead: bool,
    /// The eventfd holds a count.
    signalled: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sleep until the engine publishes something new (or dies).
    fn next_news<'a>(&'a self, mut st: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        let seen = st.seq;
        while st.seq == seen && !st.dead {
            st = self.cv.wait(st).unwrap_or_else(|e| e.into_inner());
        }
        st
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
    /// Waits cover every child of the program, whichever thread forked it
    /// (FreeBSD's process-wide `wait()`; what the C face needs). Off by
    /// default: a Rust program's own children are then never reaped behind
    /// its back, and waits see only what the engine traces or spawned.
    pub process_waits: bool,
}

/// Options of [`Engine::wait_for`]: what a wait takes.
#[derive(Clone, Copy, Debug, Default)]
pub struct WaitFor {
    /// Return `None` instead of blocking.
    pub nohang: bool,
    /// Leave the report to be taken again (waitid's WNOWAIT).
    pub nowait: bool,
    /// Return `None` as soon as a stopped PT_TRACE_ME child traced by this
    /// thread (Linux tid) waits to be handed over ([`Engine::take_traceme`]).
    pub traceme_of: Option<Tid>,
    /// The waiter accepts "continued" reports (WCONTINUED). Linux keeps one
    /// such state per process, for whichever wait takes it first: only
    /// while a waiter asks does the engine look for it (and take it), so a
    /// traced process's real parent elsewhere still sees its continue.
    pub continued: bool,
}

impl Engine {
    /// Start an engine thread with default options.
    pub fn new() -> Result<Engine> {
        Engine::with_options(EngineOptions::default())
    }

    /// Start an engine thread.
    pub fn with_options(opts: EngineOptions) -> Result<Engine> {
        let ready = sys::eventfd()?;
        let shared = Arc::new(Shared {
            bell: wakeup::Bell::default(),
            state: Mutex::new(State::default()),
            cv: Condvar::new(),
            ready,
            engine_tid: AtomicI32::new(0),
            backend: Mutex::new(None),
            process_waits: opts.process_waits,
        });
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<()>>(1);
        let s2 = shared.clone();
        // The mask of the thread that made the engine: the programs the
        // engine spawns start with it, not with the engine thread's.
        let mask = sys::own_sigmask();
        let thread = sys::spawn_quiet("bsdtrace-engine", move || engine_main(s2, opts, mask, tx))?;
        match rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                let _ = thread.join();
                return Err(e);
            }
            Err(_) => return Err(Errno::EIO.into()),
        }
        let handle = Arc::new(Handle { shared: shared.clone(), thread: Mutex::new(Some(thread)) });
        if shared.backend.lock().unwrap_or_else(|e| e.into_inner()).is_some_and(|b| b == Backend::Doorbell) && opts.process_waits {
            // The doorbell backend's engine thread sleeps in wait4, which
            // cannot also watch the program's children: a watcher thread
            // peeks for it (see `watcher`).
            let weak = Arc::downgrade(&handle);
            let s3 = shared.clone();
            sys::spawn_quiet("bsdtrace-watch", move || watcher(s3, weak))?;
        }
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
    /// from inside `f` panics (the Tracer is already lent), and
    /// [`Tracer::wait`] inside `f` fails with `EDEADLK`: use [`Engine::wait`].
    pub fn with<'a, R: Send + 'a>(&self, f: impl FnOnce(&mut Tracer) -> R + Send + 'a) -> R {
        match self.try_with(f) {
            Some(r) => r,
            None => panic!("the bsdtrace engine thread is gone"),
        }
    }

    /// [`Engine::with`], or `None` if the engine thread has ended.
    pub fn try_with<'a, R: Send + 'a>(&self, f: impl FnOnce(&mut Tracer) -> R + Send + 'a) -> Option<R> {
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
                return None;
            }
            st.jobs.push_back(boxed);
        }
        self.shared.bell.ring();
        while !slot.done.load(Ordering::Acquire) {
            std::thread::park();
        }
        match slot.value.into_inner() {
            Some(Ok(r)) => Some(r),
            Some(Err(p)) => std::panic::resume_unwind(p),
            None => None,
        }
    }

    /// FreeBSD's `wait4()` for what the engine traces (and the engine
    /// thread's own untraced children, and with
    /// [`EngineOptions::process_waits`] every child of the program): a
    /// whole-process stop, an exit, a job-control stop (`untraced`), a
    /// continue (`continued`). `pid`: -1 any, > 0 that one, 0 our process
    /// group, < -1 that group. Taking a stop marks it collected.
    /// `Ok(None)` only with `nohang`; ECHILD when nothing selected exists.
    pub fn wait(&self, pid: i32, opts: WaitOptions) -> Result<Option<(Pid, WaitStatus)>> {
        Ok(self.wait_rusage(pid, opts)?.map(|r| (r.pid, r.status)))
    }

    /// [`Engine::wait`] with the resource usage of an exit.
    pub fn wait_rusage(&self, pid: i32, opts: WaitOptions) -> Result<Option<Report>> {
        let want = move |st: &WaitStatus| match st {
            WaitStatus::Stopped(_) | WaitStatus::Exited(_) | WaitStatus::Signaled { .. } => true,
            WaitStatus::JobStopped(_) => opts.untraced,
            WaitStatus::Continued => opts.continued,
        };
        self.wait_for(pid, want, WaitFor { nohang: opts.nohang, continued: opts.continued, ..WaitFor::default() })
    }

    /// The general wait: the first published report that `pid` selects
    /// and `want` accepts (see [`WaitFor`] for the rest).
    pub fn wait_for(&self, pid: i32, want: impl Fn(&WaitStatus) -> bool, how: WaitFor) -> Result<Option<Report>> {
        let shared = &*self.shared;
        let my_pgid = if pid == 0 { sys::getpgid(0).unwrap_or(-2) } else { 0 };
        let mut polled = false;
        // Counted as a waiter for the program's children for the whole call
        // (the guard uncounts it however the call ends).
        let registered = std::cell::Cell::new(false);
        let _uncount = Uncount { shared, registered: &registered, continued: how.continued };
        let mut st = shared.lock();
        loop {
            if let Some(r) = self.take(&mut st, pid, my_pgid, &want, how.nowait) {
                return Ok(Some(r));
            }
            if st.dead {
                return Err(Errno::ECHILD.into());
            }
            if let Some(me) = how.traceme_of {
                if st.traceme.iter().any(|t| t.tracer == me) {
                    return Ok(None);
                }
            }
            // A process whose report is published and not yet taken still
            // exists for the waiter (FreeBSD: an unreaped zombie child), also
            // when this wait does not want that report (a waitid for
            // WCONTINUED alone): "nothing", not ECHILD (which lost the exit
            // to the fuzz suite's model: `--avoid 9`).
            let known = pid > 0 && st.known.contains(&pid);
            let ours = match pid {
                p if p > 0 => known || st.published.iter().any(|r| r.pid.0 == p),
                -1 => !st.known.is_empty() || !st.published.is_empty(),
                _ => !st.known.is_empty(),
            };
            // A child of the program the engine does not trace is the
            // process-wide watch's, even with a report of it published
            // that this wait does not want (the job stop of a child
            // detached with SIGSTOP, published by a WNOHANG wait's look):
            // its exit comes only through that watch. Counted as the
            // engine's, the wait slept on news that never came.
            let app = shared.process_waits && !known;
            if !(ours || app && sys::has_child(pid, shared.bell.doorbell())) {
                return Err(Errno::ECHILD.into());
            }
            if how.nohang {
                if !app || polled {
                    return Ok(None);
                }
                // One look at the program's children, on the engine thread
                // (only it can tell its tracees' statuses from theirs).
                drop(st);
                polled = true;
                if self.try_with(|t| app_poll(shared, t, how.continued)).is_none() {
                    return Err(Errno::ECHILD.into());
                }
                st = shared.lock();
                continue;
            }
            if app && !registered.get() {
                registered.set(true);
                st.app_waiters += 1;
                st.watch_gen += 1;
                if how.continued {
                    st.cont_waiters += 1;
                }
                // The first waiter for "continued" changes what the peek
                // looks for: the engine must arm it again.
                let wake_engine = !st.app_ever || st.app_parked.is_some() || (how.continued && st.cont_waiters == 1);
                st.app_ever = true;
                if wake_engine || self.backend_is_doorbell() {
                    drop(st);
                    // The engine (or the doorbell backend's watcher) must
                    // look at the program's children again.
                    shared.cv.notify_all();
                    shared.bell.ring();
                    st = shared.lock();
                    continue;
                }
            }
            st = shared.next_news(st);
        }
    }

    fn backend_is_doorbell(&self) -> bool {
        self.shared.bell.doorbell().is_some()
    }

    /// Take the first published report selected, marking a stop collected.
    fn take(&self, st: &mut State, pid: i32, my_pgid: i32, want: &dyn Fn(&WaitStatus) -> bool, nowait: bool) -> Option<Report> {
        let i = st.published.iter().position(|r| want(&r.status) && selects(pid, my_pgid, r))?;
        let r = if nowait { st.published[i] } else { st.published.remove(i)? };
        crate::engine::ring::record(crate::engine::ring::Kind::Answer, r.pid.0 as i64, r.status.raw() as i64, nowait as i64);
        if !nowait && matches!(r.status, WaitStatus::Stopped(_)) {
            st.marks.push(r.pid);
        }
        self.clear_ready(st);
        Some(r)
    }

    fn clear_ready(&self, st: &mut State) {
        if st.published.is_empty() && st.lwp_published.is_empty() && st.signalled {
            st.signalled = false;
            sys::eventfd_clear(&self.shared.ready);
        }
    }

    /// [`Tracer::wait_lwp`] for the engine's per-LWP processes
    /// ([`crate::StopMode::Lwp`]): the next LWP stop or process exit, with
    /// the exit's resource usage. `pid`: -1 any, > 0 that one. The stop is
    /// collected as the engine publishes it, so requests may name the LWP
    /// as soon as its report exists. Blocks (unless `nohang`) while the
    /// engine runs everything else; ECHILD when nothing selected is traced.
    pub fn wait_lwp(&self, pid: i32, opts: WaitOptions) -> Result<Option<(LwpStatus, Option<sys::Rusage>)>> {
        if pid == 0 || pid < -1 {
            return Err(Errno::EINVAL.into());
        }
        let of = |s: &LwpStatus| match s {
            LwpStatus::Stopped { pid, .. } | LwpStatus::Exited { pid, .. } => pid.0,
        };
        let mut st = self.shared.lock();
        loop {
            if let Some(i) = st.lwp_published.iter().position(|(s, _)| pid == -1 || of(s) == pid) {
                let r = st.lwp_published.remove(i).expect("index valid");
                self.clear_ready(&mut st);
                return Ok(Some(r));
            }
            if st.dead || !(if pid > 0 { st.known.contains(&pid) } else { !st.known.is_empty() }) {
                return Err(Errno::ECHILD.into());
            }
            if opts.nohang {
                return Ok(None);
            }
            st = self.shared.next_news(st);
        }
    }

    /// Is `pid` traced by the engine, one of its own children, or the
    /// subject of a published report?
    pub fn knows(&self, pid: i32) -> bool {
        let st = self.shared.lock();
        st.known.contains(&pid) || st.published.iter().any(|r| r.pid.0 == pid)
    }

    /// Take a stopped PT_TRACE_ME child that thread `tracer` traces (it
    /// must detach it and hand it over: [`Tracer::adopt_traceme_detached`]).
    pub fn take_traceme(&self, tracer: Tid) -> Option<TraceMeStop> {
        let mut st = self.shared.lock();
        let i = st.traceme.iter().position(|t| t.tracer == tracer)?;
        Some(st.traceme.remove(i))
    }

    /// A thread of the program starts (`true`) or ends handing PT_TRACE_ME
    /// child `pid` over to the engine: between its detach and the engine's
    /// seize the child's job-control stop is the hand-over's own.
    pub fn handing_over(&self, pid: i32, on: bool) {
        let mut st = self.shared.lock();
        st.handover.retain(|p| *p != pid);
        if on {
            st.handover.push(pid);
        } else {
            // The process-wide watch was off during the hand-over: have the
            // engine look again (the child may have died meanwhile, and its
            // exit is for a waiter already counted; issue 11 #5).
            st.watch_gen += 1;
            drop(st);
            self.shared.bell.ring();
        }
    }

    /// Are stopped PT_TRACE_ME children waiting for thread `tracer`?
    pub fn has_traceme(&self, tracer: Tid) -> bool {
        self.shared.lock().traceme.iter().any(|t| t.tracer == tracer)
    }

    /// A descriptor that is readable while a report is published and not
    /// yet taken by a wait: put it in `poll`/`epoll` (or an async runtime's
    /// reactor) and call [`Engine::wait`] with `nohang` when it fires.
    pub fn ready_fd(&self) -> BorrowedFd<'_> {
        self.shared.ready.as_fd()
    }
}

/// Uncounts a waiter of [`Engine::wait_for`] when the call ends.
struct Uncount<'a> {
    shared: &'a Shared,
    registered: &'a std::cell::Cell<bool>,
    continued: bool,
}

impl Drop for Uncount<'_> {
    fn drop(&mut self) {
        if self.registered.get() {
            let mut st = self.shared.lock();
            st.app_waiters -= 1;
            if self.continued {
                st.cont_waiters -= 1;
                if st.cont_waiters == 0 {
                    // The peek must stop taking "continued" states.
                    drop(st);
                    self.shared.bell.ring();
                }
            }
        }
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
