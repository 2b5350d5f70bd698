use clap::Parser;

fn main() -> std::process::ExitCode {
    mizan::cli::run(mizan::cli::Cli::parse())
}
