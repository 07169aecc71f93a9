"""The one recurrence engine (bot/recurrence.py) as a table: every rule, across the
daylight-saving changes of Europe/Paris and America/Montreal, and in Asia/Tokyo (none).

Paris: CET (+1), CEST (+2) from 28 March to 31 October 2027. Montreal: EST (−5), EDT (−4)
from 14 March to 7 November 2027 (12 March 2028). Tokyo: +9 all year. Each row gives the
expected UTC instants, so a series that keeps its wall-clock hour shows it as a UTC hour
that moves with the offset.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.errors import InvalidInput
from bot.recurrence import Recurrence, anchor_of, next_weekly, rule_for, weekday_position, weekly_instants
from bot.timeparse import parse_future_instant

PARIS, MONTREAL, TOKYO = "Europe/Paris", "America/Montreal", "Asia/Tokyo"


def utc(text: str) -> datetime:
    """``2027-01-19 17:00`` → that UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# zone, first local start, frequency, anchor, expected UTC starts
CASES = [
    # the 3rd Tuesday of each quarter at 18:00 Paris: 17:00 UTC in winter, 16:00 in summer
    (PARIS, datetime(2027, 1, 19, 18), "quarterly", "weekday",
     ["2027-01-19 17:00", "2027-04-20 16:00", "2027-07-20 16:00", "2027-10-19 16:00", "2028-01-18 17:00"]),
    # quarterly from 31 January: the months without a 31st take their last day
    (PARIS, datetime(2027, 1, 31, 18), "quarterly", "date",
     ["2027-01-31 17:00", "2027-04-30 16:00", "2027-07-31 16:00", "2027-10-31 17:00", "2028-01-31 17:00"]),
    # monthly from the 29th: 28 February, then the 29th again, across the spring change
    (PARIS, datetime(2027, 1, 29, 18), "monthly", "date",
     ["2027-01-29 17:00", "2027-02-28 17:00", "2027-03-29 16:00", "2027-04-29 16:00"]),
    # the 2nd Monday of each month at 9:00 Paris, through the autumn change
    (PARIS, datetime(2027, 9, 13, 9), "monthly", "weekday",
     ["2027-09-13 07:00", "2027-10-11 07:00", "2027-11-08 08:00", "2027-12-13 08:00"]),
    # weekly on Sunday 02:30 Paris: in the spring gap it is 03:30 summer time (01:30 UTC)
    (PARIS, datetime(2027, 3, 21, 2, 30), "weekly", "date",
     ["2027-03-21 01:30", "2027-03-28 01:30", "2027-04-04 00:30"]),
    # weekly on Sunday 02:30 Paris: the night it happens twice, the first (summer) one
    (PARIS, datetime(2027, 10, 24, 2, 30), "weekly", "date",
     ["2027-10-24 00:30", "2027-10-31 00:30", "2027-11-07 01:30"]),
    # half-yearly from 31 March, Montreal: 30 September, not the next year
    (MONTREAL, datetime(2027, 3, 31, 18, 30), "semiannual", "date",
     ["2027-03-31 22:30", "2027-09-30 22:30", "2028-03-31 22:30", "2028-09-30 22:30"]),
    # the last Thursday of each month at 19:00 Montreal, across the March change
    (MONTREAL, datetime(2027, 1, 28, 19), "monthly", "last_weekday",
     ["2027-01-29 00:00", "2027-02-26 00:00", "2027-03-25 23:00", "2027-04-29 23:00"]),
    # the 1st Wednesday of each half-year at 12:00 Montreal, winter then summer
    (MONTREAL, datetime(2027, 1, 6, 12), "semiannual", "weekday",
     ["2027-01-06 17:00", "2027-07-07 16:00", "2028-01-05 17:00"]),
    # weekly on Sunday 02:30 Montreal: the gap (14 March) moves it to 03:30 EDT
    (MONTREAL, datetime(2027, 3, 7, 2, 30), "weekly", "date",
     ["2027-03-07 07:30", "2027-03-14 07:30", "2027-03-21 06:30"]),
    # weekly on Sunday 01:30 Montreal: 7 November has it twice, the first (EDT) counts
    (MONTREAL, datetime(2027, 10, 31, 1, 30), "weekly", "date",
     ["2027-10-31 05:30", "2027-11-07 05:30", "2027-11-14 06:30"]),
    # yearly on 29 February, Tokyo: 28 February in the other years, not every four years
    (TOKYO, datetime(2028, 2, 29, 10), "yearly", "date",
     ["2028-02-29 01:00", "2029-02-28 01:00", "2030-02-28 01:00", "2031-02-28 01:00", "2032-02-29 01:00"]),
    # monthly from the 30th, Tokyo: 28 February, then the 30th (never the 31st)
    (TOKYO, datetime(2027, 1, 30, 9), "monthly", "date",
     ["2027-01-30 00:00", "2027-02-28 00:00", "2027-03-30 00:00", "2027-04-30 00:00"]),
    # the last Friday of each quarter at 18:00 Tokyo
    (TOKYO, datetime(2027, 3, 26, 18), "quarterly", "last_weekday",
     ["2027-03-26 09:00", "2027-06-25 09:00", "2027-09-24 09:00", "2027-12-31 09:00"]),
    # yearly on the 4th Thursday of November (a US-style date), Montreal
    (MONTREAL, datetime(2027, 11, 25, 17), "yearly", "weekday",
     ["2027-11-25 22:00", "2028-11-23 22:00", "2029-11-22 22:00"]),
]


@pytest.mark.parametrize(("zone", "first", "frequency", "anchor", "expected"), CASES)
def test_every_rule_across_daylight_saving(zone, first, frequency, anchor, expected):
    """The series' UTC starts, in order, keep its wall-clock time (by the one DST rule)."""
    rule = rule_for(frequency, first, anchor)
    series = Recurrence(first, zone, rule)
    starts = [at for _, at in series.occurrences(limit=len(expected))]
    assert starts == [utc(text) for text in expected]
    assert anchor_of(rule) == anchor


@pytest.mark.parametrize(("zone", "first", "frequency", "anchor", "expected"), CASES)
def test_instants_after_resumes_from_any_instant(zone, first, frequency, anchor, expected):
    """From just before or exactly at each start (a restart, the next occurrence), the next
    start is the following one in the table: nothing skipped, nothing doubled."""
    series = Recurrence(first, zone, rule_for(frequency, first, anchor))
    instants = [utc(text) for text in expected]
    for current, following in zip(instants, instants[1:], strict=False):
        assert [at for _, at in series.instants_after(current, 1)] == [following]
    midway = instants[0] + (instants[1] - instants[0]) / 2
    assert [at for _, at in series.instants_after(midway, 1)] == [instants[1]]


def test_one_off_yields_its_start_only():
    """Without a rule a series has one start; after it, none."""
    once = Recurrence(datetime(2027, 1, 5, 18), PARIS, rule_for("none", datetime(2027, 1, 5, 18)))
    assert [at for _, at in once.occurrences(limit=5)] == [utc("2027-01-05 17:00")]
    assert once.instants_after(utc("2027-01-05 17:00")) == []


def test_weekly_instants_are_the_prompt_and_digest_rule():
    """Every Friday 18:00 Paris, asked from a Friday after 18:00 across the autumn change."""
    after = utc("2027-10-22 17:30")
    assert weekly_instants(4, 18, 0, PARIS, after, 3) == [
        utc("2027-10-29 16:00"), utc("2027-11-05 17:00"), utc("2027-11-12 17:00"),
    ]
    assert next_weekly(4, 18, 0, PARIS, utc("2027-10-29 15:59")) == utc("2027-10-29 16:00")


def test_typed_and_recurring_times_share_the_daylight_saving_rule():
    """02:30 on the spring-forward night typed by a moderator lands where a weekly 02:30 lands."""
    typed = parse_future_instant(
        "2027-03-28 02:30", field="meetings.starts", zone=PARIS, locale="fr", now=utc("2027-03-01 00:00")
    )
    series = Recurrence(datetime(2027, 3, 21, 2, 30), PARIS, rule_for("weekly", datetime(2027, 3, 21, 2, 30)))
    assert typed == series.occurrences(limit=2)[1][1]


@pytest.mark.parametrize(
    ("frequency", "first", "anchor", "key"),
    [
        ("monthly", datetime(2027, 1, 29, 18), "weekday", "error.repeat_fifth_weekday"),  # the 5th Friday
        ("quarterly", datetime(2027, 1, 19, 18), "last_weekday", "error.repeat_not_last_weekday"),
        ("weekly", datetime(2027, 1, 19, 18), "weekday", "error.repeat_anchor_monthly"),
        ("none", datetime(2027, 1, 19, 18), "last_weekday", "error.repeat_anchor_monthly"),
        ("fortnightly", datetime(2027, 1, 19, 18), "date", "error.repeat_unknown"),
    ],
)
def test_rules_that_cannot_hold_are_refused_naming_the_field(frequency, first, anchor, key):
    """A 5th weekday, a "last" start outside the month's last week, an anchor on a weekly
    series: refused with the field named, not silently skipped months."""
    with pytest.raises(InvalidInput) as info:
        rule_for(frequency, first, anchor, field="meetings.repeat_on")
    assert info.value.key == key
    assert info.value.params["field"] == "meetings.repeat_on"


def test_weekday_position_reads_the_rule_back():
    """The position shown to members comes from the stored rule."""
    assert weekday_position(rule_for("quarterly", datetime(2027, 1, 19, 18), "weekday")) == (3, 1)
    assert weekday_position(rule_for("monthly", datetime(2027, 1, 28, 18), "last_weekday")) == (-1, 3)
    assert weekday_position(rule_for("monthly", datetime(2027, 1, 28, 18))) is None
    assert weekday_position(None) is None
