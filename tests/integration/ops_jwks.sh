#!/bin/sh
# ops_jwks.sh: an identity provider's JWKS and operations.  /readyz of
# `verify` is 200 while the provider answers and 503 once its set is
# older than JWKS_CACHE_TTL with the provider down (tokens of the cached
# set still verify); the JWKS figures move.  At start, JWKS_URL at a
# closed port with no cached set: the program exits non-zero with one
# line naming the URL and the error; with JWKS_REQUIRED=false it starts
# (and is not ready).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
here=$(dirname "$0")
. "$here/lib.sh"

ti_init
ti_need nginx
P=$T/provider
mkdir -p "$P/www" "$P/keys"
chmod 700 "$P/keys"
kid=$("$AUTHCTL" keygen --alg RS256 --out "$P/new.pem" 2>/dev/null)
mv "$P/new.pem" "$P/keys/$kid.pem"
echo "$kid" >"$P/keys/active"
ti_config "$P/auth.conf" JWT_ALGORITHM=RS256 "JWT_KEYS_DIR=$P/keys"
AUTH_CONFIG=$P/auth.conf REQUEST_METHOD=GET \
    REQUEST_URI=/.well-known/jwks.json "$top_builddir/cgi-bin/jwks" |
    sed '1,/^\r*$/d' >"$P/www/jwks.json"
token=$(ti_issue "$P/auth.conf" --sub alice) || exit 99

ti_http_dir provider "$P/www"
PPORT=$TI_ASIDE_PORT
provider=$TI_SERVER_PID

AUTH_CONFIG=$T/auth.conf
export AUTH_CONFIG
ti_config "$AUTH_CONFIG" JWT_ALGORITHM=RS256 \
    "JWKS_URL=http://127.0.0.1:$PPORT/jwks.json" JWKS_CACHE_TTL=10 \
    JWKS_REFRESH_MIN_SECONDS=1 "JWKS_CACHE_FILE=$T/jwks-cache.json" \
    METRICS_ENABLED=true "METRICS_FILE=$T/verify.metrics" \
    "DATABASE_URL=$T/auth.db"
# The revocation list verify polls (its /readyz opens it).
"$AUTHCTL" db migrate >/dev/null || { echo "authctl db migrate failed"; exit 99; }
ti_spawn verify "$top_builddir/cgi-bin/verify" 1
ti_route /verify verify
ti_route /readyz verify
ti_route /metrics verify
ti_nginx

metric()
{
	awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print "absent" }' \
	    "$T/last.body"
}

ti_request "ready, provider up" /readyz
ti_expect_status 200
ti_expect_json 'j["checks"]["jwks"]' ok
ti_expect_json 'j["checks"]["keys"]' ok
ti_request "token of the provider" /verify -H "Authorization: Bearer $token"
ti_expect_status 200
ti_request "figures, provider up" /metrics
ti_expect_status 200
ti_expect_true "jwks_fetch_total ok >= 1" \
    test "$(metric 'jwks_fetch_total{result="ok"}')" -ge 1
ti_expect_true "jwks_keys is 1" test "$(metric jwks_keys)" = 1
ti_expect_true "jwks_cache_hits_total is 1" \
    test "$(metric jwks_cache_hits_total)" = 1
ti_expect_true "jwks_last_success_timestamp_seconds is recent" \
    test $(( $(date +%s) - $(metric jwks_last_success_timestamp_seconds) )) -lt 60

# The provider goes down; past the TTL the set is stale: not ready.
kill -TERM "$provider"
fetched=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["fetched"])' "$T/jwks-cache.json")
while [ $(( $(date +%s) - fetched )) -le 10 ]; do
	sleep 0.5
done
ti_request "provider down past the TTL" /readyz
ti_expect_status 503
ti_expect_json 'j["status"]' "not ready"
ti_expect_json 'j["checks"]["jwks"].startswith("stale")' true
ti_expect_json 'j["checks"]["keys"]' ok
ti_request "cached set still verifies" /verify -H "Authorization: Bearer $token"
ti_expect_status 200
ti_request "figures, provider down" /metrics
ti_expect_true "jwks_fetch_total error >= 1" \
    test "$(metric 'jwks_fetch_total{result="error"}')" -ge 1

# Start-up with the provider unreachable and no cache.
CPORT=$(ti_port)
ti_config "$T/closed.conf" JWT_ALGORITHM=RS256 \
    "JWKS_URL=http://127.0.0.1:$CPORT/jwks.json" JWKS_FETCH_TIMEOUT=2 \
    "JWKS_CACHE_FILE=$T/closed-cache.json"
TI_CASE="JWKS_URL at a closed port"
AUTH_CONFIG=$T/closed.conf "$top_builddir/cgi-bin/verify" </dev/null \
    >/dev/null 2>"$T/closed.log"
st=$?
ti_expect_true "exit status non-zero (got $st)" test "$st" -ne 0
ti_expect_true "one line names the URL and the error" \
    grep -qE "level=error event=config_invalid problem=\"JWKS_URL http://127\.0\.0\.1:$CPORT/jwks\.json: no key set \(.*[Cc]onnect" "$T/closed.log"
ti_expect_true "nothing served" sh -c "! grep -q 'Status:' '$T/closed.log'"

echo JWKS_REQUIRED=false >>"$T/closed.conf"
AUTH_CONFIG=$T/closed.conf ti_spawn lax "$top_builddir/cgi-bin/verify" 1
TI_CASE="JWKS_REQUIRED=false"
ti_expect_true "starts" grep -q 'event=start' "$T/lax.log"
ti_expect_true "and stays up" kill -0 "$(cat "$T/lax.pid")"

ti_expect_logs_clean
ti_expect_no_secret "$T/verify.log" "$token"
ti_done
