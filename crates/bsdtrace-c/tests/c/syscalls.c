/*
 * Syscall stops: PT_TO_SCE and PT_TO_SCX with PT_LWPINFO's PL_FLAG_SCE /
 * PL_FLAG_SCX and syscall code, PT_GET_SC_ARGS at entry, PT_GET_SC_RET at
 * exit (a failing write: sr_error EBADF), PT_SYSCALL, and the FreeBSD
 * register convention at syscall stops.  The syscall a thread sleeps in
 * when PT_ATTACH stops it (FreeBSD's ptrace__syscall_args_anywhere), and
 * rt_sigreturn's exit stop.  At the exec stop, PT_GET_SC_RET answers
 * EJUSTRETURN and PT_GET_SC_ARGS execve's arguments read at its entry.
 *
 * In every combination of 32- and 64-bit tracer and tracee (tap.h): the
 * numbers are the traced program's ABI's (i386's for a 32-bit one), and
 * a 32-bit tracer of a 64-bit process gets EINVAL from PT_GET_SC_ARGS
 * and PT_GET_SC_RET, and may not write its registers, as on FreeBSD.
 */
#define _WANT_KERNEL_ERRNO	/* EJUSTRETURN */
#define TAP_CHILDREN(X) X(child) X(sleeper) X(handler) X(execer)
#define TAP_SYMBOLS(X) X(msg) X(rqt) X(exe)
#include "tap.h"

#include <sys/syscall.h>
#include <machine/reg.h>
#include <dirent.h>
#include <pthread.h>
#include <time.h>

static char msg[] = "abc";
static char exe[] = "/proc/self/exe";
static struct timespec rqt = { 100000, 0 };

static void
child(void)
{
	/* The tracer stops us at entry and exit of this write. */
	(void)syscall(SYS_write, 77, msg, 3);
	(void)syscall(SYS_getppid);
	_exit(0);
}

static void *
poller(void *arg)
{
	for (;;)
		syscall(SYS_poll, NULL, 0, 100000000);
	return (arg);
}

static void
sleeper(void)
{
	pthread_t t;

	pthread_create(&t, NULL, poller, NULL);
	for (;;)
		syscall(SYS_nanosleep, &rqt, NULL);
}

static volatile sig_atomic_t handled;

static void
on_usr1(int sig)
{
	(void)sig;
	handled++;
}

static void
handler(void)
{
	signal(SIGUSR1, on_usr1);
	raise(SIGUSR1);
	(void)syscall(SYS_getppid);
	_exit(handled);
}

/* Execs this program again, as a peer child with no function: it exits 92. */
static void
execer(void)
{
	execl(exe, exe, "--tap-child", "none", "-1", "run", (char *)NULL);
	_exit(93);
}

/* Whether thread `tid` of `pid` sleeps in syscall `nr` (its syscall file). */
static int
sleeps_in(pid_t pid, pid_t tid, long nr)
{
	char path[64], buf[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", (int)pid, (int)tid);
	if ((f = fopen(path, "r")) == NULL)
		return (0);
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	return (atol(buf) == nr && buf[0] != 'r');
}

/*
 * Whether both threads of `pid` sleep: the main one in `main_nr`, the
 * other in `other_nr`.
 */
static int
both_asleep(pid_t pid, long main_nr, long other_nr)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int n = 0, ok = 1;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if ((dir = opendir(path)) == NULL)
		return (0);
	while ((d = readdir(dir)) != NULL) {
		pid_t tid = atoi(d->d_name);

		if (tid <= 0)
			continue;
		n++;
		ok &= sleeps_in(pid, tid, tid == pid ? main_nr : other_nr);
	}
	closedir(dir);
	return (ok && n == 2);
}

/*
 * The syscall each thread sleeps in, at every stop (FreeBSD's td_sa,
 * ptrace__syscall_args_anywhere): when PT_ATTACH stops them, and when the
 * debugger, away from the library while they sleep on, stops them again
 * with kill(SIGSTOP), twice. Linux re-enters an interrupted nanosleep or
 * poll as restart_syscall; FreeBSD's threads sleep on in the calls
 * themselves, and so do ours as the debugger sees them.
 */
static void
syscall_args_anywhere(void)
{
	struct ptrace_lwpinfo pl;
	register_t args[8];
	lwpid_t lwps[4];
	pid_t pid;
	int status, round, n, i, main_ok, poll_ok;

	pid = fork_run(sleeper);
	while (!both_asleep(pid, TSYS(nanosleep), TSYS(poll)))
		usleep(1000);
	for (round = 0; round < 3; round++) {
		const char *how = round == 0 ? "PT_ATTACH" : "kill(SIGSTOP)";

		if (round == 0) {
			WORKS(ptrace(PT_ATTACH, pid, NULL, 0), "PT_ATTACH to threads in nanosleep and poll");
		} else {
			/* Continued: the tracer sleeps until they do. */
			WORKS(ptrace(PT_CONTINUE, pid, (caddr_t)1, 0), "PT_CONTINUE");
			while (!both_asleep(pid, TSYS(restart_syscall), TSYS(restart_syscall)))
				usleep(1000);
			WORKS(kill(pid, SIGSTOP), "kill(SIGSTOP) while they sleep again");
		}
		status = wait_for(pid);
		OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP, "%s: stopped", how);
		memset(&pl, 0, sizeof(pl));
		WORKS(ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof(pl)), "PT_LWPINFO");
		OK((pl.pl_flags & (PL_FLAG_SCE | PL_FLAG_SCX)) == 0, "not a syscall stop");
		n = ptrace(PT_GETLWPLIST, pid, (caddr_t)lwps, 4);
		main_ok = poll_ok = 0;
		if (TAP_WRAP32_UNSAFE && round > 0) {
			/*
			 * The i686 library leaves a 64-bit program's interrupted
			 * calls to Linux and keeps no record of them: the
			 * restart shows (docs/deviations.md).
			 */
			for (i = 0; i < n; i++)
				if (ptrace(PT_LWPINFO, lwps[i], (caddr_t)&pl, sizeof(pl)) == 0 &&
				    pl.pl_syscall_code == (u_int)TSYS(restart_syscall))
					main_ok++;
			OK(n == 2 && main_ok == 2, "%s: a 32-bit debugger sees restart_syscall", how);
			continue;
		}
		for (i = 0; i < n; i++) {
			memset(&pl, 0, sizeof(pl));
			if (ptrace(PT_LWPINFO, lwps[i], (caddr_t)&pl, sizeof(pl)) == -1)
				continue;
			if (pl.pl_syscall_code == (u_int)TSYS(nanosleep) && pl.pl_syscall_narg == 2)
				main_ok++;
			else if (pl.pl_syscall_code == (u_int)TSYS(poll) && pl.pl_syscall_narg == 3)
				poll_ok++;
			else
				printf("# LWP %d: code %u, %u args\n", (int)lwps[i], pl.pl_syscall_code,
				    pl.pl_syscall_narg);
			if (TAP_WRAP32_UNSAFE)
				continue;
			memset(args, 0xff, sizeof(args));
			if (ptrace(PT_GET_SC_ARGS, lwps[i], (caddr_t)args, sizeof(args)) == -1 ||
			    (pl.pl_syscall_code == (u_int)TSYS(nanosleep) &&
			    !(args[0] == (register_t)T(rqt) && args[1] == 0 && args[2] == 0)) ||
			    (pl.pl_syscall_code == (u_int)TSYS(poll) &&
			    !(args[0] == 0 && args[1] == 0 && args[2] == 100000000 && args[3] == 0)))
				main_ok = poll_ok = -9;
		}
		OK(n == 2 && main_ok == 1 && poll_ok == 1,
		    "%s: PT_LWPINFO says SYS_nanosleep and SYS_poll, with their arguments", how);
	}
	WORKS(ptrace(PT_DETACH, pid, (caddr_t)1, 0), "PT_DETACH");
	kill(pid, SIGKILL);
	status = wait_for(pid);
	OK(WIFSIGNALED(status), "reaped");
}

static void
rt_sigreturn_exit(void)
{
	struct ptrace_lwpinfo pl;
	int status, sig, scx = 0;

	pid_t pid = fork_traceme(handler);
	status = wait_for(pid);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP, "first stop");
	WORKS(ptrace(PT_CONTINUE, pid, (caddr_t)1, 0), "PT_CONTINUE");
	status = wait_for(pid);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGUSR1, "SIGUSR1 stop");
	sig = SIGUSR1;
	for (int i = 0; i < 100; i++) {
		if (ptrace(PT_TO_SCX, pid, (caddr_t)1, sig) == -1)
			break;
		sig = 0;
		status = wait_for(pid);
		if (!WIFSTOPPED(status) ||
		    ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof(pl)) == -1)
			break;
		if (pl.pl_syscall_code == (u_int)TSYS(rt_sigreturn) && (pl.pl_flags & PL_FLAG_SCX))
			scx++;
		if (pl.pl_syscall_code == (u_int)TSYS(getppid))
			break;
	}
	OK(scx == 1, "rt_sigreturn's exit stop says SYS_rt_sigreturn (%d)", scx);
	status = PTRACE_EXEC;
	WORKS(ptrace(PT_SET_EVENT_MASK, pid, (caddr_t)&status, sizeof(status)), "mask back");
	WORKS(ptrace(PT_CONTINUE, pid, (caddr_t)1, 0), "PT_CONTINUE");
	status = wait_for(pid);
	OK(WIFEXITED(status) && WEXITSTATUS(status) == 1, "the handler ran once (status %#x)", status);
}

/* Continue with `req` until a stop with `flag` for syscall `nr`. */
static int
run_to(pid_t pid, int req, int flag, long nr, struct ptrace_lwpinfo *pl)
{
	int status;

	for (int i = 0; i < 1000; i++) {
		if (ptrace(req, pid, (caddr_t)1, 0) == -1)
			return (-1);
		status = wait_for(pid);
		if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGTRAP)
			return (-1);
		if (ptrace(PT_LWPINFO, pid, (caddr_t)pl, sizeof(*pl)) == -1)
			return (-1);
		if ((pl->pl_flags & flag) && pl->pl_syscall_code == (unsigned)nr)
			return (0);
	}
	return (-1);
}

/*
 * The exec stop (PL_FLAG_EXEC | PL_FLAG_SCX) after a stop at execve's
 * entry: FreeBSD's execve returns EJUSTRETURN, and td_sa still holds its
 * arguments.
 */
static void
exec_stop(void)
{
	struct ptrace_lwpinfo pl;
	struct ptrace_sc_ret sr;
	register_t args[8], entry[8];
	pid_t pid;
	int status;

	pid = fork_traceme(execer);
	status = wait_for(pid);
	OK(WIFSTOPPED(status), "execer stopped");
	OK(run_to(pid, PT_TO_SCE, PL_FLAG_SCE, TSYS(execve), &pl) == 0, "PT_TO_SCE reaches execve's entry");
	memset(entry, 0, sizeof(entry));
	if (!TAP_WRAP32_UNSAFE) {
		WORKS(ptrace(PT_GET_SC_ARGS, pid, (caddr_t)entry, sizeof(entry)), "PT_GET_SC_ARGS at execve's entry");
		OK(entry[0] == (register_t)T(exe) && entry[1] != 0 && entry[2] != 0, "execve's path, argv, envp");
	}
	WORKS(ptrace(PT_TO_SCX, pid, (caddr_t)1, 0), "PT_TO_SCX");
	status = wait_for(pid);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGTRAP, "the exec stop (status %#x)", status);
	memset(&pl, 0, sizeof(pl));
	WORKS(ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof(pl)), "PT_LWPINFO");
	OK(pl.pl_flags == (PL_FLAG_EXEC | PL_FLAG_SCX) && pl.pl_syscall_code == (u_int)TSYS(execve) &&
	    pl.pl_syscall_narg == 3, "EXEC|SCX (%#x), execve's code and narg (%u, %u)", pl.pl_flags,
	    pl.pl_syscall_code, pl.pl_syscall_narg);
	memset(args, 0xff, sizeof(args));
	memset(&sr, 0xff, sizeof(sr));
	if (TAP_WRAP32_UNSAFE) {
		FAILS(ptrace(PT_GET_SC_ARGS, pid, (caddr_t)args, sizeof(args)), EINVAL,
		    "PT_GET_SC_ARGS of a 64-bit process from a 32-bit debugger: EINVAL");
		FAILS(ptrace(PT_GET_SC_RET, pid, (caddr_t)&sr, sizeof(sr)), EINVAL,
		    "PT_GET_SC_RET of a 64-bit process from a 32-bit debugger: EINVAL");
	} else {
		WORKS(ptrace(PT_GET_SC_ARGS, pid, (caddr_t)args, sizeof(args)), "PT_GET_SC_ARGS at the exec stop");
		OK(args[0] == entry[0] && args[1] == entry[1] && args[2] == entry[2] && args[3] == 0,
		    "execve's arguments, as at its entry, then zeros");
		WORKS(ptrace(PT_GET_SC_RET, pid, (caddr_t)&sr, sizeof(sr)), "PT_GET_SC_RET at the exec stop");
		OK(sr.sr_error == EJUSTRETURN && sr.sr_retval[0] == 0 && sr.sr_retval[1] == 0,
		    "sr_error EJUSTRETURN (%d), no return values", sr.sr_error);
	}
	status = PTRACE_EXEC;
	WORKS(ptrace(PT_SET_EVENT_MASK, pid, (caddr_t)&status, sizeof(status)), "mask back to PTRACE_EXEC");
	WORKS(ptrace(PT_CONTINUE, pid, (caddr_t)1, 0), "PT_CONTINUE");
	status = wait_for(pid);
	OK(WIFEXITED(status) && WEXITSTATUS(status) == 92, "the new image exited 92 (status %#x)", status);
}

int
main(int argc, char **argv)
{
	struct ptrace_lwpinfo pl;
	struct ptrace_sc_ret sr;
	struct reg r;
	register_t args[8];
	pid_t pid;
	int status;

	setvbuf(stdout, NULL, _IOLBF, 0);
	TAP_INIT(argc, argv);
	tap_start(20);
	pid = fork_traceme(child);
	status = wait_for(pid);
	OK(WIFSTOPPED(status), "child stopped");
	/* The stop came as raise()'s tgkill(2) returned: FreeBSD's td_sa
	 * still describes that call, so its arguments are there. */
	memset(args, 0xff, sizeof(args));
	if (TAP_WRAP32_UNSAFE) {
		FAILS(ptrace(PT_GET_SC_ARGS, pid, (caddr_t)args, sizeof(args)), EINVAL,
		    "PT_GET_SC_ARGS of a 64-bit process from a 32-bit debugger: EINVAL");
	} else {
		WORKS(ptrace(PT_GET_SC_ARGS, pid, (caddr_t)args, sizeof(args)),
		    "PT_GET_SC_ARGS at raise()'s signal stop");
		OK(args[0] == pid && args[1] == pid && args[2] == SIGSTOP && args[3] == 0,
		    "tgkill's arguments, then zeros");
	}
	FAILS(ptrace(PT_GET_SC_RET, pid, (caddr_t)&sr, sizeof(sr)), EINVAL,
	    "PT_GET_SC_RET at a signal stop: EINVAL");

	OK(run_to(pid, PT_TO_SCE, PL_FLAG_SCE, TSYS(write), &pl) == 0, "PT_TO_SCE reaches write's entry");
	OK((pl.pl_flags & (PL_FLAG_SCE | PL_FLAG_SCX)) == PL_FLAG_SCE, "PL_FLAG_SCE alone");
	OK(pl.pl_syscall_narg == 3, "pl_syscall_narg 3 (%u)", pl.pl_syscall_narg);
	memset(args, 0xff, sizeof(args));
	if (TAP_WRAP32_UNSAFE) {
		FAILS(ptrace(PT_GET_SC_ARGS, pid, (caddr_t)args, sizeof(args)), EINVAL,
		    "PT_GET_SC_ARGS at a 64-bit process's entry: EINVAL");
	} else {
		WORKS(ptrace(PT_GET_SC_ARGS, pid, (caddr_t)args, sizeof(args)), "PT_GET_SC_ARGS");
		OK(args[0] == 77 && args[1] == (register_t)T(msg) && args[2] == 3 && args[3] == 0,
		    "arguments 77, msg, 3, then zeros");
		memset(args, 0xff, sizeof(args));
		WORKS(ptrace(PT_GET_SC_ARGS, pid, (caddr_t)args, sizeof(register_t)),
		    "PT_GET_SC_ARGS with room for one");
		OK(args[0] == 77 && args[1] == -1, "copied min(data, sizeof) bytes");
	}
	WORKS(ptrace(PT_GETREGS, pid, (caddr_t)&r, 0), "PT_GETREGS at entry");
	OK(R_AX(r) == TSYS(write), "the syscall number is in the ax register at entry (%ld)",
	    (long)R_AX(r));

	OK(run_to(pid, PT_TO_SCX, PL_FLAG_SCX, TSYS(write), &pl) == 0, "PT_TO_SCX reaches write's exit");
	memset(&sr, 0xff, sizeof(sr));
	if (TAP_WRAP32_UNSAFE) {
		FAILS(ptrace(PT_GET_SC_RET, pid, (caddr_t)&sr, sizeof(sr)), EINVAL,
		    "PT_GET_SC_RET of a 64-bit process from a 32-bit debugger: EINVAL");
	} else {
		WORKS(ptrace(PT_GET_SC_RET, pid, (caddr_t)&sr, sizeof(sr)), "PT_GET_SC_RET");
		OK(sr.sr_error == EBADF, "sr_error EBADF (%d)", sr.sr_error);
		memset(&sr, 0xee, sizeof(sr));
		WORKS(ptrace(PT_GET_SC_RET, pid, (caddr_t)&sr, 4), "PT_GET_SC_RET with a short buffer");
		OK(((unsigned char *)&sr)[4] == 0xee, "copied only 4 bytes");
	}
	WORKS(ptrace(PT_GETREGS, pid, (caddr_t)&r, 0), "PT_GETREGS at exit");
	OK((R_FLAGS(r) & 1) && R_AX(r) == EBADF, "carry set, the ax register the errno");

	OK(run_to(pid, PT_SYSCALL, PL_FLAG_SCX, TSYS(getppid), &pl) == 0, "PT_SYSCALL reaches getppid's exit");
	if (!TAP_WRAP32_UNSAFE) {
		WORKS(ptrace(PT_GET_SC_RET, pid, (caddr_t)&sr, sizeof(sr)), "PT_GET_SC_RET for getppid");
		OK(sr.sr_error == 0 && sr.sr_retval[0] == getpid(), "getppid returned our pid");
	}

	/* Clear the syscall bits again and let it finish. */
	status = PTRACE_EXEC;
	WORKS(ptrace(PT_SET_EVENT_MASK, pid, (caddr_t)&status, sizeof(status)), "mask back to PTRACE_EXEC");
	WORKS(ptrace(PT_CONTINUE, pid, (caddr_t)1, 0), "PT_CONTINUE");
	status = wait_for(pid);
	OK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child exited 0 (status %#x)", status);

	syscall_args_anywhere();
	rt_sigreturn_exit();
	exec_stop();
	return (tap_done());
}
