//! One x86-64 instruction executed by the server instead of the CPU, for
//! the single steps gdb asks for when it steps over a breakpoint (remove
//! it, step one thread, put it back): a real step is a trap round trip
//! (PTRACE_SINGLESTEP, a #DB, a wait), an emulated one a register write.
//!
//! Only instructions that touch no flags and have one obvious effect are
//! emulated, each form exactly: MOV between 32/64-bit registers and
//! memory (loads, stores, immediates), LEA, PUSH/POP of a register, CALL
//! rel32, NOP and ENDBR64, with ModRM/SIB/disp/RIP-relative addressing and
//! FS/GS overrides. Anything else (8/16-bit forms, address-size or LOCK/REP
//! prefixes, flag-setting arithmetic, a memory operand that cannot be
//! read) returns `None` and the caller steps for real. The differential
//! test in `tests/gdbserver_features.rs` compares emulated and real steps
//! on the same program.

use bsdtrace::abi::reg;

/// What the instruction does: the registers after it, and at most one
/// memory write (done by the caller before the registers, so a write that
/// fails leaves everything as it was).
#[derive(Debug, PartialEq, Eq)]
pub struct Effect {
    pub regs: reg,
    pub write: Option<(u64, Vec<u8>)>,
}

/// The general registers in the encoding's order.
fn gpr(r: &reg, n: usize) -> u64 {
    (match n {
        0 => r.r_rax,
        1 => r.r_rcx,
        2 => r.r_rdx,
        3 => r.r_rbx,
        4 => r.r_rsp,
        5 => r.r_rbp,
        6 => r.r_rsi,
        7 => r.r_rdi,
        8 => r.r_r8,
        9 => r.r_r9,
        10 => r.r_r10,
        11 => r.r_r11,
        12 => r.r_r12,
        13 => r.r_r13,
        14 => r.r_r14,
        _ => r.r_r15,
    }) as u64
}

fn set_gpr(r: &mut reg, n: usize, v: u64) {
    let v = v as i64;
    match n {
        0 => r.r_rax = v,
        1 => r.r_rcx = v,
        2 => r.r_rdx = v,
        3 => r.r_rbx = v,
        4 => r.r_rsp = v,
        5 => r.r_rbp = v,
        6 => r.r_rsi = v,
        7 => r.r_rdi = v,
        8 => r.r_r8 = v,
        9 => r.r_r9 = v,
        10 => r.r_r10 = v,
        11 => r.r_r11 = v,
        12 => r.r_r12 = v,
        13 => r.r_r13 = v,
        14 => r.r_r14 = v,
        _ => r.r_r15 = v,
    }
}

struct Bytes<'a> {
    b: &'a [u8],
    i: usize,
}

impl Bytes<'_> {
    fn u8(&mut self) -> Option<u8> {
        let v = *self.b.get(self.i)?;
        self.i += 1;
        Some(v)
    }
    fn i8(&mut self) -> Option<i64> {
        self.u8().map(|v| v as i8 as i64)
    }
    fn i32(&mut self) -> Option<i64> {
        let s = self.b.get(self.i..self.i + 4)?;
        self.i += 4;
        Some(i32::from_le_bytes(s.try_into().ok()?) as i64)
    }
    fn u64(&mut self) -> Option<u64> {
        let s = self.b.get(self.i..self.i + 8)?;
        self.i += 8;
        Some(u64::from_le_bytes(s.try_into().ok()?))
    }
}

/// A ModRM operand: a register, or memory at an address.
enum Operand {
    Reg(usize),
    /// The address without the segment base, and whether it is relative
    /// to the next instruction (fixed once the length is known).
    Mem { addr: u64, rip_rel: bool },
}

/// Decode ModRM (and SIB, displacement) at `b`: (reg field, operand).
fn modrm(b: &mut Bytes, r: &reg, rex: u8) -> Option<(usize, Operand)> {
    let m = b.u8()?;
    let (md, rg, rm) = (m >> 6, ((m >> 3) & 7) as usize | ((rex as usize & 4) << 1), (m & 7) as usize);
    if md == 3 {
        return Some((rg, Operand::Reg(rm | ((rex as usize & 1) << 3))));
    }
    let mut addr: u64;
    let mut rip_rel = false;
    if rm == 4 {
        let sib = b.u8()?;
        let scale = 1u64 << (sib >> 6);
        let index = ((sib >> 3) & 7) as usize | ((rex as usize & 2) << 2);
        let base = (sib & 7) as usize;
        addr = if index == 4 { 0 } else { gpr(r, index).wrapping_mul(scale) };
        if base == 5 && md == 0 {
            addr = addr.wrapping_add(b.i32()? as u64);
        } else {
            addr = addr.wrapping_add(gpr(r, base | ((rex as usize & 1) << 3)));
        }
    } else if rm == 5 && md == 0 {
        addr = b.i32()? as u64;
        rip_rel = true;
    } else {
        addr = gpr(r, rm | ((rex as usize & 1) << 3));
    }
    match md {
        1 => addr = addr.wrapping_add(b.i8()? as u64),
        2 => addr = addr.wrapping_add(b.i32()? as u64),
        _ => {}
    }
    Some((rg, Operand::Mem { addr, rip_rel }))
}

/// Execute the instruction at `r.r_rip` (its bytes in `code`, at least
/// 15 of them when available) as the CPU would; `read` fetches memory
/// operands (false: not readable). `None`: not one we emulate.
pub fn step(code: &[u8], r: &reg, fs_base: u64, gs_base: u64, read: &mut dyn FnMut(u64, &mut [u8]) -> bool) -> Option<Effect> {
    let rip = r.r_rip as u64;
    let mut b = Bytes { b: code, i: 0 };
    let mut seg = 0u64;
    let mut op = b.u8()?;
    // Prefixes: FS/GS only (others change semantics we do not model).
    loop {
        match op {
            0x64 => seg = fs_base,
            0x65 => seg = gs_base,
            _ => break,
        }
        op = b.u8()?;
    }
    let mut rex = 0u8;
    if (0x40..=0x4f).contains(&op) {
        rex = op & 0xf;
        op = b.u8()?;
    }
    let wide = rex & 8 != 0;
    let mut out = *r;
    let mut write = None;
    // RF must be clear (the caller checks): the CPU would clear it here.
    let finish = |out: &mut reg, len: usize| out.r_rip = rip.wrapping_add(len as u64) as i64;
    let resolve = |o: &Operand, len: usize| -> u64 {
        match *o {
            Operand::Mem { addr, rip_rel: true } => seg.wrapping_add(rip.wrapping_add(len as u64).wrapping_add(addr)),
            Operand::Mem { addr, .. } => seg.wrapping_add(addr),
            Operand::Reg(_) => 0,
        }
    };
    let size = if wide { 8 } else { 4 };
    match op {
        // endbr64 (f3 0f 1e fa) and nop.
        0xf3 if rex == 0 && code.get(1..4) == Some(&[0x0f, 0x1e, 0xfa]) => {
            finish(&mut out, 4);
        }
        0x90 if rex == 0 && seg == 0 => finish(&mut out, 1),
        // mov r, r/m (load)
        0x8b => {
            let (rg, o) = modrm(&mut b, r, rex)?;
            let len = b.i;
            let v = match o {
                Operand::Reg(n) => gpr(r, n),
                ref m => {
                    let mut buf = [0u8; 8];
                    if !read(resolve(m, len), &mut buf[..size]) {
                        return None;
                    }
                    u64::from_le_bytes(buf)
                }
            };
            set_gpr(&mut out, rg, if wide { v } else { v & 0xffff_ffff });
            finish(&mut out, len);
        }
        // mov r/m, r (store)
        0x89 => {
            let (rg, o) = modrm(&mut b, r, rex)?;
            let len = b.i;
            let v = gpr(r, rg);
            match o {
                Operand::Reg(n) => set_gpr(&mut out, n, if wide { v } else { v & 0xffff_ffff }),
                ref m => write = Some((resolve(m, len), v.to_le_bytes()[..size].to_vec())),
            }
            finish(&mut out, len);
        }
        // mov r/m, imm32 (sign-extended when 64-bit)
        0xc7 => {
            let (rg, o) = modrm(&mut b, r, rex)?;
            if rg & 7 != 0 {
                return None;
            }
            let imm = b.i32()?;
            let len = b.i;
            let v = if wide { imm as u64 } else { imm as u32 as u64 };
            match o {
                Operand::Reg(n) => set_gpr(&mut out, n, v),
                ref m => write = Some((resolve(m, len), v.to_le_bytes()[..size].to_vec())),
            }
            finish(&mut out, len);
        }
        // mov r, imm
        0xb8..=0xbf => {
            let n = (op - 0xb8) as usize | ((rex as usize & 1) << 3);
            let v = if wide { b.u64()? } else { b.i32()? as u32 as u64 };
            set_gpr(&mut out, n, v);
            finish(&mut out, b.i);
        }
        // lea
        0x8d => {
            let (rg, o) = modrm(&mut b, r, rex)?;
            let len = b.i;
            if seg != 0 {
                return None;
            }
            let Operand::Mem { .. } = o else { return None };
            let a = resolve(&o, len);
            set_gpr(&mut out, rg, if wide { a } else { a & 0xffff_ffff });
            finish(&mut out, len);
        }
        // push r64
        0x50..=0x57 if seg == 0 && !wide => {
            let n = (op - 0x50) as usize | ((rex as usize & 1) << 3);
            let sp = gpr(r, 4).wrapping_sub(8);
            write = Some((sp, gpr(r, n).to_le_bytes().to_vec()));
            set_gpr(&mut out, 4, sp);
            finish(&mut out, b.i);
        }
        // pop r64 (not rsp: its value is the loaded one, a corner left to the CPU)
        0x58..=0x5f if seg == 0 && !wide => {
            let n = (op - 0x58) as usize | ((rex as usize & 1) << 3);
            if n == 4 {
                return None;
            }
            let sp = gpr(r, 4);
            let mut buf = [0u8; 8];
            if !read(sp, &mut buf) {
                return None;
            }
            set_gpr(&mut out, n, u64::from_le_bytes(buf));
            set_gpr(&mut out, 4, sp.wrapping_add(8));
            finish(&mut out, b.i);
        }
        // call rel32
        0xe8 if seg == 0 && rex == 0 => {
            let rel = b.i32()?;
            let next = rip.wrapping_add(b.i as u64);
            let sp = gpr(r, 4).wrapping_sub(8);
            write = Some((sp, next.to_le_bytes().to_vec()));
            set_gpr(&mut out, 4, sp);
            finish(&mut out, b.i);
            out.r_rip = next.wrapping_add(rel as u64) as i64;
        }
        _ => return None,
    }
    Some(Effect { regs: out, write })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regs() -> reg {
        reg { r_rip: 0x1000, r_rsp: 0x8000, r_rbp: 0x8100, r_rax: 0x1122_3344_5566_7788, r_rdi: 42, r_rflags: 0x246, ..Default::default() }
    }

    fn run(code: &[u8], r: &reg) -> Option<Effect> {
        step(code, r, 0x7000_0000, 0, &mut |a, buf| {
            buf.iter_mut().enumerate().for_each(|(i, b)| *b = (a as u8).wrapping_add(i as u8));
            true
        })
    }

    #[test]
    fn loads_stores_and_stack_moves() {
        // mov %edi,-0x4(%rbp)
        let e = run(&[0x89, 0x7d, 0xfc], &regs()).unwrap();
        assert_eq!(e.write, Some((0x80fc, 42u32.to_le_bytes().to_vec())));
        assert_eq!(e.regs.r_rip, 0x1003);
        // mov 0x2ebc(%rip),%edx: address relative to the next instruction.
        let e = run(&[0x8b, 0x15, 0xbc, 0x2e, 0, 0], &regs()).unwrap();
        let a = 0x1006u64 + 0x2ebc;
        assert_eq!(e.regs.r_rdx as u64, u32::from_le_bytes([a as u8, a as u8 + 1, a as u8 + 2, a as u8 + 3]) as u64);
        // mov %rsp,%rbp (89 e5 with REX.W)
        let e = run(&[0x48, 0x89, 0xe5], &regs()).unwrap();
        assert_eq!(e.regs.r_rbp, 0x8000);
        // mov %eax,%eax zero-extends.
        let e = run(&[0x89, 0xc0], &regs()).unwrap();
        assert_eq!(e.regs.r_rax, 0x5566_7788);
        // push %rbp / pop %rbx
        let e = run(&[0x55], &regs()).unwrap();
        assert_eq!((e.regs.r_rsp, e.write), (0x7ff8, Some((0x7ff8, 0x8100u64.to_le_bytes().to_vec()))));
        let e = run(&[0x5b], &regs()).unwrap();
        assert_eq!(e.regs.r_rsp, 0x8008);
        // push %r12 (41 54)
        let e = run(&[0x41, 0x54], &regs()).unwrap();
        assert_eq!(e.regs.r_rip, 0x1002);
        // call rel32
        let e = run(&[0xe8, 0x10, 0, 0, 0], &regs()).unwrap();
        assert_eq!((e.regs.r_rip, e.regs.r_rsp), (0x1015, 0x7ff8));
        assert_eq!(e.write, Some((0x7ff8, 0x1005u64.to_le_bytes().to_vec())));
        // mov %fs:0x28,%rax
        let e = run(&[0x64, 0x48, 0x8b, 0x04, 0x25, 0x28, 0, 0, 0], &regs()).unwrap();
        assert_eq!(e.regs.r_rax as u64 & 0xff, 0x28, "read at fs_base + 0x28");
        // lea 0x8(%rsp,%rdi,4),%rcx
        let e = run(&[0x48, 0x8d, 0x4c, 0xbc, 0x08], &regs()).unwrap();
        assert_eq!(e.regs.r_rcx, 0x8000 + 42 * 4 + 8);
        // movl $7,-0x8(%rbp); movabs $imm64,%rax
        let e = run(&[0xc7, 0x45, 0xf8, 7, 0, 0, 0], &regs()).unwrap();
        assert_eq!(e.write, Some((0x80f8, 7u32.to_le_bytes().to_vec())));
        let e = run(&[0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8], &regs()).unwrap();
        assert_eq!(e.regs.r_rax as u64, 0x0807060504030201);
        assert_eq!(run(&[0xf3, 0x0f, 0x1e, 0xfa], &regs()).unwrap().regs.r_rip, 0x1004);
    }

    #[test]
    fn anything_else_is_left_to_the_cpu() {
        for code in [
            &[0x01, 0xd0][..],       // add sets flags
            &[0x88, 0x45, 0xfc],     // 8-bit store
            &[0x66, 0x89, 0x45, 0xfc], // 16-bit store
            &[0x67, 0x8b, 0x00],     // address size
            &[0xf0, 0x89, 0x00],     // lock
            &[0x0f, 0x05],           // syscall
            &[0x5c],                 // pop %rsp
            &[0xc3],                 // ret
            &[0x8b],                 // cut short
            &[],
        ] {
            assert_eq!(run(code, &regs()), None, "{code:x?}");
        }
        // A load from memory that cannot be read.
        assert_eq!(step(&[0x8b, 0x07], &regs(), 0, 0, &mut |_, _| false), None);
    }
}
