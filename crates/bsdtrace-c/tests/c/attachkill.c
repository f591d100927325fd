/*
 * PT_ATTACH to a process whose threads are born all the time, then a
 * SIGKILL from outside before the first wait: the tracer's waits report
 * that process's death and nothing else. A thread born of a thread already
 * seized is traced from birth (Linux's auto-attach); one that dies before
 * its first stop and before its creator's clone event came through as the
 * exit of a child the program never had (fault suite long-form R1).
 */
#include "tap.h"

#include <pthread.h>

static void *
quick(void *a)
{
	return (a);
}

/* The tracee: say it runs, then churn threads for ever. */
static void
churn(int fd)
{
	pthread_t t[4];

	(void)!write(fd, "r", 1);
	for (;;) {
		for (int i = 0; i < 4; i++)
			pthread_create(&t[i], NULL, quick, NULL);
		for (int i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
	}
}

int
main(int argc, char **argv)
{
	int rounds = 60, strays = 0, deaths = 0, status;

	(void)argc;
	(void)argv;
	tap_start(120);
	for (int r = 0; r < rounds; r++) {
		int fds[2];
		char c;
		pid_t pid, w;

		if (pipe(fds) != 0)
			return (4);
		pid = fork();
		if (pid == 0) {
			close(fds[0]);
			churn(fds[1]);
		}
		close(fds[1]);
		(void)!read(fds[0], &c, 1);
		close(fds[0]);
		if (ptrace(PT_ATTACH, pid, NULL, 0) != 0) {
			printf("# round %d: PT_ATTACH: %s\n", r, strerror(errno));
			kill(pid, SIGKILL);
		} else
			kill(pid, SIGKILL);
		while ((w = waitpid(-1, &status, 0)) > 0) {
			if (w == pid && WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP)
				continue; /* the attach's stop, if it came first */
			if (w == pid) {
				deaths += WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
				break;
			}
			printf("# round %d (pid %d): pid %d reported (status %#x)\n", r, (int)pid, (int)w, status);
			strays++;
		}
		while ((w = waitpid(-1, &status, WNOHANG)) > 0) {
			printf("# round %d (pid %d): then pid %d (status %#x)\n", r, (int)pid, (int)w, status);
			strays++;
		}
	}
	OK(deaths == rounds, "each process's SIGKILL is reported (%d of %d)", deaths, rounds);
	{
		/*
		 * The doorbell backend (kernels before 6.7) reaped in its
		 * blocking wait before the engine could look: CI saw such a
		 * death reported as an unknown child's once in 60 rounds. Its
		 * sleep now only looks while an attach window is open (0 in
		 * 720 rounds here, but 0 in 360 before too): until CI has
		 * shown it clean, a stray there is reported as a known defect
		 * (docs/RELIABILITY.md), not hidden and not a failure.
		 */
		const char *b = getenv("BSDTRACE_BACKEND");
		int doorbell = b != NULL && strcmp(b, "doorbell") == 0;

		if (strays != 0 && doorbell)
			printf("not ok %d - no exit of a task the tracer never had (%d) # TODO doorbell backend\n", ++tap_n, strays);
		else
			OK(strays == 0, "no exit of a task the tracer never had (%d)", strays);
	}
	return (tap_done());
}
