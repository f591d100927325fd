/*
 * libbsdtrace <sys/errno.h>: <errno.h>, where FreeBSD programs find
 * ERESTART and EJUSTRETURN (with _WANT_KERNEL_ERRNO).  glibc's
 * <sys/errno.h> only includes <errno.h> too.
 */
#include <errno.h>
