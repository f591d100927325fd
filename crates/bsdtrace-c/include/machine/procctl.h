/*
 * libbsdtrace <machine/procctl.h>: FreeBSD's x86 procctl(2) commands.
 * Linux has no per-process KPTI or paging-depth control; libbsdtrace
 * answers them as docs/deviations.md says.
 */
#ifndef _MACHINE_PROCCTL_H_
#define _MACHINE_PROCCTL_H_

#define PROC_KPTI_CTL		0x10000000	/* PROC_PROCCTL_MD_MIN + 0 */
#define PROC_KPTI_STATUS	0x10000001
#define PROC_LA_CTL		0x10000002
#define PROC_LA_STATUS		0x10000003

#define PROC_KPTI_CTL_ENABLE_ON_EXEC	1
#define PROC_KPTI_CTL_DISABLE_ON_EXEC	2
#define PROC_KPTI_STATUS_ACTIVE		0x80000000

#define PROC_LA_CTL_LA48_ON_EXEC	1
#define PROC_LA_CTL_LA57_ON_EXEC	2
#define PROC_LA_CTL_DEFAULT_ON_EXEC	3

#define PROC_LA_STATUS_LA48		0x01000000
#define PROC_LA_STATUS_LA57		0x02000000

#endif /* !_MACHINE_PROCCTL_H_ */
