/* truss.bpf.c: what `bsdtrace truss --bpf` runs in the kernel.
 *
 * It records, for the processes in the `procs` map, every syscall entry and
 * exit (number, arguments, result, and the user memory the arguments point
 * at, copied by bpf_probe_read_user while the call is in progress), thread
 * and process births, execs, exits and delivered signals, as records in one
 * ring buffer that user space drains. Nothing here stops or changes a
 * process, and it never decides how a record is printed: which memory to
 * copy for each syscall argument is a plan user space writes into `plans`
 * (from the decoder's syscall table) before the trace starts.
 *
 * Three ways to see syscalls:
 *  - sys_enter/sys_exit (raw_syscalls tracepoints, BTF-typed): every
 *    syscall of the traced processes. Attaching them puts every thread of
 *    the machine on the kernel's slow syscall path while they are attached.
 *  - enter_N/exit_N (fentry/fexit on `__x64_sys_NAME`, one pair per chosen
 *    syscall): only the chosen functions pay; everything else keeps the
 *    fast path. Used for `-e trace=SET` when SET is small.
 *  - sc_enter/sc_exit (the per-syscall tracepoints syscalls/sys_enter_NAME,
 *    attached by user space to each chosen syscall): for `-e trace=SET`
 *    where the kernel refuses fentry. Every thread takes the slow path, but
 *    runs no program for a syscall nobody chose.
 *
 * A full ring never drops a record silently: the loss is counted per
 * thread (`lost`) and reported with that thread's next record, or read by
 * user space at the end.
 *
 * The record layouts and numbers here are mirrored in src/record.rs.
 *
 * This file is under the project's BSD-2-Clause licence; the kernel grants
 * the tracing helpers only to programs that declare a GPL-compatible
 * licence, which "Dual BSD/GPL" is.
 */
#include "kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define SCRATCH 32768
/* A record stops taking blobs once it is this long... */
#define SOFT_CAP 16384
/* ...and no blob is longer than this, so a record stays under SCRATCH. */
#define BLOB_MAX 4096
/* Plans 0..511: x86-64 numbers; 512..1023: i386 numbers (a compat call).
 * The last of each half serves the numbers past it. 1024 + n: the plan of
 * i386 socketcall(2)'s sub-call n (1..20), run on the argument words the
 * call's array holds. */
#define NPLANS (1024 + SOCKETCALLS)
#define HALF 512
#define SOCKETCALL 102
#define SOCKETCALLS 21
/* In a record's nr: the call is an i386 one (its number is i386's). */
#define NR_I386 0x40000000u
/* arch/x86/include/asm/thread_info.h */
#define TS_COMPAT 0x0002
#define MAX_IOV 16
#define MAX_MMSG 8
#define MAX_STRV 256
#define MAX_ARRAY 64
#define SOCKADDR_MAX 128

enum ev_kind {
	EV_ENTER = 1,
	EV_EXIT = 2,
	EV_START = 3,		/* the spawned command's exec: the trace begins */
	EV_NEW_PROC = 4,	/* a followed fork child */
	EV_NEW_THREAD = 5,
	EV_EXEC = 6,
	EV_THREAD_EXIT = 7,
	EV_PROC_EXIT = 8,	/* the last thread of a process */
	EV_SIGNAL = 9,
};

enum cap_kind {
	CAP_NONE = 0,
	CAP_STR = 1,		/* NUL-terminated, at most size bytes */
	CAP_FIXED = 2,		/* size bytes */
	CAP_LEN_ARG = 3,	/* min(arg[len_arg], size) bytes */
	CAP_LEN_RET = 4,	/* min(ret, arg[len_arg], size) bytes */
	CAP_IOV = 5,		/* iovec[arg[len_arg]], each buffer up to size */
	CAP_MSGHDR = 6,		/* msghdr, its name, control and iovec (buffers up to size) */
	CAP_SOCKADDR_OUT = 7,	/* socklen_t at arg[len_arg], then that many bytes */
	CAP_ARRAY = 8,		/* min(arg[len_arg], 64) elements of size bytes */
	CAP_FDSET = 9,		/* fd_set of arg[len_arg] bits */
	CAP_STRV = 10,		/* NULL-terminated char *[], strings up to size */
	CAP_FUTEX_TIMEOUT = 11,	/* timespec when futex's op waits */
	CAP_CLONE_ARGS = 12,	/* clone_args when arg 1 (size) holds them */
	CAP_IOV32 = 13,		/* CAP_IOV in i386's layout (32-bit base and length) */
	CAP_MSGHDR32 = 14,	/* CAP_MSGHDR in i386's layout (seven 32-bit slots) */
	CAP_STRV32 = 15,	/* CAP_STRV of 32-bit pointers */
	CAP_MMSG = 16,		/* the iovecs of the first min(ret, MAX_MMSG) mmsghdrs */
	CAP_MMSG32 = 17,	/* CAP_MMSG in i386's layout */
	CAP_PTR32 = 18,		/* size bytes where the 32-bit pointer at arg points */
};

struct rec {
	u64 ts;
	u32 kind;
	u32 pid;
	u32 tid;
	u32 lost;
	u32 size;
	u32 nr;
	u64 a[6];
};

/* An exit record carries only the result (a[0]): its blobs start right
 * after it, 40 bytes in instead of 80, so a syscall's two records take
 * 136 bytes of the ring (with its 8-byte headers) instead of 176. */
#define EXIT_REC_LEN (sizeof(struct rec) - 5 * sizeof(u64))

struct blob {
	u64 addr;
	u32 len;
	u32 flags;
};

struct plan_op {
	u8 kind;
	u8 at_exit;
	u8 arg;
	u8 len_arg;
	u32 size;
};

struct plan {
	u32 wanted;
	u32 ops_at;		/* bit 0: ops at entry, bit 1: ops at exit; bits
			 * 8..11: argument registers a record without
			 * blobs leaves out (from a[5] down) */
	struct plan_op op[6];
};

#define T_WAIT_EXEC 1
#define T_FOLLOW 2

struct tracee {
	u32 flags;
};

/* Set by user space before loading. */
const volatile u64 ring_wakeup = 1 << 22;

/* Events lost since the start, all threads. */
u64 lost_total = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 24);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, u32);
	__type(value, struct tracee);
} procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NPLANS);
	__type(key, u32);
	__type(value, struct plan);
} plans SEC(".maps");

struct scratch {
	u8 b[SCRATCH];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

/* Rarely used: not preallocated (65536 entries would cost 15 ms at load). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, u32);
	__type(value, u64);
} lost SEC(".maps");

/* What a plan is applied to: the argument registers, the result, the
 * plan's operations. Built on the stack of the program that records. */
struct opin {
	u64 a[6];
	s64 ret;
	u32 at_exit;
	u32 late;	/* blob flag: an in-argument copied at exit */
	struct plan_op op[6];
};

/* In-arguments that could not be copied at entry (bpf_probe_read_user
 * cannot fault a page in: a string in a never-touched page of the
 * program's data), to copy again at exit, when the call itself has
 * brought the page in. Keyed by thread. */
struct missed {
	u32 mask;
	u32 nr;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, u32);
	__type(value, struct missed);
} missed SEC(".maps");

/* Entries in `missed`: exits look there only when this is not zero. */
s64 missed_count = 0;

#define BLOB_STR 1
#define BLOB_LATE 2
#define OP_EMPTY (1ULL << 63)

static __always_inline struct tracee *tracee_of(u32 tgid)
{
	return bpf_map_lookup_elem(&procs, &tgid);
}

static __always_inline struct scratch *scratch_buf(void)
{
	u32 zero = 0;
	return bpf_map_lookup_elem(&scratch, &zero);
}

static __always_inline u64 min64(u64 a, u64 b)
{
	return a < b ? a : b;
}

static __always_inline void emit(struct scratch *s, u64 size)
{
	struct rec *r = (void *)s->b;
	u32 tid = r->tid;
	u64 *lp = 0;
	u64 flags, avail;

	r->lost = 0;
	if (lost_total) {
		lp = bpf_map_lookup_elem(&lost, &tid);
		if (lp)
			r->lost = *lp;
	}
	if (size > SCRATCH)
		return;
	r->size = size;
	/* Wake the reader (which polls every millisecond anyway) when this
	 * record takes the ring past a multiple of ring_wakeup (a quarter),
	 * and with every record once it is more than half full. A wakeup is
	 * an irq_work, a self-IPI through an APIC register write (a VM exit
	 * under KVM): waking with every record past the first quarter took
	 * 58% of the time of 512 busy threads traced on one CPU. Past half
	 * full that cost is what lets a reader starved of CPU catch up (each
	 * wakeup can preempt the writer; without them the ring overflowed). */
	avail = bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA);
	flags = avail > 2 * ring_wakeup || avail / ring_wakeup != (avail + size) / ring_wakeup ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_output(&rb, s->b, size, flags)) {
		__sync_fetch_and_add(&lost_total, 1);
		if (lp) {
			__sync_fetch_and_add(lp, 1);
		} else {
			u64 one = 1;
			bpf_map_update_elem(&lost, &tid, &one, BPF_ANY);
		}
		return;
	}
	if (lp && r->lost)
		__sync_fetch_and_sub(lp, (u64)r->lost);
}

/* The capture functions are global (not inlined): the verifier checks each
 * once, with its arguments unknown, instead of once per path through the
 * callers, which multiplied into millions of states. Each takes the record
 * and its current length and returns the new length. */

/* Appends a blob: `len` bytes of user memory at `addr` (a string up to
 * `len` bytes when `str`). Nothing when unreadable or the record is full. */
__noinline u64 put_blob(struct scratch *s, u64 off, u64 addr, u64 len, u32 flags)
{
	long n;
	u8 *b;

	if (!s || !addr || !len || off > SOFT_CAP)
		return off;
	if (len > BLOB_MAX)
		len = BLOB_MAX;
	b = s->b + off;
	if (flags & BLOB_STR) {
		n = bpf_probe_read_user_str(b + sizeof(struct blob), len, (void *)addr);
		if (n <= 0)
			return off;
	} else {
		if (bpf_probe_read_user(b + sizeof(struct blob), len, (void *)addr))
			return off;
		n = len;
	}
	((struct blob *)b)->addr = addr;
	((struct blob *)b)->len = n;
	((struct blob *)b)->flags = flags;
	return off + sizeof(struct blob) + (((u64)n + 7) & ~7ULL);
}

/* The loops below run under bpf_loop (Linux 5.17): the verifier checks a
 * callback's body once, where a bounded loop is checked once per
 * iteration (256 for an argv, 16 for an iovec: three quarters of the
 * verification time of the syscall programs, ~40 ms of truss's start).
 * Their state is in a struct on the caller's stack. */
struct vec_loop {
	struct scratch *s;
	u64 base;	/* the user array */
	u64 pbase;	/* cap_strv*: where the pointers are kept in the record */
	u64 off;	/* the record's length so far */
	u64 cap;	/* the longest copy of one buffer or string */
	u64 count;	/* elements to copy */
	u32 late;	/* blob flags */
	u32 incomplete;	/* a buffer or string could not be copied */
};

/* One struct iovec (`wide`) or i386 iovec: its buffer. */
static __always_inline long iov_item(u32 i, struct vec_loop *x, bool wide)
{
	u64 next, addr, len;

	if (i >= x->count || i >= MAX_IOV)
		return 1;
	if (wide) {
		u64 e[2];

		if (bpf_probe_read_user(e, sizeof(e), (void *)(x->base + 16 * i)))
			return 1;
		addr = e[0];
		len = e[1];
	} else {
		u32 e[2];

		if (bpf_probe_read_user(e, sizeof(e), (void *)(x->base + 8 * i)))
			return 1;
		addr = e[0];
		len = e[1];
	}
	next = put_blob(x->s, x->off, addr, min64(len, x->cap), x->late);
	if (next == x->off && addr && len && x->cap)
		x->incomplete = 1;
	x->off = next;
	return 0;
}

static long iov_item64(u32 i, void *x)
{
	return iov_item(i, x, 1);
}

static long iov_item32(u32 i, void *x)
{
	return iov_item(i, x, 0);
}

/* `cap_late`: the longest copy of one buffer, and the blob flags << 32
 * (a BPF function takes at most five arguments). */
__noinline u64 cap_iov(struct scratch *s, u64 off, u64 base, s64 count, u64 cap_late)
{
	struct vec_loop x = { .s = s, .base = base, .cap = (u32)cap_late, .late = cap_late >> 32 };

	if (!s || !base || count <= 0)
		return off;
	x.count = count > MAX_IOV ? MAX_IOV : count;
	x.off = put_blob(s, off, base, x.count * 16, x.late);
	bpf_loop(MAX_IOV, iov_item64, &x, 0);
	return x.off | (x.incomplete ? OP_EMPTY : 0);
}

/* cap_iov of an i386 iovec[] (two 32-bit words each). */
__noinline u64 cap_iov32(struct scratch *s, u64 off, u64 base, s64 count, u64 cap_late)
{
	struct vec_loop x = { .s = s, .base = base, .cap = (u32)cap_late, .late = cap_late >> 32 };

	if (!s || !base || count <= 0)
		return off;
	x.count = count > MAX_IOV ? MAX_IOV : count;
	x.off = put_blob(s, off, base, x.count * 8, x.late);
	bpf_loop(MAX_IOV, iov_item32, &x, 0);
	return x.off | (x.incomplete ? OP_EMPTY : 0);
}

/* Pointer i of a char *[] (8 bytes, or 4 for i386: `size`), kept in the
 * record; stops after the NULL. */
static __always_inline long strv_ptr(u32 i, struct vec_loop *x, u32 size)
{
	u64 p = 0, at = x->pbase + size * i;

	if (i >= MAX_STRV || at > SCRATCH - 8)
		return 1;
	if (bpf_probe_read_user(&p, size, (void *)(x->base + size * i)))
		return 1;
	if (size == 8)
		*(u64 *)(x->s->b + at) = p;
	else
		*(u32 *)(x->s->b + at) = p;
	x->count = i + 1;
	return p ? 0 : 1;
}

/* String i of a char *[] whose pointers strv_ptr kept. */
static __always_inline long strv_str(u32 i, struct vec_loop *x, u32 size)
{
	u64 p, next, at = x->pbase + size * i;

	if (i >= x->count || at > SCRATCH - 8)
		return 1;
	p = size == 8 ? *(u64 *)(x->s->b + at) : *(u32 *)(x->s->b + at);
	if (!p)
		return 1;
	next = put_blob(x->s, x->off, p, x->cap, BLOB_STR | x->late);
	if (next == x->off)
		x->incomplete = 1;
	x->off = next;
	return 0;
}

static long strv_ptr64(u32 i, void *x)
{
	return strv_ptr(i, x, 8);
}

static long strv_ptr32(u32 i, void *x)
{
	return strv_ptr(i, x, 4);
}

static long strv_str64(u32 i, void *x)
{
	return strv_str(i, x, 8);
}

static long strv_str32(u32 i, void *x)
{
	return strv_str(i, x, 4);
}

/* A NULL-terminated char *[] of `size`-byte pointers: the pointers copied
 * one by one (the array may end just before unmapped memory) into one
 * blob (the array's own bytes), then the strings. */
static __always_inline u64 strv(struct scratch *s, u64 off, u64 base, u64 cap, u32 late, u32 size)
{
	struct vec_loop x = { .s = s, .base = base, .cap = cap, .late = late };
	u32 n;

	if (!s || !base || off > SOFT_CAP)
		return off;
	x.pbase = off + sizeof(struct blob);
	bpf_loop(MAX_STRV, size == 8 ? strv_ptr64 : strv_ptr32, &x, 0);
	n = x.count;
	if (!n || n > MAX_STRV)
		return off;
	((struct blob *)(s->b + off))->addr = base;
	((struct blob *)(s->b + off))->len = n * size;
	((struct blob *)(s->b + off))->flags = late;
	x.off = x.pbase + ((n * size + 7) & ~7U);
	bpf_loop(MAX_STRV, size == 8 ? strv_str64 : strv_str32, &x, 0);
	return x.off | (x.incomplete ? OP_EMPTY : 0);
}

/* cap_strv of an i386 char *[]: 32-bit pointers, kept as the program
 * holds them. */
__noinline u64 cap_strv32(struct scratch *s, u64 off, u64 base, u64 cap, u32 late)
{
	return strv(s, off, base, cap, late, 4);
}

/* The iovecs of the msghdrs in a struct mmsghdr[] (64 bytes each, or 32
 * for i386), the first `count`; the array itself is another operation's. */
__noinline u64 cap_mmsg(struct scratch *s, u64 off, u64 base, s64 count, u64 cap_late)
{
	u64 m[4];	/* name, namelen, iov, iovlen */
	u32 m32[4];
	u64 wide = cap_late & (1ULL << 31), next, incomplete = 0;
	int i;

	cap_late &= ~(1ULL << 31);
	if (!s || !base || count <= 0)
		return off;
	for (i = 0; i < MAX_MMSG; i++) {
		if (i >= count)
			break;
		if (wide) {
			if (bpf_probe_read_user(m, sizeof(m), (void *)(base + 64 * i)))
				break;
			next = cap_iov(s, off, m[2], (s64)min64(m[3], MAX_IOV), cap_late);
		} else {
			if (bpf_probe_read_user(m32, sizeof(m32), (void *)(base + 32 * i)))
				break;
			next = cap_iov32(s, off, m32[2], (s64)min64(m32[3], MAX_IOV), cap_late);
		}
		incomplete |= next & OP_EMPTY;
		off = next & ~OP_EMPTY;
	}
	return off | incomplete;
}

/* A NULL-terminated char *[] of 64-bit pointers. */
__noinline u64 cap_strv(struct scratch *s, u64 off, u64 base, u64 cap, u32 late)
{
	return strv(s, off, base, cap, late, 8);
}

static __always_inline u64 argn(struct opin *in, u32 i)
{
	switch (i) {
	case 0: return in->a[0];
	case 1: return in->a[1];
	case 2: return in->a[2];
	case 3: return in->a[3];
	case 4: return in->a[4];
	default: return in->a[5];
	}
}

/* Applies operation `i` of the plan: the new length, with OP_EMPTY set
 * when the operation applied but copied nothing. */
static __always_inline u64 op_body(struct scratch *s, u64 off, struct opin *in, struct plan_op op, u64 v);

__noinline u64 run_op(struct scratch *s, u64 off, struct opin *in, u32 i)
{
	struct plan_op op;
	u64 v, n;

	if (!s || !in || i >= 6)
		return off;
	op = in->op[i];
	if (!op.kind || op.at_exit != in->at_exit)
		return off;
	v = argn(in, op.arg);
	if (!v)
		return off;
	/* OP_EMPTY from op_body: some of it could not be copied (the whole
	 * operation is then done again at exit). */
	n = op_body(s, off, in, op, v);
	return n == off ? off | OP_EMPTY : n;
}

static __always_inline u64 op_body(struct scratch *s, u64 off, struct opin *in, struct plan_op op, u64 v)
{
	u32 late = in->late;
	u64 n;
	s64 k;

	switch (op.kind) {
	case CAP_STR:
		return put_blob(s, off, v, op.size, BLOB_STR | late);
	case CAP_FIXED:
		return put_blob(s, off, v, op.size, late);
	case CAP_LEN_ARG:
		return put_blob(s, off, v, min64(argn(in, op.len_arg), op.size), late);
	case CAP_LEN_RET:
		if (in->ret <= 0)
			return off;
		return put_blob(s, off, v, min64(min64((u64)in->ret, argn(in, op.len_arg)), op.size), late);
	case CAP_IOV:
		return cap_iov(s, off, v, (s32)argn(in, op.len_arg), op.size | (u64)late << 32);
	case CAP_MSGHDR: {
		u64 m[6];	/* name, namelen, iov, iovlen, control, controllen */

		off = put_blob(s, off, v, 56, late);
		if (bpf_probe_read_user(m, sizeof(m), (void *)v))
			return off;
		if (m[0] && (u32)m[1])
			off = put_blob(s, off, m[0], min64((u32)m[1], SOCKADDR_MAX), late);
		if (m[4] && m[5])
			off = put_blob(s, off, m[4], min64(m[5], BLOB_MAX), late);
		return cap_iov(s, off, m[2], (s64)min64(m[3], MAX_IOV), op.size | (u64)late << 32);
	}
	case CAP_IOV32:
		return cap_iov32(s, off, v, (s32)argn(in, op.len_arg), op.size | (u64)late << 32);
	case CAP_MSGHDR32: {
		u32 m[6];	/* name, namelen, iov, iovlen, control, controllen */

		off = put_blob(s, off, v, 28, late);
		if (bpf_probe_read_user(m, sizeof(m), (void *)v))
			return off;
		if (m[0] && m[1])
			off = put_blob(s, off, m[0], min64(m[1], SOCKADDR_MAX), late);
		if (m[4] && m[5])
			off = put_blob(s, off, m[4], min64(m[5], BLOB_MAX), late);
		return cap_iov32(s, off, m[2], (s64)min64(m[3], MAX_IOV), op.size | (u64)late << 32);
	}
	case CAP_STRV32:
		return cap_strv32(s, off, v, op.size, late);
	case CAP_PTR32: {
		u32 p = 0;

		if (bpf_probe_read_user(&p, 4, (void *)v))
			return off;
		return put_blob(s, off, p, op.size, late);
	}
	case CAP_MMSG:
	case CAP_MMSG32:
		if (in->ret <= 0)
			return off;
		return cap_mmsg(s, off, v, (s64)min64((u64)in->ret, MAX_MMSG),
				(op.size & 0x7fffffff) | (op.kind == CAP_MMSG ? 1ULL << 31 : 0) | (u64)late << 32);
	case CAP_SOCKADDR_OUT: {
		u64 lenp = argn(in, op.len_arg);
		u32 len = 0;

		if (!lenp || bpf_probe_read_user(&len, 4, (void *)lenp))
			return off;
		off = put_blob(s, off, lenp, 4, late);
		return put_blob(s, off, v, min64(len, SOCKADDR_MAX), late);
	}
	case CAP_ARRAY:
		n = min64(argn(in, op.len_arg), MAX_ARRAY);
		return put_blob(s, off, v, n * (op.size & 0xff), late);
	case CAP_FDSET:
		k = (s32)argn(in, op.len_arg);
		if (k <= 0)
			return off;
		if (k > 1024)
			k = 1024;
		return put_blob(s, off, v, ((u64)k + 63) / 64 * 8, late);
	case CAP_STRV:
		return cap_strv(s, off, v, op.size, late);
	case CAP_FUTEX_TIMEOUT:
		switch (argn(in, 1) & 0x7f) {
		case 0: case 6: case 9: case 11: case 13:
			return put_blob(s, off, v, 16, late);
		}
		return off;
	case CAP_CLONE_ARGS:
		if (argn(in, 1) >= 64)
			return put_blob(s, off, v, 64, late);
		return off;
	}
	return off;
}

/* Runs the plan's operations for this half of the call (those in `only`);
 * `*empty` gets the operations that copied nothing. */
static __always_inline u64 run_plan(struct scratch *s, u64 off, struct opin *in, u32 only, u32 *empty)
{
	u64 r;
	int i;

	for (i = 0; i < 6; i++) {
		if (!(only & (1 << i)))
			continue;
		r = run_op(s, off, in, i);
		if (r & OP_EMPTY)
			*empty |= 1 << i;
		off = r & ~OP_EMPTY;
	}
	return off;
}

/* An i386 socketcall: the plan of its sub-call (arg 0), run on the words
 * of its array (arg 1) as arguments, after the call's own plan copied the
 * array itself. What it could not copy is not tried again at exit. */
static __always_inline u64 run_socketcall(struct scratch *s, u64 off, struct opin *in, u32 only)
{
	u32 call = in->a[0], w[6] = {};
	u64 base = in->a[1];
	struct plan *p;
	u32 key, empty = 0;
	int i;

	if (call == 0 || call >= SOCKETCALLS)
		return off;
	key = 2 * HALF + call;
	p = bpf_map_lookup_elem(&plans, &key);
	if (!p || !(p->ops_at & only))
		return off;
	/* Six words, or the three every sub-call has (an array at the end
	 * of a mapping). */
	if (bpf_probe_read_user(w, sizeof(w), (void *)base) && bpf_probe_read_user(w, 12, (void *)base))
		return off;
	for (i = 0; i < 6; i++)
		in->a[i] = w[i];
	__builtin_memcpy(in->op, p->op, sizeof(in->op));
	return run_plan(s, off, in, 0x3f, &empty);
}

/* Whether the current thread is in an ia32 syscall (in_ia32_syscall()). */
static __always_inline bool in_compat(void)
{
	struct task_struct *task = (void *)bpf_get_current_task();

	return BPF_CORE_READ(task, thread_info.status) & TS_COMPAT;
}

static __always_inline struct plan *plan_of(u64 nr, bool compat)
{
	u32 key = nr < HALF ? nr : HALF - 1;

	if (compat)
		key += HALF;

	return bpf_map_lookup_elem(&plans, &key);
}

/* The six argument registers: x86-64's (di, si, dx, r10, r8, r9), or for
 * an ia32 call i386's (ebx, ecx, edx, esi, edi, ebp: the low halves). */
static __always_inline void args_of(struct pt_regs *regs, bool compat, u64 *a)
{
	if (compat) {
		a[0] = (u32)regs->bx;
		a[1] = (u32)regs->cx;
		a[2] = (u32)regs->dx;
		a[3] = (u32)regs->si;
		a[4] = (u32)regs->di;
		a[5] = (u32)regs->bp;
	} else {
		a[0] = regs->di;
		a[1] = regs->si;
		a[2] = regs->dx;
		a[3] = regs->r10;
		a[4] = regs->r8;
		a[5] = regs->r9;
	}
}

static __always_inline int on_enter(struct pt_regs *regs, u64 nr)
{
	u64 id = bpf_get_current_pid_tgid();
	struct tracee *t = tracee_of(id >> 32);
	struct scratch *s;
	struct plan *p;
	struct rec *r;
	struct opin in;
	u64 size = sizeof(struct rec);
	bool compat;

	if (!t || (t->flags & T_WAIT_EXEC))
		return 0;
	compat = in_compat();
	p = plan_of(nr, compat);
	if (!p || !p->wanted)
		return 0;
	s = scratch_buf();
	if (!s)
		return 0;
	r = (void *)s->b;
	r->ts = bpf_ktime_get_ns();
	r->kind = EV_ENTER;
	r->pid = id >> 32;
	r->tid = (u32)id;
	r->nr = compat ? nr | NR_I386 : nr;
	args_of(regs, compat, in.a);
	__builtin_memcpy(r->a, in.a, sizeof(r->a));
	/* rt_sigreturn (and i386's sigreturn) takes no argument: its plan
	 * reads the signal frame at the stack pointer, which the decoder finds
	 * in argument 0. */
	if (compat ? (nr == 119 || nr == 173) : nr == 15)
		in.a[0] = r->a[0] = compat ? (u32)regs->sp : regs->sp;
	if (p->ops_at & 1) {
		u32 empty = 0;

		in.ret = 0;
		in.at_exit = 0;
		in.late = 0;
		__builtin_memcpy(in.op, p->op, sizeof(in.op));
		size = run_plan(s, size, &in, 0x3f, &empty);
		if (empty) {
			struct missed m = { .mask = empty, .nr = r->nr };
			u32 tid = (u32)id;

			if (!bpf_map_update_elem(&missed, &tid, &m, BPF_ANY))
				__sync_fetch_and_add(&missed_count, 1);
		}
	}
	if (compat && nr == SOCKETCALL) {
		in.ret = 0;
		in.at_exit = 0;
		in.late = 0;
		size = run_socketcall(s, size, &in, 1);
	}
	/* A record that copied nothing leaves out the registers past the
	 * call's arguments (ops_at's bits 8..11, from the plan). */
	if (size == sizeof(struct rec)) {
		u32 drop = (p->ops_at >> 8) & 7;

		if (drop <= 6)
			size -= drop * sizeof(u64);
	}
	emit(s, size);
	return 0;
}

static __always_inline int on_exit(struct pt_regs *regs, s64 ret)
{
	u64 id = bpf_get_current_pid_tgid();
	struct tracee *t = tracee_of(id >> 32);
	bool compat;
	u64 nr;
	struct scratch *s;
	struct plan *p;
	struct rec *r;
	struct opin in;
	u64 size = EXIT_REC_LEN;

	if (!t || (t->flags & T_WAIT_EXEC))
		return 0;
	compat = in_compat();
	/* rt_sigreturn restores the registers it returns to, orig_ax = -1
	 * (i386: sigreturn or rt_sigreturn, told apart by the entry). */
	nr = regs->orig_ax == (unsigned long)-1 ? (compat ? 173 : 15) : regs->orig_ax;
	p = plan_of(nr, compat);
	if (!p || !p->wanted)
		return 0;
	s = scratch_buf();
	if (!s)
		return 0;
	r = (void *)s->b;
	r->ts = bpf_ktime_get_ns();
	r->kind = EV_EXIT;
	r->pid = id >> 32;
	r->tid = (u32)id;
	r->nr = compat ? nr | NR_I386 : nr;
	r->a[0] = ret;
	args_of(regs, compat, in.a);
	__builtin_memcpy(in.op, p->op, sizeof(in.op));
	if (missed_count > 0) {
		u32 tid = (u32)id;
		struct missed *m = bpf_map_lookup_elem(&missed, &tid);

		if (m) {
			u32 mask = m->mask, was = m->nr, empty = 0;

			bpf_map_delete_elem(&missed, &tid);
			__sync_fetch_and_add(&missed_count, -1);
			if (was == r->nr) {
				in.ret = ret;
				in.at_exit = 0;
				in.late = BLOB_LATE;
				size = run_plan(s, size, &in, mask, &empty);
			}
		}
	}
	if ((p->ops_at & 2) && !(ret < 0 && ret >= -4095)) {
		u32 empty = 0;

		in.ret = ret;
		in.at_exit = 1;
		in.late = 0;
		size = run_plan(s, size, &in, 0x3f, &empty);
	}
	if (compat && nr == SOCKETCALL && !(ret < 0 && ret >= -4095)) {
		args_of(regs, compat, in.a);
		in.ret = ret;
		in.at_exit = 1;
		in.late = 0;
		size = run_socketcall(s, size, &in, 2);
	}
	emit(s, size);
	return 0;
}

SEC("?tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	return on_enter(regs, id);
}

SEC("?tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	return on_exit(regs, ret);
}

/* The per-syscall tracepoints (syscalls/sys_enter_NAME, sys_exit_NAME):
 * user space attaches these two programs to the chosen syscalls' events
 * where the kernel refuses fentry. While any syscall event is enabled every
 * thread of the machine takes the slow syscall path, as with the
 * raw_syscalls tracepoints, but a syscall nobody chose costs only a bitmap
 * test there, not a run of sys_enter above (docs/BENCHMARKS.md). Their
 * records carry the number (and the result), not the registers: those are
 * the thread's own, at the top of its kernel stack. ia32 calls have no
 * such events (the kernel leaves compat calls out of them). */
struct sc_enter_ctx {
	u64 common;
	int nr;
};

struct sc_exit_ctx {
	u64 common;
	int nr;
	long ret;
};

SEC("?tp")
int sc_enter(struct sc_enter_ctx *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());

	return on_enter(regs, ctx->nr);
}

SEC("?tp")
int sc_exit(struct sc_exit_ctx *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());

	return on_exit(regs, ctx->ret);
}

/* fentry/fexit slots: user space points each pair it uses at one
 * `__x64_sys_NAME` before loading; unused ones are never loaded. */
#define SLOT(n)								\
	SEC("?fentry/__x64_sys_getppid")				\
	int BPF_PROG(enter_##n, struct pt_regs *regs)			\
	{								\
		return on_enter(regs, regs->orig_ax);			\
	}								\
	SEC("?fexit/__x64_sys_getppid")					\
	int BPF_PROG(exit_##n, struct pt_regs *regs, long ret)		\
	{								\
		return on_exit(regs, ret);				\
	}
#define SLOT8(n) SLOT(n##0) SLOT(n##1) SLOT(n##2) SLOT(n##3) SLOT(n##4) SLOT(n##5) SLOT(n##6) SLOT(n##7)
SLOT8(0) SLOT8(1) SLOT8(2) SLOT8(3) SLOT8(4) SLOT8(5) SLOT8(6) SLOT8(7)

static __always_inline struct rec *event(struct scratch *buf, u32 kind, u32 pid, u32 tid, u32 nr)
{
	struct rec *r = (void *)buf->b;

	r->ts = bpf_ktime_get_ns();
	r->kind = kind;
	r->pid = pid;
	r->tid = tid;
	r->nr = nr;
	r->a[0] = r->a[1] = r->a[2] = r->a[3] = r->a[4] = r->a[5] = 0;
	return r;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	u32 ptgid = parent->tgid, ctgid = child->tgid;
	struct tracee *t = tracee_of(ptgid);
	struct rec *r;
	struct scratch *buf;

	if (!t || (t->flags & T_WAIT_EXEC))
		return 0;
	if (ctgid != ptgid) {
		struct tracee nt = { .flags = T_FOLLOW };

		if (!(t->flags & T_FOLLOW))
			return 0;
		bpf_map_update_elem(&procs, &ctgid, &nt, BPF_ANY);
	}
	buf = scratch_buf();
	if (!buf)
		return 0;
	r = event(buf, ctgid == ptgid ? EV_NEW_THREAD : EV_NEW_PROC, ctgid, child->pid, ptgid);
	r->a[0] = parent->pid;
	emit(buf, sizeof(*r));
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	u32 tgid = p->tgid;
	struct tracee *t = tracee_of(tgid);
	u32 kind = EV_EXEC;
	struct scratch *buf;

	if (!t)
		return 0;
	if (t->flags & T_WAIT_EXEC) {
		t->flags &= ~T_WAIT_EXEC;
		kind = EV_START;
	}
	buf = scratch_buf();
	if (!buf)
		return 0;
	event(buf, kind, tgid, p->pid, old_pid);
	emit(buf, sizeof(struct rec));
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_task_exit, struct task_struct *p)
{
	u32 tgid = p->tgid;
	struct tracee *t = tracee_of(tgid);
	int live = BPF_CORE_READ(p, signal, live.counter);
	struct rec *r;
	struct scratch *buf;

	if (!t)
		return 0;
	buf = scratch_buf();
	if (buf) {
		r = event(buf, live == 0 ? EV_PROC_EXIT : EV_THREAD_EXIT, tgid, p->pid, p->exit_code);
		r->a[0] = t->flags & T_WAIT_EXEC;
		emit(buf, sizeof(*r));
	}
	if (missed_count > 0) {
		u32 tid = p->pid;

		if (!bpf_map_delete_elem(&missed, &tid))
			__sync_fetch_and_add(&missed_count, -1);
	}
	if (live == 0)
		bpf_map_delete_elem(&procs, &tgid);
	return 0;
}

static __always_inline void signal_event(u32 pid, u32 tid, int sig, struct kernel_siginfo *info)
{
	struct rec *r;
	struct scratch *buf = scratch_buf();

	if (!buf)
		return;
	r = event(buf, EV_SIGNAL, pid, tid, sig);
	/* kernel_siginfo: the 48 bytes a siginfo_t starts with. */
	if ((unsigned long)info > 4096)
		bpf_probe_read_kernel(r->a, sizeof(r->a), info);
	emit(buf, sizeof(*r));
}

SEC("tp_btf/signal_deliver")
int BPF_PROG(on_signal_deliver, int sig, struct kernel_siginfo *info, struct k_sigaction *ka)
{
	u64 id = bpf_get_current_pid_tgid();
	struct tracee *t = tracee_of(id >> 32);

	if (!t || (t->flags & T_WAIT_EXEC) || sig == 9)
		return 0;
	/* Ignored signals are not reported, as a traced FreeBSD process does
	 * not stop for them: SIG_IGN, and SIG_DFL of a signal whose default
	 * is to ignore it (SIGCHLD, SIGCONT, SIGURG, SIGWINCH). Those are
	 * mostly dropped when sent; this is the one that was blocked then. */
	if (ka) {
		unsigned long h = (unsigned long)BPF_CORE_READ(ka, sa.sa_handler);

		if (h == 1 || (h == 0 && (sig == 17 || sig == 18 || sig == 23 || sig == 28)))
			return 0;
	}
	signal_event(id >> 32, (u32)id, sig, info);
	return 0;
}
