//! `bsdtrace-fault`: bsdtrace's fault and fuzz suite (issue 11).
//!
//! ```text
//! bsdtrace-fault run [--long] [--seed S] [--only r1,r2,r3,r4] [--faces LIST] [-v]
//!                                      the suite, supervised; prints a summary
//! bsdtrace-fault repro N [--rounds R] [--face rust|c]  the reproducer of issue 11's defect N
//! bsdtrace-fault fuzz|kill-tracee|kill-tracer|stress ...   one worker (run by `run`)
//! ```
//!
//! `run` without `--long` is the bounded form CI runs; `--long` is the one
//! docs/RELIABILITY.md reports. The exit status is 0 when no defect was
//! found. See docs/RELIABILITY.md.

mod cface;
mod face;
mod fuzz;
mod progress;
mod repro;
mod report;
mod rounds;
mod supervise;
mod util;

use face::{CFace, Face, RustFace};
use report::Report;
use std::process::Command;
use std::time::{Duration, Instant};
use supervise::{End, Expect, Supervisor};

struct Args(Vec<String>);

impl Args {
    fn flag(&mut self, name: &str) -> bool {
        let n = self.0.len();
        self.0.retain(|a| a != name);
        n != self.0.len()
    }

    fn opt(&mut self, name: &str) -> Option<String> {
        let i = self.0.iter().position(|a| a == name)?;
        self.0.remove(i);
        (i < self.0.len()).then(|| self.0.remove(i))
    }

    fn num(&mut self, name: &str, default: u64) -> u64 {
        self.opt(name).map(|v| v.parse().unwrap_or_else(|_| die(&format!("{name}: not a number: {v}")))).unwrap_or(default)
    }
}

fn die(msg: &str) -> ! {
    eprintln!("bsdtrace-fault: {msg}");
    std::process::exit(2);
}

/// `--avoid 1,9`: issue 11 defects (still open) whose triggers are left
/// out, each covered by its own reproducer.
fn avoid_list(a: &mut Args) -> Vec<u32> {
    a.opt("--avoid").map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect()).unwrap_or_default()
}

fn face(name: &str) -> Box<dyn Face> {
    match name {
        "c" => Box::new(CFace::new().unwrap_or_else(|e| die(&e))),
        "rust" => Box::new(RustFace::new()),
        other => die(&format!("unknown face {other} (c, rust)")),
    }
}

/// The environment of a worker for `face`: libbsdtrace's wake-up backend
/// (docs/c-api.md, "Threads"): "c-doorbell" the doorbell and its watcher
/// thread, any other face the default (io_uring where the kernel has it).
pub fn backend_env(c: &mut std::process::Command, face: &str) {
    if face == "c-doorbell" {
        c.env("BSDTRACE_BACKEND", "doorbell");
    } else {
        c.env_remove("BSDTRACE_BACKEND");
    }
}

/// One fuzzing worker: `calls` calls through `face`, then its counts on stdout.
fn fuzz_worker(face: &mut dyn Face, cfg: fuzz::Config, calls: u64) {
    let mut fz = fuzz::Fuzz::new(face, &cfg);
    fz.run(calls);
    fz.report.emit_stats();
}

fn main() {
    let mut a = Args(std::env::args().skip(1).collect());
    if a.0.is_empty() {
        die("usage: bsdtrace-fault run [--long] [--seed S] [--only r1,r2,r3,r4] | repro N | fuzz | kill-tracee | kill-tracer | stress");
    }
    let sub = a.0.remove(0);
    // Build the tracee before anything forks.
    let _ = util::tracee();
    let _ = util::addrs();
    if !matches!(sub.as_str(), "run" | "repro" | "ring-decode") {
        // A worker: a supervisor's SIGUSR2 at a hang dumps the rings.
        cface::install_hang_dump();
    }
    match sub.as_str() {
        "run" => std::process::exit(run(a)),
        "ring-decode" => {
            let f = a.0.first().cloned().unwrap_or_else(|| die("ring-decode FILE"));
            let raw = std::fs::read(&f).unwrap_or_else(|e| die(&format!("{f}: {e}")));
            print!("{}", cface::decode_hang_dump(&raw));
        }
        "repro" => {
            let n = a.0.first().cloned().unwrap_or_else(|| die("repro N"));
            a.0.remove(0);
            let rounds = a.opt("--rounds").map(|r| r.parse().unwrap_or(0));
            let only = a.opt("--face");
            std::process::exit(repro::main(&n, rounds, only.as_deref()));
        }
        "fuzz" => {
            let f = a.opt("--face").unwrap_or_else(|| "c".into());
            let seed = a.num("--seed", 1);
            let calls = a.num("--calls", 1000);
            let avoid = avoid_list(&mut a);
            let mut fc = face(&f);
            fuzz_worker(fc.as_mut(), fuzz::Config { seed, nobody: false, avoid }, calls);
        }
        "fuzz-nobody" => {
            // Fork, drop to nobody, fuzz; the child's stdout is ours.
            let f = a.opt("--face").unwrap_or_else(|| "c".into());
            let seed = a.num("--seed", 1);
            let calls = a.num("--calls", 1000);
            let avoid = avoid_list(&mut a);
            let mut fc = face(&f);
            // SAFETY: fork in a single-threaded worker.
            let pid = unsafe { libc::fork() };
            if pid == 0 {
                // (The handler, and its file's name, are the parent's.)
                if !util::become_nobody() {
                    // SAFETY: plain call.
                    unsafe { libc::_exit(120) };
                }
                fuzz_worker(fc.as_mut(), fuzz::Config { seed, nobody: true, avoid }, calls);
                // SAFETY: plain call (skip our parent's atexit work).
                unsafe { libc::_exit(0) };
            }
            cface::forward_hang_dump(pid);
            let st = util::raw_wait(pid, 0).map(|(_, s)| s).unwrap_or(-1);
            if !(libc::WIFEXITED(st) && libc::WEXITSTATUS(st) == 0) {
                println!("DEFECT crash\tface={f} user=nobody seed={seed}: the nobody fuzzer ended with status {st:#x}");
            }
        }
        "repro-worker" => {
            let n = a.0.first().cloned().unwrap_or_else(|| die("repro-worker N"));
            a.0.remove(0);
            let f = a.opt("--face").unwrap_or_else(|| "c".into());
            let rounds = a.num("--rounds", 10);
            let round = a.num("--round", 0);
            repro::worker(&n, &f, rounds, round);
        }
        "kill-tracee" => {
            let f = a.opt("--face").unwrap_or_else(|| "c".into());
            let seed = a.num("--seed", 1);
            let first = a.num("--first", 0);
            let rounds = a.num("--rounds", 10);
            let mut fc = face(&f);
            let mut report = Report::default();
            rounds::kill_tracee(fc.as_mut(), seed, first, rounds, &mut report);
            report.emit_stats();
        }
        "kill-tracer" => {
            let f = a.opt("--face").unwrap_or_else(|| "c".into());
            let seed = a.num("--seed", 1);
            let round = a.num("--round", 0);
            let avoid = avoid_list(&mut a);
            let mut fc = face(&f);
            rounds::kill_tracer(fc.as_mut(), seed, round, &avoid);
        }
        "stress" => {
            let f = a.opt("--face").unwrap_or_else(|| "c".into());
            let threads = a.num("--threads", 512) as u32;
            let per = a.num("--per", 1) as u32;
            let forks = a.num("--forks", 1000) as u32;
            let mut fc = face(&f);
            let mut report = Report::default();
            rounds::stress(fc.as_mut(), threads, per, forks, &mut report);
            report.emit_stats();
        }
        other => die(&format!("unknown command {other}")),
    }
}

/// The sizes of one run.
struct Plan {
    seed: u64,
    /// Fuzzed calls per face and user.
    calls: u64,
    /// Calls per worker session.
    session: u64,
    /// R2 rounds per face, in workers of `batch`.
    r2: u64,
    batch: u64,
    /// R3 rounds per face.
    r3: u64,
    stress: (u32, u32, u32),
    only: Vec<String>,
    faces: Vec<String>,
    avoid: Vec<u32>,
}

fn run(mut a: Args) -> i32 {
    let long = a.flag("--long");
    let verbose = a.flag("-v");
    let mut p = if long {
        Plan { seed: 1, calls: 250_000, session: 5_000, r2: 10_000, batch: 200, r3: 10_000, stress: (512, 2, 1000), only: vec![], faces: vec![], avoid: vec![] }
    } else {
        Plan { seed: 1, calls: 2_500, session: 2_500, r2: 500, batch: 100, r3: 500, stress: (512, 1, 1000), only: vec![], faces: vec![], avoid: vec![] }
    };
    p.seed = a.num("--seed", p.seed);
    p.avoid = avoid_list(&mut a);
    p.calls = a.num("--calls", p.calls);
    p.r2 = a.num("--r2-rounds", p.r2);
    p.r3 = a.num("--r3-rounds", p.r3);
    if let Some(t) = a.opt("--stress") {
        let v: Vec<u32> = t.split(',').filter_map(|x| x.parse().ok()).collect();
        if v.len() == 3 {
            p.stress = (v[0], v[1], v[2]);
        }
    }
    p.only = a.opt("--only").map(|s| s.split(',').map(String::from).collect()).unwrap_or_else(|| vec!["r1".into(), "r2".into(), "r3".into(), "r4".into()]);
    // ("c-thread", the name of libbsdtrace's engine-thread mode when it had
    // a direct mode too, is the doorbell backend's face now.)
    p.faces = a
        .opt("--faces")
        .map(|s| s.split(',').map(|f| if f == "c-thread" { "c-doorbell".to_string() } else { f.to_string() }).collect())
        .unwrap_or_else(|| vec!["c".into(), "c-doorbell".into(), "rust".into(), "truss".into(), "gdbserver".into()]);
    if !a.0.is_empty() {
        die(&format!("unknown arguments {:?}", a.0));
    }
    let exe = std::env::current_exe().expect("current_exe");
    let bsdtrace = std::env::var("BSDTRACE_FAULT_CLI").map(std::path::PathBuf::from).unwrap_or_else(|_| exe.parent().unwrap().join("bsdtrace"));
    let mut sup = Supervisor::new();
    sup.verbose = verbose;
    let mut total = Report::default();
    let t0 = Instant::now();
    let mut times: Vec<(String, f64)> = vec![];
    // A worker for a library face: "c" (libbsdtrace's engine thread with
    // its default wake-up backend, io_uring), "c-doorbell" (the doorbell
    // backend and its watcher thread), "rust".
    let worker = |face: &str, sub: &str| -> Command {
        let mut c = Command::new(&exe);
        c.arg(sub).arg("--face").arg(if face == "rust" { "rust" } else { "c" });
        backend_env(&mut c, face);
        c
    };
    let lib_faces: Vec<String> = p.faces.iter().filter(|f| matches!(f.as_str(), "c" | "c-doorbell" | "rust")).cloned().collect();

    if p.only.iter().any(|x| x == "r1") {
        let t = Instant::now();
        for f in lib_faces.iter().filter(|f| f.as_str() != "c-doorbell") {
            for nobody in [false, true] {
                let mut done = 0;
                let mut k = 0;
                while done < p.calls {
                    let n = p.session.min(p.calls - done);
                    let seed = p.seed * 1_000_003 + k;
                    let mut c = worker(f, if nobody { "fuzz-nobody" } else { "fuzz" });
                    c.args(["--seed", &seed.to_string(), "--calls", &n.to_string()]);
                    if !p.avoid.is_empty() {
                        c.args(["--avoid", &p.avoid.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(",")]);
                    }
                    let what = format!("R1 fuzz face={f} user={} seed={seed}", if nobody { "nobody" } else { "root" });
                    total.merge(&sup.run(c, &what, End::Clean, Expect::AllGone, None, None));
                    done += n;
                    k += 1;
                }
            }
        }
        times.push(("R1".into(), t.elapsed().as_secs_f64()));
    }
    if p.only.iter().any(|x| x == "r2") {
        let t = Instant::now();
        for f in &lib_faces {
            let mut first = 0;
            while first < p.r2 {
                let n = p.batch.min(p.r2 - first);
                let mut c = worker(f, "kill-tracee");
                c.args(["--seed", &p.seed.to_string(), "--first", &first.to_string(), "--rounds", &n.to_string()]);
                let what = format!("R2 kill-tracee face={f} seed={} rounds {first}..{}", p.seed, first + n);
                let r = sup.run(c, &what, End::Clean, Expect::AllGone, None, None);
                // A hang ends the worker: go on after the round it hung in.
                let at = sup.page.round.load(std::sync::atomic::Ordering::Acquire);
                total.merge(&r);
                first = if r.count("hang") > 0 || r.count("crash") > 0 { (at + 1).max(first + 1) } else { first + n };
            }
        }
        times.push(("R2".into(), t.elapsed().as_secs_f64()));
    }
    if p.only.iter().any(|x| x == "r3") {
        let t = Instant::now();
        for f in &p.faces {
            for round in 0..p.r3 {
                let mut rng = fastrand::Rng::with_seed(p.seed ^ round.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ 0x33);
                let what = format!("R3 kill-tracer face={f} seed={} round={round}", p.seed);
                let r = match f.as_str() {
                    "c" | "c-doorbell" | "rust" => {
                        let mut c = worker(f, "kill-tracer");
                        c.args(["--seed", &p.seed.to_string(), "--round", &round.to_string()]);
                        if !p.avoid.is_empty() {
                            c.args(["--avoid", &p.avoid.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(",")]);
                        }
                        sup.run(c, &what, End::Killed, Expect::AllGone, None, None)
                    }
                    "truss" | "gdbserver" => tool_round(&mut sup, &bsdtrace, f, &mut rng, &what),
                    other => die(&format!("unknown face {other}")),
                };
                total.add(&format!("r3.{f}.rounds"), 1);
                total.merge(&r);
            }
        }
        times.push(("R3".into(), t.elapsed().as_secs_f64()));
    }
    if p.only.iter().any(|x| x == "r4") {
        let t = Instant::now();
        for f in &lib_faces {
            let (th, per, forks) = p.stress;
            let mut c = worker(f, "stress");
            c.args(["--threads", &th.to_string(), "--per", &per.to_string(), "--forks", &forks.to_string()]);
            let what = format!("R4 stress face={f} threads={th} per={per} forks={forks}");
            let r = sup.run(c, &what, End::Clean, Expect::AllGone, None, None);
            total.add(&format!("r4.{f}.runs"), 1);
            total.merge(&r);
        }
        times.push(("R4".into(), t.elapsed().as_secs_f64()));
    }
    summary(&total, &times, t0.elapsed(), long, p.seed)
}

/// R3 with the command-line tools: start `bsdtrace truss` or `bsdtrace
/// gdbserver` on a tracee (spawned or attached), kill it after a random
/// delay, and check the tracee: spawned ones must die with their tracer;
/// attached ones may live on, untraced and running.
fn tool_round(sup: &mut Supervisor, bsdtrace: &std::path::Path, tool: &str, rng: &mut fastrand::Rng, what: &str) -> Report {
    let (_, argv) = {
        let k = rounds::KINDS[rng.usize(..rounds::KINDS.len())];
        let n = match k {
            "mt" => rng.usize(1..=32),
            "churn" => rng.usize(1..=4),
            "execer" => rng.usize(1..=6),
            _ => 0,
        };
        (k, vec![k.to_string(), n.to_string()])
    };
    let attach = rng.u32(..3) == 0;
    let delay = Duration::from_micros(if rng.u32(..4) == 0 { rng.u64(..2_000) } else { rng.u64(..60_000) });
    let tracee = util::tracee();
    let mut c = Command::new(bsdtrace);
    let mut stdin: Option<&[u8]> = None;
    let mut target = None;
    if attach {
        // The tracee is started by us (tagged through the environment we
        // give it), then handed to the tool.
        let tag = std::env::var(util::TAG_VAR).ok();
        let _ = tag;
        let args: Vec<&str> = argv.iter().map(|s| s.as_str()).collect();
        let (pid, _) = fuzz::spawn_ready(&args);
        target = Some(pid);
    }
    match (tool, target) {
        ("truss", None) => {
            c.args(["truss", "-f", "-o", "/dev/null", tracee]).args(&argv);
        }
        ("truss", Some(pid)) => {
            c.args(["truss", "-f", "-o", "/dev/null", "-p", &pid.to_string()]);
        }
        (_, None) => {
            c.args(["gdbserver", "-", tracee]).args(&argv);
            if rng.bool() {
                stdin = Some(b"+$c#63");
            }
        }
        (_, Some(pid)) => {
            c.args(["gdbserver", "--attach", "-", &pid.to_string()]);
            if rng.bool() {
                stdin = Some(b"+$c#63");
            }
        }
    }
    let what = format!("{what} tracee={} attach={attach} after={}us", argv.join(" "), delay.as_micros());
    let expect = if attach { Expect::NoneTracedOrStopped } else { Expect::AllGone };
    let mut r = sup.run(c, &what, End::Killed, expect, Some(delay), stdin);
    if let Some(pid) = target {
        // The attached tracee is our own child (not tagged by the tool's
        // run): check it, then end it.
        if let Some(i) = util::proc_info(pid) {
            if i.tracer != 0 {
                r.defect_quiet("left-traced", format!("{what}: {}", util::describe(pid)));
            } else if matches!(i.state, 't' | 'T') {
                r.defect_quiet("left-stopped", format!("{what}: {}", util::describe(pid)));
            }
        }
        // SAFETY: our child.
        unsafe { libc::kill(pid, libc::SIGKILL) };
        let _ = util::raw_wait(pid, 0);
    }
    r
}

fn summary(r: &Report, times: &[(String, f64)], total: Duration, long: bool, seed: u64) -> i32 {
    println!("bsdtrace-fault {} run, seed {seed}, {:.1}s", if long { "long" } else { "bounded (CI)" }, total.as_secs_f64());
    for (k, t) in times {
        println!("  {k}: {t:.1}s");
    }
    println!("counters:");
    for (k, v) in &r.stats {
        println!("  {k:<32} {v}");
    }
    println!("defects:");
    for k in report::KINDS {
        println!("  {k:<14} {}", r.count(k));
    }
    for (k, d) in &r.defects {
        println!("DEFECT {k}\t{d}");
    }
    i32::from(!r.defects.is_empty())
}
