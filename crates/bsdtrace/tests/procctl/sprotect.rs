//! PROC_SPROTECT: protect from the OOM killer, with FreeBSD's walk of a
//! process, its descendants or a process group.

use super::*;

/// "Protected" = 500 and the caller privileged: the SPROTECT walk with real
/// /proc writes, on machines without CAP_SYS_RESOURCE.
const SIM: ProtectPolicy = ProtectPolicy { value: 500, privileged: true };

fn sprotect(idtype: IdType, id: i64, flags: i32) -> bsdtrace::Result<Reply> {
    SIM.with(|| pc(idtype, id, Request::Sprotect(flags)))
}

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
    isolated_as("sprotect::sprotect_as_nobody_changes_only_processes_it_may_schedule", Some(NOBODY), || {
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
