#!/usr/bin/env bash
# truss --bpf's start-up, tear-down and full traces against strace and
# against the floors, in one go and alternating:
#
#   bench/bpf-startup.sh [RUNS]     (default 5 rounds)
#   BASE=/path/to/older/bsdtrace bench/bpf-startup.sh   adds that build's
#                                   --bpf cells beside (A/B in one run)
#
# Cells: `true` (start-up and tear-down alone), full and filtered
# (-e trace=openat); 200k getppid() calls; 100k getppid() calls over 8, 64
# and 512 threads; pinned to CPU 0 and unpinned. Anchors in every round:
# untraced, `strace -f -o /dev/null`. Floors (bench/bpf-floor.py): the
# same workloads while two BPF programs that only return 0 sit on the
# raw_syscalls tracepoints a full trace uses, and the start-up floor (an
# empty 16 MiB ring buffer created, the two bare programs loaded and
# attached, all closed). Prints medians (min-max) and ratios of medians;
# raw times in bench/out/bpf-startup.tsv.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
command -v strace >/dev/null && command -v bpftool >/dev/null || { echo "strace and bpftool are needed" >&2; exit 1; }
cargo build --release --quiet -p bsdtrace-cli
T=$PWD/target/release/bsdtrace
mkdir -p bench/out
cc -O2 -o bench/out/getppid crates/bsdtrace-cli/tests/truss_progs/getppid.c
cc -O2 -pthread -o bench/out/threads_getppid bench/threads_getppid.c
OUT=bench/out/bpf-startup.tsv
printf 'placement\tworkload\ttool\tms\n' >"$OUT"
workload() {
    case $1 in
        true) echo "true" ;;
        getppid) echo "bench/out/getppid 200000" ;;
        mt*) echo "bench/out/threads_getppid ${1#mt} 100000" ;;
    esac
}
tool() {
    case $1 in
        untraced) echo "" ;;
        strace) echo "strace -f -o /dev/null" ;;
        bpf) echo "$T truss --bpf -f -o /dev/null" ;;
        bpf-filter) echo "$T truss --bpf -f -e trace=openat -o /dev/null" ;;
        base) echo "$BASE truss --bpf -f -o /dev/null" ;;
        base-filter) echo "$BASE truss --bpf -f -e trace=openat -o /dev/null" ;;
        floor) echo "bench/bpf-floor.py run" ;;
    esac
}
record() { # placement workload tool
    local pre="" ms
    [ "$1" = pinned ] && pre="taskset -c 0"
    if [ "$3" = floor ]; then
        # (Timed by the script itself, around the workload only.)
        ms=$(bench/bpf-floor.py run $pre $(workload "$2"))
    else
        local t0=$EPOCHREALTIME
        $pre $(tool "$3") $(workload "$2") >/dev/null 2>&1 || true
        local t1=$EPOCHREALTIME
        ms=$(( (${t1/./} - ${t0/./}) / 1000 ))
    fi
    printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$ms" >>"$OUT"
}
TOOLS=(untraced strace bpf floor)
[ -n "${BASE:-}" ] && TOOLS+=(base)
for ((r = 1; r <= RUNS; r++)); do
    echo "round $r/$RUNS" >&2
    for p in pinned unpinned; do
        for k in 1 2 3; do
            for tl in untraced strace bpf bpf-filter ${BASE:+base base-filter}; do record $p true $tl; done
        done
        for wl in getppid mt8 mt64 mt512; do
            for tl in "${TOOLS[@]}"; do record $p $wl $tl; done
        done
    done
    bench/bpf-floor.py start >>bench/out/bpf-floor-start.txt
done
python3 - "$OUT" bench/out/bpf-floor-start.txt <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])][1:]
c = {}
for p, w, t, ms in rows:
    c.setdefault((p, w, t), []).append(float(ms))
med = lambda k: statistics.median(c[k])
tools = [t for t in ["untraced", "strace", "floor", "base", "bpf", "base-filter", "bpf-filter"] if any(k[2] == t for k in c)]
for p in ["pinned", "unpinned"]:
    print(f"\n{p}")
    print("| tool | " + " | ".join(w for w in ["true", "getppid", "mt8", "mt64", "mt512"]) + " |")
    for t in tools:
        cells = []
        for w in ["true", "getppid", "mt8", "mt64", "mt512"]:
            v = c.get((p, w, t))
            cells.append(f"{med((p, w, t)):,.0f} ({min(v):,.0f}-{max(v):,.0f})" if v else "-")
        print(f"| {t} | " + " | ".join(cells) + " |")
    for t in ["bpf", "base", "floor"]:
        if any(k[2] == t for k in c):
            print(f"| {t} / strace | " + " | ".join(
                f"{med((p, w, t)) / med((p, w, 'strace')):.2f}x" if (p, w, t) in c else "-"
                for w in ["true", "getppid", "mt8", "mt64", "mt512"]) + " |")
fl = [l.split() for l in open(sys.argv[2])]
keys = fl[0][0::2]
print("\nstart-up floor (ms, median of rounds): " + ", ".join(
    f"{k} {statistics.median(float(x[2 * i + 1]) for x in fl):.2f}" for i, k in enumerate(keys)))
PY
