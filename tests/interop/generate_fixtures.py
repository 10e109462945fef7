#!/usr/bin/env python3
"""Generates the interop signature fixtures with the official Python SDK.

Usage (with the interop venv's python, see setup.sh):

    PY=$(bash tests/interop/setup.sh | tail -n1)
    $PY tests/interop/generate_fixtures.py           # (re)write tests/interop/fixtures/
    $PY tests/interop/generate_fixtures.py --check   # exit 1 if the committed files differ

Every signature in the fixtures is made by the SDK's own code
(`signature_tool.sign`), and every request that the SDK's client would send
is taken from `DefaultAlipayClient.execute` itself: its HTTP send (`do_post`)
is intercepted, so path (sandbox rewrite included), `Request-Time`, body
bytes (indent=3 JSON) and `Signature` header are exactly what it puts on the
wire. Only the clock is pinned, so that the output is reproducible
(RSASSA-PKCS1-v1_5 is deterministic): `--check` rebuilds everything in
memory and compares byte for byte.

Each fixture's `expect_valid` is also checked against the SDK's own
verification (`webhook_tool.check_signature` -> `signature_tool.verify`) and
generation stops if the two disagree, so the expectations are the SDK's.

Exit codes: 0 ok, 1 the committed fixtures differ (--check), 2 usage.
"""

import argparse
import base64
import contextlib
import json
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import official_sdk as sdk  # noqa: E402

from com.alipay.ams.api.model.amount import Amount  # noqa: E402
from com.alipay.ams.api.request.pay.alipay_capture_request import (  # noqa: E402
    AlipayCaptureRequest,
)
from com.alipay.ams.api.response.pay.alipay_capture_response import (  # noqa: E402
    AlipayCaptureResponse,
)
from com.alipay.ams.api.request.notify.alipay_capture_result_notify import (  # noqa: E402
    AlipayCaptureResultNotify,
)

FIXTURES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")

SANDBOX_CLIENT_ID = "SANDBOX_5X00000000000000"
# A production-style client id (no SANDBOX_ prefix, so the SDK keeps /ams/api).
PRODUCTION_CLIENT_ID = "5J5Y307NSG5GB700810"
GATEWAY = "https://open-sea-global.alipay.com"
NOTIFY_PATH = "/alipay/notify"

# The pinned clock: 2026-11-25T09:30:00Z. The SDK formats it itself
# (datetime.fromtimestamp(int(time.time()), tz=utc).isoformat()).
FIXED_EPOCH_SECONDS = 1795599000
EPOCH_MILLIS_TIME = "1795599000123"
RESPONSE_TIME = "2026-11-25T17:30:01+08:00"
NOTIFY_TIME = "2026-11-25T17:30:05+08:00"

PAYMENT_ID = "202611251940108001001882C0203046000"
CAPTURE_ID = "202611251940108001001882C0203046111"


class _PinnedClock:
    """Stands in for the `time` module inside the SDK's date_tools."""

    @staticmethod
    def time():
        return float(FIXED_EPOCH_SECONDS)


@contextlib.contextmanager
def _patched(obj, name, value):
    old = getattr(obj, name)
    setattr(obj, name, value)
    try:
        yield
    finally:
        setattr(obj, name, old)


def sdk_client_capture(client_id, capture_request_id, value, currency="USD",
                       key_version=None, last_capture=None, epoch_millis=False):
    """Runs a capture through the SDK's DefaultAlipayClient with its HTTP send
    intercepted. Returns (what the SDK sent, the Alipay-signed response it
    accepted)."""
    merchant_private = sdk.example_key("merchant", "private")
    alipay_private = sdk.example_key("alipay", "private")
    alipay_public = sdk.example_key("alipay", "public")
    sent = {}
    answered = {}
    real_sign = default_sign = sdk.default_alipay_client.sign

    def recording_sign(method, path, cid, req_time, body, key):
        sent["content_to_sign"] = sdk.signature_tool.gen_sign_content(
            method, path, cid, req_time, body)
        return real_sign(method, path, cid, req_time, body, key)

    def intercepted_do_post(url, headers=None, req_body=None, charset="UTF-8"):
        sent["url"] = url
        sent["headers"] = dict(headers)
        sent["body"] = req_body
        sent["body_bytes"] = req_body.encode(charset)
        # Answer as Alipay would: compact JSON, signed over the path the
        # client called, with Alipay's (here: keys-example/alipay) key.
        path = urllib.parse.urlsplit(url).path
        rsp = {
            "result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success"},
            "captureRequestId": capture_request_id,
            "captureId": CAPTURE_ID,
            "paymentId": PAYMENT_ID,
            "captureAmount": {"currency": currency, "value": value},
            "captureTime": "2026-11-25T17:30:01+08:00",
        }
        rsp_body = json.dumps(rsp, separators=(",", ":"))
        sign_value = sdk.signature_tool.sign("POST", path, client_id, RESPONSE_TIME,
                                             rsp_body, alipay_private)
        answered.update(
            path=path, client_id=client_id, time=RESPONSE_TIME, body=rsp_body,
            header=sdk.signature_header(sign_value),
            content_to_sign=sdk.signature_tool.gen_sign_content(
                "POST", path, client_id, RESPONSE_TIME, rsp_body),
        )
        headers_out = [
            ("content-type", "application/json; charset=UTF-8"),
            ("client-id", client_id),
            ("response-time", RESPONSE_TIME),
            ("signature", answered["header"]),
        ]
        return headers_out, rsp_body.encode("utf-8")

    request = AlipayCaptureRequest()
    request.capture_request_id = capture_request_id
    request.payment_id = PAYMENT_ID
    request.capture_amount = Amount(currency, value)
    if last_capture is not None:
        request.is_last_capture = last_capture
    if key_version is not None:
        request.key_version = str(key_version)

    client = sdk.default_alipay_client.DefaultAlipayClient(
        GATEWAY, client_id, merchant_private, alipay_public)
    with contextlib.ExitStack() as stack:
        stack.enter_context(_patched(sdk.default_alipay_client, "sign", recording_sign))
        stack.enter_context(_patched(sdk.default_alipay_client, "do_post", intercepted_do_post))
        stack.enter_context(_patched(sdk.date_tools, "time", _PinnedClock))
        if epoch_millis:
            # The Java and Go SDKs send epoch milliseconds; the string is
            # signed verbatim whatever its form.
            stack.enter_context(_patched(sdk.default_alipay_client, "get_cur_iso8601_time",
                                         lambda: EPOCH_MILLIS_TIME))
        # execute() raises unless the SDK itself accepts the signed response.
        rsp_body = client.execute(request)
    assert default_sign is sdk.default_alipay_client.sign
    parsed = AlipayCaptureResponse(rsp_body)
    assert parsed.result.result_status.name == "S", parsed.result.result_status
    assert parsed.capture_id == CAPTURE_ID
    return sent, answered


def header_of(sent, name):
    for k, v in sent["headers"].items():
        if k.lower() == name.lower():
            return v
    raise KeyError(name)


class Builder:
    def __init__(self, version):
        self.version = version
        self.fixtures = []
        self.public = {
            "merchant": sdk.example_key("merchant", "public"),
            "alipay": sdk.example_key("alipay", "public"),
        }

    def add(self, name, kind, path, client_id, time, body, header, public_key,
            signed_by, expect_valid, note, source, method="POST", sdk_wire=None):
        if any(f["name"] == name for f in self.fixtures):
            raise SystemExit("duplicate fixture name " + name)
        content = sdk.signature_tool.gen_sign_content(method, path, client_id, time, body)
        valid, reason = sdk.sdk_verify_header(method, path, client_id, time, body, header,
                                              self.public[public_key])
        if valid != expect_valid:
            raise SystemExit("fixture %s: expected valid=%s but the SDK says %s (%s)"
                             % (name, expect_valid, valid, reason))
        key_version = None
        for pair in header.split(","):
            k, _, v = pair.strip().partition("=")
            if k == "keyVersion":
                key_version = int(v)
        fixture = {
            "name": name,
            "kind": kind,
            "method": method,
            "path": path,
            "client_id": client_id,
            "time": time,
            "body": body,
            "body_base64": base64.b64encode(body.encode("utf-8")).decode("ascii"),
            "signature_header": header,
            "key_version": key_version,
            # True when signature_header is byte for byte what the SDK's client
            # emits (algorithm=RSA256,keyVersion=N,signature=<%2B-encoded>),
            # false for the deliberately reformatted variants.
            "header_is_sdk_format": header == sdk.signature_header(
                urllib.parse.quote_plus(urllib.parse.unquote_plus(
                    header.split("signature=", 1)[1])), key_version),
            "public_key": public_key,
            "signed_by": signed_by,
            "expect_valid": expect_valid,
            "sdk_verdict": reason,
            "content_to_sign": content,
            "note": note,
            "sdk": {"package": sdk.SDK_PACKAGE, "version": self.version, "source": source},
        }
        if sdk_wire is not None:
            fixture["sdk_wire"] = sdk_wire
        self.fixtures.append(fixture)
        return fixture

    def derive(self, base, name, note, **changes):
        """A copy of `base` with some fields changed (tampering or reformatting)."""
        fields = {k: base[k] for k in ("kind", "path", "client_id", "time", "body",
                                        "public_key", "signed_by", "method")}
        fields["header"] = base["signature_header"]
        fields.update(changes)
        expect_valid = fields.pop("expect_valid")
        return self.add(name, fields.pop("kind"), fields.pop("path"), fields.pop("client_id"),
                        fields.pop("time"), fields.pop("body"), fields.pop("header"),
                        fields.pop("public_key"), fields.pop("signed_by"), expect_valid,
                        note, base["sdk"]["source"] + " (then altered: see note)",
                        method=fields.pop("method"))


def add_client_request(b, name, note, sent, client_id):
    wire = {
        "url": sent["url"],
        "headers": sent["headers"],
    }
    if sent["content_to_sign"] != sdk.signature_tool.gen_sign_content(
            "POST", urllib.parse.urlsplit(sent["url"]).path, client_id,
            header_of(sent, "Request-Time"), sent["body"]):
        raise SystemExit(name + ": recorded content differs from the wire fields")
    return b.add(
        name, "request", urllib.parse.urlsplit(sent["url"]).path, header_of(sent, "client-id"),
        header_of(sent, "Request-Time"), sent["body"], header_of(sent, "Signature"),
        "merchant", "merchant", True, note,
        "DefaultAlipayClient.execute (AlipayCaptureRequest, HTTP send intercepted)",
        sdk_wire=wire)


def sdk_sign_header(path, client_id, time, body, signer, key_version="1"):
    sign_value = sdk.signature_tool.sign("POST", path, client_id, time, body,
                                         sdk.example_key(signer, "private"))
    return sdk.signature_header(sign_value, key_version)


def lower_percent_hex(header):
    head, _, sig = header.partition("signature=")
    out = []
    i = 0
    while i < len(sig):
        if sig[i] == "%":
            out.append(sig[i:i + 3].lower())
            i += 3
        else:
            out.append(sig[i])
            i += 1
    return head + "signature=" + "".join(out)


def build_all():
    version = sdk.sdk_version()
    b = Builder(version)

    # --- Requests exactly as DefaultAlipayClient sends them -----------------
    sent, _ = sdk_client_capture(PRODUCTION_CLIENT_ID, "capture-prod-0001", "5000",
                                 last_capture=True)
    prod = add_client_request(
        b, "request_production_iso_pretty",
        "Production client id: the SDK keeps /ams/api. Body is the SDK's json.dumps(indent=3); "
        "Request-Time is the SDK's ISO 8601 (seconds, +00:00); isLastCapture is a JSON boolean.",
        sent, PRODUCTION_CLIENT_ID)

    sent, answered = sdk_client_capture(SANDBOX_CLIENT_ID, "capture-sandbox-0001", "5000")
    sandbox = add_client_request(
        b, "request_sandbox_iso_pretty",
        "SANDBOX_ client id: the SDK rewrites /ams/api to /ams/sandbox/api and signs the "
        "rewritten path.", sent, SANDBOX_CLIENT_ID)
    response = b.add(
        "response_sandbox_capture_success", "response", answered["path"],
        answered["client_id"], answered["time"], answered["body"], answered["header"],
        "alipay", "alipay", True,
        "Alipay's signed answer to request_sandbox_iso_pretty: compact JSON, response-time ISO "
        "with +08:00, signed over the (sandbox) request path with keys-example/alipay. "
        "DefaultAlipayClient.execute verified and accepted it.",
        "signature_tool.sign with the Alipay key; accepted by DefaultAlipayClient.execute")
    if answered["content_to_sign"] != response["content_to_sign"]:
        raise SystemExit("response content mismatch")

    sent, _ = sdk_client_capture(SANDBOX_CLIENT_ID, "capture-sandbox-0002", "1999",
                                 epoch_millis=True)
    millis = add_client_request(
        b, "request_sandbox_epoch_millis",
        "Request-Time as epoch milliseconds (what the Java/Go SDKs send), otherwise the "
        "Python SDK's own request.", sent, SANDBOX_CLIENT_ID)

    sent, _ = sdk_client_capture(SANDBOX_CLIENT_ID, "capture-sandbox-0003", "250",
                                 currency="EUR", key_version="2")
    add_client_request(
        b, "request_sandbox_key_version_2",
        "request.key_version = '2': the header says keyVersion=2 (the signature itself does "
        "not depend on it).", sent, SANDBOX_CLIENT_ID)

    # --- Bodies the Python client never produces, signed by the SDK's signer -
    compact = json.dumps({"captureRequestId": "capture-compact-0001", "paymentId": PAYMENT_ID,
                          "captureAmount": {"currency": "USD", "value": "5000"},
                          "isLastCapture": True}, separators=(",", ":"))
    b.add("request_production_compact_json", "request", "/ams/api/v1/payments/capture",
          PRODUCTION_CLIENT_ID, EPOCH_MILLIS_TIME, compact,
          sdk_sign_header("/ams/api/v1/payments/capture", PRODUCTION_CLIENT_ID,
                          EPOCH_MILLIS_TIME, compact, "merchant"),
          "merchant", "merchant", True,
          "Compact JSON (as the Java/Go SDKs and our client send), epoch-millisecond time.",
          "signature_tool.sign")

    non_ascii = ('{"captureRequestId":"capture-utf8-0001","paymentId":"%s",'
                 '"captureAmount":{"currency":"JPY","value":"1200"},'
                 '"note":"Caf\u00e9 \u2013 \u5546\u6237\u8ba2\u5355 \U0001f600"}' % PAYMENT_ID)
    b.add("request_sandbox_non_ascii_utf8", "request", "/ams/sandbox/api/v1/payments/capture",
          SANDBOX_CLIENT_ID, "2026-11-25T09:30:00+00:00", non_ascii,
          sdk_sign_header("/ams/sandbox/api/v1/payments/capture", SANDBOX_CLIENT_ID,
                          "2026-11-25T09:30:00+00:00", non_ascii, "merchant"),
          "merchant", "merchant", True,
          "Raw UTF-8 in the body (2-, 3- and 4-byte sequences), signed as UTF-8 bytes. The "
          "Python client itself would send \\uXXXX escapes (json.dumps ensure_ascii), which "
          "are plain ASCII.", "signature_tool.sign")

    crlf = '{\r\n  "captureRequestId": "capture-crlf-0001",\r\n  "paymentId": "%s"\r\n}\r\n' % PAYMENT_ID
    b.add("request_production_crlf_trailing_newline", "request", "/ams/api/v1/payments/capture",
          PRODUCTION_CLIENT_ID, EPOCH_MILLIS_TIME, crlf,
          sdk_sign_header("/ams/api/v1/payments/capture", PRODUCTION_CLIENT_ID,
                          EPOCH_MILLIS_TIME, crlf, "merchant"),
          "merchant", "merchant", True,
          "CRLF line endings and a trailing newline are part of the signed bytes.",
          "signature_tool.sign")

    # --- Notification (Alipay -> merchant) ---------------------------------
    notify_body = json.dumps({
        "notifyType": "CAPTURE_RESULT",
        "result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success."},
        "captureRequestId": "capture-sandbox-0001",
        "paymentId": PAYMENT_ID,
        "captureId": CAPTURE_ID,
        "captureAmount": {"currency": "USD", "value": "5000"},
        "captureTime": "2026-11-25T17:30:02+08:00",
    }, separators=(",", ":"))
    notification = b.add(
        "notification_capture_result", "notification", NOTIFY_PATH, SANDBOX_CLIENT_ID,
        NOTIFY_TIME, notify_body,
        sdk_sign_header(NOTIFY_PATH, SANDBOX_CLIENT_ID, NOTIFY_TIME, notify_body, "alipay"),
        "alipay", "alipay", True,
        "notifyCapture (CAPTURE_RESULT, S) posted to the merchant's notify path, request-time "
        "ISO 8601, signed with the Alipay key; verified with webhook_tool.check_signature.",
        "signature_tool.sign with the Alipay key; verified by webhook_tool.check_signature")
    parsed = AlipayCaptureResultNotify(notify_body)
    assert parsed.notify_type == "CAPTURE_RESULT" and parsed.capture_id == CAPTURE_ID

    failed_body = json.dumps({
        "notifyType": "CAPTURE_RESULT",
        "result": {"resultCode": "PROCESS_FAIL", "resultStatus": "F",
                   "resultMessage": "\u6263\u6b3e\u5931\u8d25 (capture failed)"},
        "captureRequestId": "capture-sandbox-0009",
        "paymentId": PAYMENT_ID,
        "captureId": "202611251940108001001882C0203046999",
        "captureAmount": {"currency": "USD", "value": "700"},
    }, separators=(",", ":"), ensure_ascii=False)
    b.add("notification_capture_failed_non_ascii", "notification", NOTIFY_PATH,
          SANDBOX_CLIENT_ID, "2026-11-25T09:30:05Z", failed_body,
          sdk_sign_header(NOTIFY_PATH, SANDBOX_CLIENT_ID, "2026-11-25T09:30:05Z",
                          failed_body, "alipay"),
          "alipay", "alipay", True,
          "notifyCapture F with a raw UTF-8 resultMessage and a Z-suffixed request-time.",
          "signature_tool.sign with the Alipay key; verified by webhook_tool.check_signature")

    # --- Header variants that must still verify ----------------------------
    if "%" not in sandbox["signature_header"]:
        raise SystemExit("request_sandbox_iso_pretty's signature has no %XX escape to vary")
    b.derive(sandbox, "variant_lowercase_percent_hex",
             "Percent escapes in lowercase hex (%2b, %2f, %3d), as .NET's HttpUtility.UrlEncode "
             "writes them; the SDK's unquote_plus accepts them.",
             header=lower_percent_hex(sandbox["signature_header"]), expect_valid=True)
    b.derive(sandbox, "variant_comma_space_separators",
             "', ' between the header's pairs, as in Alipay's documentation example.",
             header=sandbox["signature_header"].replace(",", ", "), expect_valid=True)
    b.derive(notification, "variant_notification_lowercase_hex_and_spaces",
             "Both variations at once on a notification.",
             header=lower_percent_hex(notification["signature_header"]).replace(",", ", "),
             expect_valid=True)

    # --- Negatives: one thing changed after signing -------------------------
    b.derive(sandbox, "negative_request_tampered_body",
             "captureAmount.value 5000 -> 5001 after signing.",
             body=sandbox["body"].replace('"5000"', '"5001"'), expect_valid=False)
    b.derive(sandbox, "negative_request_reserialized_body",
             "The same JSON re-serialized compactly: same meaning, different bytes, so the "
             "signature must not verify (never re-serialize before verifying).",
             body=json.dumps(json.loads(sandbox["body"]), separators=(",", ":")),
             expect_valid=False)
    b.derive(prod, "negative_request_trailing_newline",
             "A trailing newline appended to the body.",
             body=prod["body"] + "\n", expect_valid=False)
    b.derive(sandbox, "negative_request_production_path",
             "Signed over /ams/sandbox/api/..., checked against /ams/api/... (the sandbox "
             "rewrite forgotten on one side).",
             path="/ams/api/v1/payments/capture", expect_valid=False)
    b.derive(sandbox, "negative_request_tampered_time",
             "Request-Time one second later than the signed one.",
             time=sandbox["time"].replace(":00+00:00", ":01+00:00"), expect_valid=False)
    b.derive(millis, "negative_request_tampered_time_millis",
             "Epoch-millisecond Request-Time changed by 1 ms.",
             time=str(int(millis["time"]) + 1), expect_valid=False)
    b.derive(sandbox, "negative_request_tampered_client_id",
             "A different client id than the one signed.",
             client_id="SANDBOX_5X00000000000001", expect_valid=False)
    b.derive(sandbox, "negative_request_wrong_key",
             "Merchant-signed request checked with the Alipay public key.",
             public_key="alipay", expect_valid=False)
    b.derive(response, "negative_response_tampered_body",
             "resultStatus S -> F after signing.",
             body=response["body"].replace('"resultStatus":"S"', '"resultStatus":"F"'),
             expect_valid=False)
    b.derive(response, "negative_response_wrong_key",
             "Alipay-signed response checked with the merchant's own public key (the most "
             "common configuration mistake).",
             public_key="merchant", expect_valid=False)
    b.derive(notification, "negative_notification_tampered_body",
             "captureId changed after signing.",
             body=notification["body"].replace(CAPTURE_ID, CAPTURE_ID[:-1] + "2"),
             expect_valid=False)
    b.derive(notification, "negative_notification_wrong_path",
             "Checked against another notify path than the one Alipay called.",
             path="/alipay/notify/capture", expect_valid=False)
    b.derive(notification, "negative_notification_tampered_time",
             "request-time changed after signing.",
             time=NOTIFY_TIME.replace("17:30:05", "17:30:06"), expect_valid=False)
    b.derive(notification, "negative_notification_tampered_client_id",
             "client-id changed after signing.",
             client_id=PRODUCTION_CLIENT_ID, expect_valid=False)
    b.derive(notification, "negative_notification_wrong_key",
             "Alipay-signed notification checked with the merchant's own public key.",
             public_key="merchant", expect_valid=False)
    return b.fixtures


def render(fixture):
    return json.dumps(fixture, indent=2, ensure_ascii=False) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="compare with the committed fixtures instead of writing them")
    parser.add_argument("--dir", default=FIXTURES_DIR, help="fixtures directory")
    try:
        args = parser.parse_args()
    except SystemExit as exc:
        sys.exit(2 if exc.code else 0)

    wanted = {f["name"] + ".json": render(f) for f in build_all()}

    if args.check:
        problems = []
        existing = set()
        if os.path.isdir(args.dir):
            existing = {n for n in os.listdir(args.dir) if n.endswith(".json")}
        for name, text in sorted(wanted.items()):
            path = os.path.join(args.dir, name)
            if name not in existing:
                problems.append("missing: " + path)
                continue
            with open(path, "r", encoding="utf-8", newline="") as f:
                if f.read() != text:
                    problems.append("differs: " + path)
        for name in sorted(existing - set(wanted)):
            problems.append("not generated by this script: " + os.path.join(args.dir, name))
        if problems:
            for p in problems:
                print(p, file=sys.stderr)
            print("fixtures are out of date: run tests/interop/generate_fixtures.py and commit",
                  file=sys.stderr)
            sys.exit(1)
        print("%d fixtures match what %s %s generates" % (len(wanted), sdk.SDK_PACKAGE,
                                                          sdk.SDK_PINNED_VERSION))
        return

    os.makedirs(args.dir, exist_ok=True)
    for name in os.listdir(args.dir):
        if name.endswith(".json") and name not in wanted:
            os.remove(os.path.join(args.dir, name))
    for name, text in sorted(wanted.items()):
        with open(os.path.join(args.dir, name), "w", encoding="utf-8", newline="") as f:
            f.write(text)
    print("wrote %d fixtures to %s" % (len(wanted), args.dir))


if __name__ == "__main__":
    main()
