#!/bin/bash
# session_import_pg.sh: session_import.sh against a PostgreSQL server the
# test starts itself (lib_pg.sh), with the quickstart's tables in a
# database of their own, exported by the COPY command authctl(1) gives;
# skipped without Debian's postgresql.
TI_DB=postgresql
. "$(dirname "$0")/session_import.sh"
