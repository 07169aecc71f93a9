"""Meetings end to end through the fake Discord: create, RSVP, remind-me, topics, calendar,
attendees, edit and cancel — as members and moderators would, in English and French."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events

from bot.meetings.service import KIND_REMINDER
from tests.fakediscord import BOT_PERMISSIONS, CommandNotAvailable, P
from tests.meetings.e2e import (
    START_AT,
    announcement,
    create_meeting,
    label_of,
    meeting_id,
    slash_options,
    thread_id,
    thread_texts,
)


@pytest.fixture
async def club(harness):
    """The harness with the club's channels and moderator role configured."""
    await harness.configure_defaults()
    return harness


async def test_create_posts_announcement_thread_and_event(club):
    """Create with every option: announcement with times, location, agenda and RSVP buttons, a thread, an event."""
    h, c = club, club.club
    done = await create_meeting(h, title="Q1 user club", agenda="1. Roadmap\n2. Pain points", duration="90m",
                                location="https://meet.example/club", reminders="48h, 2h", repeat="none")
    assert "Meeting **Q1 user club** created" in done.text() and "A Discord event was created" in done.text()
    post = announcement(h)
    text = post.text()
    ts = int(START_AT.timestamp())
    assert f"<t:{ts}:F>" in text and f"<t:{ts}:R>" in text
    assert "1h30" in text and "https://meet.example/club" in text and "Roadmap" in text
    assert [b["label"] for b in post.buttons()] == ["Going (0)", "Maybe (0)", "Can't go (0)"]
    assert h.fake.channels[thread_id(h, post)].name == "Q1 user club"
    (event,) = c.guild.scheduled_events.values()
    assert event["name"] == "Q1 user club" and event["entity_metadata"]["location"] == "https://meet.example/club"
    assert event["scheduled_start_time"].startswith("2026-12-03T17:00")
    assert event["scheduled_end_time"].startswith("2026-12-03T18:30")
    armed = {a.ref: a.when for a in h.bot.ctx.scheduler.pending(KIND_REMINDER)}
    assert sorted(armed.values()) == [START_AT - timedelta(hours=48), START_AT - timedelta(hours=2)]


async def test_create_in_french_with_voice_channel_and_channel_option(club):
    """A French moderator (role only) types 'jeudi 3 décembre 18h', a voice channel and another channel; all in French."""
    h, c = club, club.club
    h.fake.allow_command(c.guild, "meeting", c.moderator_role)
    await h.set_club(language="fr")
    done = await create_meeting(h, user=c.moderator, title="Réunion du club", starts="jeudi 3 décembre 18h",
                                location=f"<#{c.voice.id}>", channel=c.general, repeat="quarterly")
    assert "Réunion **Réunion du club** créée" in done.text() and "Un événement Discord a été créé" in done.text()
    post = announcement(h, c.general.id)
    assert f"<t:{int(START_AT.timestamp())}:F>" in post.text()
    assert "Chaque trimestre" in post.text() and f"<#{c.voice.id}>" in post.text()
    assert [b["label"] for b in post.buttons()] == ["Présent (0)", "Peut-être (0)", "Absent (0)"]
    (event,) = c.guild.scheduled_events.values()
    assert event["entity_type"] == 2 and int(event["channel_id"]) == c.voice.id


async def test_location_autocomplete_offers_voice_channels(club):
    """Typing in location suggests the server's voice channels."""
    h, c = club, club.club
    choices = await h.fake.autocomplete(c.admin, "meeting create", "location", guild=c.guild, starts="x", location="vocal")
    assert f"<#{c.voice.id}>" in [ch["value"] for ch in choices]


async def test_create_without_event_permission_says_so_and_carries_on(club):
    """Without Manage/Create Events the meeting is created and the moderator is told, in English and French."""
    h, c = club, club.club
    await h.fake.set_bot_permissions(c.guild, BOT_PERMISSIONS & ~(P.MANAGE_EVENTS | P.CREATE_EVENTS))
    await h.fake.settle()
    done = await create_meeting(h)
    assert "could not create a Discord event" in done.text() and "Manage Events" in done.text()
    french = await create_meeting(h, title="Deuxième", locale="fr", starts="2026-12-04 18:00")
    assert "Je n'ai pas pu créer d'événement Discord" in french.text()
    assert not c.guild.scheduled_events
    assert announcement(h).buttons() and thread_texts(h, announcement(h)) == []


@pytest.mark.parametrize(
    ("options", "en", "fr"),
    [
        ({"starts": "sometime soonish"}, "**starts**: I could not read", "**début**\u202f: je n'ai pas compris"),
        ({"starts": "2026-11-01 18:00"}, "**starts** is in the past", "**début** est dans le passé"),
        ({"duration": "2m"}, "**duration** must be between 5 minutes and 3 days",
         "**durée** doit être comprise entre 5 minutes et 3 jours"),
        ({"duration": "forever"}, "**duration**: I could not read", "**durée**\u202f: je n'ai pas compris"),
        ({"reminders": "1m,2m,3m,4m,5m,6m"}, "**reminders**: at most 5 reminders", "**rappels**\u202f: 5 rappels au plus"),
        ({"reminders": "45 days"}, "between 1 minute and 30 days", "entre 1 minute et 30 jours"),
    ],
)
async def test_create_refusals_in_english_and_french(club, options, en, fr):
    """Bad options are refused before the modal with a message naming the field and the limit, in both languages."""
    h, c = club, club.club
    options.setdefault("starts", "2026-12-03 18:00")
    reply = await h.fake.slash(c.admin, "meeting create", guild=c.guild, **options)
    assert not reply.modal and en in reply.text() and reply.ephemeral
    french = await h.fake.slash(c.admin, "meeting create", guild=c.guild, locale="fr", **options)
    assert not french.modal and fr in french.text()
    assert not [m for m in h.fake.messages_in(c.meetings.id) if m.embeds]


async def test_create_refused_in_unpostable_channel_and_without_meetings_channel(harness):
    """No meetings channel set, or a channel the bot cannot post in: refused, naming the channel field."""
    h, c = harness, harness.club
    reply = await h.fake.slash(c.admin, "meeting create", guild=c.guild, starts="2026-12-03 18:00")
    assert "**channel**: no meetings channel" in reply.text()
    french = await h.fake.slash(c.admin, "meeting create", guild=c.guild, locale="fr", starts="2026-12-03 18:00")
    assert "**salon**\u202f: aucun salon de réunions" in french.text()
    options = {"starts": "2026-12-03 18:00", "channel": c.readonly}
    reply = await slash_options(h, c.admin, "meeting create", options)
    assert "I cannot post in" in reply.text() and not reply.modal
    french = await slash_options(h, c.admin, "meeting create", options, locale="fr")
    assert "je ne peux pas publier" in french.text()


async def test_members_cannot_use_moderator_commands(club):
    """/meeting is hidden from members; if an admin opens it to everyone, Cercle still refuses in code (EN and FR)."""
    h, c = club, club.club
    with pytest.raises(CommandNotAvailable):
        await h.fake.slash(c.alice, "meeting create", guild=c.guild, starts="2026-12-03 18:00")
    h.fake.allow_command(c.guild, "meeting")
    reply = await h.fake.slash(c.alice, "meeting create", guild=c.guild, starts="2026-12-03 18:00")
    assert not reply.modal and "Only the club's moderators" in reply.text()
    french = await h.fake.slash(c.bob, "meeting list", guild=c.guild)
    assert "Seuls les modérateurs" in french.text()


async def test_rsvp_change_and_live_counts(club):
    """Members RSVP by button, get an ephemeral status, counts follow; changing the answer moves the count."""
    h, c = club, club.club
    await create_meeting(h)
    post = announcement(h)
    reply = await h.fake.click(c.alice, post, label="Going")
    assert reply.ephemeral and "You're going to **Club meeting**" in reply.text()
    assert "Remind me: off" in [b["label"] for b in reply.message.buttons()]
    french = await h.fake.click(c.bob, post, label="Maybe")
    assert "Vous viendrez peut-être" in french.text()
    post = announcement(h)
    assert (label_of(post, "Going"), label_of(post, "Maybe")) == ("Going (1)", "Maybe (1)")
    await h.fake.click(c.alice, post, label="Can't go")
    post = announcement(h)
    assert (label_of(post, "Going"), label_of(post, "Can't")) == ("Going (0)", "Can't go (1)")
    assert "✅ Going: 0 · ❔ Maybe: 1 · ❌ Can't go: 1" in post.text()


async def test_remind_me_toggle(club):
    """The Remind me button under the ephemeral answer toggles DM reminders on and off."""
    h, c = club, club.club
    await create_meeting(h)
    reply = await h.fake.click(c.alice, announcement(h), label="Going")
    on = await h.fake.click(c.alice, reply.message, label="Remind me")
    assert "I'll remind you by DM" in on.updated.text()
    assert "Remind me: on" in [b["label"] for b in on.updated.buttons()]
    off = await h.fake.click(c.alice, on.updated, label="Remind me")
    assert "No DM reminder" in off.updated.text()


async def test_member_list_and_calendar_file(club):
    """/meetings list shows upcoming meetings with my answer; /meetings calendar gives an .ics parsed back by icalendar."""
    h, c = club, club.club
    await create_meeting(h, title="Roadmap day", location="Paris office")
    await create_meeting(h, title="Weekly sync", starts="2026-12-04 12:00", repeat="weekly")
    await h.fake.click(c.alice, announcement(h, index=0), label="Going")
    listed = await h.fake.slash(c.alice, "meetings list", guild=c.guild)
    assert "Roadmap day" in listed.text() and "your answer: going" in listed.text() and "no answer yet" in listed.text()
    french = await h.fake.slash(c.bob, "meetings list", guild=c.guild)
    assert "Réunions à venir" in french.text() and "pas encore de réponse" in french.text()
    reply = await h.fake.slash(c.alice, "meetings calendar", guild=c.guild)
    assert reply.files and reply.files[0]["filename"].endswith(".ics")
    cal = icalendar.Calendar.from_ical(reply.file_bytes())
    events = list(cal.walk("VEVENT"))
    roadmap = [e for e in events if str(e["SUMMARY"]) == "Roadmap day"]
    assert len(roadmap) == 1 and roadmap[0].decoded("DTSTART") == START_AT
    assert str(roadmap[0]["LOCATION"]) == "Paris office"
    assert str(cal["X-WR-CALNAME"]) == c.guild.name
    masters = [e for e in events if str(e["SUMMARY"]) == "Weekly sync" and "RECURRENCE-ID" not in e]
    assert len(masters) == 1 and str(masters[0]["RRULE"].to_ical().decode()) == "FREQ=WEEKLY;INTERVAL=1"
    shown = recurring_ical_events.of(cal).between(START_AT, START_AT + timedelta(days=364))
    weekly = sorted(e.decoded("DTSTART") for e in shown if str(e["SUMMARY"]) == "Weekly sync")
    assert len(weekly) == 52 and weekly[1] - weekly[0] == timedelta(days=7)
    assert "club's calendar" in reply.text()


async def test_propose_topics_vote_and_ranked_agenda(club):
    """Members propose topics (autocompleted meeting) posted in the thread with an upvote; the organiser sees them ranked."""
    h, c = club, club.club
    await create_meeting(h, title="Roadmap day")
    post = announcement(h)
    choices = await h.fake.autocomplete(c.alice, "meetings propose", "meeting", guild=c.guild, meeting="road",
                                       topic="x")
    assert [ch["value"] for ch in choices] == [meeting_id(post)]
    reply = await h.fake.slash(c.alice, "meetings propose", guild=c.guild, meeting=meeting_id(post),
                               topic="Export to Excel @everyone <@&1>")
    assert "Your topic was posted" in reply.text()
    await h.fake.slash(c.bob, "meetings propose", guild=c.guild, meeting=meeting_id(post), topic="Mode sombre")
    topics = [m for m in h.fake.messages_in(thread_id(h, post)) if m.buttons()]
    assert len(topics) == 2 and topics[0].data["mention_everyone"] is False and "@everyone" not in topics[0].content
    vote = await h.fake.click(c.carol, topics[1], label="Upvote")
    assert vote.ephemeral and "Your vote counts (1 votes)" in vote.text()
    await h.fake.click(c.alice, topics[1], label="Upvote")
    french = await h.fake.click(c.bob, topics[0], label="Upvote")
    assert "Votre vote compte" in french.text()
    undo = await h.fake.click(c.bob, topics[0], label="Upvote")
    assert "taken back" not in undo.text() and "Votre vote a été retiré" in undo.text()
    assert label_of(h.fake.messages[topics[1].id], "Upvote") == "Upvote (2)"
    agenda = await h.fake.slash(c.admin, "meeting agenda", guild=c.guild, meeting=meeting_id(post))
    text = agenda.text()
    assert text.index("Mode sombre") < text.index("Export to Excel") and "**1.** Mode sombre — 2 vote(s)" in text


async def test_topic_too_long_refused_in_both_languages(club):
    """A topic over 500 characters is refused with the limit, in English and French."""
    h, c = club, club.club
    await create_meeting(h)
    mid = meeting_id(announcement(h))
    reply = await h.fake.slash(c.alice, "meetings propose", guild=c.guild, meeting=mid, topic="x" * 501)
    assert "**topic** is too long: 501 characters, the limit is 500" in reply.text()
    french = await h.fake.slash(c.bob, "meetings propose", guild=c.guild, meeting=mid, topic="x" * 501)
    assert "**sujet** est trop long\u202f: 501 caractères, la limite est de 500" in french.text()
    unknown = await h.fake.slash(c.alice, "meetings propose", guild=c.guild, meeting="999999", topic="hello")
    assert "does not exist" in unknown.text()
    unknown_fr = await h.fake.slash(c.bob, "meetings propose", guild=c.guild, meeting="abc", topic="salut")
    assert "n'existe pas" in unknown_fr.text()


async def test_attendees_lists_and_csv(club):
    """/meeting attendees lists who answered what with counts and a CSV file."""
    h, c = club, club.club
    await create_meeting(h)
    post = announcement(h)
    await h.fake.click(c.alice, post, label="Going")
    await h.fake.click(c.bob, post, label="Maybe")
    await h.fake.click(c.carol, post, label="Going")
    reply = await h.fake.slash(c.admin, "meeting attendees", guild=c.guild, meeting=meeting_id(post))
    assert f"going (2): <@{c.alice.id}>, <@{c.carol.id}>" in reply.text() and "can't go (0): nobody" in reply.text()
    rows = list(csv.DictReader(io.StringIO(reply.file_bytes().decode("utf-8-sig"))))
    assert {(r["Member (Discord id)"], r["Answer"]) for r in rows} == {
        (f"<@{c.alice.id}>", "going"), (f"<@{c.bob.id}>", "maybe"), (f"<@{c.carol.id}>", "going")}
    listed = await h.fake.slash(c.admin, "meeting list", guild=c.guild)
    assert "Club meeting" in listed.text() and "Going: 2" in listed.text()


async def test_edit_time_tells_members_and_rearms_reminders(club):
    """Moving a meeting updates announcement, thread and event, DMs Going/Maybe members (closed DMs counted), re-arms reminders."""
    h, c = club, club.club
    await create_meeting(h)
    post = announcement(h)
    await h.fake.click(c.alice, post, label="Going")
    await h.fake.click(c.bob, post, label="Maybe")
    await h.fake.click(c.carol, post, label="Going")
    await h.fake.click(c.admin, post, label="Can't go")
    reply = await h.fake.slash(c.admin, "meeting edit", guild=c.guild, meeting=meeting_id(post), starts="2026-12-05 18:00")
    assert "Meeting updated (starts)" in reply.text() and "2 by DM, 1 could not be reached" in reply.text()
    new_ts = int((START_AT + timedelta(days=2)).timestamp())
    assert f"<t:{new_ts}:F>" in announcement(h).text()
    assert any("has moved" in t and f"<t:{new_ts}:F>" in t for t in thread_texts(h, post))
    assert "has moved" in h.fake.dms_to(c.alice)[-1].text() and "has moved" in h.fake.dms_to(c.bob)[-1].text()
    assert not h.fake.dms_to(c.admin)
    (event,) = c.guild.scheduled_events.values()
    assert event["scheduled_start_time"].startswith("2026-12-05T17:00")
    armed = sorted(a.when for a in h.bot.ctx.scheduler.pending(KIND_REMINDER))
    assert armed == [START_AT + timedelta(days=2, hours=-24), START_AT + timedelta(days=2, hours=-1)]
    await h.clock.set(START_AT + timedelta(days=1))
    assert [t for t in thread_texts(h, post) if "Reminder" in t]


async def test_edit_refusals_in_both_languages(club):
    """Editing with nothing to change, a past time or as a member is refused, in English and French."""
    h, c = club, club.club
    await create_meeting(h)
    mid = meeting_id(announcement(h))
    reply = await h.fake.slash(c.admin, "meeting edit", guild=c.guild, meeting=mid)
    assert "give at least one thing to change" in reply.text()
    french = await h.fake.slash(c.admin, "meeting edit", guild=c.guild, meeting=mid, locale="fr", starts="hier 10h")
    assert "**début** est dans le passé" in french.text()
    h.fake.allow_command(c.guild, "meeting")
    member = await h.fake.slash(c.alice, "meeting edit", guild=c.guild, meeting=mid, title="Hacked")
    assert "Only the club's moderators" in member.text()
    assert "Hacked" not in announcement(h).text()


BIG = "99999999999999999999999"  # beyond SQLite's INTEGER


@pytest.mark.parametrize(
    ("path", "options", "member"),
    [
        ("meeting edit", {"meeting": BIG, "title": "x"}, False),
        ("meeting cancel", {"meeting": BIG}, False),
        ("meeting attendees", {"meeting": BIG}, False),
        ("meeting agenda", {"meeting": BIG}, False),
        ("meeting edit", {"meeting": "-1", "title": "x"}, False),
        ("meeting cancel", {"meeting": "1e3"}, False),
        ("meetings propose", {"meeting": BIG, "topic": "x"}, True),
        ("meetings propose", {"meeting": "424242", "topic": "x"}, True),
    ],
)
async def test_unknown_or_out_of_range_meeting_is_not_found_naming_the_field(club, path, options, member):
    """A meeting id out of range (or unknown) in any command is "no such meeting", naming the field (EN and FR)."""
    h, c = club, club.club
    await create_meeting(h)
    user = c.alice if member else c.admin
    reply = await slash_options(h, user, path, options)
    assert "**meeting**: this meeting does not exist in this club" in reply.text(), reply.text()
    french = await slash_options(h, user, path, options, locale="fr")
    assert "**réunion**\u202f: cette réunion n'existe pas dans ce club" in french.text(), french.text()
    assert "Something went wrong" not in reply.text() + french.text()


@pytest.mark.parametrize("starts", ["0001-01-01 00:00", "9999-12-31 23:59"])
async def test_dates_out_of_range_name_the_starts_field(club, starts):
    """A start at year 1 or 9999 is refused naming the starts field, at create and at edit, in both languages."""
    h, c = club, club.club
    reply = await h.fake.slash(c.admin, "meeting create", guild=c.guild, starts=starts)
    assert not reply.modal and "**starts**" in reply.text() and "Something went wrong" not in reply.text()
    french = await h.fake.slash(c.admin, "meeting create", guild=c.guild, starts=starts, locale="fr")
    assert not french.modal and "**début**" in french.text()
    await create_meeting(h)
    mid = meeting_id(announcement(h))
    edit = await slash_options(h, c.admin, "meeting edit", {"meeting": mid, "starts": starts})
    assert "**starts**" in edit.text() and "Something went wrong" not in edit.text()


async def test_blank_title_keeps_the_typed_agenda(club):
    """A blank title refuses the form naming the field, with a button that reopens it filled in (EN and FR)."""
    h, c = club, club.club
    agenda = "1. Roadmap review\n2. Export module pain points\n" + "Long careful notes. " * 50
    refused = await create_meeting(h, title="   ", agenda=agenda)
    assert "**title** is required" in refused.text() and refused.ephemeral
    assert refused.message.buttons()[0]["label"] == "Edit and try again"
    reopened = await h.fake.click(c.admin, refused.message, label="Edit and try again")
    inputs = {row["components"][0]["custom_id"]: row["components"][0].get("value") for row in reopened.modal["components"]}
    assert inputs == {"title": "   ", "agenda": agenda}
    done = await h.fake.submit_modal(c.admin, reopened, {"title": "Spring meeting"})
    assert "Spring meeting" in done.text() and not done.message.buttons()
    assert "Roadmap review" in announcement(h).text()
    french = await create_meeting(h, title="   ", agenda="Ordre du jour précieux", locale="fr", starts="2026-12-04 18:00")
    assert "**titre** est obligatoire" in french.text()
    assert french.message.buttons()[0]["label"] == "Corriger et réessayer"


async def test_edit_title_and_location(club):
    """Editing the title and location updates the announcement, the event and the thread's name, with a notice in it."""
    h, c = club, club.club
    await create_meeting(h)
    post = announcement(h)
    await h.fake.slash(c.admin, "meeting edit", guild=c.guild, meeting=meeting_id(post), title="Renamed",
                       location="Lyon office")
    assert "Renamed" in announcement(h).text() and "Lyon office" in announcement(h).text()
    (event,) = c.guild.scheduled_events.values()
    assert event["name"] == "Renamed" and h.fake.channels[thread_id(h, post)].name == "Renamed"
    assert any("was updated" in t for t in thread_texts(h, post))


async def test_cancel_one_occurrence_of_a_series(club):
    """Cancelling one weekly occurrence tells RSVP'd members, removes its event and buttons, and announces the next one."""
    h, c = club, club.club
    await create_meeting(h, repeat="weekly")
    post = announcement(h)
    rsvp = await h.fake.click(c.alice, post, label="Going")
    reply = await h.fake.slash(c.admin, "meeting cancel", guild=c.guild, meeting=meeting_id(post), scope="occurrence")
    assert "Cancelled: 1 occurrence(s)" in reply.text() and "next meeting" in reply.text()
    assert "Cancelled" in h.fake.messages[post.id].text() and not h.fake.messages[post.id].buttons()
    assert "is cancelled" in h.fake.dms_to(c.alice)[-1].text()
    nxt = announcement(h)
    assert nxt.id != post.id and f"<t:{int((START_AT + timedelta(days=7)).timestamp())}:F>" in nxt.text()
    (event,) = c.guild.scheduled_events.values()
    assert event["scheduled_start_time"].startswith("2026-12-10T17:00")
    late = await h.fake.click(c.alice, rsvp.message, label="Remind me")
    assert "This meeting was cancelled" in late.text()


async def test_cancel_whole_series_in_french(club):
    """Cancelling the whole series (French moderator) leaves nothing upcoming and announces nothing more."""
    h, c = club, club.club
    await create_meeting(h, repeat="monthly")
    mid = meeting_id(announcement(h))
    reply = await h.fake.slash(c.admin, "meeting cancel", guild=c.guild, meeting=mid, scope="series", locale="fr")
    assert "Annulé\u202f: 1 occurrence(s)" in reply.text()
    await h.clock.set(START_AT + timedelta(days=40))
    listed = await h.fake.slash(c.alice, "meetings list", guild=c.guild)
    assert "No meeting is planned" in listed.text()
    assert len([m for m in h.fake.messages_in(c.meetings.id) if m.embeds]) == 1
    again = await h.fake.slash(c.admin, "meeting cancel", guild=c.guild, meeting=mid, locale="fr")
    assert "Cette réunion a été annulée" in again.text()


async def test_synced_schema_fits_discord_budget(club):
    """/meeting and /meetings fit Discord's 8,000-character budget; every name, description and choice has French."""
    from tests.fakediscord import validate

    commands = {cmd["name"]: cmd for cmd in club.fake.global_commands}
    for name in ("meeting", "meetings"):
        assert validate.budget(commands[name]) <= 8000
    assert commands["meeting"]["name_localizations"]["fr"] == "réunion"
    assert int(commands["meeting"]["default_member_permissions"]) == 1 << 5
    assert commands["meetings"].get("default_member_permissions") is None

    def walk(node, path):
        for key in ("name_localizations", "description_localizations"):
            assert (node.get(key) or {}).get("fr"), f"{path}: no French {key}"
        for choice in node.get("choices") or []:
            assert (choice.get("name_localizations") or {}).get("fr"), f"{path}: choice {choice['name']}"
        for option in node.get("options") or []:
            walk(option, f"{path} {option['name']}")

    walk(commands["meeting"], "/meeting")
    walk(commands["meetings"], "/meetings")


async def test_long_title_shortened_on_screen_kept_whole(club):
    """A 200-character title that tries to ping: thread and event names are cut to 100 with '…', nobody is pinged,
    and the announcement and the calendar keep it whole."""
    h, c = club, club.club
    title = "@everyone Roadmap " + "x" * 182
    await create_meeting(h, title=title)
    post = announcement(h)
    thread = h.fake.channels[thread_id(h, post)]
    (event,) = c.guild.scheduled_events.values()
    assert len(thread.name) == 100 and thread.name.endswith("…") and "@everyone" not in thread.name
    assert len(event["name"]) == 100 and event["name"].endswith("…")
    assert post.embeds[0]["title"] == title and post.data["mention_everyone"] is False
    cal = icalendar.Calendar.from_ical((await h.fake.slash(c.alice, "meetings calendar", guild=c.guild)).file_bytes())
    assert [str(e["SUMMARY"]) for e in cal.walk("VEVENT")] == [title]


async def test_burst_of_rsvp_clicks(club):
    """Twelve members clicking at once all get their answer; the announcement ends with the right count in few edits."""
    import asyncio

    h, c = club, club.club
    await create_meeting(h)
    post = announcement(h)
    crowd = [h.fake.add_member(c.guild, h.fake.add_user(f"member{i}"), [c.member_role]) for i in range(12)]
    before = len(h.fake.requests)
    replies = await asyncio.gather(*(h.fake.click(user, post, label="Going") for user in crowd))
    await h.fake.settle()
    assert all("You're going" in r.text() for r in replies)
    assert label_of(announcement(h), "Going") == "Going (12)"
    edits = [r for r in h.fake.requests[before:] if r[0] == "PATCH" and f"/messages/{post.id}" in r[1]]
    assert 1 <= len(edits) < 12


async def test_numeric_dates_follow_the_moderators_locale(club):
    """``03/04/2027 18:00`` is 3 April for a French or British moderator and 4 March for a
    moderator whose Discord language is English (US); ISO dates mean the same for all."""
    h = club
    april = int(datetime(2027, 4, 3, 18, 0, tzinfo=ZoneInfo("Europe/Paris")).timestamp())
    march = int(datetime(2027, 3, 4, 18, 0, tzinfo=ZoneInfo("Europe/Paris")).timestamp())
    french = await create_meeting(h, starts="03/04/2027 18h", locale="fr")
    british = await create_meeting(h, starts="03/04/2027 18:00", locale="en-GB")
    american = await create_meeting(h, starts="03/04/2027 6pm", locale="en-US")
    iso = await create_meeting(h, starts="2027-04-03 18:00", locale="en-US")
    assert f"<t:{april}:F>" in french.text() and f"<t:{april}:F>" in british.text()
    assert f"<t:{march}:F>" in american.text()
    assert f"<t:{april}:F>" in iso.text()


async def test_18h_typed_by_a_french_moderator_at_10_is_today_at_18(club):
    """The bug that started the typed-times rules: ``18h`` typed on a Monday at 10:00 in
    Paris is that Monday 18:00 (not "in 18 hours"), and ``9h`` is tomorrow 09:00."""
    h = club
    await h.clock.set(datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Europe/Paris")))
    today = int(datetime(2026, 11, 30, 18, 0, tzinfo=ZoneInfo("Europe/Paris")).timestamp())
    tomorrow = int(datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Europe/Paris")).timestamp())
    assert f"<t:{today}:F>" in (await create_meeting(h, starts="18h", locale="fr")).text()
    assert f"<t:{tomorrow}:F>" in (await create_meeting(h, starts="9h", locale="fr")).text()
