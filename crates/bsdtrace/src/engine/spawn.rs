//! Starting a program under trace: fork, seize, exec (with an optional
//! seccomp filter choosing the syscalls that stop).

use super::{options_for, LinuxState, Lwp, Pid, Proc, Tracer};
use crate::error::{Errno, Result};
use crate::sys;

/// How [`Tracer::spawn_with`] starts a program.
#[derive(Clone, Debug, Default)]
pub struct SpawnOptions {
    /// The environment (`None`: ours).
    pub env: Option<Vec<String>>,
    /// Stop only at these syscalls (host numbers): a seccomp filter
    /// (SECCOMP_RET_TRACE) is installed before exec, so every other syscall
    /// runs at full speed. It is inherited by children: untraced children of
    /// a filtered program see ENOSYS from the traced syscalls, so follow
    /// forks (PT_FOLLOW_FORK) when using it.
    pub trace_only: Option<Vec<u32>>,
}

impl Tracer {
    /// Run `argv` under trace with [`SpawnOptions`].
    pub fn spawn_with<S: AsRef<str>>(&mut self, argv: &[S], opts: &SpawnOptions) -> Result<Pid> {
        self.spawn_inner(argv, opts.env.as_deref(), opts.trace_only.as_deref())
    }

    /// Run `argv` under trace (fork, seize, exec). The first stop is the
    /// exec: SIGTRAP with `PL_FLAG_EXEC | PL_FLAG_SCX`, as after FreeBSD's
    /// PT_TRACE_ME + execve. A program that cannot be executed exits 127
    /// (not found) or 126.
    pub fn spawn<S: AsRef<str>>(&mut self, argv: &[S]) -> Result<Pid> {
        self.spawn_env(argv, None::<&[&str]>)
    }

    /// [`Tracer::spawn`] with an explicit environment.
    pub fn spawn_env<S: AsRef<str>, E: AsRef<str>>(&mut self, argv: &[S], env: Option<&[E]>) -> Result<Pid> {
        let env: Option<Vec<String>> = env.map(|e| e.iter().map(|s| s.as_ref().to_string()).collect());
        self.spawn_inner(argv, env.as_deref(), None)
    }

    fn spawn_inner<S: AsRef<str>>(&mut self, argv: &[S], env: Option<&[String]>, trace_only: Option<&[u32]>) -> Result<Pid> {
        let cargv: Vec<std::ffi::CString> = argv
            .iter()
            .map(|a| std::ffi::CString::new(a.as_ref()).map_err(|_| Errno::EINVAL))
            .collect::<std::result::Result<_, _>>()?;
        if cargv.is_empty() {
            return Err(Errno::EINVAL.into());
        }
        let cenv: Option<Vec<std::ffi::CString>> = match env {
            Some(e) => Some(
                e.iter()
                    .map(|a| std::ffi::CString::new(a.as_str()).map_err(|_| Errno::EINVAL))
                    .collect::<std::result::Result<_, _>>()?,
            ),
            None => None,
        };
        let filter = trace_only.map(sys::seccomp_trace_filter);
        let (pid, gate) = sys::fork_exec_gated(&cargv, cenv.as_deref(), filter.as_deref(), self.spawn_sigmask)?;
        let mask = crate::abi::PTRACE_DEFAULT;
        let opts = options_for(mask) | if filter.is_some() { sys::PTRACE_O_TRACESECCOMP } else { 0 };
        if let Err(e) = sys::seize(pid, opts) {
            let _ = sys::kill(pid, libc::SIGKILL);
            let _ = sys::wait4(pid, 0);
            return Err(e.into());
        }
        let mut p = Proc::new(Pid(pid), mask);
        p.options = opts;
        p.seccomp = filter.is_some();
        p.lwps.push(Lwp::new(pid, LinuxState::Running));
        self.set_aside_exit(Pid(pid));
        self.procs.insert(Pid(pid), p);
        self.tids.insert(pid, Pid(pid));
        self.children.insert(pid);
        sys::release_gate(gate);
        Ok(Pid(pid))
    }
}
