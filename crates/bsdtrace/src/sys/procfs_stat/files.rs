//! procstat -f and -l's /proc readers: open descriptors (what each is,
//! sockets with their endpoints from /proc/net) and /proc/locks.

use super::*;
use std::collections::HashMap;

/// What stat(2) through a /proc/PID/fd/N link says the object is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A regular file.
    Regular,
    /// A directory.
    Dir,
    /// A block device.
    Block,
    /// A character device.
    Char,
    /// A symbolic link.
    Link,
    /// A socket.
    Socket,
    /// A FIFO or pipe.
    Fifo,
    /// Anything else, or not stat-able.
    Unknown,
}

/// One open descriptor: /proc/PID/fd/N and /proc/PID/fdinfo/N.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenFile {
    /// The descriptor number.
    pub fd: i32,
    /// The link's target (`/path`, `socket:[N]`, `anon_inode:[eventfd]`...).
    pub target: String,
    /// The file's type, from stat(2) through the link.
    pub kind: FileKind,
    /// fdinfo `pos`.
    pub pos: Option<u64>,
    /// fdinfo `flags` (O_* bits, octal in the file).
    pub flags: u32,
    /// fdinfo has `lock:` lines (flock/POSIX/OFD locks through this file).
    pub locked: bool,
    /// The inode behind `socket:[N]`, `pipe:[N]`.
    pub inode: Option<u64>,
}

fn kind_of(path: &str) -> FileKind {
    use std::os::unix::fs::FileTypeExt;
    match std::fs::metadata(path) {
        Ok(m) => {
            let t = m.file_type();
            if t.is_file() {
                FileKind::Regular
            } else if t.is_dir() {
                FileKind::Dir
            } else if t.is_block_device() {
                FileKind::Block
            } else if t.is_char_device() {
                FileKind::Char
            } else if t.is_symlink() {
                FileKind::Link
            } else if t.is_socket() {
                FileKind::Socket
            } else if t.is_fifo() {
                FileKind::Fifo
            } else {
                FileKind::Unknown
            }
        }
        Err(_) => FileKind::Unknown,
    }
}

/// The kind of object at a path (cwd, root, exe), following links.
pub fn path_kind(path: &str) -> FileKind {
    kind_of(path)
}

fn bracket_inode(target: &str) -> Option<u64> {
    let s = target.split_once(":[")?.1;
    s.strip_suffix(']')?.parse().ok()
}

/// Open descriptors in fd order.
pub fn files(pid: i32) -> Result<Vec<OpenFile>, Errno> {
    let dir = std::fs::read_dir(format!("/proc/{pid}/fd")).map_err(os_err)?;
    let mut fds: Vec<i32> = dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect();
    fds.sort_unstable();
    let mut out = Vec::with_capacity(fds.len());
    for fd in fds {
        // A descriptor closed since the directory was read is skipped; a
        // refusal (another user's process) is the caller's to report.
        let target = match link(&format!("/proc/{pid}/fd/{fd}")) {
            Ok(t) => t,
            Err(Errno::ESRCH) => continue,
            Err(e) => return Err(e),
        };
        let info = read_text(&format!("/proc/{pid}/fdinfo/{fd}")).unwrap_or_default();
        let mut f = OpenFile {
            fd,
            kind: kind_of(&format!("/proc/{pid}/fd/{fd}")),
            inode: bracket_inode(&target),
            target,
            pos: None,
            flags: 0,
            locked: false,
        };
        for line in info.lines() {
            let Some((k, v)) = line.split_once(':') else { continue };
            match k {
                "pos" => f.pos = v.trim().parse().ok(),
                "flags" => f.flags = u32::from_str_radix(v.trim(), 8).unwrap_or(0),
                "lock" => f.locked = true,
                _ => {}
            }
        }
        out.push(f);
    }
    Ok(out)
}

/// A socket as the process's network namespace lists it in /proc/PID/net.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SocketInfo {
    /// libc::AF_INET, AF_INET6, AF_UNIX, AF_NETLINK, ...
    pub family: i32,
    /// libc::SOCK_STREAM, SOCK_DGRAM, ...
    pub sock_type: i32,
    /// libc::IPPROTO_TCP, IPPROTO_UDP, IPPROTO_RAW, 0.
    pub proto: i32,
    /// "addr:port" for inet; the bound path for unix ("" if unbound).
    pub local: String,
    /// The peer's address for inet (`*:0` when unconnected); unknown for unix sockets.
    pub peer: String,
    /// Bytes in the send queue (tx_queue).
    pub sendq: u64,
    /// Bytes in the receive queue (rx_queue).
    pub recvq: u64,
}

fn inet4(hex: &str) -> String {
    let (a, p) = hex.split_once(':').unwrap_or((hex, "0"));
    let v = u32::from_str_radix(a, 16).unwrap_or(0);
    let port = u16::from_str_radix(p, 16).unwrap_or(0);
    // The kernel prints the network-order word as a host (little-endian) u32.
    let o = v.to_le_bytes();
    let ip2 = std::net::Ipv4Addr::new(o[0], o[1], o[2], o[3]);
    if v == 0 {
        format!("*:{port}")
    } else {
        format!("{ip2}:{port}")
    }
}

fn inet6(hex: &str) -> String {
    let (a, p) = hex.split_once(':').unwrap_or((hex, "0"));
    let port = u16::from_str_radix(p, 16).unwrap_or(0);
    let mut bytes = [0u8; 16];
    for w in 0..4 {
        let word = a.get(w * 8..w * 8 + 8).and_then(|s| u32::from_str_radix(s, 16).ok()).unwrap_or(0);
        bytes[w * 4..w * 4 + 4].copy_from_slice(&word.to_le_bytes());
    }
    // FreeBSD prints IPv6 endpoints as addr.port.
    format!("{}.{port}", std::net::Ipv6Addr::from(bytes))
}

pub(super) fn parse_inet_table(text: &str, family: i32, sock_type: i32, proto: i32, out: &mut HashMap<u64, SocketInfo>) {
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 10 {
            continue;
        }
        let Ok(inode) = f[9].parse::<u64>() else { continue };
        let (tx, rx) = f[4].split_once(':').unwrap_or(("0", "0"));
        let addr = |s: &str| if family == libc::AF_INET { inet4(s) } else { inet6(s) };
        out.insert(
            inode,
            SocketInfo {
                family,
                sock_type,
                proto,
                local: addr(f[1]),
                peer: addr(f[2]),
                sendq: u64::from_str_radix(tx, 16).unwrap_or(0),
                recvq: u64::from_str_radix(rx, 16).unwrap_or(0),
            },
        );
    }
}

fn parse_unix_table(text: &str, out: &mut HashMap<u64, SocketInfo>) {
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 7 {
            continue;
        }
        let Ok(inode) = f[6].parse::<u64>() else { continue };
        let sock_type = i32::from_str_radix(f[4], 16).unwrap_or(0);
        out.insert(
            inode,
            SocketInfo {
                family: libc::AF_UNIX,
                sock_type,
                proto: 0,
                local: f.get(7).map(|s| s.to_string()).unwrap_or_default(),
                peer: String::new(),
                sendq: 0,
                recvq: 0,
            },
        );
    }
}

/// All sockets of the network namespace `pid` lives in, by inode.
pub fn sockets(pid: i32) -> HashMap<u64, SocketInfo> {
    let mut out = HashMap::new();
    let net = format!("/proc/{pid}/net");
    let tables = [
        ("tcp", libc::AF_INET, libc::SOCK_STREAM, libc::IPPROTO_TCP),
        ("tcp6", libc::AF_INET6, libc::SOCK_STREAM, libc::IPPROTO_TCP),
        ("udp", libc::AF_INET, libc::SOCK_DGRAM, libc::IPPROTO_UDP),
        ("udp6", libc::AF_INET6, libc::SOCK_DGRAM, libc::IPPROTO_UDP),
        ("raw", libc::AF_INET, libc::SOCK_RAW, libc::IPPROTO_RAW),
        ("raw6", libc::AF_INET6, libc::SOCK_RAW, libc::IPPROTO_RAW),
    ];
    for (name, fam, ty, proto) in tables {
        if let Ok(t) = read_text(&format!("{net}/{name}")) {
            parse_inet_table(&t, fam, ty, proto, &mut out);
        }
    }
    if let Ok(t) = read_text(&format!("{net}/unix")) {
        parse_unix_table(&t, &mut out);
    }
    out
}

/// One held lock of /proc/locks (waiters, the "->" lines, are left out).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockEntry {
    /// "POSIX", "FLOCK", "OFDLCK", "LEASE", ...
    pub kind: String,
    /// A write (exclusive) lock rather than a read lock.
    pub write: bool,
    /// The owner; -1 for open-file-description locks.
    pub pid: i32,
    /// The file's device, major number.
    pub dev_major: u32,
    /// The file's device, minor number.
    pub dev_minor: u32,
    /// The file's inode.
    pub inode: u64,
    /// The first byte locked.
    pub start: u64,
    /// Inclusive end; `None` is EOF.
    pub end: Option<u64>,
}

/// Parse the text of /proc/locks.
pub fn parse_locks(text: &str) -> Vec<LockEntry> {
    let mut out = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 8 || f[1] == "->" {
            continue;
        }
        let mut dev = f[5].split(':');
        let (Some(maj), Some(min), Some(ino)) = (dev.next(), dev.next(), dev.next()) else { continue };
        out.push(LockEntry {
            kind: f[1].to_string(),
            write: f[3] == "WRITE",
            pid: f[4].parse().unwrap_or(-1),
            dev_major: u32::from_str_radix(maj, 16).unwrap_or(0),
            dev_minor: u32::from_str_radix(min, 16).unwrap_or(0),
            inode: ino.parse().unwrap_or(0),
            start: f[6].parse().unwrap_or(0),
            end: f[7].parse().ok(),
        });
    }
    out
}

/// /proc/locks.
pub fn locks() -> Result<Vec<LockEntry>, Errno> {
    Ok(parse_locks(&read_text("/proc/locks")?))
}

/// glibc's makedev(3).
pub fn makedev(major: u32, minor: u32) -> u64 {
    let (ma, mi) = (major as u64, minor as u64);
    ((ma & 0xffff_f000) << 32) | ((ma & 0xfff) << 8) | ((mi & 0xffff_ff00) << 12) | (mi & 0xff)
}

/// The path under which `pid` has (device, inode) open, if it has.
pub fn open_path(pid: i32, dev: u64, inode: u64) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    for e in std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.flatten() {
        let Ok(m) = std::fs::metadata(e.path()) else { continue };
        if m.dev() == dev && m.ino() == inode {
            return link(&e.path().to_string_lossy()).ok();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inet_addresses() {
        assert_eq!(inet4("0100007F:0050"), "127.0.0.1:80");
        assert_eq!(inet4("00000000:07E8"), "*:2024");
        assert_eq!(inet6("00000000000000000000000001000000:0016"), "::1.22");
    }

    #[test]
    fn locks_table() {
        let t = "1: POSIX  ADVISORY  WRITE 1234 08:01:1310731 0 EOF\n\
1: -> POSIX  ADVISORY  WRITE 1235 08:01:1310731 0 EOF\n\
2: FLOCK  ADVISORY  READ  5678 00:1a:12345 5 9\n\
3: OFDLCK ADVISORY  READ  -1 fd:00:9 0 EOF\n";
        let l = parse_locks(t);
        assert_eq!(l.len(), 3);
        assert_eq!(
            (l[0].kind.as_str(), l[0].write, l[0].pid, l[0].inode, l[0].end),
            ("POSIX", true, 1234, 1310731, None)
        );
        assert_eq!((l[1].dev_major, l[1].dev_minor, l[1].start, l[1].end), (0, 0x1a, 5, Some(9)));
        assert_eq!((l[2].pid, l[2].dev_major), (-1, 0xfd));
        assert_eq!(makedev(8, 1), 0x801);
    }
}
