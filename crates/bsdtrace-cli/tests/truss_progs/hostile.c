/* A hostile tracee for truss: `hostile SEED [ROUNDS [exec]]` runs ROUNDS
 * (default 200) actions drawn from SEED, each meant to make a tracer's
 * decoder or unwinder misbehave:
 *   - syscalls whose pointers are NULL, unmapped, kernel addresses, or end
 *     at the edge of a mapping; lengths and counts that are huge or negative;
 *   - strings without a NUL for megabytes, and strings ending exactly at an
 *     unmapped page;
 *   - structures (msghdr, iovec, pollfd, sigaction, cmsg chains) full of
 *     garbage;
 *   - a thread that maps and unmaps the memory the calls point into;
 *   - a non-leader thread that execs (the new image exits at once);
 *   - signals to itself (handled, ignored, real-time and queued);
 *   - SIGINT/SIGTERM/SIGQUIT to its whole process group, truss included;
 *   - syscalls made with a garbage stack and frame pointer (for -k).
 * Every call fails or does nothing harmful: descriptors are -1 or its own,
 * paths are unreadable, no file is written. Exits 0. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static uint64_t rng;
static uint64_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static char *edge;        /* a page followed by an unmapped page */
static char *big;         /* 4 MiB without a NUL */
static volatile char *churn; /* mapped and unmapped by a thread */
static volatile int stop;

static void *churner(void *a) {
    (void)a;
    while (!stop) {
        /* NOREPLACE: the range may have been given to something else
         * (a thread stack) since; then leave it alone. */
        void *p = mmap((void *)churn, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        if (p == (void *)churn) {
            memset(p, 'A' + (int)(next() % 26), 65536);
            munmap((void *)churn, 65536);
        } else if (p != MAP_FAILED) {
            munmap(p, 65536);
        }
    }
    return NULL;
}

static const char *self;

static void *execer(void *a) {
    (void)a;
    char *argv[] = {(char *)self, "exit", NULL};
    execv(self, argv);
    return NULL;
}

static void on_sig(int s) { (void)s; }

/* A zero timeout no call can overwrite (read-only). */
static const struct timespec zero_ts = {0, 0};

/* A pointer of a hostile kind. */
static uint64_t ptr(void) {
    switch (next() % 9) {
    case 0: return 0;
    case 1: return 1;
    case 2: return (uint64_t)-1;
    case 3: return 0xffff800000000000ull + (next() & 0xffff);
    case 4: return (uint64_t)(edge + 4096 - (next() % 16));
    case 5: return (uint64_t)big;
    case 6: return (uint64_t)churn + (next() % 65536);
    case 7: return next();
    default: return (uint64_t)(edge + (next() % 4096));
    }
}

static uint64_t num(void) {
    switch (next() % 6) {
    case 0: return 0;
    case 1: return (uint64_t)-1;
    case 2: return 1u << 31;
    case 3: return next() % 64;
    case 4: return (uint64_t)1 << 40;
    default: return next();
    }
}

/* Calls whose every failure mode is harmless with these arguments. */
static const long calls[] = {
    SYS_read, SYS_write, SYS_pread64, SYS_readv, SYS_writev, SYS_openat, SYS_newfstatat, SYS_statx,
    SYS_getdents64, SYS_ioctl, SYS_fcntl, SYS_poll, SYS_ppoll, SYS_select, SYS_sendmsg, SYS_recvmsg,
    SYS_sendto, SYS_recvfrom, SYS_connect, SYS_bind, SYS_getsockname, SYS_getpeername, SYS_setsockopt,
    SYS_getsockopt, SYS_epoll_wait, SYS_epoll_ctl, SYS_rt_sigaction, SYS_rt_sigprocmask, SYS_futex,
    SYS_getrandom, SYS_utimensat, SYS_statfs, SYS_fstatfs, SYS_sysinfo, SYS_times, SYS_getitimer,
    SYS_sched_getaffinity, SYS_clock_nanosleep, SYS_access, SYS_readlink, SYS_getcwd, SYS_uname,
    SYS_wait4, SYS_getgroups, SYS_prlimit64, SYS_sigaltstack, SYS_recvmmsg, SYS_sendmmsg, SYS_pipe2,
    SYS_execve, SYS_getrlimit, SYS_nanosleep,
};

static void garbage_call(void) {
    long nr = calls[next() % (sizeof calls / sizeof calls[0])];
    uint64_t a[6];
    for (int i = 0; i < 6; i++)
        a[i] = (next() & 1) ? ptr() : num();
    switch (nr) {
    case SYS_read: case SYS_write: case SYS_pread64: case SYS_readv: case SYS_writev:
    case SYS_ioctl: case SYS_fcntl: case SYS_getdents64: case SYS_sendmsg: case SYS_recvmsg:
    case SYS_sendto: case SYS_recvfrom: case SYS_connect: case SYS_bind: case SYS_getsockname:
    case SYS_getpeername: case SYS_setsockopt: case SYS_getsockopt: case SYS_epoll_wait:
    case SYS_epoll_ctl: case SYS_fstatfs: case SYS_recvmmsg: case SYS_sendmmsg:
        a[0] = (uint64_t)-1; /* no real descriptor */
        break;
    case SYS_openat: case SYS_newfstatat: case SYS_statx: case SYS_utimensat:
        a[0] = (uint64_t)-1; /* a bad dirfd: relative paths fail */
        a[2] &= ~(uint64_t)(O_CREAT | O_TRUNC | O_WRONLY | O_RDWR);
        break;
    case SYS_rt_sigaction:
        a[0] = SIGUSR2; /* only ever this one */
        a[3] = 8;
        break;
    case SYS_rt_sigprocmask:
        a[0] = SIG_UNBLOCK;
        break;
    case SYS_futex:
        a[1] = (next() & 1) ? 1 /* FUTEX_WAKE */ : 0;
        a[3] = (uint64_t)&zero_ts; /* never sleeps */
        break;
    case SYS_poll: case SYS_ppoll: case SYS_select: case SYS_epoll_pwait:
        a[2] = 0;
        if (nr == SYS_select) a[4] = (uint64_t)&zero_ts;
        if (nr == SYS_ppoll) a[2] = (uint64_t)&zero_ts;
        break;
    case SYS_clock_nanosleep: case SYS_nanosleep:
        a[0] = (nr == SYS_nanosleep) ? (uint64_t)&zero_ts : 1;
        a[1] = 0;
        a[2] = (uint64_t)&zero_ts;
        break;
    case SYS_wait4:
        a[2] |= 1; /* WNOHANG */
        break;
    case SYS_prlimit64:
        a[0] = getpid();
        a[2] = 0; /* only read */
        break;
    case SYS_sigaltstack:
        a[0] = 0;
        break;
    case SYS_execve:
        a[0] = ptr() | 1; /* never a readable path */
        if (a[0] == (uint64_t)(edge + 4096 - 1)) a[0] = 1;
        break;
    case SYS_pipe2:
        a[0] = (uint64_t)-1;
        break;
    case SYS_getrandom: case SYS_getcwd: case SYS_readlink:
        /* Never write past our own buffers. */
        a[nr == SYS_readlink ? 2 : 1] = next() % 64;
        break;
    }
    syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* A call with the stack and frame pointers pointing at garbage. */
static void bad_stack_call(void) {
    uint64_t garbage = ptr();
    long ret;
    /* No handler may run on that stack: block every signal meanwhile. */
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &old);
    __asm__ volatile(
        "mov %%rsp, %%r12\n\t"
        "mov %%rbp, %%r13\n\t"
        "mov %1, %%rsp\n\t"
        "mov %1, %%rbp\n\t"
        "mov $39, %%eax\n\t" /* getpid */
        "syscall\n\t"
        "mov %%r12, %%rsp\n\t"
        "mov %%r13, %%rbp\n\t"
        : "=a"(ret)
        : "r"(garbage)
        : "rcx", "r11", "r12", "r13", "memory");
    (void)ret;
    sigprocmask(SIG_SETMASK, &old, NULL);
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "exit") == 0)
        return 0;
    self = argv[0];
    rng = argc > 1 ? strtoull(argv[1], NULL, 10) * 2654435761u + 1 : 1;
    int rounds = argc > 2 ? atoi(argv[2]) : 200;

    edge = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(edge + 4096, 4096);
    memset(edge, 'x', 4096); /* a string that runs into the unmapped page */
    big = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(big, 'B', 4 << 20);
    churn = mmap(NULL, 65536, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap((void *)churn, 65536);

    signal(SIGUSR1, on_sig);
    signal(SIGRTMIN + 1, on_sig);
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    pthread_t ct;
    pthread_create(&ct, NULL, churner, NULL);

    for (int r = 0; r < rounds; r++) {
        switch (next() % 12) {
        case 0: {
            /* A sendmsg whose iovec and control chain are garbage but mapped. */
            struct msghdr *m = (struct msghdr *)(edge + 4096 - sizeof *m);
            m->msg_name = (void *)ptr();
            m->msg_namelen = (socklen_t)num();
            m->msg_iov = (struct iovec *)(edge + (next() % 4000));
            m->msg_iovlen = num();
            m->msg_control = edge + (next() % 4096);
            m->msg_controllen = num();
            syscall(SYS_sendmsg, -1, m, 0);
            break;
        }
        case 1:
            raise(SIGUSR1);
            break;
        case 2: {
            union sigval v = {.sival_int = (int)r};
            sigqueue(getpid(), SIGRTMIN + 1, v);
            break;
        }
        case 3:
            if (next() % 8 == 0)
                kill(0, (int[]){SIGINT, SIGTERM, SIGQUIT}[next() % 3]);
            break;
        case 4:
            bad_stack_call();
            break;
        case 5: {
            /* A path of megabytes with no NUL. */
            syscall(SYS_openat, -1, big, O_RDONLY);
            syscall(SYS_write, -1, big, 4 << 20);
            break;
        }
        default:
            garbage_call();
        }
    }
    stop = 1;
    pthread_join(ct, NULL);
    if (argc > 3 || rng % 3 == 0) {
        /* A non-leader thread execs; the new image exits 0 at once. */
        pthread_t et;
        pthread_create(&et, NULL, execer, NULL);
        pthread_join(et, NULL); /* never returns: the exec replaces us */
    }
    return 0;
}
