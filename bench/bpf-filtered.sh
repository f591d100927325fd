#!/usr/bin/env bash
# What a filtered `truss --bpf -e trace=openat` costs, by the way it hooks
# syscalls where the kernel refuses fentry (this machine: lockdown), in one
# go and alternating, pinned to CPU 0:
#
#   bench/bpf-filtered.sh [RUNS]      (default 7)
#
# Workload: 2M getppid() calls (none of them traced). Cells: untraced;
# under an allow-everything seccomp filter (bench/seccomp_floor.c: the
# kernel's slow syscall path, the floor of any per-call hook); traced by
# `truss --bpf -f -e trace=openat` on the chosen syscalls' own tracepoints
# (syscalls/sys_enter_openat, the default since 2026-12-07) and on the
# raw_syscalls tracepoints (BSDTRACE_BPF_TRACEPOINTS=1, the way before);
# and untraced while *another* process (sleep) is traced each way: what
# the hooks cost every other program of the machine. Prints medians
# (min-max) and ratios to untraced.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-7}
cargo build --release --quiet -p bsdtrace-cli
T=$PWD/target/release/bsdtrace
mkdir -p bench/out
cc -O2 -o bench/out/getppid crates/bsdtrace-cli/tests/truss_progs/getppid.c
cc -O2 -o bench/out/seccomp_floor bench/seccomp_floor.c
W="bench/out/getppid 2000000"
ms() { local a b; a=$(date +%s%N); "$@" >/dev/null 2>&1; b=$(date +%s%N); echo $(( (b - a) / 1000 )); }
beside() { # $1: env prefix ("" or BSDTRACE_BPF_TRACEPOINTS=1)
    env $1 "$T" truss --bpf -f -e trace=openat -o /dev/null sleep 30 >/dev/null 2>&1 &
    local tp=$!; sleep 0.5
    ms taskset -c 0 $W
    kill -INT $tp 2>/dev/null; wait $tp 2>/dev/null || true
}
declare -A C
for r in $(seq "$RUNS"); do
    C[untraced]+="$(ms taskset -c 0 $W) "
    C[seccomp]+="$(ms taskset -c 0 bench/out/seccomp_floor $W) "
    C[events]+="$(ms taskset -c 0 "$T" truss --bpf -f -e trace=openat -o /dev/null $W) "
    C[raw]+="$(ms env BSDTRACE_BPF_TRACEPOINTS=1 taskset -c 0 "$T" truss --bpf -f -e trace=openat -o /dev/null $W) "
    # The same with one call: truss's start (loading and verifying the
    # programs), subtracted from the traced cells.
    C[events0]+="$(ms taskset -c 0 "$T" truss --bpf -f -e trace=openat -o /dev/null bench/out/getppid 1) "
    C[raw0]+="$(ms env BSDTRACE_BPF_TRACEPOINTS=1 taskset -c 0 "$T" truss --bpf -f -e trace=openat -o /dev/null bench/out/getppid 1) "
    C[beside_events]+="$(beside "") "
    C[beside_raw]+="$(beside BSDTRACE_BPF_TRACEPOINTS=1) "
done
python3 - "$RUNS" <<PY
import statistics, sys
c = {k: [int(x) for x in v.split()] for k, v in [$(for k in "${!C[@]}"; do printf '("%s", "%s"),' "$k" "${C[$k]}"; done)]}
u = statistics.median(c["untraced"])
names = [("untraced", "untraced getppid x2M"), ("seccomp", "under an allow-all seccomp filter (slow-path floor)"),
         ("events", "truss --bpf -e trace=openat, per-syscall tracepoints"), ("raw", "truss --bpf -e trace=openat, raw_syscalls tracepoints"),
         ("beside_events", "untraced, beside a per-syscall-tracepoint trace"), ("beside_raw", "untraced, beside a raw_syscalls trace")]
print("| cell | µs median (min-max) | / untraced |\n|---|---|---|")
for k, n in names:
    v = c[k]
    print(f"| {n} | {statistics.median(v):,.0f} ({min(v):,}-{max(v):,}) | {statistics.median(v)/u:.2f}x |")
for k, n in [("events", "per-syscall tracepoints"), ("raw", "raw_syscalls tracepoints")]:
    s0 = statistics.median(c[k + "0"])
    print(f"| traced, minus truss's start ({s0:,.0f} µs), {n} | {statistics.median(c[k]) - s0:,.0f} | {(statistics.median(c[k]) - s0)/u:.2f}x |")
PY
