//! A document as sections of fields, tables, lists and text, with every
//! label, date and country already written out: the one place that
//! decides what a filing says. PDF (typst) and HTML only lay it out.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Document {
    /// `ja` or `en`.
    pub lang: String,
    pub title: String,
    /// Top right: the date of the document.
    pub date_line: String,
    /// Top left: whom it is addressed to.
    pub addressee: Option<String>,
    /// Right, under the addressee: who files it.
    pub author_line: Option<String>,
    pub preamble: Vec<String>,
    pub sections: Vec<Section>,
    /// Bottom right of the last page (`以上`).
    pub closing: Option<String>,
    /// On every page: what ties the page to the record.
    pub footer: String,
    /// The author for the PDF's metadata.
    pub author: String,
    /// `YYYY-MM-DD`, the PDF's date.
    pub date: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    pub heading: String,
    /// 1 for a numbered part, 2 for a part within it.
    pub level: u8,
    /// Starts on a new page (an annex).
    pub new_page: bool,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    /// Label and value, one per row.
    Fields {
        rows: Vec<(String, String)>,
    },
    /// A table with a header; widths in percent.
    Table {
        header: Vec<String>,
        widths: Vec<u8>,
        rows: Vec<Vec<Cell>>,
    },
    /// A numbered list.
    List {
        items: Vec<String>,
    },
    /// A chart drawn by [`crate::charts`] (SVG).
    Chart {
        svg: String,
    },
    Text {
        text: String,
    },
}

/// A table cell: its text, and a smaller line under it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    pub text: String,
    pub small: Option<String>,
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Cell { text, small: None }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Cell::from(text.to_owned())
    }
}

impl Section {
    pub fn new(level: u8, heading: impl Into<String>) -> Self {
        Section {
            heading: heading.into(),
            level,
            new_page: false,
            blocks: Vec::new(),
        }
    }

    pub fn with(mut self, block: Block) -> Self {
        self.blocks.push(block);
        self
    }
}

/// The document as a standalone HTML page (printable, A4).
pub fn html(document: &Document) -> String {
    let mut out = String::new();
    let e = escape;
    out.push_str(&format!(
        "<!doctype html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n<article>\n",
        e(&document.lang),
        e(&document.title),
        STYLE
    ));
    out.push_str(&format!(
        "<p class=\"date\">{}</p>\n<h1>{}</h1>\n",
        e(&document.date_line),
        e(&document.title)
    ));
    if let Some(addressee) = &document.addressee {
        out.push_str(&format!("<p class=\"addressee\">{}</p>\n", e(addressee)));
    }
    if let Some(author) = &document.author_line {
        out.push_str(&format!("<p class=\"author\">{}</p>\n", e(author)));
    }
    for paragraph in &document.preamble {
        out.push_str(&format!("<p>{}</p>\n", e(paragraph)));
    }
    for section in &document.sections {
        let class = if section.new_page {
            " class=\"annex\""
        } else {
            ""
        };
        let level = if section.level <= 1 { 2 } else { 3 };
        out.push_str(&format!(
            "<section{class}>\n<h{level}>{}</h{level}>\n",
            e(&section.heading)
        ));
        for block in &section.blocks {
            out.push_str(&block_html(block));
        }
        out.push_str("</section>\n");
    }
    if let Some(closing) = &document.closing {
        out.push_str(&format!("<p class=\"closing\">{}</p>\n", e(closing)));
    }
    out.push_str(&format!(
        "<footer>{}</footer>\n</article>\n</body>\n</html>\n",
        e(&document.footer)
    ));
    out
}

fn block_html(block: &Block) -> String {
    let e = escape;
    match block {
        Block::Fields { rows } => {
            let rows: String = rows
                .iter()
                .map(|(label, value)| {
                    format!("<tr><th>{}</th><td>{}</td></tr>", e(label), e(value))
                })
                .collect();
            format!("<table class=\"fields\">{rows}</table>\n")
        }
        Block::Table {
            header,
            widths,
            rows,
        } => {
            let columns: String = widths
                .iter()
                .map(|width| format!("<col style=\"width:{width}%\">"))
                .collect();
            let head: String = header
                .iter()
                .map(|label| format!("<th>{}</th>", e(label)))
                .collect();
            let body: String = rows
                .iter()
                .map(|row| {
                    let cells: String = row
                        .iter()
                        .map(|cell| match &cell.small {
                            Some(small) => {
                                format!("<td>{}<br><small>{}</small></td>", e(&cell.text), e(small))
                            }
                            None => format!("<td>{}</td>", e(&cell.text)),
                        })
                        .collect();
                    format!("<tr>{cells}</tr>")
                })
                .collect();
            format!(
                "<table><colgroup>{columns}</colgroup><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>\n"
            )
        }
        Block::List { items } => {
            let items: String = items
                .iter()
                .map(|item| format!("<li>{}</li>", e(item)))
                .collect();
            format!("<ol>{items}</ol>\n")
        }
        Block::Text { text } => format!("<p>{}</p>\n", e(text)),
        // Drawn by `charts`, whose labels are escaped.
        Block::Chart { svg } => format!("<figure>{svg}</figure>\n"),
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "@page{size:A4;margin:22mm}body{font-family:\"IPAMincho\",\"Hiragino Mincho ProN\",\"Yu Mincho\",serif;font-size:10.5pt;line-height:1.7;color:#111;background:#eee;margin:0}article{background:#fff;max-width:180mm;margin:1em auto;padding:18mm 20mm}h1{text-align:center;font-family:\"IPAGothic\",sans-serif;font-weight:normal;font-size:15pt}h2,h3{font-family:\"IPAGothic\",sans-serif;font-weight:normal}h2{font-size:12pt;margin-top:1.6em}h3{font-size:10.5pt}.date,.author,.closing{text-align:right}table{width:100%;border-collapse:collapse;margin:.4em 0}th,td{border:.5pt solid #333;padding:3px 6px;text-align:left;vertical-align:top}th{font-family:\"IPAGothic\",sans-serif;font-weight:normal;font-size:9pt;background:#f2f2f2}table.fields th{width:31%}small{font-size:8pt;color:#444}footer{margin-top:2em;font-size:8pt;color:#555;border-top:.5pt solid #999}@media print{body{background:#fff}article{margin:0;padding:0}section.annex{break-before:page}}";
