//! How the engine thread sleeps until either a traced child has a status or
//! another thread handed it work. Linux offers no single blocking call for
//! both: `wait4` has no timeout and no descriptor, a library cannot own
//! SIGCHLD (the program may leave it unblocked with the default action,
//! which discards it), and `pidfd`s report only exits, never ptrace stops.
//!
//! Two backends, chosen once per engine:
//!
//! * **io_uring** (Linux 6.7+: `IORING_OP_WAITID` and `IORING_OP_FUTEX_WAIT`):
//!   the engine thread sleeps in one `io_uring_enter` on a `waitid(P_ALL,
//!   WNOWAIT | __WNOTHREAD)` peek at its own tracees and children and on a
//!   futex word that other threads bump when they queue work. A kernel
//!   status wakes it directly, and a queued job costs the poster one
//!   `FUTEX_WAKE`. Nothing is reaped by the ring (WNOWAIT): the engine
//!   reaps with `wait4`, which also yields the resource usage of exits.
//! * **doorbell** (everywhere else: older kernels, io_uring disabled by a
//!   sysctl or a seccomp profile): the engine thread blocks in
//!   `wait4(-1, __WALL | __WNOTHREAD)`, and a poster wakes it by sending a
//!   signal to a tiny child process the engine traces (it only ever sleeps
//!   in `pause()`): the child's signal-delivery-stop is a kernel status
//!   for the engine's wait. The child is created with exit signal 0 (no
//!   SIGCHLD, invisible to `wait()` without `__WALL`); every signal it gets
//!   stops it for the engine, which resumes it without the signal.
//!
//! This module must never reap or interpret a status of anything but the
//! doorbell child: that is the engine's business. Nor call libc's
//! `ptrace()` or wait functions: the C face interposes them.

use super::{check, Tid, WALL, WNOTHREAD};
use crate::error::Errno;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, Ordering};

/// Which backend a [`Sleeper`] uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// `io_uring` waitid + futex.
    IoUring,
    /// A traced doorbell child.
    Doorbell,
}

/// What woke the engine thread (several at once are possible).
#[derive(Debug, Default)]
pub struct Woken {
    /// A traced child (or a child of the engine thread) may have a status;
    /// reap with `wait4(..., WNOHANG)`.
    pub kernel: bool,
    /// The doorbell backend reaped this status while sleeping: it belongs to
    /// the engine (the doorbell's own stops never come out).
    pub reaped: Option<(Tid, i32, Option<super::Rusage>)>,
    /// The process-wide peek ([`Sleeper::sleep`]'s `app`) saw this child
    /// with a status: (pid or tid, si_code); (0, 0) if the process has no
    /// child at all. Not reaped.
    pub app: Option<(Tid, i32)>,
}

/// The part other threads use to wake the engine thread: cheap, `Sync`.
#[derive(Debug)]
pub struct Bell {
    /// Bumped by every poster; the engine sleeps while it is unchanged.
    word: AtomicU32,
    /// The engine thread is (about to be) asleep: posters must wake it.
    sleeping: AtomicBool,
    /// Doorbell backend: the child to signal (0 with io_uring).
    doorbell: AtomicI32,
    /// A doorbell signal is on its way (one is enough).
    rung: AtomicBool,
}

impl Default for Bell {
    fn default() -> Self {
        Bell { word: AtomicU32::new(0), sleeping: AtomicBool::new(false), doorbell: AtomicI32::new(0), rung: AtomicBool::new(false) }
    }
}

impl Bell {
    /// The doorbell child, if that backend is in use.
    pub fn doorbell(&self) -> Option<Tid> {
        let d = self.doorbell.load(Ordering::Relaxed);
        (d > 0).then_some(d)
    }

    /// Tell the engine thread that work was queued. Costs nothing while it
    /// is awake (it looks at its queue before it sleeps), one FUTEX_WAKE
    /// or one tgkill while it sleeps.
    pub fn ring(&self) {
        self.word.fetch_add(1, Ordering::SeqCst);
        if !self.sleeping.load(Ordering::SeqCst) {
            return;
        }
        let d = self.doorbell.load(Ordering::Relaxed);
        if d > 0 {
            if !self.rung.swap(true, Ordering::SeqCst) {
                // SAFETY: plain syscall.
                unsafe { libc::syscall(libc::SYS_tgkill, d, d, libc::SIGUSR1) };
            }
        } else {
            // SAFETY: FUTEX_WAKE on a word we own; no memory is touched.
            unsafe {
                libc::syscall(libc::SYS_futex, self.word.as_ptr(), libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG, 1);
            }
        }
    }
}

/// The engine thread's side: owns the ring (or the doorbell child).
pub struct Sleeper {
    imp: Imp,
    /// Doorbell backend: look (WNOWAIT) instead of reaping in the sleep,
    /// so that the engine's pump reaps and can first tell whose an unknown
    /// thread's death is ([`Sleeper::set_look_only`]).
    look_only: bool,
}

enum Imp {
    Uring(Box<Uring>),
    Doorbell { pid: Tid },
}

struct Uring {
    ring: io_uring::IoUring,
    /// The waitid peeks write here while armed (boxed: their addresses must
    /// not move).
    si: Box<libc::siginfo_t>,
    app_si: Box<libc::siginfo_t>,
    wait_armed: bool,
    futex_armed: bool,
    app_armed: bool,
    /// The flags the armed process-wide peek was submitted with.
    app_flags: i32,
    /// A cancel of that peek is in flight (the flags wanted changed).
    app_cancelling: bool,
    /// The last peek found no child of the engine thread (ECHILD): none can
    /// appear but through a job (spawn, attach, adoption), so the peek is
    /// armed again only after one ([`Sleeper::rearm`]); re-arming at once
    /// would spin.
    childless: bool,
    /// Jobs run so far ([`Sleeper::rearm`]), and their count when the
    /// armed peek was submitted: an ECHILD from a peek armed before the
    /// last job says nothing about the children that job made.
    jobs: u64,
    armed_at: u64,
}

const UD_WAITID: u64 = 1;
const UD_FUTEX: u64 = 2;
const UD_APP: u64 = 3;
const UD_CANCEL: u64 = 4;

/// What the process-wide peek looks for ("continued" too while a waiter
/// asks: [`Sleeper::sleep`]).
const APP_FLAGS: i32 = libc::WEXITED | libc::WSTOPPED | libc::WNOWAIT | WALL;
/// FUTEX2_SIZE_U32 | FUTEX2_PRIVATE.
const FUTEX2_U32_PRIVATE: u32 = 0x02 | 0x80;

impl Sleeper {
    /// Set up the backend on the engine thread (the doorbell child must be
    /// traced by it). `force` picks one (tests); otherwise io_uring when the
    /// kernel has both operations, else the doorbell.
    pub fn new(bell: &Bell, force: Option<Backend>) -> Result<Sleeper, Errno> {
        if force != Some(Backend::Doorbell) {
            match Uring::new() {
                Ok(u) => return Ok(Sleeper { imp: Imp::Uring(Box::new(u)), look_only: false }),
                Err(e) if force == Some(Backend::IoUring) => return Err(e),
                Err(_) => {}
            }
        }
        let pid = spawn_doorbell()?;
        note_doorbell(None, Some(pid));
        bell.doorbell.store(pid, Ordering::Relaxed);
        Ok(Sleeper { imp: Imp::Doorbell { pid }, look_only: false })
    }

    pub fn backend(&self) -> Backend {
        match self.imp {
            Imp::Uring(_) => Backend::IoUring,
            Imp::Doorbell { .. } => Backend::Doorbell,
        }
    }

    /// The doorbell child, whose statuses the engine must hand back to
    /// [`Sleeper::doorbell_status`] instead of dispatching.
    pub fn doorbell(&self) -> Option<Tid> {
        match self.imp {
            Imp::Doorbell { pid } => Some(pid),
            Imp::Uring(_) => None,
        }
    }

    /// Handle a status of the doorbell child reaped anywhere: resume it (it
    /// only ever stops because it was rung, or by job control), or, if it
    /// died (someone SIGKILLed it), make a new one. Returns false if no
    /// doorbell could be made.
    pub fn doorbell_status(&mut self, bell: &Bell, status: i32) -> bool {
        let Imp::Doorbell { pid } = &mut self.imp else { return true };
        if libc::WIFSTOPPED(status) {
            bell.rung.store(false, Ordering::SeqCst);
            let _ = super::resume(super::PTRACE_CONT, *pid, 0);
            return true;
        }
        match spawn_doorbell() {
            Ok(p) => {
                note_doorbell(Some(*pid), Some(p));
                *pid = p;
                bell.doorbell.store(p, Ordering::Relaxed);
                bell.rung.store(false, Ordering::SeqCst);
                true
            }
            Err(_) => false,
        }
    }

    /// Sleep until a traced child may have a status or the job word moves
    /// from `seen`; with `app`, also until any child of the whole process
    /// (the program's own, forked by any thread) has a status. The caller
    /// must have looked at its job queue *after* [`Sleeper::prepare`] and
    /// found it empty. `app` is `Some(continued)`: whether that peek also
    /// looks for (WCONTINUED) "continued" states, which only a waiter that
    /// asks for them may take. With the doorbell backend `app` is not
    /// watched here (a watcher thread must peek: it would block this
    /// thread's wait4).
    pub fn sleep(&mut self, bell: &Bell, seen: u32, app: Option<bool>, want_rusage: bool) -> Result<Woken, Errno> {
        let r = match &mut self.imp {
            Imp::Uring(u) => u.sleep(bell, seen, app),
            Imp::Doorbell { pid } if self.look_only => {
                let pid = *pid;
                match super::waitid_peek_all(WALL | WNOTHREAD | libc::WEXITED) {
                    Ok(Some((tid, _))) if tid == pid => match super::wait4(pid, WALL | WNOTHREAD | libc::WNOHANG) {
                        Ok(Some((_, status))) => {
                            bell.sleeping.store(false, Ordering::SeqCst);
                            self.doorbell_status(bell, status);
                            return Ok(Woken::default());
                        }
                        _ => Ok(Woken { kernel: true, ..Woken::default() }),
                    },
                    Ok(_) | Err(Errno::EINTR) => Ok(Woken { kernel: true, ..Woken::default() }),
                    Err(e) => Err(e),
                }
            }
            Imp::Doorbell { pid } => {
                let pid = *pid;
                match super::wait4_rusage(-1, WALL | WNOTHREAD, true, want_rusage) {
                    Ok(Some((tid, status, _))) if tid == pid => {
                        bell.sleeping.store(false, Ordering::SeqCst);
                        self.doorbell_status(bell, status);
                        return Ok(Woken::default());
                    }
                    Ok(Some((tid, status, rusage))) => Ok(Woken { reaped: Some((tid, status, rusage)), ..Woken::default() }),
                    Ok(None) | Err(Errno::EINTR) => Ok(Woken { kernel: true, ..Woken::default() }),
                    Err(e) => Err(e),
                }
            }
        };
        bell.sleeping.store(false, Ordering::SeqCst);
        r
    }

    /// With the doorbell backend, make the next sleeps look without reaping
    /// (the engine's pump reaps): while a process the engine attached to
    /// has not reached its first stop, an unknown thread's death must be
    /// looked at before it is reaped (engine/wait.rs
    /// `claim_attach_window_death`). io_uring's sleep never reaps.
    pub fn set_look_only(&mut self, on: bool) {
        self.look_only = on;
    }

    /// Announce that the engine thread is about to sleep; returns the job
    /// word to pass to [`Sleeper::sleep`]. Look at the queue after this.
    pub fn prepare(&self, bell: &Bell) -> u32 {
        bell.sleeping.store(true, Ordering::SeqCst);
        bell.word.load(Ordering::SeqCst)
    }

    /// A job ran: it may have made the engine thread a child (spawn,
    /// attach, adoption), so the next sleep watches for children again.
    pub fn rearm(&mut self) {
        if let Imp::Uring(u) = &mut self.imp {
            u.childless = false;
            u.jobs += 1;
        }
    }

    /// Not going to sleep after all (work was found after `prepare`).
    pub fn cancel(&self, bell: &Bell) {
        bell.sleeping.store(false, Ordering::SeqCst);
    }
}

impl Drop for Sleeper {
    fn drop(&mut self) {
        if let Imp::Doorbell { pid } = self.imp {
            let _ = super::kill(pid, libc::SIGKILL);
            let _ = super::wait4(pid, WALL | WNOTHREAD);
            note_doorbell(Some(pid), None);
        }
    }
}

impl Uring {
    fn new() -> Result<Uring, Errno> {
        use io_uring::{opcode, IoUring, Probe};
        let ring = IoUring::new(4).map_err(Errno::from)?;
        let mut probe = Probe::new();
        ring.submitter().register_probe(&mut probe).map_err(Errno::from)?;
        if !probe.is_supported(opcode::WaitId::CODE) || !probe.is_supported(opcode::FutexWait::CODE) {
            return Err(Errno::ENOSYS);
        }
        // SAFETY: all-zero siginfo is valid.
        let si = Box::new(unsafe { std::mem::zeroed::<libc::siginfo_t>() });
        let app_si = Box::new(unsafe { std::mem::zeroed::<libc::siginfo_t>() });
        Ok(Uring { ring, si, app_si, wait_armed: false, futex_armed: false, app_armed: false, app_flags: 0, app_cancelling: false, childless: false, jobs: 0, armed_at: 0 })
    }

    fn sleep(&mut self, bell: &Bell, seen: u32, app: Option<bool>) -> Result<Woken, Errno> {
        use io_uring::opcode;
        if !self.wait_armed && !self.childless {
            let e = opcode::WaitId::new(libc::P_ALL, 0, libc::WEXITED | libc::WNOWAIT | WALL | WNOTHREAD)
                .infop(&mut *self.si as *mut libc::siginfo_t as *const _)
                .build()
                .user_data(UD_WAITID);
            // SAFETY: the siginfo it writes lives in a Box we own until the
            // operation completes (dropping the ring cancels it first).
            unsafe { self.ring.submission().push(&e).map_err(|_| Errno::EBUSY)? };
            self.wait_armed = true;
            self.armed_at = self.jobs;
        }
        if !self.futex_armed {
            let e = opcode::FutexWait::new(bell.word.as_ptr() as *const u32, seen as u64, u32::MAX as u64, FUTEX2_U32_PRIVATE)
                .build()
                .user_data(UD_FUTEX);
            // SAFETY: the word lives in the Bell, which outlives the ring
            // (both belong to the engine, the Bell behind an Arc).
            unsafe { self.ring.submission().push(&e).map_err(|_| Errno::EBUSY)? };
            self.futex_armed = true;
        }
        let want = APP_FLAGS | if app == Some(true) { libc::WCONTINUED } else { 0 };
        if self.app_armed && !self.app_cancelling && (self.app_flags ^ want) & libc::WCONTINUED != 0 {
            // A peek that takes "continued" states nobody asks for now, or
            // that misses them for a waiter that does: cancel it, and arm
            // it again (below, once its completion came) with `want`.
            let e = opcode::AsyncCancel::new(UD_APP).build().user_data(UD_CANCEL);
            // SAFETY: no buffer.
            unsafe { self.ring.submission().push(&e).map_err(|_| Errno::EBUSY)? };
            self.app_cancelling = true;
        }
        if app.is_some() && !self.app_armed {
            // SAFETY: all-zero siginfo is valid.
            *self.app_si = unsafe { std::mem::zeroed() };
            self.app_flags = want;
            let e = opcode::WaitId::new(libc::P_ALL, 0, want)
                .infop(&mut *self.app_si as *mut libc::siginfo_t as *const _)
                .build()
                .user_data(UD_APP);
            // SAFETY: as for the first peek.
            unsafe { self.ring.submission().push(&e).map_err(|_| Errno::EBUSY)? };
            self.app_armed = true;
        }
        loop {
            match self.ring.submit_and_wait(1) {
                Ok(_) => break,
                Err(e) if e.raw_os_error() == Some(libc::EINTR) => continue,
                Err(e) => return Err(Errno::from(e)),
            }
        }
        let mut woken = Woken::default();
        for cqe in self.ring.completion() {
            match cqe.user_data() {
                UD_WAITID => {
                    self.wait_armed = false;
                    // ECHILD: nothing to wait for until a job makes a
                    // child; the futex still wakes us for that job.
                    self.childless = cqe.result() == -libc::ECHILD && self.armed_at == self.jobs;
                    woken.kernel = true;
                }
                UD_FUTEX => self.futex_armed = false,
                UD_APP if std::mem::take(&mut self.app_cancelling) && cqe.result() == -libc::ECANCELED => {
                    // Cancelled for other flags: armed again at the next sleep.
                    self.app_armed = false;
                }
                UD_APP => {
                    self.app_armed = false;
                    // SAFETY: the kernel filled the SIGCHLD member (or left it zero).
                    let (pid, code) = unsafe { (self.app_si.si_pid(), self.app_si.si_code) };
                    woken.app = Some(if cqe.result() < 0 { (0, 0) } else { (pid, code) });
                }
                _ => {}
            }
        }
        let _ = bell;
        Ok(woken)
    }
}

/// A child that only sleeps: created with exit signal 0 (nobody gets
/// SIGCHLD; only `__WALL` waits see it), traced by the calling thread
/// (which must be the engine thread, and blocks every signal). Every signal
/// it gets stops it for the engine, which resumes it without the signal:
/// no handler of the program's ever runs in it, no default action happens.
/// It keeps the engine thread's full signal mask until it is traced (a
/// pipe says when), so nothing sent to it before that is acted on; and it
/// never sets a disposition, since setting SIG_IGN would discard a ring
/// that came early.
/// The doorbell children of this process, every engine's: the engine's
/// business, not the program's, so procctl's reaper requests do not list,
/// count or signal them (on FreeBSD there is no such process).
static DOORBELLS: std::sync::Mutex<Vec<Tid>> = std::sync::Mutex::new(Vec::new());

fn note_doorbell(old: Option<Tid>, new: Option<Tid>) {
    let mut v = DOORBELLS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(o) = old {
        v.retain(|&d| d != o);
    }
    v.extend(new);
}

/// Is `pid` a doorbell child of this process (an engine's wake-up helper)?
pub fn is_doorbell(pid: Tid) -> bool {
    DOORBELLS.lock().unwrap_or_else(|e| e.into_inner()).contains(&pid)
}

fn spawn_doorbell() -> Result<Tid, Errno> {
    let mut gate = [0 as libc::c_int; 2];
    // SAFETY: plain syscall with a valid out-pointer.
    check(unsafe { libc::pipe2(gate.as_mut_ptr(), libc::O_CLOEXEC) } as libc::c_long)?;
    // SAFETY: clone without CLONE_VM gives the child its own copy of our
    // memory; it only makes raw system calls (no locks, no allocation), so
    // this is sound in a multithreaded process.
    // SAFETY: plain syscall.
    let parent = unsafe { libc::getpid() };
    let pid = unsafe { libc::syscall(libc::SYS_clone, 0 as libc::c_ulong, 0usize, 0usize, 0usize, 0usize) };
    if pid == 0 {
        // SAFETY: raw syscalls only, in the child.
        unsafe {
            // Hold none of the program's descriptors (a pipe's write end
            // kept open here would never let its reader see EOF).
            let g = gate[0] as libc::c_uint;
            if g > 0 {
                libc::syscall(libc::SYS_close_range, 0u32, g - 1, 0u32);
            }
            libc::syscall(libc::SYS_close_range, g + 1, u32::MAX, 0u32);
            libc::syscall(libc::SYS_prctl, libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            // A parent dead before the arming never sends it; a gate
            // closed without its byte is a parent dead before the seize
            // (EXITKILL not armed): either way, nobody will reap us for
            // good (the fault suite's R3 found this child asleep, untraced,
            // after its tracer was SIGKILLed).
            if libc::syscall(libc::SYS_getppid) != parent as libc::c_long {
                libc::syscall(libc::SYS_exit_group, 0);
            }
            let mut b = 0u8;
            loop {
                match libc::syscall(libc::SYS_read, gate[0], &mut b as *mut u8, 1usize) {
                    1 => break,
                    0 => {
                        libc::syscall(libc::SYS_exit_group, 0);
                    }
                    _ => {}
                }
            }
            libc::syscall(libc::SYS_close, gate[0]);
            let none: libc::sigset_t = std::mem::zeroed();
            libc::syscall(libc::SYS_rt_sigprocmask, libc::SIG_SETMASK, &none as *const libc::sigset_t, 0usize, 8usize);
            loop {
                libc::syscall(libc::SYS_pause);
            }
        }
    }
    // SAFETY: our own descriptor.
    unsafe { libc::close(gate[0]) };
    let pid = match check(pid) {
        Ok(p) => p as Tid,
        Err(e) => {
            unsafe { libc::close(gate[1]) };
            return Err(e);
        }
    };
    // Never libc's ptrace() or waitpid(): the C face interposes those.
    let seized = super::seize(pid, super::PTRACE_O_EXITKILL);
    let b = 1u8;
    // SAFETY: a one-byte write to our own pipe, then closing it.
    unsafe {
        libc::write(gate[1], (&b as *const u8).cast(), 1);
        libc::close(gate[1]);
    }
    if let Err(e) = seized {
        let _ = super::kill(pid, libc::SIGKILL);
        let _ = super::wait4(pid, WALL);
        return Err(e);
    }
    Ok(pid)
}
