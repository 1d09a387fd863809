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
# no CSP violation.  The page pins that version's two files by their
# Subresource Integrity hashes (checked against the files): a stand-in
# CDN serving a changed bundle gets nothing run.  /openapi.json answers
# the same document as /api/openapi.json.  Skipped without node 20+, npm
# or Chromium.
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

# The "CDN": Python's http.server on its own port, for the assets only,
# with Access-Control-Allow-Origin: * as CDNs send it (a cross-origin
# asset with an integrity hash is fetched in CORS mode).  A second one
# serves a copy whose bundle was changed by one comment line.
_cdn()
{
	exec /usr/bin/python3 -c 'import functools, http.server, sys
class H(http.server.SimpleHTTPRequestHandler):
	def end_headers(self):
		self.send_header("Access-Control-Allow-Origin", "*")
		super().end_headers()
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])),
    functools.partial(H, directory=sys.argv[2])).serve_forever()' \
	    "$TI_PORT" "$1"
}
ti_serve_aside assets ts_wait _cdn "$ASSETS"
APORT=$TI_ASIDE_PORT
mkdir -p "$T/tampered"
cp "$ASSETS/swagger-ui.css" "$ASSETS/swagger-ui-bundle.js" "$T/tampered/"
echo '/* changed */' >>"$T/tampered/swagger-ui-bundle.js"
ti_serve_aside tampered ts_wait _cdn "$T/tampered"
XPORT=$TI_ASIDE_PORT

ti_key "$T/jwt.key"
ti_config "$T/auth.conf" "JWT_SECRET_FILE=$T/jwt.key" \
    "DATABASE_URL=$T/auth.db" "AUTH_DOCS_ASSETS_URL=http://127.0.0.1:$APORT/"
chmod 600 "$T/auth.conf"
export AUTH_CONFIG=$T/auth.conf
"$AUTHCTL" db migrate >/dev/null || { echo "migrate failed"; exit 99; }
ti_spawn todos "$top_builddir/cgi-bin/todos" 1
# The site whose assets URL is the changed copy: a group of its own.
xsite()
{
	AUTH_DOCS_ASSETS_URL=http://127.0.0.1:$XPORT/ \
	    ti_spawn xdocs "$top_builddir/cgi-bin/todos" 1
	ti_route /api/ xdocs
	ti_route /docs xdocs
}
ti_group x xsite
TI_ROUTES=
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
# One version, pinned by Subresource Integrity: the hashes on the page
# are those of the files of the version the lock file pins.
sri() { echo "sha384-$(openssl dgst -sha384 -binary "$ASSETS/$1" | base64 -w0)"; }
TI_CASE="the assets carry their integrity hashes"
grep -qF "href=\"${A}swagger-ui.css\" integrity=\"$(sri swagger-ui.css)\" crossorigin=\"anonymous\"" "$T/last.body" &&
    grep -qF "src=\"${A}swagger-ui-bundle.js\" integrity=\"$(sri swagger-ui-bundle.js)\" crossorigin=\"anonymous\"" "$T/last.body" &&
    ti_pass || ti_fail "$(grep -E 'href=|src=' "$T/last.body")"
TI_CASE="the page names the version the lock file pins"
v=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["version"])' "$ASSETS/package.json")
grep -q "<!-- swagger-ui-dist $v -->" "$T/last.body" && ti_pass ||
    ti_fail "swagger-ui-dist $v" "$(grep -o 'swagger-ui-dist [0-9.]*' "$T/last.body")"
# The default AUTH_DOCS_ASSETS_URL (todos as plain CGI, no such setting).
ti_config "$T/default.conf" "JWT_SECRET_FILE=$T/jwt.key" "DATABASE_URL=$T/auth.db"
env -i AUTH_CONFIG="$T/default.conf" REQUEST_METHOD=GET REQUEST_URI=/docs \
    REMOTE_ADDR=127.0.0.1 "$top_builddir/cgi-bin/todos" </dev/null \
    >"$T/default.page" 2>>"$T/default-cgi.log"
TI_CASE="the default URL is that exact version, with the same hashes"
grep -qF "src=\"https://cdn.jsdelivr.net/npm/swagger-ui-dist@$v/swagger-ui-bundle.js\" integrity=\"$(sri swagger-ui-bundle.js)\"" "$T/default.page" &&
    ti_pass || ti_fail "$(grep -E 'src=' "$T/default.page")"
ti_request "GET /api/openapi.json" /api/openapi.json
cp "$T/last.body" "$T/api-openapi.json"
ti_request "GET /openapi.json" /openapi.json
ti_expect_status 200
ti_expect_header Content-Type '^application/json'
TI_CASE="/openapi.json is /api/openapi.json"
cmp -s "$T/last.body" "$T/api-openapi.json" && ti_pass || ti_fail differ
ti_request "AUTH_DOCS_ASSETS_URL empty: no page" /off/docs
ti_expect_status 404

# render URL NAME LOG: Chromium's DOM of URL in $T/NAME.html, its log
# in $T/LOG.
render()
{
	"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
	    --no-first-run --disable-background-networking \
	    --disable-component-update --disable-sync \
	    --user-data-dir="$T/$2.profile" --enable-logging=stderr --v=0 \
	    --virtual-time-budget=15000 --timeout=30000 \
	    --dump-dom "$1" >"$T/$2.html" 2>"$T/$3"
}
# Chromium renders it: every operation of the document on the page.
render "http://127.0.0.1:$TI_PORT/docs" dom chromium.log
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

# A changed bundle is not run: nothing rendered, and Chromium says why.
render "http://127.0.0.1:$PORT_x/docs" dom2 chromium2.log
TI_CASE="a changed bundle is refused by its integrity hash"
ti_expect_true "it was fetched" grep -q 'GET /swagger-ui-bundle.js' \
    "$T/tampered-stdout.log"
ti_expect_true "no operation on the page" test \
    "$(grep -o 'class="opblock opblock-[a-z]*' "$T/dom2.html" | wc -l)" = 0
ti_expect_true "Chromium names the integrity check" \
    grep -qi 'integrity' "$T/chromium2.log"
ti_done
