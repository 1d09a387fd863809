#!/bin/bash
# journey_lighttpd.sh: journey.sh against lighttpd (etc/lighttpd/jwt-auth.conf) and spawn-fcgi.
JR_FRONT=lighttpd
. "$(dirname "$0")/journey.sh"
