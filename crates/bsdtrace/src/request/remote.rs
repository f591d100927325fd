//! PT_SC_REMOTE: run a system call inside the tracee.
//!
//! Syscall injection, done without touching the tracee's memory: at a
//! boundary stop, save the selected LWP's registers, point its PC at a
//! `syscall` instruction the process already maps executable (the vDSO's,
//! else one in its own code), load the call into the registers (with
//! `orig_rax = -1` so the kernel's syscall-restart logic leaves them alone),
//! single-step that one instruction with only this LWP running, take `rax`,
//! and put the registers back. The call runs wherever the PC was, even in a
//! process stopped by a jump through a bad function pointer, whose PC
//! nothing can execute at. The other LWPs stay stopped throughout. Like
//! FreeBSD, the process is then reported stopped again (SIGSTOP) and must
//! be waited for.
//!
//! FreeBSD's boundary stops are where a thread is about to return to user
//! mode: signal stops, the attach and PT_TRACE_ME first stops, syscall
//! exits (exec and fork stops included). Linux reports exec and fork
//! inside the syscall, before its return value is stored: there the LWP is
//! first run to that syscall's exit stop (which FreeBSD reports as one
//! stop with the event anyway). A syscall entry is not a boundary: EBUSY.
//!
//! A 32-bit program's call is made the i386 way: its number (of the i386
//! table, as FreeBSD takes `pscr_syscall` in the target's ABI) in `eax`,
//! its arguments in `ebx`, `ecx`, `edx`, `esi`, `edi`, `ebp`, through an
//! `int $0x80` instruction (the 32-bit vDSO has one: its
//! `__kernel_vsyscall` falls back to it).
//!
//! Calls that do not return, as on FreeBSD: `exit`/`exit_group` answer
//! `sr_error` 0 and leave the LWP at its exit (PTRACE_EVENT_EXIT) stop, so
//! that its status reaches the tracer's wait once it is continued; a
//! successful `execve` answers EJUSTRETURN and leaves the LWP in the new
//! image, at its exec event stop, before its first instruction.

use crate::abi;
use crate::engine::{Event, LinuxState, LinuxStop, Lwpid, Pid, ScState, SigProbe, Target, Tracer};
use crate::error::{Errno, Result};
use crate::sys::{self, Tid};
use crate::sysent::Arch;

/// How an injected call ended.
enum Outcome {
    /// It returned `rax`; the LWP sits in its single step's SIGTRAP stop.
    Returned(u64),
    /// It ended the thread: the LWP is at its PTRACE_EVENT_EXIT stop.
    Exiting,
    /// execve succeeded: the LWP, now `tid` (a non-leader took the pid), is
    /// at its PTRACE_EVENT_EXEC stop in the new image.
    Execed { tid: Tid },
}

/// What the selected LWP's stop was before the call, put back after it:
/// the engine may have seen the call's own events (a remote clone or fork
/// makes the LWP report it), which must not replace the stop the tracer
/// is looking at.
struct Before {
    linux: LinuxState,
    event: Option<Event>,
    siginfo: Option<sys::siginfo_t>,
    resume_sig: i32,
    pending: bool,
}

/// Where the selected LWP is stopped, for PT_SC_REMOTE.
#[derive(PartialEq)]
enum Place {
    /// About to return to user mode.
    Boundary,
    /// At an event Linux reports inside a syscall (exec, fork, clone,
    /// vfork done): a boundary once the syscall has returned.
    InSyscall,
}

/// AT_SYSINFO_EHDR: the vDSO's ELF header.
const AT_SYSINFO_EHDR: u64 = 33;
/// How much of the process's own code is searched for a `syscall`
/// instruction when it has no vDSO.
const TEXT_SEARCH_LIMIT: usize = 16 << 20;

impl Tracer {
    /// PT_SC_REMOTE: execute syscall `nr` with `args` (at most 8; x86_64
    /// uses 6) in the selected LWP. The syscall's own failure is in
    /// `sr_error`; a successful execve gives EJUSTRETURN, an exit 0. EBUSY
    /// unless stopped at a boundary (not at a syscall entry); EFAULT if the
    /// process maps no `syscall` instruction it can execute.
    pub fn remote_syscall(&mut self, t: Target, nr: u64, args: &[u64]) -> Result<abi::ptrace_sc_ret> {
        let (pid, tid) = self.settled(t)?;
        if args.len() > 8 {
            return Err(Errno::EINVAL.into());
        }
        let arch = self.proc_arch(pid, tid)?;
        if sys::HOST_32 && arch == Arch::X86_64 {
            // Its registers cannot be saved whole from a 32-bit tracer, so
            // they could not be put back (docs/deviations.md).
            return Err(Errno::EINVAL.into());
        }
        let l = self.procs[&pid].lwp(tid).expect("live");
        let place = match (l.linux, l.sc) {
            (LinuxState::Stopped(LinuxStop::Signal | LinuxStop::Group), _) => Place::Boundary,
            (LinuxState::Stopped(LinuxStop::Syscall), ScState::Out) => Place::Boundary,
            (LinuxState::Stopped(LinuxStop::Event), ScState::In) => Place::InSyscall,
            (LinuxState::Stopped(LinuxStop::Event), _) => Place::Boundary,
            _ => return Err(Errno::EBUSY.into()),
        };
        let mut late = Vec::new();
        if place == Place::InSyscall {
            self.run_to_syscall_exit(pid, tid, &mut late)?;
        }
        let p = &self.procs[&pid];
        let l = p.lwp(tid).expect("live");
        let before = Before {
            linux: l.linux,
            event: l.event,
            // (Fetched now if it was left in the kernel: the injection's
            // own trap replaces the kernel's record.)
            siginfo: l.stop_siginfo(),
            resume_sig: l.resume_sig,
            pending: p.pending.contains(&tid),
        };
        let saved = self.linux_regs(pid, tid)?;
        let site = match self.syscall_site(pid, tid, arch) {
            Ok(site) => site,
            Err(e) => {
                self.resend(pid, tid, &late);
                return Err(e.into());
            }
        };
        let mut r = saved;
        load_call(&mut r, arch, site, nr, args);
        let outcome = sys::setregs(tid, &r).and_then(|_| self.step_syscall(pid, tid, site, &mut late));
        let mut ret = abi::ptrace_sc_ret::default();
        match outcome {
            Ok(Outcome::Returned(rax)) => {
                self.after_return(pid, tid, &saved, &before);
                // The kernel sign-extends an error; a 32-bit tracer sees eax.
                match Arch::HOST.error_of(rax) {
                    Some(e) => ret.sr_error = e,
                    None => ret.sr_retval[0] = rax as i64,
                }
                self.resend(pid, tid, &late);
            }
            Ok(Outcome::Exiting) => {
                let p = self.procs.get_mut(&pid).expect("checked");
                p.remote_exit = Some(tid);
                if !before.pending {
                    p.pending.retain(|x| *x != tid);
                }
                let l = p.lwp_mut(tid).expect("live");
                l.event = before.event;
                l.siginfo = before.siginfo.into();
                l.linux = LinuxState::Stopped(LinuxStop::Exit);
                l.resume_sig = 0;
                l.regs = None;
                l.sc_info.clear();
                for &s in &late {
                    self.procs.get_mut(&pid).expect("checked").injected |= 1 << (s - 1);
                    let _ = sys::kill(pid.0, s);
                }
            }
            Ok(Outcome::Execed { tid: new }) => {
                let l = self.procs.get_mut(&pid).expect("checked").lwp_mut(tid).expect("live");
                l.siginfo = before.siginfo.into();
                self.after_exec(pid, tid, new);
                ret.sr_error = abi::EJUSTRETURN;
                self.resend(pid, new, &late);
            }
            Err(Errno::EFAULT) => {
                // Executing at the site faulted (the program unmapped it):
                // nothing ran; the LWP sits in that fault's signal stop.
                self.after_return(pid, tid, &saved, &before);
                self.resend(pid, tid, &late);
                return Err(Errno::EFAULT.into());
            }
            Err(e) => {
                // The thread died under us; its exit went to the engine.
                let _ = sys::setregs(tid, &saved);
                return Err(e.into());
            }
        }
        // FreeBSD: the process is reported stopped again (SIGSTOP).
        let p = self.procs.get_mut(&pid).expect("checked");
        p.restop = true;
        p.state = crate::engine::ProcState::Stopped { waited: false };
        self.ready.push_back(pid);
        Ok(ret)
    }

    /// Put the registers and the stop back after a call that returned.
    /// The LWP is in a SIGTRAP signal-delivery-stop now: resuming it later
    /// with the original stop's signal must deliver that signal, with its
    /// siginfo.
    fn after_return(&mut self, pid: Pid, tid: Tid, saved: &sys::user_regs_struct, before: &Before) {
        let _ = sys::setregs(tid, saved);
        if before.linux == LinuxState::Stopped(LinuxStop::Signal) {
            if let Some(si) = before.siginfo {
                let _ = sys::set_siginfo(tid, &si);
            }
        }
        let p = self.procs.get_mut(&pid).expect("checked");
        if !before.pending {
            p.pending.retain(|x| *x != tid);
        }
        let l = p.lwp_mut(tid).expect("live");
        l.regs = Some(*saved);
        l.sc_info.clear();
        l.event = before.event;
        l.resume_sig = before.resume_sig;
        // Back at the user-mode boundary; no syscall exit is outstanding.
        l.sc = ScState::Out;
        l.skip_scx = false;
        // A syscall-exit stop keeps its name (FreeBSD's register convention
        // at syscall stops goes by it); resuming either stop is the same.
        l.linux = if before.linux == LinuxState::Stopped(LinuxStop::Syscall) {
            before.linux
        } else {
            LinuxState::Stopped(LinuxStop::Signal)
        };
        if !matches!(l.siginfo, crate::engine::SigInfo::None) {
            l.siginfo = before.siginfo.into();
        }
    }

    /// Signals that arrived during the call, set aside then: queued again,
    /// marked as ours so that their delivery passes without a stop.
    fn resend(&mut self, pid: Pid, tid: Tid, late: &[i32]) {
        let p = self.procs.get_mut(&pid).expect("checked");
        for &s in late {
            p.injected |= 1 << (s - 1);
            let _ = sys::tgkill(pid.0, tid, s);
        }
    }

    /// The execve of the selected LWP replaced the image (FreeBSD's
    /// remote execve): the same bookkeeping as the engine's exec event,
    /// except that no exec event is reported (the SIGSTOP re-stop is).
    /// The other threads are dying; their exits are reaped as they come.
    fn after_exec(&mut self, pid: Pid, old: Tid, new: Tid) {
        let p = self.procs.get_mut(&pid).expect("checked");
        let i = p.lwps.iter().position(|l| l.tid == old).expect("the caller's LWP");
        let mut l = p.lwps.remove(i);
        if new != old {
            // The leader, gone: its id is ours now.
            p.lwps.retain(|x| x.tid != new);
        }
        for other in p.lwps.iter_mut() {
            other.linux = LinuxState::Exiting;
            other.event = None;
        }
        l.tid = new;
        l.linux = LinuxState::Stopped(LinuxStop::Event);
        // The execve has not returned yet: its exit stop is part of this
        // stop, as after any exec event.
        l.sc = ScState::In;
        l.skip_scx = true;
        l.resume_sig = 0;
        l.step = false;
        l.regs = None;
        l.sc_info.clear();
        l.comm = None;
        l.interrupt_pending = false;
        l.dbregs_dirty = false;
        p.lwps.insert(0, l);
        p.pending.clear();
        if p.xthread == Some(old) {
            p.xthread = Some(new);
        }
        p.leader_gone = false;
        p.execing = false;
        p.mem = None;
        p.sigs = SigProbe::default();
        p.maps = None;
        self.tids.remove(&old);
        self.tids.insert(new, pid);
    }

    /// From an event stop inside a syscall, run the LWP to that syscall's
    /// exit stop (the next stop PTRACE_SYSCALL brings), which the engine
    /// would otherwise have swallowed after the event.
    fn run_to_syscall_exit(&mut self, pid: Pid, tid: Tid, late: &mut Vec<i32>) -> Result<(), Errno> {
        sys::resume(sys::PTRACE_SYSCALL, tid, 0).map_err(|_| Errno::ESRCH)?;
        loop {
            // Any child, as in `step_syscall` (a leader's death waits for
            // its other threads').
            let st = match sys::wait4(-1, self.wait_flags) {
                Ok(Some((t, st))) if t == tid => st,
                Ok(Some((t, st))) => {
                    self.bystander(pid, t, st);
                    continue;
                }
                Ok(None) => continue,
                Err(_) => return Err(Errno::ESRCH),
            };
            if !libc::WIFSTOPPED(st) || (st >> 16) == sys::PTRACE_EVENT_EXIT {
                // Killed meanwhile: the engine reports it.
                self.dispatch(tid, st);
                return Err(Errno::ESRCH);
            }
            let sig = libc::WSTOPSIG(st);
            if sig == libc::SIGTRAP | 0x80 {
                break;
            }
            if st >> 16 == 0 {
                late.push(sig);
            }
            sys::resume(sys::PTRACE_SYSCALL, tid, 0).map_err(|_| Errno::ESRCH)?;
        }
        let l = self.procs.get_mut(&pid).expect("checked").lwp_mut(tid).expect("live");
        l.linux = LinuxState::Stopped(LinuxStop::Syscall);
        l.sc = ScState::Out;
        l.skip_scx = false;
        l.regs = None;
        l.sc_info.clear();
        Ok(())
    }

    /// Single-step the LWP over the `syscall` instruction its registers
    /// point at. Signals that arrive meanwhile are set aside in `late`.
    /// An execve may give a non-leader the leader's id (its exec stop
    /// comes under the pid).
    ///
    /// It waits for any child of ours, not for the LWP alone: an execve
    /// kills the other threads, and Linux may stop each at its exit
    /// (kernels before 5.19 do), which must be let go or the execve waits
    /// for them for ever; and a process SIGKILLed from outside before the
    /// engine saw it has its threads at their exit stops: a leader's own
    /// death is held back until they are reaped, so a wait for the leader
    /// alone never returned (fault suite long-form R1, Rust face, worker
    /// seed 7000063).
    fn step_syscall(&mut self, pid: Pid, tid: Tid, site: u64, late: &mut Vec<i32>) -> Result<Outcome, Errno> {
        sys::resume(sys::PTRACE_SINGLESTEP, tid, 0)?;
        loop {
            let (t, st) = match sys::wait4(-1, self.wait_flags) {
                Ok(Some(x)) => x,
                Ok(None) => continue,
                Err(Errno::ECHILD) => return Err(Errno::ESRCH),
                Err(e) => return Err(e),
            };
            let event = (st >> 16) & 0xff;
            if t != tid {
                if t == pid.0 && libc::WIFSTOPPED(st) && event == sys::PTRACE_EVENT_EXEC {
                    return Ok(Outcome::Execed { tid: t });
                }
                self.bystander(pid, t, st);
                continue;
            }
            if !libc::WIFSTOPPED(st) {
                self.dispatch(t, st);
                return Err(Errno::ESRCH);
            }
            let sig = libc::WSTOPSIG(st);
            match event {
                sys::PTRACE_EVENT_EXEC => return Ok(Outcome::Execed { tid }),
                sys::PTRACE_EVENT_EXIT => {
                    let status = sys::event_msg(tid).unwrap_or(0) as i32;
                    if libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGKILL {
                        // Killed from outside, not by the call: the engine
                        // handles the end of the process as usual.
                        self.dispatch(t, st);
                        return Err(Errno::ESRCH);
                    }
                    return Ok(Outcome::Exiting);
                }
                // New threads and children the call made: the engine
                // lists them (they report when the process goes on).
                sys::PTRACE_EVENT_CLONE | sys::PTRACE_EVENT_FORK | sys::PTRACE_EVENT_VFORK => self.dispatch(t, st),
                0 => {
                    let code = sys::siginfo(tid).map(|si| sys::si::code(&si)).unwrap_or(0);
                    if sig == libc::SIGTRAP && code > 0 {
                        // The step's trap, after the syscall returned: the
                        // PC has left the site (past the instruction, or
                        // wherever a call like rt_sigreturn put it). At the
                        // site still, it is a SIGTRAP that was pending (an
                        // int3's, SI_KERNEL, kept back by a stop), delivered
                        // before anything ran: set aside like any signal.
                        // (Taken for the step, the call "returned" its own
                        // number: issue 11's fault suite, R1 Rust face.)
                        let regs = sys::getregs(tid)?;
                        if regs.rip != site {
                            return Ok(Outcome::Returned(regs.rax));
                        }
                    }
                    if matches!(sig, libc::SIGSEGV | libc::SIGBUS | libc::SIGILL | libc::SIGFPE) && code > 0 {
                        // Executing the instruction faulted: never retry.
                        return Err(Errno::EFAULT);
                    }
                    late.push(sig);
                }
                // Seccomp, interrupt and group-stop traps: go on.
                _ => {}
            }
            sys::resume(sys::PTRACE_SINGLESTEP, tid, 0)?;
        }
    }

    /// A status of another task while a remote call runs: the process's
    /// other threads dying (an execve's, or a SIGKILL's from outside: let
    /// go of their exit stops), anything else to the engine.
    fn bystander(&mut self, pid: Pid, t: Tid, st: i32) {
        let ours = self.tids.get(&t) == Some(&pid);
        if ours && libc::WIFSTOPPED(st) && (st >> 16) == sys::PTRACE_EVENT_EXIT {
            let _ = sys::resume(sys::PTRACE_CONT, t, 0);
            if let Some(l) = self.procs.get_mut(&pid).and_then(|p| p.lwp_mut(t)) {
                l.linux = LinuxState::Exiting;
            }
            return;
        }
        self.dispatch(t, st);
    }

    /// The address of a `syscall` instruction (0f 05; for a 32-bit
    /// program, `int $0x80`, cd 80) the process maps executable: in the
    /// vDSO (Linux's fallback paths of clock_gettime & co. have several),
    /// else in its own code.
    fn syscall_site(&mut self, pid: Pid, tid: Tid, arch: Arch) -> Result<u64, Errno> {
        let find_syscall = |text: &[u8]| find_entry(arch, text);
        let at = Target::Lwp(Lwpid(tid));
        let vdso = sys::procfs_stat::auxv(pid.0)
            .ok()
            .and_then(|v| v.iter().find(|(k, _)| *k == AT_SYSINFO_EHDR).map(|&(_, base)| base));
        if let Some(base) = vdso.filter(|&b| b != 0) {
            if let Some((start, len)) = self.executable_segment(at, base, arch) {
                let mut text = vec![0u8; len];
                if self.read_memory(at, start, &mut text).is_ok() {
                    if let Some(i) = find_syscall(&text) {
                        return Ok(start + i as u64);
                    }
                }
            }
        }
        let maps = sys::procfs::parse_maps(&sys::procfs::maps_text(pid.0, tid)?);
        let mut searched = 0;
        for e in maps.iter().filter(|e| e.exec && e.read && e.path != "[vsyscall]") {
            let mut addr = e.start;
            while addr < e.end && searched < TEXT_SEARCH_LIMIT {
                let mut chunk = vec![0u8; ((e.end - addr) as usize).min(1 << 16)];
                if self.read_memory(at, addr, &mut chunk).is_err() {
                    break;
                }
                if let Some(i) = find_syscall(&chunk) {
                    return Ok(addr + i as u64);
                }
                searched += chunk.len();
                // Overlap one byte: an instruction may straddle chunks.
                addr += chunk.len() as u64 - 1;
            }
        }
        Err(Errno::EFAULT)
    }

    /// The executable PT_LOAD segment of the ELF image whose header is at
    /// `base` (see [`executable_segment`]).
    fn executable_segment(&mut self, at: Target, base: u64, arch: Arch) -> Option<(u64, usize)> {
        executable_segment(&mut |addr, buf| self.read_memory(at, addr, buf).is_ok(), base, arch)
    }
}

/// Point `r` at the `syscall` instruction at `site` with call `nr` (of
/// `arch`'s table) and its arguments loaded, `orig_rax = -1` so that the
/// kernel's syscall-restart logic leaves them alone.
pub(crate) fn load_call(r: &mut sys::user_regs_struct, arch: Arch, site: u64, nr: u64, args: &[u64]) {
    let a = |i: usize| args.get(i).copied().unwrap_or(0);
    r.rip = site;
    r.rax = nr;
    r.orig_rax = u64::MAX;
    match arch {
        Arch::X86_64 => {
            r.rdi = a(0);
            r.rsi = a(1);
            r.rdx = a(2);
            r.r10 = a(3);
            r.r8 = a(4);
            r.r9 = a(5);
        }
        Arch::I386 => {
            // 32-bit arguments, as FreeBSD's freebsd32 callers pass.
            let a = |i: usize| a(i) & 0xffff_ffff;
            r.rax = nr & 0xffff_ffff;
            r.rbx = a(0);
            r.rcx = a(1);
            r.rdx = a(2);
            r.rsi = a(3);
            r.rdi = a(4);
            r.rbp = a(5);
        }
    }
}

/// The executable PT_LOAD segment of the ELF image whose header is at
/// `base` (the vDSO: one mapping of the whole file, so file offset o is at
/// `base + o`): ELF64, or ELF32 for a 32-bit program. `read` fills a
/// buffer from the process's memory, or says false.
pub(crate) fn executable_segment(read: &mut dyn FnMut(u64, &mut [u8]) -> bool, base: u64, arch: Arch) -> Option<(u64, usize)> {
    let mut ehdr = [0u8; 64];
    if !read(base, &mut ehdr) {
        return None;
    }
    let class = match arch {
        Arch::X86_64 => 2,
        Arch::I386 => 1,
    };
    if &ehdr[..4] != b"\x7fELF" || ehdr[4] != class {
        return None;
    }
    let u16_at = |b: &[u8], o: usize| u16::from_le_bytes([b[o], b[o + 1]]);
    let u32_at = |b: &[u8], o: usize| u64::from(u32::from_le_bytes(b[o..o + 4].try_into().expect("4 bytes")));
    let u64_at = |b: &[u8], o: usize| u64::from_le_bytes(b[o..o + 8].try_into().expect("8 bytes"));
    // e_phoff, e_phentsize, e_phnum; each header's p_vaddr and p_memsz.
    let (phoff, phentsize, phnum, min, vaddr, memsz): (u64, usize, usize, usize, Field, Field) = match arch {
        Arch::X86_64 => (u64_at(&ehdr, 0x20), u16_at(&ehdr, 0x36) as usize, u16_at(&ehdr, 0x38) as usize, 56, |h| u64::from_le_bytes(h[0x08..0x10].try_into().expect("8")), |h| u64::from_le_bytes(h[0x20..0x28].try_into().expect("8"))),
        Arch::I386 => (u32_at(&ehdr, 0x1c), u16_at(&ehdr, 0x2a) as usize, u16_at(&ehdr, 0x2c) as usize, 32, |h| u64::from(u32::from_le_bytes(h[0x08..0x0c].try_into().expect("4"))), |h| u64::from(u32::from_le_bytes(h[0x14..0x18].try_into().expect("4")))),
    };
    if phentsize < min || phnum > 64 {
        return None;
    }
    let mut ph = vec![0u8; phentsize * phnum];
    if !read(base + phoff, &mut ph) {
        return None;
    }
    ph.chunks(phentsize).find_map(|h| {
        // p_type and, at 4 (ELF64) or 24 (ELF32), p_flags.
        let p_type = u32::from_le_bytes(h[0..4].try_into().ok()?);
        let fo = if arch == Arch::X86_64 { 4 } else { 24 };
        let p_flags = u32::from_le_bytes(h[fo..fo + 4].try_into().ok()?);
        const PT_LOAD: u32 = 1;
        const PF_X: u32 = 1;
        // The vDSO is linked at 0: its addresses are offsets from `base`.
        (p_type == PT_LOAD && p_flags & PF_X != 0).then(|| (base + vaddr(h), (memsz(h) as usize).min(1 << 20)))
    })
}

/// A field read out of a program header.
type Field = fn(&[u8]) -> u64;

/// Offset of the first syscall instruction's bytes in `text`: `syscall`
/// (0f 05), or for an i386 call `int $0x80` (cd 80).
pub(crate) fn find_entry(arch: Arch, text: &[u8]) -> Option<usize> {
    let insn = match arch {
        Arch::X86_64 => [0x0f, 0x05],
        Arch::I386 => [0xcd, 0x80],
    };
    text.windows(2).position(|w| w == insn)
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
        let (p, tid) = t.stopped(target).ok()?;
        // procctl names the call in our own ABI; the target's may differ.
        let arch = match t.proc_arch(p, tid) {
            Ok(a) => a,
            Err(e) => return Some(Err(e.errno())),
        };
        let Some(nr) = arch.translate(Arch::HOST, nr as u32) else {
            return Some(Err(Errno::ENOSYS));
        };
        let r = t.remote_syscall(target, nr.into(), &args);
        // The tracer did not ask for a re-stop: this was procctl's business.
        // Only the re-stop is undone: a death the call met (killed from
        // outside meanwhile) stays reported. Setting every outcome back to
        // "stopped" dropped it, and the tracer's wait hung (C face) or said
        // ECHILD (remote.rs
        // procctl_on_a_tracee_killed_from_outside_does_not_lose_its_death).
        if let Some(p) = t.procs.get_mut(&crate::Pid(pid)).filter(|p| p.restop) {
            p.restop = false;
            p.state = crate::engine::ProcState::Stopped { waited: true };
            t.ready.retain(|x| x.0 != pid);
        }
        Some(match r {
            Ok(ret) if ret.sr_error != 0 => Err(Errno(ret.sr_error)),
            Ok(ret) => Ok(ret.sr_retval[0]),
            Err(e) => Err(e.errno()),
        })
    })
    .flatten()
}
