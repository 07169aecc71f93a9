"""Pure poll rules: limits, click arithmetic, recurrence in the club's zone."""

from __future__ import annotations

import ast
import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import local_to_utc, utc_to_local
from bot.errors import CercleError, Conflict, InvalidInput
from bot.polls import rules
from bot.polls.rules import apply_click, next_occurrence, parse_choices
from bot.recurrence import rule_for


def test_choices_one_per_line_blank_lines_ignored():
    """Blank lines and surrounding spaces do not make choices."""
    assert parse_choices("  Yes \n\n No\n") == ("Yes", "No")


def test_choices_are_opaque_unicode():
    """Emoji, combining marks, right-to-left text, ')' and '|' are kept exactly."""
    text = "🎉 Fête\ne\u0301te\u0301\nעברית\na) b | c\n<@123> @everyone"
    assert parse_choices(text) == ("🎉 Fête", "e\u0301te\u0301", "עברית", "a) b | c", "<@123> @everyone")


@pytest.mark.parametrize("text,count", [("only one", 1), ("\n".join(f"c{i}" for i in range(21)), 21)])
def test_choices_count_limits(text, count):
    """Fewer than 2 or more than 20 choices are refused, naming the field and the bounds."""
    with pytest.raises(InvalidInput) as info:
        parse_choices(text)
    assert info.value.key == "polls.error.choices_count"
    assert info.value.params["field"] == "polls.choices"
    assert info.value.params["count"] == count
    assert "20" in info.value.render("en") and "choix" in info.value.render("fr")


def test_choice_too_long_names_line_and_limit():
    """A 101-character choice is refused with its number and the 100 limit."""
    with pytest.raises(InvalidInput) as info:
        parse_choices("ok\n" + "x" * 101)
    assert info.value.params == {"field": "polls.choices", "number": 2, "limit": 100, "length": 101}


def test_duplicate_choices_refused_case_and_normalisation_insensitive():
    """'Été' and 'e\u0301te\u0301' in other case count as the same choice."""
    with pytest.raises(InvalidInput) as info:
        parse_choices("Été\ne\u0301te\u0301".upper() + "\nautre")
    assert info.value.key == "polls.error.choice_duplicate"


def test_question_and_description_limits():
    """Question ≤ 300 and required; description ≤ 1000."""
    with pytest.raises(InvalidInput) as info:
        rules.clean_question("  ")
    assert info.value.key == "error.required"
    with pytest.raises(InvalidInput) as info:
        rules.clean_question("q" * 301)
    assert info.value.params["limit"] == 300
    with pytest.raises(InvalidInput) as info:
        rules.clean_description("d" * 1001)
    assert info.value.params["field"] == "polls.description"


def test_max_choices_bounds():
    """max_choices is between 1 and the number of choices."""
    assert rules.check_max_choices(3, 3) == 3
    with pytest.raises(InvalidInput) as info:
        rules.check_max_choices(4, 3)
    assert info.value.params["maximum"] == 3
    with pytest.raises(InvalidInput):
        rules.check_max_choices(0)


def test_single_choice_sets_moves_and_keeps():
    """Single choice: first click sets, another moves, the same keeps."""
    assert apply_click((), 2, 1) == rules.ClickResult((2,), "set")
    assert apply_click((2,), 3, 1) == rules.ClickResult((3,), "moved")
    assert apply_click((3,), 3, 1) == rules.ClickResult((3,), "unchanged")


def test_multiple_choice_toggles_up_to_max():
    """Multiple choice: clicks toggle, a third choice beyond max 2 is refused."""
    assert apply_click((), 1, 2).new == (1,)
    assert apply_click((1,), 4, 2) == rules.ClickResult((1, 4), "added")
    with pytest.raises(Conflict) as info:
        apply_click((1, 4), 2, 2)
    assert info.value.params == {"maximum": 2}
    assert apply_click((1, 4), 1, 2) == rules.ClickResult((4,), "removed")


def test_window_rules():
    """Close after open, ≤ 366 days, and a weekly poll closes within 7 days."""
    start = datetime(2026, 12, 1, tzinfo=UTC)
    with pytest.raises(InvalidInput) as info:
        rules.check_window(start, start, "none")
    assert info.value.params["field"] == "polls.closes"
    with pytest.raises(InvalidInput):
        rules.check_window(start, start + timedelta(days=367), "none")
    with pytest.raises(InvalidInput) as info:
        rules.check_window(start, start + timedelta(days=8), "weekly")
    assert info.value.key == "polls.error.window_too_long"
    rules.check_window(start, start + timedelta(days=7), "weekly")


def test_weekly_keeps_local_time_across_dst():
    """A weekly poll at 18:00 Paris stays at 18:00 Paris when summer time starts (UTC moves)."""
    local_opens = datetime(2027, 3, 22, 18, 0)
    local_closes = datetime(2027, 3, 24, 18, 0)
    first = local_to_utc(local_opens, "Europe/Paris")
    assert first == datetime(2027, 3, 22, 17, 0, tzinfo=UTC)
    nxt = next_occurrence(rule_for("weekly", local_opens), "Europe/Paris", local_opens, local_closes, first, first)
    assert nxt is not None
    assert nxt.opens_at == datetime(2027, 3, 29, 16, 0, tzinfo=UTC)
    assert nxt.closes_at == datetime(2027, 3, 31, 16, 0, tzinfo=UTC)


def test_monthly_on_31st_falls_back_to_month_end():
    """A monthly poll on the 31st opens on Feb 28, not in March."""
    local_opens = datetime(2027, 1, 31, 9, 0)
    rule = rule_for("monthly", local_opens)
    first = local_to_utc(local_opens, "Europe/Paris")
    nxt = next_occurrence(rule, "Europe/Paris", local_opens, local_opens + timedelta(days=2), first, first)
    assert utc_to_local(nxt.opens_at, "Europe/Paris") == datetime(2027, 2, 28, 9, 0)


def test_quarterly_is_three_months():
    """A quarterly poll comes back three months later."""
    local_opens = datetime(2027, 1, 15, 9, 0)
    first = local_to_utc(local_opens, "UTC")
    nxt = next_occurrence(rule_for("quarterly", local_opens), "UTC", local_opens, local_opens + timedelta(days=1), first, first)
    assert nxt.opens_at == datetime(2027, 4, 15, 9, 0, tzinfo=UTC)


def test_missed_occurrences_are_skipped_after_downtime():
    """After weeks of downtime the next occurrence is the first whose close is still to come."""
    local_opens = datetime(2027, 1, 4, 9, 0)
    first = local_to_utc(local_opens, "UTC")
    now = first + timedelta(days=22)  # occurrences of 11 and 18 Jan are over; 25 Jan still open
    nxt = next_occurrence(rule_for("weekly", local_opens), "UTC", local_opens, local_opens + timedelta(days=2), first, now)
    assert nxt.opens_at == datetime(2027, 1, 25, 9, 0, tzinfo=UTC)


def test_bars_and_percentages():
    """Bars scale with the share of votes; nobody voted gives an empty bar and 0 %."""
    assert rules.bar(1, 2, width=4) == "██░░"
    assert rules.bar(0, 0, width=3) == "░░░"
    assert rules.percent(1, 3) == 33 and rules.percent(0, 0) == 0


def test_rules_store_service_import_no_discord():
    """bot/polls never imports discord; rules import neither discord nor aiosqlite."""
    folder = Path(rules.__file__).parent
    for path in folder.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert "discord" not in names, path.name
        if path.name == "rules.py":
            assert "aiosqlite" not in names and "sqlite3" not in names


GATE = rules.VoteGate(status="open", max_choices=2, opens_at=100, closes_at=200, choices=("A", "B", "C"))


@pytest.mark.parametrize("gate,position,now_ts,key", [
    (None, 1, 150, "polls.error.gone"),
    (GATE, 4, 150, "polls.error.gone"),
    (GATE, 0, 150, "polls.error.gone"),
    (rules.VoteGate("cancelled", 2, 100, 200, ("A", "B")), 1, 150, "polls.error.cancelled"),
    (rules.VoteGate("closed", 2, 100, 200, ("A", "B")), 1, 150, "polls.error.closed"),
    (GATE, 1, 200, "polls.error.closed"),  # the closing instant passed before the close job ran
    (rules.VoteGate("scheduled", 2, 100, 200, ("A", "B")), 1, 150, "polls.error.not_open"),
])
def test_click_refusals_are_returned_not_raised(gate, position, now_ts, key):
    """A click on a missing, cancelled, closed (or past its close) or scheduled poll comes back as its refusal."""
    decided = rules.decide_click(gate, (), position, now_ts)
    assert isinstance(decided, CercleError) and decided.key == key


def test_click_decision_applies_the_vote_arithmetic():
    """An accepted click is apply_click's result; one over max_choices is the max_reached refusal."""
    assert rules.decide_click(GATE, (), 2, 150) == rules.ClickResult((2,), "added")
    assert rules.decide_click(GATE, (2,), 2, 150) == rules.ClickResult((), "removed")
    refused = rules.decide_click(GATE, (1, 2), 3, 150)
    assert isinstance(refused, Conflict) and refused.key == "polls.error.max_reached"


def _poll(**changes) -> rules.Poll:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    base = rules.Poll(
        id=1, guild_id=1, channel_id=2, message_id=3, creator_id=4, question="Q?", description="", anonymous=True,
        max_choices=1, show_results="live", status="open", opens_at=now, closes_at=now + timedelta(days=1),
        opened_at=now, closed_at=None, finalized_at=None, series_id=None, votes_version=0, rendered_version=0,
        created_at=now, choices=("A", "B"), anonymity_threshold=5,
    )
    return dataclasses.replace(base, **changes)


@pytest.mark.parametrize("changes,voters,seen", [
    ({}, 9, rules.Visibility(False, True, "anonymous_until_close", 5)),
    ({"status": "scheduled"}, 0, rules.Visibility(False, False, "anonymous_until_close", 5)),
    ({"status": "closed"}, 5, rules.Visibility(True, True, None, 5)),
    ({"status": "closed"}, 4, rules.Visibility(False, True, "below_threshold", 5)),
    ({"status": "closed"}, 0, rules.Visibility(False, True, None, 5)),
    ({"anonymous": False}, 1, rules.Visibility(True, True, None, 5)),
    ({"anonymous": False, "show_results": "after_close"}, 1, rules.Visibility(False, False, "until_close", 5)),
    ({"anonymous": False, "status": "closed", "show_results": "after_close"}, 1, rules.Visibility(True, True, None, 5)),
    ({"status": "cancelled"}, 0, rules.Visibility(False, False, None, 5)),
])
def test_visibility_of_counts(changes, voters, seen):
    """Anonymous counts show only once closed with at least k voters; public ones live or after the close; the message says why they are hidden."""
    poll = _poll(**changes)
    tally = rules.Tally((voters, 0), voters)
    assert rules.visibility(poll, tally, rules.effective_threshold(poll, 3)) == seen


def test_effective_threshold_never_lowers():
    """The poll's kept threshold, the club's current one and the floor of 3: the highest wins."""
    assert rules.effective_threshold(_poll(anonymity_threshold=5), 3) == 5
    assert rules.effective_threshold(_poll(anonymity_threshold=0), 7) == 7
    assert rules.effective_threshold(_poll(anonymity_threshold=0), 0) == 3


@pytest.mark.parametrize("anonymous,changes,moves", [
    (True, [((1,), (2,))], False),  # a moved vote: the number of voters stays
    (True, [((), (1,))], True),  # a new voter
    (True, [((1, 2), (2,))], False),  # a multiple-choice voter drops one of two choices
    (True, [((1,), ())], True),  # a voter drops their last choice
    (True, [((1,), ()), ((), (3,))], False),  # one leaves, one joins: the figure is the same
    (True, [((1,), (1,))], False),
    (False, [((1,), (2,))], True),  # a public poll shows its counts: a move moves them
    (False, [((1,), (1,))], False),
    (False, [], False),
])
def test_message_moves_only_with_what_it_shows(anonymous, changes, moves):
    """An anonymous poll's message moves only with its number of voters; a public one with any vote change."""
    assert rules.message_moves(anonymous, changes) is moves
