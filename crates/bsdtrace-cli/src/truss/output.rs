//! Where truss's lines go: stderr or `-o file`, buffered.
//!
//! Buffering follows stdio, which FreeBSD truss uses: a terminal, and an
//! attached (`-p`) trace that may idle for hours, get each line at once; a
//! file or pipe fed by a spawned command is block-buffered and flushed at
//! signal lines, process exits and the end, so the per-syscall hot path
//! costs no write(2) of its own most of the time.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::Path;

pub struct Output {
    w: BufWriter<Box<dyn Write>>,
    line_buffered: bool,
}

impl Output {
    /// `path`: `-o`'s file (created or truncated, close-on-exec so the
    /// tracee never inherits it), else stderr.
    pub fn open(path: Option<&Path>, attach: bool) -> io::Result<Output> {
        let (w, tty): (Box<dyn Write>, bool) = match path {
            Some(p) => {
                let f = File::create(p)?;
                let tty = f.is_terminal();
                (Box::new(f), tty)
            }
            None => (Box::new(io::stderr()), io::stderr().is_terminal()),
        };
        Ok(Output {
            w: BufWriter::with_capacity(64 * 1024, w),
            line_buffered: tty || attach,
        })
    }

    /// One line (without its newline). Write errors are ignored, as stdio's
    /// are: tracing goes on; a closed pipe ends truss with SIGPIPE.
    pub fn line(&mut self, prefix: &str, text: &str) {
        let _ = self.w.write_all(prefix.as_bytes());
        let _ = self.w.write_all(text.as_bytes());
        let _ = self.w.write_all(b"\n");
        if self.line_buffered {
            self.flush();
        }
    }

    /// One whole line (without its newline).
    pub fn whole_line(&mut self, text: &str) {
        self.line("", text);
    }

    /// Text as is (the `-c` table).
    pub fn raw(&mut self, text: &str) {
        let _ = self.w.write_all(text.as_bytes());
    }

    pub fn flush(&mut self) {
        let _ = self.w.flush();
    }
}
