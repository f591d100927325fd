/*
 * libbsdtrace <sys/procfs.h>: FreeBSD's register-set and core-note types.
 *
 * prstatus_t is what PT_GETREGSET(NT_PRSTATUS) fills in: FreeBSD's
 * 224-byte struct (version, sizes, osreldate, signal, thread id and a
 * struct reg; 104 bytes compiled for i386), not glibc's 336-byte Linux
 * `struct elf_prstatus`.  The register sets are those of the target's
 * ABI: a 32-bit process's NT_PRSTATUS is a prstatus32_t (for a 32-bit
 * debugger, its own prstatus_t) whoever asks.
 * gregset_t and fpregset_t are FreeBSD's struct reg and struct fpreg.
 *
 * This file shadows glibc's <sys/procfs.h>, whose prstatus_t, prpsinfo_t,
 * prgregset_t, prfpregset_t and psaddr_t have other types, and glibc's
 * <sys/ucontext.h> gregset_t and fpregset_t (the ucontext register
 * arrays).  C cannot declare one typedef name twice with two types, so
 * FreeBSD's types are declared under private names (__bsdtrace_*) and the
 * FreeBSD names are macros for them: a translation unit that includes
 * this header sees FreeBSD's types under those names, whichever of the
 * glibc headers came before or after it.  glibc's own declarations stay
 * in effect under the names glibc gives them elsewhere: `struct
 * elf_prstatus`, `elf_gregset_t`, `ucontext_t`'s `uc_mcontext.gregs`.
 * (Code that names glibc's gregset_t itself cannot be mixed with this
 * header, as on FreeBSD, where mcontext_t has no gregset_t either.)
 */
#ifndef _SYS_PROCFS_H_
#define _SYS_PROCFS_H_

#include <sys/_bsdtrace_types.h>
#include <sys/param.h>
#include <machine/reg.h>
/*
 * glibc's declarations of the clashing names first, under their own
 * names: afterwards both headers' guards are set, so nothing declares
 * them again once the macros below are in effect.
 */
#include <sys/ucontext.h>
#include <sys/_bsdtrace_glibc_procfs.h>

#define gregset_t	__bsdtrace_gregset_t
#define fpregset_t	__bsdtrace_fpregset_t
#define prstatus_t	__bsdtrace_prstatus_t
#define prgregset_t	__bsdtrace_prgregset_t
#define prfpregset_t	__bsdtrace_prfpregset_t
#define prpsinfo_t	__bsdtrace_prpsinfo_t
#define thrmisc_t	__bsdtrace_thrmisc_t
#define psaddr_t	__bsdtrace_psaddr_t
#ifdef __HAVE_REG32
#define prstatus32_t	__bsdtrace_prstatus32_t
#define prpsinfo32_t	__bsdtrace_prpsinfo32_t
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef struct reg	__bsdtrace_gregset_t;
typedef struct fpreg	__bsdtrace_fpregset_t;

#define PRSTATUS_VERSION	1	/* pr_version of prstatus_t */

/* NT_PRSTATUS: one thread's status and general registers. */
typedef struct prstatus {
	int		pr_version;	/* PRSTATUS_VERSION */
	size_t		pr_statussz;	/* sizeof(prstatus_t) */
	size_t		pr_gregsetsz;	/* sizeof(gregset_t) */
	size_t		pr_fpregsetsz;	/* sizeof(fpregset_t) */
	int		pr_osreldate;	/* kernel version (__FreeBSD_version) */
	int		pr_cursig;	/* the signal the thread stopped for */
	pid_t		pr_pid;		/* the thread's LWP id */
	__bsdtrace_gregset_t pr_reg;	/* general registers */
} __bsdtrace_prstatus_t;

typedef __bsdtrace_gregset_t	__bsdtrace_prgregset_t[1];
typedef __bsdtrace_fpregset_t	__bsdtrace_prfpregset_t;

#define PRFNAMESZ		16	/* longest command name kept */
#define PRARGSZ			80	/* argument bytes kept */
#define PRPSINFO_VERSION	1	/* pr_version of prpsinfo_t */

/* NT_PRPSINFO: the process's name and arguments. */
typedef struct prpsinfo {
	int		pr_version;	/* PRPSINFO_VERSION */
	size_t		pr_psinfosz;	/* sizeof(prpsinfo_t) */
	char		pr_fname[PRFNAMESZ + 1]; /* command name */
	char		pr_psargs[PRARGSZ + 1]; /* arguments */
	pid_t		pr_pid;		/* process id */
} __bsdtrace_prpsinfo_t;

/* NT_THRMISC: the thread's name. */
typedef struct thrmisc {
	char		pr_tname[MAXCOMLEN + 1]; /* NUL-terminated */
	u_int		_pad;		/* zero */
} __bsdtrace_thrmisc_t;

typedef uint64_t	__bsdtrace_psaddr_t;	/* an address in the target */

#ifdef __HAVE_REG32
/* The i386 forms, as a 64-bit debugger sees a 32-bit process. */
typedef struct prstatus32 {
	int32_t		pr_version;
	uint32_t	pr_statussz;
	uint32_t	pr_gregsetsz;
	uint32_t	pr_fpregsetsz;
	int32_t		pr_osreldate;
	int32_t		pr_cursig;
	int32_t		pr_pid;
	struct reg32	pr_reg;
} __bsdtrace_prstatus32_t;

typedef struct prpsinfo32 {
	int32_t		pr_version;
	uint32_t	pr_psinfosz;
	char		pr_fname[PRFNAMESZ + 1];
	char		pr_psargs[PRARGSZ + 1];
	int32_t		pr_pid;
} __bsdtrace_prpsinfo32_t;

struct thrmisc32 {
	char		pr_tname[MAXCOMLEN + 1];
	uint32_t	_pad;
};
#endif /* __HAVE_REG32 */

#ifdef __cplusplus
}
#endif

#endif /* !_SYS_PROCFS_H_ */
