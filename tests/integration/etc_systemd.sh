#!/bin/bash
# etc_systemd.sh: the socket-activated units of etc/systemd/ pass
# `systemd-analyze verify` for each program instance (with ExecStart
# pointing at the built programs).  A copy with a misspelt key and a
# missing program must fail it, so a checker that says nothing here
# cannot pass the test.  Exit 77 without systemd-analyze.
. "$(dirname "$0")/lib.sh"

ti_init systemd-analyze
AUTH_CONFIG=/etc/jwt-auth-suite/auth.conf
TI_PORT=0
mkdir -p "$T/bin" "$T/units" "$T/bad"
cp "$top_builddir/cgi-bin/verify" "$top_builddir/cgi-bin/jwks" "$T/bin/"

# analyze CASE UNIT...: systemd-analyze verify passes them silently.
analyze()
{
	TI_CASE=$1
	TI_STATUS=
	shift
	: >"$T/last.headers"
	if systemd-analyze verify --man=no "$@" >"$T/last.body" 2>&1 &&
	    ! [ -s "$T/last.body" ]; then
		ti_pass
	else
		ti_fail "systemd-analyze verify" "silent success" \
		    "$(cat "$T/last.body")"
	fi
}

for p in verify jwks; do
	for k in socket service; do
		ts_etc "systemd/jwt-auth@.$k" "$T/units/jwt-auth@$p.$k"
	done
	analyze "units for $p" "$T/units/jwt-auth@$p.socket" \
	    "$T/units/jwt-auth@$p.service"
	ti_expect_true "ExecStart is the built program" \
	    grep -qx "ExecStart=$T/bin/%i" "$T/units/jwt-auth@$p.service"
	ti_expect_true "program listens on its socket" \
	    grep -qx "ListenStream=$T/run/%i.sock" "$T/units/jwt-auth@$p.socket"
done

sed -e 's|^Restart=|Restartt=|' -e "s|$T/bin/%i|$T/nonexistent/%i|" \
    "$T/units/jwt-auth@verify.service" >"$T/bad/jwt-auth@verify.service"
cp "$T/units/jwt-auth@verify.socket" "$T/bad/"
TI_CASE="broken copy"
if systemd-analyze verify --man=no "$T/bad/jwt-auth@verify.socket" \
    "$T/bad/jwt-auth@verify.service" >"$T/last.body" 2>&1; then
	ti_fail "systemd-analyze verify fails" "failure" "success"
else
	ti_pass
fi
ti_expect_true "the misspelt key is reported" grep -q Restartt "$T/last.body"

# The hourly prune: a timer and its oneshot service, authctl db prune.
mkdir -p "$T/prune"
cp "$top_builddir/src/authctl" "$T/bin/"
for k in service timer; do
	ts_etc "systemd/jwt-auth-prune.$k" "$T/prune/jwt-auth-prune.$k"
	sed -i "s|@bindir@|$T/bin|g" "$T/prune/jwt-auth-prune.$k"
done
analyze "prune units" "$T/prune/jwt-auth-prune.timer" \
    "$T/prune/jwt-auth-prune.service"
ti_expect_true "the service runs authctl db prune" \
    grep -qx "ExecStart=$T/bin/authctl db prune" "$T/prune/jwt-auth-prune.service"
ti_expect_true "the timer fires hourly" \
    grep -qx "OnCalendar=hourly" "$T/prune/jwt-auth-prune.timer"
ti_done
