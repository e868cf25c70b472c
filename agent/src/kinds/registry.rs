//! The model registry (package groups and packages), Feature Store's
//! feature groups, and MLOps projects.

use sagemaker_core::kinds;
use serde_json::{Value, json};

use super::*;

pub static MODEL_PACKAGE_GROUP: AwsKind = AwsKind {
    info: &kinds::MODEL_PACKAGE_GROUP,
    service: &SAGEMAKER,
    create: sagemaker_op!(CreateModelPackageGroup, create_model_package_group),
    describe: sagemaker_op!(DescribeModelPackageGroup, describe_model_package_group),
    describe_list: None,
    update: None,
    delete: Some(sagemaker_op!(DeleteModelPackageGroup, delete_model_package_group)),
    stop: None,
    list: Some(List {
        op: sagemaker_op!(ListModelPackageGroups, list_model_package_groups),
        items: "modelPackageGroupSummaryList",
        input: || json!({}),
        name_contains: Some("nameContains"),
        renamed: &[],
    }),
    arn_field: "modelPackageGroupARN",
    status_fields: &["modelPackageGroupStatus", "creationTime"],
    last_modified: None,
    not_found: NotFound { code: "ValidationException", message: "ModelPackageGroup {name} does not exist." },
    already_exists: Some(AlreadyExists { code: "ValidationException", message: "Model Package Group already exists: {arn}" }),
    terminal_codes: HOSTING_TERMINAL_CODES,
    tags_field: Some("tags"),
    resync: STEADY,
    logs: None,
    children: None,
    find: None,
    client_token: None,
    gone: &[],
    hooks: NO_HOOKS,
    sim: SimLifecycle {
        creating: &[("Pending", ""), ("InProgress", "")],
        settled: ("Completed", ""),
        failed: ("Failed", ""),
        deleting: Some("Deleting"),
        ..SimLifecycle::exists("arn:aws:sagemaker:{region}:{account}:model-package-group/{name}")
    },
};

pub static MODEL_PACKAGE: AwsKind = AwsKind {
    info: &kinds::MODEL_PACKAGE,
    service: &SAGEMAKER,
    create: sagemaker_op!(CreateModelPackage, create_model_package),
    describe: sagemaker_op!(DescribeModelPackage, describe_model_package),
    describe_list: None,
    // the only edits AWS takes; ACK silently drops the others, here apply refuses them
    update: Some(Update {
        op: sagemaker_op!(UpdateModelPackage, update_model_package),
        fields: &["modelApprovalStatus", "approvalDescription", "customerMetadataProperties"],
        compare: &["modelApprovalStatus", "approvalDescription", "customerMetadataProperties"],
        allowed_in: None,
        restart: None,
        cleared: &[],
    }),
    delete: Some(sagemaker_op!(DeleteModelPackage, delete_model_package)),
    stop: None,
    list: None,
    arn_field: "modelPackageARN",
    status_fields: &["modelPackageStatus", "modelPackageStatusDetails", "modelPackageVersion", "creationTime", "lastModifiedTime"],
    last_modified: None,
    not_found: NotFound { code: "ValidationException", message: "Model package {name} does not exist." },
    already_exists: Some(AlreadyExists { code: "ConflictException", message: "Model Package {name} already exists." }),
    terminal_codes: &["InvalidParameterCombination", "InvalidParameterValue", "MissingParameter", "ConflictException"],
    tags_field: Some("tags"),
    resync: STEADY,
    logs: None,
    children: None,
    // a version's ARN is AWS's: a lost status is found among the group's
    // versions by owner tag, and the create carries a client token
    find: Some(Find {
        op: sagemaker_op!(ListModelPackages, list_model_packages),
        input: |spec| json!({ "modelPackageGroupName": spec["modelPackageGroupName"], "maxResults": 100 }),
        items: "modelPackageSummaryList",
        arn: "modelPackageARN",
        matches: |_, _| true,
        unique: false,
    }),
    client_token: Some("clientToken"),
    gone: &[],
    hooks: Hooks {
        // UpdateModelPackage names the package by ARN
        update_input: |input, observed| {
            if let Some(o) = input.as_object_mut() {
                o.remove("modelPackageName");
                o.insert("modelPackageARN".into(), observed.get("modelPackageARN").cloned().unwrap_or(Value::Null));
            }
        },
        ..NO_HOOKS
    },
    sim: SimLifecycle {
        creating: &[("Pending", ""), ("InProgress", "")],
        settled: ("Completed", ""),
        failed: ("Failed", ""),
        assigned_arn: Some("arn:aws:sagemaker:{region}:{account}:model-package/{modelPackageGroupName}/{seq}"),
        ..SimLifecycle::exists("arn:aws:sagemaker:{region}:{account}:model-package/{name}")
    },
};

pub static FEATURE_GROUP: AwsKind = AwsKind {
    info: &kinds::FEATURE_GROUP,
    service: &SAGEMAKER,
    create: sagemaker_op!(CreateFeatureGroup, create_feature_group),
    describe: sagemaker_op!(DescribeFeatureGroup, describe_feature_group),
    describe_list: None,
    // features are added, never removed or changed; throughput and the
    // online store's TTL change in place
    update: Some(Update {
        op: sagemaker_op!(UpdateFeatureGroup, update_feature_group),
        fields: &["featureDefinitions", "throughputConfig", "onlineStoreConfig.ttlDuration"],
        compare: &["featureDefinitions", "throughputConfig", "onlineStoreConfig.ttlDuration"],
        allowed_in: None,
        restart: None,
        cleared: &[],
    }),
    delete: Some(sagemaker_op!(DeleteFeatureGroup, delete_feature_group)),
    stop: None,
    list: Some(List {
        op: sagemaker_op!(ListFeatureGroups, list_feature_groups),
        items: "featureGroupSummaries",
        input: || json!({}),
        name_contains: Some("nameContains"),
        renamed: &[],
    }),
    arn_field: "featureGroupARN",
    status_fields: &["featureGroupStatus", "failureReason", "creationTime", "lastModifiedTime", "offlineStoreStatus", "lastUpdateStatus"],
    last_modified: None,
    not_found: NotFound {
        code: "ResourceNotFound",
        message: "Resource Not Found: Amazon SageMaker can't find a FeatureGroup with name {name}",
    },
    already_exists: Some(AlreadyExists {
        code: "ResourceInUse",
        message: "Resource Already Exists: FeatureGroup with name {name} already exists. Choose a different name.",
    }),
    terminal_codes: JOB_TERMINAL_CODES,
    tags_field: Some("tags"),
    resync: STEADY,
    logs: None,
    children: None,
    find: None,
    client_token: None,
    gone: &[],
    hooks: Hooks { update_input: feature_additions, before_update: features_only_added, ..NO_HOOKS },
    sim: SimLifecycle {
        creating: &[("Creating", "")],
        settled: ("Created", ""),
        failed: ("CreateFailed", ""),
        deleting: Some("Deleting"),
        ..SimLifecycle::exists("arn:aws:sagemaker:{region}:{account}:feature-group/{name}")
    },
};

/// UpdateFeatureGroup takes the features to add, not the whole list.
fn feature_additions(input: &mut Value, observed: &Value) {
    let Some(o) = input.as_object_mut() else { return };
    let Some(Value::Array(wanted)) = o.remove("featureDefinitions") else { return };
    let have = observed.get("featureDefinitions").and_then(Value::as_array).cloned().unwrap_or_default();
    let name = |f: &Value| f.get("featureName").cloned();
    let added: Vec<Value> = wanted.into_iter().filter(|f| !have.iter().any(|h| name(h) == name(f))).collect();
    if !added.is_empty() {
        o.insert("featureAdditions".into(), Value::Array(added));
    }
}

/// A feature cannot be removed or retyped: that needs a new feature group.
fn features_only_added(cx: &UpdateContext<'_>) -> Result<(), Hold> {
    let wanted = cx.resource.spec.get("featureDefinitions").and_then(Value::as_array).cloned().unwrap_or_default();
    for have in cx.observed.get("featureDefinitions").and_then(Value::as_array).into_iter().flatten() {
        let name = have.get("featureName");
        match wanted.iter().find(|w| w.get("featureName") == name) {
            None => {
                return Err(Hold::Terminal(format!(
                    "feature {} cannot be removed from a feature group: restore it, or create a new feature group",
                    name.and_then(Value::as_str).unwrap_or_default()
                )));
            }
            Some(w) if crate::engine::status::differs(w, Some(have)) => {
                return Err(Hold::Terminal(format!(
                    "feature {} cannot be changed once created: restore it, or add a feature of another name",
                    name.and_then(Value::as_str).unwrap_or_default()
                )));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

pub static PROJECT: AwsKind = AwsKind {
    info: &kinds::PROJECT,
    service: &SAGEMAKER,
    create: sagemaker_op!(CreateProject, create_project),
    describe: sagemaker_op!(DescribeProject, describe_project),
    describe_list: None,
    update: Some(Update {
        op: sagemaker_op!(UpdateProject, update_project),
        // the product and path are fixed at create: only the artifact and
        // parameters change (UpdateProject's ServiceCatalogProvisioningUpdateDetails)
        fields: &[
            "projectDescription",
            "serviceCatalogProvisioningDetails.provisioningArtifactID",
            "serviceCatalogProvisioningDetails.provisioningParameters",
        ],
        compare: &[
            "projectDescription",
            "serviceCatalogProvisioningDetails.provisioningArtifactID",
            "serviceCatalogProvisioningDetails.provisioningParameters",
        ],
        allowed_in: None,
        restart: None,
        cleared: &[],
    }),
    delete: Some(sagemaker_op!(DeleteProject, delete_project)),
    stop: None,
    list: Some(List {
        op: sagemaker_op!(ListProjects, list_projects),
        items: "projectSummaryList",
        input: || json!({}),
        name_contains: Some("nameContains"),
        renamed: &[],
    }),
    arn_field: "projectARN",
    status_fields: &["projectID", "projectStatus", "serviceCatalogProvisionedProductDetails", "templateProviderDetails", "creationTime"],
    last_modified: None,
    not_found: NotFound { code: "ValidationException", message: "Project {name} does not exist." },
    already_exists: Some(AlreadyExists { code: "ValidationException", message: "Project with name {name} already exists." }),
    terminal_codes: HOSTING_TERMINAL_CODES,
    tags_field: Some("tags"),
    resync: STEADY,
    logs: None,
    children: None,
    find: None,
    client_token: None,
    gone: &[],
    hooks: Hooks {
        // the update names what it provisions differently from the create
        update_input: |input, _| {
            if let Some(o) = input.as_object_mut()
                && let Some(mut details) = o.remove("serviceCatalogProvisioningDetails")
            {
                if let Some(d) = details.as_object_mut() {
                    d.retain(|k, _| k == "provisioningArtifactID" || k == "provisioningParameters");
                }
                o.insert("serviceCatalogProvisioningUpdateDetails".into(), details);
            }
        },
        ..NO_HOOKS
    },
    sim: SimLifecycle {
        creating: &[("CreateInProgress", "")],
        settled: ("CreateCompleted", ""),
        failed: ("CreateFailed", ""),
        updating: Some(("UpdateInProgress", "UpdateInProgress")),
        deleting: Some("DeleteInProgress"),
        extras: crate::aws::sim::project_extras,
        ..SimLifecycle::exists("arn:aws:sagemaker:{region}:{account}:project/{name}")
    },
};
