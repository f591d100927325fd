//! The remote protocol's framing: `$body#xx` packets with a checksum, the
//! `+`/`-` acknowledgements, the Ctrl-C byte, and the escaping of binary
//! data. Input is untrusted: every byte sequence decodes to some [`Frame`]
//! (a bad checksum, an over-long or truncated packet included), so nothing
//! a client sends can end the session or make the reader grow without
//! bound.

/// The largest packet body we accept (and announce as `PacketSize`).
/// Bigger input is consumed and answered with an error, never buffered.
pub const MAX_PACKET: usize = 0x10000;

/// One unit of input.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    /// A packet whose checksum matched (or was not checked: no-ack mode).
    Packet(Vec<u8>),
    /// A packet whose checksum did not match or was not hex: NAK it.
    BadChecksum,
    /// A packet longer than [`MAX_PACKET`], consumed whole.
    TooLong,
    /// `+`.
    Ack,
    /// `-`: the client asks for the last packet again.
    Nak,
    /// 0x03 outside a packet: stop the program.
    Interrupt,
}

#[derive(Debug)]
enum State {
    /// Between packets.
    Idle,
    /// Inside `$...`, before `#`.
    Body,
    /// After `#`: how many checksum digits we have.
    Sum(u8),
}

/// Turns the byte stream into frames, keeping only what an unfinished
/// packet needs.
pub struct Reader {
    /// No-ack mode: the checksum is not checked (gdb trusts the medium
    /// there and so do we, as gdbserver does).
    pub noack: bool,
    state: State,
    body: Vec<u8>,
    sum: u8,
    digits: [u8; 2],
    overflow: bool,
}

impl Default for Reader {
    fn default() -> Self {
        Reader { noack: false, state: State::Idle, body: Vec::new(), sum: 0, digits: [0; 2], overflow: false }
    }
}

fn hexval(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl Reader {
    /// Feed one byte; a completed frame comes out.
    pub fn push(&mut self, b: u8) -> Option<Frame> {
        match self.state {
            State::Idle => match b {
                b'$' => {
                    self.start();
                    None
                }
                b'+' => Some(Frame::Ack),
                b'-' => Some(Frame::Nak),
                0x03 => Some(Frame::Interrupt),
                // Line noise between packets is ignored, as gdbserver does.
                _ => None,
            },
            State::Body => {
                match b {
                    b'#' => self.state = State::Sum(0),
                    // A `$` cannot appear unescaped in a body: the packet
                    // before it was cut short. Start over with the new one.
                    b'$' => self.start(),
                    _ => {
                        self.sum = self.sum.wrapping_add(b);
                        if self.body.len() < MAX_PACKET {
                            self.body.push(b);
                        } else {
                            self.overflow = true;
                        }
                    }
                }
                None
            }
            State::Sum(n) => {
                self.digits[n as usize] = b;
                if n == 0 {
                    self.state = State::Sum(1);
                    return None;
                }
                self.state = State::Idle;
                let body = std::mem::take(&mut self.body);
                let ok = self.noack
                    || match (hexval(self.digits[0]), hexval(self.digits[1])) {
                        (Some(h), Some(l)) => (h << 4 | l) == self.sum,
                        _ => false,
                    };
                Some(if !ok {
                    Frame::BadChecksum
                } else if self.overflow {
                    Frame::TooLong
                } else {
                    Frame::Packet(body)
                })
            }
        }
    }

    fn start(&mut self) {
        self.state = State::Body;
        self.body.clear();
        self.sum = 0;
        self.overflow = false;
    }
}

/// Append `data` to a packet body, escaping what a binary payload must
/// not carry raw (`#`, `$`, `}`, and `*`, which would read as run-length
/// encoding).
pub fn escape_into(out: &mut Vec<u8>, data: &[u8]) {
    for &b in data {
        if matches!(b, b'#' | b'$' | b'}' | b'*') {
            out.push(b'}');
            out.push(b ^ 0x20);
        } else {
            out.push(b);
        }
    }
}

/// How many bytes of `data` fit in `room` bytes once escaped.
pub fn escaped_prefix(data: &[u8], room: usize) -> usize {
    let mut used = 0;
    for (i, &b) in data.iter().enumerate() {
        let w = if matches!(b, b'#' | b'$' | b'}' | b'*') { 2 } else { 1 };
        if used + w > room {
            return i;
        }
        used += w;
    }
    data.len()
}

/// Undo [`escape_into`] (binary packets: `X`, `vFile:pwrite`). A trailing
/// lone `}` is malformed.
pub fn unescape(data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len());
    let mut it = data.iter();
    while let Some(&b) = it.next() {
        if b == b'}' {
            out.push(it.next()? ^ 0x20);
        } else {
            out.push(b);
        }
    }
    Some(out)
}

/// Frame a packet body: `$`, the body run-length encoded where that
/// saves bytes, `#`, the checksum.
pub fn frame(body: &[u8], out: &mut Vec<u8>) {
    out.push(b'$');
    let start = out.len();
    let mut i = 0;
    while i < body.len() {
        let b = body[i];
        let mut run = 1;
        while i + run < body.len() && body[i + run] == b && run < 98 {
            run += 1;
        }
        // A repeat count n is sent as the byte n + 29 after `*`; counts
        // whose byte would be `#` (6) or `$` (7) are not allowed, and a
        // run must save bytes to be worth it (more than 3 repeats).
        let mut reps = run - 1;
        if reps >= 3 {
            if reps == 6 || reps == 7 {
                reps = 5;
            }
            out.push(b);
            out.push(b'*');
            out.push(reps as u8 + 29);
            i += reps + 1;
        } else {
            out.push(b);
            i += 1;
        }
    }
    let sum = out[start..].iter().fold(0u8, |a, &b| a.wrapping_add(b));
    out.push(b'#');
    out.extend_from_slice(format!("{sum:02x}").as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(r: &mut Reader, bytes: &[u8]) -> Vec<Frame> {
        bytes.iter().filter_map(|&b| r.push(b)).collect()
    }

    fn pkt(body: &str) -> Vec<u8> {
        let sum = body.bytes().fold(0u8, |a, b| a.wrapping_add(b));
        format!("${body}#{sum:02x}").into_bytes()
    }

    #[test]
    fn packets_acks_and_interrupts_are_told_apart() {
        let mut r = Reader::default();
        let mut input = b"+-\x03".to_vec();
        input.extend(pkt("qSupported:x+"));
        input.extend(b"junk");
        input.extend(pkt("g"));
        let f = feed(&mut r, &input);
        assert_eq!(
            f,
            vec![Frame::Ack, Frame::Nak, Frame::Interrupt, Frame::Packet(b"qSupported:x+".to_vec()), Frame::Packet(b"g".to_vec())]
        );
    }

    #[test]
    fn bad_and_non_hex_checksums_are_reported() {
        let mut r = Reader::default();
        assert_eq!(feed(&mut r, b"$g#00"), vec![Frame::BadChecksum]);
        assert_eq!(feed(&mut r, b"$g#zz"), vec![Frame::BadChecksum]);
        assert_eq!(feed(&mut r, &pkt("g")), vec![Frame::Packet(b"g".to_vec())]);
    }

    #[test]
    fn a_dollar_restarts_a_truncated_packet() {
        let mut r = Reader::default();
        let mut input = b"$m1234,".to_vec();
        input.extend(pkt("?"));
        assert_eq!(feed(&mut r, &input), vec![Frame::Packet(b"?".to_vec())]);
    }

    #[test]
    fn an_oversized_packet_is_consumed_without_being_kept() {
        let mut r = Reader::default();
        let body = "A".repeat(MAX_PACKET * 16);
        assert_eq!(feed(&mut r, &pkt(&body)), vec![Frame::TooLong]);
        assert!(r.body.capacity() <= MAX_PACKET * 2);
        assert_eq!(feed(&mut r, &pkt("?")), vec![Frame::Packet(b"?".to_vec())]);
    }

    #[test]
    fn no_ack_mode_takes_any_checksum() {
        let mut r = Reader { noack: true, ..Default::default() };
        let f = feed(&mut r, b"$g#00$s#zz");
        assert_eq!(f, vec![Frame::Packet(b"g".to_vec()), Frame::Packet(b"s".to_vec())]);
    }

    #[test]
    fn escaping_round_trips_every_byte() {
        let data: Vec<u8> = (0..=255).collect();
        let mut esc = Vec::new();
        escape_into(&mut esc, &data);
        assert!(!esc.iter().any(|&b| b == b'#' || b == b'$' || b == b'*'));
        assert_eq!(unescape(&esc).unwrap(), data);
        assert_eq!(unescape(b"ab}"), None);
        assert_eq!(escaped_prefix(b"a#b", 2), 1);
        assert_eq!(escaped_prefix(b"a#b", 3), 2);
    }

    /// gdb's decoding of a run-length encoded reply.
    fn expand(framed: &[u8]) -> Vec<u8> {
        let end = framed.iter().rposition(|&b| b == b'#').unwrap();
        let body = &framed[1..end];
        let sum = body.iter().fold(0u8, |a, &b| a.wrapping_add(b));
        assert_eq!(format!("{sum:02x}").as_bytes(), &framed[end + 1..]);
        let mut out = Vec::new();
        let mut i = 0;
        while i < body.len() {
            if body[i] == b'*' {
                let n = (body[i + 1] - 29) as usize;
                assert!(body[i + 1] != b'#' && body[i + 1] != b'$');
                let last = *out.last().unwrap();
                out.extend(std::iter::repeat_n(last, n));
                i += 2;
            } else {
                out.push(body[i]);
                i += 1;
            }
        }
        out
    }

    #[test]
    fn run_length_encoding_decodes_to_the_body() {
        for body in ["", "0", "0000", "00000000", "000000000000000000000000000000ff", "abc", &"0".repeat(1000), "0000000x00000000"] {
            let mut out = Vec::new();
            frame(body.as_bytes(), &mut out);
            assert_eq!(expand(&out), body.as_bytes(), "{body}");
        }
        let mut out = Vec::new();
        frame(&[b'0'; 512], &mut out);
        assert!(out.len() < 40, "{}", String::from_utf8_lossy(&out));
    }
}
