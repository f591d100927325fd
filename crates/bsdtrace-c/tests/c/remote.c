/*
 * PT_SC_REMOTE the way FreeBSD's own tests use it (tests/sys/kern/
 * ptrace_test.c, ptrace__PT_SC_REMOTE_*): at a PT_TRACE_ME child's first
 * stop, getpid and getppid; SYS_MAXSYSCALL is ENOSYS; a remote exit(42)
 * answers 0, stops the process again, and its status comes with the next
 * continue; a remote execve answers EJUSTRETURN and stops the new image.
 * Also at an exec first stop, and with the PC in memory that cannot be
 * executed (a call through a bad function pointer).
 *
 * Run with an argument, it is the program the remote execve starts.
 *
 * In every combination of 32- and 64-bit tracer and tracee (tap.h): the
 * call's number is in the traced program's ABI (i386's for a 32-bit one,
 * made through int $0x80). A 32-bit tracer cannot make a 64-bit process's
 * calls (EINVAL: it cannot read that process's registers whole to put
 * them back, docs/deviations.md).
 */
#define TAP_CHILDREN(X) X(stop_forever) X(exit_66) X(bad_call) X(threads_then_stop)
#define TAP_SYMBOLS(X) X(not_code) X(scratch)
#define _WANT_KERNEL_ERRNO
#include <sys/errno.h>
#include "tap.h"

#include <sys/param.h>
#include <sys/syscall.h>
#include <pthread.h>
#include <stdint.h>

static char self[4096];
/* Where the tracer writes execve's path and vectors in the tracee. */
static char scratch[1024];

/* PT_SC_REMOTE, then the SIGSTOP the process reports again. */
static int
sc_remote(pid_t pid, struct ptrace_sc_remote *pscr)
{
	int status;

	if (ptrace(PT_SC_REMOTE, pid, (caddr_t)pscr, sizeof(*pscr)) == -1)
		return (-1);
	status = wait_for(pid);
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGSTOP) {
		printf("# after PT_SC_REMOTE: status %#x\n", status);
		return (-1);
	}
	return (0);
}

static void
stop_forever(void)
{
	for (;;)
		pause();
}

static void
exit_66(void)
{
	exit(66);
}

/* A call through a pointer into data that is not executable. */
static unsigned char not_code[64] = { 0xc3 };

static void
bad_call(void)
{
	void (*f)(void) = (void (*)(void))(uintptr_t)not_code;

	f();
}

static void
getpid_and_getppid_at_the_first_stop(void)
{
	struct ptrace_sc_remote pscr;
	syscallarg_t code = SYS_MAXSYSCALL;
	pid_t pid;
	int status;

	pid = fork_traceme(stop_forever);
	status = wait_for(pid);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP, "raise(SIGSTOP) stop");

	memset(&pscr, 0, sizeof(pscr));
	pscr.pscr_syscall = TSYS(getpid);
	WORKS(sc_remote(pid, &pscr), "PT_SC_REMOTE getpid at the PT_TRACE_ME stop");
	OK(pscr.pscr_ret.sr_error == 0 && pscr.pscr_ret.sr_retval[0] == pid,
	    "getpid() = the child (%ld, error %d)", (long)pscr.pscr_ret.sr_retval[0],
	    pscr.pscr_ret.sr_error);
	pscr.pscr_syscall = TSYS(getppid);
	WORKS(sc_remote(pid, &pscr), "PT_SC_REMOTE getppid");
	OK(pscr.pscr_ret.sr_error == 0 && pscr.pscr_ret.sr_retval[0] == getpid(),
	    "getppid() = us");

	/* ptrace__PT_SC_REMOTE_syscall_validation, Linux's numbers. */
	pscr.pscr_syscall = SYS_MAXSYSCALL;
	WORKS(sc_remote(pid, &pscr), "PT_SC_REMOTE SYS_MAXSYSCALL");
	OK(pscr.pscr_ret.sr_error == ENOSYS, "ENOSYS (%d)", pscr.pscr_ret.sr_error);
	pscr.pscr_syscall = TSYS(close);
	pscr.pscr_nargs = 1;
	pscr.pscr_args = &code;
	WORKS(sc_remote(pid, &pscr), "PT_SC_REMOTE close(512)");
	OK(pscr.pscr_ret.sr_error == EBADF, "EBADF (%d)", pscr.pscr_ret.sr_error);
	pscr.pscr_nargs = 9;
	FAILS(ptrace(PT_SC_REMOTE, pid, (caddr_t)&pscr, sizeof(pscr)), EINVAL,
	    "nine arguments: EINVAL");
	FAILS(ptrace(PT_SC_REMOTE, pid, (caddr_t)&pscr, sizeof(pscr) - 1), EINVAL,
	    "a short struct: EINVAL");
	WORKS(ptrace(PT_DETACH, pid, (caddr_t)1, 0), "PT_DETACH");
	kill(pid, SIGKILL);
	status = wait_for(pid);
	OK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "reaped");
}

static void
remote_exit(void)
{
	struct ptrace_sc_remote pscr;
	syscallarg_t args[1] = { 42 };
	pid_t pid;
	int status;

	pid = fork_traceme(exit_66);
	status = wait_for(pid);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP, "exit: first stop");
	memset(&pscr, 0, sizeof(pscr));
	pscr.pscr_syscall = TSYS(exit);
	pscr.pscr_nargs = 1;
	pscr.pscr_args = args;
	WORKS(ptrace(PT_SC_REMOTE, pid, (caddr_t)&pscr, sizeof(pscr)), "PT_SC_REMOTE exit(42)");
	OK(pscr.pscr_ret.sr_error == 0, "sr_error 0 (%d)", pscr.pscr_ret.sr_error);
	status = wait_for(pid);
	OK(WIFSTOPPED(status), "stopped again (status %#x)", status);
	WORKS(ptrace(PT_CONTINUE, pid, (caddr_t)1, SIGCONT), "PT_CONTINUE");
	status = wait_for(pid);
	OK(WIFEXITED(status) && WEXITSTATUS(status) == 42, "exit status 42 (status %#x)", status);
	FAILS(waitpid(pid, &status, WNOHANG), ECHILD, "reported once");
}

static void *
pausing(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return (NULL);
}

/* Four threads asleep, then a stop for the tracer. */
static void
threads_then_stop(void)
{
	pthread_t t;

	for (int i = 0; i < 4; i++)
		if (pthread_create(&t, NULL, pausing, NULL) != 0)
			_exit(95);
	raise(SIGSTOP);
	stop_forever();
}

/*
 * A remote exit_group of a multithreaded process: the other threads die at
 * once, but on FreeBSD the process's exit starts only when the debugger
 * continues it. Reported stopped again, it stays stopped for requests
 * while the tracer is away (asleep, the engine thread meeting the other
 * threads' deaths), and PT_CONTINUE takes it to its exit (it answered
 * ESRCH: fault suite long-form R1, seed 1000015).
 */
static void
remote_exit_group_with_threads(void)
{
	struct ptrace_sc_remote pscr;
	struct reg r;
	syscallarg_t args[1] = { 9 };
	pid_t pid;
	int status;

	pid = fork_traceme(threads_then_stop);
	status = wait_for(pid);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP, "exit_group: first stop");
	WORKS(ptrace(PT_CONTINUE, pid, (caddr_t)1, 0), "PT_CONTINUE to the threads' stop");
	status = wait_for(pid);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP, "stopped with its threads");
	memset(&pscr, 0, sizeof(pscr));
	pscr.pscr_syscall = TSYS(exit_group);
	pscr.pscr_nargs = 1;
	pscr.pscr_args = args;
	WORKS(ptrace(PT_SC_REMOTE, pid, (caddr_t)&pscr, sizeof(pscr)), "PT_SC_REMOTE exit_group(9)");
	OK(pscr.pscr_ret.sr_error == 0, "sr_error 0 (%d)", pscr.pscr_ret.sr_error);
	usleep(50000);
	status = wait_for(pid);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP, "stopped again (status %#x)", status);
	usleep(50000);
	WORKS(ptrace(PT_GETREGS, pid, (caddr_t)&r, 0), "PT_GETREGS after the other threads died");
	WORKS(ptrace(PT_CONTINUE, pid, (caddr_t)1, 0), "PT_CONTINUE to the exit");
	status = wait_for(pid);
	OK(WIFEXITED(status) && WEXITSTATUS(status) == 9, "exit status 9 (status %#x)", status);
	FAILS(waitpid(pid, &status, WNOHANG), ECHILD, "reported once");
}

/* The program a traced child runs: the peer, or ourselves. */
static const char *
traced_program(void)
{
	return (tap_peer != NULL ? tap_peer : self);
}

/* Write `len` bytes at `off` of the tracee's scratch buffer. */
static int
poke_scratch(pid_t pid, size_t off, const void *data, size_t len)
{
	struct ptrace_io_desc piod;

	piod.piod_op = PIOD_WRITE_D;
	piod.piod_offs = (char *)TP(scratch) + off;
	piod.piod_addr = (void *)data;
	piod.piod_len = len;
	return (ptrace(PT_IO, pid, (caddr_t)&piod, 0));
}

/* A pointer of the tracee's width, at `off` of its scratch buffer. */
static int
poke_pointer(pid_t pid, size_t off, uint64_t p)
{
	uint32_t p32 = (uint32_t)p;

	return (TAP_TRACEE32 ? poke_scratch(pid, off, &p32, 4) : poke_scratch(pid, off, &p, 8));
}

static void
remote_execve(void)
{
	static const char arg1[] = "exit7";
	struct ptrace_sc_remote pscr;
	syscallarg_t args[3];
	char comm[sizeof(self) + 64] = "";
	char path[64];
	FILE *f;
	pid_t pid;
	int status;

	pid = fork_traceme(exit_66);
	status = wait_for(pid);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP, "execve: first stop");
	/* The path, argv[1], argv[] and envp[] in the tracee, as a debugger
	 * would put them there: path at 0, "exit7" at 512, argv at 768,
	 * envp at 896. */
	OK(poke_scratch(pid, 0, traced_program(), strlen(traced_program()) + 1) == 0 &&
	    poke_scratch(pid, 512, arg1, sizeof(arg1)) == 0 &&
	    poke_pointer(pid, 768, T(scratch)) == 0 &&
	    poke_pointer(pid, 768 + (TAP_TRACEE32 ? 4 : 8), T(scratch) + 512) == 0 &&
	    poke_pointer(pid, 768 + (TAP_TRACEE32 ? 8 : 16), 0) == 0 &&
	    poke_pointer(pid, 896, 0) == 0, "execve's arguments written into the tracee");
	args[0] = (syscallarg_t)T(scratch);
	args[1] = (syscallarg_t)(T(scratch) + 768);
	args[2] = (syscallarg_t)(T(scratch) + 896);
	memset(&pscr, 0, sizeof(pscr));
	pscr.pscr_syscall = TSYS(execve);
	pscr.pscr_nargs = 3;
	pscr.pscr_args = args;
	WORKS(ptrace(PT_SC_REMOTE, pid, (caddr_t)&pscr, sizeof(pscr)), "PT_SC_REMOTE execve");
	OK(pscr.pscr_ret.sr_error == EJUSTRETURN, "sr_error EJUSTRETURN (%d)", pscr.pscr_ret.sr_error);
	status = wait_for(pid);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP, "stopped again (status %#x)", status);
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if ((f = fopen(path, "r")) != NULL) {
		size_t n = fread(comm, 1, sizeof(comm) - 1, f);

		fclose(f);
		comm[n] = '\0';
	}
	OK(strcmp(comm + strlen(comm) + 1, arg1) == 0, "the new image runs (argv[1] \"%s\")",
	    comm + strlen(comm) + 1);
	WORKS(ptrace(PT_DETACH, pid, (caddr_t)1, 0), "PT_DETACH");
	status = wait_for(pid);
	OK(WIFEXITED(status) && WEXITSTATUS(status) == 7, "the new image exits 7 (status %#x)", status);
}

static void
at_an_exec_stop(void)
{
	struct ptrace_sc_remote pscr;
	struct ptrace_lwpinfo pl;
	pid_t pid;
	int status;

	pid = fork();
	if (pid == 0) {
		if (ptrace(PT_TRACE_ME, 0, NULL, 0) == -1)
			_exit(90);
		execl(traced_program(), traced_program(), "exit7", (char *)NULL);
		_exit(91);
	}
	status = wait_for(pid);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGTRAP, "exec first stop");
	WORKS(ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof(pl)), "PT_LWPINFO");
	OK(pl.pl_flags & PL_FLAG_EXEC, "PL_FLAG_EXEC");
	memset(&pscr, 0, sizeof(pscr));
	pscr.pscr_syscall = TSYS(getpid);
	WORKS(sc_remote(pid, &pscr), "PT_SC_REMOTE getpid at the exec stop");
	OK(pscr.pscr_ret.sr_error == 0 && pscr.pscr_ret.sr_retval[0] == pid, "getpid() = the child");
	WORKS(ptrace(PT_CONTINUE, pid, (caddr_t)1, 0), "PT_CONTINUE");
	status = wait_for(pid);
	OK(WIFEXITED(status) && WEXITSTATUS(status) == 7, "exits 7 (status %#x)", status);
}

static void
with_a_bad_pc(void)
{
	struct ptrace_sc_remote pscr;
	struct reg before, after;
	pid_t pid;
	int status;

	pid = fork_traceme(bad_call);
	status = wait_for(pid);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP, "bad PC: first stop");
	WORKS(ptrace(PT_CONTINUE, pid, (caddr_t)1, 0), "PT_CONTINUE");
	status = wait_for(pid);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSEGV, "SIGSEGV stop (status %#x)", status);
	WORKS(ptrace(PT_GETREGS, pid, (caddr_t)&before, 0), "PT_GETREGS");
	OK(R_PC(before) == (register_t)T(not_code), "the PC is in the data");
	memset(&pscr, 0, sizeof(pscr));
	pscr.pscr_syscall = TSYS(getpid);
	WORKS(sc_remote(pid, &pscr), "PT_SC_REMOTE getpid with the PC in data");
	OK(pscr.pscr_ret.sr_error == 0 && pscr.pscr_ret.sr_retval[0] == pid, "getpid() = the child");
	WORKS(ptrace(PT_GETREGS, pid, (caddr_t)&after, 0), "PT_GETREGS");
	OK(memcmp(&before, &after, sizeof(before)) == 0, "registers put back");
	WORKS(ptrace(PT_KILL, pid, NULL, 0), "PT_KILL");
	status = wait_for(pid);
	OK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "killed (status %#x)", status);
}

/* A 32-bit tracer and a 64-bit process: no remote call (deviations.md). */
static void
refused_from_32_bits(void)
{
	struct ptrace_sc_remote pscr;
	pid_t pid;
	int status;

	pid = fork_traceme(stop_forever);
	status = wait_for(pid);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP, "raise(SIGSTOP) stop");
	memset(&pscr, 0, sizeof(pscr));
	pscr.pscr_syscall = TSYS(getpid);
	FAILS(ptrace(PT_SC_REMOTE, pid, (caddr_t)&pscr, sizeof(pscr)), EINVAL,
	    "PT_SC_REMOTE into a 64-bit process from a 32-bit debugger: EINVAL");
	pscr.pscr_nargs = 9;
	FAILS(ptrace(PT_SC_REMOTE, pid, (caddr_t)&pscr, sizeof(pscr)), EINVAL,
	    "nine arguments: EINVAL");
	WORKS(ptrace(PT_KILL, pid, NULL, 0), "PT_KILL");
	status = wait_for(pid);
	OK(WIFSIGNALED(status), "killed");
}

int
main(int argc, char **argv)
{
	ssize_t n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	TAP_INIT(argc, argv);
	if (argc > 1)
		return (strcmp(argv[1], "exit7") == 0 ? 7 : 2);
	tap_start(30);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	OK(n > 0 && n < (ssize_t)sizeof(self) - 1, "our own path");
	self[n > 0 ? n : 0] = '\0';
	if (TAP_WRAP32_UNSAFE) {
		refused_from_32_bits();
		return (tap_done());
	}
	getpid_and_getppid_at_the_first_stop();
	remote_exit();
	remote_exit_group_with_threads();
	remote_execve();
	at_an_exec_stop();
	with_a_bad_pc();
	return (tap_done());
}
