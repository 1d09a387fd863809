/*
 * session.js: the session page (index.html): log in (with a two-factor
 * code when it is on), a forgotten password (a mailed link back to this
 * page), your todos, your active sessions (revoke any), your password,
 * two-factor enrolment (a QR code drawn here by qr.js: the secret goes to
 * no one else), deleting the account, log out, log out everywhere.
 * Everything goes through auth-client.js; the DOM is built with
 * textContent only, and nothing is inline, so the page runs under a CSP
 * of 'self'.
 */
import { createAuthClient } from './auth-client.js';
import { qrSvg } from './qr.js';

const $ = (id) => document.getElementById(id);
let user = null;

/* The page's client; exported so that a console can reach it. */
export const client = createAuthClient({
	onLoggedOut: (reason) => {
		show(null);
		say(reason === 'logout' ? 'You are logged out.' :
		    reason === 'deleted' ? 'Your account is deleted.' :
		    'Your session has ended (' + reason + '): log in again.',
		    reason !== 'logout' && reason !== 'deleted');
	},
	onChange: (u) => { if (u && !user) show(u); },
});

function say(text, error) {
	$('status').textContent = text || '';
	$('status').className = error ? 'error' : '';
}

function el(tag, text, cls) {
	const e = document.createElement(tag);
	if (text !== undefined)
		e.textContent = text;
	if (cls)
		e.className = cls;
	return e;
}

function button(text, cls, onclick) {
	const b = el('button', text, cls);
	b.type = 'button';
	b.addEventListener('click', onclick);
	return b;
}

/* "Chromium 156 on Linux" from a User-Agent, or what there is. */
function device(ua) {
	if (!ua)
		return 'unknown';
	const b = /Edg\/(\d+)/.exec(ua) ? 'Edge ' + RegExp.$1 :
	    /Firefox\/(\d+)/.exec(ua) ? 'Firefox ' + RegExp.$1 :
	    /Chrome\/(\d+)/.exec(ua) ? 'Chrome ' + RegExp.$1 :
	    /Version\/(\d+).*Safari/.exec(ua) ? 'Safari ' + RegExp.$1 :
	    ua.split(' ')[0];
	const os = /Android/.test(ua) ? 'Android' :
	    /iPhone|iPad/.test(ua) ? 'iOS' : /Windows/.test(ua) ? 'Windows' :
	    /Mac OS X/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : '';
	return os ? b + ' on ' + os : b;
}

const when = (t) => t ? new Date(t).toLocaleString() : '';

async function call(what, f) {
	try {
		return await f();
	} catch (e) {
		if (client.loggedIn)
			say(what + ': ' + (e.message || e), true);
		return undefined;
	}
}

const todosUrl = () => '/api/users/' + encodeURIComponent(user.id) +
    '/todos';

async function loadTodos() {
	const res = await call('Todos', () => client.fetch(todosUrl() +
	    '?limit=100'));
	if (!res || !res.ok)
		return;
	const list = $('todo-list');
	const items = await res.json();
	list.replaceChildren(...items.map((t) => {
		const li = el('li', undefined, t.completed ? 'done' : '');
		const box = el('input');
		box.type = 'checkbox';
		box.checked = !!t.completed;
		box.setAttribute('aria-label', 'done');
		box.addEventListener('change', () => call('Todo', async () => {
			await client.fetch(todosUrl() + '/' + t.id, {
				method: 'PATCH',
				headers: { 'Content-Type': 'application/json' },
				body: JSON.stringify({ completed: box.checked }),
			});
			await loadTodos();
		}));
		li.append(box, el('span', t.title), button('Delete', 'link',
		    () => call('Todo', async () => {
			await client.fetch(todosUrl() + '/' + t.id,
			    { method: 'DELETE' });
			await loadTodos();
		})));
		return li;
	}));
	$('todo-empty').hidden = items.length > 0;
}

async function loadSessions() {
	const list = await call('Sessions', () => client.sessions());
	if (!list)
		return;
	$('session-list').replaceChildren(...list.map((s) => {
		const tr = el('tr');
		const dev = el('td', device(s.userAgent));
		if (s.current)
			dev.append(el('span', 'this device', 'badge'));
		tr.dataset.session = s.id;
		tr.append(dev, el('td', s.ip || ''), el('td', when(s.created)),
		    el('td', when(s.lastUsed)));
		const td = el('td');
		td.append(button('Revoke', 'danger', () => call('Revoke',
		    async () => {
			await client.revokeSession(s.id);
			if (client.loggedIn) {
				say('Session revoked.');
				await loadSessions();
			}
		})));
		tr.append(td);
		return tr;
	}));
}

function show(u) {
	user = u;
	$('login').hidden = !!u;
	$('who').hidden = !u;
	$('todos').hidden = !u;
	$('sessions').hidden = !u;
	$('security').hidden = !u;
	$('twofactor-form').hidden = true;
	$('login-form').hidden = false;
	$('tf-setup').hidden = true;
	document.body.dataset.state = u ? 'in' : 'out';
	if (!u)
		return;
	$('email').textContent = u.email || u.id;
	say('');
	loadTodos();
	loadSessions();
}

function failed(what, e) {
	say(e.status === 429 ? 'Too many attempts: try again in ' +
	    (e.retryAfter || 'a few') + ' seconds.' :
	    what + ' failed: ' + (e.message || e), true);
}

$('login-form').addEventListener('submit', async (ev) => {
	ev.preventDefault();
	try {
		const r = await client.login($('login-email').value,
		    $('login-password').value);
		$('login-password').value = '';
		if (r && r.twoFactorRedirect) {
			$('login-form').hidden = true;
			$('twofactor-form').hidden = false;
			document.body.dataset.state = 'code';
			say('');
			$('tf-code').focus();
			return;
		}
		show(r);
	} catch (e) {
		failed('Log in', e);
	}
});
$('twofactor-form').addEventListener('submit', async (ev) => {
	ev.preventDefault();
	const code = $('tf-code').value.trim();
	try {
		show(await ($('tf-backup').checked ?
		    client.verifyBackupCode(code) : client.verifyTotp(code)));
		$('tf-code').value = '';
	} catch (e) {
		failed('Verification', e);
		if (e.status === 401 && e.reason !== 'two_factor_invalid')
			show(null);
	}
});
$('forgot-form').addEventListener('submit', async (ev) => {
	ev.preventDefault();
	try {
		await client.requestPasswordReset($('forgot-email').value,
		    location.origin + location.pathname);
		say('If this address has an account, a link to choose a new ' +
		    'password is on its way.');
	} catch (e) {
		failed('Asking for a link', e);
	}
});
$('reset-form').addEventListener('submit', async (ev) => {
	ev.preventDefault();
	const token = new URLSearchParams(location.search).get('token');
	try {
		await client.resetPassword(token, $('reset-password').value);
		history.replaceState(null, '', location.pathname);
		$('reset').hidden = true;
		say('Your password is set: log in with it.');
	} catch (e) {
		failed('Setting the password', e);
	}
});
$('pw-form').addEventListener('submit', async (ev) => {
	ev.preventDefault();
	try {
		await client.changePassword($('pw-current').value,
		    $('pw-new').value, $('pw-others').checked);
		$('pw-current').value = $('pw-new').value = '';
		say('Password changed.');
		await loadSessions();
	} catch (e) {
		failed('Changing the password', e);
	}
});
$('tf-enable-form').addEventListener('submit', async (ev) => {
	ev.preventDefault();
	try {
		const r = await client.enableTwoFactor($('tf-password').value);
		$('tf-password').value = '';
		$('tf-qr').replaceChildren(qrSvg(r.totpURI, 4));
		$('tf-uri').textContent = r.totpURI;
		$('tf-codes').replaceChildren(...r.backupCodes.map((c) =>
		    el('li', c)));
		$('tf-setup').hidden = false;
		say('Scan the code, then confirm with a code from the app.');
	} catch (e) {
		failed(e.status === 409 ? 'Two-factor is on already: turning ' +
		    'it on' : 'Turning two-factor on', e);
	}
});
$('tf-confirm-form').addEventListener('submit', async (ev) => {
	ev.preventDefault();
	try {
		await client.confirmTwoFactor($('tf-confirm-code').value.trim());
		$('tf-confirm-code').value = '';
		$('tf-setup').hidden = true;
		$('tf-qr').replaceChildren();
		$('tf-uri').textContent = '';
		$('tf-codes').replaceChildren();
		say('Two-factor authentication is on.');
	} catch (e) {
		failed('Confirming', e);
	}
});
$('tf-disable').addEventListener('click', async () => {
	try {
		await client.disableTwoFactor($('tf-password').value);
		$('tf-password').value = '';
		say('Two-factor authentication is off.');
	} catch (e) {
		failed('Turning two-factor off', e);
	}
});
$('delete-form').addEventListener('submit', async (ev) => {
	ev.preventDefault();
	try {
		await client.deleteUser($('delete-password').value,
		    $('delete-code').value.trim() || undefined);
		$('delete-password').value = $('delete-code').value = '';
		$('delete-sure').checked = false;
	} catch (e) {
		failed('Deleting the account', e);
	}
});
$('todo-form').addEventListener('submit', (ev) => {
	ev.preventDefault();
	call('Todo', async () => {
		const res = await client.fetch(todosUrl(), {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ title: $('todo-title').value }),
		});
		if (res.ok)
			$('todo-title').value = '';
		await loadTodos();
	});
});
$('logout').addEventListener('click', () => call('Log out',
    () => client.logout()));
$('logout-all').addEventListener('click', () => call('Log out everywhere',
    () => client.logoutEverywhere()));
document.addEventListener('visibilitychange', () => {
	if (!document.hidden && user)
		loadSessions();
});

/* A mailed reset link leads here with ?token=. */
$('reset').hidden = !new URLSearchParams(location.search).has('token');
client.restore().then((u) => {
	show(u);
	if (!u)
		$('login-email').focus();
}, (e) => {
	show(null);
	say('The server cannot be reached: ' + e.message, true);
});
