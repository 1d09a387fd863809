#!/bin/bash
# key_rotation.sh: `authctl key rotate` and `key retire` against verify
# and jwks processes that keep running (no restart): a token issued before
# a rotation keeps verifying after it, the new key verifies at once, both
# are published, and a retired key's tokens are refused with key_unknown.
# The published JWK Set alone lets PyJWT verify a suite token.
. "$(dirname "$0")/lib.sh"

ti_init nginx
mkdir -m 700 "$T/keys"
ti_config "$T/auth.conf" \
    "JWT_ALGORITHM=ES256" \
    "JWT_KEYS_DIR=$T/keys" \
    "JWT_ISSUER=https://issuer.test" \
    "LOG_LEVEL=info"
AUTH_CONFIG=$T/auth.conf
export AUTH_CONFIG

# Kids are base64url: some start with '-', which once made "key retire
# KID" fail (getopt took the kid for an option).  Rotate until the first
# kid does: one in 64 does, so 1000 tries miss about once in 6 million
# runs.  The last try's key is kept whatever its kid (removing it left
# the active file naming a missing key, and the whole case failed).
for i in $(seq 1 1000); do
	K1=$("$AUTHCTL" key rotate 2>/dev/null)
	case $K1 in -*) break ;; esac
	[ "$i" = 1000 ] && echo "no kid starting with '-' in $i tries: $K1"
	[ "$i" = 1000 ] || rm -f "$T/keys/$K1.pem"
done
ti_expect_true "key rotate prints a kid" test -n "$K1"
T1=$(ti_issue "$AUTH_CONFIG" --sub before)

ti_spawn verify "$top_builddir/cgi-bin/verify" 2
ti_spawn jwks "$top_builddir/cgi-bin/jwks" 1
ti_route /verify verify
ti_route /.well-known/ jwks
ti_nginx

ti_request "token of the first key" /verify -H "Authorization: Bearer $T1"
ti_expect_status 200

K2=$("$AUTHCTL" key rotate 2>/dev/null)
ti_expect_true "rotation makes a new kid" test -n "$K2" -a "$K2" != "$K1"
T2=$(ti_issue "$AUTH_CONFIG" --sub after)
ti_expect_true "the new token names the new key" \
    sh -c "\"$AUTHCTL\" decode '$T2' | grep -q '\"kid\":\"$K2\"'"
sleep 1.2
for i in 1 2 3 4; do
	ti_request "old token after rotation ($i)" /verify \
	    -H "Authorization: Bearer $T1"
	ti_expect_status 200
	ti_request "new token after rotation ($i)" /verify \
	    -H "Authorization: Bearer $T2"
	ti_expect_status 200
	ti_expect_header X-Auth-Subject '^after$'
done

ti_request "both keys published" /.well-known/jwks.json
ti_expect_status 200
ti_expect_json "sorted(k['kid'] for k in j['keys'])" \
    "$(printf '%s\n%s\n' "$K1" "$K2" | sort | /usr/bin/python3 -c 'import sys, json; print(json.dumps([l.strip() for l in sys.stdin]))')"
ti_expect_json "all('d' not in k for k in j['keys'])" true
ETAG=$(ti_header ETag)
cp "$T/last.body" "$T/jwks.json"
ti_request "unchanged key set revalidates" /.well-known/jwks.json \
    -H "If-None-Match: $ETAG"
ti_expect_status 304

if /usr/bin/python3 -c 'import jwt' 2>/dev/null; then
	ti_expect_true "PyJWT verifies a suite token with only jwks.json" \
	    /usr/bin/python3 - "$T/jwks.json" "$T2" <<'PY'
import json, sys, jwt
keys = jwt.PyJWKSet.from_dict(json.load(open(sys.argv[1])))
tok = sys.argv[2]
kid = jwt.get_unverified_header(tok)["kid"]
key = next(k for k in keys.keys if k.key_id == kid)
claims = jwt.decode(tok, key.key, algorithms=["ES256"],
    issuer="https://issuer.test")
sys.exit(0 if claims["sub"] == "after" else 1)
PY
fi

"$AUTHCTL" key retire "$K2" >/dev/null 2>&1
ti_expect_true "the active key cannot be retired" test $? -ne 0
"$AUTHCTL" key retire "$K1" >"$T/retire.out" 2>&1
rc=$?
[ $rc -eq 0 ] || { echo "authctl key retire $K1 said:"; cat "$T/retire.out"; ls -la "$T/keys"; } >&2
ti_expect_true "retire succeeds" test $rc -eq 0
sleep 1.2
for i in 1 2 3 4; do
	ti_request "retired key's token ($i)" /verify \
	    -H "Authorization: Bearer $T1"
	ti_expect_error 401 key_unknown
	ti_request "active key's token after retire ($i)" /verify \
	    -H "Authorization: Bearer $T2"
	ti_expect_status 200
done
ti_request "retired key unpublished" /.well-known/jwks.json
ti_expect_json "[k['kid'] for k in j['keys']]" "[\"$K2\"]"
ti_expect_true "processes reloaded, none restarted" \
    grep -q event=keys_reloaded "$T/verify.log"
# refresh derives its successor tokens from a key that must outlive a
# rotation: with JWT_KEYS_DIR it wants REFRESH_TOKEN_SECRET_FILE.
refresh_cgi()
{
	REQUEST_METHOD=POST REQUEST_URI=/api/auth/refresh \
	    GATEWAY_INTERFACE=CGI/1.1 CONTENT_LENGTH=0 \
	    "$top_builddir/cgi-bin/refresh" </dev/null
}
refresh_cgi >"$T/refresh.out" 2>"$T/refresh.err"
ti_expect_true "refresh refuses to start without its own secret" \
    test $? -ne 0
ti_expect_true "and says which setting fixes it" \
    grep -q 'REFRESH_TOKEN_SECRET_FILE' "$T/refresh.err"
"$AUTHCTL" keygen --out "$T/refresh.key" >/dev/null 2>&1
REFRESH_TOKEN_SECRET_FILE=$T/refresh.key refresh_cgi >"$T/refresh.out" \
    2>"$T/refresh.err"
ti_expect_true "with REFRESH_TOKEN_SECRET_FILE it answers" \
    grep -q '^Status: 401' "$T/refresh.out"
ti_expect_logs_clean
ti_done
