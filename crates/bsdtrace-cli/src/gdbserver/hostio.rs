//! `vFile:` host I/O: gdb reads the program and its libraries through the
//! server (`target:` sysroot), `remote get`/`put`/`delete`, and
//! `info proc mappings` (which reads /proc/PID/maps this way).
//!
//! Files are opened as the server's user, in the filesystem of the process
//! `vFile:setfs` names (through `/proc/PID/root`). Flags, modes, errno
//! values and the `stat` layout are the protocol's (GDB manual, "File-I/O
//! Remote Protocol Extension"), not the host's.

use super::packet;
use super::target::Inferiors;
use super::wire::{hex_bytes, hex_u64, split_once};
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};

/// Open files at most (a client cannot exhaust the server's descriptors).
const MAX_FILES: usize = 64;

#[derive(Default)]
pub struct HostIo {
    files: BTreeMap<i32, File>,
    /// `vFile:setfs`: the process whose filesystem paths are in (0: ours).
    fs_pid: i32,
}

/// Protocol errno values.
fn fio_errno(e: &std::io::Error) -> i32 {
    match e.raw_os_error().unwrap_or(0) {
        libc::EPERM => 1,
        libc::ENOENT => 2,
        libc::EINTR => 4,
        libc::EBADF => 9,
        libc::EACCES => 13,
        libc::EFAULT => 14,
        libc::EBUSY => 16,
        libc::EEXIST => 17,
        libc::ENODEV => 19,
        libc::ENOTDIR => 20,
        libc::EISDIR => 21,
        libc::EINVAL => 22,
        libc::ENFILE => 23,
        libc::EMFILE => 24,
        libc::EFBIG => 27,
        libc::ENOSPC => 28,
        libc::ESPIPE => 29,
        libc::EROFS => 30,
        libc::ENAMETOOLONG => 91,
        _ => 9999,
    }
}

fn fail(errno: i32) -> Vec<u8> {
    format!("F-1,{errno:x}").into_bytes()
}

fn io_fail(e: &std::io::Error) -> Vec<u8> {
    fail(fio_errno(e))
}

/// The protocol's `struct stat`: big-endian, 32-bit times.
fn fio_stat(m: &std::fs::Metadata) -> Vec<u8> {
    let mut v = Vec::with_capacity(64);
    for x in [m.dev() as u32, m.ino() as u32, m.mode(), m.nlink() as u32, m.uid(), m.gid(), m.rdev() as u32] {
        v.extend_from_slice(&x.to_be_bytes());
    }
    for x in [m.size(), m.blksize(), m.blocks()] {
        v.extend_from_slice(&x.to_be_bytes());
    }
    for x in [m.atime() as u32, m.mtime() as u32, m.ctime() as u32] {
        v.extend_from_slice(&x.to_be_bytes());
    }
    v
}

impl HostIo {
    fn path(&self, hex: &[u8]) -> Option<String> {
        let p = String::from_utf8(hex_bytes(hex)?).ok()?;
        if p.contains('\0') {
            return None;
        }
        Some(if self.fs_pid > 0 && p.starts_with('/') { format!("/proc/{}/root{p}", self.fs_pid) } else { p })
    }

    /// Files opened "in" a process that is gone stay open; only the
    /// filesystem choice falls back to ours.
    pub fn forget_pid(&mut self, pid: i32) {
        if self.fs_pid == pid {
            self.fs_pid = 0;
        }
    }

    /// One `vFile:` request (without the prefix); the reply.
    pub fn handle(&mut self, req: &[u8], inf: &Inferiors) -> Vec<u8> {
        let Some((op, args)) = split_once(req, b':') else { return Vec::new() };
        let fields: Vec<&[u8]> = args.splitn(3, |&c| c == b',').collect();
        match op {
            b"setfs" => match hex_u64(args) {
                Some(0) => {
                    self.fs_pid = 0;
                    b"F0".to_vec()
                }
                Some(pid) if pid <= i32::MAX as u64 && (inf.procs.contains_key(&(pid as i32)) || std::path::Path::new(&format!("/proc/{pid}/root")).exists()) => {
                    self.fs_pid = pid as i32;
                    b"F0".to_vec()
                }
                Some(_) => fail(22),
                None => fail(22),
            },
            b"open" => {
                let [p, flags, mode] = fields.as_slice() else { return fail(22) };
                let (Some(path), Some(flags), Some(mode)) = (self.path(p), hex_u64(flags), hex_u64(mode)) else {
                    return fail(22);
                };
                if self.files.len() >= MAX_FILES {
                    return fail(24);
                }
                let mut o = OpenOptions::new();
                match flags & 3 {
                    0 => o.read(true),
                    1 => o.write(true),
                    _ => o.read(true).write(true),
                };
                // The protocol's O_APPEND 0x8, O_CREAT 0x200, O_TRUNC 0x400, O_EXCL 0x800.
                let mut custom = 0;
                if flags & 0x8 != 0 {
                    custom |= libc::O_APPEND;
                }
                if flags & 0x200 != 0 {
                    custom |= libc::O_CREAT;
                }
                if flags & 0x400 != 0 {
                    custom |= libc::O_TRUNC;
                }
                if flags & 0x800 != 0 {
                    custom |= libc::O_EXCL;
                }
                o.custom_flags(custom | libc::O_CLOEXEC);
                o.mode((mode & 0o777) as u32);
                match o.open(&path) {
                    Ok(f) => {
                        let fd = (0..).find(|n| !self.files.contains_key(n)).unwrap_or(0);
                        self.files.insert(fd, f);
                        format!("F{fd:x}").into_bytes()
                    }
                    Err(e) => io_fail(&e),
                }
            }
            b"close" => match hex_u64(args).and_then(|fd| self.files.remove(&(fd as i32))) {
                Some(_) => b"F0".to_vec(),
                None => fail(9),
            },
            b"pread" => {
                let [fd, count, off] = fields.as_slice() else { return fail(22) };
                let (Some(fd), Some(count), Some(off)) = (hex_u64(fd), hex_u64(count), hex_u64(off)) else {
                    return fail(22);
                };
                let Some(f) = self.files.get(&(fd as i32)) else { return fail(9) };
                let mut buf = vec![0u8; (count as usize).min(packet::MAX_PACKET)];
                match f.read_at(&mut buf, off) {
                    Ok(n) => {
                        // What fits once escaped.
                        let n = packet::escaped_prefix(&buf[..n], packet::MAX_PACKET - 32);
                        let mut out = format!("F{n:x};").into_bytes();
                        packet::escape_into(&mut out, &buf[..n]);
                        out
                    }
                    Err(e) => io_fail(&e),
                }
            }
            b"pwrite" => {
                let Some((fd, rest)) = split_once(args, b',') else { return fail(22) };
                let Some((off, data)) = split_once(rest, b',') else { return fail(22) };
                let (Some(fd), Some(off), Some(data)) = (hex_u64(fd), hex_u64(off), packet::unescape(data)) else {
                    return fail(22);
                };
                let Some(f) = self.files.get(&(fd as i32)) else { return fail(9) };
                match f.write_at(&data, off) {
                    Ok(n) => format!("F{n:x}").into_bytes(),
                    Err(e) => io_fail(&e),
                }
            }
            b"fstat" => {
                let Some(f) = hex_u64(args).and_then(|fd| self.files.get(&(fd as i32))) else { return fail(9) };
                match f.metadata() {
                    Ok(m) => stat_reply(&m),
                    Err(e) => io_fail(&e),
                }
            }
            b"stat" | b"lstat" => {
                let Some(path) = self.path(args) else { return fail(22) };
                let m = if op == b"stat" { std::fs::metadata(&path) } else { std::fs::symlink_metadata(&path) };
                match m {
                    Ok(m) => stat_reply(&m),
                    Err(e) => io_fail(&e),
                }
            }
            b"unlink" => {
                let Some(path) = self.path(args) else { return fail(22) };
                match std::fs::remove_file(&path) {
                    Ok(()) => b"F0".to_vec(),
                    Err(e) => io_fail(&e),
                }
            }
            b"readlink" => {
                let Some(path) = self.path(args) else { return fail(22) };
                match std::fs::read_link(&path) {
                    Ok(t) => {
                        let b = t.as_os_str().as_encoded_bytes();
                        let mut out = format!("F{:x};", b.len()).into_bytes();
                        packet::escape_into(&mut out, b);
                        out
                    }
                    Err(e) => io_fail(&e),
                }
            }
            _ => Vec::new(),
        }
    }
}

fn stat_reply(m: &std::fs::Metadata) -> Vec<u8> {
    let st = fio_stat(m);
    let mut out = format!("F{:x};", st.len()).into_bytes();
    packet::escape_into(&mut out, &st);
    out
}
