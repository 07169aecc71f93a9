"""The store of idempotency claims (the ``claims`` table): what makes a scheduled side
effect happen once across processes and restarts (docs/architecture.md, "Scheduler").
:class:`bot.scheduler.Scheduler` is its one user-facing API; stores that claim inside
their own transaction use :func:`claim_in`.

A claim of a post goes through three steps (``migrations/0011_claim_attempts.sql``):
intended (:func:`take`), attempted (:func:`attempt`, with the fingerprint of the message)
and done (:func:`complete`, with Discord's id).

Keys look like ``prompt:{guild}:{iso-week}`` or ``meeting:{id}:reminder:{offset}``;
instants are Unix seconds (UTC).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.db import Connection, Database


@dataclass(frozen=True)
class Taken:
    """A claim as :func:`take` found it: ``fresh`` when this call created it (else a claim
    a stopped or killed process left unfinished), ``attempted_at`` (Unix seconds, UTC) and
    ``fingerprint`` of the post it was attempting, both ``None`` before any attempt."""

    fresh: bool
    attempted_at: int | None
    fingerprint: str | None


async def claim(db: Database, key: str, guild_id: int | None, now: int) -> bool:
    """Take ``key``; ``True`` only for the first caller ever."""
    changed = await db.execute_rowcount(
        "INSERT INTO claims (key, guild_id, claimed_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING",
        (key, guild_id, now),
    )
    return changed == 1


async def claim_in(conn: Connection, key: str, guild_id: int | None, now: int) -> bool:
    """:func:`claim` inside the caller's transaction (so the claim commits with its work)."""
    cursor = await conn.execute(
        "INSERT INTO claims (key, guild_id, claimed_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING",
        (key, guild_id, now),
    )
    won = bool(cursor.rowcount == 1)
    await cursor.close()
    return won


async def take(db: Database, key: str, guild_id: int | None, now: int) -> Taken | None:
    """Take ``key``, or take over its claim when left unfinished (not done); ``None`` when
    its side effect is done. The caller makes sure no other run of this process holds it
    (:meth:`bot.scheduler.Scheduler.effect`); one process per database (the instance lock)."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO claims (key, guild_id, claimed_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING",
            (key, guild_id, now),
        )
        fresh = bool(cursor.rowcount == 1)
        await cursor.close()
        cursor = await conn.execute("SELECT done_at, attempted_at, fingerprint FROM claims WHERE key = ?", (key,))
        row = await cursor.fetchone()
        await cursor.close()
    assert row is not None
    if row[0] is not None:
        return None
    return Taken(fresh, row[1], row[2])


async def attempt(db: Database, key: str, fingerprint: str, now: int) -> None:
    """Record that the post of ``key`` (``fingerprint``: :meth:`bot.ports.DiscordPort.fingerprint`
    of the message) is about to reach Discord (committed before the request is made)."""
    await db.execute(
        "UPDATE claims SET attempted_at = ?, fingerprint = ? WHERE key = ? AND done_at IS NULL", (now, fingerprint, key)
    )


async def recorded_ids(db: Database, ids: list[int]) -> set[int]:
    """Which of the Discord message ``ids`` are already the recorded result of a claim."""
    if not ids:
        return set()
    marks = ", ".join("?" for _ in ids)
    rows = await db.fetchall(f"SELECT discord_id FROM claims WHERE discord_id IN ({marks})", tuple(ids))
    return {int(r[0]) for r in rows}


async def release(db: Database, key: str) -> None:
    """Give back ``key`` unless its side effect was recorded done."""
    await db.execute("DELETE FROM claims WHERE key = ? AND done_at IS NULL", (key,))


async def complete(db: Database, key: str, discord_id: int | None, now: int) -> None:
    """Record that the side effect of ``key`` happened at ``now`` (and the Discord id it made)."""
    await db.execute("UPDATE claims SET done_at = ?, discord_id = ? WHERE key = ?", (now, discord_id, key))


async def is_claimed(db: Database, key: str) -> bool:
    """Whether ``key`` was ever taken (done or not)."""
    return await db.fetchval("SELECT 1 FROM claims WHERE key = ?", (key,)) is not None
