-- 0002_todos.sql (PostgreSQL twin of db/migrations/0002_todos.sql): the
-- todos of the resource API.  created_at/updated_at are RFC 3339 UTC
-- text; completed stays an INTEGER 0/1, as the core's SQL compares it.
CREATE TABLE todos (
	id		BIGSERIAL PRIMARY KEY,
	user_id		TEXT NOT NULL,
	title		TEXT NOT NULL,
	description	TEXT,
	completed	INTEGER NOT NULL DEFAULT 0 CHECK (completed IN (0, 1)),
	created_at	TEXT NOT NULL,
	updated_at	TEXT NOT NULL
);
CREATE INDEX todos_user ON todos(user_id, id DESC);
