/* The sleepers' bookkeeping, shared by busy.c and sleepers32.c: per kind
 * of call, how many calls, EINTRs, early and late returns. The includer
 * defines the number of kinds, K_COUNT, first. */
#include <stdatomic.h>
#include <time.h>

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
