#!/usr/bin/env python3
"""Extracts the machine-readable description of every AMS API from the pinned
official Python SDK and writes spec/antom.openapi.json.

Usage (with the interop venv's python, see setup.sh):

    PY=$(bash tests/interop/setup.sh | tail -n1)
    $PY tests/interop/extract_spec.py           # (re)write spec/antom.openapi.json
    $PY tests/interop/extract_spec.py --check   # exit 1 (with a short diff) if it differs

How the facts are read (nothing is guessed from names where the SDK can be asked):

* Operations: every request class under `com.alipay.ams.api.request` that the
  SDK's client can send (an `AlipayRequest` with a path, or the one
  `AlipayFileRequest`), instantiated to read its path. Where several classes
  share a path (hand-written legacy classes next to generated twins), the
  generated one wins; spec/overrides.toml names the class where that is not
  decidable.
* Wire names and wire order of requests and models: each property is set on
  its own to a probe value and `to_ams_dict()` is asked which key it emits;
  then all are set and the key order is read back.
* Wire names of classes the SDK only parses (hand-written responses,
  notifications, some models): each string literal of the class source is fed
  to the SDK's own parser as a one-key body; a key is a wire name when the
  parser stores it in an attribute.
* Types: the SDK's `# type:` comments (resolved in the defining module, so
  nested models and enums are the SDK's own classes), the classes its parser
  constructs, and, for untyped fields, spec/overrides.toml (facts from the
  other official SDKs, each with its source).
* Descriptions: the SDK's property docstrings (Alipay's API text, carried by
  the MIT-licensed SDK), whitespace-trimmed and HTML-unescaped; "Maximum
  length: N characters" becomes maxLength; "ISO 8601" on a string becomes
  format date-time.

spec/overrides.toml then adds what the SDK does not carry (required fields,
idempotency and retry class, decimals, wire-name decisions, echo fields,
fields always present on success, notification discriminators and dedup keys,
the operations only the Java/.NET SDKs have). The output is deterministic:
paths and schemas sorted, properties in wire order, no timestamps.

Exit codes: 0 ok, 1 the committed description differs (--check), 2 usage or
an unresolved fact (the message says which override is missing).
"""

import argparse
import difflib
import enum
import html
import importlib
import inspect
import json
import os
import re
import sys
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import official_sdk as sdk  # noqa: E402

from com.alipay.ams.api.request.alipay_request import AlipayRequest  # noqa: E402
from com.alipay.ams.api.request.alipay_file_request import AlipayFileRequest  # noqa: E402
from com.alipay.ams.api.response.alipay_response import AlipayResponse  # noqa: E402
from com.alipay.ams.api.request.notify.alipay_notify import AlipayNotify  # noqa: E402

REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
SPEC_DIR = os.path.join(REPO_ROOT, "spec")
SPEC_FILE = os.path.join(SPEC_DIR, "antom.openapi.json")
OVERRIDES_FILE = os.path.join(SPEC_DIR, "overrides.toml")

SDK_ROOT = "com.alipay.ams.api"
SDK_DIR = os.path.dirname(importlib.import_module(SDK_ROOT).__file__)
SDK_NAMES = ("dotnet", "go", "java", "php", "python")

# Framework base classes: their own properties (path, key_version, ...) are
# not part of any body.
FRAMEWORK_BASES = (AlipayRequest, AlipayFileRequest, AlipayResponse, object)

# x-area by path, first match wins (README "Areas" lists the same table).
AREA_RULES = (
    ("/ams/api/open/openapiv2_file/v1/business/attachment/", "marketplace"),
    ("/ams/api/v1/payments/reserve/", "reserve"),
    ("/ams/api/v1/payments/acceptDispute", "disputes"),
    ("/ams/api/v1/payments/supplyDefenseDocument", "disputes"),
    ("/ams/api/v1/payments/downloadDisputeEvidence", "disputes"),
    ("/ams/api/v1/payments/supplyEvidence", "disputes"),
    ("/ams/api/v1/payments/settle", "marketplace"),
    ("/ams/api/v1/payments/inquire", "subscriptions"),  # exact path, see area_of
    ("/ams/api/v1/payments/", "payments"),
    ("/ams/api/v1/notification/", "payments"),
    ("/ams/api/v1/vaults/", "vaulting"),
    ("/ams/api/v1/subscriptions/", "subscriptions"),
    ("/ams/api/v1/authorizations/", "auth"),
    ("/ams/api/v1/customs/", "customs"),
    ("/ams/api/v1/merchants/register", "marketplace"),
    ("/ams/api/v1/merchants/settlementInfo/", "marketplace"),
    ("/ams/api/v1/accounts/", "marketplace"),
    ("/ams/api/v1/funds/", "marketplace"),
    ("/ams/api/v1/merchants/", "merchant"),
    ("/ams/api/v1/risk/", "risk"),
    ("/ams/api/v1/users/", "users"),
    ("/ams/api/v1/billing/", "billing"),
    ("/ams/api/v1/meter/", "meter"),
    ("/ams/api/v1/tax/", "tax"),
    ("/ams/api/v1/aba/", "aba"),
    ("/ams/api/v1/agenticPayment/", "agentic"),
)
AREAS = ("payments", "vaulting", "subscriptions", "disputes", "marketplace", "merchant", "risk",
         "auth", "customs", "users", "billing", "meter", "tax", "aba", "agentic", "reserve")


class SpecError(Exception):
    """A fact the extractor cannot settle on its own."""


def area_of(path):
    for prefix, area in AREA_RULES:
        if prefix.endswith("/inquire") and path != prefix:
            continue
        if path.startswith(prefix):
            return area
    raise SpecError("no area rule for " + path)


def lower_camel_join(segments):
    out = segments[0]
    for s in segments[1:]:
        out += s[:1].upper() + s[1:]
    return out


def pascal(name):
    return name[:1].upper() + name[1:]


def snake(name):
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def qualname(cls):
    return cls.__module__ + "." + cls.__name__


# ---------------------------------------------------------------------------
# Descriptions


_DEFAULT_DOC = re.compile(r"^Gets the \w+ of this \w+\.?$")
# "YYYY-MM-DD" (a date, or "a date or a date-time") is not a date-time.
_DATE_ONLY = re.compile(r"yyyy-MM-dd", re.I)
_MAXLEN = re.compile(r"Maximum length:\s*(\d+)\s*character", re.I)


def clean_doc(text):
    if not text:
        return None
    text = text.replace("\\&quot;", "&quot;").replace("\\\"", "\"")
    text = " ".join(html.unescape(text).split())
    if not text or _DEFAULT_DOC.match(text):
        return None
    return text


# ---------------------------------------------------------------------------
# Python SDK introspection


class Probe:
    """A value a setter stores and `to_ams_dict` copies through unchanged."""

    def __init__(self, tag):
        self.tag = tag

    def to_ams_dict(self):
        return self

    @property
    def value(self):
        return self

    @property
    def name(self):
        return self

    def __repr__(self):
        return "Probe(%s)" % self.tag


def iter_sdk_modules(subpackage):
    base = os.path.join(SDK_DIR, *subpackage.split("."))
    for root, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for f in sorted(files):
            if not f.endswith(".py") or f == "__init__.py":
                continue
            rel = os.path.relpath(os.path.join(root, f), SDK_DIR)[:-3]
            yield importlib.import_module(SDK_ROOT + "." + rel.replace(os.sep, "."))


def own_classes(module):
    for name, cls in sorted(vars(module).items()):
        if inspect.isclass(cls) and cls.__module__ == module.__name__:
            yield cls


_INIT_ATTR = re.compile(r"self\.__(\w+)\s*=[^#\n]*(?:#\s*type:\s*([^\n]*?))?\s*$", re.M)


def init_types(cls):
    """{private attribute: type comment or None} declared in cls.__init__ itself."""
    if "__init__" not in vars(cls):
        return {}
    try:
        src = inspect.getsource(vars(cls)["__init__"])
    except (OSError, TypeError):
        return {}
    out = {}
    for attr, typ in _INIT_ATTR.findall(src):
        typ = (typ or "").strip()
        if typ.startswith("现在是"):  # a comment, not a type
            typ = ""
        out.setdefault(attr, typ or None)
    return out


def mangled(attr_name):
    """'_Owner__attr' -> ('Owner', 'attr')."""
    m = re.match(r"^_([A-Za-z0-9]+?)__(\w+)$", attr_name)
    return (m.group(1), m.group(2)) if m else (None, None)


def owner_class(cls, owner_name):
    for k in cls.__mro__:
        if k.__name__ == owner_name:
            return k
    return None


def body_properties(cls):
    """[(property name, property object, defining class)] in definition order,
    without the framework's own (path, key_version, ...)."""
    seen = {}
    order = []
    for k in reversed(cls.__mro__):
        if k in FRAMEWORK_BASES:
            continue
        for name, v in vars(k).items():
            if isinstance(v, property):
                if name not in seen:
                    order.append(name)
                seen[name] = (v, k)
    return [(n, seen[n][0], seen[n][1]) for n in order]


def property_attr(prop, cls):
    """The private attribute a property getter returns, as (owner class, attr)."""
    names = getattr(getattr(prop.fget, "__code__", None), "co_names", ())
    for n in names:
        owner, attr = mangled(n)
        if owner:
            k = owner_class(cls, owner)
            if k is not None:
                return k, attr
    return None, None


def new_instance(cls, kind, prime=False):
    inst = _new_instance(cls, kind)
    if prime:
        # Set every settable property to None first: some hand-written
        # getters read an attribute only their setter creates
        # (DeclarationRecord.merchant_customs_info).
        for name, prop, _ in body_properties(cls):
            if prop.fset is not None:
                try:
                    setattr(inst, name, None)
                except Exception:
                    pass
    return inst


def _new_instance(cls, kind):
    if kind in ("response", "notify"):
        return cls("{}")
    try:
        return cls()
    except TypeError:
        pass
    sig = inspect.signature(cls)
    args = [None for p in sig.parameters.values()
            if p.default is inspect.Parameter.empty and p.kind in
            (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return cls(*args)


def has_own_serializer(cls, kind):
    if kind == "request":
        return hasattr(cls, "to_ams_json")
    for k in cls.__mro__:
        if k in FRAMEWORK_BASES or k is AlipayNotify:
            continue
        if "to_ams_dict" in vars(k):
            return True
    return False


class PyField:
    def __init__(self, wire, owner, attr, prop_name, prop):
        self.wire = wire
        self.owner = owner        # class whose __init__ declares the attribute
        self.attr = attr          # private attribute name (without mangling)
        self.prop_name = prop_name
        self.prop = prop
        self.runtime_class = None  # (class, is_list) the parser constructs

    @property
    def type_comment(self):
        if self.owner is None:
            return None
        return init_types(self.owner).get(self.attr)

    @property
    def doc(self):
        return clean_doc(self.prop.__doc__) if self.prop is not None else None


def emit(inst, kind):
    """What the SDK puts on the wire for inst: requests through to_ams_json()
    (the client's own call), models through to_ams_dict()."""
    if kind == "request":
        return json.loads(inst.to_ams_json())
    return inst.to_ams_dict()


def serializer_fields(cls, kind):
    """Wire names and order as the SDK's serializer emits them."""
    props = [(n, p, k) for n, p, k in body_properties(cls) if p.fset is not None]
    base_keys = set(emit(new_instance(cls, kind, prime=True), kind))
    wire_of = {}
    for name, prop, _ in props:
        for probe in ("probe:" + name, Probe(name)):
            inst = new_instance(cls, kind, prime=True)
            try:
                setattr(inst, name, probe)
                emitted = emit(inst, kind)
            except Exception:  # a setter or serializer that rejects this probe
                continue
            keys = [k for k, v in emitted.items()
                    if (v is probe or v == probe) and k not in base_keys]
            if len(keys) == 1:
                wire_of[name] = (keys[0], probe)
                break
    inst = new_instance(cls, kind, prime=True)
    for name, (wire, probe) in wire_of.items():
        setattr(inst, name, probe)
    order = [k for k in emit(inst, kind) if k not in base_keys]
    by_wire = {w: n for n, (w, _) in wire_of.items()}
    prop_of = {n: p for n, p, _ in props}
    fields = []
    for wire in order:
        name = by_wire.get(wire)
        if name is None:
            continue
        owner, attr = property_attr(prop_of[name], cls)
        fields.append(PyField(wire, owner, attr or name, name, prop_of[name]))
    return fields


_LITERAL = re.compile(r"""["']([a-z][A-Za-z0-9]*)["']""")


class Reach:
    """How to make the SDK parse a value of some class: parse `top` (of
    `kind`) from a body that nests the value under `steps`, each step a
    (wire key, mangled attribute that holds the parsed value, is_list)."""

    def __init__(self, top, kind, steps=()):
        self.top = top
        self.kind = kind
        self.steps = tuple(steps)

    def child(self, wire, mangled_attr, is_list):
        return Reach(self.top, self.kind, self.steps + ((wire, mangled_attr, is_list),))

    def body(self, inner):
        for wire, _, is_list in reversed(self.steps):
            inner = {wire: [inner] if is_list else inner}
        return inner

    def follow(self, inst):
        for _, attr, is_list in self.steps:
            if inst is None:
                return None
            inst = vars(inst).get(attr) if hasattr(inst, "__dict__") else None
            if is_list:
                inst = inst[0] if isinstance(inst, list) and inst else None
        return inst


def parse_instance(cls, kind, body):
    if kind in ("response", "notify"):
        return cls(json.dumps(body))
    if "parse_rsp_body" in dir(cls):
        inst = new_instance(cls, kind)
        inst.parse_rsp_body(body)
        return inst
    return cls(body)  # models whose constructor parses a dict (FailReason)


def own_parser(cls):
    """Can the SDK parse a dict into cls by itself?"""
    if "parse_rsp_body" in dir(cls):
        return True
    try:
        params = [p for p in inspect.signature(cls).parameters.values()
                  if p.default is inspect.Parameter.empty]
    except (TypeError, ValueError):
        return False
    return len(params) == 1


def attrs_snapshot(inst):
    if inst is None or not hasattr(inst, "__dict__"):
        return {}
    return {k: v for k, v in vars(inst).items() if mangled(k)[0]}


def source_literals(classes):
    literals = []
    for cls in classes:
        for k in reversed(cls.__mro__):
            if k is object or k in (AlipayRequest, AlipayFileRequest):
                continue
            try:
                src = inspect.getsource(k)
            except (OSError, TypeError):
                continue
            for lit in _LITERAL.findall(src):
                if lit not in literals:
                    literals.append(lit)
    return literals


def parser_fields(cls, reach):
    """Wire names the SDK's parser reads for cls, found by feeding it each
    string literal of the parsing code as a one-key body (nested as `reach`
    says). Order: first appearance in the source, base classes first."""
    literals = source_literals([reach.top, cls])
    attr_lits = [lit_of_attr(a) for a in init_types(cls)]
    for lit in attr_lits:
        if lit not in literals:
            literals.append(lit)

    def parsed(inner):
        return reach.follow(parse_instance(reach.top, reach.kind, reach.body(inner)))

    baseline = attrs_snapshot(parsed({}))
    props = body_properties(cls) + [
        (n, v, k) for k in (AlipayNotify, AlipayResponse) if k in cls.__mro__
        for n, v in vars(k).items() if isinstance(v, property)]
    prop_by_attr = {}
    for name, prop, _ in props:
        owner, attr = property_attr(prop, cls)
        if owner is not None:
            prop_by_attr.setdefault((owner.__name__, attr), (name, prop))
    samples = [{}, "x", [], 1] + enum_samples(cls)
    fields = []
    seen_attrs = set()
    for lit in literals:
        changed = None
        for sample in samples:
            try:
                now = attrs_snapshot(parsed({lit: sample}))
            except Exception:
                continue
            diff = [a for a in now if now[a] is not baseline.get(a) and now[a] != baseline.get(a)]
            if diff:
                changed = diff[0]
                break
        if changed is None or changed in seen_attrs:
            continue
        seen_attrs.add(changed)
        owner_name, attr = mangled(changed)
        owner = owner_class(type(parsed({lit: sample})), owner_name) or owner_class(cls, owner_name)
        name, prop = prop_by_attr.get((owner_name, attr), (attr, None))
        field = PyField(lit, owner, attr, name, prop)
        field.runtime_class = constructed_class(parsed, lit, changed)
        fields.append(field)
    return fields


def constructed_class(parsed, lit, attr):
    """The SDK class (and list-ness) the parser builds for lit, if it builds one."""
    for sample, is_list in (({}, False), ([{}], True)):
        try:
            value = attrs_snapshot(parsed({lit: sample})).get(attr)
        except Exception:
            continue
        if is_list:
            value = value[0] if isinstance(value, list) and value else None
        if value is not None and type(value).__module__.startswith(SDK_ROOT + ".model."):
            return (type(value), is_list)
    return None


def enum_samples(cls):
    """Member names of the enums cls declares, for parsers that look a value
    up by name (SubscriptionStatus[value])."""
    out = []
    for k in cls.__mro__:
        module = sys.modules.get(k.__module__)
        for typ in init_types(k).values():
            obj = vars(module).get(typ or "") if module else None
            if inspect.isclass(obj) and issubclass(obj, enum.Enum):
                for member in obj:
                    if member.name not in out:
                        out.append(member.name)
    return out


def lit_of_attr(attr):
    parts = attr.split("_")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def serializer_works(cls, kind):
    try:
        emit(new_instance(cls, kind, prime=True), kind)
        return True
    except Exception:
        return False


def class_fields(cls, kind, reach=None):
    """(fields, how): requests by their serializer (what the client sends),
    notifications by their parser (what the SDK reads), responses and models
    by their serializer where it works, else by the parser that reads them."""
    if kind == "request" or (kind in ("response", "model") and has_own_serializer(cls, kind)
                             and serializer_works(cls, kind)):
        return serializer_fields(cls, kind), "serializer"
    if kind in ("response", "notify"):
        return parser_fields(cls, Reach(cls, kind)), "parser"
    if own_parser(cls):
        return parser_fields(cls, Reach(cls, "model")), "parser"
    if reach is None:
        raise SpecError("%s has neither serializer nor parser and is not reached by one"
                        % qualname(cls))
    return parser_fields(cls, reach), "parser"


_TRUTHY_TEST = re.compile(r'hasattr\(self,\s*"\w+"\)\s+and\s+self\.[\w_]+\s*:')


def omits_falsy(cls):
    """A hand-written serializer that tests truthiness, so false, 0 and ""
    never reach the wire (the generated ones test `is not None`)."""
    try:
        return bool(_TRUTHY_TEST.search(inspect.getsource(cls)))
    except (OSError, TypeError):
        return False


def is_generated(cls):
    """openapi-generator output: typed `__init__` and the generated serializer."""
    try:
        src = inspect.getsource(cls)
    except (OSError, TypeError):
        return False
    return "# type:" in src and 'hasattr(self, "' in src


# ---------------------------------------------------------------------------
# Python model index (canonical class per name)


def build_model_index():
    index = {}
    for module in iter_sdk_modules("model"):
        for cls in own_classes(module):
            index.setdefault(cls.__name__, []).append(cls)
    canonical = {}
    for name, classes in index.items():
        if len(classes) == 1:
            canonical[name] = classes[0]
            continue
        # Some model files define a class under another file's name
        # (DisputeType.py defines DisputeJudgedResult); the file named after
        # the class, snake_case first, is the real one.
        mod_tail = {c: c.__module__.rsplit(".", 1)[1] for c in classes}
        for want in (snake(name), name):
            hits = [c for c in classes if mod_tail[c] == want]
            if hits:
                canonical[name] = hits[0]
                break
        else:
            raise SpecError("model class %s is defined in several modules: %s"
                            % (name, [c.__module__ for c in classes]))
    return canonical


# ---------------------------------------------------------------------------
# Types


class T:
    """A resolved type: kind in string|integer|number|boolean|object|decimal|
    array|map|class|schema (a schema defined in overrides)."""

    def __init__(self, kind, inner=None, ref=None):
        self.kind = kind
        self.inner = inner
        self.ref = ref

    def __repr__(self):
        return "T(%s,%r,%r)" % (self.kind, self.inner, self.ref)


_SCALARS = {"str": "string", "string": "string", "int": "integer", "bool": "boolean",
            "float": "number"}
_ANY_VALUES = re.compile(r"^\{\s*str\s*:\s*\(\s*bool\s*,\s*date\s*,.*none_type\s*\)\s*\}$")


def parse_py_type(expr, module_globals, model_index):
    e = expr.strip()
    if e.startswith("Optional[") and e.endswith("]"):
        e = e[len("Optional["):-1].strip()
    if e in _SCALARS:
        return T(_SCALARS[e])
    if _ANY_VALUES.match(e):
        return T("object")
    m = re.match(r"^\{\s*str\s*:\s*\((.*),\s*\)\s*\}$", e)
    if m:
        return T("map", parse_py_type(m.group(1), module_globals, model_index))
    for pat in (r"^\[(.*)\]$", r"^[Ll]ist\[(.*)\]$", r"^[Ll]ist\s*:\s*(.*)$"):
        m = re.match(pat, e)
        if m:
            return T("array", parse_py_type(m.group(1), module_globals, model_index))
    if re.match(r"^[A-Za-z_]\w*$", e):
        return T("class", ref=resolve_class(e, module_globals, model_index))
    raise SpecError("cannot read type comment %r" % expr)


def resolve_class(name, module_globals, model_index):
    obj = module_globals.get(name)
    if inspect.ismodule(obj):
        obj = getattr(obj, name, None)
    if inspect.isclass(obj):
        return obj
    if name in model_index:
        return model_index[name]
    raise SpecError("type %s is not a class of the SDK" % name)


# ---------------------------------------------------------------------------
# Overrides


def load_overrides():
    with open(OVERRIDES_FILE, "rb") as f:
        return tomllib.load(f)


def parse_override_type(expr, builder):
    e = expr.strip()
    if e in ("string", "integer", "number", "boolean", "object", "decimal"):
        return T(e)
    if e.startswith("[") and e.endswith("]"):
        return T("array", parse_override_type(e[1:-1], builder))
    if e.startswith("{") and e.endswith("}"):
        return T("map", parse_override_type(e[1:-1], builder))
    if e in builder.ov.get("java_schemas", {}) or e in builder.ov.get("java_enums", {}):
        return T("schema", ref=e)
    if e in builder.model_index:
        return T("class", ref=builder.model_index[e])
    raise SpecError("override type %r is neither a scalar nor a known class" % expr)


# ---------------------------------------------------------------------------
# The builder


class Builder:
    def __init__(self, overrides):
        self.ov = overrides
        self.model_index = build_model_index()
        self.schemas = {}          # name -> schema dict
        self.schema_origin = {}    # name -> python class or override key
        self.class_schema = {}     # python class -> schema name
        self.pending = []          # python classes still to describe
        self.used_overrides = set()
        self.missing_types = []

    # -- names ------------------------------------------------------------

    def schema_name_for(self, cls, forced=None):
        if cls in self.class_schema:
            return self.class_schema[cls]
        name = forced
        if name is None:
            name = self.ov.get("schema_names", {}).get(qualname(cls), {}).get("name")
            if name:
                self.used_overrides.add(("schema_names", qualname(cls)))
        if name is None:
            name = cls.__name__
            if name.startswith("Alipay") and name[6:7].isupper():
                name = name[6:]
        if name in self.schema_origin and self.schema_origin[name] is not cls:
            raise SpecError("schema name %s would describe both %s and %s: add [schema_names]"
                            % (name, qualname(cls), self.schema_origin[name]))
        self.schema_origin[name] = cls
        self.class_schema[cls] = name
        return name

    # -- types to schema fragments -----------------------------------------

    def ref(self, name):
        return {"$ref": "#/components/schemas/" + name}

    def type_schema(self, t, reach=None):
        if t.kind == "string":
            return {"type": "string"}
        if t.kind == "decimal":
            return {"type": "string", "format": "decimal"}
        if t.kind == "integer":
            return {"type": "integer", "format": "int64"}
        if t.kind == "number":
            return {"type": "number"}
        if t.kind == "boolean":
            return {"type": "boolean"}
        if t.kind == "object":
            return {"type": "object"}
        if t.kind == "array":
            return {"type": "array", "items": self.type_schema(t.inner, reach)}
        if t.kind == "map":
            return {"type": "object", "additionalProperties": self.type_schema(t.inner)}
        if t.kind == "class":
            return self.ref(self.describe_class(t.ref, reach=reach))
        if t.kind == "schema":
            return self.ref(self.describe_override_schema(t.ref))
        raise SpecError("unknown type kind " + t.kind)

    # -- python classes ------------------------------------------------------

    def describe_class(self, cls, kind="model", forced_name=None, reach=None):
        """Schema name for an SDK class, describing it on first use."""
        if cls in self.class_schema:
            return self.class_schema[cls]
        name = self.schema_name_for(cls, forced_name)
        if issubclass(cls, enum.Enum):
            self.schemas[name] = self.enum_schema(cls)
            self.schemas[name]["x-python-class"] = qualname(cls)
            return name
        self.schemas[name] = None  # cycle guard: a recursive model refers to itself by name
        self.schemas[name] = self.object_schema(cls, kind, name, reach)
        return name

    def enum_schema(self, cls):
        fixed = self.ov.get("enum_values", {}).get(cls.__name__)
        if fixed is not None:
            self.used_overrides.add(("enum_values", cls.__name__))
            return {"type": "string", "enum": list(fixed["values"])}
        values = []
        for member in cls:
            wire = member.to_ams_dict() if hasattr(member, "to_ams_dict") else member.value
            if wire not in values:
                values.append(wire)
        return {"type": "string", "enum": values}

    def field_type(self, cls, f, schema_name):
        key = "%s.%s" % (schema_name, f.wire)
        keys = [key]
        if f.owner is not None:  # a field a base class declares (AlipayNotify.notifyType)
            keys.append("%s.%s" % (f.owner.__name__, f.wire))
        for k in keys:
            typ = self.ov.get("types", {}).get(k)
            if typ is not None:
                self.used_overrides.add(("types", k))
                return parse_override_type(typ["type"], self)
        comment = f.type_comment
        if comment:
            module = sys.modules[(f.owner or cls).__module__]
            return parse_py_type(comment, vars(module), self.model_index)
        if f.runtime_class is not None:
            klass, is_list = f.runtime_class
            return T("array", T("class", ref=klass)) if is_list else T("class", ref=klass)
        # Keep going (as a string) so one run lists every missing type.
        self.missing_types.append("%s (%s)" % (key, qualname(cls)))
        return T("string")

    def object_schema(self, cls, kind, name, reach=None):
        fields, how = class_fields(cls, kind, reach)
        if kind in ("response", "notify"):
            reach_self = Reach(cls, kind)
        elif own_parser(cls):
            reach_self = Reach(cls, "model")
        else:
            reach_self = reach
        props = {}
        renames = self.ov.get("wire_names", {})
        for f in fields:
            t = self.field_type(cls, f, name)
            wire = f.wire
            key = "%s.%s" % (name, wire)
            decision = renames.get(key)
            if decision is not None:
                self.used_overrides.add(("wire_names", key))
                wire = decision["wire"]
            child = None
            if reach_self is not None and f.owner is not None:
                child = reach_self.child(f.wire, "_%s__%s" % (f.owner.__name__, f.attr),
                                         t.kind == "array")
            prop = self.type_schema(t, child)
            doc = f.doc
            if "$ref" not in prop and prop.get("type") == "string":
                if doc:
                    m = _MAXLEN.search(doc)
                    if m:
                        prop["maxLength"] = int(m.group(1))
                    if "ISO 8601" in doc and "format" not in prop and not _DATE_ONLY.search(doc):
                        prop["format"] = "date-time"
            dec_key = "%s.%s" % (name, wire)
            if dec_key in self.ov.get("decimal", {}):
                self.used_overrides.add(("decimal", dec_key))
                if prop.get("type") not in ("string", "number"):
                    raise SpecError("decimal override on non-scalar " + dec_key)
                prop = {"type": "string", "format": "decimal",
                        **({"maxLength": prop["maxLength"]} if "maxLength" in prop else {})}
            if decision is not None:
                prop["x-sdk-wire-name"] = f.wire
                alts = decision.get("alternatives")
                if alts:
                    prop["x-wire-name-alternatives"] = alts
            if doc:
                prop["description"] = doc
            if wire in props:
                raise SpecError("%s: two properties on the wire as %s" % (name, wire))
            props[wire] = prop
        for key, extra in self.ov.get("extra_fields", {}).items():
            owner, _, wire = key.partition(".")
            if owner != name:
                continue
            self.used_overrides.add(("extra_fields", key))
            if wire in props:
                raise SpecError("extra field %s is already read from the SDK" % key)
            prop = self.type_schema(parse_override_type(extra["type"], self))
            prop["x-not-read-by-python-sdk"] = extra["source"]
            props[wire] = prop
        schema = {"type": "object", "properties": props}
        if how == "parser":
            schema["x-python-parse-only"] = True
        schema["x-python-class"] = qualname(cls)
        return schema

    # -- schemas defined in overrides (Java/.NET-only) -------------------------

    def describe_override_schema(self, name):
        if name in self.schemas:
            return name
        enums = self.ov.get("java_enums", {})
        if name in enums:
            self.used_overrides.add(("java_enums", name))
            self.schema_origin[name] = "override"
            self.schemas[name] = {"type": "string", "enum": list(enums[name]["values"])}
            return name
        spec = self.ov["java_schemas"][name]
        self.used_overrides.add(("java_schemas", name))
        self.schema_origin[name] = "override"
        self.schemas[name] = None
        self.schemas[name] = self.fields_schema(spec["fields"], spec.get("docs", {}))
        return name

    def fields_schema(self, fields, docs):
        props = {}
        for wire, typ in fields:
            prop = self.type_schema(parse_override_type(typ, self))
            if wire in docs:
                prop["description"] = docs[wire]
            props[wire] = prop
        return {"type": "object", "properties": props}


# ---------------------------------------------------------------------------
# Operations


def discover_request_classes():
    """{path: [request classes]} for everything the SDK can send."""
    by_path = {}
    for module in iter_sdk_modules("request"):
        if ".request.notify." in module.__name__:
            continue
        for cls in own_classes(module):
            if not (issubclass(cls, (AlipayRequest, AlipayFileRequest))) or cls in (
                    AlipayRequest, AlipayFileRequest):
                continue
            path = request_path(cls)
            if path:
                by_path.setdefault(path, []).append(cls)
    return by_path


def request_path(cls):
    if issubclass(cls, AlipayFileRequest):
        from com.alipay.ams.api import file_upload_executor as fue
        op = getattr(fue, "_OPERATIONS", {}).get(cls)
        return op["path"] if op else None
    try:
        return cls().path
    except Exception:
        return None


def response_class_for(req_cls, overrides):
    name = overrides.get("python_response", {}).get(qualname(req_cls))
    if name:
        mod, _, cname = name["class"].rpartition(".")
        return getattr(importlib.import_module(mod), cname)
    if issubclass(req_cls, AlipayFileRequest):
        from com.alipay.ams.api import file_upload_executor as fue
        return fue._OPERATIONS[req_cls]["response_type"]
    mod = req_cls.__module__.replace(".request.", ".response.", 1)
    cands = [re.sub(r"_request$", "_response", mod), re.sub(r"_request$", "200_response", mod),
             re.sub(r"Request$", "Response", mod)]
    cname = re.sub(r"Request$", "Response", req_cls.__name__)
    for m in cands:
        try:
            module = importlib.import_module(m)
        except ImportError:
            continue
        for c in (cname, re.sub(r"Response$", "200Response", cname)):
            if hasattr(module, c):
                return getattr(module, c)
    raise SpecError("no response class for %s: add [python_response]" % qualname(req_cls))


def choose_request_class(path, classes, overrides):
    chosen = overrides.get("python_class", {}).get(path)
    if chosen and len(classes) == 1:
        raise SpecError("[python_class] %s: only one class sends it, drop the entry" % path)
    if chosen:
        for c in classes:
            if qualname(c) == chosen["class"]:
                return c
        raise SpecError("overrides [python_class] %s names %s, not among %s"
                        % (path, chosen["class"], [qualname(c) for c in classes]))
    if len(classes) == 1:
        return classes[0]
    generated = [c for c in classes if is_generated(c)]
    if len(generated) == 1:
        return generated[0]
    raise SpecError("several classes send %s: %s; name one in [python_class]"
                    % (path, [qualname(c) for c in classes]))


def operation_ids(paths, overrides):
    """lowerCamel ids. A path directly under /ams/api/v1/payments/ is named by
    its last segment (pay, capture, inquiryPayment). Elsewhere the last
    segment is used when it is a compound name (createVaultingSession) that no
    other path ends with; a one-word last segment (query, change, delete) or a
    shared one is prefixed with all the segments after /v1/
    (authorizationsQuery, subscriptionsCreate, billingCouponCreate).
    [operation_ids] in overrides.toml fixes the rest."""
    fixed = {}
    for p, v in overrides.get("operation_ids", {}).items():
        if p not in paths:
            raise SpecError("[operation_ids] %s is not an operation" % p)
        fixed[p] = v["id"]
    last = {}
    for p in paths:
        last.setdefault(p.rstrip("/").rsplit("/", 1)[1], []).append(p)
    ids = {}
    for seg, ps in last.items():
        for p in ps:
            under_payments = re.match(r"^/ams/api/v1/payments/[^/]+$", p)
            compound = re.search(r"[a-z][A-Z]", seg)
            if p in fixed:
                ids[p] = fixed[p]
            elif under_payments or (compound and len(ps) == 1):
                ids[p] = seg
            else:
                tail = p.split("/v1/", 1)[1].split("/")
                ids[p] = lower_camel_join(tail)
    seen = {}
    for p, i in sorted(ids.items()):
        if i in seen:
            raise SpecError("operationId %s for both %s and %s" % (i, seen[i], p))
        seen[i] = p
    return ids


def normalise_path(p):
    return re.sub(r"/{2,}", "/", p)


def sdk_membership(path, overrides):
    """Which SDKs other than Python list the path (facts in [sdk_paths])."""
    table = overrides["sdk_paths"]
    aliases = {a: v["path"] for a, v in overrides.get("path_aliases", {}).items()}
    out = []
    for s in ("dotnet", "go", "java", "php"):
        known = {aliases.get(normalise_path(x), normalise_path(x)) for x in table[s]}
        if path in known:
            out.append(s)
    return out


# ---------------------------------------------------------------------------
# Build


def build(overrides):
    b = Builder(overrides)
    ov_ops = overrides.get("operations", {})
    by_path = discover_request_classes()

    ops = {}  # production path -> dict(op facts)
    for raw_path, classes in sorted(by_path.items()):
        path = normalise_path(raw_path)
        req = choose_request_class(raw_path, classes, overrides)
        rsp = response_class_for(req, overrides)
        ops[path] = {"raw_path": raw_path, "req": req, "rsp": rsp, "python": True}
    for path, spec in sorted(overrides.get("java_only", {}).items()):
        if path in ops:
            raise SpecError("java_only %s is also sent by the Python SDK" % path)
        ops[path] = {"raw_path": path, "java": spec, "python": False}

    ids = operation_ids(sorted(ops), overrides)

    paths = {}
    for path in sorted(ops):
        op = ops[path]
        op_id = ids[path]
        base = pascal(op_id)
        facts = ov_ops.get(path)
        if facts is None:
            raise SpecError("overrides.toml has no [operations.\"%s\"] (idempotency, retry)" % path)
        b.used_overrides.add(("operations", path))
        if op["python"] and "request_fields" in facts:
            # A request the SDK does not serialise as a whole (the multipart
            # upload builds its signed JSON part itself): fields from overrides.
            req_name = base + "Request"
            b.schema_origin[req_name] = "override"
            b.schemas[req_name] = b.fields_schema(facts["request_fields"]["fields"],
                                                  facts["request_fields"].get("docs", {}))
            b.schemas[req_name]["x-source"] = facts["request_fields"]["source"]
            b.schemas[req_name]["x-python-class"] = qualname(op["req"])
            rsp_name = b.describe_class(op["rsp"], "response", base + "Response")
            python_class = qualname(op["req"])
            sdks = sdk_membership(path, overrides) + ["python"]
        elif op["python"]:
            req_name = b.describe_class(op["req"], "request", base + "Request")
            if omits_falsy(op["req"]):
                b.schemas[req_name]["x-python-omits-falsy"] = True
            rsp_name = b.describe_class(op["rsp"], "response", base + "Response")
            python_class = qualname(op["req"])
            sdks = sdk_membership(path, overrides) + ["python"]
        else:
            spec = op["java"]
            b.used_overrides.add(("java_only", path))
            req_name = base + "Request"
            rsp_name = base + "Response"
            for n, fields_key in ((req_name, "request"), (rsp_name, "response")):
                if n in b.schemas:
                    raise SpecError("schema %s already exists" % n)
                b.schema_origin[n] = "override"
                b.schemas[n] = b.fields_schema(spec[fields_key], spec.get("docs", {}))
                b.schemas[n]["x-source"] = spec["source"]
            python_class = None
            sdks = sorted(spec["sdks"])
        apply_request_facts(b, path, req_name, rsp_name, facts)
        post = {
            "operationId": op_id,
        }
        if not op["python"]:
            post["description"] = op["java"]["description"]
        elif facts.get("description"):
            post["description"] = facts["description"]
        post.update({
            "x-area": facts.get("area") or area_of(path),
            "x-python-class": python_class,
        })
        if op["python"]:
            post["x-python-response-class"] = qualname(op["rsp"])
            if op["raw_path"] != path:
                post["x-python-path"] = op["raw_path"]
        post.update({
            "x-sdks": sorted(set(sdks)),
            "x-transport": facts.get("transport", "json"),
            "x-idempotency-field": facts.get("idempotency") or None,
            "x-retry": facts["retry"],
            "x-echo-fields": echo_fields(b, path, req_name, rsp_name, facts),
        })
        if "sandbox_rewrite" in facts:
            post["x-sandbox-rewrite"] = facts["sandbox_rewrite"]
        if facts.get("pending_codes"):
            # U codes that are a definite answer (accepted, waiting on the
            # buyer or on asynchronous processing), not an unknown outcome.
            post["x-pending-codes"] = list(facts["pending_codes"])
        if facts.get("unknown_outcome_advice"):
            # What to do when the outcome stays unknown: the notification to
            # wait for and the inquiry to make (the client's error says it).
            post["x-unknown-outcome-advice"] = facts["unknown_outcome_advice"]
        post["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": b.ref(req_name)}},
        }
        post["responses"] = {"200": {
            "description": "The signed reply; result.resultStatus says whether the call did what was asked.",
            "content": {"application/json": {"schema": b.ref(rsp_name)}},
        }}
        check_op_facts(b, path, post, req_name)
        paths[path] = {"post": post}

    webhooks = build_webhooks(b, overrides)
    if b.missing_types:
        raise SpecError("fields without a type in the SDK; add them to [types] in overrides.toml:\n  "
                        + "\n  ".join(b.missing_types))
    apply_model_facts(b, overrides)
    unused = unused_overrides(b, overrides)
    if unused:
        raise SpecError("overrides.toml entries that matched nothing: " + ", ".join(unused))

    schemas = prune({n: s for n, s in b.schemas.items()}, paths, webhooks)
    schemas = {n: ordered_schema(s) for n, s in schemas.items()}
    doc = {
        "openapi": "3.1.0",
        "info": {
            "title": "Antom (Alipay AMS) API, extracted from the official Python SDK",
            "version": sdk.sdk_version(),
            "description": (
                "Generated by tests/interop/extract_spec.py from global-open-sdk-python "
                + sdk.sdk_version() + " (imported at run time) and spec/overrides.toml. "
                "Do not edit by hand; see spec/README.md."),
            "license": {"name": "MIT (property descriptions: Alipay's API text carried by the "
                                "official SDK)", "identifier": "MIT"},
            "x-sdk-package": sdk.SDK_PACKAGE,
        },
        "servers": [{"url": u} for u in overrides["meta"]["servers"]],
        "paths": paths,
        "webhooks": webhooks,
        "components": {"schemas": {n: schemas[n] for n in sorted(schemas)}},
    }
    return doc


_SCHEMA_KEY_ORDER = ("type", "description", "enum", "properties", "required", "additionalProperties")


def ordered_schema(schema):
    """Standard keys first in a fixed order, then the x- extensions sorted."""
    out = {k: schema[k] for k in _SCHEMA_KEY_ORDER if k in schema}
    for k in sorted(schema):
        if k not in out:
            out[k] = schema[k]
    return out


def check_op_facts(b, path, post, req_name):
    if post["x-retry"] not in ("never", "same-key", "always"):
        raise SpecError("%s: x-retry %r" % (path, post["x-retry"]))
    if post["x-retry"] == "same-key" and not post["x-idempotency-field"]:
        raise SpecError("%s: same-key retry needs an idempotency field" % path)
    field = post["x-idempotency-field"]
    if field and field not in b.schemas[req_name]["properties"]:
        raise SpecError("%s: idempotency field %s is not in %s" % (path, field, req_name))
    if post["x-area"] not in AREAS:
        raise SpecError("%s: area %s" % (path, post["x-area"]))
    if post["x-transport"] not in ("json", "multipart", "unsigned-http2"):
        raise SpecError("%s: transport %s" % (path, post["x-transport"]))


def wire_path_exists(b, schema_name, dotted):
    schema = b.schemas[schema_name]
    parts = dotted.split(".")
    for i, part in enumerate(parts):
        props = schema.get("properties", {})
        if part not in props:
            return False
        prop = props[part]
        if i == len(parts) - 1:
            return True
        if "$ref" not in prop:
            return False
        schema = b.schemas[prop["$ref"].rsplit("/", 1)[1]]
    return True


def apply_request_facts(b, path, req_name, rsp_name, facts):
    req = b.schemas[req_name]
    rsp = b.schemas[rsp_name]
    required = facts.get("required")
    if required:
        for f in required["fields"]:
            if f not in req["properties"]:
                raise SpecError("%s: required field %s is not in %s" % (path, f, req_name))
        req["required"] = list(required["fields"])
    one_of = facts.get("required_one_of")
    if one_of:
        for group in one_of["groups"]:
            for f in group:
                if f not in req["properties"]:
                    raise SpecError("%s: required_one_of field %s not in %s" % (path, f, req_name))
        req["x-required-one-of"] = [list(g) for g in one_of["groups"]]
    on_success = facts.get("required_on_success")
    if on_success:
        for f in on_success["fields"]:
            if f not in rsp["properties"]:
                raise SpecError("%s: required_on_success field %s not in %s" % (path, f, rsp_name))
        rsp["x-required-on-success"] = list(on_success["fields"])


def echo_fields(b, path, req_name, rsp_name, facts):
    """Hand pairs from overrides, then every top-level *RequestId the request
    sends and the response carries under the same name (the merchant's own
    key, echoed)."""
    pairs = []
    req_props = b.schemas[req_name]["properties"]
    rsp_props = b.schemas[rsp_name]["properties"]
    for wire in req_props:
        if wire.endswith("RequestId") and wire in rsp_props \
                and req_props[wire].get("type") == "string" \
                and rsp_props[wire].get("type") == "string":
            pairs.append({"request": wire, "response": wire})
    for a, r in facts.get("echo", {}).get("pairs", []):
        if not wire_path_exists(b, req_name, a) or not wire_path_exists(b, rsp_name, r):
            raise SpecError("%s: echo pair %s -> %s does not exist" % (path, a, r))
        if {"request": a, "response": r} in pairs:
            raise SpecError("%s: echo pair %s is already added by the *RequestId rule" % (path, a))
        pairs.append({"request": a, "response": r})
    return pairs


def apply_model_facts(b, overrides):
    for key, fact in overrides.get("model_required_php", {}).items():
        if key not in b.schemas or b.schemas[key] is None:
            continue  # a model no operation reaches
        b.used_overrides.add(("model_required_php", key))
        props = b.schemas[key]["properties"]
        fields = [f for f in fact["fields"] if f in props]
        if fields:
            b.schemas[key]["x-php-required"] = fields


def unused_overrides(b, overrides):
    out = []
    for section in ("types", "decimal", "wire_names", "operations", "java_only", "schema_names",
                    "java_schemas", "java_enums", "webhooks", "enum_values", "extra_fields"):
        for key in overrides.get(section, {}):
            if (section, key) not in b.used_overrides:
                out.append("[%s] %s" % (section, key))
    return out


# ---------------------------------------------------------------------------
# Webhooks


def build_webhooks(b, overrides):
    table = overrides.get("webhooks", {})
    classes = {}
    for module in iter_sdk_modules("request.notify"):
        for cls in own_classes(module):
            if cls is not AlipayNotify:  # AlipaySubscriptionNotify has no base class
                classes[qualname(cls)] = cls
    described = set()
    hooks = {}
    for name in sorted(table):
        spec = table[name]
        b.used_overrides.add(("webhooks", name))
        cls = classes.get(spec["python_class"])
        if cls is None:
            raise SpecError("webhook %s: no notification class %s" % (name, spec["python_class"]))
        described.add(qualname(cls))
        for extra in spec.get("also_parsed_by", []):
            described.add(extra)
        schema_name = b.describe_class(cls, "notify", spec.get("schema"))
        schema = b.schemas[schema_name]
        for extra in spec.get("also_parsed_by", []):
            add_parser_fields(b, schema_name, classes[extra])
        disc = spec["discriminator"]
        if "field" in disc:
            if disc["field"] not in schema["properties"]:
                raise SpecError("webhook %s: discriminator field %s not in %s"
                                % (name, disc["field"], schema_name))
            x_disc = {"field": disc["field"]}
        else:
            x_disc = {"notifyType": list(disc["notifyType"])}
        for part in spec["dedup_key"]:
            if not wire_path_exists(b, schema_name, part):
                raise SpecError("webhook %s: dedup key part %s not in %s" % (name, part, schema_name))
        # Fields the docs mark REQUIRED in the notification: the typed
        # payload requires them (a body without them is refused, not
        # acknowledged with an id missing).
        required = spec.get("required")
        if required:
            for f in required["fields"]:
                if f not in schema["properties"]:
                    raise SpecError("webhook %s: required field %s not in %s" % (name, f, schema_name))
            schema["required"] = list(required["fields"])
        hooks[name] = {"post": {
            "operationId": name,
            "x-area": spec["area"],
            "x-python-class": qualname(cls),
            "x-discriminator": x_disc,
            "x-dedup-key": list(spec["dedup_key"]),
            **({"x-python-also-parsed-by": list(spec["also_parsed_by"])}
               if spec.get("also_parsed_by") else {}),
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": b.ref(schema_name)}}},
            "responses": {"200": {"description": (
                "The merchant's acknowledgement: "
                "{\"result\":{\"resultCode\":\"SUCCESS\",\"resultStatus\":\"S\",\"resultMessage\":\"success\"}}")}},
        }}
        if spec.get("description"):
            hooks[name]["post"]["description"] = spec["description"]
    missing = sorted(set(classes) - described)
    if missing:
        raise SpecError("notification classes without a [webhooks] entry: " + ", ".join(missing))
    check_discriminators(b, hooks)
    return hooks


def add_parser_fields(b, schema_name, cls):
    """Adds the keys another SDK parser reads for the same notification
    (AlipaySubscriptionPayNotify reads notifyPayment plus subscription keys)."""
    schema = b.schemas[schema_name]
    for f in parser_fields(cls, Reach(cls, "notify")):
        if f.wire in schema["properties"]:
            continue
        t = b.field_type(cls, f, schema_name)
        prop = b.type_schema(t)
        if f.doc:
            prop["description"] = f.doc
        prop["x-only-parsed-by"] = qualname(cls)
        schema["properties"][f.wire] = prop


def check_discriminators(b, hooks):
    """notifyType values disjoint; a field discriminator occurs in no other
    webhook payload (so the receiver rule in spec/README.md is unambiguous)."""
    seen_types = {}
    for name, h in hooks.items():
        for v in h["post"]["x-discriminator"].get("notifyType", []):
            if v in seen_types:
                raise SpecError("notifyType %s claimed by %s and %s" % (v, seen_types[v], name))
            seen_types[v] = name
    for name, h in hooks.items():
        field = h["post"]["x-discriminator"].get("field")
        if not field:
            continue
        for other, oh in hooks.items():
            if other == name:
                continue
            ref = oh["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            if field in b.schemas[ref.rsplit("/", 1)[1]]["properties"]:
                raise SpecError("discriminator field %s of %s also occurs in %s" % (field, name, other))


# ---------------------------------------------------------------------------
# Reachability


def refs_in(node, out):
    if isinstance(node, dict):
        r = node.get("$ref")
        if isinstance(r, str):
            out.add(r.rsplit("/", 1)[1])
        for v in node.values():
            refs_in(v, out)
    elif isinstance(node, list):
        for v in node:
            refs_in(v, out)


def prune(schemas, paths, webhooks):
    todo = set()
    refs_in(paths, todo)
    refs_in(webhooks, todo)
    keep = set()
    while todo:
        n = todo.pop()
        if n in keep:
            continue
        keep.add(n)
        if schemas.get(n) is None:
            raise SpecError("schema %s is referenced but not described" % n)
        refs_in(schemas[n], todo)
    return {n: s for n, s in schemas.items() if n in keep}


# ---------------------------------------------------------------------------
# Output


def render(doc):
    return json.dumps(doc, indent=1, sort_keys=False, ensure_ascii=False) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="rebuild in memory and exit 1 if spec/antom.openapi.json differs")
    args = ap.parse_args(argv)
    sdk.sdk_version()
    try:
        text = render(build(load_overrides()))
    except SpecError as exc:
        sys.stderr.write("extract_spec: %s\n" % exc)
        return 2
    if args.check:
        try:
            with open(SPEC_FILE, encoding="utf-8") as f:
                old = f.read()
        except FileNotFoundError:
            old = ""
        if old == text:
            print("spec/antom.openapi.json is up to date (%d bytes)" % len(text.encode()))
            return 0
        diff = list(difflib.unified_diff(old.splitlines(), text.splitlines(),
                                         "committed", "extracted", n=1, lineterm=""))
        sys.stdout.write("\n".join(diff[:80]) + "\n")
        if len(diff) > 80:
            print("... %d more diff lines" % (len(diff) - 80))
        print("spec/antom.openapi.json is stale: re-run tests/interop/extract_spec.py")
        return 1
    os.makedirs(SPEC_DIR, exist_ok=True)
    with open(SPEC_FILE, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print("wrote %s (%d bytes)" % (os.path.relpath(SPEC_FILE, REPO_ROOT), len(text.encode())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
