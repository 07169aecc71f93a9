"""The store of idempotency claims (the ``claims`` table): what makes a scheduled side
effect happen at most once across processes and restarts (docs/architecture.md,
"Scheduler"). :class:`bot.scheduler.Scheduler` is its one user-facing API; stores that
claim inside their own transaction use :func:`claim_in`.

Keys look like ``prompt:{guild}:{iso-week}`` or ``meeting:{id}:reminder:{offset}``;
instants are Unix seconds (UTC).
"""

from __future__ import annotations

from bot.db import Connection, Database


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


async def release(db: Database, key: str) -> None:
    """Give back ``key`` unless its side effect was recorded done."""
    await db.execute("DELETE FROM claims WHERE key = ? AND done_at IS NULL", (key,))


async def complete(db: Database, key: str, discord_id: int | None, now: int) -> None:
    """Record that the side effect of ``key`` happened at ``now`` (and the Discord id it made)."""
    await db.execute("UPDATE claims SET done_at = ?, discord_id = ? WHERE key = ?", (now, discord_id, key))


async def is_claimed(db: Database, key: str) -> bool:
    """Whether ``key`` was ever taken (done or not)."""
    return await db.fetchval("SELECT 1 FROM claims WHERE key = ?", (key,)) is not None
