"""Fixtures of the meetings service tests: a club with a meetings channel, the service started."""

from __future__ import annotations

import dataclasses

import pytest

from bot.actor import Actor
from bot.meetings.service import MeetingsService
from bot.scheduler import Scheduler
from tests.actors import member, moderator
from tests.support import RecordingPort, Sent

GUILD = 111_111_111_111_111_111
CHANNEL = 222_222_222_222_222_222
MOD = moderator(GUILD, 500)
MEMBER = member(GUILD, 600)


def as_member(user_id: int) -> Actor:
    """A plain member ``user_id`` of the club (who answers, votes, proposes topics)."""
    return member(GUILD, user_id)


class MeetingsPort(RecordingPort):
    """The shared recording port plus ``rename_thread`` (added to the port for meetings)."""

    def __init__(self) -> None:
        super().__init__()
        self.thread_names: dict[int, str] = {}

    async def create_thread(self, channel_id, message_id, name, auto_archive_minutes=10080):
        thread_id = await super().create_thread(channel_id, message_id, name, auto_archive_minutes)
        self.thread_names[thread_id] = name
        return thread_id

    async def rename_thread(self, thread_id: int, name: str) -> None:
        self.thread_names[thread_id] = name
        self.calls.append(Sent("rename_thread", thread_id, None, None, {"name": name}))


@pytest.fixture
def port() -> MeetingsPort:
    """The recording port with thread renaming (overrides the shared fixture in these tests)."""
    return MeetingsPort()


@pytest.fixture
async def svc(ctx):
    """A started MeetingsService on the test context, club meetings channel set."""
    await ctx.club.update(MOD, meetings_channel_id=CHANNEL)
    service = MeetingsService(ctx)
    service.register_jobs()
    await ctx.scheduler.start()
    await ctx.scheduler.caught_up()
    return service


async def restart(service: MeetingsService) -> MeetingsService:
    """Stop the service's scheduler and start a new service + scheduler on the same database."""
    await service.ctx.scheduler.stop()
    ctx = dataclasses.replace(service.ctx, scheduler=Scheduler(service.ctx.db, service.ctx.clock))
    fresh = MeetingsService(ctx, on_meeting_ended=service.on_meeting_ended)
    fresh.register_jobs()
    await ctx.scheduler.start()
    await ctx.scheduler.caught_up()
    return fresh


async def create(service: MeetingsService, *, title: str = "Quarterly club meeting", agenda: str = "", **options):
    """Create a meeting as the moderator with sensible default options."""
    options.setdefault("starts", "2026-12-03 18:00")
    draft = await service.prepare(MOD, **options)
    return await service.create(MOD, draft, title=title, agenda=agenda)
