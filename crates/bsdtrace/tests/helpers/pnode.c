/* pnode: a process tree for procctl tests.
 *
 *   pnode [-u uid] [-d depth] [-w width] [-o] [-s fanout,depth]
 *
 * Builds a tree `depth` levels deep, `width` children per node (in-process
 * forks, no exec). Every node writes "P <pid> <ppid>\n" to stdout once its
 * own children are up, then waits: EOF on stdin (shared by the whole tree)
 * makes it reap its children and exit; SIGUSR1 makes it fork one more leaf,
 * which reports like the others. -u: setgid/setgroups/setuid to uid first.
 * -o: the root exits as soon as its children are up (orphaning them).
 * -s f,d: "storm": after reporting, the root forks a tree of fanout f and
 * depth d as fast as it can; storm processes never report and never exit
 * by themselves (they wait for a signal), so a missed one stays visible.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

static int width = 0, orphan = 0, storm_f = 0, storm_d = 0;

static void report(void) {
    char b[64];
    int n = snprintf(b, sizeof b, "P %d %d\n", getpid(), getppid());
    if (write(1, b, n) != n) _exit(3);
}

static void storm(int depth) {
    for (int i = 0; i < storm_f && depth > 0; i++) {
        pid_t c = fork();
        if (c == 0) { storm(depth - 1); }
        if (c < 0) break;
    }
    for (;;) pause();
}

static void node(int depth, int is_root) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sfd = signalfd(-1, &set, SFD_CLOEXEC);
    if (sfd < 0) _exit(4);
    for (int i = 0; i < width && depth > 0; i++) {
        pid_t c = fork();
        if (c == 0) { close(sfd); node(depth - 1, 0); _exit(0); }
    }
    report();
    if (is_root && orphan) _exit(0);
    if (is_root && storm_f) {
        pid_t c = fork();
        if (c == 0) storm(storm_d);
    }
    for (;;) {
        struct pollfd p[2] = {{0, POLLIN, 0}, {sfd, POLLIN, 0}};
        if (poll(p, 2, -1) < 0) { if (errno == EINTR) continue; _exit(5); }
        if (p[1].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof si) == sizeof si) {
                pid_t c = fork();
                if (c == 0) { close(sfd); width = 0; node(0, 0); _exit(0); }
            }
        }
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            char b[64];
            ssize_t n = read(0, b, sizeof b);
            if (n <= 0) break;
        }
    }
    while (wait(NULL) > 0 || errno == EINTR) {}
    _exit(0);
}

int main(int argc, char **argv) {
    int depth = 0, opt, uid = -1;
    while ((opt = getopt(argc, argv, "u:d:w:os:")) != -1) {
        switch (opt) {
        case 'u': uid = atoi(optarg); break;
        case 'd': depth = atoi(optarg); break;
        case 'w': width = atoi(optarg); break;
        case 'o': orphan = 1; break;
        case 's': sscanf(optarg, "%d,%d", &storm_f, &storm_d); break;
        default: return 2;
        }
    }
    if (uid >= 0) {
        if (setgroups(0, NULL) || setgid(uid) || setuid(uid)) { perror("setuid"); return 6; }
    }
    node(depth, 1);
    return 0;
}
