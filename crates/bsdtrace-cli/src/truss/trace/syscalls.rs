//! A syscall's entry and exit stops: filters (`-e`, `-P`), fault
//! injection, decoding, and what is printed when.

use super::*;

impl Session<'_> {
    /// The injection for this call of `code` by `tid`, if a rule's `when=`
    /// selects it (each rule counts the calls of its set per thread).
    pub(super) fn injection(&mut self, tid: i32, code: u32) -> Option<InjectAction> {
        let mut hit = None;
        for (i, rule) in self.cfg.filter.inject.iter().enumerate() {
            if !rule.set.contains(code) {
                continue;
            }
            let n = self.inject_counts.entry((tid, i)).or_insert(0);
            *n += 1;
            if hit.is_none() && rule.when.matches(*n) {
                hit = Some(rule.action);
            }
        }
        hit
    }

    pub(super) fn on_entry(&mut self, pid: Pid, tid: i32) {
        if self.prelude {
            return;
        }
        let start = self.timed.then(Instant::now);
        let wall = (self.cfg.wall_clock > 0).then(SystemTime::now);
        let t = Target::Lwp(Lwpid(tid));
        if self.cfg.count && self.cfg.filter.inject.is_empty() && self.paths.is_empty() {
            // The exit's registers tell the number too: no request now.
            self.pending.insert(tid, Pending { pid: pid.0, entry: None, at_exit: None, start, wall, fds: Vec::new(), inject: None });
            return;
        }
        let Ok(sc) = self.tracer.sc_args(t) else { return };
        let mut args = [0u64; 6];
        args.copy_from_slice(&sc.args[..6]);
        let i386 = sc.arch == Arch::I386;
        if i386 != self.thirty_two.contains(&tid) {
            if i386 {
                self.thirty_two.insert(tid);
            } else {
                self.thirty_two.remove(&tid);
            }
            if !self.cfg.count && !self.cfg.json && self.lines() {
                self.text_line(pid.0, tid, None, decode::mode_line(sc.arch));
            }
        }
        // The sets of -e are of x86-64 numbers: an i386 call is looked up
        // by its x86-64 twin; one x86-64 lacks is traced unless -e trace=
        // (or -P) chose calls.
        let key = if i386 { decode::x86_64_key_of_call(sc.code, &args) } else { Some(sc.code) };
        let inject = match key {
            Some(k) if !self.cfg.filter.inject.is_empty() => self.injection(tid, k),
            _ => None,
        };
        let traced = match key {
            Some(k) => self.cfg.filter.trace.contains(k) && (self.paths.is_empty() || self.touches_paths(pid, tid, k, &args)),
            None => !self.cfg.filtered && self.paths.is_empty(),
        };
        if !traced && inject.is_none() {
            return;
        }
        if let Some(a) = inject {
            if let Some(us) = a.delay_enter {
                std::thread::sleep(Duration::from_micros(us));
            }
            if a.error.is_some() || a.retval.is_some() {
                // Syscall number -1: Linux skips the call (it would return
                // ENOSYS); the exit stop then gets the injected result.
                if let Ok(mut r) = self.tracer.get_regs(t) {
                    r.r_rax = -1;
                    let _ = self.tracer.set_regs(t, &r);
                }
            }
        }
        // i386's sigreturn (119) and rt_sigreturn (173).
        let sigreturn = if i386 { matches!(sc.code, 119 | 173) } else { sc.code == libc::SYS_rt_sigreturn as u32 };
        if sigreturn && traced && !self.cfg.count {
            // Its restored mask is in the signal frame at the stack pointer.
            if let Ok(r) = self.tracer.get_regs(t) {
                args[0] = r.r_rsp as u64;
            }
        }
        // Most x86-64 calls: nothing to read at entry, decoded in one pass
        // at the exit. Not with -y, whose descriptors' paths are read at
        // entry (close would take them away), nor with --json.
        let at_exit = (traced
            && !self.cfg.count
            && !i386
            && !self.cfg.json
            && self.cfg.fd_paths == 0
            && decode::decodes_at_exit(&self.cfg.decode, sc.code))
        .then_some((sc.code, args));
        let entry = if traced && !self.cfg.count && at_exit.is_none() {
            let mem = ProcessMemory { pid: pid.0 };
            Some(Box::new(if i386 {
                decode::decode_entry_i386(&self.cfg.decode, sc.code, args, &mem)
            } else {
                decode::decode_entry(&self.cfg.decode, sc.code, args, &mem)
            }))
        } else {
            None
        };
        let mut fds = Vec::new();
        if self.cfg.fd_paths > 0 {
            if let Some((row, args)) = entry.as_ref().and_then(|e| Some((e.syscall()?, e.args()))) {
                // The entry's arguments: a socketcall's are its sub-call's.
                for (i, kind) in row.args.iter().enumerate().take(6) {
                    if matches!(kind, Arg::Fd | Arg::Dirfd) && (args[i] as i32) >= 0 {
                        if let Some(p) = fdinfo::describe(pid.0, tid, args[i] as i32, self.cfg.fd_paths) {
                            fds.push((i, p));
                        }
                    }
                }
            }
        }
        let p = Pending { pid: pid.0, entry, at_exit, start, wall, fds, inject };
        if let Some(old) = self.pending.insert(tid, p) {
            if !self.cfg.filter.quiet.contains(Quiet::SUPERSEDED) {
                self.print_unfinished(tid, old);
            }
        }
    }

    /// `-P`: whether the call names one of the paths, or uses a descriptor
    /// open on one. Reads the tracee's memory and /proc: only with -P.
    pub(super) fn touches_paths(&self, pid: Pid, tid: i32, code: u32, args: &[u64; 6]) -> bool {
        let Some(row) = bsdtrace::sysent::by_number(code) else { return false };
        let mem = ProcessMemory { pid: pid.0 };
        for (i, kind) in row.args.iter().enumerate() {
            match kind {
                Arg::Path => {
                    let Ok(s) = mem.read_cstr(args[i], decode::print::PATH_MAX) else { continue };
                    let p = PathBuf::from(String::from_utf8_lossy(&s.bytes).into_owned());
                    if self.paths.contains(&p) {
                        return true;
                    }
                    let abs = if p.is_absolute() {
                        p
                    } else {
                        match std::fs::read_link(format!("/proc/{tid}/cwd")) {
                            Ok(cwd) => cwd.join(p),
                            Err(_) => continue,
                        }
                    };
                    if self.paths.contains(&abs) || std::fs::canonicalize(&abs).is_ok_and(|c| self.paths.contains(&c)) {
                        return true;
                    }
                }
                Arg::Fd | Arg::Dirfd if (args[i] as i32) >= 0 => {
                    if let Ok(l) = std::fs::read_link(format!("/proc/{tid}/fd/{}", args[i] as i32)) {
                        if self.paths.contains(&l) {
                            return true;
                        }
                    }
                }
                _ => {}
            }
        }
        false
    }

    pub(super) fn on_exit(&mut self, pid: Pid, tid: i32) {
        let Some(p) = self.pending.remove(&tid) else { return };
        let in_call = p.start.map(|s| s.elapsed());
        let t = Target::Lwp(Lwpid(tid));
        if let Some(a) = p.inject {
            if a.error.is_some() || a.retval.is_some() {
                if let Ok(mut r) = self.tracer.get_regs(t) {
                    match (a.error, a.retval) {
                        (Some(e), _) => {
                            r.r_rax = i64::from(e);
                            r.r_rflags |= abi::PSL_C;
                        }
                        (None, Some(v)) => {
                            r.r_rax = v;
                            r.r_rflags &= !abi::PSL_C;
                        }
                        _ => {}
                    }
                    let _ = self.tracer.set_regs(t, &r);
                }
            }
        }
        let ret = self.tracer.sc_ret(t);
        if let Some(a) = p.inject {
            if let Some(sig) = a.signal {
                let _ = sys::tgkill(pid.0, tid, sig as i32);
            }
            if let Some(us) = a.delay_exit {
                std::thread::sleep(Duration::from_micros(us));
            }
        }
        let Ok(ret) = ret else { return };
        let end = match ret.sr_error {
            0 => End::Outcome(Outcome::Value(ret.sr_retval[0])),
            // A successful execve (the exec stop): FreeBSD's call returns
            // EJUSTRETURN, having set the new image's registers itself;
            // shown as its success, `= 0`, as strace and our text always did.
            abi::EJUSTRETURN => End::Outcome(Outcome::Value(0)),
            -1 => End::Restart,
            e => End::Outcome(Outcome::Error(e)),
        };
        let wanted = match end {
            End::Outcome(Outcome::Value(_)) => Status::SUCCESSFUL,
            _ => Status::FAILED,
        };
        if let Some(call) = p.at_exit {
            if !self.cfg.filter.status.contains(wanted) {
                return;
            }
            if self.cfg.count_too {
                let failed = !matches!(end, End::Outcome(Outcome::Value(_)));
                let name = Arch::X86_64.name(call.0).unwrap_or("?");
                self.summary.record(name, in_call.unwrap_or_default(), failed);
            }
            let outcome = match end {
                End::Outcome(o) => o,
                End::Restart => Outcome::Error(libc::EINTR),
            };
            let when = LineTime { start: p.start, wall: p.wall };
            self.print_at_exit(pid.0, tid, call, &end, outcome, in_call, p.inject.is_some(), when);
            if self.unwinder.is_some() {
                self.print_stack(pid.0, tid);
            }
            return;
        }
        let Some(entry) = p.entry else {
            if !self.cfg.count {
                return; // only injected into, not shown
            }
            // -c: count it (the registers are cached: no second request).
            let Ok(sc) = self.tracer.sc_args(t) else { return };
            let mut a = [0u64; 6];
            a.copy_from_slice(&sc.args[..6]);
            let traced = match sc.arch {
                Arch::X86_64 => self.cfg.filter.trace.contains(sc.code),
                Arch::I386 => {
                    decode::x86_64_key_of_call(sc.code, &a).map_or(!self.cfg.filtered, |k| self.cfg.filter.trace.contains(k))
                }
            };
            if traced && self.cfg.filter.status.contains(wanted) {
                let name = match sc.arch {
                    Arch::I386 => decode::call_name(sc.code, &a),
                    Arch::X86_64 => sc.arch.name(sc.code),
                };
                let name = name.map_or_else(|| format!("syscall_{}", sc.code), str::to_string);
                let failed = !matches!(end, End::Outcome(Outcome::Value(_)));
                self.summary.record(&name, in_call.unwrap_or_default(), failed);
            }
            return;
        };
        if self.cfg.count_too {
            let failed = !matches!(end, End::Outcome(Outcome::Value(_)));
            let name = entry.name();
            if self.cfg.filter.status.contains(wanted) {
                self.summary.record(&name, in_call.unwrap_or_default(), failed);
            }
        }
        if !self.cfg.filter.status.contains(wanted) {
            return;
        }
        let banner = entry.unknown_banner();
        let ret_kind = entry.syscall().map(|s| s.ret);
        let mem = ProcessMemory { pid: pid.0 };
        let outcome = match end {
            End::Outcome(o) => o,
            End::Restart => Outcome::Error(libc::EINTR),
        };
        let mut c = entry.finish(&self.cfg.decode, outcome, &mem);
        for (i, path) in &p.fds {
            c.args_text[*i] = format!("{}<{path}>", c.args_text[*i]);
        }
        let ret_path = match (self.cfg.fd_paths, ret_kind, outcome) {
            (1.., Some(Ret::Fd), Outcome::Value(fd)) if fd >= 0 => fdinfo::describe(pid.0, tid, fd as i32, self.cfg.fd_paths),
            _ => None,
        };
        if let Some(b) = banner {
            self.text_line(pid.0, tid, None, &b);
        }
        let injected = p.inject.is_some();
        let when = LineTime { start: p.start, wall: p.wall };
        self.print_call(pid.0, tid, c, &end, in_call, ret_path, injected, when);
        if self.unwinder.is_some() {
            self.print_stack(pid.0, tid);
        }
    }
}
