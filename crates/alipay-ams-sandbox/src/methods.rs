//! What the sandbox knows about payment methods: whether a method is a card
//! (authorization, manual or automatic capture), whether its refunds are
//! synchronous, whether the buyer's payment goes through `PAYMENT_PENDING`
//! first, and the list `consult` answers.
//! <https://docs.antom.com/ac/cashierpay/refund>

/// The `paymentMethodType` of cards.
pub(crate) const CARD: &str = "CARD";

/// Alipay+ wallets: their refunds are synchronous (S or F at once, no
/// `notifyRefund`), as Alipay documents for every Alipay+ method. Every
/// other method, cards included, refunds asynchronously.
pub(crate) const ALIPAY_PLUS_WALLETS: &[&str] = &[
    "ALIPAY_CN",
    "ALIPAY_HK",
    "BOOST",
    "DANA",
    "GCASH",
    "KAKAOPAY",
    "NAVERPAY",
    "RABBIT_LINE_PAY",
    "TNG",
    "TOSSPAY",
    "TRUEMONEY",
];

/// Prefixes of the bank methods (online banking, bank transfer) whose
/// payment is confirmed later: the buyer's payment is first notified as
/// `PAYMENT_PENDING`, then settles.
pub(crate) const PENDING_FIRST_PREFIXES: &[&str] = &["ONLINEBANKING_", "BANKTRANSFER_"];

/// How the sandbox treats one payment method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MethodRules {
    /// Authorized, then captured (manually or automatically).
    pub card: bool,
    /// Refunds answer S or F at once, without `notifyRefund`.
    pub synchronous_refunds: bool,
    /// The buyer's payment is `PENDING` before it succeeds.
    pub pending_first: bool,
}

/// The rules of `payment_method_type` (any text: methods the sandbox does
/// not list behave like a wallet with asynchronous refunds).
pub(crate) fn rules(payment_method_type: &str) -> MethodRules {
    MethodRules {
        card: payment_method_type == CARD,
        synchronous_refunds: ALIPAY_PLUS_WALLETS.contains(&payment_method_type),
        pending_first: PENDING_FIRST_PREFIXES
            .iter()
            .any(|prefix| payment_method_type.starts_with(prefix)),
    }
}

/// The methods `consult` offers: type, category (`paymentMethodCategory`),
/// and region.
pub(crate) const OFFERED: &[(&str, &str, &str)] = &[
    (CARD, "CARD", "GLOBAL"),
    ("ALIPAY_CN", "WALLET", "CN"),
    ("ALIPAY_HK", "WALLET", "HK"),
    ("GCASH", "WALLET", "PH"),
    ("KAKAOPAY", "WALLET", "KR"),
    ("TRUEMONEY", "WALLET", "TH"),
    ("ONLINEBANKING_FPX", "ONLINE_BANKING", "MY"),
    ("BANKTRANSFER_PAYNOW", "BANK_TRANSFER", "SG"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards_wallets_and_bank_methods() {
        let card = rules("CARD");
        assert!(card.card && !card.synchronous_refunds && !card.pending_first);
        let wallet = rules("ALIPAY_CN");
        assert!(!wallet.card && wallet.synchronous_refunds && !wallet.pending_first);
        let bank = rules("ONLINEBANKING_FPX");
        assert!(!bank.card && !bank.synchronous_refunds && bank.pending_first);
        let other = rules("SOME_NEW_METHOD");
        assert!(!other.card && !other.synchronous_refunds && !other.pending_first);
        // Every offered method follows the same rules as when paid with.
        for (method, category, _) in OFFERED {
            assert_eq!(rules(method).card, *category == "CARD", "{method}");
        }
    }
}
