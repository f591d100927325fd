//! The x86-64 Linux system call table: one row per syscall, with the kinds of
//! its arguments, the kind of its return value and its strace-style classes.
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
//! The numbers are those of the x86-64 ABI (not x32, not ia32). Numbers the
//! kernel has never assigned (335..=423 apart from the uprobe calls) have no
//! row: [`by_number`] returns `None` for them.
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

/// One past the highest syscall number in [`TABLE`]; a [`SyscallSet`] holds
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
