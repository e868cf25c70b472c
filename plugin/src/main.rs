//! `kubectl sagemaker`: train, deploy and watch Amazon SageMaker resources
//! through the sagemaker-agent of a cluster.

mod cli;
mod commands;
mod complete;
mod connect;
mod discover;
mod error;
mod jsonpath;
mod kubeconfig;
mod manifests;
mod output;

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    // a CLI stays quiet unless asked: RUST_LOG=debug shows the gRPC traffic
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();

    // shells and kubectl ask with partial command lines that clap would
    // refuse: they get candidates, never an error
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("__complete") {
        print!("{}", complete::complete(&args[2..]).await);
        return ExitCode::SUCCESS;
    }
    let cli = cli::Cli::parse();
    match commands::run(cli).await {
        Ok(status) => status.into(),
        Err(err) if err.is_broken_pipe() => ExitCode::SUCCESS,
        Err(err) => {
            eprint!("{}", error::render(&err));
            err.exit_status().into()
        }
    }
}
