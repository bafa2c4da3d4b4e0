//! Reading one key of a FOCUS `Tags` cell (a flat JSON object) without building a map.

use std::borrow::Cow;

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
        i += 1;
    }
    i
}

/// End (index of the closing quote) of the JSON string starting after `b[start - 1] == '"'`,
/// and whether it has escapes.
fn string_end(b: &[u8], start: usize) -> Option<(usize, bool)> {
    let mut i = start;
    let mut escaped = false;
    while i < b.len() {
        match b[i] {
            b'"' => return Some((i, escaped)),
            b'\\' => {
                escaped = true;
                i += 2;
            }
            _ => i += 1,
        }
    }
    None
}

/// The text of tag `key` in the Tags JSON `json`: strings decoded, numbers and booleans in
/// their JSON form, `null` or a missing key as `None`. With `ignore_case`, keys are compared
/// ASCII case-insensitively and the first match in key order wins. Errors describe what is
/// wrong with the JSON.
pub(crate) fn tag_value<'a>(
    json: &'a [u8],
    key: &str,
    ignore_case: bool,
) -> Result<Option<Cow<'a, [u8]>>, String> {
    match fast(json, key.as_bytes(), ignore_case) {
        Some(v) => Ok(v.flatten()),
        None => slow(json, key, ignore_case),
    }
}

/// `None` means "not handled here, use serde_json".
#[allow(clippy::type_complexity)]
fn fast<'a>(b: &'a [u8], key: &[u8], ignore_case: bool) -> Option<Option<Option<Cow<'a, [u8]>>>> {
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        return (skip_ws(b, i + 1) == b.len()).then_some(None);
    }
    loop {
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let (kend, kesc) = string_end(b, i + 1)?;
        if kesc {
            return None;
        }
        let k = &b[i + 1..kend];
        let hit = if ignore_case {
            k.eq_ignore_ascii_case(key)
        } else {
            k == key
        };
        i = skip_ws(b, kend + 1);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(b, i + 1);
        let (value, next): (Option<Cow<'a, [u8]>>, usize) = match b.get(i)? {
            b'"' => {
                let (vend, vesc) = string_end(b, i + 1)?;
                let v = if !hit {
                    None
                } else if vesc {
                    let s: String = serde_json::from_slice(&b[i..=vend]).ok()?;
                    Some(Cow::Owned(s.into_bytes()))
                } else {
                    Some(Cow::Borrowed(&b[i + 1..vend]))
                };
                (v, vend + 1)
            }
            b'{' | b'[' => return None,
            _ => {
                let mut j = i;
                while j < b.len() && !matches!(b[j], b',' | b'}' | b' ' | b'\t' | b'\r' | b'\n') {
                    j += 1;
                }
                let lit = &b[i..j];
                let v = if lit == b"null" {
                    None
                } else if lit == b"true"
                    || lit == b"false"
                    || lit
                        .first()
                        .is_some_and(|c| c.is_ascii_digit() || *c == b'-')
                {
                    Some(Cow::Borrowed(lit))
                } else {
                    return None;
                };
                (if hit { v } else { None }, j)
            }
        };
        if hit {
            // Validate nothing further: the first match wins (serde_json agrees for
            // distinct keys; exports do not repeat keys).
            return Some(Some(value));
        }
        i = skip_ws(b, next);
        match b.get(i)? {
            b',' => i = skip_ws(b, i + 1),
            b'}' => return (skip_ws(b, i + 1) == b.len()).then_some(None),
            _ => return None,
        }
    }
}

fn slow<'a>(json: &'a [u8], key: &str, ignore_case: bool) -> Result<Option<Cow<'a, [u8]>>, String> {
    let text = std::str::from_utf8(json).map_err(|_| "Tags is not UTF-8".to_string())?;
    let tags = crate::focus::Tags::parse(text)?;
    let v = if ignore_case {
        tags.get_ignore_case(key)
    } else {
        tags.get(key)
    };
    Ok(v.map(|c| Cow::Owned(c.into_owned().into_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(j: &str, k: &str, ci: bool) -> Option<String> {
        tag_value(j.as_bytes(), k, ci)
            .unwrap()
            .map(|c| String::from_utf8(c.into_owned()).unwrap())
    }

    #[test]
    fn extracts() {
        let j = r#"{"env":"prod", "Application" : "web", "n": 3, "f": true, "z": null}"#;
        assert_eq!(get(j, "env", false).as_deref(), Some("prod"));
        assert_eq!(get(j, "application", false), None);
        assert_eq!(get(j, "application", true).as_deref(), Some("web"));
        assert_eq!(get(j, "n", false).as_deref(), Some("3"));
        assert_eq!(get(j, "f", false).as_deref(), Some("true"));
        assert_eq!(get(j, "z", false), None);
        assert_eq!(get(j, "missing", false), None);
        assert_eq!(get("{}", "a", false), None);
        assert_eq!(get(r#"{"a":"x\"y"}"#, "a", false).as_deref(), Some("x\"y"));
        assert_eq!(get(r#"{"a\u0062":"v"}"#, "ab", false).as_deref(), Some("v"));
        assert_eq!(
            get(r#"{"APP":"1","app":"2"}"#, "App", true).as_deref(),
            Some("1")
        );
    }

    #[test]
    fn rejects_bad_json() {
        assert!(tag_value(b"{\"a\":", "a", false).is_err());
        assert!(tag_value(b"[1]", "a", false).is_err());
        assert!(tag_value(br#"{"a":{"b":1}}"#, "a", false).is_err());
        assert!(tag_value(b"not json", "a", false).is_err());
    }
}
