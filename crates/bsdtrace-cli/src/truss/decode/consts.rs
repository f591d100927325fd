//! Symbolic names for the values the printers decode: x86-64 Linux flag
//! bits, enumerations, signal and errno names. Pure data.

/// `(bits, name)` rows for [`super::print::flags`]: multi-bit names come
/// before the single bits they contain.
pub type FlagTable = &'static [(u64, &'static str)];
/// `(value, name)` rows for [`super::print::enumerated`].
pub type EnumTable = &'static [(i64, &'static str)];

pub const OPEN_FLAGS: FlagTable = &[
    (libc::O_SYNC as u32 as u64, "O_SYNC"),
    (libc::O_TMPFILE as u32 as u64, "O_TMPFILE"),
    (libc::O_CREAT as u32 as u64, "O_CREAT"),
    (libc::O_EXCL as u32 as u64, "O_EXCL"),
    (libc::O_NOCTTY as u32 as u64, "O_NOCTTY"),
    (libc::O_TRUNC as u32 as u64, "O_TRUNC"),
    (libc::O_APPEND as u32 as u64, "O_APPEND"),
    (libc::O_NONBLOCK as u32 as u64, "O_NONBLOCK"),
    (libc::O_DSYNC as u32 as u64, "O_DSYNC"),
    (libc::O_ASYNC as u32 as u64, "O_ASYNC"),
    (libc::O_DIRECT as u32 as u64, "O_DIRECT"),
    (libc::O_LARGEFILE as u32 as u64, "O_LARGEFILE"),
    (libc::O_DIRECTORY as u32 as u64, "O_DIRECTORY"),
    (libc::O_NOFOLLOW as u32 as u64, "O_NOFOLLOW"),
    (libc::O_NOATIME as u32 as u64, "O_NOATIME"),
    (libc::O_CLOEXEC as u32 as u64, "O_CLOEXEC"),
    (libc::O_PATH as u32 as u64, "O_PATH"),
];

pub const ACCESS_MODES: EnumTable = &[(libc::O_RDONLY as i64, "O_RDONLY"), (libc::O_WRONLY as i64, "O_WRONLY"), (libc::O_RDWR as i64, "O_RDWR")];

pub const ACCESS_FLAGS: FlagTable = &[(libc::R_OK as u32 as u64, "R_OK"), (libc::W_OK as u32 as u64, "W_OK"), (libc::X_OK as u32 as u64, "X_OK")];

pub const AT_FLAGS: FlagTable = &[
    (libc::AT_SYMLINK_NOFOLLOW as u32 as u64, "AT_SYMLINK_NOFOLLOW"),
    (libc::AT_EACCESS as u32 as u64, "AT_EACCESS"),
    (libc::AT_SYMLINK_FOLLOW as u32 as u64, "AT_SYMLINK_FOLLOW"),
    (libc::AT_NO_AUTOMOUNT as u32 as u64, "AT_NO_AUTOMOUNT"),
    (libc::AT_EMPTY_PATH as u32 as u64, "AT_EMPTY_PATH"),
    (libc::AT_STATX_FORCE_SYNC as u32 as u64, "AT_STATX_FORCE_SYNC"),
    (libc::AT_STATX_DONT_SYNC as u32 as u64, "AT_STATX_DONT_SYNC"),
    (libc::AT_RECURSIVE as u32 as u64, "AT_RECURSIVE"),
];

pub const UNLINKAT_FLAGS: FlagTable = &[(libc::AT_REMOVEDIR as u32 as u64, "AT_REMOVEDIR")];

pub const PROT_FLAGS: FlagTable = &[
    (libc::PROT_READ as u32 as u64, "PROT_READ"),
    (libc::PROT_WRITE as u32 as u64, "PROT_WRITE"),
    (libc::PROT_EXEC as u32 as u64, "PROT_EXEC"),
    (8, "PROT_SEM"),
    (libc::PROT_GROWSDOWN as u32 as u64, "PROT_GROWSDOWN"),
    (libc::PROT_GROWSUP as u32 as u64, "PROT_GROWSUP"),
];

pub const MAP_TYPES: EnumTable = &[
    (libc::MAP_SHARED as i64, "MAP_SHARED"),
    (libc::MAP_PRIVATE as i64, "MAP_PRIVATE"),
    (libc::MAP_SHARED_VALIDATE as i64, "MAP_SHARED_VALIDATE"),
];

pub const MAP_FLAGS: FlagTable = &[
    (libc::MAP_FIXED as u32 as u64, "MAP_FIXED"),
    (libc::MAP_ANONYMOUS as u32 as u64, "MAP_ANONYMOUS"),
    (libc::MAP_32BIT as u32 as u64, "MAP_32BIT"),
    (libc::MAP_GROWSDOWN as u32 as u64, "MAP_GROWSDOWN"),
    (libc::MAP_DENYWRITE as u32 as u64, "MAP_DENYWRITE"),
    (libc::MAP_EXECUTABLE as u32 as u64, "MAP_EXECUTABLE"),
    (libc::MAP_LOCKED as u32 as u64, "MAP_LOCKED"),
    (libc::MAP_NORESERVE as u32 as u64, "MAP_NORESERVE"),
    (libc::MAP_POPULATE as u32 as u64, "MAP_POPULATE"),
    (libc::MAP_NONBLOCK as u32 as u64, "MAP_NONBLOCK"),
    (libc::MAP_STACK as u32 as u64, "MAP_STACK"),
    (libc::MAP_HUGETLB as u32 as u64, "MAP_HUGETLB"),
    (libc::MAP_SYNC as u32 as u64, "MAP_SYNC"),
    (libc::MAP_FIXED_NOREPLACE as u32 as u64, "MAP_FIXED_NOREPLACE"),
    (0x4000000, "MAP_UNINITIALIZED"),
];

pub const MREMAP_FLAGS: FlagTable = &[
    (libc::MREMAP_MAYMOVE as u32 as u64, "MREMAP_MAYMOVE"),
    (libc::MREMAP_FIXED as u32 as u64, "MREMAP_FIXED"),
    (libc::MREMAP_DONTUNMAP as u32 as u64, "MREMAP_DONTUNMAP"),
];

pub const MSYNC_FLAGS: FlagTable = &[(libc::MS_ASYNC as u32 as u64, "MS_ASYNC"), (libc::MS_INVALIDATE as u32 as u64, "MS_INVALIDATE"), (libc::MS_SYNC as u32 as u64, "MS_SYNC")];

pub const MADVISE: EnumTable = &[
    (libc::MADV_NORMAL as i64, "MADV_NORMAL"),
    (libc::MADV_RANDOM as i64, "MADV_RANDOM"),
    (libc::MADV_SEQUENTIAL as i64, "MADV_SEQUENTIAL"),
    (libc::MADV_WILLNEED as i64, "MADV_WILLNEED"),
    (libc::MADV_DONTNEED as i64, "MADV_DONTNEED"),
    (libc::MADV_FREE as i64, "MADV_FREE"),
    (libc::MADV_REMOVE as i64, "MADV_REMOVE"),
    (libc::MADV_DONTFORK as i64, "MADV_DONTFORK"),
    (libc::MADV_DOFORK as i64, "MADV_DOFORK"),
    (libc::MADV_MERGEABLE as i64, "MADV_MERGEABLE"),
    (libc::MADV_UNMERGEABLE as i64, "MADV_UNMERGEABLE"),
    (libc::MADV_HUGEPAGE as i64, "MADV_HUGEPAGE"),
    (libc::MADV_NOHUGEPAGE as i64, "MADV_NOHUGEPAGE"),
    (libc::MADV_DONTDUMP as i64, "MADV_DONTDUMP"),
    (libc::MADV_DODUMP as i64, "MADV_DODUMP"),
    (libc::MADV_WIPEONFORK as i64, "MADV_WIPEONFORK"),
    (libc::MADV_KEEPONFORK as i64, "MADV_KEEPONFORK"),
    (libc::MADV_COLD as i64, "MADV_COLD"),
    (libc::MADV_PAGEOUT as i64, "MADV_PAGEOUT"),
    (libc::MADV_POPULATE_READ as i64, "MADV_POPULATE_READ"),
    (libc::MADV_POPULATE_WRITE as i64, "MADV_POPULATE_WRITE"),
    (libc::MADV_DONTNEED_LOCKED as i64, "MADV_DONTNEED_LOCKED"),
    (libc::MADV_COLLAPSE as i64, "MADV_COLLAPSE"),
    (libc::MADV_HWPOISON as i64, "MADV_HWPOISON"),
    (libc::MADV_SOFT_OFFLINE as i64, "MADV_SOFT_OFFLINE"),
];

pub const FADVISE: EnumTable = &[
    (libc::POSIX_FADV_NORMAL as i64, "POSIX_FADV_NORMAL"),
    (libc::POSIX_FADV_RANDOM as i64, "POSIX_FADV_RANDOM"),
    (libc::POSIX_FADV_SEQUENTIAL as i64, "POSIX_FADV_SEQUENTIAL"),
    (libc::POSIX_FADV_WILLNEED as i64, "POSIX_FADV_WILLNEED"),
    (libc::POSIX_FADV_DONTNEED as i64, "POSIX_FADV_DONTNEED"),
    (libc::POSIX_FADV_NOREUSE as i64, "POSIX_FADV_NOREUSE"),
];

pub const CLONE_FLAGS: FlagTable = &[
    (libc::CLONE_NEWTIME as u32 as u64, "CLONE_NEWTIME"),
    (libc::CLONE_VM as u32 as u64, "CLONE_VM"),
    (libc::CLONE_FS as u32 as u64, "CLONE_FS"),
    (libc::CLONE_FILES as u32 as u64, "CLONE_FILES"),
    (libc::CLONE_SIGHAND as u32 as u64, "CLONE_SIGHAND"),
    (libc::CLONE_PIDFD as u32 as u64, "CLONE_PIDFD"),
    (libc::CLONE_PTRACE as u32 as u64, "CLONE_PTRACE"),
    (libc::CLONE_VFORK as u32 as u64, "CLONE_VFORK"),
    (libc::CLONE_PARENT as u32 as u64, "CLONE_PARENT"),
    (libc::CLONE_THREAD as u32 as u64, "CLONE_THREAD"),
    (libc::CLONE_NEWNS as u32 as u64, "CLONE_NEWNS"),
    (libc::CLONE_SYSVSEM as u32 as u64, "CLONE_SYSVSEM"),
    (libc::CLONE_SETTLS as u32 as u64, "CLONE_SETTLS"),
    (libc::CLONE_PARENT_SETTID as u32 as u64, "CLONE_PARENT_SETTID"),
    (libc::CLONE_CHILD_CLEARTID as u32 as u64, "CLONE_CHILD_CLEARTID"),
    (libc::CLONE_DETACHED as u32 as u64, "CLONE_DETACHED"),
    (libc::CLONE_UNTRACED as u32 as u64, "CLONE_UNTRACED"),
    (libc::CLONE_CHILD_SETTID as u32 as u64, "CLONE_CHILD_SETTID"),
    (libc::CLONE_NEWCGROUP as u32 as u64, "CLONE_NEWCGROUP"),
    (libc::CLONE_NEWUTS as u32 as u64, "CLONE_NEWUTS"),
    (libc::CLONE_NEWIPC as u32 as u64, "CLONE_NEWIPC"),
    (libc::CLONE_NEWUSER as u32 as u64, "CLONE_NEWUSER"),
    (libc::CLONE_NEWPID as u32 as u64, "CLONE_NEWPID"),
    (libc::CLONE_NEWNET as u32 as u64, "CLONE_NEWNET"),
    (libc::CLONE_IO as u32 as u64, "CLONE_IO"),
];

/// Linux signal names, index = signal number (x86-64).
pub const SIGNALS: [&str; 32] = [
    "0",
    "SIGHUP",
    "SIGINT",
    "SIGQUIT",
    "SIGILL",
    "SIGTRAP",
    "SIGABRT",
    "SIGBUS",
    "SIGFPE",
    "SIGKILL",
    "SIGUSR1",
    "SIGSEGV",
    "SIGUSR2",
    "SIGPIPE",
    "SIGALRM",
    "SIGTERM",
    "SIGSTKFLT",
    "SIGCHLD",
    "SIGCONT",
    "SIGSTOP",
    "SIGTSTP",
    "SIGTTIN",
    "SIGTTOU",
    "SIGURG",
    "SIGXCPU",
    "SIGXFSZ",
    "SIGVTALRM",
    "SIGPROF",
    "SIGWINCH",
    "SIGIO",
    "SIGPWR",
    "SIGSYS",
];

/// The kernel's first real-time signal.
pub const SIGRTMIN: u32 = 32;
/// The last signal number.
pub const SIGRTMAX: u32 = 64;

/// The name of signal `sig` (`SIGUSR1`, `SIGRTMIN+3`), or `None` outside 1..=64.
pub fn signal_name(sig: u32) -> Option<String> {
    match sig {
        1..=31 => Some(SIGNALS[sig as usize].to_string()),
        SIGRTMIN => Some("SIGRTMIN".to_string()),
        33..=SIGRTMAX => Some(format!("SIGRTMIN+{}", sig - SIGRTMIN)),
        _ => None,
    }
}

/// The number of the signal named `name`, with or without `SIG`
/// (`"USR1"`, `"SIGUSR1"`, `"SIGRTMIN+2"`, `"IOT"`, `"POLL"`), any case.
pub fn signal_number(name: &str) -> Option<u32> {
    let up = name.to_ascii_uppercase();
    let bare = up.strip_prefix("SIG").unwrap_or(&up);
    match bare {
        "IOT" => return Some(6),
        "POLL" => return Some(29),
        "CLD" => return Some(17),
        "RTMIN" => return Some(SIGRTMIN),
        "RTMAX" => return Some(SIGRTMAX),
        _ => {}
    }
    if let Some(n) = bare.strip_prefix("RTMIN+") {
        return n
            .parse::<u32>()
            .ok()
            .map(|n| SIGRTMIN + n)
            .filter(|&s| s <= SIGRTMAX);
    }
    if let Some(n) = bare.strip_prefix("RTMAX-") {
        return n
            .parse::<u32>()
            .ok()
            .and_then(|n| SIGRTMAX.checked_sub(n))
            .filter(|&s| s >= SIGRTMIN);
    }
    (1..32).find(|&i| &SIGNALS[i as usize][3..] == bare)
}

pub const SIG_HOW: EnumTable = &[(libc::SIG_BLOCK as i64, "SIG_BLOCK"), (libc::SIG_UNBLOCK as i64, "SIG_UNBLOCK"), (libc::SIG_SETMASK as i64, "SIG_SETMASK")];

pub const SA_FLAGS: FlagTable = &[
    (libc::SA_NOCLDSTOP as u32 as u64, "SA_NOCLDSTOP"),
    (libc::SA_NOCLDWAIT as u32 as u64, "SA_NOCLDWAIT"),
    (libc::SA_SIGINFO as u32 as u64, "SA_SIGINFO"),
    (0x400, "SA_UNSUPPORTED"),
    (0x800, "SA_EXPOSE_TAGBITS"),
    (0x0400_0000, "SA_RESTORER"),
    (libc::SA_ONSTACK as u32 as u64, "SA_ONSTACK"),
    (libc::SA_RESTART as u32 as u64, "SA_RESTART"),
    (libc::SA_NODEFER as u32 as u64, "SA_NODEFER"),
    (libc::SA_RESETHAND as u32 as u64, "SA_RESETHAND"),
];

pub const WHENCE: EnumTable = &[
    (libc::SEEK_SET as i64, "SEEK_SET"),
    (libc::SEEK_CUR as i64, "SEEK_CUR"),
    (libc::SEEK_END as i64, "SEEK_END"),
    (libc::SEEK_DATA as i64, "SEEK_DATA"),
    (libc::SEEK_HOLE as i64, "SEEK_HOLE"),
];

pub const FCNTL_CMDS: EnumTable = &[
    (libc::F_DUPFD as i64, "F_DUPFD"),
    (libc::F_GETFD as i64, "F_GETFD"),
    (libc::F_SETFD as i64, "F_SETFD"),
    (libc::F_GETFL as i64, "F_GETFL"),
    (libc::F_SETFL as i64, "F_SETFL"),
    (libc::F_GETLK as i64, "F_GETLK"),
    (libc::F_SETLK as i64, "F_SETLK"),
    (libc::F_SETLKW as i64, "F_SETLKW"),
    (libc::F_SETOWN as i64, "F_SETOWN"),
    (libc::F_GETOWN as i64, "F_GETOWN"),
    (10, "F_SETSIG"),
    (11, "F_GETSIG"),
    (15, "F_SETOWN_EX"),
    (16, "F_GETOWN_EX"),
    (libc::F_OFD_GETLK as i64, "F_OFD_GETLK"),
    (libc::F_OFD_SETLK as i64, "F_OFD_SETLK"),
    (libc::F_OFD_SETLKW as i64, "F_OFD_SETLKW"),
    (libc::F_SETLEASE as i64, "F_SETLEASE"),
    (libc::F_GETLEASE as i64, "F_GETLEASE"),
    (libc::F_NOTIFY as i64, "F_NOTIFY"),
    (1027, "F_DUPFD_QUERY"),
    (libc::F_DUPFD_CLOEXEC as i64, "F_DUPFD_CLOEXEC"),
    (libc::F_SETPIPE_SZ as i64, "F_SETPIPE_SZ"),
    (libc::F_GETPIPE_SZ as i64, "F_GETPIPE_SZ"),
    (libc::F_ADD_SEALS as i64, "F_ADD_SEALS"),
    (libc::F_GET_SEALS as i64, "F_GET_SEALS"),
    (1035, "F_GET_RW_HINT"),
    (1036, "F_SET_RW_HINT"),
    (1037, "F_GET_FILE_RW_HINT"),
    (1038, "F_SET_FILE_RW_HINT"),
];

pub const FD_FLAGS: FlagTable = &[(libc::FD_CLOEXEC as u32 as u64, "FD_CLOEXEC")];

pub const SEALS: FlagTable = &[
    (libc::F_SEAL_SEAL as u32 as u64, "F_SEAL_SEAL"),
    (libc::F_SEAL_SHRINK as u32 as u64, "F_SEAL_SHRINK"),
    (libc::F_SEAL_GROW as u32 as u64, "F_SEAL_GROW"),
    (libc::F_SEAL_WRITE as u32 as u64, "F_SEAL_WRITE"),
    (libc::F_SEAL_FUTURE_WRITE as u32 as u64, "F_SEAL_FUTURE_WRITE"),
    (libc::F_SEAL_EXEC as u32 as u64, "F_SEAL_EXEC"),
];

pub const FLOCK_OPS: FlagTable = &[
    (libc::LOCK_SH as u32 as u64, "LOCK_SH"),
    (libc::LOCK_EX as u32 as u64, "LOCK_EX"),
    (libc::LOCK_NB as u32 as u64, "LOCK_NB"),
    (libc::LOCK_UN as u32 as u64, "LOCK_UN"),
];

pub const ADDRESS_FAMILIES: EnumTable = &[
    (libc::AF_UNSPEC as i64, "AF_UNSPEC"),
    (libc::AF_UNIX as i64, "AF_UNIX"),
    (libc::AF_INET as i64, "AF_INET"),
    (libc::AF_AX25 as i64, "AF_AX25"),
    (libc::AF_IPX as i64, "AF_IPX"),
    (libc::AF_APPLETALK as i64, "AF_APPLETALK"),
    (libc::AF_NETROM as i64, "AF_NETROM"),
    (libc::AF_BRIDGE as i64, "AF_BRIDGE"),
    (libc::AF_ATMPVC as i64, "AF_ATMPVC"),
    (libc::AF_X25 as i64, "AF_X25"),
    (libc::AF_INET6 as i64, "AF_INET6"),
    (libc::AF_ROSE as i64, "AF_ROSE"),
    (12, "AF_DECnet"),
    (libc::AF_NETBEUI as i64, "AF_NETBEUI"),
    (libc::AF_SECURITY as i64, "AF_SECURITY"),
    (libc::AF_KEY as i64, "AF_KEY"),
    (libc::AF_NETLINK as i64, "AF_NETLINK"),
    (libc::AF_PACKET as i64, "AF_PACKET"),
    (libc::AF_RDS as i64, "AF_RDS"),
    (libc::AF_IRDA as i64, "AF_IRDA"),
    (libc::AF_CAN as i64, "AF_CAN"),
    (libc::AF_TIPC as i64, "AF_TIPC"),
    (libc::AF_BLUETOOTH as i64, "AF_BLUETOOTH"),
    (libc::AF_ALG as i64, "AF_ALG"),
    (libc::AF_VSOCK as i64, "AF_VSOCK"),
    (libc::AF_XDP as i64, "AF_XDP"),
    (45, "AF_MCTP"),
];

pub const SOCK_TYPES: EnumTable = &[
    (libc::SOCK_STREAM as i64, "SOCK_STREAM"),
    (libc::SOCK_DGRAM as i64, "SOCK_DGRAM"),
    (libc::SOCK_RAW as i64, "SOCK_RAW"),
    (libc::SOCK_RDM as i64, "SOCK_RDM"),
    (libc::SOCK_SEQPACKET as i64, "SOCK_SEQPACKET"),
    (libc::SOCK_DCCP as i64, "SOCK_DCCP"),
    (10, "SOCK_PACKET"), // libc deprecates the constant
];

pub const SOCK_FLAGS: FlagTable = &[(libc::SOCK_NONBLOCK as u32 as u64, "SOCK_NONBLOCK"), (libc::SOCK_CLOEXEC as u32 as u64, "SOCK_CLOEXEC")];

pub const SOCK_LEVELS: EnumTable = &[
    (libc::IPPROTO_IP as i64, "IPPROTO_IP"),
    (libc::SOL_SOCKET as i64, "SOL_SOCKET"),
    (libc::IPPROTO_TCP as i64, "IPPROTO_TCP"),
    (libc::IPPROTO_UDP as i64, "IPPROTO_UDP"),
    (libc::IPPROTO_IPV6 as i64, "IPPROTO_IPV6"),
    (libc::IPPROTO_ICMPV6 as i64, "IPPROTO_ICMPV6"),
    (libc::SOL_RAW as i64, "SOL_RAW"),
    (libc::SOL_PACKET as i64, "SOL_PACKET"),
    (libc::SOL_NETLINK as i64, "SOL_NETLINK"),
    (libc::SOL_ALG as i64, "SOL_ALG"),
    (libc::SOL_TLS as i64, "SOL_TLS"),
];

pub const MSG_FLAGS: FlagTable = &[
    (libc::MSG_OOB as u32 as u64, "MSG_OOB"),
    (libc::MSG_PEEK as u32 as u64, "MSG_PEEK"),
    (libc::MSG_DONTROUTE as u32 as u64, "MSG_DONTROUTE"),
    (libc::MSG_CTRUNC as u32 as u64, "MSG_CTRUNC"),
    (0x10, "MSG_PROXY"),
    (libc::MSG_TRUNC as u32 as u64, "MSG_TRUNC"),
    (libc::MSG_DONTWAIT as u32 as u64, "MSG_DONTWAIT"),
    (libc::MSG_EOR as u32 as u64, "MSG_EOR"),
    (libc::MSG_WAITALL as u32 as u64, "MSG_WAITALL"),
    (libc::MSG_FIN as u32 as u64, "MSG_FIN"),
    (libc::MSG_SYN as u32 as u64, "MSG_SYN"),
    (libc::MSG_CONFIRM as u32 as u64, "MSG_CONFIRM"),
    (libc::MSG_RST as u32 as u64, "MSG_RST"),
    (libc::MSG_ERRQUEUE as u32 as u64, "MSG_ERRQUEUE"),
    (libc::MSG_NOSIGNAL as u32 as u64, "MSG_NOSIGNAL"),
    (libc::MSG_MORE as u32 as u64, "MSG_MORE"),
    (libc::MSG_WAITFORONE as u32 as u64, "MSG_WAITFORONE"),
    (0x40000, "MSG_BATCH"),
    (libc::MSG_ZEROCOPY as u32 as u64, "MSG_ZEROCOPY"),
    (libc::MSG_FASTOPEN as u32 as u64, "MSG_FASTOPEN"),
    (libc::MSG_CMSG_CLOEXEC as u32 as u64, "MSG_CMSG_CLOEXEC"),
];

pub const SHUTDOWN_HOW: EnumTable = &[(libc::SHUT_RD as i64, "SHUT_RD"), (libc::SHUT_WR as i64, "SHUT_WR"), (libc::SHUT_RDWR as i64, "SHUT_RDWR")];

pub const WAIT_OPTIONS: FlagTable = &[
    (libc::WNOHANG as u32 as u64, "WNOHANG"),
    (libc::WUNTRACED as u32 as u64, "WUNTRACED"),
    (libc::WEXITED as u32 as u64, "WEXITED"),
    (libc::WCONTINUED as u32 as u64, "WCONTINUED"),
    (libc::WNOWAIT as u32 as u64, "WNOWAIT"),
    (0x2000_0000, "__WNOTHREAD"),
    (0x4000_0000, "__WALL"),
    (0x8000_0000, "__WCLONE"),
];

pub const ID_TYPES: EnumTable = &[(libc::P_ALL as i64, "P_ALL"), (libc::P_PID as i64, "P_PID"), (libc::P_PGID as i64, "P_PGID"), (libc::P_PIDFD as i64, "P_PIDFD")];

pub const CLOCK_IDS: EnumTable = &[
    (libc::CLOCK_REALTIME as i64, "CLOCK_REALTIME"),
    (libc::CLOCK_MONOTONIC as i64, "CLOCK_MONOTONIC"),
    (libc::CLOCK_PROCESS_CPUTIME_ID as i64, "CLOCK_PROCESS_CPUTIME_ID"),
    (libc::CLOCK_THREAD_CPUTIME_ID as i64, "CLOCK_THREAD_CPUTIME_ID"),
    (libc::CLOCK_MONOTONIC_RAW as i64, "CLOCK_MONOTONIC_RAW"),
    (libc::CLOCK_REALTIME_COARSE as i64, "CLOCK_REALTIME_COARSE"),
    (libc::CLOCK_MONOTONIC_COARSE as i64, "CLOCK_MONOTONIC_COARSE"),
    (libc::CLOCK_BOOTTIME as i64, "CLOCK_BOOTTIME"),
    (libc::CLOCK_REALTIME_ALARM as i64, "CLOCK_REALTIME_ALARM"),
    (libc::CLOCK_BOOTTIME_ALARM as i64, "CLOCK_BOOTTIME_ALARM"),
    (libc::CLOCK_TAI as i64, "CLOCK_TAI"),
];

pub const FUTEX_CMDS: EnumTable = &[
    (libc::FUTEX_WAIT as i64, "FUTEX_WAIT"),
    (libc::FUTEX_WAKE as i64, "FUTEX_WAKE"),
    (libc::FUTEX_FD as i64, "FUTEX_FD"),
    (libc::FUTEX_REQUEUE as i64, "FUTEX_REQUEUE"),
    (libc::FUTEX_CMP_REQUEUE as i64, "FUTEX_CMP_REQUEUE"),
    (libc::FUTEX_WAKE_OP as i64, "FUTEX_WAKE_OP"),
    (libc::FUTEX_LOCK_PI as i64, "FUTEX_LOCK_PI"),
    (libc::FUTEX_UNLOCK_PI as i64, "FUTEX_UNLOCK_PI"),
    (libc::FUTEX_TRYLOCK_PI as i64, "FUTEX_TRYLOCK_PI"),
    (libc::FUTEX_WAIT_BITSET as i64, "FUTEX_WAIT_BITSET"),
    (libc::FUTEX_WAKE_BITSET as i64, "FUTEX_WAKE_BITSET"),
    (libc::FUTEX_WAIT_REQUEUE_PI as i64, "FUTEX_WAIT_REQUEUE_PI"),
    (libc::FUTEX_CMP_REQUEUE_PI as i64, "FUTEX_CMP_REQUEUE_PI"),
    (libc::FUTEX_LOCK_PI2 as i64, "FUTEX_LOCK_PI2"),
];

pub const ARCH_PRCTL: EnumTable = &[
    (0x1001, "ARCH_SET_GS"),
    (0x1002, "ARCH_SET_FS"),
    (0x1003, "ARCH_GET_FS"),
    (0x1004, "ARCH_GET_GS"),
    (0x1011, "ARCH_GET_CPUID"),
    (0x1012, "ARCH_SET_CPUID"),
    (0x1021, "ARCH_GET_XCOMP_SUPP"),
    (0x1022, "ARCH_GET_XCOMP_PERM"),
    (0x1023, "ARCH_REQ_XCOMP_PERM"),
    (0x1024, "ARCH_GET_XCOMP_GUEST_PERM"),
    (0x1025, "ARCH_REQ_XCOMP_GUEST_PERM"),
    (0x2001, "ARCH_MAP_VDSO_X32"),
    (0x2002, "ARCH_MAP_VDSO_32"),
    (0x2003, "ARCH_MAP_VDSO_64"),
    (0x5001, "ARCH_SHSTK_ENABLE"),
    (0x5002, "ARCH_SHSTK_DISABLE"),
    (0x5003, "ARCH_SHSTK_LOCK"),
    (0x5004, "ARCH_SHSTK_UNLOCK"),
    (0x5005, "ARCH_SHSTK_STATUS"),
];

pub const PRCTL: EnumTable = &[
    (libc::PR_SET_PDEATHSIG as i64, "PR_SET_PDEATHSIG"),
    (libc::PR_GET_PDEATHSIG as i64, "PR_GET_PDEATHSIG"),
    (libc::PR_GET_DUMPABLE as i64, "PR_GET_DUMPABLE"),
    (libc::PR_SET_DUMPABLE as i64, "PR_SET_DUMPABLE"),
    (libc::PR_GET_UNALIGN as i64, "PR_GET_UNALIGN"),
    (libc::PR_SET_UNALIGN as i64, "PR_SET_UNALIGN"),
    (libc::PR_GET_KEEPCAPS as i64, "PR_GET_KEEPCAPS"),
    (libc::PR_SET_KEEPCAPS as i64, "PR_SET_KEEPCAPS"),
    (libc::PR_GET_FPEMU as i64, "PR_GET_FPEMU"),
    (libc::PR_SET_FPEMU as i64, "PR_SET_FPEMU"),
    (libc::PR_GET_FPEXC as i64, "PR_GET_FPEXC"),
    (libc::PR_SET_FPEXC as i64, "PR_SET_FPEXC"),
    (libc::PR_GET_TIMING as i64, "PR_GET_TIMING"),
    (libc::PR_SET_TIMING as i64, "PR_SET_TIMING"),
    (libc::PR_SET_NAME as i64, "PR_SET_NAME"),
    (libc::PR_GET_NAME as i64, "PR_GET_NAME"),
    (libc::PR_GET_ENDIAN as i64, "PR_GET_ENDIAN"),
    (libc::PR_SET_ENDIAN as i64, "PR_SET_ENDIAN"),
    (libc::PR_GET_SECCOMP as i64, "PR_GET_SECCOMP"),
    (libc::PR_SET_SECCOMP as i64, "PR_SET_SECCOMP"),
    (libc::PR_CAPBSET_READ as i64, "PR_CAPBSET_READ"),
    (libc::PR_CAPBSET_DROP as i64, "PR_CAPBSET_DROP"),
    (libc::PR_GET_TSC as i64, "PR_GET_TSC"),
    (libc::PR_SET_TSC as i64, "PR_SET_TSC"),
    (libc::PR_GET_SECUREBITS as i64, "PR_GET_SECUREBITS"),
    (libc::PR_SET_SECUREBITS as i64, "PR_SET_SECUREBITS"),
    (libc::PR_SET_TIMERSLACK as i64, "PR_SET_TIMERSLACK"),
    (libc::PR_GET_TIMERSLACK as i64, "PR_GET_TIMERSLACK"),
    (libc::PR_TASK_PERF_EVENTS_DISABLE as i64, "PR_TASK_PERF_EVENTS_DISABLE"),
    (libc::PR_TASK_PERF_EVENTS_ENABLE as i64, "PR_TASK_PERF_EVENTS_ENABLE"),
    (libc::PR_MCE_KILL as i64, "PR_MCE_KILL"),
    (libc::PR_MCE_KILL_GET as i64, "PR_MCE_KILL_GET"),
    (libc::PR_SET_MM as i64, "PR_SET_MM"),
    (libc::PR_SET_CHILD_SUBREAPER as i64, "PR_SET_CHILD_SUBREAPER"),
    (libc::PR_GET_CHILD_SUBREAPER as i64, "PR_GET_CHILD_SUBREAPER"),
    (libc::PR_SET_NO_NEW_PRIVS as i64, "PR_SET_NO_NEW_PRIVS"),
    (libc::PR_GET_NO_NEW_PRIVS as i64, "PR_GET_NO_NEW_PRIVS"),
    (libc::PR_GET_TID_ADDRESS as i64, "PR_GET_TID_ADDRESS"),
    (libc::PR_SET_THP_DISABLE as i64, "PR_SET_THP_DISABLE"),
    (libc::PR_GET_THP_DISABLE as i64, "PR_GET_THP_DISABLE"),
    (libc::PR_SET_FP_MODE as i64, "PR_SET_FP_MODE"),
    (libc::PR_GET_FP_MODE as i64, "PR_GET_FP_MODE"),
    (libc::PR_CAP_AMBIENT as i64, "PR_CAP_AMBIENT"),
    (libc::PR_GET_SPECULATION_CTRL as i64, "PR_GET_SPECULATION_CTRL"),
    (libc::PR_SET_SPECULATION_CTRL as i64, "PR_SET_SPECULATION_CTRL"),
    (57, "PR_SET_TAGGED_ADDR_CTRL"),
    (58, "PR_GET_TAGGED_ADDR_CTRL"),
    (59, "PR_SET_IO_FLUSHER"),
    (60, "PR_GET_IO_FLUSHER"),
    (61, "PR_SET_SYSCALL_USER_DISPATCH"),
    (libc::PR_SCHED_CORE as i64, "PR_SCHED_CORE"),
    (libc::PR_SET_MDWE as i64, "PR_SET_MDWE"),
    (libc::PR_GET_MDWE as i64, "PR_GET_MDWE"),
    (libc::PR_SET_VMA as i64, "PR_SET_VMA"),
    (libc::PR_SET_PTRACER as i64, "PR_SET_PTRACER"),
];

pub const PTRACE_REQUESTS: EnumTable = &[
    (libc::PTRACE_TRACEME as i64, "PTRACE_TRACEME"),
    (libc::PTRACE_PEEKTEXT as i64, "PTRACE_PEEKTEXT"),
    (libc::PTRACE_PEEKDATA as i64, "PTRACE_PEEKDATA"),
    (libc::PTRACE_PEEKUSER as i64, "PTRACE_PEEKUSER"),
    (libc::PTRACE_POKETEXT as i64, "PTRACE_POKETEXT"),
    (libc::PTRACE_POKEDATA as i64, "PTRACE_POKEDATA"),
    (libc::PTRACE_POKEUSER as i64, "PTRACE_POKEUSER"),
    (libc::PTRACE_CONT as i64, "PTRACE_CONT"),
    (libc::PTRACE_KILL as i64, "PTRACE_KILL"),
    (libc::PTRACE_SINGLESTEP as i64, "PTRACE_SINGLESTEP"),
    (libc::PTRACE_GETREGS as i64, "PTRACE_GETREGS"),
    (libc::PTRACE_SETREGS as i64, "PTRACE_SETREGS"),
    (libc::PTRACE_GETFPREGS as i64, "PTRACE_GETFPREGS"),
    (libc::PTRACE_SETFPREGS as i64, "PTRACE_SETFPREGS"),
    (libc::PTRACE_ATTACH as i64, "PTRACE_ATTACH"),
    (libc::PTRACE_DETACH as i64, "PTRACE_DETACH"),
    (libc::PTRACE_GETFPXREGS as i64, "PTRACE_GETFPXREGS"),
    (libc::PTRACE_SETFPXREGS as i64, "PTRACE_SETFPXREGS"),
    (libc::PTRACE_SYSCALL as i64, "PTRACE_SYSCALL"),
    (30, "PTRACE_ARCH_PRCTL"),
    (libc::PTRACE_SYSEMU as i64, "PTRACE_SYSEMU"),
    (libc::PTRACE_SYSEMU_SINGLESTEP as i64, "PTRACE_SYSEMU_SINGLESTEP"),
    (33, "PTRACE_SINGLEBLOCK"),
    (libc::PTRACE_SETOPTIONS as i64, "PTRACE_SETOPTIONS"),
    (libc::PTRACE_GETEVENTMSG as i64, "PTRACE_GETEVENTMSG"),
    (libc::PTRACE_GETSIGINFO as i64, "PTRACE_GETSIGINFO"),
    (libc::PTRACE_SETSIGINFO as i64, "PTRACE_SETSIGINFO"),
    (libc::PTRACE_GETREGSET as i64, "PTRACE_GETREGSET"),
    (libc::PTRACE_SETREGSET as i64, "PTRACE_SETREGSET"),
    (libc::PTRACE_SEIZE as i64, "PTRACE_SEIZE"),
    (libc::PTRACE_INTERRUPT as i64, "PTRACE_INTERRUPT"),
    (libc::PTRACE_LISTEN as i64, "PTRACE_LISTEN"),
    (libc::PTRACE_PEEKSIGINFO as i64, "PTRACE_PEEKSIGINFO"),
    (libc::PTRACE_GETSIGMASK as i64, "PTRACE_GETSIGMASK"),
    (libc::PTRACE_SETSIGMASK as i64, "PTRACE_SETSIGMASK"),
    (0x420c, "PTRACE_SECCOMP_GET_FILTER"),
    (0x420d, "PTRACE_SECCOMP_GET_METADATA"),
    (libc::PTRACE_GET_SYSCALL_INFO as i64, "PTRACE_GET_SYSCALL_INFO"),
    (libc::PTRACE_GET_RSEQ_CONFIGURATION as i64, "PTRACE_GET_RSEQ_CONFIGURATION"),
    (libc::PTRACE_SET_SYSCALL_USER_DISPATCH_CONFIG as i64, "PTRACE_SET_SYSCALL_USER_DISPATCH_CONFIG"),
    (libc::PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG as i64, "PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG"),
];

pub const RLIMITS: EnumTable = &[
    (libc::RLIMIT_CPU as i64, "RLIMIT_CPU"),
    (libc::RLIMIT_FSIZE as i64, "RLIMIT_FSIZE"),
    (libc::RLIMIT_DATA as i64, "RLIMIT_DATA"),
    (libc::RLIMIT_STACK as i64, "RLIMIT_STACK"),
    (libc::RLIMIT_CORE as i64, "RLIMIT_CORE"),
    (libc::RLIMIT_RSS as i64, "RLIMIT_RSS"),
    (libc::RLIMIT_NPROC as i64, "RLIMIT_NPROC"),
    (libc::RLIMIT_NOFILE as i64, "RLIMIT_NOFILE"),
    (libc::RLIMIT_MEMLOCK as i64, "RLIMIT_MEMLOCK"),
    (libc::RLIMIT_AS as i64, "RLIMIT_AS"),
    (libc::RLIMIT_LOCKS as i64, "RLIMIT_LOCKS"),
    (libc::RLIMIT_SIGPENDING as i64, "RLIMIT_SIGPENDING"),
    (libc::RLIMIT_MSGQUEUE as i64, "RLIMIT_MSGQUEUE"),
    (libc::RLIMIT_NICE as i64, "RLIMIT_NICE"),
    (libc::RLIMIT_RTPRIO as i64, "RLIMIT_RTPRIO"),
    (libc::RLIMIT_RTTIME as i64, "RLIMIT_RTTIME"),
];

pub const EPOLL_CTL_OPS: EnumTable = &[
    (libc::EPOLL_CTL_ADD as i64, "EPOLL_CTL_ADD"),
    (libc::EPOLL_CTL_DEL as i64, "EPOLL_CTL_DEL"),
    (libc::EPOLL_CTL_MOD as i64, "EPOLL_CTL_MOD"),
];

pub const ITIMERS: EnumTable = &[
    (libc::ITIMER_REAL as i64, "ITIMER_REAL"),
    (libc::ITIMER_VIRTUAL as i64, "ITIMER_VIRTUAL"),
    (libc::ITIMER_PROF as i64, "ITIMER_PROF"),
];

pub const POLL_EVENTS: FlagTable = &[
    (libc::POLLIN as u32 as u64, "POLLIN"),
    (libc::POLLPRI as u32 as u64, "POLLPRI"),
    (libc::POLLOUT as u32 as u64, "POLLOUT"),
    (libc::POLLERR as u32 as u64, "POLLERR"),
    (libc::POLLHUP as u32 as u64, "POLLHUP"),
    (libc::POLLNVAL as u32 as u64, "POLLNVAL"),
    (libc::POLLRDNORM as u32 as u64, "POLLRDNORM"),
    (libc::POLLRDBAND as u32 as u64, "POLLRDBAND"),
    (libc::POLLWRNORM as u32 as u64, "POLLWRNORM"),
    (libc::POLLWRBAND as u32 as u64, "POLLWRBAND"),
    (0x400, "POLLMSG"),
    (0x1000, "POLLREMOVE"),
    (libc::POLLRDHUP as u32 as u64, "POLLRDHUP"),
];

/// Common ioctl requests; others are printed as `_IOC(...)` or hex.
pub const IOCTLS: EnumTable = &[
    (libc::TCGETS as i64, "TCGETS"),
    (libc::TCSETS as i64, "TCSETS"),
    (libc::TCSETSW as i64, "TCSETSW"),
    (libc::TCSETSF as i64, "TCSETSF"),
    (libc::TCGETA as i64, "TCGETA"),
    (libc::TCSETA as i64, "TCSETA"),
    (libc::TCSETAW as i64, "TCSETAW"),
    (libc::TCSETAF as i64, "TCSETAF"),
    (libc::TCSBRK as i64, "TCSBRK"),
    (libc::TCXONC as i64, "TCXONC"),
    (libc::TCFLSH as i64, "TCFLSH"),
    (libc::TIOCEXCL as i64, "TIOCEXCL"),
    (libc::TIOCNXCL as i64, "TIOCNXCL"),
    (libc::TIOCSCTTY as i64, "TIOCSCTTY"),
    (libc::TIOCGPGRP as i64, "TIOCGPGRP"),
    (libc::TIOCSPGRP as i64, "TIOCSPGRP"),
    (libc::TIOCOUTQ as i64, "TIOCOUTQ"),
    (libc::TIOCSTI as i64, "TIOCSTI"),
    (libc::TIOCGWINSZ as i64, "TIOCGWINSZ"),
    (libc::TIOCSWINSZ as i64, "TIOCSWINSZ"),
    (libc::TIOCMGET as i64, "TIOCMGET"),
    (libc::TIOCMBIS as i64, "TIOCMBIS"),
    (libc::TIOCMBIC as i64, "TIOCMBIC"),
    (libc::TIOCMSET as i64, "TIOCMSET"),
    (libc::FIONREAD as i64, "FIONREAD"),
    (libc::TIOCLINUX as i64, "TIOCLINUX"),
    (libc::TIOCCONS as i64, "TIOCCONS"),
    (libc::FIONBIO as i64, "FIONBIO"),
    (libc::TIOCNOTTY as i64, "TIOCNOTTY"),
    (libc::TIOCGSID as i64, "TIOCGSID"),
    (libc::TIOCGPTPEER as i64, "TIOCGPTPEER"),
    (libc::FIONCLEX as i64, "FIONCLEX"),
    (libc::FIOCLEX as i64, "FIOCLEX"),
    (libc::FIOASYNC as i64, "FIOASYNC"),
    (libc::FIOQSIZE as i64, "FIOQSIZE"),
    (libc::TIOCGPTN as i64, "TIOCGPTN"),
    (libc::TIOCSPTLCK as i64, "TIOCSPTLCK"),
    (libc::FS_IOC_GETFLAGS as i64, "FS_IOC_GETFLAGS"),
    (libc::FS_IOC_SETFLAGS as i64, "FS_IOC_SETFLAGS"),
    (libc::SIOCGIFCONF as i64, "SIOCGIFCONF"),
    (libc::SIOCGIFFLAGS as i64, "SIOCGIFFLAGS"),
    (libc::SIOCSIFFLAGS as i64, "SIOCSIFFLAGS"),
    (libc::SIOCGIFADDR as i64, "SIOCGIFADDR"),
    (libc::SIOCGIFHWADDR as i64, "SIOCGIFHWADDR"),
    (libc::SIOCGIFINDEX as i64, "SIOCGIFINDEX"),
];

/// Linux errno names, index = errno (x86-64 values; "" for unassigned).
pub const ERRNO_NAMES: [&str; 134] = [
    "",
    "EPERM",
    "ENOENT",
    "ESRCH",
    "EINTR",
    "EIO",
    "ENXIO",
    "E2BIG",
    "ENOEXEC",
    "EBADF",
    "ECHILD",
    "EAGAIN",
    "ENOMEM",
    "EACCES",
    "EFAULT",
    "ENOTBLK",
    "EBUSY",
    "EEXIST",
    "EXDEV",
    "ENODEV",
    "ENOTDIR",
    "EISDIR",
    "EINVAL",
    "ENFILE",
    "EMFILE",
    "ENOTTY",
    "ETXTBSY",
    "EFBIG",
    "ENOSPC",
    "ESPIPE",
    "EROFS",
    "EMLINK",
    "EPIPE",
    "EDOM",
    "ERANGE",
    "EDEADLK",
    "ENAMETOOLONG",
    "ENOLCK",
    "ENOSYS",
    "ENOTEMPTY",
    "ELOOP",
    "",
    "ENOMSG",
    "EIDRM",
    "ECHRNG",
    "EL2NSYNC",
    "EL3HLT",
    "EL3RST",
    "ELNRNG",
    "EUNATCH",
    "ENOCSI",
    "EL2HLT",
    "EBADE",
    "EBADR",
    "EXFULL",
    "ENOANO",
    "EBADRQC",
    "EBADSLT",
    "",
    "EBFONT",
    "ENOSTR",
    "ENODATA",
    "ETIME",
    "ENOSR",
    "ENONET",
    "ENOPKG",
    "EREMOTE",
    "ENOLINK",
    "EADV",
    "ESRMNT",
    "ECOMM",
    "EPROTO",
    "EMULTIHOP",
    "EDOTDOT",
    "EBADMSG",
    "EOVERFLOW",
    "ENOTUNIQ",
    "EBADFD",
    "EREMCHG",
    "ELIBACC",
    "ELIBBAD",
    "ELIBSCN",
    "ELIBMAX",
    "ELIBEXEC",
    "EILSEQ",
    "ERESTART",
    "ESTRPIPE",
    "EUSERS",
    "ENOTSOCK",
    "EDESTADDRREQ",
    "EMSGSIZE",
    "EPROTOTYPE",
    "ENOPROTOOPT",
    "EPROTONOSUPPORT",
    "ESOCKTNOSUPPORT",
    "EOPNOTSUPP",
    "EPFNOSUPPORT",
    "EAFNOSUPPORT",
    "EADDRINUSE",
    "EADDRNOTAVAIL",
    "ENETDOWN",
    "ENETUNREACH",
    "ENETRESET",
    "ECONNABORTED",
    "ECONNRESET",
    "ENOBUFS",
    "EISCONN",
    "ENOTCONN",
    "ESHUTDOWN",
    "ETOOMANYREFS",
    "ETIMEDOUT",
    "ECONNREFUSED",
    "EHOSTDOWN",
    "EHOSTUNREACH",
    "EALREADY",
    "EINPROGRESS",
    "ESTALE",
    "EUCLEAN",
    "ENOTNAM",
    "ENAVAIL",
    "EISNAM",
    "EREMOTEIO",
    "EDQUOT",
    "ENOMEDIUM",
    "EMEDIUMTYPE",
    "ECANCELED",
    "ENOKEY",
    "EKEYEXPIRED",
    "EKEYREVOKED",
    "EKEYREJECTED",
    "EOWNERDEAD",
    "ENOTRECOVERABLE",
    "ERFKILL",
    "EHWPOISON",
];

/// Errno values only the kernel uses: a tracer sees them at syscall exit
/// when a signal interrupts a call that will be restarted.
pub const KERNEL_ERRNOS: &[(i32, &str, &str)] = &[
    (512, "ERESTARTSYS", "To be restarted if SA_RESTART is set"),
    (513, "ERESTARTNOINTR", "To be restarted"),
    (514, "ERESTARTNOHAND", "To be restarted if no handler"),
    (515, "ENOIOCTLCMD", "No ioctl command"),
    (516, "ERESTART_RESTARTBLOCK", "Interrupted by signal"),
    (517, "EPROBE_DEFER", "Driver requests probe retry"),
    (518, "EOPENSTALE", "Open found a stale dentry"),
    (519, "ENOPARAM", "Parameter not supported"),
    (521, "EBADHANDLE", "Illegal NFS file handle"),
    (522, "ENOTSYNC", "Update synchronization mismatch"),
    (523, "EBADCOOKIE", "Cookie is stale"),
    (524, "ENOTSUPP", "Operation is not supported"),
    (525, "ETOOSMALL", "Buffer or request is too small"),
    (526, "ESERVERFAULT", "An untranslatable error occurred"),
    (527, "EBADTYPE", "Type not supported by server"),
    (
        528,
        "EJUKEBOX",
        "Request initiated, but will not complete before timeout",
    ),
    (529, "EIOCBQUEUED", "iocb queued, will get completion event"),
    (530, "ERECALLCONFLICT", "Conflict with recalled state"),
];

/// The symbolic name of errno `e` (`ENOENT`), if it has one.
pub fn errno_name(e: i32) -> Option<&'static str> {
    if let Some(n) = usize::try_from(e).ok().and_then(|i| ERRNO_NAMES.get(i)) {
        return (!n.is_empty()).then_some(*n);
    }
    KERNEL_ERRNOS.iter().find(|k| k.0 == e).map(|k| k.1)
}

/// The host's strerror(3) text for `e` (what FreeBSD truss prints after
/// `ERR#n`), or the kernel's meaning for kernel-internal values.
pub fn errno_text(e: i32) -> String {
    if let Some(k) = KERNEL_ERRNOS.iter().find(|k| k.0 == e) {
        return k.2.to_string();
    }
    let s = std::io::Error::from_raw_os_error(e).to_string();
    // std appends " (os error N)" to strerror's text.
    match s.rfind(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// The errno called `name` (`ENOENT`), as strace's `error=` takes it.
pub fn errno_number(name: &str) -> Option<i32> {
    if let Some(i) = ERRNO_NAMES.iter().position(|n| !n.is_empty() && *n == name) {
        return Some(i as i32);
    }
    match name {
        "EWOULDBLOCK" => return Some(libc::EWOULDBLOCK),
        "EDEADLOCK" => return Some(libc::EDEADLOCK),
        "ENOTSUP" => return Some(libc::ENOTSUP),
        _ => {}
    }
    KERNEL_ERRNOS.iter().find(|k| k.1 == name).map(|k| k.0)
}
