"""One way to keep a live message current (docs/architecture.md, "Live messages").

A poll with live results, a meeting's announcement (its RSVP counts) and a proposed
topic (its votes) show counts that change with every click. Each click asks
:meth:`LiveRefresh.request`; the message is re-rendered by one rule:

- renders of one message never overlap: a request that arrives while one runs makes
  exactly one more render after it (a burst of clicks, at most two edits);
- with a ``delay``, the first request arms one render ``delay`` later through the
  scheduler, and the requests meanwhile join it (at most one edit per ``delay``; the
  scheduler's loader re-arms what a stopped process left unrendered).

Discord allows about 5 message edits per 5 s per channel; a queue of edits would delay
every member's answer, a debounce does not.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.scheduler import Loader, Scheduler

Render = Callable[[str], Awaitable[None]]
"""Re-renders the live message ``ref`` from the database (it reads the counts itself)."""


class LiveRefresh:
    """The debounce of one kind of live message.

    ``render(ref)`` re-renders message ``ref`` (a string, e.g. a poll id). ``delay``
    0 renders at once; above 0 it needs ``scheduler`` and a job ``kind`` (registered
    here, with the optional ``loader``). Raises ``ValueError`` when a delay has no
    scheduler.
    """

    def __init__(
        self,
        render: Render,
        *,
        delay: timedelta = timedelta(0),
        scheduler: Scheduler | None = None,
        kind: str | None = None,
        loader: Loader | None = None,
    ) -> None:
        if delay > timedelta(0) and (scheduler is None or kind is None):
            raise ValueError("a delayed LiveRefresh needs a scheduler and a job kind")
        self._render = render
        self._delay = delay
        self._scheduler = scheduler
        self._kind = kind
        self._again: dict[str, bool] = {}
        if scheduler is not None and kind is not None:
            scheduler.register(kind, self.render_now, loader)

    async def request(self, ref: str) -> None:
        """Ask for ``ref`` to show the current state (returns once it does, or once the
        render is armed or joined)."""
        if ref in self._again:
            self._again[ref] = True
            return
        if self._scheduler is not None and self._kind is not None and self._delay > timedelta(0):
            if not self._scheduler.is_armed(self._kind, ref):
                self._scheduler.arm(self._kind, ref, self._scheduler.clock.now() + self._delay)
            return
        await self.render_now(ref)

    async def render_now(self, ref: str) -> None:
        """Render ``ref`` now, or once more after the render already running for it."""
        if ref in self._again:
            self._again[ref] = True
            return
        self._again[ref] = False
        try:
            while True:
                await self._render(ref)
                if not self._again[ref]:
                    return
                self._again[ref] = False
        finally:
            del self._again[ref]

    def forget(self, ref: str) -> None:
        """Drop an armed render of ``ref`` (the message has its final form)."""
        if self._scheduler is not None and self._kind is not None:
            self._scheduler.disarm(self._kind, ref)
