/*
 * libbsdtrace <machine/reg.h>: FreeBSD's x86 register sets.
 *
 * These are FreeBSD's layouts, not Linux's: struct reg is not
 * user_regs_struct (different order, 176 bytes, r_trapno/r_err, 16-bit
 * segment selectors); libbsdtrace converts.  struct fpreg is the 512-byte
 * FXSAVE image, struct dbreg holds dr0-dr15 (4, 5 and 8-15 reserved).
 * The 32-bit (i386) sets are here as on FreeBSD/amd64 (__HAVE_REG32).
 *
 * Compiled for i386 (gcc -m32, with the i686 libbsdtrace), the names are
 * FreeBSD/i386's: struct reg is the 19-word i386 set (FreeBSD/amd64's
 * reg32), struct fpreg the 176-byte FSAVE image, struct dbreg dr0-dr7,
 * plus struct xmmreg for PT_GETXMMREGS; there is no reg32.
 */
#ifndef _MACHINE_REG_H_
#define _MACHINE_REG_H_

#include <sys/types.h>	/* __int64_t, __uint32_t, ... */

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __i386__
/* The i386 sets (FreeBSD/amd64's reg32, fpreg32, dbreg32, segbasereg32). */
#define	__reg32		reg
#define	__fpreg32	fpreg
#define	__dbreg32	dbreg
#define	__segbasereg32	segbasereg
#else
#define	__reg32		reg32
#define	__fpreg32	fpreg32
#define	__dbreg32	dbreg32
#define	__segbasereg32	segbasereg32

/* General registers, PT_GETREGS / PT_SETREGS. */
struct reg {
	__int64_t	r_r15;
	__int64_t	r_r14;
	__int64_t	r_r13;
	__int64_t	r_r12;
	__int64_t	r_r11;
	__int64_t	r_r10;
	__int64_t	r_r9;
	__int64_t	r_r8;
	__int64_t	r_rdi;
	__int64_t	r_rsi;
	__int64_t	r_rbp;
	__int64_t	r_rbx;
	__int64_t	r_rdx;
	__int64_t	r_rcx;
	__int64_t	r_rax;	/* at a syscall-entry stop: the syscall number */
	__uint32_t	r_trapno;
	__uint16_t	r_fs;
	__uint16_t	r_gs;
	__uint32_t	r_err;
	__uint16_t	r_es;
	__uint16_t	r_ds;
	__int64_t	r_rip;
	__int64_t	r_cs;
	__int64_t	r_rflags;	/* at a syscall-exit stop: PSL_C set on error */
	__int64_t	r_rsp;
	__int64_t	r_ss;
};

/* FXSAVE image, PT_GETFPREGS / PT_SETFPREGS. */
struct fpreg {
	__uint64_t	fpr_env[4];
	__uint8_t	fpr_acc[8][16];
	__uint8_t	fpr_xacc[16][16];
	__uint64_t	fpr_spare[12];
};

/* Debug registers, PT_GETDBREGS / PT_SETDBREGS. */
struct dbreg {
	__uint64_t	dr[16];	/* 0-3 addresses, 6 status, 7 control */
};

/* %fs and %gs bases, NT_X86_SEGBASES. */
struct segbasereg {
	__uint64_t	r_fsbase;
	__uint64_t	r_gsbase;
};

/* The i386 sets, as a 64-bit debugger sees a 32-bit process. */
#define __HAVE_REG32
#endif /* !__i386__ */

/* i386 general registers (a 32-bit debugger's PT_GETREGS). */
struct __reg32 {
	__uint32_t	r_fs;
	__uint32_t	r_es;
	__uint32_t	r_ds;
	__uint32_t	r_edi;
	__uint32_t	r_esi;
	__uint32_t	r_ebp;
	__uint32_t	r_isp;
	__uint32_t	r_ebx;
	__uint32_t	r_edx;
	__uint32_t	r_ecx;
	__uint32_t	r_eax;
	__uint32_t	r_trapno;
	__uint32_t	r_err;
	__uint32_t	r_eip;
	__uint32_t	r_cs;
	__uint32_t	r_eflags;
	__uint32_t	r_esp;
	__uint32_t	r_ss;
	__uint32_t	r_gs;
};

/* i386 FSAVE image (a 32-bit debugger's PT_GETFPREGS). */
struct __fpreg32 {
	__uint32_t	fpr_env[7];
	__uint8_t	fpr_acc[8][10];
	__uint32_t	fpr_ex_sw;
	__uint8_t	fpr_pad[64];
};

/* The FXSAVE image (i386's PT_GETXMMREGS). */
struct xmmreg {
	__uint32_t	xmm_env[8];
	__uint8_t	xmm_acc[8][16];
	__uint8_t	xmm_reg[8][16];
	__uint8_t	xmm_pad[224];
};

/* dr0-dr7 (a 32-bit debugger's PT_GETDBREGS). */
struct __dbreg32 {
	__uint32_t	dr[8];
};

struct __segbasereg32 {
	__uint32_t	r_fsbase;
	__uint32_t	r_gsbase;
};

#ifdef __cplusplus
}
#endif

/* DR6, the debug status register. */
#define DBREG_DR6_RESERVED1	0xffff0ff0
#define DBREG_DR6_BMASK		0x000f		/* which of dr0-dr3 fired */
#define DBREG_DR6_B(i)		(1 << (i))
#define DBREG_DR6_BD		0x2000		/* debug register access */
#define DBREG_DR6_BS		0x4000		/* single step */
#define DBREG_DR6_BT		0x8000		/* task switch */

/* DR7, the debug control register. */
#define DBREG_DR7_RESERVED1	0x0400
#define DBREG_DR7_LOCAL_ENABLE	0x01
#define DBREG_DR7_GLOBAL_ENABLE	0x02
#define DBREG_DR7_LEN_1		0x00
#define DBREG_DR7_LEN_2		0x01
#define DBREG_DR7_LEN_4		0x03
#define DBREG_DR7_LEN_8		0x02
#define DBREG_DR7_EXEC		0x00	/* break on execution */
#define DBREG_DR7_WRONLY	0x01	/* break on write */
#define DBREG_DR7_RDWR		0x03	/* break on read or write */
#define DBREG_DR7_GD		0x2000
/* The enable, length and access bits of slot i. */
#define DBREG_DR7_MASK(i) \
	((unsigned long)0xf << ((i) * 4 + 16) | (unsigned long)0x3 << ((i) * 2))
/* Slot i watches len/access, with enable LOCAL and/or GLOBAL. */
#define DBREG_DR7_SET(i, len, access, enable) \
	((unsigned long)((len) << 2 | (access)) << ((i) * 4 + 16) | \
	 (unsigned long)(enable) << ((i) * 2))
#define DBREG_DR7_ENABLED(d, i)	(((d) & (unsigned long)0x3 << ((i) * 2)) != 0)
#define DBREG_DR7_ACCESS(d, i)	((d) >> ((i) * 4 + 16) & 0x3)
#define DBREG_DR7_LEN(d, i)	((d) >> ((i) * 4 + 18) & 0x3)

/* dr0-dr7 of a struct dbreg * by number. */
#define DBREG_DRX(d, x)		((d)->dr[(x)])

#endif /* !_MACHINE_REG_H_ */
