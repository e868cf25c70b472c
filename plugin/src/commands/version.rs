//! `version [--client]`: the plugin's version, then the agent's, like
//! `kubectl version` shows the client and then the server.

use crate::{
    cli::VersionArgs,
    connect::Session,
    error::{ExitStatus, Result},
    output::{out, outln},
};

/// `version --client`: the plugin's version alone.
pub(super) fn client() -> Result<ExitStatus> {
    outln(format!("kubectl-sagemaker {}", env!("CARGO_PKG_VERSION")))?;
    Ok(ExitStatus::Success)
}

pub(super) async fn run(session: &Session, args: &VersionArgs) -> Result<ExitStatus> {
    if args.client {
        return client();
    }
    client()?;
    let agent = session.connect().await?;
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
        crate::output::errln(format!(
            "warning: the agent speaks {} and this plugin {}; some commands may fail",
            info.api_version,
            sagemaker_proto::API_VERSION
        ));
    }
    Ok(ExitStatus::Success)
}
