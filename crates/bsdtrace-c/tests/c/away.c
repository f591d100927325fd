/*
 * The tracer away from the library: a FreeBSD debugger blocks in read(),
 * poll() or sleep() while its multithreaded tracees must make progress, as
 * FreeBSD's kernel lets them (what Linux would stop, we must settle behind
 * the program's back).
 *
 *   1. A PT_TRACE_ME child with threads, continued, writes to a pipe the
 *      tracer reads: it runs, and its SIGCONT handler never sees our
 *      adoption.
 *   2. An attached, continued process that ignores SIGUSR1 gets a burst of
 *      them while the tracer sleeps: it runs on (FreeBSD discards them).
 *   3. A traced process exits while the tracer blocks in read() on a pipe
 *      the process's own parent writes once the process's descriptors
 *      close: the exit happens without the tracer, and its status is the
 *      tracer's to collect afterwards.
 *   4. Threads asleep in epoll_wait, sigtimedwait, semtimedop, poll and
 *      nanosleep while the debugger takes 100 syscall stops and then stops
 *      the process 200 times (kill SIGSTOP, waitpid, PT_CONTINUE) as
 *      debuggers interrupt a running program: not one EINTR reaches them
 *      (the library's kill() stops a running tracee without a signal,
 *      which on Linux would wake one sleeper for good).
 *   5. A PT_TRACE_ME child detached at its first stop, and a job-stopped
 *      process attached and detached at once: each runs on, and neither
 *      SIGCONT handler sees the SIGCONT that ends Linux's group stop.
 *   6. A job-stopped process whose real parent is another process,
 *      attached, waited for and detached while that parent sleeps: the
 *      parent's waitpid(WCONTINUED) then reports it continued (the
 *      library's own waits must not take Linux's one "continued" state).
 *   7. A child attached and detached with SIGSTOP (job-stopped, untraced),
 *      a WNOHANG wait its stop does not satisfy, then SIGKILL: the blocking
 *      waitpid reports its death (it slept for ever: the job stop the
 *      WNOHANG look had published made the wait take the child for the
 *      engine's, whose watch then never looked for its exit; fault suite
 *      R1 without --avoid 9, seed 3000010).
 */
#define _GNU_SOURCE
#include "tap.h"

#include <sys/epoll.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/syscall.h>

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

static volatile sig_atomic_t conts;
static _Atomic int stop_threads;

static void
on_cont(int sig)
{
	(void)sig;
	conts++;
}

static void *
syscaller(void *arg)
{
	for (int i = 0; i < 200 && !atomic_load(&stop_threads); i++) {
		syscall(SYS_getppid);
		if (i % 20 == 0)
			usleep(500);
	}
	return (arg);
}

static void
traceme_then_read(void)
{
	int p[2];
	pid_t pid;
	char buf[64];
	int status;
	ssize_t n;

	if (pipe(p) != 0)
		abort();
	pid = fork();
	if (pid == 0) {
		pthread_t t[4];

		close(p[0]);
		signal(SIGCONT, on_cont);
		ptrace(PT_TRACE_ME, 0, NULL, 0);
		raise(SIGSTOP);
		for (int i = 0; i < 4; i++)
			pthread_create(&t[i], NULL, syscaller, NULL);
		for (int i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
		dprintf(p[1], "done %d\n", (int)conts);
		_exit(0);
	}
	close(p[1]);
	OK(waitpid(pid, &status, 0) == pid && WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP,
	    "PT_TRACE_ME child stopped at its raise(SIGSTOP) (%#x)", status);
	WORKS(ptrace(PT_CONTINUE, pid, (caddr_t)1, 0), "PT_CONTINUE");
	/* Away: blocked in read() while its threads are born and run. */
	n = read(p[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	OK(strcmp(buf, "done 0\n") == 0, "it ran to the end while we read, no SIGCONT seen (%s)", buf);
	OK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "its exit (%#x)", status);
	close(p[0]);
}

static void
detached_at_once_without_a_sigcont(void)
{
	int in[2];
	pid_t pid;
	int status;

	pid = fork();
	if (pid == 0) {
		signal(SIGCONT, on_cont);
		ptrace(PT_TRACE_ME, 0, NULL, 0);
		raise(SIGSTOP);
		_exit(conts);
	}
	OK(waitpid(pid, &status, 0) == pid && WIFSTOPPED(status), "PT_TRACE_ME stop (%#x)", status);
	WORKS(ptrace(PT_DETACH, pid, (caddr_t)1, 0), "PT_DETACH at once");
	OK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "it ran on, its SIGCONT handler never called (%#x)", status);

	/* The same with a fatal signal passed on: it dies of it, untraced,
	 * and its exit is ours as its parent (delivered while the library
	 * took its SIGCONT, the exit was lost). */
	for (int i = 0; i < 10; i++) {
		pid = fork();
		if (pid == 0) {
			ptrace(PT_TRACE_ME, 0, NULL, 0);
			raise(SIGSTOP);
			_exit(0);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status) ||
		    ptrace(PT_DETACH, pid, (caddr_t)1, SIGUSR1) != 0 ||
		    waitpid(pid, &status, 0) != pid || !WIFSIGNALED(status) || WTERMSIG(status) != SIGUSR1)
			break;
	}
	OK(WIFSIGNALED(status) && WTERMSIG(status) == SIGUSR1,
	    "10 children detached with SIGUSR1 at their first stop die of it (%#x)", status);

	if (pipe(in) != 0)
		abort();
	pid = fork();
	if (pid == 0) {
		char c;

		close(in[1]);
		signal(SIGCONT, on_cont);
		raise(SIGSTOP);
		/* Job-stopped until attached and detached; then reads. */
		if (read(in[0], &c, 1) != 1)
			_exit(100);
		_exit(conts);
	}
	close(in[0]);
	OK(waitpid(pid, &status, WUNTRACED) == pid && WIFSTOPPED(status), "job-stopped (%#x)", status);
	WORKS(ptrace(PT_ATTACH, pid, NULL, 0), "PT_ATTACH to a job-stopped process");
	OK(waitpid(pid, &status, 0) == pid && WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP,
	    "its attach stop (%#x)", status);
	WORKS(ptrace(PT_DETACH, pid, (caddr_t)1, 0), "PT_DETACH");
	OK(write(in[1], "x", 1) == 1, "wrote to it");
	close(in[1]);
	/* Its real parent: continued (Linux's job stop ended), then exited. */
	while (waitpid(pid, &status, WCONTINUED) == pid && WIFCONTINUED(status))
		;
	OK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "it ran after the detach, its SIGCONT handler never called (%#x)", status);
}

static void
ignored_signals_while_asleep(void)
{
	int p[2];
	pid_t pid;
	int status;
	char c;
	struct pollfd pfd;
	int ticks = 0;

	if (pipe(p) != 0)
		abort();
	pid = fork();
	if (pid == 0) {
		pthread_t t[3];

		close(p[0]);
		signal(SIGUSR1, SIG_IGN);
		for (int i = 0; i < 3; i++)
			pthread_create(&t[i], NULL, syscaller, NULL);
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		for (;;) {
			usleep(2000);
			if (write(p[1], "t", 1) != 1)
				_exit(1);
		}
	}
	close(p[1]);
	/* Attached once it ignores SIGUSR1. */
	OK(read(p[0], &c, 1) == 1 && c == 'r', "it is ready");
	WORKS(ptrace(PT_ATTACH, pid, NULL, 0), "PT_ATTACH");
	OK(waitpid(pid, &status, 0) == pid && WIFSTOPPED(status), "attach stop");
	WORKS(ptrace(PT_CONTINUE, pid, (caddr_t)1, 0), "PT_CONTINUE");
	for (int i = 0; i < 20; i++) {
		kill(pid, SIGUSR1);
		usleep(1000);
	}
	/* Away in poll(): the ticks keep coming. */
	pfd.fd = p[0];
	pfd.events = POLLIN;
	while (ticks < 50 && poll(&pfd, 1, 5000) == 1 && read(p[0], &c, 1) == 1)
		ticks++;
	OK(ticks == 50, "it ran on through 20 ignored SIGUSR1s while we slept (%d ticks)", ticks);
	OK(waitpid(pid, &status, WNOHANG) == 0, "no stop was reported for them");
	kill(pid, SIGKILL);
	OK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	    "killed (%#x)", status);
	close(p[0]);
}

static void
exit_while_tracer_reads(void)
{
	int report[2], alive[2], pidp[2], go[2];
	pid_t mid, pid;
	int status;
	char buf[64];
	ssize_t n;

	if (pipe(report) != 0 || pipe(pidp) != 0 || pipe(go) != 0)
		abort();
	mid = fork();
	if (mid == 0) {
		/* The traced process's real parent: it waits for EOF on a pipe
		 * its child holds, i.e. for the child's descriptors to close. */
		close(report[0]);
		close(pidp[0]);
		close(go[1]);
		if (pipe(alive) != 0)
			_exit(1);
		pid = fork();
		if (pid == 0) {
			pthread_t t[2];

			close(alive[0]);
			for (int i = 0; i < 2; i++)
				pthread_create(&t[i], NULL, syscaller, NULL);
			/* Exits once the tracer is (about to be) in read(). */
			if (read(go[0], buf, 1) != 1)
				_exit(1);
			usleep(20000);
			_exit(3);
		}
		close(alive[1]);
		close(go[0]);
		dprintf(pidp[1], "%d\n", pid);
		while (read(alive[0], buf, 1) > 0)
			;
		dprintf(report[1], "eof\n");
		/* Its status: not ours until the tracer lets it go. */
		waitpid(pid, &status, 0);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 100);
	}
	close(report[1]);
	close(pidp[1]);
	close(go[0]);
	n = read(pidp[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	pid = atoi(buf);
	WORKS(ptrace(PT_ATTACH, pid, NULL, 0), "PT_ATTACH to a grandchild");
	OK(waitpid(pid, &status, 0) == pid && WIFSTOPPED(status), "attach stop");
	WORKS(ptrace(PT_CONTINUE, pid, (caddr_t)1, 0), "PT_CONTINUE");
	OK(write(go[1], "g", 1) == 1, "told it to exit");
	close(go[1]);
	/* Away, in read(), until its parent saw its descriptors close. */
	n = read(report[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	OK(strcmp(buf, "eof\n") == 0, "it exited while we were in read() (%s)", buf);
	OK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 3,
	    "the tracer collects its exit afterwards (%#x)", status);
	OK(waitpid(mid, &status, 0) == mid && WIFEXITED(status) && WEXITSTATUS(status) == 3,
	    "then its real parent does (%#x)", status);
	close(report[0]);
	close(pidp[0]);
}

enum { K_EPOLL, K_SIGTIMEDWAIT, K_SEMTIMEDOP, K_POLL, K_NANOSLEEP, K_KINDS };
static _Atomic long eintrs[K_KINDS];
static int semid;

static void *
sleeper(void *arg)
{
	int kind = (int)(long)arg;
	int ep = epoll_create1(0);
	sigset_t set;
	struct timespec ts = { 0, 30000000 };

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	while (!atomic_load(&stop_threads)) {
		struct epoll_event ev;
		struct sembuf op = { 0, -1, 0 };
		struct pollfd pfd = { ep, POLLIN, 0 };
		int r = 0;

		switch (kind) {
		case K_EPOLL: r = epoll_wait(ep, &ev, 1, 30); break;
		case K_SIGTIMEDWAIT: r = sigtimedwait(&set, NULL, &ts); break;
		case K_SEMTIMEDOP: r = semtimedop(semid, &op, 1, &ts); break;
		case K_POLL: r = poll(&pfd, 1, 30); break;
		case K_NANOSLEEP: r = nanosleep(&ts, NULL); break;
		}
		if (r < 0 && errno == EINTR)
			atomic_fetch_add(&eintrs[kind], 1);
	}
	return (NULL);
}

static void
no_eintr_from_our_stops(void)
{
	int p[2], ctl[2];
	pid_t pid;
	int status, stops = 0, scs = 0, mask;
	long before;
	char buf[128];
	ssize_t n;

	if (pipe(p) != 0 || pipe(ctl) != 0)
		abort();
	pid = fork();
	if (pid == 0) {
		pthread_t t[K_KINDS * 2], w;
		struct pollfd pfd = { 0, POLLIN, 0 };
		long total = 0;

		close(p[0]);
		close(ctl[1]);
		pfd.fd = ctl[0];
		semid = semget(IPC_PRIVATE, 1, 0600);
		ptrace(PT_TRACE_ME, 0, NULL, 0);
		raise(SIGSTOP);
		for (int i = 0; i < K_KINDS * 2; i++)
			pthread_create(&t[i], NULL, sleeper, (void *)(long)(i % K_KINDS));
		/* Workers come and go until the tracer closes ctl; a byte on
		 * it asks for the EINTRs so far. */
		for (;;) {
			char c;

			if (poll(&pfd, 1, 0) == 1) {
				if (read(ctl[0], &c, 1) != 1)
					break;
				for (int k = 0; k < K_KINDS; k++)
					total += atomic_load(&eintrs[k]);
				dprintf(p[1], "%ld\n", total);
				total = 0;
			}
			pthread_create(&w, NULL, syscaller, NULL);
			pthread_join(w, NULL);
		}
		atomic_store(&stop_threads, 1);
		for (int i = 0; i < K_KINDS * 2; i++)
			pthread_join(t[i], NULL);
		semctl(semid, 0, IPC_RMID);
		for (int k = 0; k < K_KINDS; k++)
			total += atomic_load(&eintrs[k]);
		dprintf(p[1], "eintr %ld: %ld %ld %ld %ld %ld\n", total, atomic_load(&eintrs[0]),
		    atomic_load(&eintrs[1]), atomic_load(&eintrs[2]), atomic_load(&eintrs[3]),
		    atomic_load(&eintrs[4]));
		_exit(0);
	}
	close(p[1]);
	close(ctl[0]);
	OK(waitpid(pid, &status, 0) == pid && WIFSTOPPED(status), "PT_TRACE_ME stop");
	/* A hundred syscall stops, each a whole-process stop on FreeBSD. */
	WORKS(ptrace(PT_SYSCALL, pid, (caddr_t)1, 0), "PT_SYSCALL");
	while (waitpid(pid, &status, 0) == pid && WIFSTOPPED(status) && ++scs < 100)
		ptrace(PT_SYSCALL, pid, (caddr_t)1, WSTOPSIG(status) == SIGTRAP ? 0 : WSTOPSIG(status));
	OK(scs == 100, "100 syscall stops (%d)", scs);
	/* PT_SYSCALL is sticky (FreeBSD): clear it from the event mask. */
	WORKS(ptrace(PT_GET_EVENT_MASK, pid, (caddr_t)&mask, sizeof(mask)), "PT_GET_EVENT_MASK");
	mask &= ~(PTRACE_SYSCALL | PTRACE_SCE | PTRACE_SCX);
	WORKS(ptrace(PT_SET_EVENT_MASK, pid, (caddr_t)&mask, sizeof(mask)), "PT_SET_EVENT_MASK");
	WORKS(ptrace(PT_CONTINUE, pid, (caddr_t)1, 0), "PT_CONTINUE");
	/* Syscall entries other threads had already reached when the mask was
	 * cleared are still reported, as on FreeBSD (each is parked in its
	 * ptracestop()): continued without a signal, until none is left. */
	while (waitpid(pid, &status, WNOHANG) == pid && WIFSTOPPED(status))
		ptrace(PT_CONTINUE, pid, (caddr_t)1, 0);
	OK(write(ctl[1], "?", 1) == 1, "asked for its EINTRs so far");
	n = read(p[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	before = atol(buf);
	OK(before == 0, "no EINTR during the syscall stops (%ld)", before);
	/* A debugger interrupting the program 200 times, sleeping between. */
	for (int i = 0; i < 200; i++) {
		usleep(1000);
		if (kill(pid, SIGSTOP) != 0)
			break;
		while (waitpid(pid, &status, 0) == pid && WIFSTOPPED(status) && WSTOPSIG(status) != SIGSTOP)
			ptrace(PT_CONTINUE, pid, (caddr_t)1, 0);
		if (!WIFSTOPPED(status))
			break;
		if (i == 0) {
			struct ptrace_lwpinfo pl;

			memset(&pl, 0, sizeof(pl));
			WORKS(ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof(pl)), "PT_LWPINFO at our SIGSTOP");
			OK(pl.pl_event == PL_EVENT_SIGNAL && (pl.pl_flags & PL_FLAG_SI) != 0 &&
			    pl.pl_siginfo.si_signo == SIGSTOP && pl.pl_siginfo.si_code == SI_USER &&
			    pl.pl_siginfo.si_pid == getpid(),
			    "it is the SIGSTOP we sent (event %d, flags %#x, code %d, pid %d)", pl.pl_event,
			    pl.pl_flags, pl.pl_siginfo.si_code, (int)pl.pl_siginfo.si_pid);
		}
		stops++;
		ptrace(PT_CONTINUE, pid, (caddr_t)1, 0);
	}
	OK(stops == 200, "the process was stopped %d times", stops);
	close(ctl[1]);
	{
		struct pollfd pfd = { p[0], POLLIN, 0 };

		if (poll(&pfd, 1, 5000) == 0) {
			struct ptrace_lwpinfo pl;
			pid_t w = waitpid(pid, &status, WNOHANG);

			memset(&pl, 0, sizeof(pl));
			ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof(pl));
			printf("# stuck: waitpid %d status %#x, lwp %d event %d flags %#x code %d\n", w, status,
			    pl.pl_lwpid, pl.pl_event, pl.pl_flags, pl.pl_syscall_code);
		}
	}
	n = read(p[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	OK(strncmp(buf, "eintr ", 6) == 0 && atol(buf + 6) - before == 0,
	    "no EINTR in the sleeping threads while we stopped them 200 times (%s)", buf);
	OK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "its exit (%#x)", status);
	close(p[0]);
}

static void
real_parent_sees_continued(void)
{
	int to_tracer[2], to_parent[2];
	pid_t parent, pid;
	int status;
	char c;

	if (pipe(to_tracer) != 0 || pipe(to_parent) != 0)
		abort();
	parent = fork();
	if (parent == 0) {
		/* The real parent: a job-stopped child, then (told to look)
		 * its "continued" report within 5 s. */
		pid_t child;
		int st;

		close(to_tracer[0]);
		close(to_parent[1]);
		alarm(10);
		child = fork();
		if (child == 0) {
			raise(SIGSTOP);
			pause();
			_exit(0);
		}
		if (waitpid(child, &st, WUNTRACED) != child || !WIFSTOPPED(st))
			_exit(1);
		if (write(to_tracer[1], &child, sizeof(child)) != sizeof(child))
			_exit(2);
		if (read(to_parent[0], &c, 1) != 1)
			_exit(3);
		for (int i = 0; i < 500; i++) {
			pid_t w = waitpid(child, &st, WCONTINUED | WNOHANG);

			if (w == child && WIFCONTINUED(st)) {
				kill(child, SIGKILL);
				waitpid(child, &st, 0);
				_exit(0);
			}
			if (w != 0)
				break;
			usleep(10000);
		}
		kill(child, SIGKILL);
		waitpid(child, &st, 0);
		_exit(4);
	}
	close(to_tracer[1]);
	close(to_parent[0]);
	OK(read(to_tracer[0], &pid, sizeof(pid)) == sizeof(pid), "the job-stopped grandchild is %d", pid);
	WORKS(ptrace(PT_ATTACH, pid, NULL, 0), "PT_ATTACH to another parent's job-stopped child");
	OK(waitpid(pid, &status, 0) == pid && WIFSTOPPED(status), "its attach stop (%#x)", status);
	/* Away from the library a while: the engine runs on its own. */
	usleep(50000);
	WORKS(ptrace(PT_DETACH, pid, (caddr_t)1, 0), "PT_DETACH");
	usleep(50000);
	OK(write(to_parent[1], "x", 1) == 1, "told its parent to look");
	OK(waitpid(parent, &status, 0) == parent && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "its real parent's waitpid(WCONTINUED) reported it continued (parent's exit %#x: 4 = never)", status);
	close(to_tracer[0]);
	close(to_parent[1]);
}

static void
pausing_child(void)
{
	for (;;)
		pause();
}

static void
killed_after_a_detach_into_a_job_stop(void)
{
	for (int round = 0; round < 3; round++) {
		siginfo_t si;
		pid_t pid;
		int status;

		pid = fork();
		if (pid == 0) {
			pausing_child();
			_exit(0);
		}
		WORKS(ptrace(PT_ATTACH, pid, NULL, 0), "7: PT_ATTACH");
		status = wait_for(pid);
		OK(WIFSTOPPED(status), "7: attached (status %#x)", status);
		WORKS(ptrace(PT_DETACH, pid, (caddr_t)1, SIGSTOP), "7: PT_DETACH with SIGSTOP");
		usleep(20000);
		memset(&si, 0, sizeof(si));
		/* Rounds: continued only, exited only, both. */
		OK(waitid(P_PID, pid, &si, (round == 1 ? WEXITED : WCONTINUED) | (round == 2 ? WEXITED : 0) | WNOHANG) == 0 &&
		    si.si_pid == 0, "7.%d: a WNOHANG waitid its job stop does not satisfy: nothing", round);
		kill(pid, SIGKILL);
		/* Tracer away a moment, then a blocking wait. */
		usleep(20000);
		status = wait_for(pid);
		OK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "7.%d: its death reported (status %#x)", round, status);
	}
}

int
main(void)
{
	tap_start(120);
	traceme_then_read();
	ignored_signals_while_asleep();
	exit_while_tracer_reads();
	detached_at_once_without_a_sigcont();
	no_eintr_from_our_stops();
	real_parent_sees_continued();
	killed_after_a_detach_into_a_job_stop();
	return (tap_done());
}
