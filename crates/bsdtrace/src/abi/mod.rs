//! FreeBSD's ptrace(2)/procctl(2) numbers and `#[repr(C)]` layouts, shared by
//! the Rust and C faces.
//!
//! Request numbers, flags and struct field orders are FreeBSD's (amd64).
//! Signal numbers, errno values, `siginfo_t` and `sigset_t` are the host's
//! (DESIGN decision 5), so a `struct ptrace_lwpinfo` here is not byte-for-byte
//! FreeBSD's: its `pl_sigmask`, `pl_siglist` and `pl_siginfo` are glibc types.
//! Nothing in this module performs a system call.

#![allow(non_camel_case_types)]

pub mod procctl;

/// FreeBSD's PID_MAX analogue on Linux: LWP ids handed to C are `tid + LWPID_BASE`
/// (Linux's PID_MAX_LIMIT), so a pid and an LWP id never collide.
pub const LWPID_BASE: i32 = 4_194_304;

// ptrace(2) requests (sys/ptrace.h).
pub const PT_TRACE_ME: i32 = 0;
pub const PT_READ_I: i32 = 1;
pub const PT_READ_D: i32 = 2;
pub const PT_WRITE_I: i32 = 4;
pub const PT_WRITE_D: i32 = 5;
pub const PT_CONTINUE: i32 = 7;
pub const PT_KILL: i32 = 8;
pub const PT_STEP: i32 = 9;
pub const PT_ATTACH: i32 = 10;
pub const PT_DETACH: i32 = 11;
pub const PT_IO: i32 = 12;
pub const PT_LWPINFO: i32 = 13;
pub const PT_GETNUMLWPS: i32 = 14;
pub const PT_GETLWPLIST: i32 = 15;
pub const PT_CLEARSTEP: i32 = 16;
pub const PT_SETSTEP: i32 = 17;
pub const PT_SUSPEND: i32 = 18;
pub const PT_RESUME: i32 = 19;
pub const PT_TO_SCE: i32 = 20;
pub const PT_TO_SCX: i32 = 21;
pub const PT_SYSCALL: i32 = 22;
pub const PT_FOLLOW_FORK: i32 = 23;
pub const PT_LWP_EVENTS: i32 = 24;
pub const PT_GET_EVENT_MASK: i32 = 25;
pub const PT_SET_EVENT_MASK: i32 = 26;
pub const PT_GET_SC_ARGS: i32 = 27;
pub const PT_GET_SC_RET: i32 = 28;
pub const PT_COREDUMP: i32 = 29;
pub const PT_GETREGS: i32 = 33;
pub const PT_SETREGS: i32 = 34;
pub const PT_GETFPREGS: i32 = 35;
pub const PT_SETFPREGS: i32 = 36;
pub const PT_GETDBREGS: i32 = 37;
pub const PT_SETDBREGS: i32 = 38;
pub const PT_VM_TIMESTAMP: i32 = 40;
pub const PT_VM_ENTRY: i32 = 41;
pub const PT_GETREGSET: i32 = 42;
pub const PT_SETREGSET: i32 = 43;
pub const PT_SC_REMOTE: i32 = 44;
pub const PT_FIRSTMACH: i32 = 64;
// amd64 machine-dependent requests (machine/ptrace.h, modern numbering).
pub const PT_GETXSTATE_INFO: i32 = 68;
pub const PT_GETXSTATE: i32 = 69;
pub const PT_SETXSTATE: i32 = 70;
pub const PT_GETFSBASE: i32 = 71;
pub const PT_SETFSBASE: i32 = 72;
pub const PT_GETGSBASE: i32 = 73;
pub const PT_SETGSBASE: i32 = 74;

// Event mask bits (PT_GET/SET_EVENT_MASK).
pub const PTRACE_EXEC: i32 = 0x0001;
pub const PTRACE_SCE: i32 = 0x0002;
pub const PTRACE_SCX: i32 = 0x0004;
pub const PTRACE_SYSCALL: i32 = PTRACE_SCE | PTRACE_SCX;
pub const PTRACE_FORK: i32 = 0x0008;
pub const PTRACE_LWP: i32 = 0x0010;
pub const PTRACE_VFORK: i32 = 0x0020;
pub const PTRACE_DEFAULT: i32 = PTRACE_EXEC;

// PT_IO operations.
pub const PIOD_READ_D: i32 = 1;
pub const PIOD_WRITE_D: i32 = 2;
pub const PIOD_READ_I: i32 = 3;
pub const PIOD_WRITE_I: i32 = 4;

// PT_LWPINFO.
pub const PL_EVENT_NONE: i32 = 0;
pub const PL_EVENT_SIGNAL: i32 = 1;
pub const PL_FLAG_SA: i32 = 0x01;
pub const PL_FLAG_BOUND: i32 = 0x02;
pub const PL_FLAG_SCE: i32 = 0x04;
pub const PL_FLAG_SCX: i32 = 0x08;
pub const PL_FLAG_EXEC: i32 = 0x10;
pub const PL_FLAG_SI: i32 = 0x20;
pub const PL_FLAG_FORKED: i32 = 0x40;
pub const PL_FLAG_CHILD: i32 = 0x80;
pub const PL_FLAG_BORN: i32 = 0x100;
pub const PL_FLAG_EXITED: i32 = 0x200;
pub const PL_FLAG_VFORKED: i32 = 0x400;
pub const PL_FLAG_VFORK_DONE: i32 = 0x800;

/// FreeBSD `MAXCOMLEN + 1`.
pub const TDNAMLEN: usize = 20;

/// The largest signal number PT_CONTINUE & co. accept (`_SIG_MAXSIG`).
pub const SIG_MAXSIG: i32 = 128;

/// FreeBSD's kernel-only errno values (`_WANT_KERNEL_ERRNO`) that
/// `sr_error` carries: PT_GET_SC_RET reports a syscall that will be
/// restarted as ERESTART, PT_SC_REMOTE a successful execve as EJUSTRETURN.
pub const ERESTART: i32 = -1;
pub const EJUSTRETURN: i32 = -2;
pub const ENOIOCTL: i32 = -3;
pub const EDIRIOCTL: i32 = -4;
pub const ERELOOKUP: i32 = -5;

/// FreeBSD's si_code for a signal sent to one thread: Linux's SI_TKILL,
/// which tgkill (so raise() and pthread_kill()) gives.
pub const SI_LWP: i32 = libc::SI_TKILL;

/// One past the highest syscall number (`<sys/syscall.h>`): x86-64 Linux
/// keeps its numbers below 512, and answers ENOSYS to 512.
pub const SYS_MAXSYSCALL: u32 = crate::sysent::MAX_NUMBER;

/// FreeBSD amd64 trap numbers reported in `r_trapno`.
pub const T_BPTFLT: u32 = 3;
pub const T_TRCTRAP: u32 = 10;

/// Carry flag: FreeBSD's syscall error indicator on amd64.
pub const PSL_C: i64 = 0x1;
/// rflags bits user code (and so a debugger) may change (`PSL_USERCHANGE`).
pub const PSL_USERCHANGE: i64 =
    0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x4000 | 0x40000 | 0x200000;

/// `VNOVAL` for `pve_fileid` / `pve_fsid`.
pub const VNOVAL: i64 = -1;

pub const VM_PROT_READ: u32 = 1;
pub const VM_PROT_WRITE: u32 = 2;
pub const VM_PROT_EXECUTE: u32 = 4;

/// `struct ptrace_io_desc`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ptrace_io_desc {
    pub piod_op: i32,
    pub piod_offs: *mut libc::c_void,
    pub piod_addr: *mut libc::c_void,
    pub piod_len: usize,
}

/// `struct ptrace_lwpinfo` with the host's `sigset_t` and `siginfo_t`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ptrace_lwpinfo {
    pub pl_lwpid: i32,
    pub pl_event: i32,
    pub pl_flags: i32,
    pub pl_sigmask: libc::sigset_t,
    pub pl_siglist: libc::sigset_t,
    pub pl_siginfo: libc::siginfo_t,
    pub pl_tdname: [libc::c_char; TDNAMLEN],
    pub pl_child_pid: i32,
    pub pl_syscall_code: u32,
    pub pl_syscall_narg: u32,
}

/// `struct ptrace_vm_entry`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ptrace_vm_entry {
    pub pve_entry: i32,
    pub pve_timestamp: i32,
    pub pve_start: u64,
    pub pve_end: u64,
    pub pve_offset: u64,
    pub pve_prot: u32,
    pub pve_pathlen: u32,
    pub pve_fileid: i64,
    pub pve_fsid: u32,
    pub pve_path: *mut libc::c_char,
}

/// `struct ptrace_sc_ret`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ptrace_sc_ret {
    pub sr_retval: [i64; 2],
    pub sr_error: i32,
}

/// PT_COREDUMP flags: compression is allowed (`PC_COMPRESS`); map entries
/// the process excluded from cores are included (`PC_ALL`).
pub const PC_COMPRESS: u32 = 0x1;
pub const PC_ALL: u32 = 0x2;

/// `struct ptrace_coredump` (PT_COREDUMP's argument).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ptrace_coredump {
    /// A descriptor open for writing on a regular file.
    pub pc_fd: i32,
    /// `PC_COMPRESS | PC_ALL`.
    pub pc_flags: u32,
    /// The largest core, in bytes; 0 = no limit.
    pub pc_limit: i64,
}

/// FreeBSD amd64 `struct reg` (not Linux's `user_regs_struct` order).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct reg {
    pub r_r15: i64,
    pub r_r14: i64,
    pub r_r13: i64,
    pub r_r12: i64,
    pub r_r11: i64,
    pub r_r10: i64,
    pub r_r9: i64,
    pub r_r8: i64,
    pub r_rdi: i64,
    pub r_rsi: i64,
    pub r_rbp: i64,
    pub r_rbx: i64,
    pub r_rdx: i64,
    pub r_rcx: i64,
    pub r_rax: i64,
    pub r_trapno: u32,
    pub r_fs: u16,
    pub r_gs: u16,
    pub r_err: u32,
    pub r_es: u16,
    pub r_ds: u16,
    pub r_rip: i64,
    pub r_cs: i64,
    pub r_rflags: i64,
    pub r_rsp: i64,
    pub r_ss: i64,
}

/// FreeBSD amd64 `struct fpreg`: the 512-byte FXSAVE image.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct fpreg {
    pub fpr_env: [u64; 4],
    pub fpr_acc: [[u8; 16]; 8],
    pub fpr_xacc: [[u8; 16]; 16],
    pub fpr_spare: [u64; 12],
}


/// FreeBSD amd64 `struct dbreg`: dr0-dr15 (4, 5 and 8-15 reserved).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct dbreg {
    pub dr: [u64; 16],
}

// DR7 helpers (machine/reg.h).
pub const DBREG_DR7_LOCAL_ENABLE: u64 = 0x01;
pub const DBREG_DR7_GLOBAL_ENABLE: u64 = 0x02;
pub const DBREG_DR7_LEN_1: u64 = 0x00;
pub const DBREG_DR7_LEN_2: u64 = 0x01;
pub const DBREG_DR7_LEN_4: u64 = 0x03;
pub const DBREG_DR7_LEN_8: u64 = 0x02;
pub const DBREG_DR7_EXEC: u64 = 0x00;
pub const DBREG_DR7_WRONLY: u64 = 0x01;
pub const DBREG_DR7_RDWR: u64 = 0x03;

/// `DBREG_DR7_SET(i, len, access, enable)`.
pub const fn dbreg_dr7_set(i: u32, len: u64, access: u64, enable: u64) -> u64 {
    ((len << 2 | access) << (i * 4 + 16)) | (enable << (i * 2))
}

// procctl(2).
pub const PROC_SPROTECT: i32 = 1;
pub const PROC_REAP_ACQUIRE: i32 = 2;
pub const PROC_REAP_RELEASE: i32 = 3;
pub const PROC_REAP_STATUS: i32 = 4;
pub const PROC_REAP_GETPIDS: i32 = 5;
pub const PROC_REAP_KILL: i32 = 6;
pub const PROC_TRACE_CTL: i32 = 7;
pub const PROC_TRACE_STATUS: i32 = 8;
pub const PROC_TRAPCAP_CTL: i32 = 9;
pub const PROC_TRAPCAP_STATUS: i32 = 10;
pub const PROC_PDEATHSIG_CTL: i32 = 11;
pub const PROC_PDEATHSIG_STATUS: i32 = 12;
pub const PROC_ASLR_CTL: i32 = 13;
pub const PROC_ASLR_STATUS: i32 = 14;
pub const PROC_PROTMAX_CTL: i32 = 15;
pub const PROC_PROTMAX_STATUS: i32 = 16;
pub const PROC_STACKGAP_CTL: i32 = 17;
pub const PROC_STACKGAP_STATUS: i32 = 18;
pub const PROC_NO_NEW_PRIVS_CTL: i32 = 19;
pub const PROC_NO_NEW_PRIVS_STATUS: i32 = 20;
pub const PROC_WXMAP_CTL: i32 = 21;
pub const PROC_WXMAP_STATUS: i32 = 22;
pub const PROC_LOGSIGEXIT_CTL: i32 = 23;
pub const PROC_LOGSIGEXIT_STATUS: i32 = 24;
pub const PROC_PROCCTL_MD_MIN: i32 = 0x1000_0000;
pub const PROC_KPTI_CTL: i32 = PROC_PROCCTL_MD_MIN;
pub const PROC_KPTI_STATUS: i32 = PROC_PROCCTL_MD_MIN + 1;
pub const PROC_LA_CTL: i32 = PROC_PROCCTL_MD_MIN + 2;
pub const PROC_LA_STATUS: i32 = PROC_PROCCTL_MD_MIN + 3;

pub const PPROT_SET: i32 = 1;
pub const PPROT_CLEAR: i32 = 2;
pub const PPROT_DESCEND: i32 = 0x10;
pub const PPROT_INHERIT: i32 = 0x20;
pub const fn pprot_op(x: i32) -> i32 {
    x & 0xf
}
pub const fn pprot_flags(x: i32) -> i32 {
    x & !0xf
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{offset_of, size_of};

    #[test]
    fn freebsd_layouts() {
        assert_eq!(size_of::<ptrace_io_desc>(), 32);
        assert_eq!(size_of::<ptrace_vm_entry>(), 64);
        assert_eq!(offset_of!(ptrace_vm_entry, pve_path), 56);
        assert_eq!(size_of::<ptrace_sc_ret>(), 24);
        assert_eq!(size_of::<ptrace_coredump>(), 16);
        assert_eq!(offset_of!(ptrace_coredump, pc_limit), 8);
        assert_eq!(size_of::<reg>(), 176);
        assert_eq!(offset_of!(reg, r_trapno), 120);
        assert_eq!(offset_of!(reg, r_rip), 136);
        assert_eq!(size_of::<fpreg>(), 512);
        assert_eq!(size_of::<dbreg>(), 128);
    }
}
