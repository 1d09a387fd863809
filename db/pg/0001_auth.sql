-- 0001_auth.sql (PostgreSQL twin of db/migrations/0001_auth.sql): the same
-- tables, columns and version.  Token ids are BIGSERIAL, hashes BYTEA;
-- everything else keeps the portable types the core's SQL relies on
-- (disabled is an INTEGER 0/1, times are Unix seconds in BIGINT).
CREATE TABLE users (
	id		TEXT PRIMARY KEY,
	email		TEXT NOT NULL UNIQUE,
	password_hash	TEXT NOT NULL,
	disabled	INTEGER NOT NULL DEFAULT 0,
	created		BIGINT NOT NULL,
	updated		BIGINT NOT NULL
);

-- One row per login: the family of every refresh token rotated from it.
-- A refresh locks its family's row (SELECT ... FOR UPDATE), so that
-- rotations of one family run one after the other on every host.
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
	id		BIGSERIAL PRIMARY KEY,
	token_hash	BYTEA NOT NULL UNIQUE,
	session_id	TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
	parent_id	BIGINT REFERENCES refresh_tokens(id) ON DELETE SET NULL,
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
