//! The per-LWP stop mode ([`StopMode::Lwp`]): one thread's stop leaves the
//! others running, each LWP is reported and resumed alone, and the
//! whole-process requests keep their meaning. Every test drives the tracee
//! through the self-driving [`Engine`], and the test thread sleeps or
//! blocks in `read()` outside the library while the tracee must progress.

mod common;
use bsdtrace::*;
use common::*;
use std::io::{BufRead, BufReader};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

fn pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

/// The child's end of a pipe, inherited across exec.
fn inherit(fd: &OwnedFd) {
    assert_eq!(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFD, 0) }, 0);
}

fn env_with(extra: &[(&str, String)]) -> Vec<String> {
    let mut env: Vec<String> = std::env::vars().filter(|(k, _)| extra.iter().all(|(e, _)| e != k)).map(|(k, v)| format!("{k}={v}")).collect();
    env.extend(extra.iter().map(|(k, v)| format!("{k}={v}")));
    env
}

fn ewait(e: &Engine, pid: Pid) -> WaitStatus {
    e.wait(pid.0, WaitOptions::BLOCK).unwrap().expect("blocking wait returns").1
}

/// `busy counters N` under trace, running, with the address of its
/// counters; `IN_FD`'s write end keeps it alive.
struct Counters {
    pid: Pid,
    addr: u64,
    _keep: OwnedFd,
}

fn counters(e: &Engine, n: usize) -> Counters {
    let (r, w) = pipe();
    let (in_r, in_w) = pipe();
    inherit(&w);
    inherit(&in_r);
    let env = env_with(&[("READY_FD", w.as_raw_fd().to_string()), ("IN_FD", in_r.as_raw_fd().to_string())]);
    let pid = e.with(|t| t.spawn_env(&[busy(), "counters", &n.to_string()], Some(&env))).unwrap();
    drop((w, in_r));
    assert_eq!(ewait(e, pid), WaitStatus::Stopped(libc::SIGTRAP));
    e.with(|t| t.resume(pid.into(), Resume::Continue, None, 0)).unwrap();
    // Outside the library: the threads' births are the engine's business.
    let mut line = String::new();
    BufReader::new(std::fs::File::from(r)).read_line(&mut line).unwrap();
    let addr = u64::from_str_radix(line.trim().trim_start_matches("ready 0x"), 16).expect("ready ADDR");
    Counters { pid, addr, _keep: in_w }
}

/// (tid, count) of each counting thread, read through /proc while the
/// process runs (as a non-stop debugger reads memory).
fn read_counts(c: &Counters, n: usize) -> Vec<(i32, i64)> {
    use std::os::unix::fs::FileExt;
    let mut buf = vec![0u8; n * 16];
    let mem = std::fs::File::open(format!("/proc/{}/mem", c.pid.0)).unwrap();
    mem.read_exact_at(&mut buf, c.addr).unwrap();
    buf.chunks(16)
        .map(|s| (i64::from_ne_bytes(s[..8].try_into().unwrap()) as i32, i64::from_ne_bytes(s[8..].try_into().unwrap())))
        .collect()
}

/// Stop every LWP, collect the stop, and switch `pid` to per-LWP mode.
fn into_lwp_mode(e: &Engine, pid: Pid) {
    assert!(e.with(|t| t.interrupt(pid.into())).unwrap());
    assert_eq!(ewait(e, pid), WaitStatus::Stopped(libc::SIGSTOP));
    e.with(|t| t.set_stop_mode(pid.into(), StopMode::Lwp)).unwrap();
    assert_eq!(e.with(|t| t.stop_mode(pid)).unwrap(), StopMode::Lwp);
}

fn wait_lwp(e: &Engine, pid: Pid) -> LwpStatus {
    e.wait_lwp(pid.0, WaitOptions::BLOCK).unwrap().expect("blocking wait_lwp returns").0
}

/// Stop every LWP, collect every report, switch back, and kill.
fn back_to_process_mode_and_kill(e: &Engine, pid: Pid) {
    e.with(|t| t.interrupt(pid.into())).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while e.with(|t| t.set_stop_mode(pid.into(), StopMode::Process)).is_err() {
        assert!(Instant::now() < deadline, "LWPs never all stopped");
        match e.wait_lwp(pid.0, WaitOptions { nohang: true, ..WaitOptions::BLOCK }).unwrap() {
            Some((LwpStatus::Stopped { .. }, _)) | None => {}
            Some(other) => panic!("{other:?}"),
        }
        e.with(|t| t.interrupt(pid.into())).unwrap();
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(e.with(|t| t.stop_mode(pid)).unwrap(), StopMode::Process);
    e.with(|t| t.kill(pid.into())).unwrap();
    assert_eq!(ewait(e, pid), WaitStatus::Signaled { sig: libc::SIGKILL, core: false });
}

#[test]
fn one_lwp_stays_stopped_while_the_others_run_and_the_tracer_sleeps() {
    for e in engines() {
        let c = counters(&e, 4);
        into_lwp_mode(&e, c.pid);
        // Every LWP is stopped and collected: let them all go.
        e.with(|t| t.resume(c.pid.into(), Resume::Continue, None, 0)).unwrap();
        let tids: Vec<i32> = read_counts(&c, 4).iter().map(|x| x.0).collect();
        let held = tids[1];
        assert!(e.with(|t| t.interrupt(Target::Lwp(Lwpid(held)))).unwrap());
        match wait_lwp(&e, c.pid) {
            LwpStatus::Stopped { pid, lwp, sig } => assert_eq!((pid, lwp, sig), (c.pid, Lwpid(held), libc::SIGSTOP)),
            other => panic!("{other:?}"),
        }
        // Requests on the stopped LWP work while the others run.
        let info = e.with(|t| t.lwpinfo(Target::Lwp(Lwpid(held)))).unwrap();
        assert_eq!(info.lwpid, Lwpid(held));
        assert!(e.with(|t| t.get_regs(Target::Lwp(Lwpid(held)))).is_ok());
        let before = read_counts(&c, 4);
        // Outside the library: the other threads count on without us (a
        // stopped one never would; the deadline is only for a loaded
        // machine's scheduler), and the stopped one does not.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            std::thread::sleep(Duration::from_millis(50));
            let after = read_counts(&c, 4);
            let mut all_ran = true;
            for (b, a) in before.iter().zip(&after) {
                if b.0 == held {
                    assert_eq!(b.1, a.1, "the stopped LWP {held} ran");
                } else if a.1 <= b.1 + 10 {
                    all_ran = false;
                    assert!(Instant::now() < deadline, "LWP {} made no progress while {held} was stopped: {} -> {}", a.0, b.1, a.1);
                }
            }
            if all_ran {
                break;
            }
        }
        // A running LWP is no target for a register request.
        let other = tids[2];
        assert_eq!(errno(e.with(|t| t.get_regs(Target::Lwp(Lwpid(other))))), Errno::EBUSY);
        // Nor is the process: several LWPs could be meant.
        assert_eq!(errno(e.with(|t| t.get_regs(c.pid.into()))), Errno::EINVAL);
        // The whole-process wait never sees a per-LWP process.
        assert_eq!(e.wait(c.pid.0, WaitOptions { nohang: true, ..WaitOptions::BLOCK }).unwrap(), None);
        // Back to the whole-process mode needs every LWP collected.
        assert_eq!(errno(e.with(|t| t.set_stop_mode(c.pid.into(), StopMode::Process))), Errno::EBUSY);
        e.with(|t| t.resume(Target::Lwp(Lwpid(held)), Resume::Continue, None, 0)).unwrap();
        let again = read_counts(&c, 4);
        let i = tids.iter().position(|&x| x == held).unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while read_counts(&c, 4)[i].1 <= again[i].1 {
            assert!(Instant::now() < deadline, "the resumed LWP does not run");
            std::thread::sleep(Duration::from_millis(10));
        }
        back_to_process_mode_and_kill(&e, c.pid);
    }
}

#[test]
fn each_lwp_reports_its_syscalls_alone_and_the_others_never_stop_for_it() {
    let e = Engine::new().unwrap();
    let c = counters(&e, 8);
    into_lwp_mode(&e, c.pid);
    e.with(|t| t.resume(c.pid.into(), Resume::ToSce, None, 0)).unwrap();
    let mut seen = std::collections::HashMap::<i32, usize>::new();
    for _ in 0..2000 {
        let LwpStatus::Stopped { pid, lwp, sig } = wait_lwp(&e, c.pid) else { panic!("exited") };
        assert_eq!((pid, sig), (c.pid, libc::SIGTRAP));
        let info = e.with(|t| t.lwpinfo(Target::Lwp(lwp))).unwrap();
        assert_eq!(info.lwpid, lwp);
        assert_ne!(info.flags & abi::PL_FLAG_SCE, 0, "flags {:#x}", info.flags);
        *seen.entry(lwp.0).or_default() += 1;
        e.with(|t| t.resume(Target::Lwp(lwp), Resume::ToSce, None, 0)).unwrap();
    }
    for (tid, _) in read_counts(&c, 8) {
        assert!(seen.get(&tid).copied().unwrap_or(0) > 0, "LWP {tid} never reported: {seen:?}");
    }
    back_to_process_mode_and_kill(&e, c.pid);
}

#[test]
fn bad_requests_on_a_per_lwp_process_get_clear_errors() {
    let e = Engine::new().unwrap();
    let c = counters(&e, 2);
    // Only a stopped, collected process may change mode.
    assert_eq!(errno(e.with(|t| t.set_stop_mode(c.pid.into(), StopMode::Lwp))), Errno::EBUSY);
    into_lwp_mode(&e, c.pid);
    let lwps = e.with(|t| t.lwp_list(c.pid.into())).unwrap();
    assert_eq!(lwps.len(), 3);
    // A step or a new PC needs the LWP named.
    assert_eq!(errno(e.with(|t| t.resume(c.pid.into(), Resume::Step, None, 0))), Errno::EINVAL);
    assert_eq!(errno(e.with(|t| t.resume(c.pid.into(), Resume::Continue, Some(0x1000), 0))), Errno::EINVAL);
    assert_eq!(errno(e.with(|t| t.lwpinfo(c.pid.into()))), Errno::EINVAL);
    // Per LWP, they work.
    assert!(e.with(|t| t.lwpinfo(Target::Lwp(lwps[1]))).is_ok());
    // Memory is the process's: any collected LWP serves.
    let mut b = [0u8; 8];
    e.with(|t| t.read_memory(c.pid.into(), c.addr, &mut b)).unwrap();
    // Resume all; then nothing is collected and the process is busy.
    e.with(|t| t.resume(c.pid.into(), Resume::Continue, None, 0)).unwrap();
    assert_eq!(errno(e.with(|t| t.read_memory(c.pid.into(), c.addr, &mut b))), Errno::EBUSY);
    // The thread list does not need a stopped LWP.
    assert_eq!(errno(e.with(|t| t.lwp_list(c.pid.into()))), Errno::EBUSY);
    assert_eq!(e.with(|t| t.live_lwp_list(c.pid)).unwrap(), lwps);
    assert_eq!(errno(e.with(|t| t.resume(Target::Lwp(lwps[0]), Resume::Continue, None, 0))), Errno::EBUSY);
    assert_eq!(e.wait_lwp(c.pid.0, WaitOptions { nohang: true, ..WaitOptions::BLOCK }).unwrap().map(|x| x.0), None);
    // An unknown LWP is ESRCH, as for any request; a bad wait selector EINVAL.
    assert_eq!(errno(e.with(|t| t.interrupt(Target::Lwp(Lwpid(i32::MAX - 7))))), Errno::ESRCH);
    assert_eq!(errno(e.wait_lwp(0, WaitOptions::BLOCK)), Errno::EINVAL);
    assert_eq!(errno(e.wait_lwp(i32::MAX - 7, WaitOptions::BLOCK)), Errno::ECHILD);
    back_to_process_mode_and_kill(&e, c.pid);
}

#[test]
fn a_per_lwp_process_killed_at_any_moment_reports_its_exit_and_never_hangs() {
    let e = Engine::new().unwrap();
    for round in 0..6u64 {
        let c = counters(&e, 6);
        into_lwp_mode(&e, c.pid);
        e.with(|t| t.resume(c.pid.into(), Resume::ToSce, None, 0)).unwrap();
        let pid = c.pid;
        // From outside, at a moment of its own: some LWPs stopped, some
        // collected, some running.
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(3 + round * 7));
            unsafe { libc::kill(pid.0, libc::SIGKILL) };
        });
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            assert!(Instant::now() < deadline, "no exit reported");
            match wait_lwp(&e, pid) {
                LwpStatus::Stopped { lwp, .. } => {
                    // Resume some, leave others stopped and collected.
                    if lwp.0 % 2 == 0 {
                        match e.with(|t| t.resume(Target::Lwp(lwp), Resume::ToSce, None, 0)) {
                            Ok(()) | Err(Error::Errno(Errno::ESRCH)) => {}
                            Err(e) => panic!("{e}"),
                        }
                    }
                }
                LwpStatus::Exited { pid: p, status } => {
                    assert_eq!(p, pid);
                    break status;
                }
            }
        };
        assert_eq!(status, WaitStatus::Signaled { sig: libc::SIGKILL, core: false });
        assert!(!e.with(|t| t.is_traced(pid)));
        assert_eq!(errno(e.wait_lwp(pid.0, WaitOptions::BLOCK)), Errno::ECHILD);
    }
}

#[test]
fn threads_born_signalled_and_joined_under_per_lwp_mode_run_to_the_end() {
    let e = Engine::new().unwrap();
    let (r, w) = pipe();
    inherit(&w);
    let env = env_with(&[("READY_FD", w.as_raw_fd().to_string())]);
    let pid = e.with(|t| t.spawn_env(&[busy(), "progress", "4", "30"], Some(&env))).unwrap();
    drop(w);
    assert_eq!(ewait(&e, pid), WaitStatus::Stopped(libc::SIGTRAP));
    e.with(|t| t.set_stop_mode(pid.into(), StopMode::Lwp)).unwrap();
    e.with(|t| t.resume(pid.into(), Resume::Continue, None, 0)).unwrap();
    let mut signals = 0;
    let status = loop {
        match wait_lwp(&e, pid) {
            LwpStatus::Stopped { lwp, sig, .. } => {
                // Each LWP's signal would come to us alone; pass it on.
                signals += 1;
                e.with(|t| t.resume(Target::Lwp(lwp), Resume::Continue, None, sig)).unwrap();
            }
            LwpStatus::Exited { status, .. } => break status,
        }
    };
    assert_eq!(status, WaitStatus::Exited(0));
    // Its SIGUSR1 (SIG_IGN) and SIGURG (ignored by default) are discarded
    // without a stop, as FreeBSD discards ignored signals.
    assert_eq!(signals, 0);
    let mut line = String::new();
    BufReader::new(std::fs::File::from(r)).read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "done");
}

#[test]
fn detaching_a_per_lwp_process_leaves_every_thread_running() {
    let e = Engine::new().unwrap();
    let c = counters(&e, 4);
    into_lwp_mode(&e, c.pid);
    let lwps = e.with(|t| t.lwp_list(c.pid.into())).unwrap();
    // Resume some, keep one collected: the detach must gather the rest.
    for l in &lwps[1..] {
        e.with(|t| t.resume(Target::Lwp(*l), Resume::ToSce, None, 0)).unwrap();
    }
    std::thread::sleep(Duration::from_millis(20));
    e.with(|t| t.detach(Target::Lwp(lwps[0]), 0)).unwrap();
    assert!(!e.with(|t| t.is_traced(c.pid)));
    // Every thread counts on (a stopped one never would; the deadline is
    // only for a loaded machine's scheduler).
    let a = read_counts(&c, 4);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        std::thread::sleep(Duration::from_millis(20));
        let b = read_counts(&c, 4);
        let stuck: Vec<i32> = a.iter().zip(&b).filter(|(x, y)| y.1 <= x.1).map(|(x, _)| x.0).collect();
        if stuck.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "threads {stuck:?} stopped after detach");
    }
    let status = std::fs::read_to_string(format!("/proc/{}/status", c.pid.0)).unwrap();
    assert_eq!(status.lines().find(|l| l.starts_with("TracerPid")).unwrap().split_whitespace().nth(1), Some("0"));
    unsafe { libc::kill(c.pid.0, libc::SIGKILL) };
    // The engine spawned it: its exit is still ours to reap.
    assert_eq!(ewait(&e, c.pid), WaitStatus::Signaled { sig: libc::SIGKILL, core: false });
}

#[test]
fn a_collected_lwp_event_can_be_discarded_and_the_lwp_stays_stopped() {
    let e = Engine::new().unwrap();
    let c = counters(&e, 2);
    // Only in the per-LWP mode, and only for a named LWP.
    assert_eq!(errno(e.with(|t| t.discard_lwp_event(c.pid.into()))), Errno::EINVAL);
    into_lwp_mode(&e, c.pid);
    let lwps = e.with(|t| t.lwp_list(c.pid.into())).unwrap();
    assert_eq!(errno(e.with(|t| t.discard_lwp_event(c.pid.into()))), Errno::EINVAL);
    let l = lwps[1];
    // Resume it and stop it alone: its interrupt is its event.
    e.with(|t| t.resume(Target::Lwp(l), Resume::Continue, None, 0)).unwrap();
    assert!(e.with(|t| t.interrupt(Target::Lwp(l))).unwrap());
    match wait_lwp(&e, c.pid) {
        LwpStatus::Stopped { lwp, .. } => assert_eq!(lwp, l),
        other => panic!("{other:?}"),
    }
    assert_eq!(e.with(|t| t.stop_event(Target::Lwp(l))).unwrap().1, Some(Event::Interrupt));
    e.with(|t| t.discard_lwp_event(Target::Lwp(l))).unwrap();
    // Dropped, still stopped and collected: requests work on it.
    assert_eq!(e.with(|t| t.stop_event(Target::Lwp(l))).unwrap().1, None);
    assert!(e.with(|t| t.get_regs(Target::Lwp(l))).is_ok());
    back_to_process_mode_and_kill(&e, c.pid);
}
