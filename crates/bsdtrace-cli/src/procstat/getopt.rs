//! getopt(3) and strtol(3) as FreeBSD's procstat uses them.

/// getopt(3), BSD style: options end at the first operand or "--".
pub(super) struct Getopt<'a> {
    args: &'a [String],
    pub(super) optind: usize,
    pos: usize,
}

pub(super) enum Opt {
    Flag(char),
    Arg(char, String),
    Bad(String),
}

impl<'a> Getopt<'a> {
    pub(super) fn new(args: &'a [String]) -> Self {
        Getopt { args, optind: 0, pos: 0 }
    }

    pub(super) fn next(&mut self, spec: &str) -> Option<Opt> {
        if self.pos == 0 {
            let a = self.args.get(self.optind)?;
            if a == "--" {
                self.optind += 1;
                return None;
            }
            if !a.starts_with('-') || a == "-" {
                return None;
            }
            self.pos = 1;
        }
        let a = &self.args[self.optind];
        let c = a[self.pos..].chars().next()?;
        self.pos += c.len_utf8();
        let at_end = self.pos >= a.len();
        let idx = spec.find(c).filter(|_| c != ':');
        let takes_arg = idx.is_some_and(|i| spec[i + 1..].starts_with(':'));
        if idx.is_none() {
            if at_end {
                self.optind += 1;
                self.pos = 0;
            }
            return Some(Opt::Bad(format!("illegal option -- {c}")));
        }
        if !takes_arg {
            if at_end {
                self.optind += 1;
                self.pos = 0;
            }
            return Some(Opt::Flag(c));
        }
        let val = if !at_end {
            a[self.pos..].to_string()
        } else if let Some(v) = self.args.get(self.optind + 1) {
            self.optind += 1;
            v.clone()
        } else {
            self.optind += 1;
            self.pos = 0;
            return Some(Opt::Bad(format!("option requires an argument -- {c}")));
        };
        self.optind += 1;
        self.pos = 0;
        Some(Opt::Arg(c, val))
    }
}

/// strtol(s, &end, 10) and whether it consumed all of `s`.
pub(super) fn strtol10(s: &str) -> (i64, bool) {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, d) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let n = d.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 {
        return (0, s.is_empty());
    }
    let v = d[..n].bytes().fold(0i64, |v, c| v.saturating_mul(10).saturating_add((c - b'0') as i64));
    (if neg { -v } else { v }, n == d.len())
}

