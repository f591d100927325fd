//! bsdtrace: FreeBSD's ptrace(2) and procctl(2) on Linux.
#![deny(unsafe_op_in_unsafe_fn)]

pub mod abi;
pub mod engine;
pub mod error;
pub mod procctl;
pub mod request;
pub mod sys;
pub mod sysent;

pub use engine::{Event, Lwpid, Pid, SpawnOptions, Target, Tracer, WaitOptions, WaitStatus};
pub use error::{Errno, Error, Result};
pub use request::control::trace_me;
pub use request::{LwpInfo, Resume, ScArgs, VmEntry};
