/*
 * libbsdtrace <sys/param.h>: glibc's, plus what FreeBSD's adds that
 * ptrace(2) and procctl(2) programs use.
 *
 * glibc's header already has MIN, MAX, howmany, roundup, powerof2,
 * MAXPATHLEN & co.  The names below are FreeBSD's and absent from glibc;
 * each is defined only if nothing defined it before.  FreeBSD's
 * __FreeBSD_version is deliberately not defined: programs test it to
 * learn that they run on FreeBSD, which they do not.
 *
 * A system header, so that #include_next (a GNU extension) passes
 * -pedantic.  No include guard of its own: glibc's guards its part.
 */
#pragma GCC system_header

#include_next <sys/param.h>

#ifndef MAXCOMLEN
#define MAXCOMLEN	19	/* longest command (thread) name, without the NUL */
#endif

/* Elements in an array. */
#ifndef nitems
#define nitems(x)	(sizeof((x)) / sizeof((x)[0]))
#endif
/* x rounded down to a multiple of y. */
#ifndef rounddown
#define rounddown(x, y)	(((x) / (y)) * (y))
#endif
/* x rounded down / up to a multiple of y, a power of two. */
#ifndef rounddown2
#define rounddown2(x, y) ((x) & ~((y) - 1))
#endif
#ifndef roundup2
#define roundup2(x, y)	(((x) + ((y) - 1)) & ~((y) - 1))
#endif
