//! i386 calls (a 32-bit program's, or a 64-bit one's `int $0x80`): their
//! x86-64 twin for the filters, their decoding at entry (split offsets
//! merged, i386 layouts), the `<runs in 32 bit mode>` line.

use super::*;

/// The x86-64 call an i386 one is (the same name, or i386's variant of
/// it: `mmap2`, `_llseek`, `fstat64`, `chown32`, `ugetrlimit`,
/// `clock_gettime64`...), for `-e trace=` and the other sets keyed by
/// x86-64 numbers; `None` for the calls x86-64 lacks (`socketcall`,
/// `ipc`, `waitpid`...).
pub fn x86_64_key(number: u32) -> Option<u32> {
    x86_64_key_of(Arch::I386.name(number)?)
}

/// [`x86_64_key`] of the call truss shows: a socketcall's or ipc's
/// sub-call's twin (`socket`, `semop`; `send` and `recv` count as
/// `sendto` and `recvfrom`), told by the first register alone, so that
/// `-e trace=socket`, `%network` or `%ipc` pick a 32-bit program's
/// multiplexed calls as strace's filters do.
pub fn x86_64_key_of_call(number: u32, args: &[u64; 6]) -> Option<u32> {
    x86_64_key_of(call_name(number, args)?)
}

/// The name an i386 call is shown under: its sub-call's for socketcall
/// and ipc (when the sub-call is known), else its own.
pub fn call_name(number: u32, args: &[u64; 6]) -> Option<&'static str> {
    let sub = match number {
        102 => (args[0] as u32 as usize).checked_sub(1).and_then(|i| SOCKETCALLS.get(i)).map(|s| s.0),
        117 => ipc_name(args[0] as u32 & 0xffff),
        _ => None,
    };
    sub.or_else(|| Arch::I386.name(number))
}

/// ipc(2)'s calls (linux/ipc.h's SEMOP = 1...).
fn ipc_name(call: u32) -> Option<&'static str> {
    Some(match call {
        1 => "semop",
        2 => "semget",
        3 => "semctl",
        4 => "semtimedop",
        11 => "msgsnd",
        12 => "msgrcv",
        13 => "msgget",
        14 => "msgctl",
        21 => "shmat",
        22 => "shmdt",
        23 => "shmget",
        24 => "shmctl",
        _ => return None,
    })
}

/// [`x86_64_key`] by the i386 call's name (a socketcall or ipc sub-call's
/// too: `accept`, `send`, `semop`...).
fn x86_64_key_of(name: &str) -> Option<u32> {
    let mut candidates = vec![name.to_string()];
    let mut base = name.trim_start_matches('_').to_string();
    for suffix in ["_time64", "32", "64", "2"] {
        if let Some(b) = base.strip_suffix(suffix) {
            base = b.to_string();
            candidates.push(base.clone());
        }
    }
    match name {
        "ugetrlimit" => candidates.push("getrlimit".into()),
        "_llseek" => candidates.push("lseek".into()),
        "_newselect" => candidates.push("select".into()),
        "fstatat64" => candidates.push("newfstatat".into()),
        "fadvise64_64" => candidates.push("fadvise64".into()),
        "send" => candidates.push("sendto".into()),
        "recv" => candidates.push("recvfrom".into()),
        _ => {}
    }
    candidates.iter().find_map(|n| Arch::X86_64.by_name(n)).map(|s| s.number)
}

/// socketcall(2)'s and ipc(2)'s sub-calls that have no row of their own in
/// the i386 table (x86-64 has no `send` or `recv` either): named and
/// typed as strace shows them.
static SEND: Syscall = Syscall {
    number: u32::MAX,
    name: "send",
    nargs: 4,
    ret: sysent::Ret::Int,
    class: sysent::Class::NETWORK,
    args: &[Arg::Fd, Arg::BufIn(2), Arg::Uint, Arg::MsgFlags],
};
static RECV: Syscall = Syscall {
    number: u32::MAX,
    name: "recv",
    nargs: 4,
    ret: sysent::Ret::Int,
    class: sysent::Class::NETWORK,
    args: &[Arg::Fd, Arg::BufOut(2), Arg::Uint, Arg::MsgFlags],
};

/// socketcall(2)'s calls (linux/net.h's SYS_SOCKET = 1...) and how many
/// argument words each reads from the array.
const SOCKETCALLS: [(&str, usize); 20] = [
    ("socket", 3),
    ("bind", 3),
    ("connect", 3),
    ("listen", 2),
    ("accept", 3),
    ("getsockname", 3),
    ("getpeername", 3),
    ("socketpair", 4),
    ("send", 4),
    ("recv", 4),
    ("sendto", 6),
    ("recvfrom", 6),
    ("shutdown", 2),
    ("setsockopt", 5),
    ("getsockopt", 5),
    ("sendmsg", 3),
    ("recvmsg", 3),
    ("accept4", 4),
    ("recvmmsg", 5),
    ("sendmmsg", 4),
];

/// What a multiplexed call (socketcall, ipc) really is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Sub {
    /// A socketcall: its arguments were read from the array.
    Socket,
    /// An ipc call; semctl's argument is a pointer to the `union semun`.
    Ipc,
    /// ipc's shmat: the kernel stores the address at `raddr`, returns 0.
    Shmat { raddr: u64 },
}

/// The sub-call of socketcall (102) or ipc (117): its row and its
/// arguments in the order the direct call takes them (ipc's `first`,
/// `second`, `third`, `ptr`, `fifth` reordered as the kernel's
/// ipc/syscall.c passes them on). `None` for any other call, an unknown
/// sub-call, or a socketcall whose array cannot be read: then the
/// multiplexer is shown as it is.
fn subcall(number: u32, a: [u64; 6], mem: &dyn Memory) -> Option<(&'static Syscall, [u64; 6], Sub)> {
    let row = |n: &str| Arch::I386.by_name(n).or_else(|| Arch::X86_64.by_name(n));
    match number {
        102 => {
            let call = a[0] as u32;
            let &(name, n) = SOCKETCALLS.get((call as usize).checked_sub(1)?)?;
            let b = print::read_exact(mem, a[1] & 0xffff_ffff, n * 4)?;
            let mut args = [0u64; 6];
            for (i, w) in args.iter_mut().enumerate().take(n) {
                *w = u64::from(print::u32_at(&b, i * 4));
            }
            let sc = match name {
                "send" => &SEND,
                "recv" => &RECV,
                _ => row(name)?,
            };
            Some((sc, args, Sub::Socket))
        }
        117 => {
            let (call, version) = (a[0] as u32 & 0xffff, a[0] as u32 >> 16);
            let [_, first, second, third, ptr, fifth] = a;
            let (name, args, sub) = match call {
                1 => ("semop", [first, ptr, second, 0, 0, 0], Sub::Ipc),
                2 => ("semget", [first, second, third, 0, 0, 0], Sub::Ipc),
                3 => ("semctl", [first, second, third, ptr, 0, 0], Sub::Ipc),
                4 => ("semtimedop", [first, ptr, second, fifth, 0, 0], Sub::Ipc),
                11 => ("msgsnd", [first, ptr, second, third, 0, 0], Sub::Ipc),
                // Version 0 passes `struct ipc_kludge { msgp, msgtyp }`.
                12 if version == 0 => {
                    let k = print::read_exact(mem, ptr, 8)?;
                    let typ = i64::from(print::i32_at(&k, 4)) as u64;
                    ("msgrcv", [first, u64::from(print::u32_at(&k, 0)), second, typ, third, 0], Sub::Ipc)
                }
                12 => ("msgrcv", [first, ptr, second, fifth, third, 0], Sub::Ipc),
                13 => ("msgget", [first, second, 0, 0, 0, 0], Sub::Ipc),
                14 => ("msgctl", [first, second, ptr, 0, 0, 0], Sub::Ipc),
                21 if version == 0 => ("shmat", [first, ptr, second, 0, 0, 0], Sub::Shmat { raddr: third }),
                22 => ("shmdt", [ptr, 0, 0, 0, 0, 0], Sub::Ipc),
                23 => ("shmget", [first, second, third, 0, 0, 0], Sub::Ipc),
                24 => ("shmctl", [first, second, ptr, 0, 0, 0], Sub::Ipc),
                _ => return None,
            };
            Some((row(name)?, args, sub))
        }
        _ => None,
    }
}

/// Decodes an i386 call at entry (see the module docs): `number` is in
/// the i386 table, `args` the six argument registers (ebx..ebp).
pub fn decode_entry_i386(opts: &Options, number: u32, args: [u64; 6], mem: &dyn Memory) -> EntryState {
    // socketcall and ipc are shown as their sub-call, as strace does.
    let (syscall, args, sub) = match subcall(number, args, mem) {
        Some((sc, a, sub)) => (Some(sc), a, Some(sub)),
        None => (Arch::I386.by_number(number), args, None),
    };
    let key = syscall.and_then(|s| x86_64_key_of(s.name)).unwrap_or(u32::MAX);
    // OffLo/OffHi pairs become one Off, as the call's 64-bit value.
    let row: &[Arg] = syscall.map_or(&[], |s| s.args);
    // A call without arguments keeps the registers: sigreturn's driver
    // passes the stack pointer in the first.
    let (mut kinds, mut merged, mut n) = (Vec::new(), if row.is_empty() { args } else { [0u64; 6] }, 0);
    let mut i = 0;
    while i < row.len() && n < 6 {
        let lo_hi = match (row[i], row.get(i + 1)) {
            (Arg::OffLo, Some(Arg::OffHi)) => Some((args[i], args[i + 1])),
            (Arg::OffHi, Some(Arg::OffLo)) => Some((args[i + 1], args[i])),
            _ => None,
        };
        match lo_hi {
            Some((lo, hi)) => {
                kinds.push(Arg::Off);
                merged[n] = (lo & 0xffff_ffff) | (hi << 32);
                i += 2;
            }
            None => {
                kinds.push(if row[i] == Arg::OffLo { Arg::Off } else { row[i] });
                merged[n] = args[i];
                i += 1;
            }
        }
        n += 1;
    }
    let ctx = print::Ctx {
        opts,
        mem,
        number: key,
        args: merged,
        outcome: None,
        i386: syscall.map(|s| s.name),
    };
    let raw = opts.raw.contains(key);
    let special = !raw && syscall.is_some_and(|s| special32::shares(s.name));
    let mut captured = special::Captured::default();
    let mut text: Vec<Option<String>> = match syscall {
        Some(sc) if raw => args[..sc.args.len()].iter().map(|&a| Some(print::hex(a))).collect(),
        Some(_) if special => {
            captured = special::capture(&ctx);
            special::entry(&ctx).unwrap_or_default()
        }
        Some(_) => kinds
            .iter()
            .enumerate()
            .map(|(i, &kind)| (!print::is_out32(kind)).then(|| print::arg32(kind, i, &ctx)))
            .collect(),
        None => args.iter().map(|&a| Some(print::hex(a))).collect(),
    };
    // ipc's semctl takes a pointer to the union (the direct call takes
    // the union): strace's `[value]`.
    if sub == Some(Sub::Ipc) && syscall.is_some_and(|s| s.name == "semctl") && !raw {
        if let Some(t) = text.get_mut(3) {
            *t = Some(match print::read_exact(mem, args[3], 4) {
                Some(b) => format!("[{}]", print::ptr_or_null(u64::from(print::u32_at(&b, 0)))),
                None => print::hex(args[3]),
            });
        }
    }
    EntryState {
        number,
        syscall,
        args: if raw { args } else { merged },
        text,
        captured,
        raw,
        i386: Some(I386Call { kinds, key, special, sub }),
    }
}

/// `<runs in 32 bit mode>` (or 64): a thread's calls changed ABI, the
/// first time a thread is seen making 32-bit calls and whenever it
/// changes again (strace's `[ Process PID=N runs in 32 bit mode. ]`).
pub fn mode_line(arch: Arch) -> &'static str {
    match arch {
        Arch::I386 => "<runs in 32 bit mode>",
        Arch::X86_64 => "<runs in 64 bit mode>",
    }
}
