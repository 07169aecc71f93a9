-- Polls. Instants are INTEGER Unix seconds (UTC).
-- Anonymous polls never store a voter id: poll_votes.voter holds
-- HMAC-SHA256(secret, "poll:{id}" || user_id) (docs/anonymity.md, "Dedupe keys") and voted_at stays NULL.
-- Public polls store the voter's id (as decimal text) and the instant of the vote.

-- A recurring poll: local wall-clock times + IANA zone + RFC 5545 rule (docs/architecture.md, "Time").
CREATE TABLE poll_series (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    channel_id    INTEGER NOT NULL,
    creator_id    INTEGER NOT NULL,
    question      TEXT    NOT NULL,
    description   TEXT    NOT NULL DEFAULT '',
    choices       TEXT    NOT NULL,              -- JSON array of the choice texts
    anonymous     INTEGER NOT NULL CHECK (anonymous IN (0, 1)),
    max_choices   INTEGER NOT NULL CHECK (max_choices >= 1),
    show_results  TEXT    NOT NULL CHECK (show_results IN ('live', 'after_close')),
    repeat        TEXT    NOT NULL CHECK (repeat IN ('weekly', 'monthly', 'quarterly')),
    rrule         TEXT    NOT NULL,              -- e.g. FREQ=WEEKLY;INTERVAL=1
    timezone      TEXT    NOT NULL,              -- IANA zone the rule is expanded in
    local_opens   TEXT    NOT NULL,              -- first occurrence, naive ISO local time
    local_closes  TEXT    NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at    INTEGER NOT NULL
);

CREATE TABLE polls (
    id               INTEGER PRIMARY KEY,
    guild_id         INTEGER NOT NULL,
    channel_id       INTEGER NOT NULL,
    message_id       INTEGER,
    creator_id       INTEGER NOT NULL,          -- the moderator who created it, never a voter
    question         TEXT    NOT NULL,
    description      TEXT    NOT NULL DEFAULT '',
    anonymous        INTEGER NOT NULL CHECK (anonymous IN (0, 1)),
    max_choices      INTEGER NOT NULL CHECK (max_choices >= 1),
    show_results     TEXT    NOT NULL CHECK (show_results IN ('live', 'after_close')),
    status           TEXT    NOT NULL CHECK (status IN ('scheduled', 'open', 'closed', 'cancelled')),
    opens_at         INTEGER NOT NULL,
    closes_at        INTEGER NOT NULL,
    opened_at        INTEGER,
    closed_at        INTEGER,
    finalized_at     INTEGER,                   -- after-close work (final edit, chart, next occurrence) done
    series_id        INTEGER REFERENCES poll_series (id),
    votes_version    INTEGER NOT NULL DEFAULT 0, -- bumped by every vote change
    rendered_version INTEGER NOT NULL DEFAULT 0, -- the version the poll message shows
    created_at       INTEGER NOT NULL,
    CHECK (closes_at > opens_at),
    UNIQUE (series_id, opens_at)
);
CREATE INDEX polls_by_guild_status ON polls (guild_id, status, closes_at);
CREATE INDEX polls_by_status ON polls (status);

CREATE TABLE poll_choices (
    poll_id  INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    position INTEGER NOT NULL CHECK (position >= 1),
    label    TEXT    NOT NULL,
    PRIMARY KEY (poll_id, position)
);

-- One row per (poll, voter, choice): the primary key makes double clicks and races harmless.
CREATE TABLE poll_votes (
    poll_id  INTEGER NOT NULL,
    voter    TEXT    NOT NULL,
    position INTEGER NOT NULL,
    voted_at INTEGER,
    PRIMARY KEY (poll_id, voter, position),
    FOREIGN KEY (poll_id, position) REFERENCES poll_choices (poll_id, position) ON DELETE CASCADE
) WITHOUT ROWID;
