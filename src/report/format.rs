//! Number and text formatting shared by the renderers.
//!
//! Two number forms exist on purpose: files meant to be read back (CSV, JSON) carry the
//! shortest form that parses back to the same `f64` ([`full`]), while text meant for people
//! (Markdown, HTML, terminal) shows 6 significant digits ([`significant`]) like C's `%g`.

/// Shortest text that parses back to exactly `x` (Rust's `Debug` for `f64`: `0.1`,
/// `0.30000000000000004`, `1e-300`, `3.0`, `NaN`, `inf`).
#[must_use]
pub(crate) fn full(x: f64) -> String {
    format!("{x:?}")
}

/// `x` with `digits` significant digits, formatted like C's `%.{digits}g`: fixed notation for
/// decimal exponents in `-4..digits`, scientific (`1.5e+07`) outside, trailing zeros dropped.
/// Non-finite values print as `NaN`, `inf`, `-inf`; both zeros as `0`.
#[must_use]
pub(crate) fn significant(x: f64, digits: usize) -> String {
    if !x.is_finite() {
        return full(x);
    }
    if x == 0.0 {
        return "0".to_owned();
    }
    let digits = digits.max(1);
    // Round to `digits` significant digits first: the exponent after rounding decides the
    // notation, so 999999.7 becomes 1e+06 as it does with %g.
    let scientific = format!("{:.*e}", digits - 1, x);
    let (mantissa, exponent) = scientific.split_once('e').expect("`{:e}` output always contains 'e'");
    let exponent: i32 = exponent.parse().expect("`{:e}` output always ends in an integer exponent");
    let digits_i32 = i32::try_from(digits).unwrap_or(i32::MAX);
    if exponent < -4 || exponent >= digits_i32 {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim_fraction_zeros(mantissa), exponent.unsigned_abs())
    } else {
        let decimals = usize::try_from(digits_i32 - 1 - exponent).unwrap_or(0);
        trim_fraction_zeros(&format!("{x:.decimals$}")).to_owned()
    }
}

/// Drops trailing zeros after a decimal point, and the point if nothing follows it.
fn trim_fraction_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// Text safe inside a GitHub Markdown table cell: pipes escaped, line breaks turned into
/// `<br>` (a raw newline would end the row).
#[must_use]
pub(crate) fn markdown_cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '|' => out.push_str("\\|"),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push_str("<br>");
                }
            }
            '\n' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
    out
}

/// Text safe in HTML element content and in quoted attribute values.
#[must_use]
pub(crate) fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A GitHub pipe table from a header and rows of already formatted cells (escaped here).
/// Numeric-looking columns are not right-aligned: the renderers pass `align_right` per column.
#[must_use]
pub(crate) fn markdown_table(header: &[String], align_right: &[bool], rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    out.push('|');
    for name in header {
        out.push(' ');
        out.push_str(&markdown_cell(name));
        out.push_str(" |");
    }
    out.push_str("\n|");
    for index in 0..header.len() {
        out.push_str(if align_right.get(index).copied().unwrap_or(false) { " ---: |" } else { " --- |" });
    }
    out.push('\n');
    for row in rows {
        out.push('|');
        for cell in row {
            out.push(' ');
            out.push_str(&markdown_cell(cell));
            out.push_str(" |");
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_round_trips_awkward_values() {
        for x in [0.1 + 0.2, 1e-300, 123_456_789.123_456_79, -0.0, 5e-324, f64::MAX, 3.0] {
            let parsed: f64 = full(x).parse().expect("parses");
            assert_eq!(parsed.to_bits(), x.to_bits(), "{x:?}");
        }
    }

    #[test]
    fn significant_matches_c_percent_g() {
        // Expected strings are what printf("%g") prints.
        let cases = [
            (0.0, "0"),
            (1.0, "1"),
            (0.1 + 0.2, "0.3"),
            (123_456_789.123_456_79, "1.23457e+08"),
            (999999.7, "1e+06"),
            (123456.4, "123456"),
            (0.0001234567, "0.000123457"),
            (0.00001234567, "1.23457e-05"),
            (-2.5, "-2.5"),
            (1e-300, "1e-300"),
            (17_000_000.0, "1.7e+07"),
        ];
        for (x, expected) in cases {
            assert_eq!(significant(x, 6), expected, "{x:?}");
        }
        assert_eq!(significant(f64::NAN, 6), "NaN");
        assert_eq!(significant(f64::NEG_INFINITY, 6), "-inf");
    }

    #[test]
    fn markdown_cells_escape_pipes_and_newlines() {
        assert_eq!(markdown_cell("a|b\nc\r\nd"), "a\\|b<br>c<br>d");
    }

    #[test]
    fn html_escapes_markup_and_quotes() {
        assert_eq!(
            html("<script>alert('x&\"y')</script>"),
            "&lt;script&gt;alert(&#39;x&amp;&quot;y&#39;)&lt;/script&gt;"
        );
    }
}
