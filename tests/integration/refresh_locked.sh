#!/bin/bash
# refresh_locked.sh: a SQLite database locked past the busy timeout (5 s)
# by another process makes login and refresh answer 503 with Retry-After,
# and changes nothing: the presented refresh token still works once the
# lock is gone, and no row was written meanwhile.  The log says why
# (SQLite's own message).
. "$(dirname "$0")/lib.sh"

ti_init sqlite3
ti_auth_setup "$T/auth.db" "LOG_LEVEL=info"
ti_user erin@example.com pw-of-erin-123
ti_spawn auth "$top_builddir/cgi-bin/refresh" 2 2
ti_route /api/auth/ auth
ti_nginx

cookie_tok() { ti_header Set-Cookie | sed -n 's/^refreshToken=\([^;]*\);.*/\1/p'; }
state() {
	sqlite3 "$T/auth.db" 'SELECT count(*), sum(rotated IS NOT NULL),
	    sum(revoked IS NOT NULL) FROM refresh_tokens;
	    SELECT count(*) FROM sessions; SELECT * FROM login_throttle;'
}

ti_request "login" /api/auth/login -X POST -H 'Content-Type: application/json' \
    --data '{"email":"erin@example.com","password":"pw-of-erin-123"}'
ti_expect_status 200
R=$(cookie_tok)
before=$(state)

# Another process takes the write lock and keeps it for 8 seconds.
/usr/bin/python3 - "$T/auth.db" "$T/locked" <<'PY' &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=1, isolation_level=None)
db.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(8)
db.execute("ROLLBACK")
PY
locker=$!
ti_track "$locker"
# Wait until it holds the lock (python may start slowly on a busy host).
for i in $(seq 200); do
	[ -e "$T/locked" ] && break
	sleep 0.1
done
ti_expect_true "the other process holds the write lock" test -e "$T/locked"

# Both requests wait out the busy timeout at the same time.
curl -s -o /dev/null -w '%{http_code}' --max-time 20 -X POST \
    -H 'Content-Type: application/json' \
    --data '{"email":"erin@example.com","password":"pw-of-erin-123"}' \
    "http://127.0.0.1:$TI_PORT/api/auth/login" >"$T/login.status" &
login=$!
ti_request "refresh while locked" /api/auth/refresh -X POST \
    -H "Origin: http://127.0.0.1:$TI_PORT" -H "Cookie: refreshToken=$R"
ti_expect_error 503 unavailable
ti_expect_header Retry-After '^[0-9]+$'
wait "$login"
ti_expect_true "login while locked is 503 too" \
    test "$(cat "$T/login.status")" = 503
wait "$locker"
ti_expect_true "nothing changed while locked" test "$(state)" = "$before"
# The 503 says why in the log: SQLite's own message (issue 10, item 18).
ti_expect_true "the log has SQLite's reason" grep -q \
    'event=db_unavailable error="sqlite: database is locked"' "$T/auth.log"

ti_request "the same token works once the lock is gone" /api/auth/refresh \
    -X POST -H "Origin: http://127.0.0.1:$TI_PORT" -H "Cookie: refreshToken=$R"
ti_expect_status 200
ti_expect_true "and rotated it" test -n "$(cookie_tok)" -a "$(cookie_tok)" != "$R"
ti_expect_true "integrity_check ok" \
    test "$(sqlite3 "$T/auth.db" 'PRAGMA integrity_check')" = ok
ti_expect_logs_clean
ti_done
