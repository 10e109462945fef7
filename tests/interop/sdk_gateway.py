#!/usr/bin/env python3
"""A minimal Alipay stand-in built on the official Python SDK's signature
code, to check what OUR client sends.

    PY=$(bash tests/interop/setup.sh | tail -n1)
    $PY tests/interop/sdk_gateway.py --listen 127.0.0.1:0 --port-file F --log F.jsonl \\
        --client-id SANDBOX_5X00000000000000 \\
        --merchant-public-key keys-example/merchant/public_key.pem \\
        --alipay-private-key keys-example/alipay/private_key.pem

Every POST is verified with the SDK (`webhook_tool.check_signature` ->
`signature_tool.verify`) over `POST <path>` with the request's `client-id`,
`request-time`, `signature` headers and raw body. A valid capture request is
answered S (HTTP 200) with a body signed by the SDK's `signature_tool.sign`
with the Alipay key (`client-id`, `response-time` from the SDK's
`get_cur_iso8601_time()`, `signature`); anything else gets an unsigned F
INVALID_SIGNATURE, as Alipay answers. Each request is appended to --log as
one JSON line {"path", "client_id", "time", "signature", "valid", "reason",
"body"}. Runs until killed.
"""

import argparse
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import official_sdk as sdk  # noqa: E402


def make_handler(cfg, lock):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = self.path.split("?", 1)[0]
            if "://" in path:  # absolute-form target, as the Python SDK sends
                path = "/" + path.split("://", 1)[1].split("/", 1)[-1]
            client_id = self.headers.get("client-id") or ""
            req_time = self.headers.get("request-time") or ""
            header = self.headers.get("signature") or ""
            try:
                body = raw.decode("utf-8")
                valid, reason = sdk.sdk_verify_header("POST", path, client_id, req_time, body,
                                                      header, cfg["merchant_public"])
            except UnicodeDecodeError as exc:
                body, valid, reason = raw.decode("utf-8", "replace"), False, str(exc)
            if valid and client_id != cfg["client_id"]:
                valid, reason = False, "unexpected client-id %r" % client_id
            with lock:
                with open(cfg["log"], "a", encoding="utf-8") as f:
                    f.write(json.dumps({"path": path, "client_id": client_id, "time": req_time,
                                        "signature": header, "valid": valid, "reason": reason,
                                        "body": body}, ensure_ascii=False) + "\n")
            headers = [("Content-Type", "application/json; charset=UTF-8")]
            if valid:
                req = json.loads(body)
                rsp = json.dumps({
                    "result": {"resultCode": "SUCCESS", "resultStatus": "S",
                               "resultMessage": "success."},
                    "captureRequestId": req.get("captureRequestId"),
                    "captureId": "SDKGW" + (req.get("captureRequestId") or "")[-20:],
                    "paymentId": req.get("paymentId"),
                    "captureAmount": req.get("captureAmount"),
                    "captureTime": sdk.date_tools.get_cur_iso8601_time(),
                }, separators=(",", ":"))
                rsp_time = sdk.date_tools.get_cur_iso8601_time()
                sign_value = sdk.signature_tool.sign("POST", path, cfg["client_id"], rsp_time,
                                                     rsp, cfg["alipay_private"])
                headers += [("client-id", cfg["client_id"]), ("response-time", rsp_time),
                            ("signature", sdk.signature_header(sign_value))]
            else:
                rsp = json.dumps({"result": {"resultCode": "INVALID_SIGNATURE",
                                             "resultStatus": "F",
                                             "resultMessage": "signature check failed"}},
                                 separators=(",", ":"))
            data = rsp.encode("utf-8")
            self.send_response(200)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, fmt, *args):
            sys.stderr.write("sdk_gateway: " + (fmt % args) + "\n")

    return Handler


def main():
    p = argparse.ArgumentParser(description="Alipay stand-in using the official SDK's signer.")
    p.add_argument("--listen", default="127.0.0.1:0")
    p.add_argument("--client-id", required=True)
    p.add_argument("--merchant-public-key", required=True)
    p.add_argument("--alipay-private-key", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--port-file", default=None)
    try:
        args = p.parse_args()
    except SystemExit as exc:
        sys.exit(2 if exc.code else 0)
    host, _, port = args.listen.rpartition(":")
    try:
        cfg = {
            "client_id": args.client_id,
            "merchant_public": sdk.public_key_for_sdk(args.merchant_public_key),
            "alipay_private": sdk.private_key_for_sdk(args.alipay_private_key),
            "log": args.log,
        }
        server = ThreadingHTTPServer((host or "127.0.0.1", int(port)),
                                     make_handler(cfg, threading.Lock()))
    except (OSError, ValueError, SystemExit) as exc:
        print("sdk_gateway: %s" % exc, file=sys.stderr)
        sys.exit(2)
    bound = server.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % bound)
        os.replace(tmp, args.port_file)
    print("sdk_gateway: listening on %s:%d" % (host, bound), file=sys.stderr)
    server.serve_forever()


if __name__ == "__main__":
    main()
