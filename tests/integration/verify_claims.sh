#!/bin/bash
# verify_claims.sh: what verify passes downstream as X-Auth-* headers,
# through nginx and etc/nginx/jwt-auth.conf (issue 10, items 1 and 2).
# A value is passed whole or not at all: a NUL escape anywhere refuses
# the token (json-c would cut the value at it), a control byte or a
# space at either end leaves the header out (servers cut or trim it),
# arrays go as JSON, and a token whose headers do not fit gets a 500
# rather than an answer with a header missing.
. "$(dirname "$0")/lib.sh"

ti_init nginx
ts_setup
sed -i 's/^VERIFY_CLAIM_HEADERS=.*/VERIFY_CLAIM_HEADERS=email,role,c1,c2,c3,c4,c5/' \
    "$AUTH_CONFIG"
ts_start_programs verify
ts_nginx

# mint NAME CLAIMS-JSON: an HS256 token signed with the suite's key, the
# payload written as given (so that escapes reach the verifier as sent).
mint()
{
	/usr/bin/python3 - "$T/jwt.key" "$2" >"$T/tok.$1" <<'PY'
import base64, hmac, hashlib, sys, time
key = open(sys.argv[1], "rb").read().rstrip(b"\r\n ")
def b64(b):
	return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
now = int(time.time())
h = b64(b'{"alg":"HS256","typ":"JWT"}')
p = b64(('{"sub":"alice","iat":%d,"exp":%d,"type":"access",%s}'
    % (now, now + 600, sys.argv[2])).encode())
s = b64(hmac.new(key, (h + "." + p).encode(), hashlib.sha256).digest())
print(h + "." + p + "." + s)
PY
}

# ask NAME CLAIMS-JSON: verify asked about mint's token (case NAME).
ask()
{
	mint "$1" "$2"
	ti_request "$1" /api/auth/verify -H "Authorization: Bearer $(cat "$T/tok.$1")"
}

ask plain '"email":"ceo@corp.example","role":"admin"'
ti_expect_status 200
ti_expect_header X-Auth-Claim-Email '^ceo@corp\.example$'
ti_expect_header X-Auth-Claim-Role '^admin$'
ti_expect_header Cache-Control '^no-store$'

# Item 1: the NUL escape would have given "X-Auth-Claim-Email: ceo@corp.example".
ask nul '"email":"ceo@corp.example\u0000@evil.test"'
ti_expect_error 401 token_malformed
ti_expect_no_header X-Auth-Claim-Email
ask nulkey '"email":"ceo@corp.example","email\u0000x":"x@evil.test"'
ti_expect_error 401 token_malformed
ask nulrole '"email":"a@b.example","role":["user","admin\u0000"]'
ti_expect_error 401 token_malformed

# Item 2: control bytes and surrounding spaces leave the header out.
for c in 'ceo@corp.example\n' ' ceo@corp.example' 'ceo@corp.example ' \
    'ceo@corp.example\r\nX-Evil: 1' 'ceo@corp.example\t' 'a\u007fb@c.example'; do
	ask ctl "\"email\":\"$c\",\"role\":\"user\""
	ti_expect_status 200
	ti_expect_no_header X-Auth-Claim-Email
	ti_expect_no_header X-Evil
	ti_expect_header X-Auth-Claim-Role '^user$'
done
ask inner '"email":"Alice Example <a@b.example>"'
ti_expect_header X-Auth-Claim-Email '^Alice Example <a@b\.example>$'

# Arrays as JSON: these two must not look alike downstream.
ask arr2 '"role":["user","admin"]'
ti_expect_header X-Auth-Claim-Role '^\["user","admin"\]$'
ask arr1 '"role":["user,admin"]'
ti_expect_header X-Auth-Claim-Role '^\["user,admin"\]$'
ask obj '"role":{"a":1}'
ti_expect_header X-Auth-Claim-Role '^\{"a":1\}$'

# Headers that do not fit: 500 with Cache-Control, never a 200 without it.
big=$(printf 'x%.0s' $(seq 1 1000))
ask big "\"c1\":\"$big\",\"c2\":\"$big\",\"c3\":\"$big\",\"c4\":\"$big\",\"c5\":\"$big\""
ti_expect_status 500
ti_expect_header Cache-Control '^no-store$'
ti_expect_no_header X-Auth-Subject
ask fits "\"c1\":\"$big\",\"c2\":\"$big\""
ti_expect_status 200
ti_expect_header Cache-Control '^no-store$'
ti_expect_header X-Auth-Claim-C2 "^x{1000}$"

ti_done
