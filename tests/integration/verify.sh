#!/bin/bash
# verify.sh: `verify` under spawn-fcgi (two processes) behind nginx (or
# the server TI_SERVER names: verify_lighttpd.sh), mounted at /verify,
# answers every case of verify_cases.sh.
. "$(dirname "$0")/lib.sh"
. "$here/verify_cases.sh"

server=${TI_SERVER:-nginx}
ti_init "$server"
verify_setup
ti_spawn verify "$top_builddir/cgi-bin/verify" 2
ti_route /verify verify
"ti_$server"
verify_cases /verify
verify_logs "$T/verify.log" "$VERIFY_GOOD"
ti_done
