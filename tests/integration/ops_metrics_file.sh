#!/bin/bash
# ops_metrics_file.sh: the figures file and its directory cannot be
# turned against the host.
# - METRICS_FILE pointed at a file that is not a figures file (a copy of
#   the user database here) refuses to start and leaves it byte for byte
#   (before, it was truncated); a figures file cut short is refused too.
# - A figures file cut short while verify runs as 2 workers: the workers
#   that die of SIGBUS are replaced by workers that count nothing and
#   answer (before, every replacement died at its first request: a
#   restart loop that answered nothing).
# - $TMPDIR/jwt-auth-suite-UID made first by another user: the programs
#   start with metrics on in a directory of their own beside it and say
#   so (before, they refused to start).
# - METRICS_ALLOW with a malformed entry (10.0.0.0/, 127.0.0.1/abc)
#   refuses to start and check-config names it (before, it allowed every
#   address and check-config said ok).
. "$(dirname "$0")/lib.sh"

ti_init sqlite3 nginx pgrep
ti_key "$T/jwt.key" HS256
export AUTH_CONFIG=$T/auth.conf
ti_config "$AUTH_CONFIG" JWT_ALGORITHM=HS256 "JWT_SECRET_FILE=$T/jwt.key" \
    METRICS_ENABLED=true LOG_LEVEL=info
good=$(ti_issue "$AUTH_CONFIG" --sub alice) || exit 99

# starts NAME ENV...: runs verify with ENV on its own socket until it
# says event=start (0) or exits (1), at most 10 s; leaves it running.
# Its log is $T/run/NAME.log (a refusal there ends in serve_failed,
# which ti_expect_logs_clean would take for a crash).
starts() {
	local name=$1 i

	shift
	mkdir -p "$T/tmp" "$T/run"
	env TMPDIR="$T/tmp" "$@" AUTH_SOCKET="$T/$name.sock" "$top_builddir/cgi-bin/verify" \
	    2>>"$T/run/$name.log" &
	eval "PID_$name=\$!"
	ti_track $!
	for i in $(seq 1 100); do
		grep -q 'event=start' "$T/run/$name.log" 2>/dev/null && return 0
		ti_gone "$(eval echo "\$PID_$name")" && return 1
		sleep 0.1
	done
	return 1
}
refused() { ! starts "$@"; }

# --- METRICS_FILE at a file that is not ours to overwrite ------------------
sqlite3 "$T/users.db" "CREATE TABLE users (id TEXT, email TEXT);
    INSERT INTO users VALUES ('1', 'a@example.com');"
sum=$(sha256sum <"$T/users.db")
TI_CASE="METRICS_FILE at a database"
ti_expect_true "verify refuses to start" \
    refused db "METRICS_FILE=$T/users.db"
ti_expect_true "the log says why" grep -q 'not a metrics file' "$T/run/db.log"
ti_expect_true "the database is left byte for byte" \
    test "$(sha256sum <"$T/users.db")" = "$sum"

# --- a figures file cut short while in use --------------------------------
mkdir -p "$T/tmp" "$T/run"
TMPDIR=$T/tmp METRICS_FILE=$T/figures AUTH_SOCKET=$T/verify.sock \
    AUTH_WORKERS=2 "$top_builddir/cgi-bin/verify" 2>>"$T/run/verify.log" &
VERIFY_PID=$!
ti_track $VERIFY_PID
for i in $(seq 1 100); do
	[ -S "$T/verify.sock" ] &&
	    [ "$(pgrep -P $VERIFY_PID | wc -l)" -eq 2 ] && break
	sleep 0.1
done
ti_route /verify verify
ti_route /metrics verify
ti_nginx
ti_request "verify before" /verify -H "Authorization: Bearer $good"
ti_expect_status 200
ti_expect_true "the figures file has its header" \
    test "$(head -c 8 "$T/figures")" = "AUTH-MT1"
truncate -s 0 "$T/figures"
# The running workers die of SIGBUS at their next count (their log is
# in $T/run/: see the end); their replacements must answer, 20 times in
# a row, within 20 s.
ok=0
end=$((SECONDS + 20))
while [ "$SECONDS" -lt "$end" ] && [ "$ok" -lt 20 ]; do
	st=$(curl -s -o /dev/null --max-time 2 -w '%{http_code}' \
	    -H "Authorization: Bearer $good" "http://127.0.0.1:$TI_PORT/verify")
	if [ "$st" = 200 ]; then ok=$((ok + 1)); else ok=0; fi
	sleep 0.05
done
TI_CASE="figures file cut short"
ti_expect_true "verify answers again, 20 in a row ($ok)" test "$ok" -ge 20
ti_expect_true "the log says the workers count nothing" \
    grep -q 'cut short while in use' "$T/run/verify.log"
ti_expect_true "the file was not grown back nor rewritten" \
    test "$(stat -c %s "$T/figures")" = 0
kill -TERM $VERIFY_PID
ti_wait_gone $VERIFY_PID 100
# A restart finds the short file: refused, not mapped, left alone.
ti_expect_true "a start with the short file is refused" \
    refused short "METRICS_FILE=$T/figures"
ti_expect_true "the log says truncated or not a metrics file" \
    grep -Eq 'not a metrics file|truncated' "$T/run/short.log"
: >"$T/empty"
ti_expect_true "an empty file is refused too" \
    refused empty "METRICS_FILE=$T/empty"
ti_expect_true "the empty file stays empty" test "$(stat -c %s "$T/empty")" = 0

# --- the private directory taken by another user --------------------------
id nobody >/dev/null 2>&1 || ti_skip "no user nobody"
mkdir -p "$T/tmp2/jwt-auth-suite-$(id -u)"
chown nobody "$T/tmp2/jwt-auth-suite-$(id -u)"
chmod 0777 "$T/tmp2" "$T/tmp2/jwt-auth-suite-$(id -u)"
TI_CASE="private directory taken"
if starts taken TMPDIR="$T/tmp2"; then
	ti_pass
else
	ti_fail "verify starts with metrics on" "event=start" \
	    "$(tail -3 "$T/run/taken.log")"
fi
ti_expect_true "the log names the taken directory" \
    grep -q "event=private_dir_taken path=$T/tmp2/jwt-auth-suite-$(id -u) owner_uid=$(id -u nobody)" "$T/run/taken.log"
ti_expect_true "the figures are in a directory of our own (0700)" \
    test "$(stat -c '%u %a' "$T/tmp2/jwt-auth-suite-$(id -u)-1")" = "$(id -u) 700"
ti_expect_true "nothing was written in the taken one" \
    test -z "$(ls -A "$T/tmp2/jwt-auth-suite-$(id -u)")"

# --- METRICS_ALLOW parsed strictly -----------------------------------------
for bad in 10.0.0.0/ 127.0.0.1/abc "127.0.0.1, /8" 10.0.0.0/33; do
	TI_CASE="METRICS_ALLOW=$bad"
	ti_config "$T/allow.conf" JWT_ALGORITHM=HS256 \
	    "JWT_SECRET_FILE=$T/jwt.key" METRICS_ENABLED=true \
	    "METRICS_ALLOW=$bad"
	AUTH_CONFIG=$T/allow.conf "$AUTHCTL" check-config >"$T/allow.check" 2>&1
	ti_expect_true "check-config fails" \
	    sh -c "! AUTH_CONFIG='$T/allow.conf' '$AUTHCTL' check-config >/dev/null 2>&1"
	ti_expect_true "check-config names METRICS_ALLOW" \
	    grep -q '^problem: METRICS_ALLOW' "$T/allow.check"
	ti_expect_true "verify refuses to start" \
	    refused allow "AUTH_CONFIG=$T/allow.conf"
done

ti_expect_logs_clean
TI_CASE="refused starts"
# The workers that were running when the file was cut short die of
# SIGBUS (under ASan with its report): those lines are expected.
ti_expect_true "no other sanitizer report or crash" sh -c "! cat '$T'/run/*.log |
    grep -Ev 'AddressSanitizer:DEADLYSIGNAL|AddressSanitizer.*BUS|AddressSanitizer can not provide' |
    grep -E 'AddressSanitizer|LeakSanitizer|runtime error:|Segmentation'"
ti_done
