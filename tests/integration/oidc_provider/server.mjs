// server.mjs: an OpenID provider (the npm package oidc-provider) for
// tests/integration/oidc_provider.sh.
//
// One confidential client, "suite-test" (its secret from the environment,
// OP_CLIENT_SECRET), may use the client credentials grant for the scopes
// todos.read, todos.write and reports.read.  Resource indicators
// (RFC 8707) are on: a token for the resource https://api.suite.test is
// an RFC 9068 JWT access token, signed RS256 with a key made at start
// (and a kid of its own),
// with that audience and the granted scopes in "scope".  The issuer is
// http://127.0.0.1:PORT (the first argument); the key set is at /jwks.
// It listens on 127.0.0.1 only, prints "listening PORT" once it does,
// and logs every request as "request METHOD PATH USER-AGENT", so the test
// can count the suite's key set fetches.
import http from "node:http";
import Provider from "oidc-provider";
import { exportJWK, generateKeyPair } from "jose";

const port = Number(process.argv[2]);
const secret = process.env.OP_CLIENT_SECRET;
if (!Number.isInteger(port) || port <= 0 || port > 65535 || !secret) {
	console.error("usage: OP_CLIENT_SECRET=... node server.mjs PORT");
	process.exit(2);
}
const RESOURCE = "https://api.suite.test";
const SCOPES = "todos.read todos.write reports.read";

const { privateKey } = await generateKeyPair("RS256", { extractable: true });
// A new kid with every new key, as a provider's rotation would have it.
const kid = `op-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
const jwk = { ...(await exportJWK(privateKey)), kid, alg: "RS256", use: "sig" };

const provider = new Provider(`http://127.0.0.1:${port}`, {
	clients: [{
		client_id: "suite-test",
		client_secret: secret,
		grant_types: ["client_credentials"],
		redirect_uris: [],
		response_types: [],
		scope: SCOPES,
	}],
	jwks: { keys: [jwk] },
	scopes: SCOPES.split(" "),
	features: {
		devInteractions: { enabled: false },
		clientCredentials: { enabled: true },
		resourceIndicators: {
			enabled: true,
			defaultResource: () => RESOURCE,
			useGrantedResource: () => true,
			getResourceServerInfo: (ctx, resource) => {
				if (resource !== RESOURCE)
					throw new Error(`unknown resource ${resource}`);
				return {
					scope: SCOPES,
					audience: RESOURCE,
					accessTokenTTL: 600,
					accessTokenFormat: "jwt",
					jwt: { sign: { alg: "RS256" } },
				};
			},
		},
	},
});
// Plain http on 127.0.0.1: the test's, never a deployment's.
provider.proxy = false;

const callback = provider.callback();
const server = http.createServer((req, res) => {
	console.log(`request ${req.method} ${req.url} ${req.headers["user-agent"] ?? "-"}`);
	callback(req, res);
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
