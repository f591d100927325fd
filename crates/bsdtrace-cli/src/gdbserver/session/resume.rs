//! Resuming (`c`/`s`/`C`/`S`, `vCont`) and reporting stops: all-stop stop
//! replies, and non-stop's `%Stop` notifications, `?` and `vStopped`.

use super::*;

impl Session<'_> {
    // ---- resuming ----

    /// `c`, `C`, `s`, `S` (lldb, old clients): the thread `Hc` chose (or
    /// the current one) continues or steps; the others continue unless
    /// `Hc` named one thread (as gdbserver does).
    pub(super) fn old_resume(&mut self, body: &[u8]) {
        if self.inf.ns.is_some() {
            // Non-stop clients resume with vCont.
            return self.err();
        }
        let c = body[0];
        let rest = &body[1..];
        let (sig, addr) = match c {
            b'C' | b'S' => {
                let (s, a) = match split_once(rest, b';') {
                    Some((s, a)) => (s, Some(a)),
                    None => (rest, None),
                };
                let Some(s) = hex_u64(s).filter(|&s| s < 256) else { return self.err() };
                (target::from_gdb_signal(s as u8), a)
            }
            _ => (0, (!rest.is_empty()).then_some(rest)),
        };
        let specific = matches!(self.hc, Some(Sel::Thread(_)));
        let Some(t) = self.thread_for(self.hc).or_else(|| self.current()) else { return self.err() };
        if !self.inf.is_stopped(t.pid) {
            return self.err();
        }
        if let Some(a) = addr {
            let Some(a) = hex_u64(a) else { return self.err() };
            if self.inf.write_register(t, arch::RIP, &a.to_le_bytes()).is_err() {
                return self.err();
            }
        }
        let action = if c == b's' || c == b'S' { Action::Step(sig) } else { Action::Continue(sig) };
        let mut actions = vec![(action, Sel::Thread(t))];
        if !specific {
            actions.push((Action::Continue(0), Sel::All));
        }
        self.resume(&actions);
    }

    pub(super) fn resume(&mut self, actions: &[(Action, Sel)]) {
        match self.inf.resume(actions) {
            Ok(true) => {}
            Ok(false) if self.client.no_resumed => self.send(b"N"),
            _ => self.err(),
        }
    }

    pub(super) fn v_cont(&mut self, args: &[u8]) {
        let mut actions = Vec::new();
        // Non-stop's `t` actions: where they stand among the others.
        let mut stops: Vec<(usize, Sel)> = Vec::new();
        for item in args.split(|&c| c == b';').filter(|s| !s.is_empty()) {
            let (act, sel) = match split_once(item, b':') {
                Some((a, t)) => (a, Some(t)),
                None => (item, None),
            };
            let sel = match sel {
                Some(t) => match self.parse_sel(t) {
                    Some(s) => s,
                    None => continue, // a thread that does not exist: nothing to resume
                },
                None => Sel::All,
            };
            let action = match act.first() {
                Some(b'c') if act.len() == 1 => Action::Continue(0),
                Some(b's') if act.len() == 1 => Action::Step(0),
                Some(b'C') | Some(b'S') => {
                    let Some(s) = hex_u64(&act[1..]).filter(|&s| s < 256) else { return self.err() };
                    let sig = target::from_gdb_signal(s as u8);
                    if act[0] == b'C' {
                        Action::Continue(sig)
                    } else {
                        Action::Step(sig)
                    }
                }
                Some(b'r') => {
                    let Some((a, b)) = addr_len(&act[1..]) else { return self.err() };
                    Action::Range(a, b)
                }
                // `t` (stop) is for non-stop mode.
                Some(b't') if act.len() == 1 && self.inf.ns.is_some() => {
                    stops.push((actions.len(), sel));
                    continue;
                }
                _ => return self.err(),
            };
            actions.push((action, sel));
        }
        if self.inf.ns.is_some() {
            let mut all: Vec<(Option<Action>, Sel)> = actions.into_iter().map(|(a, s)| (Some(a), s)).collect();
            for (i, sel) in stops.into_iter().rev() {
                all.insert(i, (None, sel));
            }
            if all.is_empty() {
                return self.err();
            }
            return match self.inf.ns_resume(&all) {
                Ok(()) => self.ok(),
                Err(_) => self.err(),
            };
        }
        if actions.is_empty() {
            return self.err();
        }
        self.resume(&actions);
    }

    /// The stop reply for `s` (and remember it).
    pub(super) fn send_stop(&mut self, s: Stop) {
        if !matches!(s.kind, StopKind::NoResumed) {
            self.last = Some(s.clone());
        }
        match &s.kind {
            StopKind::Exited(code) => {
                note(&format!("\nChild exited with status {code}"));
                self.after_exit(s.ptid.pid);
            }
            StopKind::Signaled(sig) => {
                note(&format!("\nChild terminated with signal = {sig}"));
                self.after_exit(s.ptid.pid);
            }
            _ => {}
        }
        let r = self.stop_reply(&s);
        self.send_str(&r);
        if self.inf.procs.is_empty() && !self.extended && matches!(s.kind, StopKind::Exited(_) | StopKind::Signaled(_)) {
            // gdbserver ends when its program is gone.
            self.end = Some(End::Done);
        }
    }

    pub(super) fn after_exit(&mut self, pid: i32) {
        self.hostio.forget_pid(pid);
    }

    pub fn stop_reply(&mut self, s: &Stop) -> String {
        let proc_suffix = |me: &Self, pid: i32| if me.client.multiprocess { format!(";process:{pid:x}") } else { String::new() };
        let sig = match &s.kind {
            StopKind::Exited(code) => return format!("W{:02x}{}", *code as u8, proc_suffix(self, s.ptid.pid)),
            StopKind::Signaled(sig) => return format!("X{:02x}{}", target::to_gdb_signal(*sig), proc_suffix(self, s.ptid.pid)),
            StopKind::ThreadExited(code) => return format!("w{:02x};{}", *code as u8, self.fmt_ptid(s.ptid)),
            StopKind::NoResumed => return "N".into(),
            // Stopped by non-stop's `vCont;t`: no signal.
            StopKind::Signal(0) => 0,
            StopKind::Signal(sig) => target::to_gdb_signal(*sig),
            StopKind::Interrupted => target::to_gdb_signal(libc::SIGINT),
            _ => 5,
        };
        let mut r = format!("T{sig:02x}thread:{};", self.fmt_ptid(s.ptid));
        // Registers gdb needs at every stop (frame and pc), so it does not
        // ask with `g`.
        if let Some(regs) = self.inf.frame_regs(s.ptid) {
            if self.inf.is_i386(s.ptid.pid) {
                // i386's ebp (5), esp (4), eip (8), 32 bits each.
                for (n, v) in [5, 4, 8].into_iter().zip(regs) {
                    r.push_str(&format!("{n:02x}:{};", to_hex(&(v as u32).to_le_bytes())));
                }
            } else {
                for (n, v) in [arch::RBP, arch::RSP, arch::RIP].into_iter().zip(regs) {
                    r.push_str(&format!("{n:02x}:{};", to_hex(&v.to_le_bytes())));
                }
            }
        }
        match &s.kind {
            StopKind::SwBreak if self.client.swbreak => r.push_str("swbreak:;"),
            StopKind::HwBreak if self.client.hwbreak => r.push_str("hwbreak:;"),
            StopKind::Watch(kind, addr) => {
                let k = match kind {
                    WatchKind::Write => "watch",
                    WatchKind::Read => "rwatch",
                    WatchKind::Access => "awatch",
                };
                r.push_str(&format!("{k}:{addr:x};"));
            }
            StopKind::Fork { child, vfork } => {
                let c = self.fmt_ptid(Ptid { pid: *child, tid: *child });
                r.push_str(&format!("{}:{c};", if *vfork { "vfork" } else { "fork" }));
            }
            StopKind::VforkDone => r.push_str("vforkdone:;"),
            StopKind::Exec(path) => r.push_str(&format!("exec:{};", to_hex(path.as_bytes()))),
            StopKind::SyscallEntry(nr) => r.push_str(&format!("syscall_entry:{nr:x};")),
            StopKind::SyscallReturn(nr) => r.push_str(&format!("syscall_return:{nr:x};")),
            StopKind::ThreadCreated => r.push_str("create:;"),
            _ => {}
        }
        if self.client.threads_in_stop {
            r.push_str(&lldb::threads_in_stop(self.inf, s.ptid.pid));
        }
        r
    }

    // ---- non-stop ----

    /// New stops for gdb: queued, and a `%Stop` notification when the
    /// queue was empty (gdb fetches the rest with `vStopped`).
    pub(super) fn ns_notify(&mut self) {
        let stops = self.inf.ns_poll();
        for s in stops {
            if matches!(s.kind, StopKind::Exited(_) | StopKind::Signaled(_)) {
                let pid = s.ptid.pid;
                match &s.kind {
                    StopKind::Exited(code) => note(&format!("\nChild exited with status {code}")),
                    StopKind::Signaled(sig) => note(&format!("\nChild terminated with signal = {sig}")),
                    _ => {}
                }
                self.after_exit(pid);
            }
            let Some(ns) = self.inf.ns.as_mut() else { return };
            ns.queue.push_back(s.clone());
            if ns.queue.len() == 1 {
                self.last = Some(s.clone());
                let r = self.stop_reply(&s);
                self.notify(&format!("Stop:{r}"));
            }
        }
    }

    /// A notification: `%BODY#xx`, never acknowledged, never resent.
    pub(super) fn notify(&mut self, body: &str) {
        let sum = body.bytes().fold(0u8, |a, b| a.wrapping_add(b));
        let out = format!("%{body}#{sum:02x}");
        self.raw(out.as_bytes());
    }

    /// `?` in non-stop: every stopped thread, the first now, the others
    /// through `vStopped`; `OK` if none.
    pub(super) fn ns_question(&mut self) {
        let Some(ns) = self.inf.ns.as_mut() else { return };
        let mut q: VecDeque<Stop> = ns.stopped.iter().map(|(p, k)| Stop { ptid: *p, kind: k.clone() }).collect();
        // Exits gdb has not seen yet stay queued.
        q.extend(ns.queue.iter().filter(|s| matches!(s.kind, StopKind::Exited(_) | StopKind::Signaled(_))).cloned());
        ns.queue = q;
        self.ns_send_head();
    }

    /// `vStopped`: the stop sent last is taken; the next one, or `OK`.
    pub(super) fn ns_stopped_ack(&mut self) {
        if let Some(ns) = self.inf.ns.as_mut() {
            ns.queue.pop_front();
        }
        self.ns_send_head();
    }

    pub(super) fn ns_send_head(&mut self) {
        let head = self.inf.ns.as_ref().and_then(|ns| ns.queue.front().cloned());
        match head {
            Some(s) => {
                if !matches!(s.kind, StopKind::Exited(_) | StopKind::Signaled(_) | StopKind::ThreadExited(_)) {
                    self.last = Some(s.clone());
                }
                let r = self.stop_reply(&s);
                self.send_str(&r);
            }
            None => self.ok(),
        }
    }
}
