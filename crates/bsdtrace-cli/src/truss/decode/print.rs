//! One printer per argument kind ([`Arg`]), in FreeBSD truss's style.
//!
//! Printers never fail: memory that cannot be read is shown as its address,
//! as FreeBSD truss does. They never read more than the `-s` limit of any
//! buffer, so a tracee cannot make the tracer copy megabytes per call.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::atomic::{AtomicU8, Ordering};

use bsdtrace::sysent::Arg;

use super::consts::*;
use super::num::dec;
use super::{Memory, Options, Outcome};

mod i386;
pub use i386::*;

mod structs;
pub use structs::*;

/// Longest path read from the tracee (Linux's PATH_MAX).
pub const PATH_MAX: usize = 4096;
/// Most elements of an array (pollfd, argv) shown before `...`.
pub const MAX_ELEMENTS: usize = 64;
/// Most iovec elements shown, as FreeBSD truss's IOV_LIMIT.
pub const IOV_LIMIT: usize = 16;

/// What a printer may look at.
pub struct Ctx<'a> {
    pub opts: &'a Options,
    pub mem: &'a dyn Memory,
    pub number: u32,
    pub args: [u64; 6],
    /// `None` at entry (and for a call that never returned).
    pub outcome: Option<Outcome>,
    /// An i386 call (a 32-bit program's, or an `int $0x80`): its name in
    /// the i386 table; `number` is then its x86-64 twin's.
    pub i386: Option<&'static str>,
}

impl Ctx<'_> {
    /// `-v`/`-e verbose=`: structures whole.
    pub fn verbose(&self) -> bool {
        self.opts.verbose.contains(self.number)
    }

    /// The size of the call's `long` and pointers: 4 for an i386 call.
    pub fn long(&self) -> usize {
        if self.i386.is_some() { 4 } else { 8 }
    }

    /// Whether the call's `timespec`s are two 32-bit longs: an i386 call
    /// other than the `*_time64` ones.
    pub fn time32(&self) -> bool {
        self.i386.is_some_and(|n| !n.ends_with("_time64"))
    }

    /// A signed `long` of this call's ABI at `off` in `b`.
    pub fn long_at(&self, b: &[u8], off: usize) -> i64 {
        if self.long() == 4 { i64::from(i32_at(b, off)) } else { i64_at(b, off) }
    }

    /// An unsigned `long` (or pointer) of this call's ABI at `off`.
    pub fn ulong_at(&self, b: &[u8], off: usize) -> u64 {
        if self.long() == 4 { u64::from(u32_at(b, off)) } else { u64_at(b, off) }
    }
}

/// [`arg`] or [`arg32`], as the call's ABI reads timespecs and longs:
/// for the per-call decoders that print one argument by its kind.
pub fn arg_abi(kind: Arg, i: usize, ctx: &Ctx) -> String {
    if ctx.time32() { arg32(kind, i, ctx) } else { arg(kind, i, ctx) }
}

/// `-X` (0 abbrev, 1 raw, 2 verbose) and `-x` (0, 1 non-ASCII, 2 all):
/// process-wide, set once from the command line before tracing.
static CONST_STYLE: AtomicU8 = AtomicU8::new(0);
static HEX_STYLE: AtomicU8 = AtomicU8::new(0);

/// Applies `-X` and `-x` to every printer.
pub fn set_styles(opts: &Options) {
    use super::{ConstStyle, HexStrings};
    CONST_STYLE.store(
        match opts.consts {
            ConstStyle::Abbrev => 0,
            ConstStyle::Raw => 1,
            ConstStyle::Verbose => 2,
        },
        Ordering::Relaxed,
    );
    HEX_STYLE.store(
        match opts.hex {
            HexStrings::None => 0,
            HexStrings::NonAscii => 1,
            HexStrings::All => 2,
        },
        Ordering::Relaxed,
    );
}

/// A constant's text in the `-X` style: `NAME`, `0x1`, or `0x1 /* NAME */`.
fn styled(v: u64, name: String, decimal: bool) -> String {
    let num = || if decimal { (v as i64).to_string() } else { hex(v) };
    match CONST_STYLE.load(Ordering::Relaxed) {
        1 => num(),
        2 => format!("{} /* {name} */", num()),
        _ => name,
    }
}

/// Whether `kind` is written by the kernel, so printed at exit.
pub fn is_out(kind: Arg) -> bool {
    use Arg::*;
    matches!(
        kind,
        PathOut
            | BufOut(_)
            | IovecOut(_)
            | SockaddrOut(_)
            | MsghdrOut
            | FdPairOut
            | SigactionOut
            | SigsetOut
            | TimespecOut
            | TimevalOut
            | StatOut
            | StatxOut
            | WaitStatusOut
            | RusageOut
            | RlimitOut
            | UtsnameOut
    )
}

/// Whether [`arg`] prints an in-argument of `kind` from its register (and
/// the other registers) alone, never reading tracee memory.
pub fn from_registers(kind: Arg) -> bool {
    use Arg::*;
    matches!(
        kind,
        Int | Off
            | Uint
            | Hex
            | Ptr
            | Fd
            | Dirfd
            | Id
            | OpenFlags
            | FdFlags
            | Mode
            | AccessMode
            | AtFlags
            | UnlinkatFlags
            | ProtFlags
            | MmapFlags
            | MremapFlags
            | MsyncFlags
            | Madvise
            | Fadvise
            | CloneFlags
            | Signal
            | SigHow
            | Whence
            | IoctlReq
            | FcntlCmd
            | FcntlArg
            | FlockOp
            | SockDomain
            | SockType
            | SockFlags
            | SockLevel
            | MsgFlags
            | ShutdownHow
            | WaitOptions
            | IdType
            | ClockId
            | FutexOp
            | ArchPrctlCode
            | PrctlOption
            | PtraceRequest
            | RlimitResource
            | EpollCtlOp
            | ItimerWhich
    )
}

/// `0x...`, FreeBSD's way of showing a pointer or an unreadable address.
pub fn hex(v: u64) -> String {
    super::num::hex(v)
}

/// A pointer: `NULL`, or its address.
pub fn ptr_or_null(v: u64) -> String {
    if v == 0 { "NULL".to_string() } else { hex(v) }
}

/// `NAME|NAME|0xrest`, or `zero` when no bit is set.
pub fn flags(v: u64, table: FlagTable, zero: &str) -> String {
    if CONST_STYLE.load(Ordering::Relaxed) == 0 {
        return flags_abbrev(v, table, zero);
    }
    styled(v, flags_abbrev(v, table, zero), false)
}

fn flags_abbrev(mut v: u64, table: FlagTable, zero: &str) -> String {
    if v == 0 {
        return zero.to_string();
    }
    let mut out = String::new();
    for &(bits, name) in table {
        if bits != 0 && v & bits == bits {
            if !out.is_empty() {
                out.push('|');
            }
            out.push_str(name);
            v &= !bits;
        }
    }
    if v != 0 {
        if !out.is_empty() {
            out.push('|');
        }
        let _ = write!(out, "{v:#x}");
    }
    out
}

/// The name of `v` in `table`.
pub fn lookup(v: i64, table: EnumTable) -> Option<&'static str> {
    table.iter().find(|e| e.0 == v).map(|e| e.1)
}

/// The name of `v` in `table`, else `v` in decimal.
pub fn enum_or_int(v: i64, table: EnumTable) -> String {
    match lookup(v, table) {
        Some(n) => styled(v as u64, n.to_string(), true),
        None => v.to_string(),
    }
}

/// The name of `v` in `table`, else `v` in hex.
pub fn enum_or_hex(v: u64, table: EnumTable) -> String {
    match lookup(v as i64, table) {
        Some(n) => styled(v, n.to_string(), false),
        None => hex(v),
    }
}

/// A signal's name, or its number if it has none.
pub fn signal(sig: u32) -> String {
    signal_name(sig).unwrap_or_else(|| sig.to_string())
}

/// `bytes` as a double-quoted C string literal (`\n`, `\t`, `\"`, `\\`,
/// `\0`, `\xNN`...), then `...` when the data went on past what is shown.
/// A NUL before an octal digit is `\000`, so that `"\0004"` reads back
/// as NUL then `4` (as strace writes it), not as the byte 4.
pub fn quote(bytes: &[u8], truncated: bool) -> String {
    let mut out = String::with_capacity(bytes.len() + 5);
    quote_into(&mut out, bytes, truncated);
    out
}

/// [`quote`] appended to `out`.
pub fn quote_into(out: &mut String, bytes: &[u8], truncated: bool) {
    out.push('"');
    for (i, &b) in bytes.iter().enumerate() {
        if b == 0 && nul_needs_three(bytes, i) {
            out.push_str("\\000");
            continue;
        }
        escape_byte(out, b);
    }
    out.push('"');
    if truncated {
        out.push_str("...");
    }
}

/// Whether the NUL at `i` is followed by an octal digit (and so must be
/// written `\000`), outside `-xx`'s all-hex style.
fn nul_needs_three(bytes: &[u8], i: usize) -> bool {
    HEX_STYLE.load(Ordering::Relaxed) != 2 && matches!(bytes.get(i + 1), Some(b'0'..=b'7'))
}

fn escape_byte(out: &mut String, b: u8) {
    if HEX_STYLE.load(Ordering::Relaxed) == 2 {
        let _ = write!(out, "\\x{b:02x}");
        return;
    }
    match b {
        b'"' => out.push_str("\\\""),
        b'\\' => out.push_str("\\\\"),
        b'\n' => out.push_str("\\n"),
        b'\t' => out.push_str("\\t"),
        b'\r' => out.push_str("\\r"),
        0 => out.push_str("\\0"),
        7 => out.push_str("\\a"),
        8 => out.push_str("\\b"),
        0x0b => out.push_str("\\v"),
        0x0c => out.push_str("\\f"),
        0x20..=0x7e => out.push(b as char),
        _ => {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
}

/// How many columns `bytes` take once escaped by [`quote`] (quotes excluded).
pub fn escaped_len(bytes: &[u8]) -> usize {
    if HEX_STYLE.load(Ordering::Relaxed) == 2 {
        return bytes.len() * 4;
    }
    bytes
        .iter()
        .enumerate()
        .map(|(i, &b)| match b {
            0 if nul_needs_three(bytes, i) => 4,
            b'"' | b'\\' | b'\n' | b'\t' | b'\r' | 0 | 7 | 8 | 0x0b | 0x0c => 2,
            0x20..=0x7e => 1,
            _ => 4,
        })
        .sum()
}

/// Reads exactly `len` bytes, or nothing.
pub fn read_exact(mem: &dyn Memory, addr: u64, len: usize) -> Option<Vec<u8>> {
    if addr == 0 {
        return None;
    }
    let mut buf = vec![0; len];
    match mem.read(addr, &mut buf) {
        Ok(n) if n == len => Some(buf),
        _ => None,
    }
}

pub(crate) fn u16_at(b: &[u8], off: usize) -> u16 {
    u16::from_le_bytes(b[off..off + 2].try_into().unwrap())
}
pub(crate) fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(b[off..off + 4].try_into().unwrap())
}
pub(crate) fn i32_at(b: &[u8], off: usize) -> i32 {
    i32::from_le_bytes(b[off..off + 4].try_into().unwrap())
}
pub(crate) fn u64_at(b: &[u8], off: usize) -> u64 {
    u64::from_le_bytes(b[off..off + 8].try_into().unwrap())
}
pub(crate) fn i64_at(b: &[u8], off: usize) -> i64 {
    i64::from_le_bytes(b[off..off + 8].try_into().unwrap())
}

/// A buffer of `len` bytes at `addr`, at most `strsize` of them shown
/// (strace counts bytes of data, not escaped columns, and so does truss).
fn buffer(ctx: &Ctx, addr: u64, len: u64) -> String {
    let mut s = String::new();
    buffer_into(&mut s, ctx, addr, len);
    s
}

/// [`buffer`] appended to `s` (read through a stack buffer when it is
/// short, as most are).
fn buffer_into(s: &mut String, ctx: &Ctx, addr: u64, len: u64) {
    let shown = len.min(ctx.opts.strsize as u64) as usize;
    if shown == 0 {
        return quote_into(s, &[], len > 0);
    }
    let mut small = [0u8; 64];
    let mut large = Vec::new();
    let buf = if shown <= small.len() {
        &mut small[..shown]
    } else {
        large.resize(shown, 0);
        &mut large[..]
    };
    match ctx.mem.read(addr, buf) {
        // A short read shows what was readable, then `...`.
        Ok(n) if n > 0 => quote_into(s, &buf[..n], (n as u64) < len),
        _ => super::num::push_hex(s, addr),
    }
}

/// [`buffer`] for the special printers.
pub(super) fn buffer_at(ctx: &Ctx, addr: u64, len: u64) -> String {
    buffer(ctx, addr, len)
}

/// A NUL-terminated string, at most `max` bytes.
fn string(ctx: &Ctx, addr: u64, max: usize) -> String {
    if addr == 0 {
        return hex(addr);
    }
    match ctx.mem.read_cstr(addr, max) {
        Ok(s) => quote(&s.bytes, !s.complete),
        Err(_) => hex(addr),
    }
}

/// [`arg`] appended to `s`: the kinds most calls have are written in
/// place (no String of their own), the others through [`arg`]. The same
/// text either way.
pub fn arg_into(s: &mut String, kind: Arg, i: usize, ctx: &Ctx) {
    use super::num::{push_hex, push_i64, push_u64};
    use Arg::*;
    let v = ctx.args[i];
    let ret = match ctx.outcome {
        Some(Outcome::Value(r)) => r,
        // Out-parameters hold nothing worth reading unless the call succeeded.
        _ if is_out(kind) => return push_hex(s, v),
        _ => 0,
    };
    match kind {
        Int | Fd => push_i64(s, (v as i32).into()),
        Off => push_i64(s, v as i64),
        Uint => push_u64(s, v),
        Hex | Ptr => push_hex(s, v),
        Path | Str | PathOut if v == 0 => push_hex(s, v),
        BufIn(l) => buffer_into(s, ctx, v, ctx.args[l as usize]),
        BufOut(l) => buffer_into(s, ctx, v, (ret.max(0) as u64).min(ctx.args[l as usize])),
        _ => s.push_str(&arg(kind, i, ctx)),
    }
}

/// The text for argument `i` of kind `kind`.
pub fn arg(kind: Arg, i: usize, ctx: &Ctx) -> String {
    use Arg::*;
    let v = ctx.args[i];
    // Out-parameters hold nothing worth reading unless the call succeeded.
    if is_out(kind) && !matches!(ctx.outcome, Some(Outcome::Value(_))) {
        return hex(v);
    }
    let ret = match ctx.outcome {
        Some(Outcome::Value(r)) => r,
        _ => 0,
    };
    match kind {
        Int => dec((v as i32).into()),
        Off => dec(v as i64),
        Uint => {
            let mut s = String::with_capacity(20);
            super::num::push_u64(&mut s, v);
            s
        }
        Hex | Ptr => hex(v),
        Fd => dec((v as i32).into()),
        Dirfd => match v as i32 {
            -100 => styled(-100i64 as u64, "AT_FDCWD".to_string(), true),
            fd => dec(fd.into()),
        },
        Id => match v as u32 {
            u32::MAX => "-1".to_string(),
            id => id.to_string(),
        },
        Path | Str => string(ctx, v, PATH_MAX),
        PathOut => string(ctx, v, PATH_MAX),
        BufIn(l) => buffer(ctx, v, ctx.args[l as usize]),
        BufOut(l) => buffer(ctx, v, (ret.max(0) as u64).min(ctx.args[l as usize])),
        IovecIn(c) => iovec(ctx, v, ctx.args[c as usize], None),
        IovecOut(c) => iovec(ctx, v, ctx.args[c as usize], Some(ret.max(0) as u64)),
        Pollfd(c) => pollfd(ctx, v, ctx.args[c as usize]),
        FdSet(n) => fd_set(ctx, v, ctx.args[n as usize]),
        MsghdrIn => msghdr(ctx, v, None),
        MsghdrOut => msghdr(ctx, v, Some(ret.max(0) as u64)),
        CloneArgs => clone_args(ctx, v, ctx.args[1]),
        FutexTimeout => match ctx.args[1] as u32 & 0x7f {
            // FUTEX_WAIT, FUTEX_LOCK_PI, FUTEX_WAIT_BITSET, FUTEX_WAIT_REQUEUE_PI, FUTEX_LOCK_PI2
            0 | 6 | 9 | 11 | 13 => match read_exact(ctx.mem, v, 16) {
                Some(b) => format!("{{ {}.{:09} }}", i64_at(&b, 0), i64_at(&b, 8)),
                None => hex(v),
            },
            _ => (v as u32).to_string(),
        },
        SockaddrIn(l) => sockaddr_at(ctx, v, ctx.args[l as usize]),
        SockaddrOut(l) => {
            let lenp = ctx.args[l as usize];
            let len = read_exact(ctx.mem, lenp, 4).map_or(128, |b| u64::from(u32_at(&b, 0)));
            sockaddr_at(ctx, v, len)
        }
        FdPairOut => match read_exact(ctx.mem, v, 8) {
            Some(b) => format!("[{},{}]", i32_at(&b, 0), i32_at(&b, 4)),
            None => hex(v),
        },
        Argv if ctx.opts.show_argv => string_array(ctx, v),
        Envp if ctx.opts.show_env => string_array(ctx, v),
        Argv | Envp => hex(v),
        OpenFlags => open_flags(v as u32),
        FdFlags => flags(u64::from(v as u32), OPEN_FLAGS, "0"),
        Mode => format!("0{:o}", v as u32),
        AccessMode => flags(u64::from(v as u32), ACCESS_FLAGS, "F_OK"),
        AtFlags => flags(u64::from(v as u32), AT_FLAGS, "0"),
        UnlinkatFlags => flags(u64::from(v as u32), UNLINKAT_FLAGS, "0"),
        ProtFlags => flags(u64::from(v as u32), PROT_FLAGS, "PROT_NONE"),
        MmapFlags => mmap_flags(u64::from(v as u32)),
        MremapFlags => flags(u64::from(v as u32), MREMAP_FLAGS, "0"),
        MsyncFlags => flags(u64::from(v as u32), MSYNC_FLAGS, "0"),
        Madvise => enum_or_int(i64::from(v as i32), MADVISE),
        Fadvise => enum_or_int(i64::from(v as i32), FADVISE),
        CloneFlags => clone_flags(v),
        Signal => signal(v as u32),
        SigHow => enum_or_int(i64::from(v as i32), SIG_HOW),
        SigactionIn | SigactionOut if v == 0 => "NULL".to_string(),
        SigactionIn | SigactionOut => sigaction(ctx, v),
        SigsetIn | SigsetOut if v == 0 => "NULL".to_string(),
        SigsetIn | SigsetOut => match read_exact(ctx.mem, v, 8) {
            Some(b) => sigset(u64_at(&b, 0)),
            None => hex(v),
        },
        TimespecIn | TimespecOut => match read_exact(ctx.mem, v, 16) {
            Some(b) => format!("{{ {}.{:09} }}", i64_at(&b, 0), i64_at(&b, 8)),
            None => hex(v),
        },
        TimevalIn | TimevalOut => match read_exact(ctx.mem, v, 16) {
            Some(b) => format!("{{ {}.{:06} }}", i64_at(&b, 0), i64_at(&b, 8)),
            None => hex(v),
        },
        StatOut => match read_exact(ctx.mem, v, 144) {
            Some(b) => stat(&b),
            None => hex(v),
        },
        StatxOut => match read_exact(ctx.mem, v, 256) {
            Some(b) => statx(&b),
            None => hex(v),
        },
        Whence => enum_or_int(i64::from(v as i32), WHENCE),
        IoctlReq => ioctl_request(v as u32),
        FcntlCmd => enum_or_int(i64::from(v as i32), FCNTL_CMDS),
        FcntlArg => fcntl_arg(ctx.args[1] as i32, v),
        FlockOp => flags(u64::from(v as u32), FLOCK_OPS, "0"),
        SockDomain => enum_or_int(i64::from(v as i32), ADDRESS_FAMILIES),
        SockType => sock_type(v as u32),
        SockFlags => flags(u64::from(v as u32), SOCK_FLAGS, "0"),
        SockLevel => enum_or_int(i64::from(v as i32), SOCK_LEVELS),
        MsgFlags => flags(u64::from(v as u32), MSG_FLAGS, "0"),
        ShutdownHow => enum_or_int(i64::from(v as i32), SHUTDOWN_HOW),
        WaitOptions => flags(u64::from(v as u32), WAIT_OPTIONS, "0"),
        WaitStatusOut => match read_exact(ctx.mem, v, 4) {
            // wait4 that reaped nothing (WNOHANG) wrote nothing.
            Some(b) if ret > 0 => wait_status(i32_at(&b, 0)),
            _ => hex(v),
        },
        RusageOut => rusage(ctx, v),
        IdType => enum_or_int(i64::from(v as i32), ID_TYPES),
        ClockId => enum_or_int(i64::from(v as i32), CLOCK_IDS),
        FutexOp => futex_op(v as u32),
        ArchPrctlCode => enum_or_hex(u64::from(v as u32), ARCH_PRCTL),
        PrctlOption => enum_or_int(i64::from(v as i32), PRCTL),
        PtraceRequest => enum_or_int(v as i64, PTRACE_REQUESTS),
        RlimitResource => enum_or_int(i64::from(v as i32), RLIMITS),
        RlimitIn | RlimitOut if v == 0 => "NULL".to_string(),
        RlimitIn | RlimitOut => match read_exact(ctx.mem, v, 16) {
            Some(b) => format!(
                "{{ cur={},max={} }}",
                rlim(u64_at(&b, 0)),
                rlim(u64_at(&b, 8))
            ),
            None => hex(v),
        },
        UtsnameOut => match read_exact(ctx.mem, v, 390) {
            Some(b) => {
                let field = |i: usize| {
                    let f = &b[i * 65..(i + 1) * 65];
                    let end = f.iter().position(|&c| c == 0).unwrap_or(f.len());
                    quote(&f[..end], false)
                };
                format!(
                    "{{ sysname={},nodename={},release={},machine={} }}",
                    field(0),
                    field(1),
                    field(2),
                    field(4)
                )
            }
            None => hex(v),
        },
        EpollCtlOp => enum_or_int(i64::from(v as i32), EPOLL_CTL_OPS),
        ItimerWhich => enum_or_int(i64::from(v as i32), ITIMERS),
        _ => hex(v),
    }
}

/// `struct rusage` of the call's ABI: two timevals, then 14 `long`s
/// (`ru_inblock` and `ru_oublock` the 8th and 9th).
fn rusage(ctx: &Ctx, v: u64) -> String {
    let w = ctx.long();
    match read_exact(ctx.mem, v, 18 * w) {
        Some(b) => format!(
            "{{ u={}.{:06},s={}.{:06},in={},out={} }}",
            ctx.long_at(&b, 0),
            ctx.long_at(&b, w),
            ctx.long_at(&b, 2 * w),
            ctx.long_at(&b, 3 * w),
            ctx.long_at(&b, 11 * w),
            ctx.long_at(&b, 12 * w)
        ),
        None => hex(v),
    }
}

fn rlim(v: u64) -> String {
    if v == u64::MAX {
        "RLIM_INFINITY".to_string()
    } else {
        v.to_string()
    }
}

/// `O_RDWR|O_CREAT|O_CLOEXEC`: the access mode is always named.
pub fn open_flags(v: u32) -> String {
    match CONST_STYLE.load(Ordering::Relaxed) {
        0 => open_flags_abbrev(v),
        _ => styled(u64::from(v), open_flags_abbrev(v), false),
    }
}

fn open_flags_abbrev(v: u32) -> String {
    let acc = i64::from(v & 3);
    let mode = lookup(acc, ACCESS_MODES).map_or_else(|| "O_ACCMODE".to_string(), str::to_string);
    let rest = u64::from(v & !3);
    if rest == 0 {
        mode
    } else {
        format!("{mode}|{}", flags_abbrev(rest, OPEN_FLAGS, "0"))
    }
}

/// `MAP_PRIVATE|MAP_ANONYMOUS`: the mapping type first.
pub fn mmap_flags(v: u64) -> String {
    match CONST_STYLE.load(Ordering::Relaxed) {
        0 => mmap_flags_abbrev(v),
        _ => styled(v, mmap_flags_abbrev(v), false),
    }
}

fn mmap_flags_abbrev(v: u64) -> String {
    let mut parts = vec![lookup((v & 0xf) as i64, MAP_TYPES).map_or_else(|| hex(v & 0xf), str::to_string)];
    let mut rest = v & !0xf;
    let huge = rest >> 26;
    if rest & 0x40000 != 0 && huge != 0 {
        // MAP_HUGETLB: bits 26.. are log2 of the page size, not MAP_UNINITIALIZED.
        rest &= (1 << 26) - 1;
        parts.push(flags_abbrev(rest, MAP_FLAGS, "0"));
        parts.push(format!("{huge}<<MAP_HUGE_SHIFT"));
    } else if rest != 0 {
        parts.push(flags_abbrev(rest, MAP_FLAGS, "0"));
    }
    parts.join("|")
}

/// `CLONE_VM|CLONE_FS|...|SIGCHLD`: the low byte is clone's exit signal
/// (or, for unshare/setns, `CLONE_NEWTIME`).
pub fn clone_flags(v: u64) -> String {
    let low = (v & 0xff) as u32;
    let rest = v & !0xff & 0xffff_ffff_ffff_ff00;
    let mut parts = Vec::new();
    if rest != 0 {
        parts.push(flags(rest, CLONE_FLAGS, "0"));
    }
    match low {
        0 => {}
        0x80 => parts.push("CLONE_NEWTIME".to_string()),
        s if s <= SIGRTMAX => parts.push(signal(s)),
        s => parts.push(hex(u64::from(s))),
    }
    if parts.is_empty() {
        "0".to_string()
    } else {
        parts.join("|")
    }
}

/// A signal's name in a set, as strace spells it: `INT`, `RTMIN`, `RT_3`.
fn set_name(sig: u32) -> String {
    match sig {
        1..=31 => SIGNALS[sig as usize][3..].to_string(),
        SIGRTMIN => "RTMIN".to_string(),
        _ => format!("RT_{}", sig - SIGRTMIN),
    }
}

/// A signal set as strace prints it: `[INT TERM]`, `[]`, or when more
/// than half the signals are in it, its complement: `~[RTMIN RT_1]`.
pub fn sigset(mask: u64) -> String {
    let count = mask.count_ones();
    let (neg, m) = if count > 32 { (true, !mask) } else { (false, mask) };
    let names: Vec<String> = (1..=64u32).filter(|s| m & (1 << (s - 1)) != 0).map(set_name).collect();
    format!("{}[{}]", if neg { "~" } else { "" }, names.join(" "))
}

/// A request's name, or for one not in [`IOCTLS`] FreeBSD truss's
/// decoding of the `_IOC` fields: `0xc0186201 { IORW 0x62('b'), 1, 24 }`
/// (R: the kernel writes the argument, W: it reads it).
pub fn ioctl_request(v: u32) -> String {
    if let Some(n) = lookup(i64::from(v), IOCTLS) {
        return n.to_string();
    }
    // Linux _IOC: dir in bits 30-31 (1 = _IOC_WRITE, 2 = _IOC_READ),
    // size in 16-29, type in 8-15, nr in 0-7.
    let dir = v >> 30;
    let size = (v >> 16) & 0x3fff;
    let group = (v >> 8) & 0xff;
    let c = if (0x20..0x7f).contains(&group) {
        group as u8 as char
    } else {
        '?'
    };
    format!(
        "{v:#x} {{ IO{}{} {group:#x}('{c}'), {}, {size} }}",
        if dir & 2 != 0 { "R" } else { "" },
        if dir & 1 != 0 { "W" } else { "" },
        v & 0xff
    )
}

fn fcntl_arg(cmd: i32, v: u64) -> String {
    match cmd {
        2 => flags(u64::from(v as u32), FD_FLAGS, "0"),
        4 => open_flags(v as u32),
        0 | 1030 | 8 | 1031 | 1024 | 1026 => (v as i32).to_string(),
        10 => signal(v as u32),
        1033 => flags(u64::from(v as u32), SEALS, "0"),
        _ => hex(v),
    }
}

/// `{ EXITED,val=0 }`, `{ SIGNALED,sig=SIGKILL,cored }`, `{ STOPPED,sig=SIGTRAP }`.
pub fn wait_status(st: i32) -> String {
    let low = st & 0x7f;
    if st == 0xffff {
        "{ CONTINUED }".to_string()
    } else if st & 0xff == 0x7f {
        let sig = ((st >> 8) & 0xff) as u32;
        let event = (st >> 16) & 0xff;
        if event != 0 {
            format!("{{ STOPPED,sig={},event={event} }}", signal(sig))
        } else {
            format!("{{ STOPPED,sig={} }}", signal(sig))
        }
    } else if low == 0 {
        format!("{{ EXITED,val={} }}", (st >> 8) & 0xff)
    } else {
        let core = if st & 0x80 != 0 { ",cored" } else { "" };
        format!("{{ SIGNALED,sig={}{core} }}", signal(low as u32))
    }
}

/// `FUTEX_WAIT_PRIVATE|FUTEX_CLOCK_REALTIME`.
pub fn futex_op(v: u32) -> String {
    let cmd = v & 0x7f;
    let mut s = enum_or_int(i64::from(cmd), FUTEX_CMDS);
    if v & 128 != 0 {
        s.push_str("_PRIVATE");
    }
    if v & 256 != 0 {
        s.push_str("|FUTEX_CLOCK_REALTIME");
    }
    let rest = v & !0x1ff;
    if rest != 0 {
        let _ = write!(s, "|{rest:#x}");
    }
    s
}

