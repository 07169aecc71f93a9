"""Weekly prompts end to end through the fake Discord: bank management, suggestions and
review, engagement stats, in English and French."""

from __future__ import annotations

import pytest

from tests.fakediscord import CommandNotAvailable


async def prompt_moderator(harness):
    """Club defaults set, and the French moderator allowed to use /prompt."""
    await harness.configure_defaults()
    harness.fake.allow_command(harness.club.guild, "prompt", harness.club.moderator_role)


def bot_posts(harness, channel):
    """What the bot posted in a channel."""
    return [m for m in harness.fake.messages_in(channel.id) if m.author_id == harness.fake.bot_user.id]


async def test_add_through_modal_then_list_and_page(harness):
    """A moderator adds a prompt through the modal; /prompt list shows it and pages with ◀ ▶."""
    await prompt_moderator(harness)
    c, fake = harness.club, harness.fake
    reply = await fake.slash(c.admin, "prompt add", guild=c.guild, theme="roadmap")
    assert reply.modal and len(reply.modal["title"]) <= 45
    added = await fake.submit_modal(c.admin, reply, {"text": "Which integration should ship before the next meeting?"})
    assert "Added prompt #" in added.text() and "Roadmap" in added.text()
    listing = await fake.slash(c.admin, "prompt list", guild=c.guild, theme="roadmap", page=2)
    assert "Which integration should ship" in listing.text() and "page 2/2" in listing.text()
    first = await fake.slash(c.admin, "prompt list", guild=c.guild)
    assert "page 1/6" in first.text() and "51 prompts" in first.text()
    turned = await fake.click(c.admin, first.message, label="Next")
    assert "page 2/6" in turned.updated.text()


async def test_add_in_french_and_duplicate_refused(harness):
    """The French moderator adds a prompt in French; the same text again is refused as a duplicate."""
    await prompt_moderator(harness)
    c, fake = harness.club, harness.fake
    reply = await fake.slash(c.moderator, "prompt add", guild=c.guild, theme="community")
    assert "Nouvelle question" in reply.modal["title"]
    text = "Qui veut animer l'atelier de printemps ?"
    done = await fake.submit_modal(c.moderator, reply, {"text": text})
    assert "ajoutée" in done.text() and "Communauté" in done.text()
    again = await fake.slash(c.moderator, "prompt add", guild=c.guild, theme="practice")
    refused = await fake.submit_modal(c.moderator, again, {"text": text.upper()})
    assert "déjà dans la banque" in refused.text()
    english = await fake.slash(c.admin, "prompt add", guild=c.guild, theme="practice")
    refused_en = await fake.submit_modal(c.admin, english, {"text": text})
    assert "already in the bank" in refused_en.text()


async def test_edit_and_remove(harness):
    """Edit opens a modal pre-filled with the text; remove takes the prompt out; unknown numbers are explained."""
    await prompt_moderator(harness)
    c, fake = harness.club, harness.fake
    listing = await fake.slash(c.admin, "prompt list", guild=c.guild, theme="features")
    number = int(listing.message.embeds[0]["description"].split("`#")[1].split("`")[0])
    reply = await fake.slash(c.admin, "prompt edit", guild=c.guild, number=number, theme="practice")
    field = reply.modal["components"][0]
    inner = field["components"][0] if field["type"] == 1 else field["component"]
    assert len(inner["value"]) >= 10
    edited = await fake.submit_modal(c.admin, reply, {"text": "Which dashboard do you open first each morning?"})
    assert f"Prompt #{number} updated" in edited.text() and "Practice" in edited.text()
    removed = await fake.slash(c.moderator, "prompt remove", guild=c.guild, number=number)
    assert f"n° {number} retirée" in removed.text()
    gone = await fake.slash(c.admin, "prompt remove", guild=c.guild, number=number)
    assert f"There is no prompt #{number}" in gone.text()
    gone_fr = await fake.slash(c.moderator, "prompt edit", guild=c.guild, number=number)
    assert f"pas de question n° {number}" in gone_fr.text()


async def test_import_reports_added_duplicates_and_rejected(harness):
    """A .txt import with good, duplicate and bad lines gets a report with each reason, in both languages."""
    await prompt_moderator(harness)
    c, fake = harness.club, harness.fake
    data = (
        b"features: Which add-on would you build with a free week?\n"
        b"features: Which add-on would you build with a free week\n"
        b"gossip: Who is dating whom at the vendor?\n"
        b"roadmap: tiny\n"
        b"How do you back up your configuration before an upgrade?\n"
    )
    reply = await fake.slash(c.admin, "prompt import", guild=c.guild, file=("mine.txt", data))
    text = reply.text()
    assert "Added: 1" in text and "Skipped as duplicates: 1" in text and "Rejected: 3" in text
    assert "line 3" in text and "no theme" in text and "shorter than 10 characters" in text
    csv_data = "theme,text\npratique,Comment nommez-vous vos modèles de rapport ?\ninconnu,Une ligne au thème inconnu ?\n"
    french = await fake.slash(c.moderator, "prompt import", guild=c.guild, file=("banque.csv", csv_data.encode()))
    assert "Ajoutées\u202f: 1" in french.text() and "thème inconnu «\u00a0inconnu\u00a0»" in french.text()
    wrong = await fake.slash(c.admin, "prompt import", guild=c.guild, file=("bank.pdf", b"%PDF"))
    assert "must be a `.txt` or `.csv` file" in wrong.text()


async def test_member_suggestion_approved_and_author_told_by_dm(harness):
    """Alice suggests a prompt through a modal; the moderator approves it in /prompt review; Alice gets a DM."""
    await prompt_moderator(harness)
    c, fake = harness.club, harness.fake
    reply = await fake.slash(c.alice, "prompts suggest", guild=c.guild, theme="pain_points")
    assert "Suggest a prompt" in reply.modal["title"]
    thanks = await fake.submit_modal(c.alice, reply, {"text": "Which report do you rebuild by hand every month?"})
    assert "waiting for the moderators' review" in thanks.text() and thanks.ephemeral
    review = await fake.slash(c.admin, "prompt review", guild=c.guild)
    assert "Which report do you rebuild" in review.text() and "1 pending" in review.text()
    clicked = await fake.click(c.admin, review.message, label="Approve")
    assert "approved" in clicked.updated.text() and "told by DM" in clicked.updated.text()
    [dm] = fake.dms_to(c.alice)
    assert "approved" in dm.text()
    listing = await fake.slash(c.admin, "prompt list", guild=c.guild, theme="pain_points", page=2)
    assert "Which report do you rebuild" in listing.text()


async def test_suggestion_rejected_closed_dms_and_french(harness):
    """Bob's suggestion (French) is rejected and he gets a French DM; Carol's DMs are closed and the moderator is told."""
    await prompt_moderator(harness)
    c, fake = harness.club, harness.fake
    reply = await fake.slash(c.bob, "prompts suggest", guild=c.guild, theme="roadmap")
    assert "Proposer une question" in reply.modal["title"]
    thanks = await fake.submit_modal(c.bob, reply, {"text": "Faut-il un mode hors ligne pour les audits ?"})
    assert "attend l'examen" in thanks.text()
    carol = await fake.slash(c.carol, "prompts suggest", guild=c.guild, theme="community")
    await fake.submit_modal(c.carol, carol, {"text": "Could we share anonymised configurations?"})
    review = await fake.slash(c.moderator, "prompt review", guild=c.guild)
    assert "2 en attente" in review.text()
    first = await fake.click(c.moderator, review.message, label="Refuser")
    assert "refusée" in first.updated.text() and "prévenu par message privé" in first.updated.text()
    assert "pas été retenue" in fake.dms_to(c.bob)[0].text()
    second = await fake.click(c.moderator, first.updated, label="Refuser")
    assert "MP de l'auteur sont fermés" in second.updated.text()
    assert "Aucune proposition" in second.updated.text()
    assert fake.dms_to(c.carol) == []


async def test_members_cannot_use_moderator_commands(harness):
    """/prompt is hidden from members, and refused in code when an admin lets everyone use it."""
    await prompt_moderator(harness)
    c, fake = harness.club, harness.fake
    with pytest.raises(CommandNotAvailable):
        await fake.slash(c.alice, "prompt review", guild=c.guild)
    fake.allow_command(c.guild, "prompt")
    refused = await fake.slash(c.alice, "prompt review", guild=c.guild)
    assert "Only the club's moderators" in refused.text()
    refused_fr = await fake.slash(c.bob, "prompt post-now", guild=c.guild)
    assert "Seuls les modérateurs" in refused_fr.text()
    assert bot_posts(harness, c.prompts) == []


async def test_stats_after_replies_in_threads(harness):
    """Replies in prompt threads are counted per prompt and theme with distinct participants, and a PNG chart."""
    await prompt_moderator(harness)
    c, fake = harness.club, harness.fake
    await fake.slash(c.admin, "prompt post-now", guild=c.guild, theme="features")
    await fake.slash(c.admin, "prompt post-now", guild=c.guild, theme="community")
    first, second = bot_posts(harness, c.prompts)
    thread1, thread2 = fake.channels[first.id], fake.channels[second.id]
    for member, text in ((c.alice, "We use the API"), (c.bob, "Nous aussi"), (c.alice, "And the export")):
        await fake.post(member, thread1, text)
    await fake.post(c.carol, thread2, "Hello all")
    await fake.post(c.alice, c.general, "not in a prompt thread")
    await fake.settle()
    reply = await fake.slash(c.admin, "prompt stats", guild=c.guild)
    text = reply.text()
    assert "replies: 3 · participants: 2" in text and "replies: 1 · participants: 1" in text
    assert "Features" in text and "Community" in text
    assert reply.file_bytes().startswith(b"\x89PNG")
    assert str(c.alice.id) not in text
    french = await fake.slash(c.moderator, "prompt stats", guild=c.guild, weeks=4)
    assert "réponses\u202f: 3 · participants\u202f: 2" in french.text()


async def test_stats_empty(harness):
    """With nothing posted, /prompt stats says so in both languages."""
    await prompt_moderator(harness)
    c, fake = harness.club, harness.fake
    assert "No prompt was posted" in (await fake.slash(c.admin, "prompt stats", guild=c.guild)).text()
    assert "Aucune question" in (await fake.slash(c.moderator, "prompt stats", guild=c.guild)).text()


async def test_prompt_text_cannot_ping(harness):
    """A prompt with @everyone and a user mention is posted without pinging anyone."""
    await prompt_moderator(harness)
    c, fake = harness.club, harness.fake
    listing = await fake.slash(c.admin, "prompt list", guild=c.guild, theme="features")
    for line in listing.message.embeds[0]["description"].splitlines():
        await fake.slash(c.admin, "prompt remove", guild=c.guild, number=int(line[2:].split("`")[0]))
    empty = await fake.slash(c.admin, "prompt list", guild=c.guild, theme="features")
    assert "no prompt here yet" in empty.text()
    reply = await fake.slash(c.admin, "prompt add", guild=c.guild, theme="features")
    await fake.submit_modal(c.admin, reply, {"text": f"@everyone <@{c.alice.id}> which **feature** do you love?"})
    await fake.slash(c.admin, "prompt post-now", guild=c.guild, theme="features")
    [post] = bot_posts(harness, c.prompts)
    assert post.data["mention_everyone"] is False and post.data["mentions"] == []
    assert "feature" in post.text()


async def test_synced_prompt_commands_fit_discord_budget(harness):
    """/prompt and /prompts fit in 8,000 characters and carry French localisations."""
    from tests.fakediscord import validate

    commands = {c["name"]: c for c in harness.fake.global_commands}
    for name in ("prompt", "prompts"):
        assert validate.budget(commands[name]) <= 8000
        assert commands[name]["name_localizations"]["fr"] in ("question", "questions")
    assert int(commands["prompt"]["default_member_permissions"]) == 1 << 5
    assert commands["prompts"].get("default_member_permissions") is None


async def test_buttons_keep_working_after_a_restart(harness):
    """List and review buttons sent before a restart still work afterwards (state read from the database)."""
    await prompt_moderator(harness)
    c, fake = harness.club, harness.fake
    suggestion = await fake.slash(c.alice, "prompts suggest", guild=c.guild, theme="practice")
    await fake.submit_modal(c.alice, suggestion, {"text": "How do you document your configuration choices?"})
    listing = await fake.slash(c.admin, "prompt list", guild=c.guild)
    review = await fake.slash(c.admin, "prompt review", guild=c.guild)
    await harness.restart()
    turned = await fake.click(c.admin, listing.message, label="Next")
    assert "page 2/5" in turned.updated.text()
    approved = await fake.click(c.admin, review.message, label="Approve")
    assert "approved" in approved.updated.text()
    again = await fake.slash(c.admin, "prompt review", guild=c.guild)
    assert "No suggestion is waiting" in again.text()


async def test_second_moderator_on_a_stale_review_is_told_it_was_decided(harness):
    """Two moderators review the same suggestion: the second click is told it was already reviewed."""
    await prompt_moderator(harness)
    c, fake = harness.club, harness.fake
    suggestion = await fake.slash(c.alice, "prompts suggest", guild=c.guild, theme="roadmap")
    await fake.submit_modal(c.alice, suggestion, {"text": "Which deprecated screen should go first?"})
    mine = await fake.slash(c.admin, "prompt review", guild=c.guild)
    theirs = await fake.slash(c.moderator, "prompt review", guild=c.guild)
    await fake.click(c.admin, mine.message, label="Approve")
    late = await fake.click(c.moderator, theirs.message, label="Refuser")
    assert "déjà été examinée" in late.text()
    assert len(fake.dms_to(c.alice)) == 1
