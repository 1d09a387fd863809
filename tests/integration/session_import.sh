#!/bin/bash
# session_import.sh: authctl session import, the hybrid quickstart's
# sessions carried over.  Its back end hands out base64url(32 random
# bytes) refresh tokens and stores the hex SHA-256 of the token's text;
# rows exported as CSV (user_email,token_hash,expires_at) come in all
# or none, and such a token then refreshes once through nginx into a
# token of the suite's own format and is spent: presented again after
# the grace window it revokes the family.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_pg.sh"

ti_init
ti_db_setup "$T/auth.db"
ti_auth_setup "$DB_URL" "REFRESH_GRACE_SECONDS=0" METRICS_ENABLED=true
ti_user erin@example.com pw-of-erin-123
ti_user frank@example.com pw-of-frank-123
mkdir -p "$T/tmp"
export TMPDIR=$T/tmp
ti_spawn auth "$top_builddir/cgi-bin/refresh" 1
ti_route /api/auth/ auth
ti_route /metrics auth
ti_nginx

# The quickstart's tokens: crypto.randomBytes(32).toString('base64url'),
# stored as crypto.createHash('sha256').update(token).digest('hex'); and
# one of another shape (any cookie-safe text).
eval "$(/usr/bin/python3 - <<'PY'
import base64, hashlib, os
def tok(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
for name, t in (("TOK1", tok(os.urandom(32))), ("TOK2", tok(os.urandom(32))),
                ("TOK3", "legacy." + tok(os.urandom(24))),
                ("TOKX", tok(os.urandom(32)))):
    print("%s=%s %s_HASH=%s" % (name, t, name,
        hashlib.sha256(t.encode()).hexdigest()))
PY
)"
ti_secret "$TOK1" "$TOK2" "$TOK3" "$TOKX"
NOW=$(date +%s)
LATER=$((NOW + 86400))
sessions() { ti_sql 'SELECT count(*) FROM sessions'; }

TI_CASE="a bad file changes nothing"
cat >"$T/bad.csv" <<EOF
user_email,token_hash,expires_at
erin@example.com,$TOK1_HASH,$LATER
nobody@example.com,$TOK2_HASH,$LATER
erin@example.com,not-a-hash,$LATER
erin@example.com,$TOK3_HASH,next tuesday
erin@example.com,$TOK1_HASH,$LATER
EOF
"$AUTHCTL" session import "$T/bad.csv" >"$T/bad.out" 2>&1
ti_expect_true "exit 1" test $? -eq 1
for l in "line 3: no user nobody@example.com" "line 4: token_hash" \
    "line 5: expires_at" "line 6: the same token_hash" "nothing imported"; do
	ti_expect_true "names $l" grep -qF "$l" "$T/bad.out"
done
ti_expect_true "no session stored" test "$(sessions)" = 0
printf 'email,hash\nerin@example.com,%s\n' "$TOK1_HASH" >"$T/nohdr.csv"
"$AUTHCTL" session import "$T/nohdr.csv" >"$T/nohdr.out" 2>&1
ti_expect_true "a header without the three names is refused" \
    grep -q 'header must name user_email, token_hash and expires_at' \
    "$T/nohdr.out"

: >"$T/empty.csv"
"$AUTHCTL" session import "$T/empty.csv" >"$T/empty.out" 2>&1
ti_expect_true "an empty file is refused (no header)" \
    grep -q 'line 1: no header' "$T/empty.out"

TI_CASE="import"
if [ "${TI_DB:-}" = postgresql ]; then
	# The quickstart's own database, exported as authctl(1) says.
	QS_URL=${DB_URL%/*}/quickstart
	ti_sql 'CREATE DATABASE quickstart' >/dev/null
	psql -X -q -v ON_ERROR_STOP=1 "$QS_URL" >/dev/null <<EOF
CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT NOT NULL);
CREATE TABLE user_sessions (id SERIAL PRIMARY KEY, user_id TEXT NOT NULL,
    token TEXT NOT NULL, expires_at TIMESTAMPTZ NOT NULL);
INSERT INTO users VALUES ('u1', 'Erin@Example.com'), ('u2', 'frank@example.com');
INSERT INTO user_sessions (user_id, token, expires_at) VALUES
    ('u1', '$TOK1_HASH', to_timestamp($LATER)),
    ('u1', '${TOK2_HASH^^}', to_timestamp($LATER)),
    ('u2', '$TOK3_HASH', to_timestamp($LATER)),
    ('u2', '$TOKX_HASH', to_timestamp($((NOW - 60))));
EOF
	psql -X "$QS_URL" -c "COPY (SELECT u.email AS user_email,
	    s.token AS token_hash,
	    EXTRACT(EPOCH FROM s.expires_at)::bigint AS expires_at
	    FROM user_sessions s JOIN users u ON u.id = s.user_id
	    WHERE s.expires_at > now()) TO STDOUT WITH (FORMAT csv, HEADER)" \
	    >"$T/sessions.csv"
	# The export leaves out the expired row; add it back, as a file
	# written another way may hold one.
	echo "frank@example.com,$TOKX_HASH,$((NOW - 60))" >>"$T/sessions.csv"
else
# As psql's \copy ... CSV HEADER writes it, one timestamp as SQL text.
cat >"$T/sessions.csv" <<EOF
user_email,token_hash,expires_at
Erin@Example.com,$TOK1_HASH,$LATER
erin@example.com,${TOK2_HASH^^},"$(date -u -d @"$LATER" '+%Y-%m-%d %H:%M:%S').25+00"
frank@example.com,$TOK3_HASH,$(date -u -d @"$LATER" '+%Y-%m-%dT%H:%M:%SZ')
frank@example.com,$TOKX_HASH,$((NOW - 60))
EOF
fi
out=$("$AUTHCTL" session import "$T/sessions.csv" 2>"$T/import.err")
ti_expect_true "imported 3, one expired ($out)" test "$out" = \
    "imported 3 sessions; skipped 0 already present, 1 expired"
ti_expect_true "audited" grep -q 'action=sessions_imported result=ok.*imported=3' \
    "$T/import.err"
ti_expect_true "expiry kept ($LATER)" \
    test "$(ti_sql "SELECT count(*) FROM sessions WHERE expires = $LATER")" = 3
out=$("$AUTHCTL" session import - <"$T/sessions.csv" 2>/dev/null)
ti_expect_true "again from stdin: nothing new ($out)" test "$out" = \
    "imported 0 sessions; skipped 3 already present, 1 expired"
ti_expect_true "three sessions" test "$(sessions)" = 3

refresh()
{
	ti_request "$1" /api/auth/refresh -X POST \
	    -H "Sec-Fetch-Site: same-origin" -H "Cookie: refreshToken=$2"
}

refresh "the carried-over token refreshes" "$TOK1"
ti_expect_status 200
ti_expect_json 'j["tokenType"]' Bearer
new=$(sed -n 's/^Set-Cookie: refreshToken=\([^;]*\);.*/\1/p' "$T/last.headers")
ti_secret "$new"
ti_expect_true "into a token of the suite's format" \
    test "${#new}" = 43 -a "$new" != "$TOK1"
refresh "which refreshes in turn" "$new"
ti_expect_status 200
newer=$(sed -n 's/^Set-Cookie: refreshToken=\([^;]*\);.*/\1/p' "$T/last.headers")
ti_secret "$newer"
# REFRESH_GRACE_SECONDS=0: a second later the window is over.
sleep 1
refresh "the carried-over token again: reuse" "$TOK1"
ti_expect_status 401
ti_expect_json 'j["error"]["reason"]' refresh_token_reused
refresh "which revoked the family" "$newer"
ti_expect_status 401
ti_expect_json 'j["error"]["reason"]' refresh_token_revoked

ti_request "a token of another shape, by JSON body" /api/auth/refresh -X POST \
    -H 'Content-Type: application/json' --data "{\"refreshToken\":\"$TOK3\"}"
ti_expect_status 200
ti_expect_json 'len(j["refreshToken"])' 43
ti_expect_json 'j["refreshToken"] != "'"$TOK3"'"' true
ti_secret "$(ti_json 'j["refreshToken"]')"
refresh "the upper-case hash was read as the same hash" "$TOK2"
ti_expect_status 200
refresh "the expired row was not imported" "$TOKX"
ti_expect_status 401
ti_expect_json 'j["error"]["reason"]' refresh_token_unknown
refresh "text that is no token" 'a"b'
ti_expect_status 401
ti_expect_json 'j["error"]["reason"]' refresh_token_malformed

# The quickstart's jwt_auth_users_total is recorded from auth_users:
# erin (her second session) and frank are on JWT, nobody on sessions.
ti_request figures /metrics
ti_expect_status 200
ti_expect_true "auth_users{method=\"jwt\"} 2" \
    grep -qx 'auth_users{method="jwt"} 2' "$T/last.body"
ti_expect_true "auth_users{method=\"session\"} 0" \
    grep -qx 'auth_users{method="session"} 0' "$T/last.body"
ti_expect_logs_clean
ti_done
