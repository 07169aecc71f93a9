"""Fixtures of the poll service tests: a club with an announcements channel and a started service."""

from __future__ import annotations

import pytest

from bot.polls import store
from bot.polls.rules import Poll, Tally
from bot.polls.service import PollService
from tests.actors import moderator

GUILD = 111_222_333_444_555_666
MOD = 900_000_000_000_000_001
CHANNEL = 700_000_000_000_000_001
OTHER_CHANNEL = 700_000_000_000_000_002
MODERATOR = moderator(GUILD, MOD)


@pytest.fixture
async def polls(ctx) -> PollService:
    """A started PollService for a club whose announcements channel is CHANNEL."""
    await ctx.club.update(moderator(GUILD, MOD), announcements_channel_id=CHANNEL)
    service = PollService(ctx)
    service.register_jobs()
    await ctx.scheduler.start()
    await ctx.scheduler.caught_up()
    return service


async def make_poll(polls: PollService, *, question="Which feature hurts most?", choices="Export\nSearch\nReports",
                    description=None, **options):
    """Create a poll as a moderator; options are those of ``/poll create``."""
    draft = await polls.prepare(MODERATOR, **options)
    return await polls.create(MODERATOR, draft, question=question, choices=choices, description=description)


async def reread(polls: PollService, poll_id: int) -> Poll | None:
    """The poll as stored now."""
    return await store.get_poll(polls.db, poll_id)


async def counts(polls: PollService, poll_id: int) -> Tally:
    """The poll's counts straight from the votes table."""
    poll = await store.get_poll(polls.db, poll_id)
    assert poll is not None
    return await store.tally(polls.db, poll_id, len(poll.choices))
