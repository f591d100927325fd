//! The engine thread's loop: run the queued jobs (requests) in order,
//! sleep until a tracee or a child of the program has news or a job
//! comes, pump what the kernel has, act on the program's own children, and
//! publish what became reportable.

use super::*;

pub(super) fn engine_main(shared: Arc<Shared>, opts: EngineOptions, mask: u64, started: std::sync::mpsc::SyncSender<Result<()>>) {
    shared.engine_tid.store(sys::gettid(), Ordering::Relaxed);
    // Never the process-wide flavour: the program's children are reaped
    // only through the watch below, by pid, when a waiter wants them.
    let mut tracer = Tracer::new();
    tracer.driven = true;
    tracer.spawn_sigmask = Some(mask);
    let mut sleeper = match wakeup::Sleeper::new(&shared.bell, opts.backend) {
        Ok(s) => s,
        Err(e) => {
            shared.lock().dead = true;
            let _ = started.send(Err(e.into()));
            return;
        }
    };
    tracer.doorbell = sleeper.doorbell();
    *shared.backend.lock().unwrap_or_else(|e| e.into_inner()) = Some(sleeper.backend());
    let _ = started.send(Ok(()));
    let mut pub_state = PublishState::default();
    loop {
        // Requests first, in order; each sees the stops taken before it.
        loop {
            let job = {
                let mut st = shared.lock();
                for pid in std::mem::take(&mut st.marks) {
                    tracer.mark_waited(pid);
                }
                st.jobs.pop_front()
            };
            let Some(mut job) = job else { break };
            job.run(&mut tracer);
            sleeper.rearm();
            publish(&shared, &mut tracer, &mut sleeper, &mut pub_state);
            drop(job);
        }
        if shared.lock().closing {
            break;
        }
        let seen = sleeper.prepare(&shared.bell);
        let (app, gen_at_sleep) = {
            let st = shared.lock();
            if !st.jobs.is_empty() || st.closing {
                drop(st);
                sleeper.cancel(&shared.bell);
                continue;
            }
            let app = st.app_ever && st.handover.is_empty() && st.app_parked.is_none_or(|g| g != st.watch_gen);
            (app.then_some(st.cont_waiters > 0), st.watch_gen)
        };
        if app.is_some() {
            shared.lock().app_parked = None;
        }
        sleeper.set_look_only(tracer.attach_window_open());
        match sleeper.sleep(&shared.bell, seen, app, true) {
            Ok(w) => {
                if let Some((tid, status, rusage)) = w.reaped {
                    tracer.dispatch_reaped(tid, status, rusage);
                }
                if w.kernel || w.reaped.is_some() {
                    let _ = tracer.pump();
                }
                if let Some((pid, code)) = w.app {
                    // The waiters as they are now: a waiter arriving after
                    // this look moves watch_gen and unparks the watch.
                    let waiters = shared.lock().app_waiters > 0;
                    let consumed = (owned(&tracer, pid) || waiters) && app_child(&shared, &mut tracer, pid, code);
                    if !consumed {
                        // Nothing to act on now (no child at all, or a
                        // child's status no waiter asked for yet: it stays
                        // in the kernel): park until a waiter arrives. A
                        // waiter that came while we slept (with the child
                        // it waits for, perhaps forked after the peek said
                        // "no child") moved watch_gen past the one the
                        // peek was armed under: park at that one, so the
                        // watch looks again (issue 11 #5: a wait for a
                        // killed PT_TRACE_ME child hung, parked blind).
                        shared.lock().app_parked = Some(gen_at_sleep);
                    }
                }
            }
            Err(e) => {
                tracing::error!(?e, "engine thread cannot sleep");
                break;
            }
        }
        publish(&shared, &mut tracer, &mut sleeper, &mut pub_state);
    }
    // Closing: drop the tracer here, on its own thread (it kills or
    // detaches what it still traces), and release anyone still queued.
    let mut st = shared.lock();
    st.dead = true;
    st.seq += 1;
    let jobs = std::mem::take(&mut st.jobs);
    drop(st);
    drop(jobs);
    drop(tracer);
    drop(sleeper);
    shared.cv.notify_all();
}
