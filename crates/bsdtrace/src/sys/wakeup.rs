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
//!   SIGCHLD, invisible to `wait()` without `__WALL`) and ignores every
//!   signal; the engine resumes it with no signal at each stop.
//!
//! This module must never reap or interpret a status of anything but the
//! doorbell child: that is the engine's business.

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

/// What woke the engine thread.
#[derive(Debug)]
pub enum Woken {
    /// A traced child (or a child of the engine thread) may have a status;
    /// reap with `wait4(..., WNOHANG)`.
    Kernel,
    /// The doorbell backend reaped this status while sleeping: it belongs to
    /// the engine (the doorbell's own stops never come out).
    Reaped { tid: Tid, status: i32, rusage: Option<super::Rusage> },
    /// The job word moved: work was queued.
    Jobs,
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
}

enum Imp {
    Uring(Box<Uring>),
    Doorbell { pid: Tid },
}

struct Uring {
    ring: io_uring::IoUring,
    /// The waitid peek writes here while armed (boxed: its address must not move).
    si: Box<libc::siginfo_t>,
    wait_armed: bool,
    futex_armed: bool,
}

const UD_WAITID: u64 = 1;
const UD_FUTEX: u64 = 2;
/// FUTEX2_SIZE_U32 | FUTEX2_PRIVATE.
const FUTEX2_U32_PRIVATE: u32 = 0x02 | 0x80;

impl Sleeper {
    /// Set up the backend on the engine thread (the doorbell child must be
    /// traced by it). `force` picks one (tests); otherwise io_uring when the
    /// kernel has both operations, else the doorbell.
    pub fn new(bell: &Bell, force: Option<Backend>) -> Result<Sleeper, Errno> {
        if force != Some(Backend::Doorbell) {
            match Uring::new() {
                Ok(u) => return Ok(Sleeper { imp: Imp::Uring(Box::new(u)) }),
                Err(e) if force == Some(Backend::IoUring) => return Err(e),
                Err(_) => {}
            }
        }
        let pid = spawn_doorbell()?;
        bell.doorbell.store(pid, Ordering::Relaxed);
        Ok(Sleeper { imp: Imp::Doorbell { pid } })
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
            // SAFETY: plain ptrace request on our own tracee.
            unsafe { libc::ptrace(libc::PTRACE_CONT, *pid, 0, 0) };
            return true;
        }
        match spawn_doorbell() {
            Ok(p) => {
                *pid = p;
                bell.doorbell.store(p, Ordering::Relaxed);
                bell.rung.store(false, Ordering::SeqCst);
                true
            }
            Err(_) => false,
        }
    }

    /// Sleep until a traced child may have a status or the job word moves
    /// from `seen`. The caller must have looked at its job queue *after*
    /// [`Sleeper::prepare`] and found it empty.
    pub fn sleep(&mut self, bell: &Bell, seen: u32, want_rusage: bool) -> Result<Woken, Errno> {
        let r = match &mut self.imp {
            Imp::Uring(u) => u.sleep(bell, seen),
            Imp::Doorbell { pid } => {
                let pid = *pid;
                match super::wait4_rusage(-1, WALL | WNOTHREAD, true, want_rusage) {
                    Ok(Some((tid, status, _))) if tid == pid => {
                        bell.sleeping.store(false, Ordering::SeqCst);
                        self.doorbell_status(bell, status);
                        return Ok(Woken::Jobs);
                    }
                    Ok(Some((tid, status, rusage))) => Ok(Woken::Reaped { tid, status, rusage }),
                    Ok(None) => Ok(Woken::Kernel),
                    Err(Errno::EINTR) => Ok(Woken::Kernel),
                    Err(e) => Err(e),
                }
            }
        };
        bell.sleeping.store(false, Ordering::SeqCst);
        r
    }

    /// Announce that the engine thread is about to sleep; returns the job
    /// word to pass to [`Sleeper::sleep`]. Look at the queue after this.
    pub fn prepare(&self, bell: &Bell) -> u32 {
        bell.sleeping.store(true, Ordering::SeqCst);
        bell.word.load(Ordering::SeqCst)
    }

    /// Not going to sleep after all (work was found after `prepare`).
    pub fn cancel(&self, bell: &Bell) {
        bell.sleeping.store(false, Ordering::SeqCst);
    }
}

impl Drop for Sleeper {
    fn drop(&mut self) {
        if let Imp::Doorbell { pid } = self.imp {
            // SAFETY: plain syscalls on our own child.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                let mut st = 0;
                libc::waitpid(pid, &mut st, WALL | WNOTHREAD);
            }
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
        Ok(Uring { ring, si, wait_armed: false, futex_armed: false })
    }

    fn sleep(&mut self, bell: &Bell, seen: u32) -> Result<Woken, Errno> {
        use io_uring::opcode;
        if !self.wait_armed {
            let e = opcode::WaitId::new(libc::P_ALL, 0, libc::WEXITED | libc::WNOWAIT | WALL | WNOTHREAD)
                .infop(&mut *self.si as *mut libc::siginfo_t as *const _)
                .build()
                .user_data(UD_WAITID);
            // SAFETY: the siginfo it writes lives in a Box we own until the
            // operation completes (we never drop the ring with it armed
            // without the ring's own teardown cancelling it).
            unsafe { self.ring.submission().push(&e).map_err(|_| Errno::EBUSY)? };
            self.wait_armed = true;
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
        loop {
            match self.ring.submit_and_wait(1) {
                Ok(_) => break,
                Err(e) if e.raw_os_error() == Some(libc::EINTR) => continue,
                Err(e) => return Err(Errno::from(e)),
            }
        }
        let mut woken = None;
        for cqe in self.ring.completion() {
            match cqe.user_data() {
                UD_WAITID => {
                    self.wait_armed = false;
                    // ECHILD: nothing to wait for yet; the futex still wakes us.
                    woken = Some(Woken::Kernel);
                }
                UD_FUTEX => {
                    self.futex_armed = false;
                    if woken.is_none() {
                        woken = Some(Woken::Jobs);
                    }
                }
                _ => {}
            }
        }
        let _ = bell;
        Ok(woken.unwrap_or(Woken::Jobs))
    }
}

/// A child that only sleeps: created with exit signal 0 (nobody gets
/// SIGCHLD; only `__WALL` waits see it), ignoring every signal, traced by
/// the calling thread (which must be the engine thread).
fn spawn_doorbell() -> Result<Tid, Errno> {
    // SAFETY: clone without CLONE_VM gives the child its own copy of our
    // memory; it only makes raw system calls (no locks, no allocation), so
    // this is sound in a multithreaded process.
    let pid = unsafe { libc::syscall(libc::SYS_clone, 0 as libc::c_ulong, 0usize, 0usize, 0usize, 0usize) };
    if pid == 0 {
        // SAFETY: raw syscalls only, in the child.
        unsafe {
            libc::syscall(libc::SYS_prctl, libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = libc::SIG_IGN;
            for sig in 1..=64 {
                if sig != libc::SIGKILL && sig != libc::SIGSTOP {
                    libc::syscall(libc::SYS_rt_sigaction, sig, &sa as *const libc::sigaction, 0usize, 8usize);
                }
            }
            // The engine thread blocks every signal; the doorbell must take them.
            let none: libc::sigset_t = std::mem::zeroed();
            libc::syscall(libc::SYS_rt_sigprocmask, libc::SIG_SETMASK, &none as *const libc::sigset_t, 0usize, 8usize);
            loop {
                libc::syscall(libc::SYS_pause);
            }
        }
    }
    let pid = check(pid)? as Tid;
    // SAFETY: plain ptrace request.
    let r = unsafe { libc::ptrace(libc::PTRACE_SEIZE, pid, 0, libc::PTRACE_O_EXITKILL) };
    if r != 0 {
        let e = Errno::last();
        // SAFETY: our own child.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
            let mut st = 0;
            libc::waitpid(pid, &mut st, WALL);
        }
        return Err(e);
    }
    Ok(pid)
}
