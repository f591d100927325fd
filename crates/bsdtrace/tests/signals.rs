//! Signals as FreeBSD delivers them to a traced process, fork following,
//! exec, and PT_TRACE_ME.

mod common;
use bsdtrace::*;
use common::*;

#[test]
fn ignored_signals_never_stop_the_process() {
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["ignored"]);
    // SIG_IGN'd SIGUSR1 and SIGRTMIN+1 and default-ignored
    // SIGCHLD/SIGWINCH/SIGURG pass silently; caught SIGRTMIN+2 and SIGCHLD
    // stop (discarded here by continuing with 0), then SIGUSR2.
    let rtmin = libc::SIGRTMIN();
    assert_eq!(cont_until(&mut t, pid, Resume::Continue, 0).0, WaitStatus::Stopped(rtmin + 2));
    assert_eq!(cont_until(&mut t, pid, Resume::Continue, 0).0, WaitStatus::Stopped(libc::SIGCHLD));
    assert_eq!(cont_until(&mut t, pid, Resume::Continue, 0).0, WaitStatus::Stopped(libc::SIGUSR2));
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(0));
}

#[test]
fn a_signal_stop_reports_its_siginfo() {
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["raise", &libc::SIGUSR1.to_string()]);
    assert_eq!(cont_until(&mut t, pid, Resume::Continue, 0).0, WaitStatus::Stopped(libc::SIGUSR1));
    let info = t.lwpinfo(pid.into()).unwrap();
    assert_eq!(info.event, abi::PL_EVENT_SIGNAL);
    assert_eq!(info.flags, abi::PL_FLAG_SI);
    assert_eq!(sys::si::signo(&info.siginfo), libc::SIGUSR1);
    assert_eq!(sys::si::code(&info.siginfo), libc::SI_TKILL);
    assert_eq!(sys::si::pid(&info.siginfo), pid.0);
    // The signal came as raise()'s tgkill returned: FreeBSD's td_sa still
    // names that call (see syscalls.rs).
    assert_eq!(info.syscall_code, libc::SYS_tgkill as u32);
    // Passing it on delivers it: SIGUSR1's default action kills.
    t.resume(pid.into(), Resume::Continue, None, libc::SIGUSR1).unwrap();
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Signaled { sig: libc::SIGUSR1, core: false });
}

#[test]
fn continuing_with_zero_discards_the_signal() {
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["raise", &libc::SIGTERM.to_string()]);
    assert_eq!(cont_until(&mut t, pid, Resume::Continue, 0).0, WaitStatus::Stopped(libc::SIGTERM));
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(0));
}

#[test]
fn a_replaced_signal_is_delivered_without_a_second_stop() {
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["handler"]);
    assert_eq!(cont_until(&mut t, pid, Resume::Continue, 0).0, WaitStatus::Stopped(libc::SIGUSR2));
    // Replace SIGUSR2 by SIGUSR1: the handler runs, and no stop reports it.
    t.resume(pid.into(), Resume::Continue, None, libc::SIGUSR1).unwrap();
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Exited(1));
}

#[test]
fn a_signal_given_at_a_syscall_stop_arrives_after_the_syscall_without_a_stop() {
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["handler"]);
    assert_eq!(cont_until(&mut t, pid, Resume::Continue, 0).0, WaitStatus::Stopped(libc::SIGUSR2));
    // Discard SIGUSR2, stop at the next syscall entry, inject SIGUSR1 there.
    let (st, ev) = cont_until(&mut t, pid, Resume::ToSce, 0);
    assert_eq!((st, ev), (WaitStatus::Stopped(libc::SIGTRAP), Some(Event::SyscallEntry)));
    t.set_event_mask(pid.into(), abi::PTRACE_EXEC).unwrap();
    t.resume(pid.into(), Resume::Continue, None, libc::SIGUSR1).unwrap();
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Exited(1), "handler ran once, no SIGUSR1 stop");
}

#[test]
fn a_signal_given_at_a_syscalls_entry_and_again_at_its_exit_is_delivered_twice() {
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["handler"]);
    assert_eq!(cont_until(&mut t, pid, Resume::Continue, 0).0, WaitStatus::Stopped(libc::SIGUSR2));
    // Discard SIGUSR2; run to getppid's entry.
    loop {
        let (st, ev) = cont_until(&mut t, pid, Resume::ToSce, 0);
        assert_eq!((st, ev), (WaitStatus::Stopped(libc::SIGTRAP), Some(Event::SyscallEntry)));
        if t.lwpinfo(pid.into()).unwrap().syscall_code == libc::SYS_getppid as u32 {
            break;
        }
    }
    // SIGUSR1 at the entry: queued for after the call, which still reaches
    // its exit stop; SIGUSR1 again there: a second delivery, not merged
    // with the first (FreeBSD queues both), and neither stops the process.
    t.set_event_mask(pid.into(), abi::PTRACE_EXEC | abi::PTRACE_SCX).unwrap();
    t.resume(pid.into(), Resume::Continue, None, libc::SIGUSR1).unwrap();
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGTRAP));
    let info = t.lwpinfo(pid.into()).unwrap();
    assert_eq!((info.stop, info.syscall_code), (Some(Event::SyscallExit), libc::SYS_getppid as u32));
    t.set_event_mask(pid.into(), abi::PTRACE_EXEC).unwrap();
    t.resume(pid.into(), Resume::Continue, None, libc::SIGUSR1).unwrap();
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Exited(2), "the handler ran twice, no SIGUSR1 stop");
}

#[test]
fn a_replaced_signal_goes_to_a_thread_that_does_not_block_it() {
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["blocked_usr1"]);
    let (st, _) = cont_until(&mut t, pid, Resume::Continue, 0);
    assert_eq!(st, WaitStatus::Stopped(libc::SIGUSR2));
    assert_eq!(t.lwpinfo(pid.into()).unwrap().lwpid.0, pid.0, "the main thread raised it");
    // Main blocks SIGUSR1: the helper thread must take it, and no stop follows.
    t.resume(pid.into(), Resume::Continue, None, libc::SIGUSR1).unwrap();
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Exited(42));
}

/// A replacement signal every thread blocks: FreeBSD queues it, the thread
/// that unblocks it stops for it, and it is delivered whatever the
/// debugger does at that stop (passed on: delivered twice).
#[test]
fn a_replacement_signal_every_thread_blocks_stops_when_unblocked() {
    for (give, runs) in [(0, 1), (libc::SIGUSR1, 2)] {
        let mut t = Tracer::new();
        let pid = spawn(&mut t, &["masked_usr1"]);
        assert_eq!(cont_until(&mut t, pid, Resume::Continue, 0).0, WaitStatus::Stopped(libc::SIGUSR2));
        t.resume(pid.into(), Resume::Continue, None, libc::SIGUSR1).unwrap();
        assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGUSR1), "a stop once it is unblocked");
        let info = t.lwpinfo(pid.into()).unwrap();
        assert_eq!(sys::si::signo(&info.siginfo), libc::SIGUSR1);
        t.resume(pid.into(), Resume::Continue, None, give).unwrap();
        assert_eq!(wait_pid(&mut t, pid), WaitStatus::Exited(runs), "given {give}");
    }
}

/// The same with a realtime signal and the process's signal queue full
/// (RLIMIT_SIGPENDING reached): FreeBSD's "from ptrace" copy needs no
/// queue entry, so it is still delivered, and the unmarked copy still stops.
/// A realtime signal given at a syscall stop is delivered too (a tgkill the
/// full queue refuses is sent again with kill(), which keeps no siginfo),
/// with no stop.
#[test]
fn realtime_signals_the_debugger_gives_survive_a_full_queue() {
    let rt = libc::SIGRTMIN();
    for (give, runs) in [(0, 1), (rt, 2)] {
        let mut t = Tracer::new();
        let pid = spawn(&mut t, &["masked_rt_full"]);
        assert_eq!(cont_until(&mut t, pid, Resume::Continue, 0).0, WaitStatus::Stopped(libc::SIGUSR2));
        t.resume(pid.into(), Resume::Continue, None, rt).unwrap();
        assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(rt), "a stop once it is unblocked");
        t.resume(pid.into(), Resume::Continue, None, give).unwrap();
        assert_eq!(wait_pid(&mut t, pid), WaitStatus::Exited(runs), "given {give}");
    }
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["handler_rt_full"]);
    assert_eq!(cont_until(&mut t, pid, Resume::Continue, 0).0, WaitStatus::Stopped(libc::SIGUSR2));
    loop {
        let (st, ev) = cont_until(&mut t, pid, Resume::ToSce, 0);
        assert_eq!((st, ev), (WaitStatus::Stopped(libc::SIGTRAP), Some(Event::SyscallEntry)));
        if t.lwpinfo(pid.into()).unwrap().syscall_code == libc::SYS_getppid as u32 {
            break;
        }
    }
    t.set_event_mask(pid.into(), abi::PTRACE_EXEC).unwrap();
    t.resume(pid.into(), Resume::Continue, None, rt).unwrap();
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Exited(1), "handler ran once, no SIGRTMIN stop");
}

#[test]
fn follow_fork_reports_the_parent_and_the_child() {
    for mode in ["fork", "vfork"] {
        let mut t = Tracer::new();
        let pid = spawn(&mut t, &[mode]);
        t.set_event_mask(pid.into(), abi::PTRACE_EXEC | abi::PTRACE_FORK | abi::PTRACE_VFORK).unwrap();
        t.resume(pid.into(), Resume::Continue, None, 0).unwrap();
        // Both stops must be collected, in either order.
        let mut child = None;
        let mut parent_seen = false;
        let mut child_seen = false;
        while !(parent_seen && child_seen) {
            let (p, st) = wait(&mut t);
            let info = t.lwpinfo(p.into()).unwrap();
            if p == pid {
                assert_eq!(st, WaitStatus::Stopped(libc::SIGTRAP));
                let vf = if mode == "vfork" { abi::PL_FLAG_VFORKED } else { 0 };
                assert_eq!(info.flags, abi::PL_FLAG_FORKED | abi::PL_FLAG_SCX | vf);
                assert_eq!(t.sc_ret(p.into()).unwrap().sr_retval[0], info.child_pid as i64);
                // FreeBSD's FORKED stop is at the syscall's exit, the
                // result in the registers (Linux's is before the return).
                let r = t.get_regs(p.into()).unwrap();
                assert_eq!((r.r_rax, r.r_rflags & abi::PSL_C), (info.child_pid as i64, 0), "{mode}");
                child = Some(Pid(info.child_pid));
                parent_seen = true;
            } else {
                assert_eq!(st, WaitStatus::Stopped(libc::SIGSTOP));
                assert_eq!(info.flags, abi::PL_FLAG_CHILD | abi::PL_FLAG_SCX);
                assert_eq!(t.event_mask(p.into()).unwrap(), abi::PTRACE_DEFAULT, "children get the default mask");
                child_seen = true;
                child = child.or(Some(p));
            }
        }
        let child = child.unwrap();
        assert!(t.is_traced(child));
        t.resume(child.into(), Resume::Continue, None, 0).unwrap();
        t.resume(pid.into(), Resume::Continue, None, 0).unwrap();
        let mut exits = vec![];
        let mut vfork_done = false;
        while exits.len() < 2 {
            let (p, st) = wait(&mut t);
            match st {
                WaitStatus::Stopped(libc::SIGTRAP) => {
                    assert_eq!(t.lwpinfo(p.into()).unwrap().flags, abi::PL_FLAG_VFORK_DONE);
                    vfork_done = true;
                    t.resume(p.into(), Resume::Continue, None, 0).unwrap();
                }
                other => exits.push((p, other)),
            }
        }
        exits.sort_by_key(|e| e.0);
        let code = if mode == "fork" { 7 } else { 9 };
        assert_eq!(exits, vec![(pid, WaitStatus::Exited(code)), (child, WaitStatus::Exited(code))]);
        assert_eq!(vfork_done, mode == "vfork");
    }
}

#[test]
fn without_follow_fork_children_run_untraced() {
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["fork"]);
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(7));
}

#[test]
fn exec_stops_with_exec_and_scx_unless_masked() {
    let mut t = Tracer::new();
    let tr = tracee();
    let pid = spawn(&mut t, &["exec", tr, "exit", "3"]);
    let (st, ev) = cont_until(&mut t, pid, Resume::Continue, 0);
    assert_eq!(st, WaitStatus::Stopped(libc::SIGTRAP));
    assert!(matches!(ev, Some(Event::Exec { .. })));
    let info = t.lwpinfo(pid.into()).unwrap();
    assert_eq!(info.flags, abi::PL_FLAG_EXEC | abi::PL_FLAG_SCX);
    assert_eq!(info.syscall_code, libc::SYS_execve as u32);
    // FreeBSD's execve returns EJUSTRETURN (it set the new image's
    // registers itself), which PT_GET_SC_RET reports with no values.
    let r = t.sc_ret(pid.into()).unwrap();
    assert_eq!((r.sr_error, r.sr_retval), (abi::EJUSTRETURN, [0, 0]));
    // At FreeBSD's EXEC|SCX stop rax is what the new image starts with (0),
    // not Linux's -ENOSYS of a call that has not returned yet.
    assert_eq!(t.get_regs(pid.into()).unwrap().r_rax, 0);
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(3));

    let pid = spawn(&mut t, &["exec", tr, "exit", "4"]);
    t.set_event_mask(pid.into(), 0).unwrap();
    assert_eq!(cont_until(&mut t, pid, Resume::Continue, 0).0, WaitStatus::Exited(4));
}

#[test]
fn trace_me_child_is_adopted_at_its_first_stop() {
    let mut t = Tracer::new();
    let pid = fork_traceme_exec(&[tracee(), "sigstop_then_exit", "6"]);
    // First stop: the exec (SIGTRAP, EXEC).
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGTRAP));
    assert_eq!(t.lwpinfo(pid.into()).unwrap().flags & abi::PL_FLAG_EXEC, abi::PL_FLAG_EXEC);
    // Then the raise(SIGSTOP).
    assert_eq!(cont_until(&mut t, pid, Resume::Continue, 0).0, WaitStatus::Stopped(libc::SIGSTOP));
    let info = t.lwpinfo(pid.into()).unwrap();
    assert_eq!(info.flags, abi::PL_FLAG_SI);
    // Threads and syscalls work as for any tracee.
    let (st, ev) = cont_until(&mut t, pid, Resume::Syscall, 0);
    assert_eq!((st, ev), (WaitStatus::Stopped(libc::SIGTRAP), Some(Event::SyscallEntry)));
    t.set_event_mask(pid.into(), abi::PTRACE_EXEC).unwrap();
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(6));
}

/// At the exec stop PT_GET_SC_ARGS (and PT_LWPINFO's code) give execve's
/// own arguments, which FreeBSD's `td_sa` still holds there, when the
/// debugger stopped at its entry and read them: with PT_GET_SC_ARGS, with
/// PT_LWPINFO then the registers, or with the registers first.
#[test]
fn the_exec_stop_gives_execves_arguments_read_at_its_entry() {
    let mut t = Tracer::new();
    let tr = tracee();
    for how in 0..3 {
        let pid = spawn(&mut t, &["exec", tr, "exit", "3"]);
        let args = loop {
            let (st, ev) = cont_until(&mut t, pid, Resume::Syscall, 0);
            assert_eq!(st, WaitStatus::Stopped(libc::SIGTRAP));
            if ev != Some(Event::SyscallEntry) {
                continue;
            }
            let (code, args) = match how {
                0 => {
                    let a = t.sc_args(pid.into()).unwrap();
                    (a.code, [a.args[0], a.args[1], a.args[2]])
                }
                1 => {
                    let code = t.lwpinfo(pid.into()).unwrap().syscall_code;
                    let r = t.get_regs(pid.into()).unwrap();
                    (code, [r.r_rdi as u64, r.r_rsi as u64, r.r_rdx as u64])
                }
                _ => {
                    let r = t.get_regs(pid.into()).unwrap();
                    let a = t.sc_args(pid.into()).unwrap();
                    let n = (a.narg as usize).min(3);
                    assert_eq!(a.args[..n], [r.r_rdi as u64, r.r_rsi as u64, r.r_rdx as u64][..n]);
                    (a.code, [a.args[0], a.args[1], a.args[2]])
                }
            };
            if code == libc::SYS_execve as u32 {
                break args;
            }
        };
        assert!(args.iter().all(|&a| a != 0), "{args:?}");
        let (st, ev) = cont_until(&mut t, pid, Resume::Syscall, 0);
        assert_eq!(st, WaitStatus::Stopped(libc::SIGTRAP));
        assert!(matches!(ev, Some(Event::Exec { .. })), "{ev:?}");
        let a = t.sc_args(pid.into()).unwrap();
        assert_eq!((a.code, a.narg), (libc::SYS_execve as u32, 3), "way {how}");
        assert_eq!(a.args, [args[0], args[1], args[2], 0, 0, 0, 0, 0], "way {how}");
        assert_eq!(t.lwpinfo(pid.into()).unwrap().syscall_code, libc::SYS_execve as u32);
        // A register write there changes nothing of td_sa.
        let r = t.get_regs(pid.into()).unwrap();
        t.set_regs(pid.into(), &r).unwrap();
        assert_eq!(t.sc_args(pid.into()).unwrap().args, a.args, "way {how}");
        // The next call is the new image's own.
        let (_, ev) = cont_until(&mut t, pid, Resume::Syscall, 0);
        assert_eq!(ev, Some(Event::SyscallEntry));
        assert_ne!(t.sc_args(pid.into()).unwrap().code, libc::SYS_execve as u32);
        t.set_event_mask(pid.into(), abi::PTRACE_EXEC).unwrap();
        assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(3));
    }
}

/// PT_SC_REMOTE at a PT_TRACE_ME child's first stops (the exec's SIGTRAP,
/// then its raise(SIGSTOP)): boundary stops on FreeBSD, where the call runs
/// (issue 10 #2: ours said EBUSY); each is followed by the SIGSTOP re-stop.
#[test]
fn remote_syscall_at_a_trace_me_childs_first_stops() {
    let mut t = Tracer::new();
    let pid = fork_traceme_exec(&[tracee(), "sigstop_then_exit", "6"]);
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGTRAP));
    let r = t.remote_syscall(pid.into(), libc::SYS_getppid as u64, &[]).unwrap();
    assert_eq!((r.sr_error, r.sr_retval[0]), (0, std::process::id() as i64), "at the exec stop");
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGSTOP));
    assert_eq!(cont_until(&mut t, pid, Resume::Continue, 0).0, WaitStatus::Stopped(libc::SIGSTOP));
    let r = t.remote_syscall(pid.into(), libc::SYS_getpid as u64, &[]).unwrap();
    assert_eq!((r.sr_error, r.sr_retval[0]), (0, pid.0 as i64), "at the raise(SIGSTOP) stop");
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGSTOP));
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(6));
}

/// A PT_TRACE_ME child that has not stopped yet (it sleeps, it will
/// never exec) is ours to stop, as FreeBSD's kill(SIGSTOP) would: it was
/// EBUSY (issue 11's fault suite, R1 Rust face, whose `stop` is
/// `interrupt`).
#[test]
fn interrupt_stops_a_trace_me_child_before_its_first_stop() {
    use std::os::fd::{AsRawFd, FromRawFd};
    let mut t = Tracer::new();
    let mut fds = [0; 2];
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: just made, ours.
    let (r, w) = unsafe { (std::os::fd::OwnedFd::from_raw_fd(fds[0]), std::os::fd::OwnedFd::from_raw_fd(fds[1])) };
    // SAFETY: the child makes plain calls only and never returns.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        // Gone with the test's thread, should the test fail.
        unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
        let ok = bsdtrace::trace_me().is_ok();
        unsafe { libc::write(w.as_raw_fd(), [ok as u8].as_ptr().cast(), 1) };
        loop {
            unsafe { libc::pause() };
        }
    }
    drop(w);
    let mut b = [0u8];
    assert_eq!(unsafe { libc::read(r.as_raw_fd(), b.as_mut_ptr().cast(), 1) }, 1);
    assert_eq!(b[0], 1, "PT_TRACE_ME in the child");
    let pid = Pid(pid);
    assert_eq!(t.interrupt(pid.into()).map_err(|e| e.errno()), Ok(true));
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGSTOP));
    t.kill(pid.into()).unwrap();
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Signaled { sig: libc::SIGKILL, core: false });
}

#[test]
fn trace_me_twice_is_ebusy() {
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        let a = bsdtrace::trace_me().is_ok();
        let b = bsdtrace::trace_me().map_err(|e| e.errno());
        unsafe { libc::_exit(if a && b == Err(Errno::EBUSY) { 0 } else { 1 }) };
    }
    let mut st = 0;
    unsafe { libc::waitpid(pid, &mut st, 0) };
    assert_eq!(libc::WEXITSTATUS(st), 0);
}

#[test]
fn step_with_a_caught_signal_runs_the_handler_first() {
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["handler"]);
    assert_eq!(cont_until(&mut t, pid, Resume::Continue, 0).0, WaitStatus::Stopped(libc::SIGUSR2));
    let rip = t.get_regs(pid.into()).unwrap().r_rip;
    // Step, delivering SIGUSR1 (caught): the handler runs unstepped, the
    // step is reported after one instruction of the interrupted code.
    t.resume(pid.into(), Resume::Step, None, libc::SIGUSR1).unwrap();
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGTRAP));
    let info = t.lwpinfo(pid.into()).unwrap();
    assert_eq!(sys::si::code(&info.siginfo), 2, "TRAP_TRACE");
    let now = t.get_regs(pid.into()).unwrap().r_rip;
    assert!(now > rip && now <= rip + 15, "one instruction after {rip:#x}, at {now:#x}");
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(1), "the handler ran exactly once");
}

/// A thread waiting in vfork() for a child we hold cannot stop (Linux's
/// killable-only wait): the process's stop completes when the child goes.
/// Nothing is lost and nothing hangs when the child is continued.
#[test]
fn a_step_whose_handler_stops_still_traps_after_the_handler_returns() {
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["handler_stops"]);
    assert_eq!(cont_until(&mut t, pid, Resume::Continue, 0).0, WaitStatus::Stopped(libc::SIGUSR2));
    let rip = t.get_regs(pid.into()).unwrap().r_rip;
    // Step with SIGUSR1: its handler raises SIGUSR2, which stops the
    // process inside the handler; continued from there (discarding it),
    // the step is still reported once the handler has returned, as
    // FreeBSD's saved trace flag makes it.
    t.resume(pid.into(), Resume::Step, None, libc::SIGUSR1).unwrap();
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGUSR2), "the handler's own stop");
    t.resume(pid.into(), Resume::Continue, None, 0).unwrap();
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGTRAP), "the step, after the handler");
    let info = t.lwpinfo(pid.into()).unwrap();
    assert_eq!(sys::si::code(&info.siginfo), 2, "TRAP_TRACE");
    let now = t.get_regs(pid.into()).unwrap().r_rip;
    assert!(now > rip && now <= rip + 15, "one instruction after {rip:#x}, at {now:#x}");
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(1), "the handler ran exactly once");
}

#[test]
fn a_vfork_parent_thread_completes_the_stop_when_its_child_goes() {
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["vfork_thread"]);
    t.follow_fork(pid.into(), true).unwrap();
    t.resume(pid.into(), Resume::Continue, None, 0).unwrap();
    let (mut child, mut forked, mut usr1) = (None, false, false);
    while child.is_none() || !forked {
        let (p, st) = wait(&mut t);
        if p == pid {
            match t.stop_event(pid.into()).unwrap().1 {
                Some(Event::Forked { vfork: true, .. }) => forked = true,
                Some(Event::Signal { sig: libc::SIGUSR1 }) => usr1 = true,
                other => panic!("parent stop {st:?} {other:?}"),
            }
            t.resume(pid.into(), Resume::Continue, None, 0).unwrap();
        } else {
            assert_eq!(st, WaitStatus::Stopped(libc::SIGSTOP), "the child's first stop");
            child = Some(p);
        }
    }
    let child = child.unwrap();
    // The parent runs; its vforking thread now waits for the child we hold
    // and, seeing it wait, the main thread raises SIGUSR1: the main thread
    // stops ('t') but the process's stop cannot complete yet. (Checking
    // before the main thread had raised was a race CI lost once.)
    if !usr1 {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while common::proc_state(pid.0) != 't' {
            assert!(std::time::Instant::now() < deadline, "the main thread never raised SIGUSR1");
            assert_eq!(t.wait(pid.0, WaitOptions::NOHANG).unwrap(), None);
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }
    assert_eq!(t.wait(pid.0, WaitOptions::NOHANG).unwrap(), None);
    t.resume(child.into(), Resume::Continue, None, 0).unwrap();
    assert_eq!(wait_pid(&mut t, child), WaitStatus::Exited(9));
    if !usr1 {
        assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGUSR1));
        t.resume(pid.into(), Resume::Continue, None, 0).unwrap();
    }
    // The parent is running: its thread reaps the child, and it exits.
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Exited(0));
}

/// A parent SIGKILLed at its fork event, before the tracer collected the
/// child's first stop (gdbserver does that right after the fork event):
/// the child's first stop is still reported, and the parent's death.
/// Seen under `bsdtrace gdbserver`: a blocking wait for the child hung.
#[test]
fn a_parent_killed_at_its_fork_event_still_hands_over_its_child() {
    for round in 0..20 {
        let mut t = Tracer::new();
        let pid = spawn(&mut t, &["fork"]);
        t.set_event_mask(pid.into(), abi::PTRACE_FORK).unwrap();
        t.resume(pid.into(), Resume::Continue, None, 0).unwrap();
        assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGTRAP));
        let child = Pid(t.lwpinfo(pid.into()).unwrap().child_pid);
        assert!(child.0 > 0);
        if round % 2 == 1 {
            // Let the child's first stop reach the kernel's queue first.
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        unsafe { libc::kill(pid.0, libc::SIGKILL) };
        let watchdog = Watchdog::arm(10, "wait for the child of a parent killed at its fork event");
        assert_eq!(wait_pid(&mut t, child), WaitStatus::Stopped(libc::SIGSTOP), "round {round}");
        assert_eq!(wait_pid(&mut t, pid), WaitStatus::Signaled { sig: libc::SIGKILL, core: false }, "round {round}");
        t.resume(child.into(), Resume::Continue, None, 0).unwrap();
        assert_eq!(wait_pid(&mut t, child), WaitStatus::Exited(7), "round {round}");
        drop(watchdog);
    }
}
