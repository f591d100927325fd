//! PT_ATTACH and PT_TRACE_ME: how a process becomes traced. An attach
//! seizes every thread and interrupts it (ending a job stop with a SIGCONT
//! the program never sees); a PT_TRACE_ME child, traced by Linux with a
//! legacy attach, is adopted: detached into a job-control stop and seized.

use super::candebug;
use crate::abi;
use crate::engine::{options_for, Event, LinuxState, LinuxStop, Lwp, Lwpid, Pid, Proc, ProcState, Target, Tracer};
use crate::error::{Errno, Result};
use crate::sys::{self, procfs, Tid};

/// PT_TRACE_ME, for a child about to be traced by its parent: declare the
/// parent the tracer. Like FreeBSD's it does not stop; the child usually
/// raises SIGSTOP or execs next. The parent's [`Tracer::wait`] adopts the
/// child at its first stop.
///
/// FreeBSD kills a traced process whose debugger exits
/// (`kern.kill_on_debugger_exit`); Linux's PTRACE_TRACEME has no
/// PTRACE_O_EXITKILL until the tracer sets options at the first stop, and
/// the adoption passes through a moment where the child is not traced at
/// all (issue 11 #7). So the child arms a parent-death SIGKILL here, and
/// the adoption disarms it once the child is seized with EXITKILL (see
/// `armed`). Only when the program has no parent-death signal of its own
/// (the case after every fork): one it set is left as it is, and nothing
/// is armed.
pub fn trace_me() -> Result<()> {
    let me = sys::getpid();
    if procfs::status(me).is_ok_and(|s| s.tracer_pid != 0) {
        return Err(Errno::EBUSY.into());
    }
    let ppid = sys::getppid();
    if ppid == 1 {
        return Err(Errno::EPERM.into());
    }
    // (A parent in another pid namespace shows as 0: its tracer could not
    // find our record under our pid.)
    let armed = ppid > 0 && sys::proc::pdeathsig() == Ok(0) && armed::note(me) && sys::proc::set_pdeathsig(libc::SIGKILL).is_ok();
    if !armed {
        armed::take(me);
    } else if sys::getppid() != ppid {
        // The parent died before the arming, so the signal will not come:
        // its tracee-to-be goes the way FreeBSD sends a debugger's tracees.
        let _ = sys::kill(me, libc::SIGKILL);
    }
    if let Err(e) = sys::traceme() {
        if armed {
            let _ = sys::proc::set_pdeathsig(0);
            armed::take(me);
        }
        return Err(e.into());
    }
    Ok(())
}

use crate::sys::armed;

/// Make ready, in a process that will trace PT_TRACE_ME children, what lets
/// them die with it before it has seized them (`armed`). Call it before
/// forking them: [`Tracer::new`] does, and libbsdtrace when it is loaded.
pub fn prepare_traceme() {
    armed::prepare();
}

impl Tracer {
    /// PT_ATTACH: stop tracing nothing, start tracing `pid`, all its threads.
    /// The first stop reported is SIGSTOP (with `PL_FLAG_SI`).
    pub fn attach(&mut self, t: Target) -> Result<Pid> {
        self.attach_with(t, true)
    }

    /// [`Tracer::attach`] choosing kill-on-exit from the first instant
    /// (see [`Tracer::set_kill_on_exit`]): with `false` the process is
    /// never armed to die with the tracer, not even between the seize and
    /// its first stop, where `set_kill_on_exit` cannot reach it yet.
    pub fn attach_with(&mut self, t: Target, kill_on_exit: bool) -> Result<Pid> {
        let (pid, st) = self.lookup(t)?;
        // Ourselves: FreeBSD's p_candebug() lets a process debug itself,
        // then PT_ATTACH says EINVAL. By the pid we have now: a Tracer
        // carried into a forked child keeps its parent's `self_pid` (it
        // answered EPERM there, from Linux's seize of its own group, and
        // as `nobody` from the credential check: issue 11's fault suite).
        let me = sys::getpid();
        if pid.0 == me {
            return Err(Errno::EINVAL.into());
        }
        candebug(&st)?;
        if procfs::is_kernel_thread(pid.0).unwrap_or(false) {
            return Err(Errno::EINVAL.into());
        }
        if st.tracer_pid != 0 || self.knows_live(pid) {
            return Err(Errno::EBUSY.into());
        }
        // A traced tracer may not attach to its own ancestors.
        if procfs::status(me).is_ok_and(|s| s.tracer_pid != 0) && is_ancestor(pid.0, me) {
            return Err(Errno::EINVAL.into());
        }
        // (A pid whose old exit is still to be collected: set aside.)
        self.set_aside_exit(pid);
        let mask = abi::PTRACE_DEFAULT;
        let mut opts = options_for(mask);
        if !kill_on_exit {
            opts &= !sys::PTRACE_O_EXITKILL;
        }
        let mut p = Proc::new(pid, mask);
        p.options = opts;
        p.exit_kill = kill_on_exit;
        // Seize every thread; threads created meanwhile are caught by
        // TRACECLONE from seized ones, so loop until /proc shows no new tid.
        // Without PTRACE_O_TRACEEXIT until each one's first stop: an execve
        // from a thread not seized yet holds the process's
        // cred_guard_mutex, which our next seize waits for, while its
        // de_thread kills the leader and waits for it to become a zombie;
        // a leader we seized would stop at its exit for us instead, and
        // both would wait for ever (issue 11, R2: `PT_ATTACH` hangs on an
        // `execer`, 2 in 15,000 C rounds). Without the exit stop it dies
        // at once, the exec goes on, and the seize then takes the thread
        // that exec'd.
        let seize_opts = opts & !sys::PTRACE_O_TRACEEXIT;
        // While we seize, a zombie of ours may hold up an execve that our
        // next seize waits for (`Reaper`): a thread of our own reaps them.
        let reaper = Reaper::default();
        let seized = std::thread::scope(|s| {
            let mut helper = None;
            let mut tried = false;
            let mut start = || {
                if !tried {
                    // (No thread to be had, RLIMIT_NPROC say: seize as
                    // before, without it.)
                    tried = true;
                    helper = std::thread::Builder::new().name("bsdtrace-attach".into()).spawn_scoped(s, || reaper.run()).ok();
                }
            };
            let r = self.seize_threads(pid, &mut p, seize_opts, &reaper, &mut start);
            if r.is_ok() {
                // The attach stop is ours: interrupt everything.
                self.interrupt_fresh(&mut p);
                // A thread whose clone was under way when we seized its
                // creator is born untraced (Linux decided at the clone's
                // start) and may be listed only after our last look; if it
                // then execs, the threads we hold die silently and the
                // process runs on untraced while we wait for its stop
                // (`tests/attach_exec.rs`). Once the threads we interrupted
                // are in their traps no clone of theirs is under way: look
                // once more then (a thread that does not trap within a few
                // ms, asleep uninterruptibly, is left to the engine).
                for _ in 0..4 {
                    wait_for_traps(&p);
                    let before: Vec<Tid> = p.lwps.iter().map(|l| l.tid).collect();
                    let _ = self.seize_threads(pid, &mut p, seize_opts, &reaper, &mut start);
                    if p.lwps.iter().map(|l| l.tid).eq(before.iter().copied()) && p.lwps.iter().all(|l| l.interrupt_pending || l.linux != LinuxState::Running) {
                        break;
                    }
                    self.interrupt_fresh(&mut p);
                }
            }
            reaper.stop.store(true, std::sync::atomic::Ordering::Relaxed);
            if let Some(h) = helper {
                h.thread().unpark();
                let _ = h.join();
            }
            r
        });
        for tid in reaper.reaped.into_inner().unwrap_or_default() {
            p.lwps.retain(|l| l.tid != tid);
            self.tids.remove(&tid);
        }
        if let Err(e) = seized {
            for l in &p.lwps {
                self.tids.remove(&l.tid);
            }
            return Err(e.into());
        }
        if p.lwps.is_empty() {
            return Err(Errno::ESRCH.into());
        }
        if p.leader_gone && st.ppid == me {
            // We report the process's exit at its last thread's; the
            // leader's zombie, ours as its parent, then comes as an
            // untraced child's: not a second exit (issue 11 #6).
            self.released.insert(pid.0);
        }
        p.initial = Some(Event::Attach);
        self.attaching = true;
        p.state = ProcState::Stopping;
        if st.state == 'T' && sys::kill(pid.0, libc::SIGCONT).is_ok() {
            // Job-stopped (by its shell's SIGSTOP): FreeBSD's PT_CONTINUE
            // and PT_DETACH clear P_STOPPED_SIG and it runs. Linux keeps
            // the group stop until a SIGCONT, trapping the threads again
            // at each resume and stopping them again at the detach. End it
            // now with a SIGCONT of ours that is never delivered (as for
            // an adoption); its real parent sees it continued.
            p.swallow |= 1 << (libc::SIGCONT - 1);
        }
        self.procs.insert(pid, p);
        Ok(pid)
    }
}

/// Wait, a few ms at most, until every thread of `p` we interrupted has
/// a status pending (its trap, or its death), without taking it.
fn wait_for_traps(p: &Proc) {
    for i in 0..120 {
        let all = p.lwps.iter().filter(|l| l.interrupt_pending).all(|l| !matches!(sys::waitid_pid_peek(l.tid, sys::WALL | libc::WNOHANG), Ok(None)));
        if all {
            return;
        }
        if i < 20 {
            std::thread::yield_now();
        } else {
            std::thread::sleep(std::time::Duration::from_micros(50));
        }
    }
}

impl Tracer {
    /// PTRACE_INTERRUPT every thread of an attach not interrupted yet.
    fn interrupt_fresh(&mut self, p: &mut Proc) {
        for l in p.lwps.iter_mut().filter(|l| !l.interrupt_pending && l.linux == LinuxState::Running) {
            if sys::interrupt(l.tid).is_ok() {
                l.interrupt_pending = true;
                self.interrupts_out = true;
            } else {
                l.linux = LinuxState::Exiting;
            }
            l.sc = crate::engine::ScState::Unknown;
        }
    }

    /// Seize every thread of `pid` into `p` (PT_ATTACH). Threads created
    /// meanwhile are caught by TRACECLONE from seized ones, or by the next
    /// look at /proc; the loop ends once a look finds every live thread
    /// ours. An execve from a thread not seized yet (issue 11 #13) kills
    /// the threads we hold and hands the process's id to the exec'ing
    /// thread: the leader we seized dies silently (de_thread releases it,
    /// no status comes), so a live thread of the process under a tid we
    /// seized that is not traced by us means the image changed under us,
    /// and the leader is seized again. A thread we seized that is no
    /// longer listed at all was the exec'ing thread (a thread we trace
    /// that dies stays listed, a zombie, until we reap it): its record
    /// goes, the process's id names it now. `start_reaper` is called
    /// before the first seize of a thread that is not the leader.
    fn seize_threads(&mut self, pid: Pid, p: &mut Proc, seize_opts: u32, reaper: &Reaper, start_reaper: &mut dyn FnMut()) -> Result<(), Errno> {
        let me = sys::gettid();
        let mut restarts = 0;
        let mut looks = 0;
        loop {
            let tasks = procfs::tasks(pid.0).unwrap_or_default();
            let mut added = false;
            for &tid in &tasks {
                if p.lwp(tid).is_some() || self.tids.contains_key(&tid) {
                    continue;
                }
                let leader = tid == pid.0;
                if !leader {
                    start_reaper();
                }
                let seized = if leader { seize_leader(pid, seize_opts) } else { sys::seize(tid, seize_opts) };
                // A thread born of a thread we seized already is ours from
                // birth (Linux's auto-attach: TRACECLONE), so its own seize
                // fails. Taken for one that had just exited, it was unknown
                // to the engine; if it died before its first stop and
                // before its creator's clone event (a SIGKILL right after
                // the attach), its death came through as the exit of an
                // unknown child (fault suite long-form R1, Rust face, worker
                // seeds 22000089, 22000078).
                let seized = match seized {
                    Err(Errno::EPERM) if !leader => {
                        if procfs::task_status(pid.0, tid).is_ok_and(|s| s.tracer_pid == me) {
                            Ok(())
                        } else {
                            Err(Errno::EPERM)
                        }
                    }
                    r => r,
                };
                match seized {
                    Ok(()) => {
                        let mut l = Lwp::new(tid, LinuxState::Running);
                        l.options_late = true;
                        p.lwps.push(l);
                        self.tids.insert(tid, pid);
                        if tid != pid.0 {
                            reaper.watch(tid);
                        }
                        added = true;
                    }
                    Err(_) if tid == pid.0 && procfs::task_status(pid.0, tid).is_ok_and(|s| s.state == 'Z') => {
                        // The main thread exited before the others: a zombie
                        // cannot be traced, its threads can (and are the
                        // process). Its exit goes to its real parent; ours
                        // is the last thread's (see on_lwp_gone).
                        p.leader_gone = true;
                    }
                    Err(e) if leader && p.lwps.is_empty() => {
                        return Err(match e {
                            Errno::EACCES => Errno::EPERM,
                            other => other,
                        })
                    }
                    Err(_) => {} // a thread that just exited
                }
            }
            if added {
                continue;
            }
            looks += 1;
            match self.seized_all(pid, p, &tasks, me, reaper) {
                Look::Done => return Ok(()),
                Look::Again if looks < 200 => {
                    std::thread::sleep(std::time::Duration::from_micros(100));
                }
                Look::Restart if restarts < 20 => {
                    restarts += 1;
                    // The leader's record goes (that task is dead, released
                    // by the exec); the other threads we hold die with the
                    // old image and are collected as any thread's death.
                    p.lwps.retain(|l| l.tid != pid.0);
                    self.tids.remove(&pid.0);
                }
                _ => return Ok(()),
            }
        }
    }

    /// After a pass of [`Tracer::seize_threads`] that seized nothing new:
    /// is every live thread of `pid` (the listing `tasks`) ours?
    fn seized_all(&mut self, pid: Pid, p: &mut Proc, tasks: &[Tid], me: Tid, reaper: &Reaper) -> Look {
        if tasks.is_empty() {
            // Gone, or the moment of a non-leader's execve when /proc
            // lists no task (request/mod.rs `lookup`).
            return match procfs::status(pid.0) {
                Ok(s) if !matches!(s.state, 'Z' | 'X') || s.threads >= 2 => Look::Again,
                _ => Look::Done,
            };
        }
        // A thread we seized that is not listed: the exec'ing thread, whose
        // id is the process's now.
        let vanished: Vec<Tid> = p.lwps.iter().map(|l| l.tid).filter(|t| *t != pid.0 && !tasks.contains(t)).collect();
        if !vanished.is_empty() {
            for t in vanished {
                p.lwps.retain(|l| l.tid != t);
                self.tids.remove(&t);
                reaper.unwatch(t);
            }
            // The task under the process's id is another one now: an
            // interrupt sent under that id went to the dead leader.
            if let Some(l) = p.lwp_mut(pid.0) {
                l.interrupt_pending = false;
                l.linux = LinuxState::Running;
            }
        }
        for &t in tasks {
            let Ok(st) = procfs::task_status(pid.0, t) else { continue };
            if matches!(st.state, 'Z' | 'X') || st.tracer_pid == me {
                continue;
            }
            if p.lwp(t).is_some() {
                // One of ours under this id, and the live task is not ours.
                return Look::Restart;
            }
            // A thread not seized yet (born since the listing, or its seize
            // met it mid-exec): another pass.
            return Look::Again;
        }
        if p.lwp(pid.0).is_none() && !p.leader_gone && procfs::status(pid.0).is_ok_and(|s| !matches!(s.state, 'Z' | 'X')) {
            // The leader not seized: not listed at that look (an exec
            // handing its id over), or its record went with a restart.
            return Look::Again;
        }
        Look::Done
    }
}

/// What [`Tracer::seized_all`] found.
enum Look {
    /// Every live thread is ours.
    Done,
    /// A thread to seize, or no thread listed for now: look again.
    Again,
    /// An execve replaced the threads we seized: seize the leader again.
    Restart,
}

/// Reaps, from a thread of our own, the threads we seized that die while
/// an attach is still seizing. A thread we trace that dies is a zombie
/// until we reap it, and an execve from another thread waits in de_thread
/// for every other thread to be reaped, holding the process's
/// `cred_guard_mutex`, which our next PTRACE_SEIZE of a thread of that
/// process waits for: without a second thread both would wait for ever (a
/// thread seized just before a non-leader's exec; the fault suite's R2
/// hang of issue 11, and `tests/attach_exec.rs` with a few threads asleep).
/// Any thread of the tracer's process may reap its tracees (wait4 looks at
/// every thread's). It naps 1 ms first (most attaches are over by then),
/// then looks every 500 us, without reaping anything but an exit.
#[derive(Default)]
struct Reaper {
    stop: std::sync::atomic::AtomicBool,
    watched: std::sync::Mutex<Vec<Tid>>,
    reaped: std::sync::Mutex<Vec<Tid>>,
}

impl Reaper {
    fn watch(&self, tid: Tid) {
        if let Ok(mut w) = self.watched.lock() {
            w.push(tid);
        }
    }

    fn unwatch(&self, tid: Tid) {
        if let Ok(mut w) = self.watched.lock() {
            w.retain(|t| *t != tid);
        }
    }

    fn run(&self) {
        use std::sync::atomic::Ordering;
        let mut nap = std::time::Duration::from_millis(1);
        while !self.stop.load(Ordering::Relaxed) {
            std::thread::park_timeout(nap);
            nap = std::time::Duration::from_micros(500);
            if self.stop.load(Ordering::Relaxed) {
                return;
            }
            let tids = self.watched.lock().map(|w| w.clone()).unwrap_or_default();
            for tid in tids {
                let dead = matches!(
                    sys::waitid_pid_peek(tid, sys::WALL | libc::WNOHANG),
                    Ok(Some((code, _))) if matches!(code, libc::CLD_EXITED | libc::CLD_KILLED | libc::CLD_DUMPED)
                );
                if dead && matches!(sys::wait4(tid, sys::WALL | libc::WNOHANG), Ok(Some(_))) {
                    self.unwatch(tid);
                    if let Ok(mut r) = self.reaped.lock() {
                        r.push(tid);
                    }
                }
            }
        }
    }
}

/// Seize the leader of a process being attached. Linux's ptrace_attach
/// finds the task by its id, then waits for the target's
/// `cred_guard_mutex`, which an execve holds from before it kills the
/// other threads (de_thread) until its new image is set up. When the exec
/// comes from a thread that is not the leader, de_thread kills the leader,
/// and the exec'ing thread takes over its id: the task found is a dead
/// one by the time the mutex is ours, and `task->exit_state` makes the
/// attach EPERM (as it does for an already traced task). The process lives
/// on under the same id: seize it again, as FreeBSD's attach is ordered
/// before or after the exec and succeeds. Each retry looks at the process
/// afresh: gone or a zombie, ESRCH or the caller's zombie-leader case;
/// traced by another since, EBUSY (FreeBSD's answer); no longer ours to
/// debug (a set-id exec, for a tracer that is not root), EPERM. An EPERM
/// that outlives a few retries (Yama, say) is returned.
fn seize_leader(pid: Pid, opts: u32) -> Result<(), Errno> {
    let mut tries = 0;
    loop {
        match sys::seize(pid.0, opts) {
            Err(Errno::EPERM) if tries < 20 => {
                let Ok(now) = procfs::status(pid.0) else { return Err(Errno::ESRCH) };
                if matches!(now.state, 'Z' | 'X') {
                    return Err(Errno::EPERM);
                }
                if now.tracer_pid == sys::gettid() {
                    // Ours already: the exec'ing thread we seized under its
                    // own id has taken over the process's.
                    return Ok(());
                }
                if now.tracer_pid != 0 {
                    return Err(Errno::EBUSY);
                }
                candebug(&now)?;
                tries += 1;
                std::thread::sleep(std::time::Duration::from_micros(100));
            }
            r => return r,
        }
    }
}

impl Tracer {
    /// Adopt a PT_TRACE_ME child whose Linux tracer is another thread of
    /// this process. Linux makes the thread that forked the child its
    /// tracer, and only that thread may PTRACE_DETACH it, so when the
    /// forking thread is not the one that owns this `Tracer` (the engine's
    /// own adoption at the first stop fails) the forking thread does the
    /// first half: it reaps the child's first stop (`status`, with its
    /// `siginfo`) and detaches it into a job-control stop with SIGSTOP,
    /// reaping that too. This is the second half of the engine's adoption:
    /// seize, end the job-control stop unseen, and report the first stop as
    /// the engine would have.
    pub fn adopt_traceme_detached(&mut self, pid: Pid, status: i32, siginfo: Option<sys::siginfo_t>) -> Result<()> {
        let tid: Tid = pid.0;
        if self.knows_live(pid) {
            return Err(Errno::EBUSY.into());
        }
        // A PT_TRACE_ME child with the pid of a tracee whose exit is still
        // to be collected: EBUSY here left it job-stopped and untraced, and
        // its parent's waitpid blocked for ever (fault suite long-form R1).
        self.set_aside_exit(pid);
        // Whatever happens below, the child's record goes (trace_me).
        let armed = armed::take(tid);
        let sig = libc::WSTOPSIG(status);
        // A legacy exec stop is a plain SIGTRAP the kernel sends "from" the
        // tracee itself with SEND_SIG_NOINFO (SI_USER, si_pid = its pid).
        let is_exec = (status >> 16) == sys::PTRACE_EVENT_EXEC
            || (sig == libc::SIGTRAP
                && (status >> 16) == 0
                && siginfo.is_some_and(|s| {
                    sys::si::code(&s) == libc::SI_USER && (sys::si::pid(&s) == 0 || sys::si::pid(&s) == tid)
                }));
        // The detach left a job-control stop whose notification waits for
        // the real parent (a thread of ours): take it, nobody is to see it.
        // Killed since (issue 11 #5): that wait reaps its exit, which is
        // then reported as any untraced child's.
        if let Ok(Some((_, st))) = sys::wait4(tid, sys::WALL | libc::WUNTRACED | libc::WNOHANG) {
            if !libc::WIFSTOPPED(st) {
                let ru = self.last_rusage.take();
                self.foreign.push_back((tid, st, ru));
                return Err(Errno::ESRCH.into());
            }
        }
        let mask = abi::PTRACE_DEFAULT;
        let opts = options_for(mask);
        if let Err(e) = sys::seize(tid, opts) {
            // Refused (EPERM: a tracer that changed its uid left the child
            // non-dumpable; PTRACE_TRACEME alone skipped that check): the
            // child is job-stopped and untraced now. Its debugger still
            // gets the stop it waits for, never a wait that blocks for
            // ever; then every request answers EPERM (untraced), as
            // FreeBSD's p_candebug answers for a P_SUGID child.
            // (An exiting child's EPERM leaves it a zombie, not alive; one
            // another tracer seized meanwhile is that tracer's.)
            if e == Errno::EPERM && procfs::status(tid).is_ok_and(|s| !matches!(s.state, 'Z' | 'X') && s.tracer_pid == 0) {
                self.refused.push(tid);
                self.foreign.push_back((tid, (sig << 8) | 0x7f, None));
            }
            return Err(e.into());
        }
        let mut p = Proc::new(pid, mask);
        p.options = opts;
        let mut l = Lwp::new(tid, LinuxState::Stopped(LinuxStop::Event));
        if is_exec {
            l.event = Some(Event::Exec { old_tid: Lwpid(tid) });
        } else {
            l.event = Some(Event::TraceMe { sig });
            l.siginfo = siginfo.into();
        }
        p.lwps.push(l);
        // Threads it made before (or after) PT_TRACE_ME were never traced
        // (Linux traced only the calling thread); the job-control stop holds
        // them all, so seize them too: FreeBSD traces the process.
        loop {
            let mut added = false;
            for t in procfs::tasks(tid).unwrap_or_default() {
                if p.lwp(t).is_some() || sys::seize(t, opts).is_err() {
                    continue;
                }
                p.lwps.push(Lwp::new(t, LinuxState::Stopped(LinuxStop::Event)));
                added = true;
            }
            if !added {
                break;
            }
        }
        // Seizing a job-stopped task makes it trap (PTRACE_EVENT_STOP):
        // collect those traps, then end the job-control stop. The SIGCONT
        // that does it is ours, and is never delivered.
        // A SIGCONT from a thread of its own (or anyone) between the
        // detach and the seize ended the job-control stop: such a thread
        // never traps by itself, and a blocking wait for it would hang the
        // tracer (issue 11 #4), so it is interrupted.
        let mut gone = None;
        for l in p.lwps.iter_mut() {
            let mut w = sys::wait4(l.tid, sys::WALL | libc::WNOHANG);
            if matches!(w, Ok(None)) {
                let _ = sys::interrupt(l.tid);
                w = sys::wait4(l.tid, sys::WALL);
            }
            match w {
                Ok(Some((_, st))) if libc::WIFSTOPPED(st) => {}
                Ok(Some((_, st))) if l.tid == tid => gone = Some(st),
                _ => l.linux = LinuxState::Exiting,
            }
        }
        if armed && gone.is_none() {
            // Seized with EXITKILL now: the parent-death SIGKILL the child
            // armed in trace_me has done its part (it covered the child
            // until here, untraced since the detach). Left armed, it would
            // show (PR_GET_PDEATHSIG), kill the child when the thread that
            // forked it ends, and outlive a PT_DETACH.
            match disarm_pdeathsig(tid) {
                Err(Disarm::Gone(st)) => gone = Some(st),
                Err(Disarm::Dying) => {
                    // Killed meanwhile: held at its exit (as drain_our_sigcont).
                    let l = p.lwps.iter_mut().find(|l| l.tid == tid).expect("the leader");
                    l.linux = LinuxState::Stopped(LinuxStop::Exit);
                }
                Err(Disarm::Failed(e)) => tracing::debug!(tid, ?e, "parent-death signal left armed"),
                Ok(()) => {}
            }
        }
        if let Some(st) = gone {
            // The leader's exit (killed meanwhile, the group empty): the
            // process is gone; report it as the child it is.
            self.foreign.push_back((tid, st, None));
            return Err(Errno::ESRCH.into());
        }
        let _ = sys::kill(tid, libc::SIGCONT);
        // Its continue notification for the real parent, likewise (or its
        // exit, if it was killed just now: then the process is gone).
        if let Ok(Some((_, st))) = sys::wait4(tid, sys::WALL | libc::WCONTINUED | libc::WNOHANG) {
            if libc::WIFEXITED(st) || libc::WIFSIGNALED(st) {
                for l in &p.lwps {
                    if l.tid != tid {
                        let _ = sys::wait4(l.tid, sys::WALL | libc::WNOHANG);
                    }
                }
                self.foreign.push_back((tid, st, None));
                return Err(Errno::ESRCH.into());
            }
        }
        p.swallow |= 1 << (libc::SIGCONT - 1);
        p.pending.push_back(tid);
        p.state = ProcState::Stopping;
        for l in &p.lwps {
            self.tids.insert(l.tid, pid);
        }
        self.procs.insert(pid, p);
        self.check_all_stopped(pid);
        Ok(())
    }
}

/// ptrace(2): PTRACE_SETSIGMASK.
const PTRACE_SETSIGMASK: u32 = 0x420b;

/// Why [`disarm_pdeathsig`] did not run its call.
enum Disarm {
    /// The thread is gone: its exit status (reaped).
    Gone(i32),
    /// The thread is at its exit stop (killed).
    Dying,
    /// It could not be run (no `syscall` instruction found, a fault).
    Failed(Errno),
}

/// `prctl(PR_SET_PDEATHSIG, 0)` run inside `tid`, which we seized and hold
/// in a trap (an adoption's group-stop trap), unseen by the program: its
/// registers and signal mask are put back, it is left in a trap (the
/// single step's SIGTRAP stop, which resuming with no signal discards as it
/// does the trap it replaces). request/remote.rs injects the same way (a
/// `syscall` of the vDSO's, single-stepped). Every signal is blocked during
/// the step, so that none pending is taken (and lost) on the way; a
/// SIGSTOP, which cannot be blocked, is dropped: the adoption's SIGCONT,
/// sent next, would discard it anyway. Costs 12 system calls.
fn disarm_pdeathsig(tid: Tid) -> std::result::Result<(), Disarm> {
    use crate::sysent::Arch;
    let failed = Disarm::Failed;
    let saved = sys::getregs(tid).map_err(failed)?;
    let arch = if saved.cs == sys::USER32_CS { Arch::I386 } else { Arch::X86_64 };
    if sys::HOST_32 && arch == Arch::X86_64 {
        return Err(Disarm::Failed(Errno::EINVAL));
    }
    let nr = arch.by_name("prctl").ok_or(Disarm::Failed(Errno::ENOSYS))?.number;
    let site = vdso_syscall(tid, arch).ok_or(Disarm::Failed(Errno::EFAULT))?;
    // A thread stopped in a call that swaps its mask for the call's time
    // (sigsuspend, ppoll...) has the kernel put it back on the way out;
    // PTRACE_SETSIGMASK would cancel that. Such a one keeps its mask (and
    // a signal that comes meanwhile is queued again after).
    let swapping = arch.name(saved.orig_rax as u32).is_some_and(|n| {
        matches!(
            n,
            "rt_sigsuspend" | "sigsuspend" | "ppoll" | "ppoll_time64" | "pselect6" | "pselect6_time64" | "epoll_pwait" | "epoll_pwait2" | "io_pgetevents" | "io_pgetevents_time64"
        )
    });
    let mask = sys::sigmask(tid).map_err(failed)?;
    let set_mask = |m: u64| {
        // SAFETY: PTRACE_SETSIGMASK reads 8 bytes from `m`.
        unsafe { sys::raw_ptrace(PTRACE_SETSIGMASK, tid, 8, &m as *const u64 as usize) }.map(drop)
    };
    if !swapping {
        set_mask(!0).map_err(failed)?;
    }
    let mut r = saved;
    super::remote::load_call(&mut r, arch, site, u64::from(nr), &[sys::proc::PR_SET_PDEATHSIG as u64, 0]);
    let mut late = Vec::new();
    let out = (|| {
        sys::setregs(tid, &r).map_err(failed)?;
        sys::resume(sys::PTRACE_SINGLESTEP, tid, 0).map_err(failed)?;
        loop {
            let st = match sys::wait4(tid, sys::WALL) {
                Ok(Some((_, st))) => st,
                Ok(None) => continue,
                Err(e) => return Err(Disarm::Failed(e)),
            };
            if !libc::WIFSTOPPED(st) {
                return Err(Disarm::Gone(st));
            }
            let ev = st >> 16;
            if ev == sys::PTRACE_EVENT_EXIT {
                return Err(Disarm::Dying);
            }
            if ev == 0 {
                match libc::WSTOPSIG(st) {
                    // The step's trap: every other SIGTRAP is blocked (or,
                    // for a mask-swapping call, the odd one is lost).
                    libc::SIGTRAP => return Ok(()),
                    // Executing at the site faulted: nothing ran.
                    libc::SIGSEGV | libc::SIGBUS | libc::SIGILL | libc::SIGFPE => return Err(Disarm::Failed(Errno::EFAULT)),
                    libc::SIGSTOP => {}
                    s => late.push(s),
                }
            }
            sys::resume(sys::PTRACE_SINGLESTEP, tid, 0).map_err(failed)?;
        }
    })();
    if matches!(out, Ok(()) | Err(Disarm::Failed(_))) {
        let _ = sys::setregs(tid, &saved);
        if !swapping {
            let _ = set_mask(mask);
        }
        for s in late {
            let _ = sys::tgkill(tid, tid, s);
        }
    }
    out
}

/// The address of a `syscall` (`int $0x80`) instruction in the vDSO of
/// `tid`'s process. Its offset in the vDSO is the same in every process of
/// an ABI (the image is the kernel's), so it is looked up once and then
/// only checked (2 bytes): /proc/PID/auxv and one read.
fn vdso_syscall(tid: Tid, arch: crate::sysent::Arch) -> Option<u64> {
    use std::sync::atomic::{AtomicU64, Ordering};
    /// Offset + 1 of the instruction from the vDSO's base, per ABI (0: not
    /// known yet).
    static OFFSET: [AtomicU64; 2] = [AtomicU64::new(0), AtomicU64::new(0)];
    const AT_SYSINFO_EHDR: u64 = 33;
    let base = vdso_base(tid, arch == crate::sysent::Arch::I386, AT_SYSINFO_EHDR).filter(|&b| b != 0)?;
    let read = |addr: u64, buf: &mut [u8]| sys::vm_read(tid, addr, buf).is_ok_and(|n| n == buf.len());
    let known = &OFFSET[usize::from(arch == crate::sysent::Arch::I386)];
    let off = known.load(Ordering::Relaxed);
    if off != 0 {
        let mut insn = [0u8; 2];
        if read(base + off - 1, &mut insn) && super::remote::find_entry(arch, &insn) == Some(0) {
            return Some(base + off - 1);
        }
    }
    let (start, len) = super::remote::executable_segment(&mut |a, b| read(a, b), base, arch)?;
    let mut text = vec![0u8; len];
    if !read(start, &mut text) {
        return None;
    }
    let site = start + super::remote::find_entry(arch, &text)? as u64;
    known.store(site - base + 1, Ordering::Relaxed);
    Some(site)
}

/// An entry of the auxiliary vector of `tid`'s process (words of 4 bytes
/// for a 32-bit program), read in one go.
fn vdso_base(tid: Tid, word4: bool, key: u64) -> Option<u64> {
    let path = format!("/proc/{tid}/auxv\0");
    let mut buf = [0u8; 1024];
    // SAFETY: a NUL-terminated path; reads into our buffer.
    let n = unsafe {
        let fd = libc::open(path.as_ptr().cast(), libc::O_RDONLY | libc::O_CLOEXEC);
        if fd < 0 {
            return None;
        }
        let n = libc::read(fd, buf.as_mut_ptr().cast(), buf.len());
        libc::close(fd);
        n
    };
    let w = if word4 { 4 } else { 8 };
    let word = |c: &[u8]| {
        let mut x = [0u8; 8];
        x[..c.len()].copy_from_slice(c);
        u64::from_le_bytes(x)
    };
    buf[..usize::try_from(n).ok()?].chunks_exact(2 * w).map(|c| (word(&c[..w]), word(&c[w..]))).find(|&(k, _)| k == key).map(|(_, v)| v)
}

fn is_ancestor(candidate: i32, mut pid: i32) -> bool {
    for _ in 0..4096 {
        let Ok(st) = procfs::status(pid) else { return false };
        if st.ppid == candidate {
            return true;
        }
        if st.ppid <= 1 {
            return false;
        }
        pid = st.ppid;
    }
    false
}
