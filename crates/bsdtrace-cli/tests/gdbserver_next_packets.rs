//! How many packets gdb sends for `next`, with GNU gdbserver and with
//! `bsdtrace gdbserver` (by default and with `--no-pass-signals`), on the
//! same program from the same breakpoint, counted from gdb's own `set
//! debug remote 1` log; and that every server leaves gdb at the same line
//! with the same values. Packet counts are decided by gdb and are
//! deterministic for a given gdb and program: no timing is involved.
//!
//! `cargo test -p bsdtrace-cli --test gdbserver_next_packets -- --nocapture`
//! prints the table recorded in docs/BENCHMARKS.md.

mod gdbcommon;
use gdbcommon::*;
use std::path::Path;
use std::process::{Command, Stdio};

/// Each `next` below starts on one of these lines: a call from a
/// breakpoint, a line without a call, a first call through the PLT, a
/// signal gdb passes silently (SIGALRM: `nostop noprint pass`), a call
/// not from a breakpoint.
const PROG: &str = r#"
#include <signal.h>
#include <string.h>
volatile int got;
void on_alrm(int s) { got += s > 0; }
int add(int a, int b)
{
    int s = a + b;
    return s;
}
int main(int argc, char **argv)
{
    int total = 0;
    signal(SIGALRM, on_alrm);
    total = add(total, 1); /* BREAK */
    total += 2;
    total += strlen(argv[0]) > 0;
    raise(SIGALRM);
    total = add(total, got);
    total += 10;
    return total == 15 ? 0 : 1;
}
"#;

const NEXTS: usize = 6;

fn gnu_installed() -> bool {
    Command::new("gdbserver").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

/// What one gdb session under `server` showed: the packets gdb sent for
/// each `next` and what a user sees (source lines, values, where it is).
struct Run {
    packets: Vec<usize>,
    kinds: Vec<Vec<String>>,
    seen: Vec<String>,
    log: String,
}

/// gdb in batch mode with its stderr (where `set debug remote 1` writes)
/// and its stdout in one pipe, so the packets fall between the marks
/// `echo` writes.
fn gdb_merged(prog: &Path, pre: &[&str], cmds: &[&str]) -> String {
    let mut c = Command::new("sh");
    c.args(["-c", "exec \"$@\" 2>&1", "sh", "timeout", "-k", "5", "60", "gdb", "-nx", "-batch"]);
    for cmd in pre.iter().chain(cmds) {
        c.args(["-ex", cmd]);
    }
    let o = c.arg(prog).stdin(Stdio::null()).stderr(Stdio::null()).output().expect("gdb runs");
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_ne!(o.status.code(), Some(124), "gdb timed out:\n{text}");
    text
}

/// gdb under `server`, the program started with `_` (the one variable
/// the shell sets to the server's own path) set to `underscore` for every
/// server, and by its absolute path: the program's stack then lies at the
/// same addresses with each, and so do the 64-byte lines of it gdb reads.
fn run(prog: &Path, server: &str, underscore: &str) -> Run {
    let line = PROG.lines().position(|l| l.contains("/* BREAK */")).unwrap() + 1;
    let brk = format!("break {line}");
    // `p $sp`: the stack is at the same place with every server (checked
    // with the rest of what gdb shows).
    let mut cmds = vec![brk.as_str(), "continue", "p $sp", "set debug remote 1"];
    for _ in 0..NEXTS {
        cmds.push("next");
        cmds.push("echo ==next==\\n");
    }
    cmds.extend(["set debug remote 0", "p total", "p got", "info line *$pc", "continue"]);
    let remote = format!("target remote | exec env _={underscore} {server} - {}", prog.display());
    let log = gdb_merged(prog, &["set pagination off", "set confirm off", &remote], &cmds);
    let mut packets = vec![0];
    let mut kinds = vec![Vec::new()];
    let mut seen = Vec::new();
    for l in log.lines() {
        if let Some(p) = l.split("Sending packet: $").nth(1) {
            *packets.last_mut().unwrap() += 1;
            // The packet's name: its letters up to the first argument.
            let name = if let Some(a) = p.strip_prefix("vCont;") {
                format!("vCont;{}", &a[..1])
            } else if p.starts_with(['m', 'Z', 'z']) {
                p[..2].trim_end_matches(',').to_string()
            } else {
                p.chars().take_while(|c| !matches!(c, ',' | ':' | '#')).collect()
            };
            kinds.last_mut().unwrap().push(name);
        } else if l.contains("==next==") {
            packets.push(0);
            kinds.push(Vec::new());
        } else if !l.contains("[remote]") && (l.split('\t').next().is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())) || l.starts_with('$') || l.starts_with("Line ") || l.contains("Program received")) {
            seen.push(l.replace(&prog.display().to_string(), "PROG"));
        }
    }
    packets.truncate(NEXTS);
    kinds.truncate(NEXTS);
    Run { packets, kinds, seen, log }
}

fn sum(r: &Run) -> usize {
    r.packets.iter().sum()
}

#[test]
fn next_takes_no_more_packets_than_with_gnu_gdbserver_and_fewer_without_pass_signals() {
    if !gnu_installed() {
        eprintln!("skipped: GNU gdbserver is not installed (apt install gdbserver)");
        return;
    }
    let prog = build("nextpk", PROG);
    let first = PROG.lines().position(|l| l.contains("/* BREAK */")).unwrap();
    println!("| stack at | `next` from line | GNU gdbserver | ours | ours --no-pass-signals |");
    println!("| --- | --- | --- | --- | --- |");
    // The four 16-byte places of the stack in a 64-byte line: how many
    // lines gdb reads at a stop depends on it, for both servers alike.
    for pad in [0, 16, 32, 48] {
        let underscore = format!("/{}", "p".repeat(pad));
        // GNU gdbserver execs the program itself, as ours does, instead of
        // through bash (which may set SHLVL, PWD...: the stack would move).
        let gnu = run(&prog, "gdbserver --no-startup-with-shell", &underscore);
        let ours = run(&prog, &format!("{BIN} gdbserver"), &underscore);
        let np = run(&prog, &format!("{BIN} gdbserver --no-pass-signals"), &underscore);
        for r in [&gnu, &ours, &np] {
            assert_eq!(r.packets.len(), NEXTS, "{}", r.log);
            // The program ran to its end through every line, got its
            // signal and was never stopped by it.
            assert!(r.seen.iter().any(|l| l == "$2 = 15"), "{}", r.log);
            assert!(r.seen.iter().any(|l| l == "$3 = 1"), "{}", r.log);
            assert!(!r.log.contains("Program received"), "{}", r.log);
            assert!(r.log.contains("exited normally"), "{}", r.log);
        }
        // What the user sees is the same with every server.
        assert_eq!(ours.seen, gnu.seen, "ours:\n{}\nGNU:\n{}", ours.log, gnu.log);
        assert_eq!(np.seen, gnu.seen, "ours --no-pass-signals:\n{}\nGNU:\n{}", np.log, gnu.log);

        for i in 0..NEXTS {
            let src = PROG.lines().nth(first + i).unwrap().trim();
            println!("| `_` +{pad} | `{src}` | {} | {} | {} |", gnu.packets[i], ours.packets[i], np.packets[i]);
        }
        println!("| `_` +{pad} | all {NEXTS} | {} | {} | {} |", sum(&gnu), sum(&ours), sum(&np));
        if pad == 0 {
            for (name, r) in [("GNU", &gnu), ("ours", &ours), ("ours-np", &np)] {
                eprintln!("{name}, the `next` from the breakpoint: {}", r.kinds[0].join(" "));
            }
        }

        // Never more than GNU, `next` by `next`, by default.
        for i in 0..NEXTS {
            assert!(ours.packets[i] <= gnu.packets[i], "next {i}: ours {:?} GNU {:?}\n{}\n{}", ours.packets, gnu.packets, ours.log, gnu.log);
        }
        // Without QPassSignals gdb does not set the passed signals to none
        // and back around its step over the breakpoint: 2 fewer there, 1
        // more (the signal's round trip) on the line raising it; fewer in
        // all.
        assert!(np.packets[0] < gnu.packets[0], "ours-np {:?} GNU {:?}\n{}\n{}", np.packets, gnu.packets, np.log, gnu.log);
        assert!(!np.kinds[0].iter().any(|k| k.starts_with("QPassSignals")), "{}", np.log);
        assert_eq!(gnu.kinds[0].iter().filter(|k| k.starts_with("QPassSignals")).count(), 2, "{}", gnu.log);
        assert!(sum(&np) < sum(&gnu), "ours-np {:?} GNU {:?}", np.packets, gnu.packets);
        // Range stepping is what keeps a line to one resume with either.
        assert!(ours.kinds.iter().flatten().any(|k| k == "vCont;r"), "{}", ours.log);
    }
}
