//! SMTP spoken here, over plain TCP, for `smtp://` without TLS: a relay on
//! the same machine, which is what a large send goes through. Two things
//! make it fast. Nagle's algorithm is off (with it on, each message waits
//! for the server's delayed ACK, 40 ms on Linux). And when the server
//! offers PIPELINING (RFC 2920), the next message's envelope (MAIL, RCPT,
//! DATA) goes out in the same write as this message's content, so a
//! message costs one round trip instead of four.
//!
//! A message is taken only at its final dot, so sending the next envelope
//! early commits nothing: the caller still decides, message by message,
//! when each content goes out.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use lettre::address::Envelope;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::{SendError, TIMEOUT};

/// The longest reply line read; a server sending more is not one to talk to.
const LINE_LIMIT: u64 = 4096;

pub struct Connection {
    stream: BufReader<TcpStream>,
    out: Vec<u8>,
    place: String,
    pipelining: bool,
    smtputf8: bool,
    eightbit: bool,
    /// An envelope sent ahead with the previous content, and the server's
    /// verdict on it. When it was taken, the server waits for its content.
    ahead: Option<(Envelope, Result<(), SendError>)>,
    /// Set after a lost connection or a reply out of step: never reused.
    broken: bool,
}

struct Reply {
    code: u16,
    text: String,
}

impl Reply {
    /// A refusal of this message, in the server's words.
    fn refusal(&self) -> SendError {
        let text = format!("{} {}", self.code, self.text);
        match self.code {
            500..=599 => SendError::Permanent(text),
            400..=499 => SendError::Transient(text),
            _ => SendError::Unavailable(format!("the mail server answered out of turn: {text}")),
        }
    }
}

impl Connection {
    /// Connects, reads the greeting, says EHLO and logs in with `credentials` when given.
    pub async fn open(host: &str, port: u16, hello: &str, credentials: Option<(&str, &str)>) -> Result<Self, SendError> {
        let place = format!("{host}:{port}");
        let stream = match tokio::time::timeout(TIMEOUT, TcpStream::connect((host, port))).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(error)) => return Err(SendError::Unavailable(format!("cannot connect to the mail server {place}: {error}"))),
            Err(_) => return Err(SendError::Unavailable(format!("no answer from the mail server {place} within 30 s"))),
        };
        stream.set_nodelay(true).map_err(|e| SendError::Unavailable(e.to_string()))?;
        let mut connection = Connection {
            stream: BufReader::new(stream),
            out: Vec::with_capacity(16 * 1024),
            place,
            pipelining: false,
            smtputf8: false,
            eightbit: false,
            ahead: None,
            broken: false,
        };
        let greet = async {
            connection.expect(220).await?;
            connection.out.extend_from_slice(format!("EHLO {hello}\r\n").as_bytes());
            connection.flush().await?;
            let ehlo = connection.expect(250).await?;
            for line in ehlo.text.lines().map(|l| l.trim().to_ascii_uppercase()) {
                let keyword = line.split_whitespace().next().unwrap_or_default();
                connection.pipelining |= keyword == "PIPELINING";
                connection.smtputf8 |= keyword == "SMTPUTF8";
                connection.eightbit |= keyword == "8BITMIME";
            }
            if let Some((user, password)) = credentials {
                let token = STANDARD.encode(format!("\0{user}\0{password}"));
                connection.out.extend_from_slice(format!("AUTH PLAIN {token}\r\n").as_bytes());
                connection.flush().await?;
                connection.expect(235).await?;
            }
            Ok(())
        };
        match tokio::time::timeout(TIMEOUT, greet).await {
            Ok(Ok(())) => Ok(connection),
            Ok(Err(error)) => Err(error),
            Err(_) => Err(SendError::Unavailable(format!("the mail server {} did not finish greeting within 30 s", connection.place))),
        }
    }

    /// Whether this connection may go back to the idle ones.
    pub fn reusable(&self) -> bool {
        !self.broken && self.ahead.is_none()
    }

    /// Whether this connection can send to `envelope` now: idle, or waiting for just its content.
    pub fn ready_for(&self, envelope: &Envelope) -> bool {
        !self.broken && self.ahead.as_ref().is_none_or(|(ahead, _)| ahead == envelope)
    }

    /// Sends `content` (a whole message, CRLF line ends) to `envelope`.
    /// `next`, when given, is the envelope of the message the caller sends
    /// next on this connection; it goes ahead when the server pipelines.
    pub async fn send(&mut self, envelope: &Envelope, content: &[u8], next: Option<&Envelope>) -> Result<(), SendError> {
        let sent = async {
            match self.ahead.take() {
                Some((ahead, verdict)) if &ahead == envelope => verdict?,
                Some(_) => {
                    // The server waits for another message's content; only closing ends that.
                    self.broken = true;
                    return Err(SendError::Unavailable("the connection was left waiting for another message".into()));
                }
                None => {
                    self.write_envelope(envelope);
                    self.open_envelope(envelope).await?;
                }
            }
            write_content(&mut self.out, content);
            let next = next.filter(|_| self.pipelining);
            if let Some(next) = next {
                self.write_envelope(next);
            }
            self.flush().await?;
            let taken = self.reply().await?;
            if let Some(next) = next {
                let verdict = self.open_envelope(next).await;
                // Only a lost connection stops here; the next message's refusal is its own.
                if let Err(SendError::Unavailable(_)) = &verdict {
                    self.ahead = None;
                } else {
                    self.ahead = Some((next.clone(), verdict));
                }
            }
            if taken.code == 250 { Ok(()) } else { Err(taken.refusal()) }
        };
        match tokio::time::timeout(TIMEOUT, sent).await {
            Ok(result) => result,
            Err(_) => {
                self.broken = true;
                Err(SendError::Unavailable(format!("the mail server {} did not answer within 30 s", self.place)))
            }
        }
    }

    /// Queues MAIL, RCPT and DATA for `envelope`. An envelope may go out
    /// before its content is known, so 8BITMIME is declared whenever the
    /// server offers it (harmless for a 7-bit message, RFC 6152).
    fn write_envelope(&mut self, envelope: &Envelope) {
        let from = envelope.from().map(|a| a.as_ref()).unwrap_or_default();
        self.out.extend_from_slice(format!("MAIL FROM:<{from}>").as_bytes());
        if self.eightbit {
            self.out.extend_from_slice(b" BODY=8BITMIME");
        }
        let non_ascii = envelope.to().iter().map(AsRef::as_ref).chain([from]).any(|a: &str| !a.is_ascii());
        if self.smtputf8 && non_ascii {
            self.out.extend_from_slice(b" SMTPUTF8");
        }
        self.out.extend_from_slice(b"\r\n");
        for to in envelope.to() {
            self.out.extend_from_slice(format!("RCPT TO:<{to}>\r\n").as_bytes());
        }
        self.out.extend_from_slice(b"DATA\r\n");
    }

    /// Reads the answers to an envelope written by [`Self::write_envelope`]
    /// (sending each command alone when the server does not pipeline). On
    /// a refusal the transaction is reset, so the connection can go on.
    async fn open_envelope(&mut self, envelope: &Envelope) -> Result<(), SendError> {
        let commands = 2 + envelope.to().len();
        let mut refusal = None;
        if self.pipelining {
            self.flush().await?;
            for n in 0..commands {
                let reply = self.reply().await?;
                let wanted = if n + 1 == commands { 354 } else { 250 };
                if reply.code != wanted && refusal.is_none() {
                    refusal = Some(reply.refusal());
                }
                if n + 1 == commands && reply.code == 354 && refusal.is_some() {
                    // A server that opened DATA after refusing a recipient is given an empty end.
                    self.out.extend_from_slice(b".\r\n");
                    self.flush().await?;
                    self.reply().await?;
                }
            }
        } else {
            // The queued commands go one at a time, each after the last one's answer.
            let queued = std::mem::take(&mut self.out);
            for (n, command) in queued.split_inclusive(|b| *b == b'\n').enumerate() {
                self.out.extend_from_slice(command);
                self.flush().await?;
                let reply = self.reply().await?;
                let wanted = if n + 1 == commands { 354 } else { 250 };
                if reply.code != wanted {
                    refusal = Some(reply.refusal());
                    break;
                }
            }
        }
        let Some(refusal) = refusal else { return Ok(()) };
        self.out.extend_from_slice(b"RSET\r\n");
        self.flush().await?;
        self.expect(250).await?;
        Err(refusal)
    }

    async fn flush(&mut self) -> Result<(), SendError> {
        let written = self.stream.get_mut().write_all(&self.out).await;
        self.out.clear();
        written.map_err(|e| self.lost(e))
    }

    async fn expect(&mut self, code: u16) -> Result<Reply, SendError> {
        let reply = self.reply().await?;
        if reply.code == code {
            Ok(reply)
        } else {
            self.broken = true;
            Err(SendError::Unavailable(format!("the mail server {}: {} {}", self.place, reply.code, reply.text)))
        }
    }

    /// One reply, over as many lines as it takes (`250-…` continues, `250 …` ends).
    async fn reply(&mut self) -> Result<Reply, SendError> {
        let mut text = String::new();
        let mut line = Vec::new();
        loop {
            line.clear();
            let read = (&mut self.stream).take(LINE_LIMIT).read_until(b'\n', &mut line).await.map_err(|e| self.lost(e))?;
            if read == 0 || !line.ends_with(b"\n") || line.len() < 4 {
                self.broken = true;
                return Err(SendError::Unavailable(format!("the mail server {} closed the connection", self.place)));
            }
            let code = std::str::from_utf8(&line[..3]).ok().and_then(|c| c.parse::<u16>().ok());
            let Some(code) = code else {
                self.broken = true;
                return Err(SendError::Unavailable(format!("the mail server {} does not speak SMTP", self.place)));
            };
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(String::from_utf8_lossy(&line[4.min(line.len())..]).trim_end());
            if line[3] != b'-' {
                return Ok(Reply { code, text });
            }
        }
    }

    fn lost(&mut self, error: std::io::Error) -> SendError {
        self.broken = true;
        SendError::Unavailable(format!("the mail server {}: {error}", self.place))
    }
}

/// The message as it goes on the wire after DATA: a dot that starts a line
/// is doubled, and a lone dot ends it.
fn write_content(out: &mut Vec<u8>, content: &[u8]) {
    let mut line_start = true;
    let mut from = 0;
    for (i, byte) in content.iter().enumerate() {
        if line_start && *byte == b'.' {
            out.extend_from_slice(&content[from..=i]);
            out.push(b'.');
            from = i + 1;
        }
        line_start = *byte == b'\n';
    }
    out.extend_from_slice(&content[from..]);
    if !content.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_has_its_leading_dots_doubled_and_ends_with_a_lone_dot() {
        let mut out = Vec::new();
        write_content(&mut out, b".top\r\nmid\r\n..two\r\nlast");
        assert_eq!(out, b"..top\r\nmid\r\n...two\r\nlast\r\n.\r\n");
        out.clear();
        write_content(&mut out, b"a.b\r\n");
        assert_eq!(out, b"a.b\r\n.\r\n");
    }
}
