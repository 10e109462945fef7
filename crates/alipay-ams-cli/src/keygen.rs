//! `alipay-ams keygen`: a new RSA-2048 key pair in the forms merchants need.

use std::fs::{File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use alipay_ams_core::PrivateKey;

use crate::failure::Failure;

/// `alipay-ams keygen`'s flags.
#[derive(clap::Args, Debug)]
pub struct KeygenArgs {
    /// the directory to write the three files to
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

const PRIVATE: &str = "private_key.pem";
const PUBLIC_PEM: &str = "public_key.pem";
const PUBLIC_B64: &str = "public_key.b64";

/// Runs `keygen`.
pub fn run(args: KeygenArgs) -> Result<ExitCode, Failure> {
    let dir = args.out;
    if dir.as_os_str().is_empty() {
        return Err(Failure::usage(
            Some("keygen"),
            "--out is empty: pass a file path",
        ));
    }
    let files = [PRIVATE, PUBLIC_PEM, PUBLIC_B64].map(|name| dir.join(name));

    // Refuse before generating anything, so that no existing key is ever touched.
    if let Some(existing) = files.iter().find(|f| f.symlink_metadata().is_ok()) {
        return Err(refuse_overwrite(existing));
    }
    std::fs::create_dir_all(&dir).map_err(|e| {
        Failure::Input(format!(
            "could not create the directory {}: {e}",
            dir.display()
        ))
    })?;

    let private_pem = PrivateKey::generate_pkcs8_pem()
        .map_err(|e| Failure::Input(format!("could not generate a key: {e}")))?;
    let key = PrivateKey::parse(&private_pem)
        .map_err(|e| Failure::Input(format!("the generated key did not parse back: {e}")))?;
    let public = key.public_key();
    let contents = [private_pem, public.to_spki_pem(), public.to_spki_base64()];

    let mut written: Vec<&PathBuf> = Vec::new();
    for (file, content) in files.iter().zip(&contents) {
        let secret = file.ends_with(PRIVATE);
        if let Err(failure) = write_new(file, content.as_bytes(), secret) {
            // Leave nothing half done: a lone private key without its public
            // halves would only confuse the next run.
            for done in written {
                let _ = std::fs::remove_file(done);
            }
            return Err(failure);
        }
        written.push(file);
    }

    let [private, public_pem, public_b64] = &files;
    println!(
        "wrote {}  (private key, PKCS#8 PEM, mode 0600: keep it secret, never upload it)",
        private.display()
    );
    println!("wrote {}  (public key, SPKI PEM)", public_pem.display());
    println!("wrote {}  (public key, bare base64)", public_b64.display());
    println!();
    println!(
        "next: upload the contents of {} in the Antom Dashboard (Developers > Quick start > Integration resources),",
        public_b64.display()
    );
    println!(
        "then download Alipay's public key from the same page: that is what you verify Alipay's replies with."
    );
    println!("Sandbox and production use separate key pairs.");
    Ok(ExitCode::SUCCESS)
}

fn refuse_overwrite(existing: &Path) -> Failure {
    Failure::Input(format!(
        "{} already exists; refusing to overwrite a key. Choose another --out directory, or move the existing files away first.",
        existing.display()
    ))
}

/// Creates `file` (never replacing one) and writes `content`; a secret file is
/// created with mode 0600 on unix, so it is never readable by others, not even briefly.
fn write_new(file: &Path, content: &[u8], secret: bool) -> Result<(), Failure> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    restrict(&mut options, secret);
    let mut handle: File = options.open(file).map_err(|e| match e.kind() {
        io::ErrorKind::AlreadyExists => refuse_overwrite(file),
        _ => Failure::Input(format!("could not create {}: {e}", file.display())),
    })?;
    handle
        .write_all(content)
        .and_then(|()| exact_mode(&handle, secret))
        .and_then(|()| handle.sync_all())
        .map_err(|e| {
            let _ = std::fs::remove_file(file);
            Failure::Input(format!("could not write {}: {e}", file.display()))
        })
}

#[cfg(unix)]
fn restrict(options: &mut OpenOptions, secret: bool) {
    use std::os::unix::fs::OpenOptionsExt;
    if secret {
        options.mode(0o600);
    }
}

#[cfg(not(unix))]
fn restrict(_options: &mut OpenOptions, _secret: bool) {}

/// The umask can only remove bits from 0600; set it exactly anyway so the
/// promise in the help text holds whatever the umask.
#[cfg(unix)]
fn exact_mode(handle: &File, secret: bool) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if secret {
        handle.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn exact_mode(_handle: &File, _secret: bool) -> io::Result<()> {
    Ok(())
}
