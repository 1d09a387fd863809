#!/bin/sh
# interop_pyjwt.sh: interoperability with PyJWT (Debian's python3-jwt),
# an implementation nobody here wrote.  For each supported algorithm:
# `authctl keygen` makes a key; PyJWT signs a token with it that
# `authctl decode --verify` must accept; `authctl issue` makes a token that
# PyJWT must verify (with the public key `openssl pkey -pubout` derives,
# or the secret), and must refuse once tampered.  The kid keygen prints is
# checked against an RFC 7638 thumbprint computed in Python from the
# key's numbers.  A PyJWT token with alg "none" must be refused with
# alg_not_allowed.
#
# Run by `make check` (top_builddir and top_srcdir come from
# AM_TESTS_ENVIRONMENT); exit 77 (skip) when /usr/bin/python3 lacks jwt.

set -u

here=$(cd "$(dirname "$0")" && pwd)
top_builddir=${top_builddir:-$(cd "$here/../.." && pwd)}
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
AUTHCTL=$top_builddir/src/authctl
PY=/usr/bin/python3

if ! [ -x "$PY" ] || ! "$PY" -c 'import jwt, cryptography' 2>/dev/null; then
	echo "SKIP: $PY lacks jwt (apt-get install python3-jwt)"
	exit 77
fi
if ! command -v openssl >/dev/null 2>&1; then
	echo "SKIP: openssl command missing"
	exit 77
fi
if ! [ -x "$AUTHCTL" ]; then
	echo "ERROR: $AUTHCTL not built"
	exit 99
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/interop_pyjwt.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# Only what this test sets reaches authctl.
for v in AUTH_CONFIG JWT_SECRET BETTER_AUTH_SECRET JWT_SECRET_FILE \
    JWT_ALGORITHM JWT_PRIVATE_KEY_FILE JWT_PUBLIC_KEY_FILE JWT_KEY_ID \
    JWT_ACCESS_TOKEN_EXPIRE_MINUTES JWT_ISSUER JWT_AUDIENCE \
    JWT_LEEWAY_SECONDS JWT_SUBJECT_CLAIM JWT_MAX_TOKEN_BYTES \
    JWT_REQUIRE_TYPE LOG_LEVEL; do
	unset "$v"
done
: >"$tmp/empty.conf"
chmod 600 "$tmp/empty.conf"
AUTH_CONFIG=$tmp/empty.conf
JWT_ISSUER=https://auth.example.test
JWT_AUDIENCE=api.example.test
export AUTH_CONFIG JWT_ISSUER JWT_AUDIENCE

cat >"$tmp/pyjwt_helper.py" <<'EOF'
import hashlib, json, sys, time
import jwt
from cryptography.hazmat.primitives.serialization import load_pem_private_key

ISS = "https://auth.example.test"
AUD = "api.example.test"

def b64u(b):
    import base64
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

def key_for_signing(alg, path):
    data = open(path, "rb").read()
    return data.strip() if alg.startswith("HS") else data

def thumbprint(alg, path):
    # RFC 7638: the required members only, sorted, no whitespace.  The
    # members come from the key's numbers (PyJWT 2.6's to_jwk does not
    # pad EC coordinates to the field size as RFC 7518 6.2.1.2 requires).
    data = open(path, "rb").read()
    if alg.startswith("HS"):
        m = {"k": b64u(data.strip()), "kty": "oct"}
    elif alg == "EdDSA":
        from cryptography.hazmat.primitives.serialization import (
            Encoding, PublicFormat)
        raw = load_pem_private_key(data, None).public_key().public_bytes(
            Encoding.Raw, PublicFormat.Raw)
        m = {"crv": "Ed25519", "kty": "OKP", "x": b64u(raw)}
    else:
        pn = load_pem_private_key(data, None).public_key().public_numbers()
        if alg.startswith("RS") or alg.startswith("PS"):
            m = {"e": b64u(uint(pn.e)), "kty": "RSA", "n": b64u(uint(pn.n))}
        else:
            size = (pn.curve.key_size + 7) // 8
            m = {"crv": {256: "P-256", 384: "P-384",
                         521: "P-521"}[pn.curve.key_size],
                 "kty": "EC", "x": b64u(pn.x.to_bytes(size, "big")),
                 "y": b64u(pn.y.to_bytes(size, "big"))}
    s = json.dumps(m, sort_keys=True, separators=(",", ":"))
    return b64u(hashlib.sha256(s.encode()).digest())

def uint(v):
    return v.to_bytes((v.bit_length() + 7) // 8, "big")

def sign(alg, path, kid, aud_list):
    now = int(time.time())
    claims = {"sub": "pyjwt-user", "iat": now, "exp": now + 300,
              "type": "access", "iss": ISS,
              "aud": [AUD, "other"] if aud_list else AUD}
    headers = {"kid": kid} if kid is not None else None
    return jwt.encode(claims, key_for_signing(alg, path), algorithm=alg,
                      headers=headers)

cmd = sys.argv[1]
if cmd == "prep":
    # One Python start per algorithm: the key's RFC 7638 thumbprint, then
    # three PyJWT tokens: without kid, with KID, with aud as a list.
    alg, path, kid = sys.argv[2], sys.argv[3], sys.argv[4]
    print(thumbprint(alg, path))
    print(sign(alg, path, None, False))
    print(sign(alg, path, kid, False))
    print(sign(alg, path, None, True))
elif cmd == "none":
    now = int(time.time())
    print(jwt.encode({"sub": "pyjwt-user", "iat": now, "exp": now + 300,
                      "type": "access", "iss": ISS, "aud": AUD},
                     None, algorithm="none"))
elif cmd == "verify":
    alg, key, token, kid = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
    key = open(key, "rb").read()
    if alg.startswith("HS"):
        key = key.strip()
    opts = {"require": ["exp", "iat", "nbf", "sub", "iss", "aud", "jti"]}
    c = jwt.decode(token, key, algorithms=[alg], audience=AUD, issuer=ISS,
                   options=opts)
    h = jwt.get_unverified_header(token)
    assert h["alg"] == alg, h
    assert h.get("kid") == kid, (h, kid)
    assert c["sub"] == "alice" and c["type"] == "access", c
    assert c["email"] == "alice@example.test", c
    assert c["exp"] - c["iat"] == 120, c
    # The same token with another subject must not verify.
    hdr, pay, sig = token.split(".")
    c["sub"] = "mallory"
    forged = hdr + "." + b64u(json.dumps(c).encode()) + "." + sig
    try:
        jwt.decode(forged, key, algorithms=[alg], audience=AUD, issuer=ISS)
    except jwt.InvalidSignatureError:
        pass
    else:
        sys.exit("tampered token accepted by PyJWT")
    print("ok")
EOF

pass=0
fail=0
ok() {
	pass=$((pass + 1))
	echo "ok - $1"
}
notok() {
	fail=$((fail + 1))
	echo "FAIL - $1"
	if [ -s "$tmp/err" ]; then
		sed 's/^/    /' "$tmp/err"
	fi
}

# verdict TOKEN WORD: authctl decode --verify says WORD of TOKEN (valid
# with exit 0; a reason with a non-zero exit); otherwise its output goes
# to $tmp/err.  st: its exit status.
verdict() {
	local out fails=1

	out=$("$AUTHCTL" decode --verify "$1" 2>"$tmp/err")
	st=$?
	[ "$2" = valid ] && fails=0
	if [ "$((st != 0))" = "$fails" ] &&
	    printf '%s\n' "$out" | grep -qx "$2"; then
		return 0
	fi
	printf '%s\n' "$out" >>"$tmp/err"
	return 1
}

for alg in HS256 HS384 HS512 RS256 RS384 RS512 ES256 ES384 ES512 \
    PS256 PS384 PS512 EdDSA; do
	key=$tmp/$alg.key
	if ! kid=$("$AUTHCTL" keygen --alg "$alg" --out "$key" 2>"$tmp/err"); then
		notok "$alg: authctl keygen"
		continue
	fi
	unset JWT_SECRET_FILE JWT_PRIVATE_KEY_FILE
	JWT_ALGORITHM=$alg
	export JWT_ALGORITHM
	case $alg in
	HS*)	JWT_SECRET_FILE=$key
		export JWT_SECRET_FILE
		verifykey=$key ;;
	*)	JWT_PRIVATE_KEY_FILE=$key
		export JWT_PRIVATE_KEY_FILE
		verifykey=$tmp/$alg.pub
		if ! openssl pkey -in "$key" -pubout -out "$verifykey" \
		    2>"$tmp/err"; then
			notok "$alg: openssl pkey -pubout"
			continue
		fi ;;
	esac

	# The kid is the RFC 7638 thumbprint, as Python computes it; and
	# PyJWT's three tokens (without kid, with kid, aud as a list).
	pykid= t_nokid= t_kid= t_audlist=
	if ! "$PY" "$tmp/pyjwt_helper.py" prep "$alg" "$key" "$kid" \
	    >"$tmp/prep" 2>"$tmp/err"; then
		notok "$alg: PyJWT thumbprint and signing"
		continue
	fi
	{ read -r pykid; read -r t_nokid; read -r t_kid; read -r t_audlist; } \
	    <"$tmp/prep"
	if [ -n "$kid" ] && [ "$kid" = "$pykid" ]; then
		ok "$alg: kid is the RFC 7638 thumbprint"
	else
		notok "$alg: kid '$kid' is not the thumbprint '$pykid'"
	fi

	# PyJWT signs, authctl verifies: without kid, with kid, aud as list.
	for variant in nokid kid audlist; do
		eval "tok=\$t_$variant"
		if [ -z "$tok" ]; then
			notok "$alg: PyJWT sign ($variant)"
			continue
		fi
		if verdict "$tok" valid; then
			ok "$alg: PyJWT token ($variant) verifies in authctl"
		else
			notok "$alg: PyJWT token ($variant) refused (exit $st)"
		fi
	done

	# authctl issues, PyJWT verifies (and refuses a tampered copy).
	if ! tok=$("$AUTHCTL" issue --sub alice --ttl 120 \
	    --claim email=alice@example.test 2>"$tmp/err"); then
		notok "$alg: authctl issue"
		continue
	fi
	if "$PY" "$tmp/pyjwt_helper.py" verify "$alg" "$verifykey" "$tok" \
	    "$kid" >/dev/null 2>"$tmp/err"; then
		ok "$alg: authctl token verifies in PyJWT"
	else
		notok "$alg: authctl token refused by PyJWT"
	fi
done

# alg "none" from PyJWT, against an HS256 and an RS256 configuration.
for alg in HS256 RS256; do
	unset JWT_SECRET_FILE JWT_PRIVATE_KEY_FILE
	JWT_ALGORITHM=$alg
	case $alg in
	HS*)	JWT_SECRET_FILE=$tmp/$alg.key; export JWT_SECRET_FILE ;;
	*)	JWT_PRIVATE_KEY_FILE=$tmp/$alg.key; export JWT_PRIVATE_KEY_FILE ;;
	esac
	if ! tok=$("$PY" "$tmp/pyjwt_helper.py" none 2>"$tmp/err"); then
		notok "PyJWT alg none token"
		continue
	fi
	if verdict "$tok" alg_not_allowed; then
		ok "$alg config: PyJWT alg none token refused with alg_not_allowed"
	else
		notok "$alg config: PyJWT alg none token not refused as alg_not_allowed (exit $st)"
	fi
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
