"""The chaos harness: the fake Discord in this process, the real ``cercle run`` as a child
process (through :mod:`tests.chaos.launcher`, whose clock this harness moves), and the
faults — SIGKILL, SIGTERM, 429 and 500 answers, gateway RECONNECT / INVALID_SESSION,
clock jumps — that a scripted week applies at chosen moments.

Nothing here sleeps to let time pass for the bot: the bot's clock moves only when
:meth:`World.move_clock` says so. Real waits are only those of a real process (starting,
being killed, its requests).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from tests.chaos.launcher import CLOCK_ENV
from tests.e2e.cli import user_env
from tests.e2e.harness import Club
from tests.fakediscord import FakeDiscord, User

ROOT = Path(__file__).resolve().parents[2]
STOP_LIMIT = 5.0
"""Seconds a SIGTERM may take to end the process (the issue's bound; systemd gives 30)."""
ANSWER_LIMIT = 3.0
"""Seconds within which a member's command must be answered (Discord's first-response limit)."""


@dataclass
class Tally:
    """What one seed's week counted: ``expected`` / ``done`` / ``missing`` / ``doubled`` per
    kind of side effect, and every exception to "at most once" with its cause."""

    expected: dict[str, int] = field(default_factory=dict)
    done: dict[str, int] = field(default_factory=dict)
    missing: dict[str, int] = field(default_factory=dict)
    doubled: dict[str, int] = field(default_factory=dict)
    exceptions: list[str] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)

    def count(self, kind: str, expected: int, done: int) -> None:
        """Record one expectation of ``kind``: ``expected`` (0 or 1, or a number of DMs) against ``done``."""
        self.expected[kind] = self.expected.get(kind, 0) + expected
        self.done[kind] = self.done.get(kind, 0) + min(done, expected)
        self.missing[kind] = self.missing.get(kind, 0) + max(0, expected - done)
        self.doubled[kind] = self.doubled.get(kind, 0) + max(0, done - expected)

    def lines(self, seed: int) -> list[str]:
        """One printable line per kind: ``seed kind expected/done/missing/doubled``."""
        return [
            f"seed {seed} {kind:<14} expected {self.expected[kind]:>4}  done {self.done.get(kind, 0):>4}  "
            f"missing {self.missing.get(kind, 0):>3}  doubled {self.doubled.get(kind, 0):>3}"
            for kind in sorted(self.expected)
        ]


class World:
    """One club on the fake, its database folder and the ``cercle`` process serving it."""

    def __init__(self, fake: FakeDiscord, club: Club, tmp: Path, start: datetime) -> None:
        self.fake = fake
        self.club = club
        self.tmp = tmp
        self.now = start
        self.clock_file = tmp / "clock"
        self.clock_file.write_text(str(int(start.timestamp())))
        self.database = tmp / "data" / "cercle.sqlite3"
        self.process: asyncio.subprocess.Process | None = None
        self.log = tmp / "cercle.log"
        self.stops: list[float] = []
        """Seconds each SIGTERM took to end the process."""
        self.members: list[User] = []
        """The club's members added for the week (with the harness's five)."""
        self.answers: list[float] = []
        """Seconds each probe command took to be answered right after a start."""

    def env(self) -> dict[str, str]:
        """The child's environment: a user's, pointed at the fake and at this world's clock."""
        home = self.tmp / "home"
        home.mkdir(exist_ok=True)
        return user_env(
            home, DISCORD_TOKEN=self.fake.token, DISCORD_API_BASE=self.fake.api_base,
            DISCORD_GATEWAY_URL=self.fake.gateway_url, DATABASE_PATH=str(self.database),
            ANONYMITY_SECRET_FILE=str(self.tmp / "secrets" / "anonymity.key"), LOG_LEVEL="INFO",
            DEFAULT_LOCALE="en", DEFAULT_TIMEZONE="Europe/Paris", PYTHONPATH=str(ROOT), **{CLOCK_ENV: str(self.clock_file)},
        )

    async def _spawn(self, *args: str) -> asyncio.subprocess.Process:
        with self.log.open("ab") as log:
            return await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tests.chaos.launcher", *args, env=self.env(), cwd=ROOT,
                stdout=log, stderr=log,
            )

    async def sync_commands(self) -> None:
        """``cercle sync-commands`` once, as a moderator would before the first run."""
        process = await self._spawn("sync-commands")
        assert await asyncio.wait_for(process.wait(), 90) == 0, self.log.read_text()[-3000:]

    async def start(self) -> None:
        """Start ``cercle run`` and wait until it is connected; then a member's ``/help`` must
        be answered within :data:`ANSWER_LIMIT`, whatever catch-up runs beside."""
        assert self.process is None
        readies = self.fake.gateway.ready_count
        self.process = await self._spawn("run")
        deadline = time.monotonic() + 60
        while self.fake.gateway.ready_count <= readies:
            if self.process.returncode is not None or time.monotonic() > deadline:
                raise AssertionError(f"cercle run did not connect:\n{self.log.read_text()[-3000:]}")
            await asyncio.sleep(0.05)
        began = time.monotonic()
        reply = await self.fake.slash(self.club.alice, "help", guild=self.club.guild)
        self.answers.append(time.monotonic() - began)
        assert "/help" in reply.text()

    async def kill(self) -> None:
        """SIGKILL: the process dies wherever it is (no clean-up at all)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await asyncio.wait_for(self.process.wait(), 30)
        self.process = None

    async def term(self) -> None:
        """SIGTERM: the process must end with exit 0 within :data:`STOP_LIMIT` seconds."""
        assert self.process is not None
        began = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(self.process.wait(), 30)
        self.stops.append(time.monotonic() - began)
        self.process = None
        assert code == 0, self.log.read_text()[-3000:]

    async def move_clock(self, instant: datetime) -> None:
        """Move the bot's clock to ``instant`` and wait until the running process has seen it."""
        self.now = instant
        self.clock_file.write_text(str(int(instant.timestamp())))
        if self.process is None:
            return
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.seen() >= int(instant.timestamp()):
                return
            await asyncio.sleep(0.02)
        raise AssertionError("the process did not see the clock move within 20 s")

    def seen(self) -> int:
        """The instant (Unix seconds) the running process last acknowledged, 0 if none yet."""
        try:
            return int(Path(f"{self.clock_file}.ack").read_text().strip())
        except (OSError, ValueError):
            return 0

    def query(self, sql: str) -> list[tuple]:
        """Read the database file (read-only, beside the running process)."""
        with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=10) as conn:
            return list(conn.execute(sql))

    async def quiet(self, limit: float = 60.0) -> None:
        """Wait until the process has nothing left to do: no DM waiting in the outbox, no
        unfinished claim, and no request to the fake for a second."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            await self.fake.settle(quiet=1.0, limit=5.0)
            left = self.query(
                "SELECT (SELECT COUNT(*) FROM fanout_outbox), (SELECT COUNT(*) FROM claims WHERE done_at IS NULL)"
            )[0]
            if left == (0, 0) and not self.fake.inflight:
                return
            await asyncio.sleep(0.2)
        raise AssertionError(f"still busy after {limit} s: {left} (outbox, unfinished claims)")


def integrity(database: Path) -> str:
    """SQLite's ``PRAGMA integrity_check`` of the database file."""
    with sqlite3.connect(database) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def env_int(name: str, default: int) -> int:
    """An integer setting of the chaos run from the environment (``CERCLE_CHAOS_*``)."""
    return int(os.environ.get(name, default))
