#!/bin/bash
# refresh_start.sh: refresh refuses to start with a configuration it
# cannot do its job with, naming the setting, and `authctl check-config`
# says the same: a host that can only verify (a public key, no signing
# key: before, a correct login wrote a session row, logged result=ok and
# answered 500) and JWT_SUBJECT_TYPE=integer (its users' ids are UUIDs:
# before, a login answered 422 after storing the session).  With a
# configuration it can work with, a login is answered 200, logged
# result=ok once, and its session records the access token's expiry
# (sessions.access_exp, which revocation keeps entries for: revoke.sh).
. "$(dirname "$0")/lib.sh"

ti_init sqlite3 openssl
ti_auth_setup "$T/auth.db" "LOG_LEVEL=info"
ti_user erin@example.com pw-of-erin-123
"$AUTHCTL" keygen --out "$T/refresh.secret" >/dev/null 2>&1 ||
    { echo "keygen failed"; exit 99; }
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$T/rsa.pem" 2>/dev/null &&
    openssl pkey -in "$T/rsa.pem" -pubout -out "$T/rsa.pub" 2>/dev/null ||
    { echo "openssl failed"; exit 99; }
rows() { sqlite3 "$T/auth.db" 'SELECT count(*) FROM sessions'; }

# refuses NAME CONF WORDS...: refresh exits at start with CONF, its log
# names WORDS, check-config prints the same, and no session was stored.
refuses() {
	local name=$1 conf=$2 w rc

	shift 2
	TI_CASE="$name"
	AUTH_CONFIG=$conf timeout 20 "$top_builddir/cgi-bin/refresh" \
	    --socket "$T/$name.sock" >"$T/$name.out" 2>"$T/$name.log"
	rc=$?
	ti_expect_true "$name: refresh exits at start (exit $rc)" \
	    test "$rc" != 0 -a "$rc" != 124
	ti_expect_true "$name: the log says config_invalid" \
	    grep -q 'event=config_invalid' "$T/$name.log"
	AUTH_CONFIG=$conf "$AUTHCTL" check-config >"$T/$name.check" 2>&1
	for w in "$@"; do
		ti_expect_true "$name: the log names $w" \
		    grep -qF -- "$w" "$T/$name.log"
		ti_expect_true "$name: check-config names $w" \
		    grep -qF -- "$w" "$T/$name.check"
	done
	ti_expect_true "$name: check-config says refresh will not start" \
	    grep -q '^note: refresh will not start: ' "$T/$name.check"
}

before=$(rows)
ti_config "$T/verifyonly.conf" "JWT_ALGORITHM=RS256" \
    "JWT_PUBLIC_KEY_FILE=$T/rsa.pub" \
    "REFRESH_TOKEN_SECRET_FILE=$T/refresh.secret" \
    "DATABASE_URL=$T/auth.db" "AUTH_COOKIE_SECURE=false"
refuses verify-only "$T/verifyonly.conf" "no signing key" \
    JWT_PRIVATE_KEY_FILE

cp "$T/auth.conf" "$T/integer.conf"
echo "JWT_SUBJECT_TYPE=integer" >>"$T/integer.conf"
refuses integer "$T/integer.conf" "JWT_SUBJECT_TYPE=integer" UUID
ti_expect_true "no session stored by either" test "$(rows)" = "$before"

# The same key pair with its private half: refresh starts and logs in.
ti_config "$T/rsa.conf" "JWT_ALGORITHM=RS256" \
    "JWT_PRIVATE_KEY_FILE=$T/rsa.pem" \
    "REFRESH_TOKEN_SECRET_FILE=$T/refresh.secret" \
    "DATABASE_URL=$T/auth.db" "AUTH_COOKIE_SECURE=false" \
    "AUTH_PASSWORD_HASH_MEMORY_KIB=8" "LOG_LEVEL=info"
chmod 600 "$T/rsa.conf"
AUTH_CONFIG=$T/rsa.conf "$AUTHCTL" check-config >"$T/rsa.check" 2>&1
ti_expect_true "signing host: check-config has no refusal" \
    sh -c "! grep -q 'refresh will not start' '$T/rsa.check'"
AUTH_CONFIG=$T/rsa.conf ti_spawn auth "$top_builddir/cgi-bin/refresh" 1 2
ti_route /api/auth/ auth
ti_nginx
ti_request "login on a signing host" /api/auth/login -X POST \
    -H 'Content-Type: application/json' \
    --data '{"email":"erin@example.com","password":"pw-of-erin-123"}'
ti_expect_status 200
AT=$(ti_json 'j["accessToken"]')
EXP=$(AUTH_CONFIG=$T/rsa.conf "$AUTHCTL" decode "$AT" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["claims"]["exp"])')
SID=$(AUTH_CONFIG=$T/rsa.conf "$AUTHCTL" decode "$AT" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["claims"]["sid"])')
AEXP=$(sqlite3 "$T/auth.db" "SELECT access_exp FROM sessions WHERE id = '$SID'")
ti_expect_true "the session records the token's expiry ($AEXP vs exp $EXP)" \
    test -n "$AEXP" -a "${AEXP:-0}" -ge "${EXP:-1}" -a \
    "${AEXP:-0}" -le "$((${EXP:-0} + 1))"
ti_expect_true "one login logged result=ok" test \
    "$(grep -c 'event=audit action=login result=ok' "$T/auth.log")" = 1
ti_expect_true "one session more" test "$(rows)" = "$((before + 1))"

ti_expect_logs_clean
ti_done
