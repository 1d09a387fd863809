#!/bin/bash
# log_dest.sh: AUTH_LOG, where the lines go when spawn-fcgi has pointed a
# program's stderr at /dev/null (as it does for `spawn-fcgi -s SOCK --
# refresh`, the man pages' way, no shell around it).
#
# 1. AUTH_LOG=FILE: refresh (two workers) under plain spawn-fcgi writes
#    its start, request and audit lines to the file (mode 0640); after
#    `mv` (logrotate) and SIGHUP to the program, a new file is made, both
#    workers write to it, and the old one gets nothing more.  A file that
#    cannot be opened refuses to start, saying why.
# 2. syslog: a real receiver (a Python unix datagram socket) at /dev/log
#    in a mount namespace of the test's own (unshare -m: a tmpfs /dev with
#    null, zero, random and urandom bound in, /dev/log a link to the
#    receiver), so nothing of the host changes.  Without AUTH_LOG, stderr
#    being /dev/null, the lines go to syslog; the <PRI> field says daemon
#    for request and start lines (<30> info, <28> warning) and authpriv
#    for audit lines (<86>).  AUTH_LOG=syslog with stderr open to a file
#    sends them to syslog and not to the file.
# Each instance is mounted under its own prefix (AUTH_BASE_PATH).
. "$(dirname "$0")/lib.sh"

ti_init nginx
ti_auth_setup "$T/auth.db" LOG_LEVEL=info
ti_user alice@example.com pw-of-alice-123

# wait_for FILE PATTERN [N]: until FILE holds N (1) lines matching the
# extended regular expression PATTERN; 1 after 10 s.
wait_for()
{
	local i

	for i in $(seq 1 100); do
		[ "$(grep -cE "$2" "$1" 2>/dev/null)" -ge "${3:-1}" ] && return 0
		sleep 0.1
	done
	return 1
}

# spawn NAME PREFIX-COMMAND...: spawn-fcgi -s $T/NAME.sock -P $T/NAME.pid
# -- refresh (or the command in the array PROG), run by PREFIX-COMMAND
# (env ..., unshare ...); waits for the socket.
PROG=("$top_builddir/cgi-bin/refresh")
spawn()
{
	local name=$1

	shift
	rm -f "$T/$name.sock" "$T/$name.pid"
	"$@" spawn-fcgi -s "$T/$name.sock" -P "$T/$name.pid" -- \
	    "${PROG[@]}" >>"$T/spawn-fcgi.log" 2>&1 ||
	    { cat "$T/spawn-fcgi.log"; echo "spawn-fcgi failed"; exit 99; }
	ti_track "$(cat "$T/$name.pid")"
	ti_wait_socket "$T/$name.sock" && return 0
	echo "no socket $T/$name.sock"
	exit 99
}

# login PREFIX PASSWORD
login()
{
	ti_request "$1: login" "$1/api/auth/login" -X POST \
	    -H 'Content-Type: application/json' \
	    -H "Origin: http://127.0.0.1:$TI_PORT" \
	    --data "{\"email\":\"alice@example.com\",\"password\":\"$2\"}"
}

# two_logins PREFIX: a refused login (401), then alice's (200).
two_logins()
{
	login "$1" wrong-password
	ti_expect_status 401
	login "$1" pw-of-alice-123
	ti_expect_status 200
}

# workers_on FILE: every worker of the file instance has FILE open.
workers_on()
{
	local w n=0

	for w in $(ps -o pid= --ppid "$(cat "$T/file.pid")"); do
		ls -l "/proc/$w/fd" 2>/dev/null | grep -q " -> $1\$" || return 1
		n=$((n + 1))
	done
	[ "$n" -eq 2 ]
}

ti_route /f/api/auth/ file
ti_route /d/api/auth/ dflt
ti_route /s/api/auth/ sys
TI_MOUNTS="/f /d /s"
ti_nginx

# 1. AUTH_LOG=FILE -------------------------------------------------------
mkdir -p "$T/logs"
L=$T/logs/refresh.log
spawn file env AUTH_LOG="$L" AUTH_BASE_PATH=/f AUTH_WORKERS=2
ti_expect_true "both workers have the file open" workers_on "$L"
TI_CASE="AUTH_LOG=FILE"
ti_expect_true "the start line is in the file" \
    wait_for "$L" '^prog=refresh level=info event=start socket=fd0 workers=2 '
ti_expect_true "the file is mode 0640" test "$(stat -c %a "$L")" = 640
two_logins /f
TI_CASE="AUTH_LOG=FILE"
ti_expect_true "the refused login's request line" wait_for "$L" \
    '^prog=refresh level=info event=request method=POST path=/api/auth/login base=/f status=401 reason=credentials_invalid '
ti_expect_true "the audit lines of both logins" wait_for "$L" \
    '^prog=refresh level=info event=audit action=login result=(ok|credentials_invalid) ' 2

mv "$L" "$L.1"
kill -HUP "$(cat "$T/file.pid")"
ti_expect_true "after mv and SIGHUP a new file" sh -c \
    'for i in $(seq 1 100); do test -f "$0" && exit 0; sleep 0.1; done
    exit 1' "$L"
ok=0
for i in $(seq 1 100); do
	workers_on "$L" && { ok=1; break; }
	sleep 0.1
done
ti_expect_true "both workers have the new file open" test "$ok" = 1
for i in 1 2 3 4 5 6; do
	ti_request "after rotation $i" /f/api/auth/sessions
	ti_expect_status 401
done
TI_CASE="AUTH_LOG=FILE, rotated"
ti_expect_true "the later requests are in the new file" wait_for "$L" \
    'event=request method=GET path=/api/auth/sessions base=/f status=401 ' 6
ti_expect_true "and not in the old one" sh -c '! grep -q "path=/api/auth/sessions" "$0"' "$L.1"
ti_expect_true "the new file is mode 0640" test "$(stat -c %a "$L")" = 640

# A file that cannot be opened: no start, the reason on stderr (a
# program that starts anyway is stopped after 20 s: the check fails).
ti_expect_true "an AUTH_LOG that cannot be opened refuses to start" sh -c '
    AUTH_LOG="$1/nodir/x.log" timeout 20 "$2" --socket "$1/x.sock" \
    2>"$1/x.err"
    test $? = 1 && grep -q "AUTH_LOG $1/nodir/x.log: No such file" "$1/x.err" &&
    ! test -S "$1/x.sock"' _ "$T" "$top_builddir/cgi-bin/refresh"
ti_expect_true "AUTH_LOG=relative/path is refused by check-config" sh -c \
    'AUTH_LOG=logs/x.log "$0" check-config 2>&1 | grep -q "AUTH_LOG: stderr, syslog or"' \
    "$AUTHCTL"

# 2. syslog -------------------------------------------------------------
if ! unshare -m true 2>/dev/null; then
	echo "unshare -m not permitted here: syslog part skipped"
	ti_done
fi
[ -x /usr/bin/python3 ] || { echo "no python3: syslog part skipped"; ti_done; }
S=$T/syslog.txt
/usr/bin/python3 -u -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
with open(sys.argv[2], "a") as out:
    while True:
        d = s.recv(65536)
        out.write(d.decode("utf-8", "replace").rstrip("\n") + "\n")
        out.flush()
' "$T/log.sock" "$S" &
ti_track $!
for i in $(seq 1 100); do [ -S "$T/log.sock" ] && break; sleep 0.1; done
cat >"$T/ns.sh" <<EOF
#!/bin/sh
# In a mount namespace of its own: /dev with a /dev/log that is the
# test's receiver, then the command.
set -e
mkdir -p "$T/devo"
mount --bind /dev "$T/devo"
mount -t tmpfs -o mode=755 none /dev
for d in null zero random urandom; do
	: >/dev/\$d
	mount --bind "$T/devo/\$d" /dev/\$d
done
ln -s "$T/log.sock" /dev/log
exec "\$@"
EOF
chmod 755 "$T/ns.sh"

# The default: stderr is spawn-fcgi's /dev/null, so syslog.  AUTH_TYPO
# is no setting: a warning line.
spawn dflt unshare -m "$T/ns.sh" env AUTH_BASE_PATH=/d AUTH_TYPO=1
TS='[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8}'
TI_CASE="syslog by default"
ti_expect_true "start: daemon.info <30>" wait_for "$S" \
    "^<30>$TS refresh\\[[0-9]+\\]: prog=refresh level=info event=start socket=fd0 "
ti_expect_true "a warning: daemon.warning <28>" wait_for "$S" \
    "^<28>$TS refresh\\[[0-9]+\\]: prog=refresh level=warn event=config_warning "
two_logins /d
TI_CASE="syslog by default"
ti_expect_true "the refused login: daemon.info <30>" wait_for "$S" \
    "^<30>$TS refresh\\[[0-9]+\\]: prog=refresh level=info event=request method=POST path=/api/auth/login base=/d status=401 reason=credentials_invalid "
ti_expect_true "the audit lines: authpriv.info <86>" wait_for "$S" \
    "^<86>$TS refresh\\[[0-9]+\\]: prog=refresh level=info event=audit action=login result=(ok|credentials_invalid) " 2
ti_expect_true "no audit line at another facility" \
    sh -c '! grep -E "^<[0-9]+>.*event=audit" "$0" | grep -qv "^<86>"' "$S"

# AUTH_LOG=syslog with stderr open to a file: syslog, not the file.
PROG=(/bin/sh -c 'exec "$0" 2>>"$1"' "$top_builddir/cgi-bin/refresh"
    "$T/sys-stderr.log")
spawn sys unshare -m "$T/ns.sh" env AUTH_BASE_PATH=/s AUTH_LOG=syslog
login /s wrong-password
ti_expect_status 401
TI_CASE="AUTH_LOG=syslog"
ti_expect_true "the request line went to syslog" wait_for "$S" \
    "^<30>$TS refresh\\[[0-9]+\\]: prog=refresh level=info event=request method=POST path=/api/auth/login base=/s status=401 "
ti_expect_true "and not to stderr" \
    sh -c '! grep -q "event=" "$0" 2>/dev/null' "$T/sys-stderr.log"
# The same words in every destination: the file's audit line and
# syslog's, past the syslog header, the session and request ids.
ti_expect_true "the same lines in the file and in syslog" sh -c '
    a=$(grep -m1 "event=audit action=login result=ok" "$0" |
        sed "s/session=[^ ]*//; s/ rid=.*//")
    b=$(grep -m1 "event=audit action=login result=ok" "$1" |
        sed "s/^<[0-9]*>[^]]*\]: //; s/session=[^ ]*//; s/ rid=.*//")
    test -n "$a" && test "$a" = "$b"' "$L.1" "$S"
ti_done
