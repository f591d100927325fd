//! PROC_TRACE_CTL and PROC_TRACE_STATUS, and who may debug whom.

use super::*;

#[test]
fn trace_ctl_disable_and_enable_on_self() {
    isolated("trace::trace_ctl_disable_and_enable_on_self", || {
        assert_eq!(int(pc(IdType::Pid, 0, Request::TraceStatus)), 0);
        pc(IdType::Pid, 0, Request::TraceCtl(PROC_TRACE_CTL_DISABLE)).unwrap();
        assert_eq!(sys::proc::dumpable().unwrap(), 0);
        assert_eq!(int(pc(IdType::Pid, 0, Request::TraceStatus)), -1);
        // Another process sees it through /proc ownership (we run as root,
        // so use a nobody child to check from outside).
        pc(IdType::Pid, 0, Request::TraceCtl(PROC_TRACE_CTL_ENABLE)).unwrap();
        assert_eq!(sys::proc::dumpable().unwrap(), 1);
        assert_eq!(int(pc(IdType::Pid, 0, Request::TraceStatus)), 0);
        // DISABLE_EXEC then DISABLE on self clears only the exec part.
        pc(IdType::Pid, 0, Request::TraceCtl(PROC_TRACE_CTL_DISABLE_EXEC)).unwrap();
        pc(IdType::Pid, 0, Request::TraceCtl(PROC_TRACE_CTL_DISABLE)).unwrap();
        assert_eq!(int(pc(IdType::Pid, 0, Request::TraceStatus)), -1);
        assert_eq!(errno(pc(IdType::Pid, 0, Request::TraceCtl(4))), Errno::EINVAL);
        assert_eq!(errno(pc(IdType::Pid, 0, Request::TraceCtl(0))), Errno::EINVAL);
    });
}

#[test]
fn trace_ctl_enable_does_not_make_a_set_id_process_debuggable() {
    isolated("trace::trace_ctl_enable_does_not_make_a_set_id_process_debuggable", || {
        become_user(NOBODY); // a credential change: Linux clears dumpable
        if std::fs::read_to_string("/proc/sys/fs/suid_dumpable").unwrap().trim() != "0" {
            return;
        }
        assert_eq!(sys::proc::dumpable().unwrap(), 0);
        pc(IdType::Pid, 0, Request::TraceCtl(PROC_TRACE_CTL_ENABLE)).unwrap();
        assert_eq!(sys::proc::dumpable().unwrap(), 0, "ENABLE only undoes DISABLE");
        pc(IdType::Pid, 0, Request::TraceCtl(PROC_TRACE_CTL_DISABLE)).unwrap();
        pc(IdType::Pid, 0, Request::TraceCtl(PROC_TRACE_CTL_ENABLE)).unwrap();
        assert_eq!(sys::proc::dumpable().unwrap(), 1);
    });
}

#[test]
fn trace_status_reports_the_tracer_and_trace_ctl_on_a_traced_process_is_ebusy() {
    // strace is the oracle tracer if present; otherwise gdb; else skip.
    let t = Tree::spawn(&[], 1);
    let tracer = ["strace", "gdb"].iter().find(|p| std::process::Command::new(p).arg("--version").output().is_ok());
    let Some(&tracer) = tracer else {
        eprintln!("no strace/gdb: skipped");
        return;
    };
    let mut child = if tracer == "strace" {
        std::process::Command::new("strace")
            .args(["-o", "/dev/null", "-p", &t.root().to_string()])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    } else {
        std::process::Command::new("gdb")
            .args(["-q", "-nx", "-batch", "-ex", "shell read x", "-p", &t.root().to_string()])
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    // strace prints "attached" on stderr once it traces the process.
    use std::io::BufRead;
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while sys::procfs::status(t.root()).unwrap().tracer_pid == 0 {
        line.clear();
        if err.read_line(&mut line).unwrap() == 0 {
            break;
        }
    }
    let tp = sys::procfs::status(t.root()).unwrap().tracer_pid;
    assert_eq!(tp, child.id() as i32, "{tracer} did not attach: {line}");
    assert_eq!(int(pc(IdType::Pid, t.root().into(), Request::TraceStatus)), tp);
    assert_eq!(errno(pc(IdType::Pid, t.root().into(), Request::TraceCtl(PROC_TRACE_CTL_DISABLE))), Errno::EBUSY);
    // EBUSY precedes EINVAL.
    assert_eq!(errno(pc(IdType::Pid, t.root().into(), Request::TraceCtl(99))), Errno::EBUSY);
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn trace_ctl_on_another_process_needs_the_engine() {
    let t = Tree::spawn(&[], 1);
    let id = t.root().into();
    assert_eq!(errno(pc(IdType::Pid, id, Request::TraceCtl(PROC_TRACE_CTL_ENABLE))), Errno::EPERM);
    assert_eq!(errno(pc(IdType::Pid, id, Request::TraceCtl(PROC_TRACE_CTL_DISABLE))), Errno::EPERM);
    assert_eq!(errno(pc(IdType::Pid, id, Request::TraceCtl(PROC_TRACE_CTL_DISABLE_EXEC))), Errno::EPERM);
    assert_eq!(errno(pc(IdType::Pid, id, Request::TraceCtl(0))), Errno::EINVAL);
    assert_eq!(int(pc(IdType::Pid, id, Request::TraceStatus)), 0);
    // P_PGID: no member could be changed → the first error.
    assert_eq!(errno(pc(IdType::Pgid, id, Request::TraceCtl(PROC_TRACE_CTL_DISABLE))), Errno::EPERM);
}

#[test]
fn candebug_as_nobody_follows_freebsd_credentials_rules() {
    isolated("trace::candebug_as_nobody_follows_freebsd_credentials_rules", || {
        let roots = Tree::spawn(&[], 1); // root-owned
        let setuid = Tree::spawn(&["-u", "65534"], 1); // changed credentials: not dumpable
        become_user(NOBODY);
        let mine = Tree::spawn(&[], 1);
        let ctl = |pid: i32| pc(IdType::Pid, pid.into(), Request::TrapcapCtl(PROC_TRAPCAP_CTL_ENABLE));
        assert_eq!(errno(ctl(roots.root())), Errno::EPERM, "other uid");
        assert_eq!(errno(ctl(setuid.root())), Errno::EPERM, "set-id process (P_SUGID)");
        ctl(mine.root()).unwrap();
        assert_eq!(int(pc(IdType::Pid, mine.root().into(), Request::TrapcapStatus)), PROC_TRAPCAP_CTL_ENABLE);
        // TRACE_STATUS of the non-dumpable process says "disabled".
        assert_eq!(int(pc(IdType::Pid, setuid.root().into(), Request::TraceStatus)), -1);
        // STATUS commands need only p_cansee.
        assert_eq!(int(pc(IdType::Pid, roots.root().into(), Request::NoNewPrivsStatus)), PROC_NO_NEW_PRIVS_DISABLE);
        // P_PGID over a group with nothing we may debug: skipped → ESRCH.
        let r = pc(IdType::Pgid, roots.root().into(), Request::TrapcapCtl(PROC_TRAPCAP_CTL_ENABLE));
        assert_eq!(errno(r), Errno::ESRCH);
        drop((roots, setuid, mine));
    });
}
