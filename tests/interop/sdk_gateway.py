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
`request-time`, `signature` headers and raw body. A valid request is answered
HTTP 200 with a body signed by the SDK's `signature_tool.sign` with the Alipay
key (`client-id`, `response-time` from the SDK's `get_cur_iso8601_time()`,
`signature`), by path:

  .../payments/capture  S, echoing captureRequestId, paymentId, captureAmount
  .../payments/pay      U PAYMENT_IN_PROCESS (waiting for the buyer), echoing
                        paymentRequestId and paymentAmount, with paymentId,
                        paymentCreateTime and normalUrl
  .../payments/refund   S, echoing refundRequestId, paymentId, refundAmount,
                        with refundId and refundTime
  anything else         signed F NO_INTERFACE_DEF

Anything not valid gets an unsigned F INVALID_SIGNATURE, as Alipay answers.

Each request is also parsed into the SDK's own request class for its path
(AlipayCaptureRequest, AlipayPayRequest, AlipayRefundRequest) and
serialised back with the SDK's `to_ams_json`; `sdk_model_dropped` lists the
JSON paths of our body the SDK's model does not carry (a misspelt or unknown
field would show up there).

Each request is appended to --log as one JSON line {"path", "api",
"client_id", "time", "signature", "valid", "reason", "sdk_model_dropped",
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

from com.alipay.ams.api.request.pay.alipay_capture_request import AlipayCaptureRequest  # noqa: E402
from com.alipay.ams.api.request.pay.alipay_pay_request import AlipayPayRequest  # noqa: E402
from com.alipay.ams.api.request.pay.alipay_refund_request import AlipayRefundRequest  # noqa: E402


def capture_reply(req, now):
    return {
        "result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success."},
        "captureRequestId": req.get("captureRequestId"),
        "captureId": "SDKGW" + (req.get("captureRequestId") or "")[-20:],
        "paymentId": req.get("paymentId"),
        "captureAmount": req.get("captureAmount"),
        "captureTime": now,
    }


def pay_reply(req, now):
    payment_id = "SDKGWPAY" + (req.get("paymentRequestId") or "")[-20:]
    return {
        "result": {"resultCode": "PAYMENT_IN_PROCESS", "resultStatus": "U",
                   "resultMessage": "payment in process"},
        "paymentRequestId": req.get("paymentRequestId"),
        "paymentId": payment_id,
        "paymentAmount": req.get("paymentAmount"),
        "paymentCreateTime": now,
        "normalUrl": "https://sdk-gateway.example/checkout/" + payment_id,
    }


def refund_reply(req, now):
    return {
        "result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success."},
        "refundRequestId": req.get("refundRequestId"),
        "refundId": "SDKGWREF" + (req.get("refundRequestId") or "")[-20:],
        "paymentId": req.get("paymentId"),
        "refundAmount": req.get("refundAmount"),
        "refundTime": now,
    }


# path suffix -> (API name, the SDK's request class, the reply)
APIS = {
    "/v1/payments/capture": ("capture", AlipayCaptureRequest, capture_reply),
    "/v1/payments/pay": ("pay", AlipayPayRequest, pay_reply),
    "/v1/payments/refund": ("refund", AlipayRefundRequest, refund_reply),
}


def json_paths(value, prefix=""):
    """Every leaf path of a JSON value (list items as [])."""
    if isinstance(value, dict):
        out = set()
        for k, v in value.items():
            out |= json_paths(v, prefix + "." + k if prefix else k)
        return out
    if isinstance(value, list):
        out = set()
        for v in value:
            out |= json_paths(v, prefix + "[]")
        return out
    return {prefix}


def sdk_model_dropped(sdk_class, body):
    """The paths of `body` that do not survive the SDK's request class:
    parse_rsp_body into it, then its own to_ams_json."""
    request = sdk_class()
    request.parse_rsp_body(body)
    original = json.loads(body)
    again = json.loads(request.to_ams_json())
    return sorted(json_paths(original) - json_paths(again))


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
            api, sdk_class, reply = next(
                (v for k, v in APIS.items() if path.endswith(k)), (None, None, None))
            dropped = None
            if valid and sdk_class is not None:
                try:
                    dropped = sdk_model_dropped(sdk_class, body)
                except Exception as exc:  # the SDK's model refused our body
                    dropped = ["<%s: %s>" % (type(exc).__name__, exc)]
            with lock:
                with open(cfg["log"], "a", encoding="utf-8") as f:
                    f.write(json.dumps({"path": path, "api": api, "client_id": client_id,
                                        "time": req_time, "signature": header, "valid": valid,
                                        "reason": reason, "sdk_model_dropped": dropped,
                                        "body": body}, ensure_ascii=False) + "\n")
            headers = [("Content-Type", "application/json; charset=UTF-8")]
            if valid:
                now = sdk.date_tools.get_cur_iso8601_time()
                if reply is not None:
                    answer = reply(json.loads(body), now)
                else:
                    answer = {"result": {"resultCode": "NO_INTERFACE_DEF", "resultStatus": "F",
                                         "resultMessage": "API is not defined."}}
                rsp = json.dumps(answer, separators=(",", ":"))
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
