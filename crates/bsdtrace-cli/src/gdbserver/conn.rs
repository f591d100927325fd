//! The byte stream to gdb (stdio, TCP or a Unix-domain socket) and who
//! may open it.
//!
//! A debugger connected to the server can read and write the program's
//! memory and run code as the program's user, so by default the server
//! accepts only clients running as its own user (or root, who could debug
//! the program anyway). The client's uid comes from the kernel: for a
//! Unix-domain socket `SO_PEERCRED`, for TCP the owner of the client's
//! socket in `/proc/net/tcp` / `tcp6` (a connection from another machine
//! has no such entry and is refused). `--allow-other-users` turns the
//! check off.

use bsdtrace::error::io_message;
use std::fs::File;
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixListener;
use std::path::PathBuf;

/// A connection: raw reads (no userspace buffer hides bytes from poll),
/// whole-packet writes.
pub struct Conn {
    rd: File,
    wr: File,
    buf: Vec<u8>,
}

impl Conn {
    pub fn new(rd: OwnedFd, wr: OwnedFd) -> Conn {
        Conn { rd: File::from(rd), wr: File::from(wr), buf: vec![0; 16384] }
    }

    pub fn fd(&self) -> RawFd {
        self.rd.as_raw_fd()
    }

    /// What is available (blocks until something is); `None` at EOF. A
    /// reset connection is an error like any other: the session ends, the
    /// program stays.
    pub fn read(&mut self) -> std::io::Result<Option<&[u8]>> {
        loop {
            match self.rd.read(&mut self.buf) {
                Ok(0) => return Ok(None),
                Ok(n) => return Ok(Some(&self.buf[..n])),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    pub fn write(&mut self, b: &[u8]) -> std::io::Result<()> {
        self.wr.write_all(b)?;
        self.wr.flush()
    }
}

pub enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener, PathBuf),
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Listener::Unix(_, path) = self {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Listener {
    /// `HOST:PORT`, `:PORT` (127.0.0.1) or a path (a Unix-domain socket).
    pub fn bind(comm: &str) -> Result<Listener, String> {
        if comm.contains('/') {
            let path = PathBuf::from(comm);
            let _ = std::fs::remove_file(&path).or_else(|e| {
                if e.kind() == std::io::ErrorKind::NotFound {
                    Ok(())
                } else {
                    Err(e)
                }
            });
            let l = UnixListener::bind(&path).map_err(|e| format!("cannot listen on {comm}: {}", io_message(&e)))?;
            // Accepted only after poll() says so; a client gone meanwhile
            // must not block us.
            l.set_nonblocking(true).map_err(|e| io_message(&e))?;
            return Ok(Listener::Unix(l, path));
        }
        let addr = if comm.starts_with(':') { format!("127.0.0.1{comm}") } else { comm.to_string() };
        let l = TcpListener::bind(&addr).map_err(|e| format!("cannot listen on {addr}: {}", io_message(&e)))?;
        l.set_nonblocking(true).map_err(|e| io_message(&e))?;
        Ok(Listener::Tcp(l))
    }

    pub fn describe(&self) -> String {
        match self {
            Listener::Tcp(l) => format!("Listening on port {}", l.local_addr().map(|a| a.port()).unwrap_or(0)),
            Listener::Unix(_, p) => format!("Listening on {}", p.display()),
        }
    }

    /// The next client allowed in; others are told why on stderr and
    /// closed.
    /// `None` if a termination signal came first.
    pub fn accept(&self, allow_others: bool, term: &OwnedFd) -> Result<Option<Conn>, String> {
        super::note(&self.describe());
        loop {
            let lfd = match self {
                Listener::Tcp(l) => l.as_raw_fd(),
                Listener::Unix(l, _) => l.as_raw_fd(),
            };
            let ready = super::evloop::poll_readable(&[lfd, term.as_raw_fd()]).map_err(|e| format!("poll: {e}"))?;
            if ready[1] {
                super::evloop::drain(term);
                if bsdtrace::sys::host::terminated() {
                    return Ok(None);
                }
            }
            if !ready[0] {
                continue;
            }
            let would_block = |e: &std::io::Error| e.kind() == std::io::ErrorKind::WouldBlock;
            let (fd, who, uid): (OwnedFd, String, Option<u32>) = match self {
                Listener::Tcp(l) => {
                    let (s, peer) = match l.accept() {
                        Ok(x) => x,
                        Err(e) if would_block(&e) => continue,
                        Err(e) => return Err(format!("accept: {}", io_message(&e))),
                    };
                    let _ = s.set_nonblocking(false);
                    let uid = s.local_addr().ok().and_then(|me| tcp_peer_uid(me, peer));
                    let _ = s.set_nodelay(true);
                    (OwnedFd::from(s), format!("host {}, port {}", peer.ip(), peer.port()), uid)
                }
                Listener::Unix(l, _) => {
                    let (s, _) = match l.accept() {
                        Ok(x) => x,
                        Err(e) if would_block(&e) => continue,
                        Err(e) => return Err(format!("accept: {}", io_message(&e))),
                    };
                    let _ = s.set_nonblocking(false);
                    let cred = bsdtrace::sys::host::peer_cred(s.as_raw_fd()).ok();
                    let who = match cred {
                        Some((_, pid)) => format!("process {pid}"),
                        None => "an unknown process".into(),
                    };
                    (OwnedFd::from(s), who, cred.map(|c| c.0))
                }
            };
            let me = bsdtrace::sys::geteuid();
            let allowed = allow_others || uid.is_some_and(|u| u == me || u == 0);
            if !allowed {
                let whose = uid.map(|u| format!("uid {u}")).unwrap_or_else(|| "an unknown user".into());
                super::note(&format!(
                    "Refused a connection from {who} ({whose}): only uid {me} may debug through this server (see --allow-other-users)"
                ));
                drop(fd);
                continue;
            }
            super::note(&format!("Remote debugging from {who}"));
            let rd = fd.try_clone().map_err(|e| io_message(&e))?;
            return Ok(Some(Conn::new(rd, fd)));
        }
    }
}

/// The owner of the client end of a TCP connection from this machine:
/// the socket whose local address is `peer` and remote address `me`.
fn tcp_peer_uid(me: SocketAddr, peer: SocketAddr) -> Option<u32> {
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else { continue };
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 8 {
                continue;
            }
            let (Some(local), Some(remote)) = (proc_addr(f[1]), proc_addr(f[2])) else { continue };
            if same(local, peer) && same(remote, me) {
                return f[7].parse().ok();
            }
        }
    }
    None
}

/// IPv4-mapped IPv6 addresses compare as IPv4.
fn same(a: SocketAddr, b: SocketAddr) -> bool {
    let norm = |ip: IpAddr| match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    };
    a.port() == b.port() && norm(a.ip()) == norm(b.ip())
}

/// `0100007F:3039` (IPv4) or 32 hex digits + port (IPv6): each 32-bit word
/// in the kernel's (little-endian) byte order.
fn proc_addr(s: &str) -> Option<SocketAddr> {
    let (ip, port) = s.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let words: Option<Vec<u32>> =
        (0..ip.len() / 8).map(|i| u32::from_str_radix(ip.get(i * 8..i * 8 + 8)?, 16).ok().map(u32::swap_bytes)).collect();
    let words = words?;
    let ip = match words.as_slice() {
        [a] => IpAddr::V4(Ipv4Addr::from(*a)),
        [a, b, c, d] => {
            let mut bytes = [0u8; 16];
            for (i, w) in [a, b, c, d].iter().enumerate() {
                bytes[i * 4..i * 4 + 4].copy_from_slice(&w.to_be_bytes());
            }
            IpAddr::V6(Ipv6Addr::from(bytes))
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpStream;

    #[test]
    fn proc_net_addresses_decode() {
        assert_eq!(proc_addr("0100007F:3039"), Some("127.0.0.1:12345".parse().unwrap()));
        assert_eq!(proc_addr("00000000000000000000000001000000:0016"), Some("[::1]:22".parse().unwrap()));
        assert_eq!(proc_addr("0000000000000000FFFF00000100007F:0016"), Some("[::ffff:127.0.0.1]:22".parse().unwrap()));
        assert!(same("[::ffff:127.0.0.1]:22".parse().unwrap(), "127.0.0.1:22".parse().unwrap()));
        assert_eq!(proc_addr("zz:1"), None);
    }

    #[test]
    fn a_loopback_client_is_seen_with_our_uid() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let t = std::thread::spawn(move || l.accept().map(|(s, p)| (s.local_addr().unwrap(), p)).unwrap());
        let c = TcpStream::connect(addr).unwrap();
        let (me, peer) = t.join().unwrap();
        assert_eq!(tcp_peer_uid(me, peer), Some(bsdtrace::sys::geteuid()));
        drop(c);
    }
}
