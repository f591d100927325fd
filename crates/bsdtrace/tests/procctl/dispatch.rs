//! The dispatcher: FreeBSD's checks before any command runs (command,
//! idtype, target, copy-in), and copy-out.

use super::*;

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
