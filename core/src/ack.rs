//! ACK's well-known strings. Keeping them byte-for-byte identical to the ACK
//! runtime is what lets existing manifests, GitOps health checks and
//! `kubectl wait --for=condition=ACK.ResourceSynced` keep working.

/// Condition: desired and observed state agree and the AWS resource is stable.
pub const CONDITION_SYNCED: &str = "ACK.ResourceSynced";
/// Condition: the resource cannot progress without a change to its spec.
pub const CONDITION_TERMINAL: &str = "ACK.Terminal";
/// Condition: an error that the agent retries.
pub const CONDITION_RECOVERABLE: &str = "ACK.Recoverable";
/// Condition: an IAMRoleSelector chose the role the resource is managed with.
pub const CONDITION_IAM_ROLE_SELECTED: &str = "ACK.IAMRoleSelected";
/// Condition: the summary ACK added in late 2025, derived from the three above.
pub const CONDITION_READY: &str = "Ready";

/// Resource annotation: the AWS region the resource lives in.
pub const ANNOTATION_REGION: &str = "services.k8s.aws/region";
/// Resource annotation: `retain` leaves the AWS resource when the custom resource is deleted.
pub const ANNOTATION_DELETION_POLICY: &str = "services.k8s.aws/deletion-policy";
/// Namespace annotation: default region for resources in the namespace.
pub const ANNOTATION_DEFAULT_REGION: &str = "services.k8s.aws/default-region";
/// Namespace annotation: another AWS endpoint for the namespace's resources.
pub const ANNOTATION_ENDPOINT_URL: &str = "services.k8s.aws/endpoint-url";
/// Namespace annotation: ACK's team (team-level CARM): the role
/// `ack-role-team-map` maps the team to decides the account.
pub const ANNOTATION_TEAM_ID: &str = "services.k8s.aws/team-id";
/// Namespace annotation (ours): the accounts its resources may name one by
/// one with `services.k8s.aws/owner-account-id` (comma-separated).
pub const ANNOTATION_ALLOWED_ACCOUNTS: &str = "sagemaker.services.k8s.aws/allowed-owner-account-ids";
/// Namespace annotation: AWS account (CARM). On a resource, where its
/// namespace allows it, the resource's own account.
pub const ANNOTATION_OWNER_ACCOUNT_ID: &str = "services.k8s.aws/owner-account-id";

/// Resource annotation (ours, written by the agent): the role it acts with
/// for the resource and which mapping chose it, for `describe`
/// (`arn:aws:iam::111111111111:role/x (ack-role-account-map[111111111111])`).
pub const ANNOTATION_ROLE: &str = "sagemaker.services.k8s.aws/role";

/// Resource annotation (ours, not ACK's): `"true"` asks the agent to stop a
/// running job and keep the resource with its final status (`kubectl
/// sagemaker stop`). Recorded on the resource, so a restart cannot lose it.
pub const ANNOTATION_STOP: &str = "sagemaker.services.k8s.aws/stop";

/// Resource annotation: `"true"` makes the agent only observe the AWS
/// resource (never create, update or delete it).
pub const ANNOTATION_READ_ONLY: &str = "services.k8s.aws/read-only";

/// Resource annotation: `adopt` takes over the AWS resource the spec's
/// identifiers name (it must exist); `adopt-or-create` creates it if not.
pub const ANNOTATION_ADOPTION_POLICY: &str = "services.k8s.aws/adoption-policy";

/// Resource annotation: the identifiers of the AWS resource to adopt, as a
/// JSON object of spec field names (`{"trainingJobName": "x"}`), where the
/// spec does not give them.
pub const ANNOTATION_ADOPTION_FIELDS: &str = "services.k8s.aws/adoption-fields";

/// Resource annotation the agent sets once it adopted the AWS resource.
pub const ANNOTATION_ADOPTED: &str = "services.k8s.aws/adopted";

/// Namespace annotation: the deletion policy of a service's resources in the
/// namespace (`sagemaker.services.k8s.aws/deletion-policy: retain`).
pub fn namespace_deletion_policy(group: &str) -> String {
    format!("{group}/deletion-policy")
}

/// Resource annotations that change where or how the agent manages a
/// resource: a change to one is reconciled like a spec change.
pub const RECONCILE_ANNOTATIONS: &[&str] =
    &[ANNOTATION_REGION, ANNOTATION_DELETION_POLICY, ANNOTATION_STOP, ANNOTATION_READ_ONLY, ANNOTATION_ADOPTION_POLICY, ANNOTATION_ADOPTION_FIELDS];

/// The value of [`ANNOTATION_DELETION_POLICY`] that keeps the AWS resource.
pub const DELETION_POLICY_RETAIN: &str = "retain";

/// The finalizer ACK puts on every managed resource of `kind` in `group`.
pub fn finalizer(group: &str, kind: &str) -> String {
    format!("finalizers.{group}/{kind}")
}

/// AWS tag the agent puts on what it creates, valued with the custom
/// resource's uid: after a crash between a create call and the status write,
/// it proves which resource the AWS resource was created for, so the agent
/// never adopts (or deletes) one another resource or tool created.
pub const TAG_OWNER: &str = "sagemaker-agent/owner-uid";
/// ACK's own default tag: the namespace of the custom resource.
pub const TAG_NAMESPACE: &str = "services.k8s.aws/namespace";
