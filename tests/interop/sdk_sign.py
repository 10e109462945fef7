#!/usr/bin/env python3
"""Signs a message with the official Python SDK's signer and prints the
`Signature` header value on one line, formatted as DefaultAlipayClient does.

    PY=$(bash tests/interop/setup.sh | tail -n1)
    $PY tests/interop/sdk_sign.py --private-key FILE --client-id ID --path PATH \\
        --time TIME (--body-file FILE | --body TEXT) [--method POST] [--key-version N]

The same flags as `alipay-ams sign`. The body file is read as exact bytes
and must be UTF-8. Private key: PEM (PKCS#8 or PKCS#1) or bare base64.
Exit codes: 0 printed, 2 usage / file / key error.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import official_sdk as sdk  # noqa: E402


def main():
    p = argparse.ArgumentParser(description="Sign with the official SDK.")
    p.add_argument("--private-key", required=True)
    p.add_argument("--client-id", required=True)
    p.add_argument("--path", required=True)
    p.add_argument("--time", required=True)
    p.add_argument("--method", default="POST")
    p.add_argument("--key-version", default="1")
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
                body_text = f.read().decode("utf-8")
        else:
            body_text = args.body
        key = sdk.private_key_for_sdk(args.private_key)
        sign_value = sdk.signature_tool.sign(args.method, args.path, args.client_id, args.time,
                                             body_text, key)
    except (OSError, UnicodeDecodeError, ValueError, SystemExit) as exc:
        print("sdk_sign: %s" % exc, file=sys.stderr)
        sys.exit(2)
    print(sdk.signature_header(sign_value, args.key_version))


if __name__ == "__main__":
    main()
