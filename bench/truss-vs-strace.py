#!/usr/bin/env python3
"""Compare what `bsdtrace truss` and strace decode, line by line.

    bench/truss-vs-strace.py [--set small|full] [--min PERCENT] [--top N]
                             [--show-mismatches N] [--truss PATH]

Runs each program of the set under `strace -f -qq` and under `bsdtrace
truss -f`, pairs the processes (in the order they appear) and, per
process, aligns the two sequences of calls by name. For each pair of
aligned lines it compares the decoded arguments and the result after
normalising FreeBSD truss's format to strace's:

* arguments are split at top-level commas; whitespace does not matter;
* `0x0` is `NULL`; numbers compare by value (decimal, hex, octal);
  addresses (hex values of 0x10000 and above) and process ids differ
  between two runs and compare as "an address";
* strings compare by their bytes (C escapes decoded: `\\x7f` is `\\177`)
  and by whether they were cut (`...`);
* `A|B|C` flag sets compare as sets;
* structures compare field by field: every field strace prints must be in
  truss's line with an equal value (FreeBSD's field names mapped to
  strace's: `mode=-rw-r--r--` is `st_mode=S_IFREG|0644`, `cur=` is
  `rlim_cur=`...); strace's `...` (fields it left out) is ignored;
* results: ` = 3 (0x3)` is `= 3`; ` ERR#2 'No such file or directory'` is
  `= -1 ENOENT (No such file or directory)`;
* arguments strace leaves out because the call does not use them (openat's
  mode without O_CREAT) may be printed by truss as FreeBSD does.

Calls that are only in one trace (timing: futex, wait4 of a shell,
restarted calls) are not counted: the measure is the share of *aligned*
lines that match. It reports, per syscall, aligned lines, matches and the
share, and the total over the `--top` most frequent syscalls of the set.
With `--min`, exits 1 if that total share is below PERCENT.
"""

import argparse
import collections
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# ---- the programs --------------------------------------------------------

def zoo(work):
    """tests/truss_progs/zoo.c: one call of each kind the issue lists."""
    src = os.path.join(ROOT, "crates", "bsdtrace-cli", "tests", "truss_progs", "zoo.c")
    out = os.path.join(work, "zoo")
    if shutil.which("cc") and subprocess.run(["cc", "-O2", "-o", out, src]).returncode == 0:
        return [[out]]
    return []


def i386(work):
    """The 32-bit (cc -m32, gcc-multilib) builds of tests/truss_progs' zoo,
    lsdir (an ls-like program), fails (failing calls) and compat32 (the
    calls only i386 has: old stat and getdents, socketcall, ipc)."""
    progs = []
    for name, args in [("zoo", []), ("lsdir", ["/etc"]), ("lsdir", ["/usr/share/doc"]), ("fails", []), ("compat32", [])]:
        src = os.path.join(ROOT, "crates", "bsdtrace-cli", "tests", "truss_progs", name + ".c")
        out = os.path.join(work, name + "32")
        if not os.path.exists(out):
            if not shutil.which("cc") or subprocess.run(["cc", "-m32", "-O2", "-pthread", "-o", out, src]).returncode != 0:
                sys.exit(f"{name}.c: cc -m32 failed (it needs gcc-multilib)")
        progs.append([out] + args)
    return progs


def programs(which, work):
    py = shutil.which("python3", path="/usr/bin:/bin") or "python3"
    small = zoo(work) + [
        ["ls", "-l", "/etc"],
        ["sh", "-c", "ls /usr/bin | wc -l; cat /etc/hostname >/dev/null"],
        [py, "-c", "import json, os; print(json.dumps(sorted(os.listdir('/etc'))[:3]))"],
        ["find", "/usr/share/doc", "-maxdepth", "2", "-name", "copyright"],
        ["tar", "-cf", os.path.join(work, "t.tar"), "-C", "/usr/share", "bash-completion" if os.path.isdir("/usr/share/bash-completion") else "doc"],
    ]
    full = small + [
        ["git", "-C", ROOT, "log", "--oneline", "-5"],
        ["git", "-C", ROOT, "status", "--short"],
        ["sh", "-c", "find /usr/include -name '*.h' | head -200 | xargs cat | wc -c"],
        ["tar", "-tf", os.path.join(work, "t.tar")],
        ["gzip", "-c", "/etc/services"],
        ["sort", "/etc/services"],
        ["du", "-s", "/usr/share/man"],
        ["stat", "/etc/passwd", "/bin/sh"],
        ["date"],
        ["id"],
        [py, "-c", "import subprocess; subprocess.run(['true'])"],
        ["sh", "-c", "for i in 1 2 3; do echo $i; done | sort -r | head -1"],
        ["grep", "-r", "root", "/etc/passwd", "/etc/group"],
        ["perl", "-e", "opendir(D, '/etc'); @a = readdir(D); print scalar(@a), \"\\n\""],
        ["sh", "-c", "mkdir -p d/e && cp /etc/passwd d/e/ && ln -s e d/l && ls -lR d >/dev/null && rm -r d"],
    ]
    if which == "zoo":
        return zoo(work)
    if which == "i386":
        return i386(work)
    progs = small if which == "small" else full
    return [p for p in progs if shutil.which(p[0])]


# ---- parsing -------------------------------------------------------------

STRACE_LINE = re.compile(r"^(\d+)\s+(.*)$")


def parse_strace(text):
    """{pid: [(name, args, ret)]} in order; unfinished halves joined."""
    by_pid = collections.OrderedDict()
    pending = {}
    for raw in text.splitlines():
        m = STRACE_LINE.match(raw)
        if not m:
            continue
        pid, rest = int(m.group(1)), m.group(2)
        if rest.startswith("---") or rest.startswith("+++"):
            by_pid.setdefault(pid, [])
            continue
        if rest.endswith("<unfinished ...>"):
            pending[pid] = rest[: -len("<unfinished ...>")].rstrip()
            by_pid.setdefault(pid, [])
            continue
        r = re.match(r"^<\.\.\. (\w+) resumed>(.*)$", rest)
        if r:
            head = pending.pop(pid, None)
            if head is None:
                continue
            rest = head + r.group(2)
        call = split_call(rest, strace=True)
        if call:
            by_pid.setdefault(pid, []).append(call)
    return by_pid


TRUSS_LINE = re.compile(r"^\s*(\d+): (.*)$")


def parse_truss(text):
    by_pid = collections.OrderedDict()
    for raw in text.splitlines():
        m = TRUSS_LINE.match(raw)
        if not m:
            continue
        pid, rest = int(m.group(1)), m.group(2)
        by_pid.setdefault(pid, [])
        if rest.startswith("<") or rest.startswith("SIGNAL") or rest.startswith("process ") or rest.startswith("-- "):
            continue
        call = split_call(rest, strace=False)
        if call:
            by_pid[pid].append(call)
    return by_pid


def matching_paren(s, i):
    """Index of the ')' closing the '(' at s[i]."""
    depth = 0
    q = False
    j = i
    while j < len(s):
        c = s[j]
        if q:
            if c == "\\":
                j += 1
            elif c == '"':
                q = False
        elif c == '"':
            q = True
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return j
        j += 1
    return -1


def split_call(line, strace):
    m = re.match(r"^([a-z_0-9]+)\(", line)
    if not m:
        return None
    name = m.group(1)
    end = matching_paren(line, len(name))
    if end < 0:
        return None
    args = split_args(line[len(name) + 1 : end])
    tail = line[end + 1 :].strip()
    return (name, args, parse_ret(tail, strace))


def split_args(s):
    out, depth, q, cur, i = [], 0, False, [], 0
    while i < len(s):
        c = s[i]
        if q:
            cur.append(c)
            if c == "\\" and i + 1 < len(s):
                cur.append(s[i + 1])
                i += 1
            elif c == '"':
                q = False
        elif c == '"':
            q = True
            cur.append(c)
        elif c in "([{":
            depth += 1
            cur.append(c)
        elif c in ")]}":
            depth -= 1
            cur.append(c)
        elif c == "," and depth == 0:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    last = "".join(cur).strip()
    if last or out:
        out.append(last)
    return out


ERRNO = {}


def errno_names():
    import errno as e
    for k, v in e.errorcode.items():
        ERRNO[k] = v


def parse_ret(tail, strace):
    tail = re.sub(r"\s*<[\d.]+>$", "", tail)  # -T
    tail = tail.replace(" (INJECTED)", "")
    if strace:
        m = re.match(r"^= (-1) (E[A-Z0-9_]+)", tail)
        if m:
            return ("err", m.group(2))
        m = re.match(r"^= \? (ERESTART\w*)", tail)
        if m:
            return ("restart",)
        if tail == "= ?":
            return ("none",)
        m = re.match(r"^= (\S+)", tail)
        if m:
            return ("val", m.group(1))
        return ("none",)
    m = re.match(r"^ERR#(\d+)", tail)
    if m:
        return ("err", ERRNO.get(int(m.group(1)), m.group(1)))
    if tail.startswith("ERESTART"):
        return ("restart",)
    m = re.match(r"^= (-?\d+)", tail)
    if m:
        return ("val", m.group(1))
    return ("none",)


# ---- normalising values --------------------------------------------------

ESC = {"n": 10, "t": 9, "r": 13, "v": 11, "f": 12, "a": 7, "b": 8, "e": 27, '"': 34, "\\": 92, "'": 39, "?": 63}


def unquote(s):
    """A C string literal's bytes."""
    out = bytearray()
    i = 1
    while i < len(s) - 1:
        c = s[i]
        if c != "\\":
            out += c.encode("utf-8", "surrogateescape")
            i += 1
            continue
        n = s[i + 1]
        if n == "x":
            m = re.match(r"[0-9a-fA-F]{1,2}", s[i + 2 :])
            out.append(int(m.group(0), 16))
            i += 2 + len(m.group(0))
        elif n in "01234567":
            m = re.match(r"[0-7]{1,3}", s[i + 1 :])
            out.append(int(m.group(0), 8) & 0xFF)
            i += 1 + len(m.group(0))
        else:
            out.append(ESC.get(n, ord(n)))
            i += 2
    return bytes(out)


def strmode_to_strace(v):
    """FreeBSD's strmode `-rw-r--r-- ` as strace's `S_IFREG|0644`."""
    v = v.strip()
    if len(v) < 10:
        return v
    kinds = {"-": "S_IFREG", "d": "S_IFDIR", "c": "S_IFCHR", "b": "S_IFBLK", "l": "S_IFLNK", "s": "S_IFSOCK", "p": "S_IFIFO"}
    perm = 0
    special = []
    p = v[1:10]
    for i, b in [(0, 0o400), (1, 0o200), (3, 0o040), (4, 0o020), (6, 0o004), (7, 0o002)]:
        if p[i] != "-":
            perm |= b
    for i, x, name, on in [(2, 0o100, "S_ISUID", "s"), (5, 0o010, "S_ISGID", "s"), (8, 0o001, "S_ISVTX", "t")]:
        c = p[i]
        if c == "x" or c == on:
            perm |= x
        if c in (on, on.upper()):
            special.append(name)
    return "|".join([kinds.get(v[0], "?")] + special + [f"0{perm:o}"])


TRUSS_FIELD_NAMES = {
    # stat, FreeBSD truss's names
    "mode": "st_mode", "inode": "st_ino", "size": "st_size", "blksize": "st_blksize",
    # rlimit
    "cur": "rlim_cur", "max": "rlim_max",
}


def norm_scalar(t):
    t = t.strip()
    m = re.fullmatch(r"SIGRTMIN\+(\d+)", t)  # FreeBSD's spelling; strace's SIGRT_n
    if m:
        t = f"SIGRT_{m.group(1)}"
    t = re.sub(r"\s*/\*.*?\*/\s*", "", t)  # strace comments
    t = re.sub(r"\s+", "", t)
    if t in ("NULL", "0x0"):
        return 0
    if t in ("RLIM_INFINITY", "RLIM64_INFINITY"):
        return "INF"
    m = re.fullmatch(r"(-?\d+)\*(\d+)", t)  # strace's 8192*1024
    if m:
        return int(m.group(1)) * int(m.group(2))
    if re.fullmatch(r"-?0x[0-9a-fA-F]+", t):
        v = int(t, 16)
        return "ADDR" if v >= 0x10000 else v
    if re.fullmatch(r"-?0[0-7]+", t):
        return int(t, 8)
    if re.fullmatch(r"-?\d+", t):
        return int(t)
    return t


WAIT_STRACE = re.compile(r"^\[\{(.*)\}\]$")


def wait_status(v):
    """strace's [{WIFEXITED(s) && WEXITSTATUS(s) == 0}] and FreeBSD's
    { EXITED,val=0 } as ("wait", kind, value)."""
    m = WAIT_STRACE.match(v)
    if m and "WIF" in m.group(1):
        e = m.group(1)
        m2 = re.search(r"WEXITSTATUS\(s\) == (\d+)", e)
        if m2:
            return ("wait", "EXITED", m2.group(1))
        m2 = re.search(r"WTERMSIG\(s\) == (\w+)", e)
        if m2:
            return ("wait", "SIGNALED", m2.group(1) + ("core" if "WCOREDUMP" in e else ""))
        m2 = re.search(r"WSTOPSIG\(s\) == (\w+)", e)
        if m2:
            return ("wait", "STOPPED", m2.group(1))
        return ("wait", e)
    m = re.match(r"^\{ (EXITED|SIGNALED|STOPPED),(?:val|sig)=(\w+)(,cored)?", v)
    if m:
        return ("wait", m.group(1), m.group(2) + ("core" if m.group(3) else ""))
    return None


def freebsd_positional(v):
    """FreeBSD truss's positional structures, as strace's keyed ones:
    timespec/timeval `{ S.N }`, sockaddrs `{ AF_INET 1.2.3.4:80 }`,
    iovecs `{"data",len}`."""
    inner = v[1:-1].strip()
    m = re.fullmatch(r"(-?\d+)\.(\d{9})", inner)
    if m:
        return {"tv_sec": int(m.group(1)), "tv_nsec": int(m.group(2))}
    m = re.fullmatch(r"(-?\d+)\.(\d{6})", inner)
    if m:
        return {"tv_sec": int(m.group(1)), "tv_usec": int(m.group(2))}
    m = re.fullmatch(r"AF_INET (\d+\.\d+\.\d+\.\d+):(\d+)", inner)
    if m:
        return {"sa_family": "AF_INET", "sin_port": port(int(m.group(2))), "sin_addr": f'inet_addr("{m.group(1)}")'}
    m = re.fullmatch(r"AF_INET6 \[(.*)\]:(\d+)", inner)
    if m:
        return {"sa_family": "AF_INET6", "sin6_port": port(int(m.group(2))), "sin6_addr": m.group(1)}
    m = re.fullmatch(r'AF_UNIX (@?)(".*")', inner, re.S)
    if m:
        return {"sa_family": "AF_UNIX", "sun_path": ("@", norm(m.group(2))) if m.group(1) else norm(m.group(2))}
    m = re.fullmatch(r'AF_NETLINK pid=(\d+),groups=(\w+)', inner)
    if m:
        return {"sa_family": "AF_NETLINK", "nl_pid": int(m.group(1)), "nl_groups": norm_scalar(m.group(2))}
    parts = split_args(inner)
    if len(parts) == 2 and parts[0].startswith(('"', "0x")) and re.fullmatch(r"\d+", parts[1]):
        return {"iov_base": norm(parts[0]), "iov_len": int(parts[1])}
    return None


def port(p):
    # Ephemeral ports differ from run to run.
    return "EPHEMERAL" if p >= 32768 else f"htons({p})"


def norm(v):
    """A comparable form of one argument's text."""
    v = v.strip()
    v = re.sub(r"/\*.*?\*/", "", v).strip()
    if not v:
        return ""
    w = wait_status(v)
    if w:
        return w
    m = re.fullmatch(r"([a-z_]+)=(.*)", v, re.S)
    if m and not v.startswith(("{", "[", '"')):
        return ("kv", m.group(1), norm(m.group(2)))
    m = re.fullmatch(r"htons\((\d+)\)", v)
    if m:
        return port(int(m.group(1)))
    if v.startswith("{") and v.endswith("}"):
        pos = freebsd_positional(v)
        if pos is not None:
            return ("{}", {k: (norm(x) if isinstance(x, str) else x) if k not in ("sin6_addr",) else x for k, x in pos.items()})
    if v.startswith('"'):
        end = v.rfind('"')
        if end > 0:
            b = re.sub(rb"/proc/\d+", b"/proc/PID", unquote(v[: end + 1]))
            return ("S", b, v[end + 1 :].strip() == "...")
    if v.startswith("@\""):
        return ("@", norm(v[1:]))
    if v.startswith("{") and v.endswith("}"):
        return ("{}", struct_fields(v[1:-1]))
    if v.startswith("~[") and v.endswith("]"):
        return ("~", frozenset(x.strip() for x in v[2:-1].split() if x.strip()))
    if v.startswith("[") and v.endswith("]"):
        inner = v[1:-1].strip()
        # sigsets [INT TERM] vs lists [a, b]
        if inner and "," not in inner and " " in inner and not inner.startswith(("{", '"')):
            return ("set", frozenset(inner.split()))
        return ("[]", tuple(norm(x) for x in split_args(inner)))
    if "|" in v and not v.startswith("{"):
        return ("|", frozenset(norm_scalar(x) for x in v.split("|")))
    return norm_scalar(v)


def struct_fields(inner):
    fields = {}
    pos = []
    for item in split_args(inner):
        item = item.strip()
        if item == "...":
            fields["..."] = True
            continue
        m = re.match(r"^([a-z_][a-z_0-9.\[\]]*)=(.*)$", item, re.S)
        if m:
            k, val = m.group(1), m.group(2)
            k = TRUSS_FIELD_NAMES.get(k, k)
            if k == "st_mode" and re.match(r"^[-dcblsp][-rwxsStT]{9}", val.strip()):
                val = strmode_to_strace(val)
            if k == "rdev":
                k = "st_rdev"
            if k == "sin6_addr" or k.startswith("inet_pton"):
                continue
            fields[k] = norm(val)
        else:
            pos.append(norm(item))
    if pos:
        fields["#"] = tuple(pos)
    return fields


def same(s, t):
    """strace's normalised value s is matched by truss's t."""
    if s == t:
        return True
    if s == "ADDR" or t == "ADDR":
        return isinstance(s, (int, str)) and isinstance(t, (int, str))
    if isinstance(s, tuple) and isinstance(t, tuple) and s and t:
        if s[0] == "{}" and t[0] == "{}":
            sf, tf = s[1], t[1]
            for k, v in sf.items():
                if k in ("...",) or k in VOLATILE_FIELDS:
                    continue
                if k not in tf or not same(v, tf[k]):
                    return False
            return True
        if s[0] == "S" and t[0] == "S":
            return s[1] == t[1] and s[2] == t[2]
        if s[0] == "[]" and t[0] == "[]":
            a, b = list(s[1]), list(t[1])
            if a and a[-1] == "...":
                a = a[:-1]
                b = b[: len(a)]
            return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
        if s[0] in ("|", "set", "~") and t[0] == s[0]:
            return s[1] == t[1]
        if s[0] == "kv" and t[0] == "kv":
            return s[1] == t[1] and same(s[2], t[2])
        if s[0] == "wait" and t[0] == "wait":
            return s[1:] == t[1:]
        if s[0] == "@" and t[0] == "@":
            return same(s[1], t[1])
    if isinstance(s, tuple) and s and s[0] == "|" and not isinstance(t, tuple):
        return s[1] == frozenset([t])
    if isinstance(t, tuple) and t and t[0] == "|" and not isinstance(s, tuple):
        return t[1] == frozenset([s])
    return False


OPTIONAL_TRAILING = {"openat": 3, "open": 2}  # mode without O_CREAT

# Results that differ between two runs of the same program.
VOLATILE_RESULT = {"getpid", "getppid", "gettid", "getpgrp", "getpgid", "getsid", "set_tid_address", "times",
                   "clone", "clone3", "fork", "vfork", "wait4", "waitid", "time"}
# Structure fields that differ between two runs (clocks, free memory...).
VOLATILE_FIELDS = {"uptime", "loads", "freeram", "sharedram", "bufferram", "freeswap", "procs", "freehigh",
                   "f_bfree", "f_bavail", "f_ffree", "tms_utime", "tms_stime", "tms_cutime", "tms_cstime",
                   "st_atime", "st_mtime", "st_ctime", "stx_atime", "stx_mtime", "stx_ctime", "pid",
                   "tv_sec", "tv_nsec", "tv_usec"}
# Arguments whose bytes are random.
RANDOM_BUFFER = {"getrandom": 0}
# System V IPC identifiers: the kernel picks them, they differ between runs.
IPC_ID_ARG = {name: 0 for name in ("semop", "semtimedop", "semctl", "shmat", "shmctl", "msgsnd", "msgrcv", "msgctl")}
VOLATILE_RESULT |= {"semget", "shmget", "msgget"}


def compare(sc, tc, pids):
    """Whether truss's call tc decodes as strace's sc does; the reason if not."""
    name, sargs, sret = sc
    _, targs, tret = tc
    sa = [norm(a) for a in sargs]
    ta = [norm(a) for a in targs]
    if name in OPTIONAL_TRAILING and len(ta) == len(sa) + 1 and ta[-1] == 0:
        ta = ta[:-1]
    if len(sa) != len(ta):
        return f"{len(sa)} args vs {len(ta)}"
    for i, (a, b) in enumerate(zip(sa, ta)):
        if RANDOM_BUFFER.get(name) == i and isinstance(a, tuple) and isinstance(b, tuple) and a[0] == b[0] == "S":
            if len(a[1]) == len(b[1]) and a[2] == b[2]:
                continue
        if isinstance(a, int) and isinstance(b, int) and a in pids[0] and b in pids[1]:
            continue
        if IPC_ID_ARG.get(name) == i and isinstance(a, int) and isinstance(b, int):
            continue
        if not same(a, b):
            return f"arg {i + 1}: {sargs[i]!r} vs {targs[i]!r}"
    if sret[0] != tret[0]:
        return f"result {sret} vs {tret}"
    if sret[0] == "err" and sret[1] != tret[1]:
        return f"errno {sret[1]} vs {tret[1]}"
    if sret[0] == "val" and name not in VOLATILE_RESULT:
        a, b = norm_scalar(sret[1]), norm_scalar(tret[1])
        if a != b and not (a == "ADDR" or b == "ADDR") and not (a in pids[0] and b in pids[1]):
            return f"value {sret[1]} vs {tret[1]}"
    return None


# ---- running ---------------------------------------------------------------


def run_pair(argv, truss, work, strsize, bpf=False):
    s_out = os.path.join(work, "s.out")
    t_out = os.path.join(work, "t.out")
    env = dict(os.environ, LC_ALL="C")
    subprocess.run(["strace", "-f", "-qq", "-s", str(strsize), "-o", s_out, "--"] + argv,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=work)
    subprocess.run([truss, "truss"] + (["--bpf"] if bpf else []) + ["-f", "-a", "-s", str(strsize), "-o", t_out] + argv,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=work)
    s = parse_strace(open(s_out, errors="surrogateescape").read())
    t = parse_truss(open(t_out, errors="surrogateescape").read())
    # strace shows the command's own execve; truss starts after it.
    first = next(iter(s), None)
    if first is not None and s[first] and s[first][0][0] == "execve":
        s[first] = s[first][1:]
    return s, t


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", default="full", choices=["zoo", "small", "full", "i386"])
    ap.add_argument("--min", type=float, default=None)
    ap.add_argument("--top", type=int, default=20)
    ap.add_argument("--show-mismatches", type=int, default=0, metavar="N")
    ap.add_argument("--only", default=None, help="report mismatches of this syscall only")
    ap.add_argument("--truss", default=os.path.join(ROOT, "target", "release", "bsdtrace"))
    ap.add_argument("-s", "--strsize", type=int, default=32)
    ap.add_argument("--bpf", action="store_true", help="run truss --bpf")
    a = ap.parse_args()
    errno_names()
    a.truss = os.path.abspath(a.truss)
    if not os.path.exists(a.truss):
        sys.exit(f"{a.truss}: not built (cargo build --release -p bsdtrace-cli)")
    stats = collections.defaultdict(lambda: [0, 0])  # name -> [aligned, matched]
    reasons = collections.defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="truss-vs-strace-") as work:
        for argv in programs(a.set, work):
            s, t = run_pair(argv, a.truss, work, a.strsize, a.bpf)
            spids = set(s.keys())
            tpids = set(t.keys())
            for sp, tp in zip(s.keys(), t.keys()):
                sc, tc = s[sp], t[tp]
                sm = difflib.SequenceMatcher(a=[c[0] for c in sc], b=[c[0] for c in tc], autojunk=False)
                for blk in sm.get_matching_blocks():
                    for k in range(blk.size):
                        x, y = sc[blk.a + k], tc[blk.b + k]
                        why = compare(x, y, (spids, tpids))
                        st = stats[x[0]]
                        st[0] += 1
                        if why is None:
                            st[1] += 1
                        else:
                            reasons[x[0]].append((" ".join(argv)[:40], why))
    order = sorted(stats.items(), key=lambda kv: -kv[1][0])
    top = order[: a.top]
    top_names = {name for name, _ in top}
    print(f"{'syscall':<20}{'lines':>8}{'match':>8}{'share':>9}")
    for name, (n, m) in order:
        mark = "*" if name in top_names else " "
        print(f"{mark}{name:<19}{n:>8}{m:>8}{100.0 * m / n:>8.1f}%")
    tn = sum(v[0] for _, v in top)
    tm = sum(v[1] for _, v in top)
    an = sum(v[0] for _, v in order)
    am = sum(v[1] for _, v in order)
    share = 100.0 * tm / tn if tn else 0.0
    print(f"top {len(top)} syscalls (*): {tm}/{tn} lines match, {share:.1f}%")
    print(f"all {len(order)} syscalls: {am}/{an} lines match, {100.0 * am / an if an else 0:.1f}%")
    if a.show_mismatches:
        for name, rs in sorted(reasons.items(), key=lambda kv: -len(kv[1])):
            if a.only and name != a.only:
                continue
            print(f"\n{name}: {len(rs)} mismatches")
            seen = collections.Counter(r[1] for r in rs)
            for why, k in seen.most_common(a.show_mismatches):
                print(f"  {k:>5}x {why}")
    if a.min is not None and share < a.min:
        print(f"FAIL: {share:.1f}% < {a.min}%")
        sys.exit(1)


if __name__ == "__main__":
    main()
