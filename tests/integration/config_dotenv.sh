#!/bin/bash
# config_dotenv.sh: the quickstarts' .env files as the configuration.
# The hybrid quickstart's backend/.env (a " # Same as BETTER_AUTH_SECRET"
# comment after the secret, export lines, names the suite does not know)
# serves `verify` behind nginx, and its token verifies; the Better Auth +
# FastAPI quickstart's two differing secrets stop the program with a
# message that says which to keep, and JWT_SECRET_SOURCE picks one.
. "$(dirname "$0")/lib.sh"

ti_init nginx
/usr/bin/python3 -c 'import jwt' 2>/dev/null || ti_skip "python3-jwt missing"
for v in JWT_SECRET BETTER_AUTH_SECRET JWT_SECRET_SOURCE JWT_SUBJECT_CLAIM \
    JWT_REQUIRE_TYPE DATABASE_URL; do
	unset "$v"
done

# As the quickstart writes it (its DATABASE_URL and the two rollout lines
# aside), plus an export line.
cat >"$T/backend.env" <<EOF
DATABASE_URL=$T/auth.db
JWT_SECRET=your-secret-key-minimum-32-characters-long  # Same as BETTER_AUTH_SECRET
JWT_ALGORITHM=HS256
JWT_ACCESS_TOKEN_EXPIRE_MINUTES=30
JWT_REFRESH_TOKEN_EXPIRE_DAYS=7
ENVIRONMENT=development
export LOG_LEVEL="info"  # quoted, exported
EOF
chmod 600 "$T/backend.env"
export AUTH_CONFIG=$T/backend.env
# A typo in the environment is a warning, not silence.
JWT_ROLLOUT_PERCENTAG=10 ti_spawn verify "$top_builddir/cgi-bin/verify" 1
ti_route /verify verify

# The quickstart's JWTService.generate_access_token, with PyJWT.
pyjwt()
{
	/usr/bin/python3 - "$@" <<'PY'
import sys, time, jwt
secret, claim, value = sys.argv[1:4]
now = int(time.time())
p = {claim: int(value) if claim == "user_id" else value, "iat": now,
     "exp": now + 1800}
if claim == "sub":
    p["type"] = "access"
print(jwt.encode(p, secret, algorithm="HS256"))
PY
}

# The Better Auth + FastAPI quickstart's backend/.env: two secrets.
cat >"$T/two.env" <<EOF
DATABASE_URL=$T/auth.db
JWT_SECRET=your-existing-jwt-secret  # Keep for backward compatibility

# NEW: Add Better Auth secret (use the generated secret from Step 1)
BETTER_AUTH_SECRET=Kv8x7Y2mN9pQ3rT5wU6zA8bC1dE4fG7h
JWT_SUBJECT_CLAIM=user_id
JWT_REQUIRE_TYPE=false
EOF
chmod 600 "$T/two.env"
TI_CASE="two secrets stop the program"
AUTH_CONFIG=$T/two.env "$top_builddir/cgi-bin/verify" </dev/null \
    >"$T/refused.out" 2>"$T/refused.err"
rc=$?
ti_expect_true "exit status 1 (got $rc)" [ "$rc" = 1 ]
ti_expect_true "the message says which to keep" grep -q \
    'JWT_SECRET (config line 2) and BETTER_AUTH_SECRET (config line 5) are both set and differ.*JWT_SECRET_SOURCE=BETTER_AUTH_SECRET' \
    "$T/refused.err"
ti_expect_true "no secret in the message" \
    bash -c "! grep -q Kv8x7Y2mN9pQ3rT5wU6zA8bC1dE4fG7h '$T/refused.err'"

echo "JWT_SECRET_SOURCE=BETTER_AUTH_SECRET" >>"$T/two.env"
AUTH_CONFIG=$T/two.env ti_spawn verify2 "$top_builddir/cgi-bin/verify" 1
ti_route /v2 verify2
ti_nginx
tok=$(pyjwt your-secret-key-minimum-32-characters-long sub user_123)
ti_request "comment after the secret is not part of it" /verify \
    -H "Authorization: Bearer $tok"
ti_expect_status 200
ti_expect_header X-Auth-Subject '^user_123$'

TI_CASE=warnings
ti_expect_true "ENVIRONMENT ignored with a warning" \
    grep -q 'event=config_warning .*ENVIRONMENT.*not a setting' "$T/verify.log"
ti_expect_true "environment typo warned about" \
    grep -q 'event=config_warning .*JWT_ROLLOUT_PERCENTAG' "$T/verify.log"
out=$(JWT_ROLLOUT_PERCENTAG=10 "$AUTHCTL" check-config 2>&1)
ti_expect_true "check-config shows the warning" \
    grep -q '^warning: environment variable JWT_ROLLOUT_PERCENTAG' <<<"$out"

tok=$(pyjwt Kv8x7Y2mN9pQ3rT5wU6zA8bC1dE4fG7h user_id 123)
ti_request "JWT_SECRET_SOURCE picks BETTER_AUTH_SECRET" /v2 \
    -H "Authorization: Bearer $tok"
ti_expect_status 200
ti_expect_header X-Auth-Subject '^123$'

ti_expect_logs_clean
ti_done
