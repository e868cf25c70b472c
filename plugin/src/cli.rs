//! The command line, as clap types only: the `///` comments are the help text.

use std::{path::PathBuf, time::Duration};

use clap::{Args, Parser, Subcommand};

/// Train, deploy and watch Amazon SageMaker resources through your cluster's sagemaker-agent.
#[derive(Debug, Parser)]
#[command(
    name = "kubectl-sagemaker",
    bin_name = "kubectl sagemaker",
    version,
    propagate_version = true
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub command: Commands,

    #[command(flatten)]
    pub global: GlobalArgs,
}

/// The flags every command takes, named as kubectl names them.
#[derive(Debug, Clone, Args)]
pub(crate) struct GlobalArgs {
    /// Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)
    #[arg(long, global = true, value_name = "PATH", help_heading = "Global options")]
    pub kubeconfig: Option<PathBuf>,

    /// Kubeconfig context to use (default: the current context); several (a,b or repeated) work on
    /// each cluster at once
    #[arg(long, global = true, value_name = "NAME", value_delimiter = ',', help_heading = "Global options")]
    pub context: Vec<String>,

    /// Work on every context of the kubeconfig at once
    #[arg(long, global = true, help_heading = "Global options")]
    pub all_contexts: bool,

    /// Work on every context whose name matches this regular expression, e.g. '^prod-'
    #[arg(long, global = true, value_name = "REGEX", value_parser = parse_regex, help_heading = "Global options")]
    pub context_selector: Option<regex::Regex>,

    /// Namespace to work in (default: the context's namespace, else `default`)
    #[arg(
        short = 'n',
        long,
        global = true,
        value_name = "NS",
        help_heading = "Global options"
    )]
    pub namespace: Option<String>,

    /// Kubeconfig cluster to use instead of the context's
    #[arg(long, global = true, value_name = "NAME", help_heading = "Global options")]
    pub cluster: Option<String>,

    /// Kubeconfig user to use instead of the context's
    #[arg(long, global = true, value_name = "NAME", help_heading = "Global options")]
    pub user: Option<String>,

    /// User to impersonate (your own user must be allowed to impersonate it)
    #[arg(long = "as", global = true, value_name = "USER", help_heading = "Global options")]
    pub as_user: Option<String>,

    /// Group to impersonate (repeatable; needs --as)
    #[arg(long = "as-group", global = true, value_name = "GROUP", help_heading = "Global options")]
    pub as_group: Vec<String>,

    /// URL of the sagemaker-agent, e.g. http://127.0.0.1:50051 [default: the context's extension
    /// sagemaker.services.k8s.aws/agent, else found through the cluster's Service sagemaker-agent in
    /// --agent-namespace]
    #[arg(
        long,
        global = true,
        env = "KUBECTL_SAGEMAKER_AGENT",
        value_name = "URL",
        help_heading = "Global options"
    )]
    pub agent: Option<String>,

    /// Namespace of the cluster's sagemaker-agent Service
    #[arg(
        long,
        global = true,
        env = "KUBECTL_SAGEMAKER_AGENT_NAMESPACE",
        value_name = "NS",
        default_value = "ack-system",
        help_heading = "Global options"
    )]
    pub agent_namespace: String,

    /// CA certificate (PEM) to trust for an https:// agent URL (default: the system's roots)
    #[arg(
        long,
        global = true,
        env = "KUBECTL_SAGEMAKER_AGENT_CA",
        value_name = "FILE",
        help_heading = "Global options"
    )]
    pub agent_ca: Option<PathBuf>,

    /// Bearer token to send to the agent (default: the kubeconfig user's)
    #[arg(
        long,
        global = true,
        env = "KUBECTL_SAGEMAKER_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true,
        help_heading = "Global options"
    )]
    pub token: Option<String>,

    /// How long to wait for the API server and the agent to answer at all (e.g. 10s)
    #[arg(
        long,
        global = true,
        value_name = "DURATION",
        default_value = "10s",
        value_parser = parse_duration,
        help_heading = "Global options"
    )]
    pub connect_timeout: Duration,

    /// How long to wait for each call to the agent (e.g. 30s, 2m)
    #[arg(
        long,
        global = true,
        value_name = "DURATION",
        default_value = "30s",
        value_parser = parse_duration,
        help_heading = "Global options"
    )]
    pub request_timeout: Duration,
}

#[derive(Debug, Clone, Subcommand)]
pub(crate) enum Commands {
    /// Start SageMaker training jobs from TrainingJob manifests
    Train(ApplyArgs),
    /// Start hyperparameter tuning jobs from HyperParameterTuningJob manifests
    Tune(ApplyArgs),
    /// Start batch transform jobs from TransformJob manifests
    Transform(ApplyArgs),
    /// Start processing jobs from ProcessingJob manifests
    Process(ApplyArgs),
    /// Deploy a model: apply Model, EndpointConfig and Endpoint documents in dependency order
    #[command(after_help = DEPLOY_EXAMPLES)]
    Deploy(DeployArgs),
    /// Scale an endpoint's variant with its load: set, show or remove autoscaling
    #[command(after_help = AUTOSCALE_EXAMPLES)]
    Autoscale(AutoscaleArgs),
    /// Create or update resources of any kind from manifests
    Apply(ApplyArgs),
    /// List resources of a kind (or of every kind: `get all`), or show some
    Get(GetArgs),
    /// Show one resource in detail: status, failure hints, conditions and spec
    Describe(DescribeArgs),
    /// Stop running jobs; each keeps its record and ends with status Stopped
    Stop(StopArgs),
    /// Take over what already runs in AWS: the resource is made with the spec AWS holds
    Adopt(AdoptArgs),
    /// Delete a resource; the agent stops or deletes it in SageMaker first unless --retain
    Delete(DeleteArgs),
    /// Follow a resource's status until it finishes
    Watch(WatchArgs),
    /// Print what a job or endpoint wrote (every CloudWatch log stream of it, in time order)
    #[command(after_help = LOGS_EXAMPLES)]
    Logs(LogsArgs),
    /// Print the version of the plugin and of the agent
    Version(VersionArgs),
    /// Print (or, with --apply, apply) what runs the agent in a cluster: CRDs, RBAC, Deployment,
    /// Service; running it again upgrades, CRDs included
    #[command(after_help = INSTALL_EXAMPLES)]
    Install(InstallArgs),
    /// Remove the agent from a cluster (CRDs and resources stay unless --crds); refused while
    /// resources the agent still manages would be orphaned
    Uninstall(UninstallArgs),
    /// Check each cluster's setup: the agent is reachable and of a matching version, you may use
    /// it, its AWS identity works in each account, the CRDs are current; each failure with its fix
    Doctor,
    /// Print a shell completion script: bash, zsh or fish (for kubectl-sagemaker), or kubectl (the
    /// kubectl_complete-sagemaker helper kubectl runs to complete `kubectl sagemaker`)
    #[command(after_help = COMPLETION_EXAMPLES)]
    Completion(CompletionArgs),
    /// Show each cluster's agent: version, mode, region, AWS accounts, health and latency
    /// (every context of the kubeconfig unless --context or --context-selector picks some)
    Clusters(ClustersArgs),
}

const DEPLOY_EXAMPLES: &str = "\
The documents may come in any order: each is applied after the resources it names
(an EndpointConfig after its Models, an Endpoint after its EndpointConfig), all in
one request that applies every document or none. --wait follows what has a
status (the Endpoint, until InService): a Model or an EndpointConfig is done once
applied.

Examples:
  kubectl sagemaker deploy -f deploy.yaml --wait --timeout 30m
  kubectl sagemaker deploy -f deploy.yaml --dry-run";

const COMPLETION_EXAMPLES: &str = "\
Resource names complete from the agent of the context (and namespace) on the command line.

Examples:
  # kubectl sagemaker <TAB> (kubectl 1.26 or later runs this helper from PATH)
  kubectl sagemaker completion kubectl > ~/.krew/bin/kubectl_complete-sagemaker
  chmod +x ~/.krew/bin/kubectl_complete-sagemaker
  # kubectl-sagemaker <TAB>
  source <(kubectl-sagemaker completion bash)
  kubectl-sagemaker completion fish | source";

const INSTALL_EXAMPLES: &str = "\
The agent is installed in --agent-namespace (ack-system), or -n when given. Its AWS
identity is an IAM role: IRSA (--role-arn puts eks.amazonaws.com/role-arn on its
ServiceAccount) or EKS Pod Identity (associate the role with the ServiceAccount
sagemaker-agent in that namespace). The same files are in manifests/ for
`kubectl apply -k manifests/` and GitOps.

Examples:
  kubectl sagemaker install --role-arn arn:aws:iam::111111111111:role/sagemaker-agent --region us-east-1 --apply
  kubectl sagemaker install --watch-namespace ml > agent.yaml
  kubectl sagemaker uninstall";

const LOGS_EXAMPLES: &str = "\
The agent reads the logs in the resource's AWS account and region with its own
credentials: you need only the right to get the resource. Each line is prefixed
by its stream: a training job has one per instance (algo-1-..., algo-2-...), an
endpoint one per instance of each variant (AllTraffic/i-...).

Examples:
  kubectl sagemaker logs trainingjob my-job -f
  kubectl sagemaker logs trainingjob/my-job --tail 20 --timestamps
  kubectl sagemaker logs endpoint my-endpoint --since 10m --stream AllTraffic
  kubectl sagemaker train -f job.yaml --wait --logs";

const AUTOSCALE_EXAMPLES: &str = "\
Setting autoscaling applies two resources, as ACK's tutorial does by hand:
  ScalableTarget  <endpoint>-<variant>              minCapacity, maxCapacity
  ScalingPolicy   <endpoint>-<variant>-invocations  target tracking of
                                                    SageMakerVariantInvocationsPerInstance
Their names are made valid Kubernetes names: lower-case, with any character other
than a letter, digit, '-' or '.' replaced by '-'. The policy's policyName is its name.

Examples:
  kubectl sagemaker autoscale endpoint my-endpoint --min 1 --max 20 --target-invocations 60
  kubectl sagemaker autoscale endpoint my-endpoint --min 1 --max 4 --target-invocations 100 --dry-run
  kubectl sagemaker autoscale endpoint my-endpoint              # show what is set
  kubectl sagemaker autoscale endpoint my-endpoint --off        # remove it";

#[derive(Debug, Clone, Args)]
pub(crate) struct DeployArgs {
    /// Manifest file with the Model, EndpointConfig and Endpoint documents, or - for stdin
    #[arg(short = 'f', long = "filename", value_name = "FILE", required = true)]
    pub file: String,

    #[command(flatten)]
    pub apply: ApplyFlags,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct AutoscaleArgs {
    /// What to scale: `endpoint` (the only type for now)
    #[arg(value_name = "TYPE")]
    pub resource_type: String,

    /// Name of the Endpoint resource (resource IDs name its SageMaker endpointName)
    #[arg(value_name = "NAME")]
    pub name: String,

    /// Production variant [default: AllTraffic when setting; every variant when showing or with --off]
    #[arg(long, value_name = "VARIANT")]
    pub variant: Option<String>,

    /// Fewest instances (0 or more)
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub min: Option<i64>,

    /// Most instances (at least --min)
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub max: Option<i64>,

    /// Invocations per instance per minute to keep each instance at (more than 0)
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub target_invocations: Option<f64>,

    /// Seconds to wait after scaling in before scaling in again
    #[arg(long, value_name = "SECONDS")]
    pub scale_in_cooldown: Option<u32>,

    /// Seconds to wait after scaling out before scaling out again
    #[arg(long, value_name = "SECONDS")]
    pub scale_out_cooldown: Option<u32>,

    /// Remove autoscaling: delete the scaling policies, then the scalable targets
    #[arg(
        long,
        conflicts_with_all = [
            "min", "max", "target_invocations", "scale_in_cooldown", "scale_out_cooldown", "dry_run", "output"
        ]
    )]
    pub off: bool,

    /// Only validate, print the documents and write nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Print the documents (yaml: separated by `---`; json: a List) instead of a line per resource
    #[arg(short = 'o', long, value_name = "FORMAT")]
    pub output: Option<DocumentFormat>,

    /// Then follow the target and the policy until both are in place in AWS
    #[arg(long, conflicts_with_all = ["off", "dry_run", "output"])]
    pub wait: bool,

    /// Give up waiting after this long (e.g. 5m)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, requires = "wait")]
    pub timeout: Option<Duration>,
}

/// How generated documents are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum DocumentFormat {
    Yaml,
    Json,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct ApplyArgs {
    /// Manifest file or directory, or - for stdin; repeat for more
    #[arg(short = 'f', long = "filename", value_name = "FILE", required = true)]
    pub files: Vec<String>,

    #[command(flatten)]
    pub apply: ApplyFlags,
}

/// What every command that applies manifests takes besides them.
#[derive(Debug, Clone, Copy, Args)]
pub(crate) struct ApplyFlags {
    /// Only validate and show what would happen; write nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Then follow each resource until its status is final (or, for kinds without one, until it is
    /// in sync); exit 1 with the reason unless all succeed
    #[arg(long)]
    pub wait: bool,

    /// Give up waiting after this long (e.g. 30m); default: wait as long as it takes
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, requires = "wait")]
    pub timeout: Option<Duration>,

    /// While waiting, print what the resources write (as `logs -f` does)
    #[arg(long, requires = "wait")]
    pub logs: bool,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct GetArgs {
    /// KIND [NAME...] or KIND/NAME..., or `all` for every kind; KIND is trainingjobs, trainingjob,
    /// tj, TrainingJob or trainingjobs.sagemaker.services.k8s.aws (and likewise for every kind)
    #[arg(required = true, num_args = 1.., value_name = "KIND [NAME...]")]
    pub args: Vec<String>,

    /// Output format: wide, yaml, json, name, jsonpath=TEMPLATE or custom-columns=SPEC
    #[arg(short = 'o', long, value_name = "FORMAT", value_parser = parse_output)]
    pub output: Option<OutputFormat>,

    /// List resources in every namespace
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,

    /// Only resources whose labels match, e.g. team=ml,stage!=dev
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    pub selector: Option<String>,

    /// Print tables without their header row
    #[arg(long)]
    pub no_headers: bool,

    /// Add a LABELS column to tables
    #[arg(long)]
    pub show_labels: bool,

    /// After printing, keep printing each change until interrupted
    #[arg(short = 'w', long)]
    pub watch: bool,
}

/// How `get` prints resources; templates are parsed once, with the flag.
#[derive(Debug, Clone)]
pub(crate) enum OutputFormat {
    /// The table with more columns: failure reason, region, account
    Wide,
    /// The objects as YAML
    Yaml,
    /// The objects as JSON
    Json,
    /// kind/name only
    Name,
    /// kubectl's JSONPath template, e.g. `{.items[*].metadata.name}`
    JsonPath(crate::jsonpath::Template),
    /// Columns given as NAME:PATH pairs, e.g. `NAME:.metadata.name,STATUS:.status.trainingJobStatus`
    CustomColumns(crate::jsonpath::CustomColumns),
}

/// Parses `-o`, checking templates up front so a typo is a usage error.
pub(crate) fn parse_output(text: &str) -> Result<OutputFormat, String> {
    Ok(match text {
        "wide" => OutputFormat::Wide,
        "yaml" => OutputFormat::Yaml,
        "json" => OutputFormat::Json,
        "name" => OutputFormat::Name,
        _ => {
            if let Some(template) = text.strip_prefix("jsonpath=") {
                let template = crate::jsonpath::Template::parse(template)
                    .map_err(|e| format!("invalid jsonpath template: {e}"))?;
                OutputFormat::JsonPath(template)
            } else if let Some(spec) = text.strip_prefix("custom-columns=") {
                let columns = crate::jsonpath::CustomColumns::parse(spec)
                    .map_err(|e| format!("invalid custom columns: {e}"))?;
                OutputFormat::CustomColumns(columns)
            } else {
                return Err(format!(
                    "unknown output format {text:?}: use wide, yaml, json, name, jsonpath=TEMPLATE or custom-columns=SPEC"
                ));
            }
        }
    })
}

#[derive(Debug, Clone, Args)]
pub(crate) struct DescribeArgs {
    /// Kind, as for `get`
    pub kind: String,
    /// Name of the resource
    pub name: String,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct DeleteArgs {
    /// KIND NAME... or KIND/NAME..., as for `get` (or -f)
    #[arg(value_name = "KIND NAME...", required_unless_present = "files", conflicts_with = "files")]
    pub args: Vec<String>,

    /// Delete the resources these manifests define (files, directories or - for stdin)
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    pub files: Vec<String>,

    /// Leave the SageMaker resource in AWS; only forget it here
    #[arg(long)]
    pub retain: bool,

    /// Wait until the resource is gone
    #[arg(long)]
    pub wait: bool,

    /// Give up waiting after this long (e.g. 10m)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, requires = "wait")]
    pub timeout: Option<Duration>,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct StopArgs {
    /// KIND NAME... or KIND/NAME..., as for `get`; only job kinds (trainingjobs) can be stopped
    #[arg(required = true, num_args = 1.., value_name = "KIND NAME...")]
    pub args: Vec<String>,

    /// Then follow each job until it has ended; exit 0 when it ends Stopped (or Completed first)
    #[arg(long)]
    pub wait: bool,

    /// Give up waiting after this long (e.g. 10m)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, requires = "wait")]
    pub timeout: Option<Duration>,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct AdoptArgs {
    /// Kind, as for `get` (endpoint, trainingjob, model, ...)
    pub kind: String,

    /// The AWS name (for kinds named by several fields, JSON: '{"resourceID": ..., ...}')
    #[arg(required_unless_present = "all")]
    pub aws_name: Option<String>,

    /// Adopt every resource of the kind in the account and region that --prefix and --tag pick
    #[arg(long, conflicts_with_all = ["aws_name", "name"])]
    pub all: bool,

    /// With --all: only names starting with this
    #[arg(long, requires = "all", default_value = "")]
    pub prefix: String,

    /// With --all: only resources carrying this tag (KEY=VALUE; repeatable, all must match)
    #[arg(long = "tag", value_name = "KEY=VALUE", requires = "all", value_parser = parse_tag)]
    pub tags: Vec<String>,

    /// Name of the resource to make [default: the AWS name]
    #[arg(long)]
    pub name: Option<String>,

    /// Region the AWS resource is in [default: the namespace's, else the agent's]
    #[arg(long)]
    pub region: Option<String>,

    /// AWS account the resource is in [default: the namespace's]; the namespace must allow it
    /// (sagemaker.services.k8s.aws/allowed-owner-account-ids)
    #[arg(long)]
    pub account: Option<String>,

    /// Print the manifest the resource would be made from, and make nothing (to commit it to Git first)
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct WatchArgs {
    /// Kind, as for `get`
    pub kind: String,
    /// Name of the resource
    pub name: String,

    /// Give up after this long (e.g. 30m); default: until the status is final
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct CompletionArgs {
    /// bash, zsh, fish, or kubectl (the helper script kubectl runs)
    #[arg(value_parser = ["bash", "zsh", "fish", "kubectl"])]
    pub shell: String,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct InstallArgs {
    /// IAM role the agent acts as, through IRSA (the ServiceAccount's eks.amazonaws.com/role-arn)
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,

    /// AWS region for resources that name none (default: the pod's AWS_REGION, which EKS sets)
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// Manage the resources of this namespace only
    #[arg(long, value_name = "NS")]
    pub watch_namespace: Option<String>,

    /// Agent image (default: this version's)
    #[arg(long, value_name = "IMAGE")]
    pub image: Option<String>,

    /// Replicas (one reconciles, all serve the plugin)
    #[arg(long, value_name = "N")]
    pub replicas: Option<u32>,

    /// Apply the manifests to the cluster (server-side, as kubectl-sagemaker) instead of printing them
    #[arg(long)]
    pub apply: bool,

    /// Output format when printing
    #[arg(short = 'o', long, value_name = "FORMAT", default_value = "yaml")]
    pub output: DocumentFormat,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct UninstallArgs {
    /// Delete the CustomResourceDefinitions too, and with them every resource of their kinds
    #[arg(long)]
    pub crds: bool,

    /// Only say what would be deleted
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct LogsArgs {
    /// KIND NAME or KIND/NAME; KIND as for `get`
    #[arg(required = true, num_args = 1..=2, value_name = "KIND NAME")]
    pub resource: Vec<String>,

    /// Keep printing new lines until the job ends (an endpoint: until interrupted)
    #[arg(short = 'f', long)]
    pub follow: bool,

    /// Only lines newer than this, e.g. 10m or 1h (default: from the start)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub since: Option<Duration>,

    /// Only the last N lines of all streams together (then, with -f, the new ones); -1: all
    #[arg(long, value_name = "N", default_value_t = -1, allow_negative_numbers = true)]
    pub tail: i64,

    /// Start each line with the time it was written (RFC 3339, UTC)
    #[arg(long)]
    pub timestamps: bool,

    /// Only streams whose name starts with this, e.g. algo-2 or AllTraffic
    #[arg(long, value_name = "PREFIX")]
    pub stream: Option<String>,

    /// Do not start each line with its stream
    #[arg(long)]
    pub no_prefix: bool,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct ClustersArgs {
    /// Output format: yaml or json (default: a table)
    #[arg(short = 'o', long, value_name = "FORMAT")]
    pub output: Option<DocumentFormat>,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct VersionArgs {
    /// Print only the plugin's version; do not contact the agent
    #[arg(long)]
    pub client: bool,
}

/// Parses kubectl-style durations: `30s`, `5m`, `1h30m`, `500ms`, `2d`; a bare
/// number is seconds.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let invalid = || format!("invalid duration {text:?}: use a number and a unit, e.g. 30s, 5m or 2h");
    let text = text.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    if rest.is_empty() {
        return Err(invalid());
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(invalid)?;
        let number: u64 = rest[..digits].parse().map_err(|_| invalid())?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "ms" => Duration::from_millis(1),
            "s" => Duration::from_secs(1),
            "m" => Duration::from_secs(60),
            "h" => Duration::from_secs(3600),
            "d" => Duration::from_secs(86_400),
            _ => return Err(invalid()),
        };
        total += unit * u32::try_from(number).map_err(|_| invalid())?;
        rest = &rest[unit_len..];
    }
    Ok(total)
}

/// A regular expression, checked here so that a typo is a usage error.
fn parse_regex(s: &str) -> Result<regex::Regex, String> {
    regex::Regex::new(s).map_err(|e| e.to_string())
}

/// `KEY=VALUE`, checked here so that a typo fails before anything is asked.
fn parse_tag(s: &str) -> Result<String, String> {
    match s.split_once('=') {
        Some((k, _)) if !k.is_empty() => Ok(s.to_string()),
        _ => Err(format!("{s:?} is not KEY=VALUE")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_kubectl_flags() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert!(parse_duration("ten minutes").is_err());
        assert!(parse_duration("5").is_ok());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("m").is_err());
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
