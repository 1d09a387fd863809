#!/bin/bash
# journey_lighttpd_spawn.sh: journey.sh against lighttpd starting the programs itself
# (etc/lighttpd/jwt-auth-spawn.conf).
JR_FRONT=lighttpd_spawn
. "$(dirname "$0")/journey.sh"
