#!/bin/bash
# verify_lighttpd.sh: the cases of verify.sh with lighttpd's mod_fastcgi
# in front of `verify` (two processes under spawn-fcgi).
TI_SERVER=lighttpd
. "$(dirname "$0")/verify.sh"
