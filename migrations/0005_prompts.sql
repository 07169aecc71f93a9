-- Weekly themed prompts: the club's bank, its weekly schedule, what was posted
-- (or missed / skipped / failed) each week, reply counts, and members' suggestions.
-- Instants are INTEGER Unix seconds (UTC); the weekly time is local wall-clock + IANA zone.

CREATE TABLE prompts (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    theme       TEXT    NOT NULL CHECK (theme IN ('features', 'practice', 'pain_points', 'roadmap', 'community')),
    text        TEXT    NOT NULL,
    norm        TEXT    NOT NULL,            -- normalised text, for duplicate detection
    lang        TEXT,                        -- 'en'/'fr' for the built-in bank; NULL: the club's own (any language)
    builtin_key TEXT,                        -- stable key of a built-in prompt ('en-feat-01')
    source      TEXT    NOT NULL CHECK (source IN ('builtin', 'moderator', 'import', 'suggestion')),
    added_by    INTEGER,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER,
    removed_at  INTEGER
);
CREATE UNIQUE INDEX prompts_builtin ON prompts (guild_id, builtin_key) WHERE builtin_key IS NOT NULL;
CREATE UNIQUE INDEX prompts_active_norm ON prompts (guild_id, norm) WHERE removed_at IS NULL;
CREATE INDEX prompts_by_guild ON prompts (guild_id, theme, id);

CREATE TABLE prompt_schedules (
    guild_id      INTEGER PRIMARY KEY,
    weekday       INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),   -- Monday = 0
    local_time    TEXT    NOT NULL,                                   -- 'HH:MM' in timezone
    timezone      TEXT    NOT NULL,                                   -- IANA name
    channel_id    INTEGER,                                            -- NULL: the club's prompts channel
    themes        TEXT    NOT NULL,                                   -- comma-separated theme keys
    ping_role_id  INTEGER,
    paused        INTEGER NOT NULL DEFAULT 0,
    next_at       INTEGER,                                            -- the next weekly occurrence
    attempt_at    INTEGER,                                            -- when to (re)try it
    alert_sent_at INTEGER,                                            -- moderators told of a lost channel
    updated_by    INTEGER,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE prompt_posts (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('scheduled', 'manual')),
    week        TEXT,                       -- ISO week of the occurrence in the club's zone ('2026-W49')
    due_at      INTEGER,
    status      TEXT    NOT NULL CHECK (status IN ('posted', 'missed', 'skipped', 'failed')),
    reason      TEXT,
    prompt_id   INTEGER REFERENCES prompts (id),
    theme       TEXT,
    cycle       INTEGER,
    channel_id  INTEGER,
    message_id  INTEGER,
    thread_id   INTEGER,
    posted_at   INTEGER,
    replies     INTEGER NOT NULL DEFAULT 0,
    recorded_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX prompt_posts_week ON prompt_posts (guild_id, week) WHERE kind = 'scheduled';
CREATE UNIQUE INDEX prompt_posts_thread ON prompt_posts (thread_id) WHERE thread_id IS NOT NULL;
CREATE INDEX prompt_posts_by_guild ON prompt_posts (guild_id, status, posted_at);

-- Distinct repliers per post, as HMAC keys (bot.anonymity.dedupe_key), never raw ids.
CREATE TABLE prompt_participants (
    post_id    INTEGER NOT NULL REFERENCES prompt_posts (id) ON DELETE CASCADE,
    member_key TEXT    NOT NULL,
    PRIMARY KEY (post_id, member_key)
) WITHOUT ROWID;

CREATE TABLE prompt_suggestions (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    theme         TEXT    NOT NULL,
    text          TEXT    NOT NULL,
    author_id     INTEGER NOT NULL,         -- suggestions are signed: the author hears the outcome
    author_locale TEXT    NOT NULL DEFAULT 'en',
    status        TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    created_at    INTEGER NOT NULL,
    decided_by    INTEGER,
    decided_at    INTEGER,
    prompt_id     INTEGER REFERENCES prompts (id)
);
CREATE INDEX prompt_suggestions_pending ON prompt_suggestions (guild_id, status, id);
