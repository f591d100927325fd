/*
 * Per-request cost of libbsdtrace's executor (docs/c-api.md, "Threads").
 * Run it with each wake-up backend of the engine thread
 * (BSDTRACE_BACKEND=io_uring, BSDTRACE_BACKEND=doorbell).
 *
 *   bench [iterations]
 *
 * Prints one line per measurement: "<what> <ns per operation>".
 */
#include "tap.h"

#include <sys/syscall.h>
#include <time.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e9 + ts.tv_nsec);
}

static void
syscaller(void)
{
	for (;;)
		syscall(SYS_getppid);
}

int
main(int argc, char **argv)
{
	(void)tap_start;
	(void)tap_done;
	struct ptrace_lwpinfo pl;
	long n = argc > 1 ? atol(argv[1]) : 100000, i;
	pid_t pid;
	int status;
	double t0;

	pid = fork_traceme(syscaller);
	if (wait_for(pid) == -1)
		return (1);
	printf("# executor %s\n", bsdtrace_executor_mode());

	t0 = now();
	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	printf("getppid(2) %.0f\n", (now() - t0) / n);

	t0 = now();
	for (i = 0; i < n; i++)
		if (ptrace(PT_GETNUMLWPS, pid, NULL, 0) != 1)
			return (1);
	printf("PT_GETNUMLWPS %.0f\n", (now() - t0) / n);

	t0 = now();
	for (i = 0; i < n / 10; i++)
		if (ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof(pl)) == -1)
			return (1);
	printf("PT_LWPINFO %.0f\n", (now() - t0) / (n / 10));

	/* One syscall stop: PT_SYSCALL, waitpid. */
	t0 = now();
	for (i = 0; i < n / 10; i++)
		if (ptrace(PT_SYSCALL, pid, (caddr_t)1, 0) == -1 || wait_for(pid) == -1)
			return (1);
	printf("syscall-stop(PT_SYSCALL+waitpid) %.0f\n", (now() - t0) / (n / 10));

	/* The same, asking PT_LWPINFO at each stop, as truss does. */
	t0 = now();
	for (i = 0; i < n / 10; i++) {
		if (ptrace(PT_SYSCALL, pid, (caddr_t)1, 0) == -1 || wait_for(pid) == -1)
			return (1);
		if (ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof(pl)) == -1)
			return (1);
	}
	printf("syscall-stop(PT_SYSCALL+waitpid+PT_LWPINFO) %.0f\n", (now() - t0) / (n / 10));

	ptrace(PT_KILL, pid, NULL, 0);
	status = wait_for(pid);
	return (WIFSIGNALED(status) ? 0 : 1);
}
