/* The floor under any ptrace syscall tracer: run a program under
 * PTRACE_SYSCALL with no decoding at all, and optionally one request per
 * stop, to see what each costs.
 *
 *   cc -O2 -o raw bench/raw_syscall_stop.c
 *   taskset -c 0 ./raw MODE program [args]
 *
 * MODE 0: wait + PTRACE_SYSCALL only; 1: + PTRACE_GETREGS at exit stops
 * only (one request per syscall); 2: + PTRACE_GETREGS at every stop (what
 * sc_args/sc_ret cost); 3: + PTRACE_GET_SYSCALL_INFO at every stop (what
 * strace does). */
#include <signal.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3)
        return 2;
    int mode = atoi(argv[1]);
    pid_t p = fork();
    if (p == 0) {
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        raise(SIGSTOP);
        execvp(argv[2], argv + 2);
        _exit(127);
    }
    int st, n = 0;
    waitpid(p, &st, 0);
    ptrace(PTRACE_SETOPTIONS, p, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL);
    ptrace(PTRACE_SYSCALL, p, 0, 0);
    struct user_regs_struct r;
    static char info[128];
    for (;;) {
        waitpid(p, &st, __WALL);
        if (WIFEXITED(st) || WIFSIGNALED(st))
            break;
        n++;
        if (mode == 2 || (mode == 1 && (n & 1) == 0))
            ptrace(PTRACE_GETREGS, p, 0, &r);
        else if (mode == 3)
            ptrace(0x420e /* PTRACE_GET_SYSCALL_INFO */, p, sizeof info, info);
        ptrace(PTRACE_SYSCALL, p, 0, 0);
    }
    return 0;
}
