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

/// Where a kind's lifecycle status lives and what its values mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Statuses {
    /// The status field holding the AWS lifecycle status (`trainingJobStatus`),
    /// or `None` for kinds AWS gives no status (Model: it exists or not).
    pub field: Option<&'static str>,
    /// Still changing: polled, `ResourceSynced` False, updates and deletes wait.
    pub modifying: &'static [&'static str],
    /// Nothing changes any more without the user: never looked at again.
    pub final_: &'static [&'static str],
    /// What `--wait` and `watch` wait for.
    pub success: &'static [&'static str],
    /// Reached only when something went wrong that needs a new spec
    /// (`ACK.Terminal`, as ACK does for a Failed endpoint).
    pub terminal: &'static [&'static str],
    /// A job in one of these can be stopped (`stop`, or delete while running).
    pub stoppable: &'static [&'static str],
    /// The final status a stopped job ends in.
    pub stopped: Option<&'static str>,
}

/// Another kind this one names in its spec, which must exist in AWS first:
/// `deploy` applies it earlier and the agent waits for it instead of failing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dependency {
    pub kind: &'static KindInfo,
    /// Pairs of (the other kind's identifier field, path in this spec), with
    /// `[]` for every item of a list: `("modelName", "productionVariants[].modelName")`.
    pub fields: &'static [(&'static str, &'static str)],
    /// AWS deletes this resource with the other (a scaling policy goes with
    /// its scalable target).
    pub cascade: bool,
}

impl Dependency {
    /// The resources of the other kind a spec names, each as its identity
    /// (identifier field -> value): one per list item for a path through a list.
    pub fn identities(&self, spec: &serde_json::Value) -> Vec<serde_json::Value> {
        let columns: Vec<Vec<&serde_json::Value>> = self.fields.iter().map(|(_, path)| values_at(spec, path)).collect();
        let rows = columns.iter().map(Vec::len).max().unwrap_or(0);
        (0..rows)
            .filter_map(|i| {
                let mut identity = serde_json::Map::new();
                for ((field, _), column) in self.fields.iter().zip(&columns) {
                    // a field outside any list names the same value for every row
                    let value = column.get(i).or(if column.len() == 1 { column.first() } else { None })?;
                    identity.insert((*field).to_string(), (*value).clone());
                }
                Some(serde_json::Value::Object(identity))
            })
            .collect()
    }
}

/// Every value at a dotted path, `[]` stepping into each item of a list:
/// `productionVariants[].modelName`.
pub fn values_at<'a>(v: &'a serde_json::Value, path: &str) -> Vec<&'a serde_json::Value> {
    let mut at = vec![v];
    for part in path.split('.') {
        let (name, each) = match part.strip_suffix("[]") {
            Some(n) => (n, true),
            None => (part, false),
        };
        at = at
            .into_iter()
            .filter_map(|x| x.get(name))
            .flat_map(|x| match (each, x) {
                (true, serde_json::Value::Array(items)) => items.iter().collect::<Vec<_>>(),
                _ => vec![x],
            })
            .filter(|x| !x.is_null())
            .collect();
    }
    at
}

/// Static facts about one ACK-compatible kind: one declaration, shared by
/// the plugin and the agent (whose AWS half is `sagemaker_agent::kinds`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindInfo {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    /// kubectl-style aliases (`tj`).
    pub short_names: &'static [&'static str],
    /// The spec fields that name the AWS resource: one for most kinds
    /// (`trainingJobName`), several for composite identifiers.
    pub identifiers: &'static [&'static str],
    /// Top-level spec fields ACK's CRD marks required.
    pub required_fields: &'static [&'static str],
    pub statuses: Statuses,
    /// The status field where AWS says why the resource failed, if any.
    pub failure_field: Option<&'static str>,
    /// A finer status `describe` and `watch` show beside the main one (`secondaryStatus`).
    pub progress_field: Option<&'static str>,
    pub printer_columns: &'static [PrinterColumn],
    /// What `describe` shows after the status: (label, path).
    pub describe_fields: &'static [(&'static str, &'static str)],
    pub depends_on: &'static [Dependency],
    /// Cluster-scoped (ACK's IAMRoleSelector) rather than namespaced.
    pub cluster_scoped: bool,
    /// The identifier AWS assigns at create instead of taking it from the
    /// spec (a Domain's id, a pipeline execution's ARN), if any.
    pub assigned: Option<Assigned>,
    /// Whether the (single) name identifier may be left out of the spec,
    /// `metadata.name` standing in for it: jobs, whose names are permanent,
    /// so that `generateName` gives each submission a fresh one.
    pub name_defaults: bool,
}

/// An identifier AWS chooses: read back from the ARN it answers the create
/// with (recorded in `status.ackResourceMetadata.arn`), never from the spec
/// alone, so a lost status is looked for before anything is created again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assigned {
    /// The identifier field (`domainID`, `pipelineExecutionARN`).
    pub field: &'static str,
    /// Whether the identifier is the ARN's last path segment (a Domain's
    /// `d-...`) rather than the whole ARN.
    pub last_segment: bool,
    /// The spec field naming the resource for people (`domainName`), for
    /// messages while AWS has assigned nothing yet.
    pub label: &'static str,
}

impl Assigned {
    /// The identifier in the ARN AWS answered with.
    pub fn id_in<'a>(&self, arn: &'a str) -> &'a str {
        if self.last_segment { arn.rsplit('/').next().unwrap_or(arn) } else { arn }
    }
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
        self.statuses.final_.contains(&status)
    }

    /// Whether a resource of this kind has reached a final AWS status.
    pub fn has_ended(&self, r: &crate::Resource) -> bool {
        self.statuses.field.and_then(|f| r.status.get(f)).and_then(serde_json::Value::as_str).is_some_and(|s| self.is_final(s))
    }

    /// Whether this kind runs once and stops (a job) rather than living on:
    /// once stopped it stays stopped (a notebook instance can be started again).
    pub fn is_job(&self) -> bool {
        self.statuses.stopped.is_some_and(|s| self.is_final(s))
    }

    /// The status field's path in the resource (`status.trainingJobStatus`).
    pub fn status_path(&self) -> Option<String> {
        self.statuses.field.map(|f| format!("status.{f}"))
    }

    /// The AWS identity a spec names, for messages and for telling two
    /// resources' claims apart: the identifier values, joined by spaces.
    pub fn aws_id(&self, spec: &serde_json::Value) -> String {
        let parts: Vec<&str> = self
            .identifiers
            .iter()
            .filter_map(|f| spec.get(*f).and_then(serde_json::Value::as_str))
            .filter(|v| !v.is_empty())
            .collect();
        match (parts.is_empty(), self.assigned) {
            // nothing assigned yet: the name people gave it
            (true, Some(a)) => spec.get(a.label).and_then(serde_json::Value::as_str).unwrap_or_default().to_string(),
            _ => parts.join(" "),
        }
    }

    /// The spec the agent acts on: a job's omitted name is its
    /// `metadata.name` ([`KindInfo::name_defaults`]), and an identifier AWS
    /// assigned is read back from the recorded ARN.
    pub fn effective_spec(&self, res: &crate::Resource) -> serde_json::Value {
        let mut spec = res.spec.clone();
        let Some(obj) = spec.as_object_mut() else { return spec };
        if let (true, [name]) = (self.name_defaults, self.identifiers)
            && obj.get(*name).is_none_or(|v| v.as_str().is_none_or(str::is_empty))
            && !res.metadata.name.is_empty()
        {
            obj.insert((*name).to_string(), serde_json::Value::String(res.metadata.name.clone()));
        }
        if let Some(a) = self.assigned
            && obj.get(a.field).is_none()
            && let Some(arn) = res.status.pointer("/ackResourceMetadata/arn").and_then(serde_json::Value::as_str)
        {
            obj.insert(a.field.to_string(), serde_json::Value::String(a.id_in(arn).to_string()));
        }
        spec
    }

    /// Whether a spec names its AWS resource completely (an assigned
    /// identifier is known only once AWS answered the create).
    pub fn identified(&self, spec: &serde_json::Value) -> bool {
        match self.assigned {
            Some(a) => spec.get(a.field).is_some_and(|v| !v.is_null()),
            None => true,
        }
    }

    /// The identifier fields, for messages: `trainingJobName`, or
    /// `serviceNamespace, resourceID and scalableDimension`.
    pub fn identifier_names(&self) -> String {
        match self.identifiers {
            [one] => (*one).to_string(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
            [] => String::new(),
        }
    }
}

const fn col(name: &'static str, path: &'static str, wide: bool) -> PrinterColumn {
    PrinterColumn { name, path, wide }
}

/// Group of the SageMaker kinds.
pub const SAGEMAKER_GROUP: &str = "sagemaker.services.k8s.aws";

const NO_STATUS: Statuses =
    Statuses { field: None, modifying: &[], final_: &[], success: &[], terminal: &[], stoppable: &[], stopped: None };

/// TrainingJob, as ACK defines it (`ack-controllers-behavior.md` §2.1).
pub const TRAINING_JOB: KindInfo = KindInfo {
    group: SAGEMAKER_GROUP,
    version: "v1alpha1",
    kind: "TrainingJob",
    plural: "trainingjobs",
    singular: "trainingjob",
    short_names: &["tj"],
    identifiers: &["trainingJobName"],
    required_fields: &[
        "trainingJobName",
        "roleARN",
        "algorithmSpecification",
        "outputDataConfig",
        "resourceConfig",
        "stoppingCondition",
    ],
    statuses: Statuses {
        field: Some("trainingJobStatus"),
        modifying: &["InProgress", "Stopping"],
        final_: &["Completed", "Failed", "Stopped"],
        success: &["Completed"],
        terminal: &[],
        stoppable: &["InProgress"],
        stopped: Some("Stopped"),
    },
    failure_field: Some("failureReason"),
    progress_field: Some("secondaryStatus"),
    printer_columns: &[
        col("STATUS", "status.trainingJobStatus", false),
        col("SECONDARY-STATUS", "status.secondaryStatus", false),
        col("FAILURE-REASON", "status.failureReason", true),
    ],
    describe_fields: &[
        ("Secondary Status", "status.secondaryStatus"),
        ("Model Artifacts", "status.modelArtifacts.s3ModelArtifacts"),
    ],
    depends_on: &[],
    cluster_scoped: false,
    assigned: None,
    name_defaults: true,
};

/// Model (§2.5): exists or not, immutable.
pub const MODEL: KindInfo = KindInfo {
    group: SAGEMAKER_GROUP,
    version: "v1alpha1",
    kind: "Model",
    plural: "models",
    singular: "model",
    short_names: &[],
    identifiers: &["modelName"],
    required_fields: &["modelName"],
    statuses: NO_STATUS,
    failure_field: None,
    progress_field: None,
    printer_columns: &[],
    describe_fields: &[("Image", "spec.primaryContainer.image"), ("Model Data", "spec.primaryContainer.modelDataURL")],
    depends_on: &[],
    cluster_scoped: false,
    assigned: None,
    name_defaults: false,
};

/// EndpointConfig (§2.6): immutable; names the models it serves.
pub const ENDPOINT_CONFIG: KindInfo = KindInfo {
    group: SAGEMAKER_GROUP,
    version: "v1alpha1",
    kind: "EndpointConfig",
    plural: "endpointconfigs",
    singular: "endpointconfig",
    short_names: &["epc"],
    identifiers: &["endpointConfigName"],
    required_fields: &["endpointConfigName", "productionVariants"],
    statuses: NO_STATUS,
    failure_field: None,
    progress_field: None,
    printer_columns: &[],
    describe_fields: &[],
    depends_on: &[Dependency { kind: &MODEL, fields: &[("modelName", "productionVariants[].modelName")], cascade: false }],
    cluster_scoped: false,
    assigned: None,
    name_defaults: false,
};

/// Endpoint (§2.7): long-lived, updated by pointing it at another config.
pub const ENDPOINT: KindInfo = KindInfo {
    group: SAGEMAKER_GROUP,
    version: "v1alpha1",
    kind: "Endpoint",
    plural: "endpoints",
    singular: "endpoint",
    short_names: &["ep"],
    identifiers: &["endpointName"],
    required_fields: &["endpointName", "endpointConfigName"],
    statuses: Statuses {
        field: Some("endpointStatus"),
        modifying: &["Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting"],
        final_: &["Failed"],
        success: &["InService"],
        terminal: &["Failed"],
        stoppable: &[],
        stopped: None,
    },
    failure_field: Some("failureReason"),
    progress_field: None,
    printer_columns: &[
        col("STATUS", "status.endpointStatus", false),
        col("FAILURE-REASON", "status.failureReason", true),
    ],
    describe_fields: &[
        ("Endpoint Config", "spec.endpointConfigName"),
        ("Last Modified", "status.lastModifiedTime"),
    ],
    depends_on: &[Dependency { kind: &ENDPOINT_CONFIG, fields: &[("endpointConfigName", "endpointConfigName")], cascade: false }],
    cluster_scoped: false,
    assigned: None,
    name_defaults: false,
};

/// Group of the Application Auto Scaling kinds.
pub const AUTOSCALING_GROUP: &str = "applicationautoscaling.services.k8s.aws";

/// ScalableTarget (§3.1): what may scale, between which bounds.
pub const SCALABLE_TARGET: KindInfo = KindInfo {
    group: AUTOSCALING_GROUP,
    version: "v1alpha1",
    kind: "ScalableTarget",
    plural: "scalabletargets",
    singular: "scalabletarget",
    short_names: &[],
    identifiers: &["serviceNamespace", "resourceID", "scalableDimension"],
    required_fields: &["resourceID", "scalableDimension", "serviceNamespace"],
    statuses: NO_STATUS,
    failure_field: None,
    progress_field: None,
    printer_columns: &[],
    describe_fields: &[
        ("Resource", "spec.resourceID"),
        ("Dimension", "spec.scalableDimension"),
        ("Min Capacity", "spec.minCapacity"),
        ("Max Capacity", "spec.maxCapacity"),
    ],
    depends_on: &[],
    cluster_scoped: false,
    assigned: None,
    name_defaults: false,
};

/// ScalingPolicy (§3.2): how a scalable target scales.
pub const SCALING_POLICY: KindInfo = KindInfo {
    group: AUTOSCALING_GROUP,
    version: "v1alpha1",
    kind: "ScalingPolicy",
    plural: "scalingpolicies",
    singular: "scalingpolicy",
    short_names: &[],
    identifiers: &["policyName", "serviceNamespace", "resourceID", "scalableDimension"],
    required_fields: &["policyName", "resourceID", "scalableDimension", "serviceNamespace"],
    statuses: NO_STATUS,
    failure_field: None,
    progress_field: None,
    printer_columns: &[],
    describe_fields: &[
        ("Resource", "spec.resourceID"),
        ("Policy Type", "spec.policyType"),
        ("Target Value", "spec.targetTrackingScalingPolicyConfiguration.targetValue"),
    ],
    depends_on: &[Dependency {
        kind: &SCALABLE_TARGET,
        fields: &[
            ("serviceNamespace", "serviceNamespace"),
            ("resourceID", "resourceID"),
            ("scalableDimension", "scalableDimension"),
        ],
        cascade: true,
    }],
    cluster_scoped: false,
    assigned: None,
    name_defaults: false,
};

/// Group of ACK's own kinds (not of any AWS service).
pub const ACK_GROUP: &str = "services.k8s.aws";

/// AdoptedResource (ACK's original adoption kind, removed from ACK and kept
/// here for AWS's own migration guide): names an AWS resource and the
/// custom resource to adopt it as. Not an AWS kind: it is not in [`KINDS`].
pub const ADOPTED_RESOURCE: KindInfo = KindInfo {
    group: ACK_GROUP,
    version: "v1alpha1",
    kind: "AdoptedResource",
    plural: "adoptedresources",
    singular: "adoptedresource",
    short_names: &[],
    identifiers: &[],
    required_fields: &["aws", "kubernetes"],
    statuses: NO_STATUS,
    failure_field: None,
    progress_field: None,
    printer_columns: &[],
    describe_fields: &[],
    depends_on: &[],
    cluster_scoped: false,
    assigned: None,
    name_defaults: false,
};

/// What the SageMaker kinds below share; each states only what differs.
const SAGEMAKER_KIND: KindInfo = KindInfo {
    group: SAGEMAKER_GROUP,
    version: "v1alpha1",
    kind: "",
    plural: "",
    singular: "",
    short_names: &[],
    identifiers: &[],
    required_fields: &[],
    statuses: NO_STATUS,
    failure_field: None,
    progress_field: None,
    printer_columns: &[],
    describe_fields: &[],
    depends_on: &[],
    cluster_scoped: false,
    assigned: None,
    name_defaults: false,
};

/// A job's statuses (`<x>Status`: InProgress, Stopping; Completed, Failed, Stopped).
const fn job_statuses(field: &'static str) -> Statuses {
    Statuses {
        field: Some(field),
        modifying: &["InProgress", "Stopping"],
        final_: &["Completed", "Failed", "Stopped"],
        success: &["Completed"],
        terminal: &[],
        stoppable: &["InProgress"],
        stopped: Some("Stopped"),
    }
}

/// Studio's statuses (Domain, UserProfile, Space, App).
const STUDIO_STATUSES: Statuses = Statuses {
    field: Some("status"),
    modifying: &["Pending", "Updating", "Deleting"],
    final_: &["Failed"],
    success: &["InService"],
    // a failed update or delete needs a change too (and is looked at again)
    terminal: &["Failed", "Update_Failed", "Delete_Failed"],
    stoppable: &[],
    stopped: None,
};

const STATUS_COLUMNS: &[PrinterColumn] =
    &[col("STATUS", "status.status", false), col("FAILURE-REASON", "status.failureReason", true)];

/// HyperParameterTuningJob (§2.2): its counters and best training job show
/// in status, its training jobs in `describe`.
pub const HYPER_PARAMETER_TUNING_JOB: KindInfo = KindInfo {
    kind: "HyperParameterTuningJob",
    plural: "hyperparametertuningjobs",
    singular: "hyperparametertuningjob",
    short_names: &["hpo", "hptj"],
    identifiers: &["hyperParameterTuningJobName"],
    required_fields: &["hyperParameterTuningJobName", "hyperParameterTuningJobConfig"],
    statuses: job_statuses("hyperParameterTuningJobStatus"),
    failure_field: Some("failureReason"),
    printer_columns: &[
        col("STATUS", "status.hyperParameterTuningJobStatus", false),
        col("COMPLETED", "status.trainingJobStatusCounters.completed", false),
        col("BEST", "status.bestTrainingJob.trainingJobName", true),
        col("FAILURE-REASON", "status.failureReason", true),
    ],
    describe_fields: &[
        ("Training Jobs Completed", "status.trainingJobStatusCounters.completed"),
        ("Training Jobs In Progress", "status.trainingJobStatusCounters.inProgress"),
        ("Best Training Job", "status.bestTrainingJob.trainingJobName"),
        ("Best Objective", "status.bestTrainingJob.finalHyperParameterTuningJobObjectiveMetric.value"),
    ],
    name_defaults: true,
    ..SAGEMAKER_KIND
};

/// TransformJob (§2.3): a batch transform with a Model.
pub const TRANSFORM_JOB: KindInfo = KindInfo {
    kind: "TransformJob",
    plural: "transformjobs",
    singular: "transformjob",
    short_names: &["tfj"],
    identifiers: &["transformJobName"],
    required_fields: &["transformJobName", "modelName", "transformInput", "transformOutput", "transformResources"],
    statuses: job_statuses("transformJobStatus"),
    failure_field: Some("failureReason"),
    printer_columns: &[col("STATUS", "status.transformJobStatus", false), col("FAILURE-REASON", "status.failureReason", true)],
    describe_fields: &[("Model", "spec.modelName"), ("Output", "spec.transformOutput.s3OutputPath")],
    depends_on: &[Dependency { kind: &MODEL, fields: &[("modelName", "modelName")], cascade: false }],
    name_defaults: true,
    ..SAGEMAKER_KIND
};

/// ProcessingJob (§2.4).
pub const PROCESSING_JOB: KindInfo = KindInfo {
    kind: "ProcessingJob",
    plural: "processingjobs",
    singular: "processingjob",
    short_names: &["pj"],
    identifiers: &["processingJobName"],
    required_fields: &["processingJobName", "roleARN", "appSpecification", "processingResources"],
    statuses: job_statuses("processingJobStatus"),
    failure_field: Some("failureReason"),
    printer_columns: &[col("STATUS", "status.processingJobStatus", false), col("FAILURE-REASON", "status.failureReason", true)],
    describe_fields: &[("Image", "spec.appSpecification.imageURI")],
    name_defaults: true,
    ..SAGEMAKER_KIND
};

/// The four model-monitor job definitions (§2.8): immutable, no status.
macro_rules! job_definition {
    ($name:ident, $kind:literal, $plural:literal, $singular:literal, $short:literal, $x:literal) => {
        pub const $name: KindInfo = KindInfo {
            kind: $kind,
            plural: $plural,
            singular: $singular,
            short_names: &[$short],
            identifiers: &["jobDefinitionName"],
            required_fields: &[
                "jobDefinitionName",
                "roleARN",
                "jobResources",
                concat!($x, "AppSpecification"),
                concat!($x, "JobInput"),
                concat!($x, "JobOutputConfig"),
            ],
            describe_fields: &[("Endpoint", concat!("spec.", $x, "JobInput.endpointInput.endpointName"))],
            ..SAGEMAKER_KIND
        };
    };
}
job_definition!(DATA_QUALITY_JOB_DEFINITION, "DataQualityJobDefinition", "dataqualityjobdefinitions", "dataqualityjobdefinition", "dqjd", "dataQuality");
job_definition!(MODEL_BIAS_JOB_DEFINITION, "ModelBiasJobDefinition", "modelbiasjobdefinitions", "modelbiasjobdefinition", "mbjd", "modelBias");
job_definition!(
    MODEL_EXPLAINABILITY_JOB_DEFINITION,
    "ModelExplainabilityJobDefinition",
    "modelexplainabilityjobdefinitions",
    "modelexplainabilityjobdefinition",
    "mejd",
    "modelExplainability"
);
job_definition!(MODEL_QUALITY_JOB_DEFINITION, "ModelQualityJobDefinition", "modelqualityjobdefinitions", "modelqualityjobdefinition", "mqjd", "modelQuality");

/// MonitoringSchedule (§2.9): updated in place, never while an execution runs.
pub const MONITORING_SCHEDULE: KindInfo = KindInfo {
    kind: "MonitoringSchedule",
    plural: "monitoringschedules",
    singular: "monitoringschedule",
    short_names: &["ms"],
    identifiers: &["monitoringScheduleName"],
    required_fields: &["monitoringScheduleName", "monitoringScheduleConfig"],
    statuses: Statuses {
        field: Some("monitoringScheduleStatus"),
        modifying: &["Pending"],
        final_: &["Failed"],
        success: &["Scheduled"],
        terminal: &["Failed"],
        stoppable: &[],
        stopped: None,
    },
    failure_field: Some("failureReason"),
    progress_field: Some("lastMonitoringExecutionSummary.monitoringExecutionStatus"),
    printer_columns: &[
        col("STATUS", "status.monitoringScheduleStatus", false),
        col("LAST-EXECUTION", "status.lastMonitoringExecutionSummary.monitoringExecutionStatus", false),
        col("FAILURE-REASON", "status.failureReason", true),
    ],
    describe_fields: &[
        ("Schedule", "spec.monitoringScheduleConfig.scheduleConfig.scheduleExpression"),
        ("Job Definition", "spec.monitoringScheduleConfig.monitoringJobDefinitionName"),
        ("Last Execution", "status.lastMonitoringExecutionSummary.monitoringExecutionStatus"),
    ],
    ..SAGEMAKER_KIND
};

/// Domain: its id is AWS's (`d-...`), kept in status as ACK does.
pub const DOMAIN: KindInfo = KindInfo {
    kind: "Domain",
    plural: "domains",
    singular: "domain",
    short_names: &["smdomain"],
    identifiers: &["domainID"],
    required_fields: &["domainName", "authMode", "defaultUserSettings"],
    statuses: STUDIO_STATUSES,
    failure_field: Some("failureReason"),
    printer_columns: &[col("DOMAIN-ID", "status.domainID", false), col("STATUS", "status.status", false)],
    describe_fields: &[("Domain ID", "status.domainID"), ("URL", "status.url")],
    assigned: Some(Assigned { field: "domainID", last_segment: true, label: "domainName" }),
    ..SAGEMAKER_KIND
};

/// UserProfile: a person's settings in a Domain.
pub const USER_PROFILE: KindInfo = KindInfo {
    kind: "UserProfile",
    plural: "userprofiles",
    singular: "userprofile",
    short_names: &["up"],
    identifiers: &["domainID", "userProfileName"],
    required_fields: &["domainID", "userProfileName"],
    statuses: STUDIO_STATUSES,
    failure_field: Some("failureReason"),
    printer_columns: STATUS_COLUMNS,
    describe_fields: &[("Domain", "spec.domainID")],
    depends_on: &[Dependency { kind: &DOMAIN, fields: &[("domainID", "domainID")], cascade: false }],
    ..SAGEMAKER_KIND
};

/// Space: a shared or private workspace in a Domain.
pub const SPACE: KindInfo = KindInfo {
    kind: "Space",
    plural: "spaces",
    singular: "space",
    short_names: &["smspace"],
    identifiers: &["domainID", "spaceName"],
    required_fields: &["domainID", "spaceName"],
    statuses: STUDIO_STATUSES,
    failure_field: Some("failureReason"),
    printer_columns: STATUS_COLUMNS,
    describe_fields: &[("Domain", "spec.domainID"), ("URL", "status.url")],
    depends_on: &[Dependency { kind: &DOMAIN, fields: &[("domainID", "domainID")], cascade: false }],
    ..SAGEMAKER_KIND
};

/// App: an application of a user profile or space; deleted apps stay
/// listed as `Deleted`.
pub const APP: KindInfo = KindInfo {
    kind: "App",
    plural: "apps",
    singular: "app",
    short_names: &["smapp"],
    identifiers: &["domainID", "userProfileName", "spaceName", "appType", "appName"],
    required_fields: &["domainID", "appType", "appName"],
    statuses: Statuses {
        field: Some("status"),
        modifying: &["Pending", "Deleting"],
        final_: &["Failed"],
        success: &["InService"],
        terminal: &["Failed"],
        stoppable: &[],
        stopped: None,
    },
    failure_field: Some("failureReason"),
    printer_columns: STATUS_COLUMNS,
    depends_on: &[
        Dependency { kind: &DOMAIN, fields: &[("domainID", "domainID")], cascade: false },
        Dependency { kind: &USER_PROFILE, fields: &[("domainID", "domainID"), ("userProfileName", "userProfileName")], cascade: false },
        Dependency { kind: &SPACE, fields: &[("domainID", "domainID"), ("spaceName", "spaceName")], cascade: false },
    ],
    ..SAGEMAKER_KIND
};

/// FeatureGroup: a Feature Store table.
pub const FEATURE_GROUP: KindInfo = KindInfo {
    kind: "FeatureGroup",
    plural: "featuregroups",
    singular: "featuregroup",
    short_names: &["fg"],
    identifiers: &["featureGroupName"],
    required_fields: &["featureGroupName", "recordIdentifierFeatureName", "eventTimeFeatureName", "featureDefinitions"],
    statuses: Statuses {
        field: Some("featureGroupStatus"),
        modifying: &["Creating", "Deleting"],
        final_: &["CreateFailed"],
        success: &["Created"],
        terminal: &["CreateFailed"],
        stoppable: &[],
        stopped: None,
    },
    failure_field: Some("failureReason"),
    printer_columns: &[col("STATUS", "status.featureGroupStatus", false), col("FAILURE-REASON", "status.failureReason", true)],
    describe_fields: &[("Record Identifier", "spec.recordIdentifierFeatureName"), ("Event Time", "spec.eventTimeFeatureName")],
    ..SAGEMAKER_KIND
};

/// InferenceComponent: a model's share of an endpoint's instances.
pub const INFERENCE_COMPONENT: KindInfo = KindInfo {
    kind: "InferenceComponent",
    plural: "inferencecomponents",
    singular: "inferencecomponent",
    short_names: &["ic"],
    identifiers: &["inferenceComponentName"],
    required_fields: &["inferenceComponentName", "endpointName", "specification"],
    statuses: Statuses {
        field: Some("inferenceComponentStatus"),
        modifying: &["Creating", "Updating", "Deleting"],
        final_: &["Failed"],
        success: &["InService"],
        terminal: &["Failed"],
        stoppable: &[],
        stopped: None,
    },
    failure_field: Some("failureReason"),
    printer_columns: &[col("STATUS", "status.inferenceComponentStatus", false), col("FAILURE-REASON", "status.failureReason", true)],
    describe_fields: &[("Endpoint", "spec.endpointName"), ("Copies", "status.runtimeConfig.currentCopyCount")],
    depends_on: &[Dependency { kind: &ENDPOINT, fields: &[("endpointName", "endpointName")], cascade: false }],
    ..SAGEMAKER_KIND
};

/// LabelingJob: Ground Truth; `Initializing` is polled like any change.
pub const LABELING_JOB: KindInfo = KindInfo {
    kind: "LabelingJob",
    plural: "labelingjobs",
    singular: "labelingjob",
    short_names: &["lj"],
    identifiers: &["labelingJobName"],
    required_fields: &["labelingJobName", "labelAttributeName", "inputConfig", "outputConfig", "roleARN", "humanTaskConfig"],
    statuses: Statuses { modifying: &["Initializing", "InProgress", "Stopping"], ..job_statuses("labelingJobStatus") },
    failure_field: Some("failureReason"),
    printer_columns: &[
        col("STATUS", "status.labelingJobStatus", false),
        col("LABELED", "status.labelCounters.totalLabeled", false),
        col("FAILURE-REASON", "status.failureReason", true),
    ],
    describe_fields: &[("Labeled", "status.labelCounters.totalLabeled"), ("Output", "status.labelingJobOutput.outputDatasetS3URI")],
    name_defaults: true,
    ..SAGEMAKER_KIND
};

/// ModelPackageGroup: versions of a model in the registry.
pub const MODEL_PACKAGE_GROUP: KindInfo = KindInfo {
    kind: "ModelPackageGroup",
    plural: "modelpackagegroups",
    singular: "modelpackagegroup",
    short_names: &["mpg"],
    identifiers: &["modelPackageGroupName"],
    required_fields: &["modelPackageGroupName"],
    statuses: Statuses {
        field: Some("modelPackageGroupStatus"),
        modifying: &["Pending", "InProgress", "Deleting"],
        final_: &["Failed"],
        success: &["Completed"],
        terminal: &["Failed"],
        stoppable: &[],
        stopped: None,
    },
    printer_columns: &[col("STATUS", "status.modelPackageGroupStatus", false)],
    ..SAGEMAKER_KIND
};

/// ModelPackage: unversioned (by `modelPackageName`) or a version in a
/// group, which AWS names by its ARN.
pub const MODEL_PACKAGE: KindInfo = KindInfo {
    kind: "ModelPackage",
    plural: "modelpackages",
    singular: "modelpackage",
    short_names: &["mp"],
    identifiers: &["modelPackageName"],
    statuses: Statuses {
        field: Some("modelPackageStatus"),
        modifying: &["Pending", "InProgress", "Deleting"],
        final_: &["Failed"],
        success: &["Completed"],
        terminal: &["Failed"],
        stoppable: &[],
        stopped: None,
    },
    printer_columns: &[
        col("STATUS", "status.modelPackageStatus", false),
        col("APPROVAL", "spec.modelApprovalStatus", false),
    ],
    describe_fields: &[("Group", "spec.modelPackageGroupName"), ("Approval", "spec.modelApprovalStatus")],
    depends_on: &[Dependency {
        kind: &MODEL_PACKAGE_GROUP,
        fields: &[("modelPackageGroupName", "modelPackageGroupName")],
        cascade: false,
    }],
    assigned: Some(Assigned { field: "modelPackageName", last_segment: false, label: "modelPackageGroupName" }),
    ..SAGEMAKER_KIND
};

/// NotebookInstance: updated by stopping, updating and starting it again.
pub const NOTEBOOK_INSTANCE: KindInfo = KindInfo {
    kind: "NotebookInstance",
    plural: "notebookinstances",
    singular: "notebookinstance",
    short_names: &["nbi"],
    identifiers: &["notebookInstanceName"],
    required_fields: &["notebookInstanceName", "instanceType", "roleARN"],
    statuses: Statuses {
        field: Some("notebookInstanceStatus"),
        modifying: &["Pending", "Stopping", "Updating", "Deleting"],
        final_: &["Failed"],
        success: &["InService"],
        terminal: &["Failed"],
        stoppable: &["InService"],
        stopped: Some("Stopped"),
    },
    failure_field: Some("failureReason"),
    printer_columns: &[col("STATUS", "status.notebookInstanceStatus", false), col("FAILURE-REASON", "status.failureReason", true)],
    describe_fields: &[("Instance Type", "spec.instanceType"), ("URL", "status.url")],
    depends_on: &[Dependency {
        kind: &NOTEBOOK_INSTANCE_LIFECYCLE_CONFIG,
        fields: &[("notebookInstanceLifecycleConfigName", "lifecycleConfigName")],
        cascade: false,
    }],
    ..SAGEMAKER_KIND
};

/// NotebookInstanceLifecycleConfig: scripts, updated in place.
pub const NOTEBOOK_INSTANCE_LIFECYCLE_CONFIG: KindInfo = KindInfo {
    kind: "NotebookInstanceLifecycleConfig",
    plural: "notebookinstancelifecycleconfigs",
    singular: "notebookinstancelifecycleconfig",
    short_names: &["nbilc"],
    identifiers: &["notebookInstanceLifecycleConfigName"],
    required_fields: &["notebookInstanceLifecycleConfigName"],
    printer_columns: &[col("CREATION-TIME", "status.creationTime", false), col("LAST-MODIFIED-TIME", "status.lastModifiedTime", false)],
    ..SAGEMAKER_KIND
};

/// Pipeline: its definition is a JSON document in a string.
pub const PIPELINE: KindInfo = KindInfo {
    kind: "Pipeline",
    plural: "pipelines",
    singular: "pipeline",
    short_names: &["smpipeline"],
    identifiers: &["pipelineName"],
    required_fields: &["pipelineName", "roleARN"],
    statuses: Statuses {
        field: Some("pipelineStatus"),
        modifying: &["Deleting"],
        final_: &[],
        success: &["Active"],
        terminal: &[],
        stoppable: &[],
        stopped: None,
    },
    printer_columns: &[col("STATUS", "status.pipelineStatus", false)],
    describe_fields: &[("Display Name", "spec.pipelineDisplayName")],
    ..SAGEMAKER_KIND
};

/// PipelineExecution: a run of a Pipeline, named by the ARN AWS gives it.
pub const PIPELINE_EXECUTION: KindInfo = KindInfo {
    kind: "PipelineExecution",
    plural: "pipelineexecutions",
    singular: "pipelineexecution",
    short_names: &["pe"],
    identifiers: &["pipelineExecutionARN"],
    required_fields: &["pipelineName"],
    statuses: Statuses {
        field: Some("pipelineExecutionStatus"),
        modifying: &["Executing", "Stopping"],
        final_: &["Succeeded", "Failed", "Stopped"],
        success: &["Succeeded"],
        terminal: &[],
        stoppable: &["Executing"],
        stopped: Some("Stopped"),
    },
    failure_field: Some("failureReason"),
    printer_columns: &[col("STATUS", "status.pipelineExecutionStatus", false), col("FAILURE-REASON", "status.failureReason", true)],
    describe_fields: &[("Pipeline", "spec.pipelineName")],
    depends_on: &[Dependency { kind: &PIPELINE, fields: &[("pipelineName", "pipelineName")], cascade: false }],
    assigned: Some(Assigned { field: "pipelineExecutionARN", last_segment: false, label: "pipelineName" }),
    ..SAGEMAKER_KIND
};

/// Project: an MLOps template provisioned through Service Catalog.
pub const PROJECT: KindInfo = KindInfo {
    kind: "Project",
    plural: "projects",
    singular: "project",
    short_names: &["smproject"],
    identifiers: &["projectName"],
    required_fields: &["projectName"],
    statuses: Statuses {
        field: Some("projectStatus"),
        modifying: &["Pending", "CreateInProgress", "UpdateInProgress", "DeleteInProgress"],
        final_: &["CreateFailed"],
        success: &["CreateCompleted", "UpdateCompleted"],
        terminal: &["CreateFailed", "UpdateFailed", "DeleteFailed"],
        stoppable: &[],
        stopped: None,
    },
    printer_columns: &[col("STATUS", "status.projectStatus", false)],
    describe_fields: &[("Project ID", "status.projectID")],
    ..SAGEMAKER_KIND
};

/// Every kind this build serves, in the order `get all` lists them.
pub const KINDS: &[&KindInfo] = &[
    &TRAINING_JOB,
    &HYPER_PARAMETER_TUNING_JOB,
    &TRANSFORM_JOB,
    &PROCESSING_JOB,
    &LABELING_JOB,
    &MODEL,
    &ENDPOINT_CONFIG,
    &ENDPOINT,
    &INFERENCE_COMPONENT,
    &DATA_QUALITY_JOB_DEFINITION,
    &MODEL_BIAS_JOB_DEFINITION,
    &MODEL_EXPLAINABILITY_JOB_DEFINITION,
    &MODEL_QUALITY_JOB_DEFINITION,
    &MONITORING_SCHEDULE,
    &MODEL_PACKAGE_GROUP,
    &MODEL_PACKAGE,
    &FEATURE_GROUP,
    &PIPELINE,
    &PIPELINE_EXECUTION,
    &PROJECT,
    &DOMAIN,
    &USER_PROFILE,
    &SPACE,
    &APP,
    &NOTEBOOK_INSTANCE_LIFECYCLE_CONFIG,
    &NOTEBOOK_INSTANCE,
    &SCALABLE_TARGET,
    &SCALING_POLICY,
];

/// Looks a kind up by any of the names [`KindInfo::matches`] accepts.
pub fn find(name: &str) -> Option<&'static KindInfo> {
    KINDS.iter().copied().find(|k| k.matches(name))
}

/// IAMRoleSelector (ACK runtime's newer, cluster-scoped account mapping):
/// the role `spec.arn` acts for the resources its selectors match (by
/// namespace names and labels, resource kinds and resource labels). Here its
/// status also says which resources it selects now, and where two selectors
/// claim one resource.
pub const IAM_ROLE_SELECTOR: KindInfo = KindInfo {
    group: ACK_GROUP,
    version: "v1alpha1",
    kind: "IAMRoleSelector",
    plural: "iamroleselectors",
    singular: "iamroleselector",
    short_names: &[],
    identifiers: &[],
    required_fields: &["arn"],
    statuses: NO_STATUS,
    failure_field: None,
    progress_field: None,
    printer_columns: &[col("ARN", "spec.arn", false), col("SELECTED", "status.selectedCount", false)],
    describe_fields: &[],
    depends_on: &[],
    cluster_scoped: true,
    assigned: None,
    name_defaults: false,
};

/// ACK's own kinds the agent keeps (not AWS kinds).
pub const ACK_KINDS: &[&KindInfo] = &[&ADOPTED_RESOURCE, &IAM_ROLE_SELECTOR];

/// Looks a kind up by `apiVersion` and `kind`, exactly as a manifest states
/// them: the AWS kinds, then ACK's own.
pub fn by_api_version(api_version: &str, kind: &str) -> Option<&'static KindInfo> {
    KINDS
        .iter()
        .chain(ACK_KINDS)
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
    fn a_dependency_names_one_resource_per_list_item() {
        let spec = serde_json::json!({ "productionVariants": [{ "modelName": "a" }, { "modelName": "b" }, {}] });
        let ids = ENDPOINT_CONFIG.depends_on[0].identities(&spec);
        assert_eq!(ids, [serde_json::json!({ "modelName": "a" }), serde_json::json!({ "modelName": "b" })]);
        assert_eq!(find("ep"), Some(&ENDPOINT));
        assert_eq!(find("epc"), Some(&ENDPOINT_CONFIG));
        assert_eq!(find("models.sagemaker"), Some(&MODEL));
        assert_eq!(find("scalingpolicies.applicationautoscaling.services.k8s.aws"), Some(&SCALING_POLICY));
        let policy = serde_json::json!({ "policyName": "p", "serviceNamespace": "sagemaker",
            "resourceID": "endpoint/e/variant/AllTraffic", "scalableDimension": "sagemaker:variant:DesiredInstanceCount" });
        assert_eq!(
            SCALING_POLICY.depends_on[0].identities(&policy),
            [serde_json::json!({ "serviceNamespace": "sagemaker", "resourceID": "endpoint/e/variant/AllTraffic",
                "scalableDimension": "sagemaker:variant:DesiredInstanceCount" })]
        );
    }

    #[test]
    fn a_name_qualified_by_another_group_is_not_a_match() {
        assert_eq!(find("trainingjobs.sagemaker.aws.amazon.com"), None);
        assert_eq!(find("endpoints.applicationautoscaling.services.k8s.aws"), None);
    }
}
