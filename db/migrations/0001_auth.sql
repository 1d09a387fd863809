-- 0001_auth.sql: users, sessions (refresh-token families), refresh
-- tokens (SHA-256 hashes only) and login throttling.  Times are Unix
-- seconds.  Portable SQL: emails are stored in lower case by the core
-- (no collation), token ids are the back end's integer key.
CREATE TABLE users (
	id		TEXT PRIMARY KEY,
	email		TEXT NOT NULL UNIQUE,
	password_hash	TEXT NOT NULL,
	disabled	INTEGER NOT NULL DEFAULT 0,
	created		BIGINT NOT NULL,
	updated		BIGINT NOT NULL
);

-- One row per login: the family of every refresh token rotated from it.
CREATE TABLE sessions (
	id		TEXT PRIMARY KEY,
	user_id		TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created		BIGINT NOT NULL,
	last_used	BIGINT NOT NULL,
	expires		BIGINT NOT NULL,
	user_agent	TEXT,
	ip		TEXT,
	revoked		BIGINT,
	revoke_reason	TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

-- rotated: when the token was spent (its successor has parent_id = id).
CREATE TABLE refresh_tokens (
	id		INTEGER PRIMARY KEY,
	token_hash	BLOB NOT NULL UNIQUE,
	session_id	TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
	parent_id	INTEGER REFERENCES refresh_tokens(id) ON DELETE SET NULL,
	user_id		TEXT NOT NULL,
	created		BIGINT NOT NULL,
	expires		BIGINT NOT NULL,
	last_used	BIGINT,
	rotated		BIGINT,
	revoked		BIGINT
);
CREATE INDEX refresh_tokens_session ON refresh_tokens(session_id);
CREATE INDEX refresh_tokens_parent ON refresh_tokens(parent_id);

-- key: "email:<address>" or "ip:<address>".
CREATE TABLE login_throttle (
	key		TEXT PRIMARY KEY,
	failures	INTEGER NOT NULL,
	last_failure	BIGINT NOT NULL,
	blocked_until	BIGINT NOT NULL
);
