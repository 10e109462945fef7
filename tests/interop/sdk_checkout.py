#!/usr/bin/env python3
"""The whole checkout with the official Python SDK as the merchant, against
our sandbox: pay, inquiryPayment, cancel, capture, refund, inquiryRefund
through DefaultAlipayClient (sdk_merchant.py), the buyer played through the
sandbox's control API, every notification checked by the SDK's webhook
verification.

    PY=$(bash tests/interop/setup.sh | tail -n1)
    $PY tests/interop/sdk_checkout.py --gateway http://127.0.0.1:8686 \\
        --client-id SANDBOX_5X00000000000000 \\
        --merchant-private-key keys-example/merchant/private_key.pem \\
        --alipay-public-key keys-example/alipay/public_key.pem \\
        --receiver-log /tmp/notifications.jsonl [--ca-file PEM]

The sandbox must run with a small --time-scale (0.001), so that
asynchronous refunds settle at once. This script starts its own notify
endpoint on 127.0.0.1 (sdk_notify_receiver.py's handler, in a thread: each
delivery checked with `webhook_tool.check_signature`, acknowledged only when
valid, appended to --receiver-log) and names it as paymentNotifyUrl and
refundNotifyUrl.

Journeys:
  card      CARD, MANUAL capture: pay U PAYMENT_IN_PROCESS with normalUrl (and
            the same again for the same paymentRequestId), inquiry PROCESSING,
            the buyer pays, notifyPayment; capture S, notifyCapture; partial
            refund U REFUND_IN_PROCESS, notifyRefund SUCCESS, inquiryRefund
            SUCCESS; a refund beyond what is left F REFUND_AMOUNT_EXCEED; cancel
            F CANCEL_WINDOW_EXCEED; inquiryPayment SUCCESS with the capture
            and the refund.
  wallet    ALIPAY_CN, captured when the buyer pays: notifyPayment and the
            automatic notifyCapture; a full refund S at once (no
            notifyRefund); inquiries show both.
  pending   ONLINEBANKING_FPX: notifyPayment PAYMENT_PENDING, then
            PAYMENT_RESULT.
  cancel    cancel while waiting for the buyer: S, the buyer can no longer
            pay, the same cancel again S, inquiry CANCELLED with the CANCEL.

Prints one line per check ("  ok   ..." / "  FAIL ..."). Exit codes: 0 every
check passed, 1 a check failed, 2 usage / start-up error.
"""

import argparse
import json
import os
import ssl
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import official_sdk as sdk  # noqa: E402
from sdk_merchant import Merchant, SdkRefused  # noqa: E402
from sdk_notify_receiver import make_handler  # noqa: E402

from com.alipay.ams.api.request.notify.alipay_capture_result_notify import (  # noqa: E402
    AlipayCaptureResultNotify)
from com.alipay.ams.api.request.notify.alipay_pay_result_notify import (  # noqa: E402
    AlipayPayResultNotify)
from com.alipay.ams.api.request.notify.alipay_refund_notify import AlipayRefundNotify  # noqa: E402

NOTIFY_PATH = "/alipay/notify"
WAIT_SECONDS = 20.0
failures = []


class Abort(Exception):
    """A journey cannot go on (a check it depends on failed)."""


def check(ok, what, detail=None):
    print("  %s %s" % ("ok  " if ok else "FAIL", what), flush=True)
    if not ok:
        if detail is not None:
            print("       " + json.dumps(detail, ensure_ascii=False)[:2000], flush=True)
        failures.append(what)
    return ok


def require(ok, what, detail=None):
    if not check(ok, what, detail):
        raise Abort(what)


def status(r):
    result = r.get("result") or {}
    return "%s %s" % (result.get("resultStatus"), result.get("resultCode"))


class Checkout:
    def __init__(self, args, receiver_url):
        self.args = args
        self.merchant = Merchant(args.gateway, args.client_id, args.merchant_private_key,
                                 args.alipay_public_key, args.ca_file)
        self.notify_url = receiver_url
        self.context = ssl.create_default_context(cafile=args.ca_file) if args.ca_file else None
        self.control = args.gateway.rstrip("/") + "/sandbox"

    # -- the SDK -----------------------------------------------------------
    def sdk(self, what, call, *a, **kw):
        """One SDK call; it must be accepted (a verified reply)."""
        try:
            return getattr(self.merchant, call)(*a, **kw)
        except SdkRefused as exc:
            wire = self.merchant.last_wire
            require(False, "%s: the SDK accepted the signed reply" % what,
                    {"error": str(exc), "url": wire.get("url"),
                     "response_headers": wire.get("response_headers"),
                     "response_body": wire.get("response_body")})

    def expect(self, what, r, want):
        require(status(r) == want, "%s: %s" % (what, want), r)

    # -- the sandbox's control API (plain JSON, unsigned) -------------------
    def control_api(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.control + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=15, context=self.context) as rsp:
                return rsp.status, json.loads(rsp.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    def buyer(self, payment_id, action):
        return self.control_api("POST", "/payments/%s/buyer" % payment_id, {"action": action})

    # -- notifications -------------------------------------------------------
    def notification(self, what, sdk_class, **match):
        """Waits for a delivery whose body has every `match` field; checks that
        the SDK found it valid, parses it with the SDK's notification class
        and checks the sandbox logged it acknowledged."""
        deadline = time.time() + WAIT_SECONDS
        entry = None
        while entry is None and time.time() < deadline:
            with open(self.args.receiver_log, encoding="utf-8") as f:
                for line in f:
                    e = json.loads(line)
                    try:
                        body = json.loads(e["body"])
                    except ValueError:
                        continue
                    if all(body.get(k) == v for k, v in match.items()):
                        entry = e
                        break
            if entry is None:
                time.sleep(0.05)
        require(entry is not None, "%s arrived at the SDK receiver" % what, match)
        require(entry["valid"], "%s: signature valid for the SDK's check_signature" % what, entry)
        parsed = sdk_class(entry["body"])
        check(parsed.notify_type == match.get("notifyType") and parsed.result is not None,
              "%s: parsed by the SDK's %s (notifyType %s, result %s)"
              % (what, sdk_class.__name__, parsed.notify_type,
                 parsed.result.result_status.name if parsed.result else None))
        acked = False
        while not acked and time.time() < deadline:
            code, log = self.control_api("GET", "/notifications")
            acked = code == 200 and any(
                d.get("acknowledged") and d.get("notifyType") == match.get("notifyType")
                and all(d.get(k) == v for k, v in match.items() if k.endswith("Id"))
                for d in log.get("deliveries", []))
            if not acked:
                time.sleep(0.05)
        check(acked, "%s: the sandbox logged it acknowledged" % what)
        return parsed, json.loads(entry["body"])

    # -- journeys ------------------------------------------------------------
    def pay_waiting(self, what, amount, currency, method, **kw):
        r = self.sdk(what, "pay", amount, currency, method, notify_url=self.notify_url, **kw)
        self.expect(what, r, "U PAYMENT_IN_PROCESS")
        require(bool(r["paymentId"]) and bool(r["normalUrl"]),
                "%s: paymentId %s, normalUrl %s" % (what, r["paymentId"], r["normalUrl"]), r)
        return r

    def card(self):
        pay = self.pay_waiting("card pay USD 100.00 (MANUAL)", "10000", "USD", "CARD",
                               capture_mode="MANUAL")
        pid, prid = pay["paymentId"], pay["paymentRequestId"]
        again = self.sdk("card pay again, same paymentRequestId", "pay", "10000", "USD", "CARD",
                         capture_mode="MANUAL", payment_request_id=prid,
                         notify_url=self.notify_url)
        check(status(again) == "U PAYMENT_IN_PROCESS" and again["paymentId"] == pid,
              "card pay again, same paymentRequestId: U PAYMENT_IN_PROCESS, same paymentId", again)
        r = self.sdk("card inquiryPayment", "inquiry_payment", payment_request_id=prid)
        check(status(r) == "S SUCCESS" and r["paymentStatus"] == "PROCESSING",
              "card inquiryPayment before the buyer: paymentStatus PROCESSING", r)

        code, state = self.buyer(pid, "pay")
        require(code == 200 and state.get("status") == "AUTHORIZED",
                "card: the buyer pays (control API): AUTHORIZED", [code, state])
        parsed, _ = self.notification("card notifyPayment", AlipayPayResultNotify,
                                      notifyType="PAYMENT_RESULT", paymentId=pid)
        check(parsed.payment_request_id == prid and parsed.result.result_code == "SUCCESS",
              "card notifyPayment: S SUCCESS for our paymentRequestId")

        cap = self.sdk("card capture", "capture", pid, "10000", "USD")
        self.expect("card capture USD 100.00", cap, "S SUCCESS")
        parsed, _ = self.notification("card notifyCapture", AlipayCaptureResultNotify,
                                      notifyType="CAPTURE_RESULT", paymentId=pid,
                                      captureId=cap["captureId"])

        ref = self.sdk("card refund", "refund", pid, "3000", "USD", notify_url=self.notify_url)
        self.expect("card refund USD 30.00 (asynchronous)", ref, "U REFUND_IN_PROCESS")
        require(bool(ref["refundId"]) and ref["refundRequestId"],
                "card refund: refundId %s" % ref["refundId"], ref)
        parsed, body = self.notification("card notifyRefund", AlipayRefundNotify,
                                         notifyType="REFUND_RESULT", refundId=ref["refundId"])
        # The amount from the raw JSON: AlipayRefundNotify wraps the whole
        # refundAmount object as Amount(currency=<dict>), value None (SDK bug).
        check(parsed.refund_status == "SUCCESS"
              and parsed.refund_request_id == ref["refundRequestId"]
              and body.get("refundAmount") == {"currency": "USD", "value": "3000"},
              "card notifyRefund: SUCCESS, our refundRequestId, USD 3000", body)
        r = self.sdk("card inquiryRefund", "inquiry_refund",
                     refund_request_id=ref["refundRequestId"])
        check(status(r) == "S SUCCESS" and r["refundStatus"] == "SUCCESS"
              and r["refundId"] == ref["refundId"]
              and r["refundAmount"] == {"currency": "USD", "value": "3000"},
              "card inquiryRefund: SUCCESS, same refundId, USD 3000", r)

        over = self.sdk("card refund beyond what is left", "refund", pid, "8000", "USD")
        check(status(over) == "F REFUND_AMOUNT_EXCEED",
              "card refund USD 80.00 of 70.00 left: F REFUND_AMOUNT_EXCEED", over)
        r = self.sdk("card cancel after capture", "cancel", payment_id=pid)
        check(status(r) == "F CANCEL_WINDOW_EXCEED",
              "card cancel after capture: F CANCEL_WINDOW_EXCEED", r)

        r = self.sdk("card final inquiryPayment", "inquiry_payment", payment_id=pid)
        self.transactions("card", r, "SUCCESS", [
            ("CAPTURE", "SUCCESS", "10000", cap["captureId"], cap["captureRequestId"]),
            ("REFUND", "SUCCESS", "3000", ref["refundId"], ref["refundRequestId"]),
        ])

    def wallet(self):
        pay = self.pay_waiting("wallet pay USD 50.00 (ALIPAY_CN)", "5000", "USD", "ALIPAY_CN")
        pid = pay["paymentId"]
        code, state = self.buyer(pid, "pay")
        require(code == 200 and state.get("status") == "CAPTURED",
                "wallet: the buyer pays (control API): CAPTURED at once", [code, state])
        self.notification("wallet notifyPayment", AlipayPayResultNotify,
                          notifyType="PAYMENT_RESULT", paymentId=pid)
        parsed, body = self.notification("wallet notifyCapture (automatic)",
                                         AlipayCaptureResultNotify,
                                         notifyType="CAPTURE_RESULT", paymentId=pid)
        ref = self.sdk("wallet refund", "refund", pid, "5000", "USD", notify_url=self.notify_url)
        check(status(ref) == "S SUCCESS" and bool(ref["refundId"]) and bool(ref["refundTime"]),
              "wallet refund USD 50.00 (synchronous): S SUCCESS with refundId and refundTime", ref)
        r = self.sdk("wallet inquiryRefund", "inquiry_refund", refund_id=ref["refundId"])
        check(status(r) == "S SUCCESS" and r["refundStatus"] == "SUCCESS",
              "wallet inquiryRefund by refundId: SUCCESS", r)
        r = self.sdk("wallet final inquiryPayment", "inquiry_payment", payment_id=pid)
        self.transactions("wallet", r, "SUCCESS", [
            ("CAPTURE", "SUCCESS", "5000", body.get("captureId"), body.get("captureRequestId")),
            ("REFUND", "SUCCESS", "5000", ref["refundId"], ref["refundRequestId"]),
        ])
        self.wallet_refund_id = ref["refundId"]

    def pending(self):
        pay = self.pay_waiting("bank pay MYR 20.00 (ONLINEBANKING_FPX)", "2000", "MYR",
                               "ONLINEBANKING_FPX")
        pid = pay["paymentId"]
        code, state = self.buyer(pid, "pay")
        require(code == 200 and state.get("status") in ("PENDING", "CAPTURED"),
                "bank: the buyer pays (control API): %s" % state.get("status"), [code, state])
        parsed, _ = self.notification("bank notifyPayment PAYMENT_PENDING", AlipayPayResultNotify,
                                      notifyType="PAYMENT_PENDING", paymentId=pid)
        parsed, _ = self.notification("bank notifyPayment PAYMENT_RESULT", AlipayPayResultNotify,
                                      notifyType="PAYMENT_RESULT", paymentId=pid)
        r = self.sdk("bank inquiryPayment", "inquiry_payment", payment_id=pid)
        check(status(r) == "S SUCCESS" and r["paymentStatus"] == "SUCCESS",
              "bank inquiryPayment once settled: SUCCESS", r)

    def cancel(self):
        pay = self.pay_waiting("cancel-journey pay USD 12.00 (ALIPAY_CN)", "1200", "USD",
                               "ALIPAY_CN")
        pid, prid = pay["paymentId"], pay["paymentRequestId"]
        first = self.sdk("cancel", "cancel", payment_request_id=prid)
        check(status(first) == "S SUCCESS" and first["paymentId"] == pid
              and bool(first["cancelTime"]),
              "cancel by paymentRequestId while waiting for the buyer: S with cancelTime", first)
        code, state = self.buyer(pid, "pay")
        check(code == 409, "cancel: the buyer can no longer pay (control API 409)", [code, state])
        again = self.sdk("cancel again", "cancel", payment_id=pid)
        check(status(again) == "S SUCCESS" and again["cancelTime"] == first["cancelTime"],
              "cancel again: S, the same cancelTime", again)
        r = self.sdk("cancel inquiryPayment", "inquiry_payment", payment_id=pid)
        self.transactions("cancel", r, "CANCELLED", [("CANCEL", "SUCCESS", None, None, None)])

    def transactions(self, journey, r, payment_status, wanted):
        check(status(r) == "S SUCCESS" and r["paymentStatus"] == payment_status,
              "%s inquiryPayment: paymentStatus %s" % (journey, payment_status), r)
        for kind, tx_status, value, tx_id, tx_request_id in wanted:
            found = [t for t in r["transactions"]
                     if t["transactionType"] == kind and t["transactionStatus"] == tx_status
                     and (value is None or (t["transactionAmount"] or {}).get("value") == value)
                     and (tx_id is None or t["transactionId"] == tx_id)
                     and (tx_request_id is None or t["transactionRequestId"] == tx_request_id)]
            check(len(found) == 1, "%s inquiryPayment: one %s %s%s%s" % (
                journey, kind, tx_status, " " + value if value else "",
                " (%s)" % tx_id if tx_id else ""), r["transactions"])


def main():
    p = argparse.ArgumentParser(description="The checkout with the official SDK as merchant.")
    p.add_argument("--gateway", required=True, help="the sandbox, http:// or https://")
    p.add_argument("--client-id", required=True)
    p.add_argument("--merchant-private-key", required=True)
    p.add_argument("--alipay-public-key", required=True)
    p.add_argument("--receiver-log", required=True, help="JSONL of every delivery received")
    p.add_argument("--ca-file", default=None, help="CA to trust for an https gateway")
    try:
        args = p.parse_args()
    except SystemExit as exc:
        sys.exit(2 if exc.code else 0)
    try:
        open(args.receiver_log, "w").close()
        handler = make_handler(args.client_id, sdk.public_key_for_sdk(args.alipay_public_key),
                               args.receiver_log, threading.Lock())
        handler.log_message = lambda *a: None  # one line per check is enough
        receiver = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        receiver.daemon_threads = True
        checkout = Checkout(args, "http://127.0.0.1:%d%s" % (receiver.server_address[1],
                                                             NOTIFY_PATH))
    except (OSError, SystemExit) as exc:
        print("sdk_checkout: %s" % exc, file=sys.stderr)
        sys.exit(2)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    print("SDK %s as merchant against %s; notify endpoint (SDK-verifying) %s"
          % (sdk.sdk_version(), args.gateway, checkout.notify_url), flush=True)

    for journey in ("card", "wallet", "pending", "cancel"):
        print("-- %s" % journey, flush=True)
        try:
            getattr(checkout, journey)()
        except Abort as exc:
            print("       (the %s journey stopped: %s)" % (journey, exc), flush=True)

    # Synchronous refunds are never notified (Alipay sends notifyRefund only
    # for asynchronous ones): by now every notification above has arrived.
    wallet_refund = getattr(checkout, "wallet_refund_id", None)
    if wallet_refund:
        with open(args.receiver_log, encoding="utf-8") as f:
            got = [line for line in f if wallet_refund in line]
        check(not got, "wallet: no notifyRefund for the synchronous refund", got)
    with open(args.receiver_log, encoding="utf-8") as f:
        invalid = [e for e in map(json.loads, f) if not e["valid"]]
    check(not invalid, "every delivery of the sandbox valid for the SDK", invalid)
    receiver.shutdown()
    print("%d check(s) failed" % len(failures) if failures else "all checks passed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
