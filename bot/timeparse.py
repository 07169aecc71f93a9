"""Times and durations typed by people, in French and English, in the club's zone
(docs/architecture.md, "Time").

A typed time is read in two parts: the clock time (``18h``, ``18 h 30``, ``9h``, ``18 heures``,
``18:00``, ``6pm``, ``midi``, ``minuit``, ``noon``) and the day (nothing, a weekday,
``ce soir`` / ``demain`` / ``après-demain`` / ``tonight`` / ``tomorrow``, or a date that
``dateparser`` reads day-first — month-first for members whose Discord locale is
en-US — ISO dates always). The rules, for every field that takes a time:

- a clock time alone is the next time that clock time comes in the club's zone: today if
  it is still ahead, otherwise tomorrow;
- a weekday with a time is today if that time is still ahead today, otherwise the next
  such weekday; ``prochain`` / ``next`` means the next such weekday after today, never
  today;
- ``ce soir`` / ``tonight`` alone is 20:00 today, and an hour below 12 with it is read in
  the evening (``ce soir 8h`` is 20:00), but midnight or a small-hours ``am`` with it is
  the night after (``ce soir minuit``, ``tonight 1am``: tomorrow) and a morning ``am`` is
  refused; ``cet après-midi`` alone is 15:00, and 1–7 with it is read in the afternoon;
  ``demain`` / ``tomorrow`` alone keeps the current clock time;
- a date without a year is this year's unless its day is past (then next year's), so
  today's date is today; an ISO date must exist (``2027-13-01`` is refused), and an ISO
  time with an offset (``Z``, ``+05:30``) is that instant, whatever the club's zone;
- a date without a time is refused with a suggestion, never silently midnight;
- ``in 2 days`` / ``dans 2 heures`` / ``dans 1 h 30`` count from now (``dateparser``),
  ``dans 3 jours 18h`` is that day at that clock time, and a bare duration counts from
  now too (``48h``, ``90 min``, ``2 jours``) where the field allows one — but for a
  French-speaking member a form that reads as a clock time (``18h``, ``9h``) is always a
  clock time (:func:`is_duration`);
- a wall-clock time that does not exist (spring forward) is moved forward by the gap,
  one that happens twice (fall back) is the first of the two
  (:func:`bot.clock.local_to_utc`, the same rule as recurring series).

Instants come back UTC-aware, to the minute.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import local_to_utc
from bot.errors import InvalidInput


def _dateparse(text: str, **options: Any) -> datetime | None:
    """``dateparser.parse(text, **options)``; the library is imported at the first typed
    time, not at start (0.1 s and a few MB a process needs only then)."""
    import dateparser

    return dateparser.parse(text, **options)


MAX_DURATION = timedelta(days=366)
# Times a club can mean (design decision): anything else is a typo, and keeps date
# arithmetic (start + duration, reminders) far from datetime's limits.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
TEXT_MAX = 100
"""Longest time text read (characters); anything longer is refused by field name."""
TONIGHT = time(20, 0)
"""What ``ce soir`` / ``tonight`` means without a clock time (design decision)."""

_RELATIVE = re.compile(r"^\s*(in|dans)\s", re.IGNORECASE)
_DURATION_UNITS = r"(m|min|mn|mins|minutes?|h|hrs?|hours?|heures?|d|j|days?|jours?|w|weeks?|sem|semaines?)"
_BARE_DURATION = re.compile(rf"^\s*\d+\s*{_DURATION_UNITS}\s*$", re.IGNORECASE)
_HOURS_MINUTES = re.compile(
    r"^\s*(\d{1,3})\s*(?:heures?|hours?|hrs?|h)\s*(\d{1,2})\s*(?:m|min|mn|minutes?)?\s*$", re.IGNORECASE
)
_FRENCH_CLOCK = re.compile(r"(\d{1,2})\s*(?:heures?|h)\s*(\d{2})?")
_ISO_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
_ISO_OFFSET = re.compile(r"\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}(?::\d{2})?\s*(?:z|[+-]\d{2}(?::?\d{2})?)")

# Clock times, tried in this order on the lower-cased text; each leaves the rest as the day.
_CLOCK_PATTERNS = (
    # 6pm, 6 pm, 6:30pm, 6.30 p.m.
    re.compile(r"(?<![\w:.])(\d{1,2})(?:[:.h](\d{2}))?\s*([ap])\.?\s*m\.?(?!\w)"),
    # 18h, 18 h, 18h30, 18 h 30, 9h, 18 heures, 18 heures 30
    re.compile(r"(?<![\w:.])(\d{1,2})\s*(?:heures?|h)\s*(\d{2})?(?![\w:])"),
    # 18:00, 9:30 (not part of a date such as 2026-12-03T18:00:00's seconds)
    re.compile(r"(?<![\w:.])(\d{1,2}):(\d{2})(?::\d{2})?(?![\d:])"),
)
_ISO_T = re.compile(r"(\d{4}-\d{2}-\d{2})t(\d)")
_NAMED_TIMES = {"midi": time(12, 0), "noon": time(12, 0), "minuit": time(0, 0), "midnight": time(0, 0)}
# après-midi is a day word, not noon
_NAMED = re.compile(r"(?<![\w-])(midi|noon|minuit|midnight)(?!\w)")

_WEEKDAYS = {
    "lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5, "dimanche": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
    "lun": 0, "mar": 1, "mer": 2, "jeu": 3, "ven": 4, "sam": 5, "dim": 6,
    "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4, "sat": 5, "sun": 6,
}
_NEXT_WORDS = {"prochain", "prochaine", "next", "this coming"}
_DAY_WORDS = {
    "aujourd'hui": 0, "aujourd’hui": 0, "today": 0, "ce soir": 0, "tonight": 0, "ce matin": 0, "cet après-midi": 0,
    "demain": 1, "tomorrow": 1, "après-demain": 2, "apres-demain": 2, "après demain": 2, "day after tomorrow": 2,
    "the day after tomorrow": 2, "hier": -1, "yesterday": -1, "avant-hier": -2,
}
_EVENING_WORDS = {"ce soir", "tonight"}
AFTERNOON = time(15, 0)
"""What ``cet après-midi`` means without a clock time (design decision)."""
# Words that join a day and a clock time and mean nothing on their own.
_FILLERS = re.compile(r"(?<!\w)(à|a|at|le|on|the|vers|around|de|du|,)(?!\w)")


@dataclass(frozen=True)
class _Clock:
    """A clock time found in the text, and the text without it."""

    at: time | None
    rest: str
    meridiem: str | None = None
    """``"a"`` / ``"p"`` when typed with am/pm, ``"n"`` for a named time (midi, minuit)."""
    french: bool = False
    """Typed with the French ``h`` / ``heures``."""


def _languages(locale: str) -> list[str]:
    return ["fr", "en"] if locale == "fr" else ["en", "fr"]


def _relative_settings(zone: str, base: datetime) -> dict[str, object]:
    local_base = base.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    return {
        "TIMEZONE": zone,
        "TO_TIMEZONE": "UTC",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": local_base,
    }


def _normalise(text: str) -> str:
    cleaned = " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split()).lower()
    return _ISO_T.sub(r"\1 \2", cleaned.replace("’", "'"))


def _find_clock(text: str) -> _Clock:
    """The clock time in ``text`` (``None`` if there is none) and the rest of the text.

    Raises ``ValueError`` for a clock time out of range (``25h``, ``13pm``).
    """
    named = _NAMED.search(text)
    if named:
        rest = (text[: named.start()] + " " + text[named.end():]).strip()
        return _Clock(_NAMED_TIMES[named.group(1)], rest, "n")
    for index, pattern in enumerate(_CLOCK_PATTERNS):
        found = pattern.search(text)
        if not found:
            continue
        hour, minute = int(found.group(1)), int(found.group(2) or 0)
        if index == 0:  # am/pm
            if not 1 <= hour <= 12:
                raise ValueError("hour out of range")
            hour = hour % 12 + (12 if found.group(3) == "p" else 0)
        if hour > 23 or minute > 59:
            raise ValueError("clock time out of range")
        rest = (text[: found.start()] + " " + text[found.end():]).strip()
        return _Clock(time(hour, minute), rest, found.group(3) if index == 0 else None, index == 1)
    return _Clock(None, text)


def _weekday(rest: str) -> tuple[int, bool] | None:
    """``(weekday, next)`` when ``rest`` is a weekday name, with ``prochain``/``next`` or not."""
    words = rest.split()
    is_next = any(w in _NEXT_WORDS for w in words) or rest.startswith("this coming")
    names = [w.rstrip(".") for w in words if w not in _NEXT_WORDS and w not in {"this", "coming"}]
    if len(names) == 1 and names[0] in _WEEKDAYS:
        return _WEEKDAYS[names[0]], is_next
    return None


def _in_day_part(rest: str, clock: _Clock) -> tuple[int, time | None] | None:
    """``(extra days, clock time)`` for a day word: ``ce soir`` reads an hour below 12 in the
    evening (``ce soir 8h`` is 20:00) but midnight and a small-hours ``am`` as the night
    after (``ce soir minuit``, ``tonight 1am``: tomorrow); a morning ``am`` is refused
    (``None``). ``cet après-midi`` reads 1–7 in the afternoon (``3h`` is 15:00)."""
    when = clock.at
    if rest in _EVENING_WORDS:
        if when is None:
            return 0, TONIGHT
        if when.hour == 0 or (clock.meridiem == "a" and when.hour < 6):
            return 1, when
        if clock.meridiem == "a":
            return None
        return 0, time(when.hour + 12, when.minute) if when.hour < 12 and clock.meridiem is None else when
    if rest == "cet après-midi":
        if when is None:
            return 0, AFTERNOON
        return 0, time(when.hour + 12, when.minute) if 0 < when.hour < 8 and clock.meridiem is None else when
    return 0, when


def _date_of(rest: str, *, locale: str, month_first: bool, local_now: datetime) -> date | None:
    """The calendar date ``rest`` names (``dateparser``, day-first unless ``month_first``;
    ISO dates strictly). A date without a year is this year's unless its day is past, so
    today's date is today."""
    if _ISO_DATE.fullmatch(rest):
        try:
            return date.fromisoformat(rest)
        except ValueError:  # 2027-13-01 is no date, not 13 January
            return None
    midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    settings: dict[str, object] = {
        "DATE_ORDER": "MDY" if month_first else "DMY",
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": midnight - timedelta(minutes=1),  # today's date is still ahead
        "REQUIRE_PARTS": ["day", "month"],
    }
    found = _dateparse(rest, languages=_languages(locale), settings=settings)
    return None if found is None else found.date()


def _resolve(text: str, *, field: str, zone: str, locale: str, month_first: bool, now: datetime) -> datetime | None:
    """The instant of a day + clock time text, or ``None`` if it is not of that form.

    Raises :class:`~bot.errors.InvalidInput` for a date without a time.
    """
    try:
        clock = _find_clock(text)
    except ValueError:
        return None
    rest = " ".join(_FILLERS.sub(" ", clock.rest).split())
    local_now = now.astimezone(ZoneInfo(zone)).replace(tzinfo=None, second=0, microsecond=0)
    today = local_now.date()

    def at(day: date, when: time) -> datetime:
        return local_to_utc(datetime.combine(day, when), zone)

    if not rest:
        if clock.at is None:
            return None
        first = at(today, clock.at)
        return first if first > now else at(today + timedelta(days=1), clock.at)
    if rest in _DAY_WORDS:
        moment = _in_day_part(rest, clock)
        if moment is None:
            return None
        return at(today + timedelta(days=_DAY_WORDS[rest] + moment[0]), moment[1] or local_now.time())
    weekday = _weekday(rest)
    if weekday is not None:
        if clock.at is None:
            raise InvalidInput("error.date_without_time", field=field, value=text[:50])
        ahead = (weekday[0] - today.weekday()) % 7
        if weekday[1] and ahead == 0:
            ahead = 7
        candidate = at(today + timedelta(days=ahead), clock.at)
        return candidate if candidate > now or weekday[1] else at(today + timedelta(days=ahead + 7), clock.at)
    day = _date_of(rest, locale=locale, month_first=month_first, local_now=local_now)
    if day is None:
        return None
    if clock.at is None:
        raise InvalidInput("error.date_without_time", field=field, value=text[:50])
    return at(day, clock.at)


def parse_clock_time(text: str, *, field: str) -> time:
    """A time of day alone (a weekly schedule's): ``18:00``, ``18h``, ``18 h 30``, ``6pm``,
    ``9.15``, ``midi``, ``noon`` → ``time`` on a 24 h clock, read by the same rules as
    every typed time. Raises :class:`~bot.errors.InvalidInput` naming ``field``
    (``error.required``, ``error.bad_clock_time``)."""
    cleaned = _normalise(text or "")
    if not cleaned:
        raise InvalidInput("error.required", field=field)
    bad = InvalidInput("error.bad_clock_time", field=field, value=(text or "").strip()[:20])
    dotted = re.fullmatch(r"(\d{1,2})\.(\d{2})", cleaned)  # 9.15: only alone (03.04.2027 is a date)
    if dotted:
        cleaned = f"{dotted.group(1)}:{dotted.group(2)}"
    try:
        clock = _find_clock(cleaned)
    except ValueError:
        raise bad from None
    if clock.at is None or clock.rest:
        raise bad
    return clock.at


def is_duration(text: str, locale: str = "en") -> bool:
    """Whether ``text`` is a bare duration such as ``48h``, ``90m``, ``1h30`` or ``2 jours``.

    In French, ``18h``, ``9h`` and ``18h30`` (hours up to 23 with the French ``h``) are
    clock times, never durations, so where a field takes a time or a duration they mean
    the time; in English, where ``h`` is not a clock notation, they stay durations
    (``closes: 2h`` is two hours)."""
    cleaned = _normalise(text or "")
    if not (_BARE_DURATION.match(cleaned) or _HOURS_MINUTES.match(cleaned)):
        return False
    clock = _FRENCH_CLOCK.fullmatch(cleaned)
    return not (locale == "fr" and clock and int(clock.group(1)) <= 23)


def parse_duration(text: str, *, field: str, locale: str = "en", base: datetime | None = None) -> timedelta:
    """``"48h"``, ``"90m"``, ``"1 h 30"``, ``"1h30"``, ``"2 days"``, ``"3 semaines"`` →
    positive ``timedelta`` (≤ 366 days).

    Raises :class:`~bot.errors.InvalidInput` naming ``field`` when unreadable, zero or too long.
    """
    base = base or datetime(2000, 1, 3, tzinfo=UTC)
    cleaned = _normalise(text or "")
    if not cleaned:
        raise InvalidInput("error.required", field=field)
    cleaned = _duration_text(cleaned)
    if not re.search(r"[^\W\d_]", cleaned):  # a bare number (30) is no duration, never a date
        raise InvalidInput("error.bad_duration", field=field, value=cleaned[:50])
    hours_minutes = _HOURS_MINUTES.match(cleaned)
    if hours_minutes:
        delta = timedelta(hours=int(hours_minutes.group(1)), minutes=int(hours_minutes.group(2)))
    else:
        delta = _relative_duration(cleaned, field=field, locale=locale, base=base)
    if delta <= timedelta(0) or delta > MAX_DURATION:
        raise InvalidInput("error.duration_range", field=field, max_days=MAX_DURATION.days)
    return delta


def _duration_text(cleaned: str) -> str:
    """A duration as ``dateparser`` reads it: ``1,5 h`` → ``1.5 h``, ``90mn`` → ``90min``."""
    return re.sub(r"(?<=\d)mn(?!\w)", "min", re.sub(r"(\d),(\d)", r"\1.\2", cleaned))


def _relative_duration(cleaned: str, *, field: str, locale: str, base: datetime) -> timedelta:
    for prefix in ("in", "dans"):
        try:
            found = _dateparse(
                f"{prefix} {cleaned}", languages=_languages(locale), settings=_relative_settings("UTC", base)
            )
        except (OverflowError, ValueError):  # "in 99999999 days"
            raise InvalidInput("error.duration_range", field=field, max_days=MAX_DURATION.days) from None
        if found is not None:
            return found - base
    raise InvalidInput("error.bad_duration", field=field, value=cleaned[:50])


def _relative_instant(cleaned: str, *, field: str, zone: str, locale: str, now: datetime) -> datetime | None:
    """``dans 1 h 30`` / ``in 1h30`` (hours and minutes from now), ``dans 3 jours 18h`` (that
    day at that clock time), otherwise what ``dateparser`` reads (``dans 2 heures``)."""
    prefix, body = cleaned.split(" ", 1)
    body = _duration_text(body)
    if _HOURS_MINUTES.match(body):
        return now + parse_duration(body, field=field, locale=locale)
    try:
        clock = _find_clock(body)
    except ValueError:
        clock = _Clock(None, body)
    days = " ".join(_FILLERS.sub(" ", clock.rest).split())
    if clock.at is not None and days and _BARE_DURATION.match(days) and (locale == "fr" or not clock.french):
        delta = parse_duration(days, field=field, locale=locale)
        if delta % timedelta(days=1) == timedelta(0):
            local_day = now.astimezone(ZoneInfo(zone)).date() + delta
            return local_to_utc(datetime.combine(local_day, clock.at), zone)
    found = _dateparse(f"{prefix} {body}", languages=_languages(locale), settings=_relative_settings(zone, now))
    return None if found is None else found.astimezone(UTC)


def parse_instant(
    text: str, *, field: str, zone: str, locale: str, now: datetime, month_first: bool = False
) -> datetime:
    """A time typed in the club's zone and the member's language → UTC-aware instant, by
    the rules of this module (``now``: UTC-aware; ``month_first`` for en-US members).

    Understands ``18h``, ``jeudi 18h``, ``mardi prochain 18h``, ``ce soir 20h``, ``midi``,
    ``03/04/2027 18h`` (3 April), ``2026-12-03 18:00``, ``next tuesday 6pm``,
    ``in 2 days``, ``dans 2 heures``. Raises :class:`~bot.errors.InvalidInput` naming
    ``field`` when the text cannot be read (``error.bad_time``), is a date without a time
    (``error.date_without_time``) or is too long.
    """
    cleaned = _normalise(text or "")
    if not cleaned:
        raise InvalidInput("error.required", field=field)
    if len(cleaned) > TEXT_MAX:
        raise InvalidInput("error.too_long", field=field, limit=TEXT_MAX, length=len(cleaned))
    instant: datetime | None
    try:
        if _ISO_OFFSET.fullmatch(cleaned):  # an explicit offset is the instant meant
            instant = datetime.fromisoformat(cleaned.upper()).astimezone(UTC)
        elif _RELATIVE.match(cleaned):
            instant = _relative_instant(cleaned, field=field, zone=zone, locale=locale, now=now)
        else:
            instant = _resolve(cleaned, field=field, zone=zone, locale=locale, month_first=month_first, now=now)
    except (OverflowError, ValueError):  # e.g. "0001-01-01 00:00" shifted out of datetime's range
        instant = None
    if instant is None or not EARLIEST <= instant <= LATEST:
        raise InvalidInput("error.bad_time", field=field, value=(text or "").strip()[:50])
    return instant.replace(second=0, microsecond=0)


def parse_future_instant(
    text: str, *, field: str, zone: str, locale: str, now: datetime, base: datetime | None = None,
    month_first: bool = False,
) -> datetime:
    """Like :func:`parse_instant` but a bare duration (:func:`is_duration`) counts from
    ``base`` (default ``now``), and the result must be after ``now``; raises
    :class:`~bot.errors.InvalidInput` (``error.time_in_past``) otherwise.
    """
    if is_duration(text, locale):
        instant = (base or now) + parse_duration(text, field=field, locale=locale, base=base or now)
    else:
        instant = parse_instant(text, field=field, zone=zone, locale=locale, now=now, month_first=month_first)
    if instant <= now:
        raise InvalidInput("error.time_in_past", field=field)
    return instant
