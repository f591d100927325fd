//! 32-bit (i386) programs under a 64-bit tracer, and i386 calls of 64-bit
//! programs (`int $0x80`): spawn, attach, PT_TRACE_ME, follow-fork and
//! threads; syscall stops in the i386 ABI (numbers, arguments, results, the
//! register convention), through the vDSO's entry and through int $0x80;
//! registers in the amd64 view and in the 32-bit one; memory, breakpoints,
//! single-step, debug registers, the map, remote syscalls and cores.
//!
//! The tracee is tests/tracees/tracee.c built with `cc -m32`.

mod common;
use bsdtrace::request::regset;
use bsdtrace::sysent::Arch;
use bsdtrace::*;
use common::*;
use std::process::{Command, Stdio};

// i386 syscall numbers (arch/x86/entry/syscalls/syscall_32.tbl).
const I386_EXIT: u32 = 1;
const I386_CLOSE: u32 = 6;
const I386_GETPID: u32 = 20;
const I386_GETPPID: u32 = 64;
const I386_EXIT_GROUP: u32 = 252;
const I386_OPENAT: u32 = 295;

/// The 32-bit tracee, spawned and stopped at its exec.
fn spawn32(t: &mut Tracer, args: &[&str]) -> Pid {
    let mut argv = vec![tracee32()];
    argv.extend_from_slice(args);
    let pid = t.spawn(&argv).expect("spawn");
    assert_eq!(wait_pid(t, pid), WaitStatus::Stopped(libc::SIGTRAP));
    assert!(matches!(t.stop_event(pid.into()).unwrap().1, Some(Event::Exec { .. })));
    pid
}

/// Run with PT_SYSCALL to the next syscall stop of `nr` (`entry` or exit);
/// panics if the process ends first.
fn run_to_call(t: &mut Tracer, pid: Pid, nr: u32, entry: bool) -> LwpInfo {
    for _ in 0..10_000 {
        t.resume(pid.into(), Resume::Syscall, None, 0).unwrap();
        let st = wait_pid(t, pid);
        assert!(matches!(st, WaitStatus::Stopped(_)), "ended before syscall {nr}: {st:?}");
        let info = t.lwpinfo(pid.into()).unwrap();
        let flag = if entry { abi::PL_FLAG_SCE } else { abi::PL_FLAG_SCX };
        if info.flags & flag != 0 && info.syscall_code == nr {
            return info;
        }
    }
    panic!("no stop at syscall {nr}");
}

#[test]
fn a_32_bit_program_is_spawned_traced_and_known_as_i386() {
    let mut t = Tracer::new();
    let pid = spawn32(&mut t, &["exit", "7"]);
    assert_eq!(t.arch(pid.into()).unwrap(), Arch::I386);
    let r = t.get_regs(pid.into()).unwrap();
    assert_eq!(r.r_cs, 0x23, "compatibility-mode code segment");
    assert!(r.r_rip < 1 << 32 && r.r_rsp < 1 << 32, "{r:?}");
    let r32 = t.get_regs32(pid.into()).unwrap();
    assert_eq!((u64::from(r32.r_eip), u64::from(r32.r_esp)), (r.r_rip as u64, r.r_rsp as u64));
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(7));
    // A 64-bit program is X86_64.
    let pid = spawn(&mut t, &["exit", "0"]);
    assert_eq!(t.arch(pid.into()).unwrap(), Arch::X86_64);
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(0));
}

#[test]
fn syscall_stops_report_i386_numbers_arguments_and_results() {
    let mut t = Tracer::new();
    let pid = spawn32(&mut t, &["getppid", "3"]);
    let mut entries = 0;
    let mut last = None;
    loop {
        t.resume(pid.into(), Resume::Syscall, None, 0).unwrap();
        match wait_pid(&mut t, pid) {
            WaitStatus::Stopped(libc::SIGTRAP) => {}
            WaitStatus::Exited(0) => break,
            other => panic!("{other:?}"),
        }
        let info = t.lwpinfo(pid.into()).unwrap();
        // Every call of a 32-bit program is an i386 call (through the
        // vDSO's sysenter/syscall entry: glibc's syscall()).
        assert_eq!(info.syscall_arch, Arch::I386, "{info:?}");
        assert_eq!(info.syscall_narg, Arch::I386.nargs(info.syscall_code));
        last = Some(info.syscall_code);
        if info.syscall_code != I386_GETPPID {
            continue;
        }
        if info.flags & abi::PL_FLAG_SCE != 0 {
            entries += 1;
            assert_eq!(info.syscall_narg, 0);
            let a = t.sc_args(pid.into()).unwrap();
            assert_eq!((a.arch, a.code, a.narg), (Arch::I386, I386_GETPPID, 0));
            assert_eq!(t.get_regs(pid.into()).unwrap().r_rax, I386_GETPPID as i64, "FreeBSD: rax is the number at entry");
            assert_eq!(t.get_regs32(pid.into()).unwrap().r_eax, I386_GETPPID);
        } else {
            let r = t.sc_ret(pid.into()).unwrap();
            assert_eq!((r.sr_error, r.sr_retval[0]), (0, std::process::id() as i64));
        }
    }
    assert_eq!(entries, 3);
    assert_eq!(last, Some(I386_EXIT_GROUP));
}

#[test]
fn a_failed_i386_call_shows_the_carry_flag_and_the_errno() {
    let mut t = Tracer::new();
    let pid = spawn32(&mut t, &["fail"]);
    // The program's own openat (the dynamic linker's come first).
    let a = loop {
        let info = run_to_call(&mut t, pid, I386_OPENAT, true);
        assert_eq!(info.syscall_narg, 4);
        let a = t.sc_args(pid.into()).unwrap();
        let mut path = [0u8; 22];
        t.read_memory(pid.into(), a.args[1], &mut path).unwrap();
        if &path == b"/nonexistent/bsdtrace\0" {
            break a;
        }
    };
    assert_eq!(a.args[0], 0xffff_ff9c, "AT_FDCWD in 32 bits");
    assert!(a.args[1] < 1 << 32);
    assert_eq!(t.get_regs32(pid.into()).unwrap().r_eax, I386_OPENAT);
    run_to_call(&mut t, pid, I386_OPENAT, false);
    assert_eq!(t.sc_ret(pid.into()).unwrap().sr_error, libc::ENOENT);
    let r = t.get_regs(pid.into()).unwrap();
    assert_eq!((r.r_rflags & abi::PSL_C, r.r_rax), (abi::PSL_C, libc::ENOENT as i64));
    let r32 = t.get_regs32(pid.into()).unwrap();
    assert_eq!((r32.r_eflags & 1, r32.r_eax), (1, libc::ENOENT as u32));
    // Rewriting the result the FreeBSD way, in the 32-bit view: success 5.
    let mut w = r32;
    w.r_eflags &= !1;
    w.r_eax = 5;
    t.set_regs32(pid.into(), &w).unwrap();
    assert_eq!(t.sc_ret(pid.into()).unwrap().sr_retval[0], 5);
    // The tracee sees fd 5 and exits 1 (it expected ENOENT).
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(1));
}

#[test]
fn int_0x80_calls_are_i386_calls_in_32_and_64_bit_programs() {
    for program in [tracee32(), tracee()] {
        let mut t = Tracer::new();
        let pid = t.spawn(&[program, "int80"]).unwrap();
        assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGTRAP));
        let mut seen = vec![];
        loop {
            t.resume(pid.into(), Resume::ToSce, None, 0).unwrap();
            match wait_pid(&mut t, pid) {
                WaitStatus::Stopped(libc::SIGTRAP) => {}
                WaitStatus::Exited(st) => {
                    assert_eq!(st, 0, "{program}: the calls answered as their twins");
                    break;
                }
                other => panic!("{other:?}"),
            }
            let a = t.sc_args(pid.into()).unwrap();
            if a.arch == Arch::I386 && [I386_GETPID, I386_GETPPID, I386_CLOSE].contains(&a.code) {
                seen.push((a.code, a.args[0]));
            }
        }
        // close(-1): the argument is a 32-bit -1 whatever the upper half of rbx.
        let calls = [(I386_GETPID, 0), (I386_GETPPID, 0), (I386_CLOSE, 0xffff_ffff)];
        assert!(seen.windows(3).any(|w| w == calls), "{program}: {seen:?}");
    }
}

#[test]
fn an_i386_thread_exit_is_reported_as_the_thread_s_own() {
    // i386's exit is 1 (x86-64's write): the engine must read it as exit.
    let mut t = Tracer::new();
    let pid = spawn32(&mut t, &["thread_create_join", "4"]);
    t.lwp_events(pid.into(), true).unwrap();
    let (mut born, mut exited) = (0, 0);
    let code = until_exit_at_traps(&mut t, pid, |_, info| {
        if info.flags & abi::PL_FLAG_BORN != 0 {
            born += 1;
        } else if info.flags & abi::PL_FLAG_EXITED != 0 {
            assert_eq!(info.syscall_code, I386_EXIT);
            exited += 1;
        } else {
            panic!("unexpected stop {info:?}");
        }
    });
    assert_eq!(code, 0);
    assert_eq!((born, exited), (4, 4));
}

#[test]
fn attach_to_a_threaded_32_bit_program_and_detach() {
    let mut cmd = Command::new(tracee32());
    cmd.args(["threads", "3"]).stdin(Stdio::null());
    let (mut child, line) = spawn_until_ready(&mut cmd);
    assert_eq!(line, "ready");
    let pid = Pid(child.id() as i32);
    let mut t = Tracer::new();
    t.attach(pid.into()).unwrap();
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGSTOP));
    assert_eq!(t.num_lwps(pid.into()).unwrap(), 4);
    assert_eq!(t.arch(pid.into()).unwrap(), Arch::I386);
    // Every thread sleeps in pause (i386 29) or the futex of the barrier
    // (240, 422), or has just written its "ready" (4).
    for l in t.lwp_list(pid.into()).unwrap() {
        let info = t.lwpinfo(l.into()).unwrap();
        assert_eq!(info.syscall_arch, Arch::I386);
        assert!([4, 29, 240, 422].contains(&info.syscall_code), "{info:?}");
    }
    t.detach(pid.into(), 0).unwrap();
    drop(t);
    assert!(!matches!(proc_state(pid.0), 't' | 'T'), "it runs on, untraced");
    assert_eq!(std::fs::read_to_string(format!("/proc/{}/status", pid.0)).unwrap().lines().find(|l| l.starts_with("TracerPid")).unwrap(), "TracerPid:\t0");
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn trace_me_and_follow_fork_with_32_bit_programs() {
    let mut t = Tracer::new();
    let pid = fork_traceme_exec(&[tracee32(), "fork"]);
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGTRAP));
    assert_eq!(t.lwpinfo(pid.into()).unwrap().flags, abi::PL_FLAG_EXEC | abi::PL_FLAG_SCX);
    assert_eq!(t.arch(pid.into()).unwrap(), Arch::I386);
    t.follow_fork(pid.into(), true).unwrap();
    t.resume(pid.into(), Resume::Continue, None, 0).unwrap();
    let (mut parent, mut child) = (false, None);
    while !(parent && child.is_some()) {
        let (p, _) = wait(&mut t);
        let info = t.lwpinfo(p.into()).unwrap();
        if p == pid {
            assert!(info.flags & abi::PL_FLAG_FORKED != 0, "{info:?}");
            // glibc's i386 fork() is clone (120).
            assert_eq!((info.syscall_arch, info.syscall_code), (Arch::I386, 120));
            parent = true;
        } else {
            assert!(info.flags & abi::PL_FLAG_CHILD != 0, "{info:?}");
            assert_eq!(t.arch(p.into()).unwrap(), Arch::I386);
            child = Some(p);
        }
    }
    let child = child.unwrap();
    assert_eq!(run_to_exit(&mut t, child), WaitStatus::Exited(7));
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(7));
}

/// The 32-bit tracee in mode `mode` with an address file, stopped at its
/// raise(SIGSTOP); the addresses it wrote.
fn stopped_with_addrs(t: &mut Tracer, mode: &str, n: &str) -> (Pid, Vec<u64>) {
    let file = tmpfile(&format!("i386-{mode}"));
    let pid = spawn32(t, &[mode, n, &file]);
    assert_eq!(cont_until(t, pid, Resume::Continue, 0).0, WaitStatus::Stopped(libc::SIGSTOP));
    let a = read_addrs(&file);
    let _ = std::fs::remove_file(&file);
    (pid, a)
}

#[test]
fn breakpoints_single_steps_and_memory_in_a_32_bit_program() {
    let mut t = Tracer::new();
    let (pid, a) = stopped_with_addrs(&mut t, "bp", "3");
    let (bp, counter, ro) = (a[0], a[1], a[2]);
    assert!(bp < 1 << 32 && counter < 1 << 32);
    // PT_IO: read-only data reads, read-only text takes an int3.
    assert_eq!(t.peek(pid.into(), ro).unwrap(), 0x1122_3344);
    let mut orig = [0u8; 1];
    t.read_memory(pid.into(), bp, &mut orig).unwrap();
    t.write_memory(pid.into(), bp, &[0xcc]).unwrap();
    let (st, ev) = cont_until(&mut t, pid, Resume::Continue, 0);
    assert_eq!((st, ev), (WaitStatus::Stopped(libc::SIGTRAP), Some(Event::Signal { sig: libc::SIGTRAP })));
    let info = t.lwpinfo(pid.into()).unwrap();
    assert_eq!(bsdtrace::sys::si::code(&info.siginfo), 1, "TRAP_BRKPT");
    let mut r = t.get_regs(pid.into()).unwrap();
    assert_eq!(r.r_rip as u64, bp + 1, "the PC is after the int3");
    assert_eq!(r.r_trapno, abi::T_BPTFLT);
    // Put the instruction back, back up, and step over it.
    t.write_memory(pid.into(), bp, &orig).unwrap();
    r.r_rip -= 1;
    t.set_regs(pid.into(), &r).unwrap();
    let (st, _) = cont_until(&mut t, pid, Resume::Step, 0);
    assert_eq!(st, WaitStatus::Stopped(libc::SIGTRAP));
    let info = t.lwpinfo(pid.into()).unwrap();
    assert_eq!(bsdtrace::sys::si::code(&info.siginfo), 2, "TRAP_TRACE");
    assert_ne!(t.get_regs32(pid.into()).unwrap().r_eip as u64, bp);
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(3));
}

#[test]
fn debug_registers_watch_a_32_bit_program() {
    let mut t = Tracer::new();
    let (pid, a) = stopped_with_addrs(&mut t, "watch", "2");
    let counter = a[1];
    let mut d = abi::dbreg32::default();
    d.dr[0] = counter as u32;
    d.dr[7] = abi::dbreg_dr7_set(0, abi::DBREG_DR7_LEN_4, abi::DBREG_DR7_WRONLY, abi::DBREG_DR7_LOCAL_ENABLE) as u32;
    t.set_dbregs32(pid.into(), &d).unwrap();
    assert_eq!(t.get_dbregs32(pid.into()).unwrap().dr[0], counter as u32);
    assert_eq!(t.get_dbregs(pid.into()).unwrap().dr[7], u64::from(d.dr[7]));
    let (st, _) = cont_until(&mut t, pid, Resume::Continue, 0);
    assert_eq!(st, WaitStatus::Stopped(libc::SIGTRAP));
    assert_eq!(t.get_regs(pid.into()).unwrap().r_trapno, abi::T_TRCTRAP);
    assert_eq!(t.peek(pid.into(), counter).unwrap(), 1, "stopped after the first write");
    t.set_dbregs32(pid.into(), &abi::dbreg32::default()).unwrap();
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(0));
}

#[test]
fn the_map_of_a_32_bit_program_lies_below_4_gib() {
    let mut t = Tracer::new();
    let pid = spawn32(&mut t, &["maps", "3"]);
    assert_eq!(cont_until(&mut t, pid, Resume::Continue, 0).0, WaitStatus::Stopped(libc::SIGSTOP));
    let mut i = 0;
    let mut exe = false;
    loop {
        match t.vm_entry(pid.into(), i) {
            Ok(e) => {
                assert!(e.end < 1 << 32, "{e:?}");
                exe |= e.path.as_deref() == Some(tracee32());
                i = e.entry;
            }
            Err(e) => {
                assert_eq!(e.errno(), Errno::ENOENT);
                break;
            }
        }
    }
    assert!(exe && i > 5);
    t.kill(pid.into()).unwrap();
}

#[test]
fn registers_in_the_32_bit_views_and_their_rules() {
    let mut t = Tracer::new();
    let (pid, _) = stopped_with_addrs(&mut t, "bp", "0");
    // FP: the FSAVE view of the FXSAVE image.
    let fx = t.get_fpregs(pid.into()).unwrap();
    let f32 = t.get_fpregs32(pid.into()).unwrap();
    assert_eq!(u64::from(f32.fpr_env[0] & 0xffff), fx.fpr_env[0] & 0xffff, "control word");
    assert_eq!(f32.fpr_env[2] & 0xffff, 0xffff, "every x87 register empty");
    let mut w = f32;
    w.fpr_env[0] = 0x27f; // precision: double
    t.set_fpregs32(pid.into(), &w).unwrap();
    assert_eq!(t.get_fpregs(pid.into()).unwrap().fpr_env[0] & 0xffff, 0x27f);
    t.set_fpregs32(pid.into(), &f32).unwrap();
    // PT_GETXMMREGS: the FXSAVE image itself.
    let x = t.get_xmmregs(pid.into()).unwrap();
    assert_eq!(u64::from(x.xmm_env[0]), fx.fpr_env[0] & 0xffff_ffff);
    t.set_xmmregs(pid.into(), &x).unwrap();
    // The gs base is the TLS of i386's glibc.
    let gs = t.get_segbase32(pid.into(), true).unwrap();
    assert!(gs != 0);
    assert_eq!(t.get_gsbase(pid.into()).unwrap(), u64::from(gs));
    // The regsets are the 32-bit ones: prstatus32 holds reg32.
    let ps = t.get_regset(pid.into(), regset::NT_PRSTATUS).unwrap();
    assert_eq!(ps.len(), std::mem::size_of::<abi::prstatus32>());
    let r32 = t.get_regs32(pid.into()).unwrap();
    assert_eq!(u32::from_le_bytes(ps[28 + 52..28 + 56].try_into().unwrap()), r32.r_eip);
    assert_eq!(t.regset_size(pid.into(), regset::NT_FPREGSET).unwrap(), 176);
    assert_eq!(t.regset_size(pid.into(), regset::NT_PTLWPINFO).unwrap(), 4 + 428);
    let lwp = t.get_regset(pid.into(), regset::NT_PTLWPINFO).unwrap();
    // pl_siginfo.si_signo of the SIGSTOP, at 4 + 268.
    assert_eq!(i32::from_le_bytes(lwp[272..276].try_into().unwrap()), libc::SIGSTOP);
    t.set_regset(pid.into(), regset::NT_PRSTATUS, &ps).unwrap();
    t.kill(pid.into()).unwrap();
    assert!(matches!(wait_pid(&mut t, pid), WaitStatus::Signaled { sig: libc::SIGKILL, .. }));

    // A 64-bit program: the 32-bit view reads its low halves, and may not
    // write (FreeBSD's rule for 32-bit debuggers).
    let pid = spawn(&mut t, &["exit", "0"]);
    let r = t.get_regs(pid.into()).unwrap();
    let r32 = t.get_regs32(pid.into()).unwrap();
    assert_eq!((r32.r_eip, r32.r_esp), (r.r_rip as u32, r.r_rsp as u32));
    assert_eq!(errno(t.set_regs32(pid.into(), &r32)), Errno::EINVAL);
    assert_eq!(errno(t.set_fpregs32(pid.into(), &abi::fpreg32::default())), Errno::EINVAL);
    assert_eq!(errno(t.set_dbregs32(pid.into(), &abi::dbreg32::default())), Errno::EINVAL);
    assert_eq!(errno(t.get_segbase32(pid.into(), false)), Errno::EINVAL);
    assert_eq!(t.regset_size(pid.into(), regset::NT_PRSTATUS).unwrap(), 224);
    t.kill(pid.into()).unwrap();
}

#[test]
fn remote_syscalls_run_through_int_0x80_in_a_32_bit_program() {
    let mut cmd = Command::new(tracee32());
    cmd.args(["pause"]).stdin(Stdio::null());
    let (mut child, _) = spawn_until_ready(&mut cmd);
    let pid = Pid(child.id() as i32);
    let mut t = Tracer::new();
    t.attach(pid.into()).unwrap();
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGSTOP));
    let before = t.get_regs32(pid.into()).unwrap();
    let r = t.remote_syscall(pid.into(), I386_GETPID.into(), &[]).unwrap();
    assert_eq!((r.sr_error, r.sr_retval[0]), (0, pid.0 as i64));
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGSTOP), "the re-stop");
    let r = t.remote_syscall(pid.into(), I386_CLOSE.into(), &[u64::from(u32::MAX)]).unwrap();
    assert_eq!(r.sr_error, libc::EBADF);
    wait_pid(&mut t, pid);
    let r = t.remote_syscall(pid.into(), 5000, &[]).unwrap();
    assert_eq!(r.sr_error, libc::ENOSYS);
    wait_pid(&mut t, pid);
    assert_eq!(t.get_regs32(pid.into()).unwrap(), before, "registers put back");
    t.detach(pid.into(), 0).unwrap();
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn a_core_of_a_32_bit_program_is_an_i386_core_gdb_reads() {
    let mut t = Tracer::new();
    let file = tmpfile("i386-core");
    let pid = spawn32(&mut t, &["coredump", "2", &file]);
    let (st, _) = cont_until(&mut t, pid, Resume::Continue, 0);
    assert_eq!(st, WaitStatus::Stopped(libc::SIGTRAP));
    let _ = std::fs::remove_file(&file);
    let core = tmpfile("i386-core.core");
    let f = std::fs::File::create(&core).unwrap();
    use std::os::fd::AsFd;
    t.coredump(pid.into(), f.as_fd(), 0, 0).unwrap();
    let bytes = std::fs::read(&core).unwrap();
    assert_eq!(&bytes[..5], b"\x7fELF\x01", "ELFCLASS32");
    assert_eq!(u16::from_le_bytes([bytes[18], bytes[19]]), 3, "EM_386");
    let out = Command::new("gdb")
        .args(["-batch", "-nx", "-ex", "info threads", "-ex", "p counter", "-ex", "bt", "-ex", "p $_siginfo.si_signo"])
        .arg(tracee32())
        .arg(&core)
        .output()
        .expect("gdb runs");
    let out = String::from_utf8_lossy(&out.stdout).into_owned();
    let _ = std::fs::remove_file(&core);
    for l in t.lwp_list(pid.into()).unwrap() {
        assert!(out.contains(&format!("LWP {})", l.0)), "gdb lists LWP {}:\n{out}", l.0);
    }
    assert!(out.contains("= 4242"), "counter:\n{out}");
    let bt = out.split("= 4242").nth(1).unwrap();
    assert!(bt.contains("core_leaf") && bt.contains("core_middle") && bt.contains("main"), "backtrace:\n{out}");
    assert!(out.trim_end().ends_with("= 5"), "SIGTRAP:\n{out}");
    t.kill(pid.into()).unwrap();
}
