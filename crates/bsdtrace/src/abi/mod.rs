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
mod x32;
pub use x32::*;

/// FreeBSD's PID_MAX analogue on Linux: LWP ids handed to C are `tid + LWPID_BASE`
/// (Linux's PID_MAX_LIMIT), so a pid and an LWP id never collide.
pub const LWPID_BASE: i32 = 4_194_304;

// ptrace(2) requests (sys/ptrace.h).
/// Request: the calling child asks to be traced by its parent (`ptrace(PT_TRACE_ME, 0, 0, 0)`).
pub const PT_TRACE_ME: i32 = 0;
/// Request: read one `int` of the tracee's text (instruction space).
pub const PT_READ_I: i32 = 1;
/// Request: read one `int` of the tracee's data space.
pub const PT_READ_D: i32 = 2;
/// Request: write one `int` into the tracee's text (works on read-only text).
pub const PT_WRITE_I: i32 = 4;
/// Request: write one `int` into the tracee's data space.
pub const PT_WRITE_D: i32 = 5;
/// Request: resume the stopped process, at `addr` unless it is 1, delivering signal `data` (0 for none).
pub const PT_CONTINUE: i32 = 7;
/// Request: kill the traced process (SIGKILL) and resume it so it dies.
pub const PT_KILL: i32 = 8;
/// Request: resume for one instruction, then stop with TRAP_TRACE.
pub const PT_STEP: i32 = 9;
/// Request: start tracing a running process; it stops with SIGSTOP.
pub const PT_ATTACH: i32 = 10;
/// Request: stop tracing and resume, delivering signal `data`.
pub const PT_DETACH: i32 = 11;
/// Request: move a block of memory to or from the tracee (`struct ptrace_io_desc`).
pub const PT_IO: i32 = 12;
/// Request: why the LWP stopped (`struct ptrace_lwpinfo`).
pub const PT_LWPINFO: i32 = 13;
/// Request: the number of LWPs (threads) of the process.
pub const PT_GETNUMLWPS: i32 = 14;
/// Request: the ids of the process's LWPs, into an array of `lwpid_t`.
pub const PT_GETLWPLIST: i32 = 15;
/// Request: clear the LWP's single-step flag.
pub const PT_CLEARSTEP: i32 = 16;
/// Request: set the LWP's single-step flag (it steps on the next resume).
pub const PT_SETSTEP: i32 = 17;
/// Request: keep one LWP stopped across continues.
pub const PT_SUSPEND: i32 = 18;
/// Request: undo PT_SUSPEND: the LWP runs again on the next continue.
pub const PT_RESUME: i32 = 19;
/// Request: resume until the next system-call entry.
pub const PT_TO_SCE: i32 = 20;
/// Request: resume until the next system-call exit.
pub const PT_TO_SCX: i32 = 21;
/// Request: resume until the next system-call entry or exit.
pub const PT_SYSCALL: i32 = 22;
/// Request: trace the children of fork() too (`data` non-zero) or not.
pub const PT_FOLLOW_FORK: i32 = 23;
/// Request: report LWP births and exits (PL_FLAG_BORN, PL_FLAG_EXITED) or not.
pub const PT_LWP_EVENTS: i32 = 24;
/// Request: read the event mask (`PTRACE_*` bits).
pub const PT_GET_EVENT_MASK: i32 = 25;
/// Request: set the event mask (`PTRACE_*` bits).
pub const PT_SET_EVENT_MASK: i32 = 26;
/// Request: the arguments of the system call the LWP is stopped in.
pub const PT_GET_SC_ARGS: i32 = 27;
/// Request: the result of the system call the LWP stopped at the exit of (`struct ptrace_sc_ret`).
pub const PT_GET_SC_RET: i32 = 28;
/// Request: write a core file of the stopped process (`struct ptrace_coredump`).
pub const PT_COREDUMP: i32 = 29;
/// Request: read the LWP's general registers (`struct reg`).
pub const PT_GETREGS: i32 = 33;
/// Request: write the LWP's general registers (`struct reg`).
pub const PT_SETREGS: i32 = 34;
/// Request: read the LWP's floating-point registers (`struct fpreg`).
pub const PT_GETFPREGS: i32 = 35;
/// Request: write the LWP's floating-point registers (`struct fpreg`).
pub const PT_SETFPREGS: i32 = 36;
/// Request: read the LWP's debug registers (`struct dbreg`).
pub const PT_GETDBREGS: i32 = 37;
/// Request: write the LWP's debug registers: hardware breakpoints and watchpoints.
pub const PT_SETDBREGS: i32 = 38;
/// Request: the map generation; it changes whenever the address space does.
pub const PT_VM_TIMESTAMP: i32 = 40;
/// Request: one entry of the address-space map (`struct ptrace_vm_entry`), by index.
pub const PT_VM_ENTRY: i32 = 41;
/// Request: read a register set by note type (`NT_*`), through a `struct iovec`.
pub const PT_GETREGSET: i32 = 42;
/// Request: write a register set by note type (`NT_*`), through a `struct iovec`.
pub const PT_SETREGSET: i32 = 43;
/// Request: make the stopped LWP execute a system call (`struct ptrace_sc_remote`).
pub const PT_SC_REMOTE: i32 = 44;
/// The first machine-dependent request number.
pub const PT_FIRSTMACH: i32 = 64;
// amd64 machine-dependent requests (machine/ptrace.h, modern numbering).
/// Request (amd64): the size and feature mask of the XSAVE area.
pub const PT_GETXSTATE_INFO: i32 = 68;
/// Request (amd64): read the LWP's XSAVE area.
pub const PT_GETXSTATE: i32 = 69;
/// Request (amd64): write the LWP's XSAVE area.
pub const PT_SETXSTATE: i32 = 70;
/// Request (amd64): read the LWP's fs base.
pub const PT_GETFSBASE: i32 = 71;
/// Request (amd64): write the LWP's fs base.
pub const PT_SETFSBASE: i32 = 72;
/// Request (amd64): read the LWP's gs base.
pub const PT_GETGSBASE: i32 = 73;
/// Request (amd64): write the LWP's gs base.
pub const PT_SETGSBASE: i32 = 74;

// Event mask bits (PT_GET/SET_EVENT_MASK).
/// Event mask: stop after a successful exec (on by default).
pub const PTRACE_EXEC: i32 = 0x0001;
/// Event mask: stop at system-call entries.
pub const PTRACE_SCE: i32 = 0x0002;
/// Event mask: stop at system-call exits.
pub const PTRACE_SCX: i32 = 0x0004;
/// Event mask: stop at system-call entries and exits.
pub const PTRACE_SYSCALL: i32 = PTRACE_SCE | PTRACE_SCX;
/// Event mask: report forks and trace the children (PT_FOLLOW_FORK).
pub const PTRACE_FORK: i32 = 0x0008;
/// Event mask: report LWP births and exits (PT_LWP_EVENTS).
pub const PTRACE_LWP: i32 = 0x0010;
/// Event mask: report when a vfork child releases its parent (PL_FLAG_VFORK_DONE).
pub const PTRACE_VFORK: i32 = 0x0020;
/// The event mask a new trace starts with.
pub const PTRACE_DEFAULT: i32 = PTRACE_EXEC;

// PT_IO operations.
/// PT_IO: read from the data space.
pub const PIOD_READ_D: i32 = 1;
/// PT_IO: write to the data space.
pub const PIOD_WRITE_D: i32 = 2;
/// PT_IO: read from the text (instruction space).
pub const PIOD_READ_I: i32 = 3;
/// PT_IO: write to the text (works on read-only text).
pub const PIOD_WRITE_I: i32 = 4;

// PT_LWPINFO.
/// `pl_event`: no signal is pending for the LWP.
pub const PL_EVENT_NONE: i32 = 0;
/// `pl_event`: the LWP stopped for a signal (`pl_siginfo` is valid with PL_FLAG_SI).
pub const PL_EVENT_SIGNAL: i32 = 1;
/// `pl_flags`: scheduler activations (historical; never set).
pub const PL_FLAG_SA: i32 = 0x01;
/// `pl_flags`: bound LWP (historical; never set).
pub const PL_FLAG_BOUND: i32 = 0x02;
/// `pl_flags`: stopped at a system-call entry.
pub const PL_FLAG_SCE: i32 = 0x04;
/// `pl_flags`: stopped at a system-call exit.
pub const PL_FLAG_SCX: i32 = 0x08;
/// `pl_flags`: stopped after a successful exec.
pub const PL_FLAG_EXEC: i32 = 0x10;
/// `pl_flags`: `pl_siginfo` holds the stopping signal's siginfo.
pub const PL_FLAG_SI: i32 = 0x20;
/// `pl_flags`: the LWP forked; `pl_child_pid` is the child.
pub const PL_FLAG_FORKED: i32 = 0x40;
/// `pl_flags`: first stop of a followed fork child.
pub const PL_FLAG_CHILD: i32 = 0x80;
/// `pl_flags`: first stop of a new LWP (PT_LWP_EVENTS).
pub const PL_FLAG_BORN: i32 = 0x100;
/// `pl_flags`: the LWP is exiting (PT_LWP_EVENTS).
pub const PL_FLAG_EXITED: i32 = 0x200;
/// `pl_flags`: the fork was a vfork.
pub const PL_FLAG_VFORKED: i32 = 0x400;
/// `pl_flags`: the vfork child released its parent (PTRACE_VFORK).
pub const PL_FLAG_VFORK_DONE: i32 = 0x800;

/// FreeBSD `MAXCOMLEN + 1`.
pub const TDNAMLEN: usize = 20;

/// The largest signal number PT_CONTINUE & co. accept (`_SIG_MAXSIG`).
pub const SIG_MAXSIG: i32 = 128;

/// FreeBSD's kernel-only errno values (`_WANT_KERNEL_ERRNO`) that
/// `sr_error` carries: PT_GET_SC_RET reports a syscall that will be
/// restarted as ERESTART, and a successful execve (PT_GET_SC_RET at the
/// exec stop, PT_SC_REMOTE's remote execve) as EJUSTRETURN.
pub const ERESTART: i32 = -1;
/// The syscall set its own return registers (a successful execve).
pub const EJUSTRETURN: i32 = -2;
/// An ioctl a driver does not handle (kernel-internal).
pub const ENOIOCTL: i32 = -3;
/// An ioctl to pass to the device directly (kernel-internal).
pub const EDIRIOCTL: i32 = -4;
/// A lookup to restart (kernel-internal).
pub const ERELOOKUP: i32 = -5;

/// FreeBSD's si_code for a signal sent to one thread: Linux's SI_TKILL,
/// which tgkill (so raise() and pthread_kill()) gives.
pub const SI_LWP: i32 = libc::SI_TKILL;

/// One past the highest syscall number (`<sys/syscall.h>`): x86-64 Linux
/// keeps its numbers below 512, and answers ENOSYS to 512.
pub const SYS_MAXSYSCALL: u32 = crate::sysent::MAX_NUMBER;

/// FreeBSD amd64 trap numbers reported in `r_trapno`.
pub const T_BPTFLT: u32 = 3;
/// Trace trap (single step, hardware watchpoint): `r_trapno` after PT_STEP.
pub const T_TRCTRAP: u32 = 10;

/// Carry flag: FreeBSD's syscall error indicator on amd64.
pub const PSL_C: i64 = 0x1;
/// rflags bits user code (and so a debugger) may change (`PSL_USERCHANGE`).
pub const PSL_USERCHANGE: i64 =
    0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x4000 | 0x40000 | 0x200000;

/// `VNOVAL` for `pve_fileid` / `pve_fsid`.
pub const VNOVAL: i64 = -1;

/// `pve_prot`: readable.
pub const VM_PROT_READ: u32 = 1;
/// `pve_prot`: writable.
pub const VM_PROT_WRITE: u32 = 2;
/// `pve_prot`: executable.
pub const VM_PROT_EXECUTE: u32 = 4;

/// `struct ptrace_io_desc`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ptrace_io_desc {
    /// `PIOD_READ_D`, `PIOD_WRITE_D`, `PIOD_READ_I` or `PIOD_WRITE_I`.
    pub piod_op: i32,
    /// The address in the tracee.
    pub piod_offs: *mut libc::c_void,
    /// The buffer in the tracer.
    pub piod_addr: *mut libc::c_void,
    /// Bytes to move; on return, bytes moved.
    pub piod_len: usize,
}

/// `struct ptrace_lwpinfo` with the host's `sigset_t` and `siginfo_t`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ptrace_lwpinfo {
    /// The LWP the information is about.
    pub pl_lwpid: i32,
    /// `PL_EVENT_NONE` or `PL_EVENT_SIGNAL`.
    pub pl_event: i32,
    /// `PL_FLAG_*` bits: why the LWP stopped.
    pub pl_flags: i32,
    /// The LWP's blocked signals.
    pub pl_sigmask: libc::sigset_t,
    /// The LWP's pending signals.
    pub pl_siglist: libc::sigset_t,
    /// The stopping signal's siginfo, with PL_FLAG_SI.
    pub pl_siginfo: libc::siginfo_t,
    /// The LWP's name, NUL-terminated.
    pub pl_tdname: [libc::c_char; TDNAMLEN],
    /// The new child, with PL_FLAG_FORKED.
    pub pl_child_pid: i32,
    /// The system call number, at PL_FLAG_SCE or PL_FLAG_SCX stops.
    pub pl_syscall_code: u32,
    /// The number of arguments of that system call.
    pub pl_syscall_narg: u32,
}

/// `struct ptrace_vm_entry`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ptrace_vm_entry {
    /// In: the index of the entry wanted (0 to start); out: the entry returned.
    pub pve_entry: i32,
    /// The map generation when the entry was read (PT_VM_TIMESTAMP).
    pub pve_timestamp: i32,
    /// First address of the mapping.
    pub pve_start: u64,
    /// Last address of the mapping (inclusive).
    pub pve_end: u64,
    /// Offset of the mapping in its object.
    pub pve_offset: u64,
    /// `VM_PROT_*` bits.
    pub pve_prot: u32,
    /// In: the size of `pve_path`; out: the length of the path (0 if none).
    pub pve_pathlen: u32,
    /// The file's inode number, or `VNOVAL`.
    pub pve_fileid: i64,
    /// The file system's id, or `VNOVAL`.
    pub pve_fsid: u32,
    /// A buffer for the path of the mapped file, or null.
    pub pve_path: *mut libc::c_char,
}

/// `struct ptrace_sc_ret`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ptrace_sc_ret {
    /// The return values (rax, rdx).
    pub sr_retval: [i64; 2],
    /// 0, or the errno the call failed with.
    pub sr_error: i32,
}

/// PT_COREDUMP flags: compression is allowed (`PC_COMPRESS`); map entries
/// the process excluded from cores are included (`PC_ALL`).
pub const PC_COMPRESS: u32 = 0x1;
/// PT_COREDUMP flag: include the mappings the process excluded from cores.
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
    /// r15.
    pub r_r15: i64,
    /// r14.
    pub r_r14: i64,
    /// r13.
    pub r_r13: i64,
    /// r12.
    pub r_r12: i64,
    /// r11.
    pub r_r11: i64,
    /// r10.
    pub r_r10: i64,
    /// r9.
    pub r_r9: i64,
    /// r8.
    pub r_r8: i64,
    /// rdi.
    pub r_rdi: i64,
    /// rsi.
    pub r_rsi: i64,
    /// rbp.
    pub r_rbp: i64,
    /// rbx.
    pub r_rbx: i64,
    /// rdx.
    pub r_rdx: i64,
    /// rcx.
    pub r_rcx: i64,
    /// rax (at a syscall entry stop, the system call number).
    pub r_rax: i64,
    /// The trap that stopped the LWP (`T_BPTFLT`, `T_TRCTRAP`...).
    pub r_trapno: u32,
    /// The fs selector.
    pub r_fs: u16,
    /// The gs selector.
    pub r_gs: u16,
    /// The trap's error code.
    pub r_err: u32,
    /// The es selector.
    pub r_es: u16,
    /// The ds selector.
    pub r_ds: u16,
    /// The instruction pointer.
    pub r_rip: i64,
    /// The cs selector.
    pub r_cs: i64,
    /// rflags (the carry flag is a syscall's error indicator).
    pub r_rflags: i64,
    /// The stack pointer.
    pub r_rsp: i64,
    /// The ss selector.
    pub r_ss: i64,
}

/// FreeBSD amd64 `struct fpreg`: the 512-byte FXSAVE image.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct fpreg {
    /// The FXSAVE header: control, status and tag words, opcode, instruction and data pointers, MXCSR.
    pub fpr_env: [u64; 4],
    /// The x87 registers st0-st7, 16 bytes each.
    pub fpr_acc: [[u8; 16]; 8],
    /// The SSE registers xmm0-xmm15.
    pub fpr_xacc: [[u8; 16]; 16],
    /// The rest of the 512-byte image.
    pub fpr_spare: [u64; 12],
}


/// FreeBSD amd64 `struct dbreg`: dr0-dr15 (4, 5 and 8-15 reserved).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct dbreg {
    /// dr0-dr3: addresses; dr6: status; dr7: control.
    pub dr: [u64; 16],
}

// DR7 helpers (machine/reg.h).
/// DR7: enable the breakpoint for this LWP.
pub const DBREG_DR7_LOCAL_ENABLE: u64 = 0x01;
/// DR7: enable the breakpoint globally.
pub const DBREG_DR7_GLOBAL_ENABLE: u64 = 0x02;
/// DR7 length: 1 byte.
pub const DBREG_DR7_LEN_1: u64 = 0x00;
/// DR7 length: 2 bytes.
pub const DBREG_DR7_LEN_2: u64 = 0x01;
/// DR7 length: 4 bytes.
pub const DBREG_DR7_LEN_4: u64 = 0x03;
/// DR7 length: 8 bytes.
pub const DBREG_DR7_LEN_8: u64 = 0x02;
/// DR7 access: instruction execution (a hardware breakpoint).
pub const DBREG_DR7_EXEC: u64 = 0x00;
/// DR7 access: data writes.
pub const DBREG_DR7_WRONLY: u64 = 0x01;
/// DR7 access: data reads and writes.
pub const DBREG_DR7_RDWR: u64 = 0x03;

/// `DBREG_DR7_SET(i, len, access, enable)`.
pub const fn dbreg_dr7_set(i: u32, len: u64, access: u64, enable: u64) -> u64 {
    ((len << 2 | access) << (i * 4 + 16)) | (enable << (i * 2))
}

// procctl(2).
/// procctl: protect processes from the out-of-memory killer (`PPROT_*`).
pub const PROC_SPROTECT: i32 = 1;
/// procctl: become a reaper of orphaned descendants.
pub const PROC_REAP_ACQUIRE: i32 = 2;
/// procctl: stop being a reaper.
pub const PROC_REAP_RELEASE: i32 = 3;
/// procctl: the reaper's status (`struct procctl_reaper_status`).
pub const PROC_REAP_STATUS: i32 = 4;
/// procctl: the reaper's descendants (`struct procctl_reaper_pids`).
pub const PROC_REAP_GETPIDS: i32 = 5;
/// procctl: signal the reaper's descendants (`struct procctl_reaper_kill`).
pub const PROC_REAP_KILL: i32 = 6;
/// procctl: allow or forbid tracing of the process.
pub const PROC_TRACE_CTL: i32 = 7;
/// procctl: whether the process may be traced, and by whom it is.
pub const PROC_TRACE_STATUS: i32 = 8;
/// procctl: SIGTRAP on Capsicum violations.
pub const PROC_TRAPCAP_CTL: i32 = 9;
/// procctl: the PROC_TRAPCAP_CTL setting.
pub const PROC_TRAPCAP_STATUS: i32 = 10;
/// procctl: the signal sent when the parent exits.
pub const PROC_PDEATHSIG_CTL: i32 = 11;
/// procctl: the PROC_PDEATHSIG_CTL signal.
pub const PROC_PDEATHSIG_STATUS: i32 = 12;
/// procctl: address-space layout randomization for new images.
pub const PROC_ASLR_CTL: i32 = 13;
/// procctl: the ASLR setting and whether it is active.
pub const PROC_ASLR_STATUS: i32 = 14;
/// procctl: implicit PROT_MAX for mmap.
pub const PROC_PROTMAX_CTL: i32 = 15;
/// procctl: the PROC_PROTMAX_CTL setting.
pub const PROC_PROTMAX_STATUS: i32 = 16;
/// procctl: the stack gap.
pub const PROC_STACKGAP_CTL: i32 = 17;
/// procctl: the stack-gap setting.
pub const PROC_STACKGAP_STATUS: i32 = 18;
/// procctl: forbid privilege gains through exec.
pub const PROC_NO_NEW_PRIVS_CTL: i32 = 19;
/// procctl: the no-new-privileges setting.
pub const PROC_NO_NEW_PRIVS_STATUS: i32 = 20;
/// procctl: allow writable and executable mappings.
pub const PROC_WXMAP_CTL: i32 = 21;
/// procctl: the W^X setting.
pub const PROC_WXMAP_STATUS: i32 = 22;
/// procctl: log exits by signal.
pub const PROC_LOGSIGEXIT_CTL: i32 = 23;
/// procctl: the PROC_LOGSIGEXIT_CTL setting.
pub const PROC_LOGSIGEXIT_STATUS: i32 = 24;
/// The first machine-dependent procctl command.
pub const PROC_PROCCTL_MD_MIN: i32 = 0x1000_0000;
/// procctl (amd64): kernel page-table isolation for new images.
pub const PROC_KPTI_CTL: i32 = PROC_PROCCTL_MD_MIN;
/// procctl (amd64): the KPTI setting.
pub const PROC_KPTI_STATUS: i32 = PROC_PROCCTL_MD_MIN + 1;
/// procctl (amd64): 48- or 57-bit address space for new images.
pub const PROC_LA_CTL: i32 = PROC_PROCCTL_MD_MIN + 2;
/// procctl (amd64): the address-space width setting.
pub const PROC_LA_STATUS: i32 = PROC_PROCCTL_MD_MIN + 3;

/// PROC_SPROTECT: protect.
pub const PPROT_SET: i32 = 1;
/// PROC_SPROTECT: remove protection.
pub const PPROT_CLEAR: i32 = 2;
/// PROC_SPROTECT: also the current descendants.
pub const PPROT_DESCEND: i32 = 0x10;
/// PROC_SPROTECT: also future children.
pub const PPROT_INHERIT: i32 = 0x20;
/// The operation of a PROC_SPROTECT argument (`PPROT_SET` or `PPROT_CLEAR`).
pub const fn pprot_op(x: i32) -> i32 {
    x & 0xf
}
/// The flags of a PROC_SPROTECT argument (`PPROT_DESCEND`, `PPROT_INHERIT`).
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
