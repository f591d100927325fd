//! procctl(2) data layouts and constants (FreeBSD `sys/procctl.h`, amd64).
//!
//! The structs are byte-for-byte FreeBSD's so the C face can copy them in and
//! out unchanged; `to_bytes`/`from_bytes` convert field by field (no unsafe,
//! no padding surprises). Nothing here performs a system call.

#![allow(non_camel_case_types)]

/// `rs_flags`: the process is a reaper (PROC_REAP_ACQUIRE).
pub const REAPER_STATUS_OWNED: u32 = 0x0000_0001;
/// `rs_flags`: the reaper is init itself.
pub const REAPER_STATUS_REALINIT: u32 = 0x0000_0002;

/// `pi_flags`: the entry is filled in.
pub const REAPER_PIDINFO_VALID: u32 = 0x0000_0001;
/// `pi_flags`: a direct child of the reaper.
pub const REAPER_PIDINFO_CHILD: u32 = 0x0000_0002;
/// `pi_flags`: the descendant is a reaper itself.
pub const REAPER_PIDINFO_REAPER: u32 = 0x0000_0004;
/// `pi_flags`: the descendant has exited and not been reaped.
pub const REAPER_PIDINFO_ZOMBIE: u32 = 0x0000_0008;
/// `pi_flags`: the descendant is stopped.
pub const REAPER_PIDINFO_STOPPED: u32 = 0x0000_0010;
/// `pi_flags`: the descendant is exiting.
pub const REAPER_PIDINFO_EXITING: u32 = 0x0000_0020;

/// `rk_flags`: signal only the direct children.
pub const REAPER_KILL_CHILDREN: u32 = 0x0000_0001;
/// `rk_flags`: signal only the subtree of `rk_subtree`.
pub const REAPER_KILL_SUBTREE: u32 = 0x0000_0002;

/// PROC_TRACE_CTL: allow tracing.
pub const PROC_TRACE_CTL_ENABLE: i32 = 1;
/// PROC_TRACE_CTL: forbid tracing.
pub const PROC_TRACE_CTL_DISABLE: i32 = 2;
/// PROC_TRACE_CTL: forbid tracing until the next exec.
pub const PROC_TRACE_CTL_DISABLE_EXEC: i32 = 3;

/// PROC_TRAPCAP_CTL: send SIGTRAP on capability violations.
pub const PROC_TRAPCAP_CTL_ENABLE: i32 = 1;
/// PROC_TRAPCAP_CTL: do not.
pub const PROC_TRAPCAP_CTL_DISABLE: i32 = 2;

/// PROC_ASLR_CTL: randomize new images.
pub const PROC_ASLR_FORCE_ENABLE: i32 = 1;
/// PROC_ASLR_CTL: do not randomize new images.
pub const PROC_ASLR_FORCE_DISABLE: i32 = 2;
/// PROC_ASLR_CTL: follow the system default.
pub const PROC_ASLR_NOFORCE: i32 = 3;
/// PROC_ASLR_STATUS: the current image is randomized.
pub const PROC_ASLR_ACTIVE: i32 = 0x8000_0000_u32 as i32;

/// PROC_PROTMAX_CTL: implicit PROT_MAX on.
pub const PROC_PROTMAX_FORCE_ENABLE: i32 = 1;
/// PROC_PROTMAX_CTL: implicit PROT_MAX off.
pub const PROC_PROTMAX_FORCE_DISABLE: i32 = 2;
/// PROC_PROTMAX_CTL: follow the system default.
pub const PROC_PROTMAX_NOFORCE: i32 = 3;
/// PROC_PROTMAX_STATUS: implicit PROT_MAX is in effect.
pub const PROC_PROTMAX_ACTIVE: i32 = 0x8000_0000_u32 as i32;

/// PROC_STACKGAP_CTL: stack gap on.
pub const PROC_STACKGAP_ENABLE: i32 = 0x0001;
/// PROC_STACKGAP_CTL: stack gap off.
pub const PROC_STACKGAP_DISABLE: i32 = 0x0002;
/// PROC_STACKGAP_CTL: stack gap on after exec.
pub const PROC_STACKGAP_ENABLE_EXEC: i32 = 0x0004;
/// PROC_STACKGAP_CTL: stack gap off after exec.
pub const PROC_STACKGAP_DISABLE_EXEC: i32 = 0x0008;

/// PROC_NO_NEW_PRIVS_CTL: no privilege gains through exec (irreversible).
pub const PROC_NO_NEW_PRIVS_ENABLE: i32 = 1;
/// PROC_NO_NEW_PRIVS_STATUS: privilege gains are allowed.
pub const PROC_NO_NEW_PRIVS_DISABLE: i32 = 2;

/// PROC_WXMAP_CTL: allow writable and executable mappings.
pub const PROC_WX_MAPPINGS_PERMIT: i32 = 0x0001;
/// PROC_WXMAP_CTL: disallow them after exec.
pub const PROC_WX_MAPPINGS_DISALLOW_EXEC: i32 = 0x0002;
/// PROC_WXMAP_STATUS: W^X is enforced on the current image.
pub const PROC_WXORX_ENFORCE: i32 = 0x8000_0000_u32 as i32;

/// PROC_LOGSIGEXIT_CTL: follow the system default.
pub const PROC_LOGSIGEXIT_CTL_NOFORCE: i32 = 1;
/// PROC_LOGSIGEXIT_CTL: log exits by signal.
pub const PROC_LOGSIGEXIT_CTL_FORCE_ENABLE: i32 = 2;
/// PROC_LOGSIGEXIT_CTL: do not log them.
pub const PROC_LOGSIGEXIT_CTL_FORCE_DISABLE: i32 = 3;

// x86 machine-dependent commands (machine/procctl.h).
/// PROC_KPTI_CTL: KPTI on for new images.
pub const PROC_KPTI_CTL_ENABLE_ON_EXEC: i32 = 1;
/// PROC_KPTI_CTL: KPTI off for new images.
pub const PROC_KPTI_CTL_DISABLE_ON_EXEC: i32 = 2;
/// PROC_KPTI_STATUS: KPTI is active for the current image.
pub const PROC_KPTI_STATUS_ACTIVE: i32 = 0x8000_0000_u32 as i32;
/// PROC_LA_CTL: 48-bit address space for new images.
pub const PROC_LA_CTL_LA48_ON_EXEC: i32 = 1;
/// PROC_LA_CTL: 57-bit address space for new images.
pub const PROC_LA_CTL_LA57_ON_EXEC: i32 = 2;
/// PROC_LA_CTL: the system default for new images.
pub const PROC_LA_CTL_DEFAULT_ON_EXEC: i32 = 3;
/// PROC_LA_STATUS: the current image has a 48-bit address space.
pub const PROC_LA_STATUS_LA48: i32 = 0x0100_0000;
/// PROC_LA_STATUS: the current image has a 57-bit address space.
pub const PROC_LA_STATUS_LA57: i32 = 0x0200_0000;

/// `struct procctl_reaper_status` (80 bytes), PROC_REAP_STATUS output.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct procctl_reaper_status {
    /// `REAPER_STATUS_*` bits.
    pub rs_flags: u32,
    /// Direct children of the reaper.
    pub rs_children: u32,
    /// All descendants of the reaper.
    pub rs_descendants: u32,
    /// The reaper of the process asked about.
    pub rs_reaper: i32,
    /// A descendant's pid, or -1 if there is none.
    pub rs_pid: i32,
    /// Reserved.
    pub rs_pad0: [u32; 15],
}

/// `struct procctl_reaper_pidinfo` (72 bytes), one element of `rp_pids`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct procctl_reaper_pidinfo {
    /// The descendant.
    pub pi_pid: i32,
    /// The direct child of the reaper whose subtree holds it.
    pub pi_subtree: i32,
    /// `REAPER_PIDINFO_*` bits.
    pub pi_flags: u32,
    /// Reserved.
    pub pi_pad0: [u32; 15],
}

/// `struct procctl_reaper_pids` (72 bytes), PROC_REAP_GETPIDS input.
/// `rp_pids` is a user address (the C face's `struct procctl_reaper_pidinfo *`),
/// kept as an integer so the struct stays `Send` and free of raw pointers.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct procctl_reaper_pids {
    /// Room in `rp_pids`, in elements.
    pub rp_count: u32,
    /// Reserved.
    pub rp_pad0: [u32; 15],
    /// The user address of the `struct procctl_reaper_pidinfo` array.
    pub rp_pids: u64,
}

/// `struct procctl_reaper_kill` (80 bytes), PROC_REAP_KILL input and output.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct procctl_reaper_kill {
    /// The signal to send.
    pub rk_sig: i32,
    /// `REAPER_KILL_*` bits.
    pub rk_flags: u32,
    /// With REAPER_KILL_SUBTREE: the subtree to signal.
    pub rk_subtree: i32,
    /// Out: how many processes were signalled.
    pub rk_killed: u32,
    /// Out: the first process that could not be signalled, or -1.
    pub rk_fpid: i32,
    /// Reserved.
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
    /// The struct's size in bytes.
    pub const SIZE: usize = 80;
    /// The struct as the kernel copies it out, in native byte order.
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
    /// The struct's size in bytes.
    pub const SIZE: usize = 72;
    /// The struct as the kernel copies it out, in native byte order.
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
    /// The struct's size in bytes: 72, or 68 for a 32-bit caller (the
    /// library built for i686), whose `rp_pids` pointer is 4 bytes
    /// (FreeBSD's `procctl_reaper_pids32`).
    pub const SIZE: usize = if cfg!(target_pointer_width = "32") { 68 } else { 72 };
    /// Decode the first [`Self::SIZE`] bytes (missing bytes read as zero).
    pub fn from_bytes(b: &[u8]) -> Self {
        let mut pad = [0u32; 15];
        for (i, p) in pad.iter_mut().enumerate() {
            *p = word(b, 1 + i);
        }
        let lo = word(b, 16) as u64;
        let hi = if Self::SIZE == 68 { 0 } else { word(b, 17) as u64 };
        let rp_pids = if cfg!(target_endian = "little") { lo | hi << 32 } else { hi | lo << 32 };
        procctl_reaper_pids { rp_count: word(b, 0), rp_pad0: pad, rp_pids }
    }
}

impl procctl_reaper_kill {
    /// The struct's size in bytes.
    pub const SIZE: usize = 80;
    /// Decode the struct from the bytes the caller passed (missing bytes read as zero).
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
    /// The struct as the kernel copies it out, in native byte order.
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
