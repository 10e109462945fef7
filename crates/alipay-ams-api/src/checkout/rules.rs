//! The checkout rules Alipay would refuse that the generated
//! `validate()` does not know. Each rule names where it comes from in
//! Antom's documentation; a rule the docs do not state is not here (the
//! `paymentExpiryTime` limit, for one: the docs contradict themselves).

use alipay_ams_core::{Amount, InvalidField};

use crate::models::{Env, Order, PaymentFactor, ProductCodeType, TerminalType};
use crate::payments::{ConsultRequest, CreatePaymentSessionRequest, PayRequest, RefundRequest};

/// The checkout's `pay` (One-time Payments, `productCode`
/// `CASHIER_PAYMENT`). <https://docs.antom.com/ac/ams/payment_cashier>
pub(super) fn check_pay(request: &PayRequest) -> Result<(), InvalidField> {
    cashier_product(&request.product_code)?;
    // paymentMethod.paymentMethodType: required (CARD, ALIPAY_HK, ...).
    let method_type = request.payment_method.payment_method_type.as_deref();
    if method_type.is_none_or(|t| t.trim().is_empty()) {
        return Err(InvalidField::Empty("paymentMethodType").within("paymentMethod"));
    }
    let order = request.order.as_ref().ok_or(InvalidField::Empty("order"))?;
    let order_amount = order_fields(order)?;
    let payment_amount = request
        .payment_amount
        .as_ref()
        .ok_or(InvalidField::Empty("paymentAmount"))?;
    same_currency(payment_amount, order_amount)?;
    // paymentFactor: "specify when paymentMethodType is CARD".
    if method_type == Some("CARD") && request.payment_factor.is_none() {
        return Err(InvalidField::Invalid {
            field: "paymentFactor",
            reason: "a CARD payment needs paymentFactor (isAuthorization, and captureMode MANUAL \
                     to capture yourself); PayRequest::card_authorization sets it",
        });
    }
    capture_mode(request.payment_factor.as_ref())?;
    // env.terminalType: required; appId: required for a mini program.
    let terminal = terminal_type(&request.env)?;
    if *terminal == TerminalType::MiniApp && request.app_id.as_deref().is_none_or(blank) {
        return Err(InvalidField::Invalid {
            field: "appId",
            reason: "env.terminalType MINI_APP needs the mini program's appId",
        });
    }
    return_url("paymentRedirectUrl", &request.payment_redirect_url)?;
    if let Some(url) = &request.payment_notify_url {
        notify_url("paymentNotifyUrl", url)?;
    }
    Ok(())
}

/// `createPaymentSession` for the checkout (`CASHIER_PAYMENT`): the same
/// order rules as `pay`. <https://docs.antom.com/ac/ams/session_cashier>
pub(super) fn check_session(request: &CreatePaymentSessionRequest) -> Result<(), InvalidField> {
    cashier_product(&request.product_code)?;
    let order_amount = order_fields(&request.order)?;
    same_currency(&request.payment_amount, order_amount)?;
    capture_mode(request.payment_factor.as_ref())?;
    return_url("paymentRedirectUrl", &request.payment_redirect_url)?;
    if let Some(url) = &request.payment_notify_url {
        notify_url("paymentNotifyUrl", url)?;
    }
    Ok(())
}

/// `refund`. <https://docs.antom.com/ac/ams/refund_online>
pub(super) fn check_refund(request: &RefundRequest) -> Result<(), InvalidField> {
    // "Special characters are not supported" in inquiryRefund's
    // refundRequestId: a refund keyed by one could not be settled by
    // inquiry after an unknown outcome. <https://docs.antom.com/ac/ams/ir_online>
    if !request
        .refund_request_id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(InvalidField::Invalid {
            field: "refundRequestId",
            reason: "use only letters, digits, '-' and '_': inquiryRefund does not accept special \
                     characters, so this refund could not be inquired after an unknown outcome",
        });
    }
    // refundAmount: at least the method's minimum refund amount.
    if is_zero(&request.refund_amount) {
        return Err(InvalidField::Invalid {
            field: "refundAmount",
            reason: "a refund of zero is refused: refund at least the payment method's minimum amount",
        });
    }
    if let Some(url) = &request.refund_notify_url {
        notify_url("refundNotifyUrl", url)?;
    }
    Ok(())
}

/// `consult`: `env` with its `terminalType` is required.
/// <https://docs.antom.com/ac/ams/consult>
pub(super) fn check_consult(request: &ConsultRequest) -> Result<(), InvalidField> {
    terminal_type(&request.env).map(|_| ())
}

fn blank(text: &str) -> bool {
    text.trim().is_empty()
}

/// `productCode`: the checkout is One-time Payments.
fn cashier_product(code: &ProductCodeType) -> Result<(), InvalidField> {
    if *code == ProductCodeType::CashierPayment {
        Ok(())
    } else {
        Err(InvalidField::Invalid {
            field: "productCode",
            reason: "the checkout sends One-time Payments (CASHIER_PAYMENT); send other products \
                     with Client::execute",
        })
    }
}

/// `order`: `referenceOrderId`, `orderDescription` and `orderAmount` are
/// required (used for risk control, anti-money-laundering checks and
/// disputes, and shown to the buyer). Returns the order amount.
fn order_fields(order: &Order) -> Result<&Amount, InvalidField> {
    if order.reference_order_id.as_deref().is_none_or(blank) {
        return Err(InvalidField::Empty("referenceOrderId").within("order"));
    }
    if order.order_description.as_deref().is_none_or(blank) {
        return Err(InvalidField::Empty("orderDescription").within("order"));
    }
    order
        .order_amount
        .as_ref()
        .ok_or(InvalidField::Empty("orderAmount").within("order"))
}

/// `paymentAmount` is "the amount to collect, in the order currency".
fn same_currency(payment: &Amount, order: &Amount) -> Result<(), InvalidField> {
    if payment.currency() == order.currency() {
        Ok(())
    } else {
        Err(InvalidField::Invalid {
            field: "paymentAmount",
            reason: "paymentAmount must be in the order's currency (order.orderAmount.currency)",
        })
    }
}

/// `paymentFactor.captureMode`: `AUTOMATIC` (the default) or `MANUAL`.
fn capture_mode(factor: Option<&PaymentFactor>) -> Result<(), InvalidField> {
    match factor.and_then(|f| f.capture_mode.as_deref()) {
        None | Some("AUTOMATIC" | "MANUAL") => Ok(()),
        Some(_) => Err(InvalidField::Invalid {
            field: "captureMode",
            reason: "captureMode is AUTOMATIC (Antom captures) or MANUAL (you call capture)",
        }
        .within("paymentFactor")),
    }
}

/// `env.terminalType`: `WEB`, `WAP`, `APP` or `MINI_APP`, required.
fn terminal_type(env: &Env) -> Result<&TerminalType, InvalidField> {
    env.terminal_type
        .as_ref()
        .ok_or(InvalidField::Empty("terminalType").within("env"))
}

/// Where the buyer returns: an absolute URL. A mobile app may give its
/// own scheme (`myshop://paid`), so any scheme is accepted.
fn return_url(field: &'static str, url: &str) -> Result<(), InvalidField> {
    let absolute = url.split_once(':').is_some_and(|(scheme, rest)| {
        let mut chars = scheme.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            && !rest.is_empty()
    });
    if absolute && !url.contains(char::is_whitespace) {
        Ok(())
    } else {
        Err(InvalidField::Invalid {
            field,
            reason: "give an absolute URL (https://shop.example/return, or your app's own scheme)",
        })
    }
}

/// Where Antom posts notifications: an absolute `http(s)` URL with a host.
/// (`http` is accepted: the docs require no `https`, and local test
/// gateways deliver over plain HTTP.)
fn notify_url(field: &'static str, url: &str) -> Result<(), InvalidField> {
    let lower = url
        .get(..8)
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let rest = if lower.starts_with("https://") {
        url.get(8..)
    } else if lower.starts_with("http://") {
        url.get(7..)
    } else {
        None
    };
    let host = rest.and_then(|rest| rest.split(['/', '?', '#']).next());
    if host.is_some_and(|host| !host.is_empty()) && !url.contains(char::is_whitespace) {
        Ok(())
    } else {
        Err(InvalidField::Invalid {
            field,
            reason: "give the absolute http(s) URL Antom posts notifications to \
                     (https://shop.example/alipay/notify)",
        })
    }
}

fn is_zero(amount: &Amount) -> bool {
    amount.value().bytes().all(|b| b == b'0')
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;
    use crate::checkout::Checkout;
    use crate::models::PaymentMethod;

    fn amount(currency: &str) -> Amount {
        Amount::from_minor_units(currency, 1000).unwrap()
    }

    fn wallet() -> PayRequest {
        PayRequest::cashier(
            "pay-1",
            Order::checkout("o-1", "Tickets", amount("USD")),
            "GCASH",
            "https://shop.example/return",
            TerminalType::Web,
        )
    }

    /// The dotted path of the field the rules refuse.
    fn refused(request: &impl Checkout) -> String {
        request.check_checkout().unwrap_err().path()
    }

    #[test]
    fn pay_refuses_what_the_checkout_requires_and_names_the_field() {
        wallet().check_checkout().unwrap();
        let mut r = wallet();
        r.product_code = ProductCodeType::AgreementPayment;
        assert_eq!(refused(&r), "productCode");
        let mut r = wallet();
        r.payment_method = PaymentMethod::new();
        assert_eq!(refused(&r), "paymentMethod.paymentMethodType");
        let mut r = wallet();
        r.payment_method = PaymentMethod::new().with_payment_method_type(" ");
        assert_eq!(refused(&r), "paymentMethod.paymentMethodType");
        let mut r = wallet();
        r.order = None;
        assert_eq!(refused(&r), "order");
        for (order, path) in [
            (
                Order::new()
                    .with_order_description("d")
                    .with_order_amount(amount("USD")),
                "order.referenceOrderId",
            ),
            (
                Order::new()
                    .with_reference_order_id("o")
                    .with_order_amount(amount("USD")),
                "order.orderDescription",
            ),
            (
                Order::new()
                    .with_reference_order_id("o")
                    .with_order_description("d"),
                "order.orderAmount",
            ),
        ] {
            let mut r = wallet();
            r.order = Some(order);
            assert_eq!(refused(&r), path);
        }
        let mut r = wallet();
        r.payment_amount = None;
        assert_eq!(refused(&r), "paymentAmount");
        let mut r = wallet();
        r.payment_amount = Some(amount("EUR"));
        let error = r.check_checkout().unwrap_err();
        assert_eq!(error.path(), "paymentAmount");
        assert!(error.to_string().contains("order's currency"), "{error}");
        // A different value in the same currency is the merchant's choice
        // (a discount): the docs do not require equality.
        let mut r = wallet();
        r.payment_amount = Some(Amount::from_minor_units("USD", 900).unwrap());
        r.check_checkout().unwrap();
    }

    #[test]
    fn pay_refuses_a_card_without_payment_factor_and_unknown_capture_modes() {
        let mut r = wallet();
        r.payment_method = PaymentMethod::new().with_payment_method_type("CARD");
        let error = r.check_checkout().unwrap_err();
        assert_eq!(error.path(), "paymentFactor");
        assert!(error.to_string().contains("card_authorization"), "{error}");
        let mut r = wallet();
        r.payment_factor = Some(PaymentFactor::new().with_capture_mode("LATER"));
        assert_eq!(refused(&r), "paymentFactor.captureMode");
        for mode in ["AUTOMATIC", "MANUAL"] {
            let mut r = wallet();
            r.payment_factor = Some(PaymentFactor::new().with_capture_mode(mode));
            r.check_checkout().unwrap();
        }
    }

    #[test]
    fn pay_refuses_a_missing_terminal_type_and_a_mini_program_without_app_id() {
        let mut r = wallet();
        r.env = Env::new();
        assert_eq!(refused(&r), "env.terminalType");
        let mut r = wallet();
        r.env = Env::new().with_terminal_type(TerminalType::MiniApp);
        assert_eq!(refused(&r), "appId");
        r.app_id = Some("2021000000".into());
        r.check_checkout().unwrap();
    }

    #[test]
    fn urls_must_be_absolute_notify_urls_http_or_https() {
        for (url, ok) in [
            ("https://shop.example/return", true),
            ("myshop://paid?order=1", true),
            ("/return", false),
            ("shop.example/return", false),
            ("https://shop.example/a b", false),
            ("1http://x", false),
        ] {
            let mut r = wallet();
            r.payment_redirect_url = url.into();
            assert_eq!(r.check_checkout().is_ok(), ok, "{url}");
            if !ok {
                assert_eq!(refused(&r), "paymentRedirectUrl");
            }
        }
        for (url, ok) in [
            ("https://shop.example/alipay/notify", true),
            ("HTTP://127.0.0.1:8080/notify", true),
            ("http://localhost", true),
            ("https://", false),
            ("https:///notify", false),
            ("ftp://shop.example/notify", false),
            ("/alipay/notify", false),
            ("myshop://notify", false),
            ("https://shop.example/no tify", false),
        ] {
            let r = wallet().with_payment_notify_url(url);
            assert_eq!(r.check_checkout().is_ok(), ok, "{url}");
            if !ok {
                assert_eq!(refused(&r), "paymentNotifyUrl");
            }
        }
    }

    #[test]
    fn refunds_need_a_plain_request_id_an_amount_and_an_absolute_notify_url() {
        let refund = |id: &str, value: u64| {
            RefundRequest::new(id, "P1", Amount::from_minor_units("USD", value).unwrap())
        };
        refund("order-1_refund-2", 1).check_checkout().unwrap();
        assert_eq!(refused(&refund("order/1", 1)), "refundRequestId");
        assert_eq!(refused(&refund("order 1", 1)), "refundRequestId");
        assert_eq!(refused(&refund("r-1", 0)), "refundAmount");
        assert_eq!(
            refused(&refund("r-1", 1).with_refund_notify_url("notify")),
            "refundNotifyUrl"
        );
        refund("r-1", 1)
            .with_refund_notify_url("https://shop.example/refunds")
            .check_checkout()
            .unwrap();
    }

    #[test]
    fn sessions_follow_the_order_rules_and_consult_needs_a_terminal_type() {
        let session = || {
            CreatePaymentSessionRequest::new(
                ProductCodeType::CashierPayment,
                "pay-1",
                Order::checkout("o-1", "d", amount("USD")),
                amount("USD"),
                "https://shop.example/return",
            )
        };
        session().check_checkout().unwrap();
        let mut s = session();
        s.payment_amount = amount("JPY");
        assert_eq!(refused(&s), "paymentAmount");
        let mut s = session();
        s.product_code = ProductCodeType::InStorePayment;
        assert_eq!(refused(&s), "productCode");
        assert_eq!(
            refused(&session().with_payment_notify_url("/n")),
            "paymentNotifyUrl"
        );

        let consult =
            ConsultRequest::new(ProductCodeType::CashierPayment, amount("USD"), Env::new());
        assert_eq!(refused(&consult), "env.terminalType");
        let mut consult = consult;
        consult.env = Env::new().with_terminal_type(TerminalType::App);
        consult.check_checkout().unwrap();
    }
}
