"""The ``.ics`` calendar of a club's meetings, built with the ``icalendar`` library.

One ``VEVENT`` per series (RFC 5545): a recurring series is a master event with its
``RRULE`` (the rule :func:`bot.recurrence.rule_for` made, unchanged) on the series' wall
clock (``DTSTART;TZID=…`` with the zone's ``VTIMEZONE``), so 18:00 Paris stays 18:00
across daylight-saving changes in every calendar app. Each stored occurrence of the rule
(announced, moved, edited or cancelled) is an override with the same ``UID`` and a
``RECURRENCE-ID``: a moved one carries its new ``DTSTART``, a cancelled one
``STATUS:CANCELLED`` (so calendars that imported it before drop it). A stored occurrence
outside the rule (the rule restarted at a new time since) is an event of its own.

``SEQUENCE`` is the series' revision (the master) or the series' plus the occurrence's
(an override): both grow with every change, so an app that imports the file again takes
the change. The location is readable ("Discord — #general"), ``URL`` is the announcement's
link, and the calendar bears the club's name. Titles and agendas are kept whole
(calendars have no Discord limits).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import local_to_utc
from bot.meetings.render import jump_url
from bot.meetings.rules import Location, parse_local
from bot.meetings.store import Occurrence, Series

PRODID = "-//Cercle//meetings//EN"


@dataclass(frozen=True)
class CalendarNames:
    """What the file shows instead of ids: the ``club``'s name (the calendar's name) and
    readable ``channels`` names by id (``"#general"``, a voice channel's name)."""

    club: str = "Cercle"
    channels: Mapping[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SeriesEntry:
    """A series and its stored ``occurrences`` (announced or overridden), any order."""

    series: Series
    occurrences: Sequence[Occurrence]


def uid(series_id: int, recurrence_local: str | None = None) -> str:
    """Stable identifier of a series (its master and overrides share it), or of one
    occurrence that stands on its own (``recurrence_local``: its local ISO start)."""
    if recurrence_local is None:
        return f"meeting-{series_id}@cercle"
    return f"meeting-{series_id}-{recurrence_local.replace(':', '')}@cercle"


def location_text(location: Location, names: CalendarNames) -> str:
    """``"Discord — #name"`` for a channel (``"Discord"`` when its name is unknown), else
    the typed text (an address, a link; may be empty)."""
    if location.channel_id:
        name = names.channels.get(location.channel_id)
        return f"Discord — {name}" if name else "Discord"
    return location.text


def build_calendar(entries: Iterable[SeriesEntry], *, now: datetime, names: CalendarNames | None = None) -> bytes:
    """RFC 5545 bytes: one ``VEVENT`` per series (master + ``RECURRENCE-ID`` overrides for
    a recurring one), times on the series' wall clock with ``TZID`` and ``VTIMEZONE``,
    ``now`` (UTC) as ``DTSTAMP``. ``icalendar`` is imported at the first calendar, not at start."""
    from icalendar import Calendar

    names = names or CalendarNames()
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("name", names.club)
    cal.add("x-wr-calname", names.club)
    for entry in entries:
        for event in _series_events(entry, now, names):
            cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


def _series_events(entry: SeriesEntry, now: datetime, names: CalendarNames) -> list[Any]:
    """The events of one series: a one-off's occurrence; a recurring series' master, its
    overrides and the stored occurrences outside its rule (cancelled ones of those left out,
    as are those after the series' cancellation, where its rule ends)."""
    series, rule = entry.series, entry.series.rule
    stored = sorted(entry.occurrences, key=lambda o: o.starts_at)
    if series.rrule is None:
        return [_occurrence_event(o, now, names, own_uid=len(stored) > 1) for o in stored]
    events = [_master(series, now, names)]
    for occ in stored:
        local = parse_local(occ.recurrence_local)
        ended = series.cancelled_at is not None and local_to_utc(local, series.timezone) > series.cancelled_at
        if rule.includes(local) and not ended:
            events.append(_override(occ, now, names))
        elif occ.status != "cancelled":
            events.append(_occurrence_event(occ, now, names, own_uid=True))
    return events


def _event(now: datetime, *, title: str, agenda: str, location: str, url: str, sequence: int, status: str) -> Any:
    """A ``VEVENT`` with what every event of the file carries."""
    from icalendar import Event

    event = Event()
    event.add("dtstamp", now)
    event.add("summary", title)
    description = f"{agenda}\n\n{url}" if agenda else url
    event.add("description", description)
    if location:
        event.add("location", location)
    event.add("url", url)
    event.add("sequence", sequence)
    event.add("status", status)
    event.add("transp", "OPAQUE")
    return event


def _master(series: Series, now: datetime, names: CalendarNames) -> Any:
    """The recurring series itself: ``DTSTART`` on its wall clock, its ``RRULE`` (ending at
    the series' cancellation, if cancelled)."""
    from icalendar import vRecur

    zone = ZoneInfo(series.timezone)
    start = parse_local(series.local_start).replace(tzinfo=zone)
    event = _event(
        now, title=series.title, agenda=series.agenda, location=location_text(series.location, names),
        url=jump_url(series.guild_id, series.channel_id, None), sequence=series.revision, status="CONFIRMED",
    )
    event.add("uid", uid(series.id))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(seconds=series.duration_s))
    assert series.rrule is not None
    rule = vRecur.from_ical(series.rrule)
    if series.cancelled_at is not None:
        rule["UNTIL"] = [series.cancelled_at]
    event.add("rrule", rule)
    return event


def _timed(event: Any, occ: Occurrence) -> None:
    """``DTSTART``/``DTEND`` of ``occ`` on its series' wall clock."""
    zone = ZoneInfo(occ.timezone)
    event.add("dtstart", occ.starts_at.astimezone(zone))
    event.add("dtend", occ.ends_at.astimezone(zone))


def _occurrence_fields(occ: Occurrence, now: datetime, names: CalendarNames) -> Any:
    """An event with what one stored occurrence says: its text, announcement link, state."""
    return _event(
        now, title=occ.title, agenda=occ.agenda, location=location_text(occ.location, names),
        url=jump_url(occ.guild_id, occ.channel_id, occ.message_id), sequence=occ.series_revision + occ.revision,
        status="CANCELLED" if occ.status == "cancelled" else "CONFIRMED",
    )


def _override(occ: Occurrence, now: datetime, names: CalendarNames) -> Any:
    """One stored occurrence of a recurring series as an override of its master
    (``RECURRENCE-ID``: the rule's original local start)."""
    event = _occurrence_fields(occ, now, names)
    event.add("uid", uid(occ.series_id))
    event.add("recurrence-id", parse_local(occ.recurrence_local).replace(tzinfo=ZoneInfo(occ.timezone)))
    _timed(event, occ)
    return event


def _occurrence_event(occ: Occurrence, now: datetime, names: CalendarNames, *, own_uid: bool) -> Any:
    """One occurrence as an event of its own (a one-off meeting, or an occurrence outside
    its series' current rule): ``own_uid`` gives it the occurrence's identifier."""
    event = _occurrence_fields(occ, now, names)
    event.add("uid", uid(occ.series_id, occ.recurrence_local if own_uid else None))
    _timed(event, occ)
    return event
