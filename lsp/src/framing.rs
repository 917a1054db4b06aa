//! Incoming LSP messages, byte by byte: [`Decoder`] cuts the stream into frames
//! (`Content-Length` headers, then a body) and [`classify`] validates a body as JSON-RPC
//! 2.0. Neither does any I/O, so fuzzing and tests can feed them any bytes.
//!
//! Nothing here gives up on the stream. A malformed header or body becomes an error
//! answer — `-32700` (parse error) for bad framing, bytes that are not UTF-8 and text
//! that is not JSON, `-32600` (invalid request) for JSON that is no request,
//! notification or response — and the decoder resynchronises on the next
//! `Content-Length` header. A frame longer than [`MAX_MESSAGE`] is refused unread, so a
//! hostile length cannot exhaust memory.

use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Id, Request, Response};

/// The largest message body accepted: 64 MiB.
pub const MAX_MESSAGE: usize = 64 * 1024 * 1024;

/// The largest header block accepted: real clients send one or two short lines.
pub const MAX_HEADER: usize = 64 * 1024;

/// Where a message starts; resynchronisation looks for it.
const MARKER: &[u8] = b"Content-Length";

/// What the decoder cut from the stream.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    /// A whole body, as announced by its `Content-Length`.
    Body(Vec<u8>),
    /// Bytes that are no well-formed frame; answered with a parse error.
    Malformed(String),
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Reading the header block of the next message.
    #[default]
    Header,
    /// Reading a body of this many bytes.
    Body(usize),
    /// Dropping bytes up to the next `Content-Length` header.
    Resync,
}

/// Cuts a byte stream into LSP frames.
#[derive(Debug, Default)]
pub struct Decoder {
    buffer: Vec<u8>,
    mode: Mode,
    /// How much of the header block in the buffer has been scanned for its end.
    scanned: usize,
}

impl Decoder {
    /// Appends bytes read from the stream.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// The next frame, or `None` until more bytes are fed.
    pub fn next_frame(&mut self) -> Option<Frame> {
        loop {
            match self.mode {
                Mode::Resync => {
                    match find(&self.buffer, MARKER) {
                        Some(at) => {
                            self.buffer.drain(..at);
                            self.mode = Mode::Header;
                        }
                        None => {
                            // Keep a tail that may be the start of a marker cut in two.
                            let keep = MARKER.len() - 1;
                            let drop = self.buffer.len().saturating_sub(keep);
                            self.buffer.drain(..drop);
                            return None;
                        }
                    }
                }
                Mode::Body(length) => {
                    if self.buffer.len() < length {
                        return None;
                    }
                    let rest = self.buffer.split_off(length);
                    let body = std::mem::replace(&mut self.buffer, rest);
                    self.mode = Mode::Header;
                    return Some(Frame::Body(body));
                }
                Mode::Header => {
                    let Some((block, end)) = header_block(&self.buffer, &mut self.scanned) else {
                        if self.buffer.len() <= MAX_HEADER {
                            return None;
                        }
                        self.scanned = 0;
                        // Skip at least one byte, so that a marker at the very start does
                        // not match again.
                        self.buffer.drain(..1);
                        self.mode = Mode::Resync;
                        return Some(Frame::Malformed(format!(
                            "the message header does not end within {MAX_HEADER} bytes"
                        )));
                    };
                    let blank = block.is_empty();
                    let header = parse_header(&block);
                    self.buffer.drain(..end);
                    if blank {
                        // A blank line between messages: nothing to answer.
                        continue;
                    }
                    match header {
                        Header::Length { length, garbage } => {
                            self.mode = Mode::Body(length);
                            // Garbage before the header is answered; the message is read.
                            if let Some(garbage) = garbage {
                                return Some(Frame::Malformed(garbage));
                            }
                        }
                        Header::Refused(reason) => {
                            // A body may follow the bad header: skip it.
                            self.mode = Mode::Resync;
                            return Some(Frame::Malformed(reason));
                        }
                    }
                }
            }
        }
    }
}

/// Finds the blank line that ends the header block at the start of `buffer`, scanning
/// from `*scanned` (the start of the first line not known to be complete, so that a
/// header fed byte by byte is scanned once). Returns the block's lines, without line
/// ends, and where the body starts. Lines end with `\r\n` as the protocol says, or with a
/// bare `\n` as sloppy clients write.
fn header_block<'a>(buffer: &'a [u8], scanned: &mut usize) -> Option<(Vec<&'a [u8]>, usize)> {
    let window = buffer.get(..buffer.len().min(MAX_HEADER))?;
    let before = |index: usize, back: usize| index.checked_sub(back).and_then(|at| window.get(at)).copied();
    let end = window.iter().enumerate().skip(*scanned).find_map(|(index, byte)| {
        // A line feed that ends an empty line: at the start, or after `\n` or `\n\r`.
        let blank = *byte == b'\n'
            && match before(index, 1) {
                None | Some(b'\n') => true,
                Some(b'\r') => matches!(before(index, 2), None | Some(b'\n')),
                Some(_) => false,
            };
        blank.then_some(index + 1)
    });
    let Some(end) = end else {
        *scanned = window.len();
        return None;
    };
    *scanned = 0;
    let lines = window
        .get(..end)
        .unwrap_or_default()
        .split(|byte| *byte == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .filter(|line| !line.is_empty())
        .collect();
    Some((lines, end))
}

enum Header {
    Length { length: usize, garbage: Option<String> },
    Refused(String),
}

fn parse_header(lines: &[&[u8]]) -> Header {
    let mut length = None;
    let mut garbage = None;
    for line in lines {
        let mut line: &[u8] = line;
        // Garbage glued to the front of a header, as after a body shorter than announced.
        if let Some(at) = find(line, MARKER).filter(|at| *at > 0) {
            garbage.get_or_insert_with(|| not_a_header(line.get(..at).unwrap_or_default()));
            line = line.get(at..).unwrap_or_default();
        }
        let Some(colon) = line.iter().position(|byte| *byte == b':') else {
            garbage.get_or_insert_with(|| not_a_header(line));
            continue;
        };
        let (name, value) =
            (line.get(..colon).unwrap_or_default(), line.get(colon + 1..).unwrap_or_default());
        if name.is_empty() || !name.iter().all(|byte| byte.is_ascii_alphanumeric() || *byte == b'-') {
            garbage.get_or_insert_with(|| not_a_header(line));
            continue;
        }
        if !name.eq_ignore_ascii_case(b"content-length") {
            // `Content-Type` and unknown headers change nothing: the body is checked to be
            // UTF-8 JSON whatever they say.
            continue;
        }
        let text = String::from_utf8_lossy(value);
        match text.trim().parse::<u64>() {
            Ok(parsed) => length = Some(parsed),
            Err(_) => {
                return Header::Refused(format!("`Content-Length: {}` is not a byte count", shown(value)));
            }
        }
    }
    match length {
        None => Header::Refused(
            garbage.unwrap_or_else(|| "the message has no `Content-Length` header".to_string()),
        ),
        Some(length) => match usize::try_from(length).ok().filter(|length| *length <= MAX_MESSAGE) {
            Some(length) => Header::Length { length, garbage },
            None => Header::Refused(format!(
                "the message is {length} bytes long, more than the limit of {MAX_MESSAGE} bytes (64 MiB)"
            )),
        },
    }
}

fn not_a_header(bytes: &[u8]) -> String {
    format!("`{}` is not an LSP header", shown(bytes))
}

/// Client bytes shown in a message: printable, and short.
fn shown(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    let mut shown: String = text.chars().take(40).flat_map(char::escape_debug).collect();
    if text.chars().nth(40).is_some() {
        shown.push('…');
    }
    shown
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

/// A validated incoming message.
#[derive(Debug)]
pub enum Incoming {
    /// A request: it gets a response.
    Request(Request),
    /// A notification: it gets none.
    Notification(Request),
    /// The client's answer to a request of the server.
    Response(Response),
    /// A message that is answered with this error, unprocessed.
    Invalid(Response),
    /// A message that cannot be answered (a malformed response), only logged.
    Ignored(String),
}

/// An error answer to a message whose id is unknown.
pub fn parse_error(message: String) -> Response {
    Response::from_error(Id::Null, Error { code: ErrorCode::ParseError, message: message.into(), data: None })
}

fn invalid_request(id: Id, message: String) -> Incoming {
    Incoming::Invalid(Response::from_error(
        id,
        Error { code: ErrorCode::InvalidRequest, message: message.into(), data: None },
    ))
}

/// What JSON type a value is, for messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "`null`",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Validates one body as a JSON-RPC 2.0 message.
pub fn classify(body: &[u8]) -> Incoming {
    let text = match std::str::from_utf8(body) {
        Ok(text) => text,
        Err(error) => {
            let at = error.valid_up_to();
            return Incoming::Invalid(parse_error(format!("the message is not UTF-8: byte {at} is invalid")));
        }
    };
    // serde_json also refuses lone surrogates (`"\ud800"`), which no Rust string can hold,
    // and nesting deeper than 128 levels.
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(error) => {
            return Incoming::Invalid(parse_error(format!("the message is not valid JSON: {error}")));
        }
    };
    let Value::Object(object) = &value else {
        let message = match &value {
            Value::Array(_) => "batches are not supported: a message must be a JSON object".to_string(),
            other => format!("a message must be a JSON object, not {}", kind(other)),
        };
        return invalid_request(Id::Null, message);
    };
    let id = match object.get("id") {
        None => None,
        Some(Value::Null) => Some(Id::Null),
        Some(Value::String(id)) => Some(Id::String(id.clone())),
        Some(Value::Number(number)) => match number.as_i64() {
            Some(id) => Some(Id::Number(id)),
            None => {
                return invalid_request(Id::Null, format!("the id `{number}` is not a 64-bit integer"));
            }
        },
        Some(other) => {
            return invalid_request(
                Id::Null,
                format!("an id must be an integer or a string, not {}", kind(other)),
            );
        }
    };
    let answer_to = || id.clone().unwrap_or(Id::Null);
    match object.get("jsonrpc") {
        Some(Value::String(version)) if version == "2.0" => {}
        Some(other) => {
            return invalid_request(answer_to(), format!("`jsonrpc` must be \"2.0\", not `{other}`"));
        }
        None => {
            return invalid_request(answer_to(), "the message has no `jsonrpc: \"2.0\"` member".to_string());
        }
    }
    match object.get("method") {
        Some(Value::String(_)) => {}
        Some(other) => {
            return invalid_request(answer_to(), format!("`method` must be a string, not {}", kind(other)));
        }
        None => {
            if object.contains_key("result") || object.contains_key("error") {
                return match serde_json::from_value(value) {
                    Ok(response) => Incoming::Response(response),
                    Err(error) => Incoming::Ignored(format!("a malformed response was ignored: {error}")),
                };
            }
            return invalid_request(
                answer_to(),
                "the message has no `method`: it is neither a request nor a notification".to_string(),
            );
        }
    }
    match object.get("params") {
        None | Some(Value::Null | Value::Object(_) | Value::Array(_)) => {}
        Some(other) => {
            return invalid_request(
                answer_to(),
                format!("`params` must be an object or an array, not {}", kind(other)),
            );
        }
    }
    let notification = id.is_none();
    match serde_json::from_value::<Request>(value) {
        Ok(request) if notification => Incoming::Notification(request),
        Ok(request) => Incoming::Request(request),
        Err(error) => invalid_request(answer_to(), format!("the message is not a valid request: {error}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> Vec<Frame> {
        let mut decoder = Decoder::default();
        let mut frames = Vec::new();
        // Byte by byte: frames must not depend on how reads cut the stream.
        for byte in input {
            decoder.feed(std::slice::from_ref(byte));
            while let Some(frame) = decoder.next_frame() {
                frames.push(frame);
            }
        }
        frames
    }

    fn body(text: &str) -> Frame {
        Frame::Body(text.as_bytes().to_vec())
    }

    #[test]
    fn well_formed_frames_are_cut_at_their_length() {
        let input = b"Content-Length: 2\r\n\r\n{}Content-Type: x\r\nContent-Length: 4\r\n\r\nnull";
        assert_eq!(frames(input), vec![body("{}"), body("null")]);
    }

    #[test]
    fn bare_line_feeds_end_header_lines_and_blank_lines_between_messages_are_skipped() {
        let input = b"Content-Length: 2\n\n{}\r\nContent-Length: 4\r\n\r\nnull";
        assert_eq!(frames(input), vec![body("{}"), body("null")]);
    }

    #[test]
    fn bad_headers_are_answered_and_the_next_message_is_read() {
        let input = b"hello\r\n\r\nContent-Length: x\r\n\r\n{}Content-Length: 2\r\n\r\n{}";
        let frames = frames(input);
        assert!(matches!(&frames[0], Frame::Malformed(message) if message.contains("`hello`")), "{frames:?}");
        assert!(
            matches!(&frames[1], Frame::Malformed(message) if message.contains("byte count")),
            "{frames:?}"
        );
        assert_eq!(frames[2..], [body("{}")]);
    }

    #[test]
    fn garbage_before_a_header_is_answered_and_the_message_is_read() {
        let frames = frames(b"junkContent-Length: 2\r\n\r\n{}");
        assert!(matches!(&frames[0], Frame::Malformed(message) if message.contains("`junk`")), "{frames:?}");
        assert_eq!(frames[1..], [body("{}")]);
    }

    #[test]
    fn a_huge_length_is_refused_without_reading_it() {
        let frames = frames(b"Content-Length: 99999999999\r\n\r\n{\"a\":1}Content-Length: 2\r\n\r\n{}");
        assert!(matches!(&frames[0], Frame::Malformed(message) if message.contains("limit")), "{frames:?}");
        assert_eq!(frames[1..], [body("{}")]);
    }

    #[test]
    fn a_header_that_never_ends_is_refused() {
        let mut input = vec![b'x'; MAX_HEADER + 10];
        input.extend_from_slice(b"Content-Length: 2\r\n\r\n{}");
        let frames = frames(&input);
        assert!(matches!(&frames[0], Frame::Malformed(_)), "{frames:?}");
        assert_eq!(frames[1..], [body("{}")]);
    }

    fn code(incoming: &Incoming) -> Option<i64> {
        match incoming {
            Incoming::Invalid(response) => response.error().map(|error| error.code.code()),
            _ => None,
        }
    }

    #[test]
    fn bodies_are_classified() {
        assert_eq!(code(&classify(b"{")), Some(-32700));
        assert_eq!(code(&classify(b"\xff{}")), Some(-32700));
        assert_eq!(
            code(&classify(br#"{"jsonrpc":"2.0","method":"x","params":{"t":"\ud800"}}"#)),
            Some(-32700)
        );
        for invalid in ["{}", "null", "[]", "[1]", "5", "true", r#"{"jsonrpc":"2.0","id":{},"method":"x"}"#] {
            assert_eq!(code(&classify(invalid.as_bytes())), Some(-32600), "{invalid}");
        }
        for invalid in [r#"{"jsonrpc":"1.0","id":1,"method":"x"}"#, r#"{"jsonrpc":"2.0","id":1}"#] {
            assert_eq!(code(&classify(invalid.as_bytes())), Some(-32600), "{invalid}");
        }
        assert!(matches!(classify(br#"{"jsonrpc":"2.0","id":1,"method":"x"}"#), Incoming::Request(_)));
        assert!(matches!(classify(br#"{"jsonrpc":"2.0","method":"x"}"#), Incoming::Notification(_)));
        assert!(matches!(classify(br#"{"jsonrpc":"2.0","id":1,"result":null}"#), Incoming::Response(_)));
    }
}
