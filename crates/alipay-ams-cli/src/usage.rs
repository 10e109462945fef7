//! The `--help` texts. The flags are a fixed interface: scripts depend on them.

/// `alipay-ams --help`.
pub const MAIN: &str = "\
alipay-ams: keys, signatures, captures and any API call for Alipay AMS (Antom)

Usage:
  alipay-ams keygen --out DIR
  alipay-ams sign --private-key FILE --client-id ID --path PATH --time TIME
                  (--body-file FILE | --body TEXT) [--method POST] [--key-version N]
  alipay-ams verify --public-key FILE --client-id ID --path PATH --time TIME
                    --signature VALUE (--body-file FILE | --body TEXT)
                    [--method POST] [--explain]
  alipay-ams capture --gateway URL --client-id ID --private-key FILE
                     --alipay-public-key FILE --payment-id ID --amount VALUE
                     --currency CUR [--capture-request-id ID] [--last-capture]
                     [--ca-file FILE]
  alipay-ams apis
  alipay-ams call --gateway URL --client-id ID --private-key FILE
                  --alipay-public-key FILE --api PATH --body-file FILE
                  [--ca-file FILE]

Run `alipay-ams COMMAND --help` for the details of one command.

Exit codes:
  0  done (verify: valid; capture, call: S)
  1  verify: the signature does not verify; capture, call: failed (F)
  2  usage, file or key error, or a request the API's model refuses (nothing
     was sent)
  3  capture, call: outcome unknown after retries (retry with the same id or
     wait for the notification; never send it again under a new id)
  4  capture, call: not sent, nothing reached Alipay (DNS, connection
     refused, TLS certificate, connect timeout); fix the cause and run it
     again";

/// `alipay-ams keygen --help`.
pub const KEYGEN: &str = "\
Usage: alipay-ams keygen --out DIR

Generates a new RSA-2048 key pair for signing Alipay AMS requests and writes:
  DIR/private_key.pem  the private key (PKCS#8 PEM, file mode 0600 on unix);
                       keep it in your secret store, never upload it
  DIR/public_key.pem   the public key (SPKI PEM)
  DIR/public_key.b64   the public key as bare base64 on one line: what the
                       Antom Dashboard asks you to upload

DIR is created if missing. Existing files are never overwritten.

Options:
  --out DIR   the directory to write the three files to
  -h, --help  show this help

Exit codes: 0 written; 2 usage error, a file already exists, or a write failed.";

/// `alipay-ams sign --help`.
pub const SIGN: &str = "\
Usage: alipay-ams sign --private-key FILE --client-id ID --path PATH --time TIME
                       (--body-file FILE | --body TEXT) [--method POST] [--key-version N]

Signs a request the way Alipay AMS expects and prints the value of the
`Signature` header on one line:
  algorithm=RSA256,keyVersion=1,signature=...

The signed content is `METHOD PATH` LF `CLIENT-ID.TIME.BODY`, with BODY the
exact bytes you send.

Options:
  --private-key FILE  your merchant private key: PEM (PKCS#8 or PKCS#1), bare
                      base64 as the Antom Dashboard shows it, or DER
  --client-id ID      the Client-Id header value
  --path PATH         the path called, e.g. /ams/api/v1/payments/capture
                      (sandbox: /ams/sandbox/api/v1/payments/capture)
  --time TIME         the Request-Time header value, verbatim, e.g. 1685599933871
  --body-file FILE    the body, read as exact bytes (a trailing newline or CRLF
                      in the file is part of the body)
  --body TEXT         the body given on the command line, as exact bytes
  --method METHOD     the HTTP method [default: POST]
  --key-version N     the keyVersion to announce [default: 1]
  -h, --help          show this help

Exit codes: 0 signed; 2 usage, file or key error.";

/// `alipay-ams verify --help`.
pub const VERIFY: &str = "\
Usage: alipay-ams verify --public-key FILE --client-id ID --path PATH --time TIME
                         --signature VALUE (--body-file FILE | --body TEXT)
                         [--method POST] [--explain]

Checks an Alipay AMS signature. Prints `valid` and exits 0, or prints
`invalid: REASON` and exits 1.

  request you sent:     --path of the request, its Client-Id and Request-Time,
                        verified with your own public key
  response from Alipay: --path of the request it answers, the client-id and
                        response-time headers, verified with Alipay's public key
  notification:         --path of your notify URL, the client-id and
                        request-time headers, verified with Alipay's public key

Options:
  --public-key FILE   the public key: SPKI PEM, bare base64 (as the Antom
                      Dashboard shows it), PKCS#1 PEM or DER
  --client-id ID      the client id that was signed
  --path PATH         the path that was signed
  --time TIME         the time header value, verbatim
  --signature VALUE   the Signature header value (algorithm=RSA256,keyVersion=1,
                      signature=...), or only the part after `signature=`
  --body-file FILE    the body, read as exact bytes
  --body TEXT         the body given on the command line, as exact bytes
  --method METHOD     the HTTP method [default: POST]
  --explain           also print the exact content that was checked, with
                      escapes (\\n, \\r, \\t, \\\\, \\xNN) and byte counts
  -h, --help          show this help

Exit codes: 0 valid; 1 invalid; 2 usage, file or key error.";

/// `alipay-ams capture --help`.
pub const CAPTURE: &str = "\
Usage: alipay-ams capture --gateway URL --client-id ID --private-key FILE
                          --alipay-public-key FILE --payment-id ID --amount VALUE
                          --currency CUR [--capture-request-id ID] [--last-capture]
                          [--ca-file FILE]

Captures an authorized payment, verifies Alipay's signed response, and prints
the response JSON on stdout. Retries an unknown outcome (U, timeout, 5xx, an
unverifiable reply) and a connection that could not be made with the same
captureRequestId. A reply is believed only if Alipay signed it, it echoes this
capture (captureRequestId, paymentId, amount) and its response-time is recent.

Options:
  --gateway URL               the gateway base URL, e.g.
                              https://open-sea-global.alipay.com (plain http
                              only to 127.0.0.1 / localhost), or a region:
                              asia, north-america, north-america-us, europe
  --client-id ID              your Client-Id; a SANDBOX_ id calls the sandbox
                              path /ams/sandbox/api/...
  --private-key FILE          your merchant private key (any PEM, base64, DER form)
  --alipay-public-key FILE    ALIPAY's public key, from the Antom Dashboard
                              (not your own)
  --payment-id ID             Alipay's paymentId of the authorized payment
  --amount VALUE              the amount in minor units, as on the wire:
                              1000 is USD 10.00, JPY 1000
  --currency CUR              the 3-letter ISO 4217 currency, e.g. USD
  --capture-request-id ID     your id for this capture (1-64 characters); reuse it
                              to retry the same capture. Generated when absent
                              and printed to stderr
  --last-capture              mark this as the payment's last capture
  --ca-file FILE              also trust the CA certificate(s) in this PEM
                              file: a TLS proxy, or the sandbox's --tls CA
                              (TLS verification cannot be switched off)
  -h, --help                  show this help

Exit codes:
  0  captured (S)
  1  failed (F): final for this captureRequestId
  2  usage, file or key error, or an invalid argument; nothing was sent
  3  outcome unknown after retries (including a reply that is unsigned, or
     signed but answering another capture): retry later with the SAME
     --capture-request-id, or wait for notifyCapture; never capture again
     under a new id
  4  not sent: nothing reached Alipay (DNS, connection refused, TLS
     certificate, connect timeout), so nothing was captured; fix the cause
     and run it again";

/// `alipay-ams apis --help`.
pub const APIS: &str = "\
Usage: alipay-ams apis

Prints the production path (/ams/api/...) of every API that `alipay-ams call`
can send, one per line, sorted.

Exit codes: 0 listed; 2 usage error.";

/// `alipay-ams call --help`.
pub const CALL: &str = "\
Usage: alipay-ams call --gateway URL --client-id ID --private-key FILE
                       --alipay-public-key FILE --api PATH --body-file FILE
                       [--ca-file FILE]

Calls any API with a JSON body. The body is parsed into the API's typed
request and checked (required fields, lengths, amounts) before anything is
sent; the typed request is serialized, signed and sent; Alipay's reply is
verified, parsed into the typed response and printed as JSON on stdout.
Only APIs whose retry class allows it are retried after an unknown outcome
(money movements with their idempotency key, inquiries always).

Options:
  --gateway URL               the gateway base URL or a region (asia,
                              north-america, north-america-us, europe);
                              plain http only to 127.0.0.1 / localhost
  --client-id ID              your Client-Id; a SANDBOX_ id calls the sandbox
                              path /ams/sandbox/api/...
  --private-key FILE          your merchant private key
  --alipay-public-key FILE    ALIPAY's public key, from the Antom Dashboard
  --api PATH                  the API's production path, as `alipay-ams apis`
                              prints it, e.g. /ams/api/v1/payments/inquiryPayment
  --body-file FILE            the request body, JSON
  --ca-file FILE              also trust the CA certificate(s) in this PEM file
  -h, --help                  show this help

Exit codes:
  0  S: the typed reply is on stdout
  1  failed (F): final for this request's idempotency key
  2  usage, file or key error, an unknown API, or a body the API's model
     refuses (the message names the field); nothing was sent
  3  outcome unknown after retries: send the same body again later, or wait
     for the notification; never send it under a new id
  4  not sent: nothing reached Alipay; fix the cause and run it again";
