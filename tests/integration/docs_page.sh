#!/bin/bash
# docs_page.sh: GET /docs, the API reference page (todos, through nginx),
# shown by a real headless Chromium.
#
# The Swagger UI assets (swagger-ui-dist, version pinned by
# swagger_ui/package-lock.json, installed with npm ci into a cache outside
# the tree) are served by a second server on 127.0.0.1 standing for a
# CDN, and AUTH_DOCS_ASSETS_URL points at it.  /docs answers HTML whose
# Content-Security-Policy allows exactly that URL, the page's one inline
# script (by its SHA-256) and requests to the site; Chromium renders the
# operations of /api/openapi.json with it (the inline script blocked, or
# the assets refused, would leave no operation on the page) and reports
# no CSP violation.  /openapi.json answers the same document as
# /api/openapi.json.  Skipped without node 20+, npm or Chromium.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
here=$(dirname "$0")
. "$here/lib.sh"

ti_init
ti_need nginx
[ -x /usr/bin/python3 ] || ti_skip "/usr/bin/python3 is needed"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] ||
    ti_skip "Chromium not installed ($CHROMIUM; apt-get install chromium)"
. "$here/lib_better_auth.sh"
SRC=$top_srcdir/tests/integration/swagger_ui
ba_install
ASSETS=$BA_MODULES/swagger-ui-dist
[ -f "$ASSETS/swagger-ui-bundle.js" ] || { echo "no swagger-ui-bundle.js"; exit 99; }

# The "CDN": Python's http.server on its own port, for the assets only.
ti_http_dir assets "$ASSETS"
APORT=$TI_ASIDE_PORT

ti_key "$T/jwt.key"
ti_config "$T/auth.conf" "JWT_SECRET_FILE=$T/jwt.key" \
    "DATABASE_URL=$T/auth.db" "AUTH_DOCS_ASSETS_URL=http://127.0.0.1:$APORT/"
chmod 600 "$T/auth.conf"
export AUTH_CONFIG=$T/auth.conf
"$AUTHCTL" db migrate >/dev/null || { echo "migrate failed"; exit 99; }
ti_spawn todos "$top_builddir/cgi-bin/todos" 1
AUTH_DOCS_ASSETS_URL= ti_spawn nodocs "$top_builddir/cgi-bin/todos" 1
ti_route /api/ todos
ti_route /docs todos
ti_route /openapi.json todos
ti_route /off/ nodocs
ti_nginx

ti_request "GET /docs" /docs
ti_expect_status 200
ti_expect_header Content-Type '^text/html; charset=utf-8$'
hash=$(sed -n 's/.*<script>\(.*\)<\/script>.*/\1/p' "$T/last.body" |
    tr -d '\n' | openssl dgst -sha256 -binary | base64)
A="http://127.0.0.1:$APORT/"
want="default-src 'none'; script-src $A 'sha256-$hash'; style-src $A; img-src $A data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
TI_CASE="the page's CSP allows exactly the assets' URL and its script"
got=$(ti_header Content-Security-Policy)
[ "$got" = "$want" ] && ti_pass || ti_fail "CSP" "$want" "$got"
TI_CASE="one Content-Security-Policy header, the page's"
[ "$(grep -ci '^content-security-policy:' "$T/last.headers")" = 1 ] &&
    ti_pass || ti_fail "$(grep -i '^content-security-policy:' "$T/last.headers")"
TI_CASE="the page loads the assets from AUTH_DOCS_ASSETS_URL"
grep -q "href=\"${A}swagger-ui.css\"" "$T/last.body" &&
    grep -q "src=\"${A}swagger-ui-bundle.js\"" "$T/last.body" && ti_pass ||
    ti_fail "$(cat "$T/last.body")"
ti_request "GET /api/openapi.json" /api/openapi.json
cp "$T/last.body" "$T/api-openapi.json"
ti_request "GET /openapi.json" /openapi.json
ti_expect_status 200
ti_expect_header Content-Type '^application/json'
TI_CASE="/openapi.json is /api/openapi.json"
cmp -s "$T/last.body" "$T/api-openapi.json" && ti_pass || ti_fail differ
ti_request "AUTH_DOCS_ASSETS_URL empty: no page" /off/docs
ti_expect_status 404

# Chromium renders it: every operation of the document on the page.
"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync \
    --user-data-dir="$T/chromium" --enable-logging=stderr --v=0 \
    --virtual-time-budget=15000 --timeout=30000 \
    --dump-dom "http://127.0.0.1:$TI_PORT/docs" >"$T/dom.html" \
    2>"$T/chromium.log"
ops=$(grep -o 'class="opblock opblock-[a-z]*' "$T/dom.html" | wc -l)
want=$(/usr/bin/python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(sum(1 for p in d["paths"].values() for m in p
    if m in ("get", "put", "post", "delete", "patch", "head", "options")))' \
    "$T/api-openapi.json")
echo "Chromium: $ops operations on the page, $want in the document"
TI_CASE="Chromium shows every operation of the document"
[ "$ops" -eq "$want" ] && [ "$want" -gt 10 ] && ti_pass ||
    ti_fail "$ops of $want; $(tail -n 5 "$T/chromium.log")"
TI_CASE="Chromium saw no Content-Security-Policy violation"
grep -qi 'Content Security Policy' "$T/chromium.log" &&
    ti_fail "$(grep -i 'Content Security Policy' "$T/chromium.log" | head -n 3)" ||
    ti_pass
TI_CASE="the assets came from the stand-in CDN"
grep -q 'GET /swagger-ui-bundle.js' "$T/assets-stdout.log" && ti_pass ||
    ti_fail "$(cat "$T/assets-stdout.log")"
ti_done
