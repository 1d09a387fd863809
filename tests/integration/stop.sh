#!/bin/bash
# stop.sh: SIGTERM stops a FastCGI program promptly (libfcgi's own
# handler would leave threads blocked in accept(), so a stop would hang
# until the service manager's timeout), after answering what was in
# flight, and logs the stop.
. "$(dirname "$0")/lib.sh"

ti_init nginx
ti_key "$T/jwt.key"
ti_config "$T/auth.conf" "JWT_SECRET_FILE=$T/jwt.key"
AUTH_CONFIG=$T/auth.conf
export AUTH_CONFIG
ti_spawn verify "$top_builddir/cgi-bin/verify" 2
ti_route /verify verify
ti_nginx
tok=$(ti_issue "$AUTH_CONFIG" --sub stopper)
ti_request "serving before the stop" /verify -H "Authorization: Bearer $tok"
ti_expect_status 200

# gone PID: not running (absent, or a zombie waiting for its reaper).
gone()
{
	local st

	[ -r "/proc/$1/stat" ] || return 0
	st=$(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f1)
	[ "$st" = Z ] || [ "$st" = X ]
}
for p in $(cat "$T/verify.pid"); do
	kill -TERM "$p"
done
for i in $(seq 1 30); do
	all=1
	for p in $(cat "$T/verify.pid"); do
		gone "$p" || all=0
	done
	[ "$all" = 1 ] && break
	sleep 0.1
done
for p in $(cat "$T/verify.pid"); do
	ti_expect_true "process $p stopped within 3 s of SIGTERM" gone "$p"
done
ti_expect_true "each process logged its stop" \
    test "$(grep -c 'event=stop signal=15' "$T/verify.log")" -eq 2
ti_expect_logs_clean
ti_done
