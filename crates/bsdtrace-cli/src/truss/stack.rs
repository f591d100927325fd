//! `-k`: the stack of the thread after each call, as strace's `-k` prints it:
//!
//! ```text
//!  > /usr/lib/x86_64-linux-gnu/libc.so.6(__GI___libc_write+0x17) [0x10e297]
//!  > /usr/bin/cat(main+0x2a1) [0x3c11]
//! ```
//!
//! Unwinding is `framehop`'s (DWARF call frame information from each
//! module's `.eh_frame`/`.eh_frame_hdr`/`.debug_frame`, with a frame-pointer
//! fallback), from the thread's rip/rsp/rbp and its stack, read with
//! `process_vm_readv`. Symbols are `addr2line`'s (the symbol table, DWARF,
//! and separate debug files it finds). Module lists come from
//! `/proc/PID/maps`, read when a process is first unwound, after an exec,
//! and whenever a return address falls outside every known module (a
//! `dlopen`). Nothing here runs without `-k`.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use bsdtrace::{Lwpid, Pid, Target, Tracer};
use framehop::x86_64::{CacheX86_64, UnwindRegsX86_64, UnwinderX86_64};
use framehop::{ExplicitModuleSectionInfo, Module, Unwinder as _};
use object::{Object, ObjectSection, ObjectSegment};

/// Deepest stack printed.
const MAX_FRAMES: usize = 64;

/// One mapped ELF file of a process.
struct Mapped {
    path: PathBuf,
    /// Load bias: run-time address minus the file's virtual address.
    bias: u64,
    range: Range<u64>,
}

struct ProcessModules {
    unwinder: UnwinderX86_64<Vec<u8>>,
    modules: Vec<Mapped>,
}

pub struct Unwinder {
    cache: CacheX86_64,
    procs: HashMap<i32, ProcessModules>,
    /// Symbolizers by file, shared by every process mapping the file.
    symbols: HashMap<PathBuf, Option<addr2line::Loader>>,
}

impl Default for Unwinder {
    fn default() -> Self {
        Self::new()
    }
}

impl Unwinder {
    pub fn new() -> Unwinder {
        Unwinder { cache: CacheX86_64::new(), procs: HashMap::new(), symbols: HashMap::new() }
    }

    /// A process exec'd or ended: its modules are stale.
    pub fn forget(&mut self, pid: i32) {
        self.procs.remove(&pid);
    }

    /// The frames of thread `tid` of `pid`, innermost first, as text.
    pub fn backtrace(&mut self, tracer: &mut Tracer, pid: Pid, tid: i32) -> Vec<String> {
        let Ok(r) = tracer.get_regs(Target::Lwp(Lwpid(tid))) else {
            return vec!["(registers unavailable)".to_string()];
        };
        let (pc, sp, bp) = (r.r_rip as u64, r.r_rsp as u64, r.r_rbp as u64);
        let mut addrs = self.unwind(pid.0, pc, sp, bp);
        if addrs.iter().any(|&(a, _)| !self.known(pid.0, a)) {
            // A library mapped since we last looked: read the maps again.
            self.procs.remove(&pid.0);
            addrs = self.unwind(pid.0, pc, sp, bp);
        }
        addrs.into_iter().map(|(addr, is_return)| self.describe(pid.0, addr, is_return)).collect()
    }

    fn known(&self, pid: i32, addr: u64) -> bool {
        self.procs.get(&pid).is_some_and(|p| p.modules.iter().any(|m| m.range.contains(&addr)))
    }

    /// (address, whether it is a return address) per frame.
    fn unwind(&mut self, pid: i32, pc: u64, sp: u64, bp: u64) -> Vec<(u64, bool)> {
        let procs = &mut self.procs;
        let p = procs.entry(pid).or_insert_with(|| load_modules(pid));
        let mut read_stack = |addr: u64| -> Result<u64, ()> {
            let mut b = [0u8; 8];
            match bsdtrace::sys::vm_read(pid, addr, &mut b) {
                Ok(8) => Ok(u64::from_le_bytes(b)),
                _ => Err(()),
            }
        };
        let mut iter = p.unwinder.iter_frames(pc, UnwindRegsX86_64::new(pc, sp, bp), &mut self.cache, &mut read_stack);
        let mut out = Vec::new();
        while let Ok(Some(frame)) = iter.next() {
            out.push((frame.address(), matches!(frame, framehop::FrameAddress::ReturnAddress(_))));
            if out.len() >= MAX_FRAMES {
                break;
            }
        }
        out
    }

    /// strace's ` > path(symbol+0xoff) [0xrel]`.
    fn describe(&mut self, pid: i32, addr: u64, is_return: bool) -> String {
        let Some(m) = self.procs.get(&pid).and_then(|p| p.modules.iter().find(|m| m.range.contains(&addr))) else {
            return format!("?? [{addr:#x}]");
        };
        let path = m.path.clone();
        let rel = addr.wrapping_sub(m.bias);
        // A return address points after the call: look up the call itself.
        let probe = if is_return { rel.wrapping_sub(1) } else { rel };
        let loader = self.symbols.entry(path.clone()).or_insert_with(|| addr2line::Loader::new(&path).ok());
        let sym = loader.as_ref().and_then(|l| {
            l.find_symbol_info(probe).map(|s| (s.name().to_string(), rel.wrapping_sub(s.address())))
        });
        let loc = loader.as_ref().and_then(|l| l.find_location(probe).ok().flatten()).and_then(|l| {
            Some(format!(" at {}:{}", l.file?, l.line?))
        });
        match sym {
            Some((name, off)) => format!("{}({name}+{off:#x}) [{rel:#x}]{}", path.display(), loc.unwrap_or_default()),
            None => format!("{}() [{rel:#x}]{}", path.display(), loc.unwrap_or_default()),
        }
    }
}

/// The ELF files `pid` maps executable code from, each given to framehop
/// with its unwind sections.
fn load_modules(pid: i32) -> ProcessModules {
    let mut unwinder = UnwinderX86_64::new();
    let mut modules = Vec::new();
    let Ok(maps) = std::fs::read_to_string(format!("/proc/{pid}/maps")) else {
        return ProcessModules { unwinder, modules };
    };
    // path -> (lowest start, highest end, start of the offset-0 mapping)
    let mut files: Vec<(PathBuf, u64, u64, Option<u64>, bool)> = Vec::new();
    for line in maps.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 6 || !f[5].starts_with('/') {
            continue;
        }
        let Some((s, e)) = f[0].split_once('-') else { continue };
        let (Ok(start), Ok(end), Ok(off)) = (u64::from_str_radix(s, 16), u64::from_str_radix(e, 16), u64::from_str_radix(f[2], 16))
        else {
            continue;
        };
        let path = PathBuf::from(f[5..].join(" "));
        let exec = f[1].contains('x');
        match files.iter_mut().find(|x| x.0 == path) {
            Some(x) => {
                x.1 = x.1.min(start);
                x.2 = x.2.max(end);
                if off == 0 && x.3.is_none() {
                    x.3 = Some(start);
                }
                x.4 |= exec;
            }
            None => files.push((path, start, end, (off == 0).then_some(start), exec)),
        }
    }
    for (path, start, end, base, exec) in files {
        if !exec {
            continue;
        }
        let Some(base) = base else { continue };
        if let Some((module, bias)) = module_for(&path, start..end, base) {
            unwinder.add_module(module);
            modules.push(Mapped { path, bias, range: start..end });
        }
    }
    ProcessModules { unwinder, modules }
}

/// framehop's view of one ELF file mapped at `range` (its first segment at
/// `base`), and its load bias.
fn module_for(path: &Path, range: Range<u64>, base: u64) -> Option<(Module<Vec<u8>>, u64)> {
    let data = std::fs::read(path).ok()?;
    let file = object::File::parse(&*data).ok()?;
    let first = file.segments().map(|s| s.address()).min().unwrap_or(0) & !0xfff;
    let bias = base.wrapping_sub(first);
    let section = |name: &str| file.section_by_name(name);
    let svma = |name: &str| section(name).map(|s| s.address()..s.address() + s.size());
    let bytes = |name: &str| section(name).and_then(|s| s.data().ok()).map(<[u8]>::to_vec);
    let info = ExplicitModuleSectionInfo {
        base_svma: 0,
        text_svma: svma(".text"),
        text: bytes(".text"),
        got_svma: svma(".got"),
        eh_frame_svma: svma(".eh_frame"),
        eh_frame: bytes(".eh_frame"),
        eh_frame_hdr_svma: svma(".eh_frame_hdr"),
        eh_frame_hdr: bytes(".eh_frame_hdr"),
        debug_frame: bytes(".debug_frame"),
        ..Default::default()
    };
    Some((Module::new(path.display().to_string(), range, bias, info), bias))
}
