# lib_better_auth.sh: the Better Auth (npm) install that better_auth.sh,
# better_auth_session.sh and docs_page.sh share, and the Better Auth
# server of the first two.  ba_install sets BA_MODULES to a node_modules
# holding the packages locked by better_auth/package-lock.json, installed
# with npm ci on first use into a cache outside the tree (lib.sh's
# ti_npm_ci).  Skips (77) without node 20+ and npm, or when the install
# fails.
ti_need_node
SRC=$top_srcdir/tests/integration/better_auth

ba_install()
{
	ti_npm_ci better-auth "$SRC" 600
	BA_MODULES=$TI_NPM_MODULES
}

# ba_setup FILE...: the server's folder B=$T/better-auth with FILEs of
# better_auth/ and node_modules linked to the cache; a new BA_SECRET.
ba_setup()
{
	local f

	B=$T/better-auth
	mkdir -p "$B"
	for f in "$@"; do
		cp "$SRC/$f" "$B/"
	done
	ln -s "$BA_MODULES" "$B/node_modules"
	BA_SECRET=$(head -c 32 /dev/urandom | base64 | tr -d '\n')
}

# ba_start SCRIPT [ARG...]: node $B/SCRIPT PORT ARG..., Better Auth with
# BA_SECRET at BA_URL, beside the server under test (ti_serve_aside):
# up to three tries of 30 s each for its "listening PORT" line.  BPORT,
# BA_URL; its output in BA_LOG.
ba_start()
{
	BA_LOG=$T/better-auth-stdout.log
	ti_serve_aside better-auth _ba_wait _ba_node "$@"
	BPORT=$TI_ASIDE_PORT
	BA_URL=http://127.0.0.1:$BPORT
}

# Only node gets Better Auth's secret (verify would read
# BETTER_AUTH_SECRET as its JWT_SECRET, unused with EdDSA).
_ba_node()
{
	local script=$1

	shift
	exec env BETTER_AUTH_SECRET="$BA_SECRET" \
	    BETTER_AUTH_URL="http://127.0.0.1:$TI_PORT" \
	    BETTER_AUTH_TELEMETRY=0 NODE_ENV=test \
	    node "$B/$script" "$TI_PORT" "$@"
}

_ba_wait()
{
	local i

	for i in $(seq 1 300); do
		kill -0 "$1" 2>/dev/null || return 1
		grep -q "^listening $TI_PORT\$" "$BA_LOG" && return 0
		sleep 0.1
	done
	return 1
}

# ba_request LABEL PATH [CURL ARGS...]: ti_request, to Better Auth.
ba_request()
{
	local save=$TI_PORT

	TI_PORT=$BPORT
	ti_request "$@"
	TI_PORT=$save
}
