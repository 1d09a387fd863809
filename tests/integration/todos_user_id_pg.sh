#!/bin/bash
# todos_user_id_pg.sh: todos_user_id.sh once more, against a PostgreSQL
# server that the test starts itself (lib_pg.sh).
TI_DB=postgresql
. "$(dirname "$0")/todos_user_id.sh"
