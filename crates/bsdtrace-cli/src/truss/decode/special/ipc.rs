//! System V IPC calls (semget, semop, semctl, shmget, shmat, shmctl,
//! msgget, msgsnd, msgrcv, msgctl...), as strace shows them: keys, flags
//! with the permission bits (`IPC_CREAT|0600`), commands, `struct
//! sembuf`s and messages. The same for x86-64's direct calls and for an
//! i386 program's `ipc(2)` sub-calls (their arguments reordered by
//! [`decode_entry_i386`](super::super::decode_entry_i386)).

use super::*;

const IPC_CREAT: u64 = 0o1000;
const IPC_EXCL: u64 = 0o2000;
const IPC_NOWAIT: u64 = 0o4000;
const IPC_64: u32 = 0x100;

const GET_FLAGS: FlagTable = &[(IPC_CREAT, "IPC_CREAT"), (IPC_EXCL, "IPC_EXCL")];
const SHMGET_FLAGS: FlagTable =
    &[(IPC_CREAT, "IPC_CREAT"), (IPC_EXCL, "IPC_EXCL"), (0o4000, "SHM_HUGETLB"), (0o10000, "SHM_NORESERVE")];
const SEM_FLAGS: FlagTable = &[(IPC_NOWAIT, "IPC_NOWAIT"), (0x1000, "SEM_UNDO")];
const SHMAT_FLAGS: FlagTable = &[(0o10000, "SHM_RDONLY"), (0o20000, "SHM_RND"), (0o40000, "SHM_REMAP"), (0o100000, "SHM_EXEC")];
const MSG_FLAGS_IPC: FlagTable =
    &[(IPC_NOWAIT, "IPC_NOWAIT"), (0o10000, "MSG_NOERROR"), (0o20000, "MSG_EXCEPT"), (0o40000, "MSG_COPY")];
const IPC_CMDS: EnumTable = &[(0, "IPC_RMID"), (1, "IPC_SET"), (2, "IPC_STAT"), (3, "IPC_INFO")];
const SEM_CMDS: EnumTable = &[
    (11, "GETPID"),
    (12, "GETVAL"),
    (13, "GETALL"),
    (14, "GETNCNT"),
    (15, "GETZCNT"),
    (16, "SETVAL"),
    (17, "SETALL"),
    (18, "SEM_STAT"),
    (19, "SEM_INFO"),
    (20, "SEM_STAT_ANY"),
];
const SHM_CMDS: EnumTable = &[(11, "SHM_LOCK"), (12, "SHM_UNLOCK"), (13, "SHM_STAT"), (14, "SHM_INFO"), (15, "SHM_STAT_ANY")];
const MSG_CMDS: EnumTable = &[(11, "MSG_STAT"), (12, "MSG_INFO"), (13, "MSG_STAT_ANY")];

pub(super) const SHMGET: u32 = nr(libc::SYS_shmget);
pub(super) const SHMAT: u32 = nr(libc::SYS_shmat);
pub(super) const SHMCTL: u32 = nr(libc::SYS_shmctl);
pub(super) const SHMDT: u32 = nr(libc::SYS_shmdt);
pub(super) const SEMGET: u32 = nr(libc::SYS_semget);
pub(super) const SEMOP: u32 = nr(libc::SYS_semop);
pub(super) const SEMCTL: u32 = nr(libc::SYS_semctl);
pub(super) const SEMTIMEDOP: u32 = nr(libc::SYS_semtimedop);
pub(super) const MSGGET: u32 = nr(libc::SYS_msgget);
pub(super) const MSGSND: u32 = nr(libc::SYS_msgsnd);
pub(super) const MSGRCV: u32 = nr(libc::SYS_msgrcv);
pub(super) const MSGCTL: u32 = nr(libc::SYS_msgctl);

/// Whether `number` (x86-64's) is a System V IPC call decoded here.
pub(super) fn is_ipc(number: u32) -> bool {
    matches!(number, SHMGET | SHMAT | SHMCTL | SHMDT | SEMGET | SEMOP | SEMCTL | SEMTIMEDOP | MSGGET | MSGSND | MSGRCV | MSGCTL)
}

/// `IPC_PRIVATE`, or the key in hex.
fn key(v: u64) -> String {
    match v as u32 {
        0 => "IPC_PRIVATE".to_string(),
        k => format!("{k:#x}"),
    }
}

/// Flags, then the permission bits in octal: `IPC_CREAT|0600`.
fn perm_flags(v: u64, table: FlagTable) -> String {
    let v = u64::from(v as u32);
    let (mode, rest) = (v & 0o777, v & !0o777);
    let mut s = if rest == 0 { String::new() } else { flags(rest, table, "0") };
    if mode != 0 || s.is_empty() {
        if !s.is_empty() {
            s.push('|');
        }
        if mode == 0 {
            s.push('0');
        } else {
            let _ = write!(s, "0{mode:o}");
        }
    }
    s
}

/// A `*ctl` command: `IPC_64|IPC_RMID`, `GETVAL`...
fn cmd(v: u64, own: EnumTable) -> String {
    let v = v as u32;
    let c = i64::from(v & !IPC_64);
    let name = lookup(c, IPC_CMDS).or_else(|| lookup(c, own)).map_or_else(|| c.to_string(), str::to_string);
    if v & IPC_64 != 0 { format!("IPC_64|{name}") } else { name }
}

/// `[{ sem_num=0,sem_op=1,sem_flg=IPC_NOWAIT }]`: `n` `struct sembuf`s.
fn sembufs(ctx: &Ctx, addr: u64, n: u64) -> String {
    let shown = (n as usize).min(print::MAX_ELEMENTS);
    if shown == 0 {
        return hex(addr);
    }
    let Some(b) = read_exact(ctx.mem, addr, shown * 6) else { return hex(addr) };
    let mut parts: Vec<String> = (0..shown)
        .map(|i| {
            format!(
                "{{ sem_num={},sem_op={},sem_flg={} }}",
                u16_at(&b, i * 6),
                u16_at(&b, i * 6 + 2) as i16,
                flags(u64::from(u16_at(&b, i * 6 + 4)), SEM_FLAGS, "0")
            )
        })
        .collect();
    if n as usize > shown {
        parts.push("...".to_string());
    }
    format!("[{}]", parts.join(","))
}

/// A message: `{ mtype=1,mtext="hi\0" }` (the type a `long` of the call's
/// ABI, then `size` bytes of text).
fn msgbuf(ctx: &Ctx, addr: u64, size: u64) -> String {
    let w = ctx.long();
    let Some(b) = read_exact(ctx.mem, addr, w) else { return hex(addr) };
    format!("{{ mtype={},mtext={} }}", ctx.long_at(&b, 0), print::buffer_at(ctx, addr + w as u64, size))
}

/// The in-arguments of an IPC call (`None`: printed at exit).
pub(super) fn entry(ctx: &Ctx) -> Option<Vec<Option<String>>> {
    let a = ctx.args;
    let int = |v: u64| Some((v as i32).to_string());
    Some(match ctx.number {
        SEMGET => vec![Some(key(a[0])), int(a[1]), Some(perm_flags(a[2], GET_FLAGS))],
        SEMOP => vec![int(a[0]), Some(sembufs(ctx, a[1], a[2])), Some(a[2].to_string())],
        SEMTIMEDOP => vec![
            int(a[0]),
            Some(sembufs(ctx, a[1], a[2])),
            Some(a[2].to_string()),
            Some(if a[3] == 0 { "NULL".to_string() } else { print::arg_abi(bsdtrace::sysent::Arg::TimespecIn, 3, ctx) }),
        ],
        SEMCTL => vec![int(a[0]), int(a[1]), Some(cmd(a[2], SEM_CMDS)), Some(print::ptr_or_null(a[3]))],
        SHMGET => vec![Some(key(a[0])), Some(a[1].to_string()), Some(perm_flags(a[2], SHMGET_FLAGS))],
        SHMAT => vec![int(a[0]), Some(print::ptr_or_null(a[1])), Some(flags(u64::from(a[2] as u32), SHMAT_FLAGS, "0"))],
        SHMDT => vec![Some(hex(a[0]))],
        SHMCTL => vec![int(a[0]), Some(cmd(a[1], SHM_CMDS)), Some(print::ptr_or_null(a[2]))],
        MSGGET => vec![Some(key(a[0])), Some(perm_flags(a[1], GET_FLAGS))],
        MSGSND => vec![
            int(a[0]),
            Some(msgbuf(ctx, a[1], a[2])),
            Some(a[2].to_string()),
            Some(flags(u64::from(a[3] as u32), MSG_FLAGS_IPC, "0")),
        ],
        MSGRCV => vec![
            int(a[0]),
            None,
            Some(a[2].to_string()),
            Some(ctx.long_at(&a[3].to_le_bytes(), 0).to_string()),
            Some(flags(u64::from(a[4] as u32), MSG_FLAGS_IPC, "0")),
        ],
        MSGCTL => vec![int(a[0]), Some(cmd(a[1], MSG_CMDS)), Some(print::ptr_or_null(a[2]))],
        _ => return None,
    })
}

/// msgrcv's message, at exit.
pub(super) fn exit_arg(ctx: &Ctx, i: usize) -> Option<String> {
    match (ctx.number, i) {
        (MSGRCV, 1) => Some(msgbuf(ctx, ctx.args[1], ctx.args[2])),
        _ => None,
    }
}
