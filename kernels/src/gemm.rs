//! `C = A·B` in f32 with AVX-512, for the large products of training: the
//! frozen projections of the base model (1,024 tokens × 576 × 1,536 and the
//! like) and their input gradients. The `gemm` crate that candle uses is
//! built here for AVX2 (its AVX-512 kernels need a build flag that would
//! rebuild the whole dependency tree), which halves the arithmetic a core
//! can do per cycle on CPUs with full-width AVX-512.
//!
//! The layout is the classic one (Goto/BLIS): B is packed once into panels
//! of [`NR`] columns, each a run of `KC × NR` floats; each thread packs its
//! block of A into panels of [`MR`] rows; a register-blocked micro-kernel
//! multiplies one A panel by one B panel, with the B panel (24 KiB) held in
//! L1 while the A panels of the block stream from L2.

use std::ops::Range;

use crate::split::Split;

/// Rows of C per micro-kernel call: 14 × 2 accumulators, 2 registers of B.
pub const MR: usize = 14;
/// Columns of C per micro-kernel call: two 16-float vectors.
pub const NR: usize = 32;
/// Depth of one packed block: a B panel of KC × NR floats is 24 KiB (L1).
const KC: usize = 192;
/// Rows of A per thread work item: 4 micro-panels (42 KiB, L2).
const MC: usize = 4 * MR;

/// A matrix view: element (i, j) is `data[i * row_stride + j * col_stride]`.
#[derive(Clone, Copy)]
pub struct View<'a> {
    pub data: &'a [f32],
    pub rows: usize,
    pub cols: usize,
    pub row_stride: usize,
    pub col_stride: usize,
}

impl<'a> View<'a> {
    /// A row-major (rows, cols) matrix.
    pub fn row_major(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self { data, rows, cols, row_stride: cols, col_stride: 1 }
    }

    /// The transpose of this view (no copy).
    pub fn t(self) -> Self {
        Self { rows: self.cols, cols: self.rows, row_stride: self.col_stride, col_stride: self.row_stride, ..self }
    }

    fn check(&self, what: &str) {
        if self.rows > 0 && self.cols > 0 {
            let last = (self.rows - 1) * self.row_stride + (self.cols - 1) * self.col_stride;
            assert!(last < self.data.len(), "{what}: a {}x{} view reaches past its {} floats", self.rows, self.cols, self.data.len());
        }
    }
}

/// Whether [`gemm`] runs on this CPU (AVX-512F).
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `A·B` as a row-major (A.rows, B.cols) vector, or None when the CPU lacks
/// AVX-512 (the caller then uses its general kernel). `pool(n, f)` must call
/// `f` on disjoint ranges covering `0..n` and return when all calls have.
pub fn gemm(a: View, b: View, pool: impl Fn(usize, &(dyn Fn(Range<usize>) + Sync))) -> Option<Vec<f32>> {
    gemm_batched(1, |_| a, |_| b, pool)
}

/// `A_i·B_i` for i in 0..batch, as one row-major (batch, m, n) vector: the
/// products of attention, one per (sequence, head). The batch shares the
/// threads: one pool call packs every B, one computes every product.
pub fn gemm_batched<'a>(
    batch: usize,
    a_at: impl Fn(usize) -> View<'a> + Sync,
    b_at: impl Fn(usize) -> View<'a> + Sync,
    pool: impl Fn(usize, &(dyn Fn(Range<usize>) + Sync)),
) -> Option<Vec<f32>> {
    if !available() {
        return None;
    }
    let (a, b) = (a_at(0), b_at(0));
    let (m, n, k) = (a.rows, b.cols, a.cols);
    for i in 0..batch {
        let (a, b) = (a_at(i), b_at(i));
        assert!(a.rows == m && a.cols == k && b.rows == k && b.cols == n, "product {i}: A is {}x{}, B is {}x{}", a.rows, a.cols, b.rows, b.cols);
        a.check("A");
        b.check("B");
    }
    if batch == 0 || m == 0 || n == 0 || k == 0 {
        return Some(vec![0f32; batch * m * n]);
    }
    let shape = Shape::of(k, n);
    let packed_b = pack_all(batch, &shape, b_at, &pool);
    let mut c = vec![0f32; batch * m * n];
    multiply(batch, m, &shape, a_at, |product| &packed_b[product * shape.len()..][..shape.len()], &mut c, &pool);
    Some(c)
}

/// [`gemm`] into `c` (row-major, A.rows × B.cols, overwritten): for loops
/// that multiply many small matrices (attention's, per head and text) and
/// would otherwise allocate and zero an output for each.
pub fn gemm_into(a: View, b: View, c: &mut [f32], pool: impl Fn(usize, &(dyn Fn(Range<usize>) + Sync))) -> Option<()> {
    if !available() {
        return None;
    }
    let (m, n, k) = (a.rows, b.cols, a.cols);
    assert!(b.rows == k && c.len() == m * n, "A is {m}x{k}, B is {}x{n}, C holds {}", b.rows, c.len());
    a.check("A");
    b.check("B");
    if k == 0 {
        c.fill(0.0);
    }
    if m == 0 || n == 0 || k == 0 {
        return Some(());
    }
    let shape = Shape::of(k, n);
    let packed_b = pack_all(1, &shape, |_| b, &pool);
    multiply(1, m, &shape, |_| a, |_| &packed_b, c, &pool);
    Some(())
}

/// A matrix B packed once for many products `A·B` (a layer's weights,
/// multiplied by every batch of activations): [`gemm_packed`] skips the
/// packing that [`gemm`] does on each call.
pub struct PackedB {
    shape: Shape,
    data: Vec<f32>,
}

impl PackedB {
    /// B's (rows, cols).
    pub fn dims(&self) -> (usize, usize) {
        (self.shape.k, self.shape.n)
    }
}

/// Packs `b` for [`gemm_packed`], or None when the CPU lacks AVX-512.
pub fn pack(b: View, pool: impl Fn(usize, &(dyn Fn(Range<usize>) + Sync))) -> Option<PackedB> {
    if !available() {
        return None;
    }
    assert!(b.rows > 0 && b.cols > 0, "packing an empty {}x{} matrix", b.rows, b.cols);
    b.check("B");
    let shape = Shape::of(b.rows, b.cols);
    let data = pack_all(1, &shape, |_| b, &pool);
    Some(PackedB { shape, data })
}

/// `A·B` for a B packed by [`pack`] (which only succeeds where this runs).
pub fn gemm_packed(a: View, b: &PackedB, pool: impl Fn(usize, &(dyn Fn(Range<usize>) + Sync))) -> Vec<f32> {
    assert!(a.cols == b.shape.k, "A is {}x{}, B is {}x{}", a.rows, a.cols, b.shape.k, b.shape.n);
    a.check("A");
    let mut c = vec![0f32; a.rows * b.shape.n];
    if a.rows > 0 {
        multiply(1, a.rows, &b.shape, |_| a, |_| &b.data, &mut c, &pool);
    }
    c
}

/// How a B of (k, n) is laid out packed: for each k block, its panels one
/// after another, each `kc × NR` floats (zero past column n). Blocks are
/// `KC` deep, or k deep when k is smaller (attention's head dimension), so
/// that a shallow product neither zeroes nor packs a full-depth buffer.
struct Shape {
    k: usize,
    n: usize,
    depth: usize,
    blocks: usize,
    panels: usize,
}

impl Shape {
    fn of(k: usize, n: usize) -> Self {
        let depth = KC.min(k);
        Self { k, n, depth, blocks: k.div_ceil(depth), panels: n.div_ceil(NR) }
    }

    fn len(&self) -> usize {
        self.blocks * self.depth * self.panels * NR
    }

    fn block_offset(&self, block: usize) -> usize {
        block * self.depth * self.panels * NR
    }
}

fn pack_all<'a>(batch: usize, shape: &Shape, b_at: impl Fn(usize) -> View<'a> + Sync, pool: &impl Fn(usize, &(dyn Fn(Range<usize>) + Sync))) -> Vec<f32> {
    let (k, depth, blocks, panels, per_b) = (shape.k, shape.depth, shape.blocks, shape.panels, shape.len());
    let mut packed_b = vec![0f32; batch * per_b];
    let out = Shared(packed_b.as_mut_ptr());
    pool(batch * blocks * panels, &|items: Range<usize>| {
        let out = &out;
        for item in items {
            let (product, block, panel) = (item / (blocks * panels), item / panels % blocks, item % panels);
            let (k0, kc) = (block * depth, depth.min(k - block * depth));
            let offset = product * per_b + shape.block_offset(block) + panel * depth * NR;
            // SAFETY: item `item` writes only its own panel of the buffer.
            let dst = unsafe { std::slice::from_raw_parts_mut(out.0.add(offset), kc * NR) };
            pack_b(&b_at(product), k0, kc, panel * NR, dst);
        }
    });
    packed_b
}

fn multiply<'a, 'b>(
    batch: usize,
    m: usize,
    shape: &Shape,
    a_at: impl Fn(usize) -> View<'a> + Sync,
    packed_at: impl Fn(usize) -> &'b [f32] + Sync,
    c: &mut [f32],
    pool: &impl Fn(usize, &(dyn Fn(Range<usize>) + Sync)),
) {
    let (n, k, depth, blocks, panels) = (shape.n, shape.k, shape.depth, shape.blocks, shape.panels);
    debug_assert!(c.len() == batch * m * n);
    let split = Split::new(batch, m, MC, panels);
    let out = Shared(c.as_mut_ptr());
    pool(batch * split.items_per_product(), &|items: Range<usize>| {
        let out = &out;
        let mut packed_a = vec![0f32; MC * depth];
        for item in items {
            let (product, rows, panel_range) = split.item(item);
            let a = a_at(product);
            let packed_b = packed_at(product);
            let c0 = product * m * n;
            let (i0, mc) = (rows.start, rows.len());
            // Packing A pays off over many panels of B; for one or two (a
            // product with few columns, as attention's `p v`), a row-major A
            // is read where it lies.
            let direct = panels <= 2 && a.col_stride == 1;
            for block in 0..blocks {
                let (k0, kc) = (block * depth, depth.min(k - block * depth));
                if !direct {
                    pack_a(&a, i0, mc, k0, kc, &mut packed_a);
                }
                for panel in panel_range.clone() {
                    let b_panel = &packed_b[shape.block_offset(block) + panel * depth * NR..][..kc * NR];
                    let (j0, cols) = (panel * NR, NR.min(n - panel * NR));
                    for sub in 0..mc.div_ceil(MR) {
                        let rows = MR.min(mc - sub * MR);
                        // SAFETY: rows i0 + sub·MR.. of product `product` of C, in
                        // this part's panels, belong to this work item only;
                        // the tile lies inside C. A direct tile's rows lie in A.
                        unsafe {
                            let c_tile = out.0.add(c0 + (i0 + sub * MR) * n + j0);
                            if direct {
                                let first = &a.data[(i0 + sub * MR) * a.row_stride + k0..];
                                kernel_direct(kc, first, a.row_stride, b_panel, c_tile, n, rows, cols, block > 0);
                            } else {
                                let a_panel = &packed_a[sub * MR * kc..][..MR * kc];
                                kernel(kc, a_panel, b_panel, c_tile, n, rows, cols, block > 0);
                            }
                        }
                    }
                }
            }
        }
    });
}

struct Shared(*mut f32);
// SAFETY: threads write disjoint parts only (see the call sites), and the
// pool returns before the buffer is used again.
unsafe impl Sync for Shared {}

/// Rows k0..k0+kc of B's columns j0..j0+NR, row after row, zero past B.
fn pack_b(b: &View, k0: usize, kc: usize, j0: usize, dst: &mut [f32]) {
    let cols = NR.min(b.cols - j0);
    if b.col_stride == 1 {
        for (l, row) in dst.chunks_exact_mut(NR).take(kc).enumerate() {
            let src = &b.data[(k0 + l) * b.row_stride + j0..][..cols];
            row[..cols].copy_from_slice(src);
            row[cols..].fill(0.0);
        }
        return;
    }
    if cols < NR {
        dst.fill(0.0);
    }
    if b.row_stride == 1 {
        // A transposed row-major matrix (`Wᵀ`, `kᵀ`): each column of B is a
        // row in memory, read contiguously.
        for jj in 0..cols {
            let src = &b.data[(j0 + jj) * b.col_stride + k0..][..kc];
            for (row, &v) in dst.chunks_exact_mut(NR).zip(src) {
                row[jj] = v;
            }
        }
    } else {
        for (l, row) in dst.chunks_exact_mut(NR).take(kc).enumerate() {
            for (jj, v) in row.iter_mut().take(cols).enumerate() {
                *v = b.data[(k0 + l) * b.row_stride + (j0 + jj) * b.col_stride];
            }
        }
    }
}

/// Rows i0..i0+mc of A's columns k0..k0+kc as panels of MR rows, each
/// column of a panel contiguous, zero past A.
fn pack_a(a: &View, i0: usize, mc: usize, k0: usize, kc: usize, dst: &mut [f32]) {
    for sub in 0..mc.div_ceil(MR) {
        let panel = &mut dst[sub * MR * kc..][..MR * kc];
        let rows = MR.min(mc - sub * MR);
        let first = i0 + sub * MR;
        if rows < MR {
            panel.fill(0.0);
        }
        if a.col_stride == 1 {
            for r in 0..rows {
                let src = &a.data[(first + r) * a.row_stride + k0..][..kc];
                for (column, &v) in panel.chunks_exact_mut(MR).zip(src) {
                    column[r] = v;
                }
            }
        } else if a.row_stride == 1 {
            // A transposed matrix: a panel's column is contiguous in memory.
            for (l, column) in panel.chunks_exact_mut(MR).enumerate() {
                column[..rows].copy_from_slice(&a.data[(k0 + l) * a.col_stride + first..][..rows]);
            }
        } else {
            for (l, column) in panel.chunks_exact_mut(MR).enumerate() {
                for (r, v) in column.iter_mut().take(rows).enumerate() {
                    *v = a.data[(first + r) * a.row_stride + (k0 + l) * a.col_stride];
                }
            }
        }
    }
}

/// C[0..rows, 0..cols] (+)= A panel · B panel over depth kc.
///
/// # Safety
/// The CPU has AVX-512F; `c` points at a tile of at least (rows, cols)
/// with row stride `ldc`, written by this thread only.
#[allow(clippy::too_many_arguments)]
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn kernel(kc: usize, a: &[f32], b: &[f32], c: *mut f32, ldc: usize, rows: usize, cols: usize, accumulate: bool) {
    use std::arch::x86_64::*;
    debug_assert!(a.len() >= kc * MR && b.len() >= kc * NR);
    let (a, b) = (a.as_ptr(), b.as_ptr());
    let mut acc = [[_mm512_setzero_ps(); 2]; MR];
    for l in 0..kc {
        let b0 = _mm512_loadu_ps(b.add(l * NR));
        let b1 = _mm512_loadu_ps(b.add(l * NR + 16));
        let a_col = a.add(l * MR);
        for r in 0..MR {
            let ar = _mm512_set1_ps(*a_col.add(r));
            acc[r][0] = _mm512_fmadd_ps(ar, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(ar, b1, acc[r][1]);
        }
    }
    store(&acc, c, ldc, rows, cols, accumulate);
}

/// Writes (or adds) the accumulators' first `rows` rows and `cols` columns
/// to the tile at `c`.
///
/// # Safety
/// The CPU has AVX-512F; the tile lies inside C and is this thread's.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn store(acc: &[[std::arch::x86_64::__m512; 2]; MR], c: *mut f32, ldc: usize, rows: usize, cols: usize, accumulate: bool) {
    use std::arch::x86_64::*;
    // Columns past `cols` are masked off; rows past `rows` are not stored.
    let mask = |from: usize| -> __mmask16 {
        let valid = cols.saturating_sub(from).min(16);
        if valid == 16 { 0xffff } else { ((1u32 << valid) - 1) as __mmask16 }
    };
    let (m0, m1) = (mask(0), mask(16));
    for (r, acc_r) in acc.iter().enumerate().take(rows) {
        let row = c.add(r * ldc);
        let (mut v0, mut v1) = (acc_r[0], acc_r[1]);
        if accumulate {
            v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, row));
            v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, row.add(16)));
        }
        _mm512_mask_storeu_ps(row, m0, v0);
        if m1 != 0 {
            _mm512_mask_storeu_ps(row.add(16), m1, v1);
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[allow(clippy::too_many_arguments)]
unsafe fn kernel(_: usize, _: &[f32], _: &[f32], _: *mut f32, _: usize, _: usize, _: usize, _: bool) {
    unreachable!("gemm runs only where available() is true")
}

/// [`kernel`] for an A tile read in place: row r of the tile starts at
/// `a[r · lda]`, its depth contiguous.
///
/// # Safety
/// As for [`kernel`]; `a` holds `rows` rows of `lda` with `kc` values each.
#[allow(clippy::too_many_arguments)]
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn kernel_direct(kc: usize, a: &[f32], lda: usize, b: &[f32], c: *mut f32, ldc: usize, rows: usize, cols: usize, accumulate: bool) {
    use std::arch::x86_64::*;
    debug_assert!(a.len() >= (rows - 1) * lda + kc && b.len() >= kc * NR);
    // Rows past `rows` read the first row again; they are not stored.
    let row_at: [*const f32; MR] = std::array::from_fn(|r| a.as_ptr().add(if r < rows { r * lda } else { 0 }));
    let b = b.as_ptr();
    let mut acc = [[_mm512_setzero_ps(); 2]; MR];
    for l in 0..kc {
        let b0 = _mm512_loadu_ps(b.add(l * NR));
        let b1 = _mm512_loadu_ps(b.add(l * NR + 16));
        for r in 0..MR {
            let ar = _mm512_set1_ps(*row_at[r].add(l));
            acc[r][0] = _mm512_fmadd_ps(ar, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(ar, b1, acc[r][1]);
        }
    }
    store(&acc, c, ldc, rows, cols, accumulate);
}

#[cfg(not(target_arch = "x86_64"))]
#[allow(clippy::too_many_arguments)]
unsafe fn kernel_direct(_: usize, _: &[f32], _: usize, _: &[f32], _: *mut f32, _: usize, _: usize, _: usize, _: bool) {
    unreachable!("gemm runs only where available() is true")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::serial;


    fn naive(a: View, b: View) -> Vec<f32> {
        let mut c = vec![0f32; a.rows * b.cols];
        for i in 0..a.rows {
            for j in 0..b.cols {
                c[i * b.cols + j] = (0..a.cols)
                    .map(|l| a.data[i * a.row_stride + l * a.col_stride] as f64 * b.data[l * b.row_stride + j * b.col_stride] as f64)
                    .sum::<f64>() as f32;
            }
        }
        c
    }

    /// The values the tests were written with: steps of 1/700 up to ±1.43.
    fn values(n: usize, seed: usize) -> Vec<f32> {
        crate::testing::values(n, seed, 1001.0 / 700.0)
    }

    #[test]
    fn equals_the_naive_product_for_every_layout_and_fringe() {
        if !available() {
            eprintln!("no AVX-512 on this CPU: gemm is not used");
            return;
        }
        // Fringes in every dimension: m not a multiple of MR or MC, n of NR,
        // k of KC; and k spanning several blocks.
        for (m, n, k) in [(1, 1, 1), (13, 31, 5), (15, 33, 193), (57, 64, 384), (100, 70, 500), (3, 200, 40)] {
            let a_data = values(m * k, 1);
            let b_data = values(k * n, 2);
            let (wide_a, wide_b) = (values(2 * m * k, 5), values(2 * k * n, 6));
            for (a, b) in [
                (View::row_major(&a_data, m, k), View::row_major(&b_data, k, n)),
                (View::row_major(&a_data, k, m).t(), View::row_major(&b_data, n, k).t()),
                // Neither stride 1: every other column of a wider matrix.
                (View { data: &wide_a, rows: m, cols: k, row_stride: 2 * k, col_stride: 2 }, View { data: &wide_b, rows: k, cols: n, row_stride: 2 * n, col_stride: 2 }),
            ] {
                let want = naive(a, b);
                let got = gemm(a, b, serial).unwrap();
                for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert!((g - w).abs() <= 1e-4 * (1.0 + w.abs()), "{m}x{n}x{k} at {i}: {g} vs {w}");
                }
            }
        }
    }

    #[test]
    fn a_batch_equals_its_products_one_by_one() {
        if !available() {
            return;
        }
        // Three (m, k) x (k, n) products laid out as attention's are: B
        // transposed, each product at its own offset.
        let (batch, m, n, k) = (3, 20, 37, 16);
        let a_data = values(batch * m * k, 3);
        let b_data = values(batch * n * k, 4);
        let a_at = |i: usize| View::row_major(&a_data[i * m * k..][..m * k], m, k);
        let b_at = |i: usize| View::row_major(&b_data[i * n * k..][..n * k], n, k).t();
        let got = gemm_batched(batch, a_at, b_at, serial).unwrap();
        for i in 0..batch {
            let want = naive(a_at(i), b_at(i));
            for (j, (g, w)) in got[i * m * n..][..m * n].iter().zip(&want).enumerate() {
                assert!((g - w).abs() <= 1e-4 * (1.0 + w.abs()), "product {i} at {j}: {g} vs {w}");
            }
        }
    }

    #[test]
    fn a_prepacked_b_gives_the_same_product() {
        if !available() {
            return;
        }
        for (m, n, k) in [(1, 5, 3), (29, 70, 200), (60, 33, 32)] {
            let (a_data, w) = (values(m * k, 7), values(n * k, 8));
            let a = View::row_major(&a_data, m, k);
            let b = View::row_major(&w, n, k).t();
            let packed = pack(b, serial).unwrap();
            assert_eq!(packed.dims(), (k, n));
            let want = gemm(a, b, serial).unwrap();
            assert_eq!(gemm_packed(a, &packed, serial), want);
            let mut into = vec![f32::NAN; m * n];
            gemm_into(a, b, &mut into, serial).unwrap();
            assert_eq!(into, want, "gemm_into overwrites whatever C held");
        }
    }

    /// `cargo test -p slm-kernels --release -- --ignored --nocapture gemm_speed`
    #[test]
    #[ignore]
    fn gemm_speed() {
        if !available() {
            return;
        }
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let pool = |n: usize, f: &(dyn Fn(Range<usize>) + Sync)| {
            std::thread::scope(|s| {
                let per = n.div_ceil(threads);
                for t in 0..threads {
                    let range = (t * per).min(n)..((t + 1) * per).min(n);
                    s.spawn(move || f(range));
                }
            })
        };
        for (m, n, k) in [(1024, 576, 576), (1024, 1536, 576), (1024, 576, 1536), (1024, 192, 576)] {
            let a = values(m * k, 1);
            let w = values(n * k, 2);
            for (name, b) in [("x·Wᵀ", View::row_major(&w, n, k).t()), ("g·W", View::row_major(&w, k, n))] {
                let mut times = Vec::new();
                for _ in 0..9 {
                    let start = std::time::Instant::now();
                    std::hint::black_box(gemm(View::row_major(&a, m, k), b, pool).unwrap());
                    times.push(start.elapsed().as_secs_f64());
                }
                times.sort_by(f64::total_cmp);
                let gflops = 2.0 * (m * n * k) as f64 / times[4] / 1e9;
                println!("{m}x{n}x{k} {name}: {:.3} ms, {gflops:.1} GFLOP/s ({threads} threads)", times[4] * 1e3);
            }
        }
    }
}
