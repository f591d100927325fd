/*
 * A reaper (PROC_REAP_ACQUIRE) that is also a debugger, as in FreeBSD's
 * ptrace__reap_kill_stopped: its child is traced and asleep in
 * nanosleep under PT_TO_SCX while the debugger sleeps too; then
 * PROC_REAP_STATUS and PROC_REAP_GETPIDS show that child alone (the
 * reaper's subtree holds its own descendants, nothing of libbsdtrace's),
 * PROC_REAP_KILL kills it and nothing else (rk_killed 1, rk_fpid -1)
 * without blocking on its stops, the debugger sees the SIGTERM and the
 * death, and the library still traces a new child afterwards.
 *
 * The doorbell backend (kernels before 6.7) wakes its engine thread
 * through a child process of the program (docs/c-api.md), which Linux
 * lists among the reaper's children; the reaper requests leave it out
 * (sys/wakeup.rs `is_doorbell`), as FreeBSD has no such process.
 */
#include "tap.h"

#include <sys/procctl.h>

static void
sleeper(void)
{
	for (;;)
		sleep(10);
}


int
main(void)
{
	struct procctl_reaper_status rs;
	struct procctl_reaper_pidinfo pi[8];
	struct procctl_reaper_pids rp;
	struct procctl_reaper_kill rk;
	struct ptrace_lwpinfo pl;
	pid_t pid, again;
	int status, i, n, valid, sigterm_stops = 0, others = 0;

	tap_start(30);
	setvbuf(stdout, NULL, _IOLBF, 0);
	WORKS(procctl(P_PID, getpid(), PROC_REAP_ACQUIRE, NULL), "PROC_REAP_ACQUIRE");
	pid = fork_traceme(sleeper);
	status = wait_for(pid);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP, "the child stopped itself");
	WORKS(ptrace(PT_TO_SCX, pid, (caddr_t)1, 0), "PT_TO_SCX");
	/* Away from the library while it goes to sleep in nanosleep. */
	usleep(100000);

	memset(&rs, 0, sizeof(rs));
	WORKS(procctl(P_PID, getpid(), PROC_REAP_STATUS, &rs), "PROC_REAP_STATUS");
	OK(rs.rs_children == 1 && rs.rs_descendants == 1,
	    "one child, one descendant (%u, %u)", rs.rs_children, rs.rs_descendants);
	memset(pi, 0, sizeof(pi));
	memset(&rp, 0, sizeof(rp));
	rp.rp_count = 8;
	rp.rp_pids = pi;
	WORKS(procctl(P_PID, getpid(), PROC_REAP_GETPIDS, &rp), "PROC_REAP_GETPIDS");
	for (i = 0, n = 0, valid = 0; i < 8; i++) {
		if (!(pi[i].pi_flags & REAPER_PIDINFO_VALID))
			continue;
		n++;
		if (pi[i].pi_pid == pid && (pi[i].pi_flags & REAPER_PIDINFO_CHILD))
			valid++;
		else
			printf("# also listed: pid %d, flags %#x\n", pi[i].pi_pid, pi[i].pi_flags);
	}
	OK(n == 1 && valid == 1, "the traced child alone (%d listed)", n);

	memset(&rk, 0, sizeof(rk));
	rk.rk_sig = SIGTERM;
	WORKS(procctl(P_PID, getpid(), PROC_REAP_KILL, &rk), "PROC_REAP_KILL SIGTERM");
	OK(rk.rk_killed == 1, "rk_killed 1 (%u)", rk.rk_killed);
	OK(rk.rk_fpid == -1, "rk_fpid -1 (%d)", rk.rk_fpid);

	/* The debugger sees the SIGTERM (and the sleep's end) and, passing
	 * the signal on, the death. */
	for (i = 0; i < 10; i++) {
		status = wait_for(pid);
		if (status == -1 || !WIFSTOPPED(status))
			break;
		memset(&pl, 0, sizeof(pl));
		ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof(pl));
		if (WSTOPSIG(status) == SIGTERM && (pl.pl_flags & PL_FLAG_SI))
			sigterm_stops++;
		else if (WSTOPSIG(status) != SIGTRAP || !(pl.pl_flags & PL_FLAG_SCX))
			others++;
		if (ptrace(PT_CONTINUE, pid, (caddr_t)1, WSTOPSIG(status) == SIGTERM ? SIGTERM : 0) == -1)
			break;
	}
	OK(sigterm_stops == 1 && others == 0, "one SIGTERM stop, nothing but syscall exits besides (%d, %d)",
	    sigterm_stops, others);
	OK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM, "killed by SIGTERM (status %#x)", status);
	FAILS(waitpid(-1, &status, WNOHANG), ECHILD, "no child left");

	/* The library still traces. */
	again = fork_traceme(sleeper);
	status = wait_for(again);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP, "a new child stopped itself");
	WORKS(ptrace(PT_CONTINUE, again, (caddr_t)1, 0), "PT_CONTINUE");
	usleep(20000);
	WORKS(kill(again, SIGSTOP), "kill(SIGSTOP) while it sleeps");
	status = wait_for(again);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP, "stopped (status %#x)", status);
	WORKS(ptrace(PT_KILL, again, NULL, 0), "PT_KILL");
	status = wait_for(again);
	OK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "killed (status %#x)", status);
	return (tap_done());
}
