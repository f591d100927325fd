//! The C headers and the Rust ABI tables describe the same bytes.
//!
//! A C program generated here prints `sizeof`, `_Alignof` and `offsetof` of
//! every struct and field the headers define, the value of every constant
//! and function-like macro, and the size and signedness of the typedefs;
//! the test compares each line with `bsdtrace::abi` (size_of, offset_of!,
//! the constants) or, for what the Rust side does not define yet, with the
//! numbers of the fact sheet (shared/reference/freebsd-ptrace.md §3).
//! The headers are read too, so a struct, field or constant added to them
//! without a line here fails the test instead of going unchecked.
//!
//! Both sides of the 32-bit boundary: the i386 register sets of the amd64
//! headers (`struct reg32` & co., what a 64-bit debugger of a 32-bit
//! process uses) against `bsdtrace::abi`'s `*32` types; and the same
//! program compiled with `-m32` (what a 32-bit debugger sees: `struct reg`
//! is the i386 set, `struct ptrace_io_desc` has 32-bit pointers...)
//! against the same `*32` types, which the i686 libbsdtrace copies in and
//! out (and which its build checks are its native structures).

mod common;

use bsdtrace::abi;
use bsdtrace::request::regset;
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::mem::{align_of, offset_of, size_of};
use std::process::Command;

struct Field {
    name: &'static str,
    offset: usize,
    size: usize,
}

struct Layout {
    name: &'static str,
    size: usize,
    align: usize,
    fields: Vec<Field>,
    /// Where the expected numbers come from, for failure messages.
    source: &'static str,
}

fn field_size<T, F>(_: fn(&T) -> &F) -> usize {
    size_of::<F>()
}

/// A struct `bsdtrace::abi` defines: expectations from the Rust type
/// (`c = rust { ... }` when the C name is another one).
macro_rules! rust {
    ($c:ident = $t:ident { $($f:ident),* $(,)? }) => {
        Layout {
            name: stringify!($c),
            size: size_of::<abi::$t>(),
            align: align_of::<abi::$t>(),
            fields: vec![$(Field {
                name: stringify!($f),
                offset: offset_of!(abi::$t, $f),
                size: field_size(|s: &abi::$t| &s.$f),
            }),*],
            source: "bsdtrace::abi",
        }
    };
    ($t:ident { $($f:ident),* $(,)? }) => {
        Layout {
            name: stringify!($t),
            size: size_of::<abi::$t>(),
            align: align_of::<abi::$t>(),
            fields: vec![$(Field {
                name: stringify!($f),
                offset: offset_of!(abi::$t, $f),
                size: field_size(|s: &abi::$t| &s.$f),
            }),*],
            source: "bsdtrace::abi",
        }
    };
}

/// A C struct whose Rust twin is a register set of `bsdtrace::request::regset`.
macro_rules! regset {
    ($c:ident = $t:ident { $($f:ident),* $(,)? }) => {
        Layout {
            name: stringify!($c),
            size: size_of::<regset::$t>(),
            align: align_of::<regset::$t>(),
            fields: vec![$(Field {
                name: stringify!($f),
                offset: offset_of!(regset::$t, $f),
                size: field_size(|s: &regset::$t| &s.$f),
            }),*],
            source: "bsdtrace::request::regset",
        }
    };
}

/// A struct only the fact sheet defines so far: `field: offset + size`.
macro_rules! fact {
    ($t:ident, $size:expr, $align:expr, { $($f:ident : $off:expr, $fsize:expr);* $(;)? }) => {
        Layout {
            name: stringify!($t),
            size: $size,
            align: $align,
            fields: vec![$(Field { name: stringify!($f), offset: $off, size: $fsize }),*],
            source: "the fact sheet",
        }
    };
}

#[rustfmt::skip] // one line per struct, as in the headers
fn layouts() -> Vec<Layout> {
    vec![
        rust!(ptrace_io_desc { piod_op, piod_offs, piod_addr, piod_len }),
        rust!(ptrace_lwpinfo {
            pl_lwpid, pl_event, pl_flags, pl_sigmask, pl_siglist, pl_siginfo, pl_tdname,
            pl_child_pid, pl_syscall_code, pl_syscall_narg,
        }),
        rust!(ptrace_vm_entry {
            pve_entry, pve_timestamp, pve_start, pve_end, pve_offset, pve_prot, pve_pathlen,
            pve_fileid, pve_fsid, pve_path,
        }),
        rust!(ptrace_sc_ret { sr_retval, sr_error }),
        rust!(reg {
            r_r15, r_r14, r_r13, r_r12, r_r11, r_r10, r_r9, r_r8, r_rdi, r_rsi, r_rbp, r_rbx,
            r_rdx, r_rcx, r_rax, r_trapno, r_fs, r_gs, r_err, r_es, r_ds, r_rip, r_cs,
            r_rflags, r_rsp, r_ss,
        }),
        rust!(fpreg { fpr_env, fpr_acc, fpr_xacc, fpr_spare }),
        rust!(dbreg { dr }),
        rust!(ptrace_coredump { pc_fd, pc_flags, pc_limit }),
        // What PT_GETREGSET(NT_PRSTATUS) fills in (<sys/procfs.h>).
        regset!(prstatus = Prstatus {
            pr_version, pr_statussz, pr_gregsetsz, pr_fpregsetsz, pr_osreldate, pr_cursig,
            pr_pid, pr_reg,
        }),
        // §3.10 and FreeBSD's <sys/procfs.h>: the other core notes.
        fact!(prpsinfo, 120, 8, {
            pr_version: 0, 4; pr_psinfosz: 8, 8; pr_fname: 16, 17; pr_psargs: 33, 81; pr_pid: 116, 4
        }),
        fact!(thrmisc, 24, 4, { pr_tname: 0, 20; _pad: 20, 4 }),
        rust!(prstatus32 {
            pr_version, pr_statussz, pr_gregsetsz, pr_fpregsetsz, pr_osreldate, pr_cursig, pr_pid,
            pr_reg,
        }),
        fact!(prpsinfo32, 112, 4, {
            pr_version: 0, 4; pr_psinfosz: 4, 4; pr_fname: 8, 17; pr_psargs: 25, 81; pr_pid: 108, 4
        }),
        fact!(thrmisc32, 24, 4, { pr_tname: 0, 20; _pad: 20, 4 }),
        // TODO: compare with bsdtrace::abi once it defines these (§3.6-3.8).
        fact!(ptrace_sc_remote, 40, 8, {
            pscr_ret: 0, 24; pscr_syscall: 24, 4; pscr_nargs: 28, 4; pscr_args: 32, 8
        }),
        fact!(ptrace_xstate_info, 16, 8, { xsave_mask: 0, 8; xsave_len: 8, 4 }),
        fact!(segbasereg, 16, 8, { r_fsbase: 0, 8; r_gsbase: 8, 8 }),
        // §3.9: the i386 register sets of FreeBSD/amd64's <machine/reg.h>.
        rust!(reg32 {
            r_fs, r_es, r_ds, r_edi, r_esi, r_ebp, r_isp, r_ebx, r_edx, r_ecx, r_eax, r_trapno,
            r_err, r_eip, r_cs, r_eflags, r_esp, r_ss, r_gs,
        }),
        rust!(fpreg32 { fpr_env, fpr_acc, fpr_ex_sw, fpr_pad }),
        rust!(xmmreg { xmm_env, xmm_acc, xmm_reg, xmm_pad }),
        rust!(dbreg32 { dr }),
        rust!(segbasereg32 { r_fsbase, r_gsbase }),
        // TODO: compare with bsdtrace::abi::procctl once that lands (§3.11).
        fact!(procctl_reaper_status, 80, 4, {
            rs_flags: 0, 4; rs_children: 4, 4; rs_descendants: 8, 4; rs_reaper: 12, 4;
            rs_pid: 16, 4; rs_pad0: 20, 60
        }),
        fact!(procctl_reaper_pidinfo, 72, 4, {
            pi_pid: 0, 4; pi_subtree: 4, 4; pi_flags: 8, 4; pi_pad0: 12, 60
        }),
        fact!(procctl_reaper_pids, 72, 8, { rp_count: 0, 4; rp_pad0: 4, 60; rp_pids: 64, 8 }),
        fact!(procctl_reaper_kill, 80, 4, {
            rk_sig: 0, 4; rk_flags: 4, 4; rk_subtree: 8, 4; rk_killed: 12, 4; rk_fpid: 16, 4;
            rk_pad0: 20, 60
        }),
    ]
}

/// What `gcc -m32` makes of the headers: every struct in its i386 layout,
/// which must be `bsdtrace::abi`'s `*32` type.
#[rustfmt::skip]
fn layouts32() -> Vec<Layout> {
    vec![
        rust!(ptrace_io_desc = ptrace_io_desc32 { piod_op, piod_offs, piod_addr, piod_len }),
        rust!(ptrace_lwpinfo = ptrace_lwpinfo32 {
            pl_lwpid, pl_event, pl_flags, pl_sigmask, pl_siglist, pl_siginfo, pl_tdname,
            pl_child_pid, pl_syscall_code, pl_syscall_narg,
        }),
        rust!(ptrace_vm_entry = ptrace_vm_entry32 {
            pve_entry, pve_timestamp, pve_start, pve_end, pve_offset, pve_prot, pve_pathlen,
            pve_fileid, pve_fsid, pve_path,
        }),
        rust!(ptrace_sc_ret = ptrace_sc_ret32 { sr_retval, sr_error }),
        rust!(ptrace_sc_remote = ptrace_sc_remote32 { pscr_ret, pscr_syscall, pscr_nargs, pscr_args }),
        rust!(ptrace_coredump = ptrace_coredump32 { pc_fd, pc_flags, pc_limit }),
        rust!(ptrace_xstate_info = ptrace_xstate_info32 { xsave_mask, xsave_len }),
        rust!(reg = reg32 {
            r_fs, r_es, r_ds, r_edi, r_esi, r_ebp, r_isp, r_ebx, r_edx, r_ecx, r_eax, r_trapno,
            r_err, r_eip, r_cs, r_eflags, r_esp, r_ss, r_gs,
        }),
        rust!(fpreg = fpreg32 { fpr_env, fpr_acc, fpr_ex_sw, fpr_pad }),
        rust!(xmmreg { xmm_env, xmm_acc, xmm_reg, xmm_pad }),
        rust!(dbreg = dbreg32 { dr }),
        rust!(segbasereg = segbasereg32 { r_fsbase, r_gsbase }),
        rust!(prstatus = prstatus32 {
            pr_version, pr_statussz, pr_gregsetsz, pr_fpregsetsz, pr_osreldate, pr_cursig, pr_pid,
            pr_reg,
        }),
        fact!(prpsinfo, 112, 4, {
            pr_version: 0, 4; pr_psinfosz: 4, 4; pr_fname: 8, 17; pr_psargs: 25, 81; pr_pid: 108, 4
        }),
        fact!(thrmisc, 24, 4, { pr_tname: 0, 20; _pad: 20, 4 }),
        // procctl(2)'s structures (FreeBSD's freebsd32 ones: one pointer).
        fact!(procctl_reaper_status, 80, 4, {
            rs_flags: 0, 4; rs_children: 4, 4; rs_descendants: 8, 4; rs_reaper: 12, 4;
            rs_pid: 16, 4; rs_pad0: 20, 60
        }),
        fact!(procctl_reaper_pidinfo, 72, 4, {
            pi_pid: 0, 4; pi_subtree: 4, 4; pi_flags: 8, 4; pi_pad0: 12, 60
        }),
        fact!(procctl_reaper_pids, 68, 4, {
            rp_count: 0, 4; rp_pad0: 4, 60; rp_pids: 64, 4
        }),
        fact!(procctl_reaper_kill, 80, 4, {
            rk_sig: 0, 4; rk_flags: 4, 4; rk_subtree: 8, 4; rk_killed: 12, 4; rk_fpid: 16, 4;
            rk_pad0: 20, 60
        }),
    ]
}

/// Structs only the amd64 headers have (`__HAVE_REG32`). (The constants
/// only the i386 headers define, PT_GETXMMREGS and PT_SETXMMREGS, are in
/// [`constants32`].)
const AMD64_ONLY: &[&str] = &["reg32", "fpreg32", "dbreg32", "segbasereg32", "prstatus32", "prpsinfo32", "thrmisc32"];

/// Every constant the headers define, with its expected value.
#[rustfmt::skip]
fn constants() -> Vec<(&'static str, i128)> {
    macro_rules! rust {
        ($($c:ident),* $(,)?) => { vec![$((stringify!($c), abi::$c as i128)),*] };
    }
    let mut v = rust!(
        PT_TRACE_ME, PT_READ_I, PT_READ_D, PT_WRITE_I, PT_WRITE_D, PT_CONTINUE, PT_KILL,
        PT_STEP, PT_ATTACH, PT_DETACH, PT_IO, PT_LWPINFO, PT_GETNUMLWPS, PT_GETLWPLIST,
        PT_CLEARSTEP, PT_SETSTEP, PT_SUSPEND, PT_RESUME, PT_TO_SCE, PT_TO_SCX, PT_SYSCALL,
        PT_FOLLOW_FORK, PT_LWP_EVENTS, PT_GET_EVENT_MASK, PT_SET_EVENT_MASK, PT_GET_SC_ARGS,
        PT_GET_SC_RET, PT_COREDUMP, PT_GETREGS, PT_SETREGS, PT_GETFPREGS, PT_SETFPREGS,
        PT_GETDBREGS, PT_SETDBREGS, PT_VM_TIMESTAMP, PT_VM_ENTRY, PT_GETREGSET, PT_SETREGSET,
        PT_SC_REMOTE, PT_FIRSTMACH, PT_GETXSTATE_INFO, PT_GETXSTATE, PT_SETXSTATE,
        PT_GETFSBASE, PT_SETFSBASE, PT_GETGSBASE, PT_SETGSBASE,
        PTRACE_EXEC, PTRACE_SCE, PTRACE_SCX, PTRACE_SYSCALL, PTRACE_FORK, PTRACE_LWP,
        PTRACE_VFORK, PTRACE_DEFAULT,
        PIOD_READ_D, PIOD_WRITE_D, PIOD_READ_I, PIOD_WRITE_I,
        PL_EVENT_NONE, PL_EVENT_SIGNAL, PL_FLAG_SA, PL_FLAG_BOUND, PL_FLAG_SCE, PL_FLAG_SCX,
        PL_FLAG_EXEC, PL_FLAG_SI, PL_FLAG_FORKED, PL_FLAG_CHILD, PL_FLAG_BORN, PL_FLAG_EXITED,
        PL_FLAG_VFORKED, PL_FLAG_VFORK_DONE,
        DBREG_DR7_LOCAL_ENABLE, DBREG_DR7_GLOBAL_ENABLE, DBREG_DR7_LEN_1, DBREG_DR7_LEN_2,
        DBREG_DR7_LEN_4, DBREG_DR7_LEN_8, DBREG_DR7_EXEC, DBREG_DR7_WRONLY, DBREG_DR7_RDWR,
        PROC_SPROTECT, PROC_REAP_ACQUIRE, PROC_REAP_RELEASE, PROC_REAP_STATUS,
        PROC_REAP_GETPIDS, PROC_REAP_KILL, PROC_TRACE_CTL, PROC_TRACE_STATUS, PROC_TRAPCAP_CTL,
        PROC_TRAPCAP_STATUS, PROC_PDEATHSIG_CTL, PROC_PDEATHSIG_STATUS, PROC_ASLR_CTL,
        PROC_ASLR_STATUS, PROC_PROTMAX_CTL, PROC_PROTMAX_STATUS, PROC_STACKGAP_CTL,
        PROC_STACKGAP_STATUS, PROC_NO_NEW_PRIVS_CTL, PROC_NO_NEW_PRIVS_STATUS, PROC_WXMAP_CTL,
        PROC_WXMAP_STATUS, PROC_LOGSIGEXIT_CTL, PROC_LOGSIGEXIT_STATUS, PROC_PROCCTL_MD_MIN,
        PROC_KPTI_CTL, PROC_KPTI_STATUS, PROC_LA_CTL, PROC_LA_STATUS,
        PPROT_SET, PPROT_CLEAR, PPROT_DESCEND, PPROT_INHERIT,
        PC_COMPRESS, PC_ALL,
        ERESTART, EJUSTRETURN, ENOIOCTL, EDIRIOCTL, ERELOOKUP, SI_LWP, SYS_MAXSYSCALL,
    );
    v.extend([
        ("MAXCOMLEN", abi::TDNAMLEN as i128 - 1),
        // SIGTRAP's si_codes, the host's (Linux and FreeBSD agree).
        ("TRAP_BRKPT", libc::TRAP_BRKPT as i128),
        ("TRAP_TRACE", libc::TRAP_TRACE as i128),
        ("BSDTRACE_LWPID_BASE", abi::LWPID_BASE as i128),
        // FreeBSD's <sys/wait.h> value; free among Linux's waitid() options.
        ("WTRAPPED", 0x20),
        ("PRSTATUS_VERSION", 1),
        ("PRPSINFO_VERSION", 1),
        ("PRFNAMESZ", 16),
        ("PRARGSZ", 80),
    ]);
    {
        use bsdtrace::request::regset::*;
        v.extend([
            ("NT_PRSTATUS", NT_PRSTATUS as i128),
            ("NT_FPREGSET", NT_FPREGSET as i128),
            ("NT_THRMISC", NT_THRMISC as i128),
            ("NT_PTLWPINFO", NT_PTLWPINFO as i128),
            ("NT_X86_SEGBASES", NT_X86_SEGBASES as i128),
            ("NT_X86_XSTATE", NT_X86_XSTATE as i128),
        ]);
    }
    // Not (yet) in bsdtrace::abi: the fact sheet's values (§1, §3).
    v.extend([
        ("DBREG_DR6_RESERVED1", 0xffff0ff0),
        ("DBREG_DR6_BMASK", 0xf),
        ("DBREG_DR6_BD", 0x2000),
        ("DBREG_DR6_BS", 0x4000),
        ("DBREG_DR6_BT", 0x8000),
        ("DBREG_DR7_RESERVED1", 0x400),
        ("DBREG_DR7_GD", 0x2000),
        ("REAPER_STATUS_OWNED", 0x1),
        ("REAPER_STATUS_REALINIT", 0x2),
        ("REAPER_PIDINFO_VALID", 0x1),
        ("REAPER_PIDINFO_CHILD", 0x2),
        ("REAPER_PIDINFO_REAPER", 0x4),
        ("REAPER_PIDINFO_ZOMBIE", 0x8),
        ("REAPER_PIDINFO_STOPPED", 0x10),
        ("REAPER_PIDINFO_EXITING", 0x20),
        ("REAPER_KILL_CHILDREN", 0x1),
        ("REAPER_KILL_SUBTREE", 0x2),
        ("PROC_TRACE_CTL_ENABLE", 1),
        ("PROC_TRACE_CTL_DISABLE", 2),
        ("PROC_TRACE_CTL_DISABLE_EXEC", 3),
        ("PROC_TRAPCAP_CTL_ENABLE", 1),
        ("PROC_TRAPCAP_CTL_DISABLE", 2),
        ("PROC_ASLR_FORCE_ENABLE", 1),
        ("PROC_ASLR_FORCE_DISABLE", 2),
        ("PROC_ASLR_NOFORCE", 3),
        ("PROC_ASLR_ACTIVE", 0x8000_0000),
        ("PROC_PROTMAX_FORCE_ENABLE", 1),
        ("PROC_PROTMAX_FORCE_DISABLE", 2),
        ("PROC_PROTMAX_NOFORCE", 3),
        ("PROC_PROTMAX_ACTIVE", 0x8000_0000),
        ("PROC_STACKGAP_ENABLE", 1),
        ("PROC_STACKGAP_DISABLE", 2),
        ("PROC_STACKGAP_ENABLE_EXEC", 4),
        ("PROC_STACKGAP_DISABLE_EXEC", 8),
        ("PROC_NO_NEW_PRIVS_ENABLE", 1),
        ("PROC_NO_NEW_PRIVS_DISABLE", 2),
        ("PROC_WX_MAPPINGS_PERMIT", 1),
        ("PROC_WX_MAPPINGS_DISALLOW_EXEC", 2),
        ("PROC_WXORX_ENFORCE", 0x8000_0000),
        ("PROC_LOGSIGEXIT_CTL_NOFORCE", 1),
        ("PROC_LOGSIGEXIT_CTL_FORCE_ENABLE", 2),
        ("PROC_LOGSIGEXIT_CTL_FORCE_DISABLE", 3),
        ("PROC_KPTI_CTL_ENABLE_ON_EXEC", 1),
        ("PROC_KPTI_CTL_DISABLE_ON_EXEC", 2),
        ("PROC_KPTI_STATUS_ACTIVE", 0x8000_0000),
        ("PROC_LA_CTL_LA48_ON_EXEC", 1),
        ("PROC_LA_CTL_LA57_ON_EXEC", 2),
        ("PROC_LA_CTL_DEFAULT_ON_EXEC", 3),
        ("PROC_LA_STATUS_LA48", 0x0100_0000),
        ("PROC_LA_STATUS_LA57", 0x0200_0000),
    ]);
    v
}

/// Function-like macros and other expressions: (label, C expression, value).
/// The label's first word names the macro it exercises.
fn expressions() -> Vec<(String, String, i128)> {
    let mut v = Vec::new();
    let lens = [
        abi::DBREG_DR7_LEN_1,
        abi::DBREG_DR7_LEN_2,
        abi::DBREG_DR7_LEN_4,
        abi::DBREG_DR7_LEN_8,
    ];
    let accesses = [
        abi::DBREG_DR7_EXEC,
        abi::DBREG_DR7_WRONLY,
        abi::DBREG_DR7_RDWR,
    ];
    let enables = [abi::DBREG_DR7_LOCAL_ENABLE, abi::DBREG_DR7_GLOBAL_ENABLE, 3];
    for i in 0..4u32 {
        for &len in &lens {
            for &access in &accesses {
                for &enable in &enables {
                    let dr7 = abi::dbreg_dr7_set(i, len, access, enable);
                    v.push((
                        format!("DBREG_DR7_SET {i} {len} {access} {enable}"),
                        format!("DBREG_DR7_SET({i}, {len}, {access}, {enable})"),
                        dr7 as i128,
                    ));
                    let d = format!("(unsigned long){dr7}UL");
                    v.push((
                        format!("DBREG_DR7_LEN {i} {dr7:#x}"),
                        format!("DBREG_DR7_LEN({d}, {i})"),
                        len as i128,
                    ));
                    v.push((
                        format!("DBREG_DR7_ACCESS {i} {dr7:#x}"),
                        format!("DBREG_DR7_ACCESS({d}, {i})"),
                        access as i128,
                    ));
                    v.push((
                        format!("DBREG_DR7_ENABLED {i} {dr7:#x}"),
                        format!("DBREG_DR7_ENABLED({d}, {i})"),
                        1,
                    ));
                    // Another slot of the same dr7 is not enabled.
                    let j = (i + 1) % 4;
                    v.push((
                        format!("DBREG_DR7_ENABLED {j} {dr7:#x}"),
                        format!("DBREG_DR7_ENABLED({d}, {j})"),
                        0,
                    ));
                }
            }
        }
        let mask = (0xfu64 << (i * 4 + 16)) | (0x3 << (i * 2));
        v.push((
            format!("DBREG_DR7_MASK {i}"),
            format!("DBREG_DR7_MASK({i})"),
            mask as i128,
        ));
        v.push((
            format!("DBREG_DR6_B {i}"),
            format!("DBREG_DR6_B({i})"),
            1 << i,
        ));
    }
    for x in [0, 3, 6, 7] {
        v.push((
            format!("DBREG_DRX {x}"),
            format!("({{ struct dbreg d = {{ {{ 0 }} }}; d.dr[{x}] = 0x1000 + {x}; DBREG_DRX(&d, {x}); }})"),
            0x1000 + x,
        ));
    }
    for x in [
        abi::PPROT_SET,
        abi::PPROT_CLEAR | abi::PPROT_DESCEND,
        abi::PPROT_SET | abi::PPROT_INHERIT | abi::PPROT_DESCEND,
    ] {
        v.push((
            format!("PPROT_OP {x:#x}"),
            format!("PPROT_OP({x})"),
            abi::pprot_op(x) as i128,
        ));
        v.push((
            format!("PPROT_FLAGS {x:#x}"),
            format!("PPROT_FLAGS({x})"),
            abi::pprot_flags(x) as i128,
        ));
    }
    // FreeBSD's <sys/param.h> additions.
    for (n, d) in [(7u64, 2u64), (8, 4), (4096, 4096), (4097, 4096), (0, 8)] {
        v.push((format!("rounddown {n} {d}"), format!("rounddown({n}UL, {d}UL)"), (n / d * d) as i128));
        v.push((format!("rounddown2 {n} {d}"), format!("rounddown2({n}UL, {d}UL)"), (n & !(d - 1)) as i128));
        v.push((format!("roundup2 {n} {d}"), format!("roundup2({n}UL, {d}UL)"), ((n + d - 1) & !(d - 1)) as i128));
    }
    for n in [1, 7, 64] {
        v.push((
            format!("nitems {n}"),
            format!("({{ long a[{n}]; (void)a; nitems(a); }})"),
            n,
        ));
    }
    v.push(("nitems struct".into(), "({ struct reg r[3]; (void)r; nitems(r); })".into(), 3));
    // idtype_t is glibc's (DESIGN decision 5), as waitid() takes it.
    v.push(("idtype P_PID".into(), "P_PID".into(), libc::P_PID as i128));
    v.push((
        "idtype P_PGID".into(),
        "P_PGID".into(),
        libc::P_PGID as i128,
    ));
    v
}

/// The constants compiled with `-m32`: the same, and the i386 requests.
fn constants32() -> Vec<(&'static str, i128)> {
    let mut v = constants();
    v.extend([("PT_GETXMMREGS", abi::PT_GETXMMREGS as i128), ("PT_SETXMMREGS", abi::PT_SETXMMREGS as i128)]);
    v
}

/// Typedefs with `-m32`: FreeBSD/i386's sizes.
fn typedefs32() -> Vec<(&'static str, usize, bool)> {
    vec![
        ("lwpid_t", 4, true),
        ("pid_t", 4, true),
        ("id_t", 4, false),
        ("u_int", 4, false),
        ("u_long", 4, false),
        ("register_t", 4, true),
        ("syscallarg_t", 4, true),
        ("caddr_t", 4, false),
        ("sigset_t", 128, false),
        ("siginfo_t", 128, false),
        ("idtype_t", 4, false),
        ("gregset_t", size_of::<abi::reg32>(), false),
        ("fpregset_t", size_of::<abi::fpreg32>(), false),
        ("prstatus_t", size_of::<abi::prstatus32>(), false),
        ("prgregset_t", size_of::<abi::reg32>(), false),
        ("prfpregset_t", size_of::<abi::fpreg32>(), false),
        ("prpsinfo_t", 112, false),
        ("thrmisc_t", 24, false),
        ("psaddr_t", 8, false),
    ]
}

/// Typedefs: (name, size, signed) as the ABI decisions have them.
fn typedefs() -> Vec<(&'static str, usize, bool)> {
    vec![
        ("lwpid_t", 4, true),
        ("pid_t", size_of::<libc::pid_t>(), true),
        ("id_t", size_of::<libc::id_t>(), false), // the host's id_t
        ("u_int", 4, false),
        ("u_long", 8, false),
        ("register_t", 8, true),
        ("syscallarg_t", 8, true),
        ("caddr_t", 8, false), // a pointer: "signed" is not asked
        ("sigset_t", size_of::<libc::sigset_t>(), false),
        ("siginfo_t", size_of::<libc::siginfo_t>(), false),
        ("idtype_t", 4, false),
        // FreeBSD's <sys/procfs.h> names: struct reg, struct fpreg & co.
        ("gregset_t", size_of::<abi::reg>(), false),
        ("fpregset_t", size_of::<abi::fpreg>(), false),
        ("prstatus_t", size_of::<regset::Prstatus>(), false),
        ("prgregset_t", size_of::<abi::reg>(), false),
        ("prfpregset_t", size_of::<abi::fpreg>(), false),
        ("prpsinfo_t", 120, false),
        ("thrmisc_t", 24, false),
        ("psaddr_t", 8, false),
        ("prstatus32_t", 104, false),
        ("prpsinfo32_t", 112, false),
    ]
}

/// Typedefs that are pointers, structs or arrays: no sign to ask about.
fn aggregate(name: &str) -> bool {
    matches!(
        name,
        "caddr_t"
            | "sigset_t"
            | "siginfo_t"
            | "gregset_t"
            | "fpregset_t"
            | "prstatus_t"
            | "prgregset_t"
            | "prfpregset_t"
            | "prpsinfo_t"
            | "thrmisc_t"
            | "prstatus32_t"
            | "prpsinfo32_t"
    )
}

fn c_program() -> String {
    c_program_of(&layouts(), &constants(), &typedefs())
}

fn c_program_of(layouts: &[Layout], constants: &[(&str, i128)], typedefs: &[(&str, usize, bool)]) -> String {
    let mut c = String::from(
        "#define _WANT_KERNEL_ERRNO\n#include <sys/ptrace.h>\n#include <sys/procctl.h>\n\
         #include <machine/reg.h>\n#include <machine/ptrace.h>\n#include <machine/procctl.h>\n\
         #include <sys/procfs.h>\n#include <sys/syscall.h>\n#include <sys/errno.h>\n\
         #include <stddef.h>\n#include <stdio.h>\n\nint main(void)\n{\n",
    );
    for l in layouts {
        let s = l.name;
        writeln!(
            c,
            "\tprintf(\"S {s} %zu %zu\\n\", sizeof(struct {s}), _Alignof(struct {s}));"
        )
        .unwrap();
        for f in &l.fields {
            let n = f.name;
            writeln!(
                c,
                "\tprintf(\"F {s}.{n} %zu %zu\\n\", offsetof(struct {s}, {n}), sizeof(((struct {s} *)0)->{n}));"
            )
            .unwrap();
        }
    }
    for (name, _) in constants {
        writeln!(c, "\tprintf(\"C {name} %lld\\n\", (long long)({name}));").unwrap();
    }
    for (label, expr, _) in expressions() {
        writeln!(c, "\tprintf(\"E {label}|%lld\\n\", (long long)({expr}));").unwrap();
    }
    for (name, _, _) in typedefs {
        // Pointers and aggregates have no sign; report 0 for them.
        let sign = if aggregate(name) {
            "0".to_string()
        } else {
            format!("(({name})-1 < ({name})0)")
        };
        writeln!(
            c,
            "\tprintf(\"T {name} %zu %d\\n\", sizeof({name}), (int){sign});"
        )
        .unwrap();
    }
    c.push_str("\treturn 0;\n}\n");
    c
}

/// Compile and run the generated program (once); its output, line by line.
fn c_facts() -> &'static [String] {
    static FACTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    FACTS.get_or_init(|| compile_and_run("layout", &c_program(), &[]))
}

/// The facts of the program compiled with `-m32` (gcc-multilib).
fn c_facts32() -> &'static [String] {
    static FACTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    FACTS.get_or_init(|| compile_and_run("layout32", &c_program_of(&layouts32(), &constants32(), &typedefs32()), &["-m32"]))
}

fn compile_and_run(name: &str, program: &str, flags: &[&str]) -> Vec<String> {
    let dir = scratch(name);
    let src = dir.join("layout.c");
    std::fs::write(&src, program).unwrap();
    let exe = dir.join("layout");
    run_ok(
        Command::new(cc())
            .args(flags)
            // -Wno-type-limits: the signedness probes compare unsigned types with 0.
            .args([
                "-std=gnu11",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-Wno-type-limits",
                "-I",
            ])
            .arg(include_dir())
            .arg(&src)
            .arg("-o")
            .arg(&exe),
    );
    let out = run_ok(&mut Command::new(&exe));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_struct_and_field_matches_the_rust_abi_and_the_fact_sheet() {
    check_layouts(c_facts(), &layouts());
}

#[test]
fn compiled_for_i386_every_struct_is_the_32_bit_one_of_the_rust_abi() {
    check_layouts(c_facts32(), &layouts32());
}

#[test]
fn compiled_for_i386_every_constant_and_typedef_is_freebsd_i386_s() {
    check_constants(c_facts32(), &constants32());
    for (name, size, signed) in typedefs32() {
        let want = format!("T {name} {size} {}", signed as i32);
        assert!(c_facts32().contains(&want), "{name}: want {want:?}");
    }
}

fn check_layouts(facts: &[String], layouts: &[Layout]) {
    let mut errors = Vec::new();
    for l in layouts {
        let want = format!("S {} {} {}", l.name, l.size, l.align);
        if !facts.contains(&want) {
            let got = facts
                .iter()
                .find(|f| f.starts_with(&format!("S {} ", l.name)));
            errors.push(format!(
                "struct {}: C says {got:?}, {} says {want:?}",
                l.name, l.source
            ));
        }
        for f in &l.fields {
            let want = format!("F {}.{} {} {}", l.name, f.name, f.offset, f.size);
            if !facts.contains(&want) {
                let got = facts
                    .iter()
                    .find(|x| x.starts_with(&format!("F {}.{} ", l.name, f.name)));
                errors.push(format!(
                    "{}.{}: C says {got:?}, {} says {want:?}",
                    l.name, f.name, l.source
                ));
            }
        }
        // The fields tile the struct: no field overlaps the next or the end.
        for w in l.fields.windows(2) {
            if w[0].offset + w[0].size > w[1].offset {
                errors.push(format!("{}: {} overlaps {}", l.name, w[0].name, w[1].name));
            }
        }
        if let Some(last) = l.fields.last() {
            if last.offset + last.size > l.size {
                errors.push(format!("{}: {} runs past the end", l.name, last.name));
            }
        }
    }
    assert!(
        errors.is_empty(),
        "layout mismatches:\n{}",
        errors.join("\n")
    );
}

#[test]
fn lwpinfo_has_the_host_signal_types() {
    // DESIGN decision 5: glibc's sigset_t and siginfo_t, not FreeBSD's.
    assert_eq!(size_of::<libc::sigset_t>(), 128);
    assert_eq!(size_of::<libc::siginfo_t>(), 128);
    let facts = c_facts();
    // docs/c-api.md quotes this size (FreeBSD's own struct is 160 bytes).
    assert!(
        facts.iter().any(|f| f == "S ptrace_lwpinfo 432 8"),
        "sizeof(struct ptrace_lwpinfo) changed: update docs/c-api.md"
    );
    for f in ["pl_sigmask", "pl_siglist", "pl_siginfo"] {
        assert!(
            facts
                .iter()
                .any(|x| x.starts_with(&format!("F ptrace_lwpinfo.{f} ")) && x.ends_with(" 128")),
            "{f}"
        );
    }
    assert!(facts.contains(&format!(
        "F ptrace_lwpinfo.pl_tdname {} 20",
        offset_of!(abi::ptrace_lwpinfo, pl_tdname)
    )));
}

#[test]
fn every_constant_matches_the_rust_abi_and_the_fact_sheet() {
    check_constants(c_facts(), &constants());
}

fn check_constants(facts: &[String], constants: &[(&str, i128)]) {
    let mut errors = Vec::new();
    for &(name, value) in constants {
        let want = format!("C {name} {value}");
        if !facts.contains(&want) {
            let got = facts.iter().find(|f| f.starts_with(&format!("C {name} ")));
            errors.push(format!("{name}: C says {got:?}, expected {want:?}"));
        }
    }
    for (label, expr, value) in expressions() {
        let want = format!("E {label}|{value}");
        if !facts.contains(&want) {
            let got = facts.iter().find(|f| f.starts_with(&format!("E {label}|")));
            errors.push(format!("{expr}: C says {got:?}, expected {value}"));
        }
    }
    assert!(
        errors.is_empty(),
        "constant mismatches:\n{}",
        errors.join("\n")
    );
}

#[test]
fn typedefs_are_the_agreed_sizes_and_signedness() {
    let facts = c_facts();
    for (name, size, signed) in typedefs() {
        let want = format!("T {name} {size} {}", signed as i32);
        assert!(
            facts.contains(&want),
            "{name}: want {want:?}, C says {:?}",
            facts.iter().find(|f| f.starts_with(&format!("T {name} ")))
        );
    }
}

#[test]
fn the_tables_cover_everything_the_headers_define() {
    let items = header_items();
    let layouts: BTreeMap<&str, Vec<&str>> = layouts()
        .iter()
        .map(|l| (l.name, l.fields.iter().map(|f| f.name).collect()))
        .collect();
    // Every struct the i386 compile sees is checked there too.
    for s in items.structs.keys() {
        assert!(
            AMD64_ONLY.contains(&s.as_str()) || layouts32().iter().any(|l| l.name == s.as_str()),
            "struct {s} is in the headers but not checked compiled for i386"
        );
    }
    for (s, fields) in &items.structs {
        let checked = layouts
            .get(s.as_str())
            .unwrap_or_else(|| panic!("struct {s} is in the headers but not checked here"));
        assert_eq!(
            fields, checked,
            "struct {s}: header fields vs checked fields"
        );
    }
    for s in layouts.keys() {
        assert!(
            items.structs.contains_key(*s),
            "struct {s} is checked here but not in the headers"
        );
    }
    let constants: BTreeSet<&str> = constants32().iter().map(|c| c.0).collect();
    for c in &items.constants {
        assert!(
            constants.contains(c.as_str()),
            "constant {c} is in the headers but not checked here"
        );
    }
    for c in &constants {
        assert!(
            items.constants.iter().any(|x| x == c),
            "constant {c} is checked here but not in the headers"
        );
    }
    let types: BTreeSet<&str> = typedefs().iter().map(|t| t.0).collect();
    for a in &items.aliases {
        assert!(
            types.contains(a.as_str()),
            "type {a} is in the headers but not checked here"
        );
    }
    let exercised: BTreeSet<String> = expressions()
        .iter()
        .map(|e| e.0.split(' ').next().unwrap().to_owned())
        .collect();
    for m in &items.macros {
        assert!(
            exercised.contains(m),
            "macro {m}() is in the headers but not exercised here"
        );
    }
}
