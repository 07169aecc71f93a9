"""What services ask of Discord, without importing discord (docs/architecture.md, "Layout").

Services describe messages with the plain dataclasses below and call a
:class:`DiscordPort`; ``cogs/_ports.py`` implements it with discord.py and the tests'
recording ports implement it in memory. Failures that concern one recipient or one
channel raise :class:`DeliveryError` with a ``reason`` so a batch can count them and go
on (docs/architecture.md, "Direct messages").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

ButtonStyle = Literal["primary", "secondary", "success", "danger", "link"]
EventStatus = Literal["active", "completed"]
FailureReason = Literal[
    "dm_closed", "forbidden", "not_found", "archived", "rate_limited", "event_limit", "expired", "other"
]
"""Why a Discord call failed: ``event_limit`` is a guild's 100 uncompleted scheduled
events (Discord error 30038); ``expired`` a notice not sent because its moment passed (a
reminder once the meeting started); the others are per-recipient DM and channel failures."""


@dataclass(frozen=True)
class Button:
    """A button: ``custom_id`` ≤ 100 chars (Discord), ``label`` ≤ 80 (shortened by the renderer)."""

    custom_id: str | None
    label: str
    style: ButtonStyle = "secondary"
    url: str | None = None
    emoji: str | None = None
    disabled: bool = False
    row: int | None = None


@dataclass(frozen=True)
class SelectOption:
    """One option of a select menu (label/value/description ≤ 100 chars)."""

    label: str
    value: str
    description: str | None = None
    default: bool = False


@dataclass(frozen=True)
class Select:
    """A string select: ≤ 25 options (Discord)."""

    custom_id: str
    options: tuple[SelectOption, ...]
    placeholder: str | None = None
    min_values: int = 1
    max_values: int = 1
    row: int | None = None


@dataclass(frozen=True)
class EmbedField:
    """An embed field: name ≤ 256, value ≤ 1024 (Discord)."""

    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True)
class Embed:
    """An embed; ``image`` names an attached file shown inside it (``attachment://``)."""

    title: str | None = None
    description: str | None = None
    fields: tuple[EmbedField, ...] = ()
    footer: str | None = None
    color: int | None = None
    url: str | None = None
    image: str | None = None
    timestamp: datetime | None = None


@dataclass(frozen=True)
class File:
    """An attachment: ``filename`` and its bytes."""

    filename: str
    data: bytes
    description: str | None = None


@dataclass(frozen=True)
class OutMessage:
    """A message to post. ``ping_role_ids`` opts in to pinging those roles (the bot's own,
    configured pings only); everything else pings nobody."""

    content: str | None = None
    embeds: tuple[Embed, ...] = ()
    components: tuple[Button | Select, ...] = ()
    files: tuple[File, ...] = ()
    ping_role_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class EventSpec:
    """A guild scheduled event (name ≤ 100, description ≤ 1000; shortened by the service).

    ``channel_id`` for a voice/stage location, else ``location`` text (external event).
    """

    name: str
    description: str
    start: datetime
    end: datetime
    location: str | None = None
    channel_id: int | None = None


class DeliveryError(Exception):
    """A Discord call failed for one recipient/channel: ``reason`` and Discord's ``code``."""

    def __init__(self, reason: FailureReason, code: int | None = None) -> None:
        super().__init__(reason)
        self.reason: FailureReason = reason
        self.code = code


class DiscordPort(Protocol):
    """The side effects services may cause. Ids are snowflakes (``int``)."""

    async def send_message(self, channel_id: int, message: OutMessage, *, nonce: str | None = None) -> int:
        """Post in a channel or thread (unarchiving a thread first if needed); returns the message id.

        ``nonce`` (≤ 25 characters) is sent with ``enforce_nonce``: within Discord's dedupe
        window a second post with the same nonce returns the first message instead.
        """
        ...

    def fingerprint(self, message: OutMessage) -> str:
        """What identifies ``message`` once posted: a digest of its text, embeds' texts and
        components' custom ids as Discord will show them (files, colours and times left out)."""
        ...

    async def posted(self, channel_id: int, fingerprint: str) -> list[int]:
        """Ids of the bot's own recent messages in ``channel_id`` (the last 200) whose
        :meth:`fingerprint` is ``fingerprint``, oldest first."""
        ...

    async def edit_message(self, channel_id: int, message_id: int, message: OutMessage) -> None:
        """Replace a message's content, embeds, components (and files when given)."""
        ...

    async def delete_message(self, channel_id: int, message_id: int) -> None:
        """Delete one of the bot's messages."""
        ...

    async def create_thread(
        self, channel_id: int, message_id: int | None, name: str, auto_archive_minutes: int = 10080
    ) -> int:
        """Open a public thread on a message (or standalone); returns the thread id."""
        ...

    async def archive_thread(self, thread_id: int) -> None:
        """Archive a thread."""
        ...

    async def rename_thread(self, thread_id: int, name: str) -> None:
        """Rename a thread (name 1–100 chars, shortened by the implementation)."""
        ...

    async def send_dm(self, user_id: int, message: OutMessage) -> int:
        """DM a member; raises :class:`DeliveryError` ``dm_closed`` on 50007."""
        ...

    async def role_members(self, guild_id: int, role_id: int | None) -> list[int]:
        """Ids of the non-bot members holding ``role_id`` (every member when ``None``)."""
        ...

    async def create_scheduled_event(self, guild_id: int, event: EventSpec) -> int:
        """Create a guild scheduled event; raises ``DeliveryError('forbidden')`` without permission."""
        ...

    async def edit_scheduled_event(self, guild_id: int, event_id: int, event: EventSpec) -> None:
        """Update a guild scheduled event."""
        ...

    async def delete_scheduled_event(self, guild_id: int, event_id: int) -> None:
        """Delete (cancel) a guild scheduled event."""
        ...

    async def set_scheduled_event_status(self, guild_id: int, event_id: int, status: EventStatus) -> None:
        """Move a scheduled event to ``active`` (at the start) or ``completed`` (at the end),
        in the order Discord allows (scheduled → active → completed: a never-started event
        goes through active). An event already there, ended (completed or cancelled) or
        deleted in Discord is left alone. Raises :class:`DeliveryError` (e.g. ``forbidden``)."""
        ...

    async def can_post(self, channel_id: int) -> bool:
        """Whether the bot may view, send and embed in ``channel_id``."""
        ...
