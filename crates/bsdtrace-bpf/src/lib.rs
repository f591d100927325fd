//! # bsdtrace-bpf: syscall tracing without stopping the program
//!
//! A ptrace tracer stops the traced thread twice per syscall (entry and
//! exit) and makes at least one request per stop: about 14 µs per syscall
//! on a machine where the syscall itself costs 0.2 µs. This crate records
//! the same facts in the kernel instead, with BPF programs, and never stops
//! anything:
//!
//! * syscall entries (number, arguments, and the user memory the arguments
//!   point at: paths, written buffers, structs) and exits (result, and the
//!   memory the kernel filled in), copied with `bpf_probe_read_user` while
//!   the call is in progress;
//! * thread and process births (`sched_process_fork`), execs, exits, and
//!   signals as they are delivered (not those the process ignores);
//! * all written to one ring buffer that [`Session`] drains and hands out
//!   as [`Event`]s sorted by timestamp across CPUs.
//!
//! Which memory to copy for each syscall is a plan made from the syscall
//! table's argument kinds ([`plan`]); a decoder that reads a [`Snapshot`]
//! finds there every byte it would have read from a stopped process, up to
//! the limits [`plan`] lists.
//!
//! ## Costs and the two ways to hook syscalls
//!
//! A full trace uses the `raw_syscalls` tracepoints: every syscall of the
//! traced processes, about 1 µs each. While they are attached *every
//! thread of the machine* takes the kernel's slow syscall path (measured in
//! docs/BENCHMARKS.md). A trace of a few syscalls (at most [`SLOTS`])
//! attaches fentry/fexit programs to just those syscalls' functions
//! (`__x64_sys_openat`...), so other syscalls of every process keep their
//! fast path. Where the kernel refuses fentry (lockdown), or the set is
//! larger, a filtered trace attaches to the chosen syscalls' own
//! tracepoints (`syscalls/sys_enter_openat`...): every thread takes the
//! slow path, but the others run no BPF program there ([`Hooks`]).
//!
//! ## What it cannot do
//!
//! Nothing is stopped, so nothing can be changed: no fault injection, no
//! changed results, no breakpoints; those need ptrace ([`bsdtrace::Tracer`]).
//! Memory is copied up to fixed sizes (4096 bytes per piece, about 16 KiB
//! per call). A full ring drops records; each loss is counted per thread
//! and reported ([`Event::lost_before`], [`Session::lost_unreported`]).
//!
//! ## Requirements
//!
//! Linux with BTF (`/sys/kernel/btf/vmlinux`; the BTF tracepoints, ring
//! buffer, global functions and `bpf_loop` the programs use are all in
//! 5.17; tested on 6.18) on x86-64, and CAP_BPF with CAP_PERFMON (or root).
//! [`check`] says which is missing.
//!
//! ```no_run
//! use bsdtrace_bpf::{EventKind, Options, Session, Target};
//! let argv = ["true".to_string()];
//! let mut s = Session::start(&Options::default(), Target::Spawn(&argv))?;
//! while !s.live().is_empty() {
//!     s.poll(std::time::Duration::from_millis(1))?;
//!     for e in s.events(false) {
//!         if let EventKind::Enter { nr, .. } = e.kind {
//!             println!("{} {}", e.tid, bsdtrace::sysent::name(nr).unwrap_or("?"));
//!         }
//!     }
//! }
//! # Ok::<(), bsdtrace_bpf::Error>(())
//! ```

#![warn(missing_docs)]

mod skel {
    #![allow(clippy::all, unused_imports, dead_code, missing_docs)]
    include!(concat!(env!("OUT_DIR"), "/truss.skel.rs"));
}
pub mod plan;
pub mod record;
mod session;
pub mod sys;

pub use plan::Capture;
pub use record::{Blobs, Event, EventKind, HeldBlobs, Kind, Record, Snapshot};
pub use session::{Hooks, Options, Session, Target, SLOTS};

/// Why a BPF trace cannot run, or stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The kernel lacks something the programs need.
    #[error("{0}")]
    Unsupported(String),
    /// This process may not load tracing BPF programs.
    #[error("{0}")]
    NotPermitted(String),
    /// A libbpf or bpf(2) step failed.
    #[error("cannot {what}: {detail}")]
    Bpf {
        /// The step, as a verb phrase ("load the BPF programs").
        what: String,
        /// The errno behind it, when libbpf said (0 otherwise).
        errno: i32,
        /// libbpf's own words.
        detail: String,
    },
    /// The command could not be started.
    #[error("cannot start the command: {}", std::io::Error::from_raw_os_error(*errno))]
    Spawn {
        /// Why fork or exec failed.
        errno: i32,
    },
    /// `-p` of a process that does not exist.
    #[error("no such process: {pid}")]
    NoProcess {
        /// The process asked for.
        pid: i32,
    },
}

const CAP_SYS_ADMIN: u32 = 21;
const CAP_PERFMON: u32 = 38;
const CAP_BPF: u32 = 39;

/// Whether this process can run a BPF trace here, and if not, why: no BTF
/// in the kernel, or neither root's capabilities nor CAP_BPF+CAP_PERFMON.
pub fn check() -> Result<(), Error> {
    if !std::path::Path::new("/sys/kernel/btf/vmlinux").exists() {
        return Err(Error::Unsupported(
            "the kernel has no BTF (/sys/kernel/btf/vmlinux; CONFIG_DEBUG_INFO_BTF), which the BPF programs are built against".into(),
        ));
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let caps = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        .unwrap_or(0);
    let has = |c: u32| caps & (1u64 << c) != 0;
    if !(has(CAP_SYS_ADMIN) || (has(CAP_BPF) && has(CAP_PERFMON))) {
        return Err(Error::NotPermitted(
            "loading tracing BPF programs needs CAP_BPF and CAP_PERFMON (or root); this process has neither".into(),
        ));
    }
    Ok(())
}
