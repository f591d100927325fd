//! Integers as truss prints them, appended to a `String` without the
//! `core::fmt` machinery: every syscall line prints several (the return
//! value in decimal and hex, the pid, the arguments), and `write!` costs
//! hundreds of instructions per number, a visible part of a full trace.
//!
//! Each function prints exactly what the `format!` spec it names prints.

/// `{v}` for an unsigned value.
pub fn push_u64(s: &mut String, v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = v;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    push_ascii(s, &buf[i..]);
}

/// `{v}` for a signed value.
pub fn push_i64(s: &mut String, v: i64) {
    if v < 0 {
        s.push('-');
    }
    push_u64(s, v.unsigned_abs());
}

/// `{v:w}`: right-aligned in `w` columns.
pub fn push_i64_width(s: &mut String, v: i64, w: usize) {
    let len = decimal_len(v.unsigned_abs()) + usize::from(v < 0);
    for _ in len..w {
        s.push(' ');
    }
    push_i64(s, v);
}

/// `{v:#x}` (`0x` and lowercase digits; `0x0` for zero).
pub fn push_hex(s: &mut String, v: u64) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut buf = [0u8; 18];
    let mut i = buf.len();
    let mut n = v;
    loop {
        i -= 1;
        buf[i] = DIGITS[(n & 0xf) as usize];
        n >>= 4;
        if n == 0 {
            break;
        }
    }
    i -= 2;
    buf[i] = b'0';
    buf[i + 1] = b'x';
    push_ascii(s, &buf[i..]);
}

/// `{v:#x}` as a new String.
pub fn hex(v: u64) -> String {
    let mut s = String::with_capacity(18);
    push_hex(&mut s, v);
    s
}

/// `{v}` as a new String.
pub fn dec(v: i64) -> String {
    let mut s = String::with_capacity(20);
    push_i64(&mut s, v);
    s
}

fn decimal_len(mut n: u64) -> usize {
    let mut len = 1;
    while n >= 10 {
        n /= 10;
        len += 1;
    }
    len
}

fn push_ascii(s: &mut String, digits: &[u8]) {
    s.extend(digits.iter().map(|&d| char::from(d)));
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIGNED: [i64; 12] = [0, 1, -1, 9, 10, -10, 99_999, 100_000, -4095, i64::MAX, i64::MIN, 1 << 40];

    #[test]
    fn decimal_is_what_format_prints() {
        for v in SIGNED {
            assert_eq!(dec(v), format!("{v}"));
            let mut s = String::from("x");
            push_u64(&mut s, v as u64);
            assert_eq!(s, format!("x{}", v as u64));
            for w in [0, 1, 5, 6, 25] {
                let mut s = String::new();
                push_i64_width(&mut s, v, w);
                assert_eq!(s, format!("{v:w$}"), "{v} in {w}");
            }
        }
    }

    #[test]
    fn hex_is_what_format_prints() {
        for v in SIGNED.map(|v| v as u64).into_iter().chain([0xf, 0x10, 0xdead_beef, u64::MAX]) {
            assert_eq!(hex(v), format!("{v:#x}"));
        }
    }
}
