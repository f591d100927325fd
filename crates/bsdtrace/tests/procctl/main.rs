//! procctl(2) against real process trees. Each test names the FreeBSD
//! behaviour it checks. Tests that change process-wide state (subreaper,
//! dumpable, MDWE, credentials) run in a fresh copy of this binary.

#[path = "../pcommon/mod.rs"]
mod common;

mod dispatch;
mod knobs;
mod reap;
mod sprotect;
mod trace;

use bsdtrace::abi::procctl::*;
use bsdtrace::abi::*;
use bsdtrace::procctl::{self, protect, IdType, ProtectPolicy, Reply, Request, UserData};
use bsdtrace::{sys, Errno};
use common::*;

fn errno<T: std::fmt::Debug>(r: bsdtrace::Result<T>) -> Errno {
    r.expect_err("expected an error").errno()
}

fn pc(idtype: IdType, id: i64, req: Request) -> bsdtrace::Result<Reply> {
    procctl::procctl(idtype, id, req)
}

fn int(r: bsdtrace::Result<Reply>) -> i32 {
    match r.unwrap() {
        Reply::Int(v) => v,
        other => panic!("expected Int, got {other:?}"),
    }
}

/// A caller's buffer for the dispatcher's copy-in and copy-out: data to
/// copy in, what was copied out, and faults on demand.
struct Buf {
    null: bool,
    inp: Vec<u8>,
    out: Vec<u8>,
    extra: Vec<(u64, Vec<u8>)>,
    fault: bool,
}

impl Buf {
    fn new(inp: Vec<u8>) -> Buf {
        Buf { null: false, inp, out: Vec::new(), extra: Vec::new(), fault: false }
    }
}

impl UserData for Buf {
    fn is_null(&self) -> bool {
        self.null
    }
    fn copyin(&mut self, buf: &mut [u8]) -> Result<(), Errno> {
        if self.fault || self.null || self.inp.len() < buf.len() {
            return Err(Errno::EFAULT);
        }
        buf.copy_from_slice(&self.inp[..buf.len()]);
        Ok(())
    }
    fn copyout(&mut self, buf: &[u8]) -> Result<(), Errno> {
        if self.fault || self.null {
            return Err(Errno::EFAULT);
        }
        self.out = buf.to_vec();
        Ok(())
    }
    fn copyout_to(&mut self, addr: u64, buf: &[u8]) -> Result<(), Errno> {
        self.extra.push((addr, buf.to_vec()));
        Ok(())
    }
}
