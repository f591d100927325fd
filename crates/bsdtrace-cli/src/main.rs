#[allow(dead_code)] // the truss driver calls into it
mod truss;

fn main() {
    eprintln!("bsdtrace: no subcommands yet");
    std::process::exit(2);
}
