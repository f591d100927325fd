/* Syscalls that fail, each with a different errno. */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

int main(void) {
    int p[2];
    struct termios t;
    open("/nonexistent/file", O_RDONLY);      /* ENOENT */
    close(-1);                                /* EBADF */
    mkdir("/", 0755);                         /* EEXIST */
    chdir("/etc/passwd");                     /* ENOTDIR */
    pipe(p);
    lseek(p[0], 0, SEEK_SET);                 /* ESPIPE */
    int fd = open("/dev/null", O_RDWR);
    ioctl(fd, TCGETS, &t);                    /* ENOTTY */
    write(p[0], "x", 1);                      /* EBADF: read end */
    rmdir("/etc/passwd");                     /* ENOTDIR */
    return 0;
}
