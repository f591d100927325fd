/*
 * A SIGCHLD handler that calls waitpid() while the main thread traces: the
 * handler may interrupt the main thread inside libbsdtrace, which must then
 * fail cleanly (the WNOHANG wait reports nothing) rather than crash; the
 * tracing goes on undisturbed.
 */
#include "tap.h"

#include <sys/syscall.h>

static volatile sig_atomic_t reaped, handled;
static pid_t plain;

static void
on_sigchld(int sig)
{
	int saved = errno, st;

	(void)sig;
	handled++;
	if (plain > 0 && waitpid(plain, &st, WNOHANG) == plain)
		reaped = 1;
	errno = saved;
}

static void
syscalls(void)
{
	for (int i = 0; i < 200; i++)
		syscall(SYS_getppid);
	_exit(0);
}

int
main(void)
{
	struct sigaction sa;
	struct ptrace_lwpinfo pl;
	pid_t pid;
	int status, stops = 0, i;

	tap_start(20);
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigchld;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);

	pid = fork_traceme(syscalls);
	status = wait_for(pid);
	OK(WIFSTOPPED(status), "traced child stopped");
	plain = fork();
	if (plain == 0)
		_exit(5);
	for (i = 0; i < 1000; i++) {
		if (ptrace(PT_SYSCALL, pid, (caddr_t)1, 0) == -1)
			break;
		status = wait_for(pid);
		if (!WIFSTOPPED(status))
			break;
		stops++;
		if (ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof(pl)) == -1)
			break;
	}
	OK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "traced child ran to its exit (status %#x)", status);
	OK(stops >= 400, "%d syscall stops", stops);
	OK(handled > 0, "the SIGCHLD handler ran %d times", (int)handled);
	if (!reaped)
		OK(waitpid(plain, &status, 0) == plain && WEXITSTATUS(status) == 5, "untraced child reaped later");
	else
		OK(1, "the handler reaped the untraced child");
	return (tap_done());
}
