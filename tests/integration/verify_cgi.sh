#!/bin/bash
# verify_cgi.sh: `verify` as plain CGI, one process per request.  First
# run directly with the CGI environment and stdio (what any CGI server
# does), then through lighttpd's mod_cgi with every case of verify.sh.
. "$(dirname "$0")/lib.sh"
. "$here/verify_cases.sh"

# cgi_run AUTHORIZATION: runs verify once as CGI; the answer goes to
# $T/last.raw, split into $T/last.headers and $T/last.body.
cgi_run()
{
	TI_CASE="direct CGI: ${1:0:30}"
	env -i PATH="$PATH" AUTH_CONFIG="$AUTH_CONFIG" \
	    GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1 \
	    REQUEST_METHOD=GET REQUEST_URI=/cgi-bin/verify \
	    SCRIPT_NAME=/cgi-bin/verify QUERY_STRING= REMOTE_ADDR=127.0.0.1 \
	    ${1:+HTTP_AUTHORIZATION="$1"} \
	    "$top_builddir/cgi-bin/verify" </dev/null >"$T/last.raw" \
	    2>>"$T/direct-cgi.log"
	TI_STATUS=$(sed -n '1s/^Status: \([0-9]*\).*/\1/p' "$T/last.raw" |
	    tr -d '\r')
	tr -d '\r' <"$T/last.raw" | sed '/^$/q' >"$T/last.headers"
	tr -d '\r' <"$T/last.raw" | sed '1,/^$/d' >"$T/last.body"
}

ti_init
verify_setup
good=$(ti_issue "$T/auth.conf" --sub test-user)

cgi_run "Bearer $good"
ti_expect_status 200
ti_expect_header X-Auth-Subject '^test-user$'
ti_expect_header Cache-Control 'no-store'
ti_expect_json 'j["claims"]["sub"]' test-user

cgi_run "Bearer $(ti_flip_last "$good")"
ti_expect_error 401 signature_invalid
ti_expect_header WWW-Authenticate 'error="invalid_token"'

cgi_run ""
ti_expect_error 401 token_missing
ti_expect_no_header WWW-Authenticate 'error='

cgi_run "Bearer"
ti_expect_error 400 authorization_malformed
verify_logs "$T/direct-cgi.log" "$good"

# Through a web server's CGI gateway.
ti_need lighttpd
mkdir -p "$T/cgi-bin"
cp "$top_builddir/cgi-bin/verify" "$T/cgi-bin/verify"
ti_cgi_route /cgi-bin/ "$T/cgi-bin/"
ti_lighttpd
verify_cases /cgi-bin/verify
verify_logs "$T/lighttpd-stdout.log" "$VERIFY_GOOD"
ti_done
