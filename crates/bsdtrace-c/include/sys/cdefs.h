/*
 * libbsdtrace <sys/cdefs.h>: glibc's, plus the FreeBSD <sys/cdefs.h>
 * macros FreeBSD programs use on their own (function attributes, const
 * casts, version tags).  Each is defined only if nothing defined it
 * before, and only names glibc and Linux's headers leave unused are
 * given: FreeBSD's __unused is not, because Linux's <asm/stat.h> and
 * <linux/sysctl.h> name struct fields __unused.
 *
 * Every glibc header includes this one (through <features.h>), so it
 * holds macros only.  A system header, so that #include_next (a GNU
 * extension) passes -pedantic.  No include guard of its own: glibc's
 * guards its part.
 */
#pragma GCC system_header

#include_next <sys/cdefs.h>

#ifndef __dead2
#define __dead2		__attribute__((__noreturn__))
#endif
#ifndef __pure2
#define __pure2		__attribute__((__const__))
#endif
#ifndef __predict_true
#define __predict_true(e)	__builtin_expect(!!(e), 1)
#endif
#ifndef __predict_false
#define __predict_false(e)	__builtin_expect(!!(e), 0)
#endif
#ifndef __printflike
#define __printflike(fmt, first) __attribute__((__format__(__printf__, fmt, first)))
#endif
#ifndef __scanflike
#define __scanflike(fmt, first)	__attribute__((__format__(__scanf__, fmt, first)))
#endif
/* Cast away const / volatile without a warning. */
#ifndef __DECONST
#define __DECONST(type, var)	((type)(__UINTPTR_TYPE__)(const void *)(var))
#endif
#ifndef __DEVOLATILE
#define __DEVOLATILE(type, var)	((type)(__UINTPTR_TYPE__)(volatile void *)(var))
#endif
#ifndef __DEQUALIFY
#define __DEQUALIFY(type, var)	((type)(__UINTPTR_TYPE__)(const volatile void *)(var))
#endif
/* Source version tags ("$FreeBSD$"): kept out of the object, as FreeBSD
 * does with STRIP_FBSDID. */
#ifndef __FBSDID
#define __FBSDID(s)	struct __bsdtrace_fbsdid_hack
#endif
