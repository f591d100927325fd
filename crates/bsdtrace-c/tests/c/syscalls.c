/*
 * Syscall stops: PT_TO_SCE and PT_TO_SCX with PT_LWPINFO's PL_FLAG_SCE /
 * PL_FLAG_SCX and syscall code, PT_GET_SC_ARGS at entry, PT_GET_SC_RET at
 * exit (a failing write: sr_error EBADF), PT_SYSCALL, and the FreeBSD
 * register convention at syscall stops.  The syscall a thread sleeps in
 * when PT_ATTACH stops it (FreeBSD's ptrace__syscall_args_anywhere), and
 * rt_sigreturn's exit stop.
 *
 * In every combination of 32- and 64-bit tracer and tracee (tap.h): the
 * numbers are the traced program's ABI's (i386's for a 32-bit one), and
 * a 32-bit tracer of a 64-bit process gets EINVAL from PT_GET_SC_ARGS
 * and PT_GET_SC_RET, and may not write its registers, as on FreeBSD.
 */
#define TAP_CHILDREN(X) X(child) X(sleeper) X(handler)
#define TAP_SYMBOLS(X) X(msg) X(rqt)
#include "tap.h"

#include <sys/syscall.h>
#include <machine/reg.h>
#include <time.h>

static char msg[] = "abc";
static struct timespec rqt = { 100000, 0 };

static void
child(void)
{
	/* The tracer stops us at entry and exit of this write. */
	(void)syscall(SYS_write, 77, msg, 3);
	(void)syscall(SYS_getppid);
	_exit(0);
}

static void
sleeper(void)
{
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

/* Whether thread `pid` sleeps in syscall `nr` (/proc/PID/syscall). */
static int
sleeps_in(pid_t pid, long nr)
{
	char path[64], buf[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (0);
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	return (atol(buf) == nr && buf[0] != 'r');
}

static void
syscall_args_anywhere(void)
{
	struct ptrace_lwpinfo pl;
	register_t args[8];
	pid_t pid;
	int status;

	pid = fork_run(sleeper);
	while (!sleeps_in(pid, TSYS(nanosleep)))
		usleep(1000);
	WORKS(ptrace(PT_ATTACH, pid, NULL, 0), "PT_ATTACH to a thread in nanosleep");
	status = wait_for(pid);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP, "attach stop");
	WORKS(ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof(pl)), "PT_LWPINFO");
	OK((pl.pl_flags & (PL_FLAG_SCE | PL_FLAG_SCX)) == 0, "not a syscall stop");
	OK(pl.pl_syscall_code == (u_int)TSYS(nanosleep) && pl.pl_syscall_narg == 2,
	    "pl_syscall_code SYS_nanosleep, 2 args (%u, %u)", pl.pl_syscall_code,
	    pl.pl_syscall_narg);
	memset(args, 0xff, sizeof(args));
	if (TAP_WRAP32_UNSAFE) {
		FAILS(ptrace(PT_GET_SC_ARGS, pid, (caddr_t)args, pl.pl_syscall_narg * sizeof(register_t)),
		    EINVAL, "PT_GET_SC_ARGS of a 64-bit process from a 32-bit debugger: EINVAL");
	} else {
		WORKS(ptrace(PT_GET_SC_ARGS, pid, (caddr_t)args, pl.pl_syscall_narg * sizeof(register_t)),
		    "PT_GET_SC_ARGS");
		OK(args[0] == (register_t)T(rqt) && args[1] == 0 && args[2] == -1,
		    "its arguments: &rqt, NULL");
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
	return (tap_done());
}
