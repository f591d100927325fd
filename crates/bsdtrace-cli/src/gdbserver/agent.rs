//! gdb's agent expressions (GDB manual, appendix "The GDB Agent Expression
//! Mechanism"): the bytecode gdb compiles a breakpoint condition into
//! (`set breakpoint condition-evaluation target`) and a `dprintf` into
//! (`set dprintf-style agent`), evaluated here at each hit so a false
//! condition costs no round trip to gdb.
//!
//! The bytecode is untrusted input: every stack access, jump and operand
//! read is checked, and a program may run at most [`MAX_STEPS`] bytecodes,
//! so no expression can crash or hang the server. Tracepoint bytecodes
//! (`trace*`, trace state variables) and floating point are refused:
//! evaluation fails, and a condition that cannot be evaluated counts as
//! true (the stop is reported, as gdbserver does).

/// What an expression can read, and where `printf` writes.
pub trait Machine {
    /// Register `n` in the target description's numbering.
    fn reg(&mut self, n: u16) -> Option<u64>;
    /// Fill `buf` from memory at `addr`; false if any byte is unreadable.
    fn mem(&mut self, addr: u64, buf: &mut [u8]) -> bool;
    fn print(&mut self, text: &[u8]);
}

#[derive(Debug, PartialEq, Eq)]
pub enum AgentError {
    /// The bytecode is malformed (bad opcode, operand past the end, stack
    /// underflow or overflow, jump outside the code...).
    Malformed(&'static str),
    /// A memory read failed or a register does not exist.
    Fault,
    DivideByZero,
    /// A bytecode we do not run (tracing, floating point).
    Unsupported(u8),
    TooLong,
}

/// Most bytecodes one evaluation may execute.
pub const MAX_STEPS: usize = 100_000;
const STACK_MAX: usize = 1024;

/// Run `code`; the value on top of the stack at `end`.
pub fn eval(code: &[u8], m: &mut dyn Machine) -> Result<u64, AgentError> {
    use AgentError::*;
    let mut st: Vec<u64> = Vec::with_capacity(16);
    let mut pc = 0usize;
    let mut steps = 0usize;
    let operand = |pc: &mut usize, n: usize| -> Result<u64, AgentError> {
        let b = code.get(*pc..*pc + n).ok_or(Malformed("operand past the end"))?;
        *pc += n;
        Ok(b.iter().fold(0u64, |a, &x| a << 8 | x as u64))
    };
    macro_rules! pop {
        () => {
            st.pop().ok_or(Malformed("stack underflow"))?
        };
    }
    macro_rules! push {
        ($v:expr) => {{
            if st.len() >= STACK_MAX {
                return Err(Malformed("stack overflow"));
            }
            st.push($v)
        }};
    }
    loop {
        steps += 1;
        if steps > MAX_STEPS {
            return Err(TooLong);
        }
        let op = *code.get(pc).ok_or(Malformed("ran off the end"))?;
        pc += 1;
        match op {
            0x02..=0x0b | 0x0f | 0x10 | 0x11 | 0x13 | 0x14 | 0x15 => {
                let b = pop!();
                let a = pop!();
                let v = match op {
                    0x02 => a.wrapping_add(b),
                    0x03 => a.wrapping_sub(b),
                    0x04 => a.wrapping_mul(b),
                    0x05 => {
                        if b == 0 {
                            return Err(DivideByZero);
                        }
                        (a as i64).wrapping_div(b as i64) as u64
                    }
                    0x06 => a.checked_div(b).ok_or(DivideByZero)?,
                    0x07 => {
                        if b == 0 {
                            return Err(DivideByZero);
                        }
                        (a as i64).wrapping_rem(b as i64) as u64
                    }
                    0x08 => a.checked_rem(b).ok_or(DivideByZero)?,
                    0x09 => a.checked_shl(b as u32).unwrap_or(0),
                    0x0a => (a as i64).checked_shr(b as u32).unwrap_or(if (a as i64) < 0 { -1 } else { 0 }) as u64,
                    0x0b => a.checked_shr(b as u32).unwrap_or(0),
                    0x0f => a & b,
                    0x10 => a | b,
                    0x11 => a ^ b,
                    0x13 => (a == b) as u64,
                    0x14 => ((a as i64) < (b as i64)) as u64,
                    _ => (a < b) as u64,
                };
                push!(v);
            }
            0x0e => {
                let a = pop!();
                push!((a == 0) as u64);
            }
            0x12 => {
                let a = pop!();
                push!(!a);
            }
            0x16 | 0x2a => {
                let n = operand(&mut pc, 1)? as u32;
                let a = pop!();
                let v = if n == 0 || n >= 64 {
                    a
                } else if op == 0x16 {
                    let sh = 64 - n;
                    (((a << sh) as i64) >> sh) as u64
                } else {
                    a & ((1u64 << n) - 1)
                };
                push!(v);
            }
            0x17..=0x1a => {
                let size = 1usize << (op - 0x17);
                let addr = pop!();
                let mut buf = [0u8; 8];
                if !m.mem(addr, &mut buf[..size]) {
                    return Err(Fault);
                }
                push!(u64::from_le_bytes(buf));
            }
            0x20 | 0x21 => {
                let off = operand(&mut pc, 2)? as usize;
                let jump = if op == 0x20 { pop!() != 0 } else { true };
                if jump {
                    if off >= code.len() {
                        return Err(Malformed("jump outside the code"));
                    }
                    pc = off;
                }
            }
            0x22..=0x25 => {
                let n = 1usize << (op - 0x22);
                let v = operand(&mut pc, n)?;
                push!(v);
            }
            0x26 => {
                let n = operand(&mut pc, 2)? as u16;
                let v = m.reg(n).ok_or(Fault)?;
                push!(v);
            }
            0x27 => return st.last().copied().ok_or(Malformed("empty stack at end")),
            0x28 => {
                let a = *st.last().ok_or(Malformed("stack underflow"))?;
                push!(a);
            }
            0x29 => {
                pop!();
            }
            0x2b => {
                let b = pop!();
                let a = pop!();
                push!(b);
                push!(a);
            }
            0x32 => {
                let n = operand(&mut pc, 1)? as usize;
                let i = st.len().checked_sub(n + 1).ok_or(Malformed("pick past the bottom"))?;
                let v = st[i];
                push!(v);
            }
            0x33 => {
                let c = pop!();
                let b = pop!();
                let a = pop!();
                push!(c);
                push!(a);
                push!(b);
            }
            0x34 => {
                let nargs = operand(&mut pc, 1)? as usize;
                let slen = operand(&mut pc, 2)? as usize;
                let fmt = code.get(pc..pc + slen).ok_or(Malformed("format past the end"))?;
                pc += slen;
                if fmt.last() != Some(&0) {
                    return Err(Malformed("unterminated format"));
                }
                let _function = pop!();
                let _channel = pop!();
                let mut args = Vec::with_capacity(nargs);
                for _ in 0..nargs {
                    args.push(pop!());
                }
                let text = format(&fmt[..slen - 1], &args, m)?;
                m.print(&text);
            }
            _ => return Err(Unsupported(op)),
        }
    }
}

/// C's printf, for the conversions an agent `printf` can carry (integers,
/// pointers, characters and strings read from the target).
fn format(fmt: &[u8], args: &[u64], m: &mut dyn Machine) -> Result<Vec<u8>, AgentError> {
    let mut out = Vec::new();
    let mut args = args.iter();
    let mut i = 0;
    while i < fmt.len() {
        let c = fmt[i];
        i += 1;
        if c == b'\\' {
            // The format comes as written in C source: escapes are ours.
            let (ch, used) = unescape_c(&fmt[i..]);
            out.push(ch);
            i += used;
            continue;
        }
        if c != b'%' {
            out.push(c);
            continue;
        }
        // %[flags][width][.precision][length]conversion
        let start = i;
        while i < fmt.len() && b"-+ #0".contains(&fmt[i]) {
            i += 1;
        }
        let flags = &fmt[start..i];
        let mut width = 0usize;
        while i < fmt.len() && fmt[i].is_ascii_digit() {
            width = (width * 10 + (fmt[i] - b'0') as usize).min(4096);
            i += 1;
        }
        let mut prec: Option<usize> = None;
        if i < fmt.len() && fmt[i] == b'.' {
            i += 1;
            let mut p = 0usize;
            while i < fmt.len() && fmt[i].is_ascii_digit() {
                p = (p * 10 + (fmt[i] - b'0') as usize).min(4096);
                i += 1;
            }
            prec = Some(p);
        }
        let lstart = i;
        while i < fmt.len() && b"hlLqjzt".contains(&fmt[i]) {
            i += 1;
        }
        let len = &fmt[lstart..i];
        let Some(&conv) = fmt.get(i) else { break };
        i += 1;
        if conv == b'%' {
            out.push(b'%');
            continue;
        }
        let arg = *args.next().ok_or(AgentError::Malformed("printf: too few arguments"))?;
        // Narrow to the argument's C type.
        let bits = match len {
            b"hh" => 8,
            b"h" => 16,
            b"" => 32,
            _ => 64,
        };
        let signed = |v: u64| -> i64 {
            if bits == 64 {
                v as i64
            } else {
                let sh = 64 - bits;
                ((v << sh) as i64) >> sh
            }
        };
        let unsigned = |v: u64| -> u64 { if bits == 64 { v } else { v & ((1u64 << bits) - 1) } };
        let left = flags.contains(&b'-');
        let zero = flags.contains(&b'0') && !left && prec.is_none();
        let alt = flags.contains(&b'#');
        let (body, sign): (Vec<u8>, &str) = match conv {
            b'd' | b'i' => {
                let v = signed(arg);
                let s = if v < 0 { "-" } else if flags.contains(&b'+') { "+" } else if flags.contains(&b' ') { " " } else { "" };
                (digits(v.unsigned_abs().to_string(), prec), s)
            }
            b'u' => (digits(unsigned(arg).to_string(), prec), ""),
            b'x' => (digits(format!("{:x}", unsigned(arg)), prec), if alt && unsigned(arg) != 0 { "0x" } else { "" }),
            b'X' => (digits(format!("{:X}", unsigned(arg)), prec), if alt && unsigned(arg) != 0 { "0X" } else { "" }),
            b'o' => (digits(format!("{:o}", unsigned(arg)), prec), if alt { "0" } else { "" }),
            b'p' => (format!("{arg:x}").into_bytes(), "0x"),
            b'c' => (vec![arg as u8], ""),
            b's' => {
                let max = prec.unwrap_or(4096).min(4096);
                let mut s = Vec::new();
                let mut addr = arg;
                while s.len() < max {
                    let mut b = [0u8];
                    if !m.mem(addr, &mut b) {
                        if s.is_empty() {
                            return Err(AgentError::Fault);
                        }
                        break;
                    }
                    if b[0] == 0 {
                        break;
                    }
                    s.push(b[0]);
                    addr = addr.wrapping_add(1);
                }
                (s, "")
            }
            _ => return Err(AgentError::Malformed("printf: unsupported conversion")),
        };
        let total = body.len() + sign.len();
        let pad = width.saturating_sub(total);
        if left {
            out.extend_from_slice(sign.as_bytes());
            out.extend_from_slice(&body);
            out.extend(std::iter::repeat_n(b' ', pad));
        } else if zero {
            out.extend_from_slice(sign.as_bytes());
            out.extend(std::iter::repeat_n(b'0', pad));
            out.extend_from_slice(&body);
        } else {
            out.extend(std::iter::repeat_n(b' ', pad));
            out.extend_from_slice(sign.as_bytes());
            out.extend_from_slice(&body);
        }
    }
    Ok(out)
}

/// One C escape after a backslash: the byte and how many bytes it took.
fn unescape_c(s: &[u8]) -> (u8, usize) {
    let Some(&c) = s.first() else { return (b'\\', 0) };
    match c {
        b'n' => (b'\n', 1),
        b't' => (b'\t', 1),
        b'r' => (b'\r', 1),
        b'a' => (7, 1),
        b'b' => (8, 1),
        b'f' => (12, 1),
        b'v' => (11, 1),
        b'e' => (27, 1),
        b'0'..=b'7' => {
            let n = s.iter().take(3).take_while(|d| (b'0'..=b'7').contains(d)).count();
            let v = s[..n].iter().fold(0u32, |a, d| a * 8 + (d - b'0') as u32);
            (v as u8, n)
        }
        b'x' => {
            let n = s[1..].iter().take(2).take_while(|d| d.is_ascii_hexdigit()).count();
            if n == 0 {
                return (b'x', 1);
            }
            let v = u8::from_str_radix(std::str::from_utf8(&s[1..1 + n]).unwrap_or("0"), 16).unwrap_or(0);
            (v, 1 + n)
        }
        other => (other, 1),
    }
}

fn digits(s: String, prec: Option<usize>) -> Vec<u8> {
    match prec {
        Some(0) if s == "0" => Vec::new(),
        Some(p) if p > s.len() => {
            let mut v = vec![b'0'; p - s.len()];
            v.extend_from_slice(s.as_bytes());
            v
        }
        _ => s.into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake {
        regs: Vec<u64>,
        mem: Vec<u8>,
        base: u64,
        out: Vec<u8>,
    }

    impl Machine for Fake {
        fn reg(&mut self, n: u16) -> Option<u64> {
            self.regs.get(n as usize).copied()
        }
        fn mem(&mut self, addr: u64, buf: &mut [u8]) -> bool {
            let Some(off) = addr.checked_sub(self.base) else { return false };
            match self.mem.get(off as usize..off as usize + buf.len()) {
                Some(s) => {
                    buf.copy_from_slice(s);
                    true
                }
                None => false,
            }
        }
        fn print(&mut self, text: &[u8]) {
            self.out.extend_from_slice(text);
        }
    }

    fn fake() -> Fake {
        let mut mem = vec![0u8; 64];
        mem[8..12].copy_from_slice(&19999i32.to_le_bytes());
        mem[16..22].copy_from_slice(b"hello\0");
        Fake { regs: vec![0; 17].into_iter().enumerate().map(|(i, _)| if i == 6 { 0x1010 } else { 0 }).collect(), mem, base: 0x1000, out: Vec::new() }
    }

    #[test]
    fn a_condition_on_a_local_variable() {
        // What gdb 13 sends for `if i == 19999` with i at -8(%rbp) and
        // rbp = 0x1010: reg 6, const8 8, sub, ref32, ext 32, const16 19999, equal, end.
        let code = [0x26, 0, 6, 0x22, 8, 0x03, 0x19, 0x16, 32, 0x23, 0x4e, 0x1f, 0x13, 0x27];
        assert_eq!(eval(&code, &mut fake()), Ok(1));
        let code = [0x26, 0, 6, 0x22, 8, 0x03, 0x19, 0x16, 32, 0x23, 0, 1, 0x13, 0x27];
        assert_eq!(eval(&code, &mut fake()), Ok(0));
    }

    #[test]
    fn arithmetic_signedness_and_extension() {
        let run = |c: &[u8]| eval(c, &mut fake());
        assert_eq!(run(&[0x22, 0xff, 0x16, 8, 0x27]), Ok(u64::MAX));
        assert_eq!(run(&[0x22, 0xff, 0x16, 8, 0x22, 1, 0x14, 0x27]), Ok(1));
        assert_eq!(run(&[0x22, 0xff, 0x16, 8, 0x22, 1, 0x15, 0x27]), Ok(0));
        assert_eq!(run(&[0x22, 7, 0x22, 2, 0x05, 0x27]), Ok(3));
        assert_eq!(run(&[0x22, 7, 0x22, 0, 0x05, 0x27]), Err(AgentError::DivideByZero));
        assert_eq!(run(&[0x25, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x22, 63, 0x0a, 0x27]), Ok(u64::MAX));
        assert_eq!(run(&[0x22, 1, 0x22, 2, 0x22, 3, 0x33, 0x27]), Ok(2));
        assert_eq!(run(&[0x22, 1, 0x22, 2, 0x32, 1, 0x27]), Ok(1));
        assert_eq!(run(&[0x23, 0x12, 0x34, 0x2a, 8, 0x27]), Ok(0x34));
    }

    #[test]
    fn jumps_and_hostile_bytecode_end_in_an_error() {
        // if_goto over a const: 1 if_goto 6 ; const8 5 ; end
        assert_eq!(eval(&[0x22, 1, 0x20, 0, 7, 0x22, 5, 0x22, 9, 0x27], &mut fake()), Ok(9));
        // An endless loop is cut off.
        assert_eq!(eval(&[0x21, 0, 0], &mut fake()), Err(AgentError::TooLong));
        assert!(matches!(eval(&[0x02], &mut fake()), Err(AgentError::Malformed(_))));
        assert!(matches!(eval(&[0x21, 0xff, 0xff], &mut fake()), Err(AgentError::Malformed(_))));
        assert!(matches!(eval(&[0x25, 1, 2], &mut fake()), Err(AgentError::Malformed(_))));
        assert!(matches!(eval(&[], &mut fake()), Err(AgentError::Malformed(_))));
        assert_eq!(eval(&[0x22, 0, 0x19, 0x27], &mut fake()), Err(AgentError::Fault));
        assert_eq!(eval(&[0x0c], &mut fake()), Err(AgentError::Unsupported(0x0c)));
        let mut deep = vec![0x22, 1];
        deep.extend(std::iter::repeat_n(0x28, 2000));
        assert!(matches!(eval(&deep, &mut fake()), Err(AgentError::Malformed(_))));
        // Every single byte and pair decodes to something, never a panic.
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                let _ = eval(&[a, b], &mut fake());
            }
        }
    }

    #[test]
    fn printf_formats_like_c() {
        let mut m = fake();
        let fmt = b"i=%d x=%#x s=%s c=%c u=%5u|%-4d|%05d %%\\n\\x41\\101\0";
        // args pushed last-first, then channel and function.
        let mut code = vec![0x22, 42, 0x22, 3, 0x22, 1, 0x22, 0x41, 0x23, 0x10, 0x10, 0x22, 255, 0x22, 0xff, 0x16, 8];
        code.extend([0x22, 0, 0x22, 0, 0x34, 7, 0, fmt.len() as u8]);
        code.extend_from_slice(fmt);
        code.extend([0x22, 0, 0x27]);
        assert_eq!(eval(&code, &mut m), Ok(0));
        assert_eq!(String::from_utf8_lossy(&m.out), "i=-1 x=0xff s=hello c=A u=    1|3   |00042 %\nAA");
    }
}
