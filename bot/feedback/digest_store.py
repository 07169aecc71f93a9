"""SQL of spontaneous feedback's digests: the feedback waiting for one, the digests
(in review, approved, posted), their entries and the weekly schedule
(``migrations/0013_digest_review.sql``).

A digest holds released answers only (docs/anonymity.md, "Cohorts"); nothing here receives a
member's id. Instants are Unix seconds (UTC).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.db import Connection, Database, Row
from bot.feedback.rules import DigestSchedule, SpontaneousItem

DigestStatus = Literal["review", "approved", "posted"]

_NOT_WITHDRAWN = " AND id NOT IN (SELECT answer_id FROM feedback_withdrawals)"
"""A digest never takes an answer its member withdrew, even before the withdrawal's release."""


@dataclass(frozen=True)
class PendingFeedback:
    """A spontaneous feedback waiting for a digest: its random answer ``id`` and the ``item``."""

    id: str
    item: SpontaneousItem


@dataclass(frozen=True)
class Digest:
    """One digest: ``status`` (review → approved → posted), the ``week`` of the weekly run that
    took it (``None``: a moderator's), ``count`` of texts taken, where its first message went."""

    id: int
    guild_id: int
    status: DigestStatus
    week: str | None
    count: int
    channel_id: int | None
    message_id: int | None


@dataclass(frozen=True)
class DigestEntry:
    """One text of a digest: its random ``answer_id``, the ``item``, whether a moderator
    ``held`` it back, and whether its member ``withdrew`` it since."""

    answer_id: str
    item: SpontaneousItem
    held: bool
    withdrawn: bool


@dataclass(frozen=True)
class DigestResult:
    """Outcome of a digest: ``posted`` texts (0 when not ready, in review or all held back),
    ``pending`` texts still waiting, the ``threshold`` applied, the first message's id when
    posted, the digest ``review`` waits for when it went to review, and ``held`` texts."""

    posted: int
    pending: int
    threshold: int
    message_id: int | None = None
    review: DigestReview | None = None
    held: int = 0


@dataclass(frozen=True)
class DigestReview:
    """A digest in review as moderators see it: the ``digest``, its ``entries`` (withdrawn
    texts left out) and how many digests of the club wait for review (``waiting``, this one
    included)."""

    digest: Digest
    entries: tuple[DigestEntry, ...]
    waiting: int

    @property
    def approved(self) -> int:
        """How many texts would be posted."""
        return sum(1 for e in self.entries if not e.held)


_DIGEST_COLUMNS = "id, guild_id, status, week, count, channel_id, message_id"


def _digest(row: Row) -> Digest:
    return Digest(*row)


async def count_pending(db: Database, guild_id: int) -> int:
    """How many released spontaneous feedbacks wait for a digest."""
    return int(
        await db.fetchval(
            "SELECT COUNT(*) FROM feedback_answers WHERE guild_id = ? AND campaign_id IS NULL AND digest_id IS NULL"
            + _NOT_WITHDRAWN,
            (guild_id,),
            0,
        )
    )


async def pending_feedback(conn: Connection, guild_id: int) -> list[PendingFeedback]:
    """Inside the caller's transaction: every released spontaneous feedback of ``guild_id``
    not yet in a digest nor withdrawn, in random-id order (no insertion order)."""
    cursor = await conn.execute(
        "SELECT category, rating, body, week, id, threshold, cohort_id IS NULL FROM feedback_answers "
        "WHERE guild_id = ? AND campaign_id IS NULL AND digest_id IS NULL" + _NOT_WITHDRAWN + " ORDER BY id",
        (guild_id,),
    )
    rows = list(await cursor.fetchall())
    await cursor.close()
    return [PendingFeedback(r[4], SpontaneousItem(r[0], r[1], r[2], r[3], r[5], bool(r[6]))) for r in rows]


def payload_of(items: Sequence[SpontaneousItem]) -> str:
    """The frozen texts of an approved digest: JSON ``[[category, rating, body], ...]``."""
    return json.dumps([[i.category, i.rating, i.body] for i in items], ensure_ascii=False)


def items_of(payload: str) -> list[SpontaneousItem]:
    """The items of :func:`payload_of` (for rendering only: no week nor threshold)."""
    return [SpontaneousItem(category, rating, body, "") for category, rating, body in json.loads(payload)]


async def attach_digest(
    conn: Connection, guild_id: int, posted_at: int, answers: Sequence[PendingFeedback], *,
    review: bool, week: str | None = None,
) -> int:
    """Inside the caller's transaction: create a digest (``posted_at`` Unix seconds; in
    review, or approved with its payload frozen) holding ``answers``; returns its id.

    The caller decides in the same transaction that the batch may go out
    (:func:`bot.feedback.rules.digest_plan`), so a withdraw racing the digest can never make
    it hold fewer than *k* texts (docs/anonymity.md, "The anonymity threshold"): the withdraw
    runs wholly before (then the batch does not hold it) or after (then the answer is already
    in the batch). ``week`` (the weekly run's ISO week) is unique per guild.
    """
    payload = None if review else payload_of([a.item for a in answers])
    cursor = await conn.execute(
        "INSERT INTO feedback_digests (guild_id, posted_at, count, status, week, payload) VALUES (?, ?, ?, ?, ?, ?)",
        (guild_id, posted_at, len(answers), "review" if review else "approved", week, payload),
    )
    digest_id = int(cursor.lastrowid or 0)
    await cursor.close()
    await conn.executemany(
        "UPDATE feedback_answers SET digest_id = ? WHERE id = ?", [(digest_id, a.id) for a in answers]
    )
    return digest_id


async def get_digest(db: Database, digest_id: int) -> Digest | None:
    """The digest ``digest_id``, or ``None``."""
    row = await db.fetchone(f"SELECT {_DIGEST_COLUMNS} FROM feedback_digests WHERE id = ?", (digest_id,))
    return None if row is None else _digest(row)


async def unposted(db: Database, guild_id: int | None = None, status: DigestStatus | None = None) -> list[Digest]:
    """Digests not posted yet (of ``guild_id`` / in ``status`` when given), oldest first."""
    sql = f"SELECT {_DIGEST_COLUMNS} FROM feedback_digests WHERE status <> 'posted'"
    params: list[object] = []
    if guild_id is not None:
        sql += " AND guild_id = ?"
        params.append(guild_id)
    if status is not None:
        sql += " AND status = ?"
        params.append(status)
    return [_digest(r) for r in await db.fetchall(sql + " ORDER BY id", tuple(params))]


async def entries(db: Database, digest_id: int) -> list[DigestEntry]:
    """The texts of a digest in its posting order (random ids)."""
    rows = await db.fetchall(
        "SELECT id, category, rating, body, week, held, "
        "id IN (SELECT answer_id FROM feedback_withdrawals) FROM feedback_answers WHERE digest_id = ? ORDER BY id",
        (digest_id,),
    )
    return [DigestEntry(r[0], SpontaneousItem(r[1], r[2], r[3], r[4]), bool(r[5]), bool(r[6])) for r in rows]


async def set_held(db: Database, digest_id: int, answer_id: str, held: bool) -> bool:
    """Hold a text of a digest in review back from the public digest (or approve it again);
    ``False`` when the digest is no longer in review or the text not in it."""
    changed = await db.execute_rowcount(
        "UPDATE feedback_answers SET held = ? WHERE id = ? AND digest_id = ? "
        "AND digest_id IN (SELECT id FROM feedback_digests WHERE status = 'review')",
        (int(held), answer_id, digest_id),
    )
    return changed == 1


async def approve(db: Database, digest_id: int) -> bool:
    """Move a digest from review to approved, freezing the texts to post (not held back, not
    withdrawn) in one transaction; ``False`` when it was not in review (another moderator
    published it first)."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "SELECT category, rating, body FROM feedback_answers WHERE digest_id = ? AND held = 0"
            + _NOT_WITHDRAWN + " ORDER BY id",
            (digest_id,),
        )
        rows = list(await cursor.fetchall())
        await cursor.close()
        payload = payload_of([SpontaneousItem(r[0], r[1], r[2], "") for r in rows])
        cursor = await conn.execute(
            "UPDATE feedback_digests SET status = 'approved', payload = ? WHERE id = ? AND status = 'review'",
            (payload, digest_id),
        )
        won = bool(cursor.rowcount == 1)
        await cursor.close()
    return won


async def payload(db: Database, digest_id: int) -> str | None:
    """The frozen texts of an approved digest (``None`` once posted or while in review)."""
    value = await db.fetchval(
        "SELECT payload FROM feedback_digests WHERE id = ? AND status = 'approved'", (digest_id,), None
    )
    return None if value is None else str(value)


async def set_first_message(db: Database, digest_id: int, channel_id: int, message_id: int) -> None:
    """Record where a digest's first message went, as soon as it is done (a resumed post
    keeps it)."""
    await db.execute(
        "UPDATE feedback_digests SET channel_id = ?, message_id = ? WHERE id = ?", (channel_id, message_id, digest_id)
    )


async def mark_posted(db: Database, digest_id: int, channel_id: int | None, message_id: int | None) -> None:
    """Record a digest posted (its first message, ``None`` when every text was held back) and
    erase its frozen payload."""
    await db.execute(
        "UPDATE feedback_digests SET status = 'posted', payload = NULL, channel_id = ?, message_id = ? WHERE id = ?",
        (channel_id, message_id, digest_id),
    )


async def get_schedule(db: Database, guild_id: int) -> DigestSchedule:
    """The guild's weekly digest schedule (defaults: on, Monday 09:00, reviewed)."""
    row = await db.fetchone(
        "SELECT digest_enabled, digest_weekday, digest_hour, digest_review FROM feedback_config WHERE guild_id = ?",
        (guild_id,),
    )
    return DigestSchedule() if row is None else DigestSchedule(bool(row[0]), row[1], row[2], bool(row[3]))


async def save_schedule(db: Database, guild_id: int, schedule: DigestSchedule) -> None:
    """Insert or replace the guild's digest schedule."""
    await db.execute(
        "INSERT INTO feedback_config (guild_id, digest_enabled, digest_weekday, digest_hour, digest_review) "
        "VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (guild_id) DO UPDATE SET digest_enabled = excluded.digest_enabled, "
        "digest_weekday = excluded.digest_weekday, digest_hour = excluded.digest_hour, "
        "digest_review = excluded.digest_review",
        (guild_id, int(schedule.enabled), schedule.weekday, schedule.hour, int(schedule.review)),
    )


async def digest_guilds(db: Database) -> list[int]:
    """Guilds that may get a weekly digest: every configured club and every guild with feedback."""
    rows = await db.fetchall(
        "SELECT guild_id FROM club_settings UNION SELECT guild_id FROM feedback_config "
        "UNION SELECT DISTINCT guild_id FROM feedback_answers WHERE campaign_id IS NULL"
    )
    return [r[0] for r in rows]
