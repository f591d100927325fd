/*
 * A threaded tracee: PT_ATTACH + waitpid, then PT_GETNUMLWPS,
 * PT_GETLWPLIST, PT_LWPINFO and PT_GETREGS on each LWP (by LWP id and by
 * raw thread id), PT_LWP_EVENTS with a thread's birth (PL_FLAG_BORN), and
 * PT_KILL.
 *
 * In every combination of 32- and 64-bit tracer and tracee (tap.h).
 */
#define TAP_CHILDREN(X) X(tracee)
#include "tap.h"

#include <pthread.h>
#include <sys/syscall.h>
#include <machine/reg.h>

#define NTHREADS 3

/* tap_fds: the ready pipe (0, 1) and the go pipe (2, 3). */

static void *
worker(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return (NULL);
}

static void *
late(void *arg)
{
	(void)arg;
	return (NULL);
}

static void
tracee(void)
{
	pthread_t t;
	char c;

	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&t, NULL, worker, NULL);
	write(tap_fds[1], "r", 1);
	/* Wait for the tracer's go, then start one more thread. */
	if (read(tap_fds[2], &c, 1) == 1)
		pthread_create(&t, NULL, late, NULL);
	for (;;)
		pause();
}

int
main(int argc, char **argv)
{
	struct ptrace_lwpinfo pl;
	struct reg r;
	lwpid_t lwps[16];
	pid_t pid;
	int status, n, i, all_ok, born = 0;
	char c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	TAP_INIT(argc, argv);
	tap_start(20);
	if (pipe(&tap_fds[0]) == -1 || pipe(&tap_fds[2]) == -1)
		return (2);
	pid = fork_run(tracee);
	OK(read(tap_fds[0], &c, 1) == 1, "tracee started its threads");
	WORKS(ptrace(PT_ATTACH, pid, NULL, 0), "PT_ATTACH");
	status = wait_for(pid);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP, "attach stop");
	n = ptrace(PT_GETNUMLWPS, pid, NULL, 0);
	OK(n == NTHREADS + 1, "PT_GETNUMLWPS %d", n);
	n = ptrace(PT_GETLWPLIST, pid, (caddr_t)lwps, 16);
	OK(n == NTHREADS + 1, "PT_GETLWPLIST returns %d", n);
	OK(lwps[0] == pid + BSDTRACE_LWPID_BASE, "the main thread comes first");
	OK(ptrace(PT_GETLWPLIST, pid, (caddr_t)lwps, 2) == 2, "PT_GETLWPLIST with room for 2 returns 2");
	ptrace(PT_GETLWPLIST, pid, (caddr_t)lwps, 16);
	all_ok = 1;
	for (i = 0; i < n; i++) {
		memset(&pl, 0, sizeof(pl));
		if (ptrace(PT_LWPINFO, lwps[i], (caddr_t)&pl, sizeof(pl)) == -1 || pl.pl_lwpid != lwps[i])
			all_ok = 0;
		if (ptrace(PT_GETREGS, lwps[i], (caddr_t)&r, 0) == -1 || R_PC(r) == 0)
			all_ok = 0;
		/* A raw Linux thread id names the same LWP. */
		memset(&pl, 0, sizeof(pl));
		if (ptrace(PT_LWPINFO, lwps[i] - BSDTRACE_LWPID_BASE, (caddr_t)&pl, sizeof(pl)) == -1 ||
		    pl.pl_lwpid != lwps[i])
			all_ok = 0;
	}
	OK(all_ok, "PT_LWPINFO and PT_GETREGS work on every LWP, by LWP id and by tid");
	OK(ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof(pl)) == 0 && pl.pl_lwpid == lwps[0],
	    "the pid selects the reporting (main) thread");

	WORKS(ptrace(PT_LWP_EVENTS, pid, NULL, 1), "PT_LWP_EVENTS on");
	WORKS(ptrace(PT_CONTINUE, pid, (caddr_t)1, 0), "PT_CONTINUE");
	write(tap_fds[3], "g", 1);
	for (i = 0; i < 10 && !born; i++) {
		status = wait_for(pid);
		if (!WIFSTOPPED(status))
			break;
		memset(&pl, 0, sizeof(pl));
		ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof(pl));
		if (pl.pl_flags & PL_FLAG_BORN) {
			born = 1;
			OK(WSTOPSIG(status) == SIGTRAP && (pl.pl_flags & PL_FLAG_SCX) &&
			    pl.pl_lwpid > pid + BSDTRACE_LWPID_BASE, "new thread: SIGTRAP, BORN|SCX, its LWP id");
			OK(ptrace(PT_GETNUMLWPS, pid, NULL, 0) == NTHREADS + 2, "one more LWP");
		} else
			ptrace(PT_CONTINUE, pid, (caddr_t)1, 0);
	}
	OK(born, "the thread's birth was reported");

	WORKS(ptrace(PT_KILL, pid, NULL, 0), "PT_KILL");
	status = wait_for(pid);
	OK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "killed (status %#x)", status);
	return (tap_done());
}
