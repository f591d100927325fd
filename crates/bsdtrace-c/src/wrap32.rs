//! libbsdtrace built for i686: a 32-bit debugger's requests, with the
//! seed's `wrap32` rules (FreeBSD's `freebsd32_ptrace()` and the
//! COMPAT_FREEBSD32 parts of `kern_ptrace()`).
//!
//! * Every structure crosses the boundary in its 32-bit layout
//!   (`bsdtrace::abi`'s `*32` types: `struct reg` here is `reg32`, ...).
//! * The registers of a 64-bit target are read in the 32-bit view (their
//!   low halves) and never written: PT_SETREGS, PT_SETFPREGS and
//!   PT_SETDBREGS are EINVAL there (`PROC_WRITE`'s `safe`), and so are
//!   PT_GET_SC_ARGS and PT_GET_SC_RET (`wrap32 && !safe`) and the fs/gs
//!   base requests (`cpu32_ptrace`).
//! * Addresses are 32 bits: PT_IO reaches only the low 4 GiB of a 64-bit
//!   target (`piod_offs` is a `uint32_t`), and PT_VM_ENTRY reports a
//!   64-bit target's entries with their addresses truncated to 32 bits
//!   (FreeBSD's `CP()` into `ptrace_vm_entry32`), as FreeBSD does.
//!
//! Returns `None` for the requests whose arguments do not depend on the
//! caller's ABI; `ptrace.rs` handles those.

use crate::copy::{copyin, copyin_array, copyin_bytes, copyout, copyout_bytes, copyout_prefix};
use crate::ptrace::{e, move_memory, preamble, regset_ids_to_c, target, vm_entry};
use bsdtrace::abi::{self, *};
use bsdtrace::sysent::Arch;
use bsdtrace::{Errno, Target, Tracer};
use std::mem::size_of;

// The native structures of this build are the 32-bit ones.
const _: () = assert!(size_of::<abi::ptrace_lwpinfo>() == size_of::<ptrace_lwpinfo32>());
const _: () = assert!(size_of::<libc::iovec>() == size_of::<iovec32>());
const _: () = assert!(size_of::<libc::c_long>() == 4);

/// The target's registers may be written from here (FreeBSD's `safe`):
/// it is a 32-bit program. Runs the preamble first.
fn safe(t: &mut Tracer, tg: Target) -> Result<bool, Errno> {
    Ok(t.arch(tg).map_err(e)? == Arch::I386)
}

pub fn request(t: &mut Tracer, req: i32, pid: i32, addr: usize, data: i32) -> Option<Result<i32, Errno>> {
    Some(match req {
        PT_IO => pt_io(t, pid, addr),
        PT_LWPINFO => pt_lwpinfo(t, pid, addr, data),
        PT_VM_ENTRY => pt_vm_entry(t, pid, addr),
        PT_GET_SC_ARGS => pt_get_sc_args(t, pid, addr, data),
        PT_GET_SC_RET => pt_get_sc_ret(t, pid, addr, data),
        PT_GETREGS => {
            let tg = target(t, pid);
            t.get_regs32(tg).map_err(e).and_then(|r| copyout(addr, &r)).map(|()| 0)
        }
        PT_SETREGS => copyin::<reg32>(addr).and_then(|r| {
            let tg = target(t, pid);
            t.set_regs32(tg, &r).map(|()| 0).map_err(e)
        }),
        PT_GETFPREGS => {
            let tg = target(t, pid);
            t.get_fpregs32(tg).map_err(e).and_then(|r| copyout(addr, &r)).map(|()| 0)
        }
        PT_SETFPREGS => copyin::<fpreg32>(addr).and_then(|r| {
            let tg = target(t, pid);
            t.set_fpregs32(tg, &r).map(|()| 0).map_err(e)
        }),
        PT_GETDBREGS => {
            let tg = target(t, pid);
            t.get_dbregs32(tg).map_err(e).and_then(|r| copyout(addr, &r)).map(|()| 0)
        }
        PT_SETDBREGS => copyin::<dbreg32>(addr).and_then(|r| {
            let tg = target(t, pid);
            t.set_dbregs32(tg, &r).map(|()| 0).map_err(e)
        }),
        PT_GETXMMREGS => {
            let tg = target(t, pid);
            t.get_xmmregs(tg).map_err(e).and_then(|r| copyout(addr, &r)).map(|()| 0)
        }
        PT_SETXMMREGS => {
            // cpu32_ptrace: the target first, then the copyin.
            let tg = target(t, pid);
            preamble(t, tg).and_then(|()| copyin::<xmmreg>(addr)).and_then(|x| t.set_xmmregs(tg, &x).map(|()| 0).map_err(e))
        }
        PT_GETXSTATE_INFO => {
            let tg = target(t, pid);
            t.xstate_info(tg).map_err(e).and_then(|(mask, len)| {
                if data != size_of::<ptrace_xstate_info32>() as i32 {
                    return Err(Errno::EINVAL);
                }
                let info = ptrace_xstate_info32 { xsave_mask: [mask as u32, (mask >> 32) as u32], xsave_len: len };
                copyout(addr, &info).map(|()| 0)
            })
        }
        PT_GETFSBASE | PT_GETGSBASE => {
            let tg = target(t, pid);
            t.get_segbase32(tg, req == PT_GETGSBASE).map_err(e).and_then(|v| copyout(addr, &v)).map(|()| 0)
        }
        PT_SETFSBASE | PT_SETGSBASE => {
            let tg = target(t, pid);
            (|| {
                if !safe(t, tg)? {
                    return Err(Errno::EINVAL);
                }
                let v: u32 = copyin(addr)?;
                t.set_segbase32(tg, req == PT_SETGSBASE, v).map(|()| 0).map_err(e)
            })()
        }
        PT_SC_REMOTE => pt_sc_remote(t, pid, addr, data),
        PT_COREDUMP => {
            if data != size_of::<ptrace_coredump32>() as i32 {
                return Some(Err(Errno::EINVAL));
            }
            copyin::<ptrace_coredump32>(addr).and_then(|pc| {
                let tg = target(t, pid);
                let limit = u64::from(pc.pc_limit[0]) | u64::from(pc.pc_limit[1]) << 32;
                t.coredump_raw(tg, pc.pc_fd, pc.pc_flags, limit).map(|()| 0).map_err(e)
            })
        }
        PT_GETREGSET => pt_getregset(t, pid, addr, data),
        PT_SETREGSET => copyin::<iovec32>(addr).and_then(|iov| {
            let tg = target(t, pid);
            let size = t.regset_size(tg, data).map_err(e)?;
            if iov.iov_len as usize != size {
                return Err(Errno::EINVAL);
            }
            let bytes = copyin_bytes(iov.iov_base as usize, size)?;
            t.set_regset(tg, data, &bytes).map(|()| 0).map_err(e)
        }),
        _ => return None,
    })
}

/// PT_IO with a `ptrace_io_desc32`: 32-bit tracee addresses.
fn pt_io(t: &mut Tracer, pid: i32, addr: usize) -> Result<i32, Errno> {
    let mut piod: ptrace_io_desc32 = copyin(addr)?;
    let tg = target(t, pid);
    let n = move_memory(t, tg, piod.piod_op, piod.piod_offs.into(), piod.piod_addr as usize, piod.piod_len as usize)?;
    piod.piod_len = n as u32;
    copyout(addr, &piod)?;
    Ok(0)
}

/// PT_LWPINFO with a `ptrace_lwpinfo32` (`data` at most its size).
fn pt_lwpinfo(t: &mut Tracer, pid: i32, addr: usize, data: i32) -> Result<i32, Errno> {
    // freebsd32_ptrace() refuses a size above its struct before the target.
    if data > size_of::<ptrace_lwpinfo32>() as i32 {
        return Err(Errno::EINVAL);
    }
    let tg = target(t, pid);
    preamble(t, tg)?;
    if data <= 0 {
        return Err(Errno::EINVAL);
    }
    let mut pl = t.lwpinfo(tg).map_err(e)?.to_abi32();
    pl.pl_lwpid += LWPID_BASE;
    if (data as usize) < std::mem::offset_of!(ptrace_lwpinfo32, pl_siginfo) + 128 {
        pl.pl_flags &= !PL_FLAG_SI;
        pl.pl_siginfo = [0; 32];
    }
    copyout_prefix(addr, &pl, data as usize)?;
    Ok(0)
}

/// PT_VM_ENTRY with a `ptrace_vm_entry32`: a 64-bit target's addresses
/// (and inode numbers) truncated to 32 bits, as FreeBSD's `CP()` does.
fn pt_vm_entry(t: &mut Tracer, pid: i32, addr: usize) -> Result<i32, Errno> {
    let mut pve: ptrace_vm_entry32 = copyin(addr)?;
    let tg = target(t, pid);
    let (v, pathlen) = vm_entry(t, tg, pve.pve_entry, pve.pve_pathlen, pve.pve_path as usize)?;
    pve.pve_entry = v.entry;
    pve.pve_timestamp = v.timestamp;
    pve.pve_start = v.start as u32;
    pve.pve_end = v.end as u32;
    pve.pve_offset = v.offset as u32;
    pve.pve_prot = v.prot;
    pve.pve_pathlen = pathlen;
    pve.pve_fileid = v.fileid as i32;
    pve.pve_fsid = v.fsid;
    copyout(addr, &pve)?;
    Ok(0)
}

/// PT_GET_SC_ARGS: 32-bit words; EINVAL for a 64-bit target.
fn pt_get_sc_args(t: &mut Tracer, pid: i32, addr: usize, data: i32) -> Result<i32, Errno> {
    let tg = target(t, pid);
    let a = t.sc_args(tg).map_err(e)?;
    if !safe(t, tg)? {
        return Err(Errno::EINVAL);
    }
    let words: [u32; 8] = a.args.map(|x| x as u32);
    let n = (data as i64 as u64).min(size_of::<[u32; 8]>() as u64) as usize;
    copyout_prefix(addr, &words, n)?;
    Ok(0)
}

/// PT_GET_SC_RET: a `ptrace_sc_ret32`; EINVAL for a 64-bit target.
fn pt_get_sc_ret(t: &mut Tracer, pid: i32, addr: usize, data: i32) -> Result<i32, Errno> {
    let tg = target(t, pid);
    let r = t.sc_ret(tg).map_err(e)?;
    if !safe(t, tg)? {
        return Err(Errno::EINVAL);
    }
    let r32 = ptrace_sc_ret32 { sr_retval: r.sr_retval.map(|v| v as u32), sr_error: r.sr_error };
    let n = (data as i64 as u64).min(size_of::<ptrace_sc_ret32>() as u64) as usize;
    copyout_prefix(addr, &r32, n)?;
    Ok(0)
}

/// PT_SC_REMOTE with a `ptrace_sc_remote32` and `u_int` arguments.
fn pt_sc_remote(t: &mut Tracer, pid: i32, addr: usize, data: i32) -> Result<i32, Errno> {
    if data != size_of::<ptrace_sc_remote32>() as i32 {
        return Err(Errno::EINVAL);
    }
    let sr: ptrace_sc_remote32 = copyin(addr)?;
    if sr.pscr_nargs > 8 {
        return Err(Errno::EINVAL);
    }
    let args: Vec<u64> = copyin_array::<u32>(sr.pscr_args as usize, sr.pscr_nargs as usize)?.into_iter().map(u64::from).collect();
    let tg = target(t, pid);
    let r = t.remote_syscall(tg, sr.pscr_syscall.into(), &args).map_err(e)?;
    let r32 = ptrace_sc_ret32 { sr_retval: r.sr_retval.map(|v| v as u32), sr_error: r.sr_error };
    // Only pscr_ret (the first 12 bytes) is copied back.
    copyout(addr, &r32)?;
    Ok(0)
}

/// PT_GETREGSET with an `iovec32`; the set is in the target's layout.
fn pt_getregset(t: &mut Tracer, pid: i32, addr: usize, data: i32) -> Result<i32, Errno> {
    let iov: iovec32 = copyin(addr)?;
    let tg = target(t, pid);
    let size = t.regset_size(tg, data).map_err(e)?;
    if iov.iov_base == 0 {
        copyout(addr, &iovec32 { iov_base: 0, iov_len: size as u32 })?;
        return Ok(0);
    }
    if (iov.iov_len as usize) < size {
        return Err(Errno::EINVAL);
    }
    let mut bytes = t.get_regset(tg, data).map_err(e)?;
    regset_ids_to_c(t, tg, data, &mut bytes)?;
    copyout_bytes(iov.iov_base as usize, &bytes)?;
    copyout(addr, &iovec32 { iov_base: iov.iov_base, iov_len: size as u32 })?;
    Ok(0)
}
