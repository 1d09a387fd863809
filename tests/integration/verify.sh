#!/bin/sh
# verify.sh: `verify` under spawn-fcgi (two processes) behind nginx,
# mounted at /verify, answers every case of verify_cases.sh.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
here=$(dirname "$0")
. "$here/lib.sh"
. "$here/verify_cases.sh"

ti_init
ti_need nginx
verify_setup
ti_spawn verify "$top_builddir/cgi-bin/verify" 2
ti_route /verify verify
ti_nginx
verify_cases /verify
verify_logs "$T/verify.log" "$VERIFY_GOOD"
ti_done
