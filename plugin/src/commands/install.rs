//! `install` and `uninstall`: the manifests of `manifests/` (embedded in
//! the plugin), adjusted to the flags, printed or applied server-side; and
//! their removal, refused while the agent still owns resources.
//!
//! Applying again upgrades everything, CRDs included (server-side apply with
//! the plugin as field manager, taking over fields another manager set), so
//! an upgrade is `install --apply` with a newer plugin.

use kube::{
    Api, Client,
    api::{DeleteParams, DynamicObject, GroupVersionKind, ListParams, Patch, PatchParams},
    discovery::{self, ApiCapabilities, ApiResource, Scope},
};
use sagemaker_core::{ack, kinds};
use serde_json::{Value, json};

use crate::{
    cli::{DocumentFormat, InstallArgs, UninstallArgs},
    connect::Session,
    error::{Error, ExitStatus, Result},
    manifests::FILES,
    output::{outln, to_json, to_yaml},
};

/// The namespace and name the manifests are written for.
pub(super) const NAMESPACE: &str = "ack-system";
const AGENT: &str = "sagemaker-agent";
/// IRSA's ServiceAccount annotation.
const IRSA: &str = "eks.amazonaws.com/role-arn";
/// Field manager of what install applies.
const MANAGER: &str = "kubectl-sagemaker";

/// Every document of the manifests, in the order they apply.
fn documents() -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for (file, text) in FILES {
        for document in sagemaker_core::manifest::parse(&format!("manifests/{file}"), text)? {
            out.push(document.value);
        }
    }
    Ok(out)
}

/// What the flags change in the manifests.
#[derive(Debug, Default)]
struct Options<'a> {
    namespace: &'a str,
    role_arn: Option<&'a str>,
    region: Option<&'a str>,
    watch_namespace: Option<&'a str>,
    image: Option<&'a str>,
    replicas: Option<u32>,
}

/// One document as the flags want it.
fn customize(mut doc: Value, o: &Options<'_>) -> Value {
    let kind = doc["kind"].as_str().unwrap_or_default().to_string();
    let name = doc["metadata"]["name"].as_str().unwrap_or_default().to_string();
    // (`get_mut`, not indexing: an index inserts a null member where there is none)
    if let Some(ns) = doc.pointer_mut("/metadata/namespace").filter(|ns| *ns == NAMESPACE) {
        *ns = json!(o.namespace);
    }
    if let Some(subjects) = doc.get_mut("subjects").and_then(Value::as_array_mut) {
        for s in subjects.iter_mut().filter(|s| s["namespace"] == NAMESPACE) {
            s["namespace"] = json!(o.namespace);
        }
    }
    match (kind.as_str(), name.as_str()) {
        ("Namespace", NAMESPACE) => doc["metadata"]["name"] = json!(o.namespace),
        ("ServiceAccount", AGENT) => {
            if let Some(arn) = o.role_arn {
                doc["metadata"]["annotations"][IRSA] = json!(arn);
            }
        }
        ("Deployment", AGENT) => {
            if let Some(n) = o.replicas {
                doc["spec"]["replicas"] = json!(n);
            }
            let container = &mut doc["spec"]["template"]["spec"]["containers"][0];
            if let Some(image) = o.image {
                container["image"] = json!(image);
            }
            if let (Some(region), Some(env)) = (o.region, container["env"].as_array_mut()) {
                env.push(json!({ "name": "AWS_REGION", "value": region }));
            }
            if let (Some(ns), Some(args)) = (o.watch_namespace, container["args"].as_array_mut()) {
                args.extend([json!("--watch-namespace"), json!(ns)]);
            }
        }
        _ => {}
    }
    doc
}

/// What an installed agent was installed with (an upgrade keeps it unless
/// a flag says otherwise).
#[derive(Debug, Default)]
struct Installed {
    role_arn: Option<String>,
    region: Option<String>,
    watch_namespace: Option<String>,
    replicas: Option<u32>,
}

async fn installed(client: &Client, namespace: &str) -> Result<Installed> {
    use k8s_openapi::api::{apps::v1::Deployment, core::v1::ServiceAccount};
    let failed = |what: &str| {
        let what = what.to_string();
        move |source| Error::Kube { action: format!("cannot read the installed {what}"), source }
    };
    let sa = Api::<ServiceAccount>::namespaced(client.clone(), namespace).get_opt(AGENT).await.map_err(failed("ServiceAccount"))?;
    let deployment = Api::<Deployment>::namespaced(client.clone(), namespace).get_opt(AGENT).await.map_err(failed("Deployment"))?;
    let container = deployment.as_ref().and_then(|d| d.spec.template.spec.as_ref()?.containers.first().cloned());
    let args = container.as_ref().and_then(|c| c.args.clone()).unwrap_or_default();
    Ok(Installed {
        role_arn: sa.and_then(|sa| sa.metadata.annotations?.get(IRSA).cloned()),
        region: container.as_ref().and_then(|c| c.env.as_ref()?.iter().find(|e| e.name == "AWS_REGION")?.value.clone()),
        watch_namespace: args.iter().position(|a| a == "--watch-namespace").and_then(|i| args.get(i + 1).cloned()),
        replicas: deployment.and_then(|d| d.spec.replicas).and_then(|r| u32::try_from(r).ok()),
    })
}

pub(super) async fn install(session: &Session, args: InstallArgs) -> Result<ExitStatus> {
    // an upgrade keeps what the agent was installed with unless told otherwise:
    // server-side apply would otherwise drop its role, region or namespace
    let (client, kept) = if args.apply {
        let client = session.kube_client()?;
        let kept = installed(&client, session.install_namespace()).await?;
        (Some(client), kept)
    } else {
        (None, Installed::default())
    };
    let options = Options {
        namespace: session.install_namespace(),
        role_arn: args.role_arn.as_deref().or(kept.role_arn.as_deref()),
        region: args.region.as_deref().or(kept.region.as_deref()),
        watch_namespace: args.watch_namespace.as_deref().or(kept.watch_namespace.as_deref()),
        image: args.image.as_deref(),
        replicas: args.replicas.or(kept.replicas),
    };
    let mut kept_flags = Vec::new();
    for (flag, given, was) in [
        ("--role-arn", &args.role_arn, &kept.role_arn),
        ("--region", &args.region, &kept.region),
        ("--watch-namespace", &args.watch_namespace, &kept.watch_namespace),
    ] {
        if let (None, Some(was)) = (given, was) {
            kept_flags.push(format!("{flag} {was}"));
        }
    }
    if !kept_flags.is_empty() {
        crate::output::errln(format!("note: kept from the installed agent: {}", kept_flags.join(", ")));
    }
    if let Some(arn) = options.role_arn
        && (!arn.starts_with("arn:aws") || !arn.contains(":role/"))
    {
        return Err(Error::Usage(format!("--role-arn {arn:?} is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)")));
    }
    let docs: Vec<Value> = documents()?.into_iter().map(|d| customize(d, &options)).collect();
    if !args.apply {
        for doc in &docs {
            match args.output {
                DocumentFormat::Yaml => outln(format!("---\n{}", to_yaml(doc).trim_end()))?,
                DocumentFormat::Json => outln(to_json(doc))?,
            }
        }
        return Ok(ExitStatus::Success);
    }
    let client = client.expect("made for --apply");
    for doc in &docs {
        let (api, what) = api_for(&client, doc, session).await?;
        let name = doc["metadata"]["name"].as_str().unwrap_or_default();
        let params = PatchParams::apply(MANAGER).force();
        api.patch(name, &params, &Patch::Apply(doc))
            .await
            .map_err(|source| Error::Kube { action: format!("cannot apply {what}/{name}"), source })?;
        outln(format!("{what}/{name} serverside-applied"))?;
    }
    if options.role_arn.is_none() {
        crate::output::errln(format!(
            "note: the agent has no IAM role yet: run install again with --role-arn (IRSA), or associate a role with \
             the ServiceAccount {AGENT} in namespace {} (EKS Pod Identity)",
            options.namespace
        ));
    }
    Ok(ExitStatus::Success)
}

/// The API of a document's kind (from discovery, as kubectl finds it) and
/// its name for messages (`deployment.apps`).
async fn api_for(client: &Client, doc: &Value, session: &Session) -> Result<(Api<DynamicObject>, String)> {
    let api_version = doc["apiVersion"].as_str().unwrap_or_default();
    let kind = doc["kind"].as_str().unwrap_or_default();
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let gvk = GroupVersionKind::gvk(group, version, kind);
    let (resource, caps): (ApiResource, ApiCapabilities) = discovery::pinned_kind(client, &gvk)
        .await
        .map_err(|source| Error::Kube { action: format!("the API server of context {} does not serve {kind} ({api_version})", session.context_name()), source })?;
    let what = if group.is_empty() { kind.to_lowercase() } else { format!("{}.{group}", kind.to_lowercase()) };
    let api = match (caps.scope, doc["metadata"]["namespace"].as_str()) {
        (Scope::Namespaced, Some(ns)) => Api::namespaced_with(client.clone(), ns, &resource),
        _ => Api::all_with(client.clone(), &resource),
    };
    Ok((api, what))
}

pub(super) async fn uninstall(session: &Session, args: UninstallArgs) -> Result<ExitStatus> {
    let client = session.kube_client()?;
    let options = Options { namespace: session.install_namespace(), ..Default::default() };
    // the agent stops first (scaled to zero, its pods gone), so that nothing
    // gets a finalizer between the check below and the deletion
    let deployments: Api<k8s_openapi::api::apps::v1::Deployment> = Api::namespaced(client.clone(), options.namespace);
    let replicas = match deployments.get_opt(AGENT).await {
        Ok(d) => d.and_then(|d| d.spec.replicas),
        Err(source) => return Err(Error::Kube { action: format!("cannot read the Deployment {AGENT}"), source }),
    };
    let scale = |n: i32| {
        let deployments = deployments.clone();
        async move {
            let patch = json!({ "spec": { "replicas": n } });
            deployments.patch(AGENT, &PatchParams::default(), &Patch::Merge(&patch)).await.map(|_| ())
        }
    };
    if let (Some(n), false) = (replicas, args.dry_run)
        && n > 0
    {
        scale(0).await.map_err(|source| Error::Kube { action: format!("cannot stop the agent (scale {AGENT} to 0)"), source })?;
        let pods: Api<k8s_openapi::api::core::v1::Pod> = Api::namespaced(client.clone(), options.namespace);
        let selector = ListParams::default().labels(&format!("app.kubernetes.io/name={AGENT}"));
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(120);
        while pods.list(&selector).await.map(|l| !l.items.is_empty()).unwrap_or(false) && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    }
    match held(&client).await {
        Ok(held) if held.is_empty() => {}
        outcome => {
            // refused: the agent goes back to work
            if let (Some(n), false) = (replicas, args.dry_run) {
                let _ = scale(n).await;
            }
            let held = outcome?;
            let mut listed: Vec<String> = held.iter().take(5).cloned().collect();
            if held.len() > 5 {
                listed.push(format!("and {} more", held.len() - 5));
            }
            return Err(Error::WouldOrphan { count: held.len(), listed: listed.join(", ") });
        }
    }
    // the reverse of install: the agent first, the CRDs (if asked) last; the
    // namespace stays, for the role maps it may hold, and so do ACK's shared
    // CRDs (AdoptedResource, IAMRoleSelector: ACK's other controllers use them)
    let docs: Vec<Value> = documents()?.into_iter().map(|d| customize(d, &options)).rev().collect();
    let suffix = if args.dry_run { " (dry run)" } else { "" };
    for doc in &docs {
        let kind = doc["kind"].as_str().unwrap_or_default();
        let shared = doc["spec"]["group"] == "services.k8s.aws";
        if kind == "Namespace" || (kind == "CustomResourceDefinition" && (!args.crds || shared)) {
            continue;
        }
        let (api, what) = api_for(&client, doc, session).await?;
        let name = doc["metadata"]["name"].as_str().unwrap_or_default();
        if args.dry_run {
            if api.get_opt(name).await.map_err(|source| Error::Kube { action: format!("cannot read {what}/{name}"), source })?.is_some() {
                outln(format!("{what}/{name} deleted{suffix}"))?;
            }
            continue;
        }
        match api.delete(name, &DeleteParams::default()).await {
            Ok(_) => outln(format!("{what}/{name} deleted"))?,
            Err(kube::Error::Api(r)) if r.code == 404 => {}
            Err(source) => return Err(Error::Kube { action: format!("cannot delete {what}/{name}"), source }),
        }
    }
    if !args.crds {
        crate::output::errln("note: the CRDs and the resources of their kinds stay (`uninstall --crds` deletes them)");
    } else {
        crate::output::errln("note: the CRDs of services.k8s.aws (AdoptedResource, IAMRoleSelector) stay: ACK's controllers share them");
    }
    Ok(ExitStatus::Success)
}

/// The resources that still hold the agent's finalizer, as `kind/name -n ns`.
async fn held(client: &Client) -> Result<Vec<String>> {
    let mut held = Vec::new();
    for kind in kinds::KINDS.iter().chain(kinds::ACK_KINDS) {
        let resource = ApiResource {
            group: kind.group.into(),
            version: kind.version.into(),
            api_version: kind.api_version(),
            kind: kind.kind.into(),
            plural: kind.plural.into(),
        };
        let finalizer = ack::finalizer(kind.group, kind.kind);
        let listed = match Api::<DynamicObject>::all_with(client.clone(), &resource).list(&ListParams::default()).await {
            Ok(list) => list.items,
            // the CRD is not installed: nothing of that kind exists
            Err(kube::Error::Api(r)) if r.code == 404 => continue,
            Err(source) => return Err(Error::Kube { action: format!("cannot list {}", kind.plural), source }),
        };
        held.extend(listed.into_iter().filter(|o| o.metadata.finalizers.iter().flatten().any(|f| *f == finalizer)).map(|o| {
            format!("{}/{} -n {}", kind.singular, o.metadata.name.unwrap_or_default(), o.metadata.namespace.unwrap_or_default())
        }));
    }
    Ok(held)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_flags_the_documents_are_the_files_as_they_are() {
        let docs = documents().expect("manifests");
        let same: Vec<Value> = docs.iter().cloned().map(|d| customize(d, &Options { namespace: NAMESPACE, ..Default::default() })).collect();
        assert_eq!(same, docs);
    }

    #[test]
    fn the_flags_place_the_agent_name_its_role_region_image_and_watched_namespace() {
        let o = Options {
            namespace: "ml-system",
            role_arn: Some("arn:aws:iam::111111111111:role/agent"),
            region: Some("eu-west-1"),
            watch_namespace: Some("ml"),
            image: Some("registry.example/agent:1"),
            replicas: Some(3),
        };
        let docs: Vec<Value> = documents().expect("manifests").into_iter().map(|d| customize(d, &o)).collect();
        let find = |kind: &str, name: &str| docs.iter().find(|d| d["kind"] == kind && d["metadata"]["name"] == name).cloned().unwrap_or_else(|| panic!("{kind} {name}"));
        assert!(docs.iter().all(|d| d["metadata"]["namespace"] != NAMESPACE), "nothing left in ack-system");
        assert!(docs.iter().any(|d| d["kind"] == "Namespace" && d["metadata"]["name"] == "ml-system"));
        assert_eq!(find("ServiceAccount", AGENT)["metadata"]["annotations"][IRSA], "arn:aws:iam::111111111111:role/agent");
        let binding = find("ClusterRoleBinding", AGENT);
        assert_eq!(binding["subjects"][0]["namespace"], "ml-system");
        let d = find("Deployment", AGENT);
        assert_eq!(d["spec"]["replicas"], 3);
        let c = &d["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(c["image"], "registry.example/agent:1");
        assert!(c["env"].as_array().expect("env").contains(&json!({ "name": "AWS_REGION", "value": "eu-west-1" })));
        let args: Vec<&str> = c["args"].as_array().expect("args").iter().filter_map(Value::as_str).collect();
        assert!(args.windows(2).any(|w| w == ["--watch-namespace", "ml"]), "{args:?}");
        // CRDs first, the agent last
        assert_eq!(docs.first().map(|d| d["kind"].clone()), Some(json!("CustomResourceDefinition")));
        assert_eq!(docs.last().map(|d| d["kind"].clone()), Some(json!("Service")));
    }
}
