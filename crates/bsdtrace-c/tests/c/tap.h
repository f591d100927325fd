/*
 * A few TAP helpers for libbsdtrace's C tests: each check prints
 * "ok N - what" or "not ok N - what", and the program exits nonzero if any
 * failed.  alarm() turns a hang into a failure.
 */
#ifndef TAP_H
#define TAP_H

#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int tap_n, tap_failed;

#define OK(cond, ...) do {						\
	int ok_ = (cond);						\
	printf("%sok %d - ", ok_ ? "" : "not ", ++tap_n);		\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	if (!ok_) {							\
		tap_failed++;						\
		printf("#   %s:%d: %s\n", __FILE__, __LINE__, #cond);	\
	}								\
	fflush(stdout);							\
} while (0)

/* `call` must fail with -1 and errno `e`. */
#define FAILS(call, e, ...) do {					\
	long r_;							\
	int e_;								\
	errno = 0;							\
	r_ = (long)(call);						\
	e_ = errno;							\
	OK(r_ == -1 && e_ == (e), __VA_ARGS__);				\
	if (!(r_ == -1 && e_ == (e)))					\
		printf("#   got %ld, errno %d (%s); want errno %s\n",	\
		    r_, e_, strerror(e_), #e);				\
} while (0)

/* `call` must succeed (return >= 0). */
#define WORKS(call, ...) do {						\
	long r_;							\
	errno = 0;							\
	r_ = (long)(call);						\
	OK(r_ >= 0, __VA_ARGS__);					\
	if (r_ < 0)							\
		printf("#   got %ld, errno %d (%s)\n", r_, errno,	\
		    strerror(errno));					\
} while (0)

static void
tap_timeout(int sig)
{
	(void)sig;
	printf("not ok %d - timed out\n", ++tap_n);
	fflush(stdout);
	_exit(3);
}

/*
 * With $TAP_NOBODY set, a program run as root drops to uid and gid 65534
 * (nobody) before it does anything else, so that everything it checks is
 * checked unprivileged; every thread must be nobody then (libbsdtrace's
 * engine thread, Linux's tracer of everything, included).
 */
static void
tap_nobody(void)
{
	char path[64], line[128];
	int tasks = 0, nobody = 0;
	struct dirent *d;
	DIR *dir;
	FILE *f;

	if (getenv("TAP_NOBODY") == NULL || geteuid() != 0)
		return;
	if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0) {
		printf("Bail out! cannot drop to nobody: %s\n", strerror(errno));
		exit(4);
	}
	/*
	 * A uid change leaves the process (and the children it forks)
	 * non-dumpable, which no real unprivileged user's process is: its
	 * own uid could not trace them.
	 */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	(void)ptrace(PT_GETNUMLWPS, getpid(), NULL, 0);	/* the engine runs */
	if ((dir = opendir("/proc/self/task")) == NULL)
		exit(4);
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%.16s/status", d->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		tasks++;
		while (fgets(line, sizeof(line), f) != NULL)
			if (strncmp(line, "Uid:\t65534\t65534\t65534\t65534\n", 29) == 0)
				nobody++;
		fclose(f);
	}
	closedir(dir);
	printf("# as nobody: %d of %d threads\n", nobody, tasks);
	if (tasks == 0 || nobody != tasks) {
		printf("Bail out! a thread is not nobody\n");
		exit(4);
	}
}

static void
tap_start(unsigned seconds)
{
	tap_nobody();
	signal(SIGALRM, tap_timeout);
	alarm(seconds);
}

static int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return (tap_failed != 0);
}

/*
 * The four combinations of tracer and tracee ABIs (64->64, 64->32, 32->32,
 * 32->64; tests/c_programs.rs).  A program is built for i386 (gcc -m32,
 * the i686 libbsdtrace) or x86-64; when $TAP_PEER names the same program
 * built for the other ABI, the children it traces run in that one: the
 * child does PT_TRACE_ME (or nothing) and execs "PEER --tap-child NAME FD
 * stop|run", the peer writes its addresses of the program's TAP_SYMBOLS
 * to FD and runs the function NAME (after raise(SIGSTOP) for "stop").
 *
 * A program lists, before including this file, the functions its children
 * run and the objects the tracer reads in them:
 *	#define TAP_CHILDREN(X) X(child) X(sleeper)
 *	#define TAP_SYMBOLS(X) X(buffer) X(counter)
 * calls TAP_INIT(argc, argv) first thing in main(), names tracee objects
 * with T(name) (their address in the traced program, as a uint64_t) and
 * TP(name) (the same as a pointer), the traced program's syscall numbers
 * with TSYS(write), and its registers by role: R_AX(r), R_PC(r)...
 */
#ifndef TAP_CHILDREN
#define TAP_CHILDREN(X)
#endif
#ifndef TAP_SYMBOLS
#define TAP_SYMBOLS(X)
#endif

#define TAP_ENUM_(s) TAP_SYM_##s,
enum { TAP_SYMBOLS(TAP_ENUM_) TAP_NSYM };

/* The traced program is another build of this one (the peer). */
static const char *tap_peer;
/* The peer's addresses of TAP_SYMBOLS. */
static uint64_t tap_remote[TAP_NSYM + 1];
/* Descriptors children use, passed to a peer through $TAP_FDS. */
static int tap_fds[8];

#ifdef __i386__
#define TAP_TRACER32 1
#else
#define TAP_TRACER32 0
#endif
/* The traced programs are 32-bit. */
#define TAP_TRACEE32 (tap_peer ? !TAP_TRACER32 : TAP_TRACER32)
/* A 32-bit debugger of a 64-bit process: FreeBSD refuses register
 * writes (PROC_WRITE), PT_GET_SC_ARGS/RET and the segment bases. */
#define TAP_WRAP32_UNSAFE (TAP_TRACER32 && !TAP_TRACEE32)

#define T(s) (tap_peer ? tap_remote[TAP_SYM_##s] : (uint64_t)(uintptr_t)&(s))
#define TP(s) ((void *)(uintptr_t)T(s))

/* The traced program's syscall numbers (x86-64 and i386 tables). */
#define TAP_X64_write		1
#define TAP_I386_write		4
#define TAP_X64_close		3
#define TAP_I386_close		6
#define TAP_X64_getpid		39
#define TAP_I386_getpid		20
#define TAP_X64_getppid		110
#define TAP_I386_getppid	64
#define TAP_X64_tgkill		234
#define TAP_I386_tgkill		270
#define TAP_X64_nanosleep	35
#define TAP_I386_nanosleep	162
#define TAP_X64_rt_sigreturn	15
#define TAP_I386_rt_sigreturn	173
#define TAP_X64_exit		60
#define TAP_I386_exit		1
#define TAP_X64_exit_group	231
#define TAP_I386_exit_group	252
#define TAP_X64_execve		59
#define TAP_I386_execve		11
#define TAP_X64_restart_syscall	219
#define TAP_X64_poll		7
#define TAP_I386_poll		168
#define TAP_I386_restart_syscall 0
#define TSYS(name) (TAP_TRACEE32 ? TAP_I386_##name : TAP_X64_##name)

/* struct reg by role: i386's for a 32-bit debugger, amd64's otherwise. */
#if TAP_TRACER32
#define R_AX(r)		((r).r_eax)
#define R_PC(r)		((r).r_eip)
#define R_SP(r)		((r).r_esp)
#define R_FLAGS(r)	((r).r_eflags)
#else
#define R_AX(r)		((r).r_rax)
#define R_PC(r)		((r).r_rip)
#define R_SP(r)		((r).r_rsp)
#define R_FLAGS(r)	((r).r_rflags)
#endif

__attribute__((unused)) static void
tap_peer_run(char **argv, void (*f)(void), const uint64_t *addrs)
{
	int fd = atoi(argv[3]);

	alarm(30);
	if (write(fd, addrs, sizeof(uint64_t) * TAP_NSYM) != (ssize_t)(sizeof(uint64_t) * TAP_NSYM))
		_exit(93);
	close(fd);
	if (strcmp(argv[4], "stop") == 0)
		raise(SIGSTOP);
	f();
	_exit(0);
}

/* First thing in main(): run a peer's child, or learn about the peer. */
#define TAP_INIT(argc, argv) do {					\
	const char *fds_ = getenv("TAP_FDS");				\
	if (fds_ != NULL)						\
		sscanf(fds_, "%d,%d,%d,%d,%d,%d,%d,%d", &tap_fds[0],	\
		    &tap_fds[1], &tap_fds[2], &tap_fds[3], &tap_fds[4],	\
		    &tap_fds[5], &tap_fds[6], &tap_fds[7]);		\
	if ((argc) >= 5 && strcmp((argv)[1], "--tap-child") == 0) {	\
		const uint64_t tap_addrs_[] = { TAP_SYMBOLS(TAP_ADDR_) 0 }; \
		TAP_CHILDREN(TAP_DISPATCH_)				\
		_exit(92);						\
	}								\
	tap_peer = getenv("TAP_PEER");					\
	if (tap_peer != NULL && *tap_peer == '\0')			\
		tap_peer = NULL;					\
	printf("# tracer %d-bit, tracee %d-bit\n", TAP_TRACER32 ? 32 : 64, \
	    TAP_TRACEE32 ? 32 : 64);					\
	fflush(stdout);							\
} while (0)
#define TAP_ADDR_(s) (uint64_t)(uintptr_t)&(s),
#define TAP_DISPATCH_(f) if (strcmp(argv[2], #f) == 0) tap_peer_run(argv, f, tap_addrs_);

/* Share tap_fds with children that exec the peer. */
__attribute__((unused)) static void
tap_share_fds(void)
{
	char buf[128];

	snprintf(buf, sizeof(buf), "%d,%d,%d,%d,%d,%d,%d,%d", tap_fds[0], tap_fds[1],
	    tap_fds[2], tap_fds[3], tap_fds[4], tap_fds[5], tap_fds[6], tap_fds[7]);
	setenv("TAP_FDS", buf, 1);
}

/* Read `len` bytes from `fd`, then insist on its end; -1 if it has
 * another length. */
__attribute__((unused)) static ssize_t
tap_read_all(int fd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;
	char extra;

	while (got < len && (n = read(fd, (char *)buf + got, len - got)) > 0)
		got += n;
	if (got < len || read(fd, &extra, 1) != 0)
		return (-1);
	return ((ssize_t)got);
}

/* A child running `name` in the peer; with `traceme`, traced by us and
 * past its exec stop (the peer then stops itself). */
__attribute__((unused)) static pid_t
tap_spawn_peer(const char *name, int traceme)
{
	char fd[16];
	int p[2], status;
	pid_t pid;

	if (pipe(p) == -1)
		return (-1);
	tap_share_fds();
	pid = fork();
	if (pid == 0) {
		alarm(30);
		close(p[0]);
		if (traceme && ptrace(PT_TRACE_ME, 0, NULL, 0) == -1)
			_exit(90);
		snprintf(fd, sizeof(fd), "%d", p[1]);
		execl(tap_peer, tap_peer, "--tap-child", name, fd, traceme ? "stop" : "run",
		    (char *)NULL);
		_exit(91);
	}
	close(p[1]);
	if (traceme) {
		if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status) ||
		    WSTOPSIG(status) != SIGTRAP ||
		    ptrace(PT_CONTINUE, pid, (caddr_t)1, 0) == -1)
			printf("# the peer's exec stop: status %#x\n", status);
	}
	/* Read to the end even with no symbols: the peer closes the pipe
	 * once it runs (past its exec), so the caller never meets the
	 * child still running this program. */
	if (tap_read_all(p[0], tap_remote, sizeof(uint64_t) * TAP_NSYM) !=
	    (ssize_t)(sizeof(uint64_t) * TAP_NSYM))
		printf("# no addresses from the peer\n");
	close(p[0]);
	return (pid);
}

/* fork a child that asks to be traced, stops itself, then runs f(). */
#define fork_traceme(f) tap_fork_traceme(f, #f)
__attribute__((unused)) static pid_t
tap_fork_traceme(void (*f)(void), const char *name)
{
	pid_t pid;

	if (tap_peer != NULL)
		return (tap_spawn_peer(name, 1));
	pid = fork();
	if (pid == 0) {
		alarm(30);
		if (ptrace(PT_TRACE_ME, 0, NULL, 0) == -1)
			_exit(90);
		raise(SIGSTOP);
		f();
		_exit(0);
	}
	return (pid);
}

/* fork an untraced child that runs f() (in the peer if there is one). */
#define fork_run(f) tap_fork_run(f, #f)
__attribute__((unused)) static pid_t
tap_fork_run(void (*f)(void), const char *name)
{
	pid_t pid;

	if (tap_peer != NULL)
		return (tap_spawn_peer(name, 0));
	pid = fork();
	if (pid == 0) {
		alarm(30);
		f();
		_exit(0);
	}
	return (pid);
}

/* Wait for `pid`; return its status, -1 on error. */
__attribute__((unused)) static int
wait_for(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return (-1);
	return (status);
}

#endif
