//! The per-call decoders for i386 calls (a 32-bit program's, or a 64-bit
//! one's `int $0x80`).
//!
//! Most of [`special`](super::special)'s decoders serve the i386 twin of
//! their x86-64 call as they are (statx, getdents64, ioctl, epoll, poll,
//! sockets...) or read the call's ABI from [`Ctx`] (`long`s, 32-bit
//! timespecs, clone's argument order); [`shares`] lists those. This module
//! has what i386 alone needs: `statfs64`'s size argument and layout,
//! `_llseek`'s result, fcntl64's lock commands and `struct flock`s.

use super::consts::*;
use super::print::{enum_or_int, hex, i32_at, i64_at, quote, read_exact, stat_at, u16_at, u32_at, u64_at, Ctx, OLD_STAT_I386};
use super::special::statfs_fields;
use super::Outcome;

/// Whether the i386 call `name` is decoded by its x86-64 twin's per-call
/// decoder ([`special`](super::special)) or by this module's.
pub fn shares(name: &str) -> bool {
    matches!(
        name,
        "fcntl"
            | "fcntl64"
            | "futex"
            | "futex_time64"
            | "clone"
            | "getdents64"
            | "ioctl"
            | "statx"
            | "getrandom"
            | "getsockname"
            | "getpeername"
            | "accept"
            | "accept4"
            | "recvfrom"
            | "statfs64"
            | "fstatfs64"
            | "sysinfo"
            | "times"
            | "utimensat"
            | "utimensat_time64"
            | "setitimer"
            | "getitimer"
            | "sched_getaffinity"
            | "sched_setaffinity"
            | "clock_nanosleep"
            | "clock_nanosleep_time64"
            | "setsockopt"
            | "getsockopt"
            | "epoll_ctl"
            | "epoll_wait"
            | "epoll_pwait"
            | "epoll_create1"
            | "poll"
            | "ppoll"
            | "ppoll_time64"
            | "socket"
            | "sigaltstack"
            | "getgroups32"
            | "setgroups32"
            | "prlimit64"
            | "prctl"
            | "_llseek"
            | "sigreturn"
            | "rt_sigreturn"
            | "getdents"
            | "sendmmsg"
            | "recvmmsg"
            | "recvmmsg_time64"
            | "semop"
            | "semget"
            | "semctl"
            | "semtimedop"
            | "semtimedop_time64"
            | "shmget"
            | "shmat"
            | "shmdt"
            | "shmctl"
            | "msgget"
            | "msgsnd"
            | "msgrcv"
            | "msgctl"
            | "oldstat"
            | "oldlstat"
            | "oldfstat"
            | "readdir"
    )
}

/// The in-arguments of the i386 calls whose arguments differ from their
/// x86-64 twin's; `None` for the others.
pub fn entry(ctx: &Ctx) -> Option<Vec<Option<String>>> {
    let a = ctx.args;
    match ctx.i386? {
        // statfs64(path, size, buf), fstatfs64(fd, size, buf).
        "statfs64" => Some(vec![Some(super::print::arg(bsdtrace::sysent::Arg::Path, 0, ctx)), Some(a[1].to_string()), None]),
        "fstatfs64" => Some(vec![Some((a[0] as i32).to_string()), Some(a[1].to_string()), None]),
        // The old stat family: `struct __old_kernel_stat`, at exit.
        "oldstat" | "oldlstat" => Some(vec![Some(super::print::arg(bsdtrace::sysent::Arg::Path, 0, ctx)), None]),
        "oldfstat" => Some(vec![Some((a[0] as i32).to_string()), None]),
        // readdir(fd, dirent, count): one `struct old_linux_dirent`; the
        // kernel ignores the count, and strace leaves it out.
        "readdir" => Some(vec![Some((a[0] as i32).to_string()), None]),
        // _llseek(fd, offset, result, whence): the offset merged.
        "_llseek" => Some(vec![
            Some((a[0] as i32).to_string()),
            Some((a[1] as i64).to_string()),
            None,
            Some(enum_or_int(i64::from(a[3] as i32), WHENCE)),
        ]),
        // The driver passes the stack pointer as argument 0 (see
        // [`sigreturn_mask`]).
        "sigreturn" | "rt_sigreturn" => Some(vec![Some(match sigreturn_mask(ctx) {
            Some(m) => format!("{{ mask={} }}", super::print::sigset(m)),
            None => "{ mask=? }".to_string(),
        })]),
        _ => None,
    }
}

/// The mask an i386 signal handler's return restores, read from the
/// signal frame at the stack pointer (`ctx.args[0]`) as the kernel finds
/// it. sigreturn: the restorer popped the signal number, the frame is at
/// sp - 8: `pretcode`, `sig`, `struct sigcontext_32` (88 bytes, `oldmask`
/// at 80: the low word), the 624-byte `_fpstate_32`, `extramask` (the
/// high word). rt_sigreturn: the frame is at sp - 4: four words, the
/// 128-byte `compat_siginfo`, then `ucontext_ia32` whose `uc_sigmask`
/// follows flags, link, the 12-byte stack and the sigcontext (108).
fn sigreturn_mask(ctx: &Ctx) -> Option<u64> {
    let sp = ctx.args[0];
    if ctx.i386? == "rt_sigreturn" {
        return read_exact(ctx.mem, sp.wrapping_add(248), 8).map(|b| u64_at(&b, 0));
    }
    let lo = read_exact(ctx.mem, sp.wrapping_add(80), 4)?;
    let hi = read_exact(ctx.mem, sp.wrapping_add(712), 4)?;
    Some(u64::from(u32_at(&lo, 0)) | (u64::from(u32_at(&hi, 0)) << 32))
}

/// The out-argument `i` of those calls, at exit.
pub fn exit_arg(ctx: &Ctx, i: usize) -> Option<String> {
    let a = ctx.args;
    let ok = matches!(ctx.outcome, Some(Outcome::Value(_)));
    Some(match (ctx.i386?, i) {
        ("statfs64" | "fstatfs64" | "_llseek", 2) if !ok => hex(a[2]),
        ("oldstat" | "oldlstat" | "oldfstat" | "readdir", 1) if !ok => hex(a[1]),
        ("oldstat" | "oldlstat" | "oldfstat", 1) => stat_at(ctx, a[1], &OLD_STAT_I386),
        // It returns 1 when it read an entry, 0 at the end.
        ("readdir", 1) if matches!(ctx.outcome, Some(Outcome::Value(1))) => old_dirent(ctx, a[1]),
        ("readdir", 1) => hex(a[1]),
        ("statfs64" | "fstatfs64", 2) => statfs64(ctx, a[2]),
        ("_llseek", 2) => match read_exact(ctx.mem, a[2], 8) {
            Some(b) => format!("[{}]", i64_at(&b, 0)),
            None => hex(a[2]),
        },
        _ => return None,
    })
}

/// `struct old_linux_dirent`: 32-bit inode and offset, the name's
/// length (strace calls it `d_reclen`), the name.
fn old_dirent(ctx: &Ctx, addr: u64) -> String {
    let Some(b) = read_exact(ctx.mem, addr, 10) else { return hex(addr) };
    let namlen = u16_at(&b, 8);
    let name = match ctx.mem.read_cstr(addr + 10, usize::from(namlen)) {
        Ok(s) => quote(&s.bytes, false),
        Err(_) => hex(addr + 10),
    };
    format!("{{ d_ino={},d_off={},d_reclen={namlen},d_name={name} }}", u32_at(&b, 0), u32_at(&b, 4))
}

/// i386's `struct statfs64` (84 bytes): 32-bit type and block size,
/// 64-bit counts, 32-bit name length, fragment size and flags.
fn statfs64(ctx: &Ctx, addr: u64) -> String {
    let Some(b) = read_exact(ctx.mem, addr, 68) else { return hex(addr) };
    statfs_fields(
        i64::from(u32_at(&b, 0)),
        i64::from(u32_at(&b, 4)),
        [u64_at(&b, 8), u64_at(&b, 16), u64_at(&b, 24), u64_at(&b, 32), u64_at(&b, 40)],
        [u32_at(&b, 48), u32_at(&b, 52)],
        i64::from(u32_at(&b, 56)),
        i64::from(u32_at(&b, 60)),
        u64::from(u32_at(&b, 64)),
    )
}

/// i386's own fcntl commands (its 64-bit-offset locks).
pub fn fcntl_cmd(cmd: i32) -> Option<&'static str> {
    Some(match cmd {
        12 => "F_GETLK64",
        13 => "F_SETLK64",
        14 => "F_SETLKW64",
        _ => return None,
    })
}

/// The lock commands, whose argument is a `struct flock` (5, 6, 7) or
/// `struct flock64` (F_GETLK64..F_SETLKW64 and the OFD ones).
pub fn is_lock_cmd(cmd: i32) -> bool {
    matches!(cmd, 5..=7 | 12..=14 | 36..=38)
}

/// i386's `struct flock` (32-bit start and length) or `struct flock64`
/// (64-bit ones, 4-byte aligned).
pub fn flock(ctx: &Ctx, cmd: i32, addr: u64) -> String {
    let wide = !matches!(cmd, 5..=7);
    let Some(b) = read_exact(ctx.mem, addr, if wide { 24 } else { 16 }) else { return hex(addr) };
    let (start, len, pid) = if wide {
        (i64_at(&b, 4), i64_at(&b, 12), i32_at(&b, 20))
    } else {
        (i64::from(i32_at(&b, 4)), i64::from(i32_at(&b, 8)), i32_at(&b, 12))
    };
    super::special::flock_fields(&b, start, len, pid)
}
