"""The process's one owner of background tasks (docs/architecture.md, "Background work").

Scheduled jobs, a poll's after-close work, group commits of votes and answers and the
DM fan-outs resumed at start all run as tasks spawned here, so one call at shutdown
interrupts them while the database is still open: what they left unfinished (an
unfinished claim of :meth:`bot.scheduler.Scheduler.effect`, DMs still in the outbox) is
finished at the next start, instead of being dropped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class Background:
    """A set of running tasks with one :meth:`stop`. Not thread-safe (one event loop)."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._stopping = False

    @property
    def stopping(self) -> bool:
        """``True`` once :meth:`stop` began: a task cancelled now was interrupted by shutdown."""
        return self._stopping

    def spawn(self, coro: Coroutine[Any, Any, T], *, name: str) -> asyncio.Task[T]:
        """Run ``coro`` as a task owned here (``name`` shows in logs and ``asyncio`` debug).

        The caller may await the task; an exception it raises is the caller's to handle
        (a task nobody awaits is logged when it fails, by ``asyncio``).
        """
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def stop(self, grace: float) -> None:
        """Cancel every running task and wait for them, at most ``grace`` seconds in all
        (a task that swallows its cancellation is left behind and logged)."""
        self._stopping = True
        running = [task for task in self._tasks if not task.done()]
        for task in running:
            task.cancel()
        if not running:
            return
        done, late = await asyncio.wait(running, timeout=grace)
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                log.debug("background task %s ended with %r at shutdown", task.get_name(), task.exception())
        for task in late:
            log.warning("background task %s did not stop within %.0f s", task.get_name(), grace)

    def restart(self) -> None:
        """Accept work again after :meth:`stop` (a scheduler started anew in the same process)."""
        self._stopping = False
