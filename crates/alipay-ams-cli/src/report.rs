//! What the checkout commands print for people: one `label  value` row per
//! fact, then tables, so that a tired eye finds the status, the ids and the
//! next step, and `awk '$1 == "paymentId" {print $2}'` works as well. The
//! first row is always `status`, a word in capitals, then what it means.
//! With `--json` the verified reply itself is printed instead.
//!
//! A report is built from the typed reply; a typed outcome (paid, waiting
//! for the buyer, processing...) can build the same rows later.

use std::io::Write as _;

/// Rows and tables, printed aligned.
#[derive(Debug, Default)]
pub struct Report {
    rows: Vec<(String, String)>,
    tables: Vec<Table>,
}

/// A table: a title line, a header and rows, columns aligned.
#[derive(Debug)]
pub struct Table {
    title: String,
    header: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Report {
    /// A report whose first row is `status WORD (meaning)`.
    pub fn status(word: &str, meaning: &str) -> Self {
        let mut report = Report::default();
        report.row("status", format!("{word} ({meaning})"));
        report
    }

    /// A row.
    pub fn row(&mut self, label: &str, value: impl Into<String>) -> &mut Self {
        self.rows.push((label.to_owned(), value.into()));
        self
    }

    /// A row, if there is a value.
    pub fn opt<V: Into<String>>(&mut self, label: &str, value: Option<V>) -> &mut Self {
        if let Some(value) = value {
            self.row(label, value);
        }
        self
    }

    /// A table below the rows.
    pub fn table(&mut self, table: Table) -> &mut Self {
        self.tables.push(table);
        self
    }

    /// The text printed.
    pub fn render(&self) -> String {
        let width = self.rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0) + 2;
        let mut out = String::new();
        for (label, value) in &self.rows {
            out.push_str(&format!("{label:<width$}{value}\n"));
        }
        for table in &self.tables {
            out.push('\n');
            out.push_str(&table.render());
        }
        out
    }

    /// Prints the report on stdout.
    pub fn print(&self) {
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(self.render().as_bytes());
        let _ = stdout.flush();
    }
}

impl Table {
    /// An empty table.
    pub fn new(title: impl Into<String>, header: Vec<&'static str>) -> Self {
        Table {
            title: title.into(),
            header,
            rows: Vec::new(),
        }
    }

    /// A row; an empty cell shows as `-`.
    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(
            row.into_iter()
                .map(|c| if c.is_empty() { "-".to_owned() } else { c })
                .collect(),
        );
    }

    fn render(&self) -> String {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.len()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(cell.chars().count());
                }
            }
        }
        let line = |cells: Vec<&str>| {
            let mut text = String::new();
            for (i, cell) in cells.iter().enumerate() {
                let width = widths.get(i).copied().unwrap_or(0);
                if i + 1 == cells.len() {
                    text.push_str(cell);
                } else {
                    text.push_str(&format!("{cell:<width$}  "));
                }
            }
            text.push('\n');
            text
        };
        let mut out = format!("{}\n", self.title);
        out.push_str(&line(self.header.clone()));
        for row in &self.rows {
            out.push_str(&line(row.iter().map(String::as_str).collect()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::{Report, Table};

    #[test]
    fn rows_and_tables_line_up() {
        let mut report = Report::status("PAID", "S SUCCESS");
        report.row("paymentId", "p-1").opt("paid", None::<String>);
        let mut table = Table::new("transactions (1):", vec!["TYPE", "STATUS", "ID"]);
        table.push(vec!["CAPTURE".into(), "SUCCESS".into(), String::new()]);
        report.table(table);
        assert_eq!(
            report.render(),
            "status     PAID (S SUCCESS)\npaymentId  p-1\n\ntransactions (1):\nTYPE     STATUS   ID\nCAPTURE  SUCCESS  -\n"
        );
    }
}
