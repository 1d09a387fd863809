-- 0002_todos.sql: the todos of the resource API (the todos program).
-- created_at/updated_at are RFC 3339 UTC text.
CREATE TABLE todos (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id		TEXT NOT NULL,
	title		TEXT NOT NULL,
	description	TEXT,
	completed	INTEGER NOT NULL DEFAULT 0 CHECK (completed IN (0, 1)),
	created_at	TEXT NOT NULL,
	updated_at	TEXT NOT NULL
);
CREATE INDEX todos_user ON todos(user_id, id DESC);
