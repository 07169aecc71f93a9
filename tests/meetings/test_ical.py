"""The calendar file: one event per series that calendar apps expand to Cercle's own schedule.

The file is expanded with ``recurring-ical-events`` and compared, occurrence by occurrence
over two years, with what Cercle itself schedules (the series' rule from
``bot.recurrence`` plus the stored occurrences); ``vobject`` reads it as a second parser,
and a line-level check holds it to RFC 5545's shape.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import recurring_ical_events
import vobject

from bot.clock import local_to_utc
from bot.meetings import store
from bot.meetings.ical import CalendarNames, uid
from bot.meetings.rules import parse_local
from tests.meetings.conftest import CHANNEL, GUILD, MEMBER, MOD, create

VOICE = 333_333_333_333_333_333
NAMES = CalendarNames(club="Club Atelier", channels={VOICE: "Salle vocale", CHANNEL: "#réunions"})
TWO_YEARS = timedelta(days=731)


async def club_schedule(svc, frm: datetime, to: datetime) -> dict[tuple[str, datetime], tuple[datetime, bool]]:
    """Cercle's own schedule of the guild's recurring series: ``(uid, original start) →
    (start, cancelled)`` for every occurrence starting in ``[frm, to)``, from the series'
    rule and the stored rows that override it."""
    found = {}
    for series in await store.active_series(svc.ctx.db, GUILD):
        stored = {o.recurrence_local: o for o in await store.occurrences_of_series(svc.ctx.db, series.id)}
        for local in series.rule.local_starts():
            original = local_to_utc(local, series.timezone)
            if original >= to + timedelta(days=40):
                break
            occ = stored.get(local.strftime("%Y-%m-%dT%H:%M"))
            start, cancelled = (original, False) if occ is None else (occ.starts_at, occ.status == "cancelled")
            if frm <= start < to:
                found[(uid(series.id), original)] = (start, cancelled)
    return found


def expanded(data: bytes, frm: datetime, to: datetime) -> dict[tuple[str, datetime], tuple[datetime, bool]]:
    """What a calendar app shows: the file expanded by ``recurring-ical-events``, same shape
    as :func:`club_schedule`."""
    cal = icalendar.Calendar.from_ical(data)
    found = {}
    for event in recurring_ical_events.of(cal).between(frm - timedelta(days=1), to + timedelta(days=1)):
        start = event.decoded("DTSTART").astimezone(UTC)
        if not frm <= start < to:
            continue
        original = event.decoded("RECURRENCE-ID").astimezone(UTC)
        found[(str(event["UID"]), original)] = (start, str(event.get("STATUS")) == "CANCELLED")
    return found


async def two_series(svc):
    """A weekly series on Fridays 18:00 Paris and a monthly one on the 3rd Tuesday in a voice
    channel; the weekly's first occurrence moved to Saturday 10:00, the monthly's first cancelled."""
    weekly = (await create(svc, title="Weekly sync", starts="2026-12-04 18:00", repeat="weekly")).occurrence
    monthly = (await create(
        svc, title="Roadmap", starts="2026-12-15 18:30", repeat="monthly", repeat_on="weekday",
        location=f"<#{VOICE}>", duration="2h",
    )).occurrence
    await svc.edit(MOD, weekly.id, starts="2026-12-05 10:00")
    await svc.cancel(MOD, monthly.id)
    return weekly, monthly


async def test_calendar_expands_to_cercles_schedule_over_two_years(svc, clock):
    """Expanded by recurring-ical-events, the file gives every occurrence of Cercle's schedule
    over two years — across both DST changes, the 3rd Tuesdays, the moved and the cancelled one."""
    weekly, monthly = await two_series(svc)
    frm, to = clock.now(), clock.now() + TWO_YEARS
    data = (await svc.calendar(MEMBER, NAMES)).data
    ours, theirs = await club_schedule(svc, frm, to), expanded(data, frm, to)
    assert theirs == ours
    assert len(ours) == 104 + 24
    moved = ours[(uid(weekly.series_id), weekly.starts_at)]
    assert moved == (datetime(2026, 12, 5, 9, 0, tzinfo=UTC), False)
    assert ours[(uid(monthly.series_id), monthly.starts_at)] == (monthly.starts_at, True)
    summer = [s for (u, _), (s, _) in ours.items() if u == uid(weekly.series_id) and s.month == 7]
    winter = [s for (u, _), (s, _) in ours.items() if u == uid(weekly.series_id) and s.month == 1]
    assert {s.hour for s in summer} == {16} and {s.hour for s in winter} == {17}
    tuesdays = [s for (u, _), (s, _) in ours.items() if u == uid(monthly.series_id)]
    assert all(s.weekday() == 1 and 15 <= s.day <= 21 for s in tuesdays) and len(tuesdays) == 24


async def test_calendar_is_one_event_per_series_with_tzid_and_vtimezone(svc, clock):
    """One master VEVENT per series with RRULE and TZID, the zone's VTIMEZONE, overrides by
    RECURRENCE-ID, a readable location, the announcement's link and the club's name."""
    weekly, monthly = await two_series(svc)
    cal = icalendar.Calendar.from_ical((await svc.calendar(MEMBER, NAMES)).data)
    assert str(cal["X-WR-CALNAME"]) == "Club Atelier" and str(cal["NAME"]) == "Club Atelier"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
    events = list(cal.walk("VEVENT"))
    masters = [e for e in events if "RECURRENCE-ID" not in e]
    assert sorted(str(e["UID"]) for e in masters) == sorted({uid(weekly.series_id), uid(monthly.series_id)})
    by_uid = {str(e["UID"]): e for e in masters}
    assert by_uid[uid(weekly.series_id)]["RRULE"].to_ical() == b"FREQ=WEEKLY;INTERVAL=1"
    assert by_uid[uid(monthly.series_id)]["RRULE"].to_ical() == b"FREQ=MONTHLY;INTERVAL=1;BYDAY=+3TU"
    assert all(e["DTSTART"].params["TZID"] == "Europe/Paris" for e in events)
    assert str(by_uid[uid(monthly.series_id)]["LOCATION"]) == "Discord — Salle vocale"
    assert "<#" not in cal.to_ical().decode()
    moved = next(e for e in events if "RECURRENCE-ID" in e and str(e["UID"]) == uid(weekly.series_id))
    assert str(moved["URL"]) == f"https://discord.com/channels/{GUILD}/{CHANNEL}/{weekly.message_id}"
    assert moved.decoded("DTSTART").replace(tzinfo=None) == datetime(2026, 12, 5, 10, 0)
    cancelled = [e for e in events if str(e.get("STATUS")) == "CANCELLED"]
    assert [e.decoded("RECURRENCE-ID") for e in cancelled] == [monthly.starts_at]


def sequences(data: bytes) -> dict[tuple[str, str], int]:
    """``(uid, recurrence-id or "")`` → SEQUENCE of every event of the file."""
    cal = icalendar.Calendar.from_ical(data)
    return {
        (str(e["UID"]), e["RECURRENCE-ID"].to_ical().decode() if "RECURRENCE-ID" in e else ""): int(e["SEQUENCE"])
        for e in cal.walk("VEVENT")
    }


async def test_sequence_grows_with_every_change(svc, clock):
    """Each change of an occurrence or of the series makes its SEQUENCE grow; the rest keep theirs."""
    occ = (await create(svc, title="Weekly sync", starts="2026-12-04 18:00", repeat="weekly")).occurrence
    master, override = (uid(occ.series_id), ""), (uid(occ.series_id), "20261204T180000")
    first = sequences((await svc.calendar(MEMBER)).data)
    await svc.edit(MOD, occ.id, starts="2026-12-04 19:00")
    moved = sequences((await svc.calendar(MEMBER)).data)
    assert moved[override] > first[override] and moved[master] == first[master]
    await svc.edit(MOD, occ.id, title="Weekly club sync", scope="series")
    renamed = sequences((await svc.calendar(MEMBER)).data)
    assert renamed[master] > moved[master] and renamed[override] > moved[override]
    await svc.cancel(MOD, occ.id)
    cancelled = sequences((await svc.calendar(MEMBER)).data)
    assert cancelled[override] > renamed[override]


async def test_cancelled_series_ends_its_rule_and_one_off_stays_cancelled(svc, clock):
    """A cancelled series' rule ends at the cancellation; a cancelled one-off stays in the file as CANCELLED."""
    one = (await create(svc, title="One-off", location="https://meet.example/club")).occurrence
    weekly = (await create(svc, title="Weekly", starts="2026-12-04 18:00", repeat="weekly")).occurrence
    await svc.cancel(MOD, one.id)
    await svc.cancel(MOD, weekly.id, scope="series")
    cal = icalendar.Calendar.from_ical((await svc.calendar(MEMBER)).data)
    shown = recurring_ical_events.of(cal).between(clock.now(), clock.now() + TWO_YEARS)
    assert sorted((str(e["SUMMARY"]), str(e["STATUS"])) for e in shown) == [("One-off", "CANCELLED")]
    (master,) = [e for e in cal.walk("VEVENT") if str(e["UID"]) == uid(weekly.series_id) and "RECURRENCE-ID" not in e]
    assert master["RRULE"]["UNTIL"] == [clock.now()]
    (off,) = [e for e in cal.walk("VEVENT") if str(e["SUMMARY"]) == "One-off"]
    assert str(off["LOCATION"]) == "https://meet.example/club" and "RRULE" not in off


async def test_series_restarted_at_a_new_time_keeps_its_earlier_meetings(svc, clock):
    """After the rule restarts at a new time (edit of scope series), the file follows the new
    rule and still shows the meeting already held at the old time."""
    occ = (await create(svc, title="Weekly", starts="2026-12-04 18:00", repeat="weekly", reminders="none")).occurrence
    await clock.advance(timedelta(days=4, hours=12))
    series = await store.get_series(svc.ctx.db, occ.series_id)
    held = [o for o in await store.occurrences_of_series(svc.ctx.db, series.id) if o.status == "ended"]
    nxt = next(o for o in await store.occurrences_of_series(svc.ctx.db, series.id) if o.status == "scheduled")
    await svc.edit(MOD, nxt.id, starts="2026-12-12 09:00", scope="series")
    frm, to = occ.starts_at - timedelta(hours=1), clock.now() + TWO_YEARS
    data = (await svc.calendar(MEMBER)).data
    theirs = expanded(data, clock.now(), to)
    assert theirs == await club_schedule(svc, clock.now(), to)
    assert all((s.weekday(), s.hour) == (5, 8) for s, _ in theirs.values() if s.month in (12, 1, 2))
    cal = icalendar.Calendar.from_ical(data)
    earlier = [e.decoded("DTSTART") for e in recurring_ical_events.of(cal).between(frm, clock.now())]
    assert [o.starts_at for o in held] == earlier == [occ.starts_at]


async def test_calendar_reads_back_with_vobject_and_rfc5545_lines(svc):
    """vobject, a second parser, reads the file and expands each master's rule; every line is
    CRLF-terminated, folded at 75 octets, and the required properties are there."""
    await two_series(svc)
    data = (await svc.calendar(MEMBER, NAMES)).data
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    for line in data.split(b"\r\n"):
        assert len(line) <= 75, line
    parsed = vobject.readOne(data.decode("utf-8"), validate=True)
    events = parsed.contents["vevent"]
    assert len(events) >= 4 and parsed.vtimezone.tzid.value == "Europe/Paris"
    for event in events:
        assert event.uid.value and event.dtstamp.value and event.dtstart.value.tzinfo is not None
        assert event.dtend.value > event.dtstart.value
    masters = [e for e in events if not hasattr(e, "recurrence_id")]
    for master in masters:
        starts = list(master.getrruleset())[:60]
        local = [s.astimezone(master.dtstart.value.tzinfo) for s in starts]
        first = parse_local(master.dtstart.value.strftime("%Y-%m-%dT%H:%M"))
        assert {(s.hour, s.minute) for s in local} == {(first.hour, first.minute)}
