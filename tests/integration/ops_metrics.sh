#!/bin/sh
# ops_metrics.sh: /metrics of `verify` running as 2 worker processes
# (AUTH_WORKERS=2: a supervisor that maps the figures file, then forks
# the workers) behind nginx.  N requests in two rounds, the workers of
# the first round killed and restarted by the supervisor before the
# second (each answer's generated X-Request-Id starts with its process's
# own prefix, so the test sees that different processes served); one
# scrape counts them exactly, for the whole program; `promtool check
# metrics` accepts the scrape; a worker killed with SIGKILL takes
# nothing with it; METRICS_ALLOW refuses other addresses; /healthz needs
# no token.  The figures file is the default one (no METRICS_FILE), under
# TMPDIR and named after the program, configuration and socket.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
here=$(dirname "$0")
. "$here/lib.sh"

ti_init
ti_need nginx promtool pgrep
ti_key "$T/jwt.key" HS256
AUTH_CONFIG=$T/auth.conf
export AUTH_CONFIG
ti_config "$AUTH_CONFIG" JWT_ALGORITHM=HS256 "JWT_SECRET_FILE=$T/jwt.key" \
    METRICS_ENABLED=true
good=$(ti_issue "$AUTH_CONFIG" --sub alice) || exit 99
bad=$(ti_flip_last "$good")
mkdir -p "$T/tmp"
TMPDIR=$T/tmp AUTH_SOCKET=$T/verify.sock AUTH_WORKERS=2 \
    "$top_builddir/cgi-bin/verify" 2>>"$T/verify.log" &
VERIFY_PID=$!
ti_track $VERIFY_PID
# workers: waits until the supervisor has 2 workers; prints their pids.
workers()
{
	local i

	for i in $(seq 1 100); do
		[ -S "$T/verify.sock" ] &&
		    [ "$(pgrep -P $VERIFY_PID | wc -l)" -eq 2 ] && break
		sleep 0.1
	done
	pgrep -P $VERIFY_PID
}
W1=$(workers)
ti_route /verify verify
ti_route /metrics verify
ti_route /healthz verify
ti_nginx

# load N1 N2: N1 good and N2 refused verifications, 16 at a time over
# kept connections; "STATUS RID" per answer.
load()
{
	/usr/bin/python3 - "$TI_PORT" "$good" "$bad" "$1" "$2" <<'PY'
import http.client, sys, threading
port, good, bad, n1, n2 = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
jobs = [good] * n1 + [bad] * n2
out, lock = [], threading.Lock()
def run(part):
	c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=20)
	for tok in part:
		c.request("GET", "/verify", headers={"Authorization": "Bearer " + tok})
		r = c.getresponse()
		r.read()
		with lock:
			out.append("%d %s" % (r.status, r.getheader("X-Request-Id", "-")))
ts = [threading.Thread(target=run, args=(jobs[i::16],)) for i in range(16)]
for t in ts: t.start()
for t in ts: t.join()
print("\n".join(out))
PY
}
N1=150
N2=50
load 100 30 >"$T/answers1"
# Both workers die; the supervisor starts two new ones.
kill -KILL $W1
for i in $(seq 1 100); do
	W2=$(pgrep -P $VERIFY_PID | sort)
	[ "$(echo "$W2" | wc -w)" -eq 2 ] &&
	    [ -z "$(echo "$W1" | grep -xF "$W2")" ] && break
	sleep 0.1
done
load $((N1 - 100)) $((N2 - 30)) >"$T/answers2"
cat "$T/answers1" "$T/answers2" >"$T/answers"
awk '{ print $1 }' "$T/answers" >"$T/codes"
TI_CASE=load
ti_expect_true "$N1 answers 200" test "$(grep -c '^200$' "$T/codes")" -eq $N1
ti_expect_true "$N2 answers 401" test "$(grep -c '^401$' "$T/codes")" -eq $N2
ti_expect_true "the workers were replaced ($W1 -> $(echo $W2))" \
    test -z "$(echo "$W1" | grep -xF "$W2")"
# Different processes served the rounds: id prefixes (8 hex digits).
for r in 1 2; do
	awk '{ print substr($2, 1, 8) }' "$T/answers$r" | sort -u >"$T/prefixes$r"
done
ti_expect_true "each round has its processes ($(cat "$T/prefixes1" | wc -l) and $(cat "$T/prefixes2" | wc -l) prefixes), none in both" \
    test -s "$T/prefixes1" -a -s "$T/prefixes2" -a \
    -z "$(comm -12 "$T/prefixes1" "$T/prefixes2")"
ti_expect_true "the figures file is under TMPDIR, 0600" \
    sh -c "ls -l '$T/tmp'/jwt-auth-suite-*/metrics-verify-* | grep -q '^-rw-------'"

# metric NAME{LABELS}: its value in the last scrape, or "absent".
metric()
{
	awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print "absent" }' \
	    "$T/last.body"
}
expect_metric()
{
	local v

	v=$(metric "$1")
	if [ "$v" = "$2" ]; then
		ti_pass
	else
		ti_fail "metric $1" "$2" "$v"
	fi
}

ti_request scrape /metrics
ti_expect_status 200
ti_expect_header Content-Type '^text/plain; version=0\.0\.4'
cp "$T/last.body" "$T/scrape1.txt"
expect_metric 'http_requests_total{program="verify",code="200"}' $N1
expect_metric 'http_requests_total{program="verify",code="401"}' $N2
expect_metric 'auth_validation_seconds_count{method="jwt",result="ok"}' $N1
expect_metric 'auth_validation_seconds_count{method="jwt",result="refused"}' $N2
expect_metric 'auth_validation_seconds_bucket{method="jwt",result="ok",le="+Inf"}' $N1
expect_metric 'auth_refusals_total{reason="signature_invalid"}' $N2
expect_metric 'http_request_duration_seconds_count{program="verify"}' $((N1 + N2))
expect_metric 'auth_build_info{version="'"$(sed -n 's/^#define VERSION "\(.*\)"/\1/p' "$top_builddir/config.h")"'"}' 1
TI_CASE="promtool check metrics"
if promtool check metrics <"$T/scrape1.txt" >"$T/promtool.out" 2>&1; then
	ti_pass
else
	ti_fail "promtool check metrics" "no problem" "$(cat "$T/promtool.out")"
fi

# One worker dies: what it counted stays (the figures live in the file).
kill -KILL $(pgrep -P $VERIFY_PID | head -1)
sleep 0.2
ti_request "scrape after SIGKILL" /metrics
ti_expect_status 200
expect_metric 'http_requests_total{program="verify",code="200"}' $((N1 + 1))
expect_metric 'http_requests_total{program="verify",code="401"}' $N2
expect_metric 'auth_validation_seconds_count{method="jwt",result="ok"}' $N1

# Health needs no token and is not a verification.
ti_request healthz /healthz
ti_expect_status 200
ti_expect_json 'j["status"]' ok
ti_expect_header X-Request-Id '^[0-9a-f]{16}$'
ti_request "healthz POST" /healthz -X POST
ti_expect_status 405

# Never as an authorization check: an auth_request subrequest or the
# Authorizer role for a page at /healthz is a verification (plain CGI).
cgi()
{
	env -i AUTH_CONFIG="$AUTH_CONFIG" REQUEST_METHOD=GET \
	    REQUEST_URI=/healthz REMOTE_ADDR=127.0.0.1 "$@" \
	    "$top_builddir/cgi-bin/verify" 2>/dev/null </dev/null |
	    sed -n 's/^Status: \([0-9]*\).*/\1/p'
}
TI_CASE="healthz in CGI"
ti_expect_true "plain request: 200" test "$(cgi)" = 200
ti_expect_true "auth_request (AUTH_REQUEST=1): 401" \
    test "$(cgi AUTH_REQUEST=1)" = 401
ti_expect_true "Authorizer role: 401" \
    test "$(cgi FCGI_ROLE=AUTHORIZER)" = 401

# METRICS_ALLOW: a scrape from 127.0.0.2 is refused when only 127.0.0.1 may.
ti_request "scrape from 127.0.0.2" /metrics --interface 127.0.0.2
ti_expect_status 403

# Requests for operations paths are not logged at info.
TI_CASE=quiet
ti_expect_true "no info line for /metrics or /healthz" \
    sh -c "! grep -E 'event=request .*path=/(metrics|healthz)' '$T/verify.log'"
ti_expect_logs_clean
ti_expect_no_secret "$T/verify.log" "$good" "$bad"
ti_done
