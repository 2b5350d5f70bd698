//! `mizan analyst add NAME`: create an analyst account for the results pages (or set a new
//! password for an existing one). The password is read twice from standard input, one line
//! each, so that it never appears in the command line, the shell history or `ps`.

use std::io::BufRead;
use std::process::ExitCode;

use crate::db::Db;
use crate::results::access;
use crate::{Error, Result};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Add an analyst (or change their password): the password is read twice from stdin.
    Add {
        /// Sign-in name: letters, digits, `.`, `_` or `-`.
        name: String,
    },
}

pub fn run(args: Args) -> ExitCode {
    match args.action {
        Action::Add { name } => match add(&name) {
            Ok(true) => {
                println!("analyst `{name}` added");
                ExitCode::SUCCESS
            }
            Ok(false) => {
                println!("analyst `{name}`: password changed");
                ExitCode::SUCCESS
            }
            Err(e) => super::fail(e),
        },
    }
}

fn add(name: &str) -> Result<bool> {
    access::check_name(name)?;
    eprintln!(
        "password for `{name}` (at least {} characters), then the same again:",
        access::MIN_PASSWORD_CHARS
    );
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let mut next = || -> Result<String> {
        match lines.next() {
            Some(Ok(line)) => Ok(line.trim_end_matches('\r').to_string()),
            Some(Err(e)) => Err(Error::io("<stdin>", e)),
            None => Err(Error::BadRequest(
                "no password given on standard input".into(),
            )),
        }
    };
    let (first, second) = (next()?, next()?);
    if first != second {
        return Err(Error::BadRequest("the two passwords differ".into()));
    }
    let hash = access::hash_password(&first)?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| Error::Other(e.to_string()))?;
    runtime.block_on(async {
        let db = Db::connect(&super::migrate::database_url()).await?;
        let added = db.put_analyst(name, &hash).await;
        db.close().await;
        added
    })
}
