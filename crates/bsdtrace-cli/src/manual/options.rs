//! The options a command documents, read from its own manual or help
//! text, so the completions never list an option the command does not
//! describe (and pick up every one it does).
//!
//! Two places name options: the synopsis (`usage:` lines, or the SYNOPSIS
//! section of a formatted manual: `[-facedDHS] [-o file] -p pid [--json]`)
//! and option paragraphs (`     -w interval Repeat every ...`). An option
//! followed in the synopsis by a plain word takes an argument (`-o file`).

/// One option: `-x` or `--long`, whether it takes an argument (and its
/// placeholder), and the description its paragraph gives.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OptSpec {
    pub name: String,
    pub arg: Option<String>,
    pub help: String,
}

impl OptSpec {
    /// The letter of a short option.
    pub fn short(&self) -> Option<char> {
        let mut c = self.name.strip_prefix('-').filter(|r| !r.starts_with('-'))?.chars();
        let first = c.next()?;
        c.next().is_none().then_some(first)
    }

    /// The name of a long option, without `--`.
    pub fn long(&self) -> Option<&str> {
        self.name.strip_prefix("--")
    }
}

/// An option's name as a shell may complete it: the dashes, then letters,
/// digits and inner dashes, cut at anything else (`--quiet[=LIST]`,
/// `--trace=SET`, a trailing `.` or backquote of the prose around it);
/// `None` for a placeholder such as `--long-option...`.
fn clean_name(raw: &str) -> Option<String> {
    let dashes = raw.len() - raw.trim_start_matches('-').len();
    let body: String = raw[dashes..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
    let body = body.trim_end_matches('-');
    if body.is_empty() || dashes == 0 || dashes > 2 || (dashes == 2 && body == "long-option") {
        return None;
    }
    Some(format!("{}{body}", &raw[..dashes]))
}

fn is_option_token(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() >= 2 && b[0] == b'-' && (b[1].is_ascii_alphanumeric() || (b[1] == b'-' && b.len() > 2 && b[2].is_ascii_alphabetic()))
}

/// The options of `text`, in order of first mention.
pub fn parse(text: &str) -> Vec<OptSpec> {
    let mut out: Vec<OptSpec> = Vec::new();
    let add = |out: &mut Vec<OptSpec>, name: String, arg: Option<String>, help: Option<String>| {
        let Some(name) = clean_name(&name) else { return };
        match out.iter_mut().find(|o| o.name == name) {
            Some(o) => {
                if o.help.is_empty() {
                    if let Some(h) = help {
                        o.help = h;
                    }
                }
                if o.arg.is_none() {
                    o.arg = arg;
                }
            }
            None => out.push(OptSpec { name, arg, help: help.unwrap_or_default() }),
        }
    };
    let mut section = "";
    let mut in_usage = false;
    for line in text.lines() {
        if !line.starts_with(' ') && line.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
            section = line.trim();
        }
        let t = line.trim_start();
        if t.starts_with("usage:") {
            in_usage = true;
        } else if line.trim().is_empty() {
            in_usage = false;
        }
        if section == "SYNOPSIS" || in_usage {
            for (name, arg) in synopsis(t.trim_start_matches("usage:")) {
                add(&mut out, name, arg, None);
            }
        }
        // An option paragraph: an indented line that starts with options,
        // then two spaces (or nothing) before the description.
        if line.starts_with(' ') && is_option_token(t) && section != "SYNOPSIS" && !in_usage {
            let (head, desc) = match t.find("  ") {
                Some(i) => (&t[..i], t[i..].trim()),
                None => split_tight(t),
            };
            let words: Vec<&str> = head.split_whitespace().collect();
            let names: Vec<&str> = words.iter().map(|w| w.trim_end_matches(',')).filter(|w| is_option_token(w)).collect();
            let arg = words.last().filter(|w| !is_option_token(w.trim_end_matches(','))).map(|w| w.to_string());
            if names.is_empty() || words.len() > names.len() + 1 {
                continue;
            }
            for n in names {
                let help = (!desc.is_empty()).then(|| desc.to_string());
                add(&mut out, n.to_string(), arg.clone(), help);
            }
        }
    }
    out
}

/// An option line whose description follows after one space, as when the
/// option and its argument fill the column (`-w interval Repeat every`):
/// the options, an optional lower-case argument, then a capitalised
/// description.
fn split_tight(t: &str) -> (&str, &str) {
    let mut end = 0;
    let mut words = t.split(' ').peekable();
    while let Some(w) = words.peek() {
        if !is_option_token(w.trim_end_matches(',')) {
            break;
        }
        end += w.len() + 1;
        words.next();
    }
    let arg = words.next().filter(|w| w.chars().all(|c| c.is_ascii_lowercase()));
    if let (Some(a), Some(d)) = (arg, words.peek()) {
        if d.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
            end += a.len() + 1;
            return (t[..end].trim_end(), t[end..].trim());
        }
    }
    (t, "")
}

/// (option, argument) pairs of one synopsis line.
fn synopsis(line: &str) -> Vec<(String, Option<String>)> {
    let mut tokens: Vec<String> = Vec::new();
    let mut cur = String::new();
    for c in line.chars() {
        match c {
            '[' | ']' | '|' => {
                if !cur.is_empty() {
                    tokens.push(std::mem::take(&mut cur));
                }
                tokens.push(c.to_string());
            }
            c if c.is_whitespace() => {
                if !cur.is_empty() {
                    tokens.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        tokens.push(cur);
    }
    let mut out = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if !is_option_token(t) {
            continue;
        }
        let next = tokens.get(i + 1).filter(|n| {
            !is_option_token(n) && !matches!(n.as_str(), "[" | "]" | "|" | "...") && !n.starts_with('-')
        });
        if let Some(long) = t.strip_prefix("--") {
            let (name, arg) = match long.split_once('=') {
                Some((n, a)) => (n, Some(a.to_string())),
                None => (long, None),
            };
            out.push((format!("--{name}"), arg));
        } else if t.len() > 2 {
            // A cluster of flags: -facedDHS, -tt.
            for c in t[1..].chars().filter(char::is_ascii_alphanumeric) {
                out.push((format!("-{c}"), None));
            }
        } else {
            out.push((t.clone(), next.cloned()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[OptSpec]) -> Vec<&str> {
        v.iter().map(|o| o.name.as_str()).collect()
    }

    #[test]
    fn usage_lines_name_flags_clusters_and_arguments() {
        let v = parse(
            "usage: truss [-facedDHS] [-o file] [-s strsize] -p pid\n       truss [-t|-tt] [--json] command [args]\n\nmore",
        );
        assert_eq!(names(&v), ["-f", "-a", "-c", "-e", "-d", "-D", "-H", "-S", "-o", "-s", "-p", "-t", "--json"]);
        assert_eq!(v[8].arg.as_deref(), Some("file"));
        assert_eq!(v[10].arg.as_deref(), Some("pid"));
        assert_eq!(v[0].arg, None);
    }

    #[test]
    fn a_formatted_manual_gives_synopsis_and_descriptions() {
        let text = "NAME\n     protect - x\n\nSYNOPSIS\n     protect [-i] command [args ...]\n     protect [-cdi] -g pgrp | -p pid\n\n\
                    DESCRIPTION\n     The options are:\n\n     -c         Remove protection.\n\n     -g pgrp    Apply to a group.\n     \
                    -h, --help  Print this.\n     -w interval Repeat.\n     -1000 is not an option line here.\n";
        let v = parse(text);
        assert_eq!(names(&v), ["-i", "-c", "-d", "-g", "-p", "-h", "--help", "-w"]);
        assert_eq!(v[7].arg.as_deref(), Some("interval"));
        assert_eq!(v[7].help, "Repeat.");
        assert_eq!(v[1].help, "Remove protection.");
        assert_eq!(v[3].arg.as_deref(), Some("pgrp"));
        assert_eq!(v[3].help, "Apply to a group.");
        assert_eq!(v[5].help, "Print this.");
        assert_eq!(v[0].short(), Some('i'));
        assert_eq!(v[6].long(), Some("help"));
    }
}
