//! `bsdtrace truss`: FreeBSD's truss(1) on Linux.
//!
//! [`decode`] turns raw syscall numbers, arguments, return values and
//! siginfo into truss's text (and JSON); it knows nothing of how the tracee
//! is stopped or how its memory is read.

pub mod decode;
