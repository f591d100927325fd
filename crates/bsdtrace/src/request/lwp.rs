//! PT_LWPINFO, PT_GET_SC_ARGS and PT_GET_SC_RET.

use crate::abi;
use crate::engine::scinfo::ScEntry;
use crate::engine::{Event, LinuxState, LinuxStop, Lwpid, Pid, ScState, Target, Tracer};
use crate::error::{Errno, Result};
use crate::sys::{self, Tid};
use crate::sysent::Arch;

/// PT_LWPINFO's answer (`struct ptrace_lwpinfo`, host signal types).
#[derive(Clone, Copy)]
pub struct LwpInfo {
    /// The LWP described (its Linux tid: see [`Tracer::lwp_list`]).
    pub lwpid: Lwpid,
    /// FreeBSD's id of the LWP, which `to_abi` reports as `pl_lwpid`: the
    /// same as `lwpid` except after an execve from a non-leader thread,
    /// which keeps the id it had although Linux moved it to the leader's
    /// tid ([`Tracer::freebsd_lwpid`]).
    pub freebsd_lwpid: Lwpid,
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
    /// The system call number at syscall stops, in the ABI `syscall_arch`
    /// says (FreeBSD numbers a 32-bit process's calls in its own ABI too).
    pub syscall_code: u32,
    /// Its number of arguments.
    pub syscall_narg: u32,
    /// The ABI of `syscall_code`: i386 for a 32-bit program's calls and a
    /// 64-bit program's `int $0x80` (not in FreeBSD's struct, which leaves
    /// it to PT_GET_ABI_NAME).
    pub syscall_arch: Arch,
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
            .field("syscall_arch", &self.syscall_arch)
            .finish()
    }
}

impl LwpInfo {
    /// The LWP's name as a string (up to the first NUL).
    pub fn tdname_str(&self) -> &str {
        let n = self.tdname.iter().position(|&b| b == 0).unwrap_or(self.tdname.len());
        std::str::from_utf8(&self.tdname[..n]).unwrap_or("")
    }

    /// The same answer as FreeBSD's `struct ptrace_lwpinfo` (with FreeBSD's
    /// LWP id, `freebsd_lwpid`; the C face moves it into its id range).
    pub fn to_abi(&self) -> abi::ptrace_lwpinfo {
        let mut pl = sys::zeroed_lwpinfo();
        pl.pl_lwpid = self.freebsd_lwpid.0;
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

impl LwpInfo {
    /// The answer in a 32-bit debugger's `struct ptrace_lwpinfo32` (glibc's
    /// i386 signal types; FreeBSD's `ptrace_lwpinfo_to32`).
    pub fn to_abi32(&self) -> abi::ptrace_lwpinfo32 {
        let set = |bits: u64| {
            let mut w = [0u32; 32];
            w[0] = bits as u32;
            w[1] = (bits >> 32) as u32;
            w
        };
        let mut si = [0u32; 32];
        if self.flags & abi::PL_FLAG_SI != 0 {
            let native = sys::siginfo_bytes(&self.siginfo);
            let i386 = if sys::HOST_32 { native } else { abi::siginfo_64_to_32(&native) };
            for (w, c) in si.iter_mut().zip(i386.chunks(4)) {
                *w = u32::from_le_bytes(c.try_into().expect("4 bytes"));
            }
        }
        abi::ptrace_lwpinfo32 {
            pl_lwpid: self.lwpid.0,
            pl_event: self.event,
            pl_flags: self.flags,
            pl_sigmask: set(self.sigmask),
            pl_siglist: set(self.siglist),
            pl_siginfo: si,
            pl_tdname: self.tdname,
            pl_child_pid: self.child_pid,
            pl_syscall_code: self.syscall_code,
            pl_syscall_narg: self.syscall_narg,
        }
    }

    /// The bytes of the amd64 `struct ptrace_lwpinfo` (x86-64 glibc's
    /// signal types), whatever the host: PT_GETREGSET(NT_PTLWPINFO) of a
    /// 64-bit program asked by a 32-bit tracer.
    pub fn to_abi64_bytes(&self) -> Vec<u8> {
        let mut v = vec![0u8; 432];
        let mut put = |at: usize, b: &[u8]| v[at..at + b.len()].copy_from_slice(b);
        put(0, &self.lwpid.0.to_le_bytes());
        put(4, &self.event.to_le_bytes());
        put(8, &self.flags.to_le_bytes());
        put(12, &self.sigmask.to_le_bytes());
        put(140, &self.siglist.to_le_bytes());
        if self.flags & abi::PL_FLAG_SI != 0 {
            let native = sys::siginfo_bytes(&self.siginfo);
            put(272, &if sys::HOST_32 { abi::siginfo_32_to_64(&native) } else { native });
        }
        put(400, &self.tdname);
        put(420, &self.child_pid.to_le_bytes());
        put(424, &self.syscall_code.to_le_bytes());
        put(428, &self.syscall_narg.to_le_bytes());
        v
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
        // FreeBSD stops a thread leaving through thr_exit inside that
        // syscall's entry (TDB_SCE is still set): EXITED and SCE together.
        // A thread taken down by another thread's execve reports EXITED
        // alone ([`Tracer::lwpinfo`] clears SCE for those).
        Event::Exited => abi::PL_FLAG_EXITED | abi::PL_FLAG_SCE,
    }
}

/// Syscall arguments (PT_GET_SC_ARGS): `narg` valid entries, the rest zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScArgs {
    /// The ABI of the call (`code` is a number of its table).
    pub arch: Arch,
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
        let l = self.procs[&pid].lwp(tid);
        Ok((Lwpid(l.map_or(tid, |l| l.lwpid())), l.and_then(|l| l.event)))
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
        let lwpid = Lwpid(l.lwpid());
        // A thread an execve took down is not inside thr_exit: EXITED alone.
        let ghost = l.ghost.as_ref().map(|g| (g.sigmask, g.name));
        if ghost.is_some() {
            flags &= !abi::PL_FLAG_SCE;
        }
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
        let (syscall_arch, syscall_code, syscall_narg) = match self.current_call(pid, tid, stop)? {
            Some((arch, code, _)) => (arch, code, arch.nargs(code)),
            None => (Arch::default(), 0, 0),
        };
        let (sigmask, siglist, tdname) = match ghost {
            Some((mask, name)) => (mask, 0, name),
            None => (
                sys::sigmask(tid).map_err(|_| Errno::ESRCH)?,
                sys::thread_pending(tid).map_err(|_| Errno::ESRCH)?,
                self.tdname(pid, tid)?,
            ),
        };
        let freebsd_lwpid = Lwpid(self.freebsd_id(pid, tid));
        Ok(LwpInfo {
            lwpid,
            freebsd_lwpid,
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
            syscall_arch,
        })
    }

    /// FreeBSD's LWP id of LWP `tid` of `pid` (see [`Tracer::freebsd_lwpid`]).
    /// A thread whose tid Linux reused while another LWP goes by that
    /// number as its FreeBSD id (the thread that called execve keeps its
    /// old tid as id) gets an id of its own here, above every tid, so two
    /// LWPs never answer to one id.
    fn freebsd_id(&mut self, pid: Pid, tid: Tid) -> Tid {
        let Some(l) = self.procs.get(&pid).and_then(|p| p.lwp(tid)) else { return tid };
        if let Some(v) = l.vid {
            return v;
        }
        let taken = self.vids.get(&tid).is_some_and(|&(p2, t2)| {
            (p2, t2) != (pid, tid) && self.procs.get(&p2).and_then(|p| p.lwp(t2)).is_some_and(|o| o.vid == Some(tid))
        });
        if !taken {
            return tid;
        }
        let v = self.next_vid;
        self.next_vid = if v >= i32::MAX - 2 * abi::LWPID_BASE { abi::LWPID_BASE } else { v + 1 };
        self.set_vid(pid, tid, v);
        v
    }

    /// FreeBSD's id of an LWP the Rust API names (a Linux tid): the id
    /// `pl_lwpid` and PT_GETLWPLIST report to C, less the C face's base.
    /// It is the tid, except that a thread that called execve from a
    /// non-leader thread keeps the id it had (FreeBSD's execve keeps the
    /// calling thread; Linux moves it to the leader's tid), and that a
    /// thread whose tid is such an id gets one of its own. Not a FreeBSD
    /// request.
    pub fn freebsd_lwpid(&mut self, t: Target) -> Result<Lwpid> {
        let (pid, tid) = self.stopped(t)?;
        Ok(Lwpid(self.freebsd_id(pid, tid)))
    }

    /// PT_GETLWPLIST with FreeBSD's LWP ids ([`Tracer::freebsd_lwpid`]).
    pub fn freebsd_lwp_list(&mut self, t: Target) -> Result<Vec<Lwpid>> {
        let (pid, _) = self.stopped(t)?;
        let tids: Vec<Tid> = self.procs[&pid].live_lwps().map(|l| l.tid).collect();
        Ok(tids.into_iter().map(|tid| Lwpid(self.freebsd_id(pid, tid))).collect())
    }

    /// The target a FreeBSD LWP id names ([`Tracer::freebsd_lwpid`]): the
    /// LWP that goes by it, or the thread with that tid if that thread has
    /// no other id. An id no LWP answers to names nothing (requests fail
    /// with ESRCH).
    pub fn freebsd_target(&self, id: Lwpid) -> Target {
        if let Some(&(pid, tid)) = self.vids.get(&id.0) {
            if self.procs.get(&pid).and_then(|p| p.lwp(tid)).is_some_and(|l| l.vid == Some(id.0)) {
                return Target::Lwp(Lwpid(tid));
            }
        }
        let renamed = self
            .tids
            .get(&id.0)
            .and_then(|pid| self.procs.get(pid))
            .and_then(|p| p.lwp(id.0))
            .is_some_and(|l| l.vid.is_some_and(|v| v != id.0));
        if renamed || id.0 >= abi::LWPID_BASE {
            return Target::Lwp(Lwpid(0));
        }
        Target::Lwp(id)
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
    fn current_call(&mut self, pid: Pid, tid: Tid, stop: Option<Event>) -> Result<Option<(Arch, u32, [u64; 6])>> {
        let flags = stop.map(event_flags).unwrap_or(0);
        if flags & (abi::PL_FLAG_SCE | abi::PL_FLAG_SCX) != 0 {
            let (arch, nr, args) = self.sc_call(pid, tid, stop)?;
            // rt_sigreturn loads the interrupted context, orig_rax = -1
            // included (so that the kernel restarts no syscall): its exit
            // stop is the only one that shows -1, unless the tracer itself
            // set the number to -1 at the entry (FreeBSD reports that as
            // code 0xffffffff too). (i386's old sigreturn, which glibc
            // uses for handlers without SA_SIGINFO, cannot be told from
            // rt_sigreturn there: docs/deviations.md.)
            let l = self.procs[&pid].lwp(tid).expect("live");
            if nr == u64::MAX && stop == Some(Event::SyscallExit) && !l.sc_info.number_written() {
                let rt_sigreturn = match arch {
                    Arch::X86_64 => 15,
                    Arch::I386 => 173,
                };
                return Ok(Some((arch, rt_sigreturn, [0; 6])));
            }
            return Ok(Some((arch, nr as u32, args)));
        }
        let r = self.linux_regs(pid, tid)?;
        if r.orig_rax >= u64::from(abi::SYS_MAXSYSCALL) {
            return Ok(None);
        }
        let arch = self.call_arch(pid, tid)?;
        // Asleep again in a call a stop of ours interrupted, which Linux
        // re-entered as restart_syscall: FreeBSD's thread sleeps on in the
        // call itself.
        let nr = self.procs[&pid].lwp(tid).and_then(|l| l.restarted_call(&r)).unwrap_or(r.orig_rax);
        Ok(Some((arch, nr as u32, reg_args(arch, &r))))
    }

    /// PT_GET_SC_ARGS: at a syscall stop, or at any stop of a thread that
    /// is in a syscall or has just returned from one (FreeBSD's
    /// `td_sa.code != 0`, see [`Tracer::lwpinfo`]'s `syscall_code`);
    /// EINVAL otherwise.
    pub fn sc_args(&mut self, t: Target) -> Result<ScArgs> {
        let (pid, tid) = self.settled(t)?;
        let stop = self.procs[&pid].lwp(tid).and_then(|l| l.event);
        let Some((arch, code, all)) = self.current_call(pid, tid, stop)? else {
            return Err(Errno::EINVAL.into());
        };
        let narg = arch.nargs(code);
        let mut args = [0u64; 8];
        args[..narg as usize].copy_from_slice(&all[..narg as usize]);
        Ok(ScArgs { arch, code, narg, args })
    }

    /// PT_GET_SC_RET: only at a stop with `PL_FLAG_SCX`. `sr_error` is the
    /// errno, ERESTART (-1) for Linux's restart codes, and EJUSTRETURN (-2)
    /// at the exec stop: FreeBSD's execve returns EJUSTRETURN (it set the
    /// new image's registers itself), which its syscall path keeps as the
    /// call's error code, and `sr_retval` is only filled when `sr_error`
    /// is 0.
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
            Some(Event::Exec { .. }) => {
                self.linux_regs(pid, tid)?;
                ret.sr_error = abi::EJUSTRETURN;
            }
            Some(Event::Child) | Some(Event::Born) => {
                self.linux_regs(pid, tid)?;
            }
            _ => {
                debug_assert!(in_syscall == ScState::Out);
                let (rax, rdx) = self.sc_result(pid, tid)?;
                // The kernel leaves an error sign-extended in rax whatever
                // the call's ABI; a 32-bit tracer sees eax alone.
                if let Some(e) = Arch::HOST.error_of(rax) {
                    ret.sr_error = match e {
                        512 | 513 | 514 | 516 => abi::ERESTART, // ERESTARTSYS & co.
                        _ => e,
                    };
                } else {
                    ret.sr_retval = [rax as i64, rdx as i64];
                }
            }
        }
        Ok(ret)
    }

    /// The syscall's ABI, number (`orig_rax`) and six argument registers
    /// at a syscall stop. At the exec stop, execve's own arguments when the
    /// LWP came there from a stop at its entry where they were read (the
    /// engine keeps them, `ScInfo::exec_entry`); else the new image's
    /// registers (docs/deviations.md).
    fn sc_call(&mut self, pid: Pid, tid: Tid, stop: Option<Event>) -> Result<(Arch, u64, [u64; 6])> {
        if matches!(stop, Some(Event::Exec { .. })) {
            if let Some(e) = self.procs[&pid].lwp(tid).and_then(|l| l.sc_info.exec_entry) {
                return Ok((e.arch, e.nr, e.args));
            }
        }
        if let Some(call) = self.sc_call_from_info(pid, tid, stop) {
            return Ok(call);
        }
        let r = self.linux_regs(pid, tid)?;
        let arch = self.call_arch(pid, tid)?;
        let args = reg_args(arch, &r);
        if stop == Some(Event::SyscallEntry) && arch.is_exec(r.orig_rax) {
            // An execve's arguments read from the registers (fetched or
            // written at this entry): kept for its exec stop as an entry
            // answer would be (a later register write drops them).
            let nr = match arch {
                Arch::X86_64 => r.orig_rax,
                Arch::I386 => r.orig_rax & 0xffff_ffff,
            };
            let e = ScEntry { arch, nr, args, ip: r.rip, sp: r.rsp, here: true };
            self.procs.get_mut(&pid).expect("checked").lwp_mut(tid).expect("live").sc_info.set_entry(e);
        }
        Ok((arch, r.orig_rax, args))
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
    fn sc_call_from_info(&mut self, pid: Pid, tid: Tid, stop: Option<Event>) -> Option<(Arch, u64, [u64; 6])> {
        let l = self.procs.get_mut(&pid)?.lwp_mut(tid)?;
        // Registers fetched or written at this stop are the truth.
        if l.regs.is_some() || l.linux != LinuxState::Stopped(LinuxStop::Syscall) {
            return None;
        }
        match stop {
            Some(Event::SyscallEntry) => {
                if let Some(e) = l.sc_info.entry.filter(|e| e.here) {
                    return Some((e.arch, e.nr, e.args));
                }
                let e = ScEntry::ask(tid)?;
                l.sc_info.set_entry(e);
                Some((e.arch, e.nr, e.args))
            }
            Some(Event::SyscallExit) => {
                let e = l.sc_info.entry.filter(|e| !e.here)?;
                l.sc_info.exit_rax(tid, &e)?;
                Some((e.arch, e.nr, e.args))
            }
            _ => None,
        }
    }
}

/// The argument registers of a call of ABI `arch`: x86-64's rdi, rsi, rdx,
/// r10, r8, r9; i386's ebx, ecx, edx, esi, edi, ebp (32 bits each).
fn reg_args(arch: Arch, r: &sys::user_regs_struct) -> [u64; 6] {
    match arch {
        Arch::X86_64 => [r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9],
        Arch::I386 => [r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp].map(|v| v & 0xffff_ffff),
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
