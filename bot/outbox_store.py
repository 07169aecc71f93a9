"""The store of the durable DM outbox (the ``fanout_jobs`` and ``fanout_outbox`` tables,
``migrations/0006_fanout_outbox.sql``): the only SQL behind :class:`bot.fanout.Outbox`.

Recipients are rows of ``(job, token, sealed)``: a truncated HMAC and the member id
encrypted by the outbox, never the id in clear (docs/anonymity.md, "Sealed outbox
recipients"). Instants are Unix seconds (UTC).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from bot.db import Connection, Database


@dataclass(frozen=True)
class JobState:
    """A durable fan-out job as stored: ``job`` name (``'{prefix}:{ref}'``), ``guild_id``,
    ``created_at`` (Unix seconds, UTC), ``total`` recipients enqueued, ``sent`` / ``failed``
    counts over every run (a resumed job adds to them), ``pending`` recipients not yet
    attempted, and the feature's ``payload`` (a JSON object, decoded)."""

    job: str
    guild_id: int | None
    created_at: int
    total: int
    sent: int
    failed: int
    pending: int
    payload: dict[str, Any]


async def insert_job(
    conn: Connection, job: str, guild_id: int | None, now: int, recipients: Iterable[tuple[bytes, bytes]],
    payload: dict[str, Any],
) -> bool:
    """Write job ``job`` and its sealed ``(token, sealed)`` recipients inside the caller's
    transaction; ``False`` (and nothing written) when a job of that name exists."""
    rows = list(recipients)
    cursor = await conn.execute(
        "INSERT INTO fanout_jobs (job, guild_id, created_at, total, payload) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (job) DO NOTHING",
        (job, guild_id, now, len(rows), json.dumps(payload, sort_keys=True)),
    )
    created = bool(cursor.rowcount == 1)
    await cursor.close()
    if created:
        await conn.executemany(
            "INSERT INTO fanout_outbox (job, token, sealed) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            [(job, token, sealed) for token, sealed in rows],
        )
    return created


async def get_job(db: Database, job: str) -> JobState | None:
    """The stored state of ``job``, or ``None``."""
    row = await db.fetchone(
        "SELECT job, guild_id, created_at, total, sent, failed, payload, "
        "(SELECT COUNT(*) FROM fanout_outbox o WHERE o.job = j.job) AS pending "
        "FROM fanout_jobs j WHERE job = ?",
        (job,),
    )
    if row is None:
        return None
    return JobState(
        job=row["job"], guild_id=row["guild_id"], created_at=row["created_at"], total=row["total"],
        sent=row["sent"], failed=row["failed"], pending=row["pending"], payload=json.loads(row["payload"] or "{}"),
    )


async def pending_count(db: Database, job: str | None = None) -> int:
    """Recipients not yet attempted, of ``job`` or of every job."""
    if job is None:
        return int(await db.fetchval("SELECT COUNT(*) FROM fanout_outbox", default=0))
    return int(await db.fetchval("SELECT COUNT(*) FROM fanout_outbox WHERE job = ?", (job,), default=0))


async def job_names(db: Database) -> list[str]:
    """Names of the stored jobs, oldest first."""
    return [r[0] for r in await db.fetchall("SELECT job FROM fanout_jobs ORDER BY created_at, job")]


async def delete_job(db: Database, job: str) -> None:
    """Remove ``job`` and its pending recipients (``ON DELETE CASCADE``)."""
    await db.execute("DELETE FROM fanout_jobs WHERE job = ?", (job,))


async def next_recipients(db: Database, job: str, limit: int) -> list[tuple[bytes, bytes]]:
    """Up to ``limit`` pending ``(token, sealed)`` recipients of ``job``, by token."""
    rows = await db.fetchall("SELECT token, sealed FROM fanout_outbox WHERE job = ? ORDER BY token LIMIT ?", (job, limit))
    return [(bytes(r["token"]), bytes(r["sealed"])) for r in rows]


async def record_attempt(db: Database, job: str, token: bytes, outcome: Literal["sent", "failed"]) -> None:
    """Delete one recipient's row and count its DM as ``outcome``, in one transaction."""
    column = "sent" if outcome == "sent" else "failed"
    async with db.transaction() as conn:
        cursor = await conn.execute("DELETE FROM fanout_outbox WHERE job = ? AND token = ?", (job, token))
        await cursor.close()
        cursor = await conn.execute(f"UPDATE fanout_jobs SET {column} = {column} + 1 WHERE job = ?", (job,))
        await cursor.close()
