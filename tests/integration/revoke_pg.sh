#!/bin/bash
# revoke_pg.sh: revoke.sh once more, against a PostgreSQL server that the
# test starts itself (lib_pg.sh): the two groups of processes then stand
# for two hosts sharing the database.  Skipped without Debian's postgresql.
TI_DB=postgresql
. "$(dirname "$0")/revoke.sh"
