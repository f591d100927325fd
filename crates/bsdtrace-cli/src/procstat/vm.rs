//! The address space (`-v`), from /proc/PID/smaps: FreeBSD's
//! procstat_vm.c. JSON has FreeBSD's `kve_*` names, with the protection
//! and flags as objects of booleans and the type spelled out.

use super::format::c_hash_hex;
use super::{Ctx, Proc};
use bsdtrace::sys::procfs_stat as ps;
use bsdtrace::Errno;
use std::collections::HashMap;

impl Ctx<'_> {
    pub(super) fn vm(&mut self, p: &Proc) {
        const W: usize = 18; // 2 * sizeof(void *) + 2
        if self.header() {
            self.out.text(format_args!(
                "{:>5} {:>W$} {:>W$} {:>3} {:>4} {:>4} {:>3} {:>3} {:<5} {:<2} PATH\n",
                "PID", "START", "END", "PRT", "RES", "PRES", "REF", "SHD", "FLAG", "TP"
            ));
        }
        self.out.encode("process_id", p.pid);
        let maps = match ps::smaps(p.pid) {
            Ok(m) => m,
            Err(Errno::ESRCH) => return,
            Err(e) => return self.warn_errno(&format!("/proc/{}/smaps", p.pid), e),
        };
        // REF: how many of this process's mappings share the object.
        let mut refs: HashMap<(u32, u32, u64), i32> = HashMap::new();
        for e in &maps {
            if e.map.inode != 0 {
                *refs.entry((e.map.dev_major, e.map.dev_minor, e.map.inode)).or_default() += 1;
            }
        }
        let page = self.page;
        let kb_pages = |kb: u64| kb * 1024 / page;
        let o = &mut self.out;
        o.open_list("vm");
        for e in &maps {
            let m = &e.map;
            let has = |f: &str| e.vm_flags.iter().any(|v| v == f);
            let file = m.inode != 0;
            let refc = if file { refs[&(m.dev_major, m.dev_minor, m.inode)] } else { 1 };
            // A private file mapping with copied pages is FreeBSD's shadowed object.
            let shadow = i32::from(file && !m.shared && e.anonymous_kb > 0);
            let cow = !m.shared;
            let needs_copy = !m.shared && m.write && e.anonymous_kb == 0;
            let superpages = e.huge_kb > 0;
            let (grows_up, grows_down, wired) = (has("gu"), has("gd"), has("lo"));
            let (tp, tp_name) = vm_type(e, has("io") || has("pf"));
            o.instance();
            o.text(format_args!("{:>5} ", p.pid));
            let (start, end) = (c_hash_hex(m.start), c_hash_hex(m.end));
            o.field("kve_start", &start, format_args!("{start:>W$} "));
            o.field("kve_end", &end, format_args!("{end:>W$} "));
            o.text(format_args!(
                "{}{}{} ",
                if m.read { 'r' } else { '-' },
                if m.write { 'w' } else { '-' },
                if m.exec { 'x' } else { '-' }
            ));
            o.open("kve_protection");
            o.encode("read", m.read);
            o.encode("write", m.write);
            o.encode("exec", m.exec);
            o.close();
            let (res, pres) = (kb_pages(e.rss_kb), kb_pages(e.private_kb));
            o.field("kve_resident", res, format_args!("{res:>4} "));
            o.field("kve_private_resident", pres, format_args!("{pres:>4} "));
            o.field("kve_ref_count", refc, format_args!("{refc:>3} "));
            o.field("kve_shadow_count", shadow, format_args!("{shadow:>3} "));
            let letter = |on: bool, c: char| if on { c } else { '-' };
            o.text(format_args!(
                "{}{}{}{}{} ",
                letter(cow, 'C'),
                letter(needs_copy, 'N'),
                letter(superpages, 'S'),
                if grows_up {
                    'U'
                } else if grows_down {
                    'D'
                } else {
                    '-'
                },
                letter(wired, 'W')
            ));
            o.open("kve_flags");
            o.encode("copy_on_write", cow);
            o.encode("needs_copy", needs_copy);
            o.encode("super_pages", superpages);
            o.encode("grows_up", grows_up);
            o.encode("grows_down", grows_down);
            o.encode("wired", wired);
            o.close();
            o.text(format_args!("{tp:<2} "));
            o.encode("kve_type", tp_name);
            o.field("kve_path", &m.path, format_args!("{}\n", m.path));
            o.close();
        }
        o.close();
    }
}

/// TP for one mapping and its JSON name (see docs/procstat.md).
fn vm_type(e: &ps::SmapsEntry, device: bool) -> (&'static str, &'static str) {
    let m = &e.map;
    // The vDSO and its data pages are FreeBSD's shared page: physical memory.
    match m.path.as_str() {
        "[vdso]" | "[vvar]" | "[vvar_vclock]" | "[vsyscall]" | "[uprobes]" => return ("ph", "physical"),
        _ => {}
    }
    if device {
        return ("dv", "device");
    }
    if m.inode != 0
        && !m.path.starts_with("/memfd:")
        && !m.path.starts_with("/SYSV")
        && !m.path.starts_with("/dev/zero")
    {
        return ("vn", "vnode");
    }
    if !m.read && !m.write && !m.exec {
        return ("gd", "guard");
    }
    if m.inode == 0 && e.rss_kb == 0 && !m.shared {
        return ("df", "default");
    }
    ("sw", "swap")
}
