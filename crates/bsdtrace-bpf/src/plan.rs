//! Which user memory the kernel copies for each syscall: one plan per
//! syscall number, made from the argument kinds of the syscall table
//! ([`bsdtrace::sysent`]), so that the decoder finds in the record every
//! byte it would have read from a stopped process. The BPF program only
//! interprets these plans (`enum cap_kind` in truss.bpf.c).
//!
//! In-arguments are copied at entry, out-arguments at exit (and only when
//! the call succeeded), exactly as the decoder reads them. Sizes are those
//! the decoder reads: the x86-64 struct sizes, the `-s` limit for buffers,
//! PATH_MAX for paths; one copy is at most 4096 bytes and one record takes
//! copies up to about 16 KiB (then the rest shows as addresses).
//!
//! The calls truss decodes beyond their argument kinds (the decoder's
//! `special` module: ioctl's and fcntl's structs, value-result lengths,
//! statfs, sysinfo, poll's revents...) get their copies from a table here,
//! `extra`, which follows what that module reads. rt_sigreturn has no
//! argument: the program puts the stack pointer in its argument 0 (as the
//! ptrace driver does) and the plan copies the signal frame's start, where
//! the restored mask is.

use bsdtrace::sysent::{self, Arg};

/// `enum cap_kind` of truss.bpf.c.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Cap {
    Str = 1,
    Fixed = 2,
    LenArg = 3,
    LenRet = 4,
    Iov = 5,
    Msghdr = 6,
    SockaddrOut = 7,
    Array = 8,
    FdSet = 9,
    Strv = 10,
    FutexTimeout = 11,
    CloneArgs = 12,
    Iov32 = 13,
    Msghdr32 = 14,
    Strv32 = 15,
    Mmsg = 16,
    Mmsg32 = 17,
    Ptr32 = 18,
}

/// Longest copy of one piece of memory (BLOB_MAX in truss.bpf.c).
pub const BLOB_MAX: usize = 4096;
const SOCKADDR_MAX: u32 = 128;

/// What the decoder will show, which decides how much is copied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capture {
    /// `-s`: bytes of a buffer shown.
    pub strsize: usize,
    /// `-a`: execve's argument strings.
    pub argv: bool,
    /// `-e`: execve's environment strings.
    pub env: bool,
    /// Copy nothing (`-c` needs numbers and results only).
    pub nothing: bool,
}

/// One copy of a plan (`struct plan_op` of truss.bpf.c).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Op {
    cap: Cap,
    exit: bool,
    arg: u8,
    len_arg: u8,
    size: u32,
}

const fn entry(cap: Cap, arg: u8, len_arg: u8, size: u32) -> Op {
    Op { cap, exit: false, arg, len_arg, size }
}

const fn exit(cap: Cap, arg: u8, len_arg: u8, size: u32) -> Op {
    Op { cap, exit: true, arg, len_arg, size }
}

/// The copies one call needs: those of its argument kinds, then [`extra`].
fn ops(nr: u32, cap: &Capture) -> Vec<Op> {
    let mut v = Vec::new();
    if let Some(sc) = sysent::by_number(nr) {
        for (i, &kind) in sc.args.iter().enumerate().take(6) {
            if let Some((c, len_arg, size)) = op(kind, cap) {
                v.push(Op { cap: c, exit: is_out(kind), arg: i as u8, len_arg, size });
            }
        }
    }
    v.extend(extra(nr, cap));
    v
}

/// `struct plan` of truss.bpf.c: 56 bytes. With `short`, an entry record
/// that copied no memory carries only the call's own arguments (its count
/// in the syscall table; all six for a number the table lacks), not six.
pub(crate) fn plan_bytes(nr: u32, wanted: bool, cap: &Capture, short: bool) -> [u8; 56] {
    let nargs = if short { sysent::by_number(nr).map_or(6, |s| s.args.len().min(6)) } else { 6 };
    let mut b = encode(wanted, if wanted && !cap.nothing { ops(nr, cap) } else { Vec::new() });
    // ops_at's bits 8..11: how many trailing argument registers such a
    // record leaves out (0: all six kept, as every other plan).
    b[5] = (6 - nargs) as u8;
    b
}

/// `struct plan` for i386 call `nr` (a compat call's plan).
pub(crate) fn plan_bytes_i386(nr: u32, wanted: bool, cap: &Capture) -> [u8; 56] {
    encode(wanted, if wanted && !cap.nothing { ops_i386(nr, cap) } else { Vec::new() })
}

fn encode(wanted: bool, ops: Vec<Op>) -> [u8; 56] {
    let mut b = [0u8; 56];
    b[0..4].copy_from_slice(&u32::from(wanted).to_le_bytes());
    let mut at = 0u32;
    {
        // Six slots; `extra` keeps every call within them (tested).
        for (i, op) in ops.into_iter().take(6).enumerate() {
            at |= if op.exit { 2 } else { 1 };
            let o = 8 + i * 8;
            b[o] = op.cap as u8;
            b[o + 1] = u8::from(op.exit);
            b[o + 2] = op.arg;
            b[o + 3] = op.len_arg;
            b[o + 4..o + 8].copy_from_slice(&op.size.to_le_bytes());
        }
    }
    b[4..8].copy_from_slice(&at.to_le_bytes());
    b
}

/// Copies for the calls the decoder's `special` module decodes from more
/// than their argument kinds: the sizes it reads (x86-64 layouts). Where
/// the size depends on another argument's value (ioctl's request), the
/// smallest and the largest are both copied, so a small object next to
/// unmapped memory is still read.
fn extra(nr: u32, cap: &Capture) -> Vec<Op> {
    use Cap::*;
    let buf = cap.strsize.clamp(8, BLOB_MAX) as u32;
    let n = |x: libc::c_long| x as u32;
    match nr {
        // The signal frame's ucontext up to and with uc_sigmask.
        x if x == n(libc::SYS_rt_sigreturn) => vec![entry(Fixed, 0, 0, 8 + 8 + 24 + 256 + 8)],
        // An int, a winsize or a termios, in or out depending on the request.
        x if x == n(libc::SYS_ioctl) => {
            vec![entry(Fixed, 2, 0, 4), entry(Fixed, 2, 0, 36), exit(Fixed, 2, 0, 4), exit(Fixed, 2, 0, 36)]
        }
        // struct flock for the locking commands.
        x if x == n(libc::SYS_fcntl) => vec![entry(Fixed, 2, 0, 32)],
        // The entries the call returned (counted, or shown with -v).
        x if x == n(libc::SYS_getdents64) || x == n(libc::SYS_getdents) => vec![exit(LenRet, 1, 2, BLOB_MAX as u32)],
        // The socklen_t as it went in.
        x if [libc::SYS_getsockname, libc::SYS_getpeername, libc::SYS_accept, libc::SYS_accept4].map(n).contains(&x) => {
            vec![entry(Fixed, 2, 0, 4)]
        }
        x if x == n(libc::SYS_recvfrom) => vec![entry(Fixed, 5, 0, 4)],
        x if x == n(libc::SYS_statfs) || x == n(libc::SYS_fstatfs) => vec![exit(Fixed, 1, 0, 120)],
        x if x == n(libc::SYS_sysinfo) => vec![exit(Fixed, 0, 0, 112)],
        x if x == n(libc::SYS_times) => vec![exit(Fixed, 0, 0, 32)],
        // timespec[2]
        x if x == n(libc::SYS_utimensat) => vec![entry(Fixed, 2, 0, 32)],
        // struct itimerval
        x if x == n(libc::SYS_setitimer) => vec![entry(Fixed, 1, 0, 32), exit(Fixed, 2, 0, 32)],
        x if x == n(libc::SYS_getitimer) => vec![exit(Fixed, 1, 0, 32)],
        // CPU sets: the length argument's bytes in, the result's out.
        x if x == n(libc::SYS_sched_setaffinity) => vec![entry(LenArg, 2, 1, 1024)],
        x if x == n(libc::SYS_sched_getaffinity) => vec![exit(LenRet, 2, 1, 1024)],
        // The option's value (its length in arg 4), and getsockopt's
        // value-result length: in, then out with the value it measures.
        x if x == n(libc::SYS_setsockopt) => vec![entry(LenArg, 3, 4, buf)],
        x if x == n(libc::SYS_getsockopt) => vec![entry(Fixed, 4, 0, 4), exit(SockaddrOut, 3, 4, 0)],
        // struct epoll_event (12 bytes), one in, up to maxevents out.
        x if x == n(libc::SYS_epoll_ctl) => vec![entry(Fixed, 3, 0, 12)],
        x if x == n(libc::SYS_epoll_wait) || x == n(libc::SYS_epoll_pwait) => vec![exit(Array, 1, 2, 12)],
        // The pollfds again at exit, for their revents.
        x if x == n(libc::SYS_poll) || x == n(libc::SYS_ppoll) => vec![exit(Array, 0, 1, 8)],
        // stack_t
        x if x == n(libc::SYS_sigaltstack) => vec![entry(Fixed, 0, 0, 24), exit(Fixed, 1, 0, 24)],
        // gid_t[]
        x if x == n(libc::SYS_setgroups) => vec![entry(Array, 1, 0, 4)],
        x if x == n(libc::SYS_getgroups) => vec![exit(Array, 1, 0, 4)],
        // Node masks: one word, or up to 16.
        x if x == n(libc::SYS_set_mempolicy) => vec![entry(Fixed, 1, 0, 8), entry(Fixed, 1, 0, 128)],
        x if x == n(libc::SYS_get_mempolicy) => {
            vec![exit(Fixed, 0, 0, 4), exit(Fixed, 1, 0, 8), exit(Fixed, 1, 0, 128)]
        }
        // PR_SET_NAME's string in; PR_GET_NAME's 16 bytes, or an int or a
        // pointer, out.
        x if x == n(libc::SYS_prctl) => vec![entry(Str, 1, 0, BLOB_MAX as u32), exit(Fixed, 1, 0, 4), exit(Fixed, 1, 0, 16)],
        // The struct mmsghdr[] (64 bytes each) and the first 8 messages'
        // iovecs (their names and control messages are not followed).
        x if x == n(libc::SYS_sendmmsg) || x == n(libc::SYS_recvmmsg) => vec![exit(Array, 1, 2, 64), exit(Mmsg, 1, 2, buf)],
        // System V IPC: semop's sembufs, msgsnd's and msgrcv's message
        // (the type, then `-s` bytes).
        x if x == n(libc::SYS_semop) || x == n(libc::SYS_semtimedop) => vec![entry(Array, 1, 2, 6)],
        x if x == n(libc::SYS_msgsnd) => vec![entry(Fixed, 1, 0, 8 + buf)],
        x if x == n(libc::SYS_msgrcv) => vec![exit(Fixed, 1, 0, 8 + buf)],
        _ => Vec::new(),
    }
}

/// The copies an i386 call needs, in i386's layouts: iovecs, msghdrs and
/// argv follow 32-bit pointers (`Iov32`, `Msghdr32`, `Strv32`). The
/// operations name argument registers (ebx..ebp), before the decoder
/// merges split 64-bit offsets.
fn ops_i386(nr: u32, cap: &Capture) -> Vec<Op> {
    match sysent::Arch::I386.by_number(nr) {
        Some(sc) => ops_i386_of(sc, 6, cap),
        None => Vec::new(),
    }
}

/// socketcall(2)'s sub-calls (linux/net.h's SYS_SOCKET = 1...): the i386
/// row whose argument kinds they share (accept is accept4's first three,
/// send and recv sendto's and recvfrom's first four) and how many words
/// of the array they read.
const SOCKETCALLS: [(&str, usize); 20] = [
    ("socket", 3),
    ("bind", 3),
    ("connect", 3),
    ("listen", 2),
    ("accept4", 3),
    ("getsockname", 3),
    ("getpeername", 3),
    ("socketpair", 4),
    ("sendto", 4),
    ("recvfrom", 4),
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

/// The plan of i386 socketcall's sub-call `call` (1..=20), which the BPF
/// program runs on the words of the call's array (truss.bpf.c's
/// `run_socketcall`): the copies the sub-call's own row asks for.
pub(crate) fn plan_bytes_socketcall(call: u32, cap: &Capture) -> [u8; 56] {
    let row = (call as usize).checked_sub(1).and_then(|i| SOCKETCALLS.get(i));
    let ops = match row.and_then(|&(name, n)| Some((sysent::Arch::I386.by_name(name)?, n))) {
        Some((sc, n)) if !cap.nothing => ops_i386_of(sc, n, cap),
        _ => Vec::new(),
    };
    encode(true, ops)
}

/// [`ops_i386`] of a row whose first `nargs` arguments are used.
fn ops_i386_of(sc: &sysent::Syscall, nargs: usize, cap: &Capture) -> Vec<Op> {
    use Arg::*;
    let buf = cap.strsize.clamp(1, BLOB_MAX) as u32;
    let time64 = sc.name.ends_with("_time64");
    let mut v = Vec::new();
    for (i, &kind) in sc.args.iter().enumerate().take(nargs.min(6)) {
        let (c, len_arg, size) = match kind {
            Path | Str | PathOut => (Cap::Str, 0, BLOB_MAX as u32),
            BufIn(l) => (Cap::LenArg, l, buf),
            BufOut(l) => (Cap::LenRet, l, buf),
            SockaddrIn(l) => (Cap::LenArg, l, SOCKADDR_MAX),
            SockaddrOut(l) => (Cap::SockaddrOut, l, SOCKADDR_MAX),
            FdSet(n) => (Cap::FdSet, n, 0),
            Pollfd(c) => (Cap::Array, c, 8),
            IovecIn(c) | IovecOut(c) => (Cap::Iov32, c, buf),
            MsghdrIn | MsghdrOut => (Cap::Msghdr32, 0, buf),
            Argv if cap.argv => (Cap::Strv32, 0, BLOB_MAX as u32),
            Envp if cap.env => (Cap::Strv32, 0, BLOB_MAX as u32),
            FutexTimeout => (Cap::FutexTimeout, 0, 16),
            CloneArgs => (Cap::CloneArgs, 0, 64),
            FdPairOut | SigsetIn | SigsetOut => (Cap::Fixed, 0, 8),
            WaitStatusOut => (Cap::Fixed, 0, 4),
            SigactionIn | SigactionOut => (Cap::Fixed, 0, 20),
            OldSigactionIn | OldSigactionOut | UserDesc => (Cap::Fixed, 0, 16),
            TimespecIn | TimespecOut if time64 => (Cap::Fixed, 0, 16),
            Timespec64In | Timespec64Out => (Cap::Fixed, 0, 16),
            TimespecIn | TimespecOut | TimevalIn | TimevalOut => (Cap::Fixed, 0, 8),
            RlimitIn | RlimitOut if sc.name == "prlimit64" => (Cap::Fixed, 0, 16),
            RlimitIn | RlimitOut => (Cap::Fixed, 0, 8),
            RusageOut => (Cap::Fixed, 0, 72),
            Stat64Out => (Cap::Fixed, 0, 96),
            StatOut => (Cap::Fixed, 0, 64),
            StatxOut => (Cap::Fixed, 0, 256),
            UtsnameOut => (Cap::Fixed, 0, 390),
            _ => continue,
        };
        let exit = is_out(kind) || matches!(kind, Stat64Out | Timespec64Out | OldSigactionOut);
        v.push(Op { cap: c, exit, arg: i as u8, len_arg, size });
    }
    v.extend(extra_i386(sc.name, cap).into_iter().filter(|o| usize::from(o.arg) < nargs));
    v
}

/// [`extra`] for the i386 calls the decoder's per-call decoders serve
/// (its `special32` module), in i386's sizes and argument positions.
fn extra_i386(name: &str, cap: &Capture) -> Vec<Op> {
    use Cap::*;
    let buf = cap.strsize.clamp(8, BLOB_MAX) as u32;
    let long = |n: u32| n * 4;
    match name {
        // sigreturn: the frame up to extramask; rt_sigreturn: up to uc_sigmask.
        "sigreturn" => vec![entry(Fixed, 0, 0, 716)],
        "rt_sigreturn" => vec![entry(Fixed, 0, 0, 256)],
        "ioctl" => vec![entry(Fixed, 2, 0, 4), entry(Fixed, 2, 0, 36), exit(Fixed, 2, 0, 4), exit(Fixed, 2, 0, 36)],
        // struct flock64 (24 bytes) or flock (16).
        "fcntl" | "fcntl64" => vec![entry(Fixed, 2, 0, 24), entry(Fixed, 2, 0, 16)],
        "getdents64" => vec![exit(LenRet, 1, 2, BLOB_MAX as u32)],
        "getsockname" | "getpeername" | "accept" | "accept4" => vec![entry(Fixed, 2, 0, 4)],
        "recvfrom" => vec![entry(Fixed, 5, 0, 4)],
        // statfs64(path, size, buf)
        "statfs64" | "fstatfs64" => vec![exit(Fixed, 2, 0, 84)],
        "sysinfo" => vec![exit(Fixed, 0, 0, 64)],
        "times" => vec![exit(Fixed, 0, 0, long(4))],
        "utimensat" => vec![entry(Fixed, 2, 0, 16)],
        "utimensat_time64" => vec![entry(Fixed, 2, 0, 32)],
        "setitimer" => vec![entry(Fixed, 1, 0, long(4)), exit(Fixed, 2, 0, long(4))],
        "getitimer" => vec![exit(Fixed, 1, 0, long(4))],
        "sched_setaffinity" => vec![entry(LenArg, 2, 1, 1024)],
        "sched_getaffinity" => vec![exit(LenRet, 2, 1, 1024)],
        "setsockopt" => vec![entry(LenArg, 3, 4, buf)],
        "getsockopt" => vec![entry(Fixed, 4, 0, 4), exit(SockaddrOut, 3, 4, 0)],
        "epoll_ctl" => vec![entry(Fixed, 3, 0, 12)],
        "epoll_wait" | "epoll_pwait" => vec![exit(Array, 1, 2, 12)],
        "poll" | "ppoll" | "ppoll_time64" => vec![exit(Array, 0, 1, 8)],
        "sigaltstack" => vec![entry(Fixed, 0, 0, long(3)), exit(Fixed, 1, 0, long(3))],
        "setgroups32" => vec![entry(Array, 1, 0, 4)],
        "getgroups32" => vec![exit(Array, 1, 0, 4)],
        "prctl" => vec![entry(Str, 1, 0, BLOB_MAX as u32), exit(Fixed, 1, 0, 4), exit(Fixed, 1, 0, 16)],
        // _llseek(fd, hi, lo, result, whence): the 64-bit result.
        "_llseek" => vec![exit(Fixed, 3, 0, 8)],
        "getdents" => vec![exit(LenRet, 1, 2, BLOB_MAX as u32)],
        // struct __old_kernel_stat; readdir's old_linux_dirent (a name of
        // up to 255 bytes after 10).
        "oldstat" | "oldlstat" | "oldfstat" => vec![exit(Fixed, 1, 0, 32)],
        "readdir" => vec![exit(Fixed, 1, 0, 10), exit(Fixed, 1, 0, 266)],
        // The struct mmsghdr[] (32 bytes each) and the first 8 messages'
        // iovecs (their names and control messages are not followed).
        "sendmmsg" | "recvmmsg" | "recvmmsg_time64" => vec![exit(Array, 1, 2, 32), exit(Mmsg32, 1, 2, buf)],
        // socketcall's array of argument words (the sub-call's pointers
        // are not followed).
        "socketcall" => vec![entry(Fixed, 1, 0, 24), entry(Fixed, 1, 0, 8)],
        // ipc: what `ptr` (argument 4) points to for each sub-call:
        // semctl's union semun or msgrcv's `struct ipc_kludge` (version
        // 0, the C library's: the message is where its first word
        // points), semop's sembufs (`second` of them), msgsnd's message
        // (type and `-s` bytes), msgrcv's at exit; and shmat's stored
        // address (argument 3).
        "ipc" => vec![
            entry(Fixed, 4, 0, 8),
            entry(Array, 4, 2, 6),
            entry(Fixed, 4, 0, 4 + buf),
            exit(Fixed, 4, 0, 4 + buf),
            exit(Ptr32, 4, 0, 4 + buf),
            exit(Fixed, 3, 0, 4),
        ],
        _ => Vec::new(),
    }
}

/// The decoder's rule: these kinds are written by the kernel and read at exit.
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

/// (capture kind, the argument holding a length, a size or cap) for one
/// argument; `None` for arguments printed from their value alone.
fn op(kind: Arg, cap: &Capture) -> Option<(Cap, u8, u32)> {
    use Arg::*;
    let buf = cap.strsize.clamp(1, BLOB_MAX) as u32;
    let path = BLOB_MAX as u32;
    Some(match kind {
        Path | Str | PathOut => (Cap::Str, 0, path),
        BufIn(l) => (Cap::LenArg, l, buf),
        BufOut(l) => (Cap::LenRet, l, buf),
        IovecIn(c) | IovecOut(c) => (Cap::Iov, c, buf),
        MsghdrIn | MsghdrOut => (Cap::Msghdr, 0, buf),
        SockaddrIn(l) => (Cap::LenArg, l, SOCKADDR_MAX),
        SockaddrOut(l) => (Cap::SockaddrOut, l, SOCKADDR_MAX),
        FdSet(n) => (Cap::FdSet, n, 0),
        Pollfd(c) => (Cap::Array, c, 8),
        Argv if cap.argv => (Cap::Strv, 0, path),
        Envp if cap.env => (Cap::Strv, 0, path),
        FutexTimeout => (Cap::FutexTimeout, 0, 16),
        CloneArgs => (Cap::CloneArgs, 0, 64),
        FdPairOut | SigsetIn | SigsetOut => (Cap::Fixed, 0, 8),
        WaitStatusOut => (Cap::Fixed, 0, 4),
        SigactionIn | SigactionOut => (Cap::Fixed, 0, 32),
        TimespecIn | TimespecOut | TimevalIn | TimevalOut | RlimitIn | RlimitOut => (Cap::Fixed, 0, 16),
        StatOut | RusageOut => (Cap::Fixed, 0, 144),
        StatxOut => (Cap::Fixed, 0, 256),
        UtsnameOut => (Cap::Fixed, 0, 390),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAP: Capture = Capture { strsize: 32, argv: false, env: false, nothing: false };

    #[test]
    fn openat_copies_its_path_at_entry() {
        let b = plan_bytes(257, true, &CAP, false);
        assert_eq!(u32::from_le_bytes(b[4..8].try_into().unwrap()), 1);
        // the first copy: argument 1, a string of up to 4096 bytes, at entry
        assert_eq!(&b[8..12], &[Cap::Str as u8, 0, 1, 0]);
        assert_eq!(u32::from_le_bytes(b[12..16].try_into().unwrap()), 4096);
    }

    #[test]
    fn read_copies_what_it_returned_at_exit_up_to_s() {
        let b = plan_bytes(0, true, &CAP, false);
        assert_eq!(u32::from_le_bytes(b[4..8].try_into().unwrap()), 2);
        assert_eq!(&b[8..12], &[Cap::LenRet as u8, 1, 1, 2]);
        assert_eq!(u32::from_le_bytes(b[12..16].try_into().unwrap()), 32);
    }

    #[test]
    fn every_plan_fits_the_six_slots() {
        for sc in sysent::TABLE {
            let all = Capture { argv: true, env: true, ..CAP };
            assert!(ops(sc.number, &all).len() <= 6, "{}", sc.name);
        }
        for sc in sysent::TABLE_I386 {
            let all = Capture { argv: true, env: true, ..CAP };
            assert!(ops_i386(sc.number, &all).len() <= 6, "i386 {}", sc.name);
        }
    }

    #[test]
    fn i386_plans_use_i386_sizes_and_registers() {
        let nr = |n: &str| sysent::Arch::I386.by_name(n).unwrap().number;
        // stat64's buffer (argument 1) at exit: 96 bytes.
        let b = plan_bytes_i386(nr("stat64"), true, &CAP);
        assert_eq!(&b[8..12], &[Cap::Str as u8, 0, 0, 0]);
        assert_eq!(&b[16..20], &[Cap::Fixed as u8, 1, 1, 0]);
        assert_eq!(u32::from_le_bytes(b[20..24].try_into().unwrap()), 96);
        // _llseek's result is register 3 (after the split offset).
        let b = plan_bytes_i386(nr("_llseek"), true, &CAP);
        assert_eq!(&b[8..12], &[Cap::Fixed as u8, 1, 3, 0]);
        // writev's 32-bit iovecs (register 1, count in 2) at entry.
        let b = plan_bytes_i386(nr("writev"), true, &CAP);
        assert_eq!(&b[8..12], &[Cap::Iov32 as u8, 0, 1, 2]);
        // recvmsg's 32-bit msghdr at exit; execve's argv of 32-bit pointers.
        assert_eq!(&plan_bytes_i386(nr("recvmsg"), true, &CAP)[8..12], &[Cap::Msghdr32 as u8, 1, 1, 0]);
        let argv = Capture { argv: true, ..CAP };
        assert_eq!(&plan_bytes_i386(nr("execve"), true, &argv)[16..20], &[Cap::Strv32 as u8, 0, 1, 0]);
    }

    #[test]
    fn socketcall_sub_plans_copy_what_the_sub_calls_rows_ask_for() {
        // socketcall's own plan copies the array of words.
        let b = plan_bytes_i386(102, true, &CAP);
        assert_eq!(&b[8..12], &[Cap::Fixed as u8, 0, 1, 0]);
        assert_eq!(u32::from_le_bytes(b[12..16].try_into().unwrap()), 24);
        // SYS_BIND (2): the address (word 1, length in word 2).
        let b = plan_bytes_socketcall(2, &CAP);
        assert_eq!(&b[8..12], &[Cap::LenArg as u8, 0, 1, 2]);
        // SYS_RECV (10): recvfrom's first four words only (its address
        // and length words are not recv's).
        let b = plan_bytes_socketcall(10, &CAP);
        assert_eq!(&b[8..12], &[Cap::LenRet as u8, 1, 1, 2]);
        assert_eq!(&b[16..20], &[0, 0, 0, 0]);
        // SYS_SENDMSG (16): the 32-bit msghdr; an unknown call: nothing.
        assert_eq!(&plan_bytes_socketcall(16, &CAP)[8..12], &[Cap::Msghdr32 as u8, 0, 1, 0]);
        assert_eq!(plan_bytes_socketcall(21, &CAP)[4..8], [0, 0, 0, 0]);
        for call in 1..=20 {
            let all = Capture { argv: true, env: true, ..CAP };
            let (name, n) = SOCKETCALLS[call - 1];
            assert!(ops_i386_of(sysent::Arch::I386.by_name(name).unwrap(), n, &all).len() <= 6, "{name}");
        }
    }

    #[test]
    fn rt_sigreturn_copies_the_frame_up_to_its_mask_and_poll_its_revents() {
        let b = plan_bytes(15, true, &CAP, false);
        assert_eq!(&b[8..12], &[Cap::Fixed as u8, 0, 0, 0]);
        assert_eq!(u32::from_le_bytes(b[12..16].try_into().unwrap()), 304);
        let b = plan_bytes(7, true, &CAP, false);
        assert_eq!(u32::from_le_bytes(b[4..8].try_into().unwrap()), 3);
        assert_eq!(&b[16..20], &[Cap::Array as u8, 1, 0, 1]);
    }

    #[test]
    fn unwanted_and_count_only_plans_copy_nothing() {
        assert_eq!(plan_bytes(257, false, &CAP, false), [0; 56]);
        let b = plan_bytes(257, true, &Capture { nothing: true, ..CAP }, false);
        assert_eq!(b[0], 1);
        assert!(b[4..].iter().all(|&x| x == 0));
    }

    #[test]
    fn a_short_plan_leaves_out_the_registers_past_the_calls_arguments() {
        // getppid has none, read three; a number the table lacks keeps six.
        assert_eq!(plan_bytes(110, true, &CAP, true)[5], 6);
        assert_eq!(plan_bytes(0, true, &CAP, true)[5], 3);
        assert_eq!(plan_bytes(511, true, &CAP, true)[5], 0);
        assert_eq!(plan_bytes(110, true, &CAP, false)[5], 0);
    }
}
