/*
 * Signals a debugger gives, as FreeBSD delivers them:
 * - a SIGUSR1 given at a syscall's entry stop and another at its exit
 *   stop are two deliveries (the handler runs twice), neither a stop;
 * - a replacement signal every thread blocks stops the thread that
 *   unblocks it, and is delivered whatever the debugger does there;
 * - PT_STEP with a caught signal whose handler stops (and is continued):
 *   the trace trap still comes once the handler has returned.
 */
#include "tap.h"

#include <sys/syscall.h>
#include <machine/reg.h>

static volatile int handled;

static void
on_usr1(int sig)
{
	(void)sig;
	handled++;
}

static void
on_usr1_stop(int sig)
{
	(void)sig;
	handled++;
	raise(SIGUSR2);
}

static void
twice(void)
{
	signal(SIGUSR1, on_usr1);
	syscall(SYS_getppid);
	_exit(handled);
}

static void
masked(void)
{
	sigset_t s;

	signal(SIGUSR1, on_usr1);
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigprocmask(SIG_BLOCK, &s, NULL);
	raise(SIGUSR2);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	_exit(handled);
}

static void
handler_stops(void)
{
	signal(SIGUSR1, on_usr1_stop);
	raise(SIGUSR2);
	syscall(SYS_getppid);
	_exit(handled);
}

static int
cont(pid_t pid, int req, int sig)
{
	if (ptrace(req, pid, (caddr_t)1, sig) == -1)
		return (-1);
	return (wait_for(pid));
}

int
main(void)
{
	struct ptrace_lwpinfo pl;
	struct reg r;
	pid_t pid;
	long rip;
	int status, i, mask;

	tap_start(30);
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* Two deliveries of one signal given at a call's entry and exit. */
	pid = fork_traceme(twice);
	status = wait_for(pid);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP, "first stop");
	for (i = 0; i < 50; i++) {
		status = cont(pid, PT_TO_SCE, 0);
		if (!WIFSTOPPED(status) || ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof(pl)) == -1 ||
		    ((pl.pl_flags & PL_FLAG_SCE) && pl.pl_syscall_code == SYS_getppid))
			break;
	}
	OK(WIFSTOPPED(status) && (pl.pl_flags & PL_FLAG_SCE) && pl.pl_syscall_code == SYS_getppid,
	    "at getppid's entry");
	mask = PTRACE_SCX;
	WORKS(ptrace(PT_SET_EVENT_MASK, pid, (caddr_t)&mask, sizeof(mask)), "only syscall exits");
	status = cont(pid, PT_CONTINUE, SIGUSR1);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGTRAP &&
	    ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof(pl)) == 0 && (pl.pl_flags & PL_FLAG_SCX) &&
	    pl.pl_syscall_code == SYS_getppid, "SIGUSR1 given at the entry: the exit stop comes first");
	mask = 0;
	WORKS(ptrace(PT_SET_EVENT_MASK, pid, (caddr_t)&mask, sizeof(mask)), "no more syscall stops");
	status = cont(pid, PT_CONTINUE, SIGUSR1);
	OK(WIFEXITED(status) && WEXITSTATUS(status) == 2,
	    "SIGUSR1 again at the exit: the handler ran twice, no stop (status %#x)", status);

	/* A replacement signal that every thread blocks. */
	for (int give = 0; give <= SIGUSR1; give += SIGUSR1) {
		pid = fork_traceme(masked);
		status = wait_for(pid);
		status = cont(pid, PT_CONTINUE, 0);
		OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGUSR2, "SIGUSR2 stop");
		status = cont(pid, PT_CONTINUE, SIGUSR1);
		OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGUSR1,
		    "replaced by SIGUSR1, blocked: a SIGUSR1 stop once unblocked (status %#x)", status);
		status = cont(pid, PT_CONTINUE, give);
		OK(WIFEXITED(status) && WEXITSTATUS(status) == (give ? 2 : 1),
		    "continued with %d: the handler ran %d times (status %#x)", give, give ? 2 : 1, status);
	}

	/* A step whose handler stops. */
	pid = fork_traceme(handler_stops);
	status = wait_for(pid);
	status = cont(pid, PT_CONTINUE, 0);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGUSR2, "SIGUSR2 stop");
	OK(ptrace(PT_GETREGS, pid, (caddr_t)&r, 0) == 0, "PT_GETREGS");
	rip = r.r_rip;
	status = cont(pid, PT_STEP, SIGUSR1);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGUSR2, "PT_STEP with SIGUSR1: the handler's own stop");
	status = cont(pid, PT_CONTINUE, 0);
	memset(&pl, 0, sizeof(pl));
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGTRAP &&
	    ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof(pl)) == 0 && (pl.pl_flags & PL_FLAG_SI) &&
	    pl.pl_siginfo.si_code == TRAP_TRACE, "continued: the step traps after the handler returns");
	OK(ptrace(PT_GETREGS, pid, (caddr_t)&r, 0) == 0 && r.r_rip > rip && r.r_rip <= rip + 15,
	    "one instruction after the interrupted one");
	status = cont(pid, PT_CONTINUE, 0);
	OK(WIFEXITED(status) && WEXITSTATUS(status) == 1, "the handler ran once (status %#x)", status);
	return (tap_done());
}
