-- Cohorts (docs/anonymity.md, "Cohorts"): an anonymous answer is readable only once it
-- belongs to a released cohort of at least k answers, released together in random order
-- with no time finer than the release's ISO week.
--
-- feedback_pending: answers waiting for their cohort, apart from the readable store
--   (feedback_answers). WITHOUT ROWID with a random id: no insertion order. answer_values is
--   a campaign answer's values as JSON [[position, rating, body], ...]. threshold: the k the
--   member was promised. voice: spontaneous feedback's one-voice-per-member-per-week key,
--   HMAC(secret, "feedback:voice:{guild}:{week}" ‖ member); replaces: the id of a released
--   answer this one replaces at the release. A release moves the rows to feedback_answers
--   under new random ids and deletes them here (secure_delete), then truncates the WAL.
CREATE TABLE feedback_pending (
    id            TEXT    PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    campaign_id   INTEGER REFERENCES feedback_campaigns (id) ON DELETE CASCADE,
    category      TEXT,
    rating        INTEGER CHECK (rating IS NULL OR rating BETWEEN 0 AND 10),
    body          TEXT,
    answer_values TEXT,
    receipt_hash  TEXT    NOT NULL UNIQUE,
    threshold     INTEGER,
    voice         TEXT    UNIQUE,
    replaces      TEXT
) WITHOUT ROWID;
CREATE INDEX feedback_pending_by_scope ON feedback_pending (guild_id, campaign_id);

-- Withdrawals of released answers, applied at the next release of their scope (never in
-- between: a report that lost one answer would show it alone).
CREATE TABLE feedback_withdrawals (
    answer_id   TEXT    PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    campaign_id INTEGER
) WITHOUT ROWID;

-- One row per release: its scope, ISO week and size (the only time kept on its answers).
CREATE TABLE feedback_cohorts (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    campaign_id INTEGER REFERENCES feedback_campaigns (id) ON DELETE CASCADE,
    week        TEXT    NOT NULL,
    size        INTEGER NOT NULL
);

-- Released answers: their cohort (NULL for answers released before cohorts existed) and,
-- for spontaneous feedback of the last two weeks, the voice key (erased after).
ALTER TABLE feedback_answers ADD COLUMN cohort_id INTEGER;
ALTER TABLE feedback_answers ADD COLUMN voice TEXT;
CREATE UNIQUE INDEX feedback_answers_by_voice ON feedback_answers (voice) WHERE voice IS NOT NULL;

-- A campaign releases once at its close (default) or in live cohorts; at the close the
-- remainder below k is destroyed and counted here.
ALTER TABLE feedback_campaigns ADD COLUMN release TEXT NOT NULL DEFAULT 'close' CHECK (release IN ('close', 'live'));
ALTER TABLE feedback_campaigns ADD COLUMN unreleased INTEGER NOT NULL DEFAULT 0;

-- The campaign a dedupe or invitation key belongs to, so that its keys are destroyed at
-- the close (keys made before this migration have none and stay as they are).
ALTER TABLE feedback_dedupe ADD COLUMN campaign_id INTEGER;
ALTER TABLE feedback_invites ADD COLUMN campaign_id INTEGER;
CREATE INDEX feedback_dedupe_by_campaign ON feedback_dedupe (campaign_id);
CREATE INDEX feedback_invites_by_campaign ON feedback_invites (campaign_id);
