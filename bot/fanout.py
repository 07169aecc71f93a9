"""Paced fan-out to many recipients (DMs, reminders, invitations).

discord.py only waits after a 429; it has no global pacer, so Cercle paces itself well
below Discord's 50 requests/s (DESIGN.md §4). Each failure is counted by reason and the
batch goes on.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from bot.ports import DeliveryError

T = TypeVar("T")
DEFAULT_RATE = 20.0  # requests per second: well under Discord's global 50/s
# A first DM to a member costs two requests (open the DM channel, then post).
REQUESTS_PER_DM = 2


def dm_rate(request_rate: float) -> float:
    """DMs per second that keep a DM fan-out within ``request_rate`` requests per second."""
    return request_rate / REQUESTS_PER_DM


@dataclass
class FanOutResult:
    """How a fan-out went: ``sent`` and ``failed`` counts, failures by ``reason``."""

    sent: int = 0
    failures: Counter[str] = field(default_factory=Counter)

    @property
    def failed(self) -> int:
        """How many recipients could not be reached."""
        return sum(self.failures.values())


async def fan_out(
    recipients: Iterable[T],
    send: Callable[[T], Awaitable[object]],
    *,
    rate: float = DEFAULT_RATE,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> FanOutResult:
    """Call ``send(r)`` for each recipient, at most ``rate`` per second.

    ``DeliveryError`` from one recipient is counted under its reason; other exceptions
    propagate. ``sleep`` is injected so tests check the pacing without waiting.
    """
    result = FanOutResult()
    interval = 1.0 / rate if rate > 0 else 0.0
    for index, recipient in enumerate(recipients):
        if index and interval:
            await sleep(interval)
        try:
            await send(recipient)
        except DeliveryError as exc:
            result.failures[exc.reason] += 1
        else:
            result.sent += 1
    return result
