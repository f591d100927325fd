/* Two threads doing distinct syscalls; the main thread joins them. */
#include <pthread.h>
#include <unistd.h>
#include <sys/syscall.h>

static void *one(void *a) { (void)a; getppid(); close(-1); return NULL; }
static void *two(void *a) { (void)a; getuid(); dup(-5); return NULL; }

int main(void) {
    pthread_t a, b;
    pthread_create(&a, NULL, one, NULL);
    pthread_join(a, NULL);
    pthread_create(&b, NULL, two, NULL);
    pthread_join(b, NULL);
    getpid();
    return 0;
}
