//! bsdtrace: FreeBSD's ptrace(2) and procctl(2) on Linux.
#![deny(unsafe_op_in_unsafe_fn)]

pub mod abi;
pub mod error;
pub mod procctl;
pub mod sys;

pub use error::{Errno, Error, Result};
