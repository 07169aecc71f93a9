-- Foundation: club settings per guild, moderators' audit log, idempotency claims.
-- Instants are INTEGER Unix seconds (UTC).

CREATE TABLE club_settings (
    guild_id                 INTEGER PRIMARY KEY,
    announcements_channel_id INTEGER,
    meetings_channel_id      INTEGER,
    prompts_channel_id       INTEGER,
    feedback_channel_id      INTEGER,
    moderator_role_id        INTEGER,
    timezone                 TEXT,
    locale                   TEXT CHECK (locale IS NULL OR locale IN ('fr', 'en')),
    anonymity_threshold      INTEGER NOT NULL DEFAULT 5 CHECK (anonymity_threshold >= 3),
    updated_at               INTEGER
);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    actor_id   INTEGER NOT NULL,
    action     TEXT    NOT NULL,
    detail     TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX audit_log_by_guild ON audit_log (guild_id, id DESC);

-- Every scheduled side effect claims its key here before it acts (docs/architecture.md, "Scheduler").
CREATE TABLE claims (
    key        TEXT    PRIMARY KEY,
    guild_id   INTEGER,
    claimed_at INTEGER NOT NULL,
    done_at    INTEGER,
    discord_id INTEGER
);
