//! The lines of a trace: calls, unfinished calls, their prefixes (pid, tid,
//! times), text and JSON lines, the `-c` table.

use super::*;

impl Session<'_> {
    /// A call that will never return (exit, exit_group, a thread that died
    /// in it): the call without a return part.
    pub(super) fn print_unfinished(&mut self, tid: i32, p: Pending) {
        if !self.cfg.filter.status.contains(Status::UNFINISHED) {
            return;
        }
        let entry = match (p.entry, p.at_exit) {
            (Some(e), _) => *e,
            // Its in-arguments are registers: the entry's text, now.
            (None, Some((number, args))) => decode::decode_entry(&self.cfg.decode, number, args, &ProcessMemory { pid: p.pid }),
            (None, None) => return,
        };
        let mut c = entry.unfinished();
        for (i, path) in &p.fds {
            c.args_text[*i] = format!("{}<{path}>", c.args_text[*i]);
        }
        if self.cfg.json {
            let o = json::syscall(p.pid, tid, &c, None);
            self.json_line(p.pid, o);
        } else {
            let mut line = self.take_line();
            self.prefix_into(&mut line, p.pid, tid, p.start.map(|s| s.elapsed()), LineTime { start: p.start, wall: p.wall });
            self.number_into(&mut line, c.number);
            c.line_into(&mut line);
            self.put_line(p.pid, line);
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn print_call(
        &mut self,
        pid: i32,
        tid: i32,
        c: Completed,
        end: &End,
        in_call: Option<Duration>,
        ret_path: Option<String>,
        injected: bool,
        when: LineTime,
    ) {
        if self.cfg.json {
            let mut o = json::syscall(pid, tid, &c, in_call.filter(|_| self.cfg.in_call || self.cfg.trailing_time));
            if matches!(end, End::Restart) {
                o = o.bool("restart", true);
            }
            if let Some(p) = &ret_path {
                o = o.str("return_path", p);
            }
            if injected {
                o = o.bool("injected", true);
            }
            self.json_line(pid, o);
            return;
        }
        let mut line = self.take_line();
        self.prefix_into(&mut line, pid, tid, in_call, when);
        self.number_into(&mut line, c.number);
        c.call_into(&mut line);
        self.end_line(pid, line, end, c.outcome, c.note.as_deref(), ret_path, injected, in_call);
    }

    /// A call decoded at its exit alone ([`decode::decodes_at_exit`]):
    /// `name(args)` written straight into the line, no [`Completed`].
    #[allow(clippy::too_many_arguments)]
    pub(super) fn print_at_exit(
        &mut self,
        pid: i32,
        tid: i32,
        (number, args): (u32, [u64; 6]),
        end: &End,
        outcome: Outcome,
        in_call: Option<Duration>,
        injected: bool,
        when: LineTime,
    ) {
        let mut line = self.take_line();
        self.prefix_into(&mut line, pid, tid, in_call, when);
        self.number_into(&mut line, number);
        let mem = ProcessMemory { pid };
        let taken = decode::call_into(&mut line, &self.cfg.decode, number, args, &mem, outcome, &mem);
        debug_assert!(taken.is_some(), "call {number} is not decoded at its exit");
        self.end_line(pid, line, end, Some(outcome), None, None, injected, in_call);
    }

    /// After the call's text: tabs, the return part, `(INJECTED)`, `-T`'s
    /// time; then the line is written.
    #[allow(clippy::too_many_arguments)]
    fn end_line(
        &mut self,
        pid: i32,
        mut line: String,
        end: &End,
        outcome: Option<Outcome>,
        note: Option<&str>,
        ret_path: Option<String>,
        injected: bool,
        in_call: Option<Duration>,
    ) {
        line.push_str(decode::padding(line.len()));
        match (end, outcome) {
            (End::Restart, _) => line.push_str(" ERESTART"),
            (_, Some(Outcome::Value(v))) => match ret_path {
                Some(p) => {
                    let _ = write!(line, " = {v}<{p}> ({:#x})", v as u64);
                }
                None => decode::render_value_note(&mut line, v, note, &self.cfg.decode),
            },
            (_, Some(o @ Outcome::Error(_))) => decode::render_error(&mut line, o, &self.cfg.decode),
            (_, None) => {}
        }
        if injected {
            line.push_str(" (INJECTED)");
        }
        if self.cfg.trailing_time {
            let d = in_call.unwrap_or_default();
            let _ = write!(line, " <{}.{:06}>", d.as_secs(), d.subsec_micros());
        }
        self.put_line(pid, line);
    }

    /// `-n`: `[ 257] `.
    pub(super) fn number_into(&self, s: &mut String, number: u32) {
        if self.cfg.syscall_numbers {
            let _ = write!(s, "[{number:>4}] ");
        }
    }

    /// strace's `-r` and wall clock (`-t`, `-tt`, `-ttt`) first, then
    /// FreeBSD's prefix (pid, tid, `-d`, `-D`), appended to `s`.
    pub(super) fn prefix_into(&mut self, s: &mut String, pid: i32, tid: i32, in_call: Option<Duration>, when: LineTime) {
        let cfg = self.cfg;
        if cfg.relative {
            let now = when.start.unwrap_or_else(Instant::now);
            let d = match self.last_line {
                Some(prev) => now.saturating_duration_since(prev),
                None => Duration::ZERO,
            };
            self.last_line = Some(now);
            let _ = write!(s, "{:>6}.{:06} ", d.as_secs(), d.subsec_micros());
        }
        if cfg.wall_clock > 0 {
            crate::truss::clock::wall_clock_into(s, cfg.wall_clock, when.wall.unwrap_or_else(SystemTime::now));
        }
        decode::line_prefix_into(
            s,
            ((cfg.follow || cfg.pids.len() > 1) && !cfg.per_process_files).then_some(pid),
            cfg.show_tid.then_some(tid),
            cfg.since_start.then(|| self.start.elapsed()),
            if cfg.in_call { Some(in_call.unwrap_or_default()) } else { None },
        );
    }

    /// The line buffer, empty: lines are built in one reused String.
    pub(super) fn take_line(&mut self) -> String {
        let mut line = std::mem::take(&mut self.line);
        line.clear();
        line
    }

    pub(super) fn put_line(&mut self, pid: i32, line: String) {
        self.out.line_for(pid, &line);
        self.line = line;
    }

    pub(super) fn text_line(&mut self, pid: i32, tid: i32, in_call: Option<Duration>, text: &str) {
        let mut line = self.take_line();
        let when = LineTime { start: Some(Instant::now()), wall: Some(SystemTime::now()) };
        self.prefix_into(&mut line, pid, tid, in_call, when);
        line.push_str(text);
        self.put_line(pid, line);
    }

    pub(super) fn json_line(&mut self, pid: i32, o: json::Object) {
        let o = if self.cfg.since_start || self.cfg.wall_clock > 0 { o.seconds("time", self.start.elapsed()) } else { o };
        self.out.line_for(pid, &o.finish());
    }

    pub(super) fn summary_table(&self) -> String {
        self.summary.render_sorted(summary_sort(self.cfg.sort_by))
    }
}
