# openapi_check.py: checks one HTTP answer against the OpenAPI document
# (src/openapi.json) for lib.sh's ti_request.  Loaded once per test by
# lib.sh's evaluator (the Python that answers ti_json), never run alone.
#
# check(doc, method, path, status, headers_file, body_file, verify_mounts)
# returns "" when the answer fits, else what does not, in one line.  The
# schema checker is small and written here (no package needed): OpenAPI
# 3.0's subset the document uses -- $ref, type (with nullable), enum,
# required, properties, additionalProperties, items, oneOf, anyOf, allOf,
# minimum/maximum, minLength/maxLength, and the formats date-time, int64
# and int32.  Which answers are checked, and how, is in lib.sh's comment
# above ti_request.
import json
import re

_docs = {}

DATE_TIME = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
OPS = re.compile(r"^/_ops/(?:verify|refresh|jwks|todos)/(healthz|readyz|metrics)$")
# What a web server answers on its own (limits, a program that is down
# or overloaded); never a documented answer of the suite.
SERVER_OWN = {400, 404, 408, 413, 414, 429, 431, 494, 500, 502, 503, 504}


class Doc:
    def __init__(self, path):
        with open(path) as f:
            self.d = json.load(f)
        self.paths = []
        for tmpl, item in self.d["paths"].items():
            segs = tmpl.strip("/").split("/")
            self.paths.append((segs, tmpl, item))

    def ref(self, o):
        seen = 0
        while isinstance(o, dict) and "$ref" in o:
            node = self.d
            for part in o["$ref"].lstrip("#/").split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            o = node
            seen += 1
            if seen > 20:
                raise ValueError("$ref loop")
        return o

    def match(self, path):
        """The template PATH fits; literal segments win over parameters
        (earliest segment first), as OpenAPI says."""
        segs = path.strip("/").split("/")
        best = None
        for tsegs, tmpl, item in self.paths:
            if len(tsegs) != len(segs):
                continue
            key = []
            for t, s in zip(tsegs, segs):
                if t.startswith("{") and t.endswith("}"):
                    if s == "":
                        break
                    key.append(1)
                elif t == s:
                    key.append(0)
                else:
                    break
            else:
                if best is None or key < best[0]:
                    best = (key, tmpl, item)
        return (best[1], best[2]) if best else (None, None)


def _type_ok(v, t):
    if t == "object":
        return isinstance(v, dict)
    if t == "array":
        return isinstance(v, list)
    if t == "string":
        return isinstance(v, str)
    if t == "boolean":
        return isinstance(v, bool)
    if t == "integer":
        return isinstance(v, int) and not isinstance(v, bool)
    if t == "number":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    return True


def validate(doc, schema, v, where="body"):
    """The first mismatch of V against SCHEMA, or None."""
    s = doc.ref(schema)
    if v is None:
        if s.get("nullable") or not s.get("type") and not any(
                k in s for k in ("oneOf", "anyOf", "allOf", "enum")):
            return None
        return "%s: null where %s is not nullable" % (where, s.get("type",
                                                                  "a value"))
    for sub in s.get("allOf", []):
        e = validate(doc, sub, v, where)
        if e:
            return e
    if "oneOf" in s or "anyOf" in s:
        alts = s.get("oneOf", s.get("anyOf"))
        errs = [validate(doc, a, v, where) for a in alts]
        fits = errs.count(None)
        if fits == 0:
            return "%s fits none of %d schemas (%s)" % (
                where, len(alts), "; ".join(errs))
        if "oneOf" in s and fits > 1:
            return "%s fits %d of oneOf's schemas" % (where, fits)
    t = s.get("type")
    if t and not _type_ok(v, t):
        return "%s: %s where %s is documented" % (
            where, type(v).__name__ if not isinstance(v, bool) else "boolean",
            t)
    if "enum" in s and v not in s["enum"]:
        return "%s: %s not in enum %s" % (where, json.dumps(v),
                                          json.dumps(s["enum"]))
    if isinstance(v, str):
        f = s.get("format")
        if f == "date-time" and not DATE_TIME.match(v):
            return "%s: %s is not a date-time (RFC 3339)" % (
                where, json.dumps(v))
        if "minLength" in s and len(v) < s["minLength"]:
            return "%s: shorter than %d" % (where, s["minLength"])
        if "maxLength" in s and len(v) > s["maxLength"]:
            return "%s: longer than %d" % (where, s["maxLength"])
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        f = s.get("format")
        if f == "int64" and not -2**63 <= v < 2**63 or \
                f == "int32" and not -2**31 <= v < 2**31:
            return "%s: %s out of %s" % (where, v, f)
        if "minimum" in s and v < s["minimum"]:
            return "%s: %s below the minimum %s" % (where, v, s["minimum"])
        if "maximum" in s and v > s["maximum"]:
            return "%s: %s above the maximum %s" % (where, v, s["maximum"])
    if isinstance(v, dict):
        props = s.get("properties", {})
        for k in s.get("required", []):
            if k not in v:
                return "%s: required property %s missing" % (where, k)
        extra = s.get("additionalProperties", True)
        for k, x in v.items():
            if k in props:
                e = validate(doc, props[k], x, "%s.%s" % (where, k))
                if e:
                    return e
            elif extra is False:
                return "%s: property %s not documented" % (where, k)
            elif isinstance(extra, dict):
                e = validate(doc, extra, x, "%s.%s" % (where, k))
                if e:
                    return e
    if isinstance(v, list) and "items" in s:
        for i, x in enumerate(v):
            e = validate(doc, s["items"], x, "%s[%d]" % (where, i))
            if e:
                return e
    return None


def _headers(path):
    """The last header block's fields (lower-case names) of a curl -D
    file: interim 1xx answers and redirects come before it."""
    blocks, cur = [], {}
    try:
        with open(path, encoding="latin-1") as f:
            for line in f:
                line = line.rstrip("\r\n")
                if line.startswith("HTTP/"):
                    cur = {}
                    blocks.append(cur)
                elif ":" in line:
                    k, x = line.split(":", 1)
                    cur.setdefault(k.strip().lower(), x.strip())
    except OSError:
        pass
    return blocks[-1] if blocks else {}


def _body(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return b""


def _error_only(doc, hdrs, body, route):
    """An answer of the suite outside the document's operations: its body,
    if any, is the document's error (components/schemas/ErrorBody)."""
    if not body:
        return ""
    ct = hdrs.get("content-type", "").split(";")[0].strip()
    if ct != "application/json":
        return "%s: Content-Type %s, not the error's application/json" % (
            route, ct or "absent")
    try:
        j = json.loads(body)
    except ValueError:
        return "%s: body is not JSON" % route
    e = validate(doc, {"$ref": "#/components/schemas/ErrorBody"}, j)
    return "%s: %s" % (route, e) if e else ""


def check(docpath, method, path, status, headers_file, body_file,
          verify_mounts):
    if docpath not in _docs:
        _docs[docpath] = Doc(docpath)
    doc = _docs[docpath]
    try:
        status = int(status)
    except ValueError:
        return ""               # curl failed: the test's own checks say so
    path = path.split("?", 1)[0].split("#", 1)[0]
    # etc/nginx's operations location hands /_ops/PROGRAM/NAME to the
    # program as /NAME.
    m = OPS.match(path)
    if m:
        path = "/" + m.group(1)
    method = method.upper()
    hdrs = _headers(headers_file)
    body = _body(body_file) if method != "HEAD" else b""
    ours = "x-request-id" in hdrs
    tmpl, item = doc.match(path)
    if tmpl is None:
        for m in verify_mounts.split():
            if path == m or path.startswith(m.rstrip("/") + "/"):
                tmpl, item = "/verify", doc.d["paths"]["/verify"]
                break
    route = "%s %s" % (method, tmpl or path)
    if not ours:
        # The web server's own answer (no program of the suite set its
        # X-Request-Id): its limits and its gateway errors only, on a
        # documented path; anything elsewhere is not the suite's.
        if tmpl is not None and status not in SERVER_OWN:
            return "%s: %d without X-Request-Id (not from a program of " \
                "the suite)" % (route, status)
        return ""
    ct = hdrs.get("content-type", "").split(";")[0].strip().lower()
    if tmpl is None and body and ct != "application/json":
        # The content a check protects, or the server's own page after
        # verify's answer as a FastCGI Authorizer (Apache and lighttpd
        # pass that answer's headers on, X-Request-Id too).
        return ""
    if tmpl is None:
        if status == 404 or method == "OPTIONS":
            return _error_only(doc, hdrs, body, "%s %d" % (route, status))
        # Anything else there can only be verify's answer, on a path an
        # example configuration mounts it at (auth_request, Authorizer).
        tmpl, item = "/verify", doc.d["paths"]["/verify"]
        route = "%s %s (as verify's /verify)" % (method, path)
    if tmpl == "/verify":
        op = item["get"]        # verify answers any method
    else:
        op = item.get("head" if method == "HEAD" else method.lower())
        if op is None and method == "HEAD":
            op = item.get("get")
    if op is None:
        if method == "OPTIONS" and status in (200, 204):
            return ""
        if status == 405:
            if "allow" not in hdrs:
                return "%s 405 without Allow" % route
            return _error_only(doc, hdrs, body, "%s 405" % route)
        return "%s: %d, but the document has no %s here (405 expected)" % (
            route, status, method)
    resps = op.get("responses", {})
    resp = resps.get(str(status)) or resps.get("%dXX" % (status // 100)) \
        or resps.get("default")
    if resp is None:
        return "%s: status %d not documented (documented: %s)" % (
            route, status, " ".join(sorted(resps)))
    resp = doc.ref(resp)
    content = resp.get("content")
    if not content:
        if body:
            return "%s %d: a body (%s, %d bytes) where the document has " \
                "none" % (route, status, ct or "no Content-Type", len(body))
        return ""
    if ct not in content:
        if method == "HEAD" and not ct:
            return ""
        return "%s %d: Content-Type %s, documented %s" % (
            route, status, ct or "absent", " ".join(sorted(content)))
    if method == "HEAD":
        return ""
    schema = content[ct].get("schema")
    if ct.endswith("json") and schema is not None:
        try:
            j = json.loads(body)
        except ValueError:
            return "%s %d: body is not JSON" % (route, status)
        e = validate(doc, schema, j)
        if e:
            return "%s %d: %s" % (route, status, e)
    return ""
