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
fn sc_args_outside_a_syscall_stop_is_einval() {
    let u = Untraced::start(&["pause"]);
    let mut t = Tracer::new();
    let pid = t.attach(u.pid().into()).unwrap();
    wait_pid(&mut t, pid);
    assert_eq!(errno(t.sc_args(pid.into())), Errno::EINVAL);
    assert_eq!(errno(t.sc_ret(pid.into())), Errno::EINVAL);
    t.detach(pid.into(), 0).unwrap();
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
