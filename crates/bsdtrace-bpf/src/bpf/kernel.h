/* The few kernel types truss.bpf.c touches, declared for CO-RE.
 *
 * Every struct carries preserve_access_index: clang records each field
 * access as a relocation and libbpf rewrites the offset against the running
 * kernel's BTF (/sys/kernel/btf/vmlinux) when the program is loaded. So only
 * the names must match the kernel; order, sizes and the fields left out do
 * not matter, and no vmlinux.h generated on one machine is needed.
 */
#ifndef BSDTRACE_KERNEL_H
#define BSDTRACE_KERNEL_H

#include <linux/types.h>
#include <linux/bpf.h>

/* bpf_tracing.h picks the kernel's pt_regs field names (di, si...) when
 * this is defined, the UAPI ones (rdi, rsi...) otherwise. */
#define __VMLINUX_H__ 1

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s32 s32;
typedef __s64 s64;
typedef _Bool bool;
typedef int pid_t;

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};

typedef struct {
	int counter;
} atomic_t;

struct signal_struct {
	atomic_t live;
};

typedef void (*__sighandler_t)(int);

struct sigaction {
	__sighandler_t sa_handler;
};

struct k_sigaction {
	struct sigaction sa;
};

/* x86: `status` holds TS_COMPAT while the thread is in an ia32 syscall
 * (int $0x80, or a 32-bit program's sysenter/syscall), from the entry to
 * the return to user mode, so both raw_syscalls tracepoints see it. */
struct thread_info {
	u32 status;
};

struct task_struct {
	struct thread_info thread_info;
	pid_t pid;
	pid_t tgid;
	int exit_code;
	struct signal_struct *signal;
};

struct kernel_siginfo {
	int si_signo;
};

struct linux_binprm {
	int argc;
};

#pragma clang attribute pop

#endif
