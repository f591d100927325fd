//! PT_SC_REMOTE: run a system call inside the tracee.
//!
//! Classic injection, as gdb and rr do it: at a boundary stop, save the
//! selected LWP's registers and the 3 bytes at its PC, write `syscall; int3`
//! there, load the call into the registers (with `orig_rax = -1` so the
//! kernel's syscall-restart logic leaves the injected PC alone), let only
//! that LWP run to the int3, take `rax`, and put everything back. The other
//! LWPs stay stopped throughout. Like FreeBSD, the process is then reported
//! stopped again (SIGSTOP) and must be waited for.

use crate::abi;
use crate::engine::{Event, LinuxState, LinuxStop, ScState, Target, Tracer};
use crate::error::{Errno, Result};
use crate::sys;

impl Tracer {
    /// PT_SC_REMOTE: execute syscall `nr` with `args` (at most 8; x86_64
    /// uses 6) in the selected LWP. The syscall's own failure is in
    /// `sr_error`; EBUSY unless stopped at a boundary (not inside a syscall).
    pub fn remote_syscall(&mut self, t: Target, nr: u64, args: &[u64]) -> Result<abi::ptrace_sc_ret> {
        let (pid, tid) = self.stopped(t)?;
        if args.len() > 8 {
            return Err(Errno::EINVAL.into());
        }
        let l = self.procs[&pid].lwp(tid).expect("live");
        let boundary = match l.linux {
            LinuxState::Stopped(LinuxStop::Signal) | LinuxState::Stopped(LinuxStop::Group) => true,
            LinuxState::Stopped(LinuxStop::Syscall) => l.sc == ScState::Out,
            LinuxState::Stopped(LinuxStop::Event) => {
                matches!(l.event, None | Some(Event::Attach) | Some(Event::Interrupt) | Some(Event::Child) | Some(Event::Born))
            }
            _ => false,
        };
        if !boundary {
            return Err(Errno::EBUSY.into());
        }
        // (Fetched now if it was left in the kernel: the injection's own
        // trap replaces the kernel's record.)
        let orig_siginfo = l.stop_siginfo();
        let was_signal_stop = l.linux == LinuxState::Stopped(LinuxStop::Signal);
        let saved = self.linux_regs(pid, tid)?;
        // Inject at the PC; if it cannot run code there (a process that
        // crashed through a bad function pointer stops at a PC in data or
        // in nothing), at the start of an executable mapping instead (the
        // vDSO first). Never resume a thread whose injection faults: that
        // would fault again at every resume (issue 11 #3).
        let mut at = saved.rip;
        let mut tried_fallback = false;
        let result = loop {
            let r = self.inject_at(tid, at, &saved, nr, args);
            match r {
                Err(Injection::Fault) if !tried_fallback => match executable_spot(pid.0, tid) {
                    Some(spot) if spot != at => {
                        tried_fallback = true;
                        at = spot;
                    }
                    _ => break Err(Errno::EFAULT),
                },
                Err(Injection::Fault) => break Err(Errno::EFAULT),
                Err(Injection::Gone) => break Err(Errno::ESRCH),
                Ok(x) => break Ok(x),
            }
        };
        let _ = sys::setregs(tid, &saved);
        let (rax, late_signals) = result?;
        let p = self.procs.get_mut(&pid).expect("checked");
        let l = p.lwp_mut(tid).expect("live");
        l.regs = Some(saved);
        // The LWP now sits in the int3's signal-delivery-stop: resuming it
        // later with the original signal must deliver that signal.
        l.linux = LinuxState::Stopped(LinuxStop::Signal);
        if was_signal_stop {
            if let Some(si) = orig_siginfo {
                let _ = sys::set_siginfo(tid, &si);
            }
        }
        if l.siginfo_lazy {
            l.siginfo = orig_siginfo;
            l.siginfo_lazy = false;
        }
        for s in late_signals {
            p.injected |= 1 << (s - 1);
            let _ = sys::tgkill(pid.0, tid, s);
        }
        // FreeBSD: the process is reported stopped again (SIGSTOP).
        p.restop = true;
        p.state = crate::engine::ProcState::Stopped { waited: false };
        self.ready.push_back(pid);
        let mut ret = abi::ptrace_sc_ret::default();
        let v = rax as i64;
        if (-4095..0).contains(&v) {
            ret.sr_error = (-v) as i32;
        } else {
            ret.sr_retval[0] = v;
        }
        Ok(ret)
    }

    /// Write `syscall; int3` at `at`, load the call, run the LWP to the
    /// int3, and put the code back (the registers are the caller's to
    /// restore).
    fn inject_at(&mut self, tid: sys::Tid, at: u64, saved: &sys::user_regs_struct, nr: u64, args: &[u64]) -> std::result::Result<(u64, Vec<i32>), Injection> {
        let lwp = Target::Lwp(crate::Lwpid(tid));
        let mut code = [0u8; 3];
        self.read_memory(lwp, at, &mut code).map_err(|_| Injection::Fault)?;
        self.write_memory(lwp, at, &[0x0f, 0x05, 0xcc]).map_err(|_| Injection::Fault)?;
        let mut r = *saved;
        let a = |i: usize| args.get(i).copied().unwrap_or(0);
        r.rip = at;
        r.rax = nr;
        r.orig_rax = u64::MAX;
        r.rdi = a(0);
        r.rsi = a(1);
        r.rdx = a(2);
        r.r10 = a(3);
        r.r8 = a(4);
        r.r9 = a(5);
        let result = sys::setregs(tid, &r).map_err(|_| Injection::Gone).and_then(|_| run_until_trap(tid, at));
        // Put the code back, whatever happened.
        let _ = self.write_memory(lwp, at, &code);
        result
    }
}

impl Tracer {
    /// procctl(2) with this tracer lent to it: `*_CTL` commands that Linux
    /// can only apply to the calling process work on a process we trace and
    /// have stopped, by running the call inside it (PT_SC_REMOTE).
    pub fn procctl(
        &mut self,
        idtype: crate::procctl::IdType,
        id: i64,
        req: crate::procctl::Request,
    ) -> Result<crate::procctl::Reply> {
        install_hook();
        sys::scoped::lend(self, || crate::procctl::procctl(idtype, id, req))
    }

    /// [`crate::procctl::procctl_raw`] (the C face's entry) with this tracer lent.
    pub fn procctl_raw(
        &mut self,
        idtype: i32,
        id: i64,
        cmd: i32,
        data: &mut dyn crate::procctl::UserData,
    ) -> std::result::Result<(), Errno> {
        install_hook();
        sys::scoped::lend(self, || crate::procctl::procctl_raw(idtype, id, cmd, data))
    }
}

fn install_hook() {
    crate::procctl::set_remote_syscall_hook(remote_hook);
}

/// procctl's hook: run the syscall in `pid` if the lending tracer traces it
/// and it is stopped; `None` otherwise (procctl then gives FreeBSD's error).
fn remote_hook(pid: i32, nr: i64, args: [u64; 6]) -> Option<std::result::Result<i64, Errno>> {
    sys::scoped::borrow(|t: &mut Tracer| {
        let target = Target::Proc(crate::Pid(pid));
        t.stopped(target).ok()?;
        let r = t.remote_syscall(target, nr as u64, &args);
        // The tracer did not ask for a re-stop: this was procctl's business.
        if let Some(p) = t.procs.get_mut(&crate::Pid(pid)) {
            p.restop = false;
            p.state = crate::engine::ProcState::Stopped { waited: true };
        }
        t.ready.retain(|x| x.0 != pid);
        Some(match r {
            Ok(ret) if ret.sr_error != 0 => Err(Errno(ret.sr_error)),
            Ok(ret) => Ok(ret.sr_retval[0]),
            Err(e) => Err(e.errno()),
        })
    })
    .flatten()
}

/// Why an injection did not complete.
enum Injection {
    /// The injected code could not run where it was put (not executable,
    /// not mapped): retry elsewhere.
    Fault,
    /// The thread is gone.
    Gone,
}

/// Let one stopped LWP run until it traps at the int3 after `at`; signals
/// sent to it meanwhile are set aside (returned) to be re-sent afterwards.
/// A fault the kernel raises (SIGSEGV, SIGBUS, SIGILL, SIGFPE with a kernel
/// si_code) is the injected code failing: it is reported at once, never
/// resumed, which would only fault again.
fn run_until_trap(tid: sys::Tid, at: u64) -> std::result::Result<(u64, Vec<i32>), Injection> {
    let mut late = vec![];
    sys::resume(sys::PTRACE_CONT, tid, 0).map_err(|_| Injection::Gone)?;
    loop {
        let Some((_, st)) = sys::wait4(tid, sys::WALL).map_err(|_| Injection::Gone)? else { continue };
        if !libc::WIFSTOPPED(st) {
            return Err(Injection::Gone);
        }
        let sig = libc::WSTOPSIG(st);
        if sig == libc::SIGTRAP && st >> 16 == 0 {
            // Our int3 (the PC right after it), not a SIGTRAP that was
            // pending for the thread (delivered before the syscall ran).
            let r = sys::getregs(tid).map_err(|_| Injection::Gone)?;
            if r.rip == at + 3 {
                return Ok((r.rax, late));
            }
        }
        if st >> 16 == 0 && matches!(sig, libc::SIGSEGV | libc::SIGBUS | libc::SIGILL | libc::SIGFPE) {
            let kernel = sys::siginfo(tid).is_ok_and(|si| sys::si::code(&si) > 0);
            let here = sys::getregs(tid).is_ok_and(|r| r.rip == at || r.rip == at + 2);
            if kernel || here {
                return Err(Injection::Fault);
            }
        }
        if st >> 16 == 0 && sig != libc::SIGTRAP {
            late.push(sig);
        }
        sys::resume(sys::PTRACE_CONT, tid, 0).map_err(|_| Injection::Gone)?;
    }
}

/// Somewhere the thread can execute our three bytes: the start of the vDSO,
/// else of the first executable mapping (the caller puts the bytes back).
fn executable_spot(pid: i32, tid: sys::Tid) -> Option<u64> {
    let maps = sys::procfs::parse_maps(&sys::procfs::maps_text(pid, tid).ok()?);
    maps.iter()
        .find(|m| m.exec && m.path == "[vdso]")
        .or_else(|| maps.iter().find(|m| m.exec && m.read && m.path != "[vsyscall]"))
        .map(|m| m.start)
}
