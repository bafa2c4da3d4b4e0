//! Small inline SVG charts for `report.html`: stacked bars, horizontal bars and time lines
//! with an interval band, reference lines and markers. No script, no external resource: the
//! page renders offline, in a browser or an e-mail client that shows SVG.
//!
//! Amounts stay exact decimals in the data; a chart turns them into `f64` only to place
//! shapes, and every shape carries a `<title>` with the exact figure (the hover text). Text
//! is XML-escaped.

use chrono::NaiveDate;
use std::fmt::Write as _;

/// Escape text for XML content and attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// A finite number (NaN and infinities become 0).
fn fin(x: f64) -> f64 {
    if x.is_finite() { x } else { 0.0 }
}

/// Round ticks covering `[lo, hi]`: about `n` steps of 1, 2, 2.5 or 5 × 10^k.
pub fn nice_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let (lo, hi) = (fin(lo), fin(hi));
    let (lo, hi) = if hi - lo < 1e-9 {
        (lo.min(0.0), lo.max(0.0) + 1.0)
    } else {
        (lo, hi)
    };
    let raw = (hi - lo) / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let start = (lo / step).floor() * step;
    let mut v = Vec::new();
    let mut t = start;
    while t < hi + step * 0.999 && v.len() < 50 {
        v.push((t / step).round() * step);
        t += step;
    }
    v
}

/// A short axis label: `950`, `1.2k`, `35k`, `1.5M` (`,` as decimal mark in French).
pub fn short_number(x: f64, french: bool) -> String {
    let x = fin(x);
    let a = x.abs();
    let (v, suffix) = if a >= 1e9 {
        (x / 1e9, "G")
    } else if a >= 1e6 {
        (x / 1e6, "M")
    } else if a >= 1e3 {
        (x / 1e3, "k")
    } else {
        (x, "")
    };
    let s = if v.abs() >= 100.0 || v.fract().abs() < 1e-9 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    let s = if french { s.replace('.', ",") } else { s };
    format!("{s}{suffix}")
}

const W: f64 = 760.0;
const FONT: &str = "font-family=\"inherit\" font-size=\"12\"";

fn open(w: f64, h: f64, title: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"100%\" role=\"img\" aria-label=\"{t}\" class=\"chart\"><title>{t}</title>",
        t = esc(title)
    )
}

/// One series of a stacked bar chart.
#[derive(Debug, Clone)]
pub struct BarSeries {
    /// Legend name.
    pub name: String,
    /// Fill colour (`#rrggbb`).
    pub color: String,
    /// One value per category.
    pub values: Vec<f64>,
    /// Hover text per category (the exact figure).
    pub labels: Vec<String>,
}

/// Vertical stacked bars: one bar per category, one segment per series.
pub fn stacked_bars(
    title: &str,
    categories: &[String],
    series: &[BarSeries],
    french: bool,
) -> String {
    let h = 280.0;
    let (left, right, top, bottom) = (64.0, 12.0, 40.0, 36.0);
    let pw = W - left - right;
    let ph = h - top - bottom;
    let totals: Vec<f64> = (0..categories.len())
        .map(|i| {
            series
                .iter()
                .map(|s| fin(*s.values.get(i).unwrap_or(&0.0)).max(0.0))
                .sum()
        })
        .collect();
    let max = totals.iter().copied().fold(0.0, f64::max);
    let ticks = nice_ticks(0.0, max, 4);
    let ymax = ticks.last().copied().unwrap_or(1.0).max(1e-9);
    let y = |v: f64| top + ph - (v / ymax) * ph;
    let mut s = open(W, h, title);
    legend(
        &mut s,
        series.iter().map(|x| (x.name.as_str(), x.color.as_str())),
        left,
        16.0,
    );
    for t in &ticks {
        let yy = y(*t);
        let _ = write!(
            s,
            "<line x1=\"{left}\" x2=\"{x2}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#e5e7eb\"/><text x=\"{tx}\" y=\"{ty:.1}\" text-anchor=\"end\" fill=\"#6b7280\" {FONT}>{l}</text>",
            x2 = W - right,
            tx = left - 8.0,
            ty = yy + 4.0,
            l = esc(&short_number(*t, french))
        );
    }
    let n = categories.len().max(1) as f64;
    let slot = pw / n;
    let bw = (slot * 0.62).min(56.0);
    for (i, c) in categories.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bw) / 2.0;
        let mut acc = 0.0;
        for se in series {
            let v = fin(*se.values.get(i).unwrap_or(&0.0)).max(0.0);
            if v <= 0.0 {
                continue;
            }
            let (y0, y1) = (y(acc), y(acc + v));
            acc += v;
            let label = se.labels.get(i).map(String::as_str).unwrap_or("");
            let _ = write!(
                s,
                "<rect class=\"bar\" x=\"{x:.1}\" y=\"{y1:.1}\" width=\"{bw:.1}\" height=\"{hh:.1}\" fill=\"{col}\"><title>{t}</title></rect>",
                hh = (y0 - y1).max(0.5),
                col = esc(&se.color),
                t = esc(&format!("{} — {c}: {label}", se.name))
            );
        }
        let _ = write!(
            s,
            "<text x=\"{cx:.1}\" y=\"{ty}\" text-anchor=\"middle\" fill=\"#374151\" {FONT}>{l}</text>",
            cx = x + bw / 2.0,
            ty = h - bottom + 18.0,
            l = esc(c)
        );
    }
    let _ = write!(
        s,
        "<line x1=\"{left}\" x2=\"{x2}\" y1=\"{yb}\" y2=\"{yb}\" stroke=\"#9ca3af\"/></svg>",
        x2 = W - right,
        yb = top + ph
    );
    s
}

fn legend<'a>(s: &mut String, items: impl Iterator<Item = (&'a str, &'a str)>, x0: f64, y: f64) {
    let mut x = x0;
    for (name, color) in items {
        let _ = write!(
            s,
            "<rect x=\"{x:.1}\" y=\"{ry}\" width=\"12\" height=\"12\" rx=\"2\" fill=\"{c}\"/><text x=\"{tx:.1}\" y=\"{ty}\" fill=\"#374151\" {FONT}>{n}</text>",
            ry = y - 10.0,
            c = esc(color),
            tx = x + 17.0,
            ty = y,
            n = esc(name)
        );
        x += 30.0 + 7.0 * name.chars().count() as f64;
    }
}

fn line_legend(s: &mut String, lines: &[Line], x0: f64, y: f64) {
    let mut x = x0;
    for l in lines {
        let _ = write!(
            s,
            "<line x1=\"{x:.1}\" x2=\"{x2:.1}\" y1=\"{ly}\" y2=\"{ly}\" stroke=\"{c}\" stroke-width=\"2.5\"{dash}/><text x=\"{tx:.1}\" y=\"{y}\" fill=\"#374151\" {FONT}>{n}</text>",
            x2 = x + 20.0,
            ly = y - 4.0,
            c = esc(&l.color),
            dash = if l.dashed {
                " stroke-dasharray=\"5 4\""
            } else {
                ""
            },
            tx = x + 26.0,
            n = esc(&l.name)
        );
        x += 40.0 + 7.0 * l.name.chars().count() as f64;
    }
}

/// One horizontal bar.
#[derive(Debug, Clone)]
pub struct HBar {
    /// Label on the left.
    pub label: String,
    /// Value.
    pub value: f64,
    /// Text at the end of the bar (the exact figure).
    pub display: String,
    /// Colour.
    pub color: String,
}

fn ellipsis(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Horizontal bars, largest first as given, in a drawing `width` wide (480 fits half a page).
pub fn hbars(title: &str, items: &[HBar], width: f64) -> String {
    let row = 26.0;
    let h = 16.0 + row * items.len().max(1) as f64;
    let width = width.max(320.0);
    let (left, right) = (width * 0.36, 110.0);
    let pw = width - left - right;
    let label_chars = ((left - 14.0) / 6.2) as usize;
    let max = items
        .iter()
        .map(|i| fin(i.value))
        .fold(0.0, f64::max)
        .max(1e-9);
    let mut s = open(width, h, title);
    for (k, it) in items.iter().enumerate() {
        let y = 8.0 + row * k as f64;
        let w = (fin(it.value).max(0.0) / max) * pw;
        let _ = write!(
            s,
            "<text x=\"{lx}\" y=\"{ty:.1}\" text-anchor=\"end\" fill=\"#374151\" {FONT}>{l}</text><rect class=\"bar\" x=\"{left}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{bh}\" rx=\"3\" fill=\"{c}\"><title>{t}</title></rect><text x=\"{vx:.1}\" y=\"{ty:.1}\" fill=\"#111827\" {FONT}>{d}</text>",
            lx = left - 10.0,
            ty = y + 13.0,
            l = esc(&ellipsis(&it.label, label_chars)),
            bh = row - 8.0,
            c = esc(&it.color),
            t = esc(&format!("{}: {}", it.label, it.display)),
            vx = left + w.max(1.0) + 8.0,
            d = esc(&it.display)
        );
    }
    s.push_str("</svg>");
    s
}

/// A line of a time chart.
#[derive(Debug, Clone)]
pub struct Line {
    /// Legend name.
    pub name: String,
    /// Colour.
    pub color: String,
    /// Points.
    pub points: Vec<(NaiveDate, f64)>,
    /// Dashed (a forecast).
    pub dashed: bool,
}

/// An interval band.
#[derive(Debug, Clone)]
pub struct Band {
    /// Colour (drawn translucent).
    pub color: String,
    /// (day, lower, upper).
    pub points: Vec<(NaiveDate, f64, f64)>,
}

/// A labelled mark.
#[derive(Debug, Clone)]
pub struct Mark {
    /// Text.
    pub label: String,
    /// Colour.
    pub color: String,
}

/// A time chart.
#[derive(Debug, Clone, Default)]
pub struct TimeChart {
    /// Title (accessible name).
    pub title: String,
    /// Lines.
    pub lines: Vec<Line>,
    /// Bands.
    pub bands: Vec<Band>,
    /// Horizontal reference lines (budget, credit).
    pub hlines: Vec<(f64, Mark)>,
    /// Vertical lines (as-of, run-out).
    pub vlines: Vec<(NaiveDate, Mark)>,
    /// Points to circle (anomalies).
    pub points: Vec<(NaiveDate, f64, Mark)>,
    /// Height of the drawing (default 260).
    pub height: Option<f64>,
    /// Width of the drawing (default 760; 480 fits half a page).
    pub width: Option<f64>,
    /// French number marks.
    pub french: bool,
}

/// Render a [`TimeChart`].
pub fn time_chart(c: &TimeChart) -> String {
    let h = c.height.unwrap_or(260.0);
    let w = c.width.unwrap_or(W).max(200.0);
    let small = h < 160.0;
    let (left, right, top, bottom) = if small {
        (8.0, 8.0, 8.0, 8.0)
    } else {
        (56.0, 16.0, 40.0, 30.0)
    };
    let pw = w - left - right;
    let ph = h - top - bottom;
    let days = |d: NaiveDate| d.num_days_from_ce_() as f64;
    let mut xs: Vec<f64> = Vec::new();
    let mut ys: Vec<f64> = Vec::new();
    for l in &c.lines {
        for (d, v) in &l.points {
            xs.push(days(*d));
            ys.push(fin(*v));
        }
    }
    for b in &c.bands {
        for (d, lo, hi) in &b.points {
            xs.push(days(*d));
            ys.push(fin(*lo));
            ys.push(fin(*hi));
        }
    }
    for (v, _) in &c.hlines {
        ys.push(fin(*v));
    }
    for (d, _) in &c.vlines {
        xs.push(days(*d));
    }
    for (d, v, _) in &c.points {
        xs.push(days(*d));
        ys.push(fin(*v));
    }
    let (x0, x1) = (
        xs.iter().copied().fold(f64::INFINITY, f64::min),
        xs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    );
    let (x0, x1) = if x0.is_finite() && x1 > x0 {
        (x0, x1)
    } else {
        (0.0, 1.0)
    };
    let ymin = ys.iter().copied().fold(0.0, f64::min);
    let ymax = ys.iter().copied().fold(0.0, f64::max);
    let ticks = nice_ticks(ymin, ymax, 4);
    let (t0, t1) = (
        ticks.first().copied().unwrap_or(0.0),
        ticks.last().copied().unwrap_or(1.0),
    );
    let span = (t1 - t0).max(1e-9);
    let px = |x: f64| left + (x - x0) / (x1 - x0) * pw;
    let py = |v: f64| top + ph - (fin(v) - t0) / span * ph;
    let mut s = open(w, h, &c.title);
    if !small {
        line_legend(&mut s, &c.lines, left, 16.0);
        for t in &ticks {
            let yy = py(*t);
            let _ = write!(
                s,
                "<line x1=\"{left}\" x2=\"{x2}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#e5e7eb\"/><text x=\"{tx}\" y=\"{ty:.1}\" text-anchor=\"end\" fill=\"#6b7280\" {FONT}>{l}</text>",
                x2 = w - right,
                tx = left - 8.0,
                ty = yy + 4.0,
                l = esc(&short_number(*t, c.french))
            );
        }
        // Month ticks on the x axis.
        if let (Some(first), Some(last)) = (date_of(x0), date_of(x1)) {
            let mut m = first.with_day_(1);
            let n_months =
                ((last.year_() - m.year_()) * 12 + last.month_() as i32 - m.month_() as i32).max(1);
            let every = ((n_months as f64) / 8.0).ceil().max(1.0) as u32;
            let mut k = 0;
            while m <= last {
                if m >= first && k % every == 0 {
                    let xx = px(days(m));
                    let _ = write!(
                        s,
                        "<line x1=\"{xx:.1}\" x2=\"{xx:.1}\" y1=\"{yt}\" y2=\"{yb}\" stroke=\"#9ca3af\"/><text x=\"{xx:.1}\" y=\"{ty}\" text-anchor=\"middle\" fill=\"#6b7280\" {FONT}>{l}</text>",
                        yt = top + ph,
                        yb = top + ph + 4.0,
                        ty = h - bottom + 18.0,
                        l = esc(&format!("{:02}/{}", m.month_(), m.year_() % 100))
                    );
                }
                k += 1;
                m = m.next_month_();
            }
        }
    }
    for b in &c.bands {
        if b.points.is_empty() {
            continue;
        }
        let mut d = String::new();
        for (i, (x, _, hi)) in b.points.iter().enumerate() {
            let _ = write!(
                d,
                "{}{:.1},{:.1} ",
                if i == 0 { "M" } else { "L" },
                px(days(*x)),
                py(*hi)
            );
        }
        for (x, lo, _) in b.points.iter().rev() {
            let _ = write!(d, "L{:.1},{:.1} ", px(days(*x)), py(*lo));
        }
        let _ = write!(
            s,
            "<path class=\"band\" d=\"{}Z\" fill=\"{}\" fill-opacity=\"0.15\" stroke=\"none\"/>",
            d.trim_end(),
            esc(&b.color)
        );
    }
    for (v, m) in &c.hlines {
        let yy = py(*v);
        if m.label.is_empty() {
            let _ = write!(
                s,
                "<line x1=\"{left}\" x2=\"{x2}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"{col}\"/>",
                x2 = w - right,
                col = esc(&m.color)
            );
            continue;
        }
        let _ = write!(
            s,
            "<line x1=\"{left}\" x2=\"{x2}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"{col}\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"><title>{t}</title></line><text x=\"{tx}\" y=\"{ty:.1}\" fill=\"{col}\" {FONT}>{t}</text>",
            x2 = w - right,
            tx = left + 6.0,
            col = esc(&m.color),
            ty = yy - 5.0,
            t = esc(&m.label)
        );
    }
    for l in &c.lines {
        if l.points.is_empty() {
            continue;
        }
        let mut d = String::new();
        for (i, (x, v)) in l.points.iter().enumerate() {
            let _ = write!(
                d,
                "{}{:.1},{:.1} ",
                if i == 0 { "M" } else { "L" },
                px(days(*x)),
                py(*v)
            );
        }
        let _ = write!(
            s,
            "<path class=\"line\" d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"{}><title>{}</title></path>",
            d.trim_end(),
            esc(&l.color),
            if small { 1.5 } else { 2.0 },
            if l.dashed {
                " stroke-dasharray=\"5 4\""
            } else {
                ""
            },
            esc(&l.name)
        );
    }
    for (i, (d, m)) in c.vlines.iter().enumerate() {
        let xx = px(days(*d));
        let _ = write!(
            s,
            "<line x1=\"{xx:.1}\" x2=\"{xx:.1}\" y1=\"{top}\" y2=\"{yb}\" stroke=\"{col}\" stroke-dasharray=\"2 3\"><title>{t}</title></line>",
            yb = top + ph,
            col = esc(&m.color),
            t = esc(&m.label)
        );
        if !small {
            let anchor = if xx > w - 140.0 { "end" } else { "start" };
            let tx = if anchor == "end" { xx - 4.0 } else { xx + 4.0 };
            let _ = write!(
                s,
                "<text x=\"{tx:.1}\" y=\"{ty}\" text-anchor=\"{anchor}\" fill=\"{col}\" {FONT}>{t}</text>",
                ty = top + 12.0 + 15.0 * i as f64,
                col = esc(&m.color),
                t = esc(&m.label)
            );
        }
    }
    for (d, v, m) in &c.points {
        let _ = write!(
            s,
            "<circle class=\"point\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"{}\" fill=\"{c}\" stroke=\"#fff\" stroke-width=\"1.5\"><title>{t}</title></circle>",
            px(days(*d)),
            py(*v),
            if small { 3.5 } else { 5.0 },
            c = esc(&m.color),
            t = esc(&m.label)
        );
    }
    s.push_str("</svg>");
    s
}

// Small date helpers (chrono's traits, named to avoid clashes with the callers' imports).
trait DateExt {
    fn num_days_from_ce_(&self) -> i32;
    fn with_day_(&self, d: u32) -> NaiveDate;
    fn year_(&self) -> i32;
    fn month_(&self) -> u32;
    fn next_month_(&self) -> NaiveDate;
}

impl DateExt for NaiveDate {
    fn num_days_from_ce_(&self) -> i32 {
        chrono::Datelike::num_days_from_ce(self)
    }
    fn with_day_(&self, d: u32) -> NaiveDate {
        chrono::Datelike::with_day(self, d).unwrap_or(*self)
    }
    fn year_(&self) -> i32 {
        chrono::Datelike::year(self)
    }
    fn month_(&self) -> u32 {
        chrono::Datelike::month(self)
    }
    fn next_month_(&self) -> NaiveDate {
        self.checked_add_months(chrono::Months::new(1))
            .unwrap_or(NaiveDate::MAX)
    }
}

fn date_of(x: f64) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(x.round() as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn balanced(svg: &str) {
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"), "{svg}");
        for tag in ["svg", "title", "text", "rect", "path", "line", "circle"] {
            let opens =
                svg.matches(&format!("<{tag} ")).count() + svg.matches(&format!("<{tag}>")).count();
            let self_closed = svg
                .split(&format!("<{tag} "))
                .skip(1)
                .filter(|rest| {
                    let end = rest.find('>').unwrap_or(0);
                    rest[..end].ends_with('/')
                })
                .count();
            let closes = svg.matches(&format!("</{tag}>")).count();
            assert_eq!(opens, self_closed + closes, "<{tag}> not balanced in {svg}");
        }
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
    }

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(nice_ticks(0.0, 95.0, 4), [0.0, 25.0, 50.0, 75.0, 100.0]);
        assert_eq!(nice_ticks(0.0, 0.0, 4), [0.0, 0.25, 0.5, 0.75, 1.0]);
        let t = nice_ticks(-30.0, 1234.0, 4);
        assert!(t[0] <= -30.0 && *t.last().unwrap() >= 1234.0, "{t:?}");
        assert_eq!(short_number(1500.0, false), "1.5k");
        assert_eq!(short_number(1500.0, true), "1,5k");
        assert_eq!(short_number(2_000_000.0, false), "2M");
        assert_eq!(short_number(12.5, false), "12.5");
        assert_eq!(short_number(f64::NAN, false), "0");
    }

    #[test]
    fn stacked_bars_draw_one_rect_per_positive_value_and_escape_text() {
        let svg = stacked_bars(
            "Cost <per> month",
            &["2026-09".into(), "2026-10".into()],
            &[
                BarSeries {
                    name: "A&B".into(),
                    color: "#111111".into(),
                    values: vec![1.0, 2.0],
                    labels: vec!["1.00".into(), "2.00".into()],
                },
                BarSeries {
                    name: "C".into(),
                    color: "#222222".into(),
                    values: vec![0.0, f64::NAN],
                    labels: vec![],
                },
            ],
            false,
        );
        balanced(&svg);
        assert_eq!(svg.matches("class=\"bar\"").count(), 2);
        assert!(svg.contains("Cost &lt;per&gt; month"));
        assert!(svg.contains("A&amp;B — 2026-10: 2.00"));
    }

    #[test]
    fn hbars_and_time_charts_are_well_formed() {
        let svg = hbars(
            "Top",
            &[HBar {
                label: "x".repeat(80),
                value: 3.0,
                display: "3 EUR".into(),
                color: "#333333".into(),
            }],
            480.0,
        );
        balanced(&svg);
        assert!(svg.contains('…'));
        let d = |day| NaiveDate::from_ymd_opt(2026, 11, day).unwrap();
        let c = TimeChart {
            title: "Forecast".into(),
            lines: vec![
                Line {
                    name: "actual".into(),
                    color: "#000000".into(),
                    points: vec![(d(1), 1.0), (d(2), 2.0)],
                    dashed: false,
                },
                Line {
                    name: "forecast".into(),
                    color: "#000000".into(),
                    points: vec![(d(2), 2.0), (d(9), 9.0)],
                    dashed: true,
                },
            ],
            bands: vec![Band {
                color: "#000000".into(),
                points: vec![(d(2), 1.0, 3.0), (d(9), 7.0, 11.0)],
            }],
            hlines: vec![(
                10.0,
                Mark {
                    label: "budget 10".into(),
                    color: "#ff0000".into(),
                },
            )],
            vlines: vec![(
                d(5),
                Mark {
                    label: "run-out".into(),
                    color: "#ff0000".into(),
                },
            )],
            points: vec![(
                d(2),
                2.0,
                Mark {
                    label: "anomaly".into(),
                    color: "#ff0000".into(),
                },
            )],
            ..Default::default()
        };
        let svg = time_chart(&c);
        balanced(&svg);
        assert_eq!(svg.matches("class=\"line\"").count(), 2);
        assert_eq!(svg.matches("class=\"band\"").count(), 1);
        assert_eq!(svg.matches("<circle").count(), 1);
        // An empty chart still renders.
        balanced(&time_chart(&TimeChart::default()));
    }
}
