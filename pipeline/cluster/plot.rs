//! Pictures of a clustering, as self-contained SVG files: a bar chart of the
//! cluster sizes beside a 2-D PCA projection of the embeddings.
//!
//! In: cluster labels and sizes, embeddings, the cluster of each embedding.
//! Out: one SVG document as a string. Hand-written rather than drawn with a
//! plotting crate: two panels of rectangles, text and circles need no more,
//! and the output is small, deterministic and viewable in any browser.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt::{self, Write as _};

use crate::xml::escape;

/// Power iteration steps per principal axis at most.
const MAX_ITERATIONS: usize = 100;
/// Stop when `1 - |cos|` between successive axis estimates falls below this.
const CONVERGED: f64 = 1e-12;
/// Axes are fitted on at most this many points, evenly spread: the axes of
/// such a sample agree with those of all points to plotting precision, and
/// it bounds the cost for millions of calls. All points are projected.
const MAX_FIT_POINTS: usize = 10_000;
/// An axis carrying less than this share of the total variance is rounding
/// noise (rank-1 data has no second axis): its coordinates are set to 0.
const MIN_VARIANCE_SHARE: f64 = 1e-9;

/// Each point's coordinates on the first two principal components.
///
/// Non-finite and missing coordinates (rows shorter than the longest) count
/// as 0. Axes are found by power iteration with deflation, the second kept
/// orthogonal to the first; the covariance is applied as `Xᵀ(Xv)`, so no d×d
/// matrix is built. The start vector comes from `seed` and each axis' sign is
/// fixed (largest component positive), so the output is deterministic.
/// Beyond 10,000 points the axes are fitted on an even sample of them.
pub fn pca_2d(points: &[Vec<f32>], seed: u64) -> Vec<(f32, f32)> {
    let dim = points.iter().map(Vec::len).max().unwrap_or(0);
    if dim == 0 {
        return vec![(0.0, 0.0); points.len()];
    }
    let mut mean = vec![0.0; dim];
    for p in points {
        for (m, x) in mean.iter_mut().zip(p) {
            *m += finite(*x);
        }
    }
    for m in &mut mean {
        *m /= points.len() as f64;
    }
    let sample: Vec<&[f32]> = sample_indices(points.len(), MAX_FIT_POINTS)
        .map(|i| points[i].as_slice())
        .collect();
    let data = Centered {
        rows: &sample,
        mean: &mean,
    };
    let total_variance: f64 = sample.iter().map(|r| data.squared_norm(r)).sum();
    let mut rng = seed;
    let first = principal_axis(&data, None, &mut rng, total_variance);
    let second = principal_axis(&data, Some(&first), &mut rng, total_variance);
    points
        .iter()
        .map(|p| (data.dot(p, &first) as f32, data.dot(p, &second) as f32))
        .collect()
}

/// Rows minus their mean, without copying them.
struct Centered<'a> {
    rows: &'a [&'a [f32]],
    mean: &'a [f64],
}

impl Centered<'_> {
    /// `(row - mean) · v`.
    fn dot(&self, row: &[f32], v: &[f64]) -> f64 {
        (0..self.mean.len())
            .map(|j| (value(row, j) - self.mean[j]) * v[j])
            .sum()
    }

    /// `|row - mean|²`.
    fn squared_norm(&self, row: &[f32]) -> f64 {
        (0..self.mean.len())
            .map(|j| (value(row, j) - self.mean[j]).powi(2))
            .sum()
    }

    /// `Xᵀ(Xv)`: the covariance times `v`, up to a factor that normalising drops.
    fn covariance_times(&self, v: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; v.len()];
        for row in self.rows {
            let u = self.dot(row, v);
            for (j, o) in out.iter_mut().enumerate() {
                *o += (value(row, j) - self.mean[j]) * u;
            }
        }
        out
    }
}

/// The unit axis of most variance orthogonal to `previous`, or zeros when
/// the data has (numerically) no variance left there.
fn principal_axis(data: &Centered<'_>, previous: Option<&[f64]>, rng: &mut u64, total_variance: f64) -> Vec<f64> {
    let zero = vec![0.0; data.mean.len()];
    if total_variance <= 0.0 {
        return zero;
    }
    let mut v: Vec<f64> = data.mean.iter().map(|_| uniform(rng)).collect();
    // Deflation by projection: removing the first axis from every iterate is
    // Hotelling's `C - λ₁v₁v₁ᵀ` on them, and keeps rounding from bringing it back.
    if let Some(p) = previous {
        remove_component(&mut v, p);
    }
    if !normalize(&mut v) {
        return zero;
    }
    for _ in 0..MAX_ITERATIONS {
        let mut w = data.covariance_times(&v);
        if let Some(p) = previous {
            remove_component(&mut w, p);
        }
        if !normalize(&mut w) {
            return zero;
        }
        let change = 1.0 - dot(&w, &v).abs();
        v = w;
        if change < CONVERGED {
            break;
        }
    }
    let variance: f64 = data.rows.iter().map(|r| data.dot(r, &v).powi(2)).sum();
    if variance <= total_variance * MIN_VARIANCE_SHARE {
        return zero;
    }
    let largest = v.iter().copied().reduce(|a, x| if x.abs() > a.abs() { x } else { a });
    if largest.is_some_and(|x| x < 0.0) {
        for x in &mut v {
            *x = -*x;
        }
    }
    v
}

fn value(row: &[f32], j: usize) -> f64 {
    row.get(j).map_or(0.0, |x| finite(*x))
}

fn finite(x: f32) -> f64 {
    if x.is_finite() {
        f64::from(x)
    } else {
        0.0
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn remove_component(v: &mut [f64], axis: &[f64]) {
    let d = dot(v, axis);
    v.iter_mut().zip(axis).for_each(|(x, a)| *x -= d * a);
}

/// Scales `v` to unit length; false when it has none to scale.
fn normalize(v: &mut [f64]) -> bool {
    let norm = dot(v, v).sqrt();
    if !(norm > 0.0 && norm.is_finite()) {
        return false;
    }
    for x in v.iter_mut() {
        *x /= norm;
    }
    true
}

/// Uniform in [-1, 1) from SplitMix64 (Steele et al. 2014).
fn uniform(state: &mut u64) -> f64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
}

/// `min(n, cap)` indices evenly spread over `0..n`: a deterministic sample
/// that keeps each cluster's share however the input is ordered.
fn sample_indices(n: usize, cap: usize) -> impl Iterator<Item = usize> {
    let m = n.min(cap);
    (0..m).map(move |k| (k as u128 * n as u128 / m as u128) as usize)
}

/// One bar of the size chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterBar {
    /// Shown truncated to 40 characters; in full in the bar's tooltip.
    pub label: String,
    /// Calls in the cluster.
    pub count: u64,
    /// The cluster, or `None` for the calls no cluster took.
    pub id: Option<u32>,
}

const MAX_POINTS: usize = 5_000;
const MAX_BARS: usize = 40;
const MAX_LABEL_CHARS: usize = 40;
/// Matplotlib's `tab10` less its grey (kept for unassigned calls), then three dark `tab20b` tones.
#[rustfmt::skip]
const PALETTE: [&str; 12] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
    "#e377c2", "#17becf", "#bcbd22", "#393b79", "#ad494a", "#637939",
];
const UNASSIGNED: &str = "#b4b4b4";
const FRAME: &str = r##"fill="none" stroke="#999999""##;
const TITLE: &str = r#"font-size="18" font-weight="bold" text-anchor="middle""#;
const HEADING: &str = r#"font-size="13" font-weight="bold" text-anchor="middle""#;
/// Labels start left and are cut at the bars: wide letters can overflow 40 characters.
const LABEL_COLUMN: &str = r#"<clipPath id="slm-bar-labels"><rect x="16" width="276" height="600"/></clipPath>"#;
const NOTE: &str = r##"fill="#777777" text-anchor="middle""##;
// Geometry, in pixels of the 1200×600 canvas.
const TOP: f64 = 80.0;
const BOTTOM: f64 = 565.0;
const LABEL_LEFT: f64 = 16.0;
const BAR_LEFT: f64 = 298.0;
const BAR_WIDTH: f64 = 232.0;
const PLOT: [f64; 4] = [625.0, TOP, 430.0, BOTTOM + 10.0 - TOP];
const PLOT_PADDING: f64 = 12.0;
const LEGEND_LEFT: f64 = 1068.0;
const LEGEND_ROW: f64 = 16.0;

fn colour(id: Option<u32>) -> &'static str {
    id.map_or(UNASSIGNED, |id| PALETTE[id as usize % PALETTE.len()])
}

/// An SVG of 1200×600 pixels: left, the bars in the order given (at most
/// 40); right, `points` (at most 5,000, evenly sampled) coloured by the
/// cluster at the same index of `point_cluster` (missing: unassigned), with
/// a legend. Bars and points of a cluster share its colour; colours repeat
/// every 12 ids. The string starts with `<svg` and ends with `</svg>`.
pub fn clusters_svg(title: &str, bars: &[ClusterBar], points: &[(f32, f32)], point_cluster: &[Option<u32>]) -> String {
    let mut svg = Svg(String::new());
    svg.raw(r#"<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="600" viewBox="0 0 1200 600" "#);
    svg.raw(r##"font-family="sans-serif" font-size="11"><rect width="1200" height="600" fill="#ffffff"/>"##);
    svg.text(600.0, 28.0, TITLE, title);
    bar_panel(&mut svg, bars);
    scatter_panel(&mut svg, points, point_cluster);
    svg.raw("</svg>");
    svg.0
}

fn bar_panel(svg: &mut Svg, bars: &[ClusterBar]) {
    let shown = &bars[..bars.len().min(MAX_BARS)];
    let row = ((BOTTOM - TOP) / shown.len().max(1) as f64).min(24.0);
    let font = (row * 0.7).clamp(7.0, 11.0);
    let _ = write!(svg.0, r#"<g class="sizes" font-size="{}">"#, Num(font));
    svg.raw(LABEL_COLUMN);
    svg.rect([10.0, 45.0, 580.0, 545.0], FRAME);
    svg.text(300.0, 66.0, HEADING, "Calls per cluster");
    if bars.is_empty() {
        svg.text(300.0, 327.5, NOTE, "no clusters");
    }
    let most = shown.iter().map(|b| b.count).max().unwrap_or(0).max(1) as f64;
    for (i, bar) in shown.iter().enumerate() {
        let top = TOP + i as f64 * row;
        let baseline = top + row / 2.0 + font * 0.35;
        let short = truncate(&bar.label, MAX_LABEL_CHARS);
        let name = bar.id.map_or_else(|| short.to_string(), |id| format!("#{id} {short}"));
        let length = BAR_WIDTH * bar.count as f64 / most;
        svg.raw("<g>");
        svg.title(&format!("{}: {} calls", bar.label, bar.count));
        svg.text(LABEL_LEFT, baseline, r#"clip-path="url(#slm-bar-labels)""#, &name);
        let fill = format!(r#"fill="{}""#, colour(bar.id));
        svg.rect([BAR_LEFT, top + row * 0.15, length, row * 0.7], &fill);
        svg.text(BAR_LEFT + length + 4.0, baseline, "", &bar.count.to_string());
        svg.raw("</g>");
    }
    if bars.len() > shown.len() {
        let more = format!("… and {} more clusters", bars.len() - shown.len());
        svg.text(300.0, 582.0, NOTE, &more);
    }
    svg.raw("</g>");
}

fn scatter_panel(svg: &mut Svg, points: &[(f32, f32)], point_cluster: &[Option<u32>]) {
    let [left, top, width, height] = PLOT;
    let (mid_x, mid_y) = (left + width / 2.0, top + height / 2.0);
    svg.raw(r#"<g class="projection">"#);
    svg.rect([610.0, 45.0, 580.0, 545.0], FRAME);
    svg.text(900.0, 66.0, HEADING, "Calls, 2-D PCA projection of their embeddings");
    svg.rect(PLOT, FRAME);
    svg.text(mid_x, top + height + 12.0, NOTE, "PC 1");
    let rotated = format!(r#"{NOTE} transform="rotate(-90 {} {})""#, Num(left - 4.0), Num(mid_y));
    svg.text(left - 4.0, mid_y, &rotated, "PC 2");

    let mut drawn: Vec<(f64, f64, Option<u32>)> = Vec::new();
    for i in sample_indices(points.len(), MAX_POINTS) {
        let (x, y) = (f64::from(points[i].0), f64::from(points[i].1));
        if x.is_finite() && y.is_finite() {
            drawn.push((x, y, point_cluster.get(i).copied().flatten()));
        }
    }
    if drawn.is_empty() {
        svg.text(mid_x, mid_y, NOTE, "no points");
    }
    // One scale for both axes: PCA distances mean the same in every direction.
    let (lo_x, hi_x, lo_y, hi_y) = drawn.iter().fold(
        (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY),
        |(a, b, c, d), &(x, y, _)| (a.min(x), b.max(x), c.min(y), d.max(y)),
    );
    // A flat spread gives an infinite fit, which `min` skips; all points alike, a 0 scale.
    let scale = ((width - 2.0 * PLOT_PADDING) / (hi_x - lo_x)).min((height - 2.0 * PLOT_PADDING) / (hi_y - lo_y));
    let scale = if scale.is_finite() { scale } else { 0.0 };
    let (centre_x, centre_y) = ((lo_x + hi_x) / 2.0, (lo_y + hi_y) / 2.0);
    // Unassigned calls first and smaller, so the clusters stay visible on top.
    svg.raw(r#"<g fill-opacity="0.8">"#);
    for assigned in [false, true] {
        let radius = if assigned { 2.5 } else { 1.5 };
        for &(x, y, cluster) in drawn.iter().filter(|p| p.2.is_some() == assigned) {
            let (cx, cy) = (mid_x + (x - centre_x) * scale, mid_y - (y - centre_y) * scale);
            svg.circle(cx, cy, radius, colour(cluster));
        }
    }
    svg.raw("</g>");

    let ids: BTreeSet<u32> = drawn.iter().filter_map(|p| p.2).collect();
    let mut entries: Vec<(String, &str)> = ids.iter().map(|&id| (format!("#{id}"), colour(Some(id)))).collect();
    if drawn.iter().any(|p| p.2.is_none()) {
        entries.push(("unassigned".to_owned(), UNASSIGNED));
    }
    // Rows below the legend's heading; the last says how many did not fit.
    let rows = ((BOTTOM - TOP) / LEGEND_ROW) as usize - 1;
    let shown = if entries.len() > rows { rows - 1 } else { entries.len() };
    svg.raw(r#"<g class="legend">"#);
    if !entries.is_empty() {
        svg.text(LEGEND_LEFT, top + 8.0, r#"font-weight="bold""#, "cluster");
    }
    for (i, (name, fill)) in entries.iter().take(shown).enumerate() {
        let row_top = top + LEGEND_ROW * (i + 1) as f64;
        svg.rect([LEGEND_LEFT, row_top, 10.0, 10.0], &format!(r#"fill="{fill}""#));
        svg.text(LEGEND_LEFT + 16.0, row_top + 9.0, "", name);
    }
    if shown < entries.len() {
        let more = format!("+{} more", entries.len() - shown);
        let y = top + LEGEND_ROW * (shown + 1) as f64 + 9.0;
        svg.text(LEGEND_LEFT, y, r##"fill="#777777""##, &more);
    }
    svg.raw("</g></g>");
}

/// An SVG document being written. Writing to a `String` cannot fail, hence
/// the ignored `fmt::Result`s.
struct Svg(String);

impl Svg {
    fn raw(&mut self, markup: &str) {
        self.0.push_str(markup);
    }

    /// `attrs` is markup, as in all these methods.
    fn rect(&mut self, [x, y, width, height]: [f64; 4], attrs: &str) {
        let (x, y, w, h) = (Num(x), Num(y), Num(width.max(0.0)), Num(height.max(0.0)));
        let _ = write!(self.0, r#"<rect x="{x}" y="{y}" width="{w}" height="{h}" {attrs}/>"#);
    }

    fn circle(&mut self, x: f64, y: f64, radius: f64, fill: &str) {
        let (x, y, r) = (Num(x), Num(y), Num(radius));
        let _ = write!(self.0, r#"<circle cx="{x}" cy="{y}" r="{r}" fill="{fill}"/>"#);
    }

    /// `content` is escaped.
    fn text(&mut self, x: f64, y: f64, attrs: &str, content: &str) {
        let (x, y, content) = (Num(x), Num(y), escape(content));
        let _ = write!(self.0, r#"<text x="{x}" y="{y}" {attrs}>{content}</text>"#);
    }

    fn title(&mut self, content: &str) {
        let _ = write!(self.0, "<title>{}</title>", escape(content));
    }
}

/// A coordinate with at most one decimal, and `0` for -0 and non-finite
/// values: precision beyond a tenth of a pixel only makes the file bigger.
struct Num(f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // k/10 rounds to the double closest to it, which prints as k/10.
        let r = (self.0 * 10.0).round() / 10.0;
        if r.is_finite() && r != 0.0 {
            write!(f, "{r}")
        } else {
            f.write_str("0")
        }
    }
}


/// At most `max` characters, the last one `…` when some were cut.
fn truncate(text: &str, max: usize) -> Cow<'_, str> {
    if text.chars().count() <= max {
        return Cow::Borrowed(text);
    }
    let mut short: String = text.chars().take(max.saturating_sub(1)).collect();
    short.push('…');
    Cow::Owned(short)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_distances_kept(high: &[Vec<f32>], low: &[(f32, f32)]) {
        let distance = |a: &[f32], b: &[f32]| {
            a.iter()
                .zip(b)
                .map(|(x, y)| f64::from(x - y).powi(2))
                .sum::<f64>()
                .sqrt()
        };
        for i in 0..high.len() {
            for j in 0..i {
                let ((a, b), (c, d)) = (low[i], low[j]);
                assert!(
                    (distance(&high[i], &high[j]) - distance(&[a, b], &[c, d])).abs() < 1e-3,
                    "{i} {j}"
                );
            }
        }
    }

    #[test]
    fn pca_recovers_a_plane_embedded_in_ten_dimensions() {
        let mut rng = 7;
        let mut axes: Vec<Vec<f64>> = Vec::new();
        for _ in 0..2 {
            let mut v: Vec<f64> = (0..10).map(|_| uniform(&mut rng)).collect();
            for a in &axes {
                remove_component(&mut v, a);
            }
            assert!(normalize(&mut v));
            axes.push(v);
        }
        let offset: Vec<f64> = (0..10).map(|_| 3.0 * uniform(&mut rng)).collect();
        let mut point = |_| {
            let (a, b) = (5.0 * uniform(&mut rng), 2.0 * uniform(&mut rng));
            (0..10)
                .map(|j| (offset[j] + a * axes[0][j] + b * axes[1][j]) as f32)
                .collect()
        };
        let points: Vec<Vec<f32>> = (0..60).map(&mut point).collect();
        let low = pca_2d(&points, 42);
        assert_eq!(low.len(), points.len());
        assert_distances_kept(&points, &low);
        assert_eq!(low, pca_2d(&points, 42));
    }

    #[test]
    fn pca_edge_cases_give_finite_output() {
        assert!(pca_2d(&[], 1).is_empty());
        assert_eq!(pca_2d(&[vec![1.0, 2.0]], 1), [(0.0, 0.0)]);
        assert_eq!(pca_2d(&[vec![], vec![]], 1), [(0.0, 0.0); 2]);
        assert_eq!(pca_2d(&[vec![3.0; 5], vec![3.0; 5]], 1), [(0.0, 0.0); 2]);
        let line: Vec<Vec<f32>> = (0..20).map(|i| vec![i as f32, 2.0 * i as f32, 1.0]).collect();
        let low = pca_2d(&line, 3);
        assert!(low.iter().all(|p| p.1 == 0.0));
        assert_distances_kept(&line, &low);
        let odd = [vec![f32::NAN, 1.0], vec![2.0], vec![f32::INFINITY, -1.0, 4.0]];
        assert!(pca_2d(&odd, 5).iter().all(|p| p.0.is_finite() && p.1.is_finite()));
    }

    fn bar(label: &str, count: u64, id: Option<u32>) -> ClusterBar {
        ClusterBar {
            label: label.to_owned(),
            count,
            id,
        }
    }

    fn assert_well_formed(svg: &str) {
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        let opened = svg.matches("<g>").count() + svg.matches("<g ").count();
        assert_eq!(opened, svg.matches("</g>").count());
        assert_eq!(svg.matches("<text").count(), svg.matches("</text>").count());
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        // No number with more than one decimal.
        let b = svg.as_bytes();
        let long = |i: usize| b[i] == b'.' && b[i - 1].is_ascii_digit() && b[i + 2].is_ascii_digit();
        assert!(!(1..b.len() - 2).any(long));
    }

    #[test]
    fn svg_escapes_text_and_draws_every_point() {
        let bars = [
            bar(r#"a<&>"b 'x'"#, 30, Some(0)),
            bar("unassigned", 10, None),
            bar(&"long ".repeat(20), 5, Some(13)),
        ];
        let points: Vec<(f32, f32)> = (0..100).map(|i| (i as f32 * 0.123, (i % 7) as f32)).collect();
        let cluster: Vec<Option<u32>> = (0..100).map(|i| (i % 10 != 0).then_some(i % 3)).collect();
        let svg = clusters_svg("Clusters <2024> & co", &bars, &points, &cluster);
        assert_well_formed(&svg);
        assert!(svg.contains("a&lt;&amp;&gt;&quot;b &apos;x&apos;") && !svg.contains("a<&>"));
        assert!(svg.contains("Clusters &lt;2024&gt; &amp; co"));
        assert_eq!(svg.matches("<circle").count(), 100);
        assert!(svg.contains("#13 long long") && svg.contains('…'));
        assert!(svg.contains(">#2</text>") && svg.contains(">unassigned</text>"));
    }

    #[test]
    fn svg_caps_points_and_bars() {
        let points: Vec<(f32, f32)> = (0..12_345).map(|i| ((i as f32).sin(), (i as f32).cos())).collect();
        let cluster: Vec<Option<u32>> = (0..12_345).map(|i| Some(i % 50)).collect();
        let bars: Vec<ClusterBar> = (0..50).map(|i| bar(&format!("topic {i}"), 100, Some(i))).collect();
        let svg = clusters_svg("t", &bars, &points, &cluster);
        assert_well_formed(&svg);
        assert_eq!(svg.matches("<circle").count(), MAX_POINTS);
        assert!(svg.contains("… and 10 more clusters") && svg.contains("+22 more</text>"));
        assert!(svg.len() < 400_000, "{}", svg.len());
        assert_eq!(svg, clusters_svg("t", &bars, &points, &cluster));
    }

    #[test]
    fn svg_handles_empty_and_degenerate_inputs() {
        let svg = clusters_svg("", &[], &[], &[]);
        assert_well_formed(&svg);
        assert!(svg.contains("no clusters") && svg.contains("no points") && !svg.contains("<circle"));
        let one = clusters_svg("x", &[bar("zero", 0, Some(1))], &[(1.0, 1.0), (f32::NAN, 0.0)], &[]);
        assert_well_formed(&one);
        assert_eq!(one.matches("<circle").count(), 1);
        assert!(
            one.contains(r#"cx="840" cy="327.5""#),
            "a lone point sits in the middle"
        );
    }

    #[test]
    fn numbers_have_at_most_one_decimal() {
        let shown: Vec<String> = [0.0, -0.04, 1.25, 2.0, 0.1 + 0.2, -3.96, f64::NAN]
            .map(|x| Num(x).to_string())
            .into();
        assert_eq!(shown, ["0", "0", "1.3", "2", "0.3", "-4", "0"]);
    }
}
