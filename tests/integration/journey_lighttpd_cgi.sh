#!/bin/bash
# journey_lighttpd_cgi.sh: journey.sh against lighttpd's mod_cgi (etc/lighttpd/jwt-auth-cgi.conf).
JR_FRONT=lighttpd_cgi
. "$(dirname "$0")/journey.sh"
