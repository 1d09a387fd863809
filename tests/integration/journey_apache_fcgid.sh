#!/bin/bash
# journey_apache_fcgid.sh: journey.sh against Apache with mod_fcgid starting the programs
# (etc/apache/jwt-auth-fcgid.conf).
JR_FRONT=apache_fcgid
. "$(dirname "$0")/journey.sh"
