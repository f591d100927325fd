/*
 * PT_ATTACH racing execve (issue 11, the fault suite's defect family #13;
 * the Rust face's tests/attach_exec.rs). A process execs itself for ever:
 * from its only thread, from a second thread while the leader sleeps, or
 * so with three more threads asleep. The tracer sleeps a random while
 * (outside the library), attaches, waits, detaches, many times. As on
 * FreeBSD every attach succeeds, its first stop is SIGSTOP, and after
 * PT_DETACH the process runs on untraced. On Linux the attach met a leader
 * de_thread was killing, an id changing hands, a thread born untraced of a
 * creator just seized, and a zombie the exec waited for while the next
 * seize waited for the exec (a hang).
 */
#define _GNU_SOURCE
#include "tap.h"

#include <pthread.h>
#include <time.h>

static char **again;

static unsigned long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((unsigned long)ts.tv_sec * 1000000000UL + (unsigned long)ts.tv_nsec);
}

/* Spin a random while (up to 400 us), then exec this program again. */
static void
spin_then_exec(void)
{
	unsigned long seed = now_ns() ^ ((unsigned long)getpid() << 20) ^ (unsigned long)pthread_self();
	unsigned long end = now_ns() + (seed * 2654435761UL >> 7) % 400000;

	while (now_ns() < end)
		;
	execv("/proc/self/exe", again);
	_exit(99);
}

static void *
execer(void *a)
{
	(void)a;
	spin_then_exec();
	return (NULL);
}

static void *
sleeper(void *a)
{
	(void)a;
	for (;;)
		pause();
	return (NULL);
}

/* The tracee: `attachexec execloop MODE`. */
static int
execloop(char **argv)
{
	pthread_t t;

	again = argv;
	if (strcmp(argv[2], "leader") == 0)
		spin_then_exec();
	if (strcmp(argv[2], "threads") == 0)
		for (int i = 0; i < 3; i++)
			pthread_create(&t, NULL, sleeper, NULL);
	pthread_create(&t, NULL, execer, NULL);
	for (;;)
		pause();
	return (0);
}

/* `State:` letter and `TracerPid:` of a process; 0 if it is not there. */
static char
state_of(pid_t pid, int *tracer)
{
	char path[64], line[256], state = 0;
	FILE *f;

	*tracer = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (0);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "State:", 6) == 0)
			sscanf(line + 6, " %c", &state);
		else if (strncmp(line, "TracerPid:", 10) == 0)
			*tracer = atoi(line + 10);
	}
	fclose(f);
	return (state);
}

static void
rounds(const char *self, const char *mode, int n, unsigned max_us)
{
	int bad_attach = 0, bad_stop = 0, bad_detach = 0, left = 0, alive, status, tracer;
	unsigned seed = 13;
	pid_t pid, w;
	char s;

	pid = fork();
	if (pid == 0) {
		execl("/proc/self/exe", self, "execloop", mode, (char *)NULL);
		_exit(98);
	}
	for (int r = 0; r < n; r++) {
		usleep(rand_r(&seed) % max_us);
		if (ptrace(PT_ATTACH, pid, NULL, 0) != 0) {
			if (bad_attach++ == 0)
				printf("# %s round %d: PT_ATTACH: %s\n", mode, r, strerror(errno));
			continue;
		}
		w = waitpid(pid, &status, 0);
		if (w != pid || !WIFSTOPPED(status) || WSTOPSIG(status) != SIGSTOP) {
			if (bad_stop++ == 0)
				printf("# %s round %d: first stop: waitpid %d, status %#x\n", mode, r, (int)w, status);
			if (w != pid || !WIFSTOPPED(status))
				break;
		}
		if (ptrace(PT_DETACH, pid, (caddr_t)1, 0) != 0) {
			if (bad_detach++ == 0)
				printf("# %s round %d: PT_DETACH: %s\n", mode, r, strerror(errno));
		}
		/* ('Z' is the leader de_thread kills in a non-leader's exec.) */
		s = state_of(pid, &tracer);
		if (s == 0 || s == 't' || s == 'T' || tracer != 0) {
			if (left++ == 0)
				printf("# %s round %d: after PT_DETACH: state %c, tracer %d\n", mode, r, s ? s : '?', tracer);
		}
	}
	usleep(20000);
	s = state_of(pid, &tracer);
	alive = waitpid(pid, &status, WNOHANG) == 0;
	OK(bad_attach == 0, "%s: every PT_ATTACH succeeds (%d failed of %d)", mode, bad_attach, n);
	OK(bad_stop == 0, "%s: the first stop is SIGSTOP (%d others)", mode, bad_stop);
	OK(bad_detach == 0, "%s: every PT_DETACH succeeds (%d failed)", mode, bad_detach);
	OK(left == 0 && alive && s != 't' && s != 'T' && tracer == 0,
	    "%s: running untraced after each PT_DETACH (%d not; at the end %c, tracer %d%s)", mode, left, s ? s : '?', tracer,
	    alive ? "" : ", dead");
	kill(pid, SIGKILL);
	while (alive && waitpid(pid, &status, 0) == pid && !WIFEXITED(status) && !WIFSIGNALED(status))
		;
}

int
main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "execloop") == 0)
		return (execloop(argv));
	tap_start(240);
	rounds(argv[0], "leader", 300, 1000);
	rounds(argv[0], "thread", 600, 1000);
	rounds(argv[0], "threads", 600, 1000);
	return (tap_done());
}
