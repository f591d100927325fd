//! `bsdtrace gdbserver` against clients that are not gdb: old-style
//! packets (lldb's), malformed and hostile input, connections that are
//! reset, packets naming processes that are not ours, clients of another
//! user. Each test is one of the defects issue 12 found: the server must
//! answer and go on, and never lose the program.

mod gdbcommon;
use gdbcommon::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Built without PIE so the test knows function addresses from `nm`.
const TARGET: &str = r#"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
int counter;
void add(int x) { counter += x; }
void child_fn(void) { counter += 100; }
int main(int argc, char **argv)
{
    if (argc > 1 && argv[1][0] == 'v') {
        /* A vfork child runs in its parent's memory, where our int3s are. */
        pid_t p = vfork();
        if (p == 0) {
            child_fn();
            _exit(3);
        }
        int st = 0;
        waitpid(p, &st, 0);
        child_fn();
        int r = system("exit 3");
        printf("vfork child %d system %x\n", WEXITSTATUS(st), r);
        return 0;
    }
    for (int i = 1; i <= 3; i++)
        add(i);
    write(1, "ready\n", 6);
    for (;;) {
        usleep(2000);
        add(1);
    }
}
"#;

fn target() -> PathBuf {
    build_with("hostile-target", TARGET, &["-no-pie"])
}

fn sym(prog: &Path, name: &str) -> u64 {
    let o = Command::new("nm").arg(prog).output().unwrap();
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 3 && f[2] == name).then(|| u64::from_str_radix(f[0], 16).unwrap())
        })
        .unwrap_or_else(|| panic!("no symbol {name}"))
}

/// A server over stdio for `prog`, after the handshake; and the
/// program's pid.
fn session(features: &str, args: &[&str]) -> (Rsp, std::io::BufReader<std::process::ChildStderr>, i32) {
    let prog = target();
    let mut argv = vec![prog.to_str().unwrap()];
    argv.extend_from_slice(args);
    let (mut rsp, mut err) = Rsp::stdio(&[], &argv);
    let pid = pid_in(&wait_line(&mut err, "created"));
    rsp.handshake(features);
    (rsp, err, pid)
}

fn traced_by_someone(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/status")).is_ok_and(|s| !s.contains("TracerPid:\t0\n"))
}

fn rip_of(stop: &str) -> u64 {
    let f = stop.split(';').find_map(|f| f.strip_prefix("10:").or_else(|| f.rsplit_once("10:").map(|x| x.1))).unwrap();
    let b: Vec<u8> = (0..8).map(|i| u8::from_str_radix(&f[i * 2..i * 2 + 2], 16).unwrap()).collect();
    u64::from_le_bytes(b.try_into().unwrap())
}

#[test]
fn old_style_c_and_s_resume_the_real_thread() {
    // lldb's dialect: no multiprocess, `c` and `s` after `Hc`.
    let prog = target();
    let add = sym(&prog, "add");
    let (mut rsp, _err, pid) = session("xmlRegisters=i386", &[]);
    assert_eq!(rsp.ask(&format!("Z0,{add:x},1")), "OK");
    let stop = rsp.ask("c");
    assert!(stop.starts_with("T05"), "{stop}");
    assert_eq!(rip_of(&stop), add, "{stop}");
    assert_eq!(stop_thread(&stop), format!("{pid:x}"));
    // A step from there moves one instruction, in the same thread.
    assert_eq!(rsp.ask(&format!("z0,{add:x},1")), "OK");
    let stop = rsp.ask("s");
    assert!(stop.starts_with("T05"), "{stop}");
    assert!(rip_of(&stop) > add && rip_of(&stop) < add + 16, "{stop}");
    // `?` still describes a stopped thread, and `Hc` + `c` resumes it.
    assert!(rsp.ask("?").starts_with("T05"));
    assert_eq!(rsp.ask(&format!("Z0,{add:x},1")), "OK");
    assert_eq!(rsp.ask(&format!("Hc{pid:x}")), "OK");
    let stop = rsp.ask("c");
    assert_eq!(rip_of(&stop), add, "{stop}");
    assert!(traced_by_someone(pid));
}

#[test]
fn malformed_input_gets_an_answer_and_the_session_goes_on() {
    let (mut rsp, _err, pid) = session("multiprocess+;swbreak+", &[]);
    let answers: &[(&str, &[&str])] = &[
        ("g", &["*"]), // before any Hg: the current thread's registers
        ("m", &["E01"]),
        ("mzz,1", &["E01"]),
        ("m1234", &["E01"]),
        ("m1234,", &["E01"]),
        ("m,4", &["E01"]),
        ("m0,10", &["E01"]),
        ("mffffffffffffffff,ffffffffffffffff", &["E01"]),
        ("M0,1:zz", &["E01"]),
        ("M0,2:00", &["E01"]),
        ("X1000,4:ab", &["E01"]),
        ("G", &["E01"]),
        ("G00", &["E01"]),
        ("Gzz", &["E01"]),
        ("p", &["E01"]),
        ("p999", &["E01"]),
        ("P0=00", &["E01"]),
        ("P0", &["E01"]),
        ("Z", &["E01"]),
        ("Z0", &["E01"]),
        ("Z0,zz,1", &["E01"]),
        ("Z9,1000,1", &[""]),
        ("Z2,1001,4", &["E01"]),
        ("Z0,401000,1;X", &["E01"]),
        ("Z0,401000,1;X2,zz", &["E01"]),
        ("z0,1234,1", &["E01"]),
        ("H", &["E01"]),
        ("Hx", &["E01"]),
        ("Hg", &["E01"]),
        ("Hgp999999.999999", &["E01"]),
        ("Hgzz", &["E01"]),
        ("T", &["E01"]),
        ("Tzz", &["E01"]),
        ("T999999", &["E01"]),
        ("vCont", &[""]),
        ("vCont;", &["E01"]),
        ("vCont;x", &["E01"]),
        ("vCont;C", &["E01"]),
        ("vCont;Czz", &["E01"]),
        ("vCont;r1", &["E01"]),
        ("vCont;c:p999999.999999", &["E01"]),
        ("vCont;c:zz", &["E01"]),
        ("qXfer:features:read:nope.xml:0,100", &["E01"]),
        ("qXfer:features:read:target.xml:zz", &["E01"]),
        ("qXfer:auxv:read::ffffffffffff,1", &["E01"]),
        ("qXfer:nothing:read::0,1", &[""]),
        ("qXfer:siginfo:write::0:", &["E01", "0"]),
        ("R", &[""]),
        ("vKill;1", &["E01"]),
        ("vKill;zz", &["E01"]),
        ("D;1", &["E01"]),
        ("D;zz", &["E01"]),
        ("Dx", &["E01"]),
        ("vRun;2f62696e2f7472756500", &["E01"]), // not in extended mode
        ("vAttach;1", &["E01"]),
        ("vFile:open:zz,0,0", &["F-1,16"]),
        ("vFile:pread:63,10,0", &["F-1,9"]),
        ("vFile:bogus", &[""]),
        ("qRcmd,zz", &["E01"]),
        ("qRcmd,6e6f7065", &[""]),
        ("QPassSignals:zz", &["E01"]),
        ("QCatchSyscalls:1;zz", &["E01"]),
        ("QCatchSyscalls:0", &["OK"]),
        ("QNonStop:2", &["E01"]),
        ("qThreadExtraInfo,zz", &["E01"]),
        ("qAttached:999999", &["E01"]),
        ("jThreadsInfo", &["*"]),
        ("qMemoryRegionInfo:zz", &["E01"]),
        ("x0,0", &["OK"]),
        ("x0,10", &["E01"]),
        ("!!!", &["OK"]),
        ("\u{7f}", &[""]),
    ];
    for (pkt, want) in answers {
        let got = rsp.ask(pkt);
        assert!(want.contains(&"*") || want.contains(&got.as_str()), "{pkt:?} answered {got:?}, want one of {want:?}");
    }
    // Back in ack mode for the framing errors.
    assert!(traced_by_someone(pid), "the program is still ours");
    assert!(rsp.ask("?").starts_with("T05"));
}

#[test]
fn framing_errors_are_nakked_and_resent() {
    let prog = target();
    let (mut rsp, mut err) = Rsp::stdio(&[], &[prog.to_str().unwrap()]);
    let pid = pid_in(&wait_line(&mut err, "created"));
    let sup = rsp.ask("qSupported:multiprocess+");
    assert!(sup.contains("PacketSize="));
    // A wrong checksum and a checksum that is not hex: NAK, nothing else.
    rsp.raw(b"$g#00");
    assert_eq!(rsp.take_acks(2000), b"-");
    rsp.raw(b"$g#zz");
    assert_eq!(rsp.take_acks(2000), b"-");
    // A lone NAK: the last packet again.
    rsp.raw(b"-");
    assert_eq!(rsp.recv(), sup);
    // A packet cut short by the next one: the next one is answered.
    rsp.raw(b"$m1234,");
    assert!(rsp.ask("?").starts_with("T05"));
    // Garbage between packets, and a Ctrl-C while stopped, are ignored.
    rsp.raw(b"\x00\xff junk \x03");
    assert!(rsp.ask("?").starts_with("T05"));
    // A 1 MB packet is read and refused.
    let big = "A".repeat(1 << 20);
    rsp.send(&big);
    assert_eq!(rsp.recv(), "E01");
    assert!(rsp.ask("qC").starts_with("QCp"));
    assert!(traced_by_someone(pid));
}

#[test]
fn vcont_on_unknown_threads_does_not_wedge_the_server() {
    let (mut rsp, mut err, _pid) = session("multiprocess+;no-resumed+", &[]);
    // Nothing to resume: with no-resumed, `N`; the server stays responsive.
    assert_eq!(rsp.ask("vCont;c:p999999.999999"), "N");
    assert!(rsp.ask("?").starts_with("T05"));
    // The program still runs on request, and stops on Ctrl-C.
    rsp.send("vCont;c");
    wait_line(&mut err, "ready");
    rsp.raw(b"\x03");
    assert!(rsp.recv().starts_with("T02"));
}

#[test]
fn kill_and_detach_act_only_on_the_process_they_name() {
    let (mut rsp, _err, pid) = session("multiprocess+", &[]);
    assert_eq!(rsp.ask("vKill;1"), "E01");
    assert_eq!(rsp.ask("D;1"), "E01");
    assert!(traced_by_someone(pid), "still ours after vKill;1 and D;1");
    assert_eq!(rsp.ask(&format!("D;{pid:x}")), "OK");
    // Detached and running on; the server ended with its only process.
    assert_eq!(rsp.exit_status(10).and_then(|s| s.code()), Some(0));
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    assert!(status.contains("TracerPid:\t0\n"), "{status}");
    let _ = bsdtrace::sys::kill(pid, libc::SIGKILL);
}

#[test]
fn a_vfork_child_runs_through_our_breakpoints() {
    // A client that was not told of vforks (no vfork-events): the child
    // shares the parent's memory and would die of SIGTRAP at the int3.
    let prog = target();
    let child_fn = sym(&prog, "child_fn");
    let (mut rsp, mut err, _pid) = session("multiprocess+;swbreak+", &["v"]);
    assert_eq!(rsp.ask(&format!("Z0,{child_fn:x},1")), "OK");
    // The parent calls child_fn after the child is gone: that is the
    // only hit, so the breakpoint was back in place.
    let stop = rsp.ask("vCont;c");
    assert!(stop.starts_with("T05"), "{stop}");
    assert_eq!(rip_of(&stop), child_fn, "{stop}");
    assert_eq!(rsp.ask(&format!("z0,{child_fn:x},1")), "OK");
    let stop = rsp.ask("vCont;c");
    assert!(stop.starts_with("W00"), "{stop}");
    let out = wait_line(&mut err, "vfork child");
    assert!(out.contains("vfork child 3 system 300"), "{out}");
}

#[test]
fn gdb_debugs_a_program_whose_vfork_child_meets_a_breakpoint() {
    let prog = target();
    let out = gdb(&prog, &["v"], &["break child_fn", "break main", "continue", "continue", "bt 1", "continue"]);
    // One hit: the parent's call. The child ran child_fn and exited 3.
    assert_eq!(out.matches("Breakpoint 1, child_fn ()").count(), 1, "{out}");
    assert!(out.contains("vfork child 3 system 300"), "{out}");
    assert!(out.contains("exited normally]"), "{out}");
}

/// Connect, start a session, make the server send a reply we never read,
/// and close: the kernel resets a connection closed with unread data.
fn reset_connection(port: &str) {
    let mut s = TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
    let pkt = |q: &str| format!("${q}#{:02x}", q.bytes().fold(0u8, |a, b| a.wrapping_add(b)));
    let out = pkt("qSupported:multiprocess+") + &pkt("qXfer:features:read:target.xml:0,ffff");
    s.write_all(out.as_bytes()).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    drop(s);
}

#[test]
fn a_reset_connection_keeps_the_program_for_the_next_client() {
    let prog = target();
    let (mut server, port, mut err) = tcp_server(&[":0", prog.to_str().unwrap()]);
    reset_connection(&port);
    // The server is still there, with the program, for gdb.
    let out = gdb_remote(&prog, &format!("target remote 127.0.0.1:{port}"), &["info inferiors", "break add", "continue", "kill"]);
    assert!(out.contains("Breakpoint 1, add (x=1)"), "{out}");
    assert!(out.contains("killed]"), "{out}");
    assert!(server.0.wait().unwrap().success());
    let log = wait_line(&mut err, "never printed");
    // Two sessions: the reset one, then gdb's.
    assert_eq!(log.matches("Remote debugging from").count(), 2, "{log}");
}

#[test]
fn a_gdb_killed_mid_session_leaves_the_program_for_the_next_one() {
    let prog = target();
    let (mut server, port, _err) = tcp_server(&[":0", prog.to_str().unwrap()]);
    let mut g = Killed(
        Command::new("gdb")
            .args(["-nx", "-batch", "-ex", &format!("target remote 127.0.0.1:{port}"), "-ex", "break add", "-ex", "continue", "-ex", "shell sleep 30"])
            .arg(&prog)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut out = String::new();
    let mut buf = [0u8; 4096];
    let so = g.0.stdout.as_mut().unwrap();
    while !out.contains("Breakpoint 1, add") {
        let n = so.read(&mut buf).unwrap();
        assert!(n > 0, "{out}");
        out.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    g.0.kill().unwrap();
    let _ = g.0.wait();
    let out = gdb_remote(&prog, &format!("target remote 127.0.0.1:{port}"), &["bt 1", "print x", "kill"]);
    assert!(out.contains("#0  add (x=1)"), "{out}");
    assert!(server.0.wait().unwrap().success());
}

const CLIENT: &str = r#"
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
/* Connect to 127.0.0.1:PORT, send qSupported, print what comes back. */
int main(int argc, char **argv)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[1])) };
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) { perror("connect"); return 2; }
    const char *q = "$qSupported#37";
    write(s, q, strlen(q));
    struct pollfd p = { .fd = s, .events = POLLIN };
    char buf[4096];
    int total = 0;
    while (poll(&p, 1, 3000) > 0) {
        int n = read(s, buf, sizeof buf - 1);
        if (n <= 0) break;
        buf[n] = 0;
        total += n;
        fputs(buf, stdout);
    }
    printf("\n%s\n", total ? "ANSWERED" : "CLOSED");
    return 0;
}
"#;

fn client_as(uid: u32, port: &str) -> String {
    use std::os::unix::process::CommandExt;
    let c = build("rsp-client", CLIENT);
    let o = Command::new(c).arg(port).uid(uid).gid(uid).output().unwrap();
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn root() -> bool {
    bsdtrace::sys::geteuid() == 0
}

#[test]
fn a_client_of_another_user_is_refused() {
    if !root() {
        eprintln!("skipped: needs root to run a client as nobody");
        return;
    }
    let prog = target();
    let (_server, port, mut err) = tcp_server(&[":0", prog.to_str().unwrap()]);
    let out = client_as(65534, &port);
    assert!(out.contains("CLOSED") && !out.contains("PacketSize"), "{out}");
    let log = wait_line(&mut err, "Refused");
    assert!(log.contains("uid 65534"), "{log}");
    // Our own user still gets in, and finds the program untouched.
    let g = gdb_remote(&prog, &format!("target remote 127.0.0.1:{port}"), &["break add", "continue", "kill"]);
    assert!(g.contains("Breakpoint 1, add (x=1)"), "{g}");
}

#[test]
fn allow_other_users_lets_them_in() {
    if !root() {
        eprintln!("skipped: needs root to run a client as nobody");
        return;
    }
    let prog = target();
    let (_server, port, _err) = tcp_server(&["--allow-other-users", ":0", prog.to_str().unwrap()]);
    let out = client_as(65534, &port);
    assert!(out.contains("PacketSize") && out.contains("ANSWERED"), "{out}");
}

#[test]
fn a_unix_socket_serves_its_owner() {
    let prog = target();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("gdbserver-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let sock = dir.join(format!("sock-{}", std::process::id()));
    let mut server = Killed(
        Command::new("timeout")
            .args(["-k", "5", "60", BIN, "gdbserver", "--once"])
            .arg(&sock)
            .arg(&prog)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut err = std::io::BufReader::new(server.0.stderr.take().unwrap());
    wait_line(&mut err, "Listening on");
    let out = gdb_remote(&prog, &format!("target remote {}", sock.display()), &["break add", "continue", "print x", "kill"]);
    assert!(out.contains("Breakpoint 1, add (x=1)"), "{out}");
    assert!(out.contains("$1 = 1\n"), "{out}");
    assert!(server.0.wait().unwrap().success());
    assert!(!sock.exists(), "the socket is removed at the end");
}

#[test]
fn sigterm_ends_a_waiting_server_as_its_last_session_would() {
    // What it started dies with it; what it attached to runs on.
    let prog = target();
    let sleeper = build("hostile-sleeper", "#include <unistd.h>\nint main(void) { write(1, \"ready\\n\", 6); for (;;) pause(); }\n");
    let mut attached = start_ready(&sleeper);
    let apid = attached.0.id();
    let (mut started, _port, mut err) = tcp_server(&[":0", prog.to_str().unwrap()]);
    let (mut attacher, _port2, _err2) = tcp_server(&["--attach", ":0", &apid.to_string()]);
    // `timeout` runs the server as its child: signal the server itself.
    let server_of = |k: &Killed| -> i32 {
        let kids = std::fs::read_to_string(format!("/proc/{}/task/{}/children", k.0.id(), k.0.id())).unwrap();
        kids.split_whitespace().next().unwrap().parse().unwrap()
    };
    let prog_pid = {
        let kids = std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", server_of(&started))).unwrap();
        kids.split_whitespace().next().unwrap().parse::<i32>().unwrap()
    };
    bsdtrace::sys::kill(server_of(&started), libc::SIGTERM).unwrap();
    bsdtrace::sys::kill(server_of(&attacher), libc::SIGTERM).unwrap();
    assert!(started.0.wait().unwrap().success());
    assert!(attacher.0.wait().unwrap().success());
    let _ = wait_line(&mut err, "never printed");
    assert!(!Path::new(&format!("/proc/{prog_pid}")).exists(), "the program it started is gone");
    let status = std::fs::read_to_string(format!("/proc/{apid}/status")).unwrap();
    assert!(status.contains("TracerPid:\t0\n") && !status.contains("State:\tZ"), "{status}");
    attached.0.kill().unwrap();
}

/// A program forking in a loop, SIGKILLed at random moments while gdb
/// continues it: the kill lands between a fork's two stops (the child's
/// first stop came before the parent's fork event, and was dropped: the
/// server then waited for it for ever) or while gdb handles the fork
/// event (the parent's stop vanished under gdb's feet: the resume was
/// answered "no resumed thread" and gdb waited for ever). Each round, gdb
/// must see the program killed, and nothing may be left behind.
#[test]
fn a_forking_program_killed_at_random_moments_ends_the_session() {
    const FORKER: &str = r#"
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	FILE *f = fopen(argv[1], "w");
	fprintf(f, "%d\n", getpid());
	fclose(f);
	for (;;) {
		pid_t p = fork();
		if (p == 0)
			_exit(0);
		if (p > 0)
			waitpid(p, 0, 0);
	}
}
"#;
    let prog = build("forker", FORKER);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("gdbserver-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let mut seed = std::process::id() as u64;
    for round in 0..12 {
        let pidfile = dir.join(format!("forker-{}-{round}.pid", std::process::id()));
        let _ = std::fs::remove_file(&pidfile);
        let remote = format!("target remote | {BIN} gdbserver - {} {}", prog.display(), pidfile.display());
        let gdb = Command::new("timeout")
            .args(["-k", "5", "60", "gdb", "-nx", "-batch", "-ex", "set pagination off", "-ex", "set confirm off", "-ex", &remote, "-ex", "continue"])
            .arg(&prog)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut pid = 0;
        for _ in 0..600 {
            if let Some(p) = std::fs::read_to_string(&pidfile).ok().and_then(|s| s.trim().parse::<i32>().ok()) {
                pid = p;
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(pid > 0, "round {round}: the program never started");
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        std::thread::sleep(Duration::from_millis(50 + (seed >> 33) % 200));
        unsafe { libc::kill(pid, libc::SIGKILL) };
        let o = gdb.wait_with_output().unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
        assert_ne!(o.status.code(), Some(124), "round {round}: gdb hung after the kill:\n{text}");
        assert!(text.contains("terminated with signal SIGKILL"), "round {round}:\n{text}");
        let _ = std::fs::remove_file(&pidfile);
    }
}
