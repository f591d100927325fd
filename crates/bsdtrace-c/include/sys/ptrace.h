/*
 * libbsdtrace <sys/ptrace.h>: FreeBSD's ptrace(2) interface on Linux.
 *
 * Source level FreeBSD, binary level Linux (DESIGN decision 5):
 *   - request numbers, flag values, struct and field names and layouts are
 *     FreeBSD's (amd64), PT_GETXSTATE & co. with the modern numbers 68..74;
 *   - signal numbers, errno values, sigset_t and siginfo_t are the host's
 *     (glibc's), so pl_sigmask/pl_siglist/pl_siginfo work with sigismember()
 *     and si_signo/si_code/si_pid as any Linux program expects;
 *   - LWP ids (pl_lwpid, PT_GETLWPLIST, a thread id passed as `pid`) are the
 *     Linux thread id plus BSDTRACE_LWPID_BASE, above any Linux pid.
 *
 * This file shadows glibc's <sys/ptrace.h>: put libbsdtrace's include
 * directory first (`pkg-config --cflags bsdtrace`).  glibc's header declares
 * a variadic ptrace() and an enum __ptrace_request whose PTRACE_SYSCALL &c.
 * mean different things; the two cannot share a translation unit, so this
 * header refuses to follow glibc's and stops glibc's from following it.
 * <linux/ptrace.h> defines PTRACE_* macros with Linux values and must not be
 * included together with this header either.
 */
#ifndef _SYS_PTRACE_H_
#define _SYS_PTRACE_H_

#if defined(_SYS_PTRACE_H) && !defined(_BSDTRACE_SYS_PTRACE_H_)
#error "glibc's <sys/ptrace.h> was included before libbsdtrace's: put libbsdtrace's include directory first (pkg-config --cflags bsdtrace)"
#endif
#define _BSDTRACE_SYS_PTRACE_H_ 1
/* glibc's include guard: a later #include_next of glibc's header is a no-op. */
#ifndef _SYS_PTRACE_H
#define _SYS_PTRACE_H 1
#endif

#include <sys/_bsdtrace_types.h>
#include <sys/param.h>	/* ours: MAXCOMLEN, nitems() */
#include <machine/reg.h>

/* LWP ids in this ABI are Linux thread ids plus this (Linux PID_MAX_LIMIT). */
#define BSDTRACE_LWPID_BASE 4194304

/* Requests. */
#define PT_TRACE_ME		0	/* the caller is traced by its parent */
#define PT_READ_I		1	/* read an int of text */
#define PT_READ_D		2	/* read an int of data */
/* 3 was PT_READ_U */
#define PT_WRITE_I		4	/* write an int of text */
#define PT_WRITE_D		5	/* write an int of data */
/* 6 was PT_WRITE_U */
#define PT_CONTINUE		7	/* resume, addr (caddr_t)1 or a new pc */
#define PT_KILL			8	/* kill the traced process */
#define PT_STEP			9	/* single-step the selected thread */
#define PT_ATTACH		10	/* trace an existing process */
#define PT_DETACH		11	/* stop tracing */
#define PT_IO			12	/* bulk memory transfer, struct ptrace_io_desc */
#define PT_LWPINFO		13	/* why the thread stopped, struct ptrace_lwpinfo */
#define PT_GETNUMLWPS		14	/* number of threads */
#define PT_GETLWPLIST		15	/* array of lwpid_t */
#define PT_CLEARSTEP		16	/* clear the single-step flag */
#define PT_SETSTEP		17	/* set the single-step flag */
#define PT_SUSPEND		18	/* keep the thread stopped on continue */
#define PT_RESUME		19	/* undo PT_SUSPEND */
#define PT_TO_SCE		20	/* continue, stop at syscall entries */
#define PT_TO_SCX		21	/* continue, stop at syscall exits */
#define PT_SYSCALL		22	/* continue, stop at both */
#define PT_FOLLOW_FORK		23	/* data != 0: trace new children too */
#define PT_LWP_EVENTS		24	/* data != 0: report thread birth and exit */
#define PT_GET_EVENT_MASK	25	/* int * <- PTRACE_* mask */
#define PT_SET_EVENT_MASK	26	/* int * -> PTRACE_* mask */
#define PT_GET_SC_ARGS		27	/* syscallarg_t[] <- syscall arguments */
#define PT_GET_SC_RET		28	/* struct ptrace_sc_ret <- syscall result */
#define PT_COREDUMP		29	/* struct ptrace_coredump */
#define PT_GETREGS		33	/* struct reg */
#define PT_SETREGS		34
#define PT_GETFPREGS		35	/* struct fpreg */
#define PT_SETFPREGS		36
#define PT_GETDBREGS		37	/* struct dbreg */
#define PT_SETDBREGS		38
#define PT_VM_TIMESTAMP		40	/* generation of the memory map */
#define PT_VM_ENTRY		41	/* struct ptrace_vm_entry, one map entry */
#define PT_GETREGSET		42	/* struct iovec, data = NT_* note type */
#define PT_SETREGSET		43

/*
 * Register-set note types PT_GETREGSET/PT_SETREGSET accept (FreeBSD's
 * <sys/elf_common.h> values; glibc's <elf.h> has the first two and
 * NT_X86_XSTATE, not FreeBSD's own).
 */
#ifndef NT_PRSTATUS
#define NT_PRSTATUS		1	/* prstatus_t */
#endif
#ifndef NT_FPREGSET
#define NT_FPREGSET		2	/* struct fpreg */
#endif
#ifndef NT_THRMISC
#define NT_THRMISC		7	/* struct thrmisc: the thread's name (read only) */
#endif
#ifndef NT_PTLWPINFO
#define NT_PTLWPINFO		17	/* int structsize; struct ptrace_lwpinfo (read only) */
#endif
#ifndef NT_X86_SEGBASES
#define NT_X86_SEGBASES		0x200	/* %fs and %gs bases */
#endif
#ifndef NT_X86_XSTATE
#define NT_X86_XSTATE		0x202	/* XSAVE area */
#endif
#define PT_SC_REMOTE		44	/* struct ptrace_sc_remote */

#define PT_FIRSTMACH		64	/* first machine-dependent request */
#include <machine/ptrace.h>

/* Event mask bits for PT_GET_EVENT_MASK / PT_SET_EVENT_MASK. */
#define PTRACE_EXEC		0x0001
#define PTRACE_SCE		0x0002
#define PTRACE_SCX		0x0004
#define PTRACE_SYSCALL		(PTRACE_SCE | PTRACE_SCX)
#define PTRACE_FORK		0x0008
#define PTRACE_LWP		0x0010
#define PTRACE_VFORK		0x0020
#define PTRACE_DEFAULT		(PTRACE_EXEC)

#ifdef __cplusplus
extern "C" {
#endif

/* PT_IO argument; piod_len comes back as the number of bytes moved. */
struct ptrace_io_desc {
	int	piod_op;	/* PIOD_* */
	void	*piod_offs;	/* address in the traced process */
	void	*piod_addr;	/* address in the caller */
	size_t	piod_len;	/* bytes to move; bytes moved */
};

#define PIOD_READ_D		1
#define PIOD_WRITE_D		2
#define PIOD_READ_I		3
#define PIOD_WRITE_I		4

/*
 * PT_LWPINFO result.  pl_sigmask, pl_siglist and pl_siginfo are the host's
 * sigset_t and siginfo_t (FreeBSD: its own 16-byte sigset_t and struct
 * __siginfo), so the struct is larger than FreeBSD's; pass sizeof in `data`.
 */
struct ptrace_lwpinfo {
	lwpid_t		pl_lwpid;	/* thread described (tid + BSDTRACE_LWPID_BASE) */
	int		pl_event;	/* PL_EVENT_* */
	int		pl_flags;	/* PL_FLAG_* */
	sigset_t	pl_sigmask;	/* the thread's blocked signals */
	sigset_t	pl_siglist;	/* signals pending for the thread */
	siginfo_t	pl_siginfo;	/* valid if PL_FLAG_SI */
	char		pl_tdname[MAXCOMLEN + 1]; /* thread name */
	pid_t		pl_child_pid;	/* new child, with PL_FLAG_FORKED */
	u_int		pl_syscall_code; /* host syscall number, with SCE/SCX */
	u_int		pl_syscall_narg; /* its argument count */
};

#define PL_EVENT_NONE		0
#define PL_EVENT_SIGNAL		1

#define PL_FLAG_SA		0x01	/* historic M:N thread; never set */
#define PL_FLAG_BOUND		0x02	/* historic M:N bound thread; never set */
#define PL_FLAG_SCE		0x04	/* stopped at syscall entry */
#define PL_FLAG_SCX		0x08	/* stopped at syscall exit */
#define PL_FLAG_EXEC		0x10	/* execve succeeded */
#define PL_FLAG_SI		0x20	/* pl_siginfo is valid */
#define PL_FLAG_FORKED		0x40	/* this thread made pl_child_pid */
#define PL_FLAG_CHILD		0x80	/* first stop of a followed child */
#define PL_FLAG_BORN		0x100	/* first stop of a new thread */
#define PL_FLAG_EXITED		0x200	/* the thread is exiting */
#define PL_FLAG_VFORKED		0x400	/* the child came from vfork */
#define PL_FLAG_VFORK_DONE	0x800	/* the vfork parent resumed */

/* PT_GET_SC_RET result; sr_error is a host errno. */
struct ptrace_sc_ret {
	syscallarg_t	sr_retval[2];	/* valid only if sr_error == 0 */
	int		sr_error;
};

/* PT_VM_ENTRY argument: one entry of the memory map per call. */
struct ptrace_vm_entry {
	int		pve_entry;	/* 0 first, then the value returned */
	int		pve_timestamp;	/* map generation */
	u_long		pve_start;	/* first address */
	u_long		pve_end;	/* last address (inclusive) */
	u_long		pve_offset;	/* offset in the backing file */
	u_int		pve_prot;	/* VM_PROT_* */
	u_int		pve_pathlen;	/* in: size of pve_path; out: strlen + 1 */
	long		pve_fileid;	/* inode number, or -1 */
	uint32_t	pve_fsid;	/* file system id, or 0xffffffff */
	char		*pve_path;	/* buffer in the caller */
};

/* PT_COREDUMP argument. */
struct ptrace_coredump {
	int		pc_fd;		/* writable regular file */
	uint32_t	pc_flags;	/* PC_* */
	__int64_t	pc_limit;	/* largest core in bytes, 0 = no limit
					 * (FreeBSD's off_t: 64 bits on i386 too) */
};

#define PC_COMPRESS		0x00000001
#define PC_ALL			0x00000002

/* PT_SC_REMOTE argument: run a syscall in the stopped thread. */
struct ptrace_sc_remote {
	struct ptrace_sc_ret pscr_ret;	/* out */
	u_int		pscr_syscall;	/* host syscall number */
	u_int		pscr_nargs;	/* at most 8 */
	syscallarg_t	*pscr_args;	/* arguments, in the caller */
};

int ptrace(int _request, pid_t _pid, caddr_t _addr, int _data);

/*
 * FreeBSD's waitid() option for "stopped by the debugger" (<sys/wait.h> on
 * FreeBSD, same value; glibc has no such flag).  libbsdtrace's waitid()
 * reports such stops as CLD_TRAPPED with si_status the stop signal when the
 * options include WTRAPPED, WEXITED or WSTOPPED.
 */
#ifndef WTRAPPED
#define WTRAPPED	0x20
#endif

/*
 * FreeBSD's si_code for a signal sent to one thread (thr_kill(2),
 * pthread_kill(), raise()): Linux's SI_TKILL, which tgkill(2) and so
 * glibc's raise() and pthread_kill() give.  pl_siginfo.si_code of a
 * PT_TRACE_ME child's raise(SIGSTOP) stop is SI_LWP, as on FreeBSD.
 * (<signal.h> on FreeBSD; glibc names it SI_TKILL, hidden in strict ISO
 * modes, hence the number.)
 */
#ifndef SI_LWP
#define SI_LWP		(-6)
#endif

/*
 * SIGTRAP's si_codes, which FreeBSD's <sys/ptrace.h> makes visible (through
 * <sys/signal.h>) in every mode and a debugger compares pl_siginfo.si_code
 * with: a breakpoint and a single step.  glibc's <signal.h> (included
 * above) has them only under _XOPEN_SOURCE or _GNU_SOURCE; Linux and
 * FreeBSD agree on the values.
 */
#ifndef TRAP_BRKPT
#define TRAP_BRKPT	1
#endif
#ifndef TRAP_TRACE
#define TRAP_TRACE	2
#endif

/*
 * Not FreeBSD's: which thread runs libbsdtrace's engine in this process,
 * "direct", "direct+forwarding" or "engine-thread" (docs/c-api.md).
 */
const char *bsdtrace_executor_mode(void);

#ifdef __cplusplus
}
#endif

#endif /* !_SYS_PTRACE_H_ */
