use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    // kube (rustls) and the AWS SDK both link rustls: pick the provider once
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let args = sagemaker_agent::args::Args::parse();
    match args.run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                eprintln!("  Caused by: {s}");
                source = s.source();
            }
            if let Some(hint) = e.hint() {
                eprintln!("hint: {hint}");
            }
            ExitCode::FAILURE
        }
    }
}
