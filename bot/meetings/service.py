"""The meetings service: create, RSVP, remind, start, end, edit, cancel, agenda, calendar.

:class:`MeetingsService` is composed of one mixin per group of use-cases, each readable
alone: :class:`~bot.meetings.scheduling.Scheduling` (``/meeting create`` and the
scheduled work), :class:`~bot.meetings.editing.Editing` (``/meeting edit`` and
``cancel``), :class:`~bot.meetings.members.Members` (RSVP, Remind me, topics, lists,
calendar), over :class:`~bot.meetings.core.MeetingsCore`. Every public coroutine is a
use-case (:func:`bot.actor.use_case`) taking the :class:`~bot.actor.Actor` first.

The service speaks ids and dataclasses (never discord objects). Every occurrence is
mirrored as a one-off Discord scheduled event (Discord cannot express
quarterly/semiannual rules).
"""

from __future__ import annotations

from bot.context import AppContext, Feature
from bot.meetings.core import (
    KIND_ARCHIVE,
    KIND_END,
    KIND_REMINDER,
    KIND_START,
    EndedHook,
    no_hook,
)
from bot.meetings.editing import JOB_CANCELLED, JOB_MOVED, CancelResult, Editing, EditResult
from bot.meetings.members import Attendees, Members, ModeratorRow, RsvpResult
from bot.meetings.scheduling import JOB_REMINDER, CreateResult, Draft, Scheduling

__all__ = [
    "KIND_ARCHIVE", "KIND_END", "KIND_REMINDER", "KIND_START", "JOB_CANCELLED", "JOB_MOVED", "JOB_REMINDER",
    "Attendees", "CancelResult", "CreateResult", "Draft", "EditResult", "EndedHook", "MeetingsService",
    "ModeratorRow", "RsvpResult", "Service", "build",
]


class MeetingsService(Scheduling, Editing, Members):
    """Meetings for every guild of one process: ``MeetingsService(ctx, on_meeting_ended=hook)``.
    ``on_meeting_ended(guild_id, occurrence, going_ids)`` is awaited after each meeting
    ends (the post-meeting survey hook; default no-op; its errors are logged, never fatal)."""

    def register_jobs(self) -> tuple[str, ...]:
        """Register ``meetings.reminder`` / ``.start`` / ``.end`` / ``.archive`` with loaders
        that re-arm everything pending from the database (call before ``scheduler.start()``),
        and the outbox factories that finish interrupted reminder / moved / cancelled DMs;
        returns the scheduler kinds."""
        scheduler = self.scheduler
        scheduler.register(KIND_REMINDER, self._job_reminder, self._load_reminders)
        scheduler.register(KIND_START, self._job_start, self._load_starts)
        scheduler.register(KIND_END, self._job_end, self._load_ends)
        scheduler.register(KIND_ARCHIVE, self._job_archive, self._load_archives)
        outbox = self.ctx.outbox
        outbox.register(JOB_REMINDER, self._reminder_factory)
        outbox.register(JOB_MOVED, self._moved_delivery)
        outbox.register(JOB_CANCELLED, self._cancelled_delivery)
        return (KIND_REMINDER, KIND_START, KIND_END, KIND_ARCHIVE)


Service = MeetingsService
"""The feature's service class under the name every feature offers: ``Service(ctx)``."""


def build(ctx: AppContext, *, on_meeting_ended: EndedHook = no_hook) -> Feature[MeetingsService]:
    """The meetings feature for one process: its service (``on_meeting_ended`` awaited after
    each meeting ends, e.g. :func:`bot.meetings.survey.post_meeting_survey`) with its jobs
    and DM factories registered."""
    service = MeetingsService(ctx, on_meeting_ended=on_meeting_ended)
    return Feature(service, service.register_jobs())
