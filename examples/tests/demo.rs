//! The README's main job: `finops demo` runs every provider against its emulator and writes its outputs.

use std::process::Command;

#[test]
fn finops_demo_runs_every_provider_and_writes_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("finops-demo");
    let output = Command::new(env!("CARGO_BIN_EXE_finops"))
        .args(["demo", "--out"])
        .arg(&out)
        .output()
        .expect("run finops demo");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "finops demo failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    for provider in ["ovh", "oci", "arcgis"] {
        let d = out.join(provider);
        let n = std::fs::read_dir(&d)
            .unwrap_or_else(|e| panic!("{}: {e}\n{stdout}", d.display()))
            .count();
        assert!(n > 0, "{provider} wrote no files\n{stdout}");
    }
    assert!(!stdout.contains("FAILED"), "{stdout}");
}
