//! Charts drawn as SVG, for the web UI and the reports alike: no script,
//! nothing to load, the same picture in a browser, a printout, a saved
//! page or a PDF. Labels are escaped; each bar may link to the rows
//! behind it.

use std::fmt::Write as _;

/// One bar: its label, its value, where it leads, and its colour class.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: u64,
    pub href: Option<String>,
    pub tone: &'static str,
}

const WIDTH: u32 = 560;
const LABEL_WIDTH: u32 = 210;
const ROW: u32 = 24;

/// A horizontal bar chart, longest value full width. `title` is read by
/// screen readers (the SVG's `<title>`). A chart whose bars link is a
/// group of links, each read with its label and value; one without is a
/// single image (an image may not hold links).
pub fn bars(title: &str, bars: &[Bar]) -> String {
    let height = ROW * bars.len().max(1) as u32 + 8;
    let largest = bars.iter().map(|bar| bar.value).max().unwrap_or(0).max(1);
    let room = f64::from(WIDTH - LABEL_WIDTH - 60);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" {} viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" font-family="IPAGothic, 'Noto Sans CJK JP', sans-serif" font-size="12" xmlns="http://www.w3.org/2000/svg"><title>{}</title>"#,
        if bars.iter().any(|bar| bar.href.is_some()) {
            format!(r#"role="group" aria-label="{}""#, escape(title))
        } else {
            r#"role="img""#.to_owned()
        },
        escape(title)
    );
    if bars.is_empty() {
        let _ = write!(svg, r#"<text x="0" y="18" class="empty">—</text>"#);
    }
    for (index, bar) in bars.iter().enumerate() {
        let y = ROW * index as u32 + 4;
        let length = (bar.value as f64 / largest as f64 * room)
            .round()
            .max(if bar.value > 0 { 2.0 } else { 0.0 });
        let mut row = format!(
            r##"<text x="{}" y="{}" text-anchor="end" class="label" fill="#1d2330">{}</text><rect x="{LABEL_WIDTH}" y="{}" width="{length}" height="{}" class="bar {}" fill="{}"/><text x="{}" y="{}" class="value" fill="#5b6475">{}</text>"##,
            LABEL_WIDTH - 8,
            y + 15,
            escape(&truncate(&bar.label, 28)),
            y + 3,
            ROW - 8,
            bar.tone,
            colour(bar.tone),
            f64::from(LABEL_WIDTH) + length + 6.0,
            y + 15,
            bar.value
        );
        if let Some(href) = &bar.href {
            row = format!(r#"<a href="{}">{row}</a>"#, escape(href));
        }
        svg.push_str(&row);
    }
    svg.push_str("</svg>");
    svg
}

/// The fill of a tone, inline so that the chart looks the same without
/// the UI's stylesheet (in a PDF, a saved page).
fn colour(tone: &str) -> &'static str {
    match tone {
        "prohibited" | "overdue" => "#b3261e",
        "review" | "due-soon" => "#9a5b00",
        "notice" => "#5b6475",
        "plan" => "#2f7d5b",
        _ => "#1f4e8c",
    }
}

fn truncate(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(limit - 1).collect();
    cut.push('…');
    cut
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_escape_labels_and_link() {
        let svg = bars(
            "by severity",
            &[
                Bar {
                    label: "禁止 <prohibited>".into(),
                    value: 10,
                    href: Some("/ui/findings?severity=prohibited&x=1".into()),
                    tone: "prohibited",
                },
                Bar {
                    label: "notice".into(),
                    value: 5,
                    href: None,
                    tone: "notice",
                },
            ],
        );
        assert!(
            svg.contains(r#"width="290""#),
            "the largest bar is full width: {svg}"
        );
        assert!(
            svg.contains(r#"width="145""#),
            "half the value, half the bar: {svg}"
        );
        assert!(svg.contains("禁止 &lt;prohibited&gt;"));
        assert!(svg.contains(r#"<a href="/ui/findings?severity=prohibited&amp;x=1">"#));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }
}
