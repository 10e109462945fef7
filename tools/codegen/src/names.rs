//! Rust names from wire names, and doc text from Alipay's descriptions.

/// Rust's reserved words that cannot be field names as they are.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe",
    "use", "where", "while", "abstract", "become", "box", "do", "final", "macro", "override",
    "priv", "typeof", "unsized", "virtual", "yield", "try",
];

/// `captureRequestId` -> `capture_request_id`, `is3DSAuthentication` ->
/// `is3_ds_authentication`, `PSPName` -> `psp_name`.
pub fn snake(wire: &str) -> String {
    let chars: Vec<char> = wire.chars().collect();
    let mut out = String::with_capacity(wire.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
            let next = chars.get(i + 1).copied();
            let boundary = match prev {
                None => false,
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                Some(_) => false,
            };
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_').to_owned();
    let out = if out.is_empty() {
        "field".to_owned()
    } else {
        out
    };
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("n{out}")
    } else {
        out
    }
}

/// A field identifier: snake case, with keywords made usable.
pub fn field_ident(wire: &str) -> String {
    let s = snake(wire);
    if KEYWORDS.contains(&s.as_str()) {
        if matches!(s.as_str(), "self" | "super" | "crate") {
            format!("{s}_")
        } else {
            format!("r#{s}")
        }
    } else {
        s
    }
}

/// The name without a raw-identifier prefix, for method names (`with_type`).
pub fn bare(ident: &str) -> &str {
    ident.strip_prefix("r#").unwrap_or(ident)
}

/// `CASHIER_PAYMENT` -> `CashierPayment`, `3DS` -> `V3ds`, `ONE-TIME` -> `OneTime`.
pub fn variant(value: &str) -> String {
    let mut out = String::new();
    for word in value.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            let rest: String = chars.collect();
            // Keep camel-case values readable (`applePay` -> `ApplePay`),
            // lower the rest of upper-case words (`PAYMENT` -> `Payment`).
            if rest.chars().any(|c| c.is_ascii_lowercase()) {
                out.push_str(&rest);
            } else {
                out.push_str(&rest.to_ascii_lowercase());
            }
        }
    }
    if out.is_empty() {
        out.push_str("Empty");
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    if out == "Other" || out == "Self" {
        out.push('_');
    }
    out
}

/// A type name that is safe next to the prelude (`Result` and friends).
pub fn type_name(schema: &str) -> String {
    match schema {
        "Option" | "Box" | "String" | "Vec" | "Some" | "None" | "Ok" | "Err" | "Self" => {
            format!("{schema}Info")
        }
        other => other.to_owned(),
    }
}

/// Doc comment lines for a description: first paragraph, made safe for
/// rustdoc (no doctests from indented lines or fences, no HTML, no links).
pub fn doc(description: Option<&str>, max_chars: usize) -> Vec<String> {
    let Some(text) = description else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut total = 0;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            if !out.is_empty() {
                break;
            }
            continue;
        }
        let mut escaped = String::with_capacity(line.len());
        for c in line.chars() {
            match c {
                '<' | '>' | '[' | ']' | '*' | '_' | '`' | '#' | '|' | '\\' => {
                    escaped.push('\\');
                    escaped.push(c);
                }
                c if c.is_control() => escaped.push(' '),
                c => escaped.push(c),
            }
        }
        let escaped = escape_urls(&escaped);
        total += escaped.len();
        out.push(escaped);
        if total > max_chars {
            break;
        }
    }
    // A list marker or heading at the start of a line would change the
    // rendering of the first line; keep it as text.
    if let Some(first) = out.first_mut()
        && first.starts_with(['-', '+', '='])
    {
        first.insert(0, '\\');
    }
    out
}

/// Bare URLs become autolinks (rustdoc warns on bare URLs).
fn escape_urls(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 4);
    let mut rest = line;
    while let Some(start) = rest.find("http") {
        let (before, tail) = rest.split_at(start);
        out.push_str(before);
        if tail.starts_with("https://") || tail.starts_with("http://") {
            let end = tail
                .find(|c: char| c.is_whitespace() || c == ')' || c == ',' || c == '\\')
                .unwrap_or(tail.len());
            let (url, _) = tail.split_at(end);
            let url = url.trim_end_matches('.');
            out.push('<');
            out.push_str(url);
            out.push('>');
            rest = tail.get(url.len()..).unwrap_or_default();
        } else {
            out.push_str("http");
            rest = tail.get(4..).unwrap_or_default();
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_cases_wire_names() {
        assert_eq!(snake("captureRequestId"), "capture_request_id");
        assert_eq!(snake("is3DSAuthentication"), "is3_ds_authentication");
        assert_eq!(snake("PSPName"), "psp_name");
        assert_eq!(snake("suborderId"), "suborder_id");
        assert_eq!(snake("subOrderId"), "sub_order_id");
        assert_eq!(snake("3ds"), "n3ds");
        assert_eq!(field_ident("type"), "r#type");
        assert_eq!(field_ident("self"), "self_");
        assert_eq!(bare("r#type"), "type");
    }

    #[test]
    fn variants_are_identifiers() {
        assert_eq!(variant("CASHIER_PAYMENT"), "CashierPayment");
        assert_eq!(variant("3DS"), "V3ds");
        assert_eq!(variant("applePay"), "ApplePay");
        assert_eq!(variant(""), "Empty");
        assert_eq!(variant("OTHER"), "Other_");
    }

    #[test]
    fn docs_cannot_become_code_or_html() {
        let lines = doc(
            Some(
                "    Indented <b>bold</b> [link] see https://docs.antom.com/x.\n\nSecond paragraph",
            ),
            500,
        );
        assert_eq!(lines.len(), 1);
        assert_eq!(
            lines[0],
            r"Indented \<b\>bold\</b\> \[link\] see <https://docs.antom.com/x>."
        );
    }
}
