"""The official Alipay/Antom Python SDK as the interop scripts use it.

Imports the SDK (it must be installed: run with the python that
`bash tests/interop/setup.sh` prints) and turns key files into the one form
the SDK's signature tool accepts. Nothing here signs or verifies by itself:
that is always the SDK's own code.

What the SDK (global-open-sdk-python 1.7.1) expects, read from its source
(`com/alipay/ams/api/tools/signature_tool.py`):

* private key: bare base64 of the DER key. The SDK wraps whatever it gets in
  `-----BEGIN RSA PRIVATE KEY-----` markers (unless that exact marker is
  already present) and loads it with `cryptography`; OpenSSL accepts PKCS#1
  or PKCS#8 DER under that label. A PKCS#8 PEM file (`BEGIN PRIVATE KEY`)
  passed as-is gets wrapped a second time and fails, so PEM input is reduced
  to its base64 body here.
* public key: bare base64 SPKI, or an SPKI PEM (`BEGIN PUBLIC KEY`); it is
  loaded with the `rsa` package's `load_pkcs1_openssl_pem`.
"""

import http.client
import importlib.metadata
import os
import re
import ssl
import sys
import urllib.parse

SDK_PACKAGE = "global-open-sdk-python"
SDK_PINNED_VERSION = "1.7.1"

try:
    from com.alipay.ams.api import _version as sdk_version_module
    from com.alipay.ams.api import default_alipay_client
    from com.alipay.ams.api.net import default_http_rpc
    from com.alipay.ams.api.tools import date_tools, signature_tool, webhook_tool
except ImportError as exc:  # pragma: no cover - message for humans
    sys.stderr.write(
        "the official SDK is not importable (%s).\n"
        "Run these scripts with the interop venv's python:\n"
        "  PY=$(bash tests/interop/setup.sh | tail -n1); $PY %s ...\n"
        % (exc, sys.argv[0] if sys.argv else "script.py")
    )
    sys.exit(2)

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
KEYS_DIR = os.path.join(REPO_ROOT, "keys-example")

_PEM_RE = re.compile(r"-----BEGIN ([A-Z ]+)-----(.*?)-----END \1-----", re.S)


def sdk_version():
    """The installed SDK version, checked against the pin."""
    installed = importlib.metadata.version(SDK_PACKAGE)
    if installed != SDK_PINNED_VERSION or sdk_version_module.VERSION != installed:
        raise SystemExit(
            "expected %s==%s, found %s (module says %s): re-run tests/interop/setup.sh"
            % (SDK_PACKAGE, SDK_PINNED_VERSION, installed, sdk_version_module.VERSION)
        )
    return installed


def _read_text(path):
    with open(path, "r", encoding="ascii") as f:
        return f.read()


def private_key_for_sdk(path):
    """A private key file (bare base64, PKCS#8 PEM or PKCS#1 PEM) in the form
    the SDK's `sign` takes: bare base64 DER on one line."""
    text = _read_text(path)
    m = _PEM_RE.search(text)
    if m:
        if m.group(1) not in ("PRIVATE KEY", "RSA PRIVATE KEY"):
            raise SystemExit("%s holds a %s, not a private key" % (path, m.group(1)))
        text = m.group(2)
    b64 = "".join(text.split())
    if not b64:
        raise SystemExit("%s is empty" % path)
    return b64


def public_key_for_sdk(path):
    """A public key file (bare base64 SPKI or SPKI PEM) in the form the SDK's
    `verify` takes: bare base64 SPKI on one line."""
    text = _read_text(path)
    m = _PEM_RE.search(text)
    if m:
        if m.group(1) != "PUBLIC KEY":
            raise SystemExit(
                "%s holds a %s; the SDK needs an SPKI public key (BEGIN PUBLIC KEY or bare base64)"
                % (path, m.group(1))
            )
        text = m.group(2)
    b64 = "".join(text.split())
    if not b64:
        raise SystemExit("%s is empty" % path)
    return b64


def example_key(owner, kind):
    """`keys-example/<owner>/<kind>_key.b64` in SDK form (owner: merchant|alipay)."""
    path = os.path.join(KEYS_DIR, owner, "%s_key.b64" % kind)
    if kind == "private":
        return private_key_for_sdk(path)
    return public_key_for_sdk(path)


def signature_header(sign_value, key_version="1"):
    """The `Signature` header exactly as `DefaultAlipayClient.execute` assembles it."""
    return "algorithm=RSA256,keyVersion=" + str(key_version) + ",signature=" + sign_value


def sdk_verify_header(method, path, client_id, time, body, header, public_key_b64):
    """Verifies a whole `Signature` header value with the SDK's own code
    (`webhook_tool.check_signature`, which splits on `signature=` and calls
    `signature_tool.verify`, the same function `DefaultAlipayClient` uses for
    responses). Returns (valid, reason)."""
    try:
        ok = webhook_tool.check_signature(
            method, path, client_id, time, body, header, public_key_b64
        )
    except Exception as exc:  # rsa.VerificationError, AlipayApiException, ValueError
        return False, "%s: %s" % (type(exc).__name__, exc)
    return bool(ok), "valid" if ok else "verify returned False"


# The SDK's connection factory (module-level, so not name-mangled). It ignores
# the gateway URL's scheme and port: always HTTPSConnection(host, 443) with the
# system trust store.
SDK_CONNECTION_FACTORY = "__get_http_connection"


def url_honouring_connection(ca_file=None):
    """A replacement for the SDK's connection factory that keeps the URL's
    scheme and port: http -> HTTPConnection, https -> HTTPSConnection trusting
    `ca_file` (or the system store). Everything else stays the SDK's."""
    def factory(url, timeout=default_http_rpc.DEFAULT_TIMEOUT):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme == "http":
            return http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
        context = ssl.create_default_context(cafile=ca_file)
        return http.client.HTTPSConnection(parts.hostname, parts.port or 443,
                                           timeout=timeout, context=context)
    return factory


def use_transport(ca_file=None, sdk_transport=False):
    """Lets `DefaultAlipayClient` reach a local gateway: swaps in
    `url_honouring_connection`, or with `sdk_transport` keeps the SDK's own
    factory and points the default trust store at `ca_file`."""
    if sdk_transport:
        if ca_file:
            # ssl.create_default_context() in the SDK loads the default verify
            # paths, which honour SSL_CERT_FILE.
            os.environ["SSL_CERT_FILE"] = ca_file
    else:
        setattr(default_http_rpc, SDK_CONNECTION_FACTORY, url_honouring_connection(ca_file))


def observe_wire():
    """Records (never alters) what `DefaultAlipayClient.execute` puts on the
    wire and gets back. Returns a dict refilled by each call: url, headers,
    body, response_headers, response_body."""
    sent = {}
    real_do_post = default_alipay_client.do_post

    def observed_do_post(url, headers=None, req_body=None, charset="UTF-8"):
        sent.clear()
        sent.update(url=url, headers=dict(headers), body=req_body)
        rsp_headers, rsp = real_do_post(url, headers, req_body, charset)
        sent["response_headers"] = {k: v for k, v in rsp_headers}
        sent["response_body"] = rsp.decode("utf-8", "replace")
        return rsp_headers, rsp

    default_alipay_client.do_post = observed_do_post
    return sent
