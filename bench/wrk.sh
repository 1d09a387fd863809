#!/bin/sh
#
# wrk.sh: requests per second and p99 latency of `verify` behind nginx.
#
# Starts, on 127.0.0.1 and a free port, one nginx in front of three
# `verify` pools under spawn-fcgi (one per algorithm: HS256, RS256,
# ES256; unix sockets; FCGI_PROCS processes of AUTH_THREADS threads each),
# with fastcgi_keep_conn on and an upstream keepalive.  Then runs wrk for
# DURATION seconds at each of CONNECTIONS with a valid token of each
# algorithm, and prints requests/s, p99 latency and the resident memory
# of the verify processes and of nginx afterwards.  Stops only what it
# started and removes its temporary directory.
#
# A libfcgi thread holds one kept FastCGI connection at a time, so the
# connections nginx keeps (keepalive x workers) must stay below the
# threads that can hold them (processes x threads), or requests stall.
#
# usage: bench/wrk.sh            (from the top of a built tree)
# environment: top_builddir (default: this script's ../), DURATION (10),
#   CONNECTIONS ("1 16 64"), ALGS ("HS256 RS256 ES256"), FCGI_PROCS (2),
#   AUTH_THREADS (32), NGINX_WORKERS (1), KEEPALIVE (derived), WRK_THREADS
#   (1), VERIFY_CACHE (JWT_VERIFY_CACHE_SIZE for verify; unset: the
#   core's default, so that every request after the first is a cache hit,
#   since wrk repeats one token; 0 verifies the signature every time),
#   RESULTS (file that gets the Markdown table rows too).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
top_builddir=${top_builddir:-$(cd "$here/.." && pwd)}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-"1 16 64"}
ALGS=${ALGS:-"HS256 RS256 ES256"}
FCGI_PROCS=${FCGI_PROCS:-2}
AUTH_THREADS=${AUTH_THREADS:-32}
NGINX_WORKERS=${NGINX_WORKERS:-1}
WRK_THREADS=${WRK_THREADS:-1}
VERIFY_CACHE=${VERIFY_CACHE:-}
RESULTS=${RESULTS:-}
PY=/usr/bin/python3

verify=$top_builddir/cgi-bin/verify
authctl=$top_builddir/src/authctl
for p in "$verify" "$authctl"; do
	[ -x "$p" ] || { echo "wrk.sh: $p not built: run make" >&2; exit 1; }
done
for t in nginx spawn-fcgi wrk curl; do
	command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || {
		echo "wrk.sh: $t is missing (apt-get install nginx-light" \
		    "spawn-fcgi wrk curl)" >&2
		exit 77
	}
done
NGINX=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)

case $DURATION in ''|*[!0-9]*) echo "wrk.sh: DURATION: seconds" >&2; exit 2;; esac
[ "$DURATION" -ge 1 ] && [ "$DURATION" -le 120 ] ||
    { echo "wrk.sh: DURATION must be 1 to 120" >&2; exit 2; }

# Kept connections per nginx worker: as many as fit below the threads.
total=$((FCGI_PROCS * AUTH_THREADS))
KEEPALIVE=${KEEPALIVE:-$(( (total - 1) / NGINX_WORKERS ))}
[ "$KEEPALIVE" -ge 1 ] || KEEPALIVE=1
if [ $((KEEPALIVE * NGINX_WORKERS)) -ge "$total" ]; then
	echo "wrk.sh: keepalive $KEEPALIVE x $NGINX_WORKERS workers must be" \
	    "below $FCGI_PROCS processes x $AUTH_THREADS threads" >&2
	exit 2
fi

tmp=$(mktemp -d /tmp/bench_wrk.XXXXXX)
nginx_pid=
fcgi_pids=

cleanup()
{
	set +e
	if [ -n "$nginx_pid" ]; then
		kill -TERM "$nginx_pid" 2>/dev/null
		i=0
		while kill -0 "$nginx_pid" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1; i=$((i + 1))
		done
		kill -KILL "$nginx_pid" 2>/dev/null
	fi
	# libfcgi catches SIGTERM and only acts on it when a request
	# arrives, so what is still there after a second gets SIGKILL.
	for p in $fcgi_pids; do
		kill -TERM "$p" 2>/dev/null
	done
	i=0
	alive=
	while [ $i -lt 10 ]; do
		alive=
		for p in $fcgi_pids; do
			kill -0 "$p" 2>/dev/null && alive="$alive $p"
		done
		[ -n "$alive" ] || break
		sleep 0.1; i=$((i + 1))
	done
	for p in $alive; do
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

# Keys, configurations and tokens.
upstreams=
locations=
for alg in $ALGS; do
	case $alg in
	HS256) keyvar=JWT_SECRET_FILE ;;
	RS256|ES256) keyvar=JWT_PRIVATE_KEY_FILE ;;
	*) echo "wrk.sh: unknown algorithm $alg" >&2; exit 2 ;;
	esac
	"$authctl" keygen --alg "$alg" --out "$tmp/$alg.key" \
	    >>"$tmp/setup.log" 2>&1 || { cat "$tmp/setup.log" >&2; exit 1; }
	cat >"$tmp/$alg.conf" <<EOF
JWT_ALGORITHM=$alg
$keyvar=$tmp/$alg.key
JWT_ISSUER=https://bench.example
JWT_AUDIENCE=bench
EOF
	[ -z "$VERIFY_CACHE" ] ||
	    echo "JWT_VERIFY_CACHE_SIZE=$VERIFY_CACHE" >>"$tmp/$alg.conf"
	AUTH_CONFIG=$tmp/$alg.conf "$authctl" issue --sub user-1234 \
	    --ttl 3600 --claim email=alice@example.com >"$tmp/$alg.token"

	# spawn-fcgi -P writes the PID of each child it forks.
	env -i PATH="$PATH" AUTH_CONFIG="$tmp/$alg.conf" \
	    AUTH_THREADS="$AUTH_THREADS" \
	    spawn-fcgi -s "$tmp/$alg.sock" -F "$FCGI_PROCS" \
	    -P "$tmp/$alg.pid" -- "$verify" >>"$tmp/spawn.log" 2>&1
	fcgi_pids="$fcgi_pids $(cat "$tmp/$alg.pid")"
	upstreams="$upstreams
	upstream v_$alg {
		server unix:$tmp/$alg.sock;
		keepalive $KEEPALIVE;
	}"
	locations="$locations
		location /$alg/ {
			include /etc/nginx/fastcgi_params;
			fastcgi_pass v_$alg;
			fastcgi_keep_conn on;
		}"
done

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
"$NGINX" -p "$tmp" -e "$tmp/nginx-error.log" -c "$tmp/nginx.conf" >>"$tmp/nginx-error.log" 2>&1 &
nginx_pid=$!

i=0
until curl -s -o /dev/null "http://127.0.0.1:$port/ping"; do
	i=$((i + 1))
	if [ $i -ge 50 ] || ! kill -0 "$nginx_pid" 2>/dev/null; then
		echo "wrk.sh: nginx did not start:" >&2
		cat "$tmp/nginx-error.log" >&2
		exit 1
	fi
	sleep 0.1
done

# Each pool must answer 200 to its token and 401 to a tampered one.
for alg in $ALGS; do
	tok=$(cat "$tmp/$alg.token")
	url=http://127.0.0.1:$port/$alg/verify
	s=$(curl -s -o /dev/null -w '%{http_code}' \
	    -H "Authorization: Bearer $tok" "$url")
	last=${tok#"${tok%?}"}
	if [ "$last" = A ]; then bad=${tok%?}B; else bad=${tok%?}A; fi
	b=$(curl -s -o /dev/null -w '%{http_code}' \
	    -H "Authorization: Bearer $bad" "$url")
	if [ "$s" != 200 ] || [ "$b" != 401 ]; then
		echo "wrk.sh: $alg: valid token got $s, tampered got $b" >&2
		cat "$tmp/nginx-error.log" "$tmp/spawn.log" >&2
		exit 1
	fi
done

echo "# $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' \
    /proc/cpuinfo | head -1); nginx $NGINX_WORKERS workers, keepalive" \
    "$KEEPALIVE; verify $FCGI_PROCS processes x $AUTH_THREADS threads" \
    "per algorithm; JWT_VERIFY_CACHE_SIZE ${VERIFY_CACHE:-default};" \
    "wrk ${DURATION}s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
header="| alg | connections | requests/s | p50 | p99 | errors |"
echo "$header"
echo "|---|---:|---:|---:|---:|---|"
[ -z "$RESULTS" ] || printf '%s\n|---|---:|---:|---:|---:|---|\n' \
    "$header" >>"$RESULTS"

for alg in $ALGS; do
	bench_wrk "$alg | " "http://127.0.0.1:$port/$alg/verify" \
	    "$(cat "$tmp/$alg.token")"
done

echo
echo "| process | PID | VmRSS (KiB) |"
echo "|---|---:|---:|"
sum=0
for alg in $ALGS; do
	for p in $(cat "$tmp/$alg.pid"); do
		r=$(bench_rss "$p")
		sum=$((sum + r))
		echo "| verify ($alg) | $p | $r |"
	done
done
nsum=$(bench_rss "$nginx_pid")
echo "| nginx master | $nginx_pid | $nsum |"
for p in $(cat "/proc/$nginx_pid/task/$nginx_pid/children" 2>/dev/null); do
	r=$(bench_rss "$p")
	nsum=$((nsum + r))
	echo "| nginx worker | $p | $r |"
done
echo "| all verify processes | | $sum |"
echo "| all nginx processes | | $nsum |"
if [ -s "$tmp/nginx-error.log" ] && grep -q '\[error\]' "$tmp/nginx-error.log"
then
	echo "wrk.sh: nginx logged errors:" >&2
	grep '\[error\]' "$tmp/nginx-error.log" | head -5 >&2
fi
