# todos_env.sh: the set-up shared by the todos tests (sourced after
# lib.sh).  todos_start [NAME=VALUE...] writes a configuration with a
# fresh HS256 secret, migrates a SQLite database (or, with
# TI_DB=postgresql, a PostgreSQL one: lib_pg.sh), starts todos under
# spawn-fcgi behind nginx on /api/ and /.well-known/, and defines:
#   DB_URL      the database (ti_sql queries it)
#   tok SUB [authctl issue ARGS...]  prints a token
#   expired SUB prints a correctly signed token that expired 10 minutes ago
#   snap        prints every todo row (to compare before and after)
#   call LABEL METHOD PATH TOKEN [CURL ARGS...]  one request (ti_request)

# Only what the test sets reaches the programs.
for v in AUTH_CONFIG JWT_SECRET BETTER_AUTH_SECRET JWT_SECRET_FILE \
    JWT_ALGORITHM JWT_PRIVATE_KEY_FILE JWT_PUBLIC_KEY_FILE JWT_KEY_ID \
    JWT_ACCESS_TOKEN_EXPIRE_MINUTES JWT_ISSUER JWT_AUDIENCE \
    JWT_LEEWAY_SECONDS JWT_SUBJECT_CLAIM JWT_MAX_TOKEN_BYTES \
    JWT_REQUIRE_TYPE JWT_VERIFY_CACHE_SIZE DATABASE_URL ALLOWED_ORIGINS \
    AUTH_MAX_BODY_BYTES LOG_LEVEL; do
	unset "$v"
done
. "$(dirname "${BASH_SOURCE[0]}")/lib_pg.sh"

todos_start()
{
	[ -x "$top_builddir/cgi-bin/todos" ] ||
	    { echo "no $top_builddir/cgi-bin/todos"; exit 99; }
	ti_db_setup "$T/todos.db"
	TODOS_SECRET=$(head -c 32 /dev/urandom | base64 | tr -d '\n')
	ti_config "$T/auth.conf" "JWT_SECRET=$TODOS_SECRET" \
	    "DATABASE_URL=$DB_URL" "LOG_LEVEL=info" "$@"
	chmod 600 "$T/auth.conf"
	export AUTH_CONFIG=$T/auth.conf
	"$AUTHCTL" db migrate >/dev/null ||
	    { echo "authctl db migrate failed"; exit 99; }
	ti_spawn todos "$top_builddir/cgi-bin/todos"
	ti_route /api/ todos
	ti_nginx
}

tok()
{
	local sub=$1

	shift
	ti_issue "$AUTH_CONFIG" --sub "$sub" "$@" ||
	    { echo "authctl issue failed" >&2; exit 99; }
}

# Signed with the configured secret and kid by PyJWT, exp in the past.
expired()
{
	local kid

	kid=$("$AUTHCTL" decode "$(tok "$1")" | /usr/bin/python3 -c '
import json, sys
print(json.load(sys.stdin)["header"]["kid"])')
	/usr/bin/python3 - "$TODOS_SECRET" "$kid" "$1" <<'PY'
import sys, time, jwt
secret, kid, sub = sys.argv[1:4]
now = int(time.time())
print(jwt.encode({"sub": sub, "type": "access", "iat": now - 1200,
    "exp": now - 600},
    secret, algorithm="HS256", headers={"kid": kid} if kid else None))
PY
}

snap()
{
	ti_sql 'SELECT * FROM todos ORDER BY id'
}

call()
{
	local label=$1 method=$2 path=$3 token=$4

	shift 4
	if [ -n "$token" ]; then
		ti_request "$label" "$path" -X "$method" \
		    -H "Authorization: Bearer $token" "$@"
	else
		ti_request "$label" "$path" -X "$method" "$@"
	fi
}
