//! The posture report: one self-contained HTML file (inline CSS and SVG, no script, nothing
//! fetched) with the audit's totals as charts and the objects that need attention.

use std::fmt::Write as _;

use oss_sse_core::policy::EncryptionPolicy;

use super::audit::{AuditSummary, Totals};

/// Colours of the statuses, fixed so reports compare at a glance.
fn colour(status: &str) -> &'static str {
    match status {
        "compliant" => "#2e7d32",
        "unencrypted" => "#c62828",
        "wrong_algorithm" => "#ef6c00",
        "wrong_key" => "#f9a825",
        "wrong_data_encryption" => "#8e24aa",
        "unknown" => "#546e7a",
        "gone" => "#9e9e9e",
        _ => "#37474f",
    }
}

const PALETTE: &[&str] = &[
    "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#c62828", "#558b2f", "#4e342e",
];

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters (a key may hold any) are shown, not interpreted.
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

fn bytes(n: u64) -> String {
    const UNITS: &[&str] = &["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

fn pct(part: u64, all: u64) -> f64 {
    if all == 0 {
        0.0
    } else {
        100.0 * part as f64 / all as f64
    }
}

/// A horizontal stacked bar (one segment per entry) with a legend, as SVG.
fn stacked_bar(id: &str, entries: &[(String, u64, &str)]) -> String {
    let total: u64 = entries.iter().map(|e| e.1).sum();
    let h = 40 + 22 * entries.len();
    let mut s = format!(
        r#"<svg id="{id}" class="chart" width="600" height="{h}" viewBox="0 0 600 {h}" role="img" xmlns="http://www.w3.org/2000/svg">"#
    );
    let mut x = 0.0;
    for (label, n, colour) in entries {
        let w = if total == 0 {
            0.0
        } else {
            600.0 * *n as f64 / total as f64
        };
        if w > 0.0 {
            let _ = write!(
                s,
                r#"<rect class="seg" x="{x:.2}" y="0" width="{w:.2}" height="28" fill="{colour}"><title>{}: {n}</title></rect>"#,
                esc(label)
            );
        }
        x += w;
    }
    for (i, (label, n, colour)) in entries.iter().enumerate() {
        let y = 40 + 22 * i;
        let _ = write!(
            s,
            r#"<rect x="0" y="{y}" width="14" height="14" fill="{colour}"/><text x="20" y="{}" font-size="13">{} — {n} ({:.1}%)</text>"#,
            y + 12,
            esc(label),
            pct(*n, total)
        );
    }
    s.push_str("</svg>");
    s
}

/// One horizontal bar per group (at most 20, largest first); with `attention`, the part of
/// each bar that needs attention is drawn over it.
fn bars(id: &str, groups: &[(String, Totals, Option<Totals>)]) -> String {
    let mut g: Vec<_> = groups.iter().collect();
    g.sort_by(|a, b| b.1.objects.cmp(&a.1.objects).then(a.0.cmp(&b.0)));
    let shown = &g[..g.len().min(20)];
    let max = shown.iter().map(|e| e.1.objects).max().unwrap_or(0).max(1);
    let h = 24 * shown.len().max(1);
    let mut s = format!(
        r#"<svg id="{id}" class="chart" width="600" height="{h}" viewBox="0 0 600 {h}" role="img" xmlns="http://www.w3.org/2000/svg">"#
    );
    for (i, (label, t, bad)) in shown.iter().enumerate() {
        let y = 24 * i;
        let w = 360.0 * t.objects as f64 / max as f64;
        let fill = PALETTE[i % PALETTE.len()];
        let _ = write!(
            s,
            r#"<text x="0" y="{}" font-size="12">{}</text><rect class="bar" x="200" y="{}" width="{w:.2}" height="16" fill="{fill}"><title>{} objects</title></rect>"#,
            y + 13,
            esc(&truncate(label, 28)),
            y + 2,
            t.objects
        );
        if let Some(b) = bad
            && b.objects > 0
        {
            let bw = 360.0 * b.objects as f64 / max as f64;
            let _ = write!(
                s,
                r##"<rect class="bad" x="200" y="{}" width="{bw:.2}" height="16" fill="#c62828"><title>{} need attention</title></rect>"##,
                y + 2,
                b.objects
            );
        }
        let _ = write!(
            s,
            r#"<text x="{:.0}" y="{}" font-size="12">{}</text>"#,
            205.0 + w,
            y + 13,
            t.objects
        );
    }
    s.push_str("</svg>");
    s
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

/// Renders the report of an audit of `bucket` against `policy`. `generated` is shown as
/// the report's time (the caller's clock; this function reads none).
pub fn render_html(
    bucket: &str,
    prefix: &str,
    policy: &EncryptionPolicy,
    summary: &AuditSummary,
    generated: &str,
) -> String {
    let all = summary.all;
    let compliant = summary.compliant();
    let attention = summary.needing_attention();
    let mut s = String::with_capacity(64 * 1024);
    let _ = write!(
        s,
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Encryption posture of oss://{b}/{p}</title>
<style>
body{{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#212121;max-width:1100px}}
h1{{font-size:22px;margin:0 0 4px}} h2{{font-size:16px;margin:28px 0 8px}}
.sub{{color:#616161;margin-bottom:16px}}
.cards{{display:flex;gap:12px;flex-wrap:wrap}} .card{{border:1px solid #e0e0e0;border-radius:6px;padding:12px 16px;min-width:150px}}
.card .n{{font-size:26px;font-weight:600}} .ok{{color:#2e7d32}} .warn{{color:#c62828}}
.grid{{display:grid;grid-template-columns:1fr 1fr;gap:24px}} .chart{{max-width:100%;height:auto}}
table{{border-collapse:collapse;width:100%;font-size:13px}} td,th{{border-bottom:1px solid #eee;padding:4px 6px;text-align:left}}
td.key{{font-family:ui-monospace,monospace;word-break:break-all}}
</style></head><body>
<h1>Encryption posture of <code>oss://{b}/{p}</code></h1>
<div class="sub">Policy: <b>{pol}</b> · generated {g} by oss-sse</div>
<div class="cards">
<div class="card"><div>Objects</div><div class="n" id="total">{n}</div><div>{bytes}</div></div>
<div class="card"><div>Compliant</div><div class="n ok" id="compliant">{c}</div><div>{cp:.1}%</div></div>
<div class="card"><div>Need attention</div><div class="n {cls}" id="attention">{a}</div><div>{ap:.1}%</div></div>
</div>"#,
        b = esc(bucket),
        p = esc(prefix),
        pol = esc(&policy.to_string()),
        g = esc(generated),
        n = all.objects,
        bytes = bytes(all.bytes),
        c = compliant.objects,
        cp = pct(compliant.objects, all.objects),
        a = attention,
        ap = pct(attention, all.objects),
        cls = if attention == 0 { "ok" } else { "warn" },
    );
    let by_status: Vec<(String, u64, &str)> = summary
        .by_status
        .iter()
        .map(|(k, t)| (k.replace('_', " "), t.objects, colour(k)))
        .collect();
    s.push_str("<h2>Coverage by verdict</h2>");
    s.push_str(&stacked_bar("by-verdict", &by_status));
    s.push_str(r#"<div class="grid"><div><h2>By algorithm</h2>"#);
    let algs: Vec<_> = summary
        .by_algorithm
        .iter()
        .map(|(k, t)| (k.clone(), *t, None))
        .collect();
    s.push_str(&bars("by-algorithm", &algs));
    s.push_str("</div><div><h2>By KMS key id</h2>");
    let keys: Vec<_> = summary
        .by_key_id
        .iter()
        .map(|(k, t)| (k.clone(), *t, None))
        .collect();
    if keys.is_empty() {
        s.push_str("<p>No KMS-encrypted objects.</p>");
    } else {
        s.push_str(&bars("by-key-id", &keys));
    }
    s.push_str("</div></div><h2>By top-level prefix (red: needs attention)</h2>");
    let prefixes: Vec<_> = summary
        .by_prefix
        .iter()
        .map(|(k, (t, bad))| (k.clone(), *t, Some(*bad)))
        .collect();
    s.push_str(&bars("by-prefix", &prefixes));
    s.push_str("<h2>Totals</h2><table><tr><th>verdict</th><th>objects</th><th>bytes</th><th>share</th></tr>");
    for (k, t) in &summary.by_status {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.1}%</td></tr>",
            esc(k),
            t.objects,
            bytes(t.bytes),
            pct(t.objects, all.objects)
        );
    }
    s.push_str("</table>");
    let _ = write!(
        s,
        r#"<h2>Objects that need attention (first {} of {})</h2><table id="attention-table"><tr><th>key</th><th>verdict</th><th>encryption</th><th>type</th><th>size</th></tr>"#,
        summary.attention.len(),
        attention
    );
    let mut noted: Vec<_> = summary.attention.iter().collect();
    noted.sort_by(|a, b| a.key.cmp(&b.key));
    for f in noted {
        let _ = write!(
            s,
            r#"<tr><td class="key">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            esc(&f.key),
            esc(&f.detail),
            esc(&f.encryption),
            esc(f.object_type.as_ref().map_or("", |t| t.as_str())),
            bytes(f.size)
        );
    }
    s.push_str("</table></body></html>\n");
    s
}
