"""The anonymity attacks run through tests/fakediscord with the end-to-end fixtures, on a
club with ``EXTRA`` more members (DMs open, member role) that exist before Cercle starts,
so its member cache and its campaign invitations know them."""

import pytest

from bot.clock import FakeClock
from tests.e2e.conftest import e2e_settings, fake
from tests.e2e.harness import START, Harness, build_club, quiet_discord_logs

EXTRA = 12

__all__ = ["e2e_settings", "fake", "harness"]


@pytest.fixture
async def harness(fake, e2e_settings):
    """The fake with one club guild of ``EXTRA`` more members and a started Cercle bot;
    ``harness.people`` are those members."""
    quiet_discord_logs()
    club = build_club(fake)
    people = [fake.add_member(club.guild, fake.add_user(f"member{n:02d}"), [club.member_role]) for n in range(EXTRA)]
    h = Harness(fake, e2e_settings, FakeClock(START), club)
    h.people = people  # type: ignore[attr-defined]
    await h.start()
    yield h
    await h.stop()
