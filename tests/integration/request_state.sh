#!/bin/bash
# request_state.sh: a request's id and client address are its own, never
# the previous request's on the same thread.  Requests go one after
# another on ONE kept FastCGI connection (fcgi_seq.py) to one worker
# process, with and without X-Request-Id and REMOTE_ADDR, so that each
# thread (the event loop's: verification, the Authorizer role, 404, 405,
# 413, 431; a pool thread's: logins, a refresh) runs a request with them
# right before one without.  Checked: the X-Request-Id answers, the
# request log lines (rid=, remote=), the audit lines of logins, and the
# lines the engine writes before a request runs (params_too_large,
# body_too_large), which name that request.
. "$(dirname "$0")/lib.sh"

ti_init sqlite3
ti_key "$T/jwt.key"
DB=$T/auth.db
ti_config "$T/auth.conf" "JWT_SECRET_FILE=$T/jwt.key" "DATABASE_URL=$DB" \
    "AUTH_COOKIE_SECURE=false" "LOG_LEVEL=info" "AUTH_POOL_THREADS=1" \
    "AUTH_HASH_CONCURRENCY=1" "AUTH_MAX_BODY_BYTES=256" \
    "AUTH_MAX_PARAMS_BYTES=4096" "AUTH_LOGIN_FREE_FAILURES=1000"
chmod 600 "$T/auth.conf"
export AUTH_CONFIG=$T/auth.conf
"$AUTHCTL" db migrate >/dev/null || { echo "migrate failed"; exit 99; }
PW=pw-of-alice-123
echo "$PW" | "$AUTHCTL" user add alice@example.com >"$T/alice.id" ||
    { echo "user add failed"; exit 99; }
ALICE=$(cat "$T/alice.id")

# start PROG: PROG on $T/PROG.sock, one worker, its log in $T/PROG.log.
start()
{
	AUTH_SOCKET=$T/$1.sock AUTH_WORKERS=1 "$top_builddir/cgi-bin/$1" \
	    2>>"$T/$1.log" &
	ti_track $!
	ti_wait_socket "$T/$1.sock" && return 0
	echo "$1 did not start"
	exit 99
}
start verify
start refresh

# req ROLE METHOD URI RID REMOTE [BODY]: one request as a JSON line; ""
# leaves X-Request-Id or REMOTE_ADDR out.
req()
{
	/usr/bin/python3 - "$@" <<'EOF'
import json, sys
role, method, uri, rid, remote = sys.argv[1:6]
body = sys.argv[6] if len(sys.argv) > 6 else ""
p = {"REQUEST_METHOD": method, "REQUEST_URI": uri,
     "SERVER_PROTOCOL": "HTTP/1.1"}
if rid:
    p["HTTP_X_REQUEST_ID"] = rid
if remote:
    p["REMOTE_ADDR"] = remote
if body:
    p["CONTENT_TYPE"] = "application/json"
    p["CONTENT_LENGTH"] = str(len(body))
if uri == "/pad":
    p["HTTP_X_PAD"] = "x" * 5000
print(json.dumps({"role": int(role), "params": p, "body": body}))
EOF
}

# status_of, rid_of NAME N: of the Nth answer in $T/NAME.out ("STATUS RID").
status_of() { sed -n "${2}p" "$T/$1.out" | cut -d' ' -f1; }
rid_of() { sed -n "${2}p" "$T/$1.out" | cut -d' ' -f2; }

# expect_answer NAME N STATUS RID-ERE
expect_answer()
{
	local st rid

	TI_CASE="$1 answer $2"
	st=$(status_of "$1" "$2")
	rid=$(rid_of "$1" "$2")
	if [ "$st" = "$3" ] && echo "$rid" | grep -qE "^$4\$"; then
		ti_pass
	else
		ti_fail "answer $2 of $1" "$3 $4" "$st $rid"
	fi
}

# expect_line LOG WHAT RID ERE: exactly one line of LOG that is WHAT
# (event=request or event=audit) ends with rid=RID, and it matches ERE.
expect_line()
{
	local lines

	TI_CASE="$2 line of $3"
	lines=$(grep "event=$2 " "$T/$1.log" | grep -- " rid=$3\$")
	if [ "$(printf '%s\n' "$lines" | grep -c .)" -eq 1 ] &&
	    printf '%s\n' "$lines" | grep -qE -- "$4"; then
		ti_pass
	else
		ti_fail "one $2 line with rid=$3" "/$4/" "$lines"
	fi
}

# run NAME N: sends $T/NAME.in on one connection to NAME; N answers.
run()
{
	TI_CASE="$1: $2 requests on one connection"
	if /usr/bin/python3 "$top_srcdir/tests/integration/fcgi_seq.py" \
	    "$T/$1.sock" <"$T/$1.in" >"$T/$1.out" 2>"$T/seq.err" &&
	    [ "$(wc -l <"$T/$1.out")" -eq "$2" ]; then
		ti_pass
	else
		ti_fail "$2 answers" "$2" "$(cat "$T/$1.out" "$T/seq.err")"
	fi
}

HEX='[0-9a-f]{16}'

# --- the event loop's thread: verify -----------------------------------
{
	req 1 GET /x rid-v1 192.0.2.1
	req 1 GET /x "" ""
	req 2 GET /private rid-v3 192.0.2.3
	req 2 GET /private "" ""
	req 1 GET /x rid-v5 192.0.2.5
	req 1 GET /pad "" ""
} >"$T/verify.in"
run verify 6
expect_answer verify 1 401 rid-v1
expect_answer verify 2 401 "$HEX"
expect_answer verify 3 401 rid-v3
expect_answer verify 4 401 "$HEX"
expect_answer verify 5 401 rid-v5
expect_answer verify 6 431 "$HEX"
V2=$(rid_of verify 2)
V4=$(rid_of verify 4)
V6=$(rid_of verify 6)
TI_CASE="generated ids differ"
if [ "$V2" != "$V4" ] && [ "$V4" != "$V6" ] && [ "$V2" != "$V6" ]; then
	ti_pass
else
	ti_fail "three different ids" "" "$V2 $V4 $V6"
fi
expect_line verify request rid-v1 " remote=192\.0\.2\.1 "
expect_line verify request "$V2" " status=401 .* remote=- "
expect_line verify request rid-v3 " remote=192\.0\.2\.3 "
expect_line verify request "$V4" " status=401 .* remote=- "
expect_line verify request rid-v5 " remote=192\.0\.2\.5 "
TI_CASE="verify: every request line names its own request"
if [ "$(grep -c 'event=request ' "$T/verify.log")" -eq 5 ] &&
    ! grep 'event=request ' "$T/verify.log" | grep -qv ' rid=[^ ]*$'; then
	ti_pass
else
	ti_fail "5 request lines, each with rid=" "" \
	    "$(grep 'event=request ' "$T/verify.log")"
fi
TI_CASE="verify: the refused PARAMS' line names that request, no earlier one"
if [ "$(grep -c 'event=params_too_large' "$T/verify.log")" -eq 1 ] &&
    grep -q "event=params_too_large .* rid=$V6\$" "$T/verify.log"; then
	ti_pass
else
	ti_fail "one params_too_large line with rid=$V6" "" \
	    "$(grep 'event=params_too_large' "$T/verify.log")"
fi

# --- the loop and the pool threads: refresh ----------------------------
BAD='{"email":"alice@example.com","password":"not-the-password"}'
GOOD="{\"email\":\"alice@example.com\",\"password\":\"$PW\"}"
LONG=$(printf 'x%.0s' $(seq 1 300))
BIG="{\"email\":\"alice@example.com\",\"password\":\"$LONG\"}"
{
	req 1 POST /api/auth/login rid-r1 192.0.2.11 "$BAD"
	req 1 POST /api/auth/login "" "" "$BAD"
	req 1 GET /api/auth/nope rid-r3 192.0.2.13
	req 1 GET /api/auth/login "" ""
	req 1 POST /api/auth/login rid-r5 192.0.2.15 "$BIG"
	req 1 POST /api/auth/refresh "" ""
	req 1 POST /api/auth/login "" 192.0.2.17 "$GOOD"
	req 1 POST /api/auth/login "" "" "$BAD"
	req 1 GET /api/auth/nope "" ""
} >"$T/refresh.in"
run refresh 9
expect_answer refresh 1 401 rid-r1
expect_answer refresh 2 401 "$HEX"
expect_answer refresh 3 404 rid-r3
expect_answer refresh 4 405 "$HEX"
expect_answer refresh 5 413 rid-r5
expect_answer refresh 6 401 "$HEX"
expect_answer refresh 7 200 "$HEX"
expect_answer refresh 8 401 "$HEX"
expect_answer refresh 9 404 "$HEX"
R2=$(rid_of refresh 2)
R4=$(rid_of refresh 4)
R7=$(rid_of refresh 7)
R8=$(rid_of refresh 8)
R9=$(rid_of refresh 9)
BADPW="action=login result=credentials_invalid user=$ALICE"
expect_line refresh audit rid-r1 "$BADPW .* remote=192\.0\.2\.11 "
expect_line refresh audit "$R2" "$BADPW .* remote=- "
expect_line refresh audit "$R7" \
    "action=login result=ok user=$ALICE .* remote=192\.0\.2\.17 "
expect_line refresh audit "$R8" "$BADPW .* remote=- "
expect_line refresh request rid-r1 " status=401 .* remote=192\.0\.2\.11 "
expect_line refresh request "$R2" " status=401 .* remote=- "
expect_line refresh request rid-r3 " status=404 .* remote=192\.0\.2\.13 "
expect_line refresh request "$R4" " status=405 .* remote=- "
expect_line refresh request rid-r5 " status=413 .* remote=192\.0\.2\.15 "
expect_line refresh request "$R8" " status=401 .* remote=- "
expect_line refresh request "$R9" " status=404 .* remote=- "
TI_CASE="refresh: no line of a later request names an earlier one"
if [ "$(grep -c ' rid=rid-r1$' "$T/refresh.log")" -eq 2 ] &&
    [ "$(grep -c ' rid=rid-r5$' "$T/refresh.log")" -eq 2 ] &&
    grep -q 'event=body_too_large .* rid=rid-r5$' "$T/refresh.log" &&
    [ "$(grep -c 'remote=192\.0\.2\.17 ' "$T/refresh.log")" -eq 1 ]; then
	ti_pass
else
	ti_fail "rid-r1 twice, rid-r5 twice (its body_too_large line and its request line), 192.0.2.17 once" "" \
	    "$(cat "$T/refresh.log")"
fi
ti_expect_no_secret "$T/refresh.log" "$PW"
ti_expect_logs_clean
ti_done
