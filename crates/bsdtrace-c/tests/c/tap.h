/*
 * A few TAP helpers for libbsdtrace's C tests: each check prints
 * "ok N - what" or "not ok N - what", and the program exits nonzero if any
 * failed.  alarm() turns a hang into a failure.
 */
#ifndef TAP_H
#define TAP_H

#include <sys/types.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
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

static void
tap_start(unsigned seconds)
{
	signal(SIGALRM, tap_timeout);
	alarm(seconds);
}

static int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return (tap_failed != 0);
}

/* fork a child that asks to be traced, stops itself, then runs f(). */
__attribute__((unused)) static pid_t
fork_traceme(void (*f)(void))
{
	pid_t pid = fork();

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
