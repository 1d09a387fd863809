#!/bin/sh
# jwt-auth.sh: starts (or stops) the suite's FastCGI programs under
# spawn-fcgi, one unix socket each, for a web server on the same host
# (etc/nginx, etc/lighttpd, or Apache with mod_proxy_fcgi).
#
#   jwt-auth.sh start | stop
#
# Each program is started like this (the command line to copy):
#
#   spawn-fcgi -s /run/jwt-auth/verify.sock -M 0660 -U www-data \
#       -u jwt-auth -g jwt-auth -F 2 -P /run/jwt-auth/verify.pid -- \
#       /usr/lib/cgi-bin/jwt-auth/verify
#
# -F forks that many processes; each runs AUTH_THREADS threads and holds
# that many kept connections, so size the web server's keepalive below
# processes x threads.  The programs log one line per event to stderr;
# spawn-fcgi points a child's stderr at /dev/null, so the command runs
# the program through sh with stderr sent to LOGDIR.
#
# Everything below can be set in the environment:
set -eu

: "${AUTH_CONFIG:=/etc/jwt-auth-suite/auth.conf}"	# suite configuration
: "${BINDIR:=/usr/lib/cgi-bin/jwt-auth}"	# installed programs
: "${SOCKDIR:=/run/jwt-auth}"		# sockets and pid files
: "${LOGDIR:=/var/log/jwt-auth}"	# one PROGRAM.log each
: "${PROGRAMS:=verify jwks refresh todos}"
: "${CHILDREN:=2}"			# processes per program
: "${RUN_USER-jwt-auth}"		# when started as root (empty: stay)
: "${RUN_GROUP:=jwt-auth}"
: "${SOCKET_USER:=www-data}"		# the web server's user
export AUTH_CONFIG

start()
{
	mkdir -p "$SOCKDIR" "$LOGDIR"
	for p in $PROGRAMS; do
		set -- -s "$SOCKDIR/$p.sock" -M 0660 -F "$CHILDREN" \
		    -P "$SOCKDIR/$p.pid"
		if [ "$(id -u)" = 0 ] && [ -n "$RUN_USER" ]; then
			chown "$RUN_USER:$RUN_GROUP" "$LOGDIR"
			set -- "$@" -U "$SOCKET_USER" -u "$RUN_USER" \
			    -g "$RUN_GROUP"
		fi
		rm -f "$SOCKDIR/$p.sock"
		spawn-fcgi "$@" -- /bin/sh -c \
		    'exec "$0" 2>>"$1"' "$BINDIR/$p" "$LOGDIR/$p.log"
	done
}

stop()
{
	for p in $PROGRAMS; do
		[ -f "$SOCKDIR/$p.pid" ] || continue
		# spawn-fcgi wrote one pid per line: ours, nobody else's.
		kill $(cat "$SOCKDIR/$p.pid") 2>/dev/null || :
		rm -f "$SOCKDIR/$p.pid" "$SOCKDIR/$p.sock"
	done
}

case ${1:-} in
start)	start ;;
stop)	stop ;;
*)	echo "usage: $0 start | stop" >&2; exit 2 ;;
esac
