use super::*;

fn p(words: &[&str]) -> Result<Config, ArgError> {
    parse(words.iter().map(OsString::from).collect())
}

#[test]
fn clusters_and_operands() {
    let c = p(&["-fHs64", "-o", "out", "ls", "-l"]).unwrap();
    assert!(c.follow && c.show_tid);
    assert_eq!(c.decode.strsize, 64);
    assert_eq!(c.output, Target::File(PathBuf::from("out")));
    assert_eq!(c.command, ["ls", "-l"]);
}

#[test]
fn e_is_truss_env_unless_an_expression_follows() {
    let c = p(&["-e", "env"]).unwrap();
    assert!(c.decode.show_env && !c.filtered);
    let c = p(&["-e", "trace=openat", "true"]).unwrap();
    assert!(!c.decode.show_env && c.filtered && c.filter.trace.contains(257));
    let c = p(&["-etrace=%file", "-e", "signal=!SIGCHLD", "true"]).unwrap();
    assert!(c.filtered && !c.filter.signals.contains(17));
    let c = p(&["-ae", "true"]).unwrap();
    assert!(c.decode.show_argv && c.decode.show_env);
    for q in ["status=failed", "quiet=attach", "raw=read", "verbose=all", "abbrev=none", "inject=openat:error=ENOENT"] {
        let c = p(&["-e", q, "true"]).unwrap();
        assert!(!c.decode.show_env, "{q}");
        assert_eq!(c.command, ["true"], "{q}");
    }
}

#[test]
fn strace_timing_options() {
    let c = p(&["-T", "-tt", "true"]).unwrap();
    assert!(c.trailing_time && !c.in_call);
    assert_eq!(c.wall_clock, 2);
    assert_eq!(p(&["-ttt", "true"]).unwrap().wall_clock, 3);
    assert_eq!(p(&["-t", "-t", "-t", "-t", "true"]).unwrap().wall_clock, 3);
    assert!(p(&["-r", "true"]).unwrap().relative);
    assert!(p(&["-D", "true"]).unwrap().in_call);
    assert_eq!(p(&["--absolute-timestamps=format:unix,precision:us", "true"]).unwrap().wall_clock, 3);
}

#[test]
fn pids_accumulate() {
    let c = p(&["-p", "12", "-p", "13,14", "-p15"]).unwrap();
    assert_eq!(c.pids, [12, 13, 14, 15]);
    assert_eq!(p(&["--attach=7"]).unwrap().pids, [7]);
    assert!(p(&["-p", "1,x"]).is_err());
    assert!(p(&["-p", "0"]).is_err());
}

#[test]
fn pid_xor_command() {
    assert_eq!(p(&[]).unwrap_err(), ArgError::Usage(None));
    assert_eq!(p(&["-p", "1", "true"]).unwrap_err(), ArgError::Usage(None));
    assert!(matches!(p(&["-p", "x"]), Err(ArgError::Usage(Some(_)))));
    assert!(matches!(p(&["-j", "true"]), Err(ArgError::Usage(Some(_)))));
    assert!(matches!(p(&["-e", "trace=nosuch", "true"]), Err(ArgError::Usage(Some(_)))));
    assert!(matches!(p(&["-u", "nobody", "-p", "1"]), Err(ArgError::Usage(Some(_)))));
}

#[test]
fn output_forms() {
    assert_eq!(p(&["-o", "|cat", "true"]).unwrap().output, Target::Pipe("cat".into()));
    assert_eq!(p(&["-o", "!cat", "true"]).unwrap().output, Target::Pipe("cat".into()));
    let c = p(&["-ff", "-o", "f", "true"]).unwrap();
    assert!(c.per_process_files && c.follow);
    let c = p(&["-ff", "true"]).unwrap();
    assert!(!c.per_process_files && c.follow);
    let c = p(&["--output=x", "--output-separately", "true"]).unwrap();
    assert!(c.per_process_files);
}

#[test]
fn short_strace_flags() {
    let c = p(&["-qq", "-xx", "-yy", "-n", "-k", "-v", "-z", "-C", "-w", "true"]).unwrap();
    assert_eq!(c.quiet, 2);
    assert_eq!(c.decode.hex, HexStrings::All);
    assert_eq!(c.fd_paths, 2);
    assert!(c.syscall_numbers && c.stack && c.count_too);
    assert!(c.decode.verbose.contains(0));
    assert_eq!(c.filter.status, Status::SUCCESSFUL);
    assert_eq!(p(&["-Z", "true"]).unwrap().filter.status, Status::FAILED);
    assert_eq!(p(&["-x", "true"]).unwrap().decode.hex, HexStrings::NonAscii);
    assert_eq!(p(&["-X", "raw", "true"]).unwrap().decode.consts, ConstStyle::Raw);
    assert!(p(&["-X", "bogus", "true"]).is_err());
    let c = p(&["-P", "/etc/passwd", "-u", "nobody", "-E", "A=1", "-E", "B", "true"]).unwrap();
    assert_eq!(c.paths, [PathBuf::from("/etc/passwd")]);
    assert_eq!(c.user.as_deref(), Some("nobody"));
    assert_eq!(c.env, ["A=1", "B"]);
}

#[test]
fn long_options() {
    let c = p(&[
        "--trace=openat",
        "--string-limit=80",
        "--syscall-times",
        "--follow-forks",
        "--summary",
        "--decode-fds=all",
        "--strings-in-hex=non-ascii",
        "--const-print-style",
        "verbose",
        "--seccomp-bpf",
        "--",
        "ls",
    ])
    .unwrap();
    assert!(c.filter.trace.contains(257) && !c.filter.trace.contains(0));
    assert_eq!(c.decode.strsize, 80);
    assert!(c.trailing_time && c.follow && c.count_too);
    assert_eq!(c.fd_paths, 2);
    assert_eq!(c.decode.hex, HexStrings::NonAscii);
    assert_eq!(c.decode.consts, ConstStyle::Verbose);
    assert_eq!(c.command, ["ls"]);
    assert_eq!(p(&["--help"]).unwrap_err(), ArgError::Help);
    assert!(p(&["--bogus", "true"]).is_err());
    assert_eq!(p(&["--summary-sort-by=calls", "true"]).unwrap().sort_by, SortBy::Calls);
}

#[test]
fn bpf_and_its_ring() {
    assert!(p(&["--bpf", "true"]).unwrap().bpf);
    let c = p(&["--bpf-ring=65536", "-p", "12"]).unwrap();
    assert!(c.bpf && c.bpf_ring == Some(65536));
    assert_eq!(p(&["--bpf-ring", "8192", "true"]).unwrap().bpf_ring, Some(8192));
    assert!(p(&["--bpf-ring=100", "true"]).is_err());
    assert!(p(&["--bpf-ring=lots", "true"]).is_err());
    assert!(!p(&["true"]).unwrap().bpf);
}

#[test]
fn help_names_every_option() {
    for opt in [
        "-a", "-c", "-d", "-D", "-e", "-f", "-H", "-o", "-p", "-s", "-S", "-C", "-w", "-ff", "-k", "-n", "-P", "-q",
        "-qq", "-r", "-t", "-tt", "-ttt", "-T", "-u", "-E", "-v", "-x", "-xx", "-X", "-y", "-yy", "-z", "-Z",
        "--trace", "--output", "--summary", "--seccomp-bpf", "--json", "--no-seccomp", "status=", "quiet=",
        "raw=", "verbose=", "abbrev=", "inject=", "fault=", "--help", "--bpf", "--bpf-ring",
    ] {
        assert!((opt.ends_with('=') && HELP.contains(opt)) || HELP.contains(&format!("{opt} ")) || HELP.contains(&format!("{opt}=")) || HELP.contains(&format!("{opt}\n")), "{opt}");
    }
}
