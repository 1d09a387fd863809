#!/bin/bash
# config_user.sh: a program run as suEXEC runs it finds its owner's
# configuration.  suEXEC (Apache's support/suexec.c) switches to the site
# owner and passes only its safe list of variables (safe_env_lst, below)
# and PATH: no AUTH_CONFIG from .htaccess's SetEnv, no HOME.  Without
# AUTH_CONFIG a program reads ~/.config/jwt-auth-suite/auth.conf of the
# user it runs as, its home taken from the password database.
#
# The test adds a throwaway user (useradd, home under $T), puts the
# owner's config, key and database in that home, copies todos into the
# home's cgi-bin, and runs it as that user with exactly suEXEC's
# variables (env -i): GET /cgi-bin/todos/api/v1/me answers 200 for the
# owner's token.  A HOME, or a request's Auth-Config header
# (HTTP_AUTH_CONFIG), that points at another configuration is not read.
. "$(dirname "$0")/lib.sh"

ti_init
ti_need useradd userdel runuser
[ "$(id -u)" = 0 ] || ti_skip "needs root to add a user"

u=acit$$
chmod 755 "$T"
home=$T/home
useradd -M -d "$home" -s /bin/sh -K UID_MIN=20000 -K UID_MAX=29999 "$u" ||
    { echo "useradd failed"; exit 99; }
trap 'userdel "$u" 2>/dev/null; ti_cleanup' EXIT
mkdir -p "$home/.config/jwt-auth-suite" "$home/data" "$home/public_html/cgi-bin"
cp "$top_builddir/cgi-bin/todos" "$home/public_html/cgi-bin/todos"

cfgdir=$home/.config/jwt-auth-suite
ti_key "$cfgdir/jwt.key"
ti_config "$cfgdir/auth.conf" "JWT_SECRET_FILE=$cfgdir/jwt.key" \
    "DATABASE_URL=$home/data/auth.db"
AUTH_CONFIG=$cfgdir/auth.conf "$AUTHCTL" db migrate >/dev/null ||
    { echo "migrate failed"; exit 99; }
chown -R "$u:" "$home"
chmod 600 "$cfgdir/auth.conf" "$cfgdir/jwt.key"
tok=$(ti_issue "$cfgdir/auth.conf" --sub owner-1)

# A configuration elsewhere, with another key: never the one read.
mkdir -p "$T/other/.config/jwt-auth-suite"
ti_key "$T/other/jwt.key"
ti_config "$T/other/.config/jwt-auth-suite/auth.conf" \
    "JWT_SECRET_FILE=$T/other/jwt.key" "DATABASE_URL=$T/other/auth.db"
chown -R "$u:" "$T/other"
othertok=$(ti_issue "$T/other/.config/jwt-auth-suite/auth.conf" --sub owner-1)

# suexec_run URI [NAME=value...]: todos once as plain CGI, as the user,
# with suEXEC's variables only (Apache 2.4's safe_env_lst: the HTTP_ and
# SSL_ prefixes and the names below, plus PATH=AP_SAFE_PATH); anything
# else given is dropped as suEXEC drops it.  The answer goes to
# $T/last.raw, .headers, .body.
suexec_run()
{
	local uri=$1 kv
	local -a keep=()

	shift
	for kv in GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1 \
	    SERVER_NAME=127.0.0.1 SERVER_PORT=80 REQUEST_METHOD=GET \
	    REQUEST_URI="$uri" SCRIPT_NAME=/cgi-bin/todos \
	    PATH_INFO="${uri#/cgi-bin/todos}" \
	    SCRIPT_FILENAME="$home/public_html/cgi-bin/todos" \
	    DOCUMENT_ROOT="$home/public_html" REMOTE_ADDR=127.0.0.1 \
	    REMOTE_PORT=40000 QUERY_STRING= "$@"; do
		case ${kv%%=*} in
		HTTP_*|SSL_*|AUTH_TYPE|CONTENT_LENGTH|CONTENT_TYPE|\
		CONTEXT_DOCUMENT_ROOT|CONTEXT_PREFIX|DATE_GMT|DATE_LOCAL|\
		DOCUMENT_ARGS|DOCUMENT_NAME|DOCUMENT_PATH_INFO|DOCUMENT_ROOT|\
		DOCUMENT_URI|GATEWAY_INTERFACE|HTTPS|LAST_MODIFIED|PATH_INFO|\
		PATH_TRANSLATED|QUERY_STRING|QUERY_STRING_UNESCAPED|\
		REMOTE_ADDR|REMOTE_HOST|REMOTE_IDENT|REMOTE_PORT|REMOTE_USER|\
		REDIRECT_ERROR_NOTES|REDIRECT_HANDLER|REDIRECT_QUERY_STRING|\
		REDIRECT_REMOTE_USER|REDIRECT_SCRIPT_FILENAME|REDIRECT_STATUS|\
		REDIRECT_URL|REQUEST_METHOD|REQUEST_URI|REQUEST_SCHEME|\
		SCRIPT_FILENAME|SCRIPT_NAME|SCRIPT_URI|SCRIPT_URL|\
		SERVER_ADMIN|SERVER_NAME|SERVER_ADDR|SERVER_PORT|\
		SERVER_PROTOCOL|SERVER_SIGNATURE|SERVER_SOFTWARE|UNIQUE_ID|\
		USER_NAME|TZ)
			keep+=("$kv") ;;
		esac
	done
	TI_CASE="as $u under suEXEC's variables: GET $uri"
	(cd "$home/public_html/cgi-bin" &&
	    runuser -u "$u" -- env -i PATH=/usr/local/bin:/usr/bin:/bin \
	    "${keep[@]}" ./todos </dev/null >"$T/last.raw" 2>>"$T/todos.log")
	TI_STATUS=$(sed -n '1s/^Status: \([0-9]*\).*/\1/p' "$T/last.raw" |
	    tr -d '\r')
	tr -d '\r' <"$T/last.raw" | sed '/^$/q' >"$T/last.headers"
	tr -d '\r' <"$T/last.raw" | sed '1,/^$/d' >"$T/last.body"
}

suexec_run /cgi-bin/todos/api/v1/me HTTP_AUTHORIZATION="Bearer $tok"
ti_expect_status 200
ti_expect_json 'j["user_id"]' owner-1
# The same after a rewrite (.htaccess: /api/... to cgi-bin/todos).
suexec_run /api/v1/me HTTP_AUTHORIZATION="Bearer $tok"
ti_expect_status 200
ti_expect_json 'j["user_id"]' owner-1

# SetEnv AUTH_CONFIG and HOME do not survive suEXEC; a header does, as
# HTTP_AUTH_CONFIG, and is no setting.  None of them chooses the file.
suexec_run /api/v1/me HTTP_AUTHORIZATION="Bearer $othertok" \
    AUTH_CONFIG="$T/other/.config/jwt-auth-suite/auth.conf" \
    HOME="$T/other" HTTP_AUTH_CONFIG="$T/other/.config/jwt-auth-suite/auth.conf"
ti_expect_error 401 key_unknown

# HOME is not how the file is found, even when it does reach the program.
TI_CASE="HOME is ignored"
ti_expect_true "a HOME elsewhere does not choose the file" sh -c '
    cd "$1/public_html/cgi-bin" && runuser -u "$2" -- env -i \
    HOME="$3" GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET \
    REQUEST_URI=/api/v1/me HTTP_AUTHORIZATION="Bearer $4" ./todos \
    </dev/null 2>/dev/null | head -1 | grep -q "^Status: 200"' _ \
    "$home" "$u" "$T/other" "$tok"

# The owner's files are checked as any configuration is: a world-readable
# key refuses to start (no answer, the reason in the log).
chmod 644 "$cfgdir/jwt.key"
: >"$T/todos.log"
suexec_run /api/v1/me HTTP_AUTHORIZATION="Bearer $tok"
ti_expect_true "a world-readable key in the owner's file is refused" \
    test "$TI_STATUS" != 200
ti_expect_true "the log says why" \
    grep -q "jwt.key is world-readable" "$T/todos.log"
chmod 600 "$cfgdir/jwt.key"

# Unreadable (the owner took their own read bit away): said, not skipped.
chmod 000 "$cfgdir/auth.conf"
: >"$T/todos.log"
suexec_run /api/v1/me HTTP_AUTHORIZATION="Bearer $tok"
ti_expect_true "an unreadable owner's file is a problem, not skipped" \
    grep -q "config_invalid.*auth.conf" "$T/todos.log"
chmod 600 "$cfgdir/auth.conf"
ti_done
