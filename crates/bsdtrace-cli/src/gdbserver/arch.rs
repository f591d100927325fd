//! The x86-64 Linux register file as gdb's `amd64-linux` target sees it,
//! and as the protocol numbers it: `org.gnu.gdb.i386.core` (GPRs, rip,
//! eflags, segments, x87), `.sse` (xmm0-15, mxcsr), `.linux` (orig_rax),
//! `.segments` (fs_base, gs_base), and when the CPU has them `.avx`
//! (ymm0h-15h), `.avx512` (xmm16-31, ymm16h-31h, k0-7, zmm0h-31h) and
//! `.pkeys` (pkru).
//!
//! The `g` packet carries registers 0-59 (one PT_GETREGS and one
//! PT_GETFPREGS); the vector extensions live in the XSAVE area (~11 KiB
//! with AMX) and are read only when asked for with `p`: gdb fetches
//! registers past the end of a short `g` reply one by one, so a stop
//! never pays for the XSAVE area unless someone looks at a ymm/zmm.

use bsdtrace::abi::{fpreg, reg};

/// Registers in the `g` packet.
#[cfg(test)]
pub const G_REGS: usize = 60;
/// Bytes in a full `g` packet.
pub const G_LEN: usize = 16 * 8 + 8 + 4 + 6 * 4 + 8 * 10 + 8 * 4 + 16 * 16 + 4 + 8 + 8 + 8;

pub const RBP: usize = 6;
pub const RSP: usize = 7;
pub const RIP: usize = 16;
#[cfg(test)]
pub const EFLAGS: usize = 17;
#[cfg(test)]
pub const ORIG_RAX: usize = 57;

/// XSAVE components (Intel SDM vol. 1, 13.1).
const YMM_HI128: u32 = 2;
const OPMASK: u32 = 5;
const ZMM_HI256: u32 = 6;
const HI16_ZMM: u32 = 7;
const PKRU: u32 = 9;

/// Where a register's bytes are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loc {
    /// In the `g` image, at this offset.
    G(usize),
    /// In the XSAVE area: component and offset within it.
    X(u32, usize),
}

#[derive(Clone, Debug)]
pub struct RegDesc {
    pub name: String,
    pub bits: usize,
    pub loc: Loc,
    /// gdb's type name in target.xml.
    pub ty: &'static str,
    pub group: Option<&'static str>,
    pub feature: &'static str,
}

/// The register file of this CPU: what target.xml describes.
#[derive(Clone, Debug)]
pub struct Layout {
    pub regs: Vec<RegDesc>,
    /// Start of each XSAVE component we use in the standard layout.
    pub comp_offset: [usize; 10],
    pub xcr0: u64,
    /// gdb's `i386-linux` view of a 32-bit program ([`Layout::i386`]).
    pub i386: bool,
}

const GPR_NAMES: [&str; 16] =
    ["rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];
const SEG_NAMES: [&str; 6] = ["cs", "ss", "ds", "es", "fs", "gs"];
const FPU_NAMES: [&str; 8] = ["fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop"];

impl Layout {
    /// The layout for a process whose XSAVE features (XCR0) are `xcr0`
    /// (0: only what the `g` packet carries).
    pub fn new(xcr0: u64) -> Layout {
        let mut regs = Vec::new();
        let mut off = 0;
        let mut g = |name: String, bits: usize, ty: &'static str, group: Option<&'static str>, feature: &'static str| {
            regs.push(RegDesc { name, bits, loc: Loc::G(off), ty, group, feature });
            off += bits / 8;
        };
        const CORE: &str = "org.gnu.gdb.i386.core";
        for (i, n) in GPR_NAMES.iter().enumerate() {
            let ty = match i {
                6 | 7 => "data_ptr",
                _ => "int64",
            };
            g(n.to_string(), 64, ty, None, CORE);
        }
        g("rip".into(), 64, "code_ptr", None, CORE);
        g("eflags".into(), 32, "i386_eflags", None, CORE);
        for n in SEG_NAMES {
            g(n.into(), 32, "int32", None, CORE);
        }
        for i in 0..8 {
            g(format!("st{i}"), 80, "i387_ext", None, CORE);
        }
        for n in FPU_NAMES {
            g(n.into(), 32, "int", Some("float"), CORE);
        }
        for i in 0..16 {
            g(format!("xmm{i}"), 128, "vec128", None, "org.gnu.gdb.i386.sse");
        }
        g("mxcsr".into(), 32, "i386_mxcsr", Some("vector"), "org.gnu.gdb.i386.sse");
        g("orig_rax".into(), 64, "int", None, "org.gnu.gdb.i386.linux");
        g("fs_base".into(), 64, "int", None, "org.gnu.gdb.i386.segments");
        g("gs_base".into(), 64, "int", None, "org.gnu.gdb.i386.segments");
        debug_assert_eq!(off, G_LEN);
        let comp_offset = xsave_regs(&mut regs, xcr0, 16);
        Layout { regs, comp_offset, xcr0, i386: false }
    }

    /// gdb's `i386-linux` register file for a 32-bit program, numbered as
    /// gdb numbers it (eax, ecx, edx, ebx, esp, ebp, esi, edi, eip, eflags,
    /// cs..gs, st0-7, the x87 control registers, xmm0-7, mxcsr,
    /// orig_eax). Each register is the low bytes of its amd64 counterpart
    /// in the same `g` image (the engine's amd64 view of the thread), so
    /// every other path (syscall convention, caches, writes) is shared;
    /// the `g` packet is [`Layout::wire_g`]. Then, as GNU gdbserver
    /// describes an i386 program when the CPU has them (`xcr0`), the
    /// vector extensions of the eight registers a 32-bit program sees, in
    /// the XSAVE area: `.avx` (ymm0h-7h), `.avx512` (k0-7, zmm0h-7h) and
    /// `.pkeys` (pkru).
    pub fn i386(xcr0: u64) -> Layout {
        let mut regs = Vec::new();
        let mut g = |name: &str, bits: usize, o: usize, ty: &'static str, group: Option<&'static str>, feature: &'static str| {
            regs.push(RegDesc { name: name.to_string(), bits, loc: Loc::G(o), ty, group, feature });
        };
        const CORE: &str = "org.gnu.gdb.i386.core";
        // The amd64 slots of eax, ecx, edx, ebx, esp, ebp, esi, edi.
        for (n, slot) in [("eax", 0), ("ecx", 2), ("edx", 3), ("ebx", 1), ("esp", 7), ("ebp", 6), ("esi", 4), ("edi", 5)] {
            let ty = match n {
                "esp" | "ebp" => "data_ptr",
                _ => "int32",
            };
            g(n, 32, slot * 8, ty, None, CORE);
        }
        g("eip", 32, O_RIP, "code_ptr", None, CORE);
        g("eflags", 32, O_EFLAGS, "i386_eflags", None, CORE);
        for (i, n) in SEG_NAMES.iter().enumerate() {
            g(n, 32, O_EFLAGS + 4 + i * 4, "int32", None, CORE);
        }
        for i in 0..8 {
            g(&format!("st{i}"), 80, O_ST + i * 10, "i387_ext", None, CORE);
        }
        for (i, n) in FPU_NAMES.iter().enumerate() {
            g(n, 32, O_FPU + i * 4, "int", Some("float"), CORE);
        }
        for i in 0..8 {
            g(&format!("xmm{i}"), 128, O_XMM + i * 16, "vec128", None, "org.gnu.gdb.i386.sse");
        }
        g("mxcsr", 32, O_MXCSR, "i386_mxcsr", Some("vector"), "org.gnu.gdb.i386.sse");
        g("orig_eax", 32, O_ORIG_RAX, "int", None, "org.gnu.gdb.i386.linux");
        let comp_offset = xsave_regs(&mut regs, xcr0, 8);
        Layout { regs, comp_offset, xcr0, i386: true }
    }

    /// The `g` packet's bytes: the image itself, or for i386 each
    /// register's bytes in turn.
    pub fn wire_g(&self, g: &[u8]) -> Vec<u8> {
        if !self.i386 {
            return g.to_vec();
        }
        (0..self.g_regs()).filter_map(|n| self.read(n, g, None)).flatten().collect()
    }

    /// How many registers the `g` packet carries: those before the first
    /// one in the XSAVE area.
    fn g_regs(&self) -> usize {
        self.regs.iter().position(|r| matches!(r.loc, Loc::X(..))).unwrap_or(self.regs.len())
    }

    /// Bytes in a `G` packet.
    pub fn wire_len(&self) -> usize {
        if !self.i386 {
            return G_LEN;
        }
        self.regs[..self.g_regs()].iter().map(|r| r.bits / 8).sum()
    }

    /// The inverse of [`Layout::wire_g`]: `wire` into the image `g`.
    pub fn apply_wire(&self, wire: &[u8], g: &mut [u8]) -> bool {
        if wire.len() != self.wire_len() {
            return false;
        }
        if !self.i386 {
            g.copy_from_slice(wire);
            return true;
        }
        let mut at = 0;
        for n in 0..self.g_regs() {
            let len = self.regs[n].bits / 8;
            if !self.write(n, &wire[at..at + len], g, None) {
                return false;
            }
            at += len;
        }
        true
    }

    /// Does reading or writing these registers need the XSAVE area?
    pub fn needs_xstate(&self, n: usize) -> bool {
        matches!(self.regs.get(n).map(|r| r.loc), Some(Loc::X(..)))
    }

    /// Register `n`'s bytes from the `g` image or the XSAVE area (`None`
    /// if there is no such register). A component the XSAVE header marks
    /// as in its initial state reads as zeros, whatever the memory holds.
    pub fn read(&self, n: usize, g: &[u8], xsave: Option<&[u8]>) -> Option<Vec<u8>> {
        let r = self.regs.get(n)?;
        let len = r.bits / 8;
        match r.loc {
            Loc::G(o) => g.get(o..o + len).map(|s| s.to_vec()),
            Loc::X(c, o) => {
                let x = xsave?;
                let bv = u64::from_le_bytes(x.get(512..520)?.try_into().ok()?);
                if bv & (1 << c) == 0 {
                    return Some(vec![0; len]);
                }
                let at = self.comp_offset[c as usize] + o;
                x.get(at..at + len).map(|s| s.to_vec())
            }
        }
    }

    /// Store register `n` into the image it lives in; false if `bytes`
    /// has the wrong size or the register does not exist.
    pub fn write(&self, n: usize, bytes: &[u8], g: &mut [u8], xsave: Option<&mut Vec<u8>>) -> bool {
        let Some(r) = self.regs.get(n) else { return false };
        let len = r.bits / 8;
        if bytes.len() != len {
            return false;
        }
        match r.loc {
            // An i386 GPR or eip fills its amd64 slot, zero-extended;
            // orig_eax sign-extended (-1: no syscall to restart).
            Loc::G(o) if self.i386 && (o <= O_RIP || o == O_ORIG_RAX) => {
                let v = u32::from_le_bytes(bytes.try_into().expect("4 bytes"));
                let wide = if o == O_ORIG_RAX { i64::from(v as i32) as u64 } else { u64::from(v) };
                g[o..o + 8].copy_from_slice(&wide.to_le_bytes());
                true
            }
            Loc::G(o) => {
                g[o..o + len].copy_from_slice(bytes);
                true
            }
            Loc::X(c, o) => {
                let Some(x) = xsave else { return false };
                let at = self.comp_offset[c as usize] + o;
                if x.len() < at + len || x.len() < 520 {
                    return false;
                }
                let mut bv = u64::from_le_bytes(x[512..520].try_into().expect("8"));
                if bv & (1 << c) == 0 {
                    // Leaving the initial state: the rest of the component
                    // must read as zeros too.
                    let (base, size) = bsdtrace::sys::host::xsave_component(c).unwrap_or((at, len));
                    let end = (base + size).min(x.len());
                    x[base..end].fill(0);
                    bv |= 1 << c;
                    x[512..520].copy_from_slice(&bv.to_le_bytes());
                }
                x[at..at + len].copy_from_slice(bytes);
                true
            }
        }
    }

    /// gdb's target description for this layout.
    pub fn target_xml(&self) -> String {
        let mut s = String::from(XML_HEAD);
        if self.i386 {
            s = s.replace("<architecture>i386:x86-64</architecture>", "<architecture>i386</architecture>");
        }
        let mut feature = "";
        for (i, r) in self.regs.iter().enumerate() {
            if r.feature != feature {
                if !feature.is_empty() {
                    s.push_str("</feature>\n");
                }
                feature = r.feature;
                s.push_str(&format!("<feature name=\"{feature}\">\n"));
                // Types are scoped to the feature that defines them.
                match feature {
                    "org.gnu.gdb.i386.core" => s.push_str(CORE_TYPES),
                    "org.gnu.gdb.i386.sse" => {
                        s.push_str(VEC128_TYPES);
                        s.push_str(MXCSR_TYPES);
                    }
                    "org.gnu.gdb.i386.avx512" => {
                        s.push_str(VEC128_TYPES);
                        s.push_str(ZMM_TYPES);
                    }
                    _ => {}
                }
            }
            s.push_str(&format!("  <reg name=\"{}\" bitsize=\"{}\" type=\"{}\" regnum=\"{i}\"", r.name, r.bits, r.ty));
            if let Some(g) = r.group {
                s.push_str(&format!(" group=\"{g}\""));
            }
            s.push_str("/>\n");
        }
        s.push_str("</feature>\n</target>\n");
        s
    }
}

/// Does the process have XSAVE component `c` (in `xcr0`, and known to this
/// CPU)? Records where it starts in the standard layout.
/// The registers of the XSAVE area GNU gdbserver describes when the CPU
/// has them (`xcr0`), in its order, for a program with `nvec` vector
/// registers (amd64 16, i386 8): the AVX upper halves, AVX-512 (amd64's
/// registers 16-31 too: xmm, ymm upper halves, then k0-7 and every zmm
/// upper half), PKRU. Returns the components' offsets.
fn xsave_regs(regs: &mut Vec<RegDesc>, xcr0: u64, nvec: usize) -> [usize; 10] {
    let mut comp_offset = [0usize; 10];
    let mut have = |c: u32| component(xcr0, c, &mut comp_offset);
    let mut x = |name: String, bits: usize, c: u32, o: usize, ty: &'static str, feature: &'static str| {
        regs.push(RegDesc { name, bits, loc: Loc::X(c, o), ty, group: None, feature });
    };
    let hi16 = nvec > 8;
    let avx = have(YMM_HI128);
    if avx {
        for i in 0..nvec {
            x(format!("ymm{i}h"), 128, YMM_HI128, i * 16, "uint128", "org.gnu.gdb.i386.avx");
        }
    }
    if avx && have(OPMASK) && have(ZMM_HI256) && (!hi16 || have(HI16_ZMM)) {
        const F: &str = "org.gnu.gdb.i386.avx512";
        if hi16 {
            for i in 0..16 {
                x(format!("xmm{}", i + 16), 128, HI16_ZMM, i * 64, "vec128", F);
            }
            for i in 0..16 {
                x(format!("ymm{}h", i + 16), 128, HI16_ZMM, i * 64 + 16, "uint128", F);
            }
        }
        for i in 0..8 {
            x(format!("k{i}"), 64, OPMASK, i * 8, "uint64", F);
        }
        for i in 0..if hi16 { 32 } else { nvec } {
            let (c, o) = if i < 16 { (ZMM_HI256, i * 32) } else { (HI16_ZMM, (i - 16) * 64 + 32) };
            x(format!("zmm{i}h"), 256, c, o, "v2ui128", F);
        }
    }
    if have(PKRU) {
        x("pkru".into(), 32, PKRU, 0, "uint32", "org.gnu.gdb.i386.pkeys");
    }
    comp_offset
}

fn component(xcr0: u64, c: u32, comp_offset: &mut [usize; 10]) -> bool {
    if xcr0 & (1 << c) == 0 {
        return false;
    }
    match bsdtrace::sys::host::xsave_component(c) {
        Some((o, _)) => {
            comp_offset[c as usize] = o;
            true
        }
        None => false,
    }
}

/// The `g` image of a thread: FreeBSD's `struct reg` and `struct fpreg`
/// (FXSAVE) in gdb's order, plus orig_rax and the segment bases.
pub fn g_image(r: &reg, f: &fpreg, orig_rax: u64, fs_base: u64, gs_base: u64) -> Vec<u8> {
    let mut v = Vec::with_capacity(G_LEN);
    let gpr = [
        r.r_rax, r.r_rbx, r.r_rcx, r.r_rdx, r.r_rsi, r.r_rdi, r.r_rbp, r.r_rsp, r.r_r8, r.r_r9, r.r_r10, r.r_r11,
        r.r_r12, r.r_r13, r.r_r14, r.r_r15,
    ];
    for x in gpr {
        v.extend_from_slice(&x.to_le_bytes());
    }
    v.extend_from_slice(&r.r_rip.to_le_bytes());
    v.extend_from_slice(&(r.r_rflags as u32).to_le_bytes());
    for s in [r.r_cs as u32, r.r_ss as u32, r.r_ds as u32, r.r_es as u32, r.r_fs as u32, r.r_gs as u32] {
        v.extend_from_slice(&s.to_le_bytes());
    }
    for st in &f.fpr_acc {
        v.extend_from_slice(&st[..10]);
    }
    let env = env_bytes(f);
    let u16_at = |o: usize| u16::from_le_bytes([env[o], env[o + 1]]) as u32;
    let u32_at = |o: usize| u32::from_le_bytes(env[o..o + 4].try_into().expect("4"));
    let fstat = u16_at(2);
    let fpu = [u16_at(0), fstat, full_tag(env[4], fstat, &f.fpr_acc), u16_at(12), u32_at(8), u16_at(20), u32_at(16), u16_at(6) & 0x7ff];
    for x in fpu {
        v.extend_from_slice(&x.to_le_bytes());
    }
    for x in &f.fpr_xacc {
        v.extend_from_slice(x);
    }
    v.extend_from_slice(&u32_at(24).to_le_bytes());
    v.extend_from_slice(&orig_rax.to_le_bytes());
    v.extend_from_slice(&fs_base.to_le_bytes());
    v.extend_from_slice(&gs_base.to_le_bytes());
    debug_assert_eq!(v.len(), G_LEN);
    v
}

fn u64_at(g: &[u8], o: usize) -> u64 {
    u64::from_le_bytes(g[o..o + 8].try_into().expect("8"))
}

fn u32_at(g: &[u8], o: usize) -> u32 {
    u32::from_le_bytes(g[o..o + 4].try_into().expect("4"))
}

/// Offsets in the `g` image.
const O_RIP: usize = 128;
const O_EFLAGS: usize = 136;
const O_ST: usize = 164;
const O_FPU: usize = 244;
const O_XMM: usize = 276;
const O_MXCSR: usize = 532;
pub const O_ORIG_RAX: usize = 536;
pub const O_FS_BASE: usize = 544;
pub const O_GS_BASE: usize = 552;

/// Register `n` of the `g` image as a number (GPRs, rip, eflags).
#[cfg(test)]
pub fn g_u64(g: &[u8], n: usize) -> u64 {
    match n {
        0..=15 => u64_at(g, n * 8),
        RIP => u64_at(g, O_RIP),
        EFLAGS => u32_at(g, O_EFLAGS) as u64,
        _ => 0,
    }
}

/// The inverse of [`g_image`]: fold `g` into `r` and `f` (only the bits of
/// rflags user code may change: PT_SETREGS refuses the others, and gdb
/// writes back what it read before an inferior call, which may predate a
/// kernel change of, e.g., RF). Returns orig_rax, fs_base and gs_base.
pub fn apply_g(g: &[u8], r: &mut reg, f: &mut fpreg) -> (u64, u64, u64) {
    let q: Vec<i64> = (0..16).map(|i| u64_at(g, i * 8) as i64).collect();
    (r.r_rax, r.r_rbx, r.r_rcx, r.r_rdx, r.r_rsi, r.r_rdi, r.r_rbp, r.r_rsp) = (q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7]);
    (r.r_r8, r.r_r9, r.r_r10, r.r_r11, r.r_r12, r.r_r13, r.r_r14, r.r_r15) = (q[8], q[9], q[10], q[11], q[12], q[13], q[14], q[15]);
    r.r_rip = u64_at(g, O_RIP) as i64;
    let user = bsdtrace::abi::PSL_USERCHANGE;
    r.r_rflags = (r.r_rflags & !user) | (u32_at(g, O_EFLAGS) as i64 & user);
    for (i, st) in f.fpr_acc.iter_mut().enumerate() {
        st[..10].copy_from_slice(&g[O_ST + i * 10..O_ST + i * 10 + 10]);
    }
    let fpu: Vec<u32> = (0..8).map(|i| u32_at(g, O_FPU + i * 4)).collect();
    let mut env = env_bytes(f);
    let put16 = |env: &mut [u8; 32], o: usize, v: u32| env[o..o + 2].copy_from_slice(&(v as u16).to_le_bytes());
    let put32 = |env: &mut [u8; 32], o: usize, v: u32| env[o..o + 4].copy_from_slice(&v.to_le_bytes());
    put16(&mut env, 0, fpu[0]);
    put16(&mut env, 2, fpu[1]);
    env[4] = (0..8).filter(|i| (fpu[2] >> (2 * i)) & 3 != 3).fold(0u8, |a, i| a | (1 << i));
    put16(&mut env, 12, fpu[3]);
    put32(&mut env, 8, fpu[4]);
    put16(&mut env, 20, fpu[5]);
    put32(&mut env, 16, fpu[6]);
    put16(&mut env, 6, fpu[7] & 0x7ff);
    put32(&mut env, 24, u32_at(g, O_MXCSR));
    for (i, w) in f.fpr_env.iter_mut().enumerate() {
        *w = u64::from_le_bytes(env[i * 8..i * 8 + 8].try_into().expect("8"));
    }
    for (i, x) in f.fpr_xacc.iter_mut().enumerate() {
        x.copy_from_slice(&g[O_XMM + i * 16..O_XMM + i * 16 + 16]);
    }
    (u64_at(g, O_ORIG_RAX), u64_at(g, O_FS_BASE), u64_at(g, O_GS_BASE))
}

/// Do two `g` images differ in the x87/SSE part (PT_SETFPREGS needed)?
pub fn fp_differs(a: &[u8], b: &[u8]) -> bool {
    a[O_ST..O_ORIG_RAX] != b[O_ST..O_ORIG_RAX]
}

fn env_bytes(f: &fpreg) -> [u8; 32] {
    let mut b = [0u8; 32];
    for (i, w) in f.fpr_env.iter().enumerate() {
        b[i * 8..i * 8 + 8].copy_from_slice(&w.to_le_bytes());
    }
    b
}

/// FXSAVE keeps one "not empty" bit per x87 register; gdb shows the full
/// two-bit tag word, derived from each register's contents.
fn full_tag(abridged: u8, fstat: u32, acc: &[[u8; 16]; 8]) -> u32 {
    let top = ((fstat >> 11) & 7) as usize;
    let mut tag = 0u32;
    for phys in 0..8 {
        let t = if abridged & (1 << phys) == 0 {
            3
        } else {
            let st = &acc[(phys + 8 - top) % 8];
            let exp = u16::from_le_bytes([st[8], st[9]]) & 0x7fff;
            let mant = u64::from_le_bytes(st[..8].try_into().expect("8"));
            match exp {
                0x7fff => 2,
                0 if mant == 0 => 1,
                0 => 2,
                _ if mant >> 63 == 0 => 2,
                _ => 0,
            }
        };
        tag |= t << (2 * phys);
    }
    tag
}

const XML_HEAD: &str = r#"<?xml version="1.0"?>
<!DOCTYPE target SYSTEM "gdb-target.dtd">
<target version="1.0">
<architecture>i386:x86-64</architecture>
<osabi>GNU/Linux</osabi>
"#;

const CORE_TYPES: &str = r#"  <flags id="i386_eflags" size="4">
    <field name="CF" start="0" end="0"/>
    <field name="" start="1" end="1"/>
    <field name="PF" start="2" end="2"/>
    <field name="AF" start="4" end="4"/>
    <field name="ZF" start="6" end="6"/>
    <field name="SF" start="7" end="7"/>
    <field name="TF" start="8" end="8"/>
    <field name="IF" start="9" end="9"/>
    <field name="DF" start="10" end="10"/>
    <field name="OF" start="11" end="11"/>
    <field name="NT" start="14" end="14"/>
    <field name="RF" start="16" end="16"/>
    <field name="VM" start="17" end="17"/>
    <field name="AC" start="18" end="18"/>
    <field name="VIF" start="19" end="19"/>
    <field name="VIP" start="20" end="20"/>
    <field name="ID" start="21" end="21"/>
  </flags>
"#;

const VEC128_TYPES: &str = r#"  <vector id="v8bf16" type="bfloat16" count="8"/>
  <vector id="v4f" type="ieee_single" count="4"/>
  <vector id="v2d" type="ieee_double" count="2"/>
  <vector id="v16i8" type="int8" count="16"/>
  <vector id="v8i16" type="int16" count="8"/>
  <vector id="v4i32" type="int32" count="4"/>
  <vector id="v2i64" type="int64" count="2"/>
  <union id="vec128">
    <field name="v8_bfloat16" type="v8bf16"/>
    <field name="v4_float" type="v4f"/>
    <field name="v2_double" type="v2d"/>
    <field name="v16_int8" type="v16i8"/>
    <field name="v8_int16" type="v8i16"/>
    <field name="v4_int32" type="v4i32"/>
    <field name="v2_int64" type="v2i64"/>
    <field name="uint128" type="uint128"/>
  </union>
"#;

const MXCSR_TYPES: &str = r#"  <flags id="i386_mxcsr" size="4">
    <field name="IE" start="0" end="0"/>
    <field name="DE" start="1" end="1"/>
    <field name="ZE" start="2" end="2"/>
    <field name="OE" start="3" end="3"/>
    <field name="UE" start="4" end="4"/>
    <field name="PE" start="5" end="5"/>
    <field name="DAZ" start="6" end="6"/>
    <field name="IM" start="7" end="7"/>
    <field name="DM" start="8" end="8"/>
    <field name="ZM" start="9" end="9"/>
    <field name="OM" start="10" end="10"/>
    <field name="UM" start="11" end="11"/>
    <field name="PM" start="12" end="12"/>
    <field name="FZ" start="15" end="15"/>
  </flags>
"#;

const ZMM_TYPES: &str = r#"  <vector id="v2ui128" type="uint128" count="2"/>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_g_image_round_trips() {
        let mut r = reg { r_rax: 1, r_r15: 15, r_rip: 0x401000, r_rflags: 0x246, r_cs: 0x33, r_ss: 0x2b, ..Default::default() };
        let mut f = fpreg::default();
        f.fpr_xacc[3] = [7; 16];
        f.fpr_env[3] = 0x1f80;
        let g = g_image(&r, &f, 0xffff_ffff_ffff_ffff, 0x1234, 0x5678);
        assert_eq!(g.len(), G_LEN);
        assert_eq!(g_u64(&g, RIP), 0x401000);
        assert_eq!(g_u64(&g, EFLAGS), 0x246);
        let (r0, f0) = (r, f);
        let extra = apply_g(&g, &mut r, &mut f);
        assert_eq!(extra, (u64::MAX, 0x1234, 0x5678));
        assert_eq!((r, f.fpr_xacc, f.fpr_env[3] & 0xffff_ffff), (r0, f0.fpr_xacc, 0x1f80));
    }

    #[test]
    fn registers_are_numbered_in_document_order() {
        let l = Layout::new(0);
        assert_eq!(l.regs.len(), G_REGS);
        assert_eq!(l.regs[RIP].name, "rip");
        assert_eq!(l.regs[ORIG_RAX].name, "orig_rax");
        assert_eq!(l.regs[59].loc, Loc::G(O_GS_BASE));
        let xml = l.target_xml();
        assert!(xml.contains(r#"<reg name="gs_base" bitsize="64" type="int" regnum="59"/>"#), "{xml}");
        assert!(!xml.contains("ymm"));
    }

    /// gdb's i386-linux numbering, as GNU gdbserver gives it: ymm0h after
    /// orig_eax (41), k0 and zmm0h after the eight ymm halves; the `g`
    /// packet is the same with or without them.
    #[test]
    fn the_i386_vector_extensions_follow_orig_eax() {
        let plain = Layout::i386(0);
        assert_eq!(plain.regs.len(), 42);
        assert_eq!(plain.regs[41].name, "orig_eax");
        // x87, SSE, AVX, opmask, ZMM_Hi256 (what this CPU has of them).
        let l = Layout::i386(0b1110_0111);
        assert_eq!(l.wire_len(), plain.wire_len());
        let names: Vec<&str> = l.regs.iter().map(|r| r.name.as_str()).collect();
        if let Some(i) = names.iter().position(|&n| n == "ymm0h") {
            assert_eq!((i, names[49]), (42, "ymm7h"));
            assert!(l.target_xml().contains(r#"<feature name="org.gnu.gdb.i386.avx">"#));
            assert!(!names.contains(&"ymm8h") && !names.contains(&"xmm16"));
            if let Some(k) = names.iter().position(|&n| n == "k0") {
                assert_eq!((k, names[58], names[65]), (50, "zmm0h", "zmm7h"));
            }
        }
    }
}
