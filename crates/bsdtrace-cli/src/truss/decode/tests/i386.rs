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
    for lonely in ["socketcall", "ipc", "waitpid", "oldstat", "readdir"] {
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
    // A structure the memory does not hold in full: its address.
    let e = decode_entry_i386(&opts, nr32("sendmsg"), [3, 0x8000, 0, 0, 0, 0], &mem);
    assert!(e.finish(&opts, Outcome::Value(0), &mem).call().starts_with("sendmsg(3,0x8000,"));
}

/// An i386 `struct msghdr` (seven 32-bit slots) with two iovecs and an
/// SCM_RIGHTS control message (12-byte header), at 0x4000.
fn msghdr32() -> FakeMemory {
    let hdr = words32(&[0, 0, 0x5000, 2, 0x6000, 16, 0]);
    let iov = words32(&[0x7000, 2, 0x7100, 3]);
    let cmsg = words32(&[16, 1, 1, 9]);
    FakeMemory::default().with(0x4000, &hdr).with(0x5000, &iov).with(0x6000, &cmsg).with(0x7000, b"ab").with(0x7100, b"cde")
}

#[test]
fn i386_msghdrs_are_read_in_their_own_layout() {
    let opts = Options::default();
    let mem = msghdr32();
    let e = decode_entry_i386(&opts, nr32("sendmsg"), [3, 0x4000, 0, 0, 0, 0], &mem);
    assert_eq!(
        e.finish(&opts, Outcome::Value(5), &mem).call(),
        "sendmsg(3,{ msg_name=NULL,msg_namelen=0,msg_iov=[{\"ab\",2},{\"cde\",3}],msg_iovlen=2,msg_control=[{ cmsg_len=16,cmsg_level=SOL_SOCKET,cmsg_type=SCM_RIGHTS,cmsg_data=[9] }],msg_controllen=16,msg_flags=0 },0)"
    );
}

#[test]
fn socketcall_and_ipc_are_shown_as_their_sub_calls() {
    let opts = Options::default();
    // socketcall(SYS_SOCKET, [AF_INET, SOCK_STREAM, 0]).
    let mem = msghdr32().with(0x9000, &words32(&[2, 1, 0])).with(0x9100, &words32(&[3, 0x4000, 0]));
    let e = decode_entry_i386(&opts, nr32("socketcall"), [1, 0x9000, 0, 0, 0, 0], &mem);
    assert_eq!(e.name(), "socket");
    assert_eq!(e.finish(&opts, Outcome::Value(3), &mem).call(), "socket(AF_INET,SOCK_STREAM,IPPROTO_IP)");
    // socketcall(SYS_SENDMSG, [3, msghdr, 0]): the msghdr in i386's layout.
    let e = decode_entry_i386(&opts, nr32("socketcall"), [16, 0x9100, 0, 0, 0, 0], &mem);
    assert!(e.finish(&opts, Outcome::Value(5), &mem).call().starts_with("sendmsg(3,{ msg_name=NULL,msg_namelen=0,msg_iov=[{\"ab\",2},"));
    // An unreadable array, or an unknown sub-call: socketcall as it is.
    let e = decode_entry_i386(&opts, nr32("socketcall"), [1, 0xdead0000, 0, 0, 0, 0], &mem);
    assert_eq!(e.finish(&opts, Outcome::Error(14), &mem).call(), "socketcall(1,0xdead0000)");
    let e = decode_entry_i386(&opts, nr32("socketcall"), [99, 0x9000, 0, 0, 0, 0], &mem);
    assert_eq!(e.name(), "socketcall");
    // ipc(SEMOP, id, nsops, 0, sops): semop(id, sops, nsops).
    let sembuf = [0u16.to_le_bytes(), 1u16.to_le_bytes(), 0o4000u16.to_le_bytes()].concat();
    let mem = FakeMemory::default().with(0x4000, &sembuf).with(0x5000, &words32(&[0xf7f0_0000]));
    let e = decode_entry_i386(&opts, nr32("ipc"), [1, 7, 1, 0, 0x4000, 0], &mem);
    assert_eq!(e.finish(&opts, Outcome::Value(0), &mem).call(), "semop(7,[{ sem_num=0,sem_op=1,sem_flg=IPC_NOWAIT }],1)");
    // ipc(SHMGET, IPC_PRIVATE, size, IPC_CREAT|0600).
    let e = decode_entry_i386(&opts, nr32("ipc"), [23, 0, 4096, 0o1600, 0, 0], &mem);
    assert_eq!(e.finish(&opts, Outcome::Value(3), &mem).call(), "shmget(IPC_PRIVATE,4096,IPC_CREAT|0600)");
    // ipc(SHMAT, id, flags, &raddr, addr): the address it stored.
    let e = decode_entry_i386(&opts, nr32("ipc"), [21, 3, 0, 0x5000, 0, 0], &mem);
    let c = e.finish(&opts, Outcome::Value(0), &mem);
    assert_eq!(c.line(0), "shmat(3,NULL,0)\t\t\t\t\t = 0 (0x0) (shmaddr 0xf7f00000)");
}

#[test]
fn i386_old_stat_and_dirents_are_read_in_their_own_layouts() {
    let opts = Options::default();
    // __old_kernel_stat: 16-bit dev, ino, mode, nlink, uid, gid, rdev,
    // then the 32-bit size.
    let mut old = Vec::new();
    for h in [1u16, 737, 0o100644, 1, 0, 0, 0, 0] {
        old.extend_from_slice(&h.to_le_bytes());
    }
    old.extend_from_slice(&words32(&[1221, 0, 0, 0]));
    // i386's struct stat of a character device: rdev 1:3, blksize 4096.
    let mut st = words32(&[5, 3]);
    st.extend_from_slice(&[0o20666u16.to_le_bytes(), 1u16.to_le_bytes(), 0u16.to_le_bytes(), 0u16.to_le_bytes()].concat());
    st.extend_from_slice(&words32(&[0x103, 0, 4096, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    // Two struct linux_dirent of 32-bit inodes and offsets.
    let mut d = Vec::new();
    for (ino, name) in [(10u32, &b"a\0"[..]), (11, &b"bb\0"[..])] {
        let reclen = 10 + name.len() + 1;
        d.extend_from_slice(&words32(&[ino, 0]));
        d.extend_from_slice(&(reclen as u16).to_le_bytes());
        d.extend_from_slice(name);
        d.push(8);
    }
    let mem = FakeMemory::default().with(0x4000, &old).with(0x5000, &st).with(0x6000, &d).with(0x7000, b"/etc/passwd\0");
    let e = decode_entry_i386(&opts, nr32("oldstat"), [0x7000, 0x4000, 0, 0, 0, 0], &mem);
    assert_eq!(e.finish(&opts, Outcome::Value(0), &mem).call(), "oldstat(\"/etc/passwd\",{ mode=-rw-r--r-- ,inode=737,size=1221 })");
    let e = decode_entry_i386(&opts, nr32("fstat"), [3, 0x5000, 0, 0, 0, 0], &mem);
    assert_eq!(e.finish(&opts, Outcome::Value(0), &mem).call(), "fstat(3,{ mode=crw-rw-rw- ,inode=3,size=0,blksize=4096,rdev=makedev(0x1,0x3) })");
    let e = decode_entry_i386(&opts, nr32("getdents"), [3, 0x6000, 4096, 0, 0, 0], &mem);
    assert_eq!(e.finish(&opts, Outcome::Value(d.len() as i64), &mem).call(), "getdents(3,0x6000 /* 2 entries */,4096)");
    let v = Options { verbose: SyscallSet::all(), ..Options::default() };
    let e = decode_entry_i386(&v, nr32("getdents"), [3, 0x6000, 4096, 0, 0, 0], &mem);
    assert!(e.finish(&v, Outcome::Value(d.len() as i64), &mem).call().contains("{ d_ino=11,d_off=0,d_reclen=14,d_type=DT_REG,d_name=\"bb\" }"));
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
