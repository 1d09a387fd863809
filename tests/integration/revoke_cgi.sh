#!/bin/bash
# revoke_cgi.sh: the revocation check of a program run as plain CGI (one
# process per request, as under mod_cgi and suEXEC).  Such a process
# reads the set of revoked sessions once, when its request meets a sid,
# and starts no poller thread: one did before, and at the fastest poll
# (JWT_REVOCATION_POLL_MS=50) it woke while the process freed its
# configuration on the way out (AddressSanitizer: heap-use-after-free
# on the poller's thread, and the process hung in the report, so the
# web server's client timed out).  Here todos and verify answer 30
# requests each with a session's access token, run directly with the
# CGI environment, each within 10 s and with no sanitizer report; after
# logout the next process refuses the token (token_revoked) at once.
. "$(dirname "$0")/lib.sh"

ti_init
ti_auth_setup "$T/auth.db" AUTH_SIGNUP=true JWT_REVOCATION_POLL_MS=50 \
    LOG_LEVEL=info
ti_user walker@example.com pw-of-walker-123

# cgi PROGRAM METHOD PATH [AUTHORIZATION [BODY-FILE]]: one CGI run; the
# answer in $T/last.headers and $T/last.body, stderr in $T/PROGRAM.log.
cgi()
{
	local prog=$1 method=$2 path=$3 auth=${4:-} body=${5:-/dev/null}

	TI_CASE="$prog $method $path"
	env -i PATH="$PATH" AUTH_CONFIG="$AUTH_CONFIG" \
	    GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1 \
	    REQUEST_METHOD="$method" REQUEST_URI="$path" SCRIPT_NAME= \
	    PATH_INFO="$path" REMOTE_ADDR=127.0.0.1 \
	    HTTP_ORIGIN=http://127.0.0.1 HTTP_HOST=127.0.0.1 \
	    ${5:+CONTENT_TYPE=application/json} \
	    CONTENT_LENGTH="$(wc -c <"$body")" \
	    ${auth:+HTTP_AUTHORIZATION="$auth"} ${COOKIE:+HTTP_COOKIE="$COOKIE"} \
	    timeout 10 "$top_builddir/cgi-bin/$prog" <"$body" \
	    >"$T/last.raw" 2>>"$T/$prog.log"
	TI_STATUS=$(sed -n '1s/^Status: \([0-9]*\).*/\1/p' "$T/last.raw" |
	    tr -d '\r')
	[ -n "$TI_STATUS" ] || TI_STATUS=none
	tr -d '\r' <"$T/last.raw" | sed '/^$/q' >"$T/last.headers"
	tr -d '\r' <"$T/last.raw" | sed '1,/^$/d' >"$T/last.body"
}

printf '{"email":"walker@example.com","password":"pw-of-walker-123"}' \
    >"$T/login.json"
COOKIE=
cgi refresh POST /api/auth/login "" "$T/login.json"
ti_expect_status 200
AT=$(ti_json 'j["accessToken"]')
ti_secret "$AT"
RT=$(ti_header Set-Cookie | sed -n 's/^refreshToken=\([^;]*\);.*/\1/p')
ti_secret "$RT"
ti_expect_true "the token names a session" test -n "$RT"

for i in $(seq 1 30); do
	cgi todos GET /api/v1/me "Bearer $AT"
	ti_expect_status 200
	cgi verify GET /api/auth/verify "Bearer $AT"
	ti_expect_status 200
done
ti_expect_true "one read of the set a process" \
    grep -q 'event=revocation_start revoked=0 poll_ms=0' "$T/todos.log"

COOKIE="refreshToken=$RT"
cgi refresh POST /api/auth/logout
ti_expect_status 204
COOKIE=
cgi todos GET /api/v1/me "Bearer $AT"
ti_expect_error 401 token_revoked
cgi verify GET /api/auth/verify "Bearer $AT"
ti_expect_error 401 token_revoked

ti_expect_logs_clean
ti_done
