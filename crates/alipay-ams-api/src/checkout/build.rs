//! The common checkout requests in one call, with every field the checkout
//! requires as an argument.

use alipay_ams_core::Amount;

use crate::models::{Env, Order, PaymentFactor, PaymentMethod, ProductCodeType, TerminalType};
use crate::payments::PayRequest;

impl Order {
    /// An order as the checkout requires it: your order id (at most 64
    /// characters; shown in the buyer's records and used in disputes), a
    /// description shown to the buyer (at most 256), and the amount.
    pub fn checkout(
        reference_order_id: impl Into<String>,
        order_description: impl Into<String>,
        order_amount: Amount,
    ) -> Self {
        Order::new()
            .with_reference_order_id(reference_order_id)
            .with_order_description(order_description)
            .with_order_amount(order_amount)
    }
}

impl PayRequest {
    /// A One-time Payment (`CASHIER_PAYMENT`) with a wallet or another
    /// method that Antom collects at once (`ALIPAY_HK`, `GCASH`, ...): the
    /// usual answer is [`PayOutcome::WaitingForBuyer`](super::PayOutcome::WaitingForBuyer)
    /// with the page or app to send the buyer to. The payment amount is the
    /// order's amount.
    ///
    /// For `terminal_type` `WAP` or `APP`, also set `env.osType`; for
    /// `MINI_APP`, `appId`. Add `paymentNotifyUrl` unless the Antom
    /// Dashboard has one: without either, no `notifyPayment` is sent.
    pub fn cashier(
        payment_request_id: impl Into<String>,
        order: Order,
        payment_method_type: impl Into<String>,
        payment_redirect_url: impl Into<String>,
        terminal_type: TerminalType,
    ) -> Self {
        let amount = order.order_amount.clone();
        let mut request = PayRequest::new(
            ProductCodeType::CashierPayment,
            payment_request_id,
            PaymentMethod::new().with_payment_method_type(payment_method_type),
            payment_redirect_url,
            Env::new().with_terminal_type(terminal_type),
        )
        .with_order(order);
        request.payment_amount = amount;
        request
    }

    /// A card authorization that you capture yourself: `CARD`,
    /// `paymentFactor.isAuthorization` `true` and `captureMode` `MANUAL`.
    /// A success is [`PayOutcome::Authorized`](super::PayOutcome::Authorized)
    /// with [`CaptureBy::Merchant`](super::CaptureBy::Merchant): the funds
    /// are held until you send a `CaptureRequest` (before `authExpiryTime`)
    /// or release them with a `CancelRequest`. With 3-D Secure the answer
    /// is a page to send the buyer to first.
    ///
    /// Add the card: a token from an earlier payment as
    /// `paymentMethod.paymentMethodId`, or the card data you collected in
    /// `paymentMethod.paymentMethodMetaData`. For cards the docs also ask
    /// for `env.clientIp` and the buyer's email or phone in `order.buyer`.
    pub fn card_authorization(
        payment_request_id: impl Into<String>,
        order: Order,
        payment_redirect_url: impl Into<String>,
        terminal_type: TerminalType,
    ) -> Self {
        let mut request = Self::cashier(
            payment_request_id,
            order,
            "CARD",
            payment_redirect_url,
            terminal_type,
        );
        request.payment_factor = Some(
            PaymentFactor::new()
                .with_is_authorization(true)
                .with_capture_mode("MANUAL"),
        );
        request
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;
    use crate::checkout::{CaptureBy, Checkout};

    fn order() -> Order {
        Order::checkout(
            "order-1",
            "Two tickets",
            Amount::from_decimal("USD", "25.00").unwrap(),
        )
    }

    #[test]
    fn a_cashier_payment_has_what_the_checkout_requires_and_is_collected_at_once() {
        let request = PayRequest::cashier(
            "pay-1",
            order(),
            "ALIPAY_HK",
            "https://shop.example/return",
            TerminalType::Web,
        );
        request.check_checkout().unwrap();
        assert_eq!(request.capture_by(), None);
        let json = serde_json::to_value(&request).unwrap();
        assert_eq!(json["productCode"], "CASHIER_PAYMENT");
        assert_eq!(json["paymentRequestId"], "pay-1");
        assert_eq!(json["paymentMethod"]["paymentMethodType"], "ALIPAY_HK");
        assert_eq!(json["paymentAmount"], json["order"]["orderAmount"]);
        assert_eq!(json["paymentAmount"]["value"], "2500");
        assert_eq!(json["order"]["referenceOrderId"], "order-1");
        assert_eq!(json["order"]["orderDescription"], "Two tickets");
        assert_eq!(json["env"]["terminalType"], "WEB");
        assert_eq!(json["paymentRedirectUrl"], "https://shop.example/return");
        assert!(json.get("paymentFactor").is_none());
    }

    #[test]
    fn a_card_authorization_is_captured_by_the_merchant() {
        let request = PayRequest::card_authorization(
            "pay-2",
            order(),
            "https://shop.example/return",
            TerminalType::Web,
        );
        request.check_checkout().unwrap();
        assert_eq!(request.capture_by(), Some(CaptureBy::Merchant));
        let json = serde_json::to_value(&request).unwrap();
        assert_eq!(json["paymentMethod"]["paymentMethodType"], "CARD");
        assert_eq!(json["paymentFactor"]["isAuthorization"], true);
        assert_eq!(json["paymentFactor"]["captureMode"], "MANUAL");
    }

    #[test]
    fn who_captures_follows_the_method_and_the_payment_factor() {
        let card = |factor: Option<PaymentFactor>| {
            let mut request =
                PayRequest::cashier("p", order(), "CARD", "https://r", TerminalType::Web);
            request.payment_factor = factor;
            request.capture_by()
        };
        assert_eq!(card(None), Some(CaptureBy::Antom));
        assert_eq!(
            card(Some(PaymentFactor::new().with_capture_mode("AUTOMATIC"))),
            Some(CaptureBy::Antom)
        );
        assert_eq!(
            card(Some(PaymentFactor::new().with_is_authorization(false))),
            None,
            "isAuthorization false: a regular payment"
        );
        let mut wallet = PayRequest::cashier("p", order(), "GCASH", "https://r", TerminalType::Web);
        assert_eq!(wallet.capture_by(), None);
        wallet.is_authorization = Some(true);
        assert_eq!(wallet.capture_by(), Some(CaptureBy::Antom));
        wallet.payment_factor = Some(PaymentFactor::new().with_capture_mode("MANUAL"));
        assert_eq!(wallet.capture_by(), Some(CaptureBy::Merchant));
    }
}
