#!/bin/bash
# etc_lighttpd.sh: lighttpd (Debian's) with etc/lighttpd/jwt-auth.conf and
# the programs started by etc/spawn-fcgi/jwt-auth.sh.  verify answers as
# a responder at /api/auth/verify and guards the static folder /private/
# in the FastCGI Authorizer role: the file is served with a valid token,
# refused without one or with a bad one, and a CGI script in the folder
# sees the subject and claims the authorizer passed on.
. "$(dirname "$0")/lib.sh"

ti_init lighttpd
ts_setup
cat >"$T/www/private/whoami.sh" <<'SH'
printf 'Content-Type: text/plain\r\n\r\n'
printf 'sub=%s email=%s role=%s\n' "$AUTH_SUBJECT" "$AUTH_CLAIM_EMAIL" \
    "$AUTH_CLAIM_ROLE"
SH
ts_start_programs verify jwks
ts_lighttpd

ti_request "public file" /index.html
ti_expect_status 200

ti_request "private, valid token" /private/page.txt \
    -H "Authorization: Bearer $TS_GOOD"
ti_expect_status 200
ti_expect_true "file content" grep -qx "secret page" "$T/last.body"

ti_request "private, no token" /private/page.txt
ti_expect_error 401 token_missing
ti_expect_header WWW-Authenticate '^Bearer realm="api"$'
ti_expect_true "no file content" sh -c "! grep -q 'secret page' '$T/last.body'"

ti_request "private, bad signature" /private/page.txt \
    -H "Authorization: Bearer $TS_BAD"
ti_expect_error 401 signature_invalid
ti_expect_header WWW-Authenticate 'error="invalid_token"'

ti_request "private, alg none" /private/page.txt \
    -H "Authorization: Bearer $TS_NONE"
ti_expect_error 401 alg_not_allowed

ti_request "private, Basic scheme" /private/page.txt -u alice:pw
ti_expect_error 401 auth_scheme_unsupported

ti_request "private, missing file with a valid token" /private/nope.txt \
    -H "Authorization: Bearer $TS_GOOD"
ti_expect_status 404

ti_request "private, HEAD" /private/page.txt -I \
    -H "Authorization: Bearer $TS_GOOD"
ti_expect_status 200

ti_request "subject reaches the back end" /private/whoami.sh \
    -H "Authorization: Bearer $TS_GOOD"
ti_expect_status 200
ti_expect_true "CGI saw the subject and claims" \
    grep -qx "sub=alice email=alice@example.com role=admin" "$T/last.body"

ti_request "client cannot forge the subject" /private/whoami.sh \
    -H "Authorization: Bearer $TS_BAD" -H "Auth-Subject: root"
ti_expect_status 401

ti_request "responder" /api/auth/verify -H "Authorization: Bearer $TS_GOOD"
ti_expect_status 200
ti_expect_header X-Auth-Subject '^alice$'
ti_expect_header X-Auth-Claim-Email '^alice@example.com$'
ti_expect_header X-Auth-Claim-Role '^admin$'
ti_expect_no_header Variable-AUTH_SUBJECT

ti_request "jwks through the same config" /.well-known/jwks.json
ti_expect_status 200
ti_expect_json 'type(j["keys"]).__name__' list

ti_request "session page" /account/
ti_expect_status 200
ti_expect_header Content-Security-Policy "^default-src 'none'; script-src 'self'; style-src 'self';"
ti_expect_true "the page" grep -q '<script type="module" src="session.js">' "$T/last.body"
ti_request "auth-client.js" /account/auth-client.js
ti_expect_status 200
ti_expect_header Content-Type '^text/javascript'

ti_expect_logs_clean
ti_expect_no_secret "$T/verify.log" "$TS_GOOD" "$TS_CLIENT_SECRET"
ti_done
