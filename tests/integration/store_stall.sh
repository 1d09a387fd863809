#!/bin/bash
# store_stall.sh: a store that stops answering for a while costs answers,
# never sessions.  40 clients refresh their own refresh-token family in a
# loop, each retrying the same token after a failure (curl bounded to
# 3 s), while the store stalls: with SQLite another process holds the
# write lock for 7 s (BEGIN IMMEDIATE); with PostgreSQL (TI_DB=postgresql,
# store_stall_pg.sh) the server, its postmaster and backends, is frozen
# with SIGSTOP for 10 s.  Meanwhile verify keeps answering 200, todos'
# /healthz answers at once, a todos read answers within the bound
# (AUTH_DB_TIMEOUT_MS=2000: with SQLite a read waits on no lock and is
# served, with PostgreSQL it is 503 with Retry-After), a session
# cookie's lookup on verify the same (401 for the unknown session with
# SQLite, 503 with PostgreSQL), and refreshes get 503 with Retry-After.  Afterwards everything recovers by itself: every
# client rotates again, no family was revoked as a replay, no client was
# ever refused its token.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_pg.sh"

ti_init
ti_db_setup "$T/auth.db"
ti_auth_setup "$DB_URL" REFRESH_GRACE_SECONDS=5 AUTH_DB_TIMEOUT_MS=2000 \
    LOG_LEVEL=info
N=40
for u in 0 1 2 3; do
	ti_user "user$u@example.com" "pw-of-user$u-123"
done
ti_spawn auth "$top_builddir/cgi-bin/refresh" 2
ti_spawn todos "$top_builddir/cgi-bin/todos" 1
ti_spawn verify "$top_builddir/cgi-bin/verify" 1
ti_route /api/auth/ auth
ti_route /api/v1/ todos
ti_route /healthz todos
ti_route /verify verify
ti_nginx
ORIGIN="http://127.0.0.1:$TI_PORT"
URL=http://127.0.0.1:$TI_PORT
cookie_tok() { ti_header Set-Cookie | sed -n 's/^refreshToken=\([^;]*\);.*/\1/p'; }

# N families: ten logins of each of four users.
for i in $(seq 0 $((N - 1))); do
	u=$((i % 4))
	ti_request "login $i" /api/auth/login -X POST \
	    -H 'Content-Type: application/json' -H "Origin: $ORIGIN" \
	    --data "{\"email\":\"user$u@example.com\",\"password\":\"pw-of-user$u-123\"}"
	[ "$TI_STATUS" = 200 ] || ti_expect_status 200
	cookie_tok >"$T/tok.$i"
	[ "$i" = 0 ] && AT=$(ti_json 'j["accessToken"]')
done
ti_secret "$AT"
UID0=$(ti_sql "SELECT id FROM users WHERE email = 'user0@example.com'")
ti_expect_true "$N families" \
    test "$(ti_sql 'SELECT count(*) FROM sessions WHERE revoked IS NULL')" = $N

# client I: refreshes until told to stop, retrying the same token after
# anything but 200; a 401 (its token refused) is a lost session.
client()
{
	local i=$1 tok code new
	tok=$(cat "$T/tok.$i")
	while [ ! -e "$T/stop" ]; do
		code=$(curl -s -o /dev/null -D "$T/h.$i" -w '%{http_code}' \
		    --max-time 3 -X POST -H "Origin: $ORIGIN" \
		    -H "Cookie: refreshToken=$tok" "$URL/api/auth/refresh")
		echo "$code" >>"$T/codes.$i"
		case $code in
		200)
			new=$(sed -n 's/^Set-Cookie: refreshToken=\([^;]*\);.*/\1/p' \
			    "$T/h.$i" | tr -d '\r')
			[ -n "$new" ] && tok=$new
			echo "$tok" >"$T/tok.$i"
			[ -e "$T/resumed" ] && : >"$T/after.$i"
			;;
		401|403)
			echo "client $i: $code $(cat "$T/h.$i" | head -n 1)" \
			    >>"$T/lost"
			return
			;;
		*)
			sleep 0.2
			;;
		esac
	done
}
pids=
for i in $(seq 0 $((N - 1))); do
	client "$i" &
	pids="$pids $!"
done
# Every client has rotated once before the stall.
for s in $(seq 1 300); do
	n=0
	for i in $(seq 0 $((N - 1))); do
		grep -q '^200$' "$T/codes.$i" 2>/dev/null && n=$((n + 1))
	done
	[ $n -eq $N ] && break
	sleep 0.1
done
TI_CASE=stall
ti_expect_true "all $N clients rotating before the stall ($n)" test $n -eq $N

if [ "${TI_DB:-sqlite}" = postgresql ]; then
	STALL=10
	pm=$(head -n 1 "$TI_PG_DIR/data/postmaster.pid")
	procs="$pm $(pgrep -P "$pm" | tr '\n' ' ')"
	# Thawed after STALL seconds whatever happens here.
	( kill -STOP $procs; : >"$T/stalled"; sleep $STALL; kill -CONT $procs
	    : >"$T/thawed" ) &
	staller=$!
	ti_track "$staller"
else
	STALL=7
	/usr/bin/python3 - "$DB_URL" "$T/stalled" "$STALL" <<'PY' &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=1, isolation_level=None)
db.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(int(sys.argv[3]))
db.execute("ROLLBACK")
PY
	staller=$!
	ti_track "$staller"
fi
for s in $(seq 1 100); do
	[ -e "$T/stalled" ] && break
	sleep 0.1
done
ti_expect_true "the store stalls" test -e "$T/stalled"

t() { curl -s -o /dev/null -D "$T/th" -w '%{http_code} %{time_total}' \
    --max-time 15 "$@"; }
out=$(t -H "Authorization: Bearer $AT" "$URL/verify")
echo "# verify during the stall: $out"
ti_expect_true "verify answers 200 during the stall" test "${out% *}" = 200
# A session cookie's lookup (an unknown session: the store must be asked).
out=$(t -H "Cookie: sessionToken=$(printf 'A%.0s' $(seq 1 43))" "$URL/verify")
echo "# a session cookie on verify during the stall: $out"
if [ "${TI_DB:-sqlite}" = postgresql ]; then
	ti_expect_true "a session-cookie lookup answers 503 during the freeze" \
	    test "${out% *}" = 503
else
	ti_expect_true "a session-cookie lookup is served while the write lock is held" \
	    test "${out% *}" = 401
fi
ti_expect_true "within the bound (${out#* } s)" \
    awk -v t="${out#* }" 'BEGIN { exit !(t < 4) }'
out=$(t -H "Authorization: Bearer $AT" "$URL/verify")
ti_expect_true "verify still answers 200 at once (${out#* } s)" \
    test "${out% *}" = 200 -a "$(awk -v t="${out#* }" 'BEGIN { print (t < 1) }')" = 1
out=$(t "$URL/healthz")
echo "# todos /healthz during the stall: $out"
ti_expect_true "todos /healthz answers 200 during the stall" test "${out% *}" = 200
ti_expect_true "at once (${out#* } s)" awk -v t="${out#* }" 'BEGIN { exit !(t < 1) }'
out=$(t -H "Authorization: Bearer $AT" "$URL/api/v1/$UID0/tasks")
echo "# todos read during the stall: $out"
if [ "${TI_DB:-sqlite}" = postgresql ]; then
	ti_expect_true "a todos read answers 503 during the freeze" \
	    test "${out% *}" = 503
	ti_expect_true "with Retry-After" grep -qi '^Retry-After: [0-9]' "$T/th"
else
	ti_expect_true "a todos read is served while the write lock is held" \
	    test "${out% *}" = 200
fi
ti_expect_true "within the bound (${out#* } s, AUTH_DB_TIMEOUT_MS=2000)" \
    awk -v t="${out#* }" 'BEGIN { exit !(t < 4) }'
out=$(t -X POST -H "Origin: $ORIGIN" -H "Cookie: refreshToken=$(cat "$T/tok.0")" \
    "$URL/api/auth/refresh")
echo "# refresh during the stall: $out"
ti_expect_true "a refresh answers 503 during the stall" test "${out% *}" = 503
ti_expect_true "with Retry-After" grep -qi '^Retry-After: [0-9]' "$T/th"
ti_expect_true "within the bound (${out#* } s)" \
    awk -v t="${out#* }" 'BEGIN { exit !(t < 4) }'

wait "$staller"
: >"$T/resumed"
# Everything recovers by itself: every client rotates again.
for s in $(seq 1 600); do
	n=$(ls "$T"/after.* 2>/dev/null | wc -l)
	[ "$n" -eq $N ] && break
	[ -e "$T/lost" ] && break
	sleep 0.1
done
: >"$T/stop"
wait $pids
ti_expect_true "every client rotated after the stall ($n of $N)" test "$n" -eq $N
ti_expect_true "no client's token was refused: $(cat "$T/lost" 2>/dev/null | head -n 3)" \
    test ! -e "$T/lost"
c503=$(cat "$T"/codes.* | grep -c '^503$')
echo "# refresh answers: $(cat "$T"/codes.* | sort | uniq -c | tr '\n' ' ')"
ti_expect_true "refreshes were answered 503 during the stall ($c503)" test "$c503" -gt 0
ti_expect_true "no family revoked" \
    test "$(ti_sql 'SELECT count(*) FROM sessions WHERE revoked IS NOT NULL')" = 0
ti_expect_true "no replay detected" \
    sh -c "! grep -q 'event=refresh_token_reused' '$T/auth.log'"
bad=0
for i in $(seq 0 $((N - 1))); do
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST \
	    -H "Origin: $ORIGIN" -H "Cookie: refreshToken=$(cat "$T/tok.$i")" \
	    "$URL/api/auth/refresh")
	[ "$code" = 200 ] || bad=$((bad + 1))
done
ti_expect_true "every client's last token rotates ($bad refused)" test $bad -eq 0
out=$(t -H "Authorization: Bearer $AT" "$URL/api/v1/$UID0/tasks")
ti_expect_true "todos reads work again ($out)" test "${out% *}" = 200
ti_done
