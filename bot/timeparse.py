"""Times and durations typed by people, parsed with ``dateparser`` in the club's zone.

Instants come back UTC-aware. ``dateparser`` does not read the French hour notation
``18h`` / ``18h30``; it is rewritten to ``18:00`` / ``18:30`` first (only that notation:
the rest is dateparser's). Durations (``48h``, ``90m``, ``2 jours``) are read as
"in …" relative to a base instant.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import dateparser

from bot.errors import InvalidInput

_FRENCH_HOUR = re.compile(r"(?<![\w:])([01]?\d|2[0-3])\s?h\s?([0-5]\d)?(?![\w:])", re.IGNORECASE)
_RELATIVE = re.compile(r"^\s*(in|dans)\s", re.IGNORECASE)
_BARE_DURATION = re.compile(r"^\s*\d+\s*(m|min|mn|minutes?|h|hours?|heures?|d|j|days?|jours?|w|weeks?|semaines?)\s*$", re.IGNORECASE)
MAX_DURATION = timedelta(days=366)
# Times a club can mean (design decision): anything else is a typo, and keeps date
# arithmetic (start + duration, reminders) far from datetime's limits.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def _languages(locale: str) -> list[str]:
    return ["fr", "en"] if locale == "fr" else ["en", "fr"]


def _settings(zone: str, base: datetime) -> dict[str, object]:
    local_base = base.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    return {
        "TIMEZONE": zone,
        "TO_TIMEZONE": "UTC",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": local_base,
    }


def is_duration(text: str) -> bool:
    """Whether ``text`` is a bare duration such as ``48h``, ``90m`` or ``2 jours``."""
    return bool(_BARE_DURATION.match(text or ""))


def parse_duration(text: str, *, field: str, locale: str = "en", base: datetime | None = None) -> timedelta:
    """``"48h"``, ``"90m"``, ``"2 days"``, ``"3 semaines"`` → positive ``timedelta`` (≤ 366 days).

    Raises :class:`~bot.errors.InvalidInput` naming ``field`` when unreadable, zero or too long.
    """
    base = base or datetime(2000, 1, 3, tzinfo=UTC)
    cleaned = (text or "").strip()
    if not cleaned:
        raise InvalidInput("error.required", field=field)
    found = None
    for prefix in ("in", "dans"):
        try:
            found = dateparser.parse(
                f"{prefix} {cleaned}", languages=_languages(locale), settings=_settings("UTC", base)
            )
        except (OverflowError, ValueError):  # "in 99999999 days"
            raise InvalidInput("error.duration_range", field=field, max_days=MAX_DURATION.days) from None
        if found is not None:
            break
    if found is None:
        raise InvalidInput("error.bad_duration", field=field, value=cleaned[:50])
    delta = found - base
    if delta <= timedelta(0) or delta > MAX_DURATION:
        raise InvalidInput("error.duration_range", field=field, max_days=MAX_DURATION.days)
    return delta


def parse_instant(text: str, *, field: str, zone: str, locale: str, now: datetime) -> datetime:
    """A time typed in the club's zone and language → UTC-aware instant.

    Understands ``2026-12-03 18:00``, ``jeudi 18h``, ``next tuesday 6pm``, ``in 2 days``,
    ``dans 2 heures``. Raises :class:`~bot.errors.InvalidInput` naming ``field`` when the
    text cannot be read.
    """
    cleaned = (text or "").strip()
    if not cleaned:
        raise InvalidInput("error.required", field=field)
    if len(cleaned) > 100:
        raise InvalidInput("error.too_long", field=field, limit=100, length=len(cleaned))
    candidate = cleaned if _RELATIVE.match(cleaned) else _FRENCH_HOUR.sub(
        lambda m: f"{int(m.group(1)):02d}:{m.group(2) or '00'}", cleaned
    )
    try:
        found = dateparser.parse(candidate, languages=_languages(locale), settings=_settings(zone, now))
        instant = None if found is None else found.astimezone(UTC).replace(microsecond=0)
    except (OverflowError, ValueError):  # e.g. "0001-01-01 00:00" shifted out of datetime's range
        instant = None
    if instant is None or not EARLIEST <= instant <= LATEST:
        raise InvalidInput("error.bad_time", field=field, value=cleaned[:50])
    return instant


def parse_future_instant(
    text: str, *, field: str, zone: str, locale: str, now: datetime, base: datetime | None = None
) -> datetime:
    """Like :func:`parse_instant` but a bare duration counts from ``base`` (default ``now``),
    and the result must be after ``now``; raises :class:`~bot.errors.InvalidInput` otherwise.
    """
    if is_duration(text):
        instant = (base or now) + parse_duration(text, field=field, locale=locale, base=base or now)
    else:
        instant = parse_instant(text, field=field, zone=zone, locale=locale, now=now)
    if instant <= now:
        raise InvalidInput("error.time_in_past", field=field)
    return instant
