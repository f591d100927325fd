/*
 * libbsdtrace <sys/procctl.h>: FreeBSD's procctl(2) on Linux.
 *
 * Command numbers, flag values and structures are FreeBSD's.  idtype_t and
 * its P_PID / P_PGID come from glibc's <sys/wait.h> (the values waitid()
 * uses, P_PID 1 and P_PGID 2, not FreeBSD's 0 and 2); procctl() accepts
 * those two and fails with EINVAL for any other.  id_t is glibc's.  Signal
 * numbers (rk_sig, PROC_PDEATHSIG_CTL) and errno values are the host's.
 */
#ifndef _SYS_PROCCTL_H_
#define _SYS_PROCCTL_H_

#include <sys/_bsdtrace_types.h>
#include <sys/wait.h>
#ifndef __idtype_t_defined
/* Strict ISO modes (-std=c11) hide idtype_t in <sys/wait.h>. */
#include <bits/types/idtype_t.h>
#endif

/* Machine-dependent commands start here. */
#define PROC_PROCCTL_MD_MIN	0x10000000
#include <machine/procctl.h>

#define PROC_SPROTECT		1	/* protect from the OOM killer */
#define PROC_REAP_ACQUIRE	2	/* become a reaper */
#define PROC_REAP_RELEASE	3	/* stop being a reaper */
#define PROC_REAP_STATUS	4	/* struct procctl_reaper_status */
#define PROC_REAP_GETPIDS	5	/* struct procctl_reaper_pids */
#define PROC_REAP_KILL		6	/* struct procctl_reaper_kill */
#define PROC_TRACE_CTL		7	/* allow or forbid tracing */
#define PROC_TRACE_STATUS	8	/* -1 forbidden, 0 untraced, or tracer pid */
#define PROC_TRAPCAP_CTL	9	/* SIGTRAP on capability errors */
#define PROC_TRAPCAP_STATUS	10
#define PROC_PDEATHSIG_CTL	11	/* signal on parent death */
#define PROC_PDEATHSIG_STATUS	12
#define PROC_ASLR_CTL		13	/* address randomisation after exec */
#define PROC_ASLR_STATUS	14
#define PROC_PROTMAX_CTL	15	/* implicit PROT_MAX on mmap */
#define PROC_PROTMAX_STATUS	16
#define PROC_STACKGAP_CTL	17	/* MAP_STACK guard gap */
#define PROC_STACKGAP_STATUS	18
#define PROC_NO_NEW_PRIVS_CTL	19	/* ignore set-id bits at exec */
#define PROC_NO_NEW_PRIVS_STATUS 20
#define PROC_WXMAP_CTL		21	/* W^X policy */
#define PROC_WXMAP_STATUS	22
#define PROC_LOGSIGEXIT_CTL	23	/* log death by signal */
#define PROC_LOGSIGEXIT_STATUS	24

/* PROC_SPROTECT: an operation ORed with flags. */
#define PPROT_OP(x)		((x) & 0xf)
#define PPROT_SET		1
#define PPROT_CLEAR		2
#define PPROT_FLAGS(x)		((x) & ~0xf)
#define PPROT_DESCEND		0x10	/* the whole subtree */
#define PPROT_INHERIT		0x20	/* future children too */

#ifdef __cplusplus
extern "C" {
#endif

/* PROC_REAP_STATUS result. */
struct procctl_reaper_status {
	u_int	rs_flags;	/* REAPER_STATUS_* */
	u_int	rs_children;	/* direct children of the reaper */
	u_int	rs_descendants;	/* all descendants of the reaper */
	pid_t	rs_reaper;	/* the reaper of the target */
	pid_t	rs_pid;		/* one descendant, or -1 */
	u_int	rs_pad0[15];
};

#define REAPER_STATUS_OWNED	0x00000001	/* the target is a reaper */
#define REAPER_STATUS_REALINIT	0x00000002	/* the target is init */

/* One descendant in PROC_REAP_GETPIDS. */
struct procctl_reaper_pidinfo {
	pid_t	pi_pid;
	pid_t	pi_subtree;	/* the reaper's child it descends from */
	u_int	pi_flags;	/* REAPER_PIDINFO_* */
	u_int	pi_pad0[15];
};

#define REAPER_PIDINFO_VALID	0x00000001
#define REAPER_PIDINFO_CHILD	0x00000002
#define REAPER_PIDINFO_REAPER	0x00000004
#define REAPER_PIDINFO_ZOMBIE	0x00000008
#define REAPER_PIDINFO_STOPPED	0x00000010
#define REAPER_PIDINFO_EXITING	0x00000020

/* PROC_REAP_GETPIDS argument: room for rp_count entries at rp_pids. */
struct procctl_reaper_pids {
	u_int	rp_count;
	u_int	rp_pad0[15];
	struct procctl_reaper_pidinfo *rp_pids;
};

/* PROC_REAP_KILL argument and result. */
struct procctl_reaper_kill {
	int	rk_sig;		/* in: host signal number */
	u_int	rk_flags;	/* in: REAPER_KILL_* */
	pid_t	rk_subtree;	/* in: with REAPER_KILL_SUBTREE */
	u_int	rk_killed;	/* out: processes signalled */
	pid_t	rk_fpid;	/* out: first that could not be, or -1 */
	u_int	rk_pad0[15];
};

#define REAPER_KILL_CHILDREN	0x00000001
#define REAPER_KILL_SUBTREE	0x00000002

#ifdef __cplusplus
}
#endif

#define PROC_TRACE_CTL_ENABLE		1
#define PROC_TRACE_CTL_DISABLE		2
#define PROC_TRACE_CTL_DISABLE_EXEC	3

#define PROC_TRAPCAP_CTL_ENABLE		1
#define PROC_TRAPCAP_CTL_DISABLE	2

#define PROC_ASLR_FORCE_ENABLE		1
#define PROC_ASLR_FORCE_DISABLE		2
#define PROC_ASLR_NOFORCE		3
#define PROC_ASLR_ACTIVE		0x80000000

#define PROC_PROTMAX_FORCE_ENABLE	1
#define PROC_PROTMAX_FORCE_DISABLE	2
#define PROC_PROTMAX_NOFORCE		3
#define PROC_PROTMAX_ACTIVE		0x80000000

#define PROC_STACKGAP_ENABLE		0x0001
#define PROC_STACKGAP_DISABLE		0x0002
#define PROC_STACKGAP_ENABLE_EXEC	0x0004
#define PROC_STACKGAP_DISABLE_EXEC	0x0008

#define PROC_NO_NEW_PRIVS_ENABLE	1
#define PROC_NO_NEW_PRIVS_DISABLE	2

#define PROC_WX_MAPPINGS_PERMIT		0x0001
#define PROC_WX_MAPPINGS_DISALLOW_EXEC	0x0002
#define PROC_WXORX_ENFORCE		0x80000000

#define PROC_LOGSIGEXIT_CTL_NOFORCE		1
#define PROC_LOGSIGEXIT_CTL_FORCE_ENABLE	2
#define PROC_LOGSIGEXIT_CTL_FORCE_DISABLE	3

#ifdef __cplusplus
extern "C" {
#endif

int procctl(idtype_t _idtype, id_t _id, int _cmd, void *_data);

#ifdef __cplusplus
}
#endif

#endif /* !_SYS_PROCCTL_H_ */
