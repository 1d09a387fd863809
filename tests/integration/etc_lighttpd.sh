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
ts_whoami
ts_start_programs verify jwks
ts_lighttpd

ti_request "public file" /index.html
ti_expect_status 200

ts_expect_private_ok
ts_expect_private_refused token_missing signature_invalid alg_not_allowed

ti_request "private, Basic scheme" /private/page.txt -u alice:pw
ti_expect_error 401 auth_scheme_unsupported

ti_request "private, missing file with a valid token" /private/nope.txt \
    -H "Authorization: Bearer $TS_GOOD"
ti_expect_status 404

ti_request "private, HEAD" /private/page.txt -I \
    -H "Authorization: Bearer $TS_GOOD"
ti_expect_status 200

ts_expect_whoami
ts_expect_required

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

ts_expect_account '^text/javascript'

ti_expect_logs_clean
ti_expect_no_secret "$T/verify.log" "$TS_GOOD" "$TS_CLIENT_SECRET"
ti_done
