//! `truss --bpf` against ptrace truss, line by line, on the programs of the
//! truss tests (tests/truss_progs and the shell): the same syscalls with the
//! same decoded arguments and results, thread by thread, including strings
//! and structs read from memory, signals, thread and process births, execs
//! and exits. Both runs are under `setarch -R` (no address randomisation),
//! so addresses match too. Normalised, never skipped:
//!
//! * thread and process ids are renamed by creation order (the root, then
//!   the ids each spawning call returned, depth first);
//! * a call interrupted to be restarted (`ERESTART`) and its
//!   `restart_syscall` are dropped: ptrace truss's whole-process stop
//!   interrupts sleeping threads, BPF stops nothing;
//! * per test, calls whose count depends on timing (futex waits, the
//!   shell's SIGCHLD handler and wait4 loop) are dropped;
//! * random bytes (getrandom), pipe inode numbers, loopback port numbers
//!   and the parent's pid (truss's own, different in each run) are masked.
//!
//! Also: a ring buffer made to overflow must say how many records it lost,
//! per thread, and exit with status 3.
//!
//! These tests need BPF (root, a kernel with BTF); where [`bsdtrace_bpf::check`]
//! says it cannot run they say why on stderr and pass without comparing.

#![cfg(feature = "bpf")]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

const BIN: &str = env!("CARGO_BIN_EXE_bsdtrace");

fn bpf_usable() -> bool {
    match bsdtrace_bpf::check() {
        Ok(()) => true,
        Err(e) => {
            eprintln!("BPF is not usable here, test not run: {e}");
            false
        }
    }
}

fn tmpdir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
}

fn prog(name: &str) -> PathBuf {
    static BUILT: OnceLock<std::sync::Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let mut m = BUILT.get_or_init(Default::default).lock().unwrap();
    if let Some(p) = m.get(name) {
        return p.clone();
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/truss_progs").join(format!("{name}.c"));
    let tmp = tmpdir().join(format!("bpf-{name}-{}", std::process::id()));
    let out = tmpdir().join(format!("bpf-{name}"));
    let st = Command::new("cc").args(["-O2", "-Wall", "-pthread", "-o"]).arg(&tmp).arg(&src).status().expect("cc");
    assert!(st.success(), "compiling {name}.c failed");
    std::fs::rename(&tmp, &out).unwrap();
    m.insert(name.to_string(), out.clone());
    out
}

/// [`prog`] built as a 32-bit (i386) program (`cc -m32`: gcc-multilib).
fn prog32(name: &str) -> PathBuf {
    static BUILT: OnceLock<std::sync::Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let mut m = BUILT.get_or_init(Default::default).lock().unwrap();
    if let Some(p) = m.get(name) {
        return p.clone();
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/truss_progs").join(format!("{name}.c"));
    let tmp = tmpdir().join(format!("bpf32-{name}-{}", std::process::id()));
    let out = tmpdir().join(format!("bpf32-{name}"));
    let st = Command::new("cc").args(["-m32", "-O2", "-Wall", "-pthread", "-o"]).arg(&tmp).arg(&src).status().expect("cc");
    assert!(st.success(), "compiling {name}.c with -m32 failed (it needs gcc-multilib)");
    std::fs::rename(&tmp, &out).unwrap();
    m.insert(name.to_string(), out.clone());
    out
}

/// `setarch -R bsdtrace truss ARGS` with `-o FILE`: (status, lines).
fn truss(tag: &str, args: &[&str]) -> (Output, Vec<String>) {
    let f = tmpdir().join(format!("bpf-out-{tag}-{}", std::process::id()));
    let o = Command::new("setarch")
        .args(["-R", BIN, "truss", "-o"])
        .arg(&f)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .output()
        .unwrap();
    let text = std::fs::read_to_string(&f).unwrap_or_default();
    let _ = std::fs::remove_file(&f);
    (o, text.lines().map(str::to_string).collect())
}

const SPAWN_CALLS: &[&str] = &["clone", "clone3", "fork", "vfork"];

/// The index just past the C string literal that opens at `start` in `t`
/// (its closing quote: the first one no backslash escapes); `t.len()` if
/// there is none.
fn quoted_end(t: &str, start: usize) -> usize {
    let b = t.as_bytes();
    if b.get(start) != Some(&b'"') {
        return t.len();
    }
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    t.len()
}

/// `-f -H` lines by thread: (pid, tid, text after the prefix).
fn split(lines: &[String]) -> Vec<(i32, i32, String)> {
    lines
        .iter()
        .map(|l| {
            let (pfx, rest) = l.split_once(": ").unwrap_or_else(|| panic!("no prefix: {l}"));
            let mut w = pfx.split_whitespace();
            let pid = w.next().unwrap().parse().unwrap();
            let tid = w.next().unwrap().parse().unwrap();
            (pid, tid, rest.to_string())
        })
        .collect()
}

/// Threads in creation order: the root, then each id a spawning call of an
/// already named thread returned, depth first.
fn names(items: &[(i32, i32, String)]) -> HashMap<i32, String> {
    let mut by_tid: HashMap<i32, Vec<&str>> = HashMap::new();
    for (_, tid, text) in items {
        by_tid.entry(*tid).or_default().push(text);
    }
    let root = items[0].1;
    let mut order = vec![root];
    let mut i = 0;
    while i < order.len() {
        for text in by_tid.get(&order[i]).map(Vec::as_slice).unwrap_or(&[]) {
            let name = &text[..text.find('(').unwrap_or(0)];
            if SPAWN_CALLS.contains(&name) {
                if let Some((_, v)) = text.rsplit_once(" = ") {
                    if let Ok(child) = v.split(' ').next().unwrap().parse::<i32>() {
                        if child > 0 {
                            order.push(child);
                        }
                    }
                }
            }
        }
        i += 1;
    }
    order.iter().enumerate().map(|(i, t)| (*t, format!("T{i}"))).collect()
}

/// Replaces whole decimal numbers that are known ids (and their hex forms)
/// by the threads' names.
fn rename_ids(text: &str, names: &HashMap<i32, String>) -> String {
    let mut out = String::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        if b[i].is_ascii_digit() && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')) {
            let hex = b[i] == b'0' && b.get(i + 1) == Some(&b'x');
            if hex {
                i += 2;
                while i < b.len() && b[i].is_ascii_hexdigit() {
                    i += 1;
                }
            } else {
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
            }
            let word = &text[start..i];
            let v = if hex { i64::from_str_radix(&word[2..], 16).ok() } else { word.parse::<i64>().ok() };
            match v.and_then(|v| i32::try_from(v).ok()).and_then(|v| names.get(&v)) {
                Some(n) if v != Some(0) => out.push_str(n),
                _ => out.push_str(word),
            }
            continue;
        }
        out.push(b[i] as char);
        i += 1;
    }
    out
}

/// Each thread's normalised lines, keyed by its creation-order name.
fn normalise(lines: &[String], drop: &[&str]) -> HashMap<String, Vec<String>> {
    let items = split(lines);
    let names = names(&items);
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for (_, tid, text) in &items {
        let call = &text[..text.find('(').unwrap_or(text.len())];
        if text.ends_with(" ERESTART") || call == "restart_syscall" || drop.iter().any(|d| text.starts_with(d)) {
            continue;
        }
        let mut t = rename_ids(text, &names);
        if call == "getrandom" {
            // the padding before the result depends on the bytes' escaped length
            // (the bytes may hold an escaped quote: the string ends at the
            // first unescaped one)
            t = format!("getrandom(R{}", &t[quoted_end(&t, "getrandom(".len())..]).replace('\t', "");
        }
        if call == "getppid" {
            t = "getppid() = PARENT".to_string();
        }
        while let Some(i) = t.find("127.0.0.1:").map(|i| i + "127.0.0.1:".len()) {
            let end = t[i..].find(|c: char| !c.is_ascii_digit()).map_or(t.len(), |e| i + e);
            if end == i {
                break;
            }
            t.replace_range(i..end, "PORT");
        }
        // System V IPC identifiers: the kernel picks them, two runs differ.
        if ["semget", "shmget", "msgget"].contains(&call) {
            if let Some(i) = t.rfind(" = ") {
                t.truncate(i);
                t.push_str(" = ID");
            }
        }
        if ["semop", "semtimedop", "semctl", "shmat", "shmctl", "msgsnd", "msgrcv", "msgctl"].contains(&call) {
            if let (Some(i), Some(j)) = (t.find('('), t.find(',')) {
                t.replace_range(i + 1..j, "ID");
            }
        }
        if t.contains("mode=p") || t.contains("mode=s") {
            if let Some(i) = t.find("inode=") {
                let end = t[i..].find(',').map_or(t.len(), |e| i + e);
                t.replace_range(i..end, "inode=N");
            }
        }
        // The padding before " = " follows the call's printed length, which
        // ids of different widths in the two runs change (pid 523 against
        // 31784: a flaky failure): compare without it.
        let t = t.replace('\t', " ").split(' ').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
        let key = names.get(tid).cloned().unwrap_or_else(|| format!("unnamed {tid}"));
        out.entry(key).or_default().push(t);
    }
    out
}

/// Runs `argv` under ptrace truss and truss --bpf (both `-f -H` plus
/// `extra`) and compares them thread by thread.
fn compare(tag: &str, extra: &[&str], argv: &[&str], drop: &[&str]) {
    let mut args = vec!["-f", "-H"];
    args.extend_from_slice(extra);
    args.extend_from_slice(argv);
    let (po, plines) = truss(&format!("{tag}-ptrace"), &args);
    let mut bargs = vec!["--bpf"];
    bargs.extend_from_slice(&args);
    let (bo, blines) = truss(&format!("{tag}-bpf"), &bargs);
    let berr = String::from_utf8_lossy(&bo.stderr);
    assert_eq!(po.status.code(), bo.status.code(), "exit statuses; --bpf stderr: {berr}");
    assert!(!blines.is_empty(), "--bpf printed nothing: {berr}");
    let p = normalise(&plines, drop);
    let b = normalise(&blines, drop);
    let mut keys: Vec<&String> = p.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        let (pl, bl) = (p.get(k).cloned().unwrap_or_default(), b.get(k).cloned().unwrap_or_default());
        if pl != bl {
            let first = pl.iter().zip(&bl).position(|(a, b)| a != b).unwrap_or(pl.len().min(bl.len()));
            panic!(
                "thread {k} differs at line {first}:\n  ptrace: {:?}\n  bpf:    {:?}\n--- ptrace ---\n{}\n--- bpf ---\n{}",
                pl.get(first),
                bl.get(first),
                plines.join("\n"),
                blines.join("\n")
            );
        }
    }
}

#[test]
fn a_program_writing_a_buffer_matches_ptrace_truss() {
    if bpf_usable() {
        compare("writes", &[], &[prog("writes").to_str().unwrap()], &[]);
    }
}

#[test]
fn failing_syscalls_decode_as_under_ptrace_with_their_paths_and_errnos() {
    if bpf_usable() {
        compare("fails", &[], &[prog("fails").to_str().unwrap()], &[]);
    }
}

#[test]
fn signals_and_their_siginfo_match_ptrace_truss() {
    if bpf_usable() {
        compare("signals", &[], &[prog("signals").to_str().unwrap()], &[]);
    }
}

#[test]
fn a_fork_and_a_reaped_child_without_a_sigchld_handler_match_ptrace_truss() {
    if bpf_usable() {
        compare("forkwait", &[], &[prog("forkwait").to_str().unwrap()], &[]);
    }
}

#[test]
fn a_multithreaded_program_matches_ptrace_truss_thread_by_thread() {
    if bpf_usable() {
        // pthread_join's futex waits depend on timing (and are interrupted
        // by ptrace's stops).
        compare("threads", &[], &[prog("threads").to_str().unwrap()], &["futex("]);
    }
}

#[test]
fn execs_with_argv_and_environment_match_ptrace_truss() {
    if bpf_usable() {
        compare("execs", &["-a", "-e"], &[prog("execs").to_str().unwrap()], &[]);
    }
}

#[test]
fn a_shell_pipeline_with_forks_and_an_exec_matches_ptrace_truss() {
    if bpf_usable() {
        // The shell's SIGCHLD handler runs when a child's exit happens to
        // land; its wait4 loop and sigreturn move with it.
        compare(
            "pipeline",
            &[],
            &["sh", "-c", "cat /etc/hostname | wc -c; true"],
            &["SIGNAL 17", "rt_sigreturn(", "wait4("],
        );
    }
}

/// zoo.c makes one call of each kind the decoder knows beyond its
/// argument kinds (ioctl, fcntl, getdents64, statfs, sockets and their
/// options, epoll, poll's revents, control messages, rt_sigreturn's mask,
/// prctl...): the kernel must copy what each of those decoders reads.
#[test]
fn every_decoded_struct_of_the_decoder_zoo_matches_ptrace_truss() {
    if bpf_usable() {
        // Free blocks, free memory and the clock move between the runs.
        compare("zoo", &[], &[prog("zoo").to_str().unwrap()], &["statfs(\"/\"", "sysinfo(", "times("]);
    }
}

#[test]
fn a_json_trace_has_the_same_events_as_ptrace_truss() {
    if !bpf_usable() {
        return;
    }
    let p = prog("fails");
    let (po, plines) = truss("json-ptrace", &["--json", p.to_str().unwrap()]);
    let (bo, blines) = truss("json-bpf", &["--bpf", "--json", p.to_str().unwrap()]);
    assert_eq!(po.status.code(), bo.status.code());
    let strip = |l: &String| {
        // ids differ between the runs: compare everything else
        let mut s = l.clone();
        for key in ["\"pid\":", "\"tid\":"] {
            while let Some(i) = s.find(key) {
                let end = s[i + key.len()..].find([',', '}']).map_or(s.len(), |e| i + key.len() + e);
                s.replace_range(i..end, "");
            }
        }
        s
    };
    let p: Vec<String> = plines.iter().filter(|l| !l.contains("set_tid_address")).map(strip).collect();
    let b: Vec<String> = blines.iter().filter(|l| !l.contains("set_tid_address")).map(strip).collect();
    assert_eq!(p, b);
}

#[test]
fn c_counts_the_same_calls_as_ptrace_truss() {
    if !bpf_usable() {
        return;
    }
    let p = prog("fails");
    let table = |lines: &[String]| -> Vec<(String, String, String)> {
        lines
            .iter()
            .filter_map(|l| {
                let w: Vec<&str> = l.split_whitespace().collect();
                // syscall  seconds  calls  errors
                (w.len() == 4 && w[2].parse::<u64>().is_ok()).then(|| (w[0].to_string(), w[2].to_string(), w[3].to_string()))
            })
            .collect()
    };
    let (_, plines) = truss("count-ptrace", &["-c", p.to_str().unwrap()]);
    let (bo, blines) = truss("count-bpf", &["--bpf", "-c", p.to_str().unwrap()]);
    assert_eq!(bo.status.code(), Some(0), "{}", String::from_utf8_lossy(&bo.stderr));
    let (pt, bt) = (table(&plines), table(&blines));
    assert!(pt.len() > 10, "{plines:?}");
    assert_eq!(pt, bt);
}

#[test]
fn e_trace_records_only_the_chosen_syscalls() {
    if !bpf_usable() {
        return;
    }
    let p = prog("fails");
    let (_, plines) = truss("filter-ptrace", &["-e", "trace=openat,close", p.to_str().unwrap()]);
    let (bo, blines) = truss("filter-bpf", &["--bpf", "-e", "trace=openat,close", p.to_str().unwrap()]);
    assert_eq!(bo.status.code(), Some(0));
    assert!(blines.iter().any(|l| l.starts_with("openat(AT_FDCWD,\"/nonexistent/file\"")), "{blines:?}");
    assert!(blines.iter().all(|l| l.starts_with("openat(") || l.starts_with("close(") || l.starts_with("process exit")), "{blines:?}");
    assert_eq!(plines, blines);
}

#[test]
fn a_command_that_cannot_run_is_reported_as_under_ptrace() {
    if !bpf_usable() {
        return;
    }
    let o = Command::new(BIN).args(["truss", "--bpf", "/nonexistent/program"]).stdin(Stdio::null()).output().unwrap();
    assert_eq!(o.status.code(), Some(127));
    assert!(String::from_utf8_lossy(&o.stderr).contains("execvp /nonexistent/program: No such file or directory"));
}

#[test]
fn the_commands_exit_status_and_a_fatal_signal_are_truss_exit_status() {
    if !bpf_usable() {
        return;
    }
    let (o, lines) = truss("status", &["--bpf", "sh", "-c", "exit 7"]);
    assert_eq!(o.status.code(), Some(7));
    assert_eq!(lines.last().map(String::as_str), Some("process exit, rval = 7"));
    let (o, lines) = truss("killed", &["--bpf", "sh", "-c", "kill -SEGV $$"]);
    assert_eq!(o.status.code(), Some(128 + 11));
    assert!(lines.iter().any(|l| l.starts_with("SIGNAL 11 (SIGSEGV)")), "{lines:?}");
    assert!(lines.last().unwrap().starts_with("process killed, signal = 11"), "{lines:?}");
}

#[test]
fn y_is_done_with_ptrace_and_says_so() {
    if !bpf_usable() {
        return;
    }
    let (o, lines) = truss("y", &["--bpf", "-y", prog("writes").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--bpf: -y reads each descriptor's path while the call is stopped; tracing with ptrace"));
    assert!(lines.iter().any(|l| l.starts_with("write(1<")), "{lines:?}");
}

/// Fault injection changes the call, which only a stopped thread allows:
/// `--bpf` says so and the trace runs on ptrace, injecting.
#[test]
fn fault_injection_is_done_with_ptrace_and_says_so() {
    if !bpf_usable() {
        return;
    }
    let p = prog("getppid");
    let args = ["--bpf", "-e", "trace=getppid", "-e", "inject=getppid:error=EPERM:when=2", p.to_str().unwrap(), "3"];
    let (o, lines) = truss("inject", &args);
    assert_eq!(o.status.code(), Some(0));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("--bpf: -e inject= and -e fault= change calls, which only a stopped thread allows; tracing with ptrace"),
        "{err}"
    );
    let calls: Vec<&String> = lines.iter().filter(|l| l.starts_with("getppid()")).collect();
    assert_eq!(calls.len(), 3, "{lines:?}");
    assert!(calls[1].ends_with("ERR#1 'Operation not permitted' (INJECTED)"), "{lines:?}");
    assert!(!calls[0].contains("INJECTED") && !calls[2].contains("INJECTED"), "{lines:?}");
}

/// strace's line options come out of the records as out of the stops:
/// `-n`'s numbers, `-X verbose`'s errno names, `-xx`'s hex, `-Z`'s
/// failed calls only.
#[test]
fn strace_formatting_and_status_options_match_ptrace_truss() {
    if bpf_usable() {
        compare("options", &["-n", "-X", "verbose", "-xx", "-Z"], &[prog("fails").to_str().unwrap()], &[]);
    }
}

/// `-r`, `-T` and `-C` from the records' timestamps: a relative time
/// first, the time in the call last, and the table after the trace.
#[test]
fn r_t_and_c_time_each_call_from_its_records() {
    if !bpf_usable() {
        return;
    }
    let (o, lines) = truss("timed", &["--bpf", "-r", "-T", "-C", "-e", "trace=getppid", prog("getppid").to_str().unwrap(), "5"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let line = regex::Regex::new(r"^ *\d+\.\d{6} getppid\(\)\s+= \d+ \(0x[0-9a-f]+\) <\d+\.\d{6}>$").unwrap();
    let calls = lines.iter().filter(|l| line.is_match(l)).count();
    assert_eq!(calls, 5, "{lines:?}");
    let row = lines.iter().find(|l| l.starts_with("getppid ")).unwrap_or_else(|| panic!("no -C table: {lines:?}"));
    assert_eq!(row.split_whitespace().nth(2), Some("5"), "{row}");
}

/// `-E` changes the command's environment: set one variable, remove one.
#[test]
fn e_var_sets_and_removes_variables_of_the_command() {
    if !bpf_usable() {
        return;
    }
    let (o, _) = truss("env", &["--bpf", "-E", "BSDTRACE_X=42", "-E", "HOME", "sh", "-c", "exit ${BSDTRACE_X:-1}${HOME:+9}"]);
    assert_eq!(o.status.code(), Some(42), "{}", String::from_utf8_lossy(&o.stderr));
}

/// `-ff -o FILE`: one `FILE.PID` per process, without the pid column.
#[test]
fn ff_writes_each_process_to_its_own_file() {
    if !bpf_usable() {
        return;
    }
    let base = format!("bpf-ff-{}", std::process::id());
    let o = Command::new(BIN)
        .args(["truss", "--bpf", "-ff", "-o"])
        .arg(tmpdir().join(&base))
        .arg(prog("forkwait"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let mut files: Vec<(PathBuf, String)> = std::fs::read_dir(tmpdir())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(&format!("{base}.")))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect();
    files.sort();
    assert_eq!(files.len(), 2, "{files:?}");
    let parent = files.iter().find(|(_, t)| t.contains("wait4(")).expect("the parent's file");
    let child = files.iter().find(|(_, t)| t.contains("exit_group(3)")).expect("the child's file");
    assert_ne!(parent.0, child.0);
    assert!(parent.1.lines().all(|l| !l.starts_with(char::is_numeric)), "no pid column: {}", parent.1);
    for (p, _) in &files {
        let _ = std::fs::remove_file(p);
    }
}

/// Several `-p`: each process's lines, with the pid column.
#[test]
fn several_p_record_each_process_with_its_pid() {
    use std::io::{BufRead, BufReader};
    if !bpf_usable() {
        return;
    }
    let mut kids = Vec::new();
    let mut pids = Vec::new();
    for _ in 0..2 {
        let mut child = Command::new(prog("loop")).stdout(Stdio::piped()).spawn().unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        pids.push(line.trim().strip_prefix("ready ").unwrap().to_string());
        // Keep reading the ticks, so the loop never blocks on a full pipe.
        std::thread::spawn(move || for _ in out.lines() {});
        kids.push(child);
    }
    let f = tmpdir().join(format!("bpf-multi-{}", std::process::id()));
    let mut truss = Command::new(BIN)
        .args(["truss", "--bpf", "-o"])
        .arg(&f)
        .args(["-p", &pids[0], "-p", &pids[1]])
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    // The pid column is right-aligned.
    let seen = |text: &str, pid: &str| text.lines().filter(|l| l.trim_start().starts_with(&format!("{pid}: getppid()"))).count() >= 2;
    let mut text = String::new();
    for _ in 0..500 {
        text = std::fs::read_to_string(&f).unwrap_or_default();
        if pids.iter().all(|p| seen(&text, p)) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    unsafe { libc::kill(truss.id() as i32, libc::SIGINT) };
    assert_eq!(truss.wait().unwrap().code(), Some(0));
    for k in &mut kids {
        let _ = k.kill();
        let _ = k.wait();
    }
    let _ = std::fs::remove_file(&f);
    assert!(pids.iter().all(|p| seen(&text, p)), "{pids:?}: {text}");
}

/// A ring of two pages cannot hold a getppid loop's records between two
/// drains: the losses must be reported, per thread, and must account for
/// every record that is not in the output.
#[test]
fn an_overflowing_ring_reports_every_lost_record_and_exits_3() {
    if !bpf_usable() {
        return;
    }
    const N: usize = 200_000;
    let (o, lines) = truss("overflow", &["--bpf-ring=8192", prog("getppid").to_str().unwrap(), &N.to_string()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    let mut lost_in_lines = 0u64;
    let mut complete = 0u64;
    let mut unfinished = 0u64;
    for l in &lines {
        if let Some(rest) = l.strip_prefix('<').and_then(|r| r.strip_suffix(" lost>")) {
            // <N events of thread T lost>
            lost_in_lines += rest.split(' ').next().unwrap().parse::<u64>().unwrap();
        } else if l.starts_with("getppid()") {
            if l.contains(" = ") {
                complete += 1;
            } else {
                unfinished += 1;
            }
        }
    }
    let total: u64 = err
        .split_whitespace()
        .zip(err.split_whitespace().skip(1))
        .find(|(_, w)| *w == "events")
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or_else(|| panic!("no count on stderr: {err}"));
    assert!(total > 0);
    assert_eq!(lost_in_lines, total, "the lines and stderr disagree: {err}");
    // Each getppid call not shown whole lost its entry or its exit record
    // (or both): none disappeared without a count.
    assert!(complete < N as u64, "nothing was lost from the getppid calls");
    assert!(N as u64 - complete <= total, "{complete} complete, {unfinished} unfinished, {total} lost");
    assert!(unfinished <= total);
}

/// `-p`: every thread of a running process is recorded from now on, and
/// SIGINT ends the trace leaving the process running, untouched (BPF never
/// attached to it).
#[test]
fn p_records_every_thread_of_a_running_process_and_sigint_ends_the_trace() {
    use std::io::{BufRead, BufReader};
    if !bpf_usable() {
        return;
    }
    let mut child = Command::new(prog("loop")).arg("threaded").stdout(Stdio::piped()).spawn().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let pid: i32 = line.trim().strip_prefix("ready ").unwrap().parse().unwrap();
    let f = tmpdir().join(format!("bpf-attach-{}", std::process::id()));
    let mut truss = Command::new(BIN)
        .args(["truss", "--bpf", "-H", "-o"])
        .arg(&f)
        .args(["-p", &pid.to_string()])
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    // Lines appear (the output is line-buffered with -p) within a few ticks.
    let mut text = String::new();
    for _ in 0..500 {
        text = std::fs::read_to_string(&f).unwrap_or_default();
        if text.matches("getppid()").count() >= 3 && text.matches("getuid()").count() >= 3 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    unsafe { libc::kill(truss.id() as i32, libc::SIGINT) };
    let st = truss.wait().unwrap();
    assert_eq!(st.code(), Some(0));
    let tids: std::collections::HashSet<&str> = text.lines().filter_map(|l| l.split(':').next()).map(str::trim).collect();
    assert_eq!(tids.len(), 2, "two threads: {text}");
    assert!(text.contains("getppid()") && text.contains("getuid()"), "{text}");
    // Still running and ticking.
    line.clear();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "tick\n");
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_file(&f);
}

/// Without the privileges, `--bpf` says why it cannot run and exits 1,
/// and truss without it still works (ptrace needs none for one's own
/// children).
#[test]
fn an_unprivileged_bpf_trace_says_why_and_plain_truss_still_runs() {
    // Root drops to nobody for it; /sys/kernel/btf must exist for the
    // privilege check to be the one that fails.
    if bsdtrace::sys::geteuid() != 0 || !bpf_usable() || Command::new("setpriv").arg("--version").output().is_err() {
        eprintln!("needs root, BPF and setpriv: test not run");
        return;
    }
    let nobody = ["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"];
    let o = Command::new("setpriv").args(nobody).args([BIN, "truss", "--bpf", "/bin/true"]).stdin(Stdio::null()).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--bpf: loading tracing BPF programs needs CAP_BPF and CAP_PERFMON (or root)"), "{err}");
    let o = Command::new("setpriv").args(nobody).args([BIN, "truss", "/bin/true"]).stdin(Stdio::null()).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("exit_group(0)"));
}

// ---- 32-bit programs: i386 calls, told apart by the kernel's TS_COMPAT ----

/// A 32-bit ls-like program: i386 names, split offsets, i386 layouts
/// (stat64/statx, user_desc, _llseek's result...), `<runs in 32 bit mode>`.
#[test]
fn a_32_bit_ls_like_program_matches_ptrace_truss() {
    if bpf_usable() {
        // A small directory: a getdents64 result over 4096 bytes shows no
        // entry count under --bpf (docs/deviations.md).
        let dir = tmpdir().join(format!("bpf-lsdir32-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for f in ["a", "bb", "ccc"] {
            std::fs::write(dir.join(f), f).unwrap();
        }
        compare("lsdir32", &[], &[prog32("lsdir").to_str().unwrap(), dir.to_str().unwrap()], &[]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// The zoo as a 32-bit program: the per-call decoders that serve i386
/// calls get their memory copied in i386's sizes.
#[test]
fn the_decoder_zoo_as_a_32_bit_program_matches_ptrace_truss() {
    if bpf_usable() {
        compare(
            "zoo32",
            &[],
            &[prog32("zoo").to_str().unwrap()],
            // The clock and free space move.
            &["statfs64(\"/\"", "sysinfo(", "times("],
        );
    }
}

/// The calls only i386 has: socketcall's sub-calls get their array and
/// what its words point to copied (truss.bpf.c's run_socketcall), ipc's
/// what `ptr` points to, 32-bit msghdrs and iovecs are followed (those of
/// sendmmsg's and recvmmsg's messages too); the old
/// stat family, getdents and readdir in their i386 sizes.
#[test]
fn a_32_bit_programs_multiplexed_and_old_calls_match_ptrace_truss() {
    if bpf_usable() {
        compare("compat32", &[], &[prog32("compat32").to_str().unwrap()], &[]);
    }
}

/// execve's argv and environment strings of a 32-bit program (`-a`,
/// `-e`): 32-bit pointers followed in the kernel.
#[test]
fn a_32_bit_programs_execve_strings_match_ptrace_truss() {
    if bpf_usable() {
        compare("execs32", &["-a", "-e"], &[prog32("execs").to_str().unwrap()], &[]);
    }
}

#[test]
fn a_32_bit_program_with_signals_matches_ptrace_truss() {
    if bpf_usable() {
        compare("signals32", &[], &[prog32("signals").to_str().unwrap()], &[]);
    }
}

#[test]
fn a_64_bit_programs_int_0x80_is_an_i386_call() {
    if !bpf_usable() {
        return;
    }
    let src = tmpdir().join("int80.c");
    std::fs::write(
        &src,
        "int main(void) { long r; static const char m[] = \"hi\\n\"; (void)*(volatile const char *)m;\n\
         __asm__ volatile(\"int $0x80\" : \"=a\"(r) : \"a\"(4), \"b\"(1), \"c\"(m), \"d\"(3) : \"memory\");\n\
         return r == 3 ? 0 : 1; }\n",
    )
    .unwrap();
    let exe = tmpdir().join(format!("int80-{}", std::process::id()));
    // Non-PIE, so that the string is below 4 GiB where i386's write reads
    // it. The string is read first: a write to /dev/null (the test's
    // stdout) never reads its buffer, and BPF cannot fault in a page the
    // program never touched (docs/deviations.md), so it would show as an
    // address.
    let st = Command::new("cc").args(["-O2", "-no-pie", "-o"]).arg(&exe).arg(&src).status().unwrap();
    assert!(st.success());
    let (o, lines) = truss("int80", &["--bpf", exe.to_str().unwrap()]);
    assert!(o.status.success(), "{lines:?}");
    let at = lines.iter().position(|l| l.ends_with("<runs in 32 bit mode>")).expect("no 32-bit mode line");
    assert_eq!(lines[at + 1], "write(1,\"hi\\n\",3)\t\t\t\t = 3 (0x3)", "{lines:?}");
    assert!(lines[at + 2].ends_with("<runs in 64 bit mode>"), "{lines:?}");
    let _ = std::fs::remove_file(&exe);
}

/// A filtered trace where the kernel refuses fentry runs on the chosen
/// syscalls' own tracepoints, which leave ia32 calls out: a 32-bit
/// command gets the raw_syscalls tracepoints instead, and its calls are
/// all there, as under ptrace.
#[test]
fn e_trace_of_a_32_bit_program_sees_its_calls() {
    if !bpf_usable() {
        return;
    }
    let p = prog32("fails");
    let (_, plines) = truss("filter32-ptrace", &["-e", "trace=openat,close", p.to_str().unwrap()]);
    let (bo, blines) = truss("filter32-bpf", &["--bpf", "-e", "trace=openat,close", p.to_str().unwrap()]);
    assert_eq!(bo.status.code(), Some(0));
    assert!(blines.iter().any(|l| l.starts_with("openat(AT_FDCWD,\"/nonexistent/file\"")), "{blines:?}");
    assert_eq!(plines, blines);
}

/// The same filter on a 64-bit command, where the kernel refuses fentry
/// (this machine's lockdown): the per-syscall tracepoints, said on stderr.
#[test]
fn e_trace_without_fentry_uses_the_syscalls_own_tracepoints() {
    if !bpf_usable() {
        return;
    }
    let p = prog("fails");
    let (bo, blines) = truss("filter-events", &["--bpf", "-e", "trace=openat", p.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&bo.stderr);
    if !err.contains("refuses fentry") {
        // fentry works here: nothing to see.
        return;
    }
    assert!(err.contains("own tracepoints"), "{err}");
    assert!(blines.iter().any(|l| l.starts_with("openat(AT_FDCWD,\"/nonexistent/file\"")), "{blines:?}");
}

// The end of a filtered trace. Where the kernel refuses fentry, a filtered
// trace attaches to the chosen syscalls' own tracepoints, whose last close
// waits for RCU grace periods (60-100 ms each): truss hands its perf links
// and events to a helper process forked from it (the closer) and exits at
// once. truss runs in a process group of its own, which the closer and the
// traced program inherit: the group's members are what it left behind.

/// `truss --bpf ARGS` in a process group of its own (its pid), on the
/// per-syscall tracepoints even where the kernel allows fentry
/// (BSDTRACE_BPF_TRACEPOINTS=syscalls), so that its end hands them to a
/// closer.
fn truss_group(args: &[&str], stdin: Stdio, stdout: Stdio) -> std::process::Child {
    use std::os::unix::process::CommandExt;
    Command::new(BIN)
        .arg("truss")
        .args(args)
        .env("BSDTRACE_BPF_TRACEPOINTS", "syscalls")
        .process_group(0)
        .stdin(stdin)
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The living (not zombie) processes of process group `pgid`: (pid,
/// cmdline, empty for one in its exit, whose memory is gone).
fn group(pgid: i32) -> Vec<(i32, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        // pid (comm) state ppid pgrp ...
        let Some((_, rest)) = stat.rsplit_once(')') else { continue };
        let w: Vec<&str> = rest.split_whitespace().collect();
        if w.len() > 2 && w[2].parse() == Ok(pgid) && w[0] != "Z" && w[0] != "X" {
            let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            out.push((pid, String::from_utf8_lossy(&cmd).replace('\0', " ").trim_end().to_string()));
        }
    }
    out
}

/// What each descriptor of `pid` is: (fd, readlink target).
fn fd_targets(pid: i32) -> Vec<(i32, String)> {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { return Vec::new() };
    dir.flatten()
        .filter_map(|e| {
            let fd = e.file_name().to_str()?.parse().ok()?;
            Some((fd, std::fs::read_link(e.path()).ok()?.to_string_lossy().into_owned()))
        })
        .collect()
}

/// The BPF programs and links `pid` holds descriptors of (its fdinfo's
/// `prog_id` and `link_id`: a link names its program too).
fn bpf_ids(pid: i32) -> (Vec<u32>, Vec<u32>) {
    let (mut progs, mut links) = (Vec::new(), Vec::new());
    for (fd, _) in fd_targets(pid) {
        let info = std::fs::read_to_string(format!("/proc/{pid}/fdinfo/{fd}")).unwrap_or_default();
        for l in info.lines() {
            let id = |k: &str| l.strip_prefix(k).and_then(|v| v.trim().parse::<u32>().ok());
            if let Some(id) = id("prog_id:") {
                progs.push(id);
            }
            if let Some(id) = id("link_id:") {
                links.push(id);
            }
        }
    }
    progs.sort_unstable();
    progs.dedup();
    links.sort_unstable();
    links.dedup();
    (progs, links)
}

const BPF_PROG_GET_FD_BY_ID: i64 = 13;
const BPF_LINK_GET_FD_BY_ID: i64 = 30;

/// Whether the kernel still has the BPF object `id` (`cmd`: a
/// `*_GET_FD_BY_ID`). Ids are allocated cyclically, so a freed one is not
/// soon another's.
fn bpf_object_exists(cmd: i64, id: u32) -> bool {
    // union bpf_attr's {prog,link}_id, next_id, open_flags
    let attr = [id, 0, 0, 0];
    // SAFETY: the attribute is 16 bytes that live across the call; the
    // descriptor returned is ours and closed here.
    let fd = unsafe { libc::syscall(libc::SYS_bpf, cmd, attr.as_ptr(), std::mem::size_of_val(&attr)) };
    if fd >= 0 {
        unsafe { libc::close(fd as i32) };
        return true;
    }
    let e = std::io::Error::last_os_error();
    assert_eq!(e.raw_os_error(), Some(libc::ENOENT), "bpf({cmd}, {id}): {e}");
    false
}

/// The pipe inode of one of our ends (`pipe:[INODE]` in /proc/PID/fd).
fn pipe_name(fd: &impl std::os::fd::AsRawFd) -> String {
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: fstat writes the struct it is given.
    assert_eq!(unsafe { libc::fstat(fd.as_raw_fd(), &mut st) }, 0);
    format!("pipe:[{}]", st.st_ino)
}

/// Waits for `child` (never hangs: killed after 30 s, then a failure).
fn wait_bounded(child: &mut std::process::Child, what: &str) -> std::process::ExitStatus {
    for _ in 0..3000 {
        if let Some(st) = child.try_wait().unwrap() {
            return st;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("{what} did not end within 30 s");
}

/// Polls `done` every 10 ms for up to 10 s; false if it never held.
fn within_10_s(mut done: impl FnMut() -> bool) -> bool {
    for _ in 0..1000 {
        if done() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    done()
}

/// Waits until truss `pid` has attached its programs and started its
/// command (a child that has executed another program: it is started
/// after every attach), then returns the BPF programs and links it holds.
/// A child that still has truss's command line is the command before its
/// exec; an empty one is in the middle of it (the new image's arguments
/// are not in place yet): killed then, truss leaves a process that is
/// not yet the command. (Truss's own command line is read each time: the
/// spawn that made truss returns before its exec has put it in place.)
fn attached(pid: i32) -> (Vec<u32>, Vec<u32>) {
    let cmdline = |p: &str| std::fs::read(format!("/proc/{p}/cmdline")).unwrap_or_default();
    let started = || {
        let ours = cmdline(&pid.to_string());
        !ours.is_empty()
            && std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).is_ok_and(|c| {
                c.split_whitespace().any(|child| {
                    let cmd = cmdline(child);
                    !cmd.is_empty() && cmd != ours
                })
            })
    };
    assert!(within_10_s(started), "truss did not start its command within 10 s");
    let ids = bpf_ids(pid);
    assert!(!ids.0.is_empty() && !ids.1.is_empty(), "truss holds no BPF program or link: {ids:?}");
    ids
}

/// Whether the closer is used (the per-syscall tracepoints: a kernel
/// without syscall events gets the raw ones), from truss's stderr.
fn per_syscall_tracepoints(stderr: &str) -> bool {
    stderr.contains("own tracepoints")
}

/// After a filtered trace ends, every BPF program and link truss had is
/// gone from the kernel within a bounded time, and so is the closer; the
/// closer, caught alive, holds nothing but perf events, links and its
/// gate: none of truss's standard descriptors.
#[test]
fn a_filtered_traces_end_leaves_no_program_attached_and_no_closer_behind() {
    if !bpf_usable() {
        return;
    }
    let mut t = truss_group(&["--bpf", "-e", "trace=openat", "sh", "-c", "read x; exec 3</dev/null"], Stdio::piped(), Stdio::piped());
    let tp = t.id() as i32;
    let ours: Vec<String> = [pipe_name(t.stdin.as_ref().unwrap()), pipe_name(t.stdout.as_ref().unwrap()), pipe_name(t.stderr.as_ref().unwrap())].into();
    let (progs, links) = attached(tp);
    let cmdline = group(tp).into_iter().find(|(p, _)| *p == tp).expect("truss in its group").1;
    {
        use std::io::Write;
        let mut stdin = t.stdin.take().unwrap();
        stdin.write_all(b"x\n").unwrap();
    }
    let st = wait_bounded(&mut t, "truss");
    let mut closers = HashMap::new();
    let gone = within_10_s(|| {
        let left = group(tp);
        for (pid, cmd) in &left {
            // Only the closer (a fork of truss: the same command line,
            // named bsdtrace-detach once it runs) can be left: the command
            // has ended before truss. (No command line: a process in its
            // exit.)
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            assert!(
                cmd.is_empty() || (cmd == &cmdline && ["bsdtrace-detach", "bsdtrace"].contains(&comm.trim_end())),
                "a process other than the closer left behind: {left:?} ({pid}: {comm})"
            );
            if comm.trim_end() == "bsdtrace-detach" {
                // Named once ready: it catches no signal (truss's SIGINT and
                // SIGTERM handlers would make it ignore them), blocks none,
                // and holds no directory but /.
                let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
                for key in ["SigCgt:", "SigBlk:"] {
                    if let Some(v) = status.lines().find_map(|l| l.strip_prefix(key)) {
                        assert_eq!(u64::from_str_radix(v.trim(), 16), Ok(0), "the closer {pid}'s {key}{v}");
                    }
                }
                if let Ok(cwd) = std::fs::read_link(format!("/proc/{pid}/cwd")) {
                    assert_eq!(cwd, Path::new("/"), "the closer {pid}'s working directory");
                }
            }
            let fds = fd_targets(*pid);
            for (fd, what) in &fds {
                assert!(
                    what == "anon_inode:[perf_event]" || what == "anon_inode:bpf_link" || (what.starts_with("pipe:") && !ours.contains(what)),
                    "the closer {pid} holds fd {fd} -> {what} (truss's stdio: {ours:?})"
                );
            }
            if !fds.is_empty() {
                closers.insert(*pid, (comm, fds));
            }
        }
        left.is_empty()
            && !progs.iter().any(|&id| bpf_object_exists(BPF_PROG_GET_FD_BY_ID, id))
            && !links.iter().any(|&id| bpf_object_exists(BPF_LINK_GET_FD_BY_ID, id))
    });
    // (truss writes its trace on stderr, as FreeBSD's does.)
    let mut out = String::new();
    std::io::Read::read_to_string(&mut t.stderr.take().unwrap(), &mut out).unwrap();
    let err = &out;
    assert!(
        gone,
        "10 s after truss ended: left in its group {:?}; programs {:?} of {progs:?}, links {:?} of {links:?} still in the kernel",
        group(tp),
        progs.iter().filter(|&&id| bpf_object_exists(BPF_PROG_GET_FD_BY_ID, id)).collect::<Vec<_>>(),
        links.iter().filter(|&&id| bpf_object_exists(BPF_LINK_GET_FD_BY_ID, id)).collect::<Vec<_>>(),
    );
    assert_eq!(st.code(), Some(0), "{out}");
    assert!(out.lines().any(|l| l.starts_with("openat(AT_FDCWD,\"/dev/null\"")), "{out}");
    assert_eq!(out.lines().last(), Some("process exit, rval = 0"), "{out}");
    eprintln!(
        "hooks: {}; closer seen: {closers:?}",
        if per_syscall_tracepoints(err) { "per-syscall tracepoints" } else { "raw tracepoints (no syscall events here: no closer)" }
    );
}

/// `truss --bpf -e trace=openat CMD 2>&1 | cat` (truss writes its trace
/// on stderr, as FreeBSD's does): cat ends when truss does (the closer
/// holds no end of the pipe: it is caught alive when cat sees the end),
/// truss exits with the command's status, the trace complete.
#[test]
fn a_filtered_trace_through_a_pipe_ends_with_truss_and_the_commands_status() {
    if !bpf_usable() {
        return;
    }
    use std::os::unix::process::CommandExt;
    let mut observed = None;
    let mut closer_used = false;
    for _ in 0..5 {
        let mut t = Command::new(BIN)
            .args(["truss", "--bpf", "-e", "trace=openat", "sh", "-c", "exec 3</dev/null; exit 7"])
            .env("BSDTRACE_BPF_TRACEPOINTS", "syscalls")
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let tp = t.id() as i32;
        let mut cat = Command::new("cat").stdin(Stdio::from(t.stderr.take().unwrap())).stdout(Stdio::piped()).spawn().unwrap();
        let reader = {
            let mut o = cat.stdout.take().unwrap();
            std::thread::spawn(move || {
                let mut s = String::new();
                std::io::Read::read_to_string(&mut o, &mut s).unwrap();
                // The moment the pipe ends: who of truss's group is alive?
                (s, group(tp))
            })
        };
        let st = wait_bounded(&mut t, "truss");
        let cst = wait_bounded(&mut cat, "cat after truss ended");
        let (out, alive_at_eof) = reader.join().unwrap();
        assert_eq!(st.code(), Some(7), "{out}");
        assert!(cst.success());
        assert!(out.lines().any(|l| l.starts_with("openat(AT_FDCWD,\"/dev/null\"")), "{out}");
        assert_eq!(out.lines().last(), Some("process exit, rval = 7"), "{out}");
        assert!(within_10_s(|| group(tp).is_empty()), "10 s after truss ended, its group still has {:?}", group(tp));
        closer_used = per_syscall_tracepoints(&out);
        if !closer_used {
            eprintln!("no per-syscall tracepoints here (no closer): {out}");
            return;
        }
        // truss itself may still be in its exit when the pipe ends. One
        // whose memory is gone (no command line) is in its exit too, maybe
        // closing its descriptors still: not seen alive.
        if let Some(c) = alive_at_eof.into_iter().find(|(p, cmd)| *p != tp && !cmd.is_empty()) {
            observed = Some(c);
            break;
        }
    }
    // A closer holding the pipe would end before cat could: it is seen
    // alive at the pipe's end (its RCU waits take 100 ms or more) in at
    // least one of five runs unless it holds the pipe.
    assert!(!closer_used || observed.is_some(), "the closer was never alive when the pipe ended: does it hold it?");
    eprintln!("alive when the pipe ended: {observed:?}");
}

/// truss killed (SIGKILL) in the middle of a filtered trace: the kernel
/// detaches everything it held, no closer is left, and the command runs
/// on untraced to its normal end. Then truss killed at moments spread over
/// its start, trace and end: nothing of any run is left behind.
#[test]
fn sigkill_during_a_filtered_trace_leaves_nothing_attached_and_the_command_runs_on() {
    if !bpf_usable() {
        return;
    }
    let marker = tmpdir().join(format!("bpf-killed-marker-{}", std::process::id()));
    let _ = std::fs::remove_file(&marker);
    let script = format!("read x; exec 3</dev/null && echo ok > '{}'", marker.display());
    let mut t = truss_group(&["--bpf", "-e", "trace=openat", "sh", "-c", &script], Stdio::piped(), Stdio::null());
    let tp = t.id() as i32;
    let (progs, links) = attached(tp);
    t.kill().unwrap();
    let st = wait_bounded(&mut t, "truss after SIGKILL");
    assert_eq!(std::os::unix::process::ExitStatusExt::signal(&st), Some(libc::SIGKILL));
    let gone = || {
        !progs.iter().any(|&id| bpf_object_exists(BPF_PROG_GET_FD_BY_ID, id)) && !links.iter().any(|&id| bpf_object_exists(BPF_LINK_GET_FD_BY_ID, id))
    };
    assert!(within_10_s(gone), "programs {progs:?} or links {links:?} still in the kernel 10 s after truss died");
    // Only the command (sh, waiting for its line) is left in the group.
    let left = group(tp);
    let why = |l: &[(i32, String)]| -> String {
        l.iter()
            .map(|(p, _)| {
                let f = |n: &str| std::fs::read_to_string(format!("/proc/{p}/{n}")).unwrap_or_default();
                format!("{p}: stat {} wchan {} exe {:?}\n{}", f("stat"), f("wchan"), std::fs::read_link(format!("/proc/{p}/exe")), f("status"))
            })
            .collect()
    };
    assert!(left.len() == 1 && left[0].1.starts_with("sh -c"), "{left:?} {}", why(&left));
    {
        use std::io::Write;
        t.stdin.take().unwrap().write_all(b"x\n").unwrap();
    }
    assert!(within_10_s(|| group(tp).is_empty()), "the command did not end: {:?}", group(tp));
    assert_eq!(std::fs::read_to_string(&marker).unwrap_or_default(), "ok\n", "the command did not run to its end");
    let _ = std::fs::remove_file(&marker);
    let mut err = String::new();
    std::io::Read::read_to_string(&mut t.stderr.take().unwrap(), &mut err).unwrap();
    eprintln!("per-syscall tracepoints: {}", per_syscall_tracepoints(&err));

    // Killed at moments spread over start (loading), trace and end
    // (hand-off to the closer): every group empties.
    let mut groups = Vec::new();
    for delay in [0u64, 5, 10, 20, 30, 45, 60, 80, 100, 130, 160, 200] {
        let mut t = truss_group(&["--bpf", "-e", "trace=openat", "true"], Stdio::null(), Stdio::null());
        std::thread::sleep(std::time::Duration::from_millis(delay));
        let _ = t.kill();
        wait_bounded(&mut t, "truss after SIGKILL");
        groups.push(t.id() as i32);
    }
    let left = || groups.iter().flat_map(|&g| group(g)).collect::<Vec<_>>();
    assert!(within_10_s(|| left().is_empty()), "10 s after the kills: {:?}", left());
}

/// The x86-64 syscalls whose kernel function and tracepoint have another
/// name (stat, fstat, lstat: `newstat`...; uname: `newuname`; sendfile:
/// `sendfile64`; umount2: `umount`) are found under it: `-e trace=` of
/// them records them with fentry, or their own tracepoints (asked for
/// here too, with BSDTRACE_BPF_TRACEPOINTS=syscalls), as under ptrace. (On
/// the old name fentry attached to `__x64_sys_fstat`, the i386 call, and
/// saw nothing; the tracepoints were not found and the raw ones used.)
#[test]
fn e_trace_of_syscalls_the_kernel_renames_records_them() {
    if !bpf_usable() {
        return;
    }
    let src = tmpdir().join("renamed.c");
    std::fs::write(
        &src,
        "#include <fcntl.h>\n#include <sys/stat.h>\n#include <sys/syscall.h>\n#include <sys/utsname.h>\n#include <unistd.h>\n\
         int main(void) { struct stat st; struct utsname u;\n\
         syscall(SYS_stat, \"/nonexistent\", &st); syscall(SYS_lstat, \"/nonexistent\", &st); syscall(SYS_fstat, 99, &st);\n\
         syscall(SYS_uname, &u); int in = open(\"/dev/null\", O_RDONLY), out = open(\"/dev/null\", O_WRONLY);\n\
         syscall(SYS_sendfile, out, in, 0, 1); syscall(SYS_umount2, \"/nonexistent\", 0); return 0; }\n",
    )
    .unwrap();
    let exe = tmpdir().join(format!("renamed-{}", std::process::id()));
    let st = Command::new("cc").args(["-O2", "-o"]).arg(&exe).arg(&src).status().unwrap();
    assert!(st.success());
    let set = "trace=stat,lstat,fstat,uname,sendfile,umount2";
    // The calls' lines (uname's struct is the same in both), the stack
    // buffers' addresses masked (the variable moves the stack).
    let stack = regex::Regex::new("0x7ff[0-9a-f]{9}").unwrap();
    let calls = |lines: &[String]| -> Vec<String> {
        lines.iter().filter(|l| !l.starts_with("process exit")).map(|l| stack.replace_all(l, "STACK").into_owned()).collect()
    };
    let (_, plines) = truss("renamed-ptrace", &["-e", set, exe.to_str().unwrap()]);
    assert_eq!(calls(&plines).len(), 6, "{plines:?}");
    for hooks in ["", "syscalls"] {
        let f = tmpdir().join(format!("bpf-out-renamed-{hooks}-{}", std::process::id()));
        let mut c = Command::new("setarch");
        c.args(["-R", BIN, "truss", "--bpf", "-e", set, "-o"]).arg(&f).arg(&exe).stdin(Stdio::null());
        if hooks.is_empty() {
            c.env_remove("BSDTRACE_BPF_TRACEPOINTS");
        } else {
            c.env("BSDTRACE_BPF_TRACEPOINTS", hooks);
        }
        let o = c.output().unwrap();
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        let _ = std::fs::remove_file(&f);
        let blines: Vec<String> = text.lines().map(str::to_string).collect();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "{err}");
        assert_eq!(calls(&plines), calls(&blines), "BSDTRACE_BPF_TRACEPOINTS={hooks}: {err}");
        if Path::new("/sys/kernel/tracing/events/syscalls/sys_enter_newfstat").is_dir() {
            assert!(!err.contains("raw_syscalls"), "the renamed syscalls' own tracepoints not found: {err}");
        }
    }
    let _ = std::fs::remove_file(&exe);
}
