//! Hand-written support for the generated code.

use std::fmt;

/// `Name { field, other, .. }`: the fields that are set, never their values.
/// Request and notification bodies carry buyers' names, addresses and card
/// data, so a `{:?}` in a log line must not print them.
pub(crate) fn debug_fields(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    fields: &[(&str, bool)],
) -> fmt::Result {
    f.write_str(name)?;
    f.write_str(" {")?;
    let mut first = true;
    for (field, set) in fields {
        if *set {
            f.write_str(if first { " " } else { ", " })?;
            f.write_str(field)?;
            first = false;
        }
    }
    f.write_str(if first { " .. }" } else { ", .. }" })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Probe(&'static [(&'static str, bool)]);

    impl fmt::Debug for Probe {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            debug_fields(f, "Probe", self.0)
        }
    }

    #[test]
    fn lists_set_fields_only() {
        assert_eq!(
            format!("{:?}", Probe(&[("a", true), ("b", false), ("c", true)])),
            "Probe { a, c, .. }"
        );
        assert_eq!(format!("{:?}", Probe(&[("a", false)])), "Probe { .. }");
    }
}
