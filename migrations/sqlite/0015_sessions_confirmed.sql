-- When the session's password was last typed: owners' changes (roles,
-- invitations, removals, settings) ask for it again once this is an hour old.
-- Sessions from before have none, so they are asked at their next such change.
ALTER TABLE sessions ADD COLUMN confirmed_at TEXT;
