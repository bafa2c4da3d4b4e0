//! `finops schedule`: print the next run times of a schedule.
//!
//! ```text
//! finops schedule [--config finops.toml | --preset ovh-weekly | --cron "EXPR"]... [--tz ZONE]
//!     [--from RFC3339] --next N
//! ```
//!
//! One line per run, in order: the time in RFC 3339 with the zone's offset, a space, the job
//! kind (`full` or `sample`), e.g. `2026-11-29T23:15:00+01:00 full`. One line per minute: when
//! several entries fall on the same minute the line says `full` if any of them is a full run.
//! `--cron` entries are full runs (`--sample` adds sampling entries). `--from` is exclusive and
//! defaults to now. The zone is `--tz`, else the config's `[schedule] timezone` or
//! `[output] timezone`, else the preset's (Europe/Paris for `ovh-weekly`), else UTC. Daylight
//! saving time follows `finops_core::schedule`: a slot in the skipped spring hour runs once
//! right after the jump, a slot in the repeated autumn hour once (its first occurrence).
//!
//! The config file is the `finops.toml` of the `finops` job; only these keys are read:
//!
//! ```toml
//! [output]
//! timezone = "Europe/Paris"
//! [schedule]
//! preset = "ovh-weekly"          # and/or:
//! cron = ["15 23 * * SUN"]       # full runs (a single string is accepted too)
//! sample = ["15 * * * *"]        # sampling runs
//! timezone = "Europe/Paris"      # overrides [output] timezone
//! ```

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use finops_core::clock::Clock;
use finops_core::schedule::{JobKind, Schedule, parse_timezone};
use serde::Deserialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Arguments of `finops schedule`.
#[derive(Debug, Clone, clap::Args)]
pub struct ScheduleArgs {
    /// A finops.toml whose schedule table (preset, cron, sample) is used; repeatable.
    #[arg(long = "config")]
    pub config: Vec<PathBuf>,
    /// A named schedule (ovh-weekly); repeatable.
    #[arg(long = "preset")]
    pub preset: Vec<String>,
    /// A cron expression of full runs (minute hour day-of-month month day-of-week; L, L-n,
    /// SUN/JAN names); repeatable.
    #[arg(long = "cron")]
    pub cron: Vec<String>,
    /// A cron expression of sampling runs; repeatable.
    #[arg(long = "sample")]
    pub sample: Vec<String>,
    /// Time zone of the expressions and of the printed times (IANA name).
    #[arg(long)]
    pub tz: Option<String>,
    /// Print the runs after this instant (RFC 3339; default: now).
    #[arg(long)]
    pub from: Option<String>,
    /// How many runs to print.
    #[arg(long)]
    pub next: usize,
}

#[derive(Debug, Default, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::None => Vec::new(),
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct ConfigFile {
    #[serde(default)]
    output: OutputSection,
    #[serde(default)]
    schedule: ScheduleSection,
}

#[derive(Debug, Default, Deserialize)]
struct OutputSection {
    timezone: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct ScheduleSection {
    preset: Option<String>,
    #[serde(default)]
    cron: OneOrMany,
    #[serde(default)]
    sample: OneOrMany,
    timezone: Option<String>,
}

/// What a config file contributes.
#[derive(Debug, Default)]
struct FromConfig {
    presets: Vec<String>,
    full: Vec<String>,
    sample: Vec<String>,
    tz: Option<String>,
}

fn read_config(path: &Path) -> anyhow::Result<FromConfig> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let c: ConfigFile =
        toml::from_str(&text).with_context(|| format!("{}: invalid TOML", path.display()))?;
    let s = c.schedule;
    let out = FromConfig {
        presets: s.preset.into_iter().collect(),
        full: s.cron.into_vec(),
        sample: s.sample.into_vec(),
        tz: s.timezone.or(c.output.timezone),
    };
    if out.presets.is_empty() && out.full.is_empty() && out.sample.is_empty() {
        bail!(
            "{}: [schedule] has no preset, cron or sample",
            path.display()
        );
    }
    Ok(out)
}

/// The schedule the arguments describe.
pub fn schedule_of(args: &ScheduleArgs) -> anyhow::Result<Schedule> {
    let mut presets = args.preset.clone();
    let mut full = args.cron.clone();
    let mut sample = args.sample.clone();
    let mut config_tz = None;
    for p in &args.config {
        let c = read_config(p)?;
        presets.extend(c.presets);
        full.extend(c.full);
        sample.extend(c.sample);
        if config_tz.is_none() {
            config_tz = c.tz.map(|z| (z, p.clone()));
        }
    }
    if presets.is_empty() && full.is_empty() && sample.is_empty() {
        bail!("nothing to schedule: give --preset, --cron, --sample or --config");
    }
    let mut parts: Vec<Schedule> = Vec::new();
    for p in &presets {
        parts.push(Schedule::preset(p)?);
    }
    let tz: Tz = match (&args.tz, &config_tz) {
        (Some(z), _) => parse_timezone(z)?,
        (None, Some((z, file))) => {
            parse_timezone(z).with_context(|| format!("{}: timezone", file.display()))?
        }
        (None, None) => parts
            .first()
            .map(Schedule::timezone)
            .unwrap_or(chrono_tz::UTC),
    };
    let mut s = Schedule::new(tz);
    for p in parts {
        s = s.merge(p.with_timezone(tz));
    }
    for e in &full {
        s = s.with_cron(e, JobKind::Full)?;
    }
    for e in &sample {
        s = s.with_cron(e, JobKind::Sample)?;
    }
    Ok(s)
}

/// The lines `finops schedule` prints, `now` being the default `--from`.
pub fn lines(args: &ScheduleArgs, now: DateTime<Utc>) -> anyhow::Result<Vec<String>> {
    let s = schedule_of(args)?;
    let from = match &args.from {
        Some(f) => DateTime::parse_from_rfc3339(f)
            .with_context(|| {
                format!("--from {f:?}: expected RFC 3339, e.g. 2026-11-01T00:00:00+01:00")
            })?
            .with_timezone(&Utc),
        None => now,
    };
    s.iter_after(from)
        .take(args.next)
        .map(|r| r.map(|slot| slot.to_string()).map_err(anyhow::Error::from))
        .collect()
}

/// Run `finops schedule`, printing to stdout.
pub fn run(args: &ScheduleArgs, clock: &dyn Clock) -> anyhow::Result<()> {
    let out = lines(args, clock.now())?;
    let mut w = std::io::BufWriter::new(std::io::stdout().lock());
    for l in out {
        writeln!(w, "{l}")?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> ScheduleArgs {
        ScheduleArgs {
            config: vec![],
            preset: vec![],
            cron: vec![],
            sample: vec![],
            tz: None,
            from: Some("2026-11-29T21:00:00Z".into()),
            next: 3,
        }
    }

    #[test]
    fn preset_and_cron_zones() {
        let now = "2026-01-01T00:00:00Z".parse().unwrap();
        let a = ScheduleArgs {
            preset: vec!["ovh-weekly".into()],
            ..args()
        };
        assert_eq!(
            lines(&a, now).unwrap(),
            [
                "2026-11-29T22:15:00+01:00 sample",
                "2026-11-29T23:15:00+01:00 full",
                "2026-11-30T00:15:00+01:00 sample"
            ]
        );
        let a = ScheduleArgs {
            cron: vec!["0 6 * * MON".into()],
            next: 1,
            ..args()
        };
        assert_eq!(lines(&a, now).unwrap(), ["2026-11-30T06:00:00+00:00 full"]);
        let a = ScheduleArgs {
            tz: Some("Bad/Zone".into()),
            ..a
        };
        assert!(lines(&a, now).is_err());
        assert!(lines(&args(), now).is_err());
    }
}
