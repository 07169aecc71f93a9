"""Anonymous polls end to end: the anonymity threshold holds after the close and after a
lowered threshold, a closed poll is sealed, live counts never move while open, and the
edge cases the adversarial test found (out-of-range dates, a results post interrupted by
a stop) are answered properly."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from bot.anonymity import dedupe_key
from tests.e2e.harness import SECRET
from tests.e2e.test_polls import create_poll, fresh, poll_id_of, posted, slash_options


def results_posts(harness, title: str = "Results"):
    """The results posts of the bot in the announcements channel."""
    return [m for m in posted(harness) if m.text().startswith(title)]


async def vote_and_close(harness, voters, *, label="2. Search", **options):
    """An anonymous poll closing in 2 h, ``voters`` clicking ``label``, then the close; returns the poll message.

    ``in 2 hours``, not ``2h``: in a French club ``2h`` is 02:00 (docs: README, "Typing times")."""
    await create_poll(harness, anonymous=True, closes="in 2 hours", **options)
    message = posted(harness)[-1]
    for voter in voters:
        await harness.fake.click(voter, message, label=label)
    await harness.clock.advance(hours=3)
    await harness.fake.settle()
    return message


async def test_closed_anonymous_poll_below_threshold_hides_counts_everywhere(harness):
    """One voter (threshold 5): final message, results post, /poll results and export show the number of voters only."""
    c, fake = harness.club, harness.fake
    await harness.configure_defaults()
    message = await vote_and_close(harness, [c.alice])
    final = fresh(harness, message).text()
    assert "Final results" in final and "Voters: 1" in final
    assert "Results hidden to protect anonymity: fewer than 5 members voted." in final
    assert "1 · 100%" not in final and "█" not in final
    [post] = results_posts(harness)
    assert "Voters: 1" in post.text() and "hidden to protect anonymity" in post.text()
    assert "100%" not in post.text() and not post.attachments
    results = await fake.slash(c.admin, "poll results", guild=c.guild, poll=poll_id_of(message))
    assert "Voters: 1" in results.text() and "100%" not in results.text() and not results.files
    export = await fake.slash(c.admin, "poll export", guild=c.guild, poll=poll_id_of(message))
    assert not export.files
    assert "closed with 1 voter(s), fewer than 5: its results stay hidden to protect anonymity" in export.text()


async def test_closed_anonymous_poll_below_threshold_hides_counts_in_french(harness):
    """The same in French: the club's language for the messages, the moderator's for the replies."""
    c, fake = harness.club, harness.fake
    await harness.configure_defaults()
    await harness.set_club(language="fr")
    message = await vote_and_close(harness, [c.alice, c.bob])
    final = fresh(harness, message).text()
    assert "Votants\u202f: 2" in final and "Résultats masqués pour protéger l'anonymat\u202f: moins de 5 membres ont voté." in final
    assert "█" not in final
    [post] = results_posts(harness, "Résultats")
    assert "Résultats masqués" in post.text() and not post.attachments
    export = await fake.slash(c.admin, "poll export", guild=c.guild, poll=poll_id_of(message), locale="fr")
    assert not export.files and "s'est fermé avec 2 votant(s), moins de 5" in export.text()
    results = await fake.slash(c.admin, "poll results", guild=c.guild, poll=poll_id_of(message), locale="fr")
    assert "Votants\u202f: 2" in results.text() and "Résultats masqués" in results.text() and not results.files


async def test_closed_anonymous_poll_at_threshold_shows_counts(harness):
    """Five voters (threshold 5): the close shows counts, a chart, and the export has them."""
    c, fake = harness.club, harness.fake
    await harness.configure_defaults()
    message = await vote_and_close(harness, [c.alice, c.bob, c.carol, c.moderator, c.admin])
    assert "5 · 100%" in fresh(harness, message).text()
    [post] = results_posts(harness)
    assert "5 · 100%" in post.text() and post.attachments
    export = await fake.slash(c.admin, "poll export", guild=c.guild, poll=poll_id_of(message))
    assert "2,Search,5" in export.file_bytes(0).decode("utf-8-sig")


async def test_lowering_the_threshold_after_the_close_reveals_nothing(harness):
    """Three voters under threshold 5; the moderators then lower it to 3: the poll's counts stay hidden."""
    c, fake = harness.club, harness.fake
    await harness.configure_defaults()
    message = await vote_and_close(harness, [c.alice, c.bob, c.carol])
    await harness.set_club(anonymity_threshold=3)
    results = await fake.slash(c.admin, "poll results", guild=c.guild, poll=poll_id_of(message))
    assert "3 · 100%" not in results.text() and "fewer than 5 members voted" in results.text()
    export = await fake.slash(c.admin, "poll export", guild=c.guild, poll=poll_id_of(message))
    assert not export.files


async def test_lowering_the_threshold_while_open_reveals_nothing(harness):
    """Members voted on a poll announced under threshold 5; lowered to 3 before the close, the close still hides 3 voters."""
    c, fake = harness.club, harness.fake
    await harness.configure_defaults()
    await create_poll(harness, anonymous=True, closes="2h")
    [message] = posted(harness)
    for voter in (c.alice, c.bob, c.carol):
        await fake.click(voter, message, label="2. Search")
    await harness.set_club(anonymity_threshold=3)
    await harness.clock.advance(hours=3)
    await fake.settle()
    final = fresh(harness, message).text()
    assert "3 · 100%" not in final and "fewer than 5 members voted" in final
    # a poll created under the new threshold uses it
    later = await vote_and_close(harness, [c.alice, c.bob, c.carol])
    assert "3 · 100%" in fresh(harness, later).text()


async def test_closed_anonymous_poll_is_sealed(harness):
    """After the close, the database and the secret together no longer tell who voted what; counts and voters stay."""
    c = harness.club
    await harness.configure_defaults()
    voters = [c.alice, c.bob, c.carol, c.moderator, c.admin]
    await create_poll(harness, anonymous=True, closes="2h", max_choices=2)
    [message] = posted(harness)
    for voter, label in zip(voters, ["1. Export", "2. Search", "3. Reports", "1. Export", "2. Search"], strict=True):
        await harness.fake.click(voter, message, label=label)
        await harness.fake.click(voter, fresh(harness, message), label="3. Reports" if label != "3. Reports" else "1. Export")
    db_path = harness.settings.database_path
    keys = {dedupe_key(SECRET, "poll:1", u.id) for u in voters}
    with sqlite3.connect(db_path) as db:
        assert keys <= {r[0] for r in db.execute("SELECT voter FROM poll_votes WHERE poll_id = 1")}  # the check is real
    await harness.clock.advance(hours=3)
    await harness.fake.settle()
    await harness.stop()
    with sqlite3.connect(db_path) as db:
        stored = {r[0] for r in db.execute("SELECT voter FROM poll_votes WHERE poll_id = 1")}
        counts = dict(db.execute("SELECT position, count(*) FROM poll_votes WHERE poll_id = 1 GROUP BY position"))
    raw = db_path.read_bytes()
    wal = db_path.with_name(db_path.name + "-wal")
    raw += wal.read_bytes() if wal.exists() else b""
    await harness.start()
    assert not keys & stored, "a voter's key survived the close"
    assert not any(k.encode() in raw for k in keys), "a voter's key is still in the database files"
    assert counts == {1: 3, 2: 2, 3: 5}
    # Percentages are of the 5 voters (each picked two choices), not of the 10 selections.
    assert "Voters: 5" in fresh(harness, message).text() and "3 · 60%" in fresh(harness, message).text()
    reply = await harness.fake.click(c.alice, fresh(harness, message), label="1. Export")
    assert "closed" in reply.text() and "Your vote" not in reply.text()


async def test_public_poll_keeps_its_voters_after_the_close(harness):
    """A public poll is not sealed: its export still lists who voted what."""
    c, fake = harness.club, harness.fake
    await harness.configure_defaults()
    await create_poll(harness, anonymous=False, closes="2h")
    [message] = posted(harness)
    await fake.click(c.alice, message, label="2. Search")
    await harness.clock.advance(hours=3)
    export = await fake.slash(c.admin, "poll export", guild=c.guild, poll=poll_id_of(message))
    assert str(c.alice.id) in export.file_bytes(0).decode("utf-8-sig")


async def test_vote_peek_unvote_shows_no_counts(harness):
    """A live anonymous poll: the fifth voter sees no counts of the four others, and un-voting changes nothing to see."""
    c, fake = harness.club, harness.fake
    await harness.configure_defaults()
    await create_poll(harness, anonymous=True, max_choices=2, show_results="live")
    [message] = posted(harness)
    for voter, label in zip([c.alice, c.bob, c.carol, c.moderator], ["1. Export", "1. Export", "2. Search", "1. Export"],
                            strict=True):
        await fake.click(voter, message, label=label)
    await harness.clock.advance(seconds=10)
    await fake.click(c.admin, fresh(harness, message), label="3. Reports")
    await harness.clock.advance(seconds=10)
    peek = fresh(harness, message).text()
    assert "3 · 60%" not in peek and "█" not in peek and "Voters: 5" in peek
    await fake.click(c.admin, fresh(harness, message), label="3. Reports")  # un-vote
    await harness.clock.advance(seconds=10)
    assert "█" not in fresh(harness, message).text()


def patches_of(harness, message) -> int:
    """How many PATCH requests the bot sent on ``message`` (its edits, as Discord saw them)."""
    path = f"/channels/{message.channel_id}/messages/{message.id}"
    return sum(1 for method, p in harness.fake.requests if method == "PATCH" and p.endswith(path))


async def test_moving_a_vote_edits_nothing_a_new_voter_does(harness):
    """A live anonymous poll: a voter moving their vote sends no edit of the message at all; a new voter's edit comes after the refresh."""
    c, fake = harness.club, harness.fake
    await harness.configure_defaults()
    await create_poll(harness, anonymous=True, show_results="live")
    [message] = posted(harness)
    await fake.click(c.alice, message, label="1. Export")
    await harness.clock.advance(seconds=5)
    await fake.settle()
    assert patches_of(harness, message) == 1 and "Voters: 1" in fresh(harness, message).text()
    moved = await fake.click(c.alice, fresh(harness, message), label="3. Reports")
    assert "Your vote: **3.** Reports." in moved.text()
    await harness.clock.advance(seconds=60)
    await fake.settle()
    assert patches_of(harness, message) == 1
    await fake.click(c.bob, fresh(harness, message), label="2. Search")
    await fake.settle()
    assert patches_of(harness, message) == 1  # not in the click's path
    await harness.clock.advance(seconds=5)
    await fake.settle()
    assert patches_of(harness, message) == 2 and "Voters: 2" in fresh(harness, message).text()


@pytest.mark.parametrize("options,field", [
    ({"opens": "9999-12-31 23:59"}, "opens"),
    ({"opens": "0001-01-01 00:00"}, "opens"),
    ({"closes": "0001-01-01 00:00"}, "closes"),
])
async def test_out_of_range_dates_name_the_field(harness, options, field):
    """Dates at the ends of datetime's range give a message naming the field, not "Something went wrong"."""
    c, fake = harness.club, harness.fake
    await harness.configure_defaults()
    reply = await slash_options(fake, c.admin, "poll create", guild=c.guild, options=options)
    assert reply.modal is None and "Something went wrong" not in reply.text()
    assert f"**{field}**" in reply.text(), reply.text()


async def test_out_of_range_date_in_french(harness):
    """In French the message names the French field."""
    c, fake = harness.club, harness.fake
    await harness.configure_defaults()
    reply = await slash_options(fake, c.admin, "poll create", guild=c.guild, locale="fr",
                                options={"opens": "9999-12-31 23:59"})
    assert reply.modal is None and "**ouverture**" in reply.text(), reply.text()


async def test_results_post_interrupted_by_a_stop_is_posted_at_the_next_start(harness):
    """The bot stops while the results post waits out a 429: the next start posts it, once."""
    fake = harness.fake
    await harness.configure_defaults()
    await create_poll(harness, anonymous=False, closes="2h")
    fake.inject_429("POST", r"/channels/\d+/messages$", retry_after=3.0, times=3)
    advance = asyncio.create_task(harness.clock.advance(hours=2, minutes=1))
    await asyncio.sleep(0.7)
    await harness.stop()
    advance.cancel()
    try:
        await advance
    except BaseException:  # cancelled, or the stopped bot's error: either way the post did not happen
        pass
    await harness.start()
    await harness.clock.advance(minutes=5)
    await fake.settle()
    assert len(results_posts(harness)) == 1
    await harness.restart()
    await harness.clock.advance(hours=1)
    await fake.settle()
    assert len(results_posts(harness)) == 1
