"""The fake Discord's state: users, guilds, roles, channels, threads, messages, commands,
scheduled events, and Discord's permission computation.

Payload builders return dicts shaped like Discord's API objects (API v10) with every
field discord.py 2.7 needs to parse them.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1420070400000


class P:
    """Permission bits (Discord's ``permissions`` bitfield)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    CONNECT = 1 << 20
    MANAGE_ROLES = 1 << 28
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_EVENTS = 1 << 33
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    SEND_MESSAGES_IN_THREADS = 1 << 38
    CREATE_EVENTS = 1 << 44
    ALL = (1 << 51) - 1
    DEFAULT_EVERYONE = (
        VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY | ADD_REACTIONS
        | USE_APPLICATION_COMMANDS | CREATE_PUBLIC_THREADS | SEND_MESSAGES_IN_THREADS | CONNECT
        | CREATE_INSTANT_INVITE
    )


class Snowflakes:
    """Increasing snowflakes whose timestamp part is the real time (as Discord's are)."""

    def __init__(self) -> None:
        self._counter = itertools.count()

    def next(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (next(self._counter) & 0x3FFFFF)


def iso_now() -> str:
    """The current time as Discord writes it."""
    return datetime.now(UTC).isoformat()


@dataclass
class User:
    """A Discord user. ``dms_open=False`` makes DMs to them fail with 50007."""

    id: int
    username: str
    bot: bool = False
    locale: str = "en-US"
    dms_open: bool = True
    global_name: str | None = None

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.global_name or self.username,
            "discriminator": "0",
            "avatar": None,
            "public_flags": 0,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass
class Role:
    """A guild role with a permission bitfield."""

    id: int
    name: str
    permissions: int = 0
    position: int = 1

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }


@dataclass
class Overwrite:
    """A channel permission overwrite for a role (type 0) or member (type 1)."""

    id: int
    type: int
    allow: int = 0
    deny: int = 0

    def payload(self) -> dict[str, Any]:
        return {"id": str(self.id), "type": self.type, "allow": str(self.allow), "deny": str(self.deny)}


@dataclass
class Channel:
    """A guild channel (0 text, 2 voice, 4 category, 5 announcement, 11 public thread) or a DM (1)."""

    id: int
    type: int
    name: str | None = None
    guild_id: int | None = None
    parent_id: int | None = None
    position: int = 0
    overwrites: list[Overwrite] = field(default_factory=list)
    recipient_id: int | None = None
    # threads
    owner_id: int | None = None
    archived: bool = False
    locked: bool = False
    auto_archive_duration: int = 10080
    message_count: int = 0
    deleted: bool = False

    @property
    def is_thread(self) -> bool:
        return self.type in (10, 11, 12)

    def payload(self, users: dict[int, User] | None = None) -> dict[str, Any]:
        if self.type == 1:
            recipient = users[self.recipient_id].payload() if users and self.recipient_id in users else None
            return {"id": str(self.id), "type": 1, "last_message_id": None, "recipients": [recipient] if recipient else []}
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [o.payload() for o in self.overwrites],
            "parent_id": str(self.parent_id) if self.parent_id else None,
            "nsfw": False,
            "flags": 0,
        }
        if self.type in (0, 5):
            data.update({"topic": None, "last_message_id": None, "rate_limit_per_user": 0, "default_auto_archive_duration": 10080})
        if self.type == 2:
            data.update({"bitrate": 64000, "user_limit": 0, "rtc_region": None, "last_message_id": None})
        if self.is_thread:
            data.pop("permission_overwrites")
            data.pop("position")
            data.update(
                {
                    "owner_id": str(self.owner_id) if self.owner_id else None,
                    "last_message_id": None,
                    "rate_limit_per_user": 0,
                    "message_count": self.message_count,
                    "member_count": 1,
                    "total_message_sent": self.message_count,
                    "thread_metadata": {
                        "archived": self.archived,
                        "auto_archive_duration": self.auto_archive_duration,
                        "archive_timestamp": iso_now(),
                        "locked": self.locked,
                        "create_timestamp": iso_now(),
                    },
                }
            )
        return data


@dataclass
class Member:
    """A guild member: the user id and role ids."""

    user_id: int
    roles: list[int] = field(default_factory=list)
    nick: str | None = None


@dataclass
class Message:
    """A stored message (the payload as sent to clients, kept whole)."""

    id: int
    channel_id: int
    data: dict[str, Any]
    ephemeral: bool = False
    interaction_id: int | None = None

    @property
    def content(self) -> str:
        return self.data.get("content") or ""

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.data.get("embeds") or []

    @property
    def components(self) -> list[dict[str, Any]]:
        return self.data.get("components") or []

    @property
    def attachments(self) -> list[dict[str, Any]]:
        return self.data.get("attachments") or []

    @property
    def author_id(self) -> int:
        return int(self.data["author"]["id"])

    def buttons(self) -> list[dict[str, Any]]:
        """Every button of the message, row by row."""
        return [c for row in self.components for c in row.get("components", []) if c.get("type") == 2]

    def text(self) -> str:
        """Content, embed titles/descriptions/fields and footers joined, for assertions."""
        parts = [self.content]
        for embed in self.embeds:
            parts += [embed.get("title") or "", embed.get("description") or ""]
            for f in embed.get("fields") or []:
                parts += [f.get("name", ""), f.get("value", "")]
            parts.append((embed.get("footer") or {}).get("text", ""))
        return "\n".join(p for p in parts if p)


@dataclass
class Guild:
    """A guild with its roles, channels, members, commands and scheduled events."""

    id: int
    name: str
    owner_id: int
    preferred_locale: str = "en-US"
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    commands: list[dict[str, Any]] = field(default_factory=list)
    scheduled_events: dict[int, dict[str, Any]] = field(default_factory=dict)

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    def base_permissions(self, user_id: int) -> int:
        """Guild-level permissions of a member (Discord's algorithm, step 1)."""
        if user_id == self.owner_id:
            return P.ALL
        member = self.members.get(user_id)
        if member is None:
            return 0
        perms = self.everyone.permissions
        for role_id in member.roles:
            role = self.roles.get(role_id)
            if role:
                perms |= role.permissions
        if perms & P.ADMINISTRATOR:
            return P.ALL
        return perms

    def permissions_in(self, user_id: int, channel: Channel) -> int:
        """Channel-level permissions of a member: base, then @everyone, role and member overwrites."""
        perms = self.base_permissions(user_id)
        if perms == P.ALL:
            return P.ALL
        target = self.channels.get(channel.parent_id) if channel.is_thread and channel.parent_id else channel
        target = target or channel
        member = self.members.get(user_id)
        role_ids = set(member.roles if member else [])
        overwrites = {o.id: o for o in target.overwrites}
        everyone = overwrites.get(self.id)
        if everyone:
            perms = (perms & ~everyone.deny) | everyone.allow
        allow = deny = 0
        for o in target.overwrites:
            if o.type == 0 and o.id in role_ids:
                allow |= o.allow
                deny |= o.deny
        perms = (perms & ~deny) | allow
        mine = overwrites.get(user_id)
        if mine and mine.type == 1:
            perms = (perms & ~mine.deny) | mine.allow
        if not perms & P.VIEW_CHANNEL:
            return 0
        return perms

    def member_payload(self, user: User, *, with_permissions_in: Channel | None = None) -> dict[str, Any]:
        member = self.members[user.id]
        data: dict[str, Any] = {
            "user": user.payload(),
            "roles": [str(r) for r in member.roles],
            "nick": member.nick,
            "avatar": None,
            "banner": None,
            "joined_at": "2025-01-01T00:00:00+00:00",
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_permissions_in is not None:
            data["permissions"] = str(self.permissions_in(user.id, with_permissions_in))
        return data

    def payload(self, users: dict[int, User], *, full: bool) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "roles": [r.payload() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": self.preferred_locale,
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "max_members": 500000,
        }
        if full:
            data.update(
                {
                    "joined_at": "2025-01-01T00:00:00+00:00",
                    "large": False,
                    "unavailable": False,
                    "member_count": len(self.members),
                    "voice_states": [],
                    "members": [self.member_payload(users[uid]) for uid in self.members if uid in users],
                    "channels": [c.payload() for c in self.channels.values() if not c.is_thread and not c.deleted],
                    "threads": [
                        c.payload() for c in self.channels.values() if c.is_thread and not c.archived and not c.deleted
                    ],
                    "presences": [],
                    "stage_instances": [],
                    "guild_scheduled_events": list(self.scheduled_events.values()),
                    "soundboard_sounds": [],
                }
            )
        return data
