//! `mizan user add NAME --role ROLE`: create a staff account (or give an existing one a new
//! role and password, and enable it). The password is read twice from standard input, one line
//! each, so that it never appears in the command line, the shell history or `ps`. The first
//! admin is made this way; the admin pages do the rest. `mizan analyst add NAME` is the same
//! with the analyst role (kept for the scripts written before roles).

use std::io::BufRead;
use std::process::ExitCode;

use crate::accounts::{self, Role, StaffName};
use crate::db::Db;
use crate::{Error, Result};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Add a staff account (or change its role and password): the password is read twice from
    /// stdin.
    Add {
        /// Sign-in name: letters (Arabic or Latin), digits, `.`, `_`, `-`, single spaces.
        name: String,
        /// admin, designer, analyst or interviewer.
        #[arg(long)]
        role: String,
    },
}

/// `mizan analyst add NAME`.
#[derive(Debug, clap::Args)]
pub struct AnalystArgs {
    #[command(subcommand)]
    pub action: AnalystAction,
}

#[derive(Debug, clap::Subcommand)]
pub enum AnalystAction {
    /// Add an analyst (or change their password): the password is read twice from stdin.
    Add { name: String },
}

pub fn run(args: Args) -> ExitCode {
    let Action::Add { name, role } = args.action;
    report(
        &name,
        Role::parse(&role).ok_or_else(|| {
            Error::BadRequest(format!(
                "unknown role `{role}`: use admin, designer, analyst or interviewer"
            ))
        }),
    )
}

pub fn run_analyst(args: AnalystArgs) -> ExitCode {
    let AnalystAction::Add { name } = args.action;
    report(&name, Ok(Role::Analyst))
}

fn report(name: &str, role: Result<Role>) -> ExitCode {
    match role.and_then(|role| add(name, role).map(|new| (role, new))) {
        Ok((role, true)) => {
            println!("{} `{}` added", role.code(), name.trim());
            ExitCode::SUCCESS
        }
        Ok((role, false)) => {
            println!("{} `{}`: password changed", role.code(), name.trim());
            ExitCode::SUCCESS
        }
        Err(e) => super::fail(e),
    }
}

fn add(name: &str, role: Role) -> Result<bool> {
    let name = StaffName::parse(name)?;
    eprintln!(
        "password for `{name}` (at least {} characters), then the same again:",
        accounts::MIN_PASSWORD_CHARS
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
    let hash = accounts::hash_password(&first)?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| Error::Other(e.to_string()))?;
    runtime.block_on(async {
        let db = Db::connect(&super::migrate::database_url()).await?;
        let added = db.put_staff(name.as_str(), role.code(), &hash).await;
        db.close().await;
        added
    })
}
