//! What reaches the terminal. Anything a server or a file supplied may carry control
//! characters (`ESC [2J`, OSC 8 links, bidi overrides): it is escaped, in text and in JSON,
//! in results and in error messages, so it can never drive the terminal.

use std::borrow::Cow;
use std::fmt::Write as _;

use oss_sse_hyper::Error;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Output {
    Text,
    Json,
}

/// Characters that must not reach a terminal raw: C0, DEL, C1, and the invisible
/// direction and formatting marks that can reorder what a line appears to say.
fn dangerous(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// A value from outside (a key, a key id, a message) made safe for one line of text: every
/// dangerous character, newlines included, becomes a visible escape (`\x1b`, `\u{202e}`).
pub(crate) fn esc(s: &str) -> Cow<'_, str> {
    if !s.chars().any(dangerous) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !dangerous(c) {
            out.push(c);
        } else if (c as u32) < 0x80 {
            let _ = write!(out, "\\x{:02x}", c as u32);
        } else {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
    Cow::Owned(out)
}

/// Text we wrote (its newlines are ours): every other dangerous character is escaped, as a
/// second line of defence behind [`esc`] on each value.
pub(crate) fn text(s: &str) -> String {
    s.split('\n').map(esc).collect::<Vec<_>>().join("\n")
}

/// JSON with every dangerous character escaped: serde_json escapes C0 itself, and the rest
/// (DEL, C1, bidi marks) can only occur inside strings, where `\uXXXX` means the same.
pub(crate) fn json(v: &serde_json::Value) -> String {
    let s = v.to_string();
    if !s.chars().any(dangerous) {
        return s;
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if dangerous(c) {
            let mut buf = [0u16; 2];
            for unit in c.encode_utf16(&mut buf) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Prints a result in the chosen format.
pub(crate) fn print(out: Output, text_form: &str, value: serde_json::Value) {
    let mut s = match out {
        Output::Text => text(text_form),
        Output::Json => json(&value),
    };
    s.push('\n');
    stdout(&s);
}

/// Writes `s` (whole lines) to standard output in one call. When the reader has gone
/// (`oss-sse ls ... | head`), the program ends quietly with status 141, as a C tool killed by
/// SIGPIPE would; any other write error ends it with a one-line message.
pub(crate) fn stdout(s: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(s.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(141);
        }
        eprintln!("oss-sse: error: cannot write to standard output: {e}");
        std::process::exit(1);
    }
}

/// A user-facing failure: one line on stderr and a non-zero exit status.
#[derive(Debug)]
pub(crate) struct Fail {
    pub(crate) message: String,
    /// Exit status (1 for errors).
    pub(crate) code: u8,
    /// What a cancelled command cleaned up, one line each.
    pub(crate) cleaned: Vec<String>,
    pub(crate) cancelled: bool,
}

impl Fail {
    pub(crate) fn msg(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: 1,
            cleaned: Vec::new(),
            cancelled: false,
        }
    }
}

impl From<Error> for Fail {
    fn from(e: Error) -> Self {
        if let Error::Cancelled(c) = &e {
            return Self {
                message: "cancelled".into(),
                code: 1,
                cleaned: c.cleaned.iter().map(ToString::to_string).collect(),
                cancelled: true,
            };
        }
        let mut s = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(cause) = src {
            let c = cause.to_string();
            if !s.contains(&c) {
                s.push_str(": ");
                s.push_str(&c);
            }
            src = cause.source();
        }
        if let Some(svc) = e.as_service() {
            // Make sure the code and request id are on the line even if Display changes.
            if !s.contains(svc.code()) {
                s.push_str(&format!(" [code {}]", svc.code()));
            }
            if let Some(id) = svc.request_id()
                && !s.contains(id)
            {
                s.push_str(&format!(" [request id {id}]"));
            }
        }
        Self::msg(s)
    }
}

impl From<String> for Fail {
    fn from(s: String) -> Self {
        Self::msg(s)
    }
}

impl From<oss_sse_core::BuildError> for Fail {
    fn from(e: oss_sse_core::BuildError) -> Self {
        Self::msg(e.to_string())
    }
}

impl From<oss_sse_core::Error> for Fail {
    fn from(e: oss_sse_core::Error) -> Self {
        Error::from(e).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_could_drive_a_terminal() {
        assert_eq!(esc("plain/key.txt"), "plain/key.txt");
        assert_eq!(esc("a\x1b[31mb\x07"), "a\\x1b[31mb\\x07");
        assert_eq!(esc("x\u{9b}2J\u{202e}y\nz"), "x\\u{9b}2J\\u{202e}y\\x0az");
        assert_eq!(
            text("line one\nkey \x1b]0;t\x07"),
            "line one\nkey \\x1b]0;t\\x07"
        );
        let v = serde_json::json!({"k": "a\x1b\u{9b}\u{202e}\u{7f}"});
        let j = json(&v);
        assert!(!j.chars().any(dangerous), "{j}");
        let back: serde_json::Value = serde_json::from_str(&j).unwrap();
        assert_eq!(back, v, "JSON keeps the value exactly");
    }
}
