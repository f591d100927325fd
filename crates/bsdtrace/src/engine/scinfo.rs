//! The syscall-info cache of one LWP: PTRACE_GET_SYSCALL_INFO answers kept
//! across the stops of one syscall (read by PT_LWPINFO, PT_GET_SC_ARGS and
//! PT_GET_SC_RET in `request/lwp.rs`, aged by every resume here).

use crate::sys::{self, Tid};
use crate::sysent::Arch;

/// PTRACE_GET_SYSCALL_INFO answers kept for one syscall of one LWP, so
/// that PT_GET_SC_ARGS at its entry and PT_GET_SC_RET at its exit cost one
/// such request each (about half a PTRACE_GETREGS on this kernel) and
/// answer what the registers would.
///
/// The exit answer carries only `rax`; the arguments (and `rdx`, FreeBSD's
/// `sr_retval[1]`) at the exit are the entry's, because x86-64 Linux
/// returns from a syscall with every argument register as it took it. That
/// holds unless something rewrote the registers in between: the tracer
/// (every register write clears this), or the syscall itself (execve,
/// rt_sigreturn, the uprobe calls), which moves the instruction and stack
/// pointers, so the exit's answer must show the entry's pointers; those
/// syscalls are also never taken from here.
///
/// Lifetime: an entry answer taken at an entry stop survives only a
/// resume with PTRACE_SYSCALL, which runs the LWP to that syscall's exit
/// stop (the first syscall stop to come; an event stop met first resumes
/// it, which ends the answer); nothing survives a second resume.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ScInfo {
    pub(crate) entry: Option<ScEntry>,
    /// The entry answer of an execve the LWP was resumed from with
    /// PTRACE_SYSCALL (its next stop is that call's exec or exit stop):
    /// execve's arguments, which FreeBSD's `td_sa` still holds at the exec
    /// stop where Linux has replaced the registers. Kept for the one stop
    /// after that resume, register writes included.
    pub(crate) exec_entry: Option<ScEntry>,
    /// The exit's `rax`, once asked at this exit stop.
    exit_rax: Option<u64>,
    /// The tracer wrote the syscall number at this entry stop (PT_SETREGS).
    written_here: bool,
    /// ... at the entry stop of the syscall whose exit stop this is.
    written: bool,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct ScEntry {
    pub(crate) arch: Arch,
    pub(crate) nr: u64,
    pub(crate) args: [u64; 6],
    pub(crate) ip: u64,
    pub(crate) sp: u64,
    /// Taken at the stop the LWP is in now (not yet resumed).
    pub(crate) here: bool,
}

/// Whether syscall `nr` loads the caller's registers from elsewhere.
fn rewrites_registers(arch: Arch, nr: u64) -> bool {
    arch.is_sigreturn(nr) || arch.is_exec(nr) || (arch == Arch::X86_64 && matches!(nr, 335 | 336)) // uretprobe, uprobe
}

impl ScEntry {
    /// The entry (or seccomp) answer.
    pub(crate) fn ask(tid: Tid) -> Option<ScEntry> {
        let i = sys::syscall_info(tid).ok()?;
        let at_entry = matches!(i.op, sys::PTRACE_SYSCALL_INFO_ENTRY | sys::PTRACE_SYSCALL_INFO_SECCOMP);
        let arch = Arch::from_audit(i.arch)?;
        if !at_entry {
            return None;
        }
        let mut args = [0u64; 6];
        args.copy_from_slice(&i.data[1..7]);
        // An i386 call reads 32 bits of each register (a 64-bit program's
        // int $0x80 may leave anything above).
        let (nr, args) = match arch {
            Arch::X86_64 => (i.data[0], args),
            Arch::I386 => (i.data[0] & 0xffff_ffff, args.map(|a| a & 0xffff_ffff)),
        };
        Some(ScEntry { arch, nr, args, ip: i.instruction_pointer, sp: i.stack_pointer, here: true })
    }
}

impl ScInfo {
    /// The LWP is resumed with Linux request `req`.
    pub(crate) fn resumed(&mut self, req: u32) {
        self.exit_rax = None;
        // A resume with PTRACE_SYSCALL from an entry stop runs to that
        // syscall's exit stop (see the lifetime above).
        self.written = std::mem::take(&mut self.written_here) && req == sys::PTRACE_SYSCALL;
        self.exec_entry = self
            .entry
            .filter(|e| e.here && req == sys::PTRACE_SYSCALL && e.arch.is_exec(e.nr))
            .map(|e| ScEntry { here: false, ..e });
        self.entry = self
            .entry
            .filter(|e| e.here && req == sys::PTRACE_SYSCALL && !rewrites_registers(e.arch, e.nr))
            .map(|e| ScEntry { here: false, ..e });
    }

    /// The LWP's registers were written: the cached answers are stale
    /// (whether the tracer set the syscall number is not).
    pub(crate) fn clear(&mut self) {
        *self = ScInfo {
            exec_entry: self.exec_entry,
            written_here: self.written_here,
            written: self.written,
            ..ScInfo::default()
        };
    }

    /// The entry answer just taken at this entry stop.
    pub(crate) fn set_entry(&mut self, e: ScEntry) {
        self.entry = Some(e);
        self.exit_rax = None;
    }

    /// The tracer set the syscall number at this entry stop.
    pub(crate) fn set_number_written(&mut self) {
        self.written_here = true;
    }

    /// At an exit stop: the tracer set this syscall's number at its entry.
    pub(crate) fn number_written(&self) -> bool {
        self.written
    }

    /// `rax` at the exit stop of the syscall whose entry was `entry`, if
    /// the exit answer shows that syscall, unmoved.
    pub(crate) fn exit_rax(&mut self, tid: Tid, entry: &ScEntry) -> Option<u64> {
        if self.exit_rax.is_none() {
            let i = sys::syscall_info(tid).ok()?;
            let same = i.op == sys::PTRACE_SYSCALL_INFO_EXIT
                && i.arch == entry.arch.audit()
                && i.instruction_pointer == entry.ip
                && i.stack_pointer == entry.sp;
            if !same {
                self.entry = None;
                return None;
            }
            self.exit_rax = Some(i.data[0]);
        }
        self.exit_rax
    }
}
