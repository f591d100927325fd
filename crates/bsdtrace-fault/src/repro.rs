//! Reproducers of the defects issue 11 lists, one per number:
//! `bsdtrace-fault repro N [--rounds R]` runs it supervised (the 5 s hang
//! detector included) and exits 0 when the defect did not show, 1 with a
//! description when it did. `crates/bsdtrace-fault/tests/defects.rs` runs
//! each as a test.

use crate::face::{CFace, Face, RustFace, WaitHow};
use crate::fuzz::spawn_ready;
use crate::progress;
use crate::report::Report;
use crate::rounds;
use crate::supervise::{End, Expect, Supervisor};
use crate::util::{self, errno_name};
use bsdtrace::abi::*;
use bsdtrace::WaitStatus;
use std::process::Command;

/// What each reproducer is about, for the summary.
pub const ABOUT: &[(&str, &str)] = &[
    ("1", "SIGKILL of a multithreaded tracee can hang the tracer"),
    ("2", "PT_DETACH with a fatal signal on a multithreaded process leaves a zombie"),
    ("3", "PT_SC_REMOTE when the PC is not executable livelocks"),
    ("4", "a WNOHANG wait blocks (PT_TRACE_ME adoption of a child that is continued meanwhile)"),
    ("5", "a PT_TRACE_ME child dying at its first stop loses its exit"),
    ("6", "SIGKILL racing PT_ATTACH reports the exit twice"),
    ("7", "tracer SIGKILLed in the PT_TRACE_ME adoption window leaves the child stopped or untraced"),
    ("8", "engine-thread mode drops a non-leader exec event at 512 threads"),
    ("9", "a waitid() that reports nothing marks a pending stop as waited"),
];

fn default_rounds(n: &str) -> u64 {
    match n {
        "1" => 300,
        "2" => 60,
        "3" => 5,
        "4" => 200,
        "5" => 300,
        "6" => 300,
        "7" => 150,
        "8" => 12,
        _ => 20,
    }
}

/// `repro N [--face F]`: run the reproducer under the supervisor (on one
/// face, or each it applies to), print what it found.
pub fn main(n: &str, rounds: Option<u64>, only: Option<&str>) -> i32 {
    let Some((_, about)) = ABOUT.iter().find(|(k, _)| *k == n) else {
        eprintln!("repro: no defect {n}; known: {}", ABOUT.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(" "));
        return 2;
    };
    let rounds = rounds.unwrap_or_else(|| default_rounds(n));
    let exe = std::env::current_exe().expect("current_exe");
    let mut sup = Supervisor::new();
    let mut total = Report::default();
    let faces: &[&str] = match n {
        "1" | "2" | "4" | "5" | "6" => &["rust", "c"],
        "3" => &["rust", "c"],
        "7" => &["rust", "c"],
        "8" => &["c", "c-doorbell", "rust"],
        _ => &["c"],
    };
    for f in faces.iter().filter(|f| only.is_none_or(|o| o == **f)) {
        if n == "7" {
            // One tracer process per round: each is killed.
            for round in 0..rounds {
                let mut c = Command::new(&exe);
                c.args(["repro-worker", n, "--face", f, "--round", &round.to_string()]);
                crate::backend_env(&mut c, f);
                total.merge(&sup.run(c, &format!("repro 7 face={f} round={round}"), End::Killed, Expect::AllGone, None, None));
            }
            continue;
        }
        let mut c = Command::new(&exe);
        c.args(["repro-worker", n, "--face", f, "--rounds", &rounds.to_string()]);
        crate::backend_env(&mut c, f);
        total.merge(&sup.run(c, &format!("repro {n} face={f}"), End::Clean, Expect::AllGone, None, None));
    }
    if total.defects.is_empty() {
        println!("issue 11 #{n} ({about}): not reproduced in {rounds} rounds");
        0
    } else {
        println!("issue 11 #{n} ({about}): REPRODUCED");
        for (k, d) in &total.defects {
            println!("DEFECT {k}\t{d}");
        }
        1
    }
}

fn face(name: &str) -> Box<dyn Face> {
    match name {
        "rust" => Box::new(RustFace::new()),
        _ => Box::new(CFace::new().expect("libbsdtrace")),
    }
}

/// The worker side: `repro-worker N --face F --rounds R [--round I]`.
pub fn worker(n: &str, f: &str, rounds: u64, round: u64) {
    let mut fc = face(f);
    let face = fc.as_mut();
    let mut r = Report::default();
    match n {
        "1" => one(face, rounds, &mut r),
        "2" => two(face, rounds, &mut r),
        "3" => three(face, rounds, &mut r),
        "4" => four(face, rounds, &mut r),
        "5" => five(face, rounds, &mut r),
        "6" => six(face, rounds, &mut r),
        "7" => seven(face, round),
        "8" => {
            // 512 threads, each making one short thread, then 512 kept
            // alive across the exec of a thread that is not the leader.
            // (It ran `stress 512 0 0`, and 0 short threads per churner
            // means churning for ever: the tracee never exec'd.)
            for _ in 0..rounds {
                rounds::stress(face, 512, 1, 0, &mut r);
            }
        }
        "9" => nine(face, rounds, &mut r),
        _ => {}
    }
    r.emit_stats();
}

/// Wait for `pid` (blocking, watched) until its exit; returns the exit, or
/// records what went wrong. Stops are continued (passing signals on).
fn until_exit(face: &mut dyn Face, pid: i32, ctx: &str, r: &mut Report) -> Option<WaitStatus> {
    loop {
        let w = {
            let _c = progress::begin(|| format!("{ctx}: wait({pid})"));
            face.wait(pid, false, WaitHow::Waitpid)
        };
        match w {
            Ok(Some((_, WaitStatus::Stopped(_)))) => {
                let _c = progress::begin(|| format!("{ctx}: PT_CONTINUE {pid}"));
                let _ = face.ptrace(PT_CONTINUE, pid, 1, 0);
            }
            Ok(Some((_, st))) => return Some(st),
            Ok(None) => {}
            Err(e) => {
                r.defect("lost", format!("{ctx}: wait({pid}) {} before its exit was reported", errno_name(e)));
                return None;
            }
        }
    }
}

/// #1: a tracee creating threads all the time, traced with LWP events,
/// SIGKILLed at a random moment; its exit must come, and the tracer must
/// be able to go on.
fn one(face: &mut dyn Face, rounds: u64, r: &mut Report) {
    let mut rng = fastrand::Rng::with_seed(11);
    for round in 0..rounds {
        progress::set_round(round);
        let ctx = format!("#1 face={} round={round}", face.name());
        let pid = face.spawn_traceme(&["churn", "4"]);
        let mut armed = false;
        let mut killer = 0;
        loop {
            let w = {
                let _c = progress::begin(|| format!("{ctx}: wait(-1) after SIGKILL"));
                face.wait(-1, false, WaitHow::Waitpid)
            };
            match w {
                Ok(Some((p, WaitStatus::Stopped(_)))) if p == pid => {
                    if !armed {
                        let _ = face.ptrace(PT_LWP_EVENTS, pid, 0, rng.i32(0..2));
                        killer = util::killer(pid, 0, libc::SIGKILL, rng.u64(..5000));
                        armed = true;
                    }
                    let _c = progress::begin(|| format!("{ctx}: PT_CONTINUE"));
                    let _ = face.ptrace(PT_CONTINUE, pid, 1, 0);
                }
                Ok(Some((p, _))) if p == killer => killer = 0,
                Ok(Some((p, st))) if p == pid => {
                    if !matches!(st, WaitStatus::Signaled { sig: libc::SIGKILL, .. }) {
                        r.defect("unexpected", format!("{ctx}: exit {st:?}, not SIGKILL"));
                    }
                    break;
                }
                Ok(_) => {}
                Err(e) => {
                    r.defect("lost", format!("{ctx}: wait(-1) {} before the exit", errno_name(e)));
                    break;
                }
            }
        }
        if killer > 0 {
            let _ = face.wait(killer, false, WaitHow::Waitpid);
        }
        r.add("repro.rounds", 1);
    }
}

/// #2: stop a multithreaded tracee (our child), detach it with SIGTERM:
/// it must die and its exit reach us, its parent.
fn two(face: &mut dyn Face, rounds: u64, r: &mut Report) {
    for round in 0..rounds {
        progress::set_round(round);
        let ctx = format!("#2 face={} round={round}", face.name());
        let pid = face.spawn_traceme(&["mt", "64"]);
        let w = {
            let _c = progress::begin(|| format!("{ctx}: first stop"));
            face.wait(pid, false, WaitHow::Waitpid)
        };
        if !matches!(w, Ok(Some((_, WaitStatus::Stopped(_))))) {
            r.defect("unexpected", format!("{ctx}: first wait {w:?}"));
            continue;
        }
        // Let the threads start, then stop it again.
        let _ = face.ptrace(PT_CONTINUE, pid, 1, 0);
        util::sleep_us(3000);
        let _ = face.stop(pid);
        loop {
            let w = {
                let _c = progress::begin(|| format!("{ctx}: stop"));
                face.wait(pid, false, WaitHow::Waitpid)
            };
            if let Ok(Some((_, WaitStatus::Stopped(_)))) = w {
                break;
            }
        }
        let d = {
            let _c = progress::begin(|| format!("{ctx}: PT_DETACH SIGTERM"));
            face.ptrace(PT_DETACH, pid, 1, libc::SIGTERM)
        };
        if let Err(e) = d {
            r.defect("wrong-errno", format!("{ctx}: PT_DETACH: {}", errno_name(e)));
        }
        match until_exit(face, pid, &ctx, r) {
            Some(WaitStatus::Signaled { sig: libc::SIGTERM, .. }) | None => {}
            Some(st) => r.defect("unexpected", format!("{ctx}: exit {st:?}, not SIGTERM")),
        }
        r.add("repro.rounds", 1);
    }
}

/// #3: PT_SC_REMOTE in a process stopped at a PC that cannot run code.
fn three(face: &mut dyn Face, rounds: u64, r: &mut Report) {
    for round in 0..rounds {
        for mode in ["jump_data", "jump_unmapped"] {
            let ctx = format!("#3 face={} round={round} {mode}", face.name());
            let pid = face.spawn_traceme(&[mode]);
            let _ = face.wait(pid, false, WaitHow::Waitpid);
            let _ = face.ptrace(PT_CONTINUE, pid, 1, 0);
            let w = face.wait(pid, false, WaitHow::Waitpid);
            if w != Ok(Some((pid, WaitStatus::Stopped(libc::SIGSEGV)))) {
                r.defect("unexpected", format!("{ctx}: {w:?}, not a SIGSEGV stop"));
                continue;
            }
            let mut args = [0u64; 8];
            let sc: [u64; 5] = [0, 0, 0, libc::SYS_getpid as u64, args.as_mut_ptr() as u64];
            let res = {
                let _c = progress::begin(|| format!("{ctx}: PT_SC_REMOTE getpid"));
                face.ptrace(PT_SC_REMOTE, pid, sc.as_ptr() as usize, 40)
            };
            match res {
                Ok(_) if sc[0] as i64 == pid as i64 && sc[2] as u32 == 0 => {}
                Ok(_) => r.defect("unexpected", format!("{ctx}: getpid() gave {:?}", &sc[..3])),
                Err(e) => r.defect("wrong-errno", format!("{ctx}: PT_SC_REMOTE: {}", errno_name(e))),
            }
            let _ = face.wait(pid, false, WaitHow::Waitpid);
            let _ = face.ptrace(PT_KILL, pid, 0, 0);
            until_exit(face, pid, &ctx, r);
        }
        r.add("repro.rounds", 1);
    }
}

/// #4: a PT_TRACE_ME child whose own untraced thread sends SIGCONT to the
/// process all the time; WNOHANG waits must never block.
fn four(face: &mut dyn Face, rounds: u64, r: &mut Report) {
    let argv = util::Argv::tracee(&["traceme_spam"]);
    for round in 0..rounds {
        progress::set_round(round);
        let ctx = format!("#4 face={} round={round}", face.name());
        let pid = util::fork_with(|| argv.exec());
        let mut stopped = false;
        for _ in 0..20_000 {
            let w = {
                let _c = progress::begin(|| format!("{ctx}: waitpid({pid}, WNOHANG)"));
                face.wait(pid, true, WaitHow::Waitpid)
            };
            match w {
                Ok(Some((_, WaitStatus::Stopped(_)))) => {
                    stopped = true;
                    break;
                }
                Ok(Some((_, st))) => {
                    r.defect("unexpected", format!("{ctx}: {st:?} before the first stop"));
                    break;
                }
                Ok(None) => util::sleep_us(50),
                Err(e) => {
                    r.defect("lost", format!("{ctx}: waitpid: {}", errno_name(e)));
                    break;
                }
            }
        }
        if stopped {
            let _ = face.ptrace(PT_KILL, pid, 0, 0);
        } else {
            // SAFETY: plain call on our child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        until_exit(face, pid, &ctx, r);
        r.add("repro.rounds", 1);
    }
}

/// #5: a PT_TRACE_ME child SIGKILLed around its first stop (the exec's, or
/// its own SIGSTOP): the exit must be reported.
fn five(face: &mut dyn Face, rounds: u64, r: &mut Report) {
    let mut rng = fastrand::Rng::with_seed(5);
    for round in 0..rounds {
        progress::set_round(round);
        let mode = if rng.bool() { "sigstop" } else { "loop" };
        let delay = rng.u64(..800);
        let ctx = format!("#5 face={} round={round} tracee={mode} kill after {delay}us", face.name());
        let pid = face.spawn_traceme(&[mode]);
        let killer = util::killer(pid, 0, libc::SIGKILL, delay);
        match until_exit(face, pid, &ctx, r) {
            Some(WaitStatus::Signaled { sig: libc::SIGKILL, .. }) | None => {}
            Some(st) => r.defect("unexpected", format!("{ctx}: exit {st:?}")),
        }
        let _ = face.wait(killer, false, WaitHow::Waitpid);
        r.add("repro.rounds", 1);
    }
}

/// #6: PT_ATTACH racing a SIGKILL of a multithreaded child of ours: one
/// exit, reported once.
fn six(face: &mut dyn Face, rounds: u64, r: &mut Report) {
    let mut rng = fastrand::Rng::with_seed(6);
    for round in 0..rounds {
        progress::set_round(round);
        let ctx = format!("#6 face={} round={round}", face.name());
        let (pid, _) = spawn_ready(&["mt", "6"]);
        let killer = util::killer(pid, 0, libc::SIGKILL, rng.u64(..300));
        let a = {
            let _c = progress::begin(|| format!("{ctx}: PT_ATTACH"));
            face.ptrace(PT_ATTACH, pid, 0, 0)
        };
        if let Err(e) = a {
            if e != libc::ESRCH {
                r.defect("wrong-errno", format!("{ctx}: PT_ATTACH: {}", errno_name(e)));
            }
        }
        until_exit(face, pid, &ctx, r);
        let _ = face.wait(killer, false, WaitHow::Waitpid);
        // Nothing more for that pid.
        for _ in 0..3 {
            util::sleep_us(200);
            let again = {
                let _c = progress::begin(|| format!("{ctx}: waitpid again"));
                face.wait(-1, true, WaitHow::Waitpid)
            };
            if let Ok(Some((p, st))) = again {
                if p == pid {
                    r.defect("doubled", format!("{ctx}: exit of {pid} reported again ({st:?})"));
                }
            }
        }
        r.add("repro.rounds", 1);
    }
}

/// #7: one round: fork a PT_TRACE_ME child, arm a killer aimed at
/// ourselves, and wait: the child must die with us.
fn seven(face: &mut dyn Face, round: u64) -> ! {
    let mut rng = fastrand::Rng::with_seed(7 ^ round.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let mode = if rng.bool() { "sigstop" } else { "loop" };
    let pid = face.spawn_traceme(&[mode]);
    util::killer(std::process::id() as i32, 0, libc::SIGKILL, rng.u64(..1500));
    let _ = pid;
    loop {
        match face.wait(-1, false, WaitHow::Waitpid) {
            Ok(Some((p, WaitStatus::Stopped(_)))) => {
                let _ = face.ptrace(PT_CONTINUE, p, 1, 0);
            }
            Ok(_) => {}
            Err(_) => util::sleep_us(100),
        }
    }
}

/// #9: a waitid() that reports nothing must leave a pending stop pending.
fn nine(face: &mut dyn Face, rounds: u64, r: &mut Report) {
    let continued = false;
    if face.name() != "c" {
        return;
    }
    for round in 0..rounds {
        let ctx = format!("#9{} face=c round={round}", if continued { "b" } else { "" });
        let pid = face.spawn_traceme(&["sigstop"]);
        if continued {
            // Take the first stop (the engine adopts the child), then ask
            // for "continued" statuses: nothing was continued.
            let w = face.wait(pid, false, WaitHow::Waitpid);
            if !matches!(w, Ok(Some((_, WaitStatus::Stopped(_))))) {
                r.defect("unexpected", format!("{ctx}: first wait {w:?}"));
            }
            util::sleep_us(2000);
            if let Ok(Some((p, st))) = face.wait(pid, true, WaitHow::WaitidContinuedOnly) {
                r.defect("unexpected", format!("{ctx}: waitid(WCONTINUED) reported {st:?} for the PT_TRACE_ME child {p}, which nothing continued"));
            }
            let _ = face.ptrace(PT_KILL, pid, 0, 0);
            until_exit(face, pid, &ctx, r);
            r.add("repro.rounds", 1);
            continue;
        }
        // Until it sits in its first stop (the kernel has the status).
        for _ in 0..100_000 {
            if util::proc_info(pid).is_some_and(|i| i.state == 't') {
                break;
            }
            util::sleep_us(50);
        }
        let w = {
            let _c = progress::begin(|| format!("{ctx}: waitid(WCONTINUED|WNOHANG)"));
            face.wait(pid, true, WaitHow::WaitidContinuedOnly)
        };
        if let Ok(Some(x)) = w {
            r.defect("unexpected", format!("{ctx}: waitid(WCONTINUED|WNOHANG) gave {x:?}"));
        }
        if !continued {
            // The stop was not reported: FreeBSD answers EBUSY.
            match face.ptrace(PT_GETNUMLWPS, pid, 0, 0) {
                Err(libc::EBUSY) => {}
                other => r.defect("wrong-success", format!("{ctx}: PT_GETNUMLWPS before the stop was waited for: {other:?}, FreeBSD says EBUSY")),
            }
        }
        match face.wait(pid, false, WaitHow::Waitpid) {
            Ok(Some((_, WaitStatus::Stopped(_)))) => {}
            other => r.defect("lost", format!("{ctx}: the first stop was not reported: {other:?}")),
        }
        let _ = face.ptrace(PT_KILL, pid, 0, 0);
        until_exit(face, pid, &ctx, r);
        r.add("repro.rounds", 1);
    }
}

