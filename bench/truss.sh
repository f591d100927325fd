#!/usr/bin/env bash
# Benchmark `bsdtrace truss` against strace, in one go and alternating.
#
#   bench/truss.sh [RUNS]        (default 5 rounds; FAST_REPS=5 runs of the
#                                 fast cells per round)
#   BPF_ONLY=1 [BASE=/older/bsdtrace] bench/truss.sh [RUNS]
#                                (only the full traces of getppid, dd and
#                                 find and the untraced runs, with BASE's
#                                 `truss --bpf` as another tool of the same
#                                 rounds: an A/B of a --bpf change; prints
#                                 its tables, docs/BENCHMARKS.md untouched)
#
# Tools: untraced / strace -f -o /dev/null / bsdtrace truss -f -o /dev/null /
# bsdtrace truss --bpf -f -o /dev/null /
# strace -f --seccomp-bpf -e trace=openat -o /dev/null /
# bsdtrace truss -f -e trace=openat -o /dev/null /
# bsdtrace truss --bpf -f -e trace=openat -o /dev/null.
# Beside: the untraced workload while another process (sleep) is traced by
# truss --bpf, full or filtered: what the attached BPF programs cost every
# other process of the machine.
# Workloads: 200k getppid() calls (a C program), dd bs=1 count=100000 from
# /dev/zero to /dev/null, find /usr -name '*.h'; and 100k getppid() calls
# spread over 8, 64 and 512 threads (bench/threads_getppid.c), strace,
# truss and truss --bpf.
# Placements: pinned to CPU 0 (taskset -c 0) and unpinned.
# Floors, pinned only: bench/raw_syscall_stop.c mode 0 (wait + PTRACE_SYSCALL,
# no request) and mode 3 (+ one PTRACE_GET_SYSCALL_INFO per stop, what truss
# asks), run as full-trace cells of the same rounds.
#
# Every round runs every (placement, workload, tool) cell once, so drift
# of this shared machine hits all cells alike; medians (and min-max) over
# the rounds, and their ratios, replace the "## truss" section of
# docs/BENCHMARKS.md. Raw times go to bench/out/truss-times.tsv.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
command -v strace >/dev/null || { echo "strace is needed" >&2; exit 1; }
command -v taskset >/dev/null || { echo "taskset is needed" >&2; exit 1; }

cargo build --release --quiet -p bsdtrace-cli
TRUSS=$PWD/target/release/bsdtrace
mkdir -p bench/out
cc -O2 -o bench/out/getppid crates/bsdtrace-cli/tests/truss_progs/getppid.c
cc -O2 -o bench/out/raw_syscall_stop bench/raw_syscall_stop.c
cc -O2 -pthread -o bench/out/threads_getppid bench/threads_getppid.c

workload() {
    case $1 in
        getppid) echo "bench/out/getppid 200000" ;;
        dd) echo "dd if=/dev/zero of=/dev/null bs=1 count=100000" ;;
        find) echo "find /usr -name *.h" ;;
        mt8) echo "bench/out/threads_getppid 8 100000" ;;
        mt64) echo "bench/out/threads_getppid 64 100000" ;;
        mt512) echo "bench/out/threads_getppid 512 100000" ;;
    esac
}
tool() {
    case $1 in
        untraced) echo "" ;;
        strace) echo "strace -f -o /dev/null" ;;
        truss) echo "$TRUSS truss -f -o /dev/null" ;;
        strace-seccomp) echo "strace -f --seccomp-bpf -e trace=openat -o /dev/null" ;;
        truss-filter) echo "$TRUSS truss -f -e trace=openat -o /dev/null" ;;
        truss-bpf) echo "$TRUSS truss --bpf -f -o /dev/null" ;;
        truss-bpf-base) echo "$BASE truss --bpf -f -o /dev/null" ;;
        truss-bpf-filter) echo "$TRUSS truss --bpf -f -e trace=openat -o /dev/null" ;;
        beside-bpf | beside-bpf-filter) echo "" ;;
        raw0) echo "bench/out/raw_syscall_stop 0" ;;
        raw3) echo "bench/out/raw_syscall_stop 3" ;;
    esac
}
PLACEMENTS=(pinned unpinned)
WORKLOADS=(getppid dd find)
MT_WORKLOADS=(mt8 mt64 mt512)

# One timed run in ms; globbing is off so find's pattern reaches find.
# beside-*: a traced `sleep` runs meanwhile (started before the clock).
run_ms() {
    local placement=$1 wl=$2 tl=$3 pre="" bg=""
    [ "$placement" = pinned ] && pre="taskset -c 0"
    local cmd="$pre $(tool "$tl") $(workload "$wl")"
    case $tl in
        beside-bpf) $TRUSS truss --bpf -f -o /dev/null sleep 60 & bg=$! ;;
        beside-bpf-filter) $TRUSS truss --bpf -f -e trace=openat -o /dev/null sleep 60 & bg=$! ;;
    esac
    # Attached once its sleep runs.
    if [ -n "$bg" ]; then
        for _ in $(seq 100); do pgrep -P "$bg" -x sleep >/dev/null && break; sleep 0.01; done
    fi
    set -f
    local t0=$EPOCHREALTIME
    $cmd >/dev/null 2>&1 || true
    local t1=$EPOCHREALTIME
    set +f
    if [ -n "$bg" ]; then
        pkill -P "$bg" -x sleep || true
        wait "$bg" 2>/dev/null || true
    fi
    echo "$(( (${t1/./} - ${t0/./}) / 1000 ))"
}

OUT=bench/out/truss-times.tsv
printf 'placement\tworkload\ttool\trun\tms\n' >"$OUT"
# A warm-up round (page cache for find, binaries), not recorded.
for wl in "${WORKLOADS[@]}"; do run_ms pinned "$wl" untraced >/dev/null; done
# The fast cells (tens of ms) are noisier than the full traces (seconds):
# each round runs them FAST_REPS times, still alternating.
FAST_REPS=${FAST_REPS:-5}
record() {
    local ms
    ms=$(run_ms "$1" "$2" "$3")
    printf '%s\t%s\t%s\t%d\t%s\n' "$1" "$2" "$3" "$r" "$ms" >>"$OUT"
    printf 'round %d/%d  %-8s %-7s %-14s %6s ms\n' "$r" "$RUNS" "$1" "$2" "$3" "$ms" >&2
}
BPF_ONLY=${BPF_ONLY:-}
BASE=${BASE:-}
FULL=(strace truss truss-bpf)
[ -n "$BASE" ] && FULL+=(truss-bpf-base)
for ((r = 1; r <= RUNS; r++)); do
    for p in "${PLACEMENTS[@]}"; do
        for wl in "${WORKLOADS[@]}"; do
            # With BASE, the two --bpf builds swap places every other
            # round: the cell right after ptrace truss runs slower.
            order=("${FULL[@]}")
            [ -n "$BASE" ] && ((r % 2 == 0)) && order=(strace truss truss-bpf-base truss-bpf)
            for tl in "${order[@]}"; do record "$p" "$wl" "$tl"; done
            if [ -n "$BPF_ONLY" ]; then
                for ((k = 0; k < FAST_REPS; k++)); do record "$p" "$wl" untraced; done
                continue
            fi
            if [ "$p" = pinned ]; then
                for tl in raw0 raw3; do record "$p" "$wl" "$tl"; done
            fi
            for ((k = 0; k < FAST_REPS; k++)); do
                for tl in untraced strace-seccomp truss-filter truss-bpf-filter beside-bpf beside-bpf-filter; do
                    record "$p" "$wl" "$tl"
                done
            done
        done
        # ptrace truss traces each thread alone (per-LWP stops); see also
        # bench/truss-threads.sh for the whole-process stop beside it.
        [ -n "$BPF_ONLY" ] && continue
        for wl in "${MT_WORKLOADS[@]}"; do
            for tl in strace truss truss-bpf; do record "$p" "$wl" "$tl"; done
        done
    done
done

CMDLINE="${BPF_ONLY:+BPF_ONLY=1 }${BASE:+BASE=$BASE }bench/truss.sh $RUNS" BPF_ONLY="$BPF_ONLY" python3 - "$OUT" docs/BENCHMARKS.md <<'PY'
import os, sys, statistics, subprocess, datetime, platform, re
tsv, doc = sys.argv[1], sys.argv[2]
rows = [l.rstrip("\n").split("\t") for l in open(tsv)][1:]
cells = {}
for p, w, t, r, ms in rows:
    cells.setdefault((p, w, t), []).append(int(ms))
def med(p, w, t): return statistics.median(cells[(p, w, t)])
def fmt(p, w, t):
    v = cells[(p, w, t)]
    return f"{statistics.median(v):,.0f} ms ({min(v):,}–{max(v):,})"
W = ["getppid", "dd", "find"]
MW = ["mt8", "mt64", "mt512"]
T = ["untraced", "strace", "truss", "truss-bpf", "truss-bpf-base", "strace-seccomp", "truss-filter", "truss-bpf-filter",
     "beside-bpf", "beside-bpf-filter", "raw0", "raw3"]
label = {"raw0": "raw floor: wait + PTRACE_SYSCALL (`raw_syscall_stop 0`)",
         "raw3": "raw floor + PTRACE_GET_SYSCALL_INFO per stop (`raw_syscall_stop 3`)","untraced": "untraced", "strace": "`strace -f -o /dev/null`", "truss": "`bsdtrace truss -f -o /dev/null`",
         "strace-seccomp": "`strace -f --seccomp-bpf -e trace=openat -o /dev/null`",
         "truss-filter": "`bsdtrace truss -f -e trace=openat -o /dev/null`",
         "truss-bpf": "`bsdtrace truss --bpf -f -o /dev/null`",
         "truss-bpf-base": "the same, BASE's build",
         "truss-bpf-filter": "`bsdtrace truss --bpf -f -e trace=openat -o /dev/null`",
         "beside-bpf": "untraced, beside `truss --bpf -f sleep` (full trace attached)",
         "beside-bpf-filter": "untraced, beside `truss --bpf -f -e trace=openat sleep`"}
wl = {"getppid": "getppid ×200k", "dd": "dd bs=1 count=100000", "find": "find /usr -name '*.h'",
      "mt8": "8 threads", "mt64": "64 threads", "mt512": "512 threads"}
cpu = "unknown"
for l in open("/proc/cpuinfo"):
    if l.startswith("model name"): cpu = l.split(":", 1)[1].strip(); break
def sh(c):
    try: return subprocess.run(c, shell=True, capture_output=True, text=True).stdout.strip()
    except Exception: return "?"
runs = len(cells[("pinned", "getppid", "strace")])
fast = len(cells[("pinned", "getppid", "untraced")])
out = ["## truss", "",
       f"Produced by `{os.environ['CMDLINE']}` on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC "
       f"(commit {sh('git rev-parse --short HEAD')}).",
       f"Machine: {os.cpu_count()} vCPU {cpu}, kernel {platform.release()}, {sh('strace -V | head -1')}. "
       "A shared, noisy KVM guest: compare ratios from the same run only.",
       f"Each round runs every cell (alternating tools, workloads and placements): {runs} runs of each full trace, "
       f"{fast} of each fast cell (untraced, filtered); median (min–max) wall time per cell, ratios of medians. "
       "Release build.", ""]
for p in ["pinned", "unpinned"]:
    out.append(f"### {'pinned to CPU 0 (`taskset -c 0`)' if p == 'pinned' else 'unpinned (scheduler’s choice)'}")
    out.append("")
    out.append("| tool | " + " | ".join(wl[w] for w in W) + " |")
    out.append("| --- | " + " | ".join("---" for _ in W) + " |")
    for t in T:
        if (p, W[0], t) not in cells:
            continue
        out.append(f"| {label[t]} | " + " | ".join(fmt(p, w, t) for w in W) + " |")
    out.append("")
    out.append("| ratio | " + " | ".join(wl[w] for w in W) + " | target |")
    out.append("| --- | " + " | ".join("---" for _ in W) + " | --- |")
    def ratio_row(name, a, b, target):
        if (p, W[0], a) not in cells or (p, W[0], b) not in cells:
            return
        out.append(f"| {name} | " + " | ".join(f"{med(p, w, a) / med(p, w, b):.2f}x" for w in W) + f" | {target} |")
    ratio_row("truss / strace (full trace)", "truss", "strace", "≤ 0.8x")
    ratio_row("truss filtered / untraced", "truss-filter", "untraced", "≤ 1.05x (getppid, dd)")
    ratio_row("strace seccomp / untraced", "strace-seccomp", "untraced", "–")
    ratio_row("truss filtered / strace seccomp", "truss-filter", "strace-seccomp", "–")
    ratio_row("strace / untraced", "strace", "untraced", "–")
    ratio_row("truss / untraced", "truss", "untraced", "–")
    ratio_row("truss --bpf / strace (full trace)", "truss-bpf", "strace", "≤ 0.10x")
    ratio_row("BASE's truss --bpf / strace (full trace)", "truss-bpf-base", "strace", "≤ 0.10x")
    ratio_row("truss --bpf / BASE's truss --bpf", "truss-bpf", "truss-bpf-base", "–")
    ratio_row("truss --bpf / untraced (full trace)", "truss-bpf", "untraced", "–")
    ratio_row("truss --bpf filtered / untraced", "truss-bpf-filter", "untraced", "≤ 1.05x (getppid, dd)")
    ratio_row("untraced beside a full --bpf trace / untraced", "beside-bpf", "untraced", "–")
    ratio_row("untraced beside a filtered --bpf trace / untraced", "beside-bpf-filter", "untraced", "–")
    if (p, W[0], "raw0") in cells:
        ratio_row("raw floor / strace", "raw0", "strace", "–")
        ratio_row("raw floor + GET_SYSCALL_INFO / strace", "raw3", "strace", "–")
        ratio_row("truss / (raw floor + GET_SYSCALL_INFO)", "truss", "raw3", "–")
    out.append("")
    if (p, MW[0], "strace") not in cells:
        continue
    out.append("100k getppid() calls over N threads (`bench/out/threads_getppid N 100000`), full traces:")
    out.append("")
    out.append("| tool | " + " | ".join(wl[w] for w in MW) + " |")
    out.append("| --- | " + " | ".join("---" for _ in MW) + " |")
    for t in ["strace", "truss", "truss-bpf"]:
        out.append(f"| {label[t]} | " + " | ".join(fmt(p, w, t) for w in MW) + " |")
    out.append(f"| truss / strace (target ≤ 1.0x) | " + " | ".join(f"{med(p, w, 'truss') / med(p, w, 'strace'):.2f}x" for w in MW) + " |")
    out.append(f"| truss --bpf / strace (target ≤ 0.10x) | " + " | ".join(f"{med(p, w, 'truss-bpf') / med(p, w, 'strace'):.2f}x" for w in MW) + " |")
    out.append("")
section = "\n".join(out) + "\n"
if os.environ.get("BPF_ONLY"):
    print(section)
    sys.exit(0)
text = open(doc).read() if os.path.exists(doc) else "# Benchmarks\n\nRatios measured on the development machine; see each section for the exact command.\n\n"
m = re.search(r"^## truss\n.*?(?=^## |\Z)", text, flags=re.S | re.M)
if m:
    text = text[:m.start()] + section + ("\n" if text[m.end():] else "") + text[m.end():]
else:
    text = text.rstrip("\n") + "\n\n" + section
open(doc, "w").write(text)
print(section)
PY
