-- Feedback anonymity threshold snapshots (docs/anonymity.md, "The anonymity threshold").
-- feedback_campaigns.threshold: the club's threshold k when the campaign started (what its
--   invitations and receipts promised).
-- feedback_answers.threshold: for spontaneous feedback (campaign_id NULL), the club's k when
--   the answer was given (NULL on campaign answers: their campaign's snapshot applies).
-- Reports, digests, exports and pain points use max(snapshot, the club's current k), so
-- lowering the club's threshold never reveals answers given under a higher one.
-- Rows older than this migration get the club's threshold as it is now (5 by default).
ALTER TABLE feedback_campaigns ADD COLUMN threshold INTEGER;
ALTER TABLE feedback_answers ADD COLUMN threshold INTEGER;
UPDATE feedback_campaigns SET threshold = coalesce(
    (SELECT anonymity_threshold FROM club_settings WHERE club_settings.guild_id = feedback_campaigns.guild_id), 5);
UPDATE feedback_answers SET threshold = coalesce(
    (SELECT anonymity_threshold FROM club_settings WHERE club_settings.guild_id = feedback_answers.guild_id), 5)
    WHERE campaign_id IS NULL;
