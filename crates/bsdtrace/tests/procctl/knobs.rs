//! The other knobs: trapcap, pdeathsig, ASLR, no_new_privs, W^X,
//! protmax, stackgap, logsigexit, KPTI and LA57.

use super::*;

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
    isolated("knobs::aslr_ctl_sets_the_personality_bit_that_exec_honours", || {
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
    isolated("knobs::no_new_privs_is_enable_only_and_visible_from_outside", || {
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
    isolated("knobs::wxmap_disallow_exec_turns_on_mdwe", || {
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
    isolated_as("knobs::kpti_ctl_without_cap_sys_rawio_is_eperm_before_einval", Some(NOBODY), || {
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
