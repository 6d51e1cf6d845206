//! A self-contained SVG line chart (no scripts, no fonts beyond the generic sans-serif), for
//! report figures that must open anywhere, including a code review page.

use std::fmt::Write;

/// One line of a chart.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend text.
    pub label: String,
    /// CSS colour.
    pub colour: String,
    /// Points (x, y); both axes are logarithmic, so non-positive values are dropped.
    pub points: Vec<(f64, f64)>,
    /// Draw only markers, no line (for measured points).
    pub markers_only: bool,
}

/// One panel: a title, axis titles and its series.
#[derive(Debug, Clone)]
pub struct Panel {
    /// Title above the plot.
    pub title: String,
    /// X axis title.
    pub x_label: String,
    /// Y axis title.
    pub y_label: String,
    /// The lines.
    pub series: Vec<Series>,
    /// Exact x tick values (labelled as given).
    pub x_ticks: Vec<f64>,
}

const PANEL_W: f64 = 460.0;
const PANEL_H: f64 = 340.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 15.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 60.0;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Ticks 1, 2, 5 x 10^k covering `[lo, hi]`.
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let mut ticks = Vec::new();
    let first = lo.log10().floor() as i32;
    let last = hi.log10().ceil() as i32;
    for k in first..=last {
        for m in [1.0, 2.0, 5.0] {
            let t = m * 10f64.powi(k);
            if t >= lo * 0.999 && t <= hi * 1.001 {
                ticks.push(t);
            }
        }
    }
    ticks
}

fn tick_label(v: f64) -> String {
    if v >= 1.0 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').to_string()
    }
}

fn panel(out: &mut String, p: &Panel, x0: f64) {
    let points = p
        .series
        .iter()
        .flat_map(|s| s.points.iter())
        .filter(|(x, y)| *x > 0.0 && *y > 0.0);
    let (mut xmin, mut xmax, mut ymin, mut ymax) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in points {
        xmin = xmin.min(x);
        xmax = xmax.max(x);
        ymin = ymin.min(y);
        ymax = ymax.max(y);
    }
    if xmin >= xmax || ymin > ymax {
        return;
    }
    // Pad the y range to whole 1-2-5 steps so the lines do not touch the frame.
    let ymin = log_ticks(ymin / 10.0, ymin).last().copied().unwrap_or(ymin);
    let ymax = log_ticks(ymax, ymax * 10.0)
        .first()
        .copied()
        .unwrap_or(ymax);
    let ymax = if ymax <= ymin { ymin * 10.0 } else { ymax };
    let plot_w = PANEL_W - LEFT - RIGHT;
    let plot_h = PANEL_H - TOP - BOTTOM;
    let sx = |x: f64| x0 + LEFT + (x.ln() - xmin.ln()) / (xmax.ln() - xmin.ln()) * plot_w;
    let sy = |y: f64| TOP + plot_h - (y.ln() - ymin.ln()) / (ymax.ln() - ymin.ln()) * plot_h;

    let _ = writeln!(
        out,
        r#"<text x="{:.1}" y="22" font-size="14" font-weight="bold" text-anchor="middle">{}</text>"#,
        x0 + LEFT + plot_w / 2.0,
        escape(&p.title)
    );
    let _ = writeln!(
        out,
        r##"<rect x="{:.1}" y="{TOP}" width="{plot_w:.1}" height="{plot_h:.1}" fill="none" stroke="#444"/>"##,
        x0 + LEFT
    );
    for t in log_ticks(ymin, ymax) {
        let y = sy(t);
        let _ = writeln!(
            out,
            r##"<line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end">{}</text>"##,
            x0 + LEFT,
            x0 + LEFT + plot_w,
            x0 + LEFT - 5.0,
            y + 4.0,
            tick_label(t)
        );
    }
    for &t in p.x_ticks.iter().filter(|t| **t >= xmin && **t <= xmax) {
        let x = sx(t);
        let _ = writeln!(
            out,
            r##"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{:.1}" stroke="#eee"/><text x="{x:.1}" y="{:.1}" font-size="10" text-anchor="end" transform="rotate(-45 {x:.1} {:.1})">{}</text>"##,
            TOP + plot_h,
            TOP + plot_h + 14.0,
            TOP + plot_h + 14.0,
            tick_label(t)
        );
    }
    let _ = writeln!(
        out,
        r#"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle">{}</text>"#,
        x0 + LEFT + plot_w / 2.0,
        PANEL_H - 8.0,
        escape(&p.x_label)
    );
    let _ = writeln!(
        out,
        r#"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle" transform="rotate(-90 {:.1} {:.1})">{}</text>"#,
        x0 + 16.0,
        TOP + plot_h / 2.0,
        x0 + 16.0,
        TOP + plot_h / 2.0,
        escape(&p.y_label)
    );
    for (i, s) in p.series.iter().enumerate() {
        let pts: Vec<(f64, f64)> = s
            .points
            .iter()
            .filter(|(x, y)| *x > 0.0 && *y > 0.0)
            .map(|&(x, y)| (sx(x), sy(y)))
            .collect();
        if !s.markers_only && pts.len() > 1 {
            let path: Vec<String> = pts.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
            let _ = writeln!(
                out,
                r#"<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>"#,
                s.colour,
                path.join(" ")
            );
        }
        for (x, y) in &pts {
            let _ = writeln!(
                out,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="{}" fill="{}"/>"#,
                if s.markers_only { 4.5 } else { 2.5 },
                s.colour
            );
        }
        let ly = TOP + 14.0 + 16.0 * i as f64;
        let lx = x0 + PANEL_W - RIGHT - 150.0;
        let _ = writeln!(
            out,
            r#"<rect x="{lx:.1}" y="{:.1}" width="12" height="4" fill="{}"/><text x="{:.1}" y="{ly:.1}" font-size="11">{}</text>"#,
            ly - 5.0,
            s.colour,
            lx + 16.0,
            escape(&s.label)
        );
    }
}

/// Panels side by side, as one SVG document.
pub fn chart(panels: &[Panel], caption: &str) -> String {
    let width = PANEL_W * panels.len() as f64;
    let height = PANEL_H + 24.0;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    );
    for (i, p) in panels.iter().enumerate() {
        panel(&mut out, p, PANEL_W * i as f64);
    }
    let _ = writeln!(
        out,
        r##"<text x="8" y="{:.1}" font-size="11" fill="#555">{}</text>"##,
        height - 6.0,
        escape(caption)
    );
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_follow_one_two_five() {
        assert_eq!(
            log_ticks(1.0, 100.0),
            vec![1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0]
        );
    }

    #[test]
    fn chart_draws_every_series_and_escapes_text() {
        let svg = chart(
            &[Panel {
                title: "cost <$>".into(),
                x_label: "MB".into(),
                y_label: "$".into(),
                x_ticks: vec![128.0, 1024.0],
                series: vec![Series {
                    label: "arm64".into(),
                    colour: "red".into(),
                    points: vec![(128.0, 1.0), (1024.0, 3.0)],
                    markers_only: false,
                }],
            }],
            "note",
        );
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("<polyline"));
        assert!(svg.contains("cost &lt;$&gt;"));
        assert_eq!(svg.matches("<circle").count(), 2);
    }
}
