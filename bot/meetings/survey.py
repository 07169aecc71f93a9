"""The post-meeting survey: when a meeting ends, its Going members are invited to an
anonymous satisfaction survey run by the feedback feature.

Meetings do not import feedback: they see it as :class:`Surveys`, which the composition
root (:func:`bot.services.build_services`) fills with the feedback service.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from bot.actor import Actor
from bot.context import AppContext
from bot.i18n import t
from bot.meetings.core import EndedHook
from bot.meetings.store import Occurrence
from bot.text import shorten

SURVEY_DAYS = 7
"""How long a post-meeting survey stays open (design decision: a week, while memories are fresh)."""


class Surveys(Protocol):
    """What meetings need from the feedback feature: start a survey for explicit members."""

    def start_survey(
        self,
        actor: Actor,
        /,
        title: str,
        questions: Sequence[str],
        recipient_ids: Sequence[int],
        closes_at: datetime,
        source: str | None = None,
    ) -> Awaitable[object]:
        """Start an anonymous survey in ``actor``'s guild closing at ``closes_at`` (UTC) and
        DM its form to ``recipient_ids``; ``source`` tags it (one survey per source). A
        ``"system"`` use-case: ``actor`` is :meth:`Actor.scheduler` of the guild (passed
        by position, as :func:`bot.actor.use_case` wraps it)."""
        ...


def post_meeting_survey(ctx: AppContext, surveys: Surveys, *, title_limit: int) -> EndedHook:
    """The ``on_meeting_ended`` hook for :class:`~bot.meetings.service.MeetingsService`:
    a survey titled after the meeting (shortened to the surveys' ``title_limit``
    characters), in the club's language, for its Going members, open :data:`SURVEY_DAYS`
    days, tagged ``meeting:<occurrence id>`` (one per meeting)."""

    async def hook(guild_id: int, occ: Occurrence, attendee_ids: list[int]) -> None:
        if not attendee_ids:
            return
        locale = (await ctx.club.get(guild_id)).locale
        await surveys.start_survey(
            Actor.scheduler(guild_id),
            shorten(t(locale, "meetings.survey.title", title=" ".join(occ.title.split())), title_limit),
            [t(locale, "meetings.survey.q_rating"), t(locale, "meetings.survey.q_text")],
            attendee_ids,
            ctx.clock.now() + timedelta(days=SURVEY_DAYS),
            source=f"meeting:{occ.id}",
        )

    return hook
