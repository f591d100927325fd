/*
 * Signals a debugger gives, as FreeBSD delivers them:
 * - a SIGUSR1 given at a syscall's entry stop and another at its exit
 *   stop are two deliveries (the handler runs twice), neither a stop;
 * - a replacement signal every thread blocks stops the thread that
 *   unblocks it, and is delivered whatever the debugger does there;
 * - PT_STEP with a caught signal whose handler stops (and is continued):
 *   the trace trap still comes once the handler has returned;
 * - all of it also for realtime signals, and with the process's signal
 *   queue full (RLIMIT_SIGPENDING reached after queueing realtime signals
 *   with sigqueue), where FreeBSD still delivers what the debugger gives
 *   (its "from ptrace" signals never need a queue entry).
 *
 * With the argument "away", the debugger is away from the library while
 * its tracee makes progress: after each continue it blocks in poll() and
 * read() on a pipe the handler writes to, until the handler has run as
 * often as FreeBSD would run it before the next stop, then sleeps a
 * little, and only then waits (FreeBSD's kernel delivers and stops with
 * no debugger call; here the engine thread must).
 */
#include "tap.h"

#include <sys/resource.h>
#include <poll.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <machine/reg.h>

static volatile int handled;
/* "away": the handlers write a byte to report[1] each time they run. */
static int away, report[2] = { -1, -1 };

static void
ran(void)
{
	if (away)
		(void)write(report[1], "h", 1);
}
/* The replacement signal of masked(); whether the child fills its queue. */
static int repl = SIGUSR1, full;

static void
on_usr1(int sig)
{
	(void)sig;
	handled++;
	ran();
}

static volatile long handler_tid;

static void
on_usr1_where(int sig)
{
	(void)sig;
	handled++;
	handler_tid = syscall(SYS_gettid);
	ran();
}

static void
on_usr1_stop(int sig)
{
	(void)sig;
	handled++;
	ran();
	raise(SIGUSR2);
}

/*
 * A program that queued realtime signals until the kernel refused more:
 * SIGRTMIN+1 blocked and queued to itself under a small RLIMIT_SIGPENDING,
 * then the limit lowered to 0 so that the queue stays full whatever other
 * processes of the user do (the count is the user's).
 */
static void
fill_queue(void)
{
	struct rlimit rl;
	union sigval v;
	sigset_t s;
	int n;

	if (!full)
		return;
	sigemptyset(&s);
	sigaddset(&s, SIGRTMIN + 1);
	sigprocmask(SIG_BLOCK, &s, NULL);
	rl.rlim_cur = rl.rlim_max = 8;
	setrlimit(RLIMIT_SIGPENDING, &rl);
	v.sival_int = 0;
	for (n = 0; n < 64 && sigqueue(getpid(), SIGRTMIN + 1, v) == 0; n++)
		;
	rl.rlim_cur = rl.rlim_max = 0;
	if (setrlimit(RLIMIT_SIGPENDING, &rl) == -1 || sigqueue(getpid(), SIGRTMIN + 1, v) != -1 ||
	    errno != EAGAIN)
		_exit(91);
}

static void
twice(void)
{
	signal(SIGUSR1, on_usr1);
	signal(SIGRTMIN, on_usr1);
	fill_queue();
	syscall(SYS_getppid);
	_exit(handled);
}

static void
masked(void)
{
	sigset_t s;

	signal(repl, on_usr1);
	fill_queue();
	sigemptyset(&s);
	sigaddset(&s, repl);
	sigprocmask(SIG_BLOCK, &s, NULL);
	raise(SIGUSR2);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	_exit(handled);
}

/*
 * The replaced signal came from sigqueue (SIGRTMIN+2, queued while there
 * was room), the queue is full when the debugger replaces it with a
 * SIGUSR1 every thread blocks: FreeBSD's unmarked copy, which carries the
 * replaced signal's siginfo (KSI_SIGQ), finds no room and is dropped; the
 * marked one is delivered once unblocked, with no stop.
 */
static void
masked_after_sigqueue(void)
{
	union sigval v;
	sigset_t s;

	signal(SIGUSR1, on_usr1);
	signal(SIGRTMIN + 2, on_usr1);
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigaddset(&s, SIGRTMIN + 2);
	sigprocmask(SIG_BLOCK, &s, NULL);
	v.sival_int = 7;
	if (sigqueue(getpid(), SIGRTMIN + 2, v) == -1)
		_exit(92);
	full = 1;
	fill_queue();
	sigemptyset(&s);
	sigaddset(&s, SIGRTMIN + 2);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	_exit(handled);
}

static void *
second_thread(void *arg)
{
	sigset_t s;

	(void)arg;
	raise(SIGUSR2);
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	return (NULL);
}

/*
 * The second thread stops; its replacement SIGUSR1 is blocked by every
 * thread. FreeBSD's sigtd gives it to the first thread, and (that not
 * being the stopping one) queues no second copy: the second thread's
 * unblock takes nothing, the main thread's runs the handler, no stop.
 */
static void
masked_in_a_thread(void)
{
	pthread_t t;
	sigset_t s;

	signal(SIGUSR1, on_usr1_where);
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	pthread_create(&t, NULL, second_thread, NULL);
	pthread_join(t, NULL);
	pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	_exit(handled * 10 + (handler_tid == getpid()));
}

static void
handler_stops(void)
{
	signal(SIGUSR1, on_usr1_stop);
	raise(SIGUSR2);
	syscall(SYS_getppid);
	_exit(handled);
}

/*
 * Resume with `req` and `sig`; when away, block in poll()/read() until
 * the handler has run `runs` times (-2 if it did not within 10 s), then
 * sleep, before the wait.
 */
static int
cont_runs(pid_t pid, int req, int sig, int runs)
{
	struct pollfd pfd;
	char c;

	if (ptrace(req, pid, (caddr_t)1, sig) == -1)
		return (-1);
	if (away) {
		pfd.fd = report[0];
		pfd.events = POLLIN;
		for (; runs > 0; runs--)
			if (poll(&pfd, 1, 10000) != 1 || read(report[0], &c, 1) != 1)
				return (-2);
		usleep(20000);
	}
	return (wait_for(pid));
}

static int
cont(pid_t pid, int req, int sig)
{
	return (cont_runs(pid, req, sig, 0));
}

int
main(int argc, char **argv)
{
	struct ptrace_lwpinfo pl;
	struct reg r;
	pid_t pid;
	long rip;
	int status, i, mask, sig, give, code, from;

	tap_start(60);
	setvbuf(stdout, NULL, _IOLBF, 0);
	away = argc > 1 && strcmp(argv[1], "away") == 0;
	if (away && pipe(report) == -1)
		return (2);

	for (full = 0; full <= 1; full++) {
		const char *q = full ? " (queue full)" : "";

		/* Two deliveries of one signal given at a call's entry and exit. */
		for (sig = SIGUSR1; sig; sig = sig == SIGUSR1 ? SIGRTMIN : 0) {
			pid = fork_traceme(twice);
			status = wait_for(pid);
			OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP, "first stop");
			for (i = 0; i < 50; i++) {
				status = cont(pid, PT_TO_SCE, 0);
				if (!WIFSTOPPED(status) ||
				    ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof(pl)) == -1 ||
				    ((pl.pl_flags & PL_FLAG_SCE) && pl.pl_syscall_code == SYS_getppid))
					break;
			}
			OK(WIFSTOPPED(status) && (pl.pl_flags & PL_FLAG_SCE) &&
			    pl.pl_syscall_code == SYS_getppid, "at getppid's entry%s", q);
			mask = PTRACE_SCX;
			WORKS(ptrace(PT_SET_EVENT_MASK, pid, (caddr_t)&mask, sizeof(mask)),
			    "only syscall exits");
			status = cont(pid, PT_CONTINUE, sig);
			OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGTRAP &&
			    ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof(pl)) == 0 &&
			    (pl.pl_flags & PL_FLAG_SCX) && pl.pl_syscall_code == SYS_getppid,
			    "signal %d given at the entry: the exit stop comes first%s", sig, q);
			mask = 0;
			WORKS(ptrace(PT_SET_EVENT_MASK, pid, (caddr_t)&mask, sizeof(mask)),
			    "no more syscall stops");
			status = cont_runs(pid, PT_CONTINUE, sig, full ? 1 : 2);
			/*
			 * With a full queue FreeBSD keeps one "from ptrace" signal
			 * of a number without its siginfo (sq_ptrace, a depth-1
			 * queue): the two merge and the handler runs once.
			 */
			OK(WIFEXITED(status) && WEXITSTATUS(status) == (full ? 1 : 2),
			    "signal %d again at the exit: the handler ran %d times, no stop%s (status %#x)",
			    sig, full ? 1 : 2, q, status);
		}

		/* A replacement signal that every thread blocks. */
		for (repl = SIGUSR1; repl; repl = repl == SIGUSR1 ? SIGRTMIN : 0) {
			for (give = 0; give <= 1; give++) {
				pid = fork_traceme(masked);
				status = wait_for(pid);
				status = cont(pid, PT_CONTINUE, 0);
				memset(&pl, 0, sizeof(pl));
				OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGUSR2 &&
				    ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof(pl)) == 0, "SIGUSR2 stop%s", q);
				code = pl.pl_siginfo.si_code;
				from = pl.pl_siginfo.si_pid;
				status = cont_runs(pid, PT_CONTINUE, repl, 1);
				OK(WIFSTOPPED(status) && WSTOPSIG(status) == repl,
				    "replaced by %d, blocked: a stop for it once unblocked%s (status %#x)",
				    repl, q, status);
				/* FreeBSD's unmarked copy carries the replaced signal's siginfo. */
				memset(&pl, 0, sizeof(pl));
				OK(ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof(pl)) == 0 &&
				    (pl.pl_flags & PL_FLAG_SI) && pl.pl_siginfo.si_signo == repl &&
				    pl.pl_siginfo.si_code == code && pl.pl_siginfo.si_pid == from,
				    "its siginfo is SIGUSR2's, numbered %d (code %d pid %d, want %d %d)", repl,
				    pl.pl_siginfo.si_code, pl.pl_siginfo.si_pid, code, from);
				/* FreeBSD: the marked copy was delivered first. */
				errno = 0;
				i = ptrace(PT_READ_D, pid, (caddr_t)&handled, 0);
				OK(i == 1 && errno == 0,
				    "the handler ran once before that stop (%d)", i);
				status = cont_runs(pid, PT_CONTINUE, give ? repl : 0, give);
				OK(WIFEXITED(status) && WEXITSTATUS(status) == (give ? 2 : 1),
				    "continued with %d: the handler ran %d times (status %#x)",
				    give ? repl : 0, give ? 2 : 1, status);
			}
		}
	}
	full = 0;
	repl = SIGUSR1;

	/* PT_STEP with the replacement every thread blocks: the step first. */
	pid = fork_traceme(masked);
	status = wait_for(pid);
	status = cont(pid, PT_CONTINUE, 0);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGUSR2, "SIGUSR2 stop");
	status = cont(pid, PT_STEP, SIGUSR1);
	memset(&pl, 0, sizeof(pl));
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGTRAP &&
	    ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof(pl)) == 0 && (pl.pl_flags & PL_FLAG_SI) &&
	    pl.pl_siginfo.si_code == TRAP_TRACE, "PT_STEP with SIGUSR1, blocked: the step's trap (status %#x)",
	    status);
	status = cont_runs(pid, PT_CONTINUE, 0, 1);
	errno = 0;
	i = ptrace(PT_READ_D, pid, (caddr_t)&handled, 0);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGUSR1 && i == 1 && errno == 0,
	    "then, once unblocked, the handler ran and a SIGUSR1 stop came (status %#x, %d)", status, i);
	status = cont(pid, PT_CONTINUE, 0);
	OK(WIFEXITED(status) && WEXITSTATUS(status) == 1, "discarded: the handler ran once (status %#x)", status);

	/* A replaced signal from sigqueue, the queue full. */
	pid = fork_traceme(masked_after_sigqueue);
	status = wait_for(pid);
	status = cont(pid, PT_CONTINUE, 0);
	memset(&pl, 0, sizeof(pl));
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGRTMIN + 2 &&
	    ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof(pl)) == 0 &&
	    pl.pl_siginfo.si_code == SI_QUEUE, "SIGRTMIN+2 stop, from sigqueue (status %#x)", status);
	status = cont_runs(pid, PT_CONTINUE, SIGUSR1, 1);
	OK(WIFEXITED(status) && WEXITSTATUS(status) == 1,
	    "replaced by SIGUSR1, blocked, queue full: delivered once, no stop (status %#x)", status);

	/* The stopping thread is not the first one, and every thread blocks. */
	pid = fork_traceme(masked_in_a_thread);
	status = wait_for(pid);
	status = cont(pid, PT_CONTINUE, 0);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGUSR2, "SIGUSR2 stop in the second thread");
	status = cont_runs(pid, PT_CONTINUE, SIGUSR1, 1);
	OK(WIFEXITED(status) && WEXITSTATUS(status) == 11,
	    "replaced by SIGUSR1: no stop, the handler ran once, in the main thread (status %#x)", status);

	/* A step whose handler stops. */
	pid = fork_traceme(handler_stops);
	status = wait_for(pid);
	status = cont(pid, PT_CONTINUE, 0);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGUSR2, "SIGUSR2 stop");
	OK(ptrace(PT_GETREGS, pid, (caddr_t)&r, 0) == 0, "PT_GETREGS");
	rip = r.r_rip;
	status = cont_runs(pid, PT_STEP, SIGUSR1, 1);
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
