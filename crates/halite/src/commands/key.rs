//! `halite key`: minion key management, with salt-key's flags and texts.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Args;
use halite_proto::{CliRequest, KeyAction};
use serde_json::{Map, Value};

use crate::cli::{EXIT_OK, OutputFlags};
use crate::client::MasterClient;
use crate::printer::Printer;

#[derive(Args, Debug)]
pub struct KeyArgs {
    #[arg(
        short = 'c',
        long = "config-dir",
        default_value = "/etc/halite",
        env = "HALITE_CONFIG_DIR"
    )]
    pub config_dir: PathBuf,
    /// List all keys.
    #[arg(short = 'L', long = "list-all", group = "action")]
    pub list: bool,
    /// Accept the keys matching this glob.
    #[arg(short = 'a', long = "accept", group = "action", value_name = "ID")]
    pub accept: Option<String>,
    /// Accept all pending keys.
    #[arg(short = 'A', long = "accept-all", group = "action")]
    pub accept_all: bool,
    /// Reject the keys matching this glob.
    #[arg(short = 'r', long = "reject", group = "action", value_name = "ID")]
    pub reject: Option<String>,
    /// Reject all pending keys.
    #[arg(short = 'R', long = "reject-all", group = "action")]
    pub reject_all: bool,
    /// Delete the keys matching this glob.
    #[arg(short = 'd', long = "delete", group = "action", value_name = "ID")]
    pub delete: Option<String>,
    /// Delete all keys.
    #[arg(short = 'D', long = "delete-all", group = "action")]
    pub delete_all: bool,
    /// Print the fingerprints of the keys matching this glob.
    #[arg(short = 'f', long = "finger", group = "action", value_name = "ID")]
    pub finger: Option<String>,
    /// Print all fingerprints.
    #[arg(short = 'F', long = "finger-all", group = "action")]
    pub finger_all: bool,
    /// Write a new key pair NAME.pem/NAME.pub (to pre-seed a minion), no master needed.
    #[arg(long = "gen-keys", group = "action", value_name = "NAME")]
    pub gen_keys: Option<String>,
    /// Directory for --gen-keys.
    #[arg(long = "gen-keys-dir", default_value = ".")]
    pub gen_keys_dir: PathBuf,
    /// Answer yes to the confirmation prompt.
    #[arg(short = 'y', long = "yes")]
    pub yes: bool,
    #[arg(long = "include-rejected")]
    pub include_rejected: bool,
    #[arg(long = "include-denied")]
    pub include_denied: bool,
    #[arg(long = "include-accepted")]
    pub include_accepted: bool,
    #[command(flatten)]
    pub output: OutputFlags,
}

/// salt-key's order and headings.
const STATES: [(&str, &str); 4] = [
    ("minions", "Accepted Keys:"),
    ("minions_denied", "Denied Keys:"),
    ("minions_pre", "Unaccepted Keys:"),
    ("minions_rejected", "Rejected Keys:"),
];

pub fn run(args: KeyArgs) -> Result<ExitCode> {
    if let Some(name) = &args.gen_keys {
        let identity = halite_pki::Identity::generate()?;
        identity.write(&args.gen_keys_dir, name)?;
        println!(
            "Wrote {0}/{1}.pem and {0}/{1}.pub (fingerprint {2})",
            args.gen_keys_dir.display(),
            name,
            identity.fingerprint()
        );
        return Ok(ExitCode::from(EXIT_OK));
    }
    super::cli_runtime()?.block_on(run_async(args))
}

async fn run_async(args: KeyArgs) -> Result<ExitCode> {
    let mut printer = Printer::new(&args.output)?;
    let (mut client, cfg) = MasterClient::connect(&args.config_dir).await?;
    let list = client.request(&CliRequest::Key(KeyAction::List)).await?;
    let (pattern, verb, action, from): (String, &str, Option<KeyAction>, Vec<&str>) =
        if let Some(p) = args
            .accept
            .clone()
            .or(args.accept_all.then(|| "*".to_owned()))
        {
            let action = KeyAction::Accept {
                pattern: p.clone(),
                include_rejected: args.include_rejected,
                include_denied: args.include_denied,
            };
            let from = preview_sources(&[
                (args.include_rejected, "minions_rejected"),
                (args.include_denied, "minions_denied"),
            ]);
            (p, "accepted", Some(action), from)
        } else if let Some(p) = args
            .reject
            .clone()
            .or(args.reject_all.then(|| "*".to_owned()))
        {
            let action = KeyAction::Reject {
                pattern: p.clone(),
                include_accepted: args.include_accepted,
                include_denied: args.include_denied,
            };
            let from = preview_sources(&[
                (args.include_accepted, "minions"),
                (args.include_denied, "minions_denied"),
            ]);
            (p, "rejected", Some(action), from)
        } else if let Some(p) = args
            .delete
            .clone()
            .or(args.delete_all.then(|| "*".to_owned()))
        {
            let action = KeyAction::Delete { pattern: p.clone() };
            (
                p,
                "deleted",
                Some(action),
                STATES.iter().map(|s| s.0).collect(),
            )
        } else if let Some(p) = args
            .finger
            .clone()
            .or(args.finger_all.then(|| "*".to_owned()))
        {
            let data = client
                .request(&CliRequest::Key(KeyAction::Finger { pattern: p }))
                .await?;
            print_fingers(&mut printer, &cfg, &data)?;
            return Ok(ExitCode::from(EXIT_OK));
        } else {
            print_list(&mut printer, &list)?;
            return Ok(ExitCode::from(EXIT_OK));
        };
    let Some(action) = action else {
        unreachable!("every branch above sets an action")
    };
    let matching = matching_keys(&list, &pattern, &from);
    if matching.iter().all(|(_, ids)| ids.is_empty()) {
        eprintln!(
            "The key glob '{pattern}' does not match any {} keys.",
            if verb == "accepted" { "unaccepted" } else { "" }.trim()
        );
        return Ok(ExitCode::from(EXIT_OK));
    }
    if !args.yes {
        println!("The following keys are going to be {verb}:");
        for (heading, ids) in &matching {
            if !ids.is_empty() {
                println!("{heading}");
                for id in ids {
                    println!("{id}");
                }
            }
        }
        if !confirm()? {
            return Ok(ExitCode::from(EXIT_OK));
        }
    }
    let changed = client.request(&CliRequest::Key(action)).await?;
    for id in changed.as_array().into_iter().flatten() {
        println!("Key for minion {} {verb}.", id.as_str().unwrap_or_default());
    }
    Ok(ExitCode::from(EXIT_OK))
}

/// The key directories a change takes keys from, for the preview: pending,
/// plus those whose `--include-*` flag is set (the master applies the same
/// rule to the key store).
fn preview_sources(also: &[(bool, &'static str)]) -> Vec<&'static str> {
    std::iter::once("minions_pre")
        .chain(also.iter().filter(|(on, _)| *on).map(|(_, dir)| *dir))
        .collect()
}

fn confirm() -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!("refusing to change keys without confirmation; pass -y to confirm");
    }
    print!("Proceed? [n/Y] ");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    let answer = answer.trim().to_ascii_lowercase();
    Ok(answer.is_empty() || answer.starts_with('y'))
}

fn matching_keys(list: &Value, pattern: &str, from: &[&str]) -> Vec<(&'static str, Vec<String>)> {
    // The master's own glob rules, so the preview shows what will change.
    let glob = halite_pki::key_glob(pattern);
    STATES
        .iter()
        .filter(|(dir, _)| from.contains(dir))
        .map(|(dir, heading)| {
            let ids = list[*dir]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .filter(|id| glob.is_match(id))
                .map(str::to_owned)
                .collect();
            (*heading, ids)
        })
        .collect()
}

fn print_list(printer: &mut Printer, list: &Value) -> Result<()> {
    if printer.has_out() {
        return printer.data(list);
    }
    let mut text = String::new();
    for (dir, heading) in STATES {
        text.push_str(heading);
        text.push('\n');
        for id in list[dir]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            text.push_str(id);
            text.push('\n');
        }
    }
    print!("{text}");
    Ok(())
}

fn print_fingers(
    printer: &mut Printer,
    cfg: &halite_config::MasterConfig,
    data: &Value,
) -> Result<()> {
    let mut local = Map::new();
    if let Ok(pem) = std::fs::read_to_string(cfg.common.pki_dir.join("master.pub"))
        && let Some(spki) = halite_pki::spki_from_pem(&pem)
    {
        local.insert(
            "master.pub".into(),
            Value::String(halite_pki::fingerprint(&spki)),
        );
    }
    if printer.has_out() {
        let mut all = Map::new();
        all.insert("local".into(), Value::Object(local));
        if let Some(obj) = data.as_object() {
            all.extend(obj.clone());
        }
        return printer.data(&Value::Object(all));
    }
    let mut text = String::from("Local Keys:\n");
    for (name, fp) in &local {
        text.push_str(&format!("{name}:  {}\n", fp.as_str().unwrap_or_default()));
    }
    for (dir, heading) in STATES {
        let entries = data[dir].as_object().cloned().unwrap_or_default();
        if entries.is_empty() {
            continue;
        }
        text.push_str(heading);
        text.push('\n');
        for (id, fp) in entries {
            text.push_str(&format!("{id}:  {}\n", fp.as_str().unwrap_or_default()));
        }
    }
    print!("{text}");
    Ok(())
}
