#!/bin/bash
# journey_apache_cgi.sh: journey.sh against Apache's mod_cgi (etc/apache/jwt-auth-cgi.conf).
JR_FRONT=apache_cgi
. "$(dirname "$0")/journey.sh"
