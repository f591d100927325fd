/* Threads asleep in calls Linux does not restart after a ptrace stop
 * (signal(7): "interrupted after a stop signal"), each with a 20 ms
 * timeout, while a worker thread makes syscalls (the stops a tracer takes).
 *   sleepers ROUNDS THREADS_PER_KIND
 * (ROUNDS 0: the worker goes on until its stdin ends.)
 * Prints "getppid N" (the worker's calls) and one "KIND eintr N" line per
 * kind; exits with the total number of EINTRs (capped at 100): 0 when no
 * tracer stop leaked into the program. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { K_EPOLL, K_SIGTIMEDWAIT, K_RECV, K_SEMTIMEDOP, K_NANOSLEEP, K_KINDS };
static const char *names[K_KINDS] = {"epoll_wait", "sigtimedwait", "recv", "semtimedop", "nanosleep"};
static _Atomic long eintr[K_KINDS];
static _Atomic int done;
static int semid;

static void *sleeper(void *arg) {
    int kind = (int)(long)arg;
    int ep = epoll_create1(0), sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    struct timeval tv = {0, 20000};
    setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN + 1);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    while (!atomic_load(&done)) {
        int r = 0;
        char c;
        struct timespec ts = {0, 20000000};
        struct epoll_event ev;
        struct sembuf op = {0, -1, 0};
        switch (kind) {
        case K_EPOLL: r = epoll_wait(ep, &ev, 1, 20); break;
        case K_SIGTIMEDWAIT: r = sigtimedwait(&set, NULL, &ts); break;
        case K_RECV: r = recv(sv[0], &c, 1, 0); break;
        case K_SEMTIMEDOP: r = semtimedop(semid, &op, 1, &ts); break;
        case K_NANOSLEEP: r = nanosleep(&ts, NULL); break;
        }
        if (r < 0 && errno == EINTR)
            atomic_fetch_add(&eintr[kind], 1);
    }
    return NULL;
}

static _Atomic int stdin_done;
static void *stdin_reader(void *arg) {
    char c;
    while (read(0, &c, 1) > 0)
        ;
    atomic_store(&stdin_done, 1);
    return arg;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 2000;
    int per = argc > 2 ? atoi(argv[2]) : 1;
    semid = semget(IPC_PRIVATE, 1, 0600);
    pthread_t t[K_KINDS * 16];
    int n = 0;
    for (int k = 0; k < K_KINDS; k++)
        for (int i = 0; i < per && n < K_KINDS * 16; i++)
            pthread_create(&t[n++], NULL, sleeper, (void *)(long)k);
    long calls = 0;
    pthread_t reader;
    if (rounds == 0) {
        pthread_create(&reader, NULL, stdin_reader, NULL);
        rounds = -1;
    }
    for (int i = 0; i != rounds && !atomic_load(&stdin_done); i++) {
        syscall(SYS_getppid);
        calls++;
        if (i % 50 == 0)
            usleep(200);
    }
    atomic_store(&done, 1);
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    semctl(semid, 0, IPC_RMID);
    long total = 0;
    printf("getppid %ld\n", calls);
    for (int k = 0; k < K_KINDS; k++) {
        printf("%s eintr %ld\n", names[k], atomic_load(&eintr[k]));
        total += atomic_load(&eintr[k]);
    }
    return total > 100 ? 100 : (int)total;
}
