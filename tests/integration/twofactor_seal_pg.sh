#!/bin/bash
# twofactor_seal_pg.sh: twofactor_seal.sh once more, against a PostgreSQL
# server that the test starts itself (lib_pg.sh); skipped without
# Debian's postgresql.  Plain build only, as account_pg.sh.
if [ -n "${ac_san_cflags:-}" ]; then
	echo "SKIP: runs in the plain build only (this build has $ac_san_cflags)"
	exit 77
fi
TI_DB=postgresql
. "$(dirname "$0")/twofactor_seal.sh"
