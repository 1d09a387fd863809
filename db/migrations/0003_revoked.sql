-- 0003_revoked.sql: every process of verify, todos and refresh reads the
-- sessions revoked in the last few seconds twice a second (src/core/
-- revoke.c: revocation reaches access tokens through their sid), so
-- revoked sessions get an index of their own, live ones stay out of it.
CREATE INDEX sessions_revoked ON sessions(revoked) WHERE revoked IS NOT NULL;
