//! `version [--client]`: the plugin's version, then the agent's, like
//! `kubectl version` shows the client and then the server.

use crate::{
    cli::{GlobalArgs, VersionArgs},
    connect::Session,
    error::{ExitStatus, Result},
    kubeconfig::Kubeconfigs,
    output::{out, outln},
};

pub(super) async fn run(global: &GlobalArgs, args: &VersionArgs) -> Result<ExitStatus> {
    outln(format!("kubectl-sagemaker {}", env!("CARGO_PKG_VERSION")))?;
    if args.client {
        return Ok(ExitStatus::Success);
    }
    let kubeconfigs = Kubeconfigs::load(global.kubeconfig.as_deref())?;
    let agent = Session::resolve(global, &kubeconfigs, global.context.as_deref()).await?.connect().await?;
    let info = &agent.info;
    let or_none = |s: &str| {
        if s.is_empty() {
            "<none>".to_string()
        } else {
            s.to_string()
        }
    };
    let fields = [
        ("Agent", agent.url.clone()),
        ("Agent Version", or_none(&info.agent_version)),
        ("API Version", or_none(&info.api_version)),
        ("Mode", or_none(&info.mode)),
        ("AWS Backend", or_none(&info.aws_backend)),
        ("Region", or_none(&info.default_region)),
        ("Account", or_none(&info.account_id)),
    ];
    let mut text = String::new();
    for (label, value) in fields {
        text.push_str(&format!("{:<15}{value}\n", format!("{label}:")));
    }
    out(&text)?;
    if !info.api_version.is_empty() && info.api_version != sagemaker_proto::API_VERSION {
        eprintln!(
            "warning: the agent speaks {} and this plugin {}; some commands may fail",
            info.api_version,
            sagemaker_proto::API_VERSION
        );
    }
    Ok(ExitStatus::Success)
}
