//! Writing HTML where nothing untrusted can become markup: markup comes
//! only from string literals ([`Html::raw`] takes `&'static str`), and
//! every other text goes through [`Html::text`], which escapes it. Almost
//! every string the pages show came from a merchant's request or a
//! merchant's answer (order descriptions, names, ids, URLs, answer bodies),
//! so the type, not the care of each call site, keeps them inert.

use std::fmt::Display;

/// An HTML document being written.
#[derive(Default)]
pub(crate) struct Html {
    out: String,
}

impl Html {
    /// Trusted markup: a literal of this crate, never data.
    pub fn raw(&mut self, markup: &'static str) -> &mut Self {
        self.out.push_str(markup);
        self
    }

    /// Untrusted text, escaped for element content and for quoted
    /// attribute values alike.
    pub fn text(&mut self, text: &str) -> &mut Self {
        escape_into(&mut self.out, text);
        self
    }

    /// A number or another value whose `Display` is text (escaped too:
    /// `Display` of a type from elsewhere is no promise).
    pub fn show(&mut self, value: impl Display) -> &mut Self {
        self.text(&value.to_string())
    }

    /// A link to an http(s) URL given by a merchant (its text is the URL);
    /// any other scheme (`javascript:`, `data:`) is shown as text, not
    /// linked.
    pub fn url(&mut self, url: &str) -> &mut Self {
        if is_web_url(url) {
            self.raw("<a href=\"")
                .text(url)
                .raw("\">")
                .text(url)
                .raw("</a>")
        } else {
            self.text(url)
        }
    }

    /// The document.
    pub fn finish(self) -> String {
        self.out
    }
}

/// Whether a URL is http(s), and so safe as a link target.
pub(crate) fn is_web_url(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// Escapes the five characters that can end a text node or a quoted
/// attribute value.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_raw_is_not() {
        let mut html = Html::default();
        html.raw("<p title=\"")
            .text("\"><script>alert('x')</script>&")
            .raw("\">")
            .show(42)
            .raw("</p>");
        assert_eq!(
            html.finish(),
            "<p title=\"&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;\">42</p>"
        );
    }

    #[test]
    fn only_web_urls_become_links() {
        let mut html = Html::default();
        html.url("https://shop.example/o?a=1&b=<2>");
        assert_eq!(
            html.finish(),
            "<a href=\"https://shop.example/o?a=1&amp;b=&lt;2&gt;\">https://shop.example/o?a=1&amp;b=&lt;2&gt;</a>"
        );
        for hostile in [
            "javascript:alert(1)",
            " JavaScript:alert(1)",
            "data:text/html,x",
        ] {
            let mut html = Html::default();
            html.url(hostile);
            assert!(!html.finish().contains("href"), "{hostile}");
        }
    }
}
