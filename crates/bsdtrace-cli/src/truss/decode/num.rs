//! Integers as truss prints them, appended to a `String` without the
//! `core::fmt` machinery: every syscall line prints several (the return
//! value in decimal and hex, the pid, the arguments), and `write!` costs
//! hundreds of instructions per number, a visible part of a full trace.
//!
//! Each function prints exactly what the `format!` spec it names prints.

/// Two decimal digits per table entry: half the divisions of one at a time.
const PAIRS: &[u8; 200] = b"\
    0001020304050607080910111213141516171819\
    2021222324252627282930313233343536373839\
    4041424344454647484950515253545556575859\
    6061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899";

/// `{v}` for an unsigned value.
pub fn push_u64(s: &mut String, v: u64) {
    let (buf, i) = decimal(v);
    push_ascii(s, &buf[i..]);
}

/// `v`'s decimal digits: they are `buf[i..]`.
#[inline]
fn decimal(v: u64) -> ([u8; 20], usize) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = v;
    while n >= 100 {
        let r = (n % 100) as usize * 2;
        n /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&PAIRS[r..r + 2]);
    }
    if n >= 10 {
        let r = n as usize * 2;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&PAIRS[r..r + 2]);
    } else {
        i -= 1;
        buf[i] = b'0' + n as u8;
    }
    (buf, i)
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
    const SPACES: &str = "                ";
    let mut pad = w.saturating_sub(decimal_len(v.unsigned_abs()) + usize::from(v < 0));
    while pad > 0 {
        let n = pad.min(SPACES.len());
        s.push_str(&SPACES[..n]);
        pad -= n;
    }
    push_i64(s, v);
}

/// `{v:#x}` (`0x` and lowercase digits; `0x0` for zero).
pub fn push_hex(s: &mut String, v: u64) {
    let (buf, i) = hexadecimal(v);
    push_ascii(s, &buf[i..]);
}

/// `{v:#x}`'s characters: they are `buf[i..]`.
#[inline]
fn hexadecimal(v: u64) -> ([u8; 18], usize) {
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
    (buf, i)
}

/// ` = {v} ({v:#x})`, a returned value as truss shows it: every line of
/// a call that succeeded has one, so it is reserved and pushed at once.
pub fn push_value(s: &mut String, v: i64) {
    let (dec, i) = decimal(v.unsigned_abs());
    let (hex, j) = hexadecimal(v as u64);
    s.reserve(3 + 1 + (20 - i) + 2 + (18 - j) + 1);
    push_ascii_reserved(s, b" = ");
    if v < 0 {
        s.push('-');
    }
    push_ascii_reserved(s, &dec[i..]);
    push_ascii_reserved(s, b" (");
    push_ascii_reserved(s, &hex[j..]);
    s.push(')');
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

/// Appends ASCII bytes (digits): one reservation, then a byte each
/// (cheaper for a few digits than `str::from_utf8` and a copy).
fn push_ascii(s: &mut String, digits: &[u8]) {
    s.reserve(digits.len());
    push_ascii_reserved(s, digits);
}

/// [`push_ascii`] where room was reserved. The mask tells the compiler
/// each byte is below 0x80, one UTF-8 byte: no width test per byte.
#[inline]
fn push_ascii_reserved(s: &mut String, digits: &[u8]) {
    for &d in digits {
        s.push(char::from(d & 0x7f));
    }
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
    fn every_digit_pair_is_what_format_prints() {
        for v in (0..100_000u64).chain((0..64).map(|b| 1u64 << b)).chain((1..20).map(|e| 10u64.pow(e) - 1)) {
            let mut s = String::new();
            push_u64(&mut s, v);
            assert_eq!(s, v.to_string());
        }
    }

    #[test]
    fn a_value_is_what_format_prints() {
        for v in SIGNED.into_iter().chain([-14, 0xdead_beef, 1 << 63]) {
            let mut s = String::from("x");
            push_value(&mut s, v);
            assert_eq!(s, format!("x = {v} ({:#x})", v as u64));
        }
    }

    #[test]
    fn hex_is_what_format_prints() {
        for v in SIGNED.map(|v| v as u64).into_iter().chain([0xf, 0x10, 0xdead_beef, u64::MAX]) {
            assert_eq!(hex(v), format!("{v:#x}"));
        }
    }
}
