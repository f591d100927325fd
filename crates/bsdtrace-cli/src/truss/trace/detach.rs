//! Detaching: every process of the trace let go with no signal pending,
//! per process (`detach_all`) or per LWP (`detach_all_lwp`), and the
//! SIGSTOP an attach or a detach sent taken back.

use super::*;

impl Session<'_> {
    /// Detach from every per-LWP process: stop and collect every LWP (the
    /// SIGSTOP the signal handler sent is discarded on the way), go back to
    /// the whole-process stop, and detach as FreeBSD does, the reporting
    /// thread's own signal passed on.
    pub(super) fn detach_all_lwp(&mut self) {
        self.flush_unfinished();
        let stop_sent = Pid(STOP_SENT.load(Ordering::SeqCst));
        if stop_sent.0 > 0 && self.tracer.is_traced(stop_sent) {
            self.discard_our_sigstop(stop_sent);
        }
        for pid in self.tracer.traced() {
            let _ = self.tracer.interrupt(Target::Proc(pid));
        }
        while let Some(&pid) = self.tracer.traced().first() {
            if self.tracer.set_stop_mode(Target::Proc(pid), StopMode::Process).is_ok() {
                let sig = match self.tracer.stop_event(Target::Proc(pid)) {
                    Ok((_, Some(Event::Signal { sig }))) => sig,
                    _ => 0,
                };
                if self.tracer.detach(Target::Proc(pid), sig).is_err() {
                    // Dying under us: its exit is the last thing to see.
                    match self.tracer.wait(pid.0, WaitOptions::BLOCK) {
                        Ok(Some((pid, st @ (WaitStatus::Exited(_) | WaitStatus::Signaled { .. })))) => self.on_gone(pid, st),
                        Ok(_) => {}
                        Err(_) => break,
                    }
                }
                continue;
            }
            match self.tracer.wait_lwp(pid.0, WaitOptions::BLOCK) {
                Ok(Some(LwpStatus::Stopped { .. })) | Ok(None) => {}
                Ok(Some(LwpStatus::Exited { pid, status })) => self.on_gone(pid, status),
                Err(e) if e.errno() == Errno::EINTR => {}
                Err(_) => break,
            }
            // New LWPs (born since) are stopped too.
            let _ = self.tracer.interrupt(Target::Proc(pid));
        }
        self.pending.clear();
        if self.out.failed() {
            self.write_failed = true;
        }
    }

    /// The SIGSTOP the signal handler sent `pid` to wake us must never
    /// reach it: let its threads run until one takes it, and drop it
    /// (what the whole-process detach does at its SIGSTOP stop). Other
    /// signals met on the way are delivered.
    pub(super) fn discard_our_sigstop(&mut self, pid: Pid) {
        let lwps = self.tracer.lwp_list(Target::Proc(pid)).unwrap_or_default();
        for l in lwps {
            if self.resume_dropping_sigstop(l) == Some(true) {
                return;
            }
        }
        loop {
            match self.tracer.wait_lwp(pid.0, WaitOptions::BLOCK) {
                Ok(Some(LwpStatus::Stopped { lwp, .. })) => {
                    if self.resume_dropping_sigstop(lwp) == Some(true) {
                        return;
                    }
                }
                Ok(Some(LwpStatus::Exited { pid, status })) => return self.on_gone(pid, status),
                Ok(None) => {}
                Err(e) if e.errno() == Errno::EINTR => {}
                Err(_) => return,
            }
        }
    }

    /// Resume a collected LWP with the signal of its stop, except a
    /// SIGSTOP, which is dropped. `Some(true)` if it was one, `None` if the
    /// LWP has no collected stop.
    pub(super) fn resume_dropping_sigstop(&mut self, l: Lwpid) -> Option<bool> {
        let (_, ev) = self.tracer.stop_event(Target::Lwp(l)).ok()?;
        let (ours, sig) = match ev {
            Some(Event::Signal { sig: libc::SIGSTOP }) => (true, 0),
            Some(Event::Signal { sig }) => (false, sig),
            _ => (false, 0),
        };
        let _ = self.tracer.resume(Target::Lwp(l), Resume::Continue, None, sig);
        Some(ours)
    }

    /// `-p` and a fatal signal (or an output nobody reads any more): stop
    /// every traced process with SIGSTOP (the handler already sent one
    /// attached process its own), take that stop (forwarding any other
    /// signal met on the way) and detach with no signal, so the SIGSTOP is
    /// discarded and the process runs on as before. Children met meanwhile
    /// (their first stop is already a stop) are detached at once. Calls in
    /// progress are printed without their return part. `first` is a stop
    /// already collected.
    pub(super) fn detach_all(&mut self, first: Option<Pid>) {
        self.flush_unfinished();
        let stopped = STOP_SENT.load(Ordering::SeqCst);
        for pid in self.tracer.traced() {
            if pid.0 != stopped {
                super::stop_leader(pid.0);
            }
        }
        if let Some(pid) = first {
            self.detach_step(pid);
        }
        while !self.tracer.traced().is_empty() {
            match self.tracer.wait(-1, WaitOptions::BLOCK) {
                Ok(Some((pid, WaitStatus::Stopped(_)))) => self.detach_step(pid),
                Ok(Some((pid, _))) if Some(pid.0) == self.reader => self.reader = None,
                Ok(Some((pid, st @ (WaitStatus::Exited(_) | WaitStatus::Signaled { .. })))) => self.on_gone(pid, st),
                Ok(_) => {}
                Err(e) if e.errno() == Errno::EINTR => {}
                Err(_) => break,
            }
        }
        self.pending.clear();
        if self.out.failed() {
            self.write_failed = true;
        }
    }

    /// One stop while detaching: detach at our SIGSTOP (or a new child's
    /// first stop), else let it run on to it.
    pub(super) fn detach_step(&mut self, pid: Pid) {
        let t = Target::Proc(pid);
        match self.tracer.stop_event(t) {
            Ok((_, Some(Event::Signal { sig: libc::SIGSTOP }))) | Ok((_, Some(Event::Child))) => {
                let _ = self.tracer.detach(t, 0);
            }
            Ok((_, Some(Event::Signal { sig }))) => {
                let _ = self.tracer.resume(t, Resume::Continue, None, sig);
            }
            _ => {
                let _ = self.tracer.resume(t, Resume::Continue, None, 0);
            }
        }
    }
}
