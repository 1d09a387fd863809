-- 0001_auth.sql: users, sessions (refresh-token families), refresh
-- tokens (SHA-256 hashes only) and login throttling.  Times are Unix
-- seconds.
CREATE TABLE users (
	id		TEXT PRIMARY KEY,
	email		TEXT NOT NULL UNIQUE COLLATE NOCASE,
	password_hash	TEXT NOT NULL,
	disabled	INTEGER NOT NULL DEFAULT 0,
	created		INTEGER NOT NULL,
	updated		INTEGER NOT NULL
);

CREATE TABLE sessions (
	id		TEXT PRIMARY KEY,
	user_id		TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created		INTEGER NOT NULL,
	last_used	INTEGER NOT NULL,
	expires		INTEGER NOT NULL,
	user_agent	TEXT,
	ip		TEXT,
	revoked		INTEGER,
	revoke_reason	TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE refresh_tokens (
	id		INTEGER PRIMARY KEY,
	token_hash	BLOB NOT NULL UNIQUE,
	session_id	TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
	parent_id	INTEGER REFERENCES refresh_tokens(id) ON DELETE SET NULL,
	user_id		TEXT NOT NULL,
	created		INTEGER NOT NULL,
	expires		INTEGER NOT NULL,
	last_used	INTEGER,
	rotated		INTEGER,
	revoked		INTEGER
);
CREATE INDEX refresh_tokens_session ON refresh_tokens(session_id);

CREATE TABLE login_throttle (
	key		TEXT PRIMARY KEY,
	failures	INTEGER NOT NULL,
	last_failure	INTEGER NOT NULL,
	blocked_until	INTEGER NOT NULL
);
