"""The :class:`bot.ports.DiscordPort` implemented with discord.py.

Works over REST (partial objects), so scheduled work that runs at start-up, before the
gateway's caches fill, can still post. Discord's per-recipient errors become
:class:`~bot.ports.DeliveryError` (50007 DMs closed, 50013/50001 missing permission or
access, 10003/10008 unknown channel/message, 50083 archived thread; docs/architecture.md, "Discord facts").
"""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.ports import DeliveryError, EventSpec, OutMessage
from bot.text import plain_label, shorten
from cogs._ui import edit_kwargs, send_kwargs

if TYPE_CHECKING:
    from cercle.app import CercleBot

log = logging.getLogger(__name__)

POSTED_SCAN = 200
"""How far back :meth:`DiscordPortImpl.posted` looks in a channel (two pages of history)."""


def _digest(content: str | None, embeds: list[discord.Embed], custom_ids: list[str]) -> str:
    """SHA-256 over what Discord shows back of a message: its text (Discord trims it), its
    embeds' title, description, footer and fields, its components' custom ids (sorted)."""
    parts = [(content or "").strip()]
    for embed in embeds:
        parts += [(embed.title or "").strip(), (embed.description or "").strip(), (embed.footer.text or "").strip()]
        parts += [f"{f.name}\x1f{f.value}" for f in embed.fields]
    parts += sorted(i for i in custom_ids if i)
    return hashlib.sha256("\x1e".join(parts).encode()).hexdigest()


def _custom_ids(message: discord.Message) -> list[str]:
    """The custom ids of a fetched message's components (buttons and selects in its rows)."""
    ids: list[str] = []
    for row in message.components:
        for child in getattr(row, "children", [row]):
            custom_id = getattr(child, "custom_id", None)
            if custom_id:
                ids.append(str(custom_id))
    return ids


def delivery_error(exc: discord.HTTPException) -> DeliveryError:
    """Map a discord.py HTTP error to a per-recipient failure reason."""
    code = getattr(exc, "code", None)
    if code == 50007 or code == 50278:
        return DeliveryError("dm_closed", code)
    if code == 50083:
        return DeliveryError("archived", code)
    if code == 30038:
        return DeliveryError("event_limit", code)
    if isinstance(exc, discord.NotFound):
        return DeliveryError("not_found", code)
    if isinstance(exc, discord.Forbidden):
        return DeliveryError("forbidden", code)
    if exc.status == 429:
        return DeliveryError("rate_limited", code)
    return DeliveryError("other", code)


class DiscordPortImpl:
    """Side effects through discord.py for the services."""

    def __init__(self, bot: CercleBot) -> None:
        self.bot = bot

    async def send_message(self, channel_id: int, message: OutMessage, *, nonce: str | None = None) -> int:
        channel = self.bot.get_partial_messageable(channel_id)
        # discord.py sends ``enforce_nonce: true`` with every nonce it is given (and a random
        # nonce otherwise): a retry of the same post within Discord's window returns the first.
        extra: dict[str, Any] = {} if nonce is None else {"nonce": nonce}
        try:
            try:
                sent = await channel.send(**send_kwargs(message), **extra)
            except discord.HTTPException as exc:
                if exc.code != 50083:
                    raise
                # A locked/archived thread: unarchive it first when we may (Manage Threads).
                await self.bot.http.edit_channel(channel_id, archived=False, locked=False)
                sent = await channel.send(**send_kwargs(message), **extra)
        except discord.HTTPException as exc:
            raise delivery_error(exc) from None
        return sent.id

    def fingerprint(self, message: OutMessage) -> str:
        kwargs = send_kwargs(message)
        view = kwargs.get("view")
        ids = [str(getattr(item, "custom_id", "") or "") for item in view.children] if view is not None else []
        return _digest(kwargs.get("content"), kwargs.get("embeds", []), ids)

    async def posted(self, channel_id: int, fingerprint: str) -> list[int]:
        me = self.bot.user.id if self.bot.user is not None else None
        found: list[int] = []
        try:
            async for message in self.bot.get_partial_messageable(channel_id).history(limit=POSTED_SCAN):
                if message.author.id == me and _digest(message.content, message.embeds, _custom_ids(message)) == fingerprint:
                    found.append(message.id)
        except discord.HTTPException as exc:
            raise delivery_error(exc) from None
        return sorted(found)

    async def edit_message(self, channel_id: int, message_id: int, message: OutMessage) -> None:
        partial = self.bot.get_partial_messageable(channel_id).get_partial_message(message_id)
        try:
            await partial.edit(**edit_kwargs(message))
        except discord.HTTPException as exc:
            raise delivery_error(exc) from None

    async def delete_message(self, channel_id: int, message_id: int) -> None:
        partial = self.bot.get_partial_messageable(channel_id).get_partial_message(message_id)
        try:
            await partial.delete()
        except discord.NotFound:
            return
        except discord.HTTPException as exc:
            raise delivery_error(exc) from None

    async def create_thread(
        self, channel_id: int, message_id: int | None, name: str, auto_archive_minutes: int = 10080
    ) -> int:
        name = plain_label(name, 100) or "…"
        try:
            if message_id is not None:
                data = await self.bot.http.start_thread_with_message(
                    channel_id, message_id, name=name, auto_archive_duration=auto_archive_minutes  # type: ignore[arg-type]
                )
            else:
                data = await self.bot.http.start_thread_without_message(
                    channel_id, name=name, auto_archive_duration=auto_archive_minutes, type=11  # type: ignore[arg-type]
                )
        except discord.HTTPException as exc:
            raise delivery_error(exc) from None
        return int(data["id"])

    async def archive_thread(self, thread_id: int) -> None:
        try:
            await self.bot.http.edit_channel(thread_id, archived=True)
        except discord.HTTPException as exc:
            raise delivery_error(exc) from None

    async def rename_thread(self, thread_id: int, name: str) -> None:
        try:
            await self.bot.http.edit_channel(thread_id, name=plain_label(name, 100) or "…")
        except discord.HTTPException as exc:
            raise delivery_error(exc) from None

    async def send_dm(self, user_id: int, message: OutMessage) -> int:
        try:
            # By id: no user lookup before the member cache fills (a fan-out resumed at start
            # would otherwise spend a third request per DM and outrun its pacing).
            channel = await self.bot.create_dm(discord.Object(user_id))
            sent = await channel.send(**send_kwargs(message))
        except discord.HTTPException as exc:
            raise delivery_error(exc) from None
        return sent.id

    async def role_members(self, guild_id: int, role_id: int | None) -> list[int]:
        guild = self.bot.get_guild(guild_id)
        if guild is not None and guild.chunked:
            members = guild.members if role_id is None or role_id == guild_id else getattr(guild.get_role(role_id), "members", [])
            return [m.id for m in members if not m.bot]
        found = []
        target = guild or await self.bot.fetch_guild(guild_id)
        async for member in target.fetch_members(limit=None):
            if member.bot:
                continue
            if role_id is None or role_id == guild_id or any(r.id == role_id for r in member.roles):
                found.append(member.id)
        return found

    async def _guild(self, guild_id: int) -> discord.Guild:
        return self.bot.get_guild(guild_id) or await self.bot.fetch_guild(guild_id)

    def _event_kwargs(self, guild: discord.Guild, event: EventSpec) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "name": plain_label(event.name, 100) or "…",
            "description": shorten(event.description or "", 1000),
            "start_time": event.start,
            "end_time": event.end,
            "privacy_level": discord.PrivacyLevel.guild_only,
        }
        channel = guild.get_channel(event.channel_id) if event.channel_id else None
        if isinstance(channel, discord.StageChannel):
            kwargs.update(entity_type=discord.EntityType.stage_instance, channel=channel)
        elif isinstance(channel, discord.VoiceChannel):
            kwargs.update(entity_type=discord.EntityType.voice, channel=channel)
        else:
            kwargs.update(entity_type=discord.EntityType.external, location=shorten(event.location or "—", 100))
        return kwargs

    async def create_scheduled_event(self, guild_id: int, event: EventSpec) -> int:
        try:
            guild = await self._guild(guild_id)
            created = await guild.create_scheduled_event(**self._event_kwargs(guild, event))
        except discord.HTTPException as exc:
            raise delivery_error(exc) from None
        return created.id

    async def edit_scheduled_event(self, guild_id: int, event_id: int, event: EventSpec) -> None:
        try:
            guild = await self._guild(guild_id)
            kwargs = self._event_kwargs(guild, event)
            fields: dict[str, Any] = {
                "name": kwargs["name"],
                "description": kwargs["description"],
                "scheduled_start_time": event.start.isoformat(),
                "scheduled_end_time": event.end.isoformat(),
            }
            if kwargs["entity_type"] is discord.EntityType.external:  # a changed location follows
                fields["entity_metadata"] = {"location": kwargs["location"]}
            await self.bot.http.edit_scheduled_event(guild_id, event_id, **fields)
        except discord.HTTPException as exc:
            raise delivery_error(exc) from None

    async def delete_scheduled_event(self, guild_id: int, event_id: int) -> None:
        try:
            await self.bot.http.delete_scheduled_event(guild_id, event_id)
        except discord.NotFound:
            return
        except discord.HTTPException as exc:
            raise delivery_error(exc) from None

    async def set_scheduled_event_status(self, guild_id: int, event_id: int, status: str) -> None:
        # Discord's state machine: SCHEDULED (1) → ACTIVE (2) → COMPLETED (3), or
        # SCHEDULED → CANCELED (4); ended events are final. Read where the event is first:
        # one ended or deleted in Discord is left alone, one never started walks through
        # ACTIVE on its way to COMPLETED (a meeting missed during downtime).
        target = {"active": 2, "completed": 3}[status]
        try:
            current = int((await self.bot.http.get_scheduled_event(guild_id, event_id, False))["status"])
            if current in (3, 4) or current >= target:
                return
            for code in range(current + 1, target + 1):
                await self.bot.http.edit_scheduled_event(guild_id, event_id, status=code)
        except discord.NotFound:
            return
        except discord.HTTPException as exc:
            raise delivery_error(exc) from None

    async def can_post(self, channel_id: int) -> bool:
        channel = self.bot.get_channel(channel_id)
        if channel is None or not hasattr(channel, "guild"):
            return False
        perms = channel.permissions_for(channel.guild.me)  # type: ignore[union-attr]
        return perms.view_channel and perms.send_messages and perms.embed_links
