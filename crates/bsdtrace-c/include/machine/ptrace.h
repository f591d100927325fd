/*
 * libbsdtrace <machine/ptrace.h>: FreeBSD x86 machine-dependent ptrace
 * requests, with today's numbers.  64 and 65 are i386-only (PT_GETXMMREGS,
 * defined when compiled for i386) and 66/67 were PT_GETXSTATE/PT_SETXSTATE
 * before 2015; FreeBSD keeps them only for old binaries, and so they are
 * not defined here.  On i386 the fs/gs base requests take an unsigned
 * long (32 bits) and work on 32-bit targets only (EINVAL otherwise), and
 * struct ptrace_xstate_info is 12 bytes (its uint64_t aligned on 4).
 */
#ifndef _MACHINE_PTRACE_H_
#define _MACHINE_PTRACE_H_

#include <stdint.h>

#define __HAVE_PTRACE_MACHDEP

#ifdef __i386__
#define PT_GETXMMREGS		64	/* struct xmmreg <- the FXSAVE image */
#define PT_SETXMMREGS		65	/* struct xmmreg -> the FXSAVE image */
#endif

#define PT_GETXSTATE_INFO	68	/* struct ptrace_xstate_info, data = sizeof */
#define PT_GETXSTATE		69	/* XSAVE area, data = buffer size */
#define PT_SETXSTATE		70	/* XRSTOR area, data = its size */
#define PT_GETFSBASE		71	/* unsigned long * <- %fs base */
#define PT_SETFSBASE		72	/* unsigned long * -> %fs base */
#define PT_GETGSBASE		73	/* unsigned long * <- %gs base */
#define PT_SETGSBASE		74	/* unsigned long * -> %gs base */

#ifdef __cplusplus
extern "C" {
#endif

/* PT_GETXSTATE_INFO result. */
struct ptrace_xstate_info {
	uint64_t	xsave_mask;	/* XCR0: the components in the area */
	uint32_t	xsave_len;	/* size of the XSAVE area */
};

#ifdef __cplusplus
}
#endif

#endif /* !_MACHINE_PTRACE_H_ */
