//! The few libc calls this crate makes itself (the rest goes through
//! libbpf-rs and `bsdtrace::sys`): the only `unsafe` here.

/// CLOCK_MONOTONIC in ns: the clock of `bpf_ktime_get_ns`, so of
/// [`crate::Event::ts`].
pub fn monotonic_ns() -> u64 {
    clock_ns(libc::CLOCK_MONOTONIC)
}

/// CLOCK_REALTIME in ns.
pub fn realtime_ns() -> u64 {
    clock_ns(libc::CLOCK_REALTIME)
}

fn clock_ns(clock: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes the timespec it is given.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Raises the calling thread's priority to nice -10, best effort.
pub(crate) fn raise_priority() {
    // SAFETY: plain integers. PRIO_PROCESS 0 is the calling thread on Linux.
    unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, -10) };
}

/// The closer's name (`ps`, /proc/PID/comm): at most 15 bytes.
pub const CLOSER_NAME: &str = "bsdtrace-detach";

/// Hands this process's perf event descriptors, and the `links` attached
/// to them, to a helper process (the closer, named [`CLOSER_NAME`]) that
/// closes them after this one lets go (drops the returned descriptor, or
/// exits), so that the kernel's waits for RCU grace periods when the last
/// descriptors close are paid by the helper, not by this process: a perf
/// link's detaches its program with a synchronize_rcu_tasks_trace (20-35
/// ms here), a tracepoint's perf event unregisters with
/// tracepoint_synchronize_unregister (40-55 ms), each event after the
/// other. `None`: there were none, or no helper could be made (the closes
/// then wait here, as without it).
///
/// The closer holds nothing else: every other descriptor is closed in
/// the forked child by number (close_range around the kept ones), so one
/// another thread opens meanwhile (a pipe's end, a socket) is not kept
/// open by it; it leaves the working directory for `/` and takes the
/// default action of every signal this process catches (truss's SIGINT
/// and SIGTERM handlers would make it ignore them).
pub(crate) fn hand_off_perf_events(links: &[i32]) -> Option<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    let mut fds = [0i32; 2];
    // SAFETY: pipe2 writes two descriptors into the array it is given.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return None;
    }
    let (gate_r, gate_w) = (fds[0], fds[1]);
    // SAFETY: both are ours; the returned descriptor owns gate_w, and
    // gate_r is closed here (the child's copy is the closer's).
    let gate = unsafe { std::os::fd::OwnedFd::from_raw_fd(gate_w) };
    let gate_r = unsafe { std::os::fd::OwnedFd::from_raw_fd(gate_r) };
    let mut keep = Vec::new();
    // (Without /proc the perf events cannot be told apart: no closer.)
    for e in std::fs::read_dir("/proc/self/fd").ok()?.flatten() {
        let Some(fd) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else { continue };
        let target = std::fs::read_link(e.path()).unwrap_or_default();
        if target.as_os_str() == "anon_inode:[perf_event]" || links.contains(&fd) {
            keep.push(fd);
        }
    }
    if keep.is_empty() {
        return None;
    }
    let gate_r = std::os::fd::IntoRawFd::into_raw_fd(gate_r);
    // The descriptors the closer holds, in order: every other is closed.
    let mut hold: Vec<u32> = keep.iter().chain([&gate_r]).map(|&fd| fd as u32).collect();
    hold.sort_unstable();
    hold.dedup();
    let name = CLOSER_NAME.as_bytes();
    let mut comm = [0u8; 16];
    comm[..name.len()].copy_from_slice(name);
    // SAFETY: between fork and _exit the child and grandchild only make
    // system calls (close_range, close, prctl, chdir, sigaction,
    // sigprocmask, fork, read, _exit: all async-signal-safe) and read the
    // vectors made before the fork; nothing is allocated.
    unsafe {
        let child = libc::fork();
        if child == 0 {
            let mut from = 0u32;
            for &fd in &hold {
                if fd > from {
                    libc::syscall(libc::SYS_close_range, from, fd - 1, 0);
                }
                from = fd + 1;
            }
            libc::syscall(libc::SYS_close_range, from, u32::MAX, 0);
            if libc::fork() == 0 {
                // The grandchild, reparented once the child exits: holds the
                // perf events until this process has let go of them, then
                // closes the last descriptors.
                libc::chdir(c"/".as_ptr());
                for sig in 1..65 {
                    let mut old: libc::sigaction = std::mem::zeroed();
                    if libc::sigaction(sig, std::ptr::null(), &mut old) == 0
                        && old.sa_sigaction != libc::SIG_DFL
                        && old.sa_sigaction != libc::SIG_IGN
                    {
                        let mut dfl: libc::sigaction = std::mem::zeroed();
                        dfl.sa_sigaction = libc::SIG_DFL;
                        libc::sigaction(sig, &dfl, std::ptr::null_mut());
                    }
                }
                let mut none: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut none);
                libc::sigprocmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
                // Named last: a closer under its name is one made ready.
                libc::prctl(libc::PR_SET_NAME, comm.as_ptr());
                let mut b = 0u8;
                while libc::read(gate_r, (&mut b as *mut u8).cast(), 1) < 0 && *libc::__errno_location() == libc::EINTR {}
                for &fd in &keep {
                    libc::close(fd);
                }
                libc::_exit(0);
            }
            libc::_exit(0);
        }
        libc::close(gate_r);
        if child < 0 {
            return None;
        }
        let mut status = 0;
        libc::waitpid(child, &mut status, 0);
    }
    Some(gate)
}

/// Whether the kernel lets this process load an fentry program on the
/// kernel function whose BTF id is `btf_id`: a trivial one (`return 0`)
/// is loaded and closed, a fraction of a millisecond where trying the
/// real object costs tens (a kernel in lockdown refuses every fentry
/// program with EPERM before verifying it). The errno otherwise.
pub(crate) fn fentry_allowed(btf_id: u32) -> Result<(), i32> {
    use libbpf_sys as b;
    // SAFETY: bpf_insn and bpf_prog_load_opts are plain C structs for
    // which all zeroes is a valid value (no registers, no options).
    let mut insns: [b::bpf_insn; 2] = unsafe { std::mem::zeroed() };
    insns[0].code = (b::BPF_ALU64 | b::BPF_MOV | b::BPF_K) as u8; // r0 = 0
    insns[1].code = (b::BPF_JMP | b::BPF_EXIT) as u8;
    let mut opts: b::bpf_prog_load_opts = unsafe { std::mem::zeroed() };
    opts.sz = std::mem::size_of::<b::bpf_prog_load_opts>() as _;
    opts.expected_attach_type = b::BPF_TRACE_FENTRY;
    opts.attach_btf_id = btf_id;
    // SAFETY: the strings are NUL-terminated, the instructions and the
    // options live across the call; the descriptor returned is ours.
    let fd = unsafe {
        b::bpf_prog_load(b::BPF_PROG_TYPE_TRACING, c"probe".as_ptr(), c"GPL".as_ptr(), insns.as_ptr(), insns.len() as _, &mut opts)
    };
    if fd < 0 {
        return Err(-fd);
    }
    // SAFETY: fd is the program just loaded, closed once.
    unsafe { libc::close(fd) };
    Ok(())
}
