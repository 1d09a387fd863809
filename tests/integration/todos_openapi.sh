#!/bin/bash
# todos_openapi.sh: src/openapi.json against the programs.  todos serves
# it at /api/openapi.json (the same JSON document); every route that
# `todos --routes` prints is in it; every todos operation in it is answered
# through nginx with one of its documented statuses, and OPTIONS on each
# todos path allows exactly the documented methods.  The document
# validates against the OpenAPI 3 schema with npm's
# @seriousme/openapi-schema-validator (installed once into a cache under
# $TMPDIR or /tmp; skipped, exit 77, without npm or a registry), and a
# broken copy does not.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/todos_env.sh"

ti_init
todos_start
DOC=$top_srcdir/src/openapi.json
A=$(tok alice)

call "served" GET /api/openapi.json ""
ti_expect_status 200
ti_expect_header Content-Type '^application/json'
ti_expect_true "served document equals src/openapi.json" /usr/bin/python3 -c '
import json, sys
sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2])))' \
    "$T/last.body" "$DOC"

# Route table -> document: the routes todos answers, as it prints them.
TI_CASE="route table"
"$top_builddir/cgi-bin/todos" --routes >"$T/routes.txt"
ti_expect_true "todos --routes exits 0" test $? = 0
/usr/bin/python3 - "$T/routes.txt" "$DOC" >"$T/routes.out" <<'PY'
import json, sys
lines, doc = open(sys.argv[1]).read().splitlines(), json.load(open(sys.argv[2]))
print("routes", len(lines))
for line in lines:
    m, p, where = line.split()
    p = p.replace("{uid}", "{user_id}")
    if m.lower() not in doc["paths"].get(p, {}):
        print("MISSING", m, p)
PY
ti_expect_true "route table read" grep -qE '^routes ([2-9][0-9])$' "$T/routes.out"
ti_expect_true "every route in the document: $(grep MISSING "$T/routes.out" | tr '\n' ' ')" \
    [ -z "$(grep MISSING "$T/routes.out")" ]

# Document -> server: each todos operation answered as documented.
TI_CASE="operations"
/usr/bin/python3 - "$DOC" "http://127.0.0.1:$TI_PORT" "$A" >"$T/ops.out" <<'PY'
import json, sys, urllib.request, urllib.error
doc, base, tok = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]

def req(method, path, body=None, auth=True):
    h = {"Authorization": "Bearer " + tok} if auth else {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    r = urllib.request.Request(base + path, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(r, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()

n = 0
for path, item in doc["paths"].items():
    ops = {m: o for m, o in item.items() if m in
           ("get", "put", "post", "patch", "delete")}
    if not any("todos" in o.get("tags", []) for o in ops.values()):
        continue
    for m, o in ops.items():
        p = path.replace("{user_id}", "alice")
        if "{id}" in p:
            s, _, b = req("POST", "/api/users/alice/todos", {"title": "t"})
            p = p.replace("{id}", str(json.loads(b)["id"]))
        body = {"title": "x"} if m in ("put", "post", "patch") else None
        s, h, b = req(m.upper(), p, body, auth=bool(o.get("security", [1])))
        n += 1
        if str(s) not in o["responses"] or s in (404, 405):
            print("BAD", m.upper(), path, s)
    s, h, b = req("OPTIONS", path.replace("{user_id}", "alice").replace("{id}", "1"))
    allow = {a.strip().lower() for a in h.get("Allow", "").split(",")}
    if allow - {"head", "options", ""} != set(ops):
        print("ALLOW", path, sorted(allow), sorted(ops))
print("ops", n)
PY
ti_expect_true "operations exercised" grep -qE '^ops ([2-9][0-9])$' "$T/ops.out"
ti_expect_true "every operation answered as documented: $(grep -E 'BAD|ALLOW' "$T/ops.out" | tr '\n' ' ')" \
    [ -z "$(grep -E 'BAD|ALLOW' "$T/ops.out")" ]

# Schema validation.
TI_CASE="schema"
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
	echo "SKIP: npm or node missing: schema validation not run"
	exit 77
fi
V=${TMPDIR:-/tmp}/ac-openapi-validator.$(id -u)
if [ ! -d "$V/node_modules/@seriousme/openapi-schema-validator" ]; then
	mkdir -p "$V"
	timeout 120 npm install --silent --no-audit --no-fund --prefix "$V" \
	    @seriousme/openapi-schema-validator@2 >"$T/npm.out" 2>&1 || {
		cat "$T/npm.out"
		echo "SKIP: cannot install @seriousme/openapi-schema-validator"
		exit 77
	}
fi
cat >"$V/validate.mjs" <<'JS'
import { Validator } from "@seriousme/openapi-schema-validator";
const v = new Validator();
const r = await v.validate(process.argv[2]);
console.log(r.valid ? "valid " + v.version : JSON.stringify(r.errors));
process.exit(r.valid ? 0 : 1);
JS
/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
del d["info"]
d["paths"]["/api/v1/me"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {"$ref": 5}
json.dump(d, open(sys.argv[2], "w"))' "$DOC" "$T/broken.json"
node "$V/validate.mjs" "$DOC" >"$T/valid.out" 2>&1
ti_expect_true "valid: $(head -c 600 "$T/valid.out")" \
    grep -q '^valid 3' "$T/valid.out"
refused()
{
	! node "$V/validate.mjs" "$1" >/dev/null
}
ti_expect_true "a broken copy is refused" refused "$T/broken.json"
ti_expect_logs_clean
ti_done
