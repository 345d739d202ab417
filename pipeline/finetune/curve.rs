//! The loss curve of one adapter as a self-contained SVG: the train loss of
//! every update, the eval loss at each evaluation, and the base model's eval
//! loss as a dashed line for reference.

use std::fmt::Write as _;

use crate::xml::escape;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 360.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 50.0;

pub fn loss_svg(title: &str, train: &[(usize, f64)], eval: &[(usize, f64)], best_step: usize) -> String {
    let finite = |v: &f64| v.is_finite();
    let values: Vec<f64> = train.iter().chain(eval).map(|p| p.1).filter(finite).collect();
    let (lo, hi) = values.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let (lo, hi) = if values.is_empty() { (0.0, 1.0) } else { (lo.min(0.0).max(0.0), hi.max(lo + 1e-6)) };
    let max_step = train.iter().chain(eval).map(|p| p.0).max().unwrap_or(1).max(1) as f64;
    let x = |step: usize| LEFT + (WIDTH - LEFT - RIGHT) * step as f64 / max_step;
    let y = |v: f64| TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - (v - lo) / (hi - lo));

    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="{LEFT}" y="22" font-size="14" font-weight="bold">{}</text>
"##,
        escape(title)
    );
    // Axes with five ticks each.
    let _ = writeln!(
        svg,
        r##"<line x1="{LEFT}" y1="{0}" x2="{1}" y2="{0}" stroke="#444"/><line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{0}" stroke="#444"/>"##,
        HEIGHT - BOTTOM,
        WIDTH - RIGHT
    );
    for i in 0..=4 {
        let v = lo + (hi - lo) * i as f64 / 4.0;
        let _ = writeln!(svg, r##"<text x="{}" y="{:.1}" text-anchor="end">{v:.2}</text>"##, LEFT - 6.0, y(v) + 4.0);
        let step = (max_step * i as f64 / 4.0).round() as usize;
        let _ = writeln!(svg, r##"<text x="{:.1}" y="{}" text-anchor="middle">{step}</text>"##, x(step), HEIGHT - BOTTOM + 18.0);
    }
    let _ = writeln!(svg, r##"<text x="{}" y="{}" text-anchor="middle">optimizer step</text>"##, (LEFT + WIDTH - RIGHT) / 2.0, HEIGHT - 10.0);
    if let Some(&(_, base)) = eval.first().filter(|p| p.0 == 0 && p.1.is_finite()) {
        let _ = writeln!(
            svg,
            r##"<line x1="{LEFT}" y1="{0:.1}" x2="{1}" y2="{0:.1}" stroke="#999" stroke-dasharray="5,4"/><text x="{1}" y="{2:.1}" text-anchor="end" fill="#666">base model eval {base:.3}</text>"##,
            y(base),
            WIDTH - RIGHT,
            y(base) - 5.0
        );
    }
    let line = |points: &[(usize, f64)]| -> String {
        points.iter().filter(|p| p.1.is_finite()).map(|&(s, v)| format!("{:.1},{:.1}", x(s), y(v))).collect::<Vec<_>>().join(" ")
    };
    let _ = writeln!(svg, r##"<polyline points="{}" fill="none" stroke="#4c78a8" stroke-width="1.5"/>"##, line(train));
    let _ = writeln!(svg, r##"<polyline points="{}" fill="none" stroke="#e45756" stroke-width="2"/>"##, line(eval));
    for &(s, v) in eval.iter().filter(|p| p.1.is_finite()) {
        let r = if s == best_step { 5.0 } else { 3.0 };
        let _ = writeln!(svg, r##"<circle cx="{:.1}" cy="{:.1}" r="{r}" fill="#e45756"/>"##, x(s), y(v));
    }
    let _ = writeln!(
        svg,
        r##"<text x="{0}" y="{TOP}" text-anchor="end" fill="#4c78a8">train loss</text><text x="{0}" y="{1}" text-anchor="end" fill="#e45756">eval loss (large dot: kept)</text>"##,
        WIDTH - RIGHT,
        TOP + 16.0
    );
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_curve_has_every_point_and_the_base_line() {
        let train = [(1, 2.0), (2, 1.5), (3, 1.0)];
        let eval = [(0, 2.5), (3, 1.2)];
        let svg = loss_svg("cluster <3>", &train, &eval, 3);
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("cluster &lt;3&gt;"));
        assert!(svg.contains("base model eval 2.500"));
        assert_eq!(svg.matches("<circle").count(), 2);
        // Three train points on the first polyline.
        let first = svg.split("<polyline points=\"").nth(1).unwrap();
        assert_eq!(first.split('"').next().unwrap().split(' ').count(), 3);
    }
}
