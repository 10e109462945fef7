#!/usr/bin/env python3
"""Cross-checks the `alipay-ams` CLI (sign / verify) against the official
Python SDK, both ways.

    PY=$(bash tests/interop/setup.sh | tail -n1)
    $PY tests/interop/check_cli.py --cli target/debug/alipay-ams

1. Every SDK-generated fixture: `alipay-ams verify` must agree with the SDK's
   verdict (exit 0 for expect_valid, 1 otherwise); for valid fixtures signed
   with a keys-example key, `alipay-ams sign` must print the same signature
   (the identical header where the fixture's header is in the SDK's format).
2. `alipay-ams sign` -> `sdk_verify.py` must say valid, for awkward bodies
   (pretty JSON with a trailing newline, CRLF, raw UTF-8, empty), both key
   file forms, key version 3, epoch-ms and ISO times; and must say invalid
   once the path is changed.
3. `sdk_sign.py` -> `alipay-ams verify` must say valid, and invalid once the
   body is changed.

Prints one line per check. Exit codes: 0 all agree, 1 a mismatch, 2 usage.
"""

import argparse
import base64
import glob
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
KEYS = os.path.join(ROOT, "keys-example")
CLIENT_ID = "SANDBOX_5X00000000000000"

failures = []


def check(ok, what):
    print("  %s %s" % ("ok  " if ok else "FAIL", what))
    if not ok:
        failures.append(what)


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True)


def key(owner, kind, form="pem"):
    return os.path.join(KEYS, owner, "%s_key.%s" % (kind, form))


def cli_verify(cli, public_key, client_id, path, time, header, body_file, method="POST"):
    return run([cli, "verify", "--public-key", public_key, "--client-id", client_id,
                "--path", path, "--time", time, "--signature", header,
                "--body-file", body_file, "--method", method])


def cli_sign(cli, private_key, client_id, path, time, body_file, key_version=None,
             method="POST"):
    cmd = [cli, "sign", "--private-key", private_key, "--client-id", client_id, "--path", path,
           "--time", time, "--body-file", body_file, "--method", method]
    if key_version is not None:
        cmd += ["--key-version", str(key_version)]
    return run(cmd)


def sig_bytes(header):
    from urllib.parse import unquote
    value = header.split("signature=", 1)[1].strip()
    return base64.b64decode(unquote(value))


def fixtures_vs_cli(cli, tmp):
    files = sorted(glob.glob(os.path.join(HERE, "fixtures", "*.json")))
    check(len(files) >= 20, "%d SDK fixtures found" % len(files))
    for path in files:
        with open(path, encoding="utf-8") as f:
            fx = json.load(f)
        body_file = os.path.join(tmp, fx["name"] + ".body")
        with open(body_file, "wb") as f:
            f.write(base64.b64decode(fx["body_base64"]))
        r = cli_verify(cli, key(fx["public_key"], "public"), fx["client_id"], fx["path"],
                       fx["time"], fx["signature_header"], body_file, fx["method"])
        want = 0 if fx["expect_valid"] else 1
        check(r.returncode == want, "%s: alipay-ams verify exit %d (want %d)%s" % (
            fx["name"], r.returncode, want,
            "" if r.returncode == want else ": " + (r.stdout + r.stderr).strip()[:300]))
        if fx["expect_valid"] and fx["signed_by"] in ("merchant", "alipay"):
            r = cli_sign(cli, key(fx["signed_by"], "private", "b64"), fx["client_id"],
                         fx["path"], fx["time"], body_file, fx["key_version"], fx["method"])
            ours = r.stdout.strip()
            if r.returncode != 0:
                check(False, "%s: alipay-ams sign failed: %s" % (fx["name"], r.stderr.strip()))
            elif fx["header_is_sdk_format"]:
                check(ours == fx["signature_header"],
                      "%s: alipay-ams sign prints the SDK's header byte for byte" % fx["name"])
            else:
                check(sig_bytes(ours) == sig_bytes(fx["signature_header"]),
                      "%s: alipay-ams sign makes the same signature bytes" % fx["name"])


def cli_sign_sdk_verify(cli, py, tmp):
    bodies = {
        "pretty-trailing-newline": '{\n  "captureRequestId": "cli-1",\n  "paymentId": "P1",\n'
                                   '  "captureAmount": {"currency": "USD", "value": "1000"}\n}\n',
        "crlf": '{\r\n"a": "b"\r\n}\r\n',
        "utf8": '{"note":"Caf\u00e9 \u5546\u6237 \U0001f600","captureAmount":{"currency":"JPY",'
                '"value":"100"}}',
        "empty": "",
    }
    cases = [
        ("pretty-trailing-newline", "/ams/sandbox/api/v1/payments/capture", "1795599000123",
         "pem", None),
        ("crlf", "/ams/api/v1/payments/capture", "2026-11-25T09:30:00+00:00", "b64", None),
        ("utf8", "/ams/sandbox/api/v1/payments/capture", "2026-11-25T17:30:05+08:00", "pem", 3),
        ("empty", "/alipay/notify", "1795599000123", "b64", None),
    ]
    for name, path, time, form, kv in cases:
        body_file = os.path.join(tmp, "cli-" + name)
        with open(body_file, "wb") as f:
            f.write(bodies[name].encode("utf-8"))
        r = cli_sign(cli, key("merchant", "private", form), CLIENT_ID, path, time, body_file, kv)
        if r.returncode != 0:
            check(False, "alipay-ams sign (%s): %s" % (name, r.stderr.strip()))
            continue
        header = r.stdout.strip()
        check(("keyVersion=%d" % kv) in header if kv else "keyVersion=1" in header,
              "alipay-ams sign (%s) header names the key version" % name)
        for verify_path, want in ((path, 0), (path + "x", 1)):
            v = run([py, os.path.join(HERE, "sdk_verify.py"), "--kind", "request",
                     "--path", verify_path, "--client-id", CLIENT_ID, "--time", time,
                     "--signature", header, "--public-key", key("merchant", "public", form),
                     "--body-file", body_file])
            check(v.returncode == want,
                  "alipay-ams sign (%s, %s key, path %s) -> sdk_verify.py exit %d (want %d)"
                  % (name, form, verify_path, v.returncode, want))


def sdk_sign_cli_verify(cli, py, tmp):
    body_file = os.path.join(tmp, "sdk-signed")
    body = '{"notifyType":"CAPTURE_RESULT","result":{"resultCode":"SUCCESS","resultStatus":"S"},' \
           '"note":"\u00fc\u00f1\u00ee\u00e7\u00f8d\u00e9"}'
    with open(body_file, "wb") as f:
        f.write(body.encode("utf-8"))
    tampered_file = os.path.join(tmp, "sdk-signed-tampered")
    with open(tampered_file, "wb") as f:
        f.write(body.replace('"S"', '"F"').encode("utf-8"))
    for form in ("pem", "b64"):
        s = run([py, os.path.join(HERE, "sdk_sign.py"), "--private-key",
                 key("alipay", "private", form), "--client-id", CLIENT_ID,
                 "--path", "/alipay/notify", "--time", "2026-11-25T17:30:05+08:00",
                 "--body-file", body_file])
        if s.returncode != 0:
            check(False, "sdk_sign.py (%s key): %s" % (form, s.stderr.strip()))
            continue
        header = s.stdout.strip()
        for f, want in ((body_file, 0), (tampered_file, 1)):
            r = cli_verify(cli, key("alipay", "public", form), CLIENT_ID, "/alipay/notify",
                           "2026-11-25T17:30:05+08:00", header, f)
            check(r.returncode == want, "sdk_sign.py (%s key) -> alipay-ams verify %s: exit %d "
                  "(want %d)" % (form, "tampered body" if want else "as signed", r.returncode,
                                 want))


def main():
    p = argparse.ArgumentParser(description="Cross-check alipay-ams sign/verify with the SDK.")
    p.add_argument("--cli", required=True, help="path of the alipay-ams binary")
    try:
        args = p.parse_args()
    except SystemExit as exc:
        sys.exit(2 if exc.code else 0)
    if not os.access(args.cli, os.X_OK):
        print("check_cli: %s is not an executable (build it: cargo build -p alipay-ams-cli)"
              % args.cli, file=sys.stderr)
        sys.exit(2)
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        print("SDK fixtures -> alipay-ams verify / sign:")
        fixtures_vs_cli(args.cli, tmp)
        print("alipay-ams sign -> SDK verify (sdk_verify.py):")
        cli_sign_sdk_verify(args.cli, py, tmp)
        print("SDK sign (sdk_sign.py) -> alipay-ams verify:")
        sdk_sign_cli_verify(args.cli, py, tmp)
    if failures:
        print("%d mismatch(es) between alipay-ams and the official SDK" % len(failures))
        sys.exit(1)
    print("alipay-ams sign/verify agree with the official SDK")


if __name__ == "__main__":
    main()
