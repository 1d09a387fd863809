#!/bin/bash
# refresh_pg.sh: refresh.sh once more, against a PostgreSQL server that
# the test starts itself (lib_pg.sh); skipped without Debian's postgresql.
TI_DB=postgresql
. "$(dirname "$0")/refresh.sh"
