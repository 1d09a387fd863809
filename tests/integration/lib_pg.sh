# lib_pg.sh: the database of an integration test, SQLite or a real
# PostgreSQL server the test starts itself (sourced after lib.sh, used
# after ti_init).
#
# ti_db_setup FILE sets DB_URL, the DATABASE_URL of the run: FILE (a
# SQLite file) by default, or with TI_DB=postgresql (the *_pg.sh
# wrappers) a fresh database on a server of Debian's postgresql package:
# initdb into a temporary folder, the server on 127.0.0.1 and a free
# port, password authentication, no unix socket.  initdb and the server
# refuse to run as root, so as root they run as the `postgres` user the
# package creates (the folder is made theirs).  ti_sql SQL runs one
# statement against DB_URL with sqlite3 or psql and prints the rows as
# sqlite3 does (columns joined by |); ti_sql_blob HEX prints a blob
# literal in the back end's spelling; ti_tokhash, ti_token_sid and
# ti_expect_one_successor look at refresh tokens.  ti_pg_stop / ti_pg_restart stop
# and start the same server on the same port (outage tests).  The exit
# trap stops only the server started here (pg_ctl on its own folder) and
# removes the folder.  Without the package the test exits 77 (skipped).

ti_pg_bindir()
{
	local d

	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r); do
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
			echo "$d"
			return 0
		fi
	done
	return 1
}

# Runs a server command as the postgres user when we are root.
ti_pg_as()
{
	if [ "$(id -u)" = 0 ]; then
		(cd "$TI_PG_DIR" && runuser -u postgres -- "$@")
	else
		(cd "$TI_PG_DIR" && "$@")
	fi
}

ti_pg_ctl_start()
{
	ti_pg_as "$TI_PG_BIN/pg_ctl" -D "$TI_PG_DIR/data" \
	    -l "$TI_PG_DIR/server.log" -w -t 30 -o "-c listen_addresses=127.0.0.1 -p $TI_PG_PORT -c unix_socket_directories= -c fsync=off -c max_connections=100" \
	    start >>"$TI_PG_DIR/pg_ctl.log" 2>&1
}

ti_pg_start()
{
	local pw try

	TI_PG_BIN=$(ti_pg_bindir) ||
	    ti_skip "postgresql not installed (apt-get install postgresql)"
	command -v psql >/dev/null 2>&1 ||
	    ti_skip "psql not installed (apt-get install postgresql-client)"
	if [ "$(id -u)" = 0 ]; then
		getent passwd postgres >/dev/null ||
		    ti_skip "no postgres user to run the server as"
		command -v runuser >/dev/null 2>&1 || ti_skip "runuser not found"
	fi
	TI_PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ac-pg.XXXXXX") || exit 99
	chmod 700 "$TI_PG_DIR"
	[ "$(id -u)" = 0 ] && chown postgres: "$TI_PG_DIR"
	trap ti_pg_cleanup EXIT
	pw=$(head -c 18 /dev/urandom | base64 | tr '+/' 'xy')
	(umask 077; printf '%s\n' "$pw" >"$TI_PG_DIR/pw")
	[ "$(id -u)" = 0 ] && chown postgres: "$TI_PG_DIR/pw"
	ti_pg_as "$TI_PG_BIN/initdb" -D "$TI_PG_DIR/data" -U authsuite \
	    --pwfile="$TI_PG_DIR/pw" --auth=scram-sha-256 -E UTF8 \
	    --no-locale >"$TI_PG_DIR/initdb.log" 2>&1 ||
	    { cat "$TI_PG_DIR/initdb.log"; echo "initdb failed"; exit 99; }
	rm -f "$TI_PG_DIR/pw"
	for try in 1 2 3; do
		TI_PG_PORT=$(ti_port)
		ti_pg_ctl_start && break
		TI_PG_PORT=
	done
	[ -n "$TI_PG_PORT" ] ||
	    { cat "$TI_PG_DIR/pg_ctl.log" "$TI_PG_DIR/server.log"; echo "postgres did not start"; exit 99; }
	TI_PG_STARTED=1
	TI_PG_ADMIN=postgresql://authsuite:$pw@127.0.0.1:$TI_PG_PORT/postgres
	psql -X -q -v ON_ERROR_STOP=1 "$TI_PG_ADMIN" -c 'CREATE DATABASE authsuite' ||
	    { echo "createdb failed"; exit 99; }
	DB_URL=postgresql://authsuite:$pw@127.0.0.1:$TI_PG_PORT/authsuite
}

# Stops the server (fast: open sessions are cut) and starts it again.
ti_pg_stop()
{
	ti_pg_as "$TI_PG_BIN/pg_ctl" -D "$TI_PG_DIR/data" -m fast -w -t 30 \
	    stop >>"$TI_PG_DIR/pg_ctl.log" 2>&1
}

ti_pg_restart()
{
	ti_pg_ctl_start
}

ti_pg_cleanup()
{
	ti_cleanup
	if [ -n "${TI_PG_DIR:-}" ] && [ -d "$TI_PG_DIR" ]; then
		[ -f "$TI_PG_DIR/data/postmaster.pid" ] && ti_pg_stop
		if [ -n "${TI_KEEP:-}" ]; then
			echo "kept $TI_PG_DIR"
		else
			rm -rf "$TI_PG_DIR"
		fi
	fi
}

ti_db_setup()
{
	if [ "${TI_DB:-sqlite}" = postgresql ]; then
		ti_pg_start
	else
		ti_need sqlite3
		DB_URL=$1
	fi
}

ti_sql()
{
	case $DB_URL in
	postgres://*|postgresql://*)
		psql -X -q -A -t -F '|' -v ON_ERROR_STOP=1 "$DB_URL" -c "$1" ;;
	*)
		sqlite3 -cmd '.timeout 5000' "$DB_URL" "$1" ;;
	esac
}

ti_sql_blob()
{
	case $DB_URL in
	postgres://*|postgresql://*)
		printf "'\\\\x%s'::bytea\n" "$1" ;;
	*)
		printf "X'%s'\n" "$1" ;;
	esac
}

# ti_tokhash TOKEN: the stored hash of a refresh token, as a blob literal.
ti_tokhash()
{
	ti_sql_blob "$(/usr/bin/python3 -c 'import sys, base64, hashlib
print(hashlib.sha256(base64.urlsafe_b64decode(sys.argv[1] + "=")).hexdigest())' "$1")"
}

# ti_token_sid TOKEN: the session (the family) of a refresh token.
ti_token_sid()
{
	ti_sql "SELECT session_id FROM refresh_tokens WHERE token_hash = $(ti_tokhash "$1")"
}

# ti_expect_one_successor LABEL DIR C0 N: N refreshes of the refresh token
# C0 sent together, their statuses in DIR/codes (one a line) and their
# headers in DIR/*.hdr, were all 200 and all set the same new token C1
# (set here), not C0; in the database C0's family (SID, set here) holds
# those two tokens, C0 spent and C1 current, none revoked.
ti_expect_one_successor()
{
	local dir=$2 c0=$3 n=$4

	TI_CASE=$1
	echo "$1: answers $(sort "$dir/codes" | uniq -c | tr '\n' ' ')"
	ti_expect_true "$n answers, all 200" test \
	    "$(grep -c '^200$' "$dir/codes")" = "$n"
	sed -n 's/^Set-Cookie: refreshToken=\([^;]*\);.*/\1/p' "$dir"/*.hdr |
	    tr -d '\r' | sort | uniq -c >"$dir/toks"
	ti_expect_true "every tab got the same one new token" test \
	    "$(wc -l <"$dir/toks")" = 1
	C1=$(awk '{ print $2 }' "$dir/toks")
	ti_expect_true "the new token differs from the old" test "$C1" != "$c0"
	SID=$(ti_token_sid "$c0")
	ti_expect_true "family: exactly two tokens, old spent, new current" test \
	    "$(ti_sql "SELECT count(*), count(rotated), count(revoked) FROM refresh_tokens WHERE session_id = '$SID'")" = "2|1|0"
	ti_expect_true "the current one is the token every tab holds" test \
	    "$(ti_sql "SELECT count(*) FROM refresh_tokens WHERE session_id = '$SID' AND rotated IS NULL AND token_hash = $(ti_tokhash "$C1")")" = 1
}
