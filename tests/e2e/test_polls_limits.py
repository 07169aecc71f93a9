"""Every refusal and limit of polls, end to end, in English and French: each message names
the field (and the limit) and nothing is created or changed."""

from __future__ import annotations

import pytest

from tests.e2e.test_polls import create_poll, fresh, poll_id_of, posted, slash_options


async def refused_options(harness, locale, **options):
    """/poll create with ``options`` that must be refused before the modal; returns the text."""
    c = harness.club
    user = c.admin
    reply = await slash_options(harness.fake, user, "poll create", guild=c.guild, locale=locale, options=options)
    assert reply.modal is None, f"expected a refusal for {options}"
    assert reply.ephemeral
    return reply.text()


async def test_option_refusals_name_the_field_in_both_languages(harness):
    """Unreadable, past, inverted or too long times and impossible channels are refused, naming the field."""
    c = harness.club
    text = await refused_options(harness, "en-US")
    assert "**channel**" in text and "announcements channel" in text
    assert "**salon**" in await refused_options(harness, "fr")
    await harness.configure_defaults()
    assert "I cannot post in" in await refused_options(harness, "en-US", channel=c.readonly)
    assert "je ne peux pas publier" in await refused_options(harness, "fr", channel=c.readonly)
    text = await refused_options(harness, "en-US", opens="when pigs fly")
    assert "**opens**" in text and "when pigs fly" in text
    assert "**ouverture**" in await refused_options(harness, "fr", opens="quand les poules auront des dents")
    assert "**closes** is in the past" in await refused_options(harness, "en-US", closes="2020-01-01 10:00")
    assert "**fermeture** est dans le passé" in await refused_options(harness, "fr", closes="2020-01-01 10:00")
    text = await refused_options(harness, "en-US", opens="in 3 days", closes="in 2 days")
    assert "**closes** must come after the opening" in text
    assert "**fermeture** doit venir après" in await refused_options(harness, "fr", opens="in 3 days", closes="in 2 days")
    assert "at most 366 days" in await refused_options(harness, "en-US", closes="400 days")
    text = await refused_options(harness, "en-US", repeat="weekly", closes="10 days")
    assert "**closes**" in text and "7 days" in text
    assert "7 jours" in await refused_options(harness, "fr", repeat="weekly", closes="10 days")
    assert posted(harness) == []


async def test_modal_refusals_name_the_field_in_both_languages(harness):
    """Too few/many, too long or repeated choices and a max_choices above the choices are refused after the modal."""
    await harness.configure_defaults()
    few = await create_poll(harness, choices="Only one")
    assert "**choices**: give between 2 and 20 choices" in few.text() and "(you gave 1)" in few.text()
    many = await create_poll(harness, choices="\n".join(f"c{i}" for i in range(21)), locale="fr")
    assert "**choix**\u202f: donnez entre 2 et 20 choix" in many.text() and "21" in many.text()
    long = await create_poll(harness, choices="ok\n" + "x" * 101)
    assert "choice 2 is too long: 101 characters, the limit is 100" in long.text()
    twice = await create_poll(harness, choices="Oui\noui \nNon", locale="fr")
    assert "le choix 2 répète un choix précédent" in twice.text()
    above = await create_poll(harness, max_choices=3, choices="a\nb")
    assert "**max_choices** must be between 1 and 2" in above.text()
    above_fr = await create_poll(harness, max_choices=3, choices="a\nb", locale="fr")
    assert "**choix_max** doit être compris entre 1 et 2" in above_fr.text()
    assert posted(harness) == []


async def test_client_side_limits_are_in_the_schema(harness):
    """The Discord client itself refuses a 301-character question, a 1001-character description and max_choices 21."""
    await harness.configure_defaults()
    c = harness.club
    with pytest.raises(AssertionError, match="client refuses"):
        await slash_options(harness.fake, c.admin, "poll create", guild=c.guild, options={"max_choices": 21})
    reply = await slash_options(harness.fake, c.admin, "poll create", guild=c.guild, options={})
    with pytest.raises(AssertionError, match="client refuses"):
        await harness.fake.submit_modal(c.admin, reply, {"question": "q" * 301, "choices": "a\nb"})
    with pytest.raises(AssertionError, match="client refuses"):
        await harness.fake.submit_modal(c.admin, reply, {"question": "q", "choices": "a\nb", "description": "d" * 1001})
    with pytest.raises(AssertionError, match="required"):
        await harness.fake.submit_modal(c.admin, reply, {"question": "", "choices": "a\nb"})


async def test_management_refusals(harness):
    """Closing a scheduled or closed poll, cancelling an open one and unknown polls are refused with their reason."""
    await harness.configure_defaults()
    c = harness.club
    await create_poll(harness, question="Now")
    await create_poll(harness, question="Later", opens="in 2 days")
    now_msg, later_msg = posted(harness)
    now_id, later_id = poll_id_of(now_msg), poll_id_of(later_msg)
    early = await harness.fake.slash(c.admin, "poll close", guild=c.guild, poll=later_id)
    assert f"Poll #{later_id} is not open yet: use `/poll cancel`" in early.text()
    wrong = await harness.fake.slash(c.admin, "poll cancel", guild=c.guild, poll=now_id, locale="fr")
    assert "Seul un sondage programmé peut être annulé" in wrong.text()
    await harness.fake.slash(c.admin, "poll close", guild=c.guild, poll=now_id)
    twice = await harness.fake.slash(c.admin, "poll close", guild=c.guild, poll=now_id)
    assert "already closed" in twice.text()
    missing = await harness.fake.slash(c.admin, "poll results", guild=c.guild, poll=9999)
    assert "**poll**: there is no poll #9999" in missing.text()
    missing_fr = await harness.fake.slash(c.admin, "poll export", guild=c.guild, poll=9999, locale="fr")
    assert "**sondage**\u202f: il n'y a pas de sondage n°9999" in missing_fr.text()


async def test_click_on_a_poll_whose_record_is_gone(harness):
    """A click on a poll deleted from the database gets a clear answer, never 'This interaction failed'."""
    await harness.configure_defaults()
    c = harness.club
    await create_poll(harness)
    [message] = posted(harness)
    db = harness.bot.ctx.db
    await db.execute("DELETE FROM polls WHERE id = ?", (poll_id_of(message),))
    gone = await harness.fake.click(c.alice, message, label="1. Export")
    assert gone.ephemeral and "no longer exists" in gone.text()
    gone_fr = await harness.fake.click(c.bob, message, label="1. Export")
    assert "n'existe plus" in gone_fr.text()


async def test_click_on_a_cancelled_poll(harness):
    """A member whose client still shows the buttons of a poll cancelled meanwhile is told it was cancelled."""
    await harness.configure_defaults()
    c = harness.club
    await create_poll(harness, opens="in 1 day")
    [message] = posted(harness)
    stale = fresh(harness, message)
    pid = poll_id_of(message)
    await harness.bot.ctx.db.execute("UPDATE polls SET status = 'cancelled' WHERE id = ?", (pid,))
    reply = await harness.fake.click(c.alice, stale, label="1. Export")
    assert "This poll was cancelled" in reply.text()


async def test_refused_form_reopens_with_what_was_typed(harness):
    """After a refused form, "Edit and try again" reopens it filled in; fixing the choices creates the poll."""
    await harness.configure_defaults()
    c = harness.club
    refused = await create_poll(harness, question="Keep this question", choices="Only one", description="Keep me too")
    button = refused.message
    assert button.buttons()[0]["label"] == "Edit and try again"
    reopened = await harness.fake.click(c.admin, button, label="Edit and try again")
    inputs = {row["components"][0]["custom_id"]: row["components"][0].get("value") for row in reopened.modal["components"]}
    assert inputs == {"question": "Keep this question", "choices": "Only one", "description": "Keep me too"}
    done = await harness.fake.submit_modal(c.admin, reopened, {"choices": "One\nTwo"})
    assert "is open" in done.text()
    assert "Keep this question" in posted(harness)[0].text()
