//! Invisible stops: what a whole-process stop does to the syscalls of the
//! threads it stops, undone.
//!
//! FreeBSD suspends a sleeping thread where it sleeps: its syscall never
//! notices the debugger. Linux stops a thread only by waking it
//! (PTRACE_INTERRUPT, like any stop signal, sets TIF_SIGPENDING), and the
//! syscalls in signal(7)'s "interrupted after a stop signal" list
//! (`epoll_wait`, `sigtimedwait`, `semtimedop`, `io_getevents`, socket calls
//! under SO_RCVTIMEO...) then fail with EINTR although no signal was
//! delivered; the others return an ERESTART code and the kernel restarts
//! them. Three mechanisms make that invisible:
//!
//! * **Never interrupt a sleeper.** A thread resumed with PTRACE_SYSCALL
//!   past a syscall's entry is [`LinuxState::Blocked`]: its return will stop
//!   it, so the whole-process stop leaves it asleep. Every LWP is followed
//!   that way for [`STICKY`] syscalls (at two extra stops each, which cost
//!   nothing FreeBSD would see), and again after each call that a stop
//!   would turn into EINTR, so a thread that sleeps in such calls is
//!   entered into each under our eyes and never disturbed.
//! * **Restart what was interrupted anyway** (a thread interrupted in a
//!   call it entered while not followed, or one stopped on demand because
//!   a request needs its registers): at the interrupt's stop the LWP's
//!   registers say which call it was in and what it returned; EINTR is
//!   turned into ERESTARTNOINTR, which the kernel restarts, unless a signal
//!   is about to be delivered (then EINTR is the signal's, and right). A
//!   relative timeout is shortened by the time the call already waited
//!   (exactly when we saw it enter, else from when the LWP was last
//!   resumed), rewritten in its register or, for a `struct timespec *`,
//!   in a copy below the thread's stack red zone, and put back when the
//!   restarted call returns.
//! * **Hide the restart** from a tracer of syscalls: the restart's entry
//!   stop is not reported (FreeBSD reports one entry per call).
//! * **Let go cleanly.** Linux's detach wakes every thread it lets go
//!   (TIF_SIGPENDING, no signal behind it): a call broken by our stops is
//!   restarted with the program's own timeout and registers
//!   ([`Lwp::restart_on_detach`]), and one about to be entered (a thread
//!   at its syscall-entry stop) is entered afresh after the detach
//!   ([`Lwp::reenter_on_detach`]), or it would fail at once with EINTR.
//!
//! Calls whose timeout lives in the socket (SO_RCVTIMEO/SO_SNDTIMEO) restart
//! with the whole timeout: the socket is shared with other threads and
//! cannot be changed for one call (docs/deviations.md).
//!
//! Following syscalls costs stops that someone must handle at once, so
//! only an [`crate::Engine`] (whose thread always does), or a tracer whose
//! user promised to reap at once ([`crate::Tracer::set_reaps_promptly`]:
//! gdbserver's), follows them; any other direct [`crate::Tracer`], whose
//! tracees progress only while its caller is inside `wait()`, only
//! restarts the calls its stops broke (with their whole timeout) and leaves
//! asleep the threads a PT_SYSCALL tracer already follows. In the per-LWP
//! mode nothing is kept asleep (no whole-process stops), but a call an
//! interrupt of one LWP broke is restarted with its time left all the
//! same.

use super::{Lwp, ScState};
use crate::sys;
use std::time::Instant;

/// Syscalls followed after any LWP is born or was found in a call a stop
/// would break: enough for a thread that loops in such a call to be
/// entered into it under our eyes, few enough that a busy thread soon
/// runs untraced.
pub(crate) const STICKY: u8 = 32;

/// The x86-64 calls this module knows, by their x86-64 numbers (not
/// libc's, which are i386's when the library is built for i686). An i386
/// call (a 32-bit program's) is left alone: see [`interrupted_call`].
mod nr {
    pub const READ: i64 = 0;
    pub const WRITE: i64 = 1;
    pub const READV: i64 = 19;
    pub const WRITEV: i64 = 20;
    pub const CONNECT: i64 = 42;
    pub const ACCEPT: i64 = 43;
    pub const SENDTO: i64 = 44;
    pub const RECVFROM: i64 = 45;
    pub const SENDMSG: i64 = 46;
    pub const RECVMSG: i64 = 47;
    pub const SEMOP: i64 = 65;
    pub const RT_SIGTIMEDWAIT: i64 = 128;
    pub const IO_GETEVENTS: i64 = 208;
    pub const RESTART_SYSCALL: i64 = 219;
    pub const SEMTIMEDOP: i64 = 220;
    pub const EPOLL_WAIT: i64 = 232;
    pub const EPOLL_PWAIT: i64 = 281;
    pub const ACCEPT4: i64 = 288;
    pub const RECVMMSG: i64 = 299;
    pub const SENDMMSG: i64 = 307;
    pub const IO_PGETEVENTS: i64 = 333;
    pub const EPOLL_PWAIT2: i64 = 441;
}

const ERESTARTSYS: i64 = 512;
const ERESTARTNOINTR: i64 = 513;
const ERESTARTNOHAND: i64 = 514;
const ERESTART_RESTARTBLOCK: i64 = 516;

/// An argument register of the x86-64 syscall ABI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Arg {
    Rdx,
    R10,
    R8,
}

impl Arg {
    fn get(self, r: &sys::user_regs_struct) -> u64 {
        match self {
            Arg::Rdx => r.rdx,
            Arg::R10 => r.r10,
            Arg::R8 => r.r8,
        }
    }

    fn set(self, r: &mut sys::user_regs_struct, v: u64) {
        match self {
            Arg::Rdx => r.rdx = v,
            Arg::R10 => r.r10 = v,
            Arg::R8 => r.r8 = v,
        }
    }
}

/// How a call that a stop turns into EINTR carries its timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Timeout {
    /// No timeout (or one the kernel or the socket keeps).
    None,
    /// Milliseconds in a register, -1 for none (`epoll_wait`).
    Millis(Arg),
    /// A `const struct timespec *` in a register, NULL for none.
    Timespec(Arg),
}

/// The syscalls of signal(7)'s "interrupted after a stop signal" list that
/// return EINTR, and where their timeout is.
fn eintr_class(nr: u64) -> Option<Timeout> {
    Some(match nr as i64 {
        nr::EPOLL_WAIT | nr::EPOLL_PWAIT => Timeout::Millis(Arg::R10),
        nr::EPOLL_PWAIT2 => Timeout::Timespec(Arg::R10),
        nr::RT_SIGTIMEDWAIT => Timeout::Timespec(Arg::Rdx),
        nr::SEMTIMEDOP => Timeout::Timespec(Arg::R10),
        nr::IO_GETEVENTS | nr::IO_PGETEVENTS => Timeout::Timespec(Arg::R8),
        nr::RECVMMSG => Timeout::Timespec(Arg::R8),
        // Socket timeouts: SO_RCVTIMEO/SO_SNDTIMEO.
        nr::SEMOP
        | nr::READ
        | nr::READV
        | nr::WRITE
        | nr::WRITEV
        | nr::RECVFROM
        | nr::RECVMSG
        | nr::SENDTO
        | nr::SENDMSG
        | nr::SENDMMSG
        | nr::ACCEPT
        | nr::ACCEPT4
        | nr::CONNECT => Timeout::None,
        _ => return None,
    })
}

/// Could a whole-process stop turn this call into EINTR?
pub(crate) fn breaks_on_stop(nr: u64) -> bool {
    eintr_class(nr).is_some()
}

/// A pending restart, decided at the stop and applied at the resume.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fix {
    /// The call (orig_rax) and the address after its `syscall` instruction.
    nr: u64,
    ip: u64,
    /// EINTR to turn into ERESTARTNOINTR (an ERESTART code the kernel
    /// restarts by itself).
    eintr: bool,
    /// When the call began waiting (exactly, or the earliest it can have).
    since: Option<Instant>,
}

impl Fix {
    /// An EINTR to turn into a restart (else an ERESTART code the kernel
    /// restarts by itself).
    pub(crate) fn eintr(&self) -> bool {
        self.eintr
    }
}

/// A restarted call being followed to its exit.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Watch {
    nr: u64,
    ip: u64,
    /// Its restart's entry was seen (and hidden).
    entered: bool,
    /// An argument register we rewrote, and its value to put back.
    restore: Option<(Arg, u64)>,
    /// Entry stops left before we stop looking for the restart (a signal
    /// handler may run first; one that ends the call leaves none).
    budget: u8,
}

/// What the registers at a stop say about the syscall the LWP was in:
/// `Some(fix)` if a stop interrupted a call that must be restarted.
/// `signal_pending`: a signal is about to be delivered (its EINTR is real).
pub(crate) fn interrupted_call(l: &Lwp, r: &sys::user_regs_struct, signal_pending: bool) -> Option<Fix> {
    let nr = r.orig_rax;
    if nr as i64 >= 0x4000_0000 || (nr as i64) < 0 {
        return None;
    }
    // A 32-bit program's calls have i386 numbers, argument registers and
    // timespecs: not restarted (their EINTR shows, docs/deviations.md).
    if r.cs == sys::USER32_CS {
        return None;
    }
    let rax = r.rax as i64;
    let eintr = rax == -(libc::EINTR as i64) && breaks_on_stop(nr) && !signal_pending;
    let restart = matches!(-rax, ERESTARTSYS | ERESTARTNOINTR | ERESTARTNOHAND | ERESTART_RESTARTBLOCK);
    if !eintr && !restart {
        return None;
    }
    Some(Fix { nr, ip: r.rip, eintr, since: l.entered.or(l.resumed) })
}

/// Does this LWP have a signal coming that it does not block (so an EINTR
/// it just got is that signal's)? Three ptrace requests; asked only for an
/// EINTR.
pub(crate) fn signal_coming(tid: sys::Tid) -> bool {
    let blocked = sys::sigmask(tid).unwrap_or(0);
    let pending = sys::thread_pending(tid).unwrap_or(0) | sys::shared_pending(tid).unwrap_or(0);
    // A SIGSTOP pending for a traced process ends in a signal-delivery
    // stop where the tracer decides; on FreeBSD a stop signal never ends a
    // sleep with EINTR either (the thread is suspended where it sleeps).
    let not_eintr = (1u64 << (libc::SIGKILL - 1)) | (1u64 << (libc::SIGSTOP - 1));
    pending & !blocked & !not_eintr != 0
}

/// An EINTR from a call a stop breaks: only then is it worth asking
/// whether a real signal is coming (three ptrace requests).
pub(crate) fn eintr_needs_signal_check(r: &sys::user_regs_struct) -> bool {
    r.rax as i64 == -(libc::EINTR as i64) && breaks_on_stop(r.orig_rax)
}

impl Lwp {
    /// A syscall a stop woke (our interrupt, a signal FreeBSD would have
    /// discarded, or one the tracer discards): note it for a restart when
    /// the LWP is resumed, and follow the LWP's syscalls again if it was a
    /// call a stop breaks.
    pub(crate) fn unbreak(&mut self) {
        let Ok(r) = self.regs.map_or_else(|| sys::getregs(self.tid), Ok) else { return };
        self.regs = Some(r);
        let pending = eintr_needs_signal_check(&r) && signal_coming(self.tid);
        if let Some(fix) = interrupted_call(self, &r, pending) {
            self.fix = Some(fix);
            if breaks_on_stop(r.orig_rax) {
                self.sticky = STICKY;
            }
        }
    }

    /// Apply a pending restart before resuming (returns the Linux request
    /// to use instead, if it must change).
    pub(crate) fn apply_fix(&mut self) -> Option<u32> {
        let fix = self.fix.take()?;
        let mut restore = None;
        if !self.regs_written {
            let Ok(mut r) = self.regs.map_or_else(|| sys::getregs(self.tid), Ok) else { return None };
            let mut changed = false;
            if fix.eintr {
                r.rax = (-ERESTARTNOINTR) as u64;
                changed = true;
            }
            if let (true, Some(t), Some(since)) = (fix.eintr, eintr_class(fix.nr), fix.since) {
                let waited = since.elapsed();
                match t {
                    Timeout::Millis(a) => {
                        let ms = a.get(&r) as i32;
                        if ms > 0 {
                            let left = (ms as u128).saturating_sub(waited.as_millis()) as u64;
                            restore = Some((a, a.get(&r)));
                            a.set(&mut r, left);
                        }
                    }
                    Timeout::Timespec(a) => {
                        let ptr = a.get(&r);
                        let mut ts = [0u8; 16];
                        if ptr != 0 && sys::vm_read(self.tid, ptr, &mut ts).is_ok_and(|n| n == 16) {
                            let sec = i64::from_ne_bytes(ts[..8].try_into().expect("8"));
                            let nsec = i64::from_ne_bytes(ts[8..].try_into().expect("8"));
                            let total = (sec.max(0) as u128) * 1_000_000_000 + nsec.max(0) as u128;
                            let left = total.saturating_sub(waited.as_nanos());
                            let mut out = [0u8; 16];
                            out[..8].copy_from_slice(&((left / 1_000_000_000) as i64).to_ne_bytes());
                            out[8..].copy_from_slice(&((left % 1_000_000_000) as i64).to_ne_bytes());
                            // Below the red zone: dead stack the kernel also
                            // uses for signal frames.
                            let at = (r.rsp.wrapping_sub(128 + 64)) & !15;
                            if sys::vm_write(self.tid, at, &out).is_ok() {
                                restore = Some((a, ptr));
                                a.set(&mut r, at);
                            }
                        }
                    }
                    Timeout::None => {}
                }
                changed |= restore.is_some();
            }
            if changed && sys::setregs(self.tid, &r).is_err() {
                return None;
            }
        }
        // Interrupted again inside a restart we follow: the register to put
        // back at the end is still the program's own, not our last rewrite
        // of it (which holds the time left, shortened again above).
        // (Also when the restart was not entered yet: a stop on its way
        // back to it, such as the wake-up our interrupt leaves.)
        if let Some((b, orig)) = self.watch.filter(|w| w.nr == fix.nr && w.ip == fix.ip).and_then(|w| w.restore) {
            match restore {
                Some((a, _)) if a == b => restore = Some((a, orig)),
                None => restore = Some((b, orig)),
                Some(_) => {}
            }
        }
        self.watch = Some(Watch { nr: fix.nr, ip: fix.ip, entered: false, restore, budget: 64 });
        // The next syscall stop is the restart's entry.
        self.sc = ScState::Out;
        Some(sys::PTRACE_SYSCALL)
    }

    /// Make the kernel restart an EINTR'd call without following it (before
    /// a detach, or for a direct tracer), with the program's own timeout:
    /// nothing will be there to put a rewritten one back. A restart of ours
    /// still followed (interrupted again, or not re-entered yet) has its
    /// timeout register put back now, or the program would find it
    /// changed after the call (busy.c's `epoll_wait_r10` counts that as an
    /// EINTR: one detach in ~60 of engine.rs's job-stop test did).
    pub(crate) fn restart_on_detach(&mut self) {
        let eintr = self.fix.take().is_some_and(|f| f.eintr);
        let restore = self.watch.take().and_then(|w| w.restore);
        if self.regs_written || (!eintr && restore.is_none()) {
            return;
        }
        if let Ok(mut r) = self.regs.map_or_else(|| sys::getregs(self.tid), Ok) {
            if eintr {
                r.rax = (-ERESTARTNOINTR) as u64;
            }
            if let Some((a, v)) = restore {
                a.set(&mut r, v);
            }
            if sys::setregs(self.tid, &r).is_ok() {
                self.regs = Some(r);
            }
        }
    }

    /// Before a detach at a syscall-entry (or seccomp) stop of a call a
    /// stop breaks: Linux's detach wakes every thread it lets go
    /// (`__ptrace_unlink` sets TIF_SIGPENDING with no signal behind it),
    /// and the call, entered with that, would fail at once with EINTR.
    /// Skip this execution (syscall number -1) and point the thread back
    /// at its `syscall` instruction with the number in rax: the exit path
    /// takes the wake-up (no signal, nothing to restart), and the thread
    /// then makes the call afresh, untraced, with its own arguments.
    pub(crate) fn reenter_on_detach(&mut self) {
        if self.linux != super::LinuxState::Stopped(super::LinuxStop::Syscall) || self.sc != ScState::In {
            return;
        }
        let Ok(mut r) = sys::getregs(self.tid) else { return };
        if r.cs == sys::USER32_CS || !breaks_on_stop(r.orig_rax) {
            return;
        }
        r.rax = r.orig_rax;
        r.orig_rax = u64::MAX;
        // `syscall` (and `int $0x80`, `sysenter`'s restart point) is two
        // bytes: what the kernel's own restarts rewind.
        r.rip = r.rip.wrapping_sub(2);
        if sys::setregs(self.tid, &r).is_ok() {
            self.regs = Some(r);
        }
    }

    /// At a syscall-entry stop: is it the restart of the call we follow
    /// (then it is not reported, and its return must stop the LWP)?
    pub(crate) fn restart_entry(&mut self, nr: u64, ip: u64) -> bool {
        let Some(w) = self.watch.as_mut() else { return false };
        if w.entered {
            return false;
        }
        if ip == w.ip && (nr == w.nr || nr == nr::RESTART_SYSCALL as u64) {
            w.entered = true;
            return true;
        }
        w.budget = w.budget.saturating_sub(1);
        if w.budget == 0 {
            self.watch = None;
        }
        false
    }

    /// At a syscall-exit stop: the followed call returned; put back an
    /// argument register we rewrote for its restart.
    pub(crate) fn restart_exit(&mut self) {
        let Some(w) = self.watch else { return };
        if !w.entered {
            return;
        }
        self.watch = None;
        if let Some((a, v)) = w.restore {
            if let Ok(mut r) = sys::getregs(self.tid) {
                a.set(&mut r, v);
                if sys::setregs(self.tid, &r).is_ok() {
                    self.regs = Some(r);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::sysent::Arch;

    #[test]
    fn the_numbers_are_x86_64s() {
        use super::nr::*;
        for (n, name) in [
            (READ, "read"), (WRITE, "write"), (READV, "readv"), (WRITEV, "writev"),
            (CONNECT, "connect"), (ACCEPT, "accept"), (SENDTO, "sendto"),
            (RECVFROM, "recvfrom"), (SENDMSG, "sendmsg"), (RECVMSG, "recvmsg"),
            (SEMOP, "semop"), (RT_SIGTIMEDWAIT, "rt_sigtimedwait"),
            (IO_GETEVENTS, "io_getevents"), (RESTART_SYSCALL, "restart_syscall"),
            (SEMTIMEDOP, "semtimedop"), (EPOLL_WAIT, "epoll_wait"),
            (EPOLL_PWAIT, "epoll_pwait"), (ACCEPT4, "accept4"), (RECVMMSG, "recvmmsg"),
            (SENDMMSG, "sendmmsg"), (IO_PGETEVENTS, "io_pgetevents"),
            (EPOLL_PWAIT2, "epoll_pwait2"),
        ] {
            assert_eq!(Arch::X86_64.name(n as u32), Some(name), "{n}");
        }
    }
}
