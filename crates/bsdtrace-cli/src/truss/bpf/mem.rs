//! The memory records carry, as the decoder's [`Memory`], and a call
//! between its entry and exit records.

use bsdtrace::Errno;
use bsdtrace_bpf::{Blobs, HeldBlobs};

use super::super::decode::{self, EntryState, Memory, TracedStr};

/// Kernel memory copies, as the decoder's [`Memory`]: the blobs of one or
/// more records (an exit's out-arguments; an entry's in-arguments with
/// those copied late, at exit), read where they lie. An address none of
/// them captured reads as unmapped memory does (EFAULT); of the blobs
/// that hold it, the one that runs furthest serves the read (the first
/// of equals).
pub(super) struct InBlobs<'a>(pub(super) &'a [Blobs<'a>]);

impl InBlobs<'_> {
    /// The captured bytes from `addr` on (the blob that runs furthest).
    fn tail(&self, addr: u64) -> Option<&[u8]> {
        let mut best: Option<&[u8]> = None;
        for b in self.0 {
            if let Some(t) = b.tail(addr) {
                if best.is_none_or(|x| t.len() > x.len()) {
                    best = Some(t);
                }
            }
        }
        best
    }
}

impl Memory for InBlobs<'_> {
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        if buf.is_empty() {
            return Ok(0);
        }
        let tail = self.tail(addr).ok_or(Errno::EFAULT)?;
        let n = tail.len().min(buf.len());
        buf[..n].copy_from_slice(&tail[..n]);
        Ok(n)
    }

    /// The default's page-by-page reads, each served where the bytes lie:
    /// the same string, without a zeroed buffer of up to a page per read.
    fn read_cstr(&self, addr: u64, max: usize) -> Result<TracedStr, Errno> {
        decode::cstr_by_pages(addr, max, |at, want| match self.tail(at) {
            Some(t) => Ok(std::borrow::Cow::Borrowed(&t[..t.len().min(want)])),
            None => Err(Errno::EFAULT),
        })
    }
}

/// A thread's call between its entry and exit records, kept in place: one
/// slot per thread, rewritten at each entry (no allocation once its
/// memory buffer is large enough). It is decoded at its exit, when the
/// in-arguments the kernel could only copy then are there.
#[derive(Default)]
pub(super) struct Pending {
    /// A call is in progress (the other fields are its).
    pub(super) busy: bool,
    pub(super) pid: i32,
    pub(super) nr: u32,
    /// An i386 call (`nr` in the i386 table).
    pub(super) i386: bool,
    pub(super) args: [u64; 6],
    /// False with `-c`, which decodes nothing.
    pub(super) decode: bool,
    /// The in-arguments' memory copied at entry.
    pub(super) mem: HeldBlobs,
    pub(super) ts: u64,
}

impl Pending {
    /// The call as decoded at its entry, with `late` (in-arguments copied
    /// at exit) beside the entry's copies; `None` with `-c`.
    pub(super) fn entry(&self, opts: &decode::Options, late: Option<Blobs<'_>>) -> Option<EntryState> {
        if !self.decode {
            return None;
        }
        let parts = [self.mem.blobs(), late.unwrap_or_default()];
        let mem = InBlobs(&parts);
        Some(if self.i386 {
            decode::decode_entry_i386(opts, self.nr, self.args, &mem)
        } else {
            decode::decode_entry(opts, self.nr, self.args, &mem)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bsdtrace_bpf::HeldBlobs;

    /// A record's blob area: (address, bytes) pieces as the kernel lays
    /// them out (16-byte header, data padded to 8).
    fn area(pieces: &[(u64, &[u8])]) -> Vec<u8> {
        let mut a = Vec::new();
        for (addr, data) in pieces {
            a.extend_from_slice(&addr.to_le_bytes());
            a.extend_from_slice(&(data.len() as u32).to_le_bytes());
            a.extend_from_slice(&0u32.to_le_bytes());
            a.extend_from_slice(data);
            a.resize(a.len().next_multiple_of(8), 0);
        }
        a
    }

    /// The same bytes through Memory's own read_cstr, page by page.
    struct Plain<'a>(&'a InBlobs<'a>);
    impl Memory for Plain<'_> {
        fn read(&self, addr: u64, buf: &mut [u8]) -> Result<usize, Errno> {
            self.0.read(addr, buf)
        }
    }

    #[test]
    fn read_cstr_reads_what_the_page_by_page_default_reads() {
        let long: Vec<u8> = (0..5000u32).map(|i| b'a' + (i % 26) as u8).collect();
        let mut ended = long.clone();
        ended[4500] = 0;
        // A string across a page end, one that a second blob goes on with,
        // one cut short, and NULs at and around the limit.
        let pieces: Vec<(u64, &[u8])> = vec![
            (0x10ff0, b"abc\0"),
            (0x20ffa, b"0123456789"),
            (0x21000, b"abcdef\0"),
            (0x30000, &long),
            (0x40000, &ended),
            (0x50000, b"xyz"),
            (0x60000, b"1234\0"),
        ];
        let raw = area(&pieces);
        let mut held = HeldBlobs::default();
        let rec;
        {
            // HeldBlobs only takes blobs from a record: build one.
            let mut b = vec![0u8; 40];
            b[8..12].copy_from_slice(&2u32.to_le_bytes());
            b.extend_from_slice(&raw);
            let size = b.len() as u32;
            b[24..28].copy_from_slice(&size.to_le_bytes());
            rec = b;
        }
        let r = bsdtrace_bpf::Record::new(&rec).expect("record");
        let bsdtrace_bpf::Kind::Exit { mem, .. } = r.kind() else { panic!() };
        held.keep(&mem);
        let parts = [held.blobs(), Blobs::default()];
        let m = InBlobs(&parts);
        for addr in [0x10ff0, 0x10ff2, 0x10ff4, 0x20ffa, 0x20ffe, 0x30000, 0x30ffe, 0x40000, 0x50000, 0x60000, 0x60002, 0x70000] {
            for max in [0, 1, 3, 4, 5, 6, 10, 20, 4096, 4499, 4500, 4501, 6000] {
                assert_eq!(m.read_cstr(addr, max), Plain(&m).read_cstr(addr, max), "{addr:#x} {max}");
            }
        }
    }
}
