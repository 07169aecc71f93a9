"""Fixtures for end-to-end tests through tests/fakediscord."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.settings import Settings
from tests.e2e.harness import START, Harness, build_club, quiet_discord_logs
from tests.fakediscord import FakeDiscord


@pytest.fixture
async def fake():
    """A running FakeDiscord; the test fails if the bot hit a route the fake does not know."""
    server = await FakeDiscord().start()
    yield server
    await server.stop()
    assert not server.unknown_routes, f"routes unknown to the fake: {server.unknown_routes}"


@pytest.fixture
def e2e_settings(tmp_path, fake) -> Settings:
    """Settings pointing the bot at the fake, with a temporary database."""
    return Settings(
        _env_file=None,
        discord_token=fake.token,
        database_path=tmp_path / "cercle.sqlite3",
        anonymity_secret="unused-the-harness-passes-its-own-secret",
        discord_api_base=fake.api_base,
        discord_gateway_url=fake.gateway_url,
        default_timezone="Europe/Paris",
        default_locale="en",
    )


@pytest.fixture
async def harness(fake, e2e_settings):
    """The fake with one club guild and a started Cercle bot on a FakeClock."""
    quiet_discord_logs()
    club = build_club(fake)
    h = Harness(fake, e2e_settings, FakeClock(START), club)
    await h.start()
    yield h
    await h.stop()


@pytest.fixture
def home(tmp_path) -> Path:
    """An empty home folder for a ``cercle`` process run as a user (tests/e2e/cli.py)."""
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def data(tmp_path) -> Path:
    """Where a ``cercle`` process's ``DATA_DIR`` points (not created)."""
    return tmp_path / "data"
