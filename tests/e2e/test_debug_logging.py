"""At LOG_LEVEL=DEBUG (Cercle's real logging setup) no log line links a member to an anonymous
answer or vote: library loggers (aiosqlite prints SQL parameters) stay at INFO."""

import logging

import pytest

from bot.settings import load_settings
from cercle.cli import configure_logging
from tests.e2e.test_feedback import answer, give, last_dm, start_campaign
from tests.e2e.test_polls import create_poll, posted


@pytest.fixture
def debug_logging(monkeypatch, caplog):
    """configure_logging() as `cercle run` does with LOG_LEVEL=DEBUG; restored afterwards."""
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    configure_logging(load_settings(_env_file=None))
    caplog.set_level(logging.DEBUG, logger="bot")
    yield caplog
    root.setLevel(saved[0])
    root.handlers[:] = saved[1]
    for name in ("bot", "cogs", "cercle", "aiosqlite", "discord", "asyncio", "apscheduler"):
        logging.getLogger(name).setLevel(logging.NOTSET)


def logged(caplog) -> str:
    return "\n".join(f"{r.name}: {r.getMessage()}" for r in caplog.records)


async def test_debug_logs_hold_no_author_of_feedback(harness, debug_logging):
    """A campaign answer and a spontaneous feedback at DEBUG: no member id, no answer text, no SQL in the logs."""
    c = harness.club
    await harness.configure_defaults()
    await start_campaign(harness, audience=c.member_role)
    debug_logging.clear()
    await answer(harness, c.alice, last_dm(harness, c.alice), {"q1": "7", "q2": "SECRET-ALICE-TEXT"})
    await give(harness, c.bob, "SECRET-BOB-TEXT")
    text = logged(debug_logging)
    assert str(c.alice.id) not in text and str(c.bob.id) not in text
    assert "SECRET-ALICE-TEXT" not in text and "SECRET-BOB-TEXT" not in text
    assert "INSERT" not in text


async def test_debug_logs_hold_no_voter_of_an_anonymous_poll(harness, debug_logging):
    """A vote on an anonymous poll at DEBUG leaves no voter id in the logs."""
    c = harness.club
    await harness.configure_defaults()
    await create_poll(harness, anonymous=True)
    [message] = posted(harness)
    debug_logging.clear()
    await harness.fake.click(c.alice, message, label="2. Search")
    assert str(c.alice.id) not in logged(debug_logging)
