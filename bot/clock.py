"""The injected clock: every "now" in Cercle comes from a :class:`Clock`.

Instants are timezone-aware ``datetime`` in UTC; the database stores them as integer
Unix seconds (:func:`to_ts` / :func:`from_ts`). Tests use :class:`FakeClock` and move
time with :meth:`FakeClock.advance`, which also runs the work that became due
(docs/architecture.md, "Testing": no real sleeps).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


def to_ts(instant: datetime) -> int:
    """UTC-aware ``datetime`` → integer Unix seconds. Raises ``ValueError`` if naive."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime: instants must be timezone-aware")
    return int(instant.timestamp())


def from_ts(ts: int) -> datetime:
    """Integer Unix seconds → UTC-aware ``datetime``."""
    return datetime.fromtimestamp(int(ts), tz=UTC)


def local_to_utc(local: datetime, zone: str) -> datetime:
    """Naive wall-clock time in the IANA ``zone`` → UTC-aware instant, by Cercle's one
    daylight-saving rule (typed times and recurring series alike): a time that happens
    twice (autumn) is the first, summer-time one; a time that does not exist (the spring
    gap) is moved forward by the gap, as clocks are (02:30 → 03:30 in Paris).

    Raises ``zoneinfo.ZoneInfoNotFoundError`` for an unknown zone.
    """
    # PEP 495: with fold=0 a time in the gap uses the offset before the change, which
    # lands on the instant the clocks show one gap later.
    return local.replace(tzinfo=ZoneInfo(zone), fold=0).astimezone(UTC)


def utc_to_local(instant: datetime, zone: str) -> datetime:
    """A UTC-aware instant → the naive wall-clock time it is in the IANA ``zone``.

    Raises ``zoneinfo.ZoneInfoNotFoundError`` for an unknown zone.
    """
    return instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


class Clock(Protocol):
    """What services need of time."""

    is_real: bool

    def now(self) -> datetime:
        """The current instant, UTC-aware."""
        ...


class SystemClock:
    """The machine's clock."""

    is_real = True

    def now(self) -> datetime:
        """The current instant, UTC-aware, to the second."""
        return datetime.now(UTC).replace(microsecond=0)


class FakeClock:
    """A clock that only moves when told (tests, benchmarks).

    ``start`` must be UTC-aware. Listeners registered with :meth:`on_advance` (the
    scheduler) run after each :meth:`advance` / :meth:`set`.
    """

    is_real = False

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(UTC).replace(microsecond=0)
        self._listeners: list[Callable[[], Awaitable[None]]] = []

    def now(self) -> datetime:
        """The fake current instant."""
        return self._now

    def on_advance(self, listener: Callable[[], Awaitable[None]]) -> None:
        """Call ``listener()`` after every move of the clock."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[], Awaitable[None]]) -> None:
        """Stop calling ``listener`` (a stopped scheduler)."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    async def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """Move forward by ``delta`` (or ``timedelta(**kwargs)``) and run due work."""
        step = delta if delta is not None else timedelta(**kwargs)
        if step < timedelta(0):
            raise ValueError("the clock only moves forward")
        return await self.set(self._now + step)

    async def set(self, instant: datetime) -> datetime:
        """Jump to ``instant`` (UTC-aware) and run due work; returns the new now."""
        self._now = instant.astimezone(UTC).replace(microsecond=0)
        for listener in list(self._listeners):
            await listener()
        return self._now
