/* A failed execve, then a successful one. */
#include <unistd.h>
int main(void) {
    char *argv[] = { "true", NULL };
    char *envp[] = { "A=1", NULL };
    execve("/nonexistent/true", argv, envp);
    execve("/bin/true", argv, envp);
    return 99;
}
