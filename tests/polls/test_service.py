"""Poll use-cases against a real SQLite file, a fake clock and a recording port."""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import inspect
import io
from datetime import UTC, datetime, timedelta

import pytest

from bot.actor import USE_CASE_ATTRIBUTE
from bot.context import FeatureService
from bot.errors import Conflict, Forbidden, InvalidInput, NotFound
from bot.polls.render import VOTE_ID
from bot.polls.service import PollService
from bot.scheduler import Scheduler
from tests.actors import SYSTEM, member, moderator
from tests.polls.conftest import CHANNEL, GUILD, MOD, MODERATOR, OTHER_CHANNEL, counts, make_poll, reread

ALICE, BOB, CAROL = 100_000_000_000_000_001, 100_000_000_000_000_002, 100_000_000_000_000_003


def embed_text(port, message_id):
    """The description of the poll message as the port last saw it."""
    return port.messages[message_id].embeds[0].description


async def test_create_open_posts_message_with_buttons(polls, port, clock):
    """An open poll is posted in the announcements channel with one persistent button per choice."""
    poll = await make_poll(polls, anonymous=False)
    assert poll.status == "open" and poll.message_id is not None
    sent = port.of("send_message")[0]
    assert sent.target == CHANNEL
    ids = [b.custom_id for b in sent.message.components]
    assert ids == [VOTE_ID.build(poll=poll.id, position=i) for i in (1, 2, 3)]
    assert all(len(i) <= 100 for i in ids)
    assert poll.closes_at == clock.now() + timedelta(days=7)
    assert polls.scheduler.pending("polls.close")[0].ref == str(poll.id)


async def test_long_choice_shortened_on_button_kept_whole(polls, port, db):
    """A 100-character choice shows shortened with '…' on its button and stays whole in the DB."""
    long = "é" * 100
    poll = await make_poll(polls, choices=f"{long}\nshort")
    button = port.of("send_message")[0].message.components[0]
    assert len(button.label) <= 80 and button.label.endswith("…")
    assert await db.fetchval("SELECT label FROM poll_choices WHERE poll_id = ? AND position = 1", (poll.id,)) == long


async def test_member_text_cannot_ping(polls, port):
    """Mentions and @everyone in the question and choices are neutralised in the embed (labels are never parsed)."""
    poll = await make_poll(polls, question="<@123> @everyone?", choices="<@&5>\n@here")
    msg = port.messages[poll.message_id]
    text = msg.embeds[0].title + msg.embeds[0].description
    assert "@\u200beveryone" in text
    assert "<@123>" not in text and "<@&5>" not in text and "@everyone" not in text and "@here" not in text


async def test_only_moderators_create(polls):
    """A member without Manage Server or the moderator role is refused."""
    with pytest.raises(Forbidden):
        await polls.prepare(member(GUILD, ALICE))


@pytest.mark.parametrize(
    "options,field,key",
    [
        ({"opens": "gibberish words"}, "polls.opens", "error.bad_time"),
        ({"closes": "yesterday"}, "polls.closes", "error.time_in_past"),
        ({"opens": "in 3 days", "closes": "in 2 days"}, "polls.closes", "polls.error.closes_before_opens"),
        ({"closes": "400 days"}, "polls.closes", "error.duration_range"),
        ({"repeat": "weekly", "closes": "10 days"}, "polls.closes", "polls.error.window_too_long"),
        ({"max_choices": 21}, "polls.max_choices", "error.out_of_range"),
        ({"show_results": "never"}, "polls.show_results", "polls.error.bad_option"),
    ],
)
async def test_option_refusals_name_the_field(polls, options, field, key):
    """Each bad option is refused with a message naming its field, in both languages."""
    with pytest.raises(InvalidInput) as info:
        await polls.prepare(MODERATOR, **options)
    assert info.value.key == key and info.value.params["field"] == field
    assert info.value.render("en") != info.value.render("fr")


async def test_no_channel_and_unpostable_channel(ctx, polls, port):
    """Without announcements channel and without `channel`, or in a channel the bot cannot post in, creation is refused."""
    with pytest.raises(InvalidInput) as info:
        await polls.prepare(moderator(GUILD + 1, MOD))
    assert info.value.key == "polls.error.no_channel"
    port.unpostable.add(OTHER_CHANNEL)
    with pytest.raises(InvalidInput) as info:
        await polls.prepare(MODERATOR, channel_id=OTHER_CHANNEL)
    assert info.value.key == "polls.error.cannot_post"


async def test_max_choices_above_choice_count_refused(polls):
    """max_choices 3 with two choices is refused after the modal, naming max_choices."""
    draft = await polls.prepare(MODERATOR, max_choices=3)
    with pytest.raises(InvalidInput) as info:
        await polls.create(MODERATOR, draft, question="Q?", choices="a\nb")
    assert info.value.params["field"] == "polls.max_choices"


async def test_duration_close_and_french_time(polls, clock):
    """`closes: 48h` counts from the opening; `opens: jeudi 18h` is read in the club's zone (Paris)."""
    poll = await make_poll(polls, opens="jeudi 18h", closes="48h")
    assert poll.status == "scheduled"
    assert poll.opens_at == datetime(2026, 12, 3, 17, 0, tzinfo=UTC)
    assert poll.closes_at == poll.opens_at + timedelta(hours=48)


async def test_single_choice_vote_moves(polls):
    """A second click moves a single-choice vote; the count stays one vote."""
    poll = await make_poll(polls)
    first = await polls.click(member(GUILD, ALICE), poll.id, 1)
    assert first.chosen == (1,) and first.action == "set"
    moved = await polls.click(member(GUILD, ALICE), poll.id, 3)
    assert moved.chosen == (3,) and moved.action == "moved"
    assert (await counts(polls, poll.id)).counts == (0, 0, 1)
    assert "<t:" in moved.reply("en") and ":R>" in moved.reply("fr")


async def test_multiple_choice_toggles_and_max(polls):
    """Multiple choice toggles, and a choice over max_choices is refused."""
    poll = await make_poll(polls, max_choices=2)
    await polls.click(member(GUILD, ALICE), poll.id, 1)
    await polls.click(member(GUILD, ALICE), poll.id, 2)
    with pytest.raises(Conflict) as info:
        await polls.click(member(GUILD, ALICE), poll.id, 3)
    assert info.value.key == "polls.error.max_reached"
    removed = await polls.click(member(GUILD, ALICE), poll.id, 1)
    assert removed.chosen == (2,) and removed.action == "removed"
    assert (await counts(polls, poll.id)).counts == (0, 1, 0)


async def test_clicks_on_scheduled_closed_and_missing_polls(polls, clock):
    """Not open yet, closed and gone polls answer with their own refusal."""
    scheduled = await make_poll(polls, opens="in 2 days")
    with pytest.raises(Conflict) as info:
        await polls.click(member(GUILD, ALICE), scheduled.id, 1)
    assert info.value.key == "polls.error.not_open"
    poll = await make_poll(polls, closes="1h")
    await clock.advance(hours=2)
    with pytest.raises(Conflict) as info:
        await polls.click(member(GUILD, ALICE), poll.id, 1)
    assert info.value.key == "polls.error.closed"
    with pytest.raises(NotFound):
        await polls.click(member(GUILD, ALICE), 99999, 1)
    with pytest.raises(NotFound):
        await polls.click(member(GUILD, ALICE), poll.id, 9)


async def test_two_hundred_concurrent_clicks_counted_once_each(polls, port, clock):
    """200 members clicking at once (plus double clicks) give exactly 200 votes and one message edit."""
    poll = await make_poll(polls, anonymous=False)
    members = [ALICE + i for i in range(200)]
    await asyncio.gather(*(polls.click(member(GUILD, m), poll.id, 1 + i % 3) for i, m in enumerate(members)),
                         *(polls.click(member(GUILD, m), poll.id, 1 + i % 3) for i, m in enumerate(members[:50])))
    tally = await counts(polls, poll.id)
    assert tally.total == 200 and tally.voters == 200
    assert port.of("edit_message") == []
    await clock.advance(seconds=5)
    edits = port.of("edit_message")
    assert len(edits) == 1
    assert "Voters: 200" in embed_text(port, poll.message_id)


async def test_live_results_debounced(polls, port, clock):
    """Votes arriving within 5 s cause at most one edit; later votes a new one after 5 s."""
    poll = await make_poll(polls, anonymous=False, show_results="live")
    await polls.click(member(GUILD, ALICE), poll.id, 1)
    await clock.advance(seconds=2)
    await polls.click(member(GUILD, BOB), poll.id, 2)
    await clock.advance(seconds=2)
    assert port.of("edit_message") == []
    await clock.advance(seconds=1)
    assert len(port.of("edit_message")) == 1
    assert "█" in embed_text(port, poll.message_id)
    await clock.advance(seconds=30)
    assert len(port.of("edit_message")) == 1
    await polls.click(member(GUILD, CAROL), poll.id, 3)
    await clock.advance(seconds=5)
    assert len(port.of("edit_message")) == 2


async def test_anonymous_live_poll_shows_counts_only_at_close(polls, port, clock):
    """An anonymous "live" poll shows the number of voters while open, even past the threshold, and its counts only once closed."""
    poll = await make_poll(polls, anonymous=True, show_results="live", closes="1h")
    for n in range(4):
        await polls.click(member(GUILD, ALICE + n), poll.id, 1)
    await clock.advance(seconds=5)
    assert "█" not in embed_text(port, poll.message_id)
    await polls.click(member(GUILD, ALICE + 10), poll.id, 2)
    await clock.advance(seconds=5)
    text = embed_text(port, poll.message_id)
    assert "█" not in text and "Voters: 5" in text and "counts appear when it closes" in text
    await clock.advance(hours=1)
    assert "█" in embed_text(port, poll.message_id)


async def test_anonymous_poll_message_not_edited_when_a_vote_moves(polls, port, clock):
    """An anonymous live poll: a moved vote changes no version and edits nothing; a new voter edits after 5 s."""
    poll = await make_poll(polls, anonymous=True, show_results="live")
    await polls.click(member(GUILD, ALICE), poll.id, 1)
    await clock.advance(seconds=5)
    assert len(port.of("edit_message")) == 1
    version = (await reread(polls, poll.id)).votes_version
    moved = await polls.click(member(GUILD, ALICE), poll.id, 2)
    assert moved.action == "moved" and moved.chosen == (2,)
    await clock.advance(seconds=30)
    assert len(port.of("edit_message")) == 1
    assert (await reread(polls, poll.id)).votes_version == version
    await polls.click(member(GUILD, BOB), poll.id, 3)
    await clock.advance(seconds=4)
    assert len(port.of("edit_message")) == 1
    await clock.advance(seconds=1)
    assert len(port.of("edit_message")) == 2 and "Voters: 2" in embed_text(port, poll.message_id)


async def test_anonymous_poll_leave_and_join_edit_nothing(polls, port, clock):
    """An anonymous live poll: one voter leaving and another joining within one refresh leave the message as it was."""
    poll = await make_poll(polls, anonymous=True, show_results="live", max_choices=2)
    await polls.click(member(GUILD, ALICE), poll.id, 1)
    await clock.advance(seconds=5)
    assert len(port.of("edit_message")) == 1
    await polls.click(member(GUILD, ALICE), poll.id, 1)  # un-vote: 0 voters
    await clock.advance(seconds=2)
    await polls.click(member(GUILD, BOB), poll.id, 2)  # a new voter: 1 again
    await clock.advance(seconds=30)
    assert len(port.of("edit_message")) == 1 and "Voters: 1" in embed_text(port, poll.message_id)
    await polls.click(member(GUILD, CAROL), poll.id, 2)
    await clock.advance(seconds=5)
    assert len(port.of("edit_message")) == 2 and "Voters: 2" in embed_text(port, poll.message_id)


async def test_public_poll_message_edited_when_a_vote_moves(polls, port, clock):
    """A public live poll shows its counts: a moved vote edits the message after 5 s."""
    poll = await make_poll(polls, anonymous=False, show_results="live")
    await polls.click(member(GUILD, ALICE), poll.id, 1)
    await clock.advance(seconds=5)
    await polls.click(member(GUILD, ALICE), poll.id, 2)
    await clock.advance(seconds=5)
    assert len(port.of("edit_message")) == 2


async def test_after_close_hides_counts_until_close(polls, port, clock):
    """With after_close nobody sees counts (message, results, export) before the close; then the message shows them."""
    poll = await make_poll(polls, anonymous=False, show_results="after_close", closes="1h")
    await polls.click(member(GUILD, ALICE), poll.id, 2)
    await clock.advance(seconds=10)
    assert "█" not in embed_text(port, poll.message_id)
    with pytest.raises(Conflict) as info:
        await polls.results(moderator(GUILD, MOD, locale="en"), poll.id)
    assert info.value.key == "polls.error.results_hidden"
    with pytest.raises(Conflict):
        await polls.export(MODERATOR, poll.id)
    await clock.advance(hours=1)
    assert "█" in embed_text(port, poll.message_id)


async def test_scheduled_open_then_close_posts_chart(polls, port, clock):
    """A scheduled poll opens at its instant and closes at its instant with final results and a PNG chart."""
    poll = await make_poll(polls, opens="in 1 day", closes="2h", anonymous=False)
    await clock.advance(hours=23, minutes=59)
    assert (await reread(polls, poll.id)).status == "scheduled"
    await clock.advance(minutes=1)
    assert (await reread(polls, poll.id)).status == "open"
    await polls.click(member(GUILD, ALICE), poll.id, 1)
    await clock.advance(hours=2)
    closed = await reread(polls, poll.id)
    assert closed.status == "closed" and closed.finalized_at is not None
    final = port.messages[poll.message_id]
    assert {b.style for b in final.components} == {"secondary"}
    with pytest.raises(Conflict) as info:
        await polls.click(member(GUILD, ALICE), poll.id, 2)
    assert info.value.key == "polls.error.closed_voted" and "Export" in info.value.render("en")
    chart = port.of("send_message")[-1].message
    assert chart.files[0].data.startswith(b"\x89PNG") and chart.embeds[0].image == chart.files[0].filename
    assert await polls.db.fetchval("SELECT count(*) FROM poll_votes WHERE poll_id = ?", (poll.id,)) == 1


async def test_close_after_downtime_at_start(ctx, polls, port, clock):
    """Closing time passes while the bot is down: a new process closes the poll at start, once."""
    poll = await make_poll(polls, closes="1h")
    await ctx.scheduler.stop()
    await clock.advance(hours=3)
    assert (await reread(polls, poll.id)).status == "open"
    scheduler = Scheduler(ctx.db, clock)
    ctx.scheduler = scheduler
    again = PollService(ctx)
    again.register_jobs()
    await scheduler.start()
    await scheduler.caught_up()
    assert (await reread(again, poll.id)).status == "closed"
    results = [c for c in port.of("send_message") if c.message.embeds[0].title.startswith("Results")]
    assert len(results) == 1
    await scheduler.stop()


async def test_overdue_open_opens_at_start(ctx, polls, clock):
    """A scheduled open missed during downtime happens at start."""
    poll = await make_poll(polls, opens="in 1 hour", closes="1 day")
    await ctx.scheduler.stop()
    await clock.advance(hours=2)
    scheduler = Scheduler(ctx.db, clock)
    ctx.scheduler = scheduler
    again = PollService(ctx)
    again.register_jobs()
    await scheduler.start()
    await scheduler.caught_up()
    assert (await reread(again, poll.id)).status == "open"
    await scheduler.stop()


async def test_weekly_poll_next_occurrence_keeps_paris_time_across_dst(ctx, polls, port, clock):
    """A weekly poll at 18:00 Paris before the March DST change comes back at 18:00 Paris after it."""
    await clock.set(datetime(2027, 3, 22, 12, 0, tzinfo=UTC))
    poll = await make_poll(polls, opens="2027-03-26 18:00", closes="2027-03-27 18:00", repeat="weekly")
    assert poll.opens_at == datetime(2027, 3, 26, 17, 0, tzinfo=UTC)
    await clock.set(datetime(2027, 3, 27, 17, 0, tzinfo=UTC))
    rows = await ctx.db.fetchall("SELECT id, status, opens_at, closes_at FROM polls ORDER BY id")
    assert [r["status"] for r in rows] == ["closed", "scheduled"]
    nxt = await reread(polls, rows[1]["id"])
    assert nxt.opens_at == datetime(2027, 4, 2, 16, 0, tzinfo=UTC)  # 18:00 CEST
    assert nxt.closes_at == datetime(2027, 4, 3, 16, 0, tzinfo=UTC)
    assert nxt.message_id is None
    await clock.set(nxt.opens_at)
    opened = await reread(polls, nxt.id)
    assert opened.status == "open" and opened.message_id is not None


async def test_close_now_and_stop_repeating(ctx, polls):
    """A moderator closes an open recurring poll and stops the series: no next occurrence."""
    poll = await make_poll(polls, repeat="weekly", closes="2 days")
    closed = await polls.close(MODERATOR, poll.id, stop_repeating=True)
    assert closed.status == "closed"
    assert await ctx.db.fetchval("SELECT count(*) FROM polls") == 1
    with pytest.raises(Conflict) as info:
        await polls.close(MODERATOR, poll.id)
    assert info.value.key == "polls.error.already_closed"


async def test_close_recurring_creates_next(ctx, polls):
    """Closing a weekly poll early schedules the next week's occurrence."""
    poll = await make_poll(polls, repeat="weekly", closes="2 days")
    await polls.close(MODERATOR, poll.id)
    nxt = await ctx.db.fetchone("SELECT opens_at, status FROM polls WHERE id != ?", (poll.id,))
    assert nxt["status"] == "scheduled"
    assert nxt["opens_at"] - int(poll.opens_at.timestamp()) == 7 * 86400


async def test_cancel_only_scheduled(polls, port):
    """A scheduled poll can be cancelled (its message says so, without buttons); an open one cannot."""
    scheduled = await make_poll(polls, opens="in 1 day")
    cancelled = await polls.cancel(MODERATOR, scheduled.id)
    assert cancelled.status == "cancelled"
    assert port.messages[scheduled.message_id].components == ()
    assert polls.scheduler.pending("polls.open") == []
    open_poll = await make_poll(polls)
    with pytest.raises(Conflict) as info:
        await polls.cancel(MODERATOR, open_poll.id)
    assert info.value.key == "polls.error.cancel_not_scheduled"
    with pytest.raises(Conflict):
        await polls.click(member(GUILD, ALICE), scheduled.id, 1)


async def test_other_guild_cannot_manage(polls):
    """A poll id from another guild is 'not found' for close, results and export."""
    poll = await make_poll(polls)
    with pytest.raises(NotFound) as info:
        await polls.close(moderator(GUILD + 1, MOD), poll.id)
    assert info.value.params["field"] == "polls.poll"


async def test_export_public_has_voters_and_neutralised_cells(polls):
    """A public poll's export lists voter ids; cells starting with = + - @ are neutralised."""
    poll = await make_poll(polls, anonymous=False, choices="=HYPERLINK(1)\n+plus\n@at\n-minus")
    await polls.click(member(GUILD, ALICE), poll.id, 1)
    await polls.click(member(GUILD, BOB), poll.id, 4)
    exported = await polls.export(MODERATOR, poll.id)
    file, rows = exported.file, exported.rows
    table = list(csv.reader(io.StringIO(file.data.decode("utf-8-sig"))))
    assert table[0] == ["Voter (Discord id)", "Choice number", "Choice", "Voted at (Europe/Paris)"]
    assert rows == 2
    assert {r[0] for r in table[1:]} == {f"<@{ALICE}>", f"<@{BOB}>"}
    assert {r[2] for r in table[1:]} == {"'=HYPERLINK(1)", "'-minus"}


async def test_export_anonymous_has_no_voter_column(polls):
    """An anonymous poll's export (closed, at the threshold) has counts per choice and no voter column."""
    poll = await make_poll(polls, anonymous=True)
    for n in range(5):
        await polls.click(member(GUILD, ALICE + n), poll.id, 2)
    await polls.close(MODERATOR, poll.id)
    exported = await polls.export(MODERATOR, poll.id)
    file = exported.file
    assert exported.rows == 3 and exported.anonymous
    table = list(csv.reader(io.StringIO(file.data.decode("utf-8-sig"))))
    assert table[0] == ["Choice number", "Choice", "Votes"]
    assert table[2] == ["2", "Search", "5"]
    assert str(ALICE) not in file.data.decode()


async def test_results_ephemeral_with_chart(polls):
    """/poll results gives an embed and a PNG chart."""
    poll = await make_poll(polls, anonymous=False)
    await polls.click(member(GUILD, ALICE), poll.id, 1)
    message = await polls.results(moderator(GUILD, MOD, locale="fr"), poll.id)
    assert message.files[0].data.startswith(b"\x89PNG")
    assert "Résultats" in message.embeds[0].title


async def test_lists_and_autocomplete(polls, clock):
    """/poll list groups open, scheduled and recently closed; /polls shows open ones; autocomplete filters."""
    open_poll = await make_poll(polls, question="Open one?")
    scheduled = await make_poll(polls, question="Later one?", opens="in 2 days")
    closed = await make_poll(polls, question="Done one?", closes="1h")
    await clock.advance(hours=2)
    listing = await polls.listing(MODERATOR)
    assert [p.id for p in listing] == [open_poll.id, scheduled.id, closed.id]
    assert [p.id for p in await polls.open_polls(member(GUILD, ALICE))] == [open_poll.id]
    suggestions = await polls.autocomplete(moderator(GUILD, MOD, locale="en"), "later", "cancel")
    assert suggestions == [(f"#{scheduled.id} · Later one? (scheduled)", scheduled.id)]
    assert await polls.autocomplete(moderator(GUILD, MOD, locale="fr"), "", "close") == [(f"#{open_poll.id} · Open one? (ouvert)", open_poll.id)]


async def test_click_from_another_guild_is_gone(polls):
    """A click whose guild is not the poll's guild is answered as a missing poll."""
    poll = await make_poll(polls)
    with pytest.raises(NotFound):
        await polls.click(member(GUILD + 1, ALICE), poll.id, 1)


async def test_moved_anonymous_vote_not_refreshed_after_restart(ctx, polls, port, clock):
    """A vote moved on an anonymous poll just before a stop causes no edit at the next start."""
    poll = await make_poll(polls, anonymous=True, show_results="live")
    await polls.click(member(GUILD, ALICE), poll.id, 1)
    await clock.advance(seconds=5)
    await polls.click(member(GUILD, ALICE), poll.id, 3)
    await ctx.scheduler.stop()
    scheduler = Scheduler(ctx.db, clock)
    ctx.scheduler = scheduler
    again = PollService(ctx)
    again.register_jobs()
    await scheduler.start()
    await clock.advance(seconds=10)
    assert len(port.of("edit_message")) == 1
    await scheduler.stop()


async def test_stale_live_message_refreshed_after_restart(ctx, polls, port, clock):
    """Votes not yet shown when the bot stopped are shown by a refresh at the next start."""
    poll = await make_poll(polls, anonymous=False)
    await polls.click(member(GUILD, ALICE), poll.id, 2)
    await ctx.scheduler.stop()
    scheduler = Scheduler(ctx.db, clock)
    ctx.scheduler = scheduler
    again = PollService(ctx)
    again.register_jobs()
    await scheduler.start()
    await scheduler.caught_up()
    assert len(port.of("edit_message")) == 1
    assert "Voters: 1" in embed_text(port, poll.message_id)
    await scheduler.stop()


async def test_open_anonymous_counts_wait_for_the_close_everywhere(polls):
    """While an anonymous poll is open, /poll results and export refuse, below the threshold and past it; once closed they show the counts."""
    poll = await make_poll(polls, anonymous=True)
    for n in range(4):
        await polls.click(member(GUILD, ALICE + n), poll.id, 1)
    for call in (polls.results(moderator(GUILD, MOD, locale="en"), poll.id),
                 polls.export(MODERATOR, poll.id)):
        with pytest.raises(Conflict) as info:
            await call
        assert info.value.key == "polls.error.below_threshold" and info.value.params["count"] == 4
    await polls.click(member(GUILD, ALICE + 10), poll.id, 2)
    with pytest.raises(Conflict) as info:
        await polls.results(moderator(GUILD, MOD, locale="en"), poll.id)
    assert info.value.params["count"] == 5
    await polls.close(MODERATOR, poll.id)
    message = await polls.results(moderator(GUILD, MOD, locale="en"), poll.id)
    assert "Voters: 5" in message.embeds[0].description and "80%" in message.embeds[0].description


async def test_concurrent_first_clicks_share_one_lookup(ctx, polls, clock, monkeypatch):
    """Fifty simultaneous first clicks on a poll look its metadata up once, and a missing poll is looked up again later."""
    poll = await make_poll(polls, anonymous=False)
    # a second process's service (its own scheduler): nothing cached yet
    fresh_service = PollService(dataclasses.replace(ctx, scheduler=Scheduler(ctx.db, clock)))
    calls = []
    original = PollService._load_meta

    async def counting(self, poll_id):
        calls.append(poll_id)
        return await original(self, poll_id)

    monkeypatch.setattr(PollService, "_load_meta", counting)
    await asyncio.gather(*(fresh_service.click(member(GUILD, ALICE + i), poll.id, 1) for i in range(50)))
    assert calls == [poll.id]
    for _ in range(2):
        with pytest.raises(NotFound):
            await fresh_service.click(member(GUILD, ALICE), poll.id + 100, 1)
    assert calls == [poll.id, poll.id + 100, poll.id + 100]


@pytest.mark.parametrize("options,field,value", [
    ({}, "polls.opens", "the end of time"),  # the default 7 days after the opening
    ({"repeat": "weekly", "closes": "1 day"}, "polls.closes", "1 day"),  # the series keeps local time: +1 h in Paris
])
async def test_out_of_range_instants_name_the_field(polls, monkeypatch, options, field, value):
    """An opening so late that the closing arithmetic leaves datetime's range is a field-named "out of range", in English and French."""
    late = datetime.max.replace(tzinfo=UTC) - timedelta(hours=24, minutes=20)  # + 1 day: 20 min before the end
    monkeypatch.setattr("bot.polls.creating.parse_future_instant", lambda *_a, **_k: late)
    monkeypatch.setattr("bot.polls.creating.parse_duration", lambda *_a, **_k: timedelta(days=1))
    with pytest.raises(InvalidInput) as info:
        await polls.prepare(MODERATOR, opens="the end of time", **options)
    assert info.value.key == "polls.error.out_of_range" and info.value.params["field"] == field
    assert f"“{value}” is out of range" in info.value.render("en")
    assert f"«\u00a0{value}\u00a0» est hors limites" in info.value.render("fr")


USE_CASES = {
    "prepare": "moderator", "create": "moderator", "cancel": "moderator", "close": "moderator",
    "results": "moderator", "export": "moderator", "listing": "moderator", "autocomplete": "moderator",
    "click": "member", "my_choices": "member", "open_polls": "member", "create_open_polls": "system",
}


def test_every_public_coroutine_is_a_classified_use_case():
    """Each public coroutine of the service says who may call it, as listed."""
    found = {
        name: getattr(getattr(PollService, name), USE_CASE_ATTRIBUTE, None)
        for name in dir(PollService)
        if not name.startswith("_") and name not in dir(FeatureService)
        and inspect.iscoroutinefunction(getattr(PollService, name))
    }
    assert found == USE_CASES


@pytest.mark.parametrize("name", [n for n, who in USE_CASES.items() if who == "moderator"])
async def test_moderator_use_cases_refuse_a_member(polls, name):
    """A plain member calling a moderator use-case is refused before anything happens."""
    with pytest.raises(Forbidden):
        await getattr(polls, name)(member(GUILD, ALICE), 1)


async def test_system_use_case_refuses_a_moderator(polls):
    """Only Cercle itself stores polls without posting them."""
    with pytest.raises(Forbidden):
        await polls.create_open_polls(MODERATOR, [])
    assert await polls.create_open_polls(SYSTEM, []) == []


async def test_click_from_a_dm_or_another_guild_finds_nothing(polls):
    """A member's click or own choices outside the poll's guild (another guild, a DM) is answered as a missing poll."""
    poll = await make_poll(polls)
    for actor in (member(None, ALICE), member(GUILD + 1, ALICE)):
        with pytest.raises(NotFound):
            await polls.click(actor, poll.id, 1)
        with pytest.raises(NotFound):
            await polls.my_choices(actor, poll.id)



async def test_a_vote_never_scans_the_schedule_however_many_jobs_are_armed(polls, ctx, monkeypatch):
    """docs/architecture.md, "Scheduler": with 100,000 other jobs armed, a vote and the
    refresh it asks for touch the schedule only by key (counted: no listing, no sort)."""
    poll = await make_poll(polls, anonymous=False, show_results="live")
    for n in range(100_000):
        ctx.scheduler.arm("polls.close", f"other-{n}", ctx.clock.now() + timedelta(days=30, seconds=n))
    listings = []
    original = Scheduler.pending

    def counted(self, kind=None):
        listings.append(kind)
        return original(self, kind)

    monkeypatch.setattr(Scheduler, "pending", counted)
    for voter in (ALICE, BOB, CAROL):
        await polls.click(member(GUILD, voter), poll.id, 1)
    assert listings == []
    assert ctx.scheduler.is_armed("polls.refresh", str(poll.id))


async def test_nobody_voted_no_chart_said_in_the_clubs_language(ctx, polls, port, clock):
    """A poll that closes without a vote posts its results with no chart, saying nobody voted, in French."""
    await ctx.club.update(MODERATOR, locale="fr")
    poll = await make_poll(polls, closes="in 2 hours", anonymous=False)
    await clock.advance(hours=2)
    assert (await reread(polls, poll.id)).finalized_at is not None
    final = port.of("send_message")[-1].message
    assert final.files == () and final.embeds[0].image is None
    assert "Personne n'a voté." in final.embeds[0].description
    message = await polls.results(moderator(GUILD, MOD, locale="en"), poll.id)
    assert message.files == () and "Nobody voted." in message.embeds[0].description


async def test_multiple_choice_percentages_are_of_voters(polls):
    """Two voters choosing two choices each: each chosen choice reads 100 % of voters, not 50 % of selections."""
    poll = await make_poll(polls, max_choices=2, anonymous=False)
    for voter in (ALICE, BOB):
        await polls.click(member(GUILD, voter), poll.id, 1)
        await polls.click(member(GUILD, voter), poll.id, 2)
    message = await polls.results(moderator(GUILD, MOD, locale="en"), poll.id)
    assert message.embeds[0].description.count("2 · 100%") == 2 and "0 · 0%" in message.embeds[0].description
    assert message.files[0].data.startswith(b"\x89PNG")
