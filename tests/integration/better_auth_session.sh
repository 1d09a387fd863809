#!/bin/bash
# better_auth_session.sh: with BETTER_AUTH_SESSION_TABLE=session, verify
# and todos accept the session cookie of a real Better Auth that shares
# their SQLite file (or, with TI_DB=postgresql: better_auth_session_pg.sh,
# their PostgreSQL database, lib_pg.sh).
#
# Better Auth (the npm package of better_auth/package-lock.json, on Node)
# runs better_auth/server_sqlite.mjs: email and password, its Kysely
# adapter on $T/shared.db (its own migrations make its tables; the
# statements go through Python's sqlite3, Node 20 having none) or on the
# PostgreSQL database (npm's pg), and `authctl db migrate` adds the
# suite's tables to the same database.  A user
# signs up; the cookie better-auth.session_token that Better Auth set
# ("TOKEN.SIGNATURE", percent-encoded) is accepted by verify and todos
# through nginx with the Better Auth user id as subject.  Refused with
# 401, changing nothing in Better Auth's table: the token under another
# signature (session_signature_invalid), a token signed right but unknown
# to Better Auth (session_unknown), no signature (session_malformed), a
# session whose expiresAt has passed (session_expired); and after Better
# Auth's own sign-out the cookie is refused within SESSION_CACHE_SECONDS.
# A verify without the setting ignores the cookie (token_missing).
# Skipped without node 20+ and npm, or when npm ci cannot install.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
here=$(dirname "$0")
. "$here/lib.sh"

ti_init
ti_need nginx
[ -x /usr/bin/python3 ] || ti_skip "/usr/bin/python3 is needed"
command -v mkfifo >/dev/null 2>&1 || ti_skip "mkfifo is needed"
. "$here/lib_better_auth.sh"
. "$here/lib_pg.sh"
ba_install

ba_setup server_sqlite.mjs sqlite_bridge.py
umask 077
ti_db_setup "$T/shared.db"
DB=$DB_URL
ba_start server_sqlite.mjs "$DB"

ba_request "sign up" /api/auth/sign-up/email -c "$T/cookies" \
    -H 'Content-Type: application/json' -H "Origin: $BA_URL" \
    -d '{"email":"ada@example.test","password":"correct horse battery staple","name":"Ada"}'
ti_expect_status 200
USER_ID=$(ti_json 'j["user"]["id"]')
COOKIE=$(awk '$6 == "better-auth.session_token" { print $7 }' "$T/cookies")
ti_expect_true "Better Auth set its session cookie" test -n "$COOKIE"
TI_CASE="Better Auth's session row is in the shared file"
n=$(ti_sql "SELECT count(*) FROM session WHERE \"userId\" = '$USER_ID'")
[ "$n" = 1 ] && ti_pass || ti_fail "$n rows"

# The suite on the same file, with Better Auth's secret (which also
# signs and verifies its HS256 tokens, as the Better Auth guides set it).
export BETTER_AUTH_SECRET=$BA_SECRET
ti_config "$T/auth.conf" "DATABASE_URL=$DB" \
    "BETTER_AUTH_SESSION_TABLE=session" "SESSION_CACHE_SECONDS=1" \
    "AUTH_COOKIE_SECURE=false" "LOG_LEVEL=debug"
export AUTH_CONFIG=$T/auth.conf
"$AUTHCTL" db migrate >/dev/null || { echo "migrate failed"; exit 99; }
ti_spawn verify "$top_builddir/cgi-bin/verify" 1
ti_spawn todos "$top_builddir/cgi-bin/todos" 1
BETTER_AUTH_SESSION_TABLE= ti_spawn plain "$top_builddir/cgi-bin/verify" 1
ti_route /verify verify
ti_route /plain plain
ti_route /api/ todos
ti_nginx

ba() { echo "Cookie: better-auth.session_token=$1"; }
ti_request "verify by Better Auth's cookie" /verify -H "$(ba "$COOKIE")"
ti_expect_status 200
ti_expect_header X-Auth-Subject "^$USER_ID\$"
ti_request "todos by Better Auth's cookie" "/api/users/$USER_ID/todos" \
    -H "$(ba "$COOKIE")"
ti_expect_status 200
ti_request "another user's todos" "/api/users/someone-else/todos" \
    -H "$(ba "$COOKIE")"
ti_expect_error 403 forbidden
TI_CASE="auth_method=session in verify's log"
grep -q 'status=200 .*auth_method=session' "$T/verify.log" && ti_pass ||
    ti_fail "$(tail -n 2 "$T/verify.log")"
ti_request "a verify without BETTER_AUTH_SESSION_TABLE ignores it" /plain \
    -H "$(ba "$COOKIE")"
ti_expect_error 401 token_missing

snapshot() { ti_sql "SELECT id, token, \"expiresAt\" FROM session ORDER BY id"; }
before=$(snapshot)
tok=${COOKIE%%.*}
sig=${COOKIE#*.}
other=$(printf '%s' "$tok" | tr 'A-Za-z' 'N-ZA-Mn-za-m')
ti_request "another token under the cookie's signature" /verify \
    -H "$(ba "$other.$sig")"
ti_expect_error 401 session_signature_invalid
ti_request "the cookie signed with another secret" /verify -H "$(ba "$tok.$(
    printf '%s' "$tok" | openssl dgst -sha256 -hmac "not-$BA_SECRET" -binary |
    base64 | sed 's/+/%2B/g; s,/,%2F,g; s/=/%3D/g')")"
ti_expect_error 401 session_signature_invalid
unknown=$(head -c 24 /dev/urandom | base64 | tr '+/' 'AB')
ti_request "a token Better Auth never issued, signed right" /verify \
    -H "$(ba "$unknown.$(printf '%s' "$unknown" |
    openssl dgst -sha256 -hmac "$BA_SECRET" -binary | base64 |
    sed 's/+/%2B/g; s,/,%2F,g; s/=/%3D/g')")"
ti_expect_error 401 session_unknown
ti_request "no signature" /verify -H "$(ba "$tok")"
ti_expect_error 401 session_malformed
ti_request "a bad percent escape" /verify -H "$(ba "$tok.%zz")"
ti_expect_error 401 session_malformed
TI_CASE="bad cookies changed nothing in Better Auth's table"
[ "$(snapshot)" = "$before" ] && ti_pass || ti_fail "$(snapshot)"

# Expired: a second sign-in, its expiresAt moved into the past.
ba_request "sign in" /api/auth/sign-in/email -c "$T/cookies2" \
    -H 'Content-Type: application/json' -H "Origin: $BA_URL" \
    -d '{"email":"ada@example.test","password":"correct horse battery staple"}'
ti_expect_status 200
C2=$(awk '$6 == "better-auth.session_token" { print $7 }' "$T/cookies2")
ti_request "the second session" /verify -H "$(ba "$C2")"
ti_expect_status 200
ti_sql "UPDATE session SET \"expiresAt\" = '2020-01-01T00:00:00.000Z' WHERE token = '${C2%%.*}'"
sleep 1.1	# SESSION_CACHE_SECONDS
ti_request "a session past its expiresAt" /verify -H "$(ba "$C2")"
ti_expect_error 401 session_expired

# Better Auth's own sign-out deletes the row: refused within 1 s.
ti_request "warm the cache" /verify -H "$(ba "$COOKIE")"
ti_expect_status 200
ba_request "Better Auth sign-out" /api/auth/sign-out -X POST -b "$T/cookies" \
    -H "Origin: $BA_URL" -H 'Content-Type: application/json' -d '{}'
ti_expect_status 200
t0=$(date +%s.%N)
for i in $(seq 1 60); do
	st=$(curl -s -o "$T/so.body" -w '%{http_code}' -H "$(ba "$COOKIE")" \
	    "http://127.0.0.1:$TI_PORT/verify")
	[ "$st" = 401 ] && break
	sleep 0.05
done
dt=$(echo "$(date +%s.%N) - $t0" | bc)
echo "Better Auth sign-out: 401 after $dt s"
TI_CASE="after Better Auth's sign-out: 401 session_unknown within 2 s"
if [ "$st" = 401 ] && grep -q session_unknown "$T/so.body" &&
    [ "$(echo "$dt < 2" | bc)" = 1 ]; then ti_pass; else ti_fail "$st $dt"; fi
ti_done
