"""Actors for service tests: who calls a use-case (bot.actor.Actor)."""

from __future__ import annotations

from bot.actor import Actor


def moderator(guild_id: int, user_id: int = 1, *, locale: str | None = None) -> Actor:
    """A member with Manage Server in ``guild_id``."""
    return Actor(user_id=user_id, guild_id=guild_id, manage_guild=True, locale=locale)


def member(guild_id: int | None, user_id: int, *, role_ids: tuple[int, ...] = (), locale: str | None = None) -> Actor:
    """A plain member (no Manage Server) with ``role_ids``; ``guild_id`` ``None`` in a DM."""
    return Actor(user_id=user_id, guild_id=guild_id, role_ids=role_ids, locale=locale)


SYSTEM = Actor.scheduler()
"""Cercle itself (scheduled jobs)."""
