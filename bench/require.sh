#!/bin/bash
#
# require.sh: what a 3-term AUTH_REQUIRE costs verify behind nginx.
#
# One nginx (1 worker) in front of one verify pool (HS256, FCGI_PROCS
# processes under spawn-fcgi, kept FastCGI connections), reached through
# two locations that differ only in one line: /require/ sets
#   fastcgi_param AUTH_REQUIRE "scope:bench.read role:user group:staff";
# and /plain/ sets none.  The token carries those claims, so every answer
# is a 200 (any other status is reported).  ROUNDS rounds alternate the
# two locations (the order flips each round), wrk -t1 at CONNECTIONS for
# DURATION seconds each.  Besides requests/s, which on a shared machine
# swing with what else runs, it reads the CPU time the verify processes
# spent during each run (/proc/PID/schedstat, nanoseconds on a CPU) and
# divides by the requests served: the cost per request of verify itself,
# which other processes do not change much.
#
# usage: bash bench/require.sh      (from the top of a built tree)
# environment: top_builddir (default: this script's ../), DURATION (5),
#   CONNECTIONS (16), ROUNDS (5), FCGI_PROCS (2), RESULTS (file that gets
#   the table too).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
top_builddir=${top_builddir:-$(cd "$here/.." && pwd)}
DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-16}
ROUNDS=${ROUNDS:-5}
FCGI_PROCS=${FCGI_PROCS:-2}
RESULTS=${RESULTS:-}
REQ="scope:bench.read role:user group:staff"

verify=$top_builddir/cgi-bin/verify
authctl=$top_builddir/src/authctl
for p in "$verify" "$authctl"; do
	[ -x "$p" ] || { echo "require.sh: $p not built: run make" >&2; exit 1; }
done
for t in nginx spawn-fcgi wrk curl; do
	command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] ||
	    { echo "require.sh: $t is missing" >&2; exit 77; }
done
NGINX=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ac-bench-require.XXXXXX")
pids=
cleanup()
{
	local p

	for p in $pids; do
		kill -TERM "$p" 2>/dev/null || true
	done
	sleep 0.5
	for p in $pids; do
		kill -KILL "$p" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

port=$(/usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')

"$authctl" keygen --alg HS256 --out "$tmp/HS256.key" >/dev/null
cat >"$tmp/auth.conf" <<EOF
JWT_ALGORITHM=HS256
JWT_SECRET_FILE=$tmp/HS256.key
JWT_ISSUER=https://bench.example
JWT_AUDIENCE=bench
LOG_LEVEL=warn
EOF
chmod 600 "$tmp/auth.conf"
tok=$(AUTH_CONFIG=$tmp/auth.conf "$authctl" issue --sub user-00000 \
    --ttl 3600 --claim email=user-00000@example.com \
    --claim 'scope=openid bench.read' --claim role=user \
    --claim 'groups=["staff"]')

env -i PATH="$PATH" AUTH_CONFIG="$tmp/auth.conf" spawn-fcgi \
    -s "$tmp/verify.sock" -F "$FCGI_PROCS" -P "$tmp/verify.pid" -- \
    "$verify" >>"$tmp/spawn.log" 2>&1 ||
    { cat "$tmp/spawn.log" >&2; exit 1; }
vpids=$(cat "$tmp/verify.pid")
pids="$pids $vpids"

mkdir -p "$tmp/nginx-tmp"
cat >"$tmp/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log warn;
$( [ "$(id -u)" = 0 ] && echo "user root;" )
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $tmp/nginx-tmp/body;
	fastcgi_temp_path $tmp/nginx-tmp/fastcgi;
	proxy_temp_path $tmp/nginx-tmp/proxy;
	uwsgi_temp_path $tmp/nginx-tmp/uwsgi;
	scgi_temp_path $tmp/nginx-tmp/scgi;
	upstream verify {
		server unix:$tmp/verify.sock;
		keepalive 63;
	}
	server {
		listen 127.0.0.1:$port;
		location /plain/ {
			include /etc/nginx/fastcgi_params;
			fastcgi_pass verify;
			fastcgi_keep_conn on;
		}
		location /require/ {
			include /etc/nginx/fastcgi_params;
			fastcgi_param AUTH_REQUIRE "$REQ";
			fastcgi_pass verify;
			fastcgi_keep_conn on;
		}
	}
}
EOF
"$NGINX" -p "$tmp" -c "$tmp/nginx.conf" -e "$tmp/nginx-error.log" &
pids="$pids $!"
for i in $(seq 1 100); do
	curl -s -o /dev/null "http://127.0.0.1:$port/plain/" && break
	sleep 0.1
done
for loc in plain require; do
	st=$(curl -s -o /dev/null -w '%{http_code}' \
	    -H "Authorization: Bearer $tok" "http://127.0.0.1:$port/$loc/")
	[ "$st" = 200 ] || { echo "require.sh: /$loc/ answered $st" >&2; exit 1; }
done
st=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(
    AUTH_CONFIG=$tmp/auth.conf "$authctl" issue --sub x)" \
    "http://127.0.0.1:$port/require/")
[ "$st" = 403 ] || { echo "require.sh: a token without the claims got $st" >&2; exit 1; }

# cpu_ns: nanoseconds the verify processes have spent on a CPU.
cpu_ns()
{
	local p s=0 v

	for p in $vpids; do
		read -r v _ <"/proc/$p/schedstat"
		s=$((s + v))
	done
	echo "$s"
}

# run LOC: one wrk run; prints "LOC req/s p99-ms cpu-us-per-request errors".
run()
{
	local c0 c1 n rps p99 e

	c0=$(cpu_ns)
	wrk -t 1 -c "$CONNECTIONS" -d "${DURATION}s" --latency \
	    -H "Authorization: Bearer $tok" \
	    "http://127.0.0.1:$port/$1/" >"$tmp/wrk.out" 2>&1 || true
	c1=$(cpu_ns)
	n=$(awk '/requests in/ { print $1 }' "$tmp/wrk.out")
	rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$tmp/wrk.out")
	p99=$(awk '$1 == "99%" { print $2 }' "$tmp/wrk.out")
	e=$(awk '/Non-2xx|Socket errors/ { printf "%s ", $0 }' "$tmp/wrk.out")
	[ -n "$n" ] && [ "$n" -gt 0 ] ||
	    { cat "$tmp/wrk.out" >&2; echo "require.sh: no requests" >&2; exit 1; }
	printf '%s %s %s %s %s\n' "$1" "$rps" "$(to_ms "$p99")" \
	    "$(awk -v d=$((c1 - c0)) -v n="$n" 'BEGIN { printf "%.2f", d / n / 1000 }')" \
	    "${e:-none}"
}

# Warm-up, then the rounds.
wrk -t 1 -c "$CONNECTIONS" -d 1s -H "Authorization: Bearer $tok" \
    "http://127.0.0.1:$port/plain/" >/dev/null 2>&1 || true
load0=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u '+%Y-%m-%d %H:%M UTC')
: >"$tmp/runs"
for r in $(seq 1 "$ROUNDS"); do
	if [ $((r % 2)) = 1 ]; then order="plain require"; else order="require plain"; fi
	for loc in $order; do
		run "$loc" | tee -a "$tmp/runs" >&2
	done
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)
{
	echo "# started $started; $(nproc) cores; load average $load0 at start, $load1 at end"
	echo "# verify HS256 (cache on), $FCGI_PROCS processes; nginx 1 worker; wrk -t1 -c $CONNECTIONS, ${DURATION}s a run, $ROUNDS rounds alternated"
	echo "# commit $(git -C "$here/.." rev-parse --short HEAD 2>/dev/null || echo ?)"
	echo
	echo "| location | req/s, each run | mean req/s | verify CPU µs/request, each run | mean | p99 ms, each run | errors |"
	echo "|---|---|---:|---|---:|---|---|"
	for loc in plain require; do
		awk -v l="$loc" '$1 == l {
			n++; r = r (r == "" ? "" : ", ") $2; rs += $2
			c = c (c == "" ? "" : ", ") $4; cs += $4
			p = p (p == "" ? "" : ", ") $3
			if ($5 != "none") e = e $5 " "
		} END {
			printf "| %s | %s | %.0f | %s | %.2f | %s | %s |\n",
			    l == "plain" ? "plain" : "3-term AUTH_REQUIRE", r,
			    rs / n, c, cs / n, p, e == "" ? "none" : e
		}' "$tmp/runs"
	done
	awk '$1 == "plain" { pc += $4; pr += $2; pn++ }
	    $1 == "require" { rc += $4; rr += $2; rn++ }
	    END {
		printf "\n3-term AUTH_REQUIRE vs plain: verify CPU per request %+.1f %%, requests/s %+.1f %%\n",
		    (rc / rn) / (pc / pn) * 100 - 100, (rr / rn) / (pr / pn) * 100 - 100
	    }' "$tmp/runs"
} | tee ${RESULTS:+-a "$RESULTS"}
