#!/bin/sh
#
# todos.sh: requests per second and p50/p99 latency of
# GET /api/users/{id}/todos (10 rows, SQLite) through nginx.
#
# Starts, on 127.0.0.1 and a free port, one nginx in front of a `todos`
# pool under spawn-fcgi (unix socket, FCGI_PROCS processes of
# AUTH_THREADS threads, fastcgi_keep_conn on with an upstream keepalive
# below processes x threads), migrates a fresh SQLite database in a
# temporary directory and creates 10 todos for one user through the API.
# Then runs wrk for DURATION seconds at each of CONNECTIONS with that
# user's HS256 token and prints requests/s, p50, p99, errors and the
# resident memory of the todos processes and of nginx.  Stops only what
# it started and removes its temporary directory.
#
# usage: bench/todos.sh          (from the top of a built tree)
# environment: top_builddir (default: this script's ../), DURATION (10,
#   at most 120), CONNECTIONS ("1 16 64"), FCGI_PROCS (2), AUTH_THREADS
#   (32), NGINX_WORKERS (1), WRK_THREADS (1), RESULTS (file that gets the
#   Markdown table rows too).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
top_builddir=${top_builddir:-$(cd "$here/.." && pwd)}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-"1 16 64"}
FCGI_PROCS=${FCGI_PROCS:-2}
AUTH_THREADS=${AUTH_THREADS:-32}
NGINX_WORKERS=${NGINX_WORKERS:-1}
WRK_THREADS=${WRK_THREADS:-1}
RESULTS=${RESULTS:-}
PY=/usr/bin/python3

todos=$top_builddir/cgi-bin/todos
authctl=$top_builddir/src/authctl
for p in "$todos" "$authctl"; do
	[ -x "$p" ] || { echo "todos.sh: $p not built: run make" >&2; exit 1; }
done
for t in nginx spawn-fcgi wrk curl; do
	command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || {
		echo "todos.sh: $t is missing" >&2
		exit 77
	}
done
NGINX=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)
case $DURATION in ''|*[!0-9]*) echo "todos.sh: DURATION: seconds" >&2; exit 2;; esac
[ "$DURATION" -ge 1 ] && [ "$DURATION" -le 120 ] ||
    { echo "todos.sh: DURATION must be 1 to 120" >&2; exit 2; }
KEEPALIVE=$(( (FCGI_PROCS * AUTH_THREADS - 1) / NGINX_WORKERS ))
[ "$KEEPALIVE" -ge 1 ] || KEEPALIVE=1

tmp=$(mktemp -d /tmp/bench_todos.XXXXXX)
nginx_pid=
fcgi_pids=

cleanup()
{
	set +e
	[ -z "$nginx_pid" ] || kill -TERM "$nginx_pid" 2>/dev/null
	for p in $fcgi_pids; do
		kill -TERM "$p" 2>/dev/null
	done
	sleep 1
	# libfcgi acts on SIGTERM only when a request arrives.
	for p in $nginx_pid $fcgi_pids; do
		kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

port=$($PY -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')

"$authctl" keygen --alg HS256 --out "$tmp/hs.key" >"$tmp/setup.log" 2>&1
cat >"$tmp/auth.conf" <<EOF
JWT_SECRET_FILE=$tmp/hs.key
DATABASE_URL=$tmp/todos.db
LOG_LEVEL=warn
EOF
chmod 600 "$tmp/auth.conf"
AUTH_CONFIG=$tmp/auth.conf "$authctl" db migrate >>"$tmp/setup.log"
tok=$(AUTH_CONFIG=$tmp/auth.conf "$authctl" issue --sub user-1234 \
    --ttl 3600 --claim email=alice@example.com)

env -i PATH="$PATH" AUTH_CONFIG="$tmp/auth.conf" \
    AUTH_THREADS="$AUTH_THREADS" \
    spawn-fcgi -s "$tmp/todos.sock" -F "$FCGI_PROCS" -P "$tmp/todos.pid" \
    -- "$todos" >>"$tmp/spawn.log" 2>&1
fcgi_pids=$(cat "$tmp/todos.pid")

user=
[ "$(id -u)" -eq 0 ] && user="user $(id -un) $(id -gn);"
cat >"$tmp/nginx.conf" <<EOF
$user
worker_processes $NGINX_WORKERS;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log warn;
events {
	worker_connections 1024;
}
http {
	access_log off;
	client_body_temp_path $tmp/body;
	proxy_temp_path $tmp/proxy;
	fastcgi_temp_path $tmp/fastcgi;
	uwsgi_temp_path $tmp/uwsgi;
	scgi_temp_path $tmp/scgi;
	upstream todos {
		server unix:$tmp/todos.sock;
		keepalive $KEEPALIVE;
	}
	server {
		listen 127.0.0.1:$port;
		location = /ping {
			return 204;
		}
		location /api/ {
			include /etc/nginx/fastcgi_params;
			fastcgi_param REQUEST_URI \$request_uri;
			fastcgi_pass todos;
			fastcgi_keep_conn on;
		}
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
		echo "todos.sh: nginx did not start:" >&2
		cat "$tmp/nginx-error.log" >&2
		exit 1
	fi
	sleep 0.1
done

url=http://127.0.0.1:$port/api/users/user-1234/todos
for i in 1 2 3 4 5 6 7 8 9 10; do
	s=$(curl -s -o /dev/null -w '%{http_code}' -X POST \
	    -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
	    -d "{\"title\":\"todo $i\",\"description\":\"bench row $i\"}" "$url")
	[ "$s" = 201 ] || { echo "todos.sh: create got $s" >&2; exit 1; }
done
n=$(curl -s -H "Authorization: Bearer $tok" "$url" |
    $PY -c 'import json, sys; print(len(json.load(sys.stdin)))')
[ "$n" = 10 ] || { echo "todos.sh: list gave $n rows, not 10" >&2; exit 1; }

echo "# $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' \
    /proc/cpuinfo | head -1); nginx $NGINX_WORKERS workers, keepalive" \
    "$KEEPALIVE; todos $FCGI_PROCS processes x $AUTH_THREADS threads;" \
    "GET /api/users/{id}/todos, 10 rows, HS256; wrk ${DURATION}s;" \
    "load average $(cut -d' ' -f1-3 /proc/loadavg)"
header="| connections | requests/s | p50 | p99 | errors |"
echo "$header"
echo "|---:|---:|---:|---:|---|"
[ -z "$RESULTS" ] || printf '%s\n|---:|---:|---:|---:|---|\n' \
    "$header" >>"$RESULTS"

bench_wrk "" "$url" "$tok"

t=0
for p in $fcgi_pids; do
	t=$((t + $(bench_rss "$p")))
done
ng=$(bench_rss "$nginx_pid")
for p in $(pgrep -P "$nginx_pid"); do
	ng=$((ng + $(bench_rss "$p")))
done
echo "RSS after the runs: todos $FCGI_PROCS processes $t KiB in all;" \
    "nginx master + workers $ng KiB"
