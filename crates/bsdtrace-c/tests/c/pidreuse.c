/*
 * A PT_TRACE_ME child that Linux gives the pid of a tracee whose exit the
 * debugger has not collected yet. FreeBSD's zombie holds its pid until
 * the debugger's wait; the engine reaps a dead tracee as soon as it meets
 * the death, so on Linux the pid can come back meanwhile (pid_max is
 * 32768 by default). The debugger's waits report the old exit first, then
 * the newcomer's stop and exit. The engine's adoption of the newcomer
 * answered EBUSY against the old record, left it job-stopped and
 * untraced, and the debugger's waitpid blocked for ever (fault suite
 * long-form R1, C face). The pid is chosen through ns_last_pid: root
 * only; elsewhere the test says so and checks nothing else.
 */
#include "tap.h"

#include <fcntl.h>

/* A PT_TRACE_ME child that stops, then exits with `code`. */
static pid_t
traceme_child(int code)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (ptrace(PT_TRACE_ME, 0, NULL, 0) != 0)
			_exit(50);
		raise(SIGSTOP);
		_exit(code);
	}
	return (pid);
}

/* Ask for `pid` as the next pid; 0 if that cannot be done here. */
static int
next_pid(pid_t pid)
{
	char b[32];
	int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY);
	int n;

	if (fd < 0)
		return (0);
	n = snprintf(b, sizeof(b), "%d", (int)pid - 1);
	n = write(fd, b, (size_t)n) == n;
	close(fd);
	return (n);
}

int
main(int argc, char **argv)
{
	pid_t old, young = -1, w;
	int status, tries;
	char path[64];

	(void)argc;
	(void)argv;
	tap_start(60);
	old = traceme_child(3);
	w = waitpid(old, &status, 0);
	OK(w == old && WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP, "the first child's stop");
	WORKS(ptrace(PT_CONTINUE, old, (caddr_t)1, 0), "PT_CONTINUE");
	/* Away: the engine meets the death (and reaps it) meanwhile. */
	snprintf(path, sizeof(path), "/proc/%d", (int)old);
	for (tries = 0; tries < 500 && access(path, F_OK) == 0; tries++)
		usleep(10000);
	OK(access(path, F_OK) != 0, "the dead child's pid is free before its exit is collected");
	for (tries = 0; tries < 50; tries++) {
		if (!next_pid(old)) {
			printf("# cannot choose the next pid here (not root?): nothing more to check\n");
			return (tap_done());
		}
		young = traceme_child(5);
		if (young == old)
			break;
		/* Another process took it: this one goes. */
		kill(young, SIGKILL);
		while (waitpid(young, &status, 0) == young && WIFSTOPPED(status))
			;
	}
	OK(young == old, "a PT_TRACE_ME child has the dead child's pid (%d)", (int)old);
	/* Away again: the engine meets the newcomer's first stop. */
	usleep(200000);
	w = waitpid(old, &status, 0);
	OK(w == old && WIFEXITED(status) && WEXITSTATUS(status) == 3, "the old exit first (status %#x)", status);
	w = waitpid(old, &status, 0);
	OK(w == old && WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP, "then the newcomer's stop (status %#x)", status);
	WORKS(ptrace(PT_CONTINUE, old, (caddr_t)1, 0), "PT_CONTINUE the newcomer");
	w = waitpid(old, &status, 0);
	OK(w == old && WIFEXITED(status) && WEXITSTATUS(status) == 5, "then the newcomer's exit (status %#x)", status);
	FAILS(waitpid(-1, &status, WNOHANG), ECHILD, "nothing else");
	return (tap_done());
}
