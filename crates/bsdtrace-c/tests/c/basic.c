/*
 * One traced child, FreeBSD style: PT_TRACE_ME + raise(SIGSTOP), then
 * PT_LWPINFO, PT_GETNUMLWPS/PT_GETLWPLIST, PT_IO (read, write, write into
 * read-only text, fault), PT_READ_D/PT_WRITE_D, PT_GETREGS/PT_SETREGS,
 * PT_VM_TIMESTAMP/PT_VM_ENTRY, the event mask, PT_CONTINUE.
 *
 * In every combination of 32- and 64-bit tracer and tracee (tap.h): a
 * 32-bit tracer of a 64-bit process may not write its registers (EINVAL)
 * and sees its map entries above 4 GiB with their addresses truncated to
 * 32 bits, as on FreeBSD.
 */
#define TAP_CHILDREN(X) X(child)
#define TAP_SYMBOLS(X) X(buffer) X(counter) X(text_function)
#include "tap.h"

#include <sys/syscall.h>

#include <stddef.h>
#include <stdint.h>
#include <machine/reg.h>

static char buffer[64] = "the tracee's buffer";
static volatile int counter = 41;

/* Code in read-only text: a breakpoint target. */
__attribute__((noinline)) int
text_function(int x)
{
	return (x * 3 + 1);
}

static void
child(void)
{
	counter++;
	_exit(text_function(counter) == counter * 3 + 1 ? counter : 1);
}

/* A register the test may change at the stop (and puts back). */
#if TAP_TRACER32
#define R_SCRATCH(r)	((r).r_esi)
#define SCRATCH		0x11223344
#else
#define R_SCRATCH(r)	((r).r_r12)
#define SCRATCH		0x1122334455667788
#endif

/* The start of the first mapping of `pid` above 4 GiB (its stack), or 0. */
static unsigned long long
high_mapping(pid_t pid)
{
	char path[64], line[512];
	unsigned long long start = 0, end;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (0);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%llx-%llx", &start, &end) == 2 && start > 0xffffffffULL &&
		    strstr(line, "[stack]") != NULL)
			break;
		start = 0;
	}
	fclose(f);
	return (start);
}

int
main(int argc, char **argv)
{
	struct ptrace_lwpinfo pl;
	struct ptrace_io_desc piod;
	struct ptrace_vm_entry pve;
	struct reg r, r2;
	char buf[64], path[4096];
	lwpid_t lwps[4];
	pid_t pid;
	int status, mask, n, v;
	unsigned char orig[4], text[4];
	int saw_self = 0, entries = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	TAP_INIT(argc, argv);
	tap_start(20);
	pid = fork_traceme(child);
	OK(pid > 0, "fork");
	status = wait_for(pid);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP,
	    "waitpid reports the child's SIGSTOP (status %#x)", status);
	printf("# executor: %s\n", bsdtrace_executor_mode());

	/* PT_LWPINFO */
	memset(&pl, 0xa5, sizeof(pl));
	WORKS(ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof(pl)), "PT_LWPINFO");
	OK(pl.pl_lwpid == pid + BSDTRACE_LWPID_BASE, "pl_lwpid is tid + base");
	OK(pl.pl_event == PL_EVENT_SIGNAL, "pl_event is PL_EVENT_SIGNAL");
	OK(pl.pl_flags & PL_FLAG_SI, "PL_FLAG_SI set (flags %#x)", pl.pl_flags);
	OK(pl.pl_siginfo.si_signo == SIGSTOP, "si_signo SIGSTOP");
	OK(pl.pl_child_pid == 0, "pl_child_pid zeroed");
	/* raise() is tgkill(2); the stop comes as it returns (FreeBSD names
	 * thr_kill there). */
	OK(pl.pl_syscall_code == (u_int)TSYS(tgkill) && pl.pl_syscall_narg == 3,
	    "pl_syscall_code: the tgkill raise() made (%u, %u args)",
	    pl.pl_syscall_code, pl.pl_syscall_narg);
	OK(pl.pl_siginfo.si_code == SI_LWP, "si_code SI_LWP (%d)", pl.pl_siginfo.si_code);

	/* A short struct: exactly `data` bytes are written. */
	memset(&pl, 0xa5, sizeof(pl));
	WORKS(ptrace(PT_LWPINFO, pid, (caddr_t)&pl, offsetof(struct ptrace_lwpinfo, pl_siginfo)),
	    "PT_LWPINFO with an old, shorter struct");
	OK(pl.pl_lwpid == pid + BSDTRACE_LWPID_BASE && ((unsigned char *)&pl.pl_siginfo)[0] == 0xa5,
	    "only the prefix was copied");
	OK(pl.pl_event == PL_EVENT_SIGNAL && !(pl.pl_flags & PL_FLAG_SI),
	    "no PL_FLAG_SI without room for the siginfo (flags %#x)", pl.pl_flags);
	FAILS(ptrace(PT_LWPINFO, pid, (caddr_t)&pl, 0), EINVAL, "PT_LWPINFO data 0: EINVAL");
	FAILS(ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof(pl) + 1), EINVAL,
	    "PT_LWPINFO data > sizeof: EINVAL");
	FAILS(ptrace(PT_LWPINFO, pid, (caddr_t)8, sizeof(pl)), EFAULT, "PT_LWPINFO bad addr: EFAULT");
	WORKS(ptrace(PT_LWPINFO, pid + BSDTRACE_LWPID_BASE, (caddr_t)&pl, sizeof(pl)),
	    "PT_LWPINFO by LWP id");

	/* Threads */
	OK(ptrace(PT_GETNUMLWPS, pid, NULL, 0) == 1, "PT_GETNUMLWPS is 1");
	n = ptrace(PT_GETLWPLIST, pid, (caddr_t)lwps, 4);
	OK(n == 1 && lwps[0] == pid + BSDTRACE_LWPID_BASE, "PT_GETLWPLIST");
	FAILS(ptrace(PT_GETLWPLIST, pid, (caddr_t)lwps, 0), EINVAL, "PT_GETLWPLIST data 0: EINVAL");

	/* PT_IO read */
	memset(buf, 0, sizeof(buf));
	piod.piod_op = PIOD_READ_D;
	piod.piod_offs = TP(buffer);
	piod.piod_addr = buf;
	piod.piod_len = sizeof(buffer);
	WORKS(ptrace(PT_IO, pid, (caddr_t)&piod, 0), "PT_IO read");
	OK(piod.piod_len == sizeof(buffer) && strcmp(buf, "the tracee's buffer") == 0,
	    "PT_IO read the bytes and set piod_len");

	/* PT_IO write */
	piod.piod_op = PIOD_WRITE_D;
	piod.piod_addr = "rewritten";
	piod.piod_len = 10;
	WORKS(ptrace(PT_IO, pid, (caddr_t)&piod, 0), "PT_IO write");
	v = ptrace(PT_READ_D, pid, (caddr_t)TP(buffer), 0);
	OK(memcmp(&v, "rewr", 4) == 0, "PT_READ_D reads the written bytes");

	/* PT_IO write into read-only text (a breakpoint), then restore. */
	piod.piod_op = PIOD_READ_I;
	piod.piod_offs = TP(text_function);
	piod.piod_addr = orig;
	piod.piod_len = 4;
	WORKS(ptrace(PT_IO, pid, (caddr_t)&piod, 0), "PT_IO read text");
	memcpy(text, "\xcc\xcc\xcc\xcc", 4);
	piod.piod_op = PIOD_WRITE_I;
	piod.piod_addr = text;
	WORKS(ptrace(PT_IO, pid, (caddr_t)&piod, 0), "PT_IO writes into read-only text");
	v = ptrace(PT_READ_I, pid, (caddr_t)TP(text_function), 0);
	OK(memcmp(&v, "\xcc\xcc\xcc\xcc", 4) == 0, "the text changed");
	piod.piod_addr = orig;
	WORKS(ptrace(PT_IO, pid, (caddr_t)&piod, 0), "PT_IO restores the text");

	/* PT_IO that runs into unmapped memory: EFAULT, piod_len untouched. */
	piod.piod_op = PIOD_READ_D;
	piod.piod_offs = (void *)8;
	piod.piod_addr = buf;
	piod.piod_len = 16;
	FAILS(ptrace(PT_IO, pid, (caddr_t)&piod, 0), EFAULT, "PT_IO read of unmapped memory: EFAULT");
	OK(piod.piod_len == 16, "piod_len untouched after the fault");
	piod.piod_op = PIOD_WRITE_D;
	piod.piod_offs = TP(buffer);
	piod.piod_addr = (void *)8;
	FAILS(ptrace(PT_IO, pid, (caddr_t)&piod, 0), EFAULT, "PT_IO write from a bad tracer buffer: EFAULT");
	piod.piod_op = 99;
	FAILS(ptrace(PT_IO, pid, (caddr_t)&piod, 0), EINVAL, "PT_IO bad piod_op: EINVAL");
	FAILS(ptrace(PT_IO, pid, (caddr_t)16, 0), EFAULT, "PT_IO bad descriptor pointer: EFAULT");

	/* PT_READ_D / PT_WRITE_D */
	errno = 0;
	v = ptrace(PT_READ_D, pid, (caddr_t)TP(counter), 0);
	OK(v == 41 && errno == 0, "PT_READ_D returns the value (%d)", v);
	WORKS(ptrace(PT_WRITE_D, pid, (caddr_t)TP(counter), 125), "PT_WRITE_D");
	OK(ptrace(PT_READ_D, pid, (caddr_t)TP(counter), 0) == 125, "PT_READ_D after PT_WRITE_D");
	FAILS(ptrace(PT_READ_D, pid, (caddr_t)8, 0), ENOMEM, "PT_READ_D of unmapped memory: ENOMEM");

	/* Registers */
	WORKS(ptrace(PT_GETREGS, pid, (caddr_t)&r, 0), "PT_GETREGS");
	OK(R_PC(r) != 0 && R_SP(r) != 0, "registers look alive (pc %#lx)", (long)R_PC(r));
	r2 = r;
	R_SCRATCH(r2) = SCRATCH;
	if (TAP_WRAP32_UNSAFE) {
		FAILS(ptrace(PT_SETREGS, pid, (caddr_t)&r2, 0), EINVAL,
		    "PT_SETREGS of a 64-bit process from a 32-bit debugger: EINVAL");
	} else {
		WORKS(ptrace(PT_SETREGS, pid, (caddr_t)&r2, 0), "PT_SETREGS");
		memset(&r2, 0, sizeof(r2));
		WORKS(ptrace(PT_GETREGS, pid, (caddr_t)&r2, 0), "PT_GETREGS again");
		OK(R_SCRATCH(r2) == SCRATCH, "PT_SETREGS changed a register");
		WORKS(ptrace(PT_SETREGS, pid, (caddr_t)&r, 0), "PT_SETREGS restores");
	}
	FAILS(ptrace(PT_GETREGS, pid, NULL, 0), EFAULT, "PT_GETREGS to NULL: EFAULT");
	FAILS(ptrace(PT_SETREGS, pid, (caddr_t)1, 0), EFAULT, "PT_SETREGS from a bad pointer: EFAULT");

	/* The memory map */
	WORKS(ptrace(PT_VM_TIMESTAMP, pid, NULL, 0) != -1 ? 0 : -1, "PT_VM_TIMESTAMP");
	memset(&pve, 0, sizeof(pve));
	for (;;) {
		pve.pve_path = path;
		pve.pve_pathlen = sizeof(path);
		if (ptrace(PT_VM_ENTRY, pid, (caddr_t)&pve, 0) == -1)
			break;
		entries++;
		if ((u_long)T(text_function) >= pve.pve_start &&
		    (u_long)T(text_function) <= pve.pve_end &&
		    (pve.pve_prot & 4 /* VM_PROT_EXECUTE */) && pve.pve_pathlen == strlen(path) + 1 &&
		    pve.pve_fileid != (long)-1)
			saw_self = 1;
	}
	OK(errno == ENOENT, "PT_VM_ENTRY ends with ENOENT (errno %d)", errno);
	OK(entries > 3 && saw_self, "PT_VM_ENTRY found %d entries and our text with its path", entries);
	/* A buffer too small for the path: ENAMETOOLONG, nothing copied back. */
	memset(&pve, 0, sizeof(pve));
	do {
		pve.pve_path = path;
		pve.pve_pathlen = sizeof(path);
		n = ptrace(PT_VM_ENTRY, pid, (caddr_t)&pve, 0);
	} while (n == 0 && pve.pve_pathlen == 0);
	OK(n == 0 && pve.pve_pathlen > 1, "found a file-backed entry");
	pve.pve_entry--;
	pve.pve_pathlen = 2;
	pve.pve_start = 12345;
	FAILS(ptrace(PT_VM_ENTRY, pid, (caddr_t)&pve, 0), ENAMETOOLONG, "short path buffer: ENAMETOOLONG");
	OK(pve.pve_pathlen == 2 && pve.pve_start == 12345, "nothing copied back after ENAMETOOLONG");
	pve.pve_pathlen = 0;
	WORKS(ptrace(PT_VM_ENTRY, pid, (caddr_t)&pve, 0), "no path wanted");
	OK(pve.pve_pathlen == 0 && pve.pve_fileid == (long)-1, "no path: pve_pathlen 0, fileid VNOVAL");
	pve.pve_entry = 100000;
	FAILS(ptrace(PT_VM_ENTRY, pid, (caddr_t)&pve, 0), EINVAL, "pve_entry past the end: EINVAL");
	if (TAP_WRAP32_UNSAFE) {
		/* FreeBSD's ptrace_vm_entry32: a 64-bit process's stack, above
		 * 4 GiB, is reported with its addresses cut to 32 bits. */
		unsigned long long high = high_mapping(pid);
		int found = 0;

		memset(&pve, 0, sizeof(pve));
		while (ptrace(PT_VM_ENTRY, pid, (caddr_t)&pve, 0) == 0)
			found |= pve.pve_start == (u_long)high;
		OK(high != 0 && found, "an entry above 4 GiB (%#llx) comes truncated (%#lx)",
		    high, (u_long)high);
	}

	/* Event mask */
	WORKS(ptrace(PT_GET_EVENT_MASK, pid, (caddr_t)&mask, sizeof(mask)), "PT_GET_EVENT_MASK");
	OK(mask == PTRACE_DEFAULT, "default mask is PTRACE_EXEC (%#x)", mask);
	mask = PTRACE_EXEC | PTRACE_FORK | PTRACE_LWP;
	WORKS(ptrace(PT_SET_EVENT_MASK, pid, (caddr_t)&mask, sizeof(mask)), "PT_SET_EVENT_MASK");
	mask = 0;
	ptrace(PT_GET_EVENT_MASK, pid, (caddr_t)&mask, sizeof(mask));
	OK(mask == (PTRACE_EXEC | PTRACE_FORK | PTRACE_LWP), "mask set");
	FAILS(ptrace(PT_SET_EVENT_MASK, pid, (caddr_t)&mask, 8), EINVAL, "PT_SET_EVENT_MASK data 8: EINVAL");
	FAILS(ptrace(PT_GET_EVENT_MASK, 999999, (caddr_t)&mask, 2), EINVAL,
	    "size checked before the target: EINVAL, not ESRCH");
	mask = 0x4000;
	FAILS(ptrace(PT_SET_EVENT_MASK, pid, (caddr_t)&mask, sizeof(mask)), EINVAL, "unknown mask bit: EINVAL");
	WORKS(ptrace(PT_FOLLOW_FORK, pid, NULL, 0), "PT_FOLLOW_FORK off");
	WORKS(ptrace(PT_LWP_EVENTS, pid, NULL, 0), "PT_LWP_EVENTS off");
	ptrace(PT_GET_EVENT_MASK, pid, (caddr_t)&mask, sizeof(mask));
	OK(mask == PTRACE_EXEC, "PT_FOLLOW_FORK/PT_LWP_EVENTS cleared their bits");

	/* Step flags, suspend: accepted at a stop. */
	WORKS(ptrace(PT_SETSTEP, pid, NULL, 0), "PT_SETSTEP");
	WORKS(ptrace(PT_CLEARSTEP, pid, NULL, 0), "PT_CLEARSTEP");
	WORKS(ptrace(PT_SUSPEND, pid + BSDTRACE_LWPID_BASE, NULL, 0), "PT_SUSPEND");
	WORKS(ptrace(PT_RESUME, pid + BSDTRACE_LWPID_BASE, NULL, 0), "PT_RESUME");

	/* Continue: bad signal first. */
	FAILS(ptrace(PT_CONTINUE, pid, (caddr_t)1, 129), EINVAL, "PT_CONTINUE signal 129: EINVAL");
	FAILS(ptrace(PT_CONTINUE, pid, (caddr_t)1, -1), EINVAL, "PT_CONTINUE signal -1: EINVAL");
	WORKS(ptrace(PT_CONTINUE, pid, (caddr_t)1, 0), "PT_CONTINUE");
	/* Running: EBUSY; already exited (the engine reaps on its own, as
	 * FreeBSD's kernel does): ESRCH, FreeBSD's answer for P_WEXIT. */
	errno = 0;
	v = ptrace(PT_GETREGS, pid, (caddr_t)&r, 0);
	OK(v == -1 && (errno == EBUSY || errno == ESRCH),
	    "PT_GETREGS while it runs (EBUSY) or once it exited (ESRCH): errno %d", errno);
	status = wait_for(pid);
	OK(WIFEXITED(status) && WEXITSTATUS(status) == 126,
	    "the child saw counter 125 + 1, ran the restored text, exited 126 (status %#x)", status);
	FAILS(waitpid(pid, &status, 0), ECHILD, "waitpid after the exit: ECHILD");
	return (tap_done());
}
