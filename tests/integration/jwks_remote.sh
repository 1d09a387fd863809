#!/bin/bash
# jwks_remote.sh: verify trusts an identity provider's keys through
# JWKS_URL, here a JWK Set served as a static file by a second nginx on
# 127.0.0.1.  Tokens signed with the set's RS256, ES256 and EdDSA keys
# verify; a key added to the set verifies without a restart; with the
# provider stopped, the cached set keeps serving; a flood of tokens with
# random kids makes no more fetches than JWKS_REFRESH_MIN_SECONDS allows
# (counted in the provider's access log).
. "$(dirname "$0")/lib.sh"

ti_init nginx
/usr/bin/python3 -c 'import jwt, cryptography' 2>/dev/null ||
    ti_skip "python3-jwt and python3-cryptography are needed"
P=$T/provider
mkdir -p "$P/www" "$P/keys" "$P/tmp"
chmod 700 "$P/keys"

# The provider's keys; file names are their kids, as authctl key writes.
for alg in RS256 ES256 EdDSA; do
	kid=$("$AUTHCTL" keygen --alg "$alg" --out "$P/new.pem" 2>/dev/null)
	mv "$P/new.pem" "$P/keys/$kid.pem"
	eval "KID_$alg=\$kid"
done
ti_config "$P/auth.conf" "JWT_ALGORITHM=RS256,ES256,EdDSA" \
    "JWT_KEYS_DIR=$P/keys"
publish()
{
	AUTH_CONFIG=$P/auth.conf REQUEST_METHOD=GET \
	    REQUEST_URI=/.well-known/jwks.json "$top_builddir/cgi-bin/jwks" |
	    sed '1,/^\r*$/d' >"$P/www/jwks.tmp" && mv "$P/www/jwks.tmp" "$P/www/jwks.json"
}
publish
# provider_token ALG [CLAIMS-JSON]: a token PyJWT signs with that key.
provider_token()
{
	local kid

	eval "kid=\$KID_$1"
	/usr/bin/python3 - "$P/keys/$kid.pem" "$1" "$kid" "${2:-}" <<'PY'
import json, sys, time, jwt
path, alg, kid, extra = sys.argv[1:5]
claims = {"sub": "user-" + alg, "iat": int(time.time()),
          "exp": int(time.time()) + 600, "iss": "https://provider.test"}
if extra:
    claims.update(json.loads(extra))
print(jwt.encode(claims, open(path).read(), algorithm=alg,
                 headers={"kid": kid}))
PY
}

PPORT=$(ti_port)
cat >"$P/nginx.conf" <<EOF2
worker_processes 1;
daemon off;
pid $P/nginx.pid;
error_log $P/error.log info;
$([ "$(id -u)" = 0 ] && echo "user root;")
events { worker_connections 64; }
http {
	access_log $P/access.log;
	client_body_temp_path $P/tmp/cb;
	proxy_temp_path $P/tmp/p;
	fastcgi_temp_path $P/tmp/f;
	uwsgi_temp_path $P/tmp/u;
	scgi_temp_path $P/tmp/s;
	default_type application/json;
	server { listen 127.0.0.1:$PPORT; root $P/www; }
}
EOF2
start_provider()
{
	: >"$P/access.log"
	"$(ti_bin nginx)" -p "$P" -c "$P/nginx.conf" -e "$P/error.log" \
	    >>"$P/stdout.log" 2>&1 &
	PPID_NGINX=$!
	ti_track "$PPID_NGINX"
	# Readiness on another path, so that only the suite's fetches of
	# /jwks.json are counted.
	for i in $(seq 1 50); do
		curl -s -o /dev/null --max-time 1 \
		    "http://127.0.0.1:$PPORT/ready" && break
		sleep 0.1
	done
}
fetches()
{
	grep -c 'GET /jwks.json' "$P/access.log" 2>/dev/null || echo 0
}
start_provider

ti_config "$T/auth.conf" \
    "JWT_ALGORITHM=RS256,ES256,EdDSA" \
    "JWKS_URL=http://127.0.0.1:$PPORT/jwks.json" \
    "JWKS_CACHE_FILE=$T/jwks-cache.json" \
    "JWKS_REFRESH_MIN_SECONDS=2" \
    "JWT_ISSUER=https://provider.test" \
    "DATABASE_URL=$T/auth.db" \
    "LOG_LEVEL=info"
AUTH_CONFIG=$T/auth.conf
export AUTH_CONFIG
# The revocation list verify polls (check-config opens it).
"$AUTHCTL" db migrate >/dev/null || { echo "authctl db migrate failed"; exit 99; }

ti_case_check=$("$AUTHCTL" check-config 2>&1)
ti_expect_true "check-config reports the JWKS reachable with 3 keys" \
    sh -c "printf '%s' \"\$0\" | grep -q 'reachable, 3 keys'" "$ti_case_check"

ti_spawn verify "$top_builddir/cgi-bin/verify" 2
ti_route /verify verify
ti_nginx
ti_expect_true "start-up fetched the set once" test "$(fetches)" -eq 2

for alg in RS256 ES256 EdDSA; do
	tok=$(provider_token $alg)
	ti_request "provider $alg token" /verify -H "Authorization: Bearer $tok"
	ti_expect_status 200
	ti_expect_header X-Auth-Subject "^user-$alg\$"
	ti_request "provider $alg token altered" /verify \
	    -H "Authorization: Bearer $(ti_flip_last "$tok")"
	ti_expect_status 401
done
ti_request "a provider token says another type" /verify \
    -H "Authorization: Bearer $(provider_token ES256 '{"type":"refresh"}')"
ti_expect_error 401 token_type_invalid
ti_request "a provider token with the wrong issuer" /verify \
    -H "Authorization: Bearer $(provider_token ES256 '{"iss":"https://evil.test"}')"
ti_expect_error 401 issuer_invalid

# A new key at the provider: its first token triggers one fetch.
sleep 2.1
kid=$("$AUTHCTL" keygen --alg ES256 --out "$P/new.pem" 2>/dev/null)
mv "$P/new.pem" "$P/keys/$kid.pem"
KID_NEW=$kid
publish
before=$(fetches)
tok=$(KID_ES256=$KID_NEW provider_token ES256)
for i in 1 2 3 4; do
	ti_request "token of a key added at the provider ($i)" /verify \
	    -H "Authorization: Bearer $tok"
	ti_expect_status 200
done
ti_expect_true "the new kid cost one fetch" test "$(fetches)" -eq $((before + 1))

# A flood of unknown kids: fetches stay within the spacing rule.
sleep 2.1
before=$(fetches)
good=$(provider_token RS256)
rest=$(printf '%s' "$good" | cut -d. -f2-)
start=$(date +%s)
pids=
for i in $(seq 1 120); do
	h=$(printf '{"alg":"RS256","kid":"random-%s-%s"}' "$i" "$RANDOM" |
	    ti_b64url)
	forged=$h.$rest
	curl -s -o /dev/null --max-time 5 -H "Authorization: Bearer $forged" \
	    "http://127.0.0.1:$TI_PORT/verify" &
	pids="$pids $!"
	if [ $((i % 20)) -eq 0 ]; then
		wait $pids
		pids=
	fi
done
elapsed=$(( $(date +%s) - start + 1 ))
allowed=$(( elapsed / 2 + 1 ))
got=$(( $(fetches) - before ))
ti_expect_true "random kids made $got fetches in ${elapsed}s (at most $allowed)" \
    test "$got" -le "$allowed"
ti_request "a random kid is refused" /verify \
    -H "Authorization: Bearer $forged"
ti_expect_error 401 key_unknown

# The provider goes away: the cached set keeps serving.
kill -TERM "$PPID_NGINX"
wait "$PPID_NGINX" 2>/dev/null
sleep 2.1
for alg in RS256 ES256 EdDSA; do
	ti_request "provider down, $alg token from the cache" /verify \
	    -H "Authorization: Bearer $(provider_token $alg)"
	ti_expect_status 200
done
ti_request "provider down, unknown kid" /verify \
    -H "Authorization: Bearer $forged"
ti_expect_error 401 key_unknown
ti_request "provider down, new key still verifies" /verify \
    -H "Authorization: Bearer $tok"
ti_expect_status 200
"$AUTHCTL" check-config >"$T/cc.out" 2>&1
ti_expect_true "check-config fails while the JWKS is unreachable" \
    test $? -ne 0
ti_expect_true "check-config names the JWKS problem" \
    grep -q 'problem: JWKS_URL' "$T/cc.out"
ti_expect_logs_clean
ti_done
