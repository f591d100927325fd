//! PT_COREDUMP: a core of a stopped, multithreaded tracee that gdb reads
//! (threads, globals, backtrace), FreeBSD's errors in FreeBSD's order, the
//! size limit, PC_ALL against MADV_DONTDUMP, and a process that stays
//! stopped and carries on afterwards.

mod common;
use bsdtrace::abi::{PC_ALL, PC_COMPRESS};
use bsdtrace::*;
use common::*;
use std::fs::{File, OpenOptions};
use std::io::{Seek, Write};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::FileExt;
use std::process::Command;

const THREADS: usize = 3;

/// Where the tracee's marked pages and `counter` are.
struct Addrs {
    keep: u64,
    skip: u64,
    counter: u64,
}

/// The "coredump" tracee with THREADS extra threads, stopped at the int3
/// in core_leaf() and waited for.
fn stopped_tracee(t: &mut Tracer, name: &str) -> (Pid, Addrs) {
    let file = tmpfile(name);
    let pid = spawn(t, &["coredump", &THREADS.to_string(), &file]);
    let (st, ev) = cont_until(t, pid, Resume::Continue, 0);
    assert_eq!(st, WaitStatus::Stopped(libc::SIGTRAP));
    assert_eq!(ev, Some(Event::Signal { sig: libc::SIGTRAP }));
    let a = read_addrs(&file);
    let _ = std::fs::remove_file(&file);
    (pid, Addrs { keep: a[0], skip: a[1], counter: a[2] })
}

/// A core file's path; the file is removed when this is dropped.
struct CorePath(String);

impl Drop for CorePath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl std::ops::Deref for CorePath {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

/// A new empty core file: (path, descriptor open for writing).
fn core_file(name: &str) -> (CorePath, File) {
    let path = tmpfile(name);
    let f = File::create(&path).unwrap();
    (CorePath(path), f)
}

fn dump(t: &mut Tracer, target: Target, name: &str, flags: u32) -> CorePath {
    let (path, f) = core_file(name);
    t.coredump(target, f.as_fd(), flags, 0).expect("PT_COREDUMP");
    path
}

struct Phdr {
    ty: u32,
    flags: u32,
    offset: u64,
    vaddr: u64,
    filesz: u64,
    memsz: u64,
}

fn u16_at(b: &[u8], o: usize) -> u16 {
    u16::from_le_bytes(b[o..o + 2].try_into().unwrap())
}
fn u32_at(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes(b[o..o + 4].try_into().unwrap())
}
fn u64_at(b: &[u8], o: usize) -> u64 {
    u64::from_le_bytes(b[o..o + 8].try_into().unwrap())
}

/// The ELF header checks and the program headers of a core.
fn phdrs(core: &File) -> Vec<Phdr> {
    let mut eh = [0u8; 64];
    core.read_exact_at(&mut eh, 0).unwrap();
    assert_eq!(&eh[..4], b"\x7fELF");
    assert_eq!((eh[4], eh[5]), (2, 1), "ELFCLASS64, little-endian");
    assert_eq!(u16_at(&eh, 16), 4, "ET_CORE");
    assert_eq!(u16_at(&eh, 18), 62, "EM_X86_64");
    let n = u16_at(&eh, 56) as usize;
    let mut ph = vec![0u8; n * 56];
    core.read_exact_at(&mut ph, u64_at(&eh, 32)).unwrap();
    ph.chunks(56)
        .map(|p| Phdr {
            ty: u32_at(p, 0),
            flags: u32_at(p, 4),
            offset: u64_at(p, 8),
            vaddr: u64_at(p, 16),
            filesz: u64_at(p, 32),
            memsz: u64_at(p, 40),
        })
        .collect()
}

/// The notes of a core: (name, type, descriptor).
fn notes(core: &File) -> Vec<(String, u32, Vec<u8>)> {
    let ph = phdrs(core);
    let note = ph.iter().find(|p| p.ty == 4).expect("a PT_NOTE");
    let mut b = vec![0u8; note.filesz as usize];
    core.read_exact_at(&mut b, note.offset).unwrap();
    let mut out = vec![];
    let mut i = 0;
    while i < b.len() {
        let (namesz, descsz, ty) = (u32_at(&b, i) as usize, u32_at(&b, i + 4) as usize, u32_at(&b, i + 8));
        let name = String::from_utf8_lossy(&b[i + 12..i + 12 + namesz - 1]).into_owned();
        let d = i + 12 + namesz.next_multiple_of(4);
        out.push((name, ty, b[d..d + descsz].to_vec()));
        i = d + descsz.next_multiple_of(4);
    }
    out
}

/// The PT_LOAD covering `addr`, if any.
fn load_at(ph: &[Phdr], addr: u64) -> Option<&Phdr> {
    ph.iter().find(|p| p.ty == 1 && p.vaddr <= addr && addr < p.vaddr + p.memsz)
}

/// The byte at `addr` as the core holds it.
fn byte_at(core: &File, ph: &[Phdr], addr: u64) -> u8 {
    let p = load_at(ph, addr).expect("a PT_LOAD covers the address");
    assert!(addr - p.vaddr < p.filesz, "the segment at {addr:#x} has contents");
    let mut b = [0u8];
    core.read_exact_at(&mut b, p.offset + addr - p.vaddr).unwrap();
    b[0]
}

fn gdb(core: &str, cmds: &[&str]) -> String {
    let mut c = Command::new("gdb");
    c.args(["-batch", "-nx"]);
    for cmd in cmds {
        c.args(["-ex", cmd]);
    }
    let out = c.arg(tracee()).arg(core).output().expect("gdb runs");
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

#[test]
fn gdb_reads_every_thread_the_globals_and_the_backtrace_from_the_core() {
    let mut t = Tracer::new();
    let (pid, _) = stopped_tracee(&mut t, "core-gdb");
    let lwps = t.lwp_list(pid.into()).unwrap();
    assert_eq!(lwps.len(), THREADS + 1);
    let core = dump(&mut t, pid.into(), "core-gdb.core", 0);
    let out = gdb(&core, &["info threads", "p counter", "bt"]);
    for l in &lwps {
        assert!(out.contains(&format!("LWP {})", l.0)), "gdb lists LWP {}:\n{out}", l.0);
    }
    assert!(out.contains("Program terminated with signal SIGTRAP"), "{out}");
    assert!(out.contains("$1 = 4242"), "{out}");
    // The backtrace of the thread that stopped: core_leaf <- core_middle <- main.
    // (gdb also shows frame #0 when it loads the core: look after `p`.)
    let after_p = out.split("$1 = 4242").nth(1).unwrap();
    let bt: Vec<&str> = after_p.lines().filter(|l| l.starts_with('#')).collect();
    assert!(bt.len() >= 3, "{out}");
    assert!(bt[0].contains("core_leaf"), "{out}");
    assert!(bt[1].contains("core_middle"), "{out}");
    assert!(bt[2].contains("main"), "{out}");
    run_to_exit(&mut t, pid);
}

#[test]
fn the_notes_describe_every_thread_the_selected_one_first() {
    let mut t = Tracer::new();
    let (pid, _) = stopped_tracee(&mut t, "core-notes");
    let lwps = t.lwp_list(pid.into()).unwrap();
    let path = dump(&mut t, pid.into(), "core-notes.core", 0);
    let core = File::open(&*path).unwrap();
    let n = notes(&core);
    let prstatus: Vec<&Vec<u8>> = n.iter().filter(|(_, ty, _)| *ty == 1).map(|(_, _, d)| d).collect();
    assert_eq!(prstatus.len(), lwps.len());
    assert!(prstatus.iter().all(|d| d.len() == 336), "Linux's struct elf_prstatus");
    // pr_pid of the first one: the thread that hit the int3 (the main one).
    assert_eq!(u32_at(prstatus[0], 32) as i32, pid.0);
    assert_eq!(u16_at(prstatus[0], 12) as i32, libc::SIGTRAP, "pr_cursig");
    let si = n.iter().find(|(_, ty, _)| *ty == 0x5349_4749).expect("NT_SIGINFO");
    assert_eq!(u32_at(&si.2, 0) as i32, libc::SIGTRAP);
    let ps = n.iter().find(|(_, ty, _)| *ty == 3).expect("NT_PRPSINFO");
    assert!(ps.2[40..56].starts_with(b"bsdtrace-tracee"), "pr_fname");
    assert!(n.iter().any(|(_, ty, _)| *ty == 6), "NT_AUXV");
    assert!(n.iter().any(|(_, ty, _)| *ty == 0x4649_4c45), "NT_FILE");
    assert_eq!(n.iter().filter(|(_, ty, _)| *ty == 2).count(), lwps.len(), "NT_FPREGSET per thread");
    assert!(n.iter().filter(|(_, ty, _)| *ty == 0x202).all(|(name, _, _)| name == "LINUX"));

    // Naming an LWP puts it first.
    let other = lwps[2];
    let path = dump(&mut t, other.into(), "core-notes-lwp.core", 0);
    let core = File::open(&*path).unwrap();
    let first = notes(&core).into_iter().find(|(_, ty, _)| *ty == 1).unwrap();
    assert_eq!(u32_at(&first.2, 32) as i32, other.0);
    run_to_exit(&mut t, pid);
}

#[test]
fn the_process_stays_stopped_and_carries_on_after_the_dump() {
    let mut t = Tracer::new();
    let (pid, _) = stopped_tracee(&mut t, "core-cont");
    let before = t.stop_event(pid.into()).unwrap();
    dump(&mut t, pid.into(), "core-cont.core", PC_ALL);
    for tid in std::fs::read_dir(format!("/proc/{}/task", pid.0)).unwrap() {
        let tid: i32 = tid.unwrap().file_name().to_str().unwrap().parse().unwrap();
        let stat = std::fs::read_to_string(format!("/proc/{}/task/{tid}/stat", pid.0)).unwrap();
        let state = stat.rsplit_once(')').unwrap().1.trim().chars().next();
        assert_eq!(state, Some('t'), "thread {tid} still in its ptrace stop");
    }
    assert_eq!(t.stop_event(pid.into()).unwrap(), before, "the same stop is reported");
    // No new stop to collect, as a FreeBSD tracer may check with WNOHANG.
    assert_eq!(t.wait(pid.0, WaitOptions::NOHANG).unwrap(), None);
    // core_leaf increments counter from 4242; the tracee checks for 4243.
    assert_eq!(run_to_exit(&mut t, pid), WaitStatus::Exited(0));
}

#[test]
fn without_pc_all_madv_dontdump_and_prot_none_entries_are_left_out() {
    let mut t = Tracer::new();
    let (pid, a) = stopped_tracee(&mut t, "core-all");
    let path = dump(&mut t, pid.into(), "core-default.core", 0);
    let core = File::open(&*path).unwrap();
    let ph = phdrs(&core);
    assert!(load_at(&ph, a.skip).is_none(), "the MADV_DONTDUMP page is not in the core");
    assert_eq!(byte_at(&core, &ph, a.keep), 0x5a);
    assert_eq!(byte_at(&core, &ph, a.counter), (4242 & 0xff) as u8);
    assert!(ph.iter().all(|p| p.ty != 1 || p.flags != 0), "no PROT_NONE entries");

    let path = dump(&mut t, pid.into(), "core-all.core", PC_ALL);
    let core = File::open(&*path).unwrap();
    let ph = phdrs(&core);
    assert_eq!(byte_at(&core, &ph, a.skip), 0xa5, "PC_ALL: the MADV_DONTDUMP page is in");
    assert_eq!(byte_at(&core, &ph, a.keep), 0x5a);
    assert!(ph.iter().any(|p| p.ty == 1 && p.flags == 0), "PC_ALL: the threads' PROT_NONE guard pages are in");

    // Never device memory such as [vvar], with or without PC_ALL.
    let maps = std::fs::read_to_string(format!("/proc/{}/maps", pid.0)).unwrap();
    if let Some(vvar) = maps.lines().find(|l| l.ends_with("[vvar]")) {
        let start = u64::from_str_radix(vvar.split('-').next().unwrap(), 16).unwrap();
        assert!(load_at(&ph, start).is_none(), "[vvar] is not in the core");
    }
    run_to_exit(&mut t, pid);
}

#[test]
fn pc_compress_is_accepted_and_the_core_is_written_uncompressed_from_offset_zero() {
    let mut t = Tracer::new();
    let (pid, a) = stopped_tracee(&mut t, "core-offset");
    // The descriptor's own offset is neither used nor moved.
    let (path, mut f) = core_file("core-offset.core");
    f.write_all(b"hello").unwrap();
    t.coredump(pid.into(), f.as_fd(), PC_COMPRESS, 0).unwrap();
    assert_eq!(f.stream_position().unwrap(), 5);
    let core = File::open(&*path).unwrap();
    assert_eq!(byte_at(&core, &phdrs(&core), a.keep), 0x5a);

    // An O_APPEND descriptor on a longer file: still written from offset 0.
    std::fs::write(&*path, vec![b'x'; 100_000]).unwrap();
    let f = OpenOptions::new().append(true).open(&*path).unwrap();
    t.coredump(pid.into(), f.as_fd(), PC_COMPRESS | PC_ALL, 0).unwrap();
    let core = File::open(&*path).unwrap();
    assert_eq!(byte_at(&core, &phdrs(&core), a.skip), 0xa5);
    run_to_exit(&mut t, pid);
}

#[test]
fn a_core_that_would_reach_the_limit_is_efault_and_nothing_is_written() {
    let mut t = Tracer::new();
    let (pid, _) = stopped_tracee(&mut t, "core-limit");
    let full = dump(&mut t, pid.into(), "core-limit-full.core", 0);
    let size = std::fs::metadata(&*full).unwrap().len();
    let (path, f) = core_file("core-limit.core");
    // FreeBSD: `coresize >= limit` fails, so a limit of exactly the size does.
    for limit in [1, 4096, size] {
        assert_eq!(errno(t.coredump(pid.into(), f.as_fd(), 0, limit)), Errno::EFAULT, "limit {limit}");
        assert_eq!(std::fs::metadata(&*path).unwrap().len(), 0, "nothing written");
    }
    t.coredump(pid.into(), f.as_fd(), 0, size + 1).unwrap();
    assert_eq!(std::fs::metadata(&*path).unwrap().len(), size);
    run_to_exit(&mut t, pid);
}

#[test]
fn bad_flags_are_einval_before_the_descriptor_is_looked_at() {
    let mut t = Tracer::new();
    let (pid, _) = stopped_tracee(&mut t, "core-flags");
    let ro = File::open(tracee()).unwrap();
    for bad in [0x4, 0x8000_0000, 0xffff_ffff] {
        assert_eq!(errno(t.coredump(pid.into(), ro.as_fd(), bad, 0)), Errno::EINVAL, "flags {bad:#x}");
    }
    assert_eq!(errno(t.coredump_raw(pid.into(), -1, 0x4, 0)), Errno::EINVAL);
    run_to_exit(&mut t, pid);
}

fn pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

#[test]
fn a_descriptor_not_open_for_writing_is_ebadf_and_one_not_on_a_regular_file_epipe() {
    let mut t = Tracer::new();
    let (pid, _) = stopped_tracee(&mut t, "core-fd");
    let ro = File::open(tracee()).unwrap();
    assert_eq!(errno(t.coredump(pid.into(), ro.as_fd(), 0, 0)), Errno::EBADF, "read-only file");
    assert_eq!(errno(t.coredump_raw(pid.into(), -1, 0, 0)), Errno::EBADF, "fd -1");
    assert_eq!(errno(t.coredump_raw(pid.into(), 999_999, 0, 0)), Errno::EBADF, "not open");
    let (r, w) = pipe();
    // EBADF comes first: a pipe's read end is not writable.
    assert_eq!(errno(t.coredump(pid.into(), r.as_fd(), 0, 0)), Errno::EBADF, "pipe read end");
    assert_eq!(errno(t.coredump(pid.into(), w.as_fd(), 0, 0)), Errno::EPIPE, "pipe write end");
    let null = OpenOptions::new().write(true).open("/dev/null").unwrap();
    assert_eq!(errno(t.coredump(pid.into(), null.as_fd(), 0, 0)), Errno::EPIPE, "a character device");
    assert!(w.as_raw_fd() >= 0);
    run_to_exit(&mut t, pid);
}

#[test]
fn untraced_missing_and_running_processes_give_the_usual_errors_first() {
    let (_, f) = core_file("core-untraced.core");
    let mut t = Tracer::new();
    let u = Untraced::start(&["pause"]);
    // Permission comes before the request's own checks.
    assert_eq!(errno(t.coredump(u.pid().into(), f.as_fd(), 0, 0)), Errno::EPERM);
    assert_eq!(errno(t.coredump(u.pid().into(), f.as_fd(), 0x4, 0)), Errno::EPERM);
    assert_eq!(errno(t.coredump(Pid(0x3fff_fff0).into(), f.as_fd(), 0, 0)), Errno::ESRCH);

    let pid = t.attach(u.pid().into()).unwrap();
    assert_eq!(errno(t.coredump(pid.into(), f.as_fd(), 0, 0)), Errno::EBUSY, "stop not waited for");
    wait_pid(&mut t, pid);
    t.resume(pid.into(), Resume::Continue, None, 0).unwrap();
    assert_eq!(errno(t.coredump(pid.into(), f.as_fd(), 0, 0)), Errno::EBUSY, "running");
    assert_eq!(f.metadata().unwrap().len(), 0);
    unsafe { libc::kill(pid.0, libc::SIGUSR1) };
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGUSR1));
    t.detach(pid.into(), 0).unwrap();
}
