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
//! cannot be changed for one call (docs/deviations.md). `io_pgetevents`
//! returns ERESTARTNOHAND, which Linux restarts with the whole timeout: it
//! is restarted here like an EINTR, with the time left.
//!
//! Each call is read in its own ABI ([`Arch`]): an x86-64 call by its
//! x86-64 number, registers (rdi, rsi, rdx, r10, r8, r9) and 64-bit
//! `struct timespec`; an i386 call (a 32-bit program's, or a 64-bit
//! program's `int $0x80`) by its i386 number (socketcall(2)'s and ipc(2)'s
//! sub-call in ebx), the i386 registers (ebx, ecx, edx, esi, edi, ebp) and
//! the 32-bit `struct timespec` of the older calls or the 64-bit one of
//! their `*_time64` twins. At an entry stop PTRACE_GET_SYSCALL_INFO's
//! `arch` says which; at a stop inside a call the registers do (see
//! `call_arch`). An i386 call's shortened timespec copy must lie below
//! 4 GiB: a 64-bit program's `int $0x80` on a higher stack restarts with
//! its whole timeout.
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

mod calls;

use super::{Lwp, ScState};
use crate::sys;
use crate::sysent::Arch;
use calls::*;
pub(crate) use calls::entry_breaks_on_stop;
use std::time::Instant;

/// Syscalls followed after any LWP is born or was found in a call a stop
/// would break: enough for a thread that loops in such a call to be
/// entered into it under our eyes, few enough that a busy thread soon
/// runs untraced.
pub(crate) const STICKY: u8 = 32;


/// A pending restart, decided at the stop and applied at the resume.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fix {
    /// The call (orig_rax, 32 bits of it for an i386 call), its ABI and the
    /// address after its `syscall` (or `int $0x80`) instruction.
    nr: u64,
    arch: Arch,
    ip: u64,
    /// Where a call a stop breaks keeps its timeout (None: any other).
    class: Option<Timeout>,
    /// EINTR (or io_pgetevents' ERESTARTNOHAND) to turn into
    /// ERESTARTNOINTR, with the timeout shortened (other ERESTART codes
    /// the kernel restarts by itself).
    eintr: bool,
    /// When the call began waiting (exactly, or the earliest it can have).
    since: Option<Instant>,
    /// It returned ERESTART_RESTARTBLOCK: Linux re-enters it as
    /// restart_syscall, with the argument registers below.
    block: bool,
    args: [u64; 6],
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
    arch: Arch,
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
/// `Some(fix)` if a stop interrupted a call that must be restarted. An
/// EINTR is a stop's only if no signal is about to be delivered (then it
/// is that signal's, and real): asked (three requests) only for an EINTR
/// of a call a stop breaks.
pub(crate) fn interrupted_call(l: &Lwp, r: &sys::user_regs_struct) -> Option<Fix> {
    if (r.orig_rax as i64) < 0 {
        return None;
    }
    // The library built for i686 sees a 64-bit program's registers only in
    // their low halves, and writing them would zero the upper ones
    // (sys/host32.rs): such a program's calls are left to Linux.
    if cfg!(target_pointer_width = "32") && r.cs != sys::USER32_CS {
        return None;
    }
    // The call's result: an i386 call's is the low 32 bits.
    let ret = |arch: Arch| match arch {
        Arch::X86_64 => r.rax as i64,
        Arch::I386 => r.rax as u32 as i32 as i64,
    };
    let restarts = |rax: i64| matches!(-rax, ERESTARTSYS | ERESTARTNOINTR | ERESTARTNOHAND | ERESTART_RESTARTBLOCK);
    let candidate = |rax: i64| rax == -(libc::EINTR as i64) || restarts(rax);
    if !candidate(ret(Arch::X86_64)) && !candidate(ret(Arch::I386)) {
        return None;
    }
    let arch = call_arch(l.tid, r);
    let (rax, nr) = match arch {
        Arch::X86_64 => (ret(arch), r.orig_rax),
        Arch::I386 => (ret(arch), r.orig_rax & 0xffff_ffff),
    };
    if nr >= 0x4000_0000 {
        return None;
    }
    let restart = restarts(rax);
    let class = eintr_class(arch, nr, r.rbx);
    // io_pgetevents returns ERESTARTNOHAND, which Linux restarts with the
    // whole timeout: restarted here like an EINTR, with the time left.
    let woken = rax == -(libc::EINTR as i64) || rax == -ERESTARTNOHAND && restarts_whole(arch, nr);
    let eintr = woken && class.is_some() && !signal_coming(l.tid);
    if !eintr && !restart {
        return None;
    }
    let block = rax == -ERESTART_RESTARTBLOCK;
    let args = arg_regs(arch, r);
    Some(Fix { nr, arch, ip: r.rip, class, eintr, since: l.entered.or(l.resumed), block, args })
}

/// restart_syscall's number in ABI `arch`.
fn restart_nr(arch: Arch) -> u64 {
    match arch {
        Arch::X86_64 => nr::RESTART_SYSCALL as u64,
        Arch::I386 => nr32::RESTART_SYSCALL as u64,
    }
}

/// The six argument registers of a call of ABI `arch`.
fn arg_regs(arch: Arch, r: &sys::user_regs_struct) -> [u64; 6] {
    match arch {
        Arch::X86_64 => [r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9],
        Arch::I386 => [r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp],
    }
}

/// Does this LWP have a signal coming that it does not block (so an EINTR
/// it just got is that signal's)? Three ptrace requests.
fn signal_coming(tid: sys::Tid) -> bool {
    let blocked = sys::sigmask(tid).unwrap_or(0);
    let pending = sys::thread_pending(tid).unwrap_or(0) | sys::shared_pending(tid).unwrap_or(0);
    // A SIGSTOP pending for a traced process ends in a signal-delivery
    // stop where the tracer decides; on FreeBSD a stop signal never ends a
    // sleep with EINTR either (the thread is suspended where it sleeps).
    let not_eintr = (1u64 << (libc::SIGKILL - 1)) | (1u64 << (libc::SIGSTOP - 1));
    pending & !blocked & !not_eintr != 0
}

/// Where to put a rewritten timeout of `len` bytes for a thread whose
/// stack pointer is `sp`: below the x86-64 red zone (dead stack the kernel
/// also uses for signal frames; i386 has no red zone, the same distance is
/// as safe), and for an i386 call, within the 32 bits its pointer has
/// (a 64-bit program's `int $0x80` may run on a stack above them: None).
fn scratch(arch: Arch, sp: u64, len: u64) -> Option<u64> {
    let at = sp.checked_sub(128 + 64)? & !15;
    (arch == Arch::X86_64 || at + len <= 1 << 32).then_some(at)
}

impl Lwp {
    /// A syscall a stop woke (our interrupt, a signal FreeBSD would have
    /// discarded, or one the tracer discards): note it for a restart when
    /// the LWP is resumed, and follow the LWP's syscalls again if it was a
    /// call a stop breaks. `follow`: the tracer follows restarts
    /// ([`crate::Tracer::follows_restarts`]); one that does not needs the
    /// registers only for an EINTR it restarts ([`Lwp::restart_on_detach`])
    /// and for an ERESTART_RESTARTBLOCK whose call it names later
    /// ([`Lwp::restarted_call`]), which one word tells: a PTRACE_PEEKUSER
    /// of rax (~0.3 µs here) instead of the whole registers (~0.55 µs) for
    /// every thread a whole-process stop interrupts, most of them asleep in
    /// calls Linux restarts itself (futex, read, pause, epoll's ERESTARTSYS).
    pub(crate) fn unbreak(&mut self, follow: bool) {
        #[cfg(target_pointer_width = "64")]
        if !follow && self.regs.is_none() {
            // (An i386 call's result is the low 32 bits, as a 64-bit one's.)
            let Ok(rax) = sys::peekuser(self.tid, std::mem::offset_of!(sys::user_regs_struct, rax)) else { return };
            let err = -(rax as u32 as i32 as i64);
            if err != libc::EINTR as i64 && err != ERESTART_RESTARTBLOCK {
                return;
            }
        }
        #[cfg(not(target_pointer_width = "64"))]
        let _ = follow;
        let Ok(r) = self.regs.map_or_else(|| sys::getregs(self.tid), Ok) else { return };
        self.regs = Some(r);
        if let Some(fix) = interrupted_call(self, &r) {
            self.fix = Some(fix);
            if fix.class.is_some() {
                self.sticky = STICKY;
            }
        }
    }

    /// Apply a pending restart before resuming (returns the Linux request
    /// to use instead, if it must change).
    pub(crate) fn apply_fix(&mut self) -> Option<u32> {
        let fix = self.fix.take()?;
        self.note_block(Some(fix));
        let mut restore = None;
        if !self.regs_written {
            let Ok(mut r) = self.regs.map_or_else(|| sys::getregs(self.tid), Ok) else { return None };
            let mut changed = false;
            if fix.eintr {
                r.rax = (-ERESTARTNOINTR) as u64;
                changed = true;
            }
            if let (true, Some(t), Some(since)) = (fix.eintr, fix.class, fix.since) {
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
                    Timeout::Timespec(a) | Timeout::Timespec32(a) => {
                        let wide = matches!(t, Timeout::Timespec(_));
                        let ptr = match fix.arch {
                            Arch::X86_64 => a.get(&r),
                            Arch::I386 => a.get(&r) & 0xffff_ffff,
                        };
                        if let Some(at) = self.shortened_timespec(fix.arch, r.rsp, ptr, wide, waited) {
                            restore = Some((a, a.get(&r)));
                            a.set(&mut r, at);
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
        if let Some((b, orig)) = self.watch.filter(|w| w.nr == fix.nr && w.arch == fix.arch && w.ip == fix.ip).and_then(|w| w.restore) {
            match restore {
                Some((a, _)) if a == b => restore = Some((a, orig)),
                None => restore = Some((b, orig)),
                Some(_) => {}
            }
        }
        self.watch = Some(Watch { nr: fix.nr, arch: fix.arch, ip: fix.ip, entered: false, restore, budget: 64 });
        // The next syscall stop is the restart's entry.
        self.sc = ScState::Out;
        Some(sys::PTRACE_SYSCALL)
    }

    /// Copy the `struct timespec` at `ptr` (64-bit fields if `wide`, else
    /// 32-bit ones) shortened by `waited` below the stack pointer `sp`:
    /// its address, or None (no timeout, or no room for it).
    fn shortened_timespec(&self, arch: Arch, sp: u64, ptr: u64, wide: bool, waited: std::time::Duration) -> Option<u64> {
        if ptr == 0 {
            return None;
        }
        let half = if wide { 8 } else { 4 };
        let mut ts = [0u8; 16];
        let ts = &mut ts[..2 * half];
        if sys::vm_read(self.tid, ptr, ts).ok()? != ts.len() {
            return None;
        }
        let field = |b: &[u8]| -> i64 {
            if wide {
                i64::from_ne_bytes(b.try_into().expect("8"))
            } else {
                i32::from_ne_bytes(b.try_into().expect("4")).into()
            }
        };
        let (sec, nsec) = (field(&ts[..half]), field(&ts[half..]));
        let total = (sec.max(0) as u128) * 1_000_000_000 + nsec.max(0) as u128;
        let left = total.saturating_sub(waited.as_nanos());
        let (sec, nsec) = ((left / 1_000_000_000) as i64, (left % 1_000_000_000) as i64);
        let mut out = [0u8; 16];
        let out = &mut out[..2 * half];
        if wide {
            out[..8].copy_from_slice(&sec.to_ne_bytes());
            out[8..].copy_from_slice(&nsec.to_ne_bytes());
        } else {
            // Less than the call's own 32-bit seconds: it fits.
            out[..4].copy_from_slice(&(sec as i32).to_ne_bytes());
            out[4..].copy_from_slice(&(nsec as i32).to_ne_bytes());
        }
        let at = scratch(arch, sp, out.len() as u64)?;
        sys::vm_write(self.tid, at, out).ok()?;
        Some(at)
    }

    /// The registers as the program set them, for the debugger: while a
    /// restart of ours is followed, the timeout argument we rewrote (the
    /// time left, or a pointer to our copy of the timespec) shows the
    /// program's own value, as FreeBSD's debugger would see it (also in
    /// PT_GET_SC_ARGS). `r` is the thread's real set; unless the debugger
    /// has written registers since the stop, which it then sees as written.
    pub(crate) fn program_regs(&self, mut r: sys::user_regs_struct) -> sys::user_regs_struct {
        if !self.regs_written {
            if let Some((a, v)) = self.watch.and_then(|w| w.restore) {
                a.set(&mut r, v);
            }
        }
        r
    }

    /// Make the kernel restart an EINTR'd call without following it (before
    /// a detach, or for a direct tracer), with the program's own timeout:
    /// nothing will be there to put a rewritten one back. A restart of ours
    /// still followed (interrupted again, or not re-entered yet) has its
    /// timeout register put back now, or the program would find it
    /// changed after the call (busy.c's `epoll_wait_r10` counts that as an
    /// EINTR: one detach in ~60 of engine.rs's job-stop test did).
    pub(crate) fn restart_on_detach(&mut self) {
        let fix = self.fix.take();
        self.note_block(fix);
        let eintr = fix.is_some_and(|f| f.eintr);
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
        let Ok(mut r) = self.regs.map_or_else(|| sys::getregs(self.tid), Ok) else { return };
        // (The i686 library would zero a 64-bit program's upper halves.)
        if (r.orig_rax as i64) < 0 || cfg!(target_pointer_width = "32") && r.cs != sys::USER32_CS {
            return;
        }
        // The call in its own ABI (eintr_class takes an i386 number's 32 bits).
        if eintr_class(call_arch(self.tid, &r), r.orig_rax, r.rbx).is_none() {
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

    /// Keep the call behind a restart_syscall (see
    /// [`Lwp::restarted_call`]) as a fix is applied: a restart interrupted
    /// in its turn (restart_syscall, ERESTART_RESTARTBLOCK again) still
    /// restarts the call first interrupted.
    fn note_block(&mut self, fix: Option<Fix>) {
        self.restart_block = fix.filter(|f| f.block).map(|mut f| {
            let again = self.restart_block.filter(|o| o.arch == f.arch && o.ip == f.ip && o.args == f.args);
            if let Some(o) = again.filter(|_| f.nr == restart_nr(f.arch)) {
                f.nr = o.nr;
            }
            f
        });
    }

    /// The call a thread sleeping in `restart_syscall` (registers `r`)
    /// restarts, if a stop of ours saw it return ERESTART_RESTARTBLOCK
    /// (nanosleep, clock_nanosleep, poll, a futex wait...): FreeBSD's
    /// `td_sa` still names that call, whose argument registers Linux
    /// leaves as they were. Known by the `syscall` instruction's address
    /// and those registers, so a record older than the call never names it.
    pub(crate) fn restarted_call(&self, r: &sys::user_regs_struct) -> Option<u64> {
        let f = self.restart_block?;
        let same = r.orig_rax == restart_nr(f.arch) && r.rip == f.ip && arg_regs(f.arch, r) == f.args;
        (same && f.nr != restart_nr(f.arch)).then_some(f.nr)
    }

    /// At a syscall-entry stop: is it the restart of the call we follow
    /// (then it is not reported, and its return must stop the LWP)?
    pub(crate) fn restart_entry(&mut self, nr: u64, ip: u64) -> bool {
        let Some(w) = self.watch.as_mut() else { return false };
        if w.entered {
            return false;
        }
        let (nr, restart_syscall) = match w.arch {
            Arch::X86_64 => (nr, nr::RESTART_SYSCALL),
            Arch::I386 => (nr & 0xffff_ffff, nr32::RESTART_SYSCALL),
        };
        if ip == w.ip && (nr == w.nr || nr == restart_syscall as u64) {
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

    #[test]
    fn the_i386_numbers_are_i386s() {
        use super::nr32::*;
        for (n, name) in [
            (RESTART_SYSCALL, "restart_syscall"), (READ, "read"), (WRITE, "write"),
            (SOCKETCALL, "socketcall"), (IPC, "ipc"), (READV, "readv"), (WRITEV, "writev"),
            (RT_SIGTIMEDWAIT, "rt_sigtimedwait"), (IO_GETEVENTS, "io_getevents"),
            (EPOLL_WAIT, "epoll_wait"), (EPOLL_PWAIT, "epoll_pwait"), (RECVMMSG, "recvmmsg"),
            (SENDMMSG, "sendmmsg"), (CONNECT, "connect"), (ACCEPT4, "accept4"),
            (SENDTO, "sendto"), (SENDMSG, "sendmsg"), (RECVFROM, "recvfrom"),
            (RECVMSG, "recvmsg"), (IO_PGETEVENTS, "io_pgetevents"),
            (IO_PGETEVENTS_TIME64, "io_pgetevents_time64"), (RECVMMSG_TIME64, "recvmmsg_time64"),
            (SEMTIMEDOP_TIME64, "semtimedop_time64"),
            (RT_SIGTIMEDWAIT_TIME64, "rt_sigtimedwait_time64"), (EPOLL_PWAIT2, "epoll_pwait2"),
        ] {
            assert_eq!(Arch::I386.name(n as u32), Some(name), "{n}");
        }
    }

    /// A number is read in its own ABI's table only: i386's epoll_wait
    /// (256) is x86-64's migrate_pages, and x86-64's read (0) is i386's
    /// restart_syscall.
    #[test]
    fn a_call_is_classified_in_its_own_abi() {
        use super::{eintr_class, Arg, Timeout};
        assert_eq!(eintr_class(Arch::I386, 256, 0), Some(Timeout::Millis(Arg::Rsi)));
        assert_eq!(eintr_class(Arch::X86_64, 256, 0), None);
        assert_eq!(eintr_class(Arch::X86_64, 232, 0), Some(Timeout::Millis(Arg::R10)));
        assert_eq!(eintr_class(Arch::I386, 232, 0), None);
        assert_eq!(eintr_class(Arch::X86_64, 0, 0), Some(Timeout::None));
        assert_eq!(eintr_class(Arch::I386, 0, 0), None);
        // Old i386 calls take 32-bit timespecs, their *_time64 twins 64-bit ones.
        assert_eq!(eintr_class(Arch::I386, 177, 0), Some(Timeout::Timespec32(Arg::Rdx)));
        assert_eq!(eintr_class(Arch::I386, 421, 0), Some(Timeout::Timespec(Arg::Rdx)));
        // ipc(SEMTIMEDOP) (a version in the high half), ipc(SEMGET) not.
        assert_eq!(eintr_class(Arch::I386, 117, 4 | 1 << 16), Some(Timeout::Timespec32(Arg::Rbp)));
        assert_eq!(eintr_class(Arch::I386, 117, 2), None);
        // socketcall(SYS_RECV), socketcall(SYS_SOCKET) not.
        assert_eq!(eintr_class(Arch::I386, 102, 10), Some(Timeout::None));
        assert_eq!(eintr_class(Arch::I386, 102, 1), None);
        // An int $0x80's number comes zero-extended, with anything above in
        // a 64-bit program's registers: 32 bits are read.
        assert_eq!(eintr_class(Arch::I386, 0xdead_0000_0000_0100, 0), Some(Timeout::Millis(Arg::Rsi)));
    }

    #[test]
    fn an_i386_timespec_copy_stays_below_4_gib() {
        use super::scratch;
        assert_eq!(scratch(Arch::I386, 0xffff_d000, 8), Some((0xffff_d000 - 192) & !15));
        assert_eq!(scratch(Arch::I386, 0x7ffd_0000_0000, 8), None);
        assert_eq!(scratch(Arch::X86_64, 0x7ffd_0000_0000, 16), Some(0x7ffd_0000_0000 - 192));
        assert_eq!(scratch(Arch::X86_64, 100, 16), None);
    }
}
