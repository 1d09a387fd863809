#!/bin/bash
# verify_cgi.sh: `verify` as plain CGI, one process per request.  First
# run directly with the CGI environment and stdio (what any CGI server
# does), then through lighttpd's mod_cgi with every case of verify.sh.
. "$(dirname "$0")/lib.sh"
. "$here/verify_cases.sh"

# cgi_run AUTHORIZATION [QUERY]: runs verify once as CGI; the answer goes
# to $T/last.raw, split into $T/last.headers and $T/last.body.  A QUERY
# (without "=") also goes on the command line, as Apache's mod_cgi puts
# it there (RFC 3875 section 4.4).
cgi_run()
{
	TI_CASE="direct CGI: ${1:0:30}${2:+ ?$2}"
	env -i PATH="$PATH" AUTH_CONFIG="$AUTH_CONFIG" \
	    GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1 \
	    REQUEST_METHOD=GET REQUEST_URI="/cgi-bin/verify${2:+?$2}" \
	    SCRIPT_NAME=/cgi-bin/verify QUERY_STRING="${2:-}" \
	    REMOTE_ADDR=127.0.0.1 ${1:+HTTP_AUTHORIZATION="$1"} \
	    "$top_builddir/cgi-bin/verify" ${2:+"$2"} </dev/null \
	    >"$T/last.raw" 2>>"$T/direct-cgi.log"
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

# The query's words on the command line are the request's, not options:
# verify answers as for any request and prints no route table.
cgi_run "Bearer $good" --routes
ti_expect_status 200
ti_expect_header X-Auth-Subject '^test-user$'
ti_expect_true "no route table in the answer" \
    sh -c '! grep -q "^ANY " "$1"' _ "$T/last.raw"

# From a shell the command line is the program's.
TI_CASE="command line"
v=$top_builddir/cgi-bin/verify
ti_expect_true "--help names the options and exits 0" \
    sh -c '"$1" --help | grep -q -- "--routes"' _ "$v"
ti_expect_true "--routes prints the three routes" \
    sh -c 'test "$("$1" --routes | grep -c /)" = 2 &&
        "$1" --routes | grep -qE "^ANY +\* +inline$"' _ "$v"
ti_expect_true "an unknown argument exits 2 with a usage line" \
    sh -c '"$1" --nope 2>&1 >/dev/null | grep -q "^usage:"; r=$?
        "$1" --nope 2>/dev/null; test $? = 2 && test $r = 0' _ "$v"
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
