"""The post-meeting survey hook: meetings ask the feedback feature (seen as Surveys) as Cercle itself."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.actor import Actor
from bot.meetings.survey import SURVEY_DAYS, Surveys, post_meeting_survey
from tests.meetings.conftest import GUILD, MOD, create


class RecordingSurveys:
    """A Surveys double with the agreed signature, recording each call."""

    def __init__(self) -> None:
        self.calls: list[dict[str, object]] = []

    async def start_survey(
        self,
        actor: Actor,
        title: str,
        questions: Sequence[str],
        recipient_ids: Sequence[int],
        closes_at: datetime,
        source: str | None = None,
    ) -> object:
        self.calls.append(
            {"actor": actor, "title": title, "questions": list(questions), "recipients": list(recipient_ids),
             "closes_at": closes_at, "source": source}
        )
        return None


async def test_hook_starts_one_survey_as_cercle_for_the_going_members(svc, clock):
    """The hook starts a survey titled after the meeting, as the scheduler of the meeting's guild,
    for the Going members, open a week, tagged with the occurrence; nobody going: no survey."""
    surveys = RecordingSurveys()
    typed: Surveys = surveys
    hook = post_meeting_survey(svc.ctx, typed, title_limit=80)
    occ = (await create(svc, title="Quarterly   club meeting", reminders="none")).occurrence
    await hook(GUILD, occ, [601, 603])
    await hook(GUILD, occ, [])
    short = post_meeting_survey(svc.ctx, typed, title_limit=12)
    await short(GUILD, occ, [601])
    call, shortened = surveys.calls
    assert len(shortened["title"]) == 12 and shortened["title"].endswith("…")
    assert call["actor"] == Actor.scheduler(GUILD) and call["actor"] != MOD
    assert call["title"] == "How was Quarterly club meeting?"
    assert call["questions"] == ["0-10: How useful was this meeting?", "What should we change next time?"]
    assert call["recipients"] == [601, 603]
    assert call["closes_at"] == clock.now() + timedelta(days=SURVEY_DAYS)
    assert call["source"] == f"meeting:{occ.id}"
