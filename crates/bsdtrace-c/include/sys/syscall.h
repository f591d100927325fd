/*
 * libbsdtrace <sys/syscall.h>: glibc's SYS_* numbers (the host's, which
 * pl_syscall_code, PT_GET_SC_ARGS and pscr_syscall use), plus FreeBSD's
 * SYS_MAXSYSCALL.
 *
 * SYS_MAXSYSCALL is one past the highest syscall number, the size of a
 * table indexed by syscall number.  Linux keeps x86-64 numbers below 512
 * (512 and up were the x32 ABI's), and the 64-bit entry answers ENOSYS
 * to 512, as FreeBSD's does to its SYS_MAXSYSCALL.
 *
 * A system header, so that #include_next (a GNU extension) passes
 * -pedantic.  No include guard of its own: glibc's guards its part.
 */
#pragma GCC system_header

#include_next <sys/syscall.h>

#ifndef SYS_MAXSYSCALL
#define SYS_MAXSYSCALL	512
#endif
