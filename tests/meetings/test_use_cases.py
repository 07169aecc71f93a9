"""Who may call what: every public coroutine of the meetings service is a use-case that
authorises its Actor, and each persistent component id is the one already posted."""

from __future__ import annotations

import inspect

import pytest

from bot.actor import USE_CASE_ATTRIBUTE, Actor
from bot.errors import Forbidden
from bot.meetings.components import REMIND, RSVP, TOPIC_VOTE
from bot.meetings.service import MeetingsService
from tests.meetings.conftest import GUILD, MOD, create

MODERATOR = {"prepare", "create", "edit", "cancel", "list_upcoming", "agenda", "attendees"}
MEMBER = {
    "rsvp", "toggle_remind", "refresh_announcement", "refresh_topic", "member_upcoming", "suggest",
    "calendar", "propose", "vote",
}


def public_coroutines() -> dict[str, object]:
    return {
        name: fn for name, fn in inspect.getmembers(MeetingsService, inspect.iscoroutinefunction)
        if not name.startswith("_")
    }


def test_every_public_coroutine_is_a_use_case():
    """Moderators create, change and see answers; members answer, vote and propose; jobs stay private."""
    found = {name: getattr(fn, USE_CASE_ATTRIBUTE, None) for name, fn in public_coroutines().items()}
    assert found == {**{n: "moderator" for n in MODERATOR}, **{n: "member" for n in MEMBER}, "authorise": None}


@pytest.mark.parametrize("name", sorted(MODERATOR))
async def test_a_plain_member_is_refused_every_moderator_use_case(svc, name):
    """Called with a member's Actor, each moderator use-case is Forbidden before doing anything."""
    member = Actor(user_id=601, guild_id=GUILD)
    with pytest.raises(Forbidden):
        await getattr(svc, name)(member, "1")


async def test_a_call_without_an_actor_is_a_type_error(svc):
    """A call site left from before the Actor (guild id first) fails loudly."""
    occ = (await create(svc)).occurrence
    with pytest.raises(TypeError):
        await svc.rsvp(occ.id, 601, "going")
    with pytest.raises(TypeError):
        await svc.cancel(GUILD, occ.id, MOD)


def test_component_ids_keep_their_posted_form():
    """Buttons already posted keep working: the ids are the same strings, read back typed."""
    assert RSVP.build(occurrence=12, status="maybe") == "cercle:meetings:rsvp:12:maybe"
    assert REMIND.build(occurrence=12) == "cercle:meetings:remind:12"
    assert TOPIC_VOTE.build(topic=7) == "cercle:meetings:topic:7:vote"
    fields = RSVP.parse("cercle:meetings:rsvp:12:no")
    assert fields is not None and (fields.integer("occurrence"), fields.text("status")) == (12, "no")
    assert RSVP.parse("cercle:meetings:rsvp:12:perhaps") is None
    with pytest.raises(ValueError):
        RSVP.build(occurrence=12, status="perhaps")
