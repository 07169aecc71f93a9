"""Anonymous feedback end to end through the fake Discord: /feedback give in the server and
in DM, the DM offer, receipts, campaigns from start to report, digests and exports, in
English and French."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import timedelta

import pytest

from bot.actor import Actor
from tests.fakediscord import CommandNotAvailable

RECEIPT = re.compile(r"\b([A-Z2-9]{5}-[A-Z2-9]{5})\b")
QUESTIONS = {"q1": "0-10: How likely are you to recommend the software to a peer?", "q2": "What hurts most?"}


def receipt_of(reply) -> str:
    """The receipt code shown in a reply."""
    found = RECEIPT.search(reply.text())
    assert found, reply.text()
    return found.group(1)


async def give(harness, user, text, *, guild=True, category=None, rating="", locale=None):
    """/feedback give then submit the modal."""
    c = harness.club
    options = {"category": category} if category else {}
    modal = await harness.fake.slash(user, "feedback give", guild=c.guild if guild else None, locale=locale, **options)
    assert modal.modal is not None, modal
    return await harness.fake.submit_modal(user, modal, {"text": text, "rating": rating})


async def automatic_digests(harness):
    """The club posts its digests without review (``/campaign digest-schedule review:False``)."""
    reply = await harness.fake.slash(harness.club.admin, "campaign digest-schedule", guild=harness.club.guild, review=False)
    assert "posted without review" in reply.text(), reply.text()


async def digest_and_publish(harness, user=None):
    """``/campaign digest`` in a reviewing club, then Publish on the review: returns (review, published)."""
    c = harness.club
    user = user or c.admin
    review = await harness.fake.slash(user, "campaign digest", guild=c.guild)
    published = await harness.fake.click(user, review.message, label="Publish")
    return review, published


async def start_campaign(
    harness, *, closes="in 7 days", audience=None, title="Q4 survey", questions=QUESTIONS, user=None, release=None
):
    """/campaign start + its questions form, as the admin; returns the final reply."""
    c = harness.club
    options = {"audience": audience} if audience is not None else {}
    if release is not None:
        options["release"] = release
    modal = await harness.fake.slash(user or c.admin, "campaign start", guild=c.guild, title=title, closes=closes, **options)
    assert modal.modal is not None, modal.text()
    return await harness.fake.submit_modal(user or c.admin, modal, questions)


async def dm_and_wait_offer(harness, user, text):
    """The member writes to the bot by DM; returns the bot's offer once it arrived (≤ 5 s)."""
    before = len(harness.fake.dms_to(user))
    sent = await harness.fake.dm_bot(user, text)
    for _ in range(250):
        await harness.fake.settle()
        if len(harness.fake.dms_to(user)) > before:
            return sent, harness.fake.dms_to(user)[-1]
        await asyncio.sleep(0.02)
    raise AssertionError("the bot never answered the DM")


def last_dm(harness, user):
    """The newest DM the bot sent ``user``."""
    dms = harness.fake.dms_to(user)
    assert dms, "no DM"
    return dms[-1]


async def answer(harness, user, message, values):
    """Click "Answer anonymously" on ``message`` and submit ``values``."""
    form = await harness.fake.click(user, message, label="nonym")
    assert form.modal is not None, form.text()
    return await harness.fake.submit_modal(user, form, values)


async def test_give_in_server_shows_receipt_and_threat_model(harness):
    """/feedback give in the server opens a modal; the ephemeral reply has a receipt and the one-line
    promise pointing to the full statement (/feedback about), not the whole statement again."""
    reply = await give(harness, harness.club.alice, "The export is slow", category="pain_point", rating="4")
    assert reply.ephemeral
    assert "receipt code" in reply.text() and "What is protected, and what is not: `/feedback about`" in reply.text()
    assert "Not protected from" not in reply.text()
    receipt_of(reply)


async def test_give_in_french(harness):
    """A French member reads the form and the receipt in French."""
    c = harness.club
    modal = await harness.fake.slash(c.bob, "feedback give", guild=c.guild)
    assert modal.modal["title"] == "Retour anonyme"
    reply = await harness.fake.submit_modal(c.bob, modal, {"text": "Super outil"})
    assert "code de reçu" in reply.text() and "ce qui ne l'est pas\u202f: `/retours anonymat`" in reply.text()
    assert "Non protégé contre" not in reply.text()


async def test_give_in_dm(harness):
    """/feedback give works in a DM with the bot and lands in the club's feedback."""
    reply = await give(harness, harness.club.alice, "Written from a DM", guild=False)
    assert "receipt code" in reply.text()
    assert harness.bot.services.feedback
    count = await harness.bot.ctx.db.fetchval("SELECT COUNT(*) FROM feedback_pending WHERE guild_id = ?", (harness.club.guild.id,))
    assert count == 1  # waiting for its cohort


async def test_bad_rating_names_the_field(harness):
    """A rating of 11 is refused naming the field and the range, nothing stored."""
    reply = await give(harness, harness.club.alice, "text", rating="11")
    assert "rating" in reply.text() and "0" in reply.text() and "10" in reply.text()
    assert await harness.bot.ctx.db.fetchval("SELECT COUNT(*) FROM feedback_answers") == 0


async def test_plain_dm_gets_offer_and_prefilled_modal(harness):
    """A member writing to the bot by DM gets the promise and a button opening the modal pre-filled with their text."""
    c = harness.club
    _, offer = await dm_and_wait_offer(harness, c.alice, "Honestly the reporting module is painful")
    assert "anonymously" in offer.text() and "delete your own message" in offer.text()
    form = await harness.fake.click(c.alice, offer, label="anonymously")
    inputs = [row["components"][0] for row in form.modal["components"]]
    assert inputs[0]["value"] == "Honestly the reporting module is painful"
    reply = await harness.fake.submit_modal(c.alice, form, {})
    receipt_of(reply)


async def test_dm_prefill_survives_a_restart(harness):
    """After a restart the offer's button still opens a pre-filled modal (read back from the DM history)."""
    c = harness.club
    await dm_and_wait_offer(harness, c.bob, "Il manque un export PDF")
    await harness.restart()
    offer = last_dm(harness, c.bob)
    form = await harness.fake.click(c.bob, offer, label="anonym")
    assert form.modal["components"][0]["components"][0]["value"] == "Il manque un export PDF"


async def test_receipt_withdraws_the_answer(harness):
    """The receipt deletes the answer once; a second try or a wrong code is refused, in both languages."""
    c = harness.club
    code = receipt_of(await give(harness, c.alice, "delete me"))
    reply = await harness.fake.slash(c.alice, "feedback withdraw", guild=c.guild, receipt=code)
    assert "deleted" in reply.text()
    assert await harness.bot.ctx.db.fetchval("SELECT COUNT(*) FROM feedback_answers") == 0
    again = await harness.fake.slash(c.bob, "feedback withdraw", guild=c.guild, receipt=code)
    assert "Aucune réponse" in again.text()


async def test_feedback_about_states_threat_model(harness):
    """/feedback about explains what is protected and what is not."""
    reply = await harness.fake.slash(harness.club.alice, "feedback about", guild=harness.club.guild)
    assert "Protected from" in reply.text() and "Not protected from" in reply.text()


async def test_campaign_start_to_report(harness):
    """A campaign from start to report: DM fan-out with a closed DM counted, duplicate refused, replacement, threshold, close."""
    c = harness.club
    await harness.configure_defaults()
    started = await start_campaign(harness, audience=c.member_role, release="live")
    assert "DMs sent: 4 of 5" in started.text() and "unreachable (DMs closed or blocked): 1" in started.text()
    closes = int((harness.clock.now() + timedelta(days=7)).timestamp())
    assert f"It closes <t:{closes}:F> (<t:{closes}:R>)." in started.text()
    assert not harness.fake.dms_to(c.carol)
    announcement = harness.fake.messages_in(c.feedback.id)[-1]
    assert "Q4 survey" in announcement.text()

    first = await answer(harness, c.alice, last_dm(harness, c.alice), {"q1": "9", "q2": "Slow exports"})
    code = receipt_of(first)
    again = await harness.fake.click(c.alice, last_dm(harness, c.alice), label="nonym")
    assert "already answered" in again.text()
    replace_form = await harness.fake.click(c.alice, again.message, label="Replace")
    replaced = await harness.fake.submit_modal(c.alice, replace_form, {"receipt": code, "q1": "10", "q2": "Exports fixed"})
    assert "replaced" in replaced.text()
    wrong = await harness.fake.click(c.alice, again.message, label="Replace")
    refused = await harness.fake.submit_modal(c.alice, wrong, {"receipt": "AAAAA-BBBBB", "q1": "0"})
    assert "No answer matches" in refused.text()

    await answer(harness, c.bob, last_dm(harness, c.bob), {"q1": "7", "q2": f"Trop de clics @everyone <@{c.admin.id}>"})
    await answer(harness, c.carol, announcement, {"q1": "3", "q2": "Support is slow"})  # DMs closed: from the channel
    await answer(harness, c.moderator, last_dm(harness, c.moderator), {"q1": "8"})
    hidden = await harness.fake.slash(c.admin, "campaign report", guild=c.guild, campaign=1)
    assert "**0** answer(s)" in hidden.text() and "⏳ 4 more answer(s) wait for the next release" in hidden.text()
    assert "Exports fixed" not in hidden.text() and not hidden.files

    await answer(harness, c.admin, last_dm(harness, c.admin), {"q1": "10", "q2": "Great roadmap"})
    shown = await harness.fake.slash(c.admin, "campaign report", guild=c.guild, campaign=1)
    text = shown.text()
    assert "**5** answer(s)" in text and "Exports fixed" in text and "Slow exports" not in text
    assert "Trop de clics" in text and "NPS" in text and "+20" in text
    assert "@everyone" not in text and f"<@{c.admin.id}>" not in text
    assert any(f["filename"] == "report.png" for f in shown.files)
    assert shown.file_bytes(0)[:4] == b"\x89PNG"

    await harness.clock.advance(days=7, seconds=1)
    await harness.fake.settle()
    note = harness.fake.messages_in(c.feedback.id)[-1]
    assert "is closed: 5 answer(s)" in note.text()
    assert not harness.fake.messages[announcement.id].buttons()
    listing = await harness.fake.slash(c.admin, "campaign list", guild=c.guild)
    assert "closed" in listing.text() and "5 answer(s)" in listing.text()


async def test_campaign_report_in_french(harness):
    """The moderator (French) reads the counts-only report in French."""
    c = harness.club
    await harness.configure_defaults()
    harness.fake.allow_command(c.guild, "campaign", c.moderator_role)
    await start_campaign(harness, user=c.moderator)
    reply = await harness.fake.slash(c.moderator, "campaign report", guild=c.guild, campaign=1)
    assert "Les résultats restent masqués" in reply.text()


async def test_answer_after_close_refused_and_close_after_restart(harness):
    """A campaign due while the bot was down closes at start; a late click gets an explanation."""
    c = harness.club
    await harness.configure_defaults()
    await start_campaign(harness, closes="in 1 day")
    invitation = last_dm(harness, c.alice)
    await harness.stop()
    await harness.clock.advance(days=2)
    await harness.start()
    await harness.fake.settle()
    assert "is closed: 0 answer(s)" in harness.fake.messages_in(c.feedback.id)[-1].text()
    late = await harness.fake.click(c.alice, invitation, label="nonym")
    assert "is closed" in late.text() and late.modal is None


async def test_manual_close_and_autocomplete(harness):
    """/campaign close with autocomplete closes the campaign once."""
    c = harness.club
    await harness.configure_defaults()
    await start_campaign(harness, title="Roadmap 2027")
    choices = await harness.fake.autocomplete(c.admin, "campaign close", "campaign", guild=c.guild, campaign="road")
    assert choices and choices[0]["value"] == 1 and "Roadmap 2027" in choices[0]["name"]
    done = await harness.fake.slash(c.admin, "campaign close", guild=c.guild, campaign=1)
    assert "closed" in done.text()
    twice = await harness.fake.slash(c.admin, "campaign close", guild=c.guild, campaign=1)
    assert "already closed" in twice.text()


async def test_campaign_start_validation(harness):
    """A close time in the past is refused before the form, naming the field, in French too."""
    c = harness.club
    reply = await harness.fake.slash(c.admin, "campaign start", guild=c.guild, title="T", closes="yesterday")
    assert reply.modal is None and "closes" in reply.text() and "past" in reply.text()
    french = await harness.fake.slash(c.admin, "campaign start", guild=c.guild, title="T", closes="n'importe quoi", locale="fr")
    assert "clôture" in french.text()


async def test_members_cannot_use_campaign_commands(harness):
    """Members do not see /campaign; if an admin unhides it, Cercle still refuses in code."""
    c = harness.club
    with pytest.raises(CommandNotAvailable):
        await harness.fake.slash(c.alice, "campaign list", guild=c.guild)
    harness.fake.allow_command(c.guild, "campaign")
    reply = await harness.fake.slash(c.alice, "campaign report", guild=c.guild)
    assert "Only the club's moderators" in reply.text()


async def test_digest_batches_and_neutralises_injection(harness):
    """Below k nothing is posted; at k one batch goes out with channel.send, pinging nobody, markdown harmless
    (a club with automatic digests: review is the next tests')."""
    c = harness.club
    await harness.configure_defaults()
    await automatic_digests(harness)
    attacks = [
        "@everyone look",
        f"<@{c.admin.id}> and <@&{c.moderator_role.id}>",
        "[click me](https://evil.example)",
        "```py\nprint('x')\n```",
    ]
    for user, text in zip(c.members, attacks, strict=False):
        await give(harness, user, text, category="feature_request")
    waiting = await harness.fake.slash(c.admin, "campaign digest", guild=c.guild)
    assert "Not posted: 4" in waiting.text()
    assert not harness.fake.messages_in(c.feedback.id)
    await give(harness, c.members[4], "**bold** and # heading", category="praise", rating="9")
    done = await harness.fake.slash(c.admin, "campaign digest", guild=c.guild)
    assert "Digest posted: 5" in done.text()
    posts = harness.fake.messages_in(c.feedback.id)
    assert len(posts) == 1
    digest = posts[0]
    assert digest.author_id == harness.fake.bot_user.id and digest.interaction_id is None
    assert "interaction_metadata" not in digest.data and "interaction" not in digest.data
    assert not digest.data["mention_everyone"] and not digest.data["mentions"] and not digest.data["mention_roles"]
    body = digest.text()
    assert "@everyone" not in body and f"<@{c.admin.id}>" not in body and f"<@&{c.moderator_role.id}>" not in body
    assert "](https://" not in body and "```" not in body and "**bold**" not in body
    again = await harness.fake.slash(c.admin, "campaign digest", guild=c.guild)
    assert "Not posted: 0" in again.text()


async def test_weekly_digest_posts_automatically(harness):
    """The weekly digest goes out by itself at the configured time once k feedbacks wait (automatic digests)."""
    c = harness.club
    await harness.configure_defaults()
    await automatic_digests(harness)
    reply = await harness.fake.slash(c.admin, "campaign digest-schedule", guild=c.guild, weekday=2, hour=18)
    assert "Wednesday at 18:00" in reply.text()
    due = int((harness.clock.now() + timedelta(days=2, hours=8)).timestamp())
    assert f"Next: <t:{due}:F> (<t:{due}:R>)." in reply.text()
    for n, user in enumerate(c.members):
        await give(harness, user, f"weekly idea {n}")
    await harness.clock.advance(days=2, hours=8)  # Wednesday 17:00 UTC = 18:00 Paris
    await harness.fake.settle()
    posts = harness.fake.messages_in(c.feedback.id)
    assert len(posts) == 1 and "weekly idea 3" in posts[0].text()


async def test_export_csv_without_identity(harness):
    """/campaign export refuses below k, then gives a CSV with week and answers only, formula cells neutralised."""
    c = harness.club
    await harness.configure_defaults()
    refused = await harness.fake.slash(c.admin, "campaign export", guild=c.guild)
    assert "anonymity threshold is 5" in refused.text() and not refused.files
    for n, user in enumerate(c.members):
        await give(harness, user, f"=cmd|' /C calc'!A{n}", category="question", rating=str(n))
    reply = await harness.fake.slash(c.admin, "campaign export", guild=c.guild)
    data = reply.file_bytes(0).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data)))
    assert rows[0] == ["Week", "Category", "Rating (0-10)", "Text"] and len(rows) == 6
    assert all(r[3].startswith("'=") for r in rows[1:])
    for user in c.members:
        assert str(user.id) not in data and user.username not in data


async def test_report_of_spontaneous_feedback_and_pain_points(harness):
    """Without campaign: spontaneous feedback by category; /campaign painpoints shows the weekly chart and pain texts."""
    c = harness.club
    for n, user in enumerate(c.members):
        await give(harness, user, f"pain number {n}", category="pain_point", rating=str(n))
    await harness.clock.advance(days=7)
    for n, user in enumerate(c.members[:4]):
        await give(harness, user, f"still painful {n}", category="pain_point")
    report = await harness.fake.slash(c.admin, "campaign report", guild=c.guild)
    assert "Pain point" in report.text() and "pain number 2" in report.text() and "still painful" not in report.text()
    assert "⏳ 4 more answer(s) wait for the next release" in report.text()
    await give(harness, c.members[4], "still painful 4", category="pain_point")  # the next cohort
    pains = await harness.fake.slash(c.admin, "campaign painpoints", guild=c.guild, weeks=4)
    assert "10 pain point(s)" in pains.text() and "still painful 3" in pains.text()
    assert any(f["filename"] == "painpoints.png" for f in pains.files)


async def test_survey_api_for_meetings(harness):
    """start_survey (for meetings) DMs the listed attendees only, and others are refused."""
    c = harness.club
    await harness.configure_defaults()
    service = harness.bot.services.feedback
    result = await service.start_survey(
        Actor.scheduler(c.guild.id), "After the meeting", ["0-10: Useful?", "What next?"], [c.alice.id, c.carol.id],
        harness.clock.now() + timedelta(days=3), source="meeting:1",
    )
    assert (result.sent, result.failed) == (1, 1)
    await harness.fake.settle()
    invite = last_dm(harness, c.alice)
    reply = await answer(harness, c.alice, invite, {"q1": "8", "q2": "More demos"})
    receipt_of(reply)
    assert not harness.fake.dms_to(c.bob)


async def test_give_flood_is_slowed_down(harness):
    """An 11th /feedback give within ten minutes is refused with a cooldown message."""
    c = harness.club
    for _ in range(10):
        reply = await harness.fake.slash(c.alice, "feedback give", guild=c.guild)
        assert reply.modal is not None
    refused = await harness.fake.slash(c.alice, "feedback give", guild=c.guild)
    assert refused.modal is None and "Slow down" in refused.text()


async def test_long_fan_out_continues_in_background(harness, monkeypatch):
    """When the DMs take longer than the reply may wait, the moderator is told, and /campaign list shows the counts later."""
    import sys

    monkeypatch.setattr(sys.modules["cogs.feedback"], "FANOUT_WAIT_SECONDS", 0)  # the module the bot loaded
    c = harness.club
    await harness.configure_defaults()
    reply = await start_campaign(harness, audience=c.member_role)
    assert "still being sent" in reply.text()
    for _ in range(100):
        await harness.fake.settle()
        listing = await harness.fake.slash(c.admin, "campaign list", guild=c.guild)
        if "5 invited, 1 unreachable" in listing.text():
            break
    assert "5 invited, 1 unreachable" in listing.text()


async def test_member_outside_audience_is_refused(harness):
    """A campaign for a role refuses a member without it who clicks the channel announcement."""
    c = harness.club
    await harness.configure_defaults()
    await start_campaign(harness, audience=c.moderator_role)
    announcement = harness.fake.messages_in(c.feedback.id)[-1]
    refused = await harness.fake.click(c.alice, announcement, label="nonym")
    assert refused.modal is None and "only for the members it was sent to" in refused.text()
    allowed = await harness.fake.click(c.moderator, announcement, label="nonym")
    assert allowed.modal is not None
