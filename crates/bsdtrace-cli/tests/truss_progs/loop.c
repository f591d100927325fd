/* Says "ready PID", then ticks every 10 ms until killed. With an argument,
 * a second thread loops on getuid() too. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static void *spin(void *a) {
    struct timespec ts = { 0, 10 * 1000 * 1000 };
    (void)a;
    for (;;) {
        getuid();
        nanosleep(&ts, NULL);
    }
    return NULL;
}

int main(int argc, char **argv) {
    struct timespec ts = { 0, 10 * 1000 * 1000 };
    (void)argv;
    if (argc > 1) {
        pthread_t t;
        pthread_create(&t, NULL, spin, NULL);
    }
    printf("ready %d\n", getpid());
    fflush(stdout);
    for (;;) {
        getppid();
        nanosleep(&ts, NULL);
        printf("tick\n");
        fflush(stdout);
    }
}
