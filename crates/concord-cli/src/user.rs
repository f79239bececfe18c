//! `concord user …` and `concord audit`: editors' accounts and the audit trail, from the
//! command line. `concord user add NAME --role admin` creates the first administrator.
//!
//! Passwords come from `--password-stdin` (one line), else `CONCORD_PASSWORD`, else a prompt
//! on the terminal with echo off. They are never printed or logged; only their argon2id hash is
//! stored. Account changes made here are recorded in the audit trail as done by `cli:USER`.

use std::{
    io::{BufRead, IsTerminal, Write},
    process::ExitCode,
};

use anyhow::{Context, bail};
use clap::Subcommand;
use concord_server::auth;
use concord_store::{NewAudit, Role};
use serde_json::json;

use crate::{Config, open_store};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. The password is read from --password-stdin, CONCORD_PASSWORD or a
    /// prompt.
    Add {
        name: String,
        #[arg(long, value_parser = ["admin", "editor", "viewer"])]
        role: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts (name, role, created, disabled).
    List {
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
    /// Set a new password (ends the account's sessions).
    Passwd {
        name: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Change an account's role.
    Role {
        name: String,
        #[arg(value_parser = ["admin", "editor", "viewer"])]
        role: String,
    },
    /// Disable an account (ends its sessions) or, with --enable, enable it again.
    Disable {
        name: String,
        #[arg(long)]
        enable: bool,
    },
}

/// Who the audit trail names for changes made on the command line.
fn cli_actor() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into());
    format!("cli:{user}")
}

/// The new password, from stdin, the environment or a prompt; checked against the rules.
fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    let password = if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        line.trim_end_matches(['\n', '\r']).to_owned()
    } else if let Ok(p) = std::env::var("CONCORD_PASSWORD") {
        p
    } else if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("New password: ")
            .context("cannot read the password from the terminal")?;
        let again = rpassword::prompt_password("Repeat the password: ")
            .context("cannot read the password from the terminal")?;
        if first != again {
            bail!("the two passwords differ");
        }
        first
    } else {
        bail!(
            "no password given: use --password-stdin, set CONCORD_PASSWORD, or run in a terminal"
        );
    };
    auth::check_new_password(&password).map_err(anyhow::Error::msg)?;
    Ok(password)
}

async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await?
        .map_err(anyhow::Error::msg)
}

fn parse_role(role: &str) -> anyhow::Result<Role> {
    role.parse().map_err(anyhow::Error::msg)
}

pub async fn run(config: &Config, command: UserCommand) -> anyhow::Result<ExitCode> {
    let store = open_store(config).await?;
    let accounts = store.accounts();
    let audit = |action: &str, name: &str, summary: serde_json::Value| NewAudit {
        username: cli_actor(),
        action: action.to_owned(),
        target_kind: "user".into(),
        target_id: name.to_owned(),
        summary,
    };
    match command {
        UserCommand::Add {
            name,
            role,
            password_stdin,
        } => {
            auth::check_username(&name).map_err(anyhow::Error::msg)?;
            let role = parse_role(&role)?;
            if accounts.get_user(&name).await?.is_some() {
                bail!("user {name:?} exists already (use `concord user passwd` or `role`)");
            }
            let hash = hash(read_password(password_stdin)?).await?;
            if accounts.create_user(&name, role, &hash).await?.is_none() {
                bail!("user {name:?} exists already");
            }
            accounts
                .append_audit(&audit("user.create", &name, json!({ "role": role })))
                .await?;
            eprintln!("created user {name} ({role})");
        }
        UserCommand::List { format } => {
            let users = accounts.list_users().await?;
            if format == "json" {
                println!("{}", serde_json::to_string_pretty(&users)?);
            } else {
                let mut out = std::io::stdout().lock();
                for u in &users {
                    writeln!(
                        out,
                        "{}\t{}\t{}{}",
                        u.username,
                        u.role,
                        u.created_at,
                        if u.disabled { "\tdisabled" } else { "" }
                    )?;
                }
            }
        }
        UserCommand::Passwd {
            name,
            password_stdin,
        } => {
            if accounts.get_user(&name).await?.is_none() {
                bail!("no user {name:?} (see `concord user list`)");
            }
            let hash = hash(read_password(password_stdin)?).await?;
            if !accounts.set_password(&name, &hash).await? {
                bail!("no user {name:?}");
            }
            accounts
                .append_audit(&audit("user.password", &name, json!({})))
                .await?;
            eprintln!("password of {name} changed; its sessions were ended");
        }
        UserCommand::Role { name, role } => {
            let role = parse_role(&role)?;
            if !accounts.set_role(&name, role).await? {
                bail!("no user {name:?} (see `concord user list`)");
            }
            accounts
                .append_audit(&audit("user.role", &name, json!({ "role": role })))
                .await?;
            eprintln!("{name} is now {role}");
        }
        UserCommand::Disable { name, enable } => {
            if !accounts.set_disabled(&name, !enable).await? {
                bail!("no user {name:?} (see `concord user list`)");
            }
            let action = if enable {
                "user.enable"
            } else {
                "user.disable"
            };
            accounts
                .append_audit(&audit(action, &name, json!({})))
                .await?;
            eprintln!("{name} {}", if enable { "enabled" } else { "disabled" });
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `concord audit`: the newest `limit` records.
pub async fn audit(config: &Config, limit: u32, json: bool) -> anyhow::Result<ExitCode> {
    let store = open_store(config).await?;
    let rows = store.accounts().list_audit(limit.clamp(1, 1000), 0).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = std::io::stdout().lock();
    for r in &rows {
        writeln!(
            out,
            "{}\t{}\t{}\t{}/{}\t{}",
            r.at, r.username, r.action, r.target_kind, r.target_id, r.summary
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
