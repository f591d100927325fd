//! What the engine thread publishes after each round: the reports a
//! waiter may take, under the shared lock, and the ready descriptor.

use super::*;

pub(super) fn push_report(shared: &Shared, st: &mut State, r: Report) {
    st.published.push_back(r);
    if !st.signalled {
        st.signalled = true;
        sys::eventfd_signal(&shared.ready);
    }
}

#[derive(Default)]
pub(super) struct PublishState {
    known_stamp: (usize, i64),
}

/// Move what the tracer has to report into the published queue and wake
/// waiters; refresh the set of pids a wait may name.
pub(super) fn publish(shared: &Shared, tracer: &mut Tracer, sleeper: &mut wakeup::Sleeper, ps: &mut PublishState) {
    for st in std::mem::take(&mut tracer.doorbell_statuses) {
        if !sleeper.doorbell_status(&shared.bell, st) {
            tracing::error!("the engine's doorbell child cannot be recreated");
        }
    }
    let mut new = Vec::new();
    while let Some(r) = tracer.take_reported() {
        if shared.process_waits && matches!(r.status, WaitStatus::Exited(_) | WaitStatus::Signaled { .. }) && !tracer.children.contains(&r.pid.0) {
            // We reaped it as its tracer; if its real parent is a thread of
            // this program, Linux now hands the zombie to that thread too.
            // One process-wide wait must report it once: reap that copy.
            let _ = sys::wait4(r.pid.0, sys::WALL | libc::WNOHANG);
        }
        crate::engine::ring::record(crate::engine::ring::Kind::Publish, r.pid.0 as i64, r.status.raw() as i64, 0);
        new.push(Report { pid: r.pid, status: r.status, rusage: r.rusage, pgid: r.pgid });
    }
    let mut lwp_new = Vec::new();
    while let Some(r) = tracer.take_lwp_ready(-1) {
        lwp_new.push(r);
    }
    let fp = (
        tracer.procs.len() + tracer.children.len(),
        tracer.procs.keys().map(|p| p.0 as i64).sum::<i64>() + tracer.children.iter().map(|p| *p as i64 * 31).sum::<i64>(),
    );
    let known_changed = fp != ps.known_stamp;
    if new.is_empty() && lwp_new.is_empty() && !known_changed {
        return;
    }
    ps.known_stamp = fp;
    let mut st = shared.lock();
    if known_changed {
        st.known.clear();
        st.known.extend(tracer.procs.keys().map(|p| p.0));
        st.known.extend(tracer.children.iter().copied());
    }
    for r in new {
        push_report(shared, &mut st, r);
    }
    if !lwp_new.is_empty() {
        st.lwp_published.extend(lwp_new);
        if !st.signalled {
            st.signalled = true;
            sys::eventfd_signal(&shared.ready);
        }
    }
    st.seq += 1;
    drop(st);
    shared.cv.notify_all();
}
