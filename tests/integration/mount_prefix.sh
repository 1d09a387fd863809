#!/bin/bash
# mount_prefix.sh: the suite mounted under /auth behind nginx, with
# AUTH_BASE_PATH=/auth.  nginx's stock parameters pass SCRIPT_NAME as the
# whole URI and no PATH_INFO; the programs take /auth off REQUEST_URI.
# Login, refresh and logout (the cookie's Path is /auth/api/auth), todos
# (Location under /auth), /api/v1/me, /docs (its spec URL and CSP),
# the OpenAPI servers URL, the RFC 8414 metadata URLs and /healthz, all
# under /auth; and AUTH_BASE_PATH values that are no path refused.
. "$(dirname "$0")/lib.sh"

ti_init nginx
ti_auth_setup "$T/auth.db" AUTH_BASE_PATH=/auth/ JWT_ISSUER=https://id.example
ti_user alice@example.com pw-of-alice-123
ti_spawn refresh "$top_builddir/cgi-bin/refresh"
ti_spawn todos "$top_builddir/cgi-bin/todos"
ti_spawn jwks "$top_builddir/cgi-bin/jwks"
ti_route /auth/api/auth/ refresh
ti_route /auth/api/ todos
ti_route /auth/docs todos
ti_route /auth/healthz todos
ti_route /auth/.well-known/ jwks
TI_MOUNTS=/auth
ti_nginx
ORIGIN="http://127.0.0.1:$TI_PORT"
cookie_tok() { ti_header Set-Cookie | sed -n 's/^refreshToken=\([^;]*\);.*/\1/p'; }

ti_request "login under /auth" /auth/api/auth/login -X POST \
    -H 'Content-Type: application/json' -H "Origin: $ORIGIN" \
    --data '{"email":"alice@example.com","password":"pw-of-alice-123"}'
ti_expect_status 200
ti_expect_header Set-Cookie '^refreshToken=[A-Za-z0-9_-]{43}; Max-Age=604800; Path=/auth/api/auth; HttpOnly; SameSite=Strict$'
R0=$(cookie_tok)
AT=$(ti_json 'j["accessToken"]')

ti_request "refresh under /auth" /auth/api/auth/refresh -X POST \
    -H "Origin: $ORIGIN" -H "Cookie: refreshToken=$R0"
ti_expect_status 200
ti_expect_header Set-Cookie '^refreshToken=[A-Za-z0-9_-]{43}; Max-Age=604800; Path=/auth/api/auth; HttpOnly; SameSite=Strict$'
R1=$(cookie_tok)
AT=$(ti_json 'j["accessToken"]')
ti_expect_true "the refresh token rotated" test -n "$R1" -a "$R1" != "$R0"

ti_request "me under /auth" /auth/api/v1/me -H "Authorization: Bearer $AT"
ti_expect_status 200
uid=$(ti_json 'j["user_id"]')

ti_request "create under /auth" "/auth/api/users/$uid/todos" -X POST \
    -H "Authorization: Bearer $AT" -H 'Content-Type: application/json' \
    -d '{"title":"under a prefix"}'
ti_expect_status 201
ti_expect_header Location "^/auth/api/users/$uid/todos/[0-9]+$"
loc=$(ti_header Location)
ti_request "read the Location" "$loc" -H "Authorization: Bearer $AT"
ti_expect_status 200
ti_expect_json 'j["title"]' "under a prefix"
ti_request "list, with a query naming /auth" "/auth/api/users/$uid/todos?limit=5&x=/auth" \
    -H "Authorization: Bearer $AT"
ti_expect_status 200
ti_expect_json 'len(j)' 1
ti_request "another's todos under /auth" /auth/api/users/someone-else/todos \
    -H "Authorization: Bearer $AT"
ti_expect_error 403 forbidden
ti_request "unknown path under /auth" /auth/api/v1/nope \
    -H "Authorization: Bearer $AT"
ti_expect_error 404 not_found

ti_request "OpenAPI under /auth" /auth/api/openapi.json
ti_expect_status 200
ti_expect_json 'j["servers"][0]["url"]' /auth
ti_request "docs under /auth" /auth/docs
ti_expect_status 200
ti_expect_true "the page loads the document under /auth" \
    grep -q 'url: "/auth/api/openapi.json"' "$T/last.body"
# The CSP names the inline script by its hash: the one on the page.
script=$(sed -n 's|^<script>\(.*\)</script>$|\1|p' "$T/last.body")
hash=$(printf '%s' "$script" | openssl dgst -sha256 -binary | base64 -w0 |
    sed 's/[+]/[+]/g')
ti_expect_header Content-Security-Policy "'sha256-$hash'"

ti_request "metadata under /auth" /auth/.well-known/oauth-authorization-server
ti_expect_status 200
ti_expect_json 'j["jwks_uri"]' https://id.example/auth/.well-known/jwks.json
ti_expect_json 'j["token_endpoint"]' https://id.example/auth/api/auth/refresh
ti_request "jwks under /auth" /auth/.well-known/jwks.json
ti_expect_status 200
ti_request "healthz under /auth" /auth/healthz
ti_expect_status 200
ti_expect_json 'j["status"]' ok
ti_request "readyz under /auth" /auth/api/readyz
ti_expect_status 404

ti_request "logout under /auth" /auth/api/auth/logout -X POST \
    -H "Origin: $ORIGIN" -H "Cookie: refreshToken=$R1"
ti_expect_status 204
ti_expect_header Set-Cookie '^refreshToken=; Max-Age=0; Path=/auth/api/auth;'
ti_request "refresh after logout" /auth/api/auth/refresh -X POST \
    -H "Origin: $ORIGIN" -H "Cookie: refreshToken=$R1"
ti_expect_status 401

# Not a path: refused at start-up, each with its reason.
TI_CASE="AUTH_BASE_PATH values"
for bad in auth /a/../b /a//b '/a b' '/a;Path=/' /.hidden; do
	ti_expect_true "AUTH_BASE_PATH=$bad is refused" sh -c \
	    'AUTH_BASE_PATH="$1" "$2" check-config 2>&1 | grep -q "AUTH_BASE_PATH: a path"' \
	    _ "$bad" "$AUTHCTL"
done
ti_expect_true "AUTH_BASE_PATH=/ is the root" sh -c \
    'AUTH_BASE_PATH=/ "$1" check-config >/dev/null 2>&1' _ "$AUTHCTL"
ti_done
