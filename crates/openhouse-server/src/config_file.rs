//! `--config FILE` (`OPENHOUSE_CONFIG`): the options of the command line from a TOML file.
//!
//! Every option that can be given as an environment variable can be given in the file, under
//! its long flag name (`rate-limit = 500`, `database-url = "..."`; `rate_limit` is taken too).
//! Precedence: a flag on the command line, then its environment variable, then the file, then
//! the built-in default.
//!
//! How: before clap parses, the file is read and each of its values becomes the default value
//! of its option, wherever the option is defined (in every subcommand that takes it). Clap
//! itself then applies the precedence (a flag over the variable over the default) and checks
//! the value with the option's own parser, so a value from the file is taken and refused
//! exactly as the same value on the command line is. (The other way, setting each key as an
//! environment variable of the process before parsing, would put the file's values where the
//! environment's are, so a variable set for real could not be told from one read from the
//! file, and would change the environment every later reader of it sees.)
//!
//! A key that names no such option is refused, naming it: a typo is never silently ignored.
//! A known key that the command being run does not take (`listen` for `migrate`) is left
//! alone, so one file serves every command.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::Command;

/// The environment variable naming the file.
pub const ENV: &str = "OPENHOUSE_CONFIG";

/// The file the command line names (`--config FILE`, `--config=FILE`), else the one
/// `OPENHOUSE_CONFIG` names, else none. `args` starts with the program's name.
pub fn path_from(args: &[OsString], env: Option<OsString>) -> Option<PathBuf> {
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        if a == "--config" {
            return it.next().map(PathBuf::from);
        }
        if let Some(v) = a.to_str().and_then(|s| s.strip_prefix("--config=")) {
            return Some(PathBuf::from(v));
        }
    }
    env.filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// The options a file may set: the long names of the options that have an environment
/// variable, anywhere in `cmd`'s tree (the file's own `--config` apart).
fn settable(cmd: &Command, out: &mut BTreeMap<String, bool>) {
    for a in cmd.get_arguments() {
        if let Some(long) = a.get_long() {
            let with_env = a.get_env().is_some() && long != "config";
            let e = out.entry(long.to_string()).or_insert(false);
            *e |= with_env;
        }
    }
    for s in cmd.get_subcommands() {
        settable(s, out);
    }
}

/// A TOML value as an option's text.
fn text(key: &str, v: &toml::Value) -> Result<String, String> {
    match v {
        toml::Value::String(s) => Ok(s.clone()),
        toml::Value::Integer(i) => Ok(i.to_string()),
        toml::Value::Float(f) => Ok(f.to_string()),
        toml::Value::Boolean(b) => Ok(b.to_string()),
        _ => Err(format!("'{key}' must be a string, a number or true/false")),
    }
}

/// The values of a configuration file's text, by option name, checked against `cmd`'s options.
pub fn read(cmd: &Command, source: &str) -> Result<BTreeMap<String, String>, String> {
    let table: toml::Table = source.parse().map_err(|e: toml::de::Error| {
        // toml's message points into the text over several lines; one line says it
        let msg = e.message().to_string();
        match e.span() {
            Some(span) => {
                let line = source[..span.start.min(source.len())].matches('\n').count() + 1;
                format!("line {line}: {msg}")
            }
            None => msg,
        }
    })?;
    let mut known = BTreeMap::new();
    settable(cmd, &mut known);
    let mut out = BTreeMap::new();
    for (key, value) in &table {
        let name = key.replace('_', "-");
        match known.get(&name) {
            Some(true) => {}
            Some(false) => {
                return Err(format!(
                    "'{key}' is given on the command line only, not in a configuration file"
                ));
            }
            None => {
                return Err(format!(
                    "unknown key '{key}' (keys are the long names of the options, e.g. \
                     rate-limit, database-url)"
                ));
            }
        }
        if out.insert(name.clone(), text(key, value)?).is_some() {
            return Err(format!("'{name}' is set twice"));
        }
    }
    Ok(out)
}

/// `cmd` with the values of `values` as the defaults of their options, wherever they are
/// defined.
pub fn apply(mut cmd: Command, values: &BTreeMap<String, String>) -> Command {
    let ids: Vec<(String, String, bool)> = cmd
        .get_arguments()
        .filter(|a| a.get_env().is_some())
        .filter_map(|a| {
            let long = a.get_long()?;
            let v = values.get(long)?;
            Some((
                a.get_id().to_string(),
                v.clone(),
                a.is_hide_env_values_set(),
            ))
        })
        .collect();
    for (id, value, secret) in ids {
        cmd = cmd.mut_arg(id, |a| a.default_value(value).hide_default_value(secret));
    }
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in subs {
        cmd = cmd.mut_subcommand(name, |s| apply(s, values));
    }
    cmd
}

/// `cmd` with the defaults of the file the arguments or the environment name, if any.
pub fn with_file(cmd: Command, path: &Path) -> Result<Command, String> {
    let source = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the configuration file {}: {e}", path.display()))?;
    let values = read(&cmd, &source).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(apply(cmd, &values))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Arg, ArgAction};

    fn cmd() -> Command {
        Command::new("t")
            .arg(Arg::new("config").long("config").env(ENV).global(true))
            .subcommand(
                Command::new("serve")
                    .arg(
                        Arg::new("rate_limit")
                            .long("rate-limit")
                            .env("T_RATE_LIMIT")
                            .default_value("500"),
                    )
                    .arg(
                        Arg::new("private")
                            .long("allow-private")
                            .env("T_PRIVATE")
                            .action(ArgAction::SetTrue),
                    )
                    .arg(Arg::new("json").long("json").action(ArgAction::SetTrue)),
            )
    }

    #[test]
    fn keys_values_and_refusals() {
        let v = read(&cmd(), "rate_limit = 7\nallow-private = true\n").unwrap();
        assert_eq!(v["rate-limit"], "7");
        assert_eq!(v["allow-private"], "true");
        let e = read(&cmd(), "rate-limt = 7").unwrap_err();
        assert!(e.contains("'rate-limt'"), "{e}");
        let e = read(&cmd(), "json = true").unwrap_err();
        assert!(e.contains("command line only"), "{e}");
        let e = read(&cmd(), "config = 'x.toml'").unwrap_err();
        assert!(e.contains("'config'"), "{e}");
        let e = read(&cmd(), "rate-limit = 1\nrate_limit = 2").unwrap_err();
        assert!(e.contains("twice"), "{e}");
        let e = read(&cmd(), "rate-limit = [1]").unwrap_err();
        assert!(e.contains("'rate-limit'"), "{e}");
        let e = read(&cmd(), "\nrate-limit = ").unwrap_err();
        assert!(e.starts_with("line 2:"), "{e}");
    }

    #[test]
    fn the_file_is_a_default_under_the_command_line() {
        let values = read(&cmd(), "rate-limit = 7\nallow-private = true").unwrap();
        let m = apply(cmd(), &values)
            .try_get_matches_from(["t", "serve"])
            .unwrap();
        let s = m.subcommand_matches("serve").unwrap();
        assert_eq!(s.get_one::<String>("rate_limit").unwrap(), "7");
        assert!(s.get_flag("private"));
        let m = apply(cmd(), &values)
            .try_get_matches_from(["t", "serve", "--rate-limit", "9"])
            .unwrap();
        let s = m.subcommand_matches("serve").unwrap();
        assert_eq!(s.get_one::<String>("rate_limit").unwrap(), "9");
    }

    #[test]
    fn the_file_is_named_by_flag_then_environment() {
        let args = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
        let env = Some(OsString::from("env.toml"));
        assert_eq!(
            path_from(&args(&["t", "serve", "--config", "a.toml"]), env.clone()),
            Some(PathBuf::from("a.toml"))
        );
        assert_eq!(
            path_from(&args(&["t", "--config=b.toml", "serve"]), env.clone()),
            Some(PathBuf::from("b.toml"))
        );
        assert_eq!(
            path_from(&args(&["t", "serve"]), env.clone()),
            Some(PathBuf::from("env.toml"))
        );
        assert_eq!(
            path_from(&args(&["t", "serve", "--", "--config", "c"]), None),
            None
        );
    }
}
