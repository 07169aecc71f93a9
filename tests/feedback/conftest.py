"""Fixtures of the feedback service tests: a registered, started FeedbackService."""

from __future__ import annotations

import pytest

from bot.feedback.service import FeedbackService
from tests.actors import moderator

GUILD = 1000
MOD = 1
CHANNEL = 555
ROLE = 77


@pytest.fixture
async def svc(ctx):
    """A FeedbackService with its jobs registered, the scheduler started and a feedback channel set."""
    service = FeedbackService(ctx)
    service.register_jobs()
    await ctx.club.update(moderator(GUILD, MOD), feedback_channel_id=CHANNEL)
    await ctx.scheduler.start()
    await ctx.scheduler.caught_up()
    return service
