"""``cercle`` with a clock the chaos harness moves — a test-only hook: production Cercle has
no way to change its clock, only this launcher (which the harness runs instead of the
installed script) installs one.

``python -m tests.chaos.launcher run`` is ``cercle run`` whose bot runs on a
:class:`~bot.clock.FakeClock` read from the file named by ``CERCLE_CHAOS_CLOCK`` (Unix
seconds, UTC). The launcher polls the file every 50 ms; when the instant moves forward it
moves the clock (which runs the scheduled work that became due, as in the in-process
tests) and writes the instant it now holds to ``<file>.ack``, so the harness knows the
process has seen it.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cercle.app
from bot.clock import FakeClock
from cercle.cli import main

CLOCK_ENV = "CERCLE_CHAOS_CLOCK"
POLL = 0.05  # seconds between two reads of the clock file


def read_instant(path: Path) -> datetime:
    """The instant in the clock file (raises ``OSError`` / ``ValueError`` mid-write)."""
    return datetime.fromtimestamp(int(path.read_text().strip()), UTC)


def acknowledge(path: Path, clock: FakeClock) -> None:
    """Write the instant ``clock`` holds to ``<path>.ack`` (a few bytes: no need to thread it)."""
    Path(f"{path}.ack").write_text(str(int(clock.now().timestamp())))


async def follow(clock: FakeClock, path: Path) -> None:
    """Move ``clock`` whenever the file moves forward; acknowledge each instant seen."""
    acknowledge(path, clock)
    while True:
        await asyncio.sleep(POLL)
        try:
            instant = read_instant(path)
        except (OSError, ValueError):
            continue
        if instant > clock.now():
            moving = asyncio.ensure_future(clock.set(instant))  # sets now at once, then runs due work
            await asyncio.sleep(0)
            acknowledge(path, clock)
            moving.add_done_callback(lambda task: task.cancelled() or task.exception())


def install(path: Path) -> None:
    """Make :func:`cercle.app.create_bot` (as ``cercle run`` calls it) use the file's clock."""
    original = cercle.app.create_bot

    def create_bot(settings: Any, **kwargs: Any) -> cercle.app.CercleBot:
        if kwargs.get("in_memory"):  # sync-commands: no clock involved
            return original(settings, **kwargs)
        clock = FakeClock(read_instant(path))
        bot = original(settings, clock=clock, **kwargs)
        asyncio.get_running_loop().create_task(follow(clock, path))
        return bot

    cercle.app.create_bot = create_bot  # type: ignore[assignment]


if __name__ == "__main__":
    install(Path(os.environ[CLOCK_ENV]))
    raise SystemExit(main(sys.argv[1:]))
