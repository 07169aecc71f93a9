"""Pure rules of meetings: recurrence in local time, limits, reminders, ranking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import local_to_utc
from bot.errors import Conflict, InvalidInput
from bot.meetings import rules
from bot.recurrence import Recurrence, rule_for


def test_quarterly_series_keeps_local_time_across_dst():
    """A quarterly 18:00 Paris series created in January stays at 18:00 Paris after both DST changes."""
    rule = Recurrence(datetime(2027, 1, 19, 18, 0), "Europe/Paris", rule_for("quarterly", datetime(2027, 1, 19, 18, 0)))
    starts = rule.occurrences(limit=5)
    assert [local.strftime("%m-%d %H:%M") for local, _ in starts] == [
        "01-19 18:00", "04-19 18:00", "07-19 18:00", "10-19 18:00", "01-19 18:00",
    ]
    assert [utc.hour for _, utc in starts] == [17, 16, 16, 16, 17]


def test_weekly_series_across_autumn_change():
    """A weekly meeting keeps its wall-clock hour the week the clocks go back (UTC hour shifts)."""
    rule = Recurrence(datetime(2027, 10, 25, 18, 0), "Europe/Paris", rule_for("weekly", datetime(2027, 10, 25, 18, 0)))
    (_, first), (_, second) = rule.occurrences(limit=2)
    assert (first.hour, second.hour) == (16, 17)
    assert second - first == timedelta(days=7, hours=1)


def test_semiannual_and_yearly_rules():
    """Semiannual adds six months, yearly a year, both in local time."""
    semi = Recurrence(datetime(2027, 3, 1, 9, 0), "Europe/Paris", rule_for("semiannual", datetime(2027, 3, 1, 9, 0)))
    assert [loc.month for loc, _ in semi.occurrences(limit=3)] == [3, 9, 3]
    yearly = Recurrence(datetime(2027, 6, 1, 9, 0), "Europe/Paris", rule_for("yearly", datetime(2027, 6, 1, 9, 0)))
    assert [loc.year for loc, _ in yearly.occurrences(limit=2)] == [2027, 2028]


def test_one_off_has_one_occurrence_and_next_after_skips():
    """A one-off series yields its start only; next_after finds the following recurrence."""
    one = Recurrence(datetime(2027, 1, 5, 18, 0), "Europe/Paris", None)
    assert len(one.occurrences(limit=5)) == 1
    assert one.next_after(datetime(2027, 1, 5, 18, 0)) is None
    weekly = Recurrence(datetime(2027, 1, 5, 18, 0), "Europe/Paris", rule_for("weekly", datetime(2027, 1, 5, 18, 0)))
    assert weekly.next_after(datetime(2027, 1, 5, 18, 0))[0] == datetime(2027, 1, 12, 18, 0)


def test_local_time_in_spring_gap_moves_forward():
    """02:30 on the spring-forward night in Paris does not exist: it becomes 03:30 local."""
    utc = local_to_utc(datetime(2027, 3, 28, 2, 30), "Europe/Paris")
    assert utc == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert rules.to_local(utc, "Europe/Paris") == datetime(2027, 3, 28, 3, 30)


def test_parse_location_channel_text_and_limit():
    """A channel mention becomes a channel; text stays text; over 100 chars is refused."""
    assert rules.parse_location("<#123456789012345678>").channel_id == 123456789012345678
    assert rules.parse_location("https://meet.example/abc").text == "https://meet.example/abc"
    assert rules.parse_location("").display() == ""
    with pytest.raises(InvalidInput) as err:
        rules.parse_location("x" * 101)
    assert err.value.params["limit"] == 100


def test_reminder_offsets_validation():
    """Reminders are deduplicated, sorted, at most 5, each between 1 minute and 30 days."""
    assert rules.validate_reminder_offsets([timedelta(hours=1), timedelta(hours=24), timedelta(hours=1)]) == (86400, 3600)
    with pytest.raises(InvalidInput):
        rules.validate_reminder_offsets([timedelta(minutes=m) for m in range(1, 7)])
    with pytest.raises(InvalidInput):
        rules.validate_reminder_offsets([timedelta(days=31)])
    assert rules.split_reminders("aucun") == []
    assert rules.split_reminders(None) is None
    assert rules.split_reminders("24h, 1h") == ["24h", "1h"]


def test_duration_and_repeat_limits():
    """Duration must be 5 minutes to 3 days; repeat must be a known choice."""
    with pytest.raises(InvalidInput):
        rules.validate_duration(timedelta(minutes=4))
    with pytest.raises(InvalidInput):
        rules.validate_duration(timedelta(days=3, minutes=1))
    assert rules.validate_repeat("Quarterly") == "quarterly"
    with pytest.raises(InvalidInput):
        rules.validate_repeat("daily")


def test_reminder_catch_up_policy():
    """On time → sent; missed but before the start → sent late; after the start → dropped."""
    start = datetime(2027, 1, 5, 18, 0, tzinfo=UTC)
    due = start - timedelta(hours=1)
    assert rules.reminder_decision(due, due, start) == rules.ReminderDecision(True, False)
    assert rules.reminder_decision(due + timedelta(minutes=30), due, start) == rules.ReminderDecision(True, True)
    assert rules.reminder_decision(start, due, start).send is False


def test_rank_topics_by_votes_then_age():
    """Topics rank by votes, ties share a rank and keep the oldest first."""
    ranked = rules.rank_topics([(1, "a", 9, 1, 100), (2, "b", 9, 3, 200), (3, "c", 9, 1, 50), (4, "d", 9, 0, 10)])
    assert [(r.topic_id, r.rank) for r in ranked] == [(2, 1), (3, 2), (1, 2), (4, 4)]


def test_reminder_key_changes_when_meeting_moves():
    """The reminder key names occurrence and offset, and changes with the start instant."""
    a = rules.reminder_key(7, datetime(2027, 1, 5, 17, tzinfo=UTC), 3600)
    b = rules.reminder_key(7, datetime(2027, 1, 6, 17, tzinfo=UTC), 3600)
    assert a.startswith("meetings:7") and a.endswith(":reminder:3600") and a != b


def test_format_offset():
    """Offsets read as people write them."""
    assert rules.format_offset(86400) == "24h"
    assert rules.format_offset(5400) == "1h30"
    assert rules.format_offset(900) == "15 min"
    assert rules.format_offset(172800, "fr") == "2 jours"


def test_meetings_package_never_imports_discord():
    """No module of bot/meetings imports discord; rules.py does not touch SQLite either."""
    from pathlib import Path

    package = Path(rules.__file__).parent
    for path in package.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "import discord" not in source and "from discord" not in source, path.name
    assert "aiosqlite" not in (package / "rules.py").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", 12), (" 7 ", 7), (12, 12), (str(2**63 - 1), 2**63 - 1), (str(2**63), None),
     ("99999999999999999999999", None), ("0", None), ("-1", None), ("1e3", None), ("١", None), ("", None),
     (None, None), (True, None), (2**70, None)],
)
def test_parse_id_only_whole_numbers_sqlite_can_hold(value, expected):
    """Ids typed in options: whole ASCII numbers from 1 to SQLite's largest INTEGER, else None."""
    assert rules.parse_id(value) == expected


def test_parse_start_keeps_to_the_parser_range():
    """A start is read in the club's zone to the minute; year 1 or 9999 is refused naming the field."""
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert rules.parse_start("2026-12-03 18:00", zone="Europe/Paris", locale="en", now=now) == datetime(
        2026, 12, 3, 17, 0, tzinfo=UTC
    )
    for typed in ("0001-01-01 00:00", "9999-12-31 23:59"):
        with pytest.raises(InvalidInput) as err:
            rules.parse_start(typed, zone="Europe/Paris", locale="fr", now=now)
        assert err.value.params["field"] == "meetings.starts"


# --- plan_edit ----------------------------------------------------------------------------

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
PLANNED = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)  # 18:00 Paris


@dataclass(frozen=True)
class Planned:
    """An occurrence as plan_edit reads it (rules.Slot)."""

    starts_at: datetime = PLANNED
    ends_at: datetime = PLANNED + timedelta(hours=1)
    title: str = "Club meeting"
    repeat: str = "weekly"
    timezone: str = "Europe/Paris"
    rrule: str | None = "FREQ=WEEKLY;INTERVAL=1"

    @property
    def duration_s(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds())


def request(**typed) -> rules.EditRequest:
    return rules.EditRequest(zone="Europe/Paris", locale="en", **typed)


def test_plan_a_move_tells_members_and_rearms_with_reminders_again():
    """A new start moves this occurrence only: its end follows, its jobs are re-armed, its
    reminders are sent again, the thread and Going/Maybe members are told."""
    plan = rules.plan_edit(Planned(), request(starts="2026-12-05 18:00"), NOW)
    moved_to = datetime(2026, 12, 5, 17, 0, tzinfo=UTC)
    assert (plan.changed, plan.notice, plan.series, plan.local_start) == (["starts"], "moved", None, None)
    edit = plan.occurrence(Planned())
    assert (edit.starts_at, edit.ends_at) == (moved_to, moved_to + timedelta(hours=1))
    assert edit.rearm and edit.reset_reminders and not edit.rename_thread


def test_plan_a_series_move_restarts_the_rule_at_the_new_local_time():
    """With scope series a recurring meeting's rule restarts at the new local time; a one-off does not."""
    plan = rules.plan_edit(Planned(), request(starts="2026-12-04 19:00", scope="series"), NOW)
    assert plan.local_start == "2026-12-04T19:00" and plan.series.local_start == "2026-12-04T19:00"
    assert plan.occurrence(Planned()).recurrence_local == "2026-12-04T19:00"
    one_off = rules.plan_edit(Planned(repeat="none"), request(starts="2026-12-04 19:00", scope="series"), NOW)
    assert one_off.local_start is None and one_off.series.empty()


def test_plan_a_series_move_keeps_the_rule_anchor():
    """A quarterly series on the 3rd Tuesday moved to a 2nd Wednesday becomes "the 2nd
    Wednesday"; a series by date moved to the 31st falls back to the month's end; a
    last-weekday series moved off the month's last week is refused, naming the start."""
    third_tuesday = Planned(repeat="quarterly", rrule="FREQ=MONTHLY;INTERVAL=3;BYDAY=+3TU")
    moved = rules.plan_edit(third_tuesday, request(starts="2026-12-09 18:00", scope="series"), NOW)
    assert moved.series.rrule == "FREQ=MONTHLY;INTERVAL=3;BYDAY=+2WE"
    by_date = Planned(repeat="monthly", rrule="FREQ=MONTHLY;INTERVAL=1")
    to_31 = rules.plan_edit(by_date, request(starts="2026-12-31 18:00", scope="series"), NOW)
    assert to_31.series.rrule == "FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=28,29,30,31;BYSETPOS=-1"
    last = Planned(repeat="monthly", rrule="FREQ=MONTHLY;INTERVAL=1;BYDAY=-1TH")
    with pytest.raises(InvalidInput) as info:
        rules.plan_edit(last, request(starts="2026-12-10 18:00", scope="series"), NOW)
    assert (info.value.key, info.value.params["field"]) == ("error.repeat_not_last_weekday", "meetings.starts")
    only_this = rules.plan_edit(third_tuesday, request(starts="2026-12-09 18:00"), NOW)
    assert only_this.series is None and only_this.rrule is None


def test_plan_a_new_duration_moves_ends_only():
    """A new duration moves the end (re-armed, reminders kept) and says "updated", not "moved";
    with scope series the later occurrences take it too."""
    plan = rules.plan_edit(Planned(), request(duration="3h", scope="series"), NOW)
    assert (plan.changed, plan.notice) == (["duration"], "updated")
    edit = plan.occurrence(Planned())
    assert edit.ends_at == PLANNED + timedelta(hours=3) and edit.rearm and not edit.reset_reminders
    later = Planned(starts_at=PLANNED + timedelta(days=7), ends_at=PLANNED + timedelta(days=7, hours=1))
    sibling = plan.sibling(later)
    assert sibling.starts_at is None and sibling.ends_at == later.starts_at + timedelta(hours=3) and sibling.rearm
    assert plan.series.duration_s == 3 * 3600


def test_plan_text_changes_in_reading_order_and_rename_only_a_new_title():
    """Text fields are listed location, title, agenda; an empty agenda clears it; the thread is
    renamed only when the title really changes; nothing is re-armed."""
    plan = rules.plan_edit(Planned(), request(title="New title", agenda="", location="Paris office"), NOW)
    assert plan.changed == ["location", "title", "agenda"] and plan.notice == "updated"
    edit = plan.occurrence(Planned())
    assert (edit.text.agenda, edit.text.location.text, edit.rename_thread, edit.rearm) == ("", "Paris office", True, False)
    same = rules.plan_edit(Planned(), request(title="Club meeting"), NOW)
    assert not same.occurrence(Planned()).rename_thread


def test_plan_a_series_only_edit_tells_nobody():
    """The same duration typed with scope series changes the series row only: no notice."""
    plan = rules.plan_edit(Planned(), request(duration="1h", scope="series"), NOW)
    assert plan.notice is None and plan.changed == [] and not plan.series.empty()
    assert not plan.sibling(Planned()).rearm


@pytest.mark.parametrize(
    ("typed", "field"),
    [
        ({}, "meetings.meeting"),
        ({"duration": "1h"}, "meetings.meeting"),
        ({"starts": "  ", "title": " "}, "meetings.meeting"),
        ({"starts": "blorp", "duration": "2m"}, "meetings.starts"),
        ({"duration": "2m", "location": "x" * 101}, "meetings.duration"),
        ({"location": "x" * 101, "title": "t" * 201}, "meetings.location"),
        ({"title": "t" * 201, "agenda": "a" * 3001}, "meetings.title"),
        ({"agenda": "a" * 3001}, "meetings.agenda"),
    ],
)
def test_plan_refuses_nothing_to_edit_and_names_the_first_bad_field(typed, field):
    """Nothing to change is refused naming the meeting; bad values name the first bad field in
    the order of the command's options."""
    with pytest.raises(InvalidInput) as err:
        rules.plan_edit(Planned(), request(**typed), NOW)
    assert err.value.params["field"] == field


def test_scope_and_lifecycle_refusals():
    """Scopes are occurrence or series; answers close at the start, topics at the end."""
    assert rules.validate_scope("series") == "series"
    with pytest.raises(InvalidInput):
        rules.validate_scope("everything")
    rules.require_rsvp_open("scheduled", PLANNED, NOW)
    with pytest.raises(Conflict) as err:
        rules.require_rsvp_open("scheduled", PLANNED, PLANNED)
    assert err.value.key == "meetings.error.closed_started"
    with pytest.raises(Conflict) as err:
        rules.require_scheduled("cancelled")
    assert err.value.key == "meetings.error.closed_cancelled"
    rules.require_topics_open("started")
    rules.require_votes_open("started")
    with pytest.raises(Conflict):
        rules.require_votes_open("ended")
