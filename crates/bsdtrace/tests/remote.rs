//! PT_SC_REMOTE and procctl commands run inside a traced, stopped process.

mod common;
use bsdtrace::procctl::{IdType, Reply, Request};
use bsdtrace::*;
use common::*;

#[test]
fn remote_syscall_runs_in_the_tracee_and_restops_it() {
    let (_u, mut t, pid) = attached(&["pause"]);
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

/// A SIGTRAP pending at the stop (an int3's kept back by an interrupt,
/// with the kernel's si_code) is delivered before the injected call runs:
/// it is not the step's trap. (Taken for it, getpid "returned" 39, its own
/// number: issue 11's fault suite, R1 Rust face.)
#[test]
fn remote_syscall_with_a_sigtrap_pending() {
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["trap_pending"]);
    assert_eq!(cont_until(&mut t, pid, Resume::Continue, 0).0, WaitStatus::Stopped(libc::SIGSTOP));
    // To the exit of the rt_sigprocmask that unblocks it.
    let trap = 1u64 << (libc::SIGTRAP - 1);
    for _ in 0..10 {
        let (_, ev) = cont_until(&mut t, pid, Resume::ToScx, 0);
        assert_eq!(ev, Some(Event::SyscallExit));
        if sys::procfs::status(pid.0).unwrap().sig_blk & trap == 0 {
            break;
        }
    }
    let st = sys::procfs::status(pid.0).unwrap();
    assert_eq!((st.sig_blk & trap, (st.sig_pnd | st.shd_pnd) & trap), (0, trap), "SIGTRAP unblocked and pending");
    let r = t.remote_syscall(pid.into(), libc::SYS_getpid as u64, &[]).unwrap();
    assert_eq!((r.sr_error, r.sr_retval[0]), (0, pid.0 as i64));
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGSTOP));
    t.kill(pid.into()).unwrap();
    assert!(matches!(wait_pid(&mut t, pid), WaitStatus::Signaled { sig: libc::SIGKILL, .. }));
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

/// Run `nr(args)` remotely, expecting the SIGSTOP re-stop after it.
fn remote(t: &mut Tracer, target: Target, pid: Pid, nr: i64, args: &[u64]) -> abi::ptrace_sc_ret {
    let r = t.remote_syscall(target, nr as u64, args).unwrap();
    assert_eq!(wait_pid(t, pid), WaitStatus::Stopped(libc::SIGSTOP));
    r
}

#[test]
fn remote_syscall_at_the_exec_stop_runs_after_the_execve_returns() {
    // Linux reports the exec inside execve; FreeBSD's exec stop is at its
    // return, a boundary.
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["exit", "3"]);
    let r = remote(&mut t, pid.into(), pid, libc::SYS_getpid, &[]);
    assert_eq!((r.sr_error, r.sr_retval[0]), (0, pid.0 as i64));
    // Still the exec stop, and the execve's own exit is not reported again.
    let info = t.lwpinfo(pid.into()).unwrap();
    assert_eq!(info.flags, abi::PL_FLAG_EXEC | abi::PL_FLAG_SCX);
    assert_eq!(info.syscall_code, libc::SYS_execve as u32);
    let (st, ev) = cont_until(&mut t, pid, Resume::Syscall, 0);
    assert_eq!((st, ev), (WaitStatus::Stopped(libc::SIGTRAP), Some(Event::SyscallEntry)));
    assert_ne!(t.lwpinfo(pid.into()).unwrap().syscall_code, libc::SYS_execve as u32);
    t.set_event_mask(pid.into(), abi::PTRACE_EXEC).unwrap();
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(3));
}

#[test]
fn remote_syscall_at_a_fork_stop() {
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["fork"]);
    t.follow_fork(pid.into(), true).unwrap();
    t.resume(pid.into(), Resume::Continue, None, 0).unwrap();
    // Both sides of the fork report, in either order.
    let mut child = None;
    for _ in 0..2 {
        let (p, st) = wait(&mut t);
        assert!(matches!(st, WaitStatus::Stopped(_)));
        if p == pid {
            let Some(Event::Forked { child: c, .. }) = t.stop_event(pid.into()).unwrap().1 else { panic!() };
            child = Some(c);
            let r = remote(&mut t, pid.into(), pid, libc::SYS_getppid, &[]);
            assert_eq!((r.sr_error, r.sr_retval[0]), (0, std::process::id() as i64));
            // The fork's return value is still the child's pid.
            assert_eq!(t.sc_ret(pid.into()).unwrap().sr_retval[0], c.0 as i64);
            assert_eq!(t.get_regs(pid.into()).unwrap().r_rax, c.0 as i64);
        }
    }
    let child = child.unwrap();
    t.resume(child.into(), Resume::Continue, None, 0).unwrap();
    assert_eq!(wait_pid(&mut t, child), WaitStatus::Exited(7));
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(7));
}

#[test]
fn remote_exit_is_reported_once_the_process_is_continued() {
    // FreeBSD's ptrace__PT_SC_REMOTE_exit.
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["sigstop_then_exit", "66"]);
    assert_eq!(cont_until(&mut t, pid, Resume::Continue, 0).0, WaitStatus::Stopped(libc::SIGSTOP));
    let r = remote(&mut t, pid.into(), pid, libc::SYS_exit, &[42]);
    assert_eq!((r.sr_error, r.sr_retval[0]), (0, 0));
    // Still a process to ask about, until it is let go.
    assert_eq!(t.num_lwps(pid.into()).unwrap(), 1);
    t.resume(pid.into(), Resume::Continue, None, libc::SIGCONT).unwrap();
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Exited(42));
    assert!(!t.is_traced(pid));
}

#[test]
fn a_suspended_lwp_remote_exit_ends_once_the_process_is_continued() {
    // PT_SUSPEND keeps an LWP stopped across a continue, but not one whose
    // exit is under way: held at its exit stop, the process never exited
    // and the tracer's wait for it hung (fault suite R1, Rust face, seed
    // 207000623).
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["sigstop_then_exit", "66"]);
    assert_eq!(cont_until(&mut t, pid, Resume::Continue, 0).0, WaitStatus::Stopped(libc::SIGSTOP));
    t.suspend(pid.into()).unwrap();
    remote(&mut t, pid.into(), pid, libc::SYS_exit_group, &[42]);
    t.resume(pid.into(), Resume::Continue, None, 0).unwrap();
    // A bounded look, so that the old behaviour fails instead of hanging.
    let mut st = None;
    for _ in 0..5000 {
        st = t.wait(pid.0, bsdtrace::WaitOptions::NOHANG).unwrap();
        if st.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    assert_eq!(st, Some((pid, WaitStatus::Exited(42))), "the exit never came");
}

#[test]
fn pt_kill_after_a_remote_exit_ends_the_held_stop() {
    // The remote exit holds the stop for requests until the process is
    // continued; PT_KILL ends it like any kill: requests answer ESRCH
    // (a remote exit_group had left a GETREGS answering after PT_KILL:
    // fault suite R1 without --avoid, seed 15000046).
    let (_u, mut t, pid) = attached(&["threads", "2"]);
    remote(&mut t, pid.into(), pid, libc::SYS_exit_group, &[3]);
    // The engine meets the other threads' deaths, as an Engine would.
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(t.wait(pid.0, bsdtrace::WaitOptions::NOHANG).unwrap(), None);
    t.get_regs(pid.into()).unwrap();
    t.kill(pid.into()).unwrap();
    assert_eq!(t.get_regs(pid.into()).unwrap_err().errno(), Errno::ESRCH);
    assert!(matches!(wait_pid(&mut t, pid), WaitStatus::Exited(_) | WaitStatus::Signaled { .. }));
}

#[test]
fn remote_exit_group_of_a_multithreaded_process() {
    // Rounds: whether the re-stop is still there to report depends on
    // when the engine meets the other threads' deaths (before the wait,
    // or after it, inside the PT_CONTINUE: that one answered ESRCH, fault
    // suite long-form R1, C face, seed 1000015).
    let mut restops = 0;
    for _ in 0..12 {
        let (_u, mut t, pid) = attached(&["threads", "6"]);
        let r = t.remote_syscall(pid.into(), libc::SYS_exit_group as u64, &[9]).unwrap();
        assert_eq!(r.sr_error, 0);
        // The other threads are gone at once; the process's end comes with
        // the next continue (the re-stop, if it is still there to report:
        // once reported, it is continued as on FreeBSD).
        loop {
            match wait_pid(&mut t, pid) {
                WaitStatus::Stopped(_) => {
                    restops += 1;
                    // Let the engine meet the other threads' deaths now,
                    // as an engine thread would while the tracer is away.
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    assert_eq!(t.wait(pid.0, bsdtrace::WaitOptions::NOHANG).unwrap(), None);
                    // Still stopped for requests, as on FreeBSD.
                    t.get_regs(pid.into()).unwrap();
                    t.resume(pid.into(), Resume::Continue, None, 0).unwrap()
                }
                st => {
                    assert_eq!(st, WaitStatus::Exited(9));
                    break;
                }
            }
        }
    }
    // FreeBSD: the process is reported stopped again, every time.
    assert_eq!(restops, 12);
}

/// Put `strings` on the stack of a stopped tracee, well below its stack
/// pointer, followed by a NULL-terminated array of pointers to them;
/// returns the address of each string and of the array.
fn push_strings(t: &mut Tracer, pid: Pid, strings: &[&str]) -> (Vec<u64>, u64) {
    let sp = t.get_regs(pid.into()).unwrap().r_rsp as u64;
    let mut at = (sp - 8192) & !15;
    let mut addrs = Vec::new();
    for s in strings {
        let mut b = s.as_bytes().to_vec();
        b.push(0);
        t.write_memory(pid.into(), at, &b).unwrap();
        addrs.push(at);
        at += (b.len() as u64 + 15) & !15;
    }
    let mut arr: Vec<u8> = addrs.iter().flat_map(|a| a.to_le_bytes()).collect();
    arr.extend_from_slice(&0u64.to_le_bytes());
    t.write_memory(pid.into(), at, &arr).unwrap();
    (addrs, at)
}

#[test]
fn remote_execve_replaces_the_image_and_stops_it() {
    // FreeBSD's ptrace__PT_SC_REMOTE_execve.
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["sigstop_then_exit", "66"]);
    assert_eq!(cont_until(&mut t, pid, Resume::Continue, 0).0, WaitStatus::Stopped(libc::SIGSTOP));
    let (s, argv) = push_strings(&mut t, pid, &[tracee(), "exit", "7"]);
    let r = remote(&mut t, pid.into(), pid, libc::SYS_execve, &[s[0], argv, argv + 24]);
    assert_eq!(r.sr_error, abi::EJUSTRETURN);
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", pid.0)).unwrap();
    assert!(cmdline.ends_with(b"\0exit\x007\0"), "{:?}", String::from_utf8_lossy(&cmdline));
    assert_eq!(t.lwp_list(pid.into()).unwrap(), vec![Lwpid(pid.0)]);
    // The execve's exit is part of this stop: the next syscall stop is an
    // entry of the new image.
    let (st, ev) = cont_until(&mut t, pid, Resume::Syscall, 0);
    assert_eq!((st, ev), (WaitStatus::Stopped(libc::SIGTRAP), Some(Event::SyscallEntry)));
    t.set_event_mask(pid.into(), abi::PTRACE_EXEC).unwrap();
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(7));
}

#[test]
fn remote_execve_that_fails_returns_its_errno() {
    let mut t = Tracer::new();
    let pid = spawn(&mut t, &["sigstop_then_exit", "66"]);
    assert_eq!(cont_until(&mut t, pid, Resume::Continue, 0).0, WaitStatus::Stopped(libc::SIGSTOP));
    let (s, argv) = push_strings(&mut t, pid, &["/nonexistent/bsdtrace"]);
    let r = remote(&mut t, pid.into(), pid, libc::SYS_execve, &[s[0], argv, argv + 8]);
    assert_eq!(r.sr_error, libc::ENOENT);
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(66));
}

#[test]
fn remote_execve_from_a_thread_of_a_multithreaded_process() {
    // The other threads die; a non-leader takes the process id.
    let (_u, mut t, pid) = attached(&["threads", "3"]);
    let lwps = t.lwp_list(pid.into()).unwrap();
    assert_eq!(lwps.len(), 4);
    let (s, argv) = push_strings(&mut t, pid, &[tracee(), "exit", "8"]);
    let r = t.remote_syscall(lwps[2].into(), libc::SYS_execve as u64, &[s[0], argv, argv + 24]).unwrap();
    assert_eq!(r.sr_error, abi::EJUSTRETURN);
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGSTOP));
    assert_eq!(t.lwp_list(pid.into()).unwrap(), vec![Lwpid(pid.0)]);
    assert_eq!(t.lwpinfo(pid.into()).unwrap().lwpid, Lwpid(pid.0));
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(8));
}

#[test]
fn remote_syscall_with_the_pc_in_memory_nothing_can_execute() {
    // A jump through a bad function pointer: into a data page, then to an
    // unmapped address. The call must run anyway, and never spin.
    for arg in ["0", "1"] {
        let mut t = Tracer::new();
        let pid = spawn(&mut t, &["badpc", arg]);
        assert_eq!(cont_until(&mut t, pid, Resume::Continue, 0).0, WaitStatus::Stopped(libc::SIGSEGV));
        let before = t.get_regs(pid.into()).unwrap();
        let r = remote(&mut t, pid.into(), pid, libc::SYS_getpid, &[]);
        assert_eq!((r.sr_error, r.sr_retval[0]), (0, pid.0 as i64), "badpc {arg}");
        assert_eq!(t.get_regs(pid.into()).unwrap(), before, "registers are put back");
        // The SIGSEGV stop is still the one reported.
        let info = t.lwpinfo(pid.into()).unwrap();
        assert_eq!(sys::si::signo(&info.siginfo), libc::SIGSEGV);
        t.resume(pid.into(), Resume::Continue, None, libc::SIGSEGV).unwrap();
        assert!(matches!(wait_pid(&mut t, pid), WaitStatus::Signaled { sig: libc::SIGSEGV, .. }));
    }
}

/// The `Anonymous:` kB of the mapping of `pid` that contains `addr`: pages
/// copied on write (a write through /proc/PID/mem into text makes one).
fn anonymous_kb(pid: Pid, addr: u64) -> u64 {
    let smaps = std::fs::read_to_string(format!("/proc/{}/smaps", pid.0)).unwrap();
    let mut inside = false;
    for line in smaps.lines() {
        if let Some((range, _)) = line.split_once(' ') {
            if let Some((a, b)) = range.split_once('-') {
                if let (Ok(a), Ok(b)) = (u64::from_str_radix(a, 16), u64::from_str_radix(b, 16)) {
                    inside = (a..b).contains(&addr);
                    continue;
                }
            }
        }
        if inside {
            if let Some(v) = line.strip_prefix("Anonymous:") {
                return v.trim().trim_end_matches(" kB").trim().parse().unwrap();
            }
        }
    }
    panic!("no mapping holds {addr:#x}");
}

#[test]
fn remote_syscall_writes_nothing_into_the_tracee() {
    let (_u, mut t, pid) = attached(&["pause"]);
    let pc = t.get_regs(pid.into()).unwrap().r_rip as u64;
    assert_eq!(anonymous_kb(pid, pc), 0);
    remote(&mut t, pid.into(), pid, libc::SYS_getpid, &[]);
    assert_eq!(anonymous_kb(pid, pc), 0, "the text at the PC was not copied on write");
    t.detach(pid.into(), 0).unwrap();
}

/// Whether every thread of `pid` has taken its SIGKILL (PF_SIGNALED,
/// 0x400, or PF_EXITING, 0x4, in each task's flags), or is gone.
fn all_dying(pid: Pid) -> bool {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{}/task", pid.0)) else { return true };
    dir.flatten().all(|e| {
        let s = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
        let flags: u64 = s.rsplit_once(')').and_then(|(_, r)| r.split_whitespace().nth(6)?.parse().ok()).unwrap_or(0x400);
        flags & 0x404 != 0
    })
}

/// A multithreaded process stopped for the tracer is SIGKILLed from outside
/// (its threads now sit at their exit stops, unseen by the engine), then
/// the tracer asks for a remote syscall: the answer is ESRCH (or the call
/// ran, if the engine got there first), never a hang, and the death is
/// reported. It hung: the call stepped the leader, whose exit Linux holds
/// back until its other threads are reaped, and waited for the leader
/// alone (fault suite long-form R1, Rust face, nobody, worker seed
/// 7000063). An execve waits for any child, so a sibling the tracer has
/// (here an untraced sleeper) kept that wait blocked too.
#[test]
fn remote_syscall_on_a_process_killed_from_outside_does_not_hang() {
    let sibling = Untraced::start(&["pause"]);
    for exec in [false, true] {
        for round in 0..6 {
            let (_u, mut t, pid) = attached(&["threads", "4"]);
            let lwps = t.lwp_list(pid.into()).unwrap();
            assert!(lwps.len() >= 4, "round {round}: {lwps:?}");
            let (s, argv) = push_strings(&mut t, pid, &[tracee(), "exit", "8"]);
            unsafe { libc::kill(pid.0, libc::SIGKILL) };
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
            while !all_dying(pid) {
                assert!(std::time::Instant::now() < deadline, "round {round}: the SIGKILL never came");
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            let (target, nr, args): (Target, i64, Vec<u64>) = if exec {
                (lwps[2].into(), libc::SYS_execve, vec![s[0], argv, argv + 24])
            } else {
                (pid.into(), libc::SYS_getpid, vec![])
            };
            match t.remote_syscall(target, nr as u64, &args) {
                Ok(_) => {}
                Err(e) => assert_eq!(e.errno(), Errno::ESRCH, "round {round}, exec {exec}"),
            }
            assert_eq!(
                wait_pid(&mut t, pid),
                WaitStatus::Signaled { sig: libc::SIGKILL, core: false },
                "round {round}, exec {exec}"
            );
        }
    }
    drop(sibling);
}

/// procctl on a stopped tracee SIGKILLed from outside (procctl runs its
/// call inside the process, as PT_SC_REMOTE): it fails, and the death is
/// still reported. The hook that undoes the call's re-stop also undid the
/// death the call met (the state set back to "stopped", the report
/// dropped): the tracer's wait hung.
#[test]
fn procctl_on_a_tracee_killed_from_outside_does_not_lose_its_death() {
    for threads in ["0", "3"] {
        let (_u, mut t, pid) = attached(&["threads", threads]);
        unsafe { libc::kill(pid.0, libc::SIGKILL) };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !all_dying(pid) {
            assert!(std::time::Instant::now() < deadline, "the SIGKILL never came");
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let r = t.procctl(IdType::Pid, pid.0 as i64, Request::NoNewPrivsCtl(abi::procctl::PROC_NO_NEW_PRIVS_ENABLE));
        assert!(r.is_err(), "threads {threads}: {r:?}");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let st = loop {
            if let Some((_, st)) = t.wait(pid.0, bsdtrace::WaitOptions::NOHANG).unwrap() {
                break st;
            }
            assert!(std::time::Instant::now() < deadline, "threads {threads}: the death was lost");
            std::thread::sleep(std::time::Duration::from_millis(1));
        };
        assert_eq!(st, WaitStatus::Signaled { sig: libc::SIGKILL, core: false }, "threads {threads}");
    }
}
