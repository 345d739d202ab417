//! An inference-only BERT encoder (all-MiniLM-L6-v2's architecture: post-
//! norm layers, exact GELU, mean pooling) on this crate's AVX-512 GEMM and
//! fused ops, for the embed stage and the router.
//!
//! Nothing is padded. Every projection runs once over the tokens of all the
//! batch's sequences laid end to end, and attention runs per (head,
//! sequence) over that sequence's own length: no work goes to padding and
//! no mask is needed, so texts of any mix of lengths cost what their tokens
//! cost.

use std::ops::Range;

use crate::bf16::{self, Bf16B};
use crate::gemm::{self, PackedB, View};
use crate::int8::{self, QuantizedB};
use crate::ops;

/// `pool(n, f)` calls `f` on disjoint ranges covering `0..n` and returns
/// when all calls have (the caller's threads).
pub type Pool = dyn Fn(usize, &(dyn Fn(Range<usize>) + Sync)) + Sync;

/// The shape of the model.
#[derive(Debug, Clone, Copy)]
pub struct Dims {
    pub vocab: usize,
    pub positions: usize,
    pub hidden: usize,
    pub heads: usize,
    pub intermediate: usize,
    pub eps: f32,
}

/// A dense layer `y = x Wᵀ + b`, W as stored by PyTorch: (out, in), row-major.
pub struct Dense {
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
}

/// A layer norm's gain and shift.
pub struct Norm {
    pub gamma: Vec<f32>,
    pub beta: Vec<f32>,
}

/// One encoder layer's weights.
pub struct LayerWeights {
    pub query: Dense,
    pub key: Dense,
    pub value: Dense,
    pub attention_out: Dense,
    pub attention_norm: Norm,
    pub up: Dense,
    pub down: Dense,
    pub output_norm: Norm,
}

/// The whole model's weights. Token type embeddings: only type 0 is used.
pub struct Weights {
    pub word: Vec<f32>,
    pub position: Vec<f32>,
    pub token_type: Vec<f32>,
    pub embedding_norm: Norm,
    pub layers: Vec<LayerWeights>,
}

/// How the projections multiply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// f32 weights and activations (the reference's arithmetic).
    F32,
    /// Weights quantized to int8 per output channel and group of 64
    /// inputs, activations per token and group at run time (AVX-512
    /// VNNI); accumulation in i32 within a group, in f32 across groups.
    Int8,
    /// Weights and activations rounded to bfloat16 (AVX-512 BF16);
    /// accumulation in f32.
    Bf16,
}

/// A projection ready to multiply: its weights packed once at load.
enum Projection {
    F32(PackedB),
    Int8(QuantizedB),
    Bf16(Bf16B),
}

impl Projection {
    fn new(weight: &[f32], out: usize, inputs: usize, precision: Precision, pool: &Pool) -> Result<Self, String> {
        let view = View::row_major(weight, out, inputs);
        match precision {
            Precision::F32 => gemm::pack(view.t(), pool).map(Projection::F32).ok_or_else(|| "this CPU has no AVX-512".to_string()),
            Precision::Int8 => int8::quantize(weight, out, inputs).map(Projection::Int8).ok_or_else(|| "this CPU has no AVX-512 VNNI".to_string()),
            Precision::Bf16 => bf16::pack(weight, out, inputs).map(Projection::Bf16).ok_or_else(|| "this CPU has no AVX-512 BF16".to_string()),
        }
    }

    /// `x Wᵀ` for the `rows` rows of x.
    fn apply(&self, x: &[f32], rows: usize, pool: &Pool) -> Vec<f32> {
        match self {
            Projection::F32(w) => gemm::gemm_packed(View::row_major(x, rows, w.dims().0), w, pool),
            Projection::Int8(w) => int8::gemm(x, rows, w, pool),
            Projection::Bf16(w) => bf16::gemm(x, rows, w, pool),
        }
    }
}

struct Layer {
    /// Query, key and value stacked: one product of width 3·hidden.
    qkv: Projection,
    qkv_bias: Vec<f32>,
    attention_out: Projection,
    attention_out_bias: Vec<f32>,
    attention_norm: Norm,
    up: Projection,
    up_bias: Vec<f32>,
    down: Projection,
    down_bias: Vec<f32>,
    output_norm: Norm,
}

pub struct Encoder {
    dims: Dims,
    word: Vec<f32>,
    position: Vec<f32>,
    token_type: Vec<f32>,
    embedding_norm: Norm,
    layers: Vec<Layer>,
}

/// Whether [`Encoder::new`] can build an encoder of this precision here.
pub fn available(precision: Precision) -> bool {
    match precision {
        Precision::F32 => gemm::available(),
        Precision::Int8 => int8::available(),
        Precision::Bf16 => bf16::available(),
    }
}

impl Encoder {
    /// Checks every shape against `dims` and packs (or quantizes) the
    /// projections; fails where the CPU lacks what `precision` needs.
    pub fn new(dims: Dims, weights: Weights, precision: Precision, pool: &Pool) -> Result<Self, String> {
        let (h, i) = (dims.hidden, dims.intermediate);
        if h == 0 || dims.heads == 0 || h % dims.heads != 0 {
            return Err(format!("{} heads do not divide a hidden size of {h}", dims.heads));
        }
        let expect = |what: &str, got: usize, want: usize| {
            if got == want { Ok(()) } else { Err(format!("{what} has {got} values, expected {want}")) }
        };
        expect("the word embeddings", weights.word.len(), dims.vocab * h)?;
        expect("the position embeddings", weights.position.len(), dims.positions * h)?;
        if weights.token_type.len() < h {
            return Err(format!("the token type embeddings have {} values, expected at least {h}", weights.token_type.len()));
        }
        let norm = |what: &str, n: &Norm| expect(&format!("{what} gain"), n.gamma.len(), h).and(expect(&format!("{what} shift"), n.beta.len(), h));
        norm("the embedding norm's", &weights.embedding_norm)?;
        let dense = |what: String, d: &Dense, out: usize, inputs: usize| {
            expect(&format!("{what} weight"), d.weight.len(), out * inputs).and(expect(&format!("{what} bias"), d.bias.len(), out))
        };
        let mut layers = Vec::with_capacity(weights.layers.len());
        for (l, w) in weights.layers.into_iter().enumerate() {
            for (name, d) in [("query", &w.query), ("key", &w.key), ("value", &w.value), ("attention output", &w.attention_out)] {
                dense(format!("layer {l}'s {name}"), d, h, h)?;
            }
            dense(format!("layer {l}'s intermediate"), &w.up, i, h)?;
            dense(format!("layer {l}'s output"), &w.down, h, i)?;
            norm(&format!("layer {l}'s attention norm"), &w.attention_norm)?;
            norm(&format!("layer {l}'s output norm"), &w.output_norm)?;
            let qkv: Vec<f32> = [&w.query.weight, &w.key.weight, &w.value.weight].into_iter().flatten().copied().collect();
            layers.push(Layer {
                qkv: Projection::new(&qkv, 3 * h, h, precision, pool)?,
                qkv_bias: [w.query.bias, w.key.bias, w.value.bias].concat(),
                attention_out: Projection::new(&w.attention_out.weight, h, h, precision, pool)?,
                attention_out_bias: w.attention_out.bias,
                attention_norm: w.attention_norm,
                up: Projection::new(&w.up.weight, i, h, precision, pool)?,
                up_bias: w.up.bias,
                down: Projection::new(&w.down.weight, h, i, precision, pool)?,
                down_bias: w.down.bias,
                output_norm: w.output_norm,
            });
        }
        let mut token_type = weights.token_type;
        token_type.truncate(h);
        Ok(Self { dims, word: weights.word, position: weights.position, token_type, embedding_norm: weights.embedding_norm, layers })
    }

    pub fn dims(&self) -> Dims {
        self.dims
    }

    /// The mean-pooled, unit-length vector of each token sequence (special
    /// tokens included, as the tokenizer gives them).
    pub fn embed(&self, sequences: &[&[u32]], pool: &Pool) -> Result<Vec<Vec<f32>>, String> {
        let Dims { vocab, positions, hidden: h, .. } = self.dims;
        let mut starts = Vec::with_capacity(sequences.len() + 1);
        starts.push(0);
        for (s, ids) in sequences.iter().enumerate() {
            if ids.is_empty() || ids.len() > positions {
                return Err(format!("sequence {s} has {} tokens; 1 to {positions} fit the model", ids.len()));
            }
            if let Some(id) = ids.iter().find(|&&id| id as usize >= vocab) {
                return Err(format!("sequence {s} holds token id {id}, past the vocabulary of {vocab}"));
            }
            starts.push(starts[s] + ids.len());
        }
        let tokens = starts[sequences.len()];
        if tokens == 0 {
            return Ok(Vec::new());
        }

        // Word + position + type-0 embeddings, then their norm.
        let mut hidden = vec![0f32; tokens * h];
        for (s, ids) in sequences.iter().enumerate() {
            for (p, &id) in ids.iter().enumerate() {
                let row = &mut hidden[(starts[s] + p) * h..][..h];
                let (word, position) = (&self.word[id as usize * h..][..h], &self.position[p * h..][..h]);
                for (((r, w), q), t) in row.iter_mut().zip(word).zip(position).zip(&self.token_type) {
                    *r = w + q + t;
                }
            }
        }
        rows_apply(&mut hidden, h, pool, |rows| ops::layer_norm(rows, &self.embedding_norm.gamma, &self.embedding_norm.beta, self.dims.eps));

        for layer in &self.layers {
            let mut qkv = layer.qkv.apply(&hidden, tokens, pool);
            rows_apply(&mut qkv, 3 * h, pool, |rows| ops::add_bias(rows, &layer.qkv_bias));
            let context = self.attention(&qkv, &starts, pool);
            let projected = layer.attention_out.apply(&context, tokens, pool);
            residual_norm(&projected, &layer.attention_out_bias, &mut hidden, &layer.attention_norm, self.dims.eps, pool);
            let mut up = layer.up.apply(&hidden, tokens, pool);
            rows_apply(&mut up, self.dims.intermediate, pool, |rows| ops::bias_gelu(rows, &layer.up_bias));
            let down = layer.down.apply(&up, tokens, pool);
            residual_norm(&down, &layer.down_bias, &mut hidden, &layer.output_norm, self.dims.eps, pool);
        }
        Ok((0..sequences.len()).map(|s| ops::mean_normalised(&hidden[starts[s] * h..starts[s + 1] * h], h)).collect())
    }

    /// Scaled dot-product attention of every (head, sequence), each on its
    /// own length, written into one (tokens, hidden) context matrix.
    fn attention(&self, qkv: &[f32], starts: &[usize], pool: &Pool) -> Vec<f32> {
        let (h, heads) = (self.dims.hidden, self.dims.heads);
        let d = h / heads;
        let sequences = starts.len() - 1;
        let mut context = vec![0f32; starts[sequences] * h];
        let out = SharedRows(context.as_mut_ptr());
        let scale = 1.0 / (d as f32).sqrt();
        // One item per (head, sequence), heads outermost: whatever range a
        // thread takes holds a mix of sequence lengths.
        pool(heads * sequences, &|items: Range<usize>| {
            let out = &out;
            let serial = |n: usize, f: &(dyn Fn(Range<usize>) + Sync)| f(0..n);
            // One scores buffer and one output per run of items, not per item.
            let (mut scores, mut heads_out) = (Vec::new(), Vec::new());
            for item in items {
                let (head, s) = (item / sequences, item % sequences);
                let (start, len) = (starts[s], starts[s + 1] - starts[s]);
                let part = |offset: usize| View { data: &qkv[start * 3 * h + offset + head * d..], rows: len, cols: d, row_stride: 3 * h, col_stride: 1 };
                scores.resize(len * len, 0.0);
                heads_out.resize(len * d, 0.0);
                gemm::gemm_into(part(0), part(h).t(), &mut scores, serial).expect("the encoder exists only where gemm runs");
                ops::masked_softmax(&mut scores, len, len, scale);
                gemm::gemm_into(View::row_major(&scores, len, len), part(2 * h), &mut heads_out, serial).expect("as above");
                for (r, row) in heads_out.chunks_exact(d).enumerate() {
                    // SAFETY: rows start..start+len, columns head·d..(head+1)·d
                    // belong to this (head, sequence) alone, inside `context`.
                    unsafe { std::ptr::copy_nonoverlapping(row.as_ptr(), out.0.add((start + r) * h + head * d), d) };
                }
            }
        });
        context
    }
}

struct SharedRows(*mut f32);
// SAFETY: the threads write disjoint parts only (see the call sites), and
// the pool returns before the buffer is read.
unsafe impl Sync for SharedRows {}

/// Runs `f` on disjoint runs of whole rows of `x` (rows of `width`) across the pool.
fn rows_apply(x: &mut [f32], width: usize, pool: &Pool, f: impl Fn(&mut [f32]) + Sync) {
    let rows = x.len() / width;
    let base = SharedRows(x.as_mut_ptr());
    pool(rows, &|range: Range<usize>| {
        let base = &base;
        // SAFETY: the ranges are disjoint, so are the rows they cover.
        let part = unsafe { std::slice::from_raw_parts_mut(base.0.add(range.start * width), range.len() * width) };
        f(part);
    });
}

fn residual_norm(x: &[f32], bias: &[f32], hidden: &mut [f32], norm: &Norm, eps: f32, pool: &Pool) {
    let width = bias.len();
    let base = SharedRows(hidden.as_mut_ptr());
    pool(hidden.len() / width, &|range: Range<usize>| {
        let base = &base;
        // SAFETY: as in `rows_apply`.
        let part = unsafe { std::slice::from_raw_parts_mut(base.0.add(range.start * width), range.len() * width) };
        ops::bias_residual_layer_norm(&x[range.start * width..range.end * width], bias, part, &norm.gamma, &norm.beta, eps);
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::tests::erf64;
    use crate::testing::{serial, values};



    pub(crate) fn random_weights(dims: Dims, layers: usize) -> Weights {
        let (h, i) = (dims.hidden, dims.intermediate);
        let mut seed = 0;
        let mut next = |n: usize, spread: f32| {
            seed += 1;
            values(n, seed, spread)
        };
        let mut dense = |out: usize, inputs: usize| Dense { weight: next(out * inputs, 1.0 / (inputs as f32).sqrt()), bias: next(out, 0.1) };
        let layer_list = (0..layers)
            .map(|_| LayerWeights {
                query: dense(h, h),
                key: dense(h, h),
                value: dense(h, h),
                attention_out: dense(h, h),
                attention_norm: Norm { gamma: vec![1.1; h], beta: vec![0.05; h] },
                up: dense(i, h),
                down: dense(h, i),
                output_norm: Norm { gamma: vec![0.9; h], beta: vec![-0.02; h] },
            })
            .collect();
        let mut next = |n: usize| {
            seed += 1;
            values(n, seed, 1.0)
        };
        Weights {
            word: next(dims.vocab * h),
            position: next(dims.positions * h),
            token_type: next(2 * h),
            embedding_norm: Norm { gamma: vec![1.0; h], beta: vec![0.0; h] },
            layers: layer_list,
        }
    }

    /// The textbook forward of one padded-free sequence, in f64.
    fn reference(dims: Dims, w: &Weights, ids: &[u32]) -> Vec<f64> {
        let (h, d) = (dims.hidden, dims.hidden / dims.heads);
        let norm = |x: &mut [f64], n: &Norm| {
            let mean = x.iter().sum::<f64>() / h as f64;
            let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / h as f64;
            for (j, v) in x.iter_mut().enumerate() {
                *v = (*v - mean) / (var + f64::from(dims.eps)).sqrt() * f64::from(n.gamma[j]) + f64::from(n.beta[j]);
            }
        };
        let dense = |x: &[f64], dw: &Dense| -> Vec<f64> {
            let out = dw.bias.len();
            let inputs = x.len();
            (0..out).map(|o| f64::from(dw.bias[o]) + (0..inputs).map(|k| x[k] * f64::from(dw.weight[o * inputs + k])).sum::<f64>()).collect()
        };
        let mut x: Vec<Vec<f64>> = ids
            .iter()
            .enumerate()
            .map(|(p, &id)| {
                let mut row: Vec<f64> = (0..h).map(|j| f64::from(w.word[id as usize * h + j]) + f64::from(w.position[p * h + j]) + f64::from(w.token_type[j])).collect();
                norm(&mut row, &w.embedding_norm);
                row
            })
            .collect();
        for l in &w.layers {
            let q: Vec<Vec<f64>> = x.iter().map(|r| dense(r, &l.query)).collect();
            let k: Vec<Vec<f64>> = x.iter().map(|r| dense(r, &l.key)).collect();
            let v: Vec<Vec<f64>> = x.iter().map(|r| dense(r, &l.value)).collect();
            let mut context = vec![vec![0f64; h]; ids.len()];
            for head in 0..dims.heads {
                for i in 0..ids.len() {
                    let scores: Vec<f64> = (0..ids.len()).map(|j| (0..d).map(|c| q[i][head * d + c] * k[j][head * d + c]).sum::<f64>() / (d as f64).sqrt()).collect();
                    let high = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                    let e: Vec<f64> = scores.iter().map(|s| (s - high).exp()).collect();
                    let total: f64 = e.iter().sum();
                    for c in 0..d {
                        context[i][head * d + c] = (0..ids.len()).map(|j| e[j] / total * v[j][head * d + c]).sum();
                    }
                }
            }
            for (i, row) in x.iter_mut().enumerate() {
                let a = dense(&context[i], &l.attention_out);
                row.iter_mut().zip(&a).for_each(|(r, a)| *r += a);
                norm(row, &l.attention_norm);
                let up: Vec<f64> = dense(row, &l.up).into_iter().map(|z| 0.5 * z * (1.0 + erf64(z / 2f64.sqrt()))).collect();
                let down = dense(&up, &l.down);
                row.iter_mut().zip(&down).for_each(|(r, a)| *r += a);
                norm(row, &l.output_norm);
            }
        }
        let mut mean: Vec<f64> = (0..h).map(|j| x.iter().map(|r| r[j]).sum::<f64>() / ids.len() as f64).collect();
        let n = mean.iter().map(|v| v * v).sum::<f64>().sqrt();
        mean.iter_mut().for_each(|v| *v /= n);
        mean
    }

    const DIMS: Dims = Dims { vocab: 50, positions: 40, hidden: 64, heads: 4, intermediate: 96, eps: 1e-12 };

    #[test]
    fn sequences_of_mixed_lengths_equal_the_textbook_forward_one_by_one() {
        if !available(Precision::F32) {
            eprintln!("no AVX-512 on this CPU: the encoder is not used");
            return;
        }
        let encoder = Encoder::new(DIMS, random_weights(DIMS, 2), Precision::F32, &serial).unwrap();
        let sequences: Vec<Vec<u32>> = [1usize, 7, 40, 3, 19].iter().enumerate().map(|(s, &len)| (0..len).map(|p| ((p * 13 + s * 5 + 1) % 50) as u32).collect()).collect();
        let refs: Vec<&[u32]> = sequences.iter().map(Vec::as_slice).collect();
        let together = encoder.embed(&refs, &serial).unwrap();
        let weights = random_weights(DIMS, 2);
        for (ids, got) in sequences.iter().zip(&together) {
            let want = reference(DIMS, &weights, ids);
            let cosine: f64 = got.iter().zip(&want).map(|(g, w)| f64::from(*g) * w).sum();
            assert!(cosine > 0.999_999, "a sequence of {} tokens: cosine {cosine}", ids.len());
            // Alone, the same vector: neighbours in the batch change nothing.
            let alone = encoder.embed(&[ids.as_slice()], &serial).unwrap().remove(0);
            assert!(alone.iter().zip(got).all(|(a, b)| (a - b).abs() < 1e-6));
        }
    }

    #[test]
    fn bf16_stays_close_to_the_textbook_forward() {
        if !available(Precision::Bf16) {
            return;
        }
        let encoder = Encoder::new(DIMS, random_weights(DIMS, 2), Precision::Bf16, &serial).unwrap();
        let ids: Vec<u32> = (0..23).map(|p| (p * 7 % 50) as u32).collect();
        let got = encoder.embed(&[ids.as_slice()], &serial).unwrap().remove(0);
        let want = reference(DIMS, &random_weights(DIMS, 2), &ids);
        let cosine: f64 = got.iter().zip(&want).map(|(g, w)| f64::from(*g) * w).sum();
        assert!(cosine > 0.9995, "cosine {cosine}");
    }

    #[test]
    fn bad_input_is_refused_with_its_reason() {
        if !available(Precision::F32) {
            return;
        }
        let encoder = Encoder::new(DIMS, random_weights(DIMS, 1), Precision::F32, &serial).unwrap();
        assert!(encoder.embed(&[&[]], &serial).unwrap_err().contains("0 tokens"));
        assert!(encoder.embed(&[&[1; 41]], &serial).unwrap_err().contains("41 tokens"));
        assert!(encoder.embed(&[&[1, 50]], &serial).unwrap_err().contains("token id 50"));
        let mut short = random_weights(DIMS, 1);
        short.layers[0].up.bias.pop();
        assert!(Encoder::new(DIMS, short, Precision::F32, &serial).err().unwrap().contains("layer 0's intermediate bias"));
    }

    /// MiniLM's shape on random weights, f32 and int8:
    /// `cargo test -p slm-kernels --release -- --ignored --nocapture encoder_speed`
    #[test]
    #[ignore]
    fn encoder_speed() {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let pool = move |n: usize, f: &(dyn Fn(Range<usize>) + Sync)| {
            std::thread::scope(|s| {
                let per = n.div_ceil(threads);
                for t in 0..threads {
                    let range = (t * per).min(n)..((t + 1) * per).min(n);
                    s.spawn(move || f(range));
                }
            })
        };
        let dims = Dims { vocab: 30522, positions: 512, hidden: 384, heads: 12, intermediate: 1536, eps: 1e-12 };
        for precision in [Precision::F32, Precision::Int8, Precision::Bf16] {
            if !available(precision) {
                continue;
            }
            let encoder = Encoder::new(dims, random_weights(dims, 6), precision, &pool).unwrap();
            {
                let (texts, len) = (32usize, 256usize);
                let qkv = values(texts * len * 3 * 384, 3, 1.0);
                let starts: Vec<usize> = (0..=texts).map(|s| s * len).collect();
                let mut times = Vec::new();
                for _ in 0..5 {
                    let start = std::time::Instant::now();
                    std::hint::black_box(encoder.attention(&qkv, &starts, &pool));
                    times.push(start.elapsed().as_secs_f64());
                }
                times.sort_by(f64::total_cmp);
                println!("attention alone, one layer, {texts} x {len}: {:.1} ms", times[2] * 1e3);
            }
            for (texts, len) in [(32usize, 256usize), (32, 64), (1, 32)] {
                let sequences: Vec<Vec<u32>> = (0..texts).map(|s| (0..len).map(|p| ((p * 31 + s * 7) % 30522) as u32).collect()).collect();
                let refs: Vec<&[u32]> = sequences.iter().map(Vec::as_slice).collect();
                let mut times = Vec::new();
                for _ in 0..5 {
                    let start = std::time::Instant::now();
                    std::hint::black_box(encoder.embed(&refs, &pool).unwrap());
                    times.push(start.elapsed().as_secs_f64());
                }
                times.sort_by(f64::total_cmp);
                let flops = 2.0 * (texts * len) as f64 * 6.0 * (4.0 * 384.0 * 384.0 + 2.0 * 384.0 * 1536.0 + 2.0 * len as f64 * 384.0);
                println!("{precision:?} {texts} x {len}: {:.1} ms, {:.0} texts/s, {:.1} GFLOP/s", times[2] * 1e3, texts as f64 / times[2], flops / times[2] / 1e9);
            }
        }
    }
}
