//! Where a view's output goes: FreeBSD's text tables, or libxo's JSON and
//! XML (`--libxo json|xml[,pretty]`).
//!
//! A view emits each field once, the way FreeBSD's procstat calls
//! `xo_emit()`: [`Out::text`] is display-only text (titles, padding,
//! FreeBSD's `{d:}`/`{T:}`), [`Out::field`] a value with its libxo name
//! and its text rendering (`{:name/fmt}`), [`Out::encode`] a value only
//! the structured formats carry (`{e:}`), and containers, lists,
//! instances and leaf lists give the structure (`xo_open_container()`
//! and friends). In text mode the structure is ignored; in JSON and XML
//! the text is. The field names are FreeBSD's, so a program written
//! against `procstat --libxo json` on FreeBSD finds the same keys.
//!
//! Unlike libxo, the document is built in memory and written at the end
//! of a round (one document per `-w` round), and a key written twice in
//! one object keeps its last value, so the output is always valid JSON.

use std::fmt::{Display, Write as _};

/// The output format chosen with `--libxo`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json { pretty: bool },
    Xml { pretty: bool },
}

impl Format {
    /// libxo's option string: `json`, `xml`, `text`, with `,pretty`, or
    /// the short form `JP`/`XP` (as after `--libxo:`).
    pub fn parse(spec: &str) -> Result<Format, String> {
        let (mut kind, mut pretty) = ('T', false);
        let words: Vec<&str> = spec.split(',').filter(|w| !w.is_empty()).collect();
        let short = words.len() == 1 && words[0].chars().all(|c| "TJXP".contains(c)) && words[0] != "P";
        if short && words[0].chars().all(|c| c.is_ascii_uppercase()) {
            for c in words[0].chars() {
                match c {
                    'P' => pretty = true,
                    k => kind = k,
                }
            }
        } else {
            for w in &words {
                match *w {
                    "text" => kind = 'T',
                    "json" => kind = 'J',
                    "xml" => kind = 'X',
                    "pretty" => pretty = true,
                    // Options that change nothing in what we write.
                    "warn" | "no-top" | "underscores" | "dashes" => {}
                    other => return Err(format!("--libxo: unsupported option '{other}' (supported: text, json, xml, pretty)")),
                }
            }
        }
        Ok(match kind {
            'J' => Format::Json { pretty },
            'X' => Format::Xml { pretty },
            _ => Format::Text,
        })
    }
}

/// One encoded value.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    Int(i64),
    Str(String),
    Bool(bool),
}

macro_rules! int_val {
    ($($t:ty),*) => {$(
        impl From<$t> for Val {
            fn from(v: $t) -> Val {
                Val::Int(v as i64)
            }
        }
    )*};
}
int_val!(i32, i64, u32, usize, u8);

impl From<u64> for Val {
    fn from(v: u64) -> Val {
        i64::try_from(v).map(Val::Int).unwrap_or_else(|_| Val::Str(v.to_string()))
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Val {
        Val::Str(v.to_string())
    }
}
impl From<String> for Val {
    fn from(v: String) -> Val {
        Val::Str(v)
    }
}
impl From<&String> for Val {
    fn from(v: &String) -> Val {
        Val::Str(v.clone())
    }
}
impl From<bool> for Val {
    fn from(v: bool) -> Val {
        Val::Bool(v)
    }
}

#[derive(Debug)]
enum Node {
    Leaf(Val),
    Obj(Vec<(String, Node)>),
    List(Vec<Node>),
}

impl Node {
    fn set(&mut self, key: &str, node: Node) {
        if let Node::Obj(fields) = self {
            match fields.iter_mut().find(|(k, _)| k == key) {
                Some(slot) => slot.1 = node,
                None => fields.push((key.to_string(), node)),
            }
        }
    }
}

/// The open containers, lists and instances of the document being built.
struct Doc {
    /// (name, node); instances have no name.
    stack: Vec<(Option<String>, Node)>,
}

/// Output of one round: text, or a libxo document.
pub struct Out {
    format: Format,
    text: String,
    doc: Doc,
}

impl Out {
    pub fn new(format: Format) -> Out {
        Out { format, text: String::new(), doc: Doc { stack: vec![(None, Node::Obj(Vec::new()))] } }
    }

    pub fn is_text(&self) -> bool {
        self.format == Format::Text
    }

    /// Display-only text: titles, padding, values FreeBSD shows only in
    /// the table (`{T:}`, `{d:}`, `{P:}`).
    pub fn text(&mut self, s: impl Display) {
        if self.is_text() {
            let _ = write!(self.text, "{s}");
        }
    }

    /// A value named `name` in JSON/XML, shown as `shown` in the table.
    pub fn field(&mut self, name: &str, v: impl Into<Val>, shown: impl Display) {
        if self.is_text() {
            let _ = write!(self.text, "{shown}");
        } else {
            self.put(name, Node::Leaf(v.into()));
        }
    }

    /// A value only JSON and XML carry (`{e:}`).
    pub fn encode(&mut self, name: &str, v: impl Into<Val>) {
        if !self.is_text() {
            self.put(name, Node::Leaf(v.into()));
        }
    }

    /// One member of the leaf list `name` (`{l:name}`), shown as `shown`.
    pub fn leaf(&mut self, name: &str, v: impl Into<Val>, shown: impl Display) {
        if self.is_text() {
            let _ = write!(self.text, "{shown}");
            return;
        }
        let v = Node::Leaf(v.into());
        if let Some((_, Node::Obj(fields))) = self.doc.stack.last_mut() {
            match fields.iter_mut().find(|(k, _)| k == name) {
                Some((_, Node::List(items))) => items.push(v),
                Some(slot) => slot.1 = Node::List(vec![v]),
                None => fields.push((name.to_string(), Node::List(vec![v]))),
            }
        }
    }

    /// `xo_open_container(name)`.
    pub fn open(&mut self, name: &str) {
        if !self.is_text() {
            self.doc.stack.push((Some(name.to_string()), Node::Obj(Vec::new())));
        }
    }

    /// `xo_open_list(name)`.
    pub fn open_list(&mut self, name: &str) {
        if !self.is_text() {
            self.doc.stack.push((Some(name.to_string()), Node::List(Vec::new())));
        }
    }

    /// `xo_open_instance()`: one element of the open list.
    pub fn instance(&mut self) {
        if !self.is_text() {
            self.doc.stack.push((None, Node::Obj(Vec::new())));
        }
    }

    /// Close whatever was opened last (container, list or instance).
    pub fn close(&mut self) {
        if self.is_text() || self.doc.stack.len() < 2 {
            return;
        }
        let (name, node) = self.doc.stack.pop().expect("an open frame");
        match (name, self.doc.stack.last_mut()) {
            (None, Some((_, Node::List(items)))) => items.push(node),
            (Some(name), Some((_, parent))) => parent.set(&name, node),
            _ => {}
        }
    }

    fn put(&mut self, name: &str, node: Node) {
        if let Some((_, parent)) = self.doc.stack.last_mut() {
            parent.set(name, node);
        }
    }

    /// Take what was produced so far: the text, or nothing while a
    /// document is being built.
    pub fn take_text(&mut self) -> String {
        std::mem::take(&mut self.text)
    }

    /// Finish the document of this round (everything opened is closed)
    /// and return it, newline-terminated; empty in text mode.
    pub fn finish(&mut self) -> String {
        if self.is_text() {
            return String::new();
        }
        while self.doc.stack.len() > 1 {
            self.close();
        }
        let Some((_, Node::Obj(fields))) = self.doc.stack.pop() else { return String::new() };
        self.doc.stack.push((None, Node::Obj(Vec::new())));
        let mut s = String::new();
        match self.format {
            Format::Json { pretty } => {
                let mut all = vec![("__version".to_string(), Node::Leaf(Val::Str(VERSION.into())))];
                all.extend(fields);
                json(&mut s, &Node::Obj(all), pretty, 0);
            }
            Format::Xml { pretty } => {
                for (name, node) in &fields {
                    xml(&mut s, name, node, pretty, 0, true);
                }
            }
            Format::Text => {}
        }
        s.push('\n');
        s
    }
}

/// FreeBSD's PROCSTAT_XO_VERSION.
const VERSION: &str = "1";

fn indent(s: &mut String, pretty: bool, depth: usize) {
    if pretty {
        s.push('\n');
        s.extend(std::iter::repeat_n("  ", depth));
    }
}

fn json_str(s: &mut String, v: &str) {
    s.push('"');
    for c in v.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\t' => s.push_str("\\t"),
            '\r' => s.push_str("\\r"),
            c if (c as u32) < 0x20 => {
                let _ = write!(s, "\\u{:04x}", c as u32);
            }
            c => s.push(c),
        }
    }
    s.push('"');
}

fn json(s: &mut String, node: &Node, pretty: bool, depth: usize) {
    match node {
        Node::Leaf(Val::Int(n)) => {
            let _ = write!(s, "{n}");
        }
        Node::Leaf(Val::Bool(b)) => {
            let _ = write!(s, "{b}");
        }
        Node::Leaf(Val::Str(v)) => json_str(s, v),
        Node::Obj(fields) => {
            s.push('{');
            for (i, (k, v)) in fields.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                    if !pretty {
                        s.push(' ');
                    }
                }
                indent(s, pretty, depth + 1);
                json_str(s, k);
                s.push_str(": ");
                json(s, v, pretty, depth + 1);
            }
            if !fields.is_empty() {
                indent(s, pretty, depth);
            }
            s.push('}');
        }
        Node::List(items) => {
            s.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                    if !pretty {
                        s.push(' ');
                    }
                }
                indent(s, pretty, depth + 1);
                json(s, v, pretty, depth + 1);
            }
            if !items.is_empty() {
                indent(s, pretty, depth);
            }
            s.push(']');
        }
    }
}

fn xml_escape(s: &mut String, v: &str) {
    for c in v.chars() {
        match c {
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '&' => s.push_str("&amp;"),
            '"' => s.push_str("&quot;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {
                let _ = write!(s, "&#x{:x};", c as u32);
            }
            c => s.push(c),
        }
    }
}

/// An XML element name for a key: the key itself when it is a valid
/// name; otherwise (`"1234"`, `"user time"`) `entry` with a `name`
/// attribute, where libxo would write an invalid element.
fn xml_open(s: &mut String, key: &str, top: bool) -> &'static str {
    let valid = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c));
    if valid {
        s.push('<');
        s.push_str(key);
        if top {
            let _ = write!(s, " version=\"{VERSION}\"");
        }
        s.push('>');
        ""
    } else {
        s.push_str("<entry name=\"");
        xml_escape(s, key);
        s.push_str("\">");
        "entry"
    }
}

fn xml(s: &mut String, key: &str, node: &Node, pretty: bool, depth: usize, top: bool) {
    match node {
        Node::List(items) => {
            // libxo writes a list as its repeated elements.
            for item in items {
                xml(s, key, item, pretty, depth, false);
            }
        }
        Node::Leaf(v) => {
            indent(s, pretty && depth > 0, depth);
            let alt = xml_open(s, key, top);
            match v {
                Val::Int(n) => {
                    let _ = write!(s, "{n}");
                }
                Val::Bool(b) => {
                    let _ = write!(s, "{b}");
                }
                Val::Str(t) => xml_escape(s, t),
            }
            xml_close(s, key, alt);
        }
        Node::Obj(fields) => {
            indent(s, pretty && depth > 0, depth);
            let alt = xml_open(s, key, top);
            for (k, v) in fields {
                xml(s, k, v, pretty, depth + 1, false);
            }
            if !fields.is_empty() {
                indent(s, pretty, depth);
            }
            xml_close(s, key, alt);
        }
    }
}

fn xml_close(s: &mut String, key: &str, alt: &str) {
    s.push_str("</");
    s.push_str(if alt.is_empty() { key } else { alt });
    s.push('>');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(format: Format) -> String {
        let mut o = Out::new(format);
        o.open("procstat");
        o.open("files");
        o.open("42");
        o.encode("process_id", 42);
        o.open_list("files");
        o.instance();
        o.field("fd", "cwd", "  cwd");
        o.leaf("fd_flags", "read", "r");
        o.leaf("fd_flags", "write", "w");
        o.field("path", "a \"q\" <b>", "x");
        o.close();
        o.close();
        o.encode("ok", true);
        o.finish()
    }

    #[test]
    fn json_is_libxo_shaped() {
        assert_eq!(
            sample(Format::Json { pretty: false }),
            "{\"__version\": \"1\", \"procstat\": {\"files\": {\"42\": {\"process_id\": 42, \"files\": [{\"fd\": \"cwd\", \
             \"fd_flags\": [\"read\", \"write\"], \"path\": \"a \\\"q\\\" <b>\"}], \"ok\": true}}}}\n"
        );
    }

    #[test]
    fn xml_names_invalid_keys_with_an_attribute() {
        assert_eq!(
            sample(Format::Xml { pretty: false }),
            "<procstat version=\"1\"><files><entry name=\"42\"><process_id>42</process_id><files><fd>cwd</fd>\
             <fd_flags>read</fd_flags><fd_flags>write</fd_flags><path>a &quot;q&quot; &lt;b&gt;</path></files>\
             <ok>true</ok></entry></files></procstat>\n"
        );
    }

    #[test]
    fn text_mode_keeps_only_the_text() {
        let mut o = Out::new(Format::Text);
        o.text("PID ");
        o.field("process_id", 1, format_args!("{:>5}", 1));
        o.encode("hidden", 2);
        assert_eq!(o.take_text(), "PID     1");
        assert_eq!(o.finish(), "");
    }

    #[test]
    fn libxo_option_strings() {
        assert_eq!(Format::parse("json"), Ok(Format::Json { pretty: false }));
        assert_eq!(Format::parse("json,pretty"), Ok(Format::Json { pretty: true }));
        assert_eq!(Format::parse("JP"), Ok(Format::Json { pretty: true }));
        assert_eq!(Format::parse("xml"), Ok(Format::Xml { pretty: false }));
        assert_eq!(Format::parse("text"), Ok(Format::Text));
        assert!(Format::parse("html").is_err());
    }
}
