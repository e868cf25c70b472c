//! Notebook instances and their lifecycle configs. A notebook instance is
//! updated only while stopped: the engine stops it, updates it and starts
//! it again, and stops it before deleting it.

use sagemaker_core::kinds;
use serde_json::json;

use super::*;

pub static NOTEBOOK_INSTANCE: AwsKind = AwsKind {
    info: &kinds::NOTEBOOK_INSTANCE,
    service: &SAGEMAKER,
    create: sagemaker_op!(CreateNotebookInstance, create_notebook_instance),
    describe: sagemaker_op!(DescribeNotebookInstance, describe_notebook_instance),
    describe_list: None,
    update: Some(Update {
        op: sagemaker_op!(UpdateNotebookInstance, update_notebook_instance),
        fields: &[
            "instanceType",
            "roleARN",
            "lifecycleConfigName",
            "volumeSizeInGB",
            "defaultCodeRepository",
            "additionalCodeRepositories",
            "acceleratorTypes",
            "rootAccess",
        ],
        compare: &[
            "instanceType",
            "roleARN",
            "lifecycleConfigName",
            "volumeSizeInGB",
            "defaultCodeRepository",
            "additionalCodeRepositories",
            "acceleratorTypes",
            "rootAccess",
        ],
        allowed_in: Some(&["Stopped"]),
        restart: Some(sagemaker_op!(StartNotebookInstance, start_notebook_instance)),
        cleared: &[
            ("lifecycleConfigName", "disassociateLifecycleConfig"),
            ("defaultCodeRepository", "disassociateDefaultCodeRepository"),
            ("additionalCodeRepositories", "disassociateAdditionalCodeRepositories"),
            ("acceleratorTypes", "disassociateAcceleratorTypes"),
        ],
    }),
    delete: Some(sagemaker_op!(DeleteNotebookInstance, delete_notebook_instance)),
    stop: Some(sagemaker_op!(StopNotebookInstance, stop_notebook_instance)),
    list: Some(List {
        op: sagemaker_op!(ListNotebookInstances, list_notebook_instances),
        items: "notebookInstances",
        input: || json!({}),
        name_contains: Some("nameContains"),
        renamed: &[],
    }),
    arn_field: "notebookInstanceARN",
    status_fields: &["notebookInstanceStatus", "url", "failureReason", "creationTime", "lastModifiedTime"],
    last_modified: None,
    not_found: NotFound { code: "ValidationException", message: "RecordNotFound" },
    already_exists: Some(AlreadyExists { code: "ValidationException", message: "Cannot create a duplicate Notebook Instance ({arn})" }),
    terminal_codes: HOSTING_TERMINAL_CODES,
    tags_field: Some("tags"),
    // a minute, as ACK: someone may stop it from the console
    resync: Some(std::time::Duration::from_secs(60)),
    logs: Some(Logs { group: "/aws/sagemaker/NotebookInstances", streams: "{name}/" }),
    children: None,
    find: None,
    client_token: None,
    gone: &[],
    hooks: Hooks {
        // AWS reports the lifecycle config under another name than the spec's
        observed_as_spec: |observed| {
            if let Some(name) = observed.get("notebookInstanceLifecycleConfigName").cloned() {
                observed["lifecycleConfigName"] = name;
            }
        },
        ..NO_HOOKS
    },
    sim: SimLifecycle {
        creating: &[("Pending", "")],
        settled: ("InService", ""),
        failed: ("Failed", ""),
        stopping: Some("Stopping"),
        updating: Some(("Updating", "Updating")),
        deleting: Some("Deleting"),
        extras: crate::aws::sim::notebook_instance_extras,
        logs: crate::aws::sim::notebook_instance_logs,
        ..SimLifecycle::exists("arn:aws:sagemaker:{region}:{account}:notebook-instance/{name}")
    },
};

pub static NOTEBOOK_INSTANCE_LIFECYCLE_CONFIG: AwsKind = AwsKind {
    info: &kinds::NOTEBOOK_INSTANCE_LIFECYCLE_CONFIG,
    service: &SAGEMAKER,
    create: sagemaker_op!(CreateNotebookInstanceLifecycleConfig, create_notebook_instance_lifecycle_config),
    describe: sagemaker_op!(DescribeNotebookInstanceLifecycleConfig, describe_notebook_instance_lifecycle_config),
    describe_list: None,
    update: Some(Update {
        op: sagemaker_op!(UpdateNotebookInstanceLifecycleConfig, update_notebook_instance_lifecycle_config),
        fields: &["onCreate", "onStart"],
        compare: &["onCreate", "onStart"],
        allowed_in: None,
        restart: None,
        cleared: &[],
    }),
    delete: Some(sagemaker_op!(DeleteNotebookInstanceLifecycleConfig, delete_notebook_instance_lifecycle_config)),
    stop: None,
    list: Some(List {
        op: sagemaker_op!(ListNotebookInstanceLifecycleConfigs, list_notebook_instance_lifecycle_configs),
        items: "notebookInstanceLifecycleConfigs",
        input: || json!({}),
        name_contains: Some("nameContains"),
        renamed: &[],
    }),
    arn_field: "notebookInstanceLifecycleConfigARN",
    status_fields: &["creationTime", "lastModifiedTime"],
    last_modified: None,
    not_found: NotFound {
        code: "ValidationException",
        message: "Unable to describe Notebook Instance Lifecycle Config '{name}'. (Details: Notebook Instance Lifecycle Config does not exist.)",
    },
    already_exists: Some(AlreadyExists {
        code: "ValidationException",
        message: "Unable to create Notebook Instance Lifecycle Config {arn}. (Details: Notebook Instance Lifecycle Config already exists.)",
    }),
    terminal_codes: HOSTING_TERMINAL_CODES,
    tags_field: Some("tags"),
    resync: STEADY,
    logs: None,
    children: None,
    find: None,
    client_token: None,
    gone: &[],
    hooks: NO_HOOKS,
    sim: SimLifecycle::exists("arn:aws:sagemaker:{region}:{account}:notebook-instance-lifecycle-config/{name}"),
};

