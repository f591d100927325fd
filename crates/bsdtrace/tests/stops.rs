//! The whole-process stop model: every LWP is stopped before a stop is
//! reported; concurrent events stay pending and are reported one per wait.

mod common;
use bsdtrace::*;
use common::*;

/// Every LWP of the process (FreeBSD's thread list) is in a ptrace stop.
fn all_threads_stopped(t: &Tracer, pid: Pid) -> bool {
    t.lwp_list(pid.into()).unwrap().iter().all(|l| {
        let s = std::fs::read_to_string(format!("/proc/{}/task/{}/stat", pid.0, l.0)).unwrap_or_default();
        matches!(s.rsplit_once(')').and_then(|(_, r)| r.trim().chars().next()), Some('t'))
    })
}

#[test]
fn attach_stops_every_thread_and_reports_sigstop() {
    let (_u, mut t, pid) = attached(&["threads", "7"]);
    assert!(all_threads_stopped(&t, pid));
    assert_eq!(t.num_lwps(pid.into()).unwrap(), 8);
    let list = t.lwp_list(pid.into()).unwrap();
    assert_eq!(list.len(), 8);
    assert_eq!(list[0], Lwpid(pid.0), "the main thread comes first");
    let info = t.lwpinfo(pid.into()).unwrap();
    assert_eq!(info.event, abi::PL_EVENT_SIGNAL);
    assert_eq!(info.flags & abi::PL_FLAG_SI, abi::PL_FLAG_SI);
    assert_eq!(bsdtrace::sys::si::signo(&info.siginfo), libc::SIGSTOP);
    // Other threads have no event.
    let other = t.lwpinfo(list[1].into()).unwrap();
    assert_eq!(other.event, abi::PL_EVENT_NONE);
    assert_eq!(other.tdname_str(), "blocker");
    t.detach(pid.into(), 0).unwrap();
    assert_ne!(proc_state(pid.0), 't');
}

#[test]
fn attach_to_spinning_threads_and_continue_many_times() {
    let (_u, mut t, pid) = attached(&["spinners", "4"]);
    for _ in 0..20 {
        t.resume(pid.into(), Resume::Continue, None, 0).unwrap();
        unsafe { libc::kill(pid.0, libc::SIGUSR2) };
        let st = wait_pid(&mut t, pid);
        assert_eq!(st, WaitStatus::Stopped(libc::SIGUSR2));
        assert!(all_threads_stopped(&t, pid));
        assert_eq!(t.num_lwps(pid.into()).unwrap(), 5);
    }
    t.detach(pid.into(), 0).unwrap();
}

#[test]
fn simultaneous_breakpoints_are_reported_one_per_wait() {
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["two_traps", "8"]);
    let mut traps = 0;
    let mut seen = std::collections::HashSet::new();
    let code = until_exit_at_traps(&mut t, pid, |t, info| {
        assert_eq!(info.flags & abi::PL_FLAG_SI, abi::PL_FLAG_SI);
        assert_eq!(bsdtrace::sys::si::code(&info.siginfo), 1, "TRAP_BRKPT");
        assert!(seen.insert(info.lwpid), "each thread's trap is reported once");
        assert!(all_threads_stopped(t, pid));
        traps += 1;
    });
    assert_eq!(code, 0);
    assert_eq!(traps, 8);
}

/// Continuing with SIGKILL while other threads' breakpoint stops are still
/// to be reported: the process dies and its death is the next report, as
/// on FreeBSD (an exiting process reports nothing else), never one of
/// those stops. Each of PT_CONTINUE, PT_STEP and PT_TO_SCX, at the first
/// or second stop.
#[test]
fn continuing_with_sigkill_reports_the_death_not_the_pending_stops() {
    let hows = [Resume::Continue, Resume::Step, Resume::ToScx];
    for round in 0..6 {
        let mut t = Tracer::new();
        let pid = spawn(&mut t, &["two_traps", "8"]);
        t.resume(pid.into(), Resume::Continue, None, 0).unwrap();
        assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGTRAP));
        if round % 2 == 1 {
            t.resume(pid.into(), Resume::Continue, None, 0).unwrap();
            assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGTRAP));
        }
        t.resume(pid.into(), hows[round % 3], None, libc::SIGKILL).unwrap();
        assert_eq!(wait_pid(&mut t, pid), WaitStatus::Signaled { sig: libc::SIGKILL, core: false }, "round {round}");
    }
}

#[test]
fn lwp_events_report_birth_and_exit() {
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["thread_create_join", "5"]);
    t.lwp_events(pid.into(), true).unwrap();
    assert_eq!(t.event_mask(pid.into()).unwrap(), abi::PTRACE_EXEC | abi::PTRACE_LWP);
    let (mut born, mut exited) = (0, 0);
    let code = until_exit_at_traps(&mut t, pid, |_, info| {
        if info.flags & abi::PL_FLAG_BORN != 0 {
            assert_eq!(info.flags, abi::PL_FLAG_BORN | abi::PL_FLAG_SCX);
            assert_ne!(info.lwpid.0, pid.0);
            born += 1;
        } else if info.flags & abi::PL_FLAG_EXITED != 0 {
            // FreeBSD stops an exiting thread inside thr_exit's
            // syscall entry: EXITED and SCE together.
            assert_eq!(info.flags, abi::PL_FLAG_EXITED | abi::PL_FLAG_SCE, "{info:?}");
            assert_ne!(info.lwpid.0, pid.0);
            exited += 1;
        } else {
            panic!("unexpected stop {info:?}");
        }
    });
    assert_eq!(code, 0);
    assert_eq!((born, exited), (5, 5));
}

#[test]
fn threads_are_invisible_without_lwp_events() {
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["thread_create_join", "20"]);
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(0));
}

#[test]
fn exec_from_a_non_leader_thread() {
    let mut t = Tracer::new();
    let tr = tracee();
    let pid = spawn(&mut t, &["thread_exec", tr, "exit", "5"]);
    t.lwp_events(pid.into(), true).unwrap();
    let mut execs = 0;
    let code = until_exit_at_traps(&mut t, pid, |t, info| {
        if info.flags & abi::PL_FLAG_EXEC != 0 {
            execs += 1;
            assert_eq!(info.lwpid.0, pid.0, "after exec the thread has the pid");
            assert!(matches!(info.stop, Some(Event::Exec { old_tid }) if old_tid.0 != pid.0));
            assert_eq!(t.num_lwps(pid.into()).unwrap(), 1);
        }
    });
    assert_eq!(code, 5);
    assert_eq!(execs, 1);
}

#[test]
fn a_non_leader_exec_reports_the_other_threads_exits_first_and_keeps_its_lwp_id() {
    let mut t = Tracer::new();
    let tr = tracee();
    let pid = spawn(&mut t, &["threads_exec", "3", tr, "exit", "5"]);
    t.lwp_events(pid.into(), true).unwrap();
    let (mut exited, mut exec_tid) = (Vec::new(), None);
    let mut new_pc = None;
    loop {
        t.resume(pid.into(), Resume::Continue, new_pc.take(), 0).unwrap();
        match wait_pid(&mut t, pid) {
            WaitStatus::Stopped(libc::SIGTRAP) => {
                let info = t.lwpinfo(pid.into()).unwrap();
                if info.flags & abi::PL_FLAG_BORN != 0 {
                    continue;
                }
                if info.flags & abi::PL_FLAG_EXITED != 0 {
                    // Taken down by the exec, not inside thr_exit: EXITED alone,
                    // before the exec's own event.
                    assert_eq!(info.flags, abi::PL_FLAG_EXITED, "{info:?}");
                    assert!(exec_tid.is_none(), "exits come before the exec");
                    assert_eq!(info.lwpid, info.freebsd_lwpid);
                    // It is listed while it reports, registers readable.
                    assert!(t.lwp_list(pid.into()).unwrap().contains(&info.lwpid));
                    t.get_regs(pid.into()).unwrap();
                    // FP state and memory too (the process's, reached
                    // through a live thread): they said ESRCH/EINVAL.
                    let (_, len) = t.xstate_info(pid.into()).unwrap();
                    let mut x = vec![0u8; len as usize];
                    assert_eq!(t.get_xstate(pid.into(), &mut x).unwrap(), len as usize);
                    t.get_fpregs(pid.into()).unwrap();
                    let maps = std::fs::read_to_string(format!("/proc/{}/maps", pid.0)).unwrap();
                    let start = u64::from_str_radix(maps.split('-').next().unwrap(), 16).unwrap();
                    let mut b = [0u8; 16];
                    t.read_memory(pid.into(), start, &mut b).unwrap();
                    t.peek(pid.into(), start).unwrap();
                    // Its state is a snapshot of its last stop: written
                    // there, read back (FreeBSD's thread exits next).
                    let mut r = t.get_regs(pid.into()).unwrap();
                    r.r_r12 = 0x1234_5678;
                    t.set_regs(pid.into(), &r).unwrap();
                    assert_eq!(t.get_regs(pid.into()).unwrap().r_r12, 0x1234_5678);
                    let mut d = t.get_dbregs(pid.into()).unwrap();
                    d.dr[0] = start;
                    t.set_dbregs(pid.into(), &d).unwrap();
                    assert_eq!(t.get_dbregs(pid.into()).unwrap().dr[0], start);
                    let f = t.get_fpregs(pid.into()).unwrap();
                    t.set_fpregs(pid.into(), &f).unwrap();
                    t.set_xstate(pid.into(), &x).unwrap();
                    exited.push(info.lwpid.0);
                    // Continued with a new PC (meaningless for a thread
                    // that exits, as on FreeBSD, but not refused).
                    new_pc = Some(start);
                    continue;
                }
                assert_ne!(info.flags & abi::PL_FLAG_EXEC, 0, "{info:?}");
                let Some(Event::Exec { old_tid }) = info.stop else { panic!("{info:?}") };
                assert_ne!(old_tid.0, pid.0);
                // Linux moved it to the pid; FreeBSD's id is the one it had.
                assert_eq!(info.lwpid.0, pid.0);
                assert_eq!(info.freebsd_lwpid, old_tid);
                assert_eq!(t.freebsd_lwp_list(pid.into()).unwrap(), vec![old_tid]);
                assert_eq!(t.lwp_list(pid.into()).unwrap(), vec![Lwpid(pid.0)]);
                // The id names it as a request target; the pid-as-LWP does not.
                assert_eq!(t.freebsd_target(old_tid), Target::Lwp(Lwpid(pid.0)));
                assert_eq!(t.freebsd_target(Lwpid(pid.0)), Target::Lwp(Lwpid(0)));
                exec_tid = Some(old_tid);
                // And it keeps it at the next stops.
                t.set_event_mask(pid.into(), abi::PTRACE_EXEC | abi::PTRACE_LWP | abi::PTRACE_SCE).unwrap();
            }
            WaitStatus::Stopped(other) => panic!("signal {other}"),
            WaitStatus::Exited(c) => {
                assert_eq!(c, 5);
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
        if exec_tid.is_some() {
            // A syscall entry after the exec, then run to the end.
            t.resume(pid.into(), Resume::Continue, None, 0).unwrap();
            assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGTRAP));
            let info = t.lwpinfo(pid.into()).unwrap();
            assert_ne!(info.flags & abi::PL_FLAG_SCE, 0, "{info:?}");
            assert_eq!(Some(info.freebsd_lwpid), exec_tid);
            t.set_event_mask(pid.into(), abi::PTRACE_EXEC | abi::PTRACE_LWP).unwrap();
        }
    }
    assert!(exec_tid.is_some());
    // The three sleepers and the main thread, each once.
    exited.sort();
    exited.dedup();
    assert_eq!(exited.len(), 4, "{exited:?}");
    assert!(exited.contains(&pid.0), "the main thread's exit too");
}

#[test]
fn leader_exits_first_and_the_process_still_reports_its_exit() {
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["leader_exit", "33"]);
    t.set_event_mask(pid.into(), abi::PTRACE_EXEC | abi::PTRACE_SYSCALL).unwrap();
    // Trace every syscall: stops keep coming from the surviving thread
    // after the leader is gone.
    let mut stops = 0;
    loop {
        t.resume(pid.into(), Resume::Continue, None, 0).unwrap();
        match wait_pid(&mut t, pid) {
            WaitStatus::Stopped(_) => {
                stops += 1;
                // Requests still work on the process, memory too (the
                // main thread's zombie has no address space).
                let sp = t.get_regs(pid.into()).unwrap().r_rsp as u64;
                let mut b = [0u8; 8];
                t.read_memory(pid.into(), sp, &mut b).unwrap();
                t.vm_timestamp(pid.into()).unwrap();
            }
            WaitStatus::Exited(c) => {
                assert_eq!(c, 33);
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(stops > 4);
}

#[test]
fn suspended_lwp_stays_stopped_across_continue() {
    let (_u, mut t, pid) = attached(&["spinners", "2"]);
    let list = t.lwp_list(pid.into()).unwrap();
    let victim = list[1];
    t.suspend(victim.into()).unwrap();
    t.resume(pid.into(), Resume::Continue, None, 0).unwrap();
    // The suspended thread is still in a ptrace stop while the rest run.
    let st = std::fs::read_to_string(format!("/proc/{}/task/{}/stat", pid.0, victim.0)).unwrap();
    assert!(st.rsplit_once(')').unwrap().1.trim().starts_with('t'));
    unsafe { libc::kill(pid.0, libc::SIGUSR1) };
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGUSR1));
    t.unsuspend(victim.into()).unwrap();
    t.detach(pid.into(), 0).unwrap();
}

#[test]
fn a_stop_signal_passed_on_is_ignored_while_traced() {
    // FreeBSD's issignal(): "Traced or exiting processes should ignore
    // stops". The debugger sees the SIGSTOP; passing it on does not put the
    // process in a job-control stop (Linux would).
    let (_u, mut t, pid) = attached(&["pause"]);
    t.resume(pid.into(), Resume::Continue, None, 0).unwrap();
    unsafe { libc::kill(pid.0, libc::SIGSTOP) };
    // (SIGSTOP: SIGTSTP would be discarded if the test runs in an orphaned
    // process group, e.g. under timeout(1).)
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGSTOP));
    t.resume(pid.into(), Resume::Continue, None, libc::SIGSTOP).unwrap();
    // Still running: the next signal is the next report, even for a
    // WUNTRACED wait (a job-control stop would come first).
    unsafe { libc::kill(pid.0, libc::SIGUSR2) };
    let st = t.wait(pid.0, WaitOptions { untraced: true, ..WaitOptions::BLOCK }).unwrap().unwrap().1;
    assert_eq!(st, WaitStatus::Stopped(libc::SIGUSR2));
    // Also when the tracer substitutes a stop signal at another stop.
    t.resume(pid.into(), Resume::Continue, None, libc::SIGTTIN).unwrap();
    unsafe { libc::kill(pid.0, libc::SIGUSR2) };
    let st = t.wait(pid.0, WaitOptions { untraced: true, ..WaitOptions::BLOCK }).unwrap().unwrap().1;
    assert_eq!(st, WaitStatus::Stopped(libc::SIGUSR2));
    // After PT_DETACH with SIGSTOP the process is no longer traced: it stops.
    t.detach(pid.into(), libc::SIGSTOP).unwrap();
    let mut st = 0;
    assert_eq!(unsafe { libc::waitpid(pid.0, &mut st, libc::WUNTRACED) }, pid.0);
    assert!(libc::WIFSTOPPED(st) && libc::WSTOPSIG(st) == libc::SIGSTOP, "{st:#x}");
    unsafe { libc::kill(pid.0, libc::SIGCONT) };
}

#[test]
fn threads_born_and_dying_while_the_process_stops() {
    let (_u, mut t, pid) = attached(&["churn"]);
    t.lwp_events(pid.into(), true).unwrap();
    let (mut born, mut exited, mut signals) = (0, 0, 0);
    let mut deliver = 0;
    for i in 0..150 {
        t.resume(pid.into(), Resume::Continue, None, deliver).unwrap();
        deliver = 0;
        if i % 10 == 0 {
            unsafe { libc::kill(pid.0, libc::SIGUSR2) };
        }
        match wait_pid(&mut t, pid) {
            WaitStatus::Stopped(libc::SIGTRAP) => {
                let info = t.lwpinfo(pid.into()).unwrap();
                if info.flags & abi::PL_FLAG_BORN != 0 {
                    born += 1;
                } else {
                    // Inside exit(2)'s entry, as FreeBSD's thr_exit.
                    assert_eq!(info.flags, abi::PL_FLAG_EXITED | abi::PL_FLAG_SCE, "{info:?}");
                    exited += 1;
                }
            }
            WaitStatus::Stopped(libc::SIGUSR2) => {
                signals += 1;
                // Deliver it: the handler runs, with no second stop.
                deliver = libc::SIGUSR2;
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(all_threads_stopped(&t, pid));
        let n = t.num_lwps(pid.into()).unwrap();
        assert!((1..=5).contains(&n), "{n} LWPs");
    }
    assert!(born > 0 && exited > 0 && signals > 0, "{born} {exited} {signals}");
    t.detach(pid.into(), deliver).unwrap();
    assert_ne!(proc_state(pid.0), 't');
}

#[test]
fn interrupt_stops_spinning_threads_without_a_signal() {
    let (_u, mut t, pid) = attached(&["spinners", "4"]);
    // Stopped already: nothing to request, nothing new to report.
    assert!(!t.interrupt(pid.into()).unwrap());
    for _ in 0..20 {
        t.resume(pid.into(), Resume::Continue, None, 0).unwrap();
        assert!(t.interrupt(pid.into()).unwrap());
        // A second call while the stop is on its way adds nothing.
        assert!(!t.interrupt(pid.into()).unwrap());
        assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGSTOP));
        assert!(all_threads_stopped(&t, pid));
        assert_eq!(t.stop_event(pid.into()).unwrap().1, Some(Event::Interrupt));
        let info = t.lwpinfo(pid.into()).unwrap();
        assert_eq!(info.event, abi::PL_EVENT_SIGNAL);
        assert_eq!(info.flags, abi::PL_FLAG_SI);
        assert_eq!(sys::si::signo(&info.siginfo), libc::SIGSTOP);
        assert_eq!(sys::si::code(&info.siginfo), libc::SI_USER);
        assert_eq!(sys::si::pid(&info.siginfo), std::process::id() as i32);
        // No signal was sent: none is pending in any thread.
        for l in t.lwp_list(pid.into()).unwrap() {
            assert_eq!(t.lwpinfo(l.into()).unwrap().siglist, 0, "thread {}", l.0);
        }
        assert_eq!(t.wait(pid.0, WaitOptions::NOHANG).unwrap(), None);
    }
    // Detaching from an interrupt stop leaves it running (no SIGSTOP behind).
    t.detach(pid.into(), 0).unwrap();
    assert_ne!(proc_state(pid.0), 't');
}

#[test]
fn interrupt_errors() {
    let mut t = Tracer::new();
    // Not traced: as for every request on an untraced process.
    let u = Untraced::start(&["pause"]);
    assert_eq!(t.interrupt(u.pid().into()).unwrap_err().errno(), Errno::EPERM);
    assert_eq!(t.interrupt(Pid(i32::MAX).into()).unwrap_err().errno(), Errno::ESRCH);
    // An event already stopped it: that stop is what the wait reports.
    let pid = spawn(&mut t, &["raise", &libc::SIGUSR1.to_string()]);
    t.resume(pid.into(), Resume::Continue, None, 0).unwrap();
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGUSR1));
    assert!(!t.interrupt(pid.into()).unwrap());
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(0));
    // Gone: ESRCH.
    assert_eq!(t.interrupt(pid.into()).unwrap_err().errno(), Errno::ESRCH);
}

/// Linux cannot detach a zombie: a leader that left before its threads is
/// still ours after PT_DETACH, and its exit comes to our wait when the last
/// thread goes. It belongs to its real parent (a shell here), which gets it
/// when we reap it; our wait must not report it.
#[test]
#[allow(clippy::zombie_processes)] // the shell is reaped by the Tracer's wait
fn detach_after_the_leader_left_gives_the_exit_to_the_real_parent() {
    use std::io::{Read, Write};
    let (mut sh, line) = spawn_until_ready(
        std::process::Command::new("bash")
            .arg("-c")
            // (An explicit <&0: a background job's stdin is /dev/null otherwise.)
            .arg(format!("{} leader_first_on_stdin 7 <&0 & wait $!; echo \"status $?\"", tracee()))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped()),
    );
    let pid = Pid(line.strip_prefix("ready ").expect(&line).parse().unwrap());
    let mut t = Tracer::new();
    t.attach(pid.into()).unwrap();
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGSTOP));
    t.lwp_events(pid.into(), true).unwrap();
    let mut stdin = sh.stdin.take().unwrap();
    stdin.write_all(b"x").unwrap();
    // The leader's own exit is reported (PL_FLAG_EXITED), then it dies.
    loop {
        assert_eq!(cont_until(&mut t, pid, Resume::Continue, 0).0, WaitStatus::Stopped(libc::SIGTRAP));
        let info = t.lwpinfo(pid.into()).unwrap();
        if info.flags & abi::PL_FLAG_EXITED != 0 {
            assert_eq!(info.lwpid.0, pid.0);
            break;
        }
    }
    t.resume(pid.into(), Resume::Continue, None, 0).unwrap();
    assert!(t.interrupt(pid.into()).unwrap());
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGSTOP));
    t.detach(pid.into(), 0).unwrap();
    // The survivor exits the process; the shell reports the status once our
    // wait has reaped the leader, and our wait reports the shell, not it.
    stdin.write_all(b"y").unwrap();
    drop(stdin);
    let (who, st) = wait(&mut t);
    assert_eq!(who.0, sh.id() as i32, "only our own child is reported");
    assert_eq!(st, WaitStatus::Exited(0));
    let mut out = String::new();
    sh.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    assert_eq!(out.trim(), "status 7");
}

#[test]
fn an_exit_carries_its_resource_usage() {
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["exit", "5"]);
    t.resume(pid.into(), Resume::Continue, None, 0).unwrap();
    let (p, st, ru) = t.wait_rusage(pid.0, WaitOptions::BLOCK).unwrap().unwrap();
    assert_eq!((p, st), (pid, WaitStatus::Exited(5)));
    let ru = ru.expect("an exit has its rusage");
    assert!(ru.0.ru_maxrss > 0, "{ru:?}");
    // A stop has none.
    let pid = spawn(&mut t, &["raise", &libc::SIGUSR1.to_string()]);
    t.resume(pid.into(), Resume::Continue, None, 0).unwrap();
    let (_, st, ru) = t.wait_rusage(pid.0, WaitOptions::BLOCK).unwrap().unwrap();
    assert_eq!(st, WaitStatus::Stopped(libc::SIGUSR1));
    assert!(ru.is_none());
    t.kill(pid.into()).unwrap();
    wait_pid(&mut t, pid);
}

/// A process whose main thread has exited (a zombie leader) while another
/// thread runs is still a process FreeBSD's PT_ATTACH can trace.
#[test]
fn attach_to_a_process_whose_leader_has_exited() {
    use std::io::Write;
    let (mut child, _) = spawn_until_ready(
        std::process::Command::new(tracee())
            .args(["leader_first_on_stdin", "7"])
            .stdin(std::process::Stdio::piped()),
    );
    let pid = Pid(child.id() as i32);
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"x").unwrap();
    // Until the leader is a zombie (it exits at once after reading).
    while proc_state(pid.0) != 'Z' {
        std::thread::yield_now();
    }
    let mut t = Tracer::new();
    let p = t.attach(pid.into()).unwrap();
    assert_eq!(wait_pid(&mut t, p), WaitStatus::Stopped(libc::SIGSTOP));
    assert_eq!(t.num_lwps(p.into()).unwrap(), 1, "the live thread");
    let info = t.lwpinfo(p.into()).unwrap();
    assert_ne!(info.lwpid.0, pid.0, "reported by the live thread");
    t.get_regs(p.into()).unwrap();
    // Its memory and map are reachable (through the live thread).
    assert!(t.vm_entry(p.into(), 0).is_ok());
    let mut b = [0u8; 4];
    let sp = t.get_regs(p.into()).unwrap().r_rsp as u64;
    t.read_memory(p.into(), sp, &mut b).unwrap();
    // It exits the process; the exit is reported once.
    stdin.write_all(b"y").unwrap();
    assert_eq!(run_to_exit(&mut t, p), WaitStatus::Exited(7));
    let _ = child.try_wait();
}

/// Dropping the Tracer kills what it still traces, as a FreeBSD tracer's
/// exit does, and reaps it: nothing stays stopped.
#[test]
fn dropping_the_tracer_kills_and_reaps_its_tracees() {
    let mut t = Tracer::new();
    let spawned = spawn(&mut t, &["threads", "3"]);
    let u = Untraced::start(&["spinners", "2"]);
    let attached = t.attach(u.pid().into()).unwrap();
    assert_eq!(wait_pid(&mut t, attached), WaitStatus::Stopped(libc::SIGSTOP));
    t.resume(attached.into(), Resume::Continue, None, 0).unwrap();
    drop(t);
    // Our own child is gone entirely; the attached one too (we are also
    // its parent here, so reaping it as its tracer reaped it).
    assert_eq!(unsafe { libc::kill(spawned.0, 0) }, -1);
    assert_eq!(unsafe { libc::kill(attached.0, 0) }, -1);
}

/// A process whose kill-on-exit was cleared survives its tracer: dropping
/// the Tracer, while the process runs or sits in a reported stop, detaches
/// it (every thread) and it keeps running untraced.
#[test]
fn a_process_not_killed_on_exit_is_detached_when_the_tracer_goes() {
    for stopped in [false, true] {
        let u = Untraced::start(&["spinners", "3"]);
        let mut t = Tracer::new();
        let p = t.attach(u.pid().into()).unwrap();
        assert_eq!(wait_pid(&mut t, p), WaitStatus::Stopped(libc::SIGSTOP));
        t.set_kill_on_exit(p.into(), false).unwrap();
        if !stopped {
            t.resume(p.into(), Resume::Continue, None, 0).unwrap();
        }
        drop(t);
        let tasks: Vec<String> = std::fs::read_dir(format!("/proc/{}/task", p.0))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(tasks.len(), 4);
        for tid in tasks {
            let status = std::fs::read_to_string(format!("/proc/{}/task/{tid}/status", p.0)).unwrap();
            assert!(status.contains("TracerPid:\t0\n"), "{status}");
        }
        // Running again: the spinners burn CPU.
        let cpu = |pid: i32| {
            let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
            let f: Vec<&str> = s.rsplit_once(')').unwrap().1.split_whitespace().collect();
            f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()
        };
        let before = cpu(p.0);
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert!(cpu(p.0) > before, "the detached process runs");
        assert_ne!(proc_state(p.0), 't');
    }
}

/// The kernel honours the choice too: a tracer thread that dies without
/// cleaning up (here: it exits without dropping its Tracer) leaves a
/// process whose kill-on-exit was cleared running.
#[test]
fn a_process_not_killed_on_exit_survives_a_tracer_that_vanishes() {
    let u = Untraced::start(&["spinners", "2"]);
    let pid = u.pid();
    std::thread::spawn(move || {
        let mut t = Tracer::new();
        let p = t.attach(pid.into()).unwrap();
        assert_eq!(wait_pid(&mut t, p), WaitStatus::Stopped(libc::SIGSTOP));
        t.set_kill_on_exit(p.into(), false).unwrap();
        t.resume(p.into(), Resume::Continue, None, 0).unwrap();
        std::mem::forget(t);
    })
    .join()
    .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(50));
    assert_eq!(unsafe { libc::kill(pid.0, 0) }, 0, "still alive");
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid.0)).unwrap();
    assert!(status.contains("TracerPid:\t0\n"), "{status}");
}

/// A job-stopped program (SIGSTOP from its shell), stdin a pipe we hold.
fn job_stopped_reader() -> (std::process::Child, Pid) {
    let mut cmd = std::process::Command::new(busy());
    job_stopped(cmd.arg("exit_after_read").stdin(std::process::Stdio::piped()))
}

/// Poll the tracer (never blocking) for up to 10 s.
fn wait_within(t: &mut Tracer, pid: Pid) -> Option<WaitStatus> {
    for _ in 0..2000 {
        if let Some((_, st)) = t.wait(pid.0, WaitOptions { nohang: true, ..WaitOptions::BLOCK }).unwrap() {
            return Some(st);
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    None
}

/// Issue 9 #4. FreeBSD's PT_CONTINUE clears P_STOPPED_SIG: the process
/// runs (and no SIGCONT handler of its own runs: exit 7, not 8).
#[test]
fn a_job_stopped_process_runs_once_attached_and_continued() {
    let (mut child, pid) = job_stopped_reader();
    let mut t = Tracer::new();
    t.attach(pid.into()).unwrap();
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGSTOP));
    t.resume(pid.into(), Resume::Continue, None, 0).unwrap();
    use std::io::Write;
    child.stdin.as_mut().unwrap().write_all(b"x").unwrap();
    let st = wait_within(&mut t, pid);
    if st.is_none() {
        let _ = child.kill();
    }
    assert_eq!(st, Some(WaitStatus::Exited(7)));
}

/// Issue 9 #4: PT_DETACH leaves a process that was job-stopped before the
/// attach running (it reads and exits), and its real parent may see it
/// continued; nothing else.
#[test]
fn a_job_stopped_process_runs_once_detached() {
    let (mut child, pid) = job_stopped_reader();
    let mut t = Tracer::new();
    t.attach(pid.into()).unwrap();
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGSTOP));
    t.detach(pid.into(), 0).unwrap();
    use std::io::Write;
    child.stdin.as_mut().unwrap().write_all(b"x").unwrap();
    let mut st = 0;
    let mut seen = Vec::new();
    for _ in 0..2000 {
        let r = unsafe { libc::waitpid(pid.0, &mut st, libc::WNOHANG | libc::WCONTINUED | libc::WUNTRACED) };
        if r == pid.0 {
            seen.push(st);
            if libc::WIFEXITED(st) {
                break;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let _ = child.kill();
    // Continued (by our SIGCONT, which its handler never saw: exit 7), then
    // its exit. (The continued report is one flag in the kernel that any
    // wait of this process with WCONTINUED takes: the other tests' tracers
    // run in this process and may take it first, so it may be missing.)
    let exit = *seen.last().expect("its exit");
    assert!(libc::WIFEXITED(exit) && libc::WEXITSTATUS(exit) == 7, "{seen:x?}");
    assert!(seen[..seen.len() - 1].iter().all(|&s| libc::WIFCONTINUED(s)) && seen.len() <= 2, "{seen:x?}");
}

/// PT_ATTACH to a process whose threads are born all the time, SIGKILLed
/// from outside before the tracer's first wait: the tracer's waits report
/// the process's death and nothing else. A thread born during the attach
/// from a thread already seized is traced by us at birth (Linux's
/// auto-attach). One the attach's /proc walk saw is listed (its seize
/// failed and it was taken for a thread that had just exited). One born
/// after the walk, whose creator dies before its clone event and which
/// dies before its first stop, is claimed for its process before its death
/// is reaped (engine/wait.rs `claim_attach_window_death`). Before, its
/// death came through as the exit of an unknown child (about 3 in 60
/// rounds here; fault suite long-form R1, Rust face, worker seeds 22000089
/// and 22000078). The C face's twin: tests/c/attachkill.c.
#[test]
fn a_process_killed_during_its_attach_reports_no_unknown_exits() {
    let mut strays = Vec::new();
    for _ in 0..60 {
        let u = Untraced::start(&["churn"]);
        let mut t = Tracer::new();
        let pid = t.attach(u.pid().into()).unwrap();
        unsafe { libc::kill(pid.0, libc::SIGKILL) };
        loop {
            let (p, st) = wait(&mut t);
            if p == pid && st == WaitStatus::Stopped(libc::SIGSTOP) {
                continue; // the attach's stop, if it came first
            }
            if p == pid {
                assert_eq!(st, WaitStatus::Signaled { sig: libc::SIGKILL, core: false });
                break;
            }
            strays.push((p, st));
        }
        // Nothing else is owed: no other child of ours ever existed.
        while let Ok(Some(x)) = t.wait(-1, bsdtrace::WaitOptions::NOHANG) {
            strays.push(x);
        }
        drop(u);
    }
    assert!(strays.is_empty(), "exits of tasks the tracer never had: {strays:?}");
}

/// A process whose threads are born and exit all the time, traced with LWP
/// events, SIGKILLed from outside at a random moment while the tracer
/// continues each BORN/EXITED stop: its death is always reported. The
/// fault suite saw a thread's own EXITED stop racing the SIGKILL stay held
/// while the process counted as running, and Linux held the leader's death
/// behind it (long-form R1, C face, worker seed 82000267; engine/allstop.rs
/// now lets every held thread of a killed process go). This test did not
/// catch that race in 6 runs before the fix: it guards the general case.
#[test]
fn a_sigkill_racing_lwp_exit_stops_is_always_reported() {
    for round in 0..40u64 {
        let (u, mut t, pid) = attached(&["churn"]);
        t.lwp_events(pid.into(), true).unwrap();
        t.resume(pid.into(), Resume::Continue, None, 0).unwrap();
        let kill_at = std::time::Instant::now() + std::time::Duration::from_micros(200 + round * 137 % 3000);
        let mut killed = false;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            if !killed && std::time::Instant::now() >= kill_at {
                unsafe { libc::kill(pid.0, libc::SIGKILL) };
                killed = true;
            }
            match t.wait(pid.0, bsdtrace::WaitOptions::NOHANG).unwrap() {
                Some((_, WaitStatus::Stopped(_))) => {
                    let _ = t.resume(pid.into(), Resume::Continue, None, 0);
                }
                Some((_, st)) => {
                    assert_eq!(st, WaitStatus::Signaled { sig: libc::SIGKILL, core: false }, "round {round}");
                    break;
                }
                None => {
                    assert!(std::time::Instant::now() < deadline, "round {round}: the death never came");
                    std::thread::yield_now();
                }
            }
        }
        drop(u);
    }
}
