"""Meetings over time through the fake Discord: reminders (archived thread, closed DMs),
start and end, archiving, restarts, downtime catch-up, a quarterly series across DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.meetings.e2e import START_AT, announcement, create_meeting, slash_options, thread_id, thread_texts


@pytest.fixture
async def club(harness):
    """The harness with the club's channels and moderator role configured."""
    await harness.configure_defaults()
    return harness


def reminders(h, post) -> list[str]:
    """Reminder messages in an announcement's thread."""
    return [t for t in thread_texts(h, post) if "Reminder" in t or "Rappel" in t]


async def rsvp_with_reminder(h, user, post, label="Going"):
    """Click an RSVP button then switch Remind me on."""
    reply = await h.fake.click(user, post, label=label)
    await h.fake.click(user, reply.message, label="Remind me")


async def test_reminders_in_archived_thread_and_dms_with_closed_ones(club):
    """At each offset the reminder goes to the thread (unarchived) and to members who asked; closed DMs are counted
    and reported to moderators in /meeting list."""
    h, c = club, club.club
    await create_meeting(h, location="https://meet.example/club")
    post = announcement(h)
    await rsvp_with_reminder(h, c.alice, post)
    await rsvp_with_reminder(h, c.carol, post)  # DMs closed
    await h.fake.click(c.bob, post, label="Maybe")  # no reminder asked
    thread = h.fake.channels[thread_id(h, post)]
    await h.fake.archive_thread(thread)
    await h.clock.set(START_AT - timedelta(hours=24))
    assert not thread.archived
    (first,) = reminders(h, post)
    assert f"<t:{int(START_AT.timestamp())}:R>" in first and "https://meet.example/club" in first and "late" not in first
    assert len(h.fake.dms_to(c.alice)) == 1 and "Reminder" in h.fake.dms_to(c.alice)[0].text()
    assert not h.fake.dms_to(c.bob)
    listed = await h.fake.slash(c.admin, "meeting list", guild=c.guild)
    assert "1 reminder(s) sent · DMs: 1 delivered, 1 could not be reached" in listed.text()
    await h.clock.set(START_AT - timedelta(hours=1))
    assert len(reminders(h, post)) == 2 and len(h.fake.dms_to(c.alice)) == 2
    french = await h.fake.slash(c.admin, "meeting list", guild=c.guild, locale="fr")
    assert "2 rappel(s) envoyé(s) · messages privés\u202f: 2 remis, 2 injoignables" in french.text()


async def test_reminders_in_french_club(club):
    """A French club gets its reminders in French."""
    h = club
    await h.set_club(language="fr")
    await create_meeting(h, reminders="30m")
    await h.clock.set(START_AT - timedelta(minutes=30))
    assert reminders(h, announcement(h))[0].startswith("⏰ Rappel")


async def test_start_end_survey_hook_and_archive(club):
    """Start: 'starting now', RSVP closed; end: closing message, Going members handed to the survey hook; archived a day later."""
    h, c = club, club.club
    await create_meeting(h, duration="2h", reminders="none")
    post = announcement(h)
    await h.fake.click(c.alice, post, label="Going")
    await h.fake.click(c.bob, post, label="Going")
    await h.fake.click(c.carol, post, label="Maybe")
    ended = []

    async def hook(guild_id, occurrence, attendees):
        ended.append((guild_id, occurrence.title, sorted(attendees)))

    h.bot.services.meetings.on_meeting_ended = hook
    (event,) = c.guild.scheduled_events.values()
    assert event["status"] == 1
    await h.clock.set(START_AT)
    assert any("is starting now" in t for t in thread_texts(h, post))
    fresh = announcement(h)
    assert "In progress" in fresh.text() and not fresh.buttons()
    assert event["status"] == 2  # the mirrored scheduled event is active
    await h.clock.set(START_AT + timedelta(hours=2))
    assert any("is over" in t and "2 going" in t for t in thread_texts(h, post))
    assert event["status"] == 3  # and completed at the end
    assert ended == [(c.guild.id, "Club meeting", sorted([c.alice.id, c.bob.id]))]
    assert "This meeting is over" in announcement(h).text()
    thread = h.fake.channels[thread_id(h, post)]
    await h.clock.set(START_AT + timedelta(hours=25))
    assert not thread.archived
    await h.clock.set(START_AT + timedelta(hours=26))
    assert thread.archived


async def test_end_invites_going_members_to_the_feedback_survey(club):
    """At the end the Going members (only them, once) are invited to the feedback capability's anonymous survey."""
    h, c = club, club.club
    await create_meeting(h, reminders="none")
    post = announcement(h)
    await h.fake.click(c.alice, post, label="Going")
    await h.fake.click(c.bob, post, label="Can't go")
    await h.fake.click(c.carol, post, label="Going")  # DMs closed: counted by the feedback fan-out
    await h.clock.set(START_AT + timedelta(hours=1))
    await h.fake.settle()
    (invite,) = h.fake.dms_to(c.alice)
    assert "How was Club meeting?" in invite.text() and "How useful was this meeting?" in invite.text()
    assert [b["label"] for b in invite.buttons()] == ["Answer anonymously"]
    assert not h.fake.dms_to(c.bob)
    await h.restart()
    await h.clock.advance(hours=1)
    assert len(h.fake.dms_to(c.alice)) == 1  # one survey per meeting, even across a restart


async def test_restart_between_creation_and_reminder(club):
    """A restart between creation and the reminder: the new process re-arms it from the database and sends it once."""
    h, c = club, club.club
    await create_meeting(h)
    post = announcement(h)
    await rsvp_with_reminder(h, c.alice, post)
    await h.restart()
    await h.clock.set(START_AT - timedelta(hours=24))
    assert len(reminders(h, post)) == 1 and len(h.fake.dms_to(c.alice)) == 1
    again = await h.fake.click(c.bob, announcement(h), label="Going")  # persistent button after the restart
    assert "Vous participez" in again.text()


async def test_two_quick_restarts_right_after_a_reminder_send_nothing_twice(club):
    """Restarting twice right after a reminder (clock barely moved) does not send it again."""
    h, c = club, club.club
    await create_meeting(h)
    post = announcement(h)
    await rsvp_with_reminder(h, c.alice, post)
    await h.clock.set(START_AT - timedelta(hours=24))
    await h.restart()
    await h.restart()
    await h.clock.advance(minutes=1)
    assert len(reminders(h, post)) == 1 and len(h.fake.dms_to(c.alice)) == 1


async def test_missed_reminder_sent_late_with_a_note(club):
    """Cercle down when a reminder was due: at restart, before the start, it is sent late with a note."""
    h = club
    await create_meeting(h, reminders="2h")
    post = announcement(h)
    await h.stop()
    await h.clock.set(START_AT - timedelta(minutes=30))
    await h.start()
    (late,) = reminders(h, post)
    assert "Sent late: Cercle was offline" in late


async def test_missed_reminder_dropped_after_the_start(club):
    """Cercle down across the reminder and the start: the reminder is dropped, the start message still goes out."""
    h = club
    await create_meeting(h, reminders="1h", duration="2h")
    post = announcement(h)
    await h.stop()
    await h.clock.set(START_AT + timedelta(minutes=15))
    await h.start()
    assert reminders(h, post) == []
    assert any("is starting now" in t for t in thread_texts(h, post))


async def test_quarterly_series_across_both_dst_changes(club):
    """A quarterly 18:00 Paris series created in winter: each next occurrence is announced at 18:00 Paris,
    before and after the spring (March) and autumn (October) changes; each mirrored as a one-off event."""
    h, c = club, club.club
    await create_meeting(h, title="Quarterly club", starts="2027-01-19 18:00", repeat="quarterly", reminders="none")
    expected = [
        datetime(2027, 1, 19, 17, tzinfo=UTC),   # CET
        datetime(2027, 4, 19, 16, tzinfo=UTC),   # CEST (after 28 March)
        datetime(2027, 7, 19, 16, tzinfo=UTC),
        datetime(2027, 10, 19, 16, tzinfo=UTC),  # still CEST
        datetime(2028, 1, 19, 17, tzinfo=UTC),   # CET again (after 31 October)
    ]
    for index, start in enumerate(expected):
        post = announcement(h)
        assert f"<t:{int(start.timestamp())}:F>" in post.text(), index
        events = [e for e in c.guild.scheduled_events.values() if e["scheduled_start_time"].startswith(start.isoformat()[:16])]
        assert len(events) == 1 and events[0].get("recurrence_rule") is None
        await h.clock.set(start + timedelta(hours=1, minutes=1))
    assert len([m for m in h.fake.messages_in(c.meetings.id) if m.embeds]) == len(expected) + 1


async def test_reminder_in_a_locked_archived_thread(club):
    """A thread archived and locked by Discord/moderators is reopened (Manage Threads) for the reminder."""
    h = club
    await create_meeting(h, reminders="1h")
    post = announcement(h)
    thread = h.fake.channels[thread_id(h, post)]
    await h.fake.archive_thread(thread, locked=True)
    await h.clock.set(START_AT - timedelta(hours=1))
    assert len(reminders(h, post)) == 1 and not thread.archived


async def test_gateway_reconnect_around_a_reminder_sends_it_once(club):
    """A gateway reconnect (RESUME) right before and after the reminder does not send it twice."""
    h, c = club, club.club
    await create_meeting(h, reminders="1h")
    post = announcement(h)
    await rsvp_with_reminder(h, c.alice, post)
    await h.fake.gateway.request_reconnect()
    await h.fake.settle()
    await h.clock.set(START_AT - timedelta(hours=1))
    await h.fake.gateway.request_reconnect()
    await h.fake.settle()
    await h.clock.advance(minutes=5)
    assert len(reminders(h, post)) == 1 and len(h.fake.dms_to(c.alice)) == 1


async def test_event_ended_by_a_moderator_does_not_break_the_end(club):
    """A scheduled event a moderator cancelled in Discord meanwhile is left alone (Discord
    would refuse a change of an ended event) and the meeting still ends."""
    h, c = club, club.club
    await create_meeting(h, duration="2h", reminders="none")
    post = announcement(h)
    (event,) = c.guild.scheduled_events.values()
    await h.clock.set(START_AT)
    event["status"] = 4  # cancelled by hand in Discord's UI
    await h.clock.set(START_AT + timedelta(hours=2))
    assert any("is over" in t for t in thread_texts(h, post))
    assert event["status"] == 4  # left alone: Cercle asks nothing Discord would refuse
    assert not [path for _, path, _ in h.fake.errors if "scheduled-events" in path]


async def test_event_deleted_in_discord_is_left_alone(club):
    """A scheduled event a moderator deleted in Discord: the start and the end still run,
    and Cercle does not try to change what is gone."""
    h, c = club, club.club
    await create_meeting(h, duration="1h", reminders="none")
    post = announcement(h)
    c.guild.scheduled_events.clear()
    await h.clock.set(START_AT)
    await h.clock.set(START_AT + timedelta(hours=1, minutes=1))
    texts = thread_texts(h, post)
    assert any("is starting now" in t for t in texts) and any("is over" in t for t in texts)
    assert [method for method, path, _ in h.fake.errors if "scheduled-events" in path] == ["GET", "GET"]


async def test_meeting_missed_entirely_during_downtime_ends_with_its_event_completed(club):
    """Cercle down from before the start to after the end: at restart the scheduled event
    goes active then completed (Discord refuses scheduled → completed), and nothing is refused."""
    h, c = club, club.club
    await create_meeting(h, duration="1h", reminders="none")
    post = announcement(h)
    (event,) = c.guild.scheduled_events.values()
    assert event["status"] == 1
    await h.stop()
    await h.clock.set(START_AT + timedelta(hours=3))
    await h.start()
    assert event["status"] == 3
    assert any("is over" in t for t in thread_texts(h, post))
    assert not [path for _, path, _ in h.fake.errors if "scheduled-events" in path]


async def test_the_scheduled_event_limit_is_explained_in_words(club):
    """A server already holding Discord's 100 scheduled or active events: the meeting is
    created and the moderator reads why no event was made (30038), in their language."""
    h, c = club, club.club
    for n in range(100):
        c.guild.scheduled_events[n + 1] = {"id": str(n + 1), "status": 1, "name": f"event {n}"}
    reply = await create_meeting(h, reminders="none")
    assert "100 scheduled or active events" in reply.text()
    assert announcement(h) is not None and len(c.guild.scheduled_events) == 100
    french = await create_meeting(h, reminders="none", locale="fr")
    assert "100 événements programmés ou en cours" in french.text()


async def test_quarterly_series_from_31_january_falls_on_30_april(club):
    """A quarterly series started on 31 January: April has no 31st, so the next meeting is
    on 30 April (not 31 July), then back to 31 July and 31 October, at 18:00 Paris."""
    h = club
    await create_meeting(h, title="Quarterly club", starts="2027-01-31 18:00", repeat="quarterly", reminders="none")
    expected = [
        datetime(2027, 1, 31, 17, tzinfo=UTC),
        datetime(2027, 4, 30, 16, tzinfo=UTC),
        datetime(2027, 7, 31, 16, tzinfo=UTC),
        datetime(2027, 10, 31, 17, tzinfo=UTC),  # the autumn change is that morning
    ]
    for index, start in enumerate(expected):
        assert f"<t:{int(start.timestamp())}:F>" in announcement(h).text(), index
        await h.clock.set(start + timedelta(hours=1, minutes=1))


async def test_third_tuesday_quarterly_series_keeps_18h_paris_across_dst(club):
    """``repeat: quarterly`` by weekday from the 3rd Tuesday of January: each quarter's 3rd
    Tuesday at 18:00 Paris (17:00 UTC in winter, 16:00 in summer), announced as such in
    the members' language."""
    h, c = club, club.club
    await create_meeting(
        h, title="Club trimestriel", starts="2027-01-19 18:00", repeat="quarterly", repeat_on="weekday", reminders="none"
    )
    first = announcement(h)
    assert "Every quarter, on the 3rd Tuesday" in first.text()
    expected = [
        datetime(2027, 1, 19, 17, tzinfo=UTC),
        datetime(2027, 4, 20, 16, tzinfo=UTC),   # 3rd Tuesday of April, summer time
        datetime(2027, 7, 20, 16, tzinfo=UTC),
        datetime(2027, 10, 19, 16, tzinfo=UTC),
        datetime(2028, 1, 18, 17, tzinfo=UTC),   # winter time again
    ]
    for index, start in enumerate(expected):
        post = announcement(h)
        assert f"<t:{int(start.timestamp())}:F>" in post.text(), index
        events = [e for e in c.guild.scheduled_events.values() if e["scheduled_start_time"].startswith(start.isoformat()[:16])]
        assert len(events) == 1, index
        await h.clock.set(start + timedelta(hours=1, minutes=1))
    await h.set_club(language="fr")
    await create_meeting(
        h, title="Club mensuel", starts="2028-02-23 18:00", repeat="monthly", repeat_on="last_weekday",
        reminders="none", locale="fr",
    )
    assert "Chaque mois, le dernier mercredi" in announcement(h).text()


@pytest.mark.parametrize(
    ("options", "locale", "expected"),
    [
        ({"starts": "2027-01-19 18:00", "repeat": "quarterly", "repeat_on": "last_weekday"}, None,
         "**repeat_on**: “last weekday of the month” needs a start in the month's last seven days"),
        ({"starts": "2027-01-29 18:00", "repeat": "monthly", "repeat_on": "weekday"}, "fr",
         "**répéter_le**\u202f: ce début tombe le 5e jour de ce nom de son mois"),
        ({"starts": "2027-01-19 18:00", "repeat": "weekly", "repeat_on": "weekday"}, None,
         "**repeat_on** applies to monthly, quarterly, semiannual and yearly series only"),
    ],
)
async def test_a_rule_that_cannot_hold_is_refused_before_the_form(club, options, locale, expected):
    """A 5th weekday, a "last" start outside the month's last week, or a weekday rule on a
    weekly series: refused at once, naming the field, in the moderator's language."""
    h, c = club, club.club
    reply = await slash_options(h, c.admin, "meeting create", options, locale=locale)
    assert not reply.modal and expected in reply.text()
    assert not [m for m in h.fake.messages_in(c.meetings.id) if m.embeds]
