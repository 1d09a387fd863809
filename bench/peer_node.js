'use strict';
/*
 * peer_node.js: the Node.js peer that bench/engine.sh measures beside the
 * suite: jsonwebtoken and better-sqlite3 (versions pinned by
 * bench/package-lock.json) on node:http, a cluster of PEER_WORKERS (2)
 * processes sharing one port.  Same two endpoints, tokens and database
 * as the suite's verify and todos:
 *
 *   GET /verify/{HS256|RS256|ES256}  Bearer token of that algorithm:
 *       200 {"active":true,"sub":...,"claims":{...}} with X-Auth-Subject,
 *       or 401 with WWW-Authenticate
 *   GET /api/users/{id}/todos        HS256 token whose sub is {id}: the
 *       newest 20 (here: all 10) todos of the user from SQLite, with
 *       X-Total-Count; 401, 403
 *
 * Every token is verified in full, as the suite does: signature with the
 * algorithm fixed by the route (never the token's), kid when present,
 * exp, nbf, iat not in the future, iss, aud, a non-empty string sub and
 * type "access".  No cache.
 *
 * usage: node peer_node.js PORT DIR   (DIR holds HS256.key, RS256.key,
 *   ES256.key, kids.json and todos.db; prints "listening PORT" once every
 *   worker listens)
 */
const cluster = require('node:cluster');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const port = Number(process.argv[2]);
const dir = process.argv[3];
const workers = Number(process.env.PEER_WORKERS || 2);

if (cluster.isPrimary) {
	let up = 0;
	cluster.on('listening', () => {
		if (++up === workers)
			console.log(`listening ${port}`);
	});
	cluster.on('exit', (w, code, sig) => {
		console.error(`worker ${w.process.pid} exited (${code}, ${sig})`);
	});
	for (let i = 0; i < workers; i++)
		cluster.fork();
} else {
	const jwt = require('jsonwebtoken');
	const Database = require('better-sqlite3');
	const ISSUER = 'https://bench.example';
	const AUDIENCE = 'bench';
	const kids = JSON.parse(fs.readFileSync(path.join(dir, 'kids.json')));
	const keys = {};

	for (const alg of ['HS256', 'RS256', 'ES256']) {
		const text = fs.readFileSync(path.join(dir, `${alg}.key`), 'utf8');
		keys[alg] = alg === 'HS256' ?
		    crypto.createSecretKey(Buffer.from(text.trimEnd())) :
		    crypto.createPublicKey(crypto.createPrivateKey(text));
	}
	const db = new Database(path.join(dir, 'todos.db'),
	    { fileMustExist: true });
	db.pragma('busy_timeout = 5000');
	const list = db.prepare('SELECT id, user_id, title, description,' +
	    ' completed, created_at, updated_at FROM todos WHERE user_id = ?' +
	    ' ORDER BY id DESC LIMIT ? OFFSET ?');
	const count = db.prepare('SELECT count(*) AS n FROM todos' +
	    ' WHERE user_id = ?');

	// The verified claims, or null.
	const verify = (req, alg) => {
		const m = /^Bearer ([A-Za-z0-9_.~+/-]+=*)$/.exec(
		    req.headers.authorization || '');
		if (m === null)
			return null;
		try {
			const t = jwt.verify(m[1], keys[alg], {
				algorithms: [alg], issuer: ISSUER,
				audience: AUDIENCE, complete: true,
			});
			const c = t.payload;
			if (t.header.kid !== undefined &&
			    t.header.kid !== kids[alg])
				return null;
			if (typeof c.exp !== 'number' ||
			    (c.iat !== undefined && (typeof c.iat !== 'number' ||
			    c.iat > Date.now() / 1000)) ||
			    typeof c.sub !== 'string' || c.sub.length === 0 ||
			    c.sub.length > 255 || c.type !== 'access')
				return null;
			return c;
		} catch (e) {
			return null;
		}
	};
	const send = (res, status, headers, body) => {
		headers['Content-Type'] = 'application/json';
		headers['Cache-Control'] = 'no-store';
		headers['Content-Length'] = Buffer.byteLength(body);
		res.writeHead(status, headers);
		res.end(body);
	};
	const unauthorized = (res) => send(res, 401, {
		'WWW-Authenticate': 'Bearer realm="api", error="invalid_token"',
	}, '{"error":{"code":"UNAUTHORIZED"}}');

	http.createServer({ keepAliveTimeout: 65000 }, (req, res) => {
		const url = req.url.split('?')[0];
		let m, c;

		if ((m = /^\/verify\/(HS256|RS256|ES256)$/.exec(url)) !== null) {
			if ((c = verify(req, m[1])) === null)
				return unauthorized(res);
			return send(res, 200, { 'X-Auth-Subject': c.sub },
			    JSON.stringify({ active: true, sub: c.sub,
			    claims: c }));
		}
		if (req.method === 'GET' &&
		    (m = /^\/api\/users\/([^/]+)\/todos$/.exec(url)) !== null) {
			if ((c = verify(req, 'HS256')) === null)
				return unauthorized(res);
			let uid;
			try {
				uid = decodeURIComponent(m[1]);
			} catch (e) {
				return send(res, 404, {}, '{"error":{"code":"NOT_FOUND"}}');
			}
			if (uid !== c.sub)
				return send(res, 403, {}, '{"error":{"code":"FORBIDDEN"}}');
			const rows = list.all(uid, 21, 0);
			const total = count.get(uid).n;
			const headers = { 'X-Total-Count': String(total) };
			if (rows.length > 20) {
				rows.length = 20;
				headers['X-Next-Cursor'] = String(rows[19].id);
			}
			for (const r of rows)
				r.completed = r.completed !== 0;
			return send(res, 200, headers, JSON.stringify(rows));
		}
		send(res, 404, {}, '{"error":{"code":"NOT_FOUND"}}');
	}).listen(port, '127.0.0.1');
}
