// server.mjs: a Better Auth instance for tests/integration/better_auth.sh.
//
// Email and password sign-up, the memory adapter and the JWT plugin with
// its default settings (EdDSA keys, /api/auth/token, /api/auth/jwks).
// BETTER_AUTH_SECRET and BETTER_AUTH_URL come from the environment; the
// port is the first argument.  It listens on 127.0.0.1 only, prints
// "listening PORT" once it does, and logs every request as
// "request METHOD PATH USER-AGENT" so the test can count the JWKS
// fetches of the suite.
import http from "node:http";
import { betterAuth } from "better-auth";
import { memoryAdapter } from "better-auth/adapters/memory";
import { jwt } from "better-auth/plugins/jwt";
import { toNodeHandler } from "better-auth/node";

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
	console.error("usage: node server.mjs PORT");
	process.exit(2);
}

const db = { user: [], session: [], account: [], verification: [], jwks: [] };
const auth = betterAuth({
	database: memoryAdapter(db),
	emailAndPassword: { enabled: true },
	plugins: [jwt()],
	telemetry: { enabled: false },
});
const handler = toNodeHandler(auth);

const server = http.createServer((req, res) => {
	console.log(`request ${req.method} ${req.url} ${req.headers["user-agent"] ?? "-"}`);
	handler(req, res);
});
server.listen(port, "127.0.0.1", () => {
	console.log(`listening ${port}`);
});
for (const sig of ["SIGTERM", "SIGINT"]) {
	process.on(sig, () => {
		server.close(() => process.exit(0));
		server.closeAllConnections();
	});
}
