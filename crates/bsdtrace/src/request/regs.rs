//! PT_GETREGS/PT_SETREGS, PT_GETFPREGS/PT_SETFPREGS, PT_GETDBREGS/
//! PT_SETDBREGS, and the fs/gs base requests, in FreeBSD's amd64 layouts.
//!
//! At syscall stops registers follow FreeBSD's convention both ways: at
//! entry `r_rax` is the syscall number (Linux keeps it in `orig_rax`), at exit
//! a failure is the carry flag with a positive errno in `r_rax`.
//!
//! A 32-bit program's registers come in the same amd64 layouts (FreeBSD's
//! view for a 64-bit debugger: `fill_regs`), and in the i386 ones a 32-bit
//! debugger gets (`reg32`, `fpreg32`, `dbreg32`, `xmmreg`: FreeBSD's
//! `fill_regs32` & co., the `*32` methods), which also give the 32-bit
//! view of a 64-bit program (truncated). The `*32` writers refuse a
//! 64-bit program (EINVAL, FreeBSD's `PROC_WRITE` for 32-bit consumers).
//! A tracer built for i686 cannot see a 64-bit program's whole registers
//! (Linux gives a 32-bit caller the i386 view): the amd64-layout requests
//! on such a program are EINVAL there.

use crate::abi::{self, dbreg, dbreg32, fpreg, fpreg32, reg, reg32, xmmreg};
use crate::sysent::Arch;
use crate::engine::{Event, LinuxState, LinuxStop, Pid, ScState, Target, Tracer};
use crate::error::{Errno, Result};
use crate::sys::{self, Tid};
use super::fxsave::*;

/// Where in a syscall the LWP is stopped, for the register convention.
#[derive(Clone, Copy, PartialEq, Eq)]
enum At {
    Entry,
    Exit,
    /// A fork's or an exec's event stop, which FreeBSD makes at the
    /// syscall's exit (FORKED|SCX, EXEC|SCX) with the result in place:
    /// Linux stops the thread before the call returns, `rax` still
    /// -ENOSYS. The value it is about to return (the child's pid, 0).
    Returning(i64),
    Other,
}

/// Highest user address + 1 (amd64, 4-level paging): `VM_MAXUSER_ADDRESS`.
const VM_MAXUSER_ADDRESS: u64 = 0x0000_7fff_ffff_f000;
/// ... of a 32-bit program.
const VM_MAXUSER_ADDRESS32: u64 = 0x1_0000_0000;

/// The highest user address + 1 of a program of ABI `arch`.
fn maxuser(arch: Arch) -> u64 {
    match arch {
        Arch::X86_64 => VM_MAXUSER_ADDRESS,
        Arch::I386 => VM_MAXUSER_ADDRESS32,
    }
}

impl Tracer {
    fn at(&self, pid: Pid, tid: Tid) -> At {
        let l = self.procs[&pid].lwp(tid).expect("live");
        match (l.linux, l.sc) {
            (LinuxState::Stopped(LinuxStop::Syscall), ScState::In) => At::Entry,
            (LinuxState::Stopped(LinuxStop::Syscall), ScState::Out) => At::Exit,
            // FreeBSD's thr_exit stop is inside that syscall's entry.
            (LinuxState::Stopped(LinuxStop::Exit), _) if l.event == Some(Event::Exited) && l.ghost.is_none() => At::Entry,
            (LinuxState::Stopped(LinuxStop::Event), _) => match l.event {
                Some(Event::Forked { child, .. }) => At::Returning(child.0.into()),
                Some(Event::Exec { .. }) => At::Returning(0),
                _ => At::Other,
            },
            _ => At::Other,
        }
    }

    /// The Linux registers of a stopped LWP, fetched once per stop, as the
    /// debugger sees them: the program's, never a timeout argument the
    /// engine rewrote for a restart (engine/restart/); the cache keeps
    /// the real ones.
    pub(crate) fn linux_regs(&mut self, pid: Pid, tid: Tid) -> Result<sys::user_regs_struct> {
        let l = self.procs.get_mut(&pid).expect("checked").lwp_mut(tid).expect("live");
        if let Some(r) = l.regs {
            return Ok(l.program_regs(r));
        }
        let r = self.on_held(pid, tid, sys::getregs).map_err(|_| Errno::ESRCH)?;
        let l = self.procs.get_mut(&pid).expect("checked").lwp_mut(tid).ok_or(Errno::ESRCH)?;
        l.regs = Some(r);
        Ok(l.program_regs(r))
    }

    fn store_linux_regs(&mut self, pid: Pid, tid: Tid, r: &sys::user_regs_struct) -> Result<()> {
        if !self.is_ghost(pid, tid) {
            self.on_held(pid, tid, |t| sys::setregs(t, r)).map_err(esrch_or_einval)?;
        }
        let l = self.procs.get_mut(&pid).expect("checked").lwp_mut(tid).expect("live");
        l.regs = Some(*r);
        l.regs_written = true;
        l.sc_info.clear();
        Ok(())
    }

    /// The amd64 registers of a program a 32-bit tracer cannot see whole
    /// (a 64-bit one): EINVAL. Returns the program's ABI.
    fn whole(&mut self, pid: Pid, tid: Tid) -> Result<Arch> {
        let arch = self.proc_arch(pid, tid)?;
        if sys::HOST_32 && arch == Arch::X86_64 {
            return Err(Errno::EINVAL.into());
        }
        Ok(arch)
    }

    /// A 32-bit program only: the `*32` writers' rule.
    fn only32(&mut self, pid: Pid, tid: Tid) -> Result<()> {
        match self.proc_arch(pid, tid)? {
            Arch::I386 => Ok(()),
            Arch::X86_64 => Err(Errno::EINVAL.into()),
        }
    }

    /// PT_GETREGS.
    pub fn get_regs(&mut self, t: Target) -> Result<reg> {
        let (pid, tid) = self.settled(t)?;
        self.whole(pid, tid)?;
        self.regs_view(pid, tid)
    }

    /// The amd64 view with FreeBSD's syscall convention (on a 32-bit host,
    /// of what it can see).
    fn regs_view(&mut self, pid: Pid, tid: Tid) -> Result<reg> {
        let r = self.linux_regs(pid, tid)?;
        let at = self.at(pid, tid);
        let l = self.procs[&pid].lwp(tid).expect("live");
        let trapno = match (l.event, l.siginfo.known().as_ref().map(sys::si::code)) {
            (Some(Event::Signal { sig: libc::SIGTRAP }), Some(c)) if c == libc::SI_KERNEL || c == 1 => abi::T_BPTFLT,
            (Some(Event::Signal { sig: libc::SIGTRAP }), Some(2 | 4)) => abi::T_TRCTRAP,
            _ => 0,
        };
        let mut f = reg {
            r_r15: r.r15 as i64,
            r_r14: r.r14 as i64,
            r_r13: r.r13 as i64,
            r_r12: r.r12 as i64,
            r_r11: r.r11 as i64,
            r_r10: r.r10 as i64,
            r_r9: r.r9 as i64,
            r_r8: r.r8 as i64,
            r_rdi: r.rdi as i64,
            r_rsi: r.rsi as i64,
            r_rbp: r.rbp as i64,
            r_rbx: r.rbx as i64,
            r_rdx: r.rdx as i64,
            r_rcx: r.rcx as i64,
            r_rax: r.rax as i64,
            r_trapno: trapno,
            r_fs: r.fs as u16,
            r_gs: r.gs as u16,
            r_err: 0,
            r_es: r.es as u16,
            r_ds: r.ds as u16,
            r_rip: r.rip as i64,
            r_cs: r.cs as i64,
            r_rflags: r.eflags as i64,
            r_rsp: r.rsp as i64,
            r_ss: r.ss as i64,
        };
        match at {
            At::Entry => f.r_rax = r.orig_rax as i64,
            At::Exit => {
                // The kernel leaves an error sign-extended whatever the
                // call's ABI; a 32-bit tracer sees eax alone.
                if let Some(e) = Arch::HOST.error_of(r.rax) {
                    f.r_rflags |= abi::PSL_C;
                    f.r_rax = e.into();
                } else {
                    f.r_rflags &= !abi::PSL_C;
                }
            }
            At::Returning(v) => {
                f.r_rax = v;
                f.r_rflags &= !abi::PSL_C;
            }
            At::Other => {}
        }
        Ok(f)
    }

    /// PT_SETREGS: EINVAL for rflags bits user code may not change or a
    /// non-user %cs (FreeBSD's EFL_SECURE / CS_SECURE).
    pub fn set_regs(&mut self, t: Target, f: &reg) -> Result<()> {
        let (pid, tid) = self.settled(t)?;
        self.whole(pid, tid)?;
        self.write_regs_view(pid, tid, f)
    }

    /// Write the amd64 view (FreeBSD's convention at syscall stops).
    fn write_regs_view(&mut self, pid: Pid, tid: Tid, f: &reg) -> Result<()> {
        let cur = self.regs_view(pid, tid)?;
        if (f.r_rflags ^ cur.r_rflags) & !abi::PSL_USERCHANGE != 0 || f.r_cs & 3 != 3 {
            return Err(Errno::EINVAL.into());
        }
        let mut r = self.linux_regs(pid, tid)?;
        let real_cf = r.eflags & abi::PSL_C as u64;
        r.r15 = f.r_r15 as u64;
        r.r14 = f.r_r14 as u64;
        r.r13 = f.r_r13 as u64;
        r.r12 = f.r_r12 as u64;
        r.r11 = f.r_r11 as u64;
        r.r10 = f.r_r10 as u64;
        r.r9 = f.r_r9 as u64;
        r.r8 = f.r_r8 as u64;
        r.rdi = f.r_rdi as u64;
        r.rsi = f.r_rsi as u64;
        r.rbp = f.r_rbp as u64;
        r.rbx = f.r_rbx as u64;
        r.rdx = f.r_rdx as u64;
        r.rcx = f.r_rcx as u64;
        r.rip = f.r_rip as u64;
        r.rsp = f.r_rsp as u64;
        r.eflags = f.r_rflags as u64;
        let at = self.at(pid, tid);
        match at {
            // Rewriting r_rax at entry changes the syscall.
            At::Entry => r.orig_rax = f.r_rax as u64,
            // At exit the carry flag says whether r_rax is an errno.
            At::Exit => {
                r.rax = if f.r_rflags & abi::PSL_C != 0 { (-f.r_rax) as u64 } else { f.r_rax as u64 };
                r.eflags = (r.eflags & !(abi::PSL_C as u64)) | real_cf;
            }
            // (At a fork's or exec's event stop the call's return then
            // overwrites rax: the result cannot be changed there, where
            // FreeBSD's debugger could; docs/deviations.md.)
            At::Returning(_) | At::Other => r.rax = f.r_rax as u64,
        }
        self.store_linux_regs(pid, tid, &r)?;
        if at == At::Entry {
            let l = self.procs.get_mut(&pid).expect("checked").lwp_mut(tid).expect("live");
            l.sc_info.set_number_written();
        }
        Ok(())
    }

    /// Set the PC of a stopped LWP (PT_CONTINUE with an address).
    pub(crate) fn set_pc(&mut self, tid: Tid, pid: Pid, pc: u64) -> Result<()> {
        if pc >= maxuser(self.proc_arch(pid, tid)?) {
            return Err(Errno::EINVAL.into());
        }
        if sys::HOST_32 && !self.is_ghost(pid, tid) {
            // The PC alone: a 64-bit program's other registers cannot be
            // read whole from here, so they must not be written.
            sys::set_pc(tid, pc).map_err(esrch_or_einval)?;
            let l = self.procs.get_mut(&pid).expect("checked").lwp_mut(tid).expect("live");
            l.regs = None;
            l.sc_info.clear();
            return Ok(());
        }
        let mut r = self.linux_regs(pid, tid)?;
        r.rip = pc;
        self.store_linux_regs(pid, tid, &r)
    }

    /// PT_GETREGS of a 32-bit debugger (FreeBSD's `fill_regs32`): the
    /// i386 registers of a 32-bit program, the low halves of a 64-bit
    /// one's; the syscall convention as in [`Tracer::get_regs`].
    pub fn get_regs32(&mut self, t: Target) -> Result<reg32> {
        let (pid, tid) = self.settled(t)?;
        let v = self.regs_view(pid, tid)?;
        let l = |x: i64| x as u32;
        Ok(reg32 {
            r_fs: v.r_fs.into(),
            r_es: v.r_es.into(),
            r_ds: v.r_ds.into(),
            r_edi: l(v.r_rdi),
            r_esi: l(v.r_rsi),
            r_ebp: l(v.r_rbp),
            r_isp: 0,
            r_ebx: l(v.r_rbx),
            r_edx: l(v.r_rdx),
            r_ecx: l(v.r_rcx),
            r_eax: l(v.r_rax),
            r_trapno: 0,
            r_err: 0,
            r_eip: l(v.r_rip),
            r_cs: l(v.r_cs),
            r_eflags: l(v.r_rflags),
            r_esp: l(v.r_rsp),
            r_ss: l(v.r_ss),
            r_gs: v.r_gs.into(),
        })
    }

    /// PT_SETREGS of a 32-bit debugger (`set_regs32`): EINVAL for a 64-bit
    /// program, whose upper halves it would lose; FreeBSD's checks of
    /// eflags and cs. The segment selectors are kept, as PT_SETREGS keeps
    /// them.
    pub fn set_regs32(&mut self, t: Target, f: &reg32) -> Result<()> {
        let (pid, tid) = self.settled(t)?;
        self.only32(pid, tid)?;
        let mut v = self.regs_view(pid, tid)?;
        let z = |x: u32| i64::from(x);
        v.r_rdi = z(f.r_edi);
        v.r_rsi = z(f.r_esi);
        v.r_rbp = z(f.r_ebp);
        v.r_rbx = z(f.r_ebx);
        v.r_rdx = z(f.r_edx);
        v.r_rcx = z(f.r_ecx);
        // eax is a syscall number at an entry stop: -1 must stay -1.
        v.r_rax = i64::from(f.r_eax as i32);
        v.r_rip = z(f.r_eip);
        v.r_cs = z(f.r_cs);
        v.r_rflags = z(f.r_eflags);
        v.r_rsp = z(f.r_esp);
        self.write_regs_view(pid, tid, &v)
    }

    /// PT_GETFPREGS: the FXSAVE image.
    pub fn get_fpregs(&mut self, t: Target) -> Result<fpreg> {
        let (pid, tid) = self.settled(t)?;
        if self.is_ghost(pid, tid) && !sys::HOST_32 {
            // The legacy region of the XSAVE area is the FXSAVE image.
            let area = self.xsave_area(pid, tid)?;
            let mut r: sys::user_fpregs_struct = unsafe { std::mem::zeroed() };
            let n = std::mem::size_of::<sys::user_fpregs_struct>().min(area.len());
            // SAFETY: plain data, `n` bytes within both.
            unsafe { std::ptr::copy_nonoverlapping(area.as_ptr(), (&mut r as *mut sys::user_fpregs_struct).cast::<u8>(), n) };
            return Ok(fxsave_to_fpreg(&r));
        }
        let r = sys::getfpregs(tid).map_err(|_| Errno::ESRCH)?;
        Ok(fxsave_to_fpreg(&r))
    }

    /// PT_SETFPREGS.
    pub fn set_fpregs(&mut self, t: Target, f: &fpreg) -> Result<()> {
        let (pid, tid) = self.settled(t)?;
        let r = fpreg_to_fxsave(f);
        if let Some(g) = self.ghost_mut(pid, tid) {
            // Kept with the rest of its snapshot (see `is_ghost`).
            if let Some(area) = g.xsave.as_mut() {
                let n = std::mem::size_of::<sys::user_fpregs_struct>().min(area.len());
                // SAFETY: plain data, `n` bytes within both.
                unsafe { std::ptr::copy_nonoverlapping((&r as *const sys::user_fpregs_struct).cast::<u8>(), area.as_mut_ptr(), n) };
            }
            return Ok(());
        }
        sys::setfpregs(tid, &r).map_err(esrch_or_einval)?;
        Ok(())
    }

    /// Is LWP `tid` what an execve left of a thread it took down, whose
    /// EXITED stop is reported after the exec (engine/lwp.rs `Ghost`)?
    /// Linux has removed that thread. Its registers, FP/XSAVE area and
    /// debug registers are a snapshot of its last stop: read from there,
    /// and written there (on FreeBSD the thread exits next, so what a
    /// debugger writes at that stop never runs either). Before, those
    /// requests said ESRCH on a stopped process (fault suite long-form R1,
    /// Rust face, worker seed 52000198: PT_GETDBREGS, PT_SETREGS, and
    /// PT_SYSCALL with a new PC).
    pub(super) fn is_ghost(&self, pid: Pid, tid: Tid) -> bool {
        self.ghost(pid, tid).is_some()
    }

    fn ghost(&self, pid: Pid, tid: Tid) -> Option<&crate::engine::Ghost> {
        self.procs.get(&pid)?.lwp(tid)?.ghost.as_deref()
    }

    fn ghost_mut(&mut self, pid: Pid, tid: Tid) -> Option<&mut crate::engine::Ghost> {
        self.procs.get_mut(&pid)?.lwp_mut(tid)?.ghost.as_deref_mut()
    }

    /// PT_GETFPREGS of a 32-bit debugger (`fill_fpregs32`): the FSAVE
    /// image made from the FXSAVE one.
    pub fn get_fpregs32(&mut self, t: Target) -> Result<fpreg32> {
        let (pid, tid) = self.settled(t)?;
        let fx = sys::getfpregs(tid).map_err(|_| Errno::ESRCH)?;
        let r = self.linux_regs(pid, tid)?;
        Ok(fxsave_to_fpreg32(&fx, r.cs as u16, r.ds as u32))
    }

    /// PT_SETFPREGS of a 32-bit debugger (`set_fpregs32`): EINVAL for a
    /// 64-bit program; the SSE state is kept.
    pub fn set_fpregs32(&mut self, t: Target, f: &fpreg32) -> Result<()> {
        let (pid, tid) = self.settled(t)?;
        self.only32(pid, tid)?;
        let mut fx = sys::getfpregs(tid).map_err(|_| Errno::ESRCH)?;
        fpreg32_into_fxsave(f, &mut fx);
        sys::setfpregs(tid, &fx).map_err(esrch_or_einval)?;
        Ok(())
    }

    /// PT_GETXMMREGS (i386): the FXSAVE image.
    pub fn get_xmmregs(&mut self, t: Target) -> Result<xmmreg> {
        let (_, tid) = self.settled(t)?;
        let fx = sys::getfpregs(tid).map_err(|_| Errno::ESRCH)?;
        let mut x = xmmreg::default();
        sys::copy_from_bytes(&fxsave_bytes(&fx), &mut x);
        Ok(x)
    }

    /// PT_SETXMMREGS (i386): the FXSAVE image, MXCSR's reserved bits
    /// cleared (FreeBSD masks with `cpu_mxcsr_mask`).
    pub fn set_xmmregs(&mut self, t: Target, x: &xmmreg) -> Result<()> {
        let (_, tid) = self.settled(t)?;
        let old = sys::getfpregs(tid).map_err(|_| Errno::ESRCH)?;
        let mut bytes = [0u8; 512];
        sys::copy_to_bytes(x, &mut bytes);
        let mut fx = old;
        sys::copy_from_bytes(&bytes, &mut fx);
        fx.mxcsr &= if old.mxcr_mask == 0 { 0xffbf } else { old.mxcr_mask };
        sys::setfpregs(tid, &fx).map_err(esrch_or_einval)?;
        Ok(())
    }

    /// PT_GETDBREGS of a 32-bit debugger: dr0-dr7, 32 bits each.
    pub fn get_dbregs32(&mut self, t: Target) -> Result<dbreg32> {
        let d = self.read_dbregs(t)?;
        let mut d32 = dbreg32::default();
        for (o, i) in d32.dr.iter_mut().zip(d.dr) {
            *o = i as u32;
        }
        Ok(d32)
    }

    /// PT_SETDBREGS of a 32-bit debugger: EINVAL for a 64-bit program;
    /// the same checks as [`Tracer::set_dbregs`].
    pub fn set_dbregs32(&mut self, t: Target, d: &dbreg32) -> Result<()> {
        let (pid, tid) = self.settled(t)?;
        self.only32(pid, tid)?;
        let mut d64 = dbreg::default();
        for (o, i) in d64.dr.iter_mut().zip(d.dr) {
            *o = i.into();
        }
        self.write_dbregs(t, &d64)
    }

    /// PT_GETDBREGS: dr0-dr3, dr6, dr7 of the LWP (others read as 0).
    pub fn get_dbregs(&mut self, t: Target) -> Result<dbreg> {
        let (pid, tid) = self.settled(t)?;
        self.whole(pid, tid)?;
        self.read_dbregs(t)
    }

    fn read_dbregs(&mut self, t: Target) -> Result<dbreg> {
        let (pid, tid) = self.settled(t)?;
        let dr = match self.ghost(pid, tid) {
            Some(g) => g.dbregs,
            None => self.on_held(pid, tid, sys::debug_regs).map_err(|_| Errno::ESRCH)?,
        };
        let mut d = dbreg::default();
        d.dr[..8].copy_from_slice(&dr);
        Ok(d)
    }

    /// PT_SETDBREGS: per LWP, validated as FreeBSD does (user addresses
    /// only, no I/O breakpoints, reserved bits clear).
    pub fn set_dbregs(&mut self, t: Target, d: &dbreg) -> Result<()> {
        let (pid, tid) = self.settled(t)?;
        self.whole(pid, tid)?;
        self.write_dbregs(t, d)
    }

    fn write_dbregs(&mut self, t: Target, d: &dbreg) -> Result<()> {
        let (pid, tid) = self.settled(t)?;
        let limit = maxuser(self.proc_arch(pid, tid)?);
        let dr7 = d.dr[7];
        if dr7 >> 32 != 0 {
            return Err(Errno::EINVAL.into());
        }
        for i in 0..4 {
            let access = (dr7 >> (16 + i * 4)) & 3;
            let enabled = (dr7 >> (i * 2)) & 3 != 0;
            if access == 2 {
                return Err(Errno::EINVAL.into());
            }
            if enabled && d.dr[i] >= limit {
                return Err(Errno::EINVAL.into());
            }
        }
        if let Some(g) = self.ghost_mut(pid, tid) {
            for i in [0usize, 1, 2, 3, 6, 7] {
                g.dbregs[i] = d.dr[i];
            }
            return Ok(());
        }
        let poke = |i: usize, v: u64| {
            sys::pokeuser(tid, sys::DEBUGREG_OFFSET + i * 8, v).map_err(esrch_or_einval)
        };
        // Disable first so no intermediate state can fire.
        poke(7, 0)?;
        for i in 0..4 {
            poke(i, d.dr[i])?;
        }
        poke(6, d.dr[6])?;
        poke(7, dr7)?;
        let l = self.procs.get_mut(&pid).expect("checked").lwp_mut(tid).expect("live");
        l.dbregs_dirty = dr7 != 0;
        Ok(())
    }

    /// PT_GETFSBASE.
    pub fn get_fsbase(&mut self, t: Target) -> Result<u64> {
        self.segment_base(t, false)
    }

    /// PT_GETGSBASE (a 32-bit program's TLS: glibc's i386 `%gs`).
    pub fn get_gsbase(&mut self, t: Target) -> Result<u64> {
        self.segment_base(t, true)
    }

    fn segment_base(&mut self, t: Target, gs: bool) -> Result<u64> {
        let (pid, tid) = self.settled(t)?;
        self.whole(pid, tid)?;
        let r = self.linux_regs(pid, tid)?;
        #[cfg(target_pointer_width = "32")]
        return Ok(sys::segment_base(tid, if gs { r.gs } else { r.fs }).map_err(|_| Errno::ESRCH)?);
        #[cfg(target_pointer_width = "64")]
        return Ok(if gs { r.gs_base } else { r.fs_base });
    }

    /// PT_GETFSBASE / PT_GETGSBASE of a 32-bit debugger: EINVAL for a
    /// 64-bit program (`cpu32_ptrace`).
    pub fn get_segbase32(&mut self, t: Target, gs: bool) -> Result<u32> {
        let (pid, tid) = self.settled(t)?;
        self.only32(pid, tid)?;
        Ok(self.segment_base(t, gs)? as u32)
    }

    /// PT_SETFSBASE: EINVAL for a non-user address.
    pub fn set_fsbase(&mut self, t: Target, v: u64) -> Result<()> {
        self.set_segment_base(t, false, v)
    }

    /// PT_SETGSBASE.
    pub fn set_gsbase(&mut self, t: Target, v: u64) -> Result<()> {
        self.set_segment_base(t, true, v)
    }

    /// PT_SETFSBASE / PT_SETGSBASE of a 32-bit debugger: EINVAL for a
    /// 64-bit program.
    pub fn set_segbase32(&mut self, t: Target, gs: bool, v: u32) -> Result<()> {
        let (pid, tid) = self.settled(t)?;
        self.only32(pid, tid)?;
        self.set_segment_base(t, gs, v.into())
    }

    fn set_segment_base(&mut self, t: Target, gs: bool, v: u64) -> Result<()> {
        let (pid, tid) = self.settled(t)?;
        let arch = self.whole(pid, tid)?;
        if v >= maxuser(arch) {
            return Err(Errno::EINVAL.into());
        }
        let mut r = self.linux_regs(pid, tid)?;
        #[cfg(target_pointer_width = "32")]
        {
            // The base of the TLS descriptor the selector names.
            sys::set_segment_base(tid, if gs { r.gs } else { r.fs }, v).map_err(esrch_or_einval)?;
            let _ = &mut r;
            let l = self.procs.get_mut(&pid).expect("checked").lwp_mut(tid).expect("live");
            l.regs = None;
            Ok(())
        }
        #[cfg(target_pointer_width = "64")]
        {
            if gs {
                r.gs_base = v;
            } else {
                r.fs_base = v;
            }
            self.store_linux_regs(pid, tid, &r)
        }
    }

    /// PT_GETXSTATE: the XSAVE area (as much as fits in `buf`); returns its
    /// full length.
    pub fn get_xstate(&mut self, t: Target, buf: &mut [u8]) -> Result<usize> {
        let (pid, tid) = self.settled(t)?;
        let area = self.xsave_area(pid, tid)?;
        let k = area.len().min(buf.len());
        buf[..k].copy_from_slice(&area[..k]);
        Ok(area.len())
    }

    /// PT_GETXSTATE_INFO: (xsave mask, xsave length).
    pub fn xstate_info(&mut self, t: Target) -> Result<(u64, u32)> {
        let (pid, tid) = self.settled(t)?;
        let area = self.xsave_area(pid, tid)?;
        // XCR0 as saved by Linux in the FXSAVE software-reserved bytes 464..472.
        let mask = area.get(464..472).map_or(0, |b| u64::from_le_bytes(b.try_into().expect("8 bytes")));
        Ok((mask, area.len() as u32))
    }

    /// The LWP's XSAVE area, as Linux has it; for a thread an execve took
    /// down, reported after the exec (engine/lwp.rs `Ghost`), the copy
    /// kept when it died (it names no task any more: ESRCH, where FreeBSD
    /// answers, at its EXITED stop; fault suite long-form R1, C face,
    /// worker seed 10000053).
    fn xsave_area(&mut self, pid: Pid, tid: Tid) -> Result<Vec<u8>> {
        if let Some(g) = self.ghost(pid, tid) {
            return g.xsave.clone().ok_or_else(|| Errno::ESRCH.into());
        }
        Ok(self.on_held(pid, tid, sys::xstate).map_err(esrch_or_einval)?)
    }

    /// PT_SETXSTATE: at least the legacy 512+64 bytes, at most the area size.
    pub fn set_xstate(&mut self, t: Target, data: &[u8]) -> Result<()> {
        let (pid, tid) = self.settled(t)?;
        let (_, len) = self.xstate_info(t)?;
        if data.len() < 576 || data.len() > len as usize {
            return Err(Errno::EINVAL.into());
        }
        if let Some(g) = self.ghost_mut(pid, tid) {
            if let Some(area) = g.xsave.as_mut() {
                area[..data.len()].copy_from_slice(data);
            }
            return Ok(());
        }
        let mut area = vec![0u8; len as usize];
        self.on_held(pid, tid, |t| sys::getregset(t, sys::NT_X86_XSTATE, &mut area)).map_err(esrch_or_einval)?;
        area[..data.len()].copy_from_slice(data);
        sys::setregset(tid, sys::NT_X86_XSTATE, &area).map_err(esrch_or_einval)?;
        Ok(())
    }
}

impl Tracer {
    /// `f`, a ptrace request on LWP `tid` of `pid`, which the engine holds
    /// stopped; on ESRCH, once more if the LWP was woken to die and is held
    /// again at its exit stop (an execve of another thread killed it under
    /// the stop: engine/allstop.rs `meet_exit_stop`). On FreeBSD the exec
    /// waits and the thread is still there (fault suite long-form R1, C
    /// face, worker seed 153000496: PT_GETREGS answered ESRCH).
    pub(crate) fn on_held<T>(&mut self, pid: Pid, tid: Tid, mut f: impl FnMut(Tid) -> Result<T, Errno>) -> Result<T, Errno> {
        match f(tid) {
            Err(Errno::ESRCH) if self.meet_exit_stop(pid, tid) => f(tid),
            r => r,
        }
    }
}

/// A failed register write or regset call: a thread that died under us
/// (killed from outside between the lookup and the call) is ESRCH; anything
/// else (a value or an area the kernel refused, no XSAVE) is EINVAL.
fn esrch_or_einval(e: Errno) -> Errno {
    if e == Errno::ESRCH {
        e
    } else {
        Errno::EINVAL
    }
}
