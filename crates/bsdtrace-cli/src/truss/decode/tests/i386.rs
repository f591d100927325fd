//! The decoder on i386 calls: names, split offsets, i386 layouts.

use super::*;

fn nr32(name: &str) -> u32 {
    Arch::I386.by_name(name).unwrap().number
}

#[test]
fn i386_calls_have_x86_64_twins_for_the_filters() {
    for (i386, x64) in [
        ("read", "read"),
        ("mmap2", "mmap"),
        ("_llseek", "lseek"),
        ("fstat64", "fstat"),
        ("fstatat64", "newfstatat"),
        ("chown32", "chown"),
        ("getuid32", "getuid"),
        ("ugetrlimit", "getrlimit"),
        ("_newselect", "select"),
        ("clock_gettime64", "clock_gettime"),
        ("futex_time64", "futex"),
        ("fcntl64", "fcntl"),
    ] {
        assert_eq!(x86_64_key(nr32(i386)), Some(nr(x64)), "{i386}");
    }
    for lonely in ["socketcall", "ipc", "waitpid"] {
        assert_eq!(x86_64_key(nr32(lonely)), None, "{lonely}");
    }
}

#[test]
fn i386_arguments_in_i386_layouts() {
    let opts = Options::default();
    // writev(1, iov, 2): i386 iovecs are two 32-bit words.
    let mut iov = Vec::new();
    for (base, len) in [(0x5000u32, 2u32), (0x6000, 3)] {
        iov.extend_from_slice(&base.to_le_bytes());
        iov.extend_from_slice(&len.to_le_bytes());
    }
    let mem = FakeMemory::default().with(0x4000, &iov).with(0x5000, b"hi").with(0x6000, b"you");
    let e = decode_entry_i386(&opts, nr32("writev"), [1, 0x4000, 2, 0, 0, 0], &mem);
    let c = e.finish(&opts, Outcome::Value(5), &mem);
    assert_eq!(c.call(), "writev(1,[{\"hi\",2},{\"you\",3}],2)");
    // pread64(3, buf, 10, lo, hi): the offset is one argument.
    let e = decode_entry_i386(&opts, nr32("pread64"), [3, 0x5000, 2, 7, 1, 0], &mem);
    let c = e.finish(&opts, Outcome::Value(2), &mem);
    assert_eq!(c.call(), "pread64(3,\"hi\",2,4294967303)");
    // _llseek(fd, hi, lo, result, whence).
    let e = decode_entry_i386(&opts, nr32("_llseek"), [3, 1, 2, 0x7000, 0, 0], &mem);
    assert_eq!(e.finish(&opts, Outcome::Value(0), &mem).call(), "_llseek(3,4294967298,0x7000,SEEK_SET)");
    // nanosleep's i386 timespec: two 32-bit longs.
    let ts = [5u32.to_le_bytes(), 42u32.to_le_bytes()].concat();
    let mem = FakeMemory::default().with(0x8000, &ts);
    let e = decode_entry_i386(&opts, nr32("nanosleep"), [0x8000, 0, 0, 0, 0, 0], &mem);
    assert!(e.finish(&opts, Outcome::Value(0), &mem).call().starts_with("nanosleep({ 5.000000042 },"));
    // A structure this decoder does not know in i386's layout: its address.
    let e = decode_entry_i386(&opts, nr32("sendmsg"), [3, 0x8000, 0, 0, 0, 0], &mem);
    assert!(e.finish(&opts, Outcome::Value(0), &mem).call().starts_with("sendmsg(3,0x8000,"));
}

fn words32(w: &[u32]) -> Vec<u8> {
    w.iter().flat_map(|x| x.to_le_bytes()).collect()
}

#[test]
fn i386_structures_are_read_in_their_own_layouts() {
    let opts = Options::default();
    // rt_sigaction(SIGTERM, act, NULL, 8): handler, flags, restorer, mask.
    let act = [words32(&[0x1234, 0x1000_0000 | 0x0400_0000, 0x5678]), (1u64 << 14).to_le_bytes().to_vec()].concat();
    let mem = FakeMemory::default().with(0x4000, &act);
    let e = decode_entry_i386(&opts, nr32("rt_sigaction"), [15, 0x4000, 0, 8, 0, 0], &mem);
    assert_eq!(
        e.finish(&opts, Outcome::Value(0), &mem).call(),
        "rt_sigaction(SIGTERM,{ sa_handler=0x1234,sa_mask=[TERM],sa_flags=SA_RESTORER|SA_RESTART,sa_restorer=0x5678 },NULL,8)"
    );
    // times: four 32-bit clock_t.
    let mem = FakeMemory::default().with(0x4000, &words32(&[1, 2, 3, 4]));
    let e = decode_entry_i386(&opts, nr32("times"), [0x4000, 0, 0, 0, 0, 0], &mem);
    assert_eq!(
        e.finish(&opts, Outcome::Value(7), &mem).call(),
        "times({ tms_utime=1,tms_stime=2,tms_cutime=3,tms_cstime=4 })"
    );
    // _llseek's result: a 64-bit offset.
    let mem = FakeMemory::default().with(0x7000, &(4_294_967_298u64).to_le_bytes());
    let e = decode_entry_i386(&opts, nr32("_llseek"), [3, 1, 2, 0x7000, 0, 0], &mem);
    assert_eq!(e.finish(&opts, Outcome::Value(0), &mem).call(), "_llseek(3,4294967298,[4294967298],SEEK_SET)");
    // statfs64(path, size, buf): 32-bit type and block size, 64-bit counts.
    let mut sf = words32(&[0xef53, 4096]);
    for c in [10u64, 9, 8, 7, 6] {
        sf.extend_from_slice(&c.to_le_bytes());
    }
    sf.extend_from_slice(&words32(&[0x11, 0x22, 255, 4096, 0x1020]));
    let mem = FakeMemory::default().with(0x4000, &sf).with(0x5000, b"/\0");
    let e = decode_entry_i386(&opts, nr32("statfs64"), [0x5000, 84, 0x4000, 0, 0, 0], &mem);
    let c = e.finish(&opts, Outcome::Value(0), &mem).call();
    assert!(c.starts_with("statfs64(\"/\",84,{ f_type=EXT2_SUPER_MAGIC,f_bsize=4096,f_blocks=10,f_bfree=9,"), "{c}");
    assert!(c.contains("f_fsid={ val=[0x11,0x22] },f_namelen=255,f_frsize=4096,f_flags=ST_VALID|ST_RELATIME"), "{c}");
    // set_thread_area's user_desc.
    let mem = FakeMemory::default().with(0x4000, &words32(&[u32::MAX, 0xf7f0_0000, 0xfffff, 0x51]));
    let e = decode_entry_i386(&opts, nr32("set_thread_area"), [0x4000, 0, 0, 0, 0, 0], &mem);
    assert!(e.finish(&opts, Outcome::Value(0), &mem).call().starts_with(
        "set_thread_area({ entry_number=-1,base_addr=0xf7f00000,limit=0x0fffff,seg_32bit=1,contents=0,read_exec_only=0,limit_in_pages=1,"
    ));
    // clone(flags, stack, parent_tid, tls, child_tid): i386's order.
    let fl = (libc::CLONE_SETTLS | libc::CLONE_CHILD_CLEARTID) as u64;
    let e = decode_entry_i386(&opts, nr32("clone"), [fl, 0, 0, 0x3000, 0x4000, 0], &mem);
    let c = e.finish(&opts, Outcome::Value(9), &mem).call();
    assert!(c.contains("child_tidptr=0x4000") && c.contains("tls=0x3000"), "{c}");
    // sigreturn: oldmask at sp+80, extramask at sp+712.
    let mem = FakeMemory::default().with(0x9000 + 80, &words32(&[1 << 1])).with(0x9000 + 712, &words32(&[0]));
    let e = decode_entry_i386(&opts, nr32("sigreturn"), [0x9000, 0, 0, 0, 0, 0], &mem);
    assert_eq!(e.finish(&opts, Outcome::Value(0), &mem).call(), "sigreturn({ mask=[INT] })");
}

#[test]
fn a_nul_before_a_digit_is_written_in_three_octal_digits() {
    assert_eq!(print::quote(b"\x004\x00a\x01", false), "\"\\0004\\0a\\x01\"");
    assert_eq!(print::escaped_len(b"\x004\x00a"), 4 + 1 + 2 + 1);
}
