fn main() {
    eprintln!("bsdtrace: no subcommands yet");
    std::process::exit(2);
}
