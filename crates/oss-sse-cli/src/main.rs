//! `oss-sse`: server-side encryption for Alibaba Cloud OSS from the shell.

mod commands;
mod interrupt;
mod output;
mod settings;

use std::process::ExitCode;

use clap::Parser;

use output::{Fail, Output, esc};
use settings::ConnArgs;

/// Server-side encryption for Alibaba Cloud OSS: bucket encryption rules, encrypted uploads
/// and downloads, declared encryption, presigned URLs, and a local OSS emulator.
#[derive(Debug, Parser)]
#[command(name = "oss-sse", version)]
struct Cli {
    #[command(flatten)]
    conn: ConnArgs,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Output::Text)]
    output: Output,
    #[command(subcommand)]
    cmd: commands::Cmd,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("oss-sse: error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(async move {
        let mut interrupts = match interrupt::Interrupts::install() {
            Ok(i) => i,
            Err(e) => {
                eprintln!("oss-sse: error: cannot watch for signals: {e}");
                return ExitCode::FAILURE;
            }
        };
        let ctx = commands::Ctx {
            conn: cli.conn,
            out: cli.output,
            cancel: interrupts.token(),
        };
        let run = commands::run(cli.cmd, &ctx);
        tokio::pin!(run);
        let mut signal = None;
        let result = tokio::select! {
            r = &mut run => r,
            s = interrupts.next() => {
                signal = Some(s);
                eprintln!("oss-sse: {}: cleaning up (send the signal again to quit at once)", s.name());
                // The command saw the cancellation and is undoing what it started.
                tokio::select! {
                    r = &mut run => r,
                    again = interrupts.next() => std::process::exit(i32::from(again.code())),
                }
            }
        };
        finish(result, signal)
    })
}

fn finish(result: Result<(), Fail>, signal: Option<interrupt::Signal>) -> ExitCode {
    match result {
        Ok(()) => signal.map_or(ExitCode::SUCCESS, |s| ExitCode::from(s.code())),
        Err(f) => {
            for c in &f.cleaned {
                eprintln!("oss-sse: {}", esc(c));
            }
            match signal {
                Some(s) => {
                    if !f.cancelled {
                        eprintln!("oss-sse: error: {}", esc(&f.message));
                    }
                    ExitCode::from(s.code())
                }
                None => {
                    eprintln!("oss-sse: error: {}", esc(&f.message));
                    ExitCode::from(f.code)
                }
            }
        }
    }
}
