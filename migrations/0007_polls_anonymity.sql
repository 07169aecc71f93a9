-- Polls anonymity (docs/anonymity.md, "The anonymity threshold" and "Anonymous polls sealed at the close").
-- anonymity_threshold: the club's threshold k when the poll was created (raised to the
--   club's value at the close when that is higher); counts of an anonymous poll show only
--   with at least max(this, the club's current threshold) voters, so lowering the club's
--   threshold never reveals a poll whose voters were promised more.
-- sealed_voters: set when an anonymous poll is sealed at its close: the number of voters.
--   The voter keys (HMAC of the member's id) are then replaced by random values, so
--   neither the database nor the database + the secret can tell who voted what.
ALTER TABLE polls ADD COLUMN anonymity_threshold INTEGER;
ALTER TABLE polls ADD COLUMN sealed_voters INTEGER;
UPDATE polls SET anonymity_threshold = coalesce(
    (SELECT anonymity_threshold FROM club_settings WHERE club_settings.guild_id = polls.guild_id), 5);
-- Anonymous polls closed before this migration are sealed now.
UPDATE polls SET sealed_voters = (SELECT count(DISTINCT voter) FROM poll_votes WHERE poll_votes.poll_id = polls.id)
    WHERE anonymous = 1 AND status = 'closed';
UPDATE poll_votes SET voter = lower(hex(randomblob(32)))
    WHERE poll_id IN (SELECT id FROM polls WHERE anonymous = 1 AND status = 'closed');
