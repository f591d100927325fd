/*
 * PT_FOLLOW_FORK: the parent's FORKED stop and the new child's CHILD stop
 * are both collected (in either order), then both exits; at the FORKED
 * stop (FreeBSD's syscall exit) the registers hold fork's result.  The wait family:
 * waitid with WTRAPPED (CLD_TRAPPED), WNOWAIT, WEXITED, P_PGID; wait4 and
 * wait3 with rusage (zero for stops, the kernel's for exits); job-control stops of untraced children with
 * WUNTRACED only; WNOHANG.
 *
 * In every combination of 32- and 64-bit tracer and tracee (tap.h).
 */
#define TAP_CHILDREN(X) X(forker)
#include "tap.h"

#include <sys/resource.h>
#include <machine/reg.h>

static void
forker(void)
{
	pid_t c = fork();
	int status;

	if (c == 0)
		_exit(21);
	waitpid(c, &status, 0);
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) + 1 : 1);
}

int
main(int argc, char **argv)
{
	struct ptrace_lwpinfo pl;
	struct rusage ru;
	struct reg r;
	siginfo_t si;
	pid_t pid, child = 0, w;
	int status, i, saw_parent = 0, saw_child = 0, gate[2];
	char c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	TAP_INIT(argc, argv);
	tap_start(22);
	pid = fork_traceme(forker);

	/* waitid with FreeBSD's WTRAPPED: CLD_TRAPPED and the stop signal. */
	memset(&si, 0, sizeof(si));
	WORKS(waitid(P_PID, pid, &si, WTRAPPED | WNOWAIT), "waitid(P_PID, WTRAPPED|WNOWAIT)");
	OK(si.si_signo == SIGCHLD && si.si_code == CLD_TRAPPED && si.si_pid == pid &&
	    si.si_status == SIGSTOP, "CLD_TRAPPED, si_status SIGSTOP (code %d status %d)",
	    si.si_code, si.si_status);
	memset(&si, 0, sizeof(si));
	WORKS(waitid(P_ALL, 0, &si, WEXITED | WTRAPPED), "waitid again after WNOWAIT");
	OK(si.si_code == CLD_TRAPPED && si.si_pid == pid, "the same stop, reported again");
	memset(&si, 0xff, sizeof(si));
	WORKS(waitid(P_ALL, 0, &si, WEXITED | WTRAPPED | WNOHANG), "waitid WNOHANG with nothing");
	OK(si.si_pid == 0, "si_pid 0 when nothing was reported");
	OK(waitpid(pid, &status, WNOHANG) == 0, "waitpid WNOHANG: 0");

	WORKS(ptrace(PT_FOLLOW_FORK, pid, NULL, 1), "PT_FOLLOW_FORK");
	WORKS(ptrace(PT_CONTINUE, pid, (caddr_t)1, 0), "PT_CONTINUE");
	for (i = 0; i < 2; i++) {
		w = wait4(-1, &status, 0, &ru);
		if (w <= 0 || !WIFSTOPPED(status))
			break;
		memset(&pl, 0, sizeof(pl));
		if (ptrace(PT_LWPINFO, w, (caddr_t)&pl, sizeof(pl)) == -1)
			break;
		if (w == pid && (pl.pl_flags & PL_FLAG_FORKED)) {
			saw_parent = 1;
			child = pl.pl_child_pid;
			OK(WSTOPSIG(status) == SIGTRAP && (pl.pl_flags & PL_FLAG_SCX),
			    "parent: SIGTRAP with FORKED|SCX");
			if (!TAP_WRAP32_UNSAFE) {
				memset(&r, 0, sizeof(r));
				OK(ptrace(PT_GETREGS, pid, (caddr_t)&r, 0) == 0 &&
				    R_AX(r) == child && !(R_FLAGS(r) & 1),
				    "parent: the ax register is the child's pid, carry clear (%ld)",
				    (long)R_AX(r));
			}
		} else if (pl.pl_flags & PL_FLAG_CHILD) {
			saw_child = w;
			OK(WSTOPSIG(status) == SIGSTOP, "child: SIGSTOP with CHILD");
		}
	}
	OK(saw_parent && saw_child && child == saw_child, "both stops collected (child %d)", (int)child);
	OK(ru.ru_utime.tv_sec == 0 && ru.ru_maxrss == 0, "rusage of a stop is zeroed");
	WORKS(ptrace(PT_CONTINUE, child, (caddr_t)1, 0), "continue the child");
	WORKS(ptrace(PT_CONTINUE, pid, (caddr_t)1, 0), "continue the parent");
	memset(&si, 0, sizeof(si));
	WORKS(waitid(P_PID, child, &si, WEXITED), "waitid(P_PID child, WEXITED)");
	OK(si.si_code == CLD_EXITED && si.si_status == 21, "the grandchild exited 21 for us first");
	status = 0;
	memset(&ru, 0, sizeof(ru));
	w = wait3(&status, 0, &ru);
	OK(w == pid && WIFEXITED(status) && WEXITSTATUS(status) == 22,
	    "wait3: the forker saw its child's exit (status %#x)", status);
	OK(ru.ru_maxrss > 0, "wait3: a traced process's exit carries its rusage (maxrss %ld KiB)",
	    (long)ru.ru_maxrss);

	/* Untraced children pass through: job-control stop only with WUNTRACED. */
	if (pipe(gate) == -1)
		return (2);
	pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		raise(SIGSTOP);
		/* Live on until the parent saw the continue (a zombie has none). */
		_exit(read(gate[0], &c, 1) == 1 ? 9 : 8);
	}
	setpgid(pid, pid);
	memset(&si, 0, sizeof(si));
	WORKS(waitid(P_PGID, pid, &si, WSTOPPED), "waitid(P_PGID, WSTOPPED) on an untraced child");
	OK(si.si_code == CLD_STOPPED && si.si_status == SIGSTOP, "CLD_STOPPED SIGSTOP");
	kill(pid, SIGCONT);
	memset(&si, 0, sizeof(si));
	WORKS(waitid(P_PID, pid, &si, WCONTINUED), "waitid WCONTINUED");
	OK(si.si_code == CLD_CONTINUED, "CLD_CONTINUED");
	write(gate[1], "x", 1);
	status = wait_for(pid);
	OK(WIFEXITED(status) && WEXITSTATUS(status) == 9, "exit 9 passes through");
	pid = fork();
	if (pid == 0) {
		raise(SIGSTOP);
		_exit(4);
	}
	OK(waitpid(pid, &status, WUNTRACED) == pid && WIFSTOPPED(status), "waitpid WUNTRACED sees the stop");
	kill(pid, SIGCONT);
	memset(&ru, 0, sizeof(ru));
	OK(wait4(pid, &status, 0, &ru) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 4,
	    "without WUNTRACED only the exit (status %#x)", status);
	OK(ru.ru_maxrss > 0, "wait4: an untraced child's exit carries its rusage");
	return (tap_done());
}
