//! Arguments, environment and binary, and the pargs/penv/pwdx aliases.

use super::*;

#[test]
fn arguments_environment_and_binary() {
    let h = Holder::spawn("args");
    let pid = h.pid().to_string();
    let dir = h.dir.to_str().unwrap();
    let lines = ok_lines(&procstat(&["-c", &pid]));
    assert_eq!(lines[0], format!("{:>5} {:<16} {:<53}", "PID", "COMM", "ARGS"));
    assert_eq!(lines[1], format!("{pid:>5} {:<16} {} {dir} second argument", "psholder", helper_bin().display()));
    assert_eq!(ok_lines(&procstat(&["arguments", &pid])), lines);
    assert_eq!(ok_lines(&procstat(&["args", &pid])), lines);

    let lines = ok_lines(&procstat(&["-e", &pid]));
    assert_eq!(lines[0], format!("{:>5} {:<16} {:<53}", "PID", "COMM", "ENVIRONMENT"));
    assert_eq!(lines[1], format!("{pid:>5} {:<16} OTHER=x=y PROCSTAT_TEST=known value", "psholder"));
    assert_eq!(ok_lines(&procstat(&["env", &pid])), lines);

    let lines = ok_lines(&procstat(&["-b", &pid]));
    assert_eq!(lines[0], format!("{:>5} {:<16} {:>8} {}", "PID", "COMM", "OSREL", "PATH"));
    assert_eq!(lines[1], format!("{pid:>5} {:<16} {:>8} {}", "psholder", 0, helper_bin().display()));
    assert_eq!(ok_lines(&procstat(&["bin", &pid])), lines);
}

#[test]
fn pargs_penv_pwdx_by_alias_by_subcommand_and_by_word() {
    let h = Holder::spawn("alias");
    let pid = h.pid().to_string();
    let dir = h.dir.to_str().unwrap();
    let argv =
        format!("{pid}:  psholder\nargv[0]: {}\nargv[1]: {dir}\nargv[2]: second argument\n", helper_bin().display());
    let envp = format!("{pid}:  psholder\nenvp[0]: OTHER=x=y\nenvp[1]: PROCSTAT_TEST=known value\n");
    let cwd = format!("{pid}:  {dir}\n");
    for (name, want) in [("pargs", &argv), ("penv", &envp), ("pwdx", &cwd)] {
        assert_eq!(stdout(&alias(name, &[&pid])), *want, "{name} by argv[0]");
        assert_eq!(stdout(&run(&[name, &pid])), *want, "bsdtrace {name}");
        assert_eq!(stdout(&procstat(&[name, &pid])), *want, "procstat {name}");
    }
    // No header, even for several processes.
    let two = stdout(&alias("pwdx", &[&pid, &pid]));
    assert_eq!(two, format!("{cwd}{cwd}"));
    // The procstat alias is procstat itself.
    assert_eq!(stdout(&alias("procstat", &["-c", &pid])), stdout(&procstat(&["-c", &pid])));
}
