/*
 * libbsdtrace: glibc's <sys/procfs.h>, for <sys/procfs.h> (ours) only.
 *
 * Private header.  glibc's Linux core-file types (struct elf_prstatus,
 * elf_gregset_t, ...) stay available next to FreeBSD's; the five typedef
 * names the two headers declare differently are renamed while glibc's is
 * read, so only FreeBSD's answer to them.  If glibc's header was included
 * already (by its path), its guard makes this a no-op, and FreeBSD's names
 * still win (they are macros, see <sys/procfs.h>).
 *
 * A system header, so that #include_next (a GNU extension every compiler
 * glibc supports has) passes -pedantic.
 */
#ifndef _SYS__BSDTRACE_GLIBC_PROCFS_H_
#define _SYS__BSDTRACE_GLIBC_PROCFS_H_

#pragma GCC system_header

#define prstatus_t	__glibc_prstatus_t
#define prpsinfo_t	__glibc_prpsinfo_t
#define prgregset_t	__glibc_prgregset_t
#define prfpregset_t	__glibc_prfpregset_t
#define psaddr_t	__glibc_psaddr_t
#define lwpid_t		__glibc_lwpid_t
#include_next <sys/procfs.h>
#undef prstatus_t
#undef prpsinfo_t
#undef prgregset_t
#undef prfpregset_t
#undef psaddr_t
#undef lwpid_t

#endif /* !_SYS__BSDTRACE_GLIBC_PROCFS_H_ */
