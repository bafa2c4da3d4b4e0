//! Rule matching on distinct values: the targets and rule ids interned once, each map rule
//! input's value coded as `rule index << 32 | target id` so that a row's rule is the smallest
//! code over its inputs.

use crate::allocate::{Field, Rules, ShareMethod};
use crate::focus::Column;
use std::collections::HashMap;

/// A value no map rule matches.
pub(super) const NO_MATCH: u64 = u64::MAX;

/// Rule matching on distinct values: for each input the rules read, the first rule (by file
/// position) that matches a value, as `rule index << 32 | target id`; a row's rule is the
/// smallest code over its inputs (first match wins across fields too).
#[derive(Debug)]
pub(super) struct Matcher {
    /// Targets by id: the unallocated target, every map target, lookup target and share
    /// recipient or source.
    pub(super) targets: Vec<String>,
    target_ids: HashMap<String, u32>,
    /// Rule ids by rule index, then `unallocated`, then the share rules.
    pub(super) rule_ids: Vec<String>,
    /// Per target id: the share rule that splits it.
    pub(super) share_of: Vec<Option<usize>>,
}

impl Matcher {
    pub(super) fn new(rules: &Rules) -> Matcher {
        let mut m = Matcher {
            targets: Vec::new(),
            target_ids: HashMap::new(),
            rule_ids: rules.map.iter().map(|r| r.id.clone()).collect(),
            share_of: Vec::new(),
        };
        m.rule_ids.push("unallocated".into());
        m.rule_ids.extend(rules.share.iter().map(|s| s.id.clone()));
        m.target(&rules.unallocated);
        for r in &rules.map {
            if let Some(t) = &r.to {
                m.target(t);
            }
            if let crate::allocate::Test::Lookup(t) = &r.test {
                let mut v: Vec<&String> = t.values().collect();
                v.sort();
                for t in v {
                    m.target(t);
                }
            }
        }
        for s in &rules.share {
            m.target(&s.from);
            if let ShareMethod::Percent(v) | ShareMethod::Driver(v) = &s.method {
                for (t, _) in v {
                    m.target(t);
                }
            }
            for t in s.to.iter().flatten() {
                m.target(t);
            }
        }
        m.share_of = m
            .targets
            .iter()
            .map(|t| rules.share.iter().position(|s| s.from == *t))
            .collect();
        m
    }

    pub(super) fn target(&mut self, t: &str) -> u32 {
        if let Some(&i) = self.target_ids.get(t) {
            return i;
        }
        let i = self.targets.len() as u32;
        self.targets.push(t.to_string());
        self.target_ids.insert(t.to_string(), i);
        i
    }

    /// The best code of the rules reading input `field` for its value `v`.
    pub(super) fn code(
        &mut self,
        rules: &Rules,
        reads: &[usize],
        v: Option<&str>,
        tags: bool,
    ) -> u64 {
        let parsed = if tags {
            v.and_then(|t| crate::focus::Tags::parse(t).ok())
        } else {
            None
        };
        for &ri in reads {
            let r = &rules.map[ri];
            let value: Option<std::borrow::Cow<'_, str>> = match &r.field {
                Field::Tag(k) => parsed.as_ref().and_then(|t| t.get_ignore_case(k)),
                _ => v.map(Into::into),
            };
            if let Some(t) = r.test_value(value.as_deref()) {
                let id = self.target(&t);
                if self.share_of.len() < self.targets.len() {
                    self.share_of
                        .push(rules.share.iter().position(|s| s.from == t));
                }
                return ((ri as u64) << 32) | u64::from(id);
            }
        }
        NO_MATCH
    }
}

/// What a rule input is, in the files.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum RuleInput {
    Tags,
    Column(Column),
    Extension(String),
}

pub(super) fn rule_inputs(rules: &Rules) -> Vec<(RuleInput, Vec<usize>)> {
    let mut out: Vec<(RuleInput, Vec<usize>)> = Vec::new();
    for (i, r) in rules.map.iter().enumerate() {
        let key = match &r.field {
            Field::Tag(_) => RuleInput::Tags,
            Field::Column(c) => RuleInput::Column(*c),
            Field::Extension(x) => RuleInput::Extension(x.clone()),
        };
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(i),
            None => out.push((key, vec![i])),
        }
    }
    out
}

impl RuleInput {
    pub(super) fn name(&self) -> &str {
        match self {
            RuleInput::Tags => Column::Tags.name(),
            RuleInput::Column(c) => c.name(),
            RuleInput::Extension(x) => x,
        }
    }
}
