/* A child that exits 3, reaped by a parent with SIGCHLD's default
 * disposition (ignored: neither truss reports it). */
#include <sys/wait.h>
#include <unistd.h>
int main(void) {
    int st;
    pid_t p = fork();
    if (p == 0)
        _exit(3);
    waitpid(p, &st, 0);
    return WEXITSTATUS(st) == 3 ? 0 : 1;
}
