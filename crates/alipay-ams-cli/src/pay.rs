//! `alipay-ams pay`: a cashier payment from flags. Prints the paymentId and
//! where to send the buyer; the paymentRequestId is printed before anything
//! is sent, so an interrupted run can always be settled or retried under it.

use std::process::ExitCode;

use alipay_ams_api::models::{
    Env, Order, OsType, PaymentFactor, PaymentMethod, ProductCodeType, TerminalType,
};
use alipay_ams_api::payments::{PayRequest, PayResponse};
use alipay_ams_core::{ApiRequest, ResultStatus, check_required_text};
use clap::builder::PossibleValuesParser;

use crate::connect::{self, Advice, ConnectionArgs};
use crate::failure::Failure;
use crate::input;
use crate::report::Report;

/// `alipay-ams pay`'s flags.
#[derive(clap::Args, Debug)]
#[command(next_help_heading = "Payment")]
pub struct PayArgs {
    /// the amount in minor units, as on the wire: 1000
    /// is USD 10.00, JPY 1000
    #[arg(verbatim_doc_comment, long, value_name = "VALUE")]
    amount: Option<String>,
    /// the 3-letter ISO 4217 currency, e.g. USD
    #[arg(long, value_name = "CUR")]
    currency: Option<String>,
    /// how the buyer pays: CARD, ALIPAY_CN, GCASH,
    /// KAKAOPAY, ... (`alipay-ams consult` lists yours)
    #[arg(
        verbatim_doc_comment,
        long = "payment-method-type",
        value_name = "TYPE"
    )]
    payment_method_type: Option<String>,
    /// your page the buyer returns to
    /// (paymentRedirectUrl); it proves nothing about
    /// the result
    #[arg(verbatim_doc_comment, long = "redirect-url", value_name = "URL")]
    redirect_url: Option<String>,
    /// your order id (order.referenceOrderId), 1-64
    /// characters
    #[arg(verbatim_doc_comment, long = "order-reference", value_name = "ID")]
    order_reference: Option<String>,
    /// what the buyer is paying for, shown to them
    /// (order.orderDescription)
    #[arg(verbatim_doc_comment, long = "order-description", value_name = "TEXT")]
    order_description: Option<String>,
    /// your id for this payment (1-64 characters);
    /// reuse it to retry the same payment. Generated
    /// when absent and printed to stderr
    #[arg(verbatim_doc_comment, long = "payment-request-id", value_name = "ID")]
    payment_request_id: Option<String>,
    /// where Alipay sends notifyPayment and
    /// notifyCapture for this payment
    /// (paymentNotifyUrl); default: the URL set in the
    /// Antom Dashboard
    #[arg(verbatim_doc_comment, long = "notify-url", value_name = "URL")]
    notify_url: Option<String>,
    /// AUTOMATIC (Alipay captures right after
    /// authorization; the default) or MANUAL (you run
    /// `alipay-ams capture`)
    #[arg(verbatim_doc_comment, long = "capture-mode", value_name = "MODE", ignore_case = true,
          value_parser = PossibleValuesParser::new(["AUTOMATIC", "MANUAL"]))]
    capture_mode: Option<String>,
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
    /// when an unpaid payment closes
    /// (paymentExpiryTime, ISO 8601 such as
    /// 2026-11-25T19:00:00+08:00); default: about 14
    /// minutes after the request
    #[arg(verbatim_doc_comment, long = "expiry-time", value_name = "TIME")]
    expiry_time: Option<String>,
    /// print the verified reply JSON (exactly as
    /// received) instead of the summary
    #[arg(verbatim_doc_comment, long)]
    json: bool,
    #[command(flatten)]
    connection: ConnectionArgs,
}

/// Runs `pay`.
pub fn run(args: PayArgs) -> Result<ExitCode, Failure> {
    connect::require(
        "pay",
        &args.connection,
        &[
            ("--amount", args.amount.is_some()),
            ("--currency", args.currency.is_some()),
            ("--payment-method-type", args.payment_method_type.is_some()),
            ("--redirect-url", args.redirect_url.is_some()),
            ("--order-reference", args.order_reference.is_some()),
            ("--order-description", args.order_description.is_some()),
        ],
    )?;
    let (request, generated) = pay_request(&args)?;
    let client = args.connection.client()?;
    let id = request.payment_request_id.clone();
    if generated {
        input::announce("payment request id", "payment", "--payment-request-id", &id);
    }
    let inquire = format!(
        "alipay-ams inquire-payment --payment-request-id {}{}",
        connect::shell_word(&id),
        args.connection.replay()
    );
    match connect::runtime()?.block_on(client.execute_verified(&request)) {
        Ok(verified) => {
            let reply = verified.response();
            connect::print_reply(verified.raw_body(), args.json, || {
                report(reply, &request, &args, &inquire)
            });
            let manual = args
                .capture_mode
                .as_deref()
                .is_some_and(|m| m.eq_ignore_ascii_case("MANUAL"));
            eprintln!(
                "{} (paymentId {}) after {} attempt(s)",
                match reply.result.result_status {
                    ResultStatus::Success if manual => "authorized (S)",
                    ResultStatus::Success => "paid (S)",
                    _ => "created, waiting for the buyer (PAYMENT_IN_PROCESS)",
                },
                reply.payment_id,
                verified.attempts()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => connect::exit_for(
            &error,
            &Advice {
                same_request: &format!("--payment-request-id {id}"),
                nothing_done: "no payment was created",
                settle: Some(format!(
                    "{inquire} (ORDER_NOT_EXIST means no payment was created under it: then the same pay, with --payment-request-id {id}, is safe)"
                )),
                failed_hint: None,
                print_failed_body: args.json,
            },
        ),
    }
}

/// The request from the flags, and whether its id was generated. Everything
/// Alipay would refuse is refused here, before a key is read.
fn pay_request(args: &PayArgs) -> Result<(PayRequest, bool), Failure> {
    let amount = input::amount(
        args.currency.as_deref().unwrap_or_default(),
        args.amount.as_deref().unwrap_or_default(),
    )?;
    let method_type = text("--payment-method-type", &args.payment_method_type, 64)?;
    let redirect = text("--redirect-url", &args.redirect_url, 2048)?;
    let reference = input::id(
        "--order-reference",
        args.order_reference.as_deref().unwrap_or_default(),
    )?;
    let description = text("--order-description", &args.order_description, 256)?;
    let (id, generated) = input::key(
        "--payment-request-id",
        args.payment_request_id.as_deref(),
        "pay",
    )?;

    let terminal = args.terminal_type.as_deref().unwrap_or("WEB");
    let mut env =
        Env::new().with_terminal_type(TerminalType::from(terminal.to_ascii_uppercase().as_str()));
    if let Some(os) = &args.os_type {
        env = env.with_os_type(OsType::from(os.to_ascii_uppercase().as_str()));
    }
    let order = Order::new()
        .with_reference_order_id(reference)
        .with_order_description(description)
        .with_order_amount(amount.clone());
    let mut request = PayRequest::new(
        ProductCodeType::CashierPayment,
        id,
        PaymentMethod::new().with_payment_method_type(method_type.clone()),
        redirect,
        env,
    )
    .with_order(order)
    .with_payment_amount(amount);
    if let Some(url) = &args.notify_url {
        request = request.with_payment_notify_url(text("--notify-url", &Some(url.clone()), 2048)?);
    }
    if let Some(expiry) = &args.expiry_time {
        request =
            request.with_payment_expiry_time(text("--expiry-time", &Some(expiry.clone()), 64)?);
    }
    // A card is an authorization, as Antom's own integrations send it; the
    // capture mode says who captures it.
    let card = method_type.eq_ignore_ascii_case("CARD");
    if card || args.capture_mode.is_some() {
        let mut factor = PaymentFactor::new();
        if card {
            factor = factor.with_is_authorization(true);
        }
        if let Some(mode) = &args.capture_mode {
            factor = factor.with_capture_mode(mode.to_ascii_uppercase());
        }
        request = request.with_payment_factor(factor);
    }
    request.validate().map_err(|e| input::invalid(&e))?;
    Ok((request, generated))
}

/// A required text flag, 1 to `max` characters.
fn text(flag: &'static str, value: &Option<String>, max: usize) -> Result<String, Failure> {
    let value = value.clone().unwrap_or_default();
    check_required_text(flag, &value, max).map_err(|e| input::invalid(&e))?;
    Ok(value)
}

/// What a verified answer says: paid at once, or where the buyer goes.
fn report(reply: &PayResponse, request: &PayRequest, args: &PayArgs, inquire: &str) -> Report {
    let manual = args
        .capture_mode
        .as_deref()
        .is_some_and(|m| m.eq_ignore_ascii_case("MANUAL"));
    let code = &reply.result.result_code;
    let mut report = match reply.result.result_status {
        ResultStatus::Success if manual => Report::status(
            "AUTHORIZED",
            &format!("S {code}: the funds are held; capture them with the command below"),
        ),
        ResultStatus::Success => Report::status(
            "PAID",
            &format!("S {code}; a card is authorized and captured automatically"),
        ),
        _ => Report::status(
            "WAITING_FOR_BUYER",
            &format!("U {code}: send the buyer to the URL below"),
        ),
    };
    report
        .row("paymentId", reply.payment_id.clone())
        .row("paymentRequestId", reply.payment_request_id.clone())
        .opt(
            "amount",
            reply
                .payment_amount
                .as_ref()
                .or(request.payment_amount.as_ref())
                .map(input::show_amount),
        )
        .opt("created", reply.payment_create_time.clone())
        .opt("paid", reply.payment_time.clone())
        .opt("authExpiry", reply.auth_expiry_time.clone())
        .opt("redirect", reply.normal_url.clone())
        .opt("applink", reply.applink_url.clone())
        .opt("scheme", reply.scheme_url.clone())
        .opt(
            "form",
            reply.redirect_action_form.as_ref().and_then(|form| {
                form.redirect_url
                    .as_ref()
                    .map(|url| format!("{} {url}", form.method.as_deref().unwrap_or("GET")))
            }),
        );
    if let Some(codes) = reply
        .order_code_form
        .as_ref()
        .and_then(|form| form.code_details.as_ref())
    {
        for detail in codes {
            report.opt("code", detail.code_value.clone());
        }
    }
    let buyer_has_somewhere_to_go = reply.normal_url.is_some()
        || reply.applink_url.is_some()
        || reply.scheme_url.is_some()
        || reply.redirect_action_form.is_some()
        || reply.order_code_form.is_some()
        || reply.payment_data.is_some();
    let next = match reply.result.result_status {
        ResultStatus::Success if manual => format!(
            "alipay-ams capture --payment-id {} --amount {} --currency {}{}",
            connect::shell_word(&reply.payment_id),
            request
                .payment_amount
                .as_ref()
                .map_or("VALUE", |a| a.value()),
            request
                .payment_amount
                .as_ref()
                .map_or("CUR", |a| a.currency()),
            args.connection.replay()
        ),
        ResultStatus::Success => "wait for notifyPayment (and notifyCapture for a card)".to_owned(),
        _ if buyer_has_somewhere_to_go => {
            format!("send the buyer there, then wait for notifyPayment, or run: {inquire}")
        }
        _ => format!("the reply names nowhere to send the buyer; run: {inquire}"),
    };
    report.row("next", next);
    report
}
