"""Polls end to end through the fake Discord: moderators create and manage, members vote,
time moves on the injected clock, and the bot restarts on the same database."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from tests.fakediscord import CommandNotAvailable


async def slash_options(fake, user, path, *, guild, locale=None, options):
    """``fake.slash`` with the options in a dict (``/poll create`` has an option named ``channel``)."""
    return await fake.slash(user, path, guild=guild, locale=locale, options=options)


async def create_poll(harness, user=None, *, question="Which feature hurts most?", choices="Export\nSearch\nReports",
                      description="", locale=None, **options):
    """/poll create as ``user`` (default: the admin), then fill the modal; returns the modal's reply."""
    c = harness.club
    user = user or c.admin
    reply = await slash_options(harness.fake, user, "poll create", guild=c.guild, locale=locale, options=options)
    assert reply.modal is not None, reply.text()
    values = {"question": question, "choices": choices}
    if description:
        values["description"] = description
    return await harness.fake.submit_modal(user, reply, values, locale=locale)


def posted(harness, channel=None):
    """Messages the bot posted in a channel (default: announcements), oldest first."""
    return harness.fake.messages_in((channel or harness.club.announcements).id)


def fresh(harness, message):
    """The message as members see it now (after the bot's edits)."""
    return harness.fake.messages[message.id]


def poll_id_of(message) -> int:
    """The poll id in a vote button's custom_id."""
    return int(message.buttons()[0]["custom_id"].split(":")[2])


async def test_create_open_poll_and_vote(harness):
    """A moderator creates a poll; a member clicks a choice and privately sees their vote and the closing time."""
    await harness.configure_defaults()
    c = harness.club
    done = await create_poll(harness, anonymous=False, description="Be honest **please**")
    assert done.ephemeral and "is open in" in done.text()
    [message] = posted(harness)
    assert [b["label"] for b in message.buttons()] == ["1. Export", "2. Search", "3. Reports"]
    assert "Be honest \\*\\*please\\*\\*" in message.text()
    vote = await harness.fake.click(c.alice, message, label="2. Search")
    assert vote.ephemeral and "Your vote: **2.** Search" in vote.text() and ":R>" in vote.text()


async def test_create_in_french_with_every_option(harness):
    """A French moderator creates a public weekly poll in another channel: multiple choice, after close, opens 'jeudi 18h', closes after '48h'."""
    await harness.configure_defaults()
    c = harness.club
    await harness.set_club(moderator_role=c.moderator_role)
    harness.fake.allow_command(c.guild, "poll", c.moderator_role)
    done = await create_poll(
        harness, c.moderator, channel=c.general, anonymous=False, max_choices=2, opens="jeudi 18h", closes="48h",
        show_results="after_close", repeat="weekly", question="Quels sujets ?", choices="API\nUX\nPrix",
    )
    text = done.text()
    assert "est programmé" in text and "chaque semaine" in text and "Europe/Paris" in text
    [message] = posted(harness, c.general)
    opens = int(datetime(2026, 12, 3, 17, 0, tzinfo=UTC).timestamp())
    assert f"<t:{opens}:F>" in message.text()
    assert f"<t:{opens + 48 * 3600}:F>" in message.text()
    assert "Up to 2 choices" in message.text() and "Public" in message.text() and "Repeats every week" in message.text()


async def test_single_choice_moves_and_multiple_choice_toggles(harness):
    """Single choice: a second click moves the vote. Multiple choice: clicks toggle up to max_choices, then a clear refusal."""
    await harness.configure_defaults()
    c = harness.club
    await create_poll(harness, anonymous=False)
    await create_poll(harness, anonymous=False, max_choices=2, question="Pick two", choices="A\nB\nC\nD")
    single, multi = posted(harness)
    await harness.fake.click(c.alice, single, label="1. Export")
    moved = await harness.fake.click(c.alice, single, label="3. Reports")
    assert "Your vote: **3.** Reports." in moved.text()
    await harness.fake.click(c.bob, multi, label="1. A")
    both = await harness.fake.click(c.bob, multi, label="4. D")
    assert "**1.** A, **4.** D" in both.text()
    refused = await harness.fake.click(c.bob, multi, label="2. B")
    assert "Vous avez déjà 2 choix" in refused.text() and refused.ephemeral
    removed = await harness.fake.click(c.bob, multi, label="1. A")
    assert "Votre vote\u202f: **4.** D." in removed.text() and "encore en choisir 1" in removed.text()
    await harness.clock.advance(seconds=5)
    assert "`" in fresh(harness, single).text() and "Voters: 1" in fresh(harness, single).text()


async def test_live_results_update_after_a_few_seconds(harness):
    """Live results: counts and bars appear on the poll message a few seconds after the votes, in one edit."""
    await harness.configure_defaults()
    c = harness.club
    await create_poll(harness, anonymous=False, show_results="live")
    [message] = posted(harness)
    for member in (c.alice, c.bob, c.carol):
        await harness.fake.click(member, message, label="1. Export")
    assert "█" not in fresh(harness, message).text()
    await harness.clock.advance(seconds=5)
    assert "3 · 100%" in fresh(harness, message).text()
    assert harness.fake.edit_counts.get(message.id) == 1


async def test_after_close_hides_counts_until_the_close(harness):
    """after_close: nobody sees counts before the close (message, /poll results); at close the message shows them and a chart is posted."""
    await harness.configure_defaults()
    c = harness.club
    await create_poll(harness, anonymous=False, show_results="after_close", closes="2h")
    [message] = posted(harness)
    await harness.fake.click(c.alice, message, label="2. Search")
    await harness.clock.advance(seconds=30)
    assert "█" not in fresh(harness, message).text() and "shown when the poll closes" in fresh(harness, message).text()
    pid = poll_id_of(message)
    hidden = await harness.fake.slash(c.admin, "poll results", guild=c.guild, poll=pid)
    assert "only after it closes" in hidden.text()
    await harness.clock.advance(hours=2)
    final = fresh(harness, message)
    assert "Final results" in final.text() and "1 · 100%" in final.text()
    chart = posted(harness)[-1]
    assert chart.attachments and harness.fake.attachment_bytes(chart.attachments[0]).startswith(b"\x89PNG")


async def test_scheduled_open_and_close_by_moving_the_clock(harness):
    """A poll opening tomorrow refuses votes until then, opens at its instant, and closes at its instant with a chart."""
    await harness.configure_defaults()
    c = harness.club
    await create_poll(harness, anonymous=False, opens="tomorrow 10:00", closes="3h")
    [message] = posted(harness)
    early = await harness.fake.click(c.alice, message, label="1. Export")
    assert "not open yet" in early.text()
    french = await harness.fake.click(c.bob, message, label="1. Export")
    assert "pas encore ouvert" in french.text()
    await harness.clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))  # 10:00 in Paris
    assert "Closes" in fresh(harness, message).text() and "Opens" not in fresh(harness, message).text()
    ok = await harness.fake.click(c.alice, message, label="1. Export")
    assert "Your vote" in ok.text()
    await harness.clock.advance(hours=3)
    assert "Final results" in fresh(harness, message).text()
    assert len(posted(harness)) == 2


async def test_click_on_a_closed_poll_shows_it_is_closed_and_your_vote(harness):
    """After a moderator closes a poll, a click says it is closed and reminds the member of their vote."""
    await harness.configure_defaults()
    c = harness.club
    await create_poll(harness, anonymous=False)
    [message] = posted(harness)
    await harness.fake.click(c.alice, message, label="1. Export")
    closed = await harness.fake.slash(c.admin, "poll close", guild=c.guild, poll=poll_id_of(message))
    assert "final results are posted" in closed.text()
    late = await harness.fake.click(c.alice, fresh(harness, message), label="2. Search")
    assert "This poll is closed" in late.text() and "**1.** Export" in late.text()
    nobody = await harness.fake.click(c.bob, fresh(harness, message), label="2. Search")
    assert "Ce sondage est fermé" in nobody.text()


async def test_close_after_downtime_happens_at_start(harness):
    """The bot is down when a poll should close; a new bot on the same database closes it at start, once."""
    await harness.configure_defaults()
    c = harness.club
    await create_poll(harness, anonymous=False, closes="1h")
    [message] = posted(harness)
    await harness.fake.click(c.alice, message, label="3. Reports")
    await harness.stop()
    await harness.clock.advance(hours=5)
    await harness.start()
    assert "Final results" in fresh(harness, message).text()
    charts = [m for m in posted(harness) if m.attachments]
    assert len(charts) == 1
    await harness.restart()
    assert len([m for m in posted(harness) if m.attachments]) == 1


async def test_overdue_open_happens_at_start(harness):
    """A poll due to open while the bot was down opens at start."""
    await harness.configure_defaults()
    c = harness.club
    await create_poll(harness, anonymous=False, opens="in 1 hour", closes="2 days")
    [message] = posted(harness)
    await harness.stop()
    await harness.clock.advance(hours=2)
    await harness.start()
    vote = await harness.fake.click(c.alice, fresh(harness, message), label="1. Export")
    assert "Your vote" in vote.text()


async def test_buttons_work_after_a_restart(harness):
    """A click after a restart is answered from the database, with the vote kept."""
    await harness.configure_defaults()
    c = harness.club
    await create_poll(harness, max_choices=2)
    [message] = posted(harness)
    await harness.fake.click(c.alice, message, label="1. Export")
    await harness.restart()
    again = await harness.fake.click(c.alice, fresh(harness, message), label="2. Search")
    assert "**1.** Export, **2.** Search" in again.text()


async def test_weekly_poll_keeps_paris_time_across_dst(harness):
    """A weekly poll opening Friday 18:00 Paris before the March change opens again at 18:00 Paris after it."""
    await harness.configure_defaults()
    c = harness.club
    await harness.clock.set(datetime(2027, 3, 22, 12, 0, tzinfo=UTC))
    await create_poll(harness, anonymous=False, opens="2027-03-26 18:00", closes="2027-03-27 18:00", repeat="weekly")
    await harness.clock.set(datetime(2027, 3, 27, 17, 0, tzinfo=UTC))  # first occurrence closes (18:00 CET)
    assert len(posted(harness)) == 2  # the poll and its results
    await harness.clock.set(datetime(2027, 4, 2, 15, 59, tzinfo=UTC))
    assert len(posted(harness)) == 2
    await harness.clock.set(datetime(2027, 4, 2, 16, 0, tzinfo=UTC))  # 18:00 CEST
    second = posted(harness)[-1]
    assert second.buttons() and "Which feature" in second.text()
    closes = int(datetime(2027, 4, 3, 16, 0, tzinfo=UTC).timestamp())
    assert f"<t:{closes}:F>" in second.text()
    vote = await harness.fake.click(c.alice, second, label="1. Export")
    assert "Your vote" in vote.text()


async def test_export_public_poll_lists_voters(harness):
    """A public poll's CSV export has one row per vote with the voter's id; formula cells are neutralised."""
    await harness.configure_defaults()
    c = harness.club
    await create_poll(harness, anonymous=False, choices="=SUM(A1)\n@home\nplain")
    [message] = posted(harness)
    await harness.fake.click(c.alice, message, label="1. =SUM(A1)")
    await harness.fake.click(c.bob, message, label="3. plain")
    reply = await harness.fake.slash(c.admin, "poll export", guild=c.guild, poll=poll_id_of(message))
    assert "2 rows" in reply.text()
    table = list(csv.reader(io.StringIO(reply.file_bytes(0).decode("utf-8-sig"))))
    assert table[0][:3] == ["Voter (Discord id)", "Choice number", "Choice"] and table[0][3].startswith("Voted at (")
    assert {row[0] for row in table[1:]} == {f"<@{c.alice.id}>", f"<@{c.bob.id}>"}
    assert "'=SUM(A1)" in [row[2] for row in table[1:]]


async def test_export_of_a_french_club_in_csv_and_excel(harness):
    """A French club's /sondage exporter: ';' and French headers in the CSV; format xlsx gives a
    workbook with the same rows, the voters' ids as text of every digit."""
    from openpyxl import load_workbook

    await harness.configure_defaults()
    c = harness.club
    await harness.fake.slash(c.admin, "club config set", guild=c.guild, language="fr")
    await create_poll(harness, anonymous=False, choices="=SUM(A1)\nplain")
    [message] = posted(harness)
    await harness.fake.click(c.alice, message, label="1. =SUM(A1)")
    csv_reply = await harness.fake.slash(c.admin, "poll export", guild=c.guild, poll=poll_id_of(message), locale="fr")
    rows = list(csv.reader(io.StringIO(csv_reply.file_bytes(0).decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Votant (identifiant Discord)", "N° du choix", "Choix"] and len(rows[1]) == 4
    assert rows[1][:3] == [f"<@{c.alice.id}>", "1", "'=SUM(A1)"]
    xlsx = await harness.fake.slash(c.admin, "poll export", guild=c.guild, poll=poll_id_of(message), format="xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.file_bytes(0))).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == rows[0] and values[1][:3] == [str(c.alice.id), 1, "=SUM(A1)"]


async def test_export_anonymous_poll_has_no_voter(harness):
    """An anonymous poll's export waits for the close (and the anonymity threshold), then holds counts per choice only, no voter column."""
    await harness.configure_defaults()
    c = harness.club
    await create_poll(harness)
    [message] = posted(harness)
    for member in (c.alice, c.bob, c.carol, c.moderator, c.admin):
        await harness.fake.click(member, message, label="2. Search")
    early = await harness.fake.slash(c.admin, "poll export", guild=c.guild, poll=poll_id_of(message))
    assert "counts show only at its close, and only if at least 5 members voted (now 5)" in early.text()
    assert not early.files
    await harness.fake.slash(c.admin, "poll close", guild=c.guild, poll=poll_id_of(message))
    reply = await harness.fake.slash(c.admin, "poll export", guild=c.guild, poll=poll_id_of(message), locale="fr")
    assert "aucun votant" in reply.text()
    data = reply.file_bytes(0).decode("utf-8-sig")
    assert data.splitlines()[0] == "Choice number,Choice,Votes"  # the club's language (English), not the member's
    assert str(c.alice.id) not in data


async def test_results_list_and_members_view(harness):
    """/poll results shows counts with a chart; /poll list groups polls; /polls shows members the open ones with links."""
    await harness.configure_defaults()
    c = harness.club
    await create_poll(harness, anonymous=False, question="Open poll?")
    await create_poll(harness, anonymous=False, question="Later poll?", opens="in 3 days")
    open_msg, later_msg = posted(harness)
    await harness.fake.click(c.alice, open_msg, label="1. Export")
    results = await harness.fake.slash(c.admin, "poll results", guild=c.guild, poll=poll_id_of(open_msg))
    assert "1 · 100%" in results.text()
    assert results.file_bytes(0).startswith(b"\x89PNG")
    listing = await harness.fake.slash(c.admin, "poll list", guild=c.guild)
    assert "Open" in listing.text() and "Scheduled" in listing.text() and "Later poll?" in listing.text()
    members = await harness.fake.slash(c.bob, "polls", guild=c.guild)
    assert "Sondages ouverts" in members.text() and "Open poll?" in members.text() and "Later poll?" not in members.text()
    assert f"/{open_msg.id})" in members.text()


async def test_autocomplete_and_cancel_scheduled(harness):
    """Autocomplete offers scheduled polls for cancel; cancelling edits the message and removes its buttons."""
    await harness.configure_defaults()
    c = harness.club
    await create_poll(harness, question="Budget 2027?", opens="in 2 days")
    [message] = posted(harness)
    choices = await harness.fake.autocomplete(c.admin, "poll cancel", "poll", guild=c.guild, poll="budget")
    assert [ch["value"] for ch in choices] == [poll_id_of(message)]
    assert "(scheduled)" in choices[0]["name"]
    done = await harness.fake.slash(c.admin, "poll cancel", guild=c.guild, poll=poll_id_of(message))
    assert "is cancelled" in done.text()
    assert fresh(harness, message).buttons() == [] and "cancelled" in fresh(harness, message).text()


async def test_unicode_choices_kept_and_nothing_pings(harness):
    """Emoji, combining marks, right-to-left text, ')' and '|' work; mentions in the text ping nobody."""
    await harness.configure_defaults()
    c = harness.club
    long = "Très long choix " + "é" * 84  # 100 characters: whole in the embed, shortened on its button
    choices = f"🎉 Fête\ne\u0301te\u0301\nעברית\na) b | c\n<@&{c.member_role.id}> @everyone\n{long}"
    await create_poll(harness, anonymous=False, question=f"Quoi ? <@{c.alice.id}>", choices=choices)
    [message] = posted(harness)
    labels = [b["label"] for b in message.buttons()]
    assert labels[:4] == ["1. 🎉 Fête", "2. e\u0301te\u0301", "3. עברית", "4. a) b | c"]
    assert len(labels[5]) == 80 and labels[5].endswith("…") and long in message.text()
    assert message.data.get("mention_everyone") is False
    assert not message.data.get("mentions") and not message.data.get("mention_roles")
    vote = await harness.fake.click(c.alice, message, label="4. a) b | c")
    assert "a\\) b \\| c" in vote.text()


async def test_members_cannot_see_or_use_poll_commands(harness):
    """/poll is hidden from members, and refused in code when a server admin lets everyone use it."""
    await harness.configure_defaults()
    c = harness.club
    with pytest.raises(CommandNotAvailable):
        await harness.fake.slash(c.alice, "poll list", guild=c.guild)
    harness.fake.allow_command(c.guild, "poll")
    refused = await harness.fake.slash(c.alice, "poll create", guild=c.guild)
    assert refused.modal is None and "Only the club's moderators" in refused.text()
    french = await harness.fake.slash(c.bob, "poll list", guild=c.guild)
    assert "Seuls les modérateurs" in french.text()


async def test_synced_poll_commands_fit_and_are_translated(harness):
    """/poll fits Discord's 8,000-character budget and has French names."""
    from tests.fakediscord import validate

    poll = next(cmd for cmd in harness.fake.global_commands if cmd["name"] == "poll")
    assert validate.budget(poll) <= 8000
    assert poll["name_localizations"]["fr"] == "sondage"
    create = next(o for o in poll["options"] if o["name"] == "create")
    assert create["name_localizations"]["fr"] == "créer"


async def test_monthly_and_quarterly_polls_schedule_their_next_occurrence(harness):
    """A monthly poll closed early is followed by one a month later; a quarterly one three months later."""
    await harness.configure_defaults()
    c = harness.club
    monthly = await create_poll(harness, question="Monthly mood", closes="3 days", repeat="monthly")
    assert "every month" in monthly.text()
    quarterly = await create_poll(harness, question="Quarterly check", closes="3 days", repeat="quarterly", locale="fr")
    assert "chaque trimestre" in quarterly.text()
    first, second = posted(harness)
    for message in (first, second):
        await harness.fake.slash(c.admin, "poll close", guild=c.guild, poll=poll_id_of(message))
    listing = (await harness.fake.slash(c.admin, "poll list", guild=c.guild)).text()
    month = int(datetime(2026, 12, 30, 9, 0, tzinfo=UTC).timestamp())
    quarter = int(datetime(2027, 2, 28, 9, 0, tzinfo=UTC).timestamp())
    assert "Monthly mood](" not in listing.split("Scheduled")[1].split("Recently")[0]  # not posted before it opens
    assert f"Monthly mood — opens <t:{month}:R>" in listing
    assert f"Quarterly check — opens <t:{quarter}:R>" in listing
