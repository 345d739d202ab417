//! Training examples and batches: each pair tokenized as prompt + answer
//! with the loss on the answer tokens only; batches of similar lengths
//! (length bucketing) so little compute goes to padding; a seeded batch order
//! per epoch.

use candle_core::{Device, Tensor};
use tokenizers::Tokenizer;

use crate::error::{Error, Result};
use crate::rng::SplitMix64;

/// One tokenized pair: `ids[..answer_from]` is the prompt, the rest the
/// answer (ending with the end-of-turn token).
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub ids: Vec<u32>,
    pub answer_from: usize,
}

impl Example {
    pub fn answer_tokens(&self) -> usize {
        self.ids.len() - self.answer_from
    }
}

/// Tokenizes a pair the way the distill task counted it; `None` when the
/// pair has no answer token or is longer than `max_len` (the caller counts
/// those: they are reported, never silently dropped).
pub fn encode(tokenizer: &Tokenizer, prompt: &str, answer: &str, max_len: usize) -> Result<Option<Example>> {
    let tokens = |text: &str| -> Result<Vec<u32>> {
        Ok(tokenizer.encode(text, false).map_err(|e| Error::model("tokenizing a training pair", e))?.get_ids().to_vec())
    };
    let mut ids = tokens(prompt)?;
    let answer_from = ids.len();
    ids.extend(tokens(answer)?);
    if ids.len() == answer_from || ids.len() > max_len || answer_from == 0 {
        return Ok(None);
    }
    Ok(Some(Example { ids, answer_from }))
}

/// A padded batch: `ids` and `mask` (1 on answer tokens) of shape (b, t).
pub struct Batch {
    pub ids: Tensor,
    pub mask: Tensor,
    /// Tokens that are not padding.
    pub tokens: usize,
    /// Answer tokens that carry the loss (the first token predicts nothing).
    pub answer_tokens: usize,
}

/// Pads `examples[indices]` to the longest with `pad` (masked out: the model
/// is causal, so padding at the end changes nothing before it).
pub fn make_batch(examples: &[Example], indices: &[usize], pad: u32, device: &Device) -> Result<Batch> {
    let t = indices.iter().map(|&i| examples[i].ids.len()).max().unwrap_or(1);
    let (mut ids, mut mask) = (Vec::with_capacity(indices.len() * t), Vec::with_capacity(indices.len() * t));
    let (mut tokens, mut answer_tokens) = (0, 0);
    for &i in indices {
        let e = &examples[i];
        ids.extend(e.ids.iter().copied().chain(std::iter::repeat_n(pad, t - e.ids.len())));
        mask.extend((0..t).map(|p| u32::from(p >= e.answer_from && p < e.ids.len())));
        tokens += e.ids.len();
        answer_tokens += e.answer_tokens();
    }
    let shape = (indices.len(), t);
    let err = |e: candle_core::Error| Error::model("building a training batch", e);
    Ok(Batch {
        ids: Tensor::from_vec(ids, shape, device).map_err(err)?,
        mask: Tensor::from_vec(mask, shape, device).map_err(err)?,
        tokens,
        answer_tokens,
    })
}

/// Length bucketing: examples sorted by length, cut into batches of at most
/// `batch_size` examples and `max_batch_tokens` padded tokens, so a batch
/// pads little and never exceeds the memory budget.
pub fn bucket(examples: &[Example], batch_size: usize, max_batch_tokens: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..examples.len()).collect();
    order.sort_by_key(|&i| (examples[i].ids.len(), i));
    let mut batches: Vec<Vec<usize>> = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    for i in order {
        let len = examples[i].ids.len();
        // Sorted ascending: this example is the longest of the batch.
        if !current.is_empty() && (current.len() == batch_size || (current.len() + 1) * len > max_batch_tokens) {
            batches.push(std::mem::take(&mut current));
        }
        current.push(i);
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}

/// The batch order of one epoch: a Fisher-Yates shuffle of the buckets.
pub fn epoch_order(batches: usize, rng: &mut SplitMix64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..batches).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(len: usize, answer: usize) -> Example {
        Example { ids: (0..len as u32).collect(), answer_from: len - answer }
    }

    #[test]
    fn buckets_hold_similar_lengths_within_the_budgets() {
        let examples: Vec<Example> = [5, 50, 6, 48, 7, 52, 200].iter().map(|&l| example(l, 2)).collect();
        let batches = bucket(&examples, 3, 160);
        let lens: Vec<Vec<usize>> = batches.iter().map(|b| b.iter().map(|&i| examples[i].ids.len()).collect()).collect();
        assert_eq!(lens, vec![vec![5, 6, 7], vec![48, 50, 52], vec![200]]);
        // Every example exactly once.
        let mut all: Vec<usize> = batches.concat();
        all.sort();
        assert_eq!(all, (0..7).collect::<Vec<_>>());
        // The token budget splits a batch the size limit would allow.
        assert_eq!(bucket(&examples, 3, 100).len(), 4);
    }

    #[test]
    fn batches_pad_and_mask_only_answers() {
        let examples = vec![example(4, 2), example(2, 1)];
        let batch = make_batch(&examples, &[0, 1], 9, &Device::Cpu).unwrap();
        assert_eq!(batch.ids.to_vec2::<u32>().unwrap(), vec![vec![0, 1, 2, 3], vec![0, 1, 9, 9]]);
        assert_eq!(batch.mask.to_vec2::<u32>().unwrap(), vec![vec![0, 0, 1, 1], vec![0, 1, 0, 0]]);
        assert_eq!((batch.tokens, batch.answer_tokens), (6, 3));
    }

    #[test]
    fn epoch_order_is_a_seeded_permutation() {
        let a = epoch_order(10, &mut SplitMix64::new(3));
        let mut sorted = a.clone();
        sorted.sort();
        assert_eq!(sorted, (0..10).collect::<Vec<_>>());
        assert_eq!(a, epoch_order(10, &mut SplitMix64::new(3)));
        assert_ne!(a, epoch_order(10, &mut SplitMix64::new(4)));
    }
}
