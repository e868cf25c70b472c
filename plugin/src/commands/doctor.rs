//! `doctor`: one cluster's setup checked end to end, each failure with the
//! command that fixes it: the agent is reachable and speaks this plugin's
//! API, the caller may use it in the namespace, its AWS identity works as
//! itself and with every role it may assume, and the CRDs are the plugin's.

use kube::{
    Api,
    api::{ApiResource, DynamicObject},
};
use sagemaker_core::kinds;
use sagemaker_proto::v1::{CheckRequest, ListRequest};
use serde_json::Value;
use tonic::Code;

use crate::{
    connect::Session,
    error::{ExitStatus, Result},
    manifests::FILES,
    output::outln,
};

/// What one check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    Ok,
    Warn,
    Fail,
}

struct Report {
    failed: bool,
}

impl Report {
    fn line(&mut self, found: Found, check: &str, message: &str, fix: Option<&str>) -> Result<()> {
        let word = match found {
            Found::Ok => "ok",
            Found::Warn => "warn",
            Found::Fail => {
                self.failed = true;
                "FAIL"
            }
        };
        outln(format!("{word:<5} {check:<8} {message}"))?;
        if let Some(fix) = fix.filter(|f| !f.is_empty()) {
            outln(format!("{:<14}fix: {fix}", ""))?;
        }
        Ok(())
    }
}

pub(super) async fn run(session: &Session) -> Result<ExitStatus> {
    let mut report = Report { failed: false };
    let mut context = session.context.as_deref().map(|c| format!(" --context {c}")).unwrap_or_default();
    // a fix that names the agent's namespace, so it never installs a second agent elsewhere
    if session.agent_namespace() != super::install::NAMESPACE {
        context.push_str(&format!(" --agent-namespace {}", session.agent_namespace()));
    }
    match session.connect().await {
        Err(e) => {
            let rendered = crate::error::render(&e);
            let message = rendered.lines().next().unwrap_or_default().trim_start_matches("error: ");
            report.line(Found::Fail, "agent", message, e.hint().as_deref())?;
        }
        Ok(agent) => {
            report.line(Found::Ok, "agent", &format!("reached at {}", agent.url), None)?;
            let info = &agent.info;
            let ours = env!("CARGO_PKG_VERSION");
            if info.api_version != sagemaker_proto::API_VERSION {
                let fix = format!("upgrade the older of the two: `kubectl krew upgrade sagemaker`, or `kubectl sagemaker install{context} --apply`");
                report.line(Found::Fail, "version", &format!("the agent speaks API {}, this plugin {}", info.api_version, sagemaker_proto::API_VERSION), Some(&fix))?;
            } else if info.agent_version != ours {
                let fix = format!("`kubectl sagemaker install{context} --apply` installs the agent of this plugin's version");
                report.line(Found::Warn, "version", &format!("agent {}, plugin {ours}", info.agent_version), Some(&fix))?;
            } else {
                report.line(Found::Ok, "version", &format!("agent and plugin {ours}"), None)?;
            }
            // every kind the plugin knows, as the agent authorizes each
            let ns = &session.namespace;
            let mut refused: Vec<(&str, tonic::Status)> = Vec::new();
            for kind in kinds::KINDS {
                let request = ListRequest { kind: kind.kind.into(), namespace: ns.clone(), all_namespaces: false, label_selector: String::new() };
                if let Err(s) = agent.list(request).await {
                    refused.push((kind.plural, s));
                }
            }
            match refused.first() {
                None => report.line(Found::Ok, "access", &format!("you may list every kind in namespace {ns}"), None)?,
                Some((_, s)) => {
                    let fix = match s.code() {
                        Code::PermissionDenied => format!(
                            "ask an admin for the sagemaker-edit (or sagemaker-view) role: `kubectl{context} create rolebinding sagemaker-edit --clusterrole sagemaker-edit --user YOU -n {ns}`"
                        ),
                        Code::Unauthenticated => "your kubeconfig user has no token the agent can check (client certificates cannot be forwarded): use a token or an exec credential plugin".into(),
                        _ => String::new(),
                    };
                    let (found, message) = if refused.len() == kinds::KINDS.len() {
                        (Found::Fail, format!("namespace {ns}: {}", s.message()))
                    } else {
                        let plurals: Vec<&str> = refused.iter().map(|(p, _)| *p).collect();
                        (Found::Warn, format!("namespace {ns}: you may not list {}", plurals.join(", ")))
                    };
                    report.line(found, "access", &message, Some(&fix))?;
                }
            }
            match agent.check(CheckRequest { namespace: session.namespace.clone() }).await {
                Ok(checks) => {
                    for c in checks.aws {
                        let who = if c.role_arn.is_empty() { "its own credentials".to_string() } else { format!("{} ({})", c.role_arn, c.chosen_by) };
                        let place = format!("account {} region {} with {who}", c.account, c.region);
                        if c.ok {
                            report.line(Found::Ok, "aws", &format!("{place}: {}", c.identity), None)?;
                        } else {
                            report.line(Found::Fail, "aws", &format!("{place}: {}", c.error), Some(&c.hint))?;
                        }
                    }
                }
                Err(s) if s.code() == Code::Unimplemented => {
                    report.line(Found::Warn, "aws", "this agent cannot check its AWS identity (an older version)", None)?;
                }
                Err(s) => report.line(Found::Fail, "aws", s.message(), None)?,
            }
        }
    }
    crds(session, &mut report, &context).await?;
    Ok(if report.failed { ExitStatus::Failure } else { ExitStatus::Success })
}

/// Every CRD of the plugin's manifests, installed and the same.
async fn crds(session: &Session, report: &mut Report, context: &str) -> Result<()> {
    let fix = format!("`kubectl sagemaker install{context} --apply` installs the CRDs of this version (and upgrades the agent)");
    let client = match session.kube_client() {
        Ok(c) => c,
        Err(_) => return report.line(Found::Warn, "crds", "no kubeconfig context: the CRDs cannot be checked", None),
    };
    let crd = ApiResource {
        group: "apiextensions.k8s.io".into(),
        version: "v1".into(),
        api_version: "apiextensions.k8s.io/v1".into(),
        kind: "CustomResourceDefinition".into(),
        plural: "customresourcedefinitions".into(),
    };
    let api: Api<DynamicObject> = Api::all_with(client, &crd);
    let (mut missing, mut stale, mut current) = (Vec::new(), Vec::new(), 0);
    for (file, text) in FILES.iter().filter(|(f, _)| f.starts_with("crds/")) {
        let wanted: Value = serde_yaml::from_str(text).unwrap_or_default();
        let name = wanted["metadata"]["name"].as_str().unwrap_or_default();
        match api.get_opt(name).await {
            Ok(None) => missing.push(name.to_string()),
            Ok(Some(live)) => {
                let live = serde_json::to_value(&live).unwrap_or_default();
                match difference(&live["spec"], &wanted["spec"], "spec") {
                    None => current += 1,
                    Some(at) => stale.push(format!("{name} (at {at})")),
                }
            }
            Err(kube::Error::Api(r)) if r.code == 403 => {
                return report.line(Found::Warn, "crds", "you may not read CustomResourceDefinitions, so they cannot be checked", None);
            }
            Err(e) => return report.line(Found::Fail, "crds", &format!("cannot read {file}'s CRD {name}: {e}"), None),
        }
    }
    if !missing.is_empty() {
        report.line(Found::Fail, "crds", &format!("not installed: {}", missing.join(", ")), Some(&fix))?;
    }
    if !stale.is_empty() {
        report.line(Found::Fail, "crds", &format!("not this version's: {}", stale.join(", ")), Some(&fix))?;
    }
    if missing.is_empty() && stale.is_empty() {
        report.line(Found::Ok, "crds", &format!("all {current} are this version's"), None)?;
    }
    Ok(())
}

/// Where `live` first lacks what `wanted` states, as a path under `at`
/// (`None`: it holds it all; the API server adds defaults of its own, and
/// drops empty lists and objects).
fn difference(live: &Value, wanted: &Value, at: &str) -> Option<String> {
    let empty = |v: &Value| v.as_array().is_some_and(Vec::is_empty) || v.as_object().is_some_and(serde_json::Map::is_empty);
    match (live, wanted) {
        (Value::Object(l), Value::Object(w)) => w.iter().find_map(|(k, v)| match l.get(k) {
            Some(lv) => difference(lv, v, &format!("{at}.{k}")),
            None if empty(v) => None,
            None => Some(format!("{at}.{k}")),
        }),
        (Value::Array(l), Value::Array(w)) if l.len() == w.len() => {
            l.iter().zip(w).enumerate().find_map(|(i, (a, b))| difference(a, b, &format!("{at}[{i}]")))
        }
        (Value::Number(l), Value::Number(w)) if l.as_f64() == w.as_f64() => None,
        (l, w) if l == w => None,
        _ => Some(at.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn a_live_object_with_defaults_added_still_contains_what_was_applied_and_a_changed_one_does_not() {
        let wanted = json!({"names": {"plural": "x", "shortNames": []}, "versions": [{"name": "v1", "schema": {"minimum": 1}}]});
        let live = json!({"names": {"plural": "x", "singular": "x"}, "conversion": {"strategy": "None"}, "versions": [{"name": "v1", "schema": {"minimum": 1.0}, "served": true}]});
        assert_eq!(super::difference(&live, &wanted, "spec"), None);
        let changed = json!({"names": {"plural": "x"}, "versions": [{"name": "v1", "schema": {"minimum": 2}}]});
        assert!(super::difference(&changed, &wanted, "spec").is_some());
    }
}
