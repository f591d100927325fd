//! Resource limits (`-l`) and usage (`-r`, `-H` per thread): FreeBSD's
//! procstat_rlimit.c and procstat_rusage.c.

use super::format::{format_time, humanize_number, humanize_rlimit, Scale};
use super::{Ctx, Proc};
use bsdtrace::sys::procfs_stat as ps;
use bsdtrace::Errno;

/// (/proc/PID/limits name, procstat's name, humanize suffix): FreeBSD's
/// resources in FreeBSD's order, then Linux's own.
const RLIMITS: &[(&str, &str, &str)] = &[
    ("Max cpu time", "cputime", "sec"),
    ("Max file size", "filesize", "B  "),
    ("Max data size", "datasize", "B  "),
    ("Max stack size", "stacksize", "B  "),
    ("Max core file size", "coredumpsize", "B  "),
    ("Max resident set", "memoryuse", "B  "),
    ("Max locked memory", "memorylocked", "B  "),
    ("Max processes", "maxprocesses", "   "),
    ("Max open files", "openfiles", "   "),
    ("Max address space", "vmemoryuse", "B  "),
    ("Max file locks", "filelocks", "   "),
    ("Max pending signals", "sigpending", "   "),
    ("Max msgqueue size", "msgqueue", "B  "),
    ("Max nice priority", "nice", "   "),
    ("Max realtime priority", "rtprio", "   "),
    ("Max realtime timeout", "rttime", "us "),
];

impl Ctx<'_> {
    pub(super) fn rlimit(&mut self, p: &Proc) {
        if self.header() {
            self.out.text(format_args!(
                "{:>5} {:<16} {:<16} {:>16} {:>16}\n",
                "PID", "COMM", "RLIMIT", "SOFT     ", "HARD     "
            ));
        }
        let limits = match ps::limits(p.pid) {
            Ok(l) => l,
            Err(Errno::ESRCH) => return,
            Err(e) => return self.warn_errno(&format!("/proc/{}/limits", p.pid), e),
        };
        let o = &mut self.out;
        o.encode("process_id", p.pid);
        o.encode("command", &p.comm);
        for &(linux, name, suffix) in RLIMITS {
            let Some(l) = limits.iter().find(|l| l.name == linux) else { continue };
            o.text(format_args!("{:>5} {:<16} {name:<16} ", p.pid, p.comm));
            // JSON: a container per resource, "infinity" or the number.
            o.open(name);
            let value = |v: Option<u64>| v.map_or_else(|| "infinity".into(), super::out::Val::from);
            o.encode("soft_limit", value(l.soft));
            o.encode("hard_limit", value(l.hard));
            o.close();
            o.text(format_args!("{:>16} {:>16}\n", humanize_rlimit(l.soft, suffix), humanize_rlimit(l.hard, suffix)));
        }
    }

    pub(super) fn rusage(&mut self, p: &Proc) {
        if self.header() {
            self.out.text(format_args!("{:>5} ", "PID"));
            if self.opts.perthread {
                self.out.text(format_args!("{:>6} ", "TID"));
            }
            self.out.text(format_args!("{:<16} {:<32} {:>14}\n", "COMM", "RESOURCE", "VALUE        "));
        }
        if !self.opts.perthread {
            self.rusage_rows(p, None);
            return;
        }
        self.out.encode("process_id", p.pid);
        self.out.encode("command", &p.comm);
        self.out.open("threads");
        for tid in self.tasks(p) {
            self.rusage_rows(p, Some(tid));
        }
        self.out.close();
    }

    fn rusage_rows(&mut self, p: &Proc, tid: Option<i32>) {
        let Ok(st) = ps::stat(p.pid, tid) else { return };
        let x = ps::status_extra(p.pid, tid).unwrap_or_default();
        // getrusage(2) counts 512-byte blocks from the same I/O accounting.
        let (rd, wr) = ps::io(p.pid, tid).unwrap_or((0, 0));
        let prefix = match tid {
            Some(t) => format!("{:>5} {:>6} {:<16} ", p.pid, t, p.comm),
            None => format!("{:>5} {:<16} ", p.pid, p.comm),
        };
        let o = &mut self.out;
        match tid {
            Some(t) => {
                o.open(&t.to_string());
                o.encode("thread_id", t);
            }
            None => {
                o.encode("process_id", p.pid);
                o.encode("command", &p.comm);
            }
        }
        for (name, ticks) in [("user time", st.utime), ("system time", st.stime)] {
            let t = format_time(ticks, self.hz);
            o.text(&prefix);
            o.field(name, &t, format_args!("{name:<14} {t:>29}   \n"));
        }
        // Linux keeps no integral memory sizes, swaps, message or signal
        // counts (its getrusage reports 0 for them too).
        let rows: [(&str, i64, bool); 14] = [
            ("maximum RSS", x.vm_hwm_kb as i64, true),
            ("integral shared memory", 0, true),
            ("integral unshared data", 0, true),
            ("integral unshared stack", 0, true),
            ("page reclaims", st.minflt as i64, false),
            ("page faults", st.majflt as i64, false),
            ("swaps", 0, false),
            ("block reads", (rd / 512) as i64, false),
            ("block writes", (wr / 512) as i64, false),
            ("messages sent", 0, false),
            ("messages received", 0, false),
            ("signals received", 0, false),
            ("voluntary context switches", x.voluntary_ctxt_switches as i64, false),
            ("involuntary context switches", x.nonvoluntary_ctxt_switches as i64, false),
        ];
        for (name, v, human) in rows {
            let value = if human { humanize_number(v << 10, "B", Scale::Fixed(1), 14) } else { format!("{v}   ") };
            o.text(&prefix);
            // JSON has the raw number (kilobytes for the memory sizes), as
            // FreeBSD's {e:NAME/%D}.
            o.field(name, v, format_args!("{name:<32} {value:>14}\n"));
        }
        if tid.is_some() {
            o.close();
        }
    }
}
