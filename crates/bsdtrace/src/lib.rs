//! # bsdtrace: FreeBSD's ptrace(2) and procctl(2) on Linux
//!
//! A tracer written against FreeBSD's debugging interface — its requests,
//! its stop model, its errors — running on Linux.
//!
//! ## The whole-process stop
//!
//! Linux ptrace stops and reports one thread at a time. FreeBSD stops the
//! *process*: when any LWP (thread) stops for the debugger, every other LWP
//! is stopped before `wait()` reports it, and a continue resumes them all.
//! The engine gives FreeBSD's model on Linux:
//!
//! * every thread is attached with `PTRACE_SEIZE`; when one reports an event
//!   the others are `PTRACE_INTERRUPT`ed, and [`Tracer::wait`] returns only
//!   once all are stopped;
//! * events other threads hit meanwhile (two breakpoints at once, a thread
//!   born while stopping) stay pending and are reported **one per wait,
//!   without resuming anything**;
//! * a request needs the process stopped *and* the stop collected by wait
//!   (FreeBSD's `P_WAITED`), else `EBUSY`; PT_SUSPEND keeps one LWP stopped
//!   across continues;
//! * Linux stops FreeBSD would not report (the unwanted half of a syscall,
//!   ignored signals, clone events, stale interrupts) never surface.
//!
//! To stop a running process on demand, as a FreeBSD debugger does with
//! `kill(pid, SIGSTOP)`, call [`Tracer::interrupt`]: the same whole-process
//! stop, reported as that SIGSTOP, with no signal sent.
//!
//! Exits are reported once; statuses of children the tracer does not trace
//! are kept and handed out by the same wait, so nothing is lost.
//!
//! ## The types
//!
//! * [`Tracer`] — owns every traced process; one per tracing thread (Linux
//!   accepts ptrace requests only from the thread that attached). Dropping
//!   it kills and reaps what it still traces, as a FreeBSD tracer's exit
//!   does; detach first to leave a process running.
//! * [`Pid`] and [`Lwpid`] — process and thread ids, never confused;
//!   [`Target`] names either (a process means its reporting LWP).
//! * [`Event`] — why an LWP stopped, an exhaustive enum; [`LwpInfo`] is
//!   PT_LWPINFO's full answer, [`Tracer::stop_event`] the cheap part.
//! * [`WaitStatus`] — what `wait()` says.
//! * [`Error`] — FreeBSD's errno for every failure, plus the byte count of
//!   a memory transfer that faulted.
//! * [`abi`] — FreeBSD's numbers and `#[repr(C)]` structs, shared with the C
//!   face; [`procctl`] — procctl(2); [`sysent`] — the syscall table.
//!
//! Each request is one method: `PT_CONTINUE` is [`Tracer::resume`] with
//! [`Resume::Continue`], `PT_IO` is [`Tracer::read_memory`] /
//! [`Tracer::write_memory`], `PT_LWPINFO` is [`Tracer::lwpinfo`], and so on;
//! `docs/architecture.md` has the full table.
//!
//! ## Example: count a program's system calls
//!
//! ```
//! use bsdtrace::{Event, Resume, Tracer, WaitOptions, WaitStatus};
//!
//! let mut t = Tracer::new();
//! let pid = t.spawn(&["/bin/true"])?;
//! // The first stop is the exec (SIGTRAP, PL_FLAG_EXEC).
//! let (_, st) = t.wait(pid.0, WaitOptions::BLOCK)?.unwrap();
//! assert_eq!(st, WaitStatus::Stopped(libc::SIGTRAP));
//! let mut calls = 0;
//! let status = loop {
//!     t.resume(pid.into(), Resume::Syscall, None, 0)?;   // PT_SYSCALL
//!     match t.wait(pid.0, WaitOptions::BLOCK)?.unwrap().1 {
//!         WaitStatus::Stopped(_) => {
//!             if let (_, Some(Event::SyscallEntry)) = t.stop_event(pid.into())? {
//!                 let args = t.sc_args(pid.into())?;    // PT_GET_SC_ARGS
//!                 assert!(bsdtrace::sysent::name(args.code).is_some());
//!                 calls += 1;
//!             }
//!         }
//!         other => break other,
//!     }
//! };
//! assert_eq!(status, WaitStatus::Exited(0));
//! assert!(calls > 5);
//! # Ok::<(), bsdtrace::Error>(())
//! ```
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub mod abi;
// The engine's items (and its new driver thread) are being rewritten (the
// engine split and its state enums); they get their documentation with
// that work.
#[allow(missing_docs)]
pub mod driver;
#[allow(missing_docs)]
pub mod engine;
pub mod error;
pub mod procctl;
pub mod request;
pub mod sys;
pub mod sysent;

pub use driver::{Backend, Engine, EngineOptions, Report, TraceMeStop, WaitFor};
pub use engine::{Event, LwpStatus, Lwpid, Pid, SpawnOptions, StopMode, Target, Tracer, WaitOptions, WaitStatus};
pub use error::{Errno, Error, Result};
pub use request::attach::{prepare_traceme, trace_me};
pub use request::{LwpInfo, Resume, ScArgs, VmEntry};
