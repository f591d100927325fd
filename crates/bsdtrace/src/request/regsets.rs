//! PT_GETREGSET/PT_SETREGSET: FreeBSD's register-set notes (NT_PRSTATUS,
//! NT_FPREGSET, NT_THRMISC, NT_PTLWPINFO, NT_X86_SEGBASES, NT_X86_XSTATE)
//! in the target's ABI.

use crate::abi::{self, fpreg, fpreg32, reg, reg32};
use crate::engine::{Target, Tracer};
use crate::error::{Errno, Result};
use crate::sys;
use crate::sysent::Arch;

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

/// amd64 `struct ptrace_lwpinfo` with x86-64 glibc's signal types.
const LWPINFO64_SIZE: usize = 432;

/// FreeBSD's NT_PTLWPINFO note fills only the id, name, masks and, at a
/// signal stop, the siginfo.
fn ptlwpinfo_note(flags: &mut i32, event: &mut i32, child: &mut i32, code: &mut u32, narg: &mut u32) {
    let si = *flags & abi::PL_FLAG_SI;
    *flags = si;
    *event = if si != 0 { abi::PL_EVENT_SIGNAL } else { abi::PL_EVENT_NONE };
    *child = 0;
    *code = 0;
    *narg = 0;
}

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
    /// Size of a register set (PT_GETREGSET with a NULL buffer). The sets
    /// are those of the target's ABI, as FreeBSD's `proc_find_regset()`
    /// takes them from the target's `sysentvec`: a 32-bit program's are
    /// `prstatus32_t`, `struct fpreg32`, `struct ptrace_lwpinfo32`,
    /// `struct segbasereg32`, whoever asks.
    pub fn regset_size(&mut self, t: Target, nt: i32) -> Result<usize> {
        let (pid, tid) = self.stopped(t)?;
        if self.proc_arch(pid, tid)? == Arch::I386 {
            return Ok(match nt {
                NT_PRSTATUS => std::mem::size_of::<abi::prstatus32>(),
                NT_FPREGSET => std::mem::size_of::<fpreg32>(),
                NT_THRMISC => THRMISC_SIZE,
                NT_PTLWPINFO => 4 + std::mem::size_of::<abi::ptrace_lwpinfo32>(),
                NT_X86_SEGBASES => std::mem::size_of::<abi::segbasereg32>(),
                NT_X86_XSTATE => self.xstate_info(t)?.1 as usize,
                _ => return Err(Errno::EINVAL.into()),
            });
        }
        Ok(match nt {
            NT_PRSTATUS => std::mem::size_of::<Prstatus>(),
            NT_FPREGSET => std::mem::size_of::<fpreg>(),
            NT_THRMISC => THRMISC_SIZE,
            NT_PTLWPINFO => 4 + LWPINFO64_SIZE,
            NT_X86_SEGBASES => 16,
            NT_X86_XSTATE => self.xstate_info(t)?.1 as usize,
            _ => return Err(Errno::EINVAL.into()),
        })
    }

    /// PT_GETREGSET: the register set `nt` in FreeBSD's layout (of the
    /// target's ABI, see [`Tracer::regset_size`]).
    pub fn get_regset(&mut self, t: Target, nt: i32) -> Result<Vec<u8>> {
        let (pid, tid) = self.settled(t)?;
        let arch = self.proc_arch(pid, tid)?;
        if arch == Arch::I386 {
            match nt {
                NT_PRSTATUS => {
                    let r = self.get_regs32(t)?;
                    let sig = self.stop_event(t)?.1.map(|e| e.stop_signal()).unwrap_or(0);
                    let ps = abi::prstatus32 {
                        pr_version: 1,
                        pr_statussz: std::mem::size_of::<abi::prstatus32>() as u32,
                        pr_gregsetsz: std::mem::size_of::<reg32>() as u32,
                        pr_fpregsetsz: std::mem::size_of::<fpreg32>() as u32,
                        pr_osreldate: 1_400_000,
                        pr_cursig: sig,
                        pr_pid: tid,
                        pr_reg: r,
                    };
                    return Ok(as_bytes(&ps));
                }
                NT_FPREGSET => return Ok(as_bytes(&self.get_fpregs32(t)?)),
                NT_PTLWPINFO => {
                    let info = self.lwpinfo(t)?;
                    let mut pl = info.to_abi32();
                    ptlwpinfo_note(&mut pl.pl_flags, &mut pl.pl_event, &mut pl.pl_child_pid, &mut pl.pl_syscall_code, &mut pl.pl_syscall_narg);
                    let mut v = (std::mem::size_of::<abi::ptrace_lwpinfo32>() as i32).to_ne_bytes().to_vec();
                    v.extend_from_slice(&as_bytes(&pl));
                    return Ok(v);
                }
                NT_X86_SEGBASES => {
                    let mut v = (self.get_fsbase(t)? as u32).to_le_bytes().to_vec();
                    v.extend_from_slice(&(self.get_gsbase(t)? as u32).to_le_bytes());
                    return Ok(v);
                }
                _ => {}
            }
        }
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
                let mut info = self.lwpinfo(t)?;
                ptlwpinfo_note(&mut info.flags, &mut info.event, &mut info.child_pid, &mut info.syscall_code, &mut info.syscall_narg);
                let mut v = (LWPINFO64_SIZE as i32).to_ne_bytes().to_vec();
                v.extend_from_slice(&info.to_abi64_bytes());
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
        let (pid, tid) = self.settled(t)?;
        if self.proc_arch(pid, tid)? == Arch::I386 {
            match nt {
                NT_PRSTATUS => return self.set_regs32(t, &from_bytes::<abi::prstatus32>(data).pr_reg),
                NT_FPREGSET => return self.set_fpregs32(t, &from_bytes::<fpreg32>(data)),
                NT_X86_SEGBASES => {
                    let b = from_bytes::<abi::segbasereg32>(data);
                    self.set_segbase32(t, false, b.r_fsbase)?;
                    return self.set_segbase32(t, true, b.r_gsbase);
                }
                _ => {}
            }
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
