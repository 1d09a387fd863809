#!/bin/sh
# ops_slow.sh: front-end limits hold under abuse.  The nginx that
# tools/dev-up.sh and the tests run (lib.sh's ti_nginx_conf: 4096 worker
# connections, header and body timeouts, requests in progress per
# address capped) in front of `verify`: 1,000 slow connections from
# 127.0.0.1 (half send half a request header and stop, half send the
# headers of a 100 kB POST and one byte of it; whatever the server ends
# is opened again), held for 5 s, and meanwhile a verify from 127.0.0.2
# answers 200 within a second; the per-address cap (100 here) answers
# the excess slow POSTs 429 at once; the header and body timeouts (3 s
# here, to keep the test short; 10 s in dev-up and the examples) end the
# slow ones.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
here=$(dirname "$0")
. "$here/lib.sh"

ti_init
ti_need nginx timeout
ti_key "$T/jwt.key"
AUTH_CONFIG=$T/auth.conf
export AUTH_CONFIG
ti_config "$AUTH_CONFIG" "JWT_SECRET_FILE=$T/jwt.key"
good=$(ti_issue "$AUTH_CONFIG" --sub alice) || exit 99
ti_spawn verify "$top_builddir/cgi-bin/verify" 2
ti_route /verify verify
TI_CONN_PER_ADDR=100
TI_CLIENT_TIMEOUT=3
ti_nginx

# from127002 LABEL: a verify from 127.0.0.2; sets TI_STATUS and $took.
from127002()
{
	TI_CASE=$1
	took=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' \
	    --max-time 5 --interface 127.0.0.2 \
	    -H "Authorization: Bearer $good" "http://127.0.0.1:$TI_PORT/verify")
	TI_STATUS=${took% *}
	took=${took#* }
}
from127002 "before"
ti_expect_status 200

# The abuser: N connections from 127.0.0.1, kept open HOLD seconds (7:
# twice the 3 s timeouts, and time to see them on a loaded machine).
timeout 30 /usr/bin/python3 - "$TI_PORT" 1000 7 "$T/held" >"$T/abuse.out" 2>&1 <<'PY' &
import resource, select, socket, sys, time
port, n, hold, flag = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 256), hard))
seen = {}
def count(k):
	seen[k] = seen.get(k, 0) + 1
def conn(i):
	s = socket.socket()
	try:
		s.bind(("127.0.0.1", 0))
		s.connect(("127.0.0.1", port))
		if i % 2:
			s.send(b"POST /verify HTTP/1.1\r\nHost: x\r\nContent-Type: "
			    b"application/json\r\nContent-Length: 100000\r\n\r\n{")
		else:
			s.send(b"GET /verify HTTP/1.1\r\nHost: x\r\nX-Slow: a")
		return s
	except OSError:
		count("connect_failed")
		s.close()
		return None
socks = [conn(i) for i in range(n)]
open(flag, "w").write("%d\n" % sum(1 for s in socks if s is not None))
# Like a real slowloris: whatever the server answers or closes is opened
# again, so that N stay open until the end.
end = time.time() + hold
while time.time() < end:
	live = [s for s in socks if s is not None]
	time.sleep(0.3)
	r, _, _ = select.select(live, [], [], 0.2)
	for s in r:
		try:
			d = s.recv(64)
			count(d.split(b" ")[1].decode() if d.startswith(b"HTTP/") else "closed")
		except OSError:
			count("reset")
		i = socks.index(s)
		s.close()
		socks[i] = conn(i)
print("connected=%d %s" % (sum(1 for s in socks if s is not None),
    " ".join("%s=%d" % kv for kv in sorted(seen.items()))))
PY
abuser=$!
ti_track "$abuser"
for i in $(seq 1 200); do
	[ -s "$T/held" ] && break
	sleep 0.1
done
TI_CASE=abuse
ti_expect_true "1,000 slow connections held ($(cat "$T/held" 2>/dev/null))" \
    test "$(cat "$T/held" 2>/dev/null)" = 1000
sleep 1
from127002 "during the abuse"
ti_expect_status 200
ti_expect_true "answered within 1 s (took $took s)" \
    awk -v t="$took" 'BEGIN { exit !(t < 1.0) }'
sleep 1.5
from127002 "during the abuse, later"
ti_expect_status 200
ti_expect_true "answered within 1 s (took $took s)" \
    awk -v t="$took" 'BEGIN { exit !(t < 1.0) }'
wait "$abuser"
TI_CASE="abuser's view"
ti_expect_true "slow POSTs over the cap got 429: $(cat "$T/abuse.out")" \
    grep -qE ' 429=[0-9]{3,}( |$)' "$T/abuse.out"
# Ended: reset, closed or 408, however the kernel and nginx split them
# (at least the 500 slow GETs; more once they are opened again).
ti_expect_true "the header and body timeouts (3 s) ended the slow ones: $(cat "$T/abuse.out")" \
    awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "=");
	    if (kv[1] == "reset" || kv[1] == "closed" || kv[1] == "408") n += kv[2] } }
	END { exit !(n >= 500) }' "$T/abuse.out"
from127002 "after"
ti_expect_status 200
ti_expect_logs_clean
ti_done
