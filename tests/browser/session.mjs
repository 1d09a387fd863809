// session.mjs: drives Debian's Chromium (playwright-core, executablePath
// /usr/bin/chromium, headless, no background networking) against the
// suite behind nginx, as tests/browser/session.sh sets it up (the
// environment names the URLs and files).  Prints one line per check,
// "ok - ..." or "not ok - ...", and exits 1 when any failed.
import { execFileSync, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { chromium } from 'playwright-core';

const env = process.env;
const BASE = env.BASE;			// http://127.0.0.1:PORT
const PAGE = BASE + '/account/';
let failed = 0;

function check(what, ok, detail) {
	console.log((ok ? 'ok - ' : 'not ok - ') + what +
	    (detail !== undefined ? ' (' + detail + ')' : ''));
	if (!ok)
		failed++;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const refreshCalls = () => readFileSync(env.ACCESS_LOG, 'utf8').split('\n')
    .filter((l) => l.includes('"POST /api/auth/refresh ')).length;
// Refreshes refresh carried out (LOG_LEVEL=debug logs every request).
const served = () => readFileSync(env.REFRESH_LOG, 'utf8').split('\n')
    .filter((l) => l.includes('path=/api/auth/refresh status=200')).length;
const sql = (q) => execFileSync('sqlite3', ['-cmd', '.timeout 5000',
    env.DB, q], { encoding: 'utf8' }).trim();

const browser = await chromium.launch({
	executablePath: env.CHROMIUM || '/usr/bin/chromium',
	headless: true,
	args: ['--headless', '--no-sandbox', '--disable-gpu',
	    '--disable-quic', '--no-first-run',
	    '--disable-background-networking', '--disable-component-update',
	    '--disable-sync'],
	timeout: 30000,
});
const csp = [];

async function context() {
	const ctx = await browser.newContext();
	await ctx.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (e) =>
		    console.error('securitypolicyviolation ' +
		    e.violatedDirective + ' ' + e.blockedURI));
	});
	return ctx;
}
async function open(ctx) {
	const p = await ctx.newPage();
	p.on('console', (m) => {
		if (/securitypolicyviolation|Content Security Policy/i
		    .test(m.text()))
			csp.push(m.text());
	});
	p.on('pageerror', (e) => csp.push('pageerror ' + e.message));
	await p.goto(PAGE);
	await p.waitForSelector('body[data-state]');
	return p;
}
// TOTP (RFC 6238: SHA-1, 6 digits, 30 s) of an otpauth URI at now +
// step steps: what the authenticator app would show.
function totp(uri, step) {
	const s = new URL(uri).searchParams.get('secret');
	const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
	let bits = '';
	for (const ch of s)
		bits += A.indexOf(ch).toString(2).padStart(5, '0');
	const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
	const msg = Buffer.alloc(8);
	msg.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000) + step));
	const h = createHmac('sha1', key).update(msg).digest();
	const o = h[19] & 15;
	return String((h.readUInt32BE(o) & 0x7fffffff) % 1000000)
	    .padStart(6, '0');
}
// The newest captured mail (the capture command of session.sh).
function lastMail() {
	const f = readdirSync(env.MAILS).filter((n) => n.endsWith('.eml'))
	    .map((n) => env.MAILS + '/' + n)
	    .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
	return f.length ? readFileSync(f[f.length - 1], 'utf8') : '';
}
const nMails = () => readdirSync(env.MAILS)
    .filter((n) => n.endsWith('.eml')).length;
async function until(f, ms = 10000) {
	for (const t0 = Date.now(); Date.now() - t0 < ms; await sleep(50))
		if (await f())
			return true;
	return false;
}
// Logs in through the page when two-factor is on: password, then code.
async function login2fa(p, email, password, code, backup) {
	await p.fill('#login-email', email);
	await p.fill('#login-password', password);
	await p.click('#login-form button[type=submit]');
	await p.waitForSelector('body[data-state=code]', { timeout: 20000 });
	await p.fill('#tf-code', code);
	await p.setChecked('#tf-backup', !!backup);
	await p.click('#twofactor-form button[type=submit]');
	await p.waitForSelector('body[data-state=in]', { timeout: 20000 });
}
async function login(p, email, password) {
	await p.fill('#login-email', email);
	await p.fill('#login-password', password);
	await p.click('#login-form button[type=submit]');
	await p.waitForSelector('body[data-state=in]', { timeout: 20000 });
}
// Inside the page: its client (session.js exports it).
const exp = (p) => p.evaluate(async () => {
	const c = (await import('/account/session.js')).client;
	return c.user && c.user.exp;
});
const sid = (p) => p.evaluate(async () =>
    (await import('/account/session.js')).client.user.sessionId);
const todos = (p) => p.evaluate(async () => {
	const c = (await import('/account/session.js')).client;
	const r = await c.fetch('/api/users/' + (c.user ? c.user.id : 'x') +
	    '/todos');
	return r.status;
});
const refresh = (p) => p.evaluate(async () => {
	const c = (await import('/account/session.js')).client;
	return c.refresh().then((u) => 'ok ' + (u && u.sessionId),
	    (e) => 'error ' + e.reason);
});

try {
	// --- login through the page; the cookie -----------------------------
	const ctxA = await context();
	await ctxA.clock.install();
	const a1 = await open(ctxA);
	await login(a1, env.EMAIL, env.PASSWORD);
	check('login through the page', await a1.isVisible('#todos'));
	const ck = (await ctxA.cookies(BASE + '/api/auth/refresh')).find((c) =>
	    /refreshToken$/.test(c.name));
	check('refresh cookie set', ck !== undefined);
	check('refresh cookie HttpOnly', ck && ck.httpOnly === true);
	check('refresh cookie SameSite=' + env.SAMESITE,
	    ck && ck.sameSite === env.SAMESITE, ck && ck.sameSite);
	check('refresh cookie path-scoped to /api/auth',
	    ck && ck.path === '/api/auth', ck && ck.path);
	check('document.cookie of the page does not show it',
	    !(await a1.evaluate(() => document.cookie)).includes('refreshToken'));
	const inner = await ctxA.newPage();
	await inner.goto(BASE + '/api/auth/sessions');
	check('document.cookie under /api/auth does not show it either',
	    !(await inner.evaluate(() => document.cookie))
	    .includes('refreshToken'));
	await inner.close();
	check('no token in localStorage or sessionStorage',
	    !(await a1.evaluate(() => JSON.stringify(localStorage) +
	    JSON.stringify(sessionStorage))).includes('eyJ'));

	// Todos through the page.
	for (const t of ['Try the suite from a browser', 'Revoke a session']) {
		await a1.fill('#todo-title', t);
		await a1.click('#todo-form button');
		await a1.waitForSelector('#todo-list li:has-text("' + t + '")');
	}
	await a1.click('#todo-list li:has-text("Try the suite") input');
	await a1.waitForSelector('#todo-list li.done');
	check('todos: add and complete', await a1.isVisible('#todo-list li.done'));

	// --- two tabs, tokens expiring together, one refresh ------------------
	const before0 = refreshCalls();
	const a2 = await open(ctxA);
	await a2.waitForSelector('body[data-state=in]');
	check('second tab logged in from the first tab (no refresh)',
	    refreshCalls() === before0, refreshCalls() - before0 + ' calls');
	const exp0 = await exp(a1);
	check('both tabs hold the same token (same expiry)',
	    exp0 === await exp(a2));
	const before = refreshCalls();
	await ctxA.clock.fastForward('29:30');	// 60 s before expiry: refresh
	let exp1, exp2;
	for (let i = 0; i < 100; i++) {
		exp1 = await exp(a1);
		exp2 = await exp(a2);
		if (exp1 > exp0 && exp2 > exp0)
			break;
		await sleep(100);
	}
	await sleep(700);	// any late second call would show now
	const calls = refreshCalls() - before;
	console.log('# refresh calls counted at nginx for two tabs: ' + calls);
	check('two tabs whose tokens expire together: one refresh call',
	    calls === 1, calls + ' calls');
	check('both tabs got the new token', exp1 > exp0 && exp2 > exp0);
	for (const p of [a1, a2])
		check('tab keeps working after the refresh',
		    await todos(p) === 200);

	// --- another device; revoke its session from the page ---------------
	const ctxB = await context();
	const b1 = await open(ctxB);
	await login(b1, env.EMAIL, env.PASSWORD);
	const sidB = await sid(b1);
	await a1.evaluate(() => document.dispatchEvent(
	    new Event('visibilitychange')));
	const row = '#session-list tr[data-session="' + sidB + '"]';
	await a1.waitForSelector(row);
	check('the page lists both sessions',
	    await a1.locator('#session-list tr').count() >= 2);
	await a1.screenshot({ path: env.OUT + '/session-page.png',
	    fullPage: true });
	check('screenshot written', true, env.OUT + '/session-page.png');
	// Timed from the revoking answer, as tests/integration/revoke.sh does.
	const revoked = a1.waitForResponse((r) => r.request().method() ===
	    'DELETE' && r.url().includes('/api/auth/sessions/'));
	await a1.click(row + ' button');
	check('revoke answered 204', (await revoked).status() === 204);
	const t0 = Date.now();
	let st, ms;
	for (;;) {
		st = await todos(b1);
		ms = Date.now() - t0;
		if (st !== 200 || ms > 5000)
			break;
		await sleep(50);
	}
	console.log('# revoked on the page -> other device logged out after ' +
	    ms + ' ms');
	check('revoked session: the other device\'s next call ends logged ' +
	    'out within 1 s', st === 401 && ms <= 1000, st + ' after ' + ms +
	    ' ms');
	await a1.waitForSelector('#status:has-text("Session revoked")');
	await b1.waitForSelector('body[data-state=out]');
	check('the other device shows the login form',
	    await b1.isVisible('#login-form'));
	check('the revoking page is still logged in',
	    await todos(a1) === 200);

	// --- a tab closed in the middle of a refresh ---------------------------
	const ctxD = await context();
	const d1 = await open(ctxD);
	await login(d1, env.EMAIL2, env.PASSWORD2);
	const d2 = await open(ctxD);
	await d2.waitForSelector('body[data-state=in]');
	const sidD = await sid(d1);
	// Hold SQLite's write lock 1.5 s: refreshes wait in the busy handler
	// (less than AUTH_DB_TIMEOUT_MS, 2 s, past which they answer 503).
	const holder = spawn('sqlite3', [env.DB], { stdio: ['pipe', 'ignore',
	    'ignore'] });
	const released = new Promise((r) => holder.on('exit', r));
	holder.stdin.end('BEGIN IMMEDIATE;\nUPDATE users SET updated = updated;\n' +
	    '.shell sleep 1.5\nCOMMIT;\n');
	await sleep(300);
	const served0 = served();
	const req = d1.waitForRequest('**/api/auth/refresh');
	refresh(d1).catch(() => {});
	await req;
	const d2done = refresh(d2);
	await sleep(400);
	await d1.close();
	const r2 = await d2done;
	await released;
	await sleep(300);
	// Both reached refresh: the closed tab's rotation ran, its answer
	// was lost, and the other tab got the same successor (grace window).
	check('the closed tab\'s refresh was carried out, its answer lost',
	    served() - served0 === 2, served() - served0 +
	    ' refreshes served for 2 tabs');	check('tab closed mid-refresh: the other tab\'s refresh succeeds',
	    r2 === 'ok ' + sidD, r2);
	check('...and its next call works', await todos(d2) === 200);
	const fam = sql("SELECT count(*), count(rotated), count(revoked) " +
	    "FROM refresh_tokens WHERE session_id = '" + sidD + "'");
	check('...the session is not revoked and did not fork',
	    fam === '2|1|0', 'tokens|rotated|revoked = ' + fam);

	// --- CORS: another origin reads answers only when allowed -------------
	const tok = await (await fetch(BASE + '/api/auth/login', {
		method: 'POST', headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ email: env.EMAIL2,
		    password: env.PASSWORD2 }),
	})).json();
	const ctxC = await context();
	const c1 = await ctxC.newPage();
	for (const [origin, allowed] of [[env.ORIGIN_OK, true],
	    [env.ORIGIN_BAD, false]]) {
		await c1.goto(origin + '/foreign.html');
		const got = await c1.evaluate(async ([base, t]) => {
			try {
				const r = await fetch(base + '/api/v1/me', {
				    headers: { Authorization: 'Bearer ' + t } });
				return 'read ' + r.status + ' ' +
				    (await r.text()).slice(0, 40);
			} catch (e) {
				return 'blocked ' + e.name;
			}
		}, [BASE, tok.accessToken]);
		check('page on ' + origin + (allowed ? ' (in ALLOWED_ORIGINS)' +
		    ' reads the answer' : ' (not allowed) cannot read it'),
		    allowed ? got.startsWith('read 200') :
		    got.startsWith('blocked'), got);
	}

	// --- The account: two-factor, password, reset by mail, deletion -------
	const ctxE = await context();
	const e1 = await open(ctxE);
	await login(e1, env.EMAIL3, env.PASSWORD3);
	await e1.fill('#tf-password', env.PASSWORD3);
	await e1.click('#tf-enable-form button[type=submit]');
	await e1.waitForSelector('#tf-setup:not([hidden])');
	const uri = await e1.textContent('#tf-uri');
	check('enrolment shows the otpauth URI', uri.startsWith(
	    'otpauth://totp/') && uri.includes('secret='), uri);
	const codes = await e1.$$eval('#tf-codes li', (l) =>
	    l.map((x) => x.textContent));
	check('enrolment shows 10 backup codes', codes.length === 10 &&
	    codes.every((c) => /^[A-Za-z0-9]{5}-[A-Za-z0-9]{5}$/.test(c)),
	    codes.join(' '));
	check('the page draws a QR code', await e1.isVisible('#tf-qr svg path'));
	await e1.locator('#tf-qr svg').screenshot({ path: env.OUT +
	    '/totp-qr.png' });
	if (existsSync('/usr/bin/zbarimg')) {
		let got = '';
		try {
			got = execFileSync('/usr/bin/zbarimg', ['-q', '--raw',
			    env.OUT + '/totp-qr.png'], { encoding: 'utf8',
			    stdio: ['ignore', 'pipe', 'ignore'] }).trim();
		} catch (e) { /* no code found: exit 4 */ }
		check('zbarimg reads the page\'s QR code as the URI', got === uri,
		    got);
	} else
		console.log('ok - # SKIP QR decoding: no /usr/bin/zbarimg ' +
		    '(apt-get install zbar-tools)');
	await e1.fill('#tf-confirm-code', totp(uri, 0));
	await e1.click('#tf-confirm-form button[type=submit]');
	check('confirming with a code turns two-factor on', await until(
	    async () => /is on/.test(await e1.textContent('#status'))),
	    await e1.textContent('#status'));
	check('the secret leaves the page once confirmed',
	    await e1.textContent('#tf-uri') === '');
	await e1.click('#logout');
	await e1.waitForSelector('body[data-state=out]');
	await login2fa(e1, env.EMAIL3, env.PASSWORD3, totp(uri, 1), false);
	check('login with password and TOTP code', await e1.isVisible('#todos'));
	const tf = (await ctxE.cookies(BASE)).find((c) => c.name === 'twoFactor');
	check('the two-factor cookie is gone after the code', tf === undefined ||
	    tf.value === '', tf && tf.value);
	await e1.click('#logout');
	await e1.waitForSelector('body[data-state=out]');
	await login2fa(e1, env.EMAIL3, env.PASSWORD3, codes[0], true);
	check('login with a backup code', await e1.isVisible('#todos'));
	await e1.fill('#pw-current', env.PASSWORD3);
	await e1.fill('#pw-new', 'a-new-pw-of-carol');
	await e1.click('#pw-form button[type=submit]');
	check('password changed on the page', await until(async () =>
	    /Password changed/.test(await e1.textContent('#status'))),
	    await e1.textContent('#status'));
	await e1.click('#logout');
	await e1.waitForSelector('body[data-state=out]');
	// Forgotten password: the mail's link leads back to the page.
	const n0 = nMails();
	await e1.click('#forgot summary');
	await e1.fill('#forgot-email', env.EMAIL3);
	await e1.click('#forgot-form button[type=submit]');
	check('a reset mail arrives', await until(() => nMails() > n0),
	    nMails() + ' mails');
	const link = (lastMail().match(/^http\S+/m) || [''])[0];
	check('its link leads to the page', link.startsWith(PAGE + '?token='),
	    link);
	await e1.goto(link);
	await e1.waitForSelector('#reset:not([hidden])');
	// The page's own start-up (restore: a refresh without a cookie) ends
	// first, as a person reading the page would let it.
	await e1.waitForSelector('body[data-state=out]', { timeout: 20000 });
	await e1.fill('#reset-password', 'pw-of-carol-reset');
	await e1.click('#reset-form button[type=submit]');
	// Done when the form goes away (the handler hides it on success),
	// within 20 s: the new password is hashed at 64 MiB on a busy host.
	check('new password set from the link', await until(async () =>
	    await e1.isHidden('#reset') &&
	    /password is set/.test(await e1.textContent('#status')), 20000),
	    await e1.textContent('#status'));
	await login2fa(e1, env.EMAIL3, 'pw-of-carol-reset', codes[1], true);
	check('login with the reset password', await e1.isVisible('#todos'));
	await e1.fill('#delete-password', 'pw-of-carol-reset');
	await e1.fill('#delete-code', codes[2]);
	await e1.check('#delete-sure');
	await e1.click('#delete-form button[type=submit]');
	await e1.waitForSelector('body[data-state=out]', { timeout: 20000 });
	check('account deleted from the page', /deleted/.test(
	    await e1.textContent('#status')) && sql("SELECT count(*) FROM " +
	    "users WHERE email = '" + env.EMAIL3 + "'") === '0');

	// --- no CSP violation on the session page -----------------------------
	check('no CSP violation reported by the browser', csp.length === 0,
	    csp.join(' | ') || 'none');
	await ctxA.close();
	await ctxB.close();
	await ctxC.close();
	await ctxD.close();
	await ctxE.close();
} catch (e) {
	check('browser run', false, e.stack || String(e));
} finally {
	await browser.close();
}
process.exit(failed ? 1 : 0);
