//! Parsing and formatting of packet fields: hex numbers and byte strings,
//! thread ids. Every parser returns `None` on malformed input (the caller
//! answers with an error packet), never panics.

use super::target::{Ptid, Sel};

/// A hex number (1 to 16 digits).
pub fn hex_u64(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 16 {
        return None;
    }
    let mut v = 0u64;
    for &c in s {
        v = v << 4 | (c as char).to_digit(16)? as u64;
    }
    Some(v)
}

/// A hex number that fits an `i32` (pids, tids), positive.
pub fn hex_id(s: &[u8]) -> Option<i32> {
    let v = hex_u64(s)?;
    (v > 0 && v <= i32::MAX as u64).then_some(v as i32)
}

/// A hex byte string.
pub fn hex_bytes(s: &[u8]) -> Option<Vec<u8>> {
    #[allow(clippy::manual_is_multiple_of)] // is_multiple_of needs Rust 1.87; MSRV is 1.85
    if s.len() % 2 != 0 {
        return None;
    }
    s.chunks(2).map(|c| Some(((c[0] as char).to_digit(16)? << 4 | (c[1] as char).to_digit(16)?) as u8)).collect()
}

pub fn to_hex(data: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(data.len() * 2);
    for &b in data {
        s.push(D[(b >> 4) as usize] as char);
        s.push(D[(b & 15) as usize] as char);
    }
    s
}

/// `addr,len` (both hex).
pub fn addr_len(s: &[u8]) -> Option<(u64, u64)> {
    let i = s.iter().position(|&c| c == b',')?;
    Some((hex_u64(&s[..i])?, hex_u64(&s[i + 1..])?))
}

/// Split at the first `c`.
pub fn split_once(s: &[u8], c: u8) -> Option<(&[u8], &[u8])> {
    let i = s.iter().position(|&x| x == c)?;
    Some((&s[..i], &s[i + 1..]))
}

/// One part of a thread id: a hex number, `-1` (all) or `0` (any).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdPart {
    All,
    Any,
    Id(i32),
}

fn id_part(s: &[u8]) -> Option<IdPart> {
    match s {
        b"-1" => Some(IdPart::All),
        b"0" => Some(IdPart::Any),
        _ => hex_id(s).map(IdPart::Id),
    }
}

/// A thread id as written in packets: `pPID.TID`, `pPID` (all its
/// threads), or a bare `TID`, with `-1` for all and `0` for any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThreadId {
    pub pid: Option<IdPart>,
    pub tid: IdPart,
}

pub fn thread_id(s: &[u8]) -> Option<ThreadId> {
    if let Some(rest) = s.strip_prefix(b"p") {
        match split_once(rest, b'.') {
            Some((p, t)) => Some(ThreadId { pid: Some(id_part(p)?), tid: id_part(t)? }),
            None => Some(ThreadId { pid: Some(id_part(rest)?), tid: IdPart::All }),
        }
    } else {
        Some(ThreadId { pid: None, tid: id_part(s)? })
    }
}

impl ThreadId {
    /// What this id selects; `pid_of` finds a bare tid's process and
    /// `current` is the process a `0` means. `None`: it names nothing that
    /// exists in the shape a selection can take.
    pub fn select(&self, pid_of: impl Fn(i32) -> Option<i32>, current: Option<i32>) -> Option<Sel> {
        match (self.pid, self.tid) {
            (None, IdPart::All) | (Some(IdPart::All), _) => Some(Sel::All),
            (None, IdPart::Any) => current.map(Sel::Proc),
            (None, IdPart::Id(t)) => Some(Sel::Thread(Ptid { pid: pid_of(t)?, tid: t })),
            (Some(IdPart::Any), IdPart::All | IdPart::Any) => current.map(Sel::Proc),
            (Some(IdPart::Any), IdPart::Id(t)) => Some(Sel::Thread(Ptid { pid: pid_of(t)?, tid: t })),
            (Some(IdPart::Id(p)), IdPart::All | IdPart::Any) => Some(Sel::Proc(p)),
            (Some(IdPart::Id(p)), IdPart::Id(t)) => Some(Sel::Thread(Ptid { pid: p, tid: t })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_bytes() {
        assert_eq!(hex_u64(b"7fff"), Some(0x7fff));
        assert_eq!(hex_u64(b""), None);
        assert_eq!(hex_u64(b"12345678123456789"), None);
        assert_eq!(hex_u64(b"xyz"), None);
        assert_eq!(hex_id(b"0"), None);
        assert_eq!(hex_id(b"ffffffff"), None);
        assert_eq!(hex_bytes(b"00ff7f"), Some(vec![0, 255, 127]));
        assert_eq!(hex_bytes(b"0"), None);
        assert_eq!(hex_bytes(b"zz"), None);
        assert_eq!(to_hex(&[0, 0xab]), "00ab");
        assert_eq!(addr_len(b"1000,20"), Some((0x1000, 0x20)));
        assert_eq!(addr_len(b"1000"), None);
    }

    #[test]
    fn thread_ids_in_every_shape() {
        let pid_of = |t: i32| (t == 0x11).then_some(0x10);
        let sel = |s: &str| thread_id(s.as_bytes()).and_then(|t| t.select(pid_of, Some(0x10)));
        assert_eq!(sel("-1"), Some(Sel::All));
        assert_eq!(sel("p-1.-1"), Some(Sel::All));
        assert_eq!(sel("p10.-1"), Some(Sel::Proc(0x10)));
        assert_eq!(sel("p10"), Some(Sel::Proc(0x10)));
        assert_eq!(sel("p10.11"), Some(Sel::Thread(Ptid { pid: 0x10, tid: 0x11 })));
        assert_eq!(sel("11"), Some(Sel::Thread(Ptid { pid: 0x10, tid: 0x11 })));
        assert_eq!(sel("0"), Some(Sel::Proc(0x10)));
        assert_eq!(sel("p0.0"), Some(Sel::Proc(0x10)));
        assert_eq!(sel("12"), None);
        assert_eq!(sel("p1x.2"), None);
        assert_eq!(sel(""), None);
        assert_eq!(sel("p"), None);
    }
}
