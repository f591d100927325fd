#!/usr/bin/env bash
# Benchmark `bsdtrace gdbserver` against GNU gdbserver with the same gdb,
# alternating in one run.
#
#   bench/gdbserver.sh [ROUNDS]      (default 5)
#
# Cells (each round runs every cell once, GNU then ours, so drift of this
# shared machine hits both alike):
#   plain  a breakpoint with `commands / silent / continue / end` hit N
#          times: gdb handles every hit (9 round trips each with both
#          servers: stop, thread list, step over the breakpoint; 7 with
#          ours started with --no-pass-signals, the "ours-np" rows).
#   cond   `break hit if i == N-1` with `set breakpoint condition-evaluation
#          target`: the server evaluates the condition at every hit and
#          gdb sees one stop.
# Each is timed at N1 and N2 hits; the rate is (N2-N1)/(t(N2)-t(N1)), so
# gdb's start-up (reading the libraries through the server) cancels out.
# Placements: pinned to CPU 0 (taskset -c 0) and unpinned. Transport:
# `target remote | SERVER - PROG` (a pipe, how gdb starts a server itself).
#
# Also counted (once, not timed): the packets gdb sends for one `next`
# over a line that calls a function and over one that does not.
#
# Medians (min-max) over the rounds and their ratios go to stdout as the
# "## gdbserver" section of docs/BENCHMARKS.md; raw times to
# bench/out/gdbserver-times.tsv.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
N1=${N1:-1000}
N2=${N2:-6000}
CN1=${CN1:-5000}
CN2=${CN2:-50000}
command -v gdbserver >/dev/null || { echo "GNU gdbserver is needed (apt install gdbserver)" >&2; exit 1; }
command -v taskset >/dev/null || { echo "taskset is needed" >&2; exit 1; }

cargo build --release --quiet -p bsdtrace-cli
OURS="$PWD/target/release/bsdtrace gdbserver"
OURS_NP="$PWD/target/release/bsdtrace gdbserver --no-pass-signals"
GNU="gdbserver"
mkdir -p bench/out
cat >bench/out/bphits.c <<'EOF'
#include <stdlib.h>
int counter;
int add(int a, int b)
{
    int s = a + b;
    return s;
}
void hit(int i)
{
    counter += i;
}
int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    int total = 0;
    for (int i = 0; i < n; i++)
        hit(i);
    total = add(total, 1);
    total += 2;
    return total == 3 ? 0 : 1;
}
EOF
cc -g -O0 -o bench/out/bphits bench/out/bphits.c
PROG=$PWD/bench/out/bphits

cat >bench/out/plain.gdb <<'EOF'
set pagination off
set confirm off
break hit
commands
silent
continue
end
continue
EOF

# One timed gdb session in ms: server $1, hits $2, script $3, placement $4.
run_ms() {
    local srv=$1 n=$2 script=$3 placement=$4 pre=""
    [ "$placement" = pinned ] && pre="taskset -c 0"
    local t0=$EPOCHREALTIME
    $pre gdb -nx -batch -ex "target remote | $srv - $PROG $n" -x "$script" "$PROG" >/dev/null 2>&1 || true
    local t1=$EPOCHREALTIME
    echo "$(( (${t1/./} - ${t0/./}) / 1000 ))"
}

cond_script() {
    cat >bench/out/cond.gdb <<EOF
set pagination off
set confirm off
set breakpoint condition-evaluation target
break hit if i == $(( $1 - 1 ))
continue
continue
EOF
    echo bench/out/cond.gdb
}

OUT=bench/out/gdbserver-times.tsv
printf 'placement\tcell\tserver\tround\thits\tms\n' >"$OUT"
for placement in pinned unpinned; do
    run_ms "$GNU" 10 bench/out/plain.gdb "$placement" >/dev/null
    run_ms "$OURS" 10 bench/out/plain.gdb "$placement" >/dev/null
done
for r in $(seq 1 "$ROUNDS"); do
    for placement in pinned unpinned; do
        for cell in plain cond; do
            names="gnu ours ours-np"
            [ $cell = cond ] && names="gnu ours"
            for name in $names; do
                srv=$GNU
                [ $name = ours ] && srv=$OURS
                [ $name = ours-np ] && srv=$OURS_NP
                if [ $cell = plain ]; then a=$N1 b=$N2; else a=$CN1 b=$CN2; fi
                for n in $a $b; do
                    if [ $cell = plain ]; then script=bench/out/plain.gdb; else script=$(cond_script "$n"); fi
                    ms=$(run_ms "$srv" "$n" "$script" "$placement")
                    printf '%s\t%s\t%s\t%d\t%d\t%d\n' "$placement" "$cell" "$name" "$r" "$n" "$ms" >>"$OUT"
                    printf 'round %d/%d %-8s %-5s %-4s %6d hits %6d ms\n' "$r" "$ROUNDS" "$placement" "$cell" "$name" "$n" "$ms" >&2
                done
            done
        done
    done
done

# Packets for `next`: over a line with a call (total = add(total, 1)) and
# one without (total += 2), from the line of the call. The program gets
# the same `_` from every server (the shell sets it to the server's own
# path) and GNU gdbserver execs it itself, as ours does (through bash,
# the environment and AT_EXECFN can differ), so its stack lies at the same
# addresses and gdb reads the same 64-byte lines of it
# (tests/gdbserver_next_packets.rs).
count_next() {
    local srv=$1 line
    line=$(grep -n 'total = add(total, 1);' bench/out/bphits.c | cut -d: -f1)
    gdb -nx -batch -ex "target remote | exec env _=/p $srv - $PROG 1" -ex "break $line" -ex continue \
        -ex 'set debug remote 1' -ex next -ex 'echo ==mark==\n' -ex next -ex 'set debug remote 0' "$PROG" 2>&1 |
        awk '/Sending packet/ { n++ } /==mark==/ { print n; n = 0 } END { print n }' | tr '\n' ' '
}
read -r gnu_call gnu_plain <<<"$(count_next "$GNU --no-startup-with-shell")"
read -r ours_call ours_plain <<<"$(count_next "$OURS")"
read -r np_call np_plain <<<"$(count_next "$OURS_NP")"

python3 - "$OUT" "$N1" "$N2" "$CN1" "$CN2" "$gnu_call" "$gnu_plain" "$ours_call" "$ours_plain" "$np_call" "$np_plain" <<'PY'
import sys, statistics, collections
out, n1, n2, cn1, cn2 = sys.argv[1], *map(int, sys.argv[2:6])
gc, gp, oc, op, nc, np_ = sys.argv[6:12]
rows = [l.rstrip('\n').split('\t') for l in open(out)][1:]
t = collections.defaultdict(dict)
for placement, cell, server, r, hits, ms in rows:
    t[(placement, cell, server, r)][int(hits)] = int(ms)
rates = collections.defaultdict(list)
for (placement, cell, server, r), d in t.items():
    a, b = (n1, n2) if cell == 'plain' else (cn1, cn2)
    if a in d and b in d and d[b] > d[a]:
        rates[(placement, cell, server)].append((b - a) * 1000.0 / (d[b] - d[a]))
ratios = collections.defaultdict(list)
for (placement, cell, server, r), d in t.items():
    if server == 'gnu':
        continue
    g = t.get((placement, cell, 'gnu', r), {})
    a, b = (n1, n2) if cell == 'plain' else (cn1, cn2)
    if all(k in d and k in g for k in (a, b)) and d[b] > d[a] and g[b] > g[a]:
        ratios[(placement, cell, server)].append((g[b] - g[a]) / (d[b] - d[a]))
def fmt(v):
    return f"{statistics.median(v):,.0f} ({min(v):,.0f}-{max(v):,.0f})"
print("| placement | cell | server | GNU gdbserver hits/s | bsdtrace gdbserver hits/s | ours / GNU, per round |")
print("| --- | --- | --- | --- | --- | --- |")
for placement in ('pinned', 'unpinned'):
    for cell in ('plain', 'cond'):
        for server in ('ours', 'ours-np'):
            g, o, q = rates[(placement, cell, 'gnu')], rates[(placement, cell, server)], ratios[(placement, cell, server)]
            if g and o and q:
                print(f"| {placement} | {cell} | {server} | {fmt(g)} | {fmt(o)} | **{statistics.median(q):.2f}x** ({min(q):.2f}-{max(q):.2f}) |")
print()
print(f"Packets gdb sends for `next` from a breakpoint over a line with a call: GNU {gc}, ours {oc}, ours-np {nc};"
      f" then over a line without: GNU {gp}, ours {op}, ours-np {np_}.")
PY
