//! R2 (the tracee is killed during request bursts), R3's worker side (the
//! tracer is killed at a random point) and R4 (thread and fork storms).
//!
//! One round: start a tracee of a random kind (threads blocked or napping,
//! thread churn, a forker, an execer, everything at once) traced by
//! PT_TRACE_ME or PT_ATTACH, with fork following and LWP events on or off;
//! drive it through stops with bursts of requests; meanwhile a fatal signal
//! arrives (SIGKILL most often) at a random moment, at the process or at
//! one of its threads. The process's exit must be reported exactly once,
//! within the hang bar, and nothing may be left traced or stopped.

use crate::face::{Face, WaitHow};
use crate::fuzz::spawn_ready;
use crate::progress;
use crate::report::Report;
use crate::util::{self, errno_name};
use bsdtrace::abi::*;
use bsdtrace::WaitStatus;

pub const KINDS: &[&str] = &["mt", "churn", "forker", "execer", "mixed", "loop"];

/// The tracee kind and argv for a round.
fn kind(rng: &mut fastrand::Rng) -> (String, Vec<String>) {
    let k = KINDS[rng.usize(..KINDS.len())];
    let n = match k {
        "mt" => rng.usize(1..=32),
        "churn" => rng.usize(1..=4),
        "execer" => rng.usize(1..=6),
        _ => 0,
    };
    (format!("{k}{}", if n > 0 { format!("({n})") } else { String::new() }), vec![k.to_string(), n.to_string()])
}

const FATAL: &[i32] = &[
    libc::SIGKILL,
    libc::SIGKILL,
    libc::SIGKILL,
    libc::SIGKILL,
    libc::SIGTERM,
    libc::SIGSEGV,
    libc::SIGABRT,
    libc::SIGQUIT,
    libc::SIGUSR2,
    libc::SIGALRM,
    libc::SIGBUS,
];

/// How the tracee was started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    TraceMe,
    Attach,
}

/// Start a traced tracee; returns its pid (a stop to wait for is coming).
pub fn start(face: &mut dyn Face, start: Start, argv: &[String]) -> Result<i32, String> {
    let args: Vec<&str> = argv.iter().map(|s| s.as_str()).collect();
    match start {
        Start::TraceMe => Ok(face.spawn_traceme(&args)),
        Start::Attach => {
            let (pid, _) = spawn_ready(&args);
            let _c = progress::begin(|| format!("PT_ATTACH {pid}"));
            face.ptrace(PT_ATTACH, pid, 0, 0).map_err(|e| format!("PT_ATTACH {pid}: {}", errno_name(e)))?;
            Ok(pid)
        }
    }
}

fn lwpinfo(face: &mut dyn Face, pid: i32) -> Option<ptrace_lwpinfo> {
    let mut pl = bsdtrace::sys::zeroed_lwpinfo();
    // Watched like every call (a hang here went unseen, and the run never
    // ended).
    let _c = progress::begin(|| format!("PT_LWPINFO {pid}"));
    face.ptrace(PT_LWPINFO, pid, &mut pl as *mut _ as usize, std::mem::size_of::<ptrace_lwpinfo>() as i32).ok()?;
    Some(pl)
}

/// The signal to pass on at a stop: the one being delivered, at a signal
/// stop; none at an event stop.
fn pass_sig(pl: &Option<ptrace_lwpinfo>) -> i32 {
    match pl {
        Some(pl) if pl.pl_event == PL_EVENT_SIGNAL && pl.pl_flags & PL_FLAG_SI != 0 => {
            // SAFETY: the siginfo is filled at a signal event.
            let s = pl.pl_siginfo.si_signo;
            if s == libc::SIGSTOP {
                0
            } else {
                s
            }
        }
        _ => 0,
    }
}

/// A burst of harmless requests at a stop; every answer must be in its
/// FreeBSD set (the process may be dying: ESRCH is always allowed).
fn burst(face: &mut dyn Face, rng: &mut fastrand::Rng, pid: i32, report: &mut Report, ctx: &str) {
    let mut out = [0u64; 1024];
    let a = util::addrs();
    for _ in 0..rng.usize(0..6) {
        let (req, addr, data, allowed): (i32, usize, i32, &[i32]) = match rng.u32(..7) {
            0 => (PT_LWPINFO, out.as_mut_ptr() as usize, std::mem::size_of::<ptrace_lwpinfo>() as i32, &[]),
            1 => (PT_GETREGS, out.as_mut_ptr() as usize, 0, &[]),
            2 => (PT_GETLWPLIST, out.as_mut_ptr() as usize, 256, &[]),
            3 => (PT_READ_D, a.scratch as usize, 0, &[libc::ENOMEM]),
            4 => (PT_GET_SC_ARGS, out.as_mut_ptr() as usize, 64, &[libc::EINVAL]),
            5 => (PT_GETNUMLWPS, 0, 0, &[]),
            _ => (PT_VM_TIMESTAMP, 0, 0, &[]),
        };
        let r = {
            let _c = progress::begin(|| format!("{ctx} burst {} {pid}", crate::fuzz::req_name(req)));
            face.ptrace(req, pid, addr, data)
        };
        report.add("r2.requests", 1);
        if let Err(e) = r {
            if e != libc::ESRCH && !allowed.contains(&e) {
                report.defect("wrong-errno", format!("{ctx} {} on stopped {pid}: {}", crate::fuzz::req_name(req), errno_name(e)));
            }
        }
    }
}

/// The process's command line (it changes at each exec of an `execer`).
fn cmdline(pid: i32) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline")).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
}

/// Stops after the killer fired before a round that has not ended is
/// looked at: a fatal signal pending is delivered at the next stop or
/// two, so these are far more than enough.
const STOPS_AFTER_KILL: u64 = 2_000;

/// The killer fired `n` stops ago and the process lives on. A signal aimed
/// at one thread (tgkill) is that thread's alone until it is delivered:
/// if the thread dies first, it dies with it (Linux flushes a dead
/// thread's pending signals), and an execve kills every other thread. One
/// aimed at the process is taken by one thread, which holds it at its
/// signal-delivery-stop until the tracer resumes it: if an execve kills
/// that thread first, before the tracer collected the stop, the kernel
/// drops the signal and nobody can know (once the engine collected the
/// stop it puts the signal back: engine/stop.rs `requeue_after_exec`).
/// The round's tracee (an `execer` loops for ever at the end) would then
/// never die, the worker busy with its stops for ever, and no call slow
/// enough for the hang detector: R2's "runs that never end". So when the
/// aimed thread is gone, or an exec happened since the killer was armed,
/// the signal goes again, at the process (the killer does it too, between 20
/// and 200 ms after, for a tracee that makes no stops). Otherwise the signal was
/// lost by the tracer: a defect. A round that still does not end is a
/// hang; its tracee is killed.
#[allow(clippy::too_many_arguments)]
fn check_signal_landed(pid: i32, sig: i32, n: u64, aimed: &Option<(i32, String)>, resent: &mut bool, ended: &mut bool, report: &mut Report, ctx: &str) {
    if n < STOPS_AFTER_KILL {
        return;
    }
    let Some((tid, before)) = aimed else { return };
    if !*resent {
        *resent = true;
        let gone = *tid != 0 && !std::path::Path::new(&format!("/proc/{pid}/task/{tid}")).exists();
        if gone || cmdline(pid) != *before {
            report.add("r2.signal-lost-with-its-thread", 1);
        } else {
            let sigs = |t: i32| {
                let st = std::fs::read_to_string(format!("/proc/{pid}/task/{t}/status")).unwrap_or_default();
                let f: Vec<&str> = st.lines().filter(|l| ["State", "SigPnd", "ShdPnd", "SigBlk"].iter().any(|k| l.starts_with(k))).collect();
                f.join(" ").replace('\t', " ")
            };
            report.defect("lost", format!("{ctx}: the signal never took effect ({n} stops since; aimed at {}): {}", if *tid == 0 { format!("the process: {}", sigs(pid)) } else { format!("thread {tid}, alive: {}", sigs(*tid)) }, util::describe(pid)));
        }
        // SAFETY: plain call on our tracee.
        unsafe { libc::kill(pid, sig) };
    } else if n >= 10 * STOPS_AFTER_KILL {
        *ended = true;
        report.defect("hang", format!("{ctx}: the round does not end ({n} stops since the signal, sent again at the process): {}", util::describe(pid)));
        // SAFETY: plain call on our tracee.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
}

/// R2: `rounds` rounds starting at round `first` of `seed`.
pub fn kill_tracee(face: &mut dyn Face, seed: u64, first: u64, rounds: u64, report: &mut Report) {
    for round in first..first + rounds {
        progress::set_round(round);
        let mut rng = fastrand::Rng::with_seed(seed ^ round.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        progress::set_seed(seed);
        let (kname, argv) = kind(&mut rng);
        let how = if rng.u32(..3) == 0 { Start::Attach } else { Start::TraceMe };
        let follow = rng.bool();
        let lwp = rng.bool();
        let sig = FATAL[rng.usize(..FATAL.len())];
        let delay = rng.u64(..20_000);
        let at_thread = rng.u32(..3) == 0;
        let ctx = format!("face={} seed={seed} round={round} tracee={kname} start={how:?} follow={follow} lwp_events={lwp} sig={sig} after={delay}us", face.name());
        let pid = match start(face, how, &argv) {
            Ok(p) => p,
            Err(e) => {
                report.defect("unexpected", format!("{ctx}: {e}"));
                continue;
            }
        };
        progress::set_pids(&[pid]);
        let mut traced = vec![pid];
        let mut exited: Vec<i32> = vec![];
        let mut killer_started = false;
        let mut killer = 0;
        let mut main_status = None;
        let mut stops = 0u64;
        // The thread the signal is aimed at (0: the process), as it was
        // when the killer was armed: its tid, the process's command line.
        let mut aimed: Option<(i32, String)> = None;
        // Stops since the killer fired, and what was done about a round
        // that does not end.
        let mut after_kill: Option<u64> = None;
        let mut resent = false;
        let mut ended = false;
        loop {
            if main_status.is_some() && traced.is_empty() {
                break;
            }
            if main_status.is_some() {
                // The main process is gone: end its followed children.
                for &c in &traced {
                    // SAFETY: plain call on our tracee.
                    unsafe { libc::kill(c, libc::SIGKILL) };
                }
            }
            let r = {
                let _c = progress::begin(|| format!("{ctx} wait(-1) after {stops} stops"));
                face.wait(-1, false, WaitHow::Waitpid)
            };
            match r {
                Ok(Some((p, WaitStatus::Stopped(_)))) => {
                    stops += 1;
                    if !traced.contains(&p) {
                        if exited.contains(&p) {
                            report.defect("unexpected", format!("{ctx}: stop of {p} after its exit"));
                        }
                        traced.push(p);
                    }
                    if !killer_started && p == pid {
                        // First stop: configure, then arm the killer.
                        let _c = progress::begin(|| format!("{ctx} configure {pid}"));
                        let _ = face.ptrace(PT_FOLLOW_FORK, pid, 0, follow as i32);
                        let _ = face.ptrace(PT_LWP_EVENTS, pid, 0, lwp as i32);
                        let tid = if at_thread {
                            let th = util::thread_states(pid);
                            th.get(rng.usize(..th.len().max(1))).map(|t| t.0).unwrap_or(0)
                        } else {
                            0
                        };
                        aimed = Some((tid, cmdline(pid)));
                        killer = util::killer(pid, tid, sig, delay);
                        killer_started = true;
                    }
                    if let Some(n) = after_kill.as_mut() {
                        *n += 1;
                        let n = *n;
                        if main_status.is_none() && !ended {
                            check_signal_landed(pid, sig, n, &aimed, &mut resent, &mut ended, report, &ctx);
                        }
                    }
                    burst(face, &mut rng, p, report, &ctx);
                    let pl = lwpinfo(face, p);
                    let s = pass_sig(&pl);
                    let req = if rng.u32(..3) == 0 { PT_SYSCALL } else { PT_CONTINUE };
                    let r = {
                        let _c = progress::begin(|| format!("{ctx} resume {p}"));
                        face.ptrace(req, p, 1, s)
                    };
                    if let Err(e) = r {
                        if e != libc::ESRCH {
                            report.defect("wrong-errno", format!("{ctx}: resume of stopped {p}: {}", errno_name(e)));
                        }
                    }
                }
                Ok(Some((p, st @ (WaitStatus::Exited(_) | WaitStatus::Signaled { .. })))) => {
                    if p == killer {
                        killer = 0;
                        after_kill = Some(0);
                        continue;
                    }
                    if exited.contains(&p) {
                        report.defect("doubled", format!("{ctx}: exit of {p} reported twice ({st:?})"));
                        continue;
                    }
                    exited.push(p);
                    traced.retain(|x| *x != p);
                    if p == pid {
                        main_status = Some(st);
                    }
                }
                Ok(Some((p, st))) => {
                    if p != killer {
                        report.defect("unexpected", format!("{ctx}: wait reported {st:?} for {p}"));
                    }
                }
                Ok(None) => report.defect("unexpected", format!("{ctx}: blocking wait returned nothing")),
                Err(libc::ECHILD) => {
                    if main_status.is_none() || !traced.is_empty() {
                        report.defect("lost", format!("{ctx}: ECHILD; exits never reported: main {} children {traced:?}", main_status.map_or("missing".into(), |s| format!("{s:?}"))));
                    }
                    break;
                }
                Err(e) => {
                    report.defect("wrong-errno", format!("{ctx}: wait(-1): {}", errno_name(e)));
                    break;
                }
            }
        }
        if killer > 0 {
            let _c = progress::begin(|| format!("{ctx} reap killer"));
            let _ = face.wait(killer, false, WaitHow::Waitpid);
        }
        if let Some(WaitStatus::Exited(c)) = main_status {
            // Only an exec that failed or a mode that ended would exit.
            report.add(&format!("r2.exited-{c}"), 1);
        }
        // Nothing of this round may stay traced or stopped.
        for p in exited.iter().chain(traced.iter()) {
            if let Some(i) = util::proc_info(*p) {
                if i.tracer != 0 || matches!(i.state, 't' | 'T') {
                    report.defect(if i.tracer != 0 { "left-traced" } else { "left-stopped" }, format!("{ctx}: {}", util::describe(*p)));
                }
            }
        }
        report.add(&format!("r2.{}.rounds", face.name()), 1);
        report.add("r2.stops", stops);
    }
}

/// R3, one round in a worker that will be SIGKILLed: start a tracee,
/// arm a killer aimed at ourselves, and trace until it fires.
pub fn kill_tracer(face: &mut dyn Face, seed: u64, round: u64, avoid: &[u32]) -> ! {
    let mut rng = fastrand::Rng::with_seed(seed ^ round.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5bd1);
    let (name, argv) = kind(&mut rng);
    let mut how = if rng.u32(..3) == 0 { Start::Attach } else { Start::TraceMe };
    if avoid.contains(&13) && argv[0] == "execer" {
        // PT_ATTACH racing the execer's execve may answer EPERM (open
        // defect 13): that tracee is traced from PT_TRACE_ME instead.
        how = Start::TraceMe;
    }
    let delay = if rng.u32(..4) == 0 { rng.u64(..500) } else { rng.u64(..30_000) };
    let follow = rng.bool();
    // The killer is armed before the tracee starts: the window right after
    // the fork (PT_TRACE_ME adoption) is one of the interesting ones.
    let me = std::process::id() as i32;
    let pid = match start(face, how, &argv) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e} (a tracee {name})");
            // SAFETY: plain call.
            unsafe { libc::_exit(3) };
        }
    };
    println!("TRACEE {pid} {}", if how == Start::Attach { "attached" } else { "spawned" });
    use std::io::Write;
    let _ = std::io::stdout().flush();
    // Armed once the tracee is ours (after its PT_TRACE_ME, or the
    // attach): from here on FreeBSD kills it with us. (Before, a child
    // that has not yet asked to be traced would rightly survive.)
    util::killer(me, 0, libc::SIGKILL, delay);
    let mut configured = false;
    loop {
        match face.wait(-1, false, WaitHow::Waitpid) {
            Ok(Some((p, WaitStatus::Stopped(_)))) => {
                if !configured && p == pid {
                    let _ = face.ptrace(PT_FOLLOW_FORK, pid, 0, follow as i32);
                    configured = true;
                }
                let pl = lwpinfo(face, p);
                let _ = face.ptrace(if rng.bool() { PT_SYSCALL } else { PT_CONTINUE }, p, 1, pass_sig(&pl));
            }
            Ok(_) => {}
            Err(_) => util::sleep_us(100),
        }
    }
}

/// R4: a tracee with `threads` churning threads (each creating and joining
/// `per` short threads) that forks `forks` children, then execs from a
/// thread that is not the leader. Every event must be reported: each fork
/// (FORKED), each child (its first stop and its exit), each thread birth
/// (BORN), the exec, and the final exit (42).
pub fn stress(face: &mut dyn Face, threads: u32, per: u32, forks: u32, report: &mut Report) {
    let ctx = format!("face={} backend={} threads={threads} per={per} forks={forks}", face.name(), std::env::var("BSDTRACE_BACKEND").unwrap_or_else(|_| "default".into()));
    let argv = vec!["stress".to_string(), threads.to_string(), per.to_string(), forks.to_string()];
    let pid = match start(face, Start::TraceMe, &argv) {
        Ok(p) => p,
        Err(e) => return report.defect("unexpected", format!("{ctx}: {e}")),
    };
    let (mut forked, mut child_stops, mut child_exits, mut born, mut execs) = (0u32, 0u32, 0u32, 0u32, 0u32);
    let mut children: Vec<i32> = vec![];
    let mut first = true;
    let final_status;
    loop {
        let r = {
            let _c = progress::begin(|| format!("{ctx} wait(-1): forked {forked} children {child_stops}/{child_exits} born {born} execs {execs}"));
            face.wait(-1, false, WaitHow::Waitpid)
        };
        match r {
            Ok(Some((p, WaitStatus::Stopped(_)))) => {
                // The first stop is the PT_TRACE_ME child's own exec
                // (PL_FLAG_EXEC, as on FreeBSD): not the one counted.
                let first_stop = first && p == pid;
                if first_stop {
                    first = false;
                    let _ = face.ptrace(PT_FOLLOW_FORK, pid, 0, 1);
                    let _ = face.ptrace(PT_LWP_EVENTS, pid, 0, 1);
                }
                let pl = lwpinfo(face, p);
                if let Some(pl) = &pl {
                    let f = pl.pl_flags;
                    if first_stop {
                        if f & PL_FLAG_EXEC == 0 {
                            report.defect("unexpected", format!("{ctx}: the first stop (the exec) has no PL_FLAG_EXEC (flags {f:#x})"));
                        }
                    } else if p == pid {
                        if f & PL_FLAG_FORKED != 0 {
                            forked += 1;
                        }
                        if f & PL_FLAG_BORN != 0 {
                            born += 1;
                        }
                        if f & PL_FLAG_EXEC != 0 {
                            execs += 1;
                        }
                    } else if f & PL_FLAG_CHILD != 0 {
                        child_stops += 1;
                        children.push(p);
                    }
                }
                let r = {
                    let _c = progress::begin(|| format!("{ctx} PT_CONTINUE {p}"));
                    face.ptrace(PT_CONTINUE, p, 1, pass_sig(&pl))
                };
                if let Err(e) = r {
                    report.defect("wrong-errno", format!("{ctx}: PT_CONTINUE of stopped {p}: {}", errno_name(e)));
                }
            }
            Ok(Some((p, st))) => {
                if p == pid {
                    final_status = Some(st);
                    break;
                }
                if children.contains(&p) {
                    child_exits += 1;
                } else {
                    report.defect("unexpected", format!("{ctx}: {st:?} of unknown {p}"));
                }
            }
            Ok(None) => {}
            Err(e) => {
                report.defect("lost", format!("{ctx}: wait(-1) {} before the tracee's exit", errno_name(e)));
                final_status = None;
                break;
            }
        }
    }
    // Children still to come (their exits may trail the parent's).
    while child_exits < child_stops {
        let r = {
            let _c = progress::begin(|| format!("{ctx} collecting child exits {child_exits}/{child_stops}"));
            face.wait(-1, false, WaitHow::Waitpid)
        };
        match r {
            Ok(Some((p, WaitStatus::Exited(_) | WaitStatus::Signaled { .. }))) if children.contains(&p) => child_exits += 1,
            Ok(Some((p, WaitStatus::Stopped(_)))) => {
                let _ = face.ptrace(PT_CONTINUE, p, 1, 0);
            }
            _ => break,
        }
    }
    let want_born = threads + threads * per + threads + 1;
    let mut miss = vec![];
    if final_status != Some(WaitStatus::Exited(42)) {
        miss.push(format!("final status {final_status:?}, not Exited(42)"));
    }
    if execs != 1 {
        miss.push(format!("{execs} exec events, not 1"));
    }
    if forked != forks || child_stops != forks || child_exits != forks {
        miss.push(format!("forks {forked}/{forks} FORKED, {child_stops} child stops, {child_exits} child exits"));
    }
    if born != want_born {
        miss.push(format!("{born} BORN events, not {want_born}"));
    }
    if !miss.is_empty() {
        report.defect("lost", format!("{ctx}: {}", miss.join("; ")));
    }
    report.add(&format!("r4.{}.runs", face.name()), 1);
    report.add("r4.events", (forked + child_stops + child_exits + born + execs) as u64);
}
