//! Calls on a descriptor the *caller* owns (PT_COREDUMP's `pc_fd`): what it
//! is open on, and positioned writes through it. Nothing here closes or
//! repositions it; a number that is not an open descriptor is `EBADF`, as
//! every call on it is.

use crate::error::Errno;
use std::os::fd::RawFd;

/// What a descriptor is open on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FdInfo {
    /// Open for writing (`O_WRONLY` or `O_RDWR`; never for `O_PATH`).
    pub writable: bool,
    /// `O_APPEND`: Linux's pwrite(2) ignores the offset on such a descriptor.
    pub append: bool,
    /// A regular file (not a pipe, socket, device or directory).
    pub regular: bool,
    /// The file's current size.
    pub size: u64,
}

/// What /proc/self/fdinfo says about one of our descriptors (flags, position).
pub fn fd_info(fd: RawFd) -> Result<FdInfo, Errno> {
    // SAFETY: F_GETFL takes no argument and touches no memory of ours.
    let fl = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if fl < 0 {
        return Err(Errno::last());
    }
    // SAFETY: a zeroed `struct stat` is valid; fstat writes only into it.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(fd, &mut st) } != 0 {
        return Err(Errno::last());
    }
    let acc = fl & libc::O_ACCMODE;
    Ok(FdInfo {
        writable: fl & libc::O_PATH == 0 && (acc == libc::O_WRONLY || acc == libc::O_RDWR),
        append: fl & libc::O_APPEND != 0,
        regular: st.st_mode & libc::S_IFMT == libc::S_IFREG,
        size: st.st_size as u64,
    })
}

/// Write all of `buf` at `off` (pwrite(2), retried on EINTR and short writes).
pub fn pwrite_all(fd: RawFd, mut buf: &[u8], mut off: u64) -> Result<(), Errno> {
    while !buf.is_empty() {
        // SAFETY: `buf` is a live slice; the kernel only reads from it.
        let r = unsafe { libc::pwrite64(fd, buf.as_ptr().cast(), buf.len(), off as i64) };
        match r {
            n if n > 0 => {
                buf = &buf[n as usize..];
                off += n as u64;
            }
            0 => return Err(Errno::EIO),
            _ if Errno::last() == Errno::EINTR => continue,
            _ => return Err(Errno::last()),
        }
    }
    Ok(())
}

/// ftruncate(2).
pub fn ftruncate(fd: RawFd, len: u64) -> Result<(), Errno> {
    // SAFETY: no memory is passed.
    if unsafe { libc::ftruncate64(fd, len as i64) } != 0 {
        return Err(Errno::last());
    }
    Ok(())
}
