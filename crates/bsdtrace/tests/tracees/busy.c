/* Tracees that must make progress while their tracer is elsewhere, and
 * that measure what a debugger's stops do to them.
 *
 *   busy progress N K   N threads, each K rounds of: getppid, an ignored
 *                       SIGUSR1 (SIG_IGN) and a default-ignored SIGURG sent
 *                       to itself, a thread created and joined; then "done"
 *                       on $READY_FD and exit 0. Every round needs the
 *                       tracer on Linux (signal-delivery and clone stops),
 *                       none on FreeBSD.
 *   busy sleepers MS    threads blocked in calls Linux does not restart
 *                       after a stop (epoll_wait, epoll_pwait,
 *                       sigtimedwait, semtimedop, recv with SO_RCVTIMEO,
 *                       io_getevents... each with a MS millisecond timeout,
 *                       epoll_wait made by hand so that a timeout register
 *                       changed under the program counts as an EINTR,
 *                       in a loop) and in calls it restarts (nanosleep,
 *                       poll, futex, read), while the main thread makes
 *                       getppid calls; it prints "ready", and when stdin
 *                       closes prints one line per call kind:
 *                       "NAME calls eintr early late maxlate_ms" and exits.
 *   busy sleepers_int80 MS N  the same with N threads in epoll_wait made
 *                       through int $0x80 (an i386 call of a 64-bit
 *                       program), the whole rsi checked after it, and
 *                       one in nanosleep; their two report lines.
 *   busy counters N     N threads, each forever: getppid, then its
 *                       counter += 1 (slot i of `counters`, with its tid);
 *                       prints "ready ADDR" (the address of `counters`)
 *                       once every thread has counted, and exits 0 when
 *                       $IN_FD (or stdin) closes.
 *   busy exit_after_read  prints "ready", reads one byte from $IN_FD (or
 *                       stdin), then exits 7 plus the number of SIGCONTs
 *                       its handler caught.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void ready(const char *what) {
    const char *fd = getenv("READY_FD");
    if (fd)
        dprintf(atoi(fd), "%s\n", what);
}

static int rounds;

static void *nothing(void *a) { return a; }

static void *progress_thread(void *arg) {
    (void)arg;
    for (int i = 0; i < rounds; i++) {
        syscall(SYS_getppid);
        raise(SIGUSR1);
        raise(SIGURG);
        pthread_t t;
        pthread_create(&t, NULL, nothing, NULL);
        pthread_join(t, NULL);
    }
    return NULL;
}

static int progress(int n, int k) {
    signal(SIGUSR1, SIG_IGN);
    rounds = k;
    pthread_t t[64];
    if (n > 64)
        n = 64;
    for (int i = 0; i < n; i++)
        pthread_create(&t[i], NULL, progress_thread, NULL);
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    ready("done");
    return 0;
}

/* ---- sleepers ---------------------------------------------------------- */

enum { K_EPOLL, K_EPOLL_PWAIT, K_SIGTIMEDWAIT, K_SEMTIMEDOP, K_RECV_TIMEO, K_IO_GETEVENTS,
       K_NANOSLEEP, K_POLL, K_FUTEX, K_READ, K_SLEEPERS, K_EPOLL_INT80 = K_SLEEPERS, K_COUNT };
static const char *kind_name[K_COUNT] = {"epoll_wait", "epoll_pwait", "sigtimedwait", "semtimedop",
                                         "recv_timeo", "io_getevents", "nanosleep", "poll",
                                         "futex", "read", "epoll_wait_int80"};
/* The kinds some thread sleeps in (reported). */
static atomic_int started[K_COUNT];

#include "sleep_stats.h"
static atomic_int sleepers_sem = -1;
/* How many of epoll_wait's EINTRs were a changed r10 (the report's last field). */
static atomic_long r10_changed;

/* epoll_wait by hand, to see the timeout register after the call: the
 * x86-64 syscall ABI hands every argument register back unchanged, and
 * compiled code may rely on it. A tracer that rewrote it to restart the
 * call with the time left must put it back: a changed r10 is reported as
 * an EINTR (something the program would see). */
static int epoll_wait_r10(int ep, struct epoll_event *ev, int timeout) {
    register long r10 __asm__("r10") = timeout;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret), "+r"(r10)
                     : "0"((long)SYS_epoll_wait), "D"((long)ep), "S"(ev), "d"(1L)
                     : "rcx", "r11", "memory");
    if (r10 != timeout) {
        atomic_fetch_add(&r10_changed, 1);
        errno = EINTR;
        return -1;
    }
    if (ret < 0) {
        errno = (int)-ret;
        return -1;
    }
    return (int)ret;
}

/* The same through int $0x80: an i386 call (number 256, the timeout in
 * esi) from this 64-bit program, its events in memory below 4 GiB. The
 * whole rsi must come back as the program passed it. */
static int epoll_wait_int80(int ep, struct epoll_event *ev, int timeout) {
    long rsi = timeout | 0x5a5a5a5a00000000L;
    long ret;
    __asm__ volatile("int $0x80"
                     : "=a"(ret), "+S"(rsi)
                     : "0"(256L), "b"((long)ep), "c"(ev), "d"(1L)
                     : "r8", "r9", "r10", "r11", "memory");
    if (rsi != (timeout | 0x5a5a5a5a00000000L)) {
        errno = EINTR;
        return -1;
    }
    if ((int)ret < 0) {
        errno = -(int)ret;
        return -1;
    }
    return (int)ret;
}

static void *sleeper(void *arg) {
    int k = (int)(long)arg;
    atomic_store(&started[k], 1);
    struct epoll_event *low = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    int ep = epoll_create1(0);
    /* One semaphore set, for the semtimedop thread only, removed by the
     * closer (ten sets per run, never removed, once filled the system's
     * table: 32,000 sets after a day of test loops, and every semtimedop
     * then failed at once). */
    int semid = -1;
    if (k == K_SEMTIMEDOP) {
        semid = semget(IPC_PRIVATE, 1, 0600);
        if (semid < 0) {
            perror("busy sleepers: semget");
            _exit(3);
        }
        atomic_store(&sleepers_sem, semid);
    }
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    aio_context_t ctx = 0;
    syscall(SYS_io_setup, 4, &ctx);
    sigset_t set;
    block_rt3(&set);
    static int futex_word;
    while (!atomic_load(&stop)) {
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
        struct epoll_event ev;
        char c;
        long t0 = now_us();
        int r = 0, timed = 1;
        switch (k) {
        case K_EPOLL: r = epoll_wait_r10(ep, &ev, ms); break;
        case K_EPOLL_PWAIT: r = epoll_pwait(ep, &ev, 1, ms, &set); break;
        case K_SIGTIMEDWAIT: r = sigtimedwait(&set, NULL, &ts); if (r < 0 && errno == EAGAIN) r = 0; break;
        case K_SEMTIMEDOP: {
            struct sembuf op = {0, -1, 0};
            r = semtimedop(semid, &op, 1, &ts);
            if (r < 0 && errno == EAGAIN) r = 0;
            break;
        }
        case K_RECV_TIMEO: r = recv(sv[0], &c, 1, 0); if (r < 0 && errno == EAGAIN) r = 0; break;
        case K_IO_GETEVENTS: {
            struct io_event e;
            r = syscall(SYS_io_getevents, ctx, 1, 1, &e, &ts);
            break;
        }
        case K_NANOSLEEP: r = nanosleep(&ts, NULL); break;
        case K_POLL: {
            struct pollfd p = {never_pipe[0], POLLIN, 0};
            r = poll(&p, 1, ms);
            break;
        }
        case K_FUTEX: r = syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
            if (r < 0 && errno == ETIMEDOUT) r = 0;
            break;
        case K_READ: timed = 0; r = read(never_pipe[0], &c, 1); break;
        case K_EPOLL_INT80: r = epoll_wait_int80(ep, low, ms); break;
        }
        account(k, t0, r, errno, timed);
    }
    return NULL;
}

/* The kinds some thread sleeps in, and their report lines' last fields. */
static int was_started(int k) { return atomic_load(&started[k]); }

static void eintr_times(int k) {
    printf(" eintr_ms=%ld,%ld,%ld r10_changed=%ld", atomic_load(&st[k].eintr_ms[0]), atomic_load(&st[k].eintr_ms[1]),
           atomic_load(&st[k].eintr_ms[2]), k == K_EPOLL ? atomic_load(&r10_changed) : 0L);
}

static void *closer(void *arg) {
    (void)arg;
    report_at_eof(was_started, eintr_times, &sleepers_sem);
    return NULL;
}

static int sleepers(int timeout_ms, int int80) {
    ms = timeout_ms;
    if (pipe(never_pipe) != 0)
        return 1;
    sigset_t set;
    block_rt3(&set);
    pthread_t t;
    if (int80) {
        for (int i = 0; i < int80; i++)
            pthread_create(&t, NULL, sleeper, (void *)(long)K_EPOLL_INT80);
        /* The machine's own lateness, for comparison. */
        pthread_create(&t, NULL, sleeper, (void *)(long)K_NANOSLEEP);
    } else
        for (long k = 0; k < K_SLEEPERS; k++)
            pthread_create(&t, NULL, sleeper, (void *)k);
    pthread_create(&t, NULL, closer, NULL);
    ready("ready");
    for (;;) {
        syscall(SYS_getppid);
        usleep(200);
    }
}

/* ---- counters ---------------------------------------------------------- */

struct slot {
    _Atomic long tid;
    _Atomic long count;
};
static struct slot counters[64];

static void *count_thread(void *arg) {
    struct slot *s = arg;
    atomic_store(&s->tid, syscall(SYS_gettid));
    for (;;) {
        syscall(SYS_getppid);
        atomic_fetch_add(&s->count, 1);
    }
    return NULL;
}

static int count(int n) {
    if (n > 64)
        n = 64;
    pthread_t t;
    for (int i = 0; i < n; i++)
        pthread_create(&t, NULL, count_thread, &counters[i]);
    for (int i = 0; i < n; i++)
        while (atomic_load(&counters[i].count) == 0)
            usleep(1000);
    char line[64];
    snprintf(line, sizeof line, "ready %p", (void *)counters);
    ready(line);
    char c;
    const char *in = getenv("IN_FD");
    while (read(in ? atoi(in) : 0, &c, 1) > 0)
        ;
    _exit(0);
}

static volatile sig_atomic_t conts;

static void on_cont(int sig) {
    (void)sig;
    conts++;
}

int main(int argc, char **argv) {
    if (argc < 2)
        return 2;
    if (!strcmp(argv[1], "progress"))
        return progress(argc > 2 ? atoi(argv[2]) : 4, argc > 3 ? atoi(argv[3]) : 50);
    if (!strcmp(argv[1], "sleepers"))
        return sleepers(argc > 2 ? atoi(argv[2]) : 300, 0);
    if (!strcmp(argv[1], "sleepers_int80"))
        return sleepers(argc > 2 ? atoi(argv[2]) : 300, argc > 3 ? atoi(argv[3]) : 4);
    if (!strcmp(argv[1], "counters"))
        return count(argc > 2 ? atoi(argv[2]) : 4);
    if (!strcmp(argv[1], "exit_after_read")) {
        signal(SIGCONT, on_cont);
        ready("ready");
        char c;
        const char *in = getenv("IN_FD");
        if (read(in ? atoi(in) : 0, &c, 1) != 1)
            return 3;
        return 7 + conts;
    }
    return 2;
}
