//! Issue 11's defects, one reproducer each (`bsdtrace-fault repro N`, run
//! under the suite's supervisor and its 5 s hang detector). A test passes
//! when its defect does not show. Those whose fix lies in the engine core
//! or the C face's executor/wait, being rewritten now, are ignored until
//! that lands: run them with `cargo test -p bsdtrace-fault --test defects
//! -- --ignored`, and un-ignore each once its fix is in.

mod common;
use common::fault_ok;

#[test]
fn sigkill_of_a_multithreaded_tracee_never_hangs_the_tracer() {
    fault_ok(&["repro", "1", "--face", "rust"]);
}

/// 1,000 rounds (~5 s): the hang this guards against came about once in
/// 1,000 rounds; a regression hanging 1% of rounds fails it with
/// probability 1 - 0.99^1000 > 99.99%, one at 0.3% with 95%.
#[test]
fn sigkill_of_a_multithreaded_tracee_never_hangs_a_c_tracer() {
    fault_ok(&["repro", "1", "--face", "c", "--rounds", "1000"]);
}

#[test]
fn detach_with_a_fatal_signal_leaves_no_zombie() {
    fault_ok(&["repro", "2"]);
}

#[test]
fn remote_syscall_where_the_pc_cannot_run_code_does_not_livelock() {
    fault_ok(&["repro", "3"]);
}

#[test]
fn a_wnohang_wait_never_blocks() {
    fault_ok(&["repro", "4"]);
}

#[test]
fn a_traceme_child_dying_at_its_first_stop_reports_its_exit() {
    fault_ok(&["repro", "5"]);
}

#[test]
fn sigkill_racing_attach_reports_one_exit() {
    fault_ok(&["repro", "6"]);
}

/// 150 rounds per face: before the fix about 1 round in 8 left
/// the child stopped or untraced (119 in 1,000).
#[test]
fn a_tracer_killed_while_adopting_takes_its_child_along() {
    fault_ok(&["repro", "7"]);
}

/// 12 storms of 512 threads ending in a non-leader exec, on the C face
/// (both backends) and the Rust face (~40 s in a debug build).
#[test]
fn the_engine_thread_reports_a_non_leader_exec_at_512_threads() {
    fault_ok(&["repro", "8"]);
}

#[test]
fn a_waitid_that_reports_nothing_leaves_the_stop_pending() {
    fault_ok(&["repro", "9"]);
}
