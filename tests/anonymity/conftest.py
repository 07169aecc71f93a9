"""The anonymity attacks run through tests/fakediscord with the end-to-end fixtures, on a
club with ``EXTRA`` more members (DMs open, member role) that exist before Cercle starts,
so its member cache and its campaign invitations know them, and a ``moderators`` channel
(:func:`moderators_channel`)."""

import pytest

from bot.clock import FakeClock
from tests.e2e.conftest import e2e_settings, fake
from tests.e2e.harness import START, Harness, build_club, quiet_discord_logs

EXTRA = 12

__all__ = ["e2e_settings", "fake", "harness", "moderators_channel", "people"]


def people(harness):
    """The club's ``EXTRA`` more members, in the order they were added."""
    return sorted((u for u in harness.fake.users.values() if u.username.startswith("member")), key=lambda u: u.username)


def moderators_channel(harness):
    """The club's ``moderators`` channel (made before Cercle starts, so its cache knows it)."""
    return next(ch for ch in harness.club.guild.channels.values() if ch.name == "moderators")


@pytest.fixture
async def harness(fake, e2e_settings):
    """The fake with one club guild of ``EXTRA`` more members (:func:`people`) and a started Cercle bot."""
    quiet_discord_logs()
    club = build_club(fake)
    for n in range(EXTRA):
        fake.add_member(club.guild, fake.add_user(f"member{n:02d}"), [club.member_role])
    fake.add_channel(club.guild, "moderators")
    h = Harness(fake, e2e_settings, FakeClock(START), club)
    await h.start()
    yield h
    await h.stop()
