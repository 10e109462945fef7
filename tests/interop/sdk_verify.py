#!/usr/bin/env python3
"""Verifies an Alipay AMS signature with the official Python SDK's own code.

    PY=$(bash tests/interop/setup.sh | tail -n1)
    $PY tests/interop/sdk_verify.py --kind request|response|notification \\
        --path PATH --client-id ID --time TIME --signature 'algorithm=RSA256,...' \\
        --public-key FILE (--body-file FILE | --body TEXT) [--method POST]

--kind response goes through DefaultAlipayClient's response check (header
split on `signature=`, then signature_tool.verify); request and notification
go through webhook_tool.check_signature (same split, same verify). The body
file is read as exact bytes and must be UTF-8 (the SDK works on str).
The public key file may be SPKI PEM or bare base64.

Prints one JSON object {"valid", "reason", "content_to_sign", "sdk_version"}.
Exit codes: 0 valid, 1 not valid, 2 usage / file / key error.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import official_sdk as sdk  # noqa: E402


def main():
    p = argparse.ArgumentParser(description="Verify a signature with the official SDK.")
    p.add_argument("--kind", choices=("request", "response", "notification"), default="request")
    p.add_argument("--method", default="POST")
    p.add_argument("--path", required=True)
    p.add_argument("--client-id", required=True)
    p.add_argument("--time", required=True)
    p.add_argument("--signature", required=True, help="the whole Signature header value")
    p.add_argument("--public-key", required=True, help="SPKI PEM or bare base64 file")
    body = p.add_mutually_exclusive_group(required=True)
    body.add_argument("--body-file")
    body.add_argument("--body")
    try:
        args = p.parse_args()
    except SystemExit as exc:
        sys.exit(2 if exc.code else 0)

    try:
        if args.body_file is not None:
            with open(args.body_file, "rb") as f:
                raw = f.read()
        else:
            raw = args.body.encode("utf-8")
        body_text = raw.decode("utf-8")
        public_key = sdk.public_key_for_sdk(args.public_key)
    except (OSError, UnicodeDecodeError) as exc:
        print("sdk_verify: %s" % exc, file=sys.stderr)
        sys.exit(2)
    except SystemExit as exc:
        print("sdk_verify: %s" % exc, file=sys.stderr)
        sys.exit(2)

    if args.kind == "response":
        valid, reason = verify_response(args, body_text, public_key)
    else:
        valid, reason = sdk.sdk_verify_header(args.method, args.path, args.client_id, args.time,
                                              body_text, args.signature, public_key)
    print(json.dumps({
        "valid": valid,
        "reason": reason,
        "kind": args.kind,
        "content_to_sign": sdk.signature_tool.gen_sign_content(
            args.method, args.path, args.client_id, args.time, body_text),
        "sdk_version": sdk.sdk_version(),
    }, ensure_ascii=False))
    sys.exit(0 if valid else 1)


def verify_response(args, body_text, public_key):
    """The SDK client's own response check: `__parse_header` takes what follows
    `signature=`, then `__assert_response_verified` calls signature_tool.verify
    (and raises on failure)."""
    if "signature=" not in args.signature:
        return False, "no signature= in the header (the SDK's __parse_header would fail)"
    target = args.signature.split("signature=")[1]
    client = sdk.default_alipay_client.DefaultAlipayClient(
        "https://127.0.0.1", args.client_id, "unused", public_key)
    try:
        client._DefaultAlipayClient__assert_response_verified(
            args.method, args.path, args.client_id, args.time, body_text, target)
    except Exception as exc:
        return False, "%s: %s" % (type(exc).__name__, exc)
    return True, "valid"


if __name__ == "__main__":
    main()
