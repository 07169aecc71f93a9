"""SQL of the weekly prompts: SQL in, dataclasses out. Instants are Unix seconds (UTC)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from bot.db import Database, Row


@dataclass(frozen=True)
class Prompt:
    """A prompt of a club's bank. ``lang`` is ``"en"``/``"fr"`` for the built-in bank,
    ``None`` for the club's own prompts (any language); ``removed_at`` set once removed."""

    id: int
    guild_id: int
    theme: str
    text: str
    lang: str | None
    source: str
    added_by: int | None
    created_at: int
    removed_at: int | None = None


@dataclass(frozen=True)
class Schedule:
    """A guild's weekly schedule: ``weekday`` (Monday = 0) at ``local_time`` ``"HH:MM"`` in
    ``timezone``; ``channel_id`` ``None`` means the club's prompts channel; ``next_at`` is
    the next occurrence and ``attempt_at`` when it is (re)tried, both Unix seconds."""

    guild_id: int
    weekday: int
    local_time: str
    timezone: str
    channel_id: int | None
    themes: tuple[str, ...]
    ping_role_id: int | None
    paused: bool
    next_at: int | None
    attempt_at: int | None
    alert_sent_at: int | None

    @property
    def hour_minute(self) -> tuple[int, int]:
        """``(hour, minute)`` of the local time."""
        hour, minute = self.local_time.split(":")
        return int(hour), int(minute)


@dataclass(frozen=True)
class Post:
    """One week's outcome (``kind`` ``scheduled``) or a ``manual`` post: ``status`` is
    ``posted``, ``missed`` (downtime past the grace), ``skipped`` (moderator) or ``failed``
    (channel lost); the Discord ids once posted; ``replies`` counted in its thread."""

    id: int
    guild_id: int
    kind: str
    week: str | None
    due_at: int | None
    status: str
    reason: str | None
    prompt_id: int | None
    theme: str | None
    cycle: int | None
    channel_id: int | None
    message_id: int | None
    thread_id: int | None
    posted_at: int | None
    replies: int


@dataclass(frozen=True)
class Suggestion:
    """A member's suggested prompt waiting for (or after) review."""

    id: int
    guild_id: int
    theme: str
    text: str
    author_id: int
    author_locale: str
    status: str
    created_at: int
    decided_by: int | None
    decided_at: int | None
    prompt_id: int | None


@dataclass(frozen=True)
class ArmedSchedule:
    """A running schedule as the scheduler's loader sees it: the guild and when its job
    fires (``attempt_at``, Unix seconds: the retry of a lost channel, else the occurrence)."""

    guild_id: int
    attempt_at: int


@dataclass(frozen=True)
class Rotation:
    """Where a guild's rotation stands: the current ``cycle`` (1 before any post), the prompt
    ids ``used`` in that cycle (oldest first), and the theme of the last scheduled post."""

    cycle: int
    used: tuple[int, ...]
    last_theme: str | None


@dataclass(frozen=True)
class ThreadPost:
    """The post whose answers thread a message was sent in: its id and guild."""

    post_id: int
    guild_id: int


@dataclass(frozen=True)
class PostedStat:
    """One posted prompt's engagement: post id, when posted (Unix s), theme, the prompt's text
    (``""`` if the prompt row is gone), replies counted and distinct participants."""

    post_id: int
    posted_at: int
    theme: str
    text: str
    replies: int
    participants: int


_PROMPT_COLS = "id, guild_id, theme, text, lang, source, added_by, created_at, removed_at"
_SCHEDULE_COLS = (
    "guild_id, weekday, local_time, timezone, channel_id, themes, ping_role_id, paused, next_at, attempt_at, "
    "alert_sent_at"
)
_POST_COLS = (
    "id, guild_id, kind, week, due_at, status, reason, prompt_id, theme, cycle, channel_id, message_id, "
    "thread_id, posted_at, replies"
)
_SUGGESTION_COLS = (
    "id, guild_id, theme, text, author_id, author_locale, status, created_at, decided_by, decided_at, prompt_id"
)


def _prompt(row: Row) -> Prompt:
    return Prompt(*row)


def _schedule(row: Row) -> Schedule:
    values = list(row)
    values[5] = tuple(t for t in values[5].split(",") if t)
    values[7] = bool(values[7])
    return Schedule(*values)


def _post(row: Row) -> Post:
    return Post(*row)


# --------------------------------------------------------------------------- prompts


async def seed_builtin(
    db: Database, guild_id: int, lang: str, rows: Iterable[tuple[str, str, str, str]], now: int
) -> None:
    """Copy the built-in bank (``(key, theme, text, norm)`` rows) into a guild once; a built-in
    prompt the club removed or edited is never re-added (its key stays)."""
    await db.executemany(
        "INSERT OR IGNORE INTO prompts (guild_id, theme, text, norm, lang, builtin_key, source, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, 'builtin', ?)",
        [(guild_id, theme, text, norm, lang, key, now) for key, theme, text, norm in rows],
    )


async def add_prompt(
    db: Database, guild_id: int, theme: str, text: str, norm: str, source: str, added_by: int | None, now: int
) -> int | None:
    """Insert a club prompt; returns its id, or ``None`` when an active prompt of the guild
    already has this normalised text (the unique index refused it: a concurrent add)."""
    try:
        return await db.execute(
            "INSERT INTO prompts (guild_id, theme, text, norm, lang, source, added_by, created_at) "
            "VALUES (?, ?, ?, ?, NULL, ?, ?, ?)",
            (guild_id, theme, text, norm, source, added_by, now),
        )
    except sqlite3.IntegrityError:
        return None


async def get_prompt(db: Database, guild_id: int, prompt_id: int) -> Prompt | None:
    """One prompt of the guild (removed ones included), or ``None``."""
    row = await db.fetchone(f"SELECT {_PROMPT_COLS} FROM prompts WHERE guild_id = ? AND id = ?", (guild_id, prompt_id))
    return None if row is None else _prompt(row)


async def find_active_by_norm(db: Database, guild_id: int, norm: str) -> Prompt | None:
    """The active prompt with this normalised text, or ``None``."""
    row = await db.fetchone(
        f"SELECT {_PROMPT_COLS} FROM prompts WHERE guild_id = ? AND norm = ? AND removed_at IS NULL",
        (guild_id, norm),
    )
    return None if row is None else _prompt(row)


async def active_norms(db: Database, guild_id: int) -> set[str]:
    """Normalised texts of every active prompt of the guild."""
    rows = await db.fetchall("SELECT norm FROM prompts WHERE guild_id = ? AND removed_at IS NULL", (guild_id,))
    return {r[0] for r in rows}


async def update_prompt(db: Database, prompt_id: int, theme: str, text: str, norm: str, now: int) -> bool:
    """Change a prompt's text and theme; ``False`` (nothing changed) when another active prompt
    of the guild already has this normalised text (the unique index refused it)."""
    try:
        await db.execute(
            "UPDATE prompts SET theme = ?, text = ?, norm = ?, updated_at = ? WHERE id = ?",
            (theme, text, norm, now, prompt_id),
        )
    except sqlite3.IntegrityError:
        return False
    return True


async def remove_prompt(db: Database, prompt_id: int, now: int) -> None:
    """Soft-delete a prompt (posts keep pointing at it for the stats)."""
    await db.execute("UPDATE prompts SET removed_at = ? WHERE id = ?", (now, prompt_id))


def _lang_filter(lang: str | None) -> tuple[str, list[object]]:
    if lang is None:
        return "", []
    return " AND (lang IS NULL OR lang = ?)", [lang]


async def list_active(
    db: Database, guild_id: int, *, lang: str | None, theme: str | None = None, limit: int = -1, offset: int = 0
) -> list[Prompt]:
    """Active prompts of the club's language (built-in of ``lang`` + the club's own), by theme then id."""
    where, params = _lang_filter(lang)
    if theme is not None:
        where += " AND theme = ?"
        params.append(theme)
    rows = await db.fetchall(
        f"SELECT {_PROMPT_COLS} FROM prompts WHERE guild_id = ? AND removed_at IS NULL{where} "
        "ORDER BY CASE theme WHEN 'features' THEN 0 WHEN 'practice' THEN 1 WHEN 'pain_points' THEN 2 "
        "WHEN 'roadmap' THEN 3 ELSE 4 END, id LIMIT ? OFFSET ?",
        (guild_id, *params, limit, offset),
    )
    return [_prompt(r) for r in rows]


async def count_active(db: Database, guild_id: int, *, lang: str | None, theme: str | None = None) -> int:
    """How many active prompts :func:`list_active` would return without paging."""
    where, params = _lang_filter(lang)
    if theme is not None:
        where += " AND theme = ?"
        params.append(theme)
    return int(
        await db.fetchval(
            f"SELECT COUNT(*) FROM prompts WHERE guild_id = ? AND removed_at IS NULL{where}", (guild_id, *params), 0
        )
    )


# --------------------------------------------------------------------------- schedule


async def get_schedule(db: Database, guild_id: int) -> Schedule | None:
    """The guild's schedule, or ``None``."""
    row = await db.fetchone(f"SELECT {_SCHEDULE_COLS} FROM prompt_schedules WHERE guild_id = ?", (guild_id,))
    return None if row is None else _schedule(row)


async def save_schedule(
    db: Database,
    guild_id: int,
    *,
    weekday: int,
    local_time: str,
    timezone: str,
    channel_id: int | None,
    themes: tuple[str, ...],
    ping_role_id: int | None,
    next_at: int,
    actor_id: int,
    now: int,
) -> None:
    """Create or replace the schedule (un-paused, alert flag reset, next occurrence armed)."""
    await db.execute(
        "INSERT INTO prompt_schedules (guild_id, weekday, local_time, timezone, channel_id, themes, ping_role_id, "
        "paused, next_at, attempt_at, alert_sent_at, updated_by, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, NULL, ?, ?) "
        "ON CONFLICT (guild_id) DO UPDATE SET weekday = excluded.weekday, local_time = excluded.local_time, "
        "timezone = excluded.timezone, channel_id = excluded.channel_id, themes = excluded.themes, "
        "ping_role_id = excluded.ping_role_id, paused = 0, next_at = excluded.next_at, "
        "attempt_at = excluded.attempt_at, alert_sent_at = NULL, updated_by = excluded.updated_by, "
        "updated_at = excluded.updated_at",
        (guild_id, weekday, local_time, timezone, channel_id, ",".join(themes), ping_role_id, next_at, next_at,
         actor_id, now),
    )


async def set_paused(db: Database, guild_id: int, paused: bool, next_at: int | None, actor_id: int, now: int) -> None:
    """Pause (``next_at`` kept) or resume (``next_at`` recomputed) the schedule."""
    await db.execute(
        "UPDATE prompt_schedules SET paused = ?, next_at = ?, attempt_at = ?, updated_by = ?, updated_at = ? "
        "WHERE guild_id = ?",
        (int(paused), next_at, next_at, actor_id, now, guild_id),
    )


async def advance(db: Database, guild_id: int, expected_next: int | None, next_at: int, now: int) -> bool:
    """Move the schedule to its next occurrence if it still points at ``expected_next``
    (compare-and-set: two processes advancing the same week agree); returns whether it moved."""
    changed = await db.execute_rowcount(
        "UPDATE prompt_schedules SET next_at = ?, attempt_at = ?, updated_at = ? WHERE guild_id = ? AND next_at IS ?",
        (next_at, next_at, now, guild_id, expected_next),
    )
    return changed == 1


async def set_attempt(db: Database, guild_id: int, attempt_at: int) -> None:
    """Retry the current occurrence at ``attempt_at``."""
    await db.execute("UPDATE prompt_schedules SET attempt_at = ? WHERE guild_id = ?", (attempt_at, guild_id))


async def set_alert(db: Database, guild_id: int, alert_sent_at: int | None) -> None:
    """Remember (or forget) that moderators were told of a lost channel."""
    await db.execute("UPDATE prompt_schedules SET alert_sent_at = ? WHERE guild_id = ?", (alert_sent_at, guild_id))


async def armed_schedules(db: Database) -> list[ArmedSchedule]:
    """Every running schedule (not paused, with a next occurrence): the scheduler's loader."""
    rows = await db.fetchall(
        "SELECT guild_id, COALESCE(attempt_at, next_at) FROM prompt_schedules "
        "WHERE paused = 0 AND next_at IS NOT NULL"
    )
    return [ArmedSchedule(r[0], r[1]) for r in rows]


# --------------------------------------------------------------------------- posts


async def post_for_week(db: Database, guild_id: int, week: str) -> Post | None:
    """The scheduled post record of one week, or ``None``."""
    row = await db.fetchone(
        f"SELECT {_POST_COLS} FROM prompt_posts WHERE guild_id = ? AND kind = 'scheduled' AND week = ?",
        (guild_id, week),
    )
    return None if row is None else _post(row)


async def record_week(
    db: Database, guild_id: int, week: str, due_at: int, status: str, reason: str | None, now: int,
    *, theme: str | None = None, prompt_id: int | None = None, channel_id: int | None = None,
) -> None:
    """Record a week that was not posted (``missed``/``skipped``/``failed``), keeping a posted one as it is."""
    await db.execute(
        "INSERT INTO prompt_posts (guild_id, kind, week, due_at, status, reason, prompt_id, theme, channel_id, "
        "recorded_at) VALUES (?, 'scheduled', ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (guild_id, week) WHERE kind = 'scheduled' DO UPDATE SET status = excluded.status, "
        "reason = excluded.reason, prompt_id = excluded.prompt_id, theme = excluded.theme, "
        "channel_id = excluded.channel_id, recorded_at = excluded.recorded_at "
        "WHERE prompt_posts.status != 'posted'",
        (guild_id, week, due_at, status, reason, prompt_id, theme, channel_id, now),
    )


async def record_posted(
    db: Database, guild_id: int, *, kind: str, week: str | None, due_at: int | None, prompt_id: int, theme: str,
    cycle: int, channel_id: int, message_id: int, thread_id: int | None, now: int,
) -> int:
    """Record a prompt posted (replacing a ``failed`` record of the same week); returns the post id."""
    if kind == "scheduled":
        await db.execute(
            "INSERT INTO prompt_posts (guild_id, kind, week, due_at, status, prompt_id, theme, cycle, channel_id, "
            "message_id, thread_id, posted_at, recorded_at) VALUES (?, 'scheduled', ?, ?, 'posted', ?, ?, ?, ?, ?, ?, "
            "?, ?) ON CONFLICT (guild_id, week) WHERE kind = 'scheduled' DO UPDATE SET status = 'posted', "
            "reason = NULL, prompt_id = excluded.prompt_id, theme = excluded.theme, cycle = excluded.cycle, "
            "channel_id = excluded.channel_id, message_id = excluded.message_id, thread_id = excluded.thread_id, "
            "posted_at = excluded.posted_at, recorded_at = excluded.recorded_at",
            (guild_id, week, due_at, prompt_id, theme, cycle, channel_id, message_id, thread_id, now, now),
        )
        return int(
            await db.fetchval(
                "SELECT id FROM prompt_posts WHERE guild_id = ? AND kind = 'scheduled' AND week = ?", (guild_id, week)
            )
        )
    return await db.execute(
        "INSERT INTO prompt_posts (guild_id, kind, status, prompt_id, theme, cycle, channel_id, message_id, "
        "thread_id, posted_at, recorded_at) VALUES (?, 'manual', 'posted', ?, ?, ?, ?, ?, ?, ?, ?)",
        (guild_id, prompt_id, theme, cycle, channel_id, message_id, thread_id, now, now),
    )


async def set_post_thread(db: Database, post_id: int, thread_id: int) -> None:
    """Attach the answers thread to a post recorded before its thread was opened."""
    await db.execute("UPDATE prompt_posts SET thread_id = ? WHERE id = ?", (thread_id, post_id))


async def rotation_state(db: Database, guild_id: int) -> Rotation:
    """The guild's rotation: current cycle, prompts used in it, theme of the last scheduled post."""
    cycle = int(
        await db.fetchval(
            "SELECT COALESCE(MAX(cycle), 1) FROM prompt_posts WHERE guild_id = ? AND status = 'posted'", (guild_id,), 1
        )
    )
    rows = await db.fetchall(
        "SELECT prompt_id FROM prompt_posts WHERE guild_id = ? AND status = 'posted' AND cycle = ? "
        "ORDER BY posted_at, id",
        (guild_id, cycle),
    )
    last = await db.fetchval(
        "SELECT theme FROM prompt_posts WHERE guild_id = ? AND status = 'posted' AND kind = 'scheduled' "
        "ORDER BY posted_at DESC, id DESC LIMIT 1",
        (guild_id,),
    )
    return Rotation(cycle, tuple(r[0] for r in rows), last)


async def recent_posts(db: Database, guild_id: int, limit: int, *, statuses: tuple[str, ...] | None = None) -> list[Post]:
    """The guild's last records, newest first (by due or post time), optionally of some statuses."""
    where = ""
    params: list[object] = [guild_id]
    if statuses:
        where = f" AND status IN ({', '.join('?' for _ in statuses)})"
        params.extend(statuses)
    rows = await db.fetchall(
        f"SELECT {_POST_COLS} FROM prompt_posts WHERE guild_id = ?{where} "
        "ORDER BY COALESCE(due_at, posted_at) DESC, id DESC LIMIT ?",
        (*params, limit),
    )
    return [_post(r) for r in rows]


async def post_by_thread(db: Database, thread_id: int) -> ThreadPost | None:
    """The post whose answers thread is ``thread_id``, or ``None``."""
    row = await db.fetchone("SELECT id, guild_id FROM prompt_posts WHERE thread_id = ?", (thread_id,))
    return None if row is None else ThreadPost(row[0], row[1])


async def add_reply(
    db: Database, post_id: int, member_key: str, *, reply_key: str | None = None, guild_id: int | None = None,
    now: int = 0,
) -> bool:
    """Count one reply and remember its author's HMAC key (distinct participants).

    ``reply_key`` (an HMAC of the message id) is claimed in ``claims`` first, in the same
    transaction, so a message seen twice (a second process, a replayed event) counts once.
    Returns whether the reply was counted.
    """
    async with db.transaction() as conn:
        if reply_key is not None:
            cursor = await conn.execute(
                "INSERT INTO claims (key, guild_id, claimed_at, done_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (key) DO NOTHING",
                (reply_key, guild_id, now, now),
            )
            fresh = cursor.rowcount == 1
            await cursor.close()
            if not fresh:
                return False
        await conn.execute("UPDATE prompt_posts SET replies = replies + 1 WHERE id = ?", (post_id,))
        await conn.execute(
            "INSERT OR IGNORE INTO prompt_participants (post_id, member_key) VALUES (?, ?)", (post_id, member_key)
        )
    return True


async def stats_rows(db: Database, guild_id: int, since: int) -> list[PostedStat]:
    """Prompts posted since ``since`` (Unix s) with their engagement, oldest first."""
    rows = await db.fetchall(
        "SELECT p.id, p.posted_at, p.theme, COALESCE(q.text, ''), p.replies, "
        "(SELECT COUNT(*) FROM prompt_participants pp WHERE pp.post_id = p.id) "
        "FROM prompt_posts p LEFT JOIN prompts q ON q.id = p.prompt_id "
        "WHERE p.guild_id = ? AND p.status = 'posted' AND p.posted_at >= ? ORDER BY p.posted_at, p.id",
        (guild_id, since),
    )
    return [PostedStat(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]


async def theme_participants(db: Database, guild_id: int, since: int) -> dict[str, int]:
    """Distinct participants per theme over posts since ``since``."""
    rows = await db.fetchall(
        "SELECT p.theme, COUNT(DISTINCT pp.member_key) FROM prompt_posts p "
        "JOIN prompt_participants pp ON pp.post_id = p.id "
        "WHERE p.guild_id = ? AND p.status = 'posted' AND p.posted_at >= ? GROUP BY p.theme",
        (guild_id, since),
    )
    return {r[0]: r[1] for r in rows}


# --------------------------------------------------------------------------- suggestions


async def add_suggestion(
    db: Database, guild_id: int, theme: str, text: str, author_id: int, locale: str, now: int
) -> int:
    """Queue a suggestion for review; returns its id."""
    return await db.execute(
        "INSERT INTO prompt_suggestions (guild_id, theme, text, author_id, author_locale, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (guild_id, theme, text, author_id, locale, now),
    )


async def get_suggestion(db: Database, guild_id: int, suggestion_id: int) -> Suggestion | None:
    """One suggestion of the guild, or ``None``."""
    row = await db.fetchone(
        f"SELECT {_SUGGESTION_COLS} FROM prompt_suggestions WHERE guild_id = ? AND id = ?", (guild_id, suggestion_id)
    )
    return None if row is None else Suggestion(*row)


async def pending_suggestions(db: Database, guild_id: int, limit: int) -> list[Suggestion]:
    """Pending suggestions, oldest first."""
    rows = await db.fetchall(
        f"SELECT {_SUGGESTION_COLS} FROM prompt_suggestions WHERE guild_id = ? AND status = 'pending' "
        "ORDER BY id LIMIT ?",
        (guild_id, limit),
    )
    return [Suggestion(*r) for r in rows]


async def count_pending(db: Database, guild_id: int, author_id: int | None = None) -> int:
    """Pending suggestions of the guild (of one author when given)."""
    if author_id is None:
        return int(await db.fetchval(
            "SELECT COUNT(*) FROM prompt_suggestions WHERE guild_id = ? AND status = 'pending'", (guild_id,), 0
        ))
    return int(await db.fetchval(
        "SELECT COUNT(*) FROM prompt_suggestions WHERE guild_id = ? AND status = 'pending' AND author_id = ?",
        (guild_id, author_id), 0,
    ))


async def decide_suggestion(
    db: Database, suggestion_id: int, status: str, moderator_id: int, now: int, prompt_id: int | None
) -> bool:
    """Approve/reject a pending suggestion; ``False`` if it was already decided (a double click)."""
    changed = await db.execute_rowcount(
        "UPDATE prompt_suggestions SET status = ?, decided_by = ?, decided_at = ?, prompt_id = ? "
        "WHERE id = ? AND status = 'pending'",
        (status, moderator_id, now, prompt_id, suggestion_id),
    )
    return changed == 1


async def link_suggestion(db: Database, suggestion_id: int, prompt_id: int) -> None:
    """Point an approved suggestion at the bank prompt it became (or already was)."""
    await db.execute("UPDATE prompt_suggestions SET prompt_id = ? WHERE id = ?", (prompt_id, suggestion_id))
