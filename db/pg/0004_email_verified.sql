-- 0004_email_verified: whether a user's email address is known to be
-- theirs.  Users an operator adds (authctl user add) are; self-signup
-- (AUTH_SIGNUP=true) adds users whose address nobody has checked, and
-- their tokens carry email_verified: false and no email until an operator
-- verifies it (authctl user verify).  Existing users were all added by an
-- operator or before this rule: they count as verified.
ALTER TABLE users ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 1;
