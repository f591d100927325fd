//! The program's own children, beside the engine's tracees: the
//! process-wide look (`waitid(P_ALL, WNOWAIT)`) that tells them apart, reaps
//! a child of the program by pid into the published queue, and hands
//! anything of the engine's to its pump; the watcher thread that blocks in
//! that look for the doorbell backend.

use super::*;

/// What the process-wide peek looks for: "continued" only while a waiter
/// accepts it ([`super::WaitFor::continued`]).
pub(super) fn peek_flags(continued: bool) -> i32 {
    libc::WEXITED | libc::WSTOPPED | sys::WALL | if continued { libc::WCONTINUED } else { 0 }
}

/// One look at every child of the program (a `WNOHANG` process wait): what
/// is the engine's is reaped by its pump, anything else by pid.
pub(super) fn app_poll(shared: &Shared, t: &mut Tracer, continued: bool) {
    let _ = t.pump();
    for _ in 0..64 {
        match sys::waitid_peek_all(peek_flags(continued) | libc::WNOHANG) {
            Ok(Some((pid, code))) => {
                if !app_child(shared, t, pid, code) {
                    return;
                }
            }
            _ => return,
        }
    }
}

/// Is `tid` one of the engine's own (a traced thread, a child it spawned,
/// its doorbell)?
pub(super) fn owned(t: &Tracer, tid: Tid) -> bool {
    t.tids.contains_key(&tid) || t.children.contains(&tid) || t.doorbell == Some(tid)
}

/// The process-wide peek saw `pid` with a status (`code`: its si_code).
/// If it is the engine's, its pump handles it; a child of the program is
/// reaped into the published queue; a child another thread traces with
/// PT_TRACE_ME has its stop notification reaped and is listed for that
/// thread. Returns whether the status was consumed (so that the next peek
/// looks further).
pub(super) fn app_child(shared: &Shared, t: &mut Tracer, pid: Tid, code: i32) -> bool {
    let r = app_child_inner(shared, t, pid, code);
    crate::engine::ring::record(crate::engine::ring::Kind::AppChild, pid as i64, code as i64, r as i64);
    r
}

fn app_child_inner(shared: &Shared, t: &mut Tracer, pid: Tid, code: i32) -> bool {
    if pid <= 0 {
        return false;
    }
    if owned(t, pid) {
        if code == libc::CLD_TRAPPED || !t.tids.contains_key(&pid) {
            return t.pump().is_ok();
        }
        // An exit the pump has not reaped yet is the pump's. (It was taken
        // for the job-control copy below, reaped and dropped: a PT_KILLed
        // tracee's exit never came, its wait hung; R1, C face.)
        let exit = !matches!(code, libc::CLD_STOPPED | libc::CLD_CONTINUED);
        let pumped = exit && t.pump().unwrap_or(false);
        // The real parent's copy of a job-control change of a process we
        // trace (a thread of the program is its parent; or one between an
        // adoption's detach and seize): the tracer hears of it through
        // ptrace; this copy is nobody's business. An exit reaped here (the
        // process died since the peek, or Linux gives its zombie to the
        // real parent) is the tracer's: dispatched. So is a ptrace stop:
        // a tracer's wait takes those whatever its flags say (the kernel:
        // "traditionally we see ptrace'd stopped tasks regardless of
        // options"), so one that arrived since the pump is reaped here;
        // dropped, it left the thread stopped with nobody knowing, or
        // resumed later with its signal discarded. Told apart by who
        // traces the thread now.
        let cont = if code == libc::CLD_CONTINUED { libc::WCONTINUED } else { 0 };
        return match sys::wait4(pid, sys::WALL | libc::WNOHANG | libc::WUNTRACED | cont) {
            Ok(Some((tid, st))) => {
                let ours = || sys::procfs::status(tid).is_ok_and(|s| s.tracer_pid == shared.engine_tid.load(Ordering::Relaxed));
                if !libc::WIFSTOPPED(st) && !libc::WIFCONTINUED(st) || libc::WIFSTOPPED(st) && ours() {
                    t.dispatch_reaped(tid, st, None);
                }
                true
            }
            _ => pumped,
        };
    }
    if t.released.contains(&pid) && code != libc::CLD_TRAPPED && code != libc::CLD_STOPPED && code != libc::CLD_CONTINUED {
        // An exit reported already (the zombie leader of a process whose
        // last thread's exit was the report, issue 11 #6): reap it unseen.
        t.released.remove(&pid);
        return sys::wait4(pid, sys::WALL | libc::WNOHANG).is_ok();
    }
    if t.claim_death(pid, code) {
        // The death of a thread of a process we attached to, unknown to
        // us (engine/wait.rs `claim_attach_window_death`): the pump's.
        return t.pump().is_ok();
    }
    let pgid = sys::getpgid(pid).ok();
    // "Continued" only when that is what the peek saw (a waiter asked).
    let flags = sys::WALL | libc::WNOHANG | libc::WUNTRACED | if code == libc::CLD_CONTINUED { libc::WCONTINUED } else { 0 };
    let traced_by = if code == libc::CLD_TRAPPED { sys::procfs::status(pid).ok().map(|s| s.tracer_pid).unwrap_or(0) } else { 0 };
    if traced_by != 0 && traced_by == shared.engine_tid.load(Ordering::Relaxed) {
        // A stop of a tracee of the engine's that it does not know (yet):
        // a thread cloned just before a SIGKILL, whose clone event never
        // comes. The peek saw an earlier stop the pump has reaped since
        // (its first stop, filed as early); this is its next one, at its
        // exit. The pump's, to dispatch (it lets such a thread go).
        // Reaped here it was listed as a PT_TRACE_ME stop of the engine
        // thread, which nobody hands over: the thread stayed stopped, the
        // leader a zombie, the wait blocked (issue 11 #1, C face).
        return t.pump().is_ok();
    }
    // Reap and publish under the lock: a waiter that found nothing
    // published and then no such child (ECHILD) must not slip in between.
    let mut st = shared.lock();
    if st.handover.contains(&pid) {
        return false;
    }
    match sys::wait4_rusage(pid, flags, false, true) {
        Ok(Some((p, status, rusage))) => {
            if libc::WIFSTOPPED(status) && traced_by != 0 {
                st.traceme.push(TraceMeStop { child: Pid(p), tracer: traced_by, status });
            } else {
                if !libc::WIFSTOPPED(status) && !libc::WIFCONTINUED(status) {
                    // Died before its tracer took it.
                    st.traceme.retain(|x| x.child.0 != p);
                }
                let exit = !libc::WIFSTOPPED(status) && !libc::WIFCONTINUED(status);
                let rep = Report { pid: Pid(p), status: WaitStatus::from_raw(status), rusage: if exit { rusage } else { None }, pgid };
                push_report(shared, &mut st, rep);
            }
            st.seq += 1;
            drop(st);
            shared.cv.notify_all();
            true
        }
        // The status the peek saw is gone already (a continued child that
        // began to exit loses its "continued" before it is a zombie): look
        // again, the next status will wake the peek.
        Ok(None) => true,
        // Gone since the peek saw it (a thread of a process just detached,
        // reaped or let go meanwhile): look again, as above. Parking here
        // would leave a waiter that is already counted blind to the next
        // status (issue 11 #2: the zombie of the detached process).
        Err(Errno::ECHILD) => true,
        Err(_) => false,
    }
}
/// The doorbell backend's stand-in for the io_uring process-wide peek: a
/// thread that blocks in `waitid(WNOWAIT)` over every child of the program
/// while some waiter wants them, and hands each status it sees to the
/// engine thread (which alone can tell its tracees from the program's
/// children). It never reaps.
pub(super) fn watcher(shared: Arc<Shared>, handle: std::sync::Weak<Handle>) {
    // (watch_gen, seq) when the last look found nothing to act on: look
    // again only once a waiter arrived or something was published since.
    let mut idle: Option<(u64, u64)> = None;
    loop {
        {
            let mut st = shared.lock();
            while !st.dead && (st.app_waiters == 0 || idle == Some((st.watch_gen, st.seq))) {
                st = shared.cv.wait(st).unwrap_or_else(|e| e.into_inner());
            }
            if st.dead {
                return;
            }
        }
        // Always "continued" too: this peek blocks in the kernel, and
        // nothing wakes it reliably when a waiter for "continued" arrives
        // (the doorbell's stop, which would, may be reaped by the engine
        // thread first). So with this backend the engine still takes
        // Linux's one "continued" state of a tracee that is not the
        // program's child (docs/deviations.md); io_uring's peek does not.
        let peek = sys::waitid_peek_all(peek_flags(true));
        let Some(h) = handle.upgrade() else { return };
        let engine = Engine { shared: shared.clone(), _handle: h };
        // What the waiters were when the look was decided on: a waiter
        // arriving later moves watch_gen, and the next loop looks again.
        let snapshot = || {
            let st = shared.lock();
            (st.app_waiters > 0, (st.watch_gen, st.seq))
        };
        let outcome = match peek {
            Ok(Some((pid, code))) => engine.try_with(|t| {
                let _ = t.pump();
                let (waiters, at) = snapshot();
                ((owned(t, pid) || waiters) && app_child(&shared, t, pid, code), at)
            }),
            // No child at all.
            _ => Some((false, snapshot().1)),
        };
        drop(engine);
        match outcome {
            None => return,
            Some((true, _)) => idle = None,
            Some((false, at)) => idle = Some(at),
        }
    }
}
