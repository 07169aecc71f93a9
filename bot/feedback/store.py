"""SQL of anonymous feedback: campaigns, questions, anonymous answers, dedupe keys (the
digests' SQL is :mod:`bot.feedback.digest_store`).

Anonymous rows (``feedback_answers``, ``feedback_values``) get a random id and only an ISO
week; the dedupe and invite tables hold nothing but HMAC keys (docs/anonymity.md, "Dedupe keys"). Nothing in
this module ever receives a member's id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.db import Connection, Database, Row
from bot.feedback import cohorts
from bot.feedback.rules import AnswerValue, Question, SpontaneousItem


@dataclass(frozen=True)
class Campaign:
    """A campaign (or a survey started by another feature). Instants are Unix seconds (UTC)."""

    id: int
    guild_id: int
    title: str
    kind: str
    source: str | None
    audience_role_id: int | None
    restricted: bool
    created_by: int | None
    created_at: int
    closes_at: int
    closed_at: int | None
    status: str
    invited: int
    dm_sent: int
    dm_failed: int
    announce_channel_id: int | None
    announce_message_id: int | None
    threshold: int | None = None
    """The club's anonymity threshold when the campaign started (what members were told)."""
    release: str = "close"
    """``close``: its answers are released once, at the close; ``live``: in cohorts of k."""
    unreleased: int = 0
    """Answers destroyed unread at the close: fewer than k were waiting (docs/anonymity.md, "Cohorts")."""

    @property
    def is_open(self) -> bool:
        """Whether answers are still accepted."""
        return self.status == "open"


_CAMPAIGN_COLUMNS = (
    "id, guild_id, title, kind, source, audience_role_id, restricted, created_by, created_at, closes_at, "
    "closed_at, status, invited, dm_sent, dm_failed, announce_channel_id, announce_message_id, threshold, release, "
    "unreleased"
)


def _campaign(row: Row) -> Campaign:
    values = list(row)
    values[6] = bool(values[6])
    return Campaign(*values)


async def create_campaign(
    conn: Connection,
    *,
    guild_id: int,
    title: str,
    kind: str,
    source: str | None,
    audience_role_id: int | None,
    restricted: bool,
    created_by: int | None,
    created_at: int,
    closes_at: int,
    questions: Sequence[Question],
    threshold: int | None = None,
    release: str = "close",
) -> int:
    """Insert a campaign and its questions inside the caller's transaction; returns its id.
    ``threshold``: the club's anonymity threshold now (the snapshot its answers keep);
    ``release``: ``close`` or ``live`` (:attr:`Campaign.release`)."""
    cursor = await conn.execute(
        "INSERT INTO feedback_campaigns (guild_id, title, kind, source, audience_role_id, restricted, created_by, "
        "created_at, closes_at, threshold, release) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (guild_id, title, kind, source, audience_role_id, int(restricted), created_by, created_at, closes_at, threshold,
         release),
    )
    campaign_id = int(cursor.lastrowid or 0)
    await cursor.close()
    await conn.executemany(
        "INSERT INTO feedback_questions (campaign_id, position, kind, prompt) VALUES (?, ?, ?, ?)",
        [(campaign_id, q.position, q.kind, q.prompt) for q in questions],
    )
    return campaign_id


async def get_campaign(db: Database, campaign_id: int) -> Campaign | None:
    """One campaign by id, or ``None``."""
    row = await db.fetchone(f"SELECT {_CAMPAIGN_COLUMNS} FROM feedback_campaigns WHERE id = ?", (campaign_id,))
    return None if row is None else _campaign(row)


async def list_campaigns(db: Database, guild_id: int, limit: int = 25, status: str | None = None) -> list[Campaign]:
    """The guild's campaigns, open ones first, newest first."""
    sql = f"SELECT {_CAMPAIGN_COLUMNS} FROM feedback_campaigns WHERE guild_id = ?"
    params: list[object] = [guild_id]
    if status is not None:
        sql += " AND status = ?"
        params.append(status)
    sql += " ORDER BY status = 'open' DESC, id DESC LIMIT ?"
    params.append(limit)
    return [_campaign(r) for r in await db.fetchall(sql, params)]


async def open_campaigns(db: Database) -> list[Campaign]:
    """Every open campaign of every guild (the scheduler's loader)."""
    rows = await db.fetchall(f"SELECT {_CAMPAIGN_COLUMNS} FROM feedback_campaigns WHERE status = 'open'")
    return [_campaign(r) for r in rows]


async def questions(db: Database, campaign_id: int) -> tuple[Question, ...]:
    """The campaign's questions in order."""
    rows = await db.fetchall(
        "SELECT position, kind, prompt FROM feedback_questions WHERE campaign_id = ? ORDER BY position",
        (campaign_id,),
    )
    return tuple(Question(r[0], r[1], r[2]) for r in rows)


async def set_fanout(db: Database, campaign_id: int, invited: int, sent: int, failed: int) -> None:
    """Record how the DM fan-out went."""
    await db.execute(
        "UPDATE feedback_campaigns SET invited = ?, dm_sent = ?, dm_failed = ? WHERE id = ?",
        (invited, sent, failed, campaign_id),
    )


async def set_announcement(db: Database, campaign_id: int, channel_id: int, message_id: int) -> None:
    """Record the announcement message in the feedback channel."""
    await db.execute(
        "UPDATE feedback_campaigns SET announce_channel_id = ?, announce_message_id = ? WHERE id = ?",
        (channel_id, message_id, campaign_id),
    )


async def mark_closed(db: Database, campaign_id: int, closed_at: int) -> bool:
    """Close an open campaign; ``True`` when this call closed it."""
    changed = await db.execute_rowcount(
        "UPDATE feedback_campaigns SET status = 'closed', closed_at = ? WHERE id = ? AND status = 'open'",
        (closed_at, campaign_id),
    )
    return changed == 1


async def add_invites(db: Database, campaign_id: int, keys: Sequence[str]) -> None:
    """Store invitation HMAC keys (scope ``feedback:invite:{id}``)."""
    await db.executemany(
        "INSERT OR IGNORE INTO feedback_invites (key, campaign_id) VALUES (?, ?)", [(k, campaign_id) for k in keys]
    )


async def has_invite(db: Database, key: str) -> bool:
    """Whether an invitation key exists."""
    return await db.fetchval("SELECT 1 FROM feedback_invites WHERE key = ?", (key,)) is not None


async def invite_exists(conn: Connection, key: str) -> bool:
    """Inside the caller's transaction: whether an invitation key exists (the group commit's check)."""
    cursor = await conn.execute("SELECT 1 FROM feedback_invites WHERE key = ?", (key,))
    row = await cursor.fetchone()
    await cursor.close()
    return row is not None


async def open_campaign_ids(conn: Connection, campaign_ids: Sequence[int]) -> set[int]:
    """Inside the caller's transaction: which of ``campaign_ids`` are still open."""
    if not campaign_ids:
        return set()
    cursor = await conn.execute(
        f"SELECT id FROM feedback_campaigns WHERE status = 'open' AND id IN ({','.join('?' * len(campaign_ids))})",
        list(campaign_ids),
    )
    rows = await cursor.fetchall()
    await cursor.close()
    return {int(row[0]) for row in rows}


async def has_dedupe(db: Database, key: str) -> bool:
    """Whether a dedupe key exists (the member already answered that scope)."""
    return await db.fetchval("SELECT 1 FROM feedback_dedupe WHERE key = ?", (key,)) is not None


async def delete_dedupe(db: Database, key: str) -> bool:
    """Free a member's slot (after they withdrew their answer); ``True`` if a key was removed."""
    return await db.execute_rowcount("DELETE FROM feedback_dedupe WHERE key = ?", (key,)) == 1


async def insert_campaign_answer(
    conn: Connection,
    *,
    dedupe_key: str,
    guild_id: int,
    campaign_id: int,
    receipt_hash: str,
    values: Sequence[AnswerValue],
) -> bool:
    """Inside the caller's transaction: claim ``dedupe_key`` then store the answer as
    waiting for its cohort (:mod:`bot.feedback.cohorts`).

    Returns ``False`` (and stores nothing) when the key exists: the member already answered.
    """
    cursor = await conn.execute(
        "INSERT OR IGNORE INTO feedback_dedupe (key, campaign_id) VALUES (?, ?)", (dedupe_key, campaign_id)
    )
    claimed = cursor.rowcount == 1
    await cursor.close()
    if not claimed:
        return False
    await cohorts.add_pending(conn, guild_id=guild_id, campaign_id=campaign_id, receipt_hash=receipt_hash, values=values)
    return True


@dataclass(frozen=True)
class AnswerRef:
    """What a receipt leads to: the answer's random ``id``, its guild and campaign (``None``
    for spontaneous feedback), its ``category``, and whether it already went out in a digest."""

    id: str
    guild_id: int
    campaign_id: int | None
    category: str | None
    digested: bool


async def find_by_receipt(db: Database, receipt_hash: str) -> AnswerRef | None:
    """The answer whose receipt hash matches, or ``None``."""
    row = await db.fetchone(
        "SELECT id, guild_id, campaign_id, category, digest_id IS NOT NULL FROM feedback_answers "
        "WHERE receipt_hash = ?",
        (receipt_hash,),
    )
    return None if row is None else AnswerRef(row[0], row[1], row[2], row[3], bool(row[4]))


async def delete_answer(db: Database, answer_id: str) -> bool:
    """Delete an answer and its values (``secure_delete`` zeroes the freed space); ``True``
    when this call deleted it (``False``: already gone, e.g. a second withdraw at once)."""
    return await db.execute_rowcount("DELETE FROM feedback_answers WHERE id = ?", (answer_id,)) == 1


async def campaign_answers(db: Database, campaign_id: int) -> list[tuple[AnswerValue, ...]]:
    """Every answer of a campaign as value tuples, in random-id order (no insertion order)."""
    rows = await db.fetchall(
        "SELECT v.answer_id, v.position, v.rating, v.body FROM feedback_values v "
        "JOIN feedback_answers a ON a.id = v.answer_id WHERE a.campaign_id = ? ORDER BY v.answer_id, v.position",
        (campaign_id,),
    )
    grouped: dict[str, list[AnswerValue]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(AnswerValue(row[1], row[2], row[3]))
    count = await count_answers(db, campaign_id)
    answers = [tuple(v) for v in grouped.values()]
    # An answer whose values were all empty still counts (it cannot happen through the service).
    answers.extend(() for _ in range(count - len(answers)))
    return answers


@dataclass(frozen=True)
class WeekAnswer:
    """One campaign answer as exported: its ISO ``week`` and its ``values`` by position."""

    week: str
    values: tuple[AnswerValue, ...]


async def campaign_answer_weeks(db: Database, campaign_id: int) -> list[WeekAnswer]:
    """Every answer of a campaign with its week (for exports), in random-id order."""
    rows = await db.fetchall(
        "SELECT a.id, a.week, v.position, v.rating, v.body FROM feedback_answers a "
        "LEFT JOIN feedback_values v ON v.answer_id = a.id WHERE a.campaign_id = ? ORDER BY a.id, v.position",
        (campaign_id,),
    )
    grouped: dict[str, tuple[str, list[AnswerValue]]] = {}
    for row in rows:
        entry = grouped.setdefault(row[0], (row[1], []))
        if row[2] is not None:
            entry[1].append(AnswerValue(row[2], row[3], row[4]))
    return [WeekAnswer(week, tuple(values)) for week, values in grouped.values()]


async def count_legacy(db: Database, campaign_id: int) -> int:
    """How many of a campaign's released answers were stored before cohorts existed."""
    return int(await db.fetchval(
        "SELECT COUNT(*) FROM feedback_answers WHERE campaign_id = ? AND cohort_id IS NULL", (campaign_id,), 0
    ))


async def count_answers(db: Database, campaign_id: int) -> int:
    """How many released answers a campaign has."""
    return int(await db.fetchval("SELECT COUNT(*) FROM feedback_answers WHERE campaign_id = ?", (campaign_id,), 0))


async def answer_counts(db: Database, guild_id: int) -> dict[int, int]:
    """``campaign_id → answers`` for every campaign of a guild."""
    rows = await db.fetchall(
        "SELECT campaign_id, COUNT(*) FROM feedback_answers WHERE guild_id = ? AND campaign_id IS NOT NULL "
        "GROUP BY campaign_id",
        (guild_id,),
    )
    return {r[0]: r[1] for r in rows}


async def spontaneous(db: Database, guild_id: int) -> list[SpontaneousItem]:
    """Released spontaneous feedback of a guild, random-id order."""
    rows = await db.fetchall(
        "SELECT category, rating, body, week, threshold, cohort_id IS NULL FROM feedback_answers "
        "WHERE guild_id = ? AND campaign_id IS NULL ORDER BY id",
        (guild_id,),
    )
    return [SpontaneousItem(r[0], r[1], r[2], r[3], r[4], bool(r[5])) for r in rows]
