#!/bin/bash
#
# engine.sh: the FastCGI engine benchmark of issue 9, in one run so the
# ratios hold.  One nginx (1 worker, kept FastCGI connections with an
# upstream keepalive, HTTP/1.1 keepalive to the peers) on 127.0.0.1 and
# a free port in front of:
#
#   - a no-op responder on the suite's engine (NOOP_ENGINE, or the first
#     of bench/noop, src/noop, tests/noop built under top_builddir);
#   - the same no-op on libfcgi (bench/noop_libfcgi.c, compiled here into
#     the temporary directory when pkg-config finds fcgi, libfcgi-dev);
#   - verify, one pool per algorithm (HS256, RS256, ES256) and per
#     verified-token cache setting (the default, and JWT_VERIFY_CACHE_SIZE=0);
#   - todos, GET /api/users/{id}/todos answering 10 rows from SQLite;
#   - the peers (PEERS=1, the default, when their tools are there):
#     Node.js (bench/peer_node.js: jsonwebtoken + better-sqlite3 pinned by
#     bench/package-lock.json, installed with npm ci into a cache outside
#     the tree, a cluster of 2 processes) and FastAPI (bench/peer_fastapi.py:
#     Debian's python3-fastapi, python3-uvicorn, python3-jwt, uvicorn with
#     2 workers), serving the same endpoints with the same keys, tokens
#     and database.
#
# Every FastCGI program runs under spawn-fcgi, FCGI_PROCS processes on a
# unix socket.  wrk -t1 at each of CONNECTIONS (16 64): a WARMUP-second run
# that is thrown away, then DURATION seconds with --latency.  Every
# request carries a Bearer token, through bench/tokens.lua: either one
# token repeated, or USERS (10,000) distinct tokens of as many users in
# turn, so that the verified-token cache cannot hide the signature check.
# Before each measured run the peak RSS (VmHWM) of every process of the
# row and of nginx is reset (/proc/PID/clear_refs), and read after it:
# the RSS columns are the peak of that run, summed over the processes
# (so pages they share, such as libraries, count once per process: an
# upper bound); the "private" columns, read from /proc/PID/smaps_rollup
# right after the run, count no shared page at all (a lower bound).
#
# Prints one Markdown table (req/s, p50, p99, peak RSS, ratio to the
# engine no-op of the same connection count and to each peer's matching
# row) and whether each of the issue's targets is met.  Stops only what
# it started and removes its temporary directory.  Not a test: nothing
# here asserts a time.
#
# usage: bench/engine.sh         (from the top of a built tree)
# environment: top_builddir (default: this script's ../), DURATION (5),
#   WARMUP (1), CONNECTIONS ("16 64"), USERS (10000), PEERS (1; 0: no
#   peers), FCGI_PROCS (2), KEEPALIVE (63: kept FastCGI connections per
#   upstream; the engine serves any number, but the libfcgi no-op serves
#   one a thread, so keep it below that no-op's processes x threads),
#   NOOP_ENGINE,
#   NOOP_THREADS (32) and NOOP_LIBFCGI_PROCS (FCGI_PROCS): the libfcgi
#   no-op's threads per process and processes (64 and 1: the shape of
#   issue 9's first table), ROWS (an extended regular expression: run only the
#   rows whose name matches, for debugging), METRICS (1; 0: no rows of
#   verify HS256 with METRICS_ENABLED=true), REQUIRE (1; 0: no rows of
#   verify HS256 behind a location with a 3-term AUTH_REQUIRE, alternated
#   with the plain location), RESULTS (file that gets the
#   table too), NPM_CACHE (default ${TMPDIR:-/tmp}/ac-bench-node.UID).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
top_builddir=${top_builddir:-$(cd "$here/.." && pwd)}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
CONNECTIONS=${CONNECTIONS:-"16 64"}
USERS=${USERS:-10000}
PEERS=${PEERS:-1}
FCGI_PROCS=${FCGI_PROCS:-2}
KEEPALIVE=${KEEPALIVE:-63}
NOOP_THREADS=${NOOP_THREADS:-32}
NOOP_LIBFCGI_PROCS=${NOOP_LIBFCGI_PROCS:-$FCGI_PROCS}
ROWS=${ROWS:-.}
RESULTS=${RESULTS:-}
PY=/usr/bin/python3
ALGS="HS256 RS256 ES256"

say() { echo "engine.sh: $*" >&2; }
die() { say "$@"; exit 1; }

verify=$top_builddir/cgi-bin/verify
todos=$top_builddir/cgi-bin/todos
authctl=$top_builddir/src/authctl
for p in "$verify" "$todos" "$authctl"; do
	[ -x "$p" ] || die "$p not built: run make"
done
for t in nginx spawn-fcgi wrk curl; do
	command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || {
		say "$t is missing (apt-get install nginx-light spawn-fcgi wrk curl)"
		exit 77
	}
done
[ -x $PY ] && $PY -c 'import jwt, cryptography' 2>/dev/null ||
    { say "$PY with python3-jwt is needed (tokens.py)"; exit 77; }
NGINX=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)
for v in DURATION WARMUP USERS KEEPALIVE FCGI_PROCS; do
	case ${!v} in ''|*[!0-9]*) die "$v: a whole number" ;; esac
done
[ "$DURATION" -ge 1 ] && [ "$DURATION" -le 120 ] || die "DURATION: 1 to 120"
[ "$USERS" -ge 1 ] && [ "$USERS" -le 100000 ] || die "USERS: 1 to 100000"

if [ -z "${NOOP_ENGINE:-}" ]; then
	for p in bench/noop src/noop tests/noop; do
		if [ -x "$top_builddir/$p" ]; then
			NOOP_ENGINE=$top_builddir/$p
			break
		fi
	done
fi

tmp=$(mktemp -d /tmp/bench_engine.XXXXXX)
chmod 700 "$tmp"
nginx_pid=
pids=			# every process started here (spawn-fcgi children, peers)

# tree PID...: the PIDs and all their descendants.
tree()
{
	local p c

	for p in "$@"; do
		[ -d "/proc/$p" ] || continue
		echo "$p"
		for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do
			tree "$c"
		done
	done
}

cleanup()
{
	local all p i alive

	set +e
	all=$(tree $pids $nginx_pid)
	for p in $all; do
		kill -TERM "$p" 2>/dev/null
	done
	i=0
	while [ $i -lt 20 ]; do
		alive=
		for p in $all; do
			kill -0 "$p" 2>/dev/null && alive="$alive $p"
		done
		[ -n "$alive" ] || break
		sleep 0.1
		i=$((i + 1))
	done
	# Programs on libfcgi act on SIGTERM only when a request arrives.
	for p in $alive; do
		kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

free_port()
{
	$PY -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}
port=$(free_port)

# --- keys, tokens, database -------------------------------------------

for alg in $ALGS; do
	case $alg in
	HS256) keyvar=JWT_SECRET_FILE ;;
	*) keyvar=JWT_PRIVATE_KEY_FILE ;;
	esac
	"$authctl" keygen --alg "$alg" --out "$tmp/$alg.key" \
	    >>"$tmp/setup.log" 2>&1 || { cat "$tmp/setup.log" >&2; exit 1; }
	cat >"$tmp/$alg.conf" <<EOF
JWT_ALGORITHM=$alg
$keyvar=$tmp/$alg.key
JWT_ISSUER=https://bench.example
JWT_AUDIENCE=bench
DATABASE_URL=$tmp/todos.db
LOG_LEVEL=warn
EOF
	sed "/^LOG_LEVEL/i JWT_VERIFY_CACHE_SIZE=0" "$tmp/$alg.conf" \
	    >"$tmp/$alg-nocache.conf"
	chmod 600 "$tmp/$alg.conf" "$tmp/$alg-nocache.conf"
	# scope, role and groups: what the 3-term AUTH_REQUIRE row asks
	# for (every row's tokens carry them, so the rows differ only in
	# the requirement).
	AUTH_CONFIG=$tmp/$alg.conf "$authctl" issue --sub user-00000 \
	    --ttl 3600 --claim email=user-00000@example.com \
	    --claim 'scope=openid bench.read' --claim role=user \
	    --claim 'groups=["staff"]' \
	    >"$tmp/$alg.token" 2>>"$tmp/setup.log" ||
	    { cat "$tmp/setup.log" >&2; exit 1; }
done
say "signing $USERS tokens per algorithm"
$PY "$here/tokens.py" "$tmp" "$USERS" 3600 ||
    die "tokens.py failed"
for alg in $ALGS; do
	head -n 1 "$tmp/$alg.tokens" >"$tmp/$alg.one"
done
AUTH_CONFIG=$tmp/HS256.conf "$authctl" db migrate >>"$tmp/setup.log" 2>&1 ||
    { cat "$tmp/setup.log" >&2; exit 1; }

# --- FastCGI pools ----------------------------------------------------

# pool NAME CONFIG PROGRAM [VAR=VALUE...]: FCGI_PROCS processes of PROGRAM
# under spawn-fcgi on $tmp/NAME.sock; their PIDs in $tmp/NAME.pid.
pool()
{
	local name=$1 conf=$2 prog=$3

	shift 3
	env -i PATH="$PATH" AUTH_CONFIG="$conf" \
	    "$@" spawn-fcgi -s "$tmp/$name.sock" -F "${PROCS:-$FCGI_PROCS}" \
	    -P "$tmp/$name.pid" -- "$prog" >>"$tmp/spawn.log" 2>&1 ||
	    { cat "$tmp/spawn.log" >&2; die "spawn-fcgi $name failed"; }
	pids="$pids $(cat "$tmp/$name.pid")"
	upstreams="$upstreams
	upstream $name {
		server unix:$tmp/$name.sock;
		keepalive $KEEPALIVE;
	}"
	locations="$locations
		location /$name/ {
			include /etc/nginx/fastcgi_params;
			fastcgi_pass $name;
			fastcgi_keep_conn on;
		}"
}
upstreams=
locations=
have_noop_engine=0
have_noop_libfcgi=0
if [ -n "${NOOP_ENGINE:-}" ]; then
	[ -x "$NOOP_ENGINE" ] || die "NOOP_ENGINE=$NOOP_ENGINE: not a program"
	pool noop-engine "$tmp/HS256.conf" "$NOOP_ENGINE"
	have_noop_engine=1
else
	say "no no-op program on the engine (NOOP_ENGINE, bench/noop):" \
	    "no engine row, no ratio to it"
fi
if pkg-config --exists fcgi 2>/dev/null &&
    ${CC:-cc} -O2 -o "$tmp/noop_libfcgi" "$here/noop_libfcgi.c" \
    $(pkg-config --cflags --libs fcgi) -pthread 2>>"$tmp/setup.log"; then
	PROCS=$NOOP_LIBFCGI_PROCS pool noop-libfcgi "$tmp/HS256.conf" \
	    "$tmp/noop_libfcgi" NOOP_THREADS="$NOOP_THREADS"
	have_noop_libfcgi=1
else
	say "libfcgi-dev (pkg-config fcgi) or a C compiler missing:" \
	    "no libfcgi no-op row"
fi
for alg in $ALGS; do
	pool "verify-$alg" "$tmp/$alg.conf" "$verify"
	pool "verify-$alg-nocache" "$tmp/$alg-nocache.conf" "$verify"
done
# METRICS=1 (the default): verify HS256 once more with the Prometheus
# figures on (METRICS_ENABLED=true), measured right after the same row
# without them, for the cost of the figures on the hot path.
if [ "${METRICS:-1}" = 1 ]; then
	sed "/^LOG_LEVEL/i METRICS_ENABLED=true\nMETRICS_FILE=$tmp/verify.metrics" \
	    "$tmp/HS256.conf" >"$tmp/HS256-metrics.conf"
	chmod 600 "$tmp/HS256-metrics.conf"
	pool verify-HS256-metrics "$tmp/HS256-metrics.conf" "$verify"
fi
# REQUIRE=1 (the default): the same verify HS256 processes behind a
# second location that sets a 3-term AUTH_REQUIRE, which every token
# meets, measured alternately with the plain location.
if [ "${REQUIRE:-1}" = 1 ]; then
	locations="$locations
		location /verify-HS256-require/ {
			include /etc/nginx/fastcgi_params;
			fastcgi_param AUTH_REQUIRE \"scope:bench.read role:user group:staff\";
			fastcgi_pass verify-HS256;
			fastcgi_keep_conn on;
		}"
fi
pool todos "$tmp/HS256.conf" "$todos"
locations="$locations
		location /api/ {
			include /etc/nginx/fastcgi_params;
			fastcgi_pass todos;
			fastcgi_keep_conn on;
		}"

# --- peers ------------------------------------------------------------

have_node=0
have_fastapi=0
node_pid=
fastapi_pid=

# node_install: NODE_MODULES, from npm ci of bench/package-lock.json into
# a cache directory named by the lock's hash (made under a lock, renamed
# into place once complete).  better-sqlite3 builds its addon on install.
node_install()
{
	local cache hash dir t

	cache=${NPM_CACHE:-${TMPDIR:-/tmp}/ac-bench-node.$(id -u)}
	hash=$(cat "$here/package.json" "$here/package-lock.json" |
	    sha256sum | cut -c1-16)
	dir=$cache/$hash
	NODE_MODULES=$dir/node_modules
	[ -f "$dir/.installed" ] && return 0
	mkdir -p "$cache" && chmod 700 "$cache" && [ -O "$cache" ] || return 1
	exec 9>"$cache/lock"
	flock 9
	if [ ! -f "$dir/.installed" ]; then
		say "installing the Node.js peer's packages with npm ci into" \
		    "$dir (better-sqlite3 compiles: minutes)"
		t=$(mktemp -d "$cache/tmp.XXXXXX") || return 1
		cp "$here/package.json" "$here/package-lock.json" "$t/"
		if ! (cd "$t" && timeout 1200 npm ci --no-audit --no-fund \
		    --fetch-retries=1) >"$tmp/npm.out" 2>&1; then
			tail -n 15 "$tmp/npm.out" >&2
			rm -rf "$t"
			exec 9>&-
			return 1
		fi
		rm -rf "$dir"
		mv "$t" "$dir"
		touch "$dir/.installed"
	fi
	exec 9>&-
}

# wait_listen PID LOG PORT NAME: until PORT answers, or PID died.
wait_listen()
{
	local i=0

	until curl -s -o /dev/null "http://127.0.0.1:$3/"; do
		i=$((i + 1))
		if [ $i -ge 300 ] || ! kill -0 "$1" 2>/dev/null; then
			cat "$2" >&2
			die "$4 did not start"
		fi
		sleep 0.1
	done
}

if [ "$PEERS" = 1 ]; then
	if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1
	then
		say "node or npm missing: no Node.js peer"
	elif ! node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'
	then
		say "Node.js 20 or later needed: no Node.js peer"
	elif ! node_install; then
		say "npm ci failed: no Node.js peer"
	else
		mkdir -p "$tmp/node"
		cp "$here/peer_node.js" "$tmp/node/"
		ln -s "$NODE_MODULES" "$tmp/node/node_modules"
		node_port=$(free_port)
		node "$tmp/node/peer_node.js" "$node_port" "$tmp" \
		    >"$tmp/node.log" 2>&1 &
		node_pid=$!
		pids="$pids $node_pid"
		wait_listen "$node_pid" "$tmp/node.log" "$node_port" Node.js
		have_node=1
		upstreams="$upstreams
	upstream node {
		server 127.0.0.1:$node_port;
		keepalive $KEEPALIVE;
	}"
		locations="$locations
		location /node/ {
			proxy_pass http://node/;
			proxy_http_version 1.1;
			proxy_set_header Connection \"\";
		}"
	fi
	if $PY -c 'import fastapi, uvicorn, jwt' 2>/dev/null; then
		fastapi_port=$(free_port)
		mkdir -p "$tmp/fastapi"
		cp "$here/peer_fastapi.py" "$tmp/fastapi/"
		PEER_DIR=$tmp PYTHONDONTWRITEBYTECODE=1 \
		    $PY -m uvicorn peer_fastapi:app --app-dir "$tmp/fastapi" \
		    --host 127.0.0.1 --port "$fastapi_port" --workers 2 \
		    --no-access-log --log-level warning \
		    >"$tmp/fastapi.log" 2>&1 &
		fastapi_pid=$!
		pids="$pids $fastapi_pid"
		wait_listen "$fastapi_pid" "$tmp/fastapi.log" "$fastapi_port" \
		    FastAPI
		have_fastapi=1
		upstreams="$upstreams
	upstream fastapi {
		server 127.0.0.1:$fastapi_port;
		keepalive $KEEPALIVE;
	}"
		locations="$locations
		location /fastapi/ {
			proxy_pass http://fastapi/;
			proxy_http_version 1.1;
			proxy_set_header Connection \"\";
		}"
	else
		say "python3-fastapi, python3-uvicorn or python3-jwt missing:" \
		    "no FastAPI peer"
	fi
fi

# --- nginx ------------------------------------------------------------

user=
[ "$(id -u)" -eq 0 ] && user="user $(id -un) $(id -gn);"
cat >"$tmp/nginx.conf" <<EOF
$user
worker_processes 1;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log warn;
events {
	worker_connections 2048;
}
http {
	access_log off;
	client_body_temp_path $tmp/body;
	proxy_temp_path $tmp/proxy;
	fastcgi_temp_path $tmp/fastcgi;
	uwsgi_temp_path $tmp/uwsgi;
	scgi_temp_path $tmp/scgi;
	$upstreams
	server {
		listen 127.0.0.1:$port;
		location = /ping {
			return 204;
		}
		$locations
	}
}
EOF
"$NGINX" -p "$tmp" -e "$tmp/nginx-error.log" -c "$tmp/nginx.conf" \
    >>"$tmp/nginx-error.log" 2>&1 &
nginx_pid=$!
i=0
until curl -s -o /dev/null "http://127.0.0.1:$port/ping"; do
	i=$((i + 1))
	if [ $i -ge 50 ] || ! kill -0 "$nginx_pid" 2>/dev/null; then
		cat "$tmp/nginx-error.log" >&2
		die "nginx did not start"
	fi
	sleep 0.1
done
base=http://127.0.0.1:$port

# --- checks: every server answers right before anything is timed --------

# status URL TOKEN: the HTTP status of a GET with that Bearer token.
status()
{
	curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $2" "$1"
}
# tamper TOKEN: the token with the 6th character from its end changed
# (inside the signature, never in the unused bits of its last character).
tamper()
{
	local head=${1%?????} tail=${1: -5} c

	c=${head: -1}
	head=${head%?}
	if [ "$c" = A ]; then c=B; else c=A; fi
	echo "$head$c$tail"
}
# check URL TOKEN: 200 with the token, 401 tampered.
check()
{
	local s b

	s=$(status "$1" "$2")
	b=$(status "$1" "$(tamper "$2")")
	if [ "$s" != 200 ] || [ "$b" != 401 ]; then
		cat "$tmp/nginx-error.log" "$tmp/spawn.log" >&2
		die "$1: valid token got $s, tampered got $b (want 200, 401)"
	fi
}

# 10 todos of user-00001, made through the suite's API.
tok1=$(head -n 1 "$tmp/HS256.tokens")
for i in 1 2 3 4 5 6 7 8 9 10; do
	s=$(curl -s -o /dev/null -w '%{http_code}' -X POST \
	    -H "Authorization: Bearer $tok1" -H 'Content-Type: application/json' \
	    -d "{\"title\":\"todo $i\",\"description\":\"bench row $i\"}" \
	    "$base/api/users/user-00001/todos")
	[ "$s" = 201 ] || die "creating a todo got $s"
done

# todos_check URL: 10 rows, 403 for another user's list, 401 tampered.
todos_check()
{
	local n s

	n=$(curl -s -H "Authorization: Bearer $tok1" "$1/api/users/user-00001/todos" |
	    $PY -c 'import json, sys; print(len(json.load(sys.stdin)))')
	[ "$n" = 10 ] || die "$1: the todo list has $n rows, not 10"
	s=$(status "$1/api/users/user-00002/todos" "$tok1")
	[ "$s" = 403 ] || die "$1: another user's todos got $s, not 403"
	s=$(status "$1/api/users/user-00001/todos" "$(tamper "$tok1")")
	[ "$s" = 401 ] || die "$1: a tampered token got $s, not 401"
}
todos_check "$base"
for alg in $ALGS; do
	last=$(tail -n 1 "$tmp/$alg.tokens")
	for v in "verify-$alg" "verify-$alg-nocache"; do
		check "$base/$v/" "$(cat "$tmp/$alg.one")"
		check "$base/$v/" "$last"
	done
done
# refused URL ALG: the expired token and the one of type "refresh" get 401.
refused()
{
	local s b

	for b in expired refresh; do
		s=$(status "$1" "$(cat "$tmp/$2.$b")")
		[ "$s" = 401 ] || die "$1: the $b token got $s, not 401"
	done
}
for alg in $ALGS; do
	refused "$base/verify-$alg/" "$alg"
done
for peer in node fastapi; do
	eval "[ \$have_$peer = 1 ]" || continue
	for alg in $ALGS; do
		check "$base/$peer/verify/$alg" "$(cat "$tmp/$alg.one")"
		check "$base/$peer/verify/$alg" "$(tail -n 1 "$tmp/$alg.tokens")"
		refused "$base/$peer/verify/$alg" "$alg"
	done
	todos_check "$base/$peer"
done
for n in engine libfcgi; do
	eval "[ \$have_noop_$n = 1 ]" || continue
	s=$(status "$base/noop-$n/" "$tok1")
	[ "$s" = 200 ] || die "no-op on $n answered $s, not 200"
done

# --- measuring --------------------------------------------------------

declare -A RPS P50 P99 RSS NGX ERR EACH USS USSN FOOT
order=()

# hwm PID...: sum of VmHWM (KiB) of the processes.
hwm()
{
	local p s=0 v

	for p in "$@"; do
		v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
		s=$((s + ${v:-0}))
	done
	echo "$s"
}
# uss PID...: sum of the private memory (KiB, Private_Clean +
# Private_Dirty of smaps_rollup) the processes hold now: no page shared
# with another process counts (libraries, a parent's pages its forked
# children still share), so it is a lower bound where the RSS sum is an
# upper one.
uss()
{
	local p s=0 v

	for p in "$@"; do
		v=$(awk '/^Private_(Clean|Dirty):/ { s += $2 } END { print s }' \
		    "/proc/$p/smaps_rollup" 2>/dev/null)
		s=$((s + ${v:-0}))
	done
	echo "$s"
}
# each PID...: the VmHWM of each process in MiB, joined with "+".
each()
{
	local p out=

	for p in "$@"; do
		out="$out+$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' \
		    "/proc/$p/status" 2>/dev/null)"
	done
	echo "${out#+}"
}
reset_hwm()
{
	local p

	for p in "$@"; do
		echo 5 >"/proc/$p/clear_refs" 2>/dev/null || true
	done
}

# row NAME C URL TOKENFILE ROOTPID...: one measurement.
row()
{
	local name=$1 c=$2 url=$3 toks=$4 key procs ngx out rps p50 p99 e

	shift 4
	[[ $name =~ $ROWS ]] || return 0
	key="$name|$c"
	procs=$(tree "$@")
	ngx=$(tree "$nginx_pid")
	wrk -t 1 -c "$c" -d "${WARMUP}s" -s "$here/tokens.lua" "$url" \
	    -- "$toks" >/dev/null 2>&1 || true
	reset_hwm $procs $ngx
	out=$tmp/wrk.out
	wrk -t 1 -c "$c" -d "${DURATION}s" --latency -s "$here/tokens.lua" \
	    "$url" -- "$toks" >"$out" 2>&1 || true
	USS[$key]=$(uss $procs)
	USSN[$key]=$(uss $ngx)
	rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")
	p50=$(awk '$1 == "50%" { print $2 }' "$out")
	p99=$(awk '$1 == "99%" { print $2 }' "$out")
	e=$(awk '/Non-2xx/ { printf "%s non-2xx ", $NF }
	    /Socket errors/ { sub(/.*Socket errors: /, ""); printf "%s ", $0 }' \
	    "$out")
	[ -n "$rps" ] || { cat "$out" >&2; die "$name at $c: wrk gave no rate"; }
	order+=("$key")
	RPS[$key]=$rps
	P50[$key]=$(to_ms "$p50")
	P99[$key]=$(to_ms "$p99")
	RSS[$key]=$(hwm $procs)
	EACH[$key]=$(each $procs)
	NGX[$key]=$(hwm $ngx)
	ERR[$key]=${e% }
	printf '%-34s %3s conns %8s req/s  p50 %7s ms  p99 %8s ms  %s\n' \
	    "$name" "$c" "$rps" "${P50[$key]}" "${P99[$key]}" \
	    "${ERR[$key]:-}" >&2
}

pidsof() { cat "$tmp/$1.pid"; }
started=$(date -u '+%Y-%m-%d %H:%M UTC')
load0=$(cut -d' ' -f1-3 /proc/loadavg)
say "$(nproc) cores; load average $load0; rows of ${DURATION}s after" \
    "${WARMUP}s of warm-up"
for c in $CONNECTIONS; do
	say "load average $(cut -d' ' -f1-3 /proc/loadavg) at $c connections"
	[ $have_noop_engine = 0 ] || row "no-op, engine" "$c" \
	    "$base/noop-engine/" "$tmp/HS256.one" $(pidsof noop-engine)
	[ $have_noop_libfcgi = 0 ] || row "no-op, libfcgi" "$c" \
	    "$base/noop-libfcgi/" "$tmp/HS256.one" $(pidsof noop-libfcgi)
	for alg in $ALGS; do
		for cache in "" -nocache; do
			cn="cache on"
			[ -z "$cache" ] || cn="cache off"
			row "verify $alg, $cn, 1 token" "$c" \
			    "$base/verify-$alg$cache/" "$tmp/$alg.one" \
			    $(pidsof "verify-$alg$cache")
			row "verify $alg, $cn, $USERS tokens" "$c" \
			    "$base/verify-$alg$cache/" "$tmp/$alg.tokens" \
			    $(pidsof "verify-$alg$cache")
		done
	done
	if [ "${METRICS:-1}" = 1 ]; then
		row "verify HS256, cache on, metrics on, 1 token" "$c" \
		    "$base/verify-HS256-metrics/" "$tmp/HS256.one" \
		    $(pidsof verify-HS256-metrics)
		row "verify HS256, cache on, 1 token, again" "$c" \
		    "$base/verify-HS256/" "$tmp/HS256.one" $(pidsof verify-HS256)
		row "verify HS256, cache on, metrics on, 1 token, again" "$c" \
		    "$base/verify-HS256-metrics/" "$tmp/HS256.one" \
		    $(pidsof verify-HS256-metrics)
	fi
	if [ "${REQUIRE:-1}" = 1 ]; then
		for again in "" ", again"; do
			row "verify HS256, cache on, 3-term AUTH_REQUIRE, 1 token$again" \
			    "$c" "$base/verify-HS256-require/" "$tmp/HS256.one" \
			    $(pidsof verify-HS256)
			row "verify HS256, cache on, plain, 1 token$again" "$c" \
			    "$base/verify-HS256/" "$tmp/HS256.one" \
			    $(pidsof verify-HS256)
			row "verify HS256, cache on, 3-term AUTH_REQUIRE, $USERS tokens$again" \
			    "$c" "$base/verify-HS256-require/" "$tmp/HS256.tokens" \
			    $(pidsof verify-HS256)
			row "verify HS256, cache on, plain, $USERS tokens$again" \
			    "$c" "$base/verify-HS256/" "$tmp/HS256.tokens" \
			    $(pidsof verify-HS256)
		done
	fi
	row "todos, 10 rows" "$c" "$base/api/users/user-00001/todos" \
	    "$tmp/HS256.one" $(pidsof todos)
	# What verify, todos and nginx hold together right after the
	# todos row, every physical page counted once (bench/footprint.py:
	# pagemap, root only), between the RSS sum and the private sum.
	if [[ "todos, 10 rows" =~ $ROWS ]]; then
		FOOT[$c]=$($PY "$here/footprint.py" $(tree $(pidsof verify-HS256) \
		    $(pidsof todos) "$nginx_pid") 2>/dev/null) || FOOT[$c]=
	fi
	for peer in node fastapi; do
		eval "[ \$have_$peer = 1 ]" || continue
		eval "pp=\$${peer}_pid"
		for alg in $ALGS; do
			row "$peer verify $alg, 1 token" "$c" \
			    "$base/$peer/verify/$alg" "$tmp/$alg.one" $pp
			row "$peer verify $alg, $USERS tokens" "$c" \
			    "$base/$peer/verify/$alg" "$tmp/$alg.tokens" $pp
		done
		row "$peer todos, 10 rows" "$c" \
		    "$base/$peer/api/users/user-00001/todos" "$tmp/HS256.one" $pp
	done
	# The same no-op again: how far the machine drifted during the group.
	[ $have_noop_engine = 0 ] || row "no-op, engine, again" "$c" \
	    "$base/noop-engine/" "$tmp/HS256.one" $(pidsof noop-engine)
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the table --------------------------------------------------------

mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
ratio()
{
	if [ -n "${2:-}" ] && [ "${2:-0}" != 0 ]; then
		awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
	else
		echo "–"
	fi
}
# The engine no-op of a connection count: the mean of its two runs.
noop_of()
{
	local a=${RPS["no-op, engine|$1"]:-} b=${RPS["no-op, engine, again|$1"]:-}

	if [ -n "$a" ] && [ -n "$b" ]; then
		echo $(( (a + b) / 2 ))
	else
		echo "$a"
	fi
}
# peer_of NAME C PEER: the peer's row matching ours (or nothing).
peer_of()
{
	local n=$1 c=$2 p=$3

	case $n in
	"verify "*)
		local alg=${n#verify }
		alg=${alg%%,*}
		n="$p verify $alg, ${n##*, }" ;;
	"todos, 10 rows") n="$p todos, 10 rows" ;;
	*) return 0 ;;
	esac
	echo "${RPS["$n|$c"]:-}"
}

table()
{
	local key name c n

	echo "| row | conns | req/s | p50 ms | p99 ms | peak RSS MiB | (each process) | private MiB | nginx RSS, private MiB | × engine no-op | × Node | × FastAPI | errors |"
	echo "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---|"
	for key in "${order[@]}"; do
		name=${key%|*}
		c=${key##*|}
		n=$(noop_of "$c")
		echo "| $name | $c | ${RPS[$key]} | ${P50[$key]} | ${P99[$key]} |" \
		    "$(mib "${RSS[$key]}") | ${EACH[$key]} | $(mib "${USS[$key]}") |" \
		    "$(mib "${NGX[$key]}"), $(mib "${USSN[$key]}") |" \
		    "$(ratio "${RPS[$key]}" "$n") |" \
		    "$(ratio "${RPS[$key]}" "$(peer_of "$name" "$c" node)") |" \
		    "$(ratio "${RPS[$key]}" "$(peer_of "$name" "$c" fastapi)") |" \
		    "${ERR[$key]:-none} |"
	done
}

# --- the targets ------------------------------------------------------

# met COND: "met" or "NOT met".
met() { if awk "BEGIN { exit !($1) }"; then echo met; else echo "NOT met"; fi; }
targets()
{
	local c n l k v t m p worst

	for c in $CONNECTIONS; do
		n=$(noop_of "$c")
		l=${RPS["no-op, libfcgi|$c"]:-}
		if [ -n "$n" ] && [ -n "$l" ]; then
			echo "- engine no-op >= 1.8 x libfcgi no-op at $c conns:" \
			    "$n / $l = $(ratio "$n" "$l"): $(met "$n >= 1.8 * $l")"
		else
			echo "- engine no-op >= 1.8 x libfcgi no-op at $c conns:" \
			    "not measured"
		fi
		[ -n "$n" ] || continue
		v=${RPS["verify HS256, cache on, 1 token|$c"]:-}
		[ -z "$v" ] || echo "- verify HS256 cached >= 85 % of engine no-op" \
		    "at $c conns: $v / $n = $(ratio "$v" "$n"): $(met "$v >= 0.85 * $n")"
		t=${RPS["todos, 10 rows|$c"]:-}
		[ -z "$t" ] || echo "- todos >= 60 % of engine no-op at $c conns:" \
		    "$t / $n = $(ratio "$t" "$n"): $(met "$t >= 0.60 * $n")"
	done
	c=64
	worst=
	m=0
	for k in "${order[@]}"; do
		case $k in "verify "*"|$c") ;; *) continue ;; esac
		p=${P99[$k]}
		if awk "BEGIN { exit !($p >= 2) }"; then
			worst="$worst ${k%|*} ($p ms);"
		fi
		m=$((m + 1))
	done
	[ "$m" = 0 ] || echo "- verify p99 < 2 ms at 64 conns ($m rows):" \
	    "$(if [ -z "$worst" ]; then echo met; else echo "NOT met:$worst"; fi)"
	p=${P99["verify HS256, cache on, 1 token|$c"]:-}
	[ -z "$p" ] || echo "- of which verify HS256 cached, 1 token: p99 $p ms:" \
	    "$(met "$p < 2")"
	p=${P99["todos, 10 rows|$c"]:-}
	[ -z "$p" ] || echo "- todos p99 < 4 ms at 64 conns: $p ms: $(met "$p < 4")"
	k="verify HS256, cache on, 1 token|$c"
	if [ -n "${RSS[$k]:-}" ] && [ -n "${RSS["todos, 10 rows|$c"]:-}" ]; then
		v=${RSS[$k]}
		t=${RSS["todos, 10 rows|$c"]}
		n=${NGX[$k]}
		[ "${NGX["todos, 10 rows|$c"]}" -le "$n" ] ||
		    n=${NGX["todos, 10 rows|$c"]}
		m=$((v + t + n))
		echo "- verify + todos + nginx <= 30 MiB under load (peak RSS, 64" \
		    "conns): $(mib "$v") + $(mib "$t") + $(mib "$n") =" \
		    "$(mib "$m") MiB: $(met "$m <= 30 * 1024")"
		v=${USS[$k]}
		t=${USS["todos, 10 rows|$c"]}
		n=${USSN[$k]}
		[ "${USSN["todos, 10 rows|$c"]}" -le "$n" ] ||
		    n=${USSN["todos, 10 rows|$c"]}
		m=$((v + t + n))
		echo "  (private memory alone, no shared page counted, right after" \
		    "those runs:" \
		    "$(mib "$v") + $(mib "$t") + $(mib "$n") = $(mib "$m") MiB)"
		[ -z "${FOOT[$c]:-}" ] ||
		    echo "- verify + todos + nginx <= 30 MiB, every page counted" \
		    "once (bench/footprint.py, right after the todos row at $c" \
		    "conns): $(mib "${FOOT[$c]}") MiB: $(met "${FOOT[$c]} <= 30 * 1024")"
	fi
}

{
	echo "# $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' \
	    /proc/cpuinfo | head -1); started $started; load average" \
	    "$load0 at start, $load1 at end"
	echo "# nginx 1 worker, keepalive $KEEPALIVE per upstream; FastCGI" \
	    "programs $FCGI_PROCS processes each under spawn-fcgi" \
	    "(libfcgi no-op $NOOP_LIBFCGI_PROCS x $NOOP_THREADS threads);" \
	    "wrk -t1," \
	    "${WARMUP}s warm-up + ${DURATION}s per row; $USERS users' tokens" \
	    "in the rotated rows"
	echo "# engine no-op: ${NOOP_ENGINE:-none}; peers: Node.js" \
	    "$([ $have_node = 1 ] && node --version || echo no), FastAPI" \
	    "$([ $have_fastapi = 1 ] && $PY -c 'import fastapi, uvicorn
print(fastapi.__version__, "on uvicorn", uvicorn.__version__)' || echo no)"
	echo "# commit $(git -C "$here" rev-parse --short HEAD 2>/dev/null ||
	    echo unknown)"
	echo
	table
	echo
	echo "Targets (issue 9):"
	echo
	targets
} | tee -a "${RESULTS:-/dev/null}"
if grep -q '\[error\]' "$tmp/nginx-error.log"; then
	say "nginx logged errors:"
	grep '\[error\]' "$tmp/nginx-error.log" | head -5 >&2
fi
