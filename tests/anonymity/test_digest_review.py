"""Moderating anonymous text (docs/anonymity.md, "Reviewing digests"), through tests/fakediscord:
by default a digest goes to the moderators first, who approve or hold back each text; a
held-back text is never posted and still counts in the report; the review shows released
texts only (nothing a report does not show); the weekly digest tells the moderators'
channel; a club can switch to automatic digests; the buttons refuse a member. And a feedback
given while the database is busy comes back in the form."""

from __future__ import annotations

import re
import sqlite3

from tests.anonymity.conftest import moderators_channel, people
from tests.e2e.test_feedback import automatic_digests, give

K = 5


async def give_all(harness, count: int, prefix: str = "TXT") -> list:
    users = people(harness)[:count]
    for n, user in enumerate(users):
        await give(harness, user, f"{prefix}{n:02d} about the export module")
    return users


def posted_in(harness, channel) -> str:
    return "\n".join(m.text() for m in harness.fake.messages_in(channel.id))


async def test_a_digest_waits_for_review_and_a_held_back_text_is_never_posted(harness):
    c, fake = harness.club, harness.fake
    await harness.configure_defaults()
    total = 2 * K  # two cohorts released
    await give_all(harness, total)
    markers = [f"TXT{n:02d}" for n in range(total)]
    review = await fake.slash(c.admin, "campaign digest", guild=c.guild)
    assert review.message.ephemeral
    assert "A digest of 10 anonymous texts is ready" in review.text()
    assert "10 texts, 10 to post, 0 held back" in review.text()
    assert not fake.messages_in(c.feedback.id)  # nothing public before the review
    shown = [m for m in markers if m in review.text()]
    assert len(shown) == 4  # the first page: four texts, each with its buttons
    held = await fake.click(c.admin, review.message, label="Hold back #2")
    assert "10 texts, 9 to post, 1 held back" in held.updated.text()
    held_marker = re.search(r"#2 · [^\n]*\n(TXT\d\d)", held.updated.text())[1]
    assert "#2 · Other — held back" in held.updated.text()
    again = await fake.click(c.admin, held.updated, label="Post #2")  # changed their mind, then hold it again
    assert "10 to post, 0 held back" in again.updated.text()
    held = await fake.click(c.admin, again.updated, label="Hold back #2")
    page2 = await fake.click(c.admin, held.updated, label="Next ▶ (2/3)")
    assert sum(m in page2.updated.text() for m in markers) == 4 and "#5 ·" in page2.updated.text()
    page3 = await fake.click(c.admin, page2.updated, label="Next ▶ (3/3)")
    assert sum(m in page3.updated.text() for m in markers) == 2
    fake.allow_command(c.guild, "campaign", c.moderator_role)
    other = await fake.slash(c.moderator, "campaign review", guild=c.guild, locale="en")  # a second moderator
    published = await fake.click(c.admin, page3.updated, label="Publish (9 texts)")
    outcome = published.updated.text()
    assert "Digest posted: 9 anonymous texts" in outcome and "Held back by moderators: 1" in outcome
    public = posted_in(harness, c.feedback)
    assert held_marker not in public
    assert sum(m in public for m in markers) == 9
    report = await fake.slash(c.admin, "campaign report", guild=c.guild)
    assert held_marker in report.text()  # held back from the digest, still read in reports
    late = await fake.click(c.moderator, other.message, label="Publish", locale="en")
    assert "no longer waiting for review" in late.text()  # published once, whoever clicks too
    assert sum(posted_in(harness, c.feedback).count(m) for m in markers) == 9


async def test_review_shows_released_texts_only_and_refuses_members(harness):
    c, fake = harness.club, harness.fake
    await harness.configure_defaults()
    await give_all(harness, K - 1)
    nothing = await fake.slash(c.admin, "campaign digest", guild=c.guild)
    assert "Not posted: 4" in nothing.text() and "TXT" not in nothing.text()
    assert "No digest is waiting for review" in (await fake.slash(c.admin, "campaign review", guild=c.guild)).text()
    await give(harness, people(harness)[K - 1], "TXT04 about the export module")
    taken = await fake.slash(c.admin, "campaign digest", guild=c.guild)
    assert "A digest of 5 anonymous texts is ready" in taken.text()
    fake.allow_command(c.guild, "campaign")  # a member the server lets see /campaign
    refused = await fake.slash(c.alice, "campaign review", guild=c.guild)
    assert "TXT" not in refused.text()
    reopened = await fake.slash(c.moderator, "campaign review", guild=c.guild, locale="en")
    assert sum(f"TXT{n:02d}" in reopened.text() for n in range(K)) == 4  # first page of five
    published = await fake.click(c.moderator, reopened.message, label="Publish", locale="en")
    assert "Digest posted: 5" in published.updated.text()


async def test_the_weekly_digest_tells_the_moderators_channel_and_waits(harness):
    c, fake = harness.club, harness.fake
    await harness.configure_defaults()
    mods = moderators_channel(harness)
    await harness.set_club(moderators_channel=mods)
    await give_all(harness, K)
    await harness.clock.advance(days=7)
    await fake.settle()
    [notice] = fake.messages_in(mods.id)
    assert "5 anonymous texts wait for your review" in notice.text() and "TXT" not in notice.text()
    assert not fake.messages_in(c.feedback.id)
    opened = await fake.click(c.admin, notice, label="Review")
    assert opened.message.ephemeral and sum(f"TXT{n:02d}" in opened.text() for n in range(K)) == 4
    await fake.click(c.admin, opened.message, label="Publish")
    assert sum(f"TXT{n:02d}" in posted_in(harness, c.feedback) for n in range(K)) == 5
    await harness.restart()  # nothing posted twice, no second notice
    await fake.settle()
    assert len(fake.messages_in(mods.id)) == 1
    assert sum(posted_in(harness, c.feedback).count(f"TXT{n:02d}") for n in range(K)) == 5


async def test_a_club_can_switch_to_automatic_digests(harness):
    c, fake = harness.club, harness.fake
    await harness.configure_defaults()
    await automatic_digests(harness)
    await give_all(harness, K)
    await harness.clock.advance(days=7)
    await fake.settle()
    assert sum(f"TXT{n:02d}" in posted_in(harness, c.feedback) for n in range(K)) == 5
    french = await fake.slash(c.admin, "campaign digest-schedule", guild=c.guild, locale="fr", review=True)
    assert "Chaque synthèse attend la relecture d'un modérateur" in french.text()


async def test_a_feedback_given_while_the_database_is_busy_comes_back_in_the_form(harness):
    """Another process holds the database's write lock: the form is acknowledged at once
    (deferred within Discord's 3 s), nothing is stored, and the member gets their text back
    behind "Edit and try again"; once the lock is gone the same text is stored."""
    c, fake = harness.club, harness.fake
    await harness.configure_defaults()
    db = harness.bot.ctx.db
    await db.conn.execute("PRAGMA busy_timeout=100")  # the test's own wait, not the 5 s of production
    blocker = sqlite3.connect(db.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process writing (a backup tool, a second Cercle)
    try:
        modal = await fake.slash(c.alice, "feedback give", guild=c.guild)
        refused = await fake.submit_modal(c.alice, modal, {"text": "BUSYTEXT my careful thoughts", "rating": "7"})
        assert refused.type == 5  # deferred: acknowledged before the database answered
        assert "database is busy" in refused.text() and "nothing was saved" in refused.text()
        assert "BUSYTEXT" not in refused.text()
        reopened = await fake.click(c.alice, refused.message, label="Edit and try again")
        values = {row["components"][0]["custom_id"]: row["components"][0].get("value")
                  for row in reopened.modal["components"]}
        assert values == {"text": "BUSYTEXT my careful thoughts", "rating": "7"}
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    stored = await fake.submit_modal(c.alice, reopened, {})
    assert "receipt" in stored.text().lower()
    assert await db.fetchval("SELECT COUNT(*) FROM feedback_pending WHERE body LIKE 'BUSYTEXT%'") == 1
