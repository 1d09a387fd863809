#!/bin/bash
# journey.sh: the whole journey of a user, against one front end set up
# with the example configuration of etc/ that an operator copies (made
# from its .in template by ts_etc, as the etc_*.sh tests do).  One
# journey_FRONT.sh per front end sets JR_FRONT and sources this file, so
# that make -j runs the front ends side by side:
#
#   nginx            etc/nginx + etc/spawn-fcgi/jwt-auth.sh
#   nginx_systemd    etc/nginx + etc/systemd units, each socket held by
#                    systemd-socket-activate as systemd would hold it
#   lighttpd         etc/lighttpd/jwt-auth.conf + etc/spawn-fcgi
#   lighttpd_spawn   etc/lighttpd/jwt-auth-spawn.conf: lighttpd starts
#                    the programs itself
#   lighttpd_cgi     etc/lighttpd/jwt-auth-cgi.conf: mod_cgi
#   apache_fcgid     etc/apache/jwt-auth-fcgid.conf: mod_fcgid starts them
#   apache_proxy     etc/apache/jwt-auth-proxy-fcgi.conf + etc/spawn-fcgi
#   apache_cgi       etc/apache/jwt-auth-cgi.conf: mod_cgi
#   shared           shared hosting: Apache with AllowOverride All, the
#                    site set up by etc/apache/htaccess alone, the programs
#                    in the site's cgi-bin/, run by suEXEC as the site's
#                    owner, whose ~/.config/jwt-auth-suite/auth.conf names
#                    the SQLite file outside the document root
#
# The journey: /openapi.json, /api/openapi.json and /docs; signup (and
# its refusals: a taken address, a short password); login (a wrong
# password refused); refresh by cookie; the sessions list; /api/v1/me
# and /api/{id}/me (another user's refused); todos create, list, read,
# patch, put, delete (bad input refused, nothing changed); the JWKS
# holding the key the tokens name; verify; the FastCGI Authorizer role
# guarding /private/ where the front end has it (nginx: auth_request);
# health, readiness and metrics of every program through the ops paths
# the example documents, refused from another address; logout, after
# which the access token is refused everywhere once the revocation poll
# has seen it (tried until refused, within a bound).
. "$(dirname "$0")/lib.sh"

: "${JR_FRONT:?journey.sh is run through a journey_FRONT.sh}"
PROGRAMS="verify jwks refresh todos"
# Under spawn-fcgi, jwt-auth.sh's default of two worker processes each.
TS_CHILDREN=2

case $JR_FRONT in
nginx|nginx_systemd) ti_init nginx ;;
lighttpd*) ti_init lighttpd ;;
apache*|shared) ti_init apache2 ;;
*) echo "unknown front end $JR_FRONT"; exit 99 ;;
esac

# The settings of every journey (beside the key and the database).
JR_SETTINGS=(JWT_ALGORITHM=ES256 AUTH_SIGNUP=true AUTH_COOKIE_SECURE=false
    AUTH_PASSWORD_HASH_MEMORY_KIB=8 VERIFY_CLAIM_HEADERS=email
    METRICS_ENABLED=true JWT_REVOCATION_POLL_MS=100 LOG_LEVEL=info)

# jr_setup: an ES256 key (so that the JWKS has something to publish),
# the configuration (signup on, metrics on, a fast revocation poll),
# the programs in $T/bin, the migrated database in $T/var, a protected
# folder with a page and a script that prints what the Authorizer passed.
jr_setup()
{
	local p

	mkdir -p "$T/run" "$T/bin" "$T/var" "$T/www/private"
	ti_key "$T/jwt.key" ES256
	AUTH_CONFIG=$T/auth.conf
	export AUTH_CONFIG
	ti_config "$AUTH_CONFIG" "JWT_PRIVATE_KEY_FILE=$T/jwt.key" \
	    "DATABASE_URL=$T/var/auth.db" "${JR_SETTINGS[@]}"
	chmod 600 "$AUTH_CONFIG"
	for p in $PROGRAMS; do
		cp "$top_builddir/cgi-bin/$p" "$T/bin/"
	done
	"$AUTHCTL" db migrate >/dev/null || { echo "migrate failed"; exit 99; }
	echo "secret page" >"$T/www/private/page.txt"
	echo "public page" >"$T/www/index.html"
	ts_whoami
}

# jr_ops PROGRAM NAME: the path of an operations route of PROGRAM as
# the front end's example publishes it.
jr_ops()
{
	case $JR_FRONT in
	shared) echo "/cgi-bin/$1/$2" ;;
	*) echo "/_ops/$1/$2" ;;
	esac
}

# --- the journey --------------------------------------------------------

J='Content-Type: application/json'
# A POST without a body says so, as browsers do (lighttpd answers 411
# to one without Content-Length).
NOBODY='Content-Length: 0'
cookie_tok() { ti_header Set-Cookie | sed -n 's/^refreshToken=\([^;]*\);.*/\1/p'; }
# claim NAME: a claim of the access token $AT.
claim()
{
	printf '%s' "$AT" | cut -d. -f2 | tr '_-' '/+' |
	    { b=$(cat); while [ $(( ${#b} % 4 )) -ne 0 ]; do b="$b="; done;
	      printf '%s' "$b"; } | base64 -d 2>/dev/null |
	    /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1"
}

jr_docs()
{
	ti_request "openapi.json" /openapi.json
	ti_expect_status 200
	ti_expect_json 'j["openapi"][:2]' '3.'
	ti_expect_json '"/api/auth/login" in j["paths"]' true
	ti_request "api/openapi.json" /api/openapi.json
	ti_expect_status 200
	ti_expect_json '"/api/v1/me" in j["paths"]' true
	ti_request "docs" /docs
	ti_expect_status 200
	ti_expect_header Content-Type '^text/html'
	ti_expect_true "the reference page loads Swagger UI" \
	    grep -q 'swagger-ui' "$T/last.body"
}

jr_signup()
{
	EMAIL=walker@example.com
	PASSWORD=pw-of-walker-1234
	ti_request "signup" /api/auth/signup -H "$J" -H "Origin: $ORIGIN" \
	    --data "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}"
	ti_expect_status 201
	ti_expect_json 'j["email"]' "$EMAIL"
	ti_request "signup again: taken" /api/auth/signup -H "$J" \
	    -H "Origin: $ORIGIN" \
	    --data "{\"email\":\"$EMAIL\",\"password\":\"another-pass-1\"}"
	ti_expect_status 409
	ti_request "signup, short password" /api/auth/signup -H "$J" \
	    -H "Origin: $ORIGIN" \
	    --data '{"email":"shorty@example.com","password":"short"}'
	ti_expect_status 422
	ti_expect_json 'j["error"]["reason"]' validation_failed
	ti_request "the refused signup made no account" /api/auth/login \
	    -H "$J" -H "Origin: $ORIGIN" \
	    --data '{"email":"shorty@example.com","password":"short"}'
	ti_expect_status 401
}

jr_login()
{
	ti_request "login, wrong password" /api/auth/login -H "$J" \
	    -H "Origin: $ORIGIN" \
	    --data "{\"email\":\"$EMAIL\",\"password\":\"wrong-password\"}"
	ti_expect_error 401 credentials_invalid
	ti_request "login" /api/auth/login -H "$J" -H "Origin: $ORIGIN" \
	    --data "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}"
	ti_expect_status 200
	ti_expect_header Set-Cookie '^refreshToken=[^;]+;.*HttpOnly'
	ti_expect_header Set-Cookie '; Path=/api/auth(;|$)'
	AT=$(ti_json 'j["accessToken"]')
	RT=$(cookie_tok)
	SUB=$(claim sub)
	ti_expect_true "the access token names the new user" test -n "$SUB"

	ti_request "refresh" /api/auth/refresh -X POST -H "Origin: $ORIGIN" -H "$NOBODY" \
	    -H "Cookie: refreshToken=$RT"
	ti_expect_status 200
	ti_expect_header Set-Cookie '^refreshToken=[^;]+;'
	ti_expect_true "a new refresh token" test "$(cookie_tok)" != "$RT"
	AT=$(ti_json 'j["accessToken"]')
	RT=$(cookie_tok)
	ti_expect_true "same subject after refresh" test "$(claim sub)" = "$SUB"

	ti_request "refresh without Origin" /api/auth/refresh -X POST -H "$NOBODY" \
	    -H "Cookie: refreshToken=$RT"
	ti_expect_status 403

	ti_request "sessions" /api/auth/sessions -H "Authorization: Bearer $AT"
	ti_expect_status 200
	ti_expect_json 'len(j["sessions"])' 1
	ti_expect_json 'j["sessions"][0]["current"]' true
}

jr_me()
{
	ti_request "v1/me" /api/v1/me -H "Authorization: Bearer $AT"
	ti_expect_status 200
	ti_expect_json 'j["user_id"]' "$SUB"
	ti_request "{id}/me" "/api/$SUB/me" -H "Authorization: Bearer $AT"
	ti_expect_status 200
	ti_expect_json 'j["user_id"]' "$SUB"
	ti_request "someone else's me" /api/someone-else/me \
	    -H "Authorization: Bearer $AT"
	ti_expect_error 403 forbidden
	ti_request "me without a token" /api/v1/me
	ti_expect_error 401 token_missing
}

jr_todos()
{
	local base=/api/users/$SUB/todos id

	ti_request "todos, empty" "$base" -H "Authorization: Bearer $AT"
	ti_expect_status 200
	ti_expect_json 'j' '[]'
	ti_request "todo create" "$base" -H "Authorization: Bearer $AT" \
	    -H "$J" --data '{"title":"walk the whole way","description":"all of it"}'
	ti_expect_status 201
	ti_expect_json 'j["title"]' 'walk the whole way'
	id=$(ti_json 'j["id"]')
	ti_expect_header Location "^$base/$id\$"
	ti_request "todo create, not JSON" "$base" \
	    -H "Authorization: Bearer $AT" -H "$J" --data '{"title":'
	ti_expect_status 400
	ti_request "todo create, no title" "$base" \
	    -H "Authorization: Bearer $AT" -H "$J" --data '{"completed":true}'
	ti_expect_status 422
	ti_request "todos list" "$base" -H "Authorization: Bearer $AT"
	ti_expect_status 200
	ti_expect_json "[t['id'] for t in j]" "[$id]"
	ti_request "todo read" "$base/$id" -H "Authorization: Bearer $AT"
	ti_expect_status 200
	ti_expect_json 'j["description"]' 'all of it'
	ti_request "todo patch" "$base/$id" -X PATCH \
	    -H "Authorization: Bearer $AT" -H "$J" --data '{"completed":true}'
	ti_expect_status 200
	ti_expect_json 'j["completed"]' true
	ti_expect_json 'j["title"]' 'walk the whole way'
	ti_request "todo put" "$base/$id" -X PUT \
	    -H "Authorization: Bearer $AT" -H "$J" --data '{"title":"walked"}'
	ti_expect_status 200
	ti_expect_json 'j["title"]' walked
	ti_expect_json 'j["completed"]' false
	ti_request "another user's todos" /api/users/someone-else/todos \
	    -H "Authorization: Bearer $AT"
	ti_expect_error 403 forbidden
	ti_request "the same todo under /api/{id}/tasks" "/api/$SUB/tasks/$id" \
	    -H "Authorization: Bearer $AT"
	ti_expect_status 200
	ti_expect_json 'j["title"]' walked
	ti_request "todo delete" "$base/$id" -X DELETE \
	    -H "Authorization: Bearer $AT"
	ti_expect_status 204
	ti_request "todo gone" "$base/$id" -H "Authorization: Bearer $AT"
	ti_expect_error 404 not_found
}

jr_keys()
{
	local kid

	kid=$(printf '%s' "${AT%%.*}" | tr '_-' '/+' |
	    { b=$(cat); while [ $(( ${#b} % 4 )) -ne 0 ]; do b="$b="; done;
	      printf '%s' "$b"; } | base64 -d 2>/dev/null |
	    /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["kid"])')
	ti_request "jwks" /.well-known/jwks.json
	ti_expect_status 200
	ti_expect_json "[k['kid'] for k in j['keys']]" "[\"$kid\"]"
	ti_expect_json 'j["keys"][0]["kty"]' EC
	ti_request "authorization server metadata" \
	    /.well-known/oauth-authorization-server
	ti_expect_status 200
	ti_expect_json '"jwks_uri" in j' true

	ti_request "verify" /api/auth/verify -H "Authorization: Bearer $AT"
	ti_expect_status 200
	ti_expect_header X-Auth-Subject "^$SUB\$"
	ti_request "verify, altered token" /api/auth/verify \
	    -H "Authorization: Bearer $(ti_flip_last "$AT")"
	ti_expect_error 401 signature_invalid
	ti_expect_header WWW-Authenticate 'error="invalid_token"'
	ti_request "verify, no token" /api/auth/verify
	ti_expect_error 401 token_missing
}

# jr_private: /private/ guarded by verify (the Authorizer role, or
# nginx's auth_request).
jr_private()
{
	ti_request "private, token" /private/page.txt \
	    -H "Authorization: Bearer $AT"
	ti_expect_status 200
	ti_expect_true "the page" grep -qx "secret page" "$T/last.body"
	ti_request "private, no token" /private/page.txt
	ti_expect_status 401
	ti_expect_header WWW-Authenticate '^Bearer realm="api"$'
	ti_expect_true "no page" sh -c "! grep -q 'secret page' '$T/last.body'"
	ti_request "private, altered token" /private/page.txt \
	    -H "Authorization: Bearer $(ti_flip_last "$AT")"
	ti_expect_status 401
	ti_expect_true "no page" sh -c "! grep -q 'secret page' '$T/last.body'"
	[ "$JR_FRONT" = nginx ] || [ "$JR_FRONT" = nginx_systemd ] && return
	ti_request "private script sees the subject" /private/whoami.sh \
	    -H "Authorization: Bearer $AT"
	ti_expect_status 200
	# A signed-up address is unverified: no email claim to pass on.
	ti_expect_true "AUTH_SUBJECT, and no email claim" grep -qx \
	    "sub=$SUB email= role=" "$T/last.body"
}

jr_ops_check()
{
	local p

	for p in $PROGRAMS; do
		ti_request "$p healthz" "$(jr_ops "$p" healthz)"
		ti_expect_status 200
		ti_expect_json 'j["status"]' ok
		ti_request "$p readyz" "$(jr_ops "$p" readyz)"
		ti_expect_status 200
		ti_expect_json 'j["status"]' ready
		ti_request "$p metrics" "$(jr_ops "$p" metrics)"
		ti_expect_status 200
		ti_expect_header Content-Type '^text/plain; version=0.0.4'
		ti_expect_true "$p: auth_build_info" \
		    grep -q '^auth_build_info{' "$T/last.body"
	done
	# From another address of this host: refused by the front end, or
	# by the program (METRICS_ALLOW), never the figures.
	TI_CASE="metrics from 127.0.0.2"
	TI_STATUS=$(curl -s -o "$T/last.body" -w '%{http_code}' \
	    --interface 127.0.0.2 --max-time 10 \
	    "http://127.0.0.1:$TI_PORT$(jr_ops verify metrics)")
	ti_expect_true "refused ($TI_STATUS)" test "$TI_STATUS" = 403 -o \
	    "$TI_STATUS" = 404
	ti_expect_true "no figures" sh -c "! grep -q auth_build_info '$T/last.body'"
}

# jr_logout: logout revokes the session; the access token of the
# session is refused by verify and todos once their revocation poll
# (JWT_REVOCATION_POLL_MS, 100 ms here) has seen it: tried every 50 ms
# for 5 s at most (a hung program fails it: each try gives up after 2 s).
jr_logout()
{
	local s end

	ti_request "verify before logout" /api/auth/verify \
	    -H "Authorization: Bearer $AT"
	ti_expect_status 200
	ti_request "logout" /api/auth/logout -X POST -H "Origin: $ORIGIN" -H "$NOBODY" \
	    -H "Cookie: refreshToken=$RT"
	ti_expect_status 204
	ti_expect_header Set-Cookie '^refreshToken=;'
	for path in /api/auth/verify /api/v1/me; do
		end=$((SECONDS + 5))
		while [ $SECONDS -lt $end ]; do
			s=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
			    -H "Authorization: Bearer $AT" \
			    "http://127.0.0.1:$TI_PORT$path")
			[ "$s" = 401 ] && break
			sleep 0.05
		done
		ti_request "$path after logout" "$path" \
		    -H "Authorization: Bearer $AT"
		ti_expect_error 401 token_revoked
	done
	ti_request "refresh after logout" /api/auth/refresh -X POST -H "$NOBODY" \
	    -H "Origin: $ORIGIN" -H "Cookie: refreshToken=$RT"
	ti_expect_status 401
	ti_request "login again" /api/auth/login -H "$J" -H "Origin: $ORIGIN" \
	    --data "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}"
	ti_expect_status 200
}

# jr_journey [private]: all of the above against TI_PORT; "private" when
# the front end guards /private/.
jr_journey()
{
	ORIGIN=http://127.0.0.1:$TI_PORT
	jr_docs
	jr_signup
	jr_login
	jr_me
	jr_todos
	jr_keys
	[ "${1:-}" = private ] && jr_private
	jr_ops_check
	jr_logout
	ti_expect_logs_clean
}

# --- the front ends -----------------------------------------------------

# jr_shared_site: a site as a shared host has it, and its owner sets it
# up: a user of its own (JR_USER, removed at the end) whose home JR_HOME
# is under suEXEC's document root (the first line of
# /etc/apache2/suexec/www-data, apache2-suexec-custom), public_html/
# holding etc/apache/htaccess as .htaccess and the programs in
# public_html/cgi-bin/, the configuration and key in
# ~/.config/jwt-auth-suite/ and the SQLite file in ~/data/, both
# outside the document root, everything owned by the user; the database
# migrated by the user's own authctl, run as the user with no
# AUTH_CONFIG and no HOME.
jr_shared_site()
{
	local sx=/etc/apache2/suexec/www-data root i p conf

	[ "$(id -u)" = 0 ] || ti_skip "suEXEC and a site user need root"
	[ -f "$sx" ] && [ -u "$(readlink -f /usr/lib/apache2/suexec)" ] ||
	    ti_skip "no suEXEC (apache2-suexec-custom not installed)"
	for m in suexec rewrite cgi; do
		[ -f "/usr/lib/apache2/modules/mod_$m.so" ] ||
		    ti_skip "mod_$m not installed"
	done
	id www-data >/dev/null 2>&1 || ti_skip "no www-data user"
	root=$(sed -n 1p "$sx")
	[ -d "$root" ] || ti_skip "suEXEC's document root $root is missing"
	JR_HOME=$(mktemp -d "$root/ac-jr.XXXXXX") || exit 99
	JR_USER=acjr$(basename "$JR_HOME" | cut -d. -f2 | tr 'A-Z' 'a-z')
	trap 'ti_cleanup; jr_shared_cleanup' EXIT
	# useradd waits for nobody: a concurrent one holds the lock.
	for i in $(seq 1 50); do
		useradd -M -d "$JR_HOME" -s /usr/sbin/nologin -U "$JR_USER" \
		    2>>"$T/useradd.out" && break
		sleep 0.1
	done
	id "$JR_USER" >/dev/null 2>&1 ||
	    { cat "$T/useradd.out"; echo "useradd failed"; exit 99; }
	conf=$JR_HOME/.config/jwt-auth-suite
	mkdir -p "$conf" "$JR_HOME/data" "$JR_HOME/bin" \
	    "$JR_HOME/public_html/cgi-bin"
	ti_key "$conf/jwt.key" ES256
	ti_config "$conf/auth.conf" "JWT_PRIVATE_KEY_FILE=$conf/jwt.key" \
	    "DATABASE_URL=$JR_HOME/data/auth.db" "${JR_SETTINGS[@]}"
	for p in $PROGRAMS; do
		cp "$top_builddir/cgi-bin/$p" "$JR_HOME/public_html/cgi-bin/"
	done
	cp "$AUTHCTL" "$JR_HOME/bin/"
	ts_etc apache/htaccess "$JR_HOME/public_html/.htaccess"
	echo "public page" >"$JR_HOME/public_html/index.html"
	chown -R "$JR_USER:$JR_USER" "$JR_HOME"
	chmod 711 "$JR_HOME"
	chmod 700 "$JR_HOME/.config" "$JR_HOME/data"
	chmod 600 "$conf/auth.conf" "$conf/jwt.key"
	chmod 755 "$JR_HOME/public_html" "$JR_HOME/public_html/cgi-bin"
	chmod 644 "$JR_HOME/public_html/.htaccess"
	runuser -u "$JR_USER" -- env -i PATH=/usr/bin:/bin \
	    "$JR_HOME/bin/authctl" db migrate >"$T/migrate.out" 2>&1 ||
	    { cat "$T/migrate.out"; echo "migrate as $JR_USER failed"; exit 99; }
	# Nobody names the configuration: the programs find it.
	unset AUTH_CONFIG
}

jr_shared_cleanup()
{
	local i

	# userdel, like useradd, gives up while another holds the lock.
	for i in $(seq 1 50); do
		[ -n "${JR_USER:-}" ] && id "$JR_USER" >/dev/null 2>&1 || break
		userdel "$JR_USER" 2>/dev/null && break
		sleep 0.1
	done
	[ -n "${JR_HOME:-}" ] && rm -rf "$JR_HOME"
	return 0
}

# The host's part: Apache with the site's folder as its document root,
# AllowOverride All, the site's CGI run by suEXEC as its owner
# (SuexecUserGroup), and nothing of the suite's.
_jr_shared_conf()
{
	{
		ts_apache_head www-data www-data mpm_event authz_core \
		    authz_host mime alias dir env headers rewrite cgi suexec
		echo "DocumentRoot $JR_HOME/public_html"
		echo "<Directory $JR_HOME/public_html>"
		echo "	AllowOverride All"
		echo "	Require all granted"
		echo "</Directory>"
		echo "SuexecUserGroup $JR_USER $JR_USER"
	} >"$T/apache.conf"
	mkdir -p "$T/apache-run"
	chown www-data "$T/apache-run"
	ts_apache_check
}

# jr_apache_files: Apache's children (www-data when the test runs as
# root) run the programs or connect to them: the database folder is
# theirs to write (ts_apache gives them the configuration and key).
jr_apache_files()
{
	chown -R "$(ts_apache_user)" "$T/var"
}


# jr_systemd: each program as its units in etc/systemd/ say, without
# systemd as PID 1: systemd-socket-activate listens where
# jwt-auth@PROGRAM.socket says (ListenStream=) and, at the first
# connection, runs the service's ExecStart= with its Environment= and
# the listening socket in LISTEN_FDS, as systemd does.  What it cannot
# apply (User=, the sandboxing) is not tested here; etc_systemd.sh
# checks the units with systemd-analyze.  The journal is $T/PROGRAM.log.
jr_systemd()
{
	local p sock cmd kv
	local -a env

	ti_need systemd-socket-activate
	for p in $PROGRAMS; do
		ts_etc systemd/jwt-auth@.socket "$T/jwt-auth@$p.socket"
		ts_etc systemd/jwt-auth@.service "$T/jwt-auth@$p.service"
		sock=$(sed -n "s/^ListenStream=//p" "$T/jwt-auth@$p.socket")
		sock=${sock//%i/$p}
		cmd=$(sed -n "s/^ExecStart=//p" "$T/jwt-auth@$p.service")
		cmd=${cmd//%i/$p}
		env=()
		while IFS= read -r kv; do
			env+=(-E "$kv")
		done < <(sed -n "s/^Environment=//p" "$T/jwt-auth@$p.service")
		[ -n "$sock" ] && [ -x "$cmd" ] && [ ${#env[@]} -gt 0 ] ||
		    { echo "units of $p: no ListenStream, ExecStart or" \
		      "Environment"; exit 99; }
		systemd-socket-activate -l "$sock" "${env[@]}" -- $cmd \
		    2>>"$T/$p.log" &
		ti_track $!
	done
	for p in $PROGRAMS; do
		ti_wait_socket "$T/run/$p.sock" 50 || true
	done
}

jr_setup
case $JR_FRONT in
nginx)
	ts_start_programs $PROGRAMS
	ts_nginx
	jr_journey private
	;;
nginx_systemd)
	jr_systemd
	ts_nginx
	jr_journey private
	ti_expect_true "verify was started by socket activation" \
	    grep -q 'event=start' "$T/verify.log"
	;;
lighttpd)
	ts_start_programs $PROGRAMS
	ts_lighttpd
	jr_journey private
	;;
lighttpd_spawn)
	ts_lighttpd lighttpd/jwt-auth-spawn.conf
	jr_journey private
	ti_expect_true "lighttpd started verify" \
	    grep -q 'prog=verify.*event=start' "$T"/*.log
	;;
lighttpd_cgi)
	ts_lighttpd lighttpd/jwt-auth-cgi.conf
	jr_journey
	;;
apache_fcgid)
	[ -f /usr/lib/apache2/modules/mod_fcgid.so ] ||
	    ti_skip "mod_fcgid not installed (libapache2-mod-fcgid)"
	jr_apache_files
	ts_apache apache/jwt-auth-fcgid.conf fcgid cgi authz_host
	jr_journey private
	ti_expect_true "mod_fcgid started verify" \
	    grep -q 'prog=verify.*event=start' "$T/apache-error.log"
	;;
apache_proxy)
	jr_apache_files
	ts_apache apache/jwt-auth-proxy-fcgi.conf proxy proxy_fcgi authz_host
	TS_RUN_USER=$(ts_apache_user) ts_start_programs $PROGRAMS
	jr_journey
	;;
apache_cgi)
	jr_apache_files
	ts_apache apache/jwt-auth-cgi.conf cgi authz_host
	jr_journey
	;;
shared)
	jr_shared_site
	# The OpenAPI check reads /cgi-bin/todos/api/v1/me as /api/v1/me.
	TI_MOUNTS="/cgi-bin/verify /cgi-bin/jwks /cgi-bin/refresh /cgi-bin/todos"
	ti_serve apache _jr_shared_conf ts_wait "$(ti_bin apache2)" \
	    -f "$T/apache.conf" -DFOREGROUND
	jr_journey
	# Without mod_rewrite: the programs at /cgi-bin/PROGRAM/PATH.
	ti_request "login at /cgi-bin/refresh/api/auth/login" \
	    /cgi-bin/refresh/api/auth/login -H "$J" -H "Origin: $ORIGIN" \
	    --data "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}"
	ti_expect_status 200
	ti_expect_header Set-Cookie '; Path=/cgi-bin/refresh/api/auth(;|$)'
	AT=$(ti_json 'j["accessToken"]')
	RT=$(cookie_tok)
	ti_request "refresh at /cgi-bin/refresh/api/auth/refresh" \
	    /cgi-bin/refresh/api/auth/refresh -X POST -H "$NOBODY" \
	    -H "Origin: $ORIGIN" -H "Cookie: refreshToken=$RT"
	ti_expect_status 200
	ti_expect_header Set-Cookie '; Path=/cgi-bin/refresh/api/auth(;|$)'
	AT=$(ti_json 'j["accessToken"]')
	ti_request "/cgi-bin/todos/api/v1/me" /cgi-bin/todos/api/v1/me \
	    -H "Authorization: Bearer $AT"
	ti_expect_status 200
	ti_expect_json 'j["user_id"]' "$SUB"
	ti_request "/cgi-bin/jwks/.well-known/jwks.json" \
	    /cgi-bin/jwks/.well-known/jwks.json
	ti_expect_status 200
	ti_expect_json 'len(j["keys"])' 1
	# The programs ran as the site's owner: the database is theirs.
	ti_expect_true "the database belongs to the site's owner" \
	    test "$(stat -c %U "$JR_HOME/data/auth.db")" = "$JR_USER"
	ti_expect_true "suEXEC ran the programs" \
	    grep -q "uid: ($(id -u "$JR_USER")/$JR_USER).*cmd: refresh" \
	    /var/log/apache2/suexec.log
	;;
*)
	echo "front end $JR_FRONT not written yet"; exit 99 ;;
esac
ti_done
