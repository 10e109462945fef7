//! One refund in the books.

use crate::state::RefundRecord;

/// A refund, as its snapshot shows it, and how it will settle.
#[derive(Debug, Clone)]
pub(crate) struct RefundEntry {
    /// Kept current: what `inquiryRefund` and the control API show.
    pub record: RefundRecord,
    /// An asynchronous refund accepted under the `process_fail` fault: it
    /// settles as F `PROCESS_FAIL` instead of S.
    pub fail_on_settle: bool,
}
