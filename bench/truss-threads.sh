#!/usr/bin/env bash
# truss on multithreaded programs, against strace, in one run, alternating.
#
#   bench/truss-threads.sh [RUNS]     (default 5)
#
# Workload: bench/threads_getppid.c: N threads (1, 8, 64, 512) making 100k
# getppid() calls between them. Tools: untraced; strace -f -o /dev/null;
# bsdtrace truss -f -o /dev/null (per-LWP stops, the default); the same
# with BSDTRACE_TRUSS_STOP=process (FreeBSD's whole-process stop at every
# event, for comparison). Pinned to CPU 0 and unpinned. Every round runs
# every cell once; medians (min-max) and ratios of medians replace the
# "## truss on threads" section of docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
command -v strace >/dev/null || { echo "strace is needed" >&2; exit 1; }
cargo build --release --quiet -p bsdtrace-cli
TRUSS=$PWD/target/release/bsdtrace
mkdir -p bench/out
cc -O2 -pthread -o bench/out/threads_getppid bench/threads_getppid.c
OUT=bench/out/truss-threads.tsv
printf 'placement\tthreads\ttool\trun\tms\n' >"$OUT"
tool() {
    case $1 in
        untraced) echo "" ;;
        strace) echo "strace -f -o /dev/null" ;;
        truss) echo "$TRUSS truss -f -o /dev/null" ;;
        truss-process) echo "env BSDTRACE_TRUSS_STOP=process $TRUSS truss -f -o /dev/null" ;;
    esac
}
for ((r = 1; r <= RUNS; r++)); do
    for p in pinned unpinned; do
        pre=""
        [ "$p" = pinned ] && pre="taskset -c 0"
        for n in 1 8 64 512; do
            for t in untraced strace truss truss-process; do
                t0=$EPOCHREALTIME
                $pre $(tool $t) bench/out/threads_getppid "$n" 100000 >/dev/null 2>&1 || true
                t1=$EPOCHREALTIME
                ms=$(( (${t1/./} - ${t0/./}) / 1000 ))
                printf '%s\t%s\t%s\t%d\t%s\n' "$p" "$n" "$t" "$r" "$ms" >>"$OUT"
                printf 'round %d/%d %-8s %4s threads %-14s %6s ms\n' "$r" "$RUNS" "$p" "$n" "$t" "$ms" >&2
            done
        done
    done
done
CMDLINE="bench/truss-threads.sh $RUNS" python3 - "$OUT" docs/BENCHMARKS.md <<'PY'
import os, sys, statistics, subprocess, datetime, re
tsv, doc = sys.argv[1], sys.argv[2]
cells = {}
for p, n, t, r, ms in [l.rstrip("\n").split("\t") for l in open(tsv)][1:]:
    cells.setdefault((p, n, t), []).append(int(ms))
med = lambda p, n, t: statistics.median(cells[(p, n, t)])
fmt = lambda p, n, t: f"{med(p, n, t):,.0f} ms ({min(cells[(p, n, t)]):,}–{max(cells[(p, n, t)]):,})"
sh = lambda c: subprocess.run(c, shell=True, capture_output=True, text=True).stdout.strip()
N = ["1", "8", "64", "512"]
label = {"untraced": "untraced", "strace": "`strace -f -o /dev/null`",
         "truss": "`bsdtrace truss -f -o /dev/null` (per-LWP stops)",
         "truss-process": "the same, `BSDTRACE_TRUSS_STOP=process` (whole-process stops)"}
runs = len(cells[("pinned", "1", "strace")])
out = ["## truss on threads", "",
       f"Produced by `{os.environ['CMDLINE']}` on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC "
       f"(commit {sh('git rev-parse --short HEAD')}), {os.cpu_count()} vCPU, {sh('strace -V | head -1')}. "
       f"100k getppid() calls spread over N threads (`bench/out/threads_getppid N 100000`); {runs} alternating rounds, "
       "median (min–max) wall time, ratios of medians. A shared, noisy KVM guest: compare ratios of the same run only.", ""]
for p in ["pinned", "unpinned"]:
    out += [f"### {'pinned to CPU 0' if p == 'pinned' else 'unpinned'}", "",
            "| tool | " + " | ".join(f"{n} thread{'s' if n != '1' else ''}" for n in N) + " |",
            "| --- |" + " --- |" * len(N)]
    for t in ["untraced", "strace", "truss", "truss-process"]:
        out.append(f"| {label[t]} | " + " | ".join(fmt(p, n, t) for n in N) + " |")
    out.append("| **truss / strace** | " + " | ".join(f"**{med(p, n, 'truss') / med(p, n, 'strace'):.2f}x**" for n in N) + " |")
    out.append("| truss (whole-process) / strace | " + " | ".join(f"{med(p, n, 'truss-process') / med(p, n, 'strace'):.2f}x" for n in N) + " |")
    out.append("")
text = open(doc).read()
sec = "\n".join(out) + "\n"
m = re.search(r"^## truss on threads\n.*?(?=^## |\Z)", text, re.S | re.M)
text = text[:m.start()] + sec + "\n" + text[m.end():].lstrip("\n") if m else text.rstrip("\n") + "\n\n" + sec
open(doc, "w").write(text)
print(sec)
PY
