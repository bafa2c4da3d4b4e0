//! [`Secret`]: a string that never prints itself.

use std::fmt;

/// A secret value (API secret, consumer key, password, token, pass phrase).
///
/// `Debug` and `Display` print `***`; the value is only reachable through
/// [`Secret::expose`], so it cannot end up in a log line or an error by accident.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wrap a value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret value. Call it only where the value is sent or signed.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Replace every occurrence of this secret in `text` by `***` (no-op for short secrets,
    /// which would redact ordinary words).
    pub fn redact(&self, text: &str) -> String {
        if self.0.len() < 6 {
            return text.to_string();
        }
        text.replace(&self.0, "***")
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn never_prints_its_value(v in "[a-zA-Z0-9]{4,40}") {
            let s = Secret::new(v.clone());
            prop_assert_eq!(format!("{s}"), "***");
            prop_assert_eq!(format!("{s:?}"), "***");
            let wrapped = format!("{:?}", Some(&s));
            prop_assert!(!wrapped.contains(&v));
            prop_assert_eq!(s.expose(), v.as_str());
        }
    }

    #[test]
    fn redacts() {
        let s = Secret::new("supersecretvalue");
        assert_eq!(s.redact("a supersecretvalue b"), "a *** b");
    }
}
