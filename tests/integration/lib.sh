# lib.sh: helpers shared by the integration tests (sourced, never run).
#
# A test sources this file, calls ti_init, writes a configuration with
# ti_config, starts its programs with ti_spawn (spawn-fcgi on a unix socket
# in a private temporary directory), mounts them with ti_route or
# ti_cgi_route, starts a web server with ti_nginx or ti_lighttpd on
# 127.0.0.1 and a free port, drives it with ti_request (curl) and checks
# the answer with the ti_expect_* assertions.  ti_done prints the tally
# and gives the exit status.  A trap stops only the processes this file
# started and removes the temporary directory.  A missing server binary
# makes the test exit 77, automake's "skipped".
#
# Sourcing the file only defines: its functions, lib_servers.sh's (the
# example configurations', ts_*) and $here, the case's folder (unless
# set); tools/dev-up.sh uses the configuration writers (ti_nginx_conf)
# for its own long-lived run.  ti_init NEEDS... skips (77) unless the
# programs named are installed.

# Where the sources and the built programs are.  `make check` exports
# both (AM_TESTS_ENVIRONMENT); run by hand, the script's ../.. is the
# source tree, and the build is there or in build/.
ti_find_tree()
{
	local here

	here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	: "${top_srcdir:=$here}"
	if [ -z "${top_builddir:-}" ]; then
		if [ -x "$top_srcdir/cgi-bin/verify" ]; then
			top_builddir=$top_srcdir
		else
			top_builddir=$top_srcdir/build
		fi
	fi
	export top_srcdir top_builddir
	AUTHCTL=$top_builddir/src/authctl
}

ti_skip()
{
	echo "SKIP: $*"
	exit 77
}

# ti_need BINARY...: skip the test unless every binary is on PATH (or in
# /usr/sbin, where Debian puts the servers).
ti_need()
{
	local b

	for b in "$@"; do
		command -v "$b" >/dev/null 2>&1 ||
		    [ -x "/usr/sbin/$b" ] || ti_skip "$b not installed"
	done
}

ti_bin()
{
	if command -v "$1" >/dev/null 2>&1; then
		command -v "$1"
	else
		echo "/usr/sbin/$1"
	fi
}

# ti_init: temporary directory, trap, counters.  Sets T.
ti_init()
{
	ti_find_tree
	ti_need curl spawn-fcgi "$@"
	[ -x "$top_builddir/cgi-bin/verify" ] ||
	    { echo "no build in $top_builddir (set top_builddir)"; exit 99; }
	T=$(mktemp -d "${TMPDIR:-/tmp}/ac-it.XXXXXX") || exit 99
	TI_PIDS=
	TI_ROUTES=
	TI_PASS=0
	TI_FAIL=0
	TI_CASE=
	TI_PORT=
	# Servers started here name themselves with this, so a port that
	# another test's server took in the meantime is noticed.
	TI_RUNID=$(basename "$T")
	trap ti_cleanup EXIT
	trap 'exit 130' INT TERM
	_ti_py_start
}

# Stop only what we started: spawned programs and the web server.
ti_cleanup()
{
	local p n

	for p in $TI_PIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	for n in 1 2 3 4 5 6 7 8 9 10; do
		for p in $TI_PIDS; do
			kill -0 "$p" 2>/dev/null && break
			p=
		done
		[ -z "$p" ] && break
		sleep 0.1
	done
	for p in $TI_PIDS; do
		kill -KILL "$p" 2>/dev/null
	done
	if [ -n "${TI_KEEP:-}" ]; then
		echo "kept $T"
	elif [ -n "${T:-}" ] && [ -d "$T" ]; then
		rm -rf "$T"
	fi
}

ti_track()
{
	TI_PIDS="$TI_PIDS $*"
}

# ti_gone PID: true when PID runs no more: absent, or a zombie (state Z
# or X in /proc/PID/stat) that nobody reaps, as under an init that does
# not reap orphans, where kill -0 still succeeds.
ti_gone()
{
	local st

	[ -r "/proc/$1/stat" ] || return 0
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -z "$st" ] || [ "$st" = Z ] || [ "$st" = X ]
}

# ti_wait_gone PID [TENTHS]: waits until ti_gone PID, at most TENTHS
# tenths of a second (default 50); false if it still runs then.
ti_wait_gone()
{
	local i=0

	until ti_gone "$1"; do
		[ "$i" -ge "${2:-50}" ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
}

# ti_wait_socket PATH [TENTHS]: waits until PATH is a socket, at most
# TENTHS tenths of a second (default 100); false if it is not one then.
ti_wait_socket()
{
	local i=0

	until [ -S "$1" ]; do
		[ "$i" -ge "${2:-100}" ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
}

# ti_port: prints a port on 127.0.0.1 that nobody listens on now.
ti_port()
{
	local p i

	if [ -x /usr/bin/python3 ]; then
		/usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
		return
	fi
	for i in $(seq 1 50); do
		p=$((20000 + RANDOM % 30000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	return 1
}

# ti_config FILE NAME=VALUE...: writes a suite configuration file.
ti_config()
{
	local f=$1

	shift
	: >"$f"
	for kv in "$@"; do
		printf '%s\n' "$kv" >>"$f"
		case $kv in
		*SECRET=*|*PASSWORD=*) ti_secret "${kv#*=}" ;;
		esac
	done
}

# ti_key FILE [ALG]: a fresh key made by authctl keygen.
ti_key()
{
	"$AUTHCTL" keygen --alg "${2:-HS256}" --out "$1" >/dev/null 2>&1 ||
	    { echo "authctl keygen failed"; exit 99; }
	case ${2:-HS256} in
	HS*) ti_secret "$(cat "$1")" ;;
	esac
}

# ti_issue CONFIG ARGS...: prints a token from authctl issue.
ti_issue()
{
	local conf=$1 tok rc

	shift
	tok=$(AUTH_CONFIG=$conf "$AUTHCTL" issue "$@")
	rc=$?
	ti_secret "$tok"
	printf '%s\n' "$tok"
	return $rc
}

# ti_secret VALUE...: remembers values no log may hold (tokens, refresh
# tokens, passwords, secrets); ti_done looks for them in the programs'
# logs.  ti_request, ti_issue, ti_key and ti_config call it themselves.
ti_secret()
{
	local v

	for v in "$@"; do
		[ ${#v} -ge 12 ] && [ -n "${T:-}" ] && [ -d "$T" ] &&
		    printf '%s\n' "$v" >>"$T/.secrets"
	done
	return 0
}

# The values of a request's arguments and of its answer worth keeping
# out of logs: bearer tokens, cookies, passwords, refresh tokens, client
# secrets.  Every ti_request runs these, thousands a test: plain bash,
# no process (but base64 for a Basic credential), each value appended to
# the array _TI_SV.
# _ti_sv_json TEXT KEYS: the string values of the JSON members KEYS (an
# alternation) in TEXT.
_ti_sv_json()
{
	local s=$1 re='"('"$2"')" *: *"([^"]+)"'

	while [[ $s =~ $re ]]; do
		_TI_SV+=("${BASH_REMATCH[2]}")
		s=${s#*"${BASH_REMATCH[0]}"}
	done
}
ti_secrets_of()
{
	local a prev= v part
	local -a parts

	for a in "$@"; do
		case $a in
		[Aa]uthorization:\ [Bb]earer\ *)
			_TI_SV+=("${a#*[Bb]earer }") ;;
		[Aa]uthorization:\ [Bb]asic\ *)
			v=$(printf '%s' "${a#*[Bb]asic }" | base64 -d 2>/dev/null)
			[[ $v == *:* ]] && _TI_SV+=("${v#*:}") ;;
		[Cc]ookie:*)
			IFS=';' read -r -a parts <<<"${a#*:}"
			for part in "${parts[@]}"; do
				part=${part#"${part%%[! ]*}"}
				[[ $part == *=* ]] && _TI_SV+=("${part#*=}")
			done ;;
		esac
		case $prev in
		-u|--user)
			_TI_SV+=("${a#*:}") ;;
		-d|--data|--data-raw|--data-urlencode)
			[[ $a == *\"* ]] && _ti_sv_json "$a" \
			    'password|refreshToken|refresh_token|token|newPassword|currentPassword'
			IFS='&' read -r -a parts <<<"$a"
			for part in "${parts[@]}"; do
				case $part in
				password=*|refresh_token=*|token=*|client_secret=*)
					_TI_SV+=("${part#*=}") ;;
				esac
			done ;;
		esac
		prev=$a
	done
}

# ti_secrets_of_answer: the tokens of the last answer's body and the
# cookies it sets ($T/last.body; the header lines in _TI_HL).
ti_secrets_of_answer()
{
	local body= line re='^[Ss]et-[Cc]ookie: *[^=]*=([^;]*)'

	IFS= read -r -d '' body 2>/dev/null <"$T/last.body"
	[[ $body == *[Tt]oken\"* ]] && _ti_sv_json "$body" \
	    'accessToken|refreshToken|access_token|refresh_token'
	for line in "${_TI_HL[@]}"; do
		[[ $line =~ $re ]] && _TI_SV+=("${BASH_REMATCH[1]}")
	done
	return 0
}

# ti_spawn NAME PROGRAM [PROCESSES [THREADS]]: starts PROGRAM under
# spawn-fcgi on $T/NAME.sock with AUTH_CONFIG from the environment.
# spawn-fcgi points a forked child's stdout and stderr at /dev/null, so a
# shell that execs the program (same pid) sends stderr to $T/NAME.log.
ti_spawn()
{
	local name=$1 prog=$2 n=${3:-1} sock i

	sock=$T/$name.sock
	rm -f "$sock" "$T/$name.pid"
	spawn-fcgi -s "$sock" -F "$n" -P "$T/$name.pid" -- \
	    /bin/sh -c 'exec "$0" "$@" 2>>"'"$T/$name.log"'"' "$prog" \
	    >>"$T/spawn-fcgi.log" 2>&1 ||
	    { cat "$T/spawn-fcgi.log"; echo "spawn-fcgi $prog failed"; exit 99; }
	ti_track $(cat "$T/$name.pid")
	# spawn-fcgi returns once the children exist; let them get past
	# start-up and make sure none refused to start.
	for i in 1 2 3 4 5 6 7 8 9 10; do
		grep -q 'event=start' "$T/$name.log" 2>/dev/null &&
		    [ "$(grep -c 'event=start' "$T/$name.log")" -ge "$n" ] &&
		    break
		sleep 0.1
	done
	for i in $(cat "$T/$name.pid"); do
		kill -0 "$i" 2>/dev/null ||
		    { cat "$T/$name.log"; echo "$prog exited"; exit 99; }
	done
	eval "TI_NPROC_$name=\$n TI_NTHR_$name=\${4:-4}"
	eval "TI_PROG_$name=\${prog##*/}"
}

# ti_route PREFIX NAME: the server sends paths under PREFIX to the
# FastCGI program NAME.  ti_cgi_route PREFIX FILE: runs FILE as plain CGI
# (lighttpd only).  Longer prefixes win, as in nginx and lighttpd.
ti_route()
{
	TI_ROUTES="$TI_ROUTES$1 fcgi $2
"
}

ti_cgi_route()
{
	TI_ROUTES="$TI_ROUTES$1 cgi $2
"
}

# ti_keepalive NAME: idle FastCGI connections a server may keep to NAME.
# The engine serves any number of connections per process, so this is
# only what the server keeps.
ti_keepalive()
{
	echo 16
}

# The FastCGI programs named in TI_ROUTES, each once.
ti_fcgi_names()
{
	echo "$TI_ROUTES" | awk '$2 == "fcgi" { print $3 }' | sort -u
}

# ti_nginx_head DIR: prints the start of an nginx.conf that keeps
# everything (pid, logs, temporary files) in DIR, up to and with the
# opening of the http block; the caller adds servers and closes it.
# The one nginx.conf writer of the tests (ti_nginx_conf, lib_servers.sh's
# ts_nginx) and of tools/dev-up.sh.
ti_nginx_head()
{
	local d=$1 t

	mkdir -p "$d/nginx-tmp"
	echo "worker_processes 1;"
	echo "daemon off;"
	echo "pid $d/nginx.pid;"
	echo "error_log $d/nginx-error.log info;"
	[ "$(id -u)" = 0 ] && echo "user root;"
	# Room for many idle or slow clients (Debian's default is 768).
	echo "worker_rlimit_nofile 8192;"
	echo "events { worker_connections 4096; }"
	echo "http {"
	echo "	access_log $d/nginx-access.log;"
	for t in client_body fastcgi proxy uwsgi scgi; do
		echo "	${t}_temp_path $d/nginx-tmp/$t;"
	done
}

# ti_nginx_conf DIR PORT: writes DIR/nginx.conf for the routes in
# TI_ROUTES (sockets DIR/NAME.sock) listening on 127.0.0.1:PORT.
ti_nginx_conf()
{
	local d=$1 port=$2 prefix kind name

	{
		ti_nginx_head "$d"
		# Front-end limits (as etc/nginx/jwt-auth.conf; ti_nginx_head
		# gives nginx room for many idle or slow clients): short header
		# and body timeouts (TI_CLIENT_TIMEOUT, 10 s), requests in
		# progress per address capped (TI_CONN_PER_ADDR, 512).
		echo "	client_header_timeout ${TI_CLIENT_TIMEOUT:-10}s;"
		echo "	client_body_timeout ${TI_CLIENT_TIMEOUT:-10}s;"
		echo "	send_timeout 10s;"
		echo "	keepalive_timeout 30s;"
		echo "	reset_timedout_connection on;"
		echo "	limit_conn_zone \$binary_remote_addr zone=peraddr:1m;"
		echo "	limit_conn peraddr ${TI_CONN_PER_ADDR:-512};"
		echo "	limit_conn_status 429;"
		echo "	default_type application/octet-stream;"
		echo "	server_tokens off;"
		for name in $(ti_fcgi_names); do
			echo "	upstream u_$name {"
			echo "		server unix:$d/$name.sock;"
			echo "		keepalive $(ti_keepalive "$name");"
			echo "	}"
		done
		echo "	server {"
		echo "		listen 127.0.0.1:$port;"
		echo "		server_name localhost;"
		[ -n "${TI_RUNID:-}" ] &&
		    echo "		add_header X-Test-Run $TI_RUNID always;"
		echo "$TI_ROUTES" | while read -r prefix kind name; do
			[ "$kind" = fcgi ] || continue
			echo "		location $prefix {"
			echo "			include $d/fastcgi.params;"
			echo "			fastcgi_pass u_$name;"
			echo "			fastcgi_keep_conn on;"
			echo "		}"
		done
		# More of the server block (tools/dev-up.sh: the session page).
		[ -n "${TI_NGINX_SERVER_EXTRA:-}" ] &&
		    printf '%s\n' "$TI_NGINX_SERVER_EXTRA"
		echo "	}"
		echo "}"
	} >"$d/nginx.conf"
	cat >"$d/fastcgi.params" <<'EOF'
fastcgi_param GATEWAY_INTERFACE CGI/1.1;
fastcgi_param SERVER_SOFTWARE nginx;
fastcgi_param SERVER_PROTOCOL $server_protocol;
fastcgi_param SERVER_NAME $server_name;
fastcgi_param SERVER_ADDR $server_addr;
fastcgi_param SERVER_PORT $server_port;
fastcgi_param REMOTE_ADDR $remote_addr;
fastcgi_param REMOTE_PORT $remote_port;
fastcgi_param REQUEST_METHOD $request_method;
fastcgi_param REQUEST_URI $request_uri;
fastcgi_param DOCUMENT_URI $document_uri;
fastcgi_param SCRIPT_NAME $fastcgi_script_name;
fastcgi_param QUERY_STRING $query_string;
fastcgi_param CONTENT_TYPE $content_type;
fastcgi_param CONTENT_LENGTH $content_length;
fastcgi_param HTTPS $https if_not_empty;
EOF
}

# ti_lighttpd_conf DIR PORT: the same for lighttpd (mod_fastcgi, and
# mod_cgi for ti_cgi_route).  AUTH_CONFIG reaches CGI programs through
# mod_setenv, since mod_cgi passes no server environment on.
ti_lighttpd_conf()
{
	local d=$1 port=$2 prefix kind name

	mkdir -p "$d/www" "$d/lighttpd-tmp"
	{
		echo "server.document-root = \"$d/www\""
		echo "server.bind = \"127.0.0.1\""
		echo "server.port = $port"
		echo "server.errorlog = \"$d/lighttpd-error.log\""
		echo "server.upload-dirs = ( \"$d/lighttpd-tmp\" )"
		echo "server.modules = ( \"mod_setenv\", \"mod_alias\", \"mod_fastcgi\", \"mod_cgi\" )"
		echo "server.tag = \"\""
		echo "setenv.set-environment = ( \"AUTH_CONFIG\" => \"${AUTH_CONFIG:-}\" )"
		[ -n "${TI_RUNID:-}" ] &&
		    echo "setenv.add-response-header = ( \"X-Test-Run\" => \"$TI_RUNID\" )"
		echo "fastcgi.server = ("
		echo "$TI_ROUTES" | while read -r prefix kind name; do
			[ "$kind" = fcgi ] || continue
			echo "	\"$prefix\" => (( \"socket\" => \"$d/$name.sock\","
			echo "	    \"check-local\" => \"disable\" )),"
		done
		echo ")"
		echo "$TI_ROUTES" | while read -r prefix kind name; do
			[ "$kind" = cgi ] || continue
			echo "alias.url += ( \"$prefix\" => \"$name\" )"
			echo "\$HTTP[\"url\"] =^ \"$prefix\" {"
			echo "	cgi.assign = ( \"\" => \"\" )"
			echo "}"
		done
	} >"$d/lighttpd.conf"
}

# Wait until the server answers HTTP on the port (naming itself with
# TI_RUNID when that is set), or the pid dies.
ti_wait_http()
{
	local pid=$1 i

	for i in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || return 1
		if curl -s -o /dev/null -D "$T/wait.headers" --max-time 1 \
		    "http://127.0.0.1:$TI_PORT/"; then
			[ -z "${TI_RUNID:-}" ] && return 0
			grep -qi "^X-Test-Run: $TI_RUNID" "$T/wait.headers" &&
			    return 0
		fi
		sleep 0.1
	done
	return 1
}

# ti_serve NAME CONFIGURE WAIT COMMAND...: starts a web server in the
# foreground of a background job (its pid is ours to stop: TI_SERVER_PID),
# the one start-up of every server the tests run.  A port taken between
# ti_port and bind gets another try: each of three takes a new TI_PORT,
# evaluates CONFIGURE (which writes the configuration for it), runs
# COMMAND... (output to $T/NAME-stdout.log) and WAIT PID until it
# answers.  When no try works: $T/NAME-error.log, $T/NAME-stdout.log,
# exit 99.
ti_serve()
{
	local name=$1 configure=$2 wait=$3 try

	shift 3
	for try in 1 2 3; do
		TI_PORT=$(ti_port)
		eval "$configure"
		"$@" >>"$T/$name-stdout.log" 2>&1 &
		TI_SERVER_PID=$!
		ti_track "$TI_SERVER_PID"
		"$wait" "$TI_SERVER_PID" && return 0
		kill -TERM "$TI_SERVER_PID" 2>/dev/null
	done
	cat "$T/$name-error.log" "$T/$name-stdout.log" 2>/dev/null
	echo "$name did not start"
	exit 99
}

# ti_serve_aside NAME WAIT COMMAND...: ti_serve for a server beside the
# web server under test (a JWKS provider, the assets of a page, Better
# Auth): its port in TI_ASIDE_PORT, TI_PORT left as it was.  COMMAND (a
# function, say) and WAIT find the new port in TI_PORT while it starts.
ti_serve_aside()
{
	local port=${TI_PORT:-}

	ti_serve "$1" : "${@:2}"
	TI_ASIDE_PORT=$TI_PORT
	TI_PORT=$port
}

# ti_http_dir NAME DIR: Python's http.server serving DIR beside the
# server under test (ti_serve_aside; its requests logged in
# $T/NAME-stdout.log).
ti_http_dir()
{
	ti_serve_aside "$1" ts_wait _ti_http_dir "$2"
}

_ti_http_dir()
{
	exec /usr/bin/python3 -m http.server "$TI_PORT" --bind 127.0.0.1 \
	    --directory "$1"
}

# ti_group NAME COMMAND...: a group of programs behind an nginx of its
# own in $T/NAME (a host of a multi-host test): COMMAND..., run with T
# pointing there and no routes yet, spawns and routes them (ti_spawn,
# ti_route); then ti_nginx.  The group's port in PORT_NAME.
ti_group()
{
	local name=$1 top=$T

	shift
	mkdir -p "$T/$name"
	T=$T/$name
	TI_ROUTES=
	"$@"
	ti_nginx
	eval "PORT_$name=\$TI_PORT"
	T=$top
}

# ti_nginx / ti_lighttpd: the server with ti_nginx_conf's or
# ti_lighttpd_conf's configuration (ti_serve).
ti_nginx()
{

	ti_need nginx
	ti_serve nginx 'ti_nginx_conf "$T" "$TI_PORT"' ti_wait_http \
	    "$(ti_bin nginx)" -p "$T" -c "$T/nginx.conf" \
	    -e "$T/nginx-error.log"
}

ti_lighttpd()
{

	ti_need lighttpd
	ti_serve lighttpd 'ti_lighttpd_conf "$T" "$TI_PORT"' ti_wait_http \
	    "$(ti_bin lighttpd)" -D -f "$T/lighttpd.conf"
}

# ti_request LABEL PATH [CURL ARGS...]: one request.  Sets TI_CASE,
# TI_STATUS, and files $T/last.headers (CRs removed) and $T/last.body.
# Every answer is also checked against the OpenAPI document
# (ti_openapi_check).
ti_request()
{
	TI_CASE=$1
	shift
	local path=$1 a m= prev=

	shift
	# curl writes no file for an empty body: not the last answer's.
	: >"$T/last.body"
	TI_STATUS=$(curl -sS --max-time 10 -o "$T/last.body" \
	    -D "$T/last.raw" -w '%{http_code}' "$@" \
	    "http://127.0.0.1:$TI_PORT$path") || TI_STATUS=curl-failed
	# The headers without their CRs, in bash: a tr, a grep and two seds
	# a request were most of a test's time.
	_TI_HL=()
	[ -f "$T/last.raw" ] && mapfile -t _TI_HL <"$T/last.raw"
	_TI_HL=("${_TI_HL[@]%$'\r'}")
	if [ ${#_TI_HL[@]} -gt 0 ]; then
		printf '%s\n' "${_TI_HL[@]}" >"$T/last.headers"
	else
		: >"$T/last.headers"
	fi
	_TI_SV=()
	ti_secrets_of "$@"
	ti_secrets_of_answer
	[ ${#_TI_SV[@]} -eq 0 ] || ti_secret "${_TI_SV[@]}"
	# The method curl used: -X, else HEAD for -I, POST for a body.
	prev=
	for a in "$@"; do
		case $prev in -X|--request) m=$a ;; esac
		case $a in
		-X?*) m=${a#-X} ;;
		-I|--head) : "${m:=HEAD}" ;;
		-d|--data*|-F|--form|--json) : "${m:=POST}" ;;
		-T|--upload-file) : "${m:=PUT}" ;;
		esac
		prev=$a
	done
	ti_openapi_check "${m:-GET}" "$path"
}

# ti_openapi_check METHOD PATH: checks the last answer ($TI_STATUS,
# $T/last.headers, $T/last.body) against src/openapi.json, in the
# evaluator below (openapi_check.py; no Python is started per request).
# ti_request calls it; a test that runs curl itself on an API route may
# call it after filling those.  A mismatch is printed at once and
# counted as a failed check by ti_done (from any subshell).
#
# What is checked: the path (less a mount point listed in TI_MOUNTS:
# AUTH_BASE_PATH, a script path) is matched against the document's path
# templates (a literal segment wins over a {parameter}); a path under a
# prefix that ti_route gave to verify (or ti_cgi_route's verify), which
# answers any path and any method, is /verify's GET; etc/nginx's
# /_ops/PROGRAM/NAME is the program's /NAME.  On a documented operation the status must
# be one it documents, the Content-Type one of that response's media
# types, no body where it documents none, and a JSON body must fit the
# schema ($ref, types and nullable, required, enum, date-time and int64,
# lengths and bounds, oneOf/anyOf/allOf, additionalProperties).  HEAD is
# checked as GET without the body.  A method the path does not document
# must be answered 405 with Allow (OPTIONS: 200 or 204).  An answer
# without X-Request-Id, which every program of the suite sets, is the
# web server's own: on a documented path only its limits and gateway
# errors are allowed (400 404 408 413 414 429 431 494 500 502 503 504),
# elsewhere (pages the example configurations protect, unrouted paths)
# it is not checked.  A program's answer on a path the document does
# not describe is either the 404 of an unknown path (or an OPTIONS
# answer), whose body must be the document's ErrorBody, or verify's on a
# path the example configurations mount it at (etc/: auth_request, the
# FastCGI Authorizer), checked as /verify's; a body there that is not
# JSON is the protected content or the server's page after an
# Authorizer's answer (whose headers Apache and lighttpd pass on), not
# checked.  A failed curl is not checked.
ti_openapi_check()
{
	local LC_ALL=C q mounts= prefix kind name prog n v= path=$2 b

	[ -n "${TI_PY_W:-}" ] || return 0
	# The suite mounted under a prefix (AUTH_BASE_PATH, a script path):
	# TI_MOUNTS lists them; the document describes the paths below.
	for b in ${TI_MOUNTS:-}; do
		case $path in "$b"/*|"$b"|"$b"\?*) path=${path#"$b"}
			path=${path:-/}; break ;; esac
	done
	# verify's mounts: the prefixes ti_route gave a program named
	# verify, and a verify in a folder ti_cgi_route runs.
	while read -r prefix kind name; do
		case $kind in
		fcgi)	eval "prog=\${TI_PROG_$name:-}"
			[ "$prog" = verify ] && mounts="$mounts $prefix" ;;
		cgi)	[ -f "${name%/}/verify" ] &&
			    mounts="$mounts ${prefix%/}/verify" ;;
		esac
	done <<<"$TI_ROUTES"
	q=$'\x1f'oas$'\x1f'$top_srcdir/tests/integration$'\x1f'$top_srcdir/src/openapi.json$'\x1f'$1$'\x1f'$path$'\x1f'$TI_STATUS$'\x1f'$mounts
	printf '%d\n%s%d\n%s' "${#T}" "$T" "${#q}" "$q" >&"$TI_PY_W" &&
	    read -r n <&"$TI_PY_R" || return 0
	[ "$n" -eq 0 ] && return 0
	read -r -N "$n" v <&"$TI_PY_R"
	printf '%s\t%s\n' "$TI_CASE" "$v" >>"$T/.openapi.fail"
	{
		echo "FAIL [$TI_CASE] answer against src/openapi.json: $v"
		sed 's/^/  < /' "$T/last.headers" 2>/dev/null
		echo "  body: $(head -c 600 "$T/last.body" 2>/dev/null)"
	} >&2
}

ti_pass()
{
	TI_PASS=$((TI_PASS + 1))
}

# ti_fail WHAT EXPECTED GOT: prints the failure with the last answer.
ti_fail()
{
	TI_FAIL=$((TI_FAIL + 1))
	{
		echo "FAIL [$TI_CASE] $1"
		echo "  expected: $2"
		echo "  got:      $3"
		echo "  status:   ${TI_STATUS:-}"
		sed 's/^/  < /' "$T/last.headers" 2>/dev/null
		echo "  body: $(head -c 2000 "$T/last.body" 2>/dev/null)"
	} >&2
}

ti_expect_status()
{
	if [ "$TI_STATUS" = "$1" ]; then
		ti_pass
	else
		ti_fail status "$1" "$TI_STATUS"
	fi
}

# ti_expect_status_4xx: any client error, for limits the server enforces.
ti_expect_status_4xx()
{
	case $TI_STATUS in
	4??) ti_pass ;;
	*) ti_fail status 4xx "$TI_STATUS" ;;
	esac
}

# _ti_hdr NAME: finds the first header NAME (any case) of the last
# answer; sets _TI_HV to its value, leading blanks removed, and returns 0,
# or returns 1.  Plain bash, no process: a test makes thousands of these
# checks, and a grep or awk for each was a good part of its time.
_ti_hdr()
{
	local n=${1,,} line k

	_TI_HV=
	[ -f "$T/last.headers" ] || return 1
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line%$'\r'}
		[[ $line == *:* ]] || continue
		k=${line%%:*}
		if [ "${k,,}" = "$n" ]; then
			_TI_HV=${line#*:}
			_TI_HV=${_TI_HV#"${_TI_HV%%[!$' \t']*}"}
			return 0
		fi
	done <"$T/last.headers"
	return 1
}

# ti_header NAME: prints the value of the last answer's header NAME.
ti_header()
{
	_ti_hdr "$1" && printf '%s\n' "$_TI_HV"
	return 0
}

# ti_expect_header NAME ERE: the header exists and matches ERE.
ti_expect_header()
{
	if _ti_hdr "$1" && [[ $_TI_HV =~ $2 ]]; then
		ti_pass
	elif _ti_hdr "$1"; then
		ti_fail "header $1" "/$2/" "$_TI_HV"
	else
		ti_fail "header $1" "/$2/" "<absent>"
	fi
}

# ti_expect_no_header NAME [ERE]: the header is absent (or does not
# match ERE).
ti_expect_no_header()
{
	if ! _ti_hdr "$1"; then
		ti_pass
	elif [ $# -ge 2 ] && ! [[ $_TI_HV =~ $2 ]]; then
		ti_pass
	else
		ti_fail "header $1" "no ${2:-header}" "$_TI_HV"
	fi
}

# The evaluator of ti_json: one Python for the whole test, fed through
# two FIFOs (a Python started per check cost more than the rest of the
# check).  A request is "LEN\nPATH LEN\nEXPR" (lengths in bytes), an
# answer "LEN\nTEXT".  It is not a child of the test's shell, so a test's
# bare `wait` does not wait for it; it ends when the test's shell does
# (end of file on its input).
TI_PY_EVAL='import json, sys
def value(path, expr):
	try:
		j = json.load(open(path))
	except Exception:
		return "<invalid json>"
	try:
		v = eval(expr, {"j": j})
	except Exception as e:
		v = "<%s>" % type(e).__name__
	return json.dumps(v) if not isinstance(v, str) else v
oas = None
def answer(path, expr):
	global oas
	if not expr.startswith("\x1foas\x1f"):
		return value(path, expr)
	a = expr.split("\x1f")
	try:
		if oas is None:
			sys.dont_write_bytecode = True
			sys.path.insert(0, a[2])
			import openapi_check as oas
		return oas.check(a[3], a[4], a[5], a[6], path + "/last.headers",
		    path + "/last.body", a[7])
	except Exception as e:
		return "openapi_check: %s: %s" % (type(e).__name__, e)
def field(f):
	n = f.readline()
	if not n.strip():
		sys.exit(0)
	return f.read(int(n)).decode("utf-8", "surrogateescape")
i, o = sys.stdin.buffer, sys.stdout.buffer
while True:
	path = field(i)
	expr = field(i)
	b = answer(path, expr).encode("utf-8", "surrogateescape")
	o.write(b"%d\n" % len(b) + b)
	o.flush()'

# _ti_py_start: starts the evaluator (from ti_init, so that every
# subshell of the test inherits its descriptors).
_ti_py_start()
{
	TI_PY_W=
	[ -x /usr/bin/python3 ] || return 0
	mkfifo "$T/.py.in" "$T/.py.out" || return 0
	( /usr/bin/python3 -c "$TI_PY_EVAL" <"$T/.py.in" >"$T/.py.out" \
	    2>/dev/null & )
	exec {TI_PY_W}>"$T/.py.in" {TI_PY_R}<"$T/.py.out"
}

# ti_json EXPR: evaluates a Python expression over the body parsed as
# JSON (bound to j) and prints the result; "<invalid json>" otherwise.
ti_json()
{
	local LC_ALL=C path=$T/last.body n v=

	# One question at a time: never from two background jobs at once
	# (they would share $T/last.body anyway).
	if [ -n "${TI_PY_W:-}" ] &&
	    printf '%d\n%s%d\n%s' "${#path}" "$path" "${#1}" "$1" \
	    >&"$TI_PY_W" && read -r n <&"$TI_PY_R" &&
	    { [ "$n" -eq 0 ] || read -r -N "$n" v <&"$TI_PY_R"; }; then
		printf '%s\n' "$v"
		return
	fi
	/usr/bin/python3 -c "$TI_PY_EVAL" <<EOF2 | { read -r n; [ "$n" -eq 0 ] || { read -r -N "$n" v; printf '%s\n' "$v"; }; }
${#path}
$path${#1}
$1
EOF2
}

# ti_expect_json EXPR VALUE: the expression's value, printed as
# ti_json does (strings bare, the rest as JSON), equals VALUE.
ti_expect_json()
{
	local v

	v=$(ti_json "$1")
	if [ "$v" = "$2" ]; then
		ti_pass
	else
		ti_fail "json $1" "$2" "$v"
	fi
}

# ti_expect_error STATUS REASON: the JSON error envelope of DESIGN.md.
ti_expect_error()
{
	local code

	case $1 in
	400) code=BAD_REQUEST ;;
	401) code=UNAUTHORIZED ;;
	403) code=FORBIDDEN ;;
	404) code=NOT_FOUND ;;
	*) code= ;;
	esac
	ti_expect_status "$1"
	ti_expect_header Content-Type '^application/json'
	ti_expect_header Cache-Control 'no-store'
	ti_expect_json 'sorted(j.keys())' '["error"]'
	ti_expect_json 'sorted(j["error"].keys())' \
	    '["code", "details", "message", "reason"]'
	[ -n "$code" ] && ti_expect_json 'j["error"]["code"]' "$code"
	ti_expect_json 'j["error"]["reason"]' "$2"
	ti_expect_json 'isinstance(j["error"]["message"], str) and len(j["error"]["message"]) > 0' true
	case $2 in
	auth_scheme_unsupported|authorization_malformed)
		ti_expect_json 'j["error"]["details"]' \
		    '[{"field": "authorization", "message": "Must use Bearer token format"}]' ;;
	*)	ti_expect_json 'j["error"]["details"]' '[]' ;;
	esac
}

# ti_expect_true DESCRIPTION COMMAND...: a free-form check.
ti_expect_true()
{
	local what=$1

	shift
	if "$@"; then
		ti_pass
	else
		ti_fail "$what" "true" "false"
	fi
}

# ti_expect_logs_clean: no sanitizer report or crash in the logs of the
# programs and servers started here.
ti_expect_logs_clean()
{
	local hits

	TI_CASE=logs
	hits=$(cat "$T"/*.log 2>/dev/null | grep -E \
	    'AddressSanitizer|LeakSanitizer|runtime error:|Segmentation|event=serve_failed' |
	    head -20)
	if [ -z "$hits" ]; then
		ti_pass
	else
		TI_STATUS=
		: >"$T/last.headers"
		: >"$T/last.body"
		ti_fail "sanitizer or crash report in logs" "none" "$hits"
	fi
}

# ti_expect_no_secret [LOG] STRING...: the log file LOG (which must not
# be empty), or else every log in $T, holds none of the STRINGs (tokens
# and secrets never reach logs).
ti_expect_no_secret()
{
	local s logs

	TI_CASE=logs
	TI_STATUS=
	: >"$T/last.headers"
	: >"$T/last.body"
	if [ -f "$1" ]; then
		logs=$1
		shift
		if [ ! -s "$logs" ]; then
			ti_fail "log $(basename "$logs") written" non-empty empty
			return
		fi
	else
		logs=$(ls "$T"/*.log 2>/dev/null)
	fi
	for s in "$@"; do
		if [ ${#s} -lt 8 ]; then
			ti_fail "secret to look for" "8 bytes or more" "'$s'"
		elif [ -n "$logs" ] && cat $logs | grep -qF -- "$s"; then
			ti_fail "secret in logs" "absent" "${s:0:12}..."
		else
			ti_pass
		fi
	done
}

# ti_no_secret_logged: none of the values ti_secret kept is in a log of
# the programs (every *.log of $T but the web servers' access logs and
# nginx's own error log, which are not ours).
ti_no_secret_logged()
{
	local logs hit

	[ -s "$T/.secrets" ] || return 0
	logs=$(ls "$T"/*.log "$T"/*/*.log 2>/dev/null |
	    grep -vE '(access|nginx-error|nginx-stdout)\.log$')
	[ -n "$logs" ] || return 0
	sort -u "$T/.secrets" >"$T/.secrets.u"
	hit=$(grep -lF -f "$T/.secrets.u" $logs 2>/dev/null | head -3)
	TI_CASE="no secret in logs"
	TI_STATUS=
	: >"$T/last.headers"
	: >"$T/last.body"
	if [ -z "$hit" ]; then
		ti_pass
	else
		ti_fail "a token, password or secret the test used is in" \
		    "no log" "$(echo $hit) ($(grep -ohF -f "$T/.secrets.u" \
		    $hit | head -1 | cut -c1-12)...)"
	fi
}

# ti_done: prints the tally (and, on failure, the logs) and exits.
ti_done()
{
	local f

	ti_no_secret_logged
	# ti_openapi_check's mismatches, from whatever subshell they came.
	if [ -s "$T/.openapi.fail" ]; then
		TI_FAIL=$((TI_FAIL + $(wc -l <"$T/.openapi.fail")))
		sed 's/^\([^	]*\)	/FAIL [\1] answer against src\/openapi.json: /' \
		    "$T/.openapi.fail" >&2
	fi
	if [ "$TI_FAIL" -gt 0 ]; then
		for f in "$T"/*.log; do
			[ -s "$f" ] || continue
			echo "--- $(basename "$f") (last lines)"
			tail -n 20 "$f"
		done >&2
	fi
	echo "$(basename "$0"): $TI_PASS checks passed, $TI_FAIL failed"
	[ "$TI_FAIL" -eq 0 ] && [ "$TI_PASS" -gt 0 ]
	exit $?
}

# Token surgery for attack cases -------------------------------------

# ti_b64url: base64url without padding of stdin.
ti_b64url()
{
	base64 -w0 | tr '+/' '-_' | tr -d '='
}

# ti_flip_last TOKEN: the token with its last character replaced by one
# that differs in the highest bit of its 6, which always carries
# signature bits, so the result is a different signature (never the
# same bytes in another spelling).
ti_flip_last()
{
	local tok=$1 a=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_
	local c=${1: -1} i rest

	rest=${a%%"$c"*}
	i=${#rest}
	printf '%s%s\n' "${tok%?}" "${a:$(( i ^ 32 )):1}"
}

# ti_auth_setup DATABASE_URL [NAME=value ...]: a case around refresh: a
# signing key, auth.conf (mode 0600, named by AUTH_CONFIG) with the key,
# the database, cookies for plain http and the settings given, and the
# database migrated.  Password hashes use 8 KiB of memory unless a
# setting given says otherwise: argon2id at the default 64 MiB costs
# about 0.1 s of CPU per login, signup and user add, and these cases test
# what a login does, not its cost (engine_overload.sh keeps the default,
# where the cost is the point).
ti_auth_setup()
{
	local db=$1 kv hashmem=AUTH_PASSWORD_HASH_MEMORY_KIB=8

	shift
	[ -x "$top_builddir/cgi-bin/refresh" ] ||
	    { echo "no cgi-bin/refresh"; exit 99; }
	for kv in "$@"; do
		case $kv in AUTH_PASSWORD_HASH_MEMORY_KIB=*) hashmem= ;; esac
	done
	ti_key "$T/jwt.key"
	ti_config "$T/auth.conf" "JWT_SECRET_FILE=$T/jwt.key" \
	    "DATABASE_URL=$db" "AUTH_COOKIE_SECURE=false" ${hashmem:+"$hashmem"} \
	    "$@"
	chmod 600 "$T/auth.conf"
	export AUTH_CONFIG=$T/auth.conf
	"$AUTHCTL" db migrate >/dev/null || { echo "migrate failed"; exit 99; }
}

# ti_user EMAIL PASSWORD: adds a user with authctl.
ti_user()
{
	echo "$2" | "$AUTHCTL" user add "$1" >/dev/null ||
	    { echo "user add $1 failed"; exit 99; }
}

# ti_totp SECRET STEPS: the TOTP code (RFC 6238: SHA-1, 6 digits, 30 s)
# of SECRET at now + STEPS steps, as an authenticator app computes it.
# SECRET is base32, or an otpauth:// URI whose secret= it takes.
ti_totp()
{
	/usr/bin/python3 -c '
import base64, hmac, hashlib, struct, sys, time, urllib.parse
s = sys.argv[1]
if s.startswith("otpauth:"):
    s = urllib.parse.parse_qs(urllib.parse.urlparse(s).query)["secret"][0]
k = base64.b32decode(s.upper() + "=" * (-len(s) % 8))
c = int(time.time()) // 30 + int(sys.argv[2])
h = hmac.new(k, struct.pack(">Q", c), hashlib.sha1).digest()
o = h[19] & 15
print("%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7fffffff) % 1000000))' "$1" "$2"
}

# ti_need_node: skips (77) without Node.js 20 or later and npm.
ti_need_node()
{
	command -v node >/dev/null 2>&1 || ti_skip "node (Node.js) not installed"
	command -v npm >/dev/null 2>&1 || ti_skip "npm not installed"
	node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
	    ti_skip "Node.js 20 or later is needed, found $(node --version)"
}

# ti_npm_ci NAME DIR SECONDS [VAR=VALUE...]: the packages DIR/package.json
# and DIR/package-lock.json lock, installed with npm ci (no scripts, the
# variables given in its environment) on first use into a cache outside
# the tree, ${TMPDIR:-/tmp}/ac-NAME.UID/HASH: one directory per lock
# file, named by its hash, made under a lock and renamed into place once
# complete, so concurrent runs share it safely.  Sets TI_NPM_MODULES to
# its node_modules.  Skips (77) when the install fails or takes longer
# than SECONDS (the registry unreachable).
ti_npm_ci()
{
	local name=$1 src=$2 secs=$3 cache hash dir tmp

	shift 3
	cache=${TMPDIR:-/tmp}/ac-$name.$(id -u)
	hash=$(cat "$src/package.json" "$src/package-lock.json" |
	    sha256sum | cut -c1-16)
	dir=$cache/$hash
	TI_NPM_MODULES=$dir/node_modules
	[ -f "$dir/.installed" ] && return 0
	mkdir -p "$cache" && chmod 700 "$cache" ||
	    ti_skip "cannot make the npm cache directory $cache"
	[ -O "$cache" ] || ti_skip "$cache belongs to another user"
	exec 9>"$cache/lock"
	flock 9
	if [ ! -f "$dir/.installed" ]; then
		echo "installing $src's packages with npm ci into $dir"
		tmp=$(mktemp -d "$cache/tmp.XXXXXX") || ti_skip "mktemp failed"
		cp "$src/package.json" "$src/package-lock.json" "$tmp/"
		if ! (cd "$tmp" && env "$@" timeout "$secs" npm ci --no-audit \
		    --no-fund --ignore-scripts --fetch-retries=1) \
		    >"$T/npm.out" 2>&1; then
			tail -n 15 "$T/npm.out"
			rm -rf "$tmp"
			ti_skip "npm ci in $src failed (registry unreachable?)"
		fi
		rm -rf "$dir"
		mv "$tmp" "$dir"
		touch "$dir/.installed"
	fi
	exec 9>&-
}

# A case sources lib.sh only: where it lives ($here) and the example
# configurations' helpers (ts_*, lib_servers.sh) come with it.
here=${here:-$(dirname "$0")}
. "$(dirname "${BASH_SOURCE[0]}")/lib_servers.sh"
