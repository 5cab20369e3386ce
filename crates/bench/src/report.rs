//! Markdown tables and an SVG plot of the results.

use crate::load::RunResult;
use std::fmt::Write;
use std::time::Duration;

/// A markdown table, one row per company count.
pub fn table(title: &str, rows: &[(usize, RunResult)]) {
    println!("\n### {title}\n");
    println!("| companies | requests/s | p50 ms | p99 ms | p99.9 ms | errors |");
    println!("|---:|---:|---:|---:|---:|---:|");
    for (n, r) in rows {
        println!(
            "| {n} | {:.0} | {:.2} | {:.2} | {:.2} | {} |",
            r.throughput,
            r.p50_us as f64 / 1000.0,
            r.p99_us as f64 / 1000.0,
            r.p999_us as f64 / 1000.0,
            r.errors
        );
    }
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted.get(index).copied().unwrap_or_default()
}

/// Provisioning durations as p50/p99/max.
pub fn provisioning(timings: &[Duration]) {
    let mut sorted = timings.to_vec();
    sorted.sort();
    println!("\n### provisioning ({} companies)\n", sorted.len());
    println!("| p50 ms | p99 ms | max ms | total s |");
    println!("|---:|---:|---:|---:|");
    println!(
        "| {:.1} | {:.1} | {:.1} | {:.1} |",
        percentile(&sorted, 0.5).as_secs_f64() * 1000.0,
        percentile(&sorted, 0.99).as_secs_f64() * 1000.0,
        sorted.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
        sorted.iter().sum::<Duration>().as_secs_f64()
    );
}

/// Resident memory of this process (server and load generator together).
pub fn memory(companies: usize, open_pools: usize) {
    let rss = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "VmRSS: unknown".into());
    println!("\n### memory after touching {companies} companies\n");
    println!("| companies | resident | tenant pools open |");
    println!("|---:|---:|---:|");
    println!(
        "| {companies} | {} | {open_pools} |",
        rss.trim_start_matches("VmRSS:").trim()
    );
}

/// Throughput (left axis) and p99 (right axis) against company count, log-scaled x.
pub fn svg(rows: &[(usize, RunResult)]) -> String {
    let (w, h, pad) = (640.0, 360.0, 60.0);
    let xs: Vec<f64> = rows
        .iter()
        .map(|(n, _)| (*n as f64).max(1.0).log10())
        .collect();
    let (xmin, xmax) = (
        xs.iter().cloned().fold(f64::MAX, f64::min),
        xs.iter().cloned().fold(f64::MIN, f64::max),
    );
    let span = if xmax > xmin { xmax - xmin } else { 1.0 };
    let tmax = rows.iter().map(|(_, r)| r.throughput).fold(1.0, f64::max) * 1.1;
    let pmax = rows
        .iter()
        .map(|(_, r)| r.p99_us as f64 / 1000.0)
        .fold(0.1, f64::max)
        * 1.1;
    let x = |v: f64| pad + (v - xmin) / span * (w - 2.0 * pad);
    let y = |v: f64, max: f64| h - pad - v / max * (h - 2.0 * pad);
    let line = |values: Vec<f64>, max: f64| {
        xs.iter()
            .zip(values)
            .map(|(a, b)| format!("{:.1},{:.1}", x(*a), y(b, max)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">"#
    );
    let _ = write!(out, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = write!(
        out,
        r#"<line x1="{pad}" y1="{}" x2="{}" y2="{}" stroke="black"/>"#,
        h - pad,
        w - pad,
        h - pad
    );
    let _ = write!(
        out,
        r#"<polyline fill="none" stroke="steelblue" stroke-width="2" points="{}"/>"#,
        line(rows.iter().map(|(_, r)| r.throughput).collect(), tmax)
    );
    let _ = write!(
        out,
        r#"<polyline fill="none" stroke="firebrick" stroke-width="2" stroke-dasharray="6 3" points="{}"/>"#,
        line(
            rows.iter().map(|(_, r)| r.p99_us as f64 / 1000.0).collect(),
            pmax
        )
    );
    for ((n, r), xv) in rows.iter().zip(&xs) {
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{}" text-anchor="middle">{n}</text>"#,
            x(*xv),
            h - pad + 18.0
        );
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" fill="steelblue" text-anchor="middle">{:.0}/s</text>"#,
            x(*xv),
            y(r.throughput, tmax) - 6.0,
            r.throughput
        );
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" fill="firebrick" text-anchor="middle">{:.1} ms</text>"#,
            x(*xv),
            y(r.p99_us as f64 / 1000.0, pmax) + 16.0,
            r.p99_us as f64 / 1000.0
        );
    }
    let _ = write!(
        out,
        r#"<text x="{}" y="20" text-anchor="middle">requests/s (solid) and p99 latency (dashed) against companies</text>"#,
        w / 2.0
    );
    let _ = write!(
        out,
        r#"<text x="{}" y="{}" text-anchor="middle">companies (log scale)</text></svg>"#,
        w / 2.0,
        h - 15.0
    );
    out
}
