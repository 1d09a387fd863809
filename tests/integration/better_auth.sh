#!/bin/bash
# better_auth.sh: verify accepts the tokens of a real Better Auth.
#
# The npm package better-auth (version pinned by better_auth/package-lock.json,
# installed with npm ci into a cache outside the tree, reused across
# runs) runs better_auth/server.mjs on 127.0.0.1: email and password
# sign-up, the memory adapter, the JWT plugin with its default settings
# (EdDSA, iss and aud set to the base URL).  A user signs up, the session
# cookie gets a token from /api/auth/token, and verify, with JWKS_URL
# pointed at /api/auth/jwks, accepts it (X-Auth-Subject is the Better
# Auth user id) and refuses it altered, or with another audience or
# issuer configured; the provider sees few JWKS fetches (its request log
# counts them).  Without node and npm, or when the install fails, the
# test is skipped (77) and says why.
. "$(dirname "$0")/lib.sh"

ti_init nginx
[ -x /usr/bin/python3 ] || ti_skip "/usr/bin/python3 is needed"
. "$here/lib_better_auth.sh"
ba_install

# The server runs from $T with node_modules linked to the cache.
ba_setup server.mjs
ba_start server.mjs

jwks_fetches()
{
	grep -c '^request GET /api/auth/jwks jwt-auth-suite/' "$BA_LOG"
}

# A user signs up; the answer sets the session cookie.
ba_request "sign up" /api/auth/sign-up/email -c "$T/cookies" \
    -H 'Content-Type: application/json' -H "Origin: $BA_URL" \
    -d '{"email":"ada@example.test","password":"correct horse battery staple","name":"Ada"}'
ti_expect_status 200
ti_expect_json 'j["user"]["email"]' ada@example.test
USER_ID=$(ti_json 'j["user"]["id"]')
ti_expect_true "Better Auth gave the user an id ('$USER_ID')" \
    test -n "$USER_ID" -a "${USER_ID#<}" = "$USER_ID"
ti_expect_true "the sign-up set a session cookie" \
    grep -q 'session_token' "$T/cookies"

ba_request "token from /api/auth/token" /api/auth/token -b "$T/cookies"
ti_expect_status 200
TOKEN=$(ti_json 'j["token"]')
ti_expect_true "the token has three segments" \
    test "$(printf '%s' "$TOKEN" | tr -cd . | wc -c)" -eq 2
HEADER=$(printf '%s' "$TOKEN" | cut -d. -f1 | /usr/bin/python3 -c '
import base64, json, sys
s = sys.stdin.read().strip()
print(json.loads(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))["alg"])')
ti_expect_true "Better Auth signs with EdDSA by default (got '$HEADER')" \
    test "$HEADER" = EdDSA
ba_request "Better Auth's JWK Set" /api/auth/jwks
ti_expect_status 200
ti_expect_json '[k["kty"] for k in j["keys"]]' '["OKP"]'
ti_expect_json '"use" in j["keys"][0]' false
ba_request "no session, no token" /api/auth/token
ti_expect_status 401

# ba_alter TOKEN CLAIM VALUE: the token with one payload claim changed,
# header and signature kept.
ba_alter()
{
	/usr/bin/python3 - "$@" <<'PY'
import base64, json, sys
tok, claim, value = sys.argv[1:4]
h, p, s = tok.split(".")
d = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
d[claim] = value
p = base64.urlsafe_b64encode(json.dumps(d, separators=(",", ":"))
                             .encode()).decode().rstrip("=")
print(".".join((h, p, s)))
PY
}

conf()
{
	local f=$1

	shift
	ti_config "$f" "JWT_ALGORITHM=EdDSA" \
	    "JWKS_URL=$BA_URL/api/auth/jwks" \
	    "JWKS_CACHE_FILE=$T/jwks-cache.json" \
	    "VERIFY_CLAIM_HEADERS=email" \
	    "DATABASE_URL=$T/auth.db" \
	    "LOG_LEVEL=info" "$@"
}
conf "$T/auth.conf" "JWT_ISSUER=$BA_URL" "JWT_AUDIENCE=$BA_URL"
conf "$T/aud.conf" "JWT_ISSUER=$BA_URL" "JWT_AUDIENCE=https://other.test"
conf "$T/iss.conf" "JWT_ISSUER=https://other.test" "JWT_AUDIENCE=$BA_URL"

# The revocation list verify polls (check-config opens it).
AUTH_CONFIG=$T/auth.conf "$AUTHCTL" db migrate >/dev/null
AUTH_CONFIG=$T/auth.conf "$AUTHCTL" check-config >"$T/cc.out" 2>&1
ti_expect_true "check-config accepts the Better Auth JWKS" test $? -eq 0
ti_expect_true "check-config reports it reachable with 1 key" \
    grep -q 'reachable, 1 keys\{0,1\}' "$T/cc.out"

AUTH_CONFIG=$T/auth.conf ti_spawn verify "$top_builddir/cgi-bin/verify" 2
AUTH_CONFIG=$T/aud.conf ti_spawn verify_aud "$top_builddir/cgi-bin/verify" 1
AUTH_CONFIG=$T/iss.conf ti_spawn verify_iss "$top_builddir/cgi-bin/verify" 1
ti_route /verify verify
ti_route /aud verify_aud
ti_route /iss verify_iss
ti_nginx

ti_request "Better Auth token" /verify -H "Authorization: Bearer $TOKEN"
ti_expect_status 200
ti_expect_header X-Auth-Subject "^$USER_ID\$"
ti_expect_header X-Auth-Claim-Email '^ada@example\.test$'
ti_expect_json 'j["sub"]' "$USER_ID"
ti_expect_json 'j["claims"]["iss"]' "$BA_URL"
ti_expect_json 'j["claims"]["aud"]' "$BA_URL"
ti_expect_json 'j["claims"]["emailVerified"]' false
after_start=$(jwks_fetches)

ti_request "last character altered" /verify \
    -H "Authorization: Bearer $(ti_flip_last "$TOKEN")"
ti_expect_error 401 signature_invalid
ti_request "payload: sub changed" /verify \
    -H "Authorization: Bearer $(ba_alter "$TOKEN" sub someone-else)"
ti_expect_error 401 signature_invalid
ti_request "payload: email changed" /verify \
    -H "Authorization: Bearer $(ba_alter "$TOKEN" email eve@example.test)"
ti_expect_error 401 signature_invalid
ti_request "another audience configured" /aud \
    -H "Authorization: Bearer $TOKEN"
ti_expect_error 401 audience_invalid
ti_request "another issuer configured" /iss \
    -H "Authorization: Bearer $TOKEN"
ti_expect_error 401 issuer_invalid

# The token from the session endpoint's set-auth-jwt header is the same
# kind of token.
ba_request "get-session hands out a JWT too" /api/auth/get-session \
    -b "$T/cookies"
ti_expect_status 200
SESSION_JWT=$(ti_header set-auth-jwt)
ti_request "set-auth-jwt token" /verify \
    -H "Authorization: Bearer $SESSION_JWT"
ti_expect_status 200
ti_expect_header X-Auth-Subject "^$USER_ID\$"

# Many requests, in parallel on three processes: no more fetches.
pids=
for i in $(seq 1 60); do
	curl -s -o /dev/null --max-time 5 -H "Authorization: Bearer $TOKEN" \
	    "http://127.0.0.1:$TI_PORT/verify" &
	pids="$pids $!"
	if [ $((i % 15)) -eq 0 ]; then
		wait $pids
		pids=
	fi
done
ti_request "still accepted after the burst" /verify \
    -H "Authorization: Bearer $TOKEN"
ti_expect_status 200
got=$(jwks_fetches)
ti_expect_true "JWKS fetches: $got in all ($after_start by the first answer), at most 2" \
    test "$got" -le 2 -a "$got" -eq "$after_start"
ti_expect_no_secret "$TOKEN" "$BA_SECRET"
ti_expect_logs_clean
ti_done
