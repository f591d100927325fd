//! The fault and fuzz suite in its bounded form (issue 11; docs/
//! RELIABILITY.md): every part runs seeded, under the supervisor's 5 s hang
//! detector, and must find nothing: no hang, no lost or doubled status, no
//! crash or panic, no errno outside FreeBSD's set, no success where FreeBSD
//! refuses, nothing left traced or stopped.
//!
//! Defects of issue 11 still open are left out of what the suite provokes
//! (`--avoid`) or keep a part ignored, each naming the reproducer in
//! tests/defects.rs that covers it; drop the number once it is fixed.

mod common;
use common::fault_ok;

/// R1: 20,000 fuzzed calls per library face (C, Rust), half as root, half
/// as `nobody`, attaching processes that exec from any thread too (#13,
/// PT_ATTACH racing execve, fixed: docs/RELIABILITY.md).
#[test]
fn r1_fuzzed_requests_and_waits() {
    fault_ok(&["run", "--only", "r1", "--calls", "10000"]);
}

/// R2: 500 rounds per library face (C direct, C engine thread, Rust) of a
/// tracee killed at a random point of a request burst.
#[test]
fn r2_tracees_killed_during_request_bursts() {
    fault_ok(&["run", "--only", "r2", "--r2-rounds", "500"]);
}

/// R3: 500 rounds per face (C direct, C engine thread, Rust, truss,
/// gdbserver) of a tracer killed at a random point, an execer attached
/// too (#13).
#[test]
fn r3_tracers_killed_at_random_points() {
    fault_ok(&["run", "--only", "r3", "--r3-rounds", "500"]);
}

/// R3 for the command-line tools alone.
#[test]
fn r3_truss_and_gdbserver_killed_at_random_points() {
    fault_ok(&["run", "--only", "r3", "--faces", "truss,gdbserver", "--r3-rounds", "500"]);
}

/// R4: 512 churning threads, 1,000 followed forks and a non-leader exec,
/// on the C face with each wake-up backend (io_uring, doorbell) and the
/// Rust face: the full bounded size (~20 s in a debug build).
#[test]
fn r4_thread_and_fork_storms() {
    fault_ok(&["run", "--only", "r4"]);
}
