//! Which calls a stop breaks, and how each carries its timeout: the
//! x86-64 and i386 syscall numbers this module knows, their argument
//! registers, and the classification `mod.rs` acts on.

use crate::sys;
use crate::sysent::Arch;

/// The x86-64 calls this module knows, by their x86-64 numbers (not
/// libc's, which are i386's when the library is built for i686).
pub(super) mod nr {
    pub const READ: i64 = 0;
    pub const WRITE: i64 = 1;
    pub const READV: i64 = 19;
    pub const WRITEV: i64 = 20;
    pub const CONNECT: i64 = 42;
    pub const ACCEPT: i64 = 43;
    pub const SENDTO: i64 = 44;
    pub const RECVFROM: i64 = 45;
    pub const SENDMSG: i64 = 46;
    pub const RECVMSG: i64 = 47;
    pub const SEMOP: i64 = 65;
    pub const RT_SIGTIMEDWAIT: i64 = 128;
    pub const IO_GETEVENTS: i64 = 208;
    pub const RESTART_SYSCALL: i64 = 219;
    pub const SEMTIMEDOP: i64 = 220;
    pub const EPOLL_WAIT: i64 = 232;
    pub const EPOLL_PWAIT: i64 = 281;
    pub const ACCEPT4: i64 = 288;
    pub const RECVMMSG: i64 = 299;
    pub const SENDMMSG: i64 = 307;
    pub const IO_PGETEVENTS: i64 = 333;
    pub const EPOLL_PWAIT2: i64 = 441;
}

/// The same calls in the i386 ABI (a 32-bit program's, or a 64-bit
/// program's `int $0x80`): arch/x86/entry/syscalls/syscall_32.tbl. The
/// socket calls also go through socketcall(2) and the System V semaphore
/// ones only through ipc(2) (and semtimedop_time64), whose first argument
/// says which.
pub(super) mod nr32 {
    pub const RESTART_SYSCALL: i64 = 0;
    pub const READ: i64 = 3;
    pub const WRITE: i64 = 4;
    pub const SOCKETCALL: i64 = 102;
    pub const IPC: i64 = 117;
    pub const READV: i64 = 145;
    pub const WRITEV: i64 = 146;
    pub const RT_SIGTIMEDWAIT: i64 = 177;
    pub const IO_GETEVENTS: i64 = 247;
    pub const EPOLL_WAIT: i64 = 256;
    pub const EPOLL_PWAIT: i64 = 319;
    pub const RECVMMSG: i64 = 337;
    pub const SENDMMSG: i64 = 345;
    pub const CONNECT: i64 = 362;
    pub const ACCEPT4: i64 = 364;
    pub const SENDTO: i64 = 369;
    pub const SENDMSG: i64 = 370;
    pub const RECVFROM: i64 = 371;
    pub const RECVMSG: i64 = 372;
    pub const IO_PGETEVENTS: i64 = 385;
    pub const IO_PGETEVENTS_TIME64: i64 = 416;
    pub const RECVMMSG_TIME64: i64 = 417;
    pub const SEMTIMEDOP_TIME64: i64 = 420;
    pub const RT_SIGTIMEDWAIT_TIME64: i64 = 421;
    pub const EPOLL_PWAIT2: i64 = 441;

    /// socketcall(2)'s calls (linux/net.h `SYS_*`).
    pub mod socket {
        pub const CONNECT: u64 = 3;
        pub const ACCEPT: u64 = 5;
        pub const SEND: u64 = 9;
        pub const RECV: u64 = 10;
        pub const SENDTO: u64 = 11;
        pub const RECVFROM: u64 = 12;
        pub const SENDMSG: u64 = 16;
        pub const RECVMSG: u64 = 17;
        pub const ACCEPT4: u64 = 18;
        pub const RECVMMSG: u64 = 19;
        pub const SENDMMSG: u64 = 20;
    }

    /// ipc(2)'s calls (linux/ipc.h), in the low 16 bits of its first
    /// argument (a version above).
    pub mod ipc {
        pub const SEMOP: u64 = 1;
        pub const SEMTIMEDOP: u64 = 4;
    }
}

pub(super) const ERESTARTSYS: i64 = 512;
pub(super) const ERESTARTNOINTR: i64 = 513;
pub(super) const ERESTARTNOHAND: i64 = 514;
pub(super) const ERESTART_RESTARTBLOCK: i64 = 516;

/// An argument register: of the x86-64 syscall ABI (rdi, rsi, rdx, r10,
/// r8, r9) or of the i386 one (ebx, ecx, edx, esi, edi, ebp, which the
/// amd64 view of a 32-bit task's registers shows as rbx... rbp).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Arg {
    Rdx,
    R10,
    R8,
    Rsi,
    Rdi,
    Rbp,
}

impl Arg {
    pub(super) fn get(self, r: &sys::user_regs_struct) -> u64 {
        match self {
            Arg::Rdx => r.rdx,
            Arg::R10 => r.r10,
            Arg::R8 => r.r8,
            Arg::Rsi => r.rsi,
            Arg::Rdi => r.rdi,
            Arg::Rbp => r.rbp,
        }
    }

    pub(super) fn set(self, r: &mut sys::user_regs_struct, v: u64) {
        match self {
            Arg::Rdx => r.rdx = v,
            Arg::R10 => r.r10 = v,
            Arg::R8 => r.r8 = v,
            Arg::Rsi => r.rsi = v,
            Arg::Rdi => r.rdi = v,
            Arg::Rbp => r.rbp = v,
        }
    }
}

/// How a call that a stop turns into EINTR carries its timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Timeout {
    /// No timeout (or one the kernel or the socket keeps).
    None,
    /// Milliseconds in a register, -1 for none (`epoll_wait`).
    Millis(Arg),
    /// A `const struct timespec *` in a register, NULL for none: 64-bit
    /// seconds and nanoseconds (x86-64's, and the i386 `*_time64` calls'
    /// `struct __kernel_timespec`).
    Timespec(Arg),
    /// The same with 32-bit fields (the older i386 calls'
    /// `struct old_timespec32`).
    Timespec32(Arg),
}

/// The syscalls of signal(7)'s "interrupted after a stop signal" list that
/// return EINTR, and where their timeout is, for a call of ABI `arch`
/// (number `nr`, first argument `a0`: socketcall's and ipc's sub-call).
pub(super) fn eintr_class(arch: Arch, nr: u64, a0: u64) -> Option<Timeout> {
    match arch {
        Arch::X86_64 => eintr_class64(nr),
        Arch::I386 => eintr_class32(nr & 0xffff_ffff, a0 & 0xffff_ffff),
    }
}

pub(super) fn eintr_class64(nr: u64) -> Option<Timeout> {
    Some(match nr as i64 {
        nr::EPOLL_WAIT | nr::EPOLL_PWAIT => Timeout::Millis(Arg::R10),
        nr::EPOLL_PWAIT2 => Timeout::Timespec(Arg::R10),
        nr::RT_SIGTIMEDWAIT => Timeout::Timespec(Arg::Rdx),
        nr::SEMTIMEDOP => Timeout::Timespec(Arg::R10),
        nr::IO_GETEVENTS | nr::IO_PGETEVENTS => Timeout::Timespec(Arg::R8),
        nr::RECVMMSG => Timeout::Timespec(Arg::R8),
        // Socket timeouts: SO_RCVTIMEO/SO_SNDTIMEO.
        nr::SEMOP
        | nr::READ
        | nr::READV
        | nr::WRITE
        | nr::WRITEV
        | nr::RECVFROM
        | nr::RECVMSG
        | nr::SENDTO
        | nr::SENDMSG
        | nr::SENDMMSG
        | nr::ACCEPT
        | nr::ACCEPT4
        | nr::CONNECT => Timeout::None,
        _ => return None,
    })
}

/// i386: arguments in ebx, ecx, edx, esi, edi, ebp.
pub(super) fn eintr_class32(nr: u64, a0: u64) -> Option<Timeout> {
    use nr32::{ipc, socket};
    Some(match nr as i64 {
        nr32::EPOLL_WAIT | nr32::EPOLL_PWAIT => Timeout::Millis(Arg::Rsi),
        nr32::EPOLL_PWAIT2 => Timeout::Timespec(Arg::Rsi),
        nr32::RT_SIGTIMEDWAIT => Timeout::Timespec32(Arg::Rdx),
        nr32::RT_SIGTIMEDWAIT_TIME64 => Timeout::Timespec(Arg::Rdx),
        nr32::SEMTIMEDOP_TIME64 => Timeout::Timespec(Arg::Rsi),
        nr32::IO_GETEVENTS | nr32::IO_PGETEVENTS => Timeout::Timespec32(Arg::Rdi),
        nr32::IO_PGETEVENTS_TIME64 => Timeout::Timespec(Arg::Rdi),
        nr32::RECVMMSG => Timeout::Timespec32(Arg::Rdi),
        nr32::RECVMMSG_TIME64 => Timeout::Timespec(Arg::Rdi),
        // ipc(SEMTIMEDOP, semid, nsops, 0, sops, timeout).
        nr32::IPC => match a0 & 0xffff {
            ipc::SEMTIMEDOP => Timeout::Timespec32(Arg::Rbp),
            ipc::SEMOP => Timeout::None,
            _ => return None,
        },
        // socketcall's arguments are in memory: its recvmmsg's timeout too
        // (restarted whole, like a socket's own timeout).
        nr32::SOCKETCALL => match a0 {
            socket::CONNECT
            | socket::ACCEPT
            | socket::ACCEPT4
            | socket::SEND
            | socket::RECV
            | socket::SENDTO
            | socket::RECVFROM
            | socket::SENDMSG
            | socket::RECVMSG
            | socket::RECVMMSG
            | socket::SENDMMSG => Timeout::None,
            _ => return None,
        },
        // Socket timeouts: SO_RCVTIMEO/SO_SNDTIMEO.
        nr32::READ
        | nr32::READV
        | nr32::WRITE
        | nr32::WRITEV
        | nr32::RECVFROM
        | nr32::RECVMSG
        | nr32::SENDTO
        | nr32::SENDMSG
        | nr32::SENDMMSG
        | nr32::ACCEPT4
        | nr32::CONNECT => Timeout::None,
        _ => return None,
    })
}

/// Calls that a stop breaks with ERESTARTNOHAND, not EINTR, and that
/// Linux then restarts with their whole relative timeout (io_pgetevents:
/// unlike ppoll's, its timeout is not updated).
pub(super) fn restarts_whole(arch: Arch, nr: u64) -> bool {
    match arch {
        Arch::X86_64 => nr as i64 == nr::IO_PGETEVENTS,
        Arch::I386 => matches!(nr as i64, nr32::IO_PGETEVENTS | nr32::IO_PGETEVENTS_TIME64),
    }
}

/// At a syscall-entry stop (its PTRACE_GET_SYSCALL_INFO answer): could a
/// whole-process stop turn this call into EINTR? The answer's `arch` says
/// which table its number is read in (a 64-bit program's `int $0x80` is an
/// i386 call).
pub(crate) fn entry_breaks_on_stop(i: &sys::SyscallInfo) -> bool {
    Arch::from_audit(i.arch).is_some_and(|arch| eintr_class(arch, i.data[0], i.data[1]).is_some())
}

/// The ABI of the syscall an LWP stopped in (known from its registers, at
/// a stop inside the call: its exit or a stop on the way back to user
/// mode). A 32-bit program's calls are i386 calls; a 64-bit one's are
/// x86-64 calls made with `syscall`, which leaves the return address in
/// rcx, unless it used `int $0x80` (then Linux's own answer, one request).
pub(super) fn call_arch(tid: sys::Tid, r: &sys::user_regs_struct) -> Arch {
    if r.cs == sys::USER32_CS {
        Arch::I386
    } else if r.rcx == r.rip {
        Arch::X86_64
    } else {
        sys::syscall_info(tid).ok().and_then(|i| Arch::from_audit(i.arch)).unwrap_or(Arch::X86_64)
    }
}
