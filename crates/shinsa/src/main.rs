//! `shinsa`: screen critical-infrastructure registers against supply-chain
//! security lists and sector policy.

mod cli;
mod demo;
mod list_commands;
mod list_store;
mod matching;
mod net_commands;
mod output;
mod policy_commands;
mod screen_command;
mod server_commands;

use clap::Parser;
use std::process::ExitCode;

/// Screening allocates many small values per subject (Cedar entities and
/// findings); mimalloc is measurably faster at that than the system allocator
/// (DESIGN.md, "Policy").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(cli::EXIT_BAD_INPUT)
        }
    }
}
