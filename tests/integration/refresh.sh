#!/bin/bash
# refresh.sh: the token lifecycle through nginx and four FastCGI processes
# of `refresh` (spawn-fcgi) sharing one SQLite file: login, rotation,
# reuse detection, the multi-tab grace window (50 concurrent refreshes of
# one token), logout, sessions, bad inputs, login throttling, and a
# process killed with SIGKILL in the middle of a burst of rotations.
# refresh_pg.sh runs it again against PostgreSQL (TI_DB, lib_pg.sh).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_pg.sh"

ti_init
ti_db_setup "$T/auth.db"
# The grace window: 15 s, so that 50 refreshes sent together all land in
# it on a loaded machine (with 2 s, some arrived 3 s after the first
# rotation; with 5 s, 17 of 50 were late at load average 15-25 with both
# builds' tests running at once).  Its expiry is checked near the end.
GRACE=15
ti_auth_setup "$DB_URL" "REFRESH_GRACE_SECONDS=$GRACE" \
    "AUTH_LOGIN_FREE_FAILURES=3" "AUTH_MAX_BODY_BYTES=1024" "LOG_LEVEL=info"
for u in alice bob carol dave; do
	ti_user "$u@example.com" "pw-of-$u-123"
done
ti_spawn auth "$top_builddir/cgi-bin/refresh" 4 4
ti_route /api/auth/ auth
ti_nginx

sql() { ti_sql "$@"; }
# The refresh token of the last answer's Set-Cookie.
cookie_tok() { ti_header Set-Cookie | sed -n 's/^refreshToken=\([^;]*\);.*/\1/p'; }
# What a browser sends: its page's Origin with every POST (the cookie
# endpoints refuse cross-site requests; refresh_csrf.sh has the refusals).
ORIGIN="http://127.0.0.1:$TI_PORT"
login() {
	ti_request "login $1" /api/auth/login -X POST \
	    -H 'Content-Type: application/json' -A "${3:-curl-test}" \
	    -H "Origin: $ORIGIN" \
	    --data "{\"email\":\"$1\",\"password\":\"$2\"}"
}
refresh() {
	ti_request "$1" /api/auth/refresh -X POST -H "Origin: $ORIGIN" \
	    -H "Cookie: refreshToken=$2"
}
is_tok() { printf '%s\n' "$1" | grep -qE '^[A-Za-z0-9_-]{43}$'; }

# --- login ---------------------------------------------------------------
login alice@example.com pw-of-alice-123
ti_expect_status 200
ti_expect_header Cache-Control no-store
ti_expect_json 'sorted(j.keys())' '["accessToken", "expiresIn", "tokenType"]'
ti_expect_json 'j["tokenType"]' Bearer
ti_expect_json 'j["expiresIn"]' 1800
ti_expect_header Set-Cookie '^refreshToken=[A-Za-z0-9_-]{43}; Max-Age=604800; Path=/api/auth; HttpOnly; SameSite=Strict$'
R0=$(cookie_tok)
AT=$(ti_json 'j["accessToken"]')
ti_expect_true "access token verifies" sh -c \
    "'$AUTHCTL' decode --verify '$AT' | grep -q '^valid\$'"

# A form is what a cross-site page can post without asking: refused.
ti_request "login form" /api/auth/login -X POST \
    --data-urlencode email=BOB@example.com --data-urlencode password=pw-of-bob-123
ti_expect_status 403
ti_expect_json 'j["error"]["reason"]' cross_site_refused
login BOB@example.com pw-of-bob-123
ti_expect_status 200
BOB_AT=$(ti_json 'j["accessToken"]')

login alice@example.com wrong-password
ti_expect_error 401 credentials_invalid
cp "$T/last.body" "$T/wrongpw.body"
login nobody@example.com wrong-password
ti_expect_error 401 credentials_invalid
ti_expect_true "unknown email and wrong password answer alike" \
    cmp -s "$T/last.body" "$T/wrongpw.body"

# --- rotation, old token refused, reuse revokes the family ---------------
refresh "refresh 1" "$R0"
ti_expect_status 200
ti_expect_header Cache-Control no-store
ti_expect_json 'sorted(j.keys())' '["accessToken", "expiresIn", "tokenType"]'
R1=$(cookie_tok)
ti_expect_true "new refresh token" sh -c "[ -n '$R1' ] && [ '$R1' != '$R0' ]"
refresh "refresh 2" "$R1"
ti_expect_status 200
R2=$(cookie_tok)
ti_expect_true "third token differs" sh -c "[ -n '$R2' ] && [ '$R2' != '$R1' ]"
# R0 is not the immediate parent of the current token: refused at once.
refresh "old token" "$R0"
ti_expect_error 401 refresh_token_reused
ti_expect_header Set-Cookie '^refreshToken=; Max-Age=0;'
refresh "newest after reuse" "$R2"
ti_expect_error 401 refresh_token_revoked
ti_expect_true "family revoked in the database" test \
    "$(sql "SELECT revoke_reason FROM sessions s JOIN refresh_tokens t ON t.session_id = s.id WHERE t.token_hash = $(ti_tokhash "$R2")")" = reuse

# The immediate parent, after the grace window, is a reuse too: rotated
# here, presented again near the end (the window has passed by then while
# the other cases ran, so the long window costs no sleep).
login alice@example.com pw-of-alice-123
S0=$(cookie_tok)
refresh "s0" "$S0"
S1=$(cookie_tok)
S0_AT=$SECONDS

# --- grace window: the same token twice gives the same successor --------
login alice@example.com pw-of-alice-123
G0=$(cookie_tok)
refresh "tab A" "$G0"
ti_expect_status 200
GA=$(cookie_tok)
refresh "tab B" "$G0"
ti_expect_status 200
GB=$(cookie_tok)
ti_expect_true "both tabs hold the same refresh token" test "$GA" = "$GB"
refresh "tab B continues" "$GB"
ti_expect_status 200

# --- body transports -----------------------------------------------------
refresh "for json" "$(cookie_tok)"
J0=$(cookie_tok)
ti_request "json body" /api/auth/refresh -X POST \
    -H 'Content-Type: application/json' --data "{\"refreshToken\":\"$J0\"}"
ti_expect_status 200
ti_expect_no_header Set-Cookie
J1=$(ti_json 'j["refreshToken"]')
ti_expect_true "json answer carries the refresh token" is_tok "$J1"
ti_request "oauth form" /api/auth/refresh -X POST \
    --data "grant_type=refresh_token&refresh_token=$J1"
ti_expect_status 200
ti_expect_json 'j["token_type"]' Bearer
ti_expect_json 'j["refresh_token"] == j["refreshToken"]' true
J2=$(ti_json 'j["refresh_token"]')
ti_request "wrong grant" /api/auth/refresh -X POST \
    --data "grant_type=password&refresh_token=$J2"
ti_expect_status 400
ti_expect_json 'j["error"]["reason"]' body_malformed

# --- 50 concurrent refreshes of one token --------------------------------
login dave@example.com pw-of-dave-123
C0=$(cookie_tok)
mkdir "$T/c50"
seq 1 50 | xargs -P 50 -I{} curl -sS --max-time 20 -o "$T/c50/{}.body" \
    -D "$T/c50/{}.hdr" -w '%{http_code}\n' -X POST \
    -H "Origin: $ORIGIN" -H "Cookie: refreshToken=$C0" \
    "http://127.0.0.1:$TI_PORT/api/auth/refresh" >"$T/c50/codes"
ti_expect_one_successor "50 concurrent" "$T/c50" "$C0" 50
ti_expect_true "the new token is well formed" is_tok "$C1"
ti_expect_true "every tab got an access token" test \
    "$(cat "$T"/c50/*.body | grep -o '"accessToken"' | wc -l)" = 50
ti_expect_true "session not revoked" test \
    "$(sql "SELECT count(*) FROM sessions WHERE id = '$SID' AND revoked IS NULL")" = 1
refresh "after the burst" "$C1"
ti_expect_status 200
ti_expect_true "no 5xx in the burst" sh -c "! grep -q '^5' '$T/c50/codes'"

# --- logout ---------------------------------------------------------------
login carol@example.com pw-of-carol-123
L0=$(cookie_tok)
refresh "logout chain" "$L0"
L1=$(cookie_tok)
ti_request "logout" /api/auth/logout -X POST -H "Origin: $ORIGIN" \
    -H "Cookie: refreshToken=$L1"
ti_expect_status 204
ti_expect_header Set-Cookie '^refreshToken=; Max-Age=0; Path=/api/auth; HttpOnly; SameSite=Strict$'
refresh "after logout" "$L1"
ti_expect_error 401 refresh_token_revoked
ti_request "logout again" /api/auth/logout -X POST -H "Origin: $ORIGIN" \
    -H "Cookie: refreshToken=$L1"
ti_expect_status 204
ti_request "logout without token" /api/auth/logout -X POST
ti_expect_status 204

# --- sessions: listing and revoking, confined to the caller --------------
login carol@example.com pw-of-carol-123 tab-one
CA=$(cookie_tok)
CAT=$(ti_json 'j["accessToken"]')
login carol@example.com pw-of-carol-123 tab-two
CB=$(cookie_tok)
ti_request "sessions" /api/auth/sessions -H "Authorization: Bearer $CAT"
ti_expect_status 200
ti_expect_header Cache-Control no-store
ti_expect_json 'len(j["sessions"])' 2
ti_expect_json 'sorted(s["userAgent"] for s in j["sessions"])' '["tab-one", "tab-two"]'
ti_expect_json 'sorted(s["current"] for s in j["sessions"])' '[false, true]'
ti_expect_json 'all(s["ip"] == "127.0.0.1" and s["created"].endswith("Z") and s["lastUsed"] and s["id"] for s in j["sessions"])' true
SB=$(ti_json '[s["id"] for s in j["sessions"] if s["userAgent"] == "tab-two"][0]')
ti_request "bob lists his own only" /api/auth/sessions \
    -H "Authorization: Bearer $BOB_AT"
ti_expect_status 200
ti_expect_json '[s["userAgent"] for s in j["sessions"]]' '["curl-test"]'
ti_request "bob revokes carol's" "/api/auth/sessions/$SB" -X DELETE \
    -H "Authorization: Bearer $BOB_AT"
ti_expect_error 404 not_found
refresh "carol's tab two still works" "$CB"
ti_expect_status 200
CB=$(cookie_tok)
ti_request "carol revokes tab two" "/api/auth/sessions/$SB" -X DELETE \
    -H "Authorization: Bearer $CAT"
ti_expect_status 204
refresh "revoked session's token" "$CB"
ti_expect_error 401 refresh_token_revoked
refresh "tab one unaffected" "$CA"
ti_expect_status 200
CA=$(cookie_tok)
ti_request "sessions without bearer" /api/auth/sessions
ti_expect_error 401 token_missing

# --- bad inputs -----------------------------------------------------------
ti_request "malformed json" /api/auth/login -X POST \
    -H 'Content-Type: application/json' --data '{"email":'
ti_expect_status 400
ti_expect_json 'j["error"]["reason"]' body_malformed
ti_request "missing fields" /api/auth/login -X POST \
    -H 'Content-Type: application/json' --data '{"email":"a@b.c"}'
ti_expect_status 422
ti_expect_json '[d["field"] for d in j["error"]["details"]]' '["password"]'
ti_request "wrong type" /api/auth/login -X POST \
    -H 'Content-Type: text/plain' --data 'hello'
ti_expect_status 403
ti_expect_json 'j["error"]["reason"]' cross_site_refused
ti_request "wrong method" /api/auth/refresh
ti_expect_error 405 method_not_allowed
ti_expect_header Allow '^POST, OPTIONS$'
head -c 2000 /dev/zero | tr '\0' a >"$T/big"
ti_request "oversized" /api/auth/refresh -X POST \
    -H 'Content-Type: application/json' --data-binary @"$T/big"
ti_expect_status 413
ti_expect_json 'j["error"]["reason"]' body_too_large
ti_request "no token" /api/auth/refresh -X POST
ti_expect_error 401 refresh_token_missing
refresh "malformed token" 'not-a-token'
ti_expect_error 401 refresh_token_malformed
refresh "malformed padding bits" "${CA%?}B"
ti_expect_status 401
UNKNOWN=$(head -c 32 /dev/urandom | ti_b64url)
refresh "unknown token" "$UNKNOWN"
ti_expect_error 401 refresh_token_unknown
login alice@example.com pw-of-alice-123
E0=$(cookie_tok)
sql "UPDATE refresh_tokens SET expires = 1 WHERE token_hash = $(ti_tokhash "$E0")"
refresh "expired token" "$E0"
ti_expect_error 401 refresh_token_expired
refresh "revoked token" "$L1"
ti_expect_error 401 refresh_token_revoked
ti_request "signup disabled" /api/auth/signup -X POST \
    -H 'Content-Type: application/json' --data '{"email":"x@y.z","password":"12345678"}'
ti_expect_error 404 not_found

# --- login throttling -----------------------------------------------------
# Only the status between attempts: the first blocking wait is 2 s, and
# each further check would spend of it on a loaded machine.
for i in 1 2 3; do
	login bob@example.com "wrong-$i"
	ti_expect_status 401
done
login bob@example.com pw-of-bob-123
ti_expect_status 429
ti_expect_json 'j["error"]["reason"]' rate_limited
ti_expect_header Retry-After '^[1-9][0-9]*$'
RA=$(ti_header Retry-After)
sleep "$((RA + 1))"
login bob@example.com pw-of-bob-123
ti_expect_status 200
login bob@example.com wrong-again
ti_expect_error 401 credentials_invalid
ti_expect_true "success cleared the count" test \
    "$(sql "SELECT failures FROM login_throttle WHERE key = 'email:bob@example.com'")" = 1

# --- SIGKILL of one process in the middle of a burst ---------------------
# Eight clients each rotate their own token in a chain; a client whose
# answer is lost retries the same token (the grace window gives it the
# successor if the rotation had committed).
chain() {
	local tok=$1 n=$2 i try code hdr re='Set-Cookie: refreshToken=([^;]*);'
	for ((i = 1; i <= n; i++)); do
		for try in 1 2 3 4; do
			hdr=$(curl -s --max-time 10 -o /dev/null -D - \
			    -w '%{http_code}' -X POST -H "Origin: $ORIGIN" \
			    -H "Cookie: refreshToken=$tok" \
			    "http://127.0.0.1:$TI_PORT/api/auth/refresh")
			code=${hdr: -3}
			[ "$code" = 200 ] && break
			echo "$code" >>"$T/k.$3.retries"
			sleep 0.2
		done
		[ "$code" = 200 ] || { echo "chain $3 stopped: $code"; return 1; }
		[[ $hdr =~ $re ]] && tok=${BASH_REMATCH[1]}
		echo >>"$T/k.$3.n"
	done
	echo ok
}
KPIDS=
for c in 1 2 3 4 5 6 7 8; do
	login alice@example.com pw-of-alice-123
	tok=$(cookie_tok)
	chain "$tok" 40 "$c" >"$T/k.$c.out" 2>&1 &
	KPIDS="$KPIDS $!"
done
# The kill lands once 60 of the 320 rotations are done (at most 30 s).
i=0
until [ "$(cat "$T"/k.*.n 2>/dev/null | wc -l)" -ge 60 ] || [ $i -ge 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
KILLED_AT=$(cat "$T"/k.*.n 2>/dev/null | wc -l)
VICTIM=$(head -n 1 "$T/auth.pid")
kill -KILL "$VICTIM"
for p in $KPIDS; do
	wait "$p"
done
TI_CASE="sigkill"
# SIGKILL is delivered asynchronously, and where nobody reaps orphans
# the victim stays a zombie: gone is "absent or state Z", within 5 s.
ti_expect_true "the victim is gone" ti_wait_gone "$VICTIM"
ti_expect_true "killed in the middle of the burst ($KILLED_AT of 320 done)" \
    test "$KILLED_AT" -ge 60 -a "$KILLED_AT" -lt 320
ti_expect_true "every chain finished" test \
    "$(cat "$T"/k.*.out | grep -c '^ok$')" = 8
case $DB_URL in
postgres*) ;;	# no such check; the rows below are the point
*)	ti_expect_true "integrity_check ok" test \
	    "$(sql 'PRAGMA integrity_check')" = ok ;;
esac
ti_expect_true "no spent token without its successor" test \
    "$(sql 'SELECT count(*) FROM refresh_tokens t WHERE t.rotated IS NOT NULL AND NOT EXISTS (SELECT 1 FROM refresh_tokens c WHERE c.parent_id = t.id)')" = 0
ti_expect_true "no token with two successors" test \
    "$(sql 'SELECT count(*) FROM (SELECT parent_id FROM refresh_tokens WHERE parent_id IS NOT NULL GROUP BY parent_id HAVING count(*) > 1) AS d')" = 0
ti_expect_true "every live session has exactly one current token" test \
    "$(sql 'SELECT count(*) FROM sessions s WHERE s.revoked IS NULL AND (SELECT count(*) FROM refresh_tokens t WHERE t.session_id = s.id AND t.rotated IS NULL AND t.revoked IS NULL) != 1')" = 0
echo "sigkill: retried answers: $(cat "$T"/k.*.retries 2>/dev/null | sort | uniq -c | tr '\n' ' ')"

# --- the parent of S1 (rotated at the start), after the grace window ------
while [ $((SECONDS - S0_AT)) -le "$GRACE" ]; do
	sleep 1
done
refresh "parent after grace" "$S0"
ti_expect_error 401 refresh_token_reused
refresh "newest after late reuse" "$S1"
ti_expect_error 401 refresh_token_revoked

# --- operator commands ----------------------------------------------------
TI_CASE=authctl
ti_expect_true "user list shows carol" sh -c \
    "'$AUTHCTL' user list | grep -q 'carol@example.com	active'"
ti_expect_true "user add refuses a duplicate" sh -c \
    "! echo pw-of-alice-123 | '$AUTHCTL' user add alice@example.com 2>/dev/null"
echo new-password-1 | "$AUTHCTL" user passwd carol@example.com
login carol@example.com new-password-1
ti_expect_status 200
"$AUTHCTL" user disable carol@example.com
login carol@example.com new-password-1
ti_expect_error 403 account_disabled
refresh "disabled user's token" "$CA"
ti_expect_error 401 refresh_token_revoked
ti_expect_true "db prune runs" sh -c "'$AUTHCTL' db prune | grep -q '^pruned [0-9]* rows$'"
ti_expect_true "expired token pruned" test \
    "$(sql "SELECT count(*) FROM refresh_tokens WHERE token_hash = $(ti_tokhash "$E0")")" = 0

ti_expect_no_secret "$T/auth.log" "$R0" "$R1" "$C1" "pw-of-alice-123" "$AT"
ti_expect_logs_clean
ti_done
