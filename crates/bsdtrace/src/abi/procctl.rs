//! procctl(2) data layouts and constants (FreeBSD `sys/procctl.h`, amd64).
//!
//! The structs are byte-for-byte FreeBSD's so the C face can copy them in and
//! out unchanged; `to_bytes`/`from_bytes` convert field by field (no unsafe,
//! no padding surprises). Nothing here performs a system call.

#![allow(non_camel_case_types)]

pub const REAPER_STATUS_OWNED: u32 = 0x0000_0001;
pub const REAPER_STATUS_REALINIT: u32 = 0x0000_0002;

pub const REAPER_PIDINFO_VALID: u32 = 0x0000_0001;
pub const REAPER_PIDINFO_CHILD: u32 = 0x0000_0002;
pub const REAPER_PIDINFO_REAPER: u32 = 0x0000_0004;
pub const REAPER_PIDINFO_ZOMBIE: u32 = 0x0000_0008;
pub const REAPER_PIDINFO_STOPPED: u32 = 0x0000_0010;
pub const REAPER_PIDINFO_EXITING: u32 = 0x0000_0020;

pub const REAPER_KILL_CHILDREN: u32 = 0x0000_0001;
pub const REAPER_KILL_SUBTREE: u32 = 0x0000_0002;

pub const PROC_TRACE_CTL_ENABLE: i32 = 1;
pub const PROC_TRACE_CTL_DISABLE: i32 = 2;
pub const PROC_TRACE_CTL_DISABLE_EXEC: i32 = 3;

pub const PROC_TRAPCAP_CTL_ENABLE: i32 = 1;
pub const PROC_TRAPCAP_CTL_DISABLE: i32 = 2;

pub const PROC_ASLR_FORCE_ENABLE: i32 = 1;
pub const PROC_ASLR_FORCE_DISABLE: i32 = 2;
pub const PROC_ASLR_NOFORCE: i32 = 3;
pub const PROC_ASLR_ACTIVE: i32 = 0x8000_0000_u32 as i32;

pub const PROC_PROTMAX_FORCE_ENABLE: i32 = 1;
pub const PROC_PROTMAX_FORCE_DISABLE: i32 = 2;
pub const PROC_PROTMAX_NOFORCE: i32 = 3;
pub const PROC_PROTMAX_ACTIVE: i32 = 0x8000_0000_u32 as i32;

pub const PROC_STACKGAP_ENABLE: i32 = 0x0001;
pub const PROC_STACKGAP_DISABLE: i32 = 0x0002;
pub const PROC_STACKGAP_ENABLE_EXEC: i32 = 0x0004;
pub const PROC_STACKGAP_DISABLE_EXEC: i32 = 0x0008;

pub const PROC_NO_NEW_PRIVS_ENABLE: i32 = 1;
pub const PROC_NO_NEW_PRIVS_DISABLE: i32 = 2;

pub const PROC_WX_MAPPINGS_PERMIT: i32 = 0x0001;
pub const PROC_WX_MAPPINGS_DISALLOW_EXEC: i32 = 0x0002;
pub const PROC_WXORX_ENFORCE: i32 = 0x8000_0000_u32 as i32;

pub const PROC_LOGSIGEXIT_CTL_NOFORCE: i32 = 1;
pub const PROC_LOGSIGEXIT_CTL_FORCE_ENABLE: i32 = 2;
pub const PROC_LOGSIGEXIT_CTL_FORCE_DISABLE: i32 = 3;

// x86 machine-dependent commands (machine/procctl.h).
pub const PROC_KPTI_CTL_ENABLE_ON_EXEC: i32 = 1;
pub const PROC_KPTI_CTL_DISABLE_ON_EXEC: i32 = 2;
pub const PROC_KPTI_STATUS_ACTIVE: i32 = 0x8000_0000_u32 as i32;
pub const PROC_LA_CTL_LA48_ON_EXEC: i32 = 1;
pub const PROC_LA_CTL_LA57_ON_EXEC: i32 = 2;
pub const PROC_LA_CTL_DEFAULT_ON_EXEC: i32 = 3;
pub const PROC_LA_STATUS_LA48: i32 = 0x0100_0000;
pub const PROC_LA_STATUS_LA57: i32 = 0x0200_0000;

/// `struct procctl_reaper_status` (80 bytes), PROC_REAP_STATUS output.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct procctl_reaper_status {
    pub rs_flags: u32,
    pub rs_children: u32,
    pub rs_descendants: u32,
    pub rs_reaper: i32,
    pub rs_pid: i32,
    pub rs_pad0: [u32; 15],
}

/// `struct procctl_reaper_pidinfo` (72 bytes), one element of `rp_pids`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct procctl_reaper_pidinfo {
    pub pi_pid: i32,
    pub pi_subtree: i32,
    pub pi_flags: u32,
    pub pi_pad0: [u32; 15],
}

/// `struct procctl_reaper_pids` (72 bytes), PROC_REAP_GETPIDS input.
/// `rp_pids` is a user address (the C face's `struct procctl_reaper_pidinfo *`),
/// kept as an integer so the struct stays `Send` and free of raw pointers.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct procctl_reaper_pids {
    pub rp_count: u32,
    pub rp_pad0: [u32; 15],
    pub rp_pids: u64,
}

/// `struct procctl_reaper_kill` (80 bytes), PROC_REAP_KILL input and output.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct procctl_reaper_kill {
    pub rk_sig: i32,
    pub rk_flags: u32,
    pub rk_subtree: i32,
    pub rk_killed: u32,
    pub rk_fpid: i32,
    pub rk_pad0: [u32; 15],
}

/// Little helpers to (de)serialise the 32-bit words these structs are made of.
fn put(out: &mut Vec<u8>, w: u32) {
    out.extend_from_slice(&w.to_ne_bytes());
}
fn word(b: &[u8], i: usize) -> u32 {
    let mut w = [0u8; 4];
    if let Some(s) = b.get(i * 4..i * 4 + 4) {
        w.copy_from_slice(s);
    }
    u32::from_ne_bytes(w)
}

impl procctl_reaper_status {
    pub const SIZE: usize = 80;
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(Self::SIZE);
        for w in [self.rs_flags, self.rs_children, self.rs_descendants, self.rs_reaper as u32, self.rs_pid as u32] {
            put(&mut v, w);
        }
        self.rs_pad0.iter().for_each(|&w| put(&mut v, w));
        v
    }
}

impl procctl_reaper_pidinfo {
    pub const SIZE: usize = 72;
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(Self::SIZE);
        for w in [self.pi_pid as u32, self.pi_subtree as u32, self.pi_flags] {
            put(&mut v, w);
        }
        self.pi_pad0.iter().for_each(|&w| put(&mut v, w));
        v
    }
    /// Serialise an array exactly as the kernel's copyout of `pi[]` lays it out.
    pub fn slice_to_bytes(pis: &[procctl_reaper_pidinfo]) -> Vec<u8> {
        pis.iter().flat_map(|p| p.to_bytes()).collect()
    }
}

impl procctl_reaper_pids {
    pub const SIZE: usize = 72;
    /// Decode the first [`Self::SIZE`] bytes (missing bytes read as zero).
    pub fn from_bytes(b: &[u8]) -> Self {
        let mut pad = [0u32; 15];
        for (i, p) in pad.iter_mut().enumerate() {
            *p = word(b, 1 + i);
        }
        let lo = word(b, 16) as u64;
        let hi = word(b, 17) as u64;
        let rp_pids = if cfg!(target_endian = "little") { lo | hi << 32 } else { hi | lo << 32 };
        procctl_reaper_pids { rp_count: word(b, 0), rp_pad0: pad, rp_pids }
    }
}

impl procctl_reaper_kill {
    pub const SIZE: usize = 80;
    pub fn from_bytes(b: &[u8]) -> Self {
        let mut pad = [0u32; 15];
        for (i, p) in pad.iter_mut().enumerate() {
            *p = word(b, 5 + i);
        }
        procctl_reaper_kill {
            rk_sig: word(b, 0) as i32,
            rk_flags: word(b, 1),
            rk_subtree: word(b, 2) as i32,
            rk_killed: word(b, 3),
            rk_fpid: word(b, 4) as i32,
            rk_pad0: pad,
        }
    }
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(Self::SIZE);
        for w in [self.rk_sig as u32, self.rk_flags, self.rk_subtree as u32, self.rk_killed, self.rk_fpid as u32] {
            put(&mut v, w);
        }
        self.rk_pad0.iter().for_each(|&w| put(&mut v, w));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{offset_of, size_of};

    #[test]
    fn freebsd_procctl_layouts() {
        assert_eq!(size_of::<procctl_reaper_status>(), 80);
        assert_eq!(offset_of!(procctl_reaper_status, rs_flags), 0);
        assert_eq!(offset_of!(procctl_reaper_status, rs_children), 4);
        assert_eq!(offset_of!(procctl_reaper_status, rs_descendants), 8);
        assert_eq!(offset_of!(procctl_reaper_status, rs_reaper), 12);
        assert_eq!(offset_of!(procctl_reaper_status, rs_pid), 16);
        assert_eq!(offset_of!(procctl_reaper_status, rs_pad0), 20);

        assert_eq!(size_of::<procctl_reaper_pidinfo>(), 72);
        assert_eq!(offset_of!(procctl_reaper_pidinfo, pi_pid), 0);
        assert_eq!(offset_of!(procctl_reaper_pidinfo, pi_subtree), 4);
        assert_eq!(offset_of!(procctl_reaper_pidinfo, pi_flags), 8);
        assert_eq!(offset_of!(procctl_reaper_pidinfo, pi_pad0), 12);

        assert_eq!(size_of::<procctl_reaper_pids>(), 72);
        assert_eq!(offset_of!(procctl_reaper_pids, rp_count), 0);
        assert_eq!(offset_of!(procctl_reaper_pids, rp_pad0), 4);
        assert_eq!(offset_of!(procctl_reaper_pids, rp_pids), 64);

        assert_eq!(size_of::<procctl_reaper_kill>(), 80);
        assert_eq!(offset_of!(procctl_reaper_kill, rk_sig), 0);
        assert_eq!(offset_of!(procctl_reaper_kill, rk_flags), 4);
        assert_eq!(offset_of!(procctl_reaper_kill, rk_subtree), 8);
        assert_eq!(offset_of!(procctl_reaper_kill, rk_killed), 12);
        assert_eq!(offset_of!(procctl_reaper_kill, rk_fpid), 16);
        assert_eq!(offset_of!(procctl_reaper_kill, rk_pad0), 20);
    }

    #[test]
    fn byte_images_match_struct_sizes_and_round_trip() {
        let rs = procctl_reaper_status { rs_flags: 3, rs_children: 1, rs_descendants: 2, rs_reaper: 7, rs_pid: -1, ..Default::default() };
        let b = rs.to_bytes();
        assert_eq!(b.len(), 80);
        assert_eq!(&b[16..20], &(-1i32).to_ne_bytes());
        let pi = procctl_reaper_pidinfo { pi_pid: 5, pi_subtree: 6, pi_flags: 1, ..Default::default() };
        assert_eq!(pi.to_bytes().len(), 72);
        assert_eq!(procctl_reaper_pidinfo::slice_to_bytes(&[pi, pi]).len(), 144);
        let rk = procctl_reaper_kill { rk_sig: 9, rk_flags: 2, rk_subtree: 42, rk_killed: 3, rk_fpid: -1, ..Default::default() };
        assert_eq!(rk.to_bytes().len(), 80);
        assert_eq!(procctl_reaper_kill::from_bytes(&rk.to_bytes()), rk);
        let mut rp = vec![0u8; 72];
        rp[0..4].copy_from_slice(&10u32.to_ne_bytes());
        rp[64..72].copy_from_slice(&0xdead_beef_0000_1000u64.to_ne_bytes());
        let rp = procctl_reaper_pids::from_bytes(&rp);
        assert_eq!((rp.rp_count, rp.rp_pids), (10, 0xdead_beef_0000_1000));
    }
}
