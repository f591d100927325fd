/*
 * The register requests from C: PT_GETFPREGS/PT_SETFPREGS, PT_GETDBREGS/
 * PT_SETDBREGS (and FreeBSD's validation), the fs/gs base requests, the
 * XSAVE area, PT_STEP (TRAP_TRACE), PT_GETREGSET(NT_PRSTATUS) read into
 * FreeBSD's prstatus_t of <sys/procfs.h> (not glibc's 336-byte one),
 * PT_CONTINUE to a new PC, and PT_DETACH with a signal.
 *
 * In every combination of 32- and 64-bit tracer and tracee (tap.h): a
 * 32-bit tracer uses FreeBSD/i386's sets (the FSAVE image, PT_GETXMMREGS
 * for the SSE registers, dr0-dr7), and may write none of a 64-bit
 * process's registers nor read its segment bases (EINVAL), as on FreeBSD.
 */
#define TAP_CHILDREN(X) X(child) X(detach_child)
#define TAP_SYMBOLS(X) X(stepped) X(landing)
#include "tap.h"

#include <stdint.h>
#include <sys/uio.h>
#include <sys/procfs.h>
#include <machine/reg.h>
#include <machine/ptrace.h>

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
	signal(SIGUSR1, on_usr1);
	alarm(30);
	write(tap_fds[1], "r", 1);
	for (;;)
		pause();
}

/* xmm5 of the SSE state, as the tracer's ABI shows it. */
static unsigned char *
xmm5(void *set)
{
#if TAP_TRACER32
	return (((struct xmmreg *)set)->xmm_reg[5]);
#else
	return (((struct fpreg *)set)->fpr_xacc[5]);
#endif
}

int
main(int argc, char **argv)
{
	struct ptrace_lwpinfo pl;
	struct ptrace_xstate_info xi;
	struct fpreg fp, fp2;
	struct dbreg db;
	struct reg r;
#if TAP_TRACER32
	struct xmmreg sse, sse2;
#define SSE_GET PT_GETXMMREGS
#define SSE_SET PT_SETXMMREGS
#else
	struct fpreg sse, sse2;
#define SSE_GET PT_GETFPREGS
#define SSE_SET PT_SETFPREGS
#endif
	unsigned long base, base2;
	int tls_get, tls_set;
	char *xs;
	pid_t pid;
	int status;
	char c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	TAP_INIT(argc, argv);
	tap_start(20);
	pid = fork_traceme(child);
	status = wait_for(pid);
	OK(WIFSTOPPED(status), "child stopped");

	/* FP registers: the x87 control word in the tracer's set. */
	WORKS(ptrace(PT_GETFPREGS, pid, (caddr_t)&fp, 0), "PT_GETFPREGS");
	OK((fp.fpr_env[0] & 0xffff) == 0x37f, "the x87 control word is Linux's default (%#x)",
	    (unsigned)(fp.fpr_env[0] & 0xffff));
	fp2 = fp;
	fp2.fpr_env[0] = (fp2.fpr_env[0] & ~(__typeof__(fp2.fpr_env[0]))0xffff) | 0x27f;
	if (TAP_WRAP32_UNSAFE) {
		FAILS(ptrace(PT_SETFPREGS, pid, (caddr_t)&fp2, 0), EINVAL,
		    "PT_SETFPREGS of a 64-bit process from a 32-bit debugger: EINVAL");
	} else {
		WORKS(ptrace(PT_SETFPREGS, pid, (caddr_t)&fp2, 0), "PT_SETFPREGS");
		memset(&fp2, 0, sizeof(fp2));
		WORKS(ptrace(PT_GETFPREGS, pid, (caddr_t)&fp2, 0), "PT_GETFPREGS again");
		OK((fp2.fpr_env[0] & 0xffff) == 0x27f, "the control word changed");
		WORKS(ptrace(PT_SETFPREGS, pid, (caddr_t)&fp, 0), "PT_SETFPREGS restores");
	}

	/* SSE registers: PT_GETFPREGS on amd64, PT_GETXMMREGS on i386. */
	WORKS(ptrace(SSE_GET, pid, (caddr_t)&sse, 0), "the SSE registers");
	sse2 = sse;
	memset(xmm5(&sse2), 0x5a, 16);
	if (TAP_WRAP32_UNSAFE && SSE_SET == PT_SETFPREGS) {
		FAILS(ptrace(SSE_SET, pid, (caddr_t)&sse2, 0), EINVAL, "no SSE write");
	} else {
		WORKS(ptrace(SSE_SET, pid, (caddr_t)&sse2, 0), "write xmm5");
		memset(&sse2, 0, sizeof(sse2));
		WORKS(ptrace(SSE_GET, pid, (caddr_t)&sse2, 0), "read them again");
		OK(xmm5(&sse2)[0] == 0x5a && xmm5(&sse2)[15] == 0x5a, "xmm5 changed");
		WORKS(ptrace(SSE_SET, pid, (caddr_t)&sse, 0), "put them back");
	}

	/* Debug registers */
	memset(&db, 0, sizeof(db));
	WORKS(ptrace(PT_GETDBREGS, pid, (caddr_t)&db, 0), "PT_GETDBREGS");
	db.dr[0] = (uintptr_t)T(stepped);
	db.dr[7] = DBREG_DR7_SET(0, DBREG_DR7_LEN_4, DBREG_DR7_WRONLY, DBREG_DR7_LOCAL_ENABLE);
	if (TAP_WRAP32_UNSAFE) {
		FAILS(ptrace(PT_SETDBREGS, pid, (caddr_t)&db, 0), EINVAL,
		    "PT_SETDBREGS of a 64-bit process from a 32-bit debugger: EINVAL");
	} else {
		WORKS(ptrace(PT_SETDBREGS, pid, (caddr_t)&db, 0), "PT_SETDBREGS: a watchpoint");
		memset(&db, 0, sizeof(db));
		ptrace(PT_GETDBREGS, pid, (caddr_t)&db, 0);
		OK(db.dr[0] == (uintptr_t)T(stepped) && (db.dr[7] & 1), "dr0 and dr7 read back");
#if !TAP_TRACER32
		db.dr[0] = 0xffff800000000000UL;
		FAILS(ptrace(PT_SETDBREGS, pid, (caddr_t)&db, 0), EINVAL, "a kernel address: EINVAL");
#endif
		memset(&db, 0, sizeof(db));
		WORKS(ptrace(PT_SETDBREGS, pid, (caddr_t)&db, 0), "PT_SETDBREGS clears");
	}

	/* fs/gs base: the TLS is %fs on amd64, %gs on i386. */
	tls_get = TAP_TRACEE32 ? PT_GETGSBASE : PT_GETFSBASE;
	tls_set = TAP_TRACEE32 ? PT_SETGSBASE : PT_SETFSBASE;
	base = 0;
	if (TAP_WRAP32_UNSAFE) {
		FAILS(ptrace(PT_GETFSBASE, pid, (caddr_t)&base, 0), EINVAL,
		    "PT_GETFSBASE of a 64-bit process from a 32-bit debugger: EINVAL");
		FAILS(ptrace(PT_SETGSBASE, pid, (caddr_t)8, 0), EINVAL,
		    "PT_SETGSBASE: EINVAL before the copyin (cpu32_ptrace)");
	} else {
		WORKS(ptrace(tls_get, pid, (caddr_t)&base, 0), "read the TLS base");
		OK(base != 0, "the TLS base is set (%#lx)", base);
		WORKS(ptrace(tls_set, pid, (caddr_t)&base, 0), "write it, same value");
		base2 = 0;
		ptrace(tls_get, pid, (caddr_t)&base2, 0);
		OK(base2 == base, "TLS base unchanged");
#if !TAP_TRACER32
		base2 = 0xffff800000000000UL;
		FAILS(ptrace(PT_SETFSBASE, pid, (caddr_t)&base2, 0), EINVAL, "PT_SETFSBASE kernel address: EINVAL");
#endif
		WORKS(ptrace(PT_GETGSBASE, pid, (caddr_t)&base2, 0), "PT_GETGSBASE");
		FAILS(ptrace(PT_SETGSBASE, pid, (caddr_t)8, 0), EFAULT, "PT_SETGSBASE bad pointer: EFAULT");
	}

	/* XSAVE area */
	memset(&xi, 0, sizeof(xi));
	WORKS(ptrace(PT_GETXSTATE_INFO, pid, (caddr_t)&xi, sizeof(xi)), "PT_GETXSTATE_INFO");
	OK(xi.xsave_len >= 576 && (xi.xsave_mask & 3) == 3, "XSAVE area %u bytes, mask %#lx", xi.xsave_len,
	    (unsigned long)xi.xsave_mask);
	xs = calloc(1, xi.xsave_len);
	WORKS(ptrace(PT_GETXSTATE, pid, xs, xi.xsave_len), "PT_GETXSTATE");
	OK(memcmp(xs + 160 + 5 * 16, xmm5(&sse), 16) == 0, "its legacy area holds xmm5");
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

	WORKS(ptrace(PT_GETREGS, pid, (caddr_t)&r, 0), "PT_GETREGS");

	/*
	 * NT_PRSTATUS as a FreeBSD debugger reads it: prstatus_t of
	 * <sys/procfs.h> (the target's: prstatus32_t for a 32-bit process),
	 * with the stopped thread's registers, stop signal and LWP id.
	 */
	{
		union {
			prstatus_t ps;
#if !TAP_TRACER32
			prstatus32_t ps32;
#endif
			char bytes[512];
		} u;
		struct iovec iov = { &u, sizeof(u) };
		size_t want = TAP_TRACEE32 ? 104 : 224;

		memset(&u, 0xa5, sizeof(u));
		if (TAP_WRAP32_UNSAFE) {
			/* A 64-bit process's 224-byte set, which FreeBSD/i386's
			 * headers have no type for (docs/deviations.md). */
			FAILS(ptrace(PT_GETREGSET, pid, (caddr_t)&iov, NT_PRSTATUS), EINVAL,
			    "PT_GETREGSET NT_PRSTATUS of a 64-bit process from a 32-bit debugger: EINVAL");
		} else {
			WORKS(ptrace(PT_GETREGSET, pid, (caddr_t)&iov, NT_PRSTATUS), "PT_GETREGSET NT_PRSTATUS");
			OK(iov.iov_len == want, "%zu bytes (%zu)", want, (size_t)iov.iov_len);
		}
		if (TAP_TRACER32 == TAP_TRACEE32) {
			OK(sizeof(prstatus_t) == want, "FreeBSD's prstatus_t, %zu bytes", sizeof(prstatus_t));
			OK(u.ps.pr_version == PRSTATUS_VERSION && u.ps.pr_statussz == sizeof(prstatus_t) &&
			    u.ps.pr_gregsetsz == sizeof(gregset_t) && u.ps.pr_fpregsetsz == sizeof(fpregset_t) &&
			    u.ps.pr_osreldate >= 1400000,
			    "pr_version %d, pr_statussz %zu, pr_gregsetsz %zu, pr_fpregsetsz %zu, pr_osreldate %d",
			    u.ps.pr_version, (size_t)u.ps.pr_statussz, (size_t)u.ps.pr_gregsetsz,
			    (size_t)u.ps.pr_fpregsetsz, u.ps.pr_osreldate);
			OK(u.ps.pr_cursig == SIGTRAP, "pr_cursig SIGTRAP (%d)", u.ps.pr_cursig);
			OK(u.ps.pr_pid == pl.pl_lwpid, "pr_pid is the LWP id (%d, pl_lwpid %d)",
			    (int)u.ps.pr_pid, (int)pl.pl_lwpid);
			OK(memcmp(&u.ps.pr_reg, &r, sizeof(r)) == 0, "pr_reg is PT_GETREGS's struct reg");
		}
#if !TAP_TRACER32
		else if (TAP_TRACEE32) {
			/* A 64-bit debugger of a 32-bit process: FreeBSD's
			 * prstatus32_t, its struct reg32. */
			OK(u.ps32.pr_version == PRSTATUS_VERSION && u.ps32.pr_statussz == sizeof(prstatus32_t) &&
			    u.ps32.pr_gregsetsz == sizeof(struct reg32) && u.ps32.pr_fpregsetsz == sizeof(struct fpreg32),
			    "prstatus32_t: pr_version %d, pr_statussz %u, pr_gregsetsz %u, pr_fpregsetsz %u",
			    u.ps32.pr_version, u.ps32.pr_statussz, u.ps32.pr_gregsetsz, u.ps32.pr_fpregsetsz);
			OK(u.ps32.pr_cursig == SIGTRAP, "pr_cursig SIGTRAP (%d)", u.ps32.pr_cursig);
			OK(u.ps32.pr_pid == pl.pl_lwpid, "pr_pid is the LWP id (%d, pl_lwpid %d)",
			    (int)u.ps32.pr_pid, (int)pl.pl_lwpid);
			OK(u.ps32.pr_reg.r_eip == (uint32_t)r.r_rip && u.ps32.pr_reg.r_esp == (uint32_t)r.r_rsp,
			    "pr_reg is the thread's struct reg32 (eip %#x, rip %#lx)", u.ps32.pr_reg.r_eip,
			    (unsigned long)r.r_rip);
		}
#endif
	}

	/* Continue at a new PC, the stack as after a call. */
	if (!TAP_WRAP32_UNSAFE) {
		R_SP(r) = (R_SP(r) & ~(__typeof__(R_SP(r)))15) - (TAP_TRACEE32 ? 4 : 8);
		WORKS(ptrace(PT_SETREGS, pid, (caddr_t)&r, 0), "align the stack");
	}
	WORKS(ptrace(PT_CONTINUE, pid, (caddr_t)TP(landing), 0), "PT_CONTINUE at landing()");
	status = wait_for(pid);
	OK(WIFEXITED(status) && WEXITSTATUS(status) == 33, "it ran landing() (status %#x)", status);

	/* Detach with a signal */
	if (pipe(tap_fds) == -1)
		return (2);
	pid = fork_run(detach_child);
	OK(read(tap_fds[0], &c, 1) == 1, "the child has its SIGUSR1 handler");
	WORKS(ptrace(PT_ATTACH, pid, NULL, 0), "PT_ATTACH");
	status = wait_for(pid);
	OK(WIFSTOPPED(status), "attach stop");
	WORKS(ptrace(PT_DETACH, pid, (caddr_t)1, SIGUSR1), "PT_DETACH with SIGUSR1");
	status = wait_for(pid);
	OK(WIFEXITED(status) && WEXITSTATUS(status) == 44, "the detached child got SIGUSR1 (status %#x)", status);
	return (tap_done());
}
