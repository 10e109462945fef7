//! `--help`, `--version` and usage errors of every subcommand: exit 0 for
//! help on stdout, exit 2 for a usage error on stderr with the synopsis.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests may panic

mod common;

use common::run;

const COMMANDS: [&str; 12] = [
    "keygen",
    "sign",
    "verify",
    "pay",
    "inquire-payment",
    "capture",
    "cancel",
    "refund",
    "inquire-refund",
    "consult",
    "apis",
    "call",
];

#[test]
fn every_subcommand_has_help_with_its_synopsis_and_exit_codes() {
    let main = run(["--help"]);
    assert_eq!(main.code, 0);
    for command in COMMANDS {
        assert!(
            main.stdout.contains(&format!("\n  {command} ")),
            "{command} listed in {}",
            main.stdout
        );
        for flag in ["--help", "-h"] {
            let r = run([command, flag]);
            assert_eq!(r.code, 0, "{command} {flag}: {r:?}");
            assert!(
                r.stdout
                    .starts_with(&format!("Usage: alipay-ams {command}")),
                "{command}: {}",
                r.stdout
            );
            assert!(r.stdout.contains("Exit codes"), "{command}: {}", r.stdout);
            assert!(r.stderr.is_empty());
        }
        let r = run(["help", command]);
        assert_eq!(r.code, 0, "help {command}: {r:?}");
    }
    let r = run(["--version"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (
            0,
            format!("alipay-ams {}\n", env!("CARGO_PKG_VERSION")).as_str()
        )
    );
}

#[test]
fn calling_commands_name_everything_missing_with_their_synopsis() {
    for command in [
        "pay",
        "inquire-payment",
        "capture",
        "cancel",
        "refund",
        "inquire-refund",
        "consult",
        "call",
    ] {
        let r = run([command]);
        assert_eq!(r.code, 2, "{command}: {r:?}");
        assert!(
            r.stderr.starts_with(
                "error: missing --gateway, --client-id, --private-key, --alipay-public-key"
            ),
            "{command}: {}",
            r.stderr
        );
        assert!(r.stderr.contains("ALIPAY_GATEWAY"), "{}", r.stderr);
        assert!(
            r.stderr
                .contains(&format!("\n\nUsage: alipay-ams {command} ")),
            "{}",
            r.stderr
        );
        assert!(
            r.stderr
                .ends_with(&format!("Run `alipay-ams {command} --help` for details.\n")),
            "{}",
            r.stderr
        );
        assert!(r.stdout.is_empty());
    }
    let r = run(["apis", "--json"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("unknown flag `--json` for `alipay-ams apis`"),
        "{}",
        r.stderr
    );
}
