//! The per-thread views: threads (`-t`), cpuset (`-S`) and kstack (`-k`):
//! FreeBSD's procstat_threads.c, procstat_cs.c and procstat_kstack.c.
//!
//! In JSON and XML each thread is a container named by its tid inside
//! `threads`, as FreeBSD's threads view does; FreeBSD's cs and kstack
//! write their rows without one (repeating keys in one object), which is
//! not valid JSON, so here they use the same `threads` containers.

use super::format::{cpu_list, dash};
use super::{Ctx, Proc};
use bsdtrace::sys::procfs_stat as ps;
use bsdtrace::Errno;

impl Ctx<'_> {
    pub(super) fn threads(&mut self, p: &Proc) {
        if self.header() {
            self.out.text(format_args!(
                "{:>5} {:>6} {:<19} {:<19} {:>2} {:>4} {:<7} {:<9}\n",
                "PID", "TID", "COMM", "TDNAME", "CPU", "PRI", "STATE", "WCHAN"
            ));
        }
        self.out.encode("process_id", p.pid);
        self.out.encode("command", dash(p.comm.clone()));
        self.out.open("threads");
        for tid in self.tasks(p) {
            let Ok(t) = ps::stat(p.pid, Some(tid)) else { continue };
            let name = self.thread_name(p, tid);
            let wchan = dash(ps::wchan(p.pid, Some(tid)));
            let o = &mut self.out;
            o.open(&tid.to_string());
            o.text(format_args!("{:>5} ", p.pid));
            o.field("thread_id", tid, format_args!("{tid:>6} "));
            o.text(format_args!("{:<19} ", dash(p.comm.clone())));
            o.field("thread_name", &name, format_args!("{name:<19} "));
            o.field("cpu", t.processor, format_args!("{:>3} ", t.processor));
            // Linux's kernel priority (0-139, lower runs first), like pri_level.
            let pri = t.priority + 100;
            o.field("priority", pri, format_args!("{pri:>4} "));
            let state = thread_state(t.state);
            o.field("run_state", state, format_args!("{state:<7} "));
            // WCHAN is the last column: long Linux names need not be cut.
            o.field("wait_channel", &wchan, format_args!("{wchan:<9} \n"));
            o.close();
        }
        self.out.close();
    }

    pub(super) fn cpuset(&mut self, p: &Proc) {
        if self.header() {
            self.out.text(format_args!(
                "{:>5} {:>6} {:<19} {:<19} {:>2} {:>4} {:<7}\n",
                "PID", "TID", "COMM", "TDNAME", "CPU", "CSID", "CPU MASK"
            ));
        }
        self.out.encode("process_id", p.pid);
        self.out.encode("command", dash(p.comm.clone()));
        self.out.open("threads");
        for tid in self.tasks(p) {
            let Ok(t) = ps::stat(p.pid, Some(tid)) else { continue };
            let name = self.thread_name(p, tid);
            let o = &mut self.out;
            o.open(&tid.to_string());
            o.text(format_args!("{:>5} ", p.pid));
            o.field("thread_id", tid, format_args!("{tid:>6} "));
            o.text(format_args!("{:<19} ", dash(p.comm.clone())));
            o.field("thread_name", &name, format_args!("{name:<19} "));
            o.field("cpu", t.processor, format_args!("{:>3} ", t.processor));
            // Linux cpusets are cgroups without a numeric id: CSID is "-",
            // FreeBSD's CPUSET_INVALID (-1) in JSON.
            o.field("cpu_set_id", -1, format_args!("{:>4} ", "-"));
            if let Ok(cpus) = ps::affinity(tid) {
                let list = cpu_list(&cpus);
                o.field("cpu_set", &list, &list);
            }
            o.text("\n");
            o.close();
        }
        self.out.close();
    }

    pub(super) fn kstack(&mut self, p: &Proc) {
        if self.header() {
            self.out.text(format_args!("{:>5} {:>6} {:<19} {:<19} {:<29}\n", "PID", "TID", "COMM", "TDNAME", "KSTACK"));
        }
        self.out.encode("process_id", p.pid);
        self.out.encode("command", &p.comm);
        self.out.open("threads");
        for tid in self.tasks(p) {
            let frames = match ps::kstack(p.pid, tid) {
                Ok(f) => f,
                Err(Errno::ESRCH) => continue,
                Err(e) => {
                    self.warn_errno(&format!("kstack: /proc/{}/task/{tid}/stack", p.pid), e);
                    if matches!(e, Errno::EACCES | Errno::EPERM) {
                        self.prog.warnx("reading kernel stacks needs CAP_SYS_ADMIN and ptrace access to the process");
                    } else if e == Errno::ENOENT {
                        self.prog.warnx("this kernel was built without CONFIG_STACKTRACE");
                    }
                    break;
                }
            };
            let name = self.thread_name(p, tid);
            let verbose = self.opts.verbose;
            let o = &mut self.out;
            o.open(&tid.to_string());
            o.text(format_args!("{:>5} ", p.pid));
            o.field("thread_id", tid, format_args!("{tid:>6} "));
            o.text(format_args!("{:<19} ", p.comm));
            o.field("thread_name", &name, format_args!("{name:<19} "));
            if frames.is_empty() {
                // Linux does not unwind a thread that is on a CPU; a zombie
                // has no stack left (FreeBSD's "<unknown>" state).
                let state = match ps::stat(p.pid, Some(tid)).map(|t| t.state) {
                    Ok('R') => "<running>",
                    _ => "<unknown>",
                };
                o.field("state", state, format_args!("{state:<29}\n"));
            } else {
                let mut shown = String::new();
                for f in &frames {
                    // "func+0x6a/0x140": -kk keeps "func+0x6a", -k just "func".
                    let f = f.split('/').next().unwrap_or(f);
                    let f = if verbose { f } else { f.split('+').next().unwrap_or(f) };
                    o.leaf("trace", f, "");
                    shown.push_str(f);
                    shown.push(' ');
                }
                o.text(format_args!("{shown:<29}\n"));
            }
            o.close();
        }
        self.out.close();
    }
}

fn thread_state(c: char) -> &'static str {
    match c {
        'R' | 'W' => "run",
        'S' | 'D' => "sleep",
        'T' | 't' => "stop",
        'Z' | 'X' | 'x' => "zomb",
        'I' => "idle",
        'P' => "wait",
        _ => "??",
    }
}
