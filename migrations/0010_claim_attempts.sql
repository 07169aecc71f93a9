-- A claim is not a send (docs/architecture.md, "Scheduler"): a scheduled post is intended
-- (claimed_at), attempted (attempted_at, with the fingerprint of the message it tried to
-- post) and done (done_at, discord_id). Only an attempted-not-done post is ambiguous: the
-- next start looks for it in Discord before posting again.
ALTER TABLE claims ADD COLUMN attempted_at INTEGER;
ALTER TABLE claims ADD COLUMN fingerprint TEXT;
