#!/bin/bash
#
# refresh.sh: refresh-token rotations per second of `refresh` behind
# nginx, FCGI_PROCS processes (default 4) of AUTH_POOL_THREADS threads
# (4) on one SQLite file (WAL), or with DB=postgresql on a PostgreSQL
# server started here (tests/integration/lib_pg.sh, Debian's postgresql).  Every request is a real rotation: each wrk
# connection holds its own login's token and presents the successor it
# was just handed, so a lost or refused answer breaks its chain and shows
# as non-2xx.  Afterwards the database must hold exactly one spent token
# per 200 answer.  Uses tests/integration/lib.sh for the servers; stops
# only what it started.
#
# usage: bench/refresh.sh        (from the top of a built tree)
# environment: top_builddir, DURATION (seconds, 1-60, default 5),
#   CONNECTIONS (chains, default 8), FCGI_PROCS (4), AUTH_POOL_THREADS (4),
#   DB (sqlite, or postgresql).
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/.." && pwd)}"
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib_pg.sh"
TI_DB=${DB:-sqlite}

DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-8}
FCGI_PROCS=${FCGI_PROCS:-4}
export AUTH_POOL_THREADS=${AUTH_POOL_THREADS:-${AUTH_THREADS:-4}}
case $DURATION in ''|*[!0-9]*) echo "DURATION: seconds" >&2; exit 2;; esac
[ "$DURATION" -ge 1 ] && [ "$DURATION" -le 60 ] ||
    { echo "DURATION must be 1 to 60" >&2; exit 2; }
[ "$CONNECTIONS" -ge 1 ] && [ "$CONNECTIONS" -le 64 ] ||
    { echo "CONNECTIONS must be 1 to 64" >&2; exit 2; }

ti_init
ti_need wrk nginx
ti_db_setup "$T/auth.db"
ti_key "$T/jwt.key"
ti_config "$T/auth.conf" "JWT_SECRET_FILE=$T/jwt.key" \
    "DATABASE_URL=$DB_URL" "AUTH_COOKIE_SECURE=false" "LOG_LEVEL=warn"
chmod 600 "$T/auth.conf"
export AUTH_CONFIG=$T/auth.conf
"$AUTHCTL" db migrate >/dev/null || exit 99
echo bench-password-1 | "$AUTHCTL" user add bench@example.com >/dev/null ||
    exit 99
ti_spawn auth "$top_builddir/cgi-bin/refresh" "$FCGI_PROCS" "$AUTH_POOL_THREADS"
ti_route /api/auth/ auth
ti_nginx

# One login (one token chain) per connection.
: >"$T/tokens"
for i in $(seq 1 "$CONNECTIONS"); do
	ti_request login /api/auth/login -X POST \
	    -H 'Content-Type: application/json' \
	    --data '{"email":"bench@example.com","password":"bench-password-1"}'
	[ "$TI_STATUS" = 200 ] || { echo "login failed: $TI_STATUS"; exit 1; }
	ti_header Set-Cookie | sed -n 's/^refreshToken=\([^;]*\);.*/\1/p' \
	    >>"$T/tokens"
done

cat >"$T/chain.lua" <<'LUA'
local toks = {}
for line in io.lines(os.getenv("TOKENS")) do toks[#toks + 1] = line end
local n = 0
function setup(thread)
	n = n + 1
	thread:set("tok", toks[n])
end
function request()
	return wrk.format("POST", "/api/auth/refresh",
	    { ["Cookie"] = "refreshToken=" .. tok,
	      ["Sec-Fetch-Site"] = "same-origin" })
end
function response(status, headers, body)
	if status == 200 then
		local c = headers["Set-Cookie"] or ""
		tok = string.match(c, "refreshToken=([^;]+)") or tok
	end
end
LUA
# One connection per wrk thread: each thread is one sequential chain.
TOKENS=$T/tokens wrk -t "$CONNECTIONS" -c "$CONNECTIONS" -d "${DURATION}s" \
    --latency -s "$T/chain.lua" "http://127.0.0.1:$TI_PORT/" >"$T/wrk.out" 2>&1
cat "$T/wrk.out"
reqs=$(awk '/requests in/ { print $1 }' "$T/wrk.out")
non2xx=$(awk '/Non-2xx/ { print $NF }' "$T/wrk.out")
spent=$(ti_sql 'SELECT count(*) FROM refresh_tokens WHERE rotated IS NOT NULL')
rps=$(awk '/Requests\/sec/ { print $2 }' "$T/wrk.out")
echo "refresh ($TI_DB): ${FCGI_PROCS}x${AUTH_POOL_THREADS} processes x threads," \
    "$CONNECTIONS chains, ${DURATION}s: $rps rotations/s;" \
    "answers $reqs, non-2xx ${non2xx:-0}, spent tokens in the database $spent"
# Every 200 spent exactly one token (wrk may count an answer cut at the end).
[ -z "$non2xx" ] && [ -n "$reqs" ] &&
    [ "$spent" -ge $((reqs - CONNECTIONS)) ] && [ "$spent" -le $((reqs + CONNECTIONS)) ]
