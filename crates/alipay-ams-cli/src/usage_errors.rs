//! Usage errors in this command's own words. Clap finds them; the messages
//! stay the ones the hand-written parser printed (`unknown flag `--x` for
//! `alipay-ams sign``, `missing --a, --b`, `--x is given more than once`),
//! followed by the subcommand's synopsis and where its help is, never the
//! whole help text.

use std::ffi::{OsStr, OsString};
use std::process::ExitCode;

use clap::error::{ContextKind, ContextValue, Error, ErrorKind};

use crate::failure::Failure;
use crate::usage;

/// The subcommand the command line names, if it is one of ours.
pub fn subcommand_name(command: &clap::Command, args: &[OsString]) -> Option<&'static str> {
    let given = args.get(1)?.to_str()?;
    command.find_subcommand(given)?;
    usage::COMMANDS.iter().copied().find(|name| *name == given)
}

/// A value flag directly followed by another flag of the same command
/// (`--key-version --body x`): almost always a forgotten value. Values may
/// start with `-` (see `cli::command`), so clap alone would take the flag as
/// the value; this is caught first, as the hand-written parser did.
pub fn value_followed_by_flag(
    command: &clap::Command,
    name: Option<&'static str>,
    args: &[OsString],
) -> Option<Failure> {
    let name = name?;
    let sub = command.find_subcommand(name)?;
    let takes_value = |long: &str| {
        sub.get_arguments()
            .any(|a| a.get_long() == Some(long) && a.get_action().takes_values())
    };
    let is_flag =
        |long: &str| long == "help" || sub.get_arguments().any(|a| a.get_long() == Some(long));
    let mut rest = args.iter().skip(2);
    while let Some(arg) = rest.next() {
        let Some(long) = long_name(arg) else { continue };
        if arg.to_str().is_some_and(|a| a.contains('=')) || !takes_value(long) {
            continue;
        }
        // The next argument is this flag's value, whatever it looks like,
        // unless it names a flag.
        if let Some(next) = rest.next().and_then(|next| long_name(next))
            && is_flag(next)
        {
            return Some(Failure::usage(
                Some(name),
                format!(
                    "--{long} needs a value, but is followed by the flag --{next} (to pass a value that starts with `--`, write --{long}=VALUE)"
                ),
            ));
        }
    }
    None
}

/// `body` for `--body` and `--body=x`.
fn long_name(arg: &OsStr) -> Option<&str> {
    let text = arg.to_str()?.strip_prefix("--")?;
    Some(text.split_once('=').map_or(text, |(name, _)| name)).filter(|n| !n.is_empty())
}

/// Prints what clap found and returns the exit code: 0 for `--help` and
/// `--version` (on stdout), 2 for anything else (on stderr).
pub fn report(error: &Error, command: Option<&'static str>) -> ExitCode {
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = error.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand | ErrorKind::MissingSubcommand => {
            Failure::usage(None, "missing a command").report()
        }
        _ => Failure::usage(command, message(error, command)).report(),
    }
}

/// The message for a usage error clap found.
fn message(error: &Error, command: Option<&str>) -> String {
    let invalid = first(error, ContextKind::InvalidArg);
    match (error.kind(), invalid.as_deref()) {
        (ErrorKind::UnknownArgument, Some(arg)) if arg.starts_with('-') => {
            let flag = arg.split_once('=').map_or(arg, |(flag, _)| flag);
            let mut text = match command {
                Some(command) => format!("unknown flag `{flag}` for `alipay-ams {command}`"),
                None => format!("unknown flag `{flag}`"),
            };
            if let Some(similar) = first(error, ContextKind::SuggestedArg) {
                text.push_str(&format!("; did you mean `{similar}`?"));
            }
            text
        }
        (ErrorKind::UnknownArgument, Some(arg)) => format!(
            "unexpected argument `{arg}`: every value follows its flag, e.g. --client-id ID"
        ),
        (ErrorKind::InvalidSubcommand, _) => {
            let name = first(error, ContextKind::InvalidSubcommand).unwrap_or_default();
            let mut text = format!("unknown command `{name}`");
            if let Some(similar) = first(error, ContextKind::SuggestedSubcommand) {
                text.push_str(&format!("; did you mean `{similar}`?"));
            }
            text
        }
        (ErrorKind::ArgumentConflict, Some(arg)) => {
            let prior = first(error, ContextKind::PriorArg);
            if prior.as_deref().map(flag_of) == Some(flag_of(arg)) {
                format!("{} is given more than once", flag_of(arg))
            } else {
                format!(
                    "{} cannot be used with {}",
                    flag_of(arg),
                    prior.as_deref().map_or("another flag", flag_of)
                )
            }
        }
        (ErrorKind::MissingRequiredArgument, _) => {
            let missing: Vec<&str> = strings(error, ContextKind::InvalidArg)
                .into_iter()
                .map(flag_of)
                .collect();
            format!("missing {}", missing.join(", "))
        }
        (ErrorKind::TooManyValues, Some(arg)) if arg.starts_with("--") => {
            format!("{} is a switch and takes no value", flag_of(arg))
        }
        (ErrorKind::InvalidValue, Some(arg)) => {
            let value = first(error, ContextKind::InvalidValue).unwrap_or_default();
            let valid = strings(error, ContextKind::ValidValue);
            if value.is_empty() && valid.is_empty() {
                format!("{} needs a value", flag_of(arg))
            } else if valid.is_empty() {
                format!("{}: {value:?} is not a valid value", flag_of(arg))
            } else {
                format!(
                    "{} {value:?} is not one of {}",
                    flag_of(arg),
                    valid.join(", ")
                )
            }
        }
        _ => clap_message(error),
    }
}

/// `--body` for `--body <TEXT>`.
fn flag_of(rendered: &str) -> &str {
    rendered.split_whitespace().next().unwrap_or(rendered)
}

fn first(error: &Error, kind: ContextKind) -> Option<String> {
    strings(error, kind).into_iter().next().map(str::to_owned)
}

fn strings(error: &Error, kind: ContextKind) -> Vec<&str> {
    match error.get(kind) {
        Some(ContextValue::String(one)) => vec![one.as_str()],
        Some(ContextValue::Strings(many)) => many.iter().map(String::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Clap's own first line, for the errors this file does not re-word.
fn clap_message(error: &Error) -> String {
    let rendered = error.render().to_string();
    let line = rendered.lines().next().unwrap_or_default();
    line.strip_prefix("error: ").unwrap_or(line).to_owned()
}
