/* NTHREADS threads (default 8) that together make TOTAL getppid() calls
 * (default 100000), all started together: a multithreaded syscall
 * workload for bench/truss.sh. */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

static pthread_barrier_t start;
static long each;

static void *work(void *a) {
    (void)a;
    pthread_barrier_wait(&start);
    for (long i = 0; i < each; i++)
        getppid();
    return NULL;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 8;
    long total = argc > 2 ? atol(argv[2]) : 100000;
    pthread_t *t = calloc(n, sizeof *t);
    each = total / n;
    pthread_barrier_init(&start, NULL, n);
    for (int i = 0; i < n; i++)
        pthread_create(&t[i], NULL, work, NULL);
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    return 0;
}
