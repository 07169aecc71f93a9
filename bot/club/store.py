"""SQL for club settings and the audit log."""

from __future__ import annotations

from bot.club.rules import ClubSettings
from bot.db import Database

_COLUMNS = (
    "announcements_channel_id",
    "meetings_channel_id",
    "prompts_channel_id",
    "feedback_channel_id",
    "moderators_channel_id",
    "moderator_role_id",
    "timezone",
    "locale",
    "anonymity_threshold",
)


async def load(db: Database, guild_id: int) -> dict[str, object] | None:
    """The stored row of ``guild_id`` as a dict, or ``None``."""
    row = await db.fetchone(f"SELECT {', '.join(_COLUMNS)} FROM club_settings WHERE guild_id = ?", (guild_id,))
    return None if row is None else dict(row)


async def save(db: Database, settings: ClubSettings, now_ts: int) -> None:
    """Insert or replace the whole row."""
    values = [getattr(settings, c) for c in _COLUMNS]
    await db.execute(
        f"INSERT INTO club_settings (guild_id, {', '.join(_COLUMNS)}, updated_at) "
        f"VALUES (?, {', '.join('?' for _ in _COLUMNS)}, ?) "
        f"ON CONFLICT (guild_id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in _COLUMNS)}, "
        "updated_at = excluded.updated_at",
        (settings.guild_id, *values, now_ts),
    )


async def add_audit(db: Database, guild_id: int, actor_id: int, action: str, detail: str, now_ts: int) -> None:
    """Append one moderator action."""
    await db.execute(
        "INSERT INTO audit_log (guild_id, actor_id, action, detail, created_at) VALUES (?, ?, ?, ?, ?)",
        (guild_id, actor_id, action, detail, now_ts),
    )


async def recent_audit(db: Database, guild_id: int, limit: int) -> list[tuple[int, str, str, int]]:
    """The last ``limit`` actions: ``(actor_id, action, detail, created_at)``, newest first."""
    rows = await db.fetchall(
        "SELECT actor_id, action, detail, created_at FROM audit_log WHERE guild_id = ? ORDER BY id DESC LIMIT ?",
        (guild_id, limit),
    )
    return [(r[0], r[1], r[2], r[3]) for r in rows]


async def guild_ids(db: Database) -> list[int]:
    """Every guild with stored settings."""
    return [r[0] for r in await db.fetchall("SELECT guild_id FROM club_settings")]
