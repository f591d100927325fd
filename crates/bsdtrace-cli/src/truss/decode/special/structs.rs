//! The printers behind the per-call decoders: fcntl's, futex's and
//! clone's arguments, statx, dirents, ioctl structures, signal frames,
//! statfs, sysinfo, times, itimervals, CPU sets, socket options, epoll
//! events, pollfds, stack_t, group lists, control messages.

use std::fmt::Write as _;

use super::*;

/// A timespec of `w`-byte words (8, or 4 for an i386 call's 32-bit one).
pub(super) fn ts(b: &[u8], off: usize, w: usize) -> String {
    format!("{{ {}.{:09} }}", word_at(b, off, w), word_at(b, off + w, w))
}

/// A timeval of `w`-byte words.
pub(super) fn tv(b: &[u8], off: usize, w: usize) -> String {
    format!("{{ {}.{:06} }}", word_at(b, off, w), word_at(b, off + w, w))
}

/// A signed `w`-byte word.
pub(super) fn word_at(b: &[u8], off: usize, w: usize) -> i64 {
    if w == 4 { i64::from(i32_at(b, off)) } else { i64_at(b, off) }
}

pub(super) fn fcntl_arg(ctx: &Ctx, cmd: i32, v: u64) -> String {
    match cmd {
        libc::F_SETFD => flags(u64::from(v as u32), FD_FLAGS, "0"),
        libc::F_SETFL => print::open_flags(v as u32),
        libc::F_DUPFD | libc::F_DUPFD_CLOEXEC | libc::F_SETOWN | libc::F_SETPIPE_SZ | libc::F_NOTIFY => (v as i32).to_string(),
        F_SETSIG => print::signal(v as u32),
        libc::F_ADD_SEALS => flags(u64::from(v as u32), SEALS, "0"),
        libc::F_SETLEASE => match v as i32 {
            0 => "F_RDLCK".to_string(),
            1 => "F_WRLCK".to_string(),
            2 => "F_UNLCK".to_string(),
            n => n.to_string(),
        },
        _ if ctx.i386.is_some() && special32::is_lock_cmd(cmd) => special32::flock(ctx, cmd, v),
        libc::F_SETLK | libc::F_SETLKW | libc::F_GETLK | libc::F_OFD_SETLK | libc::F_OFD_SETLKW | libc::F_OFD_GETLK => flock(ctx, v),
        _ => hex(v),
    }
}

pub(super) fn flock(ctx: &Ctx, addr: u64) -> String {
    match read_exact(ctx.mem, addr, 32) {
        Some(b) => flock_fields(&b, i64_at(&b, 8), i64_at(&b, 16), i32_at(&b, 24)),
        None => hex(addr),
    }
}

/// A `struct flock` whichever layout held it: the type and whence (two
/// 16-bit fields at its start, in every layout), start, length, pid.
pub fn flock_fields(b: &[u8], start: i64, len: i64, pid: i32) -> String {
    let ty = match i16::from_le_bytes([b[0], b[1]]) as i32 {
        libc::F_RDLCK => "F_RDLCK".to_string(),
        libc::F_WRLCK => "F_WRLCK".to_string(),
        libc::F_UNLCK => "F_UNLCK".to_string(),
        n => n.to_string(),
    };
    let whence = enum_or_int(i64::from(i16::from_le_bytes([b[2], b[3]])), WHENCE);
    format!("{{ l_type={ty},l_whence={whence},l_start={start},l_len={len},l_pid={pid} }}")
}

/// futex: only the arguments the operation reads, as strace.
pub(super) fn futex(ctx: &Ctx) -> Vec<Option<String>> {
    let a = ctx.args;
    let op = a[1] as u32;
    let cmd = op & 0x7f;
    let mut v = vec![Some(hex(a[0])), Some(print::futex_op(op))];
    let val = Some((a[2] as i32).to_string());
    let timeout = || Some(if a[3] == 0 { "NULL".to_string() } else { print::arg_abi(bsdtrace::sysent::Arg::FutexTimeout, 3, ctx) });
    let val2 = || Some((a[3] as u32).to_string());
    let uaddr2 = || Some(hex(a[4]));
    let val3 = || Some((a[5] as i32).to_string());
    let bitset = || Some(if a[5] as u32 == u32::MAX { "FUTEX_BITSET_MATCH_ANY".to_string() } else { format!("{:#x}", a[5] as u32) });
    match cmd as i32 {
        libc::FUTEX_WAIT => v.extend([val, timeout()]),
        libc::FUTEX_WAKE | libc::FUTEX_FD => v.push(val),
        libc::FUTEX_REQUEUE => v.extend([val, val2(), uaddr2()]),
        libc::FUTEX_CMP_REQUEUE | libc::FUTEX_CMP_REQUEUE_PI => v.extend([val, val2(), uaddr2(), val3()]),
        libc::FUTEX_WAKE_OP => v.extend([val, val2(), uaddr2(), Some(format!("{:#x}", a[5] as u32))]),
        libc::FUTEX_LOCK_PI | libc::FUTEX_LOCK_PI2 | libc::FUTEX_TRYLOCK_PI => v.push(timeout()),
        libc::FUTEX_UNLOCK_PI => {}
        libc::FUTEX_WAIT_BITSET => v.extend([val, timeout(), bitset()]),
        libc::FUTEX_WAKE_BITSET => v.extend([val, bitset()]),
        libc::FUTEX_WAIT_REQUEUE_PI => v.extend([val, timeout(), uaddr2()]),
        _ => v.extend([val, Some(hex(a[3])), uaddr2(), val3()]),
    }
    v
}

/// clone: strace's named arguments, in its order, only those the flags use.
pub(super) fn clone(ctx: &Ctx) -> Vec<Option<String>> {
    let a = ctx.args;
    let fl = a[0];
    // i386's clone takes the TLS before the child's tid pointer.
    let (ctid, tls) = if ctx.i386.is_some() { (a[4], a[3]) } else { (a[3], a[4]) };
    let stack = if a[1] == 0 { "NULL".to_string() } else { hex(a[1]) };
    let mut v = vec![Some(format!("child_stack={stack}")), Some(format!("flags={}", print::clone_flags(fl)))];
    if fl & libc::CLONE_PARENT_SETTID as u64 != 0 {
        v.push(Some(format!("parent_tid={}", hex(a[2]))));
    }
    if fl & (libc::CLONE_CHILD_SETTID | libc::CLONE_CHILD_CLEARTID) as u64 != 0 {
        v.push(Some(format!("child_tidptr={}", hex(ctid))));
    }
    if fl & libc::CLONE_SETTLS as u64 != 0 {
        v.push(Some(format!("tls={}", hex(tls))));
    }
    v
}

/// `AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW`: the sync type is always named.
pub(super) fn statx_flags(v: u32) -> String {
    let sync = match v & libc::AT_STATX_SYNC_TYPE as u32 {
        0 => "AT_STATX_SYNC_AS_STAT",
        x if x == libc::AT_STATX_FORCE_SYNC as u32 => "AT_STATX_FORCE_SYNC",
        x if x == libc::AT_STATX_DONT_SYNC as u32 => "AT_STATX_DONT_SYNC",
        _ => "AT_STATX_SYNC_TYPE",
    };
    let rest = u64::from(v & !(libc::AT_STATX_SYNC_TYPE as u32));
    if rest == 0 {
        sync.to_string()
    } else {
        format!("{sync}|{}", flags(rest, AT_FLAGS, "0"))
    }
}

pub(super) fn mode_strace(mode: u32) -> String {
    let kind = match mode & libc::S_IFMT {
        libc::S_IFREG => "S_IFREG",
        libc::S_IFDIR => "S_IFDIR",
        libc::S_IFCHR => "S_IFCHR",
        libc::S_IFBLK => "S_IFBLK",
        libc::S_IFLNK => "S_IFLNK",
        libc::S_IFSOCK => "S_IFSOCK",
        libc::S_IFIFO => "S_IFIFO",
        _ => "",
    };
    let mut s = kind.to_string();
    for (bit, name) in [(libc::S_ISUID, "S_ISUID"), (libc::S_ISGID, "S_ISGID"), (libc::S_ISVTX, "S_ISVTX")] {
        if mode & bit != 0 {
            if !s.is_empty() {
                s.push('|');
            }
            s.push_str(name);
        }
    }
    if !s.is_empty() {
        s.push('|');
    }
    let _ = write!(s, "0{:o}", mode & 0o777);
    s
}

pub(super) fn statx_ts(b: &[u8], off: usize) -> String {
    format!("{{ tv_sec={},tv_nsec={} }}", i64_at(b, off), u32_at(b, off + 8))
}

/// `struct statx`, strace's fields: abbreviated unless verbose.
pub(super) fn statx(ctx: &Ctx, addr: u64) -> String {
    let Some(b) = read_exact(ctx.mem, addr, 256) else { return hex(addr) };
    let mode = u32::from(u16_at(&b, 28));
    let mut s = format!(
        "{{ stx_mask={},stx_attributes={},stx_mode={}",
        flags(u64::from(u32_at(&b, 0)), STATX_MASK, "0"),
        flags(u64_at(&b, 8), STATX_ATTRS, "0"),
        mode_strace(mode)
    );
    if !ctx.verbose() {
        // strace's abbreviated statx shows the size, devices included.
        let _ = write!(s, ",stx_size={}", u64_at(&b, 40));
        s.push_str(",... }");
        return s;
    }
    let _ = write!(
        s,
        ",stx_blksize={},stx_nlink={},stx_uid={},stx_gid={},stx_ino={},stx_size={},stx_blocks={},stx_attributes_mask={},stx_atime={},stx_btime={},stx_ctime={},stx_mtime={},stx_rdev_major={},stx_rdev_minor={},stx_dev_major={},stx_dev_minor={} }}",
        u32_at(&b, 4),
        u32_at(&b, 16),
        u32_at(&b, 20),
        u32_at(&b, 24),
        u64_at(&b, 32),
        u64_at(&b, 40),
        u64_at(&b, 48),
        flags(u64_at(&b, 56), STATX_ATTRS, "0"),
        statx_ts(&b, 64),
        statx_ts(&b, 80),
        statx_ts(&b, 96),
        statx_ts(&b, 112),
        u32_at(&b, 128),
        u32_at(&b, 132),
        u32_at(&b, 136),
        u32_at(&b, 140)
    );
    s
}

/// getdents64/getdents: `0x... /* 12 entries */`, or with -v the entries.
/// getdents' `struct linux_dirent` has `long` inode and offset (32-bit for
/// an i386 call), getdents64's 64-bit ones; the record length follows.
pub(super) fn dirents(ctx: &Ctx, addr: u64, len: i64, is64: bool) -> String {
    let w = if is64 { 8 } else { ctx.long() };
    let at_reclen = 2 * w;
    let len = (len.max(0) as usize).min(1 << 20);
    if len == 0 {
        return format!("{} /* 0 entries */", hex(addr));
    }
    let Some(b) = read_exact(ctx.mem, addr, len) else { return hex(addr) };
    let mut entries = Vec::new();
    let mut off = 0;
    while off + at_reclen + 3 <= len {
        let reclen = usize::from(u16_at(&b, off + at_reclen));
        if reclen < at_reclen + 3 || off + reclen > len {
            break;
        }
        entries.push(off);
        off += reclen;
    }
    if !ctx.verbose() {
        return format!("{} /* {} entries */", hex(addr), entries.len());
    }
    let mut s = String::from("[");
    for (k, &o) in entries.iter().enumerate() {
        if k >= ctx.opts.strsize {
            s.push_str(",...");
            break;
        }
        if k > 0 {
            s.push(',');
        }
        let reclen = usize::from(u16_at(&b, o + at_reclen));
        let (ty, name) = if is64 {
            (b[o + 18], &b[o + 19..o + reclen])
        } else {
            (b[o + reclen - 1], &b[o + at_reclen + 2..o + reclen - 1])
        };
        let name = &name[..name.iter().position(|&c| c == 0).unwrap_or(name.len())];
        let _ = write!(
            s,
            "{{ d_ino={},d_off={},d_reclen={},d_type={},d_name={} }}",
            if w == 4 { u64::from(u32_at(&b, o)) } else { u64_at(&b, o) },
            word_at(&b, o + w, w),
            reclen,
            enum_or_int(i64::from(ty), DIRENT_TYPES),
            quote(name, false)
        );
    }
    s.push(']');
    s
}

pub(super) fn ioctl_in(ctx: &Ctx, req: u32) -> Option<String> {
    let arg = ctx.args[2];
    match req as u64 {
        libc::TIOCSWINSZ => Some(winsize(ctx, arg)),
        libc::TIOCSPGRP | libc::FIONBIO | libc::FIOASYNC => Some(match read_exact(ctx.mem, arg, 4) {
            Some(b) => format!("[{}]", i32_at(&b, 0)),
            None => hex(arg),
        }),
        libc::TCSETS | libc::TCSETSW | libc::TCSETSF => Some(termios(ctx, arg)),
        libc::TCGETS | libc::TIOCGWINSZ | libc::TIOCGPGRP | libc::FIONREAD | libc::TIOCOUTQ | libc::TIOCGSID => None,
        // An integer argument (TCXONC, TCFLSH, ...) or an unknown one.
        _ => Some(hex(arg)),
    }
}

pub(super) fn ioctl_out(ctx: &Ctx, req: u32, arg: u64) -> String {
    match req as u64 {
        libc::TCGETS => termios(ctx, arg),
        libc::TIOCGWINSZ => winsize(ctx, arg),
        libc::TIOCGPGRP | libc::FIONREAD | libc::TIOCOUTQ | libc::TIOCGSID => match read_exact(ctx.mem, arg, 4) {
            Some(b) => format!("[{}]", i32_at(&b, 0)),
            None => hex(arg),
        },
        _ => hex(arg),
    }
}

pub(super) fn winsize(ctx: &Ctx, addr: u64) -> String {
    match read_exact(ctx.mem, addr, 8) {
        Some(b) => format!(
            "{{ ws_row={},ws_col={},ws_xpixel={},ws_ypixel={} }}",
            u16_at(&b, 0),
            u16_at(&b, 2),
            u16_at(&b, 4),
            u16_at(&b, 6)
        ),
        None => hex(addr),
    }
}

/// `struct termios` (the kernel's, 36 bytes): strace's abbreviated form,
/// `{ B38400 opost isig icanon echo ... }`, or with -v every field.
pub(super) fn termios(ctx: &Ctx, addr: u64) -> String {
    let Some(b) = read_exact(ctx.mem, addr, 36) else { return hex(addr) };
    let (iflag, oflag, cflag, lflag) = (u32_at(&b, 0), u32_at(&b, 4), u32_at(&b, 8), u32_at(&b, 12));
    if ctx.verbose() {
        return format!(
            "{{ c_iflag={iflag:#x},c_oflag={},c_cflag={cflag:#x},c_lflag={},c_line={},c_cc={} }}",
            flags(u64::from(oflag), TERMIOS_OFLAGS, "0"),
            flags(u64::from(lflag), TERMIOS_LFLAGS, "0"),
            b[16],
            quote(&b[17..36], false)
        );
    }
    let baud = lookup(i64::from(cflag & libc::CBAUD), BAUD).unwrap_or("B?");
    let bit = |v: u32, f: u32, n: &str| if v & f != 0 { n.to_string() } else { format!("-{n}") };
    format!(
        "{{ {baud} {} {} {} {} ... }}",
        bit(oflag, libc::OPOST, "opost"),
        bit(lflag, libc::ISIG, "isig"),
        bit(lflag, libc::ICANON, "icanon"),
        bit(lflag, libc::ECHO, "echo")
    )
}

/// rt_sigreturn: the mask the signal frame restores (`uc_sigmask` of the
/// `ucontext` at the stack pointer; the driver puts the stack pointer in
/// argument 0, which rt_sigreturn does not have).
pub(super) fn sigreturn(ctx: &Ctx) -> String {
    // struct rt_sigframe { char *pretcode (popped); struct ucontext uc; ... }:
    // uc_flags, uc_link, uc_stack (24), uc_mcontext (256), uc_sigmask.
    const UC_SIGMASK: u64 = 8 + 8 + 24 + 256;
    let sp = ctx.args[0];
    match read_exact(ctx.mem, sp.wrapping_add(UC_SIGMASK), 8) {
        Some(b) => format!("{{ mask={} }}", print::sigset(u64_at(&b, 0))),
        None => "{ mask=? }".to_string(),
    }
}

pub(super) fn statfs(ctx: &Ctx, addr: u64) -> String {
    let Some(b) = read_exact(ctx.mem, addr, 120) else { return hex(addr) };
    statfs_fields(
        i64_at(&b, 0),
        i64_at(&b, 8),
        [u64_at(&b, 16), u64_at(&b, 24), u64_at(&b, 32), u64_at(&b, 40), u64_at(&b, 48)],
        [u32_at(&b, 56), u32_at(&b, 60)],
        i64_at(&b, 64),
        i64_at(&b, 72),
        u64_at(&b, 80),
    )
}

/// A `struct statfs` whichever ABI's layout held it: type, block size,
/// the block and file counts, fsid, name length, fragment size, flags.
pub fn statfs_fields(ftype: i64, bsize: i64, counts: [u64; 5], fsid: [u32; 2], namelen: i64, frsize: i64, fl: u64) -> String {
    format!(
        "{{ f_type={},f_bsize={bsize},f_blocks={},f_bfree={},f_bavail={},f_files={},f_ffree={},f_fsid={{ val=[{:#x},{:#x}] }},f_namelen={namelen},f_frsize={frsize},f_flags={} }}",
        lookup(ftype, FS_MAGICS).map_or_else(|| format!("{ftype:#x}"), str::to_string),
        counts[0],
        counts[1],
        counts[2],
        counts[3],
        counts[4],
        fsid[0],
        fsid[1],
        statfs_flags(fl)
    )
}

pub(super) fn statfs_flags(v: u64) -> String {
    if v & ST_VALID == 0 {
        return flags(v, ST_FLAGS, "0");
    }
    match v & !ST_VALID {
        0 => "ST_VALID".to_string(),
        rest => format!("ST_VALID|{}", flags(rest, ST_FLAGS, "0")),
    }
}

/// `struct sysinfo`: longs (4 bytes for an i386 call), then `procs`
/// (16 bits), the high-memory longs and `mem_unit`.
pub(super) fn sysinfo(ctx: &Ctx, addr: u64) -> String {
    let w = ctx.long();
    let Some(b) = read_exact(ctx.mem, addr, 13 * w + 4) else { return hex(addr) };
    let l = |k: usize| ctx.ulong_at(&b, k * w);
    format!(
        "{{ uptime={},loads=[{},{},{}],totalram={},freeram={},sharedram={},bufferram={},totalswap={},freeswap={},procs={},totalhigh={},freehigh={},mem_unit={} }}",
        ctx.long_at(&b, 0),
        l(1),
        l(2),
        l(3),
        l(4),
        l(5),
        l(6),
        l(7),
        l(8),
        l(9),
        u16_at(&b, 10 * w),
        l(11),
        l(12),
        u32_at(&b, 13 * w)
    )
}

pub(super) fn tms(ctx: &Ctx, addr: u64) -> String {
    let w = ctx.long();
    match read_exact(ctx.mem, addr, 4 * w) {
        Some(b) => format!(
            "{{ tms_utime={},tms_stime={},tms_cutime={},tms_cstime={} }}",
            ctx.long_at(&b, 0),
            ctx.long_at(&b, w),
            ctx.long_at(&b, 2 * w),
            ctx.long_at(&b, 3 * w)
        ),
        None if addr == 0 => "NULL".to_string(),
        None => hex(addr),
    }
}

/// utimensat's times: `[UTIME_NOW,UTIME_OMIT]` or `[{ S.N },{ S.N }]`.
pub(super) fn utimens(ctx: &Ctx, addr: u64) -> String {
    if addr == 0 {
        return "NULL".to_string();
    }
    let w = if ctx.time32() { 4 } else { 8 };
    let Some(b) = read_exact(ctx.mem, addr, 4 * w) else { return hex(addr) };
    let one = |off: usize| match word_at(&b, off + w, w) {
        libc::UTIME_NOW => "UTIME_NOW".to_string(),
        libc::UTIME_OMIT => "UTIME_OMIT".to_string(),
        _ => ts(&b, off, w),
    };
    format!("[{},{}]", one(0), one(2 * w))
}

pub(super) fn itimerval(ctx: &Ctx, addr: u64) -> String {
    let w = ctx.long();
    match read_exact(ctx.mem, addr, 4 * w) {
        Some(b) => format!("{{ it_interval={},it_value={} }}", tv(&b, 0, w), tv(&b, 2 * w, w)),
        None if addr == 0 => "NULL".to_string(),
        None => hex(addr),
    }
}

/// A CPU set of `len` bytes: `[0 1]`.
pub(super) fn cpuset(ctx: &Ctx, addr: u64, len: u64) -> String {
    let len = (len as usize).min(1024);
    let Some(b) = read_exact(ctx.mem, addr, len) else { return hex(addr) };
    let cpus: Vec<String> = (0..len * 8).filter(|&c| b[c / 8] & (1 << (c % 8)) != 0).map(|c| c.to_string()).collect();
    format!("[{}]", cpus.join(" "))
}

/// strace's level names (`SOL_TCP` for IPPROTO_TCP...).
pub(super) fn sock_level(level: i32) -> String {
    match level {
        libc::SOL_SOCKET => "SOL_SOCKET".to_string(),
        libc::IPPROTO_IP => "SOL_IP".to_string(),
        libc::IPPROTO_TCP => "SOL_TCP".to_string(),
        libc::IPPROTO_UDP => "SOL_UDP".to_string(),
        libc::IPPROTO_IPV6 => "SOL_IPV6".to_string(),
        libc::IPPROTO_ICMPV6 => "SOL_ICMPV6".to_string(),
        l => enum_or_int(i64::from(l), SOCK_LEVELS),
    }
}

pub(super) fn sock_opt(level: i32, opt: i32) -> String {
    let table = match level {
        libc::SOL_SOCKET => SOL_SOCKET_OPTS,
        libc::IPPROTO_TCP => TCP_OPTS,
        libc::IPPROTO_IP => IP_OPTS,
        libc::IPPROTO_IPV6 => IPV6_OPTS,
        _ => return opt.to_string(),
    };
    enum_or_int(i64::from(opt), table)
}

/// An option value: `[1]` for an int, else the bytes.
pub(super) fn sockopt_value(ctx: &Ctx, addr: u64, len: u32) -> String {
    if addr == 0 {
        return "NULL".to_string();
    }
    if len == 4 {
        return match read_exact(ctx.mem, addr, 4) {
            Some(b) => format!("[{}]", i32_at(&b, 0)),
            None => hex(addr),
        };
    }
    print::buffer_at(ctx, addr, u64::from(len))
}

pub(super) fn epoll_event(b: &[u8], off: usize) -> String {
    let data = u64_at(b, off + 4);
    format!(
        "{{ events={},data={{ u32={},u64={} }} }}",
        flags(u64::from(u32_at(b, off)), EPOLL_EVENTS, "0"),
        data as u32,
        data
    )
}

pub(super) fn epoll_event_at(ctx: &Ctx, addr: u64) -> String {
    if addr == 0 {
        return "NULL".to_string();
    }
    match read_exact(ctx.mem, addr, 12) {
        Some(b) => epoll_event(&b, 0),
        None => hex(addr),
    }
}

pub(super) fn epoll_events(ctx: &Ctx, addr: u64, n: i64) -> String {
    let n = (n.max(0) as usize).min(ctx.opts.strsize.max(1));
    if n == 0 {
        return "[]".to_string();
    }
    match read_exact(ctx.mem, addr, n * 12) {
        Some(b) => {
            let ev: Vec<String> = (0..n).map(|i| epoll_event(&b, i * 12)).collect();
            format!("[{}]", ev.join(","))
        }
        None => hex(addr),
    }
}

/// `struct pollfd[]`: `[{ fd=3,events=POLLIN },...]`, or the revents of
/// those that have any (`[{ fd=3,revents=POLLIN }]`) for the result.
pub(super) fn pollfds(ctx: &Ctx, addr: u64, count: u64, revents: bool) -> String {
    let shown = (count as usize).min(print::MAX_ELEMENTS);
    if shown == 0 {
        return if addr == 0 { "NULL".to_string() } else { "[]".to_string() };
    }
    let Some(b) = read_exact(ctx.mem, addr, shown * 8) else { return hex(addr) };
    let mut parts = Vec::new();
    for i in 0..shown {
        let fd = i32_at(&b, i * 8);
        let (field, v) = if revents { ("revents", u16_at(&b, i * 8 + 6)) } else { ("events", u16_at(&b, i * 8 + 4)) };
        if revents && v == 0 {
            continue;
        }
        parts.push(format!("{{ fd={fd},{field}={} }}", flags(u64::from(v), POLL_FLAGS, "0")));
    }
    if !revents && count as usize > shown {
        parts.push("...".to_string());
    }
    format!("[{}]", parts.join(","))
}

pub(super) fn stack_t(ctx: &Ctx, addr: u64) -> String {
    if addr == 0 {
        return "NULL".to_string();
    }
    let w = ctx.long();
    match read_exact(ctx.mem, addr, 3 * w) {
        Some(b) => format!(
            "{{ ss_sp={},ss_flags={},ss_size={} }}",
            hex(ctx.ulong_at(&b, 0)),
            flags(u64::from(u32_at(&b, w)), SS_FLAGS, "0"),
            ctx.ulong_at(&b, 2 * w)
        ),
        None => hex(addr),
    }
}

pub(super) fn gid_list(ctx: &Ctx, addr: u64, n: i64) -> String {
    let n = (n.max(0) as usize).min(65536);
    if n == 0 {
        return "[]".to_string();
    }
    let shown = n.min(ctx.opts.strsize.max(1));
    match read_exact(ctx.mem, addr, shown * 4) {
        Some(b) => {
            let mut v: Vec<String> = (0..shown).map(|i| u32_at(&b, i * 4).to_string()).collect();
            if n > shown {
                v.push("...".to_string());
            }
            format!("[{}]", v.join(","))
        }
        None => hex(addr),
    }
}

/// Control messages of a msghdr (`msg_control`, `msg_controllen`), in
/// the call's ABI.
pub fn cmsgs(ctx: &Ctx, addr: u64, len: u64) -> String {
    let len = (len as usize).min(4096);
    if addr == 0 || len == 0 {
        return if addr == 0 { "NULL".to_string() } else { "[]".to_string() };
    }
    let Some(b) = read_exact(ctx.mem, addr, len) else { return hex(addr) };
    // `struct cmsghdr`: a `long` length, level, type; aligned to a `long`.
    let w = ctx.long();
    let head = w + 8;
    let mut out = Vec::new();
    let mut off = 0;
    while off + head <= len {
        let clen = ctx.ulong_at(&b, off) as usize;
        let level = i32_at(&b, off + w);
        let ty = i32_at(&b, off + w + 4);
        if clen < head || off + clen > len {
            break;
        }
        let data = &b[off + head..off + clen];
        let (ty_s, data_s) = if level == libc::SOL_SOCKET {
            let t = enum_or_int(i64::from(ty), SCM_TYPES);
            let d = match ty {
                libc::SCM_RIGHTS => {
                    let fds: Vec<String> = data.chunks_exact(4).map(|c| i32::from_le_bytes(c.try_into().unwrap()).to_string()).collect();
                    format!("[{}]", fds.join(","))
                }
                libc::SCM_CREDENTIALS if data.len() >= 12 => {
                    format!("{{ pid={},uid={},gid={} }}", i32_at(data, 0), u32_at(data, 4), u32_at(data, 8))
                }
                _ => quote(data, false),
            };
            (t, d)
        } else {
            (ty.to_string(), quote(data, false))
        };
        out.push(format!(
            "{{ cmsg_len={clen},cmsg_level={},cmsg_type={ty_s},cmsg_data={data_s} }}",
            sock_level(level)
        ));
        off += clen.div_ceil(w) * w;
    }
    format!("[{}]", out.join(","))
}
