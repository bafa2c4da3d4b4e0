//! Unit tests of the group-by kernel: CSV unquoting and the order of group keys.

use super::merge::cmp_keys;
use super::*;

#[test]
fn unquotes() {
    assert_eq!(&*unquote(b"abc"), b"abc");
    assert_eq!(&*unquote(b"\"a,b\""), b"a,b");
    assert_eq!(&*unquote(b"\"{\"\"a\"\":1}\""), b"{\"a\":1}");
    assert_eq!(&*unquote(b"\"\""), b"");
}

#[test]
fn nulls_sort_last() {
    let a = vec![None];
    let b = vec![Some("z".to_string())];
    assert_eq!(cmp_keys(&a, &b), std::cmp::Ordering::Greater);
}
