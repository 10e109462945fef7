//! A small, strict flag parser: `--name VALUE`, `--name=VALUE` and switches.
//!
//! Strict because scripts depend on the interface: an unknown flag, a flag given
//! twice, a stray positional argument or a missing value is a usage error (exit
//! 2), never silently ignored.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

use crate::failure::Failure;

/// One flag a subcommand accepts.
pub struct Flag {
    /// The name without the leading dashes.
    pub name: &'static str,
    /// `true` for `--name VALUE`, `false` for a switch such as `--explain`.
    pub takes_value: bool,
}

/// A flag that takes a value.
pub const fn value(name: &'static str) -> Flag {
    Flag {
        name,
        takes_value: true,
    }
}

/// A switch.
pub const fn switch(name: &'static str) -> Flag {
    Flag {
        name,
        takes_value: false,
    }
}

/// A subcommand's flags and usage text.
pub struct Command {
    /// The subcommand name.
    pub name: &'static str,
    /// Its `--help` text.
    pub usage: &'static str,
    /// The flags it accepts.
    pub flags: &'static [Flag],
}

/// What the command line asked for.
pub enum Parsed {
    /// `--help` or `-h`.
    Help,
    /// Flags to run with.
    Run(Args),
}

/// Parsed flags of one subcommand.
pub struct Args {
    command: &'static Command,
    values: HashMap<&'static str, OsString>,
    switches: Vec<&'static str>,
}

impl Command {
    /// Parses the arguments that follow the subcommand name.
    pub fn parse(&'static self, raw: Vec<OsString>) -> Result<Parsed, Failure> {
        let mut args = Args {
            command: self,
            values: HashMap::new(),
            switches: Vec::new(),
        };
        let mut rest = raw.into_iter();
        while let Some(arg) = rest.next() {
            let bytes = arg.as_encoded_bytes();
            if bytes == b"--help" || bytes == b"-h" {
                return Ok(Parsed::Help);
            }
            let Some(flag_bytes) = bytes.strip_prefix(b"--") else {
                return Err(self.usage_error(format!(
                    "unexpected argument `{}`: every value follows its flag, e.g. --client-id ID",
                    arg.to_string_lossy()
                )));
            };
            let (name_bytes, inline) = match flag_bytes.iter().position(|&b| b == b'=') {
                Some(at) => (flag_bytes.get(..at).unwrap_or_default(), Some(at + 3)),
                None => (flag_bytes, None),
            };
            let name = String::from_utf8_lossy(name_bytes);
            let Some(flag) = self.flags.iter().find(|f| f.name == name) else {
                return Err(self.usage_error(format!(
                    "unknown flag `--{name}` for `alipay-ams {}`",
                    self.name
                )));
            };
            if args.values.contains_key(flag.name) || args.switches.contains(&flag.name) {
                return Err(self.usage_error(format!("--{} is given more than once", flag.name)));
            }
            if !flag.takes_value {
                if inline.is_some() {
                    return Err(
                        self.usage_error(format!("--{} is a switch and takes no value", flag.name))
                    );
                }
                args.switches.push(flag.name);
                continue;
            }
            let value = match inline {
                // `--name=VALUE`: the value is the raw remainder of the argument,
                // so that it may be anything, even text starting with `--`.
                Some(skip) => inline_value(&arg, skip).ok_or_else(|| {
                    self.usage_error(format!("--{} is not valid UTF-8 text", flag.name))
                })?,
                None => {
                    let Some(next) = rest.next() else {
                        return Err(self.usage_error(format!("--{} needs a value", flag.name)));
                    };
                    if let Some(other) = self.flag_named_by(&next) {
                        return Err(self.usage_error(format!(
                            "--{} needs a value, but is followed by the flag --{other} (to pass a value that starts with `--`, write --{}=VALUE)",
                            flag.name, flag.name
                        )));
                    }
                    next
                }
            };
            args.values.insert(flag.name, value);
        }
        Ok(Parsed::Run(args))
    }

    /// A usage error for this subcommand.
    pub fn usage_error(&self, message: String) -> Failure {
        Failure::Usage {
            message,
            usage: self.usage,
        }
    }

    fn flag_named_by(&self, arg: &OsStr) -> Option<&'static str> {
        let text = arg.to_str()?.strip_prefix("--")?;
        let name = text.split_once('=').map_or(text, |(name, _)| name);
        if name == "help" {
            return Some("help");
        }
        self.flags.iter().find(|f| f.name == name).map(|f| f.name)
    }
}

/// The bytes of `arg` after its first `skip` bytes (`--name=`), without requiring
/// UTF-8 where the platform allows it.
#[cfg(unix)]
fn inline_value(arg: &OsStr, skip: usize) -> Option<OsString> {
    use std::os::unix::ffi::OsStrExt;
    Some(OsStr::from_bytes(arg.as_bytes().get(skip..)?).to_os_string())
}

#[cfg(not(unix))]
fn inline_value(arg: &OsStr, skip: usize) -> Option<OsString> {
    Some(OsString::from(arg.to_str()?.get(skip..)?))
}

impl Args {
    /// Whether a switch was given.
    pub fn switch(&self, name: &str) -> bool {
        self.switches.contains(&name)
    }

    /// Whether a value flag was given.
    pub fn has(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// Checks that every flag in `names` was given, naming all missing ones at once.
    pub fn require(&self, names: &[&str]) -> Result<(), Failure> {
        let missing: Vec<String> = names
            .iter()
            .filter(|n| !self.has(n))
            .map(|n| format!("--{n}"))
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(self.usage_error(format!("missing {}", missing.join(", "))))
        }
    }

    /// A text value, if given.
    pub fn text(&self, name: &str) -> Result<Option<String>, Failure> {
        match self.values.get(name) {
            None => Ok(None),
            Some(raw) => match raw.to_str() {
                Some(text) => Ok(Some(text.to_owned())),
                None => Err(self.usage_error(format!("--{name} is not valid UTF-8 text"))),
            },
        }
    }

    /// A required text value.
    pub fn required_text(&self, name: &str) -> Result<String, Failure> {
        self.text(name)?
            .ok_or_else(|| self.usage_error(format!("missing --{name}")))
    }

    /// A required file path.
    pub fn required_path(&self, name: &str) -> Result<PathBuf, Failure> {
        match self.values.get(name) {
            Some(raw) if !raw.is_empty() => Ok(PathBuf::from(raw)),
            Some(_) => Err(self.usage_error(format!("--{name} is empty: pass a file path"))),
            None => Err(self.usage_error(format!("missing --{name}"))),
        }
    }

    /// The raw bytes of a value, exactly as the operating system passed them.
    pub fn bytes(&self, name: &str) -> Result<Option<Vec<u8>>, Failure> {
        match self.values.get(name) {
            None => Ok(None),
            Some(raw) => os_bytes(raw)
                .map(Some)
                .ok_or_else(|| self.usage_error(format!("--{name} is not valid UTF-8 text"))),
        }
    }

    /// A usage error for the subcommand these flags belong to.
    pub fn usage_error(&self, message: String) -> Failure {
        self.command.usage_error(message)
    }
}

#[cfg(unix)]
fn os_bytes(raw: &OsStr) -> Option<Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    Some(raw.as_bytes().to_vec())
}

#[cfg(not(unix))]
fn os_bytes(raw: &OsStr) -> Option<Vec<u8>> {
    raw.to_str().map(|s| s.as_bytes().to_vec())
}
