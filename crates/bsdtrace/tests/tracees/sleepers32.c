/* busy.c's `sleepers` for the i386 ABI: built with `cc -m32`, it sleeps
 * in the calls Linux does not restart after a stop, each made by its i386
 * number (arch/x86/entry/syscalls/syscall_32.tbl) with the i386 argument
 * registers and, for the older calls, the 32-bit `struct timespec`
 * (their *_time64 twins take the 64-bit one); through the vDSO's entry
 * (glibc's syscall()), and epoll_wait through `int $0x80` by hand.
 *
 *   sleepers32 MS N   N threads per call kind, each in a loop of one call
 *                     with an MS millisecond timeout (the socket ones:
 *                     SO_RCVTIMEO), and calls Linux restarts (nanosleep,
 *                     read), while the main thread makes getppid calls;
 *                     prints "ready" on $READY_FD, and when stdin closes
 *                     prints one line per call kind:
 *                     "NAME calls eintr early late maxlate_ms" and exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/aio_abi.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#if !defined(__i386__)
#error "sleepers32.c is an i386 program: build it with cc -m32"
#endif

/* i386 syscall numbers. */
enum {
    NR_READ = 3, NR_SOCKETCALL = 102, NR_IPC = 117, NR_NANOSLEEP = 162, NR_RT_SIGTIMEDWAIT = 177,
    NR_IO_SETUP = 245, NR_IO_GETEVENTS = 247, NR_EPOLL_WAIT = 256, NR_EPOLL_PWAIT = 319,
    NR_RECVFROM = 371, NR_IO_PGETEVENTS = 385, NR_IO_PGETEVENTS_TIME64 = 416,
    NR_RECVMMSG_TIME64 = 417, NR_SEMTIMEDOP_TIME64 = 420, NR_RT_SIGTIMEDWAIT_TIME64 = 421,
    NR_EPOLL_PWAIT2 = 441,
};
/* socketcall(2) and ipc(2) calls. */
enum { SC_ACCEPT = 5, SC_RECV = 10, IPC_SEMOP = 1, IPC_SEMTIMEDOP = 4 };

struct ts32 {
    int32_t sec, nsec;
};
struct ts64 {
    int64_t sec, nsec;
};

enum {
    K_EPOLL, K_EPOLL_PWAIT, K_EPOLL_PWAIT2, K_SIGTIMEDWAIT, K_SIGTIMEDWAIT64, K_IPC_SEMTIMEDOP,
    K_SEMTIMEDOP64, K_IPC_SEMOP, K_IO_GETEVENTS, K_IO_PGETEVENTS, K_IO_PGETEVENTS64, K_RECV_TIMEO,
    K_RECVFROM_TIMEO, K_RECVMMSG64_TIMEO, K_ACCEPT_TIMEO, K_NANOSLEEP, K_READ, K_COUNT
};
static const char *kind_name[K_COUNT] = {
    "epoll_wait", "epoll_pwait", "epoll_pwait2", "rt_sigtimedwait", "rt_sigtimedwait_time64",
    "ipc_semtimedop", "semtimedop_time64", "ipc_semop", "io_getevents", "io_pgetevents",
    "io_pgetevents_time64", "socketcall_recv_timeo", "recvfrom_timeo", "recvmmsg_time64_timeo",
    "socketcall_accept_timeo", "nanosleep", "read"};

#include "sleep_stats.h"
/* The one semaphore set the semop threads wait on (never posted), removed
 * by the closer. */
static atomic_int sem = -1;

/* epoll_wait through int $0x80, to see the timeout register (esi) after
 * the call: the i386 ABI hands every register but eax back unchanged. A
 * tracer that rewrote it to restart the call with the time left must put
 * it back: a changed esi is reported as an EINTR. */
static int epoll_wait_esi(int ep, struct epoll_event *ev, int timeout) {
    long ret;
    long esi = timeout;
    __asm__ volatile("int $0x80"
                     : "=a"(ret), "+S"(esi)
                     : "0"((long)NR_EPOLL_WAIT), "b"((long)ep), "c"(ev), "d"(1L)
                     : "memory");
    if (esi != timeout) {
        errno = EINTR;
        return -1;
    }
    if (ret < 0) {
        errno = (int)-ret;
        return -1;
    }
    return (int)ret;
}

/* A timeout the call reports as EAGAIN or ETIMEDOUT is its normal end. */
static int timed_out(int r) {
    return r < 0 && (errno == EAGAIN || errno == ETIMEDOUT) ? 0 : r;
}

static void *sleeper(void *arg) {
    int k = (int)(long)arg;
    int ep = epoll_create1(0);
    int semid = sem;
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int dg[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, dg);
    setsockopt(dg[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int lis = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path + 1, sizeof sa.sun_path - 1, "sleepers32-%d-%p", getpid(), (void *)&sa);
    bind(lis, (struct sockaddr *)&sa, sizeof sa);
    listen(lis, 1);
    setsockopt(lis, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    aio_context_t ctx = 0;
    syscall(NR_IO_SETUP, 4, &ctx);
    sigset_t set;
    block_rt3(&set);
    while (!atomic_load(&stop)) {
        struct ts32 t32 = {ms / 1000, (ms % 1000) * 1000000};
        struct ts64 t64 = {ms / 1000, (ms % 1000) * 1000000LL};
        struct epoll_event ev;
        struct sembuf op = {0, -1, 0};
        struct io_event e;
        char c;
        long t0 = now_us();
        int r = 0, timed = 1;
        switch (k) {
        case K_EPOLL: r = epoll_wait_esi(ep, &ev, ms); break;
        case K_EPOLL_PWAIT: r = syscall(NR_EPOLL_PWAIT, ep, &ev, 1, ms, &set, 8); break;
        case K_EPOLL_PWAIT2: r = syscall(NR_EPOLL_PWAIT2, ep, &ev, 1, &t64, &set, 8); break;
        case K_SIGTIMEDWAIT: r = timed_out(syscall(NR_RT_SIGTIMEDWAIT, &set, NULL, &t32, 8)); break;
        case K_SIGTIMEDWAIT64: r = timed_out(syscall(NR_RT_SIGTIMEDWAIT_TIME64, &set, NULL, &t64, 8)); break;
        case K_IPC_SEMTIMEDOP:
            r = timed_out(syscall(NR_IPC, IPC_SEMTIMEDOP, semid, 1, 0, &op, &t32));
            break;
        case K_SEMTIMEDOP64: r = timed_out(syscall(NR_SEMTIMEDOP_TIME64, semid, &op, 1, &t64)); break;
        case K_IPC_SEMOP: timed = 0; r = syscall(NR_IPC, IPC_SEMOP, semid, 1, 0, &op); break;
        case K_IO_GETEVENTS: r = syscall(NR_IO_GETEVENTS, ctx, 1, 1, &e, &t32); break;
        case K_IO_PGETEVENTS: r = syscall(NR_IO_PGETEVENTS, ctx, 1, 1, &e, &t32, NULL); break;
        case K_IO_PGETEVENTS64: r = syscall(NR_IO_PGETEVENTS_TIME64, ctx, 1, 1, &e, &t64, NULL); break;
        case K_RECV_TIMEO: {
            unsigned long a[4] = {sv[0], (unsigned long)&c, 1, 0};
            r = timed_out(syscall(NR_SOCKETCALL, SC_RECV, a));
            break;
        }
        case K_RECVFROM_TIMEO: r = timed_out(syscall(NR_RECVFROM, sv[0], &c, 1, 0, NULL, NULL)); break;
        case K_RECVMMSG64_TIMEO: {
            struct iovec iov = {&c, 1};
            struct mmsghdr m = {.msg_hdr = {.msg_iov = &iov, .msg_iovlen = 1}};
            /* recvmmsg's own timeout is checked only between datagrams:
             * the socket's ends the wait on an empty socket. */
            r = timed_out(syscall(NR_RECVMMSG_TIME64, dg[0], &m, 1, 0, &t64));
            break;
        }
        case K_ACCEPT_TIMEO: {
            unsigned long a[3] = {lis, 0, 0};
            r = timed_out(syscall(NR_SOCKETCALL, SC_ACCEPT, a));
            break;
        }
        case K_NANOSLEEP: r = syscall(NR_NANOSLEEP, &t32, NULL); break;
        case K_READ: timed = 0; r = syscall(NR_READ, never_pipe[0], &c, 1); break;
        }
        account(k, t0, r, errno, timed);
    }
    return NULL;
}

static void *closer(void *arg) {
    (void)arg;
    report_at_eof(NULL, NULL, &sem);
    return NULL;
}

int main(int argc, char **argv) {
    ms = argc > 1 ? atoi(argv[1]) : 300;
    int per = argc > 2 ? atoi(argv[2]) : 1;
    if (pipe(never_pipe) != 0)
        return 1;
    sem = semget(IPC_PRIVATE, 1, 0600);
    if (sem < 0) {
        perror("sleepers32: semget");
        return 3;
    }
    sigset_t set;
    block_rt3(&set);
    pthread_attr_t small;
    pthread_attr_init(&small);
    pthread_attr_setstacksize(&small, 64 * 1024);
    pthread_t t;
    for (int i = 0; i < per; i++)
        for (long k = 0; k < K_COUNT; k++)
            pthread_create(&t, &small, sleeper, (void *)k);
    pthread_create(&t, NULL, closer, NULL);
    const char *fd = getenv("READY_FD");
    if (fd)
        dprintf(atoi(fd), "ready\n");
    for (;;) {
        syscall(SYS_getppid);
        usleep(200);
    }
}
