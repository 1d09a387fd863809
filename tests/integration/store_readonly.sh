#!/bin/bash
# store_readonly.sh: a SQLite database that cannot be written when a
# worker first opens it (SQLite then opens it read-only, silently) gets
# 503 for writes, with the reason in the log; once the file can be
# written again, the next write succeeds without restarting anything
# (issue 10, item 16).  One process of one thread, so that the
# connection that saw the read-only file is the one asked again.
# As root, file modes do not stop writes: the file is made immutable
# with chattr +i (skipped where the file system cannot).
. "$(dirname "$0")/lib.sh"

ti_init sqlite3
ti_auth_setup "$T/auth.db" "LOG_LEVEL=info"
ti_user fay@example.com pw-of-fay-1234

if [ "$(id -u)" = 0 ]; then
	command -v chattr >/dev/null || ti_skip "no chattr (root ignores modes)"
	chattr +i "$T/auth.db" 2>/dev/null ||
	    ti_skip "chattr +i refused here (root ignores modes)"
	writable() { chattr -i "$T/auth.db"; }
else
	chmod 0400 "$T/auth.db"
	writable() { chmod 0600 "$T/auth.db"; }
fi
# Whatever happens, the directory must be removable afterwards.
trap 'chattr -i "$T/auth.db" 2>/dev/null; ti_cleanup' EXIT

ti_spawn auth "$top_builddir/cgi-bin/refresh" 1 1
ti_route /api/auth/ auth
ti_nginx

login() {
	ti_request "$1" /api/auth/login -X POST \
	    -H 'Content-Type: application/json' \
	    -H "Origin: http://127.0.0.1:$TI_PORT" \
	    --data '{"email":"fay@example.com","password":"pw-of-fay-1234"}'
}

login "login while the file cannot be written"
ti_expect_error 503 unavailable
ti_expect_true "the log says why" \
    grep -Eq 'can only be read|readonly database' "$T/auth.log"

writable
login "login once it can: no restart needed"
ti_expect_status 200
login "and again"
ti_expect_status 200
ti_expect_true "the session was written" \
    test "$(sqlite3 "$T/auth.db" 'SELECT count(*) FROM sessions')" = 2
ti_expect_logs_clean
ti_done
