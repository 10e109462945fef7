#!/usr/bin/env python3
"""A merchant notify endpoint that checks every notification with the
official Python SDK's webhook verification (`webhook_tool.check_signature`).

    PY=$(bash tests/interop/setup.sh | tail -n1)
    $PY tests/interop/sdk_notify_receiver.py --listen 127.0.0.1:0 \\
        --client-id SANDBOX_5X00000000000000 \\
        --alipay-public-key keys-example/alipay/public_key.pem \\
        --port-file /tmp/port --log /tmp/notifications.jsonl

For each POST it verifies the signature over `POST <request path>` with the
`client-id`, `request-time` and `signature` headers and the raw body, then
answers the fixed acknowledgement when the SDK says valid (and the client id
is the expected one), or an F result otherwise. Every delivery is appended to
--log as one JSON line {"path", "client_id", "time", "valid", "reason",
"body"}. The bound port is written to --port-file once listening. Runs until
killed.
"""

import argparse
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import official_sdk as sdk  # noqa: E402

ACK = b'{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}'
NACK = b'{"result":{"resultCode":"INVALID_SIGNATURE","resultStatus":"F","resultMessage":"signature check failed"}}'


def make_handler(client_id, public_key, log_path, lock):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802 (http.server naming)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            path = self.path.split("?", 1)[0]
            got_client = self.headers.get("client-id") or ""
            got_time = self.headers.get("request-time") or ""
            header = self.headers.get("signature") or ""
            try:
                body = raw.decode("utf-8")
                valid, reason = sdk.sdk_verify_header("POST", path, got_client, got_time, body,
                                                      header, public_key)
            except UnicodeDecodeError as exc:
                body, valid, reason = raw.decode("utf-8", "replace"), False, str(exc)
            if valid and got_client != client_id:
                valid, reason = False, "unexpected client-id %r" % got_client
            entry = {"path": path, "client_id": got_client, "time": got_time,
                     "signature": header, "valid": valid, "reason": reason, "body": body}
            with lock:
                with open(log_path, "a", encoding="utf-8") as f:
                    f.write(json.dumps(entry, ensure_ascii=False) + "\n")
            answer = ACK if valid else NACK
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, fmt, *args):
            sys.stderr.write("sdk_notify_receiver: " + (fmt % args) + "\n")

    return Handler


def main():
    p = argparse.ArgumentParser(description="Notify endpoint verifying with the official SDK.")
    p.add_argument("--listen", default="127.0.0.1:0")
    p.add_argument("--client-id", required=True)
    p.add_argument("--alipay-public-key", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--port-file", default=None)
    try:
        args = p.parse_args()
    except SystemExit as exc:
        sys.exit(2 if exc.code else 0)
    host, _, port = args.listen.rpartition(":")
    try:
        public_key = sdk.public_key_for_sdk(args.alipay_public_key)
        server = ThreadingHTTPServer((host or "127.0.0.1", int(port)),
                                     make_handler(args.client_id, public_key, args.log,
                                                  threading.Lock()))
    except (OSError, ValueError, SystemExit) as exc:
        print("sdk_notify_receiver: %s" % exc, file=sys.stderr)
        sys.exit(2)
    bound = server.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % bound)
        os.replace(tmp, args.port_file)
    print("sdk_notify_receiver: listening on %s:%d" % (host, bound), file=sys.stderr)
    server.serve_forever()


if __name__ == "__main__":
    main()
