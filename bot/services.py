"""The composition root: every feature built once per process, typed, in one place.

:func:`build_services` is called by the bot's ``setup_hook`` once the
:class:`~bot.context.AppContext` exists and before the cogs load; each cog then takes its
service from :class:`Services` in its ``setup()``. Features never look each other up:
what one needs from another is wired here, through the other's port (meetings see
feedback as :class:`bot.meetings.survey.Surveys`). Adding a feature is one package with
a ``build(ctx) -> Feature``, one line here and one cog (docs/architecture.md, "Layout").
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.club.service import ClubService
from bot.context import AppContext
from bot.fanout import Outbox
from bot.feedback import service as feedback
from bot.feedback.rules import TITLE_LIMIT
from bot.meetings import service as meetings
from bot.meetings.survey import post_meeting_survey
from bot.polls import service as polls
from bot.prompts import service as prompts


@dataclass(frozen=True)
class Services:
    """Every service of one process, and the scheduler ``kinds`` their features registered."""

    club: ClubService
    outbox: Outbox
    polls: polls.PollService
    feedback: feedback.FeedbackService
    meetings: meetings.MeetingsService
    prompts: prompts.PromptService
    kinds: tuple[str, ...]


def build_services(ctx: AppContext) -> Services:
    """Build every feature on ``ctx`` and register its scheduler kinds and DM factories.

    Call once, before ``ctx.scheduler.start()`` (the loaders re-arm from the database) and
    before resuming ``ctx.outbox``. Raises ``ValueError`` if two features claim one kind.
    """
    built_polls = polls.build(ctx)
    built_feedback = feedback.build(ctx)
    built_meetings = meetings.build(
        ctx, on_meeting_ended=post_meeting_survey(ctx, built_feedback.service, title_limit=TITLE_LIMIT)
    )
    built_prompts = prompts.build(ctx)
    return Services(
        club=ctx.club,
        outbox=ctx.outbox,
        polls=built_polls.service,
        feedback=built_feedback.service,
        meetings=built_meetings.service,
        prompts=built_prompts.service,
        kinds=built_polls.kinds + built_feedback.kinds + built_meetings.kinds + built_prompts.kinds,
    )
