//! The bounded line reader (`pipeline/ingest/lines.rs`): `decoder` +
//! `LineReader` over hostile bytes, read as a plain, a gzip and a zstd
//! stream. It must never panic, never hand out a line longer than its limit
//! or one holding `\n`, and always reach the end (or an I/O error).
//!
//! The input is also compressed here and read back through each decoder with
//! a tiny read buffer: the lines must then be exactly those of a reference
//! split of the input.
#![no_main]

use std::io::{BufRead, BufReader, Read, Write};

use libfuzzer_sys::fuzz_target;
use slm_fuzz::ingest::lines::{decoder, Compression, Line, LineReader};

/// Stops reading a decompression bomb: a few KiB of zstd can stand for GiBs.
const MAX_DECODED: u64 = 8 << 20;

#[derive(Debug, Clone, PartialEq)]
enum Got {
    Line(Vec<u8>),
    TooLong(u64),
}

/// Reads every line; `Err` if the stream failed. Checks the invariants.
fn read_all(inner: impl BufRead, max: usize) -> (Vec<Got>, bool) {
    let mut reader = LineReader::new(inner, max);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    loop {
        let before = reader.bytes_read;
        match reader.next_line(&mut buf) {
            Ok(Line::Complete) => {
                assert!(buf.len() <= max, "a line of {} bytes with a limit of {max}", buf.len());
                assert!(!buf.contains(&b'\n'), "a line holds a newline");
                out.push(Got::Line(buf.clone()));
            }
            Ok(Line::TooLong { bytes }) => {
                assert!(buf.len() <= max, "{} bytes buffered with a limit of {max}", buf.len());
                assert!(bytes > max as u64, "a line of {bytes} bytes called too long with a limit of {max}");
                out.push(Got::TooLong(bytes));
            }
            Ok(Line::End) => {
                assert!(buf.is_empty());
                return (out, true);
            }
            Err(_) => return (out, false),
        }
        // Every line consumes at least its newline or the last bytes.
        assert!(reader.bytes_read > before, "a line was returned without consuming input");
        if reader.bytes_read > MAX_DECODED {
            return (out, true);
        }
    }
}

/// The lines a correct reader returns for `data`.
fn reference(data: &[u8], max: usize) -> Vec<Got> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let (line, terminated) = match memchr::memchr(b'\n', rest) {
            Some(i) => (&rest[..i], true),
            None => (rest, false),
        };
        rest = &rest[(line.len() + terminated as usize).min(rest.len())..];
        if line.len() > max {
            out.push(Got::TooLong(line.len() as u64));
        } else if terminated {
            out.push(Got::Line(line.strip_suffix(b"\r").unwrap_or(line).to_vec()));
        } else {
            out.push(Got::Line(line.to_vec()));
        }
    }
    out
}

/// A reader that hands out at most `n` bytes per `read`: chunk edges land
/// everywhere in the decoders and the line splitter.
struct Trickle<'a>(&'a [u8], usize);

impl Read for Trickle<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.len().min(out.len()).min(self.1);
        out[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

fuzz_target!(|data: &[u8]| {
    // First byte: the line limit (small, so "too long" is reached) and the
    // chunk size; the rest is the stream.
    let Some((&head, body)) = data.split_first() else { return };
    let max = 1 + (head as usize & 0x3f) * 64; // 1 ..= 4033 bytes
    let chunk = [1, 7, 64, usize::MAX][head as usize >> 6];

    // Hostile bytes as each kind of stream.
    for compression in [Compression::None, Compression::Gzip, Compression::Zstd] {
        if let Ok(inner) = decoder(Trickle(body, chunk), compression) {
            read_all(inner, max);
        }
    }

    // Round trip: the reader must find exactly the lines of the input.
    let expected = reference(body, max);
    let plain = read_all(BufReader::with_capacity(chunk.min(1 << 16), body), max);
    assert_eq!(plain, (expected.clone(), true), "plain, max {max}");

    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(body).unwrap();
    let gz = gz.finish().unwrap();
    let got = read_all(decoder(Trickle(&gz, chunk), Compression::Gzip).unwrap(), max);
    assert_eq!(got, (expected.clone(), true), "gzip, max {max}");

    let zst = zstd::stream::encode_all(body, 1).unwrap();
    let got = read_all(decoder(Trickle(&zst, chunk), Compression::Zstd).unwrap(), max);
    assert_eq!(got, (expected, true), "zstd, max {max}");
});
