/* Handled signals: raised, sent with kill, held blocked then released. */
#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile int got;
static void on(int sig) { got += sig; }

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR1);
    kill(getpid(), SIGUSR2);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGUSR1);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    return got == 32 ? 0 : 1;
}
