//! The records `truss.bpf.c` writes into the ring buffer, parsed. The
//! layouts and numbers mirror the C file's `struct rec`, `struct blob` and
//! `enum ev_kind`; a record that does not parse is dropped and counted.

/// User memory copied in the kernel while a syscall was in progress: the
/// blobs of one record. Reads are served from them; anything else is
/// unreadable, as unmapped memory is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    blobs: Vec<(u64, Vec<u8>)>,
}

impl Snapshot {
    /// A snapshot of these `(address, bytes)` pieces.
    pub fn from_blobs(blobs: Vec<(u64, Vec<u8>)>) -> Snapshot {
        Snapshot { blobs }
    }

    /// Copies bytes from `addr` into `buf`; how many were copied (0 when
    /// `addr` was not captured). The piece that runs furthest from `addr`
    /// serves the read.
    pub fn read(&self, addr: u64, buf: &mut [u8]) -> usize {
        let mut best: Option<&[u8]> = None;
        for (start, bytes) in &self.blobs {
            if addr >= *start && addr - start < bytes.len() as u64 {
                let tail = &bytes[(addr - start) as usize..];
                if best.is_none_or(|b| tail.len() > b.len()) {
                    best = Some(tail);
                }
            }
        }
        let Some(tail) = best else { return 0 };
        let n = tail.len().min(buf.len());
        buf[..n].copy_from_slice(&tail[..n]);
        n
    }

    /// This snapshot with `other`'s pieces added.
    pub fn merged(&self, other: &Snapshot) -> Snapshot {
        let mut blobs = self.blobs.clone();
        blobs.extend(other.blobs.iter().cloned());
        Snapshot { blobs }
    }

    /// Whether nothing was captured.
    pub fn is_empty(&self) -> bool {
        self.blobs.is_empty()
    }
}

/// What a record says happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// A syscall entry: number, argument registers, and the in-arguments'
    /// memory.
    Enter {
        /// The syscall number (in the i386 table when `i386`).
        nr: u32,
        /// An i386 call: a 32-bit program's, or a 64-bit one's `int $0x80`
        /// (the kernel's TS_COMPAT); its arguments are ebx..ebp.
        i386: bool,
        /// The argument registers (rt_sigreturn's argument 0: the stack
        /// pointer, where its signal frame is).
        args: [u64; 6],
        /// The in-arguments' memory.
        mem: Snapshot,
    },
    /// A syscall exit: number, raw return value (`-errno` on failure,
    /// `-512..=-516` for ERESTART*), the out-arguments' memory, and
    /// in-arguments that could not be copied at entry (a page the program
    /// had not touched yet: BPF cannot fault it in), copied now.
    Exit {
        /// The syscall number (in the i386 table when `i386`; an i386
        /// sigreturn's exit says 173, rt_sigreturn, for both).
        nr: u32,
        /// An i386 call.
        i386: bool,
        /// The raw return value.
        ret: i64,
        /// The out-arguments' memory (copied only when the call succeeded).
        mem: Snapshot,
        /// In-arguments copied now because they could not be at entry.
        late: Snapshot,
    },
    /// The spawned command's exec: the trace starts here.
    Start,
    /// A followed child process (its first thread is `tid`).
    NewProcess {
        /// The process that forked it.
        parent: i32,
    },
    /// A new thread `tid`.
    NewThread,
    /// A successful execve; `old_tid` made it (a non-leader thread takes
    /// the process id over).
    Exec {
        /// The thread that called execve.
        old_tid: i32,
    },
    /// Thread `tid` ended; others remain.
    ThreadExit,
    /// The last thread ended.
    ProcessExit {
        /// The wait status (`exit code << 8`, or the signal, with 0x80 if
        /// it dumped core).
        status: i32,
        /// It never reached its exec (a spawn that failed).
        before_exec: bool,
    },
    /// A signal delivered to `tid` (not one it ignores).
    Signal {
        /// Its number.
        sig: i32,
        /// The first 48 bytes of its siginfo, as the kernel keeps them.
        siginfo: [u8; 48],
    },
}

/// One record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// CLOCK_MONOTONIC, nanoseconds.
    pub ts: u64,
    /// The process (thread group) it happened in.
    pub pid: i32,
    /// The thread.
    pub tid: i32,
    /// Records of this thread lost (ring full) just before this one.
    pub lost_before: u32,
    /// What happened.
    pub kind: EventKind,
}

const REC_LEN: usize = 80;
/// Where the argument registers (`a[]`) start: an entry record that
/// copied no memory ends after its call's own arguments.
const ARGS_AT: usize = 32;
/// An exit record's header: `struct rec` up to its result (`a[0]`), the
/// C file's EXIT_REC_LEN; its blobs follow.
const EXIT_REC_LEN: usize = 40;
const NR_I386: u32 = 0x4000_0000;
const BLOB_LEN: usize = 16;

const EV_ENTER: u32 = 1;
const EV_EXIT: u32 = 2;
const EV_START: u32 = 3;
const EV_NEW_PROC: u32 = 4;
const EV_NEW_THREAD: u32 = 5;
const EV_EXEC: u32 = 6;
const EV_THREAD_EXIT: u32 = 7;
const EV_PROC_EXIT: u32 = 8;
const EV_SIGNAL: u32 = 9;

#[inline]
fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(b[off..off + 4].try_into().unwrap())
}
#[inline]
fn u64_at(b: &[u8], off: usize) -> u64 {
    u64::from_le_bytes(b[off..off + 8].try_into().unwrap())
}

const BLOB_LATE: u32 = 2;

/// The blobs of one record, read where they lie in the record (nothing
/// copied): those of this half of the call, or the entry's copied late.
/// The default is no blob at all.
#[derive(Clone, Copy, Debug, Default)]
pub struct Blobs<'a> {
    /// The record's blob area (validated by [`Record::new`]).
    area: &'a [u8],
    late: bool,
}

impl<'a> Blobs<'a> {
    /// Each blob of this set: (address, bytes).
    pub fn iter(&self) -> impl Iterator<Item = (u64, &'a [u8])> + 'a {
        let (area, late) = (self.area, self.late);
        let mut at = 0;
        std::iter::from_fn(move || loop {
            if at + BLOB_LEN > area.len() {
                return None;
            }
            let addr = u64_at(area, at);
            let len = u32_at(area, at + 8) as usize;
            let flags = u32_at(area, at + 12);
            let data = &area[at + BLOB_LEN..at + BLOB_LEN + len];
            at += BLOB_LEN + len.div_ceil(8) * 8;
            if (flags & BLOB_LATE != 0) == late {
                return Some((addr, data));
            }
        })
    }

    /// Whether nothing was captured.
    pub fn is_empty(&self) -> bool {
        self.area.is_empty() || self.iter().next().is_none()
    }

    /// The captured bytes from `addr` on, from the blob that runs furthest
    /// from it (the first of equals); `None` when `addr` was not captured.
    #[inline]
    pub fn tail(&self, addr: u64) -> Option<&'a [u8]> {
        let mut best: Option<&'a [u8]> = None;
        for (start, bytes) in self.iter() {
            if addr >= start && addr - start < bytes.len() as u64 {
                let tail = &bytes[(addr - start) as usize..];
                if best.is_none_or(|b| tail.len() > b.len()) {
                    best = Some(tail);
                }
            }
        }
        best
    }

    /// As [`Snapshot::read`], from the record itself.
    pub fn read(&self, addr: u64, buf: &mut [u8]) -> usize {
        let Some(tail) = self.tail(addr) else { return 0 };
        let n = tail.len().min(buf.len());
        buf[..n].copy_from_slice(&tail[..n]);
        n
    }

    /// An owned copy, to keep past the record (no allocation when empty).
    pub fn to_snapshot(&self) -> Snapshot {
        if self.area.is_empty() {
            return Snapshot::default();
        }
        Snapshot { blobs: self.iter().map(|(a, d)| (a, d.to_vec())).collect() }
    }
}

/// A copy of a record's [`Blobs`] kept past the record, in a buffer that
/// is reused: keeping the next one allocates only when it is larger than
/// any kept before (an entry's memory kept until its exit).
#[derive(Clone, Debug, Default)]
pub struct HeldBlobs {
    area: Vec<u8>,
    late: bool,
}

impl HeldBlobs {
    /// Replaces what is held with a copy of `b`.
    #[inline]
    pub fn keep(&mut self, b: &Blobs<'_>) {
        self.area.clear();
        self.area.extend_from_slice(b.area);
        self.late = b.late;
    }

    /// Holds nothing (keeps the buffer).
    pub fn clear(&mut self) {
        self.area.clear();
    }

    /// What is held, to read.
    #[inline]
    pub fn blobs(&self) -> Blobs<'_> {
        Blobs { area: &self.area, late: self.late }
    }
}

/// What a record says happened, read in place: [`EventKind`] with its
/// memory left in the record ([`Blobs`]).
#[derive(Clone, Copy, Debug)]
pub enum Kind<'a> {
    /// [`EventKind::Enter`].
    Enter {
        /// The syscall number (in the i386 table when `i386`).
        nr: u32,
        /// An i386 call.
        i386: bool,
        /// The argument registers.
        args: [u64; 6],
        /// The in-arguments' memory.
        mem: Blobs<'a>,
    },
    /// [`EventKind::Exit`].
    Exit {
        /// The syscall number.
        nr: u32,
        /// An i386 call.
        i386: bool,
        /// The raw return value.
        ret: i64,
        /// The out-arguments' memory.
        mem: Blobs<'a>,
        /// In-arguments copied now because they could not be at entry.
        late: Blobs<'a>,
    },
    /// [`EventKind::Start`].
    Start,
    /// [`EventKind::NewProcess`].
    NewProcess {
        /// The process that forked it.
        parent: i32,
    },
    /// [`EventKind::NewThread`].
    NewThread,
    /// [`EventKind::Exec`].
    Exec {
        /// The thread that called execve.
        old_tid: i32,
    },
    /// [`EventKind::ThreadExit`].
    ThreadExit,
    /// [`EventKind::ProcessExit`].
    ProcessExit {
        /// The wait status.
        status: i32,
        /// It never reached its exec.
        before_exec: bool,
    },
    /// [`EventKind::Signal`].
    Signal {
        /// Its number.
        sig: i32,
        /// The first 48 bytes of its siginfo.
        siginfo: &'a [u8; 48],
    },
}

/// One ring-buffer record, validated and read in place: each field is
/// decoded when asked for, and memory is never copied ([`Blobs`]).
#[derive(Clone, Copy, Debug)]
pub struct Record<'a> {
    b: &'a [u8],
}

impl<'a> Record<'a> {
    /// The record in `b` (its `size` field bounds it), if it is well formed.
    pub fn new(b: &'a [u8]) -> Option<Record<'a>> {
        if b.len() < ARGS_AT {
            return None;
        }
        let size = (u32_at(b, 24) as usize).min(b.len());
        let b = &b[..size];
        let kind = u32_at(b, 8);
        // An entry that copied nothing may leave out the registers past
        // its call's arguments (down to none: ARGS_AT bytes).
        let min = match kind {
            EV_EXIT => EXIT_REC_LEN,
            EV_ENTER => ARGS_AT,
            _ => REC_LEN,
        };
        if !(EV_ENTER..=EV_SIGNAL).contains(&kind) || b.len() < min {
            return None;
        }
        let blobs_at = match kind {
            EV_ENTER => REC_LEN,
            EV_EXIT => EXIT_REC_LEN,
            _ => return Some(Record { b }),
        };
        // Every blob inside the record (a partial trailing header is
        // ignored, as the kernel's padding).
        let mut at = blobs_at;
        while at + BLOB_LEN <= b.len() {
            let len = u32_at(b, at + 8) as usize;
            b.get(at + BLOB_LEN..(at + BLOB_LEN).checked_add(len)?)?;
            at += BLOB_LEN + len.div_ceil(8) * 8;
        }
        Some(Record { b })
    }

    /// The record's bytes (its `size`).
    #[inline]
    pub fn bytes(&self) -> &'a [u8] {
        self.b
    }

    /// CLOCK_MONOTONIC, nanoseconds.
    #[inline]
    pub fn ts(&self) -> u64 {
        u64_at(self.b, 0)
    }

    /// The process (thread group) it happened in.
    #[inline]
    pub fn pid(&self) -> i32 {
        u32_at(self.b, 12) as i32
    }

    /// The thread.
    #[inline]
    pub fn tid(&self) -> i32 {
        u32_at(self.b, 16) as i32
    }

    /// Records of this thread lost (ring full) just before this one.
    #[inline]
    pub fn lost_before(&self) -> u32 {
        u32_at(self.b, 20)
    }

    /// A new process's record (cheaper than [`Record::kind`]).
    #[inline]
    pub fn is_new_process(&self) -> bool {
        u32_at(self.b, 8) == EV_NEW_PROC
    }

    /// A process's end record.
    #[inline]
    pub fn is_process_exit(&self) -> bool {
        u32_at(self.b, 8) == EV_PROC_EXIT
    }

    /// What happened.
    #[inline]
    pub fn kind(&self) -> Kind<'a> {
        let b = self.b;
        let raw_nr = u32_at(b, 28);
        // truss.bpf.c's NR_I386: a syscall record of an i386 call.
        let i386 = raw_nr & NR_I386 != 0;
        let nr = raw_nr & !NR_I386;
        let blobs = |at: usize, late| Blobs { area: b.get(at..).unwrap_or(&[]), late };
        match u32_at(b, 8) {
            EV_ENTER => {
                // (Registers a short record left out read as 0.)
                let mut args = [0u64; 6];
                for (v, w) in args.iter_mut().zip(b[ARGS_AT..b.len().min(REC_LEN)].chunks_exact(8)) {
                    *v = u64::from_le_bytes(w.try_into().expect("8 bytes"));
                }
                Kind::Enter { nr, i386, args, mem: blobs(REC_LEN, false) }
            }
            EV_EXIT => Kind::Exit {
                nr,
                i386,
                ret: u64_at(b, 32) as i64,
                mem: blobs(EXIT_REC_LEN, false),
                late: blobs(EXIT_REC_LEN, true),
            },
            EV_START => Kind::Start,
            EV_NEW_PROC => Kind::NewProcess { parent: raw_nr as i32 },
            EV_NEW_THREAD => Kind::NewThread,
            EV_EXEC => Kind::Exec { old_tid: raw_nr as i32 },
            EV_THREAD_EXIT => Kind::ThreadExit,
            EV_PROC_EXIT => Kind::ProcessExit { status: raw_nr as i32, before_exec: u64_at(b, 32) != 0 },
            // (new() let only these kinds through)
            _ => Kind::Signal { sig: raw_nr as i32, siginfo: b[32..80].try_into().expect("48 bytes") },
        }
    }

    /// An owned [`Event`] of this record.
    pub fn to_event(&self) -> Event {
        let kind = match self.kind() {
            Kind::Enter { nr, i386, args, mem } => EventKind::Enter { nr, i386, args, mem: mem.to_snapshot() },
            Kind::Exit { nr, i386, ret, mem, late } => {
                EventKind::Exit { nr, i386, ret, mem: mem.to_snapshot(), late: late.to_snapshot() }
            }
            Kind::Start => EventKind::Start,
            Kind::NewProcess { parent } => EventKind::NewProcess { parent },
            Kind::NewThread => EventKind::NewThread,
            Kind::Exec { old_tid } => EventKind::Exec { old_tid },
            Kind::ThreadExit => EventKind::ThreadExit,
            Kind::ProcessExit { status, before_exec } => EventKind::ProcessExit { status, before_exec },
            Kind::Signal { sig, siginfo } => EventKind::Signal { sig, siginfo: *siginfo },
        };
        Event { ts: self.ts(), pid: self.pid(), tid: self.tid(), lost_before: self.lost_before(), kind }
    }
}

/// Parses one ring-buffer record.
pub fn parse(b: &[u8]) -> Option<Event> {
    Record::new(b).map(|r| r.to_event())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_reads_the_longest_piece_and_nothing_else() {
        let s = Snapshot::from_blobs(vec![(100, b"abc".to_vec()), (101, b"BCDEF".to_vec())]);
        let mut buf = [0u8; 8];
        assert_eq!(s.read(101, &mut buf), 5);
        assert_eq!(&buf[..5], b"BCDEF");
        assert_eq!(s.read(100, &mut buf), 3);
        assert_eq!(s.read(99, &mut buf), 0);
        assert_eq!(s.read(106, &mut buf), 0);
    }

    #[test]
    fn an_entry_record_with_a_string_blob_parses() {
        let mut b = vec![0u8; REC_LEN];
        b[0..8].copy_from_slice(&7u64.to_le_bytes());
        b[8..12].copy_from_slice(&EV_ENTER.to_le_bytes());
        b[12..16].copy_from_slice(&10u32.to_le_bytes());
        b[16..20].copy_from_slice(&11u32.to_le_bytes());
        b[28..32].copy_from_slice(&257u32.to_le_bytes());
        b[40..48].copy_from_slice(&0x1000u64.to_le_bytes());
        b.extend_from_slice(&0x1000u64.to_le_bytes());
        b.extend_from_slice(&4u32.to_le_bytes());
        b.extend_from_slice(&1u32.to_le_bytes());
        b.extend_from_slice(b"/x\0\0\0\0\0\0");
        let size = b.len() as u32;
        b[24..28].copy_from_slice(&size.to_le_bytes());
        let e = parse(&b).unwrap();
        assert_eq!((e.ts, e.pid, e.tid), (7, 10, 11));
        let EventKind::Enter { nr, args, mem, .. } = e.kind else { panic!() };
        assert_eq!((nr, args[1]), (257, 0x1000));
        let mut buf = [0u8; 16];
        assert_eq!(mem.read(0x1000, &mut buf), 4);
        assert_eq!(&buf[..4], b"/x\0\0");
    }

    #[test]
    fn an_exit_record_is_its_40_byte_header_then_its_blobs() {
        let mut b = vec![0u8; EXIT_REC_LEN];
        b[0..8].copy_from_slice(&9u64.to_le_bytes());
        b[8..12].copy_from_slice(&EV_EXIT.to_le_bytes());
        b[12..16].copy_from_slice(&10u32.to_le_bytes());
        b[16..20].copy_from_slice(&12u32.to_le_bytes());
        b[28..32].copy_from_slice(&0u32.to_le_bytes());
        b[32..40].copy_from_slice(&5i64.to_le_bytes());
        b.extend_from_slice(&0x2000u64.to_le_bytes());
        b.extend_from_slice(&5u32.to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(b"hello\0\0\0");
        let size = b.len() as u32;
        b[24..28].copy_from_slice(&size.to_le_bytes());
        let e = parse(&b).unwrap();
        assert_eq!((e.ts, e.pid, e.tid), (9, 10, 12));
        let EventKind::Exit { nr, ret, mem, late, .. } = e.kind else { panic!() };
        assert_eq!((nr, ret), (0, 5));
        assert!(late.is_empty());
        let mut buf = [0u8; 8];
        assert_eq!(mem.read(0x2000, &mut buf), 5);
        assert_eq!(&buf[..5], b"hello");
        // Only an exit (or an entry without blobs) may be that short.
        b[8..12].copy_from_slice(&EV_SIGNAL.to_le_bytes());
        assert_eq!(parse(&b[..EXIT_REC_LEN]), None);
    }

    #[test]
    fn a_short_entry_record_reads_its_missing_registers_as_0() {
        let mut b = vec![0u8; ARGS_AT + 16];
        b[8..12].copy_from_slice(&EV_ENTER.to_le_bytes());
        b[24..28].copy_from_slice(&(ARGS_AT as u32 + 16).to_le_bytes());
        b[28..32].copy_from_slice(&3u32.to_le_bytes());
        b[32..40].copy_from_slice(&5u64.to_le_bytes());
        b[40..48].copy_from_slice(&6u64.to_le_bytes());
        let e = parse(&b).unwrap();
        let EventKind::Enter { nr, args, mem, .. } = e.kind else { panic!() };
        assert_eq!((nr, args), (3, [5, 6, 0, 0, 0, 0]));
        assert!(mem.is_empty());
        // Shorter than the header is not a record.
        b[24..28].copy_from_slice(&28u32.to_le_bytes());
        assert_eq!(parse(&b), None);
    }
}
