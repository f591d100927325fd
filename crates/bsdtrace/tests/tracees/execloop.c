/*
 * A process that execs itself for ever, for attaches that race an execve
 * (tests/attach_exec.rs, issue 11 #13). `execloop MODE`:
 *   leader   single-threaded: run a random while (0-400 us), exec;
 *   thread   the leader sleeps in pause(); a second thread runs a random
 *            while and execs (de_thread kills the leader, the exec'ing
 *            thread takes over its id);
 *   threads  as `thread`, with three more threads asleep in pause().
 * Untraced, it runs for ever; the test kills it.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char **args;

static unsigned long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long)ts.tv_sec * 1000000000UL + (unsigned long)ts.tv_nsec;
}

/* Spin (not sleep: the exec then comes at any instant of a time slice)
 * for a random time, then exec this program again in the same mode. */
static void spin_then_exec(void) {
    unsigned long seed = now_ns() ^ ((unsigned long)getpid() << 20) ^ (unsigned long)gettid();
    unsigned long end = now_ns() + (seed * 2654435761UL >> 7) % 400000;
    while (now_ns() < end)
        ;
    execv("/proc/self/exe", args);
    _exit(99);
}

static void *execer(void *a) {
    (void)a;
    spin_then_exec();
    return NULL;
}

static void *sleeper(void *a) {
    (void)a;
    for (;;)
        pause();
}

int main(int argc, char **argv) {
    if (argc < 2)
        return 2;
    args = argv;
    if (!strcmp(argv[1], "leader"))
        spin_then_exec();
    pthread_t t;
    if (!strcmp(argv[1], "threads"))
        for (int i = 0; i < 3; i++)
            pthread_create(&t, NULL, sleeper, NULL);
    pthread_create(&t, NULL, execer, NULL);
    for (;;)
        pause();
}
