//! PT_COREDUMP: write a core file of a stopped process.
//!
//! FreeBSD briefly runs one thread of the stopped process in the kernel to
//! write its own core, in FreeBSD's ELF core format. Linux has no such
//! request, so the tracer writes the core from outside: registers through
//! ptrace, memory through `process_vm_readv` (`/proc/PID/mem` for pages only
//! a forced read reaches), the map and its flags from `/proc/PID/smaps`. The
//! format is the host's, the Linux x86_64 ELF core (`ET_CORE`) that gdb and
//! the other Linux tools read; the process never runs, so no new stop
//! follows the request.
//!
//! Layout, as Linux's own cores: the ELF header, the program headers (one
//! PT_NOTE, then one PT_LOAD per dumped map entry), the notes (per thread,
//! the reporting one first: NT_PRSTATUS, NT_FPREGSET, NT_X86_XSTATE; after
//! the first one's NT_PRSTATUS also NT_PRPSINFO, NT_SIGINFO, NT_AUXV and
//! NT_FILE), then memory from the next page boundary. Every size is known
//! before the first byte is written, so a core over `pc_limit` fails as
//! FreeBSD's does (EFAULT) with nothing written. Memory is streamed through
//! one buffer; all-zero pages past the file's old end are left as holes.
//!
//! A 32-bit program gets the Linux i386 core the kernel would write for it
//! (ELFCLASS32, EM_386; i386 `elf_prstatus` and `elf_prpsinfo`, the FSAVE
//! image as NT_FPREGSET and the FXSAVE one as NT_PRXFPREG, NT_386_TLS,
//! 32-bit NT_AUXV, NT_FILE and NT_SIGINFO), which gdb reads the same way.
//!
//! Which map entries a core holds (FreeBSD's `each_dumpable_segment`):
//! without PC_ALL not those the process excluded — MAP_NOCORE on FreeBSD,
//! MADV_DONTDUMP (`dd` in VmFlags) on Linux — nor PROT_NONE ones; never
//! device memory (`io`/`pf`: `[vvar]`, mapped device registers).
//!
//! It must never resume a thread, write to the tracee, or give up a dump
//! because one range cannot be read: such pages are zeros in the core.

use crate::abi::{PC_ALL, PC_COMPRESS};
use crate::sysent::Arch;
use crate::engine::{Pid, Target, Tracer};
use crate::error::{Errno, Error, Result};
use crate::sys::{self, fd, procfs, procfs_stat, Tid};
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};

// <elf.h>
const ET_CORE: u16 = 4;
const EM_X86_64: u16 = 62;
const EM_386: u16 = 3;
const PT_LOAD: u32 = 1;
const PT_NOTE: u32 = 4;
const PF_X: u32 = 1;
const PF_W: u32 = 2;
const PF_R: u32 = 4;
/// e_phnum's escape: the real count is in section header 0's sh_info.
const PN_XNUM: usize = 0xffff;

/// The sizes of an ELF64 or ELF32 file's headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Class {
    ehdr: u64,
    phdr: u64,
    shdr: u64,
}

const ELF64: Class = Class { ehdr: 64, phdr: 56, shdr: 64 };
const ELF32: Class = Class { ehdr: 52, phdr: 32, shdr: 40 };

fn class(arch: Arch) -> Class {
    match arch {
        Arch::X86_64 => ELF64,
        Arch::I386 => ELF32,
    }
}

const NT_PRSTATUS: u32 = 1;
const NT_FPREGSET: u32 = 2;
const NT_PRPSINFO: u32 = 3;
const NT_AUXV: u32 = 6;
const NT_SIGINFO: u32 = 0x5349_4749;
const NT_FILE: u32 = 0x4649_4c45;
const NT_X86_XSTATE: u32 = 0x202;
/// i386: the FXSAVE image (the FSAVE one is NT_FPREGSET).
const NT_PRXFPREG: u32 = 0x46e6_2b7f;
/// i386: the TLS descriptors of the GDT (`struct user_desc[3]`).
const NT_386_TLS: u32 = 0x200;

/// `sizeof(struct elf_prstatus)` and `sizeof(struct elf_prpsinfo)` on x86_64.
const PRSTATUS_SIZE: usize = 336;
const PRPSINFO_SIZE: usize = 136;
/// ... and on i386.
const PRSTATUS32_SIZE: usize = 144;
const PRPSINFO32_SIZE: usize = 124;
/// Memory moves through a buffer of this size.
const CHUNK: usize = 1 << 20;
/// Linux's default `core_file_note_size_limit`: a bigger NT_FILE is left out.
const FILE_NOTE_MAX: usize = 4 << 20;

/// One PT_LOAD: a map entry, with its contents or (p_filesz 0) without.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Segment {
    start: u64,
    end: u64,
    /// PF_R | PF_W | PF_X.
    flags: u32,
    contents: bool,
}

impl Segment {
    fn filesz(&self) -> u64 {
        if self.contents {
            self.end - self.start
        } else {
            0
        }
    }
}

/// The PT_LOAD for a map entry, if the core holds one (see the module docs).
fn segment(e: &procfs_stat::SmapsEntry, all: bool) -> Option<Segment> {
    let m = &e.map;
    let flag = |f: &str| e.vm_flags.iter().any(|v| v == f);
    if flag("io") || flag("pf") {
        return None;
    }
    if !all && (flag("dd") || !(m.read || m.write || m.exec)) {
        return None;
    }
    let flags = if m.read { PF_R } else { 0 } | if m.write { PF_W } else { 0 } | if m.exec { PF_X } else { 0 };
    // Unreadable and not even force-readable (VM_MAYREAD clear, as
    // [vsyscall]): described, with no contents.
    Some(Segment { start: m.start, end: m.end, flags, contents: m.read || flag("mr") })
}

/// Where everything goes in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Layout {
    /// Program headers: the PT_NOTE and one per segment.
    phnum: usize,
    notes_off: u64,
    notes_len: u64,
    /// The first segment's contents, page aligned.
    data_off: u64,
    /// The core's size.
    total: u64,
}

fn layout(c: Class, segs: &[Segment], notes_len: usize, page: u64) -> Layout {
    let phnum = 1 + segs.len();
    let shdrs = if phnum >= PN_XNUM { c.shdr } else { 0 };
    let notes_off = c.ehdr + c.phdr * phnum as u64 + shdrs;
    let data_off = (notes_off + notes_len as u64).div_ceil(page) * page;
    let total = data_off + segs.iter().map(Segment::filesz).sum::<u64>();
    Layout { phnum, notes_off, notes_len: notes_len as u64, data_off, total }
}

/// ELF header, program headers and (extended numbering) section header 0.
fn headers(arch: Arch, l: &Layout, segs: &[Segment], page: u64) -> Vec<u8> {
    let c = class(arch);
    let wide = c == ELF64;
    let mut b = Vec::with_capacity(l.notes_off as usize);
    // An address or offset: 8 bytes in ELF64, 4 in ELF32.
    let word = |b: &mut Vec<u8>, v: u64| {
        if wide {
            b.extend_from_slice(&v.to_le_bytes());
        } else {
            b.extend_from_slice(&(v as u32).to_le_bytes());
        }
    };
    let ext = l.phnum >= PN_XNUM;
    b.extend_from_slice(b"\x7fELF");
    // ELFCLASS64 or ELFCLASS32, ELFDATA2LSB, EV_CURRENT, ELFOSABI_NONE.
    b.extend_from_slice(&[if wide { 2 } else { 1 }, 1, 1, 0]);
    b.extend_from_slice(&[0; 8]);
    b.extend_from_slice(&ET_CORE.to_le_bytes());
    b.extend_from_slice(&(if wide { EM_X86_64 } else { EM_386 }).to_le_bytes());
    b.extend_from_slice(&1u32.to_le_bytes()); // e_version
    word(&mut b, 0); // e_entry
    word(&mut b, c.ehdr); // e_phoff
    let shoff = if ext { c.ehdr + c.phdr * l.phnum as u64 } else { 0 };
    word(&mut b, shoff);
    b.extend_from_slice(&0u32.to_le_bytes()); // e_flags
    b.extend_from_slice(&(c.ehdr as u16).to_le_bytes());
    b.extend_from_slice(&(c.phdr as u16).to_le_bytes());
    b.extend_from_slice(&(l.phnum.min(PN_XNUM) as u16).to_le_bytes());
    b.extend_from_slice(&(if ext { c.shdr as u16 } else { 0 }).to_le_bytes());
    b.extend_from_slice(&(ext as u16).to_le_bytes()); // e_shnum
    b.extend_from_slice(&0u16.to_le_bytes()); // e_shstrndx
    let mut phdr = |ty: u32, flags: u32, off: u64, vaddr: u64, filesz: u64, memsz: u64, align: u64| {
        b.extend_from_slice(&ty.to_le_bytes());
        if wide {
            b.extend_from_slice(&flags.to_le_bytes());
        }
        word(&mut b, off);
        word(&mut b, vaddr);
        word(&mut b, 0); // p_paddr
        word(&mut b, filesz);
        word(&mut b, memsz);
        if !wide {
            b.extend_from_slice(&flags.to_le_bytes());
        }
        word(&mut b, align);
    };
    phdr(PT_NOTE, 0, l.notes_off, 0, l.notes_len, 0, 4);
    let mut off = l.data_off;
    for s in segs {
        phdr(PT_LOAD, s.flags, off, s.start, s.filesz(), s.end - s.start, page);
        off += s.filesz();
    }
    if ext {
        // SHT_NULL, sh_size = e_shnum, sh_info = the real e_phnum.
        let mut sh = vec![0u8; c.shdr as usize];
        if wide {
            sh[32..40].copy_from_slice(&1u64.to_le_bytes());
            sh[44..48].copy_from_slice(&(l.phnum as u32).to_le_bytes());
        } else {
            sh[20..24].copy_from_slice(&1u32.to_le_bytes());
            sh[28..32].copy_from_slice(&(l.phnum as u32).to_le_bytes());
        }
        b.extend_from_slice(&sh);
    }
    b
}

/// One ELF note: header, NUL-terminated name and descriptor, each padded to 4.
fn put_note(out: &mut Vec<u8>, name: &str, ty: u32, desc: &[u8]) {
    let pad = |out: &mut Vec<u8>| out.resize(out.len().next_multiple_of(4), 0);
    out.extend_from_slice(&(name.len() as u32 + 1).to_le_bytes());
    out.extend_from_slice(&(desc.len() as u32).to_le_bytes());
    out.extend_from_slice(&ty.to_le_bytes());
    out.extend_from_slice(name.as_bytes());
    out.push(0);
    pad(out);
    out.extend_from_slice(desc);
    pad(out);
}

/// The process-wide ids every NT_PRSTATUS carries.
#[derive(Clone, Copy)]
struct Ids {
    ppid: i32,
    pgrp: i32,
    sid: i32,
}

/// Linux's `struct elf_prstatus` (x86_64) for one thread.
struct Prstatus {
    sig: i32,
    sigpend: u64,
    sighold: u64,
    tid: Tid,
    ids: Ids,
    /// (user, system) time in clock ticks.
    times: (u64, u64),
    regs: sys::user_regs_struct,
    fpvalid: bool,
}

/// Clock ticks as `struct timeval` bytes.
fn timeval(ticks: u64, hz: u64) -> [u8; 16] {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&(ticks / hz).to_le_bytes());
    b[8..].copy_from_slice(&((ticks % hz) * 1_000_000 / hz).to_le_bytes());
    b
}

/// Linux's i386 `struct elf_prstatus` (`compat_elf_prstatus`).
fn prstatus32_bytes(p: &Prstatus, hz: u64) -> Vec<u8> {
    let mut b = Vec::with_capacity(PRSTATUS32_SIZE);
    b.extend_from_slice(&p.sig.to_le_bytes());
    b.extend_from_slice(&[0; 8]);
    b.extend_from_slice(&(p.sig as i16).to_le_bytes());
    b.extend_from_slice(&[0; 2]);
    b.extend_from_slice(&(p.sigpend as u32).to_le_bytes());
    b.extend_from_slice(&(p.sighold as u32).to_le_bytes());
    for id in [p.tid, p.ids.ppid, p.ids.pgrp, p.ids.sid] {
        b.extend_from_slice(&id.to_le_bytes());
    }
    for ticks in [p.times.0, p.times.1] {
        let tv = timeval(ticks, hz);
        b.extend_from_slice(&tv[..4]);
        b.extend_from_slice(&tv[8..12]);
    }
    b.extend_from_slice(&[0; 16]); // pr_cutime, pr_cstime
    let r = &p.regs;
    // i386 user_regs_struct: ebx ecx edx esi edi ebp eax ds es fs gs
    // orig_eax eip cs eflags esp ss.
    for v in [r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.rax, r.ds, r.es, r.fs, r.gs, r.orig_rax, r.rip, r.cs, r.eflags, r.rsp, r.ss] {
        b.extend_from_slice(&(v as u32).to_le_bytes());
    }
    b.extend_from_slice(&(p.fpvalid as i32).to_le_bytes());
    debug_assert_eq!(b.len(), PRSTATUS32_SIZE);
    b
}

fn prstatus_bytes(p: &Prstatus, hz: u64) -> Vec<u8> {
    let mut b = Vec::with_capacity(PRSTATUS_SIZE);
    // pr_info (si_signo, si_code, si_errno), pr_cursig and its padding.
    b.extend_from_slice(&p.sig.to_le_bytes());
    b.extend_from_slice(&[0; 8]);
    b.extend_from_slice(&(p.sig as i16).to_le_bytes());
    b.extend_from_slice(&[0; 2]);
    b.extend_from_slice(&p.sigpend.to_le_bytes());
    b.extend_from_slice(&p.sighold.to_le_bytes());
    for id in [p.tid, p.ids.ppid, p.ids.pgrp, p.ids.sid] {
        b.extend_from_slice(&id.to_le_bytes());
    }
    b.extend_from_slice(&timeval(p.times.0, hz));
    b.extend_from_slice(&timeval(p.times.1, hz));
    b.extend_from_slice(&[0; 32]); // pr_cutime, pr_cstime
    let mut regs = [0u8; 27 * 8];
    sys::copy_to_bytes(&p.regs, &mut regs);
    b.extend_from_slice(&regs);
    b.extend_from_slice(&(p.fpvalid as i32).to_le_bytes());
    b.extend_from_slice(&[0; 4]);
    debug_assert_eq!(b.len(), PRSTATUS_SIZE);
    b
}

/// Linux's `struct elf_prpsinfo` (x86_64).
fn prpsinfo_bytes(pid: Pid, st: &procfs::Status, ps: &procfs_stat::Stat, args: &[String]) -> Vec<u8> {
    let mut b = Vec::with_capacity(PRPSINFO_SIZE);
    let state = ps.state as u8;
    b.push(b"RSDTZW".iter().position(|&c| c == state).unwrap_or(0) as u8);
    b.push(state);
    b.push((state == b'Z') as u8);
    b.push(ps.nice as i8 as u8);
    b.extend_from_slice(&[0; 4]);
    b.extend_from_slice(&ps.flags.to_le_bytes());
    b.extend_from_slice(&st.uid[0].to_le_bytes());
    b.extend_from_slice(&st.gid[0].to_le_bytes());
    for id in [pid.0, ps.ppid, ps.pgrp, ps.session] {
        b.extend_from_slice(&id.to_le_bytes());
    }
    // pr_fname[16] and pr_psargs[80], NUL-terminated and truncated.
    let mut fixed = |text: &[u8], len: usize| {
        let n = text.len().min(len - 1);
        b.extend_from_slice(&text[..n]);
        b.resize(b.len() + len - n, 0);
    };
    fixed(ps.comm.as_bytes(), 16);
    fixed(args.join(" ").as_bytes(), 80);
    debug_assert_eq!(b.len(), PRPSINFO_SIZE);
    b
}

/// Linux's i386 `struct elf_prpsinfo` (16-bit uid and gid).
fn prpsinfo32_bytes(pid: Pid, st: &procfs::Status, ps: &procfs_stat::Stat, args: &[String]) -> Vec<u8> {
    let wide = prpsinfo_bytes(pid, st, ps, args);
    let mut b = Vec::with_capacity(PRPSINFO32_SIZE);
    b.extend_from_slice(&wide[..4]); // state, sname, zomb, nice
    b.extend_from_slice(&(ps.flags as u32).to_le_bytes());
    b.extend_from_slice(&(st.uid[0] as u16).to_le_bytes());
    b.extend_from_slice(&(st.gid[0] as u16).to_le_bytes());
    b.extend_from_slice(&wide[24..136]); // pid, ppid, pgrp, sid, fname, psargs
    debug_assert_eq!(b.len(), PRPSINFO32_SIZE);
    b
}

/// NT_FILE: every file-backed map entry (start, end, offset in pages) and
/// its path, in the program's word size; `None` when over Linux's size
/// limit for the note.
fn file_note(arch: Arch, maps: &[procfs_stat::SmapsEntry], page: u64) -> Option<Vec<u8>> {
    let files: Vec<&procfs::MapEntry> =
        maps.iter().map(|e| &e.map).filter(|m| m.inode != 0 && !m.path.is_empty()).collect();
    let mut b = Vec::new();
    let word = |b: &mut Vec<u8>, v: u64| match arch {
        Arch::X86_64 => b.extend_from_slice(&v.to_le_bytes()),
        Arch::I386 => b.extend_from_slice(&(v as u32).to_le_bytes()),
    };
    word(&mut b, files.len() as u64);
    word(&mut b, page);
    for m in &files {
        for v in [m.start, m.end, m.offset / page] {
            word(&mut b, v);
        }
    }
    for m in &files {
        b.extend_from_slice(m.path.as_bytes());
        b.push(0);
    }
    (b.len() <= FILE_NOTE_MAX).then_some(b)
}

fn is_zero(b: &[u8]) -> bool {
    b.iter().fold(0u8, |a, &x| a | x) == 0
}

/// Write `data` at `at`, leaving all-zero pages past `old_size` (the file's
/// end before the dump, so they read as zeros) unwritten.
fn write_sparse(out: RawFd, data: &[u8], at: u64, old_size: u64, page: usize) -> Result<(), Errno> {
    let mut run: Option<usize> = None;
    let mut i = 0;
    while i < data.len() {
        let end = (i + page).min(data.len());
        let hole = at + i as u64 >= old_size && is_zero(&data[i..end]);
        match (hole, run) {
            (false, None) => run = Some(i),
            (true, Some(s)) => {
                fd::pwrite_all(out, &data[s..i], at + s as u64)?;
                run = None;
            }
            _ => {}
        }
        i = end;
    }
    match run {
        Some(s) => fd::pwrite_all(out, &data[s..], at + s as u64),
        None => Ok(()),
    }
}

impl Tracer {
    /// PT_COREDUMP: write a core of the stopped process to `fd`, a regular
    /// file open for writing, from offset 0 (the descriptor's own offset is
    /// left alone). `flags`: [`PC_COMPRESS`] (allows compression; the core
    /// is written uncompressed) and [`PC_ALL`] (include the map entries the
    /// process excluded with MADV_DONTDUMP, and PROT_NONE ones). `limit`:
    /// the largest core in bytes, 0 for none; a core that would reach it
    /// fails with EFAULT and nothing is written, as on FreeBSD.
    ///
    /// The core is a Linux x86_64 ELF core (gdb reads it), every thread in
    /// it, the selected LWP first. Errors, in FreeBSD's order: the usual
    /// ESRCH/EPERM/EBUSY, EINVAL for unknown flags, EBADF for a descriptor
    /// not open for writing, EPIPE for one not on a regular file, then
    /// EFAULT for the limit and the write's own errors (ENOSPC...).
    pub fn coredump(&mut self, t: Target, fd: BorrowedFd<'_>, flags: u32, limit: u64) -> Result<()> {
        self.coredump_raw(t, fd.as_raw_fd(), flags, limit)
    }

    /// [`Tracer::coredump`] with a raw descriptor number, the C face's
    /// `pc_fd`: a number that is not an open descriptor is EBADF.
    pub fn coredump_raw(&mut self, t: Target, out: RawFd, flags: u32, limit: u64) -> Result<()> {
        let (pid, first) = self.stopped(t)?;
        // Every LWP's registers go into the core.
        self.settle_all(pid);
        if flags & !(PC_COMPRESS | PC_ALL) != 0 {
            return Err(Errno::EINVAL.into());
        }
        let info = fd::fd_info(out)?;
        if !info.writable {
            return Err(Errno::EBADF.into());
        }
        if !info.regular {
            return Err(Errno::EPIPE.into());
        }
        // Linux's pwrite(2) appends on an O_APPEND descriptor whatever the
        // offset; FreeBSD writes the core at its offsets regardless. Write
        // through a description of our own, opened on the same file.
        let own = match info.append {
            true => Some(sys::open(&format!("/proc/self/fd/{out}"), libc::O_WRONLY).map_err(|_| Errno::EBADF)?),
            false => None,
        };
        let out = own.as_ref().map_or(out, |o| o.as_raw_fd());

        let page = procfs_stat::page_size();
        let arch = self.proc_arch(pid, first)?;
        if sys::HOST_32 && arch == Arch::X86_64 {
            // A 32-bit tracer cannot read a 64-bit program's registers
            // whole, nor its memory above 4 GiB (docs/deviations.md).
            return Err(Errno::EINVAL.into());
        }
        let maps = procfs_stat::task_smaps(pid.0, first)?;
        let segs: Vec<Segment> = maps.iter().filter_map(|e| segment(e, flags & PC_ALL != 0)).collect();
        let notes = self.core_notes(arch, pid, first, &maps, page)?;
        let l = layout(class(arch), &segs, notes.len(), page);
        if limit != 0 && l.total >= limit {
            return Err(Errno::EFAULT.into());
        }

        let mut head = headers(arch, &l, &segs, page);
        head.extend_from_slice(&notes);
        head.resize(l.data_off as usize, 0);
        fd::pwrite_all(out, &head, 0)?;
        let mut buf = vec![0u8; CHUNK];
        let mut at = l.data_off;
        for s in segs.iter().filter(|s| s.contents) {
            let mut addr = s.start;
            while addr < s.end {
                let n = ((s.end - addr) as usize).min(CHUNK);
                self.read_for_core(pid, addr, &mut buf[..n], page)?;
                write_sparse(out, &buf[..n], at, info.size, page as usize)?;
                addr += n as u64;
                at += n as u64;
            }
        }
        if fd::fd_info(out)?.size < l.total {
            // Holes at the end: the file must still be the core's size.
            fd::ftruncate(out, l.total)?;
        }
        Ok(())
    }

    /// Fill `buf` from `addr`; pages that cannot be read are zeros.
    fn read_for_core(&mut self, pid: Pid, addr: u64, buf: &mut [u8], page: u64) -> Result<()> {
        let mut done = 0;
        while done < buf.len() {
            match self.read_memory(Target::Proc(pid), addr + done as u64, &mut buf[done..]) {
                Ok(()) => return Ok(()),
                Err(Error::Fault { done: n, .. }) => {
                    done += n;
                    let bad = addr + done as u64;
                    let skip = ((bad / page + 1) * page - bad) as usize;
                    let end = (done + skip).min(buf.len());
                    buf[done..end].fill(0);
                    done = end;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// The PT_NOTE's contents: the selected LWP's notes first, then every
    /// other live LWP's in creation order. A thread that vanished (killed
    /// while stopped) is left out.
    fn core_notes(&mut self, arch: Arch, pid: Pid, first: Tid, maps: &[procfs_stat::SmapsEntry], page: u64) -> Result<Vec<u8>> {
        let mut tids = vec![first];
        tids.extend(self.procs[&pid].live_lwps().map(|l| l.tid).filter(|&t| t != first));
        let st = procfs::status(pid.0)?;
        let ps = procfs_stat::stat(pid.0, None)?;
        let ids = Ids { ppid: ps.ppid, pgrp: ps.pgrp, sid: ps.session };
        let hz = procfs_stat::clock_ticks();
        let mut out = Vec::new();
        let mut xstate = vec![0u8; sys::XSTATE_MAX];
        let mut threads = 0;
        // Every NT_PRSTATUS carries the signal of the first thread's stop,
        // as Linux gives every thread the dump's signal: gdb takes the
        // core's signal from the last NT_PRSTATUS it reads.
        let first_lwp = self.procs[&pid].lwp(first).expect("live");
        let sig = first_lwp.event.map(|e| e.stop_signal()).unwrap_or(0);
        for tid in tids {
            let Ok(regs) = self.linux_regs(pid, tid) else { continue };
            let siginfo = self.procs[&pid].lwp(tid).expect("live").stop_siginfo();
            let fpregs = sys::getfpregs(tid).ok();
            let times = procfs_stat::stat(pid.0, Some(tid)).map(|s| (s.utime, s.stime)).unwrap_or((0, 0));
            let pr = Prstatus {
                sig,
                sigpend: sys::thread_pending(tid).unwrap_or(0),
                sighold: sys::sigmask(tid).unwrap_or(0),
                tid,
                ids,
                times,
                regs,
                fpvalid: fpregs.is_some(),
            };
            let i386 = arch == Arch::I386;
            let prstatus = if i386 { prstatus32_bytes(&pr, hz) } else { prstatus_bytes(&pr, hz) };
            put_note(&mut out, "CORE", NT_PRSTATUS, &prstatus);
            if threads == 0 {
                let args = procfs_stat::cmdline(pid.0).unwrap_or_default();
                let psinfo = if i386 { prpsinfo32_bytes(pid, &st, &ps, &args) } else { prpsinfo_bytes(pid, &st, &ps, &args) };
                put_note(&mut out, "CORE", NT_PRPSINFO, &psinfo);
                if let Some(si) = siginfo.or_else(|| sys::siginfo(tid).ok()) {
                    let native = sys::siginfo_bytes(&si);
                    let bytes = match (i386, sys::HOST_32) {
                        (true, false) => crate::abi::siginfo_64_to_32(&native),
                        _ => native,
                    };
                    put_note(&mut out, "CORE", NT_SIGINFO, &bytes);
                }
                if let Ok(auxv) = procfs_stat::auxv(pid.0) {
                    let bytes: Vec<u8> = if i386 {
                        auxv.iter().flat_map(|&(k, v)| (k as u32).to_le_bytes().into_iter().chain((v as u32).to_le_bytes())).collect()
                    } else {
                        auxv.iter().flat_map(|&(k, v)| k.to_le_bytes().into_iter().chain(v.to_le_bytes())).collect()
                    };
                    put_note(&mut out, "CORE", NT_AUXV, &bytes);
                }
                if let Some(files) = file_note(arch, maps, page) {
                    put_note(&mut out, "CORE", NT_FILE, &files);
                }
            }
            if let Some(fp) = fpregs {
                let mut b = [0u8; 512];
                sys::copy_to_bytes(&fp, &mut b);
                if i386 {
                    // The FSAVE image, then the FXSAVE one.
                    let fsave = crate::request::fxsave::fxsave_to_fpreg32(&fp, regs.cs as u16, regs.ds as u32);
                    let mut f = [0u8; 108];
                    sys::copy_to_bytes(&fsave, &mut f);
                    put_note(&mut out, "CORE", NT_FPREGSET, &f);
                    put_note(&mut out, "LINUX", NT_PRXFPREG, &b);
                } else {
                    put_note(&mut out, "CORE", NT_FPREGSET, &b);
                }
            }
            if i386 {
                if let Some(tls) = sys::tls_descriptors(tid) {
                    put_note(&mut out, "LINUX", NT_386_TLS, &tls);
                }
            }
            if let Ok(n) = sys::getregset(tid, sys::NT_X86_XSTATE, &mut xstate) {
                put_note(&mut out, "LINUX", NT_X86_XSTATE, &xstate[..n]);
            }
            threads += 1;
        }
        if threads == 0 {
            return Err(Errno::ESRCH.into());
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(start: u64, end: u64, contents: bool) -> Segment {
        Segment { start, end, flags: PF_R | PF_W, contents }
    }

    #[test]
    fn notes_pad_name_and_descriptor_to_four_bytes() {
        let mut b = Vec::new();
        put_note(&mut b, "CORE", NT_AUXV, &[1, 2, 3, 4, 5]);
        // 12-byte header, "CORE\0" padded to 8, 5 bytes padded to 8.
        assert_eq!(b.len(), 12 + 8 + 8);
        assert_eq!(&b[..12], &[5, 0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 0]);
        assert_eq!(&b[12..20], b"CORE\0\0\0\0");
        assert_eq!(&b[20..], &[1, 2, 3, 4, 5, 0, 0, 0]);
    }

    #[test]
    fn segments_follow_the_notes_from_a_page_boundary() {
        let segs = [seg(0x1000, 0x3000, true), seg(0x8000, 0x9000, false), seg(0xa000, 0xb000, true)];
        let l = layout(ELF64, &segs, 100, 4096);
        assert_eq!(l.phnum, 4);
        assert_eq!(l.notes_off, 64 + 4 * 56);
        assert_eq!(l.data_off, 4096);
        assert_eq!(l.total, 4096 + 0x2000 + 0x1000);
        let h = headers(Arch::X86_64, &l, &segs, 4096);
        assert_eq!(h.len() as u64, l.notes_off);
        assert_eq!(&h[..4], b"\x7fELF");
        assert_eq!(u16::from_le_bytes([h[16], h[17]]), ET_CORE);
        assert_eq!(u16::from_le_bytes([h[56], h[57]]), 4, "e_phnum");
        let ph = |i: usize, field: usize| u64::from_le_bytes(h[64 + i * 56 + field..][..8].try_into().unwrap());
        // PT_NOTE, then each PT_LOAD's p_offset and p_filesz.
        assert_eq!(ph(0, 8), l.notes_off);
        assert_eq!((ph(1, 8), ph(1, 32)), (4096, 0x2000));
        assert_eq!((ph(2, 8), ph(2, 32), ph(2, 40)), (4096 + 0x2000, 0, 0x1000));
        assert_eq!((ph(3, 8), ph(3, 32)), (4096 + 0x2000, 0x1000));
    }

    #[test]
    fn more_than_65534_segments_use_extended_numbering() {
        let segs: Vec<Segment> = (0..PN_XNUM as u64).map(|i| seg(i << 12, (i + 1) << 12, false)).collect();
        let l = layout(ELF64, &segs, 0, 4096);
        let h = headers(Arch::X86_64, &l, &segs, 4096);
        assert_eq!(u16::from_le_bytes([h[56], h[57]]), 0xffff, "e_phnum is PN_XNUM");
        let shoff = u64::from_le_bytes(h[40..48].try_into().unwrap());
        assert_eq!(shoff, 64 + 56 * (PN_XNUM as u64 + 1));
        let sh_info = u32::from_le_bytes(h[shoff as usize + 44..][..4].try_into().unwrap());
        assert_eq!(sh_info as usize, PN_XNUM + 1);
        assert_eq!(h.len() as u64, l.notes_off);
    }

    #[test]
    fn prstatus_and_prpsinfo_have_linux_sizes() {
        let pr = Prstatus {
            sig: 5,
            sigpend: 0,
            sighold: 0,
            tid: 7,
            ids: Ids { ppid: 1, pgrp: 7, sid: 7 },
            times: (150, 3),
            regs: sys::zeroed_regs(),
            fpvalid: true,
        };
        let b = prstatus_bytes(&pr, 100);
        assert_eq!(b.len(), PRSTATUS_SIZE);
        assert_eq!(i16::from_le_bytes([b[12], b[13]]), 5, "pr_cursig");
        assert_eq!(i32::from_le_bytes(b[32..36].try_into().unwrap()), 7, "pr_pid");
        assert_eq!(u64::from_le_bytes(b[48..56].try_into().unwrap()), 1, "pr_utime.tv_sec");
        assert_eq!(u64::from_le_bytes(b[56..64].try_into().unwrap()), 500_000, "pr_utime.tv_usec");
        let ps = procfs_stat::Stat { comm: "a-very-long-command-name".into(), state: 't', ..Default::default() };
        let b = prpsinfo_bytes(Pid(7), &procfs::Status::default(), &ps, &["prog".into(), "arg".into()]);
        assert_eq!(b.len(), PRPSINFO_SIZE);
        assert_eq!(&b[40..56], b"a-very-long-com\0");
        assert_eq!(&b[56..65], b"prog arg\0");
    }

    #[test]
    fn zero_pages_past_the_old_end_are_holes() {
        let path = std::env::temp_dir().join(format!("bsdtrace-sparse-{}", std::process::id()));
        let f = std::fs::File::create(&path).unwrap();
        let mut data = vec![0u8; 4 * 4096];
        data[4096] = 1;
        write_sparse(f.as_raw_fd(), &data, 0, 0, 4096).unwrap();
        // Only the second page was written: the file ends with it.
        assert_eq!(f.metadata().unwrap().len(), 2 * 4096);
        std::fs::remove_file(&path).unwrap();
    }
}
