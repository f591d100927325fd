//! Registers of a stopped thread: gdb's `g` image over the engine's
//! FreeBSD register sets and XSAVE area, in the program's layout; and its
//! siginfo.

use super::*;

impl Inferiors {
    // ---- registers ----

    /// The `g` image of a stopped thread (cached for the stop), in Linux's
    /// raw view: at syscall stops the engine gives FreeBSD's convention
    /// (syscall number in rax at entry, errno and carry at exit), which
    /// this undoes.
    pub fn g_image(&mut self, p: Ptid) -> Result<Vec<u8>, Error> {
        if let Some(g) = self.gcache.get(&p.tid) {
            return Ok(g.clone());
        }
        let t = T::Lwp(Lwpid(p.tid));
        let mut r = self.tracer.get_regs(t)?;
        let f = self.tracer.get_fpregs(t)?;
        let orig = bsdtrace::sys::peekuser(p.tid, ORIG_RAX_OFFSET).unwrap_or(u64::MAX);
        match self.tracer.stop_event(t).map(|e| e.1) {
            Ok(Some(Event::SyscallEntry)) => r.r_rax = -ENOSYS,
            Ok(Some(Event::SyscallExit)) => {
                if r.r_rflags & bsdtrace::abi::PSL_C != 0 {
                    r.r_rax = -r.r_rax;
                }
                // The user's carry flag, as `syscall` saved it in r11.
                r.r_rflags = (r.r_rflags & !bsdtrace::abi::PSL_C) | (r.r_r11 & bsdtrace::abi::PSL_C);
            }
            _ => {}
        }
        let fs = self.tracer.get_fsbase(t).unwrap_or(0);
        let gs = self.tracer.get_gsbase(t).unwrap_or(0);
        let g = arch::g_image(&r, &f, orig, fs, gs);
        self.gcache.insert(p.tid, g.clone());
        Ok(g)
    }

    pub fn set_g_image(&mut self, p: Ptid, g: &[u8]) -> Result<(), Error> {
        let old = self.g_image(p)?;
        if old.as_slice() == g {
            return Ok(());
        }
        self.gcache.remove(&p.tid);
        let t = T::Lwp(Lwpid(p.tid));
        let mut r = self.tracer.get_regs(t)?;
        let mut f = self.tracer.get_fpregs(t)?;
        let (orig, fs, gs) = arch::apply_g(g, &mut r, &mut f);
        match self.tracer.stop_event(t).map(|e| e.1) {
            // The engine's convention in reverse: r_rax is the syscall
            // number at entry, and at exit a value with the carry clear.
            Ok(Some(Event::SyscallEntry)) => r.r_rax = orig as i64,
            Ok(Some(Event::SyscallExit)) => r.r_rflags &= !bsdtrace::abi::PSL_C,
            _ => {}
        }
        self.tracer.set_regs(t, &r)?;
        if arch::fp_differs(&old, g) {
            self.tracer.set_fpregs(t, &f)?;
        }
        if fs != u64::from_le_bytes(old[arch::O_FS_BASE..arch::O_FS_BASE + 8].try_into().expect("8")) {
            self.tracer.set_fsbase(t, fs)?;
        }
        if gs != u64::from_le_bytes(old[arch::O_GS_BASE..arch::O_GS_BASE + 8].try_into().expect("8")) {
            self.tracer.set_gsbase(t, gs)?;
        }
        if orig != u64::from_le_bytes(old[arch::O_ORIG_RAX..arch::O_ORIG_RAX + 8].try_into().expect("8")) {
            // Last: the engine's register writes restore its cached copy.
            bsdtrace::sys::pokeuser(p.tid, ORIG_RAX_OFFSET, orig)?;
        }
        // The thread no longer sits past an int3 of ours if gdb moved it.
        if let Some(pr) = self.procs.get_mut(&p.pid) {
            pr.rewound.remove(&p.tid);
        }
        Ok(())
    }

    pub(super) fn xstate(&mut self, p: Ptid) -> Result<Vec<u8>, Error> {
        if let Some(x) = self.xcache.get(&p.tid) {
            return Ok(x.clone());
        }
        let x = self.tracer.get_regset(T::Lwp(Lwpid(p.tid)), bsdtrace::request::regset::NT_X86_XSTATE)?;
        self.xcache.insert(p.tid, x.clone());
        Ok(x)
    }

    /// Whether the process runs a 32-bit (i386) program (the engine keeps
    /// the answer until an exec).
    pub fn is_i386(&mut self, pid: i32) -> bool {
        self.tracer.arch(T::Proc(Pid(pid))) == Ok(bsdtrace::sysent::Arch::I386)
    }

    /// The register file gdb sees for the process.
    pub fn layout_of(&mut self, pid: i32) -> &Layout {
        if self.is_i386(pid) {
            &self.layout32
        } else {
            &self.layout
        }
    }

    /// The `g` packet of a thread, in its program's register file.
    pub fn wire_g(&mut self, p: Ptid) -> Result<Vec<u8>, Error> {
        let g = self.g_image(p)?;
        Ok(self.layout_of(p.pid).wire_g(&g))
    }

    /// The `G` packet; false if it has the wrong length.
    pub fn set_wire_g(&mut self, p: Ptid, wire: &[u8]) -> Result<bool, Error> {
        let mut g = self.g_image(p)?;
        if !self.layout_of(p.pid).apply_wire(wire, &mut g) {
            return Ok(false);
        }
        self.set_g_image(p, &g)?;
        Ok(true)
    }

    /// Register `n` as gdb numbers it for the program (`p` packet).
    pub fn read_wire_register(&mut self, p: Ptid, n: usize) -> Result<Option<Vec<u8>>, Error> {
        let i386 = self.is_i386(p.pid);
        self.read_register_in(i386, p, n)
    }

    /// Register `n` as gdb numbers it for the program (`P` packet).
    pub fn write_wire_register(&mut self, p: Ptid, n: usize, bytes: &[u8]) -> Result<bool, Error> {
        let i386 = self.is_i386(p.pid);
        self.write_register_in(i386, p, n, bytes)
    }

    /// Register `n` (amd64 numbering, the engine's view).
    pub fn read_register(&mut self, p: Ptid, n: usize) -> Result<Option<Vec<u8>>, Error> {
        self.read_register_in(false, p, n)
    }

    /// Register `n` (`P` packet); false: no such register or wrong size.
    pub fn write_register(&mut self, p: Ptid, n: usize, bytes: &[u8]) -> Result<bool, Error> {
        self.write_register_in(false, p, n, bytes)
    }

    fn layout_for(&self, i386: bool) -> &Layout {
        if i386 {
            &self.layout32
        } else {
            &self.layout
        }
    }

    /// Register `n` in the amd64 or the i386 numbering.
    fn read_register_in(&mut self, i386: bool, p: Ptid, n: usize) -> Result<Option<Vec<u8>>, Error> {
        if n >= self.layout_for(i386).regs.len() {
            return Ok(None);
        }
        let g = self.g_image(p)?;
        let x = if self.layout_for(i386).needs_xstate(n) { Some(self.xstate(p)?) } else { None };
        Ok(self.layout_for(i386).read(n, &g, x.as_deref()))
    }

    fn write_register_in(&mut self, i386: bool, p: Ptid, n: usize, bytes: &[u8]) -> Result<bool, Error> {
        if self.layout_for(i386).needs_xstate(n) {
            let mut g = Vec::new();
            let mut x = self.xstate(p)?;
            if !self.layout_for(i386).write(n, bytes, &mut g, Some(&mut x)) {
                return Ok(false);
            }
            self.xcache.remove(&p.tid);
            self.tracer.set_regset(T::Lwp(Lwpid(p.tid)), bsdtrace::request::regset::NT_X86_XSTATE, &x)?;
            return Ok(true);
        }
        let mut g = self.g_image(p)?;
        if !self.layout_for(i386).write(n, bytes, &mut g, None) {
            return Ok(false);
        }
        self.set_g_image(p, &g)?;
        Ok(true)
    }

    /// rbp, rsp and rip: what a stop reply carries (one PT_GETREGS, shared
    /// with the rest of the stop).
    pub fn frame_regs(&mut self, p: Ptid) -> Option<[u64; 3]> {
        let r = self.tracer.get_regs(T::Lwp(Lwpid(p.tid))).ok()?;
        Some([r.r_rbp as u64, r.r_rsp as u64, r.r_rip as u64])
    }

    /// The pc (one PT_GETREGS per stop, shared; not the whole `g` image).
    pub(super) fn pc(&mut self, p: Ptid) -> u64 {
        self.frame_regs(p).map(|r| r[2]).unwrap_or(0)
    }

    // ---- what gdb reads about processes ----

    /// The siginfo of a thread's stop, as Linux gives it (`$_siginfo`).
    pub fn siginfo(&mut self, p: Ptid) -> Option<[u8; 128]> {
        let t = T::Lwp(Lwpid(p.tid));
        let ev = self.tracer.stop_event(t).ok()?.1;
        match ev {
            Some(Event::Interrupt) | Some(Event::Attach) => {
                let mut si = bsdtrace::sys::zeroed_siginfo();
                let sig = if ev == Some(Event::Interrupt) { libc::SIGINT } else { libc::SIGSTOP };
                bsdtrace::sys::si::set(&mut si, sig, libc::SI_USER, bsdtrace::sys::getpid(), bsdtrace::sys::getuid());
                Some(bsdtrace::sys::siginfo_bytes(&si))
            }
            Some(_) => bsdtrace::sys::siginfo(p.tid).ok().map(|si| bsdtrace::sys::siginfo_bytes(&si)),
            None => None,
        }
    }

    pub fn set_siginfo(&mut self, p: Ptid, bytes: &[u8]) -> bool {
        if bytes.len() != 128 {
            return false;
        }
        let mut si = bsdtrace::sys::zeroed_siginfo();
        bsdtrace::sys::copy_from_bytes(bytes, &mut si);
        bsdtrace::sys::set_siginfo(p.tid, &si).is_ok()
    }
}
