-- Meetings: series (local wall-clock time + IANA zone + RFC 5545 rule), one row per
-- occurrence that has been announced or overridden (moved, cancelled, edited), RSVPs,
-- reminders, member-proposed agenda topics and their votes.
-- Instants are INTEGER Unix seconds (UTC); series times are local ISO text in `timezone`.

CREATE TABLE meeting_series (
    id                  INTEGER PRIMARY KEY,
    guild_id            INTEGER NOT NULL,
    channel_id          INTEGER NOT NULL,
    organiser_id        INTEGER NOT NULL,
    title               TEXT    NOT NULL,
    agenda              TEXT    NOT NULL DEFAULT '',
    location            TEXT    NOT NULL DEFAULT '',
    location_channel_id INTEGER,
    local_start         TEXT    NOT NULL,            -- 'YYYY-MM-DDTHH:MM' wall clock in `timezone`
    timezone            TEXT    NOT NULL,            -- IANA name
    repeat              TEXT    NOT NULL DEFAULT 'none'
                        CHECK (repeat IN ('none', 'weekly', 'monthly', 'quarterly', 'semiannual', 'yearly')),
    rrule               TEXT,                        -- RFC 5545 RRULE value, NULL for a one-off
    duration_s          INTEGER NOT NULL CHECK (duration_s > 0),
    reminders           TEXT    NOT NULL DEFAULT '', -- comma-separated offsets in seconds before the start
    created_at          INTEGER NOT NULL,
    cancelled_at        INTEGER
);
CREATE INDEX meeting_series_by_guild ON meeting_series (guild_id);

CREATE TABLE meeting_occurrences (
    id                  INTEGER PRIMARY KEY,
    series_id           INTEGER NOT NULL REFERENCES meeting_series (id) ON DELETE CASCADE,
    guild_id            INTEGER NOT NULL,
    recurrence_local    TEXT    NOT NULL,            -- the rule's original local start (RECURRENCE-ID)
    starts_at           INTEGER NOT NULL,
    ends_at             INTEGER NOT NULL,
    title               TEXT    NOT NULL,
    agenda              TEXT    NOT NULL DEFAULT '',
    location            TEXT    NOT NULL DEFAULT '',
    location_channel_id INTEGER,
    status              TEXT    NOT NULL DEFAULT 'scheduled'
                        CHECK (status IN ('scheduled', 'started', 'ended', 'cancelled')),
    channel_id          INTEGER NOT NULL,
    message_id          INTEGER,
    thread_id           INTEGER,
    event_id            INTEGER,
    event_note          TEXT,                        -- why no scheduled event ('forbidden', ...)
    archived            INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL,
    UNIQUE (series_id, recurrence_local)
);
CREATE INDEX meeting_occurrences_by_guild ON meeting_occurrences (guild_id, status, starts_at);
CREATE INDEX meeting_occurrences_by_status ON meeting_occurrences (status, starts_at);

CREATE TABLE meeting_reminders (
    occurrence_id INTEGER NOT NULL REFERENCES meeting_occurrences (id) ON DELETE CASCADE,
    offset_s      INTEGER NOT NULL CHECK (offset_s > 0),
    sent_at       INTEGER,
    late          INTEGER NOT NULL DEFAULT 0,
    dm_sent       INTEGER NOT NULL DEFAULT 0,
    dm_failed     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (occurrence_id, offset_s)
);

CREATE TABLE meeting_rsvps (
    occurrence_id INTEGER NOT NULL REFERENCES meeting_occurrences (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('going', 'maybe', 'no')),
    remind        INTEGER NOT NULL DEFAULT 0,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (occurrence_id, user_id)
);

CREATE TABLE meeting_topics (
    id            INTEGER PRIMARY KEY,
    occurrence_id INTEGER NOT NULL REFERENCES meeting_occurrences (id) ON DELETE CASCADE,
    author_id     INTEGER NOT NULL,
    text          TEXT    NOT NULL,
    message_id    INTEGER,
    created_at    INTEGER NOT NULL
);
CREATE INDEX meeting_topics_by_occurrence ON meeting_topics (occurrence_id);

CREATE TABLE meeting_topic_votes (
    topic_id INTEGER NOT NULL REFERENCES meeting_topics (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL,
    PRIMARY KEY (topic_id, user_id)
);
