/*
 * A traced program that waits for children of its own (FreeBSD's ptrace
 * tests do: their tracees are forks of the test program, linked with the
 * same library). Its debugger must see the process FreeBSD has: one LWP,
 * no PL_FLAG_BORN stop, whatever the tracee's waits do. libbsdtrace waits
 * in the kernel in a process that never started its engine (wait.rs
 * `without_engine`); it used to start the engine thread there, one more
 * LWP the debugger saw.
 */
#include "tap.h"

#include <sys/resource.h>

/* The tracee: fork, wait each way, report through the exit code. */
static void
child(void)
{
	struct rusage ru;
	siginfo_t si;
	int status, bad = 0;
	pid_t g;

	raise(SIGSTOP);
	g = fork();
	if (g == 0)
		_exit(3);
	if (waitpid(g, &status, 0) != g || !WIFEXITED(status) || WEXITSTATUS(status) != 3)
		bad |= 1;
	g = fork();
	if (g == 0) {
		raise(SIGSTOP);
		_exit(4);
	}
	/* A job-control stop needs WUNTRACED; the wait without it sees the exit. */
	if (waitpid(g, &status, WUNTRACED) != g || !WIFSTOPPED(status) || WSTOPSIG(status) != SIGSTOP)
		bad |= 2;
	kill(g, SIGCONT);
	memset(&si, 0, sizeof si);
	if (waitid(P_PID, g, &si, WEXITED | WNOWAIT) != 0 || si.si_pid != g || si.si_code != CLD_EXITED || si.si_status != 4)
		bad |= 4;
	if (wait4(g, &status, 0, &ru) != g || !WIFEXITED(status) || WEXITSTATUS(status) != 4)
		bad |= 8;
	if (waitpid(-1, &status, WNOHANG) != -1 || errno != ECHILD)
		bad |= 16;
	_exit(bad);
}

int
main(int argc, char **argv)
{
	struct ptrace_lwpinfo pl;
	int status, stops = 0, born = 0, more = 0;
	pid_t pid;

	(void)argc;
	(void)argv;
	tap_start(60);
	pid = fork();
	if (pid == 0) {
		ptrace(PT_TRACE_ME, 0, NULL, 0);
		child();
	}
	WORKS(waitpid(pid, &status, 0), "the child's first stop");
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP, "stopped by SIGSTOP");
	WORKS(ptrace(PT_LWP_EVENTS, pid, NULL, 1), "PT_LWP_EVENTS on");
	WORKS(ptrace(PT_SYSCALL, pid, (caddr_t)1, 0), "traced at every syscall");
	for (;;) {
		if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
			break;
		stops++;
		if (ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof pl) == 0 && (pl.pl_flags & PL_FLAG_BORN))
			born++;
		if (ptrace(PT_GETNUMLWPS, pid, NULL, 0) != 1)
			more++;
		ptrace(PT_SYSCALL, pid, (caddr_t)1, WSTOPSIG(status) == SIGTRAP ? 0 : WSTOPSIG(status));
	}
	OK(stops > 10, "the tracee's syscalls were seen (%d stops)", stops);
	OK(born == 0, "no thread was born in the tracee (%d BORN stops)", born);
	OK(more == 0, "it had one LWP at every stop (%d stops with more)", more);
	OK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "its waits each way saw what the kernel reports (exit %d)", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return (tap_done());
}
