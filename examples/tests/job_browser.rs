//! `report.html` in a real browser: headless Chromium (Debian `chromium`, installed by
//! scripts/setup.d/60-chromium.sh) opens the demo's report in English and in French, takes a
//! screenshot (kept in the target folder: `report-en.png`, `report-fr.png`) and dumps the DOM
//! after layout: the page is not blank and its SVG charts are there.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

fn chromium(bin: &str, profile: &Path) -> Command {
    let mut c = Command::new(bin);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

/// Distinct colours and the share of pixels that are not the page background.
fn picture_stats(png_path: &Path) -> (usize, f64) {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(png_path).unwrap(),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let bytes = &buf[..info.buffer_size()];
    let step = match info.color_type {
        png::ColorType::Rgba => 4,
        png::ColorType::Rgb => 3,
        other => panic!("unexpected PNG colour type {other:?}"),
    };
    let mut colours = std::collections::HashSet::new();
    let (mut other, mut n) = (0usize, 0usize);
    let first = [bytes[0], bytes[1], bytes[2]];
    let bg = [0xf6, 0xf7, 0xf9];
    for px in bytes.chunks(step) {
        let c = [px[0], px[1], px[2]];
        colours.insert(c);
        n += 1;
        if c != bg && c != [0xff, 0xff, 0xff] && c != first {
            other += 1;
        }
    }
    (colours.len(), other as f64 / n.max(1) as f64)
}

fn check_language(bin: &str, lang: &str, words: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    demo(&out, &["--language", lang]);
    let report = out.join("report.html");
    let url = format!("file://{}", report.display());
    // The screenshot: the top of the page (key figures and the first charts).
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("report-{lang}.png"));
    let _ = std::fs::remove_file(&shot);
    let o = chromium(bin, &dir.path().join("profile-shot"))
        .arg("--window-size=1280,2400")
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        shot.is_file(),
        "no screenshot\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let (colours, share) = picture_stats(&shot);
    assert!(
        colours > 200,
        "{lang}: the screenshot looks blank ({colours} colours)"
    );
    assert!(
        share > 0.05,
        "{lang}: the screenshot is mostly background ({share:.3})"
    );
    // The DOM after layout: the charts are in it.
    let o = chromium(bin, &dir.path().join("profile-dom"))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&o.stdout);
    assert!(
        dom.contains(&format!("<html lang=\"{lang}\"")),
        "{lang}: {}",
        &dom[..dom.len().min(300)]
    );
    assert!(
        dom.matches("<svg").count() >= 10,
        "{lang}: SVG charts missing from the DOM"
    );
    assert!(
        dom.matches("class=\"bar\"").count() >= 20,
        "{lang}: bars missing"
    );
    assert!(
        dom.matches("class=\"line\"").count() >= 8,
        "{lang}: lines missing"
    );
    for w in words {
        assert!(dom.contains(w), "{lang}: {w:?} not in the page");
    }
    println!("{lang}: screenshot {} ({colours} colours)", shot.display());
}

#[test]
fn the_report_renders_in_chromium_in_english_and_french() {
    if skip_under_faketime("report screenshots in headless Chromium") {
        return;
    }
    let Some(bin) = tool(
        "FINOPS_CHROMIUM",
        "report screenshots in headless Chromium",
        "scripts/setup.d/60-chromium.sh installs Debian's chromium",
    ) else {
        return;
    };
    check_language(
        &bin,
        "en",
        &[
            "Cost per provider and billing month",
            "Anomalies and their causes",
            "Month to date",
        ],
    );
    check_language(
        &bin,
        "fr",
        &[
            "Coût par fournisseur et mois de facturation",
            "Anomalies et leurs causes",
            "Mois en cours",
        ],
    );
}
