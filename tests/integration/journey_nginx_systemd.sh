#!/bin/bash
# journey_nginx_systemd.sh: journey.sh against nginx and the programs
# socket-activated as etc/systemd says.
JR_FRONT=nginx_systemd
. "$(dirname "$0")/journey.sh"
