//! The krew release: the manifest against krew's published rules, and an
//! archive the release script builds, unpacked and run through kubectl as
//! krew would install it.

use std::{collections::BTreeSet, path::Path, process::Command};

use sagemaker_testsupport::{repo_root, workspace_binary};
use serde_json::Value;

/// krew's validation (internal/index/validation/validate.go and
/// cmd/validate-krew-manifest): the problems of a manifest, none when valid.
fn krew_problems(file_stem: &str, text: &str) -> Vec<String> {
    let m: Value = match serde_yaml::from_str(text) {
        Ok(m) => m,
        Err(e) => return vec![format!("not YAML: {e}")],
    };
    let mut problems = Vec::new();
    let mut check = |ok: bool, what: &str| {
        if !ok {
            problems.push(what.to_string());
        }
    };
    check(m["apiVersion"] == "krew.googlecontainertools.github.com/v1alpha2", "apiVersion");
    check(m["kind"] == "Plugin", "kind");
    let name = m["metadata"]["name"].as_str().unwrap_or_default();
    check(!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'), "name is ^[\\w-]+$");
    check(name == file_stem, "metadata.name is the file's name");
    let version = m["spec"]["version"].as_str().unwrap_or_default();
    let semver = version.strip_prefix('v').is_some_and(|v| {
        let core = v.split(['-', '+']).next().unwrap_or_default();
        core.split('.').count() == 3 && core.split('.').all(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    });
    check(semver, "version is semver with a leading v");
    let short = m["spec"]["shortDescription"].as_str().unwrap_or_default();
    check(!short.is_empty() && !short.contains('\n'), "shortDescription is one non-empty line");
    check(m["spec"]["homepage"].as_str().is_some_and(|h| h.starts_with("https://")), "homepage");
    let platforms = m["spec"]["platforms"].as_array().cloned().unwrap_or_default();
    check(!platforms.is_empty(), "at least one platform");
    let supported = ["linux/amd64", "linux/arm64", "linux/arm", "linux/386", "linux/ppc64le", "darwin/amd64", "darwin/arm64", "darwin/386", "windows/amd64", "windows/386", "windows/arm64"];
    let mut seen = BTreeSet::new();
    for p in &platforms {
        let labels = p["selector"]["matchLabels"].as_object().cloned().unwrap_or_default();
        check(!labels.is_empty() && labels.keys().all(|k| k == "os" || k == "arch"), "selector keys are os and arch only");
        let platform = format!("{}/{}", labels.get("os").and_then(Value::as_str).unwrap_or("*"), labels.get("arch").and_then(Value::as_str).unwrap_or("*"));
        check(supported.contains(&platform.as_str()), &format!("{platform} is a platform krew supports"));
        check(seen.insert(platform.clone()), &format!("{platform} appears once (no overlapping selectors)"));
        let uri = p["uri"].as_str().unwrap_or_default();
        check(uri.starts_with("https://") && (uri.ends_with(".tar.gz") || uri.ends_with(".zip")), "uri is an https .tar.gz or .zip");
        let sum = p["sha256"].as_str().unwrap_or_default();
        check(sum.len() == 64 && sum.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)), "sha256 is 64 lowercase hex");
        check(sum != ZEROS, "sha256 is an archive's, not a placeholder");
        check(p["bin"].as_str().is_some_and(|b| !b.is_empty()), "bin");
        check(p.get("files").is_none_or(|f| f.as_array().is_some_and(|f| !f.is_empty())), "files is absent or not empty");
    }
    problems
}

/// The committed manifest's checksums until a release fills them in.
const ZEROS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[test]
fn the_committed_krew_manifest_follows_krews_rules_for_linux_and_darwin_on_amd64_and_arm64() {
    let committed = std::fs::read_to_string(repo_root().join("krew/sagemaker.yaml")).expect("manifest");
    assert!(!krew_problems("sagemaker", &committed).is_empty(), "placeholder checksums are not publishable");
    // everything but the placeholders follows the rules
    let text = committed.replace(ZEROS, &"ab".repeat(32));
    assert_eq!(krew_problems("sagemaker", &text), Vec::<String>::new());
    let m: Value = serde_yaml::from_str(&text).expect("yaml");
    let platforms: BTreeSet<String> = m["spec"]["platforms"]
        .as_array()
        .expect("platforms")
        .iter()
        .map(|p| format!("{}/{}", p["selector"]["matchLabels"]["os"].as_str().unwrap_or_default(), p["selector"]["matchLabels"]["arch"].as_str().unwrap_or_default()))
        .collect();
    assert_eq!(platforms, BTreeSet::from(["darwin/amd64", "darwin/arm64", "linux/amd64", "linux/arm64"].map(String::from)));
    assert_eq!(m["spec"]["version"], format!("v{}", env!("CARGO_PKG_VERSION")), "the manifest names this version");
    // the rules catch what they should
    assert!(!krew_problems("other-name", &text).is_empty());
    assert!(!krew_problems("sagemaker", &text.replace("v0.1.0", "0.1")).is_empty());
}

fn host_platform() -> Option<&'static str> {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => Some("linux/amd64"),
        ("linux", "aarch64") => Some("linux/arm64"),
        ("macos", "x86_64") => Some("darwin/amd64"),
        ("macos", "aarch64") => Some("darwin/arm64"),
        _ => None,
    }
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_release_script_packages_an_archive_that_krew_would_install_and_kubectl_runs() {
    let Some(platform) = host_platform() else { return };
    let (os, arch) = platform.split_once('/').expect("os/arch");
    let plugin = workspace_binary("kubectl-sagemaker").expect("plugin built");
    let out = tempfile::tempdir().expect("tempdir");
    run(Command::new(repo_root().join("scripts/release.sh")).arg(out.path()).arg(format!("{platform}={}", plugin.display())));
    let version = format!("v{}", env!("CARGO_PKG_VERSION"));
    let archive = out.path().join(format!("kubectl-sagemaker_{version}_{os}_{arch}.tar.gz"));
    let manifest = std::fs::read_to_string(out.path().join("sagemaker.yaml")).expect("manifest written");
    assert_eq!(krew_problems("sagemaker", &manifest), Vec::<String>::new(), "{manifest}");
    let m: Value = serde_yaml::from_str(&manifest).expect("yaml");
    assert_eq!(m["spec"]["platforms"].as_array().map(Vec::len), Some(1), "only the platform built: {manifest}");

    // the manifest's checksum is the archive's, and its URI names it
    let sum = run(Command::new("sha256sum").arg(&archive));
    let sum = sum.split_whitespace().next().expect("sum");
    let entry = m["spec"]["platforms"].as_array().expect("platforms").iter().find(|p| p["selector"]["matchLabels"]["os"] == os && p["selector"]["matchLabels"]["arch"] == arch).expect("the platform").clone();
    assert_eq!(entry["sha256"], sum);
    assert!(entry["uri"].as_str().expect("uri").ends_with(&format!("/releases/download/{version}/kubectl-sagemaker_{version}_{os}_{arch}.tar.gz")), "{entry}");

    // unpacked as krew does: the LICENSE is there (krew-index's CI fails without), and
    // the bin runs as `kubectl sagemaker` through the real kubectl
    let unpacked = tempfile::tempdir().expect("tempdir");
    run(Command::new("tar").arg("-xzf").arg(&archive).arg("-C").arg(unpacked.path()));
    for file in ["LICENSE", "README.md", "kubectl-sagemaker", "kubectl_complete-sagemaker"] {
        assert!(unpacked.path().join(file).exists(), "{file} in the archive");
    }
    let bin = entry["bin"].as_str().expect("bin");
    let bin_dir = unpacked.path().join(Path::new(bin).parent().unwrap_or(Path::new("")));
    let mut paths = vec![bin_dir];
    paths.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()).filter(|p| !p.join("kubectl-sagemaker").exists()));
    let printed = run(Command::new("kubectl").args(["sagemaker", "version", "--client"]).env("PATH", std::env::join_paths(paths).expect("PATH")));
    assert!(printed.contains(env!("CARGO_PKG_VERSION")), "{printed}");
}
