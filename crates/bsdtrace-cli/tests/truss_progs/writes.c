/* One write of 100 'a's to stdout. */
#include <string.h>
#include <unistd.h>
int main(void) {
    char buf[100];
    memset(buf, 'a', sizeof buf);
    write(1, buf, sizeof buf);
    return 0;
}
