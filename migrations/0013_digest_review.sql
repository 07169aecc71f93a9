-- Moderating anonymous text (docs/anonymity.md, "Reviewing digests"): a digest's texts go
-- to the moderators before the feedback channel, unless the club chose automatic digests.
--
-- feedback_config.digest_review: 1 (default) = a taken digest waits for review; 0 = posted
--   at once.
-- club_settings.moderators_channel_id: where Cercle tells moderators that a digest waits.
-- feedback_digests.status: 'review' (waiting for a moderator), 'approved' (to post: posted
--   exactly once, each of its messages a claimed side effect), 'posted'. Digests made before
--   this migration were posted.
-- feedback_digests.week: the weekly run ("2026-W49") that took it, NULL for a moderator's
--   /campaign digest; at most one digest per club and week.
-- feedback_digests.payload: the texts to post, frozen when the digest is approved (JSON
--   [[category, rating, body], ...] in posting order), so that a post resumed after a crash
--   is the same message whatever was withdrawn meanwhile; erased once posted.
-- feedback_answers.held: 1 when a moderator held the text back from the public digest (it
--   still counts in every aggregate).
ALTER TABLE feedback_config ADD COLUMN digest_review INTEGER NOT NULL DEFAULT 1 CHECK (digest_review IN (0, 1));
ALTER TABLE club_settings ADD COLUMN moderators_channel_id INTEGER;
ALTER TABLE feedback_digests ADD COLUMN status TEXT NOT NULL DEFAULT 'posted'
    CHECK (status IN ('review', 'approved', 'posted'));
ALTER TABLE feedback_digests ADD COLUMN week TEXT;
ALTER TABLE feedback_digests ADD COLUMN payload TEXT;
CREATE UNIQUE INDEX feedback_digests_by_week ON feedback_digests (guild_id, week) WHERE week IS NOT NULL;
CREATE INDEX feedback_digests_by_status ON feedback_digests (status) WHERE status <> 'posted';
ALTER TABLE feedback_answers ADD COLUMN held INTEGER NOT NULL DEFAULT 0 CHECK (held IN (0, 1));
