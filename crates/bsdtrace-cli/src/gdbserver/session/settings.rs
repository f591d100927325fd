//! `Q` packets (what gdb sets: no-ack mode, non-stop, signals to pass,
//! catch syscalls, environment, ...) and lldb's `j` packets.

use super::*;

impl Session<'_> {
    // ---- settings ----

    pub(super) fn set(&mut self, body: &[u8]) {
        if body == b"QStartNoAckMode" {
            self.ok();
            self.reader.noack = true;
            return;
        }
        if let Some(a) = body.strip_prefix(b"QNonStop:") {
            return match a {
                b"0" if self.inf.ns.is_none() => self.ok(),
                // Back to all-stop only with every thread stopped.
                b"0" if self.inf.all_stopped() => {
                    self.inf.leave_non_stop();
                    self.ok()
                }
                b"1" => match self.inf.enter_non_stop() {
                    Ok(()) => self.ok(),
                    Err(_) => self.err(),
                },
                _ => self.err(),
            };
        }
        if let Some(a) = body.strip_prefix(b"QPassSignals:") {
            return match signal_set(a) {
                Some(m) => {
                    self.inf.opts.pass = m;
                    self.ok()
                }
                None => self.err(),
            };
        }
        if let Some(a) = body.strip_prefix(b"QProgramSignals:") {
            return match signal_set(a) {
                Some(m) => {
                    self.inf.opts.program = Some(m);
                    self.ok()
                }
                None => self.err(),
            };
        }
        if let Some(a) = body.strip_prefix(b"QCatchSyscalls:") {
            let mut it = a.split(|&c| c == b';');
            match it.next() {
                Some(b"0") => self.inf.opts.catch_syscalls = None,
                Some(b"1") => {
                    let mut set = std::collections::HashSet::new();
                    for n in it {
                        let Some(v) = hex_u64(n) else { return self.err() };
                        set.insert(v);
                    }
                    self.inf.opts.catch_syscalls = Some(set);
                }
                _ => return self.err(),
            }
            self.inf.reconfigure();
            return self.ok();
        }
        if let Some(a) = body.strip_prefix(b"QThreadEvents:") {
            return match a {
                b"0" | b"1" => {
                    self.inf.opts.thread_events = a == b"1";
                    self.inf.reconfigure();
                    self.ok()
                }
                _ => self.err(),
            };
        }
        if let Some(a) = body.strip_prefix(b"QDisableRandomization:") {
            return match a {
                b"0" | b"1" => {
                    self.settings.disable_aslr = a == b"1";
                    self.ok()
                }
                _ => self.err(),
            };
        }
        if let Some(a) = body.strip_prefix(b"QStartupWithShell:") {
            return match a {
                b"0" | b"1" => {
                    self.settings.shell = a == b"1";
                    self.ok()
                }
                _ => self.err(),
            };
        }
        if let Some(a) = body.strip_prefix(b"QSetWorkingDir:") {
            if a.is_empty() {
                self.settings.cwd = None;
                return self.ok();
            }
            return match hex_bytes(a) {
                Some(d) => {
                    self.settings.cwd = Some(String::from_utf8_lossy(&d).into_owned());
                    self.ok()
                }
                None => self.err(),
            };
        }
        if body == b"QEnvironmentReset" {
            self.settings.env_changes.clear();
            return self.ok();
        }
        if let Some(a) = body.strip_prefix(b"QEnvironmentHexEncoded:") {
            let Some(kv) = hex_bytes(a) else { return self.err() };
            let kv = String::from_utf8_lossy(&kv).into_owned();
            let Some((k, v)) = kv.split_once('=') else { return self.err() };
            self.settings.env_changes.push((k.to_string(), Some(v.to_string())));
            return self.ok();
        }
        if let Some(a) = body.strip_prefix(b"QEnvironmentUnset:") {
            let Some(k) = hex_bytes(a) else { return self.err() };
            self.settings.env_changes.push((String::from_utf8_lossy(&k).into_owned(), None));
            return self.ok();
        }
        match body {
            b"QThreadSuffixSupported" => {
                self.client.thread_suffix = true;
                self.ok()
            }
            b"QListThreadsInStopReply" => {
                self.client.threads_in_stop = true;
                self.ok()
            }
            _ => self.empty(),
        }
    }

    pub(super) fn j_packet(&mut self, body: &[u8]) {
        if body == b"jThreadsInfo" {
            let json = lldb::threads_info(self.inf, self.last.as_ref());
            let mut out = Vec::new();
            packet::escape_into(&mut out, json.as_bytes());
            return self.send(&out);
        }
        self.empty()
    }
}
