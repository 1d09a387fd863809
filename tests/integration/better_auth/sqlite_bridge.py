# sqlite_bridge.py: the SQLite connection of server_sqlite.mjs.
#
# Node 20 has no SQLite of its own (node:sqlite came with Node 22) and the
# native npm drivers need a compiler at install time, so Better Auth's
# Kysely dialect talks to Debian's SQLite through Python's sqlite3 module
# instead: one connection for the server's life, one JSON request a line
# on the first named pipe, one JSON answer a line on the second.  A
# request is {"sql", "params", "reader"}; the answer {"rows"} (a reader:
# objects by column name) or {"changes", "lastInsertRowid"}, or {"error"}.
import json
import sqlite3
import sys

db, inp, outp = sys.argv[1], sys.argv[2], sys.argv[3]
conn = sqlite3.connect(db, isolation_level=None, timeout=10)
conn.row_factory = sqlite3.Row
with open(inp, "r") as fin, open(outp, "w") as fout:
    for line in fin:
        req = json.loads(line)
        try:
            cur = conn.execute(req["sql"], req.get("params") or [])
            if req.get("reader"):
                ans = {"rows": [dict(r) for r in cur.fetchall()]}
            else:
                ans = {"changes": cur.rowcount, "lastInsertRowid": cur.lastrowid}
        except Exception as e:
            ans = {"error": str(e)}
        fout.write(json.dumps(ans) + "\n")
        fout.flush()
