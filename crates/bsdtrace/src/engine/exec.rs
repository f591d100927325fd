//! An execve: the exec'ing thread's event (a non-leader's takes over the
//! pid and keeps its FreeBSD LWP id), the threads it took down (their
//! EXITED stops reported first, from what is kept of them: `Ghost`), and
//! the signals a dying thread held.

use super::lwp::Ghost;
use super::signals::{fault_signal, forced_fault};
use super::{Event, LinuxState, LinuxStop, Lwp, Lwpid, Pid, ProcState, ScState, SigProbe, Tracer};
use crate::sys::{self, Tid};

impl Tracer {
    pub(super) fn on_exec(&mut self, pid: Pid, tid: Tid, old: Tid) {
        let p = self.procs.get_mut(&pid).expect("live");
        // Every other thread is gone; a non-leader exec took over the pid.
        // The thread keeps its FreeBSD LWP id (its old tid, or the id it
        // had), as FreeBSD's execve keeps the calling thread.
        let mut fid = tid;
        if old != tid {
            let mut moved = p.lwps.iter().position(|l| l.tid == old).map(|i| p.lwps.remove(i));
            p.lwps.retain(|l| l.tid != tid);
            fid = moved.as_ref().map_or(old, |l| l.freebsd_id());
            if let Some(l) = moved.as_mut() {
                l.tid = tid;
            }
            let l = moved.unwrap_or_else(|| Lwp::new(tid, LinuxState::Running));
            p.lwps.insert(0, l);
        } else if let Some(l) = p.lwp(tid) {
            fid = l.freebsd_id();
        }
        if old != tid && p.xthread == Some(tid) && p.state == (ProcState::Stopped { waited: true }) {
            // The thread whose stop the debugger waited for was the leader
            // this exec killed (under the reported stop: the exec'ing
            // thread slept inside execve, left asleep); its tid is the
            // exec'ing thread's now. The reported stop's thread is gone.
            p.xthread = None;
        }
        let gone: Vec<Tid> = p.lwps.iter().filter(|l| l.tid != tid).map(|l| l.tid).collect();
        p.lwps.retain(|l| l.tid == tid);
        p.execing = false;
        p.pending.clear();
        p.pgid = sys::getpgid(pid.0).unwrap_or(p.pgid);
        p.mem = None;
        p.sigs = SigProbe::default();
        p.maps = None;
        p.arch = None;
        for g in gone {
            if g != tid {
                self.tids.remove(&g);
            }
        }
        self.tids.remove(&old);
        self.tids.insert(tid, pid);
        let p = self.procs.get_mut(&pid).expect("live");
        let mask = p.mask;
        let l = p.lwp_mut(tid).expect("just inserted");
        l.comm = None; // the exec'ing thread's id may have changed
        l.sc = ScState::In;
        l.skip_scx = true;
        l.interrupt_pending = false;
        l.linux = LinuxState::Stopped(LinuxStop::Event);
        self.set_vid(pid, tid, fid);
        // The threads the exec took down report their EXITED stops first,
        // one per wait, while the exec'ing thread waits (FreeBSD's
        // single-threading), whether or not the exec itself is reported.
        let p = self.procs.get_mut(&pid).expect("live");
        let ghosts = std::mem::take(&mut p.exec_ghosts);
        if !ghosts.is_empty() && mask & crate::abi::PTRACE_LWP != 0 {
            for g in ghosts {
                let (key, id) = (g.tid, g.freebsd_id());
                let p = self.procs.get_mut(&pid).expect("live");
                p.pending.push_back(key);
                p.lwps.push(g);
                self.tids.insert(key, pid);
                self.set_vid(pid, key, id);
            }
            let p = self.procs.get_mut(&pid).expect("live");
            if p.state == ProcState::Running {
                p.state = ProcState::Stopping;
            }
        }
        let e = (mask & crate::abi::PTRACE_EXEC != 0).then_some(Event::Exec { old_tid: Lwpid(old) });
        self.after_stop(pid, tid, LinuxStop::Event, e);
    }
}

/// The EXITED report of LWP `l` of `pid`, which an execve is taking down
/// (at its PTRACE_EVENT_EXIT stop, registers fetched): its id, registers,
/// mask and name, kept after Linux removes it (see [`Lwp::ghost`]).
pub(super) fn ghost_of(pid: Pid, l: &Lwp) -> Lwp {
    let mut name = [0u8; crate::abi::TDNAMLEN];
    if let Ok(fd) = sys::open(&format!("/proc/{}/task/{}/comm", pid.0, l.tid), libc::O_RDONLY) {
        let mut buf = [0u8; 32];
        let n = sys::pread(&fd, &mut buf, 0).unwrap_or(0);
        let text = buf[..n].strip_suffix(b"\n").unwrap_or(&buf[..n]);
        let k = text.len().min(name.len() - 1);
        name[..k].copy_from_slice(&text[..k]);
    }
    let mut g = Lwp::new(-l.tid, LinuxState::Stopped(LinuxStop::Exit));
    g.event = Some(Event::Exited);
    g.regs = l.regs;
    g.vid = Some(l.freebsd_id());
    // Its XSAVE area and debug registers too, read while it is stopped
    // (once per thread an execve takes down, with LWP events on only): its
    // state at its EXITED stop, as FreeBSD gives it.
    let xsave = sys::xstate(l.tid).ok();
    let dbregs = sys::debug_regs(l.tid).unwrap_or_default();
    g.ghost = Some(Box::new(Ghost { tid: l.tid, sigmask: sys::sigmask(l.tid).unwrap_or(0), name, xsave, dbregs }));
    g
}

/// LWP `tid` of `p` dies (an execve's single-threading): a signal it held
/// at a collected signal-delivery-stop the tracer has not seen goes back
/// on the process when [`requeue_after_exec`] says so. (A stop already
/// reported is the tracer's: it saw the signal, and sending it again would
/// report it twice.)
pub(super) fn requeue_held_signal(p: &super::Proc, pid: Pid, tid: Tid) {
    let reported = p.xthread == Some(tid) && matches!(p.state, ProcState::Stopped { .. });
    let held = p.lwp(tid).filter(|_| !reported).and_then(|l| match l.event {
        Some(Event::Signal { sig }) => Some((sig, l.siginfo.known())),
        _ => None,
    });
    if let Some((sig, si)) = held {
        if requeue_after_exec(pid.0, sig, si) {
            tracing::debug!(pid = pid.0, tid, sig, "a signal held by a thread that died, put back on the process");
            let _ = sys::kill(pid.0, sig);
        }
    }
}

/// Does a signal held at the signal-delivery-stop of a thread an execve
/// killed go back to the process? Only one whose action is the default,
/// which the new image keeps: not ignored, not a job-control stop, not a
/// fault the thread raised itself (int3, a SIGSEGV of its own: the new
/// image did not fault), and not one with a handler (reset by the exec).
fn requeue_after_exec(pid: i32, sig: i32, si: Option<sys::siginfo_t>) -> bool {
    if matches!(sig, libc::SIGKILL | libc::SIGSTOP | libc::SIGTSTP | libc::SIGTTIN | libc::SIGTTOU) || !(1..=64).contains(&sig) {
        return false;
    }
    if super::signals::DEFAULT_IGNORED & (1u64 << (sig - 1)) != 0 {
        return false;
    }
    if fault_signal(sig) && si.as_ref().is_none_or(|si| forced_fault(sig, sys::si::code(si))) {
        return false;
    }
    matches!(SigProbe::default().disposition(pid, sig), Some(super::signals::Disposition::Default))
}
