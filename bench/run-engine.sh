#!/usr/bin/env bash
# Engine benchmarks: bsdtrace vs hand-written raw ptrace, same run, as ratios.
#
#   bench/run-engine.sh            # build, run, update the "## Engine" section of docs/BENCHMARKS.md
#   RUNS_PINNED=7 RUNS_UNPINNED=7 UNPINNED_SCALE=0.4 bench/run-engine.sh   # the defaults
#   NO_REPORT=1 bench/run-engine.sh   # run only; results stay in bench/out/
#
# Each run is one process doing every benchmark (raw and bsdtrace alternately).
# Pinned runs put tracer and tracee on CPU $BENCH_CPU (default 0; taskset; children inherit
# it): on the 2-vCPU VM a cross-CPU hand-off costs ~9x a same-CPU one
# (perf-baselines section 0), so pinned numbers are the headline. Unpinned
# runs show what the scheduler's placement gives, with stop-heavy sizes
# scaled by UNPINNED_SCALE to keep a full run under ~10 minutes.
# Needs root (ptrace of own children works unprivileged, but vm.max_map_count
# may have to be raised for the 60k-entry map case).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
RUNS_PINNED=${RUNS_PINNED:-7}
RUNS_UNPINNED=${RUNS_UNPINNED:-7}
UNPINNED_SCALE=${UNPINNED_SCALE:-0.4}
RUN_TIMEOUT=${RUN_TIMEOUT:-300}
BENCH_CPU=${BENCH_CPU:-0}
CMDLINE="bench/run-engine.sh${*:+ $*} (RUNS_PINNED=$RUNS_PINNED RUNS_UNPINNED=$RUNS_UNPINNED UNPINNED_SCALE=$UNPINNED_SCALE BENCH_CPU=$BENCH_CPU)"

cargo build --release --quiet --manifest-path bench/engine/Cargo.toml
BIN=bench/engine/target/release/bsdtrace-bench

# The 60k-entry case needs ~60,030 mappings in one process.
NEED_MAPS=61000
OLD_MAPS=$(cat /proc/sys/vm/max_map_count)
if [ "$OLD_MAPS" -lt "$NEED_MAPS" ]; then
    echo "raising vm.max_map_count $OLD_MAPS -> 262144 for the run" >&2
    echo 262144 > /proc/sys/vm/max_map_count
    trap 'echo "$OLD_MAPS" > /proc/sys/vm/max_map_count' EXIT
fi

# How busy the machine is before we start (other sessions may be running
# their own benchmarks): % busy per CPU over 2 s, and the load average.
cpu_busy() {
    local a b
    a=$(grep '^cpu[0-9]' /proc/stat); sleep 2; b=$(grep '^cpu[0-9]' /proc/stat)
    paste <(echo "$a") <(echo "$b") | awk '{n=NF/2; b1=$2+$3+$4+$7+$8; t1=b1+$5+$6; b2=$(n+2)+$(n+3)+$(n+4)+$(n+7)+$(n+8); t2=b2+$(n+5)+$(n+6); printf "%s%s %.0f%%", sep, $1, 100*(b2-b1)/(t2-t1); sep=", "}'
}
BUSY_BEFORE=$(cpu_busy)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

mkdir -p bench/out
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RES=bench/out/engine-$STAMP.txt
: > "$RES"
FAILED=0
START=$(date +%s)

run() { # placement run-number [taskset...]
    local pl=$1 n=$2
    shift 2
    local t0=$(date +%s.%N)
    if ! timeout -s KILL "$RUN_TIMEOUT" "$@" >> "$RES"; then
        echo "run $pl $n FAILED or timed out" >&2
        echo "# run $pl $n failed" >> "$RES"
        FAILED=$((FAILED + 1))
    fi
    printf '%s run %s: %.1f s\n' "$pl" "$n" "$(echo "$(date +%s.%N) - $t0" | bc)" >&2
}

for i in $(seq 1 "$RUNS_PINNED"); do
    run pinned "$i" taskset -c "$BENCH_CPU" "$BIN" all --tag pinned "$i"
done
for i in $(seq 1 "$RUNS_UNPINNED"); do
    run unpinned "$i" "$BIN" all --scale "$UNPINNED_SCALE" --tag unpinned "$i"
done
ELAPSED=$(( $(date +%s) - START ))
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
echo "results: $RES (${ELAPSED} s)" >&2

[ -n "${NO_REPORT:-}" ] && exit 0

CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
FAM=$(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | tr -d ' ')
MOD=$(grep -m1 '^model' /proc/cpuinfo | grep -v name | cut -d: -f2 | tr -d ' ')
MEM=$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)
VIRT=$(systemd-detect-virt 2>/dev/null || true)
HV=$(grep -qw hypervisor /proc/cpuinfo && echo "hypervisor guest" || echo "bare metal")
NOTES="Date: $(date -u '+%Y-%m-%d %H:%M UTC'), engine at commit \`$(git rev-parse --short HEAD)\`$(git diff --quiet HEAD -- crates || echo ' (+ uncommitted changes)'); full run ${ELAPSED} s$( [ "$FAILED" -gt 0 ] && echo ", **$FAILED run(s) failed or timed out**").

Machine: $(nproc) vCPU ${CPU} (family $FAM model $MOD), $HV${VIRT:+ (systemd-detect-virt: $VIRT)}, $MEM, kernel $(uname -r), $(rustc --version | cut -d' ' -f1-2), $(cc --version | head -1), vm.max_map_count $(cat /proc/sys/vm/max_map_count). Raw results: \`$RES\` (not committed; \`bench/out/\` is ignored).

Machine load: CPUs busy before the run (2 s sample) $BUSY_BEFORE; load average before $LOAD_BEFORE, after $LOAD_AFTER. Other sessions share this VM; anything busy before the run competes with it, which is why only run-paired ratios are compared.

Sizes per pinned run (unpinned: stop-heavy sizes × $UNPINNED_SCALE): syscall 50,000 getppid per variant (200k stops incl. startup, in 5 alternating rounds), PT_IO 256 MiB read 5 times, breakpoints 20,000 hits per variant (5 rounds), all-stop 400/300/100/30 cycles at T=1/8/64/512 sleeping threads (per-cycle median; spinning threads only with \`--only allstop-spin\`, see the analysis), maps 5 enumerations per size. The tracee programs are \`crates/bsdtrace/tests/tracees/tracee.c\` (getppid, bp, threads, spinners) and \`bench/engine/tracees/bench_tracee.c\` (mem, maps), built with \`cc -O1\`."

"$BIN" report "$RES" --out docs/BENCHMARKS.md --command "$CMDLINE" --notes "$NOTES"
