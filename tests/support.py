"""Test helpers shared by the service-level tests: an in-memory recording port."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from bot.context import AppContext
from bot.ports import DeliveryError, EventSpec, OutMessage
from bot.scheduler import Scheduler


@dataclass
class Sent:
    """One recorded call of the port."""

    kind: str
    target: int
    message: OutMessage | None = None
    message_id: int | None = None
    extra: dict = field(default_factory=dict)


class RecordingPort:
    """A :class:`bot.ports.DiscordPort` that records every call in ``calls``.

    ``closed_dms`` (user ids) fail DMs with ``dm_closed``; ``unpostable`` (channel ids)
    fail posts with ``forbidden``; ``members`` maps ``(guild_id, role_id|None)`` to ids;
    ``archived`` holds thread ids currently archived (posting unarchives them);
    ``events_forbidden`` makes scheduled-event creation fail with ``forbidden``.
    """

    def __init__(self) -> None:
        self.calls: list[Sent] = []
        self._ids = itertools.count(10_000)
        self.closed_dms: set[int] = set()
        self.unpostable: set[int] = set()
        self.members: dict[tuple[int, int | None], list[int]] = {}
        self.archived: set[int] = set()
        self.events_forbidden = False
        self.messages: dict[int, OutMessage] = {}
        self.events: dict[int, EventSpec] = {}
        self.nonces: dict[str, int] = {}
        self.posted_in: dict[int, int] = {}

    def of(self, kind: str) -> list[Sent]:
        """Recorded calls of one kind (``send_message``, ``send_dm``, …)."""
        return [c for c in self.calls if c.kind == kind]

    async def send_message(self, channel_id: int, message: OutMessage, *, nonce: str | None = None) -> int:
        if channel_id in self.unpostable:
            raise DeliveryError("forbidden", 50013)
        self.archived.discard(channel_id)
        if nonce is not None and nonce in self.nonces:  # Discord's enforce_nonce: the first message again
            return self.nonces[nonce]
        mid = next(self._ids)
        self.messages[mid] = message
        self.posted_in[mid] = channel_id
        if nonce is not None:
            self.nonces[nonce] = mid
        self.calls.append(Sent("send_message", channel_id, message, mid, {"nonce": nonce}))
        return mid

    def fingerprint(self, message: OutMessage) -> str:
        return repr((message.content, message.embeds, message.components))

    async def posted(self, channel_id: int, fingerprint: str) -> list[int]:
        return sorted(
            mid for mid, where in self.posted_in.items()
            if where == channel_id and mid in self.messages and self.fingerprint(self.messages[mid]) == fingerprint
        )

    async def edit_message(self, channel_id: int, message_id: int, message: OutMessage) -> None:
        self.messages[message_id] = message
        self.calls.append(Sent("edit_message", channel_id, message, message_id))

    async def delete_message(self, channel_id: int, message_id: int) -> None:
        self.messages.pop(message_id, None)
        self.calls.append(Sent("delete_message", channel_id, None, message_id))

    async def create_thread(self, channel_id: int, message_id: int | None, name: str, auto_archive_minutes: int = 10080) -> int:
        if channel_id in self.unpostable:
            raise DeliveryError("forbidden", 50013)
        tid = next(self._ids)
        self.calls.append(Sent("create_thread", channel_id, None, message_id, {"name": name, "thread_id": tid}))
        return tid

    async def archive_thread(self, thread_id: int) -> None:
        self.archived.add(thread_id)
        self.calls.append(Sent("archive_thread", thread_id))

    async def send_dm(self, user_id: int, message: OutMessage) -> int:
        if user_id in self.closed_dms:
            raise DeliveryError("dm_closed", 50007)
        mid = next(self._ids)
        self.calls.append(Sent("send_dm", user_id, message, mid))
        return mid

    async def role_members(self, guild_id: int, role_id: int | None) -> list[int]:
        return list(self.members.get((guild_id, role_id), []))

    async def create_scheduled_event(self, guild_id: int, event: EventSpec) -> int:
        if self.events_forbidden:
            raise DeliveryError("forbidden", 50013)
        eid = next(self._ids)
        self.events[eid] = event
        self.calls.append(Sent("create_scheduled_event", guild_id, None, eid, {"event": event}))
        return eid

    async def edit_scheduled_event(self, guild_id: int, event_id: int, event: EventSpec) -> None:
        self.events[event_id] = event
        self.calls.append(Sent("edit_scheduled_event", guild_id, None, event_id, {"event": event}))

    async def delete_scheduled_event(self, guild_id: int, event_id: int) -> None:
        self.events.pop(event_id, None)
        self.calls.append(Sent("delete_scheduled_event", guild_id, None, event_id))

    async def set_scheduled_event_status(self, guild_id: int, event_id: int, status: str) -> None:
        if event_id not in self.events:
            raise DeliveryError("not_found", 10070)
        self.calls.append(Sent("set_scheduled_event_status", guild_id, None, event_id, {"status": status}))

    async def can_post(self, channel_id: int) -> bool:
        return channel_id not in self.unpostable


class WithJobs(Protocol):
    """A feature service: it registers its scheduler kinds."""

    def register_jobs(self) -> tuple[str, ...]:
        """Register the kinds; returns them."""
        ...


S = TypeVar("S", bound=WithJobs)


async def restart_service(ctx: AppContext, build: Callable[[AppContext], S]) -> S:
    """A process restart for service tests: stop ``ctx``'s scheduler, give ``ctx`` a new one
    on the same database, build the service anew with ``build(ctx)``, register its jobs,
    start and let the start-up catch-up finish. Returns the new service."""
    await ctx.scheduler.stop()
    ctx.scheduler = Scheduler(ctx.db, ctx.clock)
    service = build(ctx)
    service.register_jobs()
    await ctx.scheduler.start()
    await ctx.scheduler.caught_up()
    return service
