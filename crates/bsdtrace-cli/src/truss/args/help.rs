//! The usage line and `--help`'s text: every option explained, the one
//! place they are documented for users (`bsdtrace-truss(1)` is made from it).

pub fn usage(prog: &str) -> String {
    let pad = " ".repeat(prog.len());
    format!(
        "usage: {prog} [-facedDHS] [-o file] [-s strsize] -p pid\n       \
         {prog} [-facedDHS] [-o file] [-s strsize] command [args]\n       \
         {pad} strace-style: [-CTcffhknqrtvwxyzZ] [-e expr] [-P path] [-u user] [-E var=val] [-X style]\n       \
         {pad} [--long-option...]; `{prog} --help` explains them all\n"
    )
}

/// The whole manual, printed by `--help` and turned into `bsdtrace-truss(1)`.
pub const HELP: &str = "\
NAME
     truss - trace system calls and signals

SYNOPSIS
     truss [-facedDHS] [-o file] [-s strsize] -p pid[,pid...] [-p pid ...]
     truss [-facedDHS] [-o file] [-s strsize] command [args ...]
     truss [strace-style options] (-p pid | command [args ...])

DESCRIPTION
     truss traces the system calls a process makes and the signals it
     receives, one line per call, in FreeBSD truss(1)'s format:

         openat(AT_FDCWD,\"/etc/passwd\",O_RDONLY|O_CLOEXEC,00) = 3 (0x3)
         read(3,\"root:x:0:0:root:/root:/bin/bash\"...,4096) = 1843 (0x733)
         access(\"/nonexistent\",F_OK)             ERR#2 'No such file or directory'
         SIGNAL 17 (SIGCHLD) code=CLD_EXITED pid=1234 uid=0 status=0

     With a command, truss runs it under trace and exits with its status.
     With -p it attaches to running processes; SIGINT, SIGTERM, SIGQUIT,
     SIGHUP, SIGPIPE, SIGUSR1/2, SIGALRM and every other signal that would
     end truss detach it first, and a process truss attached to is never
     killed by truss's end, even by SIGKILL: it runs on untraced.

FREEBSD OPTIONS
     -a         Show the argument strings of execve.
     -c         Count calls, errors and time per system call; print only
                the table (at the end, or at detach).
     -d         Prefix each line with the time since the trace started.
     -D         Prefix each line with the time spent in the call.
     -e         Show the environment strings of execve (see -e EXPR).
     -f         Follow fork/vfork/clone children; prefix lines with the pid.
     -H         Prefix lines with the thread id.
     -o file    Write the trace to file instead of stderr (see OUTPUT).
     -p pid     Attach to process pid; may be repeated, or a comma list.
     -s strsize Show at most strsize bytes of each string or buffer
                (default 32), then \"...\". Paths are shown whole.
     -S         Do not show signals.

STRACE-STYLE OPTIONS
     -e EXPR    strace's expression when EXPR starts with a qualifier:
                trace=, t=, signal=, signals=, s=, status=, quiet=, q=,
                silent=, silence=, raw=, x=, verbose=, v=, abbrev=, a=,
                inject=, fault= (see EXPRESSIONS). Otherwise -e is FreeBSD's
                flag; write -e trace=NAME for strace's bare -e NAME.
     -C         Print the trace, then the -c table.
     -w         -c and -C times are wall-clock time from entry to exit
                (always so; accepted for strace's users).
     -ff        With -o file: one file.PID per process (implies -f).
     -k         Print a stack trace of the thread after each call, unwound
                with the binaries' DWARF call frame information
                (.eh_frame), symbolized from their symbol tables and debug
                information.
     -n         Prefix each call with its number: \"[ 257] openat(...)\".
     -P path    Show only calls that name path or use a descriptor open on
                it; may be repeated.
     -q         Do not print \"attached\"/\"detached\" messages; -qq also no
                process exit or signal-death lines (as -e quiet=all).
     -r         Prefix each line with the time since the previous line.
     -t         Prefix each line with the local time, HH:MM:SS; -tt adds
                microseconds; -ttt prints seconds since the epoch.
     -T         Append the time spent in the call, \" <0.000012>\".
     -u user    Run the command as user (name or uid), with the user's
                group and supplementary groups (needs root).
     -E var=val Set var in the command's environment; -E var removes it.
                May be repeated.
     -v         Print structures whole (as -e verbose=all).
     -x         Print non-ASCII bytes of strings in hex (\\xNN); -xx every
                byte.
     -X style   Constants: abbrev (names, the default), raw (numbers) or
                verbose (numbers and names: 0x80000 /* O_CLOEXEC */).
     -y         Print the path behind each descriptor: 3</etc/passwd>.
     -yy        Also socket endpoints and device numbers:
                3<TCP:[127.0.0.1:40000->127.0.0.1:80]>, 0</dev/pts/0<char 136:0>>.
     -z         Show only calls that succeeded (-e status=successful).
     -Z         Show only calls that failed (-e status=failed).

LONG OPTIONS
     --trace=SET, --signal=SET, --status=SET, --quiet[=SET], --raw=SET,
     --verbose=SET, --abbrev=SET, --inject=SPEC, --fault=SPEC
                           the -e expressions.
     --output=FILE         -o FILE.
     --output-separately   -ff.
     --attach=PID          -p PID.
     --follow-forks        -f.
     --summary-only        -c.
     --summary             -C.
     --summary-wall-clock  -w.
     --summary-sort-by=KEY sort the table by name (default), time, calls,
                           errors, or nothing (strace's -S, which is
                           FreeBSD's -S here).
     --string-limit=N      -s N.
     --absolute-timestamps[=precision:s|ms|us|ns,format:time|unix]
                           -t, -tt, -ttt.
     --relative-timestamps -r.
     --syscall-times       -T.
     --syscall-number      -n.
     --stack-traces        -k.
     --decode-fds[=path|all]  -y, -yy.
     --trace-path=PATH     -P PATH.
     --successful-only     -z.
     --failed-only         -Z.
     --no-abbrev           -v.
     --strings-in-hex[=non-ascii|all]  -x, -xx.
     --const-print-style=STYLE  -X STYLE.
     --user=USER           -u USER.
     --env=VAR=VAL         -E VAR=VAL.
     --json                one JSON object per line instead of text.
     --no-seccomp          never install a seccomp filter (see FILTERING).
     --seccomp-bpf         accepted and ignored: truss already stops only at
                           the calls -e trace= selects when it runs the
                           command (see FILTERING).
     --bpf                 record in the kernel with BPF programs instead of
                           stopping the traced threads (see BPF).
     --bpf-ring=BYTES      the BPF ring buffer's size, 4096 to 1073741824
                           bytes (default 16 MiB, 2 MiB with -e trace=);
                           implies --bpf.
     --help                this text.

EXPRESSIONS
     trace=SET    Which calls to show. SET is a comma list of names
                  (openat), numbers, classes (%file %desc %network %net
                  %process %signal %memory %ipc %creds %clock %pure %stat
                  %lstat %fstat %%stat %statfs %fstatfs %%statfs), regular
                  expressions (/^open), all, none; ?name ignores an unknown
                  name; a leading ! negates the set.
     signal=SET   Which signals to show: names (SIGUSR1, usr1), numbers,
                  all, none, !.
     status=SET   Show only calls that ended so: successful, failed,
                  unfinished (never returned), unavailable, detached; all,
                  none, !.
     quiet=SET    Silence messages: exit (the process exit and death
                  lines), superseded (a call left unfinished by the next
                  one of its thread); all, none. attach, path-resolution,
                  personality and thread-execve are accepted: truss prints
                  no such notes.
     raw=SET      Print these calls' arguments as raw hex numbers.
     verbose=SET  Print these calls' structures whole (default none: long
                  structures are abbreviated with \"...\").
     abbrev=SET   The opposite of verbose=.
     inject=SET:error=ERRNO[:when=EXPR]
     inject=SET:retval=VALUE[:when=EXPR]
     inject=SET:signal=SIG[:when=EXPR]
     inject=SET:delay_enter=USECS[:delay_exit=USECS][:when=EXPR]
     fault=SET[:error=ERRNO][:when=EXPR]
                  Fault injection, strace's syntax. The call is not run:
                  it fails with ERRNO (fault='s default is ENOSYS) or
                  returns VALUE; or a signal is delivered after it; or the
                  thread is held before or after it. when=N injects only
                  the Nth call of the set (counted per process), N+ from the
                  Nth on, N+S every Sth from the Nth, N..M the Nth to the
                  Mth. An injected line ends in \" (INJECTED)\".

OUTPUT
     -o file writes the trace to file (created, or truncated). A symbolic
     link planted in a sticky world-writable directory (such as /tmp) by
     another user is not followed. -o '|command' or -o '!command' pipes the
     trace into a shell command. With -ff each process writes file.PID.
     A write that fails (a full disk, a closed pipe) is reported once; the
     trace goes on without output (an attached process is detached) and
     truss exits 1.

FILTERING
     When truss runs the command and -e trace= names a subset of the calls,
     a seccomp filter makes every other call run at full speed, as strace's
     --seccomp-bpf does. The filter is inherited by children, so truss then
     follows every child (showing them only with -f). The filter needs
     no_new_privs without CAP_SYS_ADMIN, which disables setuid programs;
     --no-seccomp traces every call and filters in truss instead. With -p
     no filter can be installed.

BPF
     With --bpf, BPF programs record each call's arguments, result and the
     memory its arguments point at while it runs, and the signals, thread
     and process births, execs and exits, into a ring buffer truss reads;
     the traced program is never stopped, so it runs several times faster
     than under ptrace. The lines are the same. It needs root (CAP_BPF and
     CAP_PERFMON) and a kernel with BTF; while a full trace runs, every
     process of the machine takes the kernel's slower syscall path. Memory
     is copied up to 4096 bytes per argument. A full ring loses records:
     each loss is a <N events of thread T lost> line, counted on stderr,
     and truss exits 3; a larger --bpf-ring helps. What needs a stopped
     call runs on ptrace instead, with a message: -e inject= and -e fault=
     (they change the call), -k (it unwinds the stack), -y and -yy and -P
     (they read the descriptors in /proc), -u (its helper's calls are left
     out only there).

EXIT STATUS
     With a command: its exit status (128 + the signal if it was killed);
     126 or 127 if it could not be executed. With -p: 0 after the processes
     ended or truss detached. 1 for usage errors, start-up failures and
     failed writes of the trace; 2 for -p of truss itself; 3 with --bpf
     when records were lost.

DIFFERENCES
     Letters FreeBSD truss and strace both use keep FreeBSD's meaning: -a,
     -d, -D, -e, -S (see above for strace's). Decoding follows strace where
     FreeBSD truss has no format of its own; errors stay FreeBSD's
     ERR#n 'message' with the errno name added where strace users look for
     it. docs/deviations.md lists every difference from FreeBSD truss.

EXAMPLES
     Follow a shell pipeline and its children:
           truss -f sh -c 'ls | wc -l'
     Which files does make open, with a timestamp and the time per call:
           truss -f -tt -T -e trace=%file make
     Watch a running server's network calls and leave it running:
           truss -p 1234 -e trace=%net -o /tmp/server.trace
     Make every third openat fail with EACCES:
           truss -e inject=openat:error=EACCES:when=3+3 ./prog
";
