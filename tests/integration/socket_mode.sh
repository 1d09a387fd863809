#!/bin/bash
# socket_mode.sh: a socket the program binds itself (--socket PATH or
# AUTH_SOCKET) gets AUTH_SOCKET_MODE (default 0660: owner and group, e.g.
# the web server's), whatever the umask (before, umask 000 left it 0777:
# any local user could send requests as the web server); a mode that is
# not octal, over 0777 or without read and write for the owner is a
# configuration problem.
. "$(dirname "$0")/lib.sh"

ti_init
ti_key "$T/jwt.key"
ti_config "$T/auth.conf" "JWT_SECRET_FILE=$T/jwt.key"
export AUTH_CONFIG=$T/auth.conf

# mode_of NAME UMASK [ENV...]: starts verify on $T/NAME.sock under UMASK,
# prints the socket's mode once it is listening, stops it.
mode_of() {
	local name=$1 um=$2 pid i

	shift 2
	(umask "$um"; exec env "$@" "$top_builddir/cgi-bin/verify" \
	    --socket "$T/$name.sock" 2>>"$T/$name.log") &
	pid=$!
	ti_track $pid
	for i in $(seq 1 100); do
		grep -q 'event=start' "$T/$name.log" 2>/dev/null && break
		ti_gone $pid && break
		sleep 0.1
	done
	stat -c %a "$T/$name.sock" 2>/dev/null || echo none
	kill -TERM $pid 2>/dev/null
	ti_wait_gone $pid 100
}

TI_CASE="socket mode"
m=$(mode_of loose 000)
ti_expect_true "umask 000: 660 (got $m)" test "$m" = 660
m=$(mode_of tight 077)
ti_expect_true "umask 077: 660 (got $m)" test "$m" = 660
m=$(mode_of owner 000 AUTH_SOCKET_MODE=0600)
ti_expect_true "AUTH_SOCKET_MODE=0600: 600 (got $m)" test "$m" = 600
m=$(mode_of world 077 AUTH_SOCKET_MODE=666)
ti_expect_true "AUTH_SOCKET_MODE=666: 666 (got $m)" test "$m" = 666

for bad in 0444 0999 10660 rw abc ""; do
	TI_CASE="AUTH_SOCKET_MODE='$bad'"
	AUTH_SOCKET_MODE=$bad "$AUTHCTL" check-config >"$T/check.out" 2>&1
	ti_expect_true "check-config names it" \
	    grep -q '^problem: AUTH_SOCKET_MODE' "$T/check.out"
	m=$(mode_of "bad$RANDOM" 000 AUTH_SOCKET_MODE="$bad")
	ti_expect_true "verify does not listen (got $m)" test "$m" = none
done

ti_done
