#!/bin/sh
# ops_ready.sh: `refresh` behind nginx on a SQLite file.  /readyz is 200,
# then 503 naming the database when the file is moved away, and 200 again
# when it is back.  (Tests run as root, for whom file modes do not stop
# reads, so the file is renamed, and then replaced by a directory: both
# make it unopenable for root too.)  The audit trail: one info line per
# login (success and each failure with its reason), signup, logout,
# session revocation, refresh-token reuse, password change, user disable,
# key rotation and retirement, with user, session and client address;
# X-Request-Id from the client is echoed and names every line of its
# request; none of the tokens, cookies or passwords used reach a log.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
here=$(dirname "$0")
. "$here/lib.sh"

ti_init
ti_need nginx
ti_key "$T/jwt.key"
AUTH_CONFIG=$T/auth.conf
export AUTH_CONFIG
ti_config "$AUTH_CONFIG" "JWT_SECRET_FILE=$T/jwt.key" \
    "DATABASE_URL=$T/auth.db" AUTH_COOKIE_SECURE=false AUTH_SIGNUP=true \
    REFRESH_GRACE_SECONDS=0 METRICS_ENABLED=true \
    "METRICS_FILE=$T/refresh.metrics"
"$AUTHCTL" db migrate >/dev/null || { echo "migrate failed"; exit 99; }
PW=pw-of-alice-123
echo "$PW" | "$AUTHCTL" user add alice@example.com >"$T/alice.id" ||
    { echo "user add failed"; exit 99; }
ALICE=$(cat "$T/alice.id")
ti_spawn refresh "$top_builddir/cgi-bin/refresh" 2
ti_route /api/auth/ refresh
ti_route /readyz refresh
ti_route /metrics refresh
ti_nginx

ti_request ready /readyz
ti_expect_status 200
ti_expect_json 'j["status"]' ready
ti_expect_json 'j["checks"]' '{"keys": "ok", "database": "ok"}'
ti_expect_header Cache-Control no-store

# The file moved away: not ready, and the body says what.
mv "$T/auth.db" "$T/auth.db.away"
ti_request "database moved away" /readyz
ti_expect_status 503
ti_expect_json 'j["status"]' "not ready"
ti_expect_json 'j["checks"]["database"]' unavailable
ti_expect_json 'j["checks"]["keys"]' ok
mkdir "$T/auth.db"
ti_request "database replaced by a directory" /readyz
ti_expect_status 503
ti_expect_json 'j["checks"]["database"]' unavailable
rmdir "$T/auth.db"
mv "$T/auth.db.away" "$T/auth.db"
ti_request "database back" /readyz
ti_expect_status 200
ti_expect_json 'j["checks"]["database"]' ok

# --- audit ---------------------------------------------------------------
login()
{
	ti_request "login $1" /api/auth/login -X POST \
	    -H 'Content-Type: application/json' -H "X-Request-Id: $3" \
	    --data "{\"email\":\"$1\",\"password\":\"$2\"}"
}
# The sid claim of an access token.
sid_of()
{
	/usr/bin/python3 -c 'import base64, json, sys
p = sys.argv[1].split(".")[1]
print(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["sid"])' "$1"
}
cookie_tok() { ti_header Set-Cookie | sed -n 's/^refreshToken=\([^;]*\);.*/\1/p'; }
log=$T/refresh.log
# audit RID ERE: one audit line of request RID matches ERE.
audit()
{
	TI_CASE="audit $1"
	if [ "$(grep "rid=$1\$" "$log" | grep -c 'event=audit')" -eq 1 ] &&
	    grep "rid=$1\$" "$log" | grep 'event=audit' | grep -qE -- "$2"; then
		ti_pass
	else
		ti_fail "audit line" "/$2/" "$(grep "rid=$1" "$log")"
	fi
}

login alice@example.com "$PW" rid-login-ok
ti_expect_status 200
ti_expect_header X-Request-Id '^rid-login-ok$'
R1=$(cookie_tok)
AT=$(ti_json 'j["accessToken"]')
SID=$(sid_of "$AT")
audit rid-login-ok "action=login result=ok user=$ALICE session=$SID remote=127\.0\.0\.1 rid=rid-login-ok$"
login alice@example.com wrong-password-1 rid-login-bad
ti_expect_status 401
audit rid-login-bad "action=login result=credentials_invalid user=$ALICE session=- remote=127\.0\.0\.1 "
login nobody@example.com wrong-password-2 rid-login-nobody
ti_expect_status 401
audit rid-login-nobody "action=login result=credentials_invalid user=- session=- "

ti_request signup /api/auth/signup -X POST -H 'X-Request-Id: rid-signup' \
    -H 'Content-Type: application/json' \
    --data '{"email":"bob@example.com","password":"pw-of-bob-12345"}'
ti_expect_status 201
BOB=$(ti_json 'j["id"]')
audit rid-signup "action=signup result=ok user=$BOB session=- remote=127\.0\.0\.1 "

# Rotate R1 to R2, then present R1 again: reuse, the family goes.
ti_request rotate /api/auth/refresh -X POST -H "Cookie: refreshToken=$R1" \
    -H "Sec-Fetch-Site: same-origin" -H 'X-Request-Id: rid-rotate'
ti_expect_status 200
R2=$(cookie_tok)
sleep 1.1	# past REFRESH_GRACE_SECONDS=0 (whole seconds)
ti_request reuse /api/auth/refresh -X POST -H "Cookie: refreshToken=$R1" \
    -H "Sec-Fetch-Site: same-origin" -H 'X-Request-Id: rid-reuse'
ti_expect_status 401
audit rid-reuse "action=refresh_token_reused result=refresh_token_reused user=$ALICE session=$SID remote=127\.0\.0\.1 family=revoked"

# A session revoked by its owner, and a logout.
login alice@example.com "$PW" rid-login-2
AT2=$(ti_json 'j["accessToken"]')
R3=$(cookie_tok)
login alice@example.com "$PW" rid-login-3
SID3=$(sid_of "$(ti_json 'j["accessToken"]')")
ti_request revoke "/api/auth/sessions/$SID3" -X DELETE \
    -H "Authorization: Bearer $AT2" -H 'X-Request-Id: rid-revoke'
ti_expect_status 204
audit rid-revoke "action=session_revoked result=ok user=$ALICE session=$SID3 remote=127\.0\.0\.1 "
SID2=$(sid_of "$AT2")
ti_request logout /api/auth/logout -X POST -H "Cookie: refreshToken=$R3" \
    -H "Sec-Fetch-Site: same-origin" -H 'X-Request-Id: rid-logout'
ti_expect_status 204
audit rid-logout "action=logout result=ok user=- session=$SID2 remote=127\.0\.0\.1 "

# Every line of a request carries its id: the reuse warning too.
TI_CASE="request id"
ti_expect_true "the reuse warning names its request" \
    grep -q 'event=refresh_token_reused .* rid=rid-reuse$' "$log"
ti_request "generated id" /api/auth/refresh -X POST
ti_expect_header X-Request-Id '^[0-9a-f]{16}$'
ti_request "bad id replaced" /api/auth/refresh -X POST \
    -H 'X-Request-Id: a b<script>'
ti_expect_header X-Request-Id '^[0-9a-f]{16}$'

# Figures of the same events.
ti_request figures /metrics
ti_expect_status 200
metric()
{
	awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print "absent" }' \
	    "$T/last.body"
}
for kv in 'auth_logins_total{result="ok"} 3' \
    'auth_logins_total{result="credentials_invalid"} 2' \
    'auth_signups_total 1' 'auth_logouts_total 1' \
    'token_refresh_total 4' \
    'token_refresh_errors_total{reason="refresh_token_reused"} 1' \
    'token_refresh_errors_total{reason="refresh_token_missing"} 2' \
    'auth_active_sessions 0' 'auth_users{method="jwt"} 0' \
    'auth_users{method="session"} 0'; do
	set -- $kv
	TI_CASE="figure $1"
	v=$(metric "$1")
	if [ "$v" = "$2" ]; then ti_pass; else ti_fail "$1" "$2" "$v"; fi
done
ti_expect_true "user_sessions_table_size_bytes reported" \
    sh -c "grep -qE '^user_sessions_table_size_bytes [1-9][0-9]*$' '$T/last.body'"
ti_expect_true "auth_db_queries_total counted" \
    test "$(metric 'auth_db_queries_total{method="other"}')" -gt 10
ti_expect_true "statements of Bearer-authenticated requests count as jwt" \
    test "$(metric 'auth_db_queries_total{method="jwt"}')" -gt 0
cp "$T/last.body" "$T/scrape.txt"
if command -v promtool >/dev/null 2>&1; then
	if promtool check metrics <"$T/scrape.txt" >"$T/promtool.out" 2>&1; then
		ti_pass
	else
		ti_fail "promtool check metrics" "no problem" "$(cat "$T/promtool.out")"
	fi
fi

# Operator actions through authctl: password change, disable, keys.
TI_CASE=authctl
echo new-pw-of-alice-1 | "$AUTHCTL" user passwd alice@example.com \
    2>"$T/authctl.log" >/dev/null
"$AUTHCTL" user disable bob@example.com 2>>"$T/authctl.log" >/dev/null
ti_expect_true "password change audited" grep -qE \
    "prog=authctl level=info event=audit action=password_changed result=ok user=alice@example.com session=- remote=- actor=authctl uid=[0-9]+$" "$T/authctl.log"
ti_expect_true "user disable audited" grep -qE \
    "event=audit action=user_disabled result=ok user=bob@example.com " "$T/authctl.log"
mkdir -m 700 "$T/keys"
ti_config "$T/keys.conf" JWT_ALGORITHM=RS256 "JWT_KEYS_DIR=$T/keys"
k1=$(AUTH_CONFIG=$T/keys.conf "$AUTHCTL" key rotate 2>>"$T/authctl.log")
k2=$(AUTH_CONFIG=$T/keys.conf "$AUTHCTL" key rotate 2>>"$T/authctl.log")
AUTH_CONFIG=$T/keys.conf "$AUTHCTL" key retire "$k1" >/dev/null 2>>"$T/authctl.log"
ti_expect_true "key rotation audited" grep -qE \
    "event=audit action=key_rotated result=ok user=- session=- remote=- kid=$k2 alg=RS256 actor=authctl" "$T/authctl.log"
ti_expect_true "key retirement audited" grep -qE \
    "event=audit action=key_retired result=ok .* kid=$k1 actor=authctl" "$T/authctl.log"

ti_expect_logs_clean
ti_expect_no_secret "$log" "$R1" "$R2" "$R3" "$AT" "$AT2" "$PW" \
    wrong-password-1 pw-of-bob-12345 "$(cat "$T/jwt.key")"
ti_expect_no_secret "$T/authctl.log" new-pw-of-alice-1 "$PW"
ti_done
