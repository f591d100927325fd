//! Where truss's lines go: stderr, `-o file`, `-o '|command'`, or with
//! `-ff -o file` one `file.PID` per process; buffered.
//!
//! Buffering follows stdio, which FreeBSD truss uses: a terminal, and an
//! attached (`-p`) trace that may idle for hours, get each line at once; a
//! file or pipe fed by a spawned command is block-buffered and flushed at
//! signal lines, process exits and the end, so the per-syscall hot path
//! costs no write(2) of its own most of the time.
//!
//! A write that fails (a full disk, `-o /dev/full`, a reader that went
//! away) is reported once on stderr; later lines are dropped, and
//! [`Output::failed`] tells the driver, which exits non-zero (and, tracing
//! an attached process nobody reads about any more, detaches from it).
//!
//! `-o FILE` never follows a symbolic link planted by another user in a
//! sticky, world-writable directory such as /tmp (issue 11, item 11): the
//! file is opened with `O_NOFOLLOW`; if the name is a symlink, it is
//! followed only when the link belongs to us or to the directory's owner,
//! the rule of the kernel's `fs.protected_symlinks`, applied whatever that
//! sysctl says.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, IsTerminal, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

/// What `-o` names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// stderr.
    Stderr,
    /// A file (created or truncated).
    File(PathBuf),
    /// `-o '|cmd'` or `-o '!cmd'`: a shell command reading the trace.
    Pipe(String),
}

impl Target {
    /// `-o ARG` as strace reads it: a leading `|` or `!` runs a command.
    pub fn parse(arg: &str) -> Target {
        match arg.strip_prefix('|').or_else(|| arg.strip_prefix('!')) {
            Some(cmd) => Target::Pipe(cmd.to_string()),
            None if arg == "-" => Target::Stderr,
            None => Target::File(PathBuf::from(arg)),
        }
    }
}

/// Opens `path` for writing, refusing a symlink that another user planted
/// in a sticky directory. Close-on-exec (std's default), so no tracee
/// inherits it.
pub fn open_output_file(path: &Path, append: bool) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create(true).mode(0o666);
    if append {
        o.append(true);
    } else {
        o.truncate(true);
    }
    // O_NOFOLLOW fails on a symlink: ELOOP, or EACCES where the kernel's
    // fs.protected_regular objects to the link itself.
    match o.clone().custom_flags(libc::O_NOFOLLOW).open(path) {
        Err(e) if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) => {
            let _ = e;
            check_symlink(path)?;
            o.open(path)
        }
        r => r,
    }
}

/// `fs.protected_symlinks`: in a sticky world-writable directory, follow a
/// link only if we own it or the directory's owner does.
fn check_symlink(path: &Path) -> io::Result<()> {
    let link = std::fs::symlink_metadata(path)?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let d = std::fs::metadata(&dir)?;
    let sticky_open = d.mode() & 0o1000 != 0 && d.mode() & 0o002 != 0;
    let euid = bsdtrace::sys::geteuid();
    if sticky_open && link.uid() != euid && link.uid() != d.uid() {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "refusing to follow a symbolic link owned by uid {} in the sticky directory {}",
                link.uid(),
                dir.display()
            ),
        ));
    }
    Ok(())
}

enum Sink {
    Stderr,
    File(File),
    Pipe(ChildStdin),
}

impl Write for Sink {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Stderr => io::stderr().write(b),
            Sink::File(f) => f.write(b),
            Sink::Pipe(p) => p.write(b),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Stderr => io::stderr().flush(),
            Sink::File(f) => f.flush(),
            Sink::Pipe(p) => p.flush(),
        }
    }
}

pub struct Output {
    main: BufWriter<Sink>,
    /// What the sink is called in error messages.
    name: String,
    line_buffered: bool,
    /// `-ff -o FILE`: the base name, and each process's own file.
    per_process: Option<PathBuf>,
    files: HashMap<i32, BufWriter<File>>,
    /// Processes whose file was opened once (a reused pid appends to it).
    opened: std::collections::HashSet<i32>,
    /// `-o '|cmd'`: the reader, waited for at the end.
    child: Option<Child>,
    /// The first write error (reported once).
    error: Option<String>,
    prog: String,
}

impl Output {
    /// Opens what `-o` names. `attach`: lines are flushed one by one.
    /// `per_process`: `-ff` with a file, one `FILE.PID` per process.
    pub fn open(target: &Target, attach: bool, per_process: bool, prog: &str) -> io::Result<Output> {
        let (sink, tty, name, child) = match target {
            Target::Stderr => (Sink::Stderr, io::stderr().is_terminal(), "stderr".to_string(), None),
            Target::File(p) if per_process => {
                // Nothing is written to FILE itself; each process gets FILE.PID.
                (Sink::Stderr, false, p.display().to_string(), None)
            }
            Target::File(p) => {
                let f = open_output_file(p, false)?;
                let tty = f.is_terminal();
                (Sink::File(f), tty, p.display().to_string(), None)
            }
            Target::Pipe(cmd) => {
                let mut child = Command::new("/bin/sh").arg("-c").arg(cmd).stdin(Stdio::piped()).spawn()?;
                let stdin = child.stdin.take().expect("piped");
                (Sink::Pipe(stdin), false, format!("|{cmd}"), Some(child))
            }
        };
        Ok(Output {
            main: BufWriter::with_capacity(64 * 1024, sink),
            name,
            line_buffered: tty || attach,
            per_process: match target {
                Target::File(p) if per_process => Some(p.clone()),
                _ => None,
            },
            files: HashMap::new(),
            opened: Default::default(),
            child,
            error: None,
            prog: prog.to_string(),
        })
    }

    /// The `-o '|cmd'` reader's pid: its exit is not a tracee's.
    pub fn reader_pid(&self) -> Option<i32> {
        self.child.as_ref().map(|c| c.id() as i32)
    }

    /// Whether a write has failed.
    pub fn failed(&self) -> bool {
        self.error.is_some()
    }

    fn fail(&mut self, what: &str, e: io::Error) {
        if self.error.is_none() {
            let msg = format!("{}: {what}: {e}", self.prog);
            eprintln!("{msg}");
            self.error = Some(msg);
        }
    }

    /// One line (without its newline) about process `pid`.
    pub fn line_for(&mut self, pid: i32, text: &str) {
        if self.error.is_some() {
            return;
        }
        if let Some(base) = &self.per_process {
            if let std::collections::hash_map::Entry::Vacant(slot) = self.files.entry(pid) {
                let mut name = base.clone().into_os_string();
                name.push(format!(".{pid}"));
                let append = !self.opened.insert(pid);
                match open_output_file(Path::new(&name), append) {
                    Ok(f) => {
                        slot.insert(BufWriter::with_capacity(16 * 1024, f));
                    }
                    Err(e) => return self.fail(&Path::new(&name).display().to_string(), e),
                }
            }
            let w = self.files.get_mut(&pid).expect("opened");
            let r = w.write_all(text.as_bytes()).and_then(|_| w.write_all(b"\n"));
            let r = if self.line_buffered { r.and_then(|_| w.flush()) } else { r };
            if let Err(e) = r {
                let name = format!("{}.{pid}", base.display());
                self.fail(&name, e);
            }
            return;
        }
        let r = self.main.write_all(text.as_bytes()).and_then(|_| self.main.write_all(b"\n"));
        if let Err(e) = r {
            let n = self.name.clone();
            return self.fail(&n, e);
        }
        if self.line_buffered {
            self.flush();
        }
    }

    /// A process's file is done with (`-ff`): flush and close it.
    pub fn close_process(&mut self, pid: i32) {
        if let Some(mut w) = self.files.remove(&pid) {
            if let Err(e) = w.flush() {
                let name = format!("{}.{pid}", self.per_process.as_ref().map_or(String::new(), |b| b.display().to_string()));
                self.fail(&name, e);
            }
        }
    }

    /// Text as is (the `-c` table), to the main output (stderr with `-ff`).
    pub fn raw(&mut self, text: &str) {
        if self.error.is_some() {
            return;
        }
        if let Err(e) = self.main.write_all(text.as_bytes()) {
            let n = self.name.clone();
            self.fail(&n, e);
        }
    }

    pub fn flush(&mut self) {
        if self.error.is_some() {
            return;
        }
        if let Err(e) = self.main.flush() {
            let n = self.name.clone();
            return self.fail(&n, e);
        }
        let mut bad = None;
        for (pid, w) in &mut self.files {
            if let Err(e) = w.flush() {
                bad = Some((*pid, e));
                break;
            }
        }
        if let Some((pid, e)) = bad {
            let name = format!("{}.{pid}", self.per_process.as_ref().map_or(String::new(), |b| b.display().to_string()));
            self.fail(&name, e);
        }
    }

    /// Flushes everything and, for `-o '|cmd'`, closes the pipe and waits
    /// for the command. Returns whether every write succeeded.
    pub fn finish(&mut self) -> bool {
        self.flush();
        let pids: Vec<i32> = self.files.keys().copied().collect();
        for pid in pids {
            self.close_process(pid);
        }
        if let Some(mut child) = self.child.take() {
            // Closing our end lets the reader see end-of-file.
            let old = std::mem::replace(self.main.get_mut(), Sink::Stderr);
            drop(old);
            let _ = child.wait();
        }
        self.error.is_none()
    }
}
