#!/bin/bash
# journey_nginx.sh: journey.sh against nginx and spawn-fcgi.
JR_FRONT=nginx
. "$(dirname "$0")/journey.sh"
