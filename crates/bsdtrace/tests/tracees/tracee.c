/* One tracee program, many behaviours: argv[1] names the mode.
 * Every mode is deterministic: it synchronises through stops, pipes and
 * barriers, never through sleeps. "ready" lines go to fd given by $READY_FD
 * when set (attach tests wait for them). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

volatile int counter;
volatile int handled;
const int readonly_value = 0x11223344;

__attribute__((noinline)) void bp_target(void) {
    __asm__ volatile("nop");
    counter++;
}

/* PT_COREDUMP tests stop here (an int3), two frames below main. */
__attribute__((noinline)) void core_leaf(void) {
    __asm__ volatile("int3");
    counter++;
}

__attribute__((noinline)) void core_middle(void) {
    core_leaf();
    __asm__ volatile("" ::: "memory");
}

static void ready(const char *what) {
    const char *fd = getenv("READY_FD");
    if (fd) {
        dprintf(atoi(fd), "%s\n", what);
    }
}

static void on_usr1(int sig) {
    (void)sig;
    handled++;
}

/* A handler that itself stops the process (a signal the debugger sees). */
static void on_usr1_stop(int sig) {
    (void)sig;
    handled++;
    raise(SIGUSR2);
}

static pthread_barrier_t barrier;

static void *bump(void *arg) {
    counter++;
    return arg;
}

static void *blocker(void *arg) {
    (void)arg;
    prctl(PR_SET_NAME, "blocker");
    pthread_barrier_wait(&barrier);
    for (;;)
        pause();
    return NULL;
}

static void *spinner(void *arg) {
    (void)arg;
    pthread_barrier_wait(&barrier);
    for (;;)
        counter++;
    return NULL;
}

static void *quick(void *arg) {
    (void)arg;
    return NULL;
}

static void *trapper(void *arg) {
    (void)arg;
    pthread_barrier_wait(&barrier);
    __asm__ volatile("int3");
    return NULL;
}

static char **exec_argv;
static void *execer(void *arg) {
    (void)arg;
    execv(exec_argv[0], exec_argv);
    _exit(99);
}

/* exec_held: wait until the leader sleeps inside its execve (its
 * /proc syscall file says execve, its state is not a ptrace-stop), then
 * stop this thread with a signal the tracer sees. */
static volatile int exec_soon, watcher_running;
/* A page at 0x10000000 whose first touch a userfaultfd (fd 100) holds
 * until the tracer fills it (UFFDIO_ZEROPAGE); NULL on failure. */
static char *held_page(void) {
    int uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
    struct uffdio_api api = {.api = UFFD_API};
    if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api)) {
        perror("userfaultfd");
        return NULL;
    }
    char *page = mmap((void *)0x10000000, 4096, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    struct uffdio_register reg = {.range = {(uintptr_t)page, 4096}, .mode = UFFDIO_REGISTER_MODE_MISSING};
    if (page == MAP_FAILED || ioctl(uffd, UFFDIO_REGISTER, &reg) || dup2(uffd, 100) != 100) {
        perror("userfaultfd page");
        return NULL;
    }
    return page;
}

static volatile pid_t exec_tid; /* the thread that execs; 0: the leader */
static void watch_exec(void) {
    char path[64], buf[128];
    /* Past the thread start's system calls (rseq, set_robust_list, the
     * signal mask): each was a stop under PT_SYSCALL whose whole-process
     * stop interrupts the leader, and an interrupt still pending when the
     * leader enters execve is one the fault retries for ever. */
    watcher_running = 1;
    /* No system call (each is a stop under PT_SYSCALL, which interrupts
     * the leader if it runs) until the leader has long been asleep in
     * its execve: an interrupt pending there would make its fault in the
     * kernel retry for ever instead of sleeping. Spin in user space
     * (clock_gettime is the vDSO's) for 300 ms after it said so. */
    while (!exec_soon)
        ;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do
        clock_gettime(CLOCK_MONOTONIC, &t);
    while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < 300000000L);
    for (;;) {
        snprintf(path, sizeof path, "/proc/self/task/%d/syscall", exec_tid ? exec_tid : getpid());
        int fd = open(path, O_RDONLY);
        ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
        close(fd);
        int in_exec = n > 0 && (buf[n] = 0, atoi(buf) == SYS_execve);
        snprintf(path, sizeof path, "/proc/self/task/%d/stat", exec_tid ? exec_tid : getpid());
        fd = open(path, O_RDONLY);
        n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
        close(fd);
        char *rp = n > 0 ? (buf[n] = 0, strrchr(buf, ')')) : NULL;
        if (in_exec && rp && (rp[2] == 'S' || rp[2] == 'D'))
            break;
        sched_yield();
    }
    raise(SIGUSR1);
    for (;;)
        pause();
}
static void *exec_watcher(void *arg) {
    (void)arg;
    watch_exec();
    return NULL;
}
static char **held_exec_args;
static void *held_execer(void *arg) {
    (void)arg;
    exec_tid = (pid_t)syscall(SYS_gettid);
    exec_soon = 1;
    execv(held_exec_args[0], held_exec_args);
    _exit(99);
}

static int leader_exit_code;
static void *late_exit(void *arg) {
    (void)arg;
    pthread_barrier_wait(&barrier);
    syscall(SYS_getppid);
    exit(leader_exit_code);
}

static int leader_took_byte[2];

static void *stdin_exit(void *arg) {
    (void)arg;
    char c;
    /* The leader takes the first byte and says so; this thread takes the
     * second. */
    if (read(leader_took_byte[0], &c, 1) != 1 || read(0, &c, 1) != 1)
        exit(102);
    exit(leader_exit_code);
}

static int vfork_gate[2];

static void *vforker(void *arg) {
    (void)arg;
    pid_t me = (pid_t)syscall(SYS_gettid);
    if (write(vfork_gate[1], &me, sizeof me) != sizeof me)
        return (void *)(intptr_t)102;
    pid_t c = vfork();
    if (c == 0)
        _exit(9);
    int st;
    waitpid(c, &st, 0);
    return (void *)(intptr_t)(WIFEXITED(st) && WEXITSTATUS(st) == 9 ? 0 : 103);
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(100);
    }
    fputs(text, f);
    fclose(f);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: tracee MODE [ARGS]\n");
        return 2;
    }
    const char *m = argv[1];
    int n = argc > 2 ? atoi(argv[2]) : 0;

    if (!strcmp(m, "exit")) {
        return n;
    } else if (!strcmp(m, "getppid")) {
        for (int i = 0; i < n; i++)
            syscall(SYS_getppid);
        return 0;
    } else if (!strcmp(m, "pause")) {
        /* Wait for a signal forever; attach tests use this. */
        ready("ready");
        for (;;)
            pause();
    } else if (!strcmp(m, "spin")) {
        ready("ready");
        for (;;)
            counter++;
    } else if (!strcmp(m, "threads")) {
        /* n extra threads blocked in pause(), then main pauses too. */
        pthread_t t;
        pthread_barrier_init(&barrier, NULL, n + 1);
        for (int i = 0; i < n; i++)
            pthread_create(&t, NULL, blocker, NULL);
        pthread_barrier_wait(&barrier);
        ready("ready");
        for (;;)
            pause();
    } else if (!strcmp(m, "spinners")) {
        pthread_t t;
        pthread_barrier_init(&barrier, NULL, n + 1);
        for (int i = 0; i < n; i++)
            pthread_create(&t, NULL, spinner, NULL);
        pthread_barrier_wait(&barrier);
        ready("ready");
        for (;;)
            counter++;
    } else if (!strcmp(m, "thread_create_join")) {
        /* Create and join n threads one after another, then exit 0. */
        for (int i = 0; i < n; i++) {
            pthread_t t;
            pthread_create(&t, NULL, quick, NULL);
            pthread_join(t, NULL);
        }
        return 0;
    } else if (!strcmp(m, "churn")) {
        /* Threads are born and die all the time; SIGUSR2 is ignored-by-handler. */
        signal(SIGUSR2, on_usr1);
        ready("ready");
        for (;;) {
            pthread_t t[4];
            for (int i = 0; i < 4; i++)
                pthread_create(&t[i], NULL, quick, NULL);
            for (int i = 0; i < 4; i++)
                pthread_join(t[i], NULL);
        }
    } else if (!strcmp(m, "two_traps")) {
        /* n threads hit int3 at (nearly) the same time, then exit. */
        pthread_t t[64];
        pthread_barrier_init(&barrier, NULL, n);
        for (int i = 0; i < n; i++)
            pthread_create(&t[i], NULL, trapper, NULL);
        for (int i = 0; i < n; i++)
            pthread_join(t[i], NULL);
        return 0;
    } else if (!strcmp(m, "raise")) {
        raise(n);
        return 0;
    } else if (!strcmp(m, "sigstop_then_exit")) {
        raise(SIGSTOP);
        return n;
    } else if (!strcmp(m, "ignored")) {
        /* Ignored signals never stop a traced FreeBSD process. */
        signal(SIGUSR1, SIG_IGN);
        raise(SIGUSR1);
        raise(SIGCHLD);
        raise(SIGWINCH);
        raise(SIGURG);
        /* A real-time signal's disposition comes from another /proc file
         * than signals 1-31: ignored, then caught (that one stops). */
        signal(SIGRTMIN + 1, SIG_IGN);
        raise(SIGRTMIN + 1);
        signal(SIGRTMIN + 2, on_usr1);
        raise(SIGRTMIN + 2);
        /* A caught SIGCHLD stops as any caught signal does. */
        signal(SIGCHLD, on_usr1);
        raise(SIGCHLD);
        raise(SIGUSR2);
        return 0;
    } else if (!strcmp(m, "handler")) {
        /* SIGUSR1 handler; stop with SIGUSR2 (tracer injects), exit with handled count. */
        signal(SIGUSR1, on_usr1);
        raise(SIGUSR2);
        syscall(SYS_getppid);
        return handled;
    } else if (!strcmp(m, "masked_usr1")) {
        /* SIGUSR1 caught but blocked; stop with SIGUSR2 (the tracer
         * replaces it with SIGUSR1), then unblock SIGUSR1; exit with the
         * number of handler runs. */
        sigset_t s;
        signal(SIGUSR1, on_usr1);
        sigemptyset(&s);
        sigaddset(&s, SIGUSR1);
        sigprocmask(SIG_BLOCK, &s, NULL);
        raise(SIGUSR2);
        syscall(SYS_getppid);
        sigprocmask(SIG_UNBLOCK, &s, NULL);
        return handled;
    } else if (!strcmp(m, "masked_rt_full") || !strcmp(m, "handler_rt_full")) {
        /* SIGRTMIN caught, with the signal queue full (RLIMIT_SIGPENDING
         * 0 after queueing SIGRTMIN+1, blocked, while the kernel took
         * them). masked_rt_full: SIGRTMIN blocked, stop with SIGUSR2 (the
         * tracer replaces it with SIGRTMIN), unblock; handler_rt_full:
         * stop with SIGUSR2, then getppid (the tracer gives SIGRTMIN at
         * a syscall stop). Exit with the number of handler runs. */
        sigset_t s, rt;
        struct rlimit rl = { 8, 8 };
        union sigval v = { 0 };
        int masked = !strcmp(m, "masked_rt_full");
        signal(SIGRTMIN, on_usr1);
        sigemptyset(&rt);
        sigaddset(&rt, SIGRTMIN + 1);
        sigprocmask(SIG_BLOCK, &rt, NULL);
        setrlimit(RLIMIT_SIGPENDING, &rl);
        for (int n = 0; n < 64 && sigqueue(getpid(), SIGRTMIN + 1, v) == 0; n++)
            ;
        rl.rlim_cur = rl.rlim_max = 0;
        if (setrlimit(RLIMIT_SIGPENDING, &rl) == -1 || sigqueue(getpid(), SIGRTMIN + 1, v) == 0)
            return 91;
        sigemptyset(&s);
        sigaddset(&s, SIGRTMIN);
        if (masked)
            sigprocmask(SIG_BLOCK, &s, NULL);
        raise(SIGUSR2);
        syscall(SYS_getppid);
        if (masked)
            sigprocmask(SIG_UNBLOCK, &s, NULL);
        return handled;
    } else if (!strcmp(m, "handler_stops")) {
        /* As "handler", but the SIGUSR1 handler raises SIGUSR2 itself. */
        signal(SIGUSR1, on_usr1_stop);
        raise(SIGUSR2);
        syscall(SYS_getppid);
        return handled;
    } else if (!strcmp(m, "blocked_usr1")) {
        /* Main blocks SIGUSR1; a helper thread does not. Stop with SIGUSR2. */
        sigset_t s;
        signal(SIGUSR1, on_usr1);
        sigemptyset(&s);
        sigaddset(&s, SIGUSR1);
        pthread_barrier_init(&barrier, NULL, 2);
        pthread_t t;
        pthread_create(&t, NULL, blocker, NULL);
        pthread_barrier_wait(&barrier);
        pthread_sigmask(SIG_BLOCK, &s, NULL);
        raise(SIGUSR2);
        /* The helper thread must have run the handler. */
        while (!handled)
            sched_yield();
        return 42;
    } else if (!strcmp(m, "bp")) {
        /* Write addresses to argv[3], stop, call bp_target n times, exit counter. */
        char buf[256];
        snprintf(buf, sizeof buf, "%p %p %p\n", (void *)bp_target, (void *)&counter, (void *)&readonly_value);
        write_file(argv[3], buf);
        raise(SIGSTOP);
        for (int i = 0; i < n; i++)
            bp_target();
        return counter & 0xff;
    } else if (!strcmp(m, "readonly")) {
        char buf[256];
        snprintf(buf, sizeof buf, "%p\n", (void *)&readonly_value);
        write_file(argv[3], buf);
        raise(SIGSTOP);
        return *(volatile const int *)&readonly_value == 0x55667788 ? 0 : 1;
    } else if (!strcmp(m, "fork")) {
        pid_t c = fork();
        if (c == 0)
            _exit(7);
        int st;
        waitpid(c, &st, 0);
        return WIFEXITED(st) ? WEXITSTATUS(st) : 100;
    } else if (!strcmp(m, "vfork_thread")) {
        /* A thread vforks (its child exits 9); the main thread raises
         * SIGUSR1 once the thread waits in vfork() for its child (state D
         * in /proc), so the signal's stop always meets a thread that
         * cannot stop (not one still held at its vfork event). */
        pthread_t t;
        if (pipe(vfork_gate) != 0)
            return 100;
        pthread_create(&t, NULL, vforker, NULL);
        pid_t tid;
        if (read(vfork_gate[0], &tid, sizeof tid) != sizeof tid)
            return 101;
        char path[64];
        snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
        for (int i = 0; i < 20000; i++) {
            char buf[512] = {0};
            int fd = open(path, O_RDONLY);
            ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
            if (fd >= 0)
                close(fd);
            char *rp = n > 0 ? strrchr(buf, ')') : NULL;
            if (rp && rp[1] == ' ' && rp[2] == 'D')
                break;
            usleep(500);
        }
        raise(SIGUSR1);
        void *rv;
        pthread_join(t, &rv);
        return (int)(intptr_t)rv;
    } else if (!strcmp(m, "vfork")) {
        pid_t c = vfork();
        if (c == 0)
            _exit(9);
        int st;
        waitpid(c, &st, 0);
        return WIFEXITED(st) ? WEXITSTATUS(st) : 100;
    } else if (!strcmp(m, "jump_data")) {
        /* Call through a pointer to data (mapped, not executable): the
         * process stops with SIGSEGV at a PC that cannot run code. */
        static unsigned char data[4096] __attribute__((aligned(4096)));
        void (*volatile f)(void) = (void (*)(void))(void *)data;
        f();
        return 1;
    } else if (!strcmp(m, "jump_unmapped")) {
        void (*volatile f)(void) = (void (*)(void))(uintptr_t)0x1000;
        f();
        return 1;
    } else if (!strcmp(m, "exec")) {
        execv(argv[2], argv + 2);
        return 99;
    } else if (!strcmp(m, "exec_held")) {
        /* The leader execs `tracee exit ""` while another thread stops
         * with SIGUSR1 (handled). The exec's last argument string lies on
         * a page a userfaultfd (fd 100) holds at 0x10000000 until the
         * tracer fills it (UFFDIO_ZEROPAGE), so the leader sleeps inside
         * execve, before it kills the other threads, for as long as the
         * tracer likes. Needs CAP_SYS_PTRACE (a fault in the kernel). */
        char *page = held_page();
        if (page == NULL)
            return 3;
        signal(SIGUSR1, on_usr1);
        pthread_t t;
        pthread_create(&t, NULL, exec_watcher, NULL);
        while (!watcher_running)
            ;
        char *args[] = {argv[0], "exit", page, NULL};
        exec_soon = 1;
        execv(argv[0], args);
        return 99;
    } else if (!strcmp(m, "thread_exec_held")) {
        /* exec_held with the roles swapped: a second thread execs, held
         * inside execve by the userfaultfd page; the leader watches and
         * stops with SIGUSR1 once that thread sleeps in the exec. */
        char *page = held_page();
        if (page == NULL)
            return 3;
        signal(SIGUSR1, on_usr1);
        static char *args[4];
        args[0] = argv[0];
        args[1] = "exit";
        args[2] = page;
        held_exec_args = args;
        pthread_t t;
        pthread_create(&t, NULL, held_execer, NULL);
        while (!exec_tid)
            ;
        watch_exec();
        return 99;
    } else if (!strcmp(m, "thread_exec")) {
        /* A non-leader thread execs argv[2...]. */
        exec_argv = argv + 2;
        pthread_t t;
        pthread_create(&t, NULL, execer, NULL);
        for (;;)
            pause();
    } else if (!strcmp(m, "exec_forever")) {
        /* Forever: a second thread execs this program again, in this mode,
         * after a nap of n us; the leader sleeps in pause(). "ready" once. */
        static char *again[5];
        again[0] = argv[0];
        again[1] = "exec_forever";
        again[2] = argv[2];
        again[3] = "again";
        exec_argv = again;
        if (argc < 4)
            ready("ready");
        struct timespec ts = {0, n * 1000};
        nanosleep(&ts, NULL);
        pthread_t t;
        pthread_create(&t, NULL, execer, NULL);
        for (;;)
            pause();
    } else if (!strcmp(m, "threads_exec")) {
        /* n threads asleep in pause(), then another thread execs
         * argv[3...] while the main thread sleeps in pause() too. */
        pthread_t t;
        pthread_barrier_init(&barrier, NULL, n + 1);
        for (int i = 0; i < n; i++)
            pthread_create(&t, NULL, blocker, NULL);
        pthread_barrier_wait(&barrier);
        exec_argv = argv + 3;
        pthread_create(&t, NULL, execer, NULL);
        for (;;)
            pause();
    } else if (!strcmp(m, "leader_exit")) {
        /* The main thread leaves first; the other thread exits the process with n. */
        leader_exit_code = n;
        pthread_barrier_init(&barrier, NULL, 2);
        pthread_t t;
        pthread_create(&t, NULL, late_exit, NULL);
        pthread_barrier_wait(&barrier);
        pthread_exit(NULL);
    } else if (!strcmp(m, "maps")) {
        /* n VMAs of alternating protection, then stop. */
        long pg = sysconf(_SC_PAGESIZE);
        char *p = mmap(NULL, pg * 2 * n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return 100;
        for (int i = 0; i < n; i++)
            mprotect(p + (2 * i + 1) * pg, pg, PROT_READ);
        raise(SIGSTOP);
        munmap(p, pg * 2 * n);
        raise(SIGSTOP);
        return 0;
    } else if (!strcmp(m, "fail")) {
        int fd = open("/nonexistent/bsdtrace", O_RDONLY);
        return fd < 0 && errno == ENOENT ? 0 : 1;
    } else if (!strcmp(m, "trap_pending")) {
        /* A SIGTRAP with a kernel's si_code (TRAP_BRKPT) queued while
         * blocked; stop; then unblock it: at the exit of that
         * rt_sigprocmask it is pending and deliverable, as an int3's
         * SIGTRAP kept back by a stop is. */
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGTRAP);
        sigprocmask(SIG_BLOCK, &s, NULL);
        siginfo_t si;
        memset(&si, 0, sizeof si);
        si.si_signo = SIGTRAP;
        si.si_code = 1; /* TRAP_BRKPT */
        syscall(SYS_rt_tgsigqueueinfo, getpid(), (pid_t)syscall(SYS_gettid), SIGTRAP, &si);
        raise(SIGSTOP);
        syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &s, NULL, 8);
        for (;;)
            pause();
    } else if (!strcmp(m, "nanosleep_getpid")) {
        /* Stop, then one getpid (its result is rewritten by the tracer). */
        raise(SIGSTOP);
        long r = syscall(SYS_getpid);
        return r == 4242 ? 0 : (r == getpid() ? 1 : 2);
    } else if (!strcmp(m, "nanosleep")) {
        /* Sleep in raw nanosleep(2) calls forever (glibc's nanosleep() is
         * clock_nanosleep); "ready ADDR" names the request. */
        static struct timespec ts = {100000, 0};
        char line[64];
        snprintf(line, sizeof line, "ready %p", (void *)&ts);
        ready(line);
        for (;;)
            syscall(SYS_nanosleep, &ts, NULL);
    } else if (!strcmp(m, "sigreturn")) {
        /* A caught SIGUSR1 (its handler returns through rt_sigreturn),
         * then getppid; exits with the number of handler runs. */
        signal(SIGUSR1, on_usr1);
        raise(SIGUSR1);
        syscall(SYS_getppid);
        return handled;
    } else if (!strcmp(m, "badpc")) {
        /* A call through a bad function pointer: into a data page that is
         * not executable, or (n != 0) to an unmapped address. SIGSEGV
         * stops the process with the PC there. */
        static unsigned char data[64] = {0xc3};
        void (*f)(void) = n ? (void (*)(void))(uintptr_t)0x10 : (void (*)(void))(uintptr_t)data;
        f();
        return 0;
    } else if (!strcmp(m, "int80")) {
        /* i386 calls through int $0x80, from a 32-bit or a 64-bit program:
         * getpid (20), getppid (64), close(-1) (6, EBADF). Exits 0 if
         * each answered as its 64-bit twin does. */
        long r, r2, r3;
#ifdef __x86_64__
#define INT80_CLOBBERS "memory", "r8", "r9", "r10", "r11"
#else
#define INT80_CLOBBERS "memory"
#endif
        __asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : INT80_CLOBBERS);
        __asm__ volatile("int $0x80" : "=a"(r2) : "a"(64L) : INT80_CLOBBERS);
        __asm__ volatile("int $0x80" : "=a"(r3) : "a"(6L), "b"(-1L) : INT80_CLOBBERS);
        return r == getpid() && r2 == getppid() && (int)r3 == -EBADF ? 0 : 1;
    } else if (!strcmp(m, "getpid_errno")) {
        raise(SIGSTOP);
        long r = syscall(SYS_getpid);
        return r == -1 && errno == EACCES ? 0 : 1;
    } else if (!strcmp(m, "leader_first_on_stdin")) {
        /* "ready PID"; then the main thread leaves at the first byte on
         * stdin and the other thread exits the process with n at the
         * second. */
        leader_exit_code = n;
        if (pipe(leader_took_byte) != 0)
            return 100;
        pthread_t t;
        pthread_create(&t, NULL, stdin_exit, NULL);
        char line[64];
        snprintf(line, sizeof line, "ready %d", (int)getpid());
        ready(line);
        char c;
        if (read(0, &c, 1) != 1 || write(leader_took_byte[1], &c, 1) != 1)
            return 101;
        pthread_exit(NULL);
    } else if (!strcmp(m, "watch_inherit")) {
        /* A thread, then a forked child, each write counter once. */
        char buf[256];
        snprintf(buf, sizeof buf, "%p\n", (void *)&counter);
        write_file(argv[2], buf);
        raise(SIGSTOP);
        pthread_t t;
        pthread_create(&t, NULL, bump, NULL);
        pthread_join(t, NULL);
        pid_t c = fork();
        if (c == 0) {
            counter++;
            _exit(0);
        }
        int st;
        waitpid(c, &st, 0);
        return WIFEXITED(st) ? WEXITSTATUS(st) : 100;
    } else if (!strcmp(m, "watch")) {
        char buf[256];
        snprintf(buf, sizeof buf, "%p %p\n", (void *)bp_target, (void *)&counter);
        write_file(argv[3], buf);
        raise(SIGSTOP);
        for (int i = 0; i < n; i++)
            counter++;
        bp_target();
        return 0;
    } else if (!strcmp(m, "coredump")) {
        /* n threads blocked in pause(); a page filled with 0x5a and one with
         * 0xa5 that the process excludes from cores (MADV_DONTDUMP); their
         * addresses to argv[3]; counter = 4242; then an int3 in core_leaf.
         * Exits 0 if it continued past the int3. */
        long pg = sysconf(_SC_PAGESIZE);
        char *keep = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        char *skip = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (keep == MAP_FAILED || skip == MAP_FAILED)
            return 100;
        memset(keep, 0x5a, pg);
        memset(skip, 0xa5, pg);
        if (madvise(skip, pg, MADV_DONTDUMP) != 0)
            return 101;
        pthread_t t;
        pthread_barrier_init(&barrier, NULL, n + 1);
        for (int i = 0; i < n; i++)
            pthread_create(&t, NULL, blocker, NULL);
        pthread_barrier_wait(&barrier);
        char buf[256];
        snprintf(buf, sizeof buf, "%p %p %p\n", (void *)keep, (void *)skip, (void *)&counter);
        write_file(argv[3], buf);
        counter = 4242;
        core_middle();
        return counter == 4243 ? 0 : 1;
    }
    fprintf(stderr, "tracee: unknown mode %s\n", m);
    return 2;
}
