"""The one recurrence engine: polls, meetings, prompts and digests compute their occurrences here.

A recurring thing is a local wall-clock start (a naive ``datetime``, the first occurrence:
RFC 5545's DTSTART), an IANA zone and an RFC 5545 rule expanded by ``dateutil.rrule`` on
that wall clock (docs/architecture.md, "Time"). Each local start becomes a UTC instant
only at the end, by the one daylight-saving rule of :func:`bot.clock.local_to_utc`, so a
quarterly meeting at 18:00 Europe/Paris stays at 18:00 Paris time in winter and summer.

Rules (:func:`rule_for`), a design decision:

- ``weekly``: every week on the start's weekday;
- ``monthly``, ``quarterly`` (3 months), ``semiannual`` (6) and ``yearly`` (12) by
  ``date``: the start's day of the month, and days 29–31 fall back to the month's last
  day (31 January quarterly → 30 April, 31 July…; 29 February yearly → 28 February)
  instead of skipping the short months as RFC 5545 would (``BYMONTHDAY=28,…,d`` with
  ``BYSETPOS=-1`` keeps the last existing day of that list);
- the same by ``weekday``: the start's weekday position in its month (the 3rd Tuesday);
  a 5th weekday is refused, since most months have none (choose ``last_weekday``);
- the same by ``last_weekday``: the month's last such weekday (the last Thursday); the
  start must be in its month's last seven days.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from dateutil.rrule import rrulestr

from bot.clock import local_to_utc, utc_to_local
from bot.errors import InvalidInput

Frequency = Literal["none", "weekly", "monthly", "quarterly", "semiannual", "yearly"]
Anchor = Literal["date", "weekday", "last_weekday"]
ANCHORS: tuple[Anchor, ...] = ("date", "weekday", "last_weekday")

MONTHS: dict[str, int] = {"monthly": 1, "quarterly": 3, "semiannual": 6, "yearly": 12}
"""Months between two occurrences of each month-based frequency."""

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_BYDAY = re.compile(r"BYDAY=([+-]\d)(MO|TU|WE|TH|FR|SA|SU)\b")
# The widest daylight-saving jump of any zone is 2 hours (Antarctica/Troll): looking that
# far back on the wall clock never misses an instant just after a UTC ``after``.
_WALL_CLOCK_SLACK = timedelta(hours=3)
_SEARCH_LIMIT = 1000


def rule_for(frequency: str, first: datetime, anchor: Anchor = "date", *, field: str = "repeat") -> str | None:
    """The RFC 5545 rule (without DTSTART) of ``frequency`` for a series whose first
    occurrence is at naive local ``first``; ``None`` for ``none``.

    ``anchor`` applies to month-based frequencies only (see the module's rules). Raises
    ``InvalidInput`` naming ``field``: ``error.repeat_anchor_monthly`` (an anchor other than
    ``date`` for ``none``/``weekly``), ``error.repeat_fifth_weekday`` (the start is a 5th
    weekday), ``error.repeat_not_last_weekday`` (the start is not in its month's last week),
    ``error.repeat_unknown`` (any other frequency).
    """
    if frequency in ("none", "weekly"):
        if anchor != "date":
            raise InvalidInput("error.repeat_anchor_monthly", field=field)
        return None if frequency == "none" else "FREQ=WEEKLY;INTERVAL=1"
    if frequency not in MONTHS:
        raise InvalidInput("error.repeat_unknown", field=field, value=frequency[:30])
    base = f"FREQ=MONTHLY;INTERVAL={MONTHS[frequency]}"
    day, weekday = first.day, _WEEKDAYS[first.weekday()]
    if anchor == "weekday":
        position = (day - 1) // 7 + 1
        if position == 5:
            raise InvalidInput("error.repeat_fifth_weekday", field=field)
        return f"{base};BYDAY=+{position}{weekday}"
    if anchor == "last_weekday":
        if day + 7 <= calendar.monthrange(first.year, first.month)[1]:
            raise InvalidInput("error.repeat_not_last_weekday", field=field)
        return f"{base};BYDAY=-1{weekday}"
    if day > 28:
        days = ",".join(str(d) for d in range(28, day + 1))
        return f"{base};BYMONTHDAY={days};BYSETPOS=-1"
    return base


def anchor_of(rule: str | None) -> Anchor:
    """Which :data:`ANCHORS` value a rule made by :func:`rule_for` was built with."""
    if rule is None or "BYDAY=" not in rule:
        return "date"
    return "last_weekday" if "BYDAY=-1" in rule else "weekday"


def weekday_position(rule: str | None) -> tuple[int, int] | None:
    """``(position, weekday)`` of a rule by weekday made by :func:`rule_for`: ``(3, 1)`` for
    the 3rd Tuesday, ``(-1, 3)`` for the last Thursday (weekday 0 = Monday, as
    ``datetime.weekday``); ``None`` for a rule by date, weekly or none."""
    found = _BYDAY.search(rule or "")
    if found is None:
        return None
    return int(found.group(1)), _WEEKDAYS.index(found.group(2))


@dataclass(frozen=True)
class Recurrence:
    """A recurring schedule: naive local ``start`` (the first occurrence), IANA ``zone``,
    RFC 5545 ``rule`` (``None``: once, at ``start``)."""

    start: datetime
    zone: str
    rule: str | None = None

    def local_starts(self, after: datetime | None = None) -> Iterator[datetime]:
        """Naive local starts in order; only those strictly after naive local ``after`` if given."""
        if self.rule is None:
            if after is None or self.start > after:
                yield self.start
            return
        expanded = rrulestr(self.rule, dtstart=self.start)
        current = self.start if after is None or after < self.start else expanded.after(after, inc=False)
        while current is not None:
            yield current
            current = expanded.after(current, inc=False)

    def includes(self, local: datetime) -> bool:
        """Whether naive local ``local`` is one of the rule's starts (an RFC 5545
        ``RECURRENCE-ID`` of this schedule)."""
        if local < self.start:
            return False
        first = next(self.local_starts(after=local - timedelta(microseconds=1)), None)
        return first == local

    def occurrences(self, after: datetime | None = None, limit: int = 10) -> list[tuple[datetime, datetime]]:
        """Up to ``limit`` pairs ``(naive local start, UTC-aware start)`` after naive local ``after``."""
        found = []
        for local in self.local_starts(after):
            found.append((local, local_to_utc(local, self.zone)))
            if len(found) >= limit:
                break
        return found

    def next_after(self, local: datetime) -> tuple[datetime, datetime] | None:
        """The next ``(naive local start, UTC start)`` strictly after naive local ``local``, or ``None``."""
        found = self.occurrences(after=local, limit=1)
        return found[0] if found else None

    def instants_after(self, instant: datetime, count: int = 1) -> list[tuple[datetime, datetime]]:
        """The next ``count`` pairs ``(naive local start, UTC start)`` whose UTC start is strictly
        after the UTC-aware ``instant`` (fewer if the rule ends)."""
        found: list[tuple[datetime, datetime]] = []
        cursor = utc_to_local(instant, self.zone) - _WALL_CLOCK_SLACK
        for local in self.local_starts(after=cursor if cursor >= self.start else None):
            at = local_to_utc(local, self.zone)
            if at > instant:
                found.append((local, at))
                if len(found) >= count or len(found) >= _SEARCH_LIMIT:
                    break
        return found


def weekly(weekday: int, hour: int, minute: int, zone: str, near: datetime) -> Recurrence:
    """Every ``weekday`` (0 = Monday) at ``hour``:``minute`` on the wall clock of ``zone``,
    starting the week before the UTC instant ``near`` (so expanding from ``near`` costs a
    few steps, not one per week since an epoch). Raises ``ValueError`` for an hour or a
    minute out of range."""
    local_near = utc_to_local(near, zone).replace(second=0, microsecond=0)
    day = local_near.date() - timedelta(days=7 + (local_near.weekday() - weekday) % 7)
    start = datetime(day.year, day.month, day.day, hour, minute)
    return Recurrence(start, zone, "FREQ=WEEKLY;INTERVAL=1")


def weekly_instants(weekday: int, hour: int, minute: int, zone: str, after: datetime, count: int = 1) -> list[datetime]:
    """The next ``count`` UTC-aware instants strictly after the UTC-aware ``after`` that are
    ``weekday`` (0 = Monday) at ``hour``:``minute`` on the wall clock of ``zone`` (the weekly
    prompt, the feedback digest): 18:00 stays 18:00 local across DST, by the one rule of
    :func:`bot.clock.local_to_utc`."""
    return [at for _, at in weekly(weekday, hour, minute, zone, after).instants_after(after, count)]


def next_weekly(weekday: int, hour: int, minute: int, zone: str, after: datetime) -> datetime:
    """The first of :func:`weekly_instants` (a weekly rule never ends)."""
    return weekly_instants(weekday, hour, minute, zone, after, 1)[0]

