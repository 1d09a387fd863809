#!/bin/bash
# journey_shared.sh: journey.sh on shared hosting: Apache, the site set
# up by etc/apache/htaccess alone, the programs run by suEXEC.
JR_FRONT=shared
. "$(dirname "$0")/journey.sh"
