//! Payments: the checkout APIs and their notifications.
//! <https://docs.antom.com/ac/ams/payment_cashier>

mod capture;
mod capture_notification;

pub use capture::{CaptureRequest, CaptureResponse};
pub use capture_notification::{CaptureNotification, NotifyType};
