"""What every feature service is built from: one :class:`AppContext` per bot process."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.club.service import ClubService
from bot.db import Database
from bot.fanout import DEFAULT_RATE
from bot.ports import DiscordPort
from bot.scheduler import Scheduler
from bot.settings import Settings


@dataclass
class AppContext:
    """Shared handles: database, clock, scheduler, Discord port, club settings, the
    anonymity ``secret`` (bytes, from the environment, never the database), and the
    pacing of fan-outs (``fanout_rate`` per second, ``sleep`` injected for tests)."""

    settings: Settings
    db: Database
    clock: Clock
    scheduler: Scheduler
    port: DiscordPort
    club: ClubService
    secret: bytes
    fanout_rate: float = DEFAULT_RATE
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep)
    services: dict[str, object] = field(default_factory=dict)


class FeatureService:
    """Base of the feature services: keeps the context and its handles used everywhere
    (``db``, ``clock``, ``port``, ``scheduler``). Subclasses call ``super().__init__(ctx)``."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.db = ctx.db
        self.clock = ctx.clock
        self.port = ctx.port
        self.scheduler = ctx.scheduler
