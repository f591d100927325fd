//! The views of one row per process: basic (no flag), binary (`-b`) and
//! credentials (`-s`): FreeBSD's procstat_basic.c, procstat_bin.c and
//! procstat_cred.c.

use super::format::dash;
use super::{Ctx, Proc};
use bsdtrace::sys::procfs_stat as ps;
use bsdtrace::Errno;

/// FreeBSD's WCHAN column is `%-9s` and its wait messages are at most 8
/// characters; Linux's are kernel function names of any length, cut here
/// so that EMUL and COMM stay in their columns (JSON carries the name).
const WCHAN_WIDTH: usize = 9;

impl Ctx<'_> {
    pub(super) fn basic(&mut self, p: &Proc) {
        if self.header() {
            self.out.text(format_args!(
                "{:>5} {:>5} {:>5} {:>5} {:>5} {:>3} {:<8} {:<9} {:<13} {:<12}\n",
                "PID", "PPID", "PGID", "SID", "TSID", "THR", "LOGIN", "WCHAN", "EMUL", "COMM"
            ));
        }
        let s = &p.stat;
        let tsid = if s.tty_nr != 0 { s.session } else { 0 };
        let login = ps::loginuid(p.pid).and_then(ps::user_name).unwrap_or_else(|| "-".into());
        let wchan = dash(ps::wchan(p.pid, None));
        let shown: String = wchan.chars().take(WCHAN_WIDTH).collect();
        let o = &mut self.out;
        o.field("process_id", p.pid, format_args!("{:>5} ", p.pid));
        o.field("parent_process_id", s.ppid, format_args!("{:>5} ", s.ppid));
        o.field("process_group_id", s.pgrp, format_args!("{:>5} ", s.pgrp));
        o.field("session_id", s.session, format_args!("{:>5} ", s.session));
        o.field("terminal_session_id", tsid, format_args!("{tsid:>5} "));
        o.field("threads", s.num_threads, format_args!("{:>3} ", s.num_threads));
        o.field("login", &login, format_args!("{login:<8} "));
        o.field("wait_channel", &wchan, format_args!("{shown:<9} "));
        let emul = emulation(p);
        o.field("emulation", emul, format_args!("{emul:<13} "));
        o.field("command", &p.comm, format_args!("{:<12}\n", p.comm));
    }

    pub(super) fn binary(&mut self, p: &Proc) {
        if self.header() {
            self.out.text(format_args!("{:>5} {:<16} {:>8} PATH\n", "PID", "COMM", "OSREL"));
        }
        let path = match ps::link(&format!("/proc/{}/exe", p.pid)) {
            Ok(path) => path,
            // Kernel threads and zombies have no executable.
            Err(Errno::ESRCH) => "-".into(),
            Err(e) => return self.warn_errno(&format!("/proc/{}/exe", p.pid), e),
        };
        let o = &mut self.out;
        o.field("process_id", p.pid, format_args!("{:>5} ", p.pid));
        o.field("command", &p.comm, format_args!("{:<16} ", p.comm));
        // OSREL is FreeBSD's ELF osreldate note; Linux binaries carry none.
        o.field("osrel", 0, format_args!("{:>8} ", 0));
        o.field("pathname", &path, format_args!("{path}\n"));
    }

    pub(super) fn credentials(&mut self, p: &Proc) {
        if self.header() {
            self.out.text(format_args!(
                "{:>5} {:<16} {:>5} {:>5} {:>5} {:>5} {:>5} {:>5} {:>5} {:>5} {:<15}\n",
                "PID", "COMM", "EUID", "RUID", "SVUID", "EGID", "RGID", "SVGID", "UMASK", "FLAGS", "GROUPS"
            ));
        }
        let x = ps::status_extra(p.pid, None).unwrap_or_default();
        let (u, g) = (p.status.uid, p.status.gid);
        let umask = x.umask.map(|m| format!("{m:03o}")).unwrap_or_else(|| "-".into());
        let o = &mut self.out;
        o.field("process_id", p.pid, format_args!("{:>5} ", p.pid));
        o.field("command", &p.comm, format_args!("{:<16} ", p.comm));
        o.field("uid", u[1], format_args!("{:>5} ", u[1]));
        o.field("ruid", u[0], format_args!("{:>5} ", u[0]));
        o.field("svuid", u[2], format_args!("{:>5} ", u[2]));
        o.field("group", g[1], format_args!("{:>5} ", g[1]));
        o.field("rgid", g[0], format_args!("{:>5} ", g[0]));
        o.field("svgid", g[2], format_args!("{:>5} ", g[2]));
        o.field("umask", &umask, format_args!("{umask:>5} "));
        // Seccomp (strict or filter) is Linux's capability mode.
        let flags = if x.seccomp != 0 { "C" } else { "-" };
        o.field("cr_flags", flags, flags);
        o.text("     ");
        // FreeBSD's first group is the effective gid; the rest are supplementary.
        let groups = std::iter::once(g[1]).chain(x.groups.iter().copied());
        for (i, gid) in groups.enumerate() {
            o.text(if i > 0 { "," } else { "" });
            o.leaf("groups", gid, gid);
        }
        o.text("\n");
    }
}

/// EMUL: the ABI, FreeBSD's sv_name ("FreeBSD ELF64") in Linux words.
fn emulation(p: &Proc) -> &'static str {
    if p.stat.is_kernel_thread() {
        return "-";
    }
    match ps::exe_elf_class(p.pid) {
        Ok(1) => "Linux ELF32",
        Ok(_) => "Linux ELF64",
        // Zombies have no executable left.
        Err(Errno::ESRCH) if matches!(p.stat.state, 'Z' | 'X') => "-",
        // Another user's executable cannot be opened: this build's own ABI.
        Err(_) => "Linux ELF64",
    }
}
