#!/bin/bash
# etc_nginx.sh: nginx (Debian's) with etc/nginx/jwt-auth.conf and the
# programs started by etc/spawn-fcgi/jwt-auth.sh.  auth_request guards
# the static folder /private/ and the application /app/: the file is
# served with a valid token, refused without one or with a bad one; the
# application receives the subject and claims from nginx and cannot be
# fooled by headers the client sends.  verify also answers at
# /api/auth/verify and RFC 7662 introspection at /api/auth/introspect,
# over kept FastCGI connections.
. "$(dirname "$0")/lib.sh"

ti_init nginx
ts_setup
cp "$top_builddir/cgi-bin/refresh" "$T/bin/"
"$AUTHCTL" db migrate >/dev/null || { echo "migrate failed"; exit 99; }
ts_start_programs verify jwks refresh
ts_nginx

ts_expect_private_ok
ti_expect_header X-Auth-Subject '^alice$'
ts_expect_private_refused
ts_expect_required

# verify says 400 for a malformed header; auth_request would make that
# a 500, so the subrequest (AUTH_REQUEST) gets a 401.
ti_request "private, malformed header" /private/page.txt \
    -H "Authorization: Bearer a b"
ti_expect_status 401

ti_request "app, valid token" /app/x -H "Authorization: Bearer $TS_GOOD"
ti_expect_status 200
ti_expect_true "back end got subject and claims, not the token" \
    grep -qx "sub=alice email=alice@example.com role=admin authz=" \
    "$T/last.body"

ti_request "app, forged headers are replaced" /app/x \
    -H "Authorization: Bearer $TS_GOOD" -H "X-Auth-Subject: root" \
    -H "X-Auth-Claim-Role: superuser"
ti_expect_status 200
ti_expect_true "back end got the token's subject" \
    grep -qx "sub=alice email=alice@example.com role=admin authz=" \
    "$T/last.body"

ti_request "app, bad token and a forged subject" /app/x \
    -H "Authorization: Bearer $TS_BAD" -H "X-Auth-Subject: alice"
ti_expect_status 401
ti_expect_true "back end not reached" sh -c "! grep -q 'sub=' '$T/last.body'"

# Debian's fastcgi_params passes HTTP_HOST without the port: a page of
# this site on its port still counts as the site itself (cookie.c).
ti_request "login from the site's own origin" /api/auth/login \
    -H "Origin: http://127.0.0.1:$TI_PORT" -H 'Content-Type: application/json' \
    --data '{"email":"nobody@example.com","password":"wrong-password"}'
ti_expect_status 401
ti_request "login from another origin" /api/auth/login \
    -H "Origin: http://127.0.0.1:1" -H 'Content-Type: application/json' \
    --data '{"email":"nobody@example.com","password":"wrong-password"}'
ti_expect_status 403

ts_expect_account javascript

ti_request "responder" /api/auth/verify -H "Authorization: Bearer $TS_GOOD"
ti_expect_status 200
ti_expect_header X-Auth-Subject '^alice$'
ti_expect_header X-Auth-Claim-Email '^alice@example.com$'
ti_expect_json 'j["sub"]' alice

# RFC 7662 introspection.
ti_request "introspect, active" /api/auth/introspect \
    -u "backend:$TS_CLIENT_SECRET" --data-urlencode "token=$TS_GOOD"
ti_expect_status 200
ti_expect_header Cache-Control 'no-store'
ti_expect_json 'j["active"]' true
ti_expect_json 'j["sub"]' alice
ti_expect_json 'j["email"]' alice@example.com
ti_expect_json 'j["token_type"]' access_token
ti_expect_json 'isinstance(j["exp"], int) and isinstance(j["iat"], int)' true

for t in "$TS_BAD" "$TS_NONE" "garbage" "a.b.c"; do
	ti_request "introspect, inactive ${t:0:12}" /api/auth/introspect \
	    -u "backend:$TS_CLIENT_SECRET" --data-urlencode "token=$t"
	ti_expect_status 200
	ti_expect_header Cache-Control 'no-store'
	ti_expect_json 'j' '{"active": false}'
done

ti_request "introspect, token_type_hint ignored" /api/auth/introspect \
    -u "backend:$TS_CLIENT_SECRET" \
    -d "token=$TS_GOOD&token_type_hint=access_token"
ti_expect_json 'j["active"]' true

ti_request "introspect, wrong secret" /api/auth/introspect \
    -u "backend:${TS_CLIENT_SECRET}x" --data-urlencode "token=$TS_GOOD"
ti_expect_error 401 client_invalid
ti_expect_header WWW-Authenticate '^Basic realm="introspection"'
ti_expect_true "no claims for an unknown client" \
    sh -c "! grep -q alice '$T/last.body'"

ti_request "introspect, wrong client id" /api/auth/introspect \
    -u "other:$TS_CLIENT_SECRET" --data-urlencode "token=$TS_GOOD"
ti_expect_error 401 client_invalid

ti_request "introspect, bearer instead of Basic" /api/auth/introspect \
    -H "Authorization: Bearer $TS_GOOD" --data-urlencode "token=$TS_GOOD"
ti_expect_error 401 client_invalid
ti_expect_header WWW-Authenticate '^Basic '

ti_request "introspect, no credentials" /api/auth/introspect \
    --data-urlencode "token=$TS_GOOD"
ti_expect_error 401 client_invalid

ti_request "introspect, no token parameter" /api/auth/introspect \
    -u "backend:$TS_CLIENT_SECRET" -d "foo=bar"
ti_expect_status 400

ti_request "introspect, JSON body" /api/auth/introspect \
    -u "backend:$TS_CLIENT_SECRET" -H "Content-Type: application/json" \
    -d "{\"token\":\"$TS_GOOD\"}"
ti_expect_status 415

ti_request "introspect, GET" /api/auth/introspect \
    -u "backend:$TS_CLIENT_SECRET"
ti_expect_status 405
ti_expect_header Allow 'POST'

# Operations paths of the example (with nginx's $request_id as the
# request id); a guarded page named healthz is still guarded.
ti_request "ops, verify healthz" /_ops/verify/healthz
ti_expect_status 200
ti_expect_json 'j["status"]' ok
ti_expect_header X-Request-Id '^[0-9a-f]{32}$'
ti_request "ops, jwks readyz" /_ops/jwks/readyz
ti_expect_status 200
ti_expect_json 'j["checks"]["keys"]' ok
ti_request "ops, unknown program" /_ops/nope/healthz
ti_expect_status 404
echo "guarded" >"$T/www/private/healthz"
ti_request "private/healthz still needs a token" /private/healthz
ti_expect_status 401

ti_expect_logs_clean
ti_expect_no_secret "$T/verify.log" "$TS_GOOD" "$TS_CLIENT_SECRET"
ti_done
