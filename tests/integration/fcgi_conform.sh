#!/bin/bash
# fcgi_conform.sh: FastCGI conformance of the engine, spoken raw over a
# unix socket by fcgi_conform.c to `verify` (one worker process, so
# every case meets the same event loop): fragmented and coalesced
# records, 200 pipelined requests on one kept connection, 500
# concurrent connections, padding, FCGI_GET_VALUES, an unknown record
# type, unknown roles, the Authorizer role, FCGI_ABORT_REQUEST,
# oversized parameters, half a record then silence (closed after
# AUTH_READ_TIMEOUT), a client that never reads its answers.
. "$(dirname "$0")/lib.sh"

ti_init
client=$top_builddir/tests/integration/fcgi_conform
[ -x "$client" ] || { echo "no $client (make check builds it)"; exit 99; }
ti_key "$T/jwt.key"
ti_config "$T/auth.conf" "JWT_SECRET_FILE=$T/jwt.key"
AUTH_CONFIG=$T/auth.conf AUTH_SOCKET=$T/verify.sock AUTH_WORKERS=1 \
    AUTH_READ_TIMEOUT=1 AUTH_MAX_PARAMS_BYTES=4096 \
    "$top_builddir/cgi-bin/verify" 2>>"$T/verify.log" &
ti_track $!
ti_wait_socket "$T/verify.sock" 50 || true
TI_CASE=conformance
if "$client" "$T/verify.sock" >"$T/conform.out" 2>&1; then
	ti_pass
else
	ti_fail "fcgi_conform" "every check ok" \
	    "$(grep -v '^ok' "$T/conform.out")"
fi
cat "$T/conform.out"
ti_expect_true "the limits are logged" grep -q \
    'event=params_too_large bytes=[0-9]* max=4096' "$T/verify.log"
ti_expect_true "the timeout is logged" grep -q \
    'event=timeout what=' "$T/verify.log"
ti_expect_logs_clean
ti_done
