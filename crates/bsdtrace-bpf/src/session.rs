//! A trace: the BPF object loaded and attached, the processes it follows,
//! and the ring buffer drained into [`Event`]s in timestamp order.

use std::cell::RefCell;
use std::collections::HashSet;
use std::ffi::CString;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::rc::Rc;
use std::time::Duration;

use libbpf_rs::skel::{OpenSkel, Skel, SkelBuilder};
use libbpf_rs::{MapCore, MapFlags, OpenObject, RingBuffer, RingBufferBuilder};

use crate::plan::{self, Capture};
use crate::record::{Event, Record};
use crate::skel::{TrussSkel, TrussSkelBuilder};
use crate::Error;

/// How many syscalls a filtered trace may attach to one by one (the
/// fentry/fexit slots of truss.bpf.c); a larger set uses the tracepoints.
pub const SLOTS: usize = 64;
/// Plans per ABI: x86-64's at 0..512, i386's at 512..1024 (truss.bpf.c's
/// HALF); the last of each serves the numbers past it.
const NPLANS: u32 = 512;
const T_WAIT_EXEC: u32 = 1;
const T_FOLLOW: u32 = 2;
/// Records are held this long before they are handed out, so that one
/// taken a little later on another CPU still sorts before them.
const REORDER_NS: u64 = 2_000_000;

/// What to trace and how.
#[derive(Clone, Debug)]
pub struct Options {
    /// Follow fork children (truss `-f`).
    pub follow: bool,
    /// The syscall numbers to record; `None`: all of them.
    pub syscalls: Option<Vec<u32>>,
    /// The i386 syscall numbers to record (the calls of 32-bit programs
    /// and `int $0x80`) when `syscalls` is a set; `None`: all of them.
    /// The fentry/fexit hooks a small set uses see x86-64 calls only.
    pub syscalls_i386: Option<Vec<u32>>,
    /// Which memory to copy with each call.
    pub capture: Capture,
    /// Ring buffer size in bytes (a power of two, at least one page).
    pub ring_bytes: usize,
    /// Never use the per-syscall fentry/fexit programs, even for a small set.
    pub tracepoints_only: bool,
    /// A filtered trace skips fentry/fexit and takes the chosen syscalls'
    /// own tracepoints ([`Hooks::SyscallEvents`]) where they all have one,
    /// as where the kernel refuses fentry (to compare the hooks, and to
    /// test that way on a machine that allows fentry).
    pub no_fentry: bool,
    /// Raise this thread's scheduling priority (nice -10, best effort)
    /// once the target runs, so that draining keeps up with a process
    /// whose hundreds of threads would otherwise take the CPUs from it.
    pub keep_up: bool,
    /// A spawned command's environment (`NAME=value` strings); `None`:
    /// this process's.
    pub env: Option<Vec<String>>,
    /// When the trace is dropped, leave detaching the per-syscall
    /// tracepoints ([`Hooks::SyscallEvents`]: the kernel's RCU waits, 60-100
    /// ms per tracepoint) to a helper process, so that dropping returns at
    /// once. Until the helper is done, the programs stay attached (no
    /// process is followed any more: they look the caller up and return)
    /// and every syscall of the machine stays on the slow path. It forks
    /// (twice) from the calling process; the helper, `bsdtrace-detach`,
    /// holds nothing but those descriptors and a pipe from the caller (no
    /// standard descriptor, working directory `/`, no signal caught or
    /// blocked) and exits once it has closed them.
    pub detach_in_background: bool,
    /// The x86-64 calls whose entry records keep all six argument
    /// registers; any other's record carries only as many as the call
    /// has in the syscall table (when it copied no memory), the rest read
    /// as 0. The default keeps all six for every call; a decoder that
    /// reads only a call's own arguments (truss's, but for the calls it
    /// decodes specially) says so here, and the records are shorter.
    pub all_args: fn(u32) -> bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            follow: false,
            syscalls: None,
            syscalls_i386: None,
            capture: Capture { strsize: 32, argv: false, env: false, nothing: false },
            all_args: |_| true,
            ring_bytes: 16 << 20,
            tracepoints_only: false,
            no_fentry: false,
            keep_up: false,
            env: None,
            detach_in_background: false,
        }
    }
}

/// How syscalls are seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hooks {
    /// The raw_syscalls tracepoints: every syscall (a set is filtered in
    /// the kernel); every process of the machine pays the slow path.
    Tracepoints,
    /// fentry/fexit on this many syscall functions; nothing else pays.
    Functions(usize),
    /// The per-syscall tracepoints (`syscalls/sys_enter_NAME`) of this many
    /// syscalls, where the kernel refuses fentry: every process of the
    /// machine takes the slow syscall path, but a syscall nobody chose only
    /// tests a bitmap there (no BPF program runs for it).
    SyscallEvents(usize),
}

/// What to load.
enum Load<'a> {
    /// The raw_syscalls tracepoint programs.
    Tracepoints,
    /// fentry/fexit slots pointed at these functions.
    Functions(&'a [String]),
    /// The two per-syscall-event programs (attached after loading).
    SyscallEvents,
}

/// What to trace.
#[derive(Clone, Copy, Debug)]
pub enum Target<'a> {
    /// Run this command (`argv[0]` looked up in PATH); the trace starts at
    /// its exec.
    Spawn(&'a [String]),
    /// Running processes, from now on (at least one).
    Attach(&'a [i32]),
}

/// A running trace. Dropping it detaches every program; the processes run
/// on untouched.
pub struct Session {
    ring: RingBuffer<'static>,
    /// The per-syscall tracepoint attachments ([`Hooks::SyscallEvents`]),
    /// detached before the programs are unloaded.
    #[allow(dead_code)]
    links: Vec<libbpf_rs::Link>,
    skel: TrussSkel<'static>,
    /// Records as the ring callback validates them, copied raw and
    /// indexed, the index sorted by timestamp (ties in ring order) before
    /// they are lent out in place ([`Session::drain`]); those before
    /// `head` were, and are dropped once they are half of it.
    held: Rc<RefCell<Held>>,
    head: usize,
    bad: Rc<RefCell<u64>>,
    hooks: Hooks,
    note: Option<String>,
    /// Processes not yet seen to end.
    live: HashSet<i32>,
    /// The spawned command, or the first process attached to.
    root: i32,
    spawned: bool,
    detach_in_background: bool,
}

fn bpf_err(what: &str, e: libbpf_rs::Error) -> Error {
    let errno = match e.kind() {
        libbpf_rs::ErrorKind::PermissionDenied => libc::EPERM,
        libbpf_rs::ErrorKind::NotFound => libc::ENOENT,
        libbpf_rs::ErrorKind::Interrupted => libc::EINTR,
        _ => 0,
    };
    Error::Bpf { what: what.to_string(), errno, detail: e.to_string() }
}

/// The kernel's own name of x86-64 syscall `nr` (its `SYSCALL_DEFINE`:
/// the `__x64_sys_NAME` function the syscall table calls, and the
/// `syscalls/sys_enter_NAME` event), where it is not the syscall's name:
/// `__x64_sys_fstat` is the old i386 stat, never called by an x86-64 fstat.
fn kernel_name(nr: u32) -> Option<&'static str> {
    Some(match nr {
        4 => "newstat",
        5 => "newfstat",
        6 => "newlstat",
        40 => "sendfile64",
        63 => "newuname",
        166 => "umount",
        _ => bsdtrace::sysent::name(nr)?,
    })
}

/// `__x64_sys_NAME` for the syscalls of `set`, if the kernel has every one
/// of them as a BTF function (an fentry target), with the BTF id of the
/// first.
fn functions(set: &[u32]) -> Option<(Vec<String>, u32)> {
    let btf = libbpf_rs::btf::Btf::from_vmlinux().ok()?;
    let mut out = Vec::with_capacity(set.len());
    let mut first = None;
    for &nr in set {
        let name = format!("__x64_sys_{}", kernel_name(nr)?);
        let f = btf.type_by_name::<libbpf_rs::btf::types::Func>(&name)?;
        first.get_or_insert(f.type_id());
        out.push(name);
    }
    Some((out, u32::from(first?)))
}

/// The per-syscall tracepoint names of `set` (`sys_enter_NAME`'s NAME), if
/// the kernel has the event of every one of them.
fn syscall_events(set: &[u32]) -> Option<Vec<String>> {
    let dir = ["/sys/kernel/tracing/events/syscalls", "/sys/kernel/debug/tracing/events/syscalls"]
        .into_iter()
        .find(|d| std::path::Path::new(d).is_dir())?;
    set.iter()
        .map(|&nr| {
            let name = kernel_name(nr)?;
            let ok = std::path::Path::new(&format!("{dir}/sys_enter_{name}")).is_dir()
                && std::path::Path::new(&format!("{dir}/sys_exit_{name}")).is_dir();
            ok.then(|| name.to_string())
        })
        .collect()
}

/// Is the target a 32-bit program (the command's file, found in PATH as
/// exec does, or an attached process's executable)? Its ia32 calls have no
/// per-syscall tracepoints.
fn runs_32_bit(target: &Target) -> bool {
    let elf32 = |path: &std::path::Path| {
        let mut head = [0u8; 5];
        std::fs::File::open(path).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head)).is_ok() && head[..4] == *b"\x7fELF" && head[4] == 1
    };
    match target {
        Target::Spawn(argv) => {
            let Some(cmd) = argv.first() else { return false };
            if cmd.contains('/') {
                return elf32(std::path::Path::new(cmd));
            }
            let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
            std::env::split_paths(&path).map(|d| d.join(cmd)).find(|p| p.is_file()).is_some_and(|p| elf32(&p))
        }
        Target::Attach(pids) => pids.iter().any(|p| elf32(std::path::Path::new(&format!("/proc/{p}/exe")))),
    }
}

/// `BSDTRACE_BPF_DEBUG` set: libbpf's debug output, the verifier's
/// statistics and the time of each start-up step, on stderr.
fn debug() -> bool {
    std::env::var_os("BSDTRACE_BPF_DEBUG").is_some()
}

/// With [`debug`]: how long since the previous step (per thread).
fn step(what: &str) {
    thread_local!(static LAST: std::cell::Cell<u64> = const { std::cell::Cell::new(0) });
    if debug() {
        let now = crate::sys::monotonic_ns();
        let last = LAST.with(|l| l.replace(now));
        if last != 0 {
            eprintln!("bsdtrace-bpf: {what}: {:.2} ms", (now - last) as f64 / 1e6);
        }
    }
}

/// Opens and loads the object with the programs `what` asks for.
fn load(opts: &Options, what: Load) -> Result<TrussSkel<'static>, Error> {
    // The skeleton borrows its object's storage for its whole life; one
    // small allocation per session is leaked to give it that.
    let storage: &'static mut MaybeUninit<OpenObject> = Box::leak(Box::new(MaybeUninit::uninit()));
    let mut open = TrussSkelBuilder::default().open(storage).map_err(|e| bpf_err("open the BPF object", e))?;
    step("open the object");
    let ring = opts.ring_bytes.max(4096).next_power_of_two();
    open.maps.rb.set_max_entries(ring as u32).map_err(|e| bpf_err("size the ring buffer", e))?;
    if let Some(ro) = open.maps.rodata_data.as_deref_mut() {
        ro.ring_wakeup = (ring / 4) as u64;
    }
    match what {
        Load::Tracepoints => {
            open.progs.sys_enter.set_autoload(true);
            open.progs.sys_exit.set_autoload(true);
        }
        Load::SyscallEvents => {
            open.progs.sc_enter.set_autoload(true);
            open.progs.sc_exit.set_autoload(true);
        }
        Load::Functions(funcs) => {
            for mut p in open.open_object_mut().progs_mut() {
                let name = p.name().to_string_lossy().into_owned();
                // enter_00 .. enter_77: the slot number in octal (SLOT8 in truss.bpf.c).
                let slot = name.strip_prefix("enter_").or_else(|| name.strip_prefix("exit_"));
                if let Some(f) = slot.and_then(|n| usize::from_str_radix(n, 8).ok()).and_then(|i| funcs.get(i)) {
                    p.set_autoload(true);
                    p.set_attach_target(0, Some(f.clone())).map_err(|e| bpf_err("choose a syscall function", e))?;
                }
            }
        }
    }
    if debug() {
        // The verifier's statistics (instructions processed, states) of
        // each program, in libbpf's debug output.
        for mut p in open.open_object_mut().progs_mut() {
            if p.autoload() {
                p.set_log_level(std::env::var("BSDTRACE_BPF_LOG").ok().and_then(|v| v.parse().ok()).unwrap_or(4));
            }
        }
    }
    let skel = open.load().map_err(|e| match e.kind() {
        libbpf_rs::ErrorKind::PermissionDenied => Error::NotPermitted(format!("the kernel refused the BPF programs: {e}")),
        _ => bpf_err("load the BPF programs", e),
    });
    step("load (maps, BTF, verification)");
    skel
}

impl Drop for Session {
    fn drop(&mut self) {
        step("trace");
        // The last close of a per-syscall tracepoint's perf link and event
        // waits for RCU grace periods in the kernel, 60-100 ms per
        // tracepoint, one after another. With `detach_in_background` a
        // helper process holds them and pays that.
        let gate = if self.detach_in_background && !self.links.is_empty() {
            let fds: Vec<i32> = self.links.iter().map(|l| l.as_fd().as_raw_fd()).collect();
            crate::sys::hand_off_perf_events(&fds)
        } else {
            None
        };
        self.links.clear();
        drop(gate);
        step("detach the per-syscall tracepoints");
    }
}

impl Session {
    /// Loads and attaches the programs, then starts (or attaches to) the
    /// target. Fails with a reason a person can act on when BPF is not
    /// available (see [`crate::check`]).
    pub fn start(opts: &Options, target: Target) -> Result<Session, Error> {
        step("start");
        crate::check()?;
        let funcs = match &opts.syscalls {
            Some(set) if !opts.tracepoints_only && !opts.no_fentry && !set.is_empty() && set.len() <= SLOTS => functions(set),
            _ => None,
        };
        step("find the syscall functions in the kernel's BTF");
        if debug() {
            libbpf_rs::set_print(Some((libbpf_rs::PrintLevel::Debug, |_, m| eprint!("{m}"))));
        } else {
            libbpf_rs::set_print(None);
        }
        // A filtered trace that cannot have fentry (a kernel in lockdown,
        // a sandbox's BPF LSM, no trampolines) takes the chosen syscalls'
        // own tracepoints where they all have one, else the raw_syscalls
        // tracepoints, which run a program for every syscall of the machine.
        // (Not for a 32-bit program: those events leave ia32 calls out.)
        let events = || -> Option<(TrussSkel<'static>, Vec<String>)> {
            let set = opts.syscalls.as_ref().filter(|s| !opts.tracepoints_only && !s.is_empty())?;
            if runs_32_bit(&target) {
                return None;
            }
            let names = syscall_events(set)?;
            Some((load(opts, Load::SyscallEvents).ok()?, names))
        };
        let (fentry, note) = match &funcs {
            Some((f, id)) => match crate::sys::fentry_allowed(*id) {
                Err(errno) => (
                    None,
                    Some(format!(
                        "fentry/fexit on the syscall functions refused (the kernel refused a trivial fentry program: {})",
                        std::io::Error::from_raw_os_error(errno)
                    )),
                ),
                Ok(()) => match load(opts, Load::Functions(f)) {
                    Ok(skel) => (Some((skel, Hooks::Functions(f.len()))), None),
                    Err(e) => (None, Some(format!("fentry/fexit on the syscall functions refused ({e})"))),
                },
            },
            None => (None, None),
        };
        // Without fentry (refused, or a set it cannot take: too many
        // syscalls for the slots, one with no BTF function): the chosen
        // syscalls' tracepoints if all have one, else the raw ones.
        let mut event_names = Vec::new();
        let (mut skel, hooks) = match fentry {
            Some(x) => x,
            None => match events() {
                Some((skel, names)) => {
                    event_names = names;
                    (skel, Hooks::SyscallEvents(event_names.len()))
                }
                None => (load(opts, Load::Tracepoints)?, Hooks::Tracepoints),
            },
        };
        let wanted: Option<HashSet<u32>> = opts.syscalls.as_ref().map(|s| s.iter().copied().collect());
        for nr in 0..NPLANS {
            let on = wanted.as_ref().is_none_or(|w| w.contains(&nr)) && (nr < NPLANS - 1 || wanted.is_none());
            let p = plan::plan_bytes(nr, on, &opts.capture, !(opts.all_args)(nr));
            skel.maps.plans.update(&nr.to_ne_bytes(), &p, MapFlags::ANY).map_err(|e| bpf_err("write the capture plans", e))?;
        }
        let wanted: Option<HashSet<u32>> = opts.syscalls_i386.as_ref().map(|s| s.iter().copied().collect());
        for nr in 0..NPLANS {
            let on = wanted.as_ref().is_none_or(|w| w.contains(&nr)) && (nr < NPLANS - 1 || wanted.is_none());
            let p = plan::plan_bytes_i386(nr, on, &opts.capture);
            let key = NPLANS + nr;
            skel.maps.plans.update(&key.to_ne_bytes(), &p, MapFlags::ANY).map_err(|e| bpf_err("write the capture plans", e))?;
        }
        // i386 socketcall's sub-calls (truss.bpf.c's run_socketcall).
        for call in 1..=20u32 {
            let p = plan::plan_bytes_socketcall(call, &opts.capture);
            let key = 2 * NPLANS + call;
            skel.maps.plans.update(&key.to_ne_bytes(), &p, MapFlags::ANY).map_err(|e| bpf_err("write the capture plans", e))?;
        }
        step("write the plans");
        skel.attach().map_err(|e| bpf_err("attach the BPF programs", e))?;
        let mut links = Vec::with_capacity(2 * event_names.len());
        for name in &event_names {
            let cat = || libbpf_rs::TracepointCategory::Syscalls;
            links.push(skel.progs.sc_enter.attach_tracepoint(cat(), format!("sys_enter_{name}")).map_err(|e| bpf_err("attach to a syscall's tracepoint", e))?);
            links.push(skel.progs.sc_exit.attach_tracepoint(cat(), format!("sys_exit_{name}")).map_err(|e| bpf_err("attach to a syscall's tracepoint", e))?);
        }

        let held = Rc::new(RefCell::new(Held {
            bytes: Vec::with_capacity(opts.ring_bytes.clamp(1 << 16, 64 << 20)),
            slots: Vec::with_capacity(1 << 16),
            spare: Vec::new(),
        }));
        let bad = Rc::new(RefCell::new(0u64));
        let (inc, b2) = (held.clone(), bad.clone());
        let mut rb = RingBufferBuilder::new();
        rb.add(&skel.maps.rb, move |data: &[u8]| {
            match Record::new(data) {
                Some(r) => inc.borrow_mut().push(r),
                None => *b2.borrow_mut() += 1,
            }
            0
        })
        .map_err(|e| bpf_err("open the ring buffer", e))?;
        step("attach");
        let ring = rb.build().map_err(|e| bpf_err("open the ring buffer", e))?;
        step("map the ring");

        let follow = if opts.follow { T_FOLLOW } else { 0 };
        let (roots, spawned, gate): (Vec<i32>, bool, Option<OwnedFd>) = match target {
            Target::Spawn(argv) => {
                let cstrings = |v: &[String]| -> Result<Vec<CString>, Error> {
                    v.iter()
                        .map(|a| CString::new(a.as_bytes()).map_err(|_| Error::Spawn { errno: libc::EINVAL }))
                        .collect()
                };
                let cargv = cstrings(argv)?;
                let cenv = opts.env.as_deref().map(cstrings).transpose()?;
                let (pid, gate) = bsdtrace::sys::fork_exec_gated(&cargv, cenv.as_deref(), None, None)
                    .map_err(|e| Error::Spawn { errno: e.0 })?;
                (vec![pid], true, Some(gate))
            }
            Target::Attach(pids) => {
                if pids.is_empty() {
                    return Err(Error::NoProcess { pid: 0 });
                }
                for &pid in pids {
                    if bsdtrace::sys::kill(pid, 0).is_err() {
                        return Err(Error::NoProcess { pid });
                    }
                }
                (pids.to_vec(), false, None)
            }
        };
        let root = roots[0];
        let flags = follow | if spawned { T_WAIT_EXEC } else { 0 };
        let r = roots
            .iter()
            .try_for_each(|pid| skel.maps.procs.update(&(*pid as u32).to_ne_bytes(), &flags.to_ne_bytes(), MapFlags::ANY));
        if let Some(g) = gate {
            // Released even on error, so the child runs (and the caller reaps it).
            bsdtrace::sys::release_gate(g);
        }
        if r.is_err() && spawned {
            // Never leave the command running untraced behind an error.
            let _ = bsdtrace::sys::kill(root, libc::SIGKILL);
            let _ = bsdtrace::sys::wait4(root, 0);
        }
        r.map_err(|e| bpf_err("add the process to the trace", e))?;
        step("start the target");
        if opts.keep_up {
            // The child, already forked, keeps its own priority.
            crate::sys::raise_priority();
        }
        Ok(Session {
            ring,
            links,
            skel,
            held,
            head: 0,
            bad,
            hooks,
            note,
            live: roots.into_iter().collect(),
            root,
            spawned,
            detach_in_background: opts.detach_in_background,
        })
    }

    /// How syscalls are being seen.
    pub fn hooks(&self) -> Hooks {
        self.hooks
    }

    /// Why the hooks asked for could not be used, if they could not.
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    /// The process started, or the first one attached to.
    pub fn root(&self) -> i32 {
        self.root
    }

    /// Whether the root is our child (spawned), to be reaped by the caller.
    pub fn spawned(&self) -> bool {
        self.spawned
    }

    /// Waits up to `timeout` for the ring to fill past a quarter mark (the
    /// programs wake us then, and with every record past half full), then
    /// takes every record in it.
    pub fn poll(&mut self, timeout: Duration) -> Result<(), Error> {
        match self.ring.poll(timeout) {
            Ok(()) => {}
            Err(e) if e.kind() == libbpf_rs::ErrorKind::Interrupted => {}
            Err(e) => return Err(bpf_err("read the ring buffer", e)),
        }
        self.ring.consume().map_err(|e| bpf_err("read the ring buffer", e))?;
        Ok(())
    }

    /// The events that can be handed out in timestamp order: those older
    /// than the reordering window, or all of them when `all`.
    pub fn events(&mut self, all: bool) -> Vec<Event> {
        let mut out = Vec::new();
        self.drain(all, |r| out.push(r.to_event()));
        out
    }

    /// [`Session::events`] without building them: lends each record, in
    /// timestamp order, to `f` as it leaves the reordering window (or
    /// every one when `all`), and returns how many. The record is read in
    /// place ([`Record`]: fields decoded on demand, memory not copied); `f`
    /// copies what it keeps ([`Blobs::to_snapshot`](crate::record::Blobs::to_snapshot),
    /// or into a reused [`HeldBlobs`](crate::record::HeldBlobs)).
    pub fn drain(&mut self, all: bool, mut f: impl FnMut(Record<'_>)) -> usize {
        let mut held = self.held.borrow_mut();
        let held = &mut *held;
        // Records lent out are dropped once they are half the index: the
        // ones still waiting are copied once in a while, not at every drain.
        if self.head > 0 && self.head * 2 >= held.slots.len() {
            held.compact(self.head);
            self.head = 0;
        }
        let waiting = &mut held.slots[self.head..];
        // The ring is in reservation order, nearly timestamp order: the
        // stable sort finds the runs and costs little more than a scan.
        waiting.sort_by_key(|s| s.ts);
        let limit = if all { u64::MAX } else { crate::sys::monotonic_ns().saturating_sub(REORDER_NS) };
        let n = waiting.partition_point(|s| s.ts <= limit);
        for s in &waiting[..n] {
            let r = Record::new(&held.bytes[s.off..s.off + s.len]).expect("validated when read");
            if r.is_new_process() {
                self.live.insert(r.pid());
            } else if r.is_process_exit() {
                self.live.remove(&r.pid());
            }
            f(r);
        }
        self.head += n;
        if self.head == held.slots.len() {
            held.slots.clear();
            held.bytes.clear();
            self.head = 0;
        }
        n
    }

    /// Processes not yet seen to end.
    pub fn live(&self) -> &HashSet<i32> {
        &self.live
    }

    /// Forget a process whose end was not recorded (its exit record was
    /// lost, or it ended before it was traced).
    pub fn forget(&mut self, pid: i32) {
        self.live.remove(&pid);
        let _ = self.skel.maps.procs.delete(&(pid as u32).to_ne_bytes());
    }

    /// Records lost because the ring was full, all threads.
    pub fn lost_total(&self) -> u64 {
        self.skel.maps.bss_data.as_deref().map_or(0, |b| b.lost_total)
    }

    /// Losses not yet reported with a later record of their thread:
    /// (thread, count), by thread id.
    pub fn lost_unreported(&self) -> Vec<(i32, u64)> {
        let mut out = Vec::new();
        for k in self.skel.maps.lost.keys() {
            if let Ok(Some(v)) = self.skel.maps.lost.lookup(&k, MapFlags::ANY) {
                let n = u64::from_ne_bytes(v[..8].try_into().unwrap_or([0; 8]));
                let tid = u32::from_ne_bytes(k[..4].try_into().unwrap_or([0; 4])) as i32;
                if n > 0 {
                    out.push((tid, n));
                }
            }
        }
        out.sort_unstable();
        out
    }

    /// Records the parser could not read (a bug if ever non-zero).
    pub fn malformed(&self) -> u64 {
        *self.bad.borrow()
    }
}

/// Records taken from the ring and not yet handed out: their bytes, one
/// after the other, and an index of them.
struct Held {
    bytes: Vec<u8>,
    slots: Vec<Slot>,
    /// The bytes' previous buffer, reused by the next compaction.
    spare: Vec<u8>,
}

/// A held record: its timestamp (the sort key) and where its bytes are.
#[derive(Clone, Copy)]
struct Slot {
    ts: u64,
    off: usize,
    len: usize,
}

impl Held {
    fn push(&mut self, r: Record<'_>) {
        let b = r.bytes();
        self.slots.push(Slot { ts: r.ts(), off: self.bytes.len(), len: b.len() });
        self.bytes.extend_from_slice(b);
    }

    /// Drops the first `head` slots (and their bytes).
    fn compact(&mut self, head: usize) {
        let mut bytes = std::mem::take(&mut self.spare);
        bytes.clear();
        for s in &mut self.slots[head..] {
            let off = bytes.len();
            bytes.extend_from_slice(&self.bytes[s.off..s.off + s.len]);
            s.off = off;
        }
        self.slots.drain(..head);
        self.spare = std::mem::replace(&mut self.bytes, bytes);
    }
}
