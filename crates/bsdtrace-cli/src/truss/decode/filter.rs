//! truss/strace `-e` expressions: `trace=LIST` (syscall names, `%class`,
//! `all`, `none`, a leading `!` to negate) and `signal=LIST` (names with or
//! without `SIG`, numbers, `all`, `none`, `!`).
//!
//! The result is a set of syscall numbers, which a seccomp filter can be
//! built from, and a set of signal numbers.

use std::fmt;

use bsdtrace::sysent::{self, Class, SyscallSet};

use super::consts::{signal_number, SIGRTMAX};

/// A malformed `-e` expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FilterError {
    /// No such syscall.
    UnknownSyscall(String),
    /// No such `%class`.
    UnknownClass(String),
    /// No such signal.
    UnknownSignal(String),
    /// An `-e` qualifier other than trace= and signal=.
    UnknownQualifier(String),
    /// An empty list element.
    Empty,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FilterError::UnknownSyscall(s) => write!(f, "invalid system call '{s}'"),
            FilterError::UnknownClass(s) => write!(f, "invalid system call class '%{s}'"),
            FilterError::UnknownSignal(s) => write!(f, "invalid signal '{s}'"),
            FilterError::UnknownQualifier(s) => write!(f, "invalid filter qualifier '{s}'"),
            FilterError::Empty => write!(f, "empty element in list"),
        }
    }
}

impl std::error::Error for FilterError {}

/// Parses a `trace=` list into the syscalls to show.
///
/// Elements are syscall names (`openat`), numbers (`257`), classes
/// (`%file`, `%net`, `%%stat`), `all` and `none`; `?name` ignores an
/// unknown name. A leading `!` negates the whole list, as in strace.
pub fn parse_trace(list: &str) -> Result<SyscallSet, FilterError> {
    let (negate, list) = match list.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, list),
    };
    let mut set = SyscallSet::empty();
    for item in list.split(',') {
        let item = item.trim();
        if item.is_empty() {
            return Err(FilterError::Empty);
        }
        let (optional, item) = match item.strip_prefix('?') {
            Some(rest) => (true, rest),
            None => (false, item),
        };
        match item {
            "all" => set = SyscallSet::all(),
            "none" => {}
            _ if item.starts_with('%') => match Class::by_name(&item[1..]) {
                Some(class) => sysent::in_class(class).for_each(|s| set.insert(s.number)),
                None if optional => {}
                None => return Err(FilterError::UnknownClass(item[1..].to_string())),
            },
            _ => {
                let number = match item.parse::<u32>() {
                    Ok(n) => sysent::by_number(n).map(|s| s.number),
                    Err(_) => sysent::by_name(item).map(|s| s.number),
                };
                match number {
                    Some(n) => set.insert(n),
                    None if optional => {}
                    None => return Err(FilterError::UnknownSyscall(item.to_string())),
                }
            }
        }
    }
    Ok(if negate { set.complement() } else { set })
}

/// A set of signal numbers 1..=64.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct SignalSet(pub u64);

impl SignalSet {
    /// Every signal.
    pub const ALL: SignalSet = SignalSet(u64::MAX);

    /// Whether signal `sig` is in the set.
    pub fn contains(&self, sig: u32) -> bool {
        (1..=SIGRTMAX).contains(&sig) && self.0 & (1 << (sig - 1)) != 0
    }

    fn insert(&mut self, sig: u32) {
        self.0 |= 1 << (sig - 1);
    }
}

/// Parses a `signal=` list: `SIGUSR1`, `usr1`, `10`, `all`, `none`, `!`.
pub fn parse_signals(list: &str) -> Result<SignalSet, FilterError> {
    let (negate, list) = match list.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, list),
    };
    let mut set = SignalSet::default();
    for item in list.split(',') {
        let item = item.trim();
        match item {
            "" => return Err(FilterError::Empty),
            "all" => set = SignalSet::ALL,
            "none" => {}
            _ => {
                let sig = match item.parse::<u32>() {
                    Ok(n) => Some(n).filter(|n| (1..=SIGRTMAX).contains(n)),
                    Err(_) => signal_number(item),
                };
                match sig {
                    Some(s) => set.insert(s),
                    None => return Err(FilterError::UnknownSignal(item.to_string())),
                }
            }
        }
    }
    Ok(if negate { SignalSet(!set.0) } else { set })
}

/// What the `-e` options ask for; each starts as "everything".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    /// Syscalls to show.
    pub trace: SyscallSet,
    /// Signals to show.
    pub signals: SignalSet,
}

impl Default for Filter {
    fn default() -> Self {
        Filter {
            trace: SyscallSet::all(),
            signals: SignalSet::ALL,
        }
    }
}

impl Filter {
    /// Applies one `-e` expression: `trace=LIST` (also `t=`), `signal=LIST`
    /// (also `signals=`, `s=`), or a bare list, which means `trace=`. A
    /// later expression replaces an earlier one of the same qualifier.
    pub fn apply(&mut self, expr: &str) -> Result<(), FilterError> {
        match expr.split_once('=') {
            Some(("trace" | "t", list)) => self.trace = parse_trace(list)?,
            Some(("signal" | "signals" | "s", list)) => self.signals = parse_signals(list)?,
            Some((q, _)) => return Err(FilterError::UnknownQualifier(q.to_string())),
            None => self.trace = parse_trace(expr)?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(set: &SyscallSet) -> Vec<&'static str> {
        set.iter().map(|n| sysent::name(n).unwrap()).collect()
    }

    #[test]
    fn names_and_numbers() {
        let s = parse_trace("openat,read,1").unwrap();
        assert_eq!(names(&s), ["read", "write", "openat"]);
    }

    #[test]
    fn classes_expand_to_their_members() {
        let s = parse_trace("%network").unwrap();
        assert!(s.contains(41) && s.contains(42) && !s.contains(0));
        assert_eq!(parse_trace("%net").unwrap(), s);
        let st = parse_trace("%%stat").unwrap();
        assert_eq!(
            names(&st),
            ["stat", "fstat", "lstat", "newfstatat", "statx"]
        );
        let f = parse_trace("%file,close").unwrap();
        assert!(f.contains(257) && f.contains(3) && f.contains(59));
    }

    #[test]
    fn negation_all_none() {
        let s = parse_trace("!read,write").unwrap();
        assert!(!s.contains(0) && !s.contains(1) && s.contains(2));
        assert_eq!(parse_trace("all").unwrap(), SyscallSet::all());
        assert!(parse_trace("none").unwrap().is_empty());
        assert_eq!(parse_trace("!none").unwrap(), SyscallSet::all());
        assert!(parse_trace("!all").unwrap().is_empty());
    }

    #[test]
    fn errors_name_the_culprit() {
        assert_eq!(
            parse_trace("read,nosuch"),
            Err(FilterError::UnknownSyscall("nosuch".into()))
        );
        assert_eq!(
            parse_trace("%bogus"),
            Err(FilterError::UnknownClass("bogus".into()))
        );
        assert_eq!(parse_trace("read,,write"), Err(FilterError::Empty));
        assert_eq!(parse_trace("?nosuch,read").unwrap().len(), 1);
        assert_eq!(
            parse_trace("400"),
            Err(FilterError::UnknownSyscall("400".into()))
        );
    }

    #[test]
    fn signal_lists() {
        let s = parse_signals("SIGUSR1,usr2,2,SIGRTMIN+1").unwrap();
        assert!(s.contains(10) && s.contains(12) && s.contains(2) && s.contains(33));
        assert!(!s.contains(9));
        let n = parse_signals("!SIGCHLD").unwrap();
        assert!(!n.contains(17) && n.contains(1) && n.contains(64));
        assert_eq!(parse_signals("none").unwrap(), SignalSet(0));
        assert_eq!(
            parse_signals("SIGBOGUS"),
            Err(FilterError::UnknownSignal("SIGBOGUS".into()))
        );
        assert_eq!(
            parse_signals("65"),
            Err(FilterError::UnknownSignal("65".into()))
        );
    }

    #[test]
    fn expressions() {
        let mut f = Filter::default();
        f.apply("trace=%process").unwrap();
        f.apply("signal=!SIGCHLD").unwrap();
        assert!(f.trace.contains(59) && !f.trace.contains(0));
        assert!(!f.signals.contains(17));
        f.apply("read").unwrap();
        assert_eq!(f.trace.len(), 1);
        assert!(f.apply("verbose=all").is_err());
    }
}
