//! The per-process switches: TRACE, TRAPCAP, PDEATHSIG, ASLR, PROTMAX,
//! STACKGAP, NO_NEW_PRIVS, WXMAP, LOGSIGEXIT and the x86 KPTI/LA pair.
//!
//! Rule used throughout (docs/deviations.md): a request Linux already
//! satisfies succeeds; a request Linux cannot satisfy fails with ENOTSUP; a
//! FreeBSD flag with no effect on Linux (TRAPCAP) is stored so its status
//! reads back. `prctl`/`personality` act on the calling thread, so for
//! another process they go through the engine hook
//! (`set_remote_syscall_hook`; EPERM when that process is not traced by us
//! and stopped).

use super::{remote, state, Data, Proc};
use crate::abi::procctl::*;
use crate::abi::*;
use crate::error::Errno;
use crate::sys;
use crate::sys::proc as sp;

/// Host signals run 1..=64.
const SIG_MAX: i32 = 64;

fn set_int(data: &mut Data, v: i32) -> Result<(), Errno> {
    *data = Data::Int(v);
    Ok(())
}

/// `prctl(option, arg)` in `p`: directly for ourselves, through the engine
/// for another process.
fn prctl_in(p: &Proc, option: i32, arg: u64) -> Result<i64, Errno> {
    remote(p.pid, sp::SYS_PRCTL, [option as u64, arg, 0, 0, 0, 0], Errno::EPERM)
}

/// Dispatch for every non-SPROTECT, non-REAP command.
pub(crate) fn single(p: &Proc, cmd: i32, data: &mut Data) -> Result<(), Errno> {
    let v = data.int();
    match cmd {
        PROC_TRACE_CTL => trace_ctl(p, v),
        PROC_TRACE_STATUS => set_int(data, trace_status(p)?),
        PROC_TRAPCAP_CTL => trapcap_ctl(p, v),
        PROC_TRAPCAP_STATUS => {
            let on = state::get(p.key()).trapcap;
            set_int(data, if on { PROC_TRAPCAP_CTL_ENABLE } else { PROC_TRAPCAP_CTL_DISABLE })
        }
        PROC_PDEATHSIG_CTL => {
            if !p.is_self || !(0..=SIG_MAX).contains(&v) {
                return Err(Errno::EINVAL);
            }
            sp::set_pdeathsig(v)
        }
        PROC_PDEATHSIG_STATUS => {
            if !p.is_self {
                return Err(Errno::EINVAL);
            }
            set_int(data, sp::pdeathsig()?)
        }
        PROC_ASLR_CTL => aslr_ctl(p, v),
        PROC_ASLR_STATUS => set_int(data, aslr_status(p)?),
        PROC_PROTMAX_CTL => match v {
            // Linux never applies an implicit PROT_MAX: forcing it off or
            // leaving the default is already true; forcing it on is impossible.
            PROC_PROTMAX_FORCE_DISABLE | PROC_PROTMAX_NOFORCE => {
                state::update(p.key(), |s| s.protmax = if v == PROC_PROTMAX_NOFORCE { 0 } else { v });
                Ok(())
            }
            PROC_PROTMAX_FORCE_ENABLE => Err(Errno::ENOTSUP),
            _ => Err(Errno::EINVAL),
        },
        PROC_PROTMAX_STATUS => {
            let s = state::get(p.key()).protmax;
            set_int(data, if s == 0 { PROC_PROTMAX_NOFORCE } else { s })
        }
        PROC_STACKGAP_CTL => stackgap_ctl(v),
        PROC_STACKGAP_STATUS => set_int(data, PROC_STACKGAP_ENABLE | PROC_STACKGAP_ENABLE_EXEC),
        PROC_NO_NEW_PRIVS_CTL => {
            if v != PROC_NO_NEW_PRIVS_ENABLE {
                return Err(Errno::EINVAL);
            }
            if p.is_self {
                sp::set_no_new_privs()
            } else {
                prctl_in(p, sp::PR_SET_NO_NEW_PRIVS, 1).map(drop)
            }
        }
        PROC_NO_NEW_PRIVS_STATUS => {
            let on = if p.is_self { sp::no_new_privs()? } else { sys::procfs::status(p.pid)?.no_new_privs };
            set_int(data, if on { PROC_NO_NEW_PRIVS_ENABLE } else { PROC_NO_NEW_PRIVS_DISABLE })
        }
        PROC_WXMAP_CTL => wxmap_ctl(p, v),
        PROC_WXMAP_STATUS => set_int(data, wxmap_status(p)?),
        PROC_LOGSIGEXIT_CTL => match v {
            PROC_LOGSIGEXIT_CTL_NOFORCE => Ok(()),
            // Linux's print-fatal-signals is system-wide.
            PROC_LOGSIGEXIT_CTL_FORCE_ENABLE | PROC_LOGSIGEXIT_CTL_FORCE_DISABLE => Err(Errno::ENOTSUP),
            _ => Err(Errno::EINVAL),
        },
        PROC_LOGSIGEXIT_STATUS => set_int(data, PROC_LOGSIGEXIT_CTL_NOFORCE),
        _ => Err(Errno::EINVAL),
    }
}

/// Is any thread of `p` ptraced? (FreeBSD's P_TRACED is per process.)
fn is_traced(p: &Proc) -> Result<bool, Errno> {
    for tid in sys::procfs::tasks(p.pid)? {
        if sys::procfs::task_status(p.pid, tid).map(|s| s.tracer_pid != 0).unwrap_or(false) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `trace_ctl()`. Tracing disabled = not dumpable (PR_SET_DUMPABLE 0), which
/// Linux resets at every execve: DISABLE_EXEC behaves as DISABLE. ENABLE
/// undoes only what procctl did: a process the kernel made non-dumpable
/// because its credentials changed (FreeBSD's P_SUGID, which ENABLE does not
/// clear either) stays non-dumpable.
fn trace_ctl(p: &Proc, v: i32) -> Result<(), Errno> {
    if is_traced(p)? {
        return Err(Errno::EBUSY);
    }
    let disable = |p: &Proc| -> Result<(), Errno> {
        if p.is_self {
            sp::set_dumpable(false)?;
        } else {
            prctl_in(p, sp::PR_SET_DUMPABLE, 0)?;
        }
        state::update(p.key(), |s| s.notrace = true);
        Ok(())
    };
    match v {
        PROC_TRACE_CTL_ENABLE => {
            if !p.is_self {
                return Err(Errno::EPERM);
            }
            if state::get(p.key()).notrace {
                sp::set_dumpable(true)?;
            }
            state::update(p.key(), |s| {
                s.notrace = false;
                s.notrace_exec = false;
            });
            Ok(())
        }
        PROC_TRACE_CTL_DISABLE_EXEC => {
            disable(p)?;
            state::update(p.key(), |s| s.notrace_exec = true);
            Ok(())
        }
        PROC_TRACE_CTL_DISABLE => {
            if state::get(p.key()).notrace_exec {
                if !p.is_self {
                    return Err(Errno::EPERM);
                }
                state::update(p.key(), |s| s.notrace_exec = false);
                Ok(())
            } else {
                disable(p)
            }
        }
        _ => Err(Errno::EINVAL),
    }
}

/// `trace_status()`: -1 if tracing is disabled, else the tracer's pid, else 0.
fn trace_status(p: &Proc) -> Result<i32, Errno> {
    let st = sys::procfs::status(p.pid)?;
    let disabled = if p.is_self {
        sp::dumpable()? == 0
    } else {
        // /proc/PID/* of a non-dumpable process belong to root.
        st.uid[1] != 0 && sp::proc_owner(p.pid)? == 0
    };
    if disabled {
        return Ok(-1);
    }
    if st.tracer_pid != 0 {
        // TracerPid names the tracing thread; FreeBSD names its process.
        return Ok(sys::procfs::status(st.tracer_pid).map(|t| t.tgid).unwrap_or(st.tracer_pid));
    }
    for tid in sys::procfs::tasks(p.pid)? {
        if let Ok(t) = sys::procfs::task_status(p.pid, tid) {
            if t.tracer_pid != 0 {
                return Ok(sys::procfs::status(t.tracer_pid).map(|x| x.tgid).unwrap_or(t.tracer_pid));
            }
        }
    }
    Ok(0)
}

/// TRAPCAP: Linux has no capability mode, so no ENOTCAPABLE/ECAPMODE error
/// ever occurs and the flag has nothing to act on; it is kept so
/// TRAPCAP_STATUS reads it back.
fn trapcap_ctl(p: &Proc, v: i32) -> Result<(), Errno> {
    let on = match v {
        PROC_TRAPCAP_CTL_ENABLE => true,
        PROC_TRAPCAP_CTL_DISABLE => false,
        _ => return Err(Errno::EINVAL),
    };
    state::update(p.key(), |s| s.trapcap = on);
    Ok(())
}

fn randomize_va_space() -> i64 {
    sp::read_int("/proc/sys/kernel/randomize_va_space").unwrap_or(2)
}

/// ASLR policy for later execs = the ADDR_NO_RANDOMIZE personality bit,
/// which Linux also applies at exec and passes to children.
fn aslr_ctl(p: &Proc, v: i32) -> Result<(), Errno> {
    let (set_bit, force_enable) = match v {
        PROC_ASLR_FORCE_ENABLE => {
            // FreeBSD's FORCE_ENABLE overrides a global "off"; Linux cannot.
            if randomize_va_space() == 0 {
                return Err(Errno::ENOTSUP);
            }
            (false, true)
        }
        PROC_ASLR_FORCE_DISABLE => (true, false),
        PROC_ASLR_NOFORCE => (false, false),
        _ => return Err(Errno::EINVAL),
    };
    let get = |p: &Proc| -> Result<u32, Errno> {
        if p.is_self {
            sp::personality(sp::PER_QUERY)
        } else {
            remote(p.pid, sp::SYS_PERSONALITY, [sp::PER_QUERY as u64, 0, 0, 0, 0, 0], Errno::EPERM).map(|v| v as u32)
        }
    };
    let cur = get(p)?;
    let new = if set_bit { cur | sp::ADDR_NO_RANDOMIZE } else { cur & !sp::ADDR_NO_RANDOMIZE };
    if new != cur {
        if p.is_self {
            sp::personality(new)?;
        } else {
            remote(p.pid, sp::SYS_PERSONALITY, [new as u64, 0, 0, 0, 0, 0], Errno::EPERM)?;
        }
    }
    state::update(p.key(), |s| s.aslr_force_enable = force_enable);
    Ok(())
}

fn aslr_status(p: &Proc) -> Result<i32, Errno> {
    let persona = if p.is_self {
        sp::personality(sp::PER_QUERY)?
    } else {
        // Reading another process's personality needs ptrace access on Linux.
        sp::personality_of(p.pid).map_err(|e| if e == Errno::EACCES { Errno::EPERM } else { e })?
    };
    let no_rand = persona & sp::ADDR_NO_RANDOMIZE != 0;
    let mut d = if no_rand {
        PROC_ASLR_FORCE_DISABLE
    } else if state::get(p.key()).aslr_force_enable {
        PROC_ASLR_FORCE_ENABLE
    } else {
        PROC_ASLR_NOFORCE
    };
    if !no_rand && randomize_va_space() != 0 {
        d |= PROC_ASLR_ACTIVE;
    }
    Ok(d)
}

/// `stackgap_ctl()` checks; Linux's stack guard gap is always on (boot-wide
/// `stack_guard_gap`), so enabling is a no-op and disabling impossible.
fn stackgap_ctl(v: i32) -> Result<(), Errno> {
    let all = PROC_STACKGAP_ENABLE | PROC_STACKGAP_DISABLE | PROC_STACKGAP_ENABLE_EXEC | PROC_STACKGAP_DISABLE_EXEC;
    if v & !all != 0 {
        return Err(Errno::EINVAL);
    }
    let now = PROC_STACKGAP_ENABLE | PROC_STACKGAP_DISABLE;
    let exec = PROC_STACKGAP_ENABLE_EXEC | PROC_STACKGAP_DISABLE_EXEC;
    if v & now == now || v & exec == exec {
        return Err(Errno::EINVAL);
    }
    if v & (PROC_STACKGAP_DISABLE | PROC_STACKGAP_DISABLE_EXEC) != 0 {
        return Err(Errno::ENOTSUP);
    }
    Ok(())
}

/// MDWE flags of `p`: ours directly, another's through the engine.
fn mdwe_of(p: &Proc) -> Result<u64, Errno> {
    if p.is_self {
        // EINVAL: kernel without MDWE, so nothing is enforced.
        sp::mdwe().or(Ok(0))
    } else {
        prctl_in(p, sp::PR_GET_MDWE, 0).map(|v| v as u64)
    }
}

/// W^X: Linux permits W+X mappings unless MDWE (PR_SET_MDWE, ≥ 6.3) is on;
/// MDWE cannot be lifted and applies from the moment it is set.
fn wxmap_ctl(p: &Proc, v: i32) -> Result<(), Errno> {
    if p.stat.is_exiting() {
        return Err(Errno::ESRCH);
    }
    match v {
        PROC_WX_MAPPINGS_PERMIT => {
            if mdwe_of(p)? & sp::PR_MDWE_REFUSE_EXEC_GAIN != 0 {
                return Err(Errno::ENOTSUP);
            }
            state::update(p.key(), |s| s.wx_permit = true);
            Ok(())
        }
        PROC_WX_MAPPINGS_DISALLOW_EXEC => {
            let r = if p.is_self {
                sp::set_mdwe(sp::PR_MDWE_REFUSE_EXEC_GAIN)
            } else {
                prctl_in(p, sp::PR_SET_MDWE, sp::PR_MDWE_REFUSE_EXEC_GAIN).map(drop)
            };
            match r {
                Ok(()) => {}
                // Kernel older than 6.3: no MDWE at all.
                Err(Errno::EINVAL) => return Err(Errno::ENOTSUP),
                Err(e) => return Err(e),
            }
            state::update(p.key(), |s| s.wx_disallow_exec = true);
            Ok(())
        }
        _ => Err(Errno::EINVAL),
    }
}

fn wxmap_status(p: &Proc) -> Result<i32, Errno> {
    if p.stat.is_exiting() {
        return Err(Errno::ESRCH);
    }
    let s = state::get(p.key());
    let mut v = 0;
    if s.wx_permit {
        v |= PROC_WX_MAPPINGS_PERMIT;
    }
    if s.wx_disallow_exec {
        v |= PROC_WX_MAPPINGS_DISALLOW_EXEC;
    }
    // Another process's MDWE is only visible through the engine; without it
    // the stored flags are all we know.
    if mdwe_of(p).unwrap_or(0) & sp::PR_MDWE_REFUSE_EXEC_GAIN != 0 {
        v |= PROC_WX_MAPPINGS_DISALLOW_EXEC | PROC_WXORX_ENFORCE;
    }
    Ok(v)
}

/// Kernel page-table isolation on? (Linux decides at boot, for everyone.)
fn pti_active() -> bool {
    std::fs::read_to_string("/sys/devices/system/cpu/vulnerabilities/meltdown")
        .map(|s| s.contains("PTI"))
        .unwrap_or(false)
}

/// Does `pid` have a user mapping above the 47-bit (LA48) limit? (The
/// vsyscall page sits in the kernel half and does not count.)
fn uses_la57(pid: i32) -> bool {
    sys::procfs::maps_text(pid, pid)
        .map(|t| sys::procfs::parse_maps(&t).iter().any(|m| m.end > 1 << 47 && m.start < 1 << 63))
        .unwrap_or(false)
}

/// `cpu_procctl()` (x86): its own order — idtype, privilege (KPTI_CTL needs
/// PRIV_IO, i.e. CAP_SYS_RAWIO), copyin, value, then the target.
pub(crate) fn cpu_procctl(
    idtype: i32,
    id: i64,
    cmd: i32,
    copyin: &mut dyn FnMut() -> Result<i32, Errno>,
    out: &mut Data,
) -> Result<(), Errno> {
    if idtype != super::P_PID {
        return Err(Errno::EINVAL);
    }
    if cmd == PROC_KPTI_CTL && !sp::has_cap(sp::CAP_SYS_RAWIO) {
        return Err(Errno::EPERM);
    }
    let mut val = 0;
    if cmd == PROC_KPTI_CTL || cmd == PROC_LA_CTL {
        val = copyin()?;
    }
    if cmd == PROC_KPTI_CTL && val != PROC_KPTI_CTL_ENABLE_ON_EXEC && val != PROC_KPTI_CTL_DISABLE_ON_EXEC {
        return Err(Errno::EINVAL);
    }
    if cmd == PROC_LA_CTL
        && val != PROC_LA_CTL_LA48_ON_EXEC
        && val != PROC_LA_CTL_LA57_ON_EXEC
        && val != PROC_LA_CTL_DEFAULT_ON_EXEC
    {
        return Err(Errno::EINVAL);
    }
    // pget(PGET_CANSEE | PGET_NOTWEXIT | PGET_NOTID); id 0 is taken as the
    // caller (FreeBSD would find proc0, which Linux does not have).
    let p = if id == 0 { Proc::myself()? } else { Proc::find(id)? };
    if p.stat.is_exiting() || p.stat.is_zombie() {
        return Err(Errno::ESRCH);
    }
    super::p_cansee(&p)?;
    match cmd {
        PROC_KPTI_CTL => {
            // With PTI off FreeBSD ignores ENABLE too; with it on, Linux cannot
            // turn it off for one process.
            if val == PROC_KPTI_CTL_DISABLE_ON_EXEC && pti_active() {
                return Err(Errno::ENOTSUP);
            }
            Ok(())
        }
        PROC_KPTI_STATUS => {
            let v = if pti_active() {
                PROC_KPTI_CTL_ENABLE_ON_EXEC | PROC_KPTI_STATUS_ACTIVE
            } else {
                PROC_KPTI_CTL_DISABLE_ON_EXEC
            };
            set_int(out, v)
        }
        PROC_LA_CTL => match val {
            // Linux maps above 47 bits only on an explicit hint address; it
            // cannot make a whole image LA57.
            PROC_LA_CTL_LA57_ON_EXEC => Err(Errno::ENOTSUP),
            _ => {
                state::update(p.key(), |s| s.la = if val == PROC_LA_CTL_DEFAULT_ON_EXEC { 0 } else { val });
                Ok(())
            }
        },
        PROC_LA_STATUS => {
            let la = state::get(p.key()).la;
            let mut v = if la == 0 { PROC_LA_CTL_DEFAULT_ON_EXEC } else { la };
            v |= if uses_la57(p.pid) { PROC_LA_STATUS_LA57 } else { PROC_LA_STATUS_LA48 };
            set_int(out, v)
        }
        _ => Err(Errno::EINVAL),
    }
}
