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

/// Hands this process's perf event descriptors, and the `links` attached
/// to them, to a helper process that closes them after this one lets go
/// (drops the returned descriptor, or exits), so that the kernel's waits
/// for RCU grace periods when the last descriptors close are paid by the
/// helper, not by this process: a perf link's detaches its program with a
/// synchronize_rcu_tasks_trace (20-35 ms here), a tracepoint's perf event
/// unregisters with tracepoint_synchronize_unregister (40-55 ms), each
/// event after the other. `None`: there were none, or no helper could be
/// made (the closes then wait here, as without it).
pub(crate) fn hand_off_perf_events(links: &[i32]) -> Option<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    let mut fds = [0i32; 2];
    // SAFETY: pipe2 writes two descriptors into the array it is given.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return None;
    }
    let (gate_r, gate_w) = (fds[0], fds[1]);
    let mut keep = Vec::new();
    let mut others = Vec::new();
    for e in std::fs::read_dir("/proc/self/fd").ok()?.flatten() {
        let Some(fd) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else { continue };
        let target = std::fs::read_link(e.path()).unwrap_or_default();
        if target.as_os_str() == "anon_inode:[perf_event]" || links.contains(&fd) {
            keep.push(fd);
        } else if fd != gate_r {
            // (read_dir's own descriptor, listed too, is closed by now:
            // closing it again in the child does nothing.)
            others.push(fd);
        }
    }
    // SAFETY: gate_w is ours; it is the returned descriptor's.
    let gate = unsafe { std::os::fd::OwnedFd::from_raw_fd(gate_w) };
    if keep.is_empty() {
        // SAFETY: gate_r is ours and nothing else uses it.
        unsafe { libc::close(gate_r) };
        return None;
    }
    // SAFETY: between fork and _exit the child and grandchild only call
    // async-signal-safe functions (close, fork, read, _exit) and read the
    // vectors made before the fork; nothing is allocated.
    unsafe {
        let child = libc::fork();
        if child == 0 {
            for &fd in &others {
                libc::close(fd);
            }
            if libc::fork() == 0 {
                // The grandchild, reparented once the child exits: holds the
                // perf events until this process has let go of them, then
                // closes the last descriptors.
                let mut b = 0u8;
                while libc::read(gate_r, (&mut b as *mut u8).cast(), 1) != 0 {
                    if *libc::__errno_location() != libc::EINTR {
                        break;
                    }
                }
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
