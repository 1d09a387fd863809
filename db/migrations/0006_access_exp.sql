-- 0006_access_exp.sql: the latest access-token expiry of each session.
--
-- Login and refresh write access_exp (the exp claim of the newest access
-- token the session was handed, Unix seconds) in the transaction that
-- hands it out, so a revoked session's tokens are refused until the
-- last of them has expired (src/core/revoke.c), whatever lifetime the
-- verifying host is configured with.  NULL: a server-side session, or
-- one whose tokens were issued before this column existed.
ALTER TABLE sessions ADD COLUMN access_exp BIGINT;
CREATE INDEX sessions_revoked_exp ON sessions(access_exp)
    WHERE revoked IS NOT NULL;
