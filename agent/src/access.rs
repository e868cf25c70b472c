//! The RBAC the agent and its users need, generated from the kinds table so
//! that a new kind is granted with no edit here. Committed under
//! `manifests/rbac/` and checked for drift by a test; the end-to-end tests
//! run the agent with exactly these grants.
//!
//! - `agent.yaml`: the agent's ServiceAccount (namespace `ack-system`) and
//!   what it may do: its kinds with their status and finalizers, namespaces
//!   (for their annotations and labels), the CARM ConfigMaps in its own
//!   namespace only, its leader-election Lease there, Events about its
//!   resources, and TokenReview and SubjectAccessReview to authenticate and
//!   authorize each caller. Nothing else: no Secrets, no Pods, no
//!   impersonation.
//! - `users.yaml`: what lets users reach the agent (read its Service, find a
//!   ready pod, port-forward to it: the agent then authorizes each call as
//!   the caller), bound to the group `sagemaker-agent-users`; and ClusterRoles that
//!   aggregate the kinds into the built-in `edit` and `view` roles, so that
//!   whoever may edit a namespace may use the agent there.

use serde_json::{Value, json};
use sagemaker_core::{KindInfo, kinds};

/// The namespace the manifests install the agent in (ACK's).
pub const NAMESPACE: &str = "ack-system";
/// The agent's ServiceAccount, ClusterRole and Role.
pub const NAME: &str = "sagemaker-agent";
/// The group whose members may reach the agent (bind others to `sagemaker-agent-user` as well).
pub const USERS_GROUP: &str = "sagemaker-agent-users";

fn every_kind() -> impl Iterator<Item = &'static KindInfo> {
    kinds::KINDS.iter().copied().chain(kinds::ACK_KINDS.iter().copied())
}

/// One rule per API group: `resources` (with `suffix`) of the kinds in it,
/// the cluster-scoped ones only if asked.
fn per_group(suffix: &str, verbs: &[&str], cluster_scoped: bool) -> Vec<Value> {
    let kinds = || every_kind().filter(move |k| cluster_scoped || !k.cluster_scoped);
    let mut groups: Vec<&str> = Vec::new();
    for group in kinds().map(|k| k.group) {
        if !groups.contains(&group) {
            groups.push(group);
        }
    }
    groups
        .into_iter()
        .map(|group| {
            let resources: Vec<String> = kinds().filter(|k| k.group == group).map(|k| format!("{}{suffix}", k.plural)).collect();
            json!({ "apiGroups": [group], "resources": resources, "verbs": verbs })
        })
        .collect()
}

fn agent() -> Vec<Value> {
    let mut rules = per_group("", &["get", "list", "watch", "create", "update", "patch", "delete"], true);
    rules.extend(per_group("/status", &["get", "update", "patch"], true));
    rules.extend(per_group("/finalizers", &["update"], true));
    rules.push(json!({ "apiGroups": [""], "resources": ["namespaces"], "verbs": ["get", "list", "watch"] }));
    // Events about its resources (patch: a repeat adds to the event's series;
    // list: `describe` shows them)
    rules.push(json!({ "apiGroups": ["events.k8s.io"], "resources": ["events"], "verbs": ["create", "patch", "list"] }));
    rules.push(json!({ "apiGroups": ["authentication.k8s.io"], "resources": ["tokenreviews"], "verbs": ["create"] }));
    rules.push(json!({ "apiGroups": ["authorization.k8s.io"], "resources": ["subjectaccessreviews"], "verbs": ["create"] }));
    let labels = json!({ "app.kubernetes.io/name": NAME, "app.kubernetes.io/part-of": "kubectl-sagemaker" });
    vec![
        json!({ "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": NAMESPACE } }),
        json!({
            "apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": { "name": NAME, "namespace": NAMESPACE, "labels": labels },
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": { "name": NAME, "labels": labels },
            "rules": rules,
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": { "name": NAME, "labels": labels },
            "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": NAME },
            "subjects": [{ "kind": "ServiceAccount", "name": NAME, "namespace": NAMESPACE }],
        }),
        // the role maps live in the agent's namespace: no ConfigMap elsewhere is its business
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": { "name": NAME, "namespace": NAMESPACE, "labels": labels },
            "rules": [
                { "apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list", "watch"] },
                // leader election among replicas, on a Lease in its own namespace
                { "apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["get", "create", "update"] },
            ],
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": { "name": NAME, "namespace": NAMESPACE, "labels": labels },
            "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": NAME },
            "subjects": [{ "kind": "ServiceAccount", "name": NAME, "namespace": NAMESPACE }],
        }),
    ]
}

fn users() -> Vec<Value> {
    let labels = json!({ "app.kubernetes.io/part-of": "kubectl-sagemaker" });
    let user = format!("{NAME}-user");
    let aggregated = |name: &str, to: &str, verbs: &[&str], cluster_scoped: bool| {
        let mut rules = per_group("", verbs, cluster_scoped);
        rules.extend(per_group("/status", &["get"], cluster_scoped));
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {
                "name": name,
                "labels": { "app.kubernetes.io/part-of": "kubectl-sagemaker", format!("rbac.authorization.k8s.io/aggregate-to-{to}"): "true" },
            },
            "rules": rules,
        })
    };
    vec![
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": { "name": user, "namespace": NAMESPACE, "labels": labels },
            "rules": [
                { "apiGroups": [""], "resources": ["services"], "resourceNames": [NAME], "verbs": ["get"] },
                { "apiGroups": [""], "resources": ["pods"], "verbs": ["list"] },
                { "apiGroups": [""], "resources": ["pods/portforward"], "verbs": ["create"] },
            ],
        }),
        // reaching the agent grants nothing by itself (it authorizes every call as its
        // caller), but listing and port-forwarding to pods of a namespace the agent may
        // share with ACK's controllers is for a group the cluster's admin fills, not everyone
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": { "name": user, "namespace": NAMESPACE, "labels": labels },
            "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": user },
            "subjects": [{ "apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": USERS_GROUP }],
        }),
        // not IAMRoleSelectors: whoever makes one picks the IAM role of other namespaces' resources
        aggregated("sagemaker-edit", "edit", &["get", "list", "watch", "create", "update", "patch", "delete"], false),
        aggregated("sagemaker-view", "view", &["get", "list", "watch"], true),
    ]
}

/// Every file as `(name, YAML)`.
pub fn all() -> Vec<(String, String)> {
    let file = |name: &str, documents: Vec<Value>| {
        let mut yaml = String::from("# Generated by `sagemaker-agent rbac`; do not edit.\n");
        for d in documents {
            yaml.push_str("---\n");
            yaml.push_str(&serde_yaml::to_string(&d).unwrap_or_default());
        }
        (name.to_string(), yaml)
    };
    vec![file("agent.yaml", agent()), file("users.yaml", users())]
}

#[cfg(test)]
mod tests {
    #[test]
    fn rbac_in_manifests_matches_the_kinds_table() {
        crate::generated::check("manifests/rbac", super::all(), "cargo test -p sagemaker-agent rbac");
    }

    #[test]
    fn the_agent_may_touch_its_kinds_and_reviews_but_no_secret_and_no_one_elses_configmap() {
        let text: String = super::all().into_iter().find(|(f, _)| f == "agent.yaml").map(|(_, y)| y).unwrap_or_default();
        for kind in super::every_kind() {
            assert!(text.contains(&format!("- {}/status", kind.plural)), "{}", kind.plural);
        }
        assert!(text.contains("tokenreviews") && text.contains("subjectaccessreviews"));
        assert!(!text.contains("secrets") && !text.contains("impersonate") && !text.contains("'*'"), "{text}");
        let cluster_role = &super::agent()[2];
        assert!(!cluster_role.to_string().contains("configmaps"), "ConfigMaps only in its namespace");
    }
}
