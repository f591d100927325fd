//! Errors carry FreeBSD's errno (with the host's numeric values, DESIGN decision 5).
//!
//! Every request returns `Result<T, Error>`; the C face turns an `Error` into
//! `errno` unchanged. Linux answers that mean something else on FreeBSD (ESRCH
//! for "not stopped") are translated where the engine knows the state, never
//! here.

use std::fmt;

/// An errno value as FreeBSD's kernel would return it, in host numbering.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Errno(pub i32);

impl Errno {
    /// Operation not permitted.
    pub const EPERM: Errno = Errno(libc::EPERM);
    /// No such file or directory.
    pub const ENOENT: Errno = Errno(libc::ENOENT);
    /// No such process.
    pub const ESRCH: Errno = Errno(libc::ESRCH);
    /// Interrupted system call.
    pub const EINTR: Errno = Errno(libc::EINTR);
    /// Input/output error.
    pub const EIO: Errno = Errno(libc::EIO);
    /// No child processes.
    pub const ECHILD: Errno = Errno(libc::ECHILD);
    /// Resource temporarily unavailable.
    pub const EAGAIN: Errno = Errno(libc::EAGAIN);
    /// Cannot allocate memory.
    pub const ENOMEM: Errno = Errno(libc::ENOMEM);
    /// Permission denied.
    pub const EACCES: Errno = Errno(libc::EACCES);
    /// Bad address.
    pub const EFAULT: Errno = Errno(libc::EFAULT);
    /// Device or resource busy (FreeBSD: the process is not stopped, or traced by another).
    pub const EBUSY: Errno = Errno(libc::EBUSY);
    /// Invalid argument.
    pub const EINVAL: Errno = Errno(libc::EINVAL);
    /// File name too long.
    pub const ENAMETOOLONG: Errno = Errno(libc::ENAMETOOLONG);
    /// Function not implemented.
    pub const ENOSYS: Errno = Errno(libc::ENOSYS);
    /// Bad file descriptor.
    pub const EBADF: Errno = Errno(libc::EBADF);
    /// Broken pipe.
    pub const EPIPE: Errno = Errno(libc::EPIPE);
    /// Operation not supported.
    pub const ENOTSUP: Errno = Errno(libc::ENOTSUP);
    /// Resource deadlock avoided.
    pub const EDEADLK: Errno = Errno(libc::EDEADLK);

    /// The calling thread's current `errno`.
    pub fn last() -> Errno {
        Errno(std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO))
    }

    /// strerror(3)'s text (`"Device or resource busy"`), without the
    /// `" (os error N)"` that Rust's `io::Error` appends.
    pub fn message(self) -> String {
        strerror(self.0)
    }

    /// Symbolic name (`"EBUSY"`), or `"E?"` for values this crate never produces.
    pub fn name(self) -> &'static str {
        match self.0 {
            libc::EPERM => "EPERM",
            libc::ENOENT => "ENOENT",
            libc::ESRCH => "ESRCH",
            libc::EINTR => "EINTR",
            libc::EIO => "EIO",
            libc::ECHILD => "ECHILD",
            libc::EAGAIN => "EAGAIN",
            libc::ENOMEM => "ENOMEM",
            libc::EACCES => "EACCES",
            libc::EFAULT => "EFAULT",
            libc::EBUSY => "EBUSY",
            libc::EINVAL => "EINVAL",
            libc::ENAMETOOLONG => "ENAMETOOLONG",
            libc::ENOSYS => "ENOSYS",
            libc::EBADF => "EBADF",
            libc::EPIPE => "EPIPE",
            libc::ENOTSUP => "ENOTSUP",
            libc::EDEADLK => "EDEADLK",
            _ => "E?",
        }
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.name(), self.0)
    }
}

impl fmt::Display for Errno {
    /// `"EPERM: Operation not permitted"`: the name and strerror(3)'s text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name(), self.message())
    }
}

impl std::error::Error for Errno {}

/// strerror(3) for any errno value: the host's message, without the
/// `" (os error N)"` suffix of Rust's `io::Error` display, so tools can show
/// errors the way C tools do.
pub fn strerror(errno: i32) -> String {
    let s = std::io::Error::from_raw_os_error(errno).to_string();
    match s.rfind(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// An `io::Error`'s message as a C tool prints it: strerror(3) for an OS
/// error, the error's own text otherwise.
pub fn io_message(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(n) => strerror(n),
        None => e.to_string(),
    }
}

impl From<std::io::Error> for Errno {
    fn from(e: std::io::Error) -> Errno {
        Errno(e.raw_os_error().unwrap_or(libc::EIO))
    }
}

/// The error type of every request: FreeBSD's errno, plus for memory
/// transfers the number of bytes that moved before the fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The request failed as FreeBSD's kernel would fail it.
    #[error("{0}")]
    Errno(Errno),
    /// A memory transfer ran into unmapped memory after moving `done` bytes
    /// (FreeBSD reports only `errno`; debuggers need the count).
    #[error("memory fault after {done} bytes: {errno}")]
    Fault {
        /// The errno FreeBSD returns (EFAULT for unmapped memory).
        errno: Errno,
        /// Bytes moved before the fault.
        done: usize,
    },
}

impl Error {
    /// The errno the C face sets.
    pub fn errno(&self) -> Errno {
        match *self {
            Error::Errno(e) => e,
            Error::Fault { errno, .. } => errno,
        }
    }
}

impl From<Errno> for Error {
    fn from(e: Errno) -> Error {
        Error::Errno(e)
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
