"""Use-cases of meetings against a real SQLite file, a fake clock and a recording port."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import recurring_ical_events

from bot.errors import Conflict, Forbidden, InvalidInput, NotFound
from bot.meetings import store
from bot.meetings.service import KIND_REMINDER, KIND_START
from tests.actors import member, moderator
from tests.meetings.conftest import CHANNEL, GUILD, MEMBER, MOD, as_member, create, restart

# 2026-12-03 18:00 Europe/Paris (CET, UTC+1)
START = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)


def thread_posts(port, thread_id):
    """Contents posted in one thread, in order."""
    return [c.message.content for c in port.of("send_message") if c.target == thread_id]


async def test_create_posts_announcement_thread_event_and_arms_jobs(svc, port):
    """Create posts the announcement with RSVP buttons, opens a thread, mirrors an event, arms jobs."""
    result = await create(svc, location="https://meet.example/club", duration="90m")
    occ = result.occurrence
    assert occ.starts_at == START and occ.ends_at == START + timedelta(minutes=90)
    assert result.event_created and occ.event_id in port.events
    post = port.of("send_message")[0]
    assert post.target == CHANNEL and post.message_id == occ.message_id
    labels = [b.label for b in post.message.components]
    assert labels == ["Going (0)", "Maybe (0)", "Can't go (0)"]
    assert f"<t:{int(START.timestamp())}:F>" in post.message.embeds[0].fields[0].value
    assert port.of("create_thread")[0].extra["thread_id"] == occ.thread_id
    armed = {(a.kind, a.ref): a.when for a in svc.ctx.scheduler.pending()}
    assert armed[(KIND_REMINDER, f"{occ.id}:86400")] == START - timedelta(hours=24)
    assert armed[(KIND_REMINDER, f"{occ.id}:3600")] == START - timedelta(hours=1)
    assert armed[(KIND_START, str(occ.id))] == START
    series = await store.get_series(svc.ctx.db, occ.series_id)
    assert (series.local_start, series.timezone) == ("2026-12-03T18:00", "Europe/Paris")


async def test_create_without_event_permission_carries_on(svc, port):
    """Without the event permission the meeting is created and the reason is noted."""
    port.events_forbidden = True
    result = await create(svc)
    assert not result.event_created and result.event_note == "forbidden"
    assert result.occurrence.message_id is not None and result.occurrence.thread_id is not None


async def test_create_with_voice_channel_location_and_french_time(svc, port):
    """A voice channel mention becomes the event's channel; French time text is understood."""
    await svc.ctx.club.update(moderator(GUILD, MOD.user_id), locale="fr")
    result = await create(svc, starts="jeudi 3 décembre 18h", location="<#333333333333333333>")
    assert result.occurrence.starts_at == START
    event = port.events[result.occurrence.event_id]
    assert event.channel_id == 333333333333333333 and event.location is None
    assert port.of("send_message")[0].message.components[0].label == "Présent (0)"


async def test_member_cannot_create(svc):
    """A member without Manage Server or the moderator role is refused, in both languages."""
    with pytest.raises(Forbidden) as err:
        await svc.prepare(MEMBER, starts="2026-12-03 18:00")
    assert "moderators" in err.value.render("en") and "modérateurs" in err.value.render("fr")


async def test_moderator_role_can_create(svc):
    """A member holding the club's moderator role may create meetings."""
    await svc.ctx.club.update(moderator(GUILD, MOD.user_id), moderator_role_id=42)
    draft = await svc.prepare(member(GUILD, 700, role_ids=(42,)), starts="2026-12-03 18:00")
    assert draft.channel_id == CHANNEL


@pytest.mark.parametrize(
    ("options", "en", "fr"),
    [
        ({"starts": "blorp"}, "**starts**: I could not read", "**début**\u202f: je n'ai pas compris"),
        ({"starts": "2026-11-01 18:00"}, "**starts** is in the past", "**début** est dans le passé"),
        ({"duration": "2m"}, "between 5 minutes and 3 days", "entre 5 minutes et 3 jours"),
        ({"duration": "soon"}, "**duration**: I could not read", "**durée**\u202f: je n'ai pas compris"),
        ({"reminders": "1m,2m,3m,4m,5m,6m"}, "**reminders**: at most 5", "**rappels**\u202f: 5 rappels au plus"),
        ({"reminders": "40 days"}, "1 minute and 30 days", "1 minute et 30 jours"),
        ({"repeat": "daily"}, "**repeat** must be one of", "**répétition** doit être l'un de"),
        ({"location": "x" * 101}, "**location** is too long: 101 characters, the limit is 100",
         "**lieu** est trop long\u202f: 101 caractères, la limite est de 100"),
    ],
)
async def test_bad_options_are_refused_naming_field_and_limit(svc, options, en, fr):
    """Each bad option is refused with a message naming the field and the limit, in English and French."""
    options.setdefault("starts", "2026-12-03 18:00")
    with pytest.raises(InvalidInput) as err:
        await svc.prepare(MOD, **options)
    assert en in err.value.render("en")
    assert fr in err.value.render("fr")


async def test_title_and_agenda_limits(svc):
    """Title over 200 and agenda over 3000 characters are refused; an empty title is required."""
    draft = await svc.prepare(MOD, starts="2026-12-03 18:00")
    with pytest.raises(InvalidInput) as err:
        await svc.create(MOD, draft, title="t" * 201)
    assert "**title** is too long: 201 characters, the limit is 200" in err.value.render("en")
    assert "**titre** est trop long\u202f: 201 caractères, la limite est de 200" in err.value.render("fr")
    with pytest.raises(InvalidInput) as err:
        await svc.create(MOD, draft, title="ok", agenda="a" * 3001)
    assert "the limit is 3000" in err.value.render("en") and "la limite est de 3000" in err.value.render("fr")
    with pytest.raises(InvalidInput) as err:
        await svc.create(MOD, draft, title="  ")
    assert err.value.render("en") == "**title** is required." and err.value.render("fr") == "**titre** est obligatoire."


async def test_no_meetings_channel_and_unpostable_channel(ctx, port):
    """Without a meetings channel, or with a channel the bot cannot post in, creation is refused."""
    from bot.meetings.service import MeetingsService

    service = MeetingsService(ctx)
    with pytest.raises(InvalidInput) as err:
        await service.prepare(MOD, starts="2026-12-03 18:00")
    assert "**channel**: no meetings channel" in err.value.render("en")
    assert "**salon**\u202f: aucun salon" in err.value.render("fr")
    port.unpostable.add(999)
    with pytest.raises(InvalidInput) as err:
        await service.prepare(MOD, starts="2026-12-03 18:00", channel_id=999)
    assert "<#999>" in err.value.render("en") and "<#999>" in err.value.render("fr")


async def test_long_title_shortened_on_screen_kept_whole(svc, port):
    """A 200-character title is cut to 100 with … for the thread and event, and kept whole in the DB."""
    title = "Roadmap " + "x" * 192
    occ = (await create(svc, title=title)).occurrence
    name = port.of("create_thread")[0].extra["name"]
    assert len(name) == 100 and name.endswith("…")
    assert len(port.events[occ.event_id].name) == 100
    assert (await store.get_occurrence(svc.ctx.db, occ.id)).title == title


async def test_member_text_cannot_ping(svc, port):
    """A title or topic containing @everyone or a role mention is neutralised where it is re-posted."""
    occ = (await create(svc, title="@everyone <@&123> meeting")).occurrence
    assert "@everyone" not in port.of("create_thread")[0].extra["name"]
    topic = await svc.propose(as_member(601), occ.id, "talk about @here and <@&77>")
    content = port.messages[topic.message_id].content
    assert "@here" not in content and "<@&77>" not in content


async def test_rsvp_change_counts_and_remind(svc, port):
    """RSVPs update the live counts on the announcement; changing answer moves the count."""
    occ = (await create(svc)).occurrence
    result = await svc.rsvp(as_member(601), occ.id, "going")
    assert (result.status, result.remind, result.counts.going) == ("going", False, 1)
    await svc.rsvp(as_member(602), occ.id, "maybe")
    result = await svc.rsvp(as_member(601), occ.id, "no")
    assert (result.counts.going, result.counts.maybe, result.counts.no) == (0, 1, 1)
    labels = [b.label for b in port.messages[occ.message_id].components]
    assert labels == ["Going (0)", "Maybe (1)", "Can't go (1)"]
    assert (await svc.toggle_remind(as_member(602), occ.id)).remind is True
    assert (await svc.toggle_remind(as_member(602), occ.id)).remind is False


async def test_remind_needs_rsvp_and_unknown_meeting(svc):
    """Remind me before answering is refused; an unknown meeting is NotFound; both in FR and EN."""
    occ = (await create(svc)).occurrence
    with pytest.raises(Conflict) as err:
        await svc.toggle_remind(as_member(601), occ.id)
    assert "Answer Going" in err.value.render("en") and "Répondez d'abord" in err.value.render("fr")
    with pytest.raises(NotFound) as err:
        await svc.rsvp(as_member(601), 999_999, "going")
    assert "does not exist" in err.value.render("en") and "n'existe pas" in err.value.render("fr")


@pytest.mark.parametrize("typed", ["99999999999999999999999", str(2**63), "-1", "0", "1e3", "١", " ", "abc"])
async def test_meeting_ids_out_of_range_are_not_found_naming_the_field(svc, typed):
    """An id typed in the meeting option that SQLite cannot hold (or no id at all) is "no such meeting",
    naming the field, for every command — moderators' and members' — in EN and FR."""
    await create(svc)
    calls = [
        svc.edit(MOD, typed, title="x"),
        svc.cancel(MOD, typed),
        svc.attendees(MOD, typed),
        svc.agenda(MOD, typed),
        svc.propose(as_member(601), typed, "A topic"),
    ]
    for call in calls:
        with pytest.raises(NotFound) as err:
            await call
        assert err.value.render("en").startswith("**meeting**: this meeting does not exist")
        assert err.value.render("fr").startswith("**réunion**\u202f: cette réunion n'existe pas")
    for click in (svc.rsvp(as_member(601), typed, "going"), svc.toggle_remind(as_member(601), typed)):
        with pytest.raises(NotFound) as err:
            await click
        assert "does not exist" in err.value.render("en")
    with pytest.raises(NotFound):
        await svc.vote(as_member(601), typed)


async def test_start_far_from_now_names_the_starts_field(svc, monkeypatch):
    """Whatever the parser returns, a start datetime cannot compute with (year 9999, or an
    overflow) is refused naming the starts field, at create and at edit."""
    from bot.meetings import rules

    occ = (await create(svc)).occurrence
    monkeypatch.setattr(rules, "parse_future_instant", lambda *a, **k: datetime(9999, 12, 31, 23, 59, tzinfo=UTC))
    for call in (svc.prepare(MOD, starts="9999-12-31 23:59"), svc.edit(MOD, occ.id, starts="9999-12-31 23:59")):
        with pytest.raises(InvalidInput) as err:
            await call
        assert "**starts**" in err.value.render("en") and "**début**" in err.value.render("fr")

    def overflow(*_args, **_kwargs):
        raise OverflowError("date value out of range")

    monkeypatch.setattr(rules, "parse_future_instant", overflow)
    with pytest.raises(InvalidInput) as err:
        await svc.prepare(MOD, starts="0001-01-01 00:00")
    assert "**starts**" in err.value.render("en") and "0001-01-01 00:00" in err.value.render("en")


async def test_reminders_thread_archived_and_closed_dms(svc, port, clock):
    """Reminders post in the (archived) thread and DM members who asked; closed DMs are counted."""
    occ = (await create(svc)).occurrence
    for user in (601, 602, 603, 604):
        await svc.rsvp(as_member(user), occ.id, "going" if user != 604 else "no")
    for user in (601, 602, 604):
        await svc.toggle_remind(as_member(user), occ.id)
    port.closed_dms.add(602)
    port.archived.add(occ.thread_id)
    await clock.set(START - timedelta(hours=24))
    assert occ.thread_id not in port.archived
    assert len([p for p in thread_posts(port, occ.thread_id) if "Reminder" in p]) == 1
    assert [c.target for c in port.of("send_dm")] == [601]
    row = await store.get_reminder(svc.ctx.db, occ.id, 86400)
    assert (row.dm_sent, row.dm_failed, row.late) == (1, 1, False)
    await clock.set(START - timedelta(hours=1))
    assert len([p for p in thread_posts(port, occ.thread_id) if "Reminder" in p]) == 2
    assert len(port.of("send_dm")) == 2


async def test_start_end_hook_and_archive(svc, port, clock):
    """At the start a 'starting now' message; at the end a closing message, the hook with Going members, archive a day later."""
    calls = []

    async def hook(guild_id, occurrence, attendees):
        calls.append((guild_id, occurrence.id, sorted(attendees)))

    svc.on_meeting_ended = hook
    occ = (await create(svc, duration="2h", reminders="none")).occurrence
    await svc.rsvp(as_member(601), occ.id, "going")
    await svc.rsvp(as_member(602), occ.id, "maybe")
    await svc.rsvp(as_member(603), occ.id, "going")
    await clock.set(START)
    assert any("starting now" in p for p in thread_posts(port, occ.thread_id))
    assert port.messages[occ.message_id].components == ()
    with pytest.raises(Conflict) as err:
        await svc.rsvp(as_member(604), occ.id, "going")
    assert "already started" in err.value.render("en") and "déjà commencé" in err.value.render("fr")
    await clock.set(START + timedelta(hours=2))
    assert any("is over" in p for p in thread_posts(port, occ.thread_id))
    assert calls == [(GUILD, occ.id, [601, 603])]
    assert not port.of("archive_thread")
    await clock.set(START + timedelta(hours=26))
    assert [c.target for c in port.of("archive_thread")] == [occ.thread_id]


async def test_hook_failure_is_not_fatal(svc, port, clock):
    """A failing post-meeting hook is logged; the thread is still archived later."""

    async def broken(*_args):
        raise RuntimeError("feedback down")

    svc.on_meeting_ended = broken
    occ = (await create(svc, reminders="none")).occurrence
    await clock.set(START + timedelta(days=2))
    assert (await store.get_occurrence(svc.ctx.db, occ.id)).status == "ended"
    assert [c.target for c in port.of("archive_thread")] == [occ.thread_id]


async def test_restart_between_creation_and_reminder(svc, port, clock):
    """After a restart the reminders are re-armed from the database and sent once."""
    occ = (await create(svc)).occurrence
    fresh = await restart(svc)
    assert (KIND_REMINDER, f"{occ.id}:86400") in {(a.kind, a.ref) for a in fresh.ctx.scheduler.pending()}
    await clock.set(START - timedelta(hours=24))
    assert len([p for p in thread_posts(port, occ.thread_id) if "Reminder" in p]) == 1
    await fresh.ctx.scheduler.stop()


async def test_restart_right_after_reminder_sends_no_second(svc, port, clock):
    """Two quick restarts right after a reminder do not send it again."""
    occ = (await create(svc)).occurrence
    await clock.set(START - timedelta(hours=24))
    fresh = await restart(await restart(svc))
    await clock.advance(minutes=1)
    assert len([p for p in thread_posts(port, occ.thread_id) if "Reminder" in p]) == 1
    await fresh.ctx.scheduler.stop()


async def test_claim_prevents_double_send_from_second_process(svc, port, clock):
    """If another process already claimed the reminder, this one does not post it."""
    occ = (await create(svc)).occurrence
    from bot.meetings.rules import reminder_key

    assert await svc.ctx.scheduler.claim(reminder_key(occ.id, occ.starts_at, 86400))
    await clock.set(START - timedelta(hours=24))
    assert not [p for p in thread_posts(port, occ.thread_id) if "Reminder" in p]


async def test_missed_reminder_sent_late_or_dropped(svc, port, clock):
    """Downtime: a missed reminder before the start goes out late with a note; after the start it is dropped."""
    occ = (await create(svc)).occurrence
    await svc.ctx.scheduler.stop()
    await clock.set(START - timedelta(minutes=30))
    fresh = await restart(svc)
    reminders = [p for p in thread_posts(port, occ.thread_id) if "Reminder" in p]
    assert len(reminders) == 2 and all("Sent late" in p for p in reminders)
    await fresh.ctx.scheduler.stop()

    other = (await create(fresh, starts="2026-12-10 18:00")).occurrence
    await fresh.ctx.scheduler.stop()
    await clock.set(datetime(2026, 12, 10, 17, 30, tzinfo=UTC))
    third = await restart(fresh)
    assert not [p for p in thread_posts(port, other.thread_id) if "Reminder" in p]
    assert any("starting now" in p for p in thread_posts(port, other.thread_id))
    assert (await store.get_reminder(third.ctx.db, other.id, 3600)).sent_at is not None
    await third.ctx.scheduler.stop()


async def test_edit_time_tells_members_and_rearms(svc, port, clock):
    """Moving a meeting DMs Going/Maybe members, edits the event and re-arms reminders (sent again)."""
    occ = (await create(svc)).occurrence
    await svc.rsvp(as_member(601), occ.id, "going")
    await svc.rsvp(as_member(602), occ.id, "maybe")
    await svc.rsvp(as_member(603), occ.id, "no")
    await svc.toggle_remind(as_member(601), occ.id)
    await clock.set(START - timedelta(hours=23))
    assert len(port.of("send_dm")) == 1
    result = await svc.edit(MOD, occ.id, starts="2026-12-05 18:00")
    new_start = datetime(2026, 12, 5, 17, 0, tzinfo=UTC)
    assert result.time_changed and result.occurrence.starts_at == new_start
    assert result.notified.sent == 2
    assert sorted(c.target for c in port.of("send_dm")[1:]) == [601, 602]
    assert port.events[occ.event_id].start == new_start
    assert any("has moved" in p for p in thread_posts(port, occ.thread_id))
    await clock.set(START)
    assert not any("starting now" in p for p in thread_posts(port, occ.thread_id))
    await clock.set(new_start - timedelta(hours=24))
    assert len([p for p in thread_posts(port, occ.thread_id) if "Reminder" in p]) == 2
    await clock.set(new_start)
    assert any("starting now" in p for p in thread_posts(port, occ.thread_id))


async def test_edit_title_agenda_location_and_refusals(svc, port):
    """Editing text fields updates the announcement; member and empty edits are refused in FR and EN."""
    occ = (await create(svc)).occurrence
    result = await svc.edit(MOD, occ.id, title="New title", agenda="1. hello", location="Paris office")
    assert result.changed == ["location", "title", "agenda"] and not result.time_changed
    embed = port.messages[occ.message_id].embeds[0]
    assert embed.title == "New title" and embed.description == "1. hello"
    assert port.events[occ.event_id].location == "Paris office"
    assert port.thread_names[occ.thread_id] == "New title"
    with pytest.raises(Forbidden):
        await svc.edit(MEMBER, occ.id, title="x")
    with pytest.raises(InvalidInput) as err:
        await svc.edit(MOD, occ.id)
    assert "**meeting**: give at least one" in err.value.render("en")
    assert "**réunion**\u202f: indiquez au moins" in err.value.render("fr")
    with pytest.raises(NotFound):
        await svc.edit(moderator(GUILD + 1, MOD.user_id), occ.id, title="x")


async def test_cancel_one_occurrence_announces_next(svc, port, clock):
    """Cancelling one weekly occurrence tells members, deletes its event, and announces the next one."""
    occ = (await create(svc, repeat="weekly")).occurrence
    await svc.rsvp(as_member(601), occ.id, "going")
    result = await svc.cancel(MOD, occ.id, scope="occurrence")
    assert [o.id for o in result.cancelled] == [occ.id] and result.notified.sent == 1
    assert occ.event_id not in port.events
    assert port.messages[occ.message_id].components == ()
    assert result.next_occurrence.starts_at == START + timedelta(days=7)
    await clock.set(START)
    assert not any("starting now" in p for p in thread_posts(port, occ.thread_id))
    with pytest.raises(Conflict) as err:
        await svc.cancel(MOD, occ.id)
    assert "was cancelled" in err.value.render("en") and "a été annulée" in err.value.render("fr")


async def test_cancel_series(svc, port, clock):
    """Cancelling the series cancels the announced occurrence and announces nothing more."""
    occ = (await create(svc, repeat="monthly")).occurrence
    result = await svc.cancel(MOD, occ.id, scope="series")
    assert result.series and [o.id for o in result.cancelled] == [occ.id]
    await clock.set(START + timedelta(days=40))
    assert (await svc.member_upcoming(as_member(601))) == []
    assert len(port.of("send_message")) == 2  # announcement + cancellation notice


async def test_quarterly_series_follows_paris_time_across_dst(svc, port, clock):
    """A quarterly series at 18:00 Paris is announced at 18:00 Paris before and after both DST changes."""
    await clock.set(datetime(2027, 1, 10, 9, tzinfo=UTC))
    occ = (await create(svc, starts="2027-01-19 18:00", repeat="quarterly", reminders="none")).occurrence
    seen = [occ.starts_at]
    for _ in range(4):
        await clock.set(seen[-1] + timedelta(hours=2))
        upcoming = await svc.member_upcoming(as_member(601))
        seen.append(upcoming[0][0].starts_at)
    assert [(s.month, s.hour) for s in seen] == [(1, 17), (4, 16), (7, 16), (10, 16), (1, 17)]


async def test_topics_votes_and_agenda(svc, port):
    """Members propose topics; votes toggle and show on the button; the agenda ranks by votes."""
    occ = (await create(svc)).occurrence
    first = await svc.propose(as_member(601), occ.id, "Export to Excel")
    second = await svc.propose(as_member(602), occ.id, "Dark mode")
    assert port.of("send_message")[-1].target == occ.thread_id
    _, voted = await svc.vote(as_member(601), second.id)
    _, voted2 = await svc.vote(as_member(603), second.id)
    topic, unvoted = await svc.vote(as_member(601), first.id)
    topic, again = await svc.vote(as_member(601), first.id)
    assert (voted, voted2, unvoted, again) == (True, True, True, False)
    assert port.messages[second.message_id].components[0].label == "Upvote (2)"
    _, ranked = await svc.agenda(MOD, occ.id)
    assert [(r.text, r.votes, r.rank) for r in ranked] == [("Dark mode", 2, 1), ("Export to Excel", 0, 2)]
    with pytest.raises(InvalidInput) as err:
        await svc.propose(as_member(601), occ.id, "x" * 501)
    assert "the limit is 500" in err.value.render("en") and "la limite est de 500" in err.value.render("fr")
    with pytest.raises(Forbidden):
        await svc.agenda(MEMBER, occ.id)


async def test_attendees_lists_and_csv(svc):
    """Moderators get the answers by status and a CSV with one row per member."""
    occ = (await create(svc)).occurrence
    await svc.rsvp(as_member(601), occ.id, "going")
    await svc.rsvp(as_member(602), occ.id, "no")
    await svc.toggle_remind(as_member(601), occ.id)
    result = await svc.attendees(MOD, occ.id)
    assert (result.going, result.maybe, result.no) == ([601], [], [602])
    rows = list(csv.DictReader(io.StringIO(result.file.data.decode("utf-8-sig"))))
    assert rows == [{"Member (Discord id)": "<@601>", "Answer": "going", "DM reminder": "yes"},
                    {"Member (Discord id)": "<@602>", "Answer": "can't go", "DM reminder": "no"}]


async def test_attendees_file_of_a_french_club(svc):
    """A French club's attendees file: ';', French headers and values, whole ids; the same rows in Excel."""
    from openpyxl import load_workbook

    await svc.ctx.club.update(MOD, locale="fr")
    occ = (await create(svc)).occurrence
    big = 1_234_567_890_123_456_789
    await svc.rsvp(as_member(big), occ.id, "going")
    await svc.toggle_remind(as_member(big), occ.id)
    await svc.rsvp(as_member(602), occ.id, "no")
    data = (await svc.attendees(MOD, occ.id)).file.data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert data.startswith(b"\xef\xbb\xbf") and rows[0] == ["Membre (identifiant Discord)", "Réponse", "Rappel en MP"]
    assert sorted(rows[1:]) == [["<@1234567890123456789>", "présent", "oui"], ["<@602>", "absent", "non"]]
    book = load_workbook(io.BytesIO((await svc.attendees(MOD, occ.id, "xlsx")).file.data))
    values = [list(r) for r in book.active.iter_rows(values_only=True)]
    assert values[0] == rows[0] and sorted(values[1:]) == [[str(big), "présent", "oui"], ["602", "absent", "non"]]


async def test_calendar_ics_parses_back(svc, clock):
    """The .ics file parses back with icalendar: the one-off cancelled, the weekly series one master
    event with its rule whose expansion starts at its first occurrence, weekly (tests/meetings/test_ical.py
    compares whole schedules)."""
    one = (await create(svc, title="One-off")).occurrence
    weekly = (await create(svc, title="Weekly", starts="2026-12-04 18:00", repeat="weekly")).occurrence
    await svc.cancel(MOD, one.id)
    data = (await svc.calendar(MEMBER)).data
    cal = icalendar.Calendar.from_ical(data)
    events = [c for c in cal.walk("VEVENT")]
    status = {(str(e["SUMMARY"]), "RECURRENCE-ID" in e): str(e["STATUS"]) for e in events}
    assert status == {("One-off", False): "CANCELLED", ("Weekly", False): "CONFIRMED", ("Weekly", True): "CONFIRMED"}
    shown = recurring_ical_events.of(cal).between(clock.now(), clock.now() + timedelta(days=366))
    starts = sorted(e.decoded("DTSTART") for e in shown if str(e["SUMMARY"]) == "Weekly")
    assert starts[0] == weekly.starts_at and starts[1] - starts[0] == timedelta(days=7) and len(starts) == 52


async def test_suggest_and_member_list(svc):
    """Autocomplete lists upcoming meetings by local date and title; members see their answer."""
    occ = (await create(svc, title="Roadmap day")).occurrence
    await svc.rsvp(as_member(601), occ.id, "maybe")
    assert await svc.suggest(MEMBER, "road") == [("2026-12-03 18:00 · Roadmap day", str(occ.id))]
    assert await svc.suggest(MEMBER, "zzz") == []
    mine = await svc.member_upcoming(as_member(601))
    assert [(o.id, s) for o, s in mine] == [(occ.id, "maybe")]



async def test_edit_series_scope_changes_later_occurrences(svc, port, clock):
    """Editing with scope=series makes title and duration the series' own: the next occurrence takes them."""
    occ = (await create(svc, repeat="weekly", reminders="none")).occurrence
    result = await svc.edit(MOD, occ.id, title="Weekly sync", duration="30m", scope="series")
    assert result.occurrence.title == "Weekly sync" and result.occurrence.duration_s == 1800
    await clock.set(START + timedelta(minutes=31))
    upcoming = await svc.member_upcoming(as_member(601))
    assert [(o.title, o.duration_s, o.starts_at) for o, _ in upcoming] == [("Weekly sync", 1800, START + timedelta(days=7))]


async def test_edit_duration_only_moves_the_end(svc, port, clock):
    """A new duration moves the end (and the event) without telling members of a time change."""
    occ = (await create(svc, reminders="none")).occurrence
    await svc.rsvp(as_member(601), occ.id, "going")
    result = await svc.edit(MOD, occ.id, duration="3h")
    assert result.changed == ["duration"] and not result.time_changed and result.notified.sent == 0
    assert port.events[occ.event_id].end == START + timedelta(hours=3)
    await clock.set(START + timedelta(hours=1))
    assert (await store.get_occurrence(svc.ctx.db, occ.id)).status == "started"
    await clock.set(START + timedelta(hours=3))
    assert (await store.get_occurrence(svc.ctx.db, occ.id)).status == "ended"


async def test_burst_of_refreshes_makes_at_most_two_edits(svc, port):
    """Ten simultaneous refreshes of one announcement collapse into at most two edits showing the last counts."""
    import asyncio

    occ = (await create(svc)).occurrence
    for user in range(10):
        await svc.rsvp(as_member(700 + user), occ.id, "going", refresh=False)
    before = len(port.of("edit_message"))
    await asyncio.gather(*(svc.refresh_announcement(MEMBER, occ.id) for _ in range(10)))
    edits = port.of("edit_message")[before:]
    assert 1 <= len(edits) <= 2
    assert edits[-1].message.components[0].label == "Going (10)"


@pytest.mark.parametrize(
    ("case", "en", "fr"),
    [
        ("topic_gone", "This topic no longer exists", "Ce sujet n'existe plus"),
        ("ended", "This meeting is over", "Cette réunion est terminée"),
        ("bad_status", "**answer** must be going, maybe or no", "**réponse** doit être going, maybe ou no"),
        ("thread_gone", "I could not post in this meeting's thread", "Je n'ai pas pu publier dans le fil"),
        ("bad_scope", "**scope** must be", "**portée** doit être"),
    ],
)
async def test_other_refusals_in_both_languages(svc, port, clock, case, en, fr):
    """The remaining refusals (gone topic, ended meeting, bad answer, unusable thread, bad scope) read well in EN and FR."""
    occ = (await create(svc, reminders="none")).occurrence
    with pytest.raises((Conflict, NotFound, InvalidInput)) as err:
        if case == "topic_gone":
            await svc.vote(as_member(601), 424242)
        elif case == "ended":
            topic = await svc.propose(as_member(601), occ.id, "A topic")
            await clock.set(START + timedelta(hours=2))
            await svc.vote(as_member(602), topic.id)
        elif case == "bad_status":
            await svc.rsvp(as_member(601), occ.id, "perhaps")
        elif case == "thread_gone":
            port.unpostable.add(occ.thread_id)
            await svc.propose(as_member(601), occ.id, "A topic")
        else:
            await svc.cancel(MOD, occ.id, scope="everything")
    assert en in err.value.render("en") and fr in err.value.render("fr")


async def test_reminders_already_due_at_creation_are_skipped(svc, port, clock):
    """A meeting created 2 h ahead skips its 24 h reminder (no 'sent late' note) and sends the 1 h one on time."""
    occ = (await create(svc, starts="in 2 hours")).occurrence
    assert occ.starts_at == clock.now() + timedelta(hours=2)
    await clock.advance(minutes=1)
    assert not [p for p in thread_posts(port, occ.thread_id) if "Reminder" in p]
    await clock.set(occ.starts_at - timedelta(hours=1))
    (reminder,) = [p for p in thread_posts(port, occ.thread_id) if "Reminder" in p]
    assert "Sent late" not in reminder


async def test_moving_a_meeting_closer_skips_reminders_already_due(svc, port, clock):
    """Moved to 30 minutes from now: the 24 h and 1 h reminders are not sent at once (the 'moved' notice is the news)."""
    occ = (await create(svc)).occurrence
    await svc.edit(MOD, occ.id, starts="in 30 minutes")
    await clock.advance(minutes=5)
    assert not [p for p in thread_posts(port, occ.thread_id) if "Reminder" in p]
    assert any("has moved" in p for p in thread_posts(port, occ.thread_id))


async def test_moderator_list_reports_reminder_dms(svc, port, clock):
    """/meeting list data: answers and, once reminders went out, DMs delivered and failed."""
    occ = (await create(svc)).occurrence
    for user in (601, 602):
        await svc.rsvp(as_member(user), occ.id, "going")
        await svc.toggle_remind(as_member(user), occ.id)
    port.closed_dms.add(602)
    (row,) = await svc.list_upcoming(MOD)
    assert (row.counts.going, row.reminders_sent) == (2, 0)
    await clock.set(START - timedelta(hours=24))
    (row,) = await svc.list_upcoming(MOD)
    assert (row.reminders_sent, row.dms_delivered, row.dms_failed) == (1, 1, 1)
    with pytest.raises(Forbidden):
        await svc.list_upcoming(MEMBER)


async def test_moving_one_occurrence_leaves_the_series_alone(svc, clock):
    """A weekly occurrence moved to Friday 19:00: the next one is still Thursday 18:00 the week after."""
    occ = (await create(svc, repeat="weekly", reminders="none")).occurrence
    moved = (await svc.edit(MOD, occ.id, starts="2026-12-04 19:00")).occurrence
    assert moved.starts_at == datetime(2026, 12, 4, 18, 0, tzinfo=UTC)
    await clock.set(moved.ends_at)
    (nxt, _), = await svc.member_upcoming(as_member(601))
    assert nxt.starts_at == START + timedelta(days=7)


async def test_moving_the_series_moves_later_occurrences(svc, clock):
    """With scope=series the new local time (Friday 19:00 Paris) becomes the series' from this occurrence on."""
    occ = (await create(svc, repeat="weekly", reminders="none")).occurrence
    await svc.edit(MOD, occ.id, starts="2026-12-04 19:00", scope="series")
    series = await store.get_series(svc.ctx.db, occ.series_id)
    assert series.local_start == "2026-12-04T19:00"
    await clock.set(datetime(2026, 12, 4, 19, 0, tzinfo=UTC))
    (nxt, _), = await svc.member_upcoming(as_member(601))
    assert nxt.starts_at == datetime(2026, 12, 11, 18, 0, tzinfo=UTC)


async def test_moving_the_series_onto_a_stored_occurrence_is_refused(svc):
    """Moving a series onto the time of one of its stored (e.g. cancelled) occurrences is refused in EN and FR."""
    occ = (await create(svc, repeat="weekly", reminders="none")).occurrence
    nxt = (await svc.cancel(MOD, occ.id)).next_occurrence
    with pytest.raises(InvalidInput) as err:
        await svc.edit(MOD, nxt.id, starts="2026-12-03 18:00", scope="series")
    assert "already has an occurrence at that time" in err.value.render("en")
    assert "a déjà une occurrence à cette heure-là" in err.value.render("fr")
