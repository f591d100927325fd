/* NTHREADS threads (default 256) asleep in pause(), then the main thread
 * calls exit(0): the kernel's exit_group kills every thread, and a tracer
 * sees each one's exit. The process's exit is what bench/truss-exit.sh
 * times (the threads' births are a small, equal share for every tool). */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

static void *sleeper(void *a) {
    for (;;)
        pause();
    return a;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 256;
    pthread_t t;
    for (int i = 0; i < n; i++)
        pthread_create(&t, NULL, sleeper, NULL);
    exit(0);
}
