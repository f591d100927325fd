//! truss `-c`: per-syscall counts and time, printed as FreeBSD truss's
//! summary table.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

/// Totals for one syscall.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    pub calls: u64,
    pub errors: u64,
    pub time: Duration,
}

/// The order of the table's rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    Name,
    Time,
    Calls,
    Errors,
    /// strace's "nothing": truss keeps name order.
    Nothing,
}

/// Counts collected over a trace, by syscall name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    by_name: BTreeMap<String, Entry>,
}

impl Summary {
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one call of `name` that took `time` and did or did not fail.
    pub fn record(&mut self, name: &str, time: Duration, failed: bool) {
        let e = match self.by_name.get_mut(name) {
            Some(e) => e,
            None => self.by_name.entry(name.to_string()).or_default(),
        };
        e.calls += 1;
        e.errors += u64::from(failed);
        e.time += time;
    }

    /// The totals for `name`.
    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.by_name.get(name)
    }

    /// Every syscall seen, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Entry)> {
        self.by_name.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The table, as FreeBSD truss prints it: header in `%-20s%15s%8s%8s`,
    /// one row per syscall in `%-20s%5jd.%09ld%8d%8d` (sorted by name), a
    /// dashed line under the columns, and a totals row with no name.
    pub fn render(&self) -> String {
        self.render_sorted(Sort::Name)
    }

    /// [`Summary::render`] with the rows in `sort` order (strace's `-S`:
    /// time, calls and errors descending, then by name).
    pub fn render_sorted(&self, sort: Sort) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{:<20}{:>15}{:>8}{:>8}",
            "syscall", "seconds", "calls", "errors"
        );
        let mut total = Entry::default();
        let mut rows: Vec<(&String, &Entry)> = self.by_name.iter().collect();
        match sort {
            Sort::Name | Sort::Nothing => {}
            Sort::Time => rows.sort_by_key(|r| std::cmp::Reverse(r.1.time)),
            Sort::Calls => rows.sort_by_key(|r| std::cmp::Reverse(r.1.calls)),
            Sort::Errors => rows.sort_by_key(|r| std::cmp::Reverse(r.1.errors)),
        }
        for (name, e) in rows {
            row(&mut s, name, e);
            total.calls += e.calls;
            total.errors += e.errors;
            total.time += e.time;
        }
        let _ = writeln!(
            s,
            "{:>20}{:>15}{:>8}{:>8}",
            "", "-------------", "-------", "-------"
        );
        row(&mut s, "", &total);
        s
    }
}

fn row(s: &mut String, name: &str, e: &Entry) {
    let _ = writeln!(
        s,
        "{:<20}{:>5}.{:09}{:>8}{:>8}",
        name,
        e.time.as_secs(),
        e.time.subsec_nanos(),
        e.calls,
        e.errors
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_freebsd_layout() {
        let mut sum = Summary::new();
        sum.record("read", Duration::from_nanos(1_500), false);
        sum.record("read", Duration::from_nanos(2_500), false);
        sum.record("openat", Duration::from_micros(20), true);
        sum.record("close", Duration::from_secs(1), false);
        let want = "\
syscall                     seconds   calls  errors
close                   1.000000000       1       0
openat                  0.000020000       1       1
read                    0.000004000       2       0
                      ------------- ------- -------
                        1.000024000       4       1
";
        assert_eq!(sum.render(), want);
        assert_eq!(sum.get("read").unwrap().calls, 2);
    }

    #[test]
    fn empty_summary_has_header_and_zero_totals() {
        let r = Summary::new().render();
        assert!(r.ends_with("                        0.000000000       0       0\n"));
    }
}
