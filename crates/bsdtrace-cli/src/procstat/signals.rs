//! Signal dispositions: signals (`-i`) per process and tsignals (`-j`)
//! per thread, FreeBSD's procstat_sigs.c. In JSON each signal is a
//! container named by the signal (`"HUP"`, or the number with `-n`)
//! holding booleans: `list` (pending), `ignore`, `catch` (signals) or
//! `list`, `mask` (tsignals).

use super::format::flag;
use super::{Ctx, Proc};
use bsdtrace::sys::procfs;

const NSIG: u32 = 64;

/// Linux signal names as FreeBSD's sys_signame prints them (upper case, no
/// SIG); 32 and up (glibc-internal and real-time) print as numbers.
const SIGNAMES: [&str; 32] = [
    "", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM",
    "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH",
    "IO", "PWR", "SYS",
];

impl Ctx<'_> {
    pub(super) fn signals(&mut self, p: &Proc) {
        if self.header() {
            self.out.text(format_args!("{:>5} {:<16} {:<7} {:>4}\n", "PID", "COMM", "SIG", "FLAGS"));
        }
        let s = &p.status;
        let pending = s.sig_pnd | s.shd_pnd;
        self.out.encode("process_id", p.pid);
        self.out.encode("command", &p.comm);
        self.out.open("signals");
        for sig in 1..=NSIG {
            let bit = 1u64 << (sig - 1);
            let name = self.signame(sig);
            let o = &mut self.out;
            o.text(format_args!("{:>5} {:<16} {name:<7}  ", p.pid, p.comm));
            o.open(&name);
            set_member(o, "list", pending & bit != 0, 'P');
            set_member(o, "ignore", s.sig_ign & bit != 0, 'I');
            set_member(o, "catch", s.sig_cgt & bit != 0, 'C');
            o.close();
            o.text("\n");
        }
        self.out.close();
    }

    pub(super) fn tsignals(&mut self, p: &Proc) {
        if self.header() {
            self.out.text(format_args!("{:>5} {:>6} {:<16} {:<7} {:>4}\n", "PID", "TID", "COMM", "SIG", "FLAGS"));
        }
        self.out.encode("process_id", p.pid);
        self.out.encode("command", &p.comm);
        self.out.open("threads");
        for tid in self.tasks(p) {
            let Ok(t) = procfs::task_status(p.pid, tid) else { continue };
            let pending = t.sig_pnd | t.shd_pnd;
            self.out.open(&tid.to_string());
            self.out.encode("thread_id", tid);
            self.out.open("signals");
            for sig in 1..=NSIG {
                let bit = 1u64 << (sig - 1);
                let name = self.signame(sig);
                let o = &mut self.out;
                o.text(format_args!("{:>5} {tid:>6} {:<16} {name:<7}  ", p.pid, p.comm));
                o.open(&name);
                set_member(o, "list", pending & bit != 0, 'P');
                set_member(o, "mask", t.sig_blk & bit != 0, 'B');
                o.close();
                o.text("\n");
            }
            self.out.close();
            self.out.close();
        }
        self.out.close();
    }

    /// The name (upper case, no SIG), or the number with -n or without a name.
    fn signame(&self, sig: u32) -> String {
        match SIGNAMES.get(sig as usize).filter(|n| !self.opts.signum && !n.is_empty()) {
            Some(n) => n.to_string(),
            None => sig.to_string(),
        }
    }
}

/// One FLAGS letter, and its boolean in JSON (procstat_print_sig).
fn set_member(o: &mut super::Out, name: &str, on: bool, letter: char) {
    o.field(name, on, flag(on, letter));
}
