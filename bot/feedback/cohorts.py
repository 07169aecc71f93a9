"""SQL of cohorts (docs/anonymity.md, "Cohorts"): anonymous answers waiting for their
release, the release that moves them into the readable store, withdrawals applied at a
release, and the seal of a closed campaign.

An answer is written to ``feedback_pending`` and stays unreadable there; a release (decided
by :func:`bot.anonymity.cohort_decision`) moves every waiting answer of one scope (a
campaign, or a guild's spontaneous feedback) into ``feedback_answers`` in random order,
under new random ids, with the release's ISO week as the only time, and deletes the pending
rows (``secure_delete`` zeroes them). Nothing in this module receives a member's id: the
``voice`` and dedupe keys are HMACs computed by the services.
"""

from __future__ import annotations

import json
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from bot.db import Connection, Database
from bot.feedback.rules import AnswerValue


def new_answer_id() -> str:
    """A random 128-bit hex id for a waiting or a released answer: no insertion order
    (docs/anonymity.md, "What is stored")."""
    return secrets.token_hex(16)


@dataclass(frozen=True)
class Waiting:
    """One answer waiting for its cohort: its pending ``id``, the ``threshold`` its member
    was promised (``None``: the campaign's applies) and the released answer it ``replaces``."""

    id: str
    threshold: int | None
    replaces: str | None


@dataclass(frozen=True)
class PendingRef:
    """What a receipt leads to among the waiting answers: the pending ``id``, its guild and
    campaign (``None``: spontaneous), its ``category`` and the released answer it ``replaces``."""

    id: str
    guild_id: int
    campaign_id: int | None
    category: str | None
    replaces: str | None


def _scope(campaign_id: int | None) -> tuple[str, tuple[object, ...]]:
    """The ``campaign_id`` condition of a scope (``IS NULL`` for spontaneous feedback)."""
    return ("campaign_id IS NULL", ()) if campaign_id is None else ("campaign_id = ?", (campaign_id,))


def _dump(values: Sequence[AnswerValue]) -> str:
    return json.dumps([[v.position, v.rating, v.body] for v in values], ensure_ascii=False)


def _load(text: str | None) -> list[AnswerValue]:
    return [AnswerValue(int(p), r, b) for p, r, b in json.loads(text or "[]")]


async def add_pending(
    conn: Connection,
    *,
    guild_id: int,
    campaign_id: int | None,
    receipt_hash: str,
    values: Sequence[AnswerValue] = (),
    category: str | None = None,
    rating: int | None = None,
    body: str | None = None,
    threshold: int | None = None,
    voice: str | None = None,
    replaces: str | None = None,
) -> str:
    """Inside the caller's transaction: store one answer waiting for its cohort (a campaign
    answer's ``values``, or spontaneous feedback's ``category``/``rating``/``body``); returns
    its pending id."""
    pending_id = new_answer_id()
    await conn.execute(
        "INSERT INTO feedback_pending (id, guild_id, campaign_id, category, rating, body, answer_values, "
        "receipt_hash, threshold, voice, replaces) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (pending_id, guild_id, campaign_id, category, rating, body, _dump(values) if values else None,
         receipt_hash, threshold, voice, replaces),
    )
    return pending_id


async def replace_pending_values(conn: Connection, pending_id: str, values: Sequence[AnswerValue]) -> None:
    """Inside the caller's transaction: a waiting campaign answer takes new ``values``."""
    await conn.execute("UPDATE feedback_pending SET answer_values = ? WHERE id = ?", (_dump(values), pending_id))


async def find_pending(db: Database, receipt_hash: str) -> PendingRef | None:
    """The waiting answer a receipt proves, or ``None``."""
    row = await db.fetchone(
        "SELECT id, guild_id, campaign_id, category, replaces FROM feedback_pending WHERE receipt_hash = ?",
        (receipt_hash,),
    )
    return None if row is None else PendingRef(row[0], row[1], row[2], row[3], row[4])


async def delete_pending(db: Database, pending_id: str) -> bool:
    """Forget a waiting answer (withdrawn before its release); ``True`` if this call did."""
    return await db.execute_rowcount("DELETE FROM feedback_pending WHERE id = ?", (pending_id,)) == 1


async def take_voice(conn: Connection, voice: str) -> str | None:
    """Inside the caller's transaction, for a member's new spontaneous feedback of the week
    keyed ``voice``: delete their earlier waiting one (its receipt dies with it) and return
    ``None``, or — when their earlier one of the week is already released — take the key off
    it and return its id, which the new one replaces at the next release."""
    cursor = await conn.execute("DELETE FROM feedback_pending WHERE voice = ?", (voice,))
    dropped = cursor.rowcount
    await cursor.close()
    if dropped:
        return None
    cursor = await conn.execute("SELECT id FROM feedback_answers WHERE voice = ?", (voice,))
    row = await cursor.fetchone()
    await cursor.close()
    if row is None:
        return None
    await conn.execute("UPDATE feedback_answers SET voice = NULL WHERE id = ?", (row[0],))
    return str(row[0])


async def queue_withdrawal(db: Database, answer_id: str, guild_id: int, campaign_id: int | None) -> bool:
    """Withdraw a released answer at its scope's next release; ``True`` if newly queued."""
    return await db.execute_rowcount(
        "INSERT OR IGNORE INTO feedback_withdrawals (answer_id, guild_id, campaign_id) VALUES (?, ?, ?)",
        (answer_id, guild_id, campaign_id),
    ) == 1


async def waiting(conn: Connection, guild_id: int, campaign_id: int | None) -> list[Waiting]:
    """Inside the caller's transaction: the answers of one scope waiting for their cohort."""
    where, params = _scope(campaign_id)
    cursor = await conn.execute(
        f"SELECT id, threshold, replaces FROM feedback_pending WHERE guild_id = ? AND {where}", (guild_id, *params)
    )
    rows = list(await cursor.fetchall())
    await cursor.close()
    return [Waiting(r[0], r[1], r[2]) for r in rows]


async def count_waiting(db: Database, guild_id: int, campaign_id: int | None) -> int:
    """How many answers of one scope wait for their cohort (a count is all a view says of them)."""
    where, params = _scope(campaign_id)
    return int(await db.fetchval(
        f"SELECT COUNT(*) FROM feedback_pending WHERE guild_id = ? AND {where}", (guild_id, *params), 0
    ))


async def waiting_thresholds(db: Database, guild_id: int, campaign_id: int | None) -> list[int | None]:
    """The k each waiting answer of one scope was promised (one entry per answer)."""
    where, params = _scope(campaign_id)
    rows = await db.fetchall(
        f"SELECT threshold FROM feedback_pending WHERE guild_id = ? AND {where}", (guild_id, *params)
    )
    return [r[0] for r in rows]


async def waiting_by_campaign(db: Database, guild_id: int) -> dict[int, int]:
    """``campaign_id → answers waiting`` for every campaign of a guild."""
    rows = await db.fetchall(
        "SELECT campaign_id, COUNT(*) FROM feedback_pending WHERE guild_id = ? AND campaign_id IS NOT NULL "
        "GROUP BY campaign_id",
        (guild_id,),
    )
    return {r[0]: r[1] for r in rows}


async def release(
    conn: Connection, guild_id: int, campaign_id: int | None, week: str, rng: random.Random | None = None
) -> int:
    """Inside the caller's transaction: release every waiting answer of one scope as one
    cohort of ISO ``week``, in random order (``rng``, a ``SystemRandom`` by default), under
    new random ids; the answers they replace and the queued withdrawals of the scope go at
    the same moment. Returns the cohort's size. The caller decided it may
    (:func:`bot.anonymity.cohort_decision`)."""
    where, params = _scope(campaign_id)
    cursor = await conn.execute(
        "SELECT id, category, rating, body, answer_values, receipt_hash, threshold, voice, replaces "
        f"FROM feedback_pending WHERE guild_id = ? AND {where}",
        (guild_id, *params),
    )
    rows = list(await cursor.fetchall())
    await cursor.close()
    (rng or random.SystemRandom()).shuffle(rows)
    cursor = await conn.execute(
        "INSERT INTO feedback_cohorts (guild_id, campaign_id, week, size) VALUES (?, ?, ?, ?)",
        (guild_id, campaign_id, week, len(rows)),
    )
    cohort_id = cursor.lastrowid
    await cursor.close()
    gone = [(r[8],) for r in rows if r[8] is not None]
    await conn.executemany("DELETE FROM feedback_answers WHERE id = ?", gone)
    await conn.execute(
        f"DELETE FROM feedback_answers WHERE id IN (SELECT answer_id FROM feedback_withdrawals WHERE guild_id = ? AND {where})",
        (guild_id, *params),
    )
    await conn.execute(f"DELETE FROM feedback_withdrawals WHERE guild_id = ? AND {where}", (guild_id, *params))
    for row in rows:
        answer_id = new_answer_id()
        await conn.execute(
            "INSERT INTO feedback_answers (id, guild_id, campaign_id, category, rating, body, week, receipt_hash, "
            "threshold, cohort_id, voice) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (answer_id, guild_id, campaign_id, row[1], row[2], row[3], week, row[5], row[6], cohort_id, row[7]),
        )
        await conn.executemany(
            "INSERT INTO feedback_values (answer_id, position, rating, body) VALUES (?, ?, ?, ?)",
            [(answer_id, v.position, v.rating, v.body) for v in _load(row[4])],
        )
    await conn.executemany("DELETE FROM feedback_pending WHERE id = ?", [(r[0],) for r in rows])
    return len(rows)


async def forget_old_voices(conn: Connection, guild_id: int, week: str) -> None:
    """Inside the caller's transaction: erase the one-voice keys of released spontaneous
    feedback from cohorts older than ISO ``week`` (the key is needed only while its member
    may still replace it: the week they gave it and the next)."""
    await conn.execute(
        "UPDATE feedback_answers SET voice = NULL WHERE guild_id = ? AND voice IS NOT NULL AND week < ?",
        (guild_id, week),
    )


async def discard(conn: Connection, guild_id: int, campaign_id: int) -> int:
    """Inside the caller's transaction, at a campaign's close: destroy the waiting answers
    too few for a cohort (never readable; a waiting replacement among them is dropped and
    the answer it would have replaced stays), count them on the campaign, and apply the
    queued withdrawals (the close is the campaign's last release). Returns how many were
    destroyed."""
    await conn.execute(
        "DELETE FROM feedback_answers WHERE id IN (SELECT answer_id FROM feedback_withdrawals WHERE campaign_id = ?)",
        (campaign_id,),
    )
    cursor = await conn.execute(
        "DELETE FROM feedback_pending WHERE guild_id = ? AND campaign_id = ?", (guild_id, campaign_id)
    )
    count = cursor.rowcount
    await cursor.close()
    await conn.execute("UPDATE feedback_campaigns SET unreleased = unreleased + ? WHERE id = ?", (count, campaign_id))
    await conn.execute("DELETE FROM feedback_withdrawals WHERE campaign_id = ?", (campaign_id,))
    return count


async def seal(conn: Connection, campaign_id: int) -> None:
    """Inside the caller's transaction, at a campaign's close: destroy its dedupe and
    invitation keys, so that the database and the secret together no longer tell who
    answered (or was invited)."""
    await conn.execute("DELETE FROM feedback_dedupe WHERE campaign_id = ?", (campaign_id,))
    await conn.execute("DELETE FROM feedback_invites WHERE campaign_id = ?", (campaign_id,))
