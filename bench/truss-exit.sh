#!/usr/bin/env bash
# truss at the exit of a process with many threads, against strace, in one
# run, alternating.
#
#   bench/truss-exit.sh [RUNS] [BASE]    (default 5; BASE: another bsdtrace
#                                         binary to run beside, e.g. an
#                                         older build, as its own row)
#
# Workload: bench/exit_threads.c: N threads (64, 512) asleep, then exit(0)
# (exit_group: every thread dies at once and stops at its exit event).
# Tools: untraced; strace -f -o /dev/null; bsdtrace truss -f -o /dev/null.
# Unpinned. Medians (min-max) and ratios of medians replace the "## truss
# at a large process's exit" section of docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
BASE=${2:-}
command -v strace >/dev/null || { echo "strace is needed" >&2; exit 1; }
cargo build --release --quiet -p bsdtrace-cli
TRUSS=$PWD/target/release/bsdtrace
mkdir -p bench/out
cc -O2 -pthread -o bench/out/exit_threads bench/exit_threads.c
OUT=bench/out/truss-exit.tsv
printf 'threads\ttool\trun\tms\n' >"$OUT"
tools="untraced strace truss"
[ -n "$BASE" ] && tools="$tools base"
tool() {
    case $1 in
        untraced) echo "" ;;
        strace) echo "strace -f -o /dev/null" ;;
        truss) echo "$TRUSS truss -f -o /dev/null" ;;
        base) echo "$BASE truss -f -o /dev/null" ;;
    esac
}
for ((r = 1; r <= RUNS; r++)); do
    for n in 64 512; do
        for t in $tools; do
            t0=$EPOCHREALTIME
            $(tool $t) bench/out/exit_threads "$n" >/dev/null 2>&1 || true
            t1=$EPOCHREALTIME
            ms=$(( (${t1/./} - ${t0/./}) / 1000 ))
            printf '%s\t%s\t%d\t%s\n' "$n" "$t" "$r" "$ms" >>"$OUT"
            printf 'round %d/%d %4s threads %-9s %6s ms\n' "$r" "$RUNS" "$n" "$t" "$ms" >&2
        done
    done
done
CMDLINE="bench/truss-exit.sh $RUNS${BASE:+ BASE}" python3 - "$OUT" docs/BENCHMARKS.md <<'PY'
import os, sys, statistics, subprocess, datetime, re
tsv, doc = sys.argv[1], sys.argv[2]
cells = {}
for n, t, r, ms in [l.rstrip("\n").split("\t") for l in open(tsv)][1:]:
    cells.setdefault((n, t), []).append(int(ms))
med = lambda n, t: statistics.median(cells[(n, t)])
fmt = lambda n, t: f"{med(n, t):,.0f} ms ({min(cells[(n, t)]):,}–{max(cells[(n, t)]):,})"
sh = lambda c: subprocess.run(c, shell=True, capture_output=True, text=True).stdout.strip()
N = ["64", "512"]
tools = ["untraced", "strace", "truss"] + (["base"] if ("64", "base") in cells else [])
label = {"untraced": "untraced", "strace": "`strace -f -o /dev/null`",
         "truss": "`bsdtrace truss -f -o /dev/null`",
         "base": "the same, the BASE build (before the change under test)"}
runs = len(cells[("64", "strace")])
out = ["## truss at a large process's exit", "",
       f"Produced by `{os.environ['CMDLINE']}` on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC "
       f"(commit {sh('git rev-parse --short HEAD')}), {os.cpu_count()} vCPU, {sh('strace -V | head -1')}, unpinned. "
       f"N threads asleep, then exit(0) (`bench/out/exit_threads N`); {runs} alternating rounds, "
       "median (min–max) wall time of the whole run (thread births included), ratios of medians.", "",
       "| tool | " + " | ".join(f"{n} threads" for n in N) + " |", "| --- |" + " --- |" * len(N)]
for t in tools:
    out.append(f"| {label[t]} | " + " | ".join(fmt(n, t) for n in N) + " |")
out.append("| **truss / strace** | " + " | ".join(f"**{med(n, 'truss') / med(n, 'strace'):.2f}x**" for n in N) + " |")
if "base" in tools:
    out.append("| BASE / strace | " + " | ".join(f"{med(n, 'base') / med(n, 'strace'):.2f}x" for n in N) + " |")
out.append("")
text = open(doc).read()
sec = "\n".join(out) + "\n"
m = re.search(r"^## truss at a large process's exit\n.*?(?=^## |\Z)", text, re.S | re.M)
text = text[:m.start()] + sec + "\n" + text[m.end():].lstrip("\n") if m else text.rstrip("\n") + "\n\n" + sec
open(doc, "w").write(text)
print(sec)
PY
