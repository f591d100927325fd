//! PT_TO_SCE / PT_TO_SCX / PT_SYSCALL, PT_GET_SC_ARGS, PT_GET_SC_RET, the
//! register convention at syscall stops, and the seccomp fast path.

mod common;
use bsdtrace::*;
use common::*;

/// Count syscall stops of the tracee until it exits.
fn count_stops(t: &mut Tracer, pid: Pid, how: Resume, nr: u32) -> (usize, usize, usize, WaitStatus) {
    let (mut sce, mut scx, mut hits) = (0, 0, 0);
    loop {
        t.resume(pid.into(), how, None, 0).unwrap();
        match wait_pid(t, pid) {
            WaitStatus::Stopped(libc::SIGTRAP) => {
                let info = t.lwpinfo(pid.into()).unwrap();
                if info.flags & abi::PL_FLAG_SCE != 0 {
                    sce += 1;
                }
                if info.flags & abi::PL_FLAG_SCX != 0 {
                    scx += 1;
                }
                if info.syscall_code == nr {
                    hits += 1;
                }
            }
            other => return (sce, scx, hits, other),
        }
    }
}

#[test]
fn pt_syscall_stops_at_entry_and_exit() {
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["getppid", "50"]);
    let (sce, scx, hits, end) = count_stops(&mut t, pid, Resume::Syscall, libc::SYS_getppid as u32);
    assert_eq!(end, WaitStatus::Exited(0));
    assert_eq!(hits, 100, "50 getppid entries and 50 exits");
    assert!(sce > 50 && scx > 50);
    assert_eq!(sce, scx + 1, "exit_group has no exit stop");
}

#[test]
fn pt_to_sce_stops_only_at_entries() {
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["getppid", "30"]);
    let (sce, scx, hits, end) = count_stops(&mut t, pid, Resume::ToSce, libc::SYS_getppid as u32);
    assert_eq!(end, WaitStatus::Exited(0));
    assert_eq!((scx, hits), (0, 30));
    assert!(sce >= 30);
    assert_eq!(t.traced(), vec![]);
}

#[test]
fn pt_to_scx_stops_only_at_exits() {
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["getppid", "30"]);
    let (sce, scx, hits, end) = count_stops(&mut t, pid, Resume::ToScx, libc::SYS_getppid as u32);
    assert_eq!(end, WaitStatus::Exited(0));
    assert_eq!((sce, hits), (0, 30));
    assert!(scx >= 30);
}

#[test]
fn seccomp_filter_stops_only_at_chosen_syscalls() {
    let mut t = Tracer::new();
    let opts = SpawnOptions { trace_only: Some(vec![libc::SYS_getppid as u32]), ..Default::default() };
    let pid = t.spawn_with(&[tracee(), "getppid", "40"], &opts).unwrap();
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGTRAP));
    let (sce, scx, hits, end) = count_stops(&mut t, pid, Resume::Syscall, libc::SYS_getppid as u32);
    assert_eq!(end, WaitStatus::Exited(0));
    assert_eq!((sce, scx, hits), (40, 40, 80));
}

#[test]
fn sc_args_and_sc_ret_at_syscall_stops() {
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["fail"]);
    loop {
        t.resume(pid.into(), Resume::Syscall, None, 0).unwrap();
        assert!(matches!(wait_pid(&mut t, pid), WaitStatus::Stopped(_)));
        let a = t.sc_args(pid.into()).unwrap();
        if a.code == libc::SYS_openat as u32 {
            assert_eq!(a.narg, 4);
            assert_eq!(a.args[0] as i32, libc::AT_FDCWD);
            assert_eq!(&a.args[4..], &[0, 0, 0, 0], "unused slots are zero");
            let mut path = [0u8; 21];
            t.read_memory(pid.into(), a.args[1], &mut path).unwrap();
            if &path != b"/nonexistent/bsdtrace" {
                continue; // the dynamic loader's openat calls
            }
            if t.lwpinfo(pid.into()).unwrap().flags & abi::PL_FLAG_SCE != 0 {
                assert_eq!(errno(t.sc_ret(pid.into())), Errno::EINVAL, "no return value at entry");
                let r = t.get_regs(pid.into()).unwrap();
                assert_eq!(r.r_rax, libc::SYS_openat, "FreeBSD shows the syscall number in rax at entry");
                continue;
            }
            let ret = t.sc_ret(pid.into()).unwrap();
            assert_eq!(ret.sr_error, libc::ENOENT);
            let r = t.get_regs(pid.into()).unwrap();
            assert_eq!(r.r_rflags & abi::PSL_C, abi::PSL_C, "carry flag marks the error");
            assert_eq!(r.r_rax, libc::ENOENT as i64);
            break;
        }
    }
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(0));
}

#[test]
fn sc_args_of_a_thread_outside_any_syscall_is_einval() {
    let (_u, mut t, pid) = attached(&["spin"]);
    // Stopped again once it has spun in user code for a while (the attach,
    // or an interrupt right after the resume, may find it returning from
    // the write that said "ready"): its last entry into the kernel was an
    // interrupt, not a syscall.
    t.resume(pid.into(), Resume::Continue, None, 0).unwrap();
    let start = user_ticks(pid.0);
    while user_ticks(pid.0) < start + 3 {
        std::thread::yield_now();
    }
    assert!(t.interrupt(pid.into()).unwrap());
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGSTOP));
    let info = t.lwpinfo(pid.into()).unwrap();
    assert_eq!((info.syscall_code, info.syscall_narg), (0, 0));
    assert_eq!(errno(t.sc_args(pid.into())), Errno::EINVAL);
    assert_eq!(errno(t.sc_ret(pid.into())), Errno::EINVAL);
    t.detach(pid.into(), 0).unwrap();
}

/// Clock ticks a process has spent in user mode (`/proc/PID/stat` utime).
fn user_ticks(pid: i32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let rest = s.rsplit_once(')').unwrap().1;
    rest.split_whitespace().nth(11).unwrap().parse().unwrap()
}

/// Start `tracee nanosleep` untraced; returns it and the address of its
/// timespec once it sleeps in nanosleep(2).
fn sleeper() -> (std::process::Child, u64) {
    let mut cmd = std::process::Command::new(tracee());
    cmd.arg("nanosleep").stdin(std::process::Stdio::null());
    let (child, line) = spawn_until_ready(&mut cmd);
    let addr = u64::from_str_radix(line.trim_start_matches("ready 0x"), 16).unwrap();
    wait_in_syscall(child.id() as i32, libc::SYS_nanosleep);
    (child, addr)
}

#[test]
fn attach_to_a_thread_blocked_in_nanosleep_reports_the_call() {
    // FreeBSD's ptrace__syscall_args_anywhere: the syscall the thread was
    // in when the attach stopped it, with its arguments.
    let (mut child, ts) = sleeper();
    let mut t = Tracer::new();
    let pid = t.attach(Pid(child.id() as i32).into()).unwrap();
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGSTOP));
    let info = t.lwpinfo(pid.into()).unwrap();
    assert_eq!(info.flags, abi::PL_FLAG_SI, "no SCE/SCX: an attach stop");
    assert_eq!((info.syscall_code, info.syscall_narg), (libc::SYS_nanosleep as u32, 2));
    let a = t.sc_args(pid.into()).unwrap();
    assert_eq!((a.code, a.narg), (libc::SYS_nanosleep as u32, 2));
    assert_eq!(a.args, [ts, 0, 0, 0, 0, 0, 0, 0]);
    // Only a syscall-exit stop has a return value.
    assert_eq!(errno(t.sc_ret(pid.into())), Errno::EINVAL);
    // Interrupted the same way later, asleep again in the call Linux
    // restarted as restart_syscall: FreeBSD's thread still sleeps in
    // nanosleep, and td_sa says so.
    t.resume(pid.into(), Resume::Continue, None, 0).unwrap();
    wait_in_syscall(pid.0, libc::SYS_restart_syscall);
    assert!(t.interrupt(pid.into()).unwrap());
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGSTOP));
    let info = t.lwpinfo(pid.into()).unwrap();
    assert_eq!((info.syscall_code, info.syscall_narg), (libc::SYS_nanosleep as u32, 2));
    assert_eq!(t.sc_args(pid.into()).unwrap().args, [ts, 0, 0, 0, 0, 0, 0, 0]);
    // And again, one more stop later.
    t.resume(pid.into(), Resume::Continue, None, 0).unwrap();
    wait_in_syscall(pid.0, libc::SYS_restart_syscall);
    assert!(t.interrupt(pid.into()).unwrap());
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGSTOP));
    assert_eq!(t.lwpinfo(pid.into()).unwrap().syscall_code, libc::SYS_nanosleep as u32);
    t.detach(pid.into(), 0).unwrap();
    wait_in_syscall(pid.0, libc::SYS_restart_syscall);
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn every_thread_reports_the_call_it_sleeps_in() {
    let u = Untraced::start(&["threads", "3"]);
    // (The main thread may still be returning from the write of "ready".)
    let tasks = std::fs::read_dir(format!("/proc/{}/task", u.pid().0)).unwrap();
    for task in tasks {
        wait_in_syscall(task.unwrap().file_name().to_str().unwrap().parse().unwrap(), libc::SYS_pause);
    }
    let mut t = Tracer::new();
    let pid = t.attach(u.pid().into()).unwrap();
    wait_pid(&mut t, pid);
    let lwps = t.lwp_list(pid.into()).unwrap();
    assert_eq!(lwps.len(), 4);
    for l in lwps {
        let info = t.lwpinfo(l.into()).unwrap();
        assert_eq!((info.syscall_code, info.syscall_narg), (libc::SYS_pause as u32, 0), "{l:?}");
        assert_eq!(t.sc_args(l.into()).unwrap().code, libc::SYS_pause as u32);
    }
    t.detach(pid.into(), 0).unwrap();
}

#[test]
fn a_signal_the_thread_sent_itself_reports_the_sending_call() {
    // raise() is tgkill(pid, tid, sig): the signal stop comes as that call
    // returns, and FreeBSD's td_sa still describes it (thr_kill there).
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["raise", &libc::SIGUSR2.to_string()]);
    assert_eq!(cont_until(&mut t, pid, Resume::Continue, 0).0, WaitStatus::Stopped(libc::SIGUSR2));
    let info = t.lwpinfo(pid.into()).unwrap();
    assert_eq!((info.syscall_code, info.syscall_narg), (libc::SYS_tgkill as u32, 3));
    let a = t.sc_args(pid.into()).unwrap();
    assert_eq!(&a.args[..4], &[pid.0 as u64, pid.0 as u64, libc::SIGUSR2 as u64, 0]);
    assert_eq!(errno(t.sc_ret(pid.into())), Errno::EINVAL);
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(0));
}

#[test]
fn rt_sigreturn_exit_stop_names_rt_sigreturn() {
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["sigreturn"]);
    assert_eq!(cont_until(&mut t, pid, Resume::Continue, 0).0, WaitStatus::Stopped(libc::SIGUSR1));
    // Deliver it; the handler returns through rt_sigreturn.
    let mut sig = libc::SIGUSR1;
    let (mut entry, mut exit) = (false, false);
    loop {
        t.resume(pid.into(), Resume::Syscall, None, std::mem::take(&mut sig)).unwrap();
        assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGTRAP));
        let info = t.lwpinfo(pid.into()).unwrap();
        if info.syscall_code == libc::SYS_rt_sigreturn as u32 {
            assert_eq!(info.syscall_narg, 0);
            if info.flags & abi::PL_FLAG_SCE != 0 {
                entry = true;
            } else {
                assert_eq!(info.flags, abi::PL_FLAG_SCX);
                assert_eq!(t.sc_args(pid.into()).unwrap().code, libc::SYS_rt_sigreturn as u32);
                exit = true;
            }
        }
        assert_ne!(info.syscall_code, u32::MAX, "{info:?}");
        if info.syscall_code == libc::SYS_getppid as u32 {
            break;
        }
    }
    assert!(entry && exit, "rt_sigreturn's entry and exit stops");
    t.set_event_mask(pid.into(), abi::PTRACE_EXEC).unwrap();
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(1));
}

#[test]
fn a_syscall_number_the_tracer_set_to_minus_one_stays_minus_one_at_the_exit() {
    // FreeBSD reports the number the debugger wrote (nosys: ENOSYS); the
    // exit stop of a call skipped this way is not rt_sigreturn's.
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["nanosleep_getpid"]);
    to_getpid(&mut t, pid, true);
    let mut r = t.get_regs(pid.into()).unwrap();
    r.r_rax = -1;
    t.set_regs(pid.into(), &r).unwrap();
    t.resume(pid.into(), Resume::Syscall, None, 0).unwrap();
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGTRAP));
    let info = t.lwpinfo(pid.into()).unwrap();
    assert_eq!(info.flags, abi::PL_FLAG_SCX);
    assert_eq!(info.syscall_code, u32::MAX);
    assert_eq!(t.sc_ret(pid.into()).unwrap().sr_error, libc::ENOSYS);
    t.set_event_mask(pid.into(), abi::PTRACE_EXEC).unwrap();
    // getpid() returned -1: the tracee's exit code 2.
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(2));
}

/// Run to the getpid syscall entry after the tracee's SIGSTOP.
fn to_getpid(t: &mut Tracer, pid: Pid, entry: bool) {
    assert_eq!(cont_until(t, pid, Resume::Continue, 0).0, WaitStatus::Stopped(libc::SIGSTOP));
    loop {
        let how = if entry { Resume::ToSce } else { Resume::Syscall };
        t.resume(pid.into(), how, None, 0).unwrap();
        wait_pid(t, pid);
        let info = t.lwpinfo(pid.into()).unwrap();
        let at_entry = info.flags & abi::PL_FLAG_SCE != 0;
        if info.syscall_code == libc::SYS_getpid as u32 && at_entry == entry {
            return;
        }
    }
}

#[test]
fn rewriting_rax_at_entry_changes_the_syscall() {
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["nanosleep_getpid"]);
    to_getpid(&mut t, pid, true);
    let mut r = t.get_regs(pid.into()).unwrap();
    assert_eq!(r.r_rax, libc::SYS_getpid);
    r.r_rax = libc::SYS_getppid; // getppid instead: the tracee sees our pid, not 4242 or its own
    t.set_regs(pid.into(), &r).unwrap();
    t.set_event_mask(pid.into(), abi::PTRACE_EXEC).unwrap();
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(2));
}

#[test]
fn rewriting_rax_at_exit_changes_the_result() {
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["nanosleep_getpid"]);
    to_getpid(&mut t, pid, false);
    let mut r = t.get_regs(pid.into()).unwrap();
    assert_eq!(r.r_rflags & abi::PSL_C, 0);
    assert_eq!(r.r_rax, pid.0 as i64);
    r.r_rax = 4242;
    t.set_regs(pid.into(), &r).unwrap();
    t.set_event_mask(pid.into(), abi::PTRACE_EXEC).unwrap();
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(0));
}

#[test]
fn setting_the_carry_flag_at_exit_makes_the_syscall_fail() {
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["getpid_errno"]);
    to_getpid(&mut t, pid, false);
    let mut r = t.get_regs(pid.into()).unwrap();
    r.r_rflags |= abi::PSL_C;
    r.r_rax = libc::EACCES as i64;
    t.set_regs(pid.into(), &r).unwrap();
    t.set_event_mask(pid.into(), abi::PTRACE_EXEC).unwrap();
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(0));
}

/// What PT_GET_SC_ARGS and PT_GET_SC_RET must say, from PT_GETREGS.
fn expected_from_regs(r: &abi::reg, entry: bool) -> (u32, [u64; 6], Option<abi::ptrace_sc_ret>) {
    let args = [r.r_rdi, r.r_rsi, r.r_rdx, r.r_r10, r.r_r8, r.r_r9].map(|a| a as u64);
    if entry {
        return (r.r_rax as u32, args, None);
    }
    let mut ret = abi::ptrace_sc_ret::default();
    if r.r_rflags & abi::PSL_C != 0 {
        ret.sr_error = if matches!(r.r_rax, 512 | 513 | 514 | 516) { -1 } else { r.r_rax as i32 };
    } else {
        ret.sr_retval = [r.r_rax, r.r_rdx];
    }
    (0, args, Some(ret))
}

/// At every syscall stop until the exit, PT_GET_SC_ARGS and PT_GET_SC_RET
/// (asked first, so the engine serves them without the registers) agree
/// with PT_GETREGS. Returns how many stops were checked.
fn sc_answers_match_registers(t: &mut Tracer, pid: Pid) -> usize {
    let mut checked = 0;
    let mut code_at_entry = None;
    loop {
        t.resume(pid.into(), Resume::Syscall, None, 0).unwrap();
        if !matches!(wait_pid(t, pid), WaitStatus::Stopped(_)) {
            return checked;
        }
        let ev = t.stop_event(pid.into()).unwrap().1;
        let entry = match ev {
            Some(Event::SyscallEntry) => true,
            Some(Event::SyscallExit) => false,
            _ => continue,
        };
        let a = t.sc_args(pid.into()).unwrap();
        let ret = if entry { None } else { Some(t.sc_ret(pid.into()).unwrap()) };
        let r = t.get_regs(pid.into()).unwrap();
        let (code, args, want_ret) = expected_from_regs(&r, entry);
        let n = a.narg as usize;
        assert_eq!(&a.args[..n], &args[..n], "arguments of syscall {}", a.code);
        assert!(a.args[n..].iter().all(|&x| x == 0));
        if entry {
            assert_eq!(a.code, code);
            code_at_entry = Some(a.code);
        } else {
            assert_eq!(Some(a.code), code_at_entry.take(), "the exit shows the entry's syscall");
            assert_eq!(ret, want_ret, "result of syscall {}", a.code);
        }
        checked += 1;
    }
}

#[test]
fn sc_args_and_sc_ret_match_the_registers_at_every_syscall_stop() {
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["fail"]);
    assert!(sc_answers_match_registers(&mut t, pid) > 40);
}

#[test]
fn sc_args_and_sc_ret_match_the_registers_under_the_seccomp_filter() {
    let mut t = Tracer::new();
    let traced = [libc::SYS_openat, libc::SYS_mmap, libc::SYS_read, libc::SYS_close, libc::SYS_getppid];
    let opts = SpawnOptions { trace_only: Some(traced.iter().map(|&n| n as u32).collect()), ..Default::default() };
    let pid = t.spawn_with(&[tracee(), "fail"], &opts).unwrap();
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGTRAP));
    assert!(sc_answers_match_registers(&mut t, pid) > 10);
}

#[test]
fn sc_args_after_setregs_at_entry_shows_the_new_arguments() {
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["fail"]);
    loop {
        t.resume(pid.into(), Resume::ToSce, None, 0).unwrap();
        assert!(matches!(wait_pid(&mut t, pid), WaitStatus::Stopped(_)));
        let a = t.sc_args(pid.into()).unwrap();
        let mut path = [0u8; 21];
        if a.code == libc::SYS_openat as u32
            && t.read_memory(pid.into(), a.args[1], &mut path).is_ok()
            && &path == b"/nonexistent/bsdtrace"
        {
            break;
        }
    }
    let mut r = t.get_regs(pid.into()).unwrap();
    r.r_rdx = (libc::O_RDONLY | libc::O_CLOEXEC) as i64;
    t.set_regs(pid.into(), &r).unwrap();
    let flags = (libc::O_RDONLY | libc::O_CLOEXEC) as u64;
    assert_eq!(t.sc_args(pid.into()).unwrap().args[2], flags, "at the entry");
    t.resume(pid.into(), Resume::Syscall, None, 0).unwrap();
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGTRAP));
    assert_eq!(t.stop_event(pid.into()).unwrap().1, Some(Event::SyscallExit));
    assert_eq!(t.sc_ret(pid.into()).unwrap().sr_error, libc::ENOENT);
    let a = t.sc_args(pid.into()).unwrap();
    assert_eq!((a.code, a.args[2]), (libc::SYS_openat as u32, flags), "at the exit");
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(0));
}

#[test]
fn sc_ret_shows_rdx_as_written_at_entry() {
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["nanosleep_getpid"]);
    to_getpid(&mut t, pid, true);
    assert_eq!(t.sc_args(pid.into()).unwrap().code, libc::SYS_getpid as u32);
    let mut r = t.get_regs(pid.into()).unwrap();
    r.r_rdx = 0x1234;
    t.set_regs(pid.into(), &r).unwrap();
    t.resume(pid.into(), Resume::Syscall, None, 0).unwrap();
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGTRAP));
    assert_eq!(t.stop_event(pid.into()).unwrap().1, Some(Event::SyscallExit));
    assert_eq!(t.sc_ret(pid.into()).unwrap().sr_retval, [pid.0 as i64, 0x1234]);
    t.set_event_mask(pid.into(), abi::PTRACE_EXEC).unwrap();
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(1));
}

#[test]
fn sc_ret_after_setregs_at_exit_shows_the_new_result() {
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["nanosleep_getpid"]);
    to_getpid(&mut t, pid, false);
    let before = t.sc_ret(pid.into()).unwrap();
    assert_eq!((before.sr_error, before.sr_retval[0]), (0, pid.0 as i64));
    let mut r = t.get_regs(pid.into()).unwrap();
    r.r_rax = 4242;
    r.r_rdx = 7;
    t.set_regs(pid.into(), &r).unwrap();
    assert_eq!(t.sc_ret(pid.into()).unwrap().sr_retval, [4242, 7]);
    r.r_rflags |= abi::PSL_C;
    r.r_rax = libc::EACCES as i64;
    t.set_regs(pid.into(), &r).unwrap();
    assert_eq!(t.sc_ret(pid.into()).unwrap().sr_error, libc::EACCES);
    r.r_rflags &= !abi::PSL_C;
    r.r_rax = 4242;
    t.set_regs(pid.into(), &r).unwrap();
    t.set_event_mask(pid.into(), abi::PTRACE_EXEC).unwrap();
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(0));
}
