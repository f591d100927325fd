//! copyin/copyout of the C caller's memory, and `errno`.
//!
//! A C program hands `ptrace()` and `procctl()` raw pointers. FreeBSD's
//! kernel reads and writes them with copyin(9)/copyout(9), so a bad pointer
//! is an `EFAULT`, never a crash; these helpers give the C face the same
//! contract by moving the bytes with `process_vm_readv`/`process_vm_writev`
//! on our own pid, which fail with EFAULT where a plain dereference would
//! fault. They must never dereference a caller's pointer themselves.
//!
//! The only `unsafe` here is what a byte-level copy of a C struct needs
//! (viewing a value as bytes, one `process_vm_writev`, and `errno`); each
//! block says why it is sound. Types that may be copied in are marked
//! [`Plain`]: every byte pattern is a valid value of them.

use bsdtrace::abi;
use bsdtrace::Errno;
use std::mem::{size_of, MaybeUninit};

/// A C type any byte pattern of which is a valid value (integers, raw
/// pointers, arrays and `#[repr(C)]` structs of those).
///
/// # Safety
/// Implement only for types with no invalid bit patterns: no `bool`, `char`,
/// enums, references, `NonNull`, or `Option` of those. Padding is allowed.
pub unsafe trait Plain: Copy + 'static {}

macro_rules! plain {
    ($($t:ty),* $(,)?) => { $(unsafe impl Plain for $t {})* };
}

plain!(i8, u8, i16, u16, i32, u32, i64, u64, isize, usize);
unsafe impl<T: 'static> Plain for *mut T {}
unsafe impl<T: 'static> Plain for *const T {}
unsafe impl<T: Plain, const N: usize> Plain for [T; N] {}
plain!(libc::sigset_t, libc::siginfo_t, libc::iovec, libc::rusage);
plain!(
    abi::ptrace_io_desc,
    abi::ptrace_lwpinfo,
    abi::ptrace_vm_entry,
    abi::ptrace_sc_ret,
    abi::ptrace_coredump,
    abi::reg,
    abi::fpreg,
    abi::dbreg,
    abi::reg32,
    abi::fpreg32,
    abi::dbreg32,
    abi::xmmreg,
    abi::ptrace_io_desc32,
    abi::ptrace_lwpinfo32,
    abi::ptrace_vm_entry32,
    abi::ptrace_sc_ret32,
    abi::ptrace_sc_remote32,
    abi::ptrace_coredump32,
    abi::ptrace_xstate_info32,
    abi::iovec32,
);

/// A `T` with every byte zero (valid because `T: Plain`).
pub fn zeroed<T: Plain>() -> T {
    // SAFETY: any byte pattern, all-zero included, is a valid `T`.
    unsafe { std::mem::zeroed() }
}

/// Read a `T` from the caller's address `addr`; EFAULT if any byte of it is
/// not readable (including `addr == 0`).
pub fn copyin<T: Plain>(addr: usize) -> Result<T, Errno> {
    let mut value = MaybeUninit::<T>::zeroed();
    // SAFETY: `zeroed` initialised all size_of::<T>() bytes, padding
    // included, so viewing them as `[u8]` is a view of initialised bytes,
    // and the slice lives no longer than `value`.
    let bytes =
        unsafe { std::slice::from_raw_parts_mut(value.as_mut_ptr().cast::<u8>(), size_of::<T>()) };
    bsdtrace::sys::self_read(addr, bytes)?;
    // SAFETY: every byte is initialised and `T: Plain` makes any pattern valid.
    Ok(unsafe { value.assume_init() })
}

/// Read `n` consecutive `T`s (a C array) from `addr`. The caller bounds `n`
/// (PT_SC_REMOTE: at most 8): the buffer is allocated before the read.
pub fn copyin_array<T: Plain>(addr: usize, n: usize) -> Result<Vec<T>, Errno> {
    let len = n.checked_mul(size_of::<T>()).ok_or(Errno::EFAULT)?;
    let mut v: Vec<T> = Vec::with_capacity(n);
    // SAFETY: zero the capacity first so the byte view below covers only
    // initialised bytes; `len` bytes were allocated by with_capacity(n).
    let bytes = unsafe {
        std::ptr::write_bytes(v.as_mut_ptr(), 0, n);
        std::slice::from_raw_parts_mut(v.as_mut_ptr().cast::<u8>(), len)
    };
    bsdtrace::sys::self_read(addr, bytes)?;
    // SAFETY: n elements are initialised, and any bytes are a valid T.
    unsafe { v.set_len(n) };
    Ok(v)
}

/// Read `len` raw bytes from `addr`.
pub fn copyin_bytes(addr: usize, len: usize) -> Result<Vec<u8>, Errno> {
    let mut buf = vec![0u8; len];
    bsdtrace::sys::self_read(addr, &mut buf)?;
    Ok(buf)
}

/// Write `value` to the caller's address `addr`; EFAULT if any byte of the
/// destination is not writable (nothing is promised about the bytes before
/// the fault, as with FreeBSD's copyout).
pub fn copyout<T: Plain>(addr: usize, value: &T) -> Result<(), Errno> {
    copyout_prefix(addr, value, size_of::<T>())
}

/// Write the first `len` bytes of `value` to `addr`: PT_LWPINFO and
/// PT_GET_SC_RET copy out as much of the struct as the caller asked for.
/// EINVAL if `len` exceeds the struct.
pub fn copyout_prefix<T: Plain>(addr: usize, value: &T, len: usize) -> Result<(), Errno> {
    if len > size_of::<T>() {
        return Err(Errno::EINVAL);
    }
    write_raw(addr, (value as *const T).cast(), len)
}

/// Write a C array of `T` to `addr` (PT_GETLWPLIST's `lwpid_t[]`).
pub fn copyout_array<T: Plain>(addr: usize, values: &[T]) -> Result<(), Errno> {
    write_raw(addr, values.as_ptr().cast(), std::mem::size_of_val(values))
}

/// Write raw bytes to `addr`.
pub fn copyout_bytes(addr: usize, bytes: &[u8]) -> Result<(), Errno> {
    bsdtrace::sys::self_write(addr, bytes)
}

/// `process_vm_writev` from a raw source. A struct's padding may be
/// uninitialised, so its bytes are never formed into a `&[u8]` (which
/// `bsdtrace::sys::self_write` takes); the kernel copies them as they are,
/// exactly as FreeBSD's copyout of the same struct would.
fn write_raw(dst: usize, src: *const u8, len: usize) -> Result<(), Errno> {
    if len == 0 {
        return Ok(());
    }
    let local = libc::iovec {
        iov_base: src as *mut libc::c_void,
        iov_len: len,
    };
    let remote = libc::iovec {
        iov_base: dst as *mut libc::c_void,
        iov_len: len,
    };
    // SAFETY: `local` describes `len` readable bytes of a live value (the
    // callers derive it from a reference); the kernel only reads it, and it
    // checks `remote` itself, failing with EFAULT instead of faulting.
    let n = unsafe { libc::process_vm_writev(bsdtrace::sys::getpid(), &local, 1, &remote, 1, 0) };
    if n < 0 {
        return Err(Errno::last());
    }
    if n as usize != len {
        return Err(Errno::EFAULT);
    }
    Ok(())
}

/// Set the calling thread's `errno`, as a C function returning -1 must.
pub fn set_errno(e: Errno) {
    // SAFETY: __errno_location returns the calling thread's errno slot,
    // valid for the life of the thread.
    unsafe { *libc::__errno_location() = e.0 };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two mapped pages, the second then unmapped: the first page's last
    /// bytes are readable and writable, the next address faults.
    struct Edge {
        base: usize,
        page: usize,
    }

    impl Edge {
        fn new() -> Edge {
            let page = 4096;
            // SAFETY: a fresh anonymous mapping; its second page is unmapped
            // at once and only the first is ever dereferenced.
            let base = unsafe {
                let p = libc::mmap(
                    std::ptr::null_mut(),
                    2 * page,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                    -1,
                    0,
                );
                assert_ne!(p, libc::MAP_FAILED);
                assert_eq!(libc::munmap(p.cast::<u8>().add(page).cast(), page), 0);
                p as usize
            };
            Edge { base, page }
        }
        /// An address whose next `n` bytes are the last mapped ones.
        fn last(&self, n: usize) -> usize {
            self.base + self.page - n
        }
        fn hole(&self) -> usize {
            self.base + self.page
        }
        fn read_only(&self) {
            // SAFETY: our own mapping.
            assert_eq!(
                unsafe { libc::mprotect(self.base as *mut _, self.page, libc::PROT_READ) },
                0
            );
        }
    }

    impl Drop for Edge {
        fn drop(&mut self) {
            // SAFETY: our own mapping.
            unsafe { libc::munmap(self.base as *mut _, self.page) };
        }
    }

    #[test]
    fn copyin_reads_a_struct() {
        let src = abi::ptrace_io_desc {
            piod_op: abi::PIOD_READ_D,
            piod_offs: 0x1000 as *mut _,
            piod_addr: 0x2000 as *mut _,
            piod_len: 77,
        };
        let got: abi::ptrace_io_desc = copyin(&src as *const _ as usize).unwrap();
        assert_eq!(got.piod_op, abi::PIOD_READ_D);
        assert_eq!(got.piod_offs as usize, 0x1000);
        assert_eq!(got.piod_addr as usize, 0x2000);
        assert_eq!(got.piod_len, 77);
    }

    #[test]
    fn copyin_from_null_is_efault() {
        assert_eq!(copyin::<abi::ptrace_io_desc>(0).unwrap_err(), Errno::EFAULT);
        assert_eq!(copyin::<i32>(0).unwrap_err(), Errno::EFAULT);
        assert_eq!(copyin_bytes(0, 1).unwrap_err(), Errno::EFAULT);
        assert_eq!(copyin_array::<i64>(0, 2).unwrap_err(), Errno::EFAULT);
    }

    #[test]
    fn copyin_from_unmapped_memory_is_efault() {
        let edge = Edge::new();
        assert_eq!(copyin::<u64>(edge.hole()).unwrap_err(), Errno::EFAULT);
        // Straddling the end of the mapping: the first bytes are readable.
        assert_eq!(copyin::<u64>(edge.last(4)).unwrap_err(), Errno::EFAULT);
        assert_eq!(copyin::<u64>(edge.last(8)).unwrap(), 0);
        assert_eq!(
            copyin_array::<u32>(edge.last(8), 3).unwrap_err(),
            Errno::EFAULT
        );
        // A kernel address.
        assert_eq!(
            copyin::<u64>(0xffff_8000_0000_0000).unwrap_err(),
            Errno::EFAULT
        );
    }

    #[test]
    fn copyin_of_nothing_touches_nothing() {
        assert_eq!(copyin_bytes(0, 0).unwrap(), Vec::<u8>::new());
        assert_eq!(copyin_array::<u64>(0, 0).unwrap(), Vec::<u64>::new());
        assert_eq!(copyin::<[u8; 0]>(0).unwrap(), []);
    }

    #[test]
    fn copyin_array_reads_elements() {
        let src: [i64; 3] = [-1, 2, i64::MAX];
        assert_eq!(copyin_array::<i64>(src.as_ptr() as usize, 3).unwrap(), src);
        assert_eq!(
            copyin_array::<i64>(0, usize::MAX).unwrap_err(),
            Errno::EFAULT
        );
    }

    #[test]
    fn copyout_writes_a_struct() {
        let value = abi::ptrace_sc_ret {
            sr_retval: [5, -6],
            sr_error: 0,
        };
        let mut dst = abi::ptrace_sc_ret {
            sr_retval: [0, 0],
            sr_error: 99,
        };
        copyout(&mut dst as *mut _ as usize, &value).unwrap();
        assert_eq!(dst, value);
    }

    #[test]
    fn copyout_to_null_is_efault() {
        assert_eq!(copyout(0, &1i32).unwrap_err(), Errno::EFAULT);
        assert_eq!(copyout_bytes(0, &[1]).unwrap_err(), Errno::EFAULT);
        assert_eq!(copyout_array(0, &[1i32, 2]).unwrap_err(), Errno::EFAULT);
    }

    #[test]
    fn copyout_to_unmapped_or_read_only_memory_is_efault() {
        let edge = Edge::new();
        assert_eq!(copyout(edge.hole(), &1u64).unwrap_err(), Errno::EFAULT);
        assert_eq!(copyout(edge.last(4), &1u64).unwrap_err(), Errno::EFAULT);
        copyout(edge.last(8), &7u64).unwrap();
        assert_eq!(copyin::<u64>(edge.last(8)).unwrap(), 7);
        edge.read_only();
        assert_eq!(copyout(edge.last(8), &8u64).unwrap_err(), Errno::EFAULT);
        assert_eq!(copyin::<u64>(edge.last(8)).unwrap(), 7);
    }

    #[test]
    fn copyout_prefix_writes_exactly_len_bytes() {
        let value: [u8; 8] = [1, 2, 3, 4, 5, 6, 7, 8];
        let mut dst = [0xaau8; 8];
        copyout_prefix(dst.as_mut_ptr() as usize, &value, 3).unwrap();
        assert_eq!(dst, [1, 2, 3, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa]);
        assert_eq!(
            copyout_prefix(dst.as_mut_ptr() as usize, &value, 9).unwrap_err(),
            Errno::EINVAL
        );
        // Zero bytes: nothing to fault on, as FreeBSD's copyout of 0 bytes.
        copyout_prefix(0, &value, 0).unwrap();
    }

    #[test]
    fn copyout_of_an_lwpinfo_round_trips() {
        // SAFETY: all-zero is a valid ptrace_lwpinfo (plain C data).
        let mut info: abi::ptrace_lwpinfo = unsafe { std::mem::zeroed() };
        info.pl_lwpid = abi::LWPID_BASE + 42;
        info.pl_flags = abi::PL_FLAG_SI | abi::PL_FLAG_SCX;
        info.pl_tdname[..4].copy_from_slice(&[b't' as libc::c_char, b'd' as _, b'1' as _, 0]);
        // SAFETY: as above.
        let mut dst: abi::ptrace_lwpinfo = unsafe { std::mem::zeroed() };
        copyout(&mut dst as *mut _ as usize, &info).unwrap();
        assert_eq!(dst.pl_lwpid, abi::LWPID_BASE + 42);
        assert_eq!(dst.pl_flags, abi::PL_FLAG_SI | abi::PL_FLAG_SCX);
        assert_eq!(dst.pl_tdname[..4], info.pl_tdname[..4]);
    }

    #[test]
    fn set_errno_sets_the_threads_errno() {
        set_errno(Errno::EBUSY);
        assert_eq!(Errno::last(), Errno::EBUSY);
        set_errno(Errno(0));
        // SAFETY: reading our own errno slot.
        assert_eq!(unsafe { *libc::__errno_location() }, 0);
        // errno is per thread.
        std::thread::spawn(|| {
            set_errno(Errno::ESRCH);
            assert_eq!(Errno::last(), Errno::ESRCH);
        })
        .join()
        .unwrap();
        assert_eq!(unsafe { *libc::__errno_location() }, 0);
    }
}
