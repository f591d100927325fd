//! FreeBSD's procctl(2) on Linux.
//!
//! What it is for: one implementation of every procctl command, shared by the
//! Rust API ([`procctl()`]) and the C face ([`procctl_raw`]). The request path is
//! FreeBSD's `sys_procctl`/`kern_procctl` (fact sheet §2.1): first the
//! command's table entry and its copyin, then the idtype, then the target
//! lookup and its permission check, then the command itself. The *checks* live
//! here; the *actions* live in [`protect`], [`reap`] and [`knobs`].
//!
//! What it must never do: call libc directly (everything goes through
//! [`crate::sys`]), or pretend a Linux mechanism did something it did not —
//! where Linux has no equivalent the command fails with an honest errno, or
//! keeps state that has no effect only where FreeBSD's effect would be empty on
//! Linux anyway (docs/deviations.md lists every case).
//!
//! The C face's `procctl()` is one call:
//!
//! ```ignore
//! #[no_mangle]
//! pub extern "C" fn procctl(idtype: c_int, id: i64, cmd: c_int, data: *mut c_void) -> c_int {
//!     match bsdtrace::procctl::procctl_raw(idtype, id, cmd, &mut UserPtr(data as usize)) {
//!         Ok(()) => 0,
//!         Err(e) => { set_errno(e.0); -1 }
//!     }
//! }
//! ```
//!
//! Targets other than the caller: most Linux knobs (`prctl`, `personality`) act
//! on the calling thread only. Such `*_CTL` commands on another process run the
//! call inside it through the [`RemoteSyscall`] hook, which the ptrace engine
//! registers and which succeeds only for a process traced by us and stopped;
//! otherwise they fail as FreeBSD fails a request it may not perform (EPERM,
//! or EINVAL for the PDEATHSIG pair, whose FreeBSD answer for any non-self
//! target is EINVAL).

use crate::abi::procctl::*;
use crate::abi::*;
use crate::error::{Errno, Error, Result};
use crate::sys;
use crate::sys::proc::Stat;

pub mod knobs;
pub mod protect;
pub mod reap;
mod state;

pub use protect::{sprotect_child_forked, ProtectPolicy};

/// glibc's `idtype_t` values (DESIGN decision 5); procctl accepts only these two.
pub const P_PID: i32 = 1;
/// `idtype_t` P_PGID: the id is a process group.
pub const P_PGID: i32 = 2;

/// Which processes a command addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IdType {
    /// One process; id 0 is the caller.
    Pid,
    /// Every visible member of a process group.
    Pgid,
}

impl IdType {
    /// The host `idtype_t` value (P_PID 1, P_PGID 2).
    pub fn raw(self) -> i32 {
        match self {
            IdType::Pid => P_PID,
            IdType::Pgid => P_PGID,
        }
    }
    /// Decode a host `idtype_t`; anything but P_PID/P_PGID is EINVAL.
    pub fn from_raw(v: i32) -> Result<IdType, Errno> {
        match v {
            P_PID => Ok(IdType::Pid),
            P_PGID => Ok(IdType::Pgid),
            _ => Err(Errno::EINVAL),
        }
    }
}

/// One row of FreeBSD's `procctl_cmds_info[]`: what the dispatcher checks and
/// copies for a command. The C face reads `copyin`/`copyout` sizes from here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CmdInfo {
    /// The command number (`PROC_*`).
    pub cmd: i32,
    /// Its name, for messages.
    pub name: &'static str,
    /// Bytes copied in from `data` before anything else (EFAULT).
    pub copyin: usize,
    /// Bytes copied out to `data` on success.
    pub copyout: usize,
    /// Copy out even when the command failed (REAP_KILL).
    pub copyout_on_error: bool,
    /// `data` must be NULL (REAP_ACQUIRE/RELEASE), else EINVAL.
    pub data_must_be_null: bool,
    /// Only P_PID accepted.
    pub one_proc: bool,
    /// Targets are checked with p_candebug rather than p_cansee.
    pub need_candebug: bool,
    /// "No such process" is reported as EINVAL (PDEATHSIG).
    pub esrch_is_einval: bool,
    /// Machine-dependent command (handled by cpu_procctl's own order of checks).
    pub md: bool,
}

const fn ci(
    cmd: i32,
    name: &'static str,
    copyin: usize,
    copyout: usize,
    one_proc: bool,
    need_candebug: bool,
) -> CmdInfo {
    CmdInfo {
        cmd,
        name,
        copyin,
        copyout,
        copyout_on_error: false,
        data_must_be_null: false,
        one_proc,
        need_candebug,
        esrch_is_einval: false,
        md: false,
    }
}

const INT: usize = 4;

static CMDS: [CmdInfo; 28] = [
    ci(PROC_SPROTECT, "PROC_SPROTECT", INT, 0, false, false),
    CmdInfo { data_must_be_null: true, ..ci(PROC_REAP_ACQUIRE, "PROC_REAP_ACQUIRE", 0, 0, true, false) },
    CmdInfo { data_must_be_null: true, ..ci(PROC_REAP_RELEASE, "PROC_REAP_RELEASE", 0, 0, true, false) },
    ci(PROC_REAP_STATUS, "PROC_REAP_STATUS", 0, procctl_reaper_status::SIZE, true, false),
    ci(PROC_REAP_GETPIDS, "PROC_REAP_GETPIDS", procctl_reaper_pids::SIZE, 0, true, false),
    CmdInfo {
        copyout_on_error: true,
        ..ci(PROC_REAP_KILL, "PROC_REAP_KILL", procctl_reaper_kill::SIZE, procctl_reaper_kill::SIZE, true, false)
    },
    ci(PROC_TRACE_CTL, "PROC_TRACE_CTL", INT, 0, false, true),
    ci(PROC_TRACE_STATUS, "PROC_TRACE_STATUS", 0, INT, true, false),
    ci(PROC_TRAPCAP_CTL, "PROC_TRAPCAP_CTL", INT, 0, false, true),
    ci(PROC_TRAPCAP_STATUS, "PROC_TRAPCAP_STATUS", 0, INT, true, false),
    CmdInfo { esrch_is_einval: true, ..ci(PROC_PDEATHSIG_CTL, "PROC_PDEATHSIG_CTL", INT, 0, true, false) },
    CmdInfo { esrch_is_einval: true, ..ci(PROC_PDEATHSIG_STATUS, "PROC_PDEATHSIG_STATUS", 0, INT, true, false) },
    ci(PROC_ASLR_CTL, "PROC_ASLR_CTL", INT, 0, true, true),
    ci(PROC_ASLR_STATUS, "PROC_ASLR_STATUS", 0, INT, true, false),
    ci(PROC_PROTMAX_CTL, "PROC_PROTMAX_CTL", INT, 0, true, true),
    ci(PROC_PROTMAX_STATUS, "PROC_PROTMAX_STATUS", 0, INT, true, false),
    ci(PROC_STACKGAP_CTL, "PROC_STACKGAP_CTL", INT, 0, true, true),
    ci(PROC_STACKGAP_STATUS, "PROC_STACKGAP_STATUS", 0, INT, true, false),
    ci(PROC_NO_NEW_PRIVS_CTL, "PROC_NO_NEW_PRIVS_CTL", INT, 0, true, true),
    ci(PROC_NO_NEW_PRIVS_STATUS, "PROC_NO_NEW_PRIVS_STATUS", 0, INT, true, false),
    ci(PROC_WXMAP_CTL, "PROC_WXMAP_CTL", INT, 0, true, true),
    ci(PROC_WXMAP_STATUS, "PROC_WXMAP_STATUS", 0, INT, true, false),
    ci(PROC_LOGSIGEXIT_CTL, "PROC_LOGSIGEXIT_CTL", INT, 0, true, true),
    ci(PROC_LOGSIGEXIT_STATUS, "PROC_LOGSIGEXIT_STATUS", 0, INT, true, false),
    CmdInfo { md: true, ..ci(PROC_KPTI_CTL, "PROC_KPTI_CTL", INT, 0, true, false) },
    CmdInfo { md: true, ..ci(PROC_KPTI_STATUS, "PROC_KPTI_STATUS", 0, INT, true, false) },
    CmdInfo { md: true, ..ci(PROC_LA_CTL, "PROC_LA_CTL", INT, 0, true, false) },
    CmdInfo { md: true, ..ci(PROC_LA_STATUS, "PROC_LA_STATUS", 0, INT, true, false) },
];

/// The dispatcher's table entry for `cmd`, or `None` (EINVAL) if FreeBSD has
/// no such command.
pub fn cmd_info(cmd: i32) -> Option<&'static CmdInfo> {
    CMDS.iter().find(|c| c.cmd == cmd)
}

/// A procctl command with its input, as the Rust API takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    /// `PPROT_SET`/`PPROT_CLEAR` ORed with `PPROT_DESCEND`/`PPROT_INHERIT`.
    Sprotect(i32),
    /// PROC_REAP_ACQUIRE.
    ReapAcquire,
    /// PROC_REAP_RELEASE.
    ReapRelease,
    /// PROC_REAP_STATUS.
    ReapStatus,
    /// Return at most `count` descendants (`rp_count`).
    /// PROC_REAP_GETPIDS: at most `count` descendants (`rp_count`).
    ReapGetpids {
        /// `rp_count`.
        count: u32,
    },
    /// PROC_REAP_KILL: `rk_sig`, `rk_flags` (`REAPER_KILL_*`), `rk_subtree`.
    ReapKill {
        /// `rk_sig`.
        sig: i32,
        /// `rk_flags`.
        flags: u32,
        /// `rk_subtree`.
        subtree: i32,
    },
    /// PROC_TRACE_CTL with a `PROC_TRACE_CTL_*` value.
    TraceCtl(i32),
    /// PROC_TRACE_STATUS.
    TraceStatus,
    /// PROC_TRAPCAP_CTL with a `PROC_TRAPCAP_CTL_*` value.
    TrapcapCtl(i32),
    /// PROC_TRAPCAP_STATUS.
    TrapcapStatus,
    /// PROC_PDEATHSIG_CTL with a signal number (0 for none).
    PdeathsigCtl(i32),
    /// PROC_PDEATHSIG_STATUS.
    PdeathsigStatus,
    /// PROC_ASLR_CTL with a `PROC_ASLR_*` value.
    AslrCtl(i32),
    /// PROC_ASLR_STATUS.
    AslrStatus,
    /// PROC_PROTMAX_CTL with a `PROC_PROTMAX_*` value.
    ProtmaxCtl(i32),
    /// PROC_PROTMAX_STATUS.
    ProtmaxStatus,
    /// PROC_STACKGAP_CTL with `PROC_STACKGAP_*` bits.
    StackgapCtl(i32),
    /// PROC_STACKGAP_STATUS.
    StackgapStatus,
    /// PROC_NO_NEW_PRIVS_CTL with PROC_NO_NEW_PRIVS_ENABLE.
    NoNewPrivsCtl(i32),
    /// PROC_NO_NEW_PRIVS_STATUS.
    NoNewPrivsStatus,
    /// PROC_WXMAP_CTL with `PROC_WX_MAPPINGS_*` bits.
    WxmapCtl(i32),
    /// PROC_WXMAP_STATUS.
    WxmapStatus,
    /// PROC_LOGSIGEXIT_CTL with a `PROC_LOGSIGEXIT_CTL_*` value.
    LogsigexitCtl(i32),
    /// PROC_LOGSIGEXIT_STATUS.
    LogsigexitStatus,
    /// PROC_KPTI_CTL with a `PROC_KPTI_CTL_*` value.
    KptiCtl(i32),
    /// PROC_KPTI_STATUS.
    KptiStatus,
    /// PROC_LA_CTL with a `PROC_LA_CTL_*` value.
    LaCtl(i32),
    /// PROC_LA_STATUS.
    LaStatus,
}

impl Request {
    /// FreeBSD's command number.
    pub fn cmd(&self) -> i32 {
        use Request::*;
        match self {
            Sprotect(_) => PROC_SPROTECT,
            ReapAcquire => PROC_REAP_ACQUIRE,
            ReapRelease => PROC_REAP_RELEASE,
            ReapStatus => PROC_REAP_STATUS,
            ReapGetpids { .. } => PROC_REAP_GETPIDS,
            ReapKill { .. } => PROC_REAP_KILL,
            TraceCtl(_) => PROC_TRACE_CTL,
            TraceStatus => PROC_TRACE_STATUS,
            TrapcapCtl(_) => PROC_TRAPCAP_CTL,
            TrapcapStatus => PROC_TRAPCAP_STATUS,
            PdeathsigCtl(_) => PROC_PDEATHSIG_CTL,
            PdeathsigStatus => PROC_PDEATHSIG_STATUS,
            AslrCtl(_) => PROC_ASLR_CTL,
            AslrStatus => PROC_ASLR_STATUS,
            ProtmaxCtl(_) => PROC_PROTMAX_CTL,
            ProtmaxStatus => PROC_PROTMAX_STATUS,
            StackgapCtl(_) => PROC_STACKGAP_CTL,
            StackgapStatus => PROC_STACKGAP_STATUS,
            NoNewPrivsCtl(_) => PROC_NO_NEW_PRIVS_CTL,
            NoNewPrivsStatus => PROC_NO_NEW_PRIVS_STATUS,
            WxmapCtl(_) => PROC_WXMAP_CTL,
            WxmapStatus => PROC_WXMAP_STATUS,
            LogsigexitCtl(_) => PROC_LOGSIGEXIT_CTL,
            LogsigexitStatus => PROC_LOGSIGEXIT_STATUS,
            KptiCtl(_) => PROC_KPTI_CTL,
            KptiStatus => PROC_KPTI_STATUS,
            LaCtl(_) => PROC_LA_CTL,
            LaStatus => PROC_LA_STATUS,
        }
    }

    fn data(&self) -> Data {
        use Request::*;
        match *self {
            Sprotect(v) | TraceCtl(v) | TrapcapCtl(v) | PdeathsigCtl(v) | AslrCtl(v) | ProtmaxCtl(v)
            | StackgapCtl(v) | NoNewPrivsCtl(v) | WxmapCtl(v) | LogsigexitCtl(v) | KptiCtl(v) | LaCtl(v) => {
                Data::Int(v)
            }
            ReapStatus => Data::Status(procctl_reaper_status::default()),
            ReapGetpids { count } => Data::Pids { count, out: Vec::new() },
            ReapKill { sig, flags, subtree } => Data::Kill(procctl_reaper_kill {
                rk_sig: sig,
                rk_flags: flags,
                rk_subtree: subtree,
                ..Default::default()
            }),
            ReapAcquire | ReapRelease => Data::None,
            TraceStatus | TrapcapStatus | PdeathsigStatus | AslrStatus | ProtmaxStatus | StackgapStatus
            | NoNewPrivsStatus | WxmapStatus | LogsigexitStatus | KptiStatus | LaStatus => Data::Int(0),
        }
    }
}

/// What a successful command returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// Commands without output (`*_CTL`, SPROTECT, REAP_ACQUIRE/RELEASE).
    Done,
    /// The `int` of a `*_STATUS` command.
    Int(i32),
    /// REAP_STATUS: the reaper's status.
    ReaperStatus(procctl_reaper_status),
    /// REAP_GETPIDS: at most `count` entries.
    ReaperPids(Vec<procctl_reaper_pidinfo>),
    /// REAP_KILL: `rk_killed` and `rk_fpid`.
    /// REAP_KILL: `rk_killed` and `rk_fpid`.
    ReaperKill {
        /// `rk_killed`: how many processes were signalled.
        killed: u32,
        /// `rk_fpid`: the first that could not be, or -1.
        fpid: i32,
    },
}

/// The copied-in/copied-out argument of one call: FreeBSD's `union x` in
/// `sys_procctl`, typed.
#[derive(Clone, Debug)]
pub(crate) enum Data {
    None,
    Int(i32),
    Status(procctl_reaper_status),
    Pids { count: u32, out: Vec<procctl_reaper_pidinfo> },
    Kill(procctl_reaper_kill),
}

impl Data {
    pub(crate) fn int(&self) -> i32 {
        match self {
            Data::Int(v) => *v,
            _ => 0,
        }
    }
}

/// procctl(2) for Rust callers.
///
/// Errors are FreeBSD's, in FreeBSD's order. REAP_KILL's partial results on
/// failure (`rk_fpid`) are only available through [`reap_kill`].
pub fn procctl(idtype: IdType, id: i64, req: Request) -> Result<Reply> {
    let info = cmd_info(req.cmd()).ok_or(Errno::EINVAL)?;
    let mut data = req.data();
    if info.md {
        let v = data.int();
        knobs::cpu_procctl(idtype.raw(), id, info.cmd, &mut || Ok(v), &mut data)?;
    } else {
        kern_procctl(idtype.raw(), id, info.cmd, &mut data)?;
    }
    Ok(match data {
        Data::None => Reply::Done,
        Data::Int(v) => {
            if info.copyout > 0 {
                Reply::Int(v)
            } else {
                Reply::Done
            }
        }
        Data::Status(s) => Reply::ReaperStatus(s),
        Data::Pids { out, .. } => Reply::ReaperPids(out),
        Data::Kill(k) => Reply::ReaperKill { killed: k.rk_killed, fpid: k.rk_fpid },
    })
}

/// PROC_REAP_KILL with FreeBSD's in/out struct: `rk_killed`/`rk_fpid` are
/// updated even when the call fails (as the kernel copies them out), but not
/// when the arguments are rejected (EINVAL).
pub fn reap_kill(idtype: IdType, id: i64, rk: &mut procctl_reaper_kill) -> Result<()> {
    let mut data = Data::Kill(*rk);
    let r = kern_procctl(idtype.raw(), id, PROC_REAP_KILL, &mut data);
    if let Data::Kill(k) = data {
        *rk = k;
    }
    r.map_err(Error::from)
}

/// The C face's view of the caller's `data` pointer: copyin/copyout that fail
/// with EFAULT instead of crashing.
pub trait UserData {
    /// Was `data` NULL?
    fn is_null(&self) -> bool;
    /// `copyin(data, buf, buf.len())`.
    fn copyin(&mut self, buf: &mut [u8]) -> Result<(), Errno>;
    /// `copyout(buf, data, buf.len())`.
    fn copyout(&mut self, buf: &[u8]) -> Result<(), Errno>;
    /// `copyout(buf, addr, buf.len())`, for REAP_GETPIDS's `rp_pids` array.
    fn copyout_to(&mut self, addr: u64, buf: &[u8]) -> Result<(), Errno>;
}

/// A `void *data` in our own address space, accessed without faulting
/// (`process_vm_readv/writev` on ourselves): what the C face passes.
#[derive(Clone, Copy, Debug)]
pub struct UserPtr(pub usize);

impl UserData for UserPtr {
    fn is_null(&self) -> bool {
        self.0 == 0
    }
    fn copyin(&mut self, buf: &mut [u8]) -> Result<(), Errno> {
        if self.0 == 0 && !buf.is_empty() {
            return Err(Errno::EFAULT);
        }
        sys::self_read(self.0, buf).map_err(|_| Errno::EFAULT)
    }
    fn copyout(&mut self, buf: &[u8]) -> Result<(), Errno> {
        self.copyout_to(self.0 as u64, buf)
    }
    fn copyout_to(&mut self, addr: u64, buf: &[u8]) -> Result<(), Errno> {
        if addr == 0 && !buf.is_empty() {
            return Err(Errno::EFAULT);
        }
        sys::self_write(addr as usize, buf).map_err(|_| Errno::EFAULT)
    }
}

fn int_from(b: &[u8]) -> i32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[..4]);
    i32::from_ne_bytes(w)
}

/// procctl(2) exactly as `sys_procctl` runs it, for the C face:
/// `procctl(idtype, id, cmd, data)` with the host's idtype values and FreeBSD
/// command numbers. Order: MD commands to `cpu_procctl`; unknown `cmd` EINVAL;
/// copyin (EFAULT) or the NULL-data check (EINVAL); idtype (EINVAL); target
/// (ESRCH) and permission; the command; copyout on success (REAP_KILL: always).
pub fn procctl_raw(idtype: i32, id: i64, cmd: i32, data: &mut dyn UserData) -> Result<(), Errno> {
    let info = cmd_info(cmd).ok_or(Errno::EINVAL)?;
    if info.md {
        let mut out = Data::Int(0);
        let mut copyin = || {
            let mut b = [0u8; 4];
            data.copyin(&mut b)?;
            Ok(int_from(&b))
        };
        knobs::cpu_procctl(idtype, id, cmd, &mut copyin, &mut out)?;
        if info.copyout > 0 {
            data.copyout(&out.int().to_ne_bytes())?;
        }
        return Ok(());
    }
    let mut inbuf = vec![0u8; info.copyin];
    if info.copyin > 0 {
        data.copyin(&mut inbuf)?;
    } else if info.data_must_be_null && !data.is_null() {
        return Err(Errno::EINVAL);
    }
    let mut d = match cmd {
        PROC_REAP_STATUS => Data::Status(procctl_reaper_status::default()),
        PROC_REAP_GETPIDS => {
            let rp = procctl_reaper_pids::from_bytes(&inbuf);
            Data::Pids { count: rp.rp_count, out: Vec::new() }
        }
        PROC_REAP_KILL => Data::Kill(procctl_reaper_kill::from_bytes(&inbuf)),
        _ if info.copyin == INT => Data::Int(int_from(&inbuf)),
        _ if info.copyout == INT => Data::Int(0),
        _ => Data::None,
    };
    let r = kern_procctl(idtype, id, cmd, &mut d);
    // REAP_GETPIDS writes its array inside the command, before returning.
    if let (Ok(()), Data::Pids { out, .. }) = (&r, &d) {
        let rp = procctl_reaper_pids::from_bytes(&inbuf);
        data.copyout_to(rp.rp_pids, &procctl_reaper_pidinfo::slice_to_bytes(out))?;
    }
    if info.copyout > 0 && (r.is_ok() || info.copyout_on_error) {
        let bytes = match &d {
            Data::Int(v) => v.to_ne_bytes().to_vec(),
            Data::Status(s) => s.to_bytes(),
            Data::Kill(k) => k.to_bytes(),
            _ => Vec::new(),
        };
        let r1 = data.copyout(&bytes);
        r?;
        return r1;
    }
    r
}

/// A process procctl acts on.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Proc {
    pub pid: i32,
    /// The caller itself (FreeBSD's `p == td->td_proc`).
    pub is_self: bool,
    pub stat: Stat,
}

impl Proc {
    pub(crate) fn myself() -> Result<Proc, Errno> {
        let pid = sys::getpid();
        Ok(Proc { pid, is_self: true, stat: sys::proc::stat(pid)? })
    }

    /// `pfind(pid)`: a process (not a thread id, which Linux also lists
    /// under /proc), zombies included.
    pub(crate) fn find(id: i64) -> Result<Proc, Errno> {
        let pid = i32::try_from(id).map_err(|_| Errno::ESRCH)?;
        if pid <= 0 {
            return Err(Errno::ESRCH);
        }
        if pid == sys::getpid() {
            return Proc::myself();
        }
        let stat = sys::proc::stat(pid)?;
        if stat.pid != pid || sys::procfs::status(pid)?.tgid != pid {
            return Err(Errno::ESRCH);
        }
        Ok(Proc { pid, is_self: false, stat })
    }

    /// Key naming this process instance (pid reuse safe).
    pub(crate) fn key(&self) -> (i32, u64) {
        (self.pid, self.stat.starttime)
    }
}

/// `p_cansee`: Linux shows a process in /proc exactly when we may see it
/// (hidepid), so a process we found is visible.
pub(crate) fn p_cansee(_p: &Proc) -> Result<(), Errno> {
    Ok(())
}

/// `p_candebug` (fact sheet §4.1) with Linux's credentials: same-uid and
/// group-subset rule, dumpable in place of P_SUGID/P2_NOTRACE, and
/// CAP_SYS_PTRACE in place of the PRIV_DEBUG_* privileges.
pub(crate) fn p_candebug(p: &Proc) -> Result<(), Errno> {
    if p.is_self {
        return Ok(());
    }
    if sys::proc::has_cap(CAP_SYS_PTRACE) {
        return Ok(());
    }
    let st = sys::procfs::status(p.pid)?;
    let euid = sys::geteuid();
    if st.uid[..3].iter().any(|&u| u != euid) {
        return Err(Errno::EPERM);
    }
    let mut groups = sys::proc::getgroups();
    groups.push(sys::proc::getegid());
    if st.gid[..3].iter().any(|g| !groups.contains(g)) {
        return Err(Errno::EPERM);
    }
    // A non-dumpable process's /proc files belong to root.
    if sys::proc::proc_owner(p.pid)? != st.uid[1] {
        return Err(Errno::EPERM);
    }
    Ok(())
}

const CAP_SYS_PTRACE: u32 = 19;

/// `kern_procctl`: idtype, target lookup and permission, then the command.
pub(crate) fn kern_procctl(idtype: i32, id: i64, cmd: i32, data: &mut Data) -> Result<(), Errno> {
    let info = cmd_info(cmd).ok_or(Errno::EINVAL)?;
    if idtype != P_PID && info.one_proc {
        return Err(Errno::EINVAL);
    }
    let check = |p: &Proc| if info.need_candebug { p_candebug(p) } else { p_cansee(p) };
    match IdType::from_raw(idtype)? {
        IdType::Pid => {
            let p = if id == 0 {
                Proc::myself()?
            } else {
                let p = Proc::find(id).map_err(|e| if info.esrch_is_einval && e == Errno::ESRCH { Errno::EINVAL } else { e })?;
                check(&p)?;
                p
            };
            single(&p, cmd, data)
        }
        IdType::Pgid => {
            // Apply to every member we may see; ignore the others; succeed if
            // any member succeeded.
            let pgid = i32::try_from(id).map_err(|_| Errno::ESRCH)?;
            let members = pgrp_members(pgid)?;
            let mut ok = false;
            let mut first_error = None;
            for p in members {
                if p.stat.is_zombie() || check(&p).is_err() {
                    continue;
                }
                match single(&p, cmd, data) {
                    Ok(()) => ok = true,
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                }
            }
            if ok {
                Ok(())
            } else {
                Err(first_error.unwrap_or(Errno::ESRCH))
            }
        }
    }
}

/// Members of process group `pgid` (ESRCH if there is no such group).
fn pgrp_members(pgid: i32) -> Result<Vec<Proc>, Errno> {
    if pgid <= 0 {
        return Err(Errno::ESRCH);
    }
    let me = sys::getpid();
    let mut out: Vec<Proc> = sys::proc::all_pids()?
        .into_iter()
        .filter_map(|pid| {
            let stat = sys::proc::stat(pid).ok()?;
            (stat.pgrp == pgid).then_some(Proc { pid, is_self: pid == me, stat })
        })
        .collect();
    if out.is_empty() {
        return Err(Errno::ESRCH);
    }
    out.sort_by_key(|p| p.pid);
    Ok(out)
}

/// `kern_procctl_single`: the command on one permitted process.
fn single(p: &Proc, cmd: i32, data: &mut Data) -> Result<(), Errno> {
    match cmd {
        PROC_SPROTECT => protect::protect_set(p, data.int()),
        PROC_REAP_ACQUIRE => reap::acquire(p),
        PROC_REAP_RELEASE => reap::release(p),
        PROC_REAP_STATUS => reap::status(p, data),
        PROC_REAP_GETPIDS => reap::getpids(p, data),
        PROC_REAP_KILL => reap::kill(p, data),
        _ => knobs::single(p, cmd, data),
    }
}

/// Runs one system call inside another process: `(pid, syscall number, args)`.
/// Returns `None` when `pid` is not traced by this process and stopped, so the
/// call cannot be made there; `Some(result)` otherwise.
pub type RemoteSyscall = fn(pid: i32, nr: i64, args: [u64; 6]) -> Option<Result<i64, Errno>>;

static REMOTE: std::sync::OnceLock<RemoteSyscall> = std::sync::OnceLock::new();

/// Hook for the ptrace engine: make `*_CTL` commands on another process work
/// when that process is traced by us and stopped (PT_SC_REMOTE-style
/// injection of the `prctl`/`personality` call). Set once; later calls are
/// ignored.
pub fn set_remote_syscall_hook(f: RemoteSyscall) {
    let _ = REMOTE.set(f);
}

/// Does procctl hold any per-process state (e.g. a protection to inherit)?
pub fn has_state() -> bool {
    !state::is_empty()
}

/// Run `nr(args)` in `pid` through the engine's hook, or fail with `err`
/// (FreeBSD's answer for a request it will not perform) when no hook is
/// registered or the process is not ours and stopped.
pub(crate) fn remote(pid: i32, nr: i64, args: [u64; 6], err: Errno) -> Result<i64, Errno> {
    match REMOTE.get().and_then(|f| f(pid, nr, args)) {
        Some(r) => r,
        None => Err(err),
    }
}
