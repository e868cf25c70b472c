//! The kinds table: everything about a kind that does not involve calling AWS.
//!
//! Per-kind behaviour is data here (and in the agent's AWS table), never a copy
//! of code per kind: adding a kind means adding a row.

/// A column of `kubectl sagemaker get` output, after ACK's printer columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrinterColumn {
    /// Header, e.g. `STATUS`.
    pub name: &'static str,
    /// Dotted path into the resource, e.g. `status.trainingJobStatus`.
    pub path: &'static str,
    /// Shown only with `-o wide` (ACK's priority 1).
    pub wide: bool,
}

/// Static facts about one ACK-compatible kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindInfo {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    /// kubectl-style aliases (`tj`).
    pub short_names: &'static [&'static str],
    /// The spec field that names the AWS resource (`trainingJobName`).
    pub identifier_field: &'static str,
    /// Top-level spec fields ACK's CRD marks required.
    pub required_fields: &'static [&'static str],
    /// The status field holding the AWS lifecycle status, if the kind has one.
    pub status_field: Option<&'static str>,
    /// AWS statuses after which nothing changes any more (polling stops).
    pub final_statuses: &'static [&'static str],
    /// AWS statuses that count as success for `--wait` and `watch`.
    pub success_statuses: &'static [&'static str],
    /// The status field where AWS says why the resource failed, if any.
    pub failure_field: Option<&'static str>,
    pub printer_columns: &'static [PrinterColumn],
}

impl KindInfo {
    /// `group/version`, as in a manifest's `apiVersion`.
    pub fn api_version(&self) -> String {
        format!("{}/{}", self.group, self.version)
    }

    /// `trainingjob.sagemaker.services.k8s.aws`, as kubectl prints it.
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.singular, self.group)
    }

    /// Whether `name` refers to this kind: kind, plural, singular, short name,
    /// or any of those qualified by the group (`trainingjobs.sagemaker.services.k8s.aws`)
    /// or by its first label (`trainingjob.sagemaker`), case-insensitively.
    pub fn matches(&self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        let (base, qualifier) = match name.split_once('.') {
            Some((base, qualifier)) => (base.to_string(), Some(qualifier.to_string())),
            None => (name, None),
        };
        if let Some(q) = qualifier {
            let group_ok = self.group == q
                || self.group.starts_with(&format!("{q}."))
                || self.api_version() == q
                || format!("{}.{}", self.version, self.group) == q;
            if !group_ok {
                return false;
            }
        }
        base == self.kind.to_ascii_lowercase()
            || base == self.plural
            || base == self.singular
            || self.short_names.contains(&base.as_str())
    }

    /// Whether an AWS status is final (nothing more will happen without user action).
    pub fn is_final(&self, status: &str) -> bool {
        self.final_statuses.contains(&status)
    }
}

const fn col(name: &'static str, path: &'static str, wide: bool) -> PrinterColumn {
    PrinterColumn { name, path, wide }
}

/// Group of the SageMaker kinds.
pub const SAGEMAKER_GROUP: &str = "sagemaker.services.k8s.aws";

/// TrainingJob, as ACK defines it (`ack-controllers-behavior.md` §2.1).
pub const TRAINING_JOB: KindInfo = KindInfo {
    group: SAGEMAKER_GROUP,
    version: "v1alpha1",
    kind: "TrainingJob",
    plural: "trainingjobs",
    singular: "trainingjob",
    short_names: &["tj"],
    identifier_field: "trainingJobName",
    required_fields: &[
        "trainingJobName",
        "roleARN",
        "algorithmSpecification",
        "outputDataConfig",
        "resourceConfig",
        "stoppingCondition",
    ],
    status_field: Some("trainingJobStatus"),
    final_statuses: &["Completed", "Failed", "Stopped"],
    success_statuses: &["Completed"],
    failure_field: Some("failureReason"),
    printer_columns: &[
        col("STATUS", "status.trainingJobStatus", false),
        col("SECONDARY-STATUS", "status.secondaryStatus", false),
        col("FAILURE-REASON", "status.failureReason", true),
    ],
};

/// Every kind this build serves.
pub const KINDS: &[&KindInfo] = &[&TRAINING_JOB];

/// Looks a kind up by any of the names [`KindInfo::matches`] accepts.
pub fn find(name: &str) -> Option<&'static KindInfo> {
    KINDS.iter().copied().find(|k| k.matches(name))
}

/// Looks a kind up by `apiVersion` and `kind`, exactly as a manifest states them.
pub fn by_api_version(api_version: &str, kind: &str) -> Option<&'static KindInfo> {
    KINDS
        .iter()
        .copied()
        .find(|k| k.kind == kind && k.api_version() == api_version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kind_is_found_by_every_name_kubectl_accepts() {
        for name in [
            "TrainingJob",
            "trainingjob",
            "trainingjobs",
            "tj",
            "trainingjobs.sagemaker.services.k8s.aws",
            "trainingjob.sagemaker",
            "trainingjobs.v1alpha1.sagemaker.services.k8s.aws",
        ] {
            assert_eq!(find(name), Some(&TRAINING_JOB), "{name}");
        }
    }

    #[test]
    fn a_name_qualified_by_another_group_is_not_a_match() {
        assert_eq!(find("trainingjobs.sagemaker.aws.amazon.com"), None);
        assert_eq!(find("endpoints"), None);
    }
}
