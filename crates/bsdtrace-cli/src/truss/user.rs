//! `-u USER`: run the command as another user, as strace does (the user's
//! uid, primary group and supplementary groups).
//!
//! The engine spawns the command itself and offers no hook between fork
//! and exec, so truss spawns a helper instead, `bsdtrace
//! __truss-exec-as UID GID NAME -- command...` (this same binary), which
//! drops to the user and execs the command. truss prints nothing for the
//! helper: its lines start after the helper's exec, at the command's
//! first call, as without `-u` (see `trace.rs`, `prelude`).

use std::ffi::{CString, OsString};

use nix::unistd::{Gid, Uid, User};

/// The first word of the helper's command line.
pub const HELPER: &str = "__truss-exec-as";

/// The argv that runs `argv` as `user` (a name or a numeric uid).
pub fn helper_argv(user: &str, argv: &[String]) -> Result<Vec<String>, String> {
    let found = match user.parse::<u32>() {
        Ok(uid) => User::from_uid(Uid::from_raw(uid)),
        Err(_) => User::from_name(user),
    };
    let u = match found {
        Ok(Some(u)) => u,
        Ok(None) => return Err(format!("cannot find user '{user}'")),
        Err(e) => return Err(format!("cannot look up user '{user}': {e}")),
    };
    if !Uid::effective().is_root() && u.uid != Uid::effective() {
        return Err(format!("-u {user} needs root"));
    }
    let exe = std::env::current_exe().map_err(|e| format!("cannot find truss's own executable: {e}"))?;
    let mut v = vec![
        exe.to_string_lossy().into_owned(),
        HELPER.to_string(),
        u.uid.as_raw().to_string(),
        u.gid.as_raw().to_string(),
        u.name.clone(),
        "--".to_string(),
    ];
    v.extend(argv.iter().cloned());
    Ok(v)
}

/// The helper: `UID GID NAME -- command...`. Never returns on success;
/// exits 127 (command not found) or 126 (cannot run it, or cannot become
/// the user), printing why.
pub fn exec_as(args: Vec<OsString>) -> i32 {
    let words: Vec<String> = args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
    if words.len() < 5 || words[3] != "--" {
        eprintln!("usage: bsdtrace {HELPER} UID GID NAME -- command [args...]");
        return 126;
    }
    let (Ok(uid), Ok(gid)) = (words[0].parse::<u32>(), words[1].parse::<u32>()) else {
        eprintln!("{HELPER}: bad uid or gid");
        return 126;
    };
    let (uid, gid) = (Uid::from_raw(uid), Gid::from_raw(gid));
    let Ok(name) = CString::new(words[2].as_str()) else { return 126 };
    let drop = || -> nix::Result<()> {
        if Uid::effective().is_root() {
            nix::unistd::initgroups(&name, gid)?;
            nix::unistd::setgid(gid)?;
            nix::unistd::setuid(uid)?;
        }
        Ok(())
    };
    if let Err(e) = drop() {
        eprintln!("truss: cannot become user {}: {e}", words[2]);
        return 126;
    }
    use std::os::unix::process::CommandExt;
    let e = std::process::Command::new(&args[4]).args(&args[5..]).exec();
    eprintln!("truss: execvp {}: {e}", words[4]);
    if e.kind() == std::io::ErrorKind::NotFound {
        127
    } else {
        126
    }
}
