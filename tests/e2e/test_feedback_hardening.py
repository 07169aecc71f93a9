"""Anonymous feedback under pressure, end to end: races between digests and withdrawals,
aggregates below the threshold, the wording of the promise, the threshold members were
told, and forms refused for a typo that come back filled in (English and French)."""

from __future__ import annotations

import asyncio

from tests.e2e.test_feedback import answer, automatic_digests, give, last_dm, receipt_of, start_campaign

LONG = "My long, careful text about the export module. " * 20


def _inputs(reply) -> dict[str, str | None]:
    """custom_id → pre-filled value of a modal the bot opened."""
    return {row["components"][0]["custom_id"]: row["components"][0].get("value") for row in reply.modal["components"]}


async def test_withdraw_racing_digest_never_posts_fewer_than_k(harness):
    """A /feedback withdraw racing /campaign digest: the digest posts all k texts or none, never k − 1
    (automatic digests, so that the race is with the post itself)."""
    c, fake = harness.club, harness.fake
    await harness.configure_defaults()
    await automatic_digests(harness)
    codes = []
    for n, user in enumerate([c.alice, c.bob, c.carol, c.moderator, c.admin]):
        codes.append(receipt_of(await give(harness, user, f"DIGESTITEM{n}")))
    digest = await fake.slash(c.admin, "campaign digest", guild=c.guild, wait=False)
    withdraw = await fake.slash(c.alice, "feedback withdraw", guild=c.guild, receipt=codes[0], wait=False)
    for _ in range(200):
        await fake.settle()
        if digest.type and withdraw.type and (digest.followups or digest.message) and withdraw.text():
            break
        await asyncio.sleep(0.01)
    posted = "\n".join(m.text() for m in fake.messages_in(c.feedback.id))
    assert sum(f"DIGESTITEM{i}" in posted for i in range(5)) in (0, 5), posted


async def test_digest_of_four_after_a_withdraw_posts_nothing(harness):
    """Five given, one withdrawn: the digest refuses the four left, and says how many wait."""
    c, fake = harness.club, harness.fake
    await harness.configure_defaults()
    codes = [receipt_of(await give(harness, u, f"ITEM{n}")) for n, u in enumerate(c.members[:5])]
    await fake.slash(c.alice, "feedback withdraw", guild=c.guild, receipt=codes[0])
    reply = await fake.slash(c.admin, "campaign digest", guild=c.guild)
    assert "Not posted: 4" in reply.text()
    assert not any("ITEM" in m.text() for m in fake.messages_in(c.feedback.id))


async def test_painpoints_below_threshold_shows_only_the_total(harness):
    """One feedback (k = 5): /campaign painpoints shows the total only — no category, no week chart, no text."""
    c, fake = harness.club, harness.fake
    await harness.configure_defaults()
    await give(harness, c.alice, "SECRET pain", category="pain_point", rating="2")
    reply = await fake.slash(c.admin, "campaign painpoints", guild=c.guild)
    assert not reply.files and "SECRET" not in reply.text()
    assert "0 feedback(s)" in reply.text() and "⏳ 1 more answer(s) wait" in reply.text()
    assert "pain point(s)" not in reply.text()
    assert not any(name in reply.text() for name in ("Feature request", "Praise", "Other"))
    french = await fake.slash(c.admin, "campaign painpoints", guild=c.guild, locale="fr")
    assert not french.files and "⏳ 1\u00a0réponse(s) de plus attendent" in french.text()
    assert "Demande de fonctionnalité" not in french.text()


async def test_promise_matches_the_rule(harness):
    """Receipts and invitations say "released together with at least k answers (yours
    included)", which is when the report shows texts."""
    c, fake = harness.club, harness.fake
    promise = "released together with at least 5 answers (yours included)"
    await harness.configure_defaults()
    await start_campaign(harness, audience=c.member_role)
    assert promise in last_dm(harness, c.alice).text()
    receipt = await answer(harness, c.alice, last_dm(harness, c.alice), {"q1": "3", "q2": "SHOWN"})
    assert promise in receipt.text() and "others" not in receipt.text()
    french = await give(harness, c.bob, "Un retour", locale="fr")
    assert "publication avec au moins 5\u00a0réponses (la vôtre comprise)" in french.text()
    assert "au moins 5 autres" not in french.text()
    about = await fake.slash(c.alice, "feedback about", guild=c.guild)
    assert promise in about.text()


async def test_feedback_about_in_a_dm_states_the_clubs_threshold(harness):
    """/feedback about typed in a DM promises the k of the member's club (here 8), in English and French."""
    c, fake = harness.club, harness.fake
    await harness.configure_defaults()
    await harness.set_club(anonymity_threshold=8)
    english = await fake.slash(c.alice, "feedback about", locale="en-US")
    assert "released together with at least 8 answers (yours included)" in english.text()
    assert "at least 5 answers" not in english.text()
    french = await fake.slash(c.bob, "feedback about", locale="fr")
    assert "publication avec au moins 8\u00a0réponses (la vôtre comprise)" in french.text()


async def test_give_refused_for_rating_reopens_filled_in(harness):
    """/feedback give with rating "11": the refusal names the rating and a button brings the text back."""
    c, fake = harness.club, harness.fake
    await harness.configure_defaults()
    refused = await give(harness, c.alice, LONG, category="pain_point", rating="11")
    assert "rating" in refused.text() and "careful" not in refused.text()
    assert refused.message.buttons()[0]["label"] == "Edit and try again"
    reopened = await fake.click(c.alice, refused.message, label="Edit and try again")
    assert _inputs(reopened) == {"text": LONG, "rating": "11"}
    done = await fake.submit_modal(c.alice, reopened, {"rating": "8"})
    receipt_of(done)
    count = await harness.bot.ctx.db.fetchval("SELECT COUNT(*) FROM feedback_pending WHERE category = 'pain_point'")
    assert count == 1


async def test_give_refused_in_french_has_the_french_button(harness):
    """Same refusal in French: « Corriger et réessayer »."""
    c, fake = harness.club, harness.fake
    await harness.configure_defaults()
    refused = await give(harness, c.bob, "Mon long texte", rating="onze", locale="fr")
    assert "note" in refused.text()
    assert refused.message.buttons()[0]["label"] == "Corriger et réessayer"
    reopened = await fake.click(c.bob, refused.message, label="Corriger et réessayer", locale="fr")
    assert _inputs(reopened)["text"] == "Mon long texte"


async def test_campaign_answer_refused_reopens_filled_in(harness):
    """A campaign answer with rating "11" keeps its 1,000 characters of text: the form comes back filled in."""
    c, fake = harness.club, harness.fake
    await harness.configure_defaults()
    await start_campaign(harness, audience=c.member_role)
    refused = await answer(harness, c.alice, last_dm(harness, c.alice), {"q1": "11", "q2": LONG})
    assert "question 1" in refused.text()
    reopened = await fake.click(c.alice, refused.message, label="Edit and try again")
    assert _inputs(reopened) == {"q1": "11", "q2": LONG}
    done = await fake.submit_modal(c.alice, reopened, {"q1": "9"})
    receipt_of(done)
    assert await harness.bot.ctx.db.fetchval("SELECT COUNT(*) FROM feedback_pending WHERE campaign_id = 1") == 1


async def test_refused_form_leaves_nothing_in_the_database(harness):
    """The typed text of a refused form is kept only in memory: nothing of it reaches the database."""
    c = harness.club
    await harness.configure_defaults()
    await give(harness, c.alice, "UNSUBMITTED-TEXT", rating="11")
    db = harness.bot.ctx.db
    for (table,) in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'"):
        for row in await db.fetchall(f"SELECT * FROM {table}"):  # noqa: S608 - table names from sqlite_master
            assert "UNSUBMITTED" not in " ".join(str(v) for v in row), table


async def test_campaign_start_refused_question_reopens_filled_in(harness):
    """/campaign start with q1 "0-10:" (no question): the refusal names question 1 and the form comes back."""
    c, fake = harness.club, harness.fake
    await harness.configure_defaults()
    modal = await fake.slash(c.admin, "campaign start", guild=c.guild, title="T", closes="in 3 days")
    careful = "A long careful question " * 4
    refused = await fake.submit_modal(c.admin, modal, {"q1": "0-10:", "q2": careful})
    assert "question 1" in refused.text()
    reopened = await fake.click(c.admin, refused.message, label="Edit and try again")
    assert _inputs(reopened)["q1"] == "0-10:" and _inputs(reopened)["q2"] == careful
    done = await fake.submit_modal(c.admin, reopened, {"q1": "0-10: Happy?"})
    assert "Campaign **#1** started" in done.text() or "#1" in done.text()


async def test_withdrawing_twice_at_once_deletes_once(harness):
    """Two withdrawals of one receipt at once: one says deleted, the other that the code matches nothing."""
    c, fake = harness.club, harness.fake
    await harness.configure_defaults()
    code = receipt_of(await give(harness, c.alice, "to withdraw"))
    replies = await asyncio.gather(
        fake.slash(c.alice, "feedback withdraw", guild=c.guild, receipt=code),
        fake.slash(c.alice, "feedback withdraw", guild=c.guild, receipt=code),
    )
    texts = sorted(r.text() for r in replies)
    assert sum("was deleted" in t for t in texts) == 1, texts
    assert sum("No answer matches this receipt code" in t for t in texts) == 1, texts


async def test_lowering_the_threshold_keeps_campaign_answers_hidden(harness):
    """Three answers given under k = 5, then the club lowers k to 3: report and export stay hidden until 5 answers."""
    c, fake = harness.club, harness.fake
    await harness.configure_defaults()
    await start_campaign(harness, audience=c.member_role, release="live")
    for n, user in enumerate([c.alice, c.bob, c.moderator]):
        await answer(harness, user, last_dm(harness, user), {"q1": "3", "q2": f"HIDDEN{n}"})
    await harness.set_club(anonymity_threshold=3)
    report = await fake.slash(c.admin, "campaign report", guild=c.guild, campaign=1)
    assert "HIDDEN" not in report.text() and "⏳ 3 more answer(s) wait" in report.text()
    assert "at least 5 at a time" in report.text()
    french = await fake.slash(c.admin, "campaign report", guild=c.guild, campaign=1, locale="fr")
    assert "HIDDEN" not in french.text() and "au moins 5 à la fois" in french.text()
    export = await fake.slash(c.admin, "campaign export", guild=c.guild, campaign=1)
    assert not export.files and "threshold is 5" in export.text()
    late = await answer(harness, c.admin, last_dm(harness, c.admin), {"q1": "4", "q2": "HIDDEN3"})
    assert "at least 5 answers (yours included)" in late.text()  # the receipt keeps the campaign's promise
    await answer(harness, c.carol, fake.messages_in(c.feedback.id)[-1], {"q1": "5", "q2": "HIDDEN4"})
    shown = await fake.slash(c.admin, "campaign report", guild=c.guild, campaign=1)
    assert all(f"HIDDEN{i}" in shown.text() for i in range(5))


async def test_lowering_the_threshold_keeps_spontaneous_feedback_hidden(harness):
    """Three feedbacks given under k = 5, then k = 3: report, painpoints, export and digest still wait for 5
    (automatic digests)."""
    c, fake = harness.club, harness.fake
    await harness.configure_defaults()
    await automatic_digests(harness)
    for n, user in enumerate([c.alice, c.bob, c.carol]):
        await give(harness, user, f"SPONT{n}", category="pain_point")
    await harness.set_club(anonymity_threshold=3)
    report = await fake.slash(c.admin, "campaign report", guild=c.guild)
    assert "SPONT" not in report.text() and "at least 5 at a time" in report.text()
    pains = await fake.slash(c.admin, "campaign painpoints", guild=c.guild)
    assert "SPONT" not in pains.text() and not pains.files
    export = await fake.slash(c.admin, "campaign export", guild=c.guild)
    assert not export.files and "threshold is 5" in export.text()
    digest = await fake.slash(c.admin, "campaign digest", guild=c.guild)
    assert "Not posted: 3" in digest.text() and "threshold is 5" in digest.text()
    assert not any("SPONT" in m.text() for m in fake.messages_in(c.feedback.id))
    for n, user in enumerate([c.moderator, c.admin], start=3):
        await give(harness, user, f"SPONT{n}", category="pain_point")
    assert "Digest posted: 5" in (await fake.slash(c.admin, "campaign digest", guild=c.guild)).text()


async def test_raising_the_threshold_applies_to_what_waits_and_hides_nothing_released(harness):
    """Changing k never hides what was released (docs/anonymity.md, "Cohorts"); a higher k applies to the
    answers still waiting: the next cohort needs the higher k."""
    c, fake = harness.club, harness.fake
    await harness.configure_defaults()
    await harness.set_club(anonymity_threshold=3)
    await start_campaign(harness, audience=c.member_role, release="live")
    for n, user in enumerate([c.alice, c.bob, c.moderator]):
        await answer(harness, user, last_dm(harness, user), {"q1": "3", "q2": f"TXT{n}"})
    assert "TXT0" in (await fake.slash(c.admin, "campaign report", guild=c.guild, campaign=1)).text()
    await harness.set_club(anonymity_threshold=5)
    report = (await fake.slash(c.admin, "campaign report", guild=c.guild, campaign=1)).text()
    assert "TXT0" in report and "TXT2" in report
    await answer(harness, c.admin, last_dm(harness, c.admin), {"q1": "4", "q2": "TXT3"})
    later = (await fake.slash(c.admin, "campaign report", guild=c.guild, campaign=1)).text()
    assert "TXT3" not in later and "⏳ 1 more answer(s) wait" in later and "at least 5 at a time" in later
