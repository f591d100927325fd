/*
 * libbsdtrace <errno.h>: glibc's, plus FreeBSD's kernel-only codes for
 * programs that define _WANT_KERNEL_ERRNO first, as FreeBSD's ptrace(2)
 * tests do: PT_GET_SC_RET and PT_SC_REMOTE return them in sr_error.
 *
 *   ERESTART	 -1	the syscall will be restarted (Linux's ERESTARTSYS
 *			and relatives, reported by PT_GET_SC_RET)
 *   EJUSTRETURN -2	the syscall set the registers itself (a successful
 *			execve: PT_GET_SC_RET at the exec stop, and a
 *			remote execve, PT_SC_REMOTE)
 *   ENOIOCTL	 -3, EDIRIOCTL -4, ERELOOKUP -5: never returned here
 *
 * Linux's own ERESTART (85, "Interrupted system call should be
 * restarted") is replaced by FreeBSD's in such a program; without
 * _WANT_KERNEL_ERRNO nothing changes.
 *
 * A system header, so that #include_next (a GNU extension) passes
 * -pedantic.  No include guard: a later inclusion after defining
 * _WANT_KERNEL_ERRNO must still add the codes.
 */
#pragma GCC system_header

#include_next <errno.h>

#if defined(_WANT_KERNEL_ERRNO) && !defined(EJUSTRETURN)
#undef ERESTART
#define ERESTART	(-1)
#define EJUSTRETURN	(-2)
#define ENOIOCTL	(-3)
#define EDIRIOCTL	(-4)
#define ERELOOKUP	(-5)
#endif
