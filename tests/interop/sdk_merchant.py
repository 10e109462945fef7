#!/usr/bin/env python3
"""The official Python SDK as a merchant: one checkout call with its
DefaultAlipayClient and its own request and response classes.

    PY=$(bash tests/interop/setup.sh | tail -n1)
    $PY tests/interop/sdk_merchant.py OPERATION --gateway http://127.0.0.1:8686 \\
        --client-id SANDBOX_5X00000000000000 \\
        --merchant-private-key keys-example/merchant/private_key.pem \\
        --alipay-public-key keys-example/alipay/public_key.pem \\
        [--ca-file PEM] [--sdk-transport] [--expect-status S|F|U] [--expect-code CODE] ...

Operations and their flags (amounts in minor units, as on the wire):

    pay              --amount --currency --method (CARD, ALIPAY_CN, ...) [--capture-mode MANUAL|AUTOMATIC]
                     [--payment-request-id] [--notify-url] [--redirect-url]
    inquiry-payment  --payment-id | --payment-request-id
    cancel           --payment-id | --payment-request-id
    capture          --payment-id --amount --currency [--capture-request-id]
    refund           --payment-id --amount --currency [--refund-request-id] [--notify-url]
    inquiry-refund   --refund-id | --refund-request-id

Request classes: AlipayPayRequest, AlipayPayQueryRequest,
AlipayPayCancelRequest, AlipayCaptureRequest, AlipayRefundRequest,
AlipayInquiryRefundRequest; responses parsed by the matching SDK response
classes. Signing, the sandbox path rewrite, the wire format and the
response signature check are `DefaultAlipayClient.execute`'s; only its
connection factory is replaced so that it reaches a local http or https
port (see official_sdk.use_transport; `--sdk-transport` keeps it).

Prints one JSON object: {"ok", "response" (what the SDK's response class
parsed, as plain JSON), "response_body", "sent"}. Exit codes: 0 the SDK
accepted the verified response and any --expect-* matched; 1 the SDK
refused the response (transport, HTTP status, signature) or an --expect-*
differed; 2 usage / key error.
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
from com.alipay.ams.api.model.env import Env  # noqa: E402
from com.alipay.ams.api.model.order import Order  # noqa: E402
from com.alipay.ams.api.model.payment_factor import PaymentFactor  # noqa: E402
from com.alipay.ams.api.model.payment_method import PaymentMethod  # noqa: E402
from com.alipay.ams.api.model.product_code_type import ProductCodeType  # noqa: E402
from com.alipay.ams.api.model.terminal_type import TerminalType  # noqa: E402
from com.alipay.ams.api.request.pay.alipay_capture_request import AlipayCaptureRequest  # noqa: E402
from com.alipay.ams.api.request.pay.alipay_inquiry_refund_request import (  # noqa: E402
    AlipayInquiryRefundRequest)
from com.alipay.ams.api.request.pay.alipay_pay_cancel_request import (  # noqa: E402
    AlipayPayCancelRequest)
from com.alipay.ams.api.request.pay.alipay_pay_query_request import (  # noqa: E402
    AlipayPayQueryRequest)
from com.alipay.ams.api.request.pay.alipay_pay_request import AlipayPayRequest  # noqa: E402
from com.alipay.ams.api.request.pay.alipay_refund_request import AlipayRefundRequest  # noqa: E402
from com.alipay.ams.api.response.pay.alipay_capture_response import (  # noqa: E402
    AlipayCaptureResponse)
from com.alipay.ams.api.response.pay.alipay_inquiry_refund_response import (  # noqa: E402
    AlipayInquiryRefundResponse)
from com.alipay.ams.api.response.pay.alipay_pay_cancel_response import (  # noqa: E402
    AlipayPayCancelResponse)
from com.alipay.ams.api.response.pay.alipay_pay_query_response import (  # noqa: E402
    AlipayPayQueryResponse)
from com.alipay.ams.api.response.pay.alipay_pay_response import AlipayPayResponse  # noqa: E402
from com.alipay.ams.api.response.pay.alipay_refund_response import (  # noqa: E402
    AlipayRefundResponse)


class SdkRefused(Exception):
    """The SDK's `execute` raised: transport, HTTP status or signature."""


def _amount(a):
    return {"currency": a.currency, "value": a.value} if a is not None else None


def _enum(e):
    return e.name if e is not None else None


def _result(r):
    if r is None:
        return None
    return {"resultStatus": _enum(r.result_status), "resultCode": r.result_code,
            "resultMessage": r.result_message}


def _unique(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:24])


class Merchant:
    """A merchant's DefaultAlipayClient. Every call returns what the SDK's
    response class parsed (plain JSON) or raises SdkRefused; `last_wire`
    holds what was sent and received."""

    def __init__(self, gateway, client_id, merchant_private_key, alipay_public_key,
                 ca_file=None, sdk_transport=False):
        sdk.use_transport(ca_file, sdk_transport)
        self.last_wire = sdk.observe_wire()
        self.client = sdk.default_alipay_client.DefaultAlipayClient(
            gateway.rstrip("/"), client_id, sdk.private_key_for_sdk(merchant_private_key),
            sdk.public_key_for_sdk(alipay_public_key))

    def _execute(self, request):
        try:
            return self.client.execute(request)
        except AlipayApiException as exc:
            raise SdkRefused("AlipayApiException: %s" % exc) from exc
        except (OSError, http.client.HTTPException) as exc:
            raise SdkRefused("%s: %s" % (type(exc).__name__, exc)) from exc

    def pay(self, amount, currency, method, capture_mode=None, payment_request_id=None,
            notify_url=None, redirect_url="https://shop.example/return"):
        req = AlipayPayRequest()
        req.product_code = ProductCodeType.CASHIER_PAYMENT
        req.payment_request_id = payment_request_id or _unique("sdk-pay")
        req.payment_amount = Amount(currency, amount)
        method_obj = PaymentMethod()
        method_obj.payment_method_type = method
        req.payment_method = method_obj
        if method == "CARD" or capture_mode:
            factor = PaymentFactor()
            if method == "CARD":
                factor.is_authorization = True
            if capture_mode:
                factor.capture_mode = capture_mode
            req.payment_factor = factor
        order = Order()
        order.reference_order_id = "order-" + req.payment_request_id
        order.order_description = "interop checkout"
        order.order_amount = Amount(currency, amount)
        req.order = order
        env = Env()
        env.terminal_type = TerminalType.WEB
        req.env = env
        req.payment_redirect_url = redirect_url
        if notify_url:
            req.payment_notify_url = notify_url
        body = self._execute(req)
        r = AlipayPayResponse(body)
        return {"result": _result(r.result), "paymentId": r.payment_id,
                "paymentRequestId": r.payment_request_id, "paymentAmount": _amount(r.payment_amount),
                "paymentCreateTime": r.payment_create_time, "paymentTime": r.payment_time,
                "normalUrl": r.normal_url}

    def inquiry_payment(self, payment_id=None, payment_request_id=None):
        req = AlipayPayQueryRequest()
        req.payment_id = payment_id
        req.payment_request_id = payment_request_id
        r = AlipayPayQueryResponse(self._execute(req))
        return {"result": _result(r.result), "paymentStatus": _enum(r.payment_status),
                "paymentResultCode": r.payment_result_code, "paymentId": r.payment_id,
                "paymentRequestId": r.payment_request_id, "paymentAmount": _amount(r.payment_amount),
                "paymentTime": r.payment_time,
                "transactions": [{
                    "transactionType": _enum(t.transaction_type),
                    "transactionStatus": _enum(t.transaction_status),
                    "transactionAmount": _amount(t.transaction_amount),
                    "transactionId": t.transaction_id,
                    "transactionRequestId": t.transaction_request_id,
                    "transactionTime": t.transaction_time,
                    "transactionResult": _result(t.transaction_result),
                } for t in (r.transactions or [])]}

    def cancel(self, payment_id=None, payment_request_id=None):
        req = AlipayPayCancelRequest()
        req.payment_id = payment_id
        req.payment_request_id = payment_request_id
        r = AlipayPayCancelResponse(self._execute(req))
        return {"result": _result(r.result), "paymentId": r.payment_id,
                "paymentRequestId": r.payment_request_id, "cancelTime": r.cancel_time}

    def capture(self, payment_id, amount, currency, capture_request_id=None):
        req = AlipayCaptureRequest()
        req.capture_request_id = capture_request_id or _unique("sdk-capture")
        req.payment_id = payment_id
        req.capture_amount = Amount(currency, amount)
        r = AlipayCaptureResponse(self._execute(req))
        return {"result": _result(r.result), "captureRequestId": r.capture_request_id,
                "captureId": r.capture_id, "paymentId": r.payment_id,
                "captureAmount": _amount(r.capture_amount), "captureTime": r.capture_time}

    def refund(self, payment_id, amount, currency, refund_request_id=None, notify_url=None):
        req = AlipayRefundRequest()
        req.refund_request_id = refund_request_id or _unique("sdk-refund")
        req.payment_id = payment_id
        req.refund_amount = Amount(currency, amount)
        if notify_url:
            req.refund_notify_url = notify_url
        r = AlipayRefundResponse(self._execute(req))
        return {"result": _result(r.result), "refundRequestId": r.refund_request_id,
                "refundId": r.refund_id, "paymentId": r.payment_id,
                "refundAmount": _amount(r.refund_amount), "refundTime": r.refund_time}

    def inquiry_refund(self, refund_id=None, refund_request_id=None):
        req = AlipayInquiryRefundRequest()
        req.refund_id = refund_id
        req.refund_request_id = refund_request_id
        r = AlipayInquiryRefundResponse(self._execute(req))
        return {"result": _result(r.result), "refundId": r.refund_id,
                "refundRequestId": r.refund_request_id, "refundStatus": _enum(r.refund_status),
                "refundAmount": _amount(r.refund_amount), "refundTime": r.refund_time}


def main():
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--gateway", required=True)
    common.add_argument("--client-id", required=True)
    common.add_argument("--merchant-private-key", required=True, help="PEM or bare base64 file")
    common.add_argument("--alipay-public-key", required=True, help="SPKI PEM or bare base64 file")
    common.add_argument("--ca-file", default=None, help="CA certificate (PEM) to trust for https")
    common.add_argument("--sdk-transport", action="store_true",
                        help="use the SDK's own connection factory (https, port 443 only)")
    common.add_argument("--expect-status", choices=("S", "F", "U"), default=None)
    common.add_argument("--expect-code", default=None)
    p = argparse.ArgumentParser(description="One checkout call with the official SDK.")
    ops = p.add_subparsers(dest="op", required=True)
    o = ops.add_parser("pay", parents=[common])
    o.add_argument("--amount", required=True)
    o.add_argument("--currency", required=True)
    o.add_argument("--method", required=True, help="paymentMethodType: CARD, ALIPAY_CN, ...")
    o.add_argument("--capture-mode", choices=("MANUAL", "AUTOMATIC"), default=None)
    o.add_argument("--payment-request-id", default=None)
    o.add_argument("--notify-url", default=None)
    o.add_argument("--redirect-url", default="https://shop.example/return")
    for name in ("inquiry-payment", "cancel"):
        o = ops.add_parser(name, parents=[common])
        o.add_argument("--payment-id", default=None)
        o.add_argument("--payment-request-id", default=None)
    o = ops.add_parser("capture", parents=[common])
    o.add_argument("--payment-id", required=True)
    o.add_argument("--amount", required=True)
    o.add_argument("--currency", required=True)
    o.add_argument("--capture-request-id", default=None)
    o = ops.add_parser("refund", parents=[common])
    o.add_argument("--payment-id", required=True)
    o.add_argument("--amount", required=True)
    o.add_argument("--currency", required=True)
    o.add_argument("--refund-request-id", default=None)
    o.add_argument("--notify-url", default=None)
    o = ops.add_parser("inquiry-refund", parents=[common])
    o.add_argument("--refund-id", default=None)
    o.add_argument("--refund-request-id", default=None)
    try:
        args = p.parse_args()
    except SystemExit as exc:
        sys.exit(2 if exc.code else 0)
    if args.ca_file and not os.path.isfile(args.ca_file):
        print("sdk_merchant: --ca-file %s does not exist" % args.ca_file, file=sys.stderr)
        sys.exit(2)
    try:
        m = Merchant(args.gateway, args.client_id, args.merchant_private_key,
                     args.alipay_public_key, args.ca_file, args.sdk_transport)
    except (OSError, UnicodeDecodeError, SystemExit) as exc:
        print("sdk_merchant: %s" % exc, file=sys.stderr)
        sys.exit(2)

    calls = {
        "pay": lambda: m.pay(args.amount, args.currency, args.method, args.capture_mode,
                             args.payment_request_id, args.notify_url, args.redirect_url),
        "inquiry-payment": lambda: m.inquiry_payment(args.payment_id, args.payment_request_id),
        "cancel": lambda: m.cancel(args.payment_id, args.payment_request_id),
        "capture": lambda: m.capture(args.payment_id, args.amount, args.currency,
                                     args.capture_request_id),
        "refund": lambda: m.refund(args.payment_id, args.amount, args.currency,
                                   args.refund_request_id, args.notify_url),
        "inquiry-refund": lambda: m.inquiry_refund(args.refund_id, args.refund_request_id),
    }
    out = {"sdk_version": sdk.sdk_version(), "operation": args.op}
    try:
        response = calls[args.op]()
    except SdkRefused as exc:
        out.update(ok=False, error=str(exc), sent=m.last_wire)
        print(json.dumps(out, ensure_ascii=False, indent=2))
        sys.exit(1)
    out.update(ok=True, response=response, response_body=m.last_wire.get("response_body"),
               sent=m.last_wire)
    print(json.dumps(out, ensure_ascii=False, indent=2))
    result = response.get("result") or {}
    for flag, got in (("status", result.get("resultStatus")), ("code", result.get("resultCode"))):
        want = getattr(args, "expect_" + flag)
        if want and got != want:
            print("sdk_merchant: expected result%s %s, got %s" % (flag.title(), want, got),
                  file=sys.stderr)
            sys.exit(1)
    sys.exit(0)


if __name__ == "__main__":
    main()
