// account_client.mjs: Better Auth's own client (better-auth/client with
// the twoFactorClient plugin, from the locked npm package) calling the
// refresh program's account routes, as a front end written for Better
// Auth would.  BASE is the site, EMAIL/PASSWORD a user, MAILS the folder
// the capture command writes mails to.  Prints "ok - ..." or "not ok -
// ..." per check; exits 1 when one failed.
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createAuthClient } from 'better-auth/client';
import { twoFactorClient } from 'better-auth/client/plugins';

const { BASE, EMAIL, MAILS } = process.env;
let password = process.env.PASSWORD;
let failed = 0;
const check = (what, ok, detail) => {
	console.log((ok ? 'ok - ' : 'not ok - ') + what +
	    (detail !== undefined ? ' (' + JSON.stringify(detail) + ')' : ''));
	if (!ok)
		failed++;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const client = createAuthClient({ baseURL: BASE,
    plugins: [twoFactorClient()] });
const bearer = (t) => ({ headers: { Authorization: 'Bearer ' + t } });
// What a browser sends with a cookie: the cookie and its page's Origin.
const cookie = (c) => ({ headers: { cookie: c, origin: BASE } });

function mails() {
	return readdirSync(MAILS).filter((n) => n.endsWith('.eml'))
	    .map((n) => MAILS + '/' + n)
	    .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
}
async function nextMail(n0) {
	for (let i = 0; i < 200 && mails().length <= n0; i++)
		await sleep(50);
	const m = mails();
	return m.length > n0 ? readFileSync(m[m.length - 1], 'utf8') : '';
}
async function login(pw) {
	const r = await fetch(BASE + '/api/auth/login', { method: 'POST',
	    headers: { 'Content-Type': 'application/json' },
	    body: JSON.stringify({ email: EMAIL, password: pw }) });
	return { status: r.status, body: await r.json(),
	    cookie: r.headers.get('set-cookie') || '' };
}
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
	return String((h.readUInt32BE(h[19] & 15) & 0x7fffffff) % 1000000)
	    .padStart(6, '0');
}

try {
	let n0 = mails().length;
	let r = await client.requestPasswordReset({ email: EMAIL,
	    redirectTo: BASE + '/reset' });
	check('requestPasswordReset', r.data && r.data.status === true, r);
	const link = ((await nextMail(n0)).match(/^http\S+/m) || [''])[0];
	check('the mail links to redirectTo', link.startsWith(BASE +
	    '/reset?token='), link);
	r = await client.resetPassword({ newPassword: 'reset-by-client-1',
	    token: new URL(link).searchParams.get('token') });
	check('resetPassword', r.data && r.data.status === true, r);
	password = 'reset-by-client-1';
	let l = await login(password);
	check('login with the new password', l.status === 200, l.status);
	r = await client.changePassword({ currentPassword: password,
	    newPassword: 'changed-by-client-2', revokeOtherSessions: true },
	    bearer(l.body.accessToken));
	check('changePassword gives a token', r.data &&
	    typeof r.data.token === 'string', r.error || 'token');
	password = 'changed-by-client-2';
	const at = r.data.token;
	r = await client.twoFactor.enable({ password }, bearer(at));
	check('twoFactor.enable', r.data && r.data.totpURI &&
	    r.data.backupCodes.length === 10, r.error || 'uri and codes');
	const uri = r.data.totpURI, codes = r.data.backupCodes;
	r = await client.twoFactor.verifyTotp({ code: totp(uri, 0) },
	    bearer(at));
	check('twoFactor.verifyTotp confirms enrolment', r.data &&
	    r.data.status === true, r);
	l = await login(password);
	check('sign-in answers twoFactorRedirect', l.body.twoFactorRedirect ===
	    true, l.body);
	const tf = (l.cookie.match(/twoFactor=([^;]*)/) || [])[1];
	r = await client.twoFactor.verifyTotp({ code: totp(uri, 1) },
	    cookie('twoFactor=' + tf));
	check('twoFactor.verifyTotp completes the sign-in', r.data &&
	    typeof r.data.accessToken === 'string', r.error || 'token');
	l = await login(password);
	const tf2 = (l.cookie.match(/twoFactor=([^;]*)/) || [])[1];
	r = await client.twoFactor.verifyBackupCode({ code: codes[0] },
	    cookie('twoFactor=' + tf2));
	check('twoFactor.verifyBackupCode completes the sign-in', r.data &&
	    typeof r.data.accessToken === 'string', r.error || 'token');
	const at2 = r.data.accessToken;
	r = await client.twoFactor.disable({ password }, bearer(at2));
	check('twoFactor.disable', r.data && r.data.status === true, r);
	n0 = mails().length;
	r = await client.sendVerificationEmail({ email: 'nobody@example.com',
	    callbackURL: '/welcome' });
	check('sendVerificationEmail', r.data && r.data.status === true, r);
	r = await client.deleteUser({ password }, bearer(at2));
	check('deleteUser', r.data && r.data.success === true, r);
	l = await login(password);
	check('the deleted user cannot sign in', l.status === 401, l.status);
	r = await client.requestPasswordReset({ email: EMAIL,
	    redirectTo: 'https://evil.example/' });
	check('a foreign redirectTo is an error', r.error &&
	    r.error.status === 422, r.error);
} catch (e) {
	check('client run', false, e.stack || String(e));
}
process.exit(failed ? 1 : 0);
