#!/bin/bash
# journey_apache_proxy.sh: journey.sh against Apache's mod_proxy_fcgi and the programs
# under spawn-fcgi (etc/apache/jwt-auth-proxy-fcgi.conf).
JR_FRONT=apache_proxy
. "$(dirname "$0")/journey.sh"
