#!/bin/bash
# refresh_csrf.sh: the cookie endpoints refuse what another site can make
# a browser send (issue 10, item 6): a refresh or logout that relies on
# the cookie needs an Origin that is the site itself or in
# ALLOWED_ORIGINS (or, without Origin, Sec-Fetch-Site: same-origin), and
# login takes JSON only; each refusal is 403 cross_site_refused with a
# detail, and changes nothing.  Over https the cookie is
# __Host-refreshToken (Secure, Path=/) unless AUTH_COOKIE_NAME says
# otherwise (the programs answer plain CGI, which shows it without TLS).
. "$(dirname "$0")/lib.sh"

ti_init sqlite3
ti_auth_setup "$T/auth.db" "LOG_LEVEL=info" \
    "ALLOWED_ORIGINS=https://app.example, https://admin.example"
ti_user gil@example.com pw-of-gil-1234
ti_spawn auth "$top_builddir/cgi-bin/refresh" 1
ti_route /api/auth/ auth
ti_nginx

SELF="http://127.0.0.1:$TI_PORT"
CRED='{"email":"gil@example.com","password":"pw-of-gil-1234"}'
cookie_tok() { ti_header Set-Cookie | sed -n 's/^refreshToken=\([^;]*\);.*/\1/p'; }
refused() {
	ti_expect_status 403
	ti_expect_json 'j["error"]["reason"]' cross_site_refused
	ti_expect_json '[d["field"] for d in j["error"]["details"]]' "[\"$1\"]"
	ti_expect_no_header Set-Cookie
}
rows() { sqlite3 "$T/auth.db" 'SELECT count(*), sum(rotated IS NOT NULL),
    sum(revoked IS NOT NULL) FROM refresh_tokens'; }

ti_request "login from the site" /api/auth/login -X POST \
    -H 'Content-Type: application/json' -H "Origin: $SELF" --data "$CRED"
ti_expect_status 200
R=$(cookie_tok)
before=$(rows)

# --- refresh by cookie -------------------------------------------------------
ti_request "refresh: text/plain from another site" /api/auth/refresh -X POST \
    -H 'Content-Type: text/plain' -H 'Origin: https://evil.test' \
    -H "Cookie: refreshToken=$R" --data 'x'
refused Origin
ti_request "refresh: no Origin, no Sec-Fetch-Site" /api/auth/refresh -X POST \
    -H "Cookie: refreshToken=$R"
refused Origin
ti_request "refresh: Sec-Fetch-Site cross-site" /api/auth/refresh -X POST \
    -H 'Sec-Fetch-Site: cross-site' -H "Cookie: refreshToken=$R"
refused Origin
ti_request "refresh: Origin null (sandboxed page)" /api/auth/refresh -X POST \
    -H 'Origin: null' -H "Cookie: refreshToken=$R"
refused Origin
ti_request "refresh: a sibling subdomain" /api/auth/refresh -X POST \
    -H 'Origin: https://evil.app.example' -H "Cookie: refreshToken=$R"
refused Origin
ti_request "refresh: the site's host over the other scheme" \
    /api/auth/refresh -X POST -H "Origin: https://127.0.0.1:$TI_PORT" \
    -H "Cookie: refreshToken=$R"
refused Origin
ti_expect_true "nothing rotated or revoked" test "$(rows)" = "$before"

ti_request "refresh: the site itself" /api/auth/refresh -X POST \
    -H "Origin: $SELF" -H "Cookie: refreshToken=$R"
ti_expect_status 200
R=$(cookie_tok)
ti_request "refresh: an allowed origin" /api/auth/refresh -X POST \
    -H 'Origin: https://admin.example' -H "Cookie: refreshToken=$R"
ti_expect_status 200
ti_expect_header Access-Control-Allow-Origin '^https://admin.example$'
R=$(cookie_tok)
ti_request "refresh: no Origin but Sec-Fetch-Site: same-origin" \
    /api/auth/refresh -X POST -H 'Sec-Fetch-Site: same-origin' \
    -H "Cookie: refreshToken=$R"
ti_expect_status 200
R=$(cookie_tok)
ti_request "refresh: a body token needs no Origin (not a cookie)" \
    /api/auth/refresh -X POST -H 'Content-Type: application/json' \
    --data "{\"refreshToken\":\"$R\"}"
ti_expect_status 200
R=$(ti_json 'j["refreshToken"]')

# --- logout by cookie --------------------------------------------------------
before=$(rows)
ti_request "logout from another site" /api/auth/logout -X POST \
    -H 'Origin: https://evil.test' -H "Cookie: refreshToken=$R"
refused Origin
ti_expect_true "the session stays" test "$(rows)" = "$before"
ti_request "logout from the site" /api/auth/logout -X POST \
    -H "Origin: $SELF" -H "Cookie: refreshToken=$R"
ti_expect_status 204

# --- login: JSON only, and no foreign Origin ---------------------------------
ti_request "login: a form" /api/auth/login -X POST \
    --data-urlencode email=gil@example.com \
    --data-urlencode password=pw-of-gil-1234
refused Content-Type
ti_request "login: text/plain holding JSON" /api/auth/login -X POST \
    -H 'Content-Type: text/plain' --data "$CRED"
refused Content-Type
ti_request "login: JSON from another site" /api/auth/login -X POST \
    -H 'Content-Type: application/json' -H 'Origin: https://evil.test' \
    --data "$CRED"
refused Origin
ti_request "login: JSON without Origin (not a browser)" /api/auth/login \
    -X POST -H 'Content-Type: application/json' --data "$CRED"
ti_expect_status 200

# --- the cookie's name over https (plain CGI: HTTPS=on) ----------------------
cgi() {
	printf '%s' "$CRED" >"$T/cgi.body"
	env -i AUTH_CONFIG="$T/cgi.conf" REQUEST_METHOD=POST \
	    REQUEST_URI=/api/auth/login CONTENT_TYPE=application/json \
	    CONTENT_LENGTH="$(wc -c <"$T/cgi.body")" HTTPS=on \
	    HTTP_HOST=auth.example HTTP_ORIGIN=https://auth.example \
	    REMOTE_ADDR=127.0.0.2 "$@" "$top_builddir/cgi-bin/refresh" \
	    <"$T/cgi.body" 2>>"$T/cgi.log" | tr -d '\r' >"$T/cgi.out"
}
grep -v '^AUTH_COOKIE_SECURE' "$T/auth.conf" >"$T/cgi.conf"
chmod 600 "$T/cgi.conf"
TI_CASE="https cookie"
cgi
ti_expect_true "__Host-refreshToken, Secure, Path=/ over https" grep -Eq \
    '^Set-Cookie: __Host-refreshToken=[A-Za-z0-9_-]{43}; Max-Age=604800; Path=/; HttpOnly; Secure; SameSite=Strict$' \
    "$T/cgi.out"
echo "AUTH_COOKIE_NAME=sid" >>"$T/cgi.conf"
cgi
ti_expect_true "AUTH_COOKIE_NAME wins" grep -Eq \
    '^Set-Cookie: sid=[A-Za-z0-9_-]{43}; Max-Age=604800; Path=/api/auth; HttpOnly; Secure; SameSite=Strict$' \
    "$T/cgi.out"
ti_expect_true "a __Host- name without Secure is refused at start-up" sh -c \
    "printf 'AUTH_COOKIE_NAME=__Host-x\nAUTH_COOKIE_SECURE=false\n' >>'$T/cgi.conf'; ! AUTH_CONFIG='$T/cgi.conf' '$AUTHCTL' check-config >/dev/null 2>&1"
ti_expect_logs_clean
ti_done
