#!/usr/bin/env python3
"""Runs one capture with the official Python SDK's DefaultAlipayClient.

    PY=$(bash tests/interop/setup.sh | tail -n1)
    $PY tests/interop/sdk_capture.py --gateway http://127.0.0.1:8686 \\
        --client-id SANDBOX_5X00000000000000 \\
        --merchant-private-key keys-example/merchant/private_key.pem \\
        --alipay-public-key keys-example/alipay/public_key.pem \\
        --payment-id PAYMENT_ID --amount 1000 --currency USD \\
        [--capture-request-id ID] [--last-capture true|false] [--key-version N] \\
        [--expect-status S|F|U] [--ca-file PEM] [--sdk-transport]

The request (AlipayCaptureRequest), its signing, the sandbox path rewrite,
the wire format (absolute-form request target, indent=3 JSON, ISO 8601
Request-Time), the HTTP-200 check, the response signature check and the
response model (AlipayCaptureResponse) are all the SDK's own code.

One thing has to be replaced to reach a local gateway: the SDK's connection
factory, `com.alipay.ams.api.net.default_http_rpc.__get_http_connection`,
ignores the gateway URL's scheme and port and always opens
`http.client.HTTPSConnection(host, 443, context=ssl.create_default_context())`.
So by default this script substitutes a factory that honours the URL:
`http://` -> HTTPConnection(host, port), `https://` -> HTTPSConnection(host,
port) trusting --ca-file (or the system store). `--sdk-transport` keeps the
SDK's factory untouched (then the gateway must be HTTPS on port 443 with a
certificate the system store, or --ca-file via SSL_CERT_FILE, trusts).

Prints one JSON object: what the SDK sent, the raw response body, and the
fields AlipayCaptureResponse parsed.
Exit codes: 0 the SDK accepted the (verified) response and, with
--expect-status, the status matched; 1 the SDK refused the response
(transport, HTTP status, signature) or the status differed; 2 usage.
"""

import argparse
import http.client
import json
import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import official_sdk as sdk  # noqa: E402

from com.alipay.ams.api.exception.exception import AlipayApiException  # noqa: E402
from com.alipay.ams.api.model.amount import Amount  # noqa: E402
from com.alipay.ams.api.request.pay.alipay_capture_request import (  # noqa: E402
    AlipayCaptureRequest,
)
from com.alipay.ams.api.response.pay.alipay_capture_response import (  # noqa: E402
    AlipayCaptureResponse,
)


def parse_bool(text):
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError("expected true or false")


def main():
    p = argparse.ArgumentParser(description="Capture with the official SDK's DefaultAlipayClient.")
    p.add_argument("--gateway", required=True, help="e.g. http://127.0.0.1:8686")
    p.add_argument("--client-id", required=True)
    p.add_argument("--merchant-private-key", required=True, help="PEM or bare base64 file")
    p.add_argument("--alipay-public-key", required=True, help="SPKI PEM or bare base64 file")
    p.add_argument("--payment-id", required=True)
    p.add_argument("--amount", required=True, help="minor units, e.g. 1000 for USD 10.00")
    p.add_argument("--currency", required=True)
    p.add_argument("--capture-request-id", default=None, help="default: a fresh uuid")
    p.add_argument("--last-capture", type=parse_bool, default=None)
    p.add_argument("--key-version", default=None)
    p.add_argument("--expect-status", choices=("S", "F", "U"), default=None)
    p.add_argument("--ca-file", default=None, help="CA certificate (PEM) to trust for https")
    p.add_argument("--sdk-transport", action="store_true",
                   help="use the SDK's own connection factory (https, port 443 only)")
    try:
        args = p.parse_args()
    except SystemExit as exc:
        sys.exit(2 if exc.code else 0)

    try:
        merchant_private = sdk.private_key_for_sdk(args.merchant_private_key)
        alipay_public = sdk.public_key_for_sdk(args.alipay_public_key)
    except (OSError, UnicodeDecodeError, SystemExit) as exc:
        print("sdk_capture: %s" % exc, file=sys.stderr)
        sys.exit(2)
    if args.ca_file and not os.path.isfile(args.ca_file):
        print("sdk_capture: --ca-file %s does not exist" % args.ca_file, file=sys.stderr)
        sys.exit(2)

    sdk.use_transport(args.ca_file, args.sdk_transport)
    # Observe (not alter) what the SDK puts on the wire.
    sent = sdk.observe_wire()

    request = AlipayCaptureRequest()
    request.capture_request_id = args.capture_request_id or "sdk-capture-" + uuid.uuid4().hex
    request.payment_id = args.payment_id
    request.capture_amount = Amount(args.currency, args.amount)
    if args.last_capture is not None:
        request.is_last_capture = args.last_capture
    if args.key_version is not None:
        request.key_version = str(args.key_version)

    client = sdk.default_alipay_client.DefaultAlipayClient(
        args.gateway.rstrip("/"), args.client_id, merchant_private, alipay_public)
    out = {"sdk_version": sdk.sdk_version(), "sdk_transport": args.sdk_transport}
    try:
        rsp_body = client.execute(request)
    except AlipayApiException as exc:
        out.update(ok=False, error="AlipayApiException: %s" % exc, sent=sent)
        print(json.dumps(out, ensure_ascii=False, indent=2))
        sys.exit(1)
    except (OSError, http.client.HTTPException) as exc:
        out.update(ok=False, error="%s: %s" % (type(exc).__name__, exc), sent=sent)
        print(json.dumps(out, ensure_ascii=False, indent=2))
        sys.exit(1)

    parsed = AlipayCaptureResponse(rsp_body)
    result = parsed.result
    status = result.result_status.name if result and result.result_status else None
    amount = parsed.capture_amount
    out.update(
        ok=True,
        sent=sent,
        response_body=rsp_body,
        response={
            "result": {
                "resultStatus": status,
                "resultCode": result.result_code if result else None,
                "resultMessage": result.result_message if result else None,
            },
            "captureRequestId": parsed.capture_request_id,
            "captureId": parsed.capture_id,
            "paymentId": parsed.payment_id,
            "captureAmount": {"currency": amount.currency, "value": amount.value} if amount else None,
            "captureTime": parsed.capture_time,
        },
    )
    print(json.dumps(out, ensure_ascii=False, indent=2))
    if args.expect_status and status != args.expect_status:
        print("sdk_capture: expected resultStatus %s, got %s" % (args.expect_status, status),
              file=sys.stderr)
        sys.exit(1)
    sys.exit(0)


if __name__ == "__main__":
    main()
