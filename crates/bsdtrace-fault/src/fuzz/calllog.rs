//! The call log (`BSDTRACE_FAULT_LOG`) and the names of requests.

use bsdtrace::abi::*;

/// `BSDTRACE_FAULT_LOG=1`: every call and its answer on stderr.
pub(super) fn log() -> bool {
    static L: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *L.get_or_init(|| std::env::var_os("BSDTRACE_FAULT_LOG").is_some_and(|v| v != "ring"))
}

/// `BSDTRACE_FAULT_LOG=ring`: the same lines kept in memory (the last
/// [`LAZY_LINES`]) and written with the engines' flight recorders at a
/// defect (`BSDTRACE_FAULT_RING`): no system call per call, so the timing
/// that printing hides defects with stays nearly as it was.
pub(super) fn lazy_log() -> bool {
    static L: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *L.get_or_init(|| std::env::var_os("BSDTRACE_FAULT_LOG").is_some_and(|v| v == "ring"))
}

const LAZY_LINES: usize = 512;
static LAZY: std::sync::Mutex<std::collections::VecDeque<String>> = std::sync::Mutex::new(std::collections::VecDeque::new());

pub(super) fn flog(line: String) {
    if log() {
        eprintln!("{line}");
        return;
    }
    let mut q = LAZY.lock().unwrap_or_else(|e| e.into_inner());
    if q.len() == LAZY_LINES {
        q.pop_front();
    }
    q.push_back(line);
}

/// `f` over the in-memory call log, oldest first, if its lock is free
/// (from a signal handler: no allocation, no blocking).
pub fn with_lazy_lines(f: impl FnOnce(&mut dyn Iterator<Item = &String>)) {
    if let Ok(q) = LAZY.try_lock() {
        f(&mut q.iter());
    }
}

/// The in-memory call log, oldest first (`BSDTRACE_FAULT_LOG=ring`).
pub fn lazy_lines() -> Vec<String> {
    LAZY.lock().unwrap_or_else(|e| e.into_inner()).iter().cloned().collect()
}

pub fn req_name(req: i32) -> String {
    let n = match req {
        PT_TRACE_ME => "PT_TRACE_ME",
        PT_READ_I => "PT_READ_I",
        PT_READ_D => "PT_READ_D",
        PT_WRITE_I => "PT_WRITE_I",
        PT_WRITE_D => "PT_WRITE_D",
        PT_CONTINUE => "PT_CONTINUE",
        PT_KILL => "PT_KILL",
        PT_STEP => "PT_STEP",
        PT_ATTACH => "PT_ATTACH",
        PT_DETACH => "PT_DETACH",
        PT_IO => "PT_IO",
        PT_LWPINFO => "PT_LWPINFO",
        PT_GETNUMLWPS => "PT_GETNUMLWPS",
        PT_GETLWPLIST => "PT_GETLWPLIST",
        PT_CLEARSTEP => "PT_CLEARSTEP",
        PT_SETSTEP => "PT_SETSTEP",
        PT_SUSPEND => "PT_SUSPEND",
        PT_RESUME => "PT_RESUME",
        PT_TO_SCE => "PT_TO_SCE",
        PT_TO_SCX => "PT_TO_SCX",
        PT_SYSCALL => "PT_SYSCALL",
        PT_FOLLOW_FORK => "PT_FOLLOW_FORK",
        PT_LWP_EVENTS => "PT_LWP_EVENTS",
        PT_GET_EVENT_MASK => "PT_GET_EVENT_MASK",
        PT_SET_EVENT_MASK => "PT_SET_EVENT_MASK",
        PT_GET_SC_ARGS => "PT_GET_SC_ARGS",
        PT_GET_SC_RET => "PT_GET_SC_RET",
        PT_COREDUMP => "PT_COREDUMP",
        PT_GETREGS => "PT_GETREGS",
        PT_SETREGS => "PT_SETREGS",
        PT_GETFPREGS => "PT_GETFPREGS",
        PT_SETFPREGS => "PT_SETFPREGS",
        PT_GETDBREGS => "PT_GETDBREGS",
        PT_SETDBREGS => "PT_SETDBREGS",
        PT_VM_TIMESTAMP => "PT_VM_TIMESTAMP",
        PT_VM_ENTRY => "PT_VM_ENTRY",
        PT_GETREGSET => "PT_GETREGSET",
        PT_SETREGSET => "PT_SETREGSET",
        PT_SC_REMOTE => "PT_SC_REMOTE",
        PT_GETXSTATE_INFO => "PT_GETXSTATE_INFO",
        PT_GETXSTATE => "PT_GETXSTATE",
        PT_SETXSTATE => "PT_SETXSTATE",
        PT_GETFSBASE => "PT_GETFSBASE",
        PT_SETFSBASE => "PT_SETFSBASE",
        PT_GETGSBASE => "PT_GETGSBASE",
        PT_SETGSBASE => "PT_SETGSBASE",
        _ => return format!("request {req}"),
    };
    n.to_string()
}
