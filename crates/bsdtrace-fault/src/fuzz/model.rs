//! The fuzzer's model: what it believes of each process, the classes of
//! targets it aims at, and the answers FreeBSD allows for one call.

use crate::util::errno_name;
use bsdtrace::abi::LWPID_BASE;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum St {
    /// Not traced (ours to attach).
    Untraced,
    /// Traced; running, or stopped and not yet waited for.
    Running,
    /// Traced; a stop is ready and must be the next thing wait reports for
    /// it (after PT_SC_REMOTE).
    Restop,
    /// Traced, stopped, and the stop was waited for: requests work.
    Stopped,
    /// Killed (PT_KILL or SIGKILL): its exit must come, once.
    Dying,
}

#[derive(Clone, Debug)]
pub(super) struct P {
    pub(super) st: St,
    /// Our own child (its exit comes to us even untraced).
    pub(super) child: bool,
    /// Traced by another process.
    pub(super) other: bool,
    /// LWP ids from the last PT_GETLWPLIST.
    pub(super) lwps: Vec<i32>,
    /// Waits since it was last resumed that reported nothing for it.
    pub(super) polls: u32,
    pub(super) stop_sent: bool,
    /// Some LWP was PT_SUSPENDed (a stop may never come).
    pub(super) suspended: bool,
    /// Runs the sandboxed fuzz tracee (PT_SC_REMOTE may call kill()).
    pub(super) sandboxed: bool,
    /// May execve at any moment (the "fuzz" mode does, now and then).
    pub(super) may_exec: bool,
    /// A PT_TRACE_ME child whose first stop (its exec of the tracee) has
    /// not been reported: it comes by itself; stopped earlier it would
    /// still run our own image, not the tracee's.
    pub(super) unborn: bool,
    /// SIGKILLed from outside while the engine may still hold it stopped:
    /// requests may still work until the engine sees the death.
    pub(super) killed_outside: bool,
    /// A request answered ESRCH while we believed it running: right if it
    /// is exiting (its next status must then be its exit), wrong if a stop
    /// comes next. (call, what was asked)
    pub(super) esrch: Option<String>,
}

impl P {
    /// A process in state `st` and nothing else known: not our child, not
    /// traced by another, not sandboxed, never execs (struct update syntax
    /// sets the rest).
    pub(super) fn new(st: St) -> P {
        P {
            st,
            child: false,
            other: false,
            lwps: vec![],
            polls: 0,
            stop_sent: false,
            suspended: false,
            sandboxed: false,
            may_exec: false,
            unborn: false,
            killed_outside: false,
            esrch: None,
        }
    }
}

/// What FreeBSD allows for one call.
#[derive(Clone, Debug)]
pub(super) struct Exp {
    pub(super) ok: bool,
    pub(super) errs: Vec<i32>,
}

impl Exp {
    pub(super) fn ok() -> Exp {
        Exp { ok: true, errs: vec![] }
    }
    pub(super) fn err(e: i32) -> Exp {
        Exp { ok: false, errs: vec![e] }
    }
    pub(super) fn or(mut self, e: i32) -> Exp {
        if !self.errs.contains(&e) {
            self.errs.push(e);
        }
        self
    }
    pub(super) fn describe(&self) -> String {
        let mut v: Vec<&str> = self.errs.iter().map(|e| errno_name(*e)).collect();
        if self.ok {
            v.insert(0, "ok");
        }
        v.join("|")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Class {
    Traced(i32),
    Untraced(i32),
    Other(i32),
    Foreign(i32),
    Myself,
    Dead(i32),
    Nothing,
}

/// The LWP ids a PT_GETLWPLIST that returned `ret` wrote into `out`
/// (`data` slots). Only those: what lies beyond is an earlier call's, ids
/// of another process. Taking them for this one's (the model read `data`
/// slots) made the fuzzer aim its LWP requests at the wrong process and
/// then blame the engine: PT_STEP of another process's LWP "resumed" this
/// one, whose stop then came "twice" while the other's requests answered
/// EBUSY (issue 11's "stop reported twice, two processes' stops swapped",
/// `fuzz --face c --seed 15000046 --calls 1420`, about 1 run in 8).
pub(super) fn listed_lwps(out: &[u64], ret: i32, data: i32) -> Vec<i32> {
    let cnt = (ret.clamp(0, data.max(0)) as usize).min(out.len() * 2);
    (0..cnt)
        .map(|i| {
            let w = out[i / 2];
            (if i % 2 == 0 { w as u32 } else { (w >> 32) as u32 }) as i32
        })
        .take_while(|&i| i > LWPID_BASE)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_lwp_list_is_only_what_the_call_returned() {
        // Little-endian i32 slots, as the library writes them.
        let pack = |a: i32, b: i32| (a as u32 as u64) | ((b as u32 as u64) << 32);
        let (x, y, z) = (LWPID_BASE + 100, LWPID_BASE + 101, LWPID_BASE + 200);
        // A two-thread process listed first, then a one-thread one.
        let mut out = vec![pack(x, y), 0];
        assert_eq!(listed_lwps(&out, 2, 8), vec![x, y]);
        out[0] = pack(z, y);
        assert_eq!(listed_lwps(&out, 1, 8), vec![z]);
        assert_eq!(listed_lwps(&out, 0, 8), Vec::<i32>::new());
        assert_eq!(listed_lwps(&out, 2, 1), vec![z]);
    }
}
