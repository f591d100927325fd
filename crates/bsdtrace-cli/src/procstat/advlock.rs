//! Advisory locks (`advlock`), every held lock on the system from
//! /proc/locks: FreeBSD's procstat_advlock.c. JSON: an `advisory_lock`
//! list with FreeBSD's field names; FSID and RDEV are hexadecimal strings
//! as in the table.

use super::format::c_hash_hex;
use super::Ctx;
use bsdtrace::sys::procfs_stat as ps;

impl Ctx<'_> {
    /// FreeBSD prints the header on every -w round here, as this table is
    /// not per process.
    pub(super) fn advlock(&mut self) {
        if self.header() {
            self.out.text(format_args!(
                "{:>2} {:>5} {:>5} {:>5} {:>18} {:>18} {:>8} {:>9} {:>9} PATH\n",
                "RW", "TYPE", "PID", "SYSID", "FSID", "RDEV", "INO", "START", "LEN"
            ));
        }
        let locks = match ps::locks() {
            Ok(l) => l,
            Err(e) => return self.warn_errno("/proc/locks", e),
        };
        let o = &mut self.out;
        o.open_list("advisory_lock");
        for l in locks {
            let dev = ps::makedev(l.dev_major, l.dev_minor);
            // Open-file-description locks are fcntl(2) record locks owned
            // by no process (pid -1); leases have no FreeBSD name.
            let kind = match l.kind.as_str() {
                "FLOCK" => "FLOCK",
                "POSIX" | "OFDLCK" => "FCNTL",
                _ => "?????",
            };
            let len = l.end.map(|e| e.saturating_sub(l.start) + 1).unwrap_or(0);
            let path = if l.pid > 0 { ps::open_path(l.pid, dev, l.inode).unwrap_or_default() } else { String::new() };
            let rw = if l.write { "RW" } else { "RO" };
            let (fsid, rdev) = (c_hash_hex(dev), c_hash_hex(0));
            o.instance();
            o.field("rw", rw, format_args!("{rw} "));
            o.field("type", kind, format_args!("{kind} "));
            o.field("pid", l.pid, format_args!("{:>5} ", l.pid));
            o.field("sysid", 0, format_args!("{:>5} ", 0));
            o.field("fsid", &fsid, format_args!("{fsid:>18} "));
            o.field("rdev", &rdev, format_args!("{rdev:>18} "));
            o.field("ino", l.inode, format_args!("{:>8} ", l.inode));
            o.field("start", l.start, format_args!("{:>9} ", l.start));
            o.field("len", len, format_args!("{len:>9} "));
            o.field("path", &path, format_args!("{path}\n"));
            o.close();
        }
        o.close();
    }
}
