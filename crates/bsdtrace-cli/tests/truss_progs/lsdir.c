/* An ls-like program: list a directory with each entry's mode and size,
 * then read a file at an offset. Built 32-bit (-m32) for the i386 truss
 * tests: its calls are i386's (mmap2, _llseek, pread64 with a split
 * offset, ugetrlimit, statx or fstatat64...). */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	const char *d = argc > 1 ? argv[1] : ".";
	struct timespec ts = { 0, 1000 };
	struct dirent *e;
	struct stat st;
	char p[4096], buf[64];
	DIR *dir;
	int fd;

	if ((dir = opendir(d)) == NULL)
		return (1);
	while ((e = readdir(dir)) != NULL) {
		snprintf(p, sizeof(p), "%s/%s", d, e->d_name);
		if (lstat(p, &st) == 0)
			printf("%o %lld %s\n", (unsigned)st.st_mode, (long long)st.st_size, e->d_name);
	}
	closedir(dir);
	nanosleep(&ts, NULL);
	if ((fd = open(argv[0], O_RDONLY)) == -1)
		return (2);
	if (read(fd, buf, sizeof(buf)) != sizeof(buf) || lseek(fd, 0, SEEK_SET) != 0 ||
	    pread(fd, buf, 10, 2) != 10)
		return (3);
	close(fd);
	return (0);
}
