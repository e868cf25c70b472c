//! What the simulator answers beyond the echo of the create input, for the
//! kinds whose describe says more (counters, children, executions), and what
//! their logs say. Each is a pure function of the resource's [`View`].

use serde_json::{Map, Value, json};

use super::{SimLog, View, stable_id};

/// A tuning job's training jobs: as many as its limit allows, up to three,
/// named `<job>-<nnn>-<id>` as SageMaker names them. Child `i` trains for
/// `i + 2` steps and scores `0.5 + 0.1 i`; a stop stops the ones still running.
pub fn tuning_job_children(view: &View<'_>) -> Vec<Value> {
    let name = view.input["HyperParameterTuningJobName"].as_str().unwrap_or_default();
    let config = &view.input["HyperParameterTuningJobConfig"];
    let limit = config["ResourceLimits"]["MaxNumberOfTrainingJobs"].as_u64().unwrap_or(2).clamp(1, 3);
    let metric = config["HyperParameterTuningJobObjective"]["MetricName"].as_str().unwrap_or("validation:auc");
    let stopped_at = view.transitions.iter().find(|t| t.0 == "Stopping").map(|t| t.2);
    let (region, account) = arn_place(view.arn);
    (0..limit)
        .map(|i| {
            let child = format!("{name}-{:03}-{}", i + 1, &stable_id(&format!("{name}{i}"))[..8]);
            let ends = view.created + view.step * (i + 2) as f64;
            let (status, objective) = match stopped_at {
                Some(at) if at < ends && view.now >= at => ("Stopped", None),
                _ if view.now >= ends => ("Completed", Some(0.5 + 0.1 * i as f64)),
                _ => ("InProgress", None),
            };
            let mut item = json!({
                "TrainingJobName": child,
                "TrainingJobArn": format!("arn:aws:sagemaker:{region}:{account}:training-job/{}", child.to_ascii_lowercase()),
                "TuningJobName": name,
                "CreationTime": view.created,
                "TrainingStartTime": view.created,
                "TrainingJobStatus": status,
                "TunedHyperParameters": { "eta": format!("{:.2}", 0.1 + 0.1 * i as f64) },
                "ObjectiveStatus": if objective.is_some() { "Succeeded" } else { "Pending" },
            });
            if let Some(value) = objective {
                item["TrainingEndTime"] = json!(ends);
                item["FinalHyperParameterTuningJobObjectiveMetric"] = json!({ "MetricName": metric, "Value": value });
            }
            item
        })
        .collect()
}

/// A tuning job's counters and best training job, from its children.
pub fn tuning_job_extras(view: &View<'_>) -> Map<String, Value> {
    let children = tuning_job_children(view);
    let count = |status: &str| children.iter().filter(|c| c["TrainingJobStatus"] == status).count();
    let maximize = view.input["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"]["Type"] != "Minimize";
    let score = |c: &Value| c["FinalHyperParameterTuningJobObjectiveMetric"]["Value"].as_f64();
    let best = children.iter().filter(|c| score(c).is_some()).max_by(|a, b| {
        let order = score(a).partial_cmp(&score(b)).unwrap_or(std::cmp::Ordering::Equal);
        if maximize { order } else { order.reverse() }
    });
    let mut out = Map::new();
    out.insert(
        "TrainingJobStatusCounters".into(),
        json!({ "Completed": count("Completed"), "InProgress": count("InProgress"), "RetryableError": 0, "NonRetryableError": 0, "Stopped": count("Stopped") }),
    );
    out.insert(
        "ObjectiveStatusCounters".into(),
        json!({ "Succeeded": count("Completed"), "Pending": children.len() - count("Completed"), "Failed": 0 }),
    );
    if let Some(best) = best {
        out.insert("BestTrainingJob".into(), best.clone());
    }
    if matches!(view.status, "Completed" | "Failed" | "Stopped") {
        out.insert("HyperParameterTuningEndTime".into(), json!(view.last_change));
    }
    out
}

/// Each training job of a tuning job writes its own stream,
/// `<job>-<nnn>-<id>/algo-1-<epoch>` (after the kind's `<job>-` prefix).
pub fn tuning_job_logs(view: &View<'_>) -> Vec<SimLog> {
    let name = view.input["HyperParameterTuningJobName"].as_str().unwrap_or_default();
    let mut lines = Vec::new();
    for child in tuning_job_children(view) {
        let child_name = child["TrainingJobName"].as_str().unwrap_or_default();
        let stream = format!("{}/algo-1-{}", child_name.strip_prefix(&format!("{name}-")).unwrap_or(child_name), view.created as i64);
        let mut say = |at: f64, message: String| lines.push(SimLog { stream: stream.clone(), at, message });
        say(view.created, format!("[{child_name}] Invoking the training script with hyperparameters {}", child["TunedHyperParameters"]));
        if let Some(end) = child["TrainingEndTime"].as_f64() {
            let metric = &child["FinalHyperParameterTuningJobObjectiveMetric"];
            say(end - view.step / 2.0, format!("[{child_name}] #objective {}:{}", metric["MetricName"].as_str().unwrap_or_default(), metric["Value"]));
            say(end, format!("[{child_name}] Reporting training SUCCESS"));
        }
    }
    lines
}

/// A transform or processing job's one instance, `algo-1-<epoch>`.
pub fn batch_job_logs(view: &View<'_>) -> Vec<SimLog> {
    let stream = format!("algo-1-{}", view.created as i64);
    let mut lines = Vec::new();
    for (status, _, at) in &view.transitions {
        let message = match *status {
            "InProgress" if *at == view.created => "Starting the job: launching the container".to_string(),
            "Completed" => "Job completed: all records processed, outputs uploaded".to_string(),
            "Failed" => format!("Job failed: {}", view.failure.as_deref().unwrap_or("unknown")),
            "Stopping" => "Received SIGTERM: stopping".to_string(),
            _ => continue,
        };
        lines.push(SimLog { stream: stream.clone(), at: *at, message });
    }
    if view.transitions.len() > 1 {
        lines.push(SimLog { stream: stream.clone(), at: view.created + view.step, message: "Processing input: 100 records read".into() });
    }
    lines
}

/// A labeling job's counters, growing while it runs, and its output manifest.
pub fn labeling_job_extras(view: &View<'_>) -> Map<String, Value> {
    let mut out = Map::new();
    let done = ((view.now - view.created) / view.step).floor().clamp(0.0, 3.0) as u64 * 10;
    out.insert(
        "LabelCounters".into(),
        json!({ "TotalLabeled": done, "HumanLabeled": done / 2, "MachineLabeled": done - done / 2, "FailedNonRetryableError": 0, "Unlabeled": 30 - done }),
    );
    out.insert("JobReferenceCode".into(), json!(&stable_id(view.arn)[..10]));
    if view.status == "Completed" {
        let output = view.input["OutputConfig"]["S3OutputPath"].as_str().unwrap_or_default().trim_end_matches('/');
        let name = view.input["LabelingJobName"].as_str().unwrap_or_default();
        out.insert("LabelingJobOutput".into(), json!({ "OutputDatasetS3Uri": format!("{output}/{name}/manifests/output/output.manifest") }));
    }
    out
}

/// A schedule's executions: once Scheduled, execution `k` starts every four
/// steps and runs for two; describe shows the latest.
pub fn monitoring_schedule_extras(view: &View<'_>) -> Map<String, Value> {
    let mut out = Map::new();
    let Some(scheduled) = view.transitions.iter().rev().find(|t| t.0 == "Scheduled").map(|t| t.2) else { return out };
    if view.status != "Scheduled" {
        return out;
    }
    let period = 4.0 * view.step;
    let k = ((view.now - scheduled) / period).floor().max(0.0);
    let start = scheduled + k * period;
    let running = view.now < start + 2.0 * view.step;
    let config = &view.input["MonitoringScheduleConfig"];
    let name = view.input["MonitoringScheduleName"].as_str().unwrap_or_default();
    let (region, account) = arn_place(view.arn);
    let mut summary = json!({
        "MonitoringScheduleName": name,
        "ScheduledTime": start,
        "CreationTime": start,
        "LastModifiedTime": if running { start } else { start + 2.0 * view.step },
        "MonitoringExecutionStatus": if running { "InProgress" } else { "Completed" },
        "ProcessingJobArn": format!("arn:aws:sagemaker:{region}:{account}:processing-job/{}-{k}", name.to_ascii_lowercase()),
    });
    for member in ["MonitoringJobDefinitionName", "MonitoringType"] {
        if let Some(v) = config.get(member) {
            summary[member] = v.clone();
        }
    }
    out.insert("LastMonitoringExecutionSummary".into(), summary);
    out
}

/// A Domain's URL and home file system.
pub fn domain_extras(view: &View<'_>) -> Map<String, Value> {
    let id = view.arn.rsplit('/').next().unwrap_or_default();
    let (region, _) = arn_place(view.arn);
    let mut out = Map::new();
    out.insert("Url".into(), json!(format!("https://{id}.studio.{region}.sagemaker.aws")));
    out.insert("HomeEfsFileSystemId".into(), json!(format!("fs-{}", &stable_id(view.arn)[..8])));
    out
}

/// A project's id and what Service Catalog provisioned for it.
pub fn project_extras(view: &View<'_>) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("ProjectId".into(), json!(format!("p-{}", &stable_id(view.arn)[..12])));
    out.insert(
        "ServiceCatalogProvisionedProductDetails".into(),
        json!({ "ProvisionedProductId": format!("pp-{}", &stable_id(&format!("{}/pp", view.arn))[..12]), "ProvisionedProductStatusMessage": "AVAILABLE" }),
    );
    out
}

/// What SageMaker fills in for a notebook instance the create left out:
/// defaults that must never read as drift.
pub fn notebook_instance_extras(view: &View<'_>) -> Map<String, Value> {
    let name = view.input["NotebookInstanceName"].as_str().unwrap_or_default();
    let (region, _) = arn_place(view.arn);
    let mut out = Map::new();
    out.insert("Url".into(), json!(format!("{}.notebook.{region}.sagemaker.aws", name.to_ascii_lowercase())));
    for (member, default) in [("VolumeSizeInGB", json!(5)), ("PlatformIdentifier", json!("notebook-al2-v2")), ("DirectInternetAccess", json!("Enabled")), ("RootAccess", json!("Enabled"))] {
        if view.input.get(member).is_none() {
            out.insert(member.into(), default);
        }
    }
    if let Some(config) = view.input.get("LifecycleConfigName") {
        out.insert("NotebookInstanceLifecycleConfigName".into(), config.clone());
    }
    out
}

/// A notebook instance's Jupyter server log.
pub fn notebook_instance_logs(view: &View<'_>) -> Vec<SimLog> {
    view.transitions
        .iter()
        .filter(|t| t.0 == "InService")
        .map(|t| SimLog { stream: "jupyter.log".into(), at: t.2, message: "[I NotebookApp] Jupyter Server is running at: http://localhost:8888/".into() })
        .collect()
}

/// An inference component's endpoint, variant and copies.
pub fn inference_component_extras(view: &View<'_>) -> Map<String, Value> {
    let (region, account) = arn_place(view.arn);
    let endpoint = view.input["EndpointName"].as_str().unwrap_or_default();
    let copies = view.input["RuntimeConfig"]["CopyCount"].clone();
    let serving = matches!(view.status, "InService" | "Updating");
    let mut out = Map::new();
    out.insert("EndpointArn".into(), json!(format!("arn:aws:sagemaker:{region}:{account}:endpoint/{}", endpoint.to_ascii_lowercase())));
    out.insert("VariantName".into(), view.input.get("VariantName").cloned().unwrap_or(json!("AllTraffic")));
    if !copies.is_null() {
        out.insert("RuntimeConfig".into(), json!({ "DesiredCopyCount": copies, "CurrentCopyCount": if serving { copies.clone() } else { json!(0) } }));
    }
    out
}

/// (region, account) of an ARN.
fn arn_place(arn: &str) -> (&str, &str) {
    let parts: Vec<&str> = arn.split(':').collect();
    (parts.get(3).copied().unwrap_or_default(), parts.get(4).copied().unwrap_or_default())
}

/// Training's extras: status transitions with SageMaker's messages, times
/// and the model artifacts of a completed job.
pub fn training_job_extras(view: &View<'_>) -> Map<String, Value> {
    let mut out = Map::new();
    let transitions: Vec<Value> = view
        .transitions
        .iter()
        .enumerate()
        .map(|(i, (_, progress, start))| {
            let mut t = json!({ "Status": progress, "StartTime": start, "StatusMessage": status_message(progress) });
            if let Some((_, _, next)) = view.transitions.get(i + 1) {
                t["EndTime"] = json!(next);
            }
            t
        })
        .collect();
    if view.transitions.len() > 1 {
        out.insert("TrainingStartTime".into(), json!(view.transitions[1].2));
    }
    out.insert("SecondaryStatusTransitions".into(), json!(transitions));
    if matches!(view.status, "Completed" | "Failed" | "Stopped") {
        let seconds = (view.last_change - view.created).round() as i64;
        out.insert("TrainingEndTime".into(), json!(view.last_change));
        out.insert("TrainingTimeInSeconds".into(), json!(seconds));
        out.insert("BillableTimeInSeconds".into(), json!(seconds));
    }
    if view.status == "Completed" {
        let output = view.input["OutputDataConfig"]["S3OutputPath"].as_str().unwrap_or_default();
        let name = view.input["TrainingJobName"].as_str().unwrap_or_default();
        out.insert(
            "ModelArtifacts".into(),
            json!({ "S3ModelArtifacts": format!("{}/{name}/output/model.tar.gz", output.trim_end_matches('/')) }),
        );
    }
    out
}

/// What each instance of a simulated training job prints: its streams are
/// `algo-<n>-<epoch>`, as SageMaker names them, and its lines follow the
/// job's phases (a few epochs while it trains).
pub fn training_job_logs(view: &View<'_>) -> Vec<SimLog> {
    let count = view.input["ResourceConfig"]["InstanceCount"].as_u64().unwrap_or(1).clamp(1, 16);
    let channel = view.input["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"].as_str().unwrap_or("the input channels");
    let output = view.input["OutputDataConfig"]["S3OutputPath"].as_str().unwrap_or_default().trim_end_matches('/');
    let name = view.input["TrainingJobName"].as_str().unwrap_or_default();
    let epochs = 3;
    let mut lines = Vec::new();
    for n in 1..=count {
        let stream = format!("algo-{n}-{}", view.created as i64);
        let mut say = |at: f64, message: String| lines.push(SimLog { stream: stream.clone(), at, message });
        for (i, (_, progress, start)) in view.transitions.iter().enumerate() {
            // a phase's lines stop where the next phase begins (a stop cuts training short)
            let end = view.transitions.get(i + 1).map_or(start + view.step, |t| t.2);
            match *progress {
                "Downloading" => say(*start, format!("[algo-{n}] Downloading input data from {channel}")),
                "Training" => {
                    say(*start, format!("[algo-{n}] Invoking the training script with hyperparameters {}", view.input["HyperParameters"]));
                    for epoch in 1..=epochs {
                        let at = start + (end - start) * f64::from(epoch) / f64::from(epochs + 1);
                        let loss = 0.9 / f64::from(epoch) + 0.01 * n as f64;
                        say(at, format!("[{epoch}]#011train-loss:{loss:.4}#011validation-loss:{:.4}", loss * 1.1));
                    }
                }
                "Uploading" => say(*start, format!("[algo-{n}] Uploading the model to {output}/{name}/output/model.tar.gz")),
                "Completed" => say(*start, format!("[algo-{n}] Reporting training SUCCESS")),
                "Failed" => say(*start, format!("[algo-{n}] Reporting training FAILURE: {}", view.failure.as_deref().unwrap_or("unknown"))),
                "Stopping" => say(*start, format!("[algo-{n}] Received SIGTERM: stopping")),
                _ => {}
            }
        }
    }
    lines
}

/// An endpoint's extras: its config's variants, running at their initial
/// instance count once in service.
pub fn endpoint_extras(view: &View<'_>) -> Map<String, Value> {
    let mut out = Map::new();
    let Some(config) = view.dependencies.first() else { return out };
    let serving = view.status == "InService" || view.status == "Updating" || view.status == "RollingBack";
    let variants: Vec<Value> = config["ProductionVariants"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| {
            let count = v.get("InitialInstanceCount").cloned().unwrap_or(json!(1));
            let weight = v.get("InitialVariantWeight").cloned().unwrap_or(json!(1.0));
            let mut out = json!({
                "VariantName": v["VariantName"],
                "DesiredInstanceCount": count,
                "DesiredWeight": weight,
            });
            if serving {
                out["CurrentInstanceCount"] = count;
                out["CurrentWeight"] = weight;
            }
            out
        })
        .collect();
    out.insert("ProductionVariants".into(), json!(variants));
    out
}

/// What each instance of a simulated endpoint's variants prints: streams
/// `<variant>/i-<id>`, as SageMaker names them.
pub fn endpoint_logs(view: &View<'_>) -> Vec<SimLog> {
    let Some(config) = view.dependencies.first() else { return Vec::new() };
    let mut lines = Vec::new();
    let started = view.transitions.iter().find(|t| t.0 == "Creating").map(|t| t.2);
    let serving = view.transitions.iter().find(|t| t.0 == "InService").map(|t| t.2);
    for variant in config["ProductionVariants"].as_array().into_iter().flatten() {
        let name = variant["VariantName"].as_str().unwrap_or("AllTraffic");
        let model = variant["ModelName"].as_str().unwrap_or_default();
        let count = variant["InitialInstanceCount"].as_u64().unwrap_or(1).clamp(1, 16);
        for n in 0..count {
            let stream = format!("{name}/i-{}", &stable_id(&format!("{}/{name}/{n}", view.arn))[..17]);
            let mut say = |at: f64, message: String| lines.push(SimLog { stream: stream.clone(), at, message });
            if let Some(at) = started {
                say(at + view.step / 2.0, format!("Loading model {model}"));
            }
            if let Some(at) = serving {
                say(at, "Starting the inference server: listening on 0.0.0.0:8080".into());
                say(at + view.step, "GET /ping 200".into());
            }
        }
    }
    lines
}

/// A target-tracking policy's extras: the two CloudWatch alarms AWS creates
/// for it (`TargetTracking-<resource>-AlarmHigh-<uuid>`, and AlarmLow).
pub fn scaling_policy_extras(view: &View<'_>) -> Map<String, Value> {
    let mut out = Map::new();
    if view.input["PolicyType"] != "TargetTrackingScaling" {
        return out;
    }
    let (region, account) = arn_place(view.arn);
    let resource = view.input["ResourceId"].as_str().unwrap_or_default();
    let alarms: Vec<Value> = ["AlarmHigh", "AlarmLow"]
        .iter()
        .map(|which| {
            let id = stable_id(&format!("{}/{which}", view.arn));
            let uuid = format!("{}-{}-{}-{}-{}", &id[..8], &id[8..12], &id[12..16], &id[16..20], &id[20..32]);
            let name = format!("TargetTracking-{resource}-{which}-{uuid}");
            json!({ "AlarmName": name, "AlarmARN": format!("arn:aws:cloudwatch:{region}:{account}:alarm:{name}") })
        })
        .collect();
    out.insert("Alarms".into(), json!(alarms));
    out
}

/// A training job's secondary status message, as SageMaker words it.
fn status_message(status: &str) -> &'static str {
    match status {
        "Starting" => "Preparing the instances for training",
        "LaunchingMLInstances" => "Launching requested ML instances",
        "Downloading" => "Downloading input data",
        "Training" => "Training image download completed. Training in progress.",
        "Uploading" => "Uploading generated training model",
        "Completed" => "Training job completed",
        "Failed" => "Training job failed",
        "Stopping" => "Stopping the training job",
        "Stopped" => "The training job was stopped",
        _ => "",
    }
}
