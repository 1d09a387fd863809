#!/bin/sh
# verify_lighttpd.sh: the cases of verify.sh with lighttpd's mod_fastcgi
# in front of `verify` (two processes under spawn-fcgi).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
here=$(dirname "$0")
. "$here/lib.sh"
. "$here/verify_cases.sh"

ti_init
ti_need lighttpd
verify_setup
ti_spawn verify "$top_builddir/cgi-bin/verify" 2
ti_route /verify verify
ti_lighttpd
verify_cases /verify
verify_logs "$T/verify.log" "$VERIFY_GOOD"
ti_done
