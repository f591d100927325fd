//! The memory a record carries, as the decoder's [`Memory`], and a call
//! between its entry and exit records.

use bsdtrace::Errno;
use bsdtrace_bpf::{Blobs, Snapshot};

use super::super::decode::{self, EntryState, Memory};

/// Kernel memory copies of a call kept from its entry, as the decoder's
/// [`Memory`].
pub(super) struct Copied<'a>(&'a Snapshot);

impl Memory for Copied<'_> {
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        if buf.is_empty() {
            return Ok(0);
        }
        match self.0.read(addr, buf) {
            0 => Err(Errno::EFAULT),
            n => Ok(n),
        }
    }
}

/// Kernel memory copies read where they lie in the record being decoded.
pub(super) struct InRecord<'a>(pub(super) Blobs<'a>);

impl Memory for InRecord<'_> {
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        if buf.is_empty() {
            return Ok(0);
        }
        match self.0.read(addr, buf) {
            0 => Err(Errno::EFAULT),
            n => Ok(n),
        }
    }
}

/// A syscall between its entry and exit records. It is decoded at its
/// exit, when the in-arguments the kernel could only copy then are there.
pub(super) struct Pending {
    pub(super) pid: i32,
    pub(super) nr: u32,
    /// An i386 call (`nr` in the i386 table).
    pub(super) i386: bool,
    pub(super) args: [u64; 6],
    /// `None` with `-c`, which decodes nothing.
    pub(super) mem: Option<Snapshot>,
    pub(super) ts: u64,
}

impl Pending {
    pub(super) fn entry(&self, opts: &decode::Options, late: Option<Blobs<'_>>) -> Option<EntryState> {
        let mem = self.mem.as_ref()?;
        let merged;
        let mem = match late {
            Some(l) if !l.is_empty() => {
                merged = mem.merged(&l.to_snapshot());
                &merged
            }
            _ => mem,
        };
        Some(if self.i386 {
            decode::decode_entry_i386(opts, self.nr, self.args, &Copied(mem))
        } else {
            decode::decode_entry(opts, self.nr, self.args, &Copied(mem))
        })
    }
}
