#!/usr/bin/env python3
"""GNU gdbserver and `bsdtrace gdbserver` side by side on one program
whose threads sleep in many kinds of calls, interrupted and continued
again and again through the remote protocol (what gdb sends for Ctrl-C /
`interrupt` and `continue`, in all-stop and in non-stop mode).

    bench/gdbserver-interrupts.py [ROUNDS]      (default 20)

The program is the test suite's `busy sleepers 300` (crates/bsdtrace/
tests/tracees/busy.c): ten threads, each in a loop of one call with a
300 ms timeout (epoll_wait, epoll_pwait, sigtimedwait, semtimedop, recv
with SO_RCVTIMEO, io_getevents, nanosleep, poll, futex) or an untimed
read, one thread reading stdin, the main thread in getppid/usleep. When
its stdin closes it prints, per call kind, how many calls returned, how
many failed with EINTR (a debugger's stop seen by the program), and how
many came back early or more than 20 ms late.

Per server and mode: ROUNDS times, run 100-250 ms, interrupt, count the
threads reported stopped, continue. All-stop: `vCont;c`, `\\x03`, one
stop reply. Non-stop: `vCont;c`, `vCont;t` (every thread), the `%Stop`
notifications and `vStopped` replies until every thread is reported (or
5 s pass: a lost stop). Then the program's own statistics.

Results (with this command) go to stdout as Markdown, for
docs/gdbserver.md. The machine is shared: timings are not the point,
counts are.
"""
import os
import random
import select
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 20


def build():
    out = os.environ.get("BUSY_OUT", "/tmp/bsdtrace-bench-busy")
    src = os.path.join(ROOT, "crates/bsdtrace/tests/tracees/busy.c")
    subprocess.check_call(["cc", "-O2", "-pthread", "-o", out, src])
    if "BSDTRACE" not in os.environ:
        subprocess.check_call(["cargo", "build", "--release", "--quiet", "-p", "bsdtrace-cli"], cwd=ROOT)
    return out


class Rsp:
    def __init__(self, port):
        for _ in range(100):
            try:
                self.s = socket.create_connection(("127.0.0.1", port))
                break
            except OSError:
                time.sleep(0.05)
        self.buf = b""
        self.notes = []
        self.noack = False

    def send(self, body):
        if isinstance(body, str):
            body = body.encode()
        self.s.sendall(b"$" + body + b"#%02x" % (sum(body) & 0xFF))

    def _more(self, deadline):
        left = deadline - time.time()
        if left <= 0:
            return False
        r, _, _ = select.select([self.s], [], [], left)
        if not r:
            return False
        b = self.s.recv(65536)
        if not b:
            raise EOFError("server closed")
        self.buf += b
        return True

    def _take(self):
        # Strip acks, collect notifications; return a packet body or None.
        while True:
            self.buf = self.buf.lstrip(b"+")
            if not self.buf:
                return None
            c = self.buf[:1]
            if c not in (b"$", b"%"):
                self.buf = self.buf[1:]
                continue
            h = self.buf.find(b"#")
            if h < 0 or len(self.buf) < h + 3:
                return None
            body = self.buf[1:h]
            self.buf = self.buf[h + 3:]
            if c == b"%":
                self.notes.append(body.decode(errors="replace"))
                continue
            if not self.noack:
                self.s.sendall(b"+")
            return body.decode(errors="replace")

    def recv(self, secs=30):
        deadline = time.time() + secs
        while True:
            p = self._take()
            if p is not None:
                return p
            if not self._more(deadline):
                return None

    def note(self, secs):
        deadline = time.time() + secs
        while True:
            self._take()
            if self.notes:
                return self.notes.pop(0)
            if not self._more(deadline):
                return None

    def ask(self, body, secs=30):
        self.send(body)
        return self.recv(secs)


def run(server, prog, nonstop):
    port = random.randint(20000, 60000)
    argv = server + [f"127.0.0.1:{port}", prog, "sleepers", "300"]
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    r = Rsp(port)
    r.ask("qSupported:multiprocess+;swbreak+;hwbreak+;vContSupported+")
    r.ask("QStartNoAckMode")
    r.noack = True
    r.ask("?")
    stops, lost, rounds = [], 0, 0
    if nonstop:
        assert r.ask("QNonStop:1") == "OK"
        q = r.ask("?")
        while q and q != "OK":
            q = r.ask("vStopped")
    for i in range(ROUNDS):
        if nonstop:
            assert r.ask("vCont;c") == "OK"
        else:
            r.send("vCont;c")
        time.sleep(random.uniform(0.1, 0.25))
        if nonstop:
            r.ask("vCont;t")
            n, want = 0, None
            while True:
                note = r.note(5)
                if note is None:
                    break
                n += 1
                while True:
                    s = r.ask("vStopped")
                    if s == "OK" or s is None:
                        break
                    n += 1
                if want is None:
                    lst = r.ask("qfThreadInfo") or ""
                    want = lst.count(",") + 1 if lst.startswith("m") else 0
                    while True:
                        more = r.ask("qsThreadInfo")
                        if not more or not more.startswith("m"):
                            break
                        want += more.count(",") + 1
                if n >= want:
                    break
            if want is not None and n < want:
                lost += want - n
            stops.append(n)
        else:
            r.s.sendall(b"\x03")
            s = r.recv(10)
            stops.append(1 if s and s[0] == "T" else 0)
            if not s or s[0] != "T":
                lost += 1
        rounds += 1
    # Let the program finish: every thread runs, stdin closes.
    if nonstop:
        r.ask("vCont;c")
    else:
        r.send("vCont;c")
    time.sleep(0.4)
    try:
        out, _ = p.communicate(input=b"", timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
    stats = {}
    for line in out.decode(errors="replace").splitlines():
        f = line.split()
        # call calls eintr early late max_late_ms, then key=value fields
        if len(f) >= 6 and all(x.isdigit() for x in f[1:6]):
            stats[f[0]] = [int(x) for x in f[1:6]]
    try:
        r.s.close()
    except OSError:
        pass
    return rounds, lost, stats


def main():
    prog = build()
    # BSDTRACE: our binary (default: a release build made here); ONLY=ours
    # skips GNU gdbserver (the test suite's use: tests/gdbserver_nonstop.rs).
    ours = [os.environ.get("BSDTRACE", os.path.join(ROOT, "target/release/bsdtrace")), "gdbserver"]
    gnu = ["gdbserver"]
    only = os.environ.get("ONLY")
    if only != "ours":
        print(f"Command: `bench/gdbserver-interrupts.py {ROUNDS}` (GNU gdbserver "
              f"{subprocess.run(['gdbserver', '--version'], capture_output=True, text=True).stdout.split()[3]}, "
              "shared 2-CPU machine).\n")
    results = {}
    for mode in ("all-stop", "non-stop"):
        for name, srv in (("GNU", gnu), ("ours", ours)):
            if only and name != only:
                results[(mode, name)] = (0, 0, {})
                continue
            results[(mode, name)] = run(srv, prog, mode == "non-stop")
    kinds = ["epoll_wait", "epoll_pwait", "sigtimedwait", "semtimedop", "recv_timeo", "io_getevents",
             "nanosleep", "poll", "futex", "read"]
    for mode in ("all-stop", "non-stop"):
        print(f"{mode}, {ROUNDS} interrupts:\n")
        print("| call | GNU: calls / EINTR / late (max) | ours: calls / EINTR / late (max) |")
        print("|---|---|---|")
        for k in kinds:
            cells = []
            for name in ("GNU", "ours"):
                st = results[(mode, name)][2].get(k)
                cells.append(f"{st[0]} / {st[1]} / {st[3]} ({st[4]} ms)" if st else "no statistics")
            print(f"| {k} | {cells[0]} | {cells[1]} |")
        for name in ("GNU", "ours"):
            rounds, lost, _ = results[(mode, name)]
            print(f"\n{name}: {rounds} interrupts, {lost} thread stops never reported", end="")
        print("\n")


if __name__ == "__main__":
    main()
