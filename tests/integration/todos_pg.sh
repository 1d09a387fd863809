#!/bin/bash
# todos_pg.sh: todos.sh once more, against a PostgreSQL server that the
# test starts itself (lib_pg.sh); skipped without Debian's postgresql.
TI_DB=postgresql
. "$(dirname "$0")/todos.sh"
