//! The engine hook for `*_CTL` on another process: procctl hands the
//! prctl/personality call to the registered [`RemoteSyscall`] and falls back
//! to FreeBSD's error when the hook declines. (A separate test binary: the
//! hook is process-wide and set once.)

#[path = "pcommon/mod.rs"]
mod common;
use bsdtrace::abi::procctl::*;
use bsdtrace::procctl::{self, IdType, Request};
use bsdtrace::sys::proc as sp;
use bsdtrace::Errno;
use common::Tree;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Mutex;

static TARGET: AtomicI32 = AtomicI32::new(0);
static CALLS: Mutex<Vec<(i64, [u64; 6])>> = Mutex::new(Vec::new());

/// Stands in for the engine: "traced and stopped" is exactly TARGET.
fn fake_engine(pid: i32, nr: i64, args: [u64; 6]) -> Option<Result<i64, Errno>> {
    if pid != TARGET.load(Ordering::SeqCst) {
        return None;
    }
    CALLS.lock().unwrap().push((nr, args));
    Some(Ok(0))
}

#[test]
fn ctl_commands_on_a_traced_stopped_process_run_inside_it() {
    procctl::set_remote_syscall_hook(fake_engine);
    let t = Tree::spawn(&[], 1);
    let other = Tree::spawn(&[], 1);
    TARGET.store(t.root(), Ordering::SeqCst);
    let id: i64 = t.root().into();

    procctl::procctl(IdType::Pid, id, Request::TraceCtl(PROC_TRACE_CTL_DISABLE)).unwrap();
    procctl::procctl(IdType::Pid, id, Request::NoNewPrivsCtl(PROC_NO_NEW_PRIVS_ENABLE)).unwrap();
    procctl::procctl(IdType::Pid, id, Request::AslrCtl(PROC_ASLR_FORCE_DISABLE)).unwrap();
    procctl::procctl(IdType::Pid, id, Request::WxmapCtl(PROC_WX_MAPPINGS_DISALLOW_EXEC)).unwrap();
    let calls = CALLS.lock().unwrap().clone();
    let prctl = |opt: i32, arg: u64| (sp::SYS_PRCTL, [opt as u64, arg, 0, 0, 0, 0]);
    assert_eq!(
        calls,
        vec![
            prctl(sp::PR_SET_DUMPABLE, 0),
            prctl(sp::PR_SET_NO_NEW_PRIVS, 1),
            (sp::SYS_PERSONALITY, [sp::PER_QUERY as u64, 0, 0, 0, 0, 0]),
            (sp::SYS_PERSONALITY, [sp::ADDR_NO_RANDOMIZE as u64, 0, 0, 0, 0, 0]),
            prctl(sp::PR_SET_MDWE, sp::PR_MDWE_REFUSE_EXEC_GAIN),
        ]
    );
    // ENABLE stays self-only, as on FreeBSD, hook or not.
    let r = procctl::procctl(IdType::Pid, id, Request::TraceCtl(PROC_TRACE_CTL_ENABLE));
    assert_eq!(r.unwrap_err().errno(), Errno::EPERM);
    // A process the engine does not hold stopped: FreeBSD's error.
    let r = procctl::procctl(IdType::Pid, other.root().into(), Request::TraceCtl(PROC_TRACE_CTL_DISABLE));
    assert_eq!(r.unwrap_err().errno(), Errno::EPERM);
    // PDEATHSIG never reaches the hook: FreeBSD itself refuses non-self.
    let r = procctl::procctl(IdType::Pid, id, Request::PdeathsigCtl(9));
    assert_eq!(r.unwrap_err().errno(), Errno::EINVAL);
}
