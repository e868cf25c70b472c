//! Generated files committed to the repository, and the test that they
//! are current: `UPDATE_GENERATED=1` rewrites them instead.

/// Checks (or, with `UPDATE_GENERATED` set, writes) each `(file, text)` under
/// `dir` (relative to the repository root); `regenerate` is the command that
/// rewrites them, for the failure message.
pub fn check(dir: &str, files: Vec<(String, String)>, regenerate: &str) {
    let dir = sagemaker_core::manifest_dir(env!("CARGO_MANIFEST_DIR")).join("..").join(dir);
    let update = std::env::var_os("UPDATE_GENERATED").is_some();
    for (file, text) in files {
        let path = dir.join(&file);
        if update {
            std::fs::create_dir_all(&dir).expect("create the directory of generated files");
            std::fs::write(&path, &text).expect("write a generated file");
            continue;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(committed == text, "{} is out of date: run `UPDATE_GENERATED=1 {regenerate}` and commit it", path.display());
    }
}
