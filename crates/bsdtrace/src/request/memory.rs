//! PT_IO, PT_READ_I/D and PT_WRITE_I/D.
//!
//! Reads use `process_vm_readv` (one call for the whole range); only when it
//! comes up short does `/proc/PID/mem` find the exact byte where the mapping
//! ends. Writes go through `/proc/PID/mem`, which (like FreeBSD's
//! `proc_rwmem`) writes through page protection, so breakpoints can be
//! planted in read-only text.

use crate::engine::{Target, Tracer};
use crate::error::{Errno, Error, Result};
use crate::sys;

impl Tracer {
    /// Read tracee memory at `addr` into `buf` (PT_IO with PIOD_READ_D/I).
    /// A range that runs into unmapped memory fails with EFAULT and tells how
    /// many bytes were read before the fault ([`Error::Fault`]).
    pub fn read_memory(&mut self, t: Target, addr: u64, buf: &mut [u8]) -> Result<()> {
        // Through a live thread (`tid`), not the process id: a main thread
        // that exited first is a zombie without an address space.
        let (pid, tid) = self.memory_thread(t)?;
        if buf.is_empty() {
            return Ok(());
        }
        let done = match sys::vm_read(tid, addr, buf) {
            Ok(n) => n,
            // The process died under us (killed while stopped).
            Err(Errno::ESRCH) => return Err(Errno::ESRCH.into()),
            Err(_) => 0,
        };
        if done == buf.len() {
            return Ok(());
        }
        // Short: find the exact end through /proc/PID/mem (also reads pages
        // process_vm_readv refuses, as FreeBSD's forced access does).
        let mut done = done;
        let fd = self.mem_fd(pid, tid)?;
        while done < buf.len() {
            match sys::pread(fd, &mut buf[done..], addr.wrapping_add(done as u64)) {
                Ok(0) | Err(_) => break,
                Ok(n) => done += n,
            }
        }
        self.fault_or_dead(tid, done, buf.len())
    }

    /// A short transfer: EFAULT with the count, or ESRCH if the process
    /// died under us.
    fn fault_or_dead(&self, tid: sys::Tid, done: usize, want: usize) -> Result<()> {
        if done == want {
            Ok(())
        } else if !sys::procfs::alive(tid) {
            Err(Errno::ESRCH.into())
        } else {
            Err(Error::Fault { errno: Errno::EFAULT, done })
        }
    }

    /// Write `data` into tracee memory at `addr` (PT_IO with PIOD_WRITE_D/I),
    /// read-only text included. Partial writes report [`Error::Fault`].
    pub fn write_memory(&mut self, t: Target, addr: u64, data: &[u8]) -> Result<()> {
        let (pid, tid) = self.memory_thread(t)?;
        let fd = self.mem_fd(pid, tid)?;
        let mut done = 0;
        while done < data.len() {
            match sys::pwrite(fd, &data[done..], addr.wrapping_add(done as u64)) {
                Ok(0) | Err(_) => break,
                Ok(n) => done += n,
            }
        }
        self.fault_or_dead(tid, done, data.len())
    }

    /// PT_READ_I / PT_READ_D: one `int`. Any failure is ENOMEM (modern FreeBSD).
    pub fn peek(&mut self, t: Target, addr: u64) -> Result<i32> {
        let mut b = [0u8; 4];
        match self.read_memory(t, addr, &mut b) {
            Ok(()) => Ok(i32::from_ne_bytes(b)),
            Err(Error::Fault { .. }) => Err(Errno::ENOMEM.into()),
            Err(e) => Err(e),
        }
    }

    /// PT_WRITE_I / PT_WRITE_D: one `int`. Any failure is ENOMEM.
    pub fn poke(&mut self, t: Target, addr: u64, value: i32) -> Result<()> {
        match self.write_memory(t, addr, &value.to_ne_bytes()) {
            Ok(()) => Ok(()),
            Err(Error::Fault { .. }) => Err(Errno::ENOMEM.into()),
            Err(e) => Err(e),
        }
    }

    /// [`Tracer::stopped`], with a thread the memory can be reached
    /// through: the one named, unless it is what an execve left of a
    /// thread it took down (its EXITED stop reported after the exec, as
    /// FreeBSD orders them: engine/lwp.rs `Ghost`), which names no task;
    /// then any live thread of the process. Memory is the process's. (Read
    /// through the ghost's key, PT_IO and PT_READ_D said ESRCH: fault suite
    /// long-form R1, C face, worker seeds 6000067, 28000123.)
    fn memory_thread(&self, t: Target) -> Result<(crate::engine::Pid, sys::Tid)> {
        let (pid, tid) = self.stopped(t)?;
        if self.is_ghost(pid, tid) {
            let live = self.procs[&pid].live_lwps().find(|l| l.ghost.is_none()).map(|l| l.tid);
            return live.map(|l| (pid, l)).ok_or_else(|| Errno::ESRCH.into());
        }
        Ok((pid, tid))
    }

    /// The process's `/proc/.../mem`, opened through a live thread; it holds
    /// the address space, so it stays good when that thread exits.
    fn mem_fd(&mut self, pid: crate::engine::Pid, tid: sys::Tid) -> Result<&std::os::fd::OwnedFd> {
        let p = self.procs.get_mut(&pid).expect("checked");
        if p.mem.is_none() {
            p.mem = Some(sys::open(&format!("/proc/{}/task/{tid}/mem", pid.0), libc::O_RDWR)?);
        }
        Ok(p.mem.as_ref().expect("just opened"))
    }
}
