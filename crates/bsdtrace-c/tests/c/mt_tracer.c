/*
 * A multithreaded tracer: requests and waits from threads other than the
 * one that attached.
 *
 *   mt_tracer late   the tracer is single-threaded when it attaches; a
 *                    second thread then issues requests while the main
 *                    thread waits in waitpid().
 *   mt_tracer early  threads exist before the first request: one thread
 *                    attaches and ends,
 *                    the main thread issues requests, another thread waits
 *                    while the main thread is in pthread_join(), a
 *                    thread forks a PT_TRACE_ME child and waits for it,
 *                    and the main thread vforks PT_TRACE_ME children that
 *                    exec (glibc's vfork runs no atfork handler).
 */
#include "tap.h"

#include <pthread.h>
#include <machine/reg.h>

static pid_t child;
static int child_var = 1234;

static void
spin(void)
{
	for (;;)
		pause();
}

static pid_t
fork_spinner(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		alarm(30);
		spin();
	}
	return (pid);
}

/* late: requests from a second thread while main blocks in waitpid(). */
static void *
requester(void *arg)
{
	struct ptrace_lwpinfo pl;
	struct reg r;
	int v;

	(void)arg;
	memset(&pl, 0, sizeof(pl));
	WORKS(ptrace(PT_LWPINFO, child, (caddr_t)&pl, sizeof(pl)), "PT_LWPINFO from another thread");
	OK(pl.pl_lwpid == child + BSDTRACE_LWPID_BASE && pl.pl_siginfo.si_signo == SIGSTOP,
	    "it describes the attach stop");
	WORKS(ptrace(PT_GETREGS, child, (caddr_t)&r, 0), "PT_GETREGS from another thread");
	v = ptrace(PT_READ_D, child, (caddr_t)&child_var, 0);
	OK(v == 1234, "PT_READ_D from another thread (%d)", v);
	WORKS(ptrace(PT_CONTINUE, child, (caddr_t)1, 0), "PT_CONTINUE from another thread");
	kill(child, SIGUSR1);
	return (NULL);
}

static int
late(void)
{
	pthread_t t;
	int status;

	child = fork_spinner();
	WORKS(ptrace(PT_ATTACH, child, NULL, 0), "PT_ATTACH from the main thread");
	status = wait_for(child);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP, "attach stop");
	OK(strncmp(bsdtrace_executor_mode(), "engine-thread", 13) == 0, "executor: %s", bsdtrace_executor_mode());
	pthread_create(&t, NULL, requester, NULL);
	/* Blocks until the other thread continued the child and signalled it. */
	status = wait_for(child);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGUSR1, "main's waitpid saw SIGUSR1 (%#x)", status);
	pthread_join(t, NULL);
	OK(strncmp(bsdtrace_executor_mode(), "engine-thread", 13) == 0, "executor: %s",
	    bsdtrace_executor_mode());
	WORKS(ptrace(PT_KILL, child, NULL, 0), "PT_KILL");
	status = wait_for(child);
	OK(WIFSIGNALED(status), "killed");
	return (tap_done());
}

/* early */
static void *
attacher(void *arg)
{
	(void)arg;
	child = fork_spinner();
	WORKS(ptrace(PT_ATTACH, child, NULL, 0), "PT_ATTACH from a thread that then ends");
	return (NULL);
}

static void *
waiter(void *arg)
{
	int status = wait_for(child);

	(void)arg;
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGUSR2, "a third thread's waitpid saw SIGUSR2 (%#x)",
	    status);
	return (NULL);
}

static pid_t traced2, plain;
static int gate[2];

static void *
trace_waiter(void *arg)
{
	int status = wait_for(traced2);

	(void)arg;
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGUSR1, "one thread waits for a tracee's stop (%#x)",
	    status);
	return (NULL);
}

static void *
job_waiter(void *arg)
{
	int status = 0;

	(void)arg;
	OK(waitpid(plain, &status, WUNTRACED) == plain && WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP,
	    "another waits with WUNTRACED for an untraced child's job stop (%#x)", status);
	/* Now let the tracee stop. */
	kill(traced2, SIGUSR1);
	return (NULL);
}

/* Two threads blocked in waits with different options at once. */
static void
two_waiters(void)
{
	pthread_t w1, w2;
	char c;
	int status;

	traced2 = fork_spinner();
	ptrace(PT_ATTACH, traced2, NULL, 0);
	status = wait_for(traced2);
	OK(WIFSTOPPED(status), "second tracee attached");
	WORKS(ptrace(PT_CONTINUE, traced2, (caddr_t)1, 0), "and running");
	if (pipe(gate) == -1)
		exit(2);
	plain = fork();
	if (plain == 0) {
		alarm(30);
		if (read(gate[0], &c, 1) == 1)
			raise(SIGSTOP);
		_exit(0);
	}
	pthread_create(&w1, NULL, trace_waiter, NULL);
	pthread_create(&w2, NULL, job_waiter, NULL);
	write(gate[1], "g", 1);
	pthread_join(w2, NULL);
	pthread_join(w1, NULL);
	kill(plain, SIGKILL);
	status = wait_for(plain);
	OK(WIFSIGNALED(status), "untraced child killed");
	WORKS(ptrace(PT_KILL, traced2, NULL, 0), "PT_KILL the second tracee");
	status = wait_for(traced2);
	OK(WIFSIGNALED(status), "second tracee killed");
}

static void
traceme_child(void)
{
	_exit(child_var == 1234 ? 17 : 1);
}

static void *
forker(void *arg)
{
	pid_t pid;
	int status;

	(void)arg;
	pid = fork_traceme(traceme_child);
	status = wait_for(pid);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP,
	    "PT_TRACE_ME child of a thread: its SIGSTOP (%#x)", status);
	WORKS(ptrace(PT_CONTINUE, pid, (caddr_t)1, 0), "continue it");
	status = wait_for(pid);
	OK(WIFEXITED(status) && WEXITSTATUS(status) == 17, "it exited 17 (%#x)", status);
	return (NULL);
}

/* vfork() in a tracer that has other threads: each child calls
 * PT_TRACE_ME and execs; its exec stop and exit reach the parent's
 * waitpid (issue 9 #5: they once never did). */
static void
vfork_traceme_children(void)
{
	int stops = 0, exits = 0, status;

	for (int i = 0; i < 10; i++) {
		pid_t pid = vfork();

		if (pid == 0) {
			ptrace(PT_TRACE_ME, 0, NULL, 0);
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		status = wait_for(pid);
		stops += WIFSTOPPED(status) && WSTOPSIG(status) == SIGTRAP;
		if (ptrace(PT_CONTINUE, pid, (caddr_t)1, 0) != 0)
			break;
		status = wait_for(pid);
		exits += WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	OK(stops == 10 && exits == 10, "10 vforked PT_TRACE_ME children: exec stops %d, exits %d", stops, exits);
}

static int
early(void)
{
	struct ptrace_lwpinfo pl;
	pthread_t t;
	int status;

	pthread_create(&t, NULL, attacher, NULL);
	pthread_join(t, NULL);
	OK(strncmp(bsdtrace_executor_mode(), "engine-thread", 13) == 0, "executor: %s", bsdtrace_executor_mode());
	status = wait_for(child);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP, "main's waitpid: attach stop");
	WORKS(ptrace(PT_LWPINFO, child, (caddr_t)&pl, sizeof(pl)), "PT_LWPINFO from main");
	WORKS(ptrace(PT_CONTINUE, child, (caddr_t)1, 0), "PT_CONTINUE from main");
	pthread_create(&t, NULL, waiter, NULL);
	kill(child, SIGUSR2);
	pthread_join(t, NULL);
	WORKS(ptrace(PT_KILL, child, NULL, 0), "PT_KILL from main");
	status = wait_for(child);
	OK(WIFSIGNALED(status), "killed");

	pthread_create(&t, NULL, forker, NULL);
	pthread_join(t, NULL);
	two_waiters();
	vfork_traceme_children();
	return (tap_done());
}

int
main(int argc, char **argv)
{
	tap_start(20);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && strcmp(argv[1], "early") == 0)
		return (early());
	return (late());
}
