/*
 * libbsdtrace: the FreeBSD <sys/types.h>-level names that FreeBSD's
 * <sys/ptrace.h> and <sys/procctl.h> rely on, defined on top of glibc.
 *
 * Private header: include <sys/ptrace.h> or <sys/procctl.h> instead.
 *
 * glibc hides some of these names in strict ISO modes (-std=c11): caddr_t
 * and u_int need _DEFAULT_SOURCE, id_t needs POSIX, and <signal.h> gives
 * neither sigset_t nor siginfo_t.  A FreeBSD header makes them visible
 * whatever the feature macros say, so these do too.  Each is defined under
 * the same "already defined" guard macro glibc itself uses, so including
 * glibc's headers before or after this one never defines a name twice.
 *
 * Only the host's (glibc's) types are used: sigset_t and siginfo_t are
 * glibc's, id_t is glibc's 32-bit id_t (FreeBSD's is 64-bit), pid_t and
 * off_t are glibc's.  See docs/c-api.md, "ABI decisions".
 */
#ifndef _SYS__BSDTRACE_TYPES_H_
#define _SYS__BSDTRACE_TYPES_H_

#include <sys/types.h>	/* pid_t, off_t, size_t, register_t, __caddr_t... */
#include <stdint.h>	/* uint32_t, uint64_t (FreeBSD's <sys/types.h> has them) */
#include <signal.h>

/* BSD unsigned shorthands; glibc defines them only under __USE_MISC. */
#ifndef __u_char_defined
typedef __u_char u_char;
typedef __u_short u_short;
typedef __u_int u_int;
typedef __u_long u_long;
typedef __quad_t quad_t;
typedef __u_quad_t u_quad_t;
typedef __fsid_t fsid_t;
#define __u_char_defined
#endif

/* caddr_t (and daddr_t, which glibc defines under the same guard). */
#ifndef __daddr_t_defined
typedef __daddr_t daddr_t;
typedef __caddr_t caddr_t;
#define __daddr_t_defined
#endif

/* id_t: glibc's (unsigned 32-bit), which waitid() takes too. */
#ifndef __id_t_defined
typedef __id_t id_t;
#define __id_t_defined
#endif

/* The host's signal set and signal information (DESIGN decision 5). */
#ifndef __sigset_t_defined
#include <bits/types/sigset_t.h>
#endif
#ifndef __siginfo_t_defined
#include <bits/types/siginfo_t.h>
#endif

/*
 * FreeBSD's LWP id: a 32-bit signed integer.  glibc's <sys/procfs.h> has
 * the identical typedef (to __pid_t); if it came first, do not repeat it
 * (C11 and C++ accept the repetition, C99 -pedantic warns about it).
 */
#if !defined(_LWPID_T_DECLARED) && !defined(_SYS_PROCFS_H)
typedef __pid_t lwpid_t;
#define _LWPID_T_DECLARED
#endif

/* One syscall argument or return value: a machine word (FreeBSD 14+). */
#ifndef _SYSCALLARG_T_DECLARED
typedef register_t syscallarg_t;
#define _SYSCALLARG_T_DECLARED
#endif

#endif /* !_SYS__BSDTRACE_TYPES_H_ */
