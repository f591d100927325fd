//! `ptrace()`: FreeBSD's request numbers, argument conventions and errors
//! over the engine's typed requests.
//!
//! Order of checks, as `sys_ptrace()` + `kern_ptrace()` have it: first what
//! FreeBSD does before looking at the target (copyin of `addr` for requests
//! that take a struct, `data` size checks: EFAULT/EINVAL), then the engine's
//! preamble (ESRCH, EPERM, EBUSY...), then the request's own checks
//! (EINVAL), then the action, then copyout, only on success. Requests the
//! engine does not implement run the preamble and then fail with EINVAL, as
//! an unknown request does on FreeBSD.
//!
//! It must never touch the caller's memory except through `copy`.

use crate::copy::{
    copyin, copyin_bytes, copyout, copyout_array, copyout_bytes, copyout_prefix, Plain,
};
use crate::executor;
use bsdtrace::abi::{self, *};
use bsdtrace::sys::procfs;
use bsdtrace::{Errno, Lwpid, Pid, Resume, Target, Tracer, WaitStatus};
use std::mem::size_of;

/// `struct ptrace_xstate_info` (machine/ptrace.h).
#[repr(C)]
#[derive(Clone, Copy)]
struct XstateInfo {
    xsave_mask: u64,
    xsave_len: u32,
}
// SAFETY: two integers (and tail padding): every byte pattern is valid.
unsafe impl Plain for XstateInfo {}

const SIZEOF_PTRACE_SC_REMOTE: i32 = 40;
/// The XSAVE area is at most a few KiB; anything larger is refused before
/// it is copied in.
const XSTATE_MAX: usize = 64 * 1024;
/// PT_IO moves memory in pieces of this size, so a huge `piod_len` never
/// needs a huge buffer.
const IO_CHUNK: usize = 64 * 1024;

/// FreeBSD's pid argument: an LWP id (above [`abi::LWPID_BASE`]: FreeBSD's
/// id of the LWP, which a thread that called execve from a non-leader
/// thread keeps), a traced process, a raw thread id of a traced process,
/// or any other process.
pub(crate) fn target(t: &Tracer, pid: i32) -> Target {
    if pid > LWPID_BASE {
        return t.freebsd_target(Lwpid(pid - LWPID_BASE));
    }
    if pid <= 0 || t.is_traced(Pid(pid)) {
        return Target::Proc(Pid(pid));
    }
    match procfs::status(pid) {
        Ok(st) if st.tgid != pid && t.is_traced(Pid(st.tgid)) => Target::Lwp(Lwpid(pid)),
        _ => Target::Proc(Pid(pid)),
    }
}

/// The LWP ids in a register set the engine filled in, made the C ABI's
/// (what `pl_lwpid` and PT_GETLWPLIST give): NT_PTLWPINFO's `pl_lwpid`
/// (after the note's int structsize), and NT_PRSTATUS's `pr_pid`, which
/// FreeBSD fills with the thread's `td_tid` (the engine's holds the Linux
/// tid) in either ABI's `prstatus_t`.
pub(crate) fn regset_ids_to_c(t: &mut Tracer, tg: Target, nt: i32, bytes: &mut [u8]) -> Result<(), Errno> {
    use bsdtrace::request::regset::{Prstatus, NT_PRSTATUS, NT_PTLWPINFO};
    use std::mem::offset_of;
    let at = match nt {
        NT_PTLWPINFO => {
            let id = i32::from_ne_bytes(bytes[4..8].try_into().expect("4 bytes")) + LWPID_BASE;
            bytes[4..8].copy_from_slice(&id.to_ne_bytes());
            return Ok(());
        }
        NT_PRSTATUS if bytes.len() == size_of::<Prstatus>() => offset_of!(Prstatus, pr_pid),
        NT_PRSTATUS if bytes.len() == size_of::<abi::prstatus32>() => offset_of!(abi::prstatus32, pr_pid),
        _ => return Ok(()),
    };
    let id = t.freebsd_lwpid(tg).map_err(e)?.0 + LWPID_BASE;
    bytes[at..at + 4].copy_from_slice(&id.to_ne_bytes());
    Ok(())
}

/// The process a target belongs to.
fn process_of(t: Target) -> Option<Pid> {
    match t {
        Target::Proc(p) => Some(p),
        Target::Lwp(Lwpid(l)) => procfs::status(l).ok().map(|s| Pid(s.tgid)),
    }
}

pub(crate) fn e(err: bsdtrace::Error) -> Errno {
    err.errno()
}

/// `ptrace(2)`. Returns the request's value, or -1 with `errno` set.
#[no_mangle]
pub extern "C" fn ptrace(
    req: libc::c_int,
    pid: libc::pid_t,
    addr: *mut libc::c_char,
    data: libc::c_int,
) -> libc::c_int {
    let addr = addr as usize;
    let Some(_inside) = executor::enter() else {
        // From a signal handler that interrupted libbsdtrace: FreeBSD's
        // answer to a request racing another one on the same process.
        crate::copy::set_errno(Errno::EBUSY);
        return -1;
    };
    let r = match req {
        // Runs in the child, which traces nothing: no executor needed.
        PT_TRACE_ME => bsdtrace::trace_me().map(|()| 0).map_err(e),
        _ => {
            // None: a signal handler called in while this thread was inside
            // the engine; FreeBSD's answer to a request racing another.
            executor::call(move |t| {
                let r = request(t, req, pid, addr, data);
                let v = match &r {
                    Ok(v) => *v as i64,
                    Err(e) => -(e.0 as i64),
                };
                bsdtrace::engine::ring::record(bsdtrace::engine::ring::Kind::Request, req as i64, pid as i64, v);
                r
            })
            .unwrap_or(Err(Errno::ESRCH))
        }
    };
    match r {
        Ok(v) => {
            if req == PT_READ_I || req == PT_READ_D {
                // FreeBSD's libc zeroes errno so a value of -1 can be told
                // apart; here after the call, which may leave errno set by
                // the engine's own syscalls (a wake-up's EAGAIN).
                crate::copy::set_errno(Errno(0));
            }
            v
        }
        Err(err) => {
            crate::copy::set_errno(err);
            -1
        }
    }
}

/// The engine's preamble alone (ESRCH, EPERM, EBUSY...), for requests whose
/// own checks come after it.
pub(crate) fn preamble(t: &Tracer, tg: Target) -> Result<(), Errno> {
    t.selected_lwp(tg).map(drop).map_err(e)
}

/// `addr == (caddr_t)1` means "where it stopped".
fn pc(addr: usize) -> Option<u64> {
    (addr != 1).then_some(addr as u64)
}

fn request(t: &mut Tracer, req: i32, pid: i32, addr: usize, data: i32) -> Result<i32, Errno> {
    // A 32-bit program's requests that take 32-bit structures: FreeBSD's
    // freebsd32_ptrace(), converting at the boundary.
    #[cfg(target_pointer_width = "32")]
    if let Some(r) = crate::wrap32::request(t, req, pid, addr, data) {
        return r;
    }
    // Checks FreeBSD makes before it looks the target up.
    let mut io: Option<ptrace_io_desc> = None;
    let mut pve: Option<ptrace_vm_entry> = None;
    let mut regs_in: Option<reg> = None;
    let mut fpregs_in: Option<fpreg> = None;
    let mut dbregs_in: Option<dbreg> = None;
    let mut mask_in: Option<i32> = None;
    let mut remote_in: Option<(u64, Vec<u64>)> = None;
    let mut iov_in: Option<[u64; 2]> = None;
    let mut core_in: Option<ptrace_coredump> = None;
    match req {
        PT_GETREGSET | PT_SETREGSET => iov_in = Some(copyin(addr)?),
        PT_IO => io = Some(copyin(addr)?),
        PT_VM_ENTRY => pve = Some(copyin(addr)?),
        PT_SETREGS => regs_in = Some(copyin(addr)?),
        PT_SETFPREGS => fpregs_in = Some(copyin(addr)?),
        PT_SETDBREGS => dbregs_in = Some(copyin(addr)?),
        PT_GET_EVENT_MASK if data != size_of::<i32>() as i32 => return Err(Errno::EINVAL),
        PT_SET_EVENT_MASK => {
            if data != size_of::<i32>() as i32 {
                return Err(Errno::EINVAL);
            }
            mask_in = Some(copyin(addr)?);
        }
        PT_COREDUMP => {
            if data != size_of::<ptrace_coredump>() as i32 {
                return Err(Errno::EINVAL);
            }
            core_in = Some(copyin(addr)?);
        }
        PT_SC_REMOTE => {
            if data != SIZEOF_PTRACE_SC_REMOTE {
                return Err(Errno::EINVAL);
            }
            // struct ptrace_sc_remote: pscr_nargs at 28, pscr_args at 32.
            let raw: [u64; 5] = copyin(addr)?;
            let nargs = (raw[3] >> 32) as u32;
            if nargs > 8 {
                return Err(Errno::EINVAL);
            }
            let args = crate::copy::copyin_array::<u64>(raw[4] as usize, nargs as usize)?;
            remote_in = Some((raw[3] & 0xffff_ffff, args));
        }
        128..=191 => return Err(Errno::EINVAL),
        _ => {}
    }

    let tg = target(t, pid);
    let ret = match req {
        PT_READ_I | PT_READ_D => return t.peek(tg, addr as u64).map_err(e),
        PT_WRITE_I | PT_WRITE_D => t.poke(tg, addr as u64, data).map(|()| 0).map_err(e),
        PT_CONTINUE | PT_STEP | PT_TO_SCE | PT_TO_SCX | PT_SYSCALL => {
            let how = match req {
                PT_CONTINUE => Resume::Continue,
                PT_STEP => Resume::Step,
                PT_TO_SCE => Resume::ToSce,
                PT_TO_SCX => Resume::ToScx,
                _ => Resume::Syscall,
            };
            let at = if req == PT_STEP { None } else { pc(addr) };
            t.resume(tg, how, at, data).map(|()| 0).map_err(e)
        }
        PT_KILL => t.kill(tg).map(|()| 0).map_err(e),
        PT_ATTACH => t.attach(tg).map(|_| 0).map_err(e),
        PT_DETACH => t.detach(tg, data).map(|()| 0).map_err(e),
        PT_IO => pt_io(t, tg, addr, io.expect("copied in")),
        PT_LWPINFO => pt_lwpinfo(t, tg, addr, data),
        PT_GETNUMLWPS => t.num_lwps(tg).map(|n| n as i32).map_err(e),
        PT_GETLWPLIST => {
            let list = t.freebsd_lwp_list(tg).map_err(e)?;
            if data <= 0 {
                return Err(Errno::EINVAL);
            }
            let n = list.len().min(data as usize);
            let ids: Vec<i32> = list[..n].iter().map(|l| l.0 + LWPID_BASE).collect();
            copyout_array(addr, &ids)?;
            Ok(n as i32)
        }
        PT_CLEARSTEP => t.clear_step(tg).map(|()| 0).map_err(e),
        PT_SETSTEP => t.set_step(tg).map(|()| 0).map_err(e),
        PT_SUSPEND => t.suspend(tg).map(|()| 0).map_err(e),
        PT_RESUME => t.unsuspend(tg).map(|()| 0).map_err(e),
        PT_FOLLOW_FORK => t.follow_fork(tg, data != 0).map(|()| 0).map_err(e),
        PT_LWP_EVENTS => t.lwp_events(tg, data != 0).map(|()| 0).map_err(e),
        PT_GET_EVENT_MASK => {
            let m = t.event_mask(tg).map_err(e)?;
            copyout(addr, &m)?;
            Ok(0)
        }
        PT_SET_EVENT_MASK => t
            .set_event_mask(tg, mask_in.expect("copied in"))
            .map(|()| 0)
            .map_err(e),
        PT_GET_SC_ARGS => {
            let a = t.sc_args(tg).map_err(e)?;
            // MIN(data, sizeof(args)) with C's conversion of int to size_t.
            let n = (data as i64 as u64).min(size_of::<[u64; 8]>() as u64) as usize;
            copyout_prefix(addr, &a.args, n)?;
            Ok(0)
        }
        PT_GET_SC_RET => {
            let r = t.sc_ret(tg).map_err(e)?;
            let n = (data as i64 as u64).min(size_of::<ptrace_sc_ret>() as u64) as usize;
            copyout_prefix(addr, &r, n)?;
            Ok(0)
        }
        PT_GETREGS => {
            let r = t.get_regs(tg).map_err(e)?;
            copyout(addr, &r)?;
            Ok(0)
        }
        PT_SETREGS => t
            .set_regs(tg, &regs_in.expect("copied in"))
            .map(|()| 0)
            .map_err(e),
        PT_GETFPREGS => {
            let r = t.get_fpregs(tg).map_err(e)?;
            copyout(addr, &r)?;
            Ok(0)
        }
        PT_SETFPREGS => t
            .set_fpregs(tg, &fpregs_in.expect("copied in"))
            .map(|()| 0)
            .map_err(e),
        PT_GETDBREGS => {
            let r = t.get_dbregs(tg).map_err(e)?;
            copyout(addr, &r)?;
            Ok(0)
        }
        PT_SETDBREGS => t
            .set_dbregs(tg, &dbregs_in.expect("copied in"))
            .map(|()| 0)
            .map_err(e),
        PT_VM_TIMESTAMP => t.vm_timestamp(tg).map_err(e),
        PT_VM_ENTRY => pt_vm_entry(t, tg, addr, pve.expect("copied in")),
        PT_GETFSBASE | PT_GETGSBASE => {
            let v = if req == PT_GETFSBASE {
                t.get_fsbase(tg)
            } else {
                t.get_gsbase(tg)
            }
            .map_err(e)?;
            copyout(addr, &v)?;
            Ok(0)
        }
        PT_SETFSBASE | PT_SETGSBASE => {
            preamble(t, tg)?;
            let v: u64 = copyin(addr)?;
            if req == PT_SETFSBASE {
                t.set_fsbase(tg, v)
            } else {
                t.set_gsbase(tg, v)
            }
            .map(|()| 0)
            .map_err(e)
        }
        PT_GETXSTATE_INFO => {
            let (mask, len) = t.xstate_info(tg).map_err(e)?;
            if data != size_of::<XstateInfo>() as i32 {
                return Err(Errno::EINVAL);
            }
            copyout(
                addr,
                &XstateInfo {
                    xsave_mask: mask,
                    xsave_len: len,
                },
            )?;
            Ok(0)
        }
        PT_GETXSTATE => {
            preamble(t, tg)?;
            if data < 0 {
                return Err(Errno::EINVAL);
            }
            let mut buf = vec![0u8; (data as usize).min(XSTATE_MAX)];
            let len = t.get_xstate(tg, &mut buf).map_err(e)?;
            copyout_bytes(addr, &buf[..len.min(buf.len())])?;
            Ok(0)
        }
        PT_SETXSTATE => {
            let (_, len) = t.xstate_info(tg).map_err(e)?;
            if data < 0 || data as usize > (len as usize).min(XSTATE_MAX) {
                return Err(Errno::EINVAL);
            }
            let buf = copyin_bytes(addr, data as usize)?;
            t.set_xstate(tg, &buf).map(|()| 0).map_err(e)
        }
        PT_SC_REMOTE => {
            let (nr, args) = remote_in.expect("copied in");
            let r = t.remote_syscall(tg, nr, &args).map_err(e)?;
            // Only pscr_ret (the first 24 bytes) is copied back.
            copyout(addr, &r)?;
            Ok(0)
        }
        PT_COREDUMP => {
            let pc = core_in.expect("copied in");
            // off_t compared as FreeBSD's unsigned core size: a negative
            // limit never stops a dump.
            t.coredump_raw(tg, pc.pc_fd, pc.pc_flags, pc.pc_limit as u64)
                .map(|()| 0)
                .map_err(e)
        }
        PT_GETREGSET => {
            // struct iovec in/out; the note type is in `data` (FreeBSD's order).
            let [base, len] = iov_in.expect("copied in");
            let size = t.regset_size(tg, data).map_err(e)?;
            if base == 0 {
                copyout(addr, &[0u64, size as u64])?;
                return Ok(0);
            }
            if (len as usize) < size {
                return Err(Errno::EINVAL);
            }
            let mut bytes = t.get_regset(tg, data).map_err(e)?;
            regset_ids_to_c(t, tg, data, &mut bytes)?;
            copyout_bytes(base as usize, &bytes)?;
            copyout(addr, &[base, size as u64])?;
            Ok(0)
        }
        PT_SETREGSET => {
            let [base, len] = iov_in.expect("copied in");
            let size = t.regset_size(tg, data).map_err(e)?;
            if len as usize != size {
                return Err(Errno::EINVAL);
            }
            let bytes = copyin_bytes(base as usize, size)?;
            t.set_regset(tg, data, &bytes).map(|()| 0).map_err(e)
        }
        // Unknown: FreeBSD's answer, EINVAL, once the permission checks pass.
        _ => {
            preamble(t, tg)?;
            Err(Errno::EINVAL)
        }
    };
    if ret.is_ok()
        && matches!(
            req,
            PT_CONTINUE | PT_STEP | PT_TO_SCE | PT_TO_SCX | PT_SYSCALL | PT_KILL | PT_DETACH
        )
    {
        // A stop a WNOWAIT waitid() left for later is over now.
        if let Some(p) = process_of(tg) {
            executor::stash().retain(|s| {
                !(s.pid == p
                    && matches!(s.status, WaitStatus::Stopped(_) | WaitStatus::JobStopped(_)))
            });
        }
    }
    ret
}

/// PT_IO: on success `piod_len` becomes the count moved and the struct is
/// copied back; on a fault EFAULT and nothing is copied back (bytes already
/// moved stay moved).
fn pt_io(t: &mut Tracer, tg: Target, addr: usize, mut piod: ptrace_io_desc) -> Result<i32, Errno> {
    piod.piod_len = move_memory(
        t,
        tg,
        piod.piod_op,
        piod.piod_offs as u64,
        piod.piod_addr as usize,
        piod.piod_len,
    )?;
    copyout(addr, &piod)?;
    Ok(0)
}

/// PT_IO's work after the copyin: the preamble, `op`'s check, then `len`
/// bytes between the tracee's `remote` and the caller's `local`; the
/// count moved.
pub(crate) fn move_memory(
    t: &mut Tracer,
    tg: Target,
    op: i32,
    remote: u64,
    local: usize,
    len: usize,
) -> Result<usize, Errno> {
    preamble(t, tg)?;
    let write = match op {
        PIOD_READ_D | PIOD_READ_I => false,
        PIOD_WRITE_D | PIOD_WRITE_I => true,
        _ => return Err(Errno::EINVAL),
    };
    if len > isize::MAX as usize {
        return Err(Errno::EINVAL);
    }
    let mut done = 0usize;
    while done < len {
        let n = (len - done).min(IO_CHUNK);
        let at = remote.wrapping_add(done as u64);
        if write {
            let buf = copyin_bytes(local.wrapping_add(done), n)?;
            t.write_memory(tg, at, &buf).map_err(e)?;
        } else {
            let mut buf = vec![0u8; n];
            match t.read_memory(tg, at, &mut buf) {
                Ok(()) => copyout_bytes(local.wrapping_add(done), &buf)?,
                Err(bsdtrace::Error::Fault { errno, done: got }) => {
                    copyout_bytes(local.wrapping_add(done), &buf[..got])?;
                    return Err(errno);
                }
                Err(err) => return Err(e(err)),
            }
        }
        done += n;
    }
    Ok(done)
}

/// PT_LWPINFO: `data` is the caller's `sizeof(struct ptrace_lwpinfo)`;
/// exactly that many bytes are copied out.
fn pt_lwpinfo(t: &mut Tracer, tg: Target, addr: usize, data: i32) -> Result<i32, Errno> {
    preamble(t, tg)?;
    if data <= 0 || data as usize > size_of::<ptrace_lwpinfo>() {
        return Err(Errno::EINVAL);
    }
    let mut pl = t.lwpinfo(tg).map_err(e)?.to_abi();
    pl.pl_lwpid += LWPID_BASE;
    // FreeBSD sets PL_FLAG_SI only when the caller's struct (an older,
    // shorter one) has room for the siginfo it would then read.
    if (data as usize) < std::mem::offset_of!(ptrace_lwpinfo, pl_siginfo) + size_of::<libc::siginfo_t>() {
        pl.pl_flags &= !PL_FLAG_SI;
    }
    copyout_prefix(addr, &pl, data as usize)?;
    Ok(0)
}

/// PT_VM_ENTRY: `pve_pathlen` in is the size of the caller's `pve_path`
/// buffer (0: no path wanted). A path that does not fit is ENAMETOOLONG and
/// nothing is copied back (FreeBSD's native behaviour: the caller does not
/// learn the length it needs). On success `pve_pathlen` is strlen+1, or 0.
fn pt_vm_entry(
    t: &mut Tracer,
    tg: Target,
    addr: usize,
    mut pve: ptrace_vm_entry,
) -> Result<i32, Errno> {
    let (v, pathlen) = vm_entry(t, tg, pve.pve_entry, pve.pve_pathlen, pve.pve_path as usize)?;
    pve.pve_entry = v.entry;
    pve.pve_timestamp = v.timestamp;
    pve.pve_start = v.start;
    pve.pve_end = v.end;
    pve.pve_offset = v.offset;
    pve.pve_prot = v.prot;
    pve.pve_fileid = v.fileid;
    pve.pve_fsid = v.fsid;
    pve.pve_pathlen = pathlen;
    copyout(addr, &pve)?;
    Ok(0)
}

/// PT_VM_ENTRY's work: entry `entry`, its path copied out to `path` if
/// one was asked for (`pathlen` > 0, the buffer's size); the entry (with
/// `fileid`/`fsid` VNOVAL unless a path was given) and the path's length
/// + 1 or 0.
pub(crate) fn vm_entry(
    t: &mut Tracer,
    tg: Target,
    entry: i32,
    pathlen: u32,
    path: usize,
) -> Result<(bsdtrace::VmEntry, u32), Errno> {
    let mut v = t.vm_entry(tg, entry).map_err(e)?;
    let mut out = 0u32;
    match (pathlen > 0, v.path.as_ref()) {
        (true, Some(p)) => {
            let mut bytes = p.as_bytes().to_vec();
            bytes.push(0);
            if bytes.len() > pathlen as usize {
                return Err(Errno::ENAMETOOLONG);
            }
            copyout_bytes(path, &bytes)?;
            out = bytes.len() as u32;
        }
        _ => {
            v.fileid = abi::VNOVAL;
            v.fsid = abi::VNOVAL as u32;
        }
    }
    Ok((v, out))
}

/// When the library is loaded, before the program forks anything: map what
/// a PT_TRACE_ME child uses to tell its tracer that it armed a
/// parent-death SIGKILL (bsdtrace's `prepare_traceme`), so that a tracer
/// killed before it has seized the child takes the child along, as
/// FreeBSD's `kern.kill_on_debugger_exit` does.
extern "C" fn prepare_traceme_on_load() {
    bsdtrace::prepare_traceme();
}

#[used]
#[link_section = ".init_array"]
static PREPARE_TRACEME: extern "C" fn() = prepare_traceme_on_load;
