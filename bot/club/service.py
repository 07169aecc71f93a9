"""Use-cases of the club settings: read with defaults, change with validation and audit."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from bot.actor import Actor, Who, use_case
from bot.clock import Clock, to_ts
from bot.club import store
from bot.club.rules import (
    CHANNEL_FIELDS,
    ClubSettings,
    is_moderator,
    validate_locale,
    validate_threshold,
    validate_timezone,
)
from bot.db import Database
from bot.errors import Forbidden, InvalidInput
from bot.ports import DiscordPort

AUDIT_PAGE = 20


@dataclass(frozen=True)
class AuditEntry:
    """One moderator action: who (``actor_id``), ``action`` key, ``detail`` text, when (Unix s)."""

    actor_id: int
    action: str
    detail: str
    created_at: int


class ClubService:
    """Reads and changes club settings. ``default_timezone``/``default_locale`` apply to
    guilds that never set theirs."""

    def __init__(
        self, db: Database, clock: Clock, port: DiscordPort, *, default_timezone: str, default_locale: str
    ) -> None:
        self.db = db
        self.clock = clock
        self.port = port
        self.default_timezone = default_timezone
        self.default_locale = default_locale
        self._cache: dict[int, ClubSettings] = {}

    async def get(self, guild_id: int) -> ClubSettings:
        """The guild's settings, defaults filled in (cached; the cache follows every change)."""
        cached = self._cache.get(guild_id)
        if cached is not None:
            return cached
        row = await store.load(self.db, guild_id)
        values: dict[str, Any] = {k: v for k, v in (row or {}).items() if v is not None}
        values.setdefault("timezone", self.default_timezone)
        values.setdefault("locale", self.default_locale)
        settings = ClubSettings(guild_id=guild_id, **values)
        self._cache[guild_id] = settings
        return settings

    async def require_moderator(self, actor: Actor) -> ClubSettings:
        """The settings of ``actor``'s guild, or ``Forbidden('error.not_moderator')`` unless
        Manage Server or the club's moderator role (:func:`~bot.club.rules.is_moderator`;
        Cercle itself passes). ``CercleError('error.guild_only')`` in a DM.

        Re-checked in code on every use-case (docs/architecture.md, "Who acts"):
        ``default_permissions`` is only a hint server admins can override, and buttons
        have no permission gating at all.
        """
        settings = await self.get(actor.guild())
        if actor.system:
            return settings
        if not is_moderator(manage_guild=actor.manage_guild, role_ids=actor.role_ids, moderator_role_id=settings.moderator_role_id):
            raise Forbidden("error.not_moderator")
        return settings

    async def authorise(self, actor: Actor, who: Who) -> None:
        """The check behind :func:`bot.actor.use_case` for every service: a moderator
        use-case needs :meth:`require_moderator`, a system one :meth:`Actor.scheduler`."""
        if who == "moderator":
            await self.require_moderator(actor)
        elif who == "system" and not actor.system:
            raise Forbidden("error.not_allowed")

    @use_case("moderator")
    async def show(self, actor: Actor) -> ClubSettings:
        """``/club config show``: the settings of ``actor``'s guild, defaults filled in."""
        return await self.get(actor.guild())

    @use_case("member")
    async def standing(self, actor: Actor) -> tuple[ClubSettings | None, bool]:
        """``/help``: the settings of ``actor``'s guild (``None`` in a DM) and whether
        ``actor`` is one of its moderators (so help lists the moderator commands)."""
        if actor.guild_id is None:
            return None, False
        settings = await self.get(actor.guild_id)
        moderator = is_moderator(
            manage_guild=actor.manage_guild, role_ids=actor.role_ids, moderator_role_id=settings.moderator_role_id
        )
        return settings, moderator

    @use_case("moderator")
    async def update(self, actor: Actor, **changes: object) -> tuple[ClubSettings, list[str]]:
        """Validate and store ``changes`` (field → value); returns the new settings and the
        changed field names. Raises ``InvalidInput`` naming the first bad field; nothing
        is stored then.
        """
        guild_id, actor_id = actor.guild(), actor.user_id
        current = await self.get(guild_id)
        clean: dict[str, object] = {}
        for name, value in changes.items():
            if value is None:
                continue
            if name == "timezone":
                clean[name] = validate_timezone(str(value))
            elif name == "locale":
                clean[name] = validate_locale(str(value))
            elif name == "anonymity_threshold":
                clean[name] = validate_threshold(int(value))  # type: ignore[call-overload]
            elif name in CHANNEL_FIELDS:
                channel_id = int(value)  # type: ignore[call-overload]
                if not await self.port.can_post(channel_id):
                    raise InvalidInput("club.error.cannot_post", field=name, channel=f"<#{channel_id}>")
                clean[name] = channel_id
            elif name == "moderator_role_id":
                clean[name] = int(value)  # type: ignore[call-overload]
            else:
                raise ValueError(f"unknown club setting {name!r}")
        if not clean:
            raise InvalidInput("club.error.nothing_to_set", field="settings")
        updated = dataclasses.replace(current, **clean)  # type: ignore[arg-type]
        now = to_ts(self.clock.now())
        await store.save(self.db, updated, now)
        self._cache[guild_id] = updated
        detail = ", ".join(f"{k}={v}" for k, v in clean.items())
        await store.add_audit(self.db, guild_id, actor_id, "club.config.set", detail, now)
        return updated, list(clean)

    async def audit(self, guild_id: int, actor_id: int, action: str, detail: str = "") -> None:
        """Record a moderator action (never an anonymous member's action: docs/anonymity.md, "Logs and exports")."""
        await store.add_audit(self.db, guild_id, actor_id, action, detail[:500], to_ts(self.clock.now()))

    @use_case("moderator")
    async def recent_audit(self, actor: Actor, limit: int = AUDIT_PAGE) -> list[AuditEntry]:
        """The last actions of ``actor``'s guild, newest first (at most ``limit``)."""
        return [AuditEntry(*row) for row in await store.recent_audit(self.db, actor.guild(), limit)]
