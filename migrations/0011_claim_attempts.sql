-- A claim is not a send (docs/architecture.md, "Scheduler"): a scheduled post is intended
-- (claimed_at), attempted (attempted_at, with the fingerprint of the message it tried to
-- post) and done (done_at, discord_id). Only an attempted-not-done post is ambiguous: the
-- next start looks for it in Discord before posting again.
ALTER TABLE claims ADD COLUMN attempted_at INTEGER;
ALTER TABLE claims ADD COLUMN fingerprint TEXT;
-- Claims left unfinished by a Cercle from before this migration carry no attempt record:
-- whether their post reached Discord is unknown, so they stay as that version left them
-- (taken: at most once) rather than risk a second post.
UPDATE claims SET done_at = claimed_at WHERE done_at IS NULL;
