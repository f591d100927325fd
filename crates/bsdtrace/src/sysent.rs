//! The Linux system call tables of the two x86 ABIs a process on x86-64 can
//! use: x86-64 ([`TABLE`]) and i386 ([`TABLE_I386`], `int $0x80`, the vDSO's
//! `sysenter`, and every call of a 32-bit program). One row per syscall,
//! with the kinds of its arguments, the kind of its return value and its
//! strace-style classes; [`Arch`] picks the table.
//!
//! This is the *signature* half of a syscall tracer, written as data in the
//! manner of strace's `syscallent.h`: a decoder walks a row's [`Arg`] kinds
//! and prints each with a small printer per kind, instead of carrying one
//! hand-written printer per syscall. Nothing here reads tracee memory or
//! formats text; it only says what each argument *is*.
//!
//! `nargs` is the real number of arguments the kernel reads, which is what
//! FreeBSD reports as `pl_syscall_narg` and what a tracer copies out for
//! `PT_GET_SC_ARGS`. It is always `args.len()`, and it is the count in the
//! kernel's own syscall metadata (`/sys/kernel/tracing/events/syscalls`),
//! which a test checks where tracefs is mounted: so preadv and pwritev take
//! 5 (their `pos_h` is read, and ignored, on 64-bit), where strace says 4.
//!
//! [`TABLE`]'s numbers are those of the x86-64 ABI (x32 calls are x86-64
//! calls with bit 30 set), and the free functions ([`by_number`], [`nargs`]...)
//! read it; [`Arch::I386`]'s methods read [`TABLE_I386`], the ia32 ABI's
//! numbers. Numbers the kernel has never assigned (x86-64: 335..=423 apart
//! from the uprobe calls) have no row: `by_number` returns `None` for them.
//!
//! An i386 row has one argument per register the kernel reads (`ebx`,
//! `ecx`, `edx`, `esi`, `edi`, `ebp`): a 64-bit offset passed in two
//! registers is [`Arg::OffLo`] then [`Arg::OffHi`] (or the reverse, as
//! `_llseek` takes them), so `nargs` stays the kernel's count (pread64
//! takes 5 there). Kinds that name a structure mean the structure of the
//! row's ABI: [`Arg::StatOut`] of i386's `stat` is the 32-bit `struct stat`,
//! a `TimespecIn` of i386's `nanosleep` has 32-bit fields; the `*_time64`
//! calls take [`Arg::Timespec64In`].
//!
//! ```
//! use bsdtrace::sysent::{self, Arg, Class};
//! let openat = sysent::by_name("openat").unwrap();
//! assert_eq!(openat.number, 257);
//! assert_eq!(openat.args, &[Arg::Dirfd, Arg::Path, Arg::OpenFlags, Arg::Mode]);
//! assert!(openat.class.contains(Class::FILE | Class::DESC));
//! assert_eq!(sysent::nargs(9), 6); // mmap
//! ```

use bitflags::bitflags;

/// What an argument is, and so how a tracer prints it.
///
/// Kinds named `...Out` (and [`Arg::BufOut`], [`Arg::IovecOut`],
/// [`Arg::FdPairOut`], [`Arg::PathOut`], [`Arg::SockaddrOut`]) point at memory
/// the kernel fills in: read them at syscall *exit*, and only when the call
/// succeeded. Every other kind is an input and is read at syscall *entry*
/// (the tracee may change or free the memory before the call returns).
///
/// A `u8` payload is the index (0-based) of the argument that holds the
/// length or count belonging to this one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Arg {
    /// Signed decimal `int` (32 bits: the kernel ignores the upper half of
    /// the register, and callers leave garbage there).
    Int,
    /// Signed 64-bit file offset or length (`off_t`, `loff_t`).
    Off,
    /// Unsigned decimal integer (`size_t`, `unsigned int`).
    Uint,
    /// Integer best read in hex (opaque flags, keys, offsets into maps).
    Hex,
    /// A pointer that is not followed.
    Ptr,
    /// A file descriptor.
    Fd,
    /// A directory file descriptor for the `*at` calls (`AT_FDCWD` = -100).
    Dirfd,
    /// A user or group id, 32 bits; `-1` means "unchanged".
    Id,
    /// A NUL-terminated path name in tracee memory.
    Path,
    /// A NUL-terminated string in tracee memory that is not a path.
    Str,
    /// A NUL-terminated path the kernel writes (getcwd); read at exit.
    PathOut,
    /// An input buffer whose length is in argument `.0`.
    BufIn(u8),
    /// An output buffer of capacity argument `.0`; the return value says how
    /// many bytes are valid.
    BufOut(u8),
    /// Input `struct iovec[]` whose element count is argument `.0`.
    IovecIn(u8),
    /// Output `struct iovec[]` (count in argument `.0`); the return value
    /// says how many bytes were filled.
    IovecOut(u8),
    /// `fd_set` of select/pselect6 holding argument `.0` (nfds) bits.
    FdSet(u8),
    /// `struct msghdr` of sendmsg (name, iovec, control).
    MsghdrIn,
    /// `struct msghdr` of recvmsg; the return value says how many bytes
    /// the iovec received.
    MsghdrOut,
    /// `struct clone_args` of clone3.
    CloneArgs,
    /// futex's fourth argument: a timeout for the wait operations, a count
    /// (`val2`) for the others; which depends on the operation in argument 1.
    FutexTimeout,
    /// `struct pollfd[]` whose count is argument `.0`.
    Pollfd(u8),
    /// `struct sockaddr` input whose length is argument `.0`.
    SockaddrIn(u8),
    /// `struct sockaddr` output whose length is in the `socklen_t` that
    /// argument `.0` points at.
    SockaddrOut(u8),
    /// `int[2]` filled by pipe/pipe2/socketpair.
    FdPairOut,
    /// execve argument vector (`char *const argv[]`).
    Argv,
    /// execve environment (`char *const envp[]`).
    Envp,
    /// `O_*` flags of open/openat and the `*_CLOEXEC`-style flags that share them.
    OpenFlags,
    /// Descriptor flags of the calls that create one (`O_CLOEXEC|O_NONBLOCK`
    /// for pipe2, dup3, eventfd2, epoll_create1...): open flags without the
    /// access mode, 0 printed as `0`.
    FdFlags,
    /// File mode bits, printed in octal.
    Mode,
    /// access(2) mode: `F_OK` or `R_OK|W_OK|X_OK`.
    AccessMode,
    /// `AT_*` flags (`AT_SYMLINK_NOFOLLOW`, `AT_EMPTY_PATH`, ...).
    AtFlags,
    /// unlinkat(2) flags (`AT_REMOVEDIR`).
    UnlinkatFlags,
    /// `PROT_*` of mmap/mprotect.
    ProtFlags,
    /// `MAP_*` of mmap.
    MmapFlags,
    /// `MREMAP_*`.
    MremapFlags,
    /// `MS_*` of msync.
    MsyncFlags,
    /// `MADV_*` advice.
    Madvise,
    /// `POSIX_FADV_*` advice of fadvise64.
    Fadvise,
    /// `CLONE_*` flags (clone, unshare, setns), low byte the exit signal.
    CloneFlags,
    /// A signal number.
    Signal,
    /// `SIG_BLOCK`/`SIG_UNBLOCK`/`SIG_SETMASK`.
    SigHow,
    /// `struct sigaction` the call installs.
    SigactionIn,
    /// `struct sigaction` the call returns (old action).
    SigactionOut,
    /// `sigset_t` input.
    SigsetIn,
    /// `sigset_t` output.
    SigsetOut,
    /// `struct timespec` input.
    TimespecIn,
    /// `struct timespec` output.
    TimespecOut,
    /// `struct timeval` input.
    TimevalIn,
    /// `struct timeval` output.
    TimevalOut,
    /// `struct stat` output.
    StatOut,
    /// `struct statx` output.
    StatxOut,
    /// `SEEK_*`.
    Whence,
    /// ioctl request code.
    IoctlReq,
    /// fcntl command.
    FcntlCmd,
    /// fcntl's third argument, whose meaning depends on the command in argument 1.
    FcntlArg,
    /// `LOCK_*` of flock.
    FlockOp,
    /// Socket domain `AF_*`.
    SockDomain,
    /// Socket type `SOCK_*`, with `SOCK_NONBLOCK|SOCK_CLOEXEC`.
    SockType,
    /// accept4 flags (`SOCK_NONBLOCK|SOCK_CLOEXEC`).
    SockFlags,
    /// setsockopt/getsockopt level (`SOL_SOCKET`, `IPPROTO_TCP`, ...).
    SockLevel,
    /// `MSG_*` flags of send/recv.
    MsgFlags,
    /// `SHUT_RD`/`SHUT_WR`/`SHUT_RDWR`.
    ShutdownHow,
    /// wait4/waitid options (`WNOHANG|WUNTRACED|__WALL`...).
    WaitOptions,
    /// `int *` wait status written by wait4.
    WaitStatusOut,
    /// `struct rusage` output.
    RusageOut,
    /// waitid id type (`P_PID`, `P_ALL`, ...).
    IdType,
    /// clockid_t (`CLOCK_MONOTONIC`...).
    ClockId,
    /// futex operation (`FUTEX_WAIT_PRIVATE`...).
    FutexOp,
    /// arch_prctl code (`ARCH_SET_FS`...).
    ArchPrctlCode,
    /// prctl option (`PR_SET_NAME`...).
    PrctlOption,
    /// ptrace request (`PTRACE_TRACEME`...).
    PtraceRequest,
    /// `RLIMIT_*`.
    RlimitResource,
    /// `struct rlimit` input.
    RlimitIn,
    /// `struct rlimit` output.
    RlimitOut,
    /// `struct utsname` output.
    UtsnameOut,
    /// `EPOLL_CTL_*`.
    EpollCtlOp,
    /// `ITIMER_*`.
    ItimerWhich,
    /// i386: the low 32 bits of a 64-bit offset or length, whose high half
    /// is the [`Arg::OffHi`] next to it (after it, or before it for
    /// `_llseek`).
    OffLo,
    /// i386: the high 32 bits of the 64-bit value of the [`Arg::OffLo`]
    /// beside it; printed with it, not on its own.
    OffHi,
    /// mmap2's offset, in 4096-byte pages.
    PageOffset,
    /// i386 `struct stat64` output (stat64, lstat64, fstat64, fstatat64).
    Stat64Out,
    /// `struct __kernel_timespec` (64-bit fields) input: the i386
    /// `*_time64` calls.
    Timespec64In,
    /// `struct __kernel_timespec` output.
    Timespec64Out,
    /// `struct user_desc` (set_thread_area, get_thread_area): in, and
    /// `entry_number` out.
    UserDesc,
    /// i386 `struct old_sigaction` the call installs (sigaction).
    OldSigactionIn,
    /// i386 `struct old_sigaction` the call returns.
    OldSigactionOut,
    /// i386 `old_sigset_t` (one word) passed by value.
    OldSigset,
}

/// What a syscall returns when it succeeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Ret {
    /// An integer (count, id, 0).
    Int,
    /// A new file descriptor.
    Fd,
    /// An address (mmap, brk, shmat).
    Ptr,
    /// The call does not return to the caller (exit, exit_group).
    NoReturn,
}

bitflags! {
    /// strace's trace classes (`-e trace=%file` ...), with strace's
    /// definitions: `%file` takes a file name, `%desc` a file descriptor,
    /// `%network` is socket-related, `%process` manages processes,
    /// `%signal` is signal-related, `%memory` maps memory, `%ipc` is SysV
    /// IPC, `%creds` reads or changes credentials, `%clock` reads or sets
    /// clocks, `%pure` takes no argument and never fails.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Class: u32 {
        /// `%file`: takes a file name.
        const FILE = 1 << 0;
        /// `%desc`: takes or returns a file descriptor.
        const DESC = 1 << 1;
        /// `%network`: socket-related.
        const NETWORK = 1 << 2;
        /// `%process`: creates, runs or ends processes.
        const PROCESS = 1 << 3;
        /// `%signal`: signal-related.
        const SIGNAL = 1 << 4;
        /// `%memory`: maps memory.
        const MEMORY = 1 << 5;
        /// `%ipc`: SysV IPC.
        const IPC = 1 << 6;
        /// `%creds`: reads or changes credentials.
        const CREDS = 1 << 7;
        /// `%clock`: reads or sets clocks.
        const CLOCK = 1 << 8;
        /// `%pure`: no argument, never fails.
        const PURE = 1 << 9;
        /// `%stat`: stat by name.
        const STAT = 1 << 10;
        /// `%lstat`: lstat by name.
        const LSTAT = 1 << 11;
        /// `%fstat`: stat by descriptor (fstat, newfstatat, statx).
        const FSTAT = 1 << 12;
        /// `%%stat`: every stat variant.
        const STAT_LIKE = 1 << 13;
        /// `%statfs`: statfs by name.
        const STATFS = 1 << 14;
        /// `%fstatfs`: statfs by descriptor.
        const FSTATFS = 1 << 15;
        /// `%%statfs`: every statfs variant.
        const STATFS_LIKE = 1 << 16;
    }
}

impl Class {
    /// The class for a name as strace spells it after `%` (`"file"`,
    /// `"net"`/`"network"`, `"%stat"` for `%%stat`...).
    pub fn by_name(name: &str) -> Option<Class> {
        Some(match name {
            "file" => Class::FILE,
            "desc" => Class::DESC,
            "net" | "network" => Class::NETWORK,
            "process" => Class::PROCESS,
            "signal" => Class::SIGNAL,
            "memory" => Class::MEMORY,
            "ipc" => Class::IPC,
            "creds" => Class::CREDS,
            "clock" => Class::CLOCK,
            "pure" => Class::PURE,
            "stat" => Class::STAT,
            "lstat" => Class::LSTAT,
            "fstat" => Class::FSTAT,
            "%stat" => Class::STAT_LIKE,
            "statfs" => Class::STATFS,
            "fstatfs" => Class::FSTATFS,
            "%statfs" => Class::STATFS_LIKE,
            _ => return None,
        })
    }
}

/// One row of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Syscall {
    /// The x86-64 syscall number (`orig_rax`).
    pub number: u32,
    /// The kernel's name for it (`pread64`, `newfstatat`, `_sysctl`).
    pub name: &'static str,
    /// How many arguments the kernel reads; equal to `args.len()`.
    pub nargs: u8,
    /// What it returns.
    pub ret: Ret,
    /// strace classes.
    pub class: Class,
    /// The arguments, in order.
    pub args: &'static [Arg],
}

const fn r(number: u32, name: &'static str, ret: Ret, class: u32, args: &'static [Arg]) -> Syscall {
    Syscall {
        number,
        name,
        nargs: args.len() as u8,
        ret,
        class: Class::from_bits_retain(class),
        args,
    }
}

const F: u32 = Class::FILE.bits();
const D: u32 = Class::DESC.bits();
const N: u32 = Class::NETWORK.bits();
const P: u32 = Class::PROCESS.bits();
const S: u32 = Class::SIGNAL.bits();
const M: u32 = Class::MEMORY.bits();
const I: u32 = Class::IPC.bits();
const C: u32 = Class::CREDS.bits();
const CL: u32 = Class::CLOCK.bits();
const PU: u32 = Class::PURE.bits();
const ST: u32 = Class::STAT.bits() | Class::STAT_LIKE.bits();
const LST: u32 = Class::LSTAT.bits() | Class::STAT_LIKE.bits();
const FST: u32 = Class::FSTAT.bits() | Class::STAT_LIKE.bits();
const SF: u32 = Class::STATFS.bits() | Class::STATFS_LIKE.bits();
const FSF: u32 = Class::FSTATFS.bits() | Class::STATFS_LIKE.bits();
const SFA: u32 = Class::STATFS_LIKE.bits();

use Arg::*;
use Ret::{Fd as RFd, Int as RInt, NoReturn, Ptr as RPtr};

const H2: &[Arg] = &[Hex, Hex];
const H3: &[Arg] = &[Hex, Hex, Hex];
const H4: &[Arg] = &[Hex, Hex, Hex, Hex];
const H5: &[Arg] = &[Hex, Hex, Hex, Hex, Hex];

/// Every x86-64 syscall, sorted by number.
#[rustfmt::skip]
pub static TABLE: &[Syscall] = &[
    r(0, "read", RInt, D, &[Fd, BufOut(2), Uint]),
    r(1, "write", RInt, D, &[Fd, BufIn(2), Uint]),
    r(2, "open", RFd, D | F, &[Path, OpenFlags, Mode]),
    r(3, "close", RInt, D, &[Fd]),
    r(4, "stat", RInt, F | ST, &[Path, StatOut]),
    r(5, "fstat", RInt, D | FST, &[Fd, StatOut]),
    r(6, "lstat", RInt, F | LST, &[Path, StatOut]),
    r(7, "poll", RInt, D, &[Pollfd(1), Uint, Int]),
    r(8, "lseek", RInt, D, &[Fd, Off, Whence]),
    r(9, "mmap", RPtr, D | M, &[Ptr, Uint, ProtFlags, MmapFlags, Fd, Hex]),
    r(10, "mprotect", RInt, M, &[Ptr, Uint, ProtFlags]),
    r(11, "munmap", RInt, M, &[Ptr, Uint]),
    r(12, "brk", RPtr, M, &[Ptr]),
    r(13, "rt_sigaction", RInt, S, &[Signal, SigactionIn, SigactionOut, Uint]),
    r(14, "rt_sigprocmask", RInt, S, &[SigHow, SigsetIn, SigsetOut, Uint]),
    r(15, "rt_sigreturn", RInt, S, &[]),
    r(16, "ioctl", RInt, D, &[Fd, IoctlReq, Hex]),
    r(17, "pread64", RInt, D, &[Fd, BufOut(2), Uint, Off]),
    r(18, "pwrite64", RInt, D, &[Fd, BufIn(2), Uint, Off]),
    r(19, "readv", RInt, D, &[Fd, IovecOut(2), Int]),
    r(20, "writev", RInt, D, &[Fd, IovecIn(2), Int]),
    r(21, "access", RInt, F, &[Path, AccessMode]),
    r(22, "pipe", RInt, D, &[FdPairOut]),
    r(23, "select", RInt, D, &[Int, FdSet(0), FdSet(0), FdSet(0), TimevalIn]),
    r(24, "sched_yield", RInt, 0, &[]),
    r(25, "mremap", RPtr, M, &[Ptr, Uint, Uint, MremapFlags, Ptr]),
    r(26, "msync", RInt, M, &[Ptr, Uint, MsyncFlags]),
    r(27, "mincore", RInt, M, &[Ptr, Uint, Ptr]),
    r(28, "madvise", RInt, M, &[Ptr, Uint, Madvise]),
    r(29, "shmget", RInt, I, &[Hex, Uint, Hex]),
    r(30, "shmat", RPtr, I | M, &[Int, Ptr, Hex]),
    r(31, "shmctl", RInt, I, &[Int, Int, Ptr]),
    r(32, "dup", RFd, D, &[Fd]),
    r(33, "dup2", RFd, D, &[Fd, Fd]),
    r(34, "pause", RInt, S, &[]),
    r(35, "nanosleep", RInt, 0, &[TimespecIn, TimespecOut]),
    r(36, "getitimer", RInt, 0, &[ItimerWhich, Ptr]),
    r(37, "alarm", RInt, 0, &[Uint]),
    r(38, "setitimer", RInt, 0, &[ItimerWhich, Ptr, Ptr]),
    r(39, "getpid", RInt, PU, &[]),
    r(40, "sendfile", RInt, D | N, &[Fd, Fd, Ptr, Uint]),
    r(41, "socket", RFd, N, &[SockDomain, SockType, Int]),
    r(42, "connect", RInt, N, &[Fd, SockaddrIn(2), Uint]),
    r(43, "accept", RFd, N, &[Fd, SockaddrOut(2), Ptr]),
    r(44, "sendto", RInt, N, &[Fd, BufIn(2), Uint, MsgFlags, SockaddrIn(5), Uint]),
    r(45, "recvfrom", RInt, N, &[Fd, BufOut(2), Uint, MsgFlags, SockaddrOut(5), Ptr]),
    r(46, "sendmsg", RInt, N, &[Fd, MsghdrIn, MsgFlags]),
    r(47, "recvmsg", RInt, N, &[Fd, MsghdrOut, MsgFlags]),
    r(48, "shutdown", RInt, N, &[Fd, ShutdownHow]),
    r(49, "bind", RInt, N, &[Fd, SockaddrIn(2), Uint]),
    r(50, "listen", RInt, N, &[Fd, Int]),
    r(51, "getsockname", RInt, N, &[Fd, SockaddrOut(2), Ptr]),
    r(52, "getpeername", RInt, N, &[Fd, SockaddrOut(2), Ptr]),
    r(53, "socketpair", RInt, N, &[SockDomain, SockType, Int, FdPairOut]),
    r(54, "setsockopt", RInt, N, &[Fd, SockLevel, Int, Ptr, Uint]),
    r(55, "getsockopt", RInt, N, &[Fd, SockLevel, Int, Ptr, Ptr]),
    r(56, "clone", RInt, P, &[CloneFlags, Ptr, Ptr, Ptr, Hex]),
    r(57, "fork", RInt, P, &[]),
    r(58, "vfork", RInt, P, &[]),
    r(59, "execve", RInt, F | P, &[Path, Argv, Envp]),
    r(60, "exit", NoReturn, P, &[Int]),
    r(61, "wait4", RInt, P, &[Int, WaitStatusOut, WaitOptions, RusageOut]),
    r(62, "kill", RInt, S | P, &[Int, Signal]),
    r(63, "uname", RInt, 0, &[UtsnameOut]),
    r(64, "semget", RInt, I, &[Hex, Int, Hex]),
    r(65, "semop", RInt, I, &[Int, Ptr, Uint]),
    r(66, "semctl", RInt, I, &[Int, Int, Int, Hex]),
    r(67, "shmdt", RInt, I | M, &[Ptr]),
    r(68, "msgget", RInt, I, &[Hex, Hex]),
    r(69, "msgsnd", RInt, I, &[Int, Ptr, Uint, Hex]),
    r(70, "msgrcv", RInt, I, &[Int, Ptr, Uint, Int, Hex]),
    r(71, "msgctl", RInt, I, &[Int, Int, Ptr]),
    r(72, "fcntl", RInt, D, &[Fd, FcntlCmd, FcntlArg]),
    r(73, "flock", RInt, D, &[Fd, FlockOp]),
    r(74, "fsync", RInt, D, &[Fd]),
    r(75, "fdatasync", RInt, D, &[Fd]),
    r(76, "truncate", RInt, F, &[Path, Off]),
    r(77, "ftruncate", RInt, D, &[Fd, Off]),
    r(78, "getdents", RInt, D, &[Fd, Ptr, Uint]),
    r(79, "getcwd", RInt, F, &[PathOut, Uint]),
    r(80, "chdir", RInt, F, &[Path]),
    r(81, "fchdir", RInt, D, &[Fd]),
    r(82, "rename", RInt, F, &[Path, Path]),
    r(83, "mkdir", RInt, F, &[Path, Mode]),
    r(84, "rmdir", RInt, F, &[Path]),
    r(85, "creat", RFd, D | F, &[Path, Mode]),
    r(86, "link", RInt, F, &[Path, Path]),
    r(87, "unlink", RInt, F, &[Path]),
    r(88, "symlink", RInt, F, &[Path, Path]),
    r(89, "readlink", RInt, F, &[Path, BufOut(2), Uint]),
    r(90, "chmod", RInt, F, &[Path, Mode]),
    r(91, "fchmod", RInt, D, &[Fd, Mode]),
    r(92, "chown", RInt, F, &[Path, Id, Id]),
    r(93, "fchown", RInt, D, &[Fd, Id, Id]),
    r(94, "lchown", RInt, F, &[Path, Id, Id]),
    r(95, "umask", RInt, 0, &[Mode]),
    r(96, "gettimeofday", RInt, CL, &[TimevalOut, Ptr]),
    r(97, "getrlimit", RInt, 0, &[RlimitResource, RlimitOut]),
    r(98, "getrusage", RInt, 0, &[Int, RusageOut]),
    r(99, "sysinfo", RInt, 0, &[Ptr]),
    r(100, "times", RInt, 0, &[Ptr]),
    r(101, "ptrace", RInt, 0, &[PtraceRequest, Int, Ptr, Hex]),
    r(102, "getuid", RInt, C | PU, &[]),
    r(103, "syslog", RInt, 0, &[Int, Ptr, Int]),
    r(104, "getgid", RInt, C | PU, &[]),
    r(105, "setuid", RInt, C, &[Id]),
    r(106, "setgid", RInt, C, &[Id]),
    r(107, "geteuid", RInt, C | PU, &[]),
    r(108, "getegid", RInt, C | PU, &[]),
    r(109, "setpgid", RInt, 0, &[Int, Int]),
    r(110, "getppid", RInt, PU, &[]),
    r(111, "getpgrp", RInt, PU, &[]),
    r(112, "setsid", RInt, 0, &[]),
    r(113, "setreuid", RInt, C, &[Id, Id]),
    r(114, "setregid", RInt, C, &[Id, Id]),
    r(115, "getgroups", RInt, C, &[Int, Ptr]),
    r(116, "setgroups", RInt, C, &[Int, Ptr]),
    r(117, "setresuid", RInt, C, &[Id, Id, Id]),
    r(118, "getresuid", RInt, C, &[Ptr, Ptr, Ptr]),
    r(119, "setresgid", RInt, C, &[Id, Id, Id]),
    r(120, "getresgid", RInt, C, &[Ptr, Ptr, Ptr]),
    r(121, "getpgid", RInt, 0, &[Int]),
    r(122, "setfsuid", RInt, C, &[Id]),
    r(123, "setfsgid", RInt, C, &[Id]),
    r(124, "getsid", RInt, 0, &[Int]),
    r(125, "capget", RInt, C, &[Ptr, Ptr]),
    r(126, "capset", RInt, C, &[Ptr, Ptr]),
    r(127, "rt_sigpending", RInt, S, &[SigsetOut, Uint]),
    r(128, "rt_sigtimedwait", RInt, S, &[SigsetIn, Ptr, TimespecIn, Uint]),
    r(129, "rt_sigqueueinfo", RInt, S | P, &[Int, Signal, Ptr]),
    r(130, "rt_sigsuspend", RInt, S, &[SigsetIn, Uint]),
    r(131, "sigaltstack", RInt, S, &[Ptr, Ptr]),
    r(132, "utime", RInt, F, &[Path, Ptr]),
    r(133, "mknod", RInt, F, &[Path, Mode, Hex]),
    r(134, "uselib", RInt, F, &[Path]),
    r(135, "personality", RInt, 0, &[Hex]),
    r(136, "ustat", RInt, SFA, &[Hex, Ptr]),
    r(137, "statfs", RInt, F | SF, &[Path, Ptr]),
    r(138, "fstatfs", RInt, D | FSF, &[Fd, Ptr]),
    r(139, "sysfs", RInt, 0, &[Int, Hex, Hex]),
    r(140, "getpriority", RInt, 0, &[Int, Int]),
    r(141, "setpriority", RInt, 0, &[Int, Int, Int]),
    r(142, "sched_setparam", RInt, 0, &[Int, Ptr]),
    r(143, "sched_getparam", RInt, 0, &[Int, Ptr]),
    r(144, "sched_setscheduler", RInt, 0, &[Int, Int, Ptr]),
    r(145, "sched_getscheduler", RInt, 0, &[Int]),
    r(146, "sched_get_priority_max", RInt, 0, &[Int]),
    r(147, "sched_get_priority_min", RInt, 0, &[Int]),
    r(148, "sched_rr_get_interval", RInt, 0, &[Int, TimespecOut]),
    r(149, "mlock", RInt, M, &[Ptr, Uint]),
    r(150, "munlock", RInt, M, &[Ptr, Uint]),
    r(151, "mlockall", RInt, M, &[Hex]),
    r(152, "munlockall", RInt, M, &[]),
    r(153, "vhangup", RInt, 0, &[]),
    r(154, "modify_ldt", RInt, 0, &[Int, Ptr, Uint]),
    r(155, "pivot_root", RInt, F, &[Path, Path]),
    r(156, "_sysctl", RInt, 0, &[Ptr]),
    r(157, "prctl", RInt, C, &[PrctlOption, Hex, Hex, Hex, Hex]),
    r(158, "arch_prctl", RInt, 0, &[ArchPrctlCode, Hex]),
    r(159, "adjtimex", RInt, CL, &[Ptr]),
    r(160, "setrlimit", RInt, 0, &[RlimitResource, RlimitIn]),
    r(161, "chroot", RInt, F, &[Path]),
    r(162, "sync", RInt, 0, &[]),
    r(163, "acct", RInt, F, &[Path]),
    r(164, "settimeofday", RInt, CL, &[TimevalIn, Ptr]),
    r(165, "mount", RInt, F, &[Str, Path, Str, Hex, Ptr]),
    r(166, "umount2", RInt, F, &[Path, Hex]),
    r(167, "swapon", RInt, F, &[Path, Hex]),
    r(168, "swapoff", RInt, F, &[Path]),
    r(169, "reboot", RInt, 0, &[Hex, Hex, Hex, Ptr]),
    r(170, "sethostname", RInt, 0, &[BufIn(1), Uint]),
    r(171, "setdomainname", RInt, 0, &[BufIn(1), Uint]),
    r(172, "iopl", RInt, 0, &[Int]),
    r(173, "ioperm", RInt, 0, &[Hex, Uint, Int]),
    r(174, "create_module", RInt, 0, &[Str, Uint]),
    r(175, "init_module", RInt, 0, &[Ptr, Uint, Str]),
    r(176, "delete_module", RInt, 0, &[Str, Hex]),
    r(177, "get_kernel_syms", RInt, 0, &[Ptr]),
    r(178, "query_module", RInt, 0, &[Str, Int, Ptr, Uint, Ptr]),
    r(179, "quotactl", RInt, F, &[Hex, Path, Int, Ptr]),
    r(180, "nfsservctl", RInt, 0, &[Int, Ptr, Ptr]),
    r(181, "getpmsg", RInt, N, H5),
    r(182, "putpmsg", RInt, N, H5),
    r(183, "afs_syscall", RInt, 0, H5),
    r(184, "tuxcall", RInt, 0, H3),
    r(185, "security", RInt, 0, H3),
    r(186, "gettid", RInt, PU, &[]),
    r(187, "readahead", RInt, D, &[Fd, Off, Uint]),
    r(188, "setxattr", RInt, F, &[Path, Str, Ptr, Uint, Hex]),
    r(189, "lsetxattr", RInt, F, &[Path, Str, Ptr, Uint, Hex]),
    r(190, "fsetxattr", RInt, D, &[Fd, Str, Ptr, Uint, Hex]),
    r(191, "getxattr", RInt, F, &[Path, Str, Ptr, Uint]),
    r(192, "lgetxattr", RInt, F, &[Path, Str, Ptr, Uint]),
    r(193, "fgetxattr", RInt, D, &[Fd, Str, Ptr, Uint]),
    r(194, "listxattr", RInt, F, &[Path, Ptr, Uint]),
    r(195, "llistxattr", RInt, F, &[Path, Ptr, Uint]),
    r(196, "flistxattr", RInt, D, &[Fd, Ptr, Uint]),
    r(197, "removexattr", RInt, F, &[Path, Str]),
    r(198, "lremovexattr", RInt, F, &[Path, Str]),
    r(199, "fremovexattr", RInt, D, &[Fd, Str]),
    r(200, "tkill", RInt, S | P, &[Int, Signal]),
    r(201, "time", RInt, CL, &[Ptr]),
    r(202, "futex", RInt, 0, &[Ptr, FutexOp, Int, FutexTimeout, Ptr, Int]),
    r(203, "sched_setaffinity", RInt, 0, &[Int, Uint, Ptr]),
    r(204, "sched_getaffinity", RInt, 0, &[Int, Uint, Ptr]),
    r(205, "set_thread_area", RInt, 0, &[Ptr]),
    r(206, "io_setup", RInt, M, &[Uint, Ptr]),
    r(207, "io_destroy", RInt, M, &[Hex]),
    r(208, "io_getevents", RInt, 0, &[Hex, Int, Int, Ptr, TimespecIn]),
    r(209, "io_submit", RInt, 0, &[Hex, Int, Ptr]),
    r(210, "io_cancel", RInt, 0, &[Hex, Ptr, Ptr]),
    r(211, "get_thread_area", RInt, 0, &[Ptr]),
    r(212, "lookup_dcookie", RInt, 0, &[Hex, Ptr, Uint]),
    r(213, "epoll_create", RFd, D, &[Int]),
    r(214, "epoll_ctl_old", RInt, 0, H4),
    r(215, "epoll_wait_old", RInt, 0, H4),
    r(216, "remap_file_pages", RInt, M, &[Ptr, Uint, ProtFlags, Uint, Hex]),
    r(217, "getdents64", RInt, D, &[Fd, Ptr, Uint]),
    r(218, "set_tid_address", RInt, 0, &[Ptr]),
    r(219, "restart_syscall", RInt, 0, &[]),
    r(220, "semtimedop", RInt, I, &[Int, Ptr, Uint, TimespecIn]),
    r(221, "fadvise64", RInt, D, &[Fd, Off, Uint, Fadvise]),
    r(222, "timer_create", RInt, 0, &[ClockId, Ptr, Ptr]),
    r(223, "timer_settime", RInt, 0, &[Int, Hex, Ptr, Ptr]),
    r(224, "timer_gettime", RInt, 0, &[Int, Ptr]),
    r(225, "timer_getoverrun", RInt, 0, &[Int]),
    r(226, "timer_delete", RInt, 0, &[Int]),
    r(227, "clock_settime", RInt, CL, &[ClockId, TimespecIn]),
    r(228, "clock_gettime", RInt, CL, &[ClockId, TimespecOut]),
    r(229, "clock_getres", RInt, CL, &[ClockId, TimespecOut]),
    r(230, "clock_nanosleep", RInt, 0, &[ClockId, Hex, TimespecIn, TimespecOut]),
    r(231, "exit_group", NoReturn, P, &[Int]),
    r(232, "epoll_wait", RInt, D, &[Fd, Ptr, Int, Int]),
    r(233, "epoll_ctl", RInt, D, &[Fd, EpollCtlOp, Fd, Ptr]),
    r(234, "tgkill", RInt, S | P, &[Int, Int, Signal]),
    r(235, "utimes", RInt, F, &[Path, Ptr]),
    r(236, "vserver", RInt, 0, H5),
    r(237, "mbind", RInt, M, &[Ptr, Uint, Int, Ptr, Uint, Hex]),
    r(238, "set_mempolicy", RInt, M, &[Int, Ptr, Uint]),
    r(239, "get_mempolicy", RInt, M, &[Ptr, Ptr, Uint, Ptr, Hex]),
    r(240, "mq_open", RFd, D, &[Str, OpenFlags, Mode, Ptr]),
    r(241, "mq_unlink", RInt, 0, &[Str]),
    r(242, "mq_timedsend", RInt, D, &[Fd, BufIn(2), Uint, Uint, TimespecIn]),
    r(243, "mq_timedreceive", RInt, D, &[Fd, BufOut(2), Uint, Ptr, TimespecIn]),
    r(244, "mq_notify", RInt, D, &[Fd, Ptr]),
    r(245, "mq_getsetattr", RInt, D, &[Fd, Ptr, Ptr]),
    r(246, "kexec_load", RInt, 0, &[Hex, Uint, Ptr, Hex]),
    r(247, "waitid", RInt, P, &[IdType, Int, Ptr, WaitOptions, RusageOut]),
    r(248, "add_key", RInt, 0, &[Str, Str, Ptr, Uint, Int]),
    r(249, "request_key", RInt, 0, &[Str, Str, Str, Int]),
    r(250, "keyctl", RInt, 0, &[Int, Hex, Hex, Hex, Hex]),
    r(251, "ioprio_set", RInt, 0, &[Int, Int, Int]),
    r(252, "ioprio_get", RInt, 0, &[Int, Int]),
    r(253, "inotify_init", RFd, D, &[]),
    r(254, "inotify_add_watch", RInt, D | F, &[Fd, Path, Hex]),
    r(255, "inotify_rm_watch", RInt, D, &[Fd, Int]),
    r(256, "migrate_pages", RInt, M, &[Int, Uint, Ptr, Ptr]),
    r(257, "openat", RFd, D | F, &[Dirfd, Path, OpenFlags, Mode]),
    r(258, "mkdirat", RInt, D | F, &[Dirfd, Path, Mode]),
    r(259, "mknodat", RInt, D | F, &[Dirfd, Path, Mode, Hex]),
    r(260, "fchownat", RInt, D | F, &[Dirfd, Path, Id, Id, AtFlags]),
    r(261, "futimesat", RInt, D | F, &[Dirfd, Path, Ptr]),
    r(262, "newfstatat", RInt, D | F | FST, &[Dirfd, Path, StatOut, AtFlags]),
    r(263, "unlinkat", RInt, D | F, &[Dirfd, Path, UnlinkatFlags]),
    r(264, "renameat", RInt, D | F, &[Dirfd, Path, Dirfd, Path]),
    r(265, "linkat", RInt, D | F, &[Dirfd, Path, Dirfd, Path, AtFlags]),
    r(266, "symlinkat", RInt, D | F, &[Path, Dirfd, Path]),
    r(267, "readlinkat", RInt, D | F, &[Dirfd, Path, BufOut(3), Uint]),
    r(268, "fchmodat", RInt, D | F, &[Dirfd, Path, Mode]),
    r(269, "faccessat", RInt, D | F, &[Dirfd, Path, AccessMode]),
    r(270, "pselect6", RInt, D, &[Int, FdSet(0), FdSet(0), FdSet(0), TimespecIn, Ptr]),
    r(271, "ppoll", RInt, D, &[Pollfd(1), Uint, TimespecIn, SigsetIn, Uint]),
    r(272, "unshare", RInt, 0, &[CloneFlags]),
    r(273, "set_robust_list", RInt, 0, &[Ptr, Uint]),
    r(274, "get_robust_list", RInt, 0, &[Int, Ptr, Ptr]),
    r(275, "splice", RInt, D, &[Fd, Ptr, Fd, Ptr, Uint, Hex]),
    r(276, "tee", RInt, D, &[Fd, Fd, Uint, Hex]),
    r(277, "sync_file_range", RInt, D, &[Fd, Off, Off, Hex]),
    r(278, "vmsplice", RInt, D, &[Fd, IovecIn(2), Uint, Hex]),
    r(279, "move_pages", RInt, M, &[Int, Uint, Ptr, Ptr, Ptr, Hex]),
    r(280, "utimensat", RInt, D | F, &[Dirfd, Path, Ptr, AtFlags]),
    r(281, "epoll_pwait", RInt, D, &[Fd, Ptr, Int, Int, SigsetIn, Uint]),
    r(282, "signalfd", RFd, D | S, &[Fd, SigsetIn, Uint]),
    r(283, "timerfd_create", RFd, D, &[ClockId, FdFlags]),
    r(284, "eventfd", RFd, D, &[Uint]),
    r(285, "fallocate", RInt, D, &[Fd, Hex, Off, Off]),
    r(286, "timerfd_settime", RInt, D, &[Fd, Hex, Ptr, Ptr]),
    r(287, "timerfd_gettime", RInt, D, &[Fd, Ptr]),
    r(288, "accept4", RFd, N, &[Fd, SockaddrOut(2), Ptr, SockFlags]),
    r(289, "signalfd4", RFd, D | S, &[Fd, SigsetIn, Uint, FdFlags]),
    r(290, "eventfd2", RFd, D, &[Uint, FdFlags]),
    r(291, "epoll_create1", RFd, D, &[FdFlags]),
    r(292, "dup3", RFd, D, &[Fd, Fd, FdFlags]),
    r(293, "pipe2", RInt, D, &[FdPairOut, FdFlags]),
    r(294, "inotify_init1", RFd, D, &[FdFlags]),
    r(295, "preadv", RInt, D, &[Fd, IovecOut(2), Int, Off, Hex]),
    r(296, "pwritev", RInt, D, &[Fd, IovecIn(2), Int, Off, Hex]),
    r(297, "rt_tgsigqueueinfo", RInt, S | P, &[Int, Int, Signal, Ptr]),
    r(298, "perf_event_open", RFd, D, &[Ptr, Int, Int, Fd, Hex]),
    r(299, "recvmmsg", RInt, N, &[Fd, Ptr, Uint, MsgFlags, TimespecIn]),
    r(300, "fanotify_init", RFd, D, &[Hex, Hex]),
    r(301, "fanotify_mark", RInt, D | F, &[Fd, Hex, Hex, Dirfd, Path]),
    r(302, "prlimit64", RInt, 0, &[Int, RlimitResource, RlimitIn, RlimitOut]),
    r(303, "name_to_handle_at", RInt, D | F, &[Dirfd, Path, Ptr, Ptr, AtFlags]),
    r(304, "open_by_handle_at", RFd, D, &[Fd, Ptr, OpenFlags]),
    r(305, "clock_adjtime", RInt, CL, &[ClockId, Ptr]),
    r(306, "syncfs", RInt, D, &[Fd]),
    r(307, "sendmmsg", RInt, N, &[Fd, Ptr, Uint, MsgFlags]),
    r(308, "setns", RInt, D, &[Fd, CloneFlags]),
    r(309, "getcpu", RInt, 0, &[Ptr, Ptr, Ptr]),
    r(310, "process_vm_readv", RInt, 0, &[Int, Ptr, Uint, Ptr, Uint, Hex]),
    r(311, "process_vm_writev", RInt, 0, &[Int, Ptr, Uint, Ptr, Uint, Hex]),
    r(312, "kcmp", RInt, 0, &[Int, Int, Int, Hex, Hex]),
    r(313, "finit_module", RInt, D, &[Fd, Str, Hex]),
    r(314, "sched_setattr", RInt, 0, &[Int, Ptr, Hex]),
    r(315, "sched_getattr", RInt, 0, &[Int, Ptr, Uint, Hex]),
    r(316, "renameat2", RInt, D | F, &[Dirfd, Path, Dirfd, Path, Hex]),
    r(317, "seccomp", RInt, 0, &[Int, Hex, Ptr]),
    r(318, "getrandom", RInt, 0, &[BufOut(1), Uint, Hex]),
    r(319, "memfd_create", RFd, D, &[Str, Hex]),
    r(320, "kexec_file_load", RInt, D, &[Fd, Fd, Uint, Str, Hex]),
    r(321, "bpf", RInt, D, &[Int, Ptr, Uint]),
    r(322, "execveat", RInt, D | F | P, &[Dirfd, Path, Argv, Envp, AtFlags]),
    r(323, "userfaultfd", RFd, D, &[FdFlags]),
    r(324, "membarrier", RInt, 0, &[Int, Hex, Int]),
    r(325, "mlock2", RInt, M, &[Ptr, Uint, Hex]),
    r(326, "copy_file_range", RInt, D, &[Fd, Ptr, Fd, Ptr, Uint, Hex]),
    r(327, "preadv2", RInt, D, &[Fd, IovecOut(2), Int, Off, Off, Hex]),
    r(328, "pwritev2", RInt, D, &[Fd, IovecIn(2), Int, Off, Off, Hex]),
    r(329, "pkey_mprotect", RInt, M, &[Ptr, Uint, ProtFlags, Int]),
    r(330, "pkey_alloc", RInt, 0, H2),
    r(331, "pkey_free", RInt, 0, &[Int]),
    r(332, "statx", RInt, D | F | FST, &[Dirfd, Path, AtFlags, Hex, StatxOut]),
    r(333, "io_pgetevents", RInt, 0, &[Hex, Int, Int, Ptr, TimespecIn, Ptr]),
    r(334, "rseq", RInt, 0, &[Ptr, Uint, Hex, Hex]),
    r(335, "uretprobe", RInt, 0, &[]),
    r(336, "uprobe", RInt, 0, &[]),
    r(424, "pidfd_send_signal", RInt, D | S | P, &[Fd, Signal, Ptr, Hex]),
    r(425, "io_uring_setup", RFd, D, &[Uint, Ptr]),
    r(426, "io_uring_enter", RInt, D | S, &[Fd, Uint, Uint, Hex, SigsetIn, Uint]),
    r(427, "io_uring_register", RInt, D | M, &[Fd, Uint, Ptr, Uint]),
    r(428, "open_tree", RFd, D | F, &[Dirfd, Path, Hex]),
    r(429, "move_mount", RInt, D | F, &[Dirfd, Path, Dirfd, Path, Hex]),
    r(430, "fsopen", RFd, D, &[Str, Hex]),
    r(431, "fsconfig", RInt, D | F, &[Fd, Uint, Str, Ptr, Int]),
    r(432, "fsmount", RFd, D, &[Fd, Hex, Hex]),
    r(433, "fspick", RFd, D | F, &[Dirfd, Path, Hex]),
    r(434, "pidfd_open", RFd, D, &[Int, Hex]),
    r(435, "clone3", RInt, P, &[CloneArgs, Uint]),
    r(436, "close_range", RInt, 0, &[Fd, Fd, Hex]),
    r(437, "openat2", RFd, D | F, &[Dirfd, Path, Ptr, Uint]),
    r(438, "pidfd_getfd", RFd, D, &[Fd, Fd, Hex]),
    r(439, "faccessat2", RInt, D | F, &[Dirfd, Path, AccessMode, AtFlags]),
    r(440, "process_madvise", RInt, D, &[Fd, Ptr, Uint, Madvise, Hex]),
    r(441, "epoll_pwait2", RInt, D, &[Fd, Ptr, Int, TimespecIn, SigsetIn, Uint]),
    r(442, "mount_setattr", RInt, D | F, &[Dirfd, Path, AtFlags, Ptr, Uint]),
    r(443, "quotactl_fd", RInt, D, &[Fd, Hex, Int, Ptr]),
    r(444, "landlock_create_ruleset", RFd, D, &[Ptr, Uint, Hex]),
    r(445, "landlock_add_rule", RInt, D, &[Fd, Int, Ptr, Hex]),
    r(446, "landlock_restrict_self", RInt, D, &[Fd, Hex]),
    r(447, "memfd_secret", RFd, D, &[Hex]),
    r(448, "process_mrelease", RInt, D, &[Fd, Hex]),
    r(449, "futex_waitv", RInt, 0, &[Ptr, Uint, Hex, TimespecIn, ClockId]),
    r(450, "set_mempolicy_home_node", RInt, M, &[Ptr, Uint, Uint, Hex]),
    r(451, "cachestat", RInt, D, &[Fd, Ptr, Ptr, Hex]),
    r(452, "fchmodat2", RInt, D | F, &[Dirfd, Path, Mode, AtFlags]),
    r(453, "map_shadow_stack", RPtr, M, &[Ptr, Uint, Hex]),
    r(454, "futex_wake", RInt, 0, &[Ptr, Hex, Int, Hex]),
    r(455, "futex_wait", RInt, 0, &[Ptr, Hex, Hex, Hex, TimespecIn, ClockId]),
    r(456, "futex_requeue", RInt, 0, &[Ptr, Hex, Int, Int]),
    r(457, "statmount", RInt, 0, &[Ptr, Ptr, Uint, Hex]),
    r(458, "listmount", RInt, 0, &[Ptr, Ptr, Uint, Hex]),
    r(459, "lsm_get_self_attr", RInt, 0, &[Uint, Ptr, Ptr, Hex]),
    r(460, "lsm_set_self_attr", RInt, 0, &[Uint, Ptr, Uint, Hex]),
    r(461, "lsm_list_modules", RInt, 0, &[Ptr, Ptr, Hex]),
    r(462, "mseal", RInt, M, &[Ptr, Uint, Hex]),
    r(463, "setxattrat", RInt, D | F, &[Dirfd, Path, AtFlags, Str, Ptr, Uint]),
    r(464, "getxattrat", RInt, D | F, &[Dirfd, Path, AtFlags, Str, Ptr, Uint]),
    r(465, "listxattrat", RInt, D | F, &[Dirfd, Path, AtFlags, Ptr, Uint]),
    r(466, "removexattrat", RInt, D | F, &[Dirfd, Path, AtFlags, Str]),
    r(467, "open_tree_attr", RFd, D | F, &[Dirfd, Path, Hex, Ptr, Uint]),
    r(468, "file_getattr", RInt, D | F, &[Dirfd, Path, Ptr, Uint, AtFlags]),
    r(469, "file_setattr", RInt, D | F, &[Dirfd, Path, Ptr, Uint, AtFlags]),
];

/// A syscall ABI of x86-64 Linux: which table a call's number is read in.
///
/// A 64-bit process normally makes x86-64 calls, a 32-bit one i386 calls;
/// a 64-bit process that executes `int $0x80` makes an i386 call, which
/// Linux reports as such (`PTRACE_GET_SYSCALL_INFO`'s `arch` is
/// `AUDIT_ARCH_I386`), and so does bsdtrace.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Arch {
    /// The x86-64 ABI (`AUDIT_ARCH_X86_64`): [`TABLE`].
    #[default]
    X86_64,
    /// The i386 ABI (`AUDIT_ARCH_I386`): [`TABLE_I386`].
    I386,
}

/// `AUDIT_ARCH_X86_64`: the `arch` of an x86-64 call.
pub const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
/// `AUDIT_ARCH_I386`: the `arch` of an i386 call.
pub const AUDIT_ARCH_I386: u32 = 0x4000_0003;

impl Arch {
    /// The ABI this library itself runs in (i386 when built for i686).
    pub const HOST: Arch = if cfg!(target_pointer_width = "32") { Arch::I386 } else { Arch::X86_64 };

    /// The ABI of a `PTRACE_GET_SYSCALL_INFO` or seccomp `arch`; `None`
    /// for any other.
    pub fn from_audit(arch: u32) -> Option<Arch> {
        match arch {
            AUDIT_ARCH_X86_64 => Some(Arch::X86_64),
            AUDIT_ARCH_I386 => Some(Arch::I386),
            _ => None,
        }
    }

    /// Its `AUDIT_ARCH_*`.
    pub fn audit(self) -> u32 {
        match self {
            Arch::X86_64 => AUDIT_ARCH_X86_64,
            Arch::I386 => AUDIT_ARCH_I386,
        }
    }

    /// Bytes in a register, a `long` and a pointer of this ABI.
    pub fn word_size(self) -> usize {
        match self {
            Arch::X86_64 => 8,
            Arch::I386 => 4,
        }
    }

    /// The ABI's name as FreeBSD's `sv_name` spells an ELF flavour
    /// (`procstat`'s EMUL column): `"Linux ELF64"`, `"Linux ELF32"`.
    pub fn emulation(self) -> &'static str {
        match self {
            Arch::X86_64 => "Linux ELF64",
            Arch::I386 => "Linux ELF32",
        }
    }

    /// Every syscall of the ABI, sorted by number.
    pub fn table(self) -> &'static [Syscall] {
        match self {
            Arch::X86_64 => TABLE,
            Arch::I386 => TABLE_I386,
        }
    }

    /// The row for syscall `number` of this ABI.
    pub fn by_number(self, number: u32) -> Option<&'static Syscall> {
        let t = self.table();
        t.binary_search_by_key(&number, |s| s.number).ok().map(|i| &t[i])
    }

    /// The row for the syscall called `name` in this ABI.
    pub fn by_name(self, name: &str) -> Option<&'static Syscall> {
        self.table().iter().find(|s| s.name == name)
    }

    /// The name of syscall `number` of this ABI.
    pub fn name(self, number: u32) -> Option<&'static str> {
        self.by_number(number).map(|s| s.name)
    }

    /// How many arguments syscall `number` of this ABI takes (6 if unknown).
    pub fn nargs(self, number: u32) -> u32 {
        self.by_number(number).map_or(6, |s| u32::from(s.nargs))
    }

    /// The number, in this ABI, of the call `number` of ABI `from` (the
    /// same name), e.g. i386's prctl (172) for x86-64's (157).
    pub fn translate(self, from: Arch, number: u32) -> Option<u32> {
        if self == from {
            return Some(number);
        }
        self.by_name(from.name(number)?).map(|s| s.number)
    }

    /// Whether `number` ends only the calling thread (`exit`), as opposed
    /// to the whole process (`exit_group`).
    pub fn is_thread_exit(self, number: u64) -> bool {
        number == self.exit()
    }

    /// Whether `number` is `exit_group` (the whole process's exit).
    pub fn is_group_exit(self, number: u64) -> bool {
        match self {
            Arch::X86_64 => number == 231,
            Arch::I386 => number == 252,
        }
    }

    fn exit(self) -> u64 {
        match self {
            Arch::X86_64 => 60,
            Arch::I386 => 1,
        }
    }

    /// Whether `number` returns from a signal handler (`rt_sigreturn`, and
    /// i386's old `sigreturn`): it loads the whole register file.
    pub fn is_sigreturn(self, number: u64) -> bool {
        match self {
            Arch::X86_64 => number == 15,
            Arch::I386 => number == 119 || number == 173,
        }
    }

    /// Whether `number` is `execve` or `execveat`.
    pub fn is_exec(self, number: u64) -> bool {
        match self {
            Arch::X86_64 => number == 59 || number == 322,
            Arch::I386 => number == 11 || number == 358,
        }
    }

    /// Whether a syscall's raw return register is an error (the kernel's
    /// `IS_ERR_VALUE`: -4095..=-1 as the ABI's `long`), and which errno.
    pub fn error_of(self, ret: u64) -> Option<i32> {
        let v = match self {
            Arch::X86_64 => ret as i64,
            Arch::I386 => i64::from(ret as u32 as i32),
        };
        (-4095..0).contains(&v).then_some((-v) as i32)
    }

    /// A register of this ABI as a signed value: i386 registers are 32 bits.
    pub fn signed(self, reg: u64) -> i64 {
        match self {
            Arch::X86_64 => reg as i64,
            Arch::I386 => i64::from(reg as u32 as i32),
        }
    }

    /// A register of this ABI as an unsigned value.
    pub fn unsigned(self, reg: u64) -> u64 {
        match self {
            Arch::X86_64 => reg,
            Arch::I386 => u64::from(reg as u32),
        }
    }
}

/// Every i386 syscall (the ia32 ABI of x86-64 Linux), sorted by number.
/// Calls the two ABIs share take the x86-64 row's kinds, read with the
/// i386 structure layouts (see the module docs).
#[rustfmt::skip]
pub static TABLE_I386: &[Syscall] = &[
    r(0, "restart_syscall", RInt, 0, &[]),
    r(1, "exit", NoReturn, P, &[Int]),
    r(2, "fork", RInt, P, &[]),
    r(3, "read", RInt, D, &[Fd, BufOut(2), Uint]),
    r(4, "write", RInt, D, &[Fd, BufIn(2), Uint]),
    r(5, "open", RFd, D | F, &[Path, OpenFlags, Mode]),
    r(6, "close", RInt, D, &[Fd]),
    r(7, "waitpid", RInt, P, &[Int, WaitStatusOut, WaitOptions]),
    r(8, "creat", RFd, D | F, &[Path, Mode]),
    r(9, "link", RInt, F, &[Path, Path]),
    r(10, "unlink", RInt, F, &[Path]),
    r(11, "execve", RInt, F | P, &[Path, Argv, Envp]),
    r(12, "chdir", RInt, F, &[Path]),
    r(13, "time", RInt, CL, &[Ptr]),
    r(14, "mknod", RInt, F, &[Path, Mode, Hex]),
    r(15, "chmod", RInt, F, &[Path, Mode]),
    r(16, "lchown", RInt, F, &[Path, Id, Id]),
    r(17, "break", RInt, M, &[]),
    r(18, "oldstat", RInt, F | ST, &[Path, Ptr]),
    r(19, "lseek", RInt, D, &[Fd, Off, Whence]),
    r(20, "getpid", RInt, PU, &[]),
    r(21, "mount", RInt, F, &[Str, Path, Str, Hex, Ptr]),
    r(22, "umount", RInt, F, &[Path]),
    r(23, "setuid", RInt, C, &[Id]),
    r(24, "getuid", RInt, C | PU, &[]),
    r(25, "stime", RInt, CL, &[Ptr]),
    r(26, "ptrace", RInt, 0, &[PtraceRequest, Int, Ptr, Hex]),
    r(27, "alarm", RInt, 0, &[Uint]),
    r(28, "oldfstat", RInt, D | FST, &[Fd, Ptr]),
    r(29, "pause", RInt, S, &[]),
    r(30, "utime", RInt, F, &[Path, Ptr]),
    r(31, "stty", RInt, 0, &[]),
    r(32, "gtty", RInt, 0, &[]),
    r(33, "access", RInt, F, &[Path, AccessMode]),
    r(34, "nice", RInt, 0, &[Int]),
    r(35, "ftime", RInt, 0, &[]),
    r(36, "sync", RInt, 0, &[]),
    r(37, "kill", RInt, S | P, &[Int, Signal]),
    r(38, "rename", RInt, F, &[Path, Path]),
    r(39, "mkdir", RInt, F, &[Path, Mode]),
    r(40, "rmdir", RInt, F, &[Path]),
    r(41, "dup", RFd, D, &[Fd]),
    r(42, "pipe", RInt, D, &[FdPairOut]),
    r(43, "times", RInt, 0, &[Ptr]),
    r(44, "prof", RInt, 0, &[]),
    r(45, "brk", RPtr, M, &[Ptr]),
    r(46, "setgid", RInt, C, &[Id]),
    r(47, "getgid", RInt, C | PU, &[]),
    r(48, "signal", RInt, S, &[Signal, Ptr]),
    r(49, "geteuid", RInt, C | PU, &[]),
    r(50, "getegid", RInt, C | PU, &[]),
    r(51, "acct", RInt, F, &[Path]),
    r(52, "umount2", RInt, F, &[Path, Hex]),
    r(53, "lock", RInt, 0, &[]),
    r(54, "ioctl", RInt, D, &[Fd, IoctlReq, Hex]),
    r(55, "fcntl", RInt, D, &[Fd, FcntlCmd, FcntlArg]),
    r(56, "mpx", RInt, 0, &[]),
    r(57, "setpgid", RInt, 0, &[Int, Int]),
    r(58, "ulimit", RInt, 0, &[]),
    r(59, "oldolduname", RInt, 0, &[Ptr]),
    r(60, "umask", RInt, 0, &[Mode]),
    r(61, "chroot", RInt, F, &[Path]),
    r(62, "ustat", RInt, SFA, &[Hex, Ptr]),
    r(63, "dup2", RFd, D, &[Fd, Fd]),
    r(64, "getppid", RInt, PU, &[]),
    r(65, "getpgrp", RInt, PU, &[]),
    r(66, "setsid", RInt, 0, &[]),
    r(67, "sigaction", RInt, S, &[Signal, OldSigactionIn, OldSigactionOut]),
    r(68, "sgetmask", RInt, S, &[]),
    r(69, "ssetmask", RInt, S, &[Hex]),
    r(70, "setreuid", RInt, C, &[Id, Id]),
    r(71, "setregid", RInt, C, &[Id, Id]),
    r(72, "sigsuspend", RInt, S, &[Int, Int, OldSigset]),
    r(73, "sigpending", RInt, S, &[Ptr]),
    r(74, "sethostname", RInt, 0, &[BufIn(1), Uint]),
    r(75, "setrlimit", RInt, 0, &[RlimitResource, RlimitIn]),
    r(76, "getrlimit", RInt, 0, &[RlimitResource, RlimitOut]),
    r(77, "getrusage", RInt, 0, &[Int, RusageOut]),
    r(78, "gettimeofday", RInt, CL, &[TimevalOut, Ptr]),
    r(79, "settimeofday", RInt, CL, &[TimevalIn, Ptr]),
    r(80, "getgroups", RInt, C, &[Int, Ptr]),
    r(81, "setgroups", RInt, C, &[Int, Ptr]),
    r(82, "select", RInt, D, &[Ptr]),
    r(83, "symlink", RInt, F, &[Path, Path]),
    r(84, "oldlstat", RInt, F | LST, &[Path, Ptr]),
    r(85, "readlink", RInt, F, &[Path, BufOut(2), Uint]),
    r(86, "uselib", RInt, F, &[Path]),
    r(87, "swapon", RInt, F, &[Path, Hex]),
    r(88, "reboot", RInt, 0, &[Hex, Hex, Hex, Ptr]),
    r(89, "readdir", RInt, D, &[Fd, Ptr, Uint]),
    r(90, "mmap", RPtr, D | M, &[Ptr]),
    r(91, "munmap", RInt, M, &[Ptr, Uint]),
    r(92, "truncate", RInt, F, &[Path, Off]),
    r(93, "ftruncate", RInt, D, &[Fd, Off]),
    r(94, "fchmod", RInt, D, &[Fd, Mode]),
    r(95, "fchown", RInt, D, &[Fd, Id, Id]),
    r(96, "getpriority", RInt, 0, &[Int, Int]),
    r(97, "setpriority", RInt, 0, &[Int, Int, Int]),
    r(98, "profil", RInt, 0, &[]),
    r(99, "statfs", RInt, F | SF, &[Path, Ptr]),
    r(100, "fstatfs", RInt, D | FSF, &[Fd, Ptr]),
    r(101, "ioperm", RInt, 0, &[Hex, Uint, Int]),
    r(102, "socketcall", RInt, N, &[Int, Ptr]),
    r(103, "syslog", RInt, 0, &[Int, Ptr, Int]),
    r(104, "setitimer", RInt, 0, &[ItimerWhich, Ptr, Ptr]),
    r(105, "getitimer", RInt, 0, &[ItimerWhich, Ptr]),
    r(106, "stat", RInt, F | ST, &[Path, StatOut]),
    r(107, "lstat", RInt, F | LST, &[Path, StatOut]),
    r(108, "fstat", RInt, D | FST, &[Fd, StatOut]),
    r(109, "olduname", RInt, 0, &[Ptr]),
    r(110, "iopl", RInt, 0, &[Int]),
    r(111, "vhangup", RInt, 0, &[]),
    r(112, "idle", RInt, 0, &[]),
    r(113, "vm86old", RInt, 0, &[Ptr]),
    r(114, "wait4", RInt, P, &[Int, WaitStatusOut, WaitOptions, RusageOut]),
    r(115, "swapoff", RInt, F, &[Path]),
    r(116, "sysinfo", RInt, 0, &[Ptr]),
    r(117, "ipc", RInt, I, &[Uint, Int, Int, Int, Ptr, Hex]),
    r(118, "fsync", RInt, D, &[Fd]),
    r(119, "sigreturn", RInt, S, &[]),
    r(120, "clone", RInt, P, &[CloneFlags, Ptr, Ptr, Ptr, Hex]),
    r(121, "setdomainname", RInt, 0, &[BufIn(1), Uint]),
    r(122, "uname", RInt, 0, &[UtsnameOut]),
    r(123, "modify_ldt", RInt, 0, &[Int, Ptr, Uint]),
    r(124, "adjtimex", RInt, CL, &[Ptr]),
    r(125, "mprotect", RInt, M, &[Ptr, Uint, ProtFlags]),
    r(126, "sigprocmask", RInt, S, &[SigHow, Ptr, Ptr]),
    r(127, "create_module", RInt, 0, &[Str, Uint]),
    r(128, "init_module", RInt, 0, &[Ptr, Uint, Str]),
    r(129, "delete_module", RInt, 0, &[Str, Hex]),
    r(130, "get_kernel_syms", RInt, 0, &[Ptr]),
    r(131, "quotactl", RInt, F, &[Hex, Path, Int, Ptr]),
    r(132, "getpgid", RInt, 0, &[Int]),
    r(133, "fchdir", RInt, D, &[Fd]),
    r(134, "bdflush", RInt, 0, &[Int, Hex]),
    r(135, "sysfs", RInt, 0, &[Int, Hex, Hex]),
    r(136, "personality", RInt, 0, &[Hex]),
    r(137, "afs_syscall", RInt, 0, H5),
    r(138, "setfsuid", RInt, C, &[Id]),
    r(139, "setfsgid", RInt, C, &[Id]),
    r(140, "_llseek", RInt, D, &[Fd, OffHi, OffLo, Ptr, Whence]),
    r(141, "getdents", RInt, D, &[Fd, Ptr, Uint]),
    r(142, "_newselect", RInt, D, &[Int, FdSet(0), FdSet(0), FdSet(0), TimevalIn]),
    r(143, "flock", RInt, D, &[Fd, FlockOp]),
    r(144, "msync", RInt, M, &[Ptr, Uint, MsyncFlags]),
    r(145, "readv", RInt, D, &[Fd, IovecOut(2), Int]),
    r(146, "writev", RInt, D, &[Fd, IovecIn(2), Int]),
    r(147, "getsid", RInt, 0, &[Int]),
    r(148, "fdatasync", RInt, D, &[Fd]),
    r(149, "_sysctl", RInt, 0, &[Ptr]),
    r(150, "mlock", RInt, M, &[Ptr, Uint]),
    r(151, "munlock", RInt, M, &[Ptr, Uint]),
    r(152, "mlockall", RInt, M, &[Hex]),
    r(153, "munlockall", RInt, M, &[]),
    r(154, "sched_setparam", RInt, 0, &[Int, Ptr]),
    r(155, "sched_getparam", RInt, 0, &[Int, Ptr]),
    r(156, "sched_setscheduler", RInt, 0, &[Int, Int, Ptr]),
    r(157, "sched_getscheduler", RInt, 0, &[Int]),
    r(158, "sched_yield", RInt, 0, &[]),
    r(159, "sched_get_priority_max", RInt, 0, &[Int]),
    r(160, "sched_get_priority_min", RInt, 0, &[Int]),
    r(161, "sched_rr_get_interval", RInt, 0, &[Int, TimespecOut]),
    r(162, "nanosleep", RInt, 0, &[TimespecIn, TimespecOut]),
    r(163, "mremap", RPtr, M, &[Ptr, Uint, Uint, MremapFlags, Ptr]),
    r(164, "setresuid", RInt, C, &[Id, Id, Id]),
    r(165, "getresuid", RInt, C, &[Ptr, Ptr, Ptr]),
    r(166, "vm86", RInt, 0, &[Hex, Ptr]),
    r(167, "query_module", RInt, 0, &[Str, Int, Ptr, Uint, Ptr]),
    r(168, "poll", RInt, D, &[Pollfd(1), Uint, Int]),
    r(169, "nfsservctl", RInt, 0, &[Int, Ptr, Ptr]),
    r(170, "setresgid", RInt, C, &[Id, Id, Id]),
    r(171, "getresgid", RInt, C, &[Ptr, Ptr, Ptr]),
    r(172, "prctl", RInt, C, &[PrctlOption, Hex, Hex, Hex, Hex]),
    r(173, "rt_sigreturn", RInt, S, &[]),
    r(174, "rt_sigaction", RInt, S, &[Signal, SigactionIn, SigactionOut, Uint]),
    r(175, "rt_sigprocmask", RInt, S, &[SigHow, SigsetIn, SigsetOut, Uint]),
    r(176, "rt_sigpending", RInt, S, &[SigsetOut, Uint]),
    r(177, "rt_sigtimedwait", RInt, S, &[SigsetIn, Ptr, TimespecIn, Uint]),
    r(178, "rt_sigqueueinfo", RInt, S | P, &[Int, Signal, Ptr]),
    r(179, "rt_sigsuspend", RInt, S, &[SigsetIn, Uint]),
    r(180, "pread64", RInt, D, &[Fd, BufOut(2), Uint, OffLo, OffHi]),
    r(181, "pwrite64", RInt, D, &[Fd, BufIn(2), Uint, OffLo, OffHi]),
    r(182, "chown", RInt, F, &[Path, Id, Id]),
    r(183, "getcwd", RInt, F, &[PathOut, Uint]),
    r(184, "capget", RInt, C, &[Ptr, Ptr]),
    r(185, "capset", RInt, C, &[Ptr, Ptr]),
    r(186, "sigaltstack", RInt, S, &[Ptr, Ptr]),
    r(187, "sendfile", RInt, D | N, &[Fd, Fd, Ptr, Uint]),
    r(188, "getpmsg", RInt, N, H5),
    r(189, "putpmsg", RInt, N, H5),
    r(190, "vfork", RInt, P, &[]),
    r(191, "ugetrlimit", RInt, 0, &[RlimitResource, RlimitOut]),
    r(192, "mmap2", RPtr, D | M, &[Ptr, Uint, ProtFlags, MmapFlags, Fd, PageOffset]),
    r(193, "truncate64", RInt, F, &[Path, OffLo, OffHi]),
    r(194, "ftruncate64", RInt, D, &[Fd, OffLo, OffHi]),
    r(195, "stat64", RInt, F | ST, &[Path, Stat64Out]),
    r(196, "lstat64", RInt, F | LST, &[Path, Stat64Out]),
    r(197, "fstat64", RInt, D | FST, &[Fd, Stat64Out]),
    r(198, "lchown32", RInt, F, &[Path, Id, Id]),
    r(199, "getuid32", RInt, C | PU, &[]),
    r(200, "getgid32", RInt, C | PU, &[]),
    r(201, "geteuid32", RInt, C | PU, &[]),
    r(202, "getegid32", RInt, C | PU, &[]),
    r(203, "setreuid32", RInt, C, &[Id, Id]),
    r(204, "setregid32", RInt, C, &[Id, Id]),
    r(205, "getgroups32", RInt, C, &[Int, Ptr]),
    r(206, "setgroups32", RInt, C, &[Int, Ptr]),
    r(207, "fchown32", RInt, D, &[Fd, Id, Id]),
    r(208, "setresuid32", RInt, C, &[Id, Id, Id]),
    r(209, "getresuid32", RInt, C, &[Ptr, Ptr, Ptr]),
    r(210, "setresgid32", RInt, C, &[Id, Id, Id]),
    r(211, "getresgid32", RInt, C, &[Ptr, Ptr, Ptr]),
    r(212, "chown32", RInt, F, &[Path, Id, Id]),
    r(213, "setuid32", RInt, C, &[Id]),
    r(214, "setgid32", RInt, C, &[Id]),
    r(215, "setfsuid32", RInt, C, &[Id]),
    r(216, "setfsgid32", RInt, C, &[Id]),
    r(217, "pivot_root", RInt, F, &[Path, Path]),
    r(218, "mincore", RInt, M, &[Ptr, Uint, Ptr]),
    r(219, "madvise", RInt, M, &[Ptr, Uint, Madvise]),
    r(220, "getdents64", RInt, D, &[Fd, Ptr, Uint]),
    r(221, "fcntl64", RInt, D, &[Fd, FcntlCmd, FcntlArg]),
    r(224, "gettid", RInt, PU, &[]),
    r(225, "readahead", RInt, D, &[Fd, OffLo, OffHi, Uint]),
    r(226, "setxattr", RInt, F, &[Path, Str, Ptr, Uint, Hex]),
    r(227, "lsetxattr", RInt, F, &[Path, Str, Ptr, Uint, Hex]),
    r(228, "fsetxattr", RInt, D, &[Fd, Str, Ptr, Uint, Hex]),
    r(229, "getxattr", RInt, F, &[Path, Str, Ptr, Uint]),
    r(230, "lgetxattr", RInt, F, &[Path, Str, Ptr, Uint]),
    r(231, "fgetxattr", RInt, D, &[Fd, Str, Ptr, Uint]),
    r(232, "listxattr", RInt, F, &[Path, Ptr, Uint]),
    r(233, "llistxattr", RInt, F, &[Path, Ptr, Uint]),
    r(234, "flistxattr", RInt, D, &[Fd, Ptr, Uint]),
    r(235, "removexattr", RInt, F, &[Path, Str]),
    r(236, "lremovexattr", RInt, F, &[Path, Str]),
    r(237, "fremovexattr", RInt, D, &[Fd, Str]),
    r(238, "tkill", RInt, S | P, &[Int, Signal]),
    r(239, "sendfile64", RInt, D | N, &[Fd, Fd, Ptr, Uint]),
    r(240, "futex", RInt, 0, &[Ptr, FutexOp, Int, FutexTimeout, Ptr, Int]),
    r(241, "sched_setaffinity", RInt, 0, &[Int, Uint, Ptr]),
    r(242, "sched_getaffinity", RInt, 0, &[Int, Uint, Ptr]),
    r(243, "set_thread_area", RInt, 0, &[UserDesc]),
    r(244, "get_thread_area", RInt, 0, &[UserDesc]),
    r(245, "io_setup", RInt, M, &[Uint, Ptr]),
    r(246, "io_destroy", RInt, M, &[Hex]),
    r(247, "io_getevents", RInt, 0, &[Hex, Int, Int, Ptr, TimespecIn]),
    r(248, "io_submit", RInt, 0, &[Hex, Int, Ptr]),
    r(249, "io_cancel", RInt, 0, &[Hex, Ptr, Ptr]),
    r(250, "fadvise64", RInt, D, &[Fd, OffLo, OffHi, Uint, Fadvise]),
    r(252, "exit_group", NoReturn, P, &[Int]),
    r(253, "lookup_dcookie", RInt, 0, &[Hex, Hex, Ptr, Uint]),
    r(254, "epoll_create", RFd, D, &[Int]),
    r(255, "epoll_ctl", RInt, D, &[Fd, EpollCtlOp, Fd, Ptr]),
    r(256, "epoll_wait", RInt, D, &[Fd, Ptr, Int, Int]),
    r(257, "remap_file_pages", RInt, M, &[Ptr, Uint, ProtFlags, Uint, Hex]),
    r(258, "set_tid_address", RInt, 0, &[Ptr]),
    r(259, "timer_create", RInt, 0, &[ClockId, Ptr, Ptr]),
    r(260, "timer_settime", RInt, 0, &[Int, Hex, Ptr, Ptr]),
    r(261, "timer_gettime", RInt, 0, &[Int, Ptr]),
    r(262, "timer_getoverrun", RInt, 0, &[Int]),
    r(263, "timer_delete", RInt, 0, &[Int]),
    r(264, "clock_settime", RInt, CL, &[ClockId, TimespecIn]),
    r(265, "clock_gettime", RInt, CL, &[ClockId, TimespecOut]),
    r(266, "clock_getres", RInt, CL, &[ClockId, TimespecOut]),
    r(267, "clock_nanosleep", RInt, 0, &[ClockId, Hex, TimespecIn, TimespecOut]),
    r(268, "statfs64", RInt, F | SF, &[Path, Uint, Ptr]),
    r(269, "fstatfs64", RInt, D | FSF, &[Fd, Uint, Ptr]),
    r(270, "tgkill", RInt, S | P, &[Int, Int, Signal]),
    r(271, "utimes", RInt, F, &[Path, Ptr]),
    r(272, "fadvise64_64", RInt, D, &[Fd, OffLo, OffHi, OffLo, OffHi, Fadvise]),
    r(273, "vserver", RInt, 0, H5),
    r(274, "mbind", RInt, M, &[Ptr, Uint, Int, Ptr, Uint, Hex]),
    r(275, "get_mempolicy", RInt, M, &[Ptr, Ptr, Uint, Ptr, Hex]),
    r(276, "set_mempolicy", RInt, M, &[Int, Ptr, Uint]),
    r(277, "mq_open", RFd, D, &[Str, OpenFlags, Mode, Ptr]),
    r(278, "mq_unlink", RInt, 0, &[Str]),
    r(279, "mq_timedsend", RInt, D, &[Fd, BufIn(2), Uint, Uint, TimespecIn]),
    r(280, "mq_timedreceive", RInt, D, &[Fd, BufOut(2), Uint, Ptr, TimespecIn]),
    r(281, "mq_notify", RInt, D, &[Fd, Ptr]),
    r(282, "mq_getsetattr", RInt, D, &[Fd, Ptr, Ptr]),
    r(283, "kexec_load", RInt, 0, &[Hex, Uint, Ptr, Hex]),
    r(284, "waitid", RInt, P, &[IdType, Int, Ptr, WaitOptions, RusageOut]),
    r(286, "add_key", RInt, 0, &[Str, Str, Ptr, Uint, Int]),
    r(287, "request_key", RInt, 0, &[Str, Str, Str, Int]),
    r(288, "keyctl", RInt, 0, &[Int, Hex, Hex, Hex, Hex]),
    r(289, "ioprio_set", RInt, 0, &[Int, Int, Int]),
    r(290, "ioprio_get", RInt, 0, &[Int, Int]),
    r(291, "inotify_init", RFd, D, &[]),
    r(292, "inotify_add_watch", RInt, D | F, &[Fd, Path, Hex]),
    r(293, "inotify_rm_watch", RInt, D, &[Fd, Int]),
    r(294, "migrate_pages", RInt, M, &[Int, Uint, Ptr, Ptr]),
    r(295, "openat", RFd, D | F, &[Dirfd, Path, OpenFlags, Mode]),
    r(296, "mkdirat", RInt, D | F, &[Dirfd, Path, Mode]),
    r(297, "mknodat", RInt, D | F, &[Dirfd, Path, Mode, Hex]),
    r(298, "fchownat", RInt, D | F, &[Dirfd, Path, Id, Id, AtFlags]),
    r(299, "futimesat", RInt, D | F, &[Dirfd, Path, Ptr]),
    r(300, "fstatat64", RInt, D | F | FST, &[Dirfd, Path, Stat64Out, AtFlags]),
    r(301, "unlinkat", RInt, D | F, &[Dirfd, Path, UnlinkatFlags]),
    r(302, "renameat", RInt, D | F, &[Dirfd, Path, Dirfd, Path]),
    r(303, "linkat", RInt, D | F, &[Dirfd, Path, Dirfd, Path, AtFlags]),
    r(304, "symlinkat", RInt, D | F, &[Path, Dirfd, Path]),
    r(305, "readlinkat", RInt, D | F, &[Dirfd, Path, BufOut(3), Uint]),
    r(306, "fchmodat", RInt, D | F, &[Dirfd, Path, Mode]),
    r(307, "faccessat", RInt, D | F, &[Dirfd, Path, AccessMode]),
    r(308, "pselect6", RInt, D, &[Int, FdSet(0), FdSet(0), FdSet(0), TimespecIn, Ptr]),
    r(309, "ppoll", RInt, D, &[Pollfd(1), Uint, TimespecIn, SigsetIn, Uint]),
    r(310, "unshare", RInt, 0, &[CloneFlags]),
    r(311, "set_robust_list", RInt, 0, &[Ptr, Uint]),
    r(312, "get_robust_list", RInt, 0, &[Int, Ptr, Ptr]),
    r(313, "splice", RInt, D, &[Fd, Ptr, Fd, Ptr, Uint, Hex]),
    r(314, "sync_file_range", RInt, D, &[Fd, OffLo, OffHi, OffLo, OffHi, Hex]),
    r(315, "tee", RInt, D, &[Fd, Fd, Uint, Hex]),
    r(316, "vmsplice", RInt, D, &[Fd, IovecIn(2), Uint, Hex]),
    r(317, "move_pages", RInt, M, &[Int, Uint, Ptr, Ptr, Ptr, Hex]),
    r(318, "getcpu", RInt, 0, &[Ptr, Ptr, Ptr]),
    r(319, "epoll_pwait", RInt, D, &[Fd, Ptr, Int, Int, SigsetIn, Uint]),
    r(320, "utimensat", RInt, D | F, &[Dirfd, Path, Ptr, AtFlags]),
    r(321, "signalfd", RFd, D | S, &[Fd, SigsetIn, Uint]),
    r(322, "timerfd_create", RFd, D, &[ClockId, FdFlags]),
    r(323, "eventfd", RFd, D, &[Uint]),
    r(324, "fallocate", RInt, D, &[Fd, Hex, OffLo, OffHi, OffLo, OffHi]),
    r(325, "timerfd_settime", RInt, D, &[Fd, Hex, Ptr, Ptr]),
    r(326, "timerfd_gettime", RInt, D, &[Fd, Ptr]),
    r(327, "signalfd4", RFd, D | S, &[Fd, SigsetIn, Uint, FdFlags]),
    r(328, "eventfd2", RFd, D, &[Uint, FdFlags]),
    r(329, "epoll_create1", RFd, D, &[FdFlags]),
    r(330, "dup3", RFd, D, &[Fd, Fd, FdFlags]),
    r(331, "pipe2", RInt, D, &[FdPairOut, FdFlags]),
    r(332, "inotify_init1", RFd, D, &[FdFlags]),
    r(333, "preadv", RInt, D, &[Fd, IovecOut(2), Int, OffLo, OffHi]),
    r(334, "pwritev", RInt, D, &[Fd, IovecIn(2), Int, OffLo, OffHi]),
    r(335, "rt_tgsigqueueinfo", RInt, S | P, &[Int, Int, Signal, Ptr]),
    r(336, "perf_event_open", RFd, D, &[Ptr, Int, Int, Fd, Hex]),
    r(337, "recvmmsg", RInt, N, &[Fd, Ptr, Uint, MsgFlags, TimespecIn]),
    r(338, "fanotify_init", RFd, D, &[Hex, Hex]),
    r(339, "fanotify_mark", RInt, D | F, &[Fd, Hex, Hex, Dirfd, Path]),
    r(340, "prlimit64", RInt, 0, &[Int, RlimitResource, RlimitIn, RlimitOut]),
    r(341, "name_to_handle_at", RInt, D | F, &[Dirfd, Path, Ptr, Ptr, AtFlags]),
    r(342, "open_by_handle_at", RFd, D, &[Fd, Ptr, OpenFlags]),
    r(343, "clock_adjtime", RInt, CL, &[ClockId, Ptr]),
    r(344, "syncfs", RInt, D, &[Fd]),
    r(345, "sendmmsg", RInt, N, &[Fd, Ptr, Uint, MsgFlags]),
    r(346, "setns", RInt, D, &[Fd, CloneFlags]),
    r(347, "process_vm_readv", RInt, 0, &[Int, Ptr, Uint, Ptr, Uint, Hex]),
    r(348, "process_vm_writev", RInt, 0, &[Int, Ptr, Uint, Ptr, Uint, Hex]),
    r(349, "kcmp", RInt, 0, &[Int, Int, Int, Hex, Hex]),
    r(350, "finit_module", RInt, D, &[Fd, Str, Hex]),
    r(351, "sched_setattr", RInt, 0, &[Int, Ptr, Hex]),
    r(352, "sched_getattr", RInt, 0, &[Int, Ptr, Uint, Hex]),
    r(353, "renameat2", RInt, D | F, &[Dirfd, Path, Dirfd, Path, Hex]),
    r(354, "seccomp", RInt, 0, &[Int, Hex, Ptr]),
    r(355, "getrandom", RInt, 0, &[BufOut(1), Uint, Hex]),
    r(356, "memfd_create", RFd, D, &[Str, Hex]),
    r(357, "bpf", RInt, D, &[Int, Ptr, Uint]),
    r(358, "execveat", RInt, D | F | P, &[Dirfd, Path, Argv, Envp, AtFlags]),
    r(359, "socket", RFd, N, &[SockDomain, SockType, Int]),
    r(360, "socketpair", RInt, N, &[SockDomain, SockType, Int, FdPairOut]),
    r(361, "bind", RInt, N, &[Fd, SockaddrIn(2), Uint]),
    r(362, "connect", RInt, N, &[Fd, SockaddrIn(2), Uint]),
    r(363, "listen", RInt, N, &[Fd, Int]),
    r(364, "accept4", RFd, N, &[Fd, SockaddrOut(2), Ptr, SockFlags]),
    r(365, "getsockopt", RInt, N, &[Fd, SockLevel, Int, Ptr, Ptr]),
    r(366, "setsockopt", RInt, N, &[Fd, SockLevel, Int, Ptr, Uint]),
    r(367, "getsockname", RInt, N, &[Fd, SockaddrOut(2), Ptr]),
    r(368, "getpeername", RInt, N, &[Fd, SockaddrOut(2), Ptr]),
    r(369, "sendto", RInt, N, &[Fd, BufIn(2), Uint, MsgFlags, SockaddrIn(5), Uint]),
    r(370, "sendmsg", RInt, N, &[Fd, MsghdrIn, MsgFlags]),
    r(371, "recvfrom", RInt, N, &[Fd, BufOut(2), Uint, MsgFlags, SockaddrOut(5), Ptr]),
    r(372, "recvmsg", RInt, N, &[Fd, MsghdrOut, MsgFlags]),
    r(373, "shutdown", RInt, N, &[Fd, ShutdownHow]),
    r(374, "userfaultfd", RFd, D, &[FdFlags]),
    r(375, "membarrier", RInt, 0, &[Int, Hex, Int]),
    r(376, "mlock2", RInt, M, &[Ptr, Uint, Hex]),
    r(377, "copy_file_range", RInt, D, &[Fd, Ptr, Fd, Ptr, Uint, Hex]),
    r(378, "preadv2", RInt, D, &[Fd, IovecOut(2), Int, OffLo, OffHi, Hex]),
    r(379, "pwritev2", RInt, D, &[Fd, IovecIn(2), Int, OffLo, OffHi, Hex]),
    r(380, "pkey_mprotect", RInt, M, &[Ptr, Uint, ProtFlags, Int]),
    r(381, "pkey_alloc", RInt, 0, H2),
    r(382, "pkey_free", RInt, 0, &[Int]),
    r(383, "statx", RInt, D | F | FST, &[Dirfd, Path, AtFlags, Hex, StatxOut]),
    r(384, "arch_prctl", RInt, 0, &[ArchPrctlCode, Hex]),
    r(385, "io_pgetevents", RInt, 0, &[Hex, Int, Int, Ptr, TimespecIn, Ptr]),
    r(386, "rseq", RInt, 0, &[Ptr, Uint, Hex, Hex]),
    r(393, "semget", RInt, I, &[Hex, Int, Hex]),
    r(394, "semctl", RInt, I, &[Int, Int, Int, Hex]),
    r(395, "shmget", RInt, I, &[Hex, Uint, Hex]),
    r(396, "shmctl", RInt, I, &[Int, Int, Ptr]),
    r(397, "shmat", RPtr, I | M, &[Int, Ptr, Hex]),
    r(398, "shmdt", RInt, I | M, &[Ptr]),
    r(399, "msgget", RInt, I, &[Hex, Hex]),
    r(400, "msgsnd", RInt, I, &[Int, Ptr, Uint, Hex]),
    r(401, "msgrcv", RInt, I, &[Int, Ptr, Uint, Int, Hex]),
    r(402, "msgctl", RInt, I, &[Int, Int, Ptr]),
    r(403, "clock_gettime64", RInt, CL, &[ClockId, Timespec64Out]),
    r(404, "clock_settime64", RInt, CL, &[ClockId, Timespec64In]),
    r(405, "clock_adjtime64", RInt, CL, &[ClockId, Ptr]),
    r(406, "clock_getres_time64", RInt, CL, &[ClockId, Timespec64Out]),
    r(407, "clock_nanosleep_time64", RInt, 0, &[ClockId, Hex, Timespec64In, Timespec64Out]),
    r(408, "timer_gettime64", RInt, 0, &[Int, Ptr]),
    r(409, "timer_settime64", RInt, 0, &[Int, Hex, Ptr, Ptr]),
    r(410, "timerfd_gettime64", RInt, D, &[Fd, Ptr]),
    r(411, "timerfd_settime64", RInt, D, &[Fd, Hex, Ptr, Ptr]),
    r(412, "utimensat_time64", RInt, D | F, &[Dirfd, Path, Ptr, AtFlags]),
    r(413, "pselect6_time64", RInt, D, &[Int, FdSet(0), FdSet(0), FdSet(0), Timespec64In, Ptr]),
    r(414, "ppoll_time64", RInt, D, &[Pollfd(1), Uint, Timespec64In, SigsetIn, Uint]),
    r(416, "io_pgetevents_time64", RInt, 0, &[Hex, Int, Int, Ptr, Timespec64In, Ptr]),
    r(417, "recvmmsg_time64", RInt, N, &[Fd, Ptr, Uint, MsgFlags, Timespec64In]),
    r(418, "mq_timedsend_time64", RInt, D, &[Fd, BufIn(2), Uint, Uint, Timespec64In]),
    r(419, "mq_timedreceive_time64", RInt, D, &[Fd, BufOut(2), Uint, Ptr, Timespec64In]),
    r(420, "semtimedop_time64", RInt, I, &[Int, Ptr, Uint, Timespec64In]),
    r(421, "rt_sigtimedwait_time64", RInt, S, &[SigsetIn, Ptr, Timespec64In, Uint]),
    r(422, "futex_time64", RInt, 0, &[Ptr, FutexOp, Int, FutexTimeout, Ptr, Int]),
    r(423, "sched_rr_get_interval_time64", RInt, 0, &[Int, Timespec64Out]),
    r(424, "pidfd_send_signal", RInt, D | S | P, &[Fd, Signal, Ptr, Hex]),
    r(425, "io_uring_setup", RFd, D, &[Uint, Ptr]),
    r(426, "io_uring_enter", RInt, D | S, &[Fd, Uint, Uint, Hex, SigsetIn, Uint]),
    r(427, "io_uring_register", RInt, D | M, &[Fd, Uint, Ptr, Uint]),
    r(428, "open_tree", RFd, D | F, &[Dirfd, Path, Hex]),
    r(429, "move_mount", RInt, D | F, &[Dirfd, Path, Dirfd, Path, Hex]),
    r(430, "fsopen", RFd, D, &[Str, Hex]),
    r(431, "fsconfig", RInt, D | F, &[Fd, Uint, Str, Ptr, Int]),
    r(432, "fsmount", RFd, D, &[Fd, Hex, Hex]),
    r(433, "fspick", RFd, D | F, &[Dirfd, Path, Hex]),
    r(434, "pidfd_open", RFd, D, &[Int, Hex]),
    r(435, "clone3", RInt, P, &[CloneArgs, Uint]),
    r(436, "close_range", RInt, 0, &[Fd, Fd, Hex]),
    r(437, "openat2", RFd, D | F, &[Dirfd, Path, Ptr, Uint]),
    r(438, "pidfd_getfd", RFd, D, &[Fd, Fd, Hex]),
    r(439, "faccessat2", RInt, D | F, &[Dirfd, Path, AccessMode, AtFlags]),
    r(440, "process_madvise", RInt, D, &[Fd, Ptr, Uint, Madvise, Hex]),
    r(441, "epoll_pwait2", RInt, D, &[Fd, Ptr, Int, TimespecIn, SigsetIn, Uint]),
    r(442, "mount_setattr", RInt, D | F, &[Dirfd, Path, AtFlags, Ptr, Uint]),
    r(443, "quotactl_fd", RInt, D, &[Fd, Hex, Int, Ptr]),
    r(444, "landlock_create_ruleset", RFd, D, &[Ptr, Uint, Hex]),
    r(445, "landlock_add_rule", RInt, D, &[Fd, Int, Ptr, Hex]),
    r(446, "landlock_restrict_self", RInt, D, &[Fd, Hex]),
    r(447, "memfd_secret", RFd, D, &[Hex]),
    r(448, "process_mrelease", RInt, D, &[Fd, Hex]),
    r(449, "futex_waitv", RInt, 0, &[Ptr, Uint, Hex, TimespecIn, ClockId]),
    r(450, "set_mempolicy_home_node", RInt, M, &[Ptr, Uint, Uint, Hex]),
    r(451, "cachestat", RInt, D, &[Fd, Ptr, Ptr, Hex]),
    r(452, "fchmodat2", RInt, D | F, &[Dirfd, Path, Mode, AtFlags]),
    r(453, "map_shadow_stack", RPtr, M, &[Ptr, Uint, Hex]),
    r(454, "futex_wake", RInt, 0, &[Ptr, Hex, Int, Hex]),
    r(455, "futex_wait", RInt, 0, &[Ptr, Hex, Hex, Hex, TimespecIn, ClockId]),
    r(456, "futex_requeue", RInt, 0, &[Ptr, Hex, Int, Int]),
    r(457, "statmount", RInt, 0, &[Ptr, Ptr, Uint, Hex]),
    r(458, "listmount", RInt, 0, &[Ptr, Ptr, Uint, Hex]),
    r(459, "lsm_get_self_attr", RInt, 0, &[Uint, Ptr, Ptr, Hex]),
    r(460, "lsm_set_self_attr", RInt, 0, &[Uint, Ptr, Uint, Hex]),
    r(461, "lsm_list_modules", RInt, 0, &[Ptr, Ptr, Hex]),
    r(462, "mseal", RInt, M, &[Ptr, Uint, Hex]),
    r(463, "setxattrat", RInt, D | F, &[Dirfd, Path, AtFlags, Str, Ptr, Uint]),
    r(464, "getxattrat", RInt, D | F, &[Dirfd, Path, AtFlags, Str, Ptr, Uint]),
    r(465, "listxattrat", RInt, D | F, &[Dirfd, Path, AtFlags, Ptr, Uint]),
    r(466, "removexattrat", RInt, D | F, &[Dirfd, Path, AtFlags, Str]),
    r(467, "open_tree_attr", RFd, D | F, &[Dirfd, Path, Hex, Ptr, Uint]),
    r(468, "file_getattr", RInt, D | F, &[Dirfd, Path, Ptr, Uint, AtFlags]),
    r(469, "file_setattr", RInt, D | F, &[Dirfd, Path, Ptr, Uint, AtFlags]),
];

/// One past the highest syscall number in [`TABLE`] and [`TABLE_I386`]; a
/// [`SyscallSet`] holds
/// numbers below this.
pub const MAX_NUMBER: u32 = 512;

/// The row for syscall `number`, or `None` if x86-64 Linux has no such call.
pub fn by_number(number: u32) -> Option<&'static Syscall> {
    TABLE
        .binary_search_by_key(&number, |s| s.number)
        .ok()
        .map(|i| &TABLE[i])
}

/// The row for the syscall called `name` (the kernel's spelling: `pread64`,
/// `newfstatat`).
pub fn by_name(name: &str) -> Option<&'static Syscall> {
    // ~380 short string compares: cheaper than building a map for the few
    // look-ups a `-e trace=` list makes.
    TABLE.iter().find(|s| s.name == name)
}

/// The syscall's name, or `None` for an unassigned number.
pub fn name(number: u32) -> Option<&'static str> {
    by_number(number).map(|s| s.name)
}

/// How many arguments syscall `number` takes (FreeBSD's `pl_syscall_narg`).
/// Unknown numbers take 6, so a tracer copies every argument register rather
/// than lose one.
pub fn nargs(number: u32) -> u32 {
    by_number(number).map_or(6, |s| u32::from(s.nargs))
}

/// Every syscall in the classes `class` (any of them).
pub fn in_class(class: Class) -> impl Iterator<Item = &'static Syscall> {
    TABLE.iter().filter(move |s| s.class.intersects(class))
}

/// A set of syscall numbers below [`MAX_NUMBER`], as a seccomp filter or a
/// `-e trace=` list needs.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SyscallSet {
    bits: [u64; (MAX_NUMBER / 64) as usize],
}

impl SyscallSet {
    /// No syscall.
    pub const fn empty() -> Self {
        SyscallSet {
            bits: [0; (MAX_NUMBER / 64) as usize],
        }
    }

    /// Every syscall in [`TABLE`].
    pub fn all() -> Self {
        TABLE.iter().map(|s| s.number).collect()
    }

    /// Every syscall of `arch`'s table.
    pub fn all_of(arch: Arch) -> Self {
        arch.table().iter().map(|s| s.number).collect()
    }

    /// Adds `number`; numbers at or above [`MAX_NUMBER`] are ignored.
    pub fn insert(&mut self, number: u32) {
        if number < MAX_NUMBER {
            self.bits[(number / 64) as usize] |= 1 << (number % 64);
        }
    }

    /// Removes `number`.
    pub fn remove(&mut self, number: u32) {
        if number < MAX_NUMBER {
            self.bits[(number / 64) as usize] &= !(1 << (number % 64));
        }
    }

    /// Whether `number` is in the set.
    pub fn contains(&self, number: u32) -> bool {
        number < MAX_NUMBER && self.bits[(number / 64) as usize] & (1 << (number % 64)) != 0
    }

    /// The syscalls of [`TABLE`] that are *not* in the set.
    pub fn complement(&self) -> Self {
        let mut out = SyscallSet::all();
        for (o, b) in out.bits.iter_mut().zip(self.bits) {
            *o &= !b;
        }
        out
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.bits.iter().all(|&b| b == 0)
    }

    /// How many numbers the set holds.
    pub fn len(&self) -> usize {
        self.bits.iter().map(|b| b.count_ones() as usize).sum()
    }

    /// The numbers in the set, ascending.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        (0..MAX_NUMBER).filter(move |&n| self.contains(n))
    }
}

impl FromIterator<u32> for SyscallSet {
    fn from_iter<T: IntoIterator<Item = u32>>(iter: T) -> Self {
        let mut set = SyscallSet::empty();
        for n in iter {
            set.insert(n);
        }
        set
    }
}

impl std::fmt::Debug for SyscallSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set()
            .entries(self.iter().map(|n| name(n).unwrap_or("?")))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        for w in TABLE.windows(2) {
            assert!(
                w[0].number < w[1].number,
                "{} then {}",
                w[0].name,
                w[1].name
            );
        }
        let mut names: Vec<_> = TABLE.iter().map(|s| s.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), TABLE.len());
    }

    #[test]
    fn every_number_the_syscalls_crate_knows_has_its_name() {
        // 0.8.1's Sysno::iter() stops before the last call, so walk numbers.
        use syscalls::x86_64::Sysno;
        let all: Vec<Sysno> = (0..MAX_NUMBER as usize).filter_map(Sysno::new).collect();
        assert_eq!(all.len(), Sysno::count());
        for sysno in all {
            let row = by_number(sysno.id() as u32)
                .unwrap_or_else(|| panic!("no row for {} ({})", sysno.name(), sysno.id()));
            assert_eq!(row.name, sysno.name());
            assert_eq!(
                by_name(sysno.name()).map(|s| s.number),
                Some(sysno.id() as u32)
            );
        }
        assert_eq!(TABLE.len(), Sysno::count());
    }

    #[test]
    fn the_i386_table_is_sorted_unique_and_complete() {
        for w in TABLE_I386.windows(2) {
            assert!(w[0].number < w[1].number, "{} then {}", w[0].name, w[1].name);
        }
        use syscalls::x86::Sysno;
        let all: Vec<Sysno> = (0..MAX_NUMBER as usize).filter_map(Sysno::new).collect();
        for sysno in &all {
            let row = Arch::I386
                .by_number(sysno.id() as u32)
                .unwrap_or_else(|| panic!("no i386 row for {} ({})", sysno.name(), sysno.id()));
            assert_eq!(row.name, sysno.name().trim_start_matches("r#"));
        }
        assert_eq!(TABLE_I386.len(), all.len());
        for s in TABLE_I386 {
            assert_eq!(s.nargs as usize, s.args.len());
            assert!(s.nargs <= 6, "{}", s.name);
            // The halves of a 64-bit value come in pairs.
            let lo = s.args.iter().filter(|a| **a == OffLo).count();
            let hi = s.args.iter().filter(|a| **a == OffHi).count();
            assert_eq!(lo, hi, "{}", s.name);
        }
    }

    #[test]
    fn i386_calls_that_split_64_bit_values_take_more_registers() {
        for (name, n) in [
            ("read", 3),
            ("exit", 1),
            ("mmap", 1),
            ("mmap2", 6),
            ("pread64", 5),
            ("pwrite64", 5),
            ("_llseek", 5),
            ("fadvise64_64", 6),
            ("truncate64", 3),
            ("socketcall", 2),
            ("ipc", 6),
            ("clock_gettime64", 2),
            ("statx", 5),
            ("clone", 5),
        ] {
            assert_eq!(Arch::I386.by_name(name).map(|s| s.nargs), Some(n), "{name}");
        }
        assert_eq!(Arch::I386.by_name("read").unwrap().number, 3);
        assert_eq!(Arch::I386.name(252), Some("exit_group"));
        assert_eq!(Arch::I386.translate(Arch::X86_64, 157), Some(172)); // prctl
        assert_eq!(Arch::X86_64.translate(Arch::I386, 4), Some(1)); // write
        assert_eq!(Arch::I386.translate(Arch::X86_64, 184), None); // tuxcall
    }

    #[test]
    fn arch_helpers() {
        assert_eq!(Arch::from_audit(AUDIT_ARCH_I386), Some(Arch::I386));
        assert_eq!(Arch::from_audit(0x4000_0028), None); // ARM
        assert_eq!(Arch::I386.error_of(0xffff_fffe), Some(2));
        assert_eq!(Arch::I386.error_of(u64::MAX - 1), Some(2));
        assert_eq!(Arch::I386.error_of(0xf7f0_0000), None);
        assert_eq!(Arch::X86_64.error_of(0xffff_fffe), None);
        assert_eq!(Arch::X86_64.error_of(-9i64 as u64), Some(9));
        assert!(Arch::I386.is_thread_exit(1) && !Arch::X86_64.is_thread_exit(1));
        assert!(Arch::I386.is_sigreturn(119) && Arch::I386.is_sigreturn(173));
        assert!(Arch::I386.is_exec(11) && Arch::X86_64.is_exec(59));
        assert_eq!(Arch::I386.signed(0xffff_ffff), -1);
    }

    #[test]
    fn nargs_of_well_known_calls() {
        for (name, n) in [
            ("read", 3),
            ("write", 3),
            ("openat", 4),
            ("mmap", 6),
            ("exit_group", 1),
            ("clone", 5),
            ("clone3", 2),
            ("execve", 3),
            ("execveat", 5),
            ("wait4", 4),
            ("waitid", 5),
            ("futex", 6),
            ("rt_sigaction", 4),
            ("getpid", 0),
            ("ptrace", 4),
            ("statx", 5),
            ("recvfrom", 6),
            ("ppoll", 5),
        ] {
            let s = by_name(name).unwrap();
            assert_eq!(s.nargs, n, "{name}");
            assert_eq!(nargs(s.number), n as u32, "{name}");
        }
        assert_eq!(nargs(400), 6);
    }

    /// The running kernel describes each syscall's arguments in tracefs
    /// (`sys_enter_NAME/format`); where it is mounted, every row must agree.
    #[test]
    fn nargs_agree_with_the_running_kernel() {
        // BSDTRACE_TRACEFS names a tracefs mounted elsewhere.
        let custom = std::env::var("BSDTRACE_TRACEFS").map(|t| format!("{t}/events/syscalls"));
        let base = custom
            .into_iter()
            .chain(
                ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"]
                    .map(|t| format!("{t}/events/syscalls")),
            )
            .find(|p| std::path::Path::new(p).is_dir());
        let Some(base) = base else {
            eprintln!("tracefs not mounted: kernel cross-check skipped");
            return;
        };
        let mut checked = 0;
        for s in TABLE {
            // The kernel's metadata names a few calls after their handler.
            let kname = match s.name {
                "sendfile" => "sendfile64",
                "umount2" => "umount",
                n => n,
            };
            let Ok(fmt) = std::fs::read_to_string(format!("{base}/sys_enter_{kname}/format"))
            else {
                continue; // not built into this kernel
            };
            let fields = fmt
                .lines()
                .filter(|l| l.trim_start().starts_with("field:"))
                .count();
            // common_type, common_flags, common_preempt_count, common_pid, __syscall_nr
            assert_eq!(s.nargs as usize, fields - 5, "{}", s.name);
            checked += 1;
        }
        assert!(checked > 300, "only {checked} syscalls found in tracefs");
    }

    #[test]
    fn length_arguments_point_inside_the_row() {
        for s in TABLE {
            assert_eq!(s.nargs as usize, s.args.len());
            assert!(s.nargs <= 6, "{}", s.name);
            for a in s.args {
                if let BufIn(i) | BufOut(i) | IovecIn(i) | IovecOut(i) | Pollfd(i) | SockaddrIn(i)
                | SockaddrOut(i) = *a
                {
                    assert!((i as usize) < s.args.len(), "{}", s.name);
                }
            }
        }
    }

    #[test]
    fn classes_follow_strace() {
        let file: Vec<_> = in_class(Class::FILE).map(|s| s.name).collect();
        for n in [
            "open", "openat", "stat", "execve", "unlinkat", "statx", "readlink",
        ] {
            assert!(file.contains(&n), "{n}");
        }
        assert!(!file.contains(&"read"));
        assert!(by_name("socket").unwrap().class.contains(Class::NETWORK));
        assert!(by_name("kill")
            .unwrap()
            .class
            .contains(Class::SIGNAL | Class::PROCESS));
        assert!(by_name("mmap")
            .unwrap()
            .class
            .contains(Class::MEMORY | Class::DESC));
        assert!(by_name("clock_gettime")
            .unwrap()
            .class
            .contains(Class::CLOCK));
        assert!(by_name("setuid").unwrap().class.contains(Class::CREDS));
        assert!(by_name("shmget").unwrap().class.contains(Class::IPC));
        assert!(by_name("getpid").unwrap().class.contains(Class::PURE));
        assert_eq!(Class::by_name("net"), Some(Class::NETWORK));
    }

    #[test]
    fn set_operations() {
        let mut s = SyscallSet::empty();
        s.insert(0);
        s.insert(469);
        s.insert(9999);
        assert!(s.contains(0) && s.contains(469) && !s.contains(1));
        assert_eq!(s.len(), 2);
        let c = s.complement();
        assert!(!c.contains(0) && c.contains(1) && !c.contains(400));
        assert_eq!(c.len() + 2, TABLE.len());
        s.remove(0);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![469]);
    }
}
