#!/bin/bash
# store_stall_pg.sh: store_stall.sh against a PostgreSQL server the test
# starts itself (lib_pg.sh) and freezes with SIGSTOP for 10 s; skipped
# without Debian's postgresql.
TI_DB=postgresql
. "$(dirname "$0")/store_stall.sh"
