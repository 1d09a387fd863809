// server_sqlite.mjs: a Better Auth instance on a SQLite file, or on a
// PostgreSQL database, for tests/integration/better_auth_session.sh (and
// better_auth_session_pg.sh).
//
// Email and password sign-up with Better Auth's Kysely adapter on the
// database the suite shares (argv[3]: a SQLite file, or a postgresql://
// URL), its tables made by Better Auth's own migrations at start-up.  On
// PostgreSQL the statements go through npm's pg (the driver Better Auth's
// guides use).  Node 20 has no SQLite module, so on SQLite they go through
// sqlite_bridge.py (Python's sqlite3, over two named pipes, synchronously
// as better-sqlite3 would run them).
// BETTER_AUTH_SECRET and BETTER_AUTH_URL come from the environment; the
// port is argv[2].  It listens on 127.0.0.1 only and prints "listening
// PORT" once it does.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { toNodeHandler } from "better-auth/node";

const port = Number(process.argv[2]);
const file = process.argv[3];
if (!Number.isInteger(port) || port <= 0 || port > 65535 || !file) {
	console.error("usage: node server_sqlite.mjs PORT SQLITE-FILE|POSTGRESQL-URL");
	process.exit(2);
}
const here = path.dirname(fileURLToPath(import.meta.url));
const onPg = /^postgres(ql)?:\/\//.test(file);
let py = null, pool = null;

// SQLite: the better-sqlite3 shape Kysely's SqliteDialect drives, over
// sqlite_bridge.py.
function sqliteDialect() {
	const pin = `${file}.to-sqlite`, pout = `${file}.from-sqlite`;
	for (const p of [pin, pout]) {
		fs.rmSync(p, { force: true });
		execFileSync("mkfifo", ["-m", "600", p]);
	}
	py = spawn("/usr/bin/python3", [path.join(here, "sqlite_bridge.py"),
	    file, pin, pout], { stdio: "inherit" });
	const win = fs.openSync(pin, "w");
	const rout = fs.openSync(pout, "r");
	let pending = "";

	function ask(req) {
		fs.writeSync(win, JSON.stringify(req) + "\n");
		const buf = Buffer.alloc(65536);
		while (!pending.includes("\n")) {
			const n = fs.readSync(rout, buf, 0, buf.length, null);
			if (n === 0)
				throw new Error("sqlite_bridge.py went away");
			pending += buf.toString("utf8", 0, n);
		}
		const i = pending.indexOf("\n");
		const ans = JSON.parse(pending.slice(0, i));
		pending = pending.slice(i + 1);
		if (ans.error)
			throw new Error(ans.error);
		return ans;
	}

	const params = (p) => (p ?? []).map((v) => typeof v === "bigint" ? Number(v) :
	    typeof v === "boolean" ? (v ? 1 : 0) : v instanceof Date ? v.toISOString() : v);
	const database = {
		prepare(sql) {
			const reader = /^\s*(select|with|pragma)\b/i.test(sql) ||
			    /\breturning\b/i.test(sql);
			return {
				reader,
				all: (p) => ask({ sql, params: params(p), reader: true }).rows,
				run: (p) => ask({ sql, params: params(p), reader: false }),
				iterate: (p) => ask({ sql, params: params(p), reader: true }).rows[Symbol.iterator](),
			};
		},
		close() {
			py.kill();
		},
	};

	return new SqliteDialect({ database });
}

let dialect;
if (onPg) {
	const { default: pg } = await import("pg");
	pool = new pg.Pool({ connectionString: file, max: 4 });
	dialect = new PostgresDialect({ pool });
} else
	dialect = sqliteDialect();

const options = {
	database: { dialect, type: onPg ? "postgres" : "sqlite" },
	emailAndPassword: { enabled: true },
	telemetry: { enabled: false },
};
const { runMigrations } = await getMigrations(options);
await runMigrations();
const auth = betterAuth(options);
const handler = toNodeHandler(auth);

const server = http.createServer((req, res) => {
	console.log(`request ${req.method} ${req.url}`);
	handler(req, res);
});
server.listen(port, "127.0.0.1", () => {
	console.log(`listening ${port}`);
});
for (const sig of ["SIGTERM", "SIGINT"]) {
	process.on(sig, () => {
		py?.kill();
		pool?.end();
		server.close(() => process.exit(0));
		server.closeAllConnections();
	});
}
