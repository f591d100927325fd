//! The printers of x86-64 structures the argument kinds point to:
//! sigaction, stat and statx, socket addresses, iovecs, fd_sets, msghdrs,
//! clone_args, pollfds, argv/envp string arrays.

use super::*;

/// `struct sigaction` (the kernel's: handler, flags, restorer, mask), with
/// strace's fields: `{ sa_handler=SIG_DFL,sa_mask=[],sa_flags=SA_RESTORER,sa_restorer=0x... }`.
/// The kernel's layout is the same in both ABIs: three `long`s of the
/// call's ABI, then the 64-bit mask.
pub(super) fn sigaction(ctx: &Ctx, addr: u64) -> String {
    let w = ctx.long();
    let Some(b) = read_exact(ctx.mem, addr, 3 * w + 8) else {
        return hex(addr);
    };
    sigaction_fields(ctx.ulong_at(&b, 0), u64_at(&b, 3 * w), ctx.ulong_at(&b, w), ctx.ulong_at(&b, 2 * w))
}

/// The fields of a `struct sigaction`, whichever ABI's layout held them.
pub fn sigaction_fields(handler: u64, mask: u64, fl: u64, restorer: u64) -> String {
    let handler = match handler {
        0 => "SIG_DFL".to_string(),
        1 => "SIG_IGN".to_string(),
        h => hex(h),
    };
    let mut s = format!("{{ sa_handler={handler},sa_mask={},sa_flags={}", sigset(mask), flags(fl, SA_FLAGS, "0"));
    if fl & 0x0400_0000 != 0 {
        let _ = write!(s, ",sa_restorer={}", hex(restorer));
    }
    s.push_str(" }");
    s
}

/// strmode(3): `-rw-r--r-- ` (type, permissions, and the trailing space
/// FreeBSD's strmode leaves for the ACL marker).
pub fn strmode(mode: u32) -> String {
    let t = match mode & 0o170000 {
        0o040000 => 'd',
        0o020000 => 'c',
        0o060000 => 'b',
        0o100000 => '-',
        0o120000 => 'l',
        0o140000 => 's',
        0o010000 => 'p',
        _ => '?',
    };
    let mut s = String::with_capacity(11);
    s.push(t);
    let bit = |b: u32, c: char| if mode & b != 0 { c } else { '-' };
    let special = |x: u32, sp: u32, on: char, off: char| match (mode & x != 0, mode & sp != 0) {
        (true, true) => on,
        (false, true) => off,
        (true, false) => 'x',
        (false, false) => '-',
    };
    s.push(bit(0o400, 'r'));
    s.push(bit(0o200, 'w'));
    s.push(special(0o100, 0o4000, 's', 'S'));
    s.push(bit(0o040, 'r'));
    s.push(bit(0o020, 'w'));
    s.push(special(0o010, 0o2000, 's', 'S'));
    s.push(bit(0o004, 'r'));
    s.push(bit(0o002, 'w'));
    s.push(special(0o001, 0o1000, 't', 'T'));
    s.push(' ');
    s
}

/// Where one ABI's `struct stat` keeps the fields truss shows: each an
/// (offset, width in bytes) pair; `blksize` is absent from i386's
/// `__old_kernel_stat`.
pub struct StatLayout {
    /// The structure's size.
    pub len: usize,
    ino: (usize, usize),
    mode: (usize, usize),
    rdev: (usize, usize),
    size: (usize, usize),
    blksize: Option<(usize, usize)>,
}

/// x86-64's `struct stat` (144 bytes).
pub const STAT_X86_64: StatLayout = StatLayout { len: 144, ino: (8, 8), mode: (24, 4), rdev: (40, 8), size: (48, 8), blksize: Some((56, 8)) };
/// i386's `struct stat64` (96 bytes; the 64-bit `st_ino` at 88).
pub const STAT64_I386: StatLayout = StatLayout { len: 96, ino: (88, 8), mode: (16, 4), rdev: (32, 8), size: (44, 8), blksize: Some((52, 4)) };
/// i386's `struct stat` (64 bytes: 32-bit fields, 16-bit mode and ids).
pub const STAT_I386: StatLayout = StatLayout { len: 64, ino: (4, 4), mode: (8, 2), rdev: (16, 4), size: (20, 4), blksize: Some((24, 4)) };
/// i386's `struct __old_kernel_stat` (32 bytes: 16-bit fields, 32-bit size).
pub const OLD_STAT_I386: StatLayout = StatLayout { len: 32, ino: (2, 2), mode: (4, 2), rdev: (12, 2), size: (16, 4), blksize: None };

/// An unsigned field of `w` bytes at `off`.
fn field(b: &[u8], (off, w): (usize, usize)) -> u64 {
    match w {
        2 => u64::from(u16_at(b, off)),
        4 => u64::from(u32_at(b, off)),
        _ => u64_at(b, off),
    }
}

/// x86-64 `struct stat` (144 bytes) as FreeBSD truss shows it, plus the
/// device number of a device (`rdev=makedev(0x1,0x3)`, strace's spelling).
pub fn stat(b: &[u8]) -> String {
    stat_in(b, &STAT_X86_64)
}

/// [`stat`] of a `struct stat` in the layout `l`. The device numbers of
/// the narrower layouts are the kernel's 32-bit (or old 16-bit) encoding,
/// which the 64-bit decoding reads as the same major and minor.
pub fn stat_in(b: &[u8], l: &StatLayout) -> String {
    let mode = field(b, l.mode) as u32;
    let rdev = match mode & 0o170000 {
        0o020000 | 0o060000 => {
            let d = field(b, l.rdev);
            let major = ((d >> 32) & 0xffff_f000) | ((d >> 8) & 0xfff);
            let minor = ((d >> 12) & 0xffff_ff00) | (d & 0xff);
            format!(",rdev=makedev({major:#x},{minor:#x})")
        }
        _ => String::new(),
    };
    let blksize = l.blksize.map_or_else(String::new, |f| format!(",blksize={}", field(b, f) as i64));
    format!("{{ mode={},inode={},size={}{blksize}{rdev} }}", strmode(mode), field(b, l.ino), field(b, l.size) as i64)
}

/// A `struct stat` of layout `l` at `addr`, or the address.
pub fn stat_at(ctx: &Ctx, addr: u64, l: &StatLayout) -> String {
    match read_exact(ctx.mem, addr, l.len) {
        Some(b) => stat_in(&b, l),
        None => hex(addr),
    }
}

/// `struct statx` in the same shape as [`stat`].
pub fn statx(b: &[u8]) -> String {
    format!(
        "{{ mode={},inode={},size={},blksize={} }}",
        strmode(u32::from(u16_at(b, 28))),
        u64_at(b, 32),
        u64_at(b, 40),
        u32_at(b, 4)
    )
}

pub(super) fn sock_type(v: u32) -> String {
    let t = enum_or_int(i64::from(v & 0xf), SOCK_TYPES);
    let rest = u64::from(v & !0xf);
    if rest == 0 {
        t
    } else {
        format!("{t}|{}", flags(rest, SOCK_FLAGS, "0"))
    }
}

pub(super) fn sockaddr_at(ctx: &Ctx, addr: u64, len: u64) -> String {
    if addr == 0 {
        return "NULL".to_string();
    }
    let len = len.min(128) as usize;
    if len < 2 {
        return hex(addr);
    }
    let mut buf = vec![0; len];
    match ctx.mem.read(addr, &mut buf) {
        Ok(n) if n >= 2 => sockaddr(&buf[..n]),
        _ => hex(addr),
    }
}

/// A socket address of `len` bytes at `addr`.
pub(in crate::truss::decode) fn sockaddr_at_len(ctx: &Ctx, addr: u64, len: u64) -> String {
    sockaddr_at(ctx, addr, len)
}

/// `{ AF_INET 127.0.0.1:80 }`, `{ AF_INET6 [::1]:80 }`, `{ AF_UNIX "/tmp/s" }`.
pub fn sockaddr(b: &[u8]) -> String {
    let family = u16_at(b, 0);
    match family {
        2 if b.len() >= 8 => {
            let port = u16::from_be_bytes([b[2], b[3]]);
            format!(
                "{{ AF_INET {}:{port} }}",
                Ipv4Addr::new(b[4], b[5], b[6], b[7])
            )
        }
        10 if b.len() >= 24 => {
            let port = u16::from_be_bytes([b[2], b[3]]);
            let ip: [u8; 16] = b[8..24].try_into().unwrap();
            format!("{{ AF_INET6 [{}]:{port} }}", Ipv6Addr::from(ip))
        }
        1 => {
            let path = &b[2..];
            if path.first() == Some(&0) && path.len() > 1 {
                // Abstract socket: the name is every byte of the length.
                format!("{{ AF_UNIX @{} }}", quote(&path[1..], false))
            } else {
                let end = path.iter().position(|&c| c == 0).unwrap_or(path.len());
                format!("{{ AF_UNIX {} }}", quote(&path[..end], false))
            }
        }
        16 if b.len() >= 12 => {
            format!(
                "{{ AF_NETLINK pid={},groups={:#x} }}",
                u32_at(b, 4),
                u32_at(b, 8)
            )
        }
        f => {
            // FreeBSD's generic form, less sa_len, which Linux lacks.
            let data: Vec<String> = b[2..].iter().map(|x| format!("0x{x:02x}")).collect();
            format!("{{ sa_family = {f}, sa_data = {{ {} }} }}", data.join(", "))
        }
    }
}

/// `struct iovec[]` in the call's ABI (two `long`s each).
pub(super) fn iovec(ctx: &Ctx, addr: u64, count: u64, out_total: Option<u64>) -> String {
    let count = count as i32;
    if count <= 0 {
        return hex(addr);
    }
    let w = ctx.long();
    let shown = (count as usize).min(IOV_LIMIT);
    let Some(b) = read_exact(ctx.mem, addr, shown * 2 * w) else {
        return hex(addr);
    };
    let mut remaining = out_total;
    let mut parts = Vec::with_capacity(shown);
    for i in 0..shown {
        let base = ctx.ulong_at(&b, i * 2 * w);
        let len = ctx.ulong_at(&b, i * 2 * w + w);
        let data_len = match remaining.as_mut() {
            Some(r) => {
                let n = len.min(*r);
                *r -= n;
                n
            }
            None => len,
        };
        parts.push(format!("{{{},{len}}}", buffer(ctx, base, data_len)));
    }
    if (count as usize) > shown {
        parts.push("...".to_string());
    }
    format!("[{}]", parts.join(","))
}

/// `{ 0 3 4 }`: the descriptors set in an `fd_set` of `nfds` bits.
pub(super) fn fd_set(ctx: &Ctx, addr: u64, nfds: u64) -> String {
    let nfds = (nfds as i32).clamp(0, 1024) as usize;
    if addr == 0 || nfds == 0 {
        return hex(addr);
    }
    // The kernel copies whole longs.
    let Some(b) = read_exact(ctx.mem, addr, nfds.div_ceil(64) * 8) else {
        return hex(addr);
    };
    let fds: Vec<String> = (0..nfds)
        .filter(|&fd| b[fd / 8] & (1 << (fd % 8)) != 0)
        .map(|fd| fd.to_string())
        .collect();
    if fds.is_empty() {
        "{ }".to_string()
    } else {
        format!("{{ {} }}", fds.join(" "))
    }
}

/// `struct msghdr` with strace's fields:
/// `{ msg_name=NULL,msg_namelen=0,msg_iov=[{"x",1}],msg_iovlen=1,msg_control=[{ cmsg_len=20,... }],msg_controllen=24,msg_flags=0 }`.
/// For recvmsg (`out_total` = bytes received) the iovec shows the data,
/// the control messages what the kernel wrote, and `msg_flags` its result.
/// The `struct msghdr` is seven `long`-sized slots in either ABI (the
/// name length and flags in the low half of theirs).
pub(super) fn msghdr(ctx: &Ctx, addr: u64, out_total: Option<u64>) -> String {
    match read_exact(ctx.mem, addr, 7 * ctx.long()) {
        Some(b) => msghdr_fields(ctx, &b, out_total),
        None => hex(addr),
    }
}

/// [`msghdr`] of the structure's bytes.
fn msghdr_fields(ctx: &Ctx, b: &[u8], out_total: Option<u64>) -> String {
    let w = ctx.long();
    let name = ctx.ulong_at(b, 0);
    let namelen = u64::from(u32_at(b, w));
    let iov = ctx.ulong_at(b, 2 * w);
    let iovlen = ctx.ulong_at(b, 3 * w);
    let control = ctx.ulong_at(b, 4 * w);
    let controllen = ctx.ulong_at(b, 5 * w);
    let name_s = if name == 0 {
        "NULL".to_string()
    } else if namelen == 0 {
        hex(name)
    } else {
        sockaddr_at(ctx, name, namelen)
    };
    format!(
        "{{ msg_name={name_s},msg_namelen={namelen},msg_iov={},msg_iovlen={iovlen},msg_control={},msg_controllen={controllen},msg_flags={} }}",
        iovec(ctx, iov, iovlen, out_total),
        crate::truss::decode::special::cmsgs(ctx, control, controllen),
        flags(u64::from(u32_at(b, 6 * w)), MSG_FLAGS, "0")
    )
}

/// sendmmsg's and recvmmsg's `struct mmsghdr[]` (a msghdr, then the
/// 32-bit `msg_len`, padded to a `long`), the first `n` of them:
/// `[{ msg_hdr={ ... },msg_len=2 },...]`. recvmmsg's (`received`) show
/// each message's `msg_len` bytes of data.
pub fn mmsghdrs(ctx: &Ctx, addr: u64, n: u64, received: bool) -> String {
    let w = ctx.long();
    let size = (7 * w + 4).next_multiple_of(w);
    let shown = (n as usize).min(IOV_LIMIT);
    if shown == 0 {
        return hex(addr);
    }
    let Some(b) = read_exact(ctx.mem, addr, shown * size) else { return hex(addr) };
    let mut parts: Vec<String> = (0..shown)
        .map(|i| {
            let e = &b[i * size..(i + 1) * size];
            let len = u32_at(e, 7 * w);
            format!("{{ msg_hdr={},msg_len={len} }}", msghdr_fields(ctx, e, received.then_some(u64::from(len))))
        })
        .collect();
    if n as usize > shown {
        parts.push("...".to_string());
    }
    format!("[{}]", parts.join(","))
}

/// `{ flags=CLONE_VM|...,exit_signal=SIGCHLD,stack=0x...,stack_size=N,tls=0x... }`.
pub(super) fn clone_args(ctx: &Ctx, addr: u64, size: u64) -> String {
    // clone_args grew over time; 64 bytes (CLONE_ARGS_SIZE_VER0) hold these fields.
    if size < 64 {
        return hex(addr);
    }
    let Some(b) = read_exact(ctx.mem, addr, 64) else {
        return hex(addr);
    };
    let exit_signal = u64_at(&b, 32);
    format!(
        "{{ flags={},exit_signal={},stack={},stack_size={},tls={} }}",
        clone_flags(u64_at(&b, 0)),
        if exit_signal == 0 {
            "0".to_string()
        } else {
            signal(exit_signal as u32)
        },
        hex(u64_at(&b, 40)),
        u64_at(&b, 48),
        hex(u64_at(&b, 56))
    )
}

pub(super) fn pollfd(ctx: &Ctx, addr: u64, count: u64) -> String {
    let shown = (count as usize).min(MAX_ELEMENTS);
    if shown == 0 {
        return hex(addr);
    }
    let Some(b) = read_exact(ctx.mem, addr, shown * 8) else {
        return hex(addr);
    };
    let mut out = String::from("{");
    for i in 0..shown {
        let fd = i32_at(&b, i * 8);
        let events = u16_at(&b, i * 8 + 4);
        let _ = write!(out, " {fd}/{}", flags(u64::from(events), POLL_EVENTS, "0"));
    }
    if count as usize > shown {
        out.push_str(" ...");
    }
    out.push_str(" }");
    out
}

/// `[ "ls", "-l" ]`: an array of pointers (`long`s of the call's ABI).
pub(super) fn string_array(ctx: &Ctx, addr: u64) -> String {
    if addr == 0 {
        return hex(addr);
    }
    let mut parts = Vec::new();
    let mut more = false;
    for i in 0.. {
        if i == MAX_ELEMENTS * 4 {
            more = true;
            break;
        }
        let w = ctx.long();
        let Some(b) = read_exact(ctx.mem, addr + (w * i) as u64, w) else {
            more = true;
            break;
        };
        let p = ctx.ulong_at(&b, 0);
        if p == 0 {
            break;
        }
        if parts.len() >= ctx.opts.strsize.max(1) {
            more = true;
            break;
        }
        // Each string cut at -s, and at most -s of them, as strace.
        parts.push(match ctx.mem.read_cstr(p, ctx.opts.strsize) {
            Ok(s) => quote(&s.bytes, !s.complete),
            Err(_) => hex(p),
        });
    }
    if parts.is_empty() && more {
        return hex(addr);
    }
    if more {
        parts.push("...".to_string());
    }
    format!("[ {} ]", parts.join(", "))
}
