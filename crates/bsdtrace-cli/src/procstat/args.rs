//! What a process was started with: arguments (`-c`), environment (`-e`),
//! the ELF auxiliary vector (`-x`), and FreeBSD's pargs, penv and pwdx:
//! procstat_args.c, procstat_auxv.c, procstat_penv.c, procstat_pwdx.c.

use super::format::c_hash_hex;
use super::{Ctx, Proc};
use bsdtrace::sys::procfs_stat as ps;
use bsdtrace::Errno;

const AT_NULL: u64 = 0;
const AT_IGNORE: u64 = 1;

impl Ctx<'_> {
    pub(super) fn arguments(&mut self, p: &Proc, env: bool) {
        if self.header() {
            self.out.text(format_args!("{:>5} {:<16} {:<53}\n", "PID", "COMM", if env { "ENVIRONMENT" } else { "ARGS" }));
        }
        let list = if env { ps::environ(p.pid) } else { ps::cmdline(p.pid) };
        let o = &mut self.out;
        o.field("process_id", p.pid, format_args!("{:>5} ", p.pid));
        o.field("command", &p.comm, format_args!("{:<16}", p.comm));
        // FreeBSD's leaf lists `{l:args}` / `{l:env}`.
        let leaf = if env { "env" } else { "args" };
        match list {
            Ok(v) if !v.is_empty() => {
                for a in &v {
                    o.text(" ");
                    o.leaf(leaf, a, a);
                }
                o.text("\n");
            }
            _ => o.text(" -\n"),
        }
    }

    pub(super) fn pargs(&mut self, p: &Proc, env: bool) {
        let list = if env { ps::environ(p.pid) } else { ps::cmdline(p.pid) };
        let o = &mut self.out;
        o.field("process_id", p.pid, p.pid);
        o.text(":  ");
        o.field("command", &p.comm, format_args!("{}\n", p.comm));
        let name = if env { "envp" } else { "argv" };
        match list {
            Ok(v) if !v.is_empty() => {
                for (i, a) in v.iter().enumerate() {
                    o.text(format_args!("{name}[{i}]: "));
                    o.leaf(name, a, format_args!("{a}\n"));
                }
            }
            _ => o.text("-\n"),
        }
    }

    pub(super) fn pwdx(&mut self, p: &Proc) {
        match ps::link(&format!("/proc/{}/cwd", p.pid)) {
            Ok(cwd) => {
                self.out.field("process_id", p.pid, p.pid);
                self.out.text(":  ");
                self.out.field("cwd", &cwd, format_args!("{cwd}\n"));
            }
            Err(Errno::ESRCH) => {}
            Err(e) => {
                self.warn_errno(&format!("/proc/{}/cwd", p.pid), e);
                // procps' pwdx exits 1 when a directory cannot be read.
                self.status = 1;
            }
        }
    }

    pub(super) fn auxv(&mut self, p: &Proc) {
        if self.header() {
            self.out.text(format_args!("{:>5} {:<19} {:<16} {:<16}\n", "PID", "COMM", "AUXV", "VALUE"));
        }
        let auxv = match ps::auxv(p.pid) {
            Ok(a) => a,
            Err(Errno::ESRCH) => return,
            Err(e) => return self.warn_errno(&format!("/proc/{}/auxv", p.pid), e),
        };
        let prefix = format!("{:>5} {:<19}", p.pid, p.comm);
        let o = &mut self.out;
        o.encode("process_id", p.pid);
        o.encode("command", &p.comm);
        for (ty, val) in auxv {
            if ty == AT_NULL {
                return;
            }
            if ty == AT_IGNORE {
                continue;
            }
            o.text(&prefix);
            match auxv_name(ty) {
                Some((name, kind)) => {
                    // Linux's longest names (AT_RSEQ_FEATURE_SIZE) overflow
                    // FreeBSD's %-16s; keep one space before the value.
                    let sep = if name.len() >= 16 { " " } else { "" };
                    o.text(format_args!("{name:<16}{sep}"));
                    match kind {
                        AuxKind::Dec => o.field(name, val as i64, format_args!("{}\n", val as i64)),
                        AuxKind::Ptr => o.field(name, format!("{val:#x}"), format_args!("{val:#x}\n")),
                        AuxKind::Hex => o.field(name, c_hash_hex(val), format_args!("{}\n", c_hash_hex(val))),
                    }
                }
                None => {
                    o.text(format_args!("{:>16}", ty as i64));
                    o.field("UNKNOWN", c_hash_hex(val), format_args!("{}\n", c_hash_hex(val)));
                }
            }
        }
        o.text("\n");
    }
}

#[derive(Clone, Copy)]
enum AuxKind {
    Dec,
    Ptr,
    Hex,
}

/// Linux's AT_* names and how procstat prints each (pointers `%p`, flags
/// `%#lx`, counts `%ld`). JSON carries pointers and flags as the same
/// hexadecimal strings, counts as numbers.
fn auxv_name(ty: u64) -> Option<(&'static str, AuxKind)> {
    use AuxKind::*;
    Some(match ty {
        2 => ("AT_EXECFD", Dec),
        3 => ("AT_PHDR", Ptr),
        4 => ("AT_PHENT", Dec),
        5 => ("AT_PHNUM", Dec),
        6 => ("AT_PAGESZ", Dec),
        7 => ("AT_BASE", Ptr),
        8 => ("AT_FLAGS", Hex),
        9 => ("AT_ENTRY", Ptr),
        10 => ("AT_NOTELF", Dec),
        11 => ("AT_UID", Dec),
        12 => ("AT_EUID", Dec),
        13 => ("AT_GID", Dec),
        14 => ("AT_EGID", Dec),
        15 => ("AT_PLATFORM", Ptr),
        16 => ("AT_HWCAP", Hex),
        17 => ("AT_CLKTCK", Dec),
        18 => ("AT_FPUCW", Hex),
        19 => ("AT_DCACHEBSIZE", Dec),
        20 => ("AT_ICACHEBSIZE", Dec),
        21 => ("AT_UCACHEBSIZE", Dec),
        23 => ("AT_SECURE", Dec),
        24 => ("AT_BASE_PLATFORM", Ptr),
        25 => ("AT_RANDOM", Ptr),
        26 => ("AT_HWCAP2", Hex),
        27 => ("AT_RSEQ_FEATURE_SIZE", Dec),
        28 => ("AT_RSEQ_ALIGN", Dec),
        29 => ("AT_HWCAP3", Hex),
        30 => ("AT_HWCAP4", Hex),
        31 => ("AT_EXECFN", Ptr),
        32 => ("AT_SYSINFO", Ptr),
        33 => ("AT_SYSINFO_EHDR", Ptr),
        51 => ("AT_MINSIGSTKSZ", Dec),
        _ => return None,
    })
}
