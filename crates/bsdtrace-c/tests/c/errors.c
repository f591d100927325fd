/*
 * FreeBSD's errors, in FreeBSD's order: ESRCH for a process that does not
 * exist, EPERM for one we do not trace, EBUSY for one traced by another
 * process or not stopped, EINVAL for bad signals and unknown requests (only
 * once the permission checks pass), EFAULT for bad pointers (never a
 * crash), ECHILD from the wait family.
 *
 * In every combination of 32- and 64-bit tracer and tracee (tap.h): the
 * register sets of PT_GETREGSET are the target's (a 32-bit process's
 * NT_PRSTATUS is a prstatus32_t whoever asks), as on FreeBSD.
 */
#define TAP_CHILDREN(X) X(spin)
#include "tap.h"

#include <machine/reg.h>
#include <sys/uio.h>
#include <elf.h>

static void
spin(void)
{
	for (;;)
		pause();
}

/* A child that just runs, untraced. */
static pid_t
fork_plain(void)
{
	return (fork_run(spin));
}

int
main(int argc, char **argv)
{
	struct reg r;
	struct ptrace_lwpinfo pl;
	int status, p[2];
	pid_t plain, traced, other, tracer, gone;
	char c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	TAP_INIT(argc, argv);
	tap_start(20);

	/* ESRCH: no such process (a reaped child's pid). */
	gone = fork();
	if (gone == 0)
		_exit(0);
	waitpid(gone, &status, 0);
	FAILS(ptrace(PT_GETREGS, gone, (caddr_t)&r, 0), ESRCH, "PT_GETREGS on a dead pid: ESRCH");
	FAILS(ptrace(PT_ATTACH, gone, NULL, 0), ESRCH, "PT_ATTACH on a dead pid: ESRCH");
	FAILS(ptrace(PT_LWPINFO, gone + BSDTRACE_LWPID_BASE, (caddr_t)&pl, sizeof(pl)), ESRCH,
	    "PT_LWPINFO on a dead LWP id: ESRCH");
	FAILS(ptrace(PT_CONTINUE, -5, (caddr_t)1, 0), ESRCH, "negative pid: ESRCH");

	/* EPERM: not traced. */
	plain = fork_plain();
	FAILS(ptrace(PT_GETREGS, plain, (caddr_t)&r, 0), EPERM, "PT_GETREGS untraced: EPERM");
	FAILS(ptrace(PT_CONTINUE, plain, (caddr_t)1, 0), EPERM, "PT_CONTINUE untraced: EPERM");
	FAILS(ptrace(PT_DETACH, plain, (caddr_t)1, 0), EPERM, "PT_DETACH untraced: EPERM");
	FAILS(ptrace(PT_KILL, plain, NULL, 0), EPERM, "PT_KILL untraced: EPERM");
	FAILS(ptrace(1000, plain, NULL, 0), EPERM, "unknown request untraced: EPERM, not EINVAL");
	FAILS(ptrace(PT_GETREGSET, plain, NULL, 1), EFAULT, "PT_GETREGSET NULL iovec: EFAULT before the lookup");
	{
		struct iovec iov = { NULL, 0 };
		FAILS(ptrace(PT_GETREGSET, plain, (caddr_t)&iov, 1), EPERM, "PT_GETREGSET untraced: EPERM");
	}
	FAILS(ptrace(PT_COREDUMP, plain, NULL, 3), EINVAL, "PT_COREDUMP bad size: EINVAL before the lookup");
	FAILS(ptrace(150, plain, NULL, 0), EINVAL, "kernel-internal request range: EINVAL");

	/* EINVAL: attach to ourselves. */
	FAILS(ptrace(PT_ATTACH, getpid(), NULL, 0), EINVAL, "PT_ATTACH self: EINVAL");

	/* EBUSY: not stopped. */
	WORKS(ptrace(PT_ATTACH, plain, NULL, 0), "PT_ATTACH");
	FAILS(ptrace(PT_GETREGS, plain, (caddr_t)&r, 0), EBUSY, "PT_GETREGS before waitpid: EBUSY");
	FAILS(ptrace(PT_ATTACH, plain, NULL, 0), EBUSY, "PT_ATTACH twice: EBUSY");
	status = wait_for(plain);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP, "attach stop is SIGSTOP");
	memset(&pl, 0, sizeof(pl));
	WORKS(ptrace(PT_LWPINFO, plain, (caddr_t)&pl, sizeof(pl)), "PT_LWPINFO after the attach");
	OK((pl.pl_flags & PL_FLAG_SI) && pl.pl_siginfo.si_signo == SIGSTOP, "attach stop has SIGSTOP siginfo");
	FAILS(ptrace(1000, plain, NULL, 0), EINVAL, "unknown request, traced and stopped: EINVAL");
	FAILS(ptrace(PT_COREDUMP, plain, NULL, 16), EFAULT, "PT_COREDUMP NULL struct: EFAULT");
	{
		struct iovec iov = { NULL, 0 };
		WORKS(ptrace(PT_GETREGSET, plain, (caddr_t)&iov, NT_PRSTATUS), "PT_GETREGSET size query");
		OK(iov.iov_len == (TAP_TRACEE32 ? 104 : 224),
		    "NT_PRSTATUS is the target's prstatus_t (%zu bytes)", (size_t)iov.iov_len);
		FAILS(ptrace(PT_GETREGSET, plain, (caddr_t)&iov, 8), EINVAL, "PT_GETREGSET NT_PROCSTAT_PROC (a core note only): EINVAL");
		/* An int, then the target's struct ptrace_lwpinfo right after it
		 * (unaligned, as FreeBSD's kernel lays the note out): 428 bytes
		 * for a 32-bit process, pl_siginfo at 268; 432 and 272 for a
		 * 64-bit one. */
		size_t lwsz = TAP_TRACEE32 ? 428 : 432, sioff = TAP_TRACEE32 ? 268 : 272;
		char lwbuf[sizeof(int) + 432];
		int structsize, lwpid, event, signo;
		memset(lwbuf, 0, sizeof(lwbuf));
		iov.iov_base = lwbuf;
		iov.iov_len = sizeof(int) + lwsz;
		WORKS(ptrace(PT_GETREGSET, plain, (caddr_t)&iov, NT_PTLWPINFO), "PT_GETREGSET NT_PTLWPINFO");
		memcpy(&structsize, lwbuf, sizeof(int));
		memcpy(&lwpid, lwbuf + sizeof(int), sizeof(int));
		memcpy(&event, lwbuf + sizeof(int) + 4, sizeof(int));
		memcpy(&signo, lwbuf + sizeof(int) + sioff, sizeof(int));
		OK(structsize == (int)lwsz && lwpid == pl.pl_lwpid &&
		    event == PL_EVENT_SIGNAL && signo == SIGSTOP,
		    "NT_PTLWPINFO: structsize, the C ABI's lwpid, the SIGSTOP siginfo");
	}
	FAILS(ptrace(PT_SC_REMOTE, plain, NULL, sizeof(struct ptrace_sc_remote)), EFAULT,
	    "PT_SC_REMOTE NULL struct: EFAULT");
	FAILS(ptrace(PT_STEP, plain, (caddr_t)1, 200), EINVAL, "PT_STEP signal 200: EINVAL");
	FAILS(ptrace(PT_DETACH, plain, (caddr_t)1, 129), EINVAL, "PT_DETACH signal 129: EINVAL");
	FAILS(ptrace(PT_GETFPREGS, plain, (caddr_t)4, 0), EFAULT, "PT_GETFPREGS to a bad pointer: EFAULT");
	FAILS(ptrace(PT_GETLWPLIST, plain, (caddr_t)4, 2), EFAULT, "PT_GETLWPLIST to a bad pointer: EFAULT");
	FAILS(ptrace(PT_GET_EVENT_MASK, plain, (caddr_t)4, 4), EFAULT, "PT_GET_EVENT_MASK to a bad pointer: EFAULT");
	FAILS(ptrace(PT_SET_EVENT_MASK, plain, (caddr_t)4, 4), EFAULT, "PT_SET_EVENT_MASK from a bad pointer: EFAULT");
	FAILS(ptrace(PT_VM_ENTRY, plain, (caddr_t)4, 0), EFAULT, "PT_VM_ENTRY bad pointer: EFAULT");
	FAILS(ptrace(PT_GETXSTATE_INFO, plain, (caddr_t)&r, 3), EINVAL, "PT_GETXSTATE_INFO bad size: EINVAL");
	WORKS(ptrace(PT_DETACH, plain, (caddr_t)1, 0), "PT_DETACH");
	FAILS(ptrace(PT_GETREGS, plain, (caddr_t)&r, 0), EPERM, "after PT_DETACH: EPERM");

	/* EBUSY: traced by another process. */
	if (pipe(p) == -1)
		return (2);
	other = fork_plain();
	tracer = fork();
	if (tracer == 0) {
		alarm(30);
		if (ptrace(PT_ATTACH, other, NULL, 0) == -1 || waitpid(other, &status, 0) != other)
			_exit(1);
		write(p[1], "x", 1);
		pause();
		_exit(0);
	}
	OK(read(p[0], &c, 1) == 1, "another process attached");
	FAILS(ptrace(PT_GETREGS, other, (caddr_t)&r, 0), EBUSY, "traced by another: EBUSY");
	FAILS(ptrace(PT_ATTACH, other, NULL, 0), EBUSY, "PT_ATTACH traced by another: EBUSY");
	kill(tracer, SIGKILL);
	OK(wait_for(tracer) != -1, "reaped the other tracer");
	kill(other, SIGKILL);
	kill(plain, SIGKILL);
	status = wait_for(other);
	OK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "untraced child's status passes through");
	status = wait_for(plain);
	OK(WIFSIGNALED(status), "detached child's exit reported");

	/* The wait family's own errors. */
	FAILS(waitpid(-1, &status, 0), ECHILD, "waitpid with no children: ECHILD");
	FAILS(waitpid(getpid(), &status, WNOHANG), ECHILD, "waitpid on a non-child: ECHILD");
	FAILS(waitpid(-1, &status, 0x100), EINVAL, "waitpid unknown option: EINVAL");
	FAILS(waitid(P_ALL, 0, NULL, WNOHANG), EINVAL, "waitid without WEXITED &c: EINVAL");
	gone = fork();
	if (gone == 0)
		_exit(3);
	FAILS(waitpid(gone, (int *)8, 0), EFAULT, "waitpid to a bad status pointer: EFAULT");

	/* PT_TRACE_ME when already traced. */
	traced = fork();
	if (traced == 0) {
		alarm(30);
		if (ptrace(PT_TRACE_ME, 0, NULL, 0) == -1)
			_exit(1);
		_exit(ptrace(PT_TRACE_ME, 0, NULL, 0) == -1 && errno == EBUSY ? 0 : 2);
	}
	status = wait_for(traced);
	OK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "PT_TRACE_ME twice: EBUSY (status %#x)", status);
	return (tap_done());
}
