//! Calls whose arguments a per-kind printer cannot decode alone: the
//! meaning (or presence) of an argument depends on another one, the kernel
//! writes back a value-result argument, or the result itself is decoded.
//! strace 6.1 is the reference for what is shown; the spelling stays
//! truss's (no spaces after commas, `{ ... }` braces).
//!
//! * [`entry`] prints a call's in-arguments at entry, in full, when the set
//!   of arguments shown depends on the call (fcntl's, futex's, clone's);
//!   `None` in its vector means "printed at exit by [`exit_arg`]";
//! * [`capture`] keeps at entry the input half of value-result arguments
//!   (socket address lengths, getsockopt's option length);
//! * [`exit_arg`] prints an out-argument of these calls at exit;
//! * [`annotate`] decodes a successful result (fcntl's flags, poll's
//!   revents).
//!
//! Numbers and names come from `libc`'s copies of the kernel's headers.

use std::fmt::Write as _;

use libc::c_long;

use super::consts::*;
use super::print::{self, enum_or_int, flags, hex, i32_at, i64_at, lookup, quote, read_exact, u16_at, u32_at, u64_at, Ctx};
use super::tables::*;
use super::{special32, Outcome};

/// Values read at entry that the exit needs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Captured {
    /// The input value of a `socklen_t *` (or getsockopt's `optlen`).
    pub len_in: Option<u32>,
    /// rt_sigreturn: the stack pointer, where the signal frame is.
    pub sp: Option<u64>,
}

const fn nr(n: c_long) -> u32 {
    n as u32
}

const FCNTL: u32 = nr(libc::SYS_fcntl);
const FUTEX: u32 = nr(libc::SYS_futex);
const CLONE: u32 = nr(libc::SYS_clone);
const GETDENTS64: u32 = nr(libc::SYS_getdents64);
const GETDENTS: u32 = nr(libc::SYS_getdents);
const IOCTL: u32 = nr(libc::SYS_ioctl);
const STATX: u32 = nr(libc::SYS_statx);
const GETRANDOM: u32 = nr(libc::SYS_getrandom);
const GETSOCKNAME: u32 = nr(libc::SYS_getsockname);
const GETPEERNAME: u32 = nr(libc::SYS_getpeername);
const ACCEPT: u32 = nr(libc::SYS_accept);
const ACCEPT4: u32 = nr(libc::SYS_accept4);
const RECVFROM: u32 = nr(libc::SYS_recvfrom);
const RT_SIGRETURN: u32 = nr(libc::SYS_rt_sigreturn);
const STATFS: u32 = nr(libc::SYS_statfs);
const FSTATFS: u32 = nr(libc::SYS_fstatfs);
const SYSINFO: u32 = nr(libc::SYS_sysinfo);
const TIMES: u32 = nr(libc::SYS_times);
const UTIMENSAT: u32 = nr(libc::SYS_utimensat);
const SETITIMER: u32 = nr(libc::SYS_setitimer);
const GETITIMER: u32 = nr(libc::SYS_getitimer);
const SCHED_GETAFFINITY: u32 = nr(libc::SYS_sched_getaffinity);
const SCHED_SETAFFINITY: u32 = nr(libc::SYS_sched_setaffinity);
const CLOCK_NANOSLEEP: u32 = nr(libc::SYS_clock_nanosleep);
const SETSOCKOPT: u32 = nr(libc::SYS_setsockopt);
const GETSOCKOPT: u32 = nr(libc::SYS_getsockopt);
const EPOLL_CTL: u32 = nr(libc::SYS_epoll_ctl);
const EPOLL_WAIT: u32 = nr(libc::SYS_epoll_wait);
const EPOLL_PWAIT: u32 = nr(libc::SYS_epoll_pwait);
const EPOLL_CREATE1: u32 = nr(libc::SYS_epoll_create1);
const POLL: u32 = nr(libc::SYS_poll);
const PPOLL: u32 = nr(libc::SYS_ppoll);
const SOCKET: u32 = nr(libc::SYS_socket);
const SIGALTSTACK: u32 = nr(libc::SYS_sigaltstack);
const GETGROUPS: u32 = nr(libc::SYS_getgroups);
const SETGROUPS: u32 = nr(libc::SYS_setgroups);
const SET_MEMPOLICY: u32 = nr(libc::SYS_set_mempolicy);
const GET_MEMPOLICY: u32 = nr(libc::SYS_get_mempolicy);
const PRLIMIT64: u32 = nr(libc::SYS_prlimit64);
const PRCTL: u32 = nr(libc::SYS_prctl);

/// Whether a call is decoded here at all (a cheap test for the hot path).
pub fn is_special(number: u32) -> bool {
    matches!(
        number,
        FCNTL
            | FUTEX
            | CLONE
            | GETDENTS64
            | GETDENTS
            | IOCTL
            | STATX
            | GETRANDOM
            | GETSOCKNAME
            | GETPEERNAME
            | ACCEPT
            | ACCEPT4
            | RECVFROM
            | RT_SIGRETURN
            | STATFS
            | FSTATFS
            | SYSINFO
            | TIMES
            | UTIMENSAT
            | SETITIMER
            | GETITIMER
            | SCHED_GETAFFINITY
            | SCHED_SETAFFINITY
            | CLOCK_NANOSLEEP
            | SETSOCKOPT
            | GETSOCKOPT
            | EPOLL_CTL
            | EPOLL_WAIT
            | EPOLL_PWAIT
            | EPOLL_CREATE1
            | POLL
            | PPOLL
            | SOCKET
            | SIGALTSTACK
            | GETGROUPS
            | SETGROUPS
            | SET_MEMPOLICY
            | GET_MEMPOLICY
            | PRLIMIT64
            | PRCTL
    )
}

/// Input halves of value-result arguments, read at entry.
pub fn capture(ctx: &Ctx) -> Captured {
    let a = ctx.args;
    let lenp = match ctx.number {
        GETSOCKNAME | GETPEERNAME | ACCEPT | ACCEPT4 => Some(a[2]),
        RECVFROM => Some(a[5]),
        GETSOCKOPT => Some(a[4]),
        _ => None,
    };
    Captured {
        len_in: lenp.and_then(|p| read_exact(ctx.mem, p, 4)).map(|b| u32_at(&b, 0)),
        sp: None,
    }
}

/// A timespec of `w`-byte words (8, or 4 for an i386 call's 32-bit one).
fn ts(b: &[u8], off: usize, w: usize) -> String {
    format!("{{ {}.{:09} }}", word_at(b, off, w), word_at(b, off + w, w))
}

/// A timeval of `w`-byte words.
fn tv(b: &[u8], off: usize, w: usize) -> String {
    format!("{{ {}.{:06} }}", word_at(b, off, w), word_at(b, off + w, w))
}

/// A signed `w`-byte word.
fn word_at(b: &[u8], off: usize, w: usize) -> i64 {
    if w == 4 { i64::from(i32_at(b, off)) } else { i64_at(b, off) }
}

/// The in-arguments of a call whose shown arguments depend on the call,
/// or `None` to let the per-kind printers do it. `None` elements are
/// printed at exit.
pub fn entry(ctx: &Ctx) -> Option<Vec<Option<String>>> {
    if let Some(v) = special32::entry(ctx) {
        return Some(v);
    }
    let a = ctx.args;
    let fd = |v: u64| (v as i32).to_string();
    match ctx.number {
        FCNTL => {
            let cmd = a[1] as i32;
            let name = match ctx.i386.and_then(|_| special32::fcntl_cmd(cmd)) {
                Some(n) => n.to_string(),
                None => enum_or_int(i64::from(cmd), FCNTL_CMDS),
            };
            let mut v = vec![Some(fd(a[0])), Some(name)];
            if !FCNTL_GET_CMDS.contains(&cmd) {
                v.push(Some(fcntl_arg(ctx, cmd, a[2])));
            }
            Some(v)
        }
        FUTEX => Some(futex(ctx)),
        CLONE => Some(clone(ctx)),
        GETDENTS64 | GETDENTS => Some(vec![Some(fd(a[0])), None, Some(a[2].to_string())]),
        IOCTL => {
            let req = a[1] as u32;
            Some(vec![Some(fd(a[0])), Some(print::ioctl_request(req)), ioctl_in(ctx, req)])
        }
        STATX => {
            let path = print::arg(bsdtrace::sysent::Arg::Path, 1, ctx);
            Some(vec![
                Some(print::arg(bsdtrace::sysent::Arg::Dirfd, 0, ctx)),
                Some(path),
                Some(statx_flags(a[2] as u32)),
                Some(flags(u64::from(a[3] as u32), STATX_MASK, "0")),
                None,
            ])
        }
        GETRANDOM => Some(vec![None, Some(a[1].to_string()), Some(flags(u64::from(a[2] as u32), GRND_FLAGS, "0"))]),
        GETSOCKNAME | GETPEERNAME | ACCEPT => Some(vec![Some(fd(a[0])), None, None]),
        ACCEPT4 => Some(vec![Some(fd(a[0])), None, None, Some(flags(u64::from(a[3] as u32), SOCK_FLAGS, "0"))]),
        RECVFROM => Some(vec![
            Some(fd(a[0])),
            None,
            Some(a[2].to_string()),
            Some(flags(u64::from(a[3] as u32), MSG_FLAGS, "0")),
            None,
            None,
        ]),
        RT_SIGRETURN => Some(vec![Some(sigreturn(ctx))]),
        STATFS => Some(vec![Some(print::arg(bsdtrace::sysent::Arg::Path, 0, ctx)), None]),
        FSTATFS => Some(vec![Some(fd(a[0])), None]),
        SYSINFO | TIMES => Some(vec![None]),
        UTIMENSAT => Some(vec![
            Some(print::arg(bsdtrace::sysent::Arg::Dirfd, 0, ctx)),
            Some(print::arg(bsdtrace::sysent::Arg::Path, 1, ctx)),
            Some(utimens(ctx, a[2])),
            Some(flags(u64::from(a[3] as u32), AT_FLAGS, "0")),
        ]),
        SETITIMER => Some(vec![Some(enum_or_int(i64::from(a[0] as i32), ITIMERS)), Some(itimerval(ctx, a[1])), None]),
        GETITIMER => Some(vec![Some(enum_or_int(i64::from(a[0] as i32), ITIMERS)), None]),
        SCHED_GETAFFINITY => Some(vec![Some((a[0] as i32).to_string()), Some(a[1].to_string()), None]),
        SCHED_SETAFFINITY => Some(vec![Some((a[0] as i32).to_string()), Some(a[1].to_string()), Some(cpuset(ctx, a[2], a[1]))]),
        CLOCK_NANOSLEEP => Some(vec![
            Some(enum_or_int(i64::from(a[0] as i32), CLOCK_IDS)),
            Some(flags(u64::from(a[1] as u32), TIMER_FLAGS, "0")),
            Some(print::arg_abi(bsdtrace::sysent::Arg::TimespecIn, 2, ctx)),
            None,
        ]),
        SETSOCKOPT => Some(vec![
            Some(fd(a[0])),
            Some(sock_level(a[1] as i32)),
            Some(sock_opt(a[1] as i32, a[2] as i32)),
            Some(sockopt_value(ctx, a[3], a[4] as u32)),
            Some((a[4] as u32).to_string()),
        ]),
        GETSOCKOPT => Some(vec![Some(fd(a[0])), Some(sock_level(a[1] as i32)), Some(sock_opt(a[1] as i32, a[2] as i32)), None, None]),
        EPOLL_CTL => Some(vec![
            Some(fd(a[0])),
            Some(enum_or_int(i64::from(a[1] as i32), EPOLL_CTL_OPS)),
            Some(fd(a[2])),
            Some(epoll_event_at(ctx, a[3])),
        ]),
        EPOLL_WAIT => Some(vec![Some(fd(a[0])), None, Some((a[2] as i32).to_string()), Some((a[3] as i32).to_string())]),
        EPOLL_PWAIT => Some(vec![
            Some(fd(a[0])),
            None,
            Some((a[2] as i32).to_string()),
            Some((a[3] as i32).to_string()),
            Some(print::arg(bsdtrace::sysent::Arg::SigsetIn, 4, ctx)),
            Some(a[5].to_string()),
        ]),
        EPOLL_CREATE1 => Some(vec![Some(flags(u64::from(a[0] as u32), EPOLL_CREATE_FLAGS, "0"))]),
        POLL => Some(vec![Some(pollfds(ctx, a[0], a[1], false)), Some(a[1].to_string()), Some((a[2] as i32).to_string())]),
        PPOLL => Some(vec![
            Some(pollfds(ctx, a[0], a[1], false)),
            Some(a[1].to_string()),
            Some(print::arg_abi(bsdtrace::sysent::Arg::TimespecIn, 2, ctx)),
            Some(print::arg(bsdtrace::sysent::Arg::SigsetIn, 3, ctx)),
            Some(a[4].to_string()),
        ]),
        SOCKET => {
            let domain = a[0] as i32;
            let proto = a[2] as i32;
            let p = if domain == libc::AF_INET || domain == libc::AF_INET6 {
                enum_or_int(i64::from(proto), IPPROTOS)
            } else {
                proto.to_string()
            };
            Some(vec![Some(enum_or_int(i64::from(domain), ADDRESS_FAMILIES)), Some(print::arg(bsdtrace::sysent::Arg::SockType, 1, ctx)), Some(p)])
        }
        SIGALTSTACK => Some(vec![Some(stack_t(ctx, a[0])), None]),
        GETGROUPS => Some(vec![Some((a[0] as i32).to_string()), None]),
        SETGROUPS => Some(vec![Some((a[0] as i32).to_string()), Some(gid_list(ctx, a[1], a[0] as i32 as i64))]),
        SET_MEMPOLICY => Some(vec![Some(mpol_mode(a[0])), Some(nodemask(ctx, a[1], a[2])), Some(a[2].to_string())]),
        GET_MEMPOLICY => Some(vec![None, None, Some(a[2].to_string()), Some(hex(a[3])), Some(flags(a[4], MPOL_GET_FLAGS, "0"))]),
        PRLIMIT64 => {
            let pid = a[0] as i32;
            Some(vec![
                Some(pid.to_string()),
                Some(enum_or_int(i64::from(a[1] as i32), RLIMITS)),
                Some(rlimit_at(ctx, a[2])),
                None,
            ])
        }
        PRCTL => Some(prctl(ctx)),
        _ => None,
    }
}

/// prctl: the option's own arguments, as strace shows them.
fn prctl(ctx: &Ctx) -> Vec<Option<String>> {
    use linux_raw_sys::prctl as pr;
    let a = ctx.args;
    let opt = a[0] as i32;
    let mut v = vec![Some(enum_or_int(i64::from(opt), PRCTL_OPTS))];
    let int = |x: u64| Some((x as i64).to_string());
    match opt as u32 {
        pr::PR_SET_NAME => v.push(Some(print::arg(bsdtrace::sysent::Arg::Str, 1, ctx))),
        pr::PR_GET_NAME | pr::PR_GET_PDEATHSIG | pr::PR_GET_TID_ADDRESS | pr::PR_GET_CHILD_SUBREAPER => v.push(None),
        pr::PR_SET_PDEATHSIG => v.push(Some(if a[1] == 0 { "0".to_string() } else { print::signal(a[1] as u32) })),
        pr::PR_CAPBSET_READ | pr::PR_CAPBSET_DROP => v.push(Some(match lookup(a[1] as i64, CAPS) {
            Some(n) => n.to_string(),
            None => format!("{:#x} /* CAP_??? */", a[1]),
        })),
        pr::PR_GET_DUMPABLE | pr::PR_GET_KEEPCAPS | pr::PR_GET_SECCOMP | pr::PR_GET_TIMERSLACK | pr::PR_GET_NO_NEW_PRIVS
        | pr::PR_GET_THP_DISABLE | pr::PR_GET_SECUREBITS | pr::PR_GET_TSC => {}
        pr::PR_SET_DUMPABLE | pr::PR_SET_KEEPCAPS | pr::PR_SET_TIMERSLACK | pr::PR_SET_CHILD_SUBREAPER | pr::PR_SET_SECUREBITS => {
            v.push(int(a[1]))
        }
        pr::PR_SET_PTRACER => v.push(Some(if a[1] as i64 == -1 { "PR_SET_PTRACER_ANY".to_string() } else { (a[1] as i64).to_string() })),
        pr::PR_SET_SECCOMP => {
            v.push(int(a[1]));
            if a[1] == 2 {
                v.push(Some(hex(a[2])));
            }
        }
        _ => v.extend([Some(hex(a[1])), Some(hex(a[2])), Some(hex(a[3])), Some(hex(a[4]))]),
    }
    v
}

const MPOL_GET_FLAGS: FlagTable = &[(1, "MPOL_F_NODE"), (2, "MPOL_F_ADDR"), (4, "MPOL_F_MEMS_ALLOWED")];

fn mpol_mode(v: u64) -> String {
    let mode = v as i32 & 0xff;
    let mut s = enum_or_int(i64::from(mode), MPOL_MODES);
    let rest = v as u32 & !0xff;
    if rest != 0 {
        let _ = write!(s, "|{rest:#x}");
    }
    s
}

fn nodemask(ctx: &Ctx, addr: u64, maxnode: u64) -> String {
    if addr == 0 {
        return "NULL".to_string();
    }
    let words = (maxnode as usize).div_ceil(64).clamp(1, 16);
    match read_exact(ctx.mem, addr, words * 8) {
        Some(b) => {
            let mut s = String::from("[");
            for w in 0..words {
                if w > 0 {
                    s.push(',');
                }
                let _ = write!(s, "{:#018x}", u64_at(&b, w * 8));
            }
            s.push(']');
            s
        }
        None => hex(addr),
    }
}

fn rlimit_at(ctx: &Ctx, addr: u64) -> String {
    if addr == 0 {
        return "NULL".to_string();
    }
    print::arg(bsdtrace::sysent::Arg::RlimitIn, 2, ctx)
}

/// An out-argument of a special call, at exit (the call succeeded).
pub fn exit_arg(ctx: &Ctx, i: usize, cap: &Captured) -> Option<String> {
    if let Some(s) = special32::exit_arg(ctx, i) {
        return Some(s);
    }
    let a = ctx.args;
    let ret = match ctx.outcome {
        Some(Outcome::Value(r)) => r,
        _ => {
            // Failed or never returned: addresses, and value-result
            // lengths as they went in.
            return Some(match (ctx.number, i, cap.len_in) {
                (GETSOCKNAME | GETPEERNAME | ACCEPT | ACCEPT4, 2, Some(l)) | (RECVFROM, 5, Some(l)) | (GETSOCKOPT, 4, Some(l)) => {
                    format!("[{l}]")
                }
                (PRLIMIT64 | GET_MEMPOLICY | GETSOCKNAME | GETPEERNAME | ACCEPT | ACCEPT4 | RECVFROM, _, _) if a[i] == 0 => {
                    "NULL".to_string()
                }
                _ => hex(a[i]),
            });
        }
    };
    Some(match (ctx.number, i) {
        (GETDENTS64, 1) => dirents(ctx, a[1], ret, true),
        (GETDENTS, 1) => dirents(ctx, a[1], ret, false),
        (IOCTL, 2) => ioctl_out(ctx, a[1] as u32, a[2]),
        (STATX, 4) => statx(ctx, a[4]),
        (GETRANDOM, 0) => match read_exact(ctx.mem, a[0], (ret.max(0) as usize).min(ctx.opts.strsize)) {
            Some(b) => quote(&b, ret as usize > b.len()),
            None => hex(a[0]),
        },
        (GETSOCKNAME | GETPEERNAME | ACCEPT | ACCEPT4, 1) | (RECVFROM, 4) => {
            let lenp = if ctx.number == RECVFROM { a[5] } else { a[2] };
            let out = read_exact(ctx.mem, lenp, 4).map(|b| u32_at(&b, 0));
            match (a[i], out) {
                (0, _) => "NULL".to_string(),
                (p, Some(0)) => hex(p),
                (p, Some(l)) => print::sockaddr_at_len(ctx, p, u64::from(l.min(cap.len_in.unwrap_or(l)))),
                (p, None) => hex(p),
            }
        }
        (GETSOCKNAME | GETPEERNAME | ACCEPT | ACCEPT4, 2) | (RECVFROM, 5) | (GETSOCKOPT, 4) => {
            if a[i] == 0 {
                return Some("NULL".to_string());
            }
            let out = read_exact(ctx.mem, a[i], 4).map(|b| u32_at(&b, 0));
            match (cap.len_in, out) {
                (Some(i), Some(o)) if i == o => format!("[{o}]"),
                (Some(i), Some(o)) => format!("[{i} => {o}]"),
                (None, Some(o)) => format!("[{o}]"),
                _ => hex(a[i]),
            }
        }
        (RECVFROM, 1) => print::arg(bsdtrace::sysent::Arg::BufOut(2), 1, ctx),
        (STATFS | FSTATFS, 1) => statfs(ctx, a[1]),
        (SYSINFO, 0) => sysinfo(ctx, a[0]),
        (TIMES, 0) => tms(ctx, a[0]),
        (SETITIMER, 2) | (GETITIMER, 1) => {
            if a[i] == 0 {
                "NULL".to_string()
            } else {
                itimerval(ctx, a[i])
            }
        }
        (SCHED_GETAFFINITY, 2) => cpuset(ctx, a[2], ret.max(0) as u64),
        // The remaining time is written only when a sleep is interrupted
        // (strace shows it then); a call that returned left it as it was.
        (CLOCK_NANOSLEEP, 3) => {
            if a[3] == 0 {
                "NULL".to_string()
            } else {
                hex(a[3])
            }
        }
        (GETSOCKOPT, 3) => {
            let len = read_exact(ctx.mem, a[4], 4).map_or(0, |b| u32_at(&b, 0));
            sockopt_value(ctx, a[3], len)
        }
        (EPOLL_WAIT | EPOLL_PWAIT, 1) => epoll_events(ctx, a[1], ret),
        (SIGALTSTACK, 1) => {
            if a[1] == 0 {
                "NULL".to_string()
            } else {
                stack_t(ctx, a[1])
            }
        }
        (GETGROUPS, 1) => {
            if a[0] == 0 {
                if a[1] == 0 { "NULL".to_string() } else { "[]".to_string() }
            } else {
                gid_list(ctx, a[1], ret)
            }
        }
        (GET_MEMPOLICY, 0) => match read_exact(ctx.mem, a[0], 4) {
            Some(b) => format!("[{}]", mpol_mode(u64::from(u32_at(&b, 0)))),
            None if a[0] == 0 => "NULL".to_string(),
            None => hex(a[0]),
        },
        (GET_MEMPOLICY, 1) => nodemask(ctx, a[1], a[2]),
        (PRCTL, 1) => match ctx.args[0] as u32 {
            linux_raw_sys::prctl::PR_GET_NAME => match ctx.mem.read_cstr(a[1], 16) {
                Ok(s) => quote(&s.bytes, false),
                Err(_) => hex(a[1]),
            },
            linux_raw_sys::prctl::PR_GET_PDEATHSIG | linux_raw_sys::prctl::PR_GET_CHILD_SUBREAPER => match read_exact(ctx.mem, a[1], 4) {
                Some(b) => format!("[{}]", i32_at(&b, 0)),
                None => hex(a[1]),
            },
            _ => match read_exact(ctx.mem, a[1], 8) {
                Some(b) => format!("[{}]", hex(u64_at(&b, 0))),
                None => hex(a[1]),
            },
        },
        (PRLIMIT64, 3) => {
            if a[3] == 0 {
                "NULL".to_string()
            } else {
                print::arg_abi(bsdtrace::sysent::Arg::RlimitOut, 3, ctx)
            }
        }
        _ => return None,
    })
}

/// A decoded successful result, appended after truss's ` = N (0xN)`:
/// fcntl's flags, poll's revents. strace's words.
pub fn annotate(ctx: &Ctx, ret: i64) -> Option<String> {
    match ctx.number {
        FCNTL => match ctx.args[1] as i32 {
            libc::F_GETFL => Some(format!("flags {}", print::open_flags(ret as u32))),
            libc::F_GETFD => Some(format!("flags {}", flags(ret as u64, FD_FLAGS, "0"))),
            F_GETSIG => Some(print::signal(ret as u32)),
            libc::F_GET_SEALS => Some(format!("seals {}", flags(ret as u64, SEALS, "0"))),
            _ => None,
        },
        POLL | PPOLL if ret > 0 => Some(pollfds(ctx, ctx.args[0], ctx.args[1], true)),
        _ => None,
    }
}

fn fcntl_arg(ctx: &Ctx, cmd: i32, v: u64) -> String {
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

fn flock(ctx: &Ctx, addr: u64) -> String {
    match read_exact(ctx.mem, addr, 32) {
        Some(b) => {
            let ty = match i16::from_le_bytes([b[0], b[1]]) as i32 {
                libc::F_RDLCK => "F_RDLCK".to_string(),
                libc::F_WRLCK => "F_WRLCK".to_string(),
                libc::F_UNLCK => "F_UNLCK".to_string(),
                n => n.to_string(),
            };
            let whence = enum_or_int(i64::from(i16::from_le_bytes([b[2], b[3]])), WHENCE);
            format!("{{ l_type={ty},l_whence={whence},l_start={},l_len={},l_pid={} }}", i64_at(&b, 8), i64_at(&b, 16), i32_at(&b, 24))
        }
        None => hex(addr),
    }
}

/// futex: only the arguments the operation reads, as strace.
fn futex(ctx: &Ctx) -> Vec<Option<String>> {
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
fn clone(ctx: &Ctx) -> Vec<Option<String>> {
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
fn statx_flags(v: u32) -> String {
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

fn mode_strace(mode: u32) -> String {
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

fn statx_ts(b: &[u8], off: usize) -> String {
    format!("{{ tv_sec={},tv_nsec={} }}", i64_at(b, off), u32_at(b, off + 8))
}

/// `struct statx`, strace's fields: abbreviated unless verbose.
fn statx(ctx: &Ctx, addr: u64) -> String {
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
fn dirents(ctx: &Ctx, addr: u64, len: i64, is64: bool) -> String {
    let len = (len.max(0) as usize).min(1 << 20);
    if len == 0 {
        return format!("{} /* 0 entries */", hex(addr));
    }
    let Some(b) = read_exact(ctx.mem, addr, len) else { return hex(addr) };
    let mut entries = Vec::new();
    let mut off = 0;
    while off + 19 <= len {
        let reclen = usize::from(u16_at(&b, off + 16));
        if reclen == 0 || off + reclen > len {
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
        let reclen = usize::from(u16_at(&b, o + 16));
        let (ty, name) = if is64 {
            (b[o + 18], &b[o + 19..o + reclen])
        } else {
            (b[o + reclen - 1], &b[o + 18..o + reclen - 1])
        };
        let name = &name[..name.iter().position(|&c| c == 0).unwrap_or(name.len())];
        let _ = write!(
            s,
            "{{ d_ino={},d_off={},d_reclen={},d_type={},d_name={} }}",
            u64_at(&b, o),
            i64_at(&b, o + 8),
            reclen,
            enum_or_int(i64::from(ty), DIRENT_TYPES),
            quote(name, false)
        );
    }
    s.push(']');
    s
}

fn ioctl_in(ctx: &Ctx, req: u32) -> Option<String> {
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

fn ioctl_out(ctx: &Ctx, req: u32, arg: u64) -> String {
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

fn winsize(ctx: &Ctx, addr: u64) -> String {
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
fn termios(ctx: &Ctx, addr: u64) -> String {
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
fn sigreturn(ctx: &Ctx) -> String {
    // struct rt_sigframe { char *pretcode (popped); struct ucontext uc; ... }:
    // uc_flags, uc_link, uc_stack (24), uc_mcontext (256), uc_sigmask.
    const UC_SIGMASK: u64 = 8 + 8 + 24 + 256;
    let sp = ctx.args[0];
    match read_exact(ctx.mem, sp.wrapping_add(UC_SIGMASK), 8) {
        Some(b) => format!("{{ mask={} }}", print::sigset(u64_at(&b, 0))),
        None => "{ mask=? }".to_string(),
    }
}

fn statfs(ctx: &Ctx, addr: u64) -> String {
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

fn statfs_flags(v: u64) -> String {
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
fn sysinfo(ctx: &Ctx, addr: u64) -> String {
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

fn tms(ctx: &Ctx, addr: u64) -> String {
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
fn utimens(ctx: &Ctx, addr: u64) -> String {
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

fn itimerval(ctx: &Ctx, addr: u64) -> String {
    let w = ctx.long();
    match read_exact(ctx.mem, addr, 4 * w) {
        Some(b) => format!("{{ it_interval={},it_value={} }}", tv(&b, 0, w), tv(&b, 2 * w, w)),
        None if addr == 0 => "NULL".to_string(),
        None => hex(addr),
    }
}

/// A CPU set of `len` bytes: `[0 1]`.
fn cpuset(ctx: &Ctx, addr: u64, len: u64) -> String {
    let len = (len as usize).min(1024);
    let Some(b) = read_exact(ctx.mem, addr, len) else { return hex(addr) };
    let cpus: Vec<String> = (0..len * 8).filter(|&c| b[c / 8] & (1 << (c % 8)) != 0).map(|c| c.to_string()).collect();
    format!("[{}]", cpus.join(" "))
}

/// strace's level names (`SOL_TCP` for IPPROTO_TCP...).
fn sock_level(level: i32) -> String {
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

fn sock_opt(level: i32, opt: i32) -> String {
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
fn sockopt_value(ctx: &Ctx, addr: u64, len: u32) -> String {
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

fn epoll_event(b: &[u8], off: usize) -> String {
    let data = u64_at(b, off + 4);
    format!(
        "{{ events={},data={{ u32={},u64={} }} }}",
        flags(u64::from(u32_at(b, off)), EPOLL_EVENTS, "0"),
        data as u32,
        data
    )
}

fn epoll_event_at(ctx: &Ctx, addr: u64) -> String {
    if addr == 0 {
        return "NULL".to_string();
    }
    match read_exact(ctx.mem, addr, 12) {
        Some(b) => epoll_event(&b, 0),
        None => hex(addr),
    }
}

fn epoll_events(ctx: &Ctx, addr: u64, n: i64) -> String {
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
fn pollfds(ctx: &Ctx, addr: u64, count: u64, revents: bool) -> String {
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

fn stack_t(ctx: &Ctx, addr: u64) -> String {
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

fn gid_list(ctx: &Ctx, addr: u64, n: i64) -> String {
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

/// Control messages of a msghdr (`msg_control`, `msg_controllen`).
pub fn cmsgs(ctx: &Ctx, addr: u64, len: u64) -> String {
    let len = (len as usize).min(4096);
    if addr == 0 || len == 0 {
        return if addr == 0 { "NULL".to_string() } else { "[]".to_string() };
    }
    let Some(b) = read_exact(ctx.mem, addr, len) else { return hex(addr) };
    let mut out = Vec::new();
    let mut off = 0;
    while off + 16 <= len {
        let clen = u64_at(&b, off) as usize;
        let level = i32_at(&b, off + 8);
        let ty = i32_at(&b, off + 12);
        if clen < 16 || off + clen > len {
            break;
        }
        let data = &b[off + 16..off + clen];
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
        off += clen.div_ceil(8) * 8;
    }
    format!("[{}]", out.join(","))
}
