#!/usr/bin/env bash
# dev-up.sh: build the suite and start it on 127.0.0.1 for development.
#
#   bash tools/dev-up.sh         install missing Debian packages, build in
#                              build/, make run/ with a fresh HS256 key and
#                              a configuration, start the programs under
#                              spawn-fcgi behind nginx on PORT (8080), and
#                              print a curl line that works
#   bash tools/dev-up.sh stop    stop what it started
#
# Everything lives in run/ (git-ignored): dev.key, auth.conf, auth.db,
# nginx.conf, one NAME.sock, NAME.pid and NAME.log per program, and the
# nginx logs.  Starting again restarts.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. tools/deps.sh
. tests/integration/lib.sh

RUN=$root/run
PORT=${PORT:-8080}
NPROC=${NPROC:-2}

# What is mounted where: one line per program, "PREFIX PROGRAM".  nginx
# picks the longest matching prefix, so /api/auth/ (refresh) and /api/
# (todos) can sit side by side; add each program here when it exists.
# PREFIX PROGRAM: nginx sends paths under PREFIX to PROGRAM (longest
# prefix wins).  One line per program.
ROUTES="
/verify verify
/api/auth/introspect verify
/api/auth/ refresh
/.well-known/ jwks
/api/ todos
/docs todos
/openapi.json todos
"
DEV_EMAIL=dev@example.com
DEV_PASSWORD=dev-password-change-me

stop()
{
	local f p n stopped=

	for f in "$RUN"/*.pid; do
		[ -f "$f" ] || continue
		for p in $(cat "$f"); do
			# Only ours: a stale pid may name someone else now.
			grep -qF "$root" "/proc/$p/cmdline" 2>/dev/null ||
			    continue
			kill -TERM "$p" 2>/dev/null && stopped="$stopped $p"
		done
		rm -f "$f"
	done
	# A program finishes what is in flight first (2 s at most).
	for n in 1 2 3 4 5 6 7 8 9 10; do
		p=
		for p in $stopped; do
			kill -0 "$p" 2>/dev/null && break
			p=
		done
		[ -z "$p" ] && break
		sleep 0.1
	done
	for p in $stopped; do
		kill -KILL "$p" 2>/dev/null || true
	done
	rm -f "$RUN"/*.sock
	[ -n "$stopped" ] && echo "dev-up: stopped$stopped"
	return 0
}

# The EXIT trap of a dev-up that failed half-way: stop what it started.
failed()
{
	local rc=$?

	trap - EXIT
	[ "$rc" -eq 0 ] && return 0
	stop >/dev/null 2>&1
	echo "dev-up: failed; stopped everything it had started" >&2
	exit "$rc"
}

build()
{
	deps_install
	if [ -f config.status ]; then
		# Configured in the source tree: build there.
		BUILD=$root
	else
		BUILD=$root/build
		[ -x configure ] || ./bootstrap
		mkdir -p "$BUILD"
		[ -f "$BUILD/config.status" ] ||
		    (cd "$BUILD" && ../configure --quiet)
	fi
	make -C "$BUILD" -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
}

port_busy()
{
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

up()
{
	local prefix name good bad status rel started= sub ok

	build
	stop
	if port_busy "$PORT"; then
		echo "dev-up: port $PORT on 127.0.0.1 is in use;" \
		    "stop what uses it or set PORT" >&2
		exit 1
	fi
	mkdir -p "$RUN"
	chmod 700 "$RUN"
	AUTHCTL=$BUILD/src/authctl
	"$AUTHCTL" keygen --alg HS256 --out "$RUN/dev.key" --force >/dev/null 2>&1
	cat >"$RUN/auth.conf" <<EOF
# Written by tools/dev-up.sh for development only; see auth.conf(5).
JWT_ALGORITHM=HS256
JWT_SECRET_FILE=$RUN/dev.key
DATABASE_URL=$RUN/auth.db
LOG_LEVEL=info
# Plain http on 127.0.0.1: the refresh cookie cannot be Secure here.
AUTH_COOKIE_SECURE=false
AUTH_SIGNUP=true
# /metrics for /_ops/PROGRAM/metrics (from 127.0.0.1 only).
METRICS_ENABLED=true
ALLOWED_ORIGINS=http://localhost:3000,http://127.0.0.1:3000
EOF
	AUTH_CONFIG=$RUN/auth.conf
	export AUTH_CONFIG
	# From here on a failure stops whatever was started.
	trap 'failed' EXIT
	# The store (SQLite run/auth.db unless DATABASE_URL says otherwise),
	# then the whole configuration, the database included.
	rm -f "$RUN/auth.db" "$RUN/auth.db-wal" "$RUN/auth.db-shm"
	"$AUTHCTL" db migrate >"$RUN/migrate.log" 2>&1 || true
	if ! "$AUTHCTL" check-config >"$RUN/check-config.log" 2>&1; then
		cat "$RUN/migrate.log" "$RUN/check-config.log" >&2
		exit 1
	fi
	# No signing key (a provider's JWKS_URL with RS256, EdDSA ...): the
	# tokens come from the provider; refresh has nothing to sign with.
	provider=
	if grep -q '^note: no signing key' "$RUN/check-config.log"; then
		provider=1
		ROUTES=$(printf '%s\n' "$ROUTES" | grep -v ' refresh$')
		echo "dev-up: no signing key in this configuration: the tokens" \
		    "come from your provider, so refresh (login, signup) is not" \
		    "started; verify, todos and jwks are" >&2
	else
		# A user to log in with.
		printf '%s\n' "$DEV_PASSWORD" |
		    "$AUTHCTL" user add "$DEV_EMAIL" >/dev/null
	fi

	# lib.sh's writers read these: T is the directory, TI_ROUTES the
	# mounts, TI_NPROC_/TI_NTHR_ size each upstream's keepalive.
	T=$RUN
	TI_ROUTES=
	while read -r prefix name; do
		[ -n "$prefix" ] || continue
		if [ ! -x "$BUILD/cgi-bin/$name" ]; then
			echo "dev-up: $name is not built" >&2
			stop
			exit 1
		fi
		ti_route "$prefix" "$name"
		# A program mounted at several prefixes is started once.
		case " $started " in *" $name "*) continue ;; esac
		started="$started $name"
		rm -f "$RUN/$name.sock" "$RUN/$name.log"
		spawn-fcgi -s "$RUN/$name.sock" -F "$NPROC" -P "$RUN/$name.pid" \
		    -- /bin/sh -c 'exec "$0" "$@" 2>>"'"$RUN/$name.log"'"' \
		    "$BUILD/cgi-bin/$name" >/dev/null
		eval "TI_NPROC_$name=$NPROC TI_NTHR_$name=32"
	done <<EOF
$ROUTES
EOF
	# The session page (src/www), with the CSP of etc/nginx/jwt-auth.conf.
	TI_NGINX_SERVER_EXTRA="		location /account/ {
			alias $root/src/www/;
			types { text/html html; text/css css; image/svg+xml svg; application/javascript js; }
			add_header Content-Security-Policy \"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'\" always;
			add_header X-Content-Type-Options nosniff always;
			add_header Cache-Control no-cache always;
		}
		# Operations, as etc/nginx/jwt-auth.conf: /_ops/PROGRAM/healthz,
		# /readyz and /metrics, from this host only.
		location ~ ^/_ops/(verify|refresh|jwks|todos)/(healthz|readyz|metrics)\$ {
			allow 127.0.0.1;
			allow ::1;
			deny all;
			fastcgi_param REQUEST_METHOD \$request_method;
			fastcgi_param REQUEST_URI /\$2;
			fastcgi_param QUERY_STRING \"\";
			fastcgi_param REMOTE_ADDR \$remote_addr;
			fastcgi_param SERVER_PROTOCOL \$server_protocol;
			fastcgi_param HTTP_X_REQUEST_ID \$request_id;
			fastcgi_pass u_\$1;
		}"
	ti_nginx_conf "$RUN" "$PORT"
	: >"$RUN/nginx-error.log"
	setsid "$(ti_bin nginx)" -p "$RUN" -c "$RUN/nginx.conf" \
	    -e "$RUN/nginx-error.log" </dev/null >/dev/null 2>&1 &
	TI_PORT=$PORT
	if ! ti_wait_http "$!"; then
		cat "$RUN/nginx-error.log" >&2
		stop
		echo "dev-up: nginx did not start" >&2
		exit 1
	fi

	# Check what we print before printing it.
	rel=.
	[ "$BUILD" = "$root" ] || rel=build
	check()
	{
		local want=$1 what=$2

		shift 2
		status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
		    "$@")
		if [ "$status" != "$want" ]; then
			echo "dev-up: $what answered $status, not $want;" \
			    "see run/*.log" >&2
			exit 1
		fi
	}
	store="SQLite run/auth.db"
	case ${DATABASE_URL:-}${NEON_DATABASE_URL:-} in
	postgres*) store="PostgreSQL (DATABASE_URL)" ;;
	esac
	if [ -n "$provider" ]; then
		check 401 "verify without a token" \
		    "http://127.0.0.1:$PORT/verify"
		check 401 "todos without a token" \
		    "http://127.0.0.1:$PORT/api/v1/me"
		check 200 jwks "http://127.0.0.1:$PORT/.well-known/jwks.json"
		trap - EXIT
		cat <<EOF
dev-up: the suite answers on http://127.0.0.1:$PORT for your provider's
tokens ($NPROC processes of verify, todos and jwks under spawn-fcgi, nginx
in front; $store; logs in run/, config run/auth.conf and the
environment):
  /verify  /api/users/{id}/todos  /api/v1/me  /.well-known/jwks.json
  /docs (API reference page)  /openapi.json  /api/openapi.json
Not started: refresh (login, refresh, signup, sessions): this
configuration has no signing key, so the tokens come from the provider.

Try it with a token your provider issued (its subject is the user id):

curl -i -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:$PORT/api/v1/me
curl -i -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:$PORT/verify

A refused token's reason is in run/verify.log and run/todos.log (one
refused for its audience names its aud and JWT_AUDIENCE).
Stop:         bash tools/dev-up.sh stop
EOF
		return 0
	fi
	# The development token's subject: a number when the environment
	# asks for integer subjects (JWT_SUBJECT_TYPE=integer refuses text).
	sub=dev-user
	[ "${JWT_SUBJECT_TYPE:-}" = integer ] && sub=1
	good=$("$AUTHCTL" issue --sub "$sub")
	bad=$(ti_flip_last "$good")
	# JWT_AUTH_ENABLED=false (a rollout's step 1): Bearer tokens are
	# refused (401 jwt_disabled), logins get sessions.
	ok=200
	case ${JWT_AUTH_ENABLED:-true} in
	false|0|no|off) ok=401 ;;
	esac
	check "$ok" verify -H "Authorization: Bearer $good" \
	    "http://127.0.0.1:$PORT/verify"
	check 401 "a tampered token" -H "Authorization: Bearer $bad" \
	    "http://127.0.0.1:$PORT/verify"
	login='{"email":"'$DEV_EMAIL'","password":"'$DEV_PASSWORD'"}'
	# Integer subjects: the suite's own users (UUIDs) cannot log in
	# (422); the tokens come from the other issuer, as in that guide.
	[ "$sub" = 1 ] ||
	    check 200 login -H 'Content-Type: application/json' -d "$login" \
	    "http://127.0.0.1:$PORT/api/auth/login"
	check "$ok" todos -H "Authorization: Bearer $good" \
	    "http://127.0.0.1:$PORT/api/users/$sub/todos"
	check 200 jwks "http://127.0.0.1:$PORT/.well-known/jwks.json"
	check 200 "session page" "http://127.0.0.1:$PORT/account/"
	for name in verify refresh jwks todos; do
		check 200 "/_ops/$name/readyz" \
		    "http://127.0.0.1:$PORT/_ops/$name/readyz"
	done
	check 200 "/_ops/verify/metrics" \
	    "http://127.0.0.1:$PORT/_ops/verify/metrics"
	trap - EXIT

	cat <<EOF
dev-up: the suite answers on http://127.0.0.1:$PORT ($NPROC processes of
each program under spawn-fcgi, nginx in front; $store; logs in
run/, config run/auth.conf):
  /verify  /api/auth/{login,refresh,logout,sessions,signup}
  /api/users/{id}/todos  /api/v1/me  /.well-known/jwks.json
  /docs (API reference page)  /openapi.json  /api/openapi.json
  /_ops/{verify,refresh,jwks,todos}/{healthz,readyz,metrics} (127.0.0.1 only)

The session page (log in as $DEV_EMAIL, password $DEV_PASSWORD):

  http://127.0.0.1:$PORT/account/

Try it (the token is valid for 30 minutes):

curl -i -H 'Authorization: Bearer $good' http://127.0.0.1:$PORT/verify

Log in as the development user (the refresh token comes back as a cookie,
refreshToken over http, __Host-refreshToken over https; a refresh that
relies on it must say it comes from the site: Origin):

curl -i -c run/cookies -H 'Content-Type: application/json' -d '$login' http://127.0.0.1:$PORT/api/auth/login
curl -i -b run/cookies -c run/cookies -H 'Origin: http://127.0.0.1:$PORT' -X POST http://127.0.0.1:$PORT/api/auth/refresh

The per-user API (the token's subject is $sub):

curl -i -H 'Authorization: Bearer $good' -H 'Content-Type: application/json' -d '{"title":"try the suite"}' http://127.0.0.1:$PORT/api/users/$sub/todos
curl -i -H 'Authorization: Bearer $good' http://127.0.0.1:$PORT/api/users/$sub/todos

A new token:  AUTH_CONFIG=run/auth.conf $rel/src/authctl issue --sub $sub
Stop:         bash tools/dev-up.sh stop
EOF
}

case ${1:-up} in
up|start)
	up ;;
stop)
	stop ;;
*)
	echo "usage: bash tools/dev-up.sh [stop]" >&2
	exit 2 ;;
esac
