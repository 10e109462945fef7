#!/usr/bin/env python3
"""Signs a notification with the official Python SDK's signer and POSTs it,
the way Alipay delivers notifyCapture.

    PY=$(bash tests/interop/setup.sh | tail -n1)
    $PY tests/interop/sdk_notify.py --url http://127.0.0.1:3000/alipay/notify \\
        --path /alipay/notify --client-id SANDBOX_5X00000000000000 \\
        --alipay-private-key keys-example/alipay/private_key.pem --body-file notify.json \\
        [--time '2026-11-25T17:30:05+08:00'] [--key-version N] [--no-expect-ack]

The SDK has no notification sender (Alipay is the sender), so the signature
comes from `signature_tool.sign` over `POST <path>\\n<client-id>.<time>.<body>`
and the header is assembled as DefaultAlipayClient assembles its own. The
request-time defaults to the SDK's own `get_cur_iso8601_time()` (ISO 8601).
Headers sent: Content-Type: application/json; charset=UTF-8, client-id,
request-time, signature. The body file's bytes are sent unchanged.

Prints one JSON object {"status", "body", "acknowledged", "sent"}.
Exit codes: 0 the endpoint answered the fixed acknowledgement (HTTP 200,
result S / SUCCESS) (with --no-expect-ack: any HTTP answer); 1 it did not,
or the connection failed; 2 usage / file / key error.
"""

import argparse
import http.client
import json
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import official_sdk as sdk  # noqa: E402


def is_ack(status, body):
    if status != 200:
        return False
    try:
        result = json.loads(body).get("result") or {}
    except (ValueError, AttributeError):
        return False
    return result.get("resultStatus") == "S" and result.get("resultCode") == "SUCCESS"


def main():
    p = argparse.ArgumentParser(description="Post an SDK-signed notification.")
    p.add_argument("--url", required=True)
    p.add_argument("--path", default=None, help="signed path (default: the URL's path)")
    p.add_argument("--client-id", required=True)
    p.add_argument("--alipay-private-key", required=True, help="PEM or bare base64 file")
    p.add_argument("--body-file", required=True)
    p.add_argument("--time", default=None, help="request-time (default: SDK's ISO 8601 now)")
    p.add_argument("--key-version", default="1")
    p.add_argument("--no-expect-ack", action="store_true")
    p.add_argument("--timeout", type=float, default=15.0)
    try:
        args = p.parse_args()
    except SystemExit as exc:
        sys.exit(2 if exc.code else 0)

    parts = urllib.parse.urlsplit(args.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        print("sdk_notify: --url must be http(s)://host[:port]/path", file=sys.stderr)
        sys.exit(2)
    try:
        with open(args.body_file, "rb") as f:
            raw = f.read()
        body_text = raw.decode("utf-8")
        private_key = sdk.private_key_for_sdk(args.alipay_private_key)
    except (OSError, UnicodeDecodeError, SystemExit) as exc:
        print("sdk_notify: %s" % exc, file=sys.stderr)
        sys.exit(2)

    path = args.path or parts.path or "/"
    req_time = args.time or sdk.date_tools.get_cur_iso8601_time()
    sign_value = sdk.signature_tool.sign("POST", path, args.client_id, req_time, body_text,
                                         private_key)
    headers = {
        "Content-Type": "application/json; charset=UTF-8",
        "client-id": args.client_id,
        "request-time": req_time,
        "signature": sdk.signature_header(sign_value, args.key_version),
    }
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    sent = {"url": args.url, "signed_path": path, "headers": headers}
    try:
        conn = cls(parts.hostname, parts.port, timeout=args.timeout)
        conn.request("POST", target, body=raw, headers=headers)
        rsp = conn.getresponse()
        status = rsp.status
        rsp_body = rsp.read().decode("utf-8", "replace")
        conn.close()
    except (OSError, http.client.HTTPException) as exc:
        print(json.dumps({"status": None, "error": "%s: %s" % (type(exc).__name__, exc),
                          "acknowledged": False, "sent": sent}))
        sys.exit(1)
    acked = is_ack(status, rsp_body)
    print(json.dumps({"status": status, "body": rsp_body, "acknowledged": acked, "sent": sent},
                     ensure_ascii=False))
    sys.exit(0 if acked or args.no_expect_ack else 1)


if __name__ == "__main__":
    main()
