//! A static token-embedding model distilled from MiniLM, for routing
//! decisions that need no transformer: every WordPiece token of MiniLM's
//! vocabulary embedded alone by MiniLM (one row each, as model2vec does),
//! and a text's vector the IDF-weighted mean of its tokens' rows with the
//! common direction of all such vectors removed. Without the weighting and
//! the centring the vectors of any two texts point almost the same way
//! (the template and `the` dominate), and almost nothing is decidable.
//!
//! The table depends only on MiniLM; the weights and the mean depend on
//! the traffic and travel with each routing table (`routing/fast.rs`).

use crate::error::{Error, Result};
use crate::models::minilm::Embedder;

/// The magic bytes of a serialised table, then vocab and dim as u32 LE,
/// then the rows as f32 LE.
const MAGIC: &[u8; 8] = b"SLMTOK01";

/// One unit-length row per token id.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenTable {
    pub dim: usize,
    rows: Vec<f32>,
}

impl TokenTable {
    /// Embeds every token of `embedder`'s vocabulary alone: about 45 s for
    /// MiniLM's 30,522 tokens on 2 cores. `progress` gets tokens done.
    pub fn build(embedder: &Embedder, progress: impl FnMut(usize)) -> Result<Self> {
        let words = embedder.vocabulary();
        let refs: Vec<&str> = words.iter().map(String::as_str).collect();
        let vectors = embedder.embed(&refs, 512, progress)?;
        let dim = embedder.dim();
        let mut rows = Vec::with_capacity(words.len() * dim);
        for v in vectors {
            rows.extend_from_slice(&v);
        }
        Ok(Self { dim, rows })
    }

    /// A table from its rows (`vocab * dim` values, id by id).
    pub fn from_rows(dim: usize, rows: Vec<f32>) -> Self {
        assert!(dim > 0 && rows.len() % dim == 0, "{} values are no rows of {dim}", rows.len());
        Self { dim, rows }
    }

    pub fn vocab(&self) -> usize {
        self.rows.len() / self.dim.max(1)
    }

    pub fn row(&self, id: u32) -> Option<&[f32]> {
        let start = id as usize * self.dim;
        self.rows.get(start..start + self.dim)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + self.rows.len() * 4);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(self.vocab() as u32).to_le_bytes());
        out.extend_from_slice(&(self.dim as u32).to_le_bytes());
        for x in &self.rows {
            out.extend_from_slice(&x.to_le_bytes());
        }
        out
    }

    /// Reads `to_bytes`' output; `what` names the object in errors.
    pub fn from_bytes(bytes: &[u8], what: &str) -> Result<Self> {
        let bad = |m: String| Error::Model { context: format!("token table {what}"), message: m };
        if bytes.len() < 16 || &bytes[..8] != MAGIC {
            return Err(bad("not a token table (bad magic)".into()));
        }
        let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().expect("4 bytes")) as usize;
        let (vocab, dim) = (u32_at(8), u32_at(12));
        if dim == 0 || bytes.len() != 16 + vocab * dim * 4 {
            return Err(bad(format!("{} bytes for {vocab} x {dim} rows", bytes.len())));
        }
        let rows = bytes[16..].chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes"))).collect();
        Ok(Self { dim, rows })
    }
}

/// How a text's token ids become its vector: each token weighted by its
/// inverse document frequency over the traffic, the mean of all vectors
/// subtracted, unit length.
#[derive(Debug, Clone, PartialEq)]
pub struct StaticEncoder {
    pub idf: Vec<f32>,
    pub mean: Vec<f32>,
}

impl StaticEncoder {
    /// Fits the weights and the mean on the token ids of `texts`.
    pub fn fit(table: &TokenTable, texts: &[Vec<u32>]) -> Self {
        let n = texts.len().max(1) as f32;
        let mut df = vec![0u32; table.vocab()];
        let mut seen = Vec::new();
        for ids in texts {
            seen.clear();
            seen.extend(ids.iter().copied().filter(|&id| (id as usize) < df.len()));
            seen.sort_unstable();
            seen.dedup();
            seen.iter().for_each(|&id| df[id as usize] += 1);
        }
        // A token in every text says nothing of the task; one in few says much.
        let idf = df.iter().map(|&d| (n / (1.0 + d as f32)).ln().max(0.0)).collect();
        let mut encoder = Self { idf, mean: vec![0.0; table.dim] };
        let mut mean = vec![0.0f32; table.dim];
        for ids in texts {
            mean.iter_mut().zip(encoder.weighted(table, ids)).for_each(|(m, x)| *m += x / n);
        }
        encoder.mean = mean;
        encoder
    }

    /// The IDF-weighted mean of the tokens' rows, unit length.
    fn weighted(&self, table: &TokenTable, ids: &[u32]) -> Vec<f32> {
        let mut v = vec![0.0f32; table.dim];
        for &id in ids {
            let (Some(row), Some(&w)) = (table.row(id), self.idf.get(id as usize)) else { continue };
            v.iter_mut().zip(row).for_each(|(a, b)| *a += w * b);
        }
        normalise(&mut v);
        v
    }

    /// A text's static vector (unit length; zero when no token is known).
    pub fn vector(&self, table: &TokenTable, ids: &[u32]) -> Vec<f32> {
        let mut v = self.weighted(table, ids);
        v.iter_mut().zip(&self.mean).for_each(|(a, m)| *a -= m);
        normalise(&mut v);
        v
    }
}

fn normalise(v: &mut [f32]) {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if n > 1e-12 {
        v.iter_mut().for_each(|x| *x /= n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::minilm::write_tiny_random_model;

    #[test]
    fn the_table_round_trips_and_rejects_other_bytes() {
        let dir = tempfile::tempdir().unwrap();
        write_tiny_random_model(dir.path()).unwrap();
        let embedder = Embedder::load(dir.path(), 64, &candle_core::Device::Cpu).unwrap();
        let mut done = 0;
        let table = TokenTable::build(&embedder, |n| done += n).unwrap();
        assert_eq!((table.vocab(), table.dim, done), (40, 16, 40));
        // A row is the token embedded alone.
        let invoice = embedder.token_ids("invoice").unwrap();
        let alone = embedder.embed(&["invoice"], 1, |_| {}).unwrap().remove(0);
        let cos: f32 = table.row(invoice[0]).unwrap().iter().zip(&alone).map(|(a, b)| a * b).sum();
        assert!(cos > 0.9999, "{cos}");
        let bytes = table.to_bytes();
        assert_eq!(TokenTable::from_bytes(&bytes, "t").unwrap(), table);
        assert!(TokenTable::from_bytes(&bytes[..bytes.len() - 4], "t").unwrap_err().to_string().contains("bytes for 40 x 16"));
        assert!(TokenTable::from_bytes(b"not a table at all", "t").is_err());
    }

    #[test]
    fn shared_tokens_weigh_nothing_and_the_mean_is_removed() {
        // Three orthogonal tokens; token 0 is in every text.
        let table = TokenTable { dim: 3, rows: vec![1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0] };
        let texts = vec![vec![0, 1], vec![0, 1], vec![0, 2], vec![0, 2]];
        let enc = StaticEncoder::fit(&table, &texts);
        assert_eq!(enc.idf[0], 0.0, "in every text");
        assert!(enc.idf[1] > 0.0 && enc.idf[1] == enc.idf[2]);
        let (a, b) = (enc.vector(&table, &[0, 1]), enc.vector(&table, &[0, 2]));
        // Centred: the two kinds of text point apart, not the same way.
        let cos: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!(cos < -0.99, "{cos}");
        assert!(enc.vector(&table, &[]).iter().all(|x| x.is_finite()));
        assert!(enc.vector(&table, &[99]).iter().all(|x| x.is_finite()), "an id past the table is skipped");
    }
}
