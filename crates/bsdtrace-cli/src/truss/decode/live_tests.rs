//! The decoder against real tracees: a minimal single-thread tracer made
//! of the library's raw `sys` calls (the real engine is not this module's
//! business) feeds PTRACE_GET_SYSCALL_INFO to the decoder, and the lines
//! must read as FreeBSD truss prints them.

use std::ffi::CString;

use bsdtrace::sys;

use super::*;

/// Runs `argv` under PTRACE_SYSCALL from its exec on and returns truss's
/// lines for it, the last being `process exit, rval = N`.
fn truss(argv: &[&str], opts: &Options) -> Vec<String> {
    let argv: Vec<CString> = argv.iter().map(|a| CString::new(*a).unwrap()).collect();
    let (pid, gate) = sys::fork_exec_gated(&argv, None, None, None).expect("fork");
    sys::seize(
        pid,
        sys::PTRACE_O_TRACESYSGOOD | sys::PTRACE_O_TRACEEXEC | sys::PTRACE_O_EXITKILL,
    )
    .expect("seize");
    sys::release_gate(gate);
    let mem = ProcessMemory { pid };
    let mut lines = Vec::new();
    let mut pending: Option<EntryState> = None;
    loop {
        let (_, status) = sys::wait4(pid, sys::WALL)
            .expect("wait4")
            .expect("a status");
        if status & 0x7f == 0 {
            if let Some(e) = pending.take() {
                lines.push(e.unfinished().line(0));
            }
            lines.push(exit_line((status >> 8) & 0xff));
            return lines;
        }
        if status & 0xff != 0x7f {
            panic!("tracee killed: status {status:#x}");
        }
        let sig = (status >> 8) & 0xff;
        let event = status >> 16;
        let mut inject = 0;
        if sig == (libc_sigtrap() | 0x80) {
            let info = sys::syscall_info(pid).expect("syscall info");
            match info.op {
                sys::PTRACE_SYSCALL_INFO_ENTRY => {
                    let mut args = [0; 6];
                    args.copy_from_slice(&info.data[1..7]);
                    pending = Some(decode_entry(opts, info.data[0] as u32, args, &mem));
                }
                sys::PTRACE_SYSCALL_INFO_EXIT => {
                    // The execve that started tracing has an exit without an entry.
                    if let Some(e) = pending.take() {
                        let outcome = Outcome::from_syscall_info(
                            info.data[1] as u8 != 0,
                            info.data[0] as i64,
                        );
                        lines.push(e.finish(opts, outcome, &mem).line(0));
                    }
                }
                _ => {}
            }
        } else if event == 0 {
            inject = sig; // a signal for the tracee: deliver it
        }
        sys::resume(sys::PTRACE_SYSCALL, pid, inject).expect("resume");
    }
}

fn libc_sigtrap() -> i32 {
    5
}

fn tempfile(name: &str, contents: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!("bsdtrace-decode-{}-{name}", std::process::id()));
    std::fs::write(&path, contents).unwrap();
    path.to_str().unwrap().to_string()
}

fn find<'a>(lines: &'a [String], prefix: &str) -> &'a str {
    lines
        .iter()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix:?} in:\n{}", lines.join("\n")))
}

#[test]
fn cat_of_a_file_reads_like_freebsd_truss() {
    let path = tempfile("cat", b"hello, truss\n");
    let script = format!("exec cat {path} /nonexistent-bsdtrace >/dev/null 2>&1");
    let lines = truss(&["/bin/sh", "-c", &script], &Options::default());
    let _ = std::fs::remove_file(&path);

    // The shell's redirection, decoded from its in-arguments.
    let open_null = find(
        &lines,
        "openat(AT_FDCWD,\"/dev/null\",O_WRONLY|O_CREAT|O_TRUNC",
    );
    assert!(open_null.contains(" = "), "{open_null}");
    // cat's exec, with its path read from the tracee.
    assert!(
        lines.iter().any(|l| l.starts_with("execve(\"")
            && l.contains("/cat\",0x")
            && l.ends_with(" = 0 (0x0)")),
        "no successful execve of cat in:\n{}",
        lines.join("\n")
    );
    // The file: opened, stat'ed at exit, read at exit.
    let open = find(&lines, &format!("openat(AT_FDCWD,\"{path}\",O_RDONLY"));
    assert!(open.ends_with(" = 3 (0x3)"), "{open}");
    // glibc's fstat is newfstatat(fd,"",buf,AT_EMPTY_PATH) nowadays.
    let opened_at = lines.iter().position(|l| l == open).unwrap();
    let fstat = lines[opened_at..]
        .iter()
        .find(|l| {
            l.starts_with("fstat(3,{ mode=-rw-") || l.starts_with("newfstatat(3,\"\",{ mode=-rw-")
        })
        .unwrap_or_else(|| panic!("no fstat of the file in:\n{}", lines.join("\n")));
    assert!(fstat.contains(",size=13,blksize="), "{fstat}");
    let data = lines
        .iter()
        .find(|l| {
            l.starts_with("read(3,\"hello, truss\\n\",") || l.starts_with("copy_file_range(3,")
        })
        .unwrap_or_else(|| panic!("no read of the file in:\n{}", lines.join("\n")));
    assert!(data.contains(" = 13 (0xd)"), "{data}");
    // The missing file fails with FreeBSD's ERR# form.
    let missing = find(&lines, "openat(AT_FDCWD,\"/nonexistent-bsdtrace\",O_RDONLY");
    assert!(
        missing.ends_with(" ERR#2 'No such file or directory'"),
        "{missing}"
    );
    // cat exits 1 for the missing file; exit_group never returns.
    assert_eq!(lines[lines.len() - 2], "exit_group(1)");
    assert_eq!(lines[lines.len() - 1], "process exit, rval = 1");
    // Every line is name(args) with tabs before its return part.
    for l in &lines[..lines.len() - 2] {
        let call_end = l.find(')').unwrap();
        assert!(l[call_end..].contains(" = ") || l.contains(" ERR#"), "{l}");
    }
}

#[test]
fn execve_arguments_are_shown_with_a() {
    let opts = Options {
        show_argv: true,
        ..Options::default()
    };
    let lines = truss(
        &["/bin/sh", "-c", "exec /bin/echo one two >/dev/null"],
        &opts,
    );
    let exec = find(&lines, "execve(\"/bin/echo\",");
    assert!(
        exec.starts_with("execve(\"/bin/echo\",[ \"/bin/echo\", \"one\", \"two\" ],0x"),
        "{exec}"
    );
    let write = find(&lines, "write(1,");
    assert!(write.starts_with("write(1,\"one two\\n\",8)"), "{write}");
    assert!(write.ends_with(" = 8 (0x8)"), "{write}");
}

#[test]
fn process_memory_reads_our_own_strings() {
    let text = b"a string in this process\0".to_vec();
    let mem = ProcessMemory {
        pid: bsdtrace::sys::getpid(),
    };
    let s = mem.read_cstr(text.as_ptr() as u64, 100).unwrap();
    assert_eq!(s.bytes, b"a string in this process");
    assert!(s.complete);
    assert_eq!(mem.read(8, &mut [0; 4]), Err(Errno::EFAULT));
}
