/* Says "ready", then ticks every 10 ms until killed. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>
int main(void) {
    struct timespec ts = { 0, 10 * 1000 * 1000 };
    printf("ready %d\n", getpid());
    fflush(stdout);
    for (;;) {
        getppid();
        nanosleep(&ts, NULL);
        printf("tick\n");
        fflush(stdout);
    }
}
