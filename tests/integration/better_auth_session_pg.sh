#!/bin/bash
# better_auth_session_pg.sh: better_auth_session.sh once more, with Better
# Auth and the suite sharing a PostgreSQL database that the test starts
# itself (lib_pg.sh): Better Auth's own migrations make its session table
# there (timestamptz expiresAt), verify and todos read it through the
# PostgreSQL store.  Skipped without Debian's postgresql, node 20+ or npm.
# It runs in the plain build only: under ASan/UBSan the same C code is
# already driven by better_auth_session.sh, and PostgreSQL's store by
# pg_multihost.sh, revoke_pg.sh and todos_user_id_pg.sh.
if [ -n "${ac_san_cflags:-}" ]; then
	echo "SKIP: runs in the plain build only (this build has $ac_san_cflags)"
	exit 77
fi
TI_DB=postgresql
. "$(dirname "$0")/better_auth_session.sh"
