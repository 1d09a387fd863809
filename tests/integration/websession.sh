#!/bin/bash
# websession.sh: server-side sessions (the rollout's fallback) through
# nginx: refresh, verify and todos under spawn-fcgi with
# JWT_ROLLOUT_PERCENTAGE=0, so every login is a session.
#
# - The cookie: HttpOnly, SameSite=Strict, Path=/, no Secure on plain http
#   with AUTH_COOKIE_SECURE=false; verify and todos accept it with the
#   user id as subject; another user's todos are 403; a write by cookie
#   from another site is 403 cross_site_refused (and one from the site
#   itself works); GET /api/auth/sessions lists it as current.
# - Bad input of every kind gets 401 with its own reason and changes
#   nothing in the sessions table: a forged cookie (well-formed, unknown:
#   session_unknown), malformed ones (short, a '+', non-zero padding bits,
#   600 bytes: session_malformed), an expired session (session_expired);
#   an Authorization header wins over a good cookie.
# - Every way a session ends reaches verify within SESSION_CACHE_SECONDS
#   (1 s; the time to the first 401 is printed and must be under 2 s):
#   logout, DELETE /api/auth/sessions (log out everywhere), DELETE
#   /api/auth/sessions/{id}, authctl user disable: 401 session_revoked.
. "$(dirname "$0")/lib.sh"

ti_init
ti_need sqlite3
[ -x /usr/bin/python3 ] || ti_skip "/usr/bin/python3 is needed"
ti_auth_setup "$T/auth.db" "AUTH_PASSWORD_HASH_MEMORY_KIB=8" \
    "JWT_ROLLOUT_PERCENTAGE=0" "SESSION_CACHE_SECONDS=1" "LOG_LEVEL=debug"
for u in alice bob carol dave erin; do
	ti_user "$u@example.com" "pw-of-$u-123"
done
uid() { sqlite3 "$T/auth.db" "SELECT id FROM users WHERE email = '$1@example.com'"; }
AID=$(uid alice)
BID=$(uid bob)

ti_spawn auth "$top_builddir/cgi-bin/refresh" 1
ti_spawn verify "$top_builddir/cgi-bin/verify" 1
ti_spawn todos "$top_builddir/cgi-bin/todos" 1
ti_route /api/auth/ auth
ti_route /verify verify
ti_route /api/ todos
ti_nginx

SAME=(-H 'Sec-Fetch-Site: same-origin')
# login NAME: sets S (the session cookie's value).
login()
{
	ti_request "login $1" /api/auth/login -X POST \
	    -H 'Content-Type: application/json' \
	    -d "{\"email\":\"$1@example.com\",\"password\":\"pw-of-$1-123\"}"
	S=$(ti_header Set-Cookie | sed -n 's/^sessionToken=\([^;]*\);.*/\1/p')
	[ -n "$S" ] || S=$(grep -i '^set-cookie: sessionToken=' "$T/last.headers" |
	    sed -n 's/^[^=]*=\([^;]*\);.*/\1/p' | head -n 1)
}
snapshot() { sqlite3 "$T/auth.db" "SELECT id, user_id, expires, revoked, hex(token_hash) FROM sessions ORDER BY id"; }

login alice
ti_expect_status 200
ti_expect_json 'j["authMethod"]' session
ti_expect_json '"accessToken" in j or "sessionToken" in j' false
ti_expect_header Cache-Control no-store
TI_CASE="the session cookie: HttpOnly, SameSite=Strict, Path=/, not Secure on plain http"
c=$(grep -i '^set-cookie: sessionToken=' "$T/last.headers")
if [ ${#S} -eq 43 ] && echo "$c" | grep -q 'HttpOnly' &&
    echo "$c" | grep -q 'SameSite=Strict' && echo "$c" | grep -q 'Path=/;' &&
    ! echo "$c" | grep -q Secure; then ti_pass; else ti_fail "$c"; fi
A=$S

ti_request "verify by session cookie" /verify -H "Cookie: sessionToken=$A"
ti_expect_status 200
ti_expect_header X-Auth-Subject "^$AID\$"
ti_expect_json 'j["claims"]["email"]' alice@example.com
ti_request "todos by session cookie" "/api/users/$AID/todos" \
    -H "Cookie: other=1; sessionToken=$A"
ti_expect_status 200
ti_request "another user's todos by session cookie" "/api/users/$BID/todos" \
    -H "Cookie: sessionToken=$A"
ti_expect_error 403 forbidden
ti_request "a write by cookie from another site" "/api/users/$AID/todos" \
    -X POST -H "Cookie: sessionToken=$A" -H 'Origin: http://evil.example' \
    -H 'Content-Type: application/json' -d '{"title":"x"}'
ti_expect_status 403
ti_expect_json 'j["error"]["reason"]' cross_site_refused
ti_request "a write by cookie from the site" "/api/users/$AID/todos" \
    -X POST -H "Cookie: sessionToken=$A" "${SAME[@]}" \
    -H 'Content-Type: application/json' -d '{"title":"by session"}'
ti_expect_status 201
# The Authorizer role (lighttpd "mode" => "authorizer", Apache
# FcgidAccessChecker: the shipped configs protect pages that way) judges
# the page's request with the same rule: a write by cookie from another
# site is 403 (it was allowed), one from the site itself is allowed.
# verify runs here as plain CGI, where the server's FCGI_ROLE says so.
authz()
{
	env -i AUTH_CONFIG="$AUTH_CONFIG" FCGI_ROLE=AUTHORIZER \
	    REQUEST_METHOD="$1" REQUEST_URI=/private/page.html \
	    REMOTE_ADDR=127.0.0.1 HTTP_HOST="127.0.0.1:$TI_PORT" \
	    HTTP_COOKIE="sessionToken=$A" "${@:2}" \
	    "$top_builddir/cgi-bin/verify" 2>>"$T/authz.log" </dev/null |
	    sed -n 's/^Status: \([0-9]*\).*/\1/p'
}
TI_CASE="Authorizer role, session cookie"
ti_expect_true "a GET: 200" test "$(authz GET)" = 200
ti_expect_true "a POST from another site: 403" \
    test "$(authz POST HTTP_ORIGIN=http://evil.example)" = 403
ti_expect_true "a POST with no Origin nor Sec-Fetch-Site: 403" \
    test "$(authz POST)" = 403
ti_expect_true "a POST from the site (Origin): 200" \
    test "$(authz POST HTTP_ORIGIN="http://127.0.0.1:$TI_PORT")" = 200
ti_expect_true "a POST from the site (Sec-Fetch-Site): 200" \
    test "$(authz POST HTTP_SEC_FETCH_SITE=same-origin)" = 200
ti_request "GET /api/auth/sessions by session cookie" /api/auth/sessions \
    -H "Cookie: sessionToken=$A"
ti_expect_status 200
ti_expect_json '[s["current"] for s in j["sessions"]]' '[true]'
TI_CASE="auth_method=session in the request log"
grep -q "path=/verify status=200 reason=ok .*auth_method=session" "$T/verify.log" &&
    ti_pass || ti_fail "$(tail -n 3 "$T/verify.log")"

# Bad input: 401, its reason, nothing changed.
before=$(snapshot)
forged=$(head -c 32 /dev/urandom | ti_b64url)
ti_request "a forged session cookie" /verify -H "Cookie: sessionToken=$forged"
ti_expect_error 401 session_unknown
ti_request "a forged session cookie at todos" "/api/users/$AID/todos" \
    -H "Cookie: sessionToken=$forged"
ti_expect_error 401 session_unknown
for bad in abc "${A%?}+" "${A%?}B" "$(head -c 600 /dev/zero | tr '\0' A)" \
    "$A$A"; do
	ti_request "a malformed session cookie (${#bad} bytes)" /verify \
	    -H "Cookie: sessionToken=$bad"
	case ${A: -1} in
	B) [ "$bad" = "${A%?}B" ] && continue ;;
	esac
	ti_expect_error 401 session_malformed
done
ti_request "an empty session cookie" /verify -H "Cookie: sessionToken="
ti_expect_error 401 session_malformed
ti_request "a bad Bearer token beside a good cookie: the header decides" \
    /verify -H "Cookie: sessionToken=$A" -H "Authorization: Bearer x.y.z"
ti_expect_error 401 token_malformed
ti_request "a refresh with the session cookie as refresh token" \
    /api/auth/refresh -X POST "${SAME[@]}" -H "Cookie: refreshToken=$A"
ti_expect_error 401 refresh_token_unknown
TI_CASE="bad input changed nothing in the sessions table"
[ "$(snapshot)" = "$before" ] && ti_pass || ti_fail "$(snapshot)"

login bob
B=$S
sqlite3 "$T/auth.db" "UPDATE sessions SET expires = 1000 WHERE user_id = '$BID'"
sleep 1.1	# SESSION_CACHE_SECONDS
ti_request "an expired session" /verify -H "Cookie: sessionToken=$B"
ti_expect_error 401 session_expired

# until_401 WHAT COOKIE: polls verify until 401; prints the seconds.
until_401()
{
	local t0=$(date +%s.%N) i st

	for i in $(seq 1 60); do
		st=$(curl -s -o "$T/u401.body" -w '%{http_code}' \
		    -H "Cookie: sessionToken=$2" "http://127.0.0.1:$TI_PORT/verify")
		if [ "$st" = 401 ]; then
			echo "$1: 401 after $(echo "$(date +%s.%N) - $t0" | bc) s"
			TI_CASE="$1: 401 session_revoked within 2 s"
			if grep -q '"session_revoked"' "$T/u401.body" &&
			    [ "$(echo "$(date +%s.%N) - $t0 < 2" | bc)" = 1 ]; then
				ti_pass
			else
				ti_fail "$(cat "$T/u401.body")"
			fi
			return
		fi
		sleep 0.05
	done
	TI_CASE="$1"
	ti_fail "still $st after 3 s"
}

# Each: warm verify's cache, end the session, time the first 401.
ti_request "logout by session cookie" /verify -H "Cookie: sessionToken=$A"
ti_request "logout by session cookie" /api/auth/logout -X POST "${SAME[@]}" \
    -H "Cookie: sessionToken=$A"
ti_expect_status 204
TI_CASE="logout clears the session cookie"
grep -qi '^set-cookie: sessionToken=; Max-Age=0' "$T/last.headers" &&
    ti_pass || ti_fail "$(grep -i set-cookie "$T/last.headers")"
until_401 logout "$A"

login carol
C=$S
ti_request "warm" /verify -H "Cookie: sessionToken=$C"
ti_request "log out everywhere by session cookie" /api/auth/sessions \
    -X DELETE "${SAME[@]}" -H "Cookie: sessionToken=$C"
ti_expect_status 204
until_401 "DELETE /api/auth/sessions" "$C"

login dave
D=$S
login dave
D2=$S
ti_request "dave's sessions" /api/auth/sessions -H "Cookie: sessionToken=$D2"
sid=$(ti_json '[s["id"] for s in j["sessions"] if not s["current"]][0]')
ti_request "warm" /verify -H "Cookie: sessionToken=$D"
ti_request "DELETE /api/auth/sessions/{id} by session cookie" \
    "/api/auth/sessions/$sid" -X DELETE "${SAME[@]}" -H "Cookie: sessionToken=$D2"
ti_expect_status 204
until_401 "DELETE /api/auth/sessions/{id}" "$D"
ti_request "dave's other session still works" /verify -H "Cookie: sessionToken=$D2"
ti_expect_status 200

login erin
E=$S
ti_request "warm" /verify -H "Cookie: sessionToken=$E"
"$AUTHCTL" user disable erin@example.com >/dev/null 2>&1
until_401 "authctl user disable" "$E"

TI_CASE="no session cookie value in the programs' logs"
leak=
for v in "$A" "$B" "$C" "$D" "$D2" "$E"; do
	grep -qF -- "$v" "$T/auth.log" "$T/verify.log" "$T/todos.log" && leak=$v
done
[ -z "$leak" ] && ti_pass || ti_fail "a cookie value is logged"
ti_done
