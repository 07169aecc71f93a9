"""Fixtures of the meetings service tests: a club with a meetings channel, the service started."""

from __future__ import annotations

import dataclasses

import pytest

from bot.meetings.service import Actor, MeetingsService
from bot.scheduler import Scheduler
from tests.actors import moderator
from tests.support import RecordingPort, Sent

GUILD = 111_111_111_111_111_111
CHANNEL = 222_222_222_222_222_222
MOD = Actor(500, manage_guild=True)
MEMBER = Actor(600)


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
    await ctx.club.update(moderator(GUILD, MOD.user_id), meetings_channel_id=CHANNEL)
    service = MeetingsService(ctx)
    service.register_jobs()
    await ctx.scheduler.start()
    return service


async def restart(service: MeetingsService) -> MeetingsService:
    """Stop the service's scheduler and start a new service + scheduler on the same database."""
    await service.ctx.scheduler.stop()
    ctx = dataclasses.replace(service.ctx, scheduler=Scheduler(service.ctx.db, service.ctx.clock))
    fresh = MeetingsService(ctx, on_meeting_ended=service.on_meeting_ended)
    fresh.register_jobs()
    await ctx.scheduler.start()
    return fresh


async def create(service: MeetingsService, *, title: str = "Quarterly club meeting", agenda: str = "", **options):
    """Create a meeting as the moderator with sensible default options."""
    options.setdefault("starts", "2026-12-03 18:00")
    draft = await service.prepare(GUILD, MOD, **options)
    return await service.create(draft, MOD, title=title, agenda=agenda)
