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
 */
#define _WANT_KERNEL_ERRNO
#include <sys/errno.h>
#include "tap.h"

#include <sys/param.h>
#include <sys/syscall.h>
#include <stdint.h>

static char self[4096];

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
	pscr.pscr_syscall = SYS_getpid;
	WORKS(sc_remote(pid, &pscr), "PT_SC_REMOTE getpid at the PT_TRACE_ME stop");
	OK(pscr.pscr_ret.sr_error == 0 && pscr.pscr_ret.sr_retval[0] == pid,
	    "getpid() = the child (%ld, error %d)", (long)pscr.pscr_ret.sr_retval[0],
	    pscr.pscr_ret.sr_error);
	pscr.pscr_syscall = SYS_getppid;
	WORKS(sc_remote(pid, &pscr), "PT_SC_REMOTE getppid");
	OK(pscr.pscr_ret.sr_error == 0 && pscr.pscr_ret.sr_retval[0] == getpid(),
	    "getppid() = us");

	/* ptrace__PT_SC_REMOTE_syscall_validation, Linux's numbers. */
	pscr.pscr_syscall = SYS_MAXSYSCALL;
	WORKS(sc_remote(pid, &pscr), "PT_SC_REMOTE SYS_MAXSYSCALL");
	OK(pscr.pscr_ret.sr_error == ENOSYS, "ENOSYS (%d)", pscr.pscr_ret.sr_error);
	pscr.pscr_syscall = SYS_close;
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
	pscr.pscr_syscall = SYS_exit;
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

static void
remote_execve(void)
{
	static char arg1[] = "exit7";
	char *argv[] = { self, arg1, NULL };
	char *envp[] = { NULL };
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
	args[0] = (syscallarg_t)self;
	args[1] = (syscallarg_t)argv;
	args[2] = (syscallarg_t)envp;
	memset(&pscr, 0, sizeof(pscr));
	pscr.pscr_syscall = SYS_execve;
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
		execl(self, self, "exit7", (char *)NULL);
		_exit(91);
	}
	status = wait_for(pid);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGTRAP, "exec first stop");
	WORKS(ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof(pl)), "PT_LWPINFO");
	OK(pl.pl_flags & PL_FLAG_EXEC, "PL_FLAG_EXEC");
	memset(&pscr, 0, sizeof(pscr));
	pscr.pscr_syscall = SYS_getpid;
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
	OK(before.r_rip == (register_t)not_code, "the PC is in the data");
	memset(&pscr, 0, sizeof(pscr));
	pscr.pscr_syscall = SYS_getpid;
	WORKS(sc_remote(pid, &pscr), "PT_SC_REMOTE getpid with the PC in data");
	OK(pscr.pscr_ret.sr_error == 0 && pscr.pscr_ret.sr_retval[0] == pid, "getpid() = the child");
	WORKS(ptrace(PT_GETREGS, pid, (caddr_t)&after, 0), "PT_GETREGS");
	OK(memcmp(&before, &after, sizeof(before)) == 0, "registers put back");
	WORKS(ptrace(PT_KILL, pid, NULL, 0), "PT_KILL");
	status = wait_for(pid);
	OK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "killed (status %#x)", status);
}

int
main(int argc, char **argv)
{
	ssize_t n;

	if (argc > 1)
		return (strcmp(argv[1], "exit7") == 0 ? 7 : 2);
	tap_start(30);
	setvbuf(stdout, NULL, _IOLBF, 0);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	OK(n > 0 && n < (ssize_t)sizeof(self) - 1, "our own path");
	self[n > 0 ? n : 0] = '\0';
	getpid_and_getppid_at_the_first_stop();
	remote_exit();
	remote_execve();
	at_an_exec_stop();
	with_a_bad_pc();
	return (tap_done());
}
