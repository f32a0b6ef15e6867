//! The `parvis` command: parses the command line and hands over to the library.

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = parvis::cli::Cli::parse();
    match parvis::cli::run(cli, &mut std::io::stdout()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(detail) = e.log_detail() {
                tracing::error!("{detail}");
            }
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
