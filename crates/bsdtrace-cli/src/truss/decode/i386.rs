//! i386 calls (a 32-bit program's, or a 64-bit one's `int $0x80`): their
//! x86-64 twin for the filters, their decoding at entry (split offsets
//! merged, i386 layouts), the `<runs in 32 bit mode>` line.

use super::*;

/// The x86-64 call an i386 one is (the same name, or i386's variant of
/// it: `mmap2`, `_llseek`, `fstat64`, `chown32`, `ugetrlimit`,
/// `clock_gettime64`...), for `-e trace=` and the other sets keyed by
/// x86-64 numbers; `None` for the calls x86-64 lacks (`socketcall`,
/// `ipc`, `waitpid`...).
pub fn x86_64_key(number: u32) -> Option<u32> {
    let name = Arch::I386.name(number)?;
    let mut candidates = vec![name.to_string()];
    let mut base = name.trim_start_matches('_').to_string();
    for suffix in ["_time64", "32", "64", "2"] {
        if let Some(b) = base.strip_suffix(suffix) {
            base = b.to_string();
            candidates.push(base.clone());
        }
    }
    match name {
        "ugetrlimit" => candidates.push("getrlimit".into()),
        "_llseek" => candidates.push("lseek".into()),
        "_newselect" => candidates.push("select".into()),
        "fstatat64" => candidates.push("newfstatat".into()),
        "fadvise64_64" => candidates.push("fadvise64".into()),
        _ => {}
    }
    candidates.iter().find_map(|n| Arch::X86_64.by_name(n)).map(|s| s.number)
}

/// Decodes an i386 call at entry (see the module docs): `number` is in
/// the i386 table, `args` the six argument registers (ebx..ebp).
pub fn decode_entry_i386(opts: &Options, number: u32, args: [u64; 6], mem: &dyn Memory) -> EntryState {
    let syscall = Arch::I386.by_number(number);
    let key = x86_64_key(number).unwrap_or(u32::MAX);
    // OffLo/OffHi pairs become one Off, as the call's 64-bit value.
    let row: &[Arg] = syscall.map_or(&[], |s| s.args);
    // A call without arguments keeps the registers: sigreturn's driver
    // passes the stack pointer in the first.
    let (mut kinds, mut merged, mut n) = (Vec::new(), if row.is_empty() { args } else { [0u64; 6] }, 0);
    let mut i = 0;
    while i < row.len() && n < 6 {
        let lo_hi = match (row[i], row.get(i + 1)) {
            (Arg::OffLo, Some(Arg::OffHi)) => Some((args[i], args[i + 1])),
            (Arg::OffHi, Some(Arg::OffLo)) => Some((args[i + 1], args[i])),
            _ => None,
        };
        match lo_hi {
            Some((lo, hi)) => {
                kinds.push(Arg::Off);
                merged[n] = (lo & 0xffff_ffff) | (hi << 32);
                i += 2;
            }
            None => {
                kinds.push(if row[i] == Arg::OffLo { Arg::Off } else { row[i] });
                merged[n] = args[i];
                i += 1;
            }
        }
        n += 1;
    }
    let ctx = print::Ctx {
        opts,
        mem,
        number: key,
        args: merged,
        outcome: None,
        i386: syscall.map(|s| s.name),
    };
    let raw = opts.raw.contains(key);
    let special = !raw && syscall.is_some_and(|s| special32::shares(s.name));
    let mut captured = special::Captured::default();
    let text = match syscall {
        Some(sc) if raw => args[..sc.args.len()].iter().map(|&a| Some(print::hex(a))).collect(),
        Some(_) if special => {
            captured = special::capture(&ctx);
            special::entry(&ctx).unwrap_or_default()
        }
        Some(_) => kinds
            .iter()
            .enumerate()
            .map(|(i, &kind)| (!print::is_out32(kind)).then(|| print::arg32(kind, i, &ctx)))
            .collect(),
        None => args.iter().map(|&a| Some(print::hex(a))).collect(),
    };
    EntryState {
        number,
        syscall,
        args: if raw { args } else { merged },
        text,
        captured,
        raw,
        i386: Some(I386Call { kinds, key, special }),
    }
}

/// `<runs in 32 bit mode>` (or 64): a thread's calls changed ABI, the
/// first time a thread is seen making 32-bit calls and whenever it
/// changes again (strace's `[ Process PID=N runs in 32 bit mode. ]`).
pub fn mode_line(arch: Arch) -> &'static str {
    match arch {
        Arch::I386 => "<runs in 32 bit mode>",
        Arch::X86_64 => "<runs in 64 bit mode>",
    }
}
