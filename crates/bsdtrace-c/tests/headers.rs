//! The headers compile cleanly (-Wall -Wextra -Werror) as C11, GNU C11 and
//! C++17, each on its own and together with glibc's headers in either order,
//! and they keep glibc's own <sys/ptrace.h> out.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

/// The glibc headers a FreeBSD debugger is likely to include alongside.
const SYSTEM_HEADERS: &[&str] = &[
    "sys/types.h",
    "sys/wait.h",
    "signal.h",
    "sys/user.h",
    "sys/uio.h",
    "unistd.h",
    "stdint.h",
    "sys/procfs.h",
    "sys/reg.h",
    "sys/param.h",
    "stddef.h",
    "errno.h",
];

/// Uses every struct, typedef and prototype, and checks the prototypes'
/// types, without calling anything (nothing is linked). Static storage
/// keeps -Wuninitialized quiet.
const BODY: &str = r#"
#ifdef __cplusplus
#include <type_traits>
#define SAME_TYPE(a, b) static_assert(std::is_same<a, b>::value, #a " is " #b)
#else
#define SAME_TYPE(a, b) _Static_assert(__builtin_types_compatible_p(a, b), #a " is " #b)
#endif

SAME_TYPE(__typeof__(&ptrace), int (*)(int, pid_t, caddr_t, int));
SAME_TYPE(__typeof__(&procctl), int (*)(idtype_t, id_t, int, void *));
SAME_TYPE(caddr_t, char *);
SAME_TYPE(register_t, long);
SAME_TYPE(syscallarg_t, long);
SAME_TYPE(lwpid_t, int);
SAME_TYPE(u_int, unsigned int);
SAME_TYPE(u_long, unsigned long);

int use_everything(pid_t pid);
int use_everything(pid_t pid)
{
	static struct ptrace_io_desc piod;
	static struct ptrace_lwpinfo pl;
	static struct ptrace_vm_entry pve;
	static struct ptrace_sc_ret psr;
	static struct ptrace_coredump pc;
	static struct ptrace_sc_remote pscr;
	static struct ptrace_xstate_info xi;
	static struct reg r;
	static struct fpreg fr;
	static struct dbreg dr;
	static struct segbasereg sb;
	static struct reg32 r32;
	static struct fpreg32 fr32;
	static struct xmmreg xr;
	static struct dbreg32 dr32;
	static struct segbasereg32 sb32;
	static struct procctl_reaper_status rs;
	static struct procctl_reaper_pidinfo pi;
	static struct procctl_reaper_pids rp;
	static struct procctl_reaper_kill rk;
	static lwpid_t lwps[4];
	int sum = 0;

	piod.piod_op = PIOD_READ_D;
	piod.piod_offs = (void *)0;
	piod.piod_addr = (void *)&sum;
	piod.piod_len = sizeof(sum);
	sum += piod.piod_op;
	pl.pl_lwpid = BSDTRACE_LWPID_BASE;
	/* sigemptyset() & co. are POSIX, not declared under -std=c11. */
	pl.pl_siglist = pl.pl_sigmask;
	pl.pl_siginfo.si_signo = SIGTRAP;
	sum += pl.pl_siginfo.si_signo + pl.pl_siginfo.si_code + (int)pl.pl_siginfo.si_pid;
	sum += pl.pl_tdname[MAXCOMLEN] + (pl.pl_flags & PL_FLAG_SI) + pl.pl_lwpid;
	pve.pve_entry = 0;
	pve.pve_path = (char *)0;
	sum += pve.pve_entry;
	psr.sr_error = 0;
	sum += (int)psr.sr_retval[0] * 0 + psr.sr_error;
	pc.pc_flags = PC_COMPRESS | PC_ALL;
	sum += (int)pc.pc_flags;
	pscr.pscr_nargs = 0;
	sum += (int)pscr.pscr_nargs;
	xi.xsave_len = 0;
	sum += (int)xi.xsave_len;
	r.r_rip = 0;
	sum += (int)r.r_rip;
	fr.fpr_env[0] = 0;
	sum += (int)fr.fpr_env[0];
	DBREG_DRX(&dr, 7) = DBREG_DR7_SET(0, DBREG_DR7_LEN_1, DBREG_DR7_EXEC, DBREG_DR7_LOCAL_ENABLE);
	sum += DBREG_DR7_ENABLED(DBREG_DRX(&dr, 7), 0) + (int)DBREG_DR7_ACCESS(dr.dr[7], 0) +
	    (int)DBREG_DR7_LEN(dr.dr[7], 0) + (int)(DBREG_DR7_MASK(1) & 0) + DBREG_DR6_B(2);
	sb.r_fsbase = 0;
	sum += (int)sb.r_fsbase;
	r32.r_eip = 0;
	fr32.fpr_ex_sw = 0;
	xr.xmm_env[0] = 0;
	dr32.dr[0] = 0;
	sb32.r_gsbase = 0;
	sum += (int)(r32.r_eip + fr32.fpr_ex_sw + xr.xmm_env[0] + dr32.dr[0] + sb32.r_gsbase);
	rs.rs_pid = -1;
	pi.pi_pid = 0;
	rp.rp_count = 1;
	rp.rp_pids = &pi;
	rk.rk_sig = SIGTERM;
	rk.rk_flags = REAPER_KILL_CHILDREN;
	sum += rs.rs_pid + rp.rp_pids->pi_pid + rk.rk_sig + PPROT_OP(PPROT_SET | PPROT_INHERIT);
	lwps[0] = 0;
	sum += lwps[0];
	if (pid == 0)
		return sum;
	if (ptrace(PT_IO, pid, (caddr_t)&piod, 0) == -1)
		return -1;
	if (ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof(pl)) == -1)
		return -1;
	if (ptrace(PT_GETLWPLIST, pid, (caddr_t)lwps, 4) == -1)
		return -1;
	if (ptrace(PT_CONTINUE, pid, (caddr_t)1, 0) == -1)
		return -1;
	if (procctl(P_PID, (id_t)pid, PROC_REAP_STATUS, &rs) == -1)
		return -1;
	return procctl(P_PGID, 0, PROC_SPROTECT, &sum);
}
"#;

struct Mode {
    compiler: String,
    lang: &'static str,
    flags: &'static [&'static str],
}

fn modes() -> Vec<Mode> {
    vec![
        Mode {
            compiler: cc(),
            lang: "c",
            flags: &["-std=c11"],
        },
        Mode {
            compiler: cc(),
            lang: "c",
            flags: &["-std=c11", "-pedantic"],
        },
        Mode {
            compiler: cc(),
            lang: "c",
            flags: &["-std=gnu11"],
        },
        Mode {
            compiler: cxx(),
            lang: "c++",
            flags: &["-std=c++17"],
        },
        Mode {
            compiler: cxx(),
            lang: "c++",
            flags: &["-std=c++17", "-pedantic"],
        },
    ]
}

fn includes(headers: &[&str]) -> String {
    headers
        .iter()
        .map(|h| format!("#include <{h}>\n"))
        .collect()
}

/// Lets a test source say `_Static_assert` in C and C++ alike.
const PRELUDE: &str = "#ifdef __cplusplus\n#define _Static_assert static_assert\n#endif\n";

/// Compile `source` in every mode; collect failures instead of stopping.
fn compile_everywhere(name: &str, source: &str) -> Vec<String> {
    let source = &format!("{PRELUDE}{source}");
    let dir = scratch(&format!("headers-{name}"));
    let mut failures = Vec::new();
    for (i, m) in modes().iter().enumerate() {
        let src = dir.join(format!(
            "{name}-{i}.{}",
            if m.lang == "c" { "c" } else { "cc" }
        ));
        std::fs::write(&src, source).unwrap();
        let mut flags: Vec<&str> = vec!["-x", m.lang, "-Wall", "-Wextra", "-Werror"];
        flags.extend_from_slice(m.flags);
        let out = compile_only(
            &m.compiler,
            &flags,
            &src,
            &dir.join(format!("{name}-{i}.o")),
        );
        if !out.status.success() {
            failures.push(format!(
                "{name} with {} {}:\n{}",
                m.compiler,
                m.flags.join(" "),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    failures
}

#[test]
fn each_header_compiles_on_its_own() {
    let mut failures = Vec::new();
    for h in PUBLIC_HEADERS {
        let name = h.replace('/', "_");
        failures.extend(compile_everywhere(
            &name,
            &format!("#include <{h}>\nint main(void) {{ return 0; }}\n"),
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn headers_compile_before_the_system_headers() {
    let src = format!(
        "{}{}{BODY}",
        includes(PUBLIC_HEADERS),
        includes(SYSTEM_HEADERS)
    );
    let failures = compile_everywhere("ours-first", &src);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn headers_compile_after_the_system_headers() {
    let src = format!(
        "{}{}{BODY}",
        includes(SYSTEM_HEADERS),
        includes(PUBLIC_HEADERS)
    );
    let failures = compile_everywhere("ours-last", &src);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn headers_compile_interleaved_with_the_system_headers() {
    let mut headers: Vec<&str> = Vec::new();
    for (i, s) in SYSTEM_HEADERS.iter().enumerate() {
        headers.push(s);
        if let Some(ours) = PUBLIC_HEADERS.get(i) {
            headers.push(ours);
        }
    }
    headers.reverse();
    let src = format!("{}{BODY}", includes(&headers));
    let failures = compile_everywhere("interleaved", &src);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Where glibc's own `<name>` is, asked of the compiler without our include
/// directory.
fn glibc_header(name: &str) -> String {
    let dir = scratch(&format!("glibc-{}", name.replace('/', "_")));
    let probe = dir.join("probe.c");
    std::fs::write(&probe, format!("#include <{name}>\n")).unwrap();
    let out = run_ok(Command::new(cc()).arg("-M").arg(&probe));
    let deps = String::from_utf8(out.stdout).unwrap();
    let path = deps
        .split_whitespace()
        .find(|w| w.ends_with(&format!("/{name}")))
        .unwrap_or_else(|| panic!("glibc has a <{name}>"))
        .to_owned();
    assert!(!Path::new(&path).starts_with(include_dir()));
    path
}

/// glibc's <sys/ptrace.h> (once: two tests need it).
fn glibc_ptrace_h() -> String {
    static PATH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PATH.get_or_init(|| glibc_header("sys/ptrace.h")).clone()
}

#[test]
fn our_ptrace_h_shadows_glibcs() {
    // With our directory first, <sys/ptrace.h> is ours: FreeBSD's numbers.
    let src = "#include <sys/ptrace.h>\n\
               _Static_assert(PT_IO == 12 && PT_LWPINFO == 13 && PTRACE_SYSCALL == 6, \"FreeBSD's\");\n\
               #ifndef _BSDTRACE_SYS_PTRACE_H_\n#error not ours\n#endif\n";
    let failures = compile_everywhere("shadow", src);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn glibcs_ptrace_h_after_ours_is_skipped() {
    let glibc = glibc_ptrace_h();
    let src = format!("#include <sys/ptrace.h>\n#include \"{glibc}\"\n_Static_assert(PTRACE_SYSCALL == 6, \"ours\");\nint main(void) {{ return PT_IO; }}\n");
    let failures = compile_everywhere("glibc-after", &src);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn glibcs_ptrace_h_before_ours_is_a_clear_error() {
    let glibc = glibc_ptrace_h();
    let dir = scratch("glibc-before");
    let src = dir.join("t.c");
    std::fs::write(
        &src,
        format!("#include \"{glibc}\"\n#include <sys/ptrace.h>\n"),
    )
    .unwrap();
    let out = compile_only(&cc(), &["-std=gnu11"], &src, &dir.join("t.o"));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("glibc's <sys/ptrace.h> was included before libbsdtrace's"),
        "{err}"
    );
}

/// The example of docs/c-api.md: the block after "<!-- example -->".
#[test]
fn the_documented_example_compiles() {
    let doc = std::fs::read_to_string(workspace_dir().join("docs/c-api.md")).unwrap();
    let start = doc
        .find("<!-- example -->")
        .expect("docs/c-api.md marks its example");
    let block = &doc[start..];
    let code_start = block.find("```c\n").unwrap() + "```c\n".len();
    let code = &block[code_start..code_start + block[code_start..].find("```").unwrap()];
    let dir = scratch("doc-example");
    let src = dir.join("example.c");
    std::fs::write(&src, code).unwrap();
    // The example uses POSIX and BSD functions (fork, err), as FreeBSD code
    // does: GNU modes, where glibc declares them by default.
    for std in ["-std=gnu11", "-std=gnu99", "-std=gnu17"] {
        let out = compile_only(
            &cc(),
            &[std, "-Wall", "-Wextra", "-Werror"],
            &src,
            &dir.join("example.o"),
        );
        assert!(
            out.status.success(),
            "{std}:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// FreeBSD's layouts under FreeBSD's names, whatever came first: the types
/// checked in every mode, with glibc's <sys/procfs.h> (by its path) and
/// <sys/ucontext.h> (gregset_t, fpregset_t) before or after ours.
const PROCFS_CHECKS: &str = r#"
#include <stddef.h>
#ifdef __cplusplus
#include <type_traits>
#define SAME_TYPE(a, b) static_assert(std::is_same<a, b>::value, #a " is " #b)
#else
#define SAME_TYPE(a, b) _Static_assert(__builtin_types_compatible_p(a, b), #a " is " #b)
#endif
SAME_TYPE(gregset_t, struct reg);
SAME_TYPE(fpregset_t, struct fpreg);
SAME_TYPE(prstatus_t, struct prstatus);
SAME_TYPE(prgregset_t, struct reg[1]);
SAME_TYPE(prfpregset_t, struct fpreg);
SAME_TYPE(prpsinfo_t, struct prpsinfo);
SAME_TYPE(thrmisc_t, struct thrmisc);
SAME_TYPE(psaddr_t, uint64_t);
_Static_assert(sizeof(prstatus_t) == 224, "FreeBSD's prstatus_t, not glibc's 336 bytes");
_Static_assert(offsetof(prstatus_t, pr_reg) == 48, "pr_reg");
_Static_assert(sizeof(struct elf_prstatus) == 336, "glibc's Linux core note is still there");
_Static_assert(sizeof(ucontext_t) > 0, "and glibc's ucontext_t");
_Static_assert(offsetof(prstatus_t, pr_statussz) == 8 && offsetof(prstatus_t, pr_gregsetsz) == 16 &&
    offsetof(prstatus_t, pr_fpregsetsz) == 24 && offsetof(prstatus_t, pr_osreldate) == 32 &&
    offsetof(prstatus_t, pr_cursig) == 36 && offsetof(prstatus_t, pr_pid) == 40, "FreeBSD's amd64 offsets");
int prstatus_version(const prstatus_t *ps, const fpregset_t *fp);
int prstatus_version(const prstatus_t *ps, const fpregset_t *fp)
{
	gregset_t r = ps->pr_reg;
	if (ps->pr_version != PRSTATUS_VERSION || ps->pr_statussz != sizeof(prstatus_t) ||
	    ps->pr_gregsetsz != sizeof(gregset_t) || ps->pr_fpregsetsz != sizeof(fpregset_t))
		return -1;
	return ps->pr_osreldate + ps->pr_cursig + (int)ps->pr_pid + (int)r.r_rip + (int)fp->fpr_env[0];
}
"#;

#[test]
fn procfs_h_is_freebsds_in_both_include_orders() {
    let glibc = glibc_header("sys/procfs.h");
    let orders = [
        ("ours-first", format!("#include <sys/procfs.h>\n#include <signal.h>\n#include <sys/ucontext.h>\n#include \"{glibc}\"\n")),
        ("glibc-first", format!("#include <signal.h>\n#include <sys/ucontext.h>\n#include \"{glibc}\"\n#include <sys/procfs.h>\n")),
        ("ptrace-first", "#include <sys/ptrace.h>\n#include <sys/user.h>\n#include <sys/procfs.h>\n#include <sys/ucontext.h>\n".to_string()),
    ];
    let mut failures = Vec::new();
    for (name, includes) in orders {
        failures.extend(compile_everywhere(&format!("procfs-{name}"), &format!("{includes}{PROCFS_CHECKS}")));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A FreeBSD program's view of the names FreeBSD gives and glibc lacks:
/// the kernel errno values, SI_LWP, TRAP_BRKPT/TRAP_TRACE, SYS_MAXSYSCALL, nitems() & co. of
/// <sys/param.h>, <sys/cdefs.h>'s attributes, prstatus_t.
const FREEBSD_PROGRAM: &str = r#"
__FBSDID("$FreeBSD$");

#ifdef __cplusplus
#define SAME_TYPE(a, b) static_assert(std::is_same<a, b>::value, #a " is " #b)
#else
#define SAME_TYPE(a, b) _Static_assert(__builtin_types_compatible_p(a, b), #a " is " #b)
#endif

_Static_assert(ERESTART == -1 && EJUSTRETURN == -2, "FreeBSD's kernel errno values");
_Static_assert(ENOIOCTL == -3 && EDIRIOCTL == -4 && ERELOOKUP == -5, "the rest of them");
_Static_assert(EBADF == 9 && ENOSYS == 38, "the host's errno values stay");
_Static_assert(SI_LWP == -6, "Linux's SI_TKILL");
_Static_assert(TRAP_BRKPT == 1 && TRAP_TRACE == 2, "SIGTRAP's si_codes in every mode");
_Static_assert(SYS_MAXSYSCALL == 512 && SYS_getpid < SYS_MAXSYSCALL, "SYS_MAXSYSCALL");
_Static_assert(MAXCOMLEN == 19, "MAXCOMLEN");
_Static_assert(roundup2(4097, 4096) == 8192 && rounddown2(4097, 4096) == 4096, "roundup2");
_Static_assert(rounddown(10, 4) == 8, "rounddown");
SAME_TYPE(gregset_t, struct reg);

static const char *const names[] = { "exit", "fork", "read" };
_Static_assert(nitems(names) == 3, "nitems");

__dead2 void fail(const char *fmt, ...) __printflike(1, 2);
int scan(const char *s, const char *fmt, ...) __scanflike(2, 3);
int sq(int x) __pure2;

int classify(pid_t pid, const struct ptrace_sc_remote *pscr, const prstatus_t *ps);
int classify(pid_t pid, const struct ptrace_sc_remote *pscr, const prstatus_t *ps)
{
	struct ptrace_lwpinfo pl;
	char *msg = __DECONST(char *, names[0]);

	if (__predict_false(pscr->pscr_ret.sr_error == EJUSTRETURN))
		return (1);
	if (__predict_true(pscr->pscr_ret.sr_error == ERESTART))
		return (2);
	if (pscr->pscr_syscall >= SYS_MAXSYSCALL)
		return (3);
	if (ptrace(PT_LWPINFO, pid, (caddr_t)&pl, sizeof(pl)) == -1)
		return (-1);
	if ((pl.pl_flags & PL_FLAG_SI) && pl.pl_siginfo.si_code == SI_LWP)
		return (4);
	return (msg[0] + ps->pr_cursig + (int)nitems(pl.pl_tdname));
}
"#;

#[test]
fn a_freebsd_program_using_freebsd_only_names_compiles() {
    let freebsd = "#define _WANT_KERNEL_ERRNO\n#include <sys/types.h>\n#include <sys/errno.h>\n\
                   #include <sys/param.h>\n#include <sys/ptrace.h>\n#include <sys/procfs.h>\n\
                   #include <sys/syscall.h>\n#include <signal.h>\n";
    let cxx = "#ifdef __cplusplus\n#include <type_traits>\n#endif\n";
    let system = "#include <errno.h>\n#include <sys/ucontext.h>\n#include <sys/user.h>\n#include <sys/wait.h>\n\
                  #include <stdint.h>\n#include <unistd.h>\n";
    let mut failures = Vec::new();
    // FreeBSD's headers first, then glibc's; and glibc's (its <errno.h>
    // included once already, without _WANT_KERNEL_ERRNO) first.
    failures.extend(compile_everywhere(
        "freebsd-first",
        &format!("{cxx}{freebsd}{system}{FREEBSD_PROGRAM}"),
    ));
    failures.extend(compile_everywhere(
        "system-first",
        &format!("{cxx}{system}{freebsd}{FREEBSD_PROGRAM}"),
    ));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn kernel_errno_values_only_when_asked_for() {
    // Without _WANT_KERNEL_ERRNO, <errno.h> is glibc's: Linux's ERESTART.
    let src = "#include <errno.h>\n#include <sys/errno.h>\n#include <sys/ptrace.h>\n\
               _Static_assert(ERESTART == 85, \"Linux's ERESTART\");\n\
               #ifdef EJUSTRETURN\n#error EJUSTRETURN without _WANT_KERNEL_ERRNO\n#endif\n";
    let failures = compile_everywhere("errno-plain", src);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
