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

mod ipc;
mod structs;
pub use structs::*;

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
const SENDMMSG: u32 = nr(libc::SYS_sendmmsg);
const RECVMMSG: u32 = nr(libc::SYS_recvmmsg);

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
            | SENDMMSG
            | RECVMMSG
    ) || ipc::is_ipc(number)
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
        // The messages are printed at exit, with their msg_len.
        SENDMMSG => Some(vec![Some(fd(a[0])), None, Some((a[2] as u32).to_string()), Some(flags(u64::from(a[3] as u32), MSG_FLAGS, "0"))]),
        RECVMMSG => Some(vec![
            Some(fd(a[0])),
            None,
            Some((a[2] as u32).to_string()),
            Some(flags(u64::from(a[3] as u32), MSG_FLAGS, "0")),
            Some(if a[4] == 0 { "NULL".to_string() } else { print::arg_abi(bsdtrace::sysent::Arg::TimespecIn, 4, ctx) }),
        ]),
        n if ipc::is_ipc(n) => ipc::entry(ctx),
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
        (SENDMMSG, 1) => print::mmsghdrs(ctx, a[1], ret.max(0) as u64, false),
        (RECVMMSG, 1) => print::mmsghdrs(ctx, a[1], ret.max(0) as u64, true),
        (n, i) if ipc::is_ipc(n) => return ipc::exit_arg(ctx, i),
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

