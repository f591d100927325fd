use bsdtrace::*;
#[test]
fn smoke_syscall_trace_true() {
    let mut t = Tracer::new();
    let pid = t.spawn(&["/bin/true"]).unwrap();
    let (p, st) = t.wait(-1, WaitOptions::BLOCK).unwrap().unwrap();
    assert_eq!(p, pid);
    assert_eq!(st, WaitStatus::Stopped(libc::SIGTRAP));
    let info = t.lwpinfo(pid.into()).unwrap();
    eprintln!("{info:?}");
    let mut n = 0;
    t.resume(pid.into(), Resume::Syscall, None, 0).unwrap();
    loop {
        let (_, st) = t.wait(-1, WaitOptions::BLOCK).unwrap().unwrap();
        match st {
            WaitStatus::Stopped(_) => {
                let (_, ev) = t.stop_event(pid.into()).unwrap();
                let a = t.sc_args(pid.into()).ok();
                eprintln!("{ev:?} {:?}", a.map(|a| a.code));
                n += 1;
                t.resume(pid.into(), Resume::Syscall, None, 0).unwrap();
            }
            other => { eprintln!("{other:?}"); break; }
        }
    }
    assert!(n > 10);
}
