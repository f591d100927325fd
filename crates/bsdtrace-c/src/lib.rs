//! libbsdtrace: the C face of bsdtrace. FreeBSD's `ptrace()`, `procctl()` and
//! wait family for C programs, as thin copyin/copyout and errno over the
//! `bsdtrace` library; the headers are in `include/`, see docs/c-api.md.

mod copy;
