-- Durable DM fan-outs (docs/architecture.md, "Direct messages"): campaign/survey invitations, meeting reminders and
-- change/cancel notices survive a restart in the middle. One row per fan-out job, one row per
-- recipient not yet attempted; a recipient's row is deleted (and the job's counters moved) in
-- one transaction right after their DM was attempted, so a resumed job never DMs anyone twice.
-- Instants are INTEGER Unix seconds (UTC).
--
-- Anonymity (docs/anonymity.md, "Sealed outbox recipients"): nothing about answers is ever written here. Recipients are not
-- stored in clear either (an invitation list must not sit in the file or its WAL, like the
-- HMAC'd feedback_invites): ``token`` = HMAC-SHA256(secret, job ‖ user id) truncated to 16
-- bytes (the primary key: one row per member per job, random order), ``sealed`` = the user
-- id encrypted with AES-GCM (the ``cryptography`` library; key derived from the secret with
-- HKDF, nonce = the token, the job name as associated data). Only the process holding the
-- anonymity secret can read a recipient back.

CREATE TABLE fanout_jobs (
    job        TEXT    PRIMARY KEY,           -- '{prefix}:{ref}', e.g. 'feedback.invite:12'
    guild_id   INTEGER,
    created_at INTEGER NOT NULL,
    total      INTEGER NOT NULL DEFAULT 0,    -- recipients enqueued
    sent       INTEGER NOT NULL DEFAULT 0,    -- DMs delivered so far (all runs)
    failed     INTEGER NOT NULL DEFAULT 0,    -- DMs that failed with a DeliveryError (all runs)
    payload    TEXT    NOT NULL DEFAULT '{}'  -- JSON the feature re-renders its message from (no ids of members)
) WITHOUT ROWID;

CREATE TABLE fanout_outbox (
    job    TEXT NOT NULL REFERENCES fanout_jobs (job) ON DELETE CASCADE,
    token  BLOB NOT NULL,
    sealed BLOB NOT NULL,
    PRIMARY KEY (job, token)
) WITHOUT ROWID;
