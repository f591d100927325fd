//! `procctl()`: FreeBSD's procctl(2) over `bsdtrace::procctl`, which holds
//! every check and action (FreeBSD's order: command table and copyin, then
//! idtype, then target and permission, then the command, copyout on
//! success). This is only the C boundary: the caller's `data` pointer is
//! read and written through [`crate::copy`] (EFAULT, never a crash), and an
//! error becomes `errno`.
//!
//! It runs on the executor, through `Tracer::procctl_raw`: a `*_CTL`
//! command on another process that we trace and have stopped then runs
//! inside that process (PT_SC_REMOTE), as FreeBSD allows.

use crate::copy::{copyin_bytes, copyout_bytes, set_errno};
use crate::executor;
use bsdtrace::procctl::UserData;
use bsdtrace::Errno;

/// The caller's `void *data`.
struct CallerData(usize);

impl UserData for CallerData {
    fn is_null(&self) -> bool {
        self.0 == 0
    }
    fn copyin(&mut self, buf: &mut [u8]) -> Result<(), Errno> {
        let bytes = copyin_bytes(self.0, buf.len())?;
        buf.copy_from_slice(&bytes);
        Ok(())
    }
    fn copyout(&mut self, buf: &[u8]) -> Result<(), Errno> {
        copyout_bytes(self.0, buf)
    }
    fn copyout_to(&mut self, addr: u64, buf: &[u8]) -> Result<(), Errno> {
        copyout_bytes(addr as usize, buf)
    }
}

/// `procctl(2)` with glibc's `idtype_t` (P_PID, P_PGID) and `id_t`.
#[no_mangle]
pub extern "C" fn procctl(
    idtype: libc::idtype_t,
    id: libc::id_t,
    cmd: libc::c_int,
    data: *mut libc::c_void,
) -> libc::c_int {
    let (idtype, id, data) = (idtype as i32, i64::from(id), data as usize);
    let Some(_inside) = executor::enter() else {
        set_errno(Errno::EBUSY);
        return -1;
    };
    let r = executor::call(move |t| t.procctl_raw(idtype, id, cmd, &mut CallerData(data)))
        .unwrap_or(Err(Errno::ESRCH));
    match r {
        Ok(()) => 0,
        Err(e) => {
            set_errno(e);
            -1
        }
    }
}
