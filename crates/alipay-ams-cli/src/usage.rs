//! The texts of `--help` that clap cannot derive from the flags: each
//! command's synopsis (also shown under a usage error), what it does, and
//! its exit codes. The flags and exit codes are a fixed interface: scripts
//! depend on them.

/// How every help page is laid out: the synopsis first, so `--help | head`
/// shows the command line to write.
pub const TEMPLATE: &str = "{usage-heading} {usage}\n\n{before-help}{all-args}{after-help}";

/// `alipay-ams --help`'s synopsis.
pub const MAIN_USAGE: &str = "alipay-ams COMMAND [OPTIONS]";

/// Every command's synopsis, as a usage error without a command shows them.
pub const MAIN: &str = "\
alipay-ams keygen --out DIR
       alipay-ams sign --private-key FILE --client-id ID --path PATH --time TIME
                       (--body-file FILE | --body TEXT) [--method POST] [--key-version N]
       alipay-ams verify --public-key FILE --client-id ID --path PATH --time TIME
                         --signature VALUE (--body-file FILE | --body TEXT)
                         [--method POST] [--explain]
       alipay-ams pay CONNECTION --amount VALUE --currency CUR --payment-method-type TYPE
                      --redirect-url URL --order-reference ID --order-description TEXT
                      [--payment-request-id ID] [--notify-url URL] [--capture-mode MODE] ...
       alipay-ams inquire-payment CONNECTION (--payment-id ID | --payment-request-id ID) [--json]
       alipay-ams capture CONNECTION --payment-id ID --amount VALUE --currency CUR
                          [--capture-request-id ID] [--last-capture]
       alipay-ams cancel CONNECTION (--payment-id ID | --payment-request-id ID) [--json]
       alipay-ams refund CONNECTION --payment-id ID --amount VALUE --currency CUR
                         [--refund-request-id ID] [--reason TEXT] [--notify-url URL] ...
       alipay-ams inquire-refund CONNECTION (--refund-id ID | --refund-request-id ID) [--json]
       alipay-ams consult CONNECTION --amount VALUE --currency CUR [--json] ...
       alipay-ams apis
       alipay-ams call CONNECTION --api PATH --body-file FILE

CONNECTION is --gateway URL --client-id ID --private-key FILE
--alipay-public-key FILE [--ca-file FILE], each also from the environment";

/// What `alipay-ams` is, above its commands.
pub const MAIN_ABOUT: &str =
    "alipay-ams: keys, signatures, payments and any API call for Alipay AMS (Antom)";

/// The connection settings and exit codes, below the commands of
/// `alipay-ams --help`.
pub const MAIN_EXIT: &str = "\
Run `alipay-ams COMMAND --help` for the details of one command.

Every command that calls Alipay (pay, inquire-payment, capture, cancel,
refund, inquire-refund, consult, call) takes the connection flags
--gateway URL --client-id ID --private-key FILE --alipay-public-key FILE
[--ca-file FILE], or the environment variables the SDK reads:
ALIPAY_GATEWAY, ALIPAY_CLIENT_ID, ALIPAY_PRIVATE_KEY, ALIPAY_PUBLIC_KEY,
ALIPAY_CA_FILE (and ALIPAY_KEY_VERSION, ALIPAY_AGENT_TOKEN, which have no
flag). A flag wins over its variable.

Exit codes:
  0  done (verify: valid; calls: S, or a definite pending answer: pay
     waiting for the buyer, refund processing)
  1  verify: the signature does not verify; calls: failed (F, signed),
     final for this request's id
  2  usage, file or key error, or a request the API's model refuses
     (nothing was sent)
  3  calls: outcome unknown after retries (also a reply that is unsigned,
     or signed but answering another request): the message says which
     command settles it; retry only with the same id, never a new one
  4  calls: not sent, nothing reached Alipay (DNS, connection refused, TLS
     certificate, connect timeout); fix the cause and run it again";

/// `keygen`.
pub const KEYGEN: &str = "alipay-ams keygen --out DIR";

/// What `keygen` does.
pub const KEYGEN_ABOUT: &str = "\
Generates a new RSA-2048 key pair for signing Alipay AMS requests and writes:
  DIR/private_key.pem  the private key (PKCS#8 PEM, file mode 0600 on unix);
                       keep it in your secret store, never upload it
  DIR/public_key.pem   the public key (SPKI PEM)
  DIR/public_key.b64   the public key as bare base64 on one line: what the
                       Antom Dashboard asks you to upload

DIR is created if missing. Existing files are never overwritten.";

/// `keygen`'s exit codes.
pub const KEYGEN_EXIT: &str =
    "Exit codes: 0 written; 2 usage error, a file already exists, or a write failed.";

/// `sign`.
pub const SIGN: &str = "\
alipay-ams sign --private-key FILE --client-id ID --path PATH --time TIME
                       (--body-file FILE | --body TEXT) [--method POST] [--key-version N]";

/// What `sign` does.
pub const SIGN_ABOUT: &str = "\
Signs a request the way Alipay AMS expects and prints the value of the
`Signature` header on one line:
  algorithm=RSA256,keyVersion=1,signature=...

The signed content is `METHOD PATH` LF `CLIENT-ID.TIME.BODY`, with BODY the
exact bytes you send. A SANDBOX_ client id is signed over the sandbox path
/ams/sandbox/api/..., a production id over /ams/api/....";

/// `sign`'s exit codes.
pub const SIGN_EXIT: &str = "Exit codes: 0 signed; 2 usage, file or key error.";

/// `verify`.
pub const VERIFY: &str = "\
alipay-ams verify --public-key FILE --client-id ID --path PATH --time TIME
                         --signature VALUE (--body-file FILE | --body TEXT)
                         [--method POST] [--explain]";

/// What `verify` does.
pub const VERIFY_ABOUT: &str = "\
Checks an Alipay AMS signature. Prints `valid` and exits 0, or prints
`invalid: REASON` and exits 1.

  request you sent:     --path of the request, its Client-Id and Request-Time,
                        verified with your own public key
  response from Alipay: --path of the request it answers, the client-id and
                        response-time headers, verified with Alipay's public key
  notification:         --path of your notify URL, the client-id and
                        request-time headers, verified with Alipay's public key";

/// `verify`'s exit codes.
pub const VERIFY_EXIT: &str = "Exit codes: 0 valid; 1 invalid; 2 usage, file or key error.";

/// `capture`.
pub const CAPTURE: &str = "\
alipay-ams capture --gateway URL --client-id ID --private-key FILE
                          --alipay-public-key FILE --payment-id ID --amount VALUE
                          --currency CUR [--capture-request-id ID] [--last-capture]
                          [--ca-file FILE]";

/// What `capture` does.
pub const CAPTURE_ABOUT: &str = "\
Captures an authorized payment, verifies Alipay's signed response, and prints
the response JSON on stdout. Retries an unknown outcome (U, timeout, 5xx, an
unverifiable reply) and a connection that could not be made with the same
captureRequestId. A reply is believed only if Alipay signed it, it echoes this
capture (captureRequestId, paymentId, amount) and its response-time is recent.";

/// `capture`'s exit codes.
pub const CAPTURE_EXIT: &str = "\
Exit codes:
  0  captured (S)
  1  failed (F): final for this captureRequestId
  2  usage, file or key error, or an invalid argument; nothing was sent
  3  outcome unknown after retries (including a reply that is unsigned, or
     signed but answering another capture): retry later with the SAME
     --capture-request-id, or wait for notifyCapture, or run the
     inquire-payment line printed; never capture again under a new id
  4  not sent: nothing reached Alipay (DNS, connection refused, TLS
     certificate, connect timeout), so nothing was captured; fix the cause
     and run it again";

/// `pay`.
pub const PAY: &str = "\
alipay-ams pay --gateway URL --client-id ID --private-key FILE
                      --alipay-public-key FILE --amount VALUE --currency CUR
                      --payment-method-type TYPE --redirect-url URL
                      --order-reference ID --order-description TEXT
                      [--payment-request-id ID] [--notify-url URL]
                      [--capture-mode AUTOMATIC|MANUAL] [--terminal-type TYPE]
                      [--os-type IOS|ANDROID] [--expiry-time TIME] [--json]
                      [--ca-file FILE]";

/// What `pay` does.
pub const PAY_ABOUT: &str = "\
Creates a cashier payment (productCode CASHIER_PAYMENT) and prints its
paymentId and where to send the buyer. The usual answer is `waiting for the
buyer` (U PAYMENT_IN_PROCESS) with a URL: send the buyer there, then wait for
notifyPayment or run `alipay-ams inquire-payment`. A card paid without a
redirect answers S at once (authorized; with --capture-mode MANUAL you then
run `alipay-ams capture`). An unknown outcome is retried with the same
paymentRequestId, which is generated when absent and printed to stderr
before anything is sent.";

/// `pay`'s exit codes.
pub const PAY_EXIT: &str = "\
Exit codes:
  0  created: waiting for the buyer (PAYMENT_IN_PROCESS: send the buyer to the
     URL printed), or paid / authorized at once (S); `status:` says which
  1  failed (F): final for this paymentRequestId
  2  usage, file or key error, or an invalid argument; nothing was sent
  3  outcome unknown after retries: run the inquire-payment line printed, or
     the same pay with the SAME --payment-request-id (safe); never pay again
     under a new id (the buyer could pay twice)
  4  not sent: nothing reached Alipay, no payment exists; fix the cause and
     run it again";

/// `inquire-payment`.
pub const INQUIRE_PAYMENT: &str = "\
alipay-ams inquire-payment --gateway URL --client-id ID --private-key FILE
                                  --alipay-public-key FILE
                                  (--payment-id ID | --payment-request-id ID)
                                  [--json] [--ca-file FILE]";

/// What `inquire-payment` does.
pub const INQUIRE_PAYMENT_ABOUT: &str = "\
Asks Alipay for a payment's state (inquiryPayment) and prints its status and
every transaction on it (captures, refunds, cancellation) as a table, or the
verified reply JSON with --json. Use --payment-request-id after a pay whose
outcome is unknown: you have no paymentId yet.";

/// `inquire-payment`'s exit codes.
pub const INQUIRE_PAYMENT_EXIT: &str = "\
Exit codes:
  0  Alipay answered (S): the payment's status is printed, whatever it is
     (SUCCESS, FAIL, PROCESSING, PENDING, CANCELLED)
  1  the inquiry failed (F), e.g. ORDER_NOT_EXIST
  2  usage, file or key error; nothing was sent
  3  no answer that could be believed after retries: run it again later
  4  not sent: nothing reached Alipay; fix the cause and run it again";

/// `cancel`.
pub const CANCEL: &str = "\
alipay-ams cancel --gateway URL --client-id ID --private-key FILE
                         --alipay-public-key FILE
                         (--payment-id ID | --payment-request-id ID)
                         [--json] [--ca-file FILE]";

/// What `cancel` does.
pub const CANCEL_ABOUT: &str = "\
Cancels a payment: one the buyer has not paid yet, or an authorization that
was not captured (the funds are released). Full cancellation only; a captured
card payment cannot be cancelled (CANCEL_WINDOW_EXCEED): refund it instead.
Sending the same cancel again is always safe.";

/// `cancel`'s exit codes.
pub const CANCEL_EXIT: &str = "\
Exit codes:
  0  cancelled (S)
  1  failed (F), e.g. CANCEL_WINDOW_EXCEED: refund instead
  2  usage, file or key error; nothing was sent
  3  outcome unknown after retries: run the same cancel again (safe), or the
     inquire-payment line printed (CANCELLED means it was cancelled)
  4  not sent: nothing reached Alipay, nothing was cancelled; fix the cause
     and run it again";

/// `refund`.
pub const REFUND: &str = "\
alipay-ams refund --gateway URL --client-id ID --private-key FILE
                         --alipay-public-key FILE --payment-id ID --amount VALUE
                         --currency CUR [--refund-request-id ID] [--reason TEXT]
                         [--notify-url URL] [--capture-id ID] [--reference ID]
                         [--json] [--ca-file FILE]";

/// What `refund` does.
pub const REFUND_ABOUT: &str = "\
Refunds all or part of a paid (or captured) payment. Several partial refunds
may follow each other, never more than was paid. Some methods refund at once
(S), others asynchronously (U REFUND_IN_PROCESS: accepted, the result comes by
notifyRefund or `alipay-ams inquire-refund`). An unknown outcome is retried
with the same refundRequestId, which is generated when absent and printed to
stderr before anything is sent.";

/// `refund`'s exit codes.
pub const REFUND_EXIT: &str = "\
Exit codes:
  0  refunded (S), or accepted and processing (REFUND_IN_PROCESS: not final
     yet; `status:` says which; check with the inquire-refund line printed)
  1  failed (F), e.g. REFUND_AMOUNT_EXCEED: final for this refundRequestId
  2  usage, file or key error, or an invalid argument; nothing was sent
  3  outcome unknown after retries: run the inquire-refund line printed, or
     the same refund with the SAME --refund-request-id (safe); never refund
     again under a new id (that could refund twice)
  4  not sent: nothing reached Alipay, nothing was refunded; fix the cause
     and run it again";

/// `inquire-refund`.
pub const INQUIRE_REFUND: &str = "\
alipay-ams inquire-refund --gateway URL --client-id ID --private-key FILE
                                 --alipay-public-key FILE
                                 (--refund-id ID | --refund-request-id ID)
                                 [--json] [--ca-file FILE]";

/// What `inquire-refund` does.
pub const INQUIRE_REFUND_ABOUT: &str = "\
Asks Alipay for a refund's state (inquiryRefund) and prints it, or the
verified reply JSON with --json. Use --refund-request-id after a refund whose
outcome is unknown.";

/// `inquire-refund`'s exit codes.
pub const INQUIRE_REFUND_EXIT: &str = "\
Exit codes:
  0  Alipay answered (S): the refund's status is printed (SUCCESS, FAIL,
     PROCESSING)
  1  the inquiry failed (F), e.g. no such refund (yet)
  2  usage, file or key error; nothing was sent
  3  no answer that could be believed after retries: run it again later
  4  not sent: nothing reached Alipay; fix the cause and run it again";

/// `consult`.
pub const CONSULT: &str = "\
alipay-ams consult --gateway URL --client-id ID --private-key FILE
                          --alipay-public-key FILE --amount VALUE --currency CUR
                          [--terminal-type TYPE] [--os-type IOS|ANDROID]
                          [--user-region CC] [--json] [--ca-file FILE]";

/// What `consult` does.
pub const CONSULT_ABOUT: &str = "\
Lists the payment methods Alipay offers for an amount (consult), as a table,
or the verified reply JSON with --json. Changes nothing.";

/// `consult`'s exit codes.
pub const CONSULT_EXIT: &str = "\
Exit codes:
  0  listed (S)
  1  failed (F)
  2  usage, file or key error, or an invalid argument; nothing was sent
  3  no answer that could be believed after retries: run it again later
  4  not sent: nothing reached Alipay; fix the cause and run it again";

/// `apis`.
pub const APIS: &str = "alipay-ams apis";

/// What `apis` does.
pub const APIS_ABOUT: &str = "\
Prints the production path (/ams/api/...) of every API that `alipay-ams call`
can send, one per line, sorted.";

/// `apis`' exit codes.
pub const APIS_EXIT: &str = "Exit codes: 0 listed; 2 usage error.";

/// `call`.
pub const CALL: &str = "\
alipay-ams call --gateway URL --client-id ID --private-key FILE
                       --alipay-public-key FILE --api PATH --body-file FILE
                       [--ca-file FILE]";

/// What `call` does.
pub const CALL_ABOUT: &str = "\
Calls any API with a JSON body. The body is parsed into the API's typed
request and checked (required fields, lengths, amounts) before anything is
sent; the typed request is serialized, signed and sent; Alipay's reply is
verified, parsed into the typed response and printed as JSON on stdout.
Only APIs whose retry class allows it are retried after an unknown outcome
(money movements with their idempotency key, inquiries always).";

/// `call`'s exit codes.
pub const CALL_EXIT: &str = "\
Exit codes:
  0  S (or a definite pending answer such as PAYMENT_IN_PROCESS): the typed
     reply is on stdout
  1  failed (F): final for this request's idempotency key
  2  usage, file or key error, an unknown API, or a body the API's model
     refuses (the message names the field); nothing was sent
  3  outcome unknown after retries: send the same body again later, or wait
     for the notification; never send it under a new id
  4  not sent: nothing reached Alipay; fix the cause and run it again";

/// Every subcommand's name.
pub const COMMANDS: [&str; 12] = [
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

/// The synopsis of a command by name (`None`: the main one), as a usage
/// error shows it.
pub fn synopsis(command: Option<&str>) -> &'static str {
    match command {
        Some("keygen") => KEYGEN,
        Some("sign") => SIGN,
        Some("verify") => VERIFY,
        Some("capture") => CAPTURE,
        Some("pay") => PAY,
        Some("inquire-payment") => INQUIRE_PAYMENT,
        Some("cancel") => CANCEL,
        Some("refund") => REFUND,
        Some("inquire-refund") => INQUIRE_REFUND,
        Some("consult") => CONSULT,
        Some("apis") => APIS,
        Some("call") => CALL,
        _ => MAIN,
    }
}
