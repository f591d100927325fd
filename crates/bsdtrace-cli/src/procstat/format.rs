//! Number and list formatting procstat's views share: FreeBSD's
//! humanize_number(3), its time and CPU-list formats, C's `%#lx`.

use std::fmt::Write as _;

pub(super) fn flag(on: bool, c: char) -> char {
    if on {
        c
    } else {
        '-'
    }
}

pub(super) fn dash(s: String) -> String {
    if s.is_empty() {
        "-".into()
    } else {
        s
    }
}

/// C's `%#lx`: "0" for zero, "0x..." otherwise.
pub(super) fn c_hash_hex(v: u64) -> String {
    if v == 0 {
        "0".into()
    } else {
        format!("{v:#x}")
    }
}

/// FreeBSD procstat_cs's CPU list: "0-3,5".
pub(super) fn cpu_list(cpus: &[usize]) -> String {
    let mut s = String::new();
    let (mut once, mut twice, mut last) = (false, false, usize::MAX);
    for &cpu in cpus {
        if !once {
            let _ = write!(s, "{cpu}");
            once = true;
        } else if cpu == last.wrapping_add(1) {
            twice = true;
        } else if twice {
            let _ = write!(s, "-{last},{cpu}");
            twice = false;
        } else {
            let _ = write!(s, ",{cpu}");
        }
        last = cpu;
    }
    if once && twice {
        let _ = write!(s, "-{last}");
    }
    s
}

/// `[N day(s) ]hh:mm:ss.uuuuuu` from clock ticks.
pub(super) fn format_time(ticks: u64, hz: u64) -> String {
    let secs = ticks / hz;
    let usec = (ticks % hz) * 1_000_000 / hz;
    let (days, h, m, s) = (secs / 86400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    let d = match days {
        0 => String::new(),
        1 => "1 day ".into(),
        n => format!("{n} days "),
    };
    format!("{d}{h:02}:{m:02}:{s:02}.{usec:06}")
}

#[derive(Clone, Copy)]
pub(super) enum Scale {
    Auto,
    Fixed(usize),
}

/// libutil's humanize_number(3) with HN_DECIMAL, 1024 divisor, space
/// separator; `len` is the buffer size including the NUL.
pub(super) fn humanize_number(quotient: i64, suffix: &str, scale: Scale, len: usize) -> String {
    humanize_scaled(quotient, suffix, scale, len).0
}

/// humanize_number and the scale it chose (HN_GETSCALE).
fn humanize_scaled(mut quotient: i64, suffix: &str, scale: Scale, len: usize) -> (String, usize) {
    const PREFIXES: [&str; 7] = ["", "K", "M", "G", "T", "P", "E"];
    let (divisor, deccut) = (1024i64, 973i64);
    let neg = quotient < 0;
    if neg {
        quotient = -quotient;
    }
    let baselen = 1 + if neg { 2 } else { 1 } + 1 + suffix.len();
    let mut remainder = 0i64;
    let mut i = 0usize;
    match scale {
        Scale::Auto => {
            let mut max: i64 = 1;
            for _ in 0..len.saturating_sub(baselen) {
                max = max.saturating_mul(10);
            }
            while (quotient >= max || (quotient == max - 1 && (remainder >= deccut || remainder >= divisor / 2)))
                && i < PREFIXES.len() - 1
            {
                remainder = quotient % divisor;
                quotient /= divisor;
                i += 1;
            }
        }
        Scale::Fixed(n) => {
            while i < n && i < PREFIXES.len() - 1 {
                remainder = quotient % divisor;
                quotient /= divisor;
                i += 1;
            }
        }
    }
    let sign = if neg { -1 } else { 1 };
    if ((quotient == 9 && remainder < deccut) || quotient < 9) && i > 0 {
        let s1 = quotient + ((remainder * 10 + divisor / 2) / divisor / 10);
        let s2 = ((remainder * 10 + divisor / 2) / divisor) % 10;
        (format!("{}.{} {}{}", sign * s1, s2, PREFIXES[i], suffix), i)
    } else {
        (format!("{} {}{}", sign * (quotient + (remainder + divisor / 2) / divisor), PREFIXES[i], suffix), i)
    }
}

/// procstat_rlimit's humanize_rlimit: "infinity     " or the humanized
/// value, one more space when it has no scale prefix.
pub(super) fn humanize_rlimit(v: Option<u64>, suffix: &str) -> String {
    let Some(v) = v else { return "infinity     ".into() };
    let v = v.min(i64::MAX as u64) as i64;
    match humanize_scaled(v, suffix, Scale::Auto, 13) {
        (s, 0) => s + " ",
        (s, _) => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn humanize_like_libutil() {
        assert_eq!(humanize_number(5000 << 10, "B", Scale::Fixed(1), 14), "5000 KB");
        assert_eq!(humanize_number(0, "B", Scale::Fixed(1), 14), "0.0 KB");
        assert_eq!(humanize_number(1536, "B", Scale::Fixed(1), 14), "1.5 KB");
        assert_eq!(humanize_rlimit(Some(1024), "   "), "1024     ");
        assert_eq!(humanize_rlimit(Some(8388608), "B  "), "8388608 B   ");
        assert_eq!(humanize_rlimit(Some(1 << 40), "B  "), "1048576 MB  ");
        assert_eq!(humanize_rlimit(Some(1 << 50), "B  "), "1048576 GB  ");
        assert_eq!(humanize_rlimit(Some(10_000_000), "   "), "9766 K   ");
        assert_eq!(humanize_rlimit(None, "B  "), "infinity     ");
    }

    #[test]
    fn cpu_lists_like_procstat_cs() {
        assert_eq!(cpu_list(&[0, 1, 2, 3]), "0-3");
        assert_eq!(cpu_list(&[0, 1, 2, 5]), "0-2,5");
        assert_eq!(cpu_list(&[0, 2]), "0,2");
        assert_eq!(cpu_list(&[1]), "1");
    }

    #[test]
    fn times() {
        assert_eq!(format_time(12345, 100), "00:02:03.450000");
        assert_eq!(format_time(100 * 86400 * 2 + 1, 100), "2 days 00:00:00.010000");
    }
}
