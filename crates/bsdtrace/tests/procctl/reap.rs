//! The reaper commands: PROC_REAP_ACQUIRE/RELEASE/STATUS/GETPIDS/KILL.

use super::*;

#[test]
fn reap_acquire_makes_us_the_reaper_of_our_descendants() {
    isolated("reap::reap_acquire_makes_us_the_reaper_of_our_descendants", || {
        let me = sys::getpid();
        pc(IdType::Pid, 0, Request::ReapAcquire).unwrap();
        assert!(sys::proc::child_subreaper().unwrap());
        let t = Tree::spawn(&["-d", "1", "-w", "2"], 3);
        let Reply::ReaperStatus(rs) = pc(IdType::Pid, 0, Request::ReapStatus).unwrap() else { panic!() };
        assert_eq!(rs.rs_flags & REAPER_STATUS_OWNED, REAPER_STATUS_OWNED);
        assert_eq!(rs.rs_flags & REAPER_STATUS_REALINIT, if me == 1 { REAPER_STATUS_REALINIT } else { 0 });
        assert_eq!((rs.rs_reaper, rs.rs_children, rs.rs_descendants, rs.rs_pid), (me, 1, 3, t.root()));
        // A descendant's REAP_STATUS names us too, without OWNED.
        let leaf = t.nodes.iter().find(|n| n.0 != t.root()).unwrap().0;
        let Reply::ReaperStatus(rs) = pc(IdType::Pid, leaf.into(), Request::ReapStatus).unwrap() else { panic!() };
        assert_eq!((rs.rs_reaper, rs.rs_flags & REAPER_STATUS_OWNED), (me, 0));
        assert_eq!(errno(pc(IdType::Pid, 0, Request::ReapAcquire)), Errno::EBUSY);
        drop(t);
        pc(IdType::Pid, 0, Request::ReapRelease).unwrap();
        assert!(!sys::proc::child_subreaper().unwrap());
        assert_eq!(errno(pc(IdType::Pid, 0, Request::ReapRelease)), Errno::EINVAL);
        reap_all();
    });
}

#[test]
fn reap_acquire_and_release_on_another_process_are_eperm() {
    let t = Tree::spawn(&[], 1);
    assert_eq!(errno(pc(IdType::Pid, t.root().into(), Request::ReapAcquire)), Errno::EPERM);
    assert_eq!(errno(pc(IdType::Pid, t.root().into(), Request::ReapRelease)), Errno::EPERM);
    assert_eq!(errno(pc(IdType::Pid, 0x7fff_fff0, Request::ReapAcquire)), Errno::ESRCH);
}

#[test]
fn reap_status_without_reaper_names_init() {
    isolated("reap::reap_status_without_reaper_names_init", || {
        let Reply::ReaperStatus(rs) = pc(IdType::Pid, 0, Request::ReapStatus).unwrap() else { panic!() };
        assert_eq!(rs.rs_reaper, 1);
        assert_eq!(rs.rs_flags, REAPER_STATUS_REALINIT);
    });
}

#[test]
fn reap_getpids_lists_descendants_with_subtree_and_state_flags() {
    isolated("reap::reap_getpids_lists_descendants_with_subtree_and_state_flags", || {
        pc(IdType::Pid, 0, Request::ReapAcquire).unwrap();
        let a = Tree::spawn(&["-d", "1", "-w", "1"], 2);
        let b = Tree::spawn(&[], 1);
        // A zombie child: exited, not yet waited for.
        let mut z = std::process::Command::new("true").spawn().unwrap();
        let mut si: libc::siginfo_t = unsafe { std::mem::zeroed() };
        assert_eq!(unsafe { libc::waitid(libc::P_PID, z.id(), &mut si, libc::WEXITED | libc::WNOWAIT) }, 0);
        // A stopped child.
        sys::kill(b.root(), libc::SIGSTOP).unwrap();
        let mut st = 0;
        assert_eq!(unsafe { libc::waitpid(b.root(), &mut st, libc::WUNTRACED) }, b.root());

        let Reply::ReaperPids(v) = pc(IdType::Pid, 0, Request::ReapGetpids { count: 100 }).unwrap() else { panic!() };
        assert_eq!(v.len(), 4, "{v:?}");
        let get = |pid: i32| *v.iter().find(|p| p.pi_pid == pid).unwrap();
        let a_leaf = a.nodes.iter().find(|n| n.1 == a.root()).unwrap().0;
        assert_eq!(get(a.root()).pi_flags, REAPER_PIDINFO_VALID | REAPER_PIDINFO_CHILD);
        assert_eq!((get(a_leaf).pi_subtree, get(a_leaf).pi_flags), (a.root(), REAPER_PIDINFO_VALID));
        assert_eq!(get(b.root()).pi_flags, REAPER_PIDINFO_VALID | REAPER_PIDINFO_CHILD | REAPER_PIDINFO_STOPPED);
        let zp = z.id() as i32;
        assert_eq!(get(zp).pi_flags, REAPER_PIDINFO_VALID | REAPER_PIDINFO_CHILD | REAPER_PIDINFO_ZOMBIE);
        assert!(v.iter().all(|p| p.pi_pad0 == [0; 15]));
        // rp_count bounds the answer.
        let Reply::ReaperPids(v1) = pc(IdType::Pid, 0, Request::ReapGetpids { count: 1 }).unwrap() else { panic!() };
        assert_eq!(v1.len(), 1);
        // Raw path: the array goes to rp_pids.
        let rp = procctl_reaper_pids { rp_count: 2, rp_pids: 0x1000, ..Default::default() };
        let mut img = vec![0u8; 72];
        img[0..4].copy_from_slice(&rp.rp_count.to_ne_bytes());
        img[64..72].copy_from_slice(&rp.rp_pids.to_ne_bytes());
        let mut buf = Buf::new(img);
        procctl::procctl_raw(procctl::P_PID, 0, PROC_REAP_GETPIDS, &mut buf).unwrap();
        assert_eq!(buf.extra.len(), 1);
        assert_eq!((buf.extra[0].0, buf.extra[0].1.len()), (0x1000, 144));

        sys::kill(b.root(), libc::SIGCONT).unwrap();
        z.wait().unwrap();
        drop((a, b));
        reap_all();
    });
}

#[test]
fn reap_orphans_of_descendants_become_our_children() {
    isolated("reap::reap_orphans_of_descendants_become_our_children", || {
        pc(IdType::Pid, 0, Request::ReapAcquire).unwrap();
        // -o: the root exits once its two children reported.
        let mut t = Tree::spawn(&["-o", "-d", "1", "-w", "2"], 3);
        t.child.wait().unwrap();
        let kids: Vec<i32> = t.nodes.iter().filter(|n| n.0 != t.root()).map(|n| n.0).collect();
        let Reply::ReaperPids(v) = pc(IdType::Pid, 0, Request::ReapGetpids { count: 10 }).unwrap() else { panic!() };
        // Reparenting is done by the kernel before the root's exit is reported.
        let mut got: Vec<i32> = v.iter().map(|p| p.pi_pid).collect();
        got.sort();
        let mut want = kids.clone();
        want.sort();
        assert_eq!(got, want);
        assert!(v.iter().all(|p| p.pi_flags & REAPER_PIDINFO_CHILD != 0 && p.pi_subtree == p.pi_pid));
        drop(t);
        reap_all();
    });
}

#[test]
fn reap_kill_bad_arguments_are_einval_and_leave_output_alone() {
    for (sig, flags) in [(0, 0), (-1, 0), (65, 0), (129, 0), (9, 4), (9, REAPER_KILL_CHILDREN | REAPER_KILL_SUBTREE)] {
        let mut rk = procctl_reaper_kill { rk_sig: sig, rk_flags: flags, rk_killed: 77, rk_fpid: 88, ..Default::default() };
        assert_eq!(procctl::reap_kill(IdType::Pid, 0, &mut rk).unwrap_err().errno(), Errno::EINVAL);
        assert_eq!((rk.rk_killed, rk.rk_fpid), (77, 88));
    }
}

#[test]
fn reap_kill_with_nothing_to_signal_is_esrch() {
    isolated("reap::reap_kill_with_nothing_to_signal_is_esrch", || {
        pc(IdType::Pid, 0, Request::ReapAcquire).unwrap();
        let mut rk = procctl_reaper_kill { rk_sig: libc::SIGTERM, ..Default::default() };
        assert_eq!(procctl::reap_kill(IdType::Pid, 0, &mut rk).unwrap_err().errno(), Errno::ESRCH);
        assert_eq!((rk.rk_killed, rk.rk_fpid), (0, -1));
        // The raw path copies the struct out even on failure.
        let mut b = Buf::new(procctl_reaper_kill { rk_sig: libc::SIGTERM, rk_killed: 5, ..Default::default() }.to_bytes());
        assert_eq!(procctl::procctl_raw(procctl::P_PID, 0, PROC_REAP_KILL, &mut b), Err(Errno::ESRCH));
        let out = procctl_reaper_kill::from_bytes(&b.out);
        assert_eq!((out.rk_killed, out.rk_fpid), (0, -1));
    });
}

fn sig_of(status: i32) -> i32 {
    if libc::WIFSIGNALED(status) { libc::WTERMSIG(status) } else { 0 }
}

#[test]
fn reap_kill_children_subtree_and_all() {
    isolated("reap::reap_kill_children_subtree_and_all", || {
        pc(IdType::Pid, 0, Request::ReapAcquire).unwrap();
        let mut a = Tree::spawn(&["-d", "1", "-w", "2"], 3);
        let mut b = Tree::spawn(&["-d", "1", "-w", "1"], 2);
        // SUBTREE: only a's processes.
        let r = pc(IdType::Pid, 0, Request::ReapKill { sig: libc::SIGKILL, flags: REAPER_KILL_SUBTREE, subtree: a.root() });
        assert_eq!(r.unwrap(), Reply::ReaperKill { killed: 3, fpid: -1 });
        let st = a.child.wait().unwrap();
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(st.signal(), Some(libc::SIGKILL));
        // a's leaves were orphaned to us; reap them so the last step cannot
        // find them still dying.
        for p in a.pids().into_iter().filter(|&p| p != a.root()) {
            let mut st = 0;
            assert_eq!(unsafe { libc::waitpid(p, &mut st, 0) }, p);
            assert_eq!(sig_of(st), libc::SIGKILL);
        }
        assert!(b.pids().iter().all(|&p| state(p) != 'Z' && state(p) != '-'));
        // SUBTREE naming nobody: ESRCH.
        let r = pc(IdType::Pid, 0, Request::ReapKill { sig: libc::SIGKILL, flags: REAPER_KILL_SUBTREE, subtree: 0x7fff_fff0 });
        assert_eq!(errno(r), Errno::ESRCH);
        // CHILDREN: b's root only; its child survives (orphaned to us).
        let r = pc(IdType::Pid, 0, Request::ReapKill { sig: libc::SIGKILL, flags: REAPER_KILL_CHILDREN, subtree: 0 });
        assert_eq!(r.unwrap(), Reply::ReaperKill { killed: 1, fpid: -1 });
        assert_eq!(b.child.wait().unwrap().signal(), Some(libc::SIGKILL));
        let b_leaf = b.nodes[0].0.max(b.nodes[1].0);
        let b_leaf = if b_leaf == b.root() { b.nodes[0].0.min(b.nodes[1].0) } else { b_leaf };
        assert!(state(b_leaf) != 'Z');
        // All: everything left (the orphan).
        let r = pc(IdType::Pid, 0, Request::ReapKill { sig: libc::SIGKILL, flags: 0, subtree: 0 });
        assert_eq!(r.unwrap(), Reply::ReaperKill { killed: 1, fpid: -1 });
        let mut st = 0;
        assert_eq!(unsafe { libc::waitpid(b_leaf, &mut st, 0) }, b_leaf);
        assert_eq!(sig_of(st), libc::SIGKILL);
        drop((a, b));
        reap_all();
    });
}

/// Every descendant is dead, dying or has `sig` pending.
fn all_descendants_signalled(sig: i32) -> Vec<(i32, char)> {
    let mut bad = Vec::new();
    let mut stack = sys::proc::children(sys::getpid()).unwrap();
    while let Some(p) = stack.pop() {
        let Ok(st) = sys::proc::stat(p) else { continue };
        stack.extend(sys::proc::children(p).unwrap_or_default());
        if st.is_zombie() || st.is_exiting() {
            continue;
        }
        let Ok(s) = sys::procfs::status(p) else { continue };
        if (s.sig_pnd | s.shd_pnd) & (1 << (sig - 1)) == 0 {
            bad.push((p, st.state));
        }
    }
    bad
}

#[test]
fn reap_kill_misses_no_descendant_forked_during_the_kill() {
    isolated("reap::reap_kill_misses_no_descendant_forked_during_the_kill", || {
        pc(IdType::Pid, 0, Request::ReapAcquire).unwrap();
        for round in 0..5 {
            // The root reports, then starts a fork storm (fan-out 3, depth 5,
            // up to 364 processes) that is still growing while we kill.
            let t = Tree::spawn(&["-s", "3,5"], 1);
            let r = procctl::procctl(IdType::Pid, 0, Request::ReapKill { sig: libc::SIGKILL, flags: 0, subtree: 0 });
            let Reply::ReaperKill { killed, fpid } = r.unwrap() else { panic!() };
            assert!(killed >= 1 && fpid == -1);
            let bad = all_descendants_signalled(libc::SIGKILL);
            assert!(bad.is_empty(), "round {round}: not signalled: {bad:?}");
            drop(t);
            reap_all();
        }
    });
}

#[test]
fn reap_kill_without_permission_is_eperm_with_first_failing_pid() {
    isolated("reap::reap_kill_without_permission_is_eperm_with_first_failing_pid", || {
        pc(IdType::Pid, 0, Request::ReapAcquire).unwrap();
        let theirs = Tree::spawn(&["-d", "1", "-w", "1"], 2); // stays root's
        let mine = Tree::spawn(&["-u", "65534"], 1);
        become_user(NOBODY);
        let mut rk = procctl_reaper_kill { rk_sig: libc::SIGTERM, rk_flags: REAPER_KILL_SUBTREE, rk_subtree: theirs.root(), ..Default::default() };
        assert_eq!(procctl::reap_kill(IdType::Pid, 0, &mut rk).unwrap_err().errno(), Errno::EPERM);
        assert_eq!((rk.rk_killed, rk.rk_fpid), (0, theirs.root()));
        // Mixed: success wins, rk_fpid records a failure only before the first success.
        // (Not SIGCONT: Linux lets it through to anyone in our session.)
        // The walk goes in fork order, so the failure on `theirs` comes first.
        let mut rk = procctl_reaper_kill { rk_sig: libc::SIGTERM, ..Default::default() };
        procctl::reap_kill(IdType::Pid, 0, &mut rk).unwrap();
        assert_eq!((rk.rk_killed, rk.rk_fpid), (1, theirs.root()));
        drop((theirs, mine));
        reap_all();
    });
}
