//! Load benchmark: N training jobs applied at once to a standalone agent (the
//! embedded store and the simulator), with AWS-like timings, on tokio's
//! paused clock so an hour of agent time takes seconds.
//!
//! ```sh
//! cargo run --release -p sagemaker-agent --example load -- --jobs 1000
//! cargo run --release -p sagemaker-agent --example load -- --jobs 10000 --data-dir /dev/shm/load
//! ```
//!
//! Reports when the first and last jobs were created (agent time), the AWS
//! calls by operation, and the agent's memory (resident set growth) with
//! every job running. The figures in the README come from this.

use std::{
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};

use sagemaker_agent::{
    aws::{Aws, sim::Simulator},
    engine::{Engine, Settings},
    store::{Store, embedded::EmbeddedStore},
};
use sagemaker_core::{Resource, kinds::TRAINING_JOB};
use serde_json::json;

struct Args {
    jobs: usize,
    rps: f64,
    step: Duration,
    data_dir: Option<PathBuf>,
}

fn args() -> Args {
    let mut a = Args { jobs: 1000, rps: 5.0, step: Duration::from_secs(120), data_dir: None };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--jobs" => a.jobs = value().parse().expect("--jobs N"),
            "--rps" => a.rps = value().parse().expect("--rps CALLS_PER_SECOND"),
            "--step-seconds" => a.step = Duration::from_secs(value().parse().expect("--step-seconds S")),
            "--data-dir" => a.data_dir = Some(PathBuf::from(value())),
            other => panic!("unknown flag {other}; flags: --jobs N --rps R --step-seconds S --data-dir DIR"),
        }
    }
    a
}

/// Resident memory of this process, in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn job(i: usize) -> Resource {
    let name = format!("load-{i:05}");
    serde_json::from_value(json!({
        "apiVersion": TRAINING_JOB.api_version(), "kind": "TrainingJob",
        "metadata": { "name": name, "namespace": "default" },
        "spec": {
            "trainingJobName": name,
            "roleARN": "arn:aws:iam::111111111111:role/sm",
            "algorithmSpecification": { "trainingImage": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.2-1", "trainingInputMode": "File" },
            "hyperParameters": { "max_depth": "5", "eta": "0.2", "num_round": "50" },
            "inputDataConfig": [{ "channelName": "train", "dataSource": { "s3DataSource": { "s3DataType": "S3Prefix", "s3URI": "s3://bucket/train/" } } }],
            "outputDataConfig": { "s3OutputPath": "s3://bucket/out" },
            "resourceConfig": { "instanceType": "ml.m5.large", "instanceCount": 1, "volumeSizeInGB": 5 },
            "stoppingCondition": { "maxRuntimeInSeconds": 86400 },
        }
    }))
    .expect("job")
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let a = args();
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = a.data_dir.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir).expect("data dir");
    let store = Arc::new(EmbeddedStore::open(&dir).expect("store").0);
    // jobs run 5 phases of `step` (10 minutes by default), long after the last is created
    let sim = Arc::new(Simulator::new("111111111111", a.step, None).expect("sim"));
    let aws = Arc::new(Aws::new(sim, a.rps));
    let settings = Settings {
        default_region: "us-east-1".into(),
        account: "111111111111".into(),
        // the agent's defaults against AWS
        poll_min: Duration::from_secs(10),
        poll_max: Duration::from_secs(60),
        concurrency: 8,
        resync: Default::default(),
        deletion_policy: "delete".into(),
        resource_tags: Vec::new(),
        session_tags: Default::default(),
    };
    let before = rss_kib();
    let wall = Instant::now();
    for i in 0..a.jobs {
        store.apply(&TRAINING_JOB, &job(i), false).await.expect("apply");
    }
    let applied_in = wall.elapsed();
    let start = tokio::time::Instant::now();
    Engine::start(store.clone(), aws.clone(), settings);
    let (mut first, mut last) = (None, None);
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let created = aws.calls().get("CreateTrainingJob").copied().unwrap_or(0) as usize;
        if created > 0 && first.is_none() {
            first = Some(start.elapsed());
        }
        if created >= a.jobs {
            last = Some(start.elapsed());
            break;
        }
        if start.elapsed() > Duration::from_secs(24 * 3600) {
            break;
        }
    }
    let calls = aws.calls();
    let after = rss_kib();
    let total: u64 = calls.values().sum();
    println!("jobs: {}  budget: {} calls/s  simulated job length: {} s", a.jobs, a.rps, 5 * a.step.as_secs());
    println!("applied to the embedded store in {:.1} s (real time)", applied_in.as_secs_f64());
    println!("first created after {:.0} s, last after {:.0} s (agent time)", first.unwrap_or_default().as_secs_f64(), last.unwrap_or_default().as_secs_f64());
    println!("budget floor: {:.0} s (one create per job at {} calls/s)", a.jobs as f64 / a.rps, a.rps);
    println!("AWS calls until the last create: {total} {calls:?}");
    println!(
        "memory: {:.1} MiB before, {:.1} MiB with every job running: {:.1} KiB per resource",
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        after.saturating_sub(before) as f64 / a.jobs as f64
    );
    println!("benchmark took {:.1} s (real time)", wall.elapsed().as_secs_f64());
}
