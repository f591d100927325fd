#!/usr/bin/env python3
"""Floors for `truss --bpf` (bench/bpf-startup.sh), with bpf(2) straight
from Python, nothing else loaded:

  bench/bpf-floor.py start          the start-up floor, one line of ms:
                                    a 16 MiB ring buffer created, a
                                    1-entry array created, the two bare
                                    programs loaded, attached, detached
  bench/bpf-floor.py run CMD...     CMD run (and timed, in ms) while the
                                    bare programs are attached

The bare programs are `r0 = 0; exit` on the same tracepoints a full trace
uses (tp_btf/sys_enter, tp_btf/sys_exit): what any BPF program there costs
every syscall (the slow path, the program's call), with nothing recorded.
"""
import ctypes, os, re, struct, subprocess, sys, time

libc = ctypes.CDLL(None, use_errno=True)
SYS_BPF = 321
BPF_MAP_CREATE, BPF_PROG_LOAD, BPF_RAW_TRACEPOINT_OPEN = 0, 5, 17
BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_RINGBUF = 2, 27
BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP = 26, 23


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr, 128)
    fd = libc.syscall(SYS_BPF, cmd, buf, 128)
    if fd < 0:
        raise OSError(ctypes.get_errno(), f"bpf({cmd})")
    return fd


def btf_id(name):
    out = subprocess.run(["bpftool", "btf", "dump", "file", "/sys/kernel/btf/vmlinux"],
                         capture_output=True, text=True, check=True).stdout
    return int(re.search(rf"^\[(\d+)\] TYPEDEF '{name}'", out, re.M).group(1))


IDS = [btf_id("btf_trace_sys_enter"), btf_id("btf_trace_sys_exit")]
INSNS = bytes([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0])  # r0 = 0; exit
insns = ctypes.create_string_buffer(INSNS)
lic = ctypes.create_string_buffer(b"GPL")


def load(attach_id):
    attr = struct.pack("=IIQQIIQII16sIIIIQIIQII", BPF_PROG_TYPE_TRACING, 2,
                       ctypes.addressof(insns), ctypes.addressof(lic), 0, 0, 0, 0, 0,
                       b"bare", 0, BPF_TRACE_RAW_TP, 0, 0, 0, 0, 0, 0, 0, attach_id)
    return bpf(BPF_PROG_LOAD, attr)


def attach(prog):
    return bpf(BPF_RAW_TRACEPOINT_OPEN, struct.pack("=QI", 0, prog))


def ms(t):
    return (time.perf_counter() - t) * 1000


if sys.argv[1] == "start":
    t = time.perf_counter()
    rb = bpf(BPF_MAP_CREATE, struct.pack("=IIII", BPF_MAP_TYPE_RINGBUF, 0, 0, 16 << 20))
    ring = ms(t)
    t = time.perf_counter()
    arr = bpf(BPF_MAP_CREATE, struct.pack("=IIII", BPF_MAP_TYPE_ARRAY, 4, 8, 1))
    array = ms(t)
    t = time.perf_counter()
    progs = [load(i) for i in IDS]
    loaded = ms(t)
    t = time.perf_counter()
    links = [attach(p) for p in progs]
    attached = ms(t)
    t = time.perf_counter()
    for fd in links + progs + [rb, arr]:
        os.close(fd)
    closed = ms(t)
    print(f"ring16M {ring:.2f} array {array:.2f} load2 {loaded:.2f} attach2 {attached:.2f} close {closed:.2f}")
else:
    progs = [load(i) for i in IDS]
    links = [attach(p) for p in progs]
    t = time.perf_counter()
    subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print(f"{ms(t):.0f}")
