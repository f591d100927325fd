//! PT_GETREGS/PT_SETREGS, PT_GETFPREGS/PT_SETFPREGS, PT_GETDBREGS/
//! PT_SETDBREGS, and the fs/gs base requests, in FreeBSD's amd64 layouts.
//!
//! At syscall stops registers follow FreeBSD's convention both ways: at
//! entry `r_rax` is the syscall number (Linux keeps it in `orig_rax`), at exit
//! a failure is the carry flag with a positive errno in `r_rax`.

use crate::abi::{self, dbreg, fpreg, reg};
use crate::engine::{Event, LinuxState, LinuxStop, Pid, ScState, Target, Tracer};
use crate::error::{Errno, Result};
use crate::sys::{self, Tid};

/// Where in a syscall the LWP is stopped, for the register convention.
#[derive(Clone, Copy, PartialEq, Eq)]
enum At {
    Entry,
    Exit,
    Other,
}

/// Highest user address + 1 (amd64, 4-level paging): `VM_MAXUSER_ADDRESS`.
const VM_MAXUSER_ADDRESS: u64 = 0x0000_7fff_ffff_f000;

impl Tracer {
    fn at(&self, pid: Pid, tid: Tid) -> At {
        let l = self.procs[&pid].lwp(tid).expect("live");
        match (l.linux, l.sc) {
            (LinuxState::Stopped(LinuxStop::Syscall), ScState::In) => At::Entry,
            (LinuxState::Stopped(LinuxStop::Syscall), ScState::Out) => At::Exit,
            _ => At::Other,
        }
    }

    /// The Linux registers of a stopped LWP, fetched once per stop.
    pub(crate) fn linux_regs(&mut self, pid: Pid, tid: Tid) -> Result<sys::user_regs_struct> {
        let l = self.procs.get_mut(&pid).expect("checked").lwp_mut(tid).expect("live");
        if let Some(r) = l.regs {
            return Ok(r);
        }
        let r = sys::getregs(tid).map_err(|_| Errno::ESRCH)?;
        l.regs = Some(r);
        Ok(r)
    }

    fn store_linux_regs(&mut self, pid: Pid, tid: Tid, r: &sys::user_regs_struct) -> Result<()> {
        sys::setregs(tid, r).map_err(|e| if e == Errno::ESRCH { Errno::ESRCH } else { Errno::EINVAL })?;
        let l = self.procs.get_mut(&pid).expect("checked").lwp_mut(tid).expect("live");
        l.regs = Some(*r);
        l.sc_info.clear();
        Ok(())
    }

    /// PT_GETREGS.
    pub fn get_regs(&mut self, t: Target) -> Result<reg> {
        let (pid, tid) = self.stopped(t)?;
        let r = self.linux_regs(pid, tid)?;
        let at = self.at(pid, tid);
        let l = self.procs[&pid].lwp(tid).expect("live");
        let trapno = match (l.event, l.siginfo.as_ref().map(sys::si::code)) {
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
                let rax = r.rax as i64;
                if (-4095..0).contains(&rax) {
                    f.r_rflags |= abi::PSL_C;
                    f.r_rax = -rax;
                } else {
                    f.r_rflags &= !abi::PSL_C;
                }
            }
            At::Other => {}
        }
        Ok(f)
    }

    /// PT_SETREGS: EINVAL for rflags bits user code may not change or a
    /// non-user %cs (FreeBSD's EFL_SECURE / CS_SECURE).
    pub fn set_regs(&mut self, t: Target, f: &reg) -> Result<()> {
        let cur = self.get_regs(t)?;
        let (pid, tid) = self.stopped(t)?;
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
            At::Other => r.rax = f.r_rax as u64,
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
        if pc >= VM_MAXUSER_ADDRESS {
            return Err(Errno::EINVAL.into());
        }
        let mut r = self.linux_regs(pid, tid)?;
        r.rip = pc;
        self.store_linux_regs(pid, tid, &r)
    }

    /// PT_GETFPREGS: the FXSAVE image.
    pub fn get_fpregs(&mut self, t: Target) -> Result<fpreg> {
        let (_, tid) = self.stopped(t)?;
        let r = sys::getfpregs(tid).map_err(|_| Errno::ESRCH)?;
        Ok(fxsave_to_fpreg(&r))
    }

    /// PT_SETFPREGS.
    pub fn set_fpregs(&mut self, t: Target, f: &fpreg) -> Result<()> {
        let (_, tid) = self.stopped(t)?;
        let r = fpreg_to_fxsave(f);
        sys::setfpregs(tid, &r).map_err(|e| if e == Errno::ESRCH { e } else { Errno::EINVAL })?;
        Ok(())
    }

    /// PT_GETDBREGS: dr0-dr3, dr6, dr7 of the LWP (others read as 0).
    pub fn get_dbregs(&mut self, t: Target) -> Result<dbreg> {
        let (_, tid) = self.stopped(t)?;
        let mut d = dbreg::default();
        for i in [0usize, 1, 2, 3, 6, 7] {
            d.dr[i] = sys::peekuser(tid, sys::DEBUGREG_OFFSET + i * 8).map_err(|_| Errno::ESRCH)?;
        }
        Ok(d)
    }

    /// PT_SETDBREGS: per LWP, validated as FreeBSD does (user addresses
    /// only, no I/O breakpoints, reserved bits clear).
    pub fn set_dbregs(&mut self, t: Target, d: &dbreg) -> Result<()> {
        let (pid, tid) = self.stopped(t)?;
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
            if enabled && d.dr[i] >= VM_MAXUSER_ADDRESS {
                return Err(Errno::EINVAL.into());
            }
        }
        let poke = |i: usize, v: u64| {
            sys::pokeuser(tid, sys::DEBUGREG_OFFSET + i * 8, v).map_err(|e| if e == Errno::ESRCH { e } else { Errno::EINVAL })
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
        let (pid, tid) = self.stopped(t)?;
        Ok(self.linux_regs(pid, tid)?.fs_base)
    }

    /// PT_GETGSBASE.
    pub fn get_gsbase(&mut self, t: Target) -> Result<u64> {
        let (pid, tid) = self.stopped(t)?;
        Ok(self.linux_regs(pid, tid)?.gs_base)
    }

    /// PT_SETFSBASE: EINVAL for a non-user address.
    pub fn set_fsbase(&mut self, t: Target, v: u64) -> Result<()> {
        let (pid, tid) = self.stopped(t)?;
        if v >= VM_MAXUSER_ADDRESS {
            return Err(Errno::EINVAL.into());
        }
        let mut r = self.linux_regs(pid, tid)?;
        r.fs_base = v;
        self.store_linux_regs(pid, tid, &r)
    }

    /// PT_SETGSBASE.
    pub fn set_gsbase(&mut self, t: Target, v: u64) -> Result<()> {
        let (pid, tid) = self.stopped(t)?;
        if v >= VM_MAXUSER_ADDRESS {
            return Err(Errno::EINVAL.into());
        }
        let mut r = self.linux_regs(pid, tid)?;
        r.gs_base = v;
        self.store_linux_regs(pid, tid, &r)
    }

    /// PT_GETXSTATE: the XSAVE area (as much as fits in `buf`); returns its
    /// full length.
    pub fn get_xstate(&mut self, t: Target, buf: &mut [u8]) -> Result<usize> {
        let (_, tid) = self.stopped(t)?;
        let mut area = vec![0u8; XSTATE_MAX];
        let n = sys::getregset(tid, sys::NT_X86_XSTATE, &mut area).map_err(|_| Errno::EINVAL)?;
        let k = n.min(buf.len());
        buf[..k].copy_from_slice(&area[..k]);
        Ok(n)
    }

    /// PT_GETXSTATE_INFO: (xsave mask, xsave length).
    pub fn xstate_info(&mut self, t: Target) -> Result<(u64, u32)> {
        let (_, tid) = self.stopped(t)?;
        let mut area = vec![0u8; XSTATE_MAX];
        let n = sys::getregset(tid, sys::NT_X86_XSTATE, &mut area).map_err(|_| Errno::EINVAL)?;
        // XCR0 as saved by Linux in the FXSAVE software-reserved bytes 464..472.
        let mask = u64::from_le_bytes(area[464..472].try_into().expect("8 bytes"));
        Ok((mask, n as u32))
    }

    /// PT_SETXSTATE: at least the legacy 512+64 bytes, at most the area size.
    pub fn set_xstate(&mut self, t: Target, data: &[u8]) -> Result<()> {
        let (_, tid) = self.stopped(t)?;
        let (_, len) = self.xstate_info(t)?;
        if data.len() < 576 || data.len() > len as usize {
            return Err(Errno::EINVAL.into());
        }
        let mut area = vec![0u8; len as usize];
        sys::getregset(tid, sys::NT_X86_XSTATE, &mut area).map_err(|_| Errno::EINVAL)?;
        area[..data.len()].copy_from_slice(data);
        sys::setregset(tid, sys::NT_X86_XSTATE, &area).map_err(|_| Errno::EINVAL)?;
        Ok(())
    }
}

/// Room for any XSAVE area: with AMX (tile data) it is ~11 KiB, and Linux's
/// PTRACE_SETREGSET insists on the whole area, so a short buffer silently
/// truncates the read and makes every write fail.
const XSTATE_MAX: usize = 64 << 10;

fn fxsave_to_fpreg(r: &sys::user_fpregs_struct) -> fpreg {
    // Both are the 512-byte FXSAVE image; copy field by field.
    let mut f = fpreg::default();
    f.fpr_env[0] = r.cwd as u64 | (r.swd as u64) << 16 | (r.ftw as u64) << 32 | (r.fop as u64) << 48;
    f.fpr_env[1] = r.rip;
    f.fpr_env[2] = r.rdp;
    f.fpr_env[3] = r.mxcsr as u64 | (r.mxcr_mask as u64) << 32;
    for i in 0..8 {
        for w in 0..4 {
            f.fpr_acc[i][w * 4..w * 4 + 4].copy_from_slice(&r.st_space[i * 4 + w].to_le_bytes());
        }
    }
    for i in 0..16 {
        for w in 0..4 {
            f.fpr_xacc[i][w * 4..w * 4 + 4].copy_from_slice(&r.xmm_space[i * 4 + w].to_le_bytes());
        }
    }
    f
}

fn fpreg_to_fxsave(f: &fpreg) -> sys::user_fpregs_struct {
    let mut r: sys::user_fpregs_struct = sys::zeroed_fpregs();
    r.cwd = f.fpr_env[0] as u16;
    r.swd = (f.fpr_env[0] >> 16) as u16;
    r.ftw = (f.fpr_env[0] >> 32) as u16;
    r.fop = (f.fpr_env[0] >> 48) as u16;
    r.rip = f.fpr_env[1];
    r.rdp = f.fpr_env[2];
    r.mxcsr = f.fpr_env[3] as u32;
    r.mxcr_mask = (f.fpr_env[3] >> 32) as u32;
    for i in 0..8 {
        for w in 0..4 {
            r.st_space[i * 4 + w] = u32::from_le_bytes(f.fpr_acc[i][w * 4..w * 4 + 4].try_into().expect("4"));
        }
    }
    for i in 0..16 {
        for w in 0..4 {
            r.xmm_space[i * 4 + w] = u32::from_le_bytes(f.fpr_xacc[i][w * 4..w * 4 + 4].try_into().expect("4"));
        }
    }
    r
}

/// FreeBSD ELF note types PT_GETREGSET/PT_SETREGSET accept here.
pub const NT_PRSTATUS: i32 = 1;
/// PT_GETREGSET note type: `struct fpreg`.
pub const NT_FPREGSET: i32 = 2;
/// `struct thrmisc`: the thread's name (read only).
pub const NT_THRMISC: i32 = 7;
/// An `int` (the struct's size) then a `struct ptrace_lwpinfo` with the
/// thread's id, name, signal masks and, if it stopped for a signal, its
/// siginfo (read only; FreeBSD fills nothing else).
pub const NT_PTLWPINFO: i32 = 17;
/// PT_GETREGSET note type (amd64): the fs and gs bases.
pub const NT_X86_SEGBASES: i32 = 0x200;
/// PT_GETREGSET note type (amd64): the XSAVE area.
pub const NT_X86_XSTATE: i32 = 0x202;

/// `struct thrmisc`: `pr_tname[MAXCOMLEN + 1]` and a `u_int` of padding.
const THRMISC_SIZE: usize = 24;

/// FreeBSD's `prstatus_t` (NT_PRSTATUS), 224 bytes on amd64.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Prstatus {
    /// The structure version (`PRSTATUS_VERSION`, 1).
    pub pr_version: i32,
    /// Padding.
    pub _pad0: i32,
    /// `sizeof(prstatus_t)`.
    pub pr_statussz: u64,
    /// `sizeof(gregset_t)`: `struct reg`.
    pub pr_gregsetsz: u64,
    /// `sizeof(fpregset_t)`: `struct fpreg`.
    pub pr_fpregsetsz: u64,
    /// The osreldate of the FreeBSD release whose layout this follows (14.0).
    pub pr_osreldate: i32,
    /// The current signal.
    pub pr_cursig: i32,
    /// The LWP's thread id (its Linux tid).
    pub pr_pid: i32,
    /// Padding.
    pub _pad1: i32,
    /// The general registers.
    pub pr_reg: reg,
}

fn as_bytes<T: Copy>(v: &T) -> Vec<u8> {
    // Integer-only structs with explicit padding fields: view them as bytes.
    let mut out = vec![0u8; std::mem::size_of::<T>()];
    sys::copy_to_bytes(v, &mut out);
    out
}

fn from_bytes<T: Copy + Default>(b: &[u8]) -> T {
    let mut v = T::default();
    sys::copy_from_bytes(b, &mut v);
    v
}

impl Tracer {
    /// Size of a register set (PT_GETREGSET with a NULL buffer).
    pub fn regset_size(&mut self, t: Target, nt: i32) -> Result<usize> {
        self.stopped(t)?;
        Ok(match nt {
            NT_PRSTATUS => std::mem::size_of::<Prstatus>(),
            NT_FPREGSET => std::mem::size_of::<fpreg>(),
            NT_THRMISC => THRMISC_SIZE,
            NT_PTLWPINFO => 4 + std::mem::size_of::<crate::abi::ptrace_lwpinfo>(),
            NT_X86_SEGBASES => 16,
            NT_X86_XSTATE => self.xstate_info(t)?.1 as usize,
            _ => return Err(Errno::EINVAL.into()),
        })
    }

    /// PT_GETREGSET: the register set `nt` in FreeBSD's layout.
    pub fn get_regset(&mut self, t: Target, nt: i32) -> Result<Vec<u8>> {
        let (_, tid) = self.stopped(t)?;
        match nt {
            NT_PRSTATUS => {
                let r = self.get_regs(t)?;
                let sig = self.stop_event(t)?.1.map(|e| e.stop_signal()).unwrap_or(0);
                let ps = Prstatus {
                    pr_version: 1,
                    pr_statussz: std::mem::size_of::<Prstatus>() as u64,
                    pr_gregsetsz: std::mem::size_of::<reg>() as u64,
                    pr_fpregsetsz: std::mem::size_of::<fpreg>() as u64,
                    pr_osreldate: 1_400_000,
                    pr_cursig: sig,
                    pr_pid: tid,
                    pr_reg: r,
                    ..Default::default()
                };
                Ok(as_bytes(&ps))
            }
            NT_FPREGSET => Ok(as_bytes(&self.get_fpregs(t)?)),
            NT_THRMISC => {
                // char pr_tname[MAXCOMLEN + 1]; u_int _pad;
                let info = self.lwpinfo(t)?;
                let mut v = vec![0u8; THRMISC_SIZE];
                let name = info.tdname_str();
                let n = name.len().min(crate::abi::TDNAMLEN - 1);
                v[..n].copy_from_slice(&name.as_bytes()[..n]);
                Ok(v)
            }
            NT_PTLWPINFO => {
                // FreeBSD's note fills only the id, name, masks and, at a
                // signal stop, the siginfo.
                let info = self.lwpinfo(t)?;
                let mut pl = info.to_abi();
                let si = info.flags & crate::abi::PL_FLAG_SI;
                pl.pl_flags = si;
                pl.pl_event = if si != 0 { crate::abi::PL_EVENT_SIGNAL } else { crate::abi::PL_EVENT_NONE };
                pl.pl_child_pid = 0;
                pl.pl_syscall_code = 0;
                pl.pl_syscall_narg = 0;
                let mut v = (std::mem::size_of::<crate::abi::ptrace_lwpinfo>() as i32).to_ne_bytes().to_vec();
                v.extend_from_slice(&as_bytes(&pl));
                Ok(v)
            }
            NT_X86_SEGBASES => {
                let mut v = self.get_fsbase(t)?.to_le_bytes().to_vec();
                v.extend_from_slice(&self.get_gsbase(t)?.to_le_bytes());
                Ok(v)
            }
            NT_X86_XSTATE => {
                let n = self.regset_size(t, nt)?;
                let mut v = vec![0u8; n];
                self.get_xstate(t, &mut v)?;
                Ok(v)
            }
            _ => Err(Errno::EINVAL.into()),
        }
    }

    /// PT_SETREGSET: `data` must be exactly the set's size.
    pub fn set_regset(&mut self, t: Target, nt: i32, data: &[u8]) -> Result<()> {
        let size = self.regset_size(t, nt)?;
        if data.len() != size {
            return Err(Errno::EINVAL.into());
        }
        match nt {
            NT_PRSTATUS => self.set_regs(t, &from_bytes::<Prstatus>(data).pr_reg),
            NT_FPREGSET => self.set_fpregs(t, &from_bytes::<fpreg>(data)),
            NT_X86_SEGBASES => {
                self.set_fsbase(t, u64::from_le_bytes(data[..8].try_into().expect("8")))?;
                self.set_gsbase(t, u64::from_le_bytes(data[8..16].try_into().expect("8")))
            }
            NT_X86_XSTATE => self.set_xstate(t, data),
            // NT_THRMISC and NT_PTLWPINFO have no setter in FreeBSD.
            _ => Err(Errno::EINVAL.into()),
        }
    }
}
