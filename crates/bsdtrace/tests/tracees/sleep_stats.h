/* The sleepers' bookkeeping, shared by busy.c and sleepers32.c: per kind
 * of call, how many calls, EINTRs, early and late returns, and the report
 * printed when stdin closes. The includer defines the number of kinds,
 * K_COUNT, and their names, kind_name[K_COUNT], first. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <time.h>
#include <unistd.h>

struct stats {
    atomic_long calls, eintr, early, late;
    atomic_long maxlate_us;
    /* When (CLOCK_MONOTONIC, ms) the first EINTRs came, for a test that
     * fails to say in which of its phases. */
    atomic_long eintr_ms[3];
};
static struct stats st[K_COUNT];
/* The calls' timeout. */
static int ms;
/* Set when stdin closes: the sleepers leave their loops. */
static atomic_int stop;
/* A pipe nobody writes to: a read of it sleeps until interrupted. */
static int never_pipe[2];

static long now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000L + t.tv_nsec / 1000;
}

/* One timed call: count it, its EINTRs, and how far its duration strayed
 * from the timeout (early: returned before the timeout; late: more than
 * 20 ms after it; the largest lateness is kept). Untimed calls never
 * return unless interrupted. */
static void account(int k, long t0, int r, int err, int timed) {
    long d = now_us() - t0;
    atomic_fetch_add(&st[k].calls, 1);
    if (r < 0 && err == EINTR) {
        long n = atomic_fetch_add(&st[k].eintr, 1);
        if (n < 3)
            atomic_store(&st[k].eintr_ms[n], now_us() / 1000);
        return;
    }
    if (!timed)
        return;
    if (d < ms * 1000L - 1000)
        atomic_fetch_add(&st[k].early, 1);
    long late = d - ms * 1000L;
    if (late > 20000)
        atomic_fetch_add(&st[k].late, 1);
    long m = atomic_load(&st[k].maxlate_us);
    while (late > m && !atomic_compare_exchange_weak(&st[k].maxlate_us, &m, late))
        ;
}

/* Block SIGRTMIN+3 in the calling thread and leave it in `set` (the
 * signal mask the sleepers' signal waits and epoll_pwait take). */
static void block_rt3(sigset_t *set) {
    sigemptyset(set);
    sigaddset(set, SIGRTMIN + 3);
    pthread_sigmask(SIG_BLOCK, set, NULL);
}

/* The closer thread's work: once stdin closes, stop the sleepers and print
 * a line per kind `shown` accepts (every kind if it is NULL):
 * "NAME calls eintr early late maxlate_ms", then what `more` adds if not
 * NULL; then remove the semaphore set `*sem` if there is one (after the
 * report, as its removal wakes the threads asleep in it with EIDRM; sets
 * left behind fill the system's table) and exit 0. */
static void report_at_eof(int (*shown)(int k), void (*more)(int k), atomic_int *sem) {
    char c;
    while (read(0, &c, 1) > 0)
        ;
    atomic_store(&stop, 1);
    for (int k = 0; k < K_COUNT; k++) {
        if (shown && !shown(k))
            continue;
        printf("%s %ld %ld %ld %ld %ld", kind_name[k], atomic_load(&st[k].calls), atomic_load(&st[k].eintr),
               atomic_load(&st[k].early), atomic_load(&st[k].late), atomic_load(&st[k].maxlate_us) / 1000);
        if (more)
            more(k);
        printf("\n");
    }
    fflush(stdout);
    if (atomic_load(sem) >= 0)
        semctl(atomic_load(sem), 0, IPC_RMID);
    _exit(0);
}
