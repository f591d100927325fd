/*
 * PT_COREDUMP as a FreeBSD debugger calls it (gcore, gdb's "gcore" on
 * FreeBSD): struct ptrace_coredump copied in before the lookup (EFAULT,
 * EINVAL for the size), FreeBSD's errors in FreeBSD's order, pc_limit, and
 * a core that is an x86-64 ELF core file holding the child's memory.  The
 * child stays stopped and carries on when continued.
 *
 * In every combination of 32- and 64-bit tracer and tracee (tap.h): a
 * 32-bit process's core is an i386 ELF core. A 32-bit tracer cannot dump
 * a 64-bit process (EINVAL: it can read neither its registers whole nor
 * its memory above 4 GiB, docs/deviations.md).
 */
#define TAP_CHILDREN(X) X(child) X(spin)
#define TAP_SYMBOLS(X) X(marker)
#include "tap.h"

#include <elf.h>
#include <fcntl.h>
#include <stdint.h>

static volatile uint64_t marker = 0x1122334455667788ULL;

static void
child(void)
{
	_exit(marker == 0x1122334455667788ULL ? 7 : 8);
}

static void
spin(void)
{
	for (;;)
		pause();
}

/* The 8 bytes at `addr` as the core in `fd` (ELF64 or ELF32) holds them;
 * -1 if it has none. */
static int
core_read(int fd, uint64_t addr, uint64_t *out)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	Elf32_Ehdr eh32;
	Elf32_Phdr ph32;
	int i;

	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh))
		return (-1);
	if (eh.e_ident[EI_CLASS] == ELFCLASS32) {
		memcpy(&eh32, &eh, sizeof(eh32));
		for (i = 0; i < eh32.e_phnum; i++) {
			if (pread(fd, &ph32, sizeof(ph32), eh32.e_phoff + i * sizeof(ph32)) != sizeof(ph32))
				return (-1);
			if (ph32.p_type == PT_LOAD && ph32.p_vaddr <= addr &&
			    addr + 8 <= (uint64_t)ph32.p_vaddr + ph32.p_filesz)
				return (pread(fd, out, 8, ph32.p_offset + addr - ph32.p_vaddr) == 8 ? 0 : -1);
		}
		return (-1);
	}
	for (i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph)) != sizeof(ph))
			return (-1);
		if (ph.p_type == PT_LOAD && ph.p_vaddr <= addr && addr + 8 <= ph.p_vaddr + ph.p_filesz)
			return (pread(fd, out, 8, ph.p_offset + addr - ph.p_vaddr) == 8 ? 0 : -1);
	}
	return (-1);
}

int
main(int argc, char **argv)
{
	struct ptrace_coredump pc;
	struct ptrace_lwpinfo pl;
	Elf64_Ehdr eh;
	uint64_t v;
	char path[] = "/tmp/bsdtrace-core-XXXXXX";
	int fd, rd, status, p[2];
	pid_t pid, plain;

	setvbuf(stdout, NULL, _IOLBF, 0);
	TAP_INIT(argc, argv);
	tap_start(20);
	pid = fork_traceme(child);
	status = wait_for(pid);
	OK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP, "child stopped");
	fd = mkstemp(path);
	OK(fd >= 0, "a core file");
	unlink(path);

	memset(&pc, 0, sizeof(pc));
	pc.pc_fd = fd;
	FAILS(ptrace(PT_COREDUMP, pid, NULL, sizeof(pc)), EFAULT, "NULL struct: EFAULT");
	FAILS(ptrace(PT_COREDUMP, pid, (caddr_t)&pc, 8), EINVAL, "wrong size: EINVAL");
	pc.pc_flags = 0x4;
	rd = open("/dev/null", O_RDONLY);
	pc.pc_fd = rd;
	FAILS(ptrace(PT_COREDUMP, pid, (caddr_t)&pc, sizeof(pc)), EINVAL,
	    "unknown flag: EINVAL, before the descriptor is looked at");
	pc.pc_flags = 0;
	FAILS(ptrace(PT_COREDUMP, pid, (caddr_t)&pc, sizeof(pc)), EBADF, "read-only descriptor: EBADF");
	pc.pc_fd = -1;
	FAILS(ptrace(PT_COREDUMP, pid, (caddr_t)&pc, sizeof(pc)), EBADF, "descriptor -1: EBADF");
	if (pipe(p) != 0)
		p[0] = p[1] = -1;
	pc.pc_fd = p[1];
	FAILS(ptrace(PT_COREDUMP, pid, (caddr_t)&pc, sizeof(pc)), EPIPE, "a pipe: EPIPE");

	pc.pc_fd = fd;
	pc.pc_limit = 4096;
	if (TAP_WRAP32_UNSAFE) {
		FAILS(ptrace(PT_COREDUMP, pid, (caddr_t)&pc, sizeof(pc)), EINVAL,
		    "a 64-bit process from a 32-bit debugger: EINVAL");
		WORKS(ptrace(PT_KILL, pid, NULL, 0), "PT_KILL");
		status = wait_for(pid);
		OK(WIFSIGNALED(status), "killed");
		return (tap_done());
	}
	FAILS(ptrace(PT_COREDUMP, pid, (caddr_t)&pc, sizeof(pc)), EFAULT, "a core reaching pc_limit: EFAULT");
	OK(lseek(fd, 0, SEEK_END) == 0, "and nothing written");
	pc.pc_limit = 0;
	WORKS(ptrace(PT_COREDUMP, pid, (caddr_t)&pc, sizeof(pc)), "PT_COREDUMP");
	memset(&eh, 0, sizeof(eh));
	OK(pread(fd, &eh, sizeof(eh), 0) == sizeof(eh) && memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 &&
	    eh.e_type == ET_CORE &&
	    (TAP_TRACEE32 ? eh.e_ident[EI_CLASS] == ELFCLASS32 && eh.e_machine == EM_386 :
	    eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_machine == EM_X86_64),
	    "an ELF core of the traced program's ABI (class %d, machine %d)", eh.e_ident[EI_CLASS],
	    eh.e_machine);
	OK(core_read(fd, T(marker), &v) == 0 && v == 0x1122334455667788ULL,
	    "it holds the child's memory (%#llx)", (unsigned long long)v);
	OK(lseek(fd, 0, SEEK_CUR) == 0, "the descriptor's offset is not moved");

	pc.pc_flags = PC_COMPRESS | PC_ALL;
	WORKS(ptrace(PT_COREDUMP, pid, (caddr_t)&pc, sizeof(pc)), "PC_COMPRESS | PC_ALL");
	memset(&pl, 0, sizeof(pl));
	ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof(pl));
	WORKS(ptrace(PT_COREDUMP, pl.pl_lwpid, (caddr_t)&pc, sizeof(pc)), "PT_COREDUMP by LWP id");

	plain = fork_run(spin);
	FAILS(ptrace(PT_COREDUMP, plain, (caddr_t)&pc, sizeof(pc)), EPERM, "an untraced process: EPERM");
	kill(plain, SIGKILL);
	waitpid(plain, &status, 0);

	/* No new stop to eat, and the child carries on. */
	OK(waitpid(pid, &status, WNOHANG) == 0, "no new stop after the dump");
	WORKS(ptrace(PT_CONTINUE, pid, (caddr_t)1, 0), "PT_CONTINUE");
	status = wait_for(pid);
	OK(WIFEXITED(status) && WEXITSTATUS(status) == 7, "child exits 7 (status %#x)", status);
	close(fd);
	return (tap_done());
}
