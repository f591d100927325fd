//! `kill(2)` for debuggers: a SIGSTOP sent to a running process we trace
//! stops it the way FreeBSD's does.
//!
//! On FreeBSD a debugger interrupts its running tracee with
//! `kill(pid, SIGSTOP)`: the signal goes to the debugger at the first
//! thread that takes it, every other thread is suspended where it is (a
//! sleeping one stays asleep), and a PT_CONTINUE with signal 0 discards it
//! without a trace. On Linux the signal itself wakes one sleeping thread,
//! and when another thread dequeues it first, the woken one returns to the
//! program with EINTR (epoll_wait, sigtimedwait, semtimedop...) before any
//! stop is there to undo it. So for a process this library traces and that
//! runs, `kill(pid, SIGSTOP)` asks the engine for the whole-process stop
//! instead (no signal is sent); the tracer's wait reports it as the
//! SIGSTOP, with an SI_USER siginfo naming the sender, as FreeBSD's does.
//! Every other `kill()` is the system's.

use crate::executor;
use bsdtrace::{Pid, Target};

/// `kill(2)`.
#[no_mangle]
pub extern "C" fn kill(pid: libc::pid_t, sig: libc::c_int) -> libc::c_int {
    if sig == libc::SIGSTOP && pid > 0 && interrupt(pid) {
        return 0;
    }
    // SAFETY: the raw system call; errno is set by libc's syscall().
    unsafe { libc::syscall(libc::SYS_kill, pid, sig) as libc::c_int }
}

/// Stop a running process we trace without a signal; false if it is not
/// ours, not running, or we are inside the library already (a signal
/// handler of a library call).
fn interrupt(pid: libc::pid_t) -> bool {
    let Some(g) = executor::started() else { return false };
    if !g.engine.knows(pid) || g.engine.on_engine_thread() {
        return false;
    }
    let Some(_inside) = executor::enter() else { return false };
    g.engine
        .try_with(move |t| t.is_traced(Pid(pid)) && t.interrupt(Target::Proc(Pid(pid))).unwrap_or(false))
        .unwrap_or(false)
}
