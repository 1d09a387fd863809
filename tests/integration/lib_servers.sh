# lib_servers.sh: helpers for the tests of the example configurations in
# etc/ (sourced after lib.sh, never run).
#
# The files in etc/ are made from etc/*.in with the configured paths
# (@cgibindir@, @sysconfdir@, @localstatedir@, @runstatedir@).  ts_etc
# copies a template into the test's directory with those paths, and the
# site's (/var/www/html, 127.0.0.1:8080 ...), replaced by the test's own,
# so the tests run the very files an operator copies.  ts_start_programs
# starts the programs with etc/spawn-fcgi/jwt-auth.sh; ts_lighttpd,
# ts_nginx and ts_apache start a server from Debian's packages on
# 127.0.0.1 and a free port.  Every process started here is tracked by
# lib.sh (ti_track) and stopped by its trap.

# ts_etc SRC DST: SRC (relative to etc/, without .in; or a test's own
# file, by absolute path) with the test's paths and ports.
ts_etc()
{
	local src=$top_srcdir/etc/$1.in

	case $1 in /*) src=$1 ;; esac
	sed -e "s|@runstatedir@/jwt-auth|$T/run|g" \
	    -e "s|@cgibindir@|$T/bin|g" \
	    -e "s|@pkgdatadir@/www|$top_srcdir/src/www|g" \
	    -e "s|@sysconfdir@/jwt-auth-suite/auth.conf|$AUTH_CONFIG|g" \
	    -e "s|@localstatedir@/log/jwt-auth|$T|g" \
	    -e "s|@sysconfdir@|$T/etc|g" \
	    -e "s|@localstatedir@|$T/var|g" \
	    -e "s|/var/www/html|$T/www|g" \
	    -e "s|/var/log/apache2|$T|g" \
	    -e "s|127.0.0.1:8080|127.0.0.1:$TI_PORT|g" \
	    -e "s|127.0.0.1:8081|127.0.0.1:${TS_BACKEND_PORT:-8081}|g" \
	    "$src" >"$2"
}

# ts_setup: key, configuration ($AUTH_CONFIG, exported), the programs
# copied to $T/bin, the protected folder $T/www/private, and tokens:
# TS_GOOD (sub alice, email and role admin), TS_USER (sub bob, role
# user), TS_BAD (TS_GOOD, signature altered), TS_NONE (alg none).
ts_setup()
{
	mkdir -p "$T/run" "$T/bin" "$T/www/private/admin"
	ti_key "$T/jwt.key" HS256
	AUTH_CONFIG=$T/auth.conf
	export AUTH_CONFIG
	TS_CLIENT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
	ti_config "$AUTH_CONFIG" JWT_ALGORITHM=HS256 \
	    "JWT_SECRET_FILE=$T/jwt.key" VERIFY_CLAIM_HEADERS=email,role \
	    INTROSPECTION_CLIENT_ID=backend \
	    "INTROSPECTION_CLIENT_SECRET=$TS_CLIENT_SECRET" \
	    "DATABASE_URL=$T/auth.db"
	chmod 600 "$AUTH_CONFIG"
	cp "$top_builddir/cgi-bin/verify" "$top_builddir/cgi-bin/jwks" "$T/bin/"
	echo "secret page" >"$T/www/private/page.txt"
	echo "admin page" >"$T/www/private/admin/page.txt"
	echo "public page" >"$T/www/index.html"
	TS_GOOD=$(ti_issue "$AUTH_CONFIG" --sub alice \
	    --claim email=alice@example.com --claim role=admin) ||
	    { echo "authctl issue failed"; exit 99; }
	TS_USER=$(ti_issue "$AUTH_CONFIG" --sub bob \
	    --claim email=bob@example.com --claim role=user) ||
	    { echo "authctl issue failed"; exit 99; }
	TS_BAD=$(ti_flip_last "$TS_GOOD")
	TS_NONE=$(printf '{"alg":"none","typ":"JWT"}' | ti_b64url).$(printf \
	    '{"sub":"mallory","type":"access","exp":%s}' \
	    "$(( $(date +%s) + 600 ))" | ti_b64url).
}

# ts_start_programs PROGRAM...: runs etc/spawn-fcgi/jwt-auth.sh with one
# process per program on $T/run/PROGRAM.sock, and waits for them; logs
# in $T/PROGRAM.log.  TS_CHILDREN: workers per program (AUTH_WORKERS,
# jwt-auth.sh's CHILDREN; 1).  With TS_RUN_USER (as root) it is started as an
# operator starts it for a web server running as that user: the programs
# run as TS_RUN_USER, the sockets are that user's
# (SOCKET_USER), and the logs are in $T/log/ (jwt-auth.sh gives LOGDIR
# to the user).
ts_start_programs()
{
	local p pid i user=${TS_RUN_USER:-} logs=$T children=${TS_CHILDREN:-1}

	[ "$(id -u)" = 0 ] || user=
	if [ -n "$user" ]; then
		logs=$T/log
		mkdir -p "$logs"
	fi
	ts_etc spawn-fcgi/jwt-auth.sh "$T/jwt-auth.sh"
	SOCKDIR=$T/run BINDIR=$T/bin LOGDIR=$logs PROGRAMS="$*" \
	    CHILDREN=$children RUN_USER=$user SOCKET_USER=$user \
	    RUN_GROUP=$(id -gn "${user:-$(id -un)}") \
	    sh "$T/jwt-auth.sh" start >>"$T/spawn-fcgi.log" 2>&1 ||
	    { cat "$T/spawn-fcgi.log"; echo "jwt-auth.sh start failed"; exit 99; }
	for p in "$@"; do
		for pid in $(cat "$T/run/$p.pid"); do
			ti_track "$pid"
		done
		for i in $(seq 1 30); do
			grep -q 'event=start' "$logs/$p.log" 2>/dev/null && break
			sleep 0.1
		done
		for pid in $(cat "$T/run/$p.pid"); do
			kill -0 "$pid" 2>/dev/null ||
			    { cat "$logs/$p.log"; echo "$p exited"; exit 99; }
		done
	done
}

# ts_wait PID: until something answers HTTP on TI_PORT (ti_wait_http
# without the run header: the example configurations do not send it).
ts_wait()
{
	TI_RUNID= ti_wait_http "$1"
}

# ts_lighttpd [SITE]: lighttpd with etc/SITE (lighttpd/jwt-auth.conf)
# included.
ts_lighttpd()
{
	local bin site=${1:-lighttpd/jwt-auth.conf}

	ti_need lighttpd
	bin=$(ti_bin lighttpd)
	mkdir -p "$T/lighttpd-tmp"
	ti_serve lighttpd _ts_lighttpd_conf ts_wait "$bin" -D \
	    -f "$T/lighttpd.conf"
}

# The configuration for TI_PORT, checked with lighttpd -tt ($bin and
# $site are ts_lighttpd's).
_ts_lighttpd_conf()
{
	ts_etc "$site" "$T/jwt-auth-lighttpd.conf"
	cat >"$T/lighttpd.conf" <<EOF
server.document-root = "$T/www"
server.bind = "127.0.0.1"
server.port = $TI_PORT
server.errorlog = "$T/lighttpd-error.log"
server.upload-dirs = ( "$T/lighttpd-tmp" )
server.modules = ( "mod_indexfile", "mod_access", "mod_alias" )
index-file.names = ( "index.html" )
server.tag = ""
mimetype.assign = ( ".txt" => "text/plain", ".html" => "text/html" )
include "$T/jwt-auth-lighttpd.conf"
EOF
	"$bin" -tt -f "$T/lighttpd.conf" >>"$T/lighttpd-stdout.log" 2>&1 ||
	    { cat "$T/lighttpd-stdout.log"; echo "bad config"; exit 99; }
}

# ts_nginx: nginx with etc/nginx/jwt-auth.conf in its http block, plus
# a back end on TS_BACKEND_PORT that answers with the X-Auth-* headers
# nginx passed to it (it is the "application" of the /app/ location).
ts_nginx()
{
	local bin

	ti_need nginx
	bin=$(ti_bin nginx)
	# The site includes fastcgi_params, relative to nginx.conf's folder.
	[ -f /etc/nginx/fastcgi_params ] || ti_skip "no /etc/nginx/fastcgi_params"
	cp /etc/nginx/fastcgi_params "$T/"
	ti_serve nginx _ts_nginx_conf ts_wait "$bin" -p "$T" \
	    -c "$T/nginx.conf" -e "$T/nginx-error.log"
}

# The configuration for TI_PORT and a new TS_BACKEND_PORT, checked with
# nginx -t ($bin is ts_nginx's).
_ts_nginx_conf()
{
	TS_BACKEND_PORT=$(ti_port)
	ts_etc nginx/jwt-auth.conf "$T/jwt-auth-nginx.conf"
	{
		ti_nginx_head "$T"
		echo "	include /etc/nginx/mime.types;"
		echo "	include $T/jwt-auth-nginx.conf;"
		# More servers a test needs (TS_NGINX_EXTRA: a file).
		[ -n "${TS_NGINX_EXTRA:-}" ] &&
		    echo "	include $TS_NGINX_EXTRA;"
		echo "	server {"
		echo "		listen 127.0.0.1:$TS_BACKEND_PORT;"
		echo "		default_type text/plain;"
		echo "		location / { return 200 \"sub=\$http_x_auth_subject email=\$http_x_auth_claim_email role=\$http_x_auth_claim_role authz=\$http_authorization\\n\"; }"
		echo "	}"
		echo "}"
	} >"$T/nginx.conf"
	"$bin" -t -p "$T" -c "$T/nginx.conf" -e "$T/nginx-error.log" \
	    >>"$T/nginx-stdout.log" 2>&1 ||
	    { cat "$T/nginx-stdout.log"; echo "bad config"; exit 99; }
}

# ts_apache_user: the user Apache's children run as.  As root that is
# www-data (Apache refuses root), so the test's files must be readable
# by it; otherwise the current user.
ts_apache_user()
{
	if [ "$(id -u)" = 0 ]; then
		id www-data >/dev/null 2>&1 || ti_skip "no www-data user"
		echo www-data
	else
		id -un
	fi
}

# ts_apache_stop: stops the Apache ts_apache started (and so the
# programs mod_fcgid started for it).
ts_apache_stop()
{
	local i

	kill -TERM "$TS_APACHE_PID" 2>/dev/null
	for i in $(seq 1 50); do
		kill -0 "$TS_APACHE_PID" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$TS_APACHE_PID" 2>/dev/null
}

# ts_apache SITE MODULE...: apache2 in the foreground with its own
# configuration in $T (no /etc/apache2, no APACHE_* variables), the
# modules named (fcgid, cgi ...) and etc/SITE included (or, when SITE is
# an absolute path, that file: a test's own site).
ts_apache()
{
	local site=$1 bin m user group mods

	shift
	mods="mpm_event authz_core mime alias dir env setenvif headers $*"
	ti_need apache2
	bin=$(ti_bin apache2)
	for m in $mods; do
		[ -f "/usr/lib/apache2/modules/mod_$m.so" ] ||
		    ti_skip "mod_$m not installed"
	done
	user=$(ts_apache_user)
	group=$(id -gn "$user")
	# Apache's children read the test's files; the configuration keeps
	# its secret from everyone else.
	chmod 755 "$T"
	chmod -R a+rX "$T/www" "$T/bin"
	chgrp "$group" "$AUTH_CONFIG" "$T/jwt.key"
	chmod 640 "$AUTH_CONFIG" "$T/jwt.key"
	mkdir -p "$T/apache-run"
	chown "$user" "$T/apache-run"
	ti_serve apache _ts_apache_conf ts_wait "$bin" -f "$T/apache.conf" \
	    -DFOREGROUND
	TS_APACHE_PID=$TI_SERVER_PID
}

# ts_apache_head USER GROUP MODULE...: the server-wide lines of an
# apache.conf for TI_PORT that keeps its pid, runtime files and error log
# in $T, its children running as USER:GROUP, with the modules named.
ts_apache_head()
{
	local m

	echo "ServerRoot /etc/apache2"
	echo "ServerName 127.0.0.1"
	echo "Listen 127.0.0.1:$TI_PORT"
	echo "PidFile $T/apache.pid"
	echo "DefaultRuntimeDir $T/apache-run"
	echo "Mutex file:$T/apache-run default"
	echo "ErrorLog $T/apache-error.log"
	echo "LogLevel warn"
	echo "User $1"
	echo "Group $2"
	shift 2
	for m in "$@"; do
		echo "LoadModule ${m}_module /usr/lib/apache2/modules/mod_$m.so"
	done
	echo "TypesConfig /etc/mime.types"
}

# ts_apache_check: $T/apache.conf passes apache2 -t, or the test ends.
ts_apache_check()
{
	"$(ti_bin apache2)" -t -f "$T/apache.conf" >>"$T/apache-stdout.log" 2>&1 ||
	    { cat "$T/apache-stdout.log"; echo "bad config"; exit 99; }
}

# The configuration for TI_PORT, checked with apache2 -t ($site, $user,
# $group and $mods are ts_apache's).
_ts_apache_conf()
{
	# (an absolute path: a test's own file, with the same paths put in)
	ts_etc "$site" "$T/jwt-auth-apache.conf"
	{
		ts_apache_head "$user" "$group" $mods
		echo "DocumentRoot $T/www"
		echo "<Directory $T/www>"
		echo "	Require all granted"
		echo "</Directory>"
		echo "Include $T/jwt-auth-apache.conf"
	} >"$T/apache.conf"
	ts_apache_check
}

# ts_whoami: a CGI script $T/www/private/whoami.sh that prints the
# subject and claims the server passed on to it.
ts_whoami()
{
	cat >"$T/www/private/whoami.sh" <<'SH'
#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
printf 'sub=%s email=%s role=%s\n' "$AUTH_SUBJECT" "$AUTH_CLAIM_EMAIL" \
    "$AUTH_CLAIM_ROLE"
SH
	chmod 755 "$T/www/private/whoami.sh"
}

# ts_expect_whoami: with a valid token, ts_whoami's script saw alice's
# subject and claims.
ts_expect_whoami()
{
	ti_request "subject reaches the back end" /private/whoami.sh \
	    -H "Authorization: Bearer $TS_GOOD"
	ti_expect_status 200
	ti_expect_true "CGI saw the subject and claims" \
	    grep -qx "sub=alice email=alice@example.com role=admin" "$T/last.body"
}

# ts_expect_private_ok: /private/page.txt with a valid token is served.
ts_expect_private_ok()
{
	ti_request "private, valid token" /private/page.txt \
	    -H "Authorization: Bearer $TS_GOOD"
	ti_expect_status 200
	ti_expect_true "file content" grep -qx "secret page" "$T/last.body"
}

# ts_expect_private_refused [MISSING BAD NONE]: /private/page.txt without
# a token (401, the Bearer challenge, not the file), with a bad signature
# (401, invalid_token) and with alg none (401).  Where the server passes
# verify's answer on, the reasons given are checked too, as the JSON
# error envelope (ti_expect_error).
ts_expect_private_refused()
{
	ti_request "private, no token" /private/page.txt
	_ts_expect_401 "${1:-}"
	ti_expect_header WWW-Authenticate '^Bearer realm="api"$'
	ti_expect_true "no file content" sh -c "! grep -q 'secret page' '$T/last.body'"

	ti_request "private, bad signature" /private/page.txt \
	    -H "Authorization: Bearer $TS_BAD"
	_ts_expect_401 "${2:-}"
	ti_expect_header WWW-Authenticate 'error="invalid_token"'

	ti_request "private, alg none" /private/page.txt \
	    -H "Authorization: Bearer $TS_NONE"
	_ts_expect_401 "${3:-}"
}

_ts_expect_401()
{
	if [ -n "$1" ]; then
		ti_expect_error 401 "$1"
	else
		ti_expect_status 401
	fi
}

# ts_expect_account CONTENT-TYPE: the session page the examples serve at
# /account/ (its Content-Security-Policy and script) and auth-client.js
# with a Content-Type matching CONTENT-TYPE.
ts_expect_account()
{
	ti_request "session page" /account/
	ti_expect_status 200
	ti_expect_header Content-Security-Policy "^default-src 'none'; script-src 'self'; style-src 'self';"
	ti_expect_true "the page" grep -q '<script type="module" src="session.js">' "$T/last.body"
	ti_request "auth-client.js" /account/auth-client.js
	ti_expect_status 200
	ti_expect_header Content-Type "$1"
}

# ts_expect_required [STATUS]: the example configurations' /private/admin/
# asks verify for role:admin (AUTH_REQUIRE set per location): alice's
# token reads it, bob's (role user) is refused there with STATUS (403;
# mod_fcgid turns any refusal of its access checker into 401, which
# keeps verify's insufficient_scope challenge) and still reads /private/.
ts_expect_required()
{
	local st=${1:-403}

	ti_request "admin folder, admin token" /private/admin/page.txt \
	    -H "Authorization: Bearer $TS_GOOD"
	ti_expect_status 200
	ti_expect_true "admin content" grep -qx "admin page" "$T/last.body"
	ti_request "admin folder, user token" /private/admin/page.txt \
	    -H "Authorization: Bearer $TS_USER"
	ti_expect_status "$st"
	[ "$st" = 401 ] && ti_expect_header WWW-Authenticate \
	    'error="insufficient_scope", error_description="requires role:admin"'
	ti_expect_true "no admin content" \
	    sh -c "! grep -q 'admin page' '$T/last.body'"
	ti_request "admin folder, forged requirement header" \
	    /private/admin/page.txt -H "Authorization: Bearer $TS_USER" \
	    -H "Auth-Require: role:user"
	ti_expect_status "$st"
	ti_request "admin folder, no token" /private/admin/page.txt
	ti_expect_status 401
	ti_request "private folder, user token" /private/page.txt \
	    -H "Authorization: Bearer $TS_USER"
	ti_expect_status 200
}
