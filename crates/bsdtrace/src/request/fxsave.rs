//! The x87/SSE state between Linux's FXSAVE image (`user_fpregs_struct`)
//! and FreeBSD's `struct fpreg` (amd64) and `struct fpreg32` (i386 FSAVE
//! layout plus the XMM registers).

use crate::abi::{fpreg, fpreg32};
use crate::sys;

pub(super) fn fxsave_to_fpreg(r: &sys::user_fpregs_struct) -> fpreg {
    // Both are the 512-byte FXSAVE image; copy field by field.
    let mut f = fpreg::default();
    f.fpr_env[0] = r.cwd as u64 | (r.swd as u64) << 16 | (r.ftw as u64) << 32 | (r.fop as u64) << 48;
    f.fpr_env[1] = r.rip;
    f.fpr_env[2] = r.rdp;
    f.fpr_env[3] = r.mxcsr as u64 | (r.mxcr_mask as u64) << 32;
    for i in 0..8 {
        for w in 0..4 {
            f.fpr_acc[i][w * 4..w * 4 + 4].copy_from_slice(&r.st_space[i * 4 + w].to_le_bytes());
        }
    }
    for i in 0..16 {
        for w in 0..4 {
            f.fpr_xacc[i][w * 4..w * 4 + 4].copy_from_slice(&r.xmm_space[i * 4 + w].to_le_bytes());
        }
    }
    f
}

/// The 512 bytes of an FXSAVE image.
pub(super) fn fxsave_bytes(fx: &sys::user_fpregs_struct) -> [u8; 512] {
    let mut b = [0u8; 512];
    sys::copy_to_bytes(fx, &mut b);
    b
}

/// FreeBSD's `fill_fpregs32`: the FSAVE (`save87`) image of an FXSAVE one,
/// with the full tag word rebuilt from the abridged one and the registers'
/// contents; `cs` and `ds` stand in for the instruction and operand
/// segments, which 64-bit FXSAVE does not keep.
pub(crate) fn fxsave_to_fpreg32(fx: &sys::user_fpregs_struct, cs: u16, ds: u32) -> fpreg32 {
    let b = fxsave_bytes(fx);
    let mut f = fpreg32::default();
    f.fpr_env[0] = u32::from(fx.cwd);
    f.fpr_env[1] = u32::from(fx.swd);
    f.fpr_env[3] = fx.rip as u32;
    f.fpr_env[4] = u32::from(cs) | (u32::from(fx.fop) << 16);
    f.fpr_env[5] = fx.rdp as u32;
    f.fpr_env[6] = ds;
    let top = (fx.swd >> 11) & 7;
    let mut tw = 0u32;
    for phys in (0..8u16).rev() {
        // Physical register `phys` is ST((phys - top) & 7).
        let st = usize::from(phys.wrapping_sub(top) & 7);
        let acc = &b[32 + st * 16..32 + st * 16 + 10];
        tw <<= 2;
        tw |= if fx.ftw & (1 << phys) == 0 {
            3 // empty
        } else {
            let mantissa = u64::from_le_bytes(acc[..8].try_into().expect("8 bytes"));
            let exp = u16::from_le_bytes([acc[8], acc[9]]) & 0x7fff;
            match (exp, mantissa) {
                (0x7fff, _) => 2, // special
                (0, 0) => 1,      // zero
                (0, _) => 2,      // denormal
                _ => 0,           // valid
            }
        };
    }
    f.fpr_env[2] = tw;
    for i in 0..8 {
        f.fpr_acc[i].copy_from_slice(&b[32 + i * 16..32 + i * 16 + 10]);
    }
    f
}

/// FreeBSD's `set_fpregs32`: an FSAVE image into the FXSAVE one; MXCSR
/// and the SSE registers are left as they are.
pub(super) fn fpreg32_into_fxsave(f: &fpreg32, fx: &mut sys::user_fpregs_struct) {
    fx.cwd = f.fpr_env[0] as u16;
    fx.swd = f.fpr_env[1] as u16;
    fx.rip = u64::from(f.fpr_env[3]);
    fx.fop = (f.fpr_env[4] >> 16) as u16 & 0x7ff;
    fx.rdp = u64::from(f.fpr_env[5]);
    let mut ftw = 0u16;
    for i in 0..8 {
        if (f.fpr_env[2] >> (i * 2)) & 3 != 3 {
            ftw |= 1 << i;
        }
    }
    fx.ftw = ftw;
    let mut b = fxsave_bytes(fx);
    for i in 0..8 {
        b[32 + i * 16..32 + i * 16 + 16].fill(0);
        b[32 + i * 16..32 + i * 16 + 10].copy_from_slice(&f.fpr_acc[i]);
    }
    sys::copy_from_bytes(&b, fx);
}

pub(super) fn fpreg_to_fxsave(f: &fpreg) -> sys::user_fpregs_struct {
    let mut r: sys::user_fpregs_struct = sys::zeroed_fpregs();
    r.cwd = f.fpr_env[0] as u16;
    r.swd = (f.fpr_env[0] >> 16) as u16;
    r.ftw = (f.fpr_env[0] >> 32) as u16;
    r.fop = (f.fpr_env[0] >> 48) as u16;
    r.rip = f.fpr_env[1];
    r.rdp = f.fpr_env[2];
    r.mxcsr = f.fpr_env[3] as u32;
    r.mxcr_mask = (f.fpr_env[3] >> 32) as u32;
    for i in 0..8 {
        for w in 0..4 {
            r.st_space[i * 4 + w] = u32::from_le_bytes(f.fpr_acc[i][w * 4..w * 4 + 4].try_into().expect("4"));
        }
    }
    for i in 0..16 {
        for w in 0..4 {
            r.xmm_space[i * 4 + w] = u32::from_le_bytes(f.fpr_xacc[i][w * 4..w * 4 + 4].try_into().expect("4"));
        }
    }
    r
}
