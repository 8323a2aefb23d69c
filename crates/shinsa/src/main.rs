//! `shinsa`: screen critical-infrastructure registers against supply-chain
//! security lists and sector policy.

mod cli;
mod demo;
mod list_commands;
mod matching;
mod net_commands;
mod output;
mod policy_commands;
mod screen_command;
mod server_commands;
mod vulns_commands;

use clap::Parser;
use std::process::ExitCode;

/// Screening allocates many small values per subject (Cedar entities and
/// findings); mimalloc is measurably faster at that than the system allocator
/// (DESIGN.md, "Policy").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    // PDFs from outside are read by this program in a child process, held
    // to the reader's limits (`shinsa pdf-text`).
    if let Ok(program) = std::env::current_exe() {
        shinsa_ingest::lists::pdf_text::use_helper(shinsa_ingest::lists::pdf_text::Helper {
            program,
            args: vec!["pdf-text".into()],
        });
    }
    match cli::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(cli::EXIT_BAD_INPUT)
        }
    }
}
