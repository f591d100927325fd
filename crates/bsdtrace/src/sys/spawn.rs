//! Starting tracees and the engine's own threads: a gated fork+exec (with
//! an optional seccomp filter), and threads that never take the program's
//! signals.

#![allow(clippy::missing_safety_doc)]

use super::*;

/// Fork a child that waits on a pipe before `execvp(argv)`; the parent gets
/// the pid and the write end (closing it releases the child). `sigmask`:
/// the child's signal mask (bits as [`sigset_to_bits`]), else the calling
/// thread's. Everything the
/// child touches is prepared before `fork()`, so this is safe in a
/// multithreaded parent.
pub fn fork_exec_gated(
    argv: &[CString],
    env: Option<&[CString]>,
    filter: Option<&[libc::sock_filter]>,
    sigmask: Option<u64>,
) -> Result<(i32, OwnedFd), Errno> {
    let mask = sigmask.map(bits_to_sigset);
    let mut fds = [0i32; 2];
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(Errno::last());
    }
    let mut ptrs: Vec<*const libc::c_char> = argv.iter().map(|a| a.as_ptr()).collect();
    ptrs.push(std::ptr::null());
    let envp: Option<Vec<*const libc::c_char>> = env.map(|e| {
        let mut v: Vec<*const libc::c_char> = e.iter().map(|a| a.as_ptr()).collect();
        v.push(std::ptr::null());
        v
    });
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        let e = Errno::last();
        unsafe {
            libc::close(fds[0]);
            libc::close(fds[1]);
        }
        return Err(e);
    }
    if pid == 0 {
        unsafe {
            libc::close(fds[1]);
            let mut b = 0u8;
            let mut r;
            loop {
                r = libc::read(fds[0], (&mut b as *mut u8).cast(), 1);
                if r >= 0 {
                    break;
                }
            }
            if r == 0 {
                // EOF, not the byte: the tracer died before it seized us.
                // Running the program untraced would outlive a tracer whose
                // tracees die with it (issue 11, R3).
                libc::_exit(127);
            }
            // Rust programs start with SIGPIPE ignored; the program must not
            // inherit that.
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
            if let Some(m) = &mask {
                libc::pthread_sigmask(libc::SIG_SETMASK, m, std::ptr::null_mut());
            }
            if let Some(f) = filter {
                let prog = libc::sock_fprog { len: f.len() as u16, filter: f.as_ptr() as *mut _ };
                let set = |prog: &libc::sock_fprog| {
                    libc::syscall(libc::SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog as *const libc::sock_fprog)
                };
                // Without CAP_SYS_ADMIN the kernel demands no_new_privs.
                if set(&prog) != 0 && (libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || set(&prog) != 0) {
                    let msg = b"bsdtrace: cannot install the seccomp filter\n";
                    libc::write(2, msg.as_ptr().cast(), msg.len());
                    libc::_exit(126);
                }
            }
            match &envp {
                Some(e) => {
                    libc::execvpe(ptrs[0], ptrs.as_ptr(), e.as_ptr());
                }
                None => {
                    libc::execvp(ptrs[0], ptrs.as_ptr());
                }
            }
            let code = if Errno::last() == Errno::ENOENT { 127 } else { 126 };
            libc::_exit(code);
        }
    }
    unsafe { libc::close(fds[0]) };
    Ok((pid, unsafe { OwnedFd::from_raw_fd(fds[1]) }))
}

/// seccomp(2): install a BPF filter.
pub const SECCOMP_SET_MODE_FILTER: u32 = 1;
/// Filter verdict: stop for the tracer.
pub const SECCOMP_RET_TRACE: u32 = 0x7ff0_0000;
/// Filter verdict: allow.
pub const SECCOMP_RET_ALLOW: u32 = 0x7fff_0000;
/// `arch` of x86-64 system calls.
pub const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
/// A classic-BPF seccomp program: SECCOMP_RET_TRACE for the syscall numbers
/// in `traced` (and for every syscall of a foreign ABI), ALLOW for the rest.
pub fn seccomp_trace_filter(traced: &[u32]) -> Vec<libc::sock_filter> {
    const LD_W_ABS: u16 = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
    const JEQ_K: u16 = (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16;
    const JGE_K: u16 = (libc::BPF_JMP | libc::BPF_JGE | libc::BPF_K) as u16;
    const JA: u16 = (libc::BPF_JMP | libc::BPF_JA) as u16;
    const RET_K: u16 = (libc::BPF_RET | libc::BPF_K) as u16;
    let ins = |code: u16, jt: u8, jf: u8, k: u32| libc::sock_filter { code, jt, jf, k };
    let mut f = vec![
        ins(LD_W_ABS, 0, 0, 4), // seccomp_data.arch
        ins(JEQ_K, 1, 0, AUDIT_ARCH_X86_64),
        ins(RET_K, 0, 0, SECCOMP_RET_TRACE),
        ins(LD_W_ABS, 0, 0, 0), // seccomp_data.nr
        ins(JGE_K, 0, 1, 0x4000_0000), // x32
        ins(RET_K, 0, 0, SECCOMP_RET_TRACE),
    ];
    // Blocks of at most 200 comparisons, each ending in its own TRACE so
    // every jump fits the 8-bit offset.
    for chunk in traced.chunks(200) {
        let n = chunk.len();
        for (i, nr) in chunk.iter().enumerate() {
            f.push(ins(JEQ_K, (n - i) as u8, 0, *nr));
        }
        f.push(ins(JA, 0, 0, 1));
        f.push(ins(RET_K, 0, 0, SECCOMP_RET_TRACE));
    }
    f.push(ins(RET_K, 0, 0, SECCOMP_RET_ALLOW));
    f
}

/// Release a child made by [`fork_exec_gated`].
pub fn release_gate(gate: OwnedFd) {
    let b = [0u8; 1];
    unsafe { libc::write(gate.as_raw_fd(), b.as_ptr().cast(), 1) };
}
/// A thread of ours with every signal blocked, so the program's
/// process-directed signals and their handlers never land on it. The mask
/// is set in the spawning thread around the spawn, so the new thread starts
/// with it: blocking from inside leaves a window in which a handler (a
/// SIGCHLD handler calling waitpid) could run on it before Rust has set it
/// up ("current thread handle already set during thread spawn").
pub fn spawn_quiet<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<std::thread::JoinHandle<T>, Errno> {
    // SAFETY: fully initialised sets, applied to this thread only, and the
    // old mask is put back before returning.
    let mut old: libc::sigset_t = unsafe { std::mem::zeroed() };
    unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_BLOCK, &all, &mut old);
    }
    let r = std::thread::Builder::new().name(name.into()).spawn(f);
    unsafe {
        libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
    }
    r.map_err(Errno::from)
}
