//! Decoding for `bsdtrace truss`: from raw syscall numbers, arguments,
//! return values and siginfo to FreeBSD truss(1)'s text, and to JSON.
//!
//! This module never stops, resumes or waits for a tracee. The tracing
//! engine hands it numbers and a [`Memory`] to read the tracee's memory
//! through; everything here is a pure function of those, so it is tested
//! with a fake memory and golden strings.
//!
//! A syscall is decoded in two halves, because its arguments are of two
//! kinds (see [`bsdtrace::sysent::Arg`]):
//!
//! * at syscall entry, [`decode_entry`] prints the *in*-arguments (paths,
//!   write buffers, flags...) while the memory they point at still holds what
//!   the tracee passed, and returns an [`EntryState`] to keep until exit;
//! * at syscall exit, [`EntryState::finish`] prints the *out*-arguments
//!   (stat buffers, read data, pipe fds...) from what the kernel wrote, and
//!   returns a [`Completed`] call whose [`Completed::line`] is truss's line:
//!
//! ```text
//! openat(AT_FDCWD,"/etc/passwd",O_RDONLY|O_CLOEXEC,00) = 3 (0x3)
//! close(3)                                  = 0 (0x0)   (tabs to column 48)
//! ```
//!
//! A call that never returns (exit, exit_group, or a thread killed in the
//! call) is shown with [`EntryState::unfinished`].
//!
//! [`decode_entry`] takes x86-64 calls. An i386 call (a 32-bit program's,
//! or a 64-bit program's `int $0x80`: `PTRACE_GET_SYSCALL_INFO`'s `arch`
//! `AUDIT_ARCH_I386`) goes to [`decode_entry_i386`]: its name and
//! arguments from the i386 table, memory read in the i386 layouts
//! ([`print::arg32`]), a 64-bit offset split over two registers shown as
//! one argument (as strace does), none of the per-call special decoders
//! (those read x86-64 structures).
//!
//! Where Linux makes FreeBSD truss's output impossible or misleading, the
//! closest form is used:
//! * names and numbers are Linux's, and an unknown number is announced as
//!   `-- UNKNOWN Linux SYSCALL n --` and printed as `syscall_n(hex,...)`;
//! * strings are C-escaped (`\n`, `\"`, `\xNN`); FreeBSD uses vis(3) for
//!   buffers and prints paths raw. The `-s` limit counts escaped columns,
//!   as FreeBSD's does;
//! * out-buffers of readv/recvmsg show only the bytes the call returned;
//! * a sigaction shows its mask (`{ SIG_DFL SA_RESTART { SIGINT } }`)
//!   where FreeBSD prints the literal `ss_t`; rlimits show `RLIM_INFINITY`;
//! * `AF_UNIX` addresses are decoded at any length (Linux's are usually
//!   shorter than a `struct sockaddr`), abstract ones as `@"name"`;
//! * the `-c` table is sorted by syscall name.

pub mod consts;
pub mod filter;
pub mod json;
pub mod num;
pub mod print;
pub mod signal;
pub mod special;
pub mod special32;
pub mod summary;
pub mod tables;

use std::borrow::Cow;
use std::fmt::Write as _;
use std::time::Duration;

use bsdtrace::sysent::{self, Arch, Arg, Ret, Syscall, SyscallSet};
pub use bsdtrace::Errno;

mod i386;
pub use i386::*;

/// Read access to the tracee's memory.
pub trait Memory {
    /// Copies up to `buf.len()` bytes from `addr` into `buf` and returns how
    /// many bytes were copied before the first unreadable one. Fails only
    /// when not even the first byte could be read.
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<usize, Errno>;

    /// Reads a NUL-terminated string of at most `max` bytes (NUL excluded).
    ///
    /// The default reads page by page through [`Memory::read`] so a string
    /// that ends just before an unmapped page is still read whole.
    fn read_cstr(&self, addr: u64, max: usize) -> Result<TracedStr, Errno> {
        cstr_by_pages(addr, max, |at, want| {
            let mut chunk = vec![0; want];
            let n = self.read(at, &mut chunk)?;
            chunk.truncate(n);
            Ok(Cow::Owned(chunk))
        })
    }
}

/// The page walk of [`Memory::read_cstr`], for any source of bytes:
/// `chunk(at, want)` gives up to `want` bytes at `at` (fewer where the
/// readable memory ends) and fails only when nothing there can be read,
/// which is the read's error for the first chunk and the string's end for
/// a later one.
pub(crate) fn cstr_by_pages<'m>(
    addr: u64,
    max: usize,
    mut chunk: impl FnMut(u64, usize) -> Result<Cow<'m, [u8]>, Errno>,
) -> Result<TracedStr, Errno> {
    const PAGE: u64 = 4096;
    let mut bytes = Vec::new();
    let mut at = addr;
    while bytes.len() <= max {
        // One past max, so a string of exactly max bytes is seen to end.
        let want = ((max + 1 - bytes.len()) as u64).min(PAGE - at % PAGE) as usize;
        let got = match chunk(at, want) {
            Ok(c) => c,
            Err(e) if bytes.is_empty() => return Err(e),
            Err(_) => Cow::Borrowed(&[][..]),
        };
        if let Some(end) = got.iter().position(|&c| c == 0) {
            if bytes.len() + end <= max {
                bytes.extend_from_slice(&got[..end]);
                return Ok(TracedStr {
                    bytes,
                    complete: true,
                });
            }
        }
        bytes.extend_from_slice(&got);
        if got.len() < want {
            break;
        }
        at += got.len() as u64;
    }
    bytes.truncate(max);
    Ok(TracedStr {
        bytes,
        complete: false,
    })
}

/// A process's memory read with `process_vm_readv` (the library's
/// `sys::vm_read`): what a truss driver that has the tracee stopped needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProcessMemory {
    /// The process (any thread id of it works).
    pub pid: i32,
}

impl Memory for ProcessMemory {
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        if buf.is_empty() {
            return Ok(0);
        }
        match bsdtrace::sys::vm_read(self.pid, addr, buf)? {
            0 => Err(Errno::EFAULT),
            n => Ok(n),
        }
    }
}

/// A string read from the tracee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TracedStr {
    /// The bytes before the NUL, or the first `max` bytes.
    pub bytes: Vec<u8>,
    /// Whether the NUL was found within the limit.
    pub complete: bool,
}

/// How much to show (truss's `-s`, `-a`, `-e`; strace's `-x`, `-X`, `-v`,
/// `-e raw=`, `-e verbose=`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Most bytes of a buffer or argv string shown before `...` (`-s`,
    /// default 32), counted in bytes of data as strace counts them. Paths
    /// are shown whole, as FreeBSD truss does.
    pub strsize: usize,
    /// Show execve's argument strings (`-a`).
    pub show_argv: bool,
    /// Show execve's environment strings (`-e`).
    pub show_env: bool,
    /// `-x`/`-xx`: strings in hex.
    pub hex: HexStrings,
    /// `-X`: how constants are printed.
    pub consts: ConstStyle,
    /// `-v`/`-e verbose=`: calls whose structures are printed whole.
    pub verbose: SyscallSet,
    /// `-e raw=`: calls whose arguments are printed as raw numbers.
    pub raw: SyscallSet,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            strsize: 32,
            show_argv: false,
            show_env: false,
            hex: HexStrings::None,
            consts: ConstStyle::Abbrev,
            verbose: SyscallSet::empty(),
            raw: SyscallSet::empty(),
        }
    }
}

/// strace's `-x` (non-ASCII bytes in hex) and `-xx` (every byte).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HexStrings {
    None,
    NonAscii,
    All,
}

/// strace's `-X`: `O_RDONLY|O_CLOEXEC` (abbrev), `0x80000` (raw), or
/// `0x80000 /* O_RDONLY|O_CLOEXEC */` (verbose).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConstStyle {
    Abbrev,
    Raw,
    Verbose,
}

/// How a syscall ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It returned this value.
    Value(i64),
    /// It failed with this errno (positive).
    Error(i32),
}

impl Outcome {
    /// From the raw return register (`rax`): -4095..=-1 is an error, as in
    /// the kernel's `IS_ERR_VALUE`.
    pub fn from_raw(rax: u64) -> Outcome {
        let v = rax as i64;
        if (-4095..=-1).contains(&v) {
            Outcome::Error(-v as i32)
        } else {
            Outcome::Value(v)
        }
    }

    /// From `PTRACE_GET_SYSCALL_INFO`'s exit fields.
    pub fn from_syscall_info(is_error: bool, rval: i64) -> Outcome {
        if is_error {
            Outcome::Error(-rval as i32)
        } else {
            Outcome::Value(rval)
        }
    }

    /// Whether the call failed.
    pub fn is_error(&self) -> bool {
        matches!(self, Outcome::Error(_))
    }

    /// FreeBSD truss's return part: ` = 3 (0x3)` or
    /// ` ERR#2 'No such file or directory'`.
    pub fn render(&self) -> String {
        let mut s = String::new();
        self.render_into(&mut s);
        s
    }

    /// [`Outcome::render`] appended to `s`.
    pub fn render_into(&self, s: &mut String) {
        match *self {
            Outcome::Value(v) => num::push_value(s, v),
            Outcome::Error(e) => {
                s.push_str(" ERR#");
                num::push_i64(s, e.into());
                s.push_str(" '");
                s.push_str(&consts::errno_text(e));
                s.push('\'');
            }
        }
    }
}

/// The return part of a call that returned `v`: ` = 3 (0x3)`, with `-X
/// raw` ` = 0x3`; then a decoded result, ` (flags O_RDONLY)`.
pub fn render_value(s: &mut String, c: &Completed, v: i64, opts: &Options) {
    render_value_note(s, v, c.note.as_deref(), opts);
}

/// [`render_value`] of a call whose decoded result is `note`.
pub fn render_value_note(s: &mut String, v: i64, note: Option<&str>, opts: &Options) {
    match opts.consts {
        ConstStyle::Raw => {
            s.push_str(" = ");
            num::push_hex(s, v as u64);
        }
        _ => Outcome::Value(v).render_into(s),
    }
    if let Some(n) = note {
        s.push_str(" (");
        s.push_str(n);
        s.push(')');
    }
}

/// The return part of a failed call: FreeBSD's ` ERR#2 'No such file or
/// directory'`; with `-X verbose` the errno's name too, as strace users
/// read it: ` ERR#2 ENOENT 'No such file or directory'`.
pub fn render_error(s: &mut String, o: Outcome, opts: &Options) {
    match (o, opts.consts) {
        (Outcome::Error(e), ConstStyle::Verbose) => {
            s.push_str(" ERR#");
            num::push_i64(s, e.into());
            if let Some(n) = consts::errno_name(e) {
                s.push(' ');
                s.push_str(n);
            }
            s.push_str(" '");
            s.push_str(&consts::errno_text(e));
            s.push('\'');
        }
        _ => o.render_into(s),
    }
}

/// What is kept of a syscall between its entry and its exit.
#[derive(Clone, Debug)]
pub struct EntryState {
    number: u32,
    syscall: Option<&'static Syscall>,
    args: [u64; 6],
    /// The in-arguments' text; `None` for out-arguments, printed at exit.
    text: Vec<Option<String>>,
    /// Value-result inputs read at entry ([`special::capture`]).
    captured: special::Captured,
    /// `-e raw=`: every argument in hex, nothing decoded.
    raw: bool,
    /// The call's ABI; for i386, the argument kinds after the merge of
    /// split offsets, and the x86-64 call of the same name.
    i386: Option<I386Call>,
}

#[derive(Clone, Debug)]
struct I386Call {
    kinds: Vec<Arg>,
    key: u32,
    /// Decoded by the per-call decoders ([`special32::shares`]).
    special: bool,
    /// A socketcall or ipc shown as its sub-call.
    sub: Option<Sub>,
}

/// [`sysent::by_number`] through an index by number (built once), not a
/// binary search of the table: the decoder looks a row up for every call.
fn row(number: u32) -> Option<&'static Syscall> {
    static INDEX: std::sync::OnceLock<Vec<u16>> = std::sync::OnceLock::new();
    let index = INDEX.get_or_init(|| {
        let len = sysent::TABLE.iter().map(|s| s.number as usize + 1).max().unwrap_or(0);
        let mut v = vec![u16::MAX; len];
        for (i, s) in sysent::TABLE.iter().enumerate() {
            v[s.number as usize] = i as u16;
        }
        v
    });
    match index.get(number as usize) {
        Some(&i) if i != u16::MAX => Some(&sysent::TABLE[usize::from(i)]),
        _ => None,
    }
}

/// Decodes a syscall at entry: prints its in-arguments now, while the
/// tracee's memory still holds them.
///
/// rt_sigreturn takes no argument; a driver that wants its restored mask
/// shown passes the stack pointer as `args[0]`.
pub fn decode_entry(opts: &Options, number: u32, args: [u64; 6], mem: &dyn Memory) -> EntryState {
    let syscall = row(number);
    let ctx = print::Ctx {
        opts,
        mem,
        number,
        args,
        outcome: None,
        i386: None,
    };
    let raw = opts.raw.contains(number);
    let mut captured = special::Captured::default();
    let text = match syscall {
        Some(sc) if raw => args[..sc.args.len()].iter().map(|&a| Some(print::hex(a))).collect(),
        Some(_) if special::is_special(number) => {
            captured = special::capture(&ctx);
            special::entry(&ctx).unwrap_or_default()
        }
        Some(sc) => sc
            .args
            .iter()
            .enumerate()
            .map(|(i, &kind)| (!print::is_out(kind)).then(|| print::arg(kind, i, &ctx)))
            .collect(),
        None => args.iter().map(|&a| Some(print::hex(a))).collect(),
    };
    EntryState {
        number,
        syscall,
        args,
        text,
        captured,
        raw,
        i386: None,
    }
}

/// A whole x86-64 call decoded and printed at once, for a driver that
/// has its entry's and its exit's memory together (the BPF records):
/// `name(arg,...)` appended to `s`, the in-arguments read from `entry` as
/// [`decode_entry`] reads them, the out-arguments from `exit` as
/// [`EntryState::finish`] does, the same text, with no String kept per
/// argument. Only for a known call that no per-call decoder treats and
/// that `-e raw=` leaves alone; for any other, `None` and nothing written
/// (decode it with [`decode_entry`]). Returns the call's row.
pub fn call_into(
    s: &mut String,
    opts: &Options,
    number: u32,
    args: [u64; 6],
    entry: &dyn Memory,
    outcome: Outcome,
    exit: &dyn Memory,
) -> Option<&'static Syscall> {
    let sc = row(number)?;
    if special::is_special(number) || opts.raw.contains(number) {
        return None;
    }
    let at_entry = print::Ctx { opts, mem: entry, number, args, outcome: None, i386: None };
    let at_exit = print::Ctx { opts, mem: exit, number, args, outcome: Some(outcome), i386: None };
    s.push_str(sc.name);
    s.push('(');
    for (i, &kind) in sc.args.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        print::arg_into(s, kind, i, if print::is_out(kind) { &at_exit } else { &at_entry });
    }
    s.push(')');
    Some(sc)
}

/// Whether [`call_into`] takes x86-64 call `number` with the same text
/// from the exit stop alone as [`decode_entry`] at its entry then
/// [`EntryState::finish`] print: a known call that no per-call decoder
/// treats and `-e raw=` leaves alone, whose in-arguments are all printed
/// from their registers (no tracee memory read at entry, which the kernel
/// or another thread could change before the exit). The ptrace driver
/// decodes such a call once, at its exit, straight into the line.
pub fn decodes_at_exit(opts: &Options, number: u32) -> bool {
    static FROM_REGISTERS: std::sync::OnceLock<Vec<bool>> = std::sync::OnceLock::new();
    let table = FROM_REGISTERS.get_or_init(|| {
        let len = sysent::TABLE.iter().map(|s| s.number as usize + 1).max().unwrap_or(0);
        let mut v = vec![false; len];
        for s in sysent::TABLE {
            v[s.number as usize] = !special::is_special(s.number)
                && s.args.iter().all(|&k| print::is_out(k) || print::from_registers(k));
        }
        v
    });
    table.get(number as usize).copied().unwrap_or(false) && !opts.raw.contains(number)
}

impl EntryState {
    /// The syscall number.
    pub fn number(&self) -> u32 {
        self.number
    }

    /// The table row, or `None` for a number x86-64 Linux does not assign.
    pub fn syscall(&self) -> Option<&'static Syscall> {
        self.syscall
    }

    /// The name (`syscall_600` for an unknown number).
    pub fn name(&self) -> Cow<'static, str> {
        match self.syscall {
            Some(sc) => Cow::Borrowed(sc.name),
            None => Cow::Owned(format!("syscall_{}", self.number)),
        }
    }

    /// The six raw argument registers.
    pub fn args(&self) -> [u64; 6] {
        self.args
    }

    /// FreeBSD truss's `-- UNKNOWN Linux SYSCALL 600 --` for a number the
    /// table lacks; `None` for a known call.
    pub fn unknown_banner(&self) -> Option<String> {
        self.syscall
            .is_none()
            .then(|| format!("-- UNKNOWN Linux SYSCALL {} --", self.number))
    }

    /// Completes the call at syscall exit: prints its out-arguments if it
    /// succeeded (their addresses if it failed).
    pub fn finish(self, opts: &Options, outcome: Outcome, mem: &dyn Memory) -> Completed {
        self.complete(opts, Some(outcome), mem)
    }

    /// The call as it stands when it will never return (exit, exit_group,
    /// a thread that died in the call): out-arguments as addresses, no
    /// return part.
    pub fn unfinished(self) -> Completed {
        struct NoMemory;
        impl Memory for NoMemory {
            fn read(&self, _: u64, _: &mut [u8]) -> Result<usize, Errno> {
                Err(Errno::EFAULT)
            }
        }
        self.complete(&Options::default(), None, &NoMemory)
    }

    fn complete(self, opts: &Options, outcome: Option<Outcome>, mem: &dyn Memory) -> Completed {
        let ctx = print::Ctx {
            opts,
            mem,
            number: self.i386.as_ref().map_or(self.number, |c| c.key),
            args: self.args,
            outcome,
            i386: self.i386.as_ref().and(self.syscall).map(|s| s.name),
        };
        let printer = if self.i386.is_some() { print::arg32 } else { print::arg };
        let kinds: &[Arg] = match (&self.i386, self.syscall) {
            (Some(c), _) if !self.raw => &c.kinds,
            (_, sc) => sc.map_or(&[], |s| s.args),
        };
        let special = !self.raw
            && match &self.i386 {
                None => special::is_special(self.number),
                Some(c) => c.special,
            };
        let captured = self.captured;
        let args_text = self
            .text
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                t.unwrap_or_else(|| {
                    let s = if special { special::exit_arg(&ctx, i, &captured) } else { None };
                    s.unwrap_or_else(|| match kinds.get(i) {
                        Some(&k) => printer(k, i, &ctx),
                        None => print::hex(ctx.args[i.min(5)]),
                    })
                })
            })
            .collect();
        let note = match (outcome, self.i386.as_ref().and_then(|c| c.sub)) {
            // ipc's shmat returns 0 and stores the address it attached at.
            (Some(Outcome::Value(0)), Some(Sub::Shmat { raddr })) => {
                print::read_exact(mem, raddr, 4).map(|b| format!("shmaddr {}", print::hex(u64::from(print::u32_at(&b, 0)))))
            }
            (Some(Outcome::Value(v)), _) if special => special::annotate(&ctx, v),
            _ => None,
        };
        Completed {
            note,
            number: self.number,
            name: match self.syscall {
                Some(sc) => Cow::Borrowed(sc.name),
                None => Cow::Owned(format!("syscall_{}", self.number)),
            },
            ret: self.syscall.map_or(Ret::Int, |s| s.ret),
            args: self.args,
            args_text,
            outcome,
        }
    }
}

/// A decoded syscall, ready to print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completed {
    /// The syscall number.
    pub number: u32,
    /// Its name.
    pub name: Cow<'static, str>,
    /// What it returns.
    pub ret: Ret,
    /// The raw argument registers.
    pub args: [u64; 6],
    /// Each argument's text, `nargs` of them.
    pub args_text: Vec<String>,
    /// How it ended; `None` if it never returned.
    pub outcome: Option<Outcome>,
    /// A decoded result (fcntl's flags, poll's revents), shown after it.
    pub note: Option<String>,
}

impl Completed {
    /// `name(arg,arg,...)`.
    pub fn call(&self) -> String {
        let mut s = String::new();
        self.call_into(&mut s);
        s
    }

    /// [`Completed::call`] appended to `s`.
    pub fn call_into(&self, s: &mut String) {
        s.push_str(&self.name);
        s.push('(');
        for (i, a) in self.args_text.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push_str(a);
        }
        s.push(')');
    }

    /// The whole truss line without its newline: the call, tabs to about
    /// column 48, then the return part. `prefix_len` is the width of what
    /// [`line_prefix`] printed before it, which FreeBSD counts in the padding.
    pub fn line(&self, prefix_len: usize) -> String {
        let mut s = String::new();
        self.push_line(&mut s, prefix_len);
        s
    }

    /// [`Completed::line`] appended to `s`, which holds the line's prefix.
    pub fn line_into(&self, s: &mut String) {
        self.push_line(s, 0);
    }

    /// Appends the call and its return part; `before` columns of the line
    /// precede `s`.
    fn push_line(&self, s: &mut String, before: usize) {
        self.call_into(s);
        if let Some(outcome) = self.outcome {
            s.push_str(padding(before + s.len()));
            outcome.render_into(s);
            if let Some(n) = &self.note {
                s.push_str(" (");
                s.push_str(n);
                s.push(')');
            }
        }
    }
}

/// FreeBSD truss's `6 - len/8` tabs after a call of `len` columns.
pub fn padding(len: usize) -> &'static str {
    const TABS: &str = "\t\t\t\t\t\t";
    &TABS[..6usize.saturating_sub(len / 8)]
}

/// FreeBSD truss's line prefix: `%5d` pid (with `-f`), a space if both,
/// `%6d` tid (with `-H`), `": "` if either, then `sec.nsec ` since the
/// start (`-d`) and `sec.nsec ` spent in the call (`-D`).
pub fn line_prefix(
    pid: Option<i32>,
    tid: Option<i32>,
    since_start: Option<Duration>,
    in_call: Option<Duration>,
) -> String {
    let mut s = String::new();
    line_prefix_into(&mut s, pid, tid, since_start, in_call);
    s
}

/// [`line_prefix`] appended to `s`.
pub fn line_prefix_into(
    s: &mut String,
    pid: Option<i32>,
    tid: Option<i32>,
    since_start: Option<Duration>,
    in_call: Option<Duration>,
) {
    let start = s.len();
    if let Some(pid) = pid {
        num::push_i64_width(s, pid.into(), 5);
    }
    if pid.is_some() && tid.is_some() {
        s.push(' ');
    }
    if let Some(tid) = tid {
        num::push_i64_width(s, tid.into(), 6);
    }
    if s.len() > start {
        s.push_str(": ");
    }
    for d in [since_start, in_call].into_iter().flatten() {
        let _ = write!(s, "{}.{:09} ", d.as_secs(), d.subsec_nanos());
    }
}

/// `process exit, rval = 0`.
pub fn exit_line(status: i32) -> String {
    format!("process exit, rval = {status}")
}

/// `process killed, signal = 11 (core dumped)`.
pub fn killed_line(sig: u32, core_dumped: bool) -> String {
    format!(
        "process killed, signal = {sig}{}",
        if core_dumped { " (core dumped)" } else { "" }
    )
}

/// `<new process>`.
pub fn new_process_line() -> &'static str {
    "<new process>"
}

/// `<new thread 100123>`.
pub fn new_thread_line(tid: i32) -> String {
    format!("<new thread {tid}>")
}

/// `<thread 100123 exited>`.
pub fn thread_exited_line(tid: i32) -> String {
    format!("<thread {tid} exited>")
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod live_tests;
