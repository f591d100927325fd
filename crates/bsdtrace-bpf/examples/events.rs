//! Prints the raw events of a command: `cargo run --example events -- CMD ARGS`
//! (`-e NAME,NAME` first to record only those syscalls).
use bsdtrace_bpf::{EventKind, Options, Session, Target};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut opts = Options { follow: true, ..Options::default() };
    if args.first().map(String::as_str) == Some("-e") {
        let set = args.remove(1);
        args.remove(0);
        opts.syscalls = Some(set.split(',').filter_map(|n| bsdtrace::sysent::by_name(n).map(|s| s.number)).collect());
    }
    let mut s = match Session::start(&opts, Target::Spawn(&args)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("events: {e}");
            std::process::exit(1);
        }
    };
    eprintln!("hooks: {:?} {:?}", s.hooks(), s.note());
    while !s.live().is_empty() {
        s.poll(std::time::Duration::from_millis(1)).unwrap();
        for e in s.events(false) {
            match &e.kind {
                EventKind::Enter { nr, args, mem, .. } => println!("{} {} enter {} {:x?} {:?}", e.ts, e.tid, bsdtrace::sysent::name(*nr).unwrap_or("?"), args, mem),
                k => println!("{} {} {:?}", e.ts, e.tid, k),
            }
        }
    }
    println!("lost {}", s.lost_total());
}
