/*
 * auth-client.js: the browser side of jwt-auth-suite.  One ES module, no
 * dependencies, no build step:
 *
 *   import { createAuthClient } from '/account/auth-client.js';
 *   const auth = createAuthClient({ onLoggedOut: () => showLogin() });
 *   await auth.restore();                 // null when not logged in
 *   await auth.login(email, password);   // {twoFactorRedirect: true}:
 *   await auth.verifyTotp(code);          // ... then a code completes it
 *   const res = await auth.fetch('/api/v1/me');
 *
 * The account calls (changePassword, enableTwoFactor, deleteUser ...)
 * take Better Auth's bodies, which the refresh program answers.
 *
 * The access token lives in this module's memory only (never
 * localStorage); the refresh token is the HttpOnly cookie refresh sets,
 * which no script can read.  Tabs of one origin share one refresh: the
 * tab that needs one takes the Web Lock LOCK, says "refreshing" on the
 * BroadcastChannel CHANNEL, calls POST /api/auth/refresh and broadcasts
 * the new token; tabs that queued on the lock find the token already
 * fresh (or wait up to PEER_WAIT ms for the broadcast still on its way)
 * and make no call.  A tab closed in the middle of its refresh loses the
 * lock with its document; the next tab waits PEER_WAIT ms for a result
 * that never comes, then refreshes with the cookie in the jar, which the
 * server's grace window answers with the very token the lost answer held
 * (README: "The browser client").  Without Web Locks each tab refreshes
 * on its own (the grace window makes that safe); without BroadcastChannel
 * tabs share nothing but the logout signal, sent through a storage event
 * that carries no secret.  A logout in any tab logs out every tab.
 */
const CHANNEL = 'jwt-auth-suite';
const LOCK = 'jwt-auth-suite:refresh';
const PEER_WAIT = 500;		/* ms, after the lock, for a peer's result */
const HELLO_WAIT = 150;		/* ms for a peer to share its token */
const EARLY = 5000;		/* ms: a token this close to exp is stale */

export class AuthError extends Error {
	constructor(status, reason, message, retryAfter) {
		super(message || reason || 'HTTP ' + status);
		this.name = 'AuthError';
		this.status = status;
		this.reason = reason;
		this.retryAfter = retryAfter;
	}
}

/* The reason of an error answer, in any of the suite's formats. */
async function failure(res) {
	let b = {};
	try { b = await res.json(); } catch (e) { /* not JSON */ }
	const e = b && typeof b.error === 'object' ? b.error : b || {};
	const ra = Number(res.headers.get('Retry-After')) || undefined;
	return new AuthError(res.status, e.reason || b.error_code ||
	    (res.status === 401 ? 'unauthorized' : 'http_' + res.status),
	    e.message || b.detail, ra);
}

/* The claims of a token, for display only (the server verifies). */
function claimsOf(t) {
	try {
		const p = t.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
		const s = atob(p + '='.repeat((4 - p.length % 4) % 4));
		return JSON.parse(decodeURIComponent(Array.from(s, (c) =>
		    '%' + c.charCodeAt(0).toString(16).padStart(2, '0')).join('')));
	} catch (e) {
		return {};
	}
}

export function createAuthClient(options = {}) {
	const base = (options.baseUrl || '').replace(/\/$/, '');
	const api = base + (options.authPath || '/api/auth');
	const margin = (options.refreshMarginSeconds ?? 60) * 1000;
	const onLoggedOut = options.onLoggedOut || (() => {});
	const onChange = options.onChange || (() => {});
	const gfetch = options.fetch || globalThis.fetch.bind(globalThis);
	const locks = options.locks !== false && globalThis.navigator &&
	    navigator.locks && navigator.locks.request ? navigator.locks : null;
	const channel = options.broadcast !== false &&
	    typeof BroadcastChannel === 'function' ?
	    new BroadcastChannel(options.channel || CHANNEL) : null;
	const logoutKey = (options.channel || CHANNEL) + ':logout';

	let token = null;	/* the access token: memory only */
	let exp = 0;		/* when it expires, ms (this machine's clock) */
	let state = 'unknown';	/* 'in' | 'out' */
	let timer = null;
	let inflight = null;	/* this tab's refresh, shared by its callers */
	let peerSince = 0;	/* a peer said "refreshing" at this time */
	let peerWaiters = [];

	const post = (m) => { if (channel) channel.postMessage(m); };
	const user = () => {
		if (!token)
			return null;
		const c = claimsOf(token);
		return { id: c.sub, email: c.email, sessionId: c.sid, exp };
	};
	const wakePeers = () => {
		peerSince = 0;
		peerWaiters.splice(0).forEach((f) => f());
	};

	function schedule() {
		clearTimeout(timer);
		if (!token)
			return;
		const ttl = exp - Date.now();
		const lead = Math.min(margin, ttl / 2);
		timer = setTimeout(() => refreshFrom(token).catch(() => {}),
		    Math.min(Math.max(ttl - lead, 1000), 0x7fffffff));
	}

	function adopt(t, expiresAt) {
		token = t;
		exp = expiresAt;
		state = 'in';
		schedule();
		onChange(user());
	}

	/* Forgets the token; the page hears of it once per logout. */
	function drop(reason, tell) {
		const was = state === 'in';
		token = null;
		exp = 0;
		state = 'out';
		clearTimeout(timer);
		if (tell) {
			post({ type: 'logout', reason });
			try {
				localStorage.setItem(logoutKey, String(Date.now()));
			} catch (e) { /* no storage: nothing to tell */ }
		}
		if (was) {
			onChange(null);
			onLoggedOut(reason);
		}
	}

	if (channel)
		channel.onmessage = ({ data: m }) => {
			if (!m || typeof m !== 'object')
				return;
			if (m.type === 'hello' && token && Date.now() < exp - EARLY)
				post({ type: 'token', token, expiresAt: exp });
			else if (m.type === 'refreshing')
				peerSince = Date.now();
			else if (m.type === 'token' && typeof m.token === 'string') {
				if (m.expiresAt > exp)
					adopt(m.token, m.expiresAt);
				wakePeers();
			} else if (m.type === 'failed')
				wakePeers();
			else if (m.type === 'logout') {
				wakePeers();
				drop(m.reason || 'logout', false);
			}
		};
	if (!channel && globalThis.addEventListener)
		addEventListener('storage', (e) => {
			if (e.key === logoutKey && e.newValue)
				drop('logout', false);
		});

	/* Resolves on a peer's result, or after ms. */
	const peerResult = (ms) => new Promise((resolve) => {
		peerWaiters.push(resolve);
		setTimeout(resolve, ms);
	});
	const fresh = (stale) => token !== null && token !== stale &&
	    Date.now() < exp - EARLY;

	async function refreshLocked(stale) {
		if (fresh(stale))
			return user();	/* a peer did it while we queued */
		if (peerSince && Date.now() - peerSince < 10000) {
			/* Its answer may still be on its way, or it died. */
			await peerResult(locks ? PEER_WAIT : 3000);
			if (fresh(stale))
				return user();
		}
		post({ type: 'refreshing' });
		let res;
		try {
			res = await gfetch(api + '/refresh', {
				method: 'POST', credentials: 'include',
				headers: { 'Content-Type': 'application/json' },
				body: '{}',
			});
		} catch (e) {
			post({ type: 'failed' });
			throw e;
		}
		if (res.ok) {
			const b = await res.json();
			adopt(b.accessToken, Date.now() + b.expiresIn * 1000);
			post({ type: 'token', token, expiresAt: exp });
			return user();
		}
		const err = await failure(res);
		if (res.status === 401)
			drop(err.reason, true);	/* the cookie is dead: all tabs */
		else
			post({ type: 'failed' });
		throw err;
	}

	/* One refresh for this tab's callers, and one for all its tabs. */
	function refreshFrom(stale) {
		if (!inflight)
			inflight = (locks ? locks.request(LOCK, () =>
			    refreshLocked(stale)) : refreshLocked(stale))
			    .finally(() => { inflight = null; });
		return inflight;
	}

	async function authFetch(input, init = {}) {
		if (state !== 'out' && (!token || Date.now() >= exp - EARLY))
			await refreshFrom(token).catch(() => {});
		const send = () => {
			const h = new Headers(init.headers || {});
			if (token)
				h.set('Authorization', 'Bearer ' + token);
			return gfetch(input, { ...init, headers: h });
		};
		const used = token;
		let res = await send();
		if (res.status !== 401)
			return res;
		try {
			await refreshFrom(used);	/* a 401 there drops us */
		} catch (e) {
			return res;
		}
		res = await send();
		if (res.status === 401)
			drop('unauthorized', false);
		return res;
	}

	async function json(res) {
		if (!res.ok)
			throw await failure(res);
		return res.status === 204 ? null : res.json();
	}

	/*
	 * A POST of body to the auth API: the answer's JSON, or throws.
	 * bearer: with the access token, refreshed first when stale, and
	 * sent once: a 401 here is a wrong password or code, not a reason
	 * to refresh and send the password again.
	 */
	async function call(path, body, bearer) {
		const headers = { 'Content-Type': 'application/json' };
		if (bearer) {
			if (state !== 'out' && (!token ||
			    Date.now() >= exp - EARLY))
				await refreshFrom(token).catch(() => {});
			if (token)
				headers.Authorization = 'Bearer ' + token;
		}
		return json(await gfetch(api + path, {
			method: 'POST', credentials: 'include', headers,
			body: JSON.stringify(body),
		}));
	}

	/* The answer of a completed login: the access token. */
	function loggedIn(b) {
		adopt(b.accessToken, Date.now() + b.expiresIn * 1000);
		post({ type: 'token', token, expiresAt: exp });
		return user();
	}

	async function logout() {
		try {
			await gfetch(api + '/logout', {
				method: 'POST', credentials: 'include',
				headers: { 'Content-Type': 'application/json' },
				body: '{}',
			});
		} finally {
			drop('logout', true);
		}
	}

	return {
		get user() { return user(); },
		get loggedIn() { return state === 'in'; },
		fetch: authFetch,
		refresh: () => refreshFrom(token),

		/* Another tab's token, else the cookie's; null when out. */
		async restore() {
			if (fresh(null))
				return user();
			if (channel) {
				post({ type: 'hello' });
				await new Promise((r) => {
					peerWaiters.push(r);
					setTimeout(r, HELLO_WAIT);
				});
				if (fresh(null))
					return user();
			}
			try {
				return await refreshFrom(token);
			} catch (e) {
				if (e instanceof AuthError && e.status === 401)
					return null;
				throw e;
			}
		},

		async login(email, password) {
			const res = await gfetch(api + '/login', {
				method: 'POST', credentials: 'include',
				headers: { 'Content-Type': 'application/json' },
				body: JSON.stringify({ email, password }),
			});
			const b = await json(res);
			/* Two-factor on: a code must follow (verifyTotp). */
			if (b.twoFactorRedirect)
				return { twoFactorRedirect: true };
			return loggedIn(b);
		},

		/* Completes a login that answered twoFactorRedirect. */
		verifyTotp: async (code) => loggedIn(await call(
		    '/two-factor/verify-totp', { code })),
		verifyBackupCode: async (code) => loggedIn(await call(
		    '/two-factor/verify-backup-code', { code })),

		/* {totpURI, backupCodes}; on once confirmTwoFactor succeeds. */
		enableTwoFactor: (password) => call('/two-factor/enable',
		    { password }, true),
		confirmTwoFactor: (code) => call('/two-factor/verify-totp',
		    { code }, true),
		disableTwoFactor: (password) => call('/two-factor/disable',
		    { password }, true),

		async changePassword(currentPassword, newPassword,
		    revokeOtherSessions) {
			const b = await call('/change-password', {
				currentPassword, newPassword,
				revokeOtherSessions: !!revokeOtherSessions,
			}, true);
			if (b.accessToken)
				loggedIn(b);
			return user();
		},

		/* Mails a link to redirectTo?token=...; the same for anyone. */
		requestPasswordReset: (email, redirectTo) => call(
		    '/request-password-reset', { email, redirectTo }),
		resetPassword: (token, newPassword) => call('/reset-password',
		    { token, newPassword }),
		sendVerificationEmail: (email, callbackURL) => call(
		    '/send-verification-email', { email, callbackURL }),

		/* code: the TOTP (or a backup) code when two-factor is on. */
		async deleteUser(password, code) {
			await call('/delete-user', code ? { password, code } :
			    { password }, true);
			drop('deleted', true);
		},

		logout,

		async logoutEverywhere() {
			await json(await authFetch(api + '/sessions', {
			    method: 'DELETE', credentials: 'include' }));
			drop('logout', true);
		},

		async sessions() {
			return (await json(await authFetch(api +
			    '/sessions'))).sessions;
		},

		async revokeSession(id) {
			const mine = user() && user().sessionId === id;
			await json(await authFetch(api + '/sessions/' +
			    encodeURIComponent(id), { method: 'DELETE' }));
			if (mine)
				await logout();
		},

		close() {
			clearTimeout(timer);
			if (channel)
				channel.close();
		},
	};
}
