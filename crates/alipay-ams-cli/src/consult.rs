//! `alipay-ams consult`: the payment methods Alipay offers for an amount.
//! Changes nothing; asking again is always safe.

use std::process::ExitCode;

use alipay_ams_api::models::{Env, OsType, ProductCodeType, TerminalType};
use alipay_ams_api::payments::{ConsultRequest, ConsultResponse};
use alipay_ams_core::ApiRequest;
use clap::builder::PossibleValuesParser;

use crate::connect::{self, Advice, ConnectionArgs};
use crate::failure::Failure;
use crate::input;
use crate::report::{Report, Table};

/// `alipay-ams consult`'s flags.
#[derive(clap::Args, Debug)]
#[command(next_help_heading = "Consult")]
pub struct ConsultArgs {
    /// the amount in minor units, as on the wire: 1000
    /// is USD 10.00, JPY 1000
    #[arg(verbatim_doc_comment, long, value_name = "VALUE")]
    amount: Option<String>,
    /// the 3-letter ISO 4217 currency, e.g. USD
    #[arg(long, value_name = "CUR")]
    currency: Option<String>,
    /// where the buyer pays: WEB (the default), WAP,
    /// APP, MINI_APP
    #[arg(verbatim_doc_comment, long = "terminal-type", value_name = "TYPE", ignore_case = true,
          value_parser = PossibleValuesParser::new(["WEB", "WAP", "APP", "MINI_APP"]))]
    terminal_type: Option<String>,
    /// the buyer's system when --terminal-type is not
    /// WEB: IOS or ANDROID
    #[arg(verbatim_doc_comment, long = "os-type", value_name = "OS", ignore_case = true,
          value_parser = PossibleValuesParser::new(["IOS", "ANDROID"]))]
    os_type: Option<String>,
    /// the buyer's 2-letter region (userRegion), e.g. SG
    #[arg(long = "user-region", value_name = "CC")]
    user_region: Option<String>,
    /// print the verified reply JSON (exactly as
    /// received) instead of the table
    #[arg(verbatim_doc_comment, long)]
    json: bool,
    #[command(flatten)]
    connection: ConnectionArgs,
}

/// Runs `consult`.
pub fn run(args: ConsultArgs) -> Result<ExitCode, Failure> {
    connect::require(
        "consult",
        &args.connection,
        &[
            ("--amount", args.amount.is_some()),
            ("--currency", args.currency.is_some()),
        ],
    )?;
    let amount = input::amount(
        args.currency.as_deref().unwrap_or_default(),
        args.amount.as_deref().unwrap_or_default(),
    )?;
    let terminal = args.terminal_type.as_deref().unwrap_or("WEB");
    let mut env =
        Env::new().with_terminal_type(TerminalType::from(terminal.to_ascii_uppercase().as_str()));
    if let Some(os) = &args.os_type {
        env = env.with_os_type(OsType::from(os.to_ascii_uppercase().as_str()));
    }
    let mut request = ConsultRequest::new(ProductCodeType::CashierPayment, amount, env);
    if let Some(region) = &args.user_region {
        request = request.with_user_region(region.to_ascii_uppercase());
    }
    request.validate().map_err(|e| input::invalid(&e))?;
    let client = args.connection.client()?;
    let same = format!(
        "--amount {} --currency {}",
        request.payment_amount.value(),
        request.payment_amount.currency()
    );
    match connect::runtime()?.block_on(client.execute_verified(&request)) {
        Ok(verified) => {
            connect::print_reply(verified.raw_body(), args.json, || {
                report(verified.response())
            });
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => connect::exit_for(
            &error,
            &Advice {
                same_request: &same,
                nothing_done: "nothing was asked",
                settle: None,
                failed_hint: None,
                print_failed_body: args.json,
            },
        ),
    }
}

fn report(reply: &ConsultResponse) -> Report {
    let options = reply.payment_options.as_deref().unwrap_or_default();
    let mut report = Report::status(
        "LISTED",
        &format!(
            "S {}: pass a TYPE to `alipay-ams pay --payment-method-type`",
            reply.result.result_code
        ),
    );
    let mut table = Table::new(
        format!("payment methods ({}):", options.len()),
        vec!["TYPE", "CATEGORY", "ENABLED", "CURRENCIES", "REGIONS"],
    );
    for option in options {
        table.push(vec![
            option.payment_method_type.clone().unwrap_or_default(),
            option
                .payment_method_category
                .as_ref()
                .map(|c| c.as_str().to_owned())
                .unwrap_or_default(),
            match (option.enabled, &option.disable_reason) {
                (Some(false), Some(why)) => format!("no ({why})"),
                (Some(false), None) => "no".to_owned(),
                (Some(true), _) => "yes".to_owned(),
                (None, _) => String::new(),
            },
            option
                .supported_currencies
                .as_deref()
                .unwrap_or_default()
                .join(","),
            option
                .payment_method_region
                .as_deref()
                .unwrap_or_default()
                .join(","),
        ]);
    }
    report.table(table);
    report
}
