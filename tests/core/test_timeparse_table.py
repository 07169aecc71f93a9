"""The typed-time rules (bot/timeparse.py) as a table: ordinary and awkward moments
(month ends, 31 December, an hour before midnight, inside the zone's UTC offset,
daylight-saving days), French and English."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.errors import InvalidInput
from bot.timeparse import is_duration, parse_clock_time, parse_duration, parse_future_instant, parse_instant

PARIS = "Europe/Paris"


def paris(y: int, mo: int, d: int, h: int = 0, mi: int = 0, zone: str = PARIS) -> datetime:
    """A wall-clock time (outside any DST change) as a UTC instant."""
    return datetime(y, mo, d, h, mi, tzinfo=ZoneInfo(zone)).astimezone(UTC)


MON10 = paris(2026, 11, 30, 10)  # Monday 10:00
THU8 = paris(2026, 12, 3, 8)  # Thursday morning
NYE = paris(2026, 12, 31, 21)  # 31 December, 21:00
NOV30 = paris(2026, 11, 30, 14)  # last day of the month
LATE = paris(2026, 12, 2, 23)  # an hour before midnight
OFFSET = paris(2026, 12, 2, 17, 30)  # 18:00 is within Paris's UTC offset
AFTER_MIDNIGHT = paris(2026, 12, 3, 0, 30)  # still 2 December in UTC
SPRING = datetime(2027, 3, 28, 0, 0, tzinfo=UTC)  # 01:00 in Paris, an hour before the gap
NYE2330 = paris(2026, 12, 31, 23, 30)  # half an hour before the new year
AUTUMN = datetime(2027, 10, 30, 22, 0, tzinfo=UTC)  # 00:00 summer time, the night 02:00–03:00 happens twice

CASES = [
    # bare clock times: the next time it comes
    (MON10, "18h", "fr", paris(2026, 11, 30, 18)),
    (MON10, "18 h", "fr", paris(2026, 11, 30, 18)),
    (MON10, "18h30", "fr", paris(2026, 11, 30, 18, 30)),
    (MON10, "18 h 30", "fr", paris(2026, 11, 30, 18, 30)),
    (MON10, "9h", "fr", paris(2026, 12, 1, 9)),
    (THU8, "9h", "fr", paris(2026, 12, 3, 9)),
    (MON10, "10h", "fr", paris(2026, 12, 1, 10)),
    (MON10, "7 h 05", "fr", paris(2026, 12, 1, 7, 5)),
    (MON10, "18:00", "en", paris(2026, 11, 30, 18)),
    (MON10, "6pm", "en", paris(2026, 11, 30, 18)),
    (MON10, "6:30 pm", "en", paris(2026, 11, 30, 18, 30)),
    (MON10, "6 p.m.", "en", paris(2026, 11, 30, 18)),
    (MON10, "11am", "en", paris(2026, 11, 30, 11)),
    (MON10, "12am", "en", paris(2026, 12, 1, 0)),
    (MON10, "midi", "fr", paris(2026, 11, 30, 12)),
    (MON10, "minuit", "fr", paris(2026, 12, 1, 0)),
    (MON10, "noon", "en", paris(2026, 11, 30, 12)),
    (MON10, "midnight", "en", paris(2026, 12, 1, 0)),
    (MON10, "18H", "fr", paris(2026, 11, 30, 18)),
    (MON10, "18h\u00a030", "fr", paris(2026, 11, 30, 18, 30)),
    # weekdays: today if still ahead, else the next; prochain/next is never today
    (MON10, "jeudi 18h", "fr", paris(2026, 12, 3, 18)),
    (THU8, "jeudi 18h", "fr", paris(2026, 12, 3, 18)),
    (THU8, "jeudi 7h", "fr", paris(2026, 12, 10, 7)),
    (THU8, "jeudi prochain 18h", "fr", paris(2026, 12, 10, 18)),
    (THU8, "thursday 6pm", "en", paris(2026, 12, 3, 18)),
    (THU8, "next thursday 6pm", "en", paris(2026, 12, 10, 18)),
    (MON10, "mardi prochain 18h", "fr", paris(2026, 12, 1, 18)),
    (MON10, "lundi prochain à midi", "fr", paris(2026, 12, 7, 12)),
    (MON10, "lundi à midi", "fr", paris(2026, 11, 30, 12)),
    (MON10, "Mercredi à 14h", "fr", paris(2026, 12, 2, 14)),
    (MON10, "friday at 9am", "en", paris(2026, 12, 4, 9)),
    (NYE, "dimanche 18h", "fr", paris(2027, 1, 3, 18)),
    (NYE, "friday 9am", "en", paris(2027, 1, 1, 9)),
    (MON10, "jeu 18h", "fr", paris(2026, 12, 3, 18)),
    (MON10, "mer. 18h", "fr", paris(2026, 12, 2, 18)),
    (MON10, "thu. 6pm", "en", paris(2026, 12, 3, 18)),
    # day words
    (MON10, "ce soir 20h", "fr", paris(2026, 11, 30, 20)),
    (MON10, "ce soir", "fr", paris(2026, 11, 30, 20)),
    (MON10, "ce soir 8h", "fr", paris(2026, 11, 30, 20)),
    (MON10, "tonight 7pm", "en", paris(2026, 11, 30, 19)),
    (MON10, "tonight", "en", paris(2026, 11, 30, 20)),
    (MON10, "demain 9h30", "fr", paris(2026, 12, 1, 9, 30)),
    (MON10, "demain à 18h", "fr", paris(2026, 12, 1, 18)),
    (MON10, "demain", "fr", paris(2026, 12, 1, 10)),
    (MON10, "tomorrow 6pm", "en", paris(2026, 12, 1, 18)),
    (MON10, "tomorrow at noon", "en", paris(2026, 12, 1, 12)),
    (MON10, "après-demain 14h", "fr", paris(2026, 12, 2, 14)),
    (MON10, "the day after tomorrow 2pm", "en", paris(2026, 12, 2, 14)),
    (MON10, "aujourd'hui 15h", "fr", paris(2026, 11, 30, 15)),
    (MON10, "aujourd’hui à 15h", "fr", paris(2026, 11, 30, 15)),
    (MON10, "today 3pm", "en", paris(2026, 11, 30, 15)),
    # dates: day-first, ISO always
    (MON10, "03/04/2027 18h", "fr", paris(2027, 4, 3, 18)),
    (MON10, "03.04.2027 18h", "fr", paris(2027, 4, 3, 18)),
    (MON10, "03/04/2027 18:00", "en", paris(2027, 4, 3, 18)),
    (MON10, "2027-04-03 18:00", "fr", paris(2027, 4, 3, 18)),
    (MON10, "2027-04-03T18:00", "en", paris(2027, 4, 3, 18)),
    (MON10, "2027-04-03 18:00:00", "en", paris(2027, 4, 3, 18)),
    (MON10, "3 avril 2027 à 18h", "fr", paris(2027, 4, 3, 18)),
    (MON10, "le 3 avril à 18h", "fr", paris(2027, 4, 3, 18)),
    (MON10, "april 3 6pm", "en", paris(2027, 4, 3, 18)),
    (MON10, "3 April at 6pm", "en", paris(2027, 4, 3, 18)),
    (MON10, "mardi 16 mars 18h", "fr", paris(2027, 3, 16, 18)),
    (MON10, "1er décembre 18h", "fr", paris(2026, 12, 1, 18)),
    (NYE, "31/12/2026 23h", "fr", paris(2026, 12, 31, 23)),
    # a date without a year is this year's unless its day is past: today's date is today
    (THU8, "le 3 décembre 18h", "fr", paris(2026, 12, 3, 18)),
    (THU8, "3 déc 18h", "fr", paris(2026, 12, 3, 18)),
    (THU8, "03/12 18h", "fr", paris(2026, 12, 3, 18)),
    (THU8, "december 3 6pm", "en", paris(2026, 12, 3, 18)),
    (THU8, "jeudi 3 décembre 18h", "fr", paris(2026, 12, 3, 18)),
    (NYE2330, "31/12 23h59", "fr", paris(2026, 12, 31, 23, 59)),
    (THU8, "2 décembre 18h", "fr", paris(2027, 12, 2, 18)),
    # an explicit UTC offset is the instant meant
    (MON10, "2027-04-03T18:00:00Z", "en", datetime(2027, 4, 3, 18, 0, tzinfo=UTC)),
    (MON10, "2027-04-03T18:00+05:30", "en", datetime(2027, 4, 3, 12, 30, tzinfo=UTC)),
    # French "heures" is a clock time
    (MON10, "18 heures", "fr", paris(2026, 11, 30, 18)),
    (MON10, "à 18 heures", "fr", paris(2026, 11, 30, 18)),
    (MON10, "18 heures 30", "fr", paris(2026, 11, 30, 18, 30)),
    # afternoon, and the night after "ce soir"
    (MON10, "cet après-midi 15h", "fr", paris(2026, 11, 30, 15)),
    (MON10, "cet après-midi", "fr", paris(2026, 11, 30, 15)),
    (MON10, "ce soir minuit", "fr", paris(2026, 12, 1, 0)),
    (MON10, "tonight midnight", "en", paris(2026, 12, 1, 0)),
    (MON10, "midnight tonight", "en", paris(2026, 12, 1, 0)),
    (MON10, "tonight 1am", "en", paris(2026, 12, 1, 1)),
    # awkward moments
    (NYE, "18h30", "fr", paris(2027, 1, 1, 18, 30)),
    (NOV30, "midi", "fr", paris(2026, 12, 1, 12)),
    (OFFSET, "18:00", "fr", paris(2026, 12, 2, 18)),
    (AFTER_MIDNIGHT, "18h", "fr", paris(2026, 12, 3, 18)),
    (LATE, "23h30", "fr", paris(2026, 12, 2, 23, 30)),
    (LATE, "22h", "fr", paris(2026, 12, 3, 22)),
    (LATE, "minuit", "fr", paris(2026, 12, 3, 0)),
    # relative
    (MON10, "in 2 days", "en", paris(2026, 12, 2, 10)),
    (MON10, "dans 2 heures", "fr", paris(2026, 11, 30, 12)),
    (MON10, "dans 3 jours", "fr", paris(2026, 12, 3, 10)),
    (MON10, "dans 1 h 30", "fr", paris(2026, 11, 30, 11, 30)),
    (MON10, "in 1 h 30", "en", paris(2026, 11, 30, 11, 30)),
    (MON10, "dans 1h30", "fr", paris(2026, 11, 30, 11, 30)),
    (MON10, "in 1h30", "en", paris(2026, 11, 30, 11, 30)),
    (MON10, "dans 3 jours 18h", "fr", paris(2026, 12, 3, 18)),
    (MON10, "dans 2 jours à 18h", "fr", paris(2026, 12, 2, 18)),
    (MON10, "dans 10mn", "fr", paris(2026, 11, 30, 10, 10)),
    (MON10, "in 2 days 6pm", "en", paris(2026, 12, 2, 18)),
    # daylight saving: a time in the spring gap moves forward by the gap, an autumn
    # time that happens twice is the first (summer) one
    (SPRING, "2h30", "fr", datetime(2027, 3, 28, 1, 30, tzinfo=UTC)),
    (SPRING, "3h", "fr", datetime(2027, 3, 28, 1, 0, tzinfo=UTC)),
    (SPRING, "18h", "fr", datetime(2027, 3, 28, 16, 0, tzinfo=UTC)),
    (AUTUMN, "2h30", "fr", datetime(2027, 10, 31, 0, 30, tzinfo=UTC)),
    (AUTUMN, "18h", "fr", datetime(2027, 10, 31, 17, 0, tzinfo=UTC)),
]


@pytest.mark.parametrize(("now", "text", "locale", "expected"), CASES, ids=[f"{c[1]}@{c[0]:%m-%dT%H:%M}" for c in CASES])
def test_typed_time_in_paris(now, text, locale, expected):
    """Each input, typed at that moment in Paris, is the instant the club means."""
    assert parse_instant(text, field="starts", zone=PARIS, locale=locale, now=now) == expected


def test_the_table_is_large_enough():
    """The issue asks for at least 60 inputs."""
    assert len(CASES) >= 60


@pytest.mark.parametrize(
    ("zone", "text", "expected"),
    [
        ("America/Montreal", "18h", paris(2026, 11, 30, 18, zone="America/Montreal")),  # 04:00 there
        ("Asia/Tokyo", "18h", paris(2026, 12, 1, 18, zone="Asia/Tokyo")),  # exactly 18:00 there: tomorrow
        ("Asia/Tokyo", "jeudi 9h", paris(2026, 12, 3, 9, zone="Asia/Tokyo")),
    ],
)
def test_other_zones(zone, text, expected):
    """The day is the club's local day, whatever its offset from UTC."""
    assert parse_instant(text, field="starts", zone=zone, locale="fr", now=MON10) == expected


def test_month_first_for_us_members():
    """An en-US member's 03/04/2027 is 4 March; day-first otherwise; ISO either way."""
    us = parse_instant("03/04/2027 6pm", field="starts", zone=PARIS, locale="en", now=MON10, month_first=True)
    assert us == paris(2027, 3, 4, 18)
    assert parse_instant("2027-04-03 18:00", field="starts", zone=PARIS, locale="en", now=MON10, month_first=True) == paris(2027, 4, 3, 18)


@pytest.mark.parametrize("text", ["jeudi", "03/04/2027", "3 avril", "next tuesday", "2027-04-03"])
def test_a_day_without_a_time_is_refused_with_a_suggestion(text):
    """Never silently midnight: the refusal names the field and quotes what was typed."""
    with pytest.raises(InvalidInput) as info:
        parse_instant(text, field="starts", zone=PARIS, locale="fr", now=MON10)
    assert info.value.key == "error.date_without_time"
    assert info.value.params == {"field": "starts", "value": text}
    fr, en = info.value.render("fr"), info.value.render("en")
    assert text in fr and "18h" in fr and text in en and "18:00" in en


def test_month_first_date_without_a_year_today_is_today():
    """An en-US member's 12/03 typed on 3 December is today, not next year."""
    assert parse_instant("12/03 6pm", field="starts", zone=PARIS, locale="en", now=THU8, month_first=True) == paris(2026, 12, 3, 18)


@pytest.mark.parametrize("text", ["18 heures", "à 18 heures", "18 heures 30"])
def test_french_heures_in_a_time_field_is_the_clock_time(text):
    """In starts/opens/closes, 18 heures is 18:00 (never 18 hours from now, never a date without a time)."""
    assert not is_duration(text, "fr")
    expected = paris(2026, 11, 30, 18, 30 if text.endswith("30") else 0)
    assert parse_future_instant(text, field="closes", zone=PARIS, locale="fr", now=MON10) == expected


@pytest.mark.parametrize("text", ["25h", "13pm", "18h75", "blorp", "jeudi 25h", "2027-13-01 18h", "ce soir 6am"])
def test_impossible_times_are_refused(text):
    """Out-of-range clock times and gibberish are a field-named refusal quoting the text."""
    with pytest.raises(InvalidInput) as info:
        parse_instant(text, field="closes", zone=PARIS, locale="fr", now=MON10)
    assert info.value.key == "error.bad_time"
    assert info.value.params["value"] == text


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("1 h 30", 90), ("1h30", 90), ("90 min", 90), ("1,5 h", 90), ("1 heure 30", 90), ("90mn", 90), ("2 heures", 120), ("90m", 90), ("2 jours", 2880), ("48h", 2880), ("2h", 120), ("3 semaines", 30240)],
)
def test_durations(text, minutes):
    """Durations in either language, hours and minutes together included."""
    assert parse_duration(text, field="duration", locale="fr") == timedelta(minutes=minutes)


@pytest.mark.parametrize("text", ["30", "15", "10", "5", "1", "1,5"])
def test_a_bare_number_is_no_duration(text):
    """Reminders 30 is refused by field name, never read as a date 27 days away."""
    with pytest.raises(InvalidInput) as info:
        parse_duration(text, field="meetings.reminders", locale="fr")
    assert info.value.key == "error.bad_duration" and info.value.params["field"] == "meetings.reminders"


@pytest.mark.parametrize(
    ("text", "locale", "duration"),
    [("18h", "fr", False), ("9h", "fr", False), ("18h30", "fr", False), ("18 h", "fr", False), ("48h", "fr", True),
     ("90 min", "fr", True), ("2 jours", "fr", True), ("1 h 30", "fr", False), ("2h", "en", True), ("1h30", "en", True),
     ("48h", "en", True), ("18:00", "en", False), ("6pm", "en", False)],
)
def test_a_french_clock_time_is_never_a_duration(text, locale, duration):
    """Where a field takes a time or a duration, a French 18h is 18:00, not 18 hours from
    now; in English (no clock 'h') 2h stays two hours."""
    assert is_duration(text, locale) is duration


def test_future_instant_reads_18h_as_the_clock_time():
    """The bug this table exists for: 18h typed on Monday at 10:00 is Monday 18:00."""
    assert parse_future_instant("18h", field="starts", zone=PARIS, locale="fr", now=MON10) == paris(2026, 11, 30, 18)
    assert parse_future_instant("48h", field="closes", zone=PARIS, locale="fr", now=MON10) == MON10 + timedelta(hours=48)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("18:00", (18, 0)), ("18h", (18, 0)), ("18 h 30", (18, 30)), ("6pm", (18, 0)), ("9.15", (9, 15)),
     ("midi", (12, 0)), ("noon", (12, 0)), ("minuit", (0, 0)), ("12am", (0, 0))],
)
def test_a_time_of_day_alone_uses_the_same_rules(text, expected):
    """Weekly schedules (the prompt's time) read clock times with the one parser."""
    at = parse_clock_time(text, field="prompts.time")
    assert (at.hour, at.minute) == expected


@pytest.mark.parametrize("text", ["jeudi 18h", "03.04.2027", "25h", "tomorrow"])
def test_a_time_of_day_alone_refuses_days(text):
    """A schedule's time is a time of day only; a day or an impossible hour is refused by field."""
    with pytest.raises(InvalidInput) as info:
        parse_clock_time(text, field="prompts.time")
    assert info.value.key == "error.bad_clock_time" and info.value.params["field"] == "prompts.time"
