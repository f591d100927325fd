//! truss's signal line, `SIGNAL 10 (SIGUSR1) code=SI_USER pid=123 uid=0`,
//! from a Linux x86-64 `siginfo_t`.
//!
//! FreeBSD prints the fields its `siginfo_t` carries for each code: pid and
//! uid for a sender, value= for sigqueue, timerid= for timers, status= for
//! SIGCHLD, addr= for faults. The Linux union is decoded the same way.

use super::consts::signal_name;
use super::print::{hex, i32_at, i64_at, u32_at, u64_at};

pub const SI_USER: i32 = 0;
pub const SI_KERNEL: i32 = 0x80;
pub const SI_QUEUE: i32 = -1;
pub const SI_TIMER: i32 = -2;
pub const SI_MESGQ: i32 = -3;
pub const SI_ASYNCIO: i32 = -4;
pub const SI_SIGIO: i32 = -5;
pub const SI_TKILL: i32 = -6;
pub const SI_DETHREAD: i32 = -7;
pub const SI_ASYNCNL: i32 = -60;

const SIGILL: u32 = 4;
const SIGTRAP: u32 = 5;
const SIGBUS: u32 = 7;
const SIGFPE: u32 = 8;
const SIGSEGV: u32 = 11;
const SIGCHLD: u32 = 17;
const SIGIO: u32 = 29;
const SIGSYS: u32 = 31;

/// The fields of a Linux `siginfo_t` (128 bytes) that truss shows. Which
/// union members are meaningful depends on `signo` and `code`, as in the
/// kernel's `siginfo_layout()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SigInfo {
    pub signo: u32,
    pub errno: i32,
    pub code: i32,
    /// Sender (kill, sigqueue, SIGCHLD child).
    pub pid: i32,
    pub uid: u32,
    /// SIGCHLD: exit status or signal.
    pub status: i32,
    /// Fault address (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP); for SIGSYS
    /// the calling instruction.
    pub addr: u64,
    /// sigqueue / timer / mq value (`sival_ptr`).
    pub value: u64,
    /// POSIX timer id and overrun count.
    pub timerid: i32,
    pub overrun: i32,
    /// SIGIO band and fd.
    pub band: i64,
    pub fd: i32,
    /// SIGSYS: the syscall number and AUDIT_ARCH.
    pub syscall: i32,
    pub arch: u32,
}

impl SigInfo {
    /// Decodes the little-endian bytes of a `siginfo_t` (as
    /// PTRACE_GETSIGINFO returns it); `None` if fewer than 48 bytes.
    pub fn from_bytes(b: &[u8]) -> Option<SigInfo> {
        if b.len() < 48 {
            return None;
        }
        let signo = u32_at(b, 0);
        let code = i32_at(b, 8);
        let mut si = SigInfo {
            signo,
            errno: i32_at(b, 4),
            code,
            ..SigInfo::default()
        };
        match layout(signo, code) {
            Layout::Kill => {
                si.pid = i32_at(b, 16);
                si.uid = u32_at(b, 20);
            }
            Layout::Rt => {
                si.pid = i32_at(b, 16);
                si.uid = u32_at(b, 20);
                si.value = u64_at(b, 24);
            }
            Layout::Timer => {
                si.timerid = i32_at(b, 16);
                si.overrun = i32_at(b, 20);
                si.value = u64_at(b, 24);
            }
            Layout::Chld => {
                si.pid = i32_at(b, 16);
                si.uid = u32_at(b, 20);
                si.status = i32_at(b, 24);
            }
            Layout::Fault => si.addr = u64_at(b, 16),
            Layout::Poll => {
                si.band = i64_at(b, 16);
                si.fd = i32_at(b, 24);
            }
            Layout::Sys => {
                si.addr = u64_at(b, 16);
                si.syscall = i32_at(b, 24);
                si.arch = u32_at(b, 28);
            }
        }
        Some(si)
    }
}

enum Layout {
    Kill,
    Rt,
    Timer,
    Chld,
    Fault,
    Poll,
    Sys,
}

/// Which union member is live, after the kernel's `siginfo_layout()`.
fn layout(signo: u32, code: i32) -> Layout {
    if code == SI_TIMER {
        return Layout::Timer;
    }
    if code == SI_QUEUE || code == SI_MESGQ || code == SI_ASYNCIO {
        return Layout::Rt;
    }
    if code > 0 && code != SI_KERNEL {
        return match signo {
            SIGILL | SIGFPE | SIGSEGV | SIGBUS | SIGTRAP => Layout::Fault,
            SIGCHLD => Layout::Chld,
            SIGIO => Layout::Poll,
            SIGSYS => Layout::Sys,
            _ => Layout::Rt,
        };
    }
    if code == SI_KERNEL && matches!(signo, SIGILL | SIGFPE | SIGSEGV | SIGBUS | SIGTRAP) {
        return Layout::Fault;
    }
    Layout::Kill
}

/// The name of `code` for `signo` (`SI_USER`, `SEGV_MAPERR`, `CLD_EXITED`).
pub fn code_name(signo: u32, code: i32) -> Option<&'static str> {
    let generic = match code {
        SI_USER => Some("SI_USER"),
        SI_KERNEL => Some("SI_KERNEL"),
        SI_QUEUE => Some("SI_QUEUE"),
        SI_TIMER => Some("SI_TIMER"),
        SI_MESGQ => Some("SI_MESGQ"),
        SI_ASYNCIO => Some("SI_ASYNCIO"),
        SI_SIGIO => Some("SI_SIGIO"),
        SI_TKILL => Some("SI_TKILL"),
        SI_DETHREAD => Some("SI_DETHREAD"),
        SI_ASYNCNL => Some("SI_ASYNCNL"),
        _ => None,
    };
    if code <= 0 || code == SI_KERNEL {
        return generic;
    }
    let table: &[&str] = match signo {
        SIGILL => &[
            "ILL_ILLOPC",
            "ILL_ILLOPN",
            "ILL_ILLADR",
            "ILL_ILLTRP",
            "ILL_PRVOPC",
            "ILL_PRVREG",
            "ILL_COPROC",
            "ILL_BADSTK",
            "ILL_BADIADDR",
        ],
        SIGFPE => &[
            "FPE_INTDIV",
            "FPE_INTOVF",
            "FPE_FLTDIV",
            "FPE_FLTOVF",
            "FPE_FLTUND",
            "FPE_FLTRES",
            "FPE_FLTINV",
            "FPE_FLTSUB",
            "FPE_FLTUNK",
            "FPE_CONDTRAP",
        ],
        SIGSEGV => &[
            "SEGV_MAPERR",
            "SEGV_ACCERR",
            "SEGV_BNDERR",
            "SEGV_PKUERR",
            "SEGV_ACCADI",
            "SEGV_ADIDERR",
            "SEGV_ADIPERR",
            "SEGV_MTEAERR",
            "SEGV_MTESERR",
            "SEGV_CPERR",
        ],
        SIGBUS => &[
            "BUS_ADRALN",
            "BUS_ADRERR",
            "BUS_OBJERR",
            "BUS_MCEERR_AR",
            "BUS_MCEERR_AO",
        ],
        SIGTRAP => &[
            "TRAP_BRKPT",
            "TRAP_TRACE",
            "TRAP_BRANCH",
            "TRAP_HWBKPT",
            "TRAP_UNK",
            "TRAP_PERF",
        ],
        SIGCHLD => &[
            "CLD_EXITED",
            "CLD_KILLED",
            "CLD_DUMPED",
            "CLD_TRAPPED",
            "CLD_STOPPED",
            "CLD_CONTINUED",
        ],
        SIGIO => &[
            "POLL_IN", "POLL_OUT", "POLL_MSG", "POLL_ERR", "POLL_PRI", "POLL_HUP",
        ],
        SIGSYS => &["SYS_SECCOMP", "SYS_USER_DISPATCH"],
        _ => &[],
    };
    table.get(code as usize - 1).copied().or(generic)
}

/// `SIGNAL 10 (SIGUSR1) code=SI_USER pid=123 uid=0`.
pub fn format_signal(si: &SigInfo) -> String {
    let name = signal_name(si.signo).unwrap_or_else(|| "unknown signal".to_string());
    let mut s = format!("SIGNAL {} ({name})", si.signo);
    match code_name(si.signo, si.code) {
        Some(c) => s.push_str(&format!(" code={c}")),
        None => s.push_str(&format!(" code={}", si.code)),
    }
    match layout(si.signo, si.code) {
        Layout::Kill if si.code == SI_KERNEL => {}
        Layout::Kill => s.push_str(&format!(" pid={} uid={}", si.pid, si.uid)),
        Layout::Rt => s.push_str(&format!(
            " pid={} uid={} value={}",
            si.pid,
            si.uid,
            hex(si.value)
        )),
        Layout::Timer => s.push_str(&format!(" value={} timerid={}", hex(si.value), si.timerid)),
        Layout::Chld => s.push_str(&format!(
            " pid={} uid={} status={}",
            si.pid, si.uid, si.status
        )),
        Layout::Fault => s.push_str(&format!(" addr={}", hex(si.addr))),
        Layout::Poll => s.push_str(&format!(" band={} fd={}", si.band, si.fd)),
        Layout::Sys => {
            let call = bsdtrace::sysent::name(si.syscall as u32)
                .map_or_else(|| si.syscall.to_string(), str::to_string);
            s.push_str(&format!(
                " addr={} syscall={call} arch={:#x}",
                hex(si.addr),
                si.arch
            ))
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(signo: u32, code: i32, words: &[(usize, &[u8])]) -> Vec<u8> {
        let mut b = vec![0u8; 128];
        b[0..4].copy_from_slice(&signo.to_le_bytes());
        b[8..12].copy_from_slice(&code.to_le_bytes());
        for (off, bytes) in words {
            b[*off..*off + bytes.len()].copy_from_slice(bytes);
        }
        b
    }

    #[test]
    fn kill_from_a_user_shows_sender() {
        let b = raw(
            10,
            SI_USER,
            &[(16, &123i32.to_le_bytes()), (20, &0u32.to_le_bytes())],
        );
        let si = SigInfo::from_bytes(&b).unwrap();
        assert_eq!(
            format_signal(&si),
            "SIGNAL 10 (SIGUSR1) code=SI_USER pid=123 uid=0"
        );
    }

    #[test]
    fn tkill_and_queue() {
        let b = raw(
            12,
            SI_TKILL,
            &[(16, &7i32.to_le_bytes()), (20, &1000u32.to_le_bytes())],
        );
        assert_eq!(
            format_signal(&SigInfo::from_bytes(&b).unwrap()),
            "SIGNAL 12 (SIGUSR2) code=SI_TKILL pid=7 uid=1000"
        );
        let b = raw(
            34,
            SI_QUEUE,
            &[
                (16, &7i32.to_le_bytes()),
                (20, &0u32.to_le_bytes()),
                (24, &42u64.to_le_bytes()),
            ],
        );
        assert_eq!(
            format_signal(&SigInfo::from_bytes(&b).unwrap()),
            "SIGNAL 34 (SIGRTMIN+2) code=SI_QUEUE pid=7 uid=0 value=0x2a"
        );
    }

    #[test]
    fn faults_show_the_address() {
        let b = raw(11, 1, &[(16, &0xdeadu64.to_le_bytes())]);
        assert_eq!(
            format_signal(&SigInfo::from_bytes(&b).unwrap()),
            "SIGNAL 11 (SIGSEGV) code=SEGV_MAPERR addr=0xdead"
        );
        let b = raw(5, 1, &[(16, &0x401000u64.to_le_bytes())]);
        assert_eq!(
            format_signal(&SigInfo::from_bytes(&b).unwrap()),
            "SIGNAL 5 (SIGTRAP) code=TRAP_BRKPT addr=0x401000"
        );
        let b = raw(5, 2, &[]);
        assert_eq!(
            format_signal(&SigInfo::from_bytes(&b).unwrap()),
            "SIGNAL 5 (SIGTRAP) code=TRAP_TRACE addr=0x0"
        );
        let b = raw(11, SI_KERNEL, &[]);
        assert_eq!(
            format_signal(&SigInfo::from_bytes(&b).unwrap()),
            "SIGNAL 11 (SIGSEGV) code=SI_KERNEL addr=0x0"
        );
    }

    #[test]
    fn child_status() {
        let b = raw(
            17,
            1,
            &[
                (16, &99i32.to_le_bytes()),
                (20, &0u32.to_le_bytes()),
                (24, &3i32.to_le_bytes()),
            ],
        );
        assert_eq!(
            format_signal(&SigInfo::from_bytes(&b).unwrap()),
            "SIGNAL 17 (SIGCHLD) code=CLD_EXITED pid=99 uid=0 status=3"
        );
    }

    #[test]
    fn kernel_sent_and_timer_and_seccomp() {
        let b = raw(9, SI_KERNEL, &[]);
        assert_eq!(
            format_signal(&SigInfo::from_bytes(&b).unwrap()),
            "SIGNAL 9 (SIGKILL) code=SI_KERNEL"
        );
        let b = raw(14, SI_TIMER, &[(16, &5i32.to_le_bytes())]);
        assert_eq!(
            format_signal(&SigInfo::from_bytes(&b).unwrap()),
            "SIGNAL 14 (SIGALRM) code=SI_TIMER value=0x0 timerid=5"
        );
        let b = raw(
            31,
            1,
            &[
                (16, &0x1000u64.to_le_bytes()),
                (24, &39i32.to_le_bytes()),
                (28, &0xc000003eu32.to_le_bytes()),
            ],
        );
        assert_eq!(
            format_signal(&SigInfo::from_bytes(&b).unwrap()),
            "SIGNAL 31 (SIGSYS) code=SYS_SECCOMP addr=0x1000 syscall=getpid arch=0xc000003e"
        );
    }

    #[test]
    fn unknown_code_is_numeric_and_short_input_is_refused() {
        let b = raw(10, 77, &[]);
        assert!(format_signal(&SigInfo::from_bytes(&b).unwrap())
            .starts_with("SIGNAL 10 (SIGUSR1) code=77"));
        assert_eq!(SigInfo::from_bytes(&[0; 10]), None);
    }
}
