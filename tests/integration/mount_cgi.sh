#!/bin/bash
# mount_cgi.sh: a program reached through its script path answers as the
# root-mounted one.  GET /cgi-bin/todos/api/v1/me reaches todos with
# SCRIPT_NAME=/cgi-bin/todos and PATH_INFO=/api/v1/me (no rewrite); the
# route path is /api/v1/me and the mount point /cgi-bin/todos, which is
# where the Location of a new todo and the OpenAPI document's server
# point.  The same requests at the root (Apache's ScriptAliasMatch, as in
# etc/apache: SCRIPT_NAME=/api/v1, PATH_INFO=/me) are the reference.
#
# 1. Apache (Debian's apache2) with mod_cgi: ScriptAlias /cgi-bin/; the
#    same site with mod_fcgid (SetHandler fcgid-script).
# 2. lighttpd with mod_cgi (cgi.assign, alias /cgi-bin/).
. "$(dirname "$0")/lib.sh"

ti_init
ts_setup
cp "$top_builddir/cgi-bin/todos" "$T/bin/"
# The database in a folder of its own, which Apache's user may write.
mkdir -p "$T/db"
sed -i "s|^DATABASE_URL=.*|DATABASE_URL=$T/db/auth.db|" "$AUTH_CONFIG"
"$AUTHCTL" db migrate >/dev/null || { echo "migrate failed"; exit 99; }

# answer LABEL PATH CURL-ARGS...: one request, reduced to what must not
# depend on where the program is mounted (the Location's and the
# document's mount point replaced by MOUNT).
answer()
{
	local m=${1:-/nothing}

	shift
	ti_request "$@"
	printf '%s|' "$TI_STATUS"
	grep -iE '^(www-authenticate|cache-control|content-type|allow|location):' \
	    "$T/last.headers" | sort | tr '\n' '|' |
	    sed "s|$m/|MOUNT/|; s|Location: /|Location: MOUNT/|;
	    s|\(Location: .*/\)[0-9]*|\1N|"
	tr '\n' ' ' <"$T/last.body" | sed "s|\"url\":\"$m\"|\"url\":\"MOUNT\"|;
	    s|\"url\":\"/\"|\"url\":\"MOUNT\"|; s|\"id\":[0-9]*|\"id\":N|g;
	    s|_at\":\"[^\"]*\"|_at\":T|g; s|\"exp\":[0-9]*|\"exp\":E|g"
	echo
}

# compare_set MOUNT: the same requests under MOUNT ("" at the root).
compare_set()
{
	local m=$1 a="Authorization: Bearer $TS_GOOD"

	answer "$m" "me" "$m/api/v1/me" -H "$a"
	answer "$m" "me, no token" "$m/api/v1/me"
	answer "$m" "me, bad token" "$m/api/v1/me" -H "Authorization: Bearer $TS_BAD"
	answer "$m" "create" "$m/api/users/alice/todos" -H "$a" \
	    -H 'Content-Type: application/json' -d '{"title":"mounted"}'
	answer "$m" "list, newest" "$m/api/users/alice/todos?limit=1" -H "$a"
	answer "$m" "another's todos" "$m/api/users/bob/todos" -H "$a"
	answer "$m" "a path variable with %40" "$m/api/users/a%40b/todos" -H "$a"
	answer "$m" "405" "$m/api/v1/me" -X DELETE -H "$a"
	answer "$m" "unknown path" "$m/api/v1/nope" -H "$a"
	answer "$m" "healthz" "$m/healthz"
	answer "$m" "openapi" "$m/api/openapi.json"
}

# compare FILE-A FILE-B WHAT: line by line, each a check.
compare()
{
	local n=0 want got

	while IFS= read -r want <&3 && IFS= read -r got <&4; do
		n=$((n + 1))
		TI_CASE="$3, answer $n"
		if [ "$want" = "$got" ]; then
			ti_pass
		else
			ti_fail "same as at the root" "$want" "$got"
		fi
	done 3<"$1" 4<"$2"
	TI_CASE=$3
	ti_expect_true "eleven answers compared" test "$n" = 11
	ti_expect_true "the answers differ from each other" \
	    test "$(sort -u "$2" | wc -l)" -ge 9
}

# both WHAT: the requests at the root, then under /cgi-bin/todos,
# compared; and GET /cgi-bin/todos/api/v1/me itself.
both()
{
	compare_set "" >"$T/answers.$1.root"
	compare_set /cgi-bin/todos >"$T/answers.$1"
	compare "$T/answers.$1.root" "$T/answers.$1" "$1"
	ti_request "$1: me under the script path" /cgi-bin/todos/api/v1/me \
	    -H "Authorization: Bearer $TS_GOOD"
	ti_expect_status 200
	ti_expect_json 'j["user_id"]' alice
}

# 1. Apache, mod_cgi.
if command -v apache2 >/dev/null 2>&1 || [ -x /usr/sbin/apache2 ]; then
	cat >"$T/mount-cgi.conf" <<EOF
ScriptAlias /cgi-bin/ @cgibindir@/
ScriptAliasMatch ^/api/(users|v1|openapi.json) @cgibindir@/todos
ScriptAlias /healthz @cgibindir@/todos
<Directory @cgibindir@>
	Options +ExecCGI
	CGIPassAuth On
	SetEnv AUTH_CONFIG @sysconfdir@/jwt-auth-suite/auth.conf
	Require all granted
</Directory>
EOF
	user=$(ts_apache_user)
	chown -R "$user" "$T/db"
	TI_MOUNTS=/cgi-bin/todos
	ts_apache "$T/mount-cgi.conf" cgi
	both "Apache mod_cgi"
	ti_request "Apache: Location under the script path" \
	    /cgi-bin/todos/api/users/alice/todos -H "Authorization: Bearer $TS_GOOD" \
	    -H 'Content-Type: application/json' -d '{"title":"where"}'
	ti_expect_status 201
	ti_expect_header Location '^/cgi-bin/todos/api/users/alice/todos/[0-9]+$'
	ti_request "Apache: the document's server" /cgi-bin/todos/api/openapi.json
	ti_expect_json 'j["servers"][0]["url"]' /cgi-bin/todos
	ti_request "Apache: the document's server at the root" /api/openapi.json
	ti_expect_json 'j["servers"][0]["url"]' /
	ti_expect_true "the request log names the mount point" \
	    grep -q 'path=/api/v1/me base=/cgi-bin/todos ' "$T/apache-error.log"
	ts_apache_stop

	# mod_fcgid: the same as FastCGI (Apache starts todos; its event
	# loop hands writes to the pool threads with the match made on
	# arrival).
	if [ -f /usr/lib/apache2/modules/mod_fcgid.so ]; then
		{
			echo "FcgidIPCDir @runstatedir@/jwt-auth/fcgid"
			echo "FcgidProcessTableFile @runstatedir@/jwt-auth/fcgid/shm"
			echo "FcgidInitialEnv AUTH_CONFIG @sysconfdir@/jwt-auth-suite/auth.conf"
			echo "FcgidPassHeader Authorization"
			sed 's/Options +ExecCGI/SetHandler fcgid-script\
	Options +ExecCGI/' "$T/mount-cgi.conf"
		} >"$T/mount-fcgid.conf"
		ts_apache "$T/mount-fcgid.conf" fcgid
		both "Apache mod_fcgid"
		ti_expect_true "todos ran as FastCGI" \
		    grep -q 'prog=todos level=info event=start socket=fd0' \
		    "$T/apache-error.log"
		ts_apache_stop
	else
		echo "mod_fcgid not installed: its part skipped"
	fi
else
	echo "apache2 not installed: Apache part skipped"
fi

# 2. lighttpd, mod_cgi.
if command -v lighttpd >/dev/null 2>&1 || [ -x /usr/sbin/lighttpd ]; then
	TI_MOUNTS=/cgi-bin/todos
	ti_cgi_route /cgi-bin/ "$T/bin/"
	# At the root: SCRIPT_NAME /api, PATH_INFO /v1/me.
	ti_cgi_route /api "$T/bin/todos"
	ti_cgi_route /healthz "$T/bin/todos"
	ti_lighttpd
	both "lighttpd mod_cgi"
else
	echo "lighttpd not installed: lighttpd part skipped"
fi
[ "$TI_PASS" -gt 0 ] || ti_skip "neither apache2 nor lighttpd installed"
ti_done
