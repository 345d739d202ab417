//! The run report: `reports/<run_id>/report.md` and a self-contained
//! `report.html` (pictures inline, no external file or script) with the
//! run's tasks, the clusters and their routes, eval scores against
//! thresholds, the SLM traffic share, the projected cost saving, and what
//! changed since the previously published routing table.

use std::fmt::Write as _;

use crate::xml::escape;
use crate::error::Result;
use crate::routing::registry::Registry;
use crate::routing::table::{Route, RoutingTable};
use crate::warehouse::Warehouse;

/// The report's folder below the warehouse root.
pub fn dir(run_id: &str) -> String {
    format!("reports/{run_id}")
}

/// Writes both files; returns the HTML's URL.
pub async fn write(
    wh: &Warehouse,
    run_id: &str,
    table: &RoutingTable,
    previous: Option<&RoutingTable>,
    registry: &Registry,
) -> Result<String> {
    let root = wh.root();
    let attempts = wh.load_attempts(run_id).await.unwrap_or_default();
    let tasks: Vec<(String, String, i32, f64)> = attempts
        .iter()
        .map(|a| {
            let secs = a.ended_at.map_or(0.0, |e| (e - a.started_at).num_milliseconds() as f64 / 1000.0);
            (a.task_id.clone(), a.status.as_str().to_string(), a.attempt, secs)
        })
        .collect();
    // The pictures earlier tasks of the run left (cluster map, loss curves).
    let mut pictures = Vec::new();
    for object in root.list(&dir(run_id)).await? {
        let rel = root.relative(&object.location);
        if rel.ends_with(".svg") {
            let name = rel.rsplit('/').next().unwrap_or(&rel).to_string();
            pictures.push((name, String::from_utf8_lossy(&root.get(&object.location).await?).to_string()));
        }
    }
    let changes = changes(previous, table);
    let (pii_findings, pii_versions) = crate::warehouse::pii_versions::findings_of_run(wh, run_id).await.unwrap_or_default();
    let stale: Vec<String> = crate::warehouse::pii_versions::adapter_versions(wh)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|(_, v)| crate::warehouse::pii_versions::is_stale(v.as_deref()))
        .map(|(a, v)| format!("{a} (PII detectors {})", v.as_deref().unwrap_or("of unknown version")))
        .collect();
    let pii = Pii { findings: &pii_findings, versions: &pii_versions, stale_adapters: &stale };
    let training = training_rows(wh, run_id).await.unwrap_or_default();
    let gateway = gateway_lines(wh).await.unwrap_or_default();
    let context = Context {
        run_id,
        table,
        tasks: &tasks,
        changes: &changes,
        registry: &registry.location().display_url(),
        pii,
        training: &training,
        gateway: &gateway,
    };
    let md = markdown(&context, &pictures);
    let html = html(&context, &pictures);
    root.put(&root.key(&format!("{}/report.md", dir(run_id)))?, md.into_bytes()).await?;
    let key = root.key(&format!("{}/report.html", dir(run_id)))?;
    root.put(&key, html.into_bytes()).await?;
    Ok(root.url_of(&key, false))
}

struct Context<'a> {
    run_id: &'a str,
    table: &'a RoutingTable,
    tasks: &'a [(String, String, i32, f64)],
    changes: &'a [String],
    registry: &'a str,
    pii: Pii<'a>,
    /// The adapters this run trained, a row of cells each ([`TRAINING_HEADER`]).
    training: &'a [Vec<String>],
    /// What the gateway's call log says, a line per day (newest first).
    gateway: &'a [String],
}

/// The share of a day's gateway calls far from every route above which the
/// report calls it drift.
pub const DRIFT_THRESHOLD: f64 = 0.2;

/// The gateway's last 7 days in the warehouse (its call log, ingested):
/// calls, SLM share, fallbacks by reason, shadow agreement and the
/// out-of-radius rate, flagged as drift above [`DRIFT_THRESHOLD`].
pub async fn gateway_lines(wh: &Warehouse) -> Result<Vec<String>> {
    use crate::warehouse::columns;
    let sql = "SELECT CAST(date AS VARCHAR) AS day, COUNT(*) AS calls,
          AVG(CASE WHEN json_field(metadata, 'route') = 'slm' THEN 1.0 ELSE 0.0 END) AS slm,
          SUM(CASE WHEN json_field(metadata, 'reason') IN ('slm_error', 'slm_timeout', 'invalid_output') THEN 1 ELSE 0 END) AS fallbacks,
          SUM(CASE WHEN json_field(metadata, 'llm_answer') IS NOT NULL THEN 1 ELSE 0 END) AS shadows,
          COALESCE(AVG(CASE json_field(json_field(metadata, 'llm_answer'), 'agrees') WHEN 'true' THEN 1.0 WHEN 'false' THEN 0.0 END), -1.0) AS agreement,
          AVG(CASE WHEN json_field(metadata, 'reason') = 'far' THEN 1.0 ELSE 0.0 END) AS far
        FROM calls WHERE json_field(metadata, 'route') IS NOT NULL
        GROUP BY 1 ORDER BY 1 DESC LIMIT 7";
    let mut out = Vec::new();
    for b in crate::warehouse::session::query_calls(wh, sql).await? {
        let t = "gateway calls";
        let (days, calls, fallbacks, shadows) =
            (columns::strings(&b, "day", t)?, columns::i64s(&b, "calls", t)?, columns::i64s(&b, "fallbacks", t)?, columns::i64s(&b, "shadows", t)?);
        let (slm, agreement, far) = (columns::f64s(&b, "slm", t)?, columns::f64s(&b, "agreement", t)?, columns::f64s(&b, "far", t)?);
        for r in 0..b.num_rows() {
            let shadow = if shadows.value(r) > 0 { format!(", {} shadows agreeing {}", shadows.value(r), pct(agreement.value(r))) } else { String::new() };
            let drift = if far.value(r) > DRIFT_THRESHOLD {
                format!(" — drift: over {} far from every route; the cluster task re-clusters the window that holds these calls", pct(DRIFT_THRESHOLD))
            } else {
                String::new()
            };
            out.push(format!(
                "{}: {} calls, SLM {}, {} fallbacks after an SLM failure{shadow}, out of radius {}{drift}",
                days.value(r),
                calls.value(r),
                pct(slm.value(r)),
                fallbacks.value(r),
                pct(far.value(r))
            ));
        }
    }
    Ok(out)
}

const TRAINING_HEADER: [&str; 9] =
    ["cluster", "adapter", "minutes", "tokens", "eval loss start → best", "gain", "stopped", "warm from", "peak RSS (MiB)"];

/// The adapters trained in `run_id` (the `adapters` table), with what their
/// `metrics.json` says of the time, the gain, the stop and the memory.
async fn training_rows(wh: &Warehouse, run_id: &str) -> Result<Vec<Vec<String>>> {
    use crate::warehouse::{columns, Table};
    let root = wh.root();
    let mut rows = Vec::new();
    for batch in wh.read_parquet_dir(Table::Adapters.dir()).await? {
        let t = Table::Adapters.name();
        let (clusters, versions, runs) =
            (columns::i64s(&batch, "cluster_id", t)?, columns::strings(&batch, "version", t)?, columns::strings(&batch, "run_id", t)?);
        for row in (0..batch.num_rows()).filter(|&r| runs.value(r) == run_id) {
            let (cluster, version) = (clusters.value(row), versions.value(row));
            let key = root.key(&format!("{}/cluster={cluster}/version={version}/metrics.json", Table::Adapters.dir()))?;
            let m: serde_json::Value = serde_json::from_slice(&root.get(&key).await?).unwrap_or_default();
            let f = |k: &str| m[k].as_f64().unwrap_or(f64::NAN);
            let stopped = if m["stopped_for_time"] == true {
                "time budget"
            } else if m["stopped_early"] == true {
                "plateau"
            } else {
                "epochs"
            };
            rows.push(vec![
                format!("c{cluster:02}"),
                version.to_string(),
                format!("{:.1}", f("train_seconds") / 60.0),
                m["tokens"].as_u64().unwrap_or(0).to_string(),
                format!("{:.3} → {:.3}", f("base_eval_loss"), f("best_eval_loss")),
                format!("{:.3}", f("base_eval_loss") - f("best_eval_loss")),
                stopped.to_string(),
                m["warm_from"].as_str().unwrap_or("-").to_string(),
                format!("{:.0}", f("peak_rss_mib")),
            ]);
        }
    }
    rows.sort();
    Ok(rows)
}

/// The PII section: the detectors' hit counts per field and entity (never
/// values), their version, and the adapters that are stale.
struct Pii<'a> {
    findings: &'a [(String, String, i64)],
    versions: &'a [String],
    stale_adapters: &'a [String],
}

impl Pii<'_> {
    fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.versions.is_empty() {
            out.push(format!("detector version of this run: {}", self.versions.join(", ")));
        }
        if self.stale_adapters.is_empty() {
            out.push("no stale adapters".into());
        } else {
            out.push(format!(
                "{} stale adapter(s), trained on data of older PII detectors and never published: {}",
                self.stale_adapters.len(),
                self.stale_adapters.join("; ")
            ));
        }
        out
    }
}

/// What changed, route by route, since `previous`.
pub fn changes(previous: Option<&RoutingTable>, table: &RoutingTable) -> Vec<String> {
    let Some(previous) = previous else {
        return vec!["first published version".into()];
    };
    let mut out = Vec::new();
    for route in &table.routes {
        match previous.routes.iter().find(|r| r.cluster_id == route.cluster_id) {
            None => out.push(format!("{}: new cluster, to the {}", route.cluster_id, route.target.to_uppercase())),
            Some(old) if old.target != route.target => {
                out.push(format!("{}: {} → {} ({})", route.cluster_id, old.target.to_uppercase(), route.target.to_uppercase(), route.reason))
            }
            Some(old) if old.adapter.as_ref().map(|a| &a.sha256) != route.adapter.as_ref().map(|a| &a.sha256) => out.push(format!(
                "{}: new adapter, score {} → {}",
                route.cluster_id,
                old.eval.as_ref().map_or("-".into(), |e| format!("{:.3}", e.score)),
                route.eval.as_ref().map_or("-".into(), |e| format!("{:.3}", e.score))
            )),
            Some(_) => {}
        }
    }
    for old in &previous.routes {
        if !table.routes.iter().any(|r| r.cluster_id == old.cluster_id) {
            out.push(format!("{}: cluster gone (was {})", old.cluster_id, old.target.to_uppercase()));
        }
    }
    let (a, b) = (previous.summary.slm_traffic_share, table.summary.slm_traffic_share);
    if a != b {
        out.push(format!("SLM traffic share {:.1}% → {:.1}%", a * 100.0, b * 100.0));
    }
    if out.is_empty() {
        out.push(format!("no change since {}", previous.version));
    }
    out
}

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

fn score_cell(route: &Route) -> (String, String, String, String) {
    match &route.eval {
        Some(e) => (
            e.metric.clone(),
            format!("{:.3} [{:.3}, {:.3}]", e.score, e.ci_low, e.ci_high),
            format!("{:.3}", e.base_score),
            format!("{:.2} / n {}", e.threshold, e.n),
        ),
        None => ("-".into(), "-".into(), "-".into(), "-".into()),
    }
}

fn summary_lines(t: &RoutingTable) -> Vec<String> {
    let s = &t.summary;
    let mut lines = vec![
        format!("Calls in the window: {}", s.calls),
        format!("Clusters: {}, sent to an SLM: {}", s.clusters, s.slm_clusters),
        format!("SLM traffic share (measured on the window's calls): {}", pct(s.slm_traffic_share)),
        format!("Fallback: {} ({})", t.fallback.model, t.fallback.target),
    ];
    if let Some(c) = &s.cost {
        lines.push(format!(
            "Projected cost{}: {:.2} {cur} all on the LLM → {:.2} {cur} with routing: {:.2} {cur} saved ({}); {} calls without a price{}",
            if c.estimated_calls > 0 { " (estimated)" } else { "" },
            c.llm_only,
            c.with_routing,
            c.saving,
            pct(c.saving_share),
            c.unpriced_calls,
            match c.estimated_calls {
                0 => String::new(),
                n => format!("; {n} calls were logged without usage: their tokens are the base model's tokenizer's count"),
            },
            cur = c.currency
        ));
    }
    lines
}

fn markdown(c: &Context, pictures: &[(String, String)]) -> String {
    let t = c.table;
    let mut md = String::new();
    let _ = writeln!(md, "# slm-pipeline run `{}`\n", c.run_id);
    let _ = writeln!(md, "Routing table `{}` ({}), registry {}.\n", t.version, t.published_at, c.registry);
    let _ = writeln!(md, "## Summary\n");
    for line in summary_lines(t) {
        let _ = writeln!(md, "- {line}");
    }
    let _ = writeln!(md, "\n## Changes since the last published version\n");
    for line in c.changes {
        let _ = writeln!(md, "- {line}");
    }
    let _ = writeln!(md, "\n## Routes\n");
    let _ = writeln!(md, "| cluster | label | traffic | target | metric | score [95% CI] | base | threshold / n | max distance | reason |");
    let _ = writeln!(md, "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for r in &t.routes {
        let (metric, score, base, threshold) = score_cell(r);
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {metric} | {score} | {base} | {threshold} | {:.3} | {} |",
            r.cluster_id,
            r.label.replace('|', "/"),
            pct(r.traffic_share),
            target_cell(r),
            r.max_distance,
            r.reason.replace('|', "/")
        );
    }
    if !c.gateway.is_empty() {
        let _ = writeln!(md, "\n## Gateway (its call log)\n");
        for line in c.gateway {
            let _ = writeln!(md, "- {line}");
        }
    }
    let _ = writeln!(md, "\n## PII\n");
    for line in c.pii.lines() {
        let _ = writeln!(md, "- {line}");
    }
    if !c.pii.findings.is_empty() {
        let _ = writeln!(md, "\n| field | entity | found |\n| --- | --- | --- |");
        for (field, entity, n) in c.pii.findings {
            let _ = writeln!(md, "| {field} | {entity} | {n} |");
        }
    }
    if !c.training.is_empty() {
        let _ = writeln!(md, "\n## Training\n\n| {} |\n|{}", TRAINING_HEADER.join(" | "), " --- |".repeat(TRAINING_HEADER.len()));
        for row in c.training {
            let _ = writeln!(md, "| {} |", row.join(" | "));
        }
    }
    if !c.tasks.is_empty() {
        let _ = writeln!(md, "\n## Tasks\n\n| task | attempt | status | seconds |\n| --- | --- | --- | --- |");
        for (task, status, attempt, secs) in c.tasks {
            let _ = writeln!(md, "| {task} | {attempt} | {status} | {secs:.1} |");
        }
    }
    let _ = writeln!(md, "\n## Pictures\n");
    let _ = writeln!(md, "- scores against thresholds, and every picture below: `report.html`");
    for (name, _) in pictures {
        let _ = writeln!(md, "- [{name}]({name})");
    }
    md
}

/// The target, and for an SLM route the candidate that serves it: its
/// kind, its base's licence and the memory it holds.
fn target_cell(r: &Route) -> String {
    match (&r.candidate, r.is_slm()) {
        (Some(c), true) => format!("SLM ({}, {}, {:.0} MiB)", c.kind.name(), c.licence, c.memory_mib),
        _ => r.target.to_uppercase(),
    }
}

/// Scores (adapter and base) against each route's threshold, as bars.
fn scores_svg(t: &RoutingTable) -> String {
    let rows: Vec<&Route> = t.routes.iter().filter(|r| r.eval.is_some()).collect();
    let (w, row_h, left) = (640.0, 22.0, 70.0);
    let h = 40.0 + row_h * rows.len().max(1) as f64;
    let scale = |v: f64| left + v.clamp(0.0, 1.0) * (w - left - 20.0);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"11\">\
         <text x=\"{left}\" y=\"14\">score (dark) and base model (light) against the threshold (red)</text>"
    );
    if rows.is_empty() {
        svg.push_str("<text x=\"10\" y=\"34\">no evaluation yet</text>");
    }
    for (i, r) in rows.iter().enumerate() {
        let e = r.eval.as_ref().expect("filtered");
        let y = 24.0 + i as f64 * row_h;
        let colour = if r.is_slm() { "#2b7a3d" } else { "#555" };
        let _ = write!(
            svg,
            "<text x=\"4\" y=\"{:.1}\">{}</text>\
             <rect x=\"{left}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"8\" fill=\"{colour}\"><title>{} {:.3}</title></rect>\
             <rect x=\"{left}\" y=\"{:.1}\" width=\"{:.1}\" height=\"6\" fill=\"#bbb\"><title>base {:.3}</title></rect>\
             <line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#c00\" stroke-width=\"2\"/>",
            y + 11.0,
            escape(&r.cluster_id),
            scale(e.score) - left,
            escape(&e.metric),
            e.score,
            y + 9.0,
            scale(e.base_score) - left,
            e.base_score,
            scale(e.threshold),
            scale(e.threshold),
            y - 2.0,
            y + 17.0
        );
    }
    svg.push_str("</svg>");
    svg
}

fn html(c: &Context, pictures: &[(String, String)]) -> String {
    let t = c.table;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>slm-pipeline run {}</title><style>\
         body{{font-family:sans-serif;margin:2em;max-width:1200px}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #ccc;padding:3px 6px;font-size:13px;text-align:left}}.slm{{color:#2b7a3d;font-weight:bold}}\
         </style></head><body><h1>slm-pipeline run <code>{}</code></h1><p>Routing table <code>{}</code> ({}), registry {}.</p>",
        escape(c.run_id),
        escape(c.run_id),
        escape(&t.version),
        escape(&t.published_at),
        escape(c.registry)
    );
    h.push_str("<h2>Summary</h2><ul>");
    for line in summary_lines(t) {
        let _ = write!(h, "<li>{}</li>", escape(&line));
    }
    h.push_str("</ul><h2>Changes since the last published version</h2><ul>");
    for line in c.changes {
        let _ = write!(h, "<li>{}</li>", escape(line));
    }
    h.push_str("</ul><h2>Routes</h2><table><tr><th>cluster</th><th>label</th><th>traffic</th><th>target</th><th>metric</th><th>score [95% CI]</th><th>base</th><th>threshold / n</th><th>max distance</th><th>reason</th></tr>");
    for r in &t.routes {
        let (metric, score, base, threshold) = score_cell(r);
        let class = if r.is_slm() { " class=\"slm\"" } else { "" };
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td{class}>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.3}</td><td>{}</td></tr>",
            escape(&r.cluster_id),
            escape(&r.label),
            pct(r.traffic_share),
            escape(&target_cell(r)),
            escape(&metric),
            score,
            base,
            threshold,
            r.max_distance,
            escape(&r.reason)
        );
    }
    h.push_str("</table><h2>Scores against thresholds</h2>");
    h.push_str(&scores_svg(t));
    if !c.gateway.is_empty() {
        h.push_str("<h2>Gateway (its call log)</h2><ul>");
        for line in c.gateway {
            let _ = write!(h, "<li>{}</li>", escape(line));
        }
        h.push_str("</ul>");
    }
    h.push_str("<h2>PII</h2><ul>");
    for line in c.pii.lines() {
        let _ = write!(h, "<li>{}</li>", escape(&line));
    }
    h.push_str("</ul>");
    if !c.pii.findings.is_empty() {
        h.push_str("<table><tr><th>field</th><th>entity</th><th>found</th></tr>");
        for (field, entity, n) in c.pii.findings {
            let _ = write!(h, "<tr><td>{}</td><td>{}</td><td>{n}</td></tr>", escape(field), escape(entity));
        }
        h.push_str("</table>");
    }
    if !c.training.is_empty() {
        h.push_str("<h2>Training</h2><table><tr>");
        for cell in TRAINING_HEADER {
            let _ = write!(h, "<th>{}</th>", escape(cell));
        }
        h.push_str("</tr>");
        for row in c.training {
            h.push_str("<tr>");
            for cell in row {
                let _ = write!(h, "<td>{}</td>", escape(cell));
            }
            h.push_str("</tr>");
        }
        h.push_str("</table>");
    }
    if !c.tasks.is_empty() {
        h.push_str("<h2>Tasks</h2><table><tr><th>task</th><th>attempt</th><th>status</th><th>seconds</th></tr>");
        for (task, status, attempt, secs) in c.tasks {
            let _ = write!(h, "<tr><td>{}</td><td>{attempt}</td><td>{}</td><td>{secs:.1}</td></tr>", escape(task), escape(status));
        }
        h.push_str("</table>");
    }
    for (name, svg) in pictures {
        // The SVGs are our own (cluster map, loss curves): inline them, minus any XML prolog.
        let body = svg.find("<svg").map_or(svg.as_str(), |i| &svg[i..]);
        let _ = write!(h, "<h2>{}</h2><div>{body}</div>", escape(name));
    }
    h.push_str("</body></html>\n");
    h
}

/// The report of `run_id` as Markdown, and the path or URL of its HTML.
pub async fn read(wh: &Warehouse, run_id: &str) -> Result<(String, String)> {
    let root = wh.root();
    let md_key = root.key(&format!("{}/report.md", dir(run_id)))?;
    if !root.object_exists(&md_key).await? {
        return Err(crate::Error::NotFound(format!(
            "no report for run `{run_id}` in {} (a run writes one when its publish task runs; `slm-pipeline runs` lists runs)",
            root.display_url()
        )));
    }
    let md = String::from_utf8_lossy(&root.get(&md_key).await?).to_string();
    let html_key = root.key(&format!("{}/report.html", dir(run_id)))?;
    let html = root.local_file(&html_key).map_or_else(|| root.url_of(&html_key, false), |p| p.display().to_string());
    Ok((md, html))
}
