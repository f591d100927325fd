//! The printers of i386 calls' arguments (a 32-bit program's, or a
//! 64-bit one's `int $0x80`): the i386 layouts of the kinds whose
//! layout differs from x86-64's.

use bsdtrace::sysent::Arg;

use super::*;

/// [`is_out`] for an i386 call: also the kinds only the i386 table has.
pub fn is_out32(kind: Arg) -> bool {
    is_out(kind) || matches!(kind, Arg::Stat64Out | Arg::Timespec64Out | Arg::OldSigactionOut)
}

/// One argument of an i386 call (a 32-bit program's, or a 64-bit one's
/// `int $0x80`), read with the i386 layouts: 32-bit `long`s and pointers
/// in `timespec`, `timeval`, `iovec`, argv, `rlimit`, `struct stat64`.
/// The kinds whose layout is the same in both ABIs print as in [`arg`];
/// structures this decoder does not know in their i386 layout (`msghdr`,
/// `sigaction`, `rusage`...) print as their address, never misread.
/// `ctx.number` is the x86-64 call of the same name (for `-v`).
pub fn arg32(kind: Arg, i: usize, ctx: &Ctx) -> String {
    use Arg::*;
    let v = ctx.args[i];
    if is_out32(kind) && !matches!(ctx.outcome, Some(Outcome::Value(_))) {
        return hex(v);
    }
    let ret = match ctx.outcome {
        Some(Outcome::Value(r)) => r,
        _ => 0,
    };
    match kind {
        // i386's O_LARGEFILE (x86-64's is 0: the kernel's 0100000 is
        // implied there), as strace names it.
        OpenFlags | FdFlags if v as u32 & 0o100000 != 0 => {
            let rest = u64::from(v as u32 & !0o100000);
            let mut s = if kind == OpenFlags { open_flags(rest as u32) } else { flags(rest, OPEN_FLAGS, "0") };
            if s == "0" {
                s.clear();
            } else {
                s.push('|');
            }
            s.push_str("O_LARGEFILE");
            s
        }
        Int | Off | Uint | Hex | Ptr | Fd | Dirfd | Id | Path | Str | PathOut | BufIn(_) | BufOut(_)
        | Pollfd(_) | FdSet(_) | CloneArgs | SockaddrIn(_) | SockaddrOut(_) | FdPairOut | OpenFlags
        | FdFlags | Mode | AccessMode | AtFlags | UnlinkatFlags | ProtFlags | MmapFlags | MremapFlags
        | MsyncFlags | Madvise | Fadvise | CloneFlags | Signal | SigHow | SigsetIn | SigsetOut
        | StatxOut | Whence | IoctlReq | FcntlCmd | FcntlArg | FlockOp | SockDomain | SockType
        | SockFlags | SockLevel | MsgFlags | ShutdownHow | WaitOptions | WaitStatusOut | IdType
        | ClockId | FutexOp | PrctlOption | PtraceRequest | RlimitResource | UtsnameOut | EpollCtlOp
        | ItimerWhich => arg(kind, i, ctx),
        // The *_time64 calls take the 64-bit timespec.
        Timespec64In => arg(TimespecIn, i, ctx),
        Timespec64Out => arg(TimespecOut, i, ctx),
        TimespecIn | TimespecOut => pair32(ctx, v, 9),
        TimevalIn | TimevalOut => pair32(ctx, v, 6),
        FutexTimeout => match ctx.args[1] as u32 & 0x7f {
            0 | 6 | 9 | 11 | 13 => pair32(ctx, v, 9),
            _ => (v as u32).to_string(),
        },
        IovecIn(c) => iovec32(ctx, v, ctx.args[c as usize], None),
        IovecOut(c) => iovec32(ctx, v, ctx.args[c as usize], Some(ret.max(0) as u64)),
        Argv if ctx.opts.show_argv => string_array32(ctx, v),
        Envp if ctx.opts.show_env => string_array32(ctx, v),
        // mmap2's offset is in 4096-byte pages: shown in bytes, as strace.
        PageOffset => hex(v << 12),
        // getrlimit/setrlimit/ugetrlimit: unsigned longs; prlimit64 (x86-64's
        // 302) takes the 64-bit struct.
        RlimitIn | RlimitOut if v == 0 => "NULL".to_string(),
        RlimitIn | RlimitOut if ctx.number == 302 => arg(kind, i, ctx),
        RlimitIn | RlimitOut => match read_exact(ctx.mem, v, 8) {
            Some(b) => {
                let r = |x: u32| if x == u32::MAX { "RLIM_INFINITY".to_string() } else { x.to_string() };
                format!("{{ cur={},max={} }}", r(u32_at(&b, 0)), r(u32_at(&b, 4)))
            }
            None => hex(v),
        },
        Stat64Out => match read_exact(ctx.mem, v, 96) {
            Some(b) => stat(&stat64_as_stat(&b)),
            None => hex(v),
        },
        SigactionIn | SigactionOut | OldSigactionIn | OldSigactionOut if v == 0 => "NULL".to_string(),
        // i386's kernel sigaction: handler, flags, restorer, then the
        // 64-bit mask.
        SigactionIn | SigactionOut => match read_exact(ctx.mem, v, 20) {
            Some(b) => sigaction_fields(u64::from(u32_at(&b, 0)), u64_at(&b, 12), u64::from(u32_at(&b, 4)), u64::from(u32_at(&b, 8))),
            None => hex(v),
        },
        // old_sigaction: handler, a one-word mask, flags, restorer.
        OldSigactionIn | OldSigactionOut => match read_exact(ctx.mem, v, 16) {
            Some(b) => sigaction_fields(
                u64::from(u32_at(&b, 0)),
                u64::from(u32_at(&b, 4)),
                u64::from(u32_at(&b, 8)),
                u64::from(u32_at(&b, 12)),
            ),
            None => hex(v),
        },
        OldSigset => sigset(u64::from(v as u32)),
        UserDesc => user_desc(ctx, v),
        // Two 32-bit timevals, then 14 longs: inblock and oublock at 44.
        RusageOut => match read_exact(ctx.mem, v, 72) {
            Some(b) => format!(
                "{{ u={}.{:06},s={}.{:06},in={},out={} }}",
                i32_at(&b, 0),
                i32_at(&b, 4),
                i32_at(&b, 8),
                i32_at(&b, 12),
                i32_at(&b, 44),
                i32_at(&b, 48)
            ),
            None => hex(v),
        },
        _ => hex(v),
    }
}

/// `struct user_desc` (set_thread_area, get_thread_area; the same in both
/// ABIs): strace's fields; at exit the entry number the kernel chose.
pub(super) fn user_desc(ctx: &Ctx, v: u64) -> String {
    let Some(b) = read_exact(ctx.mem, v, 16) else { return hex(v) };
    let bits = u32_at(&b, 12);
    let bit = |n: u32| (bits >> n) & 1;
    format!(
        "{{ entry_number={},base_addr={},limit={:#08x},seg_32bit={},contents={},read_exec_only={},limit_in_pages={},seg_not_present={},useable={} }}",
        i32_at(&b, 0),
        hex(u64::from(u32_at(&b, 4))),
        u32_at(&b, 8),
        bit(0),
        (bits >> 1) & 3,
        bit(3),
        bit(4),
        bit(5),
        bit(6)
    )
}

/// `{ sec.frac }` of an i386 `timespec` (`digits` 9) or `timeval` (6):
/// two 32-bit `long`s.
pub(super) fn pair32(ctx: &Ctx, v: u64, digits: usize) -> String {
    match read_exact(ctx.mem, v, 8) {
        Some(b) => format!("{{ {}.{:0digits$} }}", i32_at(&b, 0), i32_at(&b, 4)),
        None => hex(v),
    }
}

/// [`iovec`] with i386's `struct iovec` (two 32-bit words).
pub(super) fn iovec32(ctx: &Ctx, addr: u64, count: u64, out_total: Option<u64>) -> String {
    let count = count as i32;
    if count <= 0 {
        return hex(addr);
    }
    let shown = (count as usize).min(IOV_LIMIT);
    let Some(b) = read_exact(ctx.mem, addr, shown * 8) else {
        return hex(addr);
    };
    let mut remaining = out_total;
    let mut parts = Vec::with_capacity(shown);
    for i in 0..shown {
        let base = u64::from(u32_at(&b, i * 8));
        let len = u64::from(u32_at(&b, i * 8 + 4));
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

/// [`string_array`] with 32-bit pointers.
pub(super) fn string_array32(ctx: &Ctx, addr: u64) -> String {
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
        let Some(b) = read_exact(ctx.mem, addr + 4 * i as u64, 4) else {
            more = true;
            break;
        };
        let p = u64::from(u32_at(&b, 0));
        if p == 0 {
            break;
        }
        if parts.len() >= ctx.opts.strsize.max(1) {
            more = true;
            break;
        }
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

/// i386's `struct stat64` (96 bytes) laid out as x86-64's `struct stat`
/// for [`stat`]: mode, inode (the 64-bit `st_ino` at 88), size, blksize,
/// rdev.
pub fn stat64_as_stat(b: &[u8]) -> [u8; 144] {
    let mut s = [0u8; 144];
    s[0..8].copy_from_slice(&b[0..8]); // st_dev
    s[8..16].copy_from_slice(&b[88..96]); // st_ino
    s[16..20].copy_from_slice(&b[20..24]); // st_nlink
    s[24..28].copy_from_slice(&b[16..20]); // st_mode
    s[28..36].copy_from_slice(&b[24..32]); // st_uid, st_gid
    s[40..48].copy_from_slice(&b[32..40]); // st_rdev
    s[48..56].copy_from_slice(&b[44..52]); // st_size
    s[56..60].copy_from_slice(&b[52..56]); // st_blksize
    s[64..72].copy_from_slice(&b[56..64]); // st_blocks
    s
}
