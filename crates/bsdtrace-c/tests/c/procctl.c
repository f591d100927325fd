/*
 * procctl(2) from C: its own status queries and controls, FreeBSD's error
 * order (unknown command, idtype, target), PROC_TRACE_STATUS of a traced
 * child, and EFAULT for a bad data pointer.
 */
#include "tap.h"

#include <sys/procctl.h>

int
main(void)
{
	struct procctl_reaper_status rs;
	pid_t pid;
	int v, status;

	tap_start(20);
	setvbuf(stdout, NULL, _IOLBF, 0);
	v = -5;
	WORKS(procctl(P_PID, getpid(), PROC_TRACE_STATUS, &v), "PROC_TRACE_STATUS of ourselves");
	OK(v == 0, "we are not traced (%d)", v);
	FAILS(procctl(P_PID, 0, 9999, &v), EINVAL, "unknown command: EINVAL");
	FAILS(procctl(P_ALL, 0, PROC_TRACE_STATUS, &v), EINVAL, "idtype P_ALL: EINVAL");
	FAILS(procctl(P_PGID, getpgid(0), PROC_TRACE_STATUS, &v), EINVAL, "P_PGID for a one-process command: EINVAL");
	FAILS(procctl(P_PID, 0, PROC_TRACE_STATUS, (void *)8), EFAULT, "bad data pointer: EFAULT");
	FAILS(procctl(P_PID, 0, PROC_TRACE_CTL, NULL), EFAULT, "NULL input: EFAULT");
	FAILS(procctl(P_PID, 0, PROC_REAP_ACQUIRE, &v), EINVAL, "REAP_ACQUIRE with data: EINVAL");

	pid = fork();
	if (pid == 0) {
		alarm(30);
		ptrace(PT_TRACE_ME, 0, NULL, 0);
		raise(SIGSTOP);
		_exit(0);
	}
	status = wait_for(pid);
	OK(WIFSTOPPED(status), "traced child stopped");
	v = 0;
	WORKS(procctl(P_PID, pid, PROC_TRACE_STATUS, &v), "PROC_TRACE_STATUS of the traced child");
	OK(v == getpid(), "its tracer is us (%d)", v);
	FAILS(procctl(P_PID, 999999999, PROC_TRACE_STATUS, &v), ESRCH, "no such process: ESRCH");
	memset(&rs, 0, sizeof(rs));
	WORKS(procctl(P_PID, getpid(), PROC_REAP_STATUS, &rs), "PROC_REAP_STATUS");
	OK(rs.rs_children >= 1, "the reaper has children (%u)", rs.rs_children);
	WORKS(ptrace(PT_CONTINUE, pid, (caddr_t)1, 0), "continue");
	status = wait_for(pid);
	OK(WIFEXITED(status), "child exited");
	return (tap_done());
}
