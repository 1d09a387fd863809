#!/bin/bash
# dev_up.sh: tools/dev-up.sh as a provider's users run it, in a tree of
# its own under $T (the script, lib.sh, the session page, and the built
# programs linked in; a Makefile that has nothing to do), so the source
# tree's run/ is left alone.
#
#   - JWT_ALGORITHM=RS256 JWKS_URL=... (no signing key): verify, todos and
#     jwks start, refresh does not, dev-up says so and exits 0, and the
#     provider's token works on /api/v1/me and /verify;
#   - a dev-up that fails after starting programs stops every one of them
#     and its nginx (here todos is a program that exits at once).
. "$(dirname "$0")/lib.sh"

ti_init nginx
need_python_jwt()
{
	/usr/bin/python3 -c 'import jwt, cryptography' 2>/dev/null ||
	    ti_skip "PyJWT and cryptography are needed"
}
need_python_jwt

# The tree dev-up runs in.
TREE=$T/tree
SRC=$(cd "$top_srcdir" && pwd)
BLD=$(cd "$top_builddir" && pwd)
mkdir -p "$TREE/tools" "$TREE/tests/integration" "$TREE/src" "$TREE/cgi-bin"
cp "$SRC/tools/dev-up.sh" "$SRC/tools/deps.sh" "$TREE/tools/"
cp "$SRC"/tests/integration/lib*.sh "$TREE/tests/integration/"
cp -r "$SRC/src/www" "$TREE/src/www"
ln -s "$BLD/src/authctl" "$TREE/src/authctl"
for p in refresh verify jwks todos; do
	ln -s "$BLD/cgi-bin/$p" "$TREE/cgi-bin/$p"
done
# Configured in place (dev-up then builds there): nothing to build.
: >"$TREE/config.status"
printf 'all:\n\t@:\n' >"$TREE/Makefile"

# The processes started from the tree, zombies counting as gone.
tree_procs()
{
	local d

	for d in /proc/[0-9]*; do
		[ -r "$d/cmdline" ] || continue
		tr '\0' ' ' <"$d/cmdline" 2>/dev/null | grep -qF "$TREE" ||
		    continue
		awk '{ if ($3 != "Z") print FILENAME }' "$d/stat" \
		    2>/dev/null | sed 's,/proc/,,; s,/stat,,'
	done
}

# The provider: a key set on 127.0.0.1 and a token it signed.
mkdir -p "$T/provider/.well-known"
/usr/bin/python3 - "$T/provider" <<'PY'
import json, sys, time, jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
d = sys.argv[1]
k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
jwk = json.loads(RSAAlgorithm.to_jwk(k.public_key()))
jwk.update(kid="ba-1", alg="RS256", use="sig")
json.dump({"keys": [jwk]}, open(d + "/.well-known/jwks.json", "w"))
now = int(time.time())
open(d + "/token", "w").write(jwt.encode({"sub": "user-123",
    "email": "a@b.test", "iat": now, "exp": now + 3600}, k,
    algorithm="RS256", headers={"kid": "ba-1"}))
PY
ti_http_dir provider "$T/provider"
TOKEN=$(cat "$T/provider/token")
ti_secret "$TOKEN"

PORT=$(ti_port)
TI_CASE="provider mode"
(cd "$TREE" && env -u AUTH_CONFIG JWT_ALGORITHM=RS256 \
    JWKS_URL="http://127.0.0.1:$TI_ASIDE_PORT/.well-known/jwks.json" \
    PORT=$PORT NPROC=1 bash tools/dev-up.sh) >"$T/up.out" 2>&1
ti_expect_true "dev-up exits 0" test $? -eq 0
ti_expect_true "it says refresh is not started" \
    grep -q 'no signing key in this configuration' "$T/up.out"
ti_expect_true "and prints a curl line for the provider's token" \
    grep -qF "curl -i -H \"Authorization: Bearer \$TOKEN\" http://127.0.0.1:$PORT/api/v1/me" "$T/up.out"
ti_expect_true "no refresh process" test ! -e "$TREE/run/refresh.pid"
TI_PORT=$PORT
ti_request "the provider's token on /api/v1/me" /api/v1/me \
    -H "Authorization: Bearer $TOKEN"
ti_expect_status 200
ti_expect_json 'j["user_id"]' user-123
ti_request "and on /verify" /verify -H "Authorization: Bearer $TOKEN"
ti_expect_status 200
# (todos answers its unknown path; curl itself: not an API answer.)
ti_expect_true "no login here (404)" test "$(curl -s -o /dev/null \
    -w '%{http_code}' -X POST "http://127.0.0.1:$PORT/api/auth/login")" = 404
(cd "$TREE" && bash tools/dev-up.sh stop) >/dev/null 2>&1
ti_expect_true "stop leaves nothing running" test -z "$(tree_procs)"

TI_CASE="a failed dev-up"
rm "$TREE/cgi-bin/todos"
printf '#!/bin/sh\nexit 1\n' >"$TREE/cgi-bin/todos"
chmod +x "$TREE/cgi-bin/todos"
(cd "$TREE" && env -u AUTH_CONFIG PORT=$PORT NPROC=1 \
    bash tools/dev-up.sh) >"$T/fail.out" 2>&1
ti_expect_true "dev-up exits 1" test $? -eq 1
ti_expect_true "it says it stopped what it started" \
    grep -q 'stopped everything it had started' "$T/fail.out"
left=$(tree_procs)
ti_expect_true "nothing it started is left running ($left)" test -z "$left"
# Whatever a failure left behind is this test's to stop.
for p in $left; do
	kill -TERM "$p" 2>/dev/null
done

ti_done
