//! What happens when Linux reports a status: one `wait4` status of a traced
//! thread becomes a Linux stop kind (how to resume it) and, when FreeBSD
//! would report it, an [`Event`]; exits of LWPs and processes; new
//! threads and followed children (execs: `exec.rs`). The tail of every stop (report, queue or
//! resume) is `allstop.rs`.

use super::dbregs::{copy_dbregs, read_dbregs};
use super::signals::{fault_signal, forced_fault, signal_ignored};
use super::restart;
use super::exec::{ghost_of, requeue_held_signal};
use super::lwp::SigInfo;
use super::{Event, Expect, HandlerStep, LinuxState, LinuxStop, Lwp, Pid, Proc, ProcState, ScState, SigProbe, Tracer, BASE_OPTIONS};
use crate::sys::{self, Tid};
use crate::sysent::Arch;

impl Tracer {
    /// Handle one status from `wait4(-1, __WALL)`.
    pub(crate) fn dispatch(&mut self, tid: Tid, status: i32) {
        tracing::trace!(tid, status = format_args!("{status:#x}"), known = ?self.tids.get(&tid), "wait4");
        super::ring::record(super::ring::Kind::Reap, tid as i64, status as i64, self.tids.get(&tid).map_or(0, |p| p.0) as i64);
        let Some(&pid) = self.tids.get(&tid) else {
            if self.doorbell == Some(tid) {
                return self.doorbell_statuses.push(status);
            }
            return self.dispatch_unknown(tid, status);
        };
        if libc::WIFEXITED(status) || libc::WIFSIGNALED(status) {
            return self.on_lwp_gone(pid, tid, status);
        }
        if !libc::WIFSTOPPED(status) {
            return; // WCONTINUED of a tracee: nothing FreeBSD reports.
        }
        self.on_stop(pid, tid, status);
    }

    pub(super) fn dispatch_unknown(&mut self, tid: Tid, status: i32) {
        match self.expected.remove(&tid) {
            Some(Expect::Child(parent)) => {
                self.add_child_proc(parent, tid);
                return self.dispatch(tid, status);
            }
            None => {}
        }
        if libc::WIFSTOPPED(status) {
            if (status >> 16) == sys::PTRACE_EVENT_STOP {
                // The first stop of an auto-attached thread or child whose
                // creator's event has not arrived (a PT_TRACE_ME child's
                // first stop is never a PTRACE_EVENT_STOP).
                self.early.insert(tid, status);
                return;
            }
            if (status >> 16) != 0 {
                // A ptrace event stop of a thread we trace but do not know
                // (issue 11 #1, #2): a thread cloned just before a fatal
                // signal, stopping at its PTRACE_EVENT_EXIT while its
                // creator, killed too, never reports the clone; or a thread
                // of a process we detached whose detach missed it (it was
                // on its way out). Either way it is dying and nobody waits
                // for its stops: let it go. Untraced, it is reaped by the
                // kernel, and the leader's exit can come.
                self.early.remove(&tid);
                let _ = sys::detach(tid, 0);
                return;
            }
            if self.traceme.contains(&tid) || self.adoptable(tid) {
                return self.adopt_traceme(tid, status);
            }
            // A job-control stop of a child we do not trace (WUNTRACED).
            self.foreign.push_back((tid, status, None));
            return;
        }
        // The exit of a child we do not trace (or of an early tid, or of a
        // leader we released).
        if self.early.remove(&tid).is_some() || self.released.remove(&tid) {
            return;
        }
        let ru = self.last_rusage.take();
        self.foreign.push_back((tid, status, ru));
    }

    pub(crate) fn add_new_lwp(&mut self, pid: Pid, tid: Tid) {
        let p = self.procs.get_mut(&pid).expect("live proc");
        if p.lwp(tid).is_none() {
            p.lwps.push(Lwp::new(tid, LinuxState::New));
        }
        self.tids.insert(tid, pid);
    }

    pub(super) fn add_child_proc(&mut self, parent: Pid, child: Tid) {
        let mask = crate::abi::PTRACE_DEFAULT;
        let mut p = Proc::new(Pid(child), mask);
        // Linux copies the parent's options; they are fixed at the first stop.
        p.options = self.procs.get(&parent).map(|pp| pp.options).unwrap_or(BASE_OPTIONS);
        let mut l = Lwp::new(child, LinuxState::New);
        // Its options are the forking thread's, which may not have had
        // its full options yet (an attach's first stop): set them at its
        // first stop (one request per followed fork).
        l.options_late = true;
        p.lwps.push(l);
        p.initial = Some(Event::Child);
        p.parent = Some(parent);
        p.seccomp = self.procs.get(&parent).is_some_and(|pp| pp.seccomp);
        p.exit_kill = self.procs.get(&parent).is_none_or(|pp| pp.exit_kill);
        p.mode = self.procs.get(&parent).map(|pp| pp.mode).unwrap_or_default();
        p.state = if p.mode == super::StopMode::Lwp {
            // Reported alone at its first stop (lwpmode.rs).
            ProcState::Running
        } else {
            ProcState::Stopping
        };
        self.set_aside_exit(Pid(child));
        self.procs.insert(Pid(child), p);
        self.tids.insert(child, Pid(child));
    }

    pub(super) fn on_lwp_gone(&mut self, pid: Pid, tid: Tid, status: i32) {
        super::ring::record(super::ring::Kind::Gone, pid.0 as i64, tid as i64, status as i64);
        self.inherit_dbregs.remove(&tid);
        let rusage = self.last_rusage.take();
        let Some(p) = self.procs.get_mut(&pid) else { return };
        // The leader is reported last (Linux delays it until the group is
        // empty); without it (exited before we attached), the last thread.
        let is_leader = tid == pid.0 || (p.leader_gone && p.lwps.iter().all(|l| l.tid == tid));
        if is_leader {
            // The leader is reported last (Linux delays it until the group is
            // empty): the process is gone.
            for l in &p.lwps {
                self.tids.remove(&l.tid);
            }
            p.lwps.clear();
            p.pending.clear();
            p.xthread = None;
            p.state = ProcState::Exited { status };
            p.rusage = rusage;
            self.lwp_ready.retain(|(q, _)| *q != pid);
            p.mem = None;
            p.sigs = SigProbe::default();
            p.maps = None;
            self.ready.retain(|x| *x != pid);
            self.ready.push_back(pid);
            return;
        }
        // A thread that dies holding a signal at a signal-delivery-stop
        // the engine collected and has not reported: since Linux 5.19 a
        // thread another thread's execve kills (de_thread's SIGKILL) no
        // longer stops at its PTRACE_EVENT_EXIT, so this is where the
        // engine learns of it (on_stop's `exec_kill` path serves older
        // kernels). On FreeBSD the exec waits for the thread and the
        // signal acts: put it back on the process, by the same rule.
        // (R2: an `execer` sent SIGALRM lived on, asleep, for ever: C
        // face, 1 clean-clone CI run in 3.)
        if !p.killed {
            requeue_held_signal(p, pid, tid);
        }
        p.lwps.retain(|l| l.tid != tid);
        p.pending.retain(|t| *t != tid);
        if p.xthread == Some(tid) {
            p.xthread = None;
        }
        self.tids.remove(&tid);
        self.check_all_stopped(pid);
    }

    /// A ptrace-stop of a known LWP.
    pub(super) fn on_stop(&mut self, pid: Pid, tid: Tid, status: i32) {
        let sig = libc::WSTOPSIG(status);
        let ev = (status >> 16) & 0xff;
        let self_pid = self.self_pid;
        // Only a tracer that sees its restarts through shortens their
        // timeouts: the others need no timestamps (a vDSO clock read per
        // stop).
        let timed = self.follows_restarts();
        let p = self.procs.get_mut(&pid).expect("tid index is consistent");
        let mask = p.mask;
        let seccomp = p.seccomp;
        let killed = p.killed;
        let options = p.options;
        let lwp = p.lwp_mut(tid).expect("tid index is consistent");
        let late = std::mem::take(&mut lwp.options_late);
        if late {
            // Seized without its exit stop (request/attach.rs): now it may.
            let _ = sys::set_options(tid, options);
        }
        let was_new = lwp.linux == LinuxState::New;
        lwp.regs = None;
        // Any ptrace-stop consumes a pending PTRACE_INTERRUPT (the kernel
        // clears JOBCTL_TRAP_STOP on every trap). The wake-up it sent may
        // outlive that trap (TIF_SIGPENDING), so "maybe woken" is kept
        // until a PTRACE_EVENT_STOP: an over-estimate (it only lets an
        // EINTR with no signal behind it count as ours).
        let interrupted = std::mem::take(&mut lwp.interrupt_pending);
        let event_stop = ev == sys::PTRACE_EVENT_STOP;
        let woken = interrupted || lwp.notify_pending;
        lwp.notify_pending = if event_stop { false } else { woken };

        // Classify the Linux stop into (how to resume, FreeBSD event if any).
        if lwp.handler_step != HandlerStep::None && !killed {
            if let Some(kind) = Self::handler_step_stop(lwp, sig, ev) {
                lwp.linux = LinuxState::Stopped(kind);
                return self.after_stop(pid, tid, kind, None);
            }
        }
        // A thread killed by another thread's execve (de_thread), at its
        // PTRACE_EVENT_EXIT.
        let mut exec_kill = false;
        let (kind, event): (LinuxStop, Option<Event>) = if sig == (libc::SIGTRAP | 0x80) {
            let entry = match lwp.sc {
                ScState::Out => true,
                ScState::In => false,
                ScState::Unknown => sys::syscall_info(tid)
                    .map(|i| i.op == sys::PTRACE_SYSCALL_INFO_ENTRY)
                    .unwrap_or(true),
            };
            lwp.sc = if entry { ScState::In } else { ScState::Out };
            let e = if entry {
                lwp.skip_scx = false;
                lwp.entered = timed.then(std::time::Instant::now);
                lwp.in_breaking_call = false;
                // Following the LWP's syscalls ourselves (engine/restart/):
                // which call is it?
                let internal = mask & crate::abi::PTRACE_SYSCALL == 0 && !seccomp;
                let mut hidden = false;
                if lwp.watch.is_some() || internal {
                    if let Ok(i) = sys::syscall_info(tid) {
                        let nr = i.data[0];
                        lwp.in_breaking_call = restart::entry_breaks_on_stop(&i);
                        if lwp.restart_entry(nr, i.instruction_pointer) {
                            // The restart of a call a stop interrupted:
                            // FreeBSD reports one entry per call.
                            hidden = true;
                            lwp.force_req = Some(sys::PTRACE_SYSCALL);
                        }
                        if internal {
                            lwp.sticky = if lwp.in_breaking_call { restart::STICKY } else { lwp.sticky.saturating_sub(1) };
                        }
                    }
                }
                (mask & crate::abi::PTRACE_SCE != 0 && !hidden).then_some(Event::SyscallEntry)
            } else {
                // Our interrupt woke the call and it returned to be
                // restarted: an artifact of our stop, not the call's exit.
                // (A restart of ours interrupted again keeps its rewritten
                // timeout, the time left, until the call really returns.)
                // So is an EINTR of a call a stop breaks with no signal
                // coming for this thread: a process-directed signal woke it
                // (the kernel passes over threads in a ptrace-stop) and
                // another thread took it.
                let check = std::mem::take(&mut lwp.in_breaking_call) || woken;
                let artifact = check
                    && sys::getregs(tid).ok().and_then(|r| {
                        lwp.regs = Some(r);
                        restart::interrupted_call(lwp, &r).filter(|f| woken || f.eintr())
                    })
                    .map(|fix| lwp.fix = Some(fix))
                    .is_some();
                if !artifact {
                    lwp.restart_exit();
                }
                if std::mem::take(&mut lwp.skip_scx) || artifact {
                    None
                } else {
                    (mask & crate::abi::PTRACE_SCX != 0).then_some(Event::SyscallExit)
                }
            };
            (LinuxStop::Syscall, e)
        } else if ev == 0 {
            // Signal-delivery-stop. The siginfo is fetched now only when
            // the decision needs it (a fault the kernel may have forced, a
            // signal we may have sent); otherwise PT_LWPINFO fetches it
            // while the LWP still sits in this stop (one request saved per
            // SIGSTOP or SIGUSR1 stop).
            lwp.sc = ScState::Out;
            let bit = 1u64 << ((sig - 1) & 63);
            let si = (p.injected & bit != 0 || (p.blocked_replacement | p.replacement_stop) & bit != 0 || fault_signal(sig))
                .then(|| sys::siginfo(tid).unwrap_or_else(|_| sys::zeroed_siginfo()));
            let code = si.as_ref().map_or(0, sys::si::code);
            // Sent by us: our pid, or no siginfo at all (SI_USER from pid 0:
            // the kernel dropped it, the process's queue being full).
            let lost = si.as_ref().is_some_and(|si| code == libc::SI_USER && sys::si::pid(si) == 0 && sys::si::uid(si) == 0);
            let from_us = si.as_ref().is_some_and(|si| sys::si::pid(si) == self_pid && matches!(code, libc::SI_TKILL | libc::SI_USER)) || lost;
            let ours = p.injected & bit != 0 && from_us;
            // The one copy of a replacement every thread blocked: as the
            // marked copy it is delivered silently (a realtime one is known
            // by its siginfo: the program's own may be queued before it).
            let replacement = !ours
                && p.blocked_replacement & bit != 0
                && (sig < libc::SIGRTMIN() || si.as_ref().is_some_and(|si| lost || sys::si::pid(si) == self_pid && code == libc::SI_USER));
            // Its unmarked copy, sent at that delivery: a debugger stop
            // that shows the replaced signal's siginfo, as FreeBSD's does.
            let unmarked = !ours && !replacement && p.replacement_stop & bit != 0 && from_us;
            let i = p.position(tid).expect("tid index is consistent");
            let swallowed = p.swallow & bit != 0;
            p.swallow &= !bit;
            let p_injected = &mut p.injected;
            let p_sigs = &mut p.sigs;
            let lwp = &mut p.lwps[i];
            lwp.resume_sig = if swallowed { 0 } else { sig };
            if swallowed {
                // Sent by the engine for itself (an adoption's SIGCONT):
                // the program never sees it.
                lwp.unbreak(timed);
                (LinuxStop::Signal, None)
            } else if replacement {
                // FreeBSD's unmarked copy comes next: sent now, it is blocked
                // by the handler this delivery runs (unless SA_NODEFER) and
                // stops the thread that takes it, as on FreeBSD once the
                // handler has returned. (A fatal default action ends the
                // process first, with no stop, as there.)
                p.blocked_replacement &= !bit;
                p.replacement_stop |= bit;
                let _ = sys::kill(pid.0, sig);
                (LinuxStop::Signal, None)
            } else if ours {
                *p_injected &= !(1u64 << ((sig - 1) & 63));
                if lost {
                    p.injected_lost &= !bit;
                }
                let merge = lost && p.injected_again_full & bit != 0;
                p.injected_again_full &= !bit;
                let again = &mut p.injected_again[((sig - 1) & 63) as usize];
                if merge {
                    // Given again while this one was pending without its
                    // siginfo and the queue was full: FreeBSD keeps one
                    // (`sq_ptrace` is a depth-1 queue).
                    *again = 0;
                } else if *again > 0 {
                    // Another delivery of it is to come (request/control.rs
                    // `inject`). A standard one is no longer pending, so it
                    // is queued now and arrives after this one (once its
                    // handler returns); a realtime one is queued already.
                    *again -= 1;
                    *p_injected |= 1u64 << ((sig - 1) & 63);
                    if sig < libc::SIGRTMIN() {
                        let _ = sys::tgkill(pid.0, tid, sig);
                    }
                }
                (LinuxStop::Signal, None)
            } else if killed {
                (LinuxStop::Signal, None)
            } else if !forced_fault(sig, code) && signal_ignored(p_sigs, pid.0, sig) {
                // FreeBSD discards it at send time: it wakes nothing, and
                // a call it woke here must not see EINTR either.
                lwp.resume_sig = 0;
                lwp.unbreak(timed);
                (LinuxStop::Signal, None)
            } else {
                let mut si = si;
                if unmarked {
                    p.replacement_stop &= !bit;
                    if let Some(k) = p.replacement_info.iter().position(|(s, _)| *s == sig) {
                        let (_, orig) = p.replacement_info.swap_remove(k);
                        if sys::set_siginfo(tid, &orig).is_ok() {
                            si = Some(orig);
                        }
                    }
                }
                let lwp = &mut p.lwps[i];
                lwp.siginfo = si.map_or(SigInfo::Lazy, SigInfo::Known);
                (LinuxStop::Signal, Some(Event::Signal { sig }))
            }
        } else {
            match ev {
                sys::PTRACE_EVENT_STOP => {
                    lwp.sc = ScState::Out;
                    let group = matches!(sig, libc::SIGSTOP | libc::SIGTSTP | libc::SIGTTIN | libc::SIGTTOU);
                    if was_new {
                        if let Some(dr) = self.inherit_dbregs.remove(&tid) {
                            lwp.dbregs_dirty = copy_dbregs(tid, &dr);
                        }
                        let initial = p.initial.is_some() && tid == pid.0;
                        let e = if initial {
                            None // handed out by check_all_stopped
                        } else if mask & crate::abi::PTRACE_LWP != 0 {
                            Some(Event::Born)
                        } else {
                            None
                        };
                        (LinuxStop::Event, e)
                    } else if group && !interrupted {
                        (LinuxStop::Group, None)
                    } else {
                        if woken {
                            // Our interrupt: what was the LWP doing?
                            // (engine/restart/)
                            lwp.unbreak(timed);
                        }
                        (LinuxStop::Event, None)
                    }
                }
                sys::PTRACE_EVENT_CLONE => {
                    lwp.sc = ScState::In;
                    if let Ok(new) = sys::event_msg(tid) {
                        // The new thread is ours from now on (stopped at its
                        // first trap): list it at once so an all-stop waits
                        // for it and a detach releases it.
                        let new = new as Tid;
                        if lwp.dbregs_dirty {
                            if let Some(dr) = read_dbregs(tid) {
                                self.inherit_dbregs.insert(new, dr);
                            }
                        }
                        self.add_new_lwp(pid, new);
                        if late {
                            // It inherited the options its creator had
                            // before this, its first stop.
                            if let Some(l) = self.procs.get_mut(&pid).and_then(|p| p.lwp_mut(new)) {
                                l.options_late = true;
                            }
                        }
                        if let Some(st) = self.early.remove(&new) {
                            self.dispatch(new, st);
                        }
                    }
                    // Re-borrow after the nested dispatch.
                    let p = self.procs.get_mut(&pid).expect("live");
                    let l = p.lwp_mut(tid).expect("live");
                    l.linux = LinuxState::Stopped(LinuxStop::Event);
                    return self.after_stop(pid, tid, LinuxStop::Event, None);
                }
                sys::PTRACE_EVENT_FORK | sys::PTRACE_EVENT_VFORK => {
                    let child = sys::event_msg(tid).map(|c| c as Tid).unwrap_or(0);
                    return self.on_fork(pid, tid, child, ev == sys::PTRACE_EVENT_VFORK);
                }
                sys::PTRACE_EVENT_EXEC => {
                    let old = sys::event_msg(tid).map(|c| c as Tid).unwrap_or(tid);
                    return self.on_exec(pid, tid, old);
                }
                sys::PTRACE_EVENT_SECCOMP => {
                    // The filter chose this syscall: its entry stop.
                    lwp.sc = ScState::In;
                    lwp.skip_scx = false;
                    (LinuxStop::Syscall, (mask & crate::abi::PTRACE_SCE != 0).then_some(Event::SyscallEntry))
                }
                sys::PTRACE_EVENT_VFORK_DONE => {
                    lwp.sc = ScState::In;
                    let e = (mask & crate::abi::PTRACE_VFORK != 0).then_some(Event::VforkDone);
                    (LinuxStop::Event, e)
                }
                sys::PTRACE_EVENT_EXIT => {
                    // FreeBSD reports EXITED only for a thread leaving on its
                    // own (thr_exit), never for the last one or for threads
                    // taken down by exit_group or a fatal signal. Those mean
                    // the whole process is exiting: from now on it reports
                    // nothing but its exit (FreeBSD's P_WEXIT).
                    let r = sys::getregs(tid).ok();
                    lwp.regs = r;
                    // The call that ended it, in its own ABI (i386's exit
                    // is 1: a 32-bit program, or int $0x80).
                    let arch = sys::syscall_info(tid).ok().and_then(|i| Arch::from_audit(i.arch)).unwrap_or_default();
                    let own_exit = r.is_some_and(|r| arch.is_thread_exit(r.orig_rax));
                    let e = (own_exit && mask & crate::abi::PTRACE_LWP != 0 && !killed && p.live_lwps().nth(1).is_some())
                        .then_some(Event::Exited);
                    // A thread killed by another thread's execve (de_thread)
                    // also dies of SIGKILL, but the process lives on.
                    // (Linux gives those exit code 0, as exit_group(0) does.)
                    // (The /proc scan only when nothing else tells: once per
                    // process, not once per thread of a large exit_group.)
                    let code = sys::event_msg(tid).unwrap_or(0) as i32;
                    let group_exit = r.is_some_and(|r| arch.is_group_exit(r.orig_rax));
                    if !own_exit && (killed || group_exit || code != 0 || !(p.execing || sys::procfs::exec_in_progress(pid.0))) {
                        p.killed = true;
                    } else if !own_exit {
                        p.execing = true;
                        exec_kill = true;
                    }
                    (LinuxStop::Exit, e)
                }
                _ => (LinuxStop::Event, None),
            }
        };
        let p = self.procs.get_mut(&pid).expect("live");
        if exec_kill {
            // The execve waits for this thread to die before it can finish
            // (de_thread): holding it for a whole-process stop, which waits
            // for the exec'ing thread to stop, would deadlock both. Let it
            // die now; whatever it held is moot, and the exec's own stop
            // reports the process.
            p.pending.retain(|t| *t != tid);
            // A signal this thread had taken and held at its
            // signal-delivery-stop, not reported yet, dies with it: a
            // process-directed SIGTERM that this thread dequeued, say. On
            // FreeBSD the exec waits for the thread, stopped for the
            // debugger, and the signal acts. Put it back on the process
            // when its action is the default one, the same in the new
            // image (a handler is not carried over by the exec: such a
            // signal is dropped, as before). Issue 11, R2: an `execer`
            // sent SIGALRM lived on for ever.
            // (A stop already reported is the tracer's: it saw the
            // signal, and sending it again would report it twice.)
            requeue_held_signal(p, pid, tid);
            if p.mask & crate::abi::PTRACE_LWP != 0 && p.mode == super::StopMode::Process {
                // FreeBSD reports the exit of each thread its execve
                // single-threads away (EXITED, no SCE) before the exec:
                // keep what a debugger may ask about it then. (Not in the
                // per-LWP mode, which reports each thread's own stops.)
                if let Some(g) = p.lwp(tid).map(|l| ghost_of(pid, l)) {
                    p.exec_ghosts.push(g);
                }
            }
            // Under a whole-process stop the debugger was told of, the
            // exec'ing thread went on inside execve (asleep there, it was
            // left asleep) and killed this one. On FreeBSD the exec waits,
            // suspended with the process, until the continue: every
            // thread is still there, registers and all. Hold it here, at
            // its exit stop, so the exec waits for it too; the continue
            // lets it go (allstop.rs `resume_all`), as does a request
            // that needs the exec'ing thread stopped (`settle_lwp`).
            // (Fault suite long-form R1, C face, worker seed 153000496:
            // PT_GETREGS of the reporting thread answered ESRCH.) While
            // the process is still stopping it goes at once: the stop
            // may be waiting for the exec'ing thread itself.
            let hold = p.mode == super::StopMode::Process && matches!(p.state, ProcState::Stopped { .. });
            let reported = p.xthread == Some(tid);
            if let Some(l) = p.lwp_mut(tid) {
                if hold {
                    l.exec_victim = true;
                    l.linux = LinuxState::Stopped(LinuxStop::Exit);
                    if !reported {
                        l.event = None;
                    }
                    // The kernel's siginfo is the exit event's now.
                    if matches!(l.siginfo, super::SigInfo::Lazy) {
                        l.siginfo = super::SigInfo::None;
                    }
                    super::ring::record(super::ring::Kind::Stop, tid as i64, LinuxStop::Exit as i64, 9000);
                    return;
                }
                l.event = None;
                l.linux = LinuxState::Exiting;
            }
            let _ = sys::resume(sys::PTRACE_CONT, tid, 0);
            return self.check_all_stopped(pid);
        }
        p.lwp_mut(tid).expect("live").linux = LinuxState::Stopped(kind);
        let st = match p.state {
            ProcState::Running => 0,
            ProcState::Stopping => 1,
            ProcState::Stopped { waited: false } => 2,
            ProcState::Stopped { waited: true } => 3,
            ProcState::Exited { .. } => 4,
        };
        let code = super::ring::event_code(event) + 100 * st + if p.killed { 1000 } else { 0 };
        super::ring::record(super::ring::Kind::Stop, tid as i64, kind as i64, code);
        self.after_stop(pid, tid, kind, event);
    }

    /// A fork or vfork of `child` by LWP `tid`, at its event stop:
    /// followed (PT_FOLLOW_FORK), the fork is reported.
    fn on_fork(&mut self, pid: Pid, tid: Tid, child: Tid, vfork: bool) {
        let p = self.procs.get_mut(&pid).expect("live");
        let follow = p.mask & crate::abi::PTRACE_FORK != 0 && child > 0;
        let l = p.lwp_mut(tid).expect("live");
        l.sc = ScState::In;
        l.linux = LinuxState::Stopped(LinuxStop::Event);
        if follow {
            l.skip_scx = true;
        }
        let dirty = l.dbregs_dirty;
        if follow && crate::procctl::has_state() {
            // FreeBSD children inherit protection only with PPROT_INHERIT.
            let _ = crate::procctl::sprotect_child_forked(pid.0, child);
        }
        if follow && dirty {
            if let Some(dr) = read_dbregs(tid) {
                self.inherit_dbregs.insert(child, dr);
            }
        }
        if child > 0 {
            self.expected.insert(child, Expect::Child(pid));
            if let Some(st) = self.early.remove(&child) {
                self.dispatch(child, st);
            }
        }
        let e = follow.then_some(Event::Forked { child: Pid(child), vfork });
        self.after_stop(pid, tid, LinuxStop::Event, e);
    }

    /// A stop of an LWP stepping over a signal handler: `Some(kind)` if it
    /// is part of that walk and must not be reported.
    pub(super) fn handler_step_stop(l: &mut Lwp, sig: i32, ev: i32) -> Option<LinuxStop> {
        match l.handler_step {
            HandlerStep::Armed if sig == libc::SIGTRAP && ev == 0 => {
                // At the handler's entry: run it, watching for rt_sigreturn.
                l.handler_step = HandlerStep::AwaitSigreturn;
                l.resume_sig = 0;
                l.step = false;
                l.force_req = Some(sys::PTRACE_SYSCALL);
                Some(LinuxStop::Signal)
            }
            HandlerStep::AwaitSigreturn if sig == (libc::SIGTRAP | 0x80) => {
                let entry = l.sc != ScState::In;
                l.sc = if entry { ScState::In } else { ScState::Out };
                let sigreturn = |i: sys::SyscallInfo| Arch::from_audit(i.arch).is_some_and(|a| a.is_sigreturn(i.data[0]));
                if entry && sys::syscall_info(l.tid).is_ok_and(sigreturn) {
                    l.handler_step = HandlerStep::InSigreturn;
                }
                l.force_req = Some(sys::PTRACE_SYSCALL);
                Some(LinuxStop::Syscall)
            }
            HandlerStep::InSigreturn if sig == (libc::SIGTRAP | 0x80) => {
                // Back in the interrupted code: now take the step.
                l.sc = ScState::Out;
                l.handler_step = HandlerStep::None;
                l.step = true;
                Some(LinuxStop::Syscall)
            }
            HandlerStep::AwaitSigreturn | HandlerStep::InSigreturn => {
                // The handler stopped for something else (a signal it
                // raised, a breakpoint): reported as usual, and the walk
                // goes on when it is continued. FreeBSD keeps the trace
                // flag in the saved frame, so the step still comes after
                // the handler returns.
                None
            }
            _ => {
                l.handler_step = HandlerStep::None;
                None
            }
        }
    }
}
