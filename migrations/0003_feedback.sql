-- Anonymous feedback and campaigns (docs/anonymity.md, "What is stored").
-- Instants are INTEGER Unix seconds (UTC). Anonymous tables hold NO author id, name,
-- message id or exact time, and are WITHOUT ROWID with random (or HMAC) primary keys so
-- that no row order can be matched between the answers and the dedupe keys.

CREATE TABLE feedback_campaigns (
    id                  INTEGER PRIMARY KEY,
    guild_id            INTEGER NOT NULL,
    title               TEXT    NOT NULL,
    kind                TEXT    NOT NULL DEFAULT 'campaign' CHECK (kind IN ('campaign', 'survey')),
    source              TEXT,
    audience_role_id    INTEGER,
    restricted          INTEGER NOT NULL DEFAULT 0,
    created_by          INTEGER,
    created_at          INTEGER NOT NULL,
    closes_at           INTEGER NOT NULL,
    closed_at           INTEGER,
    status              TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    invited             INTEGER NOT NULL DEFAULT 0,
    dm_sent             INTEGER NOT NULL DEFAULT 0,
    dm_failed           INTEGER NOT NULL DEFAULT 0,
    announce_channel_id INTEGER,
    announce_message_id INTEGER
);
CREATE INDEX feedback_campaigns_by_guild ON feedback_campaigns (guild_id, status, closes_at);

CREATE TABLE feedback_questions (
    campaign_id INTEGER NOT NULL REFERENCES feedback_campaigns (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('rating', 'text')),
    prompt      TEXT    NOT NULL,
    PRIMARY KEY (campaign_id, position)
);

-- One anonymous answer (a campaign answer, or spontaneous feedback when campaign_id is NULL).
-- id: random hex; week: ISO week only; receipt_hash: SHA-256 of the member's receipt code.
CREATE TABLE feedback_answers (
    id           TEXT    PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    campaign_id  INTEGER REFERENCES feedback_campaigns (id) ON DELETE CASCADE,
    category     TEXT,
    rating       INTEGER CHECK (rating IS NULL OR rating BETWEEN 0 AND 10),
    body         TEXT,
    week         TEXT    NOT NULL,
    receipt_hash TEXT    NOT NULL UNIQUE,
    digest_id    INTEGER
) WITHOUT ROWID;
CREATE INDEX feedback_answers_by_campaign ON feedback_answers (guild_id, campaign_id);

-- The values of one campaign answer, one row per question.
CREATE TABLE feedback_values (
    answer_id TEXT    NOT NULL REFERENCES feedback_answers (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    rating    INTEGER CHECK (rating IS NULL OR rating BETWEEN 0 AND 10),
    body      TEXT,
    PRIMARY KEY (answer_id, position)
) WITHOUT ROWID;

-- One answer per member per campaign: HMAC-SHA256(secret, "feedback:campaign:{id}:" ‖ user_id).
-- No column links it to an answer; WITHOUT ROWID keyed by the HMAC, so stored in random order.
CREATE TABLE feedback_dedupe (
    key TEXT PRIMARY KEY
) WITHOUT ROWID;

-- Who may answer a restricted campaign (a post-meeting survey, a role's DM invitation):
-- HMAC under a different scope ("feedback:invite:{id}") than the dedupe keys.
CREATE TABLE feedback_invites (
    key TEXT PRIMARY KEY
) WITHOUT ROWID;

-- Digests of spontaneous feedback posted in the feedback channel (batches, no content here).
CREATE TABLE feedback_digests (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    posted_at  INTEGER NOT NULL,
    count      INTEGER NOT NULL,
    channel_id INTEGER,
    message_id INTEGER
);

-- Weekly automatic digest per guild (club's local wall-clock time).
CREATE TABLE feedback_config (
    guild_id       INTEGER PRIMARY KEY,
    digest_enabled INTEGER NOT NULL DEFAULT 1,
    digest_weekday INTEGER NOT NULL DEFAULT 0 CHECK (digest_weekday BETWEEN 0 AND 6),
    digest_hour    INTEGER NOT NULL DEFAULT 9 CHECK (digest_hour BETWEEN 0 AND 23)
);
