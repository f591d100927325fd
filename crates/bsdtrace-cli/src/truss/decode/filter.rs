//! truss/strace `-e` expressions: `trace=LIST` (syscall names, `%class`,
//! `/regex`, `all`, `none`, a leading `!` to negate), `signal=LIST` (names
//! with or without `SIG`, numbers, `all`, `none`, `!`), `status=`,
//! `quiet=`, `raw=`, `verbose=`, `abbrev=`, and fault injection
//! (`inject=`, `fault=`) in strace's syntax.
//!
//! The result is a set of syscall numbers, which a seccomp filter can be
//! built from, a set of signal numbers, and the rules the driver applies
//! per call.

use std::fmt;

use bitflags::bitflags;
use bsdtrace::sysent::{self, Class, SyscallSet};

use super::consts::{errno_number, signal_number, SIGRTMAX};
use super::Options;

/// A malformed `-e` expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FilterError {
    /// No such syscall.
    UnknownSyscall(String),
    /// No such `%class`.
    UnknownClass(String),
    /// No such signal.
    UnknownSignal(String),
    /// An `-e` qualifier truss does not know.
    UnknownQualifier(String),
    /// A bad `status=` or `quiet=` element.
    UnknownWord(&'static str, String),
    /// A bad regular expression.
    Regex(String),
    /// A bad `inject=`/`fault=` specification.
    Inject(String),
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
            FilterError::UnknownWord(what, s) => write!(f, "invalid {what} '{s}'"),
            FilterError::Regex(s) => write!(f, "invalid regular expression: {s}"),
            FilterError::Inject(s) => write!(f, "invalid inject/fault specification: {s}"),
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
            _ if item.starts_with('/') => {
                let re = regex::Regex::new(&item[1..]).map_err(|e| FilterError::Regex(e.to_string()))?;
                // strace accepts a regex that matches nothing; so do we.
                sysent::TABLE.iter().filter(|s| re.is_match(s.name)).for_each(|s| set.insert(s.number));
            }
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

bitflags! {
    /// `status=`: which ends of a call get a line.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Status: u8 {
        const SUCCESSFUL = 1;
        const FAILED = 2;
        /// The call never returned (exit_group, a thread killed in it).
        const UNFINISHED = 4;
        /// The return value could not be read.
        const UNAVAILABLE = 8;
        /// truss detached while the call was in progress.
        const DETACHED = 16;
    }
}

bitflags! {
    /// `quiet=`: messages to leave out.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Quiet: u8 {
        /// "attached"/"detached" notes on stderr.
        const ATTACH = 1;
        /// `process exit`/`process killed` lines.
        const EXIT = 2;
        /// `-P` path resolution notes.
        const PATH_RESOLUTION = 4;
        /// Personality changes (never printed: truss traces x86-64 only).
        const PERSONALITY = 8;
        /// A thread's pid changing at a non-leader execve.
        const THREAD_EXECVE = 16;
        /// A call left unfinished by another one.
        const SUPERSEDED = 32;
    }
}

/// What an injection does to a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct InjectAction {
    /// Skip the call and fail it with this errno.
    pub error: Option<i32>,
    /// Skip the call and return this value.
    pub retval: Option<i64>,
    /// Deliver this signal after the call.
    pub signal: Option<u32>,
    /// Hold the thread this long before the call.
    pub delay_enter: Option<u64>,
    /// Hold the thread this long after the call.
    pub delay_exit: Option<u64>,
}

/// strace's `when=`: which calls of the set, counted from 1 per process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct When {
    pub first: u64,
    pub last: u64,
    pub step: u64,
}

impl When {
    /// Every call.
    pub const ALWAYS: When = When { first: 1, last: u64::MAX, step: 1 };

    /// Whether the `n`th call (from 1) is injected.
    pub fn matches(&self, n: u64) -> bool {
        n >= self.first && n <= self.last && (n - self.first) % self.step.max(1) == 0
    }

    /// `N`, `N+`, `N+S`, `N..M`, `N..M+S`.
    fn parse(v: &str) -> Result<When, FilterError> {
        let bad = || FilterError::Inject(format!("when={v}"));
        let num = |s: &str| s.parse::<u64>().ok().filter(|n| *n >= 1).ok_or_else(bad);
        let (range, step) = match v.split_once('+') {
            Some((r, "")) => (r, Some(1)),
            Some((r, s)) => (r, Some(num(s)?)),
            None => (v, None),
        };
        let (first, last) = match range.split_once("..") {
            Some((a, b)) => (num(a)?, num(b)?),
            None => {
                let a = num(range)?;
                (a, if step.is_some() { u64::MAX } else { a })
            }
        };
        if last < first {
            return Err(bad());
        }
        Ok(When { first, last, step: step.unwrap_or(1) })
    }
}

/// One `inject=`/`fault=` rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inject {
    pub set: SyscallSet,
    pub action: InjectAction,
    pub when: When,
}

impl Inject {
    /// `SET:error=E:retval=V:signal=S:delay_enter=U:delay_exit=U:when=W`;
    /// `fault` defaults to `error=ENOSYS`.
    pub fn parse(spec: &str, fault: bool) -> Result<Inject, FilterError> {
        let mut parts = spec.split(':');
        let set = parse_trace(parts.next().unwrap_or(""))?;
        let mut action = InjectAction::default();
        let mut when = When::ALWAYS;
        for p in parts {
            let (k, v) = p.split_once('=').ok_or_else(|| FilterError::Inject(p.to_string()))?;
            let bad = || FilterError::Inject(p.to_string());
            match k {
                "error" => {
                    let e = match v.parse::<i32>() {
                        Ok(n) if (1..4096).contains(&n) => n,
                        _ => errno_number(v).ok_or_else(bad)?,
                    };
                    action.error = Some(e);
                }
                "retval" => action.retval = Some(v.parse::<i64>().map_err(|_| bad())?),
                "signal" => {
                    let s = match v.parse::<u32>() {
                        Ok(n) if (1..=SIGRTMAX).contains(&n) => n,
                        _ => signal_number(v).ok_or_else(bad)?,
                    };
                    action.signal = Some(s);
                }
                "delay_enter" => action.delay_enter = Some(v.parse().map_err(|_| bad())?),
                "delay_exit" => action.delay_exit = Some(v.parse().map_err(|_| bad())?),
                "when" => when = When::parse(v)?,
                "syscall" => return Err(FilterError::Inject(format!("{p} (replacing a call by another is not supported)"))),
                _ => return Err(bad()),
            }
        }
        if action.error.is_some() && action.retval.is_some() {
            return Err(FilterError::Inject(format!("{spec}: error= and retval= together")));
        }
        if fault && action.error.is_none() {
            action.error = Some(libc::ENOSYS);
        }
        if action == InjectAction::default() {
            return Err(FilterError::Inject(format!("{spec}: nothing to inject")));
        }
        Ok(Inject { set, action, when })
    }
}

/// What the `-e` options ask for; each starts as "everything".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    /// Syscalls to show.
    pub trace: SyscallSet,
    /// Signals to show.
    pub signals: SignalSet,
    /// Which call endings to show.
    pub status: Status,
    /// Messages to leave out.
    pub quiet: Quiet,
    /// Fault injection rules, in command-line order.
    pub inject: Vec<Inject>,
}

impl Default for Filter {
    fn default() -> Self {
        Filter {
            trace: SyscallSet::all(),
            signals: SignalSet::ALL,
            status: Status::all(),
            quiet: Quiet::empty(),
            inject: Vec::new(),
        }
    }
}

fn parse_words<T: bitflags::Flags + Copy>(
    list: &str,
    what: &'static str,
    word: impl Fn(&str) -> Option<T>,
) -> Result<T, FilterError> {
    let (negate, list) = match list.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, list),
    };
    let mut set = T::empty();
    for item in list.split(',') {
        match item.trim() {
            "" => return Err(FilterError::Empty),
            "all" => set = T::all(),
            "none" => {}
            w => set.insert(word(w).ok_or_else(|| FilterError::UnknownWord(what, w.to_string()))?),
        }
    }
    Ok(if negate { T::from_bits_truncate(T::all().bits() & !set.bits()) } else { set })
}

impl Filter {
    /// Applies one `-e` expression: `trace=LIST` (also `t=`), `signal=LIST`
    /// (also `signals=`, `s=`), `status=`, `quiet=` (`q=`, `silent=`,
    /// `silence=`), `raw=` (`x=`), `verbose=` (`v=`), `abbrev=` (`a=`),
    /// `inject=`, `fault=`, or a bare list, which means `trace=`. A later
    /// expression replaces an earlier one of the same qualifier (injection
    /// rules add up). `raw=`/`verbose=`/`abbrev=` go to the decoder's
    /// options.
    pub fn apply(&mut self, expr: &str, opts: &mut Options) -> Result<(), FilterError> {
        match expr.split_once('=') {
            Some(("trace" | "t", list)) => self.trace = parse_trace(list)?,
            Some(("signal" | "signals" | "s", list)) => self.signals = parse_signals(list)?,
            Some(("status", list)) => {
                self.status = parse_words(list, "status", |w| match w {
                    "successful" => Some(Status::SUCCESSFUL),
                    "failed" => Some(Status::FAILED),
                    "unfinished" => Some(Status::UNFINISHED),
                    "unavailable" => Some(Status::UNAVAILABLE),
                    "detached" => Some(Status::DETACHED),
                    _ => None,
                })?
            }
            Some(("quiet" | "q" | "silent" | "silence", list)) => {
                self.quiet = parse_words(list, "quiet", |w| match w {
                    "attach" => Some(Quiet::ATTACH),
                    "exit" | "exits" => Some(Quiet::EXIT),
                    "path-resolution" => Some(Quiet::PATH_RESOLUTION),
                    "personality" => Some(Quiet::PERSONALITY),
                    "superseded" => Some(Quiet::SUPERSEDED),
                    "thread-execve" => Some(Quiet::THREAD_EXECVE),
                    _ => None,
                })?
            }
            Some(("raw" | "x", list)) => opts.raw = parse_trace(list)?,
            Some(("verbose" | "v", list)) => opts.verbose = parse_trace(list)?,
            Some(("abbrev" | "a", list)) => opts.verbose = parse_trace(list)?.complement(),
            Some(("inject", spec)) => self.inject.push(Inject::parse(spec, false)?),
            Some(("fault", spec)) => self.inject.push(Inject::parse(spec, true)?),
            Some(("read" | "r" | "write" | "w", _)) => {
                return Err(FilterError::UnknownQualifier(format!(
                    "{} (hex dumps of I/O are not implemented)",
                    expr.split_once('=').map_or("", |p| p.0)
                )))
            }
            Some((q, _)) => return Err(FilterError::UnknownQualifier(q.to_string())),
            None => self.trace = parse_trace(expr)?,
        }
        Ok(())
    }

    /// The calls that must stop: those shown, and those injected into.
    pub fn stopping_set(&self) -> SyscallSet {
        let mut s = self.trace;
        for r in &self.inject {
            for n in r.set.iter() {
                s.insert(n);
            }
        }
        s
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
        let mut o = Options::default();
        f.apply("trace=%process", &mut o).unwrap();
        f.apply("signal=!SIGCHLD", &mut o).unwrap();
        assert!(f.trace.contains(59) && !f.trace.contains(0));
        assert!(!f.signals.contains(17));
        f.apply("read", &mut o).unwrap();
        assert_eq!(f.trace.len(), 1);
        f.apply("verbose=all", &mut o).unwrap();
        assert!(o.verbose.contains(0));
        f.apply("abbrev=read", &mut o).unwrap();
        assert!(!o.verbose.contains(0) && o.verbose.contains(1));
        f.apply("raw=openat", &mut o).unwrap();
        assert!(o.raw.contains(257) && !o.raw.contains(0));
        assert!(f.apply("bogus=1", &mut o).is_err());
    }

    #[test]
    fn regex_elements() {
        let s = parse_trace("/^open").unwrap();
        assert!(s.contains(2) && s.contains(257) && s.contains(437) && !s.contains(0));
        let s = parse_trace("/stat$,close").unwrap();
        assert!(s.contains(4) && s.contains(3) && !s.contains(332));
        assert!(matches!(parse_trace("/("), Err(FilterError::Regex(_))));
    }

    #[test]
    fn status_and_quiet() {
        let mut f = Filter::default();
        let mut o = Options::default();
        f.apply("status=failed,unfinished", &mut o).unwrap();
        assert_eq!(f.status, Status::FAILED | Status::UNFINISHED);
        f.apply("status=!failed", &mut o).unwrap();
        assert!(f.status.contains(Status::SUCCESSFUL) && !f.status.contains(Status::FAILED));
        f.apply("quiet=attach,exit", &mut o).unwrap();
        assert_eq!(f.quiet, Quiet::ATTACH | Quiet::EXIT);
        assert!(f.apply("status=sometimes", &mut o).is_err());
    }

    #[test]
    fn inject_specs() {
        let i = Inject::parse("openat,read:error=ENOENT:when=3+2", false).unwrap();
        assert!(i.set.contains(257) && i.set.contains(0));
        assert_eq!(i.action.error, Some(2));
        assert!(!i.when.matches(1) && i.when.matches(3) && !i.when.matches(4) && i.when.matches(5));
        let i = Inject::parse("getpid:retval=42:when=2", false).unwrap();
        assert_eq!(i.action.retval, Some(42));
        assert!(i.when.matches(2) && !i.when.matches(3));
        let i = Inject::parse("close:when=2..4", true).unwrap();
        assert_eq!(i.action.error, Some(libc::ENOSYS));
        assert!(!i.when.matches(1) && i.when.matches(4) && !i.when.matches(5));
        let i = Inject::parse("write:signal=SIGUSR1:delay_exit=1000", false).unwrap();
        assert_eq!(i.action.signal, Some(10));
        assert_eq!(i.action.delay_exit, Some(1000));
        assert!(Inject::parse("openat", false).is_err());
        assert!(Inject::parse("openat:error=EBOGUS", false).is_err());
        assert!(Inject::parse("openat:error=1:retval=2", false).is_err());
        assert!(Inject::parse("openat:when=0", false).is_err());
        let mut f = Filter { trace: parse_trace("read").unwrap(), ..Default::default() };
        f.inject.push(Inject::parse("openat:error=EPERM", false).unwrap());
        assert!(f.stopping_set().contains(257) && f.stopping_set().contains(0));
    }
}
