/* One call of each kind whose decoding truss is checked on against strace:
 * fcntl, getdents64, rt_sigaction, rt_sigprocmask, ioctl results, statx,
 * futex, getrandom, socket addresses, statfs, sysinfo, times, utimensat,
 * setitimer, sched_getaffinity, clock_nanosleep, socket options, epoll,
 * poll, sendmsg/recvmsg with SCM_RIGHTS and SCM_CREDENTIALS, rt_sigreturn,
 * pipe2, wait4, clone, sendmmsg/recvmmsg, System V semaphores and
 * messages. Deterministic: no time-dependent results. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/futex.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static void on_usr1(int s) { (void)s; }

int main(void) {
    char buf[4096];
    int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
    fcntl(fd, F_GETFL);
    fcntl(fd, F_GETFD);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    fcntl(fd, F_DUPFD_CLOEXEC, 10);
    read(fd, buf, 100);
    close(fd);
    write(1, "hello, world\n", 13);

    int dfd = open("/usr/share/doc", O_RDONLY | O_DIRECTORY);
    syscall(SYS_getdents64, dfd, buf, sizeof buf);
    close(dfd);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaddset(&sa.sa_mask, SIGTERM);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    sigset_t set;
    sigfillset(&set);
    sigdelset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    sigemptyset(&set);
    sigprocmask(SIG_SETMASK, &set, NULL);
    raise(SIGUSR1);

    struct termios tio;
    ioctl(0, TCGETS, &tio);
    struct winsize ws;
    ioctl(0, TIOCGWINSZ, &ws);
    int n;
    int p[2];
    pipe2(p, O_CLOEXEC);
    write(p[1], "abc", 3);
    ioctl(p[0], FIONREAD, &n);

    struct statx stx;
    statx(AT_FDCWD, "/etc/passwd", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx);
    struct statfs sfs;
    statfs("/", &sfs);
    fstatfs(p[0], &sfs);

    int futexword = 0;
    syscall(SYS_futex, &futexword, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    struct timespec zero = {0, 1000};
    syscall(SYS_futex, &futexword, FUTEX_WAIT_PRIVATE, 1, &zero, NULL, 0);

    getrandom(buf, 8, GRND_NONBLOCK);

    struct sysinfo si;
    sysinfo(&si);
    struct tms t;
    times(&t);
    struct timespec ts[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
    utimensat(AT_FDCWD, "/tmp", ts, 0);
    struct itimerval itv = {{0, 0}, {100, 0}};
    setitimer(ITIMER_REAL, &itv, NULL);
    memset(&itv, 0, sizeof itv);
    setitimer(ITIMER_REAL, &itv, NULL);
    cpu_set_t cpus;
    sched_getaffinity(0, sizeof cpus, &cpus);
    struct timespec nap = {0, 1000};
    clock_nanosleep(CLOCK_MONOTONIC, 0, &nap, NULL);

    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int val = 0;
    socklen_t vl = sizeof val;
    getsockopt(s, SOL_SOCKET, SO_TYPE, &val, &vl);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(s, (struct sockaddr *)&a, sizeof a);
    listen(s, 1);
    socklen_t al = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &al);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    connect(c, (struct sockaddr *)&a, sizeof a);
    struct sockaddr_in peer;
    socklen_t pl = sizeof peer;
    int acc = accept4(s, (struct sockaddr *)&peer, &pl, SOCK_CLOEXEC);
    pl = sizeof peer;
    getpeername(c, (struct sockaddr *)&peer, &pl);
    sendto(c, "ping", 4, 0, NULL, 0);
    pl = sizeof peer;
    recvfrom(acc, buf, sizeof buf, 0, (struct sockaddr *)&peer, &pl);

    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 7};
    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
    struct epoll_event out[4];
    epoll_wait(ep, out, 4, 0);
    struct pollfd pf[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
    poll(pf, 2, 0);

    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    char cbuf[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {"x", 1};
    struct msghdr mh = {0};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cbuf;
    mh.msg_controllen = sizeof cbuf;
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &p[0], sizeof(int));
    sendmsg(sv[0], &mh, 0);
    char rbuf[8];
    char rcbuf[256];
    struct iovec riov = {rbuf, sizeof rbuf};
    struct msghdr rh = {0};
    rh.msg_iov = &riov;
    rh.msg_iovlen = 1;
    rh.msg_control = rcbuf;
    rh.msg_controllen = sizeof rcbuf;
    recvmsg(sv[1], &rh, MSG_CMSG_CLOEXEC);

    struct iovec miov[2] = {{"ab", 2}, {"cde", 3}};
    struct mmsghdr mm[2];
    memset(mm, 0, sizeof mm);
    mm[0].msg_hdr.msg_iov = &miov[0];
    mm[0].msg_hdr.msg_iovlen = 1;
    mm[1].msg_hdr.msg_iov = &miov[1];
    mm[1].msg_hdr.msg_iovlen = 1;
    sendmmsg(sv[0], mm, 2, 0);
    char m0[4], m1[4];
    struct iovec mr[2] = {{m0, sizeof m0}, {m1, sizeof m1}};
    struct mmsghdr rm[2];
    memset(rm, 0, sizeof rm);
    rm[0].msg_hdr.msg_iov = &mr[0];
    rm[0].msg_hdr.msg_iovlen = 1;
    rm[1].msg_hdr.msg_iov = &mr[1];
    rm[1].msg_hdr.msg_iovlen = 1;
    recvmmsg(sv[1], rm, 2, MSG_DONTWAIT, NULL);

    int sem = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
    struct sembuf sop = {0, 1, IPC_NOWAIT};
    semop(sem, &sop, 1);
    semctl(sem, 0, IPC_RMID);
    int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    struct { long type; char text[8]; } msg = {1, "hi"};
    msgsnd(q, &msg, 3, 0);
    msgrcv(q, &msg, sizeof msg.text, 0, 0);
    msgctl(q, IPC_RMID, NULL);

    pid_t child = fork();
    if (child == 0)
        _exit(3);
    int st;
    wait4(child, &st, 0, NULL);
    access("/nonexistent", F_OK);
    return 0;
}
