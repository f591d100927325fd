//! Shared by the C-face integration tests: the C compilers, the header
//! directory, scratch directories, and a small reader of the headers that
//! lists what they define, so the tests can insist on checking all of it.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `crates/bsdtrace-c/include`.
pub fn include_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("include")
}

/// The workspace root.
pub fn workspace_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The C compiler: `$CC`, else `cc`.
pub fn cc() -> String {
    std::env::var("CC").unwrap_or_else(|_| "cc".into())
}

/// The C++ compiler: `$CXX`, else `c++`.
pub fn cxx() -> String {
    std::env::var("CXX").unwrap_or_else(|_| "c++".into())
}

/// A fresh, empty scratch directory named after the test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("bsdtrace-c-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Run a command, returning its output; panics only if it cannot start.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// Run a command that must succeed; on failure show what it said.
pub fn run_ok(cmd: &mut Command) -> Output {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// What the public headers define, read from their text.
#[derive(Debug, Default)]
pub struct HeaderItems {
    /// Object-like macros (`#define NAME value`), not starting with `_`.
    pub constants: Vec<String>,
    /// Function-like macros (`#define NAME(args) ...`), not starting with `_`.
    pub macros: Vec<String>,
    /// `struct NAME { ... }` definitions and their field names, in order.
    pub structs: BTreeMap<String, Vec<String>>,
    /// Type names defined as macros for a private typedef (`#define
    /// gregset_t __bsdtrace_gregset_t`).
    pub aliases: Vec<String>,
}

/// The headers a C program includes by name (the private ones are left
/// out: they define only typedefs or include glibc's). The last five shadow
/// glibc's headers of the same name, adding FreeBSD's names to them.
pub const PUBLIC_HEADERS: &[&str] = &[
    "sys/ptrace.h",
    "sys/procctl.h",
    "machine/reg.h",
    "machine/ptrace.h",
    "machine/procctl.h",
    "sys/procfs.h",
    "sys/param.h",
    "sys/syscall.h",
    "sys/errno.h",
    "errno.h",
    "sys/cdefs.h",
];

pub fn header_items() -> HeaderItems {
    let mut items = HeaderItems::default();
    for h in PUBLIC_HEADERS {
        let text = std::fs::read_to_string(include_dir().join(h)).unwrap();
        scan(&strip_comments(&text), &mut items);
    }
    items
}

fn strip_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("/*") {
        out.push_str(&rest[..i]);
        let end = rest[i + 2..].find("*/").expect("unterminated comment") + i + 4;
        rest = &rest[end..];
    }
    out.push_str(rest);
    // Join continued lines.
    out.replace("\\\n", " ")
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn scan(text: &str, items: &mut HeaderItems) {
    for line in text.lines() {
        let line = line.trim_start();
        let Some(rest) = line.strip_prefix('#') else {
            continue;
        };
        let Some(rest) = rest.trim_start().strip_prefix("define") else {
            continue;
        };
        let rest = rest.trim_start();
        let name: String = rest.chars().take_while(|&c| is_ident_char(c)).collect();
        if name.is_empty() || name.starts_with('_') {
            continue;
        }
        let after = &rest[name.len()..];
        if after.trim_start().starts_with("__bsdtrace_") {
            // A FreeBSD type name aliased to our private typedef
            // (<sys/procfs.h>): checked as a type, not a constant.
            items.aliases.push(name);
        } else if after.starts_with('(') {
            items.macros.push(name);
        } else if !after.trim().is_empty() {
            items.constants.push(name);
        }
    }
    let mut rest = text;
    while let Some(i) = rest.find("struct ") {
        rest = &rest[i + "struct ".len()..];
        let name: String = rest.chars().take_while(|&c| is_ident_char(c)).collect();
        let after = rest[name.len()..].trim_start();
        if !after.starts_with('{') {
            continue;
        }
        // <machine/reg.h> names the i386 sets `struct __reg32` & co., a
        // macro for `reg32` (amd64) or `reg` (i386): checked as reg32.
        let name = name.strip_prefix("__").map(str::to_owned).unwrap_or(name);
        let body_end = after.find('}').expect("unterminated struct");
        let body = &after[1..body_end];
        let mut fields = Vec::new();
        for decl in body.split(';') {
            let decl = decl.trim();
            if decl.is_empty() || decl.starts_with('#') {
                continue;
            }
            // Drop array bounds, then take the last identifier.
            let decl = match decl.find('[') {
                Some(b) => &decl[..b],
                None => decl,
            };
            let field: String = decl
                .trim_end()
                .chars()
                .rev()
                .take_while(|&c| is_ident_char(c))
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            fields.push(field);
        }
        items.structs.insert(name, fields);
        rest = &after[body_end..];
    }
}

/// Compile `source` (C unless `lang` says otherwise) to an object file with
/// the given flags and our include directory first.
pub fn compile_only(compiler: &str, flags: &[&str], source: &Path, out: &Path) -> Output {
    let mut cmd = Command::new(compiler);
    cmd.args(flags)
        .arg("-I")
        .arg(include_dir())
        .arg("-c")
        .arg(source)
        .arg("-o")
        .arg(out);
    run(&mut cmd)
}
