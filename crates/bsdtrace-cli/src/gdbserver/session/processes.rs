//! Starting and ending processes: `D`, `k`/`vKill`, `R`, `vRun`,
//! `vAttach`, and the dispatch of the other `v` packets.

use super::*;

impl Session<'_> {
    // ---- ending ----

    pub(super) fn detach(&mut self, body: &[u8]) {
        let pid = match body.get(1) {
            Some(b';') => match hex_id(&body[2..]) {
                Some(p) if self.inf.procs.contains_key(&p) => Some(p),
                _ => return self.err(),
            },
            None => None,
            Some(_) => return self.err(),
        };
        let pids: Vec<i32> = match pid {
            Some(p) => vec![p],
            None => self.inf.procs.keys().copied().collect(),
        };
        for p in pids {
            note(&format!("Detaching from process {p}"));
            if self.inf.detach(p).is_err() {
                return self.err();
            }
        }
        self.ok();
        if self.inf.procs.is_empty() && !self.extended {
            self.end = Some(End::Done);
        }
    }

    pub(super) fn kill_all(&mut self) {
        let pids: Vec<i32> = self.inf.procs.keys().copied().collect();
        for p in pids {
            self.inf.kill(p);
        }
        // gdb reads no reply to `k` (it closes the connection, or in
        // extended mode uses vKill); lldb waits for the exit.
        self.send(b"X09");
        if !self.extended {
            self.end = Some(End::Done);
        }
    }

    pub(super) fn v_kill(&mut self, args: &[u8]) {
        let Some(pid) = hex_id(args).filter(|p| self.inf.procs.contains_key(p)) else { return self.err() };
        self.inf.kill(pid);
        self.hostio.forget_pid(pid);
        self.ok();
        if self.inf.procs.is_empty() && !self.extended {
            self.end = Some(End::Done);
        }
    }

    /// `R`: extended mode's restart: kill everything, run the last
    /// program again. No reply.
    pub(super) fn restart(&mut self) {
        if !self.extended {
            return self.empty();
        }
        let pids: Vec<i32> = self.inf.procs.keys().copied().collect();
        for p in pids {
            self.inf.kill(p);
        }
        let argv = self.settings.last_run.clone();
        if argv.is_empty() {
            return;
        }
        if let Ok(pid) = self.start(&argv) {
            let tid = pid;
            self.last = Some(Stop { ptid: Ptid { pid, tid }, kind: StopKind::Signal(libc::SIGTRAP) });
        }
    }

    pub(super) fn start(&mut self, argv: &[String]) -> Result<i32, String> {
        let pid = crate::gdbserver::spawn(self.inf, self.settings, argv, true)?;
        self.settings.last_run = argv.to_vec();
        Ok(pid)
    }

    // ---- v packets ----

    pub(super) fn v_packet(&mut self, body: &[u8]) {
        if let Some(a) = body.strip_prefix(b"vCont;") {
            return self.v_cont(a);
        }
        if body == b"vCont?" {
            return self.send(b"vCont;c;C;s;S;t;r");
        }
        if self.inf.ns.is_some() {
            if body == b"vStopped" {
                return self.ns_stopped_ack();
            }
            if body == b"vCtrlC" {
                self.inf.ns_ctrl_c();
                return self.ok();
            }
        }
        if body == b"vMustReplyEmpty" {
            return self.empty();
        }
        if let Some(a) = body.strip_prefix(b"vKill;") {
            return self.v_kill(a);
        }
        if let Some(a) = body.strip_prefix(b"vFile:") {
            let r = self.hostio.handle(a, self.inf);
            return self.send(&r);
        }
        if let Some(a) = body.strip_prefix(b"vRun;") {
            return self.v_run(a);
        }
        if let Some(a) = body.strip_prefix(b"vAttach;") {
            return self.v_attach(a);
        }
        self.empty()
    }

    pub(super) fn v_run(&mut self, args: &[u8]) {
        if !self.extended {
            return self.err();
        }
        let mut argv = Vec::new();
        for a in args.split(|&c| c == b';') {
            let Some(b) = hex_bytes(a) else { return self.err() };
            argv.push(String::from_utf8_lossy(&b).into_owned());
        }
        if argv.first().is_none_or(|s| s.is_empty()) {
            let Some(prog) = self.settings.last_run.first().cloned().or_else(|| self.settings.program.first().cloned()) else {
                return self.err();
            };
            if argv.is_empty() {
                argv.push(prog);
            } else {
                argv[0] = prog;
            }
        }
        match self.start(&argv) {
            Ok(pid) => {
                note(&format!("Process {} created; pid = {pid}", argv[0]));
                self.report_new_process(Ptid { pid, tid: pid });
            }
            Err(e) => {
                note(&e);
                self.err()
            }
        }
    }

    pub(super) fn v_attach(&mut self, args: &[u8]) {
        if !self.extended {
            return self.err();
        }
        let Some(pid) = hex_id(args) else { return self.err() };
        if self.inf.procs.contains_key(&pid) {
            return self.err();
        }
        match self.inf.attach(pid) {
            Ok(()) => {
                note(&format!("Attached; pid = {pid}"));
                if self.inf.ns.is_some() {
                    // Non-stop: `OK`, the threads held; gdb stops them
                    // with `vCont;t` once it has read the target
                    // description and the thread list, and each stop
                    // goes out as a notification then (GNU gdbserver's
                    // exchange). A stop reply here is an error to gdb
                    // ("Attaching to process N failed with: T05...").
                    if let Err(e) = self.inf.ns_adopt_held(pid) {
                        note(&format!("process {pid}: non-stop mode: {e:?}"));
                        let _ = self.inf.detach(pid);
                        return self.err();
                    }
                    self.hg = None;
                    self.hc = None;
                    return self.ok();
                }
                let tid = self.inf.reporting_thread(pid).map(|p| p.tid).unwrap_or(pid);
                self.report_new_process(Ptid { pid, tid });
            }
            Err(e) => {
                note(&e);
                self.err()
            }
        }
    }

    /// The reply to `vRun` and `vAttach`: the new process stopped (SIGTRAP,
    /// as gdbserver reports both), its thread the one gdb's `Hg`/`Hc` now
    /// mean.
    fn report_new_process(&mut self, ptid: Ptid) {
        if self.inf.ns.is_some() {
            if let Err(e) = self.inf.ns_adopt(ptid.pid) {
                note(&format!("process {}: non-stop mode: {e:?}", ptid.pid));
            }
        }
        let s = Stop { ptid, kind: StopKind::Signal(libc::SIGTRAP) };
        self.last = Some(s.clone());
        self.hg = None;
        self.hc = None;
        let r = self.stop_reply(&s);
        self.send_str(&r);
    }
}
