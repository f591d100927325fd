//! PT_LWPINFO, PT_GET_SC_ARGS and PT_GET_SC_RET.

use crate::abi;
use crate::engine::{Event, LinuxState, LinuxStop, Lwpid, Pid, ScState, Target, Tracer};
use crate::error::{Errno, Result};
use crate::sys::{self, Tid};

/// PT_LWPINFO's answer (`struct ptrace_lwpinfo`, host signal types).
#[derive(Clone, Copy)]
pub struct LwpInfo {
    /// The LWP described.
    pub lwpid: Lwpid,
    /// `PL_EVENT_SIGNAL` when the LWP has a debugger stop, else `PL_EVENT_NONE`.
    pub event: i32,
    /// `PL_FLAG_*`.
    pub flags: i32,
    /// The stop, if the LWP has one to report.
    pub stop: Option<Event>,
    /// Blocked signals (bit n-1 = signal n).
    pub sigmask: u64,
    /// Signals pending on the thread itself.
    pub siglist: u64,
    /// Valid when `flags & PL_FLAG_SI`.
    pub siginfo: sys::siginfo_t,
    /// The LWP's name, NUL-padded (`pl_tdname`).
    pub tdname: [u8; abi::TDNAMLEN],
    /// The new child after a fork (PL_FLAG_FORKED), else 0.
    pub child_pid: i32,
    /// The system call number at syscall stops.
    pub syscall_code: u32,
    /// Its number of arguments.
    pub syscall_narg: u32,
}

// SAFETY: `siginfo_t` holds addresses only as values copied from the
// kernel (si_addr, si_ptr); nothing is dereferenced through them, so the
// record may cross to another thread (an Engine job's result).
unsafe impl Send for LwpInfo {}

impl std::fmt::Debug for LwpInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LwpInfo")
            .field("lwpid", &self.lwpid)
            .field("event", &self.event)
            .field("flags", &format_args!("{:#x}", self.flags))
            .field("stop", &self.stop)
            .field("signo", &sys::si::signo(&self.siginfo))
            .field("code", &sys::si::code(&self.siginfo))
            .field("tdname", &self.tdname_str())
            .field("child_pid", &self.child_pid)
            .field("syscall_code", &self.syscall_code)
            .field("syscall_narg", &self.syscall_narg)
            .finish()
    }
}

impl LwpInfo {
    /// The LWP's name as a string (up to the first NUL).
    pub fn tdname_str(&self) -> &str {
        let n = self.tdname.iter().position(|&b| b == 0).unwrap_or(self.tdname.len());
        std::str::from_utf8(&self.tdname[..n]).unwrap_or("")
    }

    /// The same answer as FreeBSD's `struct ptrace_lwpinfo` (with the Rust
    /// LWP id; the C face moves it into its id range).
    pub fn to_abi(&self) -> abi::ptrace_lwpinfo {
        let mut pl = sys::zeroed_lwpinfo();
        pl.pl_lwpid = self.lwpid.0;
        pl.pl_event = self.event;
        pl.pl_flags = self.flags;
        pl.pl_sigmask = sys::bits_to_sigset(self.sigmask);
        pl.pl_siglist = sys::bits_to_sigset(self.siglist);
        if self.flags & abi::PL_FLAG_SI != 0 {
            pl.pl_siginfo = self.siginfo;
        }
        for (d, s) in pl.pl_tdname.iter_mut().zip(self.tdname.iter()) {
            *d = *s as libc::c_char;
        }
        pl.pl_child_pid = self.child_pid;
        pl.pl_syscall_code = self.syscall_code;
        pl.pl_syscall_narg = self.syscall_narg;
        pl
    }
}

/// The `PL_FLAG_*` set an event reports.
pub fn event_flags(e: Event) -> i32 {
    match e {
        Event::Signal { .. } | Event::Attach | Event::Interrupt | Event::TraceMe { .. } => abi::PL_FLAG_SI,
        Event::SyscallEntry => abi::PL_FLAG_SCE,
        Event::SyscallExit => abi::PL_FLAG_SCX,
        Event::Exec { .. } => abi::PL_FLAG_EXEC | abi::PL_FLAG_SCX,
        Event::Forked { vfork, .. } => {
            abi::PL_FLAG_FORKED | abi::PL_FLAG_SCX | if vfork { abi::PL_FLAG_VFORKED } else { 0 }
        }
        Event::Child => abi::PL_FLAG_CHILD | abi::PL_FLAG_SCX,
        Event::VforkDone => abi::PL_FLAG_VFORK_DONE,
        Event::Born => abi::PL_FLAG_BORN | abi::PL_FLAG_SCX,
        Event::Exited => abi::PL_FLAG_EXITED,
    }
}

/// Syscall arguments (PT_GET_SC_ARGS): `narg` valid entries, the rest zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScArgs {
    /// The system call number.
    pub code: u32,
    /// How many of `args` it takes.
    pub narg: u32,
    /// The arguments (only the first `narg` mean anything).
    pub args: [u64; 8],
}

impl Tracer {
    /// The stop event of an LWP, cheaply (no /proc, no extra syscall): the
    /// part of PT_LWPINFO a syscall tracer needs on every stop.
    pub fn stop_event(&self, t: Target) -> Result<(Lwpid, Option<Event>)> {
        let (pid, tid) = self.stopped(t)?;
        Ok((Lwpid(tid), self.procs[&pid].lwp(tid).and_then(|l| l.event)))
    }

    /// The siginfo of a signal stop (translated as FreeBSD reports it).
    pub fn stop_siginfo(&self, t: Target) -> Result<Option<sys::siginfo_t>> {
        let (pid, tid) = self.stopped(t)?;
        Ok(self.procs[&pid].lwp(tid).and_then(|l| l.stop_siginfo()).map(freebsd_siginfo))
    }

    /// PT_LWPINFO.
    pub fn lwpinfo(&mut self, t: Target) -> Result<LwpInfo> {
        let (pid, tid) = self.settled(t)?;
        let l = self.procs[&pid].lwp(tid).expect("live");
        let stop = l.event;
        let siginfo_raw = l.stop_siginfo();
        let mut flags = stop.map(event_flags).unwrap_or(0);
        let mut siginfo = sys::zeroed_siginfo();
        if flags & abi::PL_FLAG_SI != 0 {
            match siginfo_raw {
                Some(si) => siginfo = freebsd_siginfo(si),
                None => flags &= !abi::PL_FLAG_SI,
            }
        }
        let child_pid = match stop {
            Some(Event::Forked { child, .. }) => child.0,
            _ => 0,
        };
        let (syscall_code, syscall_narg) = match self.current_call(pid, tid, stop)? {
            Some((code, _)) => (code, crate::sysent::nargs(code)),
            None => (0, 0),
        };
        let sigmask = sys::sigmask(tid).map_err(|_| Errno::ESRCH)?;
        let siglist = sys::thread_pending(tid).map_err(|_| Errno::ESRCH)?;
        let tdname = self.tdname(pid, tid)?;
        Ok(LwpInfo {
            lwpid: Lwpid(tid),
            event: if stop.is_some() { abi::PL_EVENT_SIGNAL } else { abi::PL_EVENT_NONE },
            flags,
            stop,
            sigmask,
            siglist,
            siginfo,
            tdname,
            child_pid,
            syscall_code,
            syscall_narg,
        })
    }

    /// The thread's name: one pread of its `comm` file, kept open.
    fn tdname(&mut self, pid: Pid, tid: Tid) -> Result<[u8; abi::TDNAMLEN]> {
        let l = self.procs.get_mut(&pid).expect("checked").lwp_mut(tid).expect("live");
        if l.comm.is_none() {
            l.comm = Some(sys::open(&format!("/proc/{}/task/{tid}/comm", pid.0), libc::O_RDONLY).map_err(|_| Errno::ESRCH)?);
        }
        let mut buf = [0u8; 32];
        let n = sys::pread(l.comm.as_ref().expect("opened"), &mut buf, 0).map_err(|_| Errno::ESRCH)?;
        let name = buf[..n].strip_suffix(b"\n").unwrap_or(&buf[..n]);
        let mut tdname = [0u8; abi::TDNAMLEN];
        let k = name.len().min(abi::TDNAMLEN - 1);
        tdname[..k].copy_from_slice(&name[..k]);
        Ok(tdname)
    }

    /// The syscall FreeBSD's `td_sa` describes at this stop: the one whose
    /// entry or exit this is, or, at any other stop, the one the thread is
    /// in (interrupted: a thread blocked in nanosleep when the process was
    /// attached or stopped) or has just returned from (a signal it sent
    /// itself). Linux keeps that syscall's number in `orig_rax` until the
    /// thread next enters the kernel another way (an interrupt, a fault, a
    /// breakpoint: -1 then). The arguments are the registers, which a
    /// syscall hands back unchanged. `None`: no syscall (FreeBSD would
    /// still name the thread's last one; docs/deviations.md).
    fn current_call(&mut self, pid: Pid, tid: Tid, stop: Option<Event>) -> Result<Option<(u32, [u64; 6])>> {
        let flags = stop.map(event_flags).unwrap_or(0);
        if flags & (abi::PL_FLAG_SCE | abi::PL_FLAG_SCX) != 0 {
            let (nr, args) = self.sc_call(pid, tid, stop)?;
            // rt_sigreturn loads the interrupted context, orig_rax = -1
            // included (so that the kernel restarts no syscall): its exit
            // stop is the only one that shows -1, unless the tracer itself
            // set the number to -1 at the entry (FreeBSD reports that as
            // code 0xffffffff too).
            let l = self.procs[&pid].lwp(tid).expect("live");
            if nr == u64::MAX && stop == Some(Event::SyscallExit) && !l.sc_info.number_written() {
                return Ok(Some((libc::SYS_rt_sigreturn as u32, [0; 6])));
            }
            return Ok(Some((nr as u32, args)));
        }
        let r = self.linux_regs(pid, tid)?;
        if r.orig_rax >= u64::from(abi::SYS_MAXSYSCALL) {
            return Ok(None);
        }
        Ok(Some((r.orig_rax as u32, [r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9])))
    }

    /// PT_GET_SC_ARGS: at a syscall stop, or at any stop of a thread that
    /// is in a syscall or has just returned from one (FreeBSD's
    /// `td_sa.code != 0`, see [`Tracer::lwpinfo`]'s `syscall_code`);
    /// EINVAL otherwise.
    pub fn sc_args(&mut self, t: Target) -> Result<ScArgs> {
        let (pid, tid) = self.settled(t)?;
        let stop = self.procs[&pid].lwp(tid).and_then(|l| l.event);
        let Some((code, all)) = self.current_call(pid, tid, stop)? else {
            return Err(Errno::EINVAL.into());
        };
        let narg = crate::sysent::nargs(code);
        let mut args = [0u64; 8];
        args[..narg as usize].copy_from_slice(&all[..narg as usize]);
        Ok(ScArgs { code, narg, args })
    }

    /// PT_GET_SC_RET: only at a stop with `PL_FLAG_SCX`. `sr_error` is the
    /// errno, ERESTART (-1) for Linux's restart codes.
    pub fn sc_ret(&mut self, t: Target) -> Result<abi::ptrace_sc_ret> {
        let (pid, tid) = self.settled(t)?;
        let l = self.procs[&pid].lwp(tid).expect("live");
        let stop = l.event;
        let in_syscall = l.sc;
        if stop.map(event_flags).unwrap_or(0) & abi::PL_FLAG_SCX == 0 {
            return Err(Errno::EINVAL.into());
        }
        let mut ret = abi::ptrace_sc_ret::default();
        // Events reported "at SCX" stop Linux before the syscall returns:
        // give the value the syscall is about to return.
        match stop {
            Some(Event::Forked { child, .. }) => {
                self.linux_regs(pid, tid)?;
                ret.sr_retval[0] = child.0 as i64;
            }
            Some(Event::Exec { .. }) | Some(Event::Child) | Some(Event::Born) => {
                self.linux_regs(pid, tid)?;
            }
            _ => {
                debug_assert!(in_syscall == ScState::Out);
                let (rax, rdx) = self.sc_result(pid, tid)?;
                let rax = rax as i64;
                if (-4095..0).contains(&rax) {
                    let e = (-rax) as i32;
                    ret.sr_error = match e {
                        512 | 513 | 514 | 516 => abi::ERESTART, // ERESTARTSYS & co.
                        _ => e,
                    };
                } else {
                    ret.sr_retval = [rax, rdx as i64];
                }
            }
        }
        Ok(ret)
    }

    /// The syscall number (`orig_rax`) and the six argument registers at a
    /// syscall stop.
    fn sc_call(&mut self, pid: Pid, tid: Tid, stop: Option<Event>) -> Result<(u64, [u64; 6])> {
        if let Some(call) = self.sc_call_from_info(pid, tid, stop) {
            return Ok(call);
        }
        let r = self.linux_regs(pid, tid)?;
        Ok((r.orig_rax, [r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9]))
    }

    /// `rax` and `rdx` at a syscall-exit stop.
    fn sc_result(&mut self, pid: Pid, tid: Tid) -> Result<(u64, u64)> {
        let l = self.procs.get_mut(&pid).expect("checked").lwp_mut(tid).expect("live");
        let at_exit = l.linux == LinuxState::Stopped(LinuxStop::Syscall) && l.event == Some(Event::SyscallExit);
        if l.regs.is_none() && at_exit {
            if let Some(entry) = l.sc_info.entry.filter(|e| !e.here) {
                if let Some(rax) = l.sc_info.exit_rax(tid, &entry) {
                    // rdx is an argument register: the kernel hands it back
                    // as it took it (FreeBSD's td_retval[1] = tf_rdx, too).
                    return Ok((rax, entry.args[2]));
                }
            }
        }
        let r = self.linux_regs(pid, tid)?;
        Ok((r.rax, r.rdx))
    }

    /// [`Tracer::sc_call`] from PTRACE_GET_SYSCALL_INFO, where that gives
    /// exactly what the registers would; `None`: read the registers.
    fn sc_call_from_info(&mut self, pid: Pid, tid: Tid, stop: Option<Event>) -> Option<(u64, [u64; 6])> {
        let l = self.procs.get_mut(&pid)?.lwp_mut(tid)?;
        // Registers fetched or written at this stop are the truth.
        if l.regs.is_some() || l.linux != LinuxState::Stopped(LinuxStop::Syscall) {
            return None;
        }
        match stop {
            Some(Event::SyscallEntry) => {
                if let Some(e) = l.sc_info.entry.filter(|e| e.here) {
                    return Some((e.nr, e.args));
                }
                let e = ScEntry::ask(tid)?;
                l.sc_info = ScInfo { entry: Some(e), exit_rax: None, ..l.sc_info };
                Some((e.nr, e.args))
            }
            Some(Event::SyscallExit) => {
                let e = l.sc_info.entry.filter(|e| !e.here)?;
                l.sc_info.exit_rax(tid, &e)?;
                Some((e.nr, e.args))
            }
            _ => None,
        }
    }
}

/// PTRACE_GET_SYSCALL_INFO answers kept for one syscall of one LWP, so
/// that PT_GET_SC_ARGS at its entry and PT_GET_SC_RET at its exit cost one
/// such request each (about half a PTRACE_GETREGS on this kernel) and
/// answer what the registers would.
///
/// The exit answer carries only `rax`; the arguments (and `rdx`, FreeBSD's
/// `sr_retval[1]`) at the exit are the entry's, because x86-64 Linux
/// returns from a syscall with every argument register as it took it. That
/// holds unless something rewrote the registers in between: the tracer
/// (every register write clears this), or the syscall itself (execve,
/// rt_sigreturn, the uprobe calls), which moves the instruction and stack
/// pointers, so the exit's answer must show the entry's pointers; those
/// syscalls are also never taken from here.
///
/// Lifetime: an entry answer taken at an entry stop survives only a
/// resume with PTRACE_SYSCALL, which runs the LWP to that syscall's exit
/// stop (the first syscall stop to come; an event stop met first resumes
/// it, which ends the answer); nothing survives a second resume.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ScInfo {
    entry: Option<ScEntry>,
    /// The exit's `rax`, once asked at this exit stop.
    exit_rax: Option<u64>,
    /// The tracer wrote the syscall number at this entry stop (PT_SETREGS).
    written_here: bool,
    /// ... at the entry stop of the syscall whose exit stop this is.
    written: bool,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct ScEntry {
    nr: u64,
    args: [u64; 6],
    ip: u64,
    sp: u64,
    /// Taken at the stop the LWP is in now (not yet resumed).
    here: bool,
}

/// Syscalls that load the caller's registers from elsewhere.
const REWRITE_REGISTERS: [u64; 5] = [
    libc::SYS_rt_sigreturn as u64,
    libc::SYS_execve as u64,
    libc::SYS_execveat as u64,
    335, // uretprobe
    336, // uprobe
];

impl ScEntry {
    /// The entry (or seccomp) answer, if it is an x86-64 call.
    fn ask(tid: Tid) -> Option<ScEntry> {
        let i = sys::syscall_info(tid).ok()?;
        let at_entry = matches!(i.op, sys::PTRACE_SYSCALL_INFO_ENTRY | sys::PTRACE_SYSCALL_INFO_SECCOMP);
        if !at_entry || i.arch != sys::AUDIT_ARCH_X86_64 {
            return None;
        }
        let mut args = [0u64; 6];
        args.copy_from_slice(&i.data[1..7]);
        Some(ScEntry { nr: i.data[0], args, ip: i.instruction_pointer, sp: i.stack_pointer, here: true })
    }
}

impl ScInfo {
    /// The LWP is resumed with Linux request `req`.
    pub(crate) fn resumed(&mut self, req: u32) {
        self.exit_rax = None;
        // A resume with PTRACE_SYSCALL from an entry stop runs to that
        // syscall's exit stop (see the lifetime above).
        self.written = std::mem::take(&mut self.written_here) && req == sys::PTRACE_SYSCALL;
        self.entry = self
            .entry
            .filter(|e| e.here && req == sys::PTRACE_SYSCALL && !REWRITE_REGISTERS.contains(&e.nr))
            .map(|e| ScEntry { here: false, ..e });
    }

    /// The LWP's registers were written: the cached answers are stale
    /// (whether the tracer set the syscall number is not).
    pub(crate) fn clear(&mut self) {
        *self = ScInfo { written_here: self.written_here, written: self.written, ..ScInfo::default() };
    }

    /// The tracer set the syscall number at this entry stop.
    pub(crate) fn set_number_written(&mut self) {
        self.written_here = true;
    }

    /// At an exit stop: the tracer set this syscall's number at its entry.
    fn number_written(&self) -> bool {
        self.written
    }

    /// `rax` at the exit stop of the syscall whose entry was `entry`, if
    /// the exit answer shows that syscall, unmoved.
    fn exit_rax(&mut self, tid: Tid, entry: &ScEntry) -> Option<u64> {
        if self.exit_rax.is_none() {
            let i = sys::syscall_info(tid).ok()?;
            let same = i.op == sys::PTRACE_SYSCALL_INFO_EXIT
                && i.arch == sys::AUDIT_ARCH_X86_64
                && i.instruction_pointer == entry.ip
                && i.stack_pointer == entry.sp;
            if !same {
                self.entry = None;
                return None;
            }
            self.exit_rax = Some(i.data[0]);
        }
        self.exit_rax
    }
}

/// Linux reports int3 with si_code SI_KERNEL and a debug-register hit with
/// TRAP_HWBKPT; FreeBSD says TRAP_BRKPT and TRAP_TRACE.
pub(crate) fn freebsd_siginfo(mut si: sys::siginfo_t) -> sys::siginfo_t {
    if sys::si::signo(&si) == libc::SIGTRAP {
        match sys::si::code(&si) {
            libc::SI_KERNEL => sys::si::set_code(&mut si, 1),
            4 => sys::si::set_code(&mut si, 2),
            _ => {}
        }
    }
    si
}
