#!/usr/bin/env python3
"""Golden wire fixtures for every operation and notification in
spec/antom.openapi.json, made by the pinned official Python SDK.

Usage (with the interop venv's python, see setup.sh):

    PY=$(bash tests/interop/setup.sh | tail -n1)
    $PY tests/interop/wire_fixtures.py           # (re)write tests/interop/fixtures/wire/
    $PY tests/interop/wire_fixtures.py --check   # exit 1 if a committed file differs

Per operation the SDK has (x-python-class), `operations/<operationId>.json`:

* request: every field of the request schema filled with a deterministic
  value (strings: the wire name, cut to maxLength, or a valid value where the
  format needs one; integers 1; booleans true; numbers 1.5; decimals "1.5";
  the first enum value; one-element lists; maps with one "key"; nested
  objects down to MAX_DEPTH levels, never re-entering a schema already on the
  path), set on the SDK's own request class and sent through the SDK's own
  client with its HTTP send intercepted (`DefaultAlipayClient.execute` ->
  `do_post`; `upload_file` -> `do_multipart_post`; `execute_with_headers` ->
  `post_http2_json` for the HTTP/2 meter route). Recorded: the path the SDK
  called, its exact body, and the compact order-preserving re-dump
  (json.dumps(json.loads(body), separators=(",", ":"), ensure_ascii=False)),
  which is what serde_json::to_string of the same values in wire order gives.
  The JSON the description predicts (wire names, order) must equal the SDK's
  or generation stops; the known SDK deviations are listed in the fixture.
* response: a full synthetic body keyed by the response schema's wire names
  (the SDK's own parse/serialise keys), fed to the SDK's response class; every
  field must land in an SDK attribute (what does not is listed under
  sdk_parse_gaps), plus a lenient variant with numbers and booleans as strings.

Per notification (webhooks), `webhooks/<name>.json`: the same full and
lenient bodies, parsed by the SDK's notification class(es).

The operations only the Java/.NET SDKs have get no fixture (the Python SDK
cannot produce them). Exit codes: 0 ok, 1 differs (--check), 2 usage.
"""

import argparse
import contextlib
import importlib
import io
import json
import os
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import official_sdk as sdk  # noqa: E402
import extract_spec as spec  # noqa: E402  (the same introspection the description came from)
from generate_fixtures import (  # noqa: E402
    GATEWAY, PRODUCTION_CLIENT_ID, RESPONSE_TIME, _PinnedClock, _patched)


from com.alipay.ams.api import file_upload_executor, session_http2_executor  # noqa: E402

WIRE_DIR = os.path.join(HERE, "fixtures", "wire")
MAX_DEPTH = 3
DATE_TIME = "2026-11-25T17:30:00+08:00"
UNSIGNED_RESULT = {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success"}


class FixtureError(Exception):
    pass


def load_class(qual):
    mod, _, name = qual.rpartition(".")
    return getattr(importlib.import_module(mod), name)


def schema_name(ref):
    return ref["$ref"].rsplit("/", 1)[1]


# ---------------------------------------------------------------------------
# Deterministic values from the description


class Filler:
    def __init__(self, doc):
        self.schemas = doc["components"]["schemas"]

    def scalar(self, prop, wire, lenient=False):
        t = prop.get("type")
        fmt = prop.get("format")
        if t == "string":
            if fmt == "decimal":
                return "1.5"
            if fmt == "date-time":
                return DATE_TIME
            value = wire
            if "maxLength" in prop:
                value = value[:prop["maxLength"]]
            return value
        if t == "integer":
            return "1" if lenient else 1
        if t == "number":
            return "1.5" if lenient else 1.5
        if t == "boolean":
            return "true" if lenient else True
        raise FixtureError("not a scalar: %r" % prop)

    def value(self, prop, wire, path, lenient=False):
        """The JSON value for prop, or None to leave it out (depth/cycle cap)."""
        if "$ref" in prop:
            name = schema_name(prop)
            target = self.schemas[name]
            if "enum" in target:
                return target["enum"][0]
            if name in path or len(path) >= MAX_DEPTH:
                return None
            return self.object(name, path + (name,), lenient)
        t = prop.get("type")
        if t == "array":
            item = self.value(prop["items"], wire, path, lenient)
            return None if item is None else [item]
        if t == "object":
            if "additionalProperties" in prop:
                item = self.value(prop["additionalProperties"], "key", path, lenient)
                return None if item is None else {"key": item}
            return {"key": "value"}  # free-form
        return self.scalar(prop, wire, lenient)

    def object(self, name, path, lenient=False):
        out = {}
        for wire, prop in self.schemas[name].get("properties", {}).items():
            v = self.value(prop, wire, path, lenient)
            if v is not None:
                out[wire] = v
        return out


# ---------------------------------------------------------------------------
# JSON values -> SDK objects (requests)


_FIELDS = {}


def fields_of(cls, kind):
    """spec.class_fields, memoised (the probing is the slow part)."""
    key = (cls, kind)
    if key not in _FIELDS:
        _FIELDS[key] = spec.class_fields(cls, kind)
    return _FIELDS[key]


def class_map(cls, kind):
    """{wire: PyField} as the description's extractor read it."""
    fields, _ = fields_of(cls, kind)
    return {f.wire: f for f in fields}


def sdk_wire_names(schema):
    """{description wire: SDK wire} where overrides renamed a field."""
    return {w: p["x-sdk-wire-name"] for w, p in schema.get("properties", {}).items()
            if "x-sdk-wire-name" in p}


class ToSdk:
    def __init__(self, doc):
        self.schemas = doc["components"]["schemas"]

    def convert(self, prop, value):
        if "$ref" in prop:
            name = schema_name(prop)
            target = self.schemas[name]
            if "enum" in target:
                return self.enum_member(target, value)
            return self.instance(name, value)
        t = prop.get("type")
        if t == "array":
            return [self.convert(prop["items"], v) for v in value]
        if t == "object" and "additionalProperties" in prop:
            return {k: self.convert(prop["additionalProperties"], v) for k, v in value.items()}
        return value

    def enum_member(self, target, value):
        cls = load_class(target["x-python-class"]) if "x-python-class" in target else None
        if cls is None:
            return value
        for member in cls:
            if hasattr(member, "to_ams_dict") and member.to_ams_dict() == value:
                return member
        return value  # an enum the SDK cannot serialise itself: send the wire value

    def instance(self, name, value, kind="model"):
        schema = self.schemas[name]
        qual = schema.get("x-python-class")
        if not qual:
            return value  # a schema only overrides describe: plain JSON
        cls = load_class(qual)
        inst = spec.new_instance(cls, kind)
        fields = class_map(cls, kind)
        renamed = sdk_wire_names(schema)
        for wire, v in value.items():
            f = fields.get(renamed.get(wire, wire))
            if f is None:
                raise FixtureError("%s.%s has no SDK property" % (name, wire))
            setattr(inst, f.prop_name, self.convert(schema["properties"][wire], v))
        return inst


# ---------------------------------------------------------------------------
# Sending through the SDK client


def signed_reply(path, body):
    alipay_private = sdk.example_key("alipay", "private")
    sign_value = sdk.signature_tool.sign("POST", path, PRODUCTION_CLIENT_ID, RESPONSE_TIME, body,
                                         alipay_private)
    return [
        ("content-type", "application/json; charset=UTF-8"),
        ("client-id", PRODUCTION_CLIENT_ID),
        ("response-time", RESPONSE_TIME),
        ("signature", sdk.signature_header(sign_value)),
    ]


def send(request, transport):
    """What the SDK's client puts on the wire for request: (path, body)."""
    client = sdk.default_alipay_client.DefaultAlipayClient(
        GATEWAY, PRODUCTION_CLIENT_ID, sdk.example_key("merchant", "private"),
        sdk.example_key("alipay", "public"))
    sent = {}
    reply = json.dumps({"result": UNSIGNED_RESULT}, separators=(",", ":"))

    def do_post(url, headers=None, req_body=None, charset="UTF-8"):
        path = urllib.parse.urlsplit(url).path
        sent.update(path=path, body=req_body)
        return signed_reply(path, reply), reply.encode("utf-8")

    def do_multipart_post(url, headers, request_body, file_part_names, file_name,
                          file_content_type, file_content):
        path = urllib.parse.urlsplit(url).path
        sent.update(path=path, body=request_body, file_part=file_part_names[0],
                    file_name=file_name)
        return signed_reply(path, reply), reply.encode("utf-8")

    def post_http2_json(gateway_url, path, session_id, body):
        sent.update(path=path, body=body, session_header="X-Session-Id")
        return reply

    with contextlib.ExitStack() as stack:
        stack.enter_context(_patched(sdk.date_tools, "time", _PinnedClock))
        stack.enter_context(_patched(sdk.default_alipay_client, "do_post", do_post))
        if transport == "multipart":
            stack.enter_context(_patched(file_upload_executor, "do_multipart_post",
                                         do_multipart_post))
            request.set_file(io.BytesIO(b"\x89PNG fixture image"), "image.png")
            client.upload_file(request)
        elif transport == "unsigned-http2":
            stack.enter_context(_patched(session_http2_executor, "post_http2_json",
                                         post_http2_json))
            client.execute_with_headers(request, {"X-Session-Id": "session-id"})
        else:
            client.execute(request)
    return sent


def compact(body):
    return json.dumps(json.loads(body, object_pairs_hook=dict), separators=(",", ":"),
                      ensure_ascii=False)


# ---------------------------------------------------------------------------
# Parsing checks (responses and notifications)


def parse_gaps(filler, cls, kind, schema_name_, body_value, prefix=""):
    """Wire paths of body_value that the SDK's parser leaves unset."""
    try:
        inst = cls(json.dumps(body_value))
    except Exception as exc:  # an SDK parser that cannot parse its own full body
        return ["the SDK's parser raises %s: %s" % (type(exc).__name__, exc)]
    return attr_gaps(filler, inst, cls, kind, schema_name_, body_value, prefix)


def attr_value(inst, f):
    if f.owner is not None:
        key = "_%s__%s" % (f.owner.__name__, f.attr)
        if key in vars(inst):
            return vars(inst)[key]
    return getattr(inst, f.prop_name, None)


def attr_gaps(filler, inst, cls, kind, name, body_value, prefix):
    schema = filler.schemas[name]
    fields, _ = fields_of(cls, kind) if kind != "model" else model_fields(cls)
    by_wire = {f.wire: f for f in fields}
    renamed = sdk_wire_names(schema)
    gaps = []
    for wire, v in body_value.items():
        f = by_wire.get(renamed.get(wire, wire))
        if f is None:
            gaps.append(prefix + wire + " (no SDK attribute)")
            continue
        got = attr_value(inst, f)
        if got is None:
            gaps.append(prefix + wire)
            continue
        prop = schema["properties"][wire]
        target = prop.get("items", prop)
        if "$ref" in target and "enum" not in filler.schemas[schema_name(target)]:
            sub = schema_name(target)
            sub_value = v[0] if isinstance(v, list) else v
            sub_got = got[0] if isinstance(got, list) and got else got
            if isinstance(sub_got, dict) or isinstance(sub_got, str):
                gaps.append(prefix + wire + " (kept as raw JSON, not parsed into a model)")
                continue
            sub_qual = filler.schemas[sub].get("x-python-class")
            if sub_qual and sub_got is not None and isinstance(sub_value, dict):
                gaps += attr_gaps(filler, sub_got, type(sub_got), "model", sub, sub_value,
                                  prefix + wire + ".")
    return gaps


def model_fields(cls):
    try:
        return fields_of(cls, "model")
    except spec.SpecError:
        # a model only its parent's parser fills: read its attributes by name
        return [spec.PyField(spec.lit_of_attr(a), cls, a, a, None)
                for a in spec.init_types(cls)], "parser"


def stringify_scalars(value):
    """The lenient variant: numbers and booleans as JSON strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, list):
        return [stringify_scalars(v) for v in value]
    if isinstance(value, dict):
        return {k: stringify_scalars(v) for k, v in value.items()}
    return value


# ---------------------------------------------------------------------------
# Fixtures


def operation_fixture(doc, path, op, filler, to_sdk):
    post = op["post"]
    req_name = schema_name(post["requestBody"]["content"]["application/json"]["schema"])
    rsp_name = schema_name(post["responses"]["200"]["content"]["application/json"]["schema"])
    values = filler.object(req_name, (req_name,))
    req_cls = load_class(post["x-python-class"])
    transport = post["x-transport"]
    deviations = []
    if transport == "multipart":
        request = req_cls()
        request.product_id = values["productId"]
    else:
        request = to_sdk.instance(req_name, values, "request")
    sent = send(request, transport)
    sdk_body = sent["body"]
    sdk_compact = compact(sdk_body)
    expected = json.dumps(values, separators=(",", ":"), ensure_ascii=False)
    renamed = sdk_wire_names(filler.schemas[req_name])
    if transport == "multipart":
        # the SDK computes fileSha256 from the file; the description's value
        # is the filler's placeholder
        expected = json.dumps(dict(values, fileSha256=json.loads(sdk_body)["fileSha256"]),
                              separators=(",", ":"), ensure_ascii=False)
    if sdk_compact != expected:
        if not renamed:
            raise FixtureError("%s: the SDK sent\n  %s\nbut the description predicts\n  %s"
                               % (path, sdk_compact[:600], expected[:600]))
        for wire, sdk_wire in renamed.items():
            deviations.append("the SDK sends %s where the description (and the other SDKs) "
                              "say %s" % (sdk_wire, wire))
    if sent["path"] != path:
        deviations.append("the SDK calls %s" % sent["path"])
    rsp_value = filler.object(rsp_name, (rsp_name,))
    rsp_cls = load_class(post["x-python-response-class"])
    fixture = {
        "operation": post["operationId"],
        "path": path,
        "sdk": {"package": sdk.SDK_PACKAGE, "version": sdk.sdk_version(),
                "request_class": post["x-python-class"],
                "response_class": post["x-python-response-class"]},
        "transport": transport,
        "request": {
            "schema": req_name,
            "sdk_path": sent["path"],
            "sdk_body": sdk_body,
            "compact": sdk_compact,
        },
        "response": response_part(filler, rsp_cls, rsp_name, rsp_value),
    }
    if expected != sdk_compact:
        # what the description's wire names give for the same values
        fixture["request"]["description_compact"] = expected
    if transport == "multipart":
        fixture["request"]["multipart_file_part"] = sent["file_part"]
    if transport == "unsigned-http2":
        fixture["request"]["session_header"] = sent["session_header"]
    if deviations:
        fixture["sdk_deviations"] = deviations
    return fixture


def response_part(filler, cls, name, value):
    lenient = stringify_scalars(value)
    gaps = parse_gaps(filler, cls, "response", name, value)
    try:
        cls(json.dumps(lenient))
        lenient_ok = True
    except Exception as exc:  # the SDK's parser chokes on the lenient body
        lenient_ok = "%s: %s" % (type(exc).__name__, exc)
    part = {
        "schema": name,
        "body": json.dumps(value, separators=(",", ":"), ensure_ascii=False),
        "lenient_body": json.dumps(lenient, separators=(",", ":"), ensure_ascii=False),
        "sdk_parses_lenient": lenient_ok,
    }
    if gaps:
        part["sdk_parse_gaps"] = gaps
    return part


def webhook_fixture(name, hook, filler):
    post = hook["post"]
    schema = schema_name(post["requestBody"]["content"]["application/json"]["schema"])
    value = filler.object(schema, (schema,))
    kinds = post["x-discriminator"].get("notifyType")
    if kinds and "notifyType" in value:
        value["notifyType"] = kinds[0]  # a body the receiver rule routes to this webhook
    parsers = [post["x-python-class"]] + post.get("x-python-also-parsed-by", [])
    out = {
        "webhook": name,
        "sdk": {"package": sdk.SDK_PACKAGE, "version": sdk.sdk_version(), "classes": parsers},
        "schema": schema,
        "body": json.dumps(value, separators=(",", ":"), ensure_ascii=False),
        "lenient_body": json.dumps(stringify_scalars(value), separators=(",", ":"),
                                   ensure_ascii=False),
    }
    gaps = {}
    lenient = {}
    for qual in parsers:
        cls = load_class(qual)
        sub = {k: v for k, v in value.items()
               if k in {f.wire for f in fields_of(cls, "notify")[0]}}
        g = parse_gaps(filler, cls, "notify", schema, sub)
        if g:
            gaps[qual] = g
        try:
            cls(out["lenient_body"])
            lenient[qual] = True
        except Exception as exc:
            lenient[qual] = "%s: %s" % (type(exc).__name__, exc)
    out["sdk_parses_lenient"] = lenient
    if gaps:
        out["sdk_parse_gaps"] = gaps
    return out


def build_all():
    with open(spec.SPEC_FILE, encoding="utf-8") as f:
        doc = json.load(f)
    filler = Filler(doc)
    to_sdk = ToSdk(doc)
    files = {}
    for path, op in doc["paths"].items():
        if not op["post"].get("x-python-class"):
            continue
        fx = operation_fixture(doc, path, op, filler, to_sdk)
        files["operations/%s.json" % fx["operation"]] = fx
    for name, hook in doc["webhooks"].items():
        files["webhooks/%s.json" % name] = webhook_fixture(name, hook, filler)
    return {k: json.dumps(v, indent=1, ensure_ascii=False) + "\n" for k, v in sorted(files.items())}


def existing_files():
    out = set()
    for sub in ("operations", "webhooks"):
        d = os.path.join(WIRE_DIR, sub)
        if os.path.isdir(d):
            out |= {sub + "/" + n for n in os.listdir(d) if n.endswith(".json")}
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="rebuild in memory and exit 1 if a committed fixture differs")
    args = ap.parse_args(argv)
    sdk.sdk_version()
    try:
        wanted = build_all()
    except (FixtureError, spec.SpecError) as exc:
        sys.stderr.write("wire_fixtures: %s\n" % exc)
        return 2
    if args.check:
        problems = []
        have = existing_files()
        for name, text in wanted.items():
            p = os.path.join(WIRE_DIR, name)
            if name not in have:
                problems.append("missing: " + p)
                continue
            with open(p, encoding="utf-8", newline="") as f:
                if f.read() != text:
                    problems.append("differs: " + p)
        for name in sorted(have - set(wanted)):
            problems.append("not generated by this script: " + os.path.join(WIRE_DIR, name))
        if problems:
            for p in problems[:40]:
                print(p, file=sys.stderr)
            print("wire fixtures are stale: run tests/interop/wire_fixtures.py and commit",
                  file=sys.stderr)
            return 1
        print("%d wire fixtures match what %s %s produces" % (len(wanted), sdk.SDK_PACKAGE,
                                                               sdk.SDK_PINNED_VERSION))
        return 0
    for name in existing_files() - set(wanted):
        os.remove(os.path.join(WIRE_DIR, name))
    for name, text in wanted.items():
        p = os.path.join(WIRE_DIR, name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    total = sum(len(t.encode()) for t in wanted.values())
    print("wrote %d wire fixtures (%d bytes) to %s" % (len(wanted), total,
                                                       os.path.relpath(WIRE_DIR, spec.REPO_ROOT)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
