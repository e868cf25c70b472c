//! `autoscale endpoint NAME`: Application Auto Scaling for an endpoint's
//! variant in one command. Setting it applies the two resources ACK's
//! tutorial writes by hand (a ScalableTarget and a target-tracking
//! ScalingPolicy on invocations per instance); without settings it shows
//! what is set; `--off` removes it.

use std::cmp::Reverse;

use sagemaker_core::{
    KindInfo, Resource, ack,
    kinds::{self, ENDPOINT, SCALABLE_TARGET, SCALING_POLICY},
    manifest, names,
};
use sagemaker_proto::v1::GetRequest;
use serde_json::{Value, json};
use tonic::Code;

use super::{
    apply::{self, Options},
    delete::delete_one,
    dependency_depth, each, list, located, read_resource, resource_ref,
    watch::Target,
};
use crate::{
    cli::{AutoscaleArgs, DocumentFormat},
    connect::{Agent, Session},
    error::{Error, ExitStatus, Result},
    output::{Table, cell, list_object, out, to_json, to_yaml},
};

/// What a SageMaker variant scales: its instance count.
const SCALABLE_DIMENSION: &str = "sagemaker:variant:DesiredInstanceCount";
/// Application Auto Scaling's name for SageMaker.
const SERVICE_NAMESPACE: &str = "sagemaker";
/// The predefined metric the policy tracks: invocations per instance per minute.
const METRIC: &str = "SageMakerVariantInvocationsPerInstance";
/// The variant an endpoint has when its config names only one (ACK's tutorial, SageMaker's examples).
const DEFAULT_VARIANT: &str = "AllTraffic";

pub(super) async fn run(session: &Session, args: AutoscaleArgs) -> Result<ExitStatus> {
    if kinds::find(&args.resource_type) != Some(&ENDPOINT) {
        return Err(Error::Usage(format!(
            "cannot autoscale {:?}: `endpoint` is the only resource type `autoscale` takes for now",
            args.resource_type
        )));
    }
    if let Some(variant) = &args.variant {
        names::check_sagemaker_name(variant)
            .map_err(|problem| Error::Usage(format!("--variant {variant:?} is not a variant name: {problem}")))?;
    }
    let settings = Settings::of(&args)?;
    let agent = session.connect().await?;
    let endpoint = aws_endpoint_name(&agent, session, &args.name, settings.is_some()).await?;
    let Some(settings) = settings else {
        // the one variant asked for, or (ending in `/`) every variant of the endpoint
        let resource_id = format!("endpoint/{endpoint}/variant/{}", args.variant.as_deref().unwrap_or_default());
        return if args.off {
            off(&agent, session, &args.name, &resource_id).await
        } else {
            show(&agent, session, &args.name, &resource_id).await
        };
    };
    set(&agent, session, &args, &endpoint, &settings).await
}

/// What `--min`, `--max`, `--target-invocations` and the cooldowns ask for, checked.
#[derive(Debug, Clone, PartialEq)]
struct Settings {
    variant: String,
    min: i64,
    max: i64,
    target: f64,
    scale_in_cooldown: Option<u32>,
    scale_out_cooldown: Option<u32>,
}

impl Settings {
    /// The settings, or `None` to show or remove what is set.
    fn of(args: &AutoscaleArgs) -> Result<Option<Self>> {
        let flags = [
            ("--min", args.min.is_some()),
            ("--max", args.max.is_some()),
            ("--target-invocations", args.target_invocations.is_some()),
        ];
        let missing: Vec<&str> = flags.iter().filter(|(_, given)| !given).map(|(flag, _)| *flag).collect();
        let (Some(min), Some(max), Some(target)) = (args.min, args.max, args.target_invocations) else {
            if missing.len() < flags.len() {
                return Err(Error::Usage(format!(
                    "give --min, --max and --target-invocations together; missing {}",
                    missing.join(" and ")
                )));
            }
            let cooldowns = args.scale_in_cooldown.is_some() || args.scale_out_cooldown.is_some();
            if cooldowns || args.dry_run || args.output.is_some() {
                return Err(Error::Usage(
                    "--scale-in-cooldown, --scale-out-cooldown, --dry-run and -o go with setting autoscaling: \
                     give --min, --max and --target-invocations too"
                        .into(),
                ));
            }
            return Ok(None);
        };
        if min < 0 {
            return Err(Error::Usage(format!("--min must be 0 or more, not {min}")));
        }
        if min > max {
            return Err(Error::Usage(format!("--min {min} is more than --max {max}")));
        }
        if !(target.is_finite() && target > 0.0) {
            return Err(Error::Usage(format!("--target-invocations must be more than 0, not {target}")));
        }
        Ok(Some(Settings {
            variant: args.variant.clone().unwrap_or_else(|| DEFAULT_VARIANT.to_string()),
            min,
            max,
            target,
            scale_in_cooldown: args.scale_in_cooldown,
            scale_out_cooldown: args.scale_out_cooldown,
        }))
    }
}

/// The SageMaker name of the Endpoint resource `name` (its identifier),
/// which resource IDs name; `name` itself for an endpoint not managed here.
async fn aws_endpoint_name(agent: &Agent, session: &Session, name: &str, warn: bool) -> Result<String> {
    let namespace = &session.namespace;
    let request = GetRequest {
        r#ref: Some(resource_ref(&ENDPOINT, namespace, name)),
    };
    match agent.get(request).await {
        Ok(resource) => {
            let (_, resource) = read_resource(Some(&resource))?;
            let aws_name = ENDPOINT.aws_id(&resource.spec);
            Ok(if aws_name.is_empty() { name.to_string() } else { aws_name })
        }
        Err(s) if s.code() == Code::NotFound => {
            if warn {
                crate::output::errln(format!(
                    "warning: there is no {}; scaling the SageMaker endpoint {name}",
                    located(&ENDPOINT, namespace, name)
                ));
            }
            Ok(name.to_string())
        }
        Err(s) => Err(Error::agent(format!("cannot get {}", located(&ENDPOINT, namespace, name)), &s)),
    }
}

/// Applies the two documents, or (`--dry-run`, `-o`) prints them.
async fn set(
    agent: &Agent,
    session: &Session,
    args: &AutoscaleArgs,
    endpoint: &str,
    settings: &Settings,
) -> Result<ExitStatus> {
    let values = documents(&args.name, endpoint, settings)?;
    let text: String = values.iter().map(to_yaml).collect::<Vec<_>>().join("---\n");
    // parsed back like a file, so that an error the agent finds names its line
    let documents = manifest::parse(&format!("<autoscale endpoint {}>", args.name), &text)?;
    if args.output.is_none() && !args.dry_run {
        let options = Options {
            dry_run: false,
            wait: args.wait,
            timeout: args.timeout,
            logs: false,
            follow: |_| true,
        };
        return apply::apply_on(agent, session, &documents, &options).await;
    }
    apply::send(agent, &session.namespace, &documents, args.dry_run).await?;
    match args.output.unwrap_or(DocumentFormat::Yaml) {
        DocumentFormat::Yaml => out(&text)?,
        DocumentFormat::Json => out(&to_json(&list_object(values)))?,
    }
    Ok(ExitStatus::Success)
}

/// The ScalableTarget and the ScalingPolicy, field for field as in ACK's
/// tutorial (`scale-endpoint.yaml`).
fn documents(name: &str, endpoint: &str, settings: &Settings) -> Result<Vec<Value>> {
    let Settings {
        variant,
        min,
        max,
        target,
        scale_in_cooldown,
        scale_out_cooldown,
    } = settings;
    let target_name = kubernetes_name(&format!("{name}-{}", variant.to_lowercase()));
    let policy_name = kubernetes_name(&format!("{target_name}-invocations"));
    for made in [&target_name, &policy_name] {
        names::check_kubernetes_name(made)
            .map_err(|problem| Error::Usage(format!("cannot make a resource name from {name:?}: {problem}")))?;
    }
    // what both name, in the same words (the ScalableTarget's identifiers)
    let scalable = json!({
        "resourceID": format!("endpoint/{endpoint}/variant/{variant}"),
        "scalableDimension": SCALABLE_DIMENSION,
        "serviceNamespace": SERVICE_NAMESPACE,
    });
    let document = |kind: &KindInfo, name: &str, mut spec: Value, rest: Value| {
        if let (Some(spec), Value::Object(scalable), Value::Object(rest)) =
            (spec.as_object_mut(), scalable.clone(), rest)
        {
            spec.extend(scalable);
            spec.extend(rest);
        }
        json!({"apiVersion": kind.api_version(), "kind": kind.kind, "metadata": {"name": name}, "spec": spec})
    };
    // a whole number prints as one (`targetValue: 60`), as in the tutorial
    let target_value = if target.fract() == 0.0 && target.abs() < 2f64.powi(53) {
        json!(*target as i64)
    } else {
        json!(target)
    };
    let mut configuration = json!({"targetValue": target_value});
    if let Some(seconds) = scale_in_cooldown {
        configuration["scaleInCooldown"] = json!(seconds);
    }
    if let Some(seconds) = scale_out_cooldown {
        configuration["scaleOutCooldown"] = json!(seconds);
    }
    configuration["predefinedMetricSpecification"] = json!({"predefinedMetricType": METRIC});
    let scalable_target =
        document(&SCALABLE_TARGET, &target_name, json!({"maxCapacity": max, "minCapacity": min}), json!({}));
    let scaling_policy = document(
        &SCALING_POLICY,
        &policy_name,
        json!({"policyName": policy_name, "policyType": "TargetTrackingScaling"}),
        json!({"targetTrackingScalingPolicyConfiguration": configuration}),
    );
    Ok(vec![scalable_target, scaling_policy])
}

/// `text` as a Kubernetes name: lower-case, any character but a letter, a
/// digit, '-' or '.' made '-', and no '-' or '.' at either end.
fn kubernetes_name(text: &str) -> String {
    let name: String = text
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    name.trim_matches(['-', '.']).chars().take(253).collect()
}

/// The scalable targets and scaling policies in the namespace whose resource
/// ID starts with `resource_id` (one variant, or with the variant left empty,
/// every variant of the endpoint).
async fn find(agent: &Agent, session: &Session, resource_id: &str) -> Result<Vec<(&'static KindInfo, Resource)>> {
    let mut found = Vec::new();
    for kind in [&SCALABLE_TARGET, &SCALING_POLICY] {
        for (_, resource) in list(agent, kind, &session.namespace, false, "").await? {
            let id = resource.str_at("spec.resourceID").unwrap_or_default();
            // the whole ID when a variant is named: `AllTraffic` is not `AllTraffic2`
            let matches = if resource_id.ends_with('/') { id.starts_with(resource_id) } else { id == resource_id };
            if matches {
                found.push((kind, resource));
            }
        }
    }
    Ok(found)
}

/// The table of what is set: a row per variant.
async fn show(agent: &Agent, session: &Session, name: &str, resource_id: &str) -> Result<ExitStatus> {
    let found = find(agent, session, resource_id).await?;
    if found.is_empty() {
        crate::output::errln(format!("No autoscaling set for endpoint {name} in {} namespace.", session.namespace));
        return Ok(ExitStatus::Success);
    }
    out(&autoscaling_table(&found).render())?;
    Ok(ExitStatus::Success)
}

/// VARIANT, MIN, MAX, POLICY, TARGET, SYNCED: a row per variant, in the
/// order found, its policies joined by commas.
fn autoscaling_table(found: &[(&'static KindInfo, Resource)]) -> Table {
    let variant_of =
        |r: &Resource| r.str_at("spec.resourceID").and_then(|id| id.rsplit('/').next()).unwrap_or_default().to_string();
    let mut variants: Vec<String> = Vec::new();
    for (_, r) in found {
        if !variants.contains(&variant_of(r)) {
            variants.push(variant_of(r));
        }
    }
    let mut table = Table::new(["VARIANT", "MIN", "MAX", "POLICY", "TARGET", "SYNCED"]);
    for variant in variants {
        let of = |kind: &KindInfo| -> Vec<&Resource> {
            found.iter().filter(|(k, r)| *k == kind && variant_of(r) == variant).map(|(_, r)| r).collect()
        };
        let (targets, policies) = (of(&SCALABLE_TARGET), of(&SCALING_POLICY));
        let joined = |resources: &[&Resource], value: &dyn Fn(&Resource) -> String| {
            let values: Vec<String> = resources.iter().map(|r| value(r)).collect();
            if values.is_empty() { "<none>".to_string() } else { values.join(",") }
        };
        let synced: Vec<String> = targets
            .iter()
            .chain(&policies)
            .map(|r| cell(r.condition(ack::CONDITION_SYNCED).and_then(|c| c.get("status"))))
            .collect();
        table.push(vec![
            variant,
            joined(&targets, &|r| cell(r.value_at("spec.minCapacity"))),
            joined(&targets, &|r| cell(r.value_at("spec.maxCapacity"))),
            joined(&policies, &|r| r.str_at("spec.policyName").unwrap_or(&r.metadata.name).to_string()),
            joined(&policies, &|r| {
                cell(r.value_at("spec.targetTrackingScalingPolicyConfiguration.targetValue"))
            }),
            // in sync only when every part is
            synced
                .iter()
                .find(|s| s.as_str() != "True")
                .map(|s| if s.is_empty() { "Unknown".to_string() } else { s.clone() })
                .unwrap_or_else(|| "True".into()),
        ]);
    }
    table
}

/// Deletes what is set: each resource after those that name it (the
/// policies, then the targets).
async fn off(agent: &Agent, session: &Session, name: &str, resource_id: &str) -> Result<ExitStatus> {
    let mut found: Vec<Target> = find(agent, session, resource_id)
        .await?
        .into_iter()
        .map(|(kind, r)| Target {
            kind,
            namespace: session.namespace.clone(),
            name: r.metadata.name,
        })
        .collect();
    if found.is_empty() {
        crate::output::errln(format!("No autoscaling set for endpoint {name} in {} namespace; nothing to remove.", session.namespace));
        return Ok(ExitStatus::Success);
    }
    found.sort_by_key(|t| Reverse(dependency_depth(t.kind)));
    let (status, _) = each(found, async |target| delete_one(agent, target, false).await).await;
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(variant: &str, scale_in: Option<u32>, scale_out: Option<u32>) -> Settings {
        Settings {
            variant: variant.into(),
            min: 1,
            max: 20,
            target: 60.0,
            scale_in_cooldown: scale_in,
            scale_out_cooldown: scale_out,
        }
    }

    #[test]
    fn cooldowns_are_set_only_when_given_and_a_fraction_stays_one() {
        let mut s = settings("AllTraffic", None, Some(300));
        s.target = 12.5;
        let values = documents("ep", "ep", &s).expect("documents");
        let configuration = &values[1]["spec"]["targetTrackingScalingPolicyConfiguration"];
        assert_eq!(configuration.get("scaleInCooldown"), None);
        assert_eq!(configuration["scaleOutCooldown"], 300);
        assert_eq!(configuration["targetValue"], 12.5);
    }

    #[test]
    fn names_are_made_valid_for_kubernetes_and_the_resource_id_keeps_aws_names() {
        let values = documents("My-Endpoint", "My-Endpoint", &settings("Blue_Variant", None, None)).expect("documents");
        assert_eq!(values[0]["metadata"]["name"], "my-endpoint-blue-variant");
        assert_eq!(values[1]["metadata"]["name"], "my-endpoint-blue-variant-invocations");
        assert_eq!(values[1]["spec"]["policyName"], "my-endpoint-blue-variant-invocations");
        assert_eq!(values[0]["spec"]["resourceID"], "endpoint/My-Endpoint/variant/Blue_Variant");
        assert_eq!(kubernetes_name("-a..b_c-"), "a..b-c");
    }

    #[test]
    fn the_table_has_a_row_per_variant_and_is_in_sync_only_when_every_part_is() {
        let resource = |kind: &'static KindInfo, spec: Value, synced: &str| {
            let value = json!({
                "apiVersion": kind.api_version(), "kind": kind.kind, "metadata": {"name": "x"}, "spec": spec,
                "status": {"conditions": [{"type": "ACK.ResourceSynced", "status": synced}]},
            });
            (kind, serde_json::from_value(value).expect("resource"))
        };
        let found = [
            resource(&SCALABLE_TARGET, json!({"resourceID": "endpoint/e/variant/A", "minCapacity": 1, "maxCapacity": 4}), "True"),
            resource(&SCALABLE_TARGET, json!({"resourceID": "endpoint/e/variant/B", "minCapacity": 0, "maxCapacity": 2}), "True"),
            resource(
                &SCALING_POLICY,
                json!({"resourceID": "endpoint/e/variant/A", "policyName": "p",
                       "targetTrackingScalingPolicyConfiguration": {"targetValue": 70.5}}),
                "False",
            ),
        ];
        assert_eq!(
            autoscaling_table(&found).render(),
            "VARIANT   MIN   MAX   POLICY   TARGET   SYNCED\n\
             A         1     4     p        70.5     False\n\
             B         0     2     <none>   <none>   True\n"
        );
    }
}
