#!/bin/bash
# todos_pg.sh: todos.sh once more, against a PostgreSQL server that the
# test starts itself (lib_pg.sh); skipped without Debian's postgresql.
# It runs in the plain build only: under ASan/UBSan the same C code is
# already driven by todos.sh, and PostgreSQL's store by pg_multihost.sh,
# revoke_pg.sh and todos_user_id_pg.sh (a whole second pass here cost
# minutes of the test command for little code of its own).
if [ -n "${ac_san_cflags:-}" ]; then
	echo "SKIP: runs in the plain build only (this build has $ac_san_cflags)"
	exit 77
fi
TI_DB=postgresql
. "$(dirname "$0")/todos.sh"
