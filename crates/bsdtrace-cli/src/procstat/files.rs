//! Open files (`-f`), from /proc/PID/fd, fdinfo and the network tables:
//! FreeBSD's procstat_files.c. JSON has FreeBSD's names, including its
//! `vode_type` spelling of the vnode type, and `fd_flags` as a list of
//! words.

use super::format::flag;
use super::out::Out;
use super::{Ctx, Proc};
use bsdtrace::sys::procfs_stat::{self as ps, FileKind, OpenFile, SocketInfo};
use bsdtrace::Errno;
use std::collections::HashMap;

const O_RDONLY: u32 = 0;
const O_RDWR: u32 = 2;

impl Ctx<'_> {
    pub(super) fn files(&mut self, p: &Proc) {
        if self.header() {
            self.out.text(format_args!(
                "{:>5} {:<16} {:>5} {:>1} {:>1} {:<8} {:>3} {:>7} {:<3} {:<12}\n",
                "PID", "COMM", "FD", "T", "V", "FLAGS", "REF", "OFFSET", "PRO", "NAME"
            ));
        }
        let fds = match ps::files(p.pid) {
            Ok(f) => f,
            Err(Errno::ESRCH) => return,
            Err(e) => return self.warn_errno(&format!("/proc/{}/fd", p.pid), e),
        };
        let pid = p.pid;
        let o = &mut self.out;
        o.encode("process_id", pid);
        o.encode("command", &p.comm);
        o.open_list("files");
        // The process's own vnodes first, as FreeBSD lists them.
        let mut special: Vec<(&str, String, u32)> = Vec::new();
        if let Ok(exe) = ps::link(&format!("/proc/{pid}/exe")) {
            special.push(("text", exe, O_RDONLY));
        }
        if let Some(tty) = tty_path(p.stat.tty_nr) {
            special.push(("ctty", tty, O_RDWR));
        }
        if let Ok(cwd) = ps::link(&format!("/proc/{pid}/cwd")) {
            special.push(("cwd", cwd, O_RDONLY));
        }
        if let Ok(root) = ps::link(&format!("/proc/{pid}/root")) {
            special.push(("root", root, O_RDONLY));
        }
        for (label, path, fl) in special {
            let kind = ps::path_kind(&path);
            o.instance();
            o.text(format_args!("{pid:>5} {:<16} ", p.comm));
            o.field("fd", label, format_args!("{label:>5} "));
            o.encode("fd_type", "vnode");
            o.text("v ");
            vnode_type(o, kind);
            flags(o, fl, false);
            o.field("ref_count", "-", format_args!("{:>3} ", "-"));
            o.field("offset", "-", format_args!("{:>7} ", "-"));
            o.field("protocol", "-", format_args!("{:<3} ", "-"));
            o.field("path", &path, format_args!("{path:<18}\n"));
            o.close();
        }
        let sockets =
            if fds.iter().any(|f| f.target.starts_with("socket:")) { ps::sockets(pid) } else { HashMap::new() };
        for f in &fds {
            let (t, type_name) = file_type(f);
            o.instance();
            o.text(format_args!("{pid:>5} {:<16} ", p.comm));
            o.field("fd", f.fd, format_args!("{:>5} ", f.fd));
            o.encode("fd_type", type_name);
            o.text(format_args!("{t} "));
            if t == 'v' {
                vnode_type(o, f.kind);
            } else {
                o.text("- ");
            }
            flags(o, f.flags, f.locked);
            // Linux does not say how many descriptors share an open file.
            o.field("ref_count", "-", format_args!("{:>3} ", "-"));
            match f.pos {
                Some(pos) => o.field("offset", pos, format_args!("{pos:>7} ")),
                None => o.field("offset", "-", format_args!("{:>7} ", "-")),
            }
            if t == 's' {
                match f.inode.and_then(|i| sockets.get(&i)) {
                    Some(s) => socket(o, s),
                    None => o.field("protocol", "?", "?   "),
                }
            } else {
                let name = if t == 'p' { "-" } else { f.target.as_str() };
                o.field("protocol", "-", format_args!("{:<3} ", "-"));
                o.field("path", name, format_args!("{name:<18}"));
            }
            o.text("\n");
            o.close();
        }
        o.close();
    }
}

/// V and FreeBSD's `vode_type` (sic) for a vnode.
fn vnode_type(o: &mut Out, k: FileKind) {
    let name = match k {
        FileKind::Regular => "regular",
        FileKind::Dir => "directory",
        FileKind::Block => "block",
        FileKind::Char => "character",
        FileKind::Link => "link",
        FileKind::Socket => "socket",
        FileKind::Fifo => "fifo",
        FileKind::Unknown => "unknown",
    };
    o.encode("vode_type", name);
    o.text(format_args!("{} ", vtype(k)));
}

/// FLAGS: r w a(ppend) s(async) f(sync) n(onblock) d(irect) l(ock held);
/// JSON's `fd_flags` list names them.
fn flags(o: &mut Out, fl: u32, locked: bool) {
    o.text(format_args!("{} ", fflags(fl, locked)));
    let acc = fl & 3;
    let words = [
        (acc == 0 || acc == 2, "read"),
        (acc == 1 || acc == 2, "write"),
        (fl & 0o2000 != 0, "append"),
        (fl & 0o20000 != 0, "async"),
        (fl & 0o10000 != 0, "fsync"),
        (fl & 0o4000 != 0, "nonblocking"),
        (fl & 0o40000 != 0, "direct_io"),
        (locked, "lock_held"),
    ];
    for (on, word) in words {
        if on {
            o.leaf("fd_flags", word, "");
        }
    }
}

fn socket(o: &mut Out, s: &SocketInfo) {
    let pro = protocol(s);
    o.field("protocol", pro, format_args!("{pro:<3} "));
    if s.proto == libc::IPPROTO_TCP || s.sock_type == libc::SOCK_STREAM {
        o.field("sendq", s.sendq, format_args!("{} ", s.sendq));
        o.field("recvq", s.recvq, format_args!("{} ", s.recvq));
    }
    if s.family == libc::AF_UNIX {
        // FreeBSD prints the first non-empty of local and peer path.
        let path = if !s.local.is_empty() {
            s.local.as_str()
        } else if !s.peer.is_empty() {
            s.peer.as_str()
        } else {
            "-"
        };
        o.field("path", path, path);
    } else {
        let path = format!("{} {}", s.local, s.peer);
        o.field("path", &path, &path);
    }
}

fn vtype(k: FileKind) -> char {
    match k {
        FileKind::Regular => 'r',
        FileKind::Dir => 'd',
        FileKind::Block => 'b',
        FileKind::Char => 'c',
        FileKind::Link => 'l',
        FileKind::Socket => 's',
        FileKind::Fifo => 'f',
        FileKind::Unknown => '?',
    }
}

/// T for one descriptor and its FreeBSD `fd_type` name: FreeBSD's file
/// types for Linux's fd targets.
fn file_type(f: &OpenFile) -> (char, &'static str) {
    let t = f.target.as_str();
    if t.starts_with("socket:") {
        return ('s', "socket");
    }
    if t.starts_with("pipe:") {
        return ('p', "pipe");
    }
    if let Some(anon) = t.strip_prefix("anon_inode:") {
        return match anon.trim_matches(['[', ']']) {
            "eventfd" => ('E', "eventfd"),
            "eventpoll" => ('k', "kqueue"),
            "pidfd" => ('P', "procdesc"),
            _ => ('?', "unknown"),
        };
    }
    if t.starts_with("/memfd:") || t.starts_with("/dev/shm/") {
        return ('h', "shm");
    }
    if t.starts_with("/dev/mqueue/") {
        return ('m', "mqueue");
    }
    if t == "/dev/ptmx" || t == "/dev/pts/ptmx" {
        return ('t', "pts");
    }
    if f.kind == FileKind::Fifo {
        return ('f', "fifo");
    }
    ('v', "vnode")
}

/// FLAGS: r w a(ppend) s(async) f(sync) n(onblock) d(irect) l(ock held).
fn fflags(fl: u32, locked: bool) -> String {
    let acc = fl & 3;
    [
        flag(acc == 0 || acc == 2, 'r'),
        flag(acc == 1 || acc == 2, 'w'),
        flag(fl & 0o2000 != 0, 'a'),
        flag(fl & 0o20000 != 0, 's'),
        flag(fl & 0o10000 != 0, 'f'),
        flag(fl & 0o4000 != 0, 'n'),
        flag(fl & 0o40000 != 0, 'd'),
        flag(locked, 'l'),
    ]
    .iter()
    .collect()
}

fn protocol(s: &SocketInfo) -> &'static str {
    match s.family {
        libc::AF_INET | libc::AF_INET6 => match s.proto {
            libc::IPPROTO_TCP => "TCP",
            libc::IPPROTO_UDP => "UDP",
            libc::IPPROTO_ICMP => "ICM",
            libc::IPPROTO_RAW => "RAW",
            libc::IPPROTO_SCTP => "SCT",
            _ => "IP?",
        },
        libc::AF_UNIX => match s.sock_type {
            libc::SOCK_STREAM => "UDS",
            libc::SOCK_DGRAM => "UDD",
            _ => "UD?",
        },
        _ => "?",
    }
}

/// The controlling terminal's path from stat's tty_nr.
fn tty_path(tty_nr: u32) -> Option<String> {
    if tty_nr == 0 {
        return None;
    }
    let major = (tty_nr >> 8) & 0xfff;
    let minor = (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00);
    Some(match major {
        136..=143 => format!("/dev/pts/{}", minor + (major - 136) * 256),
        4 if minor < 64 => format!("/dev/tty{minor}"),
        4 => format!("/dev/ttyS{}", minor - 64),
        5 if minor == 1 => "/dev/console".into(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_terminals() {
        assert_eq!(fflags(0, false), "r-------");
        assert_eq!(fflags(0o2 | 0o4000 | 0o2000, true), "rwa--n-l");
        assert_eq!(tty_path(34816).as_deref(), Some("/dev/pts/0"));
    }
}
