//! PT_IO, PT_READ/WRITE, registers (general, FP, debug), and the VM map.

mod common;
use bsdtrace::*;
use common::*;

fn stopped_bp(t: &mut Tracer, n: &str) -> (Pid, Vec<u64>) {
    let f = tmpfile("bp");
    let pid = spawn(t, &["bp", n, &f]);
    assert_eq!(cont_until(t, pid, Resume::Continue, 0).0, WaitStatus::Stopped(libc::SIGSTOP));
    let a = read_addrs(&f);
    let _ = std::fs::remove_file(&f);
    (pid, a)
}

#[test]
fn pt_io_reads_and_writes_memory() {
    let mut t = Tracer::new();
    let (pid, a) = stopped_bp(&mut t, "0");
    let counter = a[1];
    t.write_memory(pid.into(), counter, &41i32.to_ne_bytes()).unwrap();
    let mut b = [0u8; 4];
    t.read_memory(pid.into(), counter, &mut b).unwrap();
    assert_eq!(i32::from_ne_bytes(b), 41);
    assert_eq!(t.peek(pid.into(), counter).unwrap(), 41);
    t.poke(pid.into(), counter, -1).unwrap();
    assert_eq!(t.peek(pid.into(), counter).unwrap(), -1, "-1 is a value, not an error");
    t.kill(pid.into()).unwrap();
    wait_pid(&mut t, pid);
}

#[test]
fn writes_reach_read_only_memory() {
    let mut t = Tracer::new();
    let f = tmpfile("ro");
    let pid = spawn(&mut t, &["readonly", "0", &f]);
    cont_until(&mut t, pid, Resume::Continue, 0);
    let ro = read_addrs(&f)[0];
    t.write_memory(pid.into(), ro, &0x55667788i32.to_ne_bytes()).unwrap();
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(0), "the tracee saw the new constant");
}

#[test]
fn a_transfer_into_unmapped_memory_is_efault_with_the_count() {
    let mut t = Tracer::new();
    let (pid, _) = stopped_bp(&mut t, "0");
    // The last page of the stack's mapping is followed by unmapped space.
    let maps = std::fs::read_to_string(format!("/proc/{}/maps", pid.0)).unwrap();
    let stack = maps.lines().find(|l| l.ends_with("[stack]")).unwrap();
    let end = u64::from_str_radix(stack.split(['-', ' ']).nth(1).unwrap(), 16).unwrap();
    let mut buf = vec![0u8; 100];
    match t.read_memory(pid.into(), end - 40, &mut buf) {
        Err(Error::Fault { errno, done }) => {
            assert_eq!(errno, Errno::EFAULT);
            assert_eq!(done, 40);
        }
        other => panic!("expected a fault, got {other:?}"),
    }
    match t.write_memory(pid.into(), end - 8, &[0u8; 16]) {
        Err(Error::Fault { errno, done }) => assert_eq!((errno, done), (Errno::EFAULT, 8)),
        other => panic!("expected a fault, got {other:?}"),
    }
    assert_eq!(errno(t.peek(pid.into(), 0)), Errno::ENOMEM, "PT_READ_D: modern FreeBSD says ENOMEM");
    assert_eq!(errno(t.poke(pid.into(), 8, 1)), Errno::ENOMEM);
    t.kill(pid.into()).unwrap();
    wait_pid(&mut t, pid);
}

#[test]
fn software_breakpoint_cycle() {
    let mut t = Tracer::new();
    let (pid, a) = stopped_bp(&mut t, "5");
    let bp = a[0];
    let mut orig = [0u8];
    t.read_memory(pid.into(), bp, &mut orig).unwrap();
    t.write_memory(pid.into(), bp, &[0xcc]).unwrap();
    let mut hits = 0;
    let code = until_exit_at_traps(&mut t, pid, |t, info| {
        hits += 1;
        assert_eq!(bsdtrace::sys::si::code(&info.siginfo), 1, "TRAP_BRKPT");
        // Step over: restore, back up the PC, single-step, re-insert.
        let mut r = t.get_regs(pid.into()).unwrap();
        assert_eq!(r.r_rip as u64, bp + 1);
        t.write_memory(pid.into(), bp, &orig).unwrap();
        r.r_rip -= 1;
        t.set_regs(pid.into(), &r).unwrap();
        t.resume(pid.into(), Resume::Step, None, 0).unwrap();
        assert_eq!(wait_pid(t, pid), WaitStatus::Stopped(libc::SIGTRAP));
        let info = t.lwpinfo(pid.into()).unwrap();
        assert_eq!(bsdtrace::sys::si::code(&info.siginfo), 2, "TRAP_TRACE");
        assert_eq!(t.get_regs(pid.into()).unwrap().r_trapno, abi::T_TRCTRAP);
        t.write_memory(pid.into(), bp, &[0xcc]).unwrap();
    });
    assert_eq!(code, 5, "bp_target ran every time");
    assert_eq!(hits, 5);
}

#[test]
fn setstep_and_clearstep() {
    let mut t = Tracer::new();
    let (pid, _) = stopped_bp(&mut t, "0");
    t.set_step(pid.into()).unwrap();
    t.clear_step(pid.into()).unwrap();
    t.set_step(pid.into()).unwrap();
    let rip0 = t.get_regs(pid.into()).unwrap().r_rip;
    t.resume(pid.into(), Resume::Continue, None, 0).unwrap();
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGTRAP));
    assert_ne!(t.get_regs(pid.into()).unwrap().r_rip, rip0);
    // The step flag cleared itself: the next continue runs to the end.
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(0));
}

#[test]
fn set_regs_rejects_privileged_flags_and_segments() {
    let mut t = Tracer::new();
    let (pid, _) = stopped_bp(&mut t, "0");
    let r = t.get_regs(pid.into()).unwrap();
    let mut bad = r;
    bad.r_rflags |= 0x3000; // IOPL
    assert_eq!(errno(t.set_regs(pid.into(), &bad)), Errno::EINVAL);
    let mut bad = r;
    bad.r_cs = 0x8; // kernel code segment
    assert_eq!(errno(t.set_regs(pid.into(), &bad)), Errno::EINVAL);
    t.set_regs(pid.into(), &r).unwrap();
    assert_eq!(t.get_regs(pid.into()).unwrap(), r);
    t.kill(pid.into()).unwrap();
    wait_pid(&mut t, pid);
}

#[test]
fn fp_registers_round_trip() {
    let mut t = Tracer::new();
    let (pid, _) = stopped_bp(&mut t, "0");
    let mut f = t.get_fpregs(pid.into()).unwrap();
    f.fpr_xacc[3] = *b"0123456789abcdef";
    t.set_fpregs(pid.into(), &f).unwrap();
    assert_eq!(t.get_fpregs(pid.into()).unwrap().fpr_xacc[3], *b"0123456789abcdef");
    let (mask, len) = t.xstate_info(pid.into()).unwrap();
    assert!(mask & 3 == 3 && len >= 576);
    let mut x = vec![0u8; len as usize];
    assert_eq!(t.get_xstate(pid.into(), &mut x).unwrap(), len as usize);
    assert_eq!(&x[160 + 3 * 16..160 + 4 * 16], b"0123456789abcdef", "XMM3 in the XSAVE area");
    t.kill(pid.into()).unwrap();
    wait_pid(&mut t, pid);
}

/// A stopped tracee SIGKILLed from outside (by another program, before the
/// tracer's next wait) leaves its stop, runs into its exit and stops there
/// until the engine sees it. Register requests in that window answer, or
/// say ESRCH (the thread is between two stops); XSAVE's said EINVAL, a
/// wrong errno the fault suite met once. The death is then reported.
#[test]
fn register_requests_on_a_tracee_killed_from_outside_are_esrch() {
    let mut t = Tracer::new();
    let mut esrch = 0;
    for _ in 0..40 {
        let (pid, _) = stopped_bp(&mut t, "0");
        unsafe { libc::kill(pid.0, libc::SIGKILL) };
        let mut x = vec![0u8; 4096];
        for _ in 0..20 {
            for r in [
                t.get_xstate(pid.into(), &mut x).map(drop),
                t.xstate_info(pid.into()).map(drop),
                t.get_fpregs(pid.into()).map(drop),
                t.get_regs(pid.into()).map(drop),
            ] {
                match r {
                    Ok(()) => {}
                    Err(e) if e.errno() == Errno::ESRCH => esrch += 1,
                    Err(e) => panic!("a register request on a dying tracee: {e:?}"),
                }
            }
        }
        assert_eq!(wait_pid(&mut t, pid), WaitStatus::Signaled { sig: libc::SIGKILL, core: false });
    }
    eprintln!("{esrch} ESRCH in the window");
}

#[test]
fn hardware_watchpoint_fires() {
    let mut t = Tracer::new();
    let f = tmpfile("watch");
    let pid = spawn(&mut t, &["watch", "3", &f]);
    cont_until(&mut t, pid, Resume::Continue, 0);
    let a = read_addrs(&f);
    let (bp, counter) = (a[0], a[1]);
    let mut d = t.get_dbregs(pid.into()).unwrap();
    d.dr[0] = counter;
    d.dr[1] = bp;
    d.dr[7] = abi::dbreg_dr7_set(0, abi::DBREG_DR7_LEN_4, abi::DBREG_DR7_WRONLY, abi::DBREG_DR7_LOCAL_ENABLE)
        | abi::dbreg_dr7_set(1, abi::DBREG_DR7_LEN_1, abi::DBREG_DR7_EXEC, abi::DBREG_DR7_LOCAL_ENABLE);
    t.set_dbregs(pid.into(), &d).unwrap();
    assert_eq!(t.get_dbregs(pid.into()).unwrap().dr[7] & 0xffff_00ff, d.dr[7]);
    let mut writes = 0;
    loop {
        t.resume(pid.into(), Resume::Continue, None, 0).unwrap();
        assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGTRAP));
        let dr6 = t.get_dbregs(pid.into()).unwrap().dr[6];
        if dr6 & 1 != 0 {
            writes += 1;
            let mut b = [0u8; 4];
            t.read_memory(pid.into(), counter, &mut b).unwrap();
            assert_eq!(i32::from_ne_bytes(b), writes, "the write already happened");
            let mut d6 = t.get_dbregs(pid.into()).unwrap();
            d6.dr[6] = 0;
            t.set_dbregs(pid.into(), &d6).unwrap();
        } else if dr6 & 2 != 0 {
            assert_eq!(t.get_regs(pid.into()).unwrap().r_rip as u64, bp, "execute breakpoint before the insn");
            break;
        } else {
            panic!("unexpected trap dr6={dr6:#x}");
        }
    }
    assert_eq!(writes, 3);
    // Clear the execute breakpoint (it would fire forever) and finish.
    t.set_dbregs(pid.into(), &abi::dbreg::default()).unwrap();
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(0));
}

#[test]
fn set_dbregs_validates_like_freebsd() {
    let mut t = Tracer::new();
    let (pid, _) = stopped_bp(&mut t, "0");
    let mut d = abi::dbreg::default();
    d.dr[0] = 0xffff_8000_0000_0000; // kernel address
    d.dr[7] = abi::dbreg_dr7_set(0, abi::DBREG_DR7_LEN_1, abi::DBREG_DR7_EXEC, abi::DBREG_DR7_LOCAL_ENABLE);
    assert_eq!(errno(t.set_dbregs(pid.into(), &d)), Errno::EINVAL);
    d.dr[0] = 0x1000;
    d.dr[7] = abi::dbreg_dr7_set(0, abi::DBREG_DR7_LEN_1, 2, abi::DBREG_DR7_LOCAL_ENABLE); // I/O
    assert_eq!(errno(t.set_dbregs(pid.into(), &d)), Errno::EINVAL);
    t.kill(pid.into()).unwrap();
    wait_pid(&mut t, pid);
}

#[test]
fn vm_entries_enumerate_the_map() {
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["maps", "50"]);
    cont_until(&mut t, pid, Resume::Continue, 0);
    let ts = t.vm_timestamp(pid.into()).unwrap();
    let mut entries = vec![];
    let mut e = 0;
    loop {
        match t.vm_entry(pid.into(), e) {
            Ok(v) => {
                assert_eq!(v.entry, e + 1);
                assert_eq!(v.timestamp, ts);
                assert!(v.end > v.start);
                e = v.entry;
                entries.push(v);
            }
            Err(err) => {
                assert_eq!(err.errno(), Errno::ENOENT);
                break;
            }
        }
    }
    let maps = std::fs::read_to_string(format!("/proc/{}/maps", pid.0)).unwrap();
    assert_eq!(entries.len(), maps.lines().count());
    assert_eq!(errno(t.vm_entry(pid.into(), e + 1)), Errno::EINVAL, "past the end");
    let exe = std::fs::canonicalize(tracee()).unwrap();
    let text = entries.iter().find(|v| v.prot == abi::VM_PROT_READ | abi::VM_PROT_EXECUTE && v.path.is_some()).unwrap();
    assert_eq!(text.path.as_deref(), Some(exe.to_str().unwrap()));
    let st = std::fs::metadata(&exe).unwrap();
    use std::os::unix::fs::MetadataExt;
    assert_eq!(text.fileid, st.ino() as i64);
    let stack = entries.iter().find(|v| v.path.is_none() && v.prot == 3).unwrap();
    assert_eq!((stack.fileid, stack.fsid), (abi::VNOVAL, abi::VNOVAL as u32));
    // The map changes: the timestamp changes with it, and only then.
    assert_eq!(t.vm_timestamp(pid.into()).unwrap(), ts);
    cont_until(&mut t, pid, Resume::Continue, 0);
    let ts2 = t.vm_timestamp(pid.into()).unwrap();
    assert_ne!(ts2, ts, "munmap changed the map");
    t.kill(pid.into()).unwrap();
    wait_pid(&mut t, pid);
}

#[test]
fn register_sets_in_freebsd_layouts() {
    use bsdtrace::request::regset::*;
    let mut t = Tracer::new();
    let (pid, _) = stopped_bp(&mut t, "0");
    assert_eq!(t.regset_size(pid.into(), NT_PRSTATUS).unwrap(), 224);
    let ps = t.get_regset(pid.into(), NT_PRSTATUS).unwrap();
    assert_eq!(ps.len(), 224);
    assert_eq!(i32::from_ne_bytes(ps[0..4].try_into().unwrap()), 1, "pr_version");
    assert_eq!(i32::from_ne_bytes(ps[36..40].try_into().unwrap()), libc::SIGSTOP, "pr_cursig");
    let rip = i64::from_ne_bytes(ps[48 + 136..48 + 144].try_into().unwrap());
    assert_eq!(rip, t.get_regs(pid.into()).unwrap().r_rip);
    t.set_regset(pid.into(), NT_PRSTATUS, &ps).unwrap();
    assert_eq!(errno(t.set_regset(pid.into(), NT_PRSTATUS, &ps[..100])), Errno::EINVAL);
    let seg = t.get_regset(pid.into(), NT_X86_SEGBASES).unwrap();
    assert_eq!(u64::from_le_bytes(seg[..8].try_into().unwrap()), t.get_fsbase(pid.into()).unwrap());
    assert_ne!(t.get_fsbase(pid.into()).unwrap(), 0, "glibc's TLS lives at fs_base");
    assert_eq!(t.get_regset(pid.into(), NT_FPREGSET).unwrap().len(), 512);
    // The MI sets: the thread's name, and its ptrace_lwpinfo as FreeBSD's
    // core notes carry it (read only).
    assert_eq!(t.regset_size(pid.into(), NT_THRMISC).unwrap(), 24);
    let tm = t.get_regset(pid.into(), NT_THRMISC).unwrap();
    let name = t.lwpinfo(pid.into()).unwrap().tdname_str().to_string();
    assert!(!name.is_empty());
    assert_eq!(&tm[..name.len()], name.as_bytes());
    assert!(tm[name.len()..].iter().all(|&b| b == 0), "NUL-terminated, padding zeroed");
    let pls = std::mem::size_of::<abi::ptrace_lwpinfo>();
    assert_eq!(t.regset_size(pid.into(), NT_PTLWPINFO).unwrap(), 4 + pls);
    let pl = t.get_regset(pid.into(), NT_PTLWPINFO).unwrap();
    assert_eq!(i32::from_ne_bytes(pl[0..4].try_into().unwrap()) as usize, pls, "structsize");
    assert_eq!(i32::from_ne_bytes(pl[4..8].try_into().unwrap()), pid.0, "pl_lwpid");
    assert_eq!(i32::from_ne_bytes(pl[8..12].try_into().unwrap()), abi::PL_EVENT_SIGNAL, "the SIGSTOP stop");
    assert_eq!(i32::from_ne_bytes(pl[12..16].try_into().unwrap()), abi::PL_FLAG_SI, "only PL_FLAG_SI");
    let si_at = 4 + std::mem::offset_of!(abi::ptrace_lwpinfo, pl_siginfo);
    assert_eq!(i32::from_ne_bytes(pl[si_at..si_at + 4].try_into().unwrap()), libc::SIGSTOP, "si_signo");
    assert_eq!(errno(t.set_regset(pid.into(), NT_THRMISC, &tm)), Errno::EINVAL, "no setter");
    assert_eq!(errno(t.set_regset(pid.into(), NT_PTLWPINFO, &pl)), Errno::EINVAL, "no setter");
    assert_eq!(errno(t.get_regset(pid.into(), 8)), Errno::EINVAL, "NT_PROCSTAT_PROC is a core note only");
    t.kill(pid.into()).unwrap();
    wait_pid(&mut t, pid);
}

/// FreeBSD copies a thread's debug registers to the threads and processes
/// it creates; Linux gives every new task none, so the engine copies them.
#[test]
fn new_threads_and_followed_children_inherit_debug_registers() {
    let mut t = Tracer::new();
    let f = tmpfile("watch-inherit");
    let pid = spawn(&mut t, &["watch_inherit", &f]);
    assert_eq!(cont_until(&mut t, pid, Resume::Continue, 0).0, WaitStatus::Stopped(libc::SIGSTOP));
    let counter = read_addrs(&f)[0];
    t.follow_fork(pid.into(), true).unwrap();
    let mut d = abi::dbreg::default();
    d.dr[0] = counter;
    d.dr[7] = abi::dbreg_dr7_set(0, abi::DBREG_DR7_LEN_4, abi::DBREG_DR7_WRONLY, abi::DBREG_DR7_LOCAL_ENABLE);
    t.set_dbregs(pid.into(), &d).unwrap();
    // The thread's write traps in the thread.
    assert_eq!(cont_until(&mut t, pid, Resume::Continue, 0).0, WaitStatus::Stopped(libc::SIGTRAP));
    let info = t.lwpinfo(pid.into()).unwrap();
    assert_ne!(info.lwpid.0, pid.0, "the new thread took the trap");
    let tdr = t.get_dbregs(info.lwpid.into()).unwrap();
    assert_eq!(tdr.dr[0], counter);
    assert_eq!(tdr.dr[6] & 1, 1, "slot 0 fired: {:#x}", tdr.dr[6]);
    // The fork: parent's FORKED stop, then the child's first stop.
    assert_eq!(cont_until(&mut t, pid, Resume::Continue, 0).1.map(|e| matches!(e, Event::Forked { .. })), Some(true));
    let (child, st) = wait(&mut t);
    assert_ne!(child, pid);
    assert_eq!(st, WaitStatus::Stopped(libc::SIGSTOP));
    assert_eq!(t.get_dbregs(child.into()).unwrap().dr[0], counter);
    t.resume(pid.into(), Resume::Continue, None, 0).unwrap();
    t.resume(child.into(), Resume::Continue, None, 0).unwrap();
    // The child's write traps in the child.
    assert_eq!(wait_pid(&mut t, child), WaitStatus::Stopped(libc::SIGTRAP));
    assert_eq!(t.get_dbregs(child.into()).unwrap().dr[6] & 1, 1);
    assert_eq!(run_to_exit(&mut t, child), WaitStatus::Exited(0));
    // The parent was running all along: it reaps the child and exits.
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Exited(0));
}
