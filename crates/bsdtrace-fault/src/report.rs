//! What a worker found, as lines the supervisor reads back:
//! `STAT name value` and `DEFECT kind<TAB>detail`.

use std::collections::BTreeMap;
use std::io::Write;

/// The defect kinds the summary counts (all zero is the goal).
pub const KINDS: &[&str] = &[
    "hang",
    "lost",
    "doubled",
    "crash",
    "panic",
    "left-traced",
    "left-stopped",
    "survived",
    "wrong-errno",
    "wrong-success",
    "unexpected",
];

#[derive(Default, Debug, Clone)]
pub struct Report {
    pub stats: BTreeMap<String, u64>,
    pub defects: Vec<(String, String)>,
}

impl Report {
    pub fn add(&mut self, k: &str, n: u64) {
        *self.stats.entry(k.to_string()).or_default() += n;
    }

    pub fn defect(&mut self, kind: &str, detail: String) {
        debug_assert!(KINDS.contains(&kind), "{kind}");
        // Printed at once too: a worker killed later (a hang) must not
        // lose what it found before.
        println!("DEFECT {kind}\t{detail}");
        let _ = std::io::stdout().flush();
        crate::cface::dump_rings(kind);
        self.defects.push((kind.to_string(), detail));
    }

    /// Print the counters (defects were printed as they came).
    pub fn emit_stats(&self) {
        let mut out = std::io::stdout().lock();
        for (k, v) in &self.stats {
            let _ = writeln!(out, "STAT {k} {v}");
        }
        let _ = out.flush();
    }

    /// Parse a worker's output.
    pub fn parse(text: &str) -> Report {
        let mut r = Report::default();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("STAT ") {
                if let Some((k, v)) = rest.rsplit_once(' ') {
                    r.add(k, v.parse().unwrap_or(0));
                }
            } else if let Some(rest) = line.strip_prefix("DEFECT ") {
                let (k, d) = rest.split_once('\t').unwrap_or((rest, ""));
                r.defects.push((k.to_string(), d.to_string()));
            }
        }
        r
    }

    pub fn merge(&mut self, o: &Report) {
        for (k, v) in &o.stats {
            self.add(k, *v);
        }
        self.defects.extend(o.defects.iter().cloned());
    }

    pub fn count(&self, kind: &str) -> usize {
        self.defects.iter().filter(|(k, _)| k == kind).count()
    }
}
