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
/// The kinds whose layout is the same in both ABIs, or whose printer
/// reads the ABI's `long` from [`Ctx`] (iovecs, argv, msghdr, sigaction,
/// rusage), print as in
/// [`arg`]; a structure this decoder does not know in its i386 layout
/// prints as its address, never misread.
/// `ctx.number` is the x86-64 call of the same name (for `-v`).
pub fn arg32(kind: Arg, i: usize, ctx: &Ctx) -> String {
    use Arg::*;
    let v = ctx.args[i];
    if is_out32(kind) && !matches!(ctx.outcome, Some(Outcome::Value(_))) {
        return hex(v);
    }
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
        | ItimerWhich | IovecIn(_) | IovecOut(_) | Argv | Envp | MsghdrIn | MsghdrOut | SigactionIn | SigactionOut
        | RusageOut => arg(kind, i, ctx),
        // The *_time64 calls take the 64-bit timespec.
        Timespec64In => arg(TimespecIn, i, ctx),
        Timespec64Out => arg(TimespecOut, i, ctx),
        TimespecIn | TimespecOut => pair32(ctx, v, 9),
        TimevalIn | TimevalOut => pair32(ctx, v, 6),
        FutexTimeout => match ctx.args[1] as u32 & 0x7f {
            0 | 6 | 9 | 11 | 13 => pair32(ctx, v, 9),
            _ => (v as u32).to_string(),
        },
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
        Stat64Out => stat_at(ctx, v, &STAT64_I386),
        StatOut => stat_at(ctx, v, &STAT_I386),
        OldSigactionIn | OldSigactionOut if v == 0 => "NULL".to_string(),
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
