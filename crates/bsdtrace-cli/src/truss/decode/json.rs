//! `--json`: one JSON object per line per event.
//!
//! Every object has `"type"` (`syscall_entry`, `syscall`, `signal`,
//! `exit`, `killed`, `new_process`, `new_thread`, `thread_exited`) and
//! `"pid"`; the event builders return an [`Object`] so the driver can add
//! fields of its own (a timestamp) before [`Object::finish`]. Raw register
//! values are hex strings, since JSON numbers lose precision past 2^53.

use std::fmt::Write as _;
use std::time::Duration;

use super::consts::{errno_name, signal_name};
use super::signal::{code_name, SigInfo};
use super::{Completed, EntryState, Outcome};

/// `s` as a JSON string literal, quotes included.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON object being built, fields in insertion order.
#[derive(Clone, Debug)]
pub struct Object {
    buf: String,
}

impl Default for Object {
    fn default() -> Self {
        Self::new()
    }
}

impl Object {
    pub fn new() -> Self {
        Object {
            buf: String::from("{"),
        }
    }

    fn key(&mut self, key: &str) {
        if self.buf.len() > 1 {
            self.buf.push(',');
        }
        self.buf.push_str(&escape(key));
        self.buf.push(':');
    }

    /// Adds a string field.
    pub fn str(mut self, key: &str, v: &str) -> Self {
        self.key(key);
        self.buf.push_str(&escape(v));
        self
    }

    /// Adds a signed integer field.
    pub fn int(mut self, key: &str, v: i64) -> Self {
        self.key(key);
        let _ = write!(self.buf, "{v}");
        self
    }

    /// Adds an unsigned integer field.
    pub fn uint(mut self, key: &str, v: u64) -> Self {
        self.key(key);
        let _ = write!(self.buf, "{v}");
        self
    }

    /// Adds a boolean field.
    pub fn bool(mut self, key: &str, v: bool) -> Self {
        self.key(key);
        self.buf.push_str(if v { "true" } else { "false" });
        self
    }

    /// Adds a duration as seconds with nanosecond precision.
    pub fn seconds(mut self, key: &str, d: Duration) -> Self {
        self.key(key);
        let _ = write!(self.buf, "{}.{:09}", d.as_secs(), d.subsec_nanos());
        self
    }

    /// Adds an array of strings.
    pub fn strings<S: AsRef<str>>(mut self, key: &str, items: &[S]) -> Self {
        self.key(key);
        self.buf.push('[');
        for (i, s) in items.iter().enumerate() {
            if i > 0 {
                self.buf.push(',');
            }
            self.buf.push_str(&escape(s.as_ref()));
        }
        self.buf.push(']');
        self
    }

    /// Adds an already-encoded JSON value.
    pub fn raw(mut self, key: &str, json: &str) -> Self {
        self.key(key);
        self.buf.push_str(json);
        self
    }

    /// The object's text.
    pub fn finish(mut self) -> String {
        self.buf.push('}');
        self.buf
    }
}

fn hex_args(args: &[u64]) -> Vec<String> {
    args.iter().map(|a| format!("{a:#x}")).collect()
}

fn ids(o: Object, pid: i32, tid: i32) -> Object {
    o.int("pid", i64::from(pid)).int("tid", i64::from(tid))
}

/// A syscall entry (for calls whose exit may never come).
pub fn syscall_entry(pid: i32, tid: i32, e: &EntryState) -> Object {
    let nargs = e.syscall().map_or(6, |s| s.args.len());
    ids(Object::new().str("type", "syscall_entry"), pid, tid)
        .uint("number", u64::from(e.number()))
        .str("name", &e.name())
        .strings("raw_args", &hex_args(&e.args()[..nargs]))
}

/// A completed (or never-returning) syscall with its decoded arguments.
pub fn syscall(pid: i32, tid: i32, c: &Completed, in_call: Option<Duration>) -> Object {
    let mut o = ids(Object::new().str("type", "syscall"), pid, tid)
        .uint("number", u64::from(c.number))
        .str("name", &c.name)
        .strings("args", &c.args_text)
        .strings("raw_args", &hex_args(&c.args[..c.args_text.len()]));
    match c.outcome {
        Some(Outcome::Value(v)) => o = o.int("return", v),
        Some(Outcome::Error(e)) => {
            o = o.int("return", -i64::from(e)).int("errno", i64::from(e));
            if let Some(n) = errno_name(e) {
                o = o.str("error", n);
            }
        }
        None => o = o.bool("returned", false),
    }
    if let Some(d) = in_call {
        o = o.seconds("duration", d);
    }
    o
}

/// A signal delivered to the tracee.
pub fn signal(pid: i32, tid: i32, si: &SigInfo) -> Object {
    let mut o = ids(Object::new().str("type", "signal"), pid, tid)
        .uint("signo", u64::from(si.signo))
        .str("signal", &signal_name(si.signo).unwrap_or_default())
        .int("code", i64::from(si.code));
    if let Some(c) = code_name(si.signo, si.code) {
        o = o.str("code_name", c);
    }
    o.int("sender_pid", i64::from(si.pid))
        .uint("sender_uid", u64::from(si.uid))
        .str("addr", &format!("{:#x}", si.addr))
        .int("status", i64::from(si.status))
}

/// The process exited with `status`.
pub fn exit(pid: i32, status: i32) -> Object {
    Object::new()
        .str("type", "exit")
        .int("pid", i64::from(pid))
        .int("status", i64::from(status))
}

/// The process was killed by `sig`.
pub fn killed(pid: i32, sig: u32, core_dumped: bool) -> Object {
    Object::new()
        .str("type", "killed")
        .int("pid", i64::from(pid))
        .uint("signo", u64::from(sig))
        .str("signal", &signal_name(sig).unwrap_or_default())
        .bool("core_dumped", core_dumped)
}

/// A new process (followed fork).
pub fn new_process(pid: i32, parent: i32) -> Object {
    Object::new()
        .str("type", "new_process")
        .int("pid", i64::from(pid))
        .int("parent", i64::from(parent))
}

/// A new thread in `pid`.
pub fn new_thread(pid: i32, tid: i32) -> Object {
    ids(Object::new().str("type", "new_thread"), pid, tid)
}

/// A thread of `pid` exited.
pub fn thread_exited(pid: i32, tid: i32) -> Object {
    ids(Object::new().str("type", "thread_exited"), pid, tid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape("a\"b\\c\n\u{1}é"), "\"a\\\"b\\\\c\\n\\u0001é\"");
    }

    #[test]
    fn builder() {
        let o = Object::new()
            .str("a", "x")
            .int("b", -1)
            .bool("c", true)
            .strings("d", &["1", "2"]);
        assert_eq!(o.finish(), r#"{"a":"x","b":-1,"c":true,"d":["1","2"]}"#);
        assert_eq!(Object::new().finish(), "{}");
    }

    #[test]
    fn events() {
        assert_eq!(exit(5, 0).finish(), r#"{"type":"exit","pid":5,"status":0}"#);
        assert_eq!(
            killed(5, 11, true).finish(),
            r#"{"type":"killed","pid":5,"signo":11,"signal":"SIGSEGV","core_dumped":true}"#
        );
        assert_eq!(
            new_thread(5, 6).finish(),
            r#"{"type":"new_thread","pid":5,"tid":6}"#
        );
    }
}
