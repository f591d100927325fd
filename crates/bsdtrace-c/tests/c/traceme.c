/*
 * PT_TRACE_ME children and their tracer's death (issue 11 #7). FreeBSD
 * kills a traced process whose debugger exits (kern.kill_on_debugger_exit),
 * from PT_TRACE_ME on. libbsdtrace arms a parent-death SIGKILL in the child
 * at PT_TRACE_ME and disarms it at the adoption (the first stop): the
 * program must see nothing of it (its parent-death signal, its signal mask,
 * a signal that came while it sat in its first stop), and a tracer killed
 * before or at the first stop must take the child along.
 *
 * With $TAP_PEER (a 32-bit tracee) the children run in the peer, past
 * their exec stop (tap.h).
 */
#define TAP_CHILDREN(X) X(report)
#include "tap.h"

#include <sys/prctl.h>

/* Exit with the parent-death signal seen now, + 100 if SIGUSR2 is blocked. */
static void
report(void)
{
	int sig = -1;
	sigset_t m;

	prctl(PR_GET_PDEATHSIG, &sig);
	sigprocmask(SIG_BLOCK, NULL, &m);
	_exit(sig + (sigismember(&m, SIGUSR2) ? 100 : 0));
}

/* Wait for pid's exit; its exit code, or -(signal), or -1000. */
static int
exit_code(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return (-1000);
	if (WIFEXITED(status))
		return (WEXITSTATUS(status));
	if (WIFSIGNALED(status))
		return (-WTERMSIG(status));
	return (-1000);
}

/* exit_code(), giving up (-1000) after ~5 s: a child its tracer's death
 * spared runs (or sits stopped) for ever. */
static int
exit_code_within(pid_t pid)
{
	int i, status;

	for (i = 0; i < 5000; i++) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return (WIFEXITED(status) ? WEXITSTATUS(status) :
			    WIFSIGNALED(status) ? -WTERMSIG(status) : -1000);
		if (r != 0)
			return (-1000);
		usleep(1000);
	}
	return (-1000);
}

/* Until pid is in a stop ('t' or 'T' in /proc), at most ~10 s. */
static int
until_stopped(pid_t pid)
{
	char path[64], buf[512], *p;
	int i;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (i = 0; i < 10000; i++) {
		if ((f = fopen(path, "r")) == NULL)
			return (0);
		p = fgets(buf, sizeof(buf), f);
		fclose(f);
		if (p != NULL && (p = strrchr(buf, ')')) != NULL &&
		    (p[2] == 't' || p[2] == 'T'))
			return (1);
		usleep(1000);
	}
	return (0);
}

/*
 * A PT_TRACE_ME child with `own` as its parent-death signal and SIGUSR2
 * blocked (`mask`), stopped by raise(SIGSTOP): it runs report() when
 * continued.
 */
static pid_t
fork_own(int own, int mask)
{
	pid_t pid;
	sigset_t m;

	pid = fork();
	if (pid == 0) {
		alarm(30);
		if (own != 0)
			prctl(PR_SET_PDEATHSIG, own);
		if (mask) {
			sigemptyset(&m);
			sigaddset(&m, SIGUSR2);
			sigprocmask(SIG_BLOCK, &m, NULL);
		}
		if (ptrace(PT_TRACE_ME, 0, NULL, 0) == -1)
			_exit(90);
		raise(SIGSTOP);
		report();
	}
	return (pid);
}

static void
adoption_is_unseen(void)
{
	int status;
	pid_t pid;

	pid = fork_traceme(report);
	OK(pid > 0 && (tap_peer != NULL || waitpid(pid, &status, 0) == pid) &&
	    (tap_peer != NULL || (WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP)),
	    "the first stop of a PT_TRACE_ME child");
	if (tap_peer != NULL) {
		/* The peer stops itself once past its exec stop. */
		OK(waitpid(pid, &status, 0) == pid && WIFSTOPPED(status), "the peer's stop");
	}
	OK(ptrace(PT_CONTINUE, pid, (caddr_t)1, 0) == 0, "PT_CONTINUE");
	OK(exit_code(pid) == 0, "no parent-death signal is left in the child");
	if (tap_peer != NULL)
		return;

	pid = fork_own(SIGUSR1, 1);
	OK(waitpid(pid, &status, 0) == pid && WIFSTOPPED(status), "first stop (own parent-death signal)");
	OK(ptrace(PT_CONTINUE, pid, (caddr_t)1, 0) == 0, "PT_CONTINUE");
	OK(exit_code(pid) == SIGUSR1 + 100, "its own parent-death signal and mask are kept");

	pid = fork_own(SIGKILL, 0);
	OK(waitpid(pid, &status, 0) == pid && WIFSTOPPED(status), "first stop (parent-death SIGKILL of its own)");
	OK(ptrace(PT_CONTINUE, pid, (caddr_t)1, 0) == 0, "PT_CONTINUE");
	OK(exit_code(pid) == SIGKILL, "a parent-death SIGKILL of its own is kept");

	/* A signal that comes while it sits in its first stop, not yet
	 * adopted: reported after the first stop, as on FreeBSD. */
	pid = fork_own(0, 1);
	OK(until_stopped(pid), "in its first stop");
	kill(pid, SIGUSR1);
	OK(waitpid(pid, &status, 0) == pid && WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP,
	    "the first stop (SIGSTOP), with SIGUSR1 pending");
	OK(ptrace(PT_CONTINUE, pid, (caddr_t)1, 0) == 0, "PT_CONTINUE");
	OK(waitpid(pid, &status, 0) == pid && WIFSTOPPED(status) && WSTOPSIG(status) == SIGUSR1,
	    "then the stop for SIGUSR1 (status %#x)", status);
	OK(ptrace(PT_CONTINUE, pid, (caddr_t)1, 0) == 0, "PT_CONTINUE discarding it");
	OK(exit_code(pid) == 100, "mask kept, no parent-death signal");
}

/*
 * A tracer (a child of ours) forks a PT_TRACE_ME child and is SIGKILLed
 * before the child's first stop (`at_stop` 0) or while the child sits in
 * it, not yet adopted (1). We are a subreaper: the orphan comes to us.
 */
static void
dies_with_its_tracer(int at_stop)
{
	int p[2], code;
	pid_t tracer, child = 0;

	if (pipe(p) == -1)
		return;
	tracer = fork();
	if (tracer == 0) {
		pid_t c;

		close(p[0]);
		c = fork();
		if (c == 0) {
			if (ptrace(PT_TRACE_ME, 0, NULL, 0) == -1)
				_exit(90);
			if (!at_stop) {
				/* Runs untraced if the tracer's death spared it. */
				for (;;)
					pause();
			}
			raise(SIGSTOP);
			_exit(0);
		}
		/* PT_TRACE_ME done (or the child stopped): then die. */
		if (at_stop)
			until_stopped(c);
		else
			usleep(20000);
		write(p[1], &c, sizeof(c));
		for (;;)
			pause();
	}
	close(p[1]);
	read(p[0], &child, sizeof(child));
	close(p[0]);
	kill(tracer, SIGKILL);
	OK(exit_code(tracer) == -SIGKILL, "the tracer is killed");
	code = child > 0 ? exit_code_within(child) : -1000;
	OK(code == -SIGKILL, "its PT_TRACE_ME child is killed with it (%s): %d",
	    at_stop ? "at its first stop" : "before its first stop", code);
	if (code == -1000 && child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
}

int
main(int argc, char **argv)
{
	TAP_INIT(argc, argv);
	tap_start(60);
	adoption_is_unseen();
	if (tap_peer == NULL) {
		OK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0, "a subreaper");
		dies_with_its_tracer(0);
		dies_with_its_tracer(1);
	}
	return (tap_done());
}
