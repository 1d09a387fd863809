#!/bin/bash
# jwks_hang.sh: an identity provider that accepts connections and never
# answers does not stop a worker.  verify runs one process with one
# event loop; a token with an unknown kid makes it fetch the provider's
# set, and the fetch hangs (JWKS_FETCH_TIMEOUT=15).  Meanwhile tokens of
# the cached set on the same worker answer at once (the bound checked
# here is 2 s, far below the fetch timeout: before the fetch left the
# loop, they waited the whole 15 s); the unknown-kid request waits for
# the fetch a bounded time (2 s) on a pool thread and is refused 401;
# more unknown kids join the fetch in flight rather than start their
# own (the provider sees one connection).
. "$(dirname "$0")/lib.sh"

ti_init nginx
P=$T/provider
mkdir -p "$P/keys" "$P/other"
chmod 700 "$P/keys" "$P/other"
kid=$("$AUTHCTL" keygen --alg RS256 --out "$P/new.pem" 2>/dev/null)
mv "$P/new.pem" "$P/keys/$kid.pem"
echo "$kid" >"$P/keys/active"
ti_config "$P/auth.conf" JWT_ALGORITHM=RS256 "JWT_KEYS_DIR=$P/keys"
good=$(ti_issue "$P/auth.conf" --sub alice) || exit 99
# A key the provider's set lacks: its tokens have an unknown kid.
kid2=$("$AUTHCTL" keygen --alg RS256 --out "$P/new.pem" 2>/dev/null)
mv "$P/new.pem" "$P/other/$kid2.pem"
echo "$kid2" >"$P/other/active"
ti_config "$P/other.conf" JWT_ALGORITHM=RS256 "JWT_KEYS_DIR=$P/other"
stranger=$(ti_issue "$P/other.conf" --sub mallory) || exit 99

# The provider: accepts, writes a line per connection, never answers.
/usr/bin/python3 - "$P/port" "$P/accepted" <<'PY' &
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
held = []
while True:
    c, _ = s.accept()
    held.append(c)
    with open(sys.argv[2], "a") as f:
        f.write("accepted\n")
PY
ti_track $!
for i in $(seq 1 100); do
	[ -s "$P/port" ] && break
	sleep 0.1
done
[ -s "$P/port" ] || { echo "the hanging provider did not start"; exit 99; }
PPORT=$(cat "$P/port")
URL=http://127.0.0.1:$PPORT/jwks.json

# The cached set (the provider's key) is fresh, so start-up fetches
# nothing; its last attempt is long past JWKS_REFRESH_MIN_SECONDS, so an
# unknown kid fetches at once.
set=$(AUTH_CONFIG=$P/auth.conf REQUEST_METHOD=GET \
    REQUEST_URI=/.well-known/jwks.json "$top_builddir/cgi-bin/jwks" |
    sed '1,/^\r*$/d')
now=$(date +%s)
printf '{"url":"%s","attempted":%d,"fetched":%d,"jwks":%s}' \
    "$URL" $((now - 600)) "$now" "$set" >"$T/jwks-cache.json"
chmod 600 "$T/jwks-cache.json"

ti_config "$T/auth.conf" JWT_ALGORITHM=RS256 "JWKS_URL=$URL" \
    "JWKS_CACHE_FILE=$T/jwks-cache.json" JWKS_REFRESH_MIN_SECONDS=1 \
    JWKS_FETCH_TIMEOUT=15 LOG_LEVEL=info
AUTH_CONFIG=$T/auth.conf
export AUTH_CONFIG
ti_spawn verify "$top_builddir/cgi-bin/verify" 1
ti_route /verify verify
ti_nginx

ti_request "a token of the cached set" /verify -H "Authorization: Bearer $good"
ti_expect_status 200
ti_expect_true "nothing was fetched yet" test ! -e "$P/accepted"

# The unknown kid: its fetch hangs.
curl -s -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 40 \
    -H "Authorization: Bearer $stranger" \
    "http://127.0.0.1:$TI_PORT/verify" >"$T/stranger.out" &
spid=$!
for i in $(seq 1 100); do
	[ -s "$P/accepted" ] && break
	sleep 0.1
done
ti_expect_true "the unknown kid started a fetch" test -s "$P/accepted"

# The same worker, while the fetch hangs.
for i in 1 2 3; do
	out=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' \
	    --max-time 40 -H "Authorization: Bearer $good" \
	    "http://127.0.0.1:$TI_PORT/verify")
	echo "# valid token during the hanging fetch ($i): $out"
	ti_expect_true "a valid token answers 200 during the fetch ($i)" \
	    test "${out% *}" = 200
	ti_expect_true "and within 2 s ($i: ${out#* } s)" \
	    awk -v t="${out#* }" 'BEGIN { exit !(t < 2) }'
done

# More unknown kids join the fetch in flight.
for i in 1 2 3; do
	curl -s -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 40 \
	    -H "Authorization: Bearer $stranger" \
	    "http://127.0.0.1:$TI_PORT/verify" >"$T/stranger$i.out" &
	eval "sp$i=\$!"
done
wait "$spid" "$sp1" "$sp2" "$sp3"
for f in stranger stranger1 stranger2 stranger3; do
	out=$(cat "$T/$f.out")
	echo "# unknown kid ($f): $out"
	ti_expect_true "an unknown kid is refused 401 ($f)" test "${out% *}" = 401
	ti_expect_true "after a bounded wait, not the fetch's 15 s ($f: ${out#* } s)" \
	    awk -v t="${out#* }" 'BEGIN { exit !(t < 8) }'
done
ti_expect_true "one fetch for all of them (connections: $(wc -l <"$P/accepted"))" \
    test "$(wc -l <"$P/accepted")" -eq 1
ti_expect_true "the log says the wait ran out" \
    grep -q 'event=jwks_wait_timeout' "$T/verify.log"
ti_request "a token of the cached set, after" /verify \
    -H "Authorization: Bearer $good"
ti_expect_status 200
ti_done
