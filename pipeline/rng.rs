//! A tiny deterministic PRNG: clustering samples, LoRA initialisation,
//! dropout masks and the order of training batches.
//!
//! SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
//! generators", OOPSLA 2014; the constants of Vigna's `splitmix64.c`). It is
//! not cryptographic; it is here so that a clustering run is reproducible from
//! one `u64` seed on every platform, without a dependency.

/// SplitMix64 generator: 64 bits of state, one add and a mix per output.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator whose whole output is determined by `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The whole state: `SplitMix64::new(g.state())` continues where `g` is
    /// (checkpoints store it).
    pub fn state(&self) -> u64 {
        self.state
    }

    /// The next 64 uniformly distributed bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform `f64` in `[0, 1)`: the top 53 bits, so every value is exact.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform integer in `0..n`, or 0 when `n` is 0.
    ///
    /// Lemire's multiply-shift: the bias is below `n / 2^64`, far under
    /// anything sampling a few thousand points can notice.
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// A standard normal variate (Box-Muller; the second value is dropped to
    /// keep the state a single `u64`).
    #[cfg(test)]
    pub fn next_normal(&mut self) -> f64 {
        // 1 - u lies in (0, 1], so the logarithm is finite.
        let u1 = 1.0 - self.next_f64();
        let u2 = self.next_f64();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// `m` distinct indices of `0..n` in random order (a partial
    /// Fisher-Yates shuffle), or all of `0..n` in order when `m >= n`.
    pub fn sample(&mut self, n: usize, m: usize) -> Vec<usize> {
        let mut indices: Vec<usize> = (0..n).collect();
        if m >= n {
            return indices;
        }
        for i in 0..m {
            let j = i + self.below(n - i);
            indices.swap(i, j);
        }
        indices.truncate(m);
        indices
    }
}

#[cfg(test)]
mod tests {
    use super::SplitMix64;

    #[test]
    fn same_seed_same_stream() {
        let mut a = SplitMix64::new(7);
        let mut b = SplitMix64::new(7);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        // First output of splitmix64.c seeded with 0.
        assert_eq!(SplitMix64::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
    }

    #[test]
    fn ranges_hold() {
        let mut rng = SplitMix64::new(1);
        assert_eq!(rng.below(0), 0);
        for _ in 0..1000 {
            let x = rng.next_f64();
            assert!((0.0..1.0).contains(&x));
            assert!(rng.below(3) < 3);
            assert!(rng.next_normal().is_finite());
        }
    }

    #[test]
    fn sample_is_distinct() {
        let mut rng = SplitMix64::new(3);
        let mut s = rng.sample(100, 30);
        assert_eq!(s.len(), 30);
        s.sort_unstable();
        s.dedup();
        assert_eq!(s.len(), 30);
        assert_eq!(rng.sample(5, 10), vec![0, 1, 2, 3, 4]);
        assert!(rng.sample(0, 3).is_empty());
    }
}
