"""Database-driven scheduling (docs/architecture.md, "Scheduler").

The database is the source of truth. Each feature registers a *kind* with a handler
``handler(ref)`` (``ref`` is a string such as a poll id) and a loader that returns the
``(ref, when)`` pairs to arm from the database at start. Armed jobs live in a dict (is it
armed, and when: O(1)) and a heap on due time (the next one: O(log n)); APScheduler 3.11
holds exactly one job, the waker, set at the soonest due time — so arming a job months
away costs a heap push, not an APScheduler job, and startup does not grow with them.
With a :class:`~bot.clock.FakeClock` nothing real is armed and
:meth:`Scheduler.run_due` runs whenever the clock moves.
Handlers must re-read their row and claim an idempotency key (:meth:`Scheduler.claim`,
or :meth:`Scheduler.effect` for a post) before any side effect, so a reconnect, a restart
or a second process never acts twice, and a post interrupted by a kill is finished, once,
at the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from apscheduler.job import Job
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from bot import claims
from bot.background import Background
from bot.clock import Clock, to_ts
from bot.db import Database
from bot.effects import Effect

log = logging.getLogger(__name__)

Handler = Callable[[str], Coroutine[Any, Any, None]]
STOP_GRACE = 2.0
"""Seconds stop() waits for interrupted jobs: nothing needs giving back (an unfinished
claim is finished at the next start), so a stop stays well within systemd's 30 s."""
Loader = Callable[[], Awaitable[list[tuple[str, datetime]]]]


@dataclass(frozen=True, order=True)
class Armed:
    """One armed job: due ``when`` (UTC-aware), of ``kind``, about ``ref``."""

    when: datetime
    kind: str
    ref: str


class Scheduler:
    """Arms jobs from the database and runs them at their instant.

    ``db`` is used for idempotency claims; ``clock`` decides whether APScheduler is used
    (real clock) or due work runs when a fake clock moves.
    """

    def __init__(self, db: Database, clock: Clock, tasks: Background | None = None) -> None:
        self.db = db
        self.tasks = tasks if tasks is not None else Background()
        """The process's one owner of background tasks (:class:`~bot.background.Background`)."""
        self.clock = clock
        self._handlers: dict[str, Handler] = {}
        self._loaders: dict[str, Loader] = {}
        self._armed: dict[tuple[str, str], datetime] = {}
        # Due-time index with lazy deletion: an entry whose time no longer matches
        # _armed (re-armed or disarmed) is skipped when it reaches the top.
        self._heap: list[tuple[datetime, str, str]] = []
        self._aps: AsyncIOScheduler | None = None
        self._wake_at: datetime | None = None
        self._waker: Job | None = None
        self._running = False
        self.catch_up: asyncio.Task[int] | None = None
        """With a fake clock, the start-up run of overdue work (beside the gateway)."""
        self._run_lock = asyncio.Lock()
        self._held: set[str] = set()  # keys a run of this process claimed and has not finished

    def register(self, kind: str, handler: Handler, loader: Loader | None = None) -> None:
        """Declare a kind of job. Raises ``ValueError`` if ``kind`` is already registered."""
        if kind in self._handlers:
            raise ValueError(f"job kind {kind!r} registered twice")
        self._handlers[kind] = handler
        if loader is not None:
            self._loaders[kind] = loader

    def arm(self, kind: str, ref: str, when: datetime) -> None:
        """Run ``handler(ref)`` of ``kind`` at ``when`` (UTC-aware); replaces an earlier
        arming. O(log n) in the number of armed jobs. ``KeyError`` for an unknown kind."""
        if kind not in self._handlers:
            raise KeyError(f"unknown job kind {kind!r}")
        self._armed[(kind, ref)] = when
        heapq.heappush(self._heap, (when, kind, ref))
        if self._aps is not None and (self._wake_at is None or when < self._wake_at):
            self._set_waker(when)

    def disarm(self, kind: str, ref: str) -> None:
        """Forget a job if it is armed (no error otherwise). O(1): its heap entry is
        skipped when it comes up."""
        self._armed.pop((kind, ref), None)

    def is_armed(self, kind: str, ref: str) -> bool:
        """Whether ``handler(ref)`` of ``kind`` is armed (O(1), for hot paths)."""
        return (kind, ref) in self._armed

    def pending(self, kind: str | None = None) -> list[Armed]:
        """The armed jobs, soonest first (optionally of one ``kind``). O(n log n): for
        listings and diagnostics, never on a member's path."""
        return sorted(
            Armed(when, k, ref) for (k, ref), when in self._armed.items() if kind is None or k == kind
        )

    @property
    def wake_at(self) -> datetime | None:
        """The one instant APScheduler is set to wake the process (``None`` with a fake
        clock, or when nothing is armed)."""
        return self._wake_at

    def timers(self) -> int:
        """How many APScheduler jobs exist: at most one, whatever is armed (diagnostics)."""
        return 0 if self._aps is None else len(self._aps.get_jobs())

    def _pop_due(self, now: datetime) -> Armed | None:
        """Take the soonest armed job due at ``now`` off the schedule, if any."""
        while self._heap and self._heap[0][0] <= now:
            when, kind, ref = heapq.heappop(self._heap)
            if self._armed.get((kind, ref)) == when:
                del self._armed[(kind, ref)]
                return Armed(when, kind, ref)
        return None

    def _next_due(self) -> datetime | None:
        """The soonest armed instant (stale heap entries dropped on the way)."""
        while self._heap:
            when, kind, ref = self._heap[0]
            if self._armed.get((kind, ref)) == when:
                return when
            heapq.heappop(self._heap)
        return None

    def _set_waker(self, when: datetime) -> None:
        """Point APScheduler's one job, the waker, at ``when`` (a new job each time: the
        running one cannot be replaced while it runs)."""
        assert self._aps is not None
        if self._waker is not None:
            with contextlib.suppress(JobLookupError):
                self._waker.remove()
        self._wake_at = when
        self._waker = self._aps.add_job(
            self._wake, DateTrigger(run_date=when), misfire_grace_time=None, coalesce=True
        )

    async def _wake(self) -> None:
        """Start every job now due, each in its own task (a slow fan-out must not hold back
        the others: the pop makes a run unique in this process, the handler's claim across
        processes), then sleep until the next one."""
        self._wake_at, self._waker = None, None
        if not self._running:
            return
        # The event loop may wake a few microseconds early: then nothing is due yet and
        # the waker is set again at the same instant, which APScheduler runs at once.
        while (job := self._pop_due(self.clock.now())) is not None:
            self.tasks.spawn(self._run(job.kind, job.ref), name=f"cercle-job:{job.kind}")
        following = self._next_due()
        if following is not None and self._aps is not None:
            self._set_waker(following)

    async def start(self) -> None:
        """Arm every job from the loaders and start waking. Overdue work starts at once in
        the background, each job in its own task, while the bot connects and answers
        members (serve first, catch up beside); with a fake clock it runs in
        :attr:`catch_up`, in time order."""
        for kind, loader in self._loaders.items():
            for ref, when in await loader():
                self._armed[(kind, ref)] = when
                self._heap.append((when, kind, ref))
        heapq.heapify(self._heap)
        self._running = True
        self.tasks.restart()
        if self.clock.is_real:
            self._aps = AsyncIOScheduler(timezone="UTC")
            self._aps.start()
            following = self._next_due()
            if following is not None:  # an instant already past wakes it at once
                self._set_waker(following)
        else:
            self.clock.on_advance(self.run_due)  # type: ignore[attr-defined]
            self.catch_up = self.tasks.spawn(self.run_due(), name="cercle-catch-up")

    async def caught_up(self) -> int:
        """Wait for the start-up run of overdue work with a fake clock (tests); how many jobs
        it ran (0 with the real clock, whose waker starts them as tasks of their own)."""
        return 0 if self.catch_up is None else await asyncio.shield(self.catch_up)

    async def stop(self) -> None:
        """Stop waking, then interrupt the jobs still running and wait for them (at most
        ``STOP_GRACE`` seconds) — before the bot closes its HTTP session and database. What
        they left unfinished (an unfinished claim, pending DMs) is re-armed from the
        database and finished at the next start."""
        self._running = False
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None
            self._wake_at, self._waker = None, None
        if not self.clock.is_real:
            self.clock.remove_listener(self.run_due)  # type: ignore[attr-defined]
        await self.tasks.stop(STOP_GRACE)

    async def run_due(self) -> int:
        """Run every armed job whose instant has come, in time order, one after the other;
        returns how many ran.

        A handler that raises is logged and does not stop the others. Jobs armed by a
        handler for an instant already past run in the same call.
        """
        if not self._running:
            return 0
        ran = 0
        async with self._run_lock:
            while (job := self._pop_due(self.clock.now())) is not None:
                await self._call(job.kind, job.ref)
                ran += 1
        return ran

    async def _call(self, kind: str, ref: str) -> None:
        # Each run is its own task so stop() can interrupt it while the database is still
        # open (what it left unfinished is finished at the next start).
        await self.tasks.spawn(self._run(kind, ref), name=f"cercle-job:{kind}")

    async def _run(self, kind: str, ref: str) -> None:
        """Run one job in the current task (a task of :attr:`tasks`): a failure is logged,
        an interruption by shutdown too (the job runs again at the next start)."""
        try:
            await self._handlers[kind](ref)
        except asyncio.CancelledError:
            if self._running:
                raise
            log.info("scheduled job %s:%s interrupted by shutdown; it will run again at the next start", kind, ref)
        except Exception:
            log.exception("scheduled job %s:%s failed", kind, ref)

    async def claim(self, key: str, guild_id: int | None = None) -> bool:
        """Claim an idempotency key; ``True`` only for the first caller ever (any process).

        Keys look like ``prompt:{guild}:{iso-week}`` or ``meeting:{id}:reminder:{offset}``.
        """
        won = await claims.claim(self.db, key, guild_id, to_ts(self.clock.now()))
        if won:
            self._held.add(key)
        return won

    def holds(self, key: str) -> bool:
        """Whether a run of this process claimed ``key`` and has not finished it yet."""
        return key in self._held

    async def release(self, key: str) -> None:
        """Give back a claim whose side effect did not happen (so a later run may retry).
        A completed claim is never released."""
        await claims.release(self.db, key)
        self._held.discard(key)

    @contextlib.asynccontextmanager
    async def effect(self, key: str, guild_id: int | None = None) -> AsyncIterator[Effect | None]:
        """``async with scheduler.effect(key) as effect:`` — claim the post of ``key``, or take
        over the claim a stopped or killed process left unfinished; ``None`` when it is done,
        or when another run of this process holds it. Post with ``effect.post`` and record
        with ``effect.complete`` (:class:`bot.effects.Effect`: intended, attempted, done).

        Nothing is given back when the block raises or is cancelled: the claim stays
        unfinished and the next start (whose loaders arm the job again) finishes it, looking
        for an attempted post in Discord before posting again — exactly once.
        """
        if key in self._held:
            yield None
            return
        self._held.add(key)
        try:
            taken = await claims.take(self.db, key, guild_id, to_ts(self.clock.now()))
            yield None if taken is None else Effect(self.db, self.clock, key, taken, self._held.discard)
        finally:
            self._held.discard(key)

    async def complete(self, key: str, discord_id: int | None = None) -> None:
        """Record that the side effect of ``key`` happened (and the Discord id it made)."""
        await claims.complete(self.db, key, discord_id, to_ts(self.clock.now()))
        self._held.discard(key)
