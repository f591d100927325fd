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

/// `struct plan` of truss.bpf.c: 56 bytes.
pub(crate) fn plan_bytes(nr: u32, wanted: bool, cap: &Capture) -> [u8; 56] {
    let mut b = [0u8; 56];
    b[0..4].copy_from_slice(&u32::from(wanted).to_le_bytes());
    let mut at = 0u32;
    if wanted && !cap.nothing {
        if let Some(sc) = sysent::by_number(nr) {
            for (i, &kind) in sc.args.iter().enumerate().take(6) {
                if let Some((c, len_arg, size)) = op(kind, cap) {
                    let exit = is_out(kind);
                    at |= if exit { 2 } else { 1 };
                    let o = 8 + i * 8;
                    b[o] = c as u8;
                    b[o + 1] = u8::from(exit);
                    b[o + 2] = i as u8;
                    b[o + 3] = len_arg;
                    b[o + 4..o + 8].copy_from_slice(&size.to_le_bytes());
                }
            }
        }
    }
    b[4..8].copy_from_slice(&at.to_le_bytes());
    b
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
        let b = plan_bytes(257, true, &CAP);
        assert_eq!(u32::from_le_bytes(b[4..8].try_into().unwrap()), 1);
        // argument 1: a string of up to 4096 bytes, at entry
        assert_eq!(&b[16..20], &[Cap::Str as u8, 0, 1, 0]);
        assert_eq!(u32::from_le_bytes(b[20..24].try_into().unwrap()), 4096);
    }

    #[test]
    fn read_copies_what_it_returned_at_exit_up_to_s() {
        let b = plan_bytes(0, true, &CAP);
        assert_eq!(u32::from_le_bytes(b[4..8].try_into().unwrap()), 2);
        assert_eq!(&b[16..20], &[Cap::LenRet as u8, 1, 1, 2]);
        assert_eq!(u32::from_le_bytes(b[20..24].try_into().unwrap()), 32);
    }

    #[test]
    fn unwanted_and_count_only_plans_copy_nothing() {
        assert_eq!(plan_bytes(257, false, &CAP), [0; 56]);
        let b = plan_bytes(257, true, &Capture { nothing: true, ..CAP });
        assert_eq!(b[0], 1);
        assert!(b[4..].iter().all(|&x| x == 0));
    }
}
