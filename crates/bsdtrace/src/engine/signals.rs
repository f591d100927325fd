//! Signal dispositions of a traced process, read from /proc: FreeBSD
//! discards ignored signals at send time, so the engine must know which a
//! process ignores.

use crate::sys;
use std::os::fd::OwnedFd;

/// Signals whose default action is to be ignored (FreeBSD discards them when
/// sent, so a debugger never sees them while their disposition is SIG_DFL).
pub(super) const DEFAULT_IGNORED: u64 = (1 << (libc::SIGCHLD - 1)) | (1 << (libc::SIGURG - 1)) | (1 << (libc::SIGWINCH - 1));

/// Signals the kernel raises for faults (whose siginfo tells a forced fault
/// from a sent signal).
pub(super) fn fault_signal(sig: i32) -> bool {
    matches!(sig, libc::SIGTRAP | libc::SIGSEGV | libc::SIGBUS | libc::SIGFPE | libc::SIGILL)
}

/// A fault the kernel raised itself (int3, a single step, a debug-register
/// hit, SIGSEGV & co. with a positive si_code): Linux forces those, resetting
/// an ignored disposition to the default first, so they are never ignored
/// and the /proc read can be skipped. (A process that queues itself such a
/// signal with a positive code while ignoring it is reported, not
/// discarded: docs/deviations.md.)
pub(super) fn forced_fault(sig: i32, code: i32) -> bool {
    code > 0 && matches!(sig, libc::SIGTRAP | libc::SIGSEGV | libc::SIGBUS | libc::SIGFPE | libc::SIGILL)
        || (sig == libc::SIGTRAP && code == libc::SI_KERNEL)
}

/// Would FreeBSD discard `sig` for this process (SIG_IGN, or SIG_DFL with an
/// ignore default)? Reads /proc only for signal stops, never on the syscall
/// path, and never for SIGKILL/SIGSTOP (their disposition cannot change).
pub(super) fn signal_ignored(probe: &mut SigProbe, pid: i32, sig: i32) -> bool {
    if sig == libc::SIGKILL || sig == libc::SIGSTOP || !(1..=64).contains(&sig) {
        return false;
    }
    match probe.disposition(pid, sig) {
        Some(Disposition::Ignored) => true,
        Some(Disposition::Default) => DEFAULT_IGNORED & (1u64 << (sig - 1)) != 0,
        Some(Disposition::Caught) | None => false,
    }
}

/// A signal's disposition in a traced process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Disposition {
    Default,
    Ignored,
    Caught,
}

/// Reads another process's signal dispositions. Linux has no syscall for
/// that: /proc is the only source, and generating the text is the cost
/// (pinned, this machine: `/proc/PID/status` 6.4 µs, the leader's
/// `/proc/PID/task/PID/stat` 2.6 µs — the whole-process `/proc/PID/stat`
/// sums every thread's times, 8 µs at 512 threads). The per-thread stat
/// carries SigIgn/SigCgt for signals 1–31 only (the sighand is shared by
/// every thread, so the leader's answers for all); real-time signals read
/// the status. Dispositions are never cached across stops: any thread may
/// call sigaction while the process runs, unseen by the tracer.
#[derive(Debug, Default)]
pub(crate) struct SigProbe {
    stat: Option<OwnedFd>,
    status: Option<OwnedFd>,
}

impl SigProbe {
    pub(crate) fn disposition(&mut self, pid: i32, sig: i32) -> Option<Disposition> {
        let (ign, cgt) = if sig < 32 { self.stat_bits(pid)? } else { self.status_bits(pid)? };
        let bit = 1u64 << (sig - 1);
        Some(if ign & bit != 0 {
            Disposition::Ignored
        } else if cgt & bit != 0 {
            Disposition::Caught
        } else {
            Disposition::Default
        })
    }

    /// sigignore and sigcatch (fields 33 and 34) of the leader's task stat.
    fn stat_bits(&mut self, pid: i32) -> Option<(u64, u64)> {
        let text = read_cached(&mut self.stat, || format!("/proc/{pid}/task/{pid}/stat"), |_| false)?;
        parse_stat_sig_bits(&text)
    }

    /// Whether the process's signal queue is full: `SigQ` of
    /// `/proc/PID/status`, the user's queued signals against the process's
    /// RLIMIT_SIGPENDING (FreeBSD's `max_pending_per_proc`). Read only when
    /// the engine gives a signal while one it gave is still pending.
    pub(crate) fn queue_full(&mut self, pid: i32) -> Option<bool> {
        let text = read_cached(&mut self.status, || format!("/proc/{pid}/status"), |t| parse_sigq(t).is_some())?;
        parse_sigq(&text).map(|(n, limit)| n >= limit)
    }

    /// SigIgn and SigCgt of `/proc/PID/status` (all 64 signals).
    fn status_bits(&mut self, pid: i32) -> Option<(u64, u64)> {
        let text = read_cached(&mut self.status, || format!("/proc/{pid}/status"), |t| parse_sig_bits(t).is_some())?;
        parse_sig_bits(&text)
    }
}

/// Regenerate and read a /proc file through a kept fd (one pread from
/// offset 0, more only if the text outgrows the buffer or `enough` says
/// the part read so far lacks what is needed). A failed read drops the fd.
fn read_cached(fd: &mut Option<OwnedFd>, path: impl FnOnce() -> String, enough: impl Fn(&[u8]) -> bool) -> Option<Vec<u8>> {
    if fd.is_none() {
        *fd = Some(sys::open(&path(), libc::O_RDONLY).ok()?);
    }
    let f = fd.as_ref()?;
    let mut text = vec![0u8; 2048];
    let mut len = 0;
    loop {
        if len == text.len() {
            text.resize(len * 2, 0);
        }
        match sys::pread(f, &mut text[len..], len as u64) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(_) => {
                *fd = None;
                return None;
            }
        }
        if len < text.len() || enough(&text[..len]) {
            break;
        }
    }
    text.truncate(len);
    Some(text)
}

/// sigignore and sigcatch from a `/proc/*/stat` line: the fields after the
/// last ')' (the command name may contain anything) start at field 3.
fn parse_stat_sig_bits(text: &[u8]) -> Option<(u64, u64)> {
    let close = text.iter().rposition(|&c| c == b')')?;
    let rest = std::str::from_utf8(&text[close + 1..]).ok()?;
    let mut f = rest.split_ascii_whitespace().skip(30);
    let ign = f.next()?.parse().ok()?;
    let cgt = f.next()?.parse().ok()?;
    Some((ign, cgt))
}

/// Both values once the SigIgn and SigCgt lines are complete in `text`.
fn parse_sig_bits(text: &[u8]) -> Option<(u64, u64)> {
    let field = |key: &[u8]| -> Option<u64> {
        let at = text.windows(key.len()).position(|w| w == key)? + key.len();
        let rest = &text[at..];
        let end = rest.iter().position(|&c| c == b'\n')?;
        let v = std::str::from_utf8(&rest[..end]).ok()?;
        u64::from_str_radix(v.trim(), 16).ok()
    };
    Some((field(b"\nSigIgn:")?, field(b"\nSigCgt:")?))
}

/// `SigQ: queued/limit` once that line is complete in `text`.
fn parse_sigq(text: &[u8]) -> Option<(u64, u64)> {
    const KEY: &[u8] = b"\nSigQ:";
    let at = text.windows(KEY.len()).position(|w| w == KEY)? + KEY.len();
    let rest = &text[at..];
    let end = rest.iter().position(|&c| c == b'\n')?;
    let (n, limit) = std::str::from_utf8(&rest[..end]).ok()?.trim().split_once('/')?;
    Some((n.parse().ok()?, limit.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigq_is_count_and_limit() {
        assert_eq!(parse_sigq(b"Name:\tx\nSigQ:\t3/63459\nSigPnd:\t0\n"), Some((3, 63459)));
        assert_eq!(parse_sigq(b"Name:\tx\nSigQ:\t0/0\n"), Some((0, 0)));
        assert_eq!(parse_sigq(b"Name:\tx\nSigQ:\t3/63"), None);
    }

    #[test]
    fn stat_signal_fields_survive_any_command_name() {
        // Fields 33/34 (sigignore, sigcatch) after a name holding ") " and digits.
        let mut line = String::from("4242 (a) 1 2 (b) S");
        for f in 4..=32 {
            line.push_str(&format!(" {f}"));
        }
        line.push_str(" 4096 16386 35 36\n");
        assert_eq!(parse_stat_sig_bits(line.as_bytes()), Some((4096, 16386)));
        assert_eq!(parse_stat_sig_bits(b"4242 (x) S 1 2"), None);
    }

    #[test]
    fn status_signal_lines() {
        let t = b"Name:\tx\nSigQ:\t0/1\nSigPnd:\t0\nSigIgn:\t0000000000001000\nSigCgt:\t0000000180000002\nCapInh:\t0\n";
        assert_eq!(parse_sig_bits(t), Some((0x1000, 0x1_8000_0002)));
        assert_eq!(parse_sig_bits(b"SigIgn:\t0\n"), None);
    }
}
