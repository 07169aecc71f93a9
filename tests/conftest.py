"""Fixtures shared by every test: a migrated SQLite file, a fake clock, a recording port,
and an AppContext wired from them (service-level tests). End-to-end fixtures that start
the fake Discord and a real bot live in ``tests/e2e/conftest.py``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.clock import FakeClock
from bot.club.service import ClubService
from bot.context import AppContext
from bot.db import SqliteDatabase
from bot.migrate import migrate
from bot.scheduler import Scheduler
from bot.settings import Settings
from tests.support import RecordingPort

START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Monday
SECRET = b"test-anonymity-secret-not-for-production"


@pytest.fixture
def settings(tmp_path) -> Settings:
    """Settings pointing at a temporary database, independent of the machine's .env."""
    return Settings(
        _env_file=None,
        discord_token="test-token",
        database_path=tmp_path / "cercle.sqlite3",
        anonymity_secret=SECRET.decode(),
        default_timezone="Europe/Paris",
        default_locale="en",
    )


@pytest.fixture
async def db(settings):
    """A migrated database file, closed after the test."""
    database = await SqliteDatabase(settings.database_path).connect()
    await migrate(database)
    yield database
    await database.close()


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock at Monday 2026-11-30 09:00 UTC."""
    return FakeClock(START)


@pytest.fixture
def port() -> RecordingPort:
    """A port that records every Discord side effect."""
    return RecordingPort()


@pytest.fixture
async def ctx(settings, db, clock, port):
    """An AppContext for service tests; its scheduler is started (fake clock) after the test's registrations
    via ``await ctx.scheduler.start()``; it is stopped at teardown."""

    async def no_sleep(_seconds: float) -> None:
        return None

    scheduler = Scheduler(db, clock)
    club = ClubService(db, clock, port, default_timezone="Europe/Paris", default_locale="en")
    context = AppContext(
        settings=settings, db=db, clock=clock, scheduler=scheduler, port=port, club=club, secret=SECRET, sleep=no_sleep
    )
    yield context
    await scheduler.stop()
