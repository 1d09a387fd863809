-- 0005_web_sessions: server-side sessions, and the user_sessions view.
--
-- A user outside the JWT rollout (JWT_ROLLOUT_PERCENTAGE,
-- src/core/rollout.c) logs in to a server-side session: a sessions row
-- like any other, revoked by the same logout, "log out everywhere" and
-- user disable, but with no refresh tokens.  token_hash holds the
-- SHA-256 of its opaque cookie (src/core/websession.c); it is NULL for a
-- refresh-token family.
ALTER TABLE sessions ADD COLUMN token_hash BLOB;
CREATE UNIQUE INDEX sessions_token ON sessions(token_hash)
    WHERE token_hash IS NOT NULL;

-- The live sessions as the hybrid-JWT guides query them: id, user_id,
-- token (hex SHA-256: of the session cookie, or of the family's current
-- refresh token) and expires_at (UTC, 'YYYY-MM-DD HH:MM:SS').
CREATE VIEW user_sessions AS
SELECT s.id AS id, s.user_id AS user_id,
    lower(hex(COALESCE(s.token_hash,
	(SELECT t.token_hash FROM refresh_tokens t
	WHERE t.session_id = s.id AND t.rotated IS NULL AND t.revoked IS NULL
	ORDER BY t.id DESC LIMIT 1)))) AS token,
    datetime(s.expires, 'unixepoch') AS expires_at
FROM sessions s WHERE s.revoked IS NULL;
