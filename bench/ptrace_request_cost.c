/* What one ptrace request costs on a tracee that is already stopped (at a
 * syscall-entry stop), with no context switch in the loop: the part of a
 * stop's cost that a tracer's choice of request decides.
 *
 *   cc -O2 -o ptrace_request_cost bench/ptrace_request_cost.c
 *   taskset -c 0 ./ptrace_request_cost [N]     (default 100000 per request)
 *
 * Prints ns per request, three rounds: PTRACE_GETREGS, PTRACE_GET_SYSCALL_INFO,
 * PTRACE_GETREGSET NT_PRSTATUS cut at 128 bytes (r15..orig_rax, everything
 * PT_GET_SC_ARGS/PT_GET_SC_RET need) and whole, PTRACE_PEEKUSER of one
 * register, and getppid() as the bare syscall cost. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 100000;
    pid_t p = fork();
    if (p == 0) {
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        raise(SIGSTOP);
        for (;;)
            syscall(SYS_getppid);
    }
    int st;
    waitpid(p, &st, 0);
    ptrace(PTRACE_SETOPTIONS, p, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL);
    ptrace(PTRACE_SYSCALL, p, 0, 0);
    waitpid(p, &st, 0); /* a syscall-entry stop */
    struct user_regs_struct r;
    char info[88];
    struct iovec iov = { &r, 0 };
    for (int round = 0; round < 3; round++) {
        double t[7];
        t[0] = now();
        for (int i = 0; i < n; i++)
            ptrace(PTRACE_GETREGS, p, 0, &r);
        t[1] = now();
        for (int i = 0; i < n; i++)
            ptrace(0x420e /* PTRACE_GET_SYSCALL_INFO */, p, sizeof info, info);
        t[2] = now();
        for (int i = 0; i < n; i++) {
            iov.iov_len = 128;
            ptrace(PTRACE_GETREGSET, p, 1 /* NT_PRSTATUS */, &iov);
        }
        t[3] = now();
        for (int i = 0; i < n; i++) {
            iov.iov_len = sizeof r;
            ptrace(PTRACE_GETREGSET, p, 1, &iov);
        }
        t[4] = now();
        for (int i = 0; i < n; i++)
            ptrace(PTRACE_PEEKUSER, p, 8 * 12 /* rdx */, 0);
        t[5] = now();
        for (int i = 0; i < n; i++)
            syscall(SYS_getppid);
        t[6] = now();
        printf("GETREGS %.0f  GET_SYSCALL_INFO %.0f  GETREGSET(128 B) %.0f  GETREGSET(all) %.0f  "
               "PEEKUSER %.0f  getppid %.0f ns\n",
               (t[1] - t[0]) / n, (t[2] - t[1]) / n, (t[3] - t[2]) / n, (t[4] - t[3]) / n,
               (t[5] - t[4]) / n, (t[6] - t[5]) / n);
    }
    kill(p, SIGKILL);
    return 0;
}
