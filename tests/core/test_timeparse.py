"""Times typed by people, in French and English, in the club's zone."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import InvalidInput
from bot.timeparse import is_duration, parse_duration, parse_future_instant, parse_instant

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)  # Sunday 10:00 in Paris


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("2026-12-03 18:00", "en", datetime(2026, 12, 3, 17, 0, tzinfo=UTC)),
        ("jeudi 18h", "fr", datetime(2026, 12, 3, 17, 0, tzinfo=UTC)),
        ("mardi 16 mars 18h", "fr", datetime(2027, 3, 16, 17, 0, tzinfo=UTC)),
        ("next tuesday 6pm", "en", datetime(2026, 12, 1, 17, 0, tzinfo=UTC)),
        ("demain 9h30", "fr", datetime(2026, 11, 30, 8, 30, tzinfo=UTC)),
        ("in 2 days", "en", datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
        ("dans 2 heures", "fr", datetime(2026, 11, 29, 11, 0, tzinfo=UTC)),
    ],
)
def test_parse_instant(text, locale, expected):
    """Common ways of writing a time give the right UTC instant (Paris zone)."""
    assert parse_instant(text, field="opens", zone="Europe/Paris", locale=locale, now=NOW) == expected


def test_summer_time_is_respected():
    """18:00 Paris in July is 16:00 UTC (daylight saving)."""
    assert parse_instant("2027-07-01 18:00", field="x", zone="Europe/Paris", locale="en", now=NOW) == datetime(
        2027, 7, 1, 16, 0, tzinfo=UTC
    )


def test_unreadable_time_names_the_field():
    """Gibberish raises InvalidInput naming the field."""
    with pytest.raises(InvalidInput) as info:
        parse_instant("blorp", field="closes", zone="Europe/Paris", locale="en", now=NOW)
    assert info.value.params["field"] == "closes"


@pytest.mark.parametrize(("text", "hours"), [("48h", 48), ("90m", 1.5), ("2 days", 48), ("3 jours", 72), ("1 week", 168)])
def test_durations(text, hours):
    """Durations in either language."""
    assert is_duration(text)
    assert parse_duration(text, field="closes", locale="fr") == timedelta(hours=hours)


def test_future_instant_accepts_duration_from_base_and_refuses_past():
    """'48h' counts from the base; a past time is refused."""
    base = NOW + timedelta(days=1)
    assert parse_future_instant("48h", field="closes", zone="UTC", locale="en", now=NOW, base=base) == base + timedelta(hours=48)
    with pytest.raises(InvalidInput) as info:
        parse_future_instant("2020-01-01 10:00", field="opens", zone="UTC", locale="en", now=NOW)
    assert info.value.key == "error.time_in_past"


def test_zero_duration_refused():
    """A zero duration is not a duration."""
    with pytest.raises(InvalidInput):
        parse_duration("0h", field="duration")


@pytest.mark.parametrize("text", ["0001-01-01 00:00", "9999-12-31 23:59", "1900-05-01 10:00"])
def test_out_of_range_years_are_a_field_named_error(text):
    """Years a club cannot mean (and that would overflow date arithmetic) are refused by field name."""
    with pytest.raises(InvalidInput) as info:
        parse_instant(text, field="starts", zone="Europe/Paris", locale="en", now=NOW)
    assert info.value.key == "error.bad_time" and info.value.params["field"] == "starts"


@pytest.mark.parametrize("text", ["99999999999 days", "999999 weeks", "400 days"])
def test_huge_duration_is_refused(text):
    """A duration too long (or unreadable by its size) is a field-named refusal, never an overflow."""
    with pytest.raises(InvalidInput) as info:
        parse_duration(text, field="duration")
    assert info.value.key in ("error.bad_duration", "error.duration_range")
    assert info.value.params["field"] == "duration"
