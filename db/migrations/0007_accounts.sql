-- 0007_accounts: what people do with their own accounts (src/core/
-- account.c, totp.c): password reset and email verification by mailed
-- link, two-factor login (TOTP, RFC 6238, and backup codes), deletion.
--
-- account_tokens: the links' one-time tokens, only their SHA-256 kept;
-- purpose is 'reset' or 'verify'; used: when it was spent (a token works
-- once), kept until it expires so that a second use is told apart.
CREATE TABLE account_tokens (
	token_hash	BLOB PRIMARY KEY,
	user_id		TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	purpose		TEXT NOT NULL,
	created		BIGINT NOT NULL,
	expires		BIGINT NOT NULL,
	used		BIGINT
);
CREATE INDEX account_tokens_user ON account_tokens(user_id);

-- totp_secret: the TOTP key, set by enrolment, sealed ("v1." ...: see
-- src/core/twofactor.c; versions before that stored base32); totp_enabled
-- once a code from it was confirmed; totp_step: the last time step whose
-- code was accepted (each code works once).
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_enabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN totp_step BIGINT NOT NULL DEFAULT 0;

-- Ten single-use backup codes per user, SHA-256 only.
CREATE TABLE backup_codes (
	user_id		TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	code_hash	BLOB NOT NULL,
	used		BIGINT,
	PRIMARY KEY (user_id, code_hash)
);

-- A login whose password was right, waiting for the second factor: the
-- SHA-256 of the short-lived two-factor cookie.
CREATE TABLE two_factor_logins (
	token_hash	BLOB PRIMARY KEY,
	user_id		TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	expires		BIGINT NOT NULL
);

-- The sessions of deleted users, whose rows went with the user: their
-- access tokens are refused until they run out (src/core/revoke.c reads
-- this beside sessions.revoked; access_exp as sessions.access_exp).
CREATE TABLE revoked_sessions (
	id		TEXT PRIMARY KEY,
	revoked		BIGINT NOT NULL,
	access_exp	BIGINT
);
CREATE INDEX revoked_sessions_revoked ON revoked_sessions(revoked);
