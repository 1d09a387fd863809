#!/bin/bash
# rollout_pg.sh: rollout.sh once more, against a PostgreSQL server the test
# starts itself (lib_pg.sh), where the guide's user_sessions queries
# (expires_at > NOW()) run as written.  Skipped without Debian's postgresql.
# It runs in the plain build only: under ASan/UBSan the same C code is
# already driven by rollout.sh (as refresh_pg.sh does for refresh.sh).
if [ -n "${ac_san_cflags:-}" ]; then
	echo "SKIP: runs in the plain build only (this build has $ac_san_cflags)"
	exit 77
fi
TI_DB=postgresql
. "$(dirname "$0")/rollout.sh"
