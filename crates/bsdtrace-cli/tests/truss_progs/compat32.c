/* The i386 calls that only a 32-bit program makes, for the truss i386
 * tests (built with cc -m32 only): the old stat family (oldstat,
 * oldfstat, oldlstat and i386's own stat, lstat, fstat), the old
 * getdents (linux_dirent) and readdir, socketcall(2) and ipc(2) with
 * their sub-calls (socket, bind, send, recv, sendmsg, recvmsg,
 * sendmmsg, recvmmsg, semget, semop, shmget, shmat, msgsnd...), made
 * with raw syscalls so that the C library's choice between the old
 * multiplexers and the direct calls does not matter. Deterministic. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef __i386__
#error "compat32.c is built with -m32"
#endif

/* linux/net.h's socketcall numbers; ipc's from linux/ipc.h. */
enum { S_SOCKET = 1, S_BIND, S_CONNECT, S_LISTEN, S_ACCEPT, S_GETSOCKNAME, S_GETPEERNAME, S_SOCKETPAIR,
       S_SEND, S_RECV, S_SENDTO, S_RECVFROM, S_SHUTDOWN, S_SETSOCKOPT, S_GETSOCKOPT, S_SENDMSG,
       S_RECVMSG, S_ACCEPT4, S_RECVMMSG, S_SENDMMSG };
enum { I_SEMOP = 1, I_SEMGET, I_SEMCTL, I_SEMTIMEDOP, I_MSGSND = 11, I_MSGRCV, I_MSGGET, I_MSGCTL,
       I_SHMAT = 21, I_SHMDT, I_SHMGET, I_SHMCTL };

static long sc(int call, long a0, long a1, long a2, long a3, long a4, long a5) {
    long a[6] = {a0, a1, a2, a3, a4, a5};
    return syscall(SYS_socketcall, call, a);
}

static long ipc(int call, long first, long second, long third, void *ptr, long fifth) {
    return syscall(SYS_ipc, call, first, second, third, ptr, fifth);
}

int main(void) {
    char buf[4096];

    /* The old stat family: __old_kernel_stat (oldstat, oldfstat,
     * oldlstat) and i386's struct stat (stat, lstat, fstat). */
    syscall(SYS_oldstat, "/etc/passwd", buf);
    syscall(SYS_oldlstat, "/etc/passwd", buf);
    syscall(SYS_stat, "/etc/passwd", buf);
    syscall(SYS_lstat, "/dev/null", buf);
    int fd = open("/etc/passwd", O_RDONLY);
    syscall(SYS_oldfstat, fd, buf);
    syscall(SYS_fstat, fd, buf);
    syscall(SYS_stat, "/nonexistent", buf);
    close(fd);

    /* getdents (struct linux_dirent, 32-bit fields) and readdir (one
     * struct old_linux_dirent). */
    int dfd = open("/usr/share/doc", O_RDONLY | O_DIRECTORY);
    syscall(SYS_getdents, dfd, buf, sizeof buf);
    close(dfd);
    dfd = open("/etc", O_RDONLY | O_DIRECTORY);
    syscall(SYS_readdir, dfd, buf, 1);
    close(dfd);

    /* socketcall. */
    int s = sc(S_SOCKET, AF_INET, SOCK_STREAM, 0, 0, 0, 0);
    int one = 1;
    sc(S_SETSOCKOPT, s, SOL_SOCKET, SO_REUSEADDR, (long)&one, sizeof one, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sc(S_BIND, s, (long)&a, sizeof a, 0, 0, 0);
    sc(S_LISTEN, s, 1, 0, 0, 0, 0);
    socklen_t al = sizeof a;
    sc(S_GETSOCKNAME, s, (long)&a, (long)&al, 0, 0, 0);
    int c = sc(S_SOCKET, AF_INET, SOCK_STREAM, 0, 0, 0, 0);
    sc(S_CONNECT, c, (long)&a, sizeof a, 0, 0, 0);
    struct sockaddr_in peer;
    socklen_t pl = sizeof peer;
    int acc = sc(S_ACCEPT, s, (long)&peer, (long)&pl, 0, 0, 0);
    sc(S_SEND, c, (long)"ping", 4, 0, 0, 0);
    sc(S_RECV, acc, (long)buf, sizeof buf, 0, 0, 0);
    sc(S_SENDTO, c, (long)"pong", 4, 0, 0, 0);
    pl = sizeof peer;
    sc(S_RECVFROM, acc, (long)buf, sizeof buf, 0, (long)&peer, (long)&pl);
    sc(S_SHUTDOWN, c, SHUT_WR, 0, 0, 0, 0);
    sc(S_SOCKET, 12345, SOCK_STREAM, 0, 0, 0, 0);

    /* sendmsg/recvmsg (socketcall's and the direct ones) with
     * SCM_RIGHTS, sendmmsg/recvmmsg. */
    int sv[2];
    sc(S_SOCKETPAIR, AF_UNIX, SOCK_DGRAM, 0, (long)sv, 0, 0);
    char cbuf[CMSG_SPACE(sizeof(int))];
    struct iovec iov[2] = {{"ab", 2}, {"cde", 3}};
    struct msghdr mh;
    memset(&mh, 0, sizeof mh);
    mh.msg_iov = iov;
    mh.msg_iovlen = 2;
    mh.msg_control = cbuf;
    mh.msg_controllen = sizeof cbuf;
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &sv[0], sizeof(int));
    sc(S_SENDMSG, sv[0], (long)&mh, 0, 0, 0, 0);
    char rbuf[8], rcbuf[64];
    struct iovec riov = {rbuf, sizeof rbuf};
    struct msghdr rh;
    memset(&rh, 0, sizeof rh);
    rh.msg_iov = &riov;
    rh.msg_iovlen = 1;
    rh.msg_control = rcbuf;
    rh.msg_controllen = sizeof rcbuf;
    sc(S_RECVMSG, sv[1], (long)&rh, MSG_CMSG_CLOEXEC, 0, 0, 0);
    mh.msg_control = NULL;
    mh.msg_controllen = 0;
    syscall(SYS_sendmsg, sv[0], &mh, 0);
    rh.msg_controllen = sizeof rcbuf;
    syscall(SYS_recvmsg, sv[1], &rh, 0);
    struct mmsghdr mm[2];
    memset(mm, 0, sizeof mm);
    mm[0].msg_hdr.msg_iov = &iov[0];
    mm[0].msg_hdr.msg_iovlen = 1;
    mm[1].msg_hdr.msg_iov = &iov[1];
    mm[1].msg_hdr.msg_iovlen = 1;
    sc(S_SENDMMSG, sv[0], (long)mm, 2, 0, 0, 0);
    char r0[4], r1[4];
    struct iovec riov2[2] = {{r0, sizeof r0}, {r1, sizeof r1}};
    struct mmsghdr rm[2];
    memset(rm, 0, sizeof rm);
    rm[0].msg_hdr.msg_iov = &riov2[0];
    rm[0].msg_hdr.msg_iovlen = 1;
    rm[1].msg_hdr.msg_iov = &riov2[1];
    rm[1].msg_hdr.msg_iovlen = 1;
    sc(S_RECVMMSG, sv[1], (long)rm, 2, MSG_DONTWAIT, 0, 0);
    syscall(SYS_sendmmsg, sv[0], mm, 2, 0);
    syscall(SYS_recvmmsg, sv[1], rm, 2, MSG_DONTWAIT, NULL);

    /* ipc. */
    int sem = ipc(I_SEMGET, IPC_PRIVATE, 1, IPC_CREAT | 0600, NULL, 0);
    struct sembuf op = {0, 1, IPC_NOWAIT};
    ipc(I_SEMOP, sem, 1, 0, &op, 0);
    int semarg = 0;
    ipc(I_SEMCTL, sem, 0, IPC_RMID, &semarg, 0);
    int shm = ipc(I_SHMGET, IPC_PRIVATE, 4096, IPC_CREAT | 0600, NULL, 0);
    uint32_t at = 0;
    ipc(I_SHMAT, shm, 0, (long)&at, NULL, 0);
    ipc(I_SHMDT, 0, 0, 0, (void *)(uintptr_t)at, 0);
    ipc(I_SHMCTL, shm, IPC_RMID, 0, NULL, 0);
    int q = ipc(I_MSGGET, IPC_PRIVATE, IPC_CREAT | 0600, 0, NULL, 0);
    struct { long type; char text[8]; } m = {1, "hi"};
    ipc(I_MSGSND, q, 3, 0, &m, 0);
    ipc(I_MSGRCV | (1 << 16), q, sizeof m.text, 0, &m, 0);
    ipc(I_MSGCTL, q, IPC_RMID, 0, NULL, 0);
    return 0;
}
