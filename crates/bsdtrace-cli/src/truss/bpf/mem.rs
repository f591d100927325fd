//! The memory records carry, as the decoder's [`Memory`], and a call
//! between its entry and exit records.

use bsdtrace::Errno;
use bsdtrace_bpf::{Blobs, HeldBlobs};

use super::super::decode::{self, EntryState, Memory};

/// Kernel memory copies, as the decoder's [`Memory`]: the blobs of one or
/// more records (an exit's out-arguments; an entry's in-arguments with
/// those copied late, at exit), read where they lie. An address none of
/// them captured reads as unmapped memory does (EFAULT); of the blobs
/// that hold it, the one that runs furthest serves the read (the first
/// of equals).
pub(super) struct InBlobs<'a>(pub(super) &'a [Blobs<'a>]);

impl Memory for InBlobs<'_> {
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut best: Option<&[u8]> = None;
        for b in self.0 {
            if let Some(t) = b.tail(addr) {
                if best.is_none_or(|x| t.len() > x.len()) {
                    best = Some(t);
                }
            }
        }
        let tail = best.ok_or(Errno::EFAULT)?;
        let n = tail.len().min(buf.len());
        buf[..n].copy_from_slice(&tail[..n]);
        Ok(n)
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
