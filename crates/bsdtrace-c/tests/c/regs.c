/*
 * The register requests from C: PT_GETFPREGS/PT_SETFPREGS, PT_GETDBREGS/
 * PT_SETDBREGS (and FreeBSD's validation), the fs/gs base requests, the
 * XSAVE area, PT_STEP (TRAP_TRACE), PT_CONTINUE to a new PC, and
 * PT_DETACH with a signal.
 */
#include "tap.h"

#include <stdint.h>
#include <machine/reg.h>

#ifndef TRAP_TRACE
#define TRAP_TRACE 2	/* glibc hides it in some modes; Linux and FreeBSD agree */
#endif

static volatile int stepped;

__attribute__((noinline)) static void
landing(void)
{
	_exit(33);
}

static void
child(void)
{
	for (;;)
		stepped++;
}

static void
on_usr1(int sig)
{
	(void)sig;
	_exit(44);
}

static void
detach_child(void)
{
	for (;;)
		pause();
}

int
main(void)
{
	struct ptrace_lwpinfo pl;
	struct ptrace_xstate_info xi;
	struct fpreg fp, fp2;
	struct dbreg db;
	struct reg r;
	unsigned long base, base2;
	char *xs;
	pid_t pid;
	int status, ready[2];
	char c;

	tap_start(20);
	setvbuf(stdout, NULL, _IOLBF, 0);
	pid = fork_traceme(child);
	status = wait_for(pid);
	OK(WIFSTOPPED(status), "child stopped");

	/* FP registers */
	WORKS(ptrace(PT_GETFPREGS, pid, (caddr_t)&fp, 0), "PT_GETFPREGS");
	fp2 = fp;
	memset(fp2.fpr_xacc[5], 0x5a, 16);
	WORKS(ptrace(PT_SETFPREGS, pid, (caddr_t)&fp2, 0), "PT_SETFPREGS");
	memset(&fp2, 0, sizeof(fp2));
	WORKS(ptrace(PT_GETFPREGS, pid, (caddr_t)&fp2, 0), "PT_GETFPREGS again");
	OK(fp2.fpr_xacc[5][0] == 0x5a && fp2.fpr_xacc[5][15] == 0x5a, "xmm5 changed");
	WORKS(ptrace(PT_SETFPREGS, pid, (caddr_t)&fp, 0), "PT_SETFPREGS restores");

	/* Debug registers */
	memset(&db, 0, sizeof(db));
	WORKS(ptrace(PT_GETDBREGS, pid, (caddr_t)&db, 0), "PT_GETDBREGS");
	db.dr[0] = (uintptr_t)&stepped;
	db.dr[7] = DBREG_DR7_SET(0, DBREG_DR7_LEN_4, DBREG_DR7_WRONLY, DBREG_DR7_LOCAL_ENABLE);
	WORKS(ptrace(PT_SETDBREGS, pid, (caddr_t)&db, 0), "PT_SETDBREGS: a watchpoint");
	memset(&db, 0, sizeof(db));
	ptrace(PT_GETDBREGS, pid, (caddr_t)&db, 0);
	OK(db.dr[0] == (uintptr_t)&stepped && (db.dr[7] & 1), "dr0 and dr7 read back");
	db.dr[0] = 0xffff800000000000UL;
	FAILS(ptrace(PT_SETDBREGS, pid, (caddr_t)&db, 0), EINVAL, "a kernel address: EINVAL");
	memset(&db, 0, sizeof(db));
	WORKS(ptrace(PT_SETDBREGS, pid, (caddr_t)&db, 0), "PT_SETDBREGS clears");

	/* fs/gs base */
	base = 0;
	WORKS(ptrace(PT_GETFSBASE, pid, (caddr_t)&base, 0), "PT_GETFSBASE");
	OK(base != 0, "the fs base (TLS) is set (%#lx)", base);
	WORKS(ptrace(PT_SETFSBASE, pid, (caddr_t)&base, 0), "PT_SETFSBASE, same value");
	base2 = 0;
	ptrace(PT_GETFSBASE, pid, (caddr_t)&base2, 0);
	OK(base2 == base, "fs base unchanged");
	base2 = 0xffff800000000000UL;
	FAILS(ptrace(PT_SETFSBASE, pid, (caddr_t)&base2, 0), EINVAL, "PT_SETFSBASE kernel address: EINVAL");
	WORKS(ptrace(PT_GETGSBASE, pid, (caddr_t)&base2, 0), "PT_GETGSBASE");
	FAILS(ptrace(PT_SETGSBASE, pid, (caddr_t)8, 0), EFAULT, "PT_SETGSBASE bad pointer: EFAULT");

	/* XSAVE area */
	memset(&xi, 0, sizeof(xi));
	WORKS(ptrace(PT_GETXSTATE_INFO, pid, (caddr_t)&xi, sizeof(xi)), "PT_GETXSTATE_INFO");
	OK(xi.xsave_len >= 576 && (xi.xsave_mask & 3) == 3, "XSAVE area %u bytes, mask %#lx", xi.xsave_len,
	    (unsigned long)xi.xsave_mask);
	xs = calloc(1, xi.xsave_len);
	WORKS(ptrace(PT_GETXSTATE, pid, xs, xi.xsave_len), "PT_GETXSTATE");
	OK(memcmp(xs + 160 + 5 * 16, fp.fpr_xacc[5], 16) == 0, "its legacy area holds xmm5");
	WORKS(ptrace(PT_SETXSTATE, pid, xs, xi.xsave_len), "PT_SETXSTATE with the same area");
	FAILS(ptrace(PT_SETXSTATE, pid, xs, 100), EINVAL, "PT_SETXSTATE too short: EINVAL");
	free(xs);

	/* Single step */
	WORKS(ptrace(PT_STEP, pid, (caddr_t)1, 0), "PT_STEP");
	status = wait_for(pid);
	memset(&pl, 0, sizeof(pl));
	ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof(pl));
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGTRAP && (pl.pl_flags & PL_FLAG_SI) &&
	    pl.pl_siginfo.si_code == TRAP_TRACE, "step trap: SIGTRAP, TRAP_TRACE (code %d)",
	    pl.pl_siginfo.si_code);

	/* Continue at a new PC */
	WORKS(ptrace(PT_GETREGS, pid, (caddr_t)&r, 0), "PT_GETREGS");
	r.r_rsp = (r.r_rsp & ~15L) - 8;	/* as after a call */
	WORKS(ptrace(PT_SETREGS, pid, (caddr_t)&r, 0), "align the stack");
	WORKS(ptrace(PT_CONTINUE, pid, (caddr_t)landing, 0), "PT_CONTINUE at landing()");
	status = wait_for(pid);
	OK(WIFEXITED(status) && WEXITSTATUS(status) == 33, "it ran landing() (status %#x)", status);

	/* Detach with a signal */
	if (pipe(ready) == -1)
		return (2);
	pid = fork();
	if (pid == 0) {
		signal(SIGUSR1, on_usr1);
		alarm(30);
		write(ready[1], "r", 1);
		detach_child();
	}
	OK(read(ready[0], &c, 1) == 1, "the child has its SIGUSR1 handler");
	WORKS(ptrace(PT_ATTACH, pid, NULL, 0), "PT_ATTACH");
	status = wait_for(pid);
	OK(WIFSTOPPED(status), "attach stop");
	WORKS(ptrace(PT_DETACH, pid, (caddr_t)1, SIGUSR1), "PT_DETACH with SIGUSR1");
	status = wait_for(pid);
	OK(WIFEXITED(status) && WEXITSTATUS(status) == 44, "the detached child got SIGUSR1 (status %#x)", status);
	return (tap_done());
}
