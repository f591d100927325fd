//! PT_SC_REMOTE and procctl commands run inside a traced, stopped process.

mod common;
use bsdtrace::procctl::{IdType, Reply, Request};
use bsdtrace::*;
use common::*;

#[test]
fn remote_syscall_runs_in_the_tracee_and_restops_it() {
    let u = Untraced::start(&["pause"]);
    let mut t = Tracer::new();
    let pid = t.attach(u.pid().into()).unwrap();
    wait_pid(&mut t, pid);
    let before = t.get_regs(pid.into()).unwrap();
    let r = t.remote_syscall(pid.into(), libc::SYS_getpid as u64, &[]).unwrap();
    assert_eq!((r.sr_error, r.sr_retval[0]), (0, pid.0 as i64));
    // The process must be waited for again; the stop says SIGSTOP.
    assert_eq!(errno(t.get_regs(pid.into())), Errno::EBUSY);
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGSTOP));
    assert_eq!(t.get_regs(pid.into()).unwrap(), before, "registers are put back");
    let r = t.remote_syscall(pid.into(), libc::SYS_close as u64, &[9999]).unwrap();
    assert_eq!(r.sr_error, libc::EBADF);
    wait_pid(&mut t, pid);
    // The interrupted pause() resumes normally afterwards.
    t.detach(pid.into(), 0).unwrap();
    assert_ne!(proc_state(pid.0), 't');
}

/// Issue 11 #3: a process that crashed through a bad function pointer stops
/// at a PC where nothing can run; the call runs anyway (elsewhere), the
/// registers come back, and the crash goes on as before.
#[test]
fn remote_syscall_where_the_pc_cannot_execute() {
    for mode in ["jump_data", "jump_unmapped"] {
        let mut t = Tracer::new();
        let pid = spawn(&mut t, &[mode]);
        let (st, _) = cont_until(&mut t, pid, Resume::Continue, 0);
        assert_eq!(st, WaitStatus::Stopped(libc::SIGSEGV), "{mode}");
        let before = t.get_regs(pid.into()).unwrap();
        let r = t.remote_syscall(pid.into(), libc::SYS_getpid as u64, &[]).unwrap();
        assert_eq!((r.sr_error, r.sr_retval[0]), (0, pid.0 as i64), "{mode}");
        assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGSTOP));
        assert_eq!(t.get_regs(pid.into()).unwrap(), before, "{mode}: registers are put back");
        let r = t.remote_syscall(pid.into(), libc::SYS_close as u64, &[9999]).unwrap();
        assert_eq!(r.sr_error, libc::EBADF, "{mode}");
        wait_pid(&mut t, pid);
        // The SIGSEGV is still the stop's: passing it on ends the process.
        t.resume(pid.into(), Resume::Continue, None, libc::SIGSEGV).unwrap();
        assert!(matches!(wait_pid(&mut t, pid), WaitStatus::Signaled { sig: libc::SIGSEGV, .. }), "{mode}");
    }
}

#[test]
fn remote_syscall_inside_a_syscall_is_ebusy() {
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["getppid", "3"]);
    let (_, ev) = cont_until(&mut t, pid, Resume::ToSce, 0);
    assert_eq!(ev, Some(Event::SyscallEntry));
    assert_eq!(errno(t.remote_syscall(pid.into(), libc::SYS_getpid as u64, &[])), Errno::EBUSY);
    t.kill(pid.into()).unwrap();
    wait_pid(&mut t, pid);
}

#[test]
fn procctl_no_new_privs_on_a_traced_stopped_process() {
    let u = Untraced::start(&["pause"]);
    let mut t = Tracer::new();
    let target = u.pid();
    // Not traced by us: FreeBSD's error, nothing changes.
    assert!(t.procctl(IdType::Pid, target.0 as i64, Request::NoNewPrivsCtl(abi::procctl::PROC_NO_NEW_PRIVS_ENABLE)).is_err());
    let pid = t.attach(target.into()).unwrap();
    wait_pid(&mut t, pid);
    t.procctl(IdType::Pid, pid.0 as i64, Request::NoNewPrivsCtl(abi::procctl::PROC_NO_NEW_PRIVS_ENABLE)).unwrap();
    let st = std::fs::read_to_string(format!("/proc/{}/status", pid.0)).unwrap();
    assert!(st.contains("NoNewPrivs:\t1"));
    assert_eq!(
        t.procctl(IdType::Pid, pid.0 as i64, Request::NoNewPrivsStatus).unwrap(),
        Reply::Int(abi::procctl::PROC_NO_NEW_PRIVS_ENABLE)
    );
    // procctl's own injection needs no extra wait.
    t.get_regs(pid.into()).unwrap();
    t.detach(pid.into(), 0).unwrap();
}
