//! What the fuzzer draws from its seed: the target of a request, the
//! request, and its arguments (good and bad pointers, sizes, signals)
//! with the answers FreeBSD allows for them.

use super::{Class, Exp, Fuzz, St, KERNEL, UNMAPPED};
use crate::face::RUST_REQUESTS;
use crate::util;
use bsdtrace::abi::*;

impl Fuzz<'_> {
    pub(super) fn pick_target(&mut self, req: i32) -> (i32, Class) {
        let raw = self.face.raw_pointers();
        let traced = self.traced();
        let r = self.rng.u32(..100);
        let pick = |rng: &mut fastrand::Rng, v: &[i32]| v[rng.usize(..v.len())];
        if r < 55 && !traced.is_empty() {
            let pid = pick(&mut self.rng, &traced);
            return (pid, Class::Traced(pid));
        }
        if r < 65 && !traced.is_empty() {
            let pid = pick(&mut self.rng, &traced);
            let lwps = self.procs[&pid].lwps.clone();
            if !lwps.is_empty() {
                let l = pick(&mut self.rng, &lwps);
                if raw && self.rng.u32(..4) == 0 {
                    return (l - LWPID_BASE, Class::Traced(pid));
                }
                return (l, Class::Traced(pid));
            }
            return (pid, Class::Traced(pid));
        }
        // (Avoid 13: PT_ATTACH racing the target's own execve answers
        // EPERM; a tracee we detached runs the fuzz mode, which execs.)
        let no_exec = req == PT_ATTACH && self.avoid.contains(&13);
        let untraced: Vec<i32> = self.procs.iter().filter(|(_, p)| p.st == St::Untraced && !p.other && !(no_exec && p.may_exec)).map(|(k, _)| *k).collect();
        if r < 73 && !untraced.is_empty() {
            let pid = pick(&mut self.rng, &untraced);
            return (pid, Class::Untraced(pid));
        }
        // The other tracer may have gone (we may have attached to it and
        // killed it): its child is then simply untraced.
        for (pid, p) in self.procs.iter_mut() {
            // (Its tracer is its parent, the helper; once the helper is
            // gone it is re-parented, and may be attached by us since.)
            if p.other && util::proc_info(*pid).is_none_or(|i| i.tracer == 0 || i.tracer != i.ppid) {
                p.other = false;
                p.child = false;
                p.sandboxed = false;
            }
        }
        let others: Vec<i32> = self.procs.iter().filter(|(_, p)| p.other).map(|(k, _)| *k).collect();
        if r < 77 && !others.is_empty() {
            let pid = pick(&mut self.rng, &others);
            return (pid, Class::Other(pid));
        }
        if r < 82 && !(req == PT_ATTACH && self.who == "root") {
            let pid = pick(&mut self.rng, &self.foreign.clone());
            return (pid, Class::Foreign(pid));
        }
        if r < 85 {
            return (self.me, Class::Myself);
        }
        if r < 91 && !self.dead.is_empty() && req != PT_ATTACH {
            let pid = pick(&mut self.rng, &self.dead.clone());
            return (pid, Class::Dead(pid));
        }
        // Ids that name nothing: above pid_max, but below the C face's LWP
        // ids (tid + LWPID_BASE) when pid_max leaves room (at Linux's
        // largest pid_max, 4194304 = LWPID_BASE, pid_max + 49 is the LWP
        // id of tid 49, a kernel thread: EINVAL, not ESRCH; long-form R1
        // seeds 166-167 while pid_max was raised), and LWP ids of tids
        // above pid_max.
        let above = if self.pid_max < LWPID_BASE - 1000 { self.pid_max + 1 + self.rng.i32(..1000) } else { i32::MIN + 1 };
        let nothing = [0, -1, i32::MIN, above, LWPID_BASE.saturating_add(self.pid_max).saturating_add(1 + self.rng.i32(..1000))];
        let pid = nothing[self.rng.usize(..if raw { nothing.len() } else { 4 })];
        (if req == PT_ATTACH && pid <= 0 { self.pid_max + 7 } else { pid }, Class::Nothing)
    }

    pub(super) fn pick_request(&mut self) -> i32 {
        const COMMON: &[i32] = &[
            PT_READ_D, PT_READ_I, PT_WRITE_D, PT_CONTINUE, PT_CONTINUE, PT_CONTINUE, PT_SYSCALL, PT_SYSCALL, PT_STEP, PT_TO_SCE,
            PT_TO_SCX, PT_IO, PT_IO, PT_LWPINFO, PT_LWPINFO, PT_GETNUMLWPS, PT_GETLWPLIST, PT_GETLWPLIST, PT_CLEARSTEP,
            PT_SETSTEP, PT_RESUME, PT_FOLLOW_FORK, PT_LWP_EVENTS, PT_GET_EVENT_MASK, PT_SET_EVENT_MASK, PT_GET_SC_ARGS,
            PT_GET_SC_RET, PT_GETREGS, PT_GETREGS, PT_SETREGS, PT_GETFPREGS, PT_SETFPREGS, PT_GETDBREGS, PT_SETDBREGS,
            PT_VM_TIMESTAMP, PT_VM_ENTRY, PT_VM_ENTRY, PT_SC_REMOTE, PT_GETFSBASE, PT_GETGSBASE, PT_GETXSTATE_INFO,
            PT_ATTACH, PT_ATTACH, PT_GETREGSET, PT_GETXSTATE,
        ];
        const UNKNOWN: &[i32] = &[3, 6, 30, 31, 32, 39, 45, 46, 50, 63, 64, 65, 67, 75, 100, 127, 128, 150, 191, 192, 1000, -1, i32::MAX];
        let r = self.rng.u32(..1000);
        let req = match r {
            0..=9 => PT_KILL,
            10..=17 => PT_DETACH,
            18..=20 => PT_SUSPEND,
            21..=24 => PT_COREDUMP,
            25..=34 => UNKNOWN[self.rng.usize(..UNKNOWN.len())],
            35..=39 => PT_SETREGSET,
            40..=42 => PT_SETFSBASE,
            43..=44 => PT_SETXSTATE,
            _ => COMMON[self.rng.usize(..COMMON.len())],
        };
        if std::env::var("BSDTRACE_FAULT_SKIP").is_ok_and(|v| v.split(',').any(|x| x.parse() == Ok(req))) {
            return PT_GETNUMLWPS;
        }
        if !self.face.raw_pointers() && !RUST_REQUESTS.contains(&req) {
            return PT_GETNUMLWPS;
        }
        req
    }

    /// A pointer to `size` bytes for the library to read or write: ours
    /// (good), or NULL / unmapped / kernel / read-only. Returns (addr, good
    /// for reading, good for writing).
    pub(super) fn ptr(&mut self, size: usize) -> (usize, bool, bool) {
        let good = self.out.as_mut_ptr() as usize;
        assert!(size <= self.out.len() * 8);
        if !self.face.raw_pointers() || self.rng.u32(..100) < 88 {
            return (good, true, true);
        }
        match self.rng.u32(..4) {
            0 => (0, false, false),
            1 => (UNMAPPED as usize, false, false),
            2 => (KERNEL as usize, false, false),
            _ => (self.ro_page, true, false),
        }
    }

    pub(super) fn struct_in<T: Copy>(&mut self, v: T) -> (usize, bool) {
        let base = self.buf.as_mut_ptr() as usize;
        // SAFETY: buf is large enough for every struct we build.
        unsafe { std::ptr::write_unaligned(base as *mut T, v) };
        if !self.face.raw_pointers() || self.rng.u32(..100) < 92 {
            return (base, true);
        }
        match self.rng.u32(..3) {
            0 => (0, false),
            1 => (UNMAPPED as usize, false),
            _ => (KERNEL as usize, false),
        }
    }

    pub(super) fn sig(&mut self) -> i32 {
        match self.rng.u32(..100) {
            0..=59 => 0,
            60..=79 => libc::SIGUSR1,
            80..=84 => libc::SIGTRAP,
            85..=89 => self.rng.i32(1..=64),
            90..=94 => self.rng.i32(65..=128),
            95..=97 => self.rng.i32(129..=1000),
            _ => -self.rng.i32(1..=100),
        }
    }

    pub(super) fn tracee_addr(&mut self, len: u64) -> (u64, bool) {
        match self.rng.u32(..10) {
            0..=6 => (self.a.scratch + self.rng.u64(..self.a.scratch_len - len.max(8)), true),
            7 => (0x1000, false),
            8 => (UNMAPPED, false),
            _ => (KERNEL, false),
        }
    }

    /// Build the arguments of `req`; returns (addr, data, FreeBSD's
    /// pre-lookup error if any, the body's allowed answers).
    pub(super) fn args(&mut self, req: i32, tpid: i32) -> (usize, i32, Option<i32>, Exp) {
        match req {
            PT_READ_I | PT_READ_D => {
                let (at, good) = self.tracee_addr(4);
                (at as usize, 0, None, if good { Exp::ok() } else { Exp::err(libc::ENOMEM) })
            }
            PT_WRITE_I | PT_WRITE_D => {
                let (at, good) = self.tracee_addr(4);
                (at as usize, self.rng.i32(..), None, if good { Exp::ok() } else { Exp::err(libc::ENOMEM) })
            }
            PT_CONTINUE | PT_STEP | PT_TO_SCE | PT_TO_SCX | PT_SYSCALL | PT_DETACH => {
                let addr = match self.rng.u32(..20) {
                    0 => self.a.scratch as usize,
                    1 => self.rng.u64(..) as usize,
                    _ => 1,
                };
                let sig = self.sig();
                let mut e = if (0..=64).contains(&sig) { Exp::ok() } else { Exp::err(libc::EINVAL) };
                if addr != 1 && req != PT_STEP && req != PT_DETACH && e.ok {
                    e = e.or(libc::EINVAL);
                }
                (if req == PT_DETACH { 1 } else { addr }, sig, None, e)
            }
            PT_KILL => (0, 0, None, Exp::ok()),
            PT_ATTACH => (0, 0, None, Exp::ok()),
            PT_IO => {
                let op = if self.rng.u32(..10) == 0 { self.rng.i32(-2..10) } else { self.rng.i32(1..=4) };
                let len = match self.rng.u32(..20) {
                    0 => 0,
                    1 => usize::MAX - self.rng.usize(..3),
                    _ => self.rng.usize(1..=4096),
                };
                let (offs, good_remote) = match self.rng.u32(..10) {
                    0 => (UNMAPPED, false),
                    _ => (self.a.scratch + self.rng.u64(..self.a.scratch_len - 4096), true),
                };
                let (local, lr, lw) = self.ptr(4096);
                let write = op == PIOD_WRITE_D || op == PIOD_WRITE_I;
                let io = ptrace_io_desc { piod_op: op, piod_offs: offs as *mut _, piod_addr: local as *mut _, piod_len: len };
                let (addr, sgood) = self.struct_in(io);
                let pre = (!sgood).then_some(libc::EFAULT);
                let e = if !(1..=4).contains(&op) || len > isize::MAX as usize {
                    Exp::err(libc::EINVAL)
                } else if len == 0 {
                    Exp::ok()
                } else if (write && !lr) || (!write && !lw) {
                    let e = Exp::err(libc::EFAULT);
                    if good_remote { e } else { e.or(libc::ENOMEM) }
                } else if !good_remote {
                    Exp::err(libc::EFAULT).or(libc::ENOMEM)
                } else {
                    Exp::ok()
                };
                (addr, 0, pre, e)
            }
            PT_LWPINFO => {
                let size = std::mem::size_of::<ptrace_lwpinfo>() as i32;
                let data = match self.rng.u32(..20) {
                    0 => 0,
                    1 => -self.rng.i32(1..100),
                    2 => size + self.rng.i32(1..100),
                    3 => self.rng.i32(1..size),
                    _ => size,
                };
                let (addr, _, w) = self.ptr(size as usize);
                let e = if data <= 0 || data > size { Exp::err(libc::EINVAL) } else if !w { Exp::err(libc::EFAULT) } else { Exp::ok() };
                (addr, data, None, e)
            }
            PT_GETNUMLWPS | PT_CLEARSTEP | PT_SETSTEP | PT_SUSPEND | PT_RESUME | PT_VM_TIMESTAMP => (0, 0, None, Exp::ok()),
            PT_FOLLOW_FORK | PT_LWP_EVENTS => (0, self.rng.i32(-1..=2), None, Exp::ok()),
            PT_GETLWPLIST => {
                let data = if self.rng.u32(..15) == 0 { -self.rng.i32(0..5) } else { self.rng.i32(1..=64) };
                let (addr, _, w) = self.ptr(256);
                let e = if data <= 0 { Exp::err(libc::EINVAL) } else if !w { Exp::err(libc::EFAULT) } else { Exp::ok() };
                (addr, data, None, e)
            }
            PT_GET_EVENT_MASK => {
                let data = if self.rng.u32(..10) == 0 { self.rng.i32(-4..16) } else { 4 };
                let (addr, _, w) = self.ptr(4);
                let pre = (data != 4).then_some(libc::EINVAL);
                (addr, data, pre, if w { Exp::ok() } else { Exp::err(libc::EFAULT) })
            }
            PT_SET_EVENT_MASK => {
                let data = if self.rng.u32(..10) == 0 { self.rng.i32(-4..16) } else { 4 };
                let all = PTRACE_EXEC | PTRACE_SCE | PTRACE_SCX | PTRACE_FORK | PTRACE_LWP | PTRACE_VFORK;
                let mask = if self.rng.u32(..8) == 0 { self.rng.i32(..) | 0x40 } else { self.rng.i32(..) & all };
                let (addr, good) = self.struct_in(mask);
                let pre = if data != 4 {
                    Some(libc::EINVAL)
                } else if !good {
                    Some(libc::EFAULT)
                } else {
                    None
                };
                (addr, data, pre, if mask & !all != 0 { Exp::err(libc::EINVAL) } else { Exp::ok() })
            }
            PT_GET_SC_ARGS | PT_GET_SC_RET => {
                let data = match self.rng.u32(..10) {
                    0 => 0,
                    1 => 8,
                    _ => 64,
                };
                let (addr, _, w) = self.ptr(64);
                let mut e = Exp::ok().or(libc::EINVAL);
                if !w && data != 0 {
                    e = Exp::err(libc::EINVAL).or(libc::EFAULT);
                }
                (addr, data, None, e)
            }
            PT_COREDUMP => {
                let size = std::mem::size_of::<ptrace_coredump>() as i32;
                let data = if self.rng.u32(..10) == 0 { self.rng.i32(0..64) } else { size };
                use std::os::fd::AsRawFd;
                let (fd, fe) = match self.rng.u32(..10) {
                    0 => (-1, Some(libc::EBADF)),
                    1 => (9999, Some(libc::EBADF)),
                    2 | 3 => (self.devnull.as_raw_fd(), Some(libc::EPIPE)),
                    _ => (self.core_file.as_raw_fd(), None),
                };
                let flags = if self.rng.u32(..10) == 0 { 0x100 } else { self.rng.u32(..4) };
                let limit = if self.rng.u32(..8) == 0 { 0 } else { 4096 };
                let pc = ptrace_coredump { pc_fd: fd, pc_flags: flags, pc_limit: limit };
                let (addr, good) = self.struct_in(pc);
                let pre = if data != size {
                    Some(libc::EINVAL)
                } else if !good {
                    Some(libc::EFAULT)
                } else {
                    None
                };
                let e = if flags & !3 != 0 {
                    Exp::err(libc::EINVAL)
                } else if let Some(e) = fe {
                    Exp::err(e)
                } else if limit != 0 {
                    Exp::err(libc::EFAULT)
                } else {
                    let _ = self.core_file.set_len(0);
                    Exp::ok()
                };
                (addr, data, pre, e)
            }
            PT_GETREGS | PT_GETFPREGS | PT_GETDBREGS | PT_GETFSBASE | PT_GETGSBASE => {
                let (addr, _, w) = self.ptr(512);
                (addr, 0, None, if w { Exp::ok() } else { Exp::err(libc::EFAULT) })
            }
            PT_SETREGS => {
                let mut r = reg::default();
                let _ = self.face.ptrace(PT_GETREGS, tpid, &mut r as *mut reg as usize, 0);
                match self.rng.u32(..10) {
                    0 => r.r_rip = self.rng.i64(..),
                    1 => r.r_rflags = self.rng.i64(..),
                    2 => r.r_cs = self.rng.i64(..),
                    3 => r.r_ss = self.rng.i64(0..64),
                    4 => r.r_rsp = self.rng.i64(..),
                    5 => r.r_rbx ^= 1 << self.rng.u32(..64),
                    _ => {}
                }
                let (addr, good) = self.struct_in(r);
                (addr, 0, (!good).then_some(libc::EFAULT), Exp::ok().or(libc::EINVAL))
            }
            PT_SETFPREGS => {
                let mut f = fpreg::default();
                let _ = self.face.ptrace(PT_GETFPREGS, tpid, &mut f as *mut fpreg as usize, 0);
                if self.rng.u32(..4) == 0 {
                    f.fpr_env[3] = self.rng.u64(..);
                }
                let (addr, good) = self.struct_in(f);
                (addr, 0, (!good).then_some(libc::EFAULT), Exp::ok().or(libc::EINVAL))
            }
            PT_SETDBREGS => {
                let mut d = dbreg::default();
                match self.rng.u32(..4) {
                    0 | 1 => {}
                    2 => {
                        d.dr[0] = self.a.scratch;
                        d.dr[7] = dbreg_dr7_set(0, DBREG_DR7_LEN_4, DBREG_DR7_WRONLY, DBREG_DR7_LOCAL_ENABLE);
                    }
                    _ => {
                        for x in d.dr.iter_mut() {
                            *x = self.rng.u64(..);
                        }
                    }
                }
                let (addr, good) = self.struct_in(d);
                (addr, 0, (!good).then_some(libc::EFAULT), Exp::ok().or(libc::EINVAL))
            }
            PT_VM_ENTRY => {
                let (path, _, pw) = self.ptr(256);
                let pve = ptrace_vm_entry {
                    pve_entry: if self.rng.u32(..8) == 0 { self.rng.i32(..) } else { self.rng.i32(0..40) },
                    pve_timestamp: 0,
                    pve_start: 0,
                    pve_end: 0,
                    pve_offset: 0,
                    pve_prot: 0,
                    pve_pathlen: [0, 0, 4, 256][self.rng.usize(..4)],
                    pve_fileid: 0,
                    pve_fsid: 0,
                    pve_path: path as *mut _,
                };
                let want_path = pve.pve_pathlen > 0;
                let (addr, good) = self.struct_in(pve);
                let mut e = Exp::ok().or(libc::EINVAL).or(libc::ENOENT).or(libc::ENAMETOOLONG);
                if want_path && !pw {
                    e = e.or(libc::EFAULT);
                }
                (addr, 0, (!good).then_some(libc::EFAULT), e)
            }
            PT_GETREGSET | PT_SETREGSET => {
                let nt = [1, 2, 7, 0x202, 0x200, 17, 0, -1][self.rng.usize(..8)];
                let (base, r, w) = self.ptr(4096);
                let base = if self.rng.u32(..8) == 0 { 0 } else { base };
                let len = if self.rng.u32(..4) == 0 { self.rng.u64(..5000) } else { 216 };
                let (addr, good) = self.struct_in([base as u64, len]);
                let mut e = Exp::ok().or(libc::EINVAL);
                if (req == PT_GETREGSET && !w) || (req == PT_SETREGSET && !r) || base == 0 {
                    e = e.or(libc::EFAULT);
                }
                (addr, nt, (!good).then_some(libc::EFAULT), e)
            }
            PT_SC_REMOTE => {
                let sandboxed = self.procs.values().all(|p| p.sandboxed);
                let mut calls = vec![39u32, 110, 186, 24, 102, 1000, 35];
                if sandboxed {
                    calls.push(62);
                }
                let nr = if self.rng.u32(..200) == 0 { 231 } else { calls[self.rng.usize(..calls.len())] };
                let nargs: u32 = if self.rng.u32(..20) == 0 { self.rng.u32(7..12) } else { self.rng.u32(0..=6) };
                let args = [0u64; 12];
                let (argp, ar, _) = self.ptr(96);
                // SAFETY: out is larger than 96 bytes.
                if argp == self.out.as_ptr() as usize {
                    self.out[..12].copy_from_slice(&args);
                }
                let raw: [u64; 5] = [0, 0, 0, (nr as u64) | ((nargs as u64) << 32), argp as u64];
                let data = if self.rng.u32(..15) == 0 { self.rng.i32(0..64) } else { 40 };
                let (addr, good) = self.struct_in(raw);
                let pre = if data != 40 {
                    Some(libc::EINVAL)
                } else if !good {
                    Some(libc::EFAULT)
                } else if nargs > 8 {
                    Some(libc::EINVAL)
                } else if nargs > 0 && !ar {
                    Some(libc::EFAULT)
                } else {
                    None
                };
                (addr, data, pre, Exp::ok().or(libc::EBUSY).or(libc::EFAULT))
            }
            PT_GETXSTATE_INFO => {
                let data = if self.rng.u32(..8) == 0 { self.rng.i32(0..32) } else { 16 };
                let (addr, _, w) = self.ptr(16);
                let e = if data != 16 { Exp::err(libc::EINVAL) } else if !w { Exp::err(libc::EFAULT) } else { Exp::ok() };
                (addr, data, None, e)
            }
            PT_GETXSTATE => {
                let data = if self.rng.u32(..8) == 0 { -1 } else { self.rng.i32(0..4096) };
                let (addr, _, w) = self.ptr(4096);
                let e = if data < 0 { Exp::err(libc::EINVAL) } else if !w && data > 0 { Exp::err(libc::EFAULT) } else { Exp::ok() };
                (addr, data, None, e)
            }
            PT_SETXSTATE => {
                let (addr, r, _) = self.ptr(4096);
                let data = self.rng.i32(-1..4096);
                let mut e = Exp::ok().or(libc::EINVAL);
                if !r {
                    e = e.or(libc::EFAULT);
                }
                (addr, data, None, e)
            }
            PT_SETFSBASE | PT_SETGSBASE => {
                let mut v = 0u64;
                let _ = self.face.ptrace(if req == PT_SETFSBASE { PT_GETFSBASE } else { PT_GETGSBASE }, tpid, &mut v as *mut u64 as usize, 0);
                if self.rng.u32(..4) == 0 {
                    v = self.rng.u64(..);
                }
                let (addr, r, _) = self.ptr(8);
                // SAFETY: addr is ours when readable and not the ro page.
                if addr == self.out.as_ptr() as usize {
                    self.out[0] = v;
                }
                let e = if r { Exp::ok().or(libc::EINVAL) } else { Exp::err(libc::EFAULT) };
                (addr, 0, None, e)
            }
            128..=191 => (0, 0, Some(libc::EINVAL), Exp::err(libc::EINVAL)),
            _ => (0, self.rng.i32(..), None, Exp::err(libc::EINVAL)),
        }
    }
}
