//! strace's `-y` and `-yy`: what a descriptor refers to, read from /proc
//! only when asked (never on the default hot path).
//!
//! `-y` prints the `/proc/TID/fd/N` link (`/etc/passwd`, `pipe:[123]`,
//! `socket:[456]`); `-yy` also decodes sockets from the tracee's own
//! network namespace tables (`/proc/PID/net/tcp`, `tcp6`, `udp`, `udp6`,
//! `unix`) into `TCP:[127.0.0.1:40000->127.0.0.1:80]`,
//! `UDP:[0.0.0.0:68]`, `UNIX:[456,"/run/sock"]`, and devices into
//! `/dev/null<char 1:3>`, as strace does.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::os::unix::fs::{FileTypeExt, MetadataExt};

/// What descriptor `fd` of thread `tid` (process `pid`) refers to, at
/// detail `level` (1: `-y`, 2: `-yy`).
pub fn describe(pid: i32, tid: i32, fd: i32, level: u8) -> Option<String> {
    let link = std::fs::read_link(format!("/proc/{tid}/fd/{fd}")).ok()?;
    let text = link.to_string_lossy().into_owned();
    if level < 2 {
        return Some(text);
    }
    if let Some(inode) = text.strip_prefix("socket:[").and_then(|r| r.strip_suffix(']')) {
        if let Ok(inode) = inode.parse::<u64>() {
            if let Some(s) = socket(pid, inode) {
                return Some(s);
            }
        }
        return Some(text);
    }
    if text.starts_with('/') {
        if let Ok(m) = std::fs::metadata(&link) {
            let ft = m.file_type();
            let kind = if ft.is_char_device() {
                Some("char")
            } else if ft.is_block_device() {
                Some("block")
            } else {
                None
            };
            if let Some(kind) = kind {
                let rdev = m.rdev();
                return Some(format!("{text}<{kind} {}:{}>", major(rdev), minor(rdev)));
            }
        }
    }
    Some(text)
}

fn major(dev: u64) -> u64 {
    ((dev >> 32) & 0xffff_f000) | ((dev >> 8) & 0xfff)
}

fn minor(dev: u64) -> u64 {
    ((dev >> 12) & 0xffff_ff00) | (dev & 0xff)
}

/// A socket's endpoints from the process's network namespace tables.
fn socket(pid: i32, inode: u64) -> Option<String> {
    for (file, proto, v6) in [("tcp", "TCP", false), ("tcp6", "TCPv6", true), ("udp", "UDP", false), ("udp6", "UDPv6", true)] {
        let Ok(t) = std::fs::read_to_string(format!("/proc/{pid}/net/{file}")) else { continue };
        for line in t.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 10 || f[9].parse::<u64>().ok() != Some(inode) {
                continue;
            }
            let local = endpoint(f[1], v6)?;
            let remote = endpoint(f[2], v6)?;
            let unconnected = f[2].ends_with(":0000") && f[2].trim_end_matches(":0000").chars().all(|c| c == '0');
            return Some(if unconnected { format!("{proto}:[{local}]") } else { format!("{proto}:[{local}->{remote}]") });
        }
    }
    let t = std::fs::read_to_string(format!("/proc/{pid}/net/unix")).ok()?;
    for line in t.lines().skip(1) {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() >= 7 && f[6].parse::<u64>().ok() == Some(inode) {
            return Some(match f.get(7) {
                Some(path) => format!("UNIX:[{inode},\"{path}\"]"),
                None => format!("UNIX:[{inode}]"),
            });
        }
    }
    None
}

/// `0100007F:0050` (little-endian words) as `127.0.0.1:80`.
fn endpoint(s: &str, v6: bool) -> Option<String> {
    let (addr, port) = s.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    if v6 {
        if addr.len() != 32 {
            return None;
        }
        let mut b = [0u8; 16];
        for w in 0..4 {
            let word = u32::from_str_radix(&addr[w * 8..w * 8 + 8], 16).ok()?;
            b[w * 4..w * 4 + 4].copy_from_slice(&word.to_le_bytes());
        }
        Some(format!("[{}]:{port}", Ipv6Addr::from(b)))
    } else {
        let word = u32::from_str_radix(addr, 16).ok()?;
        Some(format!("{}:{port}", Ipv4Addr::from(word.to_le_bytes())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_net_endpoints() {
        assert_eq!(endpoint("0100007F:0050", false).unwrap(), "127.0.0.1:80");
        assert_eq!(endpoint("00000000000000000000000001000000:1F90", true).unwrap(), "[::1]:8080");
        assert_eq!((major(0x8800), minor(0x8800)), (136, 0));
    }

    #[test]
    fn describes_our_own_descriptors() {
        let me = std::process::id() as i32;
        let f = std::fs::File::open("/dev/null").unwrap();
        use std::os::fd::AsRawFd;
        let fd = f.as_raw_fd();
        assert_eq!(describe(me, me, fd, 1).unwrap(), "/dev/null");
        assert_eq!(describe(me, me, fd, 2).unwrap(), "/dev/null<char 1:3>");
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let d = describe(me, me, l.as_raw_fd(), 2).unwrap();
        assert_eq!(d, format!("TCP:[127.0.0.1:{port}]"));
        assert!(describe(me, me, l.as_raw_fd(), 1).unwrap().starts_with("socket:["));
    }
}
