//! procctl(2) against real process trees. Each test names the FreeBSD
//! behaviour it checks. Tests that change process-wide state (subreaper,
//! dumpable, MDWE, credentials) run in a fresh copy of this binary.

#[path = "pcommon/mod.rs"]
mod common;
use bsdtrace::abi::procctl::*;
use bsdtrace::abi::*;
use bsdtrace::procctl::{self, protect, IdType, ProtectPolicy, Reply, Request, UserData};
use bsdtrace::{sys, Errno};
use common::*;

fn errno<T: std::fmt::Debug>(r: bsdtrace::Result<T>) -> Errno {
    r.expect_err("expected an error").errno()
}

fn pc(idtype: IdType, id: i64, req: Request) -> bsdtrace::Result<Reply> {
    procctl::procctl(idtype, id, req)
}

fn int(r: bsdtrace::Result<Reply>) -> i32 {
    match r.unwrap() {
        Reply::Int(v) => v,
        other => panic!("expected Int, got {other:?}"),
    }
}

/// "Protected" = 500 and the caller privileged: the SPROTECT walk with real
/// /proc writes, on machines without CAP_SYS_RESOURCE.
const SIM: ProtectPolicy = ProtectPolicy { value: 500, privileged: true };

fn sprotect(idtype: IdType, id: i64, flags: i32) -> bsdtrace::Result<Reply> {
    SIM.with(|| pc(idtype, id, Request::Sprotect(flags)))
}

// ---------------------------------------------------------------- SPROTECT

#[test]
fn sprotect_host_policy_needs_cap_sys_resource() {
    let t = Tree::spawn(&[], 1);
    let root = t.root();
    let before = oom(root);
    let r = pc(IdType::Pid, root.into(), Request::Sprotect(PPROT_SET));
    if protect::has_privilege() {
        r.unwrap();
        assert_eq!(oom(root), -1000);
        pc(IdType::Pid, root.into(), Request::Sprotect(PPROT_CLEAR)).unwrap();
        assert_eq!(oom(root), before);
    } else {
        assert_eq!(errno(r), Errno::EPERM);
        assert_eq!(oom(root), before, "nothing may change without the privilege");
        // CLEAR needs the privilege too (PRIV_VM_MADV_PROTECT covers both).
        assert_eq!(errno(pc(IdType::Pid, root.into(), Request::Sprotect(PPROT_CLEAR))), Errno::EPERM);
        assert_eq!(errno(pc(IdType::Pgid, root.into(), Request::Sprotect(PPROT_SET))), Errno::EPERM);
        assert_eq!(errno(pc(IdType::Pid, 0, Request::Sprotect(PPROT_SET | PPROT_DESCEND))), Errno::EPERM);
    }
}

#[test]
fn sprotect_capability_detection_matches_proc_status() {
    let s = std::fs::read_to_string("/proc/thread-self/status").unwrap();
    let capeff = s.lines().find_map(|l| l.strip_prefix("CapEff:")).unwrap().trim();
    let bits = u64::from_str_radix(capeff, 16).unwrap();
    assert_eq!(protect::has_privilege(), bits & (1 << 24) != 0);
}

#[test]
fn sprotect_set_then_clear_restores_previous_value() {
    let t = Tree::spawn(&[], 1);
    let root = t.root();
    set_oom(root, 123);
    sprotect(IdType::Pid, root.into(), PPROT_SET).unwrap();
    assert_eq!(oom(root), 500);
    // Setting twice keeps the original previous value.
    sprotect(IdType::Pid, root.into(), PPROT_SET).unwrap();
    sprotect(IdType::Pid, root.into(), PPROT_CLEAR).unwrap();
    assert_eq!(oom(root), 123);
}

#[test]
fn sprotect_clear_of_unknown_protection_restores_zero() {
    let t = Tree::spawn(&[], 1);
    let root = t.root();
    set_oom(root, 500); // protected by someone else
    sprotect(IdType::Pid, root.into(), PPROT_CLEAR).unwrap();
    assert_eq!(oom(root), 0);
}

#[test]
fn sprotect_clear_leaves_unprotected_values_alone() {
    let t = Tree::spawn(&[], 1);
    set_oom(t.root(), 77);
    sprotect(IdType::Pid, t.root().into(), PPROT_CLEAR).unwrap();
    assert_eq!(oom(t.root()), 77);
}

#[test]
fn sprotect_without_descend_marks_only_the_target() {
    let t = Tree::spawn(&["-d", "2", "-w", "2"], 7);
    sprotect(IdType::Pid, t.root().into(), PPROT_SET).unwrap();
    for p in t.pids() {
        assert_eq!(oom(p), if p == t.root() { 500 } else { 0 }, "pid {p}");
    }
}

#[test]
fn sprotect_descend_marks_the_whole_current_subtree() {
    let t = Tree::spawn(&["-d", "2", "-w", "2"], 7);
    let mid = t.nodes.iter().find(|n| n.1 == t.root()).unwrap().0;
    sprotect(IdType::Pid, mid.into(), PPROT_SET | PPROT_DESCEND).unwrap();
    let below: Vec<i32> = t.nodes.iter().filter(|n| n.1 == mid).map(|n| n.0).collect();
    assert_eq!(below.len(), 2);
    assert_eq!(oom(mid), 500);
    for p in &below {
        assert_eq!(oom(*p), 500);
    }
    assert_eq!(oom(t.root()), 0, "ancestors are not touched");
    sprotect(IdType::Pid, mid.into(), PPROT_CLEAR | PPROT_DESCEND).unwrap();
    for p in below.iter().chain([&mid]) {
        assert_eq!(oom(*p), 0);
    }
}

#[test]
fn sprotect_pgid_marks_every_member_and_nothing_else() {
    let t = Tree::spawn(&["-d", "1", "-w", "3"], 4);
    let other = Tree::spawn(&[], 1);
    sprotect(IdType::Pgid, t.root().into(), PPROT_SET).unwrap();
    for p in t.pids() {
        assert_eq!(oom(p), 500);
    }
    assert_eq!(oom(other.root()), 0);
    assert_eq!(oom(sys::getpid()), 0);
}

#[test]
fn sprotect_descendant_forked_after_set_inherits_on_linux_and_hook_undoes_it() {
    let mut t = Tree::spawn(&[], 1);
    let root = t.root();
    sprotect(IdType::Pid, root.into(), PPROT_SET).unwrap();
    let leaf = t.fork_leaf(root);
    // Linux copies oom_score_adj at fork (documented deviation) ...
    assert_eq!(oom(leaf), 500);
    // ... and the engine's fork hook gives FreeBSD's answer: no PPROT_INHERIT,
    // so the child is not protected.
    SIM.with(|| procctl::sprotect_child_forked(root, leaf)).unwrap();
    assert_eq!(oom(leaf), 0);
}

#[test]
fn sprotect_inherit_keeps_future_children_protected_recursively() {
    let mut t = Tree::spawn(&[], 1);
    let root = t.root();
    sprotect(IdType::Pid, root.into(), PPROT_SET | PPROT_INHERIT).unwrap();
    let leaf = t.fork_leaf(root);
    SIM.with(|| procctl::sprotect_child_forked(root, leaf)).unwrap();
    assert_eq!(oom(leaf), 500);
    let grandchild = t.fork_leaf(leaf);
    SIM.with(|| procctl::sprotect_child_forked(leaf, grandchild)).unwrap();
    assert_eq!(oom(grandchild), 500);
    // CLEAR with DESCEND removes protection and inheritance everywhere.
    sprotect(IdType::Pid, root.into(), PPROT_CLEAR | PPROT_DESCEND).unwrap();
    for p in [root, leaf, grandchild] {
        assert_eq!(oom(p), 0);
    }
}

#[test]
fn sprotect_bad_op_or_flags_is_einval_before_privilege() {
    for flags in [0, 3, 0xf, PPROT_SET | 0x40, PPROT_CLEAR | 0x100, PPROT_DESCEND] {
        assert_eq!(errno(pc(IdType::Pid, 0, Request::Sprotect(flags))), Errno::EINVAL, "flags {flags:#x}");
    }
}

#[test]
fn sprotect_kernel_thread_is_skipped_so_eperm() {
    let kthreadd = sys::proc::stat(2).expect("pid 2");
    assert!(kthreadd.is_kernel_thread());
    let before = oom(2);
    assert_eq!(errno(sprotect(IdType::Pid, 2, PPROT_SET)), Errno::EPERM);
    assert_eq!(oom(2), before);
}

#[test]
fn sprotect_missing_targets_are_esrch() {
    assert_eq!(errno(sprotect(IdType::Pid, 0x7fff_fff0, PPROT_SET)), Errno::ESRCH);
    assert_eq!(errno(sprotect(IdType::Pid, 1 << 40, PPROT_SET)), Errno::ESRCH);
    assert_eq!(errno(sprotect(IdType::Pgid, 0x7fff_fff0, PPROT_SET)), Errno::ESRCH);
    assert_eq!(errno(sprotect(IdType::Pgid, 0, PPROT_SET)), Errno::ESRCH);
}

#[test]
fn sprotect_thread_id_is_not_a_process() {
    let (tx, rx) = std::sync::mpsc::channel();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let h = std::thread::spawn(move || {
        tx.send(sys::gettid()).unwrap();
        done_rx.recv().unwrap();
    });
    let tid = rx.recv().unwrap();
    assert_eq!(errno(sprotect(IdType::Pid, tid.into(), PPROT_SET)), Errno::ESRCH);
    done_tx.send(()).unwrap();
    h.join().unwrap();
}

#[test]
fn sprotect_as_nobody_changes_only_processes_it_may_schedule() {
    isolated_as("sprotect_as_nobody_changes_only_processes_it_may_schedule", Some(NOBODY), || {
        assert_eq!(sys::geteuid(), NOBODY);
        // Real policy: no privilege at all.
        assert_eq!(errno(pc(IdType::Pid, 0, Request::Sprotect(PPROT_SET))), Errno::EPERM);
        let mine = Tree::spawn(&[], 1);
        sprotect(IdType::Pid, mine.root().into(), PPROT_SET).unwrap();
        assert_eq!(oom(mine.root()), 500);
        // pid 1 belongs to root: skipped (p_cansched), so nothing changed.
        assert_eq!(errno(sprotect(IdType::Pid, 1, PPROT_SET)), Errno::EPERM);
    });
}

// ------------------------------------------------------------ dispatcher

struct Buf {
    null: bool,
    inp: Vec<u8>,
    out: Vec<u8>,
    extra: Vec<(u64, Vec<u8>)>,
    fault: bool,
}

impl Buf {
    fn new(inp: Vec<u8>) -> Buf {
        Buf { null: false, inp, out: Vec::new(), extra: Vec::new(), fault: false }
    }
}

impl UserData for Buf {
    fn is_null(&self) -> bool {
        self.null
    }
    fn copyin(&mut self, buf: &mut [u8]) -> Result<(), Errno> {
        if self.fault || self.null || self.inp.len() < buf.len() {
            return Err(Errno::EFAULT);
        }
        buf.copy_from_slice(&self.inp[..buf.len()]);
        Ok(())
    }
    fn copyout(&mut self, buf: &[u8]) -> Result<(), Errno> {
        if self.fault || self.null {
            return Err(Errno::EFAULT);
        }
        self.out = buf.to_vec();
        Ok(())
    }
    fn copyout_to(&mut self, addr: u64, buf: &[u8]) -> Result<(), Errno> {
        self.extra.push((addr, buf.to_vec()));
        Ok(())
    }
}

#[test]
fn unknown_commands_are_einval() {
    for cmd in [0, -1, 25, 26, 1000, PROC_PROCCTL_MD_MIN + 4] {
        let mut b = Buf::new(vec![0; 8]);
        assert_eq!(procctl::procctl_raw(procctl::P_PID, 0, cmd, &mut b), Err(Errno::EINVAL), "cmd {cmd}");
    }
}

#[test]
fn idtypes_other_than_p_pid_and_p_pgid_are_einval() {
    for idtype in [0, 3, 7, -1] {
        let mut b = Buf::new(PPROT_SET.to_ne_bytes().to_vec());
        assert_eq!(procctl::procctl_raw(idtype, 0, PROC_SPROTECT, &mut b), Err(Errno::EINVAL));
        let mut b = Buf::new(vec![]);
        assert_eq!(procctl::procctl_raw(idtype, 0, PROC_KPTI_STATUS, &mut b), Err(Errno::EINVAL));
    }
}

#[test]
fn single_process_commands_reject_p_pgid() {
    let me = sys::getpid() as i64;
    for req in [Request::ReapStatus, Request::TraceStatus, Request::AslrCtl(PROC_ASLR_NOFORCE), Request::PdeathsigStatus, Request::LaStatus] {
        assert_eq!(errno(pc(IdType::Pgid, me, req)), Errno::EINVAL, "{req:?}");
    }
}

#[test]
fn copyin_fault_comes_before_idtype_and_target_checks() {
    let mut b = Buf::new(vec![]);
    b.fault = true;
    assert_eq!(procctl::procctl_raw(99, 0x7fff_fff0, PROC_SPROTECT, &mut b), Err(Errno::EFAULT));
    // The real user pointer the C face passes: NULL and wild pointers fault.
    let mut p = procctl::UserPtr(0);
    assert_eq!(procctl::procctl_raw(procctl::P_PID, 0, PROC_TRACE_CTL, &mut p), Err(Errno::EFAULT));
    let mut p = procctl::UserPtr(8);
    assert_eq!(procctl::procctl_raw(procctl::P_PID, 0, PROC_REAP_KILL, &mut p), Err(Errno::EFAULT));
}

#[test]
fn status_output_is_copied_out_through_a_real_pointer() {
    let mut v: i32 = 12345;
    let mut p = procctl::UserPtr(&mut v as *mut i32 as usize);
    procctl::procctl_raw(procctl::P_PID, 0, PROC_TRAPCAP_STATUS, &mut p).unwrap();
    assert_eq!(v, PROC_TRAPCAP_CTL_DISABLE);
    let mut rs = procctl_reaper_status { rs_pad0: [7; 15], ..Default::default() };
    let mut p = procctl::UserPtr(&mut rs as *mut procctl_reaper_status as usize);
    procctl::procctl_raw(procctl::P_PID, 0, PROC_REAP_STATUS, &mut p).unwrap();
    assert!(rs.rs_reaper > 0);
    assert_eq!(rs.rs_pad0, [0; 15], "output is built from a zeroed struct");
}

#[test]
fn reap_acquire_and_release_need_null_data() {
    let mut b = Buf::new(vec![]);
    assert_eq!(procctl::procctl_raw(procctl::P_PID, 0, PROC_REAP_ACQUIRE, &mut b), Err(Errno::EINVAL));
    assert_eq!(procctl::procctl_raw(procctl::P_PID, 0, PROC_REAP_RELEASE, &mut b), Err(Errno::EINVAL));
}

#[test]
fn cmd_info_gives_the_c_face_its_copy_sizes() {
    let i = procctl::cmd_info(PROC_REAP_KILL).unwrap();
    assert_eq!((i.copyin, i.copyout, i.copyout_on_error), (80, 80, true));
    let i = procctl::cmd_info(PROC_REAP_STATUS).unwrap();
    assert_eq!((i.copyin, i.copyout), (0, 80));
    let i = procctl::cmd_info(PROC_REAP_GETPIDS).unwrap();
    assert_eq!((i.copyin, i.copyout), (72, 0));
    assert!(procctl::cmd_info(PROC_REAP_ACQUIRE).unwrap().data_must_be_null);
    assert!(!procctl::cmd_info(PROC_SPROTECT).unwrap().one_proc);
    assert!(procctl::cmd_info(PROC_TRACE_CTL).unwrap().need_candebug);
    assert!(procctl::cmd_info(25).is_none());
}

// ------------------------------------------------------------------ REAP

#[test]
fn reap_acquire_makes_us_the_reaper_of_our_descendants() {
    isolated("reap_acquire_makes_us_the_reaper_of_our_descendants", || {
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
    isolated("reap_status_without_reaper_names_init", || {
        let Reply::ReaperStatus(rs) = pc(IdType::Pid, 0, Request::ReapStatus).unwrap() else { panic!() };
        assert_eq!(rs.rs_reaper, 1);
        assert_eq!(rs.rs_flags, REAPER_STATUS_REALINIT);
    });
}

#[test]
fn reap_getpids_lists_descendants_with_subtree_and_state_flags() {
    isolated("reap_getpids_lists_descendants_with_subtree_and_state_flags", || {
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
    isolated("reap_orphans_of_descendants_become_our_children", || {
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
    isolated("reap_kill_with_nothing_to_signal_is_esrch", || {
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
    isolated("reap_kill_children_subtree_and_all", || {
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
    isolated("reap_kill_misses_no_descendant_forked_during_the_kill", || {
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
    isolated("reap_kill_without_permission_is_eperm_with_first_failing_pid", || {
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

// ----------------------------------------------------------------- TRACE

#[test]
fn trace_ctl_disable_and_enable_on_self() {
    isolated("trace_ctl_disable_and_enable_on_self", || {
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
    isolated("trace_ctl_enable_does_not_make_a_set_id_process_debuggable", || {
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
    isolated("candebug_as_nobody_follows_freebsd_credentials_rules", || {
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

// ------------------------------------------------------- the other knobs

#[test]
fn trapcap_is_stored_state_and_validated() {
    let t = Tree::spawn(&[], 1);
    let id = t.root().into();
    assert_eq!(int(pc(IdType::Pid, id, Request::TrapcapStatus)), PROC_TRAPCAP_CTL_DISABLE);
    pc(IdType::Pgid, id, Request::TrapcapCtl(PROC_TRAPCAP_CTL_ENABLE)).unwrap();
    assert_eq!(int(pc(IdType::Pid, id, Request::TrapcapStatus)), PROC_TRAPCAP_CTL_ENABLE);
    pc(IdType::Pid, id, Request::TrapcapCtl(PROC_TRAPCAP_CTL_DISABLE)).unwrap();
    assert_eq!(int(pc(IdType::Pid, id, Request::TrapcapStatus)), PROC_TRAPCAP_CTL_DISABLE);
    assert_eq!(errno(pc(IdType::Pid, id, Request::TrapcapCtl(3))), Errno::EINVAL);
}

#[test]
fn pdeathsig_is_self_only_and_round_trips() {
    let t = Tree::spawn(&[], 1);
    let id: i64 = t.root().into();
    assert_eq!(errno(pc(IdType::Pid, id, Request::PdeathsigCtl(libc::SIGTERM))), Errno::EINVAL);
    assert_eq!(errno(pc(IdType::Pid, id, Request::PdeathsigStatus)), Errno::EINVAL);
    assert_eq!(errno(pc(IdType::Pid, 0x7fff_fff0, Request::PdeathsigStatus)), Errno::EINVAL, "ESRCH is EINVAL");
    // Per thread on Linux: set and read on this test's thread.
    std::thread::spawn(|| {
        let me: i64 = sys::getpid().into();
        assert_eq!(int(pc(IdType::Pid, 0, Request::PdeathsigStatus)), 0);
        pc(IdType::Pid, me, Request::PdeathsigCtl(libc::SIGUSR2)).unwrap();
        assert_eq!(sys::proc::pdeathsig().unwrap(), libc::SIGUSR2);
        assert_eq!(int(pc(IdType::Pid, 0, Request::PdeathsigStatus)), libc::SIGUSR2);
        assert_eq!(errno(pc(IdType::Pid, 0, Request::PdeathsigCtl(-1))), Errno::EINVAL);
        assert_eq!(errno(pc(IdType::Pid, 0, Request::PdeathsigCtl(65))), Errno::EINVAL);
        pc(IdType::Pid, 0, Request::PdeathsigCtl(0)).unwrap();
        assert_eq!(sys::proc::pdeathsig().unwrap(), 0);
    })
    .join()
    .unwrap();
}

#[test]
fn aslr_ctl_sets_the_personality_bit_that_exec_honours() {
    isolated("aslr_ctl_sets_the_personality_bit_that_exec_honours", || {
        let aslr_on = std::fs::read_to_string("/proc/sys/kernel/randomize_va_space").unwrap().trim() != "0";
        let active = if aslr_on { PROC_ASLR_ACTIVE } else { 0 };
        assert_eq!(int(pc(IdType::Pid, 0, Request::AslrStatus)), PROC_ASLR_NOFORCE | active);
        pc(IdType::Pid, 0, Request::AslrCtl(PROC_ASLR_FORCE_DISABLE)).unwrap();
        assert_ne!(sys::proc::personality(sys::proc::PER_QUERY).unwrap() & sys::proc::ADDR_NO_RANDOMIZE, 0);
        assert_eq!(int(pc(IdType::Pid, 0, Request::AslrStatus)), PROC_ASLR_FORCE_DISABLE);
        // A child exec'd now inherits it: its /proc personality shows the bit.
        let t = Tree::spawn(&[], 1);
        assert_eq!(int(pc(IdType::Pid, t.root().into(), Request::AslrStatus)), PROC_ASLR_FORCE_DISABLE);
        drop(t);
        if aslr_on {
            pc(IdType::Pid, 0, Request::AslrCtl(PROC_ASLR_FORCE_ENABLE)).unwrap();
            assert_eq!(int(pc(IdType::Pid, 0, Request::AslrStatus)), PROC_ASLR_FORCE_ENABLE | active);
        } else {
            assert_eq!(errno(pc(IdType::Pid, 0, Request::AslrCtl(PROC_ASLR_FORCE_ENABLE))), Errno::ENOTSUP);
        }
        pc(IdType::Pid, 0, Request::AslrCtl(PROC_ASLR_NOFORCE)).unwrap();
        assert_eq!(int(pc(IdType::Pid, 0, Request::AslrStatus)), PROC_ASLR_NOFORCE | active);
        assert_eq!(errno(pc(IdType::Pid, 0, Request::AslrCtl(4))), Errno::EINVAL);
        let t = Tree::spawn(&[], 1);
        assert_eq!(errno(pc(IdType::Pid, t.root().into(), Request::AslrCtl(PROC_ASLR_NOFORCE))), Errno::EPERM);
    });
}

#[test]
fn no_new_privs_is_enable_only_and_visible_from_outside() {
    isolated("no_new_privs_is_enable_only_and_visible_from_outside", || {
        assert_eq!(int(pc(IdType::Pid, 0, Request::NoNewPrivsStatus)), PROC_NO_NEW_PRIVS_DISABLE);
        assert_eq!(errno(pc(IdType::Pid, 0, Request::NoNewPrivsCtl(PROC_NO_NEW_PRIVS_DISABLE))), Errno::EINVAL);
        pc(IdType::Pid, 0, Request::NoNewPrivsCtl(PROC_NO_NEW_PRIVS_ENABLE)).unwrap();
        assert_eq!(int(pc(IdType::Pid, 0, Request::NoNewPrivsStatus)), PROC_NO_NEW_PRIVS_ENABLE);
        // Inherited by a child; read back from /proc/PID/status.
        let t = Tree::spawn(&[], 1);
        assert_eq!(int(pc(IdType::Pid, t.root().into(), Request::NoNewPrivsStatus)), PROC_NO_NEW_PRIVS_ENABLE);
        assert_eq!(errno(pc(IdType::Pid, t.root().into(), Request::NoNewPrivsCtl(PROC_NO_NEW_PRIVS_ENABLE))), Errno::EPERM);
    });
}

#[test]
fn wxmap_disallow_exec_turns_on_mdwe() {
    isolated("wxmap_disallow_exec_turns_on_mdwe", || {
        assert_eq!(int(pc(IdType::Pid, 0, Request::WxmapStatus)), 0);
        pc(IdType::Pid, 0, Request::WxmapCtl(PROC_WX_MAPPINGS_PERMIT)).unwrap();
        assert_eq!(int(pc(IdType::Pid, 0, Request::WxmapStatus)), PROC_WX_MAPPINGS_PERMIT);
        assert_eq!(errno(pc(IdType::Pid, 0, Request::WxmapCtl(3))), Errno::EINVAL);
        match pc(IdType::Pid, 0, Request::WxmapCtl(PROC_WX_MAPPINGS_DISALLOW_EXEC)) {
            Ok(_) => {
                assert_ne!(sys::proc::mdwe().unwrap() & sys::proc::PR_MDWE_REFUSE_EXEC_GAIN, 0);
                let v = int(pc(IdType::Pid, 0, Request::WxmapStatus));
                assert_eq!(v, PROC_WX_MAPPINGS_PERMIT | PROC_WX_MAPPINGS_DISALLOW_EXEC | PROC_WXORX_ENFORCE);
                // MDWE cannot be lifted again.
                assert_eq!(errno(pc(IdType::Pid, 0, Request::WxmapCtl(PROC_WX_MAPPINGS_PERMIT))), Errno::ENOTSUP);
            }
            Err(e) => assert_eq!(e.errno(), Errno::ENOTSUP, "kernel without PR_SET_MDWE"),
        }
    });
}

#[test]
fn protmax_stackgap_logsigexit_accept_what_linux_does_and_refuse_the_rest() {
    let t = Tree::spawn(&[], 1);
    for id in [0i64, t.root().into()] {
        assert_eq!(int(pc(IdType::Pid, id, Request::ProtmaxStatus)), PROC_PROTMAX_NOFORCE);
        pc(IdType::Pid, id, Request::ProtmaxCtl(PROC_PROTMAX_FORCE_DISABLE)).unwrap();
        assert_eq!(int(pc(IdType::Pid, id, Request::ProtmaxStatus)), PROC_PROTMAX_FORCE_DISABLE);
        pc(IdType::Pid, id, Request::ProtmaxCtl(PROC_PROTMAX_NOFORCE)).unwrap();
        assert_eq!(errno(pc(IdType::Pid, id, Request::ProtmaxCtl(PROC_PROTMAX_FORCE_ENABLE))), Errno::ENOTSUP);
        assert_eq!(errno(pc(IdType::Pid, id, Request::ProtmaxCtl(0))), Errno::EINVAL);

        assert_eq!(int(pc(IdType::Pid, id, Request::StackgapStatus)), PROC_STACKGAP_ENABLE | PROC_STACKGAP_ENABLE_EXEC);
        pc(IdType::Pid, id, Request::StackgapCtl(PROC_STACKGAP_ENABLE | PROC_STACKGAP_ENABLE_EXEC)).unwrap();
        assert_eq!(errno(pc(IdType::Pid, id, Request::StackgapCtl(PROC_STACKGAP_DISABLE))), Errno::ENOTSUP);
        assert_eq!(errno(pc(IdType::Pid, id, Request::StackgapCtl(PROC_STACKGAP_DISABLE_EXEC))), Errno::ENOTSUP);
        assert_eq!(errno(pc(IdType::Pid, id, Request::StackgapCtl(PROC_STACKGAP_ENABLE | PROC_STACKGAP_DISABLE))), Errno::EINVAL);
        assert_eq!(errno(pc(IdType::Pid, id, Request::StackgapCtl(0x10))), Errno::EINVAL);

        assert_eq!(int(pc(IdType::Pid, id, Request::LogsigexitStatus)), PROC_LOGSIGEXIT_CTL_NOFORCE);
        pc(IdType::Pid, id, Request::LogsigexitCtl(PROC_LOGSIGEXIT_CTL_NOFORCE)).unwrap();
        assert_eq!(errno(pc(IdType::Pid, id, Request::LogsigexitCtl(PROC_LOGSIGEXIT_CTL_FORCE_ENABLE))), Errno::ENOTSUP);
        assert_eq!(errno(pc(IdType::Pid, id, Request::LogsigexitCtl(4))), Errno::EINVAL);
    }
}

#[test]
fn kpti_and_la_follow_cpu_procctl() {
    let pti = std::fs::read_to_string("/sys/devices/system/cpu/vulnerabilities/meltdown").unwrap_or_default().contains("PTI");
    let want = if pti { PROC_KPTI_CTL_ENABLE_ON_EXEC | PROC_KPTI_STATUS_ACTIVE } else { PROC_KPTI_CTL_DISABLE_ON_EXEC };
    assert_eq!(int(pc(IdType::Pid, 0, Request::KptiStatus)), want);
    assert_eq!(int(pc(IdType::Pid, 1, Request::KptiStatus)), want);
    if sys::proc::has_cap(sys::proc::CAP_SYS_RAWIO) {
        pc(IdType::Pid, 0, Request::KptiCtl(PROC_KPTI_CTL_ENABLE_ON_EXEC)).unwrap();
        let r = pc(IdType::Pid, 0, Request::KptiCtl(PROC_KPTI_CTL_DISABLE_ON_EXEC));
        if pti { assert_eq!(errno(r), Errno::ENOTSUP) } else { r.unwrap(); }
        assert_eq!(errno(pc(IdType::Pid, 0, Request::KptiCtl(3))), Errno::EINVAL);
    }
    assert_eq!(errno(pc(IdType::Pid, 0x7fff_fff0, Request::KptiStatus)), Errno::ESRCH);
    assert_eq!(errno(pc(IdType::Pgid, 0, Request::KptiStatus)), Errno::EINVAL);

    assert_eq!(int(pc(IdType::Pid, 0, Request::LaStatus)), PROC_LA_CTL_DEFAULT_ON_EXEC | PROC_LA_STATUS_LA48);
    pc(IdType::Pid, 0, Request::LaCtl(PROC_LA_CTL_LA48_ON_EXEC)).unwrap();
    assert_eq!(int(pc(IdType::Pid, 0, Request::LaStatus)), PROC_LA_CTL_LA48_ON_EXEC | PROC_LA_STATUS_LA48);
    pc(IdType::Pid, 0, Request::LaCtl(PROC_LA_CTL_DEFAULT_ON_EXEC)).unwrap();
    assert_eq!(errno(pc(IdType::Pid, 0, Request::LaCtl(PROC_LA_CTL_LA57_ON_EXEC))), Errno::ENOTSUP);
    assert_eq!(errno(pc(IdType::Pid, 0, Request::LaCtl(0))), Errno::EINVAL);
}

#[test]
fn kpti_ctl_without_cap_sys_rawio_is_eperm_before_einval() {
    isolated_as("kpti_ctl_without_cap_sys_rawio_is_eperm_before_einval", Some(NOBODY), || {
        assert_eq!(errno(pc(IdType::Pid, 0, Request::KptiCtl(99))), Errno::EPERM);
    });
}

#[test]
fn every_command_on_a_missing_pid_is_esrch_except_pdeathsig() {
    use Request::*;
    let gone = 0x7fff_fff0;
    for req in [
        Sprotect(PPROT_SET), ReapAcquire, ReapRelease, ReapStatus, ReapGetpids { count: 1 },
        ReapKill { sig: 9, flags: 0, subtree: 0 }, TraceCtl(1), TraceStatus, TrapcapCtl(1), TrapcapStatus,
        AslrCtl(3), AslrStatus, ProtmaxCtl(3), ProtmaxStatus, StackgapCtl(1), StackgapStatus,
        NoNewPrivsCtl(1), NoNewPrivsStatus, WxmapCtl(1), WxmapStatus, LogsigexitCtl(1), LogsigexitStatus,
        KptiStatus, LaCtl(1), LaStatus,
    ] {
        // The target is looked up before any command-specific check
        // (SPROTECT's privilege included).
        assert_eq!(errno(pc(IdType::Pid, gone, req)), Errno::ESRCH, "{req:?}");
    }
    assert_eq!(errno(pc(IdType::Pid, gone, PdeathsigCtl(0))), Errno::EINVAL);
    assert_eq!(errno(pc(IdType::Pid, gone, PdeathsigStatus)), Errno::EINVAL);
}

#[test]
fn reap_getpids_into_a_bad_array_is_efault() {
    // Not a reaper: our reaper is init, whose list is never empty.
    let rp = procctl_reaper_pids { rp_count: 4, rp_pids: 8, ..Default::default() };
    let mut img = vec![0u8; 72];
    img[0..4].copy_from_slice(&rp.rp_count.to_ne_bytes());
    img[64..72].copy_from_slice(&rp.rp_pids.to_ne_bytes());
    let mut p = procctl::UserPtr(img.as_mut_ptr() as usize);
    assert_eq!(procctl::procctl_raw(procctl::P_PID, 0, PROC_REAP_GETPIDS, &mut p), Err(Errno::EFAULT));
    // And into a good one: real pidinfo records land in the caller's array.
    let mut arr = [procctl_reaper_pidinfo::default(); 4];
    img[64..72].copy_from_slice(&(arr.as_mut_ptr() as u64).to_ne_bytes());
    let mut p = procctl::UserPtr(img.as_mut_ptr() as usize);
    procctl::procctl_raw(procctl::P_PID, 0, PROC_REAP_GETPIDS, &mut p).unwrap();
    assert!(arr.iter().all(|pi| pi.pi_pid > 0 && pi.pi_flags & REAPER_PIDINFO_VALID != 0));
}
