//! `--libxo json` and `--libxo xml`: FreeBSD's field names, parsed.

use super::*;

/// `procstat --libxo json ARGS`, parsed; the object of process `pid` in
/// container `container` (FreeBSD: {"procstat": {CONTAINER: {PID: {...}}}}).
fn xo_json(args: &[&str]) -> serde_json::Value {
    let o = procstat(&[&["--libxo", "json"][..], args].concat());
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    let text = stdout(&o);
    assert_eq!(text.lines().count(), 1, "one document per round: {text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: {e}: {text}"));
    assert_eq!(v["__version"], "1");
    v
}

fn xo_proc(args: &[&str], container: &str, pid: i32) -> serde_json::Value {
    let v = xo_json(args);
    let p = &v["procstat"][container][pid.to_string()];
    assert!(p.is_object(), "{args:?}: no procstat.{container}.{pid} in {v}");
    p.clone()
}

#[test]
fn libxo_json_basic_binary_credentials_use_freebsds_names() {
    let h = Holder::spawn("xo-basic");
    let pid = h.pid();
    let p = xo_proc(&[&pid.to_string()], "basic", pid);
    assert_eq!(p["process_id"], pid);
    assert_eq!(p["parent_process_id"], std::process::id());
    assert_eq!(p["threads"], 3);
    assert_eq!(p["command"], "psholder");
    assert_eq!(p["emulation"], "Linux ELF64");
    for k in ["process_group_id", "session_id", "terminal_session_id", "login", "wait_channel"] {
        assert!(!p[k].is_null(), "{k} in {p}");
    }
    let p = xo_proc(&["-b", &pid.to_string()], "binary", pid);
    assert_eq!(p["pathname"], helper_bin().to_str().unwrap());
    assert_eq!(p["osrel"], 0);
    let p = xo_proc(&["-s", &pid.to_string()], "credentials", pid);
    assert_eq!(p["umask"], "027");
    assert_eq!(p["uid"].as_u64().unwrap().to_string(), proc_status(pid, "Uid").split_whitespace().nth(1).unwrap());
    assert!(p["groups"].as_array().is_some_and(|g| !g.is_empty()), "{p}");
    for k in ["ruid", "svuid", "group", "rgid", "svgid", "cr_flags"] {
        assert!(!p[k].is_null(), "{k} in {p}");
    }
}

#[test]
fn libxo_json_arguments_environment_auxv_and_the_aliases() {
    let h = Holder::spawn("xo-args");
    let pid = h.pid();
    let ps = pid.to_string();
    let dir = h.dir.to_str().unwrap();
    let p = xo_proc(&["-c", &ps], "arguments", pid);
    assert_eq!(p["args"], serde_json::json!([helper_bin().to_str().unwrap(), dir, "second argument"]));
    let p = xo_proc(&["-e", &ps], "environment", pid);
    assert_eq!(p["env"], serde_json::json!(["OTHER=x=y", "PROCSTAT_TEST=known value"]));
    let p = xo_proc(&["-x", &ps], "auxv", pid);
    assert_eq!(p["AT_PAGESZ"], 4096);
    assert!(p["AT_ENTRY"].as_str().is_some_and(|s| s.starts_with("0x")), "{p}");
    // procstat pargs: the "args" container; invoked as pargs: top "pargs".
    let p = xo_proc(&["pargs", &ps], "args", pid);
    assert_eq!(p["argv"][2], "second argument");
    let o = alias("penv", &["--libxo", "json", &ps]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["penv"]["env"][&ps]["envp"][1], "PROCSTAT_TEST=known value");
    let o = alias("pwdx", &["--libxo=json", &ps]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["pwdx"]["pwd"][&ps]["cwd"], dir);
}

#[test]
fn libxo_json_threads_signals_cpuset_kstack() {
    let h = Holder::spawn("xo-threads");
    let pid = h.pid();
    h.stop();
    let ps = pid.to_string();
    let tids = h.tids();
    let p = xo_proc(&["-t", &ps], "threads", pid);
    let threads = p["threads"].as_object().unwrap();
    assert_eq!(threads.len(), tids.len());
    let names: Vec<&str> = tids.iter().map(|t| threads[&t.to_string()]["thread_name"].as_str().unwrap()).collect();
    assert!(names.contains(&"worker-a") && names.contains(&"blocker"), "{names:?}");
    for t in &tids {
        let t = &threads[&t.to_string()];
        assert_eq!(t["run_state"], "stop");
        for k in ["thread_id", "cpu", "priority", "wait_channel"] {
            assert!(!t[k].is_null(), "{k} in {t}");
        }
    }
    let p = xo_proc(&["-i", &ps], "signals", pid);
    assert_eq!(p["signals"]["USR1"], serde_json::json!({"list": false, "ignore": false, "catch": true}));
    assert_eq!(p["signals"]["USR2"]["ignore"], true);
    assert_eq!(p["signals"].as_object().unwrap().len(), 64);
    let p = xo_proc(&["-j", "-n", &ps], "thread_signals", pid);
    let masks: Vec<bool> =
        tids.iter().map(|t| p["threads"][t.to_string()]["signals"]["1"]["mask"].as_bool().unwrap()).collect();
    assert_eq!(masks.iter().filter(|m| **m).count(), 1, "only the blocker blocks SIGHUP: {masks:?}");
    let p = xo_proc(&["-S", &ps], "cs", pid);
    let t = &p["threads"][pid.to_string()];
    assert_eq!(t["cpu_set"], proc_status(pid, "Cpus_allowed_list"));
    assert_eq!(t["cpu_set_id"], -1);
    // kstack: a trace list, or the warning when Linux does not allow it.
    let o = procstat(&["--libxo", "json", "-k", &ps]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let threads = &v["procstat"]["kstack"][&ps]["threads"];
    if stderr(&o).is_empty() {
        let t = &threads[pid.to_string()];
        assert!(t["trace"].as_array().is_some_and(|a| !a.is_empty()) || t["state"].is_string(), "{t}");
    }
}

#[test]
fn libxo_json_files_vm_rlimit_rusage() {
    let h = Holder::spawn("xo-files");
    let pid = h.pid();
    let ps = pid.to_string();
    let p = xo_proc(&["-f", &ps], "files", pid);
    let files = p["files"].as_array().unwrap();
    let by_fd = |fd: serde_json::Value| files.iter().find(|f| f["fd"] == fd).unwrap_or_else(|| panic!("{fd} in {p}"));
    assert_eq!(by_fd("cwd".into())["path"], h.dir.to_str().unwrap());
    let f = by_fd(h.file_fd.into());
    assert_eq!(f["fd_type"], "vnode");
    assert_eq!(f["vode_type"], "regular");
    assert_eq!(f["fd_flags"], serde_json::json!(["read", "write", "append", "lock_held"]));
    assert_eq!(f["offset"], 5);
    assert_eq!(by_fd(h.pipe_r.into())["fd_type"], "pipe");
    assert_eq!(by_fd(h.event_fd.into())["fd_type"], "eventfd");
    let t = by_fd(h.tcp_fd.into());
    assert_eq!(t["protocol"], "TCP");
    assert_eq!(t["path"], format!("127.0.0.1:{} *:0", h.tcp_port));
    assert_eq!(by_fd(h.unix_fd.into())["protocol"], "UDS");

    let p = xo_proc(&["-v", &ps], "vm", pid);
    let vm = p["vm"].as_array().unwrap();
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
    assert_eq!(vm.len(), maps.lines().count());
    let first = &vm[0];
    let start = u64::from_str_radix(first["kve_start"].as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
    assert_eq!(format!("{start:x}"), maps.lines().next().unwrap().split('-').next().unwrap().trim_start_matches('0'));
    assert!(vm.iter().any(|e| e["kve_type"] == "vnode" && e["kve_path"] == helper_bin().to_str().unwrap()));
    assert!(vm.iter().all(|e| e["kve_protection"]["read"].is_boolean() && e["kve_flags"]["wired"].is_boolean()));

    let p = xo_proc(&["-l", &ps], "rlimit", pid);
    assert_eq!(p["openfiles"], serde_json::json!({"soft_limit": 100, "hard_limit": 200}));
    assert_eq!(p["cputime"]["soft_limit"], "infinity");

    let p = xo_proc(&["-r", &ps], "rusage", pid);
    assert!(p["user time"].as_str().is_some_and(|t| t.contains(':')), "{p}");
    assert!(p["maximum RSS"].as_u64().is_some_and(|kb| kb > 0), "{p}");
    let p = xo_proc(&["rusage", "-H", &ps], "rusage", pid);
    assert_eq!(p["threads"].as_object().unwrap().len(), h.tids().len());
}

#[test]
fn libxo_json_advlock_lists_the_locks() {
    let h = Holder::spawn("xo-advlock");
    let v = xo_json(&["advlock"]);
    let locks = v["procstat"]["advisory_locks"]["advisory_lock"].as_array().unwrap();
    let mine: Vec<&serde_json::Value> = locks.iter().filter(|l| l["pid"] == h.pid()).collect();
    assert!(mine.iter().any(|l| l["type"] == "FLOCK" && l["rw"] == "RW"), "{mine:?}");
    assert!(mine.iter().any(|l| l["type"] == "FCNTL" && l["rw"] == "RO" && l["start"] == 1 && l["len"] == 2));
}

#[test]
fn libxo_json_with_many_pids_and_all_processes_is_one_document() {
    let h = Holder::spawn("xo-many");
    let me = std::process::id() as i32;
    let v = xo_json(&["-t", &h.pid().to_string(), &me.to_string()]);
    let t = v["procstat"]["threads"].as_object().unwrap();
    assert!(t.contains_key(&h.pid().to_string()) && t.contains_key(&me.to_string()));
    let v = xo_json(&["-a"]);
    assert!(v["procstat"]["basic"]["1"].is_object());
}

#[test]
fn libxo_xml_parses_for_every_view() {
    let h = Holder::spawn("xo-xml");
    let ps = h.pid().to_string();
    for args in [
        &[][..],
        &["-b"],
        &["-c"],
        &["-e"],
        &["-f"],
        &["-i"],
        &["-j"],
        &["-l"],
        &["-r"],
        &["-s"],
        &["-S"],
        &["-t"],
        &["-v"],
        &["-x"],
        &["pwdx"],
    ] {
        let o = procstat(&[&["--libxo", "xml"][..], args, &[ps.as_str()][..]].concat());
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        let text = stdout(&o);
        let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{args:?}: {e}: {text}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "procstat");
        assert_eq!(root.attribute("version"), Some("1"));
        let entry = root.first_element_child().and_then(|c| c.first_element_child()).unwrap();
        assert_eq!(entry.attribute("name"), Some(ps.as_str()), "{args:?}: {text}");
    }
    let o = procstat(&["--libxo", "xml,pretty", "-c", &ps]);
    let doc = roxmltree::Document::parse(std::str::from_utf8(&o.stdout).unwrap()).unwrap();
    let args: Vec<&str> = doc.descendants().filter(|n| n.has_tag_name("args")).filter_map(|n| n.text()).collect();
    assert_eq!(args[2], "second argument");
}

#[test]
fn libxo_rejects_formats_it_does_not_write() {
    let o = procstat(&["--libxo", "html", "1"]);
    assert_eq!(o.status.code(), Some(64));
    assert!(stderr(&o).contains("--libxo: unsupported option 'html'"), "{}", stderr(&o));
}
