//! Reading one log object as lines, in bounded memory: the object's bytes are
//! streamed from the store, decompressed by its extension (`.gz`, `.zst`) and
//! split on `\n`, with lines longer than a limit skipped, not buffered.

use std::io::{self, BufRead, BufReader, Read};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// Which objects ingest reads, and how they are compressed.
pub fn compression_of(key: &str) -> Option<Compression> {
    let key = key.to_ascii_lowercase();
    let base = [".jsonl", ".ndjson"];
    if base.iter().any(|b| key.ends_with(b)) {
        Some(Compression::None)
    } else if base.iter().any(|b| key.ends_with(&format!("{b}.gz"))) {
        Some(Compression::Gzip)
    } else if base.iter().any(|b| key.ends_with(&format!("{b}.zst")) || key.ends_with(&format!("{b}.zstd"))) {
        Some(Compression::Zstd)
    } else {
        None
    }
}

/// Wraps a byte source in the right decompressor and a large read buffer.
pub fn decoder<'a>(raw: impl Read + 'a, compression: Compression) -> io::Result<Box<dyn BufRead + 'a>> {
    const BUFFER: usize = 256 * 1024;
    Ok(match compression {
        Compression::None => Box::new(BufReader::with_capacity(BUFFER, raw)),
        Compression::Gzip => Box::new(BufReader::with_capacity(BUFFER, flate2::read::MultiGzDecoder::new(raw))),
        Compression::Zstd => Box::new(BufReader::with_capacity(BUFFER, zstd::stream::read::Decoder::new(raw)?)),
    })
}

#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// A line is in the buffer (without its `\n`).
    Complete,
    /// The line was longer than the limit; its bytes were skipped.
    TooLong { bytes: u64 },
    End,
}

/// Splits a stream into lines of at most `max_bytes`.
pub struct LineReader<R> {
    inner: R,
    max_bytes: usize,
    /// Bytes consumed so far (uncompressed).
    pub bytes_read: u64,
}

impl<R: BufRead> LineReader<R> {
    pub fn new(inner: R, max_bytes: usize) -> Self {
        Self { inner, max_bytes, bytes_read: 0 }
    }

    /// Reads the next line into `buf` (cleared first). A final line without
    /// `\n` counts as a line; an I/O error mid-line loses only that line.
    pub fn next_line(&mut self, buf: &mut Vec<u8>) -> io::Result<Line> {
        buf.clear();
        let mut skipped: u64 = 0;
        let mut too_long = false;
        loop {
            let available = match self.inner.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                return Ok(match (too_long, buf.is_empty()) {
                    (true, _) => Line::TooLong { bytes: skipped },
                    (false, true) => Line::End,
                    (false, false) => Line::Complete,
                });
            }
            let (chunk, found) = match memchr::memchr(b'\n', available) {
                Some(i) => (&available[..i], Some(i + 1)),
                None => (available, None),
            };
            if too_long || buf.len() + chunk.len() > self.max_bytes {
                if !too_long {
                    skipped = buf.len() as u64;
                    buf.clear();
                    too_long = true;
                }
                skipped += chunk.len() as u64;
            } else {
                buf.extend_from_slice(chunk);
            }
            let consumed = found.unwrap_or(available.len());
            self.inner.consume(consumed);
            self.bytes_read += consumed as u64;
            if found.is_some() {
                if too_long {
                    return Ok(Line::TooLong { bytes: skipped });
                }
                if buf.last() == Some(&b'\r') {
                    buf.pop();
                }
                return Ok(Line::Complete);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], max: usize) -> Vec<Result<String, u64>> {
        let mut reader = LineReader::new(BufReader::with_capacity(4, input), max);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        loop {
            match reader.next_line(&mut buf).unwrap() {
                Line::Complete => out.push(Ok(String::from_utf8(buf.clone()).unwrap())),
                Line::TooLong { bytes } => out.push(Err(bytes)),
                Line::End => return out,
            }
        }
    }

    #[test]
    fn splits_lines_and_skips_long_ones() {
        let out = lines(b"ab\r\n0123456789abc\nxyz\nlast", 8);
        assert_eq!(out, vec![Ok("ab".into()), Err(13), Ok("xyz".into()), Ok("last".into())]);
        assert_eq!(lines(b"", 8), vec![]);
        assert_eq!(lines(b"0123456789", 8), vec![Err(10)]);
    }

    #[test]
    fn extensions_pick_the_decoder() {
        assert_eq!(compression_of("a/b.jsonl"), Some(Compression::None));
        assert_eq!(compression_of("a/b.JSONL.GZ"), Some(Compression::Gzip));
        assert_eq!(compression_of("a/b.jsonl.zst"), Some(Compression::Zstd));
        assert_eq!(compression_of("a/labels.csv"), None);
    }

    #[test]
    fn a_truncated_gzip_fails_after_its_good_lines() {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        for i in 0..2000 {
            writeln!(enc, "{{\"line\": {i}, \"pad\": \"{}\"}}", "x".repeat(i % 50)).unwrap();
        }
        let bytes = enc.finish().unwrap();
        let cut = &bytes[..bytes.len() / 2];
        let mut reader = LineReader::new(decoder(cut, Compression::Gzip).unwrap(), 1 << 20);
        let mut buf = Vec::new();
        let mut good = 0;
        let err = loop {
            match reader.next_line(&mut buf) {
                Ok(Line::Complete) => good += 1,
                Ok(other) => panic!("expected an error, got {other:?}"),
                Err(e) => break e,
            }
        };
        assert!(good > 100 && good < 2000, "{good}");
        assert!(!crate::error::is_store_error(&err), "a corrupt object is no store error");
    }
}
