//! Seeded random hostile input against `bsdtrace gdbserver`: malformed
//! packets of every command, bad checksums, truncated and 1 MB packets,
//! binary garbage, NAKs, Ctrl-C, huge memory reads, registers of the
//! wrong size, threads and processes that do not exist, and resumes in
//! between. The server must answer every packet (a hang is a failure), never
//! exit on its own (a crash is a failure) and keep its program (or report
//! its end, after which a new server is started).
//!
//! `BSDTRACE_FUZZ_SEEDS=a,b,c` and `BSDTRACE_FUZZ_INPUTS=N` run it longer
//! (CI: three seeds of 700 inputs); a failure prints its seed and the
//! inputs that led to it.

mod gdbcommon;
use gdbcommon::*;
use std::collections::VecDeque;
use std::path::Path;
use std::time::{Duration, Instant};

const TARGET: &str = r#"
#include <pthread.h>
#include <unistd.h>
int counter;
char buffer[256];
void add(int x) { counter += x; }
void *spin(void *a) { for (;;) { usleep(3000); add(2); } return a; }
int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, spin, NULL);
    for (;;) {
        usleep(1000);
        add(1);
    }
}
"#;

/// splitmix64: small, seedable, good enough to pick inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len() as u64) as usize]
    }
    fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
}

/// What the fuzzer knows about the target, to make some inputs hit.
struct Known {
    pid: i32,
    tids: Vec<i32>,
    add: u64,
    buffer: u64,
}

fn hexnum(r: &mut Rng, k: &Known) -> String {
    match r.below(10) {
        0 => String::new(),
        1 => "zz".into(),
        2 => "ffffffffffffffff".into(),
        3 => "1ffffffffffffffff0".into(),
        4 => format!("{:x}", k.add + r.below(64)),
        5 => format!("{:x}", k.buffer + r.below(256)),
        6 => "-1".into(),
        _ => format!("{:x}", r.next() >> r.below(64)),
    }
}

fn tid(r: &mut Rng, k: &Known) -> String {
    let t = *r.pick(&k.tids);
    match r.below(12) {
        0 => "-1".into(),
        1 => "0".into(),
        2 => format!("p{:x}.-1", k.pid),
        3 => "p999999.999999".into(),
        4 => "p-1.-1".into(),
        5 => format!("p{:x}.{:x}", k.pid, t),
        6 => format!("{t:x}"),
        7 => "pzz.1".into(),
        8 => "p".into(),
        9 => format!("p{:x}.{:x}", k.pid, r.below(1 << 22) + 1),
        _ => format!("p{:x}.{t:x}", k.pid),
    }
}

fn hexbytes(r: &mut Rng, n: usize) -> String {
    (0..n).map(|_| format!("{:02x}", r.below(256))).collect()
}

fn binary(r: &mut Rng, n: usize) -> Vec<u8> {
    (0..n).map(|_| r.below(256) as u8).collect()
}

/// One packet body that asks for an answer (never one that ends the
/// session or resumes).
fn query(r: &mut Rng, k: &Known) -> Vec<u8> {
    let n = hexnum(r, k);
    let m = hexnum(r, k);
    let t = tid(r, k);
    let s = match r.below(46) {
        0 => format!("m{n},{m}"),
        1 => format!("m{:x},{:x}", k.buffer, r.below(0x20000)),
        2 => format!("M{n},{m}:{}", { let n = r.below(8) as usize; hexbytes(r, n) }),
        3 => format!("M{:x},4:{}", k.buffer + r.below(200), hexbytes(r, 4)),
        4 => {
            // Binary data as a client sends it: escaped (an unescaped `$`
            // is a framing error, tried by the junk inputs).
            let mut v = format!("X{n},{m}:").into_bytes();
            let n = r.below(16) as usize;
            for b in binary(r, n) {
                if matches!(b, b'#' | b'$' | b'}' | b'*') {
                    v.push(b'}');
                    v.push(b ^ 0x20);
                } else {
                    v.push(b);
                }
            }
            return v;
        }
        5 => format!("x{n},{m}"),
        6 => "g".into(),
        7 => format!("G{}", { let n = r.below(600) as usize; hexbytes(r, n) }),
        8 => format!("p{n}"),
        9 => format!("p{:x}", r.below(200)),
        10 => format!("P{:x}={}", r.below(200), { let n = *r.pick(&[1, 4, 8, 16, 32, 64, 3]); hexbytes(r, n) }),
        11 => format!("Z0,{n},1"),
        12 => format!("Z0,{:x},1;X{:x},{}", k.add + 4, r.below(20), { let n = r.below(20) as usize; hexbytes(r, n) }),
        13 => format!("z0,{n},1"),
        14 => format!("Z{},{n},{m}", r.below(6)),
        15 => format!("z{},{n},{m}", r.below(6)),
        16 => format!("Hg{t}"),
        17 => format!("Hc{t}"),
        18 => format!("T{t}"),
        19 => format!("qThreadExtraInfo,{t}"),
        20 => "qfThreadInfo".into(),
        21 => "qsThreadInfo".into(),
        22 => "qC".into(),
        23 => format!("qAttached:{n}"),
        24 => format!("qXfer:{}:read:{}:{n},{m}", r.pick(&["features", "auxv", "threads", "libraries-svr4", "siginfo", "exec-file", "osdata", "nothing"]), r.pick(&["", "target.xml", "zz", "types", "1"])),
        25 => format!("qXfer:siginfo:write::{n}:{}", hexbytes(r, 4)),
        26 => format!("vFile:{}:{}", r.pick(&["open", "pread", "pwrite", "close", "fstat", "stat", "unlink", "readlink", "setfs", "zz"]), hexnum(r, k)),
        27 => {
            let path: &&str = r.pick(&["/proc/self/maps", "/etc/hostname", "/nonexistent", ""]);
            format!("vFile:open:{},0,0", hex(path))
        }
        28 => format!("vFile:pread:{:x},{m},{n}", r.below(4)),
        29 => format!("qSupported:{}", r.pick(&["multiprocess+", "swbreak+;hwbreak+", "", "zz;;;", "fork-events+;vfork-events+;exec-events+"])),
        30 => format!("QPassSignals:{};{}", hexnum(r, k), hexnum(r, k)),
        31 => format!("QProgramSignals:{}", hexnum(r, k)),
        32 => format!("QCatchSyscalls:{};{}", r.below(3), hexnum(r, k)),
        33 => format!("QThreadEvents:{}", r.below(3)),
        // Not QNonStop:1: non-stop answers resumes with OK and notifications
        // (gdbserver_nonstop.rs tests it).
        34 => format!("QNonStop:{}", r.pick(&["0", "2", "x"])),
        35 => format!("qCRC:{:x},{:x}", k.buffer, r.below(300)),
        36 => format!("qSearch:memory:{:x};{:x};{}", k.buffer, r.below(300), hexbytes(r, 2)),
        37 => "jThreadsInfo".into(),
        38 => format!("qMemoryRegionInfo:{n}"),
        39 => "qHostInfo".into(),
        40 => "qProcessInfo".into(),
        41 => format!("vKill;{:x}", k.pid + 1 + r.below(100) as i32),
        42 => format!("D;{:x}", k.pid + 1 + r.below(100) as i32),
        43 => format!("vCont;{}:p999999.999999", r.pick(&["c", "s", "C05", "r0,1", "t", "zz"])),
        44 => "?".into(),
        _ => {
            // Anything at all, but never a command that ends the session.
            let mut v = { let n = r.below(40) as usize; binary(r, n) };
            v.retain(|&b| b != b'#' && b != b'$' && b != b'}');
            if matches!(v.first(), Some(b'k' | b'D' | b'v' | b'R' | b'!' | b'c' | b's' | b'C' | b'S' | b'q' | b'Q')) {
                v[0] = b'~';
            }
            return v;
        }
    };
    s.into_bytes()
}

enum Input {
    /// A packet that must be answered.
    Query(Vec<u8>),
    /// Bytes on the wire that may or may not get an answer.
    Junk(Vec<u8>),
    /// A resume: a stop must follow (after a Ctrl-C if need be).
    Resume(String),
}

fn input(r: &mut Rng, k: &Known, noack: bool) -> Input {
    match r.below(100) {
        0..=69 => Input::Query(query(r, k)),
        70..=87 => {
            let body = query(r, k);
            let mut v = Vec::new();
            match r.below(8) {
                // In no-ack mode a packet with any checksum is a packet.
                0 if !noack => v.extend(format!("${}#00", String::from_utf8_lossy(&body)).bytes()),
                1 if !noack => v.extend(format!("${}#zz", String::from_utf8_lossy(&body)).bytes()),
                2 => {
                    v.push(b'$');
                    v.extend_from_slice(&body[..body.len() / 2]);
                }
                3 => v.push(b'-'),
                4 => v.push(b'+'),
                5 => v.push(0x03),
                6 => v.extend({ let n = r.below(64) as usize; binary(r, n) }.into_iter().filter(|&b| b != b'$')),
                _ => v.extend(b"$#"),
            }
            Input::Junk(v)
        }
        88..=89 => {
            let size = *r.pick(&[70_000usize, 1 << 20]);
            let mut v = vec![b'$'];
            v.extend(std::iter::repeat_n(b'A', size));
            v.extend(b"#00");
            Input::Junk(v)
        }
        _ => {
            let t = tid(r, k);
            Input::Resume(
            r.pick(&[
                "vCont;c".to_string(),
                format!("vCont;s:p{:x}.{:x};c", k.pid, k.pid),
                "c".to_string(),
                "s".to_string(),
                "C0e".to_string(),
                format!("vCont;r{:x},{:x}:p{:x}.{:x};c", k.add, k.add + 40, k.pid, k.pid),
                format!("vCont;C0a:{t}"),
            ])
            .clone(),
        )
        }
    }
}

struct Target {
    rsp: Rsp,
    k: Known,
    noack: bool,
    /// The server's last lines on stderr, for a failure's report.
    log: std::sync::Arc<std::sync::Mutex<VecDeque<String>>>,
    header: Vec<u8>,
    nonce: usize,
}

fn start(prog: &Path, r: &mut Rng) -> Target {
    let (mut rsp, mut err) = Rsp::stdio(&[], &[prog.to_str().unwrap()]);
    let pid = pid_in(&wait_line(&mut err, "created"));
    let log = std::sync::Arc::new(std::sync::Mutex::new(VecDeque::new()));
    let keep = log.clone();
    std::thread::spawn(move || {
        let mut line = String::new();
        while std::io::BufRead::read_line(&mut err, &mut line).unwrap_or(0) > 0 {
            let mut l = keep.lock().unwrap();
            l.push_back(std::mem::take(&mut line));
            if l.len() > 20 {
                l.pop_front();
            }
        }
    });
    let features = r.pick(&["multiprocess+;swbreak+;hwbreak+;no-resumed+", "xmlRegisters=i386", "multiprocess+;fork-events+;vfork-events+;exec-events+;QThreadEvents+"]);
    let noack = r.chance(50);
    if std::env::var("BSDTRACE_FUZZ_TRACE").is_ok() {
        eprintln!("features {features} noack {noack}");
    }
    let sup = rsp.ask(&format!("qSupported:{features}"));
    assert!(sup.contains("PacketSize="), "{sup}");
    if noack {
        assert_eq!(rsp.ask("QStartNoAckMode"), "OK");
        rsp.noack = true;
    }
    let prog_s = prog.to_path_buf();
    let sym = |name: &str| -> u64 {
        let o = std::process::Command::new("nm").arg(&prog_s).output().unwrap();
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .find_map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                (f.len() == 3 && f[2] == name).then(|| u64::from_str_radix(f[0], 16).unwrap())
            })
            .unwrap()
    };
    let k = Known { pid, tids: vec![pid], add: sym("add"), buffer: sym("buffer") };
    let header = std::fs::read(prog).unwrap()[..4096].to_vec();
    Target { rsp, k, noack, log, header, nonce: 0 }
}

/// gdb's CRC-32 (what `qCRC` answers).
fn crc(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= (b as u32) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 { (crc << 1) ^ 0x04c1_1db7 } else { crc << 1 };
        }
    }
    crc
}

/// Synchronize after bytes whose answers are unknown (a NAK makes the
/// server send its last packet again): ask for a CRC of a different
/// length of the program's ELF header each time, whose answer no other
/// packet can have, and read up to it.
fn sync(t: &mut Target) -> Result<(), String> {
    t.nonce = t.nonce % 4000 + 1;
    let want = format!("C{:x}", crc(&t.header[..t.nonce]));
    // Whatever state the junk left the reader in (inside a body, or
    // after `#` waiting for checksum digits), `#00` ends it.
    t.rsp.raw(b"#00");
    t.rsp.send(&format!("qCRC:400000,{:x}", t.nonce));
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        match t.rsp.recv_within(10) {
            Some(p) if p == want.as_bytes() => return Ok(()),
            Some(_) => continue,
            None => break,
        }
    }
    Err(format!("no {want} answer to qCRC within 10 s"))
}

fn is_stop(p: &[u8]) -> bool {
    matches!(p.first(), Some(b'T' | b'S' | b'W' | b'X' | b'N')) || p == b"E01"
}

#[test]
fn hostile_input_never_crashes_or_hangs_the_server() {
    let prog = build_with("fuzz-target", TARGET, &["-no-pie"]);
    let seeds: Vec<u64> = std::env::var("BSDTRACE_FUZZ_SEEDS")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1, 2, 3]);
    let inputs: usize = std::env::var("BSDTRACE_FUZZ_INPUTS").ok().and_then(|s| s.parse().ok()).unwrap_or(700);
    let (mut total, mut restarts, mut resumes) = (0usize, 0usize, 0usize);
    for seed in seeds {
        let mut r = Rng(seed);
        let mut t = start(&prog, &mut r);
        let mut recent: VecDeque<String> = VecDeque::new();
        let fail = |why: String, recent: &VecDeque<String>, log: &std::sync::Mutex<VecDeque<String>>| -> ! {
            panic!(
                "seed {seed}: {why}\nlast inputs:\n{}\nthe server said:\n{}",
                recent.iter().cloned().collect::<Vec<_>>().join("\n"),
                log.lock().unwrap().iter().cloned().collect::<String>()
            );
        };
        let trace = std::env::var("BSDTRACE_FUZZ_TRACE").is_ok();
        for i in 0..inputs {
            total += 1;
            let inp = input(&mut r, &t.k, t.noack);
            let shown = match &inp {
                Input::Query(b) => format!("query {:?}", String::from_utf8_lossy(&b[..b.len().min(120)])),
                Input::Junk(b) => format!("junk {:?} ({} bytes)", String::from_utf8_lossy(&b[..b.len().min(80)]), b.len()),
                Input::Resume(s) => format!("resume {s}"),
            };
            if trace {
                eprintln!("#{i} {shown}");
            }
            recent.push_back(format!("#{i} {shown}"));
            if recent.len() > 12 {
                recent.pop_front();
            }
            let mut ended = false;
            match inp {
                Input::Query(b) => {
                    t.rsp.send_bytes(&b);
                    let reply = t.rsp.recv_within(10);
                    if trace {
                        eprintln!("  -> {:?}", reply.as_ref().map(|p| String::from_utf8_lossy(&p[..p.len().min(100)]).into_owned()));
                    }
                    match reply {
                        Some(p) if p.first() == Some(&b'W') || p.first() == Some(&b'X') => ended = true,
                        Some(_) => {}
                        None => fail("no answer within 10 s".into(), &recent, &t.log),
                    }
                }
                Input::Junk(b) => {
                    t.rsp.raw(&b);
                    if let Err(e) = sync(&mut t) {
                        fail(e, &recent, &t.log);
                    }
                }
                Input::Resume(s) => {
                    resumes += 1;
                    t.rsp.send(&s);
                    let mut stop = t.rsp.recv_for(Duration::from_millis(150));
                    if stop.is_none() {
                        t.rsp.raw(b"\x03");
                        stop = t.rsp.recv_within(10);
                    }
                    if trace {
                        eprintln!("  -> {:?}", stop.as_ref().map(|p| String::from_utf8_lossy(&p[..p.len().min(100)]).into_owned()));
                    }
                    match stop {
                        Some(p) if p.first() == Some(&b'W') || p.first() == Some(&b'X') => ended = true,
                        Some(p) if is_stop(&p) => {
                            // A stop may have been followed by a Ctrl-C
                            // that arrived once it was stopped: ignored.
                        }
                        Some(p) => fail(format!("resume answered {:?}", String::from_utf8_lossy(&p)), &recent, &t.log),
                        None => fail("no stop within 10 s of a Ctrl-C".into(), &recent, &t.log),
                    }
                }
            }
            if let Some(st) = t.rsp.child.as_mut().and_then(|c| c.0.try_wait().ok().flatten()).filter(|_| !ended) {
                fail(format!("the server exited: {st:?}"), &recent, &t.log);
            }
            if !ended && !Path::new(&format!("/proc/{}", t.k.pid)).exists() {
                // It died between our packets (say, of a register we wrote):
                // the server must say so at the next resume.
                t.rsp.send("vCont;c");
                match t.rsp.recv_within(10) {
                    Some(p) if p.first() == Some(&b'W') || p.first() == Some(&b'X') => ended = true,
                    other => fail(format!("program gone, resume answered {other:?}"), &recent, &t.log),
                }
            }
            if ended {
                // The program ended (a hostile register or memory write
                // can do that): the server ends with it; start another.
                match t.rsp.exit_status(10) {
                    Some(st) if st.success() => {}
                    other => fail(format!("after the program's end the server exited with {other:?}"), &recent, &t.log),
                }
                restarts += 1;
                t = start(&prog, &mut r);
            }
        }
        // Still serving: the program is there and stopped, and a detach
        // lets it go cleanly.
        if let Err(e) = sync(&mut t) {
            fail(e, &recent, &t.log);
        }
        let stop = t.rsp.ask("?");
        assert!(stop.starts_with('T'), "seed {seed}: {stop}");
        let pid = t.k.pid;
        let _ = t.rsp.ask("z0,0,1"); // whatever it answers
        assert_eq!(t.rsp.ask(&format!("D;{pid:x}")), "OK", "seed {seed}");
        assert_eq!(t.rsp.exit_status(10).and_then(|s| s.code()), Some(0), "seed {seed}");
        let _ = bsdtrace::sys::kill(pid, libc::SIGKILL);
    }
    eprintln!("{total} inputs, {resumes} resumes, {restarts} program ends: 0 crashes, 0 hangs");
}
