"""The bot connects to the fake and answers /help."""


async def test_help_answers(harness):
    """A member runs /help and gets an ephemeral answer listing the members' commands."""
    c = harness.club
    reply = await harness.fake.slash(c.alice, "help", guild=c.guild)
    assert reply.ephemeral
    assert "/help" in reply.text()
