/* Bench-only tracee modes (the rest come from crates/bsdtrace/tests/tracees/tracee.c).
 *   mem MIB FILE   map and touch MIB MiB, write its address to FILE, stop (SIGSTOP), exit 0
 *   maps N         make 2N VMAs (alternating rw / r pages), stop (SIGSTOP), then call
 *                  getppid forever, so the tracer can stop it at syscalls between
 *                  enumerations (each resume invalidates the engine's map snapshot) */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3)
        return 2;
    const char *m = argv[1];
    long n = atol(argv[2]);
    if (!strcmp(m, "mem") && argc > 3) {
        size_t len = (size_t)n << 20;
        char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return 100;
        for (size_t i = 0; i < len; i += 4096)
            p[i] = (char)(i >> 12);
        FILE *f = fopen(argv[3], "w");
        if (!f)
            return 101;
        fprintf(f, "%p\n", (void *)p);
        fclose(f);
        raise(SIGSTOP);
        return 0;
    } else if (!strcmp(m, "maps")) {
        long pg = sysconf(_SC_PAGESIZE);
        char *p = mmap(NULL, pg * 2 * n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return 100;
        for (long i = 0; i < n; i++)
            if (mprotect(p + (2 * i + 1) * pg, pg, PROT_READ))
                return 102;
        raise(SIGSTOP);
        for (;;)
            syscall(SYS_getppid);
    }
    return 2;
}
