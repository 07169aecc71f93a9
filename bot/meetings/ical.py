"""The ``.ics`` calendar of a club's meetings, built with the ``icalendar`` library.

Each occurrence is its own VEVENT with a stable UID per series and recurrence
(``meeting-{series}-{recurrence}@cercle``), so a calendar app that re-imports the file
updates moved occurrences in place. Times are written in UTC; titles and agendas are
kept whole (calendars have no Discord limits).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.meetings.store import Occurrence

PRODID = "-//Cercle//meetings//EN"


def uid(occ: Occurrence) -> str:
    """Stable identifier of one occurrence across exports."""
    return f"meeting-{occ.series_id}-{occ.recurrence_local.replace(':', '')}@cercle"


def build_calendar(occurrences: Iterable[Occurrence], *, now: datetime, name: str = "Cercle") -> bytes:
    """RFC 5545 bytes with one VEVENT per occurrence (``DTSTART``/``DTEND`` in UTC).
    ``icalendar`` is imported at the first calendar, not at start."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    for occ in occurrences:
        event = Event()
        event.add("uid", uid(occ))
        event.add("dtstamp", now)
        event.add("dtstart", occ.starts_at)
        event.add("dtend", occ.ends_at)
        event.add("summary", occ.title)
        if occ.agenda:
            event.add("description", occ.agenda)
        if occ.location.channel_id:
            event.add("location", f"Discord <#{occ.location.channel_id}>")
        elif occ.location.text:
            event.add("location", occ.location.text)
            if occ.location.text.startswith(("http://", "https://")):
                event.add("url", occ.location.text)
        event.add("status", "CONFIRMED")
        cal.add_component(event)
    return cal.to_ical()
