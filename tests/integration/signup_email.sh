#!/bin/bash
# signup_email.sh: with AUTH_SIGNUP=true nobody checks the address a user
# signs up with, so that user's access tokens (login and refresh) carry
# email_verified: false and no email claim, and verify passes no
# X-Auth-Claim-Email, until `authctl user verify` (issue 10, item 15).
# Users added by the operator get their email in tokens as before.
. "$(dirname "$0")/lib.sh"

ti_init sqlite3
ti_auth_setup "$T/auth.db" "LOG_LEVEL=info" "AUTH_SIGNUP=true" \
    "VERIFY_CLAIM_HEADERS=email"
ti_user opal@example.com pw-of-opal-123
ti_spawn auth "$top_builddir/cgi-bin/refresh" 1
ti_spawn verify "$top_builddir/cgi-bin/verify" 1
ti_route /api/auth/ auth
ti_route /verify verify
ti_nginx

ORIGIN="http://127.0.0.1:$TI_PORT"
# The access token's claims, from the last answer, as JSON.
claim() {
	ti_expect_json "__import__('json').loads(__import__('base64').urlsafe_b64decode(j['accessToken'].split('.')[1] + '=='))$1" "$2"
}
login() {
	ti_request "login $1" /api/auth/login -X POST \
	    -H 'Content-Type: application/json' -H "Origin: $ORIGIN" \
	    --data "{\"email\":\"$1\",\"password\":\"$2\"}"
}
cookie_tok() { ti_header Set-Cookie | sed -n 's/^[^=]*=\([^;]*\);.*/\1/p'; }
access() { ti_json 'j["accessToken"]'; }

ti_request "signup" /api/auth/signup -X POST \
    -H 'Content-Type: application/json' -H "Origin: $ORIGIN" \
    --data '{"email":"mallory@example.com","password":"pw-of-mallory"}'
ti_expect_status 201

login mallory@example.com pw-of-mallory
ti_expect_status 200
claim '.get("email", "absent")' absent
claim '["email_verified"]' false
R=$(cookie_tok)
AT=$(access)
ti_request "verify passes no email" /verify -H "Authorization: Bearer $AT"
ti_expect_status 200
ti_expect_no_header X-Auth-Claim-Email

ti_request "refresh keeps it out" /api/auth/refresh -X POST \
    -H "Origin: $ORIGIN" -H "Cookie: refreshToken=$R"
ti_expect_status 200
claim '.get("email", "absent")' absent
claim '["email_verified"]' false
R=$(cookie_tok)

"$AUTHCTL" user verify MALLORY@example.com ||
    ti_fail "authctl user verify" 0 $?
ti_request "refresh once verified" /api/auth/refresh -X POST \
    -H "Origin: $ORIGIN" -H "Cookie: refreshToken=$R"
ti_expect_status 200
claim '["email"]' mallory@example.com
claim '["email_verified"]' true

login opal@example.com pw-of-opal-123
ti_expect_status 200
claim '["email"]' opal@example.com
AT=$(access)
ti_request "verify passes an operator's user's email" /verify \
    -H "Authorization: Bearer $AT"
ti_expect_header X-Auth-Claim-Email '^opal@example.com$'
ti_expect_true "authctl user verify of nobody fails" \
    test "$("$AUTHCTL" user verify nobody@example.com 2>/dev/null; echo $?)" = 1
ti_expect_logs_clean
ti_done
