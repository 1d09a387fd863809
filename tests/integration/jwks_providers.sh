#!/bin/bash
# jwks_providers.sh: several identity providers at once (JWT_PROVIDERS).
# Two providers, a and b, publish their key sets from a static server on
# 127.0.0.1; both name their ES256 key "shared" (a kid collision), with
# different key material.  The suite's own HS256 key and JWT_ISSUER stay
# the default provider.  A token is matched to its provider by iss before
# any key is looked at: a's token verifies with a's key only, a token
# that claims a's issuer but is signed with b's "shared" key is refused,
# and each provider's audience and algorithms hold for its tokens only.
# Each provider has its own cache file, refetch, readiness check and
# metrics label; check-config reports each; bad provider settings stop
# the program.
. "$(dirname "$0")/lib.sh"

ti_init nginx
/usr/bin/python3 -c 'import jwt, cryptography' 2>/dev/null ||
    ti_skip "python3-jwt and python3-cryptography are needed"
P=$T/provider
mkdir -p "$P/www/a" "$P/www/b" "$P/keys-a" "$P/keys-b"
chmod 700 "$P/keys-a" "$P/keys-b"

# Each provider's key, its file name its kid: "shared" for both.
for p in a b; do
	"$AUTHCTL" keygen --alg ES256 --out "$P/keys-$p/shared.pem" \
	    >/dev/null 2>&1 || { echo "keygen failed"; exit 99; }
done
# publish P: provider P's key set, as the jwks program writes it.
publish()
{
	ti_config "$P/$1.conf" JWT_ALGORITHM=ES256 "JWT_KEYS_DIR=$P/keys-$1"
	AUTH_CONFIG=$P/$1.conf REQUEST_METHOD=GET \
	    REQUEST_URI=/.well-known/jwks.json "$top_builddir/cgi-bin/jwks" |
	    sed '1,/^\r*$/d' >"$P/www/$1/jwks.tmp" &&
	    mv "$P/www/$1/jwks.tmp" "$P/www/$1/jwks.json"
}
publish a
publish b
ti_expect_true "both sets name their key shared" sh -c \
    "grep -q '\"kid\":\"shared\"' '$P/www/a/jwks.json' &&
    grep -q '\"kid\":\"shared\"' '$P/www/b/jwks.json' &&
    ! cmp -s '$P/www/a/jwks.json' '$P/www/b/jwks.json'"

# ptoken KEYDIR KID CLAIMS-JSON: a token PyJWT signs with that key.
ptoken()
{
	/usr/bin/python3 - "$P/keys-$1/$2.pem" "$2" "$3" <<'PY'
import json, sys, time, jwt
path, kid, extra = sys.argv[1:4]
now = int(time.time())
claims = {"sub": "someone", "iat": now, "exp": now + 600}
claims.update(json.loads(extra))
print(jwt.encode(claims, open(path).read(), algorithm="ES256",
                 headers={"kid": kid}))
PY
}

# The providers' host: a static server on 127.0.0.1 (its requests
# logged in $T/providers-stdout.log).
ti_http_dir providers "$P/www"
PPORT=$TI_ASIDE_PORT
fetches() { grep -c "GET /$1/jwks.json" "$T/providers-stdout.log" 2>/dev/null || echo 0; }

# The providers' cache files go under TMPDIR (named by URL): this run's
# own, never a set an earlier run cached for the same port.
mkdir -p "$T/tmp"
export TMPDIR=$T/tmp
ti_key "$T/jwt.key"
providers()
{
	printf '%s\n' JWT_PROVIDERS=a,b \
	    JWT_PROVIDER_A_ISSUER=https://a.test \
	    "JWT_PROVIDER_A_JWKS_URL=http://127.0.0.1:$PPORT/a/jwks.json" \
	    JWT_PROVIDER_A_AUDIENCE=api-a JWT_PROVIDER_A_ALGORITHMS=ES256 \
	    JWT_PROVIDER_B_ISSUER=https://b.test \
	    "JWT_PROVIDER_B_JWKS_URL=http://127.0.0.1:$PPORT/b/jwks.json" \
	    JWT_PROVIDER_B_AUDIENCE=api-b
}
ti_config "$T/auth.conf" "JWT_SECRET_FILE=$T/jwt.key" JWT_ALGORITHM=HS256 \
    JWT_ISSUER=https://suite.test JWKS_REFRESH_MIN_SECONDS=1 \
    METRICS_ENABLED=true "METRICS_FILE=$T/verify.metrics" LOG_LEVEL=info \
    "DATABASE_URL=$T/auth.db" $(providers)
AUTH_CONFIG=$T/auth.conf
export AUTH_CONFIG
# The revocation list verify polls (check-config and /readyz open it).
"$AUTHCTL" db migrate >/dev/null || { echo "authctl db migrate failed"; exit 99; }

# check-config: each provider and its set.
TI_CASE="check-config"
"$AUTHCTL" check-config >"$T/cc.out" 2>&1
ti_expect_true "check-config passes" grep -qx ok "$T/cc.out"
ti_expect_true "provider a reported" grep -q \
    "^provider a: issuer https://a.test, audience api-a, algorithms ES256$" "$T/cc.out"
ti_expect_true "provider b reported" grep -q \
    "^provider b: issuer https://b.test, audience api-b, algorithms RS256 ES256 EdDSA$" "$T/cc.out"
ti_expect_true "both sets reachable" test "$(grep -c 'reachable, 1 key: shared' "$T/cc.out")" = 2

ti_spawn verify "$top_builddir/cgi-bin/verify"
ti_route /verify verify
ti_route /readyz verify
ti_route /metrics verify
ti_nginx
ti_expect_true "start-up fetched a's set" test "$(fetches a)" -ge 1
ti_expect_true "start-up fetched b's set" test "$(fetches b)" -ge 1

ask() { ti_request "$1" /verify -H "Authorization: Bearer $2"; }

ask "a's token" "$(ptoken a shared '{"iss":"https://a.test","aud":"api-a","sub":"alice-a"}')"
ti_expect_status 200
ti_expect_header X-Auth-Subject '^alice-a$'
ask "b's token" "$(ptoken b shared '{"iss":"https://b.test","aud":"api-b","sub":"bob-b"}')"
ti_expect_status 200
ti_expect_header X-Auth-Subject '^bob-b$'
ask "own token" "$(ti_issue "$AUTH_CONFIG" --sub own-user)"
ti_expect_status 200
ti_expect_header X-Auth-Subject '^own-user$'

# The kid collision: b's "shared" key never verifies a token claiming a.
ask "signed by b's shared key, claiming a" \
    "$(ptoken b shared '{"iss":"https://a.test","aud":"api-a"}')"
ti_expect_error 401 signature_invalid
ask "signed by a's shared key, claiming b" \
    "$(ptoken a shared '{"iss":"https://b.test","aud":"api-b"}')"
ti_expect_error 401 signature_invalid
# A provider's keys serve no other provider, the default included.
ask "a's key, the suite's issuer" \
    "$(ptoken a shared '{"iss":"https://suite.test"}')"
ti_expect_error 401 alg_not_allowed
ask "a's key, no issuer" "$(ptoken a shared '{}')"
ti_expect_error 401 alg_not_allowed
ask "the suite's secret, a's issuer" \
    "$(/usr/bin/python3 -c 'import jwt,sys,time; print(jwt.encode({"sub":"x","iss":"https://a.test","aud":"api-a","exp":int(time.time())+600,"type":"access"}, open(sys.argv[1],"rb").read().strip(), algorithm="HS256"))' "$T/jwt.key")"
ti_expect_error 401 alg_not_allowed
# Each provider's audience holds for its tokens only.
ask "a's token for b's audience" \
    "$(ptoken a shared '{"iss":"https://a.test","aud":"api-b"}')"
ti_expect_error 401 audience_invalid
ask "b's token without an audience" \
    "$(ptoken b shared '{"iss":"https://b.test"}')"
ti_expect_error 401 claim_missing

# A new key at a: its first token refetches a's set, not b's.
b_before=$(fetches b)
kid=$("$AUTHCTL" keygen --alg ES256 --out "$P/keys-a/new.pem" 2>/dev/null)
mv "$P/keys-a/new.pem" "$P/keys-a/k2.pem"
publish a
tok=$(ptoken a k2 '{"iss":"https://a.test","aud":"api-a","sub":"alice-k2"}')
for i in $(seq 1 30); do
	ask "a's new key ($i)" "$tok"
	[ "$TI_STATUS" = 200 ] && break
	sleep 0.2
done
ti_expect_status 200
ti_expect_header X-Auth-Subject '^alice-k2$'
ti_expect_true "b's set was not fetched for a's kid" test "$(fetches b)" = "$b_before"
ask "k2 of a, claiming b" "$(ptoken a k2 '{"iss":"https://b.test","aud":"api-b"}')"
ti_expect_error 401 key_unknown

# Readiness and metrics name each provider.
ti_request "readyz" /readyz
ti_expect_status 200
ti_expect_json 'j["checks"]["jwks:a"], j["checks"]["jwks:b"]' '["ok", "ok"]'
ti_request "metrics" /metrics
ti_expect_status 200
ti_expect_true "fetches of a counted under its label" \
    grep -Eq '^jwks_provider_fetch_total\{provider="a",result="ok"\} [1-9]' "$T/last.body"
ti_expect_true "fetches of b counted under its label" \
    grep -Eq '^jwks_provider_fetch_total\{provider="b",result="ok"\} [1-9]' "$T/last.body"
ti_expect_true "a's keys" grep -q '^jwks_provider_keys{provider="a"} 2$' "$T/last.body"
ti_expect_true "b's keys" grep -q '^jwks_provider_keys{provider="b"} 1$' "$T/last.body"

# A provider whose set cannot be had stops the program (JWKS_REQUIRED),
# naming it; with JWKS_REQUIRED=false it starts.
CPORT=$(ti_port)
ti_config "$T/closed.conf" "JWT_SECRET_FILE=$T/jwt.key" JWKS_FETCH_TIMEOUT=2 \
    JWT_PROVIDERS=gone JWT_PROVIDER_GONE_ISSUER=https://gone.test \
    "JWT_PROVIDER_GONE_JWKS_URL=http://127.0.0.1:$CPORT/jwks.json"
TI_CASE="a provider at a closed port"
AUTH_CONFIG=$T/closed.conf "$top_builddir/cgi-bin/verify" </dev/null \
    >/dev/null 2>"$T/closed.log"
st=$?
ti_expect_true "exit status non-zero (got $st)" test "$st" -ne 0
ti_expect_true "one line names the provider, its URL and the error" \
    grep -qE "event=config_invalid problem=\"JWT_PROVIDERS: gone's key set http://127\.0\.0\.1:$CPORT/jwks\.json: no key set \(.*[Cc]onnect" "$T/closed.log"
echo JWKS_REQUIRED=false >>"$T/closed.conf"
AUTH_CONFIG=$T/closed.conf ti_spawn lax "$top_builddir/cgi-bin/verify" 1
TI_CASE="JWKS_REQUIRED=false with a provider down"
ti_expect_true "starts" grep -q 'event=start' "$T/lax.log"

# Settings that cannot work stop the program, each named.
bad()
{
	ti_config "$T/bad.conf" "JWT_SECRET_FILE=$T/jwt.key" "$@"
	TI_CASE="bad providers: $*"
	if AUTH_CONFIG=$T/bad.conf "$AUTHCTL" check-config >"$T/cc.out" 2>&1
	then
		ti_fail "check-config" "refused" "ok"
	fi
}
bad JWT_PROVIDERS=a
ti_expect_true "names the missing issuer" grep -q \
    "JWT_PROVIDERS: a has no JWT_PROVIDER_A_ISSUER" "$T/cc.out"
bad JWT_PROVIDERS=a,b JWT_PROVIDER_A_ISSUER=https://x.test \
    JWT_PROVIDER_B_ISSUER=https://x.test \
    JWT_PROVIDER_A_JWKS_URL=http://127.0.0.1:1/a JWT_PROVIDER_B_JWKS_URL=http://127.0.0.1:1/b
ti_expect_true "names the shared issuer" grep -q "are the same" "$T/cc.out"
bad JWT_PROVIDERS=a JWT_PROVIDER_A_ISSUER=https://x.test \
    JWT_PROVIDER_A_JWKS_URL=http://127.0.0.1:1/a JWT_PROVIDER_A_ALGORITHMS=HS256
ti_expect_true "refuses an HMAC algorithm" grep -q \
    "JWT_PROVIDER_A_ALGORITHMS: 'HS256' is not a public-key algorithm" "$T/cc.out"
bad JWT_PROVIDERS=a JWT_PROVIDER_A_ISSUER=https://x.test \
    JWT_PROVIDER_A_JWKS_URL=http://provider.example/a
ti_expect_true "refuses plain http beyond loopback" grep -q \
    "JWT_PROVIDER_A_JWKS_URL: plain http" "$T/cc.out"
bad "JWT_PROVIDERS=a-b"
ti_expect_true "refuses a bad name" grep -q "is not a name" "$T/cc.out"

ti_expect_logs_clean
ti_done
