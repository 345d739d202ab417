//! Log objects: one series per agent stream, plain / gzip / zstd, rotated
//! by uncompressed size.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::Compression;

use super::{Agent, Limits, AGENTS};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Comp {
    Plain,
    Gz,
    Zst,
}

enum Enc {
    Plain(BufWriter<File>),
    Gz(GzEncoder<BufWriter<File>>),
    Zst(zstd::Encoder<'static, BufWriter<File>>),
}

impl Enc {
    fn write_all(&mut self, b: &[u8]) -> io::Result<()> {
        match self {
            Enc::Plain(w) => w.write_all(b),
            Enc::Gz(w) => w.write_all(b),
            Enc::Zst(w) => w.write_all(b),
        }
    }
    fn finish(self) -> io::Result<()> {
        match self {
            Enc::Plain(mut w) => w.flush(),
            Enc::Gz(w) => w.finish()?.flush(),
            Enc::Zst(w) => w.finish()?.flush(),
        }
    }
}

/// One agent's series of objects, rotated by size.
pub(super) struct Stream {
    agent: Agent,
    compressed_left: usize,
    comp_cap: u64,
    next_idx: usize,
    cur: Option<(Enc, u64, u64)>,
    pub(super) last_trace: Option<String>,
}

impl Stream {
    fn new(agent: Agent, big: bool, limits: Limits) -> Stream {
        Stream {
            agent,
            compressed_left: if big { 1 } else { usize::MAX },
            comp_cap: if big {
                limits.big_compressed_bytes
            } else {
                limits.object_bytes
            },
            next_idx: 0,
            cur: None,
            last_trace: None,
        }
    }

    fn write_line(
        &mut self,
        dir: &Path,
        line: &[u8],
        objects: &mut Vec<PathBuf>,
        object_bytes: u64,
    ) -> io::Result<()> {
        if let Some((_, written, cap)) = &self.cur {
            if *written > 0 && written + line.len() as u64 > *cap {
                let (enc, _, _) = self.cur.take().expect("checked");
                enc.finish()?;
            }
        }
        if self.cur.is_none() {
            let comp = if self.agent.comp() != Comp::Plain && self.compressed_left > 0 {
                self.compressed_left -= 1;
                self.agent.comp()
            } else {
                Comp::Plain
            };
            let ext = match comp {
                Comp::Plain => "jsonl",
                Comp::Gz => "jsonl.gz",
                Comp::Zst => "jsonl.zst",
            };
            let path = dir.join(format!(
                "{}-{:03}.{ext}",
                self.agent.prefix(),
                self.next_idx
            ));
            self.next_idx += 1;
            let w = BufWriter::with_capacity(1 << 20, File::create(&path)?);
            let (enc, cap) = match comp {
                Comp::Plain => (Enc::Plain(w), object_bytes),
                Comp::Gz => (
                    Enc::Gz(GzEncoder::new(w, Compression::fast())),
                    self.comp_cap.min(object_bytes),
                ),
                Comp::Zst => (
                    Enc::Zst(zstd::Encoder::new(w, 1)?),
                    self.comp_cap.min(object_bytes),
                ),
            };
            objects.push(path);
            self.cur = Some((enc, 0, cap));
        }
        let (enc, written, _) = self.cur.as_mut().expect("opened above");
        enc.write_all(line)?;
        *written += line.len() as u64;
        Ok(())
    }

    pub(super) fn finish(&mut self) -> io::Result<()> {
        match self.cur.take() {
            Some((enc, _, _)) => enc.finish(),
            None => Ok(()),
        }
    }
}

pub(super) struct Writer {
    dir: PathBuf,
    pub(super) streams: Vec<Stream>,
    pub(super) objects: Vec<PathBuf>,
    object_bytes: u64,
    pub(super) bytes: u64,
}

impl Writer {
    pub(super) fn new(dir: PathBuf, big: bool, limits: Limits) -> Writer {
        Writer {
            dir,
            streams: AGENTS
                .iter()
                .map(|a| Stream::new(*a, big, limits))
                .collect(),
            objects: Vec::new(),
            object_bytes: limits.object_bytes,
            bytes: 0,
        }
    }

    pub(super) fn write(&mut self, agent: Agent, line: &[u8]) -> io::Result<()> {
        self.bytes += line.len() as u64;
        let i = AGENTS
            .iter()
            .position(|a| *a == agent)
            .expect("known agent");
        self.streams[i].write_line(&self.dir, line, &mut self.objects, self.object_bytes)
    }
    pub(super) fn stream(&mut self, agent: Agent) -> &mut Stream {
        let i = AGENTS
            .iter()
            .position(|a| *a == agent)
            .expect("known agent");
        &mut self.streams[i]
    }
}
