"""What every feature service is built from: one :class:`AppContext` per bot process."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Generic, TypeVar

from bot.actor import Actor, Who
from bot.background import Background
from bot.clock import Clock
from bot.club.service import ClubService
from bot.db import Database
from bot.fanout import DEFAULT_RATE, Outbox
from bot.ports import DiscordPort
from bot.scheduler import Scheduler
from bot.settings import Settings


@dataclass
class AppContext:
    """Shared handles: database, clock, scheduler, Discord port, club settings, the
    anonymity ``secret`` (bytes, from the environment, never the database), and the
    pacing of fan-outs (``fanout_rate`` per second, ``sleep`` injected for tests), and the
    process's one durable DM :attr:`outbox`."""

    settings: Settings
    db: Database
    clock: Clock
    scheduler: Scheduler
    port: DiscordPort
    club: ClubService
    secret: bytes
    fanout_rate: float = DEFAULT_RATE
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep)

    @cached_property
    def outbox(self) -> Outbox:
        """The process's one :class:`~bot.fanout.Outbox` (created on first use): every
        feature registers its DM factories on it, and the bot resumes it at start."""
        return Outbox(self.db, self.secret, clock=self.clock)

    @property
    def tasks(self) -> Background:
        """The process's one owner of background tasks (the scheduler's): jobs, after-close
        work, group commits, resumed fan-outs; stopped with the scheduler, before the
        database closes."""
        return self.scheduler.tasks


class FeatureService:
    """Base of the feature services: keeps the context and its handles used everywhere
    (``db``, ``clock``, ``port``, ``scheduler``). Subclasses call ``super().__init__(ctx)``."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.db = ctx.db
        self.clock = ctx.clock
        self.port = ctx.port
        self.scheduler = ctx.scheduler

    async def authorise(self, actor: Actor, who: Who) -> None:
        """The check :func:`bot.actor.use_case` runs before each use-case (the club's rule:
        :meth:`bot.club.service.ClubService.authorise`)."""
        await self.ctx.club.authorise(actor, who)


S = TypeVar("S")


@dataclass(frozen=True)
class Feature(Generic[S]):
    """What a feature package's ``build(ctx)`` returns: its ``service``, with its scheduler
    kinds registered (``kinds``, the names it arms) — the one contract every feature
    follows (docs/architecture.md, "Layout")."""

    service: S
    kinds: tuple[str, ...]
