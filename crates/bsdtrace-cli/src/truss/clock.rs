//! strace's `-t` (`HH:MM:SS `), `-tt` (`HH:MM:SS.uuuuuu `) and `-ttt`
//! (`SECONDS.uuuuuu ` since the epoch) prefixes. `-t`/`-tt` are local
//! time, as strace prints them: the zone is `TZ`, else /etc/localtime
//! (`jiff` reads the system's zoneinfo; UTC when there is none).

use std::fmt::Write as _;
use std::sync::OnceLock;
use std::time::SystemTime;

fn zone() -> &'static jiff::tz::TimeZone {
    static TZ: OnceLock<jiff::tz::TimeZone> = OnceLock::new();
    TZ.get_or_init(|| jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC))
}

/// The prefix for `level` (1: `-t`, 2: `-tt`, 3: `-ttt`) at time `t`.
pub fn wall_clock_into(s: &mut String, level: u8, t: SystemTime) {
    let since = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    if level >= 3 {
        let _ = write!(s, "{}.{:06} ", since.as_secs(), since.subsec_micros());
        return;
    }
    let secs = since.as_secs() as i64;
    let offset = jiff::Timestamp::from_second(secs)
        .map(|ts| zone().to_offset(ts).seconds() as i64)
        .unwrap_or(0);
    let local = (secs + offset).rem_euclid(86_400);
    let (h, m, sec) = (local / 3600, local / 60 % 60, local % 60);
    if level >= 2 {
        let _ = write!(s, "{h:02}:{m:02}:{sec:02}.{:06} ", since.subsec_micros());
    } else {
        let _ = write!(s, "{h:02}:{m:02}:{sec:02} ");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn epoch_seconds_and_clock_shapes() {
        let t = SystemTime::UNIX_EPOCH + Duration::new(1_700_000_000, 123_456_789);
        let mut s = String::new();
        wall_clock_into(&mut s, 3, t);
        assert_eq!(s, "1700000000.123456 ");
        let mut s = String::new();
        wall_clock_into(&mut s, 2, t);
        assert_eq!(s.len(), "HH:MM:SS.uuuuuu ".len());
        assert!(s.ends_with(":20.123456 "), "{s}");
        let mut s = String::new();
        wall_clock_into(&mut s, 1, t);
        assert!(s.ends_with(":20 ") && s.len() == 9, "{s}");
    }
}
