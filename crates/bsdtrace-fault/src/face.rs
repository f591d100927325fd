//! The two library faces behind one interface, at the C level: FreeBSD
//! request numbers, a `pid` that may be an LWP id (`tid + LWPID_BASE`), an
//! `addr` and a `data`. The C face passes them to libbsdtrace as they are;
//! the Rust face translates each into the `Tracer` method that serves it
//! (good pointers only: the typed API cannot be handed a bad one).

use crate::cface::Lib;
use crate::util;
use bsdtrace::abi::*;
use bsdtrace::{Lwpid, Pid, Resume, Target, Tracer, WaitOptions, WaitStatus};

/// How a wait is asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitHow {
    /// waitpid(sel, WNOHANG?)
    Waitpid,
    /// wait4(sel, .., &rusage)
    Wait4Rusage,
    /// waitid(P_PID/P_ALL, WEXITED | WTRAPPED)
    Waitid,
    /// waitid(..., WCONTINUED) alone: reports nothing a tracer cares about
    /// (issue 11 #9: must not count as collecting a stop).
    WaitidContinuedOnly,
}

/// What a wait returned: `None` for nothing (WNOHANG), else (pid, status).
pub type WaitResult = Result<Option<(i32, WaitStatus)>, i32>;

pub trait Face {
    fn name(&self) -> &'static str;
    /// A forked child that does PT_TRACE_ME and execs the tracee with
    /// `args`; returns its pid (its first stop, the exec, comes to wait).
    fn spawn_traceme(&mut self, args: &[&str]) -> i32;
    fn ptrace(&mut self, req: i32, pid: i32, addr: usize, data: i32) -> Result<i32, i32>;
    fn wait(&mut self, sel: i32, nohang: bool, how: WaitHow) -> WaitResult;
    /// Stop a running traced process the way a FreeBSD debugger does
    /// (the C face: kill(SIGSTOP); the Rust face: `Tracer::interrupt`).
    fn stop(&mut self, pid: i32) -> Result<(), i32>;
    /// `procctl(idtype, id, cmd, data)` (the C face only).
    fn procctl(&mut self, _idtype: i32, _id: i32, _cmd: i32, _data: usize) -> Result<(), i32> {
        Err(libc::ENOTSUP)
    }
    /// Requests this face can be given (the Rust face has no raw numbers
    /// for unknown requests, no bad pointers).
    fn raw_pointers(&self) -> bool;
}

fn decode(st: i32) -> WaitStatus {
    if libc::WIFSTOPPED(st) && (st >> 16) == 0 {
        // A debugger stop looks like a job-control stop in the raw word;
        // the suite only asks without WUNTRACED, so it is a debugger stop.
        WaitStatus::Stopped(libc::WSTOPSIG(st))
    } else {
        WaitStatus::from_raw(st)
    }
}

// ---- the C face -------------------------------------------------------------

pub struct CFace {
    pub lib: Lib,
}

impl CFace {
    pub fn new() -> Result<CFace, String> {
        Ok(CFace { lib: Lib::open()? })
    }
}

impl Face for CFace {
    fn name(&self) -> &'static str {
        "c"
    }

    fn spawn_traceme(&mut self, args: &[&str]) -> i32 {
        let lib = self.lib;
        util::spawn_synced(args, move || lib.ptrace(PT_TRACE_ME, 0, 0, 0).is_ok())
    }

    fn ptrace(&mut self, req: i32, pid: i32, addr: usize, data: i32) -> Result<i32, i32> {
        self.lib.ptrace(req, pid, addr, data)
    }

    fn wait(&mut self, sel: i32, nohang: bool, how: WaitHow) -> WaitResult {
        let nh = if nohang { libc::WNOHANG } else { 0 };
        let mut st: i32 = 0;
        match how {
            WaitHow::Waitpid | WaitHow::Wait4Rusage => {
                // SAFETY: a zeroed rusage is valid.
                let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
                let rp = if how == WaitHow::Wait4Rusage { &mut ru as *mut _ as usize } else { 0 };
                match self.lib.wait4(sel, nh, &mut st as *mut i32 as usize, rp)? {
                    0 => Ok(None),
                    p => Ok(Some((p, decode(st)))),
                }
            }
            WaitHow::Waitid | WaitHow::WaitidContinuedOnly => {
                let (idt, id) = if sel > 0 { (libc::P_PID, sel as u32) } else { (libc::P_ALL, 0) };
                let opts = if how == WaitHow::Waitid { libc::WEXITED | crate::fuzz::WTRAPPED } else { libc::WCONTINUED };
                // SAFETY: a zeroed siginfo is valid.
                let mut si: libc::siginfo_t = unsafe { std::mem::zeroed() };
                self.lib.waitid(idt, id, &mut si as *mut _ as usize, opts | nh)?;
                // SAFETY: the SIGCHLD fields.
                let (pid, status) = unsafe { (si.si_pid(), si.si_status()) };
                if pid == 0 {
                    return Ok(None);
                }
                let ws = match si.si_code {
                    libc::CLD_EXITED => WaitStatus::Exited(status),
                    libc::CLD_KILLED => WaitStatus::Signaled { sig: status, core: false },
                    libc::CLD_DUMPED => WaitStatus::Signaled { sig: status, core: true },
                    libc::CLD_TRAPPED => WaitStatus::Stopped(status),
                    libc::CLD_STOPPED => WaitStatus::JobStopped(status),
                    _ => WaitStatus::Continued,
                };
                Ok(Some((pid, ws)))
            }
        }
    }

    fn stop(&mut self, pid: i32) -> Result<(), i32> {
        // SAFETY: plain system call.
        if unsafe { libc::kill(pid, libc::SIGSTOP) } == 0 {
            Ok(())
        } else {
            Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
        }
    }

    fn raw_pointers(&self) -> bool {
        true
    }

    fn procctl(&mut self, idtype: i32, id: i32, cmd: i32, data: usize) -> Result<(), i32> {
        self.lib.procctl(idtype as libc::idtype_t, id as u32, cmd, data)
    }
}

// ---- the Rust face ------------------------------------------------------------

pub struct RustFace {
    pub t: Tracer,
}

impl RustFace {
    pub fn new() -> RustFace {
        RustFace { t: Tracer::new() }
    }
}

impl Default for RustFace {
    fn default() -> Self {
        Self::new()
    }
}

fn target(pid: i32) -> Target {
    if pid > LWPID_BASE {
        Target::Lwp(Lwpid(pid - LWPID_BASE))
    } else {
        Target::Proc(Pid(pid))
    }
}

fn err(e: bsdtrace::Error) -> i32 {
    e.errno().0
}

/// Read a `T` from our own memory at `addr` (a good pointer: the fuzzer
/// gives the Rust face no other).
fn read_at<T: Copy>(addr: usize) -> T {
    // SAFETY: the caller's buffer, valid and large enough by construction.
    unsafe { std::ptr::read_unaligned(addr as *const T) }
}

fn write_at<T: Copy>(addr: usize, v: &T) {
    // SAFETY: as read_at.
    unsafe { std::ptr::write_unaligned(addr as *mut T, *v) }
}

/// A request that fills `*addr`: what it got is written there, 0 returned;
/// an error writes nothing.
fn out<T: Copy>(addr: usize, r: bsdtrace::Result<T>) -> Result<i32, i32> {
    write_at(addr, &r.map_err(err)?);
    Ok(0)
}

impl Face for RustFace {
    fn name(&self) -> &'static str {
        "rust"
    }

    fn spawn_traceme(&mut self, args: &[&str]) -> i32 {
        util::spawn_synced(args, || bsdtrace::trace_me().is_ok())
    }

    fn ptrace(&mut self, req: i32, pid: i32, addr: usize, data: i32) -> Result<i32, i32> {
        let t = &mut self.t;
        let tg = target(pid);
        let ok = |r: bsdtrace::Result<()>| r.map(|()| 0).map_err(err);
        match req {
            PT_READ_I | PT_READ_D => t.peek(tg, addr as u64).map_err(err),
            PT_WRITE_I | PT_WRITE_D => ok(t.poke(tg, addr as u64, data)),
            PT_CONTINUE | PT_STEP | PT_TO_SCE | PT_TO_SCX | PT_SYSCALL => {
                let how = match req {
                    PT_CONTINUE => Resume::Continue,
                    PT_STEP => Resume::Step,
                    PT_TO_SCE => Resume::ToSce,
                    PT_TO_SCX => Resume::ToScx,
                    _ => Resume::Syscall,
                };
                let at = (addr != 1 && req != PT_STEP).then_some(addr as u64);
                ok(t.resume(tg, how, at, data))
            }
            PT_KILL => ok(t.kill(tg)),
            PT_ATTACH => t.attach(tg).map(|_| 0).map_err(err),
            PT_DETACH => ok(t.detach(tg, data)),
            PT_IO => {
                let mut io: ptrace_io_desc = read_at(addr);
                let write = match io.piod_op {
                    PIOD_READ_D | PIOD_READ_I => false,
                    PIOD_WRITE_D | PIOD_WRITE_I => true,
                    _ => {
                        t.selected_lwp(tg).map_err(err)?;
                        return Err(libc::EINVAL);
                    }
                };
                if io.piod_len > isize::MAX as usize {
                    t.selected_lwp(tg).map_err(err)?;
                    return Err(libc::EINVAL);
                }
                // SAFETY: a buffer of ours of piod_len bytes.
                let local = unsafe { std::slice::from_raw_parts_mut(io.piod_addr as *mut u8, io.piod_len) };
                let r = if write {
                    t.write_memory(tg, io.piod_offs as u64, local)
                } else {
                    t.read_memory(tg, io.piod_offs as u64, local)
                };
                r.map_err(err)?;
                io.piod_len = local.len();
                write_at(addr, &io);
                Ok(0)
            }
            PT_LWPINFO => {
                t.selected_lwp(tg).map_err(err)?;
                if data <= 0 || data as usize > std::mem::size_of::<ptrace_lwpinfo>() {
                    return Err(libc::EINVAL);
                }
                let pl = t.lwpinfo(tg).map_err(err)?.to_abi();
                write_at(addr, &pl);
                Ok(0)
            }
            PT_GETNUMLWPS => t.num_lwps(tg).map(|n| n as i32).map_err(err),
            PT_GETLWPLIST => {
                let l = t.lwp_list(tg).map_err(err)?;
                if data <= 0 {
                    return Err(libc::EINVAL);
                }
                let n = l.len().min(data as usize);
                for (i, id) in l[..n].iter().enumerate() {
                    write_at(addr + 4 * i, &(id.0 + LWPID_BASE));
                }
                Ok(n as i32)
            }
            PT_CLEARSTEP => ok(t.clear_step(tg)),
            PT_SETSTEP => ok(t.set_step(tg)),
            PT_SUSPEND => ok(t.suspend(tg)),
            PT_RESUME => ok(t.unsuspend(tg)),
            PT_FOLLOW_FORK => ok(t.follow_fork(tg, data != 0)),
            PT_LWP_EVENTS => ok(t.lwp_events(tg, data != 0)),
            PT_GET_EVENT_MASK => out(addr, t.event_mask(tg)),
            PT_SET_EVENT_MASK => ok(t.set_event_mask(tg, read_at(addr))),
            PT_GET_SC_ARGS => out(addr, t.sc_args(tg).map(|a| a.args)),
            PT_GET_SC_RET => out(addr, t.sc_ret(tg)),
            PT_GETREGS => out(addr, t.get_regs(tg)),
            PT_SETREGS => ok(t.set_regs(tg, &read_at(addr))),
            PT_GETFPREGS => out(addr, t.get_fpregs(tg)),
            PT_SETFPREGS => ok(t.set_fpregs(tg, &read_at(addr))),
            PT_GETDBREGS => out(addr, t.get_dbregs(tg)),
            PT_SETDBREGS => ok(t.set_dbregs(tg, &read_at(addr))),
            PT_VM_TIMESTAMP => t.vm_timestamp(tg).map_err(err),
            PT_VM_ENTRY => {
                let mut pve: ptrace_vm_entry = read_at(addr);
                let v = t.vm_entry(tg, pve.pve_entry).map_err(err)?;
                pve.pve_entry = v.entry;
                pve.pve_start = v.start;
                pve.pve_end = v.end;
                write_at(addr, &pve);
                Ok(0)
            }
            PT_SC_REMOTE => {
                let raw: [u64; 5] = read_at(addr);
                let nargs = (raw[3] >> 32) as usize;
                let args: Vec<u64> = (0..nargs).map(|i| read_at::<u64>(raw[4] as usize + 8 * i)).collect();
                let r = t.remote_syscall(tg, raw[3] & 0xffff_ffff, &args).map_err(err)?;
                write_at(addr, &r);
                Ok(0)
            }
            PT_GETFSBASE => out(addr, t.get_fsbase(tg)),
            PT_GETGSBASE => out(addr, t.get_gsbase(tg)),
            PT_GETXSTATE_INFO => {
                t.xstate_info(tg).map_err(err)?;
                // The C face's size check (the typed call has no size).
                if data != 16 {
                    return Err(libc::EINVAL);
                }
                Ok(0)
            }
            PT_COREDUMP => {
                let pc: ptrace_coredump = read_at(addr);
                ok(t.coredump_raw(tg, pc.pc_fd, pc.pc_flags, pc.pc_limit as u64))
            }
            _ => Err(libc::ENOTSUP),
        }
    }

    fn wait(&mut self, sel: i32, nohang: bool, how: WaitHow) -> WaitResult {
        let opts = WaitOptions { nohang, ..WaitOptions::BLOCK };
        let r = match how {
            WaitHow::Wait4Rusage => self.t.wait_rusage(sel, opts).map(|o| o.map(|(p, s, _)| (p, s))),
            _ => self.t.wait(sel, opts),
        };
        r.map(|o| o.map(|(p, s)| (p.0, s))).map_err(err)
    }

    fn stop(&mut self, pid: i32) -> Result<(), i32> {
        self.t.interrupt(Target::Proc(Pid(pid))).map(drop).map_err(err)
    }

    fn raw_pointers(&self) -> bool {
        false
    }
}

/// Requests the Rust face translates.
pub const RUST_REQUESTS: &[i32] = &[
    PT_READ_D, PT_WRITE_D, PT_CONTINUE, PT_STEP, PT_TO_SCE, PT_TO_SCX, PT_SYSCALL, PT_KILL, PT_ATTACH, PT_DETACH, PT_IO,
    PT_LWPINFO, PT_GETNUMLWPS, PT_GETLWPLIST, PT_CLEARSTEP, PT_SETSTEP, PT_SUSPEND, PT_RESUME, PT_FOLLOW_FORK,
    PT_LWP_EVENTS, PT_GET_EVENT_MASK, PT_SET_EVENT_MASK, PT_GET_SC_ARGS, PT_GET_SC_RET, PT_GETREGS, PT_SETREGS,
    PT_GETFPREGS, PT_SETFPREGS, PT_GETDBREGS, PT_SETDBREGS, PT_VM_TIMESTAMP, PT_VM_ENTRY, PT_SC_REMOTE, PT_GETFSBASE,
    PT_GETGSBASE, PT_GETXSTATE_INFO, PT_COREDUMP,
];

