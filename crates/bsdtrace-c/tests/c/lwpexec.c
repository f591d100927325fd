/*
 * LWP events as FreeBSD reports them: a thread leaving through thr_exit
 * stops with PL_FLAG_EXITED | PL_FLAG_SCE; when a thread other than the
 * main one calls execve, the other threads' exits (the main thread's
 * too) are reported, PL_FLAG_EXITED alone, before the exec, and the
 * thread that called execve keeps its LWP id: at the exec event and
 * afterwards (PT_LWPINFO, PT_GETLWPLIST, as a request's target).  At
 * the exec stop PT_GET_SC_RET answers EJUSTRETURN, execve's own return.
 *
 * With the argument "away" the debugger sleeps after each continue
 * before it waits: the threads are born, one exits and the exec kills
 * the others while it is away from the library.
 */
#define _WANT_KERNEL_ERRNO	/* EJUSTRETURN */
#include "tap.h"

#include <pthread.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/procfs.h>
#include <machine/reg.h>

static char *self;
static int away;

/* Continue and wait, away from the library in between if asked to. */
static int
cont_wait(pid_t pid, int req)
{
	if (ptrace(req, pid, (caddr_t)1, 0) == -1)
		return (-1);
	if (away)
		usleep(20000);
	return (wait_for(pid));
}

static void *
sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return (NULL);
}

static void *
quick(void *arg)
{
	(void)arg;
	return (NULL);
}

static void *
execer(void *arg)
{
	pthread_t t;

	(void)arg;
	/* A thread that leaves on its own first (thr_exit). */
	pthread_create(&t, NULL, quick, NULL);
	pthread_join(t, NULL);
	execl(self, self, "exit", (char *)NULL);
	_exit(99);
}

static void
tracee(void)
{
	pthread_t t;

	pthread_create(&t, NULL, sleeper, NULL);
	pthread_create(&t, NULL, sleeper, NULL);
	pthread_create(&t, NULL, execer, NULL);
	for (;;)
		pause();
}

static int
in(lwpid_t id, const lwpid_t *set, int n)
{
	for (int i = 0; i < n; i++)
		if (set[i] == id)
			return (1);
	return (0);
}

int
main(int argc, char **argv)
{
	struct ptrace_lwpinfo pl;
	struct ptrace_sc_ret sr;
	struct reg r;
	lwpid_t born[8], exited[8], lwps[8], main_lwp = 0, quick_lwp = 0, x = 0;
	int nborn = 0, nexited = 0, status, i, n, sce_exit = 0, all_ok = 1;
	pid_t pid;

	if (argc > 1 && strcmp(argv[1], "exit") == 0)
		return (7);
	self = argv[0];
	away = argc > 1 && strcmp(argv[1], "away") == 0;
	tap_start(30);
	setvbuf(stdout, NULL, _IOLBF, 0);
	pid = fork_traceme(tracee);
	status = wait_for(pid);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP, "the child stopped itself");
	OK(ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof(pl)) == 0, "PT_LWPINFO");
	main_lwp = pl.pl_lwpid;
	WORKS(ptrace(PT_LWP_EVENTS, pid, NULL, 1), "PT_LWP_EVENTS on");
	for (i = 0; i < 20; i++) {
		status = cont_wait(pid, PT_CONTINUE);
		OK(status != -1, "PT_CONTINUE");
		if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGTRAP ||
		    ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof(pl)) == -1) {
			all_ok = 0;
			break;
		}
		if (pl.pl_flags & PL_FLAG_BORN) {
			if (nborn < 8)
				born[nborn++] = pl.pl_lwpid;
			continue;
		}
		if (pl.pl_flags & PL_FLAG_EXEC) {
			x = pl.pl_lwpid;
			break;
		}
		if ((pl.pl_flags & (PL_FLAG_EXITED | PL_FLAG_SCE)) ==
		    (PL_FLAG_EXITED | PL_FLAG_SCE) && nexited == 0 && !sce_exit) {
			/* The quick thread, inside thr_exit's entry. */
			sce_exit = 1;
			quick_lwp = pl.pl_lwpid;
			OK(pl.pl_flags == (PL_FLAG_EXITED | PL_FLAG_SCE) &&
			    in(pl.pl_lwpid, born, nborn),
			    "a thread's own exit: EXITED|SCE (flags %#x), a born LWP", pl.pl_flags);
			continue;
		}
		if (pl.pl_flags == PL_FLAG_EXITED && nexited < 8) {
			exited[nexited++] = pl.pl_lwpid;
			/* It is still there to ask about while it reports. */
			n = ptrace(PT_GETLWPLIST, pid, (caddr_t)lwps, 8);
			if (n < 1 || !in(pl.pl_lwpid, lwps, n) ||
			    ptrace(PT_GETREGS, pid, (caddr_t)&r, 0) == -1)
				all_ok = 0;
			continue;
		}
		all_ok = 0;
		printf("# unexpected stop: flags %#x\n", pl.pl_flags);
	}
	OK(all_ok, "only BORN, EXITED and EXEC stops, each with its LWP listed");
	OK(nborn == 4, "four threads born (%d)", nborn);
	OK(sce_exit && quick_lwp != main_lwp, "the quick thread's exit was reported");
	OK(x != 0 && x != main_lwp && x != quick_lwp && in(x, born, nborn),
	    "the exec is reported by the thread that called it, with its LWP id");
	OK(nexited == 3 && in(main_lwp, exited, nexited),
	    "the other three threads' exits (the main thread's too) came first (%d)", nexited);
	for (i = 0; i < nexited; i++)
		if (exited[i] == x || exited[i] == quick_lwp || (exited[i] != main_lwp && !in(exited[i], born, nborn)))
			all_ok = 0;
	OK(all_ok, "each exit names another thread");

	/* After the exec: one LWP, still known by the id it had. */
	OK(ptrace(PT_GETNUMLWPS, pid, NULL, 0) == 1, "one LWP left");
	n = ptrace(PT_GETLWPLIST, pid, (caddr_t)lwps, 8);
	OK(n == 1 && lwps[0] == x, "PT_GETLWPLIST lists it by its LWP id");
	memset(&pl, 0, sizeof(pl));
	OK(ptrace(PT_LWPINFO, x, (caddr_t)&pl, sizeof(pl)) == 0 && pl.pl_lwpid == x &&
	    (pl.pl_flags & PL_FLAG_EXEC), "its LWP id names it in PT_LWPINFO");
	WORKS(ptrace(PT_GETREGS, x, (caddr_t)&r, 0), "and in PT_GETREGS");
	OK(r.r_rax == 0 && !(r.r_rflags & 1), "at the exec stop (FreeBSD's syscall exit) rax is execve's 0 (%#lx)",
	    (long)r.r_rax);
	/* FreeBSD's execve returns EJUSTRETURN (it set the new image's
	 * registers itself) and its syscall exit keeps that as td_errno. */
	memset(&sr, 0xff, sizeof(sr));
	WORKS(ptrace(PT_GET_SC_RET, x, (caddr_t)&sr, sizeof(sr)), "PT_GET_SC_RET at the exec stop");
	OK(sr.sr_error == EJUSTRETURN && sr.sr_retval[0] == 0 && sr.sr_retval[1] == 0,
	    "sr_error EJUSTRETURN (%d), no return values", sr.sr_error);
	FAILS(ptrace(PT_GETREGS, main_lwp, (caddr_t)&r, 0), ESRCH, "the main thread's LWP id names nothing now");
	{
		prstatus_t ps;
		struct iovec iov = { &ps, sizeof(ps) };

		memset(&ps, 0, sizeof(ps));
		OK(ptrace(PT_GETREGSET, pid, (caddr_t)&iov, NT_PRSTATUS) == 0 && ps.pr_pid == x,
		    "NT_PRSTATUS's pr_pid is that LWP id too (%d)", (int)ps.pr_pid);
	}

	/* It keeps the id at the next stops. */
	status = cont_wait(pid, PT_TO_SCE);
	OK(status != -1, "PT_TO_SCE");
	memset(&pl, 0, sizeof(pl));
	OK(WIFSTOPPED(status) && ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof(pl)) == 0 &&
	    (pl.pl_flags & PL_FLAG_SCE) && pl.pl_lwpid == x, "a syscall entry after the exec: the same LWP id");
	/* (PTRACE_SCE is sticky: clear the whole mask.) */
	n = 0;
	WORKS(ptrace(PT_SET_EVENT_MASK, pid, (caddr_t)&n, sizeof(n)), "PT_SET_EVENT_MASK 0");
	status = cont_wait(pid, PT_CONTINUE);
	OK(status != -1, "PT_CONTINUE");
	OK(WIFEXITED(status) && WEXITSTATUS(status) == 7, "the new image exits 7 (status %#x)", status);
	return (tap_done());
}
