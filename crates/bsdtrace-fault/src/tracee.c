/* The fault suite's tracee: one static, non-PIE program (fixed addresses,
 * so the fuzzer knows valid and invalid memory without asking), many
 * behaviours, chosen by argv[1]. Lines for the harness go to the fd named
 * by $READY_FD when set.
 *
 * The "fuzz" mode runs in a seccomp sandbox: the fuzzer rewrites its
 * registers and memory and makes it run system calls (PT_SC_REMOTE), so
 * every system call outside a short list fails with EPERM, and tgkill()
 * reaches only its own threads. Whatever the fuzzer does to it, it can
 * harm nothing but itself. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Memory the fuzzer may read and write (fixed address: static, no PIE). */
volatile unsigned char scratch[65536] __attribute__((aligned(4096)));
/* A page of data that the "jump_data" mode calls into. */
unsigned char data_page[4096] __attribute__((aligned(4096)));
volatile unsigned long counter;
static char *self_path;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
	const char *fd = getenv("READY_FD");
	if (!fd)
		return;
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	/* The reader may be gone (it wanted only the first line). */
	if (n > 0 && write(atoi(fd), buf, (size_t)n) < 0)
		return;
}

static uint64_t rng;
static uint64_t next(void) {
	/* splitmix64 */
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void on_usr1(int sig) {
	(void)sig;
	counter++;
}

static void nap_us(long us) {
	struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
	nanosleep(&ts, NULL);
}

/* ---- the sandbox -------------------------------------------------------- */

#define ALLOW(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

static void sandbox(void) {
	pid_t me = getpid();
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		/* tgkill only to ourselves (raise() and glibc's own broadcasts). */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_tgkill, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)me, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		ALLOW(SYS_read), ALLOW(SYS_write), ALLOW(SYS_close), ALLOW(SYS_mmap),
		ALLOW(SYS_mprotect), ALLOW(SYS_munmap), ALLOW(SYS_brk),
		ALLOW(SYS_rt_sigaction), ALLOW(SYS_rt_sigprocmask), ALLOW(SYS_rt_sigreturn),
		ALLOW(SYS_sched_yield), ALLOW(SYS_nanosleep), ALLOW(SYS_clock_nanosleep),
		ALLOW(SYS_clock_gettime), ALLOW(SYS_getpid), ALLOW(SYS_getppid),
		ALLOW(SYS_gettid), ALLOW(SYS_getuid), ALLOW(SYS_geteuid), ALLOW(SYS_getgid),
		ALLOW(SYS_getegid), ALLOW(SYS_clone), ALLOW(SYS_clone3), ALLOW(SYS_fork),
		ALLOW(SYS_vfork), ALLOW(SYS_execve), ALLOW(SYS_exit), ALLOW(SYS_exit_group),
		ALLOW(SYS_wait4), ALLOW(SYS_waitid), ALLOW(SYS_futex), ALLOW(SYS_set_robust_list),
		ALLOW(SYS_rseq), ALLOW(SYS_set_tid_address), ALLOW(SYS_madvise), ALLOW(SYS_pause),
		ALLOW(SYS_arch_prctl), ALLOW(SYS_prlimit64), ALLOW(SYS_getrandom), ALLOW(SYS_uname),
		ALLOW(SYS_newfstatat), ALLOW(SYS_fstat), ALLOW(SYS_readlink), ALLOW(SYS_sigaltstack),
		ALLOW(SYS_mremap), ALLOW(SYS_poll), ALLOW(SYS_getcwd),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
	};
	struct sock_fprog prog = {sizeof f / sizeof f[0], f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
		_exit(91);
}

/* ---- threads ------------------------------------------------------------ */

static void *short_thread(void *arg) {
	(void)arg;
	syscall(SYS_getppid);
	return NULL;
}

static void *blocked_thread(void *arg) {
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static void *napping_thread(void *arg) {
	(void)arg;
	for (;;) {
		syscall(SYS_getppid);
		nap_us(200);
	}
	return NULL;
}

static volatile int churn_stop;
static long churn_rounds;
static void *churn_thread(void *arg) {
	(void)arg;
	for (long i = 0; !churn_stop && (churn_rounds == 0 || i < churn_rounds); i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, short_thread, NULL) == 0)
			pthread_join(t, NULL);
		else
			sched_yield();
	}
	return NULL;
}

static void *spam_thread(void *arg) {
	(void)arg;
	for (;;) {
		kill(getpid(), SIGCONT);
		nap_us(20);
	}
	return NULL;
}

static char *exec_argv[8];
static void *exec_thread(void *arg) {
	(void)arg;
	execv(exec_argv[0], exec_argv);
	_exit(93);
}

static pthread_t spawn(void *(*fn)(void *)) {
	pthread_t t;
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 64 * 1024);
	if (pthread_create(&t, &a, fn, NULL) != 0)
		_exit(92);
	pthread_attr_destroy(&a);
	return t;
}

static void fork_and_reap(void) {
	pid_t c = fork();
	if (c == 0)
		_exit(0);
	if (c > 0)
		waitpid(c, NULL, 0);
}

/* One step of the fuzz tracee's life: something that gives the tracer an
 * event to see, now and then. */
static void fuzz_step(void) {
	switch (next() % 16) {
	case 0: case 1: case 2: case 3:
		syscall(SYS_getppid);
		break;
	case 4: case 5:
		nap_us(100);
		break;
	case 6:
		raise(SIGUSR1);
		break;
	case 7:
		pthread_join(spawn(short_thread), NULL);
		break;
	case 8:
		if (next() % 8 == 0)
			fork_and_reap();
		break;
	case 9:
		if (next() % 64 == 0) {
			/* Exec ourselves again, from the main thread or another. */
			static char seed[32];
			snprintf(seed, sizeof seed, "%llu", (unsigned long long)next());
			exec_argv[0] = self_path;
			exec_argv[1] = "fuzz";
			exec_argv[2] = seed;
			exec_argv[3] = NULL;
			if (next() % 2)
				execv(self_path, exec_argv);
			else
				spawn(exec_thread);
			nap_us(1000);
		}
		break;
	case 10:
		scratch[next() % sizeof scratch] = (unsigned char)next();
		break;
	case 11:
		sched_yield();
		break;
	case 12:
		if (next() % 32 == 0)
			__asm__ volatile("int3");
		break;
	default:
		counter++;
		break;
	}
}

int main(int argc, char **argv) {
	if (argc < 2) {
		fprintf(stderr, "usage: fault-tracee MODE [ARGS]\n");
		return 2;
	}
	self_path = argv[0];
	const char *m = argv[1];
	long n = argc > 2 ? atol(argv[2]) : 0;
	rng = (uint64_t)n * 0x2545f4914f6cdd1dULL + 1;
	signal(SIGUSR1, on_usr1);
	signal(SIGPIPE, SIG_IGN);
	/* An int3 of the fuzz mode is for the tracer; untraced it is harmless. */
	signal(SIGTRAP, on_usr1);

	if (!strcmp(m, "addrs")) {
		/* For the fuzzer: valid memory, and where the code is. */
		printf("scratch %p %zu\ncode %p\n", (void *)scratch, sizeof scratch, (void *)main);
		return 0;
	} else if (!strcmp(m, "exit")) {
		return (int)n;
	} else if (!strcmp(m, "fuzz")) {
		/* A sandboxed life of random small events, forever. */
		sandbox();
		say("ready %d\n", (int)getpid());
		for (;;)
			fuzz_step();
	} else if (!strcmp(m, "pause")) {
		say("ready %d\n", (int)getpid());
		for (;;)
			pause();
	} else if (!strcmp(m, "loop")) {
		/* Small system calls forever. */
		say("ready %d\n", (int)getpid());
		for (;;) {
			syscall(SYS_getppid);
			if (++counter % 64 == 0)
				nap_us(100);
		}
	} else if (!strcmp(m, "mt")) {
		/* n threads: half blocked in pause(), half napping; main naps. */
		for (long i = 0; i < n; i++)
			spawn(i % 2 ? blocked_thread : napping_thread);
		say("ready %d\n", (int)getpid());
		for (;;) {
			syscall(SYS_getppid);
			nap_us(500);
		}
	} else if (!strcmp(m, "churn")) {
		/* n threads, each creating and joining short threads forever. */
		for (long i = 0; i < (n ? n : 1); i++)
			spawn(churn_thread);
		say("ready %d\n", (int)getpid());
		for (;;)
			nap_us(1000);
	} else if (!strcmp(m, "forker")) {
		/* Forks children that exit at once, forever. */
		say("ready %d\n", (int)getpid());
		for (;;) {
			fork_and_reap();
			syscall(SYS_getppid);
		}
	} else if (!strcmp(m, "execer")) {
		/* Exec ourselves n more times, alternately from the main thread and
		 * from another one, with threads around; then loop. */
		say("ready %d\n", (int)getpid());
		if (n <= 0) {
			for (;;)
				nap_us(1000);
		}
		static char left[32];
		snprintf(left, sizeof left, "%ld", n - 1);
		exec_argv[0] = self_path;
		exec_argv[1] = "execer";
		exec_argv[2] = left;
		exec_argv[3] = NULL;
		spawn(napping_thread);
		nap_us(500);
		if (n % 2)
			execv(self_path, exec_argv);
		spawn(exec_thread);
		for (;;)
			pause();
	} else if (!strcmp(m, "mixed")) {
		/* Everything at once: threads churning, forks, signals. */
		spawn(churn_thread);
		spawn(napping_thread);
		say("ready %d\n", (int)getpid());
		for (;;) {
			fork_and_reap();
			raise(SIGUSR1);
			nap_us(300);
		}
	} else if (!strcmp(m, "stress")) {
		/* R4: n threads that churn (each creates and joins argv[3]
		 * short threads), while the main thread forks argv[4] children;
		 * then a thread that is not the leader execs "exit 42". */
		long per = argc > 3 ? atol(argv[3]) : 10;
		long forks = argc > 4 ? atol(argv[4]) : 0;
		churn_rounds = per;
		pthread_t *ts = calloc((size_t)n, sizeof *ts);
		for (long i = 0; i < n; i++)
			ts[i] = spawn(churn_thread);
		for (long i = 0; i < forks; i++)
			fork_and_reap();
		for (long i = 0; i < n; i++)
			pthread_join(ts[i], NULL);
		/* Keep many threads alive across the exec. */
		for (long i = 0; i < n; i++)
			spawn(blocked_thread);
		exec_argv[0] = self_path;
		exec_argv[1] = "exit";
		exec_argv[2] = "42";
		exec_argv[3] = NULL;
		spawn(exec_thread);
		for (;;)
			pause();
	} else if (!strcmp(m, "sigstop")) {
		/* Stop ourselves (a PT_TRACE_ME child's first stop), then nap. */
		raise(SIGSTOP);
		for (;;)
			nap_us(1000);
	} else if (!strcmp(m, "traceme_spam")) {
		/* Issue 11 #4: a thread (untraced: Linux's PTRACE_TRACEME traces
		 * only the caller) sends SIGCONT to the process all the time,
		 * while the main thread asks to be traced and stops itself. */
		spawn(spam_thread);
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
			return 96;
		raise(SIGSTOP);
		for (;;)
			nap_us(1000);
	} else if (!strcmp(m, "jump_data")) {
		/* Call through a pointer to data (mapped, not executable): the
		 * process stops with SIGSEGV at a PC that cannot execute. */
		say("ready %d\n", (int)getpid());
		memset(data_page, 0x90, sizeof data_page);
		void (*f)(void) = (void (*)(void))(void *)data_page;
		f();
		return 1;
	} else if (!strcmp(m, "jump_unmapped")) {
		say("ready %d\n", (int)getpid());
		void (*f)(void) = (void (*)(void))(uintptr_t)0x1000;
		f();
		return 1;
	} else if (!strcmp(m, "other_tracer")) {
		/* A process traced by someone else (this process, with Linux's own
		 * PTRACE_TRACEME): says the child's pid, then waits forever. */
		pid_t c = fork();
		if (c == 0) {
			if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
				_exit(94);
			raise(SIGSTOP);
			for (;;)
				nap_us(10000);
		}
		int st;
		if (waitpid(c, &st, 0) != c || !WIFSTOPPED(st))
			return 95;
		ptrace(PTRACE_CONT, c, NULL, NULL);
		say("ready %d\n", (int)c);
		for (;;) {
			if (waitpid(c, &st, 0) == c && WIFSTOPPED(st))
				ptrace(PTRACE_CONT, c, NULL, (void *)(long)(WSTOPSIG(st) == SIGSTOP ? 0 : WSTOPSIG(st)));
			else
				return 0;
		}
	}
	fprintf(stderr, "fault-tracee: unknown mode %s\n", m);
	return 2;
}
