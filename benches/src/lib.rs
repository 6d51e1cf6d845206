//! Measurement tools for downsize: where the inputs are, how a child process is timed, and the
//! small statistics and table helpers the `compare` and `lambda-report` binaries share.
//!
//! | item | what it is for |
//! | --- | --- |
//! | [`paths`] | the workspace, the target folder, the release CLI, `../shared/bench-images` |
//! | [`child`] | wall time, CPU time and peak RSS of one child process (`wait4`) |
//! | [`peers`] | Pillow and sharp, installed on demand, and the SSIM script |
//! | [`svg`] | a self-contained SVG line chart for report figures |
//! | [`median`], [`Table`], [`machine_line`] | summaries and markdown tables |

pub mod child;
pub mod paths;
pub mod peers;
pub mod svg;

/// Median of `values` (mean of the two middle ones for an even count); `NaN` when empty.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    }
}

/// A markdown table built row by row; every cell is already formatted text.
#[derive(Debug, Clone, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column titles.
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends one row; missing cells are left empty, extra ones dropped.
    pub fn row(&mut self, cells: Vec<String>) {
        let mut cells = cells;
        cells.resize(self.header.len(), String::new());
        self.rows.push(cells);
    }

    /// The table as GitHub-flavoured markdown.
    pub fn to_markdown(&self) -> String {
        let line = |cells: &[String]| format!("| {} |\n", cells.join(" | "));
        let mut out = line(&self.header);
        out.push_str(&line(&vec!["---".to_string(); self.header.len()]));
        for row in &self.rows {
            out.push_str(&line(row));
        }
        out
    }
}

/// "CPU model, N cores, date": the line every results table is stamped with.
pub fn machine_line() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or("unknown CPU", str::trim)
        .to_string();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let date = std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    format!("{model}, {cores} cores, {}, {date}", std::env::consts::ARCH)
}

/// Bytes as MiB with one decimal.
pub fn mib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / (1024.0 * 1024.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn table_pads_short_rows() {
        let mut t = Table::new(&["a", "b"]);
        t.row(vec!["1".to_string()]);
        assert_eq!(t.to_markdown(), "| a | b |\n| --- | --- |\n| 1 |  |\n");
    }
}
