#!/bin/bash
# rollout_pg.sh: rollout.sh once more, against a PostgreSQL server the test
# starts itself (lib_pg.sh), where the guide's user_sessions queries
# (expires_at > NOW()) run as written.  Skipped without Debian's postgresql.
TI_DB=postgresql
. "$(dirname "$0")/rollout.sh"
